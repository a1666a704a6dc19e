//! The export reads: offset and keyset pages agree, counts match, lineage of split tokens.

use ogcr_store::{
    Mutation, Token,
    export::{Seek, SplitCut, SplitTree},
    testing::backends,
};

use crate::fixtures::{batch, block, commit, event, init, token};

/// Seven tokens: 1 issued, 2 split from 1, 3 split from 2, the rest issued; labels vary.
fn tokens() -> Vec<Token> {
    (1..=7)
        .map(|id| Token {
            labels: id % 4,
            parent_token_id: match id {
                2 => Some(1),
                3 => Some(2),
                _ => None,
            },
            minted_block: 10 + id,
            minted_at: 1_700_000_000 + id,
            ..token(id, id, "active", 10)
        })
        .collect()
}

#[tokio::test]
async fn offset_and_keyset_pages_agree() {
    for db in backends().await {
        let (name, s) = (db.name, &db.store);
        init(name, s).await;
        let mut cs = batch(10, 10);
        cs.tokens = tokens().into_iter().map(Mutation::Upsert).collect();
        commit(name, s, &cs).await;

        assert_eq!(s.export_count_tokens().await.unwrap(), 7, "{name}");
        let mut by_key = Vec::new();
        let mut seek = Seek::start();
        loop {
            let page = s.export_tokens(&seek, 3).await.unwrap();
            let Some(last) = page.last() else { break };
            seek = Seek::After(last.token_id);
            by_key.extend(page.iter().map(|t| t.token_id));
        }
        let mut by_offset = Vec::new();
        for p in 0..3 {
            let page = s.export_tokens(&Seek::Offset(p * 3), 3).await.unwrap();
            by_offset.extend(page.iter().map(|t| t.token_id));
        }
        assert_eq!(by_key, (1..=7).collect::<Vec<_>>(), "{name}");
        assert_eq!(by_offset, by_key, "{name}");

        // Labels: bit 1 on tokens 1, 3, 5, 7; bit 2 on 2, 3, 6, 7.
        let labels = s.export_token_labels(&Seek::start(), 100).await.unwrap();
        assert_eq!(
            labels,
            [
                (1, 1),
                (2, 2),
                (3, 1),
                (3, 2),
                (5, 1),
                (6, 2),
                (7, 1),
                (7, 2)
            ],
            "{name}"
        );
        assert_eq!(s.export_count_token_labels().await.unwrap(), 8, "{name}");
        let after = s
            .export_token_labels(&Seek::After((3, 1)), 2)
            .await
            .unwrap();
        assert_eq!(after, [(3, 2), (5, 1)], "{name}");

        // Lineage: 3 and 2 come from 1; everything ever split off 1; splits after a cut.
        let roots = s.export_roots_of(&[1, 2, 3, 4]).await.unwrap();
        assert_eq!(
            roots.into_iter().collect::<Vec<_>>(),
            [(1, 1), (2, 1), (3, 1), (4, 4)],
            "{name}"
        );
        let all = s
            .export_split_off_after(&[1, 4], SplitCut::Block(-1))
            .await
            .unwrap();
        assert_eq!(all.into_iter().collect::<Vec<_>>(), [(1, 200)], "{name}");
        // After block 12 token 2 exists on its own: the later split of 3 is taken from 2.
        let later = s
            .export_split_off_after(&[1, 2], SplitCut::Block(12))
            .await
            .unwrap();
        assert_eq!(later.into_iter().collect::<Vec<_>>(), [(2, 100)], "{name}");
        let later = s
            .export_split_off_after(&[1], SplitCut::Time(1_700_000_003))
            .await
            .unwrap();
        assert!(later.is_empty(), "{name}");

        // The split tree read once gives, for every token and block, what the per-cut query
        // gives.
        let ids = [1, 2, 3, 4];
        let rows = s.export_split_descendants(&ids).await.unwrap();
        assert_eq!(
            rows.iter()
                .map(|c| (c.token_id, c.parent))
                .collect::<Vec<_>>(),
            [(2, 1), (3, 2)],
            "{name}"
        );
        let tree = SplitTree::new(&rows);
        for block in -1..=15 {
            let per_cut = s
                .export_split_off_after(&ids, SplitCut::Block(block))
                .await
                .unwrap();
            for id in ids {
                assert_eq!(
                    tree.split_off_after(id, block),
                    per_cut.get(&id).copied().unwrap_or(0),
                    "{name}: token {id} after block {block}"
                );
            }
        }
    }
}

#[tokio::test]
async fn label_updates_are_matched_to_their_tokens() {
    for db in backends().await {
        let (name, s) = (db.name, &db.store);
        init(name, s).await;
        let labels = |n: i64, log: i64, token: i64| ogcr_store::Event {
            contract: "CarbonRemovalUnit".into(),
            args: format!(r#"{{"tokenId":"{token}","labels":"3"}}"#),
            ..event(n, log, "CRULabelsUpdated")
        };
        let mut cs = batch(10, 14);
        cs.events = vec![
            labels(11, 0, 2),
            labels(12, 0, 12),
            labels(13, 0, 2),
            // Other events naming token 5 do not count.
            ogcr_store::Event {
                args: r#"{"tokenId":"5"}"#.into(),
                ..event(14, 0, "CRUSplit")
            },
        ];
        commit(name, s, &cs).await;
        let at = s.export_labels_updated_at(&[1, 2, 5, 12]).await.unwrap();
        assert_eq!(
            at.into_iter().collect::<Vec<_>>(),
            [(2, block(13).timestamp), (12, block(12).timestamp)],
            "{name}"
        );
        assert!(s.export_labels_updated_at(&[]).await.unwrap().is_empty());
    }
}
