//! The OpenAPI 3.1 document, generated from the handlers and response types, and a docs page
//! rendered from it.

use axum::{
    Json,
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};
use utoipa::OpenApi;

use crate::{AppState, error, routes, views};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "OGCR read API",
        description = "Read-only API over the ogcr indexer's database: projects (OGCR PDD GeoJSON \
            Features), monitoring reports (OGCR MRV Features), credits (Carbon Removal Unit serial \
            blocks), retirements and the raw on-chain event feed of an ogcr deployment, and the same data \
            as CAD Trust Data Model v2.0.2 tables and Article 6 AEF tables.\n\n\
            Lists take `limit` (1–100) and either `offset` (the answer has `total`) or `cursor` \
            (the previous page's `next_cursor`; every page costs the same). Answers carry a strong \
            `ETag`: send it back in `If-None-Match` to get `304 Not Modified`. Errors use the \
            OGCR error body with field-level details and the request id. Clients beyond the rate \
            limit get `429` with `Retry-After`. The CAD Trust and AEF tables page as the CADT \
            API does: `page` and `limit` (1–1000) are required and answers are \
            `{page, pageCount, data}`.",
        license(name = "Apache-2.0"),
    ),
    paths(
        routes::meta::health,
        routes::meta::metrics,
        routes::projects::list,
        routes::projects::one,
        routes::projects::history,
        routes::projects::version,
        routes::monitoring::list,
        routes::monitoring::one,
        routes::monitoring::verification,
        routes::credits::list,
        routes::credits::one,
        routes::credits::retirements,
        routes::credits::retirement,
        routes::accounts::one,
        routes::stats::stats,
        routes::events::list,
        routes::stream::stream,
        routes::exports::cadt,
        routes::exports::aef,
    ),
    components(schemas(
        error::ErrorBody,
        views::Pagination,
        views::LedgerReference,
        views::Link,
        views::UnverifiedProjectFeature,
        views::UnverifiedMrvFeature,
    )),
    tags(
        (name = "projects", description = "Projects and their PDDs"),
        (name = "monitoring", description = "Monitoring, reporting and verification"),
        (name = "credits", description = "Carbon Removal Units and retirements"),
        (name = "events", description = "The raw on-chain event feed"),
        (name = "exports", description = "CAD Trust Data Model v2.0.2 and Article 6 AEF tables"),
        (name = "meta", description = "Health and metrics"),
    )
)]
struct ApiDoc;

/// The OpenAPI document for a server at `public_url`, with the OGCR PDD and MRV JSON Schemas
/// as components (`PddDocument`, `MrvDocument`) that the Feature bodies refer to.
pub fn spec(public_url: &str) -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the document serialises");
    doc["info"]["version"] = env!("CARGO_PKG_VERSION").into();
    doc["servers"] = json!([{"url": public_url, "description": "this server"}]);
    let schemas = &mut doc["components"]["schemas"];
    for (name, text) in [
        ("PddDocument", ogcr_core::validation::schema::PDD_SCHEMA),
        ("MrvDocument", ogcr_core::validation::schema::MRV_SCHEMA),
    ] {
        let mut s: Value = serde_json::from_str(text).expect("vendored schemas parse");
        // The schema's own `$defs` become components, and its `#/$defs/…` refs point at them,
        // so that tools resolving refs against the OpenAPI document find them.
        let defs = s
            .as_object_mut()
            .and_then(|o| {
                o.remove("$schema");
                o.remove("$defs")
            })
            .and_then(|d| d.as_object().cloned())
            .unwrap_or_default();
        let mut rewritten = Vec::new();
        for (def, mut body) in defs {
            relocate_refs(&mut body, name);
            rewritten.push((format!("{name}_{def}"), body));
        }
        relocate_refs(&mut s, name);
        schemas[name] = s;
        for (def, body) in rewritten {
            schemas[def] = body;
        }
    }
    // A Feature is its verified document, or before the document is verified a skeleton from
    // chain data that says so.
    for (feature, document, skeleton, what) in [
        (
            "ProjectFeature",
            "PddDocument",
            "UnverifiedProjectFeature",
            "PDD",
        ),
        (
            "MrvFeature",
            "MrvDocument",
            "UnverifiedMrvFeature",
            "MRV report",
        ),
    ] {
        let example = schemas[feature].get("example").cloned();
        let mut s = json!({
            "description": format!(
                "The verified OGCR {what} with the registry's members, or — while the document \
                 has not been fetched or does not match its on-chain hash — a Feature from chain \
                 data whose `document.status` is `unverified`"
            ),
            "anyOf": [
                {"$ref": format!("#/components/schemas/{document}")},
                {"$ref": format!("#/components/schemas/{skeleton}")},
            ],
        });
        if let Some(e) = example {
            s["examples"] = json!([e]);
        }
        schemas[feature] = s;
    }
    add_shared_responses(&mut doc);
    doc
}

/// The answers every data route can give besides its own: 429 from the rate limiter (which
/// exempts `/health` and `/metrics`) and 503 when the database does not answer or has not
/// been indexed yet (`/health` documents its own; `/metrics` reads no database). Both carry
/// `Retry-After`.
fn add_shared_responses(doc: &mut Value) {
    let shared = [
        (
            "429",
            "Rate limited (RATE_LIMIT_EXCEEDED); retry after `Retry-After` seconds",
        ),
        (
            "503",
            "The database does not answer, or the indexer has not indexed it yet \
             (SERVICE_UNAVAILABLE); retry after `Retry-After` seconds",
        ),
    ];
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        if matches!(path.as_str(), "/health" | "/metrics") {
            continue;
        }
        for op in item
            .as_object_mut()
            .into_iter()
            .flat_map(|o| o.values_mut())
        {
            let Some(responses) = op["responses"].as_object_mut() else {
                continue;
            };
            for (code, description) in shared {
                responses.entry(code).or_insert_with(|| {
                    json!({
                        "description": description,
                        "headers": {"Retry-After": {
                            "description": "Seconds to wait before retrying",
                            "schema": {"type": "integer", "minimum": 1},
                        }},
                        "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/ErrorBody"},
                        }},
                    })
                });
            }
        }
    }
}

/// Rewrites `#/$defs/X` refs inside an embedded schema to `#/components/schemas/{owner}_X`.
fn relocate_refs(v: &mut Value, owner: &str) {
    match v {
        Value::Object(o) => {
            if let Some(Value::String(r)) = o.get_mut("$ref")
                && let Some(def) = r.strip_prefix("#/$defs/")
            {
                *r = format!("#/components/schemas/{owner}_{def}");
            }
            o.values_mut().for_each(|x| relocate_refs(x, owner));
        }
        Value::Array(a) => a.iter_mut().for_each(|x| relocate_refs(x, owner)),
        _ => {}
    }
}

/// Merges a partial document (`paths`, `components.*`, `tags`) into `doc`: operations join the
/// path items of the same path, components and tags are added.
pub fn merge(doc: &mut Value, extra: &Value) {
    if let Some(paths) = extra["paths"].as_object() {
        for (path, item) in paths {
            let target = &mut doc["paths"][path];
            if !target.is_object() {
                *target = json!({});
            }
            for (method, op) in item.as_object().into_iter().flatten() {
                target[method] = op.clone();
            }
        }
    }
    if let Some(components) = extra["components"].as_object() {
        for (kind, entries) in components {
            for (name, v) in entries.as_object().into_iter().flatten() {
                doc["components"][kind][name] = v.clone();
            }
        }
    }
    if let (Some(tags), Some(more)) = (doc["tags"].as_array_mut(), extra["tags"].as_array()) {
        tags.extend(more.iter().cloned());
    }
    if extra["paths"].is_object() {
        doc["info"]["title"] = json!("OGCR API");
        let d = doc["info"]["description"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        doc["info"]["description"] = json!(format!(
            "{d}\n\nWrites (POST/PUT) authenticate with an API key (`Authorization: Bearer …`), \
             need the scope each operation names and the organization's on-chain role, and answer \
             `202 Accepted` with a task (`Location: /tasks/{{id}}`), or with `Prefer: wait=N` the \
             indexed resource. `Idempotency-Key` makes a retry safe."
        ));
    }
}

/// `GET /openapi.json`.
pub async fn document(State(state): State<AppState>) -> Response {
    let mut resp = Json(state.openapi.as_ref().clone()).into_response();
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    resp
}

/// `GET /`: where things are.
pub async fn index(State(state): State<AppState>) -> Json<Value> {
    Json(json!({
        "name": "ogcr read API",
        "version": env!("CARGO_PKG_VERSION"),
        "docs": state.url("/docs"),
        "openapi": state.url("/openapi.json"),
        "health": state.url("/health"),
        "projects": state.url("/projects"),
        "credits": state.url("/credits"),
        "retirements": state.url("/retirements"),
        "events": state.url("/events"),
    }))
}

/// `/docs`: the OpenAPI document in Swagger UI (its files vendored by utoipa-swagger-ui and
/// served by ogcr: no CDN), reading `/openapi.json` — the read API and, when on, the write
/// API with their security schemes; "Try it out" sends real requests to this server.
pub fn docs() -> axum::Router {
    utoipa_swagger_ui::SwaggerUi::new("/docs")
        .config(
            utoipa_swagger_ui::Config::from("/openapi.json")
                .try_it_out_enabled(true)
                .display_request_duration(true)
                .filter(true),
        )
        .into()
}
