//! The hub's signing key: Ed25519, created on first start, kept in the data folder
//! (`hub-signing.key`, mode 0600, the 32-byte seed in hex). Its public half is recorded in the
//! database, so a data folder and a database that do not belong together refuse to start.
//!
//! What it signs today: the CEB621 inventory lists the hub files (see [`crate::routes::ceb`]);
//! the e-road envelopes will be signed with the same key.

use crate::server::HubError;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use std::path::Path;
use store::Database;

pub const SIGNING_KEY_FILE: &str = "hub-signing.key";
const PUBLIC_KEY_META: &str = "signing_public_key";

/// Loads the key, or creates it on first start (the pending file is renamed only after the
/// public key is committed, as for the operator key).
pub async fn load_or_create(data_dir: &Path, db: &dyn Database) -> Result<SigningKey, HubError> {
    let path = data_dir.join(SIGNING_KEY_FILE);
    let pending = data_dir.join("hub-signing.key.new");
    if !path.exists() && pending.exists() {
        std::fs::rename(&pending, &path).map_err(|e| HubError::Io(path.clone(), e))?;
    }
    let mut tx = db.begin().await?;
    let recorded = tx.stores().get_meta(PUBLIC_KEY_META).await?;
    if path.exists() {
        let text = std::fs::read_to_string(&path).map_err(|e| HubError::Io(path.clone(), e))?;
        let key = parse_seed(text.trim()).ok_or_else(|| {
            HubError::Config(format!(
                "{} does not hold a 32-byte hex seed",
                path.display()
            ))
        })?;
        let public = hex::encode(key.verifying_key().as_bytes());
        match recorded {
            Some(r) if r == public => {}
            Some(_) => {
                return Err(HubError::Config(format!(
                    "{} is not the signing key this database was created with",
                    path.display()
                )))
            }
            None => {
                tx.stores().put_meta(PUBLIC_KEY_META, &public).await?;
                tx.commit().await?;
            }
        }
        return Ok(key);
    }
    if recorded.is_some() {
        return Err(HubError::Config(format!(
            "the database has a signing key but {} is missing; restore it from the backup of the data folder",
            path.display()
        )));
    }
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed)
        .map_err(|e| HubError::Config(format!("the OS random source: {e}")))?;
    let key = SigningKey::from_bytes(&seed);
    crate::server::write_secret(&pending, &hex::encode(seed))
        .map_err(|e| HubError::Io(pending.clone(), e))?;
    tx.stores()
        .put_meta(
            PUBLIC_KEY_META,
            &hex::encode(key.verifying_key().as_bytes()),
        )
        .await?;
    tx.commit().await?;
    std::fs::rename(&pending, &path).map_err(|e| HubError::Io(path.clone(), e))?;
    Ok(key)
}

fn parse_seed(text: &str) -> Option<SigningKey> {
    let bytes: [u8; 32] = hex::decode(text).ok()?.try_into().ok()?;
    Some(SigningKey::from_bytes(&bytes))
}

/// Signs `message`; the signature's 64 bytes.
pub fn sign(key: &SigningKey, message: &[u8]) -> [u8; 64] {
    key.sign(message).to_bytes()
}

/// Whether `signature` is `key`'s over `message`.
pub fn verify(key: &VerifyingKey, message: &[u8], signature: &[u8]) -> bool {
    let Ok(bytes) = <[u8; 64]>::try_from(signature) else {
        return false;
    };
    key.verify_strict(message, &ed25519_dalek::Signature::from_bytes(&bytes))
        .is_ok()
}
