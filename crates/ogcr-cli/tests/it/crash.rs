//! Crash safety: `ogcr index` killed with SIGKILL at random moments of a large sync, many
//! times over, then run to the end, leaves exactly the database of an uninterrupted run.

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use alloy::signers::local::PrivateKeySigner;
use ogcr_store::testing;
use ogcr_workload::{self as workload, Signers, WorkloadOptions};
use rand::{Rng, SeedableRng, rngs::StdRng};

use crate::lifecycle::{KEYS, root, spawn_anvil};

fn index_cmd(rpc: &str, manifest_dir: &std::path::Path, url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ogcr"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .args(["index", "--once", "--rpc-url", rpc, "--database-url", url])
        .arg("--networks")
        .arg(root().join("deploy/networks.toml"))
        .arg("--manifest-dir")
        .arg(manifest_dir)
        // Small transactions and ranges: many commits, so kills land between and inside them.
        .args([
            "--batch-events",
            "25",
            "--initial-range",
            "4",
            "--max-range",
            "64",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

#[test]
fn sigkill_at_random_points_leaves_the_same_database_as_a_clean_run() {
    let (_anvil, rpc) = spawn_anvil();
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut keys: Vec<PrivateKeySigner> = KEYS.iter().map(|k| k.parse().unwrap()).collect();
    keys.extend(
        [
            "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
            "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
        ]
        .iter()
        .map(|k| k.parse::<PrivateKeySigner>().unwrap()),
    );
    let opts = WorkloadOptions {
        events: 6_000,
        txs_per_block: 60,
        ..WorkloadOptions::default()
    };
    let report = rt
        .block_on(workload::generate(
            &rpc,
            Signers::from_accounts(keys).unwrap(),
            dir.path(),
            &opts,
            &mut |_, _| {},
        ))
        .expect("generate the workload");

    let clean = rt.block_on(testing::backends());
    let out = index_cmd(&rpc, dir.path(), &clean[0].url).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = rt.block_on(clean[0].store.dump()).unwrap();
    let events = rt.block_on(clean[0].store.counts()).unwrap().events;
    assert_eq!(events as usize, report.events);

    let mut rng = StdRng::seed_from_u64(0x0c2);
    for b in rt.block_on(testing::backends()) {
        let mut kills = 0;
        let mut partial = Vec::new();
        for _ in 0..40 {
            let mut child = index_cmd(&rpc, dir.path(), &b.url).spawn().unwrap();
            let deadline = Instant::now() + Duration::from_millis(rng.random_range(10..300));
            let finished = loop {
                if child.try_wait().unwrap().is_some() {
                    break true;
                }
                if Instant::now() >= deadline {
                    break false;
                }
                std::thread::sleep(Duration::from_millis(5));
            };
            if finished {
                let out = child.wait_with_output().unwrap();
                assert!(
                    out.status.success(),
                    "{}: {}",
                    b.name,
                    String::from_utf8_lossy(&out.stderr)
                );
                break;
            }
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            kills += 1;
            partial.push(rt.block_on(b.store.counts()).unwrap().events);
        }
        assert!(
            kills >= 5,
            "{}: only {kills} kills landed before the sync finished",
            b.name
        );
        assert!(
            partial.iter().any(|&n| n > 0 && n < events),
            "{}: no kill landed mid-sync: {partial:?}",
            b.name
        );
        let out = index_cmd(&rpc, dir.path(), &b.url).output().unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            b.name,
            String::from_utf8_lossy(&out.stderr)
        );
        let got = rt.block_on(b.store.dump()).unwrap();
        for ((table, want), (_, have)) in expected.iter().zip(&got) {
            assert_eq!(
                want.len(),
                have.len(),
                "{}: {table} row count after {kills} kills",
                b.name
            );
            assert!(
                want == have,
                "{}: {table} differs after {kills} kills",
                b.name
            );
        }
    }
}
