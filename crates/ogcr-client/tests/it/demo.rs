//! The demo scenario on a fresh anvil chain: its summary checked against the contracts' own
//! views, a second run that sends nothing, and a run interrupted by the chain's clock that
//! resumes where it stopped.

use std::{collections::BTreeSet, path::Path};

use alloy::{node_bindings::Anvil, primitives::U256, providers::Provider};
use ogcr_bindings::errors::{MRV_STATUS, PROJECT_STATUS, UNIT_STATUS, format_time, status_name};
use ogcr_client::{
    Manifest, Registry, TxPolicy,
    demo::{self, DemoAccounts, DemoSummary},
    documents::URI_PREFIX,
};

use crate::common::{day, spawn_anvil};

/// Runs the demo, returning its result and the progress lines it reported.
async fn run_demo(
    url: &str,
    manifest: &Manifest,
    accounts: &DemoAccounts,
    docs: &Path,
) -> (ogcr_client::Result<DemoSummary>, Vec<String>) {
    let mut log = Vec::new();
    let result = demo::run(
        url,
        manifest,
        accounts,
        docs,
        &TxPolicy::default(),
        &mut |line| log.push(line.to_owned()),
    )
    .await;
    (result, log)
}

async fn deploy(url: &str, accounts: &DemoAccounts, dir: &Path) -> Manifest {
    let d = demo::deploy(url, accounts, dir, &TxPolicy::default(), &mut |_| {})
        .await
        .expect("deploy for the demo");
    d.manifest
}

fn sent(log: &[String]) -> usize {
    log.iter().filter(|l| l.starts_with('[')).count()
}

/// Everything the summary says, compared with what the contracts answer.
async fn check_against_chain(
    s: &DemoSummary,
    url: &str,
    manifest: &Manifest,
    accounts: &DemoAccounts,
    docs: &Path,
) {
    let reg = Registry::connect(url, None, manifest.clone(), TxPolicy::default())
        .await
        .unwrap();
    assert_eq!(s.transactions, 69);
    assert_eq!(s.accounts.len(), 10);
    assert_eq!(s.mrv_registry, manifest.contracts.mrv_registry.address);

    // Documents: stored content-addressed, each file hashing to its address.
    assert_eq!(s.documents.len(), 17);
    for d in &s.documents {
        let hex = d.uri.strip_prefix(URI_PREFIX).unwrap();
        let text = std::fs::read_to_string(docs.join(format!("{hex}.json"))).unwrap();
        assert_eq!(
            ogcr_core::cs01::commitment::sha256_hex(text.as_bytes()),
            hex,
            "{}",
            d.document_id
        );
        assert_eq!(format!("{:x}", d.sha256), hex);
    }

    // Projects: six types in six countries, every status the lifecycle offers but draft.
    assert_eq!(s.projects.len(), 6);
    let types: BTreeSet<&str> = s.projects.iter().map(|p| p.project_type.as_str()).collect();
    let countries: BTreeSet<&str> = s.projects.iter().map(|p| p.country.as_str()).collect();
    assert_eq!(types.len(), 6, "{types:?}");
    assert_eq!(countries.len(), 6, "{countries:?}");
    let methodologies: BTreeSet<&str> = s
        .projects
        .iter()
        .map(|p| p.methodology_id.as_str())
        .collect();
    assert_eq!(methodologies.len(), 3, "{methodologies:?}");
    for p in &s.projects {
        let v = reg.project(&p.project_id).await.unwrap();
        assert_eq!(p.status, status_name(&PROJECT_STATUS, v.status));
        assert_eq!(
            (p.pdd_version, p.pdd_hash, &p.pdd_uri),
            (v.version, v.pddHash, &v.pddUri)
        );
        assert_eq!(p.developer, v.developer);
        assert!(
            s.documents
                .iter()
                .any(|d| d.sha256 == v.pddHash && d.version == Some(v.version)),
            "{}: the current PDD is among the stored documents",
            p.project_id
        );
        let validated = v.creditingEnd != 0;
        assert_eq!(p.crediting_end.is_some(), validated, "{}", p.project_id);
        if validated {
            assert_eq!(p.crediting_start, Some(format_time(v.creditingStart)));
        }
    }
    let status = |id: &str| s.project(id).unwrap().status.as_str();
    assert_eq!(status("OGCR-BR-0107"), "validated");
    assert_eq!(status("OGCR-KE-0023"), "validated");
    assert_eq!(status("OGCR-IS-0004"), "validated");
    assert_eq!(status("OGCR-IN-0012"), "under review");
    assert_eq!(status("OGCR-UY-0009"), "archived");
    let mangroves = s.project("OGCR-ID-0031").unwrap();
    assert_eq!(
        (mangroves.status.as_str(), mangroves.pdd_version),
        ("validated", 2),
        "rejected, revised, validated"
    );
    assert_eq!(
        s.project("OGCR-IS-0004")
            .unwrap()
            .external_registry
            .as_deref(),
        Some("Isometric")
    );

    // Reports: consecutive years, one rejection, one awaiting verification, both ways of
    // verifying.
    assert_eq!(s.reports.len(), 10);
    let count = reg.mrv().reportCount().call().await.unwrap();
    assert_eq!(count, 10, "no report was submitted twice");
    for r in &s.reports {
        let v = reg.report(r.mrv_id).await.unwrap();
        assert_eq!(r.status, status_name(&MRV_STATUS, v.status));
        assert_eq!(r.verified_amount_kg, v.verifiedAmountKg);
        assert_eq!((r.mrv_hash, &r.uri), (v.mrvHash, &v.uri));
        assert_eq!(r.dataset_commitment, v.datasetCommitment);
        assert_eq!(
            (r.period_start.clone(), r.period_end.clone()),
            (format_time(v.periodStart), format_time(v.periodEnd))
        );
        assert_eq!(reg.project_id_of(v.projectKey).await.unwrap(), r.project_id);
        assert!(
            s.documents.iter().any(|d| d.sha256 == v.mrvHash),
            "{}",
            r.document_id
        );
        match r.verification.as_deref() {
            Some("attestation") => {
                assert_eq!(r.verifier, Some(accounts.verifier_b.address()));
                assert_eq!(r.relayer, Some(accounts.relayer.address()));
                let digest = r.attestation_digest.unwrap();
                assert!(reg.mrv().attestationUsed(digest).call().await.unwrap());
            }
            Some("direct") => {
                assert_eq!(r.verifier, Some(accounts.verifier_a.address()));
                assert_eq!(r.attestation_digest, None);
            }
            None => assert_eq!(r.status, "submitted"),
            other => panic!("unexpected verification {other:?}"),
        }
    }
    let statuses: Vec<&str> = s.reports.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == "verified").count(), 8);
    assert_eq!(statuses.iter().filter(|s| **s == "rejected").count(), 1);
    assert_eq!(statuses.iter().filter(|s| **s == "submitted").count(), 1);
    let kinds: BTreeSet<&str> = s
        .reports
        .iter()
        .filter_map(|r| r.verification.as_deref())
        .collect();
    assert_eq!(kinds, BTreeSet::from(["attestation", "direct"]));
    let forest: Vec<(&str, &str)> = s
        .reports
        .iter()
        .filter(|r| r.project_id == "OGCR-BR-0107" && r.status != "rejected")
        .map(|r| (r.period_start.as_str(), r.period_end.as_str()))
        .collect();
    assert_eq!(
        forest,
        [
            ("2023-01-01", "2024-01-01"),
            ("2024-01-01", "2025-01-01"),
            ("2025-01-01", "2026-01-01")
        ]
    );

    // Tokens: ids 1..=22, each as the token contract holds it; issuance never exceeds the
    // verified amount, and every issued tonne is accounted for by some token.
    let total = reg.cru().totalMinted().call().await.unwrap();
    assert_eq!(total, U256::from(s.tokens.len()));
    assert_eq!(
        s.tokens.iter().map(|t| t.token_id).collect::<Vec<_>>(),
        (1..=22).collect::<Vec<_>>()
    );
    for t in &s.tokens {
        let (u, owner, itmo) = reg.token(U256::from(t.token_id)).await.unwrap();
        assert_eq!(t.owner, owner, "token {}", t.token_id);
        assert_eq!(
            (t.amount_t, t.serial_start, t.mrv_id, t.vintage, t.labels),
            (u.amount, u.serialStart, u.mrvId, u.vintage, u.labels)
        );
        assert_eq!(t.status, status_name(&UNIT_STATUS, u.status));
        assert_eq!(t.itmo_reference.clone().unwrap_or_default(), itmo);
        assert_eq!(t.itmo_reference.is_some(), t.labels & 2 != 0);
        if t.status == "buffer" {
            assert_eq!(t.owner, accounts.operator.address(), "the buffer pool");
        }
    }
    for r in s.reports.iter().filter(|r| r.status == "verified") {
        let issued = reg.cru().issuedTonnes(r.mrv_id).call().await.unwrap();
        let held: u64 = s
            .tokens
            .iter()
            .filter(|t| t.mrv_id == r.mrv_id)
            .map(|t| t.amount_t)
            .sum();
        assert_eq!(issued, U256::from(held), "{}", r.document_id);
        assert!(u128::from(held) * 1000 <= r.verified_amount_kg);
    }
    let with_label = |bit: u8| s.tokens.iter().filter(|t| t.labels & bit != 0).count();
    assert!(with_label(1) >= 3 && with_label(2) >= 3);
    let itmos: BTreeSet<&str> = s
        .tokens
        .iter()
        .filter_map(|t| t.itmo_reference.as_deref())
        .collect();
    assert_eq!(
        itmos,
        BTreeSet::from([
            "ID-ITMO-2025-000007",
            "KE-ITMO-2024-000001",
            "KE-ITMO-2025-000014"
        ])
    );

    // The market.
    assert_eq!(s.transfers.len(), 6);
    let receivers: BTreeSet<_> = s.transfers.iter().map(|t| t.to).collect();
    assert_eq!(
        receivers,
        BTreeSet::from([accounts.airline.address(), accounts.fund.address()])
    );
    assert_eq!(s.splits.len(), 3);
    assert_eq!(s.retirements.len(), 4);
    let reasons: BTreeSet<u8> = s.retirements.iter().map(|r| r.reason_code).collect();
    assert_eq!(reasons, BTreeSet::from([1, 2, 3]));
    for r in &s.retirements {
        let t = s.token(r.token_id).unwrap();
        assert_eq!((t.status.as_str(), t.amount_t), ("retired", r.amount_t));
        assert_eq!(t.serial_start, r.serial_start);
        assert!(!r.beneficiary.is_empty() && !r.detail.is_empty());
    }
    assert_eq!(s.cancellations.len(), 2);
    for c in &s.cancellations {
        let t = s.token(c.token_id).unwrap();
        assert_eq!((t.status.as_str(), t.amount_t), ("cancelled", c.amount_t));
        assert_ne!(c.token_id, c.source_token_id, "partial cancellations");
    }
    assert_eq!(s.label_updates.len(), 1);

    // The summary survives JSON.
    let json = serde_json::to_string(s).unwrap();
    assert_eq!(&serde_json::from_str::<DemoSummary>(&json).unwrap(), s);
}

#[tokio::test]
async fn the_demo_runs_once_and_a_second_run_sends_nothing() {
    let anvil = spawn_anvil();
    let url = anvil.endpoint();
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("documents");
    let accounts = DemoAccounts::anvil().unwrap();
    let manifest = deploy(&url, &accounts, &dir.path().join("deploy")).await;

    let (summary, log) = run_demo(&url, &manifest, &accounts, &docs).await;
    let summary = summary.unwrap();
    assert_eq!(
        sent(&log),
        summary.transactions,
        "one progress line per step"
    );
    assert!(
        log[0].starts_with("stored 17 validated documents in"),
        "{log:?}"
    );
    check_against_chain(&summary, &url, &manifest, &accounts, &docs).await;

    // Again, with the deployment found and the documents stored elsewhere: nothing is sent
    // and the summary is the same.
    let again = deploy(&url, &accounts, &dir.path().join("deploy")).await;
    assert_eq!(again, manifest);
    let provider = Registry::connect(&url, None, manifest.clone(), TxPolicy::default())
        .await
        .unwrap();
    let block = provider.provider().get_block_number().await.unwrap();
    let other_docs = dir.path().join("copy");
    let (second, log) = run_demo(&url, &manifest, &accounts, &other_docs).await;
    assert_eq!(second.unwrap(), summary);
    assert_eq!(sent(&log), 0, "{log:?}");
    assert!(log.iter().any(|l| l.contains("nothing to send")), "{log:?}");
    assert_eq!(
        provider.provider().get_block_number().await.unwrap(),
        block,
        "no transaction was sent"
    );
    assert_eq!(
        std::fs::read_dir(&other_docs).unwrap().count(),
        17,
        "the documents are stored again for whoever serves them"
    );

    // After the demo the chain lives on: the airline moves a token. The demo is still done;
    // its summary shows the token where it is now.
    let airline = Registry::connect(
        &url,
        Some(accounts.airline.clone()),
        manifest.clone(),
        TxPolicy::default(),
    )
    .await
    .unwrap();
    let token = summary
        .tokens
        .iter()
        .find(|t| t.owner == accounts.airline.address() && t.status == "active")
        .unwrap()
        .token_id;
    airline
        .transfer(U256::from(token), accounts.fund.address())
        .await
        .unwrap();
    let (later, log) = run_demo(&url, &manifest, &accounts, &docs).await;
    let later = later.unwrap();
    assert_eq!(sent(&log), 0, "{log:?}");
    assert!(
        log.iter()
            .any(|l| l.starts_with("1 later registry transactions are not the demo's")),
        "{log:?}"
    );
    assert_eq!(later.token(token).unwrap().owner, accounts.fund.address());
    assert_eq!(
        later.transfers, summary.transfers,
        "only the demo's own transfers"
    );
}

#[tokio::test]
async fn a_demo_stopped_by_the_chains_clock_resumes_where_it_stopped() {
    // A chain whose clock reads 2025-09-01: the 2025 reports cannot be submitted yet.
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../node_modules/.bin/anvil");
    let anvil = Anvil::new()
        .path(bin)
        .args(["--timestamp", &day(2025, 9, 1).to_string()])
        .spawn();
    let url = anvil.endpoint();
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("documents");
    let accounts = DemoAccounts::anvil().unwrap();
    let manifest = deploy(&url, &accounts, dir.path()).await;

    let (stopped, log) = run_demo(&url, &manifest, &accounts, &docs).await;
    let err = stopped.unwrap_err().to_string();
    assert!(
        err.contains(
            "before 2026-01-01, the end of the period of demo report OGCR-KE-0023-MRV-2025"
        ) && err.contains("once the chain's clock is past 2026-01-01"),
        "{err}"
    );
    let done = sent(&log);
    assert!(
        done > 30,
        "projects and the 2023-2024 reports went through: {log:?}"
    );

    // A year later, the same call picks up the rest.
    let reg = Registry::connect(&url, None, manifest.clone(), TxPolicy::default())
        .await
        .unwrap();
    let p = reg.provider();
    let _: serde_json::Value = p
        .raw_request("evm_increaseTime".into(), (400 * 86_400u64,))
        .await
        .unwrap();
    let _: serde_json::Value = p.raw_request("evm_mine".into(), ()).await.unwrap();

    // But not after someone else's registry transaction: the demo cannot know what it did.
    let snapshot: U256 = p.raw_request("evm_snapshot".into(), ()).await.unwrap();
    let developer = Registry::connect(
        &url,
        Some(accounts.developer_a.clone()),
        manifest.clone(),
        TxPolicy::default(),
    )
    .await
    .unwrap();
    let other = developer
        .register_project(
            "OGCR-PE-0001",
            ogcr_core::cs01::commitment::sha256_hex(b"another pdd")
                .parse()
                .unwrap(),
            "https://example.org/pdd.json",
            None,
        )
        .await
        .unwrap();
    let (refused, log) = run_demo(&url, &manifest, &accounts, &docs).await;
    let err = refused.unwrap_err().to_string();
    assert!(
        err.contains(&other.tx_hash.to_string()) && err.contains("is not the demo's step"),
        "{err}"
    );
    assert_eq!(sent(&log), 0);
    let reverted: bool = p
        .raw_request("evm_revert".into(), (snapshot,))
        .await
        .unwrap();
    assert!(reverted);
    let (resumed, log) = run_demo(&url, &manifest, &accounts, &docs).await;
    let summary = resumed.unwrap();
    assert!(
        log.iter()
            .any(|l| l == &format!("{done} of 69 demo transactions are on chain; resuming")),
        "{log:?}"
    );
    assert_eq!(sent(&log), 69 - done);
    check_against_chain(&summary, &url, &manifest, &accounts, &docs).await;
}
