//! `api_bench`: the read API under load over an N-project registry. Builds the database (the
//! `ogcr-workload` registry generated on a fresh anvil, indexed with the ogcr indexer into
//! SQLite, or PostgreSQL with `--postgres`) unless `--db` or `--postgres` names one that
//! already has projects, serves it in-process exactly as `ogcr serve --rate-limit 0` does
//! (`ogcr_api::router` + `ogcr_api::serve` on a runtime of its own), then loads each list
//! route for a fixed time with C keep-alive connections and prints req/s, p50 and p99 per
//! route and the ratio to the static `/docs` page measured in the same run (the HTTP layer's
//! ceiling on this machine).
//!
//! `cargo run --release -p ogcr-bench --bin api_bench -- --projects 1000 --seconds 10`
//!
//! The figures are printed, not asserted: this is a benchmark, not a test. The load client
//! runs on the main thread (one core's worth), the server on a multi-threaded runtime, both on
//! the same machine — as wrk beside `ogcr serve` would.

/// mimalloc rather than glibc's malloc: the server allocates per row and per response on
/// every worker thread, where glibc's arenas contend.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use anyhow::{Context, bail, ensure};
use clap::Parser;
use http_body_util::{BodyExt, Empty};
use hyper::{Request, body::Bytes, header};
use hyper_util::rt::TokioIo;
use ogcr_store::Store;
use ogcr_workload::RegistryOptions;

/// Building the database.
mod build;
/// The load client.
mod load;

use load::{Figures, Target};

/// Read-API throughput and latency per route, against the static-page ceiling.
#[derive(Debug, Parser)]
struct Args {
    /// Projects to generate when the database is built.
    #[arg(long, default_value_t = 1_000)]
    projects: usize,
    /// Concurrent keep-alive connections of the load client.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Seconds of load per route.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// SQLite database file: reused when it has projects, built into otherwise (default: a
    /// temporary file).
    #[arg(long)]
    db: Option<PathBuf>,
    /// PostgreSQL database URL instead of SQLite: reused when it has projects, built into
    /// otherwise.
    #[arg(long, env = "OGCR_BENCH_POSTGRES_URL", conflicts_with = "db")]
    postgres: Option<String>,
    /// Transactions per mined block while generating.
    #[arg(long, default_value_t = 250)]
    txs_per_block: usize,
    /// The anvil binary (default: the workspace's npm toolchain).
    #[arg(long)]
    anvil: Option<PathBuf>,
    /// Load only the routes whose name contains one of these (comma-separated), e.g.
    /// `--routes cursor,/credits`; the static ceiling is always measured.
    #[arg(long, value_delimiter = ',')]
    routes: Vec<String>,
    /// Serve without the answer cache (`ogcr serve --answer-cache-mb 0`): every request
    /// computes its answer, as a first visit after new data does.
    #[arg(long)]
    no_answer_cache: bool,
}

/// One GET, for discovery: status and body.
async fn get(addr: SocketAddr, path: &str) -> anyhow::Result<(u16, serde_json::Value)> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let req = Request::get(path)
        .header(header::HOST, addr.to_string())
        .body(Empty::<Bytes>::new())?;
    let resp = send.send_request(req).await?;
    let status = resp.status().as_u16();
    let body = resp.into_body().collect().await?.to_bytes();
    let json = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    Ok((status, json))
}

/// Percent-encodes a query value.
fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The deep page's offset, the cursor of the same page, and the project ids seen walking
/// there by cursor.
async fn discover(addr: SocketAddr) -> anyhow::Result<(i64, i64, String, Vec<String>)> {
    let (status, first) = get(addr, "/projects?limit=50").await?;
    ensure!(status == 200, "/projects answered {status}: {first}");
    let total = first["pagination"]["total"]
        .as_i64()
        .context("/projects has no pagination.total")?;
    ensure!(
        total > 50,
        "the database has {total} projects; the bench needs more than 50"
    );
    let deep = (total * 19 / 20) / 50 * 50;
    let mut ids = Vec::new();
    let mut page = first;
    let mut cursor = String::new();
    for _ in 0..deep / 50 {
        ids.extend(
            page["data"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p["id"].as_str().map(str::to_owned)),
        );
        cursor = page["pagination"]["next_cursor"]
            .as_str()
            .context("a /projects page has no next_cursor")?
            .to_owned();
        let (status, next) = get(
            addr,
            &format!("/projects?limit=50&cursor={}", encode(&cursor)),
        )
        .await?;
        ensure!(
            status == 200,
            "/projects by cursor answered {status}: {next}"
        );
        page = next;
    }
    Ok((total, deep, cursor, ids))
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn line(route: &str, f: &Figures, ceiling: f64) -> String {
    format!(
        "{route:<44} {:>9.1} {:>10} {:>10} {:>7} {:>8} {:>8.4}",
        f.rate(),
        ms(f.p50),
        ms(f.p99),
        f.errors,
        f.mean_bytes,
        f.rate() / ceiling
    )
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let anvil = args.anvil.clone().unwrap_or_else(|| {
        PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../node_modules/.bin/anvil"
        ))
    });
    let tmp = tempfile::tempdir().context("creating a temporary directory")?;
    let (url, file) = match (&args.postgres, &args.db) {
        (Some(url), _) => (url.clone(), None),
        (None, Some(path)) => (format!("sqlite://{}", path.display()), Some(path.clone())),
        (None, None) => {
            let path = tmp.path().join("api_bench.db");
            (format!("sqlite://{}", path.display()), Some(path))
        }
    };

    // The server's runtime, as `ogcr serve` builds it (one worker per core).
    let server = tokio::runtime::Runtime::new().context("starting the server runtime")?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (addr, projects) = server.block_on(async {
        let store = Store::connect(&url)
            .await
            .with_context(|| format!("opening {url}"))?;
        let mut counts = store.counts().await?;
        if counts.projects == 0 {
            let opts = RegistryOptions {
                projects: args.projects,
                txs_per_block: args.txs_per_block,
                ..RegistryOptions::default()
            };
            build::build(&store, &opts, &anvil).await?;
            counts = store.counts().await?;
        } else {
            println!("reusing       {url}");
        }
        println!(
            "database      {} projects, {} reports, {} tokens, {} transfers, {} retirements, {} \
             events{}",
            counts.projects,
            counts.mrv_reports,
            counts.tokens,
            counts.transfers,
            counts.retirements,
            counts.events,
            file.as_ref()
                .and_then(|f| std::fs::metadata(f).ok())
                .map(|m| format!(", SQLite {:.1} MB", m.len() as f64 / 1e6))
                .unwrap_or_default()
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let metrics = ogcr_indexer::metrics::handle();
        let config = ogcr_api::ApiConfig {
            public_url: format!("http://{addr}"),
            rate_limit: None,
            metrics: Some(Arc::new(move || metrics.render())),
            limits: ogcr_api::Limits {
                answer_cache_bytes: if args.no_answer_cache {
                    0
                } else {
                    ogcr_api::Limits::default().answer_cache_bytes
                },
                ..ogcr_api::Limits::default()
            },
            export: ogcr_export::ExportConfig::default(),
        };
        let app = ogcr_api::router(store, config);
        tokio::spawn(ogcr_api::serve(listener, app, async {
            let _ = stop_rx.await;
        }));
        Ok::<_, anyhow::Error>((addr, counts.projects))
    })?;

    // The load client on this thread.
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the client runtime")?;
    client.block_on(async {
        let (total, deep, cursor, ids) = discover(addr).await?;
        ensure!(
            total == projects,
            "/projects counts {total} projects, the store {projects}"
        );
        let fixed = |p: &str| (p.to_owned(), Target::Fixed(p.to_owned()));
        let routes = vec![
            fixed("/projects?limit=50"),
            fixed(&format!("/projects?limit=50&offset={deep}")),
            (
                format!("/projects?limit=50&cursor=<page {}>", deep / 50 + 1),
                Target::Fixed(format!("/projects?limit=50&cursor={}", encode(&cursor))),
            ),
            (
                "/projects/{random id}".to_owned(),
                Target::OneOf {
                    prefix: "/projects/".into(),
                    ids: Arc::new(ids),
                },
            ),
            (
                "/projects?limit=50&offset={random}".to_owned(),
                Target::OneOf {
                    prefix: "/projects?limit=50&offset=".into(),
                    ids: Arc::new((0..total - 50).map(|o| o.to_string()).collect()),
                },
            ),
            fixed("/credits?limit=100"),
            fixed("/events?limit=100"),
            fixed("/cadt/v2/unit?page=1&limit=100"),
            fixed("/health"),
            fixed("/openapi.json"),
        ];
        let time = Duration::from_secs(args.seconds);
        println!(
            "load          {} connections, {} s per route, server http://{addr}",
            args.connections, args.seconds
        );
        let ceiling = load::run(
            addr,
            &Target::Fixed("/docs/".into()),
            args.connections,
            time,
        )
        .await?;
        ensure!(ceiling.requests > 0, "/docs/ answered nothing");
        println!(
            "{:<44} {:>9} {:>10} {:>10} {:>7} {:>8} {:>8}",
            "route", "req/s", "p50", "p99", "errors", "bytes", "x /docs"
        );
        println!(
            "{}",
            line("/docs/ (static: the ceiling)", &ceiling, ceiling.rate())
        );
        let wanted = |name: &str| {
            args.routes.is_empty() || args.routes.iter().any(|r| name.contains(r.as_str()))
        };
        for (name, target) in routes.into_iter().filter(|(name, _)| wanted(name)) {
            if let Target::Fixed(path) = &target {
                let (status, body) = get(addr, path).await?;
                if status != 200 {
                    bail!("{path} answered {status}: {body}");
                }
            }
            let f = load::run(addr, &target, args.connections, time).await?;
            println!("{}", line(&name, &f, ceiling.rate()));
        }
        Ok::<_, anyhow::Error>(())
    })?;
    let _ = stop_tx.send(());
    server.shutdown_timeout(Duration::from_secs(5));
    Ok(())
}
