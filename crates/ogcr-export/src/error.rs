//! The export error type.

use std::path::PathBuf;

/// Everything that can stop an export.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] ogcr_store::Error),
    /// The database follows no deployment yet.
    #[error("the database follows no deployment yet: run `ogcr index` first")]
    NotIndexed,
    /// A table name that is not one of the exported tables.
    #[error("unknown table {table:?}: expected one of {}", valid.join(", "))]
    UnknownTable {
        /// The name asked for.
        table: String,
        /// The tables there are.
        valid: Vec<&'static str>,
    },
    /// A page request out of range.
    #[error("invalid page request: {0}")]
    InvalidPage(String),
    /// Strict mode: a value could not be derived exactly.
    #[error("strict export stopped: {0}")]
    Strict(crate::Warning),
    /// The export configuration is invalid.
    #[error("invalid export configuration {origin}: {reason}")]
    Config {
        /// File or description of the configuration.
        origin: String,
        /// What is wrong.
        reason: String,
    },
    /// Article 6 options that cannot be served.
    #[error("invalid Article 6 options: {0}")]
    Aef(String),
    /// Writing an output file failed.
    #[error("writing {path}: {reason}")]
    Write {
        /// The file.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
}

/// Result alias of the exporter.
pub type Result<T, E = Error> = std::result::Result<T, E>;
