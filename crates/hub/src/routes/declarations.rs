//! Declarations: the officer's queue, decisions, the audit trail; and the order's own lifecycle
//! changes that end a declaration (cancel, return) or complete the parcel (delivered).

use super::{idempotency, rendered, PageRequest};
use crate::clock::now_ms;
use crate::engine::{Command, Requester};
use crate::extract::{ApiJson, ApiQuery, Caller, IdempotencyKey};
use crate::problem::{ApiError, Problem};
use crate::state::Shared;
use crate::views::clearance::{AuditEntryView, AuditTrail, DeclarationPage, DeclarationView};
use crate::views::OrderView;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use customs::{Channel, Decision, DeclarationStatus};
use serde::Deserialize;
use store::{DeclarationQuery, DeclarationScope, StoredDeclaration};
use trade::id::{is_valid, IdKind};
use trade::Role;

fn scope_of(caller: &Caller) -> DeclarationScope {
    match caller.role {
        Role::Operator | Role::Customs => DeclarationScope::All,
        _ => DeclarationScope::Party(caller.party_id.clone()),
    }
}

fn visible(d: &StoredDeclaration, caller: &Caller) -> bool {
    match scope_of(caller) {
        DeclarationScope::All => true,
        DeclarationScope::Party(p) => {
            d.declaration.merchant_id == p || d.declaration.submitted_by == p
        }
    }
}

const READERS: [Role; 4] = [
    Role::Customs,
    Role::Operator,
    Role::Merchant,
    Role::Platform,
];

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeclarationListQuery {
    /// green, yellow or red.
    pub channel: Option<String>,
    /// released, held, rejected, cancelled or returned.
    pub status: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1 to 200, default 50.
    pub limit: Option<i64>,
}

/// The declarations the caller may see, newest first: the officer's queue is
/// `?status=held&channel=yellow` (or red).
#[utoipa::path(get, path = "/v1/declarations", tag = "clearance", security(("bearer" = [])),
    params(DeclarationListQuery),
    responses((status = 200, body = DeclarationPage), (status = 400, body = Problem)))]
pub async fn list_declarations(
    State(state): State<Shared>,
    caller: Caller,
    ApiQuery(q): ApiQuery<DeclarationListQuery>,
) -> Result<Json<DeclarationPage>, ApiError> {
    caller.require(&READERS)?;
    let page = PageRequest::parse(q.limit, q.cursor.clone(), IdKind::Declaration)?;
    let channel = match &q.channel {
        None => None,
        Some(c) => Some(Channel::parse(c).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_query",
                format!("`{c}` is not a channel; use green, yellow or red"),
            )
            .with_field("channel")
        })?),
    };
    let status = match &q.status {
        None => None,
        Some(s) => Some(DeclarationStatus::parse(s).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_query",
                format!("`{s}` is not a declaration status; use released, held, rejected, cancelled or returned"),
            )
            .with_field("status")
        })?),
    };
    let query = DeclarationQuery {
        scope: scope_of(&caller),
        status,
        channel,
        before_id: page.cursor.clone(),
        limit: page.fetch(),
    };
    let mut conn = state.db.read().await?;
    let rows = conn.stores().list_declarations(&query).await?;
    let (rows, next_cursor) = page.finish(rows, |d| &d.declaration.id);
    Ok(Json(DeclarationPage {
        data: rows.iter().map(DeclarationView::from).collect(),
        next_cursor,
    }))
}

async fn visible_declaration(
    state: &Shared,
    caller: &Caller,
    id: &str,
) -> Result<StoredDeclaration, ApiError> {
    if !is_valid(IdKind::Declaration, id) {
        return Err(ApiError::not_found("declaration"));
    }
    let mut conn = state.db.read().await?;
    match conn.stores().get_declaration(id).await? {
        Some(d) if visible(&d, caller) => Ok(d),
        _ => Err(ApiError::not_found("declaration")),
    }
}

/// A declaration: checks that failed, rules that fired, channel, status, seed, transfers.
#[utoipa::path(get, path = "/v1/declarations/{id}", tag = "clearance", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = DeclarationView), (status = 404, body = Problem)))]
pub async fn get_declaration(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DeclarationView>, ApiError> {
    caller.require(&READERS)?;
    let d = visible_declaration(&state, &caller, &id).await?;
    Ok(Json(DeclarationView::from(&d)))
}

/// Every change of a declaration, in order; the hub only ever appends to it.
#[utoipa::path(get, path = "/v1/declarations/{id}/audit", tag = "clearance", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = AuditTrail), (status = 404, body = Problem)))]
pub async fn get_audit(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<AuditTrail>, ApiError> {
    caller.require(&READERS)?;
    let d = visible_declaration(&state, &caller, &id).await?;
    let mut conn = state.db.read().await?;
    let entries = conn.stores().list_audit(&d.declaration.id).await?;
    Ok(Json(AuditTrail {
        declaration_id: d.declaration.id,
        entries: entries.iter().map(AuditEntryView::from).collect(),
    }))
}

/// An officer's decision.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionDraft {
    /// release, reject, or inspect (a yellow declaration goes to red, still held).
    pub decision: Option<String>,
    /// Why; kept in the audit trail. 1 to 500 characters.
    pub reason: Option<String>,
}

/// A customs officer decides a held declaration. The money follows: release captures the
/// escrow and collects the tax, rejection voids the hold (the buyer is refunded).
#[utoipa::path(post, path = "/v1/declarations/{id}/decision", tag = "clearance", security(("bearer" = [])),
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$")),
    request_body(content = DecisionDraft, example = json!({"decision": "release", "reason": "documents match the goods"})),
    responses((status = 200, body = DeclarationView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    IdempotencyKey(idem_key): IdempotencyKey,
    body: ApiJson<DecisionDraft>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Customs])?;
    let decision = match &body.value.decision {
        None => {
            return Err(ApiError::field_error(
                "decision",
                "missing_field",
                "`decision` is required: release, reject or inspect",
            ))
        }
        Some(d) => Decision::parse(d).ok_or_else(|| {
            ApiError::field_error(
                "decision",
                "unknown_decision",
                format!("`{d}` is not a decision; use release, reject or inspect"),
            )
        })?,
    };
    let reason = body.value.reason.clone().unwrap_or_default();
    if !is_valid(IdKind::Declaration, &id) {
        return Err(ApiError::not_found("declaration"));
    }
    let path = format!("/v1/declarations/{id}/decision");
    let idem = idempotency(
        idem_key,
        &caller.party_id,
        &path,
        &body.raw,
        StatusCode::OK,
        String::new(),
        now_ms(),
    );
    let command = Command::Decide {
        declaration_id: id,
        decision,
        reason,
        by: requester(&caller),
    };
    let outcome = state.engine.submit(command, idem).await?;
    Ok(rendered(outcome, None))
}

fn requester(caller: &Caller) -> Requester {
    Requester {
        party_id: caller.party_id.clone(),
        role: caller.role,
    }
}

/// Why an order is cancelled or returned.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonDraft {
    /// 1 to 500 characters; kept in the declaration's audit trail.
    pub reason: Option<String>,
}

/// What a lifecycle change needs: the order id checked, the reason, the idempotency envelope.
fn lifecycle(
    caller: &Caller,
    id: &str,
    action: &str,
    idem_key: Option<String>,
    body: &ApiJson<ReasonDraft>,
) -> Result<(String, Option<crate::engine::Idempotency>), ApiError> {
    if !is_valid(IdKind::Order, id) {
        return Err(ApiError::not_found("order"));
    }
    let reason = body.value.reason.clone().unwrap_or_default();
    let path = format!("/v1/orders/{id}/{action}");
    Ok((
        reason,
        idempotency(
            idem_key,
            &caller.party_id,
            &path,
            &body.raw,
            StatusCode::OK,
            String::new(),
            now_ms(),
        ),
    ))
}

/// Cancels an order before delivery: its declaration is cancelled, the buyer's quota given back
/// and the buyer refunded (taxes included when they were collected).
#[utoipa::path(post, path = "/v1/orders/{id}/cancel", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$")),
    request_body = ReasonDraft,
    responses((status = 200, body = OrderView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn cancel_order(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    IdempotencyKey(idem_key): IdempotencyKey,
    body: ApiJson<ReasonDraft>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Merchant, Role::Platform, Role::Operator])?;
    let (reason, idem) = lifecycle(&caller, &id, "cancel", idem_key, &body)?;
    let command = Command::CancelOrder {
        order_id: id,
        reason,
        by: requester(&caller),
    };
    Ok(rendered(state.engine.submit(command, idem).await?, None))
}

/// The parcel came back after release (refused at the door, or returned after delivery): the
/// declaration is marked returned, the quota given back, the buyer refunded.
#[utoipa::path(post, path = "/v1/orders/{id}/return", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$")),
    request_body = ReasonDraft,
    responses((status = 200, body = OrderView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn return_order(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    IdempotencyKey(idem_key): IdempotencyKey,
    body: ApiJson<ReasonDraft>,
) -> Result<Response, ApiError> {
    caller.require(&[
        Role::Merchant,
        Role::Platform,
        Role::Logistics,
        Role::Operator,
    ])?;
    let (reason, idem) = lifecycle(&caller, &id, "return", idem_key, &body)?;
    let command = Command::ReturnOrder {
        order_id: id,
        reason,
        by: requester(&caller),
    };
    Ok(rendered(state.engine.submit(command, idem).await?, None))
}

/// The carrier delivered the parcel: the merchant's share and the hub's fee are captured from
/// escrow. Until tracking events exist, the carrier of the waybill (or the operator) says so.
#[utoipa::path(post, path = "/v1/orders/{id}/delivered", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$")),
    request_body = ReasonDraft,
    responses((status = 200, body = OrderView), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn deliver_order(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    IdempotencyKey(idem_key): IdempotencyKey,
    body: ApiJson<ReasonDraft>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Logistics, Role::Operator])?;
    let (_, idem) = lifecycle(&caller, &id, "delivered", idem_key, &body)?;
    let command = Command::DeliverOrder {
        order_id: id,
        by: requester(&caller),
    };
    Ok(rendered(state.engine.submit(command, idem).await?, None))
}
