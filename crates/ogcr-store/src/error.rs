//! The store's error type.

/// Everything that can go wrong in the database layer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database URL names no supported backend.
    #[error(
        "unsupported database url {0:?}: use sqlite://PATH (or a plain file path) or postgres://USER@HOST/DB"
    )]
    UnsupportedUrl(String),
    /// A driver or connection error.
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// A released migration differs from the one applied to this database.
    #[error(
        "migration {version} ({description}) was changed after it was applied to this database (checksum {applied} in the database, {expected} in this build)"
    )]
    MigrationChanged {
        /// Migration number.
        version: i64,
        /// Its description.
        description: String,
        /// Checksum recorded in the database.
        applied: String,
        /// Checksum of this build's migration.
        expected: String,
    },
    /// The database was migrated by a newer ogcr.
    #[error("the database has migration {0}, which this build does not know: upgrade ogcr")]
    MigrationUnknown(i64),
    /// The database already follows another deployment.
    #[error(
        "this database indexes {existing}; refusing to mix in {requested}. Use another database or --reset"
    )]
    OtherDeployment {
        /// What the database follows.
        existing: String,
        /// What was asked for.
        requested: String,
    },
    /// A batch does not continue the checkpoint.
    #[error("batch starts at block {from} but the checkpoint is block {checkpoint}")]
    Discontinuous {
        /// First block of the batch.
        from: i64,
        /// Stored checkpoint.
        checkpoint: i64,
    },
    /// A rollback below the oldest block with undo records.
    #[error(
        "cannot roll back to block {target}: undo records only reach block {floor} (the reorg is deeper than the reorg window); re-index with --reset"
    )]
    RollbackTooDeep {
        /// Requested block.
        target: i64,
        /// Lowest reachable block.
        floor: i64,
    },
    /// The database has not been initialised for a deployment yet.
    #[error("the database follows no deployment yet: run `ogcr index` first")]
    NotInitialised,
    /// A stored value could not be decoded.
    #[error("corrupt row in {table}: {detail}")]
    Corrupt {
        /// Table.
        table: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// A client's pagination cursor does not fit the list it was sent to.
    #[error("the cursor is not one of this list: {0}")]
    BadCursor(String),
    /// Another indexer holds the write lock of this database.
    #[error("another indexer is writing to this database ({0})")]
    Locked(String),
    /// An error met by a computation other requests were waiting on too (a cached list
    /// index), shared with each of them.
    #[error("{0}")]
    Shared(std::sync::Arc<Error>),
}

/// Result alias of the store.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Whether the database could not be reached (a retry later may succeed), as opposed to
    /// a query or data error.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Error::Shared(e) => e.is_unavailable(),
            e => matches!(
                e,
                Error::Sqlx(
                    sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed
                )
            ),
        }
    }
}
