//! The ogcr read API. It serves what the indexer stored — projects as OGCR PDD GeoJSON
//! Features, monitoring reports as MRV Features, credits (CRU serial blocks), retirements and
//! the raw on-chain event feed, the CAD Trust v2.0.2 tables and the Article 6 AEF tables — plus health, Prometheus metrics, an OpenAPI 3.1 document
//! generated from this code and a human docs page.
//!
//! Every answer is read-only and derived from the database, so any number of API processes can
//! serve one database while one indexer writes it. Errors use the OGCR error body; GET answers
//! carry strong ETags (If-None-Match → 304); clients are rate limited per address.

use std::{net::SocketAddr, sync::Arc};

use axum::{
    Router,
    http::{HeaderName, Method, header},
    middleware::{from_fn, from_fn_with_state},
    routing::get,
};
use ogcr_store::Store;
use tower_http::cors::{Any, CorsLayer};

/// The error body.
pub mod error;
/// Request ids, rate limits, ETags, metrics.
pub mod middleware;
/// The OpenAPI document and the docs page.
pub mod openapi;
/// Extracting and checking request parameters.
pub mod params;
/// The route handlers.
pub mod routes;
/// Response bodies.
pub mod views;

pub use error::{ApiError, FieldError};
pub use middleware::RateLimiter;

/// Renders the process's Prometheus metrics (the indexer and the API share one recorder).
pub type MetricsRender = Arc<dyn Fn() -> String + Send + Sync>;

/// How the API behaves.
#[derive(Clone)]
pub struct ApiConfig {
    /// The URL clients reach the API at (absolute links in answers), without a trailing slash.
    pub public_url: String,
    /// Sustained requests per second per client and burst; `None` disables limiting.
    pub rate_limit: Option<(f64, u32)>,
    /// The Prometheus exposition for `/metrics`; `None` serves a 404 there.
    pub metrics: Option<MetricsRender>,
    /// How `/cadt/v2/{table}` and `/aef/{table}` derive their records (the same configuration
    /// as `ogcr export --config`). Strict mode is ignored: the API serves what it can derive.
    /// Record links point at `public_url` unless `base_url` is set to something else.
    pub export: ogcr_export::ExportConfig,
}

impl std::fmt::Debug for ApiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiConfig")
            .field("public_url", &self.public_url)
            .field("rate_limit", &self.rate_limit)
            .field("metrics", &self.metrics.is_some())
            .field("export", &self.export)
            .finish()
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The indexer's database.
    pub store: Store,
    /// Configuration.
    pub config: Arc<ApiConfig>,
    /// The OpenAPI document for `config.public_url`, built once per router.
    pub openapi: Arc<serde_json::Value>,
    /// The CAD Trust and Article 6 exporter.
    pub exporter: Arc<ogcr_export::Exporter>,
}

impl AppState {
    /// `path` under the public URL.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.public_url.trim_end_matches('/'))
    }
}

/// The whole read API: the OGCR routes and the layers every route shares.
pub fn router(store: Store, config: ApiConfig) -> Router {
    router_with(store, config, None)
}

/// More routes served under the read API's layers, with their part of the OpenAPI document.
#[derive(Debug)]
pub struct Extra {
    /// The routes (their state applied).
    pub routes: Router,
    /// OpenAPI `paths`, `components` (schemas, securitySchemes) and `tags` to merge in.
    pub openapi: serde_json::Value,
}

/// The read API with more routes (the write API's) merged in under the same layers: request
/// ids, error bodies, rate limits, metrics, CORS.
pub fn router_with(store: Store, config: ApiConfig, extra: Option<Extra>) -> Router {
    let limiter = config
        .rate_limit
        .map(|(rate, burst)| Arc::new(RateLimiter::new(rate, burst)));
    let mut export = config.export.clone();
    export.strict = false;
    if export.base_url == ogcr_export::ExportConfig::default().base_url {
        export.base_url = config.public_url.trim_end_matches('/').to_owned();
    }
    let state = AppState {
        exporter: Arc::new(ogcr_export::Exporter::new(store.clone(), export)),
        store,
        openapi: Arc::new({
            let mut doc = openapi::spec(&config.public_url);
            if let Some(e) = &extra {
                openapi::merge(&mut doc, &e.openapi);
            }
            doc
        }),
        config: Arc::new(config),
    };
    let app = Router::new()
        .route("/", get(openapi::index))
        .route("/health", get(routes::meta::health))
        .route("/metrics", get(routes::meta::metrics))
        .route("/openapi.json", get(openapi::document))
        .route("/docs", get(openapi::docs_page))
        .route("/projects", get(routes::projects::list))
        .route("/projects/{project_id}", get(routes::projects::one))
        .route(
            "/projects/{project_id}/history",
            get(routes::projects::history),
        )
        .route(
            "/projects/{project_id}/versions/{version}",
            get(routes::projects::version),
        )
        .route(
            "/projects/{project_id}/monitoring",
            get(routes::monitoring::list),
        )
        .route(
            "/projects/{project_id}/monitoring/{mrv_id}",
            get(routes::monitoring::one),
        )
        .route("/credits", get(routes::credits::list))
        .route("/credits/{credit_id}", get(routes::credits::one))
        .route("/retirements", get(routes::credits::retirements))
        .route(
            "/retirements/{retirement_id}",
            get(routes::credits::retirement),
        )
        .route("/events", get(routes::events::list))
        .route("/cadt/v2/{table}", get(routes::exports::cadt))
        .route("/aef/{table}", get(routes::exports::aef))
        .with_state(state);
    let app = match extra {
        Some(more) => app.merge(more.routes),
        None => app,
    };
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([
            Method::GET,
            Method::HEAD,
            Method::OPTIONS,
            Method::POST,
            Method::PUT,
        ])
        .allow_headers([
            header::IF_NONE_MATCH,
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            HeaderName::from_static("idempotency-key"),
            HeaderName::from_static("prefer"),
            HeaderName::from_static(middleware::REQUEST_ID),
        ])
        .expose_headers([
            header::ETAG,
            header::RETRY_AFTER,
            header::LOCATION,
            HeaderName::from_static("preference-applied"),
            HeaderName::from_static(middleware::REQUEST_ID),
        ]);
    app.fallback(routes::meta::not_found)
        .layer(from_fn(middleware::etag))
        .layer(from_fn_with_state(limiter, middleware::rate_limit))
        .layer(from_fn(middleware::metrics))
        .layer(cors)
        .layer(from_fn(middleware::request_id))
}

/// Serves `app` on `listener` until `shutdown` resolves, passing client addresses to the rate
/// limiter.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
