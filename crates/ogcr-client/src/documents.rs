//! PDD and MRV documents on their way to the chain: validated (`ogcr_core::validation`),
//! stored content-addressed as their CS-01 canonical JSON at `<dir>/<sha256>.json`, and named
//! on chain by the URI `ogcr://sha256/<sha256>`. Anyone serving that directory (or copying it)
//! lets indexers fetch a document and check its SHA-256 against the hash anchored on chain.

use std::path::{Path, PathBuf};

use alloy::primitives::B256;
use ogcr_core::{
    Document, DocumentKind, MethodologyRegistry, Mrv, Pdd, ValidationContext, validate_json,
};

use crate::{Error, ReportSubmission, Result};

/// URI scheme prefix of stored documents.
pub const URI_PREFIX: &str = "ogcr://sha256/";

/// A document written to the content-addressed store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDocument {
    /// SHA-256 of the canonical form (the hash anchored on chain).
    pub hash: B256,
    /// `ogcr://sha256/<hex>`.
    pub uri: String,
    /// Where the canonical JSON was written.
    pub path: PathBuf,
}

/// Canonicalises `text` (CS-01), stores it under `dir` as `<sha256hex>.json` unless it is
/// there already, and returns its hash and URI.
pub fn store(dir: &Path, text: &str) -> Result<StoredDocument> {
    prepare(dir, text)?.write()
}

/// A document canonicalised and hashed, not written yet: what a command checks the chain
/// with before it stores anything.
#[derive(Debug, Clone)]
pub struct PreparedDocument {
    /// Where it will be stored, with its hash and URI.
    pub stored: StoredDocument,
    canonical: String,
}

impl PreparedDocument {
    /// Writes the document (atomically; nothing when it is there already).
    pub fn write(self) -> Result<StoredDocument> {
        let io = |path: &Path| {
            let path = path.display().to_string();
            move |source| Error::Io { path, source }
        };
        let path = &self.stored.path;
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        if !path.exists() {
            let name = path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let tmp = dir.join(format!(".{name}.tmp"));
            std::fs::write(&tmp, &self.canonical).map_err(io(&tmp))?;
            std::fs::rename(&tmp, path).map_err(io(path))?;
        }
        Ok(self.stored)
    }
}

/// Canonicalises and hashes `text` for storage under `dir`, writing nothing.
pub fn prepare(dir: &Path, text: &str) -> Result<PreparedDocument> {
    let canonical = ogcr_core::cs01::canonical::canonical_summary(text)
        .map_err(|e| Error::Document(format!("the document must be a JSON object: {e}")))?;
    let hex = ogcr_core::cs01::commitment::sha256_hex(canonical.as_bytes());
    let hash: B256 = hex.parse().expect("a SHA-256 is 32 bytes of hex");
    Ok(PreparedDocument {
        stored: StoredDocument {
            hash,
            uri: format!("{URI_PREFIX}{hex}"),
            path: dir.join(format!("{hex}.json")),
        },
        canonical,
    })
}

/// Validates `text` as a document of `kind` against the schema and the business rules, with
/// the built-in methodologies and, when given, the other known projects and reports. `origin`
/// names the document in the error (a path, or a document id).
pub fn validate(
    text: &str,
    kind: DocumentKind,
    origin: &str,
    projects: Option<&[Pdd]>,
    reports: Option<&[Mrv]>,
) -> Result<Document> {
    let methodologies = MethodologyRegistry::builtin();
    let ctx = ValidationContext {
        methodologies: &methodologies,
        projects,
        reports,
    };
    let report = validate_json(text, Some(kind), &ctx);
    match report.document {
        Some(document) if report.issues.is_empty() => Ok(document),
        _ => Err(Error::InvalidDocument {
            origin: origin.to_owned(),
            problems: report.issues.iter().map(ToString::to_string).collect(),
        }),
    }
}

/// Validates `text` as a PDD (methodologies only; see [`validate`]).
pub fn validate_pdd(text: &str, origin: &str) -> Result<Pdd> {
    match validate(text, DocumentKind::Pdd, origin, None, None)? {
        Document::Pdd(p) => Ok(*p),
        Document::Mrv(_) => unreachable!("validated as a PDD"),
    }
}

/// Validates `text` as an MRV (methodologies only; see [`validate`]).
pub fn validate_mrv(text: &str, origin: &str) -> Result<Mrv> {
    match validate(text, DocumentKind::Mrv, origin, None, None)? {
        Document::Mrv(m) => Ok(*m),
        Document::Pdd(_) => unreachable!("validated as an MRV"),
    }
}

/// Unix seconds of a date's midnight UTC.
pub fn midnight(date: chrono::NaiveDate) -> Result<u64> {
    let ts = date.and_time(chrono::NaiveTime::MIN).and_utc().timestamp();
    u64::try_from(ts).map_err(|_| Error::Document(format!("date {date} is before 1970")))
}

/// The on-chain period of an MRV: its `start_date..end_date` are whole UTC days, both
/// inclusive, anchored as the half-open `[start 00:00Z, end + 1 day 00:00Z)`.
pub fn mrv_period(mrv: &Mrv) -> Result<(u64, u64)> {
    let p = &mrv.properties;
    Ok((midnight(p.start_date)?, midnight(p.end_date)? + 86_400))
}

/// The submission of a stored MRV with its CS-01 dataset commitment hash.
pub fn report_submission(
    mrv: &Mrv,
    stored: &StoredDocument,
    dataset_commitment: B256,
) -> Result<ReportSubmission> {
    let (start, end) = mrv_period(mrv)?;
    Ok(ReportSubmission {
        projectId: mrv.properties.project_id.clone(),
        mrvHash: stored.hash,
        datasetCommitment: dataset_commitment,
        periodStart: start,
        periodEnd: end,
        uri: stored.uri.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_content_same_address() {
        let dir = tempfile::tempdir().unwrap();
        let a = store(dir.path(), r#"{"b":1,"a":[1,2]}"#).unwrap();
        let b = store(dir.path(), "{ \"a\": [1, 2], \"b\": 1.0 }").unwrap();
        assert_eq!(a.hash, b.hash);
        assert_eq!(a.uri, b.uri);
        assert_eq!(
            std::fs::read_to_string(&a.path).unwrap(),
            r#"{"a":[1,2],"b":1}"#
        );
        assert_eq!(a.uri, format!("{URI_PREFIX}{}", hex_of(a.hash)));
        let err = store(dir.path(), "[1]").unwrap_err().to_string();
        assert!(err.contains("must be a JSON object"), "{err}");
    }

    fn hex_of(h: B256) -> String {
        h.to_string().trim_start_matches("0x").to_owned()
    }

    #[test]
    fn invalid_documents_list_every_problem() {
        let text = r#"{"type":"Feature","id":"bad id","ogcr_version":"0.1.0","profile":"pdd",
            "geometry":{"type":"Point","coordinates":[0,0]},"properties":{}}"#;
        let err = validate_pdd(text, "pdd.geojson").unwrap_err().to_string();
        assert!(
            err.starts_with("pdd.geojson is not a valid OGCR document:"),
            "{err}"
        );
        assert!(err.contains("/id: [SCHEMA_PATTERN]"), "{err}");
        assert!(err.contains("/properties/actor_id"), "{err}");
    }

    #[test]
    fn mrv_days_are_anchored_half_open() {
        let text = include_str!("../../ogcr-core/examples-data/mrv-br-2024.geojson");
        let mrv = validate_mrv(text, "mrv").unwrap();
        assert_eq!(mrv_period(&mrv).unwrap(), (1_704_067_200, 1_735_689_600));
    }
}
