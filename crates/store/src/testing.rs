//! Support for the backend-agnostic test suites (this crate's and the hub's): a fresh, isolated
//! database per test on SQLite always, and on PostgreSQL when `EWTP_TEST_DATABASE_URL` is set.

use crate::{Database, Result, StoreError};
use sqlx::Connection;
use std::sync::Arc;

pub const DATABASE_URL_VAR: &str = "EWTP_TEST_DATABASE_URL";

/// One isolated database for one test. Keep it alive for the test's duration.
pub struct TestDb {
    pub db: Arc<dyn Database>,
    pub name: &'static str,
    _dir: Option<tempfile::TempDir>,
    pg_cleanup: Option<(String, String)>,
}

/// Readers a test database's pool holds unless a test asks for another number.
const TEST_READERS: u32 = 4;

impl TestDb {
    pub async fn sqlite() -> Result<TestDb> {
        TestDb::sqlite_with(TEST_READERS).await
    }

    /// With `readers` connections in the read pool.
    pub async fn sqlite_with(readers: u32) -> Result<TestDb> {
        let dir = tempfile::tempdir().map_err(|e| StoreError::Config(e.to_string()))?;
        let db = crate::sqlite::open(&dir.path().join("test.db"), readers).await?;
        Ok(TestDb {
            db,
            name: "sqlite",
            _dir: Some(dir),
            pg_cleanup: None,
        })
    }

    /// A fresh schema in the PostgreSQL named by `EWTP_TEST_DATABASE_URL`, or `None` when the
    /// variable is unset. In CI (`CI` set) the variable is required: its absence is an error.
    pub async fn postgres() -> Result<Option<TestDb>> {
        TestDb::postgres_with(TEST_READERS).await
    }

    /// With `readers` connections in the read pool.
    pub async fn postgres_with(readers: u32) -> Result<Option<TestDb>> {
        let Ok(url) = std::env::var(DATABASE_URL_VAR) else {
            if std::env::var("CI").is_ok() {
                return Err(StoreError::Config(format!(
                    "{DATABASE_URL_VAR} must be set in CI"
                )));
            }
            return Ok(None);
        };
        let schema = format!("ewtp_test_{}", random_suffix());
        let mut conn = sqlx::PgConnection::connect(&url).await?;
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        let db =
            crate::postgres::open(crate::postgres::options(&url)?, Some(&schema), readers).await?;
        Ok(Some(TestDb {
            db,
            name: "postgres",
            _dir: None,
            pg_cleanup: Some((url, schema)),
        }))
    }

    /// Every backend this run can test: SQLite, then PostgreSQL when configured. Prints one line
    /// when PostgreSQL is skipped, so a run never hides that it tested only one backend.
    pub async fn all() -> Result<Vec<TestDb>> {
        TestDb::all_with(TEST_READERS).await
    }

    /// [`TestDb::all`] with `readers` connections in each read pool.
    pub async fn all_with(readers: u32) -> Result<Vec<TestDb>> {
        let mut all = vec![TestDb::sqlite_with(readers).await?];
        match TestDb::postgres_with(readers).await? {
            Some(pg) => all.push(pg),
            None => println!(
                "PostgreSQL half did not run: set {DATABASE_URL_VAR}=postgres://… to run it"
            ),
        }
        Ok(all)
    }

    /// Closes the pools and drops the PostgreSQL schema. Call at the end of a passing test;
    /// a failing test leaves its schema behind for inspection.
    pub async fn finish(self) -> Result<()> {
        self.db.close().await;
        if let Some((url, schema)) = &self.pg_cleanup {
            let mut conn = sqlx::PgConnection::connect(url).await?;
            sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                .execute(&mut conn)
                .await?;
            conn.close().await?;
        }
        Ok(())
    }
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).expect("the OS random source");
    hex::encode(bytes)
}

/// A fresh PostgreSQL schema for a hub running in another process: its URL carries the
/// `search_path`, so the child needs nothing but `--database URL`.
pub struct PgSchema {
    pub url: String,
    base_url: String,
    schema: String,
}

impl PgSchema {
    /// `None` when `EWTP_TEST_DATABASE_URL` is unset (an error in CI, as for [`TestDb::postgres`]).
    pub async fn create() -> Result<Option<PgSchema>> {
        let Ok(base_url) = std::env::var(DATABASE_URL_VAR) else {
            if std::env::var("CI").is_ok() {
                return Err(StoreError::Config(format!(
                    "{DATABASE_URL_VAR} must be set in CI"
                )));
            }
            println!("PostgreSQL half did not run: set {DATABASE_URL_VAR}=postgres://… to run it");
            return Ok(None);
        };
        PgSchema::create_in(&base_url, "ewtp_test").await.map(Some)
    }

    /// A fresh schema named `<prefix>_<random>` in the database at `base_url`.
    pub async fn create_in(base_url: &str, prefix: &str) -> Result<PgSchema> {
        let schema = format!("{prefix}_{}", random_suffix());
        let mut conn = sqlx::PgConnection::connect(base_url).await?;
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        let sep = if base_url.contains('?') { '&' } else { '?' };
        let url = format!("{base_url}{sep}options=-c%20search_path%3D{schema}");
        Ok(PgSchema {
            url,
            base_url: base_url.to_string(),
            schema,
        })
    }

    pub fn schema(&self) -> &str {
        &self.schema
    }

    pub async fn drop_schema(self) -> Result<()> {
        let mut conn = sqlx::PgConnection::connect(&self.base_url).await?;
        sqlx::query(&format!("DROP SCHEMA {} CASCADE", self.schema))
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        Ok(())
    }
}

/// The migrations numbered up to `version` only: a later migration is then tested on data
/// written under the earlier schema.
fn migrations_until(all: &sqlx::migrate::Migrator, version: i64) -> sqlx::migrate::Migrator {
    let migrations: Vec<sqlx::migrate::Migration> = all
        .migrations
        .iter()
        .filter(|m| m.version <= version)
        .cloned()
        .collect();
    sqlx::migrate::Migrator {
        migrations: std::borrow::Cow::Owned(migrations),
        ..sqlx::migrate::Migrator::DEFAULT
    }
}

/// Creates the SQLite file at `path` with the schema as of migration `version`, and runs
/// `statements` on it (data as an older hub wrote it). Opening it afterwards migrates the rest.
pub async fn sqlite_with_data_at(
    path: &std::path::Path,
    version: i64,
    statements: &[&str],
) -> Result<()> {
    crate::sqlite::page_cache::install();
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .foreign_keys(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
    migrations_until(&crate::sqlite::MIGRATIONS, version)
        .run(&mut conn)
        .await?;
    for sql in statements {
        sqlx::query(sql).execute(&mut conn).await?;
    }
    conn.close().await?;
    Ok(())
}

/// As [`sqlite_with_data_at`], in the PostgreSQL (schema) that `url` names.
pub async fn postgres_with_data_at(url: &str, version: i64, statements: &[&str]) -> Result<()> {
    let mut conn = sqlx::PgConnection::connect_with(&crate::postgres::options(url)?).await?;
    migrations_until(&crate::postgres::MIGRATIONS, version)
        .run(&mut conn)
        .await?;
    for sql in statements {
        sqlx::query(sql).execute(&mut conn).await?;
    }
    conn.close().await?;
    Ok(())
}
