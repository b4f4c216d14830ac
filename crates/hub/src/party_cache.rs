//! A short-lived cache of parties read by request handlers. A platform names the merchant of
//! each order it places, and the handler checks that this merchant is an active party of the
//! hub; without the cache that is a database read (a hand-off to the reader's thread and back)
//! on every such order. The writer checks the parties again when it clears a parcel (customs
//! check 2), so this cache only decides how early a request is refused.

use crate::problem::ApiError;
use crate::ttl_map::TtlMap;
use std::sync::Arc;
use std::time::Duration;
use store::Database;
use trade::Party;

/// Parties by id. A status change made by this process takes effect at once ([`forget`]), but
/// for a read that raced the change, which may keep the old standing for up to `ttl`; a change
/// made by another process sharing the database, within `ttl`. Only parties found are kept: a
/// party created a moment ago is never hidden by an earlier miss.
///
/// [`forget`]: PartyCache::forget
pub struct PartyCache {
    parties: TtlMap<Party>,
}

/// Entries kept at most.
const MAX_ENTRIES: usize = 100_000;

impl PartyCache {
    pub fn new(ttl: Duration) -> PartyCache {
        PartyCache {
            parties: TtlMap::new(ttl, MAX_ENTRIES),
        }
    }

    /// The party with this id, from the cache while fresh, else from the database.
    pub async fn get(&self, db: &Arc<dyn Database>, id: &str) -> Result<Option<Party>, ApiError> {
        if let Some(party) = self.parties.get(id) {
            return Ok(Some(party));
        }
        let found = {
            let mut conn = db.read().await?;
            conn.stores().get_party(id).await?
        };
        if let Some(party) = &found {
            self.parties.insert(id.to_string(), party.clone());
        }
        Ok(found)
    }

    /// Forgets a party at once (after its status changed).
    pub fn forget(&self, id: &str) {
        self.parties.remove(id);
    }
}
