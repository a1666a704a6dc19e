//! The N-project registry on anvil: every project, report, issuance, transfer and retirement
//! is on chain, and the event count is exact.

use std::path::Path;

use alloy::{
    node_bindings::Anvil,
    primitives::Address,
    providers::{Provider, RootProvider},
    rpc::types::Filter,
    signers::local::PrivateKeySigner,
    sol_types::SolEvent,
};
use ogcr_bindings::{CarbonRemovalUnit as Cru, MRVRegistry as Mrv, ProjectRegistry as Pr};
use ogcr_workload::{RegistryOptions, Signers, generate_registry};

#[tokio::test]
async fn every_project_is_validated_verified_issued_traded_and_retired() {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../node_modules/.bin/anvil");
    let anvil = Anvil::new().path(bin).spawn();
    let signers = Signers::from_accounts(
        anvil
            .keys()
            .iter()
            .map(|k| PrivateKeySigner::from_slice(&k.to_bytes()).unwrap()),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let opts = RegistryOptions {
        projects: 13,
        txs_per_block: 5,
        ..RegistryOptions::default()
    };
    let mut stages = Vec::new();
    let report = generate_registry(
        &anvil.endpoint(),
        signers,
        dir.path(),
        &opts,
        &mut |stage, done, total| stages.push((stage, done, total)),
    )
    .await
    .expect("generate the registry");

    assert_eq!(
        (report.projects, report.reports, report.issuances),
        (13, 20, 20)
    );
    // 13 × (register, submit, review, validate, report, verify, issue, transfer, retire)
    // + 7 × (report, verify, issue), after the deployment's 4 + 4 grants.
    assert_eq!(report.transactions, 8 + 13 * 9 + 7 * 3, "{report:?}");
    let names: Vec<&str> = stages.iter().map(|s| s.0).collect();
    for stage in [
        "documents",
        "register",
        "validate",
        "report",
        "verify",
        "issue",
        "transfer",
        "retire",
    ] {
        assert!(names.contains(&stage), "{stage} missing from {names:?}");
    }
    assert_eq!(stages.last(), Some(&("retire", 13, 13)));
    // 13 PDDs and 20 MRVs stored.
    assert_eq!(
        std::fs::read_dir(&report.documents_dir).unwrap().count(),
        33
    );

    ogcr_client::registry::ensure_tls_provider();
    let provider: RootProvider = RootProvider::connect(&anvil.endpoint()).await.unwrap();
    let addresses: Vec<Address> = report.manifest.addresses().map(|(_, a)| a).to_vec();
    let logs = provider
        .get_logs(
            &Filter::new()
                .address(addresses)
                .from_block(report.first_block)
                .to_block(report.last_block),
        )
        .await
        .unwrap();
    assert_eq!(logs.len(), report.events);
    let count = |signature| {
        logs.iter()
            .filter(|l| l.topics().first() == Some(&signature))
            .count()
    };
    assert_eq!(count(Pr::ProjectValidated::SIGNATURE_HASH), 13);
    assert_eq!(count(Mrv::MRVVerified::SIGNATURE_HASH), 20);
    // Each issuance mints the holder's and the buffer's block; each partial retirement splits.
    assert_eq!(count(Cru::CRUMinted::SIGNATURE_HASH), 40);
    assert_eq!(count(Cru::CRUSplit::SIGNATURE_HASH), 13);
    assert_eq!(count(Cru::CRURetired::SIGNATURE_HASH), 13);
    let automine: bool = provider
        .raw_request("anvil_getAutomine".into(), ())
        .await
        .unwrap();
    assert!(automine);
}
