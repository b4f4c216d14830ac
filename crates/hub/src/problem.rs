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

#[derive(Debug)]
pub struct ApiError {
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
        ApiError {
            status,
            code,
            title,
            detail: detail.into(),
            field: None,
            errors: Vec::new(),
            retry_after_s: None,
            www_authenticate: false,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
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
        ApiError {
            field: Some(first.field),
            errors,
            ..ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                first.code,
                "The request has invalid fields",
                detail,
            )
        }
    }

    pub fn field_error(field: &str, code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::validation(vec![FieldError {
            field: field.to_string(),
            code,
            detail: detail.into(),
        }])
    }

    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Not found",
            format!("no {what} with that id is visible to this key"),
        )
    }

    pub fn unauthorized(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError {
            www_authenticate: true,
            ..ApiError::new(StatusCode::UNAUTHORIZED, code, "Unauthorized", detail)
        }
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
        ApiError {
            retry_after_s: Some(1),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "overloaded",
                "The hub is busy",
                detail,
            )
        }
    }

    /// A failure of the hub itself, not of the request: logged with its cause, answered without it.
    pub fn internal(cause: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(%cause, "internal error");
        ApiError {
            retry_after_s: Some(1),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                "Storage unavailable",
                "the hub could not reach its storage; retry with the same Idempotency-Key",
            )
        }
    }
}

impl From<store::StoreError> for ApiError {
    fn from(e: store::StoreError) -> Self {
        ApiError::internal(&e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Problem {
            type_uri: format!("urn:ewtp:problem:{}", self.code),
            title: self.title,
            status: self.status.as_u16(),
            detail: self.detail,
            code: self.code,
            field: self.field,
            errors: self.errors,
        };
        let json = serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec());
        let mut response = (self.status, json).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(s) = self.retry_after_s {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if self.www_authenticate {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"ewtp\""),
            );
        }
        response
    }
}
