//! Methodology registry (OGCR §6.1): registered methodologies with semantic versions,
//! supported project types, and optional schema extensions (§6.1.2).
//!
//! A methodology version may carry a JSON Schema for an MRV's
//! `properties.methodology_data.parameters`. It is composed with the base MRV schema by
//! `allOf`, so it can only add constraints: it can neither remove nor override a field
//! the base schema requires. Each extension is namespaced under its own URI,
//! `urn:ogcr:methodology:<id>:<version>:parameters` (any `$id` it declares is replaced),
//! so `$defs` of different methodologies never collide. References to anything outside
//! the composed schema are refused: validation never reaches the network or disk.

use std::collections::BTreeMap;

use semver::Version;
use serde::{Deserialize, Serialize};

use crate::{Error, Result, documents::pdd::ProjectType};

/// One version of a methodology.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MethodologyVersion {
    /// Semantic version.
    pub version: Version,
    /// Project types it applies to.
    pub project_types: Vec<ProjectType>,
    /// Monitoring protocols it relies on.
    #[serde(default)]
    pub monitoring_protocols: Vec<String>,
    /// Calculation procedures it relies on.
    #[serde(default)]
    pub calculation_procedures: Vec<String>,
    /// JSON Schema for MRV `methodology_data.parameters`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters_schema: Option<serde_json::Value>,
}

/// A registered methodology and its versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Methodology {
    /// Globally unique identifier, e.g. `VM0047`.
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// Versions, ascending.
    pub versions: Vec<MethodologyVersion>,
}

/// File format of a registry: `{"methodologies": [...]}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistryFile {
    methodologies: Vec<Methodology>,
}

/// Registered methodologies by id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MethodologyRegistry {
    methodologies: BTreeMap<String, Methodology>,
}

/// Why a methodology reference does not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    /// No methodology with this id.
    UnknownId,
    /// The version is not semantic (`X.Y` or `X.Y.Z`).
    InvalidVersion,
    /// The version is not registered; the registered ones are listed.
    UnknownVersion(Vec<String>),
}

/// Parses a methodology version: `X.Y.Z`, or `X.Y` read as `X.Y.0` (the PDD schema
/// allows both forms).
pub fn parse_version(s: &str) -> Option<Version> {
    Version::parse(s).ok().or_else(|| {
        let parts: Vec<&str> = s.split('.').collect();
        (parts.len() == 2)
            .then(|| Version::parse(&format!("{s}.0")).ok())
            .flatten()
    })
}

/// The namespace URI of a methodology version's parameters extension.
pub fn extension_uri(id: &str, version: &Version) -> String {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("urn:ogcr:methodology:{safe}:{version}:parameters")
}

impl MethodologyRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The methodologies shipped with ogcr (`methodologies/builtin.json`).
    pub fn builtin() -> Self {
        Self::from_json(include_str!("../methodologies/builtin.json"))
            .unwrap_or_else(|e| unreachable!("builtin methodologies are checked by tests: {e}"))
    }

    /// Loads `{"methodologies":[…]}`, checking every version and extension schema.
    pub fn from_json(text: &str) -> Result<Self> {
        let file: RegistryFile = serde_json::from_str(text).map_err(|e| Error::Methodology {
            id: "<registry>".into(),
            reason: e.to_string(),
        })?;
        let mut reg = Self::new();
        for m in file.methodologies {
            for v in m.versions {
                reg.register(&m.id, &m.name, v)?;
            }
        }
        Ok(reg)
    }

    /// Registers a methodology version. The extension schema, if any, must be an object
    /// schema that compiles and references nothing outside itself.
    pub fn register(&mut self, id: &str, name: &str, version: MethodologyVersion) -> Result<()> {
        let err = |reason: String| Error::Methodology {
            id: format!("{id} {}", version.version),
            reason,
        };
        if id.is_empty() || id.len() > 100 {
            return Err(err("id must have 1 to 100 characters".into()));
        }
        if version.project_types.is_empty() {
            return Err(err("lists no supported project type".into()));
        }
        if let Some(schema) = &version.parameters_schema {
            if !schema.is_object() {
                return Err(err("parameters_schema must be a JSON Schema object".into()));
            }
            crate::validation::schema::compile_extension(id, &version.version, schema)
                .map_err(|e| err(e.to_string()))?;
        }
        let entry = self
            .methodologies
            .entry(id.to_owned())
            .or_insert_with(|| Methodology {
                id: id.to_owned(),
                name: name.to_owned(),
                versions: Vec::new(),
            });
        if entry.versions.iter().any(|v| v.version == version.version) {
            return Err(err("version is already registered".into()));
        }
        entry.versions.push(version);
        entry.versions.sort_by(|a, b| a.version.cmp(&b.version));
        Ok(())
    }

    /// A methodology by id.
    pub fn get(&self, id: &str) -> Option<&Methodology> {
        self.methodologies.get(id)
    }

    /// All methodologies.
    pub fn iter(&self) -> impl Iterator<Item = &Methodology> {
        self.methodologies.values()
    }

    /// Resolves `id` at `version` (`X.Y` is read as `X.Y.0`).
    pub fn resolve(&self, id: &str, version: &str) -> Result<&MethodologyVersion, ResolveError> {
        let m = self.get(id).ok_or(ResolveError::UnknownId)?;
        let v = parse_version(version).ok_or(ResolveError::InvalidVersion)?;
        m.versions.iter().find(|mv| mv.version == v).ok_or_else(|| {
            ResolveError::UnknownVersion(
                m.versions.iter().map(|mv| mv.version.to_string()).collect(),
            )
        })
    }

    /// The latest registered version of `id`.
    pub fn latest(&self, id: &str) -> Option<&MethodologyVersion> {
        self.get(id).and_then(|m| m.versions.last())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_registry_loads() {
        let reg = MethodologyRegistry::builtin();
        assert!(reg.get("VM0047").is_some());
        assert!(reg.resolve("VM0047", "1.0").is_ok());
        assert!(reg.resolve("VM0047", "1.0.0").is_ok());
        assert_eq!(
            reg.resolve("VM0047", "one"),
            Err(ResolveError::InvalidVersion)
        );
        assert!(
            matches!(reg.resolve("VM0047", "9.0"), Err(ResolveError::UnknownVersion(v)) if v.contains(&"1.0.0".to_owned()))
        );
        assert_eq!(reg.resolve("NOPE", "1.0"), Err(ResolveError::UnknownId));
    }

    #[test]
    fn versions_parse_as_semver() {
        assert_eq!(parse_version("1.2"), Some(Version::new(1, 2, 0)));
        assert_eq!(parse_version("1.2.3"), Some(Version::new(1, 2, 3)));
        assert_eq!(parse_version("1"), None);
        assert_eq!(parse_version("v1.2"), None);
    }

    #[test]
    fn rejects_bad_extensions_and_duplicates() {
        let v = |schema: serde_json::Value| MethodologyVersion {
            version: Version::new(1, 0, 0),
            project_types: vec![ProjectType::Biochar],
            monitoring_protocols: vec![],
            calculation_procedures: vec![],
            parameters_schema: Some(schema),
        };
        let mut reg = MethodologyRegistry::new();
        assert!(
            reg.register("X", "x", v(serde_json::json!(true))).is_err(),
            "not an object"
        );
        assert!(
            reg.register("X", "x", v(serde_json::json!({"type": 12})))
                .is_err(),
            "does not compile"
        );
        let remote = serde_json::json!({"$ref": "https://example.org/schema.json"});
        assert!(
            reg.register("X", "x", v(remote)).is_err(),
            "remote refs are refused"
        );
        reg.register("X", "x", v(serde_json::json!({"type": "object"})))
            .unwrap();
        assert!(
            reg.register("X", "x", v(serde_json::json!({"type": "object"})))
                .is_err(),
            "duplicate"
        );
    }
}
