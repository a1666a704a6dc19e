//! `ogcr keys`, `ogcr audit` and the write options of `ogcr serve`, without a chain: keys are
//! printed once and stored hashed, listed without secrets, revoked once; bad input is refused
//! naming the value; `--organizations` without `--rpc-url` or with a bad file says what to fix.

use serde_json::Value;

use crate::{ogcr, run};

#[test]
fn keys_are_printed_once_listed_without_secrets_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("ogcr.db").display());
    let (code, out, err) = run(ogcr(dir.path()).args([
        "keys",
        "create",
        "--org",
        "acme",
        "--scopes",
        "credits:retire,credits:transfer",
        "--label",
        "ERP",
        "--expires",
        "30d",
        "--database-url",
        &db,
    ]));
    assert_eq!(code, 0, "{err}");
    let key = out.trim().to_owned();
    assert!(
        key.starts_with("ogcr_") && key.len() == 5 + 16 + 1 + 64,
        "{key}"
    );
    let secret = key.rsplit('_').next().unwrap();
    assert!(!err.contains(secret), "the key went to stderr: {err}");
    assert!(
        err.contains("acme") && err.contains("credits:retire"),
        "{err}"
    );
    let id = key.split('_').nth(1).unwrap();

    let (code, out, _) =
        run(ogcr(dir.path()).args(["keys", "list", "--json", "--database-url", &db]));
    assert_eq!(code, 0);
    let list: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list[0]["key_id"], id);
    assert_eq!(list[0]["state"], "active");
    assert!(list[0]["expires_at"].as_i64().is_some());
    assert!(!out.contains(secret), "keys list shows a secret");
    // The database holds no secret either.
    let bytes = std::fs::read(dir.path().join("ogcr.db")).unwrap();
    assert!(
        !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
        "the secret is stored"
    );

    let (code, _, err) = run(ogcr(dir.path()).args(["keys", "revoke", id, "--database-url", &db]));
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = run(ogcr(dir.path()).args(["keys", "list", "--json", "--database-url", &db]));
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()[0]["state"],
        "revoked"
    );
    let (code, _, err) = run(ogcr(dir.path()).args(["keys", "revoke", id, "--database-url", &db]));
    assert_eq!(code, 0);
    assert!(err.contains("revoked already"), "{err}");
    let (code, _, err) =
        run(ogcr(dir.path()).args(["keys", "revoke", "0000000000000000", "--database-url", &db]));
    assert_eq!(code, 2);
    assert!(err.contains("no key \"0000000000000000\""), "{err}");
}

#[test]
fn bad_key_requests_name_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("ogcr.db").display());
    for (args, want) in [
        (
            vec!["--org", "acme", "--scopes", "credits:steal"],
            "unknown scope \"credits:steal\"",
        ),
        (
            vec!["--org", "Acme Corp", "--scopes", "mrv:write"],
            "\"Acme Corp\"",
        ),
        (
            vec![
                "--org",
                "acme",
                "--scopes",
                "mrv:write",
                "--expires",
                "soon",
            ],
            "--expires \"soon\"",
        ),
        (
            vec![
                "--org",
                "acme",
                "--scopes",
                "mrv:write",
                "--expires",
                "2001-01-01",
            ],
            "in the past",
        ),
    ] {
        let mut cmd = ogcr(dir.path());
        cmd.args(["keys", "create"])
            .args(&args)
            .args(["--database-url", &db]);
        let (code, _, err) = run(&mut cmd);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    let (code, _, err) =
        run(ogcr(dir.path()).args(["audit", "--outcome", "maybe", "--database-url", &db]));
    assert_ne!(code, 0);
    assert!(err.contains("maybe"), "{err}");
    let (code, _, err) = run(ogcr(dir.path()).args(["audit", "--database-url", &db]));
    assert_eq!(code, 0);
    assert!(err.contains("no audit entries"), "{err}");
}

#[test]
fn serve_refuses_write_options_that_cannot_work() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("ogcr.db").display());
    std::fs::write(
        dir.path().join("orgs.toml"),
        "[organizations.acme]\nprivate_key_env = \"NOPE_KEY\"\n",
    )
    .unwrap();
    let (code, _, err) = run(ogcr(dir.path()).args([
        "serve",
        "--port",
        "0",
        "--organizations",
        "orgs.toml",
        "--database-url",
        &db,
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("give --rpc-url too"), "{err}");
    // A closed loopback port: the file is read before the chain is asked.
    let (code, _, err) = run(ogcr(dir.path()).args([
        "serve",
        "--port",
        "0",
        "--organizations",
        "orgs.toml",
        "--rpc-url",
        "http://127.0.0.1:9",
        "--database-url",
        &db,
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("NOPE_KEY is not set"), "{err}");
}

#[test]
fn keys_and_audit_help_teach_with_examples() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["keys", "--help"],
        vec!["keys", "create", "--help"],
        vec!["keys", "list", "--help"],
        vec!["keys", "revoke", "--help"],
        vec!["audit", "--help"],
    ] {
        let (code, out, _) = run(ogcr(dir.path()).args(&args));
        assert_eq!(code, 0);
        assert!(
            out.contains("Examples:") && out.contains("ogcr "),
            "{args:?}: {out}"
        );
    }
}
