//! Synthetic ogcr workloads on anvil, for benchmarks and tests (not for production chains).
//!
//! [`generate`] deploys the suite on anvil, takes one project through validation and one MRV
//! report through verification (with an amount issuance never exhausts), then fills blocks
//! with a realistic mix of CRU issuances with a buffer share, splits, transfers between
//! holders and retirements until a target number of contract logs exists: the indexer's
//! benchmark and crash tests. [`registry::generate_registry`] builds an N-project registry
//! instead — PDD and MRV documents, validation, verification, issuance, a transfer and a
//! retirement per project — the read API's benchmark data.
//!
//! Speed comes from not waiting on each transaction: transactions are signed locally with
//! managed nonces and fixed gas limits, sent in JSON-RPC batches while anvil's automine is off,
//! and mined `txs_per_block` at a time with `evm_mine`. Every receipt is still checked: a
//! reverted transaction, or one emitting another number of logs than planned, is an error.
//! Token ids come from the receipts of the previous block, so every operation acts on a token
//! its sender really holds.
//!
//! [`bare_download`] is the baseline the indexer is compared with: plain sequential
//! `eth_getLogs` over fixed block ranges.

use std::{
    path::Path,
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Address, B256},
    signers::local::PrivateKeySigner,
    transports::TransportError,
};
use ogcr_client::{DeployOptions, Manifest, Registry, ReportSubmission, TxPolicy, deploy, role_id};
use tracing::info;

use self::{chain::Chain, generator::Generator};

/// Planning of the operations on the holders' tokens.
mod book;
/// The RPC calls, anvil's included.
mod chain;
/// Signing, sending, mining and checking the blocks.
mod generator;

/// The project the workload registers.
pub const PROJECT_ID: &str = "OGCR-BR-0001";
/// Where buffer blocks go: an address nobody controls, so buffer tokens never move.
pub const BUFFER_POOL: Address = Address::repeat_byte(0xb0);

/// The example PDD and MRV documents whose SHA-256 the project and the report commit to.
const PDD: &str = include_str!("../../ogcr-core/examples-data/pdd-br-reforestation.geojson");
const MRV: &str = include_str!("../../ogcr-core/examples-data/mrv-br-2024.geojson");

// Unix seconds (midnight UTC) of the crediting and monitoring periods.
const JAN_2020: u64 = 1_577_836_800;
const JAN_2024: u64 = 1_704_067_200;
const JAN_2025: u64 = 1_735_689_600;
const JAN_2035: u64 = 2_051_222_400;

/// The verified amount of the report, in kg: the largest the contract accepts, so issuance
/// never reaches the cap.
const VERIFIED_KG: u128 = u128::MAX;

/// An N-project registry: documents, validation, verification, issuance, trading.
pub mod registry;

pub use registry::{RegistryOptions, RegistryReport, generate_registry};

/// Relative weights of the operations in the generated blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mix {
    /// Issuance of a block with a buffer share (4 logs).
    pub issue: u32,
    /// Split of an active token (2 logs).
    pub split: u32,
    /// Transfer of an active token to another holder (1 log).
    pub transfer: u32,
    /// Retirement, half of them partial (3 logs), half whole (1 log).
    pub retire: u32,
}

impl Default for Mix {
    fn default() -> Self {
        Mix {
            issue: 25,
            split: 30,
            transfer: 35,
            retire: 10,
        }
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct WorkloadOptions {
    /// Target number of contract logs (the workload stops at the first block reaching it).
    pub events: usize,
    /// Transactions per mined block.
    pub txs_per_block: usize,
    /// The operation mix.
    pub mix: Mix,
    /// Seed of the operations, amounts, tokens and holders chosen. Runs with one seed differ
    /// slightly all the same: anvil orders a block's transactions as they reach its pool, and
    /// that order sets the token ids the next blocks choose from.
    pub seed: u64,
}

impl Default for WorkloadOptions {
    fn default() -> Self {
        WorkloadOptions {
            events: 100_000,
            txs_per_block: 500,
            mix: Mix::default(),
            seed: 42,
        }
    }
}

/// The accounts of the workload. The developer and the verifier must differ (no
/// self-verification); holders receive, split, transfer and retire the tokens.
#[derive(Debug, Clone)]
pub struct Signers {
    /// Deploys the suite and grants the roles.
    pub admin: PrivateKeySigner,
    /// Registers the project and submits the report.
    pub developer: PrivateKeySigner,
    /// Validates the project.
    pub validator: PrivateKeySigner,
    /// Verifies the report.
    pub verifier: PrivateKeySigner,
    /// The registry operator: issues the tokens.
    pub operator: PrivateKeySigner,
    /// Token holders (at least two).
    pub holders: Vec<PrivateKeySigner>,
}

impl Signers {
    /// Assigns accounts as ogcr's test fixtures do: 0 administrator, 1 developer,
    /// 2 validator, 3 verifier, 4 registry operator, every further one a holder.
    pub fn from_accounts(
        accounts: impl IntoIterator<Item = PrivateKeySigner>,
    ) -> Result<Self, WorkloadError> {
        let mut it = accounts.into_iter();
        let mut roles = Vec::with_capacity(5);
        roles.extend(it.by_ref().take(5));
        let holders: Vec<_> = it.collect();
        if roles.len() < 5 || holders.len() < 2 {
            return Err(WorkloadError::NotEnoughAccounts {
                got: roles.len() + holders.len(),
            });
        }
        let mut roles = roles.into_iter();
        let mut next = || roles.next().expect("five role accounts");
        Ok(Signers {
            admin: next(),
            developer: next(),
            validator: next(),
            verifier: next(),
            operator: next(),
            holders,
        })
    }
}

/// What [`generate`] produced.
#[derive(Debug, Clone)]
pub struct WorkloadReport {
    /// The deployment.
    pub manifest: Manifest,
    /// The deployment block (the first block with contract logs).
    pub first_block: u64,
    /// The last block mined by the workload.
    pub last_block: u64,
    /// Logs emitted by the four contracts in `first_block..=last_block`, counted from receipts.
    pub events: usize,
    /// Transactions sent, set-up included.
    pub transactions: usize,
    /// Wall time of the whole generation, deployment included.
    pub elapsed: Duration,
}

/// Everything that can go wrong generating a workload.
#[derive(Debug, thiserror::Error)]
pub enum WorkloadError {
    /// An option is out of range.
    #[error("invalid workload option {name} = {value}: {reason}")]
    InvalidOption {
        /// The option.
        name: &'static str,
        /// Its value.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Too few accounts for the roles and holders.
    #[error("the workload needs 7 accounts (5 roles and 2 holders), got {got}")]
    NotEnoughAccounts {
        /// Accounts given.
        got: usize,
    },
    /// Too few holders.
    #[error("the workload needs at least 2 holders, got {got}")]
    NotEnoughHolders {
        /// Holders given.
        got: usize,
    },
    /// The endpoint cannot be reached.
    #[error("cannot connect to {url}: {source}")]
    Connect {
        /// The endpoint.
        url: String,
        /// The cause.
        source: TransportError,
    },
    /// An RPC call failed (including anvil-only methods on another node).
    #[error("rpc {method} failed: {source}")]
    Rpc {
        /// The method.
        method: &'static str,
        /// The cause.
        source: TransportError,
    },
    /// The set-up (deployment, project, report) failed.
    #[error("workload set-up failed while {step}: {source}")]
    Setup {
        /// What was being done.
        step: &'static str,
        /// The cause.
        source: ogcr_client::Error,
    },
    /// A transaction could not be signed.
    #[error("cannot sign transaction {nonce} of {sender}: {source}")]
    Sign {
        /// The sender.
        sender: Address,
        /// Its nonce.
        nonce: u64,
        /// The cause.
        source: alloy::signers::Error,
    },
    /// The node refused a transaction.
    #[error("the node refused {what} transaction {tx}: {source}")]
    Refused {
        /// The operation.
        what: &'static str,
        /// The transaction.
        tx: B256,
        /// The cause.
        source: TransportError,
    },
    /// A transaction was mined but reverted.
    #[error("{what} transaction {tx} reverted in block {block}")]
    Reverted {
        /// The operation.
        what: &'static str,
        /// The transaction.
        tx: B256,
        /// Its block.
        block: u64,
    },
    /// A transaction emitted another number of logs than its operation emits.
    #[error("{what} transaction {tx} emitted {actual} logs, expected {expected}")]
    UnexpectedLogs {
        /// The operation.
        what: &'static str,
        /// The transaction.
        tx: B256,
        /// Logs the operation emits.
        expected: usize,
        /// Logs in the receipt.
        actual: usize,
    },
    /// Blocks were mined without including the pending transactions.
    #[error("{pending} transactions were still not mined at block {block}")]
    NotMined {
        /// Transactions left.
        pending: usize,
        /// The last block mined.
        block: u64,
    },
    /// The node returned no latest block.
    #[error("the node returned no latest block")]
    NoLatestBlock,
    /// The node returned no receipts for a mined block.
    #[error("the node has no receipts for block {0}")]
    MissingReceipts(u64),
}

pub(crate) type Result<T, E = WorkloadError> = std::result::Result<T, E>;

/// Deploys the suite into `manifest_dir` (always anew), sets up a validated project with a
/// verified report, then generates at least `opts.events` contract logs on the anvil node at
/// `rpc_url`, reporting `(events so far, target)` after each block.
///
/// Anvil only: the generation switches automine off (restored on return, error or not) and
/// raises the block gas limit so that `txs_per_block` transactions fit in one block.
pub async fn generate(
    rpc_url: &str,
    signers: Signers,
    manifest_dir: &Path,
    opts: &WorkloadOptions,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<WorkloadReport> {
    opts.check()?;
    if signers.holders.len() < 2 {
        return Err(WorkloadError::NotEnoughHolders {
            got: signers.holders.len(),
        });
    }
    let started = Instant::now();
    let chain = Chain::connect(rpc_url).await?;
    // The set-up waits for each receipt.
    chain.set_automine(true).await?;
    let (manifest, mrv_id, setup_txs) = setup(rpc_url, &signers, manifest_dir).await?;
    let contracts = manifest.addresses().map(|(_, a)| a);
    let setup_end = chain.block_number().await?;
    let mut events = chain
        .count_logs(&contracts, manifest.deployment_block, setup_end)
        .await?;
    info!(target: "ogcr::workload", events, block = setup_end, "set-up done");
    progress(events, opts.events);

    chain
        .raise_gas_limit((opts.txs_per_block as u64).saturating_mul(book::MAX_GAS * 2))
        .await?;
    chain.set_automine(false).await?;
    let outcome = async {
        let mut g = Generator::new(&chain, &manifest, &signers, mrv_id, opts, setup_end).await?;
        g.run(&mut events, progress).await?;
        Ok::<_, WorkloadError>((g.head, g.txs))
    }
    .await;
    let restored = chain.set_automine(true).await;
    let (last_block, txs) = outcome?;
    restored?;

    Ok(WorkloadReport {
        first_block: manifest.deployment_block,
        last_block,
        events,
        transactions: setup_txs + txs,
        elapsed: started.elapsed(),
        manifest,
    })
}

/// Downloads the logs of `addresses` in `from..=to` with sequential `eth_getLogs` calls over
/// `range` blocks each; returns the number of logs and the time taken.
pub async fn bare_download(
    rpc_url: &str,
    addresses: &[Address],
    from: u64,
    to: u64,
    range: u64,
) -> Result<(usize, Duration)> {
    if range == 0 {
        return Err(WorkloadError::InvalidOption {
            name: "range",
            value: range.to_string(),
            reason: "must be at least one block",
        });
    }
    let chain = Chain::connect(rpc_url).await?;
    let started = Instant::now();
    let mut logs = 0;
    let mut start = from;
    while start <= to {
        let end = start.saturating_add(range - 1).min(to);
        logs += chain.logs(addresses, start, end).await?.len();
        start = end + 1;
    }
    Ok((logs, started.elapsed()))
}

impl WorkloadOptions {
    fn check(&self) -> Result<()> {
        if self.txs_per_block == 0 {
            return Err(WorkloadError::InvalidOption {
                name: "txs_per_block",
                value: "0".into(),
                reason: "must be at least 1",
            });
        }
        let m = self.mix;
        if m.issue == 0 {
            return Err(WorkloadError::InvalidOption {
                name: "mix.issue",
                value: "0".into(),
                reason: "issuance creates the tokens every other operation needs",
            });
        }
        if [m.issue, m.split, m.transfer, m.retire]
            .iter()
            .try_fold(0u32, |sum, w| sum.checked_add(*w))
            .is_none()
        {
            return Err(WorkloadError::InvalidOption {
                name: "mix",
                value: format!("{m:?}"),
                reason: "the weights overflow u32",
            });
        }
        Ok(())
    }
}

/// SHA-256 of a document, as a 32-byte hash.
fn sha256(text: &str) -> B256 {
    ogcr_core::cs01::commitment::sha256_hex(text.as_bytes())
        .parse()
        .expect("sha256_hex returns 64 hex digits")
}

/// Deploys the suite into `manifest_dir` with the standard roles granted; returns the
/// manifest and the number of transactions sent.
async fn deploy_suite(
    rpc_url: &str,
    signers: &Signers,
    manifest_dir: &Path,
) -> Result<(Manifest, usize)> {
    let step = |step| move |source| WorkloadError::Setup { step, source };
    let grants: Vec<(B256, Address)> = [
        ("developer", &signers.developer),
        ("validator", &signers.validator),
        ("verifier", &signers.verifier),
        ("registry_operator", &signers.operator),
    ]
    .into_iter()
    .map(|(role, s)| Ok((role_id(role)?, s.address())))
    .collect::<ogcr_client::Result<_>>()
    .map_err(step("naming the roles"))?;
    let opts = DeployOptions {
        grants,
        force: true,
        ..DeployOptions::default()
    };
    let policy = TxPolicy::default();
    let deployed = deploy(
        rpc_url,
        signers.admin.clone(),
        manifest_dir,
        &opts,
        &policy,
        &mut |_| {},
    )
    .await
    .map_err(step("deploying the suite"))?;
    Ok((deployed.manifest, 4 + opts.grants.len()))
}

/// Deployment with the standard roles, a validated project and a verified MRV report.
/// Returns the manifest, the report id and the number of transactions sent.
async fn setup(
    rpc_url: &str,
    signers: &Signers,
    manifest_dir: &Path,
) -> Result<(Manifest, u64, usize)> {
    let step = |step| move |source| WorkloadError::Setup { step, source };
    let policy = TxPolicy::default();
    let (manifest, txs) = deploy_suite(rpc_url, signers, manifest_dir).await?;

    let connect = |signer: &PrivateKeySigner| {
        Registry::connect(rpc_url, Some(signer.clone()), manifest.clone(), policy)
    };
    let developer = connect(&signers.developer)
        .await
        .map_err(step("connecting the developer"))?;
    let validator = connect(&signers.validator)
        .await
        .map_err(step("connecting the validator"))?;
    let verifier = connect(&signers.verifier)
        .await
        .map_err(step("connecting the verifier"))?;

    developer
        .register_project(
            PROJECT_ID,
            sha256(PDD),
            "https://registry.ogcr.example/projects/OGCR-BR-0001/pdd.geojson",
            None,
        )
        .await
        .map_err(step("registering the project"))?;
    developer
        .submit_project(PROJECT_ID)
        .await
        .map_err(step("submitting the project"))?;
    validator
        .validate_project(
            PROJECT_ID,
            sha256("validation report of OGCR-BR-0001"),
            "conservative baseline, permanence plan in place",
            (JAN_2020, JAN_2035),
        )
        .await
        .map_err(step("validating the project"))?;
    let (mrv_id, _) = developer
        .submit_report(ReportSubmission {
            projectId: PROJECT_ID.into(),
            mrvHash: sha256(MRV),
            datasetCommitment: sha256("dataset of OGCR-BR-0001-MRV-2024"),
            periodStart: JAN_2024,
            periodEnd: JAN_2025,
            uri: "https://registry.ogcr.example/projects/OGCR-BR-0001/mrv-2024.geojson".into(),
        })
        .await
        .map_err(step("submitting the MRV report"))?;
    verifier
        .verify_report(
            mrv_id,
            true,
            VERIFIED_KG,
            sha256("verification report of OGCR-BR-0001-MRV-2024"),
        )
        .await
        .map_err(step("verifying the MRV report"))?;
    Ok((manifest, mrv_id, txs + 5))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_checked() {
        let bad = WorkloadOptions {
            txs_per_block: 0,
            ..WorkloadOptions::default()
        };
        let err = bad.check().unwrap_err().to_string();
        assert!(err.contains("txs_per_block = 0"), "{err}");
        let no_issue = WorkloadOptions {
            mix: Mix {
                issue: 0,
                ..Mix::default()
            },
            ..WorkloadOptions::default()
        };
        let err = no_issue.check().unwrap_err().to_string();
        assert!(err.contains("mix.issue"), "{err}");
        assert!(WorkloadOptions::default().check().is_ok());
    }

    #[test]
    fn accounts_map_to_roles_then_holders() {
        let keys: Vec<PrivateKeySigner> = (0..8).map(|_| PrivateKeySigner::random()).collect();
        let s = Signers::from_accounts(keys.clone()).unwrap();
        assert_eq!(s.admin.address(), keys[0].address());
        assert_eq!(s.verifier.address(), keys[3].address());
        assert_eq!(s.operator.address(), keys[4].address());
        assert_eq!(s.holders.len(), 3);
        assert_eq!(s.holders[0].address(), keys[5].address());
        let err = Signers::from_accounts(keys.into_iter().take(6))
            .unwrap_err()
            .to_string();
        assert!(err.contains("got 6"), "{err}");
    }
}
