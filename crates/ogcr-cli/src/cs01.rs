//! `ogcr cs01 …`: the CS-01 reference CLI (demo, commit, attest, list, verify) with the
//! reference's semantics, plus EIP-712 production signatures.

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use ogcr_core::cs01::{
    Attestation, AttestationInput, AttestationScope, DatasetCommitment, Eip712Params, FileRegistry,
    HmacKey, ListFilter, Outcome as AttestationOutcome, SignatureScheme,
    attestation::POC_DEFAULT_SECRET, create_dataset_commitment, create_hmac_attestation, eip712,
    verify_commitment, verify_eip712, verify_hmac,
};

use crate::{Outcome, input::json_arg};

/// CS-01 Carbon MRV dataset commitments and verifier attestations.
///
/// HMAC signatures use the shared secret in CARBON_MRV_SIGNING_SECRET. Without it the
/// well-known proof-of-concept secret is used and a warning is printed: such signatures
/// prove nothing. For production use `--scheme eip712` with the verifier's own key.
#[derive(Debug, Args)]
pub(crate) struct Cs01Args {
    #[command(subcommand)]
    command: Cs01Command,
}

#[derive(Debug, Subcommand)]
enum Cs01Command {
    /// Run the full flow: commitment → attestation → registry → list.
    ///
    /// Example: ogcr cs01 demo --registry /tmp/demo-registry.json
    Demo(DemoArgs),
    /// Create a dataset commitment (SHA-256 of the canonical summary) and print it.
    ///
    /// Example: ogcr cs01 commit emissions-2024-Q1 '{"period":"2024-Q1","source":"inventory","tCO2e":1200}'
    Commit(CommitArgs),
    /// Attest a commitment as a verifier, append it to the registry and print it.
    ///
    /// Verifier details come from flags or the environment
    /// (VERIFIER_ID, VERIFIER_NAME, PROJECT_ID, METHODOLOGY, REPORTING_PERIOD, OUTCOME, REASON).
    ///
    /// Examples:
    ///
    ///   ogcr cs01 commit q1 '{"tCO2e":1200}' > c.json && ogcr cs01 attest @c.json
    ///
    ///   OGCR_VERIFIER_KEY=0x… ogcr cs01 attest @c.json --scheme eip712 --chain-id 31337 --contract 0x5FbDB2315678afecb367f032d93F642f64180aa3 --amount-kg 1250500
    #[command(verbatim_doc_comment)]
    Attest(Box<AttestArgs>),
    /// List registry entries, optionally filtered.
    ///
    /// Example: ogcr cs01 list --project proj-001 --outcome verified
    List(ListArgs),
    /// Verify an attestation's signature offline.
    ///
    /// Prints "Signature valid" (exit 0) or "Signature invalid" (exit 1, reason on stderr).
    /// EIP-712 signatures are checked against the attestation's verifierAddress or --address
    /// (externally owned accounts only; ERC-1271 contract wallets can only be checked on chain).
    ///
    /// Examples:
    ///
    ///   ogcr cs01 verify @attestation.json
    ///
    ///   ogcr cs01 verify @attestation.json --address 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
    #[command(verbatim_doc_comment)]
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
struct RegistryArg {
    /// Registry file (CS-01 §1.8 format).
    #[arg(long, env = "CARBON_MRV_REGISTRY", default_value = ogcr_core::cs01::registry::DEFAULT_REGISTRY_PATH)]
    registry: PathBuf,
}

#[derive(Debug, Args)]
struct SecretArg {
    /// HMAC shared secret (prefer the environment variable; never use the default in production).
    #[arg(
        long = "signing-secret",
        env = "CARBON_MRV_SIGNING_SECRET",
        hide_env_values = true
    )]
    signing_secret: Option<String>,
}

impl SecretArg {
    /// The HMAC key; warns on stderr every time the default PoC secret is used.
    fn key(&self) -> HmacKey {
        match &self.signing_secret {
            Some(s) if s != POC_DEFAULT_SECRET => HmacKey::new(s.as_str()),
            _ => {
                eprintln!(
                    "warning: using the default proof-of-concept HMAC secret; signatures made with it prove nothing. \
                     Set CARBON_MRV_SIGNING_SECRET, and use --scheme eip712 in production."
                );
                HmacKey::poc_default()
            }
        }
    }
}

#[derive(Debug, Args)]
struct DemoArgs {
    #[command(flatten)]
    registry: RegistryArg,
    #[command(flatten)]
    secret: SecretArg,
}

#[derive(Debug, Args)]
struct CommitArgs {
    /// Short label of the dataset, e.g. emissions-2024-Q1.
    label: String,
    /// Summary: a JSON object, inline or as @file.json.
    summary: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutcomeArg {
    Verified,
    Rejected,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SchemeArg {
    /// Proof-of-concept HMAC-SHA256 with a shared secret.
    Hmac,
    /// EIP-712 typed data signed with the verifier's secp256k1 key.
    Eip712,
}

#[derive(Debug, Args)]
struct AttestArgs {
    /// The dataset commitment: JSON inline or @file.json.
    commitment: String,
    /// Verifier identifier (accredited body id or DID).
    #[arg(long, env = "VERIFIER_ID", default_value = "verifier-poc")]
    verifier_id: String,
    /// Human-readable verifier name (not signed).
    #[arg(long, env = "VERIFIER_NAME", default_value = "PoC Verifier")]
    verifier_name: String,
    /// Project identifier.
    #[arg(long, env = "PROJECT_ID", default_value = "proj-001")]
    project_id: String,
    /// Methodology version, e.g. VM0047-v1.0.
    #[arg(long, env = "METHODOLOGY", default_value = "GHG-Protocol-v1")]
    methodology: String,
    /// Reporting period, e.g. 2024-Q1.
    #[arg(long, env = "REPORTING_PERIOD")]
    reporting_period: Option<String>,
    /// Outcome of the verification.
    #[arg(long, env = "OUTCOME", value_enum, default_value = "verified")]
    outcome: OutcomeArg,
    /// Reason, e.g. for a rejection (not signed).
    #[arg(long, env = "REASON")]
    reason: Option<String>,
    /// Signature scheme.
    #[arg(long, value_enum, default_value = "hmac")]
    scheme: SchemeArg,
    /// EIP-712: the verifier's private key, 64 hex digits (prefer the environment variable).
    #[arg(long, env = "OGCR_VERIFIER_KEY", hide_env_values = true)]
    key: Option<String>,
    /// EIP-712: chain id of the MRVRegistry deployment.
    #[arg(long)]
    chain_id: Option<u64>,
    /// EIP-712: MRVRegistry contract address.
    #[arg(long)]
    contract: Option<String>,
    /// EIP-712: verified net removal in kilograms CO2e (must be 0 for a rejection).
    #[arg(long)]
    amount_kg: Option<String>,
    /// EIP-712: SHA-256 of the verification report, 0x + 64 hex digits.
    #[arg(
        long,
        default_value = "0x0000000000000000000000000000000000000000000000000000000000000000"
    )]
    report_hash: String,
    #[command(flatten)]
    registry: RegistryArg,
    #[command(flatten)]
    secret: SecretArg,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Only entries of this project id.
    #[arg(long = "project")]
    project: Option<String>,
    /// Only entries with this outcome.
    #[arg(long, value_enum)]
    outcome: Option<OutcomeArg>,
    #[command(flatten)]
    registry: RegistryArg,
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// The attestation: JSON inline or @file.json.
    attestation: String,
    /// EIP-712: the verifier address the signature must recover to (default: the
    /// attestation's verifierAddress).
    #[arg(long)]
    address: Option<String>,
    #[command(flatten)]
    secret: SecretArg,
}

impl From<OutcomeArg> for AttestationOutcome {
    fn from(o: OutcomeArg) -> Self {
        match o {
            OutcomeArg::Verified => Self::Verified,
            OutcomeArg::Rejected => Self::Rejected,
        }
    }
}

pub(crate) fn run(args: Cs01Args) -> Result<Outcome> {
    match args.command {
        Cs01Command::Demo(a) => demo(&a),
        Cs01Command::Commit(a) => commit(&a),
        Cs01Command::Attest(a) => attest(&a),
        Cs01Command::List(a) => list(&a),
        Cs01Command::Verify(a) => verify(&a),
    }
}

fn print_json(value: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn commit(a: &CommitArgs) -> Result<Outcome> {
    let summary = json_arg(&a.summary, "summary")?;
    let c = create_dataset_commitment(&a.label, &summary, chrono::Utc::now())
        .context("invalid json summary")?;
    print_json(&c)?;
    Ok(Outcome::Success)
}

/// `ogcr mrv attest`: an EIP-712 attestation for the MRVRegistry of a deployment manifest,
/// signed offline (chain id and contract come from the manifest unless given).
fn attest(a: &AttestArgs) -> Result<Outcome> {
    let text = json_arg(&a.commitment, "commitment")?;
    let commitment: DatasetCommitment =
        serde_json::from_str(&text).context("invalid commitment json")?;
    commitment.check_well_formed()?;
    let input = AttestationInput {
        verifier_id: a.verifier_id.clone(),
        verifier_name: a.verifier_name.clone(),
        scope: AttestationScope {
            project_id: a.project_id.clone(),
            methodology_version: a.methodology.clone(),
            reporting_period: a.reporting_period.clone(),
            reporting_period_null: false,
        },
        dataset_commitment: commitment,
        outcome: a.outcome.into(),
        reason: a.reason.clone(),
    };
    let attestation = match a.scheme {
        SchemeArg::Hmac => create_hmac_attestation(input, &a.secret.key())?,
        SchemeArg::Eip712 => {
            let key = a
                .key
                .as_deref()
                .context("--key (or OGCR_VERIFIER_KEY) is required with --scheme eip712")?;
            let signer = eip712::parse_private_key(key)?;
            let chain_id = a
                .chain_id
                .context("--chain-id is required with --scheme eip712")?;
            let contract = a
                .contract
                .as_deref()
                .context("--contract is required with --scheme eip712")?;
            let amount = match (&a.amount_kg, a.outcome) {
                (Some(s), _) => eip712::parse_amount_kg(s)?,
                (None, OutcomeArg::Rejected) => Default::default(),
                (None, OutcomeArg::Verified) => {
                    bail!("--amount-kg is required for a verified eip712 attestation")
                }
            };
            let params = Eip712Params {
                chain_id,
                verifying_contract: eip712::parse_address(contract, "--contract")?,
                verified_amount_kg: amount,
                verification_report_hash: eip712::parse_b256(&a.report_hash, "--report-hash")?,
            };
            eip712::create_eip712_attestation(input, &params, &signer)?
        }
    };
    FileRegistry::new(&a.registry.registry).append(&attestation, None)?;
    print_json(&attestation)?;
    Ok(Outcome::Success)
}

fn list(a: &ListArgs) -> Result<Outcome> {
    let filter = ListFilter {
        project_id: a.project.clone(),
        outcome: a
            .outcome
            .map(|o| AttestationOutcome::from(o).as_str().to_owned()),
    };
    let entries = FileRegistry::new(&a.registry.registry).list(&filter)?;
    print_json(&entries)?;
    Ok(Outcome::Success)
}

fn verify(a: &VerifyArgs) -> Result<Outcome> {
    let text = json_arg(&a.attestation, "attestation")?;
    let checked = Attestation::from_json(&text).and_then(|att| match att.scheme()? {
        SignatureScheme::HmacSha256 => verify_hmac(&att, &a.secret.key()),
        SignatureScheme::Eip712 => {
            let expected = a
                .address
                .as_deref()
                .map(|s| eip712::parse_address(s, "--address"))
                .transpose()?;
            verify_eip712(&att, expected).map(|signer| {
                tracing::info!(target: "ogcr::cs01", signer = %signer, "eip712 signer recovered");
            })
        }
    });
    match checked {
        Ok(()) => {
            println!("Signature valid");
            Ok(Outcome::Success)
        }
        Err(e) => {
            println!("Signature invalid");
            eprintln!("reason: {e}");
            Ok(Outcome::Negative)
        }
    }
}

fn demo(a: &DemoArgs) -> Result<Outcome> {
    println!("=== Carbon MRV CS-01 demo ===\n");
    let summary = r#"{"period":"2024-Q1","source":"inventory","boundary":"Scope 1+2","tCO2e":1200,"methodology":"GHG Protocol"}"#;
    let commitment = create_dataset_commitment("emissions-2024-Q1", summary, chrono::Utc::now())?;
    println!("1. Dataset commitment created:");
    print_json(&commitment)?;
    let matches = verify_commitment(&commitment.commitment_hash, summary)?;
    println!(
        "\n   Verify commitment: {}\n",
        if matches { "OK" } else { "FAIL" }
    );

    let key = a.secret.key();
    let attestation = create_hmac_attestation(
        AttestationInput {
            verifier_id: "verifier-acme-001".into(),
            verifier_name: "ACME Verification Body".into(),
            scope: AttestationScope {
                project_id: "proj-001".into(),
                methodology_version: "GHG-Protocol-v1".into(),
                reporting_period: Some("2024-Q1".into()),
                reporting_period_null: false,
            },
            dataset_commitment: commitment,
            outcome: AttestationOutcome::Verified,
            reason: None,
        },
        &key,
    )?;
    println!("2. Attestation created:");
    print_json(&attestation)?;
    let sig_ok = verify_hmac(&attestation, &key).is_ok();
    println!(
        "\n   Verify signature: {}\n",
        if sig_ok { "OK" } else { "FAIL" }
    );

    let registry = FileRegistry::new(&a.registry.registry);
    let entry = registry.append(&attestation, None)?;
    println!("3. Recorded in registry: {}", registry.path().display());
    println!("   Entry recordedAt: {}\n", entry.recorded_at);
    let count = registry.list(&ListFilter::default())?.len();
    println!("4. Registry now has {count} entry/entries.\n");
    println!("Done. Run 'ogcr cs01 list' to see all attestations.");
    Ok(if matches && sig_ok {
        Outcome::Success
    } else {
        Outcome::Negative
    })
}
