//! A provider that fails in every way real providers do — range limits, result-size limits,
//! 429s, transport errors, timeouts, headers missing for a while — must not make the indexer
//! lose or duplicate a single row.

use std::sync::{
    Mutex,
    atomic::{AtomicU64, Ordering},
};

use alloy::{primitives::Address, rpc::types::Log};
use ogcr_indexer::{ChainSource, Header, RpcError, RpcErrorKind, RpcSource};
use ogcr_store::testing;
use rand::{Rng, SeedableRng, rngs::StdRng};

use crate::common::{chain_with_events, config, data, index_once, rpc_source};

/// Wraps a real source and injects faults with a seeded RNG.
struct Faulty {
    inner: RpcSource,
    rng: Mutex<StdRng>,
    /// Ranges above this many blocks are refused as "too large".
    max_blocks: u64,
    /// Answers with more logs than this are refused as "too many results".
    max_logs: usize,
    /// Probability of a transient failure per call.
    p_fail: f64,
    injected: AtomicU64,
}

impl Faulty {
    fn new(inner: RpcSource, seed: u64) -> Self {
        Faulty {
            inner,
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            max_blocks: 25,
            max_logs: 400,
            p_fail: 0.25,
            injected: AtomicU64::new(0),
        }
    }

    fn transient(&self) -> Result<(), RpcError> {
        let mut rng = self.rng.lock().unwrap();
        if !rng.random_bool(self.p_fail) {
            return Ok(());
        }
        self.injected.fetch_add(1, Ordering::Relaxed);
        let (kind, msg) = match rng.random_range(0..4) {
            0 => (
                RpcErrorKind::RateLimited,
                "HTTP error 429 with body: Too Many Requests",
            ),
            1 => (
                RpcErrorKind::Transport,
                "error sending request: connection reset by peer",
            ),
            2 => (RpcErrorKind::Timeout, "eth_getLogs: no answer within 30s"),
            _ => (
                RpcErrorKind::Transport,
                "HTTP error 502 with body: bad gateway",
            ),
        };
        Err(RpcError::new(kind, msg))
    }
}

impl ChainSource for Faulty {
    async fn chain_id(&self) -> Result<u64, RpcError> {
        self.transient()?;
        self.inner.chain_id().await
    }

    async fn head(&self) -> Result<u64, RpcError> {
        self.transient()?;
        self.inner.head().await
    }

    async fn header(&self, number: u64) -> Result<Option<Header>, RpcError> {
        self.transient()?;
        self.inner.header(number).await
    }

    async fn logs(&self, addresses: &[Address], from: u64, to: u64) -> Result<Vec<Log>, RpcError> {
        if to - from + 1 > self.max_blocks {
            self.injected.fetch_add(1, Ordering::Relaxed);
            return Err(RpcError::classify(format!(
                "eth_getLogs is limited to a {} block range",
                self.max_blocks
            )));
        }
        self.transient()?;
        let logs = self.inner.logs(addresses, from, to).await?;
        if logs.len() > self.max_logs {
            self.injected.fetch_add(1, Ordering::Relaxed);
            return Err(RpcError::classify(format!(
                "query returned more than {} results",
                self.max_logs
            )));
        }
        Ok(logs)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_lose_and_duplicate_nothing() {
    let chain = chain_with_events(3_000, 60).await;
    for b in testing::backends().await {
        let clean = testing::sqlite().await;
        let p = index_once(rpc_source(&chain).await, &clean.1, config(&chain)).await;
        assert_eq!(
            p.events as usize, chain.report.events,
            "clean run stores every log"
        );

        let faulty = Faulty::new(rpc_source(&chain).await, 7);
        let p = index_once(faulty, &b.store, config(&chain)).await;
        assert_eq!(p.events as usize, chain.report.events, "{}", b.name);
        assert_eq!(
            b.store.counts().await.unwrap().events as usize,
            chain.report.events,
            "{}",
            b.name
        );
        assert_eq!(
            data(&b.store).await,
            data(&clean.1).await,
            "{}: faulty run differs",
            b.name
        );
    }
}

#[tokio::test]
async fn a_provider_that_never_answers_is_an_error_not_a_hang() {
    let chain = chain_with_events(50, 10).await;
    let (_dir, store) = testing::sqlite().await;
    let mut faulty = Faulty::new(rpc_source(&chain).await, 1);
    faulty.p_fail = 1.0;
    let mut cfg = config(&chain);
    cfg.fetch.max_retries = 3;
    let err = ogcr_indexer::Indexer::new(faulty, store, cfg)
        .await
        .err()
        .expect("every request fails");
    let msg = err.to_string();
    assert!(msg.starts_with("rpc: "), "{msg}");
}
