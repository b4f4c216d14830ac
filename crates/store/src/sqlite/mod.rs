//! SQLite: the default, embedded backend. WAL with `synchronous=FULL`, so a commit is on disk
//! before the engine answers; one writer connection, called directly on the writer's thread
//! ([`direct`]), and a small pool of read-only sqlx readers.

pub mod direct;

use crate::backend::{Backend, Read};
use crate::{Database, IdempotencyRecord, ReadConn, Result, StoreError, Stores, WriteTx};
use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};
use trade::Order;

/// The stores on sqlx's connection: the readers.
mod stores {
    use sqlx as sql_api;
    const ROWS_PER_STATEMENT_MAX: usize = usize::MAX;
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
}

/// The same stores on the writer's direct connection.
mod direct_stores {
    use super::direct as sql_api;
    /// One row a statement: with no round trip to share, a prepared one-row statement is the
    /// cheapest (its text repeats, so it is prepared once; it needs no statement journal, which a
    /// multi-row insert does, to undo a half-done statement; measured, docs/performance.md).
    const ROWS_PER_STATEMENT_MAX: usize = 1;
    crate::sql::impl_stores!(
        super::direct::Connection,
        super::direct::Direct,
        super::direct::Row
    );
    crate::ledger_sql::impl_ledger_store!(
        super::direct::Connection,
        super::direct::Direct,
        super::direct::Row
    );
    crate::clearance_sql::impl_clearance_store!(
        super::direct::Connection,
        super::direct::Direct,
        super::direct::Row
    );
}

/// How long a statement waits for a lock another connection holds (a reader's checkpoint).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// The writer's page cache by default: it holds the indexes a batch inserts into (64 MiB,
/// against SQLite's 2 MiB default; measured, docs/performance.md).
pub const WRITER_CACHE_MIB_DEFAULT: u32 = 64;

/// Opens (creating if needed) the database file and brings its schema up to date, with the
/// writer's page cache at its default size.
pub async fn open(path: &Path, readers: u32) -> Result<Arc<dyn Database>> {
    open_with(path, readers, WRITER_CACHE_MIB_DEFAULT).await
}

/// Opens (creating if needed) the database file and brings its schema up to date.
/// Existing data is never rewritten: migrations only add. `writer_cache_mib` bounds the writer's
/// page cache (at least 1).
pub async fn open_with(
    path: &Path,
    readers: u32,
    writer_cache_mib: u32,
) -> Result<Arc<dyn Database>> {
    let base = SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(BUSY_TIMEOUT)
        .foreign_keys(true);
    {
        // Migrations run on a sqlx connection of their own, closed before the writer opens.
        let setup = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(base.clone().create_if_missing(true))
            .await?;
        MIGRATIONS.run(&setup).await?;
        setup.close().await;
    }
    let writer = open_writer(path, writer_cache_mib.max(1))?;
    let readers = SqlitePoolOptions::new()
        .max_connections(readers.max(1))
        .test_before_acquire(false)
        .connect_with(base.read_only(true))
        .await?;
    Ok(Arc::new(SqliteDb {
        writer: Arc::new(Mutex::new(Some(writer))),
        readers,
    }))
}

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

fn open_writer(path: &Path, cache_mib: u32) -> Result<direct::Connection> {
    let raw = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(direct::Error::from)?;
    raw.busy_timeout(BUSY_TIMEOUT)
        .map_err(direct::Error::from)?;
    let mut conn = direct::Connection::new(raw);
    // A negative cache_size is in KiB.
    let cache_kib = i64::from(cache_mib) * 1024;
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
         PRAGMA cache_size = -{cache_kib};"
    ))?;
    Ok(conn)
}

/// The SQLite database: the writer's connection behind a lock (one transaction at a time; the
/// engine is its only steady user) and the readers' pool.
struct SqliteDb {
    /// `None` once closed.
    writer: Arc<Mutex<Option<direct::Connection>>>,
    readers: sqlx::SqlitePool,
}

impl SqliteDb {
    async fn writer(&self) -> Result<OwnedMutexGuard<Option<direct::Connection>>> {
        let guard = self.writer.clone().lock_owned().await;
        if guard.is_none() {
            return Err(StoreError::Config("the database is closed".into()));
        }
        Ok(guard)
    }
}

/// A transaction on the writer's connection; dropped without `commit`, it rolls back.
struct DirectTx {
    conn: OwnedMutexGuard<Option<direct::Connection>>,
    open: bool,
}

impl DirectTx {
    fn conn(&mut self) -> &mut direct::Connection {
        self.conn
            .as_mut()
            .expect("a transaction exists only on an open writer")
    }
}

impl Drop for DirectTx {
    fn drop(&mut self) {
        if self.open {
            if let Some(conn) = self.conn.as_mut() {
                // Fails harmlessly when SQLite already ended the transaction (a failed COMMIT).
                let _ = conn.execute_batch("ROLLBACK");
            }
        }
    }
}

#[async_trait]
impl WriteTx for DirectTx {
    fn stores(&mut self) -> &mut dyn Stores {
        self.conn()
    }
    async fn savepoint(&mut self) -> Result<()> {
        crate::backend::Savepoints::savepoint(self.conn()).await
    }
    async fn rollback_to_savepoint(&mut self) -> Result<()> {
        crate::backend::Savepoints::rollback_to_savepoint(self.conn()).await
    }
    async fn release_savepoint(&mut self) -> Result<()> {
        crate::backend::Savepoints::release_savepoint(self.conn()).await
    }
    async fn commit(mut self: Box<Self>) -> Result<()> {
        self.conn().execute_batch("COMMIT")?;
        self.open = false;
        Ok(())
    }
}

#[async_trait]
impl Database for SqliteDb {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }
    async fn begin(&self) -> Result<Box<dyn WriteTx>> {
        let mut conn = self.writer().await?;
        if let Some(c) = conn.as_mut() {
            // IMMEDIATE: the write lock is taken now, not at the first write.
            c.execute_batch("BEGIN IMMEDIATE")?;
        }
        Ok(Box::new(DirectTx { conn, open: true }))
    }
    async fn read(&self) -> Result<Box<dyn ReadConn>> {
        Ok(Box::new(Read(self.readers.acquire().await?)))
    }
    /// One transaction on the writer's connection: the records, the orders and their lines,
    /// each a prepared statement called in place; any failure rolls all of it back.
    async fn commit_orders(&self, claims: &[&IdempotencyRecord], orders: &[&Order]) -> Result<()> {
        let mut tx = self.begin().await?;
        for record in claims {
            tx.stores().insert_idempotency(record).await?;
        }
        tx.stores().insert_orders(orders).await?;
        tx.commit().await
    }
    async fn close(&self) {
        self.readers.close().await;
        if let Some(conn) = self.writer.lock().await.take() {
            if let Err((_, e)) = conn.into_inner().close() {
                tracing::warn!(error = %e, "closing the SQLite writer");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The writer's connection is durable as the engine promises: WAL, a full sync at each
    /// commit, foreign keys enforced.
    #[tokio::test]
    async fn the_writer_connection_is_durable_and_checks_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let db = open(&path, 1).await.unwrap();
        drop(db);
        let mut writer = open_writer(&path, 3).unwrap();
        let pragma = |c: &mut direct::Connection, name: &str| -> String {
            c.raw()
                .query_row(&format!("PRAGMA {name}"), [], |r| {
                    r.get::<_, rusqlite::types::Value>(0)
                })
                .map(|v| format!("{v:?}"))
                .unwrap()
        };
        assert_eq!(pragma(&mut writer, "journal_mode"), "Text(\"wal\")");
        assert_eq!(pragma(&mut writer, "synchronous"), "Integer(2)");
        assert_eq!(pragma(&mut writer, "foreign_keys"), "Integer(1)");
        assert_eq!(pragma(&mut writer, "cache_size"), "Integer(-3072)");
    }

    /// A transaction dropped without commit leaves nothing behind, and the writer can begin
    /// again at once.
    #[tokio::test]
    async fn a_dropped_transaction_rolls_back() {
        let dir = tempfile::tempdir().unwrap();
        let db = open(&dir.path().join("t.db"), 1).await.unwrap();
        {
            let mut tx = db.begin().await.unwrap();
            tx.stores().put_meta("probe", "1").await.unwrap();
        }
        let mut tx = db.begin().await.unwrap();
        assert_eq!(tx.stores().get_meta("probe").await.unwrap(), None);
        tx.stores().put_meta("probe", "2").await.unwrap();
        tx.commit().await.unwrap();
        let mut read = db.read().await.unwrap();
        assert_eq!(
            read.stores().get_meta("probe").await.unwrap().as_deref(),
            Some("2")
        );
        drop(read);
        db.close().await;
        assert!(
            db.begin().await.is_err(),
            "a closed database refuses writes"
        );
    }
}
