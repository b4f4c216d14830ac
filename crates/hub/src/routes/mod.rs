//! HTTP handlers, one module per resource. Each handler turns a request into a domain value
//! (validated by the pure crates), hands writes to the engine, and renders the answer.

pub mod ceb;
pub mod declarations;
pub mod documents;
pub mod fx;
pub mod hs;
pub mod ledger;
pub mod orders;
pub mod parties;
pub mod products;
pub mod quotes;
pub mod risk_rules;
pub mod system;

use crate::engine::{Applied, EngineError, Idempotency, Outcome};
use crate::extract::request_fingerprint;
use crate::problem::ApiError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use trade::id::{is_valid, IdKind};

/// Maps the engine's errors to HTTP, once.
impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Conflict { code, detail } => ApiError::conflict(code, detail),
            EngineError::NotFound { what } => ApiError::not_found(what),
            EngineError::Invalid(errors) => ApiError::validation(errors),
            EngineError::IdempotencyKeyReused => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "Idempotency key reused",
                "this Idempotency-Key was already used with a different request; use a new key for a new request",
            )
            .with_field("Idempotency-Key"),
            EngineError::Overloaded => ApiError::overloaded("the write queue is full; retry after a second with the same Idempotency-Key"),
            EngineError::Stopping => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "shutting_down",
                "The hub is stopping",
                "retry shortly with the same Idempotency-Key",
            )
            .with_retry_after(1),
            EngineError::Store(e) => ApiError::internal(&e),
            EngineError::Ledger {
                code,
                transfer_code,
            } => {
                // A booking refused for lack of funds is the caller's situation, not a fault.
                let api_code = if code == "exceeds_credits" {
                    "insufficient_funds"
                } else {
                    "ledger_refused"
                };
                ApiError::conflict(
                    api_code,
                    format!("the ledger refused the {transfer_code} transfer: {code}"),
                )
            }
        }
    }
}

/// The idempotency envelope for a creating request (always a POST), when the client sent a key.
pub fn idempotency(
    key: Option<String>,
    party_id: &str,
    path: &str,
    raw: &Bytes,
    status: StatusCode,
    replay_body: String,
    now_ms: i64,
) -> Option<Idempotency> {
    key.map(|key| Idempotency {
        party_id: party_id.to_string(),
        key,
        request_sha256: request_fingerprint("POST", path, raw),
        status_code: status.as_u16(),
        replay_body,
        now_ms,
    })
}

/// A view rendered once, to answer with and to keep for replays.
pub fn to_json(view: &impl serde::Serialize) -> String {
    // Views are plain data (strings, numbers, enums): serializing them cannot fail.
    serde_json::to_string(view).expect("views serialize")
}

/// The answer to a creating request: the fresh body, or the stored one on a replay.
pub fn created(outcome: Outcome, status: StatusCode, location: &str, body: String) -> Response {
    match outcome {
        Outcome::Applied(_) => {
            let mut r = (status, body).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            if let Ok(v) = HeaderValue::from_str(location) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        Outcome::Replayed { status_code, body } => {
            let status = StatusCode::from_u16(status_code).unwrap_or(StatusCode::OK);
            let mut r = (status, body).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            r
        }
    }
}

/// The answer to a command whose answer the writer rendered ([`Applied::Rendered`]), or the
/// stored one on a replay. `location` is sent with a `201`.
pub fn rendered(outcome: Outcome, location: Option<&str>) -> Response {
    match outcome {
        Outcome::Applied(Applied::Rendered { status, body }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut r = (status, body).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            if let Some(v) = location
                .filter(|_| status == StatusCode::CREATED)
                .and_then(|l| HeaderValue::from_str(l).ok())
            {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        Outcome::Applied(other) => {
            // A command that renders its answer always answers `Rendered`.
            ApiError::internal(&format!("unexpected engine outcome {other:?}")).into_response()
        }
        replayed @ Outcome::Replayed { .. } => created(replayed, StatusCode::OK, "", String::new()),
    }
}

/// A page of a list: its size (default 50, at most 200) and the cursor it starts after.
pub struct PageRequest {
    pub limit: i64,
    pub cursor: Option<String>,
}

impl PageRequest {
    /// Checks the size and that the cursor is an id of `kind` (cursors are the last id of a page).
    pub fn parse(
        limit: Option<i64>,
        cursor: Option<String>,
        kind: IdKind,
    ) -> Result<PageRequest, ApiError> {
        let limit = match limit {
            None => 50,
            Some(n) if (1..=200).contains(&n) => n,
            Some(_) => {
                return Err(
                    ApiError::bad_request("invalid_query", "limit must be from 1 to 200")
                        .with_field("limit"),
                )
            }
        };
        if let Some(c) = &cursor {
            if !is_valid(kind, c) {
                return Err(ApiError::bad_request(
                    "invalid_cursor",
                    "cursor is not one this API issued",
                )
                .with_field("cursor"));
            }
        }
        Ok(PageRequest { limit, cursor })
    }

    /// Rows to fetch: one more than the page, to know whether another page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// Drops the extra row and names the next cursor, if there is a next page.
    pub fn finish<T>(&self, mut rows: Vec<T>, id: impl Fn(&T) -> &str) -> (Vec<T>, Option<String>) {
        if rows.len() as i64 <= self.limit {
            return (rows, None);
        }
        rows.truncate(self.limit as usize);
        let next = rows.last().map(|r| id(r).to_string());
        (rows, next)
    }
}
