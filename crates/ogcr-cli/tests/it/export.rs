//! `ogcr export` over a short lifecycle driven through the CLI: files in every format, the
//! warning for an unconfigured body, `--strict`, a configuration, and an Article 6 export.

use std::process::Output;

use serde_json::Value;

use crate::lifecycle::{Cli, DEVELOPER, HOLDER, OPERATOR, VERIFIER, root, spawn_anvil};

const VALIDATOR: &str = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

fn ok(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn export_through_the_cli() {
    let (_anvil, rpc) = spawn_anvil();
    let cli = Cli {
        dir: tempfile::tempdir().unwrap(),
        rpc,
    };
    let grants = [
        format!("developer={DEVELOPER}"),
        format!("validator={VALIDATOR}"),
        format!("verifier={VERIFIER}"),
        format!("registry_operator={OPERATOR}"),
    ];
    let mut deploy = vec!["deploy"];
    for g in &grants {
        deploy.extend(["--grant", g.as_str()]);
    }
    ok(cli.run(Some(0), &deploy), "deploy");
    let pdd = root().join("crates/ogcr-core/examples-data/pdd-br-reforestation.geojson");
    let mrv = root().join("crates/ogcr-core/examples-data/mrv-br-2024.geojson");
    let hash = format!("0x{}", "ab".repeat(32));
    ok(
        cli.run(Some(1), &["project", "register", pdd.to_str().unwrap()]),
        "register",
    );
    ok(
        cli.run(Some(1), &["project", "submit", "OGCR-BR-0001"]),
        "submit",
    );
    ok(
        cli.run(
            Some(2),
            &[
                "project",
                "validate",
                "OGCR-BR-0001",
                "--report-hash",
                &hash,
                "--justification",
                "ok",
                "--crediting-start",
                "2023-01-01",
                "--crediting-end",
                "2033-01-01",
            ],
        ),
        "validate",
    );
    let c = ok(
        cli.run(None, &["cs01", "commit", "br-2024", r#"{"tCO2e":1250.5}"#]),
        "commit",
    );
    std::fs::write(cli.dir.path().join("c.json"), c).unwrap();
    ok(
        cli.run(
            Some(1),
            &[
                "mrv",
                "submit",
                mrv.to_str().unwrap(),
                "--commitment",
                "@c.json",
            ],
        ),
        "mrv submit",
    );
    ok(
        cli.run(
            Some(3),
            &[
                "mrv",
                "verify",
                "1",
                "--amount-kg",
                "1250500",
                "--report-hash",
                &hash,
            ],
        ),
        "verify",
    );
    ok(
        cli.run(
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
                "--article6",
                "BR-ITMO-0001",
            ],
        ),
        "issue",
    );
    let db = format!("sqlite://{}", cli.dir.path().join("ogcr.db").display());
    ok(
        cli.run(None, &["index", "--once", "--database-url", &db]),
        "index",
    );

    // JSON: a summary per table, with the unconfigured bodies as warnings.
    let out = ok(
        cli.run(
            None,
            &[
                "export",
                "cadt",
                "--format",
                "json",
                "--out",
                "json",
                "--database-url",
                &db,
            ],
        ),
        "export json",
    );
    assert!(out.contains("unit_label"), "{out}");
    assert!(out.contains("2 warnings:"), "{out}");
    assert!(
        out.contains(&format!("bodies.\"{}\"", VALIDATOR.to_lowercase())),
        "{out}"
    );
    let units: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(cli.dir.path().join("json/unit.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(units.len(), 1);
    assert_eq!(units[0]["unitItmosReferenceId"], "BR-ITMO-0001");
    let year: i32 = units[0]["createdAt"].as_str().unwrap()[..4]
        .parse()
        .unwrap();

    // Strict without a configuration stops; with one it passes.
    let strict = cli.run(
        None,
        &[
            "export",
            "cadt",
            "--format",
            "csv",
            "--out",
            "csv",
            "--strict",
            "--database-url",
            &db,
        ],
    );
    assert_eq!(strict.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&strict.stderr).contains("strict export stopped"),
        "{}",
        String::from_utf8_lossy(&strict.stderr)
    );
    std::fs::write(
        cli.dir.path().join("cadt.toml"),
        format!(
            "[bodies]\n\"{}\" = \"Earthood Services Private Limited\"\n\"{}\" = \"SCS Global Services\"\n",
            VALIDATOR, VERIFIER
        ),
    )
    .unwrap();
    let out = ok(
        cli.run(
            None,
            &[
                "export",
                "cadt",
                "--format",
                "xlsx",
                "--out",
                "xlsx",
                "--strict",
                "--config",
                "cadt.toml",
                "--json",
                "--database-url",
                &db,
            ],
        ),
        "export xlsx",
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["warnings"], serde_json::json!([]));
    assert_eq!(report["tables"].as_array().unwrap().len(), 15);
    assert!(cli.dir.path().join("xlsx/cadt.xlsx").exists());

    // Article 6: the Brazilian project's authorised units.
    let out = ok(
        cli.run(
            None,
            &[
                "export",
                "aef",
                "--party",
                "Brazil",
                "--year",
                &year.to_string(),
                "--out",
                "aef",
                "--config",
                "cadt.toml",
                "--json",
                "--database-url",
                &db,
            ],
        ),
        "export aef",
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    let rows = |t: &str| {
        report["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["table"] == t)
            .unwrap()["rows"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(rows("aef_t2_authorizations"), 1);
    assert_eq!(rows("aef_t4_holdings"), 1);
    let t2 = std::fs::read_to_string(cli.dir.path().join("aef/aef_t2_authorizations.csv")).unwrap();
    assert!(t2.contains("BR-ITMO-0001"), "{t2}");
    let bad = cli.run(
        None,
        &[
            "export",
            "aef",
            "--party",
            "Atlantis",
            "--year",
            "2025",
            "--out",
            "x",
            "--database-url",
            &db,
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
}
