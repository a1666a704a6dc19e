//! Monitoring, Reporting and Verification document (OGCR §3.2, `mrv-schema.json`).

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{FeatureType, Geometry, LedgerReference, Link, geometry::BBox};

/// An MRV: one monitoring period of one project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mrv {
    /// Always `Feature`.
    #[serde(rename = "type")]
    pub feature_type: FeatureType,
    /// Globally unique identifier.
    pub id: String,
    /// OGCR specification version.
    pub ogcr_version: String,
    /// Always `mrv`.
    pub profile: MrvProfile,
    /// Footprint of monitoring activities.
    pub geometry: Geometry,
    /// `[west, south, east, north]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bbox: Option<BBox>,
    /// MRV metadata and results.
    pub properties: MrvProperties,
    /// Anchoring information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger_reference: Option<LedgerReference>,
    /// Related resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<Link>>,
}

/// The `profile` member of an MRV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MrvProfile {
    /// `"mrv"`
    #[default]
    Mrv,
}

/// MRV properties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MrvProperties {
    /// Id of the parent PDD.
    pub project_id: String,
    /// Methodology applied.
    pub methodology_id: String,
    /// First day of the monitoring period (inclusive).
    pub start_date: NaiveDate,
    /// Last day of the monitoring period (inclusive).
    pub end_date: NaiveDate,
    /// Methodology-specific inputs.
    pub methodology_data: MethodologyData,
    /// Reported net removal.
    pub net_removal_estimate: NetRemovalEstimate,
    /// Uncertainty of the estimate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_uncertainty: Option<Uncertainty>,
    /// Verification state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_status: Option<VerificationStatus>,
    /// When verification completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_date: Option<DateTime<FixedOffset>>,
    /// Who verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verifier_info: Option<VerifierInfo>,
    /// Original datasets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_data: Option<Vec<RawDataReference>>,
}

/// Methodology-specific measurements and inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MethodologyData {
    /// Parameters; their schema may be extended by the methodology (§6.1.2).
    pub parameters: serde_json::Map<String, serde_json::Value>,
    /// Instruments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measurement_devices: Option<Vec<Device>>,
    /// Sampling approach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampling_strategy: Option<String>,
    /// Data reliability indicators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_quality_flags: Option<serde_json::Map<String, serde_json::Value>>,
    /// Processing notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_notes: Option<String>,
}

/// A measurement instrument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Device {
    /// Kind of device.
    #[serde(rename = "type")]
    pub device_type: DeviceType,
    /// Model.
    pub model: String,
    /// Last calibration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration_date: Option<NaiveDate>,
    /// Accuracy specification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<String>,
}

/// Kind of measurement device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum DeviceType {
    Lidar,
    SoilSampler,
    Satellite,
    Drone,
    WeatherStation,
    BiomassScale,
    Other,
}

/// Reported net removal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetRemovalEstimate {
    /// Quantity (≥ 0).
    pub value: f64,
    /// Unit.
    pub unit: RemovalUnit,
    /// Calculation context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
}

/// Unit of a removal quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RemovalUnit {
    /// Tonnes CO2 equivalent.
    #[serde(rename = "tCO2e")]
    TCo2e,
    /// Kilograms CO2 equivalent.
    #[serde(rename = "kgCO2e")]
    KgCo2e,
    /// Tonnes CO2.
    #[serde(rename = "tCO2")]
    TCo2,
    /// Kilograms CO2.
    #[serde(rename = "kgCO2")]
    KgCo2,
}

impl RemovalUnit {
    /// Kilograms per unit.
    pub fn kg_per_unit(self) -> f64 {
        match self {
            Self::TCo2e | Self::TCo2 => 1000.0,
            Self::KgCo2e | Self::KgCo2 => 1.0,
        }
    }
}

/// Uncertainty interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Uncertainty {
    /// Lower bound.
    pub min: f64,
    /// Upper bound.
    pub max: f64,
    /// Confidence level in 0…1.
    pub confidence_level: f64,
}

/// Verification state of an MRV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum VerificationStatus {
    Unverified,
    Pending,
    Verified,
    Rejected,
}

/// The verifying entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifierInfo {
    /// Organization.
    pub organization: String,
    /// Accreditation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accreditation_id: Option<String>,
    /// Reviewer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer_name: Option<String>,
}

/// A reference to an original dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDataReference {
    /// Identifier.
    pub id: String,
    /// Kind of data.
    #[serde(rename = "type")]
    pub data_type: RawDataType,
    /// Where to get it.
    pub access_uri: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Kind of raw data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum RawDataType {
    Lidar,
    SoilSample,
    SatelliteImagery,
    WeatherData,
    BiomassMeasurement,
    Other,
}

impl Mrv {
    /// The net removal in whole kilograms CO2e, rounded down (conservative).
    pub fn net_removal_kg(&self) -> Option<u64> {
        let est = &self.properties.net_removal_estimate;
        let kg = (est.value * est.unit.kg_per_unit()).floor();
        // 2^53: above this f64 no longer holds every integer.
        (kg.is_finite() && (0.0..=9_007_199_254_740_992.0).contains(&kg)).then_some(kg as u64)
    }
}
