//! A merchant's catalog.

use super::{created, idempotency, to_json, PageRequest};
use crate::clock::now_ms;
use crate::engine::{Applied, Command, Outcome};
use crate::extract::{ApiJson, ApiQuery, Caller, IdempotencyKey};
use crate::problem::{ApiError, Problem};
use crate::state::Shared;
use crate::views::{ProductPage, ProductView};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use trade::id::{is_valid, IdKind};
use trade::product::{ProductDraft, ProductPatch};
use trade::Role;

/// Adds a product to the calling merchant's catalog. SKUs are unique per merchant.
#[utoipa::path(post, path = "/v1/products", tag = "catalog", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$")),
    request_body(content = ProductDraft, example = json!({"sku": "BATIK-SCARF-01", "title": "Batik silk scarf", "hs_code": "6214.10", "origin": "MY", "unit_price": "89.90", "currency": "MYR", "net_weight_kg": "0.120"})),
    responses((status = 201, body = ProductView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_product(
    State(state): State<Shared>,
    caller: Caller,
    IdempotencyKey(idem_key): IdempotencyKey,
    body: ApiJson<ProductDraft>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Merchant])?;
    let now = now_ms();
    let product = body
        .value
        .validate(
            state.ids.next(IdKind::Product),
            caller.party_id.clone(),
            now,
        )
        .map_err(ApiError::validation)?;
    let answer = to_json(&ProductView::from(&product));
    let idem = idempotency(
        idem_key,
        &caller.party_id,
        "/v1/products",
        &body.raw,
        StatusCode::CREATED,
        answer.clone(),
        now,
    );
    let location = format!("/v1/products/{}", product.id);
    let outcome = state
        .engine
        .submit(Command::CreateProduct { product }, idem)
        .await?;
    Ok(created(outcome, StatusCode::CREATED, &location, answer))
}

#[utoipa::path(get, path = "/v1/products/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = ProductView), (status = 404, body = Problem)))]
pub async fn get_product(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ProductView>, ApiError> {
    caller.require(&[Role::Merchant])?;
    let mut conn = state.db.read().await?;
    let product = conn
        .stores()
        .get_product(&caller.party_id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("product"))?;
    Ok(Json(ProductView::from(&product)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProductListQuery {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1 to 200, default 50.
    pub limit: Option<i64>,
}

/// The calling merchant's catalog, newest first.
#[utoipa::path(get, path = "/v1/products", tag = "catalog", security(("bearer" = [])),
    params(ProductListQuery),
    responses((status = 200, body = ProductPage), (status = 400, body = Problem)))]
pub async fn list_products(
    State(state): State<Shared>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ProductListQuery>,
) -> Result<Json<ProductPage>, ApiError> {
    caller.require(&[Role::Merchant])?;
    let page = PageRequest::parse(q.limit, q.cursor, IdKind::Product)?;
    let mut conn = state.db.read().await?;
    let rows = conn
        .stores()
        .list_products(&caller.party_id, page.cursor.as_deref(), page.fetch())
        .await?;
    let (rows, next_cursor) = page.finish(rows, |p| &p.id);
    Ok(Json(ProductPage {
        data: rows.iter().map(ProductView::from).collect(),
        next_cursor,
    }))
}

/// Changes some fields of a product; the SKU stays. Answers the new version.
#[utoipa::path(patch, path = "/v1/products/{id}", tag = "catalog", security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body = ProductPatch,
    responses((status = 200, body = ProductView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_product(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    body: ApiJson<ProductPatch>,
) -> Result<Json<ProductView>, ApiError> {
    caller.require(&[Role::Merchant])?;
    if !is_valid(IdKind::Product, &id) {
        return Err(ApiError::not_found("product"));
    }
    let command = Command::UpdateProduct {
        merchant_id: caller.party_id.clone(),
        product_id: id,
        patch: body.value,
        at_ms: now_ms(),
    };
    match state.engine.submit(command, None).await? {
        Outcome::Applied(Applied::Product(p)) => {
            state.catalog.forget(&p.merchant_id, &p.sku);
            Ok(Json(ProductView::from(&p)))
        }
        // Outcomes may carry replay bodies with personal data: never format them into a log.
        _ => Err(ApiError::internal(&"unexpected engine outcome")),
    }
}
