//! The OGCR write API (OGCR §4.2–4.5): every registry action over HTTP — registering and
//! revising projects, their validation, monitoring reports and their verification (directly
//! or by relaying a verifier's EIP-712 attestation), issuing, transferring, splitting,
//! retiring and cancelling CRUs — backed by the chain.
//!
//! A request authenticates with an API key ([`auth`]) or an OAuth 2.0 access token ([`oauth`]: the
//! registry's own authorization server, or an external issuer) that belongs to an organization and
//! carries scopes; the organization's on-chain role is checked against the indexed roles, the body
//! against the OGCR schemas and the registry's indexed state, all before anything is signed. An
//! accepted request becomes a persistent task ([`engine`]) signed with the organization's account
//! ([`orgs`]) and answered `202 Accepted` with `Location: /tasks/{id}`; `Prefer: wait=N` waits for
//! the indexed result instead. `Idempotency-Key` makes a retry safe, and every authorization
//! decision lands in the append-only audit log. Organizations subscribe to lifecycle events with
//! [`webhooks`], delivered signed once final.

use std::{path::PathBuf, sync::Arc, time::Duration};

use axum::{
    Router,
    routing::{get, post},
};
use ogcr_store::Store;

/// API keys, scopes and the authenticated principal.
pub mod auth;
/// The task engine: per-account senders and the indexing watcher.
pub mod engine;
/// The error type.
pub mod error;
/// The OAuth 2.0 authorization server and access-token verification.
pub mod oauth;
/// The write routes' OpenAPI paths and schemas.
pub mod openapi;
/// Registry operations as contract calls.
pub mod ops;
/// Organizations and their signing accounts.
pub mod orgs;
/// Who is calling, for the rate limits per class.
pub mod ratelimit;
/// The route handlers.
pub mod routes;
/// Webhooks: event types, signatures, SSRF checks and the delivery worker.
pub mod webhooks;

pub use auth::{Principal, Scope, generate_key};
pub use engine::Engine;
pub use error::{Error, Result};
pub use ops::Operation;
pub use orgs::Organizations;

/// How the write API behaves.
#[derive(Debug, Clone)]
pub struct WriteConfig {
    /// The URL clients reach the API at, without a trailing slash.
    pub public_url: String,
    /// Where PDD and MRV documents are stored content-addressed (the directory the indexer
    /// resolves `ogcr://sha256/…` URIs from).
    pub documents_dir: PathBuf,
    /// The longest `Prefer: wait` honoured.
    pub max_wait: Duration,
    /// Allow webhooks to loopback, private, link-local and other non-public addresses, and
    /// over plain `http` (tests and local demos). Off, such URLs are refused when registered
    /// and again at delivery. [`WriteState::new`] hands it to the engine's delivery worker.
    pub allow_private_webhooks: bool,
}

/// What every write handler can reach.
#[derive(Clone)]
pub struct WriteState {
    /// The database (indexed state, keys, tasks, audit log).
    pub store: Store,
    /// The task engine.
    pub engine: Arc<Engine>,
    /// The read API, to answer `Prefer: wait` with the resource as it reads.
    pub read: Router,
    /// Configuration.
    pub config: Arc<WriteConfig>,
    /// Serialises the issuing of project ids.
    pub(crate) issue_lock: Arc<tokio::sync::Mutex<()>>,
    /// The OAuth server's configuration and caches ([`WriteState::with_oauth`]).
    pub oauth: Arc<oauth::OAuthState>,
}

impl std::fmt::Debug for WriteState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteState")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl WriteState {
    /// State over `store` and `engine`; `read` is the read API's router.
    pub fn new(store: Store, engine: Arc<Engine>, read: Router, config: WriteConfig) -> Self {
        engine.allow_private_webhooks(config.allow_private_webhooks);
        WriteState {
            store,
            engine,
            read,
            config: Arc::new(config),
            issue_lock: Arc::default(),
            oauth: Arc::default(),
        }
    }

    /// The same state with the OAuth server configured by `config` (token lifetimes, an
    /// external issuer); without it the defaults of [`oauth::OAuthConfig`] apply.
    pub fn with_oauth(mut self, config: oauth::OAuthConfig) -> Self {
        self.oauth = Arc::new(oauth::OAuthState::new(config));
        self
    }

    /// `path` under the public URL.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.public_url.trim_end_matches('/'))
    }
}

/// The write routes and their OpenAPI part, to merge into the read API.
pub fn extra(state: WriteState) -> ogcr_api::Extra {
    ogcr_api::Extra {
        routes: router(state),
        openapi: oauth::openapi::extend(openapi::openapi()),
    }
}

/// The write routes (merge them into the read API with `ogcr_api::router_with`).
pub fn router(state: WriteState) -> Router {
    use routes::{credits, misc, monitoring, projects, webhooks};
    Router::new()
        .route("/projects", post(projects::create))
        .route(
            "/projects/{project_id}",
            axum::routing::put(projects::update),
        )
        .route("/projects/{project_id}/submit", post(projects::submit))
        .route("/projects/{project_id}/review", post(projects::review))
        .route("/projects/{project_id}/approve", post(projects::approve))
        .route("/projects/{project_id}/reject", post(projects::reject))
        .route("/projects/{project_id}/archive", post(projects::archive))
        .route(
            "/projects/{project_id}/monitoring",
            post(monitoring::submit),
        )
        .route(
            "/projects/{project_id}/monitoring/{mrv_id}/verify",
            post(monitoring::verify),
        )
        .route(
            "/projects/{project_id}/monitoring/{mrv_id}/reject",
            post(monitoring::reject),
        )
        .route("/credits/issue", post(credits::issue))
        .route("/credits/transfer", post(credits::transfer))
        .route("/credits/{credit_id}/split", post(credits::split))
        .route("/credits/{credit_id}/retire", post(credits::retire))
        .route("/credits/{credit_id}/cancel", post(credits::cancel))
        .route("/tasks/{task_id}", get(misc::task))
        .route("/documents/{sha256}", get(misc::document))
        .route("/audit", get(misc::audit))
        .route("/webhooks", post(webhooks::create).get(webhooks::list))
        .route(
            "/webhooks/{webhook_id}",
            get(webhooks::show).delete(webhooks::delete),
        )
        .route(
            "/webhooks/{webhook_id}/deliveries",
            get(webhooks::deliveries),
        )
        .route("/webhooks/{webhook_id}/enable", post(webhooks::enable))
        .route(
            "/oauth/authorize",
            get(oauth::authorize::authorize_page).post(oauth::authorize::authorize_submit),
        )
        .route("/oauth/token", post(oauth::routes::token_endpoint))
        .route("/oauth/revoke", post(oauth::routes::revoke_endpoint))
        .route(
            "/.well-known/oauth-authorization-server",
            get(oauth::routes::metadata),
        )
        .route("/.well-known/jwks.json", get(oauth::routes::jwks))
        .with_state(state)
}
