//! API keys: 256-bit random tokens, shown once, stored as SHA-256; and a short-lived cache of
//! what each token grants, so that authenticating a request rarely touches the database.

use crate::problem::ApiError;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
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
    ttl: Duration,
    grants: Mutex<HashMap<String, (KeyGrant, Instant)>>,
}

/// Entries kept at most; past it the cache is cleared rather than grown (keys are few).
const MAX_ENTRIES: usize = 100_000;

impl AuthCache {
    pub fn new(ttl: Duration) -> AuthCache {
        AuthCache {
            ttl,
            grants: Mutex::new(HashMap::new()),
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
        if let Some((grant, at)) = self.grants.lock().expect("auth cache lock").get(&hash) {
            if at.elapsed() < self.ttl {
                return Ok(Some(grant.clone()));
            }
        }
        let mut conn = db.read().await?;
        let grant = conn.stores().find_grant(&hash).await?;
        if let Some(g) = &grant {
            let mut grants = self.grants.lock().expect("auth cache lock");
            if grants.len() >= MAX_ENTRIES {
                grants.clear();
            }
            grants.insert(hash, (g.clone(), Instant::now()));
        }
        Ok(grant)
    }

    /// Forgets every key of a party at once (after its status changed).
    pub fn forget_party(&self, party_id: &str) {
        self.grants
            .lock()
            .expect("auth cache lock")
            .retain(|_, (g, _)| g.party_id != party_id);
    }

    /// Forgets a key at once (after it is revoked).
    pub fn forget_key(&self, key_id: &str) {
        self.grants
            .lock()
            .expect("auth cache lock")
            .retain(|_, (g, _)| g.key_id != key_id);
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
