//! The OpenAPI 3.1 document, generated from the handlers and response types, and a docs page
//! rendered from it.

use axum::{
    Json,
    extract::State,
    http::{HeaderValue, header},
    response::{Html, IntoResponse, Response},
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
        routes::credits::list,
        routes::credits::one,
        routes::credits::retirements,
        routes::events::list,
        routes::exports::cadt,
        routes::exports::aef,
    ),
    components(schemas(error::ErrorBody, views::Pagination, views::LedgerReference, views::Link)),
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
        if let Some(o) = s.as_object_mut() {
            o.remove("$schema");
        }
        schemas[name] = s;
    }
    for (feature, document) in [
        ("ProjectFeature", "PddDocument"),
        ("MrvFeature", "MrvDocument"),
    ] {
        let example = schemas[feature].get("example").cloned();
        let mut s = json!({"$ref": format!("#/components/schemas/{document}")});
        if let Some(e) = example {
            s["examples"] = json!([e]);
        }
        schemas[feature] = s;
    }
    doc
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

/// `GET /docs`: the routes, their parameters and a curl example each, from the OpenAPI
/// document (self-contained HTML, no scripts).
pub async fn docs_page(State(state): State<AppState>) -> Response {
    let doc = state.openapi.as_ref();
    let mut html = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>ogcr read API</title>\
         <style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}\
         code,pre{background:#f4f4f4;padding:.1rem .3rem;border-radius:3px}pre{padding:.6rem;overflow-x:auto}\
         h2{border-top:1px solid #ddd;padding-top:1rem}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}</style>\
         </head><body>",
    );
    html.push_str(&format!(
        "<h1>{}</h1><p>{}</p><p>Machine-readable: <a href=\"/openapi.json\">/openapi.json</a> (OpenAPI {}).</p>",
        esc(doc["info"]["title"].as_str().unwrap_or("")),
        esc(doc["info"]["description"].as_str().unwrap_or("")).replace("\n\n", "</p><p>"),
        esc(doc["openapi"].as_str().unwrap_or("")),
    ));
    let base = state.config.public_url.trim_end_matches('/');
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            let Some(op) = item.get("get") else { continue };
            html.push_str(&format!(
                "<h2><code>GET {}</code></h2><p>{}</p>",
                esc(path),
                esc(op["summary"]
                    .as_str()
                    .or(op["description"].as_str())
                    .unwrap_or(""))
            ));
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            if !params.is_empty() {
                html.push_str("<table><tr><th>parameter</th><th>in</th><th>description</th></tr>");
                for p in &params {
                    html.push_str(&format!(
                        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                        esc(p["name"].as_str().unwrap_or("")),
                        esc(p["in"].as_str().unwrap_or("")),
                        esc(p["description"].as_str().unwrap_or(""))
                    ));
                }
                html.push_str("</table>");
            }
            html.push_str(&format!("<pre>curl -s '{}{}'</pre>", esc(base), esc(path)));
        }
    }
    html.push_str("</body></html>");
    let mut resp = Html(html).into_response();
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    resp
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
