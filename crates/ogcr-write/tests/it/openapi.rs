//! The OpenAPI document `ogcr serve` publishes with the write API on: a valid OpenAPI 3.1
//! document (parsed by the `oas3` crate), unique operation ids, every `$ref` resolving, every
//! path parameter declared, and every write operation documented with its security, request
//! body with an example, and every status it can answer.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

fn document() -> Value {
    let mut doc = ogcr_api::openapi::spec("http://127.0.0.1:8080");
    ogcr_api::openapi::merge(&mut doc, &ogcr_write::openapi::openapi());
    doc
}

fn pointer<'a>(doc: &'a Value, r: &str) -> Option<&'a Value> {
    doc.pointer(r.strip_prefix('#')?)
}

fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(o) => {
            if let Some(Value::String(r)) = o.get("$ref") {
                out.push(r);
            }
            o.values().for_each(|x| refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[test]
fn the_document_is_valid_openapi_3_1() {
    let doc = document();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let text = serde_json::to_string(&doc).unwrap();
    if let Err(e) = oas3::from_json(&text) {
        panic!("not a valid OpenAPI 3.1 document: {e}");
    }
}

#[test]
fn operation_ids_are_unique_and_refs_resolve() {
    let doc = document();
    let mut ids = BTreeMap::<String, String>::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            if let Some(prev) = ids.insert(id.to_owned(), format!("{method} {path}")) {
                panic!("operationId {id} of {method} {path} repeats {prev}");
            }
            // Every {param} of the template is declared as a path parameter.
            let declared: BTreeSet<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .filter_map(|p| p["name"].as_str())
                .collect();
            let template: BTreeSet<&str> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                .collect();
            assert_eq!(declared, template, "{method} {path}: path parameters");
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 20);
    for r in all {
        assert!(pointer(&doc, r).is_some(), "$ref {r} does not resolve");
    }
}

#[test]
fn every_write_operation_documents_security_body_and_statuses() {
    let doc = document();
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    let mut writes = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if method == "get" || op["tags"][0] == "webhooks" {
                continue;
            }
            writes += 1;
            let what = format!("{method} {path}");
            let security = op["security"][0]["bearer"]
                .as_array()
                .unwrap_or_else(|| panic!("{what}: no security"));
            assert_eq!(security.len(), 1, "{what}: one scope");
            let scope = security[0].as_str().unwrap();
            assert!(
                ogcr_write::Scope::parse(scope).is_ok(),
                "{what}: scope {scope}"
            );
            let body = &op["requestBody"]["content"]["application/json"];
            assert!(body["schema"].is_object(), "{what}: request schema");
            assert!(!body["example"].is_null(), "{what}: request example");
            for status in [
                "202", "400", "401", "403", "404", "409", "422", "429", "503",
            ] {
                assert!(
                    op["responses"][status].is_object(),
                    "{what}: {status} undocumented"
                );
            }
            assert!(
                op["responses"]["200"].is_object() || op["responses"]["201"].is_object(),
                "{what}: no final answer"
            );
        }
    }
    assert_eq!(writes, 15, "the write routes");
}

#[test]
fn request_examples_name_only_fields_of_their_schema() {
    let doc = document();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let content = &op["requestBody"]["content"]["application/json"];
            let Some(r) = content["schema"]["$ref"].as_str() else {
                continue;
            };
            let schema = pointer(&doc, r).unwrap();
            let Some(props) = schema["properties"].as_object() else {
                continue;
            };
            if r.ends_with("Document") {
                continue;
            }
            for key in content["example"].as_object().unwrap().keys() {
                assert!(
                    props.contains_key(key),
                    "{method} {path}: example field {key} is not in {r}"
                );
            }
        }
    }
}

#[test]
fn every_webhook_operation_documents_its_scope_and_statuses() {
    let doc = document();
    let mut ops = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op["tags"][0] != "webhooks" {
                continue;
            }
            ops += 1;
            let what = format!("{method} {path}");
            assert!(path.starts_with("/webhooks"), "{what}");
            assert_eq!(
                op["security"][0]["bearer"],
                serde_json::json!(["webhooks:manage"]),
                "{what}: scope"
            );
            for status in ["401", "403", "429", "503"] {
                assert!(
                    op["responses"][status].is_object(),
                    "{what}: {status} undocumented"
                );
            }
            if path.contains("{webhook_id}") {
                assert!(op["responses"]["404"].is_object(), "{what}: 404");
            }
        }
    }
    assert_eq!(ops, 6, "the webhook routes");
    let create = &doc["paths"]["/webhooks"]["post"];
    for status in ["201", "400", "409", "422"] {
        assert!(
            create["responses"][status].is_object(),
            "POST /webhooks: {status}"
        );
    }
    let body = &doc["components"]["schemas"]["CreateWebhookBody"];
    assert_eq!(body["required"], serde_json::json!(["url", "events"]));
    assert_eq!(
        body["properties"]["events"]["items"]["enum"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
    // The view never documents the stored secret except the one-time generated one.
    let view = &doc["components"]["schemas"]["WebhookView"]["properties"];
    assert!(view["secret"].is_object() && view["url"].is_object());
}
