//! The indexing loop: check the checkpoint is still canonical (else roll back to the common
//! ancestor), then fetch → decode → project → commit up to `head - confirmations`, with the
//! fetch stage running ahead of the store stage over a bounded channel.

use std::{
    collections::{BTreeMap, BTreeSet},
    future::Future,
    sync::Arc,
    time::{Duration, Instant},
};

use alloy::primitives::{Address, B256};
use futures::{StreamExt, stream};
use ogcr_client::Manifest;
use ogcr_store::{ChainState, Store};
use tokio::sync::mpsc;
use tracing::Instrument;

use crate::{
    Error, Result,
    decode::{Decoded, Decoder},
    fetch::{FetchPolicy, RangeFetcher, retry},
    projection::{Batch, hex_addr, hex_b256, project},
    source::{ChainSource, Header},
};

/// How the indexer follows the chain.
#[derive(Debug, Clone)]
pub struct IndexerConfig {
    /// The deployment to follow.
    pub manifest: Manifest,
    /// Blocks behind the head that are not indexed yet (0 indexes the head itself).
    pub confirmations: u64,
    /// Blocks behind the head that keep undo records; deeper reorgs need a re-index.
    pub reorg_window: u64,
    /// Pause between polls once caught up.
    pub poll_interval: Duration,
    /// Range adaptation and retries of RPC requests.
    pub fetch: FetchPolicy,
    /// Most logs committed in one transaction (batches end at block boundaries).
    pub max_batch_logs: usize,
    /// Concurrent header requests.
    pub header_concurrency: usize,
}

impl IndexerConfig {
    /// Defaults for `manifest`.
    pub fn new(manifest: Manifest) -> Self {
        IndexerConfig {
            manifest,
            confirmations: 0,
            reorg_window: 128,
            poll_interval: Duration::from_secs(2),
            fetch: FetchPolicy::default(),
            max_batch_logs: 5_000,
            header_concurrency: 16,
        }
    }
}

/// Where the indexer stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// Last indexed block.
    pub checkpoint: u64,
    /// Block the current sync aims at.
    pub target: u64,
    /// Chain head seen last.
    pub head: u64,
    /// Events stored by this process.
    pub events: u64,
    /// Blocks rolled back by reorgs in this process.
    pub rolled_back: u64,
    /// Time the store stage waited for fetched batches.
    pub wait_time: Duration,
    /// Time spent turning batches into change sets (loading current rows included).
    pub project_time: Duration,
    /// Time spent committing change sets.
    pub commit_time: Duration,
}

/// What one iteration did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Stored blocks up to the target.
    Synced,
    /// Nothing to do: the checkpoint is at the target.
    UpToDate,
    /// A reorg was found and rolled back; sync again.
    RolledBack,
}

/// The indexer of one deployment into one store.
pub struct Indexer<S: ChainSource> {
    source: Arc<S>,
    store: Store,
    cfg: IndexerConfig,
    decoder: Arc<Decoder>,
    addresses: Vec<Address>,
}

impl<S: ChainSource> Indexer<S> {
    /// Checks the endpoint serves the manifest's chain and binds the store to the deployment.
    pub async fn new(source: S, store: Store, cfg: IndexerConfig) -> Result<Self> {
        let m = &cfg.manifest;
        let actual = retry(&cfg.fetch, "eth_chainId", || source.chain_id()).await?;
        if actual != m.chain_id {
            return Err(Error::WrongChain {
                expected: m.chain_id,
                actual,
            });
        }
        let before = m.deployment_block.saturating_sub(1);
        let hash = if m.deployment_block == 0 {
            String::new()
        } else {
            let h = retry(&cfg.fetch, "eth_getBlockByNumber", || source.header(before))
                .await?
                .ok_or(Error::MissingBlock(before))?;
            hex_b256(&h.hash)
        };
        let c = &m.contracts;
        store
            .init_chain_state(&ChainState {
                id: 1,
                chain_id: m.chain_id as i64,
                access_control: hex_addr(&c.access_control.address),
                project_registry: hex_addr(&c.project_registry.address),
                mrv_registry: hex_addr(&c.mrv_registry.address),
                carbon_removal_unit: hex_addr(&c.carbon_removal_unit.address),
                deployment_block: m.deployment_block as i64,
                checkpoint_block: before as i64,
                checkpoint_hash: hash,
                undo_floor: before as i64,
            })
            .await?;
        let decoder = Decoder::new(m);
        let addresses = decoder.addresses();
        Ok(Indexer {
            source: Arc::new(source),
            store,
            cfg,
            decoder: Arc::new(decoder),
            addresses,
        })
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Follows the chain until `shutdown` resolves; with `once`, until caught up with the head.
    pub async fn run(
        &self,
        once: bool,
        shutdown: impl Future<Output = ()>,
        progress: &mut (dyn FnMut(&Progress) + Send),
    ) -> Result<Progress> {
        let mut p = Progress::default();
        tokio::pin!(shutdown);
        let mut failures = 0u32;
        loop {
            let step = tokio::select! {
                biased;
                () = &mut shutdown => return Ok(p),
                step = self.step(&mut p, progress) => step,
            };
            let pause = match step {
                Ok(Step::UpToDate) => {
                    failures = 0;
                    if once {
                        return Ok(p);
                    }
                    self.cfg.poll_interval
                }
                Ok(Step::Synced | Step::RolledBack) => {
                    failures = 0;
                    Duration::ZERO
                }
                Err(Error::Inconsistent { from, to, detail }) => {
                    tracing::warn!(target: "ogcr::indexer", from, to, %detail, "chain changed while fetching; retrying");
                    Duration::from_millis(200)
                }
                Err(e @ (Error::Rpc(_) | Error::Store(ogcr_store::Error::Sqlx(_)))) if !once => {
                    failures += 1;
                    let delay = self.cfg.fetch.backoff(failures.min(8));
                    tracing::error!(target: "ogcr::indexer", error = %e, ?delay, "indexing failed; resuming from the checkpoint");
                    delay
                }
                Err(e) => return Err(e),
            };
            if !pause.is_zero() {
                tokio::select! {
                    biased;
                    () = &mut shutdown => return Ok(p),
                    () = tokio::time::sleep(pause) => {}
                }
            }
        }
    }

    /// One iteration: reorg check, then sync to `head - confirmations`.
    pub async fn step(
        &self,
        p: &mut Progress,
        progress: &mut (dyn FnMut(&Progress) + Send),
    ) -> Result<Step> {
        let policy = &self.cfg.fetch;
        let src = &*self.source;
        let head = retry(policy, "eth_blockNumber", || src.head()).await?;
        let target = head.saturating_sub(self.cfg.confirmations);
        let state = self
            .store
            .chain_state()
            .await?
            .ok_or(ogcr_store::Error::NotInitialised)?;
        let checkpoint = state.checkpoint_block.max(0) as u64;
        p.head = head;
        p.checkpoint = checkpoint;
        p.target = target;
        metrics::gauge!("ogcr_indexer_head_block").set(head as f64);
        metrics::gauge!("ogcr_indexer_blocks_behind").set(head.saturating_sub(checkpoint) as f64);

        if !state.checkpoint_hash.is_empty() {
            let h = retry(policy, "eth_getBlockByNumber", || src.header(checkpoint)).await?;
            if h.map(|h| hex_b256(&h.hash)) != Some(state.checkpoint_hash.clone()) {
                self.roll_back(&state, p).await?;
                progress(p);
                return Ok(Step::RolledBack);
            }
        }
        if checkpoint >= target {
            progress(p);
            return Ok(Step::UpToDate);
        }
        self.sync(&state, checkpoint + 1, target, head, p, progress)
            .instrument(tracing::info_span!(target: "ogcr::indexer", "sync", from = checkpoint + 1, to = target))
            .await?;
        Ok(Step::Synced)
    }

    /// Finds the newest kept block still on the chain and rolls the store back to it.
    async fn roll_back(&self, state: &ChainState, p: &mut Progress) -> Result<()> {
        let policy = &self.cfg.fetch;
        let src = &*self.source;
        let candidates = self
            .store
            .recent_blocks(state.checkpoint_block, 100_000)
            .await?;
        let mut ancestor = None;
        for b in candidates {
            let n = b.number as u64;
            let h = retry(policy, "eth_getBlockByNumber", || src.header(n)).await?;
            if h.is_some_and(|h| hex_b256(&h.hash) == b.hash) {
                ancestor = Some((b.number, b.hash));
                break;
            }
        }
        if ancestor.is_none() && state.undo_floor < state.deployment_block {
            // Every indexed block has undo records: roll back to before the deployment.
            let before = state.deployment_block - 1;
            let h = retry(policy, "eth_getBlockByNumber", || {
                src.header(before.max(0) as u64)
            })
            .await?;
            ancestor = h.map(|h| (before, hex_b256(&h.hash)));
        }
        let (number, hash) = ancestor.ok_or(Error::NoCommonAncestor {
            checkpoint: state.checkpoint_block,
        })?;
        let report = self.store.rollback_to(number, &hash).await?;
        tracing::warn!(target: "ogcr::indexer::reorg", from = report.from, to = report.to, events = report.events, restored = report.restored, "chain reorganised: rolled back");
        metrics::counter!("ogcr_indexer_reorgs_total").increment(1);
        metrics::counter!("ogcr_indexer_rolled_back_blocks_total")
            .increment((report.from - report.to) as u64);
        p.rolled_back += (report.from - report.to) as u64;
        p.checkpoint = number as u64;
        Ok(())
    }

    async fn sync(
        &self,
        state: &ChainState,
        from: u64,
        target: u64,
        head: u64,
        p: &mut Progress,
        progress: &mut (dyn FnMut(&Progress) + Send),
    ) -> Result<()> {
        let undo_from = head.saturating_sub(self.cfg.reorg_window) + 1;
        let (tx, mut rx) = mpsc::channel::<Result<Batch>>(4);
        let fetcher = Fetcher {
            source: self.source.clone(),
            decoder: self.decoder.clone(),
            addresses: self.addresses.clone(),
            policy: self.cfg.fetch.clone(),
            max_batch_logs: self.cfg.max_batch_logs.max(1),
            header_concurrency: self.cfg.header_concurrency.max(1),
            undo_from,
        };
        let prev_hash = state.checkpoint_hash.clone();
        let fetch = tokio::spawn(
            async move { fetcher.run(from, target, prev_hash, tx).await }
                .instrument(tracing::debug_span!(target: "ogcr::indexer::fetch", "fetch")),
        );
        let mut floor = state.undo_floor.max(0) as u64;
        let chain_id = self.cfg.manifest.chain_id;
        let result: Result<()> = async {
            loop {
                let waited = Instant::now();
                let Some(batch) = rx.recv().await else { break };
                p.wait_time += waited.elapsed();
                let mut batch = batch?;
                floor = floor.max(batch.to.min(undo_from.saturating_sub(1)));
                batch.undo_floor = floor;
                batch.prune_below = undo_from.checked_sub(1);
                let (to, logs) = (batch.to, batch.logs.len() as u64);
                let last_time = batch.logs.last().map(|l| l.meta.block_time);
                let started = Instant::now();
                let cs = project(&self.store, chain_id, batch)
                    .instrument(tracing::debug_span!(target: "ogcr::indexer::project", "project", to))
                    .await?;
                let projected = Instant::now();
                p.project_time += projected - started;
                self.store
                    .commit(&cs)
                    .instrument(tracing::debug_span!(target: "ogcr::indexer::store", "commit", to, rows = cs.row_count()))
                    .await?;
                p.commit_time += projected.elapsed();
                metrics::histogram!("ogcr_indexer_commit_seconds")
                    .record(projected.elapsed().as_secs_f64());
                metrics::counter!("ogcr_indexer_events_total").increment(logs);
                metrics::gauge!("ogcr_indexer_checkpoint_block").set(to as f64);
                metrics::gauge!("ogcr_indexer_blocks_behind").set(head.saturating_sub(to) as f64);
                if let Some(t) = last_time {
                    metrics::gauge!("ogcr_indexer_last_event_block_timestamp").set(t as f64);
                }
                p.checkpoint = to;
                p.events += logs;
                progress(p);
            }
            Ok(())
        }
        .await;
        if result.is_err() {
            fetch.abort();
        }
        let fetched = fetch.await;
        result?;
        match fetched {
            Ok(r) => r,
            Err(e) if e.is_cancelled() => Ok(()),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
}

/// The fetch stage: logs and headers of consecutive ranges, checked and decoded, cut into
/// batches at block boundaries.
struct Fetcher<S: ChainSource> {
    source: Arc<S>,
    decoder: Arc<Decoder>,
    addresses: Vec<Address>,
    policy: FetchPolicy,
    max_batch_logs: usize,
    header_concurrency: usize,
    undo_from: u64,
}

impl<S: ChainSource> Fetcher<S> {
    async fn run(
        self,
        from: u64,
        target: u64,
        mut prev_hash: String,
        tx: mpsc::Sender<Result<Batch>>,
    ) -> Result<()> {
        let mut ranges = RangeFetcher::new(self.policy.clone());
        let mut cur = from;
        while cur <= target {
            let chunk = self.chunk(&mut ranges, cur, target, &prev_hash).await;
            let (to, batches) = match chunk {
                Ok(v) => v,
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return Ok(());
                }
            };
            if let Some(last) = batches.last() {
                prev_hash = hex_b256(&last.to_hash);
            }
            for b in batches {
                if tx.send(Ok(b)).await.is_err() {
                    return Ok(()); // the store stage stopped
                }
            }
            cur = to + 1;
        }
        Ok(())
    }

    async fn headers(&self, numbers: BTreeSet<u64>) -> Result<BTreeMap<u64, Header>> {
        let src = &*self.source;
        let policy = &self.policy;
        let fetched: Vec<Result<(u64, Header)>> = stream::iter(numbers)
            .map(|n| async move {
                let h = retry(policy, "eth_getBlockByNumber", || src.header(n))
                    .await?
                    .ok_or(Error::MissingBlock(n))?;
                Ok((n, h))
            })
            .buffered(self.header_concurrency)
            .collect()
            .await;
        fetched.into_iter().collect()
    }

    async fn chunk(
        &self,
        ranges: &mut RangeFetcher,
        cur: u64,
        target: u64,
        prev_hash: &str,
    ) -> Result<(u64, Vec<Batch>)> {
        let (to, logs) = ranges
            .next(&*self.source, &self.addresses, cur, target)
            .await?;
        let inconsistent = |detail: String| Error::Inconsistent {
            from: cur,
            to,
            detail,
        };
        // Headers: the range's ends (hash of the new checkpoint, link to the previous one),
        // every block inside the reorg window, and blocks whose logs carry no timestamp.
        let mut wanted: BTreeSet<u64> = [cur, to].into();
        wanted.extend(self.undo_from.max(cur)..=to);
        for l in &logs {
            if let (None, Some(n)) = (l.block_timestamp, l.block_number) {
                wanted.insert(n);
            }
        }
        let headers = self.headers(wanted).await?;
        if !prev_hash.is_empty() && hex_b256(&headers[&cur].parent_hash) != prev_hash {
            return Err(inconsistent(format!(
                "block {cur} does not build on the checkpoint {prev_hash}"
            )));
        }
        let mut prev: Option<&Header> = None;
        for h in headers.values() {
            if let Some(p) = prev
                && p.number + 1 == h.number
                && h.parent_hash != p.hash
            {
                return Err(inconsistent(format!(
                    "block {} does not build on block {}",
                    h.number, p.number
                )));
            }
            prev = Some(h);
        }
        let mut decoded: Vec<Decoded> = Vec::with_capacity(logs.len());
        for l in &logs {
            if l.removed {
                return Err(inconsistent("a log was marked removed".into()));
            }
            let n = l
                .block_number
                .ok_or_else(|| inconsistent("a log has no block number".into()))?;
            if let (Some(h), Some(bh)) = (headers.get(&n), l.block_hash)
                && h.hash != bh
            {
                return Err(inconsistent(format!(
                    "log of block {n} has hash {bh}, the block is {}",
                    h.hash
                )));
            }
            let ts = headers.get(&n).map(|h| h.timestamp);
            match self.decoder.decode(l, ts) {
                Some(d) => decoded.push(d),
                None => {
                    return Err(inconsistent(format!(
                        "log of block {n} lacks position data"
                    )));
                }
            }
        }
        decoded.sort_by_key(|d| (d.meta.block_number, d.meta.log_index));

        // Cut into batches of at most max_batch_logs at block boundaries.
        let kept = |a: u64, b: u64| -> Vec<Header> {
            headers
                .range(a..=b)
                .filter(|(n, _)| **n >= self.undo_from || **n == b)
                .map(|(_, h)| *h)
                .collect()
        };
        let mut batches = Vec::new();
        let mut start = cur;
        let mut pending: Vec<Decoded> = Vec::new();
        let mut iter = decoded.into_iter().peekable();
        while let Some(d) = iter.next() {
            let block = d.meta.block_number;
            let hash = d.meta.block_hash;
            pending.push(d);
            let block_ends = iter.peek().is_none_or(|n| n.meta.block_number != block);
            if block_ends && pending.len() >= self.max_batch_logs && block < to {
                batches.push(self.batch(
                    start,
                    block,
                    hash,
                    kept(start, block),
                    std::mem::take(&mut pending),
                ));
                start = block + 1;
            }
        }
        let to_hash = headers[&to].hash;
        batches.push(self.batch(start, to, to_hash, kept(start, to), pending));
        Ok((to, batches))
    }

    fn batch(
        &self,
        from: u64,
        to: u64,
        to_hash: B256,
        headers: Vec<Header>,
        logs: Vec<Decoded>,
    ) -> Batch {
        Batch {
            from,
            to,
            to_hash,
            headers,
            logs,
            undo_from: self.undo_from,
            undo_floor: 0,
            prune_below: None,
        }
    }
}
