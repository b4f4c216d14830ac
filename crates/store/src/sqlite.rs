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
        .connect_with(base.clone().create_if_missing(true))
        .await?;
    MIGRATIONS.run(&writer).await?;
    let readers = SqlitePoolOptions::new()
        .max_connections(readers.max(1))
        .connect_with(base.read_only(true))
        .await?;
    Ok(Arc::new(Pools {
        writer,
        readers,
        backend: Backend::Sqlite,
    }))
}
