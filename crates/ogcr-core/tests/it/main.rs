//! Integration tests of `ogcr-core` (one binary, one module per area).

mod cs01_attestation;
mod cs01_canonical;
mod cs01_registry;
mod documents;
