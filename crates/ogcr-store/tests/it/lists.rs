//! List pages: offset pages seek through the cached list index (total and every 128th key)
//! and agree with a plain walk of the table; the index follows every change of the data.

use ogcr_store::{
    Event, Store,
    query::{EventFilter, PageRequest},
    testing::backends,
};

use crate::fixtures::{batch, block, commit, event, init};

/// `events` blocks `from..=to`, `per` logs each, alternating two contracts.
fn events(from: i64, to: i64, per: i64) -> Vec<Event> {
    (from..=to)
        .flat_map(|n| {
            (0..per).map(move |log| Event {
                contract: if log % 2 == 0 {
                    "ProjectRegistry".into()
                } else {
                    "MRVRegistry".into()
                },
                ..event(n, log, "Thing")
            })
        })
        .collect()
}

/// (block, log) of every event matching `f`, in chain order, walked by cursor.
async fn walk(name: &str, s: &Store, f: &EventFilter) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = s
            .events(f, &PageRequest::Cursor { limit: 100, after })
            .await
            .unwrap_or_else(|e| panic!("{name}: cursor page: {e}"));
        out.extend(page.rows.iter().map(|e| (e.block_number, e.log_index)));
        if page.next.is_none() {
            return out;
        }
        after = page.next;
    }
}

/// Every offset page of `f` (the offsets around each mark, and past the end) equals the
/// matching slice of the walk, with the walk's length as its total.
async fn offsets_agree(name: &str, s: &Store, f: &EventFilter) {
    let all = walk(name, s, f).await;
    let n = all.len() as i64;
    let mut offsets: Vec<i64> = vec![0, 1, n - 1, n, n + 1, n + 500];
    for mark in [128, 256, 384] {
        offsets.extend([mark - 1, mark, mark + 1]);
    }
    for limit in [1, 7, 50] {
        for &offset in offsets.iter().filter(|o| **o >= 0) {
            let page = s
                .events(f, &PageRequest::Offset { limit, offset })
                .await
                .unwrap_or_else(|e| panic!("{name}: offset {offset}: {e}"));
            let got: Vec<(i64, i64)> = page
                .rows
                .iter()
                .map(|e| (e.block_number, e.log_index))
                .collect();
            let from = offset.min(n) as usize;
            let to = (offset + limit).min(n) as usize;
            assert_eq!(got, all[from..to], "{name}: offset {offset} limit {limit}");
            assert_eq!(page.total, Some(n), "{name}: total at offset {offset}");
            assert_eq!(
                page.has_more,
                offset + limit < n,
                "{name}: has_more at {offset}"
            );
        }
    }
}

#[tokio::test]
async fn offset_pages_agree_with_the_walk_and_follow_every_change() {
    for db in backends().await {
        let (name, s) = (db.name, &db.store);
        init(name, s).await;
        let everything = EventFilter::default();
        let one_contract = EventFilter {
            contract: vec!["MRVRegistry".into()],
            ..EventFilter::default()
        };

        let mut cs = batch(10, 29);
        cs.events = events(10, 29, 20); // 400 events, 200 of each contract
        commit(name, s, &cs).await;
        let before = s.revision().await.unwrap();
        offsets_agree(name, s, &everything).await;
        offsets_agree(name, s, &one_contract).await;

        // A new batch moves the revision: totals and deep pages include its rows at once.
        let mut cs = batch(30, 31);
        cs.events = events(30, 31, 20);
        commit(name, s, &cs).await;
        assert!(s.revision().await.unwrap() > before, "{name}: revision");
        let page = s
            .events(
                &everything,
                &PageRequest::Offset {
                    limit: 5,
                    offset: 438,
                },
            )
            .await
            .unwrap();
        assert_eq!(page.total, Some(440), "{name}");
        assert_eq!(
            page.rows
                .iter()
                .map(|e| (e.block_number, e.log_index))
                .collect::<Vec<_>>(),
            [(31, 18), (31, 19)],
            "{name}"
        );
        offsets_agree(name, s, &everything).await;
        offsets_agree(name, s, &one_contract).await;

        // So does a rollback.
        s.rollback_to(20, &block(20).hash).await.unwrap();
        let page = s
            .events(
                &everything,
                &PageRequest::Offset {
                    limit: 5,
                    offset: 0,
                },
            )
            .await
            .unwrap();
        assert_eq!(page.total, Some(220), "{name}");
        offsets_agree(name, s, &everything).await;
        offsets_agree(name, s, &one_contract).await;
    }
}
