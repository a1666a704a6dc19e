//! Batch commits: every table, idempotent retries, continuity, large batches, mutations.

use ogcr_store::{
    Block, Cancellation, ChainState, Decision, Document, Error, Event, EventAddress, MrvReport,
    Mutation, PddVersion, Problem, Project, Retirement, RoleMember, StatusChange, Table, Token,
    Transfer, Undo, read::Counts, testing::backends,
};

use crate::fixtures::{
    ALICE, BOB, address, batch, block, chain_state, commit, dump, event, full_batch, init, member,
    project, rows, state, token,
};

/// The rows of a list of mutations that are upserts, in key order.
fn upserts<T: Table>(muts: &[Mutation<T>]) -> Vec<T> {
    let mut out: Vec<T> = muts
        .iter()
        .filter_map(|m| match m {
            Mutation::Upsert(r) => Some(r.clone()),
            Mutation::Delete(_) => None,
        })
        .collect();
    out.sort_by_key(|r| serde_json::to_string(&r.key()).expect("keys serialise"));
    out
}

/// `rows` sorted by their JSON key (the order `Store::all` returns for these fixtures).
fn sorted<T: Table>(mut rows: Vec<T>) -> Vec<T> {
    rows.sort_by_key(|r| serde_json::to_string(&r.key()).expect("keys serialise"));
    rows
}

#[tokio::test]
async fn a_batch_writes_every_table_and_moves_the_checkpoint() {
    for db in backends().await {
        let (name, s) = (db.name, &db.store);
        init(name, s).await;
        let cs = full_batch();
        commit(name, s, &cs).await;

        assert_eq!(
            state(name, s).await,
            ChainState {
                checkpoint_block: 11,
                checkpoint_hash: block(11).hash,
                undo_floor: 9,
                ..chain_state()
            },
            "{name}"
        );
        assert_eq!(rows::<Block>(name, s).await, cs.blocks, "{name}");
        assert_eq!(rows::<Event>(name, s).await, cs.events, "{name}");
        assert_eq!(
            rows::<EventAddress>(name, s).await,
            sorted(cs.event_addresses.clone()),
            "{name}"
        );
        assert_eq!(
            rows::<StatusChange>(name, s).await,
            cs.status_changes,
            "{name}"
        );
        assert_eq!(rows::<Decision>(name, s).await, cs.decisions, "{name}");
        assert_eq!(rows::<PddVersion>(name, s).await, cs.pdd_versions, "{name}");
        assert_eq!(rows::<Transfer>(name, s).await, cs.transfers, "{name}");
        assert_eq!(rows::<Retirement>(name, s).await, cs.retirements, "{name}");
        assert_eq!(
            rows::<Cancellation>(name, s).await,
            cs.cancellations,
            "{name}"
        );
        assert_eq!(rows::<Problem>(name, s).await, cs.problems, "{name}");
        assert_eq!(
            rows::<Project>(name, s).await,
            upserts(&cs.projects),
            "{name}"
        );
        assert_eq!(
            rows::<MrvReport>(name, s).await,
            upserts(&cs.mrv_reports),
            "{name}"
        );
        assert_eq!(rows::<Token>(name, s).await, upserts(&cs.tokens), "{name}");
        assert_eq!(
            rows::<RoleMember>(name, s).await,
            upserts(&cs.role_members),
            "{name}"
        );
        assert_eq!(rows::<Document>(name, s).await, cs.documents, "{name}");
        let undo = rows::<Undo>(name, s).await;
        let expected: Vec<Undo> = cs
            .undo
            .iter()
            .enumerate()
            .map(|(i, u)| Undo {
                seq: i as i64 + 1,
                ..u.clone()
            })
            .collect();
        assert_eq!(
            undo, expected,
            "{name}: undo records numbered in batch order"
        );

        let counts = s
            .counts()
            .await
            .unwrap_or_else(|e| panic!("{name}: counts: {e}"));
        assert_eq!(
            counts,
            Counts {
                events: 5,
                projects: 1,
                mrv_reports: 1,
                tokens: 2,
                transfers: 1,
                retirements: 1,
                role_members: 1,
                documents_verified: 0,
                documents_failed: 0,
                documents_pending: 1,
                problems: 1,
            },
            "{name}"
        );
    }
}

#[tokio::test]
async fn committing_a_stored_batch_again_is_a_no_op() {
    for db in backends().await {
        let (name, s) = (db.name, &db.store);
        init(name, s).await;
        let cs = full_batch();
        commit(name, s, &cs).await;
        let before = dump(name, s).await;
        let counts = s
            .counts()
            .await
            .unwrap_or_else(|e| panic!("{name}: counts: {e}"));

        // A retry after a lost acknowledgement, and an older batch inside the stored range.
        commit(name, s, &cs).await;
        let mut older = batch(10, 10);
        older.events = vec![event(10, 7, "Late")];
        older.projects = vec![Mutation::Delete(project(1, "", 0, 0).key())];
        commit(name, s, &older).await;

        assert_eq!(dump(name, s).await, before, "{name}");
        assert_eq!(s.counts().await.ok(), Some(counts), "{name}");
    }
}

#[tokio::test]
async fn a_batch_that_does_not_continue_the_checkpoint_is_refused() {
    for db in backends().await {
        let (name, s) = (db.name, &db.store);
        init(name, s).await;
        commit(name, s, &full_batch()).await;
        let before = dump(name, s).await;

        for (from, to) in [(13, 13), (11, 12)] {
            let mut cs = batch(from, to);
            cs.events = vec![event(to, 0, "Skipped")];
            let err = s
                .commit(&cs)
                .await
                .expect_err("a gap or overlap must be refused");
            assert!(
                matches!(err, Error::Discontinuous { from: f, checkpoint: 11 } if f == from),
                "{name}: {err:?}"
            );
            let message = err.to_string();
            assert!(
                message.contains(&format!("block {from}")) && message.contains("block 11"),
                "{name}: {message}"
            );
        }
        assert_eq!(
            dump(name, s).await,
            before,
            "{name}: a refused batch wrote nothing"
        );
        commit(name, s, &batch(12, 12)).await;
        assert_eq!(state(name, s).await.checkpoint_block, 12, "{name}");
    }
}

#[tokio::test]
async fn batches_larger_than_one_statement_store_every_row() {
    const N: i64 = 12_000;
    for db in backends().await {
        let (name, s) = (db.name, &db.store);
        init(name, s).await;
        let mut cs = batch(10, 10 + N / 1000 - 1);
        // 12 000 events × 12 columns = 144 000 parameters: five statements.
        cs.events = (0..N)
            .map(|i| event(10 + i / 1000, i % 1000, "Bulk"))
            .collect();
        cs.event_addresses = cs
            .events
            .iter()
            .map(|e| EventAddress {
                address: address(e.log_index % 7),
                block_number: e.block_number,
                log_index: e.log_index,
            })
            .collect();
        // 12 000 upserts × 18 columns, and their undo records.
        cs.tokens = (1..=N)
            .map(|id| Mutation::Upsert(token(id, ALICE, "active", 10)))
            .collect();
        cs.undo = (1..=N)
            .map(|id| ogcr_store::write::undo_record::<Token>(10, token(id, 0, "", 0).key(), None))
            .collect();
        commit(name, s, &cs).await;

        let counts = s
            .counts()
            .await
            .unwrap_or_else(|e| panic!("{name}: counts: {e}"));
        assert_eq!((counts.events, counts.tokens), (N, N), "{name}");
        let events = rows::<Event>(name, s).await;
        assert_eq!(events, cs.events, "{name}");
        assert_eq!(
            rows::<EventAddress>(name, s).await.len(),
            N as usize,
            "{name}"
        );
        let undo = rows::<Undo>(name, s).await;
        assert_eq!(
            undo.iter().map(|u| u.seq).collect::<Vec<_>>(),
            (1..=N).collect::<Vec<_>>(),
            "{name}"
        );
        let tokens = rows::<Token>(name, s).await;
        assert_eq!(tokens.len(), N as usize, "{name}");
        assert_eq!(
            tokens.last(),
            Some(&token(N, ALICE, "active", 10)),
            "{name}"
        );

        // And all of it rolls back.
        let report = s
            .rollback_to(9, "")
            .await
            .unwrap_or_else(|e| panic!("{name}: rollback: {e}"));
        assert_eq!((report.events, report.restored), (N, N), "{name}");
        let counts = s
            .counts()
            .await
            .unwrap_or_else(|e| panic!("{name}: counts: {e}"));
        assert_eq!(counts, Counts::default(), "{name}");
    }
}

#[tokio::test]
async fn a_row_changed_several_times_in_one_batch_ends_in_its_last_state() {
    for db in backends().await {
        let (name, s) = (db.name, &db.store);
        init(name, s).await;
        let mut cs = batch(10, 10);
        cs.tokens = vec![
            // Minted, then moved twice: the last state wins.
            Mutation::Upsert(token(1, ALICE, "active", 10)),
            Mutation::Upsert(token(1, BOB, "active", 10)),
            Mutation::Upsert(token(1, ALICE, "retired", 10)),
            // Minted then burnt: gone.
            Mutation::Upsert(token(2, ALICE, "active", 10)),
            Mutation::Delete(token(2, 0, "", 0).key()),
            // Deleted (absent anyway) then minted: there.
            Mutation::Delete(token(3, 0, "", 0).key()),
            Mutation::Upsert(token(3, BOB, "active", 10)),
        ];
        cs.role_members = vec![
            Mutation::Upsert(member("R", ALICE, 10)),
            Mutation::Delete(member("R", ALICE, 0).key()),
            Mutation::Upsert(member("R", BOB, 10)),
        ];
        commit(name, s, &cs).await;
        assert_eq!(
            rows::<Token>(name, s).await,
            vec![token(1, ALICE, "retired", 10), token(3, BOB, "active", 10)],
            "{name}"
        );
        assert_eq!(
            rows::<RoleMember>(name, s).await,
            vec![member("R", BOB, 10)],
            "{name}"
        );

        // A later batch deletes and changes what the first one stored.
        let mut next = batch(11, 11);
        next.tokens = vec![
            Mutation::Delete(token(1, 0, "", 0).key()),
            Mutation::Upsert(token(3, ALICE, "active", 11)),
        ];
        next.role_members = vec![Mutation::Delete(member("R", BOB, 0).key())];
        commit(name, s, &next).await;
        assert_eq!(
            rows::<Token>(name, s).await,
            vec![token(3, ALICE, "active", 11)],
            "{name}"
        );
        assert_eq!(rows::<RoleMember>(name, s).await, vec![], "{name}");
    }
}

#[tokio::test]
async fn pruning_drops_old_blocks_and_undo_records() {
    for db in backends().await {
        let (name, s) = (db.name, &db.store);
        init(name, s).await;
        let mut b10 = batch(10, 10);
        b10.tokens = vec![Mutation::Upsert(token(1, ALICE, "active", 10))];
        b10.undo = vec![ogcr_store::write::undo_record::<Token>(
            10,
            token(1, 0, "", 0).key(),
            None,
        )];
        commit(name, s, &b10).await;
        let mut b11 = batch(11, 11);
        b11.tokens = vec![Mutation::Upsert(token(1, BOB, "active", 11))];
        b11.undo = vec![ogcr_store::write::undo_record(
            11,
            token(1, 0, "", 0).key(),
            Some(&token(1, ALICE, "active", 10)),
        )];
        b11.prune_below = Some(10);
        b11.undo_floor = 10;
        commit(name, s, &b11).await;

        assert_eq!(rows::<Block>(name, s).await, vec![block(11)], "{name}");
        let undo = rows::<Undo>(name, s).await;
        assert_eq!(
            undo.iter()
                .map(|u| (u.seq, u.block_number))
                .collect::<Vec<_>>(),
            vec![(2, 11)],
            "{name}"
        );
        assert_eq!(state(name, s).await.undo_floor, 10, "{name}");
        let recent = s
            .recent_blocks(20, 5)
            .await
            .unwrap_or_else(|e| panic!("{name}: recent_blocks: {e}"));
        assert_eq!(recent, vec![block(11)], "{name}");
        assert_eq!(s.block(10).await.ok(), Some(None), "{name}");
        assert_eq!(s.block(11).await.ok(), Some(Some(block(11))), "{name}");
    }
}
