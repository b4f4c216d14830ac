//! PostgreSQL: the production backend. Same stores, same tests; its own migrations folder.
//! Each hub process keeps one writer connection (the engine's) and a pool of readers.

use crate::backend::{Backend, Pools};
use crate::{Database, Result, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

mod stores {
    crate::sql::impl_stores!(sqlx::PgConnection, sqlx::Postgres, sqlx::postgres::PgRow);

    /// One statement: the claim, the orders and their lines as data-modifying CTEs (PostgreSQL
    /// runs each to completion, and checks the lines' foreign key at the end of the statement).
    #[async_trait::async_trait]
    impl crate::BatchWrites for sqlx::PgConnection {
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
            let mut qb = sqlx::QueryBuilder::<sqlx::Postgres>::new("WITH ");
            if !claims.is_empty() {
                qb.push("claimed AS (");
                push_claims(&mut qb, claims);
                qb.push("), ");
            }
            qb.push("new_orders AS (");
            push_orders(&mut qb, orders);
            qb.push("), new_lines AS (");
            push_lines(&mut qb, &lines_of(orders));
            qb.push(") ");
            if claims.is_empty() {
                qb.push("SELECT NULL::text AS party_id, NULL::text AS idem_key WHERE false");
            } else {
                qb.push("SELECT party_id, idem_key FROM claimed");
            }
            let rows = qb.build().fetch_all(&mut *self).await?;
            rows.iter()
                .map(|row| Ok((row.try_get("party_id")?, row.try_get("idem_key")?)))
                .collect()
        }
    }

    /// Under PostgreSQL's limit of 65535 bound parameters per statement.
    const MAX_BATCH_PARAMETERS: usize = 60_000;
}

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

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
    let writer = PgPoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        // The engine owns this connection: no ping before each batch (see sqlite.rs).
        .test_before_acquire(false)
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
