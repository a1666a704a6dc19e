//! Health, metrics and the fallback.

use axum::{
    Json,
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    AppState,
    error::{ApiError, ErrorBody},
    views::rfc3339,
};

/// The API's health and how far the database is indexed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the database answers and is indexed; `starting` before the first index run.
    #[schema(example = "ok")]
    pub status: String,
    /// `sqlite` or `postgres`.
    pub database: String,
    /// The chain followed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain_id: Option<i64>,
    /// Contract addresses by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub contracts: Option<serde_json::Value>,
    /// Last block whose events are all stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_block: Option<i64>,
    /// Its time (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_time: Option<String>,
    /// Rows per table and document checks.
    #[schema(value_type = Object)]
    pub counts: serde_json::Value,
}

/// Health check.
#[utoipa::path(get, path = "/health", operation_id = "getHealth", tag = "meta",
    responses(
        (status = 200, description = "The database answers", body = Health),
        (status = 503, description = "The database does not answer", body = ErrorBody),
    ))]
pub async fn health(State(state): State<AppState>) -> Result<Response, ApiError> {
    let checkpoint = state.store.checkpoint().await?;
    let counts = serde_json::to_value(state.store.counts().await?).expect("counts serialise");
    let database = match state.store.backend() {
        ogcr_store::Backend::Sqlite => "sqlite",
        ogcr_store::Backend::Postgres => "postgres",
    };
    let health = match checkpoint {
        None => Health {
            status: "starting".into(),
            database: database.into(),
            chain_id: None,
            contracts: None,
            checkpoint_block: None,
            checkpoint_time: None,
            counts,
        },
        Some((c, time)) => Health {
            status: "ok".into(),
            database: database.into(),
            chain_id: Some(c.chain_id),
            contracts: Some(serde_json::json!({
                "OGCRAccessControl": c.access_control,
                "ProjectRegistry": c.project_registry,
                "MRVRegistry": c.mrv_registry,
                "CarbonRemovalUnit": c.carbon_removal_unit,
            })),
            checkpoint_block: Some(c.checkpoint_block),
            checkpoint_time: time.map(rfc3339),
            counts,
        },
    };
    let mut resp = Json(health).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// Prometheus metrics of this process (API requests; indexer progress when it runs here).
#[utoipa::path(get, path = "/metrics", operation_id = "getMetrics", tag = "meta",
    responses(
        (status = 200, description = "Prometheus text exposition", content_type = "text/plain", body = String),
        (status = 404, description = "Metrics are not enabled", body = ErrorBody),
    ))]
pub async fn metrics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let render = state
        .config
        .metrics
        .as_ref()
        .ok_or_else(|| ApiError::not_found("metrics are not enabled in this process"))?;
    let mut resp = render().into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// Any other path.
pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!(
        "no route {}; the routes are listed at /openapi.json and /docs",
        uri.path()
    ))
}
