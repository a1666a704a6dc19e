//! `ogcr-export` derives the records that publish an ogcr registry to the Climate Action Data
//! Trust — the CAD Trust Data Model v2.0.2 baseline tables (program … unit_label) and, for a
//! host Party and year, the Article 6 AEF tables T1–T5 — from the indexer's database
//! ([`ogcr_store`]), and writes them as JSON, CSV or XLSX.
//!
//! Every record has exactly the v2.0.2 API fields in schema order, every picklist value is a
//! member of its picklist ([`validate_record`] checks both against the vendored schema),
//! every id is a deterministic UUIDv5 of the on-chain record ([`ids`]), and every time comes
//! from block times, never the clock: two exports of the same chain are identical. Values
//! the chain cannot give (accredited bodies, Article 6 parameters) come from an
//! [`ExportConfig`]; where one is missing the exporter emits the best value it has and a
//! [`Warning`] naming the configuration key, or stops in strict mode. `CADT.md` documents the
//! derivation of every field.

/// Article 6 AEF tables.
mod aef;
/// CAD Trust baseline tables.
mod cadt;
/// The export configuration.
pub mod config;
/// Per-call derivation context.
mod context;
/// Reverse geocoding and the country picklist (in ogcr-core, where the indexer's store uses it
/// too).
pub use ogcr_core::country;
/// The error type.
pub mod error;
/// The access API.
pub mod exporter;
/// Deterministic record ids.
pub mod ids;
/// OGCR values → CAD Trust picklists.
pub mod mapping;
/// Per-revision values that cost a scan.
mod memo;
/// PDD facts and their cache.
mod pdd;
/// Records and date formats.
pub mod record;
/// The vendored CAD Trust schema and the record validator.
pub mod spec;
/// JSON, CSV and XLSX files.
pub mod write;

pub use aef::holdings_instant;
pub use config::{AefConfig, ExportConfig, RatingConfig};
pub use error::{Error, Result};
pub use exporter::{
    AefOptions, Exporter, MAX_LIMIT, Page, STREAM_BATCH, Warning, aef_table, cadt_table,
};
pub use spec::{FieldSpec, FieldType, Picklist, Spec, TableSpec, Violation, spec, validate_record};
pub use write::{Format, NoProgress, Progress, Report, TableReport, write_aef, write_cadt};
