//! The write API's library error type (handlers answer [`ogcr_api::ApiError`]).

/// What can go wrong outside a request's own validation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Configuration (organizations file, keys).
    #[error("{0}")]
    Config(String),
    /// A stored task or request cannot be read back.
    #[error("{0}")]
    Invalid(String),
    /// The database.
    #[error(transparent)]
    Store(#[from] ogcr_store::Error),
    /// The chain.
    #[error(transparent)]
    Client(#[from] ogcr_client::Error),
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Whether retrying later may succeed (the node or the database was unreachable), as
    /// opposed to a decision (a revert, an invalid request) that a retry repeats.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Client(ogcr_client::Error::Rpc(_)) => true,
            Error::Store(e) => e.is_unavailable(),
            _ => false,
        }
    }
}
