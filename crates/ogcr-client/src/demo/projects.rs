//! The demo's projects and their monitoring reports as OGCR documents: six projects of six
//! removal types on four continents, with boundaries drawn where such projects are, and the
//! MRV reports of the four that reach issuance.

use serde_json::{Value, json};

/// A project of the scenario: where it is and every version of its PDD.
#[derive(Debug, Clone)]
pub(crate) struct ProjectSpec {
    /// OGCR project id (also the PDD's `id`).
    pub(crate) id: &'static str,
    /// ISO 3166-1 alpha-2 code of the country its boundary lies in.
    pub(crate) country: &'static str,
    /// The country's name.
    pub(crate) country_name: &'static str,
    /// Region within the country.
    pub(crate) region: &'static str,
    /// Another registry listing the project, with its id there.
    pub(crate) external: Option<(&'static str, &'static str)>,
    /// Exterior ring, counter-clockwise, `[longitude, latitude]`, not repeated at the end.
    pub(crate) ring: &'static [[f64; 2]],
    /// PDD versions in registration order (a revision after a rejection adds one).
    pub(crate) versions: Vec<PddVersion>,
}

/// The fields of one PDD version.
#[derive(Debug, Clone)]
pub(crate) struct PddVersion {
    pub(crate) name: &'static str,
    pub(crate) description: &'static str,
    pub(crate) creation_date: &'static str,
    pub(crate) last_updated: &'static str,
    pub(crate) project_type: &'static str,
    pub(crate) actor_id: &'static str,
    /// id, version, name, category.
    pub(crate) methodology: (&'static str, &'static str, &'static str, &'static str),
    pub(crate) baseline: &'static str,
    pub(crate) expected_annual_benefit: f64,
    /// Start and end (RFC 3339).
    pub(crate) duration: (&'static str, &'static str),
}

impl ProjectSpec {
    /// The GeoJSON polygon of the boundary (ring closed).
    pub(crate) fn polygon(&self) -> Value {
        let mut ring: Vec<[f64; 2]> = self.ring.to_vec();
        ring.push(self.ring[0]);
        json!({"type": "Polygon", "coordinates": [ring]})
    }

    /// The PDD document of version `v` (1-based).
    pub(crate) fn document(&self, v: usize) -> Value {
        let p = &self.versions[v - 1];
        let (m_id, m_version, m_name, m_type) = p.methodology;
        json!({
            "type": "Feature",
            "id": self.id,
            "ogcr_version": ogcr_core::documents::OGCR_VERSION,
            "profile": "pdd",
            "bbox": bbox(self.ring),
            "geometry": self.polygon(),
            "properties": {
                "name": p.name,
                "description": p.description,
                "creation_date": p.creation_date,
                "last_updated": p.last_updated,
                "project_type": p.project_type,
                "status": "submitted",
                "actor_id": p.actor_id,
                "methodology": {"id": m_id, "version": m_version, "name": m_name, "type": m_type},
                "baseline_scenario": p.baseline,
                "expected_annual_benefit": p.expected_annual_benefit,
                "project_duration": {"start": p.duration.0, "end": p.duration.1}
            },
            "links": [
                {
                    "rel": "self",
                    "href": format!("https://registry.ogcr.example/projects/{}", self.id),
                    "type": "application/geo+json"
                },
                {
                    "rel": "supporting-doc",
                    "href": format!("https://registry.ogcr.example/docs/{}/pdd-v{v}.pdf", self.id),
                    "type": "application/pdf",
                    "title": "Project design document"
                }
            ]
        })
    }
}

/// `[west, south, east, north]` of positions.
pub(crate) fn bbox(positions: &[[f64; 2]]) -> [f64; 4] {
    positions.iter().fold(
        [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ],
        |b, p| {
            [
                b[0].min(p[0]),
                b[1].min(p[1]),
                b[2].max(p[0]),
                b[3].max(p[1]),
            ]
        },
    )
}

const VM0047: (&str, &str, &str, &str) = (
    "VM0047",
    "1.0",
    "Afforestation, Reforestation and Revegetation",
    "ARR",
);
const PURO_BIOCHAR: (&str, &str, &str, &str) = (
    "PURO-BIOCHAR",
    "2022.1",
    "Puro Standard Biochar Methodology",
    "biochar",
);
const ISO_14064_2: (&str, &str, &str, &str) = (
    "ISO-14064-2",
    "2019.0",
    "ISO 14064-2 project-level quantification (generic)",
    "generic",
);

/// Reforestation in Paragominas, Pará.
pub(crate) const BR: &str = "OGCR-BR-0107";
/// Rice-husk biochar in Mwea, Kirinyaga County.
pub(crate) const KE: &str = "OGCR-KE-0023";
/// Mangrove rehabilitation in the Mahakam Delta, East Kalimantan.
pub(crate) const ID: &str = "OGCR-ID-0031";
/// Direct air capture with basalt storage at Hellisheiði.
pub(crate) const IS: &str = "OGCR-IS-0004";
/// Enhanced weathering with Deccan basalt around Baramati.
pub(crate) const IN: &str = "OGCR-IN-0012";
/// Regenerative grazing on Campos grassland in Tacuarembó.
pub(crate) const UY: &str = "OGCR-UY-0009";

/// The six projects.
pub(crate) fn projects() -> Vec<ProjectSpec> {
    let mangrove_v1 = PddVersion {
        name: "Mahakam Delta Mangrove Rehabilitation",
        description: "Rehabilitation of 2,480 ha of abandoned shrimp ponds (tambak) to Rhizophora and \
            Avicennia mangrove in the Mahakam Delta, Kutai Kartanegara, East Kalimantan, with \
            community-managed silvofishery on the pond dykes.",
        creation_date: "2022-03-10T09:00:00+08:00",
        last_updated: "2022-03-10T09:00:00+08:00",
        project_type: "blue_carbon",
        actor_id: "did:ogcr:actor:yayasan-pesisir-mahakam",
        methodology: ISO_14064_2,
        baseline: "Abandoned aquaculture ponds without vegetation; dykes maintained by pond owners.",
        expected_annual_benefit: 3900.0,
        duration: ("2022-07-01T00:00:00+08:00", "2052-06-30T23:59:59+08:00"),
    };
    let mangrove_v2 = PddVersion {
        description: "Rehabilitation of 2,480 ha of abandoned shrimp ponds (tambak) to Rhizophora and \
            Avicennia mangrove in the Mahakam Delta, Kutai Kartanegara, East Kalimantan, with \
            community-managed silvofishery on the pond dykes. Revised after validation: the \
            baseline now includes natural recolonisation and leakage from displaced shrimp \
            farming is deducted.",
        last_updated: "2022-11-28T15:30:00+08:00",
        baseline: "Abandoned aquaculture ponds with slow natural mangrove recolonisation (0.9 % \
            of pond area per year, Landsat 2000-2021 analysis of 61 comparable ponds); 10 % \
            leakage deduction for shrimp farming displaced to other ponds.",
        expected_annual_benefit: 3100.0,
        ..mangrove_v1.clone()
    };
    vec![
        ProjectSpec {
            id: BR,
            country: "BR",
            country_name: "Brazil",
            region: "Paragominas, Pará",
            external: Some(("Verra", "4917")),
            ring: &[
                [-47.484, -3.104],
                [-47.466, -3.124],
                [-47.441, -3.118],
                [-47.436, -3.095],
                [-47.452, -3.076],
                [-47.480, -3.080],
            ],
            versions: vec![PddVersion {
                name: "Vale do Capim Native Forest Restoration",
                description: "Restoration of 1,840 ha of degraded cattle pasture to native Amazon \
                    forest with 92 native species and assisted natural regeneration, connecting \
                    riparian forest remnants along the Capim river tributaries in Paragominas, Pará.",
                creation_date: "2022-09-14T10:00:00-03:00",
                last_updated: "2023-02-02T16:45:00-03:00",
                project_type: "reforestation",
                actor_id: "did:ogcr:actor:floresta-viva-restauracao",
                methodology: VM0047,
                baseline: "Degraded pasture under extensive grazing with recurrent fire; natural \
                    regeneration suppressed (dynamic performance benchmark from 38 remote-sensing \
                    control plots).",
                expected_annual_benefit: 7200.0,
                duration: ("2023-01-01T00:00:00-03:00", "2052-12-31T23:59:59-03:00"),
            }],
        },
        ProjectSpec {
            id: KE,
            country: "KE",
            country_name: "Kenya",
            region: "Mwea, Kirinyaga County",
            external: Some(("Puro.earth", "PURO-F-0312")),
            ring: &[
                [37.326, -0.707],
                [37.338, -0.722],
                [37.360, -0.719],
                [37.366, -0.700],
                [37.352, -0.688],
                [37.330, -0.690],
            ],
            versions: vec![PddVersion {
                name: "Mwea Rice-Husk Biochar",
                description: "Slow pyrolysis (550-650 °C) of rice husks from the Mwea Irrigation \
                    Scheme into biochar, applied to smallholder rice and horticulture fields of \
                    the scheme as a soil amendment.",
                creation_date: "2023-05-02T08:30:00+03:00",
                last_updated: "2023-09-18T11:00:00+03:00",
                project_type: "biochar",
                actor_id: "did:ogcr:actor:kirinyaga-biochar-cooperative",
                methodology: PURO_BIOCHAR,
                baseline: "Rice husks burnt in open heaps or left to decompose at the mills.",
                expected_annual_benefit: 5500.0,
                duration: ("2024-01-01T00:00:00+03:00", "2033-12-31T23:59:59+03:00"),
            }],
        },
        ProjectSpec {
            id: ID,
            country: "ID",
            country_name: "Indonesia",
            region: "Mahakam Delta, East Kalimantan",
            external: Some(("Plan Vivo", "PV-ID-0007")),
            ring: &[
                [117.385, -0.624],
                [117.401, -0.651],
                [117.436, -0.655],
                [117.447, -0.627],
                [117.431, -0.602],
                [117.392, -0.598],
            ],
            versions: vec![mangrove_v1, mangrove_v2],
        },
        ProjectSpec {
            id: IS,
            country: "IS",
            country_name: "Iceland",
            region: "Hellisheiði, Ölfus",
            external: Some(("Isometric", "DAC-0019")),
            ring: &[
                [-21.415, 64.038],
                [-21.412, 64.033],
                [-21.398, 64.032],
                [-21.391, 64.037],
                [-21.396, 64.042],
                [-21.409, 64.042],
            ],
            versions: vec![PddVersion {
                name: "Hellisheiði Direct Air Capture and Basalt Storage",
                description: "Solid-sorbent direct air capture units powered by geothermal heat \
                    and electricity; the CO2 is dissolved in water and injected into basalt at \
                    700-2,000 m, where over 95 % mineralises within two years.",
                creation_date: "2023-11-20T12:00:00Z",
                last_updated: "2024-01-15T09:20:00Z",
                project_type: "direct_air_capture",
                actor_id: "did:ogcr:actor:hengill-carbon-removal",
                methodology: ISO_14064_2,
                baseline: "No capture: the CO2 stays in the atmosphere.",
                expected_annual_benefit: 2400.0,
                duration: ("2024-01-01T00:00:00Z", "2043-12-31T23:59:59Z"),
            }],
        },
        ProjectSpec {
            id: IN,
            country: "IN",
            country_name: "India",
            region: "Baramati, Pune district, Maharashtra",
            external: None,
            ring: &[
                [74.522, 18.134],
                [74.528, 18.112],
                [74.561, 18.108],
                [74.579, 18.127],
                [74.570, 18.151],
                [74.541, 18.156],
            ],
            versions: vec![PddVersion {
                name: "Baramati Basalt Enhanced Weathering",
                description: "Application of finely ground Deccan basalt (40 t/ha) from local \
                    quarries on sugarcane and pomegranate farms; removals quantified from soil \
                    and porewater cation balances.",
                creation_date: "2025-02-18T11:00:00+05:30",
                last_updated: "2025-04-07T10:15:00+05:30",
                project_type: "enhanced_weathering",
                actor_id: "did:ogcr:actor:deccan-rock-carbon",
                methodology: ISO_14064_2,
                baseline: "Farms limed with agricultural lime; no silicate rock amendment.",
                expected_annual_benefit: 4000.0,
                duration: ("2025-06-01T00:00:00+05:30", "2035-05-31T23:59:59+05:30"),
            }],
        },
        ProjectSpec {
            id: UY,
            country: "UY",
            country_name: "Uruguay",
            region: "Tacuarembó",
            external: None,
            ring: &[
                [-55.911, -31.575],
                [-55.905, -31.602],
                [-55.862, -31.598],
                [-55.838, -31.571],
                [-55.851, -31.546],
                [-55.889, -31.549],
            ],
            versions: vec![PddVersion {
                name: "Estancia La Aurora Regenerative Grazing",
                description: "Adaptive multi-paddock grazing on 3,050 ha of native Campos \
                    grassland to rebuild soil organic carbon.",
                creation_date: "2022-11-05T10:00:00-03:00",
                last_updated: "2022-12-12T14:00:00-03:00",
                project_type: "soil_carbon",
                actor_id: "did:ogcr:actor:estancia-la-aurora",
                methodology: ISO_14064_2,
                baseline: "Continuous set-stocking of cattle and sheep at 0.8 livestock units per ha.",
                expected_annual_benefit: 2800.0,
                duration: ("2023-01-01T00:00:00-03:00", "2042-12-31T23:59:59-03:00"),
            }],
        },
    ]
}

/// One monitoring report of the scenario.
#[derive(Debug, Clone)]
pub(crate) struct MrvSpec {
    /// Document id.
    pub(crate) id: &'static str,
    /// The project.
    pub(crate) project: &'static str,
    /// The methodology id.
    pub(crate) methodology: &'static str,
    /// Methodology version as verifiers name it in attestations.
    pub(crate) methodology_version: &'static str,
    /// First and last day (inclusive).
    pub(crate) period: (&'static str, &'static str),
    /// Reported net removal, tCO2e.
    pub(crate) net_t: f64,
    /// Uncertainty interval (90 %).
    pub(crate) uncertainty: (f64, f64),
    /// Methodology parameters.
    pub(crate) parameters: Value,
    /// Measurement devices.
    pub(crate) devices: Value,
    /// Sampling strategy.
    pub(crate) sampling: &'static str,
    /// Processing notes.
    pub(crate) notes: &'static str,
    /// The document this one corrects after a rejection (same period).
    pub(crate) corrects: Option<&'static str>,
}

impl MrvSpec {
    /// The MRV document: the project's boundary as the monitored footprint.
    pub(crate) fn document(&self, project: &ProjectSpec) -> Value {
        let reporting_year = &self.period.0[..4];
        json!({
            "type": "Feature",
            "id": self.id,
            "ogcr_version": ogcr_core::documents::OGCR_VERSION,
            "profile": "mrv",
            "bbox": bbox(project.ring),
            "geometry": project.polygon(),
            "properties": {
                "project_id": self.project,
                "methodology_id": self.methodology,
                "start_date": self.period.0,
                "end_date": self.period.1,
                "methodology_data": {
                    "parameters": self.parameters,
                    "measurement_devices": self.devices,
                    "sampling_strategy": self.sampling,
                    "processing_notes": self.notes
                },
                "net_removal_estimate": {
                    "value": self.net_t,
                    "unit": "tCO2e",
                    "basis": format!("{} {}", self.methodology, self.methodology_version)
                },
                "total_uncertainty": {
                    "min": self.uncertainty.0,
                    "max": self.uncertainty.1,
                    "confidence_level": 0.9
                },
                "verification_status": "pending",
                "raw_data": [{
                    "id": format!("{}-dataset", self.id.to_ascii_lowercase()),
                    "type": "other",
                    "access_uri": format!(
                        "https://data.ogcr.example/{}/{reporting_year}/{}.zip",
                        self.project, self.id
                    ),
                    "description": format!("Monitoring dataset {reporting_year}")
                }]
            },
            "links": [
                {"rel": "pdd", "href": format!("https://registry.ogcr.example/projects/{}", self.project)}
            ]
        })
    }

    /// The CS-01 dataset summary the report's commitment is computed over.
    pub(crate) fn dataset_summary(&self) -> String {
        json!({
            "project_id": self.project,
            "report": self.id,
            "period_start": self.period.0,
            "period_end": self.period.1,
            "net_removal_tco2e": self.net_t,
            "parameters": self.parameters,
        })
        .to_string()
    }
}

fn vm0047(plots: u32, dbh: f64, trees: u32, stocking: f64) -> Value {
    json!({
        "area_ha": 1842.6,
        "sample_plots": plots,
        "mean_dbh_cm": dbh,
        "trees_per_ha": trees,
        "carbon_fraction": 0.47,
        "allometric_model": "Chave et al. 2014 pantropical, root-to-shoot 0.24",
        "stocking_index": stocking
    })
}

fn plots_and_drone() -> Value {
    json!([
        {"type": "drone", "model": "DJI Matrice 350 RTK + Zenmuse L2", "calibration_date": "2023-05-10", "accuracy": "±5 cm vertical"},
        {"type": "other", "model": "Haglöf Vertex 5 hypsometer"}
    ])
}

/// The monitoring reports, in submission order.
pub(crate) fn reports() -> Vec<MrvSpec> {
    let forest = |id, period, net_t, unc, parameters, corrects| MrvSpec {
        id,
        project: BR,
        methodology: "VM0047",
        methodology_version: "VM0047-v1.0",
        period,
        net_t,
        uncertainty: unc,
        parameters,
        devices: plots_and_drone(),
        sampling: "Stratified random permanent plots of 0.04 ha in three planting-year strata.",
        notes: "Above- and below-ground biomass from DBH and height; performance benchmark \
            deducted.",
        corrects,
    };
    let biochar = |id, period, net_t, unc, tonnes, corg, h_corg| MrvSpec {
        id,
        project: KE,
        methodology: "PURO-BIOCHAR",
        methodology_version: "PURO-BIOCHAR-v2022.1",
        period,
        net_t,
        uncertainty: unc,
        parameters: json!({
            "biochar_tonnes": tonnes,
            "organic_carbon_fraction": corg,
            "h_corg_ratio": h_corg
        }),
        devices: json!([
            {"type": "biomass_scale", "model": "Avery Weigh-Tronix BSQ weighbridge", "calibration_date": "2024-01-08"},
            {"type": "other", "model": "Elementar vario MACRO cube CHNS analyser"}
        ]),
        sampling: "One composite sample per 50 t production batch, analysed by an ISO 17025 lab.",
        notes: "Permanence factor from H/Corg; pyrolysis and transport emissions deducted.",
        corrects: None,
    };
    let mangrove = |id, period, net_t, unc, survival, agb| MrvSpec {
        id,
        project: ID,
        methodology: "ISO-14064-2",
        methodology_version: "ISO-14064-2:2019",
        period,
        net_t,
        uncertainty: unc,
        parameters: json!({
            "restored_area_ha": 2480.0,
            "seedling_survival_rate": survival,
            "above_ground_biomass_t_per_ha": agb,
            "soil_carbon_accrual_tco2e_per_ha": 0.42,
            "leakage_deduction": 0.1
        }),
        devices: json!([
            {"type": "satellite", "model": "Sentinel-2 MSI L2A"},
            {"type": "soil_sampler", "model": "Eijkelkamp peat sampler 04.09", "calibration_date": "2024-02-20"}
        ]),
        sampling: "84 permanent transects across pond blocks; sediment cores at 21 of them.",
        notes: "Baseline recolonisation and 10 % leakage deducted (PDD version 2).",
        corrects: None,
    };
    let dac = |id, period, net_t, unc, captured, injected, lifecycle| MrvSpec {
        id,
        project: IS,
        methodology: "ISO-14064-2",
        methodology_version: "ISO-14064-2:2019",
        period,
        net_t,
        uncertainty: unc,
        parameters: json!({
            "co2_captured_t": captured,
            "co2_injected_t": injected,
            "lifecycle_emissions_tco2e": lifecycle,
            "mineralised_fraction_2y": 0.95
        }),
        devices: json!([
            {"type": "other", "model": "Endress+Hauser Promass Q 300 Coriolis flow meter", "calibration_date": "2024-01-12"},
            {"type": "other", "model": "Vaisala CARBOCAP GMP343 CO2 probe"}
        ]),
        sampling: "Continuous metering of captured and injected CO2; monthly tracer tests at the wells.",
        notes: "Net removal = injected CO2 minus embodied and operational life-cycle emissions.",
        corrects: None,
    };
    vec![
        forest(
            "OGCR-BR-0107-MRV-2023",
            ("2023-01-01", "2023-12-31"),
            4850.3,
            (4310.2, 5390.4),
            vm0047(52, 4.1, 1380, 0.41),
            None,
        ),
        biochar(
            "OGCR-KE-0023-MRV-2024",
            ("2024-01-01", "2024-12-31"),
            4896.2,
            (4700.4, 5092.0),
            2140.6,
            0.78,
            0.31,
        ),
        dac(
            "OGCR-IS-0004-MRV-2024",
            ("2024-01-01", "2024-12-31"),
            1184.6,
            (1161.0, 1208.3),
            1402.0,
            1388.5,
            203.9,
        ),
        mangrove(
            "OGCR-ID-0031-MRV-2024",
            ("2024-01-01", "2024-12-31"),
            3120.4,
            (2652.3, 3588.5),
            0.81,
            18.6,
        ),
        forest(
            "OGCR-BR-0107-MRV-2024",
            ("2024-01-01", "2024-12-31"),
            7480.0,
            (6500.0, 8460.0),
            vm0047(38, 6.4, 1350, 0.52),
            None,
        ),
        forest(
            "OGCR-BR-0107-MRV-2024-R2",
            ("2024-01-01", "2024-12-31"),
            6912.8,
            (6140.1, 7685.5),
            vm0047(52, 6.3, 1342, 0.52),
            Some("OGCR-BR-0107-MRV-2024"),
        ),
        biochar(
            "OGCR-KE-0023-MRV-2025",
            ("2025-01-01", "2025-12-31"),
            5974.7,
            (5735.7, 6213.7),
            2611.2,
            0.79,
            0.29,
        ),
        dac(
            "OGCR-IS-0004-MRV-2025",
            ("2025-01-01", "2025-12-31"),
            2307.9,
            (2262.0, 2353.8),
            2690.3,
            2671.8,
            363.9,
        ),
        mangrove(
            "OGCR-ID-0031-MRV-2025",
            ("2025-01-01", "2025-12-31"),
            3486.9,
            (2963.9, 4009.9),
            0.78,
            24.9,
        ),
        forest(
            "OGCR-BR-0107-MRV-2025",
            ("2025-01-01", "2025-12-31"),
            8240.5,
            (7310.4, 9170.6),
            vm0047(52, 8.2, 1331, 0.60),
            None,
        ),
    ]
}

/// Who verifies in the scenario, as they name themselves in attestations.
pub(crate) const VERIFIER_A: (&str, &str) =
    ("did:ogcr:verifier:terra-assurance", "Terra Assurance GmbH");
/// The verifier that signs EIP-712 attestations offline.
pub(crate) const VERIFIER_B: (&str, &str) = (
    "did:ogcr:verifier:meridian-carbon-verification",
    "Meridian Carbon Verification Ltd",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_are_counter_clockwise_hexagons() {
        for p in projects() {
            let r = p.ring;
            assert_eq!(r.len(), 6, "{}", p.id);
            let twice_area: f64 = (0..r.len())
                .map(|i| {
                    let (a, b) = (r[i], r[(i + 1) % r.len()]);
                    a[0] * b[1] - b[0] * a[1]
                })
                .sum();
            assert!(twice_area > 0.0, "{} is not counter-clockwise", p.id);
        }
    }

    /// Every vertex and the centre of every boundary lie in the project's country, so an
    /// export that derives the country from the geometry finds the one the scenario names.
    #[test]
    fn boundaries_lie_in_their_country() {
        use country_boundaries::{BOUNDARIES_ODBL_360X180, CountryBoundaries, LatLon};
        let world = CountryBoundaries::from_reader(BOUNDARIES_ODBL_360X180).unwrap();
        for p in projects() {
            let n = p.ring.len() as f64;
            let centre = [
                p.ring.iter().map(|v| v[0]).sum::<f64>() / n,
                p.ring.iter().map(|v| v[1]).sum::<f64>() / n,
            ];
            for v in p.ring.iter().chain([&centre]) {
                let at = LatLon::new(v[1], v[0]).unwrap();
                assert!(
                    world.is_in(at, p.country),
                    "{} vertex {v:?} is in {:?}, not {}",
                    p.id,
                    world.ids(at),
                    p.country
                );
            }
        }
    }

    #[test]
    fn bbox_encloses_the_ring() {
        assert_eq!(
            bbox(&[[1.0, 5.0], [-2.0, 3.0], [0.5, 7.0]]),
            [-2.0, 3.0, 1.0, 7.0]
        );
    }
}
