//! SQLite: the default, embedded backend. WAL with `synchronous=FULL`, so a commit is on disk
//! before the engine answers; one writer connection, called directly on the writer's thread
//! ([`direct`]), and a small pool of read-only sqlx readers.

pub mod direct;
pub mod page_cache;

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
/// Migrations keep every stored row (one, 0008, rebuilds the ledger tables around new keys). `writer_cache_mib` bounds the writer's
/// page cache (at least 1).
pub async fn open_with(
    path: &Path,
    readers: u32,
    writer_cache_mib: u32,
) -> Result<Arc<dyn Database>> {
    page_cache::install();
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
    // The checkpointer first: the writer hands checkpoints over to it only once it runs.
    let checkpointer = Checkpointer::start(path)?;
    let writer = open_writer(path, writer_cache_mib.max(1))?;
    let readers = SqlitePoolOptions::new()
        .max_connections(readers.max(1))
        .test_before_acquire(false)
        .connect_with(base.read_only(true))
        .await?;
    Ok(Arc::new(SqliteDb {
        writer: Arc::new(Mutex::new(Some(writer))),
        readers,
        checkpointer: std::sync::Mutex::new(Some(checkpointer)),
    }))
}

/// The WAL length (pages) at which the writer checkpoints after a commit by itself, against
/// SQLite's 1,000. The checkpointer copies committed pages while the writer goes on, but the WAL
/// starts over from its beginning only when a write transaction begins with every page copied,
/// which under a steady load of back-to-back commits never happens: the writer's own checkpoint
/// (of the few pages the checkpointer has not reached yet) makes it happen, and bounds the WAL.
/// 16,000 pages (64 MB): a ledger batch of 8,000 transfers writes 3,000–5,000 pages, and at
/// 4,000 the writer copied nearly every batch back itself, inside its commit (17 → 40 ms).
const WRITER_CHECKPOINT_BACKSTOP_PAGES: u32 = 16_000;

/// How often the checkpointer copies committed pages from the WAL into the database file, when
/// anything was committed since it last did.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(100);

/// Copies the WAL into the database file on a thread and connection of its own, so that the
/// writer seldom does it inside a commit (SQLite's automatic checkpoint runs in the committing
/// connection: a tenth of the writer's time, with two more fsyncs; docs/performance.md). WAL
/// allows it: a checkpoint and a write transaction run at the same time. The checkpoints are
/// PASSIVE: they copy what no reader still needs, and never wait for a lock.
struct Checkpointer {
    signal: Arc<CheckpointSignal>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[derive(Default)]
struct CheckpointSignal {
    state: std::sync::Mutex<CheckpointState>,
    wake: std::sync::Condvar,
}

#[derive(Default)]
struct CheckpointState {
    commits: u64,
    stop: bool,
}

impl CheckpointSignal {
    fn lock(&self) -> std::sync::MutexGuard<'_, CheckpointState> {
        // The state is two plain fields, consistent even if a holder panicked.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn note_commit(&self) {
        self.lock().commits += 1;
    }

    fn stop(&self) {
        self.lock().stop = true;
        self.wake.notify_all();
    }
}

impl Checkpointer {
    fn start(path: &Path) -> Result<Checkpointer> {
        let raw = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(direct::Error::from)?;
        let mut conn = direct::Connection::new(raw);
        // A checkpoint syncs the WAL before it copies, and the database file after.
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 0;")?;
        let signal = Arc::new(CheckpointSignal::default());
        let theirs = signal.clone();
        let thread = std::thread::Builder::new()
            .name("ewtp-checkpoint".into())
            .spawn(move || run_checkpoints(conn, &theirs))
            .map_err(|e| StoreError::Config(format!("starting the checkpoint thread: {e}")))?;
        Ok(Checkpointer {
            signal,
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        // The thread ends at its next wake-up; `SqliteDb::close` also waits for it.
        self.signal.stop();
    }
}

fn run_checkpoints(mut conn: direct::Connection, signal: &CheckpointSignal) {
    let mut state = signal.lock();
    loop {
        state = match signal
            .wake
            .wait_timeout_while(state, CHECKPOINT_INTERVAL, |s| !s.stop)
        {
            Ok((guard, _)) => guard,
            Err(poisoned) => poisoned.into_inner().0,
        };
        if state.stop {
            break;
        }
        let commits = std::mem::take(&mut state.commits);
        drop(state);
        if commits > 0 {
            if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE);") {
                tracing::warn!(error = %e, "SQLite checkpoint");
            }
        }
        state = signal.lock();
    }
    drop(state);
    if let Err((_, e)) = conn.into_inner().close() {
        tracing::warn!(error = %e, "closing the SQLite checkpointer");
    }
}

pub(crate) static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The writer's connection: durable commits, foreign keys, its page cache, and automatic
/// checkpoints only as a backstop (the database's [`Checkpointer`] does them).
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
         PRAGMA cache_size = -{cache_kib}; PRAGMA wal_autocheckpoint = {WRITER_CHECKPOINT_BACKSTOP_PAGES};"
    ))?;
    Ok(conn)
}

/// The SQLite database: the writer's connection behind a lock (one transaction at a time; the
/// engine is its only steady user) and the readers' pool.
struct SqliteDb {
    /// `None` once closed.
    writer: Arc<Mutex<Option<direct::Connection>>>,
    readers: sqlx::SqlitePool,
    /// `None` once closed.
    checkpointer: std::sync::Mutex<Option<Checkpointer>>,
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
    /// Told of each commit, so that the checkpointer knows there is something to copy.
    checkpoints: Option<Arc<CheckpointSignal>>,
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
        if let Some(signal) = &self.checkpoints {
            signal.note_commit();
        }
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
        let checkpoints = self
            .checkpointer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .map(|c| c.signal.clone());
        Ok(Box::new(DirectTx {
            conn,
            open: true,
            checkpoints,
        }))
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
        let checkpointer = self
            .checkpointer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(mut checkpointer) = checkpointer {
            checkpointer.signal.stop();
            if let Some(thread) = checkpointer.thread.take() {
                // Ended before the writer closes, so the writer is the last connection and
                // checkpoints the rest of the WAL itself as it closes.
                let _ = tokio::task::spawn_blocking(move || thread.join()).await;
            }
        }
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
        // Checkpoints are the checkpointer's (its own thread); the writer's only a backstop.
        assert_eq!(pragma(&mut writer, "wal_autocheckpoint"), "Integer(16000)");
    }

    /// The writer never checkpoints (its automatic checkpoint is off); the checkpointer thread
    /// copies what it committed into the database file shortly after, and ends when the
    /// database closes.
    #[tokio::test]
    async fn the_checkpointer_copies_the_writers_commits_into_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let db = open(&path, 1).await.unwrap();
        let file_len = || std::fs::metadata(&path).unwrap().len();
        let before = file_len();
        let mut tx = db.begin().await.unwrap();
        let filler = "x".repeat(4000);
        for i in 0..500 {
            tx.stores()
                .put_meta(&format!("filler-{i}"), &filler)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        // 2 MB committed: in the WAL at once, in the database file once checkpointed.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while file_len() < before + 1_000_000 {
            assert!(
                std::time::Instant::now() < deadline,
                "no checkpoint within 10 s: the file is {} bytes",
                file_len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        db.close().await;
        assert!(
            !dir.path().join("t.db-wal").exists(),
            "the writer, the last connection, checkpoints the rest and removes the WAL on close"
        );
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
