//! The operator-set exchange rates as the quote path reads them: an in-memory snapshot,
//! replaced after every PUT and re-read from the database at most every few seconds (another
//! process sharing a PostgreSQL database may have changed it).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use store::{Database, FxRateRecord, StoreError};
use tariff::quote::FxRate;
use tariff::Rate;
use trade::Currency;

pub type FxTable = HashMap<(&'static str, &'static str), FxRate>;

pub struct FxCache {
    ttl: Duration,
    current: RwLock<(Instant, Arc<FxTable>)>,
}

impl FxCache {
    pub fn new(ttl: Duration) -> FxCache {
        FxCache {
            ttl,
            // Stale from the start, so the first quote reads the database.
            current: RwLock::new((Instant::now() - ttl - ttl, Arc::new(FxTable::new()))),
        }
    }

    /// The current table, re-read from the database when older than the TTL.
    pub async fn table(&self, db: &dyn Database) -> Result<Arc<FxTable>, StoreError> {
        {
            let guard = self.current.read().expect("fx cache lock");
            if guard.0.elapsed() < self.ttl {
                return Ok(guard.1.clone());
            }
        }
        let rows = db.read().await?.stores().list_fx_rates().await?;
        Ok(self.replace(&rows))
    }

    /// Installs the rows just committed (or just read) as the current table.
    pub fn replace(&self, rows: &[FxRateRecord]) -> Arc<FxTable> {
        let table = Arc::new(table_of(rows));
        *self.current.write().expect("fx cache lock") = (Instant::now(), table.clone());
        table
    }
}

/// Rows the database holds, as rates; a row that no longer parses (a currency dropped from
/// ISO 4217) is left out rather than failing every quote.
pub fn table_of(rows: &[FxRateRecord]) -> FxTable {
    let mut table = FxTable::new();
    for row in rows {
        let (Ok(from), Ok(to), Some(rate)) = (
            Currency::parse(&row.base),
            Currency::parse(&row.quote),
            Rate::parse_decimal(&row.rate),
        ) else {
            tracing::warn!(base = %row.base, quote = %row.quote, "stored FX rate does not parse; ignored");
            continue;
        };
        table.insert(
            (from.code(), to.code()),
            FxRate {
                from,
                to,
                rate,
                source: row.source.clone(),
                as_of: crate::clock::rfc3339(row.as_of_ms),
            },
        );
    }
    table
}
