//! The registry's documents: one PDD per project on a grid of disjoint squares in the interior
//! of Pará (Brazil), and one or two yearly MRV reports monitoring the project's square. Every
//! document is validated as `ogcr` validates what it anchors (schema, rules, methodology; an
//! MRV against its project and the project's other report) and stored content-addressed, so
//! the indexer finds and verifies it.

use std::path::Path;

use alloy::primitives::B256;
use ogcr_client::documents::{self, StoredDocument};
use ogcr_core::DocumentKind;
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::{Value, json};

use super::super::{Result, WorkloadError, sha256};

/// Columns of the grid (0.01° apart, westward from 56° W).
const COLUMNS: usize = 400;
/// Rows of the grid (0.01° apart, northward from 8° S).
const ROWS: usize = 250;
/// The most projects the grid holds.
pub const MAX_PROJECTS: usize = COLUMNS * ROWS;
/// Grid pitch and square side, in thousandths of a degree (squares 0.002° apart: disjoint).
const PITCH: i64 = 10;
const SIDE: i64 = 8;
/// South-west corner of the grid, in thousandths of a degree.
const WEST: i64 = -56_000;
const SOUTH: i64 = -8_000;

/// The project id of project `i` (0-based).
pub(crate) fn project_id(i: usize) -> String {
    format!("OGCR-BR-{:06}", i + 1)
}

/// The exterior ring of project `i`'s square, counter-clockwise and closed, `[lon, lat]`.
pub(crate) fn ring(i: usize) -> [[f64; 2]; 5] {
    let (col, row) = ((i % COLUMNS) as i64, (i / COLUMNS) as i64);
    let (w, s) = (WEST + col * PITCH, SOUTH + row * PITCH);
    let (e, n) = (w + SIDE, s + SIDE);
    let deg = |m: i64| m as f64 / 1000.0;
    [
        [deg(w), deg(s)],
        [deg(e), deg(s)],
        [deg(e), deg(n)],
        [deg(w), deg(n)],
        [deg(w), deg(s)],
    ]
}

fn bbox(ring: &[[f64; 2]; 5]) -> [f64; 4] {
    [ring[0][0], ring[0][1], ring[2][0], ring[2][1]]
}

/// One MRV report of a project, prepared for the chain.
#[derive(Debug, Clone)]
pub(crate) struct ReportDoc {
    /// The stored document.
    pub(crate) stored: StoredDocument,
    /// Hash of the monitoring dataset the report commits to.
    pub(crate) dataset: B256,
    /// `[start, end)` in Unix seconds, as anchored.
    pub(crate) period: (u64, u64),
    /// Net removal in kg (what the verifier verifies).
    pub(crate) net_kg: u128,
}

/// A project's documents, prepared for the chain.
#[derive(Debug, Clone)]
pub(crate) struct ProjectDocs {
    /// The project id.
    pub(crate) id: String,
    /// The stored PDD.
    pub(crate) pdd: StoredDocument,
    /// Its reports, oldest first (one or two).
    pub(crate) reports: Vec<ReportDoc>,
}

fn pdd(i: usize, rng: &mut StdRng) -> Value {
    let id = project_id(i);
    let ring = ring(i);
    json!({
        "type": "Feature",
        "id": id,
        "ogcr_version": ogcr_core::documents::OGCR_VERSION,
        "profile": "pdd",
        "bbox": bbox(&ring),
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {
            "name": format!("Xingu–Tapajós Restoration Block {}", i + 1),
            "description": "Restoration of degraded pasture to native Amazon forest by assisted \
                natural regeneration and enrichment planting, in blocks of about 78 ha.",
            "creation_date": "2024-02-15T09:00:00Z",
            "last_updated": "2024-02-15T09:00:00Z",
            "project_type": "reforestation",
            "status": "submitted",
            "actor_id": "did:ogcr:actor:workload-developer",
            "methodology": {
                "id": "VM0047",
                "version": "1.0",
                "name": "Afforestation, Reforestation and Revegetation",
                "type": "ARR"
            },
            "baseline_scenario": "Extensive cattle pasture with no natural regeneration due to \
                grazing pressure and recurrent fire.",
            "expected_annual_benefit": rng.random_range(800..2_000),
            "project_duration": {"start": "2020-01-01T00:00:00Z", "end": "2049-12-31T23:59:59Z"}
        },
        "links": [{
            "rel": "self",
            "href": format!("https://registry.ogcr.example/projects/{id}"),
            "type": "application/geo+json"
        }]
    })
}

/// The MRV of project `i` for `year`, with its net removal in tonnes (one decimal).
fn mrv(i: usize, year: u32, net_t: f64, rng: &mut StdRng) -> Value {
    let project = project_id(i);
    let id = format!("{project}-MRV-{year}");
    let ring = ring(i);
    json!({
        "type": "Feature",
        "id": id,
        "ogcr_version": ogcr_core::documents::OGCR_VERSION,
        "profile": "mrv",
        "bbox": bbox(&ring),
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {
            "project_id": project,
            "methodology_id": "VM0047",
            "start_date": format!("{year}-01-01"),
            "end_date": format!("{year}-12-31"),
            "methodology_data": {
                "parameters": {
                    "area_ha": 78.4,
                    "sample_plots": rng.random_range(8..24),
                    "mean_dbh_cm": rng.random_range(40..120) as f64 / 10.0,
                    "trees_per_ha": rng.random_range(1_100..1_600),
                    "carbon_fraction": 0.47,
                    "allometric_model": "Chave et al. 2014 pantropical",
                    "stocking_index": rng.random_range(30..70) as f64 / 100.0
                },
                "measurement_devices": [
                    {"type": "satellite", "model": "Sentinel-2 MSI L2A"},
                    {"type": "other", "model": "Haglöf Vertex 5 hypsometer"}
                ],
                "sampling_strategy": "Stratified random permanent plots (0.04 ha).",
                "processing_notes": "Biomass from DBH and height; root-to-shoot ratio 0.24."
            },
            "net_removal_estimate": {"value": net_t, "unit": "tCO2e", "basis": "VM0047 v1.0"},
            "total_uncertainty": {
                "min": (net_t * 0.9).floor(),
                "max": (net_t * 1.1).ceil(),
                "confidence_level": 0.9
            },
            "verification_status": "pending",
            "raw_data": [{
                "id": format!("{}-dataset", id.to_ascii_lowercase()),
                "type": "biomass_measurement",
                "access_uri": format!("https://data.ogcr.example/{project}/{year}/{id}.zip"),
                "description": format!("Monitoring dataset {year}")
            }]
        },
        "links": [{"rel": "pdd", "href": format!("https://registry.ogcr.example/projects/{project}")}]
    })
}

fn invalid(e: ogcr_client::Error) -> WorkloadError {
    WorkloadError::Setup {
        step: "preparing the documents",
        source: e,
    }
}

fn typed<T: serde::de::DeserializeOwned>(v: &Value) -> T {
    serde_json::from_value(v.clone()).expect("a document that validated deserialises")
}

/// Builds, validates and stores project `i`'s PDD and reports (two for even `i`, one for odd)
/// in `dir`; the amounts come from `seed`.
pub(crate) fn prepare(i: usize, seed: u64, dir: &Path) -> Result<ProjectDocs> {
    let mut rng = StdRng::seed_from_u64(seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let id = project_id(i);
    let pdd_json = pdd(i, &mut rng);
    let pdd_text = pdd_json.to_string();
    documents::validate(&pdd_text, DocumentKind::Pdd, &id, None, None).map_err(invalid)?;
    let pdd_doc: ogcr_core::Pdd = typed(&pdd_json);
    let years: &[u32] = if i.is_multiple_of(2) {
        &[2023, 2024]
    } else {
        &[2024]
    };
    let mrvs: Vec<(u32, f64, Value)> = years
        .iter()
        .map(|&year| {
            let net_t = rng.random_range(8_000..20_000) as f64 / 10.0;
            (year, net_t, mrv(i, year, net_t, &mut rng))
        })
        .collect();
    let typed_mrvs: Vec<ogcr_core::Mrv> = mrvs.iter().map(|(_, _, v)| typed(v)).collect();
    let mut reports = Vec::with_capacity(mrvs.len());
    for (k, (year, net_t, value)) in mrvs.iter().enumerate() {
        let text = value.to_string();
        let others: Vec<ogcr_core::Mrv> = typed_mrvs
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != k)
            .map(|(_, m)| m.clone())
            .collect();
        let origin = format!("{id}-MRV-{year}");
        let doc = documents::validate(
            &text,
            DocumentKind::Mrv,
            &origin,
            Some(std::slice::from_ref(&pdd_doc)),
            Some(&others),
        )
        .map_err(invalid)?;
        let ogcr_core::Document::Mrv(m) = doc else {
            unreachable!("validated as an MRV")
        };
        let period = documents::mrv_period(&m).map_err(invalid)?;
        reports.push(ReportDoc {
            stored: documents::store(dir, &text).map_err(invalid)?,
            dataset: sha256(&format!("dataset of {origin}")),
            period,
            net_kg: (net_t * 1000.0).round() as u128,
        });
    }
    Ok(ProjectDocs {
        pdd: documents::store(dir, &pdd_text).map_err(invalid)?,
        id,
        reports,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squares_are_disjoint_and_counter_clockwise() {
        let rings: Vec<_> = [0, 1, COLUMNS - 1, COLUMNS, COLUMNS + 1, MAX_PROJECTS - 1]
            .map(ring)
            .to_vec();
        for r in &rings {
            let twice_area: f64 = r
                .windows(2)
                .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
                .sum();
            assert!(twice_area > 0.0, "{r:?}");
            assert_eq!(r[0], r[4]);
        }
        for (a, ra) in rings.iter().enumerate() {
            for rb in &rings[a + 1..] {
                let (ba, bb) = (bbox(ra), bbox(rb));
                let apart = ba[2] < bb[0] || bb[2] < ba[0] || ba[3] < bb[1] || bb[3] < ba[1];
                assert!(apart, "{ba:?} and {bb:?} overlap");
            }
        }
        assert_eq!(ring(COLUMNS + 1)[0], [-55.99, -7.99]);
    }

    #[test]
    fn documents_validate_and_are_stored() {
        let dir = tempfile::tempdir().unwrap();
        let two = prepare(0, 42, dir.path()).unwrap();
        let one = prepare(1, 42, dir.path()).unwrap();
        assert_eq!(two.id, "OGCR-BR-000001");
        assert_eq!((two.reports.len(), one.reports.len()), (2, 1));
        assert!(two.reports[0].period.1 <= two.reports[1].period.0);
        assert!(two.pdd.path.exists() && one.reports[0].stored.path.exists());
        assert_ne!(two.pdd.hash, one.pdd.hash);
        // Deterministic.
        assert_eq!(prepare(0, 42, dir.path()).unwrap().pdd.hash, two.pdd.hash);
    }
}
