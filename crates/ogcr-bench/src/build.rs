//! Building the benchmark's database: the N-project registry generated on a fresh anvil, then
//! indexed with the ogcr indexer (chain data, then the documents checked against their hashes).

use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

use alloy::{node_bindings::Anvil, signers::local::PrivateKeySigner};
use anyhow::{Context, ensure};
use ogcr_indexer::{DocumentSources, Indexer, IndexerConfig, Resolver, RpcSource};
use ogcr_store::Store;
use ogcr_workload::{RegistryOptions, Signers, generate_registry};

/// Generates `opts.projects` projects on an anvil started from `anvil` and indexes them into
/// `store`; prints what it did.
pub(crate) async fn build(
    store: &Store,
    opts: &RegistryOptions,
    anvil: &PathBuf,
) -> anyhow::Result<()> {
    let anvil = Anvil::new()
        .path(anvil)
        .try_spawn()
        .with_context(|| format!("spawning {}", anvil.display()))?;
    let rpc = anvil.endpoint();
    let signers =
        Signers::from_accounts(anvil.keys().iter().map(|k| {
            PrivateKeySigner::from_slice(&k.to_bytes()).expect("anvil dev keys are valid")
        }))
        .context("assigning anvil's dev accounts")?;
    let dir = tempfile::tempdir().context("creating the manifest and documents directory")?;
    let report = generate_registry(
        &rpc,
        signers,
        dir.path(),
        opts,
        &mut |stage, done, total| {
            eprint!("\r{stage:>9}: {done}/{total}        ");
        },
    )
    .await
    .context("generating the registry")?;
    eprintln!();
    println!(
        "generated     {} projects, {} reports, {} issuances: {} transactions, {} events in \
         blocks {}..={}, {:.1} s",
        report.projects,
        report.reports,
        report.issuances,
        report.transactions,
        report.events,
        report.first_block,
        report.last_block,
        report.elapsed.as_secs_f64()
    );

    let started = Instant::now();
    let provider = ogcr_client::registry::connect_provider(&rpc, None).await?;
    let indexer = Indexer::new(
        RpcSource::new(provider, Duration::from_secs(60)),
        store.clone(),
        IndexerConfig::new(report.manifest.clone()),
    )
    .await
    .context("starting the indexer")?;
    let p = indexer
        .run(true, std::future::pending(), &mut |_| {})
        .await
        .context("indexing the registry")?;
    let indexed = started.elapsed();
    let resolver = Resolver::new(DocumentSources {
        dirs: vec![report.documents_dir.clone()],
        ..DocumentSources::default()
    });
    let documents = resolver
        .pass(store)
        .await
        .context("checking the documents")?;
    let counts = store.counts().await?;
    ensure!(
        p.events as usize == report.events && counts.projects as usize == report.projects,
        "indexed {} events and {} projects, the chain has {} and {}",
        p.events,
        counts.projects,
        report.events,
        report.projects
    );
    println!(
        "indexed       {} events in {:.1} s, {documents} documents checked in {:.1} s",
        p.events,
        indexed.as_secs_f64(),
        (started.elapsed() - indexed).as_secs_f64()
    );
    Ok(())
}
