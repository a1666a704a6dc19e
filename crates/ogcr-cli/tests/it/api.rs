//! The read API over the database the real indexer filled from the lifecycle test's anvil
//! chain: every answer checked against what the lifecycle did, documents against the OGCR
//! schemas, filters and both paginations. Router calls without a socket.

use axum::{Router, body::Body, http::Request};
use http_body_util::BodyExt;
use ogcr_core::{DocumentKind, validation::schema};
use ogcr_store::Store;
use serde_json::Value;
use tower::ServiceExt;

use crate::lifecycle::{DEVELOPER, HOLDER, OPERATOR, VERIFIER};

struct Api {
    app: Router,
    name: &'static str,
}

impl Api {
    async fn get(&self, uri: &str) -> (u16, Value, Option<String>) {
        let resp = self
            .app
            .clone()
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let etag = resp
            .headers()
            .get("etag")
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, v, etag)
    }

    async fn ok(&self, uri: &str) -> Value {
        let (s, v, _) = self.get(uri).await;
        assert_eq!(s, 200, "{}: GET {uri}: {v}", self.name);
        v
    }

    /// Ids (by `key`) of every item of a list, following `cursor` pages of `limit`.
    async fn walk(&self, uri: &str, limit: usize, key: &str) -> Vec<String> {
        let sep = if uri.contains('?') { '&' } else { '?' };
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let page = match &next {
                None => self.ok(&format!("{uri}{sep}limit={limit}&cursor=")).await,
                Some(c) => {
                    self.ok(&format!("{uri}{sep}limit={limit}&cursor={c}"))
                        .await
                }
            };
            out.extend(
                page["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d[key].to_string()),
            );
            // The end is `has_more: false` (the feed's last page has a cursor too).
            if page["pagination"]["has_more"] != true {
                break;
            }
            next = Some(
                page["pagination"]["next_cursor"]
                    .as_str()
                    .expect("a page with more after it has a cursor")
                    .to_owned(),
            );
        }
        out
    }
}

fn lower(a: &str) -> String {
    a.to_lowercase()
}

fn schema_errors(kind: DocumentKind, doc: &Value) -> Vec<String> {
    schema::validate(schema::base_validator(kind), doc)
        .into_iter()
        .map(|i| format!("{} {}", i.pointer, i.message))
        .collect()
}

/// The lifecycle's validator (anvil account 2).
const VALIDATOR: &str = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

/// The accredited bodies of the lifecycle's validator and verifier, so that every CAD Trust
/// record is valid (an unconfigured body is exported as the address, with a warning).
pub(crate) fn export_config() -> ogcr_export::ExportConfig {
    let toml = format!(
        "[bodies]\n\"{VALIDATOR}\" = \"Earthood Services Private Limited\"\n\
         \"{VERIFIER}\" = \"SCS Global Services\"\n"
    );
    ogcr_export::ExportConfig::from_toml(&toml, "test").unwrap()
}

/// Checks the API answers over `store`, indexed from the lifecycle chain.
pub(crate) async fn check_api(store: &Store, name: &'static str) {
    let api = Api {
        app: ogcr_api::router(
            store.clone(),
            ogcr_api::ApiConfig {
                public_url: "http://registry.test".into(),
                rate_limit: None,
                limits: ogcr_api::Limits::default(),
                metrics: None,
                export: export_config(),
            },
        ),
        name,
    };

    // Projects: the PDD Feature, valid against the OGCR schema, with the on-chain status.
    let list = api.ok("/projects").await;
    assert_eq!(list["pagination"]["total"], 1, "{name}: {list}");
    let p = &list["data"][0];
    assert_eq!(p["id"], "OGCR-BR-0001");
    assert_eq!(p["properties"]["status"], "approved");
    assert_eq!(p["ledger_reference"]["ledger_id"], "eip155:31337");
    assert!(
        p["ledger_reference"]["transaction_id"]
            .as_str()
            .unwrap()
            .starts_with("0x")
    );
    assert_eq!(
        p["links"][0]["href"],
        "http://registry.test/projects/OGCR-BR-0001"
    );
    assert_eq!(
        schema_errors(DocumentKind::Pdd, p),
        Vec::<String>::new(),
        "{name}"
    );
    let one = api.ok("/projects/OGCR-BR-0001").await;
    assert_eq!(&one, p);
    for (query, n) in [
        ("status=approved", 1),
        ("status=draft,submitted", 0),
        ("project_type=reforestation", 1),
        ("project_type=biochar", 0),
        ("methodology=VM0047", 1),
        ("methodology=VM0042", 0),
        ("bbox=-40,-17,-39,-16", 1),
        ("bbox=10,10,11,11", 0),
        (&format!("actor={DEVELOPER}") as &str, 1),
        (&format!("actor={VERIFIER}"), 0),
        ("created_from=2020-01-01", 1),
        ("created_to=2020-01-01", 0),
        ("approved_from=2020-01-01", 1),
        ("approved_to=2020-01-01", 0),
    ] {
        let v = api.ok(&format!("/projects?{query}")).await;
        assert_eq!(v["pagination"]["total"], n, "{name}: {query}");
    }
    let h = api.ok("/projects/OGCR-BR-0001/history").await;
    assert_eq!(
        h["external_reference"],
        serde_json::json!({"registry": "Verra", "project_id": "3989"}),
        "{name}: the chain's external registry reference"
    );
    let cadt = api.ok("/cadt/v2/project?page=1&limit=10").await;
    assert_eq!(
        cadt["data"][0]["cadTrustReferenceProjectId"], "Verra-3989",
        "{name}: {cadt}"
    );
    let steps: Vec<String> = h["status_history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{}>{}",
                s["from"].as_str().unwrap(),
                s["to"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        steps,
        ["none>draft", "draft>submitted", "submitted>approved"],
        "{name}"
    );
    assert_eq!(h["versions"][0]["document_status"], "verified");
    assert_eq!(h["decisions"][0]["decision"], "validated");
    assert_eq!(
        h["decisions"][0]["actor_name"], "Earthood Services Private Limited",
        "{name}: the validator's body from the export configuration"
    );
    assert!(
        h["versions"][0].get("actor_name").is_none(),
        "{name}: the developer is named by no body"
    );
    assert_eq!(h["decisions"][0]["crediting_start"], "2023-01-01");
    let v1 = api.ok("/projects/OGCR-BR-0001/versions/1").await;
    assert_eq!(schema_errors(DocumentKind::Pdd, &v1), Vec::<String>::new());

    // Monitoring: the MRV Feature with its on-chain verification.
    let m = api.ok("/projects/OGCR-BR-0001/monitoring").await;
    assert_eq!(m["pagination"]["total"], 1);
    let r = &m["data"][0];
    assert_eq!(r["properties"]["verification_status"], "verified");
    assert!(r["properties"]["verification_date"].is_string());
    assert_eq!(
        schema_errors(DocumentKind::Mrv, r),
        Vec::<String>::new(),
        "{name}"
    );
    assert_eq!(&api.ok("/projects/OGCR-BR-0001/monitoring/1").await, r);
    assert_eq!(api.get("/projects/OGCR-BR-0001/monitoring/2").await.0, 404);
    for (query, n) in [
        ("status=verified", 1),
        ("status=pending,rejected", 0),
        (&format!("verifier={VERIFIER}") as &str, 1),
        ("period_from=2024-06-01&period_to=2024-07-01", 1),
        ("period_from=2025-01-01", 0),
    ] {
        let v = api
            .ok(&format!("/projects/OGCR-BR-0001/monitoring?{query}"))
            .await;
        assert_eq!(v["pagination"]["total"], n, "{name}: monitoring {query}");
    }

    // Credits: issued with buffer, split by a partial retirement, transferred.
    let c = api.ok("/credits").await;
    let view: Vec<(String, String, i64, String)> = c["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_owned(),
                t["owner"].as_str().unwrap().to_owned(),
                t["quantity_tco2e"].as_i64().unwrap(),
                t["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        view,
        vec![
            ("1".into(), lower(DEVELOPER), 750, "active".into()),
            ("2".into(), lower(OPERATOR), 100, "buffer".into()),
            ("3".into(), lower(HOLDER), 250, "retired".into()),
        ],
        "{name}"
    );
    assert_eq!(
        c["data"][0]["labels"],
        serde_json::json!(["CORSIA eligible"])
    );
    assert_eq!(c["data"][0]["vintage"], 2024);
    assert_eq!(c["data"][2]["parent_id"], "1");
    assert_eq!(c["data"][2]["retirement"]["beneficiary"], "Acme Airlines");
    for (query, ids) in [
        ("status=retired", vec!["3"]),
        ("status=active,buffer", vec!["1", "2"]),
        (&format!("owner={HOLDER}") as &str, vec!["3"]),
        ("project=OGCR-BR-0001&vintage=2024", vec!["1", "2", "3"]),
        ("vintage=2023", vec![]),
        ("label=corsia", vec!["1", "3"]),
        ("label=article6", vec![]),
        ("mrv_id=1", vec!["1", "2", "3"]),
    ] {
        let v = api.ok(&format!("/credits?{query}")).await;
        let got: Vec<&str> = v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap())
            .collect();
        assert_eq!(got, ids, "{name}: credits {query}");
    }
    assert_eq!(
        api.ok("/credits/3").await["retirement"]["quantity_tco2e"],
        250
    );
    assert_eq!(api.get("/credits/4").await.0, 404);
    assert_eq!(api.get("/credits?project=NOPE").await.0, 404);

    // Retirements.
    let r = api.ok("/retirements").await;
    assert_eq!(r["pagination"]["total"], 1);
    let ret = &r["data"][0];
    assert_eq!(
        (
            &ret["credit_id"],
            &ret["project_id"],
            &ret["quantity_tco2e"],
            &ret["beneficiary"],
            &ret["owner"]
        ),
        (
            &Value::from("3"),
            &Value::from("OGCR-BR-0001"),
            &Value::from(250),
            &Value::from("Acme Airlines"),
            &Value::from(lower(HOLDER))
        )
    );
    assert_eq!(
        api.ok("/retirements?beneficiary=Nobody").await["pagination"]["total"],
        0
    );

    // The event feed: every event once, the same through cursor and offset pages.
    let counts = store.counts().await.unwrap();
    let all = api.ok("/events?limit=100").await;
    assert_eq!(all["pagination"]["total"], counts.events, "{name}");
    let by_cursor = api.walk("/events", 7, "log_index").await;
    assert_eq!(by_cursor.len() as i64, counts.events, "{name}");
    let verified = api.ok("/events?event=MRVVerified").await;
    assert_eq!(verified["pagination"]["total"], 1);
    assert_eq!(verified["data"][0]["contract"], "MRVRegistry");
    assert_eq!(verified["data"][0]["args"]["verifier"], lower(VERIFIER));
    let tx = verified["data"][0]["transaction_hash"].as_str().unwrap();
    let in_tx = api.ok(&format!("/events?tx={tx}")).await;
    assert!(in_tx["pagination"]["total"].as_i64().unwrap() >= 1);
    let retired = api
        .ok("/events?contract=CarbonRemovalUnit&event=CRURetired")
        .await;
    assert_eq!(retired["pagination"]["total"], 1);
    let holder = api.ok(&format!("/events?address={HOLDER}&limit=100")).await;
    assert!(
        holder["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event"] == "Transfer"),
        "{name}: the holder's transfers are in its feed"
    );
    // By project: the one project's registry, MRV and credit events, nothing of the access
    // control; an unknown project is a 404.
    let of_project = api.ok("/events?project_id=OGCR-BR-0001&limit=100").await;
    let registry = api
        .ok("/events?contract=ProjectRegistry,MRVRegistry,CarbonRemovalUnit&limit=1")
        .await;
    let approvals = api
        .ok("/events?event=Approval,ApprovalForAll&limit=1")
        .await;
    assert_eq!(
        of_project["pagination"]["total"].as_i64().unwrap(),
        registry["pagination"]["total"].as_i64().unwrap()
            - approvals["pagination"]["total"].as_i64().unwrap(),
        "{name}: {of_project}"
    );
    for e in of_project["data"].as_array().unwrap() {
        assert_ne!(e["contract"], "OGCRAccessControl", "{name}: {e}");
    }
    let kinds: Vec<&str> = of_project["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    for k in [
        "PDDRegistered",
        "MRVVerified",
        "CRUMinted",
        "Transfer",
        "CRURetired",
    ] {
        assert!(kinds.contains(&k), "{name}: {k} in {kinds:?}");
    }
    assert_eq!(
        api.ok("/events?project=OGCR-BR-0001&limit=1").await["pagination"]["total"],
        of_project["pagination"]["total"],
        "{name}: the alias"
    );
    let (s, _, _) = api.get("/events?project_id=OGCR-XX-9999").await;
    assert_eq!(s, 404, "{name}");
    let first = all["data"][0]["block_number"].as_i64().unwrap();
    let late = api.ok(&format!("/events?from_block={}", first + 1)).await;
    assert!(late["pagination"]["total"].as_i64().unwrap() < counts.events);

    check_exports(&api, store).await;

    // Same data, same tag.
    let (_, _, t1) = api.get("/credits").await;
    let (_, _, t2) = api.get("/credits").await;
    assert!(t1.is_some() && t1 == t2);
    let health = api.ok("/health").await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["chain_id"], 31337);
}

/// Walks `uri` (a CADT-paged table) by `page` at `limit`: every page's `pageCount` agrees and
/// the records come back in order.
async fn pages(api: &Api, uri: &str, limit: u64) -> Vec<Value> {
    let sep = if uri.contains('?') { '&' } else { '?' };
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let p = api
            .ok(&format!("{uri}{sep}page={page}&limit={limit}"))
            .await;
        assert_eq!(p["page"], page, "{}: {uri}", api.name);
        let count = p["pageCount"].as_u64().unwrap();
        let data = p["data"].as_array().unwrap();
        out.extend(data.iter().cloned());
        if page >= count {
            assert!(data.len() as u64 <= limit);
            assert_eq!(
                count,
                (out.len() as u64).div_ceil(limit),
                "{}: {uri}",
                api.name
            );
            return out;
        }
        assert_eq!(data.len() as u64, limit, "{}: {uri} page {page}", api.name);
        page += 1;
    }
}

/// `/cadt/v2/{table}` and `/aef/{table}` serve, page by page, exactly the records the
/// exporter streams, and every record is valid CAD Trust v2.0.2.
async fn check_exports(api: &Api, store: &Store) {
    let name = api.name;
    let exporter = ogcr_export::Exporter::new(
        store.clone(),
        ogcr_export::ExportConfig {
            base_url: "http://registry.test".into(),
            ..export_config()
        },
    );
    let mut total = 0;
    for t in ogcr_export::Exporter::tables() {
        let served = pages(api, &format!("/cadt/v2/{}", t.name), 2).await;
        let mut streamed = Vec::new();
        exporter
            .for_each(&t.name, |r| {
                streamed.push(r);
                Ok(())
            })
            .await
            .unwrap();
        assert_eq!(served, streamed, "{name}: {}", t.name);
        for r in &served {
            let v = ogcr_export::validate_record(&t.name, r);
            assert!(v.is_empty(), "{name}: {}: {v:?} in {r}", t.name);
        }
        total += served.len();
    }
    // The lifecycle's one project, its two tokens (the split made a second) and its label.
    let project = api.ok("/cadt/v2/project?page=1&limit=10").await;
    assert_eq!(project["pageCount"], 1, "{name}: {project}");
    assert_eq!(
        project["data"][0]["projectLink"],
        "http://registry.test/projects/OGCR-BR-0001"
    );
    let units = pages(api, "/cadt/v2/unit", 1000).await;
    assert!(!units.is_empty(), "{name}: units are exported");
    assert!(total > 10, "{name}: {total} records");
    // The same request twice: the same ids (UUIDv5 of chain, contract and on-chain id).
    assert_eq!(units, pages(api, "/cadt/v2/unit", 1000).await);

    // Article 6: the submission for Brazil this year names the Party; other Parties have
    // nothing to report.
    let year = chrono::Utc::now().format("%Y").to_string();
    let t1 = pages(
        api,
        &format!("/aef/aef_t1_submission?party=BR&year={year}"),
        10,
    )
    .await;
    assert_eq!(t1.len(), 1, "{name}: {t1:?}");
    for t in ogcr_export::Exporter::aef_tables() {
        for r in pages(
            api,
            &format!("/aef/{}?party=Brazil&year={year}", t.name),
            50,
        )
        .await
        {
            let v = ogcr_export::validate_record(&t.name, &r);
            assert!(v.is_empty(), "{name}: {}: {v:?} in {r}", t.name);
        }
    }
    let none = api
        .ok(&format!(
            "/aef/aef_t3_actions?party=NO&year={year}&page=1&limit=10"
        ))
        .await;
    assert_eq!(none["data"], serde_json::json!([]), "{name}");
}
