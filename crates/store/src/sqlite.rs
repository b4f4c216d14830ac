//! SQLite: the default, embedded backend. WAL with `synchronous=FULL`, so a commit is on disk
//! before the engine answers; one writer connection and a small pool of read-only readers.

use crate::backend::{Backend, OrderBatch, Pools};
use crate::IdempotencyRecord;
use crate::{Database, Result};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use trade::Order;

mod stores {
    crate::sql::impl_stores!(
        sqlx::SqliteConnection,
        sqlx::Sqlite,
        sqlx::sqlite::SqliteRow
    );
    crate::ledger_sql::impl_ledger_store!(
        sqlx::SqliteConnection,
        sqlx::Sqlite,
        sqlx::sqlite::SqliteRow
    );
    crate::clearance_sql::impl_clearance_store!(
        sqlx::SqliteConnection,
        sqlx::Sqlite,
        sqlx::sqlite::SqliteRow
    );

    /// Under SQLite's limit of 32766 bound parameters per statement.
    pub(super) const MAX_BATCH_PARAMETERS: usize = 30_000;
}

/// One call to SQLite's worker thread for the whole transaction: `BEGIN IMMEDIATE`, the inserts
/// and `COMMIT` as `;`-separated statements of one query (parameters are numbered across them).
/// A failing statement stops the query before `COMMIT`; the transaction is then rolled back.
#[async_trait::async_trait]
impl OrderBatch for sqlx::Sqlite {
    async fn commit_orders(
        pools: &Pools<Self>,
        claims: &[&IdempotencyRecord],
        orders: &[&Order],
    ) -> Result<()> {
        use crate::{IdempotencyStore, OrderStore};
        let mut conn = pools.writer.acquire().await?;
        if orders.is_empty()
            || stores::batch_parameters(claims, orders) > stores::MAX_BATCH_PARAMETERS
        {
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            for record in claims {
                tx.insert_idempotency(record).await?;
            }
            tx.insert_orders(orders).await?;
            return Ok(tx.commit().await?);
        }
        let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new("BEGIN IMMEDIATE; ");
        if !claims.is_empty() {
            stores::push_idempotency_rows(&mut qb, claims);
            qb.push("; ");
        }
        stores::push_orders(&mut qb, orders);
        qb.push("; ");
        stores::push_lines(&mut qb, &stores::lines_of(orders));
        qb.push("; COMMIT");
        if let Err(e) = qb.build().execute(&mut *conn).await {
            // Harmless when the failure came before BEGIN took effect ("no transaction is active").
            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
            return Err(e.into());
        }
        Ok(())
    }
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
        // The writer's page cache holds the indexes a batch inserts into (64 MiB, against
        // SQLite's 2 MiB default): measured, docs/performance.md.
        .connect_with(
            base.clone()
                .create_if_missing(true)
                .pragma("cache_size", "-65536"),
        )
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
