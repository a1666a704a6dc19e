//! `ogcr serve`: the read API over the indexer's database.

use anyhow::{Context, Result};
use clap::Args;
use ogcr_store::Store;

use crate::{Outcome, index::DatabaseArgs};

/// Serve the OGCR read API over the indexer's database.
///
/// Read-only: run `ogcr index` beside it (same --database-url) to keep the data current; any
/// number of API processes may serve one database. Routes: /projects, /projects/{id},
/// /projects/{id}/history, /projects/{id}/monitoring[/{mrvId}], /credits[/{id}],
/// /retirements, /events, the CAD Trust v2.0.2 tables at /cadt/v2/{table}, the Article 6
/// AEF tables at /aef/{table}, /health, /metrics, /openapi.json and a docs page at /docs.
///
/// Examples:
///
///   ogcr serve
///   ogcr serve --port 9000 --database-url postgres://ogcr@localhost/ogcr
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
    /// Requests per second allowed per client address (0: no limit).
    #[arg(long, default_value_t = 50.0)]
    pub(crate) rate_limit: f64,
    /// Requests a client may burst above the rate.
    #[arg(long, default_value_t = 100)]
    pub(crate) rate_burst: u32,
    /// Export configuration (TOML, as `ogcr export --config`) for /cadt/v2 and /aef: bodies,
    /// stakeholder names, countries, Article 6 parameters. Record links point at the public
    /// URL unless the file sets `base_url`.
    #[arg(long, env = "OGCR_EXPORT_CONFIG", value_name = "FILE")]
    pub(crate) export_config: Option<std::path::PathBuf>,
}

impl ApiArgs {
    /// Binds the listener and builds the router over `store`; returns them with the public URL.
    pub(crate) async fn bind(
        &self,
        store: Store,
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
        let config = ogcr_api::ApiConfig {
            public_url: public_url.clone(),
            rate_limit: (self.rate_limit > 0.0).then_some((self.rate_limit, self.rate_burst)),
            metrics: Some(std::sync::Arc::new(move || metrics.render())),
            export,
        };
        Ok((listener, ogcr_api::router(store, config), public_url))
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
        let (listener, app, url) = args.api.bind(store.clone()).await?;
        eprintln!(
            "serving {} at {url}  (docs: {url}/docs, Ctrl-C to stop)",
            store.url()
        );
        ogcr_api::serve(listener, app, async {
            let _ = tokio::signal::ctrl_c().await;
            eprintln!("stopping");
        })
        .await
        .context("serving the API")?;
        store.close().await;
        Ok(Outcome::Success)
    })
}
