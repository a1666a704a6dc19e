//! The ogcr indexer: follows a deployment's four contracts from their deployment block into
//! SQLite or PostgreSQL ([`ogcr_store`]). Logs are fetched with adaptive block ranges and
//! retries, decoded (every event, with named arguments), projected into current-state and
//! history tables, and committed together with the checkpoint in one transaction — so a
//! crash never loses or duplicates a row. Reorgs are found by block hash and undone through
//! the store's undo records. PDD and MRV documents are fetched and checked against their
//! on-chain hashes beside the chain data, never blocking it.

/// Decoding logs into audit rows and typed events.
pub mod decode;
/// Document fetching and verification.
pub mod documents;
/// The error type.
pub mod error;
/// Adaptive log fetching with retries.
pub mod fetch;
/// Prometheus metrics.
pub mod metrics;
/// The indexing loop.
pub mod pipeline;
/// Batches into change sets.
pub mod projection;
/// Chain data sources.
pub mod source;

pub use documents::{DocumentSources, Resolver};
pub use error::{Error, Result};
pub use fetch::FetchPolicy;
pub use pipeline::{Indexer, IndexerConfig, Progress, Step};
pub use source::{ChainSource, Header, RpcError, RpcErrorKind, RpcSource};
