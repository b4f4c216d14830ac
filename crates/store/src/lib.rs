//! Persistence of ewtp's aggregates. One trait per aggregate; each is implemented once in SQL
//! (see `sql.rs`) and compiled for two typed backends, SQLite (the default) and PostgreSQL,
//! each with its own migrations folder.

mod backend;
mod error;
mod ledger_sql;
pub mod postgres;
mod records;
mod sql;
pub mod sqlite;
pub mod testing;

pub use backend::{Backend, Database, ReadConn, Stores, WriteTx};
pub use error::StoreError;
pub use records::{
    ApiKey, FxRateRecord, IdempotencyRecord, KeyGrant, Movement, OrderQuery, OrderScope,
    PayoutRecord,
};

use async_trait::async_trait;
use trade::{Order, Party, Product, Role};

pub type Result<T> = std::result::Result<T, StoreError>;

/// Facts about the hub itself (its code, its name): checked at start so a data folder is never
/// reused by another hub by mistake.
#[async_trait]
pub trait MetaStore {
    async fn get_meta(&mut self, key: &str) -> Result<Option<String>>;
    async fn put_meta(&mut self, key: &str, value: &str) -> Result<()>;
}

#[async_trait]
pub trait PartyStore {
    async fn insert_party(&mut self, party: &Party) -> Result<()>;
    async fn get_party(&mut self, id: &str) -> Result<Option<Party>>;
    async fn count_parties_with_role(&mut self, role: Role) -> Result<i64>;
}

#[async_trait]
pub trait KeyStore {
    async fn insert_key(&mut self, key: &ApiKey) -> Result<()>;
    async fn get_key(&mut self, id: &str) -> Result<Option<ApiKey>>;
    /// The party and role behind a token hash, whether or not the key is revoked.
    async fn find_grant(&mut self, token_sha256: &str) -> Result<Option<KeyGrant>>;
    /// Marks the key revoked; false when it was already revoked or does not exist.
    async fn revoke_key(&mut self, id: &str, at_ms: i64) -> Result<bool>;
    /// Keys not revoked, held by active parties of `role`.
    async fn count_live_keys_for_role(&mut self, role: Role) -> Result<i64>;
}

#[async_trait]
pub trait ProductStore {
    /// Fails with [`StoreError::Conflict`] when the merchant already has the SKU.
    async fn insert_product(&mut self, product: &Product) -> Result<()>;
    async fn get_product(&mut self, merchant_id: &str, id: &str) -> Result<Option<Product>>;
    async fn products_by_sku(&mut self, merchant_id: &str, skus: &[String])
        -> Result<Vec<Product>>;
    /// Newest first; `before_id` is the cursor.
    async fn list_products(
        &mut self,
        merchant_id: &str,
        before_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Product>>;
    /// Writes `product` if the stored version is still `expected_version`; false otherwise.
    async fn update_product(&mut self, product: &Product, expected_version: i64) -> Result<bool>;
}

#[async_trait]
pub trait OrderStore {
    /// Fails with [`StoreError::Conflict`] when the merchant already used the order number.
    async fn insert_order(&mut self, order: &Order) -> Result<()>;
    /// Inserts many orders with a few multi-row statements; all or nothing as one statement
    /// set (the caller's transaction decides what a failure undoes).
    async fn insert_orders(&mut self, orders: &[&Order]) -> Result<()>;
    async fn get_order(&mut self, id: &str) -> Result<Option<Order>>;
    async fn list_orders(&mut self, query: &OrderQuery) -> Result<Vec<Order>>;
    async fn count_orders(&mut self) -> Result<i64>;
}

#[async_trait]
pub trait IdempotencyStore {
    async fn get_idempotency(
        &mut self,
        party_id: &str,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>>;
    async fn insert_idempotency(&mut self, record: &IdempotencyRecord) -> Result<()>;
    /// Inserts the records whose (party, key) is free and returns those it inserted; records
    /// whose key is taken are left alone. `records` must not repeat a (party, key).
    async fn claim_idempotency(
        &mut self,
        records: &[&IdempotencyRecord],
    ) -> Result<Vec<(String, String)>>;
    /// Forgets records created before `before_ms`; returns how many.
    async fn purge_idempotency(&mut self, before_ms: i64) -> Result<u64>;
}

/// Exchange rates set by the operator: the current rate per pair, with a history of every change.
#[async_trait]
pub trait FxStore {
    /// Sets each pair's current rate and appends it to the history.
    async fn put_fx_rates(&mut self, rates: &[FxRateRecord]) -> Result<()>;
    /// The current rates, ordered by pair.
    async fn list_fx_rates(&mut self) -> Result<Vec<FxRateRecord>>;
    /// How many rates were ever set for a pair (the history's length).
    async fn count_fx_history(&mut self, base: &str, quote: &str) -> Result<i64>;
}

/// The ledger's accounts and transfers (crates/ledger), and the payouts made from it.
#[async_trait]
pub trait LedgerStore {
    /// Every account, by id: the writer keeps them in memory (one writer per database).
    async fn all_accounts(&mut self) -> Result<Vec<ledger::Account>>;
    async fn get_account(&mut self, id: &str) -> Result<Option<ledger::Account>>;
    /// Newest first; `owner_id` None lists every owner's.
    async fn list_accounts(
        &mut self,
        owner_id: Option<&str>,
        before_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ledger::Account>>;
    /// The transfers with these ids that exist, with the state of the pending ones.
    async fn transfers_by_id(
        &mut self,
        ids: &[String],
    ) -> Result<Vec<(ledger::Transfer, Option<ledger::PendingState>)>>;
    /// Pending transfers whose timeout has passed at `now_ms`, soonest first.
    async fn due_pending_transfers(
        &mut self,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<ledger::Transfer>>;
    /// The transfers that debit or credit the account, newest first; `before_id` is the cursor.
    async fn account_transfers(
        &mut self,
        account_id: &str,
        before_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<(ledger::Transfer, Option<ledger::PendingState>)>>;
    /// For a statement: the posted debits and credits before `from_ms`, then every posted
    /// movement in `[from_ms, to_ms)` in time order.
    async fn account_movements(
        &mut self,
        account_id: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<(i64, i64, Vec<Movement>)>;
    /// Writes what a ledger batch changed: new accounts, new balances, new transfers, pending
    /// states; a few multi-row statements whatever the batch size.
    async fn persist_ledger(&mut self, changes: &ledger::Changes) -> Result<()>;
    async fn insert_payout(&mut self, payout: &PayoutRecord) -> Result<()>;
    async fn get_payout(&mut self, id: &str) -> Result<Option<PayoutRecord>>;
    async fn list_payouts(
        &mut self,
        merchant_id: Option<&str>,
        before_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<PayoutRecord>>;
}
