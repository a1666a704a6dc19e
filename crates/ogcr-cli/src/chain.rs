//! What every command that talks to the chain shares: network selection, signer, manifest,
//! output format, and small argument parsers.

use std::path::PathBuf;

use alloy::primitives::{Address, B256};
use anyhow::{Context as _, Result, anyhow, bail};
use clap::Args;
use ogcr_client::{Manifest, Network, Networks, Registry, SignerSource, TxPolicy};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

/// Network, signer and output options of chain commands.
#[derive(Debug, Clone, Args)]
pub(crate) struct ChainArgs {
    /// Network from the networks file (anvil, sepolia, base-sepolia, …).
    #[arg(long, env = "OGCR_NETWORK", default_value = "anvil", global = true)]
    pub(crate) network: String,
    /// RPC URL; overrides the network's. The endpoint must serve the network's chain id.
    #[arg(long, env = "OGCR_RPC_URL", global = true)]
    pub(crate) rpc_url: Option<String>,
    /// Networks file.
    #[arg(
        long,
        env = "OGCR_NETWORKS",
        default_value = "deploy/networks.toml",
        global = true
    )]
    pub(crate) networks: PathBuf,
    /// Directory of deployment manifests (`<chain-id>.json`).
    #[arg(
        long,
        env = "OGCR_MANIFEST_DIR",
        default_value = "deploy",
        global = true
    )]
    pub(crate) manifest_dir: PathBuf,
    /// Signer: hex private key.
    #[arg(long, env = "OGCR_PRIVATE_KEY", hide_env_values = true, global = true)]
    pub(crate) private_key: Option<String>,
    /// Signer: encrypted JSON keystore file (password from --password / OGCR_KEYSTORE_PASSWORD).
    #[arg(
        long,
        env = "OGCR_KEYSTORE",
        global = true,
        conflicts_with = "private_key"
    )]
    pub(crate) keystore: Option<PathBuf>,
    /// Keystore password.
    #[arg(
        long,
        env = "OGCR_KEYSTORE_PASSWORD",
        hide_env_values = true,
        global = true
    )]
    pub(crate) password: Option<String>,
    /// Signer: BIP-39 mnemonic (account chosen with --mnemonic-index).
    #[arg(long, env = "OGCR_MNEMONIC", hide_env_values = true, global = true,
          conflicts_with_all = ["private_key", "keystore"])]
    pub(crate) mnemonic: Option<String>,
    /// Account index for --mnemonic (m/44'/60'/0'/0/INDEX).
    #[arg(long, default_value_t = 0, global = true)]
    pub(crate) mnemonic_index: u32,
    /// Confirmations to wait for (default: the network's).
    #[arg(long, global = true)]
    pub(crate) confirmations: Option<u64>,
}

impl ChainArgs {
    /// The selected network.
    pub(crate) fn network(&self) -> Result<Network> {
        let networks = Networks::load(&self.networks)?;
        Ok(networks.get(&self.network)?.clone())
    }

    /// The RPC URL: --rpc-url, else the network's.
    pub(crate) fn rpc_url(&self, network: &Network) -> Result<String> {
        match &self.rpc_url {
            Some(url) => Ok(url.clone()),
            None => Ok(network.rpc_url(|var| std::env::var(var).ok())?),
        }
    }

    /// The signer, if one was given.
    pub(crate) fn signer(&self) -> Result<Option<alloy::signers::local::PrivateKeySigner>> {
        let source = if let Some(key) = &self.private_key {
            SignerSource::PrivateKey(key.clone())
        } else if let Some(path) = &self.keystore {
            let password = match &self.password {
                Some(p) => p.clone(),
                None => bail!("--keystore needs --password or OGCR_KEYSTORE_PASSWORD"),
            };
            SignerSource::Keystore {
                path: path.clone(),
                password,
            }
        } else if let Some(phrase) = &self.mnemonic {
            SignerSource::Mnemonic {
                phrase: phrase.clone(),
                index: self.mnemonic_index,
            }
        } else {
            return Ok(None);
        };
        Ok(Some(source.build()?))
    }

    /// Transaction policy of the network.
    pub(crate) fn policy(&self, network: &Network) -> TxPolicy {
        TxPolicy {
            confirmations: self.confirmations.unwrap_or(network.confirmations),
            timeout: std::time::Duration::from_secs((network.block_time_secs * 40).max(60)),
            gas: network.into(),
        }
    }

    /// The manifest of the network's chain (read offline).
    pub(crate) fn manifest(&self, network: &Network) -> Result<Manifest> {
        let path = Manifest::path(&self.manifest_dir, network.chain_id);
        Manifest::read(&path)?.ok_or_else(|| {
            anyhow!(
                "no deployment of chain {} in {}: run `ogcr deploy --network {}` first",
                network.chain_id,
                path.display(),
                self.network
            )
        })
    }

    /// A registry connected with the signer (if any).
    pub(crate) async fn registry(&self) -> Result<Registry> {
        let network = self.network()?;
        let manifest = self.manifest(&network)?;
        let url = self.rpc_url(&network)?;
        Ok(Registry::connect(&url, self.signer()?, manifest, self.policy(&network)).await?)
    }
}

/// Runs an async command body on a fresh runtime.
pub(crate) fn block_on<T>(fut: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(fut)
}

/// Parses an address, naming the argument on error.
pub(crate) fn parse_address(s: &str) -> Result<Address> {
    s.trim()
        .parse()
        .map_err(|e| anyhow!("{s:?} is not an address: {e}"))
}

/// Parses a 32-byte hash (0x optional).
pub(crate) fn parse_hash(s: &str) -> Result<B256> {
    let t = s.trim();
    let t = t.strip_prefix("0x").unwrap_or(t);
    if t.len() != 64 {
        bail!("{s:?} is not a 32-byte hex hash");
    }
    t.parse()
        .map_err(|e| anyhow!("{s:?} is not a 32-byte hex hash: {e}"))
}

/// A hash given directly (`--…-hash`) or as the SHA-256 of a file (`--…-file`).
pub(crate) fn hash_or_file(hash: Option<&str>, file: Option<&PathBuf>, what: &str) -> Result<B256> {
    match (hash, file) {
        (Some(h), None) => parse_hash(h),
        (None, Some(path)) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            Ok(B256::from_slice(&Sha256::digest(&bytes)))
        }
        _ => bail!("give the {what} as a hash or as a file (exactly one)"),
    }
}

/// A date (`YYYY-MM-DD`, midnight UTC) or unix seconds.
pub(crate) fn parse_time(s: &str) -> Result<u64> {
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(secs);
    }
    let date = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| anyhow!("{s:?} is neither a date YYYY-MM-DD nor unix seconds"))?;
    Ok(ogcr_client::documents::midnight(date)?)
}

/// A transaction outcome as JSON fields.
pub(crate) fn tx_fields(o: &ogcr_client::TxOutcome) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("tx_hash".into(), Value::String(o.tx_hash.to_string()));
    m.insert("block".into(), Value::from(o.block_number));
    m.insert("gas_used".into(), Value::from(o.gas_used));
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_as_dates_or_seconds() {
        assert_eq!(parse_time("2024-01-01").unwrap(), 1_704_067_200);
        assert_eq!(parse_time("1704067200").unwrap(), 1_704_067_200);
        let err = parse_time("01/01/2024").unwrap_err().to_string();
        assert!(err.contains("01/01/2024"), "{err}");
    }

    #[test]
    fn hashes_are_checked() {
        assert!(parse_hash(&"ab".repeat(32)).is_ok());
        assert!(parse_hash(&format!("0x{}", "ab".repeat(32))).is_ok());
        let err = parse_hash("0x1234").unwrap_err().to_string();
        assert!(err.contains("0x1234"), "{err}");
    }
}
