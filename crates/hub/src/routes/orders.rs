//! Orders: placed by a merchant, or by a platform on a merchant's behalf.

use super::{created, idempotency, to_json, PageRequest};
use crate::clock::{now_ms, parse_rfc3339};
use crate::engine::Command;
use crate::extract::{ApiJson, ApiQuery, Caller, IdempotencyKey};
use crate::problem::{ApiError, Problem};
use crate::state::Shared;
use crate::views::{OrderPage, OrderView};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use store::{OrderQuery, OrderScope};
use trade::id::{is_valid, IdKind};
use trade::order::{OrderDraft, Submission};
use trade::party::PartyStatus;
use trade::{OrderStatus, Role};

/// Validates and stores an order with status `placed`.
#[utoipa::path(post, path = "/v1/orders", tag = "orders", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$", description = "Same key and body: the first answer again, nothing written twice; same key, other body: 422")),
    request_body(content = OrderDraft, example = json!({"order_no": "SO-2026-000123",
        "buyer": {"name": "Wang Fang", "id_type": "national_id", "id_number": "11010519491231002X", "country": "CN", "address": "1 Wensan Road, Xihu, Hangzhou", "phone": "+86 138 0000 1234"},
        "destination": "CN", "currency": "CNY", "incoterm": "DAP",
        "lines": [{"hs_code": "6214.10", "description": "Batik silk scarf", "origin": "MY", "quantity": 2, "unit_price": "150.00"}]})),
    responses((status = 201, body = OrderView), (status = 400, body = Problem), (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem), (status = 503, body = Problem)))]
pub async fn create_order(
    State(state): State<Shared>,
    caller: Caller,
    IdempotencyKey(idem_key): IdempotencyKey,
    body: ApiJson<OrderDraft>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Merchant, Role::Platform])?;
    let draft = body.value;
    let merchant_id = match (caller.role, &draft.merchant_id) {
        (Role::Merchant, None) => caller.party_id.clone(),
        (Role::Merchant, Some(m)) if *m == caller.party_id => m.clone(),
        (Role::Merchant, Some(_)) => {
            return Err(ApiError::field_error(
                "merchant_id",
                "not_your_merchant",
                "a merchant places orders for itself; leave merchant_id out",
            ))
        }
        (_, None) => {
            return Err(ApiError::field_error(
                "merchant_id",
                "missing_field",
                "a platform names the merchant the order is for",
            ))
        }
        (_, Some(m)) => {
            let merchant = if is_valid(IdKind::Party, m) {
                state.parties.get(&state.db, m).await?
            } else {
                None
            };
            match merchant {
                Some(p) if p.role == Role::Merchant && p.status == PartyStatus::Active => p.id,
                _ => {
                    return Err(ApiError::field_error(
                        "merchant_id",
                        "unknown_merchant",
                        "no active merchant of this hub has that id",
                    ))
                }
            }
        }
    };
    let skus = draft.skus();
    let catalog = state
        .catalog
        .products(&state.db, &merchant_id, &skus)
        .await?;
    let now = now_ms();
    let order = draft
        .validate(Submission {
            id: state.ids.next(IdKind::Order),
            merchant_id,
            submitted_by: caller.party_id.clone(),
            now_ms: now,
            catalog: &catalog,
        })
        .map_err(ApiError::validation)?;
    let answer = to_json(&OrderView::new(&order, &caller.party_id));
    let idem = idempotency(
        idem_key,
        &caller.party_id,
        "/v1/orders",
        &body.raw,
        StatusCode::CREATED,
        answer.clone(),
        now,
    );
    let location = format!("/v1/orders/{}", order.id);
    let outcome = state
        .engine
        .submit(Command::CreateOrder { order }, idem)
        .await?;
    Ok(created(outcome, StatusCode::CREATED, &location, answer))
}

fn scope_of(caller: &Caller) -> OrderScope {
    match caller.role {
        Role::Operator => OrderScope::All,
        _ => OrderScope::Party(caller.party_id.clone()),
    }
}

fn visible(order: &trade::Order, scope: &OrderScope) -> bool {
    match scope {
        OrderScope::All => true,
        OrderScope::Party(p) => order.merchant_id == *p || order.submitted_by == *p,
    }
}

/// An order, if the caller is its merchant or submitter (or the operator).
#[utoipa::path(get, path = "/v1/orders/{id}", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = OrderView), (status = 404, body = Problem)))]
pub async fn get_order(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<OrderView>, ApiError> {
    caller.require(&[Role::Operator, Role::Merchant, Role::Platform])?;
    if !is_valid(IdKind::Order, &id) {
        return Err(ApiError::not_found("order"));
    }
    let mut conn = state.db.read().await?;
    match conn.stores().get_order(&id).await? {
        Some(o) if visible(&o, &scope_of(&caller)) => {
            Ok(Json(OrderView::new(&o, &caller.party_id)))
        }
        _ => Err(ApiError::not_found("order")),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrderListQuery {
    /// placed, declared, held, released, rejected, delivered, cancelled or returned.
    pub status: Option<String>,
    /// RFC 3339; orders created at or after.
    pub created_from: Option<String>,
    /// RFC 3339; orders created before.
    pub created_to: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1 to 200, default 50.
    pub limit: Option<i64>,
}

/// The caller's orders, newest first, with filters and cursor pagination.
#[utoipa::path(get, path = "/v1/orders", tag = "orders", security(("bearer" = [])),
    params(OrderListQuery),
    responses((status = 200, body = OrderPage), (status = 400, body = Problem)))]
pub async fn list_orders(
    State(state): State<Shared>,
    caller: Caller,
    ApiQuery(q): ApiQuery<OrderListQuery>,
) -> Result<Json<OrderPage>, ApiError> {
    caller.require(&[Role::Operator, Role::Merchant, Role::Platform])?;
    let page = PageRequest::parse(q.limit, q.cursor.clone(), IdKind::Order)?;
    let status = match &q.status {
        None => None,
        Some(s) => Some(OrderStatus::parse(s).ok_or_else(|| {
            ApiError::bad_request("invalid_query", format!("`{s}` is not an order status"))
                .with_field("status")
        })?),
    };
    let time = |field: &str, v: &Option<String>| -> Result<Option<i64>, ApiError> {
        match v {
            None => Ok(None),
            Some(t) => parse_rfc3339(t).map(Some).ok_or_else(|| {
                ApiError::bad_request("invalid_query", format!("`{t}` is not an RFC 3339 time"))
                    .with_field(field)
            }),
        }
    };
    let created_from_ms = time("created_from", &q.created_from)?;
    let created_to_ms = time("created_to", &q.created_to)?;
    let query = OrderQuery {
        scope: scope_of(&caller),
        status,
        created_from_ms,
        created_to_ms,
        before_id: page.cursor.clone(),
        limit: page.fetch(),
    };
    let mut conn = state.db.read().await?;
    let rows = conn.stores().list_orders(&query).await?;
    let (rows, next_cursor) = page.finish(rows, |o| &o.id);
    Ok(Json(OrderPage {
        data: rows
            .iter()
            .map(|o| OrderView::new(o, &caller.party_id))
            .collect(),
        next_cursor,
    }))
}
