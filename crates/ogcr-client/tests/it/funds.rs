//! A signer without ETH.

use alloy::signers::local::PrivateKeySigner;
use ogcr_client::{Error, role_id};

use crate::common::{World, connect_as, sha256};

#[tokio::test]
async fn a_signer_without_eth_gets_insufficient_funds() {
    let w = World::new(true).await;
    let poor = PrivateKeySigner::random();
    let poor_address = poor.address();
    // With the role, the call itself would succeed: only the gas cannot be paid.
    w.admin
        .grant_role(role_id("developer").unwrap(), poor_address)
        .await
        .unwrap();
    let registry = connect_as(&w.anvil, &w.manifest, poor).await;
    let err = registry
        .register_project("P-POOR", sha256("pdd"), "ipfs://pdd", None)
        .await
        .unwrap_err();
    match &err {
        Error::InsufficientFunds { account } => assert_eq!(*account, poor_address),
        other => panic!("expected InsufficientFunds, got {other:?}"),
    }
    assert!(err.to_string().contains("insufficient funds"), "{err}");
    // Nothing was registered.
    crate::common::assert_revert(
        w.admin.project("P-POOR").await,
        &["project P-POOR does not exist"],
    );
}
