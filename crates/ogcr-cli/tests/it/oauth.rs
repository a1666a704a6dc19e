//! `ogcr clients`, `ogcr users` and `ogcr oauth`, without a chain: a client's secret is printed
//! once and stored hashed, listed without it, revoked once; a public client needs a redirect
//! URI; a user's password comes from stdin (never an argument), is stored as argon2id only and
//! must be long enough; a user is disabled once; the signing key rotates.

use std::{
    io::Write,
    process::{Command, Stdio},
};

use serde_json::Value;

use crate::{ogcr, run};

fn run_with_stdin(cmd: &mut Command, input: &str) -> (i32, String, String) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ogcr runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn db_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for f in ["ogcr.db", "ogcr.db-wal"] {
        if let Ok(b) = std::fs::read(dir.join(f)) {
            all.extend(b);
        }
    }
    all
}

#[test]
fn clients_are_printed_once_listed_without_secrets_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("ogcr.db").display());
    let (code, out, err) = run(ogcr(dir.path()).args([
        "clients",
        "create",
        "--org",
        "holder",
        "--name",
        "Portal",
        "--scopes",
        "credits:retire,credits:transfer",
        "--redirect-uri",
        "https://portal.example/cb",
        "--database-url",
        &db,
    ]));
    assert_eq!(code, 0, "{err}");
    let mut lines = out.lines();
    let id = lines.next().unwrap().to_owned();
    let secret = lines.next().unwrap().to_owned();
    assert!(id.starts_with("oc_") && id.len() == 35, "{id}");
    assert!(secret.len() >= 43, "{secret}");
    assert!(!err.contains(&secret), "the secret went to stderr: {err}");
    assert!(
        err.contains("confidential") && err.contains("holder"),
        "{err}"
    );

    let (code, out, err) = run(ogcr(dir.path()).args([
        "clients",
        "create",
        "--org",
        "holder",
        "--name",
        "SPA",
        "--public",
        "--scopes",
        "credits:retire",
        "--redirect-uri",
        "http://127.0.0.1:8765/cb",
        "--json",
        "--database-url",
        &db,
    ]));
    assert_eq!(code, 0, "{err}");
    let spa: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(spa["kind"], "public");
    assert!(spa["client_secret"].is_null());

    for (args, want) in [
        (vec!["--public"], "needs a redirect URI"),
        (
            vec!["--redirect-uri", "http://portal.example/cb"],
            "plain http only to a loopback host",
        ),
        (
            vec!["--redirect-uri", "https://portal.example/cb#frag"],
            "fragment",
        ),
    ] {
        let mut all = vec![
            "clients",
            "create",
            "--org",
            "holder",
            "--name",
            "x",
            "--scopes",
            "credits:retire",
        ];
        all.extend(args);
        all.extend(["--database-url", &db]);
        let (code, _, err) = run(ogcr(dir.path()).args(&all));
        assert_ne!(code, 0);
        assert!(err.contains(want), "{want}: {err}");
    }

    let (code, out, _) =
        run(ogcr(dir.path()).args(["clients", "list", "--json", "--database-url", &db]));
    assert_eq!(code, 0);
    let list: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
    let portal = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client_id"] == id.as_str())
        .unwrap();
    assert_eq!(portal["redirect_uris"][0], "https://portal.example/cb");
    assert_eq!(portal["kind"], "confidential");
    assert!(!out.contains(&secret), "clients list shows a secret");
    let bytes = db_bytes(dir.path());
    assert!(
        !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
        "the secret is stored"
    );

    let (code, _, err) =
        run(ogcr(dir.path()).args(["clients", "revoke", &id, "--database-url", &db]));
    assert_eq!(code, 0, "{err}");
    let (_, out, _) =
        run(ogcr(dir.path()).args(["clients", "list", "--json", "--database-url", &db]));
    let list: Value = serde_json::from_str(&out).unwrap();
    let portal = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client_id"] == id.as_str())
        .unwrap();
    assert_eq!(portal["state"], "revoked");
    let (_, _, err) = run(ogcr(dir.path()).args(["clients", "revoke", &id, "--database-url", &db]));
    assert!(err.contains("revoked already"), "{err}");
    let (code, _, err) =
        run(ogcr(dir.path()).args(["clients", "revoke", "oc_nobody", "--database-url", &db]));
    assert_ne!(code, 0);
    assert!(err.contains("no client \"oc_nobody\""), "{err}");
}

#[test]
fn users_take_their_password_from_stdin_and_are_disabled_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("ogcr.db").display());
    let password = "a long enough passphrase";
    let (code, out, err) = run_with_stdin(
        ogcr(dir.path()).args([
            "users",
            "create",
            "alice",
            "--org",
            "holder",
            "--scopes",
            "credits:retire",
            "--database-url",
            &db,
        ]),
        &format!("{password}\n"),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        !out.contains(password) && !err.contains(password),
        "{out}{err}"
    );
    assert!(
        err.contains("alice") && err.contains("credits:retire"),
        "{err}"
    );
    let bytes = db_bytes(dir.path());
    assert!(
        !bytes
            .windows(password.len())
            .any(|w| w == password.as_bytes()),
        "the password is stored"
    );
    assert!(
        bytes.windows(10).any(|w| w == b"$argon2id$"),
        "no argon2id hash stored"
    );

    let (code, _, err) = run_with_stdin(
        ogcr(dir.path()).args([
            "users",
            "create",
            "alice",
            "--org",
            "holder",
            "--scopes",
            "credits:retire",
            "--database-url",
            &db,
        ]),
        &format!("{password}\n"),
    );
    assert_ne!(code, 0);
    assert!(err.contains("exists already"), "{err}");
    let (code, _, err) = run_with_stdin(
        ogcr(dir.path()).args([
            "users",
            "create",
            "bob",
            "--org",
            "holder",
            "--scopes",
            "credits:retire",
            "--database-url",
            &db,
        ]),
        "short\n",
    );
    assert_ne!(code, 0);
    assert!(
        err.contains("at least 12 characters") && !err.contains("short\n"),
        "{err}"
    );
    // There is no way to give the password as an argument.
    let (code, _, _) = run(ogcr(dir.path()).args([
        "users",
        "create",
        "carol",
        "--org",
        "holder",
        "--scopes",
        "credits:retire",
        "--password",
        password,
        "--database-url",
        &db,
    ]));
    assert_eq!(code, 2);

    let (code, _, err) =
        run(ogcr(dir.path()).args(["users", "disable", "alice", "--database-url", &db]));
    assert_eq!(code, 0, "{err}");
    let (_, _, err) =
        run(ogcr(dir.path()).args(["users", "disable", "alice", "--database-url", &db]));
    assert!(err.contains("disabled already"), "{err}");
}

#[test]
fn the_signing_key_rotates() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("ogcr.db").display());
    let (code, first, err) =
        run(ogcr(dir.path()).args(["oauth", "rotate-key", "--database-url", &db]));
    assert_eq!(code, 0, "{err}");
    let (_, second, _) = run(ogcr(dir.path()).args(["oauth", "rotate-key", "--database-url", &db]));
    assert_ne!(first.trim(), second.trim());
    let (code, out, _) = run(ogcr(dir.path()).args(["oauth", "keys", "--database-url", &db]));
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with(second.trim()) && lines[0].contains("signing"),
        "{out}"
    );
    assert!(
        lines[1].starts_with(first.trim()) && lines[1].contains("retired"),
        "{out}"
    );
}

#[test]
fn an_external_issuer_needs_its_jwks_url() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("ogcr.db").display());
    let (code, _, err) = run(ogcr(dir.path()).args([
        "serve",
        "--oauth-issuer",
        "https://sso.example/realms/ogcr",
        "--database-url",
        &db,
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--oauth-jwks-url"), "{err}");
}
