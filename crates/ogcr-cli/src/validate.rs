//! `ogcr validate <file>`: schema and business-rule validation of a PDD or MRV.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use clap::{Args, ValueEnum};
use ogcr_core::{DocumentKind, MethodologyRegistry, Mrv, Pdd, ValidationContext, validate_json};

use crate::Outcome;

/// Validate an OGCR v0.1.0 PDD or MRV document (schema and business rules).
///
/// Prints every problem found, each with its JSON pointer, what is wrong and how to fix it.
/// Exits 1 when there is any problem.
///
/// The kind (PDD or MRV) is detected from `profile` or from the properties present.
/// Business rules compare the document with the projects and MRVs you pass: overlapping
/// project areas, overlapping monitoring periods, the MRV's project and methodology.
///
/// Examples:
///
///   ogcr validate project.geojson
///   ogcr validate mrv-2025.geojson --project project.geojson --mrv mrv-2024.geojson
///   ogcr validate doc.json --kind mrv --methodologies my-methodologies.json --format json
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct ValidateArgs {
    /// The GeoJSON document to validate.
    file: PathBuf,
    /// Validate as this kind instead of detecting it.
    #[arg(long, value_enum)]
    kind: Option<KindArg>,
    /// Methodology registry file ({"methodologies":[…]}); default: the built-in one.
    #[arg(long)]
    methodologies: Option<PathBuf>,
    /// A registered project (PDD) to check against; repeatable.
    #[arg(long = "project")]
    projects: Vec<PathBuf>,
    /// An existing MRV of the registry to check against; repeatable.
    #[arg(long = "mrv")]
    reports: Vec<PathBuf>,
    /// Output format (`--json` is the same as `--format json`).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum KindArg {
    Pdd,
    Mrv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// One line per problem plus a hint.
    Text,
    /// A JSON object {file, kind, valid, issues}.
    Json,
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn load<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<T> {
    serde_json::from_str(&read(path)?)
        .with_context(|| format!("{} is not a valid {what}", path.display()))
}

pub(crate) fn run(args: ValidateArgs) -> Result<Outcome> {
    let registry = match &args.methodologies {
        Some(p) => MethodologyRegistry::from_json(&read(p)?)
            .with_context(|| format!("loading {}", p.display()))?,
        None => MethodologyRegistry::builtin(),
    };
    let projects: Vec<Pdd> = args
        .projects
        .iter()
        .map(|p| load(p, "PDD"))
        .collect::<Result<_>>()?;
    let reports: Vec<Mrv> = args
        .reports
        .iter()
        .map(|p| load(p, "MRV"))
        .collect::<Result<_>>()?;
    let ctx = ValidationContext {
        methodologies: &registry,
        projects: (!args.projects.is_empty()).then_some(projects.as_slice()),
        reports: (!args.reports.is_empty()).then_some(reports.as_slice()),
    };
    let kind = args.kind.map(|k| match k {
        KindArg::Pdd => DocumentKind::Pdd,
        KindArg::Mrv => DocumentKind::Mrv,
    });
    let report = validate_json(&read(&args.file)?, kind, &ctx);
    let file = args.file.display().to_string();
    let kind_name = report.kind.map_or("document", |k| match k {
        DocumentKind::Pdd => "PDD",
        DocumentKind::Mrv => "MRV",
    });
    let format = if crate::output::json() {
        Format::Json
    } else {
        args.format
    };
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "file": file,
                "kind": report.kind,
                "valid": report.is_valid(),
                "issues": report.issues,
            }))?
        ),
        Format::Text if report.is_valid() => println!("{file}: valid {kind_name}"),
        Format::Text => {
            for issue in &report.issues {
                let at = if issue.pointer.is_empty() {
                    "(document)"
                } else {
                    &issue.pointer
                };
                println!("{file}: {at}: [{}] {}", issue.code, issue.message);
                println!("    fix: {}", issue.hint);
            }
            println!(
                "{file}: {} problem(s) in this {kind_name}",
                report.issues.len()
            );
        }
    }
    Ok(if report.is_valid() {
        Outcome::Success
    } else {
        Outcome::Negative
    })
}
