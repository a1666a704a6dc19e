//! Where chain data comes from: the [`ChainSource`] trait (so tests can inject faults) and its
//! JSON-RPC implementation, with errors classified so the fetcher knows whether to shrink the
//! block range, back off, or retry.

use std::{
    future::{Future, IntoFuture},
    time::Duration,
};

use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, B256},
    providers::{DynProvider, Provider},
    rpc::types::{Filter, Log},
};

/// What went wrong with one RPC request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RpcErrorKind {
    /// The provider refuses the block range or result size: split the range.
    RangeTooLarge,
    /// HTTP 429 or a rate-limit error: back off.
    RateLimited,
    /// No answer in time: split the range (it may be too heavy) and retry.
    Timeout,
    /// Anything else (connection refused, 5xx, malformed answer): retry with backoff.
    Transport,
}

/// A failed RPC request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RpcError {
    /// Classification.
    pub kind: RpcErrorKind,
    /// The endpoint's message.
    pub message: String,
}

impl RpcError {
    /// An error of `kind`.
    pub fn new(kind: RpcErrorKind, message: impl Into<String>) -> Self {
        RpcError {
            kind,
            message: message.into(),
        }
    }

    /// Classifies an error message from any provider (geth, erigon, reth, anvil, Alchemy,
    /// Infura, QuickNode…) by the phrases they use.
    pub fn classify(message: impl Into<String>) -> Self {
        let message = message.into();
        let m = message.to_lowercase();
        let kind = if m.contains("429")
            || m.contains("rate limit")
            || m.contains("too many requests")
            || m.contains("exceeded its compute units")
            || m.contains("capacity exceeded")
        {
            RpcErrorKind::RateLimited
        } else if m.contains("block range")
            || m.contains("range too large")
            || m.contains("range is too large")
            || m.contains("too many results")
            || m.contains("more than")
            || m.contains("query returned")
            || m.contains("response size")
            || m.contains("limit exceeded")
            || m.contains("exceed maximum")
            || m.contains("-32005")
            || m.contains("-32602") && m.contains("range")
        {
            RpcErrorKind::RangeTooLarge
        } else if m.contains("timed out") || m.contains("timeout") || m.contains("deadline") {
            RpcErrorKind::Timeout
        } else {
            RpcErrorKind::Transport
        };
        RpcError { kind, message }
    }
}

/// The parts of a block header the indexer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Number.
    pub number: u64,
    /// Hash.
    pub hash: B256,
    /// Parent hash.
    pub parent_hash: B256,
    /// Unix seconds.
    pub timestamp: u64,
}

/// A source of chain data.
pub trait ChainSource: Send + Sync + 'static {
    /// The chain id.
    fn chain_id(&self) -> impl Future<Output = Result<u64, RpcError>> + Send;
    /// The latest block number.
    fn head(&self) -> impl Future<Output = Result<u64, RpcError>> + Send;
    /// The header of block `number`, `None` if the chain does not have it (yet, or any more).
    fn header(&self, number: u64) -> impl Future<Output = Result<Option<Header>, RpcError>> + Send;
    /// Logs of `addresses` in blocks `from..=to`.
    fn logs(
        &self,
        addresses: &[Address],
        from: u64,
        to: u64,
    ) -> impl Future<Output = Result<Vec<Log>, RpcError>> + Send;
}

/// A JSON-RPC endpoint, each request bounded by a timeout.
#[derive(Debug, Clone)]
pub struct RpcSource {
    provider: DynProvider,
    timeout: Duration,
}

impl RpcSource {
    /// Wraps a provider; every request fails with [`RpcErrorKind::Timeout`] after `timeout`.
    pub fn new(provider: DynProvider, timeout: Duration) -> Self {
        RpcSource { provider, timeout }
    }

    async fn bounded<T, E: std::fmt::Display>(
        &self,
        what: &str,
        fut: impl IntoFuture<Output = Result<T, E>>,
    ) -> Result<T, RpcError> {
        match tokio::time::timeout(self.timeout, fut.into_future()).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(RpcError::classify(format!("{what}: {e}"))),
            Err(_) => Err(RpcError::new(
                RpcErrorKind::Timeout,
                format!("{what}: no answer within {:?}", self.timeout),
            )),
        }
    }
}

impl ChainSource for RpcSource {
    async fn chain_id(&self) -> Result<u64, RpcError> {
        self.bounded("eth_chainId", self.provider.get_chain_id())
            .await
    }

    async fn head(&self) -> Result<u64, RpcError> {
        self.bounded("eth_blockNumber", self.provider.get_block_number())
            .await
    }

    async fn header(&self, number: u64) -> Result<Option<Header>, RpcError> {
        let block = self
            .bounded(
                &format!("eth_getBlockByNumber({number})"),
                self.provider
                    .get_block_by_number(BlockNumberOrTag::Number(number)),
            )
            .await?;
        Ok(block.map(|b| Header {
            number: b.header.number,
            hash: b.header.hash,
            parent_hash: b.header.parent_hash,
            timestamp: b.header.timestamp,
        }))
    }

    async fn logs(&self, addresses: &[Address], from: u64, to: u64) -> Result<Vec<Log>, RpcError> {
        let filter = Filter::new()
            .address(addresses.to_vec())
            .from_block(from)
            .to_block(to);
        self.bounded(
            &format!("eth_getLogs({from}..={to})"),
            self.provider.get_logs(&filter),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_messages_are_classified() {
        let cases = [
            (
                "query returned more than 10000 results",
                RpcErrorKind::RangeTooLarge,
            ),
            (
                "eth_getLogs block range is too large, max 2000",
                RpcErrorKind::RangeTooLarge,
            ),
            (
                "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range",
                RpcErrorKind::RangeTooLarge,
            ),
            (
                "server returned an error response: error code -32005: limit exceeded",
                RpcErrorKind::RangeTooLarge,
            ),
            (
                "HTTP error 429 with body: Too Many Requests",
                RpcErrorKind::RateLimited,
            ),
            (
                "Your app has exceeded its compute units per second capacity",
                RpcErrorKind::RateLimited,
            ),
            ("request timed out", RpcErrorKind::Timeout),
            ("connection refused", RpcErrorKind::Transport),
            (
                "HTTP error 502 with body: bad gateway",
                RpcErrorKind::Transport,
            ),
        ];
        for (message, kind) in cases {
            assert_eq!(RpcError::classify(message).kind, kind, "{message}");
        }
    }
}
