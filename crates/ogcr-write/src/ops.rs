//! What a task sends: each registry operation as the contract calls it takes, in order. A
//! call may depend on an earlier one's receipt (a transfer of part of a block splits first,
//! then transfers the new token), so calls are produced one at a time from the steps done.

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::DynProvider,
    rpc::types::TransactionReceipt,
    sol_types::SolCall,
};
use ogcr_bindings::{
    CarbonRemovalUnit, ICarbonRemovalUnit, IMRVRegistry, MRVRegistry, ProjectRegistry,
};
use ogcr_client::{Manifest, events};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::{Error, Result};

/// A registry operation requested over the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Operation {
    RegisterProject {
        project_id: String,
        pdd_hash: B256,
        pdd_uri: String,
        external_registry: String,
        external_project_id: String,
    },
    RevisePdd {
        project_id: String,
        pdd_hash: B256,
        pdd_uri: String,
    },
    SubmitProject {
        project_id: String,
    },
    StartReview {
        project_id: String,
    },
    ValidateProject {
        project_id: String,
        report_hash: B256,
        justification: String,
        crediting_start: u64,
        crediting_end: u64,
    },
    RejectProject {
        project_id: String,
        report_hash: B256,
        justification: String,
    },
    ArchiveProject {
        project_id: String,
        reason: String,
    },
    SubmitReport {
        project_id: String,
        mrv_hash: B256,
        dataset_commitment: B256,
        period_start: u64,
        period_end: u64,
        uri: String,
    },
    VerifyReport {
        project_id: String,
        mrv_id: u64,
        verified: bool,
        amount_kg: String,
        report_hash: B256,
        /// The verifier's comments or rejection reasons (kept with the task; the chain keeps
        /// the verification report's hash).
        #[serde(default)]
        comments: String,
    },
    RelayAttestation {
        project_id: String,
        mrv_id: u64,
        attestation: Value,
    },
    Issue {
        mrv_id: u64,
        to: Address,
        amount: u64,
        buffer_amount: u64,
        buffer_recipient: Address,
        labels: u8,
        itmo_reference: String,
    },
    Transfer {
        token_ids: Vec<u64>,
        to: Address,
        amount: Option<u64>,
    },
    Split {
        token_id: u64,
        amount: u64,
    },
    Retire {
        token_id: u64,
        amount: u64,
        reason_code: u8,
        beneficiary: String,
        beneficiary_id: String,
        detail: String,
    },
    Cancel {
        token_id: u64,
        amount: u64,
        reason: String,
    },
}

/// One transaction of a task, recorded before it is broadcast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The contract function.
    pub label: String,
    /// Transaction hash.
    pub tx_hash: B256,
    /// Signed bytes (rebroadcast after a restart).
    pub raw: Bytes,
    /// Nonce.
    pub nonce: u64,
    /// Block it was mined in, once confirmed.
    pub block_number: Option<u64>,
    /// Ids read from its receipt.
    #[serde(default)]
    pub outputs: Value,
}

/// The next call of a task.
#[derive(Debug, Clone)]
pub struct Call {
    /// Contract function name.
    pub label: &'static str,
    /// Contract.
    pub to: Address,
    /// Calldata.
    pub input: Bytes,
}

fn call<C: SolCall>(to: Address, c: C) -> Call {
    Call {
        label: C::SIGNATURE.split('(').next().unwrap_or(C::SIGNATURE),
        to,
        input: c.abi_encode().into(),
    }
}

fn output_u64(steps: &[Step], i: usize, key: &str) -> Option<u64> {
    steps.get(i)?.outputs.get(key)?.as_u64()
}

impl Operation {
    /// The task kind (`project.create`, `credit.retire`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Operation::RegisterProject { .. } => "project.create",
            Operation::RevisePdd { .. } => "project.update",
            Operation::SubmitProject { .. } => "project.submit",
            Operation::StartReview { .. } => "project.review",
            Operation::ValidateProject { .. } => "project.approve",
            Operation::RejectProject { .. } => "project.reject",
            Operation::ArchiveProject { .. } => "project.archive",
            Operation::SubmitReport { .. } => "mrv.submit",
            Operation::VerifyReport { verified: true, .. } => "mrv.verify",
            Operation::VerifyReport {
                verified: false, ..
            } => "mrv.reject",
            Operation::RelayAttestation { .. } => "mrv.attestation",
            Operation::Issue { .. } => "credit.issue",
            Operation::Transfer { .. } => "credit.transfer",
            Operation::Split { .. } => "credit.split",
            Operation::Retire { .. } => "credit.retire",
            Operation::Cancel { .. } => "credit.cancel",
        }
    }

    /// The document the operation anchors (its SHA-256), whose check by the indexer the task
    /// waits for before it counts as indexed.
    pub fn document(&self) -> Option<B256> {
        match self {
            Operation::RegisterProject { pdd_hash, .. } | Operation::RevisePdd { pdd_hash, .. } => {
                Some(*pdd_hash)
            }
            Operation::SubmitReport { mrv_hash, .. } => Some(*mrv_hash),
            _ => None,
        }
    }

    /// The call after `done` (the steps already mined), or `None` when the task is complete.
    pub async fn next_call(
        &self,
        m: &Manifest,
        provider: &DynProvider,
        from: Address,
        done: &[Step],
    ) -> Result<Option<Call>> {
        let pr = m.contracts.project_registry.address;
        let mr = m.contracts.mrv_registry.address;
        let cru = m.contracts.carbon_removal_unit.address;
        let first = done.is_empty();
        Ok(match self {
            _ if !first && !matches!(self, Operation::Transfer { .. }) => None,
            Operation::RegisterProject {
                project_id,
                pdd_hash,
                pdd_uri,
                external_registry,
                external_project_id,
            } => Some(call(
                pr,
                ProjectRegistry::registerProjectCall {
                    projectId: project_id.clone(),
                    pddHash: *pdd_hash,
                    pddUri: pdd_uri.clone(),
                    externalRegistry: external_registry.clone(),
                    externalProjectId: external_project_id.clone(),
                },
            )),
            Operation::RevisePdd {
                project_id,
                pdd_hash,
                pdd_uri,
            } => Some(call(
                pr,
                ProjectRegistry::revisePDDCall {
                    projectId: project_id.clone(),
                    pddHash: *pdd_hash,
                    pddUri: pdd_uri.clone(),
                },
            )),
            Operation::SubmitProject { project_id } => Some(call(
                pr,
                ProjectRegistry::submitProjectCall {
                    projectId: project_id.clone(),
                },
            )),
            Operation::StartReview { project_id } => Some(call(
                pr,
                ProjectRegistry::startReviewCall {
                    projectId: project_id.clone(),
                },
            )),
            Operation::ValidateProject {
                project_id,
                report_hash,
                justification,
                crediting_start,
                crediting_end,
            } => Some(call(
                pr,
                ProjectRegistry::validateProjectCall {
                    projectId: project_id.clone(),
                    reportHash: *report_hash,
                    justification: justification.clone(),
                    creditingStart: *crediting_start,
                    creditingEnd: *crediting_end,
                },
            )),
            Operation::RejectProject {
                project_id,
                report_hash,
                justification,
            } => Some(call(
                pr,
                ProjectRegistry::rejectProjectCall {
                    projectId: project_id.clone(),
                    reportHash: *report_hash,
                    justification: justification.clone(),
                },
            )),
            Operation::ArchiveProject { project_id, reason } => Some(call(
                pr,
                ProjectRegistry::archiveProjectCall {
                    projectId: project_id.clone(),
                    reason: reason.clone(),
                },
            )),
            Operation::SubmitReport {
                project_id,
                mrv_hash,
                dataset_commitment,
                period_start,
                period_end,
                uri,
            } => {
                // The ordering hint is read when the call is made, from the chain's state then.
                let hint = MRVRegistry::new(mr, provider)
                    .findPrevHint(project_id.clone(), *period_start)
                    .call()
                    .await
                    .map_err(|e| Error::Client(ogcr_client::Error::from_contract(e, Some(from))))?;
                Some(call(
                    mr,
                    MRVRegistry::submitReportCall {
                        s: IMRVRegistry::ReportSubmission {
                            projectId: project_id.clone(),
                            mrvHash: *mrv_hash,
                            datasetCommitment: *dataset_commitment,
                            periodStart: *period_start,
                            periodEnd: *period_end,
                            uri: uri.clone(),
                        },
                        prevHint: hint,
                    },
                ))
            }
            Operation::VerifyReport {
                mrv_id,
                verified,
                amount_kg,
                report_hash,
                ..
            } => Some(call(
                mr,
                MRVRegistry::verifyReportCall {
                    mrvId: *mrv_id,
                    verified: *verified,
                    amountKg: amount_kg
                        .parse::<U256>()
                        .map_err(|e| Error::Invalid(format!("amount_kg {amount_kg:?}: {e}")))?,
                    verificationReportHash: *report_hash,
                },
            )),
            Operation::RelayAttestation {
                mrv_id,
                attestation,
                ..
            } => {
                let att: ogcr_core::cs01::Attestation = serde_json::from_value(attestation.clone())
                    .map_err(|e| Error::Invalid(format!("attestation: {e}")))?;
                let (a, verifier, sig) = ogcr_client::attestation_call(&att)?;
                Some(call(
                    mr,
                    MRVRegistry::verifyWithAttestationCall {
                        mrvId: *mrv_id,
                        attestation: a,
                        verifier,
                        signature: sig.into(),
                    },
                ))
            }
            Operation::Issue {
                mrv_id,
                to,
                amount,
                buffer_amount,
                buffer_recipient,
                labels,
                itmo_reference,
            } => Some(call(
                cru,
                CarbonRemovalUnit::issueCall {
                    p: ICarbonRemovalUnit::IssueParams {
                        mrvId: *mrv_id,
                        to: *to,
                        amount: *amount,
                        bufferAmount: *buffer_amount,
                        bufferRecipient: *buffer_recipient,
                        labels: *labels,
                        itmoReference: itmo_reference.clone(),
                    },
                },
            )),
            Operation::Transfer {
                token_ids,
                to,
                amount,
            } => match amount {
                // Part of one block: split the amount off, then transfer the new token.
                Some(a) => match done.len() {
                    0 => Some(call(
                        cru,
                        CarbonRemovalUnit::splitCall {
                            tokenId: U256::from(token_ids[0]),
                            amount: *a,
                        },
                    )),
                    1 => {
                        let new = output_u64(done, 0, "new_token_id").ok_or_else(|| {
                            Error::Invalid("the split's receipt names no new token".into())
                        })?;
                        Some(call(
                            cru,
                            CarbonRemovalUnit::transferFromCall {
                                from,
                                to: *to,
                                tokenId: U256::from(new),
                            },
                        ))
                    }
                    _ => None,
                },
                None => token_ids.get(done.len()).map(|id| {
                    call(
                        cru,
                        CarbonRemovalUnit::transferFromCall {
                            from,
                            to: *to,
                            tokenId: U256::from(*id),
                        },
                    )
                }),
            },
            Operation::Split { token_id, amount } => Some(call(
                cru,
                CarbonRemovalUnit::splitCall {
                    tokenId: U256::from(*token_id),
                    amount: *amount,
                },
            )),
            Operation::Retire {
                token_id,
                amount,
                reason_code,
                beneficiary,
                beneficiary_id,
                detail,
            } => Some(call(
                cru,
                CarbonRemovalUnit::retireCall {
                    tokenId: U256::from(*token_id),
                    amount: *amount,
                    info: ICarbonRemovalUnit::RetirementInfo {
                        reasonCode: *reason_code,
                        beneficiary: beneficiary.clone(),
                        beneficiaryId: beneficiary_id.clone(),
                        detail: detail.clone(),
                    },
                },
            )),
            Operation::Cancel {
                token_id,
                amount,
                reason,
            } => Some(call(
                cru,
                CarbonRemovalUnit::cancelCall {
                    tokenId: U256::from(*token_id),
                    amount: *amount,
                    reason: reason.clone(),
                },
            )),
        })
    }

    /// The ids a mined step's receipt carries (`mrv_id`, `token_id`, `new_token_id`, …).
    pub fn outputs(&self, m: &Manifest, label: &str, r: &TransactionReceipt) -> Value {
        let mr = m.contracts.mrv_registry.address;
        let cru = m.contracts.carbon_removal_unit.address;
        let id = |u: U256| u64::try_from(u).ok();
        match label {
            "submitReport" => events::<MRVRegistry::MRVSubmitted>(r, mr)
                .first()
                .map_or(Value::Null, |e| json!({ "mrv_id": e.mrvId })),
            "issue" => {
                let minted = events::<CarbonRemovalUnit::CRUMinted>(r, cru);
                json!({
                    "token_id": minted.first().and_then(|e| id(e.tokenId)),
                    "buffer_token_id": minted.get(1).and_then(|e| id(e.tokenId)),
                })
            }
            "split" => events::<CarbonRemovalUnit::CRUSplit>(r, cru)
                .first()
                .map_or(Value::Null, |e| json!({ "new_token_id": id(e.newTokenId) })),
            "retire" => events::<CarbonRemovalUnit::CRURetired>(r, cru)
                .first()
                .map_or(
                    Value::Null,
                    |e| json!({ "retired_token_id": id(e.tokenId) }),
                ),
            "cancel" => events::<CarbonRemovalUnit::CRUCancelled>(r, cru)
                .first()
                .map_or(
                    Value::Null,
                    |e| json!({ "cancelled_token_id": id(e.tokenId) }),
                ),
            _ => Value::Null,
        }
    }

    /// The resource the task produces (a path of the read API) and its result summary.
    pub fn resource(&self, steps: &[Step]) -> (Option<String>, Value) {
        let last = |key: &str| {
            steps
                .iter()
                .rev()
                .find_map(|s| s.outputs.get(key)?.as_u64())
        };
        match self {
            Operation::RegisterProject { project_id, .. }
            | Operation::RevisePdd { project_id, .. }
            | Operation::SubmitProject { project_id }
            | Operation::StartReview { project_id }
            | Operation::ValidateProject { project_id, .. }
            | Operation::RejectProject { project_id, .. }
            | Operation::ArchiveProject { project_id, .. } => (
                Some(format!("/projects/{project_id}")),
                json!({ "project_id": project_id }),
            ),
            Operation::SubmitReport { project_id, .. } => match last("mrv_id") {
                Some(id) => (
                    Some(format!("/projects/{project_id}/monitoring/{id}")),
                    json!({ "project_id": project_id, "mrv_id": id }),
                ),
                None => (None, Value::Null),
            },
            Operation::VerifyReport {
                project_id,
                mrv_id,
                comments,
                ..
            } => (
                Some(format!("/projects/{project_id}/monitoring/{mrv_id}")),
                json!({ "project_id": project_id, "mrv_id": mrv_id, "comments": comments }),
            ),
            Operation::RelayAttestation {
                project_id, mrv_id, ..
            } => (
                Some(format!("/projects/{project_id}/monitoring/{mrv_id}")),
                json!({ "project_id": project_id, "mrv_id": mrv_id }),
            ),
            Operation::Issue { .. } => {
                let token = last("token_id");
                let buffer = steps
                    .last()
                    .and_then(|s| s.outputs.get("buffer_token_id")?.as_u64());
                (
                    token.map(|t| format!("/credits/{t}")),
                    json!({ "token_id": token, "buffer_token_id": buffer }),
                )
            }
            Operation::Transfer {
                token_ids, amount, ..
            } => {
                let moved: Vec<u64> = match amount {
                    Some(_) => last("new_token_id").into_iter().collect(),
                    None => token_ids.clone(),
                };
                (
                    moved.last().map(|t| format!("/credits/{t}")),
                    json!({ "transferred_token_ids": moved }),
                )
            }
            Operation::Split { token_id, .. } => {
                let new = last("new_token_id");
                (
                    new.map(|t| format!("/credits/{t}")),
                    json!({ "token_id": token_id, "new_token_id": new }),
                )
            }
            Operation::Retire { token_id, .. } => {
                let retired = last("retired_token_id");
                (
                    retired.map(|t| format!("/credits/{t}")),
                    json!({
                        "token_id": token_id,
                        "retirement_id": retired,
                        "retired_token_id": retired,
                    }),
                )
            }
            Operation::Cancel { token_id, .. } => {
                let c = last("cancelled_token_id");
                (
                    c.map(|t| format!("/credits/{t}")),
                    json!({ "token_id": token_id, "cancelled_token_id": c }),
                )
            }
        }
    }
}
