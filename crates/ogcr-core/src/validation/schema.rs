//! JSON Schema validation (OGCR §4.4.1) against the project's own copies of the OGCR
//! v0.1.0 schemas (`schemas/*.json`, embedded), with formats asserted.

use std::sync::OnceLock;

use jsonschema::{Retrieve, Uri, ValidationError, Validator, error::ValidationErrorKind};
use semver::Version;
use serde_json::{Value, json};

use super::Issue;
use crate::{Error, Result, documents::DocumentKind, methodology::extension_uri};

/// The project's PDD schema (carries every constraint of OGCR v0.1.0 `pdd-schema.json`).
pub const PDD_SCHEMA: &str = include_str!("../../schemas/pdd-schema.json");
/// The project's MRV schema (carries every constraint of OGCR v0.1.0 `mrv-schema.json`).
pub const MRV_SCHEMA: &str = include_str!("../../schemas/mrv-schema.json");

/// Refuses every external reference: validation never touches network or disk.
struct NoExternalRefs;

impl Retrieve for NoExternalRefs {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> std::result::Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        Err(format!("external schema reference {} is not allowed", uri.as_str()).into())
    }
}

/// The schema document of a kind, parsed.
pub fn schema_value(kind: DocumentKind) -> Value {
    let text = match kind {
        DocumentKind::Pdd => PDD_SCHEMA,
        DocumentKind::Mrv => MRV_SCHEMA,
    };
    serde_json::from_str(text)
        .unwrap_or_else(|e| unreachable!("embedded schema is JSON (tested): {e}"))
}

fn compile(name: &str, schema: &Value) -> Result<Validator> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .with_retriever(NoExternalRefs)
        .build(schema)
        .map_err(|e| Error::Schema {
            name: name.to_owned(),
            reason: e.to_string(),
        })
}

/// The compiled base validator of a kind (compiled once).
pub fn base_validator(kind: DocumentKind) -> &'static Validator {
    static PDD: OnceLock<Validator> = OnceLock::new();
    static MRV: OnceLock<Validator> = OnceLock::new();
    let cell = match kind {
        DocumentKind::Pdd => &PDD,
        DocumentKind::Mrv => &MRV,
    };
    cell.get_or_init(|| {
        compile(kind.as_str(), &schema_value(kind))
            .unwrap_or_else(|e| unreachable!("embedded schema compiles (tested): {e}"))
    })
}

fn namespaced_extension(id: &str, version: &Version, extension: &Value) -> Value {
    let mut ext = extension.clone();
    if let Some(obj) = ext.as_object_mut() {
        obj.insert("$id".into(), Value::String(extension_uri(id, version)));
        obj.remove("$schema");
    }
    ext
}

/// Compiles a parameters extension alone (used to check it at registration).
pub(crate) fn compile_extension(
    id: &str,
    version: &Version,
    extension: &Value,
) -> Result<Validator> {
    let mut ext = namespaced_extension(id, version, extension);
    if let Some(obj) = ext.as_object_mut() {
        obj.insert(
            "$schema".into(),
            json!("https://json-schema.org/draft/2020-12/schema"),
        );
    }
    compile(&extension_uri(id, version), &ext)
}

/// The MRV schema composed (allOf) with a methodology's parameters extension.
pub fn compose_mrv_schema(id: &str, version: &Version, extension: &Value) -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("urn:ogcr:methodology:composed:{}", extension_uri(id, version)),
        "allOf": [
            schema_value(DocumentKind::Mrv),
            {
                "properties": {
                    "properties": {
                        "properties": {
                            "methodology_data": {
                                "properties": {
                                    "parameters": namespaced_extension(id, version, extension)
                                }
                            }
                        }
                    }
                }
            }
        ]
    })
}

/// Compiles the composed MRV validator of a methodology version.
pub fn mrv_validator_with_extension(
    id: &str,
    version: &Version,
    extension: &Value,
) -> Result<Validator> {
    compile(
        &extension_uri(id, version),
        &compose_mrv_schema(id, version, extension),
    )
}

/// Every schema violation of `doc`, as issues.
pub fn validate(validator: &Validator, doc: &Value) -> Vec<Issue> {
    let mut issues: Vec<Issue> = validator.iter_errors(doc).map(|e| to_issue(&e)).collect();
    issues.dedup();
    issues
}

fn escape_pointer_token(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

fn to_issue(e: &ValidationError<'_>) -> Issue {
    let mut pointer = e.instance_path().as_str().to_owned();
    let kind = e.kind();
    let mut message = e.to_string();
    let hint = match kind {
        ValidationErrorKind::Required { property } => {
            let name = property
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| property.to_string());
            pointer = format!("{pointer}/{}", escape_pointer_token(&name));
            message = format!("required property {name:?} is missing");
            format!("add the property {name:?}")
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            if let [one] = unexpected.as_slice() {
                pointer = format!("{pointer}/{}", escape_pointer_token(one));
            }
            format!(
                "remove {}: OGCR v0.1.0 allows no other properties here (methodology-specific values belong in properties.methodology_data.parameters)",
                unexpected
                    .iter()
                    .map(|u| format!("{u:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        ValidationErrorKind::Enum { options } => format!("use one of: {}", list(options)),
        ValidationErrorKind::Constant { expected_value } => format!("set it to {expected_value}"),
        ValidationErrorKind::Type { kind } => format!("give a value of type {kind:?}")
            .replace("Single(", "")
            .replace(')', ""),
        ValidationErrorKind::Pattern { pattern } => match pattern.as_str() {
            "^[a-zA-Z0-9_-]+$" => "use only letters, digits, '_' and '-'".to_owned(),
            "^\\d+\\.\\d+\\.\\d+$" => "use a semantic version such as \"0.1.0\"".to_owned(),
            "^\\d+\\.\\d+(\\.\\d+)?$" => "use a version such as \"1.0\" or \"1.0.0\"".to_owned(),
            p => format!("match the pattern {p}"),
        },
        ValidationErrorKind::Format { format } => match format.as_str() {
            "date-time" => {
                "use an RFC 3339 date-time with a time zone, e.g. \"2024-01-15T10:30:00Z\""
                    .to_owned()
            }
            "date" => "use a full date, e.g. \"2024-01-15\"".to_owned(),
            "uri" => "use an absolute URI, e.g. \"https://data.example.org/plots.csv\"".to_owned(),
            f => format!("use a valid {f}"),
        },
        ValidationErrorKind::MinLength { limit } => format!("use at least {limit} character(s)"),
        ValidationErrorKind::MaxLength { limit } => {
            format!("shorten it to at most {limit} characters")
        }
        ValidationErrorKind::MinItems { limit } => format!("give at least {limit} item(s)"),
        ValidationErrorKind::MaxItems { limit } => format!("give at most {limit} item(s)"),
        ValidationErrorKind::Minimum { limit } => format!("use a value ≥ {limit}"),
        ValidationErrorKind::Maximum { limit } => format!("use a value ≤ {limit}"),
        ValidationErrorKind::ExclusiveMinimum { limit } => format!("use a value > {limit}"),
        ValidationErrorKind::ExclusiveMaximum { limit } => format!("use a value < {limit}"),
        _ => format!("see the schema at {}", e.schema_path().as_str()),
    };
    // jsonschema quotes the failing value; a 50 MB string must not make a 50 MB message.
    Issue {
        pointer: super::bounded(&pointer, 200),
        code: format!("SCHEMA_{}", kind.keyword().to_ascii_uppercase()),
        message: super::bounded(&message, 300),
        hint: super::bounded(&hint, 300),
    }
}

fn list(options: &Value) -> String {
    match options.as_array() {
        Some(items) => items
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        None => options.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_schemas_compile() {
        base_validator(DocumentKind::Pdd);
        base_validator(DocumentKind::Mrv);
    }

    #[test]
    fn required_issue_points_at_the_missing_member() {
        let doc = json!({"type": "Feature", "id": "x", "ogcr_version": "0.1.0", "profile": "pdd",
            "geometry": {"type": "Point", "coordinates": [0, 0]}, "properties": {}});
        let issues = validate(base_validator(DocumentKind::Pdd), &doc);
        assert!(
            issues
                .iter()
                .any(|i| i.pointer == "/properties/name" && i.code == "SCHEMA_REQUIRED"),
            "{issues:#?}"
        );
        assert!(issues.iter().all(|i| !i.hint.is_empty()));
    }
}
