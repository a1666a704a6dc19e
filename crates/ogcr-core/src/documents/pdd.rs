//! Project Design Document (OGCR §3.1, `pdd-schema.json`).

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::{FeatureType, Geometry, LedgerReference, Link, geometry::BBox};

/// A PDD: a GeoJSON Feature whose geometry is the project boundary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pdd {
    /// Always `Feature`.
    #[serde(rename = "type")]
    pub feature_type: FeatureType,
    /// Globally unique, immutable identifier.
    pub id: String,
    /// OGCR specification version (`0.1.0`).
    pub ogcr_version: String,
    /// Always `pdd`.
    pub profile: PddProfile,
    /// Project boundary, WGS84.
    pub geometry: Geometry,
    /// `[west, south, east, north]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bbox: Option<BBox>,
    /// Project metadata.
    pub properties: PddProperties,
    /// Anchoring information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger_reference: Option<LedgerReference>,
    /// Related resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<Link>>,
}

/// The `profile` member of a PDD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PddProfile {
    /// `"pdd"`
    #[default]
    Pdd,
}

/// PDD properties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PddProperties {
    /// Project name.
    pub name: String,
    /// Summary of goals and scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Initial submission time.
    pub creation_date: DateTime<FixedOffset>,
    /// Last update time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<DateTime<FixedOffset>>,
    /// Removal activity.
    pub project_type: ProjectType,
    /// Lifecycle state.
    pub status: PddStatus,
    /// Project proponent.
    pub actor_id: String,
    /// Methodology applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub methodology: Option<MethodologyReference>,
    /// Baseline scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_scenario: Option<String>,
    /// Expected annual removal, tCO2e.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_annual_benefit: Option<f64>,
    /// Project timeline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_duration: Option<ProjectDuration>,
}

/// Removal activity classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectType {
    /// Afforestation.
    Afforestation,
    /// Reforestation.
    Reforestation,
    /// Soil carbon.
    SoilCarbon,
    /// Biochar.
    Biochar,
    /// Direct air capture.
    DirectAirCapture,
    /// Enhanced weathering.
    EnhancedWeathering,
    /// Blue carbon.
    BlueCarbon,
    /// Bioenergy with carbon capture and storage.
    BiomassEnergyCcs,
}

impl ProjectType {
    /// The wire form (`soil_carbon`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Afforestation => "afforestation",
            Self::Reforestation => "reforestation",
            Self::SoilCarbon => "soil_carbon",
            Self::Biochar => "biochar",
            Self::DirectAirCapture => "direct_air_capture",
            Self::EnhancedWeathering => "enhanced_weathering",
            Self::BlueCarbon => "blue_carbon",
            Self::BiomassEnergyCcs => "biomass_energy_ccs",
        }
    }
}

/// PDD lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PddStatus {
    /// Draft.
    Draft,
    /// Submitted.
    Submitted,
    /// Under review.
    UnderReview,
    /// Approved.
    Approved,
    /// Rejected.
    Rejected,
    /// Archived.
    Archived,
}

/// Reference to a registered methodology (§6.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MethodologyReference {
    /// Methodology identifier.
    pub id: String,
    /// Version, `X.Y` or `X.Y.Z`.
    pub version: String,
    /// Human-readable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Category.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// Project timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectDuration {
    /// Start.
    pub start: DateTime<FixedOffset>,
    /// End.
    pub end: DateTime<FixedOffset>,
}
