//! The record of what the demo put on chain, read back from the chain after the run, so that
//! indexer, API and export tests can compare their answers with it.

use alloy::primitives::{Address, B256};
use serde::{Deserialize, Serialize};

/// Everything the demo did, as it stands on chain. Running the demo again returns an equal
/// summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoSummary {
    /// The chain.
    pub chain_id: u64,
    /// ProjectRegistry.
    pub project_registry: Address,
    /// MRVRegistry.
    pub mrv_registry: Address,
    /// CarbonRemovalUnit.
    pub carbon_removal_unit: Address,
    /// Registry transactions the scenario consists of.
    pub transactions: usize,
    /// The accounts and the parts they play.
    pub accounts: Vec<DemoAccount>,
    /// The stored documents (every PDD version and every MRV).
    pub documents: Vec<DemoDocument>,
    /// The projects.
    pub projects: Vec<DemoProject>,
    /// The monitoring reports, by report id.
    pub reports: Vec<DemoReport>,
    /// Every token the demo created, by token id.
    pub tokens: Vec<DemoToken>,
    /// Holder-to-holder transfers, in order.
    pub transfers: Vec<DemoTransfer>,
    /// Explicit splits, in order (partial retirements and cancellations split implicitly).
    pub splits: Vec<DemoSplit>,
    /// Retirements, in order.
    pub retirements: Vec<DemoRetirement>,
    /// Cancellations by the registry operator, in order.
    pub cancellations: Vec<DemoCancellation>,
    /// Label changes after issuance, in order.
    pub label_updates: Vec<DemoLabelUpdate>,
}

/// An account of the demo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoAccount {
    /// Its part: `administrator`, `developer`, `validator`, `verifier`, `registry_operator`,
    /// `relayer` or `holder`.
    pub role: String,
    /// Who it stands for.
    pub name: String,
    /// Its address.
    pub address: Address,
}

/// A document in the content-addressed store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoDocument {
    /// The document's `id`.
    pub document_id: String,
    /// `pdd` or `mrv`.
    pub kind: String,
    /// The project it belongs to.
    pub project_id: String,
    /// PDD version (None for MRVs).
    pub version: Option<u32>,
    /// SHA-256 of the canonical document, as anchored on chain.
    pub sha256: B256,
    /// `ogcr://sha256/<hex>`.
    pub uri: String,
}

/// A project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoProject {
    /// OGCR project id.
    pub project_id: String,
    /// Name (latest PDD).
    pub name: String,
    /// OGCR project type (`reforestation`, `biochar`, …).
    pub project_type: String,
    /// ISO 3166-1 alpha-2 code of the country the boundary lies in.
    pub country: String,
    /// The country's name.
    pub country_name: String,
    /// Region within the country.
    pub region: String,
    /// Methodology id.
    pub methodology_id: String,
    /// Methodology version as the PDD gives it.
    pub methodology_version: String,
    /// Expected annual removal of the latest PDD, tCO2e.
    pub expected_annual_benefit_t: f64,
    /// The developer.
    pub developer: Address,
    /// On-chain status (`validated`, `under review`, `archived`, …).
    pub status: String,
    /// Current PDD version.
    pub pdd_version: u32,
    /// Current PDD hash.
    pub pdd_hash: B256,
    /// Current PDD URI.
    pub pdd_uri: String,
    /// Other registry listing the project.
    pub external_registry: Option<String>,
    /// The project's id there.
    pub external_project_id: Option<String>,
    /// Crediting period start (ISO date), once validated.
    pub crediting_start: Option<String>,
    /// Crediting period end (ISO date, exclusive), once validated.
    pub crediting_end: Option<String>,
}

/// A monitoring report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoReport {
    /// Report id on chain.
    pub mrv_id: u64,
    /// The MRV document's id.
    pub document_id: String,
    /// The project.
    pub project_id: String,
    /// First day of the period (ISO date).
    pub period_start: String,
    /// Day after the last day of the period (ISO date; the on-chain end is exclusive).
    pub period_end: String,
    /// `submitted`, `verified` or `rejected`.
    pub status: String,
    /// Net removal the developer reported, tCO2e.
    pub net_removal_estimate_t: f64,
    /// Verified net removal, kg CO2e (0 unless verified).
    pub verified_amount_kg: u128,
    /// Who decided (None while awaiting verification).
    pub verifier: Option<Address>,
    /// `direct` or `attestation` (None while awaiting verification).
    pub verification: Option<String>,
    /// EIP-712 digest of the relayed attestation.
    pub attestation_digest: Option<B256>,
    /// Who relayed the attestation.
    pub relayer: Option<Address>,
    /// SHA-256 of the canonical MRV document.
    pub mrv_hash: B256,
    /// CS-01 dataset commitment.
    pub dataset_commitment: B256,
    /// Where the document is.
    pub uri: String,
}

/// A CRU token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoToken {
    /// Token id.
    pub token_id: u64,
    /// The project.
    pub project_id: String,
    /// The report it was issued against.
    pub mrv_id: u64,
    /// Current holder.
    pub owner: Address,
    /// Tonnes CO2e.
    pub amount_t: u64,
    /// First serial.
    pub serial_start: u64,
    /// Last serial.
    pub serial_end: u64,
    /// Vintage year.
    pub vintage: u16,
    /// `active`, `retired`, `cancelled` or `buffer`.
    pub status: String,
    /// Label bits (1 CORSIA eligible, 2 Article 6 authorised).
    pub labels: u8,
    /// Label names.
    pub label_names: Vec<String>,
    /// ITMO reference, with the Article 6 label.
    pub itmo_reference: Option<String>,
}

/// A transfer between holders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoTransfer {
    /// The token.
    pub token_id: u64,
    /// Sender.
    pub from: Address,
    /// Receiver.
    pub to: Address,
    /// The transaction.
    pub tx_hash: B256,
}

/// A split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoSplit {
    /// The token split.
    pub token_id: u64,
    /// The new token (the last serials).
    pub new_token_id: u64,
    /// Tonnes moved to the new token.
    pub amount_t: u64,
    /// Holder of both.
    pub owner: Address,
    /// The transaction.
    pub tx_hash: B256,
}

/// A retirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoRetirement {
    /// The retired token (a new token for a partial retirement).
    pub token_id: u64,
    /// The token retired from.
    pub source_token_id: u64,
    /// Its holder.
    pub owner: Address,
    /// Tonnes retired.
    pub amount_t: u64,
    /// First serial retired.
    pub serial_start: u64,
    /// 1 voluntary, 2 CORSIA, 3 NDC / Article 6, 4 other compliance.
    pub reason_code: u8,
    /// Beneficiary.
    pub beneficiary: String,
    /// Beneficiary identifier.
    pub beneficiary_id: String,
    /// Claim detail.
    pub detail: String,
    /// The transaction.
    pub tx_hash: B256,
}

/// A cancellation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoCancellation {
    /// The cancelled token (a new token for a partial cancellation).
    pub token_id: u64,
    /// The token cancelled from.
    pub source_token_id: u64,
    /// Tonnes cancelled.
    pub amount_t: u64,
    /// Why.
    pub reason: String,
    /// The transaction.
    pub tx_hash: B256,
}

/// A label change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoLabelUpdate {
    /// The token.
    pub token_id: u64,
    /// New label bits.
    pub labels: u8,
    /// New ITMO reference.
    pub itmo_reference: Option<String>,
    /// The transaction.
    pub tx_hash: B256,
}

/// The names of label bits, as the contract's token metadata writes them.
pub fn label_names(labels: u8) -> Vec<String> {
    let mut names = Vec::new();
    if labels & super::script::CORSIA != 0 {
        names.push("CORSIA eligible".to_owned());
    }
    if labels & super::script::ARTICLE6 != 0 {
        names.push("Article 6 authorized".to_owned());
    }
    names
}

impl DemoSummary {
    /// The project with this id.
    pub fn project(&self, project_id: &str) -> Option<&DemoProject> {
        self.projects.iter().find(|p| p.project_id == project_id)
    }

    /// The report made of this MRV document.
    pub fn report(&self, document_id: &str) -> Option<&DemoReport> {
        self.reports.iter().find(|r| r.document_id == document_id)
    }

    /// The token with this id.
    pub fn token(&self, token_id: u64) -> Option<&DemoToken> {
        self.tokens.iter().find(|t| t.token_id == token_id)
    }
}
