//! The scenario's documents: built, validated against the schema, the rules and each other,
//! and stored content-addressed before anything is sent.

use std::{collections::HashMap, path::Path};

use alloy::primitives::B256;
use ogcr_core::cs01::{DatasetCommitment, create_dataset_commitment};

use super::{
    DemoDocument,
    projects::{MrvSpec, ProjectSpec},
};
use crate::{
    Error, Result,
    documents::{self, StoredDocument},
};

/// A document prepared for the chain.
pub(crate) struct PreparedMrv {
    pub(crate) doc: ogcr_core::Mrv,
    pub(crate) stored: StoredDocument,
    pub(crate) commitment: DatasetCommitment,
}

/// Every document of the scenario, validated and stored.
pub(crate) struct Prepared {
    /// (project id, version) → stored PDD.
    pub(crate) pdds: HashMap<(&'static str, usize), StoredDocument>,
    /// MRV document id → prepared MRV.
    pub(crate) mrvs: HashMap<&'static str, PreparedMrv>,
    /// For the summary, in order.
    pub(crate) documents: Vec<DemoDocument>,
}

/// Validates every document against the schema, the rules and the scenario's other documents,
/// failing with every problem listed before anything is stored; then stores them all
/// content-addressed.
pub(crate) fn prepare(
    projects: &[ProjectSpec],
    reports: &[MrvSpec],
    dir: &Path,
) -> Result<Prepared> {
    fn typed<T: serde::de::DeserializeOwned>(value: serde_json::Value, what: &str) -> Result<T> {
        serde_json::from_value(value)
            .map_err(|e| Error::Document(format!("demo document {what} cannot be read: {e}")))
    }
    let mut latest: Vec<ogcr_core::Pdd> = Vec::new();
    for p in projects {
        latest.push(typed(p.document(p.versions.len()), p.id)?);
    }
    let mut all_mrvs: Vec<ogcr_core::Mrv> = Vec::new();
    for r in reports {
        let project = project_spec(projects, r.project)?;
        all_mrvs.push(typed(r.document(project), r.id)?);
    }

    // Validate everything first: (text, project, PDD version or None, document id).
    let mut valid: Vec<(String, &'static str, Option<usize>, &'static str)> = Vec::new();
    for p in projects {
        for v in 1..=p.versions.len() {
            let text = p.document(v).to_string();
            let origin = format!("demo PDD {} version {v}", p.id);
            let kind = ogcr_core::DocumentKind::Pdd;
            documents::validate(&text, kind, &origin, Some(&latest), None)?;
            valid.push((text, p.id, Some(v), p.id));
        }
    }
    for r in reports {
        // A correction replaces the rejected report of the same period: they never coexist.
        let others: Vec<ogcr_core::Mrv> = reports
            .iter()
            .zip(&all_mrvs)
            .filter(|(o, _)| o.corrects != Some(r.id) && r.corrects != Some(o.id))
            .map(|(_, m)| m.clone())
            .collect();
        let text = r.document(project_spec(projects, r.project)?).to_string();
        let origin = format!("demo MRV {}", r.id);
        let kind = ogcr_core::DocumentKind::Mrv;
        documents::validate(&text, kind, &origin, Some(&latest), Some(&others))?;
        valid.push((text, r.project, None, r.id));
    }

    let mut prepared = Prepared {
        pdds: HashMap::new(),
        mrvs: HashMap::new(),
        documents: Vec::new(),
    };
    let mut mrvs = reports.iter().zip(all_mrvs);
    for (text, project, version, id) in valid {
        let stored = documents::store(dir, &text)?;
        prepared.documents.push(DemoDocument {
            document_id: id.to_owned(),
            kind: if version.is_some() { "pdd" } else { "mrv" }.into(),
            project_id: project.to_owned(),
            version: version.map(|v| v as u32),
            sha256: stored.hash,
            uri: stored.uri.clone(),
        });
        match version {
            Some(v) => {
                prepared.pdds.insert((project, v), stored);
            }
            None => {
                let (spec, doc) = mrvs.next().expect("one MRV per report, in order");
                let commitment = commitment(spec)?;
                prepared.mrvs.insert(
                    spec.id,
                    PreparedMrv {
                        doc,
                        stored,
                        commitment,
                    },
                );
            }
        }
    }
    Ok(prepared)
}

/// The CS-01 commitment to a report's dataset, dated a month after the period.
fn commitment(r: &MrvSpec) -> Result<DatasetCommitment> {
    let end = chrono::NaiveDate::parse_from_str(r.period.1, "%Y-%m-%d")
        .map_err(|e| Error::Document(format!("demo MRV {}: end date: {e}", r.id)))?;
    let created = (end + chrono::Days::new(31))
        .and_hms_opt(9, 0, 0)
        .expect("09:00 exists")
        .and_utc();
    create_dataset_commitment(
        &format!("{} monitoring dataset", r.id),
        &r.dataset_summary(),
        created,
    )
    .map_err(|e| Error::Document(format!("demo MRV {}: commitment: {e}", r.id)))
}

pub(crate) fn project_spec<'a>(projects: &'a [ProjectSpec], id: &str) -> Result<&'a ProjectSpec> {
    projects
        .iter()
        .find(|p| p.id == id)
        .ok_or_else(|| Error::Config(format!("the demo names an unknown project {id}")))
}

/// SHA-256 of a text (a validation or verification report).
pub(crate) fn sha256(text: &str) -> B256 {
    ogcr_core::cs01::commitment::sha256_hex(text.as_bytes())
        .parse()
        .expect("a SHA-256 is 32 bytes of hex")
}
