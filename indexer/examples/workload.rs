//! Generates the synthetic workload on a fresh anvil, then times the bare `eth_getLogs`
//! download the indexer is compared with, and prints the figures.
//!
//! `cargo run --release -p ogcr-indexer --example workload -- --events 100000`

use std::{path::PathBuf, time::Duration};

use alloy::{node_bindings::Anvil, signers::local::PrivateKeySigner};
use anyhow::Context;
use clap::Parser;
use ogcr_workload::{self as workload, Signers, WorkloadOptions};

/// Workload generation and bare-download figures.
#[derive(Debug, Parser)]
struct Args {
    /// Target number of contract logs.
    #[arg(long, default_value_t = 100_000)]
    events: usize,
    /// Transactions per mined block.
    #[arg(long, default_value_t = 500)]
    txs_per_block: usize,
    /// Seed of the generated operations.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Block ranges of the bare `eth_getLogs` downloads, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 10, 100, 1_000, 10_000])]
    ranges: Vec<u64>,
    /// The anvil binary (default: the workspace's npm toolchain).
    #[arg(long)]
    anvil: Option<PathBuf>,
}

fn per_second(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
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
    let signers =
        Signers::from_accounts(anvil.keys().iter().map(|k| {
            PrivateKeySigner::from_slice(&k.to_bytes()).expect("anvil dev keys are valid")
        }))
        .context("assigning anvil's dev accounts")?;
    let dir = tempfile::tempdir().context("creating the manifest directory")?;
    let opts = WorkloadOptions {
        events: args.events,
        txs_per_block: args.txs_per_block,
        seed: args.seed,
        ..WorkloadOptions::default()
    };

    let report = workload::generate(
        &anvil.endpoint(),
        signers,
        dir.path(),
        &opts,
        &mut |done, target| eprint!("\rgenerating: {done} / {target} events"),
    )
    .await
    .context("generating the workload")?;
    eprintln!();

    let blocks = report.last_block - report.first_block + 1;
    println!("events        {}", report.events);
    println!(
        "blocks        {}..={} ({blocks} blocks, {} transactions, {:.0} logs/block)",
        report.first_block,
        report.last_block,
        report.transactions,
        report.events as f64 / blocks as f64
    );
    println!(
        "generation    {:.2} s ({:.0} events/s)",
        report.elapsed.as_secs_f64(),
        per_second(report.events, report.elapsed)
    );

    let addresses = report.manifest.addresses().map(|(_, a)| a);
    for range in args.ranges {
        let (logs, took) = workload::bare_download(
            &anvil.endpoint(),
            &addresses,
            report.first_block,
            report.last_block,
            range,
        )
        .await
        .with_context(|| format!("downloading the logs by ranges of {range} blocks"))?;
        anyhow::ensure!(
            logs == report.events,
            "the download by ranges of {range} blocks found {logs} logs, not {}",
            report.events
        );
        println!(
            "bare getLogs  range {range:>6}: {logs} logs in {:.3} s ({:.0} events/s, {} calls)",
            took.as_secs_f64(),
            per_second(logs, took),
            blocks.div_ceil(range)
        );
    }
    Ok(())
}
