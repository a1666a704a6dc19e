//! The client's error type.

use alloy::primitives::{Address, B256};

/// Everything that can go wrong talking to the registry.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A contract reverted; the message is the decoded custom error.
    #[error("{0}")]
    Revert(String),
    /// A transaction was mined but failed.
    #[error("transaction {0} reverted on chain")]
    Reverted(B256),
    /// The sender cannot pay for gas.
    #[error("account {account} has insufficient funds for this transaction")]
    InsufficientFunds {
        /// The sender.
        account: Address,
    },
    /// The RPC endpoint serves another chain than expected.
    #[error("the RPC endpoint serves chain {actual}, but {expected} was expected ({context})")]
    WrongChain {
        /// Expected chain id.
        expected: u64,
        /// Chain id of the endpoint.
        actual: u64,
        /// Where the expectation came from.
        context: String,
    },
    /// An RPC or transport failure.
    #[error("rpc: {0}")]
    Rpc(String),
    /// A signer could not be built.
    #[error("signer: {0}")]
    Signer(String),
    /// Invalid configuration (networks file, manifest, arguments).
    #[error("{0}")]
    Config(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A document could not be prepared for the chain (not a JSON object, bad date, …).
    #[error("{0}")]
    Document(String),
    /// A document failed the OGCR schema or business rules; every problem is listed.
    #[error("{origin} is not a valid OGCR document:\n  {}", .problems.join("\n  "))]
    InvalidDocument {
        /// The document (a path or an id).
        origin: String,
        /// Each problem, with its JSON pointer, code and fix.
        problems: Vec<String>,
    },
    /// An attestation cannot be submitted on chain.
    #[error("attestation: {0}")]
    Attestation(String),
    /// An expected event was missing from a receipt.
    #[error("transaction {tx} emitted no {event} event")]
    MissingEvent {
        /// The transaction.
        tx: B256,
        /// The event name.
        event: &'static str,
    },
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Maps a contract-call error: decoded revert, insufficient funds, or RPC failure.
    pub fn from_contract(err: alloy::contract::Error, sender: Option<Address>) -> Self {
        if let Some(data) = err.as_revert_data() {
            return Error::Revert(
                ogcr_bindings::decode_revert(&data)
                    .unwrap_or_else(|| format!("execution reverted with data {data}")),
            );
        }
        let text = err.to_string();
        if text.to_ascii_lowercase().contains("insufficient funds") {
            return Error::InsufficientFunds {
                account: sender.unwrap_or_default(),
            };
        }
        Error::Rpc(text)
    }

    pub(crate) fn rpc(err: impl std::fmt::Display) -> Self {
        Error::Rpc(err.to_string())
    }
}
