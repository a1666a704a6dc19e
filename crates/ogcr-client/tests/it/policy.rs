//! The transaction policy: gas padding, fee caps and confirmations.

use std::time::{Duration, Instant};

use alloy::{consensus::Transaction as _, providers::Provider};
use ogcr_client::{GasPolicy, Registry, TxPolicy, role_id};

use crate::common::{ADMIN, DEVELOPER, World, signer};

async fn admin_with(w: &World, policy: TxPolicy) -> Registry {
    Registry::connect(
        &w.anvil.endpoint(),
        Some(signer(&w.anvil, ADMIN)),
        w.manifest.clone(),
        policy,
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn gas_padding_and_fee_caps_are_applied() {
    let w = World::new(false).await;
    let policy = TxPolicy {
        gas: GasPolicy {
            limit_multiplier: 2.0,
            max_fee_per_gas: Some(5_000_000_000),
            max_priority_fee_per_gas: Some(2_000_000_000),
        },
        ..TxPolicy::default()
    };
    let admin = admin_with(&w, policy).await;
    let out = admin
        .grant_role(role_id("developer").unwrap(), w.addr(DEVELOPER))
        .await
        .unwrap();
    let tx = admin
        .provider()
        .get_transaction_by_hash(out.tx_hash)
        .await
        .unwrap()
        .expect("the transaction is known");
    assert_eq!(tx.max_fee_per_gas(), 5_000_000_000);
    assert_eq!(tx.max_priority_fee_per_gas(), Some(2_000_000_000));
    assert!(
        tx.gas_limit() >= 2 * out.gas_used,
        "gas limit {} is not twice the {} used",
        tx.gas_limit(),
        out.gas_used
    );

    // A priority fee above the cap is lowered to the cap.
    let capped = admin_with(
        &w,
        TxPolicy {
            gas: GasPolicy {
                limit_multiplier: 1.0,
                max_fee_per_gas: Some(3_000_000_000),
                max_priority_fee_per_gas: Some(9_000_000_000),
            },
            ..TxPolicy::default()
        },
    )
    .await;
    let out = capped
        .revoke_role(role_id("developer").unwrap(), w.addr(DEVELOPER))
        .await
        .unwrap();
    let tx = capped
        .provider()
        .get_transaction_by_hash(out.tx_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tx.max_fee_per_gas(), 3_000_000_000);
    assert_eq!(tx.max_priority_fee_per_gas(), Some(3_000_000_000));
}

#[tokio::test]
async fn zero_confirmations_return_at_inclusion() {
    let w = World::new(false).await;
    let admin = admin_with(&w, TxPolicy::default()).await;
    let out = admin
        .grant_role(role_id("developer").unwrap(), w.addr(DEVELOPER))
        .await
        .unwrap();
    let latest = admin.provider().get_block_number().await.unwrap();
    assert_eq!(out.block_number, latest, "anvil mined no further block");
}

// `confirmations` counts blocks after inclusion (alloy counts the inclusion block as one).
#[tokio::test]
async fn one_confirmation_waits_for_one_block_after_inclusion() {
    let w = World::new(false).await;
    let admin = admin_with(
        &w,
        TxPolicy {
            confirmations: 1,
            timeout: Duration::from_secs(20),
            ..TxPolicy::default()
        },
    )
    .await;
    // Anvil mines on transactions only: mine one empty block two seconds from now.
    let miner = admin.provider().clone();
    let mined = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(2)).await;
        miner
            .raw_request::<_, serde_json::Value>("evm_mine".into(), Vec::<u64>::new())
            .await
            .unwrap();
    });
    let started = Instant::now();
    let out = admin
        .grant_role(role_id("developer").unwrap(), w.addr(DEVELOPER))
        .await
        .unwrap();
    let waited = started.elapsed();
    let latest = admin.provider().get_block_number().await.unwrap();
    mined.await.unwrap();
    assert!(
        latest > out.block_number,
        "returned after {waited:?} at inclusion block {latest}, before the next block"
    );
}
