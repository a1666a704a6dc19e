//! `ogcr up` without the demo: the CLI drives the chain it started, the API shows it, and
//! Ctrl-C and a restart resume the same chain and database without loss or duplicates.

use ogcr_e2e::{Stack, free_port, ogcr, root, workdir};

/// anvil account 1: a developer in `ogcr up`'s deployment.
const DEVELOPER_KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

#[test]
fn up_serves_the_registry_and_resumes_after_ctrl_c() {
    let dir = workdir();
    let (anvil_port, api_port) = (free_port(), free_port());
    let mut up = Stack::start(dir.path(), anvil_port, api_port, &[]);
    let health = up.wait_for("/health", "the API", 120, |v| v["status"] == "ok");
    assert_eq!(health["chain_id"], 31337);
    assert!(dir.path().join("deploy/31337.json").exists());

    // The CLI drives the chain `ogcr up` started, found through the profile it wrote (no
    // --rpc-url); the API shows it. A flag still wins over the profile.
    let profile = std::fs::read_to_string(dir.path().join(".ogcr/profile.toml")).unwrap();
    let rpc = format!("http://127.0.0.1:{anvil_port}");
    assert!(
        profile.contains(&format!("rpc_url = \"{rpc}\"")),
        "{profile}"
    );
    assert!(
        profile.contains(&format!("api_url = \"http://127.0.0.1:{api_port}\"")),
        "{profile}"
    );
    let closed = format!("http://127.0.0.1:{}", free_port());
    let (ok, _, err) = ogcr(dir.path(), &["pause", "status", "--rpc-url", &closed]);
    assert!(!ok && err.contains(&closed), "the flag wins: {err}");
    let (ok, out, err) = ogcr(dir.path(), &["pause", "status", "--json"]);
    assert!(ok && out.contains("false"), "{out}{err}");
    let pdd = root().join("crates/ogcr-core/examples-data/pdd-br-reforestation.geojson");
    let (ok, _, err) = ogcr(
        dir.path(),
        &[
            "project",
            "register",
            pdd.to_str().unwrap(),
            "--private-key",
            DEVELOPER_KEY,
        ],
    );
    assert!(ok, "{err}");
    let p = up.wait_for("/projects", "the project in the API", 60, |v| {
        v["pagination"]["total"] == 1 && v["data"][0]["properties"]["project_type"].is_string()
    });
    assert_eq!(p["data"][0]["properties"]["status"], "draft");
    // The lists read the API the profile names.
    let (ok, out, err) = ogcr(dir.path(), &["project", "list", "--json"]);
    assert!(ok, "{err}");
    let listed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(listed[0]["id"], "OGCR-BR-0001", "{out}");
    let (ok, out, _) = ogcr(dir.path(), &["project", "list"]);
    assert!(
        ok && out.starts_with("project_id\tstatus") && out.contains("OGCR-BR-0001\tdraft"),
        "{out}"
    );
    let (ok, out, err) = ogcr(dir.path(), &["mrv", "list", "OGCR-BR-0001", "--json"]);
    assert!(ok && out.trim() == "[]", "{out}{err}");
    let (ok, _, err) = ogcr(dir.path(), &["project", "list", "--status", "bogus"]);
    assert!(!ok && err.contains("bogus"), "{err}");
    let events = up.ok("/events?limit=100")["pagination"]["total"].clone();

    let (ok, log) = up.interrupt();
    assert!(ok, "ogcr up exits 0 on Ctrl-C: {log}");
    assert!(log.contains("contracts deployed"), "{log}");
    assert!(dir.path().join(".ogcr/anvil-state.json").exists());

    // Again: the same chain, the same deployment, the same rows.
    let mut up = Stack::start(dir.path(), anvil_port, api_port, &[]);
    up.wait_for("/health", "the API after a restart", 120, |v| {
        v["status"] == "ok"
    });
    let again = up.wait_for("/projects", "the project after a restart", 60, |v| {
        v["pagination"]["total"] == 1
    });
    assert_eq!(again["data"][0]["id"], "OGCR-BR-0001");
    assert_eq!(
        up.ok("/events?limit=100")["pagination"]["total"],
        events,
        "no event lost or duplicated across the restart"
    );
    let (ok, log) = up.interrupt();
    assert!(ok, "{log}");
    assert!(log.contains("resumed from"), "{log}");
    assert!(log.contains("contracts reused"), "{log}");
}
