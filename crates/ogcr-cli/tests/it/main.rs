//! Tests that run the built `ogcr` binary.

/// `ogcr index` killed at random points.
mod api;
mod crash;
/// `ogcr export` over a short lifecycle.
mod explorer;
mod export;
/// What `ogcr index` makes of the lifecycle.
mod index;
mod keys;
/// The chain lifecycle against anvil.
mod lifecycle;
/// `ogcr clients`, `ogcr users`, `ogcr oauth`.
mod oauth;

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

use serde_json::Value;

const ENV_VARS: &[&str] = &[
    "VERIFIER_ID",
    "VERIFIER_NAME",
    "PROJECT_ID",
    "METHODOLOGY",
    "REPORTING_PERIOD",
    "OUTCOME",
    "REASON",
    "CARBON_MRV_SIGNING_SECRET",
    "CARBON_MRV_REGISTRY",
    "OGCR_VERIFIER_KEY",
    "OGCR_LOG",
];
const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const DEV_ADDRESS: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const CONTRACT: &str = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

/// `ogcr` with a clean environment and the registry in `dir`.
fn ogcr(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ogcr"));
    for var in ENV_VARS {
        cmd.env_remove(var);
    }
    cmd.current_dir(dir)
        .env("CARBON_MRV_REGISTRY", dir.join("registry.json"));
    cmd
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("ogcr runs");
    (
        status.code().unwrap_or(-1),
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ogcr-core/examples-data")
}

fn commit(dir: &Path) -> String {
    let (code, out, _) = run(ogcr(dir).args([
        "cs01",
        "commit",
        "emissions-2024-Q1",
        r#"{"tCO2e":1200,"period":"2024-Q1"}"#,
    ]));
    assert_eq!(code, 0);
    std::fs::write(dir.join("commitment.json"), &out).unwrap();
    out
}

fn registry(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("registry.json")).unwrap()).unwrap()
}

#[test]
fn commit_prints_the_reference_hash() {
    let dir = tempfile::tempdir().unwrap();
    let summary = r#"{"period":"2024-Q1","source":"inventory","boundary":"Scope 1+2","tCO2e":1200,"methodology":"GHG Protocol"}"#;
    std::fs::write(dir.path().join("summary.json"), summary).unwrap();
    let (code, out, err) =
        run(ogcr(dir.path()).args(["cs01", "commit", "emissions-2024-Q1", "@summary.json"]));
    assert_eq!(code, 0, "{err}");
    let c: Value = serde_json::from_str(&out).unwrap();
    // Computed by node (see ogcr-core/tests/fixtures/cs01/known-answers.json, "reference-demo").
    let fixture: Value = serde_json::from_str(include_str!(
        "../../../ogcr-core/tests/fixtures/cs01/known-answers.json"
    ))
    .unwrap();
    let expected = fixture["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "reference-demo")
        .unwrap();
    assert_eq!(c["commitmentHash"], expected["sha256"]);
    assert_eq!(c["label"], "emissions-2024-Q1");
    assert!(c["createdAt"].as_str().unwrap().ends_with('Z'));
    assert!(err.is_empty(), "commit needs no key, so no warning: {err}");
}

#[test]
fn commit_errors_are_one_line_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    for (summary, needle) in [
        ("[1,2]", "summary must be a json object, got array"),
        ("{\"a\":", "invalid json at byte 5"),
        ("@missing.json", "reading summary from missing.json"),
    ] {
        let (code, out, err) = run(ogcr(dir.path()).args(["cs01", "commit", "l", summary]));
        assert_eq!(code, 2, "{summary}");
        assert!(out.is_empty());
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{summary}: {err}");
    }
}

#[test]
fn attest_reads_the_environment_appends_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    commit(dir.path());
    let (code, out, err) = run(ogcr(dir.path())
        .args(["cs01", "attest", "@commitment.json"])
        .env("VERIFIER_ID", "did:ogcr:verifier:acme")
        .env("VERIFIER_NAME", "ACME")
        .env("PROJECT_ID", "OGCR-BR-0001")
        .env("METHODOLOGY", "VM0047-v1.0")
        .env("REPORTING_PERIOD", "2024")
        .env("OUTCOME", "rejected")
        .env("REASON", "plots missing"));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: using the default proof-of-concept HMAC secret"),
        "{err}"
    );
    let att: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(att["verifierId"], "did:ogcr:verifier:acme");
    assert_eq!(att["scope"]["projectId"], "OGCR-BR-0001");
    assert_eq!(att["scope"]["reportingPeriod"], "2024");
    assert_eq!(att["outcome"], "rejected");
    assert_eq!(att["reason"], "plots missing");
    assert!(att.get("signatureScheme").is_none());
    assert_eq!(registry(dir.path())["entries"][0]["attestation"], att);

    std::fs::write(dir.path().join("att.json"), &out).unwrap();
    let (code, out, _) = run(ogcr(dir.path()).args(["cs01", "verify", "@att.json"]));
    assert_eq!((code, out.as_str()), (0, "Signature valid\n"));

    let mut tampered = att.clone();
    tampered["outcome"] = "verified".into();
    let (code, out, err) = run(ogcr(dir.path()).args(["cs01", "verify", &tampered.to_string()]));
    assert_eq!((code, out.as_str()), (1, "Signature invalid\n"));
    assert!(err.contains("signature does not match"), "{err}");

    let (code, out, _) = run(ogcr(dir.path())
        .args(["cs01", "verify", "@att.json"])
        .env("CARBON_MRV_SIGNING_SECRET", "another"));
    assert_eq!((code, out.as_str()), (1, "Signature invalid\n"));
}

#[test]
fn flags_and_secret_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    commit(dir.path());
    let (code, out, err) = run(ogcr(dir.path())
        .args([
            "cs01",
            "attest",
            "@commitment.json",
            "--project-id",
            "flag-project",
            "--outcome",
            "verified",
        ])
        .env("PROJECT_ID", "env-project")
        .env("CARBON_MRV_SIGNING_SECRET", "s3cret"));
    assert_eq!(code, 0, "{err}");
    assert!(
        !err.contains("warning"),
        "a real secret gives no warning: {err}"
    );
    let att: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(att["scope"]["projectId"], "flag-project");
    let (code, _, _) = run(ogcr(dir.path())
        .args(["cs01", "verify", &att.to_string()])
        .env("CARBON_MRV_SIGNING_SECRET", "s3cret"));
    assert_eq!(code, 0);

    let (code, _, err) =
        run(ogcr(dir.path()).args(["cs01", "attest", "@commitment.json", "--outcome", "maybe"]));
    assert_eq!(code, 2);
    assert!(err.contains("maybe"), "{err}");
}

#[test]
fn list_filters_entries() {
    let dir = tempfile::tempdir().unwrap();
    commit(dir.path());
    for (project, outcome) in [("p1", "verified"), ("p1", "rejected"), ("p2", "verified")] {
        let (code, _, err) = run(ogcr(dir.path()).args([
            "cs01",
            "attest",
            "@commitment.json",
            "--project-id",
            project,
            "--outcome",
            outcome,
        ]));
        assert_eq!(code, 0, "{err}");
    }
    let count = |args: &[&str]| {
        let (code, out, err) = run(ogcr(dir.path()).args(["cs01", "list"]).args(args));
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<Vec<Value>>(&out).unwrap().len()
    };
    assert_eq!(count(&[]), 3);
    assert_eq!(count(&["--project", "p1"]), 2);
    assert_eq!(count(&["--outcome", "verified"]), 2);
    assert_eq!(count(&["--project", "p1", "--outcome", "verified"]), 1);
    assert_eq!(count(&["--project", "p3"]), 0);
}

#[test]
fn eip712_attest_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    commit(dir.path());
    let base = [
        "cs01",
        "attest",
        "@commitment.json",
        "--scheme",
        "eip712",
        "--chain-id",
        "31337",
        "--contract",
        CONTRACT,
    ];
    let (code, out, err) = run(ogcr(dir.path())
        .args(base)
        .args(["--amount-kg", "1250500"])
        .env("OGCR_VERIFIER_KEY", DEV_KEY));
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("warning"), "{err}");
    let att: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(att["signatureScheme"], "eip712");
    assert_eq!(att["verifierAddress"], DEV_ADDRESS);
    assert_eq!(att["verifiedAmountKg"], "1250500");
    std::fs::write(dir.path().join("att.json"), &out).unwrap();

    let (code, out, _) = run(ogcr(dir.path()).args(["cs01", "verify", "@att.json"]));
    assert_eq!((code, out.as_str()), (0, "Signature valid\n"));
    let (code, out, _) =
        run(ogcr(dir.path()).args(["cs01", "verify", "@att.json", "--address", DEV_ADDRESS]));
    assert_eq!((code, out.as_str()), (0, "Signature valid\n"));
    let other = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    let (code, out, err) =
        run(ogcr(dir.path()).args(["cs01", "verify", "@att.json", "--address", other]));
    assert_eq!((code, out.as_str()), (1, "Signature invalid\n"));
    assert!(err.contains(other), "{err}");

    let mut tampered = att.clone();
    tampered["verifiedAmountKg"] = "9999999".into();
    let (code, _, _) = run(ogcr(dir.path()).args(["cs01", "verify", &tampered.to_string()]));
    assert_eq!(code, 1);

    // Missing inputs are named.
    let (code, _, err) = run(ogcr(dir.path())
        .args(&base[..5])
        .args(["--amount-kg", "1"])
        .arg("--key")
        .arg(DEV_KEY));
    assert_eq!(code, 2);
    assert!(err.contains("--chain-id is required"), "{err}");
    let (code, _, err) = run(ogcr(dir.path()).args(base).args(["--key", DEV_KEY]));
    assert_eq!(code, 2);
    assert!(err.contains("--amount-kg is required"), "{err}");
    let (code, _, err) =
        run(ogcr(dir.path())
            .args(base)
            .args(["--key", "0x1234", "--amount-kg", "1"]));
    assert_eq!(code, 2);
    assert!(err.contains("invalid private key"), "{err}");
    let (code, _, err) = run(ogcr(dir.path()).args(base).args([
        "--key",
        DEV_KEY,
        "--outcome",
        "rejected",
        "--amount-kg",
        "5",
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("must be 0"), "{err}");
    assert_eq!(
        registry(dir.path())["entries"].as_array().unwrap().len(),
        1,
        "failed attests append nothing"
    );
}

#[test]
fn corrupt_registry_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    commit(dir.path());
    std::fs::write(dir.path().join("registry.json"), "{not json").unwrap();
    let (code, out, err) = run(ogcr(dir.path()).args(["cs01", "attest", "@commitment.json"]));
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("was not modified"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("registry.json")).unwrap(),
        "{not json"
    );
}

#[test]
fn demo_runs_the_full_flow() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(ogcr(dir.path()).args(["cs01", "demo"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Verify commitment: OK"), "{out}");
    assert!(out.contains("Verify signature: OK"), "{out}");
    assert!(out.contains("Registry now has 1 entry/entries."), "{out}");
    assert!(
        err.contains("warning"),
        "demo uses the default secret: {err}"
    );
    assert_eq!(registry(dir.path())["entries"].as_array().unwrap().len(), 1);
}

#[test]
fn validate_reports_every_problem_and_exit_codes() {
    let ex = examples();
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = run(ogcr(dir.path())
        .arg("validate")
        .arg(ex.join("pdd-br-reforestation.geojson")));
    assert_eq!(code, 0);
    assert!(out.ends_with("valid PDD\n"), "{out}");

    let (code, out, _) = run(ogcr(dir.path())
        .arg("validate")
        .arg(ex.join("pdd-invalid.geojson")));
    assert_eq!(code, 1);
    for needle in [
        "/id: [SCHEMA_PATTERN]",
        "/properties/actor_id: [SCHEMA_REQUIRED]",
        "fix: add the property \"actor_id\"",
        "10 problem(s)",
    ] {
        assert!(out.contains(needle), "{needle} in {out}");
    }

    let (code, out, _) = run(ogcr(dir.path())
        .arg("validate")
        .arg(ex.join("mrv-rules-violations.geojson"))
        .arg("--project")
        .arg(ex.join("pdd-br-reforestation.geojson"))
        .arg("--mrv")
        .arg(ex.join("mrv-br-2024.geojson"))
        .args(["--format", "json"]));
    assert_eq!(code, 1);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["kind"], "mrv");
    let codes: Vec<&str> = report["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    for c in [
        "PERIOD_ORDER",
        "PERIOD_OVERLAP",
        "METHODOLOGY_MISMATCH",
        "BBOX_INCONSISTENT",
        "UNCERTAINTY_BOUNDS",
    ] {
        assert!(codes.contains(&c), "{c} in {codes:?}");
    }

    let (code, _, _) = run(ogcr(dir.path())
        .arg("validate")
        .arg(ex.join("pdd-br-reforestation.geojson"))
        .args(["--kind", "mrv"]));
    assert_eq!(code, 1, "a PDD is not a valid MRV");

    let (code, _, err) = run(ogcr(dir.path()).args(["validate", "does-not-exist.geojson"]));
    assert_eq!(code, 2);
    assert!(err.contains("does-not-exist.geojson"), "{err}");
}

#[test]
fn help_teaches_with_examples() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["--help"],
        vec!["cs01", "attest", "--help"],
        vec!["validate", "--help"],
        vec!["cs01", "verify", "--help"],
    ] {
        let (code, out, _) = run(ogcr(dir.path()).args(&args));
        assert_eq!(code, 0);
        assert!(
            out.contains("Examples:") && out.contains("ogcr "),
            "{args:?}: {out}"
        );
    }
}
