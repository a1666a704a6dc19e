//! Deployment manifests: `deploy/<chain-id>.json`, what was deployed where and when.

use std::path::{Path, PathBuf};

use alloy::primitives::{Address, B256};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// One deployed contract.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Deployed {
    /// Its address.
    pub address: Address,
    /// The creation transaction.
    pub tx_hash: B256,
    /// The block of the creation transaction.
    pub block_number: u64,
    /// keccak256 of the deployed runtime bytecode (detects a different build).
    pub code_hash: B256,
}

/// The four contracts of a deployment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Contracts {
    /// OGCRAccessControl.
    pub access_control: Deployed,
    /// ProjectRegistry.
    pub project_registry: Deployed,
    /// MRVRegistry.
    pub mrv_registry: Deployed,
    /// CarbonRemovalUnit.
    pub carbon_removal_unit: Deployed,
}

/// A deployment of the suite on one chain.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// The chain.
    pub chain_id: u64,
    /// The network name used, if any.
    pub network: Option<String>,
    /// Who sent the deployment transactions.
    pub deployer: Address,
    /// The first administrator.
    pub administrator: Address,
    /// Administrator handover delay in seconds.
    pub admin_delay_secs: u64,
    /// First block to index from (the access-control deployment block).
    pub deployment_block: u64,
    /// The contracts.
    pub contracts: Contracts,
    /// Version of the ogcr tooling that deployed.
    pub ogcr_version: String,
    /// When the deployment finished (ISO 8601 UTC).
    pub deployed_at: String,
}

impl Manifest {
    /// Where the manifest of `chain_id` lives under `dir`.
    pub fn path(dir: &Path, chain_id: u64) -> PathBuf {
        dir.join(format!("{chain_id}.json"))
    }

    /// Reads a manifest; `Ok(None)` when the file does not exist.
    pub fn read(path: &Path) -> Result<Option<Self>> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(Error::Io {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        serde_json::from_str(&text).map(Some).map_err(|e| {
            Error::Config(format!(
                "{}: not a deployment manifest: {e}",
                path.display()
            ))
        })
    }

    /// Writes the manifest atomically (temporary file, then rename).
    pub fn write(&self, path: &Path) -> Result<()> {
        let io = |source| Error::Io {
            path: path.display().to_string(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let tmp = path.with_extension("json.tmp");
        let mut text = serde_json::to_string_pretty(self).expect("a manifest always serializes");
        text.push('\n');
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// The addresses, in deployment order.
    pub fn addresses(&self) -> [(&'static str, Address); 4] {
        let c = &self.contracts;
        [
            ("OGCRAccessControl", c.access_control.address),
            ("ProjectRegistry", c.project_registry.address),
            ("MRVRegistry", c.mrv_registry.address),
            ("CarbonRemovalUnit", c.carbon_removal_unit.address),
        ]
    }
}
