//! The handles the hub holds: a database with one writer connection and a pool of readers.

use crate::{
    ClearanceStore, FxStore, IdempotencyRecord, IdempotencyStore, KeyStore, LedgerStore, MetaStore,
    OrderStore, PartyStore, ProductStore, Result,
};
use async_trait::async_trait;
use trade::Order;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Savepoints let one command of a batch fail without undoing the others.
#[async_trait]
pub trait Savepoints {
    async fn savepoint(&mut self) -> Result<()>;
    async fn rollback_to_savepoint(&mut self) -> Result<()>;
    async fn release_savepoint(&mut self) -> Result<()>;
}

/// Every aggregate store, as one object the engine and the readers can use.
pub trait Stores:
    MetaStore
    + PartyStore
    + KeyStore
    + ProductStore
    + OrderStore
    + IdempotencyStore
    + FxStore
    + LedgerStore
    + ClearanceStore
    + Send
{
}
impl<T> Stores for T where
    T: MetaStore
        + PartyStore
        + KeyStore
        + ProductStore
        + OrderStore
        + IdempotencyStore
        + FxStore
        + LedgerStore
        + ClearanceStore
        + Send
{
}

/// One write transaction. Dropping it without `commit` rolls it back.
#[async_trait]
pub trait WriteTx: Send {
    fn stores(&mut self) -> &mut dyn Stores;
    async fn savepoint(&mut self) -> Result<()>;
    async fn rollback_to_savepoint(&mut self) -> Result<()>;
    async fn release_savepoint(&mut self) -> Result<()>;
    async fn commit(self: Box<Self>) -> Result<()>;
}

/// A connection from the read pool.
pub trait ReadConn: Send {
    fn stores(&mut self) -> &mut dyn Stores;
}

#[async_trait]
pub trait Database: Send + Sync {
    fn backend(&self) -> Backend;
    /// A transaction on the single writer connection.
    async fn begin(&self) -> Result<Box<dyn WriteTx>>;
    async fn read(&self) -> Result<Box<dyn ReadConn>>;
    /// The engine's hot path, in its own transaction and as few round trips as the backend
    /// allows: inserts the idempotency records (every key must be free), the orders and their
    /// lines, and commits. On any error (a taken key included, as [`crate::StoreError::Conflict`])
    /// nothing is written.
    async fn commit_orders(&self, claims: &[&IdempotencyRecord], orders: &[&Order]) -> Result<()>;
    async fn close(&self);
}

/// How each backend writes [`Database::commit_orders`].
#[async_trait]
pub(crate) trait OrderBatch: Sized {
    async fn commit_orders(
        pools: &Pools<Self>,
        claims: &[&IdempotencyRecord],
        orders: &[&Order],
    ) -> Result<()>
    where
        Self: sqlx::Database;
}

pub(crate) struct Pools<DB: sqlx::Database> {
    pub writer: sqlx::Pool<DB>,
    pub readers: sqlx::Pool<DB>,
    pub backend: Backend,
}

struct Tx<DB: sqlx::Database>(sqlx::Transaction<'static, DB>);
pub(crate) struct Read<DB: sqlx::Database>(pub(crate) sqlx::pool::PoolConnection<DB>);

#[async_trait]
impl<DB> WriteTx for Tx<DB>
where
    DB: sqlx::Database,
    DB::Connection: Stores + Savepoints + Send,
{
    fn stores(&mut self) -> &mut dyn Stores {
        &mut *self.0
    }
    async fn savepoint(&mut self) -> Result<()> {
        (*self.0).savepoint().await
    }
    async fn rollback_to_savepoint(&mut self) -> Result<()> {
        (*self.0).rollback_to_savepoint().await
    }
    async fn release_savepoint(&mut self) -> Result<()> {
        (*self.0).release_savepoint().await
    }
    async fn commit(self: Box<Self>) -> Result<()> {
        Ok(self.0.commit().await?)
    }
}

impl<DB> ReadConn for Read<DB>
where
    DB: sqlx::Database,
    DB::Connection: Stores,
{
    fn stores(&mut self) -> &mut dyn Stores {
        &mut *self.0
    }
}

#[async_trait]
impl<DB> Database for Pools<DB>
where
    DB: sqlx::Database + OrderBatch,
    DB::Connection: Stores + Savepoints + Send,
{
    fn backend(&self) -> Backend {
        self.backend
    }
    async fn begin(&self) -> Result<Box<dyn WriteTx>> {
        Ok(Box::new(Tx(self.writer.begin().await?)))
    }
    async fn read(&self) -> Result<Box<dyn ReadConn>> {
        Ok(Box::new(Read(self.readers.acquire().await?)))
    }
    async fn commit_orders(&self, claims: &[&IdempotencyRecord], orders: &[&Order]) -> Result<()> {
        DB::commit_orders(self, claims, orders).await
    }
    async fn close(&self) {
        self.readers.close().await;
        self.writer.close().await;
    }
}
