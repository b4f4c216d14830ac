#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write; `detail` is the database's own words.
    #[error("conflict: {detail}")]
    Conflict { detail: String },
    #[error("database: {0}")]
    Database(sqlx::Error),
    /// The SQLite writer's own connection (`sqlite::direct`).
    #[error("database: {0}")]
    Sqlite(crate::sqlite::direct::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored row that no longer decodes into the domain type: a bug or a hand edit.
    #[error("stored row {table}/{id} is corrupt: {detail}")]
    Corrupt {
        table: &'static str,
        id: String,
        detail: String,
    },
    #[error("{0}")]
    Config(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict {
                detail: db.message().to_string(),
            },
            _ => StoreError::Database(e),
        }
    }
}

impl From<crate::sqlite::direct::Error> for StoreError {
    fn from(e: crate::sqlite::direct::Error) -> Self {
        if e.is_unique_violation() {
            StoreError::Conflict {
                detail: e.message(),
            }
        } else {
            StoreError::Sqlite(e)
        }
    }
}

impl StoreError {
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Conflict { .. })
    }
}
