//! SQLite: the default, embedded backend. WAL with `synchronous=FULL`, so a commit is on disk
//! before the engine answers; one writer connection and a small pool of read-only readers.

use crate::backend::{Backend, Pools};
use crate::{Database, Result};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

mod stores {
    crate::sql::impl_stores!(
        sqlx::SqliteConnection,
        sqlx::Sqlite,
        sqlx::sqlite::SqliteRow
    );

    /// SQLite executes several `;`-separated statements of one query in one call to its worker
    /// thread, with parameters numbered across all of them.
    #[async_trait::async_trait]
    impl crate::BatchWrites for sqlx::SqliteConnection {
        async fn claim_and_insert_orders(
            &mut self,
            claims: &[&IdempotencyRecord],
            orders: &[&Order],
        ) -> Result<Vec<(String, String)>> {
            use crate::{IdempotencyStore, OrderStore};
            if orders.is_empty() || batch_parameters(claims, orders) > MAX_BATCH_PARAMETERS {
                let claimed = self.claim_idempotency(claims).await?;
                self.insert_orders(orders).await?;
                return Ok(claimed);
            }
            let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new("");
            if !claims.is_empty() {
                push_claims(&mut qb, claims);
                qb.push("; ");
            }
            push_orders(&mut qb, orders);
            qb.push("; ");
            push_lines(&mut qb, &lines_of(orders));
            let rows = qb.build().fetch_all(&mut *self).await?;
            rows.iter()
                .map(|row| Ok((row.try_get("party_id")?, row.try_get("idem_key")?)))
                .collect()
        }
    }

    /// Under SQLite's limit of 32766 bound parameters per statement.
    const MAX_BATCH_PARAMETERS: usize = 30_000;
}

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Opens (creating if needed) the database file and brings its schema up to date.
/// Existing data is never rewritten: migrations only add.
pub async fn open(path: &Path, readers: u32) -> Result<Arc<dyn Database>> {
    let base = SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true);
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        // The engine owns this connection; a ping before each batch would cost a round trip
        // to SQLite's worker thread for nothing (a broken connection fails the batch anyway).
        .test_before_acquire(false)
        .connect_with(base.clone().create_if_missing(true))
        .await?;
    MIGRATIONS.run(&writer).await?;
    let readers = SqlitePoolOptions::new()
        .max_connections(readers.max(1))
        .test_before_acquire(false)
        .connect_with(base.read_only(true))
        .await?;
    Ok(Arc::new(Pools {
        writer,
        readers,
        backend: Backend::Sqlite,
    }))
}
