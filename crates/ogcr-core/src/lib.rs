//! `ogcr-core` holds what every part of the Open Geospatial Carbon Registry agrees on:
//! the OGCR v0.1.0 documents (PDD, MRV, CRU view) with their JSON Schema and business
//! rule validation, the methodology registry, and the CS-01 dataset commitments and
//! verifier attestations (HMAC proof of concept and EIP-712 production signatures) with
//! their append-only file registry. It does no I/O beyond the registry file and never
//! reads the environment.

/// Where a project is: offline reverse geocoding and the CAD Trust country picklist.
pub mod country;
/// CS-01 commitments, attestations and registry.
pub mod cs01;
/// OGCR v0.1.0 documents: PDD, MRV, CRU view.
pub mod documents;
/// The crate error type.
pub mod error;
/// Methodology registry and schema extensions (§6.1).
pub mod methodology;
/// Schema and business-rule validation (§4.4).
pub mod validation;

pub use documents::{CruView, Document, DocumentKind, Geometry, Mrv, Pdd};
pub use error::{Error, Result};
pub use methodology::{Methodology, MethodologyRegistry, MethodologyVersion};
pub use validation::{Issue, Report, RuleCode, ValidationContext, validate_json, validate_value};
