//! The ledger as the API answers it: accounts with their four figures, transfers with their
//! pending state, statements, payouts and the trial balance. Every amount is a decimal string
//! of its currency; sums over many accounts are exact (`i128`) and written the same way.

use crate::clock::rfc3339;
use ledger::{Account, PendingState, Transfer, TransferMode};
use serde::Serialize;
use store::PayoutRecord;
use trade::id::{is_valid, IdKind};
use trade::{Currency, Personal};
use utoipa::ToSchema;

/// An `i128` amount of minor units as a decimal string of `currency`, exactly.
pub fn money_i128(currency: Currency, minor: i128) -> String {
    let digits = u32::from(currency.minor_digits());
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if digits == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u128.pow(digits);
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = digits as usize
    )
}

fn money(currency: Currency, minor: i64) -> String {
    currency.format_amount(minor)
}

#[derive(Serialize, ToSchema)]
pub struct AccountFlagsView {
    /// The account never pays out more than came in (escrow, customs revenue, merchants, fees).
    pub debits_must_not_exceed_credits: bool,
    pub credits_must_not_exceed_debits: bool,
}

#[derive(Serialize, ToSchema)]
pub struct AccountView {
    pub id: String,
    /// A party id, `hub` for the hub's own accounts, `customs:CC` for a customs revenue account.
    pub owner_id: String,
    pub currency: String,
    /// asset, liability, equity, revenue or expense.
    pub kind: String,
    /// What the account is for: provider_funds, escrow, customs_revenue:CC, merchant_payable,
    /// fees, payouts, fx.
    pub code: String,
    pub flags: AccountFlagsView,
    pub debits_pending: String,
    pub debits_posted: String,
    pub credits_pending: String,
    pub credits_posted: String,
    /// Posted balance in the account's natural sign (credits − debits for liabilities, equity
    /// and revenue; debits − credits for assets and expenses).
    pub balance_posted: String,
    /// Pending balance in the natural sign.
    pub balance_pending: String,
    /// What may still leave the account: the posted balance less reservations against it.
    pub available: String,
    pub created_at: String,
}

impl From<&Account> for AccountView {
    fn from(a: &Account) -> Self {
        let m = |v: i64| money(a.currency, v);
        AccountView {
            id: a.id.clone(),
            owner_id: a.owner_id.clone(),
            currency: a.currency.code().to_string(),
            kind: a.kind.as_str().to_string(),
            code: a.code.clone(),
            flags: AccountFlagsView {
                debits_must_not_exceed_credits: a.flags.debits_must_not_exceed_credits,
                credits_must_not_exceed_debits: a.flags.credits_must_not_exceed_debits,
            },
            debits_pending: m(a.debits_pending),
            debits_posted: m(a.debits_posted),
            credits_pending: m(a.credits_pending),
            credits_posted: m(a.credits_posted),
            balance_posted: m(a.balance_posted()),
            balance_pending: m(a.balance_pending()),
            available: m(a.available()),
            created_at: rfc3339(a.created_at_ms),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AccountPage {
    pub data: Vec<AccountView>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FxNoteView {
    /// One unit of `base` is `rate` units of `quote`.
    pub base: String,
    pub quote: String,
    pub rate: String,
    pub source: String,
}

/// The business reference of a transfer, split by kind: parcels name their order, payouts
/// their payout.
fn reference_ids(user_ref: &str) -> (Option<String>, Option<String>) {
    let order = is_valid(IdKind::Order, user_ref).then(|| user_ref.to_string());
    let payout = is_valid(IdKind::Payout, user_ref).then(|| user_ref.to_string());
    (order, payout)
}

#[derive(Serialize, ToSchema)]
pub struct TransferView {
    pub id: String,
    /// single, pending, post_pending or void_pending.
    pub kind: &'static str,
    /// Whether the listed account is debited or credited; absent outside an account's list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<&'static str>,
    pub debit_account_id: String,
    pub credit_account_id: String,
    pub amount: String,
    pub currency: String,
    /// Why the money moved: escrow_hold, escrow_capture, tax_collected, merchant_share,
    /// hub_fee, escrow_void, tax_refund, merchant_refund, fee_refund, buyer_refund, payout.
    pub code: String,
    /// The business reference: an order id for a parcel's money, a payout id for a payout.
    pub user_ref: String,
    pub order_id: Option<String>,
    pub payout_id: Option<String>,
    /// For a post or void: the pending transfer it acts on.
    pub pending_id: Option<String>,
    /// For a pending transfer: pending, posted, voided or expired.
    pub pending_state: Option<&'static str>,
    /// For a posted pending transfer: the amount posted.
    pub posted_amount: Option<String>,
    /// For a pending transfer with a timeout: when it expires.
    pub expires_at: Option<String>,
    /// Chained to the next transfer of its batch (all or nothing).
    pub linked: bool,
    /// The rate of a currency conversion leg.
    pub fx: Option<FxNoteView>,
    pub at: String,
}

impl TransferView {
    /// `account_id`: the account whose list shows the transfer, to say which side it is on.
    pub fn new(t: &Transfer, state: Option<PendingState>, account_id: Option<&str>) -> Self {
        let kind = match t.mode() {
            Some(TransferMode::Single) | None => "single",
            Some(TransferMode::Pending) => "pending",
            Some(TransferMode::PostPending) => "post_pending",
            Some(TransferMode::VoidPending) => "void_pending",
        };
        let side = account_id.map(|id| {
            if t.debit_account_id == id {
                "debit"
            } else {
                "credit"
            }
        });
        let (order_id, payout_id) = reference_ids(&t.user_ref);
        TransferView {
            id: t.id.clone(),
            kind,
            side,
            debit_account_id: t.debit_account_id.clone(),
            credit_account_id: t.credit_account_id.clone(),
            amount: money(t.currency, t.amount),
            currency: t.currency.code().to_string(),
            code: t.code.clone(),
            user_ref: t.user_ref.clone(),
            order_id,
            payout_id,
            pending_id: t.pending_id.clone(),
            pending_state: state.map(PendingState::as_str),
            posted_amount: state
                .and_then(PendingState::posted_amount)
                .map(|v| money(t.currency, v)),
            expires_at: t.expires_at_ms().map(rfc3339),
            linked: t.flags.linked,
            fx: t.fx.as_ref().map(|f| FxNoteView {
                base: f.base.code().to_string(),
                quote: f.quote.code().to_string(),
                rate: f.rate.clone(),
                source: f.source.clone(),
            }),
            at: rfc3339(t.timestamp_ms),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TransferPage {
    pub account_id: String,
    /// Newest first.
    pub data: Vec<TransferView>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StatementLine {
    pub transfer_id: String,
    pub at: String,
    pub code: String,
    /// credit (money in) or debit (money out).
    pub side: &'static str,
    /// Signed: positive in, negative out.
    pub amount: String,
    /// The account's balance after this movement.
    pub balance: String,
    /// The order the money belongs to (parcels), if any.
    pub order_id: Option<String>,
    /// The payout that took the money (payouts), if any.
    pub payout_id: Option<String>,
    pub user_ref: String,
}

#[derive(Serialize, ToSchema)]
pub struct StatementAccount {
    pub account_id: String,
    pub currency: String,
    /// The posted balance at `from`.
    pub opening_balance: String,
    /// Sum of the movements in (credits) and out (debits) of the period.
    pub credits: String,
    pub debits: String,
    /// opening_balance + credits − debits: the posted balance at `to`.
    pub closing_balance: String,
    /// Every posted movement of the period, oldest first.
    pub movements: Vec<StatementLine>,
}

impl StatementAccount {
    /// `debits_before` and `credits_before`: the posted sums before the period.
    pub fn new(
        account: &Account,
        debits_before: i64,
        credits_before: i64,
        movements: &[store::Movement],
    ) -> StatementAccount {
        let currency = account.currency;
        // A merchant payable is a liability: money in is a credit.
        let sign = |debit: bool| -> i128 {
            match (account.kind.is_debit_normal(), debit) {
                (true, true) | (false, false) => 1,
                _ => -1,
            }
        };
        let opening = sign(false) * (i128::from(credits_before) - i128::from(debits_before));
        let mut balance = opening;
        let (mut credits, mut debits) = (0i128, 0i128);
        let mut lines = Vec::with_capacity(movements.len());
        for m in movements {
            let amount = i128::from(m.transfer.amount);
            if m.debit {
                debits += amount;
            } else {
                credits += amount;
            }
            let signed = sign(m.debit) * amount;
            balance += signed;
            let (order_id, payout_id) = reference_ids(&m.transfer.user_ref);
            lines.push(StatementLine {
                transfer_id: m.transfer.id.clone(),
                at: rfc3339(m.transfer.timestamp_ms),
                code: m.transfer.code.clone(),
                side: if m.debit { "debit" } else { "credit" },
                amount: money_i128(currency, signed),
                balance: money_i128(currency, balance),
                order_id,
                payout_id,
                user_ref: m.transfer.user_ref.clone(),
            });
        }
        StatementAccount {
            account_id: account.id.clone(),
            currency: currency.code().to_string(),
            opening_balance: money_i128(currency, opening),
            credits: money_i128(currency, credits),
            debits: money_i128(currency, debits),
            closing_balance: money_i128(currency, balance),
            movements: lines,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StatementView {
    pub merchant_id: String,
    /// The period: [from, to).
    pub from: String,
    pub to: String,
    /// One per merchant_payable account (one per currency), by currency.
    pub accounts: Vec<StatementAccount>,
}

#[derive(Serialize, ToSchema)]
pub struct PayoutFxView {
    /// One unit of `source_currency` is `rate` units of `currency`.
    pub rate: String,
    /// Where the operator's rate came from.
    pub source: Option<String>,
    /// When the rate was observed.
    pub as_of: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CreditorView {
    pub name: String,
    /// An IBAN or another account number.
    pub account: String,
    pub agent_bic: String,
    /// True when name and account are masked (the viewer is neither the merchant paid nor the
    /// operator).
    pub masked: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PayoutView {
    pub id: String,
    pub merchant_id: String,
    /// The merchant_payable account paid from.
    pub source_account_id: String,
    pub source_currency: String,
    /// What left the merchant's account, in `source_currency`.
    pub source_amount: String,
    /// What the merchant is paid, in `currency`.
    pub currency: String,
    pub amount: String,
    /// The rate used, when the payout was converted; null for a same-currency payout.
    pub fx: Option<PayoutFxView>,
    pub creditor: CreditorView,
    /// The ledger transfers: one, or the two legs of a conversion.
    pub transfer_ids: Vec<String>,
    pub created_by: String,
    pub created_at: String,
    /// The payout as ISO 20022 pacs.008.001.09 XML.
    pub pacs008: String,
}

impl PayoutView {
    /// `clear`: show the creditor's name and account (the merchant paid and the operator).
    pub fn new(p: &PayoutRecord, clear: bool) -> PayoutView {
        let account = Personal::new(p.creditor_account.clone());
        let name = Personal::new(p.creditor_name.clone());
        PayoutView {
            id: p.id.clone(),
            merchant_id: p.merchant_id.clone(),
            source_account_id: p.source_account_id.clone(),
            source_currency: p.source_currency.code().to_string(),
            source_amount: money(p.source_currency, p.source_amount),
            currency: p.currency.code().to_string(),
            amount: money(p.currency, p.amount),
            fx: p.fx_rate.as_ref().map(|rate| PayoutFxView {
                rate: rate.clone(),
                source: p.fx_source.clone(),
                as_of: p.fx_as_of_ms.map(rfc3339),
            }),
            creditor: CreditorView {
                name: if clear {
                    name.expose().to_string()
                } else {
                    name.masked_name()
                },
                account: if clear {
                    account.expose().to_string()
                } else {
                    account.masked_tail()
                },
                agent_bic: p.creditor_agent_bic.clone(),
                masked: !clear,
            },
            transfer_ids: p.transfer_ids.clone(),
            created_by: p.created_by.clone(),
            created_at: rfc3339(p.created_at_ms),
            pacs008: format!("/v1/payouts/{}/pacs008", p.id),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PayoutPage {
    pub data: Vec<PayoutView>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CurrencyTotalsView {
    pub currency: String,
    pub accounts: usize,
    pub debits_posted: String,
    pub credits_posted: String,
    pub debits_pending: String,
    pub credits_pending: String,
    /// Debits equal credits, posted and pending alike.
    pub balanced: bool,
}

#[derive(Serialize, ToSchema)]
pub struct TrialBalanceView {
    /// Every currency balances.
    pub balanced: bool,
    /// Per currency, by code: the sums of the four figures over every account.
    pub currencies: Vec<CurrencyTotalsView>,
    /// Every account of the hub, by id.
    pub accounts: Vec<AccountView>,
    pub at: String,
}

impl TrialBalanceView {
    pub fn new(accounts: &[Account], at_ms: i64) -> TrialBalanceView {
        let totals = ledger::trial_balance(accounts);
        TrialBalanceView {
            balanced: totals.balanced,
            currencies: totals
                .currencies
                .iter()
                .map(|row| CurrencyTotalsView {
                    currency: row.currency.code().to_string(),
                    accounts: row.accounts,
                    debits_posted: money_i128(row.currency, row.debits_posted),
                    credits_posted: money_i128(row.currency, row.credits_posted),
                    debits_pending: money_i128(row.currency, row.debits_pending),
                    credits_pending: money_i128(row.currency, row.credits_pending),
                    balanced: row.balanced,
                })
                .collect(),
            accounts: accounts.iter().map(AccountView::from).collect(),
            at: rfc3339(at_ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_sums_are_written_exactly() {
        let usd = Currency::parse("USD").unwrap();
        let jpy = Currency::parse("JPY").unwrap();
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(money_i128(usd, 0), "0.00");
        assert_eq!(money_i128(usd, -5), "-0.05");
        assert_eq!(money_i128(usd, 123_456), "1234.56");
        assert_eq!(money_i128(jpy, 1500), "1500");
        assert_eq!(money_i128(kwd, 1), "0.001");
        let big = i128::from(i64::MAX) * 3;
        assert_eq!(money_i128(usd, big), "276701161105643274.21");
        for v in [0i64, 1, 99, 100, 123_456, -7, i64::MAX] {
            assert_eq!(money_i128(usd, i128::from(v)), usd.format_amount(v));
        }
    }
}
