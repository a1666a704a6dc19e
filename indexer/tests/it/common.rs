//! Shared fixtures: anvil with a generated workload, indexer configurations for tests, and
//! database dumps without the indexer's own bookkeeping.

use std::{path::Path, time::Duration};

use alloy::{
    node_bindings::{Anvil, AnvilInstance},
    signers::local::PrivateKeySigner,
};
use ogcr_indexer::{ChainSource, FetchPolicy, Indexer, IndexerConfig, Progress, RpcSource};
use ogcr_store::Store;
use ogcr_workload::{self as workload, Signers, WorkloadOptions, WorkloadReport};

/// Anvil with the ogcr suite deployed and a workload of about `events` logs generated.
pub(crate) struct Chain {
    pub(crate) anvil: AnvilInstance,
    pub(crate) report: WorkloadReport,
    _dir: tempfile::TempDir,
}

impl Chain {
    pub(crate) fn rpc(&self) -> String {
        self.anvil.endpoint()
    }
}

pub(crate) fn spawn_anvil() -> AnvilInstance {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../node_modules/.bin/anvil");
    Anvil::new().path(bin).spawn()
}

pub(crate) fn signers(anvil: &AnvilInstance) -> Signers {
    Signers::from_accounts(
        anvil
            .keys()
            .iter()
            .map(|k| PrivateKeySigner::from_slice(&k.to_bytes()).expect("anvil dev key")),
    )
    .expect("anvil has 10 dev accounts")
}

/// A fresh anvil with a generated workload of at least `events` logs.
pub(crate) async fn chain_with_events(events: usize, txs_per_block: usize) -> Chain {
    let anvil = spawn_anvil();
    let dir = tempfile::tempdir().unwrap();
    let opts = WorkloadOptions {
        events,
        txs_per_block,
        ..WorkloadOptions::default()
    };
    let report = workload::generate(
        &anvil.endpoint(),
        signers(&anvil),
        dir.path(),
        &opts,
        &mut |_, _| {},
    )
    .await
    .expect("generate the workload");
    Chain {
        anvil,
        report,
        _dir: dir,
    }
}

/// A configuration with fast retries (tests inject many faults) and small batches.
pub(crate) fn config(chain: &Chain) -> IndexerConfig {
    let mut cfg = IndexerConfig::new(chain.report.manifest.clone());
    cfg.poll_interval = Duration::from_millis(50);
    cfg.max_batch_logs = 300;
    cfg.fetch = FetchPolicy {
        initial_range: 16,
        max_range: 10_000,
        max_retries: 60,
        base_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
    };
    cfg
}

pub(crate) async fn rpc_source(chain: &Chain) -> RpcSource {
    let provider = ogcr_client::registry::connect_provider(&chain.rpc(), None)
        .await
        .unwrap();
    RpcSource::new(provider, Duration::from_secs(10))
}

/// Indexes until caught up with the head.
pub(crate) async fn index_once<S: ChainSource>(
    source: S,
    store: &Store,
    cfg: IndexerConfig,
) -> Progress {
    let indexer = Indexer::new(source, store.clone(), cfg)
        .await
        .expect("start the indexer");
    indexer
        .run(true, std::future::pending(), &mut |_| {})
        .await
        .expect("index to the head")
}

/// Every table of the chain's data (the bookkeeping tables blocks and undo_log, and the
/// checkpoint's undo floor, depend on the path taken and are left out).
pub(crate) async fn data(store: &Store) -> Vec<(String, Vec<String>)> {
    store
        .dump()
        .await
        .unwrap()
        .into_iter()
        .filter(|(t, _)| t != "blocks" && t != "undo_log" && t != "chain_state")
        .collect()
}
