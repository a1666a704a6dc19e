//! alloy bindings for the ogcr contracts: `OGCRAccessControl`, `ProjectRegistry`,
//! `MRVRegistry` and `CarbonRemovalUnit`, generated at build time from the forge artifacts of
//! `contracts/src` (so they can never drift from the Solidity), with deployment bytecode, and
//! a decoder that turns any ogcr custom-error revert into a readable sentence.

#![allow(clippy::too_many_arguments)]

/// The generated bindings (one module per contract, with its calls, events, errors and bytecode).
#[allow(missing_docs, unreachable_pub)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/bindings.rs"));
}

pub use generated::*;

/// Readable messages for the contracts' custom errors.
pub mod errors;

pub use errors::decode_revert;
