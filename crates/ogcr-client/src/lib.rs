//! Talks to the ogcr contracts: network configurations, signers (raw key, keystore,
//! mnemonic), the deployer with its `deploy/<chain-id>.json` manifests, and a [`Registry`]
//! with every lifecycle operation. Transactions wait for the network's confirmations, and
//! reverts come back as readable sentences decoded from the contracts' custom errors.
//! PDD and MRV documents are validated and stored content-addressed ([`documents`]) before
//! their hashes go on chain, and [`demo`] drives a realistic scenario through all of it.

/// A realistic demo scenario driven through the whole lifecycle.
pub mod demo;
/// Deployment of the suite.
pub mod deploy;
/// Validated, content-addressed PDD and MRV documents.
pub mod documents;
/// The error type.
pub mod error;
/// Deployment manifests.
pub mod manifest;
/// `networks.toml`.
pub mod network;
/// The connected registry and its operations.
pub mod registry;
/// Crash-safe signing and broadcasting for services.
pub mod sender;
/// Signer sources.
pub mod signer;

pub use demo::{DemoAccounts, DemoSummary};
pub use deploy::{DeployOptions, DeployResult, deploy, is_live};
pub use error::{Error, Result};
pub use manifest::{Contracts, Deployed, Manifest};
pub use network::{Network, Networks};
pub use registry::{
    GasPolicy, IssueParams, MrvAttestation, ProjectView, Registry, ReportSubmission, ReportView,
    RetirementInfo, TxOutcome, TxPolicy, Unit, attestation_call, events, role_id,
};
pub use signer::SignerSource;
