//! The indexer benchmark: generates N events on a fresh anvil (issuances with buffer, splits,
//! transfers, retirements), times a bare `eth_getLogs` download of the same range, then a full
//! `ogcr index`-equivalent sync into SQLite and (with `--postgres`) PostgreSQL, and prints
//! events/s and the ratio of each sync to the bare download.
//!
//! `cargo run --release -p ogcr-indexer --example sync_bench -- --events 100000 \
//!     --postgres postgres://postgres@127.0.0.1:55432/postgres`
//!
//! With `--postgres`, a database `ogcr_bench_<pid>` is created on that server and dropped at
//! the end. The figures are printed, not asserted: this is a benchmark, not a test.

use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

use alloy::{node_bindings::Anvil, signers::local::PrivateKeySigner};
use anyhow::{Context, ensure};
use clap::Parser;
use ogcr_indexer::{Indexer, IndexerConfig, RpcSource};
use ogcr_store::Store;
use ogcr_workload::{self as workload, Signers, WorkloadOptions, WorkloadReport};
use sqlx::{Connection, Executor};

/// Indexer throughput against the bare download.
#[derive(Debug, Parser)]
struct Args {
    /// Events (contract logs) to generate.
    #[arg(long, default_value_t = 100_000)]
    events: usize,
    /// Transactions per mined block.
    #[arg(long, default_value_t = 100)]
    txs_per_block: usize,
    /// PostgreSQL server URL (a user that may create databases); omitted: SQLite only.
    #[arg(long, env = "OGCR_BENCH_POSTGRES_URL")]
    postgres: Option<String>,
    /// Reorg window of the indexer (blocks behind the head that keep undo records).
    #[arg(long, default_value_t = 128)]
    reorg_window: u64,
    /// The anvil binary (default: the workspace's npm toolchain).
    #[arg(long)]
    anvil: Option<PathBuf>,
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

async fn sync(
    rpc: &str,
    store: Store,
    report: &WorkloadReport,
    window: u64,
) -> anyhow::Result<Duration> {
    let provider = ogcr_client::registry::connect_provider(rpc, None).await?;
    let mut cfg = IndexerConfig::new(report.manifest.clone());
    cfg.reorg_window = window;
    let started = Instant::now();
    let indexer = Indexer::new(
        RpcSource::new(provider, Duration::from_secs(60)),
        store.clone(),
        cfg,
    )
    .await?;
    let p = indexer
        .run(true, std::future::pending(), &mut |_| {})
        .await?;
    let took = started.elapsed();
    eprintln!(
        "  store stage: waited for fetch {:.3} s, projected {:.3} s, committed {:.3} s",
        p.wait_time.as_secs_f64(),
        p.project_time.as_secs_f64(),
        p.commit_time.as_secs_f64()
    );
    let stored = store.counts().await?.events;
    ensure!(
        p.events as usize == report.events && stored as usize == report.events,
        "the sync stored {stored} events, the chain has {}",
        report.events
    );
    Ok(took)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bin = args.anvil.unwrap_or_else(|| {
        PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../node_modules/.bin/anvil"
        ))
    });
    let anvil = Anvil::new()
        .path(&bin)
        .try_spawn()
        .with_context(|| format!("spawning {}", bin.display()))?;
    let rpc = anvil.endpoint();
    let signers =
        Signers::from_accounts(anvil.keys().iter().map(|k| {
            PrivateKeySigner::from_slice(&k.to_bytes()).expect("anvil dev keys are valid")
        }))?;
    let dir = tempfile::tempdir()?;
    let opts = WorkloadOptions {
        events: args.events,
        txs_per_block: args.txs_per_block,
        ..WorkloadOptions::default()
    };
    let report = workload::generate(&rpc, signers, dir.path(), &opts, &mut |done, target| {
        eprint!("\rgenerating {done}/{target} events")
    })
    .await
    .context("generating the workload")?;
    eprintln!();
    let blocks = report.last_block - report.first_block + 1;
    println!(
        "workload      {} events in {blocks} blocks ({} transactions), generated in {:.1} s",
        report.events,
        report.transactions,
        report.elapsed.as_secs_f64()
    );

    let addresses = report.manifest.addresses().map(|(_, a)| a);
    let mut bare = Duration::MAX;
    for range in [2_000u64, 50_000] {
        let (logs, took) = workload::bare_download(
            &rpc,
            &addresses,
            report.first_block,
            report.last_block,
            range,
        )
        .await?;
        ensure!(logs == report.events, "bare download found {logs} logs");
        println!(
            "bare getLogs  range {range:>6}: {:.3} s  {:>9.0} events/s",
            took.as_secs_f64(),
            rate(logs, took)
        );
        bare = bare.min(took);
    }

    let sqlite_dir = tempfile::tempdir()?;
    let store = Store::connect(&format!(
        "sqlite://{}",
        sqlite_dir.path().join("bench.db").display()
    ))
    .await?;
    let took = sync(&rpc, store, &report, args.reorg_window).await?;
    println!(
        "index sqlite  {:.3} s  {:>9.0} events/s  {:.2}x the bare download",
        took.as_secs_f64(),
        rate(report.events, took),
        took.as_secs_f64() / bare.as_secs_f64()
    );

    if let Some(server) = &args.postgres {
        sqlx::any::install_default_drivers();
        let name = format!("ogcr_bench_{}", std::process::id());
        let mut admin = sqlx::AnyConnection::connect(server).await?;
        admin
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name}"
            )))
            .await?;
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await?;
        let url = match server.rfind('/') {
            Some(i) if i > "postgres://".len() => format!("{}/{name}", &server[..i]),
            _ => anyhow::bail!("--postgres must end with /DATABASE: {server}"),
        };
        let store = Store::connect(&url).await?;
        let took = sync(&rpc, store.clone(), &report, args.reorg_window).await?;
        store.close().await;
        println!(
            "index pg      {:.3} s  {:>9.0} events/s  {:.2}x the bare download",
            took.as_secs_f64(),
            rate(report.events, took),
            took.as_secs_f64() / bare.as_secs_f64()
        );
        admin
            .execute(sqlx::AssertSqlSafe(format!("DROP DATABASE {name}")))
            .await?;
    }
    Ok(())
}
