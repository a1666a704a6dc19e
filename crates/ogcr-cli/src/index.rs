//! `ogcr index`: follow the deployment into SQLite or PostgreSQL; `ogcr index status`.

use std::{
    io::IsTerminal as _,
    path::PathBuf,
    time::{Duration, Instant},
};

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use ogcr_indexer::{
    DocumentSources, FetchPolicy, Indexer, IndexerConfig, Progress, Resolver, RpcSource,
};
use ogcr_store::Store;

use crate::{Outcome, chain::ChainArgs};

/// Index the deployment's events into a database (SQLite by default, or PostgreSQL).
///
/// Follows the four contracts of the network's deployment manifest from their deployment
/// block: every event (with decoded arguments) plus projects, PDD versions, MRV reports,
/// CRU tokens, transfers, retirements and role holders. Rows and the checkpoint commit in
/// one transaction, so the indexer can be killed at any moment and resumes exactly where it
/// stopped; chain reorganisations are detected by block hash and rolled back. PDD and MRV
/// documents are fetched from their URIs and checked against the on-chain hashes; mismatches
/// and unreachable documents are reported as integrity problems.
///
/// Examples:
///
///   ogcr index --once                                   # catch up into ./ogcr.db and exit
///   ogcr index --database-url postgres://ogcr@localhost/ogcr --metrics-addr 127.0.0.1:9464
///   ogcr index --network sepolia --confirmations 12 --documents-url https://docs.example.org/ogcr
///   ogcr index status
#[derive(Debug, Args)]
#[command(verbatim_doc_comment, args_conflicts_with_subcommands = true)]
pub(crate) struct IndexArgs {
    #[command(subcommand)]
    action: Option<IndexAction>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Subcommand)]
enum IndexAction {
    /// Where the database stands: checkpoint, row counts, integrity problems.
    ///
    /// Examples:
    ///
    ///   ogcr index status
    ///   ogcr index status --database-url postgres://ogcr@127.0.0.1/ogcr --json
    #[command(verbatim_doc_comment)]
    Status(StatusArgs),
}

/// The database option.
#[derive(Debug, Clone, Args)]
pub(crate) struct DatabaseArgs {
    /// Database: `sqlite://PATH` (or a plain path) or `postgres://USER[:PASSWORD]@HOST[:PORT]/DB`.
    #[arg(long, env = "OGCR_DATABASE_URL", default_value = "sqlite://ogcr.db")]
    pub(crate) database_url: String,
}

#[derive(Debug, Args)]
struct StatusArgs {
    #[command(flatten)]
    db: DatabaseArgs,
}

#[derive(Debug, Args)]
struct RunArgs {
    #[command(flatten)]
    chain: ChainArgs,
    #[command(flatten)]
    db: DatabaseArgs,
    /// Catch up with the chain head, check pending documents, and exit.
    #[arg(long)]
    once: bool,
    /// Blocks to stay behind the head (default: the network's confirmations).
    #[arg(long = "index-confirmations", value_name = "N")]
    index_confirmations: Option<u64>,
    /// Blocks behind the head that keep undo records for reorgs.
    #[arg(long, default_value_t = 128, value_name = "N")]
    reorg_window: u64,
    /// Seconds between polls once caught up (default: the network's block time).
    #[arg(long, value_name = "SECS")]
    poll_interval: Option<f64>,
    /// Block range of the first eth_getLogs request (adapts between 1 and --max-range).
    #[arg(long, default_value_t = 2_000, value_name = "BLOCKS")]
    initial_range: u64,
    /// Largest eth_getLogs block range.
    #[arg(long, default_value_t = 50_000, value_name = "BLOCKS")]
    max_range: u64,
    /// Most events per database transaction.
    #[arg(long, default_value_t = 5_000, value_name = "N")]
    batch_events: usize,
    /// Seconds before an RPC request counts as timed out.
    #[arg(long, default_value_t = 30.0, value_name = "SECS")]
    rpc_timeout: f64,
    /// Directories of content-addressed documents (`<sha256>.json`) for ogcr://sha256/ URIs.
    #[arg(
        long = "documents-dir",
        value_name = "DIR",
        default_value = "ogcr-documents"
    )]
    documents_dirs: Vec<PathBuf>,
    /// Base URLs serving `<base>/<sha256>.json` for ogcr://sha256/ URIs.
    #[arg(long = "documents-url", value_name = "URL")]
    documents_urls: Vec<String>,
    /// Do not read file:// URIs found on chain.
    #[arg(long)]
    no_file_uris: bool,
    /// Serve Prometheus metrics at http://ADDR/metrics.
    #[arg(long, value_name = "ADDR")]
    metrics_addr: Option<String>,
    /// Delete everything indexed so far and start again from the deployment block.
    #[arg(long)]
    reset: bool,
}

/// Runs `ogcr index`.
pub(crate) fn index(args: IndexArgs) -> Result<Outcome> {
    let rt = tokio::runtime::Runtime::new()?;
    match args.action {
        Some(IndexAction::Status(s)) => rt.block_on(status(s)),
        None => rt.block_on(run(args.run)),
    }
}

async fn run(args: RunArgs) -> Result<Outcome> {
    let network = args.chain.network()?;
    let manifest = args.chain.manifest(&network)?;
    let url = args.chain.rpc_url(&network)?;
    let store = Store::connect(&args.db.database_url)
        .await
        .with_context(|| format!("opening the database {}", args.db.database_url))?;
    if args.reset {
        store.reset().await.context("resetting the database")?;
        eprintln!(
            "reset {}: indexing again from block {}",
            store.url(),
            manifest.deployment_block
        );
    }
    if let Some(addr) = &args.metrics_addr {
        let bound = ogcr_indexer::metrics::serve(addr).await?;
        eprintln!("metrics: http://{bound}/metrics");
    } else {
        ogcr_indexer::metrics::handle();
    }
    let provider = ogcr_client::registry::connect_provider(&url, None).await?;
    let source = RpcSource::new(provider, Duration::from_secs_f64(args.rpc_timeout.max(0.1)));
    let mut cfg = IndexerConfig::new(manifest.clone());
    cfg.confirmations = args.index_confirmations.unwrap_or(network.confirmations);
    cfg.reorg_window = args.reorg_window.max(1);
    cfg.poll_interval = Duration::from_secs_f64(
        args.poll_interval
            .unwrap_or(network.block_time_secs as f64)
            .max(0.05),
    );
    cfg.fetch = FetchPolicy {
        initial_range: args.initial_range.max(1),
        max_range: args.max_range.max(1),
        ..FetchPolicy::default()
    };
    cfg.max_batch_logs = args.batch_events.max(1);
    let indexer = Indexer::new(source, store.clone(), cfg)
        .await
        .with_context(|| format!("starting the indexer against {url}"))?;
    let resolver = Resolver::new(DocumentSources {
        dirs: args.documents_dirs.clone(),
        base_urls: args.documents_urls.clone(),
        allow_file_uris: !args.no_file_uris,
        ..DocumentSources::default()
    });
    eprintln!(
        "indexing chain {} (deployment block {}) from {url} into {}",
        manifest.chain_id,
        manifest.deployment_block,
        store.url()
    );

    let mut reporter = Reporter::new();
    let result = if args.once {
        let p = indexer
            .run(true, std::future::pending(), &mut |p| reporter.report(p))
            .await;
        reporter.finish();
        let p = p?;
        let checked = resolver.pass(&store).await?;
        eprintln!(
            "caught up: block {} ({} events stored, {} documents checked)",
            p.checkpoint, p.events, checked
        );
        Ok(())
    } else {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let docs_store = store.clone();
        let mut docs_stop = stop_rx.clone();
        let docs = tokio::spawn(async move {
            resolver
                .run(&docs_store, Duration::from_secs(10), async move {
                    let _ = docs_stop.wait_for(|s| *s).await;
                })
                .await;
        });
        let shutdown = async {
            let why = crate::signals::stop_requested().await;
            eprintln!(
                "\n{why}: stopping; the checkpoint is committed, `ogcr index` resumes from it"
            );
        };
        let p = indexer
            .run(false, shutdown, &mut |p| reporter.report(p))
            .await;
        let _ = stop_tx.send(true);
        let _ = docs.await;
        p.map(|_| ())
    };
    result?;
    print_problems(&store).await?;
    store.close().await;
    Ok(Outcome::Success)
}

async fn print_problems(store: &Store) -> Result<()> {
    let problems = store.document_problems().await?;
    for d in &problems {
        eprintln!(
            "integrity problem: {} document {} at {}: {} ({})",
            d.kind,
            d.hash,
            d.uri,
            d.status,
            d.detail.as_deref().unwrap_or("")
        );
    }
    for p in store.all::<ogcr_store::Problem>().await? {
        eprintln!(
            "integrity problem: block {} log {}: {} ({})",
            p.block_number, p.log_index, p.kind, p.detail
        );
    }
    Ok(())
}

/// Progress on stderr while catching up: an indicatif bar on a terminal (blocks done of the
/// blocks to index, with the rate), a plain line every few seconds otherwise (logs).
struct Reporter {
    started: Instant,
    last: Option<Instant>,
    bar: Option<indicatif::ProgressBar>,
    /// The checkpoint when indexing started: the bar counts blocks from there.
    from: Option<u64>,
    caught_up: bool,
}

impl Reporter {
    fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} indexing [{bar:30}] {percent:>3}% {msg} (eta {eta})",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            bar
        });
        Reporter {
            started: Instant::now(),
            last: None,
            bar,
            from: None,
            caught_up: false,
        }
    }

    fn report(&mut self, p: &Progress) {
        let done = p.checkpoint >= p.target;
        if self.caught_up && done {
            return;
        }
        let from = *self.from.get_or_insert(p.checkpoint);
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let line = format!(
            "block {}/{} ({} behind head), {} events, {:.0} events/s",
            p.checkpoint,
            p.target,
            p.head.saturating_sub(p.checkpoint),
            p.events,
            p.events as f64 / secs
        );
        match &self.bar {
            Some(bar) => {
                bar.set_length(p.target.saturating_sub(from).max(1));
                bar.set_position(p.checkpoint.saturating_sub(from));
                if done {
                    bar.finish_and_clear();
                    eprintln!("{line}");
                    self.caught_up = true;
                } else {
                    bar.set_message(line);
                }
            }
            None => {
                if !done
                    && self
                        .last
                        .is_some_and(|t| t.elapsed() < Duration::from_secs(5))
                {
                    return;
                }
                self.last = Some(Instant::now());
                eprintln!("{line}");
                self.caught_up = done;
            }
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = &self.bar
            && !bar.is_finished()
        {
            bar.abandon();
        }
    }
}

async fn status(args: StatusArgs) -> Result<Outcome> {
    let store = Store::connect(&args.db.database_url)
        .await
        .with_context(|| format!("opening the database {}", args.db.database_url))?;
    let state = store.chain_state().await?;
    let counts = store.counts().await?;
    let problems = store.document_problems().await?;
    let chain_problems = store.all::<ogcr_store::Problem>().await?;
    if crate::output::json() {
        let v = serde_json::json!({
            "database": store.url(),
            "chain": state,
            "counts": counts,
            "document_problems": problems.iter().map(|d| serde_json::json!({
                "hash": d.hash, "uri": d.uri, "kind": d.kind, "status": d.status, "detail": d.detail,
            })).collect::<Vec<_>>(),
            "chain_problems": chain_problems,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(Outcome::Success);
    }
    println!("database      {}", store.url());
    match &state {
        None => println!("chain         (nothing indexed yet)"),
        Some(s) => {
            println!("chain         {}", s.chain_id);
            println!(
                "contracts     access {} · projects {} · mrv {} · cru {}",
                s.access_control, s.project_registry, s.mrv_registry, s.carbon_removal_unit
            );
            println!("deployment    block {}", s.deployment_block);
            println!(
                "checkpoint    block {} {}",
                s.checkpoint_block, s.checkpoint_hash
            );
        }
    }
    println!(
        "rows          {} events · {} projects · {} MRV reports · {} tokens · {} transfers · {} retirements · {} role holders",
        counts.events,
        counts.projects,
        counts.mrv_reports,
        counts.tokens,
        counts.transfers,
        counts.retirements,
        counts.role_members
    );
    println!(
        "documents     {} verified · {} with problems · {} pending",
        counts.documents_verified, counts.documents_failed, counts.documents_pending
    );
    print_problems(&store).await?;
    Ok(Outcome::Success)
}
