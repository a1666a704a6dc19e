//! The deployer: manifest written, reused, forced, healed, and the chain id checked.

use std::collections::HashSet;

use alloy::{
    primitives::{Address, keccak256},
    providers::Provider,
};
use ogcr_client::{
    DeployOptions, Error, Manifest, Registry, TxPolicy, deploy, is_live,
    registry::connect_provider, role_id,
};

use crate::common::{ADMIN, DEVELOPER, address, signer, spawn_anvil};

#[tokio::test]
async fn deploy_writes_a_manifest_of_live_contracts() {
    let anvil = spawn_anvil();
    let dir = tempfile::tempdir().unwrap();
    let url = anvil.endpoint();
    let mut log = Vec::new();
    let result = deploy(
        &url,
        signer(&anvil, ADMIN),
        dir.path(),
        &DeployOptions::default(),
        &TxPolicy::default(),
        &mut |line| log.push(line.to_owned()),
    )
    .await
    .unwrap();

    assert!(result.deployed);
    assert_eq!(
        result.manifest_path,
        dir.path().join(format!("{}.json", anvil.chain_id()))
    );
    let m = &result.manifest;
    assert_eq!(
        Manifest::read(&result.manifest_path).unwrap().as_ref(),
        Some(m)
    );
    assert_eq!(m.chain_id, anvil.chain_id());
    assert_eq!(m.deployer, address(&anvil, ADMIN));
    assert_eq!(m.administrator, address(&anvil, ADMIN));
    assert_eq!(m.ogcr_version, env!("CARGO_PKG_VERSION"));
    for name in [
        "OGCRAccessControl",
        "ProjectRegistry",
        "MRVRegistry",
        "CarbonRemovalUnit",
    ] {
        assert!(
            log.iter().any(|l| l == &format!("deploying {name}")),
            "{log:?}"
        );
    }

    let provider = connect_provider(&url, None).await.unwrap();
    let c = &m.contracts;
    let all = [
        &c.access_control,
        &c.project_registry,
        &c.mrv_registry,
        &c.carbon_removal_unit,
    ];
    let distinct: HashSet<Address> = all.iter().map(|d| d.address).collect();
    assert_eq!(distinct.len(), 4, "four distinct addresses");
    let hashes: HashSet<_> = all.iter().map(|d| d.tx_hash).collect();
    assert_eq!(hashes.len(), 4, "four distinct creation transactions");
    for d in all {
        let code = provider.get_code_at(d.address).await.unwrap();
        assert!(!code.is_empty(), "{} has no code", d.address);
        assert_eq!(keccak256(&code), d.code_hash);
        let receipt = provider
            .get_transaction_receipt(d.tx_hash)
            .await
            .unwrap()
            .expect("the creation transaction is mined");
        assert_eq!(receipt.contract_address, Some(d.address));
        assert_eq!(receipt.block_number, Some(d.block_number));
        assert!(d.block_number >= m.deployment_block);
    }
    assert_eq!(m.deployment_block, c.access_control.block_number);
    assert!(m.deployment_block > 0);
    assert!(is_live(&provider, m).await.unwrap());
    // The manifest's addresses come in deployment order.
    let names: Vec<_> = m.addresses().iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "OGCRAccessControl",
            "ProjectRegistry",
            "MRVRegistry",
            "CarbonRemovalUnit"
        ]
    );
    assert_eq!(m.addresses()[2].1, c.mrv_registry.address);
}

#[tokio::test]
async fn deploy_reuses_forces_and_heals_a_stale_manifest() {
    let anvil = spawn_anvil();
    let dir = tempfile::tempdir().unwrap();
    let url = anvil.endpoint();
    let policy = TxPolicy::default();
    let run = |force: bool| {
        let opts = DeployOptions {
            force,
            ..DeployOptions::default()
        };
        let (url, signer, dir) = (url.clone(), signer(&anvil, ADMIN), dir.path().to_owned());
        async move {
            let mut log = Vec::new();
            let r = deploy(&url, signer, &dir, &opts, &policy, &mut |l| {
                log.push(l.to_owned())
            })
            .await
            .unwrap();
            (r, log)
        }
    };
    let addresses = |m: &Manifest| m.addresses().map(|(_, a)| a);

    let (first, _) = run(false).await;
    assert!(first.deployed);

    // Again without force: the recorded live deployment is reused as is.
    let (again, log) = run(false).await;
    assert!(!again.deployed);
    assert_eq!(again.manifest, first.manifest);
    assert_eq!(again.manifest_path, first.manifest_path);
    assert!(
        log.iter().any(|l| l.contains("found the deployment")),
        "{log:?}"
    );

    // With force: four new contracts, and the manifest now records them.
    let (forced, _) = run(true).await;
    assert!(forced.deployed);
    for (old, new) in addresses(&first.manifest)
        .iter()
        .zip(addresses(&forced.manifest))
    {
        assert_ne!(*old, new);
    }
    assert!(forced.manifest.deployment_block > first.manifest.deployment_block);
    assert_eq!(
        Manifest::read(&forced.manifest_path).unwrap(),
        Some(forced.manifest.clone())
    );

    // A manifest naming an address without code is redeployed.
    let mut stale = forced.manifest.clone();
    stale.contracts.mrv_registry.address = Address::repeat_byte(0x42);
    stale.write(&forced.manifest_path).unwrap();
    let (healed, log) = run(false).await;
    assert!(
        healed.deployed,
        "a manifest with a codeless address is not reused"
    );
    assert!(log.iter().any(|l| l.contains("not on chain")), "{log:?}");
    assert!(!addresses(&healed.manifest).contains(&Address::repeat_byte(0x42)));
    for (old, new) in addresses(&forced.manifest)
        .iter()
        .zip(addresses(&healed.manifest))
    {
        assert_ne!(*old, new);
    }
    assert_eq!(
        Manifest::read(&healed.manifest_path).unwrap(),
        Some(healed.manifest.clone())
    );

    // A manifest naming a contract with other code (another build) is redeployed too.
    let mut other_code = healed.manifest.clone();
    other_code.contracts.carbon_removal_unit.address = other_code.contracts.access_control.address;
    other_code.write(&healed.manifest_path).unwrap();
    let (rebuilt, _) = run(false).await;
    assert!(
        rebuilt.deployed,
        "a manifest with foreign code is not reused"
    );
    assert_ne!(
        rebuilt.manifest.contracts.access_control.address,
        healed.manifest.contracts.access_control.address
    );
}

#[tokio::test]
async fn deploy_and_connect_refuse_another_chain() {
    let anvil = spawn_anvil();
    let dir = tempfile::tempdir().unwrap();
    let opts = DeployOptions {
        expected_chain_id: Some(1),
        ..DeployOptions::default()
    };
    let err = deploy(
        &anvil.endpoint(),
        signer(&anvil, ADMIN),
        dir.path(),
        &opts,
        &TxPolicy::default(),
        &mut |_| {},
    )
    .await
    .unwrap_err();
    match err {
        Error::WrongChain {
            expected, actual, ..
        } => {
            assert_eq!(expected, 1);
            assert_eq!(actual, anvil.chain_id());
        }
        other => panic!("expected WrongChain, got {other:?}"),
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no manifest written"
    );

    // The right expectation deploys; a manifest of another chain cannot be connected to.
    let opts = DeployOptions {
        expected_chain_id: Some(anvil.chain_id()),
        network: Some("local".into()),
        ..DeployOptions::default()
    };
    let r = deploy(
        &anvil.endpoint(),
        signer(&anvil, ADMIN),
        dir.path(),
        &opts,
        &TxPolicy::default(),
        &mut |_| {},
    )
    .await
    .unwrap();
    assert_eq!(r.manifest.network.as_deref(), Some("local"));
    let mut foreign = r.manifest.clone();
    foreign.chain_id = 11_155_111;
    let err = Registry::connect(&anvil.endpoint(), None, foreign, TxPolicy::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::WrongChain {
                expected: 11_155_111,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn deploy_grants_roles_when_the_deployer_administers() {
    let anvil = spawn_anvil();
    let dir = tempfile::tempdir().unwrap();
    let dev = address(&anvil, DEVELOPER);
    let opts = DeployOptions {
        grants: vec![(role_id("developer").unwrap(), dev)],
        ..DeployOptions::default()
    };
    let r = deploy(
        &anvil.endpoint(),
        signer(&anvil, ADMIN),
        dir.path(),
        &opts,
        &TxPolicy::default(),
        &mut |_| {},
    )
    .await
    .unwrap();
    let reader = Registry::connect(&anvil.endpoint(), None, r.manifest, TxPolicy::default())
        .await
        .unwrap();
    assert_eq!(reader.roles_of(dev).await.unwrap(), ["developer"]);
    assert_eq!(
        reader.roles_of(address(&anvil, ADMIN)).await.unwrap(),
        ["administrator"]
    );
}

// Grants need the deployer to be the administrator: refused before any transaction is sent.
#[tokio::test]
async fn deploy_refuses_grants_for_another_administrator_before_sending_anything() {
    let anvil = spawn_anvil();
    let dir = tempfile::tempdir().unwrap();
    let provider = connect_provider(&anvil.endpoint(), None).await.unwrap();
    let opts = DeployOptions {
        administrator: Some(address(&anvil, DEVELOPER)),
        grants: vec![(role_id("developer").unwrap(), address(&anvil, DEVELOPER))],
        ..DeployOptions::default()
    };
    let err = deploy(
        &anvil.endpoint(),
        signer(&anvil, ADMIN),
        dir.path(),
        &opts,
        &TxPolicy::default(),
        &mut |_| {},
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    let nonce = provider
        .get_transaction_count(address(&anvil, ADMIN))
        .await
        .unwrap();
    assert_eq!(nonce, 0, "no transaction should have been sent");
}
