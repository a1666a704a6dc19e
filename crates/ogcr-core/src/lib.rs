//! `ogcr-core` holds what every part of the Open Geospatial Carbon Registry agrees on:
//! the OGCR v0.1.0 documents (PDD, MRV, CRU view) with their JSON Schema and business
//! rule validation, the methodology registry, and the CS-01 dataset commitments and
//! verifier attestations (HMAC proof of concept and EIP-712 production signatures) with
//! their append-only file registry. It does no I/O beyond the registry file and never
//! reads the environment.

/// CS-01 commitments, attestations and registry.
pub mod cs01;
/// The crate error type.
pub mod error;

pub use error::{Error, Result};
