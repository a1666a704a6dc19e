//! `ogcr export cadt` and `ogcr export aef`: CAD Trust Data Model v2.0.2 and Article 6 AEF
//! records from the indexed database, as files.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use ogcr_export::{AefOptions, ExportConfig, Exporter, Format, Progress, Report};
use ogcr_store::Store;

use crate::{Outcome, index::DatabaseArgs};

/// Export the indexed registry for the Climate Action Data Trust (CAD Trust).
///
/// Reads the database `ogcr index` fills (run it first) and writes the CAD Trust Data Model
/// v2.0.2 baseline tables (program, methodology, stakeholder, label, project,
/// project_methodology, validation, verification, location, estimation, rating, co_benefit,
/// issuance, unit, unit_label), or the Article 6 AEF tables T1–T5 of a host Party and year,
/// in insert order. Every record carries exactly the v2.0.2 API fields, picklist values from
/// the v2.0.2 picklists, and deterministic ids (UUIDv5 of the on-chain record): exporting
/// again, or from another database of the same chain, gives the same records.
///
/// What the chain cannot say — the accredited validation/verification body of an address,
/// organisation names, Article 6 parameters — comes from a TOML configuration (--config; see
/// crates/ogcr-export/CADT.md). Where it is missing the best available value is written and a
/// warning names the configuration key to set; --strict turns warnings into an error.
///
/// Examples:
///
///   ogcr export cadt --format xlsx --out cadt/
///   ogcr export cadt --format csv --out cadt/ --config cadt.toml --strict
///   ogcr export aef --party Kenya --year 2025 --out aef/ --format xlsx
///   ogcr export cadt --format json --out cadt/ --database-url postgres://ogcr@localhost/ogcr
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct ExportArgs {
    #[command(subcommand)]
    what: ExportCommand,
}

#[derive(Debug, Subcommand)]
enum ExportCommand {
    /// The CAD Trust v2.0.2 baseline tables (one file per table, or one workbook).
    ///
    /// Examples:
    ///
    ///   ogcr export cadt --out exports/ --format csv
    ///   ogcr export cadt --out exports/ --format xlsx --config export.toml
    #[command(verbatim_doc_comment)]
    Cadt(CadtArgs),
    /// The Article 6 AEF tables T1–T5 of a host Party for a year.
    ///
    /// Example:
    ///
    ///   ogcr export aef --party KE --year 2026 --out exports/ --format xlsx
    #[command(verbatim_doc_comment)]
    Aef(AefArgs),
}

/// Options every export takes.
#[derive(Debug, Args)]
struct CommonArgs {
    /// Directory to write into (created if needed). Files are named by table
    /// (`unit.csv`, `unit.json`) or, for XLSX, `cadt.xlsx` / `aef-<party>-<year>.xlsx`.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Export configuration (TOML): bodies, names, links, Article 6 parameters.
    #[arg(long, value_name = "FILE", env = "OGCR_EXPORT_CONFIG")]
    config: Option<PathBuf>,
    /// Fail on the first value that cannot be derived exactly instead of warning.
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    db: DatabaseArgs,
}

#[derive(Debug, Args)]
struct CadtArgs {
    /// File format: a JSON array per table, CSV per table (header = API field names, arrays
    /// as JSON), or one XLSX workbook with a sheet per table.
    #[arg(long, value_enum, default_value_t = FormatArg::Json)]
    format: FormatArg,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Debug, Args)]
struct AefArgs {
    /// Host Party: a CAD Trust country name ("Kenya") or ISO 3166-1 alpha-2 code ("KE").
    /// Units count when their project's location lies in it.
    #[arg(long)]
    party: String,
    /// Reporting year (calendar year, UTC): actions in the year, holdings on 31 December.
    #[arg(long)]
    year: i32,
    /// File format: CSV per table or one XLSX workbook (or JSON per table).
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    format: FormatArg,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Json,
    Csv,
    Xlsx,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Json => Format::Json,
            FormatArg::Csv => Format::Csv,
            FormatArg::Xlsx => Format::Xlsx,
        }
    }
}

/// Runs `ogcr export`.
pub(crate) fn export(args: ExportArgs) -> Result<Outcome> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        match args.what {
            ExportCommand::Cadt(a) => {
                let (ex, common) = exporter(a.common).await?;
                let mut bars = Bars::default();
                let report = ogcr_export::write_cadt(&ex, a.format.into(), &common.out, &mut bars)
                    .await
                    .context("exporting the CAD Trust tables")?;
                summary(&report, crate::output::json())
            }
            ExportCommand::Aef(a) => {
                let (ex, common) = exporter(a.common).await?;
                let opts = AefOptions {
                    party: a.party,
                    year: a.year,
                };
                let mut bars = Bars::default();
                let report =
                    ogcr_export::write_aef(&ex, &opts, a.format.into(), &common.out, &mut bars)
                        .await
                        .with_context(|| {
                            format!(
                                "exporting the AEF tables of {} for {}",
                                opts.party, opts.year
                            )
                        })?;
                summary(&report, crate::output::json())
            }
        }
    })
}

async fn exporter(common: CommonArgs) -> Result<(Exporter, CommonArgs)> {
    let mut config = match &common.config {
        Some(path) => ExportConfig::load(path)?,
        None => ExportConfig::default(),
    };
    config.strict |= common.strict;
    let store = Store::connect(&common.db.database_url)
        .await
        .with_context(|| format!("opening the database {}", common.db.database_url))?;
    Ok((Exporter::new(store, config), common))
}

fn summary(report: &Report, json: bool) -> Result<Outcome> {
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
        return Ok(Outcome::Success);
    }
    let width = report
        .tables
        .iter()
        .map(|t| t.table.len())
        .max()
        .unwrap_or(0);
    for t in &report.tables {
        println!(
            "{:<width$}  {:>9} rows  {}",
            t.table,
            t.rows,
            t.path.display()
        );
    }
    let rows: u64 = report.tables.iter().map(|t| t.rows).sum();
    println!("{rows} records in {} tables", report.tables.len());
    if !report.warnings.is_empty() {
        println!("{} warnings:", report.warnings.len());
        for w in &report.warnings {
            println!("  {w}");
        }
    }
    Ok(Outcome::Success)
}

/// One progress bar per table on stderr (hidden when stderr is not a terminal).
#[derive(Default)]
struct Bars {
    bar: Option<ProgressBar>,
}

impl Progress for Bars {
    fn start(&mut self, table: &str, total: u64) {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{msg:>26} [{bar:30}] {pos}/{len} rows {per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_message(table.to_owned());
        self.bar = Some(bar);
    }

    fn advance(&mut self, n: u64) {
        if let Some(b) = &self.bar {
            b.inc(n);
        }
    }

    fn finish(&mut self, _table: &str, _rows: u64) {
        if let Some(b) = self.bar.take() {
            b.finish();
        }
    }
}
