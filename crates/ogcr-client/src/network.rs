//! Network configurations (`deploy/networks.toml`): chain id, RPC endpoint, confirmations, gas.

use std::{collections::BTreeMap, path::Path};

use serde::Deserialize;

use crate::{Error, Result};

/// One network of `networks.toml`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// Expected chain id; a mismatching RPC endpoint is refused.
    pub chain_id: u64,
    /// RPC endpoint, when it can be written down.
    #[serde(default)]
    pub rpc_url: Option<String>,
    /// Environment variable holding the RPC endpoint (for keyed provider URLs).
    #[serde(default)]
    pub rpc_url_env: Option<String>,
    /// Blocks to wait after inclusion before a transaction counts as done.
    #[serde(default)]
    pub confirmations: u64,
    /// Expected block time, for timeouts and the indexer's polling.
    #[serde(default = "default_block_time")]
    pub block_time_secs: u64,
    /// Cap on the max fee per gas (gwei); the node's estimate is used when absent.
    #[serde(default)]
    pub max_fee_per_gas_gwei: Option<f64>,
    /// Priority fee (gwei); the node's estimate is used when absent.
    #[serde(default)]
    pub max_priority_fee_per_gas_gwei: Option<f64>,
    /// Multiplier applied to gas estimates (1.0 = as estimated).
    #[serde(default = "default_gas_multiplier")]
    pub gas_limit_multiplier: f64,
}

fn default_block_time() -> u64 {
    12
}

fn default_gas_multiplier() -> f64 {
    1.2
}

/// All networks of a `networks.toml`, by name.
#[derive(Debug, Clone, Default)]
pub struct Networks(pub BTreeMap<String, Network>);

/// The networks ogcr knows without a file (the same as the committed `deploy/networks.toml`).
pub const DEFAULT_NETWORKS: &str = include_str!("../../../deploy/networks.toml");

impl Networks {
    /// Parses a networks file's text.
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        toml::from_str::<BTreeMap<String, Network>>(text)
            .map(Networks)
            .map_err(|e| Error::Config(format!("{origin}: {e}")))
    }

    /// Reads `path`, or the built-in defaults when the file does not exist.
    pub fn load(path: &Path) -> Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Self::parse(DEFAULT_NETWORKS, "built-in networks")
            }
            Err(source) => Err(Error::Io {
                path: path.display().to_string(),
                source,
            }),
        }
    }

    /// The network called `name`, with the list of known names in the error.
    pub fn get(&self, name: &str) -> Result<&Network> {
        self.0.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.0.keys().map(String::as_str).collect();
            Error::Config(format!(
                "unknown network {name:?}; known networks: {}",
                known.join(", ")
            ))
        })
    }
}

impl Network {
    /// The RPC URL: `rpc_url`, else the variable named by `rpc_url_env` (read by the caller).
    pub fn rpc_url(&self, env_lookup: impl Fn(&str) -> Option<String>) -> Result<String> {
        if let Some(url) = &self.rpc_url {
            return Ok(url.clone());
        }
        if let Some(var) = &self.rpc_url_env {
            return env_lookup(var).ok_or_else(|| {
                Error::Config(format!(
                    "set {var} to the RPC URL of chain {} (or pass --rpc-url)",
                    self.chain_id
                ))
            });
        }
        Err(Error::Config(format!(
            "network of chain {} has no rpc_url; pass --rpc-url",
            self.chain_id
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_networks_parse() {
        let n = Networks::parse(DEFAULT_NETWORKS, "built-in").unwrap();
        assert_eq!(n.get("anvil").unwrap().chain_id, 31337);
        assert_eq!(n.get("sepolia").unwrap().chain_id, 11_155_111);
        assert_eq!(n.get("base-sepolia").unwrap().chain_id, 84_532);
        let err = n.get("mainnet").unwrap_err().to_string();
        assert!(err.contains("unknown network \"mainnet\""), "{err}");
        assert!(err.contains("anvil"), "{err}");
    }

    #[test]
    fn rpc_url_comes_from_env_when_not_written() {
        let n = Networks::parse(DEFAULT_NETWORKS, "built-in").unwrap();
        let sepolia = n.get("sepolia").unwrap();
        let err = sepolia.rpc_url(|_| None).unwrap_err().to_string();
        assert!(err.contains("SEPOLIA_RPC_URL"), "{err}");
        assert_eq!(
            sepolia.rpc_url(|_| Some("http://x".into())).unwrap(),
            "http://x"
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = Networks::parse("[x]\nchain_id = 1\nconfirmation = 2\n", "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("confirmation"), "{err}");
    }
}
