//! The uniform OGCR error body: `{"error": {code, message, details[{field, message, hint,
//! reason}], timestamp, request_id}}`, with the codes of api-documentation.md
//! (`VALIDATION_ERROR`, `AUTHENTICATION_REQUIRED`, `INSUFFICIENT_PERMISSIONS`,
//! `RESOURCE_NOT_FOUND`, `CONFLICT`, `RATE_LIMIT_EXCEEDED`, `INTERNAL_ERROR`, plus
//! `METHOD_NOT_ALLOWED` and `SERVICE_UNAVAILABLE`) and ogcr's finer reason codes in `details`. Handlers return [`ApiError`]; the request-id middleware renders
//! it, so every error — from a handler, an extractor, the router or the rate limiter — carries
//! the id of its request.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

/// One field-level problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The query parameter, path segment or field at fault.
    #[schema(example = "limit")]
    pub field: String,
    /// What is wrong with it, naming the value received.
    #[schema(example = "must be between 1 and 100, got 500")]
    pub message: String,
    /// How to correct it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "give a page size from 1 to 100")]
    pub hint: Option<String>,
    /// ogcr's finer reason code (`invalid_parameter`, `SCHEMA_REQUIRED`, `GEOMETRY_OVERLAP`,
    /// `missing_scope`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "invalid_parameter")]
    pub reason: Option<String>,
}

impl FieldError {
    /// A bad query parameter, path segment or body field.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
            hint: None,
            reason: None,
        }
    }

    /// With a correction hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// With a reason code.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

/// An error answer.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Machine-readable code (`VALIDATION_ERROR`, `RESOURCE_NOT_FOUND`, …).
    pub code: &'static str,
    /// Human-readable message.
    pub message: String,
    /// Field-level details.
    pub details: Vec<FieldError>,
    /// Seconds after which to retry (429, 503).
    pub retry_after: Option<u64>,
}

/// The error object inside the body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorObject {
    /// Machine-readable code.
    #[schema(example = "VALIDATION_ERROR")]
    pub code: String,
    /// Human-readable message.
    #[schema(example = "invalid query parameters")]
    pub message: String,
    /// Field-level details.
    pub details: Vec<FieldError>,
    /// When the error happened (RFC 3339, UTC).
    #[schema(example = "2026-11-23T10:00:00Z")]
    pub timestamp: String,
    /// The request id (also in the `x-request-id` response header).
    #[schema(example = "5f0c6f1e-8a39-4c8e-a1f6-0d3a0c2b9e11")]
    pub request_id: String,
}

/// The body of every error answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorObject,
}

impl ApiError {
    /// An error with any status and code.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: Vec::new(),
            retry_after: None,
        }
    }

    /// 400 with one bad field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::invalid_fields(vec![
            FieldError::new(field, message).reason("invalid_parameter"),
        ])
    }

    /// 400 with several bad fields.
    pub fn invalid_fields(details: Vec<FieldError>) -> Self {
        let what = details
            .iter()
            .map(|d| d.field.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        ApiError {
            details,
            ..Self::new(
                StatusCode::BAD_REQUEST,
                "VALIDATION_ERROR",
                format!("invalid request parameter(s): {what}"),
            )
        }
    }

    /// 404.
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "RESOURCE_NOT_FOUND", what)
    }

    /// 405.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "this route does not answer that method",
        )
    }

    /// 429 with the seconds to wait.
    pub fn rate_limited(retry_after: u64) -> Self {
        ApiError {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMIT_EXCEEDED",
                format!("too many requests from this client; retry in {retry_after} s"),
            )
        }
    }

    /// 503: the database is not reachable or not indexed yet.
    pub fn unavailable(message: impl Into<String>) -> Self {
        ApiError {
            retry_after: Some(5),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                message,
            )
        }
    }

    /// 500, logged with its cause; the body does not leak internals.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(target: "ogcr::api", %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "internal error; the request id identifies it in the server log",
        )
    }

    /// 422: a request body that fails validation, every failing field listed.
    pub fn unprocessable(message: impl Into<String>, details: Vec<FieldError>) -> Self {
        ApiError {
            details,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "VALIDATION_ERROR",
                message,
            )
        }
    }

    /// 401: no credentials, or credentials that do not authenticate.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "AUTHENTICATION_REQUIRED", message)
    }

    /// 403: authenticated, not allowed (`reason`: `missing_scope`, `missing_role`, …).
    pub fn forbidden(reason: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError {
            details: vec![FieldError::new("authorization", message.clone()).reason(reason)],
            ..Self::new(StatusCode::FORBIDDEN, "INSUFFICIENT_PERMISSIONS", message)
        }
    }

    /// 409: the request conflicts with the registry's state (`reason` says how).
    pub fn conflict(reason: &str, field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError {
            details: vec![FieldError::new(field, message.clone()).reason(reason)],
            ..Self::new(StatusCode::CONFLICT, "CONFLICT", message)
        }
    }

    /// The response for request `request_id`. Echoed values are bounded: no field name,
    /// message or hint of an answer grows with what the client sent.
    pub fn render(&self, request_id: &str) -> Response {
        let cut = ogcr_core::validation::bounded;
        let body = ErrorBody {
            error: ErrorObject {
                code: self.code.to_owned(),
                message: cut(&self.message, 500),
                details: self
                    .details
                    .iter()
                    .take(100)
                    .map(|d| FieldError {
                        field: cut(&d.field, 120),
                        message: cut(&d.message, 500),
                        hint: d.hint.as_deref().map(|h| cut(h, 300)),
                        reason: d.reason.as_deref().map(|r| cut(r, 60)),
                    })
                    .collect(),
                timestamp: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                request_id: request_id.to_owned(),
            },
        };
        let mut resp = (self.status, Json(body)).into_response();
        if let Some(s) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"ogcr\""),
            );
        }
        resp
    }
}

impl From<ogcr_store::Error> for ApiError {
    fn from(e: ogcr_store::Error) -> Self {
        if let ogcr_store::Error::BadCursor(why) = &e {
            return ApiError::invalid(
                "cursor",
                format!("not a next_cursor of this list: {why}; start again with cursor="),
            );
        }
        if e.is_unavailable() {
            tracing::warn!(target: "ogcr::api", error = %e, "database unavailable");
            ApiError::unavailable("the database is not reachable; retry shortly")
        } else {
            ApiError::internal(&e)
        }
    }
}

/// Marks a response as an error to be rendered by the request-id middleware.
#[derive(Debug, Clone)]
pub(crate) struct PendingError(pub(crate) ApiError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = self.status.into_response();
        resp.extensions_mut().insert(PendingError(self));
        resp
    }
}
