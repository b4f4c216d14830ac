//! A short-lived cache of parties read by request handlers. A platform names the merchant of
//! each order it places, and the handler checks that this merchant is an active party of the
//! hub; without the cache that is a database read (a hand-off to the reader's thread and back)
//! on every such order. The writer checks the parties again when it clears a parcel (customs
//! check 2), so this cache only decides how early a request is refused.

use crate::problem::ApiError;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use store::Database;
use trade::Party;

/// Parties by id. A status change made by this process takes effect at once ([`forget`]), but
/// for a read that raced the change, which may keep the old standing for up to `ttl`; a change
/// made by another process sharing the database, within `ttl`. Only parties found are kept: a
/// party created a moment ago is never hidden by an earlier miss.
///
/// [`forget`]: PartyCache::forget
pub struct PartyCache {
    ttl: Duration,
    parties: Mutex<HashMap<String, (Party, Instant)>>,
}

/// Entries kept at most; past it the cache is cleared rather than grown.
const MAX_ENTRIES: usize = 100_000;

impl PartyCache {
    pub fn new(ttl: Duration) -> PartyCache {
        PartyCache {
            ttl,
            parties: Mutex::new(HashMap::new()),
        }
    }

    /// The party with this id, from the cache while fresh, else from the database.
    pub async fn get(&self, db: &Arc<dyn Database>, id: &str) -> Result<Option<Party>, ApiError> {
        if let Some((party, at)) = self.parties.lock().expect("party cache lock").get(id) {
            if at.elapsed() < self.ttl {
                return Ok(Some(party.clone()));
            }
        }
        let found = {
            let mut conn = db.read().await?;
            conn.stores().get_party(id).await?
        };
        if let Some(party) = &found {
            let mut parties = self.parties.lock().expect("party cache lock");
            if parties.len() >= MAX_ENTRIES {
                parties.clear();
            }
            parties.insert(id.to_string(), (party.clone(), Instant::now()));
        }
        Ok(found)
    }

    /// Forgets a party at once (after its status changed).
    pub fn forget(&self, id: &str) {
        self.parties.lock().expect("party cache lock").remove(id);
    }
}
