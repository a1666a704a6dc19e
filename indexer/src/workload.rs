//! A synthetic workload for the indexer's benchmark and crash tests. [`generate`] deploys the
//! suite on anvil, takes one project through validation and one MRV report through
//! verification (with an amount issuance never exhausts), then fills blocks with a realistic
//! mix of CRU issuances with a buffer share, splits, transfers between holders and retirements
//! until a target number of contract logs exists.
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
    collections::{BTreeMap, HashMap},
    path::Path,
    time::{Duration, Instant},
};

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope},
    eips::{BlockId, BlockNumberOrTag, Encodable2718},
    network::TxSignerSync,
    primitives::{Address, B256, Bytes, TxKind, U256},
    providers::{Provider, RootProvider},
    rpc::{
        client::BatchRequest,
        types::{Filter, TransactionReceipt},
    },
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolEvent},
    transports::TransportError,
};
use futures::{StreamExt, TryStreamExt, stream};
use ogcr_bindings::CarbonRemovalUnit;
use ogcr_client::{
    DeployOptions, IssueParams, Manifest, Registry, ReportSubmission, RetirementInfo, TxPolicy,
    deploy, role_id,
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use tracing::{debug, info};

/// The project the workload registers.
pub const PROJECT_ID: &str = "OGCR-BR-0001";
/// Where buffer blocks go: an address nobody controls, so buffer tokens never move.
pub const BUFFER_POOL: Address = Address::repeat_byte(0xb0);

/// The example PDD and MRV documents whose SHA-256 the project and the report commit to.
const PDD: &str = include_str!("../../crates/ogcr-core/examples-data/pdd-br-reforestation.geojson");
const MRV: &str = include_str!("../../crates/ogcr-core/examples-data/mrv-br-2024.geojson");

// Unix seconds (midnight UTC) of the crediting and monitoring periods.
const JAN_2020: u64 = 1_577_836_800;
const JAN_2024: u64 = 1_704_067_200;
const JAN_2025: u64 = 1_735_689_600;
const JAN_2035: u64 = 2_051_222_400;

/// The verified amount of the report, in kg: the largest the contract accepts, so issuance
/// never reaches the cap.
const VERIFIED_KG: u128 = u128::MAX;

/// Fixed gas limits (about 1.5 times the most each operation was measured to use).
const ISSUE_GAS: u64 = 400_000;
const SPLIT_GAS: u64 = 200_000;
const TRANSFER_GAS: u64 = 100_000;
const RETIRE_GAS: u64 = 300_000;
/// Transactions per `eth_sendRawTransaction` batch, and batches in flight.
const BATCH: usize = 100;
const BATCHES_IN_FLIGHT: usize = 4;
/// Mined blocks without progress before pending transactions count as stuck.
const MAX_IDLE_BLOCKS: usize = 3;

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
    /// Seed of the amounts, tokens and holders chosen (same seed, same workload).
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
    /// The node returned no receipts for a mined block.
    #[error("the node has no receipts for block {0}")]
    MissingBlock(u64),
}

type Result<T, E = WorkloadError> = std::result::Result<T, E>;

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
        .raise_gas_limit(opts.txs_per_block as u64 * ISSUE_GAS * 2)
        .await?;
    chain.set_automine(false).await?;
    let mut generator = Generator::new(&chain, &manifest, &signers, mrv_id, opts, setup_end).await;
    let outcome = match &mut generator {
        Ok(g) => g.run(&mut events, progress).await,
        Err(_) => Ok(()),
    };
    let restored = chain.set_automine(true).await;
    let generator = generator?;
    outcome?;
    restored?;

    Ok(WorkloadReport {
        first_block: manifest.deployment_block,
        last_block: generator.head,
        events,
        transactions: setup_txs + generator.txs,
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

/// Deployment with the standard roles, a validated project and a verified MRV report.
/// Returns the manifest, the report id and the number of transactions sent.
async fn setup(
    rpc_url: &str,
    signers: &Signers,
    manifest_dir: &Path,
) -> Result<(Manifest, u64, usize)> {
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
    let manifest = deployed.manifest;
    let txs = 4 + opts.grants.len();

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

/// The RPC calls of the workload, on a provider without fillers.
struct Chain {
    provider: RootProvider,
}

impl Chain {
    async fn connect(url: &str) -> Result<Self> {
        ogcr_client::registry::ensure_tls_provider();
        let provider =
            RootProvider::connect(url)
                .await
                .map_err(|source| WorkloadError::Connect {
                    url: url.to_owned(),
                    source,
                })?;
        Ok(Chain { provider })
    }

    async fn set_automine(&self, on: bool) -> Result<()> {
        self.provider
            .raw_request::<_, ()>("evm_setAutomine".into(), (on,))
            .await
            .map_err(rpc("evm_setAutomine"))
    }

    /// Raises the block gas limit to at least `gas` (never lowers it).
    async fn raise_gas_limit(&self, gas: u64) -> Result<()> {
        let current = self.latest_block().await?.header.gas_limit;
        if current >= gas {
            return Ok(());
        }
        self.provider
            .raw_request::<_, bool>("evm_setBlockGasLimit".into(), (U256::from(gas),))
            .await
            .map_err(rpc("evm_setBlockGasLimit"))?;
        Ok(())
    }

    async fn mine(&self) -> Result<()> {
        self.provider
            .raw_request::<_, String>("evm_mine".into(), ())
            .await
            .map_err(rpc("evm_mine"))?;
        Ok(())
    }

    async fn block_number(&self) -> Result<u64> {
        self.provider
            .get_block_number()
            .await
            .map_err(rpc("eth_blockNumber"))
    }

    async fn latest_block(&self) -> Result<alloy::rpc::types::Block> {
        self.provider
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await
            .map_err(rpc("eth_getBlockByNumber"))?
            .ok_or(WorkloadError::MissingBlock(u64::MAX))
    }

    /// A max fee per gas that covers the next block's base fee (at most 12.5 % higher).
    async fn max_fee(&self) -> Result<u128> {
        let base = self.latest_block().await?.header.base_fee_per_gas;
        Ok(u128::from(base.unwrap_or(1_000_000_000)) * 2 + 1)
    }

    async fn nonce(&self, account: Address) -> Result<u64> {
        self.provider
            .get_transaction_count(account)
            .pending()
            .await
            .map_err(rpc("eth_getTransactionCount"))
    }

    async fn receipts(&self, block: u64) -> Result<Vec<TransactionReceipt>> {
        self.provider
            .get_block_receipts(BlockId::number(block))
            .await
            .map_err(rpc("eth_getBlockReceipts"))?
            .ok_or(WorkloadError::MissingBlock(block))
    }

    async fn logs(
        &self,
        addresses: &[Address],
        from: u64,
        to: u64,
    ) -> Result<Vec<alloy::rpc::types::Log>> {
        let filter = Filter::new()
            .address(addresses.to_vec())
            .from_block(from)
            .to_block(to);
        self.provider
            .get_logs(&filter)
            .await
            .map_err(rpc("eth_getLogs"))
    }

    async fn count_logs(&self, addresses: &[Address], from: u64, to: u64) -> Result<usize> {
        Ok(self.logs(addresses, from, to).await?.len())
    }

    /// Sends signed transactions in concurrent JSON-RPC batches; a refusal is an error.
    async fn send_raw(&self, txs: &[(B256, Bytes, &'static str)]) -> Result<()> {
        stream::iter(txs.chunks(BATCH))
            .map(|chunk| self.send_batch(chunk))
            .buffer_unordered(BATCHES_IN_FLIGHT)
            .try_collect::<()>()
            .await
    }

    async fn send_batch(&self, chunk: &[(B256, Bytes, &'static str)]) -> Result<()> {
        let mut batch = BatchRequest::new(self.provider.client());
        let mut waiters = Vec::with_capacity(chunk.len());
        for (hash, raw, what) in chunk {
            let waiter = batch
                .add_call::<_, B256>("eth_sendRawTransaction", &(raw,))
                .map_err(rpc("eth_sendRawTransaction"))?;
            waiters.push((hash, what, waiter));
        }
        batch.send().await.map_err(rpc("eth_sendRawTransaction"))?;
        for (hash, what, waiter) in waiters {
            waiter.await.map_err(|source| WorkloadError::Refused {
                what,
                tx: *hash,
                source,
            })?;
        }
        Ok(())
    }
}

fn rpc(method: &'static str) -> impl Fn(TransportError) -> WorkloadError {
    move |source| WorkloadError::Rpc { method, source }
}

/// One generated operation; holders are indexes into the generator's holder list.
#[derive(Debug, Clone, Copy)]
enum Op {
    Issue {
        holder: usize,
        amount: u64,
        buffer: u64,
    },
    Split {
        holder: usize,
        token: u64,
        amount: u64,
    },
    Transfer {
        from: usize,
        to: usize,
        token: u64,
    },
    Retire {
        holder: usize,
        token: u64,
        amount: u64,
        whole: bool,
    },
}

impl Op {
    /// The logs it emits: issue = Transfer + CRUMinted for the block and for the buffer;
    /// split = Transfer (mint) + CRUSplit; a partial retirement splits first, then CRURetired.
    fn logs(&self) -> usize {
        match self {
            Op::Issue { .. } => 4,
            Op::Split { .. } => 2,
            Op::Transfer { .. } => 1,
            Op::Retire { whole: true, .. } => 1,
            Op::Retire { whole: false, .. } => 3,
        }
    }

    fn gas(&self) -> u64 {
        match self {
            Op::Issue { .. } => ISSUE_GAS,
            Op::Split { .. } => SPLIT_GAS,
            Op::Transfer { .. } => TRANSFER_GAS,
            Op::Retire { .. } => RETIRE_GAS,
        }
    }

    fn what(&self) -> &'static str {
        match self {
            Op::Issue { .. } => "issue",
            Op::Split { .. } => "split",
            Op::Transfer { .. } => "transferFrom",
            Op::Retire { .. } => "retire",
        }
    }
}

/// An active token held by a workload holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Token {
    owner: usize,
    amount: u64,
}

/// The holders' active tokens, and the planning of operations on them (no I/O).
struct Book {
    tokens: BTreeMap<u64, Token>,
    holders: usize,
    mix: Mix,
    txs_per_block: usize,
    rng: StdRng,
}

impl Book {
    fn new(holders: usize, opts: &WorkloadOptions) -> Self {
        Book {
            tokens: BTreeMap::new(),
            holders,
            mix: opts.mix,
            txs_per_block: opts.txs_per_block,
            rng: StdRng::seed_from_u64(opts.seed),
        }
    }

    /// The operations of one block: at most `txs_per_block`, stopping once they emit
    /// `remaining` logs. Each token is used at most once per block, so no operation depends
    /// on another of the same block.
    fn plan(&mut self, remaining: usize) -> Vec<Op> {
        let mut candidates: Vec<u64> = self.tokens.keys().copied().collect();
        let mut ops = Vec::with_capacity(self.txs_per_block);
        let mut logs = 0;
        while ops.len() < self.txs_per_block && logs < remaining {
            let op = self.pick(&mut candidates);
            logs += op.logs();
            ops.push(op);
        }
        ops
    }

    fn pick(&mut self, candidates: &mut Vec<u64>) -> Op {
        let m = self.mix;
        let total = m.issue + m.split + m.transfer + m.retire;
        let mut roll = self.rng.random_range(0..total);
        if roll >= m.issue && !candidates.is_empty() {
            roll -= m.issue;
            let id = candidates.swap_remove(self.rng.random_range(0..candidates.len()));
            let t = self.tokens[&id];
            if roll < m.split && t.amount >= 2 {
                return Op::Split {
                    holder: t.owner,
                    token: id,
                    amount: self.rng.random_range(1..t.amount),
                };
            }
            if roll >= m.split + m.transfer {
                let whole = t.amount == 1 || self.rng.random_bool(0.5);
                return Op::Retire {
                    holder: t.owner,
                    token: id,
                    amount: if whole {
                        t.amount
                    } else {
                        self.rng.random_range(1..t.amount)
                    },
                    whole,
                };
            }
            // A transfer, or a split of a one-tonne token (which can only move).
            let mut to = self.rng.random_range(0..self.holders - 1);
            if to >= t.owner {
                to += 1;
            }
            return Op::Transfer {
                from: t.owner,
                to,
                token: id,
            };
        }
        let amount = self.rng.random_range(10..=5_000);
        Op::Issue {
            holder: self.rng.random_range(0..self.holders),
            amount,
            buffer: amount.div_ceil(10),
        }
    }

    /// Records a mined operation; `new_token` is the token it minted for a holder (issue, split).
    fn record(&mut self, op: &Op, new_token: Option<u64>) {
        match *op {
            Op::Issue { holder, amount, .. } | Op::Split { holder, amount, .. } => {
                if let Op::Split { token, .. } = *op {
                    self.shrink(token, amount);
                }
                if let Some(id) = new_token {
                    let owner = holder;
                    self.tokens.insert(id, Token { owner, amount });
                }
            }
            Op::Transfer { to, token, .. } => {
                if let Some(t) = self.tokens.get_mut(&token) {
                    t.owner = to;
                }
            }
            Op::Retire {
                token,
                amount,
                whole,
                ..
            } => {
                if whole {
                    self.tokens.remove(&token);
                } else {
                    self.shrink(token, amount);
                }
            }
        }
    }

    fn shrink(&mut self, token: u64, amount: u64) {
        if let Some(t) = self.tokens.get_mut(&token) {
            t.amount -= amount;
        }
    }
}

/// A signing account and its next nonce.
struct Sender {
    signer: PrivateKeySigner,
    nonce: u64,
}

/// The generation: senders with their nonces, the book of tokens, the chain head.
struct Generator<'a> {
    chain: &'a Chain,
    target: usize,
    chain_id: u64,
    cru: Address,
    contracts: [Address; 4],
    mrv_id: u64,
    senders: Vec<Sender>,
    operator: usize,
    /// Holder index → sender index.
    holders: Vec<usize>,
    book: Book,
    head: u64,
    txs: usize,
}

impl<'a> Generator<'a> {
    async fn new(
        chain: &'a Chain,
        manifest: &Manifest,
        signers: &Signers,
        mrv_id: u64,
        opts: &WorkloadOptions,
        head: u64,
    ) -> Result<Self> {
        // One sender per address, even when a role account is also a holder.
        let mut senders: Vec<Sender> = Vec::new();
        let mut index_of = async |signer: &PrivateKeySigner| -> Result<usize> {
            let address = signer.address();
            if let Some(i) = senders.iter().position(|s| s.signer.address() == address) {
                return Ok(i);
            }
            senders.push(Sender {
                signer: signer.clone(),
                nonce: chain.nonce(address).await?,
            });
            Ok(senders.len() - 1)
        };
        let operator = index_of(&signers.operator).await?;
        let mut holders = Vec::with_capacity(signers.holders.len());
        for h in &signers.holders {
            holders.push(index_of(h).await?);
        }
        Ok(Generator {
            chain,
            target: opts.events,
            chain_id: manifest.chain_id,
            cru: manifest.contracts.carbon_removal_unit.address,
            contracts: manifest.addresses().map(|(_, a)| a),
            mrv_id,
            senders,
            operator,
            book: Book::new(holders.len(), opts),
            holders,
            head,
            txs: 0,
        })
    }

    async fn run(
        &mut self,
        events: &mut usize,
        progress: &mut (dyn FnMut(usize, usize) + Send),
    ) -> Result<()> {
        while *events < self.target {
            *events += self.round(self.target - *events).await?;
            progress(*events, self.target);
        }
        Ok(())
    }

    /// Plans, signs, sends and mines one block of operations; returns the contract logs mined.
    async fn round(&mut self, remaining: usize) -> Result<usize> {
        let max_fee = self.chain.max_fee().await?;
        let ops = self.book.plan(remaining);
        let mut pending = HashMap::with_capacity(ops.len());
        let mut signed = Vec::with_capacity(ops.len());
        for op in ops {
            let (hash, raw) = self.sign(&op, max_fee)?;
            signed.push((hash, raw, op.what()));
            pending.insert(hash, op);
        }
        self.chain.send_raw(&signed).await?;
        self.txs += signed.len();

        let mut logs = 0;
        let mut idle = 0;
        while !pending.is_empty() {
            self.chain.mine().await?;
            let head = self.chain.block_number().await?;
            let before = pending.len();
            for block in self.head + 1..=head {
                let receipts = self.chain.receipts(block).await?;
                debug!(target: "ogcr::workload", block, txs = receipts.len(), "block mined");
                for r in &receipts {
                    logs += r
                        .inner
                        .logs()
                        .iter()
                        .filter(|l| self.contracts.contains(&l.address()))
                        .count();
                    if let Some(op) = pending.remove(&r.transaction_hash) {
                        let new_token = self.check(&op, r, block)?;
                        self.book.record(&op, new_token);
                    }
                }
            }
            self.head = head;
            idle = if pending.len() == before { idle + 1 } else { 0 };
            if idle >= MAX_IDLE_BLOCKS {
                return Err(WorkloadError::NotMined {
                    pending: pending.len(),
                    block: head,
                });
            }
        }
        Ok(logs)
    }

    fn holder_address(&self, holder: usize) -> Address {
        self.senders[self.holders[holder]].signer.address()
    }

    fn calldata(&self, op: &Op) -> Vec<u8> {
        match *op {
            Op::Issue {
                holder,
                amount,
                buffer,
            } => CarbonRemovalUnit::issueCall {
                p: IssueParams {
                    mrvId: self.mrv_id,
                    to: self.holder_address(holder),
                    amount,
                    bufferAmount: buffer,
                    bufferRecipient: BUFFER_POOL,
                    labels: 0,
                    itmoReference: String::new(),
                },
            }
            .abi_encode(),
            Op::Split { token, amount, .. } => CarbonRemovalUnit::splitCall {
                tokenId: U256::from(token),
                amount,
            }
            .abi_encode(),
            Op::Transfer { from, to, token } => CarbonRemovalUnit::transferFromCall {
                from: self.holder_address(from),
                to: self.holder_address(to),
                tokenId: U256::from(token),
            }
            .abi_encode(),
            Op::Retire {
                holder,
                token,
                amount,
                ..
            } => CarbonRemovalUnit::retireCall {
                tokenId: U256::from(token),
                amount,
                info: RetirementInfo {
                    reasonCode: 1,
                    beneficiary: format!("Beneficiary {holder}"),
                    beneficiaryId: format!("LEI:WORKLOAD{holder:08}"),
                    detail: "offsetting of operational emissions".into(),
                },
            }
            .abi_encode(),
        }
    }

    /// Signs `op` with its sender's next nonce; returns the hash and the raw transaction.
    fn sign(&mut self, op: &Op, max_fee: u128) -> Result<(B256, Bytes)> {
        let sender = match *op {
            Op::Issue { .. } => self.operator,
            Op::Split { holder, .. } | Op::Retire { holder, .. } => self.holders[holder],
            Op::Transfer { from, .. } => self.holders[from],
        };
        let mut tx = TxEip1559 {
            chain_id: self.chain_id,
            nonce: self.senders[sender].nonce,
            gas_limit: op.gas(),
            max_fee_per_gas: max_fee,
            max_priority_fee_per_gas: 0,
            to: TxKind::Call(self.cru),
            value: U256::ZERO,
            access_list: Default::default(),
            input: self.calldata(op).into(),
        };
        let s = &mut self.senders[sender];
        let signature =
            s.signer
                .sign_transaction_sync(&mut tx)
                .map_err(|source| WorkloadError::Sign {
                    sender: s.signer.address(),
                    nonce: s.nonce,
                    source,
                })?;
        s.nonce += 1;
        let signed = tx.into_signed(signature);
        let hash = *signed.hash();
        Ok((hash, TxEnvelope::from(signed).encoded_2718().into()))
    }

    /// Checks a mined operation (success, log count); returns the token it minted for a
    /// holder, read from the indexed topics of CRUMinted(tokenId, …) (an issuance's first
    /// CRUMinted is the holder's block) or CRUSplit(tokenId, newTokenId, …).
    fn check(&self, op: &Op, r: &TransactionReceipt, block: u64) -> Result<Option<u64>> {
        let (what, tx) = (op.what(), r.transaction_hash);
        if !r.status() {
            return Err(WorkloadError::Reverted { what, tx, block });
        }
        let logs = r.inner.logs();
        let unexpected = WorkloadError::UnexpectedLogs {
            what,
            tx,
            expected: op.logs(),
            actual: logs.len(),
        };
        if logs.len() != op.logs() {
            return Err(unexpected);
        }
        let (signature, topic) = match op {
            Op::Issue { .. } => (CarbonRemovalUnit::CRUMinted::SIGNATURE_HASH, 1),
            Op::Split { .. } => (CarbonRemovalUnit::CRUSplit::SIGNATURE_HASH, 2),
            Op::Transfer { .. } | Op::Retire { .. } => return Ok(None),
        };
        logs.iter()
            .find(|l| l.address() == self.cru && l.topics().first() == Some(&signature))
            .and_then(|l| l.topics().get(topic))
            .map(|t| Some(U256::from_be_bytes(t.0).to::<u64>()))
            .ok_or(unexpected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(holders: usize, tokens: &[(u64, usize, u64)]) -> Book {
        let opts = WorkloadOptions {
            txs_per_block: 300,
            ..WorkloadOptions::default()
        };
        let mut b = Book::new(holders, &opts);
        b.tokens = tokens
            .iter()
            .map(|&(id, owner, amount)| (id, Token { owner, amount }))
            .collect();
        b
    }

    #[test]
    fn the_first_block_only_issues() {
        let ops = book(3, &[]).plan(usize::MAX);
        assert_eq!(ops.len(), 300);
        assert!(ops.iter().all(|op| matches!(
            op,
            Op::Issue { holder, amount, buffer } if *holder < 3 && *amount >= 10 && *buffer >= 1
        )));
    }

    #[test]
    fn planned_operations_are_valid_and_use_each_token_once() {
        let tokens: Vec<(u64, usize, u64)> = (1..=200)
            .map(|i| (i, (i % 4) as usize, i % 7 + 1))
            .collect();
        let mut b = book(4, &tokens);
        let ops = b.plan(usize::MAX);
        let mut used = std::collections::HashSet::new();
        let mut kinds = [0; 4];
        for op in &ops {
            let held = |token: &u64| b.tokens[token];
            match op {
                Op::Issue { .. } => kinds[0] += 1,
                Op::Split {
                    holder,
                    token,
                    amount,
                } => {
                    kinds[1] += 1;
                    assert_eq!(held(token).owner, *holder);
                    assert!(*amount >= 1 && *amount < held(token).amount, "{op:?}");
                    assert!(used.insert(*token));
                }
                Op::Transfer { from, to, token } => {
                    kinds[2] += 1;
                    assert_eq!(held(token).owner, *from);
                    assert_ne!(from, to);
                    assert!(*to < 4);
                    assert!(used.insert(*token));
                }
                Op::Retire {
                    holder,
                    token,
                    amount,
                    whole,
                } => {
                    kinds[3] += 1;
                    assert_eq!(held(token).owner, *holder);
                    assert_eq!(*whole, *amount == held(token).amount, "{op:?}");
                    assert!(*amount >= 1 && *amount <= held(token).amount);
                    assert!(used.insert(*token));
                }
            }
        }
        assert!(
            kinds.iter().all(|&k| k > 0),
            "every kind appears: {kinds:?}"
        );
    }

    #[test]
    fn planning_stops_at_the_remaining_logs() {
        let ops = book(2, &[]).plan(10);
        // Issuances emit 4 logs each: 3 of them reach 10.
        assert_eq!(ops.len(), 3);
        assert_eq!(ops.iter().map(Op::logs).sum::<usize>(), 12);
    }

    #[test]
    fn recorded_operations_update_the_tokens() {
        let mut b = book(2, &[(1, 0, 100), (2, 1, 50)]);
        b.record(
            &Op::Issue {
                holder: 1,
                amount: 30,
                buffer: 3,
            },
            Some(3),
        );
        b.record(
            &Op::Split {
                holder: 0,
                token: 1,
                amount: 40,
            },
            Some(5),
        );
        b.record(
            &Op::Transfer {
                from: 1,
                to: 0,
                token: 2,
            },
            None,
        );
        b.record(
            &Op::Retire {
                holder: 1,
                token: 3,
                amount: 30,
                whole: true,
            },
            None,
        );
        b.record(
            &Op::Retire {
                holder: 0,
                token: 2,
                amount: 20,
                whole: false,
            },
            None,
        );
        let t = |owner, amount| Token { owner, amount };
        let expected: BTreeMap<u64, Token> = [(1, t(0, 60)), (2, t(0, 30)), (5, t(0, 40))]
            .into_iter()
            .collect();
        assert_eq!(b.tokens, expected);
    }

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
