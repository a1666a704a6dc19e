//! The whole registry lifecycle through the `ogcr` binary against a local anvil chain.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

use serde_json::Value;

pub(crate) const KEYS: [&str; 6] = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
];
pub(crate) const DEVELOPER: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const VALIDATOR: &str = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
pub(crate) const VERIFIER: &str = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
pub(crate) const OPERATOR: &str = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
pub(crate) const HOLDER: &str = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";

pub(crate) struct Anvil(Child);

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub(crate) fn spawn_anvil() -> (Anvil, String) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(root().join("node_modules/.bin/anvil"))
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("anvil from npm (run npm ci)");
    let anvil = Anvil(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "anvil did not start on port {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (anvil, format!("http://127.0.0.1:{port}"))
}

pub(crate) struct Cli {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) rpc: String,
}

impl Cli {
    pub(crate) fn run(&self, key: Option<usize>, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ogcr"));
        cmd.current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("OGCR_RPC_URL", &self.rpc)
            .env("OGCR_NETWORKS", root().join("deploy/networks.toml"))
            .args(args);
        if let Some(k) = key {
            cmd.args(["--private-key", KEYS[k]]);
        }
        cmd.output().unwrap()
    }

    /// Runs with --json and expects success.
    fn ok(&self, key: Option<usize>, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.run(key, &all);
        assert!(
            out.status.success(),
            "ogcr {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "ogcr {args:?}: not JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// Runs a command that always prints JSON (the cs01 group) and expects success.
    fn json_out(&self, args: &[&str]) -> Value {
        let out = self.run(None, args);
        assert!(
            out.status.success(),
            "ogcr {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Expects failure with exit 2 and a one-line reason containing `needle`.
    fn fails(&self, key: Option<usize>, args: &[&str], needle: &str) {
        let out = self.run(key, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "ogcr {args:?} should fail: {err}"
        );
        assert!(
            err.contains(needle),
            "ogcr {args:?}: {err:?} lacks {needle:?}"
        );
        assert!(!err.contains("0x08c379a0"), "raw revert data leaked: {err}");
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

fn example(name: &str) -> String {
    root()
        .join("crates/ogcr-core/examples-data")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn full_lifecycle_through_the_cli() {
    let (_anvil, rpc) = spawn_anvil();
    let cli = Cli {
        dir: tempfile::tempdir().unwrap(),
        rpc,
    };

    // Deploy with roles; a second run finds the deployment.
    let d = cli.ok(
        Some(0),
        &[
            "deploy",
            "--grant",
            &format!("developer={DEVELOPER}"),
            "--grant",
            &format!("validator={VALIDATOR}"),
            "--grant",
            &format!("verifier={VERIFIER}"),
            "--grant",
            &format!("registry_operator={OPERATOR}"),
        ],
    );
    assert_eq!(d["deployed"], true);
    assert!(cli.dir.path().join("deploy/31337.json").exists());
    let again = cli.ok(Some(0), &["deploy"]);
    assert_eq!(again["deployed"], false);
    assert_eq!(again["MRVRegistry"], d["MRVRegistry"]);
    let roles = cli.ok(None, &["roles", "list", VERIFIER]);
    assert_eq!(roles["roles"], serde_json::json!(["verifier"]));

    // Project: register (document stored, content-addressed), submit, validate.
    let pdd = example("pdd-br-reforestation.geojson");
    let r = cli.ok(
        Some(1),
        &[
            "project",
            "register",
            &pdd,
            "--external-registry",
            "Verra",
            "--external-id",
            "3989",
        ],
    );
    let uri = r["pdd_uri"].as_str().unwrap();
    let hex = uri.strip_prefix("ogcr://sha256/").unwrap();
    assert!(
        cli.dir
            .path()
            .join(format!("ogcr-documents/{hex}.json"))
            .exists()
    );
    cli.fails(
        Some(1),
        &["project", "register", &pdd],
        "project OGCR-BR-0001 already exists",
    );
    // A refused command stores nothing (the pre-flight comes first): another PDD by an account
    // without the developer role.
    let stored = || {
        std::fs::read_dir(cli.dir.path().join("ogcr-documents"))
            .unwrap()
            .count()
    };
    let before = stored();
    let mut other: Value = serde_json::from_str(&std::fs::read_to_string(&pdd).unwrap()).unwrap();
    other["id"] = "OGCR-BR-0099".into();
    std::fs::write(cli.path("other.geojson"), other.to_string()).unwrap();
    cli.fails(
        Some(5),
        &["project", "register", &cli.path("other.geojson")],
        "lacks the developer role",
    );
    assert_eq!(
        stored(),
        before,
        "a refused registration wrote its document"
    );
    cli.fails(
        Some(2),
        &["project", "submit", "OGCR-BR-0001"],
        "lacks the developer role",
    );
    cli.ok(Some(1), &["project", "submit", "OGCR-BR-0001"]);
    let report_hash = format!("0x{}", "ab".repeat(32));
    cli.ok(
        Some(2),
        &[
            "project",
            "validate",
            "OGCR-BR-0001",
            "--report-hash",
            &report_hash,
            "--justification",
            "meets VM0047",
            "--crediting-start",
            "2023-01-01",
            "--crediting-end",
            "2033-01-01",
        ],
    );
    assert_eq!(
        cli.ok(None, &["project", "show", "OGCR-BR-0001"])["status"],
        "validated"
    );

    // MRV: commitment, submission, overlap refused with a readable period.
    let c = cli.json_out(&[
        "cs01",
        "commit",
        "br-2024",
        r#"{"tCO2e":1250.5,"period":"2024"}"#,
    ]);
    std::fs::write(cli.path("c.json"), c.to_string()).unwrap();
    let s = cli.ok(
        Some(1),
        &[
            "mrv",
            "submit",
            &example("mrv-br-2024.geojson"),
            "--commitment",
            &format!("@{}", cli.path("c.json")),
        ],
    );
    assert_eq!(s["mrv_id"], 1);
    assert_eq!(s["period"], "2024-01-01..2025-01-01");
    let mut second: Value =
        serde_json::from_str(&std::fs::read_to_string(example("mrv-br-2024.geojson")).unwrap())
            .unwrap();
    second["properties"]["start_date"] = "2024-07-01".into();
    second["id"] = "OGCR-BR-0001-MRV-2024H2".into();
    std::fs::write(cli.path("mrv2.geojson"), second.to_string()).unwrap();
    let c2 = cli.json_out(&[
        "cs01",
        "commit",
        "br-2024h2",
        r#"{"tCO2e":600,"period":"2024H2"}"#,
    ]);
    std::fs::write(cli.path("c2.json"), c2.to_string()).unwrap();
    cli.fails(
        Some(1),
        &[
            "mrv",
            "submit",
            &cli.path("mrv2.geojson"),
            "--commitment",
            &format!("@{}", cli.path("c2.json")),
        ],
        "MRV period 2024-07-01..2025-01-01 overlaps report 1",
    );
    assert_eq!(stored(), before + 1, "a refused report wrote its document");

    // Verifier signs; anyone relays; reuse refused. No placeholder is signed: what is neither
    // given nor on chain is refused, naming the flag; a commitment the report did not anchor
    // is refused.
    fn attest<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec![
            "mrv",
            "attest",
            "--verifier-id",
            "did:ogcr:verifier:acme",
            "--amount-kg",
            "1250500",
        ];
        args.extend_from_slice(extra);
        args
    }
    let c_arg = format!("@{}", cli.path("c.json"));
    let c2_arg = format!("@{}", cli.path("c2.json"));
    cli.fails(
        Some(3),
        &attest(&[&c_arg, "--report-hash", &report_hash]),
        "give --project-id",
    );
    cli.fails(
        Some(3),
        &attest(&[
            &c_arg,
            "--mrv",
            "1",
            "--report-hash",
            &format!("0x{}", "0".repeat(64)),
        ]),
        "all zeros",
    );
    cli.fails(
        Some(3),
        &attest(&[&c2_arg, "--mrv", "1", "--report-hash", &report_hash]),
        "is not the one report 1 anchored",
    );
    let missing = cli.run(Some(3), &attest(&[&c_arg, "--mrv", "1"]));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("--report"),
        "a report is required"
    );
    let att = cli.run(
        Some(3),
        &attest(&[&c_arg, "--mrv", "1", "--report-hash", &report_hash]),
    );
    assert!(
        att.status.success(),
        "{}",
        String::from_utf8_lossy(&att.stderr)
    );
    std::fs::write(cli.path("att.json"), &att.stdout).unwrap();
    let signed: Value = serde_json::from_slice(&att.stdout).unwrap();
    let scope = &signed["scope"];
    assert_eq!(
        (
            scope["projectId"].as_str(),
            scope["methodologyVersion"].as_str(),
            scope["reportingPeriod"].as_str()
        ),
        (
            Some("OGCR-BR-0001"),
            Some("VM0047"),
            Some("2024-01-01..2025-01-01")
        ),
        "{signed}"
    );
    assert!(cli.dir.path().join(".ogcr/attestations.json").exists());
    let relay = cli.ok(
        Some(5),
        &[
            "mrv",
            "submit-attestation",
            "1",
            &format!("@{}", cli.path("att.json")),
        ],
    );
    assert_eq!(relay["verifier"], VERIFIER);
    cli.fails(
        Some(5),
        &[
            "mrv",
            "submit-attestation",
            "1",
            &format!("@{}", cli.path("att.json")),
        ],
        "was already used",
    );
    let shown = cli.ok(None, &["mrv", "show", "1"]);
    assert_eq!(shown["status"], "verified");
    assert_eq!(shown["verified_amount_kg"], "1250500");

    // CRUs: issue with buffer, over-issuance refused, partial retire, frozen token.
    let i = cli.ok(
        Some(4),
        &[
            "cru",
            "issue",
            "--mrv",
            "1",
            "--to",
            HOLDER,
            "--amount",
            "1000",
            "--buffer",
            "100",
            "--buffer-to",
            OPERATOR,
            "--corsia",
        ],
    );
    assert_eq!(i["token_id"], "1");
    assert_eq!(i["buffer_token_id"], "2");
    cli.fails(
        Some(4),
        &[
            "cru", "issue", "--mrv", "1", "--to", HOLDER, "--amount", "151",
        ],
        "exceeds",
    );
    let ret = cli.ok(
        Some(5),
        &[
            "cru",
            "retire",
            "1",
            "--amount",
            "250",
            "--beneficiary",
            "Acme Airlines",
        ],
    );
    assert_eq!(ret["retired_token_id"], "3");
    // Over-retiring says how much the token holds (issue 18), and sends nothing.
    cli.fails(
        Some(5),
        &[
            "cru",
            "retire",
            "1",
            "--amount",
            "751",
            "--beneficiary",
            "Acme Airlines",
        ],
        "token 1 holds 750 t; retiring 751 t is more than it holds",
    );
    cli.fails(
        Some(5),
        &[
            "cru",
            "retire",
            "1",
            "--reason-code",
            "9",
            "--beneficiary",
            "Acme Airlines",
        ],
        "9 is not in 0..=4",
    );
    let held = cli.ok(None, &["cru", "list", HOLDER]);
    let amounts: Vec<u64> = held
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["amount_t"].as_u64().unwrap())
        .collect();
    assert_eq!(amounts, vec![750, 250]);
    assert_eq!(cli.ok(None, &["cru", "show", "3"])["status"], "retired");
    cli.fails(Some(5), &["cru", "transfer", "3", DEVELOPER], "cannot move");
    cli.ok(Some(5), &["cru", "transfer", "1", DEVELOPER]);
    assert_eq!(cli.ok(None, &["cru", "show", "1"])["owner"], DEVELOPER);

    // Pause stops registry operations.
    cli.ok(Some(4), &["pause"]);
    cli.fails(
        Some(1),
        &["project", "archive", "OGCR-BR-0001", "--reason", "x"],
        "the registry is paused",
    );
    cli.ok(Some(0), &["unpause"]);

    crate::index::check_lifecycle_index(&cli);

    // Issue 16's commands, after the index check (which expects the chain as above).
    cli.ok(Some(4), &["pause"]);
    assert_eq!(cli.ok(None, &["pause", "status"])["paused"], true);
    cli.ok(Some(0), &["unpause"]);
    assert_eq!(cli.ok(None, &["pause", "status"])["paused"], false);
    // Labels are replaced by exactly the ones given.
    let l = cli.ok(
        Some(4),
        &["cru", "label", "1", "--article6", "KE-ITMO-2026-0001"],
    );
    assert_eq!(l["labels_before"], serde_json::json!(["corsia"]));
    assert_eq!(l["labels"], serde_json::json!(["article6"]));
    assert_eq!(
        cli.ok(None, &["cru", "show", "1"])["itmo_reference"],
        "KE-ITMO-2026-0001"
    );
    // A partial transfer splits, then sends the new token; over-transfer sends nothing.
    cli.fails(
        Some(1),
        &["cru", "transfer", "1", HOLDER, "--amount", "751"],
        "token 1 holds 750 t; transferring 751 t is more than it holds",
    );
    let t = cli.ok(
        Some(1),
        &["cru", "transfer", "1", HOLDER, "--amount", "100"],
    );
    assert_eq!(t["split_from"], "1");
    assert_eq!(t["amount_t"], 100);
    let part = t["token_id"].as_str().unwrap().to_owned();
    let shown = cli.ok(None, &["cru", "show", &part]);
    assert_eq!(
        (shown["owner"].as_str(), shown["amount_t"].as_u64()),
        (Some(HOLDER), Some(100))
    );
    assert_eq!(cli.ok(None, &["cru", "show", "1"])["amount_t"], 650);
    // retire-batch: whole tokens in one transaction, the reason by name.
    let b = cli.ok(
        Some(5),
        &[
            "cru",
            "retire-batch",
            &part,
            "--beneficiary",
            "Acme Airlines",
            "--reason",
            "corsia",
        ],
    );
    assert_eq!(b["retired_token_ids"], serde_json::json!([part.clone()]));
    assert_eq!(b["amount_t"], 100);
    let r = cli.ok(None, &["cru", "show", &part]);
    assert_eq!(r["retirement"]["reason"], "CORSIA offsetting");
    // The transaction decoded.
    let tx = cli.ok(None, &["tx", "show", b["tx_hash"].as_str().unwrap()]);
    assert_eq!(tx["status"], "success");
    let events: Vec<&str> = tx["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert!(events.contains(&"CRURetired"), "{tx}");
    assert_eq!(tx["events"][0]["contract"], "CarbonRemovalUnit");
    // An account's roles and holdings.
    let acct = cli.ok(None, &["account", "show", OPERATOR]);
    assert_eq!(
        acct["roles"],
        serde_json::json!(["registry_operator"]),
        "{acct}"
    );
    assert_eq!(acct["tonnes_by_status"]["buffer"], 100, "{acct}");
    let out = cli.run(None, &["account", "show", HOLDER]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("token_id\tstatus"),
        "a table on a pipe: {text}"
    );
    // Errors under --json are JSON on stderr, exit 2.
    let out = cli.run(None, &["cru", "show", "999", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let err: Value = serde_json::from_slice(&out.stderr).expect("a JSON error");
    assert!(
        err["error"]["message"].as_str().unwrap().contains("999"),
        "{err}"
    );
    // A closed pipe ends a listing quietly (no panic message).
    let mut child = Command::new(env!("CARGO_BIN_EXE_ogcr"))
        .current_dir(cli.dir.path())
        .env("OGCR_RPC_URL", &cli.rpc)
        .env("OGCR_NETWORKS", root().join("deploy/networks.toml"))
        .args(["completions", "bash"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn chain_commands_explain_missing_setup() {
    let (_anvil, rpc) = spawn_anvil();
    let cli = Cli {
        dir: tempfile::tempdir().unwrap(),
        rpc,
    };
    cli.fails(
        None,
        &["project", "show", "X"],
        "run `ogcr deploy --network anvil` first",
    );
    cli.fails(None, &["deploy"], "deploy needs a signer");
    cli.fails(
        Some(0),
        &["deploy", "--network", "sepolia"],
        "serves chain 31337, but 11155111 was expected",
    );
    cli.fails(
        Some(0),
        &["deploy", "--network", "moon"],
        "unknown network \"moon\"",
    );
}
