//! The indexer's error type.

/// Everything that stops the indexer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database layer failed.
    #[error(transparent)]
    Store(#[from] ogcr_store::Error),
    /// The RPC endpoint failed after all retries.
    #[error("rpc: {0}")]
    Rpc(#[from] crate::source::RpcError),
    /// The endpoint serves another chain than the manifest's.
    #[error(
        "the RPC endpoint serves chain {actual}, but the deployment manifest is for chain {expected}"
    )]
    WrongChain {
        /// Manifest chain id.
        expected: u64,
        /// Endpoint chain id.
        actual: u64,
    },
    /// A block the indexer needs does not exist on the endpoint.
    #[error("block {0} is not available from the RPC endpoint")]
    MissingBlock(u64),
    /// The chain reorganised below every block the database still knows.
    #[error(
        "no common ancestor between the database (checkpoint {checkpoint}) and the chain within the kept blocks; re-index with --reset"
    )]
    NoCommonAncestor {
        /// Database checkpoint.
        checkpoint: i64,
    },
    /// Fetched data was inconsistent (a reorg while fetching); the batch is retried.
    #[error("chain changed while fetching blocks {from}..={to}: {detail}")]
    Inconsistent {
        /// First block.
        from: u64,
        /// Last block.
        to: u64,
        /// What did not match.
        detail: String,
    },
    /// Invalid configuration.
    #[error("{0}")]
    Config(String),
    /// The metrics endpoint could not start.
    #[error("cannot serve metrics on {addr}: {source}")]
    Metrics {
        /// Listen address.
        addr: String,
        /// Cause.
        source: std::io::Error,
    },
}

/// Result alias of the indexer.
pub type Result<T, E = Error> = std::result::Result<T, E>;
