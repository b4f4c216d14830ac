//! PostgreSQL: the production backend. Same stores, same tests; its own migrations folder.
//! Each hub process keeps one writer connection (the engine's) and a pool of readers.

use crate::backend::{Backend, OrderBatch, Pools};
use crate::IdempotencyRecord;
use crate::{Database, Result, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::Connection;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use trade::Order;

mod stores {
    use sqlx as sql_api;
    /// Multi-row statements as large as the macros' tables say: each saves a round trip.
    const ROWS_PER_STATEMENT_MAX: usize = usize::MAX;
    crate::sql::impl_stores!(sqlx::PgConnection, sqlx::Postgres, sqlx::postgres::PgRow);
    crate::ledger_sql::impl_ledger_store!(
        sqlx::PgConnection,
        sqlx::Postgres,
        sqlx::postgres::PgRow
    );
    crate::clearance_sql::impl_clearance_store!(
        sqlx::PgConnection,
        sqlx::Postgres,
        sqlx::postgres::PgRow
    );

    /// Under PostgreSQL's limit of 65535 bound parameters per statement.
    pub(super) const MAX_BATCH_PARAMETERS: usize = 60_000;

    /// Bound parameters a combined batch statement would carry (7, 27 and 10 a row).
    pub(crate) fn batch_parameters(
        claims: &[&crate::IdempotencyRecord],
        orders: &[&trade::Order],
    ) -> usize {
        claims.len() * 7
            + orders.len() * 27
            + orders.iter().map(|o| o.lines.len()).sum::<usize>() * 10
    }
}

/// BEGIN, one statement with the idempotency records, the orders and their lines as
/// data-modifying CTEs (each runs to completion; the lines' foreign key is checked at the end of
/// the statement), COMMIT: three round trips whatever the batch size.
#[async_trait::async_trait]
impl OrderBatch for sqlx::Postgres {
    async fn commit_orders(
        pools: &Pools<Self>,
        claims: &[&IdempotencyRecord],
        orders: &[&Order],
    ) -> Result<()> {
        use crate::{IdempotencyStore, OrderStore};
        let mut tx = pools.writer.begin().await?;
        if orders.is_empty()
            || stores::batch_parameters(claims, orders) > stores::MAX_BATCH_PARAMETERS
        {
            for record in claims {
                tx.insert_idempotency(record).await?;
            }
            tx.insert_orders(orders).await?;
            return Ok(tx.commit().await?);
        }
        let mut qb = sqlx::QueryBuilder::<sqlx::Postgres>::new("WITH ");
        if !claims.is_empty() {
            qb.push("new_keys AS (");
            stores::push_idempotency_rows(&mut qb, claims);
            qb.push("), ");
        }
        qb.push("new_orders AS (");
        stores::push_orders(&mut qb, orders);
        qb.push(") ");
        stores::push_lines(&mut qb, &stores::lines_of(orders));
        qb.build().execute(&mut *tx).await?;
        Ok(tx.commit().await?)
    }
}

const WRITER_LOCK_HELD: &str = "another ewtp hub process is writing to this database";

/// One writing hub process per database (per schema): the engine keeps the clearance and ledger
/// state machines consistent by applying every write in one writer, in order (decision 19).
/// The writer connection holds a session advisory lock for its life; a second process on the same
/// schema is refused at start instead of racing the first. A killed process's lock goes with its
/// connection; a restart waits a few seconds for the server to notice. (Closing the connection
/// that holds the lock releases it.)
async fn take_writer_lock(
    conn: &mut sqlx::PgConnection,
    patience: Duration,
) -> std::result::Result<(), sqlx::Error> {
    let deadline = std::time::Instant::now() + patience;
    loop {
        let (locked, schema): (bool, String) = sqlx::query_as(
            "SELECT pg_try_advisory_lock(hashtextextended('ewtp writer ' || current_schema(), 0)), current_schema()",
        )
        .fetch_one(&mut *conn)
        .await?;
        if locked {
            return Ok(());
        }
        if std::time::Instant::now() >= deadline {
            return Err(sqlx::Error::Protocol(format!(
                "{WRITER_LOCK_HELD} (schema {schema}); stop it first, or give this hub its own database or schema"
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub(crate) static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

pub fn options(url: &str) -> Result<PgConnectOptions> {
    PgConnectOptions::from_str(url)
        .map_err(|e| StoreError::Config(format!("invalid PostgreSQL URL: {e}")))
}

/// Connects, optionally inside `schema` (created by the caller), and migrates.
pub async fn open(
    options: PgConnectOptions,
    schema: Option<&str>,
    readers: u32,
) -> Result<Arc<dyn Database>> {
    let options = match schema {
        Some(s) => options.options([("search_path", s)]),
        None => options,
    };
    // Ask once on a connection of its own, for a clear refusal: the pool would only time out.
    {
        let mut probe = sqlx::PgConnection::connect_with(&options).await?;
        let taken = take_writer_lock(&mut probe, Duration::from_secs(5)).await;
        probe.close().await?;
        if let Err(sqlx::Error::Protocol(m)) = taken {
            return Err(StoreError::Config(m));
        }
        taken?;
    }
    let writer = PgPoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        // The engine owns this connection: no ping before each batch (see sqlite.rs).
        .test_before_acquire(false)
        .after_connect(|conn, _| {
            Box::pin(async move { take_writer_lock(conn, Duration::from_secs(5)).await })
        })
        .connect_with(options.clone())
        .await?;
    MIGRATIONS.run(&writer).await?;
    let readers = PgPoolOptions::new()
        .max_connections(readers.max(1))
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await?;
    Ok(Arc::new(Pools {
        writer,
        readers,
        backend: Backend::Postgres,
    }))
}
