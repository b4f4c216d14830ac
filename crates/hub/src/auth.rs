//! API keys: 256-bit random tokens, shown once, stored as SHA-256; and a short-lived cache of
//! what each token grants, so that authenticating a request rarely touches the database.

use crate::problem::ApiError;
use crate::ttl_map::TtlMap;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;
use store::{Database, KeyGrant};

pub const TOKEN_PREFIX: &str = "ewtp_";

/// A fresh token: `ewtp_` and 64 hex digits (32 random bytes).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).expect("the OS random source");
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

pub fn token_sha256(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The part of a token that may be shown again, to recognise a key in a list.
pub fn token_display_prefix(token: &str) -> String {
    token.chars().take(TOKEN_PREFIX.len() + 6).collect()
}

/// Grants by token hash. A revocation made by this process takes effect at once; one made by
/// another process sharing the database takes effect within `ttl` (the cache's only staleness).
pub struct AuthCache {
    grants: TtlMap<KeyGrant>,
}

/// Entries kept at most (keys are few).
const MAX_ENTRIES: usize = 100_000;

impl AuthCache {
    pub fn new(ttl: Duration) -> AuthCache {
        AuthCache {
            grants: TtlMap::new(ttl, MAX_ENTRIES),
        }
    }

    pub async fn lookup(
        &self,
        db: &Arc<dyn Database>,
        token: &str,
    ) -> Result<Option<KeyGrant>, ApiError> {
        if !token.starts_with(TOKEN_PREFIX) || token.len() != TOKEN_PREFIX.len() + 64 {
            return Ok(None);
        }
        let hash = token_sha256(token);
        if let Some(grant) = self.grants.get(&hash) {
            return Ok(Some(grant));
        }
        let mut conn = db.read().await?;
        let grant = conn.stores().find_grant(&hash).await?;
        if let Some(g) = &grant {
            self.grants.insert(hash, g.clone());
        }
        Ok(grant)
    }

    /// Forgets every key of a party at once (after its status changed).
    pub fn forget_party(&self, party_id: &str) {
        self.grants.retain(|g| g.party_id != party_id);
    }

    /// Forgets a key at once (after it is revoked).
    pub fn forget_key(&self, key_id: &str) {
        self.grants.retain(|g| g.key_id != key_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 5 + 64);
        assert_eq!(token_sha256(&a).len(), 64);
        assert_ne!(token_sha256(&a), token_sha256(&b));
        assert_eq!(token_display_prefix(&a).len(), 11);
    }
}
