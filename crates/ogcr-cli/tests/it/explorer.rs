//! The explorer over the database the lifecycle chain was indexed into (SQLite and
//! PostgreSQL): content negotiation at the API's URLs, and what each page states against the
//! API's JSON of the same resource.

use axum::{
    Router,
    body::Body,
    http::{Request, header},
};
use http_body_util::BodyExt;
use ogcr_store::Store;
use serde_json::Value;
use tower::ServiceExt;

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

struct Answer {
    status: u16,
    content_type: String,
    vary: String,
    etag: Option<String>,
    body: Vec<u8>,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

async fn get(app: &Router, uri: &str, accept: Option<&str>) -> Answer {
    let mut req = Request::get(uri);
    if let Some(a) = accept {
        req = req.header(header::ACCEPT, a);
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let h = |n: header::HeaderName| {
        resp.headers()
            .get_all(n)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (status, content_type, vary) = (
        resp.status().as_u16(),
        h(header::CONTENT_TYPE),
        h(header::VARY),
    );
    let etag = resp
        .headers()
        .get(header::ETAG)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Answer {
        status,
        content_type,
        vary,
        etag,
        body,
    }
}

async fn page(app: &Router, uri: &str, name: &str) -> String {
    let a = get(app, uri, Some(BROWSER)).await;
    assert_eq!(a.status, 200, "{name}: GET {uri} (browser): {}", a.text());
    assert!(
        a.content_type.starts_with("text/html"),
        "{name}: {uri} answered {}",
        a.content_type
    );
    a.text()
}

/// Checks the explorer over `store`, indexed from the lifecycle chain.
pub(crate) async fn check_explorer(store: &Store, name: &'static str) {
    let export = crate::api::export_config();
    let config = ogcr_api::ApiConfig {
        public_url: "http://registry.test".into(),
        rate_limit: None,
        limits: ogcr_api::Limits::default(),
        metrics: None,
        export: export.clone(),
    };
    let internal = ogcr_api::router(store.clone(), config.clone());
    let pages = ogcr_explorer::pages(
        store.clone(),
        internal.clone(),
        ogcr_explorer::ExplorerConfig::new("http://registry.test", &export),
    );
    let app = ogcr_api::router_full(store.clone(), config, None, Some(pages));

    // One URL, two representations: a browser gets the page, a program the JSON.
    for uri in [
        "/",
        "/projects",
        "/projects/OGCR-BR-0001",
        "/credits",
        "/credits/3",
        "/retirements",
        "/retirements/3",
    ] {
        let html = get(&app, uri, Some(BROWSER)).await;
        assert_eq!(html.status, 200, "{name}: {uri}: {}", html.text());
        assert!(html.content_type.starts_with("text/html"), "{name}: {uri}");
        assert!(html.vary.to_lowercase().contains("accept"), "{name}: {uri}");
        for accept in [None, Some("*/*"), Some("application/json")] {
            let json = get(&app, uri, accept).await;
            assert_eq!(json.status, 200, "{name}: {uri} {accept:?}");
            assert!(
                json.content_type.contains("json"),
                "{name}: {uri} {accept:?}: {}",
                json.content_type
            );
            assert!(json.vary.to_lowercase().contains("accept"), "{name}: {uri}");
            assert_eq!(json.json(), api_json(&internal, uri).await, "{uri}");
            assert_ne!(
                json.etag, html.etag,
                "{name}: {uri}: one tag per representation"
            );
        }
        // ?format overrides Accept both ways, and is not passed on to the API.
        let forced = get(&app, &format!("{uri}?format=json"), Some(BROWSER)).await;
        assert_eq!(
            forced.status,
            200,
            "{name}: {uri}?format=json: {}",
            forced.text()
        );
        assert!(forced.content_type.contains("json"), "{name}: {uri}");
        let forced = get(&app, &format!("{uri}?format=html"), None).await;
        assert!(
            forced.content_type.starts_with("text/html"),
            "{name}: {uri}"
        );
    }
    let bad = get(&app, "/projects?format=xml", Some(BROWSER)).await;
    assert_eq!(bad.status, 400, "{name}");
    assert!(bad.text().contains("format"), "{name}: {}", bad.text());
    // Unknown paths: an HTML page for a browser, the error body for a program.
    let missing = get(&app, "/no/such/page", Some(BROWSER)).await;
    assert_eq!(missing.status, 404);
    assert!(missing.content_type.starts_with("text/html"));
    assert!(missing.text().contains(&escape("/no/such/page")));
    let missing = get(&app, "/no/such/page", None).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["error"]["code"], "RESOURCE_NOT_FOUND");
    let missing = get(&app, "/projects/OGCR-XX-9999", Some(BROWSER)).await;
    assert_eq!(missing.status, 404, "{name}");
    assert!(missing.text().contains("OGCR-XX-9999"), "{name}");

    // The API's new project filters, which the explorer's search form uses.
    let api = |q: &'static str| {
        let internal = internal.clone();
        async move { api_json(&internal, q).await["pagination"]["total"].clone() }
    };
    let p = api_json(&internal, "/projects/OGCR-BR-0001").await;
    let word = p["properties"]["name"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .find(|w| w.len() > 4)
        .unwrap()
        .to_uppercase();
    let q = format!("/projects?q={word}");
    let found = api_json(&internal, &q).await;
    assert_eq!(found["pagination"]["total"], 1, "{name}: {q}");
    assert_eq!(api("/projects?q=vm0047").await, 1, "{name}: methodology");
    assert_eq!(api("/projects?q=zzzz%20nothing").await, 0, "{name}");
    assert_eq!(api("/projects?q=100%25").await, 0, "{name}: % is literal");
    let vintage = api_json(&internal, "/credits/1").await["vintage"].clone();
    let v = format!("/projects?vintage={vintage}");
    assert_eq!(
        api_json(&internal, &v).await["pagination"]["total"],
        1,
        "{name}"
    );
    assert_eq!(api("/projects?vintage=1999,2000").await, 0, "{name}");
    // The country indexed from the boundary.
    assert_eq!(api("/projects?country=BR").await, 1, "{name}");
    assert_eq!(api("/projects?country=br,ke").await, 1, "{name}");
    assert_eq!(api("/projects?country=KE").await, 0, "{name}");
    let bad = get(&app, "/projects?country=Brazil", None).await;
    assert_eq!(bad.status, 400, "{name}");
    assert!(bad.text().contains("country"), "{}", bad.text());
    let by_country = page(&app, "/projects?country=BR", name).await;
    assert!(
        by_country.contains("<option value=\"BR\" selected>Brazil</option>"),
        "{name}: the country filter offers Brazil, chosen"
    );
    let bad = get(&app, "/projects?vintage=soon", None).await;
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("vintage"), "{}", bad.text());
    // Credits by the project's country, by vintage list and range, and by serial range; projects
    // by vintage range.
    let all = api_json(&internal, "/credits?limit=100").await["pagination"]["total"].clone();
    assert!(all.as_i64().unwrap() > 0, "{name}");
    assert_eq!(
        api_json(&internal, "/credits?country=BR&limit=100").await["pagination"]["total"],
        all,
        "{name}"
    );
    assert_eq!(api("/credits?country=KE").await, 0, "{name}");
    let v = vintage.as_i64().unwrap();
    for q in [
        format!("/credits?vintage={v},1999&limit=100"),
        format!("/credits?vintage_from={v}&vintage_to={v}&limit=100"),
    ] {
        assert_eq!(
            api_json(&internal, &q).await["pagination"]["total"],
            all,
            "{name}: {q}"
        );
    }
    let q = format!("/credits?vintage_from={}", v + 1);
    assert_eq!(
        api_json(&internal, &q).await["pagination"]["total"],
        0,
        "{name}: {q}"
    );
    let q = format!("/projects?vintage_from={}&vintage_to={}", v - 1, v + 1);
    assert_eq!(
        api_json(&internal, &q).await["pagination"]["total"],
        1,
        "{name}: {q}"
    );
    let first = api_json(&internal, "/credits/1").await;
    let (s0, s1) = (
        first["serial_start"].as_i64().unwrap(),
        first["serial_end"].as_i64().unwrap(),
    );
    let serial = first["serial"].as_str().unwrap().to_owned();
    for q in [
        format!("/credits?serial_number_range={s0}-{s0}"),
        format!("/credits?serial_number_range={s1}"),
        format!("/credits?serial_number_range={serial}"),
    ] {
        let ids: Vec<String> = api_json(&internal, &q).await["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect();
        assert!(ids.contains(&"1".to_owned()), "{name}: {q}: {ids:?}");
    }
    let q = format!(
        "/credits?serial_number_range={}-{}",
        s1 + 1_000_000,
        s1 + 2_000_000
    );
    assert_eq!(
        api_json(&internal, &q).await["pagination"]["total"],
        0,
        "{name}: {q}"
    );

    // Home: the totals are the credits' own sums.
    let credits = api_json(&internal, "/credits?limit=100").await;
    let sum = |status: &str| -> i64 {
        credits["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| status.is_empty() || c["status"] == status)
            .map(|c| c["quantity_tco2e"].as_i64().unwrap())
            .sum()
    };
    // The verification of a report, as the MRVVerified event recorded it.
    let v = api_json(
        &internal,
        "/projects/OGCR-BR-0001/monitoring/1/verification",
    )
    .await;
    let verified = api_json(&internal, "/events?event=MRVVerified").await;
    let e = &verified["data"][0];
    assert_eq!(v["outcome"], "verified", "{name}: {v}");
    assert_eq!(v["verifier_name"], "SCS Global Services", "{name}");
    assert_eq!(
        v["ledger_reference"]["transaction_id"], e["transaction_hash"],
        "{name}"
    );
    assert_eq!(
        v["verifier"].as_str().unwrap(),
        e["args"]["verifier"].as_str().unwrap().to_lowercase(),
        "{name}"
    );
    let kg = v["verified_kg"].as_str().unwrap();
    assert!(
        e["args"].to_string().contains(kg),
        "{name}: {kg} kg in {}",
        e["args"]
    );
    let report = api_json(&internal, "/projects/OGCR-BR-0001/monitoring/1").await;
    assert!(
        report["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["rel"] == "verifier"
                && l["href"].as_str().unwrap().ends_with("/verification")),
        "{name}: the report links its verification"
    );
    assert_eq!(
        get(
            &app,
            "/projects/OGCR-BR-0001/monitoring/9/verification",
            None
        )
        .await
        .status,
        404
    );

    // GET /stats: the same sums, by status, vintage, type and country.
    let stats = api_json(&internal, "/stats").await;
    assert_eq!(stats["projects"], 1, "{name}: {stats}");
    assert_eq!(
        stats["projects_by_status"][0]["status"], "approved",
        "{name}"
    );
    for (field, status) in [
        ("issued", ""),
        ("active", "active"),
        ("retired", "retired"),
        ("buffer", "buffer"),
        ("cancelled", "cancelled"),
    ] {
        assert_eq!(
            stats["credits_tco2e"][field],
            sum(status),
            "{name}: {field}"
        );
    }
    assert_eq!(stats["by_vintage"][0]["key"], vintage.to_string(), "{name}");
    assert_eq!(stats["by_vintage"][0]["issued"], sum(""), "{name}");
    assert_eq!(
        stats["by_project_type"][0]["key"], "reforestation",
        "{name}"
    );
    assert_eq!(stats["by_country"][0]["key"], "Brazil", "{name}");
    assert_eq!(stats["by_country"][0]["code"], "BR", "{name}");
    assert!(
        stats["verified_tco2e"].as_f64().unwrap() >= sum("") as f64,
        "{name}"
    );
    let home = page(&app, "/", name).await;
    for (label, t) in [
        ("Issued", sum("")),
        ("Retired", sum("retired")),
        ("In buffer", sum("buffer")),
    ] {
        assert!(
            home.contains(&format!("<dt>{label}</dt><dd>{} t CO2e", thousands(t))),
            "{name}: home {label} {t}"
        );
    }

    // The project page: the PDD's name, the whole timeline, the verifier by name.
    let project = page(&app, "/projects/OGCR-BR-0001", name).await;
    assert!(
        project.contains(&escape(p["properties"]["name"].as_str().unwrap())),
        "{name}"
    );
    let history = api_json(&internal, "/projects/OGCR-BR-0001/history").await;
    let steps = history["status_history"].as_array().unwrap();
    assert_eq!(
        project.matches("<li data-to=").count(),
        steps.len(),
        "{name}: the timeline has every transition"
    );
    for s in steps {
        assert!(
            project.contains(&format!("<li data-to=\"{}\">", s["to"].as_str().unwrap())),
            "{name}"
        );
        assert!(
            project.contains(s["ledger_reference"]["transaction_id"].as_str().unwrap()),
            "{name}"
        );
    }
    assert!(
        project.contains("SCS Global Services"),
        "{name}: the verifier's name"
    );

    // The credit page: the retired block's tree reaches the issued block it was split from.
    let credit = page(&app, "/credits/3", name).await;
    for token in ["1", "3"] {
        assert!(
            credit.contains(&format!("data-token=\"{token}\"")),
            "{name}: block {token} in the provenance of 3"
        );
    }
    let retirement = api_json(&internal, "/retirements/3").await;
    let tx = retirement["ledger_reference"]["transaction_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(credit.contains(&tx), "{name}: the retirement in the tree");

    // The certificate: the retirement's facts, a QR code, its PDF, the check.
    let cert = page(&app, "/retirements/3", name).await;
    assert!(cert.contains(&escape(retirement["beneficiary"].as_str().unwrap())));
    assert!(cert.contains(&tx), "{name}");
    assert!(cert.contains("<svg"), "{name}: a QR code");
    let serials = format!(
        "-{}-{}</code>",
        retirement["serial_start"], retirement["serial_end"]
    );
    assert!(cert.contains(&serials), "{name}: {serials}");
    let pdf = get(&app, "/retirements/3/certificate.pdf", None).await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.content_type, "application/pdf");
    let text = String::from_utf8_lossy(&pdf.body);
    assert!(text.starts_with("%PDF-"), "{name}");
    assert_eq!(
        text.matches("/Type /Page").count() - text.matches("/Type /Pages").count(),
        1,
        "{name}: one page"
    );
    assert!(text.contains(&tx), "{name}: the PDF states the transaction");
    let check = page(&app, "/retirements/3/check", name).await;
    assert!(
        check.contains("Not checked") && check.contains("RPC"),
        "{name}: without an RPC endpoint the check says it cannot be made"
    );
    assert_eq!(
        get(&app, "/retirements/9/check", Some(BROWSER))
            .await
            .status,
        404
    );

    // The account page and the validation dashboard.
    let holder = retirement["owner"].as_str().unwrap().to_owned();
    let account = page(&app, &format!("/accounts/{holder}"), name).await;
    assert!(account.contains("/retirements/3"), "{name}");
    let validation = page(&app, "/explorer/validation", name).await;
    assert!(validation.contains("PDD version 1"), "{name}");
    assert!(validation.contains("Monitoring report 1"), "{name}");

    // Assets are the binary's own.
    let js = get(&app, "/assets/leaflet.js", None).await;
    assert_eq!(js.status, 200);
    assert!(js.content_type.starts_with("text/javascript"));
    assert_eq!(get(&app, "/assets/nope.js", None).await.status, 404);
}

fn thousands(n: i64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2f;")
}

/// The read API's JSON answer to `GET uri`.
async fn api_json(app: &Router, uri: &str) -> Value {
    let a = get(app, uri, None).await;
    assert_eq!(a.status, 200, "GET {uri}: {}", a.text());
    a.json()
}
