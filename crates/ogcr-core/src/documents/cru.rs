//! The Carbon Removal Unit view (OGCR §3.3): what a verified MRV can issue.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{
    Mrv, Pdd,
    mrv::VerificationStatus,
    pdd::{MethodologyReference, ProjectType},
};
use crate::{Error, Result};

/// A CRU batch derived from a verified MRV and its parent PDD, binding the quantity to
/// its provenance (project, methodology, monitoring period, verifier).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CruView {
    /// Parent PDD id.
    pub project_id: String,
    /// Project name.
    pub project_name: String,
    /// Project type.
    pub project_type: ProjectType,
    /// MRV id the units come from.
    pub mrv_id: String,
    /// Methodology of the project.
    pub methodology: Option<MethodologyReference>,
    /// First day of the monitoring period.
    pub period_start: NaiveDate,
    /// Last day of the monitoring period.
    pub period_end: NaiveDate,
    /// Vintage: the year the monitoring period ends.
    pub vintage: i32,
    /// Net removal in whole kilograms CO2e (rounded down).
    pub quantity_kg: u64,
    /// Verifying organization.
    pub verifier: Option<String>,
}

impl CruView {
    /// Builds the view; the MRV must belong to the PDD and be verified.
    pub fn from_documents(pdd: &Pdd, mrv: &Mrv) -> Result<Self> {
        let err = |reason: String| Error::Document {
            id: mrv.id.clone(),
            reason,
        };
        if mrv.properties.project_id != pdd.id {
            return Err(err(format!(
                "belongs to project {}, not {}",
                mrv.properties.project_id, pdd.id
            )));
        }
        if mrv.properties.verification_status != Some(VerificationStatus::Verified) {
            return Err(err("is not verified; only verified MRVs issue CRUs".into()));
        }
        let quantity_kg = mrv
            .net_removal_kg()
            .ok_or_else(|| err("net removal is not a representable number of kilograms".into()))?;
        use chrono::Datelike as _;
        Ok(Self {
            project_id: pdd.id.clone(),
            project_name: pdd.properties.name.clone(),
            project_type: pdd.properties.project_type,
            mrv_id: mrv.id.clone(),
            methodology: pdd.properties.methodology.clone(),
            period_start: mrv.properties.start_date,
            period_end: mrv.properties.end_date,
            vintage: mrv.properties.end_date.year(),
            quantity_kg,
            verifier: mrv
                .properties
                .verifier_info
                .as_ref()
                .map(|v| v.organization.clone()),
        })
    }
}
