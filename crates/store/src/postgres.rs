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
