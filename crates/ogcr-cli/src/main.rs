//! `ogcr`, the command-line tool of the Open Geospatial Carbon Registry.
//!
//! One subcommand group per module; later groups (deploy, project, mrv, cru, index,
//! serve) are added as further variants of [`Command`].

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// CS-01 dataset commitments and attestations.
mod cs01;
/// Reading command arguments that hold JSON inline or as `@file`.
mod input;
/// OGCR document validation.
mod validate;

/// Open Geospatial Carbon Registry tool.
///
/// Commit to MRV datasets, attest them as a verifier (HMAC proof of concept or EIP-712),
/// keep an append-only attestation registry, and validate OGCR PDD/MRV documents.
///
/// Examples:
///
///   ogcr cs01 demo
///   ogcr cs01 commit emissions-2024-Q1 '{"period":"2024-Q1","tCO2e":1200}'
///   ogcr validate project.geojson
#[derive(Debug, Parser)]
#[command(
    name = "ogcr",
    version,
    about,
    long_about,
    propagate_version = true,
    verbatim_doc_comment
)]
struct Cli {
    /// Log filter for diagnostics on stderr (e.g. `debug`, `ogcr=trace`).
    #[arg(long, global = true, env = "OGCR_LOG", default_value = "warn")]
    log: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    // Help text comes from the argument structs' doc comments.
    Cs01(cs01::Cs01Args),
    Validate(validate::ValidateArgs),
}

/// What a command reports to the shell: success, or a negative result (exit 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Everything checked out.
    Success,
    /// The command ran but its answer is "no" (invalid signature, invalid document).
    Negative,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&cli.log)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let result = match cli.command {
        Command::Cs01(args) => cs01::run(args),
        Command::Validate(args) => validate::run(args),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Negative) => ExitCode::from(1),
        Err(e) => {
            eprintln!("ogcr: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
