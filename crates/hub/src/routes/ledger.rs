//! The money, as the parties see it: their ledger accounts and transfers, the merchant's
//! statement, payouts (with their ISO 20022 pacs.008 message) and the operator's trial balance.
//!
//! A party sees the accounts it owns (owner_id = its party id); the operator sees every account,
//! the hub's and customs' included. Another party's account or payout answers 404.

use super::{idempotency, rendered, PageRequest};
use crate::clock::{now_ms, parse_rfc3339, rfc3339};
use crate::engine::{Command, Requester};
use crate::escrow::Purpose;
use crate::extract::{ApiJson, ApiQuery, Caller, IdempotencyKey};
use crate::payouts::{
    iban_check_digits_ok, is_iban_shaped, pacs008_of, sees_creditor_in_clear, Creditor, Debtor,
    PayoutRequest,
};
use crate::problem::{ApiError, Problem};
use crate::state::Shared;
use crate::views::ledger::{
    AccountPage, AccountView, PayoutPage, PayoutView, StatementAccount, StatementView,
    TransferPage, TransferView, TrialBalanceView,
};
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use store::PayoutRecord;
use trade::id::{is_valid, IdKind};
use trade::validate::Problems;
use trade::{Personal, Role};

/// Who owns ledger accounts, and the operator.
const ACCOUNT_READERS: [Role; 3] = [Role::Operator, Role::Merchant, Role::Payment];
const PAYOUT_ROLES: [Role; 2] = [Role::Operator, Role::Merchant];
/// The default statement period, and the longest one.
const STATEMENT_DEFAULT_MS: i64 = 30 * 24 * 3600 * 1000;
const STATEMENT_MAX_MS: i64 = 366 * 24 * 3600 * 1000;
/// A party owns a handful of accounts (one per currency and purpose).
const OWNED_ACCOUNTS_MAX: i64 = 1000;

fn requester(caller: &Caller) -> Requester {
    Requester {
        party_id: caller.party_id.clone(),
        role: caller.role,
    }
}

fn sees_account(caller: &Caller, account: &ledger::Account) -> bool {
    caller.role == Role::Operator || account.owner_id == caller.party_id
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LedgerListQuery {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1 to 200, default 50.
    pub limit: Option<i64>,
}

/// The caller's ledger accounts (every account of the hub for the operator), newest first.
#[utoipa::path(get, path = "/v1/accounts", tag = "ledger", security(("bearer" = [])),
    params(LedgerListQuery),
    responses((status = 200, body = AccountPage), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn list_accounts(
    State(state): State<Shared>,
    caller: Caller,
    ApiQuery(q): ApiQuery<LedgerListQuery>,
) -> Result<Json<AccountPage>, ApiError> {
    caller.require(&ACCOUNT_READERS)?;
    let page = PageRequest::parse(q.limit, q.cursor, IdKind::Account)?;
    let owner = (caller.role != Role::Operator).then_some(caller.party_id.as_str());
    let mut conn = state.db.read().await?;
    let rows = conn
        .stores()
        .list_accounts(owner, page.cursor.as_deref(), page.fetch())
        .await?;
    let (rows, next_cursor) = page.finish(rows, |a| &a.id);
    Ok(Json(AccountPage {
        data: rows.iter().map(AccountView::from).collect(),
        next_cursor,
    }))
}

async fn visible_account(
    state: &Shared,
    caller: &Caller,
    id: &str,
) -> Result<ledger::Account, ApiError> {
    if !is_valid(IdKind::Account, id) {
        return Err(ApiError::not_found("account"));
    }
    let mut conn = state.db.read().await?;
    match conn.stores().get_account(id).await? {
        Some(a) if sees_account(caller, &a) => Ok(a),
        _ => Err(ApiError::not_found("account")),
    }
}

/// One account with its four figures, balances and what is available.
#[utoipa::path(get, path = "/v1/accounts/{id}", tag = "ledger", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = AccountView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_account(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<AccountView>, ApiError> {
    caller.require(&ACCOUNT_READERS)?;
    let account = visible_account(&state, &caller, &id).await?;
    Ok(Json(AccountView::from(&account)))
}

/// The transfers that move an account, newest first, each with its pending state.
#[utoipa::path(get, path = "/v1/accounts/{id}/transfers", tag = "ledger", security(("bearer" = [])),
    params(("id" = String, Path), LedgerListQuery),
    responses((status = 200, body = TransferPage), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn account_transfers(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<LedgerListQuery>,
) -> Result<Json<TransferPage>, ApiError> {
    caller.require(&ACCOUNT_READERS)?;
    let page = PageRequest::parse(q.limit, q.cursor, IdKind::Transfer)?;
    let account = visible_account(&state, &caller, &id).await?;
    let mut conn = state.db.read().await?;
    let rows = conn
        .stores()
        .account_transfers(&account.id, page.cursor.as_deref(), page.fetch())
        .await?;
    let (rows, next_cursor) = page.finish(rows, |(t, _)| &t.id);
    Ok(Json(TransferPage {
        data: rows
            .iter()
            .map(|(t, state)| TransferView::new(t, *state, Some(&account.id)))
            .collect(),
        account_id: account.id,
        next_cursor,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatementQuery {
    /// RFC 3339; the period starts here (included). Default: 30 days before `to`.
    pub from: Option<String>,
    /// RFC 3339; the period ends here (excluded). Default: now (included). At most 366 days
    /// after `from`.
    pub to: Option<String>,
    /// The operator names the merchant; a merchant gets its own statement.
    pub merchant_id: Option<String>,
}

/// The merchant's statement: for each of its merchant_payable accounts (one per currency), the
/// balance at `from`, every posted movement in [`from`, `to`) with its order or payout, and the
/// balance at `to`.
#[utoipa::path(get, path = "/v1/statement", tag = "ledger", security(("bearer" = [])),
    params(StatementQuery),
    responses((status = 200, body = StatementView), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn statement(
    State(state): State<Shared>,
    caller: Caller,
    ApiQuery(q): ApiQuery<StatementQuery>,
) -> Result<Json<StatementView>, ApiError> {
    caller.require(&PAYOUT_ROLES)?;
    let merchant_id = match (caller.role, q.merchant_id) {
        (Role::Operator, Some(m)) => m,
        (Role::Operator, None) => {
            return Err(ApiError::bad_request(
                "invalid_query",
                "the operator names the merchant: ?merchant_id=pty_…",
            )
            .with_field("merchant_id"))
        }
        (_, None) => caller.party_id.clone(),
        (_, Some(m)) if m == caller.party_id => m,
        (_, Some(_)) => {
            return Err(ApiError::bad_request(
                "invalid_query",
                "a merchant sees its own statement; leave merchant_id out",
            )
            .with_field("merchant_id"))
        }
    };
    let (from_ms, to_ms) = statement_period(q.from.as_deref(), q.to.as_deref(), now_ms())?;
    let mut conn = state.db.read().await?;
    let s = conn.stores();
    let mut accounts: Vec<ledger::Account> = s
        .list_accounts(Some(&merchant_id), None, OWNED_ACCOUNTS_MAX)
        .await?
        .into_iter()
        .filter(|a| a.code == Purpose::MerchantPayable.code())
        .collect();
    accounts.sort_by(|a, b| a.currency.code().cmp(b.currency.code()));
    let mut out = Vec::with_capacity(accounts.len());
    for account in &accounts {
        let (debits_before, credits_before, movements) =
            s.account_movements(&account.id, from_ms, to_ms).await?;
        out.push(StatementAccount::new(
            account,
            debits_before,
            credits_before,
            &movements,
        ));
    }
    Ok(Json(StatementView {
        merchant_id,
        from: rfc3339(from_ms),
        to: rfc3339(to_ms),
        accounts: out,
    }))
}

/// [from, to) in Unix milliseconds: both RFC 3339, `to` by default just after now, `from` by
/// default 30 days before `to`; `from` before `to`, at most 366 days apart.
fn statement_period(
    from: Option<&str>,
    to: Option<&str>,
    now_ms: i64,
) -> Result<(i64, i64), ApiError> {
    let time = |field: &str, text: &str| {
        parse_rfc3339(text).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_query",
                format!("`{text}` is not an RFC 3339 time (e.g. 2026-11-01T00:00:00Z)"),
            )
            .with_field(field)
        })
    };
    let to_ms = match to {
        Some(t) => time("to", t)?,
        // Now included: a transfer committed this millisecond is on the statement.
        None => now_ms.saturating_add(1),
    };
    let from_ms = match from {
        Some(f) => time("from", f)?,
        None => to_ms.saturating_sub(STATEMENT_DEFAULT_MS),
    };
    if from_ms >= to_ms {
        return Err(
            ApiError::bad_request("invalid_query", "`from` must be before `to`").with_field("from"),
        );
    }
    if to_ms - from_ms > STATEMENT_MAX_MS {
        return Err(ApiError::bad_request(
            "invalid_query",
            "a statement covers at most 366 days; ask for several",
        )
        .with_field("from"));
    }
    Ok((from_ms, to_ms))
}

/// A payout request. Amounts are decimal strings of `source_currency`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayoutDraft {
    /// The merchant paid (the operator only; a merchant is paid itself).
    pub merchant_id: Option<String>,
    /// The currency of the merchant_payable account paid from.
    pub source_currency: Option<String>,
    /// How much leaves that account, e.g. `"150.00"`; default everything available.
    pub amount: Option<String>,
    /// The currency paid in; default the merchant's home currency (its country's). Another
    /// currency than `source_currency` is converted at the operator's rate.
    pub currency: Option<String>,
    pub creditor: Option<CreditorDraft>,
}

/// The merchant's bank account.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditorDraft {
    /// The account holder, 1 to 140 characters.
    pub name: Option<String>,
    /// An IBAN (spaces allowed, checked with its check digits) or another account number of 1
    /// to 34 letters, digits, spaces, `-`, `/` or `.`.
    pub account: Option<String>,
    /// The BIC of the bank: 8 or 11 characters (`DEUTDEFF`, `DEUTDEFF500`).
    pub agent_bic: Option<String>,
}

/// Checks a payout request, listing every problem with its field.
fn validate_payout(
    draft: &PayoutDraft,
    caller: &Caller,
    id: String,
) -> Result<PayoutRequest, Vec<trade::FieldError>> {
    let mut p = Problems::default();
    let merchant_id = match (caller.role, &draft.merchant_id) {
        (Role::Operator, None) => {
            p.push(
                "merchant_id",
                "missing_field",
                "the operator names the merchant to pay",
            );
            None
        }
        (Role::Operator, Some(m)) if !is_valid(IdKind::Party, m) => {
            p.push(
                "merchant_id",
                "unknown_merchant",
                "no merchant of this hub has this id",
            );
            None
        }
        (Role::Operator, Some(m)) => Some(m.clone()),
        (_, None) => Some(caller.party_id.clone()),
        (_, Some(m)) if *m == caller.party_id => Some(m.clone()),
        (_, Some(_)) => {
            p.push(
                "merchant_id",
                "not_your_merchant",
                "a merchant is paid itself; leave merchant_id out",
            );
            None
        }
    };
    let source_currency = p.currency("source_currency", &draft.source_currency);
    let amount = match &draft.amount {
        None => Some(None),
        Some(_) => match p.amount("amount", &draft.amount, source_currency) {
            Some(0) => {
                p.push(
                    "amount",
                    "invalid_amount",
                    "a payout must be more than zero",
                );
                None
            }
            Some(v) => Some(Some(v)),
            None => None,
        },
    };
    let currency = match &draft.currency {
        None => Some(None),
        Some(_) => p.currency("currency", &draft.currency).map(Some),
    };
    let creditor = match p.required("creditor", &draft.creditor) {
        Some(c) => validate_creditor(&mut p, c),
        None => None,
    };
    match (merchant_id, source_currency, amount, currency, creditor) {
        (
            Some(merchant_id),
            Some(source_currency),
            Some(amount),
            Some(currency),
            Some(creditor),
        ) if p.is_empty() => Ok(PayoutRequest {
            id,
            merchant_id,
            source_currency,
            amount,
            currency,
            creditor,
            by: requester(caller),
        }),
        _ => Err(p.0),
    }
}

fn validate_creditor(p: &mut Problems, c: &CreditorDraft) -> Option<Creditor> {
    let name = p.text("creditor.name", &c.name, 140);
    // XML 1.0 cannot carry these two non-characters, control characters are refused above.
    let name = name.filter(|n| {
        let ok = !n.contains(['\u{FFFE}', '\u{FFFF}']);
        if !ok {
            p.push(
                "creditor.name",
                "invalid_characters",
                "`creditor.name` contains characters XML cannot carry",
            );
        }
        ok
    });
    let account = p
        .text("creditor.account", &c.account, 64)
        .and_then(|a| creditor_account(p, &a));
    let agent_bic = p.text("creditor.agent_bic", &c.agent_bic, 11).filter(|b| {
        let ok = ledger::pacs008::is_bic(b);
        if !ok {
            p.push(
                "creditor.agent_bic",
                "invalid_bic",
                "a BIC is 4 letters or digits (the bank), 2 letters (its country), 2 letters or digits (the place) and optionally 3 more (the branch), in capitals",
            );
        }
        ok
    });
    Some(Creditor {
        name: name?,
        account: Personal::new(account?),
        agent_bic: agent_bic?,
    })
}

/// An IBAN (spaces dropped, in capitals, check digits verified) or another account number as
/// given.
/// Messages never echo the number: it is personal.
fn creditor_account(p: &mut Problems, text: &str) -> Option<String> {
    // IBANs are written in capitals; the printed form groups them by four.
    let compact: String = text
        .chars()
        .filter(|c| *c != ' ')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if is_iban_shaped(&compact) {
        if iban_check_digits_ok(&compact) {
            return Some(compact);
        }
        p.push(
            "creditor.account",
            "invalid_iban",
            "the IBAN's check digits are wrong (ISO 13616 modulo 97): check the number",
        );
        return None;
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '/' | '.');
    if text.chars().count() > 34 || !text.chars().all(allowed) {
        p.push(
            "creditor.account",
            "invalid_account",
            "an account number is an IBAN or 1 to 34 letters, digits, spaces, `-`, `/` or `.`",
        );
        return None;
    }
    Some(text.to_string())
}

/// Pays a merchant from its merchant_payable account of `source_currency` to its bank, in
/// `currency` (default its home currency) at the operator's direct FX rate. The whole available
/// balance unless `amount` says less.
#[utoipa::path(post, path = "/v1/payouts", tag = "ledger", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$", description = "Same key and body: the first answer again, paid once")),
    request_body(content = PayoutDraft, example = json!({"source_currency": "CNY", "currency": "CNY", "amount": "10.00", "creditor": {"name": "Kedai Batik Sdn Bhd", "account": "MY1234567890", "agent_bic": "MBBEMYKL"}})),
    responses((status = 201, body = PayoutView), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem), (status = 503, body = Problem)))]
pub async fn create_payout(
    State(state): State<Shared>,
    caller: Caller,
    IdempotencyKey(idem_key): IdempotencyKey,
    body: ApiJson<PayoutDraft>,
) -> Result<Response, ApiError> {
    caller.require(&PAYOUT_ROLES)?;
    let payout = validate_payout(&body.value, &caller, state.ids.next(IdKind::Payout))
        .map_err(ApiError::validation)?;
    let location = format!("/v1/payouts/{}", payout.id);
    let idem = idempotency(
        idem_key,
        &caller.party_id,
        "/v1/payouts",
        &body.raw,
        StatusCode::CREATED,
        String::new(),
        now_ms(),
    );
    let outcome = state
        .engine
        .submit(
            Command::CreatePayout {
                payout: Box::new(payout),
            },
            idem,
        )
        .await?;
    Ok(rendered(outcome, Some(&location)))
}

async fn visible_payout(
    state: &Shared,
    caller: &Caller,
    id: &str,
) -> Result<PayoutRecord, ApiError> {
    if !is_valid(IdKind::Payout, id) {
        return Err(ApiError::not_found("payout"));
    }
    let mut conn = state.db.read().await?;
    match conn.stores().get_payout(id).await? {
        Some(p) if caller.role == Role::Operator || p.merchant_id == caller.party_id => Ok(p),
        _ => Err(ApiError::not_found("payout")),
    }
}

/// A payout, for its merchant and the operator.
#[utoipa::path(get, path = "/v1/payouts/{id}", tag = "ledger", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = PayoutView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_payout(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<PayoutView>, ApiError> {
    caller.require(&PAYOUT_ROLES)?;
    let payout = visible_payout(&state, &caller, &id).await?;
    let clear = sees_creditor_in_clear(&requester(&caller), &payout);
    Ok(Json(PayoutView::new(&payout, clear)))
}

/// The merchant's payouts (every merchant's for the operator), newest first.
#[utoipa::path(get, path = "/v1/payouts", tag = "ledger", security(("bearer" = [])),
    params(LedgerListQuery),
    responses((status = 200, body = PayoutPage), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn list_payouts(
    State(state): State<Shared>,
    caller: Caller,
    ApiQuery(q): ApiQuery<LedgerListQuery>,
) -> Result<Json<PayoutPage>, ApiError> {
    caller.require(&PAYOUT_ROLES)?;
    let page = PageRequest::parse(q.limit, q.cursor, IdKind::Payout)?;
    let merchant = (caller.role != Role::Operator).then_some(caller.party_id.as_str());
    let mut conn = state.db.read().await?;
    let rows = conn
        .stores()
        .list_payouts(merchant, page.cursor.as_deref(), page.fetch())
        .await?;
    let (rows, next_cursor) = page.finish(rows, |p| &p.id);
    let viewer = requester(&caller);
    Ok(Json(PayoutPage {
        data: rows
            .iter()
            .map(|p| PayoutView::new(p, sees_creditor_in_clear(&viewer, p)))
            .collect(),
        next_cursor,
    }))
}

/// The payout as an ISO 20022 pacs.008.001.09 FI-to-FI customer credit transfer, from the hub's
/// bank to the merchant's (`application/xml`).
#[utoipa::path(get, path = "/v1/payouts/{id}/pacs008", tag = "ledger", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, content_type = "application/xml", body = String), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn payout_pacs008(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(&PAYOUT_ROLES)?;
    let payout = visible_payout(&state, &caller, &id).await?;
    // The hub's side of the last leg: its payouts account in the payout's currency.
    let last = payout.transfer_ids.last().cloned().unwrap_or_default();
    let mut conn = state.db.read().await?;
    let debtor_account = conn
        .stores()
        .transfers_by_id(&[last])
        .await?
        .into_iter()
        .next()
        .map(|(t, _)| t.credit_account_id)
        .ok_or_else(|| {
            ApiError::internal(&format!("payout {} has no stored transfer", payout.id))
        })?;
    let debtor = Debtor::of_hub(&state.hub.code, &state.hub.name, &debtor_account);
    let xml = pacs008_of(&payout, &debtor)
        .map_err(|e| ApiError::internal(&format!("payout {} does not render: {e}", payout.id)))?;
    let mut response = (StatusCode::OK, xml).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml; charset=utf-8"),
    );
    Ok(response)
}

/// Every account of the hub with its figures, and per currency the totals of debits and credits,
/// posted and pending, that prove the books balance.
#[utoipa::path(get, path = "/v1/ledger/trial-balance", tag = "ledger", security(("bearer" = [])),
    responses((status = 200, body = TrialBalanceView), (status = 403, body = Problem)))]
pub async fn trial_balance(
    State(state): State<Shared>,
    caller: Caller,
) -> Result<Json<TrialBalanceView>, ApiError> {
    caller.require(&[Role::Operator])?;
    let mut conn = state.db.read().await?;
    let accounts = conn.stores().all_accounts().await?;
    Ok(Json(TrialBalanceView::new(&accounts, now_ms())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_periods() {
        let now = 1_800_000_000_000;
        assert_eq!(
            statement_period(None, None, now).ok(),
            Some((now + 1 - STATEMENT_DEFAULT_MS, now + 1))
        );
        let (from, to) = statement_period(
            Some("2026-11-01T00:00:00Z"),
            Some("2026-12-01T00:00:00Z"),
            now,
        )
        .ok()
        .unwrap();
        assert_eq!(to - from, 30 * 24 * 3600 * 1000);
        for (from, to, field) in [
            (Some("yesterday"), None, "from"),
            (None, Some("2026-13-01T00:00:00Z"), "to"),
            (
                Some("2026-12-01T00:00:00Z"),
                Some("2026-12-01T00:00:00Z"),
                "from",
            ),
            (
                Some("2025-01-01T00:00:00Z"),
                Some("2026-12-01T00:00:00Z"),
                "from",
            ),
        ] {
            let e = statement_period(from, to, now).err().unwrap();
            assert_eq!(e.parts().code, "invalid_query");
            assert_eq!(e.parts().field.as_deref(), Some(field));
        }
    }
}
