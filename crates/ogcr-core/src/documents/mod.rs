//! OGCR v0.1.0 documents: PDD and MRV GeoJSON Features, and the CRU view.

use serde::{Deserialize, Serialize};

/// Carbon Removal Unit view of a verified MRV (§3.3).
pub mod cru;
/// GeoJSON geometry and its checks.
pub mod geometry;
/// Monitoring, Reporting and Verification document (§3.2).
pub mod mrv;
/// Project Design Document (§3.1).
pub mod pdd;

pub use cru::CruView;
pub use geometry::{BBox, Geometry, Position};
pub use mrv::Mrv;
pub use pdd::Pdd;

/// The OGCR specification version these types implement.
pub const OGCR_VERSION: &str = "0.1.0";

/// The two core document kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentKind {
    /// Project Design Document.
    Pdd,
    /// Monitoring, Reporting and Verification document.
    Mrv,
}

impl DocumentKind {
    /// Detects the kind from content: the `profile` member first, then the properties
    /// that only one kind has (`project_id`/`methodology_data` for MRV,
    /// `project_type`/`actor_id` for PDD).
    pub fn detect(doc: &serde_json::Value) -> Option<Self> {
        match doc.get("profile").and_then(|p| p.as_str()) {
            Some("pdd") => return Some(Self::Pdd),
            Some("mrv") => return Some(Self::Mrv),
            _ => {}
        }
        let props = doc.get("properties")?;
        let has = |k: &str| props.get(k).is_some();
        if has("project_id") || has("methodology_data") || has("net_removal_estimate") {
            Some(Self::Mrv)
        } else if has("project_type") || has("actor_id") {
            Some(Self::Pdd)
        } else {
            None
        }
    }

    /// `pdd` or `mrv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pdd => "pdd",
            Self::Mrv => "mrv",
        }
    }
}

impl std::fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for DocumentKind {
    type Err = crate::Error;

    fn from_str(s: &str) -> crate::Result<Self> {
        match s {
            "pdd" => Ok(Self::Pdd),
            "mrv" => Ok(Self::Mrv),
            other => Err(crate::Error::Document {
                id: other.to_owned(),
                reason: "kind must be \"pdd\" or \"mrv\"".into(),
            }),
        }
    }
}

/// A parsed core document.
#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    /// A PDD.
    Pdd(Box<Pdd>),
    /// An MRV.
    Mrv(Box<Mrv>),
}

impl Document {
    /// The document id.
    pub fn id(&self) -> &str {
        match self {
            Self::Pdd(d) => &d.id,
            Self::Mrv(d) => &d.id,
        }
    }

    /// The document kind.
    pub fn kind(&self) -> DocumentKind {
        match self {
            Self::Pdd(_) => DocumentKind::Pdd,
            Self::Mrv(_) => DocumentKind::Mrv,
        }
    }
}

/// The GeoJSON `type` member, always `Feature`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum FeatureType {
    /// `"Feature"`
    #[default]
    Feature,
}

/// Blockchain anchoring information (added after submission).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerReference {
    /// Transaction hash or id.
    pub transaction_id: String,
    /// Block number.
    pub block_number: u64,
    /// RFC 3339 time of notarization.
    pub timestamp: String,
    /// Ledger network identifier.
    pub ledger_id: String,
}

/// A related resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// Relationship type (the allowed values differ between PDD and MRV).
    pub rel: String,
    /// Absolute URI.
    pub href: String,
    /// MIME type.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}
