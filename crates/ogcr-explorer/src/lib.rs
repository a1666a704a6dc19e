//! The ogcr explorer: the registry for people, in the browser.
//!
//! Every resource of the read API has one URL for people and programs. A browser (a request
//! that prefers `text/html`) gets a page at the API's own path — `/`, `/projects`,
//! `/projects/{id}`, `/credits`, `/credits/{id}`, `/retirements/{id}`, `/accounts/{address}` —
//! and every other client gets the JSON it always got (`ogcr_api::Pages`, `Vary: Accept`).
//! Each page is rendered from the read API's own answers for that resource, fetched
//! in-process, so a page can never say something the API does not: the page *is* the JSON,
//! laid out. Pages the API has no resource for (the validation dashboard, a certificate's PDF
//! and its chain check) live beside them.
//!
//! Pages are server-rendered with minijinja (Jinja2 templates over serde values — the API's
//! JSON — compiled into the binary) and work without JavaScript; only the map (Leaflet, over
//! bundled Natural Earth borders) and the charts (Chart.js, each with its data table) use it.
//! Assets come from the npm packages pinned in package-lock.json, embedded at build time and
//! served by ogcr itself: no CDN, usable offline.

use std::{collections::BTreeMap, sync::Arc};

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use ogcr_store::Store;
use serde_json::Value;
use tower::ServiceExt;

/// The embedded browser assets.
pub mod assets;
/// The retirement certificate: QR code, PDF, chain check.
pub mod certificate;
/// The route handlers.
pub mod pages;
/// Templates and their filters.
pub mod render;
/// The validation dashboard's rows.
pub mod stats;

/// How the explorer behaves.
#[derive(Debug, Clone, Default)]
pub struct ExplorerConfig {
    /// The URL people reach the registry at, without a trailing slash (the certificate's QR
    /// code and links).
    pub public_url: String,
    /// The chain's JSON-RPC endpoint, for a certificate's "check this certificate" panel, which
    /// re-reads the retirement from the chain. `None` says the check is not configured.
    pub rpc_url: Option<String>,
    /// A tile URL template (`https://tile.example/{z}/{x}/{y}.png`) drawn under the maps;
    /// without one the maps draw the bundled world borders only (works offline).
    pub tile_url: Option<String>,
    /// Attribution shown for `tile_url`.
    pub tile_attribution: Option<String>,
    /// The registry's name, in page titles.
    pub registry_name: String,
    /// Names of accounts (lowercase 0x addresses → name), shown instead of hex.
    pub names: BTreeMap<String, String>,
    /// Project ids → country names that override the boundary's (the export configuration's
    /// `countries`).
    pub countries: BTreeMap<String, String>,
}

impl ExplorerConfig {
    /// A configuration for `public_url` with the names the export configuration knows
    /// (validation and verification bodies, stakeholders).
    pub fn new(public_url: &str, export: &ogcr_export::ExportConfig) -> Self {
        let mut names = BTreeMap::new();
        for (address, name) in export.bodies.iter().chain(export.stakeholders.iter()) {
            names.insert(address.to_ascii_lowercase(), name.clone());
        }
        ExplorerConfig {
            public_url: public_url.trim_end_matches('/').to_owned(),
            registry_name: export.program_name.clone(),
            names,
            countries: export.countries.clone(),
            ..ExplorerConfig::default()
        }
    }
}

/// What every page handler can reach.
#[derive(Clone)]
pub struct Explorer {
    /// The indexer's database (aggregates the API has no route for).
    pub store: Store,
    /// The read API's router: every resource a page shows is read from it.
    api: Router,
    /// Templates.
    env: Arc<minijinja::Environment<'static>>,
    /// Configuration.
    pub config: Arc<ExplorerConfig>,
    /// Aggregates per data revision.
    stats: stats::StatsCache,
}

impl std::fmt::Debug for Explorer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Explorer")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The paths where a browser gets a page instead of the API's JSON.
pub const NEGOTIATED: &[&str] = &[
    "/",
    "/projects",
    "/projects/{project_id}",
    "/credits",
    "/credits/{credit_id}",
    "/retirements",
    "/retirements/{retirement_id}",
    "/accounts/{address}",
];

/// The explorer's pages for `ogcr_api::router_full`. `api` is a read API router over the
/// same store (build it without rate limits: the explorer's own requests are internal).
pub fn pages(store: Store, api: Router, config: ExplorerConfig) -> ogcr_api::Pages {
    let explorer = Explorer {
        store,
        api,
        env: Arc::new(render::environment(&config)),
        config: Arc::new(config),
        stats: stats::StatsCache::default(),
    };
    let negotiated = Router::new()
        .route("/", get(pages::home))
        .route("/projects", get(pages::projects))
        .route("/projects/{project_id}", get(pages::project))
        .route("/credits", get(pages::credits))
        .route("/credits/{credit_id}", get(pages::credit))
        .route("/retirements", get(pages::retirements))
        .route("/retirements/{retirement_id}", get(pages::retirement))
        .route("/accounts/{address}", get(pages::account))
        .fallback(pages::not_found)
        .with_state(explorer.clone());
    let own = Router::new()
        .route(
            "/retirements/{retirement_id}/certificate.pdf",
            get(pages::certificate_pdf),
        )
        .route(
            "/retirements/{retirement_id}/check",
            get(pages::certificate_check),
        )
        .route("/explorer/validation", get(pages::validation))
        .route("/explorer/search", get(pages::search))
        .route("/assets/{file}", get(assets::serve))
        .with_state(explorer);
    ogcr_api::Pages {
        negotiated,
        paths: NEGOTIATED.to_vec(),
        own,
    }
}

/// Why a page could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// The resource does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request was not understood (a bad filter value): the API's message.
    #[error("{0}")]
    Invalid(String),
    /// The database has not been indexed yet, or is unreachable.
    #[error("{0}")]
    Unavailable(String),
    /// Anything else.
    #[error("{0}")]
    Internal(String),
}

impl From<ogcr_store::Error> for PageError {
    fn from(e: ogcr_store::Error) -> Self {
        PageError::Internal(format!("reading the database: {e}"))
    }
}

impl From<minijinja::Error> for PageError {
    fn from(e: minijinja::Error) -> Self {
        PageError::Internal(format!("rendering the page: {e:#}"))
    }
}

impl Explorer {
    /// The read API's JSON answer to `GET path_and_query`; `None` for a 404.
    pub async fn api(&self, path_and_query: &str) -> Result<Option<Value>, PageError> {
        let req = Request::get(path_and_query)
            .header(header::ACCEPT, "application/json")
            .body(Body::empty())
            .map_err(|e| PageError::Internal(format!("building GET {path_and_query}: {e}")))?;
        let resp = match self.api.clone().oneshot(req).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), 64 << 20)
            .await
            .map_err(|e| PageError::Internal(format!("reading GET {path_and_query}: {e}")))?;
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
            PageError::Internal(format!("GET {path_and_query} answered non-JSON: {e}"))
        })?;
        let message = || {
            value
                .pointer("/error/message")
                .and_then(Value::as_str)
                .unwrap_or("the API refused the request")
                .to_owned()
        };
        match status {
            s if s.is_success() => Ok(Some(value)),
            StatusCode::NOT_FOUND => Ok(None),
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => {
                Err(PageError::Invalid(message()))
            }
            StatusCode::SERVICE_UNAVAILABLE => Err(PageError::Unavailable(message())),
            s => Err(PageError::Internal(format!(
                "GET {path_and_query} answered {s}: {}",
                message()
            ))),
        }
    }

    /// The API's answer to `path_and_query`, or a not-found page naming `what`.
    pub async fn api_found(&self, path_and_query: &str, what: &str) -> Result<Value, PageError> {
        self.api(path_and_query)
            .await?
            .ok_or_else(|| PageError::NotFound(format!("{what} is not in this registry")))
    }

    /// Renders template `name` with `ctx` as a 200 page.
    pub fn page(&self, name: &str, ctx: Value) -> Result<Response, PageError> {
        let html = self.render(name, ctx)?;
        Ok(html_response(StatusCode::OK, html))
    }

    /// Renders template `name` with `ctx`.
    pub fn render(&self, name: &str, mut ctx: Value) -> Result<String, PageError> {
        if let Value::Object(m) = &mut ctx {
            m.insert(
                "site".into(),
                serde_json::json!({
                    "name": self.config.registry_name,
                    "public_url": self.config.public_url,
                    "tile_url": self.config.tile_url,
                    "tile_attribution": self.config.tile_attribution,
                    "version": env!("CARGO_PKG_VERSION"),
                }),
            );
        }
        Ok(self
            .env
            .get_template(name)?
            .render(minijinja::value::Serde(&ctx))?)
    }

    /// The page for `err`.
    pub fn error_page(&self, err: &PageError) -> Response {
        let (status, title) = match err {
            PageError::NotFound(_) => (StatusCode::NOT_FOUND, "Not found"),
            PageError::Invalid(_) => (StatusCode::BAD_REQUEST, "That request cannot be answered"),
            PageError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "The registry is not ready yet",
            ),
            PageError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong"),
        };
        if status.is_server_error() {
            tracing::error!(target: "ogcr::explorer", error = %err, "page failed");
        }
        let ctx = serde_json::json!({ "title": title, "message": err.to_string(), "status": status.as_u16() });
        let html = self.render("error.html", ctx).unwrap_or_else(|e| {
            format!(
                "<!doctype html><html lang=\"en\"><title>{title}</title><main><h1>{title}</h1><p>{}</p></main></html>",
                render::escape(&format!("{err} ({e})"))
            )
        });
        html_response(status, html)
    }
}

/// An HTML answer whose body the API's error layer leaves alone.
pub(crate) fn html_response(status: StatusCode, html: String) -> Response {
    let mut resp = (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response();
    resp.extensions_mut().insert(ogcr_api::Rendered);
    resp
}
