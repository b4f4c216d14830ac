//! Parties and their API keys.

use super::{created, idempotency, to_json};
use crate::auth::{new_token, token_display_prefix, token_sha256};
use crate::clock::now_ms;
use crate::engine::{Applied, Command, Outcome, Requester};
use crate::extract::{ApiJson, Caller, IdempotencyKey};
use crate::problem::{ApiError, Problem};
use crate::state::Shared;
use crate::views::{CreatedPartyView, KeyView, NewKeyView, PartyView};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use bytes::Bytes;
use store::ApiKey;
use trade::id::{is_valid, IdKind};
use trade::party::{PartyDraft, PartyStatus};
use trade::Role;

fn new_key(
    state: &Shared,
    party_id: &str,
    now: i64,
    expires_at_ms: Option<i64>,
) -> (ApiKey, String) {
    let token = new_token();
    let key = ApiKey {
        id: state.ids.next(IdKind::ApiKey),
        party_id: party_id.to_string(),
        token_sha256: token_sha256(&token),
        token_prefix: token_display_prefix(&token),
        created_at_ms: now,
        revoked_at_ms: None,
        expires_at_ms,
    };
    (key, token)
}

/// Onboards a party (operator only) and issues its first API key, shown once in this answer.
#[utoipa::path(post, path = "/v1/parties", tag = "parties", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$", description = "Replays the first answer (without the token) for the same request")),
    request_body(content = PartyDraft, example = json!({"role": "merchant", "legal_name": "Kedai Batik Sdn Bhd", "country": "MY", "registration_number": "202601012345"})),
    responses((status = 201, body = CreatedPartyView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_party(
    State(state): State<Shared>,
    caller: Caller,
    IdempotencyKey(idem_key): IdempotencyKey,
    body: ApiJson<PartyDraft>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Operator])?;
    let now = now_ms();
    let party = body
        .value
        .validate(state.ids.next(IdKind::Party), now)
        .map_err(ApiError::validation)?;
    let (key, token) = new_key(&state, &party.id, now, None);
    let view = |token: Option<String>| CreatedPartyView {
        party: PartyView::from(&party),
        key: NewKeyView {
            key: KeyView::from(&key),
            token,
        },
    };
    let idem = idempotency(
        idem_key,
        &caller.party_id,
        "/v1/parties",
        &body.raw,
        StatusCode::CREATED,
        to_json(&view(None)),
        now,
    );
    let location = format!("/v1/parties/{}", party.id);
    let fresh = to_json(&view(Some(token)));
    let outcome = state
        .engine
        .submit(
            Command::CreateParty {
                party: party.clone(),
                key: key.clone(),
            },
            idem,
        )
        .await?;
    Ok(created(outcome, StatusCode::CREATED, &location, fresh))
}

/// A party: the operator sees any, every other party only itself.
#[utoipa::path(get, path = "/v1/parties/{id}", tag = "parties", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = PartyView), (status = 404, body = Problem)))]
pub async fn get_party(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<PartyView>, ApiError> {
    if caller.role != Role::Operator && caller.party_id != id {
        return Err(ApiError::not_found("party"));
    }
    let mut conn = state.db.read().await?;
    let party = conn
        .stores()
        .get_party(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("party"))?;
    Ok(Json(PartyView::from(&party)))
}

/// What a new key is issued with. The body is optional: without it the key lives until revoked.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyRequest {
    /// RFC 3339 instant from which the key is refused (`401 expired_key`): in the future, at
    /// most ten years ahead. Rotation: issue the new key, then let the old one expire or revoke it.
    pub expires_at: Option<String>,
}

/// Keys live at most this long when they are given an end.
const KEY_LIFETIME_MAX_MS: i64 = 10 * 366 * 24 * 3600 * 1000;

impl KeyRequest {
    fn expires_at_ms(&self, now: i64) -> Result<Option<i64>, ApiError> {
        let Some(text) = &self.expires_at else {
            return Ok(None);
        };
        let at = crate::clock::parse_rfc3339(text).ok_or_else(|| {
            ApiError::field_error(
                "expires_at",
                "invalid_timestamp",
                format!("`{text}` is not an RFC 3339 instant such as 2027-01-31T00:00:00Z"),
            )
        })?;
        if at <= now {
            return Err(ApiError::field_error(
                "expires_at",
                "expiry_in_past",
                "expires_at must be in the future",
            ));
        }
        if at - now > KEY_LIFETIME_MAX_MS {
            return Err(ApiError::field_error(
                "expires_at",
                "expiry_too_far",
                "expires_at must be at most ten years ahead",
            ));
        }
        Ok(Some(at))
    }
}

/// Issues another key for a party (operator, or the party itself): the way to rotate keys.
#[utoipa::path(post, path = "/v1/parties/{id}/keys", tag = "parties", security(("bearer" = [])),
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$")),
    request_body(content = Option<KeyRequest>, example = json!({"expires_at": "2027-06-30T00:00:00Z"})),
    responses((status = 201, body = NewKeyView), (status = 400, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_key(
    State(state): State<Shared>,
    caller: Caller,
    IdempotencyKey(idem_key): IdempotencyKey,
    Path(id): Path<String>,
    raw: Bytes,
) -> Result<Response, ApiError> {
    if (caller.role != Role::Operator && caller.party_id != id) || !is_valid(IdKind::Party, &id) {
        return Err(ApiError::not_found("party"));
    }
    {
        let mut conn = state.db.read().await?;
        conn.stores()
            .get_party(&id)
            .await?
            .ok_or_else(|| ApiError::not_found("party"))?;
    }
    let now = now_ms();
    let request: KeyRequest = if raw.iter().all(u8::is_ascii_whitespace) {
        KeyRequest::default()
    } else {
        crate::extract::decode(&raw)?
    };
    let expires_at_ms = request.expires_at_ms(now)?;
    let (key, token) = new_key(&state, &id, now, expires_at_ms);
    let path = format!("/v1/parties/{id}/keys");
    let idem = idempotency(
        idem_key,
        &caller.party_id,
        &path,
        &raw,
        StatusCode::CREATED,
        to_json(&NewKeyView {
            key: KeyView::from(&key),
            token: None,
        }),
        now,
    );
    let fresh = to_json(&NewKeyView {
        key: KeyView::from(&key),
        token: Some(token),
    });
    let outcome = state
        .engine
        .submit(Command::CreateKey { key: key.clone() }, idem)
        .await?;
    Ok(created(outcome, StatusCode::CREATED, &path, fresh))
}

/// Revokes a key at once (operator any key; a party its own). The hub's last live operator key cannot be revoked.
#[utoipa::path(delete, path = "/v1/keys/{id}", tag = "parties", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = KeyView), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn revoke_key(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<KeyView>, ApiError> {
    if !is_valid(IdKind::ApiKey, &id) {
        return Err(ApiError::not_found("key"));
    }
    let by = Requester {
        party_id: caller.party_id.clone(),
        role: caller.role,
    };
    let outcome = state
        .engine
        .submit(
            Command::RevokeKey {
                key_id: id.clone(),
                by,
                at_ms: now_ms(),
            },
            None,
        )
        .await?;
    state.auth.forget_key(&id);
    match outcome {
        Outcome::Applied(Applied::Revoked(key)) => Ok(Json(KeyView::from(&key))),
        // Outcomes may carry replay bodies with personal data: never format them into a log.
        _ => Err(ApiError::internal(&"unexpected engine outcome")),
    }
}

/// A change of a party's standing.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyPatch {
    /// active or suspended. A suspended party's keys are refused, and customs refuses its
    /// parcels (check 2: parties registered and valid).
    pub status: Option<String>,
}

/// Suspends or reactivates a party (operator only).
#[utoipa::path(patch, path = "/v1/parties/{id}", tag = "parties", security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body = PartyPatch,
    responses((status = 200, body = PartyView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_party(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    body: ApiJson<PartyPatch>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Operator])?;
    if !is_valid(IdKind::Party, &id) {
        return Err(ApiError::not_found("party"));
    }
    let status = match &body.value.status {
        None => {
            return Err(ApiError::field_error(
                "status",
                "missing_field",
                "`status` is required: active or suspended",
            ))
        }
        Some(s) => PartyStatus::parse(s).ok_or_else(|| {
            ApiError::field_error(
                "status",
                "unknown_status",
                format!("`{s}` is not a party status; use active or suspended"),
            )
        })?,
    };
    let outcome = state
        .engine
        .submit(
            Command::SetPartyStatus {
                party_id: id.clone(),
                status,
                at_ms: now_ms(),
            },
            None,
        )
        .await?;
    state.auth.forget_party(&id);
    state.parties.forget(&id);
    Ok(super::rendered(outcome, None))
}
