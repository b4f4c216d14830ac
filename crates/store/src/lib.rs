//! Persistence of ewtp's aggregates. One trait per aggregate; each is implemented once in SQL
//! (see `sql.rs`) and compiled for two typed backends, SQLite (the default) and PostgreSQL,
//! each with its own migrations folder.

mod backend;
mod clearance_sql;
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
    ApiKey, CebMessageRecord, DeclarationQuery, DeclarationScope, FxRateRecord, IdempotencyRecord,
    KeyGrant, Movement, OrderLinks, OrderQuery, OrderScope, ParcelTransfers, PayoutRecord,
    StoredDeclaration, StoredPayment, StoredRiskRule, StoredWaybill,
};

use async_trait::async_trait;

/// What the ledger's writer keeps of each account besides the account itself (decision 35):
/// its integer key, and the newest transfer that moved it (the head of its chain).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountKeys {
    pub seq: i64,
    pub last_transfer_seq: Option<i64>,
}

/// An account's keys by its id, where the caller knows them.
pub type KeyLookup<'a> = dyn Fn(&str) -> Option<AccountKeys> + Send + Sync + 'a;
use trade::{Order, OrderStatus, Party, Product, Role};

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
    async fn find_party_by_customs_code(&mut self, code: &str) -> Result<Option<Party>>;
    /// False when no party has the id.
    async fn set_party_status(
        &mut self,
        id: &str,
        status: trade::party::PartyStatus,
    ) -> Result<bool>;
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
    /// Keys neither revoked nor expired at `now_ms`, held by active parties of `role`.
    async fn count_live_keys_for_role(&mut self, role: Role, now_ms: i64) -> Result<i64>;
    /// Keys neither revoked nor expired at `now_ms`, of one party.
    async fn count_live_keys_of_party(&mut self, party_id: &str, now_ms: i64) -> Result<i64>;
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
    /// The records standing for these (party, key) pairs, those that exist.
    async fn get_idempotency_many(
        &mut self,
        keys: &[(&str, &str)],
    ) -> Result<Vec<IdempotencyRecord>>;
    /// Inserts records with a few multi-row statements; a taken (party, key) fails the call.
    async fn insert_idempotency_many(&mut self, records: &[&IdempotencyRecord]) -> Result<()>;
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
    /// The newest `limit` transfers still pending (the writer keeps them in memory).
    async fn pending_transfers(&mut self, limit: i64) -> Result<Vec<ledger::Transfer>>;
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
    /// Every account's keys (decision 35), for the writer to keep beside its accounts.
    async fn account_keys(&mut self) -> Result<Vec<(String, AccountKeys)>>;
    /// The greatest transfer id stored: an id above it names no stored transfer.
    async fn newest_transfer_id(&mut self) -> Result<Option<String>>;
    /// The time of the transfer committed last, if any.
    async fn newest_transfer_timestamp_ms(&mut self) -> Result<Option<i64>>;
    /// Writes what a ledger batch changed: new accounts, new balances, new transfers (numbered
    /// and chained to their accounts' previous ones), pending states; a few multi-row statements
    /// whatever the batch size (one a row on the SQLite writer). `known` gives the keys of an
    /// account when the caller has them (otherwise they are read). Answers the keys of every
    /// account created or moved, for the caller to keep once the transaction has committed.
    async fn persist_ledger(
        &mut self,
        changes: &ledger::Changes,
        known: &KeyLookup<'_>,
    ) -> Result<Vec<(String, AccountKeys)>>;
    async fn insert_payout(&mut self, payout: &PayoutRecord) -> Result<()>;
    async fn get_payout(&mut self, id: &str) -> Result<Option<PayoutRecord>>;
    async fn list_payouts(
        &mut self,
        merchant_id: Option<&str>,
        before_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<PayoutRecord>>;
}

/// Customs clearance: the payment notices and waybills matched with orders, declarations and
/// their append-only audit trail, the buyers' annual quotas, risk rules, CEB messages.
#[async_trait]
pub trait ClearanceStore {
    /// Fails with [`StoreError::Conflict`] when the provider already sent that transaction id.
    async fn insert_payment(&mut self, payment: &StoredPayment) -> Result<()>;
    async fn get_payment(&mut self, id: &str) -> Result<Option<StoredPayment>>;
    async fn find_payment(
        &mut self,
        provider_id: &str,
        transaction_id: &str,
    ) -> Result<Option<StoredPayment>>;
    /// Payments for this order number not yet matched to an order, oldest first.
    async fn waiting_payments(&mut self, order_no: &str) -> Result<Vec<StoredPayment>>;
    async fn link_payment(&mut self, payment_id: &str, order_id: &str) -> Result<()>;
    /// Newest first; `provider_id` None lists every provider's.
    async fn list_payments(
        &mut self,
        provider_id: Option<&str>,
        before_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<StoredPayment>>;

    /// Fails with [`StoreError::Conflict`] when the carrier already used that waybill number.
    async fn insert_waybill(&mut self, waybill: &StoredWaybill) -> Result<()>;
    async fn get_waybill(&mut self, id: &str) -> Result<Option<StoredWaybill>>;
    async fn find_waybill(
        &mut self,
        carrier_id: &str,
        waybill_no: &str,
    ) -> Result<Option<StoredWaybill>>;
    /// Waybills for this order number not yet matched to an order, oldest first.
    async fn waiting_waybills(&mut self, order_no: &str) -> Result<Vec<StoredWaybill>>;
    async fn link_waybill(&mut self, waybill_id: &str, order_id: &str) -> Result<()>;
    /// Every order number with documents (payments or waybills) waiting for their order, and
    /// how many.
    async fn waiting_numbers(&mut self) -> Result<Vec<(String, u32)>>;
    async fn list_waybills(
        &mut self,
        carrier_id: Option<&str>,
        before_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<StoredWaybill>>;

    /// Orders whose matching number is `number`: their `order_no`, or their id when they have
    /// none. Oldest first, with their links.
    async fn orders_by_number(&mut self, number: &str) -> Result<Vec<(Order, OrderLinks)>>;
    async fn order_with_links(&mut self, order_id: &str) -> Result<Option<(Order, OrderLinks)>>;
    async fn set_order_links(&mut self, order_id: &str, links: &OrderLinks) -> Result<()>;
    /// Links and status in one statement (a parcel's clearance).
    async fn update_order(
        &mut self,
        order_id: &str,
        links: &OrderLinks,
        status: OrderStatus,
        at_ms: i64,
    ) -> Result<()>;
    async fn set_order_status(
        &mut self,
        order_id: &str,
        status: OrderStatus,
        at_ms: i64,
    ) -> Result<()>;

    async fn insert_declaration(&mut self, declaration: &StoredDeclaration) -> Result<()>;
    /// Writes `declaration` if the stored version is still `expected_version`; false otherwise.
    async fn update_declaration(
        &mut self,
        declaration: &StoredDeclaration,
        expected_version: i64,
    ) -> Result<bool>;
    async fn get_declaration(&mut self, id: &str) -> Result<Option<StoredDeclaration>>;
    async fn list_declarations(
        &mut self,
        query: &DeclarationQuery,
    ) -> Result<Vec<StoredDeclaration>>;
    /// Appends to the audit trail; an entry with a taken (declaration, seq) fails the call.
    async fn append_audit(&mut self, entries: &[customs::AuditEntry]) -> Result<()>;
    /// The trail of one declaration, in `seq` order.
    async fn list_audit(&mut self, declaration_id: &str) -> Result<Vec<customs::AuditEntry>>;

    /// What the buyer of `key` has used so far (0 when nothing).
    async fn quota_used(&mut self, key: &customs::QuotaKey) -> Result<i64>;
    async fn put_quota(
        &mut self,
        key: &customs::QuotaKey,
        currency: trade::Currency,
        used: i64,
    ) -> Result<()>;
    /// Gives `amount` back to the quota of `key`; false when the row has less than that used
    /// (nothing is changed then).
    async fn give_back_quota(&mut self, key: &customs::QuotaKey, amount: i64) -> Result<bool>;

    /// Whether any declaration of the merchant was ever released (the first-shipment rule).
    async fn merchant_has_release(&mut self, merchant_id: &str) -> Result<bool>;

    async fn insert_risk_rule(&mut self, rule: &StoredRiskRule) -> Result<()>;
    /// Writes `rule` if the stored version is still `expected_version`; false otherwise.
    async fn update_risk_rule(
        &mut self,
        rule: &StoredRiskRule,
        expected_version: i64,
    ) -> Result<bool>;
    async fn get_risk_rule(&mut self, id: &str) -> Result<Option<StoredRiskRule>>;
    /// Every rule, by id.
    async fn list_risk_rules(&mut self) -> Result<Vec<StoredRiskRule>>;

    async fn insert_ceb_message(&mut self, message: &CebMessageRecord) -> Result<()>;
    async fn get_ceb_message(&mut self, id: &str) -> Result<Option<CebMessageRecord>>;
    async fn find_ceb_message(
        &mut self,
        sender_id: &str,
        guid: &str,
    ) -> Result<Option<CebMessageRecord>>;
}
