//! The README's write-API walkthrough, run verbatim (but for the API's port) with bash, curl
//! and jq against `ogcr up --demo` in a fresh directory, so the commands people copy keep
//! working: every step must print what the README says it does.

use std::process::Command;

use ogcr_e2e::{Stack, free_port, root, workdir};

/// The shell block after the `write-api-walkthrough` marker.
fn walkthrough() -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("<!-- write-api-walkthrough")
        .expect("README.md has the write-API walkthrough");
    let block = &readme[start..];
    let open = block
        .find("```sh\n")
        .expect("a sh block follows the marker")
        + 6;
    let close = block[open..].find("```").expect("the block ends") + open;
    block[open..close].to_owned()
}

/// `ogcr up --demo` in a fresh directory (with the examples reachable as `crates/…`), once the
/// demo is indexed; and the API's port.
fn demo_stack() -> (tempfile::TempDir, Stack, u16) {
    let dir = workdir();
    std::os::unix::fs::symlink(root().join("crates"), dir.path().join("crates")).unwrap();
    let (anvil_port, api_port) = (free_port(), free_port());
    let mut stack = Stack::start(dir.path(), anvil_port, api_port, &["--demo"]);
    stack.wait_for("/health", "the API", 300, |v| v["status"] == "ok");
    stack.wait_for("/projects?limit=1&offset=0", "the demo indexed", 120, |v| {
        v["pagination"]["total"] == 6
    });
    (dir, stack, api_port)
}

/// Runs `script` with bash (`set -euo pipefail`) in `dir`, without the stack's settings in the
/// environment (only what the script and the profile give); its stdout, or a failure with
/// both outputs and the stack's log.
fn run_bash(script: &str, dir: &std::path::Path, stack: &Stack, what: &str) -> String {
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("set -euo pipefail\n{script}"))
        .current_dir(dir)
        .env_remove("OGCR_RPC_URL")
        .env_remove("OGCR_DATABASE_URL")
        .env_remove("OGCR_API_URL")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what} failed:\n{stdout}\n{}\n--- ogcr up ---\n{}",
        String::from_utf8_lossy(&out.stderr),
        stack.log()
    );
    stdout
}

#[test]
fn the_readme_write_api_walkthrough_runs() {
    for tool in ["bash", "curl", "jq"] {
        let found = Command::new(tool).arg("--version").output().is_ok();
        assert!(found, "{tool} is needed (scripts/test.sh installs it)");
    }
    let script = walkthrough();
    assert!(
        script.contains("API=http://127.0.0.1:8080"),
        "the walkthrough names the default API URL"
    );
    let (dir, stack, api_port) = demo_stack();
    let script = script.replace(
        "API=http://127.0.0.1:8080",
        &format!("API=http://127.0.0.1:{api_port}"),
    );
    let stdout = run_bash(&script, dir.path(), &stack, "the walkthrough");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 7, "{stdout}");
    assert_eq!(
        lines[..4],
        ["submitted", "under_review", "approved", "verified"],
        "{stdout}"
    );
    assert!(
        lines[4].contains("\"owner\":\"0xa0ee7a142d267c1f36714e4a8f75612f20a79720\"")
            && lines[4].contains("\"quantity_tco2e\":200"),
        "{stdout}"
    );
    assert!(
        lines[5].contains("\"beneficiary\":\"Acme Airlines\"")
            && lines[5].contains("\"quantity_tco2e\":250"),
        "{stdout}"
    );
    assert!(
        lines[6].contains("\"outcome\":\"accepted\"") && lines[6].contains("/retire"),
        "{stdout}"
    );
    let _ = stack.interrupt();
}

/// Every shell block after a `cli-walkthrough` marker, in order.
fn cli_walkthrough() -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    readme
        .split("<!-- cli-walkthrough")
        .skip(1)
        .map(|part| {
            let open = part.find("```sh\n").expect("a sh block follows the marker") + 6;
            let close = part[open..].find("```").expect("the block ends") + open;
            part[open..close].to_owned()
        })
        .collect()
}

/// The README's CLI walkthrough — developer, validator, verifier (the attestation path),
/// registry operator, holder, administrator — run verbatim with bash against `ogcr up
/// --demo`, finding the stack through the profile `ogcr up` wrote (no --rpc-url anywhere), with
/// the ids the README names checked through the API afterwards.
#[test]
fn the_readme_cli_walkthrough_runs() {
    let blocks = cli_walkthrough();
    assert!(blocks.len() >= 8, "{} walkthrough blocks", blocks.len());
    let script = blocks.join("\n");
    assert!(
        !script.contains("--rpc-url"),
        "the walkthrough relies on the profile"
    );
    let path_line = "export PATH=\"$PWD/target/debug:$PATH\"";
    assert!(
        script.contains(path_line),
        "the walkthrough puts the CLI on the path"
    );
    let bin_dir = ogcr_e2e::ogcr_bin()
        .parent()
        .expect("the binary is in a directory")
        .display()
        .to_string();
    let script = script.replace(path_line, &format!("export PATH=\"{bin_dir}:$PATH\""));
    let (dir, mut stack, _) = demo_stack();
    let stdout = run_bash(&script, dir.path(), &stack, "the CLI walkthrough");
    assert!(stdout.contains("Signature valid"), "{stdout}");
    // What the README says each step made, as the API shows it once indexed.
    let fund = "0xa0ee7a142d267c1f36714e4a8f75612f20a79720";
    let c = stack.wait_for("/credits/28", "the cancellation indexed", 60, |v| {
        v["status"] == "cancelled"
    });
    assert_eq!(c["quantity_tco2e"], 10, "{c}");
    let r = stack.ok("/retirements/26");
    assert_eq!(r["beneficiary"], "Acme Airlines", "{r}");
    assert_eq!(r["quantity_tco2e"], 250, "{r}");
    for (id, t) in [(25, 300), (27, 50)] {
        let c = stack.ok(&format!("/credits/{id}"));
        assert_eq!(
            (c["owner"].as_str(), c["quantity_tco2e"].as_i64()),
            (Some(fund), Some(t)),
            "token {id}: {c}"
        );
    }
    let v = stack.ok("/events?event=MRVAttestationAccepted&limit=100");
    assert!(
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["args"]["mrvId"] == "11" || e["args"]["mrvId"] == 11),
        "report 11 verified by the relayed attestation: {v}"
    );
    let _ = stack.interrupt();
}
