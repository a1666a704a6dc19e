//! `ogcr serve`: the read API over the indexer's database.

use anyhow::{Context, Result};
use clap::Args;
use ogcr_store::Store;

use crate::{Outcome, index::DatabaseArgs};

/// Serve the OGCR API over the indexer's database: reads, and with --organizations writes.
///
/// Run `ogcr index` beside it (same --database-url) to keep the data current; any number of
/// read-only API processes may serve one database. With --organizations FILE and --rpc-url the
/// write API is on too: registry actions over HTTP, authenticated by API keys (`ogcr keys`),
/// signed with each organization's account and tracked as tasks (/tasks/{id}); run it in one
/// process per database, since it owns the organizations' nonces. Routes: /projects, /projects/{id},
/// /projects/{id}/history, /projects/{id}/monitoring[/{mrvId}], /credits[/{id}],
/// /retirements, /events, the CAD Trust v2.0.2 tables at /cadt/v2/{table}, the Article 6
/// AEF tables at /aef/{table}, /health, /metrics, /openapi.json and a docs page at /docs.
///
/// Examples:
///
///   ogcr serve
///   ogcr serve --port 9000 --database-url postgres://ogcr@localhost/ogcr
///   ogcr serve --organizations organizations.toml --rpc-url "$SEPOLIA_RPC_URL"
///   curl -s 'http://127.0.0.1:8080/projects?status=approved&limit=5'
///   curl -s 'http://127.0.0.1:8080/events?event=MRVVerified,CRURetired'
///   curl -s 'http://127.0.0.1:8080/cadt/v2/unit?page=1&limit=100'
///   curl -s 'http://127.0.0.1:8080/aef/aef_t3_actions?party=KE&year=2026&page=1&limit=100'
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    #[command(flatten)]
    api: ApiArgs,
    #[command(flatten)]
    write: WriteArgs,
}

/// Options of the write API of `ogcr serve`.
#[derive(Debug, Clone, Args)]
pub(crate) struct WriteArgs {
    /// Serve the write API too: the registry's organizations and the on-chain account each
    /// signs with (TOML; keystore + password variable, or a key variable for development).
    /// See docs/api.md.
    #[arg(long, env = "OGCR_ORGANIZATIONS", value_name = "FILE")]
    organizations: Option<std::path::PathBuf>,
    /// The chain the write API sends through (required with --organizations).
    #[arg(long, env = "OGCR_RPC_URL")]
    rpc_url: Option<String>,
    /// Directory of deployment manifests (`<chain-id>.json`).
    #[arg(long, env = "OGCR_MANIFEST_DIR", default_value = "deploy")]
    manifest_dir: std::path::PathBuf,
    /// Where submitted PDD and MRV documents are stored (the indexer reads them there).
    #[arg(long, env = "OGCR_DOCS_DIR", default_value = "ogcr-documents")]
    documents_dir: std::path::PathBuf,
    /// Blocks on top of a write's block before its task counts as confirmed.
    #[arg(long, default_value_t = 0)]
    confirmations: u64,
    /// Let organizations register webhooks to loopback, private and link-local addresses and
    /// over plain http (local development and tests only: it opens the server to SSRF).
    #[arg(long, env = "OGCR_ALLOW_PRIVATE_WEBHOOKS")]
    allow_private_webhooks: bool,
    /// Accept the access tokens of this external OAuth 2.0 issuer (Keycloak, Entra ID, Auth0,
    /// another ogcr) besides the registry's own: the exact `iss` of its tokens. Needs
    /// --oauth-jwks-url.
    #[arg(
        long,
        env = "OGCR_OAUTH_ISSUER",
        value_name = "URL",
        requires = "oauth_jwks_url"
    )]
    oauth_issuer: Option<String>,
    /// The external issuer's JWKS (cached; fetched again when a token names an unknown key).
    #[arg(
        long,
        env = "OGCR_OAUTH_JWKS_URL",
        value_name = "URL",
        requires = "oauth_issuer"
    )]
    oauth_jwks_url: Option<String>,
    /// The `aud` the external issuer's tokens must carry [default: not checked].
    #[arg(long, env = "OGCR_OAUTH_AUDIENCE", requires = "oauth_issuer")]
    oauth_audience: Option<String>,
    /// The external token's claim naming the organization it acts for.
    #[arg(long, env = "OGCR_OAUTH_ORG_CLAIM", default_value = "org")]
    oauth_org_claim: String,
    /// The external token's claim with its scopes (a space-separated string or an array, e.g.
    /// `scope`, `scp`, `permissions`); names that are not ogcr scopes are ignored.
    #[arg(long, env = "OGCR_OAUTH_SCOPE_CLAIM", default_value = "scope")]
    oauth_scope_claim: String,
    /// Lifetime of the registry's own access tokens, in seconds.
    #[arg(
        long,
        env = "OGCR_OAUTH_ACCESS_TTL",
        default_value_t = 600,
        value_name = "SECONDS"
    )]
    oauth_access_ttl: u64,
    /// Lifetime of a refresh token, in seconds (every use rotates it).
    #[arg(long, env = "OGCR_OAUTH_REFRESH_TTL", default_value_t = 30 * 86_400, value_name = "SECONDS")]
    oauth_refresh_ttl: u64,
}

impl WriteArgs {
    /// The OAuth server's configuration of the options.
    pub(crate) fn oauth_config(&self) -> Result<ogcr_write::oauth::OAuthConfig> {
        if !(60..=86_400).contains(&self.oauth_access_ttl) {
            anyhow::bail!("--oauth-access-ttl must be between 60 and 86400 seconds");
        }
        if self.oauth_refresh_ttl < self.oauth_access_ttl {
            anyhow::bail!("--oauth-refresh-ttl must be at least --oauth-access-ttl");
        }
        let external = match (&self.oauth_issuer, &self.oauth_jwks_url) {
            (Some(issuer), Some(jwks)) => {
                let u = reqwest_url(jwks)?;
                let mut e = ogcr_write::oauth::ExternalIssuer::new(issuer.clone(), u);
                e.audience = self.oauth_audience.clone();
                e.org_claim = self.oauth_org_claim.clone();
                e.scope_claim = self.oauth_scope_claim.clone();
                Some(e)
            }
            _ => None,
        };
        Ok(ogcr_write::oauth::OAuthConfig {
            access_ttl: std::time::Duration::from_secs(self.oauth_access_ttl),
            refresh_ttl: std::time::Duration::from_secs(self.oauth_refresh_ttl),
            external,
            ..ogcr_write::oauth::OAuthConfig::default()
        })
    }
}

/// `url` when it is an http(s) URL.
fn reqwest_url(url: &str) -> Result<String> {
    match url.split_once("://") {
        Some(("https" | "http", rest)) if !rest.is_empty() => Ok(url.to_owned()),
        _ => anyhow::bail!("--oauth-jwks-url {url:?} is not an http(s) URL"),
    }
}

/// The write API's engine over `store`, sending to the deployment in `manifest` through
/// `rpc_url` with the organizations' accounts.
// Each argument is one setting of `ogcr serve` or `ogcr up`; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn writes(
    rpc_url: &str,
    manifest: ogcr_client::Manifest,
    orgs: ogcr_write::Organizations,
    documents_dir: std::path::PathBuf,
    store: &Store,
    confirmations: u64,
    allow_private_webhooks: bool,
    oauth: ogcr_write::oauth::OAuthConfig,
) -> Result<Writes> {
    if let Some(cs) = store.chain_state().await?
        && !cs.project_registry.eq_ignore_ascii_case(&format!(
            "{:#x}",
            manifest.contracts.project_registry.address
        ))
    {
        anyhow::bail!(
            "{} indexes the deployment with ProjectRegistry {}, but the manifest names {}: the \
             write API must send to the contracts the database follows",
            store.url(),
            cs.project_registry,
            manifest.contracts.project_registry.address
        );
    }
    let provider = ogcr_client::registry::connect_provider(rpc_url, None).await?;
    ogcr_client::registry::check_chain(
        &provider,
        manifest.chain_id,
        "the deployment manifest's chain",
    )
    .await?;
    let policy = ogcr_client::TxPolicy {
        confirmations,
        ..ogcr_client::TxPolicy::default()
    };
    let engine = ogcr_write::Engine::new(store.clone(), provider, manifest, orgs, policy);
    Ok(Writes {
        engine: std::sync::Arc::new(engine),
        documents_dir,
        allow_private_webhooks,
        oauth,
    })
}

/// Options of the HTTP API (shared with `ogcr up`).
#[derive(Debug, Clone, Args)]
pub(crate) struct ApiArgs {
    /// Address to listen on.
    #[arg(long, env = "OGCR_API_HOST", default_value = "127.0.0.1")]
    pub(crate) host: String,
    /// Port to listen on (0: any free port).
    #[arg(long, env = "OGCR_API_PORT", default_value_t = 8080)]
    pub(crate) port: u16,
    /// URL clients reach the API at, for absolute links in answers [default: http://HOST:PORT].
    #[arg(long, env = "OGCR_PUBLIC_URL")]
    pub(crate) public_url: Option<String>,
    /// Requests per second allowed per client address for anonymous clients — the public (0:
    /// no limit for anyone). Every answer says where the caller stands: X-RateLimit-Limit,
    /// -Remaining, -Reset; a refused request gets 429 with Retry-After.
    #[arg(
        long,
        env = "OGCR_RATE_LIMIT",
        default_value_t = 50.0,
        value_name = "PER_SECOND"
    )]
    pub(crate) rate_limit: f64,
    /// Requests an anonymous client may send at once (the bucket's size).
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub(crate) rate_burst: u32,
    /// Requests per second per organization calling with an API key or OAuth token (write API
    /// on; counted per organization, whatever its address).
    #[arg(long, default_value_t = 100.0, value_name = "PER_SECOND")]
    pub(crate) rate_limit_org: f64,
    /// Burst of an organization.
    #[arg(long, default_value_t = 200, value_name = "N")]
    pub(crate) rate_burst_org: u32,
    /// Requests per second per organization holding the registry_operator or administrator
    /// role on chain.
    #[arg(long, default_value_t = 500.0, value_name = "PER_SECOND")]
    pub(crate) rate_limit_operator: f64,
    /// Burst of an operator's organization.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub(crate) rate_burst_operator: u32,
    /// Serve Prometheus metrics at http://ADDR/metrics instead of on the API's /metrics (keep
    /// them off the public address).
    #[arg(long, env = "OGCR_METRICS_ADDR", value_name = "ADDR")]
    pub(crate) metrics_addr: Option<String>,
    /// Export configuration (TOML, as `ogcr export --config`) for /cadt/v2 and /aef: bodies,
    /// stakeholder names, countries, Article 6 parameters. Record links point at the public
    /// URL unless the file sets `base_url`.
    #[arg(long, env = "OGCR_EXPORT_CONFIG", value_name = "FILE")]
    pub(crate) export_config: Option<std::path::PathBuf>,
    /// Memory for reusing whole read answers until the indexed data changes (MiB; 0: compute
    /// every answer). An answer is reused only while the database's data revision is the one
    /// it was computed at, whichever process wrote the database.
    #[arg(
        long,
        env = "OGCR_ANSWER_CACHE_MB",
        default_value_t = 64,
        value_name = "MIB"
    )]
    pub(crate) answer_cache_mb: u64,
    /// Serve the API only: no explorer pages for browsers (a browser then gets the JSON too).
    #[arg(long, env = "OGCR_NO_EXPLORER")]
    pub(crate) no_explorer: bool,
    /// Map tiles drawn under the explorer's maps, as a URL template
    /// (`https://tile.example/{z}/{x}/{y}.png`); without one the maps draw the bundled world
    /// borders only and need no network.
    #[arg(long, env = "OGCR_TILE_URL", value_name = "URL")]
    pub(crate) tile_url: Option<String>,
    /// Attribution shown with --tile-url (the tile provider's terms usually require one).
    #[arg(long, env = "OGCR_TILE_ATTRIBUTION", value_name = "TEXT")]
    pub(crate) tile_attribution: Option<String>,
}

/// The write API's engine and where its documents go (`None` serves the read API only).
pub(crate) struct Writes {
    pub(crate) engine: std::sync::Arc<ogcr_write::Engine>,
    pub(crate) documents_dir: std::path::PathBuf,
    pub(crate) allow_private_webhooks: bool,
    /// The OAuth server's configuration (`WriteArgs::oauth_config`).
    pub(crate) oauth: ogcr_write::oauth::OAuthConfig,
}

impl ApiArgs {
    /// The rate limits of the options (`None` with --rate-limit 0); organizations and
    /// operators are told apart only when the write API (which authenticates them) is on.
    fn rate_limits(&self, store: &Store, writes: Option<&Writes>) -> Option<ogcr_api::RateLimits> {
        if self.rate_limit <= 0.0 {
            return None;
        }
        let class = |per_second, burst| ogcr_api::RateClass { per_second, burst };
        Some(ogcr_api::RateLimits {
            public: class(self.rate_limit, self.rate_burst),
            organization: class(self.rate_limit_org, self.rate_burst_org),
            operator: class(self.rate_limit_operator, self.rate_burst_operator),
            classifier: writes
                .map(|w| ogcr_write::ratelimit::classifier(store.clone(), w.engine.clone())),
        })
    }

    /// Binds the listener and builds the router over `store` (with the write routes when
    /// `writes` is given, the explorer's pages unless --no-explorer; `rpc_url` is the chain
    /// the explorer's certificate check reads); returns them with the public URL.
    pub(crate) async fn bind(
        &self,
        store: Store,
        writes: Option<&Writes>,
        rpc_url: Option<&str>,
    ) -> Result<(tokio::net::TcpListener, axum::Router, String)> {
        let addr = format!("{}:{}", self.host, self.port);
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .with_context(|| {
                format!(
                    "listening on {addr} (is another server using the port? choose one with --port)"
                )
            })?;
        let bound = listener.local_addr()?;
        let public_url = self
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"))
            .trim_end_matches('/')
            .to_owned();
        let export = match &self.export_config {
            Some(path) => ogcr_export::ExportConfig::load(path)?,
            None => ogcr_export::ExportConfig::default(),
        };
        let metrics = ogcr_indexer::metrics::handle();
        let on_api = match &self.metrics_addr {
            Some(addr) => {
                let bound = ogcr_indexer::metrics::serve(addr).await?;
                eprintln!("metrics   http://{bound}/metrics");
                false
            }
            None => true,
        };
        let pages = (!self.no_explorer).then(|| {
            let mut cfg = ogcr_explorer::ExplorerConfig::new(&public_url, &export);
            cfg.rpc_url = rpc_url.map(str::to_owned);
            cfg.tile_url = self.tile_url.clone();
            cfg.tile_attribution = self.tile_attribution.clone();
            if let Some(w) = writes {
                for (_, org) in w.engine.orgs().iter() {
                    cfg.names
                        .entry(format!("{:#x}", org.address))
                        .or_insert_with(|| org.name.clone());
                }
            }
            cfg
        });
        let config = ogcr_api::ApiConfig {
            public_url: public_url.clone(),
            rate_limit: self.rate_limits(&store, writes),
            limits: ogcr_api::Limits {
                answer_cache_bytes: self.answer_cache_mb << 20,
                ..ogcr_api::Limits::default()
            },
            metrics: on_api.then(|| -> ogcr_api::MetricsRender {
                std::sync::Arc::new(move || metrics.render())
            }),
            export,
        };
        // The explorer's and the write API's own reads: the same API, without the per-client
        // rate limit (the request that caused them was limited already).
        let internal = || {
            ogcr_api::router(
                store.clone(),
                ogcr_api::ApiConfig {
                    rate_limit: None,
                    metrics: None,
                    ..config.clone()
                },
            )
        };
        let pages = pages.map(|cfg| ogcr_explorer::pages(store.clone(), internal(), cfg));
        let app = match writes {
            None => ogcr_api::router_full(store, config, None, pages),
            Some(w) => {
                let read = internal();
                let state = ogcr_write::WriteState::new(
                    store.clone(),
                    w.engine.clone(),
                    read,
                    ogcr_write::WriteConfig {
                        public_url: public_url.clone(),
                        documents_dir: w.documents_dir.clone(),
                        max_wait: std::time::Duration::from_secs(120),
                        allow_private_webhooks: w.allow_private_webhooks,
                    },
                )
                .with_oauth(w.oauth.clone());
                ogcr_api::router_full(store, config, Some(ogcr_write::extra(state)), pages)
            }
        };
        Ok((listener, app, public_url))
    }
}

pub(crate) fn serve(args: ServeArgs) -> Result<Outcome> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let store = Store::connect(&args.db.database_url)
            .await
            .with_context(|| format!("opening the database {}", args.db.database_url))?;
        if store.chain_state().await?.is_none() {
            eprintln!(
                "note: {} has not been indexed yet; run `ogcr index` with the same --database-url",
                store.url()
            );
        }
        let w = &args.write;
        let writes = match (&w.organizations, &w.rpc_url) {
            (None, _) => None,
            (Some(_), None) => anyhow::bail!(
                "--organizations serves the write API, which sends transactions: give --rpc-url too"
            ),
            (Some(path), Some(rpc)) => {
                let orgs = ogcr_write::Organizations::load(path, |v| std::env::var(v).ok())?;
                let provider = ogcr_client::registry::connect_provider(rpc, None).await?;
                let chain_id = alloy::providers::Provider::get_chain_id(&provider)
                    .await
                    .with_context(|| format!("reading the chain id of {rpc}"))?;
                let manifest_path = ogcr_client::Manifest::path(&w.manifest_dir, chain_id);
                let manifest = ogcr_client::Manifest::read(&manifest_path)?.with_context(|| {
                    format!(
                        "no deployment of chain {chain_id} in {}",
                        manifest_path.display()
                    )
                })?;
                Some(
                    writes(
                        rpc,
                        manifest,
                        orgs,
                        w.documents_dir.clone(),
                        &store,
                        w.confirmations,
                        w.allow_private_webhooks,
                        w.oauth_config()?,
                    )
                    .await?,
                )
            }
        };
        let (listener, app, url) = args
            .api
            .bind(store.clone(), writes.as_ref(), w.rpc_url.as_deref())
            .await?;
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let workers = match &writes {
            Some(w) => w.engine.start(stop_rx).await?,
            None => Vec::new(),
        };
        eprintln!(
            "serving {} at {url}  ({}docs: {url}/docs, {}Ctrl-C to stop)",
            store.url(),
            if args.api.no_explorer {
                String::new()
            } else {
                format!("explorer: {url}/ in a browser, ")
            },
            if writes.is_some() {
                "write API on, "
            } else {
                "read only, "
            }
        );
        ogcr_api::serve(listener, app, async {
            let why = crate::signals::stop_requested().await;
            eprintln!("{why}: stopping (requests in flight finish first)");
        })
        .await
        .context("serving the API")?;
        let _ = stop_tx.send(true);
        for w in workers {
            let _ = w.await;
        }
        store.close().await;
        Ok(Outcome::Success)
    })
}
