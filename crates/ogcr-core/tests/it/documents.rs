//! OGCR documents: schema validation, business rules, methodology extensions, CRU view.

use std::path::PathBuf;

use ogcr_core::{
    CruView, Document, DocumentKind, Mrv, Pdd,
    methodology::{MethodologyRegistry, MethodologyVersion},
    validation::{Report, ValidationContext, schema, validate_json, validate_value},
};
use serde_json::{Value, json};

fn example(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples-data")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn example_value(name: &str) -> Value {
    serde_json::from_str(&example(name)).unwrap()
}

fn pdd(name: &str) -> Pdd {
    serde_json::from_str(&example(name)).unwrap()
}

fn mrv(name: &str) -> Mrv {
    serde_json::from_str(&example(name)).unwrap()
}

fn codes(report: &Report) -> Vec<(&str, &str)> {
    report
        .issues
        .iter()
        .map(|i| (i.code.as_str(), i.pointer.as_str()))
        .collect()
}

#[test]
fn realistic_examples_are_valid() {
    let reg = MethodologyRegistry::builtin();
    let projects = [
        pdd("pdd-br-reforestation.geojson"),
        pdd("pdd-br-neighbour.geojson"),
    ];
    let reports = [mrv("mrv-br-2024.geojson")];
    let ctx = ValidationContext {
        methodologies: &reg,
        projects: Some(&projects),
        reports: Some(&reports),
    };
    for name in [
        "pdd-br-reforestation.geojson",
        "pdd-br-neighbour.geojson",
        "mrv-br-2024.geojson",
    ] {
        let report = validate_json(&example(name), None, &ctx);
        assert!(report.is_valid(), "{name}: {:#?}", report.issues);
        assert!(report.document.is_some());
    }
    let report = validate_json(&example("mrv-br-2024.geojson"), None, &ctx);
    assert_eq!(report.kind, Some(DocumentKind::Mrv));
}

#[test]
fn every_schema_problem_is_listed_at_once_with_a_hint() {
    let reg = MethodologyRegistry::builtin();
    let report = validate_json(
        &example("pdd-invalid.geojson"),
        None,
        &ValidationContext::new(&reg),
    );
    assert_eq!(report.kind, Some(DocumentKind::Pdd));
    let found = codes(&report);
    for expected in [
        ("SCHEMA_PATTERN", "/id"),
        ("SCHEMA_PATTERN", "/ogcr_version"),
        ("SCHEMA_MINITEMS", "/bbox"),
        ("SCHEMA_MINLENGTH", "/properties/name"),
        ("SCHEMA_FORMAT", "/properties/creation_date"),
        ("SCHEMA_ENUM", "/properties/project_type"),
        ("SCHEMA_REQUIRED", "/properties/actor_id"),
        ("SCHEMA_PATTERN", "/properties/methodology/version"),
        ("SCHEMA_MINIMUM", "/properties/expected_annual_benefit"),
        ("SCHEMA_ADDITIONALPROPERTIES", "/properties/carbon_price"),
    ] {
        assert!(
            found.contains(&expected),
            "missing {expected:?} in {found:#?}"
        );
    }
    for issue in &report.issues {
        assert!(
            !issue.message.is_empty() && !issue.hint.is_empty(),
            "{issue:?}"
        );
    }
    let enum_hint = &report
        .issues
        .iter()
        .find(|i| i.code == "SCHEMA_ENUM")
        .unwrap()
        .hint;
    assert!(enum_hint.contains("\"reforestation\""), "{enum_hint}");
}

#[test]
fn unreadable_input_is_one_issue_not_a_panic() {
    let reg = MethodologyRegistry::builtin();
    let ctx = ValidationContext::new(&reg);
    for text in [
        "",
        "{",
        "[]",
        "null",
        "{\"type\":\"Feature\"}",
        "{\"profile\":\"cru\"}",
    ] {
        let report = validate_json(text, None, &ctx);
        assert!(!report.is_valid(), "{text:?}");
        assert_eq!(
            report.issues[0].code, "UNREADABLE",
            "{text:?}: {:?}",
            report.issues
        );
    }
    // Forcing the kind validates anything against that schema.
    let report = validate_json("[]", Some(DocumentKind::Mrv), &ctx);
    assert_eq!(codes(&report), vec![("SCHEMA_TYPE", "")]);
}

#[test]
fn no_mutation_of_a_valid_document_panics() {
    let reg = MethodologyRegistry::builtin();
    let projects = [pdd("pdd-br-reforestation.geojson")];
    let reports = [mrv("mrv-br-2024.geojson")];
    let ctx = ValidationContext {
        methodologies: &reg,
        projects: Some(&projects),
        reports: Some(&reports),
    };
    for name in ["pdd-br-reforestation.geojson", "mrv-br-2024.geojson"] {
        let doc = example_value(name);
        let mut pointers = Vec::new();
        collect_pointers(&doc, String::new(), &mut pointers);
        let replacements = [
            json!(null),
            json!(""),
            json!(-1e308),
            json!(1e308),
            json!([]),
            json!({}),
            json!([[0, 0]]),
            json!("2024-13-45"),
        ];
        let mut invalid = 0;
        for ptr in &pointers {
            for r in &replacements {
                let mut d = doc.clone();
                *d.pointer_mut(ptr).unwrap() = r.clone();
                let report = validate_value(&d, None, &ctx);
                invalid += usize::from(!report.is_valid());
            }
        }
        assert!(
            invalid > pointers.len(),
            "{name}: mutations are detected ({invalid})"
        );
    }
}

fn collect_pointers(v: &Value, at: String, out: &mut Vec<String>) {
    if !at.is_empty() {
        out.push(at.clone());
    }
    match v {
        Value::Object(m) => m
            .iter()
            .for_each(|(k, v)| collect_pointers(v, format!("{at}/{k}"), out)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, v)| collect_pointers(v, format!("{at}/{i}"), out)),
        _ => {}
    }
}

fn shifted(dx: f64, id: &str) -> Pdd {
    let mut p = pdd("pdd-br-reforestation.geojson");
    p.id = id.into();
    let mut v = serde_json::to_value(&p).unwrap();
    for ring in v["geometry"]["coordinates"].as_array_mut().unwrap() {
        for pos in ring.as_array_mut().unwrap() {
            pos[0] = json!(pos[0].as_f64().unwrap() + dx);
        }
    }
    let b = v["bbox"].as_array().unwrap().clone();
    v["bbox"] = json!([
        b[0].as_f64().unwrap() + dx,
        b[1],
        b[2].as_f64().unwrap() + dx,
        b[3]
    ]);
    serde_json::from_value(v).unwrap()
}

#[test]
fn project_areas_must_not_overlap_but_may_touch() {
    let reg = MethodologyRegistry::builtin();
    let base = pdd("pdd-br-reforestation.geojson");
    let neighbour = pdd("pdd-br-neighbour.geojson");
    let projects = [base.clone(), neighbour.clone()];
    let ctx = ValidationContext {
        methodologies: &reg,
        projects: Some(&projects),
        reports: None,
    };

    let touching = validate_value(&serde_json::to_value(&neighbour).unwrap(), None, &ctx);
    assert!(
        touching.is_valid(),
        "a shared edge is fine: {:?}",
        touching.issues
    );

    let overlapping = shifted(0.05, "OGCR-BR-0003");
    let report = validate_value(&serde_json::to_value(&overlapping).unwrap(), None, &ctx);
    let overlaps: Vec<_> = report
        .issues
        .iter()
        .filter(|i| i.code == "GEOMETRY_OVERLAP")
        .collect();
    assert_eq!(
        overlaps.len(),
        2,
        "overlaps both projects: {:?}",
        report.issues
    );
    assert!(overlaps.iter().any(|i| i.message.contains("OGCR-BR-0001")));

    let far = shifted(1.0, "OGCR-BR-0004");
    assert!(validate_value(&serde_json::to_value(&far).unwrap(), None, &ctx).is_valid());
}

#[test]
fn monitoring_periods_of_a_project_never_overlap() {
    let reg = MethodologyRegistry::builtin();
    let projects = [pdd("pdd-br-reforestation.geojson")];
    let reports = [mrv("mrv-br-2024.geojson")];
    let ctx = ValidationContext {
        methodologies: &reg,
        projects: Some(&projects),
        reports: Some(&reports),
    };
    let with_dates = |id: &str, start: &str, end: &str| {
        let mut v = example_value("mrv-br-2024.geojson");
        v["id"] = json!(id);
        v["properties"]["start_date"] = json!(start);
        v["properties"]["end_date"] = json!(end);
        validate_value(&v, None, &ctx)
    };
    let r = with_dates("M-2025", "2024-12-31", "2025-12-30");
    assert_eq!(
        codes(&r),
        vec![("PERIOD_OVERLAP", "/properties/start_date")],
        "shares 2024-12-31"
    );
    assert!(
        with_dates("M-2025", "2025-01-01", "2025-12-31").is_valid(),
        "adjacent periods are fine"
    );
    let r = with_dates("M-2025", "2025-06-01", "2025-06-01");
    assert_eq!(codes(&r), vec![("PERIOD_ORDER", "/properties/end_date")]);
    // The same MRV id is the same report, not an overlap.
    assert!(with_dates("OGCR-BR-0001-MRV-2024", "2024-01-01", "2024-12-31").is_valid());
}

#[test]
fn mrv_business_rules_each_have_their_code() {
    let reg = MethodologyRegistry::builtin();
    let projects = [pdd("pdd-br-reforestation.geojson")];
    let reports = [mrv("mrv-br-2024.geojson")];
    let ctx = ValidationContext {
        methodologies: &reg,
        projects: Some(&projects),
        reports: Some(&reports),
    };
    let report = validate_json(&example("mrv-rules-violations.geojson"), None, &ctx);
    let found = codes(&report);
    for expected in [
        ("BBOX_INCONSISTENT", "/bbox"),
        ("PERIOD_ORDER", "/properties/end_date"),
        ("UNCERTAINTY_BOUNDS", "/properties/total_uncertainty"),
        ("METHODOLOGY_MISMATCH", "/properties/methodology_id"),
    ] {
        assert!(
            found.contains(&expected),
            "missing {expected:?} in {found:#?}"
        );
    }
    let mut v = example_value("mrv-br-2024.geojson");
    v["properties"]["project_id"] = json!("OGCR-XX-9999");
    v["properties"]["methodology_id"] = json!("VM9999");
    let r = validate_value(&v, None, &ctx);
    assert!(
        codes(&r).contains(&("PROJECT_UNKNOWN", "/properties/project_id")),
        "{:?}",
        r.issues
    );
    assert!(
        codes(&r).contains(&("METHODOLOGY_UNKNOWN", "/properties/methodology_id")),
        "{:?}",
        r.issues
    );
}

#[test]
fn pdd_methodology_rules() {
    let reg = MethodologyRegistry::builtin();
    let ctx = ValidationContext::new(&reg);
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v = example_value("pdd-br-reforestation.geojson");
        f(&mut v);
        codes(&validate_value(&v, None, &ctx))
            .into_iter()
            .map(|(c, p)| (c.to_owned(), p.to_owned()))
            .collect::<Vec<_>>()
    };
    let one = |c: &str, p: &str| vec![(c.to_owned(), p.to_owned())];
    assert_eq!(
        with(&|v| v["properties"]["methodology"]["id"] = json!("VM9999")),
        one("METHODOLOGY_UNKNOWN", "/properties/methodology/id")
    );
    assert_eq!(
        with(&|v| v["properties"]["methodology"]["version"] = json!("2.0")),
        one(
            "METHODOLOGY_VERSION_UNKNOWN",
            "/properties/methodology/version"
        )
    );
    assert_eq!(
        with(&|v| v["properties"]["methodology"] =
            json!({"id": "PURO-BIOCHAR", "version": "2022.1.0"})),
        one("METHODOLOGY_PROJECT_TYPE", "/properties/project_type")
    );
    assert_eq!(
        with(&|v| {
            v["properties"]
                .as_object_mut()
                .unwrap()
                .remove("methodology");
        }),
        one("METHODOLOGY_MISSING", "/properties/methodology")
    );
    assert_eq!(
        with(&|v| v["properties"]["project_duration"]["end"] = json!("2023-01-01T00:00:00Z")),
        one("PERIOD_ORDER", "/properties/project_duration")
    );
    assert_eq!(
        with(&|v| v["geometry"]["coordinates"][0][5] = json!([-39.3, -16.49])),
        one("RING_NOT_CLOSED", "/geometry/coordinates/0")
    );
    assert_eq!(
        with(&|v| v["geometry"]["coordinates"][0][1] = json!([-39.2, -96.5])),
        vec![
            (
                "GEOMETRY_OUT_OF_RANGE".to_owned(),
                "/geometry/coordinates/0/1".to_owned()
            ),
            ("BBOX_INCONSISTENT".to_owned(), "/bbox".to_owned())
        ]
    );
}

#[test]
fn methodology_extension_constrains_parameters() {
    let reg = MethodologyRegistry::builtin();
    let ctx = ValidationContext::new(&reg);
    let mut v = example_value("mrv-br-2024.geojson");
    let params = v["properties"]["methodology_data"]["parameters"]
        .as_object_mut()
        .unwrap();
    params.remove("area_ha");
    params.insert("carbon_fraction".into(), json!(1.5));
    params.insert("stocking_index".into(), json!("high"));
    let r = validate_value(&v, None, &ctx);
    let found = codes(&r);
    assert!(
        found.contains(&(
            "SCHEMA_REQUIRED",
            "/properties/methodology_data/parameters/area_ha"
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&(
            "SCHEMA_MAXIMUM",
            "/properties/methodology_data/parameters/carbon_fraction"
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&(
            "SCHEMA_TYPE",
            "/properties/methodology_data/parameters/stocking_index"
        )),
        "{found:?}"
    );

    // Without the methodology registered only the base schema applies.
    let empty = MethodologyRegistry::new();
    let r = validate_value(&v, None, &ValidationContext::new(&empty));
    assert_eq!(
        codes(&r),
        vec![("METHODOLOGY_UNKNOWN", "/properties/methodology_id")]
    );
}

#[test]
fn extensions_cannot_relax_the_base_schema() {
    let mut reg = MethodologyRegistry::new();
    let permissive = MethodologyVersion {
        version: semver::Version::new(1, 0, 0),
        project_types: vec![ogcr_core::documents::pdd::ProjectType::Reforestation],
        monitoring_protocols: vec![],
        calculation_procedures: vec![],
        parameters_schema: Some(
            json!({"required": [], "additionalProperties": true, "properties": {"x": true}}),
        ),
    };
    reg.register("VM0047", "ARR", permissive).unwrap();
    let mut v = example_value("mrv-br-2024.geojson");
    v["properties"]
        .as_object_mut()
        .unwrap()
        .remove("net_removal_estimate");
    v["properties"]["extra"] = json!(1);
    let r = validate_value(&v, None, &ValidationContext::new(&reg));
    let found = codes(&r);
    assert!(
        found.contains(&("SCHEMA_REQUIRED", "/properties/net_removal_estimate")),
        "{found:?}"
    );
    assert!(
        found.contains(&("SCHEMA_ADDITIONALPROPERTIES", "/properties/extra")),
        "{found:?}"
    );
    // The composed schema namespaces the extension.
    let composed = schema::compose_mrv_schema("VM0047", &semver::Version::new(1, 0, 0), &json!({}));
    assert!(
        composed
            .to_string()
            .contains("urn:ogcr:methodology:VM0047:1.0.0:parameters")
    );
}

#[test]
fn kind_is_detected_from_content() {
    let mut v = example_value("mrv-br-2024.geojson");
    v.as_object_mut().unwrap().remove("profile");
    assert_eq!(DocumentKind::detect(&v), Some(DocumentKind::Mrv));
    let mut p = example_value("pdd-br-reforestation.geojson");
    p.as_object_mut().unwrap().remove("profile");
    assert_eq!(DocumentKind::detect(&p), Some(DocumentKind::Pdd));
    assert_eq!(DocumentKind::detect(&json!({"properties": {}})), None);
}

#[test]
fn typed_documents_round_trip() {
    let reg = MethodologyRegistry::builtin();
    let ctx = ValidationContext::new(&reg);
    let p = pdd("pdd-br-reforestation.geojson");
    let again = validate_value(&serde_json::to_value(&p).unwrap(), None, &ctx);
    assert!(again.is_valid(), "{:?}", again.issues);
    assert_eq!(again.document, Some(Document::Pdd(Box::new(p))));
    let m = mrv("mrv-br-2024.geojson");
    assert_eq!(m.net_removal_kg(), Some(1_250_500));
}

#[test]
fn cru_view_of_a_verified_mrv() {
    let p = pdd("pdd-br-reforestation.geojson");
    let m = mrv("mrv-br-2024.geojson");
    let cru = CruView::from_documents(&p, &m).unwrap();
    assert_eq!(cru.quantity_kg, 1_250_500);
    assert_eq!(cru.vintage, 2024);
    assert_eq!(cru.project_id, "OGCR-BR-0001");
    assert_eq!(cru.verifier.as_deref(), Some("ACME Verification Body"));

    let mut unverified = m.clone();
    unverified.properties.verification_status =
        Some(ogcr_core::documents::mrv::VerificationStatus::Pending);
    assert!(CruView::from_documents(&p, &unverified).is_err());
    let other = pdd("pdd-br-neighbour.geojson");
    assert!(CruView::from_documents(&other, &m).is_err());
}

/// Every constraint of the shared OGCR schema must be present, unchanged, in ours.
fn assert_contains(shared: &Value, ours: &Value, at: &str) {
    match (shared, ours) {
        (Value::Object(s), Value::Object(o)) => {
            for (k, sv) in s {
                let ov = o
                    .get(k)
                    .unwrap_or_else(|| panic!("our schema lacks {at}/{k}"));
                assert_contains(sv, ov, &format!("{at}/{k}"));
            }
        }
        _ => assert_eq!(shared, ours, "constraint at {at} differs"),
    }
}

#[test]
fn schemas_carry_every_constraint_of_the_shared_ogcr_schemas() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let shared = root.join("../shared/specs/ogcr");
    if !shared.is_dir() {
        eprintln!(
            "SKIPPED: {} is absent; cannot compare with the shared OGCR schemas",
            shared.display()
        );
        return;
    }
    for (file, ours) in [
        ("pdd-schema.json", schema::PDD_SCHEMA),
        ("mrv-schema.json", schema::MRV_SCHEMA),
    ] {
        let text = std::fs::read_to_string(shared.join(file)).unwrap();
        let shared_schema: Value = serde_json::from_str(&text).unwrap();
        let ours: Value = serde_json::from_str(ours).unwrap();
        assert_contains(&shared_schema, &ours, file);
    }
}

/// Issue 18: a PDD with two `"id"` keys is refused (parsers disagree on which one counts), at
/// the top level and inside nested objects; the same document without the duplicate passes.
#[test]
fn documents_with_duplicate_keys_are_refused() {
    let methodologies = MethodologyRegistry::builtin();
    let ctx = ValidationContext::new(&methodologies);
    let text = example("pdd-br-reforestation.geojson");
    assert!(validate_json(&text, Some(DocumentKind::Pdd), &ctx).is_valid());
    let twice = text.replacen(
        "\"id\": \"OGCR-BR-0001\",",
        "\"id\": \"OGCR-BR-0001\", \"id\": \"OGCR-BR-9999\",",
        1,
    );
    assert_ne!(twice, text);
    let r = validate_json(&twice, Some(DocumentKind::Pdd), &ctx);
    assert_eq!(codes(&r), vec![("DUPLICATE_KEY", "")], "{:?}", r.issues);
    assert!(r.document.is_none());
    assert!(r.issues[0].message.contains("\"id\""));
    let nested = text.replacen(
        "\"version\": \"1.0\",",
        "\"version\": \"1.0\", \"version\": \"2.0\",",
        1,
    );
    assert_ne!(nested, text);
    let r = validate_json(&nested, Some(DocumentKind::Pdd), &ctx);
    assert_eq!(
        codes(&r),
        vec![("DUPLICATE_KEY", "/properties/methodology")],
        "{:?}",
        r.issues
    );
}

/// Issue 18: a huge value is not echoed whole in its issue (jsonschema quotes the value).
#[test]
fn issues_do_not_echo_huge_values() {
    let methodologies = MethodologyRegistry::builtin();
    let ctx = ValidationContext::new(&methodologies);
    let mut doc = example_value("pdd-br-reforestation.geojson");
    doc["properties"]["description"] = json!("d".repeat(1_000_000));
    doc["properties"]["project_type"] = json!("x".repeat(1_000_000));
    let r = validate_json(&doc.to_string(), Some(DocumentKind::Pdd), &ctx);
    assert!(!r.is_valid());
    for i in &r.issues {
        let size = i.message.len() + i.hint.len() + i.pointer.len();
        assert!(
            size < 2_000,
            "{} bytes: {}…",
            size,
            &i.message[..80.min(i.message.len())]
        );
    }
}
