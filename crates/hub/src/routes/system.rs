//! Liveness, metrics, the OpenAPI document, and "who am I".

use crate::extract::Caller;
use crate::problem::{ApiError, Problem};
use crate::state::Shared;
use crate::views::{Health, HubIdentityView, MeView, PartyView};
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// Liveness: answers while the process serves HTTP. Cheap on purpose: it is the benchmark's yardstick.
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, body = Health)))]
pub async fn healthz(State(state): State<Shared>) -> Json<Health> {
    Json(Health {
        status: "ok",
        hub: state.hub.code.clone(),
    })
}

/// The hub's identity on the e-road: its code, name, country and Ed25519 public key (hex), with
/// which peers and customs verify what it signs.
#[utoipa::path(get, path = "/eroad/v1/hub", tag = "system", responses((status = 200, body = HubIdentityView)))]
pub async fn hub_identity(State(state): State<Shared>) -> Json<HubIdentityView> {
    Json(HubIdentityView {
        code: state.hub.code.clone(),
        name: state.hub.name.clone(),
        country: state.hub.code.chars().take(2).collect(),
        public_key: hex::encode(state.signing_key.verifying_key().as_bytes()),
        signature_algorithm: "Ed25519",
    })
}

/// Prometheus text exposition.
#[utoipa::path(get, path = "/metrics", tag = "system", responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics(State(state): State<Shared>) -> Response {
    let text = state.metrics.render(state.engine.queue_depth());
    let mut r = text.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    r
}

/// This document: OpenAPI 3.1, generated from the code.
#[utoipa::path(get, path = "/openapi.json", tag = "system", responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn openapi(State(state): State<Shared>) -> Response {
    let body = state.openapi_json.get().cloned().unwrap_or_default();
    let mut r = body.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// The party and key behind the bearer token.
#[utoipa::path(get, path = "/v1/me", tag = "parties", security(("bearer" = [])), responses((status = 200, body = MeView), (status = 401, body = Problem)))]
pub async fn me(State(state): State<Shared>, caller: Caller) -> Result<Json<MeView>, ApiError> {
    let mut conn = state.db.read().await?;
    let party = conn
        .stores()
        .get_party(&caller.party_id)
        .await?
        .ok_or_else(|| ApiError::not_found("party"))?;
    Ok(Json(MeView {
        party: PartyView::from(&party),
        key_id: caller.key_id,
        hub: state.hub.code.clone(),
    }))
}
