//! Rollbacks: per-block rows go, current-state rows come back from the undo log.

use ogcr_store::{
    Block, Error, Event, MrvReport, PddVersion, Project, RoleMember, Token, Transfer,
    testing::backends, write::RollbackReport,
};

use crate::fixtures::{
    ALICE, BOB, MINTER, VERIFIER, block, commit, dump, history, init, member, project, report,
    rows, state, token,
};

#[tokio::test]
async fn rolling_back_restores_the_state_after_the_target_block() {
    for db in backends().await {
        let (name, s) = (db.name, &db.store);
        init(name, s).await;
        let [b10, b11, b12] = history();
        let empty = dump(name, s).await;
        commit(name, s, &b10).await;
        let after10 = dump(name, s).await;
        commit(name, s, &b11).await;
        let after11 = dump(name, s).await;
        commit(name, s, &b12).await;
        let after12 = dump(name, s).await;
        assert_ne!(after11, after12, "{name}: block 12 changed something");

        let rolled = s
            .rollback_to(11, &block(11).hash)
            .await
            .unwrap_or_else(|e| panic!("{name}: rollback to 11: {e}"));
        assert_eq!(
            rolled,
            RollbackReport {
                from: 12,
                to: 11,
                events: b12.events.len() as i64,
                restored: b12.undo.len() as i64,
            },
            "{name}"
        );
        // Current-state tables as they were after block 11.
        assert_eq!(
            rows::<Project>(name, s).await,
            vec![project(1, "validated", 1, 11)],
            "{name}"
        );
        assert_eq!(
            rows::<Token>(name, s).await,
            vec![token(1, BOB, "active", 11), token(2, BOB, "active", 11)],
            "{name}"
        );
        assert_eq!(
            rows::<RoleMember>(name, s).await,
            vec![member(VERIFIER, BOB, 11)],
            "{name}"
        );
        assert_eq!(
            rows::<MrvReport>(name, s).await,
            vec![report(1, 1, "submitted", 11)],
            "{name}"
        );
        // Per-block tables lost block 12.
        let events = rows::<Event>(name, s).await;
        assert_eq!(events.len(), b10.events.len() + b11.events.len(), "{name}");
        assert!(events.iter().all(|e| e.block_number <= 11), "{name}");
        assert!(
            rows::<Transfer>(name, s)
                .await
                .iter()
                .all(|t| t.block_number <= 11),
            "{name}"
        );
        assert_eq!(rows::<PddVersion>(name, s).await.len(), 1, "{name}");
        assert_eq!(
            rows::<Block>(name, s).await,
            vec![block(10), block(11)],
            "{name}"
        );
        let st = state(name, s).await;
        assert_eq!(
            (st.checkpoint_block, st.checkpoint_hash),
            (11, block(11).hash),
            "{name}"
        );
        // Everything, undo log and checkpoint included, is as it was after block 11.
        assert_eq!(dump(name, s).await, after11, "{name}");

        // The new canonical block 12 (here the same) commits on top again.
        commit(name, s, &b12).await;
        assert_eq!(dump(name, s).await, after12, "{name}: replaying block 12");

        // Two blocks at once, then down to the undo floor.
        s.rollback_to(10, &block(10).hash)
            .await
            .unwrap_or_else(|e| panic!("{name}: rollback to 10: {e}"));
        let now = dump(name, s).await;
        assert_eq!(chain_data(&now), chain_data(&after10), "{name}");
        // Documents are off-chain work, not chain data: a rollback keeps the queue.
        assert_eq!(documents(&now), documents(&after11), "{name}");
        assert_eq!(
            rows::<Token>(name, s).await,
            vec![token(1, ALICE, "active", 10)],
            "{name}"
        );
        assert_eq!(
            rows::<RoleMember>(name, s).await,
            vec![member(MINTER, ALICE, 10)],
            "{name}"
        );
        s.rollback_to(9, "")
            .await
            .unwrap_or_else(|e| panic!("{name}: rollback to 9: {e}"));
        let now = dump(name, s).await;
        assert_eq!(chain_data(&now), chain_data(&empty), "{name}");
        assert_eq!(documents(&now), documents(&after11), "{name}");
    }
}

/// A dump without the documents table.
fn chain_data(dump: &[(String, Vec<String>)]) -> Vec<&(String, Vec<String>)> {
    dump.iter().filter(|(t, _)| t != "documents").collect()
}

/// The documents table of a dump.
fn documents(dump: &[(String, Vec<String>)]) -> &[String] {
    dump.iter()
        .find(|(t, _)| t == "documents")
        .map(|(_, rows)| rows.as_slice())
        .expect("dumps list the documents")
}

#[tokio::test]
async fn a_rollback_below_the_undo_floor_is_refused() {
    for db in backends().await {
        let (name, s) = (db.name, &db.store);
        init(name, s).await;
        for cs in history() {
            commit(name, s, &cs).await;
        }
        let before = dump(name, s).await;
        let err = s.rollback_to(8, "").await.expect_err("below the floor");
        assert!(
            matches!(
                err,
                Error::RollbackTooDeep {
                    target: 8,
                    floor: 9
                }
            ),
            "{name}: {err:?}"
        );
        assert!(err.to_string().contains("block 8"), "{name}: {err}");
        assert_eq!(
            dump(name, s).await,
            before,
            "{name}: a refused rollback changed nothing"
        );
    }
}

#[tokio::test]
async fn rolling_back_to_the_checkpoint_or_above_is_a_no_op() {
    for db in backends().await {
        let (name, s) = (db.name, &db.store);
        init(name, s).await;
        for cs in history() {
            commit(name, s, &cs).await;
        }
        let before = dump(name, s).await;
        for target in [12, 13] {
            let rolled = s
                .rollback_to(target, "0xother")
                .await
                .unwrap_or_else(|e| panic!("{name}: rollback to {target}: {e}"));
            assert_eq!(rolled, RollbackReport::default(), "{name}");
        }
        assert_eq!(dump(name, s).await, before, "{name}");
    }
}
