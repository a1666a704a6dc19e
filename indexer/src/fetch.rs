//! Fetching logs with adaptive block ranges: a range the provider refuses ("range too large",
//! "too many results") or cannot answer in time is halved; after consecutive successes it
//! grows again. Rate limits and transport errors are retried with exponential backoff and
//! jitter. Nothing is skipped: a range either comes back whole or the error surfaces.

use std::{future::Future, time::Duration};

use alloy::{primitives::Address, rpc::types::Log};
use rand::Rng;

use crate::source::{ChainSource, RpcError, RpcErrorKind};

/// How ranges adapt and errors are retried.
#[derive(Debug, Clone)]
pub struct FetchPolicy {
    /// Block range of the first request.
    pub initial_range: u64,
    /// Largest block range ever requested.
    pub max_range: u64,
    /// Retries of one request (rate limits, transport errors) before giving up.
    pub max_retries: u32,
    /// First backoff delay; doubles per retry.
    pub base_backoff: Duration,
    /// Longest backoff delay.
    pub max_backoff: Duration,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        FetchPolicy {
            initial_range: 2_000,
            max_range: 50_000,
            max_retries: 8,
            base_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(30),
        }
    }
}

impl FetchPolicy {
    /// The delay before retry `attempt` (1-based): exponential, capped, with ±25 % jitter.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base_backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let capped = exp.min(self.max_backoff);
        let jitter = rand::rng().random_range(0.75..1.25);
        capped.mul_f64(jitter)
    }
}

fn record_error(e: &RpcError) {
    let kind = match e.kind {
        RpcErrorKind::RangeTooLarge => "range_too_large",
        RpcErrorKind::RateLimited => "rate_limited",
        RpcErrorKind::Timeout => "timeout",
        RpcErrorKind::Transport => "transport",
    };
    metrics::counter!("ogcr_indexer_rpc_errors_total", "kind" => kind).increment(1);
}

/// Runs `call` until it succeeds, retrying every error kind with backoff, at most
/// `policy.max_retries` times.
pub async fn retry<T, F, Fut>(policy: &FetchPolicy, what: &str, mut call: F) -> Result<T, RpcError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RpcError>>,
{
    let mut attempt = 0;
    loop {
        match call().await {
            Ok(v) => return Ok(v),
            Err(e) => {
                record_error(&e);
                attempt += 1;
                if attempt > policy.max_retries {
                    return Err(e);
                }
                let delay = policy.backoff(attempt);
                tracing::warn!(target: "ogcr::indexer::fetch", what, attempt, ?delay, error = %e, "rpc request failed, retrying");
                tokio::time::sleep(delay).await;
            }
        }
    }
}

/// Fetches consecutive log ranges, adapting the range to what the provider accepts.
#[derive(Debug, Clone)]
pub struct RangeFetcher {
    policy: FetchPolicy,
    range: u64,
    streak: u32,
}

impl RangeFetcher {
    /// A fetcher starting at the policy's initial range.
    pub fn new(policy: FetchPolicy) -> Self {
        let range = policy.initial_range.clamp(1, policy.max_range.max(1));
        RangeFetcher {
            policy,
            range,
            streak: 0,
        }
    }

    /// The policy.
    pub fn policy(&self) -> &FetchPolicy {
        &self.policy
    }

    /// The block range the next request will use.
    pub fn range(&self) -> u64 {
        self.range
    }

    /// Fetches the logs of the next range starting at `from` and ending at most at `limit`.
    /// Returns the last block covered and every log in `from..=that block`.
    pub async fn next<S: ChainSource>(
        &mut self,
        source: &S,
        addresses: &[Address],
        from: u64,
        limit: u64,
    ) -> Result<(u64, Vec<Log>), RpcError> {
        let mut attempt = 0;
        loop {
            let to = limit.min(from.saturating_add(self.range - 1));
            match source.logs(addresses, from, to).await {
                Ok(logs) => {
                    self.streak += 1;
                    if self.streak >= 2 && self.range < self.policy.max_range {
                        self.range = (self.range * 2).min(self.policy.max_range);
                        self.streak = 0;
                    }
                    return Ok((to, logs));
                }
                Err(e) => {
                    record_error(&e);
                    self.streak = 0;
                    let splittable =
                        matches!(e.kind, RpcErrorKind::RangeTooLarge | RpcErrorKind::Timeout);
                    if splittable && to > from {
                        // Half of the refused range's to - from + 1 blocks.
                        self.range = (to - from).div_ceil(2).max(1);
                        tracing::debug!(target: "ogcr::indexer::fetch", from, to, range = self.range, error = %e, "range refused, halving");
                        continue;
                    }
                    attempt += 1;
                    if attempt > self.policy.max_retries {
                        return Err(e);
                    }
                    let delay = self.policy.backoff(attempt);
                    tracing::warn!(target: "ogcr::indexer::fetch", from, to, attempt, ?delay, error = %e, "eth_getLogs failed, retrying");
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }
}
