//! CS-01 Carbon MRV attestations and dataset commitments, byte-compatible with the
//! TypeScript reference implementation, plus EIP-712 production signatures.

/// Attestations and HMAC signatures (CS-01 §1.5–1.6, §2.2–2.5).
pub mod attestation;
/// Canonical JSON serialization of summaries (CS-01 §1.2).
pub mod canonical;
/// Dataset commitments (CS-01 §1.3–1.4, §2.1).
pub mod commitment;
/// EIP-712 production signatures.
pub mod eip712;
/// Append-only file registry (CS-01 §1.7–1.8, §2.6).
pub mod registry;

pub use attestation::{
    Attestation, AttestationInput, AttestationScope, HmacKey, Outcome, SignatureScheme,
    create_hmac_attestation, verify_hmac,
};
pub use commitment::{
    DatasetCommitment, create_dataset_commitment, hash_summary, verify_commitment,
};
pub use eip712::{Eip712Params, create_eip712_attestation, eip712_signing_hash, verify_eip712};
pub use registry::{FileRegistry, ListFilter, RegistryEntry};
