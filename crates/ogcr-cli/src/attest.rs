//! `ogcr mrv attest`: a verifier's EIP-712 attestation of a monitoring report, for this
//! deployment's MRVRegistry, with nothing signed that the verifier did not state or the chain
//! does not hold.

use std::path::PathBuf;

use anyhow::{Context as _, Result, anyhow, bail};
use clap::Args;
use ogcr_core::cs01::{
    AttestationInput, AttestationScope, DatasetCommitment, Eip712Params, FileRegistry,
    Outcome as AttestationOutcome, eip712,
};

use crate::{
    Outcome,
    chain::{ChainArgs, block_on, hash_or_file},
    input::json_arg,
};

/// The outcome attested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum OutcomeArg {
    /// The report is verified (give --amount-kg).
    Verified,
    /// The report is rejected (give --reason).
    Rejected,
}

/// Sign an EIP-712 attestation of a monitoring report for this deployment's MRVRegistry.
///
/// With --mrv ID the project id, the reporting period and the dataset commitment's hash come
/// from the chain (the commitment given must be the one the report anchored) and the
/// methodology from the stored MRV document; without it they are given with --project-id,
/// --methodology and --reporting-period, and nothing is read from the chain but the
/// deployment manifest. No placeholder is ever signed: a value neither given nor on chain is
/// an error that names the flag. The verifier's key is the command's signer (--private-key, --keystore or
/// --mnemonic, as for every command; --key and OGCR_VERIFIER_KEY also work). The attestation
/// is printed on stdout and appended to the attestation file.
///
/// Examples:
///
///   ogcr mrv attest @commitment.json --mrv 11 --verifier-id did:ogcr:verifier:acme \
///     --amount-kg 1250500 --report verification-report.pdf --keystore verifier.json > attestation.json
///   ogcr mrv attest @commitment.json --project-id OGCR-BR-0001 --methodology VM0047-v1.0 \
///     --reporting-period 2024 --verifier-id did:ogcr:verifier:acme --outcome rejected \
///     --reason "plots not remeasured" --report verification-report.pdf --private-key $VER
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct AttestArgs {
    /// The dataset commitment: JSON inline or @file (from `ogcr cs01 commit`).
    commitment: String,
    /// The report on chain: fills the project id, the reporting period and checks the
    /// commitment against it.
    #[arg(long)]
    mrv: Option<u64>,
    /// Verifier identifier (accredited body id or DID).
    #[arg(long, env = "OGCR_VERIFIER_ID")]
    verifier_id: String,
    /// Human-readable verifier name (not signed; default: the verifier id).
    #[arg(long, env = "OGCR_VERIFIER_NAME")]
    verifier_name: Option<String>,
    /// Project id (with --mrv: must be the report's).
    #[arg(long)]
    project_id: Option<String>,
    /// Methodology version, e.g. VM0047-v1.0 (with --mrv: default, the stored MRV document's
    /// methodology id).
    #[arg(long)]
    methodology: Option<String>,
    /// Reporting period, e.g. 2024 (with --mrv: default, the report's period
    /// YYYY-MM-DD..YYYY-MM-DD).
    #[arg(long)]
    reporting_period: Option<String>,
    /// Outcome.
    #[arg(long, value_enum, default_value = "verified")]
    outcome: OutcomeArg,
    /// Why (required for a rejection; not signed).
    #[arg(long, required_if_eq("outcome", "rejected"))]
    reason: Option<String>,
    /// Verified net removal in kg CO2e (required for verified; none for rejected).
    #[arg(long, required_if_eq("outcome", "verified"))]
    amount_kg: Option<String>,
    /// The verification report file: its SHA-256 is signed.
    #[arg(
        long,
        conflicts_with = "report_hash",
        required_unless_present = "report_hash"
    )]
    report: Option<PathBuf>,
    /// The verification report's SHA-256 (0x + 64 hex digits), instead of --report.
    #[arg(long)]
    report_hash: Option<String>,
    /// The verifier's private key (hex), when not given as the signer.
    #[arg(long, env = "OGCR_VERIFIER_KEY", hide_env_values = true)]
    key: Option<String>,
    /// Where stored documents are (for the MRV document's methodology with --mrv).
    #[arg(long, env = "OGCR_DOCS_DIR", default_value = "ogcr-documents")]
    docs_dir: PathBuf,
    /// The attestation file each attestation is appended to (CS-01 §1.8 format).
    #[arg(
        long,
        env = "OGCR_ATTESTATIONS",
        default_value = ".ogcr/attestations.json"
    )]
    attestations: PathBuf,
}

/// The scope signed: project, methodology, period.
struct Scope {
    project_id: String,
    methodology: String,
    reporting_period: String,
}

pub(crate) fn attest(a: AttestArgs, chain: &ChainArgs) -> Result<Outcome> {
    let commitment: DatasetCommitment =
        serde_json::from_str(&json_arg(&a.commitment, "commitment")?)
            .context("the commitment is not CS-01 dataset commitment JSON")?;
    commitment.check_well_formed()?;
    let network = chain.network()?;
    let manifest = chain.manifest(&network)?;
    let signer = match (&a.key, chain.signer()?) {
        (Some(key), _) => eip712::parse_private_key(key)?,
        (None, Some(s)) => s,
        (None, None) => bail!(
            "the attestation needs the verifier's key: give --private-key, --keystore (with \
             --password) or --mnemonic, or --key / OGCR_VERIFIER_KEY"
        ),
    };
    let scope = match a.mrv {
        Some(id) => block_on(from_chain(&a, chain, id, &commitment))?,
        None => Scope {
            project_id: a.project_id.clone().ok_or_else(|| {
                anyhow!("give --project-id (or --mrv ID to read it from the chain)")
            })?,
            methodology: a.methodology.clone().ok_or_else(|| {
                anyhow!(
                    "give --methodology, e.g. VM0047-v1.0 (or --mrv ID to read it from the report)"
                )
            })?,
            reporting_period: a.reporting_period.clone().ok_or_else(|| {
                anyhow!(
                    "give --reporting-period, e.g. 2024 (or --mrv ID to read it from the chain)"
                )
            })?,
        },
    };
    let amount = match (&a.amount_kg, a.outcome) {
        (Some(s), OutcomeArg::Verified) => eip712::parse_amount_kg(s)?,
        (Some(_), OutcomeArg::Rejected) => bail!("a rejection attests no amount: drop --amount-kg"),
        (None, OutcomeArg::Rejected) => Default::default(),
        (None, OutcomeArg::Verified) => bail!("give --amount-kg for a verified report"),
    };
    let report_hash = hash_or_file(
        a.report_hash.as_deref(),
        a.report.as_ref(),
        "verification report",
    )?;
    if report_hash.is_zero() {
        bail!("the verification report hash is all zeros: give the report with --report FILE");
    }
    let input = AttestationInput {
        verifier_name: a
            .verifier_name
            .clone()
            .unwrap_or_else(|| a.verifier_id.clone()),
        verifier_id: a.verifier_id.clone(),
        scope: AttestationScope {
            project_id: scope.project_id,
            methodology_version: scope.methodology,
            reporting_period: Some(scope.reporting_period),
            reporting_period_null: false,
        },
        dataset_commitment: commitment,
        outcome: match a.outcome {
            OutcomeArg::Verified => AttestationOutcome::Verified,
            OutcomeArg::Rejected => AttestationOutcome::Rejected,
        },
        reason: a.reason.clone(),
    };
    let params = Eip712Params {
        chain_id: manifest.chain_id,
        verifying_contract: manifest.contracts.mrv_registry.address,
        verified_amount_kg: amount,
        verification_report_hash: report_hash,
    };
    let attestation = eip712::create_eip712_attestation(input, &params, &signer)?;
    if let Some(dir) = a
        .attestations
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    FileRegistry::new(&a.attestations).append(&attestation, None)?;
    println!("{}", serde_json::to_string_pretty(&attestation)?);
    Ok(Outcome::Success)
}

/// The scope of report `id` as the chain holds it, the commitment checked against it.
async fn from_chain(
    a: &AttestArgs,
    chain: &ChainArgs,
    id: u64,
    commitment: &DatasetCommitment,
) -> Result<Scope> {
    let reg = chain.registry().await?;
    let r = reg.report(id).await?;
    let project_id = reg.project_id_of(r.projectKey).await?;
    if let Some(given) = &a.project_id
        && *given != project_id
    {
        bail!("--project-id {given} is not the project of report {id} ({project_id})");
    }
    let anchored = format!("{:#x}", r.datasetCommitment);
    let given = commitment.commitment_hash.to_ascii_lowercase();
    if given.trim_start_matches("0x") != anchored.trim_start_matches("0x") {
        bail!(
            "the commitment given ({given}) is not the one report {id} anchored ({anchored}): \
             attest the dataset the report was submitted with"
        );
    }
    let methodology = match &a.methodology {
        Some(m) => m.clone(),
        None => {
            let path = a
                .docs_dir
                .join(format!("{}.json", hex::encode(r.mrvHash.as_slice())));
            let text = std::fs::read_to_string(&path).map_err(|e| {
                anyhow!(
                    "give --methodology: the MRV document of report {id} is not at {} ({e})",
                    path.display()
                )
            })?;
            let doc: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", path.display()))?;
            doc["properties"]["methodology_id"]
                .as_str()
                .filter(|m| !m.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| {
                    anyhow!(
                        "give --methodology: the MRV document {} names none",
                        path.display()
                    )
                })?
        }
    };
    let reporting_period = match &a.reporting_period {
        Some(p) => p.clone(),
        None => format!(
            "{}..{}",
            ogcr_bindings::errors::format_time(r.periodStart),
            ogcr_bindings::errors::format_time(r.periodEnd)
        ),
    };
    Ok(Scope {
        project_id,
        methodology,
        reporting_period,
    })
}
