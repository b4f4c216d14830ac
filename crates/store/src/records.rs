//! Records that belong to the store rather than to the trade vocabulary.

use trade::{OrderStatus, Role};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKey {
    pub id: String,
    pub party_id: String,
    /// Hex SHA-256 of the token: the token itself is never stored.
    pub token_sha256: String,
    /// The first characters of the token, to recognise it in a list.
    pub token_prefix: String,
    pub created_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
    /// From this instant on the key is refused (`None`: it lives until revoked).
    pub expires_at_ms: Option<i64>,
}

/// What a bearer token grants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyGrant {
    pub key_id: String,
    pub party_id: String,
    pub role: Role,
    pub party_active: bool,
    pub revoked: bool,
    pub expires_at_ms: Option<i64>,
}

impl KeyGrant {
    pub fn expired_at(&self, now_ms: i64) -> bool {
        self.expires_at_ms.is_some_and(|end| now_ms >= end)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub party_id: String,
    pub key: String,
    pub request_sha256: String,
    pub status_code: u16,
    /// The answer to replay. With `response_order_id` set it is not stored (the store writes
    /// and reads it empty): the answer is that order's view as created, rendered again.
    pub response_body: String,
    pub created_at_ms: i64,
    /// The order whose creation this key answered, when the answer is kept by reference.
    pub response_order_id: Option<String>,
}

/// Whose orders a query may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderScope {
    /// Operator: every order of the hub.
    All,
    /// A merchant or platform: the orders it is the merchant of or submitted.
    Party(String),
}

#[derive(Clone, Debug)]
pub struct OrderQuery {
    pub scope: OrderScope,
    pub status: Option<OrderStatus>,
    pub created_from_ms: Option<i64>,
    pub created_to_ms: Option<i64>,
    /// Cursor: only orders with an id below this one (the list runs newest first).
    pub before_id: Option<String>,
    pub limit: i64,
}

/// An exchange rate as stored: one unit of `base` is `rate` units of `quote`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FxRateRecord {
    pub base: String,
    pub quote: String,
    /// An exact decimal string.
    pub rate: String,
    pub source: String,
    pub as_of_ms: i64,
    pub set_by: String,
    pub set_at_ms: i64,
}

/// A posted movement of an account, for statements: the transfer and the side it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    pub transfer: ledger::Transfer,
    /// True when the transfer debits the account.
    pub debit: bool,
}

/// A payout to a merchant's bank: what left its account, in what it was paid, and to whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutRecord {
    pub id: String,
    pub merchant_id: String,
    pub source_account_id: String,
    pub source_currency: trade::Currency,
    pub source_amount: i64,
    pub currency: trade::Currency,
    pub amount: i64,
    /// The operator's rate used, when the payout was converted.
    pub fx_rate: Option<String>,
    pub fx_source: Option<String>,
    pub fx_as_of_ms: Option<i64>,
    pub creditor_name: String,
    /// An IBAN, or the bank's own account number.
    pub creditor_account: String,
    pub creditor_agent_bic: String,
    pub transfer_ids: Vec<String>,
    pub created_by: String,
    pub created_at_ms: i64,
}

/// A payment notice as stored, with what the hub linked it to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPayment {
    pub notice: customs::PaymentNotice,
    /// The order it was matched to, once that order is known.
    pub order_id: Option<String>,
    /// The pending ledger transfer holding the payment in escrow.
    pub hold_transfer_id: Option<String>,
}

/// A waybill as stored, with the order it was matched to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredWaybill {
    pub waybill: customs::Waybill,
    pub order_id: Option<String>,
}

/// An order's other two documents and its declaration, once matched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderLinks {
    pub payment_id: Option<String>,
    pub waybill_id: Option<String>,
    pub declaration_id: Option<String>,
}

/// The ledger transfers of one parcel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParcelTransfers {
    /// The pending escrow hold made when the payment arrived.
    pub hold: Option<String>,
    /// Duty and taxes moved to the destination's customs revenue at release.
    pub tax: Option<String>,
    /// The merchant's share, pending from release until delivery.
    pub merchant: Option<String>,
    /// The hub's fee, pending from release until delivery.
    pub fee: Option<String>,
}

/// A declaration as stored: the customs value, what it took from the buyer's annual quota (to
/// give back exactly), and its ledger transfers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDeclaration {
    pub declaration: customs::Declaration,
    pub quota: Option<(customs::QuotaKey, i64)>,
    pub transfers: ParcelTransfers,
}

/// Whose declarations a query may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeclarationScope {
    /// Customs and the operator: every declaration of the hub.
    All,
    /// A merchant or platform: the declarations of orders it is the merchant of or submitted.
    Party(String),
}

#[derive(Clone, Debug)]
pub struct DeclarationQuery {
    pub scope: DeclarationScope,
    pub status: Option<customs::DeclarationStatus>,
    pub channel: Option<customs::Channel>,
    /// Cursor: only declarations with an id below this one (newest first).
    pub before_id: Option<String>,
    pub limit: i64,
}

/// A risk rule with who last changed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRiskRule {
    pub rule: customs::RiskRule,
    pub updated_by: String,
}

/// A CEB message as received, with the receipt the hub answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CebMessageRecord {
    pub id: String,
    pub sender_id: String,
    /// The root element, e.g. `CEB311Message`; `unknown` when it could not be read.
    pub message_type: String,
    pub guid: Option<String>,
    pub body: String,
    pub receipt: String,
    pub received_at_ms: i64,
}
