//! RFC 9457 problem details: the one place where every error becomes an HTTP answer with a
//! stable machine-readable `code` and, where there is one, the offending `field`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use trade::FieldError;

/// The body of every error answer (`application/problem+json`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// `urn:ewtp:problem:<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code, e.g. `invalid_hs_code`, `idempotency_key_reused`.
    pub code: &'static str,
    /// JSON path of the offending field, when one is at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every field problem found, when the input had several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// An error on its way to becoming a problem answer. Boxed: it travels in every `Result` of the
/// request path, and the happy path should not pay for its size.
#[derive(Debug)]
pub struct ApiError(Box<ErrorParts>);

#[derive(Debug)]
pub struct ErrorParts {
    pub status: StatusCode,
    pub code: &'static str,
    pub title: &'static str,
    pub detail: String,
    pub field: Option<String>,
    pub errors: Vec<FieldError>,
    pub retry_after_s: Option<u64>,
    pub www_authenticate: bool,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> ApiError {
        let parts = ErrorParts {
            status,
            code,
            title,
            detail: detail.into(),
            field: None,
            errors: Vec::new(),
            retry_after_s: None,
            www_authenticate: false,
        };
        ApiError(Box::new(parts))
    }

    pub fn parts(&self) -> &ErrorParts {
        &self.0
    }

    pub fn with_field(mut self, field: impl Into<String>) -> ApiError {
        self.0.field = Some(field.into());
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> ApiError {
        self.0.retry_after_s = Some(seconds);
        self
    }

    /// 422 with every field problem; the first one gives the top-level code and field.
    pub fn validation(errors: Vec<FieldError>) -> ApiError {
        debug_assert!(
            !errors.is_empty(),
            "a validation error names at least one problem"
        );
        let first = errors.first().cloned().unwrap_or(FieldError {
            field: String::new(),
            code: "invalid_request",
            detail: "invalid request".into(),
        });
        let detail = if errors.len() == 1 {
            first.detail.clone()
        } else {
            format!("{} (and {} more problems)", first.detail, errors.len() - 1)
        };
        let mut e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            first.code,
            "The request has invalid fields",
            detail,
        )
        .with_field(first.field);
        e.0.errors = errors;
        e
    }

    pub fn field_error(field: &str, code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::validation(vec![FieldError {
            field: field.to_string(),
            code,
            detail: detail.into(),
        }])
    }

    pub fn not_found(what: &str) -> ApiError {
        let detail = format!("no {what} with that id is visible to this key");
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "Not found", detail)
    }

    pub fn unauthorized(code: &'static str, detail: impl Into<String>) -> ApiError {
        let mut e = ApiError::new(StatusCode::UNAUTHORIZED, code, "Unauthorized", detail);
        e.0.www_authenticate = true;
        e
    }

    pub fn forbidden(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, code, "Forbidden", detail)
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, code, "Conflict", detail)
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, "Bad request", detail)
    }

    pub fn overloaded(detail: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "The hub is busy",
            detail,
        )
        .with_retry_after(1)
    }

    /// A failure of the hub itself, not of the request: logged with its cause, answered without it.
    pub fn internal(cause: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(%cause, "internal error");
        let detail = "the hub could not reach its storage; retry with the same Idempotency-Key";
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage_unavailable",
            "Storage unavailable",
            detail,
        )
        .with_retry_after(1)
    }
}

impl From<store::StoreError> for ApiError {
    fn from(e: store::StoreError) -> Self {
        ApiError::internal(&e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = *self.0;
        let body = Problem {
            type_uri: format!("urn:ewtp:problem:{}", e.code),
            title: e.title,
            status: e.status.as_u16(),
            detail: e.detail,
            code: e.code,
            field: e.field,
            errors: e.errors,
        };
        let json = serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec());
        let mut response = (e.status, json).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(s) = e.retry_after_s {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if e.www_authenticate {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"ewtp\""),
            );
        }
        response
    }
}
