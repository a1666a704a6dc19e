//! The ogcr read API. It serves what the indexer stored — projects as OGCR PDD GeoJSON
//! Features, monitoring reports as MRV Features, credits (CRU serial blocks), retirements and
//! the raw on-chain event feed, the CAD Trust v2.0.2 tables and the Article 6 AEF tables — plus health, Prometheus metrics, an OpenAPI 3.1 document
//! generated from this code and a human docs page.
//!
//! Every answer is read-only and derived from the database, so any number of API processes can
//! serve one database while one indexer writes it. Errors use the OGCR error body; GET answers
//! carry strong ETags (If-None-Match → 304); clients are rate limited per address.

use std::sync::Arc;

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
pub use middleware::{Caller, Classifier, RateClass, RateLimiter, RateLimits, Rendered};

/// Renders the process's Prometheus metrics (the indexer and the API share one recorder).
pub type MetricsRender = Arc<dyn Fn() -> String + Send + Sync>;

/// How the API behaves.
#[derive(Clone)]
pub struct ApiConfig {
    /// The URL clients reach the API at (absolute links in answers), without a trailing slash.
    pub public_url: String,
    /// Rate limits per class of caller; `None` disables limiting.
    pub rate_limit: Option<RateLimits>,
    /// The Prometheus exposition for `/metrics`; `None` serves a 404 there.
    pub metrics: Option<MetricsRender>,
    /// Timeouts and size limits of requests.
    pub limits: Limits,
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
            .field("limits", &self.limits)
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
    /// `/stats` per data revision.
    pub stats: Arc<routes::stats::StatsCache>,
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

/// Pages for people beside the API (the explorer): HTML representations of read routes,
/// chosen per request by content negotiation, and routes of their own.
#[derive(Debug)]
pub struct Pages {
    /// Routes answering HTML at the read API's own paths, with the same patterns and parameter
    /// names (`/projects/{project_id}`): a GET that prefers `text/html` is sent here.
    pub negotiated: Router,
    /// The patterns `negotiated` answers.
    pub paths: Vec<&'static str>,
    /// Routes that exist only as pages (assets, dashboards), served as they are.
    pub own: Router,
}

/// The read API with more routes (the write API's) merged in under the same layers: request
/// ids, error bodies, rate limits, metrics, CORS.
pub fn router_with(store: Store, config: ApiConfig, extra: Option<Extra>) -> Router {
    router_full(store, config, extra, None)
}

/// The read API with the write routes and the pages for people, all under the same layers.
/// A GET of a route in `pages.paths` is answered by the page when the client prefers HTML
/// (`Accept`, or `?format=html`), and by the API otherwise.
pub fn router_full(
    store: Store,
    config: ApiConfig,
    extra: Option<Extra>,
    pages: Option<Pages>,
) -> Router {
    let limits = config.limits;
    let limiter = config
        .rate_limit
        .clone()
        .map(|limits| Arc::new(RateLimiter::new(limits)));
    let mut export = config.export.clone();
    export.strict = false;
    if export.base_url == ogcr_export::ExportConfig::default().base_url {
        export.base_url = config.public_url.trim_end_matches('/').to_owned();
    }
    let state = AppState {
        exporter: Arc::new(ogcr_export::Exporter::new(store.clone(), export)),
        stats: Arc::default(),
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
        .route(
            "/projects/{project_id}/monitoring/{mrv_id}/verification",
            get(routes::monitoring::verification),
        )
        .route("/credits", get(routes::credits::list))
        .route("/credits/{credit_id}", get(routes::credits::one))
        .route("/retirements", get(routes::credits::retirements))
        .route(
            "/retirements/{retirement_id}",
            get(routes::credits::retirement),
        )
        .route("/events", get(routes::events::list))
        .route("/events/stream", get(routes::stream::stream))
        .route("/accounts/{address}", get(routes::accounts::one))
        .route("/stats", get(routes::stats::stats))
        .route("/cadt/v2/{table}", get(routes::exports::cadt))
        .route("/aef/{table}", get(routes::exports::aef))
        .with_state(state.clone())
        .merge(openapi::docs());
    // Inside the timeout; outside it, the ETag, rate-limit, metrics and request-id layers
    // still run for every answer, cached or not. Only the read routes are cached.
    let app = match middleware::AnswerCache::new(limits.answer_cache_bytes) {
        Some(cache) => app.layer(from_fn_with_state(
            (state.store.clone(), cache),
            middleware::cache_answers,
        )),
        None => app,
    };
    let html_fallback = pages.as_ref().map(|p| p.negotiated.clone());
    let (app, own_pages) = match pages {
        Some(p) => (
            app.layer(from_fn_with_state(
                middleware::Negotiated {
                    router: p.negotiated,
                    paths: Arc::new(p.paths.into_iter().collect()),
                },
                middleware::negotiate,
            )),
            Some(p.own),
        ),
        None => (app, None),
    };
    let app = match own_pages {
        Some(own) => app.merge(own),
        None => app,
    };
    let app = app.layer(tower_http::timeout::TimeoutLayer::with_status_code(
        axum::http::StatusCode::REQUEST_TIMEOUT,
        limits.read_timeout,
    ));
    let app = match extra {
        Some(more) => app.merge(
            more.routes
                .layer(axum::extract::DefaultBodyLimit::max(limits.max_body))
                .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                    axum::http::StatusCode::REQUEST_TIMEOUT,
                    limits.write_timeout,
                )),
        ),
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
            HeaderName::from_static("x-ratelimit-limit"),
            HeaderName::from_static("x-ratelimit-remaining"),
            HeaderName::from_static("x-ratelimit-reset"),
            HeaderName::from_static("preference-applied"),
            HeaderName::from_static(middleware::REQUEST_ID),
        ]);
    let app = match html_fallback {
        Some(pages) => app.fallback(move |req: axum::extract::Request| {
            middleware::page_or_not_found(axum::extract::State(pages.clone()), req)
        }),
        None => app.fallback(routes::meta::not_found),
    };
    app.layer(from_fn_with_state(
        Arc::new(middleware::HealthCache::default()),
        middleware::cache_health,
    ))
    .layer(from_fn(middleware::etag))
    .layer(from_fn_with_state(limiter, middleware::rate_limit))
    .layer(from_fn(middleware::metrics))
    .layer(from_fn_with_state(limits, middleware::request_limits))
    .layer(cors)
    .layer(from_fn(middleware::request_id))
}

/// Limits of the HTTP server: slow or idle clients, connections, bodies, URIs and headers.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A connection must send a request's whole head within this — and a keep-alive
    /// connection its next request's — or it is closed (slowloris, idle connections).
    pub header_read_timeout: std::time::Duration,
    /// A read request must be answered within this (408 otherwise).
    pub read_timeout: std::time::Duration,
    /// A write request (with its `Prefer: wait`) within this.
    pub write_timeout: std::time::Duration,
    /// Connections served at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// Largest request body (413 beyond).
    pub max_body: usize,
    /// Longest request target (414 beyond).
    pub max_uri: usize,
    /// Largest request head (431 beyond).
    pub max_headers: usize,
    /// Memory for whole answers of the read routes, reused until the data changes (bytes;
    /// 0 turns the cache off). See `middleware::cache_answers`.
    pub answer_cache_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: std::time::Duration::from_secs(15),
            read_timeout: std::time::Duration::from_secs(30),
            write_timeout: std::time::Duration::from_secs(150),
            max_connections: 1024,
            max_body: 4 << 20,
            max_uri: 8 << 10,
            max_headers: 32 << 10,
            answer_cache_bytes: 64 << 20,
        }
    }
}

/// Set on every request [`serve_with`] serves: turns true when the server stops, so that an
/// answer that never ends by itself (an event stream) ends then instead of holding the
/// shutdown for its grace period.
#[derive(Debug, Clone)]
pub struct Draining(pub tokio::sync::watch::Receiver<bool>);

/// Serves `app` on `listener` until `shutdown` resolves, with the default [`Limits`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, app, Limits::default(), shutdown).await
}

/// Serves `app` on `listener` until `shutdown` resolves: HTTP/1.1 with a header-read (and
/// keep-alive idle) timeout and at most `limits.max_connections` connections at once, passing
/// each client's address to the rate limiter. On shutdown it stops accepting and lets the
/// connections in flight finish (10 s at most).
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;

    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    // Tells the answers that never end (event streams) to end when the server stops.
    let (stopping, draining) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => p.expect("the semaphore is never closed"),
            _ = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    tracing::warn!(target: "ogcr::api", error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let router = app.clone();
        let draining = Draining(draining.clone());
        let service =
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                req.extensions_mut().insert(draining.clone());
                router.clone().oneshot(req.map(axum::body::Body::new))
            });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .max_buf_size((limits.max_headers * 4).max(8192))
            .serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(std::time::Duration::from_secs(10)) => {}
    }
    Ok(())
}
