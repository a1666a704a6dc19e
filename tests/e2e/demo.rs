//! `ogcr up --demo` on a fresh directory, checked through HTTP against the demo's own summary
//! (`.ogcr/demo-summary.json`, read back from the chain by the demo): projects, monitoring,
//! credits, retirements and events; every PDD and MRV against the OGCR schemas; every CAD Trust
//! record against v2.0.2; the Article 6 tables; then Ctrl-C and a restart that sends nothing
//! and loses or duplicates nothing. On SQLite, and on PostgreSQL.

use std::collections::{BTreeMap, BTreeSet};

use ogcr_core::{DocumentKind, validation::schema};
use ogcr_e2e::{Stack, free_port, workdir};
use ogcr_store::testing;
use serde_json::Value;

fn schema_errors(kind: DocumentKind, doc: &Value) -> Vec<String> {
    schema::validate(schema::base_validator(kind), doc)
        .into_iter()
        .map(|i| format!("{} {}", i.pointer, i.message))
        .collect()
}

fn arr(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("not an array: {v}"))
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

/// The OGCR API name of a project status as the demo's summary spells it.
fn api_status(summary: &str) -> &str {
    match summary {
        "validated" => "approved",
        "under review" => "under_review",
        other => other,
    }
}

/// Every record of a CADT-paged table, page by page.
fn all_pages(stack: &Stack, path: &str) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let p = stack.ok(&format!("{path}{sep}page={page}&limit=25"));
        out.extend(arr(&p["data"]).iter().cloned());
        if page >= p["pageCount"].as_u64().unwrap() {
            return out;
        }
        page += 1;
    }
}

/// What must be identical before and after a restart.
fn snapshot(stack: &Stack) -> Value {
    serde_json::json!({
        "events": stack.ok("/events?limit=100&offset=0")["pagination"]["total"],
        "projects": stack.ok("/projects?limit=100"),
        "credits": stack.ok("/credits?limit=100"),
        "retirements": stack.ok("/retirements?limit=100"),
        "units": stack.ok("/cadt/v2/unit?page=1&limit=1000"),
    })
}

fn run_demo(database_url: &str, backend: &str) {
    let dir = workdir();
    let (anvil_port, api_port) = (free_port(), free_port());
    let db = ["--demo", "--database-url", database_url];
    let mut stack = Stack::start(dir.path(), anvil_port, api_port, &db);
    stack.wait_for("/health", "the API", 300, |v| v["status"] == "ok");
    let summary: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join(".ogcr/demo-summary.json"))
            .expect("ogcr up --demo writes its summary before serving"),
    )
    .unwrap();
    let tokens = arr(&summary["tokens"]);
    let projects = arr(&summary["projects"]);
    let reports = arr(&summary["reports"]);
    let retirements = arr(&summary["retirements"]);
    assert!(projects.len() >= 3 && tokens.len() > 10, "{backend}");

    // Caught up: the last tokens are in, and every document has been fetched and verified.
    stack.wait_for("/credits?limit=1", "every credit indexed", 120, |v| {
        v["pagination"]["total"] == tokens.len()
    });
    stack.wait_for("/projects?limit=100", "every PDD verified", 120, |v| {
        arr(&v["data"]).len() == projects.len()
            && arr(&v["data"]).iter().all(|p| p.get("document").is_none())
    });
    for p in projects {
        let id = s(&p["project_id"]);
        stack.wait_for(
            &format!("/projects/{id}/monitoring?limit=100"),
            "every MRV verified",
            120,
            |v| arr(&v["data"]).iter().all(|m| m.get("document").is_none()),
        );
    }

    // Projects: each as the demo left it, a valid OGCR PDD Feature.
    let list = stack.ok("/projects?limit=100");
    assert_eq!(list["pagination"]["total"], projects.len(), "{backend}");
    let types: BTreeSet<&str> = projects.iter().map(|p| s(&p["project_type"])).collect();
    let countries: BTreeSet<&str> = projects.iter().map(|p| s(&p["country"])).collect();
    assert!(
        types.len() >= 3 && countries.len() >= 3,
        "{types:?} {countries:?}"
    );
    for p in projects {
        let id = s(&p["project_id"]);
        let f = stack.ok(&format!("/projects/{id}"));
        assert_eq!(f["id"], id);
        assert_eq!(
            f["properties"]["status"],
            api_status(s(&p["status"])),
            "{backend}: {id}"
        );
        assert_eq!(f["properties"]["name"], p["name"], "{backend}: {id}");
        assert_eq!(f["properties"]["project_type"], p["project_type"]);
        assert_eq!(f["ledger_reference"]["ledger_id"], "eip155:31337");
        assert_eq!(
            schema_errors(DocumentKind::Pdd, &f),
            Vec::<String>::new(),
            "{backend}: {id}"
        );
        let h = stack.ok(&format!("/projects/{id}/history"));
        assert_eq!(
            arr(&h["versions"]).len(),
            p["pdd_version"].as_u64().unwrap() as usize,
            "{backend}: {id} versions"
        );
    }
    // The rejected-then-revised project shows both decisions.
    let rejected = stack.ok("/events?event=ProjectRejected&limit=100");
    assert!(rejected["pagination"]["total"].as_u64().unwrap() >= 1);
    // Filters agree with the summary.
    let approved = projects
        .iter()
        .filter(|p| p["status"] == "validated")
        .count();
    assert_eq!(
        stack.ok("/projects?status=approved&limit=100")["pagination"]["total"],
        approved
    );

    // Monitoring: every report with its on-chain verification, a valid OGCR MRV Feature.
    let mut per_project: BTreeMap<&str, usize> = BTreeMap::new();
    for r in reports {
        let pid = s(&r["project_id"]);
        *per_project.entry(pid).or_default() += 1;
        let m = stack.ok(&format!("/projects/{pid}/monitoring/{}", r["mrv_id"]));
        let want = match s(&r["status"]) {
            "submitted" => "pending",
            other => other,
        };
        assert_eq!(
            m["properties"]["verification_status"], want,
            "{backend}: report {}",
            r["mrv_id"]
        );
        assert_eq!(
            schema_errors(DocumentKind::Mrv, &m),
            Vec::<String>::new(),
            "{backend}: report {}",
            r["mrv_id"]
        );
    }
    for (pid, n) in &per_project {
        let l = stack.ok(&format!("/projects/{pid}/monitoring?limit=100"));
        assert_eq!(l["pagination"]["total"], *n, "{backend}: {pid}");
    }
    let verified = reports.iter().filter(|r| r["status"] == "verified").count();
    let direct = reports
        .iter()
        .filter(|r| r["verification"] == "direct")
        .count();
    let relayed = reports
        .iter()
        .filter(|r| r["verification"] == "attestation")
        .count();
    assert!(
        direct > 0 && relayed > 0,
        "both verification paths are used"
    );
    assert_eq!(
        stack.ok("/events?event=MRVVerified&limit=1")["pagination"]["total"],
        verified,
        "{backend}"
    );
    assert_eq!(
        stack.ok("/events?event=MRVAttestationAccepted&limit=1")["pagination"]["total"],
        relayed,
        "{backend}"
    );
    assert!(
        reports.iter().any(|r| r["status"] == "rejected"),
        "a report is rejected"
    );

    // Credits: every token's status, holder, serials, labels and ITMO reference.
    let credits = stack.ok("/credits?limit=100");
    let by_id: BTreeMap<String, &Value> = arr(&credits["data"])
        .iter()
        .map(|c| (s(&c["id"]).to_owned(), c))
        .collect();
    assert_eq!(by_id.len(), tokens.len(), "{backend}");
    for t in tokens {
        let c = by_id[&t["token_id"].to_string()];
        assert_eq!(
            c["status"], t["status"],
            "{backend}: token {}",
            t["token_id"]
        );
        assert_eq!(
            s(&c["owner"]),
            s(&t["owner"]).to_lowercase(),
            "{backend}: token {}",
            t["token_id"]
        );
        assert_eq!(c["serial_start"], t["serial_start"]);
        assert_eq!(c["serial_end"], t["serial_end"]);
        assert_eq!(c["vintage"], t["vintage"]);
        assert_eq!(c["itmo_reference"], t["itmo_reference"]);
        assert_eq!(
            arr(&c["labels"]).len(),
            arr(&t["label_names"]).len(),
            "{backend}: token {} labels",
            t["token_id"]
        );
    }
    for status in ["active", "retired", "cancelled", "buffer"] {
        let n = tokens.iter().filter(|t| t["status"] == status).count();
        assert!(n > 0, "the demo leaves {status} tokens");
        assert_eq!(
            stack.ok(&format!("/credits?status={status}&limit=1"))["pagination"]["total"],
            n,
            "{backend}: {status}"
        );
    }
    for (label, bit) in [("corsia", 1), ("article6", 2)] {
        let n = tokens
            .iter()
            .filter(|t| t["labels"].as_u64().unwrap() & bit != 0)
            .count();
        assert!(n > 0, "the demo labels tokens {label}");
        assert_eq!(
            stack.ok(&format!("/credits?label={label}&limit=1"))["pagination"]["total"],
            n,
            "{backend}: {label}"
        );
    }

    // Retirements: who retired what, for whom.
    let r = stack.ok("/retirements?limit=100");
    assert_eq!(r["pagination"]["total"], retirements.len(), "{backend}");
    let served: BTreeSet<(String, String)> = arr(&r["data"])
        .iter()
        .map(|x| {
            (
                s(&x["credit_id"]).to_owned(),
                s(&x["beneficiary"]).to_owned(),
            )
        })
        .collect();
    let done: BTreeSet<(String, String)> = retirements
        .iter()
        .map(|x| (x["token_id"].to_string(), s(&x["beneficiary"]).to_owned()))
        .collect();
    assert_eq!(served, done, "{backend}");
    assert_eq!(
        stack.ok("/events?event=CRURetired&limit=1")["pagination"]["total"],
        retirements.len(),
        "{backend}"
    );

    // CAD Trust v2.0.2: every table has records, every record is valid.
    let mut cadt = BTreeMap::new();
    for t in ogcr_export::Exporter::tables() {
        let records = all_pages(&stack, &format!("/cadt/v2/{}", t.name));
        assert!(
            !records.is_empty(),
            "{backend}: CAD Trust table {} is empty",
            t.name
        );
        for rec in &records {
            let v = ogcr_export::validate_record(&t.name, rec);
            assert!(v.is_empty(), "{backend}: {}: {v:?}\n{rec}", t.name);
        }
        cadt.insert(t.name.clone(), records);
    }
    assert_eq!(cadt["project"].len(), projects.len());
    assert_eq!(cadt["unit"].len(), tokens.len());
    let unit_status = |st: &str| match st {
        "active" => "Held",
        "retired" => "Retired",
        "cancelled" => "Cancelled",
        _ => "Buffer",
    };
    let mut want: Vec<&str> = tokens
        .iter()
        .map(|t| unit_status(s(&t["status"])))
        .collect();
    let mut got: Vec<&str> = cadt["unit"].iter().map(|u| s(&u["unitStatus"])).collect();
    want.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, want, "{backend}: unitStatus");

    // Article 6: the demo's Article 6 units are Kenyan and Indonesian; every AEF table of
    // each Party with such units has records, all valid, for the year the chain ran in.
    let first = stack.ok("/events?limit=1");
    let year = &s(&first["data"][0]["timestamp"])[..4];
    let parties: BTreeSet<&str> = tokens
        .iter()
        .filter(|t| t["labels"].as_u64().unwrap() & 2 != 0)
        .filter_map(|t| {
            projects
                .iter()
                .find(|p| p["project_id"] == t["project_id"])
                .map(|p| s(&p["country"]))
        })
        .collect();
    assert!(!parties.is_empty());
    for party in parties {
        for t in ogcr_export::Exporter::aef_tables() {
            let rows = all_pages(
                &stack,
                &format!("/aef/{}?party={party}&year={year}", t.name),
            );
            assert!(!rows.is_empty(), "{backend}: {party} {} is empty", t.name);
            for rec in &rows {
                let v = ogcr_export::validate_record(&t.name, rec);
                assert!(v.is_empty(), "{backend}: {}: {v:?}\n{rec}", t.name);
            }
        }
    }

    // Ctrl-C, then again with --demo: nothing is sent, nothing lost or duplicated.
    let before = snapshot(&stack);
    let (ok, log) = stack.interrupt();
    assert!(ok, "{backend}: ogcr up exits 0 on Ctrl-C\n{log}");
    assert!(
        log.contains("[1/"),
        "{backend}: the demo reports progress\n{log}"
    );
    let mut stack = Stack::start(dir.path(), anvil_port, api_port, &db);
    stack.wait_for("/health", "the API after a restart", 300, |v| {
        v["status"] == "ok"
    });
    stack.wait_for("/events?limit=1", "the indexer after a restart", 60, |v| {
        v["pagination"]["total"] == before["events"]
    });
    assert_eq!(
        snapshot(&stack),
        before,
        "{backend}: the restart changed the data"
    );
    let (ok, log) = stack.interrupt();
    assert!(ok, "{log}");
    assert!(log.contains("nothing to send"), "{backend}: {log}");
    assert!(
        !log.contains("[1/"),
        "{backend}: the rerun sent transactions\n{log}"
    );
}

#[test]
fn demo_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("ogcr.db").display());
    run_demo(&url, "sqlite");
}

#[test]
fn demo_on_postgres() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    // A fresh database on the test server (skipped, with a note, when none is configured;
    // a failure when OGCR_REQUIRE_POSTGRES=1).
    let backends = rt.block_on(testing::backends());
    let Some(pg) = backends.iter().find(|b| b.name == "postgres") else {
        return;
    };
    rt.block_on(pg.store.clone().close());
    run_demo(&pg.url, "postgres");
}
