//! Errors, conditional requests, rate limits, CORS and request ids, on SQLite and PostgreSQL.

use axum::{
    Router,
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use http_body_util::BodyExt;
use ogcr_api::{ApiConfig, router};
use ogcr_store::{ChainState, testing::backends};
use serde_json::Value;
use tower::ServiceExt;

async fn call(app: &Router, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Value) {
    let resp = app.clone().oneshot(req).await.expect("the router answers");
    let (parts, body) = resp.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    let json = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
    };
    (parts.status, parts.headers, json)
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

/// The router's configuration in these tests.
pub(crate) fn config() -> ApiConfig {
    ApiConfig {
        public_url: "http://api.test".into(),
        rate_limit: None,
        limits: ogcr_api::Limits::default(),
        metrics: Some(std::sync::Arc::new(|| "# metrics\n".to_owned())),
        export: Default::default(),
    }
}

async fn index(store: &ogcr_store::Store) {
    store
        .init_chain_state(&ChainState {
            id: 1,
            chain_id: 31337,
            access_control: "0x01".into(),
            project_registry: "0x02".into(),
            mrv_registry: "0x03".into(),
            carbon_removal_unit: "0x04".into(),
            deployment_block: 1,
            checkpoint_block: 0,
            checkpoint_hash: String::new(),
            undo_floor: 0,
        })
        .await
        .unwrap();
}

/// The error body's shape, with the request id of the response header.
fn assert_error(
    status: StatusCode,
    headers: &axum::http::HeaderMap,
    body: &Value,
    want: StatusCode,
    code: &str,
) {
    assert_eq!(status, want, "{body}");
    let e = &body["error"];
    assert_eq!(e["code"], code, "{body}");
    assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(e["timestamp"].as_str().is_some());
    assert_eq!(
        e["request_id"].as_str(),
        headers.get("x-request-id").and_then(|v| v.to_str().ok()),
        "{body}"
    );
}

#[tokio::test]
async fn malformed_requests_get_field_level_400s_never_5xx() {
    for db in backends().await {
        let app = router(db.store.clone(), config());
        // Before the first index run the data routes say so.
        let (s, h, b) = call(&app, get("/projects")).await;
        assert_error(
            s,
            &h,
            &b,
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
        );
        assert!(h.get(header::RETRY_AFTER).is_some());
        for uri in [
            "/cadt/v2/project?page=1&limit=10",
            "/aef/aef_t1_submission?party=KE&year=2026&page=1&limit=10",
        ] {
            let (s, h, b) = call(&app, get(uri)).await;
            assert_error(
                s,
                &h,
                &b,
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
            );
        }
        let (s, _, b) = call(&app, get("/health")).await;
        assert_eq!(
            (s, b["status"].as_str()),
            (StatusCode::OK, Some("starting")),
            "{}",
            db.name
        );

        index(&db.store).await;
        let cases: &[(&str, &str)] = &[
            ("/projects?limit=0", "limit"),
            ("/projects?limit=abc", "limit"),
            ("/projects?limit=101", "limit"),
            ("/projects?offset=-3", "offset"),
            ("/projects?status=approved,bogus", "status"),
            ("/projects?project_type=coal", "project_type"),
            ("/projects?bbox=1,2,3", "bbox"),
            ("/projects?bbox=10,0,5,1", "bbox"),
            ("/projects?bbox=a,b,c,d", "bbox"),
            ("/projects?created_from=yesterday", "created_from"),
            (
                "/projects?created_from=2025-01-01&created_to=2024-01-01",
                "created_to",
            ),
            ("/projects?stauts=approved", "stauts"),
            ("/projects?cursor=zz", "cursor"),
            ("/projects?cursor=5b315d&offset=2", "cursor"),
            ("/credits?owner=0x12", "owner"),
            ("/credits?status=gone", "status"),
            ("/credits?vintage=twenty", "vintage"),
            ("/credits?issuance_year=99999", "issuance_year"),
            ("/credits?label=green", "label"),
            ("/credits/abc", "credit_id"),
            ("/credits/0", "credit_id"),
            ("/credits/-1", "credit_id"),
            ("/retirements?from=2024-13-01", "from"),
            ("/events?tx=0x1234", "tx"),
            ("/events?address=nothex", "address"),
            ("/events?contract=Nope", "contract"),
            ("/events?event=Bad%20Name", "event"),
            ("/events?from_block=-1", "from_block"),
            ("/events?from_block=9&to_block=3", "to_block"),
            ("/events?limit=99999999999999999999", "limit"),
            ("/projects?sort=colour", "sort"),
            ("/projects?order=up", "order"),
            ("/credits?sort=name", "sort"),
            ("/credits?vintage=2024,20x5", "vintage"),
            ("/credits?vintage_from=2025&vintage_to=2024", "vintage_to"),
            ("/credits?vintage_from=12", "vintage_from"),
            ("/credits?country=BRA", "country"),
            ("/credits?serial_number_range=10-5", "serial_number_range"),
            ("/credits?serial_number_range=a-b", "serial_number_range"),
            ("/projects?vintage_from=2025&vintage_to=2020", "vintage_to"),
            ("/retirements?order=sideways", "order"),
            ("/retirements?sort=vintage", "sort"),
            ("/events?sort=amount", "sort"),
            ("/projects/X/monitoring?sort=name", "sort"),
            // CADT paging: page and limit are both required, limit at most 1000.
            ("/cadt/v2/project", "page"),
            ("/cadt/v2/project?page=1", "limit"),
            ("/cadt/v2/project?page=0&limit=10", "page"),
            ("/cadt/v2/unit?page=1&limit=1001", "limit"),
            ("/cadt/v2/unit?page=x&limit=10", "page"),
            ("/cadt/v2/unit?page=1&limit=10&order=asc", "order"),
            ("/aef/aef_t3_actions?year=2026&page=1&limit=10", "party"),
            ("/aef/aef_t3_actions?party=KE&page=1&limit=10", "year"),
            (
                "/aef/aef_t3_actions?party=KE&year=3000&page=1&limit=10",
                "year",
            ),
            (
                "/aef/aef_t3_actions?party=Atlantis&year=2026&page=1&limit=10",
                "party",
            ),
            ("/aef/aef_t3_actions?party=KE&year=2026&limit=10", "page"),
        ];
        for (uri, field) in cases {
            let (s, h, b) = call(&app, get(uri)).await;
            assert_error(s, &h, &b, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
            assert_eq!(
                b["error"]["details"][0]["field"], *field,
                "{}: {uri}: {b}",
                db.name
            );
        }
        for uri in [
            "/projects/NOPE",
            "/projects/NOPE/monitoring",
            "/credits/999",
            "/nope",
            "/projects/X/versions/1",
            "/cadt/v2/projects?page=1&limit=10",
            "/aef/unit?party=KE&year=2026&page=1&limit=10",
        ] {
            let (s, h, b) = call(&app, get(uri)).await;
            assert_error(s, &h, &b, StatusCode::NOT_FOUND, "RESOURCE_NOT_FOUND");
        }
        let (s, h, b) = call(
            &app,
            Request::post("/projects").body(Body::empty()).unwrap(),
        )
        .await;
        assert_error(
            s,
            &h,
            &b,
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
        );
        // An unknown table is named with the tables there are.
        let (_, _, b) = call(&app, get("/cadt/v2/projects?page=1&limit=10")).await;
        let message = b["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("\"projects\"") && message.contains("project_methodology"),
            "{b}"
        );
        // The CADT endpoint spelling of a table is accepted; an empty table has no pages.
        let (s, _, b) = call(&app, get("/cadt/v2/project-methodology?page=1&limit=10")).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(
            b,
            serde_json::json!({"page": 1, "pageCount": 0, "data": []})
        );
        // An empty database lists nothing, with the OGCR pagination.
        let (s, _, b) = call(&app, get("/projects")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            b["pagination"],
            serde_json::json!({"total": 0, "limit": 20, "offset": 0, "has_more": false})
        );
    }
}

#[tokio::test]
async fn etags_caching_cors_and_request_ids() {
    let db = backends().await.remove(0);
    index(&db.store).await;
    let app = router(db.store.clone(), config());
    let (s, h, _) = call(&app, get("/events")).await;
    assert_eq!(s, StatusCode::OK);
    let tag = h.get(header::ETAG).expect("tagged").clone();
    assert_eq!(h.get(header::CACHE_CONTROL).unwrap(), "no-cache");
    let req = Request::get("/events")
        .header(header::IF_NONE_MATCH, tag.clone())
        .body(Body::empty())
        .unwrap();
    let (s, h, b) = call(&app, req).await;
    assert_eq!((s, b), (StatusCode::NOT_MODIFIED, Value::Null));
    assert_eq!(h.get(header::ETAG), Some(&tag));
    let req = Request::get("/events")
        .header(header::IF_NONE_MATCH, "\"other\"")
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(&app, req).await.0, StatusCode::OK);

    // A caller's request id is echoed, a bad one replaced.
    let req = Request::get("/credits/999")
        .header("x-request-id", "trace-42")
        .body(Body::empty())
        .unwrap();
    let (_, h, b) = call(&app, req).await;
    assert_eq!(h.get("x-request-id").unwrap(), "trace-42");
    assert_eq!(b["error"]["request_id"], "trace-42");
    let req = Request::get("/health")
        .header("x-request-id", "bad id with spaces")
        .body(Body::empty())
        .unwrap();
    let (_, h, _) = call(&app, req).await;
    assert_ne!(h.get("x-request-id").unwrap(), "bad id with spaces");

    // CORS: any origin may read; preflights are answered.
    let req = Request::get("/projects")
        .header(header::ORIGIN, "https://market.example")
        .body(Body::empty())
        .unwrap();
    let (_, h, _) = call(&app, req).await;
    assert_eq!(h.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap(), "*");
    let req = Request::builder()
        .method(Method::OPTIONS)
        .uri("/projects")
        .header(header::ORIGIN, "https://market.example")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
        .body(Body::empty())
        .unwrap();
    let (s, h, _) = call(&app, req).await;
    assert!(s.is_success(), "{s}");
    assert!(h.get(header::ACCESS_CONTROL_ALLOW_METHODS).is_some());

    // Metrics and the OpenAPI document.
    let (s, _, b) = call(&app, get("/metrics")).await;
    assert_eq!((s, b.as_str()), (StatusCode::OK, Some("# metrics\n")));
    let (s, h, doc) = call(&app, get("/openapi.json")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        h.get(header::CACHE_CONTROL)
            .unwrap()
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], "http://api.test");
    for path in [
        "/projects",
        "/projects/{project_id}",
        "/projects/{project_id}/monitoring",
        "/credits",
        "/retirements",
        "/events",
        "/events/stream",
        "/health",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} documented");
    }
    // Each list documents exactly the fields its store query sorts by.
    use ogcr_store::query::{
        CreditSort, EventSort, MrvSort, ProjectSort, RetirementSort, SortField,
    };
    for (path, names) in [
        ("/projects", ProjectSort::NAMES),
        ("/projects/{project_id}/monitoring", MrvSort::NAMES),
        ("/credits", CreditSort::NAMES),
        ("/retirements", RetirementSort::NAMES),
        ("/events", EventSort::NAMES),
    ] {
        let params = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
        let param = |name: &str| {
            params
                .iter()
                .find(|p| p["name"] == name)
                .unwrap_or_else(|| panic!("{path}: no {name} parameter"))
        };
        assert_eq!(
            param("sort")["schema"]["pattern"].as_str(),
            Some(format!("^({})$", names.join("|")).as_str()),
            "{path}"
        );
        assert_eq!(
            param("order")["schema"]["pattern"],
            "^(asc|desc)$",
            "{path}"
        );
    }
    assert_eq!(
        doc["components"]["schemas"]["PddDocument"]["title"],
        "OGCR Project Design Document (PDD)"
    );
    // The reference page: Swagger UI, served by ogcr itself, reading /openapi.json.
    let (s, h, _) = call(&app, get("/docs")).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h.get(header::LOCATION).unwrap(), "/docs/");
    let (s, h, _) = call(&app, get("/docs/")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        h.get(header::CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let (s, _, init) = call(&app, get("/docs/swagger-initializer.js")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(init.as_str().unwrap().contains("/openapi.json"), "{init}");
    let (s, _, _) = call(&app, get("/docs/swagger-ui-bundle.js")).await;
    assert_eq!(s, StatusCode::OK, "the UI's files are the binary's own");
}

#[tokio::test]
async fn clients_beyond_the_rate_get_429_with_retry_after() {
    let db = backends().await.remove(0);
    index(&db.store).await;
    let app = router(
        db.store.clone(),
        ApiConfig {
            rate_limit: Some(ogcr_api::RateLimits::uniform(0.5, 3)),
            ..config()
        },
    );
    for left in (0..3).rev() {
        let (s, h, _) = call(&app, get("/events")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(h.get("x-ratelimit-limit").unwrap(), "3");
        assert_eq!(h.get("x-ratelimit-remaining").unwrap(), &left.to_string());
        // Full again after (3 - left) periods of 2 s.
        assert_eq!(
            h.get("x-ratelimit-reset").unwrap(),
            &(2 * (3 - left)).to_string()
        );
    }
    let (s, h, b) = call(&app, get("/events")).await;
    assert_eq!(h.get("x-ratelimit-remaining").unwrap(), "0");
    assert_eq!(h.get("x-ratelimit-reset").unwrap(), "2");
    assert_error(
        s,
        &h,
        &b,
        StatusCode::TOO_MANY_REQUESTS,
        "RATE_LIMIT_EXCEEDED",
    );
    assert_eq!(h.get(header::RETRY_AFTER).unwrap(), "2");
    // The cheap routes are limited too (issue 18: a /health flood slowed the other routes).
    assert_eq!(
        call(&app, get("/health")).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        call(&app, get("/metrics")).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn each_class_of_caller_has_its_own_budget() {
    let db = backends().await.remove(0);
    index(&db.store).await;
    // A classifier like the write API's: a bearer names the organization; "ops" is an
    // operator's; anything else does not authenticate (an anonymous request).
    let classifier: ogcr_api::Classifier = std::sync::Arc::new(|h: axum::http::HeaderMap| {
        Box::pin(async move {
            let token = h
                .get(header::AUTHORIZATION)?
                .to_str()
                .ok()?
                .strip_prefix("Bearer ")?;
            match token {
                "ops" => Some(ogcr_api::Caller::Operator("ops".into())),
                "bad" => None,
                org => Some(ogcr_api::Caller::Organization(org.into())),
            }
        })
    });
    let class = |per_second, burst| ogcr_api::RateClass { per_second, burst };
    let app = router(
        db.store.clone(),
        ApiConfig {
            rate_limit: Some(ogcr_api::RateLimits {
                public: class(0.1, 2),
                organization: class(0.1, 3),
                operator: class(0.1, 5),
                classifier: Some(classifier),
            }),
            ..config()
        },
    );
    let with = |token: Option<&str>| {
        let mut r = Request::get("/events");
        if let Some(t) = token {
            r = r.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        r.body(Body::empty()).unwrap()
    };
    // (who, burst of its class); the anonymous budget is shared with credentials that do not
    // authenticate, and each organization has its own.
    for (who, burst) in [
        (None, 2),
        (Some("acme"), 3),
        (Some("globex"), 3),
        (Some("ops"), 5),
    ] {
        for _ in 0..burst {
            let (s, h, _) = call(&app, with(who)).await;
            assert_eq!(s, StatusCode::OK, "{who:?}");
            assert_eq!(h.get("x-ratelimit-limit").unwrap(), &burst.to_string());
        }
        let (s, h, _) = call(&app, with(who)).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{who:?} beyond its burst");
        assert!(h.get(header::RETRY_AFTER).is_some());
        assert_eq!(h.get("x-ratelimit-remaining").unwrap(), "0");
    }
    assert_eq!(
        call(&app, with(Some("bad"))).await.0,
        StatusCode::TOO_MANY_REQUESTS,
        "a credential that does not authenticate counts as its address"
    );
}

/// Issue 18: a well-formed cursor that does not fit the list — another list's, the wrong
/// number of values, values of the wrong type, a JSON null — is a 400 naming `cursor`, not a
/// 500 with an error log line per request.
#[tokio::test]
async fn cursors_of_another_list_are_400_naming_cursor() {
    fn hex_of(json: &str) -> String {
        json.bytes().map(|b| format!("{b:02x}")).collect()
    }
    for db in backends().await {
        index(&db.store).await;
        let app = router(db.store.clone(), config());
        let cases = [
            ("/credits", "[1,2]"),
            ("/credits", "[\"x\"]"),
            ("/credits", "[null]"),
            ("/projects", "[7]"),
            ("/projects", "[\"a\",\"b\"]"),
            ("/retirements", "[1]"),
            ("/events", "[\"1\",2]"),
            ("/projects/OGCR-X/monitoring", "[\"1\"]"),
        ];
        for (path, cursor) in cases {
            let uri = format!("{path}?cursor={}", hex_of(cursor));
            let (s, h, b) = call(&app, get(&uri)).await;
            if path.contains("monitoring") && s == StatusCode::NOT_FOUND {
                continue; // the project is checked first
            }
            assert_error(s, &h, &b, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
            assert_eq!(
                b["error"]["details"][0]["field"], "cursor",
                "{}: {uri}: {b}",
                db.name
            );
        }
        // A cursor of the list itself still pages.
        let (s, _, b) = call(&app, get(&format!("/credits?cursor={}", hex_of("[0]")))).await;
        assert_eq!(s, StatusCode::OK, "{}: {b}", db.name);
    }
}

/// Issue 18: an error never echoes unbounded input — a 7 KB unknown parameter name is cut
/// in the field, the message and the details.
#[tokio::test]
async fn errors_do_not_echo_unbounded_input() {
    for db in backends().await {
        index(&db.store).await;
        let app = router(db.store.clone(), config());
        let name = "x".repeat(7000); // under the 8 KB target limit
        let (s, h, b) = call(&app, get(&format!("/projects?{name}=1"))).await;
        assert_error(s, &h, &b, StatusCode::BAD_REQUEST, "VALIDATION_ERROR");
        let text = b.to_string();
        assert!(
            text.len() < 2500,
            "{}: a {} byte answer",
            db.name,
            text.len()
        );
        assert!(
            b["error"]["details"][0]["field"]
                .as_str()
                .unwrap()
                .ends_with('…')
        );
    }
}

/// Issue 18: `/health` is answered from a one-second cache, so a flood of probes costs one
/// database round trip a second: with the database gone, the cached answer still comes back
/// within the second, and the truth (503) after it.
#[tokio::test]
async fn health_is_cached_for_a_second() {
    let db = backends().await.remove(0);
    index(&db.store).await;
    let app = router(db.store.clone(), config());
    let (s, _, first) = call(&app, get("/health")).await;
    assert_eq!(s, StatusCode::OK, "{first}");
    db.store.close().await;
    let (s, _, again) = call(&app, get("/health")).await;
    assert_eq!(
        (s, &again),
        (StatusCode::OK, &first),
        "not served from the cache"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (s, _, b) = call(&app, get("/health")).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{b}");
}

/// Issue 17: read answers are reused until the data revision moves. A row written behind the
/// store's back (no revision bump) stays invisible — the answer comes from the cache — and a
/// committed batch (which bumps the revision) shows at once, with both rows.
#[tokio::test]
async fn answers_are_reused_until_the_data_changes() {
    use ogcr_store::{Block, ChangeSet, Event};
    use sqlx::Connection;
    let event = |n: i64| Event {
        block_number: n,
        log_index: 0,
        chain_id: 31337,
        block_hash: format!("0x{n:064x}"),
        block_time: 1_700_000_000 + n,
        tx_hash: format!("0x{:064x}", 1000 + n),
        tx_index: 0,
        contract: "ProjectRegistry".into(),
        address: "0x02".into(),
        event: "Thing".into(),
        topic0: "0x00".into(),
        args: "{}".into(),
    };
    let batch = |n: i64| ChangeSet {
        from_block: n,
        to_block: n,
        to_hash: format!("0x{n:064x}"),
        undo_floor: 0,
        blocks: vec![Block {
            number: n,
            hash: format!("0x{n:064x}"),
            parent_hash: format!("0x{:064x}", n - 1),
            timestamp: 1_700_000_000 + n,
        }],
        events: vec![event(n)],
        ..ChangeSet::default()
    };
    for db in backends().await {
        let name = db.name;
        index(&db.store).await;
        let app = router(db.store.clone(), config());
        db.store.commit(&batch(1)).await.unwrap();
        let blocks = |v: &Value| -> Vec<i64> {
            v["data"]
                .as_array()
                .unwrap_or_else(|| panic!("{name}: {v}"))
                .iter()
                .map(|e| e["block_number"].as_i64().unwrap_or(-1))
                .collect()
        };
        let (s, _, first) = call(&app, get("/events?limit=10")).await;
        assert_eq!(s, StatusCode::OK, "{name}: {first}");
        assert_eq!(blocks(&first), [1], "{name}");

        sqlx::any::install_default_drivers();
        let mut raw = sqlx::AnyConnection::connect(&db.url).await.unwrap();
        let e = event(2);
        sqlx::query(
            "INSERT INTO events (block_number, log_index, chain_id, block_hash, block_time, \
             tx_hash, tx_index, contract, address, event, topic0, args) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(e.block_number)
        .bind(e.log_index)
        .bind(e.chain_id)
        .bind(e.block_hash)
        .bind(e.block_time)
        .bind(e.tx_hash)
        .bind(e.tx_index)
        .bind(e.contract)
        .bind(e.address)
        .bind(e.event)
        .bind(e.topic0)
        .bind(e.args)
        .execute(&mut raw)
        .await
        .unwrap();
        let (_, _, again) = call(&app, get("/events?limit=10")).await;
        assert_eq!(again, first, "{name}: not served from the cache");

        let mut next = batch(3);
        next.from_block = 2;
        db.store.commit(&next).await.unwrap();
        let (_, _, after) = call(&app, get("/events?limit=10")).await;
        assert_eq!(
            blocks(&after),
            [1, 2, 3],
            "{name}: a stale answer after a commit"
        );
        raw.close().await.unwrap();
    }
}
