//! Validation of OGCR documents (OGCR §4.4): JSON Schema first, then business rules.
//! Every problem is reported at once, each with a JSON pointer, what is wrong and how to
//! correct it. Bad input never panics.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    documents::{Document, DocumentKind, Mrv, Pdd},
    methodology::{MethodologyRegistry, parse_version},
};

/// Duplicate object keys.
pub mod duplicates;
/// Business rules (§4.4.2).
pub mod rules;
/// JSON Schema validation (§4.4.1).
pub mod schema;

/// One problem found in a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    /// JSON pointer (RFC 6901) to the failing value; `""` is the whole document.
    pub pointer: String,
    /// Machine-readable code: `SCHEMA_<KEYWORD>` or a [`RuleCode`].
    pub code: String,
    /// What is wrong.
    pub message: String,
    /// How to correct it.
    pub hint: String,
}

impl Issue {
    /// An issue raised by a business rule.
    pub fn rule(code: RuleCode, pointer: String, message: String, hint: &str) -> Self {
        Self {
            pointer,
            code: code.as_str().to_owned(),
            message,
            hint: hint.to_owned(),
        }
    }
}

impl std::fmt::Display for Issue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.pointer.is_empty() {
            "(document)"
        } else {
            &self.pointer
        };
        write!(f, "{at}: [{}] {} — {}", self.code, self.message, self.hint)
    }
}

/// `s` cut to at most `n` characters, with `…` when cut: values echoed in messages never make
/// an error as large as the input.
pub fn bounded(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// Business rule codes; each rule has its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleCode {
    /// The document is not JSON, or its kind cannot be told.
    Unreadable,
    /// A period's start is not before its end.
    PeriodOrder,
    /// Monitoring periods of one project overlap.
    PeriodOverlap,
    /// A PDD references no methodology (§3.1 requires one).
    MethodologyMissing,
    /// The methodology id is not registered.
    MethodologyUnknown,
    /// The methodology version is not a semantic version.
    MethodologyVersionInvalid,
    /// The methodology version is not registered.
    MethodologyVersionUnknown,
    /// The methodology does not apply to the project type.
    MethodologyProjectType,
    /// The MRV's methodology differs from its project's.
    MethodologyMismatch,
    /// The MRV's project is not known.
    ProjectUnknown,
    /// Project areas overlap.
    GeometryOverlap,
    /// Geometry is malformed or not valid.
    GeometryInvalid,
    /// Coordinates are outside WGS84 ranges.
    GeometryOutOfRange,
    /// A polygon ring is not closed.
    RingNotClosed,
    /// The bbox does not enclose the geometry.
    BboxInconsistent,
    /// The uncertainty interval is inverted.
    UncertaintyBounds,
    /// An id is used by another document.
    DuplicateId,
    /// An object has the same key twice.
    DuplicateKey,
}

impl RuleCode {
    /// The code as reported.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unreadable => "UNREADABLE",
            Self::PeriodOrder => "PERIOD_ORDER",
            Self::PeriodOverlap => "PERIOD_OVERLAP",
            Self::MethodologyMissing => "METHODOLOGY_MISSING",
            Self::MethodologyUnknown => "METHODOLOGY_UNKNOWN",
            Self::MethodologyVersionInvalid => "METHODOLOGY_VERSION_INVALID",
            Self::MethodologyVersionUnknown => "METHODOLOGY_VERSION_UNKNOWN",
            Self::MethodologyProjectType => "METHODOLOGY_PROJECT_TYPE",
            Self::MethodologyMismatch => "METHODOLOGY_MISMATCH",
            Self::ProjectUnknown => "PROJECT_UNKNOWN",
            Self::GeometryOverlap => "GEOMETRY_OVERLAP",
            Self::GeometryInvalid => "GEOMETRY_INVALID",
            Self::GeometryOutOfRange => "GEOMETRY_OUT_OF_RANGE",
            Self::RingNotClosed => "RING_NOT_CLOSED",
            Self::BboxInconsistent => "BBOX_INCONSISTENT",
            Self::UncertaintyBounds => "UNCERTAINTY_BOUNDS",
            Self::DuplicateId => "DUPLICATE_ID",
            Self::DuplicateKey => "DUPLICATE_KEY",
        }
    }
}

/// What the rules compare a document with.
#[derive(Debug, Clone, Copy)]
pub struct ValidationContext<'a> {
    /// Registered methodologies.
    pub methodologies: &'a MethodologyRegistry,
    /// Other known projects; `None` skips the checks that need them (project
    /// existence, methodology of the parent project).
    pub projects: Option<&'a [Pdd]>,
    /// Other known MRVs; `None` skips the period overlap check.
    pub reports: Option<&'a [Mrv]>,
}

impl<'a> ValidationContext<'a> {
    /// A context with methodologies only.
    pub fn new(methodologies: &'a MethodologyRegistry) -> Self {
        Self {
            methodologies,
            projects: None,
            reports: None,
        }
    }
}

/// The outcome of validating one document.
#[derive(Debug, Clone)]
pub struct Report {
    /// Kind validated against (None when it could not be told).
    pub kind: Option<DocumentKind>,
    /// The typed document, when it passed the schema.
    pub document: Option<Document>,
    /// Every problem found; empty means valid.
    pub issues: Vec<Issue>,
}

impl Report {
    /// True when no issue was found.
    pub fn is_valid(&self) -> bool {
        self.issues.is_empty()
    }

    fn unreadable(kind: Option<DocumentKind>, message: String, hint: &str) -> Self {
        Self {
            kind,
            document: None,
            issues: vec![Issue::rule(
                RuleCode::Unreadable,
                String::new(),
                message,
                hint,
            )],
        }
    }
}

/// Validates JSON text: schema, then (when the schema passes) business rules.
/// `kind` forces PDD or MRV; otherwise it is detected from the content.
pub fn validate_json(
    text: &str,
    kind: Option<DocumentKind>,
    ctx: &ValidationContext<'_>,
) -> Report {
    match serde_json::from_str::<Value>(text) {
        Ok(_) if let Some((pointer, key)) = duplicates::first_duplicate_key(text) => Report {
            kind,
            document: None,
            issues: vec![Issue::rule(
                RuleCode::DuplicateKey,
                pointer,
                format!(
                    "the key {key:?} appears twice in this object; JSON parsers disagree on which \
                     one counts, so the document would not mean one thing"
                ),
                "keep one of the two",
            )],
        },
        Ok(value) => validate_value(&value, kind, ctx),
        Err(e) => Report::unreadable(
            kind,
            format!("not valid JSON: {e}"),
            "fix the JSON syntax at the given line and column",
        ),
    }
}

/// Validates a parsed document.
pub fn validate_value(
    doc: &Value,
    kind: Option<DocumentKind>,
    ctx: &ValidationContext<'_>,
) -> Report {
    let Some(kind) = kind.or_else(|| DocumentKind::detect(doc)) else {
        return Report::unreadable(
            None,
            "cannot tell whether this is a PDD or an MRV".into(),
            "set \"profile\" to \"pdd\" or \"mrv\" (or pass the kind explicitly)",
        );
    };
    let mut issues = match kind {
        DocumentKind::Pdd => schema::validate(schema::base_validator(kind), doc),
        DocumentKind::Mrv => validate_mrv_schema(doc, ctx),
    };
    if !issues.is_empty() {
        return Report {
            kind: Some(kind),
            document: None,
            issues,
        };
    }
    let document = match kind {
        DocumentKind::Pdd => {
            serde_json::from_value::<Pdd>(doc.clone()).map(|d| Document::Pdd(Box::new(d)))
        }
        DocumentKind::Mrv => {
            serde_json::from_value::<Mrv>(doc.clone()).map(|d| Document::Mrv(Box::new(d)))
        }
    };
    let document = match document {
        Ok(d) => d,
        Err(e) => {
            return Report::unreadable(
                Some(kind),
                format!("document passes the schema but cannot be read: {e}"),
                "check date-times and numbers are in range",
            );
        }
    };
    issues.extend(match &document {
        Document::Pdd(p) => rules::check_pdd(p, ctx),
        Document::Mrv(m) => rules::check_mrv(m, ctx),
    });
    Report {
        kind: Some(kind),
        document: Some(document),
        issues,
    }
}

/// Schema validation of an MRV, with its methodology's parameters extension when the
/// methodology resolves: the parent project's methodology version if the project is
/// known, else the latest registered version of `methodology_id`.
fn validate_mrv_schema(doc: &Value, ctx: &ValidationContext<'_>) -> Vec<Issue> {
    let props = doc.get("properties");
    let str_at = |k: &str| props.and_then(|p| p.get(k)).and_then(Value::as_str);
    let (Some(methodology_id), project_id) = (str_at("methodology_id"), str_at("project_id"))
    else {
        return schema::validate(
            schema::base_validator(crate::documents::DocumentKind::Mrv),
            doc,
        );
    };
    let parent_version = ctx
        .projects
        .and_then(|ps| ps.iter().find(|p| Some(p.id.as_str()) == project_id))
        .and_then(|p| p.properties.methodology.as_ref())
        .filter(|m| m.id == methodology_id)
        .and_then(|m| parse_version(&m.version));
    let version = match parent_version {
        Some(v) => ctx
            .methodologies
            .get(methodology_id)
            .and_then(|m| m.versions.iter().find(|mv| mv.version == v)),
        None => ctx.methodologies.latest(methodology_id),
    };
    if let Some(mv) = version
        && let Some(ext) = &mv.parameters_schema
    {
        match schema::mrv_validator_with_extension(methodology_id, &mv.version, ext) {
            Ok(v) => return schema::validate(&v, doc),
            Err(e) => {
                tracing::warn!(target: "ogcr::validation", error = %e, "extension schema failed to compile")
            }
        }
    }
    schema::validate(
        schema::base_validator(crate::documents::DocumentKind::Mrv),
        doc,
    )
}
