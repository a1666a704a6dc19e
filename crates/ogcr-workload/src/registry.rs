//! An N-project registry on anvil, the read API's benchmark data. Every project has its own
//! PDD (a disjoint square in Pará, see [`documents`]) and goes through registration,
//! submission, review and validation; it files one MRV report (odd projects) or two
//! (even projects, consecutive years), each verified and issued against with a buffer share;
//! the holder of the first issuance transfers it to another holder, who retires part of it.
//!
//! The lifecycle runs as stages over all projects — each stage's calls depend only on earlier
//! stages, so a stage is sent a block's worth at a time without waiting on single receipts
//! (see [`crate::generate`] for the technique). Report and token ids are read back from the
//! receipts. Not resumable: like [`crate::generate`] it deploys anew each time.

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Address, U256},
    rpc::types::TransactionReceipt,
    sol_types::SolCall,
};
use ogcr_bindings::{CarbonRemovalUnit as Cru, MRVRegistry as MrvReg, ProjectRegistry as Pr};
use ogcr_client::{IssueParams, Manifest, ReportSubmission, RetirementInfo, events};
use tracing::info;

use self::{
    documents::ProjectDocs,
    send::{Call, Sender},
};
use super::{BUFFER_POOL, Result, Signers, WorkloadError, chain::Chain, sha256};

/// The projects' documents.
mod documents;
/// Sending a stage of calls.
mod send;

pub use documents::MAX_PROJECTS;

// Fixed gas limits, generous: a limit too low shows as a reverted transaction.
const REGISTER_GAS: u64 = 700_000;
const STATUS_GAS: u64 = 200_000;
const VALIDATE_GAS: u64 = 500_000;
const SUBMIT_REPORT_GAS: u64 = 700_000;
const VERIFY_GAS: u64 = 300_000;
const ISSUE_GAS: u64 = 450_000;
const TRANSFER_GAS: u64 = 120_000;
const RETIRE_GAS: u64 = 300_000;

// Unix seconds (midnight UTC) of the crediting period.
const JAN_2020: u64 = 1_577_836_800;
const JAN_2050: u64 = 2_524_608_000;

/// What to build.
#[derive(Debug, Clone)]
pub struct RegistryOptions {
    /// Projects (at most [`MAX_PROJECTS`]).
    pub projects: usize,
    /// Transactions per mined block.
    pub txs_per_block: usize,
    /// Seed of the documents' figures and of the amounts.
    pub seed: u64,
}

impl Default for RegistryOptions {
    fn default() -> Self {
        RegistryOptions {
            projects: 1_000,
            txs_per_block: 250,
            seed: 42,
        }
    }
}

/// What [`generate_registry`] built.
#[derive(Debug, Clone)]
pub struct RegistryReport {
    /// The deployment.
    pub manifest: Manifest,
    /// Where the PDD and MRV documents are stored (`<sha256>.json`, for the indexer).
    pub documents_dir: PathBuf,
    /// The deployment block.
    pub first_block: u64,
    /// The last block mined.
    pub last_block: u64,
    /// Projects registered and validated.
    pub projects: usize,
    /// MRV reports submitted and verified.
    pub reports: usize,
    /// Issuances (one per report, each with a buffer block).
    pub issuances: usize,
    /// Transactions sent, deployment included.
    pub transactions: usize,
    /// Logs of the four contracts from the deployment block on, counted from receipts
    /// (the deployment's own logs included).
    pub events: usize,
    /// Wall time, documents and deployment included.
    pub elapsed: Duration,
}

/// The accounts of the stages, as sender indexes.
struct Who {
    developer: usize,
    validator: usize,
    verifier: usize,
    operator: usize,
    holders: Vec<usize>,
}

/// Deploys the suite into `dir` (always anew), writes every project's documents to
/// `dir/ogcr-documents`, then takes `opts.projects` projects through their lifecycle on the
/// anvil node at `rpc_url`, reporting `(stage, done, total)` as it goes.
///
/// Anvil only: automine is off during the stages (restored on return, error or not) and the
/// block gas limit is raised so that `txs_per_block` transactions fit in one block.
pub async fn generate_registry(
    rpc_url: &str,
    signers: Signers,
    dir: &Path,
    opts: &RegistryOptions,
    progress: &mut (dyn FnMut(&'static str, usize, usize) + Send),
) -> Result<RegistryReport> {
    opts.check()?;
    if signers.holders.len() < 2 {
        return Err(WorkloadError::NotEnoughHolders {
            got: signers.holders.len(),
        });
    }
    let started = Instant::now();
    let documents_dir = dir.join("ogcr-documents");
    let mut docs = Vec::with_capacity(opts.projects);
    for i in 0..opts.projects {
        docs.push(documents::prepare(i, opts.seed, &documents_dir)?);
        if (i + 1) % 100 == 0 || i + 1 == opts.projects {
            progress("documents", i + 1, opts.projects);
        }
    }

    let chain = Chain::connect(rpc_url).await?;
    chain.set_automine(true).await?;
    let (manifest, deploy_txs) = super::deploy_suite(rpc_url, &signers, dir).await?;
    let contracts = manifest.addresses().map(|(_, a)| a);
    let setup_end = chain.block_number().await?;
    let deploy_events = chain
        .count_logs(&contracts, manifest.deployment_block, setup_end)
        .await?;
    info!(target: "ogcr::workload", events = deploy_events, block = setup_end, "suite deployed");

    chain
        .raise_gas_limit((opts.txs_per_block as u64).saturating_mul(REGISTER_GAS * 2))
        .await?;
    chain.set_automine(false).await?;
    let outcome = async {
        let mut sender =
            Sender::new(&chain, manifest.chain_id, contracts, opts.txs_per_block).await?;
        let who = Who {
            developer: sender.index(&signers.developer).await?,
            validator: sender.index(&signers.validator).await?,
            verifier: sender.index(&signers.verifier).await?,
            operator: sender.index(&signers.operator).await?,
            holders: {
                let mut h = Vec::with_capacity(signers.holders.len());
                for s in &signers.holders {
                    h.push(sender.index(s).await?);
                }
                h
            },
        };
        let holder_addresses: Vec<Address> = signers.holders.iter().map(|s| s.address()).collect();
        let counts = stages(
            &mut sender,
            &who,
            &holder_addresses,
            &manifest,
            &docs,
            progress,
        )
        .await?;
        Ok::<_, WorkloadError>((sender.head, sender.txs, sender.events, counts))
    }
    .await;
    let restored = chain.set_automine(true).await;
    let (last_block, txs, events, (reports, issuances)) = outcome?;
    restored?;

    Ok(RegistryReport {
        documents_dir,
        first_block: manifest.deployment_block,
        last_block,
        projects: opts.projects,
        reports,
        issuances,
        transactions: deploy_txs + txs,
        events: deploy_events + events,
        elapsed: started.elapsed(),
        manifest,
    })
}

impl RegistryOptions {
    fn check(&self) -> Result<()> {
        let bad = |name, value: usize, reason| WorkloadError::InvalidOption {
            name,
            value: value.to_string(),
            reason,
        };
        if self.projects == 0 || self.projects > MAX_PROJECTS {
            return Err(bad(
                "projects",
                self.projects,
                "must be between 1 and 100000 (the boundary grid's size)",
            ));
        }
        if self.txs_per_block == 0 {
            return Err(bad("txs_per_block", 0, "must be at least 1"));
        }
        Ok(())
    }
}

/// The first log of `E` that `emitter` emitted in `r`.
fn first<E: alloy::sol_types::SolEvent>(
    r: &TransactionReceipt,
    emitter: Address,
    what: &'static str,
) -> Result<E> {
    events::<E>(r, emitter)
        .into_iter()
        .next()
        .ok_or(WorkloadError::UnexpectedLogs {
            what,
            tx: r.transaction_hash,
            expected: 1,
            actual: 0,
        })
}

/// The lifecycle, stage by stage; returns (reports, issuances).
async fn stages(
    sender: &mut Sender<'_>,
    who: &Who,
    holders: &[Address],
    manifest: &Manifest,
    docs: &[ProjectDocs],
    progress: &mut (dyn FnMut(&'static str, usize, usize) + Send),
) -> Result<(usize, usize)> {
    let c = &manifest.contracts;
    let (pr, mrv, cru) = (
        c.project_registry.address,
        c.mrv_registry.address,
        c.carbon_removal_unit.address,
    );
    let call = |sender: usize, to: Address, input: Vec<u8>, gas: u64, what: &'static str| Call {
        sender,
        to,
        input,
        gas,
        what,
    };
    let h = holders.len();
    let submit = |p: &ProjectDocs, k: usize, hint: u64| {
        let r = &p.reports[k];
        MrvReg::submitReportCall {
            s: ReportSubmission {
                projectId: p.id.clone(),
                mrvHash: r.stored.hash,
                datasetCommitment: r.dataset,
                periodStart: r.period.0,
                periodEnd: r.period.1,
                uri: r.stored.uri.clone(),
            },
            prevHint: hint,
        }
        .abi_encode()
    };
    let verify = |p: &ProjectDocs, k: usize, id: u64| {
        MrvReg::verifyReportCall {
            mrvId: id,
            verified: true,
            amountKg: U256::from(p.reports[k].net_kg),
            verificationReportHash: sha256(&format!("verification report of {id}")),
        }
        .abi_encode()
    };
    // Issues 80 % of the verified tonnes to the project's holder, 15 % to the buffer.
    let issue = |i: usize, p: &ProjectDocs, k: usize, id: u64| {
        let t = (p.reports[k].net_kg / 1000) as u64;
        Cru::issueCall {
            p: IssueParams {
                mrvId: id,
                to: holders[i % h],
                amount: t * 8 / 10,
                bufferAmount: t * 15 / 100,
                bufferRecipient: BUFFER_POOL,
                labels: 0,
                itmoReference: String::new(),
            },
        }
        .abi_encode()
    };
    let two: Vec<usize> = (0..docs.len())
        .filter(|&i| docs[i].reports.len() > 1)
        .collect();

    // 1. The developer registers and submits every project.
    let calls: Vec<Call> = docs
        .iter()
        .flat_map(|p| {
            [
                call(
                    who.developer,
                    pr,
                    Pr::registerProjectCall {
                        projectId: p.id.clone(),
                        pddHash: p.pdd.hash,
                        pddUri: p.pdd.uri.clone(),
                        externalRegistry: String::new(),
                        externalProjectId: String::new(),
                    }
                    .abi_encode(),
                    REGISTER_GAS,
                    "registerProject",
                ),
                call(
                    who.developer,
                    pr,
                    Pr::submitProjectCall {
                        projectId: p.id.clone(),
                    }
                    .abi_encode(),
                    STATUS_GAS,
                    "submitProject",
                ),
            ]
        })
        .collect();
    sender
        .run(&calls, &mut |d, t| progress("register", d, t))
        .await?;

    // 2. The validator reviews and validates them.
    let calls: Vec<Call> = docs
        .iter()
        .flat_map(|p| {
            [
                call(
                    who.validator,
                    pr,
                    Pr::startReviewCall {
                        projectId: p.id.clone(),
                    }
                    .abi_encode(),
                    STATUS_GAS,
                    "startReview",
                ),
                call(
                    who.validator,
                    pr,
                    Pr::validateProjectCall {
                        projectId: p.id.clone(),
                        reportHash: sha256(&format!("validation report of {}", p.id)),
                        justification: "conservative baseline, permanence plan in place".into(),
                        creditingStart: JAN_2020,
                        creditingEnd: JAN_2050,
                    }
                    .abi_encode(),
                    VALIDATE_GAS,
                    "validateProject",
                ),
            ]
        })
        .collect();
    sender
        .run(&calls, &mut |d, t| progress("validate", d, t))
        .await?;

    // 3. The developer submits every project's first report.
    let calls: Vec<Call> = docs
        .iter()
        .map(|p| {
            call(
                who.developer,
                mrv,
                submit(p, 0, 0),
                SUBMIT_REPORT_GAS,
                "submitReport",
            )
        })
        .collect();
    let first_ids: Vec<u64> = sender
        .run(&calls, &mut |d, t| progress("report", d, t))
        .await?
        .iter()
        .map(|r| first::<MrvReg::MRVSubmitted>(r, mrv, "submitReport").map(|e| e.mrvId))
        .collect::<Result<_>>()?;

    // 4. The verifier verifies them; the developer submits the second reports.
    let mut calls: Vec<Call> = docs
        .iter()
        .zip(&first_ids)
        .map(|(p, &id)| {
            call(
                who.verifier,
                mrv,
                verify(p, 0, id),
                VERIFY_GAS,
                "verifyReport",
            )
        })
        .collect();
    calls.extend(two.iter().map(|&i| {
        call(
            who.developer,
            mrv,
            submit(&docs[i], 1, first_ids[i]),
            SUBMIT_REPORT_GAS,
            "submitReport",
        )
    }));
    let receipts = sender
        .run(&calls, &mut |d, t| progress("verify", d, t))
        .await?;
    let second_ids: Vec<u64> = receipts[docs.len()..]
        .iter()
        .map(|r| first::<MrvReg::MRVSubmitted>(r, mrv, "submitReport").map(|e| e.mrvId))
        .collect::<Result<_>>()?;

    // 5. The operator issues against the first reports; the verifier verifies the second.
    let mut calls: Vec<Call> = docs
        .iter()
        .enumerate()
        .map(|(i, p)| {
            call(
                who.operator,
                cru,
                issue(i, p, 0, first_ids[i]),
                ISSUE_GAS,
                "issue",
            )
        })
        .collect();
    calls.extend(two.iter().zip(&second_ids).map(|(&i, &id)| {
        call(
            who.verifier,
            mrv,
            verify(&docs[i], 1, id),
            VERIFY_GAS,
            "verifyReport",
        )
    }));
    let receipts = sender
        .run(&calls, &mut |d, t| progress("issue", d, t))
        .await?;
    let tokens: Vec<U256> = receipts[..docs.len()]
        .iter()
        .map(|r| first::<Cru::CRUMinted>(r, cru, "issue").map(|e| e.tokenId))
        .collect::<Result<_>>()?;

    // 6. Each first issuance goes to the next holder; the operator issues against the second
    //    reports.
    let mut calls: Vec<Call> = tokens
        .iter()
        .enumerate()
        .map(|(i, &token)| {
            call(
                who.holders[i % h],
                cru,
                Cru::transferFromCall {
                    from: holders[i % h],
                    to: holders[(i + 1) % h],
                    tokenId: token,
                }
                .abi_encode(),
                TRANSFER_GAS,
                "transferFrom",
            )
        })
        .collect();
    calls.extend(two.iter().zip(&second_ids).map(|(&i, &id)| {
        call(
            who.operator,
            cru,
            issue(i, &docs[i], 1, id),
            ISSUE_GAS,
            "issue",
        )
    }));
    sender
        .run(&calls, &mut |d, t| progress("transfer", d, t))
        .await?;

    // 7. The new holder retires a tenth of it.
    let calls: Vec<Call> = tokens
        .iter()
        .enumerate()
        .map(|(i, &token)| {
            let issued = (docs[i].reports[0].net_kg / 1000) as u64 * 8 / 10;
            let holder = (i + 1) % h;
            call(
                who.holders[holder],
                cru,
                Cru::retireCall {
                    tokenId: token,
                    amount: (issued / 10).max(1),
                    info: RetirementInfo {
                        reasonCode: 1,
                        beneficiary: format!("Beneficiary {holder}"),
                        beneficiaryId: format!("LEI:WORKLOAD{holder:08}"),
                        detail: format!("offsetting of operational emissions, {}", docs[i].id),
                    },
                }
                .abi_encode(),
                RETIRE_GAS,
                "retire",
            )
        })
        .collect();
    sender
        .run(&calls, &mut |d, t| progress("retire", d, t))
        .await?;
    let reports = docs.len() + two.len();
    Ok((reports, reports))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_checked() {
        for projects in [0, MAX_PROJECTS + 1] {
            let o = RegistryOptions {
                projects,
                ..RegistryOptions::default()
            };
            let err = o.check().unwrap_err().to_string();
            assert!(err.contains(&format!("projects = {projects}")), "{err}");
        }
        assert!(RegistryOptions::default().check().is_ok());
    }
}
