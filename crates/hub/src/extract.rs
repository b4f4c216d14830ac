//! Request extractors that answer problem+json on every failure: JSON bodies (with the path of
//! the offending field), query strings, the `Idempotency-Key` header and the bearer key.

use crate::problem::ApiError;
use crate::state::Shared;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use trade::Role;

/// A JSON body, decoded, with the raw bytes kept for the idempotency fingerprint.
pub struct ApiJson<T> {
    pub value: T,
    pub raw: Bytes,
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                let essence = v
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                essence == "application/json"
                    || (essence.starts_with("application/") && essence.ends_with("+json"))
            })
            .unwrap_or(false);
        if !json_type {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Unsupported media type",
                "send the body as application/json",
            ));
        }
        let raw = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    "Body too large",
                    "the request body is larger than the hub accepts",
                )
            } else {
                ApiError::bad_request("unreadable_body", rejection.body_text())
            }
        })?;
        let value = decode(&raw)?;
        Ok(ApiJson { value, raw })
    }
}

/// Decodes JSON; a syntax error is a 400, a wrong type or unknown field a 422 naming the field.
pub fn decode<T: DeserializeOwned>(raw: &[u8]) -> Result<T, ApiError> {
    // Most bodies are valid: decode them without tracking the path, and pay for the path (to
    // name the field) only when decoding fails.
    if let Ok(value) = serde_json::from_slice(raw) {
        return Ok(value);
    }
    let de = &mut serde_json::Deserializer::from_slice(raw);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        use serde_json::error::Category;
        match inner.classify() {
            Category::Syntax | Category::Eof | Category::Io => ApiError::bad_request(
                "malformed_json",
                format!("the body is not valid JSON: {inner}"),
            ),
            Category::Data => {
                let message = inner.to_string();
                // serde_path_to_error's path already ends with an unknown field's own name.
                let field = if path == "." { String::new() } else { path };
                let code = if message.starts_with("unknown field") {
                    "unknown_field"
                } else {
                    "invalid_type"
                };
                let detail = message
                    .split(" at line ")
                    .next()
                    .unwrap_or(&message)
                    .to_string();
                ApiError::field_error(&field, code, detail)
            }
        }
    })
}

/// A query string decoded into `T`; unknown parameters are refused, so typos do not pass silently.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded_de(query)?;
        Ok(ApiQuery(de))
    }
}

fn serde_urlencoded_de<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    // axum's Query extractor uses serde_urlencoded; reuse it through axum to avoid a second parser.
    let uri: axum::http::Uri = format!("/?{query}")
        .parse()
        .map_err(|_| ApiError::bad_request("invalid_query", "the query string is malformed"))?;
    axum::extract::Query::<T>::try_from_uri(&uri)
        .map(|q| q.0)
        .map_err(|e| {
            let text = e.body_text();
            let field = text.split('`').nth(1).map(str::to_string);
            let error = ApiError::bad_request("invalid_query", text);
            match field {
                Some(f) => error.with_field(f),
                None => error,
            }
        })
}

/// The optional `Idempotency-Key` header of a creating POST.
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get("idempotency-key") else {
            return Ok(IdempotencyKey(None));
        };
        let text = value.to_str().ok().map(str::trim).unwrap_or("");
        let ok = !text.is_empty()
            && text.len() <= 255
            && text.bytes().all(|b| (0x21..=0x7e).contains(&b));
        if !ok {
            return Err(ApiError::bad_request(
                "invalid_idempotency_key",
                "Idempotency-Key must be 1 to 255 visible ASCII characters",
            )
            .with_field("Idempotency-Key"));
        }
        Ok(IdempotencyKey(Some(text.to_string())))
    }
}

/// Fingerprint of a request for idempotency: method, path and body.
pub fn request_fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update([0]);
    h.update(path.as_bytes());
    h.update([0]);
    h.update(body);
    hex::encode(h.finalize())
}

/// The authenticated party behind the request's bearer key.
#[derive(Clone, Debug)]
pub struct Caller {
    pub party_id: String,
    pub role: Role,
    pub key_id: String,
}

/// `operator` → `an operator`, `merchant` → `a merchant`.
fn with_article(word: &str) -> String {
    let vowel = word.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {word}", if vowel { "an" } else { "a" })
}

impl Caller {
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            return Ok(());
        }
        let allowed: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        Err(ApiError::forbidden(
            "role_not_allowed",
            format!(
                "{} key cannot do this; it needs {} key",
                with_article(self.role.as_str()),
                with_article(&allowed.join(" or "))
            ),
        ))
    }
}

impl FromRequestParts<Shared> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, ApiError> {
        let header = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
            ApiError::unauthorized("missing_credentials", "send `Authorization: Bearer <key>`")
        })?;
        let token = header
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::unauthorized("missing_credentials", "send `Authorization: Bearer <key>`")
            })?;
        let grant = state.auth.lookup(&state.db, token).await?.ok_or_else(|| {
            ApiError::unauthorized("invalid_key", "the key is not known to this hub")
        })?;
        if grant.revoked {
            return Err(ApiError::unauthorized(
                "revoked_key",
                "the key has been revoked",
            ));
        }
        if grant.expired_at(crate::clock::now_ms()) {
            return Err(ApiError::unauthorized(
                "expired_key",
                "the key has expired; ask for a new one",
            ));
        }
        if !grant.party_active {
            return Err(ApiError::forbidden(
                "party_suspended",
                "the party that owns this key is suspended",
            ));
        }
        Ok(Caller {
            party_id: grant.party_id,
            role: grant.role,
            key_id: grant.key_id,
        })
    }
}
