//! The write API end to end, over real HTTP against anvil: `ogcr up --demo` serves it with
//! one organization and key per demo role (`.ogcr/demo-api-keys.json`). A project goes from
//! `POST /projects` without an id to a retired credit through the API alone, and the read
//! API, the event feed and the CAD Trust export show it. Around it: every write route refused
//! (401/403) for every kind of bad credential with nothing sent and every decision audited,
//! 422 field lists, idempotent retries, 20 parallel writes of one organization, and a server
//! killed with -9 between sending and confirmation whose task still completes exactly once.

use std::{path::Path, time::Duration};

use ogcr_e2e::{Response, Stack, free_port, nonce, ogcr, root, rpc, workdir};
use ogcr_store::testing;
use serde_json::{Value, json};

const DEVELOPER: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const VALIDATOR: &str = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const VERIFIER: &str = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
const OPERATOR: &str = "0x976EA74026E726554dB657fA54763abd0C3a0aa9";
const RELAYER: &str = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955";
const HOLDER: &str = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f";
const FUND: &str = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720";
const OPERATOR_KEY: &str = "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e";
const ADMIN_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ALL_SCOPES: &str = "projects:write,projects:approve,mrv:write,mrv:verify,credits:issue,\
    credits:transfer,credits:retire,credits:cancel,audit:read";

fn keys(dir: &Path) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(dir.join(".ogcr/demo-api-keys.json"))
            .expect("ogcr up --demo writes the demo keys"),
    )
    .unwrap()
}

fn example(name: &str) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(root().join("crates/ogcr-core/examples-data").join(name)).unwrap(),
    )
    .unwrap()
}

fn hash(c: char) -> String {
    format!("sha256:{}", c.to_string().repeat(64))
}

/// A client of the stack with one organization's key.
struct Client<'a> {
    stack: &'a Stack,
    key: String,
}

impl Client<'_> {
    fn send(&self, method: &str, path: &str, body: &Value, extra: &[(&str, &str)]) -> Response {
        let auth = format!("Bearer {}", self.key);
        let mut headers = vec![("Authorization", auth.as_str())];
        headers.extend_from_slice(extra);
        self.stack
            .request(method, path, &headers, Some(&body.to_string()))
    }

    /// POST waiting for the indexed result; must answer `status`.
    fn done(&self, path: &str, body: Value, status: u16) -> Value {
        let r = self.send("POST", path, &body, &[("Prefer", "wait=60")]);
        assert_eq!(
            r.status,
            status,
            "POST {path} {body}: {} {}\n{}",
            r.status,
            r.body,
            self.stack.log()
        );
        r.body
    }

    /// POST that must be refused with `status` and one detail `reason`.
    fn refused(&self, path: &str, body: Value, status: u16, reason: &str) -> Value {
        let r = self.send("POST", path, &body, &[]);
        assert_eq!(r.status, status, "POST {path}: {}", r.body);
        let reasons: Vec<&str> = r.body["error"]["details"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d["reason"].as_str())
            .collect();
        assert!(
            reasons.contains(&reason),
            "POST {path}: expected reason {reason}, got {reasons:?}: {}",
            r.body
        );
        r.body
    }

    fn task(&self, id: &str) -> Value {
        let r = self.stack.request(
            "GET",
            &format!("/tasks/{id}"),
            &[("Authorization", &format!("Bearer {}", self.key))],
            None,
        );
        assert_eq!(r.status, 200, "{}", r.body);
        r.body
    }

    fn await_task(&self, id: &str, secs: u64) -> Value {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let t = self.task(id);
            match t["status"].as_str() {
                Some("indexed") => return t,
                Some("failed") => panic!("task {id} failed: {t}"),
                _ => {}
            }
            assert!(
                std::time::Instant::now() < deadline,
                "task {id}: {t}\n{}",
                self.stack.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

fn client<'a>(stack: &'a Stack, keys: &Value, role: &str) -> Client<'a> {
    Client {
        stack,
        key: keys[role]
            .as_str()
            .unwrap_or_else(|| panic!("no {role} key"))
            .to_owned(),
    }
}

fn new_key(dir: &Path, db: &str, org: &str, scopes: &str) -> String {
    let (ok, out, err) = ogcr(
        dir,
        &[
            "keys",
            "create",
            "--org",
            org,
            "--scopes",
            scopes,
            "--json",
            "--database-url",
            db,
        ],
    );
    assert!(ok, "ogcr keys create: {err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(
        !err.contains(v["key"].as_str().unwrap()),
        "the key went to stderr too"
    );
    v["key"].as_str().unwrap().to_owned()
}

fn audit_count(admin: &Client<'_>, outcome: &str) -> usize {
    let mut n = 0;
    let mut cursor = String::new();
    loop {
        let path = format!("/audit?outcome={outcome}&limit=500{cursor}");
        let r = admin.stack.request(
            "GET",
            &path,
            &[("Authorization", &format!("Bearer {}", admin.key))],
            None,
        );
        assert_eq!(r.status, 200, "{}", r.body);
        n += r.body["data"].as_array().unwrap().len();
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return n,
        }
    }
}

fn write_lifecycle(database_url: &str, backend: &str) {
    let dir = workdir();
    let (anvil_port, api_port) = (free_port(), free_port());
    let stack = Stack::start(
        dir.path(),
        anvil_port,
        api_port,
        &["--demo", "--database-url", database_url],
    );
    let mut stack = stack;
    stack.wait_for("/health", "the API", 300, |v| v["status"] == "ok");
    stack.wait_for("/projects?limit=1&offset=0", "the demo indexed", 120, |v| {
        v["pagination"]["total"] == 6
    });
    let keys = keys(dir.path());
    let dev = client(&stack, &keys, "developer");
    let val = client(&stack, &keys, "validator");
    let ver = client(&stack, &keys, "verifier");
    let op = client(&stack, &keys, "registry_operator");
    let holder = client(&stack, &keys, "holder");
    let admin = client(&stack, &keys, "administrator");

    // A client following the event feed stores one string: every page, the last too, has a
    // cursor to resume from (issue 16).
    let mut feed_cursor = String::new();
    loop {
        let page = stack.ok(&format!("/events?limit=100&cursor={feed_cursor}"));
        feed_cursor = page["pagination"]["next_cursor"]
            .as_str()
            .expect("every feed page has a cursor")
            .to_owned();
        if page["data"].as_array().unwrap().len() < 100 {
            break;
        }
    }
    let caught_up = stack.ok(&format!("/events?limit=100&cursor={feed_cursor}"));
    assert!(caught_up["data"].as_array().unwrap().is_empty());
    assert_eq!(
        caught_up["pagination"]["next_cursor"],
        feed_cursor.as_str(),
        "past the end, the same cursor"
    );

    // ---- a project from POST /projects without an id to a retired credit
    let mut pdd = example("pdd-br-reforestation.geojson");
    pdd.as_object_mut().unwrap().remove("id");
    let created = dev.done(
        "/projects?external_registry=Verra&external_project_id=3989",
        pdd.clone(),
        201,
    );
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("OGCR-BR-"), "{backend}: issued id {id}");
    assert_eq!(created["properties"]["status"], "draft", "{created}");
    // The anchored bytes are served and hash to the anchored hash.
    let doc_hash = created["document"]["hash"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| {
            stack.ok(&format!("/projects/{id}/history"))["versions"][0]["pdd_hash"]
                .as_str()
                .unwrap()
                .to_owned()
        });
    let doc = stack.request(
        "GET",
        &format!("/documents/{}", doc_hash.trim_start_matches("0x")),
        &[],
        None,
    );
    assert_eq!(doc.status, 200, "{backend}: document {doc_hash}");
    assert_eq!(doc.body["id"], id.as_str());

    // The same boundary again overlaps the project just registered; the external reference
    // is taken.
    dev.refused("/projects", pdd.clone(), 422, "GEOMETRY_OVERLAP");
    let mut moved = pdd.clone();
    moved.as_object_mut().unwrap().remove("bbox");
    for p in moved["geometry"]["coordinates"][0].as_array_mut().unwrap() {
        p[0] = json!(p[0].as_f64().unwrap() + 1.0);
    }
    dev.refused(
        "/projects?external_registry=Verra&external_project_id=3989",
        moved,
        409,
        "DUPLICATE_EXTERNAL_REFERENCE",
    );

    assert_eq!(
        dev.done(&format!("/projects/{id}/submit"), json!({}), 200)["properties"]["status"],
        "submitted"
    );
    // Wrong state: the indexed state says no before anything is sent.
    dev.refused(
        &format!("/projects/{id}/submit"),
        json!({}),
        409,
        "WRONG_STATUS",
    );
    assert_eq!(
        val.done(&format!("/projects/{id}/review"), json!({}), 200)["properties"]["status"],
        "under_review"
    );
    let approved = val.done(
        &format!("/projects/{id}/approve"),
        json!({"validation_report_hash": hash('a'), "comments": "meets VM0047 v1.0",
               "crediting_start": "2023-01-01", "crediting_end": "2033-01-01"}),
        200,
    );
    assert_eq!(approved["properties"]["status"], "approved");

    let mut mrv = example("mrv-br-2024.geojson");
    mrv["properties"]["project_id"] = json!(id);
    let report = dev.done(&format!("/projects/{id}/monitoring"), mrv.clone(), 201);
    let mrv_id = report["links"][0]["href"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    // The same period again overlaps it.
    let mut again = mrv.clone();
    again["id"] = json!("OGCR-BR-MRV-AGAIN");
    dev.refused(
        &format!("/projects/{id}/monitoring"),
        again,
        422,
        "PERIOD_OVERLAP",
    );
    let verified = ver.done(
        &format!("/projects/{id}/monitoring/{mrv_id}/verify"),
        json!({"verification_outcome": "approved", "verified_removals": 1250.5,
               "verification_report_hash": hash('b')}),
        200,
    );
    assert_eq!(
        verified["properties"]["verification_status"], "verified",
        "{verified}"
    );

    // Over-issuance is refused before sending: 1250 t verified.
    op.refused("/credits/issue", json!({"mrv_id": mrv_id.parse::<u64>().unwrap(), "to": HOLDER, "amount": 1200, "buffer_amount": 100}), 422, "OVER_ISSUANCE");
    let issued = op.done(
        "/credits/issue",
        json!({"mrv_id": mrv_id.parse::<u64>().unwrap(), "to": HOLDER, "amount": 1000,
               "buffer_amount": 100, "labels": ["corsia"]}),
        201,
    );
    let token = issued["id"].as_str().unwrap().to_owned();
    assert_eq!(issued["quantity_tco2e"], 1000);
    assert_eq!(issued["owner"].as_str().unwrap(), HOLDER.to_lowercase());

    let moved = holder.done(
        "/credits/transfer",
        json!({"credit_ids": [token], "recipient": FUND, "amount": 200}),
        200,
    );
    assert_eq!(moved["owner"].as_str().unwrap(), FUND.to_lowercase());
    assert_eq!(moved["quantity_tco2e"], 200);
    holder.refused(
        &format!("/credits/{token}/retire"),
        json!({"amount": 300, "reason": "because", "beneficiary": "Acme Airlines"}),
        422,
        "invalid_value",
    );
    holder.refused(
        &format!("/credits/{token}/retire"),
        json!({"amount": 900, "reason": "corsia", "beneficiary": "Acme Airlines"}),
        422,
        "OVER_AMOUNT",
    );
    let retired = holder.done(
        &format!("/credits/{token}/retire"),
        json!({"amount": 300, "reason": "corsia", "beneficiary": "Acme Airlines",
               "beneficiary_id": "LEI-5493001KJTIIGC8Y1R12", "note": "CORSIA offsetting 2026"}),
        201,
    );
    assert_eq!(retired["status"], "retired");
    let retirement_id = retired["id"].as_str().unwrap().to_owned();
    let record = stack.ok(&format!("/retirements/{retirement_id}"));
    assert_eq!(record["beneficiary"], "Acme Airlines");
    assert_eq!(record["quantity_tco2e"], 300);
    assert_eq!(record["reason_code"], 2);
    let tx = record["ledger_reference"]["transaction_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Beneficiary search: any case, by prefix; LIKE's wildcards in the query match literally.
    let found = |q: &str| {
        stack.ok(&format!("/retirements?beneficiary={q}&limit=100"))["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["credit_id"] == retirement_id.as_str())
            .count()
    };
    assert_eq!(found("acme"), 1, "{backend}");
    assert_eq!(found("ACME%20AIR"), 1, "{backend}");
    assert_eq!(found("Acme%20Airlines"), 1, "{backend}");
    assert_eq!(found("cme"), 0, "{backend}: not a prefix");
    assert_eq!(found("%25"), 0, "{backend}: % matched as a wildcard");
    assert_eq!(
        found("Acme_Airlines"),
        0,
        "{backend}: _ matched as a wildcard"
    );
    // The event feed and the CAD Trust export show the same.
    let events = stack.ok("/events?event=CRURetired&limit=100");
    assert!(
        events["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["transaction_hash"] == tx.as_str()
                || e["ledger_reference"]["transaction_id"] == tx.as_str()
                || e.to_string().contains(&tx)),
        "{backend}: no CRURetired event of {tx}"
    );
    // The stored cursor resumes right after what the client had: the new events, in order,
    // the retirement among them.
    let news = stack.ok(&format!("/events?limit=100&cursor={feed_cursor}"));
    let names: Vec<&str> = news["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["event"].as_str())
        .collect();
    assert_eq!(
        names.first(),
        Some(&"PDDRegistered"),
        "{backend}: {names:?}"
    );
    assert_eq!(
        names.iter().filter(|n| **n == "CRURetired").count(),
        1,
        "{backend}: {names:?}"
    );
    let cadt = stack.ok("/cadt/v2/project?page=1&limit=1000");
    assert!(
        cadt.to_string().contains(&id),
        "{backend}: {id} not in the CAD Trust projects"
    );
    let units = stack.ok("/cadt/v2/unit?page=1&limit=1000");
    assert!(
        units.to_string().contains("Acme Airlines"),
        "{backend}: the retirement is not in the CAD Trust units"
    );

    // An account's holdings, retirements and roles in one answer (issue 16), equal to what
    // the lists say.
    let holder_account = stack.ok(&format!("/accounts/{HOLDER}"));
    let active: i64 = stack.ok(&format!("/credits?owner={HOLDER}&status=active&limit=100"))["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["quantity_tco2e"].as_i64().unwrap())
        .sum();
    assert_eq!(
        holder_account["balances"]["active_tco2e"], active,
        "{backend}: {holder_account}"
    );
    assert!(holder_account["roles"].as_array().unwrap().is_empty());
    let retired = stack.ok(&format!("/retirements?owner={HOLDER}&limit=100"));
    assert_eq!(
        holder_account["retirements"]["count"],
        retired["data"].as_array().unwrap().len(),
        "{backend}"
    );
    assert!(
        holder_account["retirements"]["quantity_tco2e"]
            .as_i64()
            .unwrap()
            >= 300
    );
    let operator = stack.ok(&format!("/accounts/{OPERATOR}"));
    assert!(
        operator["roles"]
            .as_array()
            .unwrap()
            .contains(&json!("registry_operator")),
        "{operator}"
    );
    assert!(
        operator["balances"]["buffer_tco2e"].as_i64().unwrap() >= 100,
        "{operator}"
    );
    assert_eq!(stack.try_get("/accounts/0x123").unwrap().0, 400);

    // api-documentation.md's parameter names work as aliases (issue 16).
    let by_alias = stack.ok(&format!("/credits?project_id={id}&limit=100"));
    assert_eq!(
        by_alias,
        stack.ok(&format!("/credits?project={id}&limit=100")),
        "{backend}"
    );
    assert!(
        by_alias["data"].as_array().unwrap().len() >= 3,
        "{backend}: {by_alias}"
    );
    let both = stack
        .try_get(&format!("/credits?project={id}&project_id=OGCR-BR-0107"))
        .unwrap();
    assert_eq!(both.0, 400, "{backend}: {}", both.1);
    let year = |y: i64| {
        stack.ok(&format!("/projects/{id}/monitoring?reporting_year={y}"))["data"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(
        (year(2023), year(2024), year(2025)),
        (0, 1, 0),
        "{backend}: reporting_year"
    );

    // The API path lands in the same shapes as the CLI path (the demo's projects were sent
    // through the same library calls as `ogcr project …`): the read view and the CAD Trust
    // project record of the API's project have the fields of the demo's approved Brazilian one.
    let fields = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    let api_view = stack.ok(&format!("/projects/{id}"));
    let cli_view = stack.ok("/projects/OGCR-BR-0107");
    assert_eq!(cli_view["properties"]["status"], "approved");
    assert_eq!(
        fields(&api_view),
        fields(&cli_view),
        "{backend}: project views differ"
    );
    assert_eq!(
        fields(&api_view["properties"]),
        fields(&cli_view["properties"]),
        "{backend}: PDD properties differ"
    );
    let record = |pid: &str| {
        cadt["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r.to_string().contains(pid))
            .cloned()
            .unwrap_or_else(|| panic!("{backend}: no CAD Trust project record of {pid}"))
    };
    assert_eq!(
        fields(&record(&id)),
        fields(&record("OGCR-BR-0107")),
        "{backend}: CAD Trust records differ"
    );

    // ---- every write route, refused for every bad credential, nothing sent, all audited
    let db = database_url;
    let revoked = new_key(dir.path(), db, "developer", ALL_SCOPES);
    let revoked_id = revoked.split('_').nth(1).unwrap().to_owned();
    let (ok, _, err) = ogcr(
        dir.path(),
        &["keys", "revoke", &revoked_id, "--database-url", db],
    );
    assert!(ok, "{err}");
    let no_role = new_key(dir.path(), db, "relayer", ALL_SCOPES);
    let routes: Vec<(&str, String, Value)> = vec![
        ("POST", "/projects".into(), pdd.clone()),
        ("PUT", format!("/projects/{id}"), pdd.clone()),
        ("POST", format!("/projects/{id}/submit"), json!({})),
        ("POST", format!("/projects/{id}/review"), json!({})),
        (
            "POST",
            format!("/projects/{id}/approve"),
            json!({"validation_report_hash": hash('a'), "crediting_start": "2023-01-01", "crediting_end": "2033-01-01"}),
        ),
        (
            "POST",
            format!("/projects/{id}/reject"),
            json!({"reasons": ["no"]}),
        ),
        (
            "POST",
            format!("/projects/{id}/archive"),
            json!({"reason": "done"}),
        ),
        ("POST", format!("/projects/{id}/monitoring"), mrv.clone()),
        (
            "POST",
            format!("/projects/{id}/monitoring/{mrv_id}/verify"),
            json!({"verified_removals": 1.0, "verification_report_hash": hash('c')}),
        ),
        (
            "POST",
            format!("/projects/{id}/monitoring/{mrv_id}/reject"),
            json!({"reasons": ["no"], "verification_report_hash": hash('c')}),
        ),
        (
            "POST",
            "/credits/issue".into(),
            json!({"mrv_id": 1, "to": HOLDER, "amount": 1}),
        ),
        (
            "POST",
            "/credits/transfer".into(),
            json!({"credit_ids": [token], "recipient": FUND}),
        ),
        (
            "POST",
            format!("/credits/{token}/split"),
            json!({"amount": 1}),
        ),
        (
            "POST",
            format!("/credits/{token}/retire"),
            json!({"reason": "corsia", "beneficiary": "x"}),
        ),
        (
            "POST",
            format!("/credits/{token}/cancel"),
            json!({"reason": "x"}),
        ),
    ];
    let accounts = [
        DEVELOPER, VALIDATOR, VERIFIER, OPERATOR, RELAYER, HOLDER, FUND,
    ];
    let nonces: Vec<u64> = accounts.iter().map(|a| nonce(anvil_port, a)).collect();
    let denied_before = audit_count(&admin, "denied");
    let scopeless = keys["administrator"].as_str().unwrap().to_owned();
    let malformed = "ogcr_not-a-key".to_owned();
    let mut requests = 0;
    for (method, path, body) in &routes {
        for (what, key, status, reason) in [
            ("no key", None, 401, "missing_credentials"),
            (
                "malformed key",
                Some(&malformed),
                401,
                "malformed_credentials",
            ),
            ("revoked key", Some(&revoked), 401, "revoked_key"),
            (
                "key without the scope",
                Some(&scopeless),
                403,
                "missing_scope",
            ),
        ] {
            let auth = key.map(|k| format!("Bearer {k}"));
            let headers: Vec<(&str, &str)> =
                auth.iter().map(|a| ("Authorization", a.as_str())).collect();
            let r = stack.request(method, path, &headers, Some(&body.to_string()));
            requests += 1;
            assert_eq!(r.status, status, "{method} {path} with {what}: {}", r.body);
            assert!(
                r.body["error"]["details"].to_string().contains(reason),
                "{method} {path} with {what}: {}",
                r.body
            );
            if status == 401 {
                assert_eq!(r.body["error"]["code"], "AUTHENTICATION_REQUIRED");
                assert!(r.header("www-authenticate").is_some());
            } else {
                assert_eq!(r.body["error"]["code"], "INSUFFICIENT_PERMISSIONS");
            }
        }
        // An organization that lacks the on-chain role (or does not hold the credit / own the
        // project) is refused with 403 before anything is signed.
        let c = Client {
            stack: &stack,
            key: no_role.clone(),
        };
        let r = c.send(method, path, body, &[]);
        requests += 1;
        assert_eq!(
            r.status, 403,
            "{method} {path} without the role: {}",
            r.body
        );
        let reason = r.body["error"]["details"][0]["reason"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            ["missing_role", "not_token_holder", "not_project_developer"]
                .contains(&reason.as_str()),
            "{method} {path}: {reason}"
        );
    }
    let after: Vec<u64> = accounts.iter().map(|a| nonce(anvil_port, a)).collect();
    assert_eq!(
        nonces, after,
        "{backend}: a refused request sent a transaction"
    );
    assert_eq!(
        audit_count(&admin, "denied"),
        denied_before + requests,
        "{backend}: a decision is missing from the audit log"
    );

    // ---- 422: every failing field, nothing stored
    let r = dev.send(
        "POST",
        "/projects",
        &json!({"type": "Feature", "profile": "pdd", "properties": {}}),
        &[],
    );
    assert_eq!(r.status, 422, "{}", r.body);
    let fields: Vec<&str> = r.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    for f in [
        "/ogcr_version",
        "/geometry",
        "/properties/name",
        "/properties/project_type",
    ] {
        assert!(
            fields.iter().any(|x| x.starts_with(f)),
            "{f} not among {fields:?}"
        );
    }
    for d in r.body["error"]["details"].as_array().unwrap() {
        assert!(d["hint"].is_string() && d["reason"].is_string(), "{d}");
    }
    let mut bowtie = pdd.clone();
    bowtie.as_object_mut().unwrap().remove("bbox");
    bowtie["geometry"] = json!({"type": "Polygon", "coordinates": [[[-50.0, -10.0], [-49.0, -9.0], [-49.0, -10.0], [-50.0, -9.0], [-50.0, -10.0]]]});
    let r = dev.refused("/projects", bowtie, 422, "GEOMETRY_INVALID");
    assert!(r.to_string().contains("/geometry"), "{r}");

    // ---- idempotency: the same key and body answer the first answer; another body is 422
    let holder_nonce = nonce(anvil_port, HOLDER);
    let body = json!({"amount": 5});
    let first = holder.send(
        "POST",
        &format!("/credits/{token}/split"),
        &body,
        &[("Idempotency-Key", "split-once")],
    );
    assert_eq!(first.status, 202, "{}", first.body);
    let task_id = first.body["task_id"].as_str().unwrap().to_owned();
    assert_eq!(
        first.header("location").unwrap(),
        format!("http://127.0.0.1:{api_port}/tasks/{task_id}")
    );
    let retry = holder.send(
        "POST",
        &format!("/credits/{token}/split"),
        &body,
        &[("Idempotency-Key", "split-once")],
    );
    assert_eq!(retry.status, 202);
    assert_eq!(retry.body["task_id"], task_id.as_str());
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    let other = holder.send(
        "POST",
        &format!("/credits/{token}/split"),
        &json!({"amount": 6}),
        &[("Idempotency-Key", "split-once")],
    );
    assert_eq!(other.status, 422, "{}", other.body);
    assert!(other.body.to_string().contains("idempotency_key_reused"));
    let t = holder.await_task(&task_id, 60);
    assert_eq!(t["transactions"].as_array().unwrap().len(), 1);
    assert_eq!(
        nonce(anvil_port, HOLDER),
        holder_nonce + 1,
        "{backend}: the retry sent a second transaction"
    );

    // ---- 20 parallel writes of one organization: nonces in order, none lost
    let before = nonce(anvil_port, HOLDER);
    let ids: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..20)
            .map(|_| {
                let h = &holder;
                let token = &token;
                s.spawn(move || {
                    let r = h.send(
                        "POST",
                        &format!("/credits/{token}/split"),
                        &json!({"amount": 1}),
                        &[],
                    );
                    assert_eq!(r.status, 202, "{}", r.body);
                    r.body["task_id"].as_str().unwrap().to_owned()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut used: Vec<u64> = ids
        .iter()
        .map(|t| {
            holder.await_task(t, 120)["transactions"][0]["nonce"]
                .as_u64()
                .unwrap()
        })
        .collect();
    used.sort_unstable();
    assert_eq!(
        used,
        (before..before + 20).collect::<Vec<_>>(),
        "{backend}: nonces"
    );
    assert_eq!(nonce(anvil_port, HOLDER), before + 20);
    let left = stack.ok(&format!("/credits/{token}"));
    assert_eq!(
        left["quantity_tco2e"],
        1000 - 200 - 300 - 5 - 20,
        "{backend}: {left}"
    );

    // What the indexed state cannot tell, the chain's simulation tells: while the registry is
    // paused, a write fails with the decoded revert sentence and nothing is mined.
    let rpc_url = format!("http://127.0.0.1:{anvil_port}");
    let (ok, _, err) = ogcr(
        dir.path(),
        &[
            "pause",
            "--rpc-url",
            &rpc_url,
            "--private-key",
            OPERATOR_KEY,
        ],
    );
    assert!(ok, "ogcr pause: {err}");
    let paused_at = nonce(anvil_port, HOLDER);
    let r = holder.send(
        "POST",
        &format!("/credits/{token}/split"),
        &json!({"amount": 1}),
        &[("Prefer", "wait=30")],
    );
    assert_eq!(r.status, 409, "{backend}: a write while paused: {}", r.body);
    assert!(r.body.to_string().contains("chain_rejected"), "{}", r.body);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("paused"),
        "{backend}: {}",
        r.body
    );
    assert_eq!(
        nonce(anvil_port, HOLDER),
        paused_at,
        "{backend}: a reverting write was sent"
    );
    let (ok, _, err) = ogcr(
        dir.path(),
        &["unpause", "--rpc-url", &rpc_url, "--private-key", ADMIN_KEY],
    );
    assert!(ok, "ogcr unpause: {err}");

    // The audit log has the accepted writes with their tasks.
    let r = admin.stack.request(
        "GET",
        "/audit?outcome=accepted&limit=500",
        &[("Authorization", &format!("Bearer {}", admin.key))],
        None,
    );
    let accepted = r.body["data"].as_array().unwrap();
    assert!(accepted.iter().all(|e| e["task_id"].is_string()));
    assert!(accepted.len() >= 9 + 1 + 20, "{}", accepted.len());
    // Audit is administrator-only.
    let r = holder.stack.request(
        "GET",
        "/audit",
        &[("Authorization", &format!("Bearer {}", holder.key))],
        None,
    );
    assert_eq!(r.status, 403);
    let (ok, out, _) = ogcr(
        dir.path(),
        &[
            "audit",
            "--outcome",
            "denied",
            "--limit",
            "3",
            "--database-url",
            db,
        ],
    );
    assert!(ok && out.lines().count() == 3, "ogcr audit: {out}");

    // No secret of the demo keys is in the log.
    let log = stack.log();
    for (role, key) in keys.as_object().unwrap() {
        let secret = key.as_str().unwrap().rsplit('_').next().unwrap();
        assert_eq!(
            log.matches(secret).count(),
            1,
            "{role}'s key appears in the log more than the once it is printed"
        );
    }
    let (clean, _) = stack.interrupt();
    assert!(clean, "{backend}: ogcr up did not stop cleanly");
}

#[test]
fn write_api_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("ogcr.db").display());
    write_lifecycle(&url, "sqlite");
}

#[test]
fn write_api_on_postgres() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let backends = rt.block_on(testing::backends());
    let Some(pg) = backends.iter().find(|b| b.name == "postgres") else {
        return;
    };
    rt.block_on(pg.store.clone().close());
    write_lifecycle(&pg.url, "postgres");
}

/// kill -9 of the server after the transaction is signed, recorded and broadcast but before
/// it is mined: the restarted server finds it by hash, and the task completes once, with one
/// transaction.
#[test]
fn a_task_survives_kill_9_between_send_and_confirmation() {
    let dir = workdir();
    let anvil_port = free_port();
    let mut anvil = std::process::Command::new(ogcr_e2e::anvil_bin())
        .args([
            "--host",
            "127.0.0.1",
            "--port",
            &anvil_port.to_string(),
            "--chain-id",
            "31337",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("anvil starts");
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while ogcr_e2e::request(
        anvil_port,
        "POST",
        "/",
        &[],
        Some(r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}"#),
    )
    .is_none()
    {
        assert!(std::time::Instant::now() < deadline, "anvil did not start");
        if let Ok(Some(s)) = anvil.try_wait() {
            panic!("anvil exited: {s}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _anvil = Kill(anvil);
    // The demo organizations, signing with anvil's dev keys from the environment.
    let orgs = [
        (
            "administrator",
            "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
        ),
        (
            "developer",
            "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
        ),
        (
            "validator",
            "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
        ),
        (
            "verifier",
            "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
        ),
        (
            "registry_operator",
            "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
        ),
        (
            "holder",
            "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
        ),
    ];
    let file: String = orgs
        .iter()
        .map(|(o, _)| {
            format!(
                "[organizations.{o}]\nprivate_key_env = \"E2E_KEY_{}\"\n",
                o.to_uppercase()
            )
        })
        .collect();
    std::fs::write(dir.path().join("orgs.toml"), file).unwrap();
    let env_names: Vec<(String, &str)> = orgs
        .iter()
        .map(|(o, k)| (format!("E2E_KEY_{}", o.to_uppercase()), *k))
        .collect();
    let env: Vec<(&str, &str)> = env_names.iter().map(|(n, k)| (n.as_str(), *k)).collect();
    let db = format!("sqlite://{}", dir.path().join("ogcr.db").display());
    let rpc_url = format!("http://127.0.0.1:{anvil_port}");
    let args = [
        "--demo",
        "--rpc-url",
        rpc_url.as_str(),
        "--organizations",
        "orgs.toml",
        "--database-url",
        db.as_str(),
    ];
    let api_port = free_port();
    let mut stack = Stack::start_with_env(dir.path(), anvil_port, api_port, &args, &env);
    stack.wait_for("/health", "the API", 300, |v| v["status"] == "ok");
    let keys = keys(dir.path());
    // A credit of the holder's from the demo.
    let credits = stack.wait_for(
        &format!("/credits?owner={HOLDER}&status=active&limit=1"),
        "a credit of the holder indexed",
        120,
        |v| v["data"][0]["id"].is_string(),
    );
    let token = credits["data"][0]["id"].as_str().unwrap().to_owned();
    // Blocks every 4 s from now on: a sent transaction waits to be mined.
    rpc(anvil_port, "evm_setAutomine", json!([false]));
    rpc(anvil_port, "evm_setIntervalMining", json!([4]));
    let before = nonce(anvil_port, HOLDER);
    let holder = client(&stack, &keys, "holder");
    let r = holder.send(
        "POST",
        &format!("/credits/{token}/split"),
        &json!({"amount": 1}),
        &[],
    );
    assert_eq!(r.status, 202, "{}", r.body);
    let task_id = r.body["task_id"].as_str().unwrap().to_owned();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let sent = loop {
        let t = holder.task(&task_id);
        if t["status"] == "sent" {
            break t;
        }
        assert_ne!(t["status"], "indexed", "mined before the crash: {t}");
        assert!(std::time::Instant::now() < deadline, "{t}");
        std::thread::sleep(Duration::from_millis(20));
    };
    let tx = sent["transactions"][0]["tx_hash"]
        .as_str()
        .unwrap()
        .to_owned();
    drop(holder);
    let log = stack.kill();
    assert!(!log.contains("panicked"), "{log}");
    // Back up (without --demo: the chain now has more than the demo's transactions, and the
    // demo keys stay valid): the task resumes from its recorded transaction.
    let mut stack = Stack::start_with_env(dir.path(), anvil_port, api_port, &args[1..], &env);
    stack.wait_for("/health", "the API after the crash", 300, |v| {
        v["status"] == "ok"
    });
    let holder = client(&stack, &keys, "holder");
    let done = holder.await_task(&task_id, 90);
    let txs = done["transactions"].as_array().unwrap();
    assert_eq!(txs.len(), 1, "{done}");
    assert_eq!(
        txs[0]["tx_hash"],
        tx.as_str(),
        "the task sent another transaction"
    );
    assert_eq!(
        nonce(anvil_port, HOLDER),
        before + 1,
        "exactly one transaction of the holder"
    );
    let splits = stack.ok("/events?event=CRUSplit&limit=100");
    let of_tx = splits["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e.to_string().contains(&tx))
        .count();
    assert_eq!(of_tx, 1, "{splits}");

    // The chain loses the block of an indexed task (a local chain restarted from an older
    // state): the restarted server sends the recorded transaction again, and the task is
    // indexed again with the same transaction.
    let snapshot = rpc(anvil_port, "evm_snapshot", json!([]));
    let before = nonce(anvil_port, HOLDER);
    let r = holder.send(
        "POST",
        &format!("/credits/{token}/split"),
        &json!({"amount": 1}),
        &[("Prefer", "wait=60")],
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let task_id = r
        .header("link")
        .unwrap()
        .split(['<', '>'])
        .nth(1)
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let tx = holder.task(&task_id)["transactions"][0]["tx_hash"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(nonce(anvil_port, HOLDER), before + 1);
    drop(holder);
    let _ = stack.kill();
    assert_eq!(
        rpc(anvil_port, "evm_revert", json!([snapshot])),
        json!(true)
    );
    assert_eq!(
        nonce(anvil_port, HOLDER),
        before,
        "the revert did not drop the transaction"
    );
    let mut stack = Stack::start_with_env(dir.path(), anvil_port, api_port, &args[1..], &env);
    stack.wait_for("/health", "the API after the lost block", 300, |v| {
        v["status"] == "ok"
    });
    let holder = client(&stack, &keys, "holder");
    let done = holder.await_task(&task_id, 120);
    assert_eq!(done["transactions"].as_array().unwrap().len(), 1, "{done}");
    assert_eq!(
        done["transactions"][0]["tx_hash"],
        tx.as_str(),
        "another transaction was sent"
    );
    assert_eq!(
        nonce(anvil_port, HOLDER),
        before + 1,
        "the lost transaction was not sent again (or sent twice)"
    );
    let log = stack.log();
    assert!(log.contains("the chain lost this task's block"), "{log}");
    // No configured private key reaches a log or an answer (issue 18: the log-secrets check).
    let audit = client(&stack, &keys, "administrator");
    let answers = [
        holder.task(&task_id).to_string(),
        audit
            .stack
            .request(
                "GET",
                "/audit?limit=500",
                &[("Authorization", &format!("Bearer {}", audit.key))],
                None,
            )
            .body
            .to_string(),
        stack.ok("/openapi.json").to_string(),
        stack.ok("/health").to_string(),
    ];
    for (org, key) in orgs {
        let secret = key.trim_start_matches("0x");
        assert!(!log.contains(secret), "{org}'s private key is in the log");
        for a in &answers {
            assert!(!a.contains(secret), "{org}'s private key is in an answer");
        }
    }
    drop(holder);
    drop(audit);
    let _ = stack.interrupt();
}
