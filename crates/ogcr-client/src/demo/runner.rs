//! Runs the script: finds the prefix already on chain, sends the rest, records what every
//! receipt says was produced, and reads the result back for the summary.

use std::collections::HashMap;

use alloy::{
    consensus::Transaction as _,
    network::TransactionResponse as _,
    primitives::{Address, B256, U256},
    providers::Provider,
    rpc::types::{BlockNumberOrTag, Filter, TransactionReceipt},
    sol_types::SolEvent,
};
use ogcr_bindings::{
    CarbonRemovalUnit as Cru, MRVRegistry,
    errors::{MRV_STATUS, PROJECT_STATUS, UNIT_STATUS, format_time, status_name},
};
use ogcr_core::cs01::{
    AttestationInput, AttestationScope, Eip712Params, Outcome, create_eip712_attestation,
};
use tracing::info;

use super::{
    Actor, DemoAccounts, DemoCancellation, DemoLabelUpdate, DemoProject, DemoReport,
    DemoRetirement, DemoSplit, DemoSummary, DemoToken, DemoTransfer, label_names,
    prepare::{Prepared, PreparedMrv, project_spec, sha256},
    projects::{MrvSpec, ProjectSpec, VERIFIER_A, VERIFIER_B},
    script::{Action, Contract, Step},
};
use crate::{
    Error, IssueParams, Manifest, Registry, Result, RetirementInfo, attestation_call,
    documents::{self, StoredDocument},
    registry::{events, first_event},
};

/// How a report was decided.
#[derive(Debug, Clone, Copy)]
enum Decision {
    /// By the verifier's own transaction.
    Direct,
    /// By a signed attestation someone relayed.
    Attested { digest: B256, relayer: Address },
}

/// What the steps so far produced.
#[derive(Debug, Default)]
struct State {
    mrv_ids: HashMap<&'static str, u64>,
    decisions: HashMap<&'static str, Decision>,
    tokens: HashMap<&'static str, U256>,
    transfers: Vec<DemoTransfer>,
    splits: Vec<DemoSplit>,
    retirements: Vec<DemoRetirement>,
    cancellations: Vec<DemoCancellation>,
    label_updates: Vec<DemoLabelUpdate>,
}

/// Sends the script's steps and remembers what they produced.
pub(crate) struct Runner<'a> {
    /// One registry per actor, in `Actor::ALL` order.
    registries: Vec<Registry>,
    accounts: &'a DemoAccounts,
    projects: Vec<ProjectSpec>,
    reports: Vec<MrvSpec>,
    prepared: Prepared,
    state: State,
}

fn token_u64(id: U256) -> u64 {
    u64::try_from(id).unwrap_or(u64::MAX)
}

impl<'a> Runner<'a> {
    /// A runner sending as `accounts`, one connected registry per actor in `Actor::ALL` order.
    pub(crate) fn new(
        registries: Vec<Registry>,
        accounts: &'a DemoAccounts,
        projects: Vec<ProjectSpec>,
        reports: Vec<MrvSpec>,
        prepared: Prepared,
    ) -> Self {
        Runner {
            registries,
            accounts,
            projects,
            reports,
            prepared,
            state: State::default(),
        }
    }

    fn reg(&self, actor: Actor) -> &Registry {
        &self.registries[actor.index()]
    }

    fn manifest(&self) -> &Manifest {
        self.reg(Actor::Admin).manifest()
    }

    fn contract(&self, c: Contract) -> Address {
        let m = &self.manifest().contracts;
        match c {
            Contract::Projects => m.project_registry.address,
            Contract::Mrv => m.mrv_registry.address,
            Contract::Cru => m.carbon_removal_unit.address,
        }
    }

    /// The registry's transactions since deployment, in chain order.
    pub(crate) async fn journal(&self) -> Result<Vec<B256>> {
        let reg = self.reg(Actor::Admin);
        let filter = Filter::new()
            .address(vec![
                self.contract(Contract::Projects),
                self.contract(Contract::Mrv),
                self.contract(Contract::Cru),
            ])
            .from_block(self.manifest().deployment_block);
        let mut logs = reg.provider().get_logs(&filter).await.map_err(Error::rpc)?;
        logs.sort_by_key(|l| (l.block_number, l.log_index));
        let mut txs: Vec<B256> = Vec::new();
        for log in logs {
            let Some(tx) = log.transaction_hash else {
                continue;
            };
            if txs.last() != Some(&tx) {
                txs.push(tx);
            }
        }
        Ok(txs)
    }

    pub(crate) async fn receipt(&self, tx: B256) -> Result<TransactionReceipt> {
        self.reg(Actor::Admin)
            .provider()
            .get_transaction_receipt(tx)
            .await
            .map_err(Error::rpc)?
            .ok_or_else(|| Error::Rpc(format!("no receipt for transaction {tx}")))
    }

    /// The receipt of a step found on chain, after checking it is that step's transaction.
    pub(crate) async fn replayed(&self, step: &Step, tx: B256) -> Result<TransactionReceipt> {
        let provider = self.reg(Actor::Admin).provider();
        let found = provider
            .get_transaction_by_hash(tx)
            .await
            .map_err(Error::rpc)?
            .ok_or_else(|| Error::Rpc(format!("transaction {tx} is not on chain")))?;
        let (contract, selector) = step.target();
        let sender = self.accounts.address(step.actor);
        let matches = found.from() == sender
            && found.to() == Some(self.contract(contract))
            && found.input().get(..4) == Some(&selector[..]);
        if !matches {
            return Err(Error::Config(format!(
                "registry transaction {tx} from {} is not the demo's step \"{}\": the demo \
                 resumes only on a deployment where it alone has sent registry transactions",
                found.from(),
                step.describe()
            )));
        }
        self.receipt(tx).await
    }

    /// Grants the roles the scenario needs that are missing.
    pub(crate) async fn ensure_roles(&self, progress: &mut dyn FnMut(&str)) -> Result<()> {
        let admin = self.reg(Actor::Admin);
        for (role, account) in self.accounts.grants() {
            let held = admin
                .access_control()
                .hasRole(role, account)
                .call()
                .await
                .map_err(|e| Error::from_contract(e, admin.sender()))?;
            if !held {
                progress(&format!(
                    "granting {} to {account}",
                    ogcr_bindings::errors::role_name(role)
                ));
                admin.grant_role(role, account).await?;
            }
        }
        Ok(())
    }

    /// Checks what a step needs of the chain before it is sent: a report's period must have
    /// ended by the chain's clock.
    pub(crate) async fn ready(&self, step: &Step) -> Result<()> {
        let Action::SubmitReport { report } = &step.action else {
            return Ok(());
        };
        let end = documents::mrv_period(&self.mrv(report)?.doc)?.1;
        let block = self
            .reg(Actor::Admin)
            .provider()
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await
            .map_err(Error::rpc)?
            .ok_or_else(|| Error::Rpc("the chain has no latest block".into()))?;
        if block.header.timestamp < end {
            let (now, end) = (format_time(block.header.timestamp), format_time(end));
            return Err(Error::Config(format!(
                "the chain's clock reads {now}, before {end}, the end of the period of demo \
                 report {report}: reports cover periods that have ended (run the demo again once \
                 the chain's clock is past {end}; it resumes where it stopped)"
            )));
        }
        Ok(())
    }

    fn mrv_id(&self, report: &str) -> Result<u64> {
        self.state
            .mrv_ids
            .get(report)
            .copied()
            .ok_or_else(|| Error::Config(format!("demo report {report} was not submitted")))
    }

    fn token(&self, key: &str) -> Result<U256> {
        self.state
            .tokens
            .get(key)
            .copied()
            .ok_or_else(|| Error::Config(format!("demo token {key} does not exist yet")))
    }

    fn mrv(&self, report: &str) -> Result<&PreparedMrv> {
        self.prepared
            .mrvs
            .get(report)
            .ok_or_else(|| Error::Config(format!("the demo names an unknown report {report}")))
    }

    fn pdd(&self, project: &'static str, version: usize) -> Result<&StoredDocument> {
        self.prepared.pdds.get(&(project, version)).ok_or_else(|| {
            Error::Config(format!(
                "the demo has no PDD version {version} of {project}"
            ))
        })
    }

    /// Sends a step's transaction; returns its hash.
    pub(crate) async fn execute(&self, step: &Step) -> Result<B256> {
        let reg = self.reg(step.actor);
        let outcome = match &step.action {
            Action::Register { project } => {
                let spec = project_spec(&self.projects, project)?;
                let doc = self.pdd(project, 1)?;
                reg.register_project(project, doc.hash, &doc.uri, spec.external)
                    .await?
            }
            Action::Revise { project, version } => {
                let doc = self.pdd(project, *version)?;
                reg.revise_pdd(project, doc.hash, &doc.uri).await?
            }
            Action::Submit { project } => reg.submit_project(project).await?,
            Action::Review { project } => reg.start_review(project).await?,
            Action::Validate {
                project,
                justification,
                crediting,
            } => {
                let day = |d: &str| {
                    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                        .map_err(|e| Error::Config(format!("demo crediting date {d}: {e}")))
                        .and_then(documents::midnight)
                };
                let period = (day(crediting.0)?, day(crediting.1)?);
                reg.validate_project(project, sha256(justification), justification, period)
                    .await?
            }
            Action::Reject {
                project,
                justification,
            } => {
                reg.reject_project(project, sha256(justification), justification)
                    .await?
            }
            Action::Archive { project, reason } => reg.archive_project(project, reason).await?,
            Action::SubmitReport { report } => {
                let m = self.mrv(report)?;
                let commitment = B256::from(
                    m.commitment
                        .hash_bytes()
                        .map_err(|e| Error::Document(e.to_string()))?,
                );
                let s = documents::report_submission(&m.doc, &m.stored, commitment)?;
                reg.submit_report(s).await?.1
            }
            Action::Verify {
                report,
                amount_kg,
                statement,
            } => {
                let id = self.mrv_id(report)?;
                reg.verify_report(id, *amount_kg != 0, *amount_kg, sha256(statement))
                    .await?
            }
            Action::Attest {
                report,
                signer,
                amount_kg,
                statement,
            } => {
                let id = self.mrv_id(report)?;
                let (typed, verifier, signature) =
                    attestation_call(&self.attestation(report, *signer, *amount_kg, statement)?)?;
                reg.submit_attestation(id, typed, verifier, signature)
                    .await?
            }
            Action::Issue {
                report,
                to,
                amount,
                buffer,
                labels,
                itmo,
                ..
            } => {
                let p = IssueParams {
                    mrvId: self.mrv_id(report)?,
                    to: self.accounts.address(*to),
                    amount: *amount,
                    bufferAmount: *buffer,
                    bufferRecipient: self.accounts.address(Actor::Operator),
                    labels: *labels,
                    itmoReference: (*itmo).to_owned(),
                };
                reg.issue(p).await?.2
            }
            Action::Transfer { token, to } => {
                reg.transfer(self.token(token)?, self.accounts.address(*to))
                    .await?
            }
            Action::Split { token, amount, .. } => reg.split(self.token(token)?, *amount).await?.1,
            Action::Retire {
                token,
                amount,
                claim,
                ..
            } => {
                let info = RetirementInfo {
                    reasonCode: claim.reason_code,
                    beneficiary: claim.beneficiary.into(),
                    beneficiaryId: claim.beneficiary_id.into(),
                    detail: claim.detail.into(),
                };
                reg.retire(self.token(token)?, *amount, info).await?.1
            }
            Action::Cancel {
                token,
                amount,
                reason,
                ..
            } => reg.cancel(self.token(token)?, *amount, reason).await?.1,
            Action::SetLabels {
                token,
                labels,
                itmo,
            } => reg.set_labels(self.token(token)?, *labels, itmo).await?,
        };
        info!(target: "ogcr::demo", step = %step.describe(), tx = %outcome.tx_hash, "demo step sent");
        Ok(outcome.tx_hash)
    }

    /// Verifier `signer`'s EIP-712 attestation of a report, signed offline.
    fn attestation(
        &self,
        report: &str,
        signer: Actor,
        amount_kg: u128,
        statement: &str,
    ) -> Result<ogcr_core::cs01::Attestation> {
        let spec = self
            .reports
            .iter()
            .find(|r| r.id == report)
            .ok_or_else(|| Error::Config(format!("the demo names an unknown report {report}")))?;
        let m = self.mrv(report)?;
        let (verifier_id, verifier_name) = match signer {
            Actor::VerifierA => VERIFIER_A,
            _ => VERIFIER_B,
        };
        let manifest = self.manifest();
        let input = AttestationInput {
            verifier_id: verifier_id.into(),
            verifier_name: verifier_name.into(),
            scope: AttestationScope {
                project_id: spec.project.into(),
                methodology_version: spec.methodology_version.into(),
                reporting_period: Some(format!("{}/{}", spec.period.0, spec.period.1)),
                reporting_period_null: false,
            },
            dataset_commitment: m.commitment.clone(),
            outcome: Outcome::Verified,
            reason: None,
        };
        let params = Eip712Params {
            chain_id: manifest.chain_id,
            verifying_contract: manifest.contracts.mrv_registry.address,
            verified_amount_kg: U256::from(amount_kg),
            verification_report_hash: sha256(statement),
        };
        create_eip712_attestation(input, &params, self.accounts.signer(signer))
            .map_err(|e| Error::Attestation(e.to_string()))
    }

    /// Records what a step's receipt says it produced.
    pub(crate) fn record(&mut self, step: &Step, receipt: &TransactionReceipt) -> Result<()> {
        let mrv = self.contract(Contract::Mrv);
        let cru = self.contract(Contract::Cru);
        let tx_hash = receipt.transaction_hash;
        match &step.action {
            Action::SubmitReport { report } => {
                let e = first_event::<MRVRegistry::MRVSubmitted>(receipt, mrv)?;
                self.state.mrv_ids.insert(report, e.mrvId);
            }
            Action::Verify { report, .. } => {
                self.state.decisions.insert(report, Decision::Direct);
            }
            Action::Attest { report, .. } => {
                let e = first_event::<MRVRegistry::MRVAttestationAccepted>(receipt, mrv)?;
                let (digest, relayer) = (e.digest, e.relayer);
                self.state
                    .decisions
                    .insert(report, Decision::Attested { digest, relayer });
            }
            Action::Issue {
                buffer,
                token,
                buffer_token,
                ..
            } => {
                let minted = events::<Cru::CRUMinted>(receipt, cru);
                let wanted = if *buffer == 0 { 1 } else { 2 };
                if minted.len() != wanted {
                    return Err(Error::MissingEvent {
                        tx: tx_hash,
                        event: Cru::CRUMinted::SIGNATURE,
                    });
                }
                self.state.tokens.insert(token, minted[0].tokenId);
                if *buffer != 0 {
                    self.state.tokens.insert(buffer_token, minted[1].tokenId);
                }
            }
            Action::Transfer { .. } => {
                let e = first_event::<Cru::Transfer>(receipt, cru)?;
                self.state.transfers.push(DemoTransfer {
                    token_id: token_u64(e.tokenId),
                    from: e.from,
                    to: e.to,
                    tx_hash,
                });
            }
            Action::Split { new_token, .. } => {
                let e = first_event::<Cru::CRUSplit>(receipt, cru)?;
                self.state.tokens.insert(new_token, e.newTokenId);
                self.state.splits.push(DemoSplit {
                    token_id: token_u64(e.tokenId),
                    new_token_id: token_u64(e.newTokenId),
                    amount_t: e.amount,
                    owner: e.owner,
                    tx_hash,
                });
            }
            Action::Retire {
                token,
                retired_token,
                ..
            } => {
                let source = self.token(token)?;
                let e = first_event::<Cru::CRURetired>(receipt, cru)?;
                self.state.tokens.insert(retired_token, e.tokenId);
                self.state.retirements.push(DemoRetirement {
                    token_id: token_u64(e.tokenId),
                    source_token_id: token_u64(source),
                    owner: e.owner,
                    amount_t: e.amount,
                    serial_start: e.serialStart,
                    reason_code: e.info.reasonCode,
                    beneficiary: e.info.beneficiary,
                    beneficiary_id: e.info.beneficiaryId,
                    detail: e.info.detail,
                    tx_hash,
                });
            }
            Action::Cancel {
                token,
                cancelled_token,
                ..
            } => {
                let source = self.token(token)?;
                let e = first_event::<Cru::CRUCancelled>(receipt, cru)?;
                self.state.tokens.insert(cancelled_token, e.tokenId);
                self.state.cancellations.push(DemoCancellation {
                    token_id: token_u64(e.tokenId),
                    source_token_id: token_u64(source),
                    amount_t: e.amount,
                    reason: e.reason,
                    tx_hash,
                });
            }
            Action::SetLabels { .. } => {
                let e = first_event::<Cru::CRULabelsUpdated>(receipt, cru)?;
                self.state.label_updates.push(DemoLabelUpdate {
                    token_id: token_u64(e.tokenId),
                    labels: e.labels,
                    itmo_reference: Some(e.itmoReference).filter(|s| !s.is_empty()),
                    tx_hash,
                });
            }
            Action::Register { .. }
            | Action::Revise { .. }
            | Action::Submit { .. }
            | Action::Review { .. }
            | Action::Validate { .. }
            | Action::Reject { .. }
            | Action::Archive { .. } => {}
        }
        Ok(())
    }

    /// Reads the scenario's projects, reports and tokens back from the chain.
    pub(crate) async fn summary(&self, transactions: usize) -> Result<DemoSummary> {
        let reg = self.reg(Actor::Admin);
        let manifest = self.manifest();

        let mut projects = Vec::new();
        for spec in &self.projects {
            let p = reg.project(spec.id).await?;
            let latest = &spec.versions[spec.versions.len() - 1];
            let validated = p.creditingEnd != 0;
            projects.push(DemoProject {
                project_id: spec.id.to_owned(),
                name: latest.name.to_owned(),
                project_type: latest.project_type.to_owned(),
                country: spec.country.to_owned(),
                country_name: spec.country_name.to_owned(),
                region: spec.region.to_owned(),
                methodology_id: latest.methodology.0.to_owned(),
                methodology_version: latest.methodology.1.to_owned(),
                expected_annual_benefit_t: latest.expected_annual_benefit,
                developer: p.developer,
                status: status_name(&PROJECT_STATUS, p.status),
                pdd_version: p.version,
                pdd_hash: p.pddHash,
                pdd_uri: p.pddUri,
                external_registry: spec.external.map(|e| e.0.to_owned()),
                external_project_id: spec.external.map(|e| e.1.to_owned()),
                crediting_start: validated.then(|| format_time(p.creditingStart)),
                crediting_end: validated.then(|| format_time(p.creditingEnd)),
            });
        }

        let mut reports = Vec::new();
        let mut project_of_report = HashMap::new();
        for spec in &self.reports {
            let id = self.mrv_id(spec.id)?;
            let r = reg.report(id).await?;
            let decision = self.state.decisions.get(spec.id).copied();
            let (verification, attested) = match decision {
                None => (None, None),
                Some(Decision::Direct) => (Some("direct"), None),
                Some(Decision::Attested { digest, relayer }) => {
                    (Some("attestation"), Some((digest, relayer)))
                }
            };
            project_of_report.insert(id, spec.project);
            reports.push(DemoReport {
                mrv_id: id,
                document_id: spec.id.to_owned(),
                project_id: spec.project.to_owned(),
                period_start: format_time(r.periodStart),
                period_end: format_time(r.periodEnd),
                status: status_name(&MRV_STATUS, r.status),
                net_removal_estimate_t: spec.net_t,
                verified_amount_kg: r.verifiedAmountKg,
                verifier: decision.map(|_| r.verifier),
                verification: verification.map(str::to_owned),
                attestation_digest: attested.map(|a| a.0),
                relayer: attested.map(|a| a.1),
                mrv_hash: r.mrvHash,
                dataset_commitment: r.datasetCommitment,
                uri: r.uri,
            });
        }
        reports.sort_by_key(|r| r.mrv_id);

        let mut ids: Vec<U256> = self.state.tokens.values().copied().collect();
        ids.sort();
        ids.dedup();
        let mut tokens = Vec::new();
        for id in ids {
            let (u, owner, itmo) = reg.token(id).await?;
            tokens.push(DemoToken {
                token_id: token_u64(id),
                project_id: project_of_report
                    .get(&u.mrvId)
                    .map_or_else(String::new, |p| (*p).to_owned()),
                mrv_id: u.mrvId,
                owner,
                amount_t: u.amount,
                serial_start: u.serialStart,
                serial_end: u.serialStart + u.amount - 1,
                vintage: u.vintage,
                status: status_name(&UNIT_STATUS, u.status),
                labels: u.labels,
                label_names: label_names(u.labels),
                itmo_reference: Some(itmo).filter(|s| !s.is_empty()),
            });
        }

        Ok(DemoSummary {
            chain_id: manifest.chain_id,
            project_registry: manifest.contracts.project_registry.address,
            mrv_registry: manifest.contracts.mrv_registry.address,
            carbon_removal_unit: manifest.contracts.carbon_removal_unit.address,
            transactions,
            accounts: self.accounts.describe(),
            documents: self.prepared.documents.clone(),
            projects,
            reports,
            tokens,
            transfers: self.state.transfers.clone(),
            splits: self.state.splits.clone(),
            retirements: self.state.retirements.clone(),
            cancellations: self.state.cancellations.clone(),
            label_updates: self.state.label_updates.clone(),
        })
    }
}
