//! Reorganisations on anvil — a snapshot reverted and replaced by other blocks, blocks
//! replaced in place (`anvil_reorg`), blocks dropped (`anvil_rollback`) — at several depths:
//! after re-indexing, the database equals a fresh index of the final chain, row for row.

use alloy::{
    providers::{Provider, ext::AnvilApi},
    rpc::types::anvil::ReorgOptions,
};
use ogcr_client::{Registry, TxPolicy};
use ogcr_store::{Store, testing};

use crate::common::{Chain, chain_with_events, config, data, index_once, rpc_source, signers};

/// A registry signing as holder `i` of the workload (anvil account 5 + i).
async fn holder(chain: &Chain, i: usize) -> Registry {
    let s = signers(&chain.anvil);
    Registry::connect(
        &chain.rpc(),
        Some(s.holders[i].clone()),
        chain.report.manifest.clone(),
        TxPolicy::default(),
    )
    .await
    .unwrap()
}

/// Moves up to `n` tokens of holder `from` to holder `to`, one block each.
async fn move_tokens(chain: &Chain, from: usize, to: usize, n: usize) -> usize {
    let sender = holder(chain, from).await;
    let target = signers(&chain.anvil).holders[to].address();
    let mut moved = 0;
    for id in sender.tokens_of(sender.sender().unwrap()).await.unwrap() {
        if moved == n {
            break;
        }
        let (unit, _, _) = sender.token(id).await.unwrap();
        if unit.status == 0 && sender.transfer(id, target).await.is_ok() {
            moved += 1;
        }
    }
    moved
}

async fn fresh(chain: &Chain) -> (tempfile::TempDir, Store) {
    let (dir, store) = testing::sqlite().await;
    index_once(rpc_source(chain).await, &store, config(chain)).await;
    (dir, store)
}

async fn assert_same_as_fresh(chain: &Chain, store: &Store, what: &str) {
    let (_dir, clean) = fresh(chain).await;
    assert_eq!(
        data(store).await,
        data(&clean).await,
        "{what}: differs from a fresh index"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reverted_snapshots_are_rolled_back_at_every_depth() {
    let chain = chain_with_events(400, 40).await;
    let provider = ogcr_client::registry::connect_provider(&chain.rpc(), None)
        .await
        .unwrap();
    for b in testing::backends().await {
        // Every backend starts from the same chain.
        let base = provider.anvil_snapshot().await.unwrap();
        index_once(rpc_source(&chain).await, &b.store, config(&chain)).await;
        for depth in [1usize, 3, 12] {
            let snapshot = provider.anvil_snapshot().await.unwrap();
            // The abandoned branch: `depth` transfers to holder 1, one block each.
            assert_eq!(move_tokens(&chain, 0, 1, depth).await, depth);
            index_once(rpc_source(&chain).await, &b.store, config(&chain)).await;
            let before = b.store.counts().await.unwrap();
            assert!(provider.anvil_revert(snapshot).await.unwrap());
            // The winning branch: other transfers, one block more than the abandoned one.
            assert_eq!(move_tokens(&chain, 0, 2, depth + 1).await, depth + 1);
            let p = index_once(rpc_source(&chain).await, &b.store, config(&chain)).await;
            assert!(
                p.rolled_back >= depth as u64,
                "{}: depth {depth}: {p:?}",
                b.name
            );
            let after = b.store.counts().await.unwrap();
            assert_eq!(
                after.transfers,
                before.transfers + 1,
                "{}: depth {depth}",
                b.name
            );
            assert_same_as_fresh(
                &chain,
                &b.store,
                &format!("{} snapshot depth {depth}", b.name),
            )
            .await;
        }
        assert!(provider.anvil_revert(base).await.unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replaced_and_dropped_blocks_are_rolled_back() {
    let chain = chain_with_events(400, 40).await;
    let provider = ogcr_client::registry::connect_provider(&chain.rpc(), None)
        .await
        .unwrap();
    for b in testing::backends().await {
        let base = provider.anvil_snapshot().await.unwrap();
        index_once(rpc_source(&chain).await, &b.store, config(&chain)).await;
        for depth in [2u64, 6] {
            move_tokens(&chain, 1, 3, depth as usize).await;
            index_once(rpc_source(&chain).await, &b.store, config(&chain)).await;
            let head = provider.get_block_number().await.unwrap();
            // Same height, other blocks: the transfers are gone.
            provider
                .anvil_reorg(ReorgOptions {
                    depth,
                    tx_block_pairs: vec![],
                })
                .await
                .unwrap();
            assert_eq!(provider.get_block_number().await.unwrap(), head);
            let p = index_once(rpc_source(&chain).await, &b.store, config(&chain)).await;
            assert!(p.rolled_back >= depth, "{}: reorg {depth}: {p:?}", b.name);
            assert_same_as_fresh(&chain, &b.store, &format!("{} anvil_reorg {depth}", b.name))
                .await;
        }
        // A shorter chain: the checkpoint block itself is gone.
        move_tokens(&chain, 1, 4, 3).await;
        index_once(rpc_source(&chain).await, &b.store, config(&chain)).await;
        provider.anvil_rollback(Some(3)).await.unwrap();
        let p = index_once(rpc_source(&chain).await, &b.store, config(&chain)).await;
        assert!(p.rolled_back >= 3, "{}: rollback: {p:?}", b.name);
        assert_same_as_fresh(&chain, &b.store, &format!("{} anvil_rollback", b.name)).await;
        assert!(provider.anvil_revert(base).await.unwrap());
    }
}

#[tokio::test]
async fn a_reorg_deeper_than_the_window_is_refused_with_a_clear_error() {
    let chain = chain_with_events(200, 20).await;
    let provider = ogcr_client::registry::connect_provider(&chain.rpc(), None)
        .await
        .unwrap();
    let (_dir, store) = testing::sqlite().await;
    let mut cfg = config(&chain);
    cfg.reorg_window = 2;
    index_once(rpc_source(&chain).await, &store, cfg.clone()).await;
    provider
        .anvil_reorg(ReorgOptions {
            depth: 6,
            tx_block_pairs: vec![],
        })
        .await
        .unwrap();
    let indexer = ogcr_indexer::Indexer::new(rpc_source(&chain).await, store.clone(), cfg)
        .await
        .unwrap();
    let err = indexer
        .run(true, std::future::pending(), &mut |_| {})
        .await
        .expect_err("the reorg is deeper than the window");
    let msg = err.to_string();
    assert!(msg.contains("re-index with --reset"), "{msg}");
}
