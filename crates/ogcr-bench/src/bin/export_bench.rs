//! `export_bench`: the CAD Trust export over an existing indexed database. Writes every
//! baseline table in JSON, CSV and XLSX through `ogcr_export::write_cadt`, the call
//! `ogcr export cadt` makes, and prints per format the rows written, the seconds, rows/s and
//! the peak resident memory of the export (VmHWM, reset before each format) and, of it, the
//! peak of anonymous memory (RssAnon sampled every 10 ms: the heap, without the pages of the
//! memory-mapped database file, which the kernel can drop at any time); then per table
//! the cost of one `/cadt/v2` page (`Exporter::page`, limit 100) at the start and at the end of
//! the table, which should not depend on the table's size.
//!
//! `cargo run --release -p ogcr-bench --bin export_bench -- --db /tmp/export_10k/api_bench_10k.db`
//!
//! The database is read, never written (the store's migrations aside, which a database built
//! by the current `api_bench` already has). The figures are printed, not asserted: this is a
//! benchmark, not a test.

/// mimalloc, as in the `ogcr` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::{
    collections::BTreeMap,
    path::PathBuf,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use clap::Parser;
use ogcr_export::{ExportConfig, Exporter, Format, Progress};
use ogcr_store::Store;

/// CAD Trust export throughput and memory per format, and page cost per table.
#[derive(Debug, Parser)]
struct Args {
    /// SQLite database file to export (built by `api_bench --db`).
    #[arg(long, required_unless_present = "postgres")]
    db: Option<PathBuf>,
    /// PostgreSQL database URL instead of SQLite.
    #[arg(long, env = "OGCR_BENCH_POSTGRES_URL", conflicts_with = "db")]
    postgres: Option<String>,
    /// Formats to export, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "json,csv,xlsx")]
    formats: Vec<String>,
    /// Directory to write into (default: a temporary directory, removed afterwards).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Export configuration (TOML), as `ogcr export --config`.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Print each table's rows and time, not only the totals.
    #[arg(long)]
    tables: bool,
    /// Skip the page timings.
    #[arg(long)]
    no_pages: bool,
}

/// Times every table of an export.
#[derive(Default)]
struct Timer {
    started: Option<Instant>,
    tables: Vec<(String, u64, Duration)>,
}

impl Progress for Timer {
    fn start(&mut self, _: &str, _: u64) {
        self.started = Some(Instant::now());
    }
    fn advance(&mut self, _: u64) {}
    fn finish(&mut self, table: &str, rows: u64) {
        let took = self.started.take().map(|s| s.elapsed()).unwrap_or_default();
        self.tables.push((table.to_owned(), rows, took));
    }
}

/// A `/proc/self/status` figure in MB (`VmHWM`, `VmRSS`).
fn status_mb(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Samples RssAnon every 10 ms on a thread of its own; `take` returns the peak since the last
/// call.
struct AnonPeak {
    peak_kb: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl AnonPeak {
    fn start() -> Self {
        use std::sync::atomic::Ordering;
        let peak_kb = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let p = peak_kb.clone();
        std::thread::spawn(move || {
            loop {
                if let Some(mb) = status_mb("RssAnon:") {
                    p.fetch_max((mb * 1024.0) as u64, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        AnonPeak { peak_kb }
    }

    fn take(&self) -> f64 {
        let kb = self.peak_kb.swap(0, std::sync::atomic::Ordering::Relaxed);
        kb as f64 / 1024.0
    }
}

/// Resets VmHWM to the current RSS (Linux ≥ 4.0), so each format's peak is its own.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn rate(rows: u64, d: Duration) -> f64 {
    rows as f64 / d.as_secs_f64().max(1e-9)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let url = match (&args.postgres, &args.db) {
        (Some(url), _) => url.clone(),
        (None, Some(path)) => format!("sqlite://{}", path.display()),
        (None, None) => bail!("--db or --postgres is required"),
    };
    let formats = args
        .formats
        .iter()
        .map(|f| f.parse::<Format>().map(|p| (f.clone(), p)))
        .collect::<Result<Vec<_>, _>>()?;
    let config = match &args.config {
        Some(path) => ExportConfig::load(path)?,
        None => ExportConfig::default(),
    };
    let tmp = tempfile::tempdir().context("creating a temporary directory")?;
    let out = args.out.clone().unwrap_or_else(|| tmp.path().to_owned());

    // The runtime `ogcr export` builds.
    let rt = tokio::runtime::Runtime::new().context("starting the runtime")?;
    rt.block_on(async {
        let store = Store::connect(&url)
            .await
            .with_context(|| format!("opening {url}"))?;
        let counts = store.counts().await?;
        println!(
            "database      {url}: {} projects, {} reports, {} tokens, {} events",
            counts.projects, counts.mrv_reports, counts.tokens, counts.events
        );
        println!(
            "{:<8} {:>9} {:>9} {:>11} {:>13} {:>14}",
            "format", "rows", "seconds", "rows/s", "peak RSS MB", "peak anon MB"
        );
        let anon = AnonPeak::start();
        let mut per_table: BTreeMap<String, Vec<(String, u64, Duration)>> = BTreeMap::new();
        for (name, format) in &formats {
            let ex = Exporter::new(store.clone(), config.clone());
            let dir = out.join(name);
            reset_peak();
            anon.take();
            let mut timer = Timer::default();
            let started = Instant::now();
            let report = ogcr_export::write_cadt(&ex, *format, &dir, &mut timer)
                .await
                .with_context(|| format!("exporting {name}"))?;
            let took = started.elapsed();
            let rows: u64 = report.tables.iter().map(|t| t.rows).sum();
            println!(
                "{name:<8} {rows:>9} {:>9.2} {:>11.0} {:>13.1} {:>14.1}",
                took.as_secs_f64(),
                rate(rows, took),
                status_mb("VmHWM:").unwrap_or(f64::NAN),
                anon.take()
            );
            per_table.insert(name.clone(), timer.tables);
        }
        if args.tables {
            for (name, tables) in &per_table {
                println!("{name}:");
                for (t, rows, took) in tables {
                    println!(
                        "  {t:<20} {rows:>9} {:>9.3} s {:>11.0} rows/s",
                        took.as_secs_f64(),
                        rate(*rows, *took)
                    );
                }
            }
        }
        if !args.no_pages {
            let ex = Exporter::new(store.clone(), config.clone());
            println!(
                "{:<20} {:>9} {:>12} {:>12}",
                "page (limit 100)", "records", "first ms", "last ms"
            );
            for t in Exporter::tables() {
                let n = ex.count(&t.name).await?;
                let last = n.div_ceil(100).max(1);
                // One warm-up read, then the mean of five.
                let mut ms = [0.0f64; 2];
                for (i, page) in [1, last].into_iter().enumerate() {
                    ex.page(&t.name, page, 100).await?;
                    let started = Instant::now();
                    for _ in 0..5 {
                        ex.page(&t.name, page, 100).await?;
                    }
                    ms[i] = started.elapsed().as_secs_f64() * 1000.0 / 5.0;
                }
                println!("{:<20} {n:>9} {:>12.2} {:>12.2}", t.name, ms[0], ms[1]);
            }
        }
        anyhow::Ok(())
    })
}
