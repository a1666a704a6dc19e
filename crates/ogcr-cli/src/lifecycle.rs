//! Chain commands: deploy, roles, pause, project, mrv and cru.

use std::path::PathBuf;

use alloy::primitives::U256;
use anyhow::{Context as _, Result, anyhow};
use clap::{Args, Subcommand};
use ogcr_bindings::errors::{
    MRV_STATUS, PROJECT_STATUS, UNIT_STATUS, format_time, status_name as name,
};
use ogcr_client::{
    DeployOptions, IssueParams, Registry, RetirementInfo, attestation_call, documents, role_id,
};
use ogcr_core::Document;
use serde_json::{Value, json};

use crate::{
    Outcome,
    chain::{ChainArgs, block_on, hash_or_file, parse_address, parse_time, tx_fields},
    input::json_arg,
    output::emit,
};

fn done(o: &ogcr_client::TxOutcome, extra: Value) -> Result<Outcome> {
    let mut m = tx_fields(o);
    if let Value::Object(e) = extra {
        for (k, v) in e {
            m.insert(k, v);
        }
    }
    emit(&Value::Object(m))?;
    Ok(Outcome::Success)
}

/// A report given as a file (its SHA-256 is recorded) or directly as its SHA-256.
#[derive(Debug, Args)]
struct ReportArgs {
    /// Report file; its SHA-256 is recorded on chain.
    #[arg(long, conflicts_with = "report_hash")]
    report: Option<PathBuf>,
    /// Report SHA-256 (0x + 64 hex digits).
    #[arg(long)]
    report_hash: Option<String>,
}

impl ReportArgs {
    fn hash(&self, what: &str) -> Result<alloy::primitives::B256> {
        hash_or_file(self.report_hash.as_deref(), self.report.as_ref(), what)
    }
}

// ------------------------------------------------------------------------ deploy

/// Deploy the contract suite and write `deploy/<chain-id>.json`.
///
/// Deploys OGCRAccessControl, ProjectRegistry, MRVRegistry and CarbonRemovalUnit in order,
/// optionally grants roles, and records addresses, blocks and transactions in the manifest.
/// Running it again finds the recorded deployment instead of deploying twice.
///
/// Example (local anvil, dev account 0):
///
///   ogcr deploy --private-key 0xac09…ff80 --grant developer=0x7099…79C8
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct DeployArgs {
    /// First administrator (default: the deployer). May be a multisig.
    #[arg(long)]
    admin: Option<String>,
    /// Administrator handover delay, seconds.
    #[arg(long, default_value_t = 172_800)]
    admin_delay: u64,
    /// Grant a role at deployment: ROLE=ADDRESS (repeatable).
    #[arg(long = "grant", value_name = "ROLE=ADDRESS")]
    grants: Vec<String>,
    /// Deploy even when a live deployment is recorded for this chain.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    chain: ChainArgs,
}

pub(crate) fn deploy(a: DeployArgs) -> Result<Outcome> {
    let chain = &a.chain;
    let network = chain.network()?;
    let signer = chain
        .signer()?
        .ok_or_else(|| anyhow!("deploy needs a signer: --private-key, --keystore or --mnemonic"))?;
    let mut grants = Vec::new();
    for g in &a.grants {
        let (role, account) = g
            .split_once('=')
            .ok_or_else(|| anyhow!("--grant {g:?}: expected ROLE=ADDRESS"))?;
        grants.push((role_id(role)?, parse_address(account)?));
    }
    let opts = DeployOptions {
        administrator: a.admin.as_deref().map(parse_address).transpose()?,
        admin_delay_secs: a.admin_delay,
        grants,
        network: Some(chain.network.clone()),
        expected_chain_id: Some(network.chain_id),
        force: a.force,
    };
    let url = chain.rpc_url(&network)?;
    let policy = chain.policy(&network);
    let quiet = crate::output::json();
    let result = block_on(async {
        Ok(ogcr_client::deploy(
            &url,
            signer,
            &chain.manifest_dir,
            &opts,
            &policy,
            &mut |msg| {
                if !quiet {
                    eprintln!("{msg}");
                }
            },
        )
        .await?)
    })?;
    let m = &result.manifest;
    let mut out = serde_json::Map::new();
    out.insert("deployed".into(), json!(result.deployed));
    out.insert(
        "manifest".into(),
        json!(result.manifest_path.display().to_string()),
    );
    out.insert("chain_id".into(), json!(m.chain_id));
    out.insert("deployment_block".into(), json!(m.deployment_block));
    out.insert("administrator".into(), json!(m.administrator.to_string()));
    for (name, addr) in m.addresses() {
        out.insert(name.into(), json!(addr.to_string()));
    }
    emit(&Value::Object(out))?;
    Ok(Outcome::Success)
}

// ------------------------------------------------------------------------- roles

/// Grant, revoke and list roles (developer, validator, verifier, registry_operator, administrator).
#[derive(Debug, Args)]
pub(crate) struct RolesArgs {
    #[command(subcommand)]
    command: RolesCommand,
    #[command(flatten)]
    chain: ChainArgs,
}

/// The ogcr roles, as the commands name them.
const ROLE_NAMES: [&str; 5] = [
    "developer",
    "validator",
    "verifier",
    "registry_operator",
    "administrator",
];

#[derive(Debug, Subcommand)]
enum RolesCommand {
    /// Grant ROLE to ACCOUNT (administrator).
    ///
    /// Example:
    ///
    ///   ogcr roles grant verifier 0x90F79bf6EB2c4f870365E785982E1f101E93b906 --private-key $ADMIN_KEY
    #[command(verbatim_doc_comment)]
    Grant {
        /// The role.
        #[arg(value_parser = ROLE_NAMES)]
        role: String,
        /// The account.
        account: String,
    },
    /// Revoke ROLE from ACCOUNT (administrator).
    ///
    /// Example:
    ///
    ///   ogcr roles revoke verifier 0x90F79bf6EB2c4f870365E785982E1f101E93b906 --private-key $ADMIN_KEY
    #[command(verbatim_doc_comment)]
    Revoke {
        /// The role.
        #[arg(value_parser = ROLE_NAMES)]
        role: String,
        /// The account.
        account: String,
    },
    /// List the roles ACCOUNT holds.
    ///
    /// Example:
    ///
    ///   ogcr roles list 0x90F79bf6EB2c4f870365E785982E1f101E93b906
    #[command(verbatim_doc_comment)]
    List {
        /// The account.
        account: String,
    },
}

pub(crate) fn roles(a: RolesArgs) -> Result<Outcome> {
    block_on(async {
        let reg = a.chain.registry().await?;
        match &a.command {
            RolesCommand::Grant { role, account } => {
                let o = reg
                    .grant_role(role_id(role)?, parse_address(account)?)
                    .await?;
                done(&o, json!({"granted": role, "account": account}))
            }
            RolesCommand::Revoke { role, account } => {
                let o = reg
                    .revoke_role(role_id(role)?, parse_address(account)?)
                    .await?;
                done(&o, json!({"revoked": role, "account": account}))
            }
            RolesCommand::List { account } => {
                let held = reg.roles_of(parse_address(account)?).await?;
                emit(&json!({"account": account, "roles": held}))?;
                Ok(Outcome::Success)
            }
        }
    })
}

/// Pause every state-changing registry function (administrator or registry operator), or
/// say whether it is paused.
///
/// Examples:
///
///   ogcr pause --private-key $OPERATOR_KEY
///   ogcr pause status
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct PauseArgs {
    #[command(subcommand)]
    command: Option<PauseCommand>,
    #[command(flatten)]
    chain: ChainArgs,
}

#[derive(Debug, Subcommand)]
enum PauseCommand {
    /// Whether the registry is paused (no signer needed).
    ///
    /// Example:
    ///
    ///   ogcr pause status --json
    #[command(verbatim_doc_comment)]
    Status,
}

/// Lift the pause (administrator).
///
/// Example:
///
///   ogcr unpause --private-key $ADMIN_KEY
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct UnpauseArgs {
    #[command(flatten)]
    chain: ChainArgs,
}

pub(crate) fn pause(a: PauseArgs) -> Result<Outcome> {
    block_on(async {
        let reg = a.chain.registry().await?;
        match a.command {
            Some(PauseCommand::Status) => {
                emit(&json!({"paused": reg.paused().await?}))?;
                Ok(Outcome::Success)
            }
            None => done(&reg.pause().await?, json!({"paused": true})),
        }
    })
}

pub(crate) fn unpause(a: UnpauseArgs) -> Result<Outcome> {
    block_on(async {
        let reg = a.chain.registry().await?;
        done(&reg.unpause().await?, json!({"paused": false}))
    })
}

// ---------------------------------------------------------------------- projects

/// Project lifecycle: register → submit → review → validate | reject → archive.
#[derive(Debug, Args)]
pub(crate) struct ProjectArgs {
    #[command(subcommand)]
    command: ProjectCommand,
    #[command(flatten)]
    chain: ChainArgs,
}

#[derive(Debug, Subcommand)]
enum ProjectCommand {
    /// Validate a PDD GeoJSON, store it (content-addressed) and register the project.
    ///
    /// Examples:
    ///
    ///   ogcr project register pdd.geojson --private-key $DEVELOPER_KEY
    ///   ogcr project register pdd.geojson --external-registry Verra --external-id 3989 --private-key $DEVELOPER_KEY
    #[command(verbatim_doc_comment)]
    Register {
        /// The PDD GeoJSON file; its `id` is the project id.
        pdd: PathBuf,
        /// Another registry listing the same project (e.g. Verra).
        #[arg(long, requires = "external_id")]
        external_registry: Option<String>,
        /// That registry's project id (e.g. 3989).
        #[arg(long, requires = "external_registry")]
        external_id: Option<String>,
        /// Document directory (served to indexers).
        #[arg(long, env = "OGCR_DOCS_DIR", default_value = "ogcr-documents")]
        docs_dir: PathBuf,
    },
    /// Replace the PDD of a draft or rejected project (new version).
    ///
    /// Example:
    ///
    ///   ogcr project revise OGCR-BR-0001 pdd-v2.geojson --private-key $DEVELOPER_KEY
    #[command(verbatim_doc_comment)]
    Revise {
        /// The project id.
        project_id: String,
        /// The new PDD GeoJSON file.
        pdd: PathBuf,
        /// Document directory.
        #[arg(long, env = "OGCR_DOCS_DIR", default_value = "ogcr-documents")]
        docs_dir: PathBuf,
    },
    /// Submit a draft project for validation (its developer).
    ///
    /// Example:
    ///
    ///   ogcr project submit OGCR-BR-0001 --private-key $DEVELOPER_KEY
    #[command(verbatim_doc_comment)]
    Submit {
        /// The project id.
        project_id: String,
    },
    /// Mark a submitted project as under review (validator).
    ///
    /// Example:
    ///
    ///   ogcr project review OGCR-BR-0001 --private-key $VALIDATOR_KEY
    #[command(verbatim_doc_comment)]
    Review {
        /// The project id.
        project_id: String,
    },
    /// Validate a project and fix its crediting period (validator).
    ///
    /// Example:
    ///
    ///   ogcr project validate OGCR-BR-0001 --report validation-report.pdf --justification "meets VM0047 v1.0" --crediting-start 2023-01-01 --crediting-end 2033-01-01 --private-key $VALIDATOR_KEY
    #[command(verbatim_doc_comment)]
    Validate {
        /// The project id.
        project_id: String,
        #[command(flatten)]
        report: ReportArgs,
        /// Justification.
        #[arg(long)]
        justification: String,
        /// Crediting period start: YYYY-MM-DD or unix seconds.
        #[arg(long)]
        crediting_start: String,
        /// Crediting period end (exclusive): YYYY-MM-DD or unix seconds.
        #[arg(long)]
        crediting_end: String,
    },
    /// Reject a project (validator).
    ///
    /// Example:
    ///
    ///   ogcr project reject OGCR-BR-0001 --report validation-report.pdf --justification "baseline not conservative" --private-key $VALIDATOR_KEY
    #[command(verbatim_doc_comment)]
    Reject {
        /// The project id.
        project_id: String,
        #[command(flatten)]
        report: ReportArgs,
        /// Why.
        #[arg(long)]
        justification: String,
    },
    /// Archive a validated project (its developer or a registry operator).
    ///
    /// Example:
    ///
    ///   ogcr project archive OGCR-BR-0001 --reason "crediting period ended" --private-key $DEVELOPER_KEY
    #[command(verbatim_doc_comment)]
    Archive {
        /// The project id.
        project_id: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// List the registry's projects, from the read API (`ogcr up` or `ogcr serve`).
    ///
    /// Examples:
    ///
    ///   ogcr project list
    ///   ogcr project list --status approved --type reforestation,biochar --country BR
    ///   ogcr project list --sort created_at --desc --limit 10 --json
    #[command(verbatim_doc_comment)]
    List(crate::lists::ProjectListArgs),
    /// Show a project.
    ///
    /// Examples:
    ///
    ///   ogcr project show OGCR-BR-0001
    ///   ogcr project show OGCR-BR-0001 --json
    #[command(verbatim_doc_comment)]
    Show {
        /// The project id.
        project_id: String,
    },
}

/// Reads a document file and validates it as `kind` (schema and rules).
fn read_document(path: &PathBuf, kind: ogcr_core::DocumentKind) -> Result<(String, Document)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let doc = documents::validate(&text, kind, &path.display().to_string(), None, None)?;
    Ok((text, doc))
}

pub(crate) fn project(a: ProjectArgs) -> Result<Outcome> {
    if let ProjectCommand::List(l) = &a.command {
        block_on(crate::lists::projects(l))?;
        return Ok(Outcome::Success);
    }
    block_on(async {
        let reg = a.chain.registry().await?;
        match &a.command {
            ProjectCommand::Register {
                pdd,
                external_registry,
                external_id,
                docs_dir,
            } => {
                let (text, doc) = read_document(pdd, ogcr_core::DocumentKind::Pdd)?;
                let id = doc.id().to_owned();
                let prepared = documents::prepare(docs_dir, &text)?;
                let ext = external_registry.as_deref().zip(external_id.as_deref());
                // Stored only once the chain would take it (roles, pause, a taken id).
                reg.check_register_project(&id, prepared.stored.hash, &prepared.stored.uri, ext)
                    .await?;
                let stored = prepared.write()?;
                let o = reg
                    .register_project(&id, stored.hash, &stored.uri, ext)
                    .await?;
                done(
                    &o,
                    json!({"project_id": id, "pdd_hash": stored.hash.to_string(),
                    "pdd_uri": stored.uri, "stored_at": stored.path.display().to_string()}),
                )
            }
            ProjectCommand::Revise {
                project_id,
                pdd,
                docs_dir,
            } => {
                let (text, _) = read_document(pdd, ogcr_core::DocumentKind::Pdd)?;
                let prepared = documents::prepare(docs_dir, &text)?;
                reg.check_revise_pdd(project_id, prepared.stored.hash, &prepared.stored.uri)
                    .await?;
                let stored = prepared.write()?;
                let o = reg.revise_pdd(project_id, stored.hash, &stored.uri).await?;
                done(
                    &o,
                    json!({"project_id": project_id, "pdd_hash": stored.hash.to_string(), "pdd_uri": stored.uri}),
                )
            }
            ProjectCommand::Submit { project_id } => {
                let o = reg.submit_project(project_id).await?;
                done(&o, json!({"project_id": project_id, "status": "submitted"}))
            }
            ProjectCommand::Review { project_id } => {
                let o = reg.start_review(project_id).await?;
                done(
                    &o,
                    json!({"project_id": project_id, "status": "under review"}),
                )
            }
            ProjectCommand::Validate {
                project_id,
                report,
                justification,
                crediting_start,
                crediting_end,
            } => {
                let h = report.hash("validation report")?;
                let period = (parse_time(crediting_start)?, parse_time(crediting_end)?);
                let o = reg
                    .validate_project(project_id, h, justification, period)
                    .await?;
                done(&o, json!({"project_id": project_id, "status": "validated"}))
            }
            ProjectCommand::Reject {
                project_id,
                report,
                justification,
            } => {
                let h = report.hash("validation report")?;
                let o = reg.reject_project(project_id, h, justification).await?;
                done(&o, json!({"project_id": project_id, "status": "rejected"}))
            }
            ProjectCommand::Archive { project_id, reason } => {
                let o = reg.archive_project(project_id, reason).await?;
                done(&o, json!({"project_id": project_id, "status": "archived"}))
            }
            ProjectCommand::Show { project_id } => {
                let p = reg.project(project_id).await?;
                emit(&json!({
                    "project_id": p.projectId,
                    "status": name(&PROJECT_STATUS, p.status),
                    "developer": p.developer.to_string(),
                    "version": p.version,
                    "pdd_hash": p.pddHash.to_string(),
                    "pdd_uri": p.pddUri,
                    "registered_at": format_time(p.registeredAt),
                    "crediting_period": if p.creditingEnd == 0 { Value::Null } else {
                        json!(format!("{}..{}", format_time(p.creditingStart), format_time(p.creditingEnd)))
                    },
                }))?;
                Ok(Outcome::Success)
            }
            ProjectCommand::List(_) => unreachable!("handled above"),
        }
    })
}

// --------------------------------------------------------------------------- MRV

/// Monitoring reports: submit, verify (directly or by relayed EIP-712 attestation), show.
#[derive(Debug, Args)]
pub(crate) struct MrvArgs {
    #[command(subcommand)]
    command: MrvCommand,
    #[command(flatten)]
    chain: ChainArgs,
}

#[derive(Debug, Subcommand)]
enum MrvCommand {
    /// Validate an MRV GeoJSON, store it and submit the report with its CS-01 commitment.
    ///
    /// The report period is the document's start_date..end_date (whole UTC days, inclusive),
    /// anchored on chain as [start 00:00Z, end + 1 day 00:00Z).
    ///
    /// Example:
    ///
    ///   ogcr mrv submit report.geojson --commitment @commitment.json --private-key $DEVELOPER_KEY
    #[command(verbatim_doc_comment)]
    Submit {
        /// The MRV GeoJSON file.
        mrv: PathBuf,
        /// The CS-01 dataset commitment (JSON inline or @file, from `ogcr cs01 commit`).
        #[arg(long)]
        commitment: String,
        /// Document directory.
        #[arg(long, env = "OGCR_DOCS_DIR", default_value = "ogcr-documents")]
        docs_dir: PathBuf,
    },
    /// Verify or reject a report as a verifier (sends the transaction).
    ///
    /// Examples:
    ///
    ///   ogcr mrv verify 11 --amount-kg 1250500 --report verification-report.pdf --private-key $VERIFIER_KEY
    ///   ogcr mrv verify 11 --reject --report verification-report.pdf --private-key $VERIFIER_KEY
    #[command(verbatim_doc_comment)]
    Verify {
        /// The report id.
        mrv_id: u64,
        /// Verified net removal in kg CO2e (omit with --reject).
        #[arg(long, required_unless_present = "reject")]
        amount_kg: Option<u128>,
        /// Reject the report instead.
        #[arg(long, conflicts_with = "amount_kg")]
        reject: bool,
        #[command(flatten)]
        report: ReportArgs,
    },
    Attest(Box<crate::attest::AttestArgs>),
    /// Relay a verifier's signed EIP-712 attestation (anyone may send it).
    ///
    /// Example:
    ///
    ///   ogcr mrv submit-attestation 11 @attestation.json --private-key $RELAYER_KEY
    #[command(verbatim_doc_comment)]
    SubmitAttestation {
        /// The report id.
        mrv_id: u64,
        /// The attestation JSON (inline or @file, from `ogcr mrv attest`).
        attestation: String,
    },
    /// Show a report.
    ///
    /// Example:
    ///
    ///   ogcr mrv show 11
    #[command(verbatim_doc_comment)]
    Show {
        /// The report id.
        mrv_id: u64,
    },
    /// List a project's monitoring reports, from the read API (`ogcr up` or `ogcr serve`).
    ///
    /// Examples:
    ///
    ///   ogcr mrv list OGCR-BR-0001
    ///   ogcr mrv list OGCR-BR-0001 --status verified --sort period_start --desc
    #[command(verbatim_doc_comment)]
    List(crate::lists::MrvListArgs),
}

pub(crate) fn mrv(a: MrvArgs) -> Result<Outcome> {
    let c = a.chain.clone();
    if let MrvCommand::Attest(args) = a.command {
        return crate::attest::attest(*args, &c);
    }
    if let MrvCommand::List(l) = &a.command {
        block_on(crate::lists::reports(l))?;
        return Ok(Outcome::Success);
    }
    block_on(async {
        let reg = c.registry().await?;
        match &a.command {
            MrvCommand::Submit {
                mrv,
                commitment,
                docs_dir,
            } => {
                let (text, doc) = read_document(mrv, ogcr_core::DocumentKind::Mrv)?;
                let Document::Mrv(doc) = doc else {
                    unreachable!("validated as an MRV")
                };
                let commitment: ogcr_core::cs01::DatasetCommitment =
                    serde_json::from_str(&json_arg(commitment, "commitment")?)
                        .context("invalid commitment json")?;
                commitment.check_well_formed()?;
                let prepared = documents::prepare(docs_dir, &text)?;
                let s = documents::report_submission(
                    &doc,
                    &prepared.stored,
                    crate::chain::parse_hash(&commitment.commitment_hash)?,
                )?;
                // Stored only once the chain would take it (an overlapping period, roles).
                reg.check_submit_report(s.clone()).await?;
                let stored = prepared.write()?;
                let (start, end) = (s.periodStart, s.periodEnd);
                let (id, o) = reg.submit_report(s).await?;
                done(
                    &o,
                    json!({"mrv_id": id, "project_id": doc.properties.project_id,
                    "period": format!("{}..{}", format_time(start), format_time(end)),
                    "mrv_hash": stored.hash.to_string(), "mrv_uri": stored.uri}),
                )
            }
            MrvCommand::Verify {
                mrv_id,
                amount_kg,
                reject,
                report,
            } => {
                let h = report.hash("verification report")?;
                let o = reg
                    .verify_report(*mrv_id, !reject, amount_kg.unwrap_or(0), h)
                    .await?;
                done(
                    &o,
                    json!({"mrv_id": mrv_id, "status": if *reject { "rejected" } else { "verified" },
                    "amount_kg": amount_kg.unwrap_or(0).to_string()}),
                )
            }
            MrvCommand::SubmitAttestation {
                mrv_id,
                attestation,
            } => {
                let att: ogcr_core::cs01::Attestation =
                    serde_json::from_str(&json_arg(attestation, "attestation")?)
                        .context("invalid attestation json")?;
                let (onchain, verifier, sig) = attestation_call(&att)?;
                let o = reg
                    .submit_attestation(*mrv_id, onchain, verifier, sig)
                    .await?;
                done(
                    &o,
                    json!({"mrv_id": mrv_id, "verifier": verifier.to_string(), "outcome": att.outcome}),
                )
            }
            MrvCommand::Show { mrv_id } => {
                let r = reg.report(*mrv_id).await?;
                emit(&json!({
                    "mrv_id": r.mrvId,
                    "project_id": reg.project_id_of(r.projectKey).await?,
                    "status": name(&MRV_STATUS, r.status),
                    "period": format!("{}..{}", format_time(r.periodStart), format_time(r.periodEnd)),
                    "mrv_hash": r.mrvHash.to_string(),
                    "dataset_commitment": r.datasetCommitment.to_string(),
                    "uri": r.uri,
                    "submitter": r.submitter.to_string(),
                    "verifier": r.verifier.to_string(),
                    "verified_amount_kg": r.verifiedAmountKg.to_string(),
                }))?;
                Ok(Outcome::Success)
            }
            MrvCommand::Attest(_) | MrvCommand::List(_) => unreachable!("handled above"),
        }
    })
}

// --------------------------------------------------------------------------- CRU

/// Carbon Removal Units: issue, transfer, split, retire, cancel, show, list.
#[derive(Debug, Args)]
pub(crate) struct CruArgs {
    #[command(subcommand)]
    command: CruCommand,
    #[command(flatten)]
    chain: ChainArgs,
}

#[derive(Debug, Subcommand)]
enum CruCommand {
    /// Issue a serial block against a verified report (registry operator).
    ///
    /// Example:
    ///
    ///   ogcr cru issue --mrv 11 --to 0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc --amount 1000 --buffer 100 --buffer-to 0x976EA74026E726554dB657fA54763abd0C3a0aa9 --corsia --private-key $OPERATOR_KEY
    #[command(verbatim_doc_comment)]
    Issue {
        /// The verified report.
        #[arg(long)]
        mrv: u64,
        /// Receiver.
        #[arg(long)]
        to: String,
        /// Tonnes CO2e.
        #[arg(long)]
        amount: u64,
        /// Buffer tonnes minted with status buffer.
        #[arg(long, default_value_t = 0, requires = "buffer_to")]
        buffer: u64,
        /// Holder of the buffer block.
        #[arg(long)]
        buffer_to: Option<String>,
        /// Label the block CORSIA eligible.
        #[arg(long)]
        corsia: bool,
        /// Label the block Article 6 authorised, with this ITMO reference.
        #[arg(long, value_name = "ITMO_REFERENCE")]
        article6: Option<String>,
    },
    /// Transfer a token, or AMOUNT tonnes of it, to another account (holder).
    ///
    /// With --amount below what the token holds, that many tonnes (its last serials) are
    /// split off into a new token first, and the new token is transferred: two
    /// transactions.
    ///
    /// Examples:
    ///
    ///   ogcr cru transfer 1 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC --private-key $HOLDER_KEY
    ///   ogcr cru transfer 1 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC --amount 100 --private-key $HOLDER_KEY
    #[command(verbatim_doc_comment)]
    Transfer {
        /// Token id.
        token_id: U256,
        /// Receiver.
        to: String,
        /// Tonnes to transfer (default: the whole token).
        #[arg(long)]
        amount: Option<u64>,
    },
    /// Set a token's compliance labels (registry operator): exactly the ones given, so
    /// neither flag clears them.
    ///
    /// Examples:
    ///
    ///   ogcr cru label 1 --corsia --private-key $OPERATOR_KEY
    ///   ogcr cru label 1 --article6 KE-ITMO-2026-0001 --private-key $OPERATOR_KEY
    #[command(verbatim_doc_comment)]
    Label {
        /// Token id.
        token_id: U256,
        /// CORSIA eligible.
        #[arg(long)]
        corsia: bool,
        /// Article 6 authorised, with this ITMO reference.
        #[arg(long, value_name = "ITMO_REFERENCE")]
        article6: Option<String>,
    },
    /// Retire whole tokens in one transaction (holder): all of them or none.
    ///
    /// Example:
    ///
    ///   ogcr cru retire-batch 4 5 6 --beneficiary "Acme Airlines" --reason corsia --private-key $HOLDER_KEY
    #[command(verbatim_doc_comment)]
    RetireBatch {
        /// Token ids.
        #[arg(required = true, num_args = 1..)]
        token_ids: Vec<U256>,
        #[command(flatten)]
        claim: Claim,
    },
    /// Split AMOUNT tonnes (the last serials) of a token into a new token.
    ///
    /// Example:
    ///
    ///   ogcr cru split 23 300 --private-key $HOLDER_KEY
    #[command(verbatim_doc_comment)]
    Split {
        /// Token id.
        token_id: U256,
        /// Tonnes for the new token.
        amount: u64,
    },
    /// Retire a token, or part of it (holder).
    ///
    /// Examples:
    ///
    ///   ogcr cru retire 1 --beneficiary "Acme Airlines" --private-key $HOLDER_KEY
    ///   ogcr cru retire 1 --amount 250 --beneficiary "Acme Airlines" --reason corsia --private-key $HOLDER_KEY
    #[command(verbatim_doc_comment)]
    Retire {
        /// Token id.
        token_id: U256,
        /// Tonnes to retire (default: all).
        #[arg(long)]
        amount: Option<u64>,
        #[command(flatten)]
        claim: Claim,
    },
    /// Cancel a token, or part of it (registry operator).
    ///
    /// Example:
    ///
    ///   ogcr cru cancel 24 --amount 10 --reason reversal --private-key $OPERATOR_KEY
    #[command(verbatim_doc_comment)]
    Cancel {
        /// Token id.
        token_id: U256,
        /// Tonnes to cancel (default: all).
        #[arg(long)]
        amount: Option<u64>,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Show a token.
    ///
    /// Example:
    ///
    ///   ogcr cru show 23
    #[command(verbatim_doc_comment)]
    Show {
        /// Token id.
        token_id: U256,
        /// Where the registry's API and explorer are served (a retired token's certificate
        /// URL is `<api-url>/retirements/<id>`).
        #[arg(long, env = "OGCR_API_URL", default_value = "http://127.0.0.1:8080")]
        api_url: String,
    },
    /// List the tokens an account holds.
    ///
    /// Example:
    ///
    ///   ogcr cru list 0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc
    #[command(verbatim_doc_comment)]
    List {
        /// The holder.
        owner: String,
    },
}

/// Why units are retired: the reasons ICarbonRemovalUnit documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Reason {
    /// Code 0.
    Unspecified,
    /// Voluntary offsetting (code 1).
    Voluntary,
    /// CORSIA offsetting (code 2).
    Corsia,
    /// NDC / Article 6 use (code 3).
    Ndc,
    /// Other compliance (code 4).
    Compliance,
}

/// The retirement claim of `cru retire` and `cru retire-batch`.
#[derive(Debug, Args)]
struct Claim {
    /// Beneficiary name.
    #[arg(long)]
    beneficiary: String,
    /// Beneficiary identifier (LEI, DID, …).
    #[arg(long, default_value = "")]
    beneficiary_id: String,
    /// Why (default: voluntary).
    #[arg(long, value_enum, conflicts_with = "reason_code")]
    reason: Option<Reason>,
    /// The reason as its code: 0 unspecified, 1 voluntary offsetting, 2 CORSIA, 3 NDC /
    /// Article 6, 4 other compliance (the contract refuses any other).
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=4))]
    reason_code: Option<u8>,
    /// Free-text detail.
    #[arg(long, default_value = "")]
    detail: String,
    /// Where the registry's API and explorer are served: the retirement certificate's URL
    /// printed is `<api-url>/retirements/<id>`.
    #[arg(long, env = "OGCR_API_URL", default_value = "http://127.0.0.1:8080")]
    api_url: String,
}

impl Claim {
    fn info(&self) -> RetirementInfo {
        RetirementInfo {
            reasonCode: self
                .reason_code
                .unwrap_or(self.reason.unwrap_or(Reason::Voluntary) as u8),
            beneficiary: self.beneficiary.clone(),
            beneficiaryId: self.beneficiary_id.clone(),
            detail: self.detail.clone(),
        }
    }

    fn certificate(&self, id: U256) -> String {
        format!("{}/retirements/{id}", self.api_url.trim_end_matches('/'))
    }
}

/// Label bits of `--corsia` and `--article6` and their names.
fn label_bits(corsia: bool, article6: bool) -> u8 {
    u8::from(corsia) | if article6 { 2 } else { 0 }
}

fn label_names(bits: u8) -> Vec<&'static str> {
    [(1, "corsia"), (2, "article6")]
        .into_iter()
        .filter(|(b, _)| bits & b != 0)
        .map(|(_, n)| n)
        .collect()
}

pub(crate) fn cru(a: CruArgs) -> Result<Outcome> {
    block_on(async {
        let reg = a.chain.registry().await?;
        match &a.command {
            CruCommand::Issue {
                mrv,
                to,
                amount,
                buffer,
                buffer_to,
                corsia,
                article6,
            } => {
                let labels = u8::from(*corsia) | if article6.is_some() { 2 } else { 0 };
                let p = IssueParams {
                    mrvId: *mrv,
                    to: parse_address(to)?,
                    amount: *amount,
                    bufferAmount: *buffer,
                    bufferRecipient: buffer_to
                        .as_deref()
                        .map(parse_address)
                        .transpose()?
                        .unwrap_or_default(),
                    labels,
                    itmoReference: article6.clone().unwrap_or_default(),
                };
                let (id, buffer_id, o) = reg.issue(p).await?;
                done(
                    &o,
                    json!({"token_id": id.to_string(),
                    "buffer_token_id": if buffer_id.is_zero() { Value::Null } else { json!(buffer_id.to_string()) }}),
                )
            }
            CruCommand::Transfer {
                token_id,
                to,
                amount,
            } => {
                let to_address = parse_address(to)?;
                let held = reg.token(*token_id).await?.0.amount;
                match amount {
                    Some(0) => anyhow::bail!("--amount 0: give the tonnes to transfer, 1 or more"),
                    Some(n) if *n < held => {
                        let (part, split) = reg.split(*token_id, *n).await?;
                        let o = reg.transfer(part, to_address).await.with_context(|| {
                            format!(
                                "{n} t of token {token_id} were split off into token {part} \
                                 (tx {:#x}), which is still yours: the transfer failed; send it \
                                 with `ogcr cru transfer {part} {to}`",
                                split.tx_hash
                            )
                        })?;
                        done(
                            &o,
                            json!({"token_id": part.to_string(), "split_from": token_id.to_string(),
                                "split_tx_hash": format!("{:#x}", split.tx_hash),
                                "amount_t": n, "to": to}),
                        )
                    }
                    Some(n) if *n > held => anyhow::bail!(
                        "token {token_id} holds {held} t; transferring {n} t is more than it holds"
                    ),
                    _ => {
                        let o = reg.transfer(*token_id, to_address).await?;
                        done(
                            &o,
                            json!({"token_id": token_id.to_string(), "amount_t": held, "to": to}),
                        )
                    }
                }
            }
            CruCommand::Label {
                token_id,
                corsia,
                article6,
            } => {
                let (before, _, _) = reg.token(*token_id).await?;
                let bits = label_bits(*corsia, article6.is_some());
                let o = reg
                    .set_labels(*token_id, bits, article6.as_deref().unwrap_or(""))
                    .await?;
                done(
                    &o,
                    json!({"token_id": token_id.to_string(),
                        "labels_before": label_names(before.labels),
                        "labels": label_names(bits),
                        "itmo_reference": article6}),
                )
            }
            CruCommand::RetireBatch { token_ids, claim } => {
                let mut tonnes = 0;
                for id in token_ids {
                    tonnes += reg.token(*id).await?.0.amount;
                }
                let (ids, o) = reg.retire_batch(token_ids, claim.info()).await?;
                done(
                    &o,
                    json!({
                        "retired_token_ids": ids.iter().map(ToString::to_string).collect::<Vec<_>>(),
                        "amount_t": tonnes,
                        "certificate_urls": ids.iter().map(|id| claim.certificate(*id)).collect::<Vec<_>>(),
                    }),
                )
            }
            CruCommand::Split { token_id, amount } => {
                let (id, o) = reg.split(*token_id, *amount).await?;
                done(
                    &o,
                    json!({"token_id": token_id.to_string(), "new_token_id": id.to_string()}),
                )
            }
            CruCommand::Retire {
                token_id,
                amount,
                claim,
            } => {
                let amount = whole(&reg, *token_id, *amount).await?;
                let (id, o) = reg.retire(*token_id, amount, claim.info()).await?;
                done(
                    &o,
                    json!({
                        "retired_token_id": id.to_string(),
                        "retirement_id": id.to_string(),
                        "amount_t": amount,
                        "certificate_url": claim.certificate(id),
                    }),
                )
            }
            CruCommand::Cancel {
                token_id,
                amount,
                reason,
            } => {
                let amount = whole(&reg, *token_id, *amount).await?;
                let (id, o) = reg.cancel(*token_id, amount, reason).await?;
                done(
                    &o,
                    json!({"cancelled_token_id": id.to_string(), "amount_t": amount}),
                )
            }
            CruCommand::Show { token_id, api_url } => {
                let (u, owner, itmo) = reg.token(*token_id).await?;
                let end = u.serialStart + u.amount - 1;
                let retirement = match reg.retirement_of(*token_id).await? {
                    Some((e, tx, block)) => json!({
                        "beneficiary": e.info.beneficiary,
                        "beneficiary_id": e.info.beneficiaryId,
                        "reason": retirement_reason(e.info.reasonCode),
                        "reason_code": e.info.reasonCode,
                        "detail": e.info.detail,
                        "retired_by": e.actor.to_string(),
                        "tx_hash": format!("{tx:#x}"),
                        "block_number": block,
                        "certificate_url": format!("{}/retirements/{token_id}", api_url.trim_end_matches('/')),
                    }),
                    None => Value::Null,
                };
                emit(&json!({
                    "token_id": token_id.to_string(),
                    "owner": owner.to_string(),
                    "status": name(&UNIT_STATUS, u.status),
                    "amount_t": u.amount,
                    "serials": format!("{}-{}", u.serialStart, end),
                    "mrv_id": u.mrvId,
                    "vintage": u.vintage,
                    "labels": label_names(u.labels),
                    "itmo_reference": itmo,
                    "retirement": retirement,
                }))?;
                Ok(Outcome::Success)
            }
            CruCommand::List { owner } => {
                let ids = reg.tokens_of(parse_address(owner)?).await?;
                let mut rows = Vec::new();
                for id in ids {
                    let (u, _, _) = reg.token(id).await?;
                    rows.push(json!({"token_id": id.to_string(), "status": name(&UNIT_STATUS, u.status),
                        "amount_t": u.amount, "serials": format!("{}-{}", u.serialStart, u.serialStart + u.amount - 1),
                        "vintage": u.vintage}));
                }
                emit(&Value::Array(rows))?;
                Ok(Outcome::Success)
            }
        }
    })
}

async fn whole(reg: &Registry, token_id: U256, amount: Option<u64>) -> Result<u64> {
    match amount {
        Some(a) => Ok(a),
        None => Ok(reg.token(token_id).await?.0.amount),
    }
}

/// The name of a retirement reason code, as the contract documents them.
fn retirement_reason(code: u8) -> &'static str {
    ogcr_bindings::errors::retirement_reason(i64::from(code)).unwrap_or("unknown")
}
