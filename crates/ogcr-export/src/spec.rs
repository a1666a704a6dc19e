//! The CAD Trust v2.0.2 data schema, vendored (`spec/cadtrust-schema-v2.0.2.json`, from
//! Chia-Network/cadt, Apache-2.0): the baseline tables in insert order, the Article 6 AEF
//! tables in theirs, each table's fields in schema order, the picklists, and
//! [`validate_record`], which checks an exported record against all of it.

use std::{collections::BTreeMap, sync::OnceLock};

use serde_json::Value;

/// The vendored schema text.
pub const SCHEMA_JSON: &str = include_str!("../spec/cadtrust-schema-v2.0.2.json");

/// The kind of value a field holds, from the schema's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// A UUID (`GUID`, `GUID (PK)`, `GUID (FK)`, …).
    Guid,
    /// An ISO 8601 date (`Date (ISO 8601)`, `Date (Composite PK)`).
    Date,
    /// A calendar year, 1900–2100.
    Year,
    /// A number.
    Decimal,
    /// An http(s) URL.
    Url,
    /// An array of strings (`Array[String]`).
    StringArray,
    /// A string (`String`, `Text`).
    Text,
    /// One value of the field's picklist.
    Picklist,
    /// A timestamp set by the CADT API layer (`createdAt`, `updatedAt`), ISO 8601.
    Timestamp,
}

impl FieldType {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            _ if s.starts_with("GUID") => Self::Guid,
            _ if s.starts_with("Date") => Self::Date,
            "Year" => Self::Year,
            "Decimal" => Self::Decimal,
            "URL" => Self::Url,
            "Array[String]" => Self::StringArray,
            "String" | "Text" => Self::Text,
            "Picklist" => Self::Picklist,
            "API" => Self::Timestamp,
            _ => return None,
        })
    }
}

/// One field of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    /// Column name (`project_name`).
    pub column: String,
    /// API field name (`projectName`): the key in exported records.
    pub api_field: String,
    /// The schema's type text.
    pub type_name: String,
    /// The parsed type.
    pub field_type: FieldType,
    /// Whether a record must carry a value.
    pub required: bool,
    /// `user_input`, `system` or `api_generated`.
    pub source: String,
    /// The picklist its values come from.
    pub picklist: Option<String>,
}

/// Which model a table belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableGroup {
    /// The CAD Trust baseline tables.
    Cadt,
    /// The Article 6 AEF tables.
    Aef,
}

/// One table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSpec {
    /// Table name (`project`, `aef_t3_actions`).
    pub name: String,
    /// CADT API endpoint (`/v2/project`).
    pub api_endpoint: String,
    /// Baseline or AEF.
    pub group: TableGroup,
    /// Fields in schema order.
    pub fields: Vec<FieldSpec>,
}

impl TableSpec {
    /// The API field names, in schema order (the header of CSV and XLSX files).
    pub fn api_fields(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|f| f.api_field.as_str())
    }

    /// The field with this API name.
    pub fn field(&self, api_field: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.api_field == api_field)
    }
}

/// The values a picklist allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picklist {
    /// Exactly these values.
    Values(Vec<String>),
    /// Any string (the schema documents the list as unconstrained, e.g. `label_name`).
    FreeText,
}

impl Picklist {
    /// Whether `value` is allowed.
    pub fn allows(&self, value: &str) -> bool {
        match self {
            Self::Values(v) => v.iter().any(|x| x == value),
            Self::FreeText => true,
        }
    }
}

/// The parsed schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// Schema version (`2.0.2`).
    pub version: String,
    /// Date of the picklist snapshot.
    pub picklist_version_date: String,
    /// Baseline tables, in insert order.
    pub tables: Vec<TableSpec>,
    /// AEF tables, in their insert order.
    pub aef_tables: Vec<TableSpec>,
    /// Picklists by name.
    pub picklists: BTreeMap<String, Picklist>,
}

impl Spec {
    /// A baseline or AEF table by name.
    pub fn table(&self, name: &str) -> Option<&TableSpec> {
        self.tables
            .iter()
            .chain(&self.aef_tables)
            .find(|t| t.name == name)
    }

    /// A picklist by name.
    pub fn picklist(&self, name: &str) -> Option<&Picklist> {
        self.picklists.get(name)
    }

    /// The values of an enumerated picklist (empty for free text or an unknown name).
    pub fn picklist_values(&self, name: &str) -> &[String] {
        match self.picklists.get(name) {
            Some(Picklist::Values(v)) => v,
            _ => &[],
        }
    }

    /// Whether `value` is in the picklist `name` (false for an unknown picklist).
    pub fn allows(&self, name: &str, value: &str) -> bool {
        self.picklists.get(name).is_some_and(|p| p.allows(value))
    }
}

/// The vendored schema, parsed once.
pub fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| parse(SCHEMA_JSON).expect("the vendored CAD Trust schema parses"))
}

/// Parses a CAD Trust schema document of the v2.0.2 shape.
pub fn parse(text: &str) -> Result<Spec, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let str_of = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let order = |v: &Value| -> Result<Vec<String>, String> {
        v.get("insert_order")
            .and_then(Value::as_array)
            .ok_or("insert_order missing")?
            .iter()
            .map(|s| {
                s.as_str()
                    .map(str::to_owned)
                    .ok_or("insert_order entry".to_owned())
            })
            .collect()
    };
    let table = |name: &str, t: &Value, group: TableGroup| -> Result<TableSpec, String> {
        let fields = t
            .get("fields")
            .and_then(Value::as_object)
            .ok_or(format!("table {name}: fields missing"))?
            .iter()
            .map(|(column, f)| {
                let type_name = str_of(f, "type");
                Ok(FieldSpec {
                    column: column.clone(),
                    api_field: str_of(f, "apiField"),
                    field_type: FieldType::parse(&type_name)
                        .ok_or(format!("{name}.{column}: unknown type {type_name:?}"))?,
                    type_name,
                    required: f.get("required").and_then(Value::as_bool).unwrap_or(false),
                    source: str_of(f, "source"),
                    picklist: f.get("picklist").and_then(Value::as_str).map(str::to_owned),
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(TableSpec {
            name: name.to_owned(),
            api_endpoint: str_of(t, "api_endpoint"),
            group,
            fields,
        })
    };
    let tables = order(&doc)?
        .iter()
        .map(|n| {
            let t = doc
                .pointer(&format!("/tables/{n}"))
                .ok_or(format!("table {n} missing"))?;
            table(n, t, TableGroup::Cadt)
        })
        .collect::<Result<Vec<_>, String>>()?;
    let aef = doc.get("aef_tables").ok_or("aef_tables missing")?;
    let aef_tables = order(aef)?
        .iter()
        .map(|n| {
            table(
                n,
                aef.get(n).ok_or(format!("table {n} missing"))?,
                TableGroup::Aef,
            )
        })
        .collect::<Result<Vec<_>, String>>()?;
    let picklists = doc
        .get("picklists")
        .and_then(Value::as_object)
        .ok_or("picklists missing")?
        .iter()
        .map(|(k, v)| {
            let p = match v.as_array() {
                Some(values) => Picklist::Values(
                    values
                        .iter()
                        .filter_map(|x| x.as_str().map(str::to_owned))
                        .collect(),
                ),
                None => Picklist::FreeText,
            };
            (k.clone(), p)
        })
        .collect();
    Ok(Spec {
        version: str_of(&doc, "version"),
        picklist_version_date: str_of(&doc, "picklist_version_date"),
        tables,
        aef_tables,
        picklists,
    })
}

/// A way an exported record breaks the schema.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// Table.
    pub table: String,
    /// API field (empty for the record as a whole).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}: {}", self.table, self.field, self.message)
    }
}

/// Checks `record` against the table `table` of the vendored schema: an object with no
/// other keys than the table's API fields; required fields present and not empty; picklist
/// fields (every element of an array field) members of their picklist; and types — GUID
/// (a UUID, or a 64-hex CADT organisation uid), Date (ISO 8601 date or date-time), Year
/// (integer 1900–2100), Decimal (a number or numeric string), URL (http or https), Array
/// of strings, String/Text, and the API timestamps (ISO 8601 date-time).
pub fn validate_record(table: &str, record: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    let v = |field: &str, message: String| Violation {
        table: table.to_owned(),
        field: field.to_owned(),
        message,
    };
    let spec = spec();
    let Some(t) = spec.table(table) else {
        out.push(v("", "no such table in CAD Trust v2.0.2".into()));
        return out;
    };
    let Some(obj) = record.as_object() else {
        out.push(v("", "a record must be a JSON object".into()));
        return out;
    };
    for key in obj.keys() {
        if t.field(key).is_none() {
            out.push(v(key, "not a field of this table".into()));
        }
    }
    for f in &t.fields {
        let value = obj.get(&f.api_field).unwrap_or(&Value::Null);
        let empty = match value {
            Value::Null => true,
            Value::String(s) => s.trim().is_empty(),
            Value::Array(a) => a.is_empty(),
            _ => false,
        };
        if empty {
            if f.required {
                out.push(v(&f.api_field, "required but missing or empty".into()));
            }
            continue;
        }
        if let Some(problem) = check_type(spec, f, value) {
            out.push(v(&f.api_field, problem));
        }
    }
    out
}

fn check_type(spec: &Spec, f: &FieldSpec, value: &Value) -> Option<String> {
    let in_picklist = |s: &str| -> Option<String> {
        let name = f.picklist.as_deref()?;
        match spec.picklist(name) {
            None => Some(format!("unknown picklist {name}")),
            Some(p) if !p.allows(s) => Some(format!("{s:?} is not in picklist {name}")),
            Some(_) => None,
        }
    };
    let string = || value.as_str();
    match f.field_type {
        FieldType::StringArray => {
            let Some(items) = value.as_array() else {
                return Some("must be an array of strings".into());
            };
            for item in items {
                let Some(s) = item.as_str() else {
                    return Some("must be an array of strings".into());
                };
                if let Some(p) = in_picklist(s) {
                    return Some(p);
                }
            }
            None
        }
        FieldType::Picklist | FieldType::Text => match string() {
            Some(s) => in_picklist(s),
            None => Some("must be a string".into()),
        },
        FieldType::Guid => match string() {
            Some(s) if is_uuid(s) || is_org_uid(s) => None,
            _ => Some(format!("{value} is not a GUID")),
        },
        FieldType::Date => match string() {
            Some(s) if is_date(s) || is_timestamp(s) => None,
            _ => Some(format!("{value} is not an ISO 8601 date")),
        },
        FieldType::Timestamp => match string() {
            Some(s) if is_timestamp(s) => None,
            _ => Some(format!("{value} is not an ISO 8601 date-time")),
        },
        FieldType::Year => match value.as_i64() {
            Some(y) if (1900..=2100).contains(&y) => None,
            _ => Some(format!("{value} is not a year between 1900 and 2100")),
        },
        FieldType::Decimal => match value {
            Value::Number(_) => None,
            Value::String(s) if s.parse::<f64>().is_ok_and(f64::is_finite) => None,
            _ => Some(format!("{value} is not a decimal number")),
        },
        FieldType::Url => match string() {
            Some(s) if is_url(s) => None,
            _ => Some(format!("{value} is not an http(s) URL")),
        },
    }
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36 && uuid::Uuid::parse_str(s).is_ok()
}

/// CADT organisation uids are Chia data-layer store ids: 64 hex digits.
fn is_org_uid(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() && s.len() == 10
}

fn is_timestamp(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

fn is_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !s.chars().any(char::is_whitespace)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_mapped_country_name_is_in_the_picklist() {
        use crate::country::{COUNTRIES, UNLISTED};
        for (code, name, _) in COUNTRIES {
            assert!(
                spec().allows("location_country", name),
                "{code} maps to {name:?}, which is not in location_country"
            );
        }
        for (code, name) in UNLISTED {
            assert!(!spec().allows("location_country", name), "{code} is listed");
        }
    }

    use serde_json::json;

    use super::*;

    #[test]
    fn tables_come_in_insert_order_with_fields_in_schema_order() {
        let s = spec();
        assert_eq!(s.version, "2.0.2");
        let names: Vec<&str> = s.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "program",
                "methodology",
                "stakeholder",
                "label",
                "project",
                "project_methodology",
                "validation",
                "verification",
                "location",
                "estimation",
                "rating",
                "co_benefit",
                "issuance",
                "unit",
                "unit_label"
            ]
        );
        let aef: Vec<&str> = s.aef_tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(aef[0], "aef_t5_authorized_entities");
        assert_eq!(aef.len(), 5);
        let project = s.table("project").unwrap();
        let first: Vec<&str> = project.api_fields().take(3).collect();
        assert_eq!(
            first,
            ["cadTrustProjectId", "orgUid", "projectRegistryName"]
        );
        let sector = project.field("projectSector").unwrap();
        assert_eq!(sector.field_type, FieldType::StringArray);
        assert_eq!(sector.picklist.as_deref(), Some("project_sector"));
        assert!(sector.required);
        assert_eq!(
            s.table("co_benefit").unwrap().fields[1].api_field,
            "cobenefit"
        );
        assert_eq!(s.picklist("label_name"), Some(&Picklist::FreeText));
        assert!(s.allows("location_country", "Antigua and Barduba"));
        assert!(!s.allows(
            "aef_t5_authorized_entities_incorporation_country",
            "Australia"
        ));
    }

    fn valid_location() -> Value {
        json!({
            "cadTrustLocationId": "6a1e3c3e-8a53-5c1e-9d1c-0a3e4f5b6c7d",
            "locationCountry": "Brazil",
            "locationRegion": null,
            "locationGis": "-16.46, -39.25",
            "locationMapType": "GeoJSON",
            "locationMapFileLink": "http://127.0.0.1:8080/projects/OGCR-BR-0001",
            "createdAt": "2024-02-15T09:00:00.000Z",
            "updatedAt": "2024-02-15T09:00:00.000Z",
            "cadTrustProjectId": "0b0e7f3e-8a53-5c1e-9d1c-0a3e4f5b6c7d"
        })
    }

    #[test]
    fn a_valid_record_passes() {
        assert_eq!(validate_record("location", &valid_location()), vec![]);
    }

    #[test]
    fn bad_records_name_every_problem() {
        let mut r = valid_location();
        r["locationCountry"] = json!("Brasil");
        r["locationMapType"] = json!("geojson");
        r["locationMapFileLink"] = json!("ogcr://sha256/ab");
        r["cadTrustProjectId"] = json!("OGCR-BR-0001");
        r["createdAt"] = json!("15/02/2024");
        r["country"] = json!("Brazil");
        r.as_object_mut().unwrap().remove("updatedAt");
        let fields: Vec<String> = validate_record("location", &r)
            .into_iter()
            .map(|v| v.field)
            .collect();
        assert_eq!(
            fields,
            [
                "country",
                "locationCountry",
                "locationMapType",
                "locationMapFileLink",
                "createdAt",
                "updatedAt",
                "cadTrustProjectId"
            ]
        );
        let unit = json!({"unitVintageYear": 1850, "unitCount": "many", "unitStatus": "Active"});
        let problems = validate_record("unit", &unit);
        let find = |f: &str| {
            problems
                .iter()
                .find(|v| v.field == f)
                .unwrap()
                .message
                .clone()
        };
        assert!(find("unitVintageYear").contains("between 1900 and 2100"));
        assert!(find("unitCount").contains("decimal"));
        assert!(find("unitStatus").contains("not in picklist unit_status"));
        assert!(find("unitSerialId").contains("required"));
        let project =
            json!({"projectSector": ["Agriculture", "Energy"], "projectType": "Reforestation"});
        let problems = validate_record("project", &project);
        let find = |f: &str| {
            problems
                .iter()
                .find(|v| v.field == f)
                .unwrap()
                .message
                .clone()
        };
        assert!(find("projectSector").contains("\"Energy\" is not in picklist"));
        assert!(find("projectType").contains("array"));
        assert_eq!(
            validate_record("nope", &json!({}))[0].message,
            "no such table in CAD Trust v2.0.2"
        );
        assert!(!validate_record("label", &json!([])).is_empty());
    }

    #[test]
    fn free_text_picklists_take_any_string() {
        let label = json!({
            "cadTrustLabelId": "6a1e3c3e-8a53-5c1e-9d1c-0a3e4f5b6c7d",
            "labelName": "anything at all",
            "labelType": "Certification",
            "createdAt": "2024-02-15T09:00:00.000Z",
            "updatedAt": "2024-02-15T09:00:00Z"
        });
        assert_eq!(validate_record("label", &label), vec![]);
    }

    #[test]
    fn the_vendored_schema_equals_the_shared_copy() {
        let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/specs/cadt/cadtrust-schema-v2.0.2.json");
        match std::fs::read_to_string(&shared) {
            Ok(text) => assert_eq!(
                text,
                SCHEMA_JSON,
                "spec/cadtrust-schema-v2.0.2.json differs from {}",
                shared.display()
            ),
            Err(_) => eprintln!(
                "skipping: {} is absent (a clone without shared/); the vendored copy is used as is",
                shared.display()
            ),
        }
    }
}
