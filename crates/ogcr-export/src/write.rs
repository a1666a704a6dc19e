//! Files: every table in insert order, streamed from the exporter in constant memory.
//!
//! - JSON: `<table>.json` per table, one JSON array of records (written record by record,
//!   one record per line), as the CADT API's `data` arrays.
//! - CSV: `<table>.csv` per table, header = the API field names in schema order, one record
//!   per line; empty cells for null; array fields (projectSector, projectType) as JSON arrays
//!   (`["Afforestation","Reforestation"]`), the form CADT's CSV batch upload and XLSX import
//!   both read.
//! - XLSX: one workbook (`cadt.xlsx`, or `aef-<party>-<year>.xlsx`) with one sheet per table
//!   named by the table, the header row first; written in rust_xlsxwriter's constant-memory
//!   mode. Numbers are numeric cells, arrays JSON text as in CSV.

use std::{
    fs::File,
    io::{BufWriter, Write as _},
    path::{Path, PathBuf},
};

use rust_xlsxwriter::Workbook;
use serde::Serialize;
use serde_json::Value;

use crate::{
    AefOptions, Error, Exporter, Result, Warning, country, exporter::Source, spec::TableSpec,
};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// One JSON array file per table.
    Json,
    /// One CSV file per table.
    Csv,
    /// One workbook, one sheet per table.
    Xlsx,
}

impl std::str::FromStr for Format {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "json" => Ok(Self::Json),
            "csv" => Ok(Self::Csv),
            "xlsx" => Ok(Self::Xlsx),
            other => Err(Error::Config {
                origin: "format".into(),
                reason: format!("{other:?}: expected json, csv or xlsx"),
            }),
        }
    }
}

/// What was written for one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableReport {
    /// Table name.
    pub table: String,
    /// Records written.
    pub rows: u64,
    /// The file (the workbook, for XLSX).
    pub path: PathBuf,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Tables in the order written.
    pub tables: Vec<TableReport>,
    /// Warnings raised while deriving the records.
    pub warnings: Vec<Warning>,
}

/// Told how an export advances.
pub trait Progress: Send {
    /// A table starts; `total` records are expected.
    fn start(&mut self, table: &str, total: u64);
    /// `n` more records were written.
    fn advance(&mut self, n: u64);
    /// The table is done.
    fn finish(&mut self, table: &str, rows: u64);
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&mut self, _: &str, _: u64) {}
    fn advance(&mut self, _: u64) {}
    fn finish(&mut self, _: &str, _: u64) {}
}

/// Writes every CAD Trust baseline table into `dir` (created if needed).
pub async fn write_cadt(
    ex: &Exporter,
    format: Format,
    dir: &Path,
    progress: &mut dyn Progress,
) -> Result<Report> {
    let mut sink = Sink::open(format, dir, "cadt")?;
    let tables = write_tables(ex, None, Exporter::tables(), &mut sink, progress).await?;
    sink.close()?;
    Ok(Report {
        tables,
        warnings: ex.warnings(),
    })
}

/// Writes the Article 6 AEF tables of a Party and year into `dir`.
pub async fn write_aef(
    ex: &Exporter,
    opts: &AefOptions,
    format: Format,
    dir: &Path,
    progress: &mut dyn Progress,
) -> Result<Report> {
    let code = country::party_code(opts.party.trim()).unwrap_or("party");
    let mut sink = Sink::open(format, dir, &format!("aef-{code}-{}", opts.year))?;
    let tables = write_tables(ex, Some(opts), Exporter::aef_tables(), &mut sink, progress).await?;
    sink.close()?;
    Ok(Report {
        tables,
        warnings: ex.warnings(),
    })
}

/// Streams `tables` into `sink` in one export context: the deployment, and for Article 6
/// the Party's scope, are read once for all the tables.
async fn write_tables(
    ex: &Exporter,
    aef: Option<&AefOptions>,
    tables: &'static [TableSpec],
    sink: &mut Sink,
    progress: &mut dyn Progress,
) -> Result<Vec<TableReport>> {
    let mut ctx = ex.ctx().await?;
    let scope = match aef {
        Some(opts) => Some(crate::aef::Scope::get(&mut ctx, opts).await?),
        None => None,
    };
    let mut out = Vec::with_capacity(tables.len());
    for t in tables {
        let source = match &scope {
            Some(scope) => Source::Aef(scope, t),
            None => Source::Cadt(t),
        };
        progress.start(&t.name, source.count(&mut ctx).await?);
        let path = sink.begin(t)?;
        let rows = source
            .stream(&mut ctx, |v| {
                sink.row(&v)?;
                progress.advance(1);
                Ok(())
            })
            .await?;
        sink.end()?;
        progress.finish(&t.name, rows);
        out.push(TableReport {
            table: t.name.clone(),
            rows,
            path,
        });
    }
    Ok(out)
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Write {
        path: path.to_owned(),
        reason: e.to_string(),
    }
}

/// The text of a CSV or XLSX cell: empty for null, the string itself, JSON otherwise
/// (numbers as written, arrays as JSON arrays).
pub fn cell_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A CSV file being written.
type CsvFile = csv::Writer<BufWriter<File>>;

enum Sink {
    Json {
        dir: PathBuf,
        current: Option<(PathBuf, BufWriter<File>, bool)>,
    },
    Csv {
        dir: PathBuf,
        current: Option<(PathBuf, Box<CsvFile>, Vec<String>)>,
    },
    Xlsx {
        path: PathBuf,
        book: Box<Workbook>,
        sheet: usize,
        row: u32,
        fields: Vec<String>,
    },
}

impl Sink {
    fn open(format: Format, dir: &Path, workbook: &str) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
        Ok(match format {
            Format::Json => Sink::Json {
                dir: dir.to_owned(),
                current: None,
            },
            Format::Csv => Sink::Csv {
                dir: dir.to_owned(),
                current: None,
            },
            Format::Xlsx => Sink::Xlsx {
                path: dir.join(format!("{workbook}.xlsx")),
                book: Box::new(Workbook::new()),
                sheet: 0,
                row: 0,
                fields: Vec::new(),
            },
        })
    }

    fn begin(&mut self, t: &TableSpec) -> Result<PathBuf> {
        let fields: Vec<String> = t.api_fields().map(str::to_owned).collect();
        match self {
            Sink::Json { dir, current } => {
                let path = dir.join(format!("{}.json", t.name));
                let f = File::create(&path).map_err(|e| io_err(&path, e))?;
                let mut w = BufWriter::new(f);
                w.write_all(b"[").map_err(|e| io_err(&path, e))?;
                *current = Some((path.clone(), w, true));
                Ok(path)
            }
            Sink::Csv { dir, current } => {
                let path = dir.join(format!("{}.csv", t.name));
                let f = File::create(&path).map_err(|e| io_err(&path, e))?;
                let mut w = csv::Writer::from_writer(BufWriter::new(f));
                w.write_record(&fields).map_err(|e| io_err(&path, e))?;
                *current = Some((path.clone(), Box::new(w), fields));
                Ok(path)
            }
            Sink::Xlsx {
                path,
                book,
                sheet,
                row,
                fields: f,
            } => {
                let err = |e: rust_xlsxwriter::XlsxError| io_err(path, e);
                let ws = book.add_worksheet_with_constant_memory().map_err(err)?;
                ws.set_name(&t.name).map_err(err)?;
                for (c, name) in fields.iter().enumerate() {
                    ws.write_string(0, col(c), name).map_err(err)?;
                }
                *sheet = book.worksheets().len() - 1;
                *row = 0;
                *f = fields;
                Ok(path.clone())
            }
        }
    }

    fn row(&mut self, v: &Value) -> Result<()> {
        match self {
            Sink::Json { current, .. } => {
                let Some((path, w, first)) = current else {
                    return Ok(());
                };
                let sep: &[u8] = if *first { b"\n" } else { b",\n" };
                *first = false;
                w.write_all(sep).map_err(|e| io_err(path, e))?;
                serde_json::to_writer(&mut *w, v).map_err(|e| io_err(path, e))
            }
            Sink::Csv { current, .. } => {
                let Some((path, w, fields)) = current else {
                    return Ok(());
                };
                let cells = fields.iter().map(|f| cell_text(&v[f.as_str()]));
                w.write_record(cells).map_err(|e| io_err(path, e))
            }
            Sink::Xlsx {
                path,
                book,
                sheet,
                row,
                fields,
            } => {
                let err = |e: rust_xlsxwriter::XlsxError| io_err(path, e);
                *row += 1;
                let ws = book.worksheet_from_index(*sheet).map_err(err)?;
                for (c, f) in fields.iter().enumerate() {
                    match &v[f.as_str()] {
                        Value::Null => {}
                        Value::Number(n) => {
                            ws.write_number(*row, col(c), n.as_f64().unwrap_or(f64::NAN))
                                .map_err(err)?;
                        }
                        other => {
                            ws.write_string(*row, col(c), cell_text(other))
                                .map_err(err)?;
                        }
                    }
                }
                Ok(())
            }
        }
    }

    fn end(&mut self) -> Result<()> {
        match self {
            Sink::Json { current, .. } => {
                if let Some((path, mut w, first)) = current.take() {
                    let tail: &[u8] = if first { b"]\n" } else { b"\n]\n" };
                    w.write_all(tail).map_err(|e| io_err(&path, e))?;
                    w.flush().map_err(|e| io_err(&path, e))?;
                }
                Ok(())
            }
            Sink::Csv { current, .. } => {
                if let Some((path, mut w, _)) = current.take() {
                    w.flush().map_err(|e| io_err(&path, e))?;
                }
                Ok(())
            }
            Sink::Xlsx { .. } => Ok(()),
        }
    }

    fn close(self) -> Result<()> {
        match self {
            Sink::Xlsx { path, mut book, .. } => book.save(&path).map_err(|e| io_err(&path, e)),
            _ => Ok(()),
        }
    }
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn cells_hold_strings_numbers_and_json_arrays() {
        assert_eq!(cell_text(&Value::Null), "");
        assert_eq!(cell_text(&json!("a, b")), "a, b");
        assert_eq!(cell_text(&json!(1000)), "1000");
        assert_eq!(
            cell_text(&json!(["Afforestation", "Reforestation"])),
            r#"["Afforestation","Reforestation"]"#
        );
        assert_eq!("xlsx".parse::<Format>().unwrap(), Format::Xlsx);
        assert!("xml".parse::<Format>().is_err());
    }
}
