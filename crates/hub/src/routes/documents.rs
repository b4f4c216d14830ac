//! The other two of the three documents: payment notices (payment providers) and waybills
//! (carriers). Each is matched with its order in the writer, and the one that completes the
//! three is cleared in the same transaction: its answer carries the declaration.

use super::{idempotency, rendered, PageRequest};
use crate::clock::now_ms;
use crate::engine::Command;
use crate::extract::{ApiJson, ApiQuery, Caller, IdempotencyKey};
use crate::problem::{ApiError, Problem};
use crate::state::Shared;
use crate::views::clearance::{PaymentPage, PaymentView, WaybillPage, WaybillView};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use customs::documents::{PaymentDraft, WaybillDraft};
use serde::Deserialize;
use store::{StoredDeclaration, Stores};
use trade::id::{is_valid, IdKind};
use trade::Role;

/// Who sees documents of every sender (masked): the hub and its customs.
fn sees_all(caller: &Caller) -> bool {
    matches!(caller.role, Role::Operator | Role::Customs)
}

/// The declaration of the order a document was matched with.
async fn declaration_for(
    s: &mut dyn Stores,
    order_id: &Option<String>,
) -> Result<Option<StoredDeclaration>, ApiError> {
    let Some(order_id) = order_id else {
        return Ok(None);
    };
    let Some((_, links)) = s.order_with_links(order_id).await? else {
        return Ok(None);
    };
    match links.declaration_id {
        Some(id) => Ok(s.get_declaration(&id).await?),
        None => Ok(None),
    }
}

/// A payment notice (CEB411): held in escrow at once, matched with its order by `order_no`, and
/// cleared when the order and the waybill are there too. Sending the same notice again answers
/// `200` with the stored one; the same `transaction_id` with other details is a `409`.
#[utoipa::path(post, path = "/v1/payments", tag = "clearance", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$", description = "Same key and body: the first answer again")),
    request_body(content = PaymentDraft, example = json!({"order_no": "SO-2026-000123", "transaction_id": "PAY-2026-000123", "amount": "300.00", "currency": "CNY",
        "payer": {"name": "Wang Fang", "id_type": "national_id", "id_number": "11010519491231002X"}, "paid_at": "2026-11-30T09:15:00Z"})),
    responses((status = 201, body = PaymentView), (status = 200, body = PaymentView), (status = 400, body = Problem),
        (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem), (status = 503, body = Problem)))]
pub async fn create_payment(
    State(state): State<Shared>,
    caller: Caller,
    IdempotencyKey(idem_key): IdempotencyKey,
    body: ApiJson<PaymentDraft>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Payment])?;
    let now = now_ms();
    let payment = body
        .value
        .validate(
            state.ids.next(IdKind::Payment),
            caller.party_id.clone(),
            now,
        )
        .map_err(ApiError::validation)?;
    let location = format!("/v1/payments/{}", payment.id);
    let idem = idempotency(
        idem_key,
        &caller.party_id,
        "/v1/payments",
        &body.raw,
        StatusCode::CREATED,
        String::new(),
        now,
    );
    let outcome = state
        .engine
        .submit(Command::CreatePayment { payment }, idem)
        .await?;
    Ok(rendered(outcome, Some(&location)))
}

/// A payment notice, for its provider (in clear), customs and the operator (masked).
#[utoipa::path(get, path = "/v1/payments/{id}", tag = "clearance", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = PaymentView), (status = 404, body = Problem)))]
pub async fn get_payment(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<PaymentView>, ApiError> {
    caller.require(&[Role::Payment, Role::Customs, Role::Operator])?;
    if !is_valid(IdKind::Payment, &id) {
        return Err(ApiError::not_found("payment"));
    }
    let mut conn = state.db.read().await?;
    let s = conn.stores();
    match s.get_payment(&id).await? {
        Some(p) if sees_all(&caller) || p.notice.provider_id == caller.party_id => {
            let declaration = declaration_for(s, &p.order_id).await?;
            Ok(Json(PaymentView::new(
                &p,
                declaration.as_ref(),
                &caller.party_id,
            )))
        }
        _ => Err(ApiError::not_found("payment")),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DocumentListQuery {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1 to 200, default 50.
    pub limit: Option<i64>,
}

/// The caller's payment notices (every provider's for customs and the operator), newest first.
#[utoipa::path(get, path = "/v1/payments", tag = "clearance", security(("bearer" = [])),
    params(DocumentListQuery),
    responses((status = 200, body = PaymentPage), (status = 400, body = Problem)))]
pub async fn list_payments(
    State(state): State<Shared>,
    caller: Caller,
    ApiQuery(q): ApiQuery<DocumentListQuery>,
) -> Result<Json<PaymentPage>, ApiError> {
    caller.require(&[Role::Payment, Role::Customs, Role::Operator])?;
    let page = PageRequest::parse(q.limit, q.cursor, IdKind::Payment)?;
    let provider = (!sees_all(&caller)).then_some(caller.party_id.as_str());
    let mut conn = state.db.read().await?;
    let rows = conn
        .stores()
        .list_payments(provider, page.cursor.as_deref(), page.fetch())
        .await?;
    let (rows, next_cursor) = page.finish(rows, |p| &p.notice.id);
    let mut data = Vec::with_capacity(rows.len());
    for p in &rows {
        let declaration = declaration_for(conn.stores(), &p.order_id).await?;
        data.push(PaymentView::new(p, declaration.as_ref(), &caller.party_id));
    }
    Ok(Json(PaymentPage { data, next_cursor }))
}

/// A waybill (CEB511): matched with its order by `order_no`, and cleared when the order and the
/// payment are there too. The same waybill again answers `200`; the same `waybill_no` with
/// other details is a `409`.
#[utoipa::path(post, path = "/v1/waybills", tag = "clearance", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$", description = "Same key and body: the first answer again")),
    request_body(content = WaybillDraft, example = json!({"waybill_no": "WB-2026-000123", "order_no": "SO-2026-000123", "gross_weight_kg": "0.400", "package_count": 1,
        "consignee": {"name": "Wang Fang", "address": "1 Wensan Road, Xihu, Hangzhou", "phone": "13800001234"}})),
    responses((status = 201, body = WaybillView), (status = 200, body = WaybillView), (status = 400, body = Problem),
        (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem), (status = 503, body = Problem)))]
pub async fn create_waybill(
    State(state): State<Shared>,
    caller: Caller,
    IdempotencyKey(idem_key): IdempotencyKey,
    body: ApiJson<WaybillDraft>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Logistics])?;
    let now = now_ms();
    let waybill = body
        .value
        .validate(
            state.ids.next(IdKind::Waybill),
            caller.party_id.clone(),
            now,
        )
        .map_err(ApiError::validation)?;
    let location = format!("/v1/waybills/{}", waybill.id);
    let idem = idempotency(
        idem_key,
        &caller.party_id,
        "/v1/waybills",
        &body.raw,
        StatusCode::CREATED,
        String::new(),
        now,
    );
    let outcome = state
        .engine
        .submit(Command::CreateWaybill { waybill }, idem)
        .await?;
    Ok(rendered(outcome, Some(&location)))
}

/// A waybill, for its carrier (in clear), customs and the operator (masked).
#[utoipa::path(get, path = "/v1/waybills/{id}", tag = "clearance", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = WaybillView), (status = 404, body = Problem)))]
pub async fn get_waybill(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<WaybillView>, ApiError> {
    caller.require(&[Role::Logistics, Role::Customs, Role::Operator])?;
    if !is_valid(IdKind::Waybill, &id) {
        return Err(ApiError::not_found("waybill"));
    }
    let mut conn = state.db.read().await?;
    let s = conn.stores();
    match s.get_waybill(&id).await? {
        Some(w) if sees_all(&caller) || w.waybill.carrier_id == caller.party_id => {
            let declaration = declaration_for(s, &w.order_id).await?;
            Ok(Json(WaybillView::new(
                &w,
                declaration.as_ref(),
                &caller.party_id,
            )))
        }
        _ => Err(ApiError::not_found("waybill")),
    }
}

/// The caller's waybills (every carrier's for customs and the operator), newest first.
#[utoipa::path(get, path = "/v1/waybills", tag = "clearance", security(("bearer" = [])),
    params(DocumentListQuery),
    responses((status = 200, body = WaybillPage), (status = 400, body = Problem)))]
pub async fn list_waybills(
    State(state): State<Shared>,
    caller: Caller,
    ApiQuery(q): ApiQuery<DocumentListQuery>,
) -> Result<Json<WaybillPage>, ApiError> {
    caller.require(&[Role::Logistics, Role::Customs, Role::Operator])?;
    let page = PageRequest::parse(q.limit, q.cursor, IdKind::Waybill)?;
    let carrier = (!sees_all(&caller)).then_some(caller.party_id.as_str());
    let mut conn = state.db.read().await?;
    let rows = conn
        .stores()
        .list_waybills(carrier, page.cursor.as_deref(), page.fetch())
        .await?;
    let (rows, next_cursor) = page.finish(rows, |w| &w.waybill.id);
    let mut data = Vec::with_capacity(rows.len());
    for w in &rows {
        let declaration = declaration_for(conn.stores(), &w.order_id).await?;
        data.push(WaybillView::new(w, declaration.as_ref(), &caller.party_id));
    }
    Ok(Json(WaybillPage { data, next_cursor }))
}
