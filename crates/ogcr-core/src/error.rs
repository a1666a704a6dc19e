//! The crate's error type.

use std::path::PathBuf;

/// Result alias for `ogcr-core`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `ogcr-core`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text is not valid JSON.
    #[error("invalid json at byte {position}: {reason}")]
    InvalidJson {
        /// Byte offset of the problem.
        position: usize,
        /// What is wrong there.
        reason: String,
    },
    /// A CS-01 dataset summary must be a JSON object.
    #[error("summary must be a json object, got {found}")]
    SummaryNotObject {
        /// JSON type that was given instead.
        found: &'static str,
    },
    /// A dataset commitment lacks a field or has a malformed one (CS-01 §1.4, §2.5).
    #[error("dataset commitment is malformed: {0}")]
    MalformedCommitment(String),
    /// An attestation lacks a field or has a malformed one.
    #[error("attestation is malformed: {0}")]
    MalformedAttestation(String),
    /// The outcome is not exactly `verified` or `rejected`.
    #[error("outcome {0:?} is not \"verified\" or \"rejected\"")]
    InvalidOutcome(String),
    /// The signature scheme named by the attestation is not supported.
    #[error("signature scheme {0:?} is not supported (use \"hmac-sha256\" or \"eip712\")")]
    UnsupportedScheme(String),
    /// The signature does not match the signed fields.
    #[error("signature does not match the attestation's signed fields")]
    SignatureMismatch,
    /// The EIP-712 signature was made by another key than the claimed verifier's.
    #[error("signature was made by {recovered}, not by the verifier {expected}")]
    SignerMismatch {
        /// Address the signature recovers to.
        recovered: String,
        /// Address it was expected to recover to.
        expected: String,
    },
    /// A private key could not be used.
    #[error("invalid private key: {0}")]
    InvalidKey(String),
    /// The registry file exists but cannot be used; it is left untouched.
    #[error("registry file {path} is unusable and was not modified: {reason}")]
    RegistryCorrupt {
        /// The registry file.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// A file system operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A methodology definition or reference is invalid.
    #[error("methodology {id}: {reason}")]
    Methodology {
        /// Methodology id (and version, when relevant).
        id: String,
        /// What is wrong.
        reason: String,
    },
    /// A JSON Schema could not be compiled.
    #[error("schema {name} does not compile: {reason}")]
    Schema {
        /// Which schema.
        name: String,
        /// Compiler message.
        reason: String,
    },
    /// A document is not usable for the requested operation.
    #[error("document {id}: {reason}")]
    Document {
        /// Document id.
        id: String,
        /// What is wrong.
        reason: String,
    },
    /// serde_json failed.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

impl Error {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
