//! The synthetic workload on anvil: exact event accounting and the bare download baseline.

use std::path::Path;

use alloy::{
    node_bindings::{Anvil, AnvilInstance},
    primitives::Address,
    providers::{Provider, RootProvider},
    rpc::types::Filter,
    signers::local::PrivateKeySigner,
    sol_types::SolEvent,
};
use ogcr_bindings::CarbonRemovalUnit;
use ogcr_workload::{self as workload, Signers, WorkloadOptions};

fn spawn_anvil() -> AnvilInstance {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../node_modules/.bin/anvil");
    Anvil::new().path(bin).spawn()
}

fn signers(anvil: &AnvilInstance) -> Signers {
    Signers::from_accounts(
        anvil
            .keys()
            .iter()
            .map(|k| PrivateKeySigner::from_slice(&k.to_bytes()).expect("anvil dev key")),
    )
    .expect("anvil has 10 dev accounts")
}

#[tokio::test]
async fn generated_events_match_a_get_logs_count() {
    let anvil = spawn_anvil();
    let dir = tempfile::tempdir().unwrap();
    let opts = WorkloadOptions {
        events: 2_000,
        txs_per_block: 100,
        ..WorkloadOptions::default()
    };
    let mut calls = Vec::new();
    let report = workload::generate(
        &anvil.endpoint(),
        signers(&anvil),
        dir.path(),
        &opts,
        &mut |done, target| calls.push((done, target)),
    )
    .await
    .expect("generate the workload");

    assert!(report.events >= 2_000, "{report:?}");
    // The last block of issuances adds at most 4 logs per transaction beyond the target.
    assert!(report.events < 2_000 + 4, "{report:?}");
    assert_eq!(report.first_block, report.manifest.deployment_block);
    assert!(report.last_block > report.first_block + 5, "{report:?}");
    assert!(report.transactions > 2_000 / 4, "{report:?}");
    assert_eq!(calls.last(), Some(&(report.events, 2_000)));
    assert!(calls.windows(2).all(|w| w[0].0 < w[1].0), "{calls:?}");

    // The exact count: every log of the four contracts in the range.
    ogcr_client::registry::ensure_tls_provider();
    let provider: RootProvider = RootProvider::connect(&anvil.endpoint()).await.unwrap();
    let addresses: Vec<Address> = report.manifest.addresses().map(|(_, a)| a).to_vec();
    let logs = provider
        .get_logs(
            &Filter::new()
                .address(addresses.clone())
                .from_block(report.first_block)
                .to_block(report.last_block),
        )
        .await
        .unwrap();
    assert_eq!(logs.len(), report.events);
    // Nothing beyond the last block.
    assert_eq!(
        provider.get_block_number().await.unwrap(),
        report.last_block
    );

    // The mix: every kind of CRU event, and transfers between holders (not only mints).
    let cru = report.manifest.contracts.carbon_removal_unit.address;
    let count = |signature| {
        logs.iter()
            .filter(|l| l.address() == cru && l.topics().first() == Some(&signature))
            .count()
    };
    let minted = count(CarbonRemovalUnit::CRUMinted::SIGNATURE_HASH);
    let split = count(CarbonRemovalUnit::CRUSplit::SIGNATURE_HASH);
    let retired = count(CarbonRemovalUnit::CRURetired::SIGNATURE_HASH);
    let transfers = count(CarbonRemovalUnit::Transfer::SIGNATURE_HASH);
    assert!(
        minted > 0 && split > 0 && retired > 0,
        "{minted} {split} {retired}"
    );
    assert!(
        transfers > minted + split,
        "holder transfers beyond the mints: {transfers} transfers, {minted} + {split} mints"
    );

    // Automine is back on.
    let automine: bool = provider
        .raw_request("anvil_getAutomine".into(), ())
        .await
        .unwrap();
    assert!(automine);

    // The baseline download sees the same logs, whatever the range size.
    for range in [1, 7, 10_000] {
        let (n, _) = workload::bare_download(
            &anvil.endpoint(),
            &addresses,
            report.first_block,
            report.last_block,
            range,
        )
        .await
        .unwrap();
        assert_eq!(n, report.events, "range {range}");
    }
}
