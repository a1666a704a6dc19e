//! List orders (`sort`, `order`): for every field of every list and both directions, the
//! cursor walk and the offset pages give the rows in exactly the order a sort of all rows by
//! the field (ties broken by the list's key) gives, without skipping or repeating a row across
//! many ties; a cursor only works under the order that made it.

use std::cmp::Reverse;

use ogcr_store::{
    Error, Mutation, Retirement, Store,
    query::{
        CreditFilter, CreditSort, EventFilter, EventSort, MrvFilter, MrvSort, Page, PageRequest,
        ProjectFilter, ProjectSort, RetirementFilter, RetirementSort, Sort, SortField,
    },
    testing::backends,
};

use crate::fixtures::{address, batch, block, commit, event, hash, init, project, report, token};

const N: i64 = 300;
const STATUSES: [&str; 6] = [
    "archived",
    "draft",
    "rejected",
    "submitted",
    "validated",
    "under_review",
];

/// 300 projects, reports and tokens whose sort fields repeat (so ties are many), and 100
/// retirements.
fn data() -> ogcr_store::ChangeSet {
    let mut cs = batch(10, 40);
    for k in 1..=N {
        let mut p = project(k, STATUSES[(k % 6) as usize], 1, 10 + k % 31);
        p.registered_at = 1_700_000_000 + (k * 7919) % 11 * 60;
        cs.projects.push(Mutation::Upsert(p));
        let mut m = report(
            k,
            k % 17 + 1,
            ["submitted", "verified", "rejected"][(k % 3) as usize],
            10,
        );
        m.period_start = 1_600_000_000 + (k * 104_729) % 13 * 86_400;
        cs.mrv_reports.push(Mutation::Upsert(m));
        let mut t = token(
            k,
            k % 9,
            ["active", "retired", "cancelled", "buffer"][(k % 4) as usize],
            10,
        );
        t.vintage = 2018 + (k * 31) % 7;
        t.amount = 10 * ((k * 53) % 12 + 1);
        cs.tokens.push(Mutation::Upsert(t));
    }
    for k in 1..=100 {
        cs.retirements.push(Retirement {
            block_number: 10 + k % 30,
            log_index: k,
            token_id: k,
            owner: address(k % 9),
            actor: address(k % 9),
            serial_start: k * 1000,
            amount: (k * 37) % 9 + 1,
            reason_code: 0,
            beneficiary: format!("Beneficiary {k}"),
            beneficiary_id: String::new(),
            detail: String::new(),
            tx_hash: hash(0x7c, k),
            timestamp: block(10 + k % 30).timestamp,
        });
    }
    cs.events = (10..=40)
        .flat_map(|n| (0..5).map(move |l| event(n, l, "Thing")))
        .collect();
    cs
}

/// Every row of a list by cursor pages of 13, and by offset pages of 13 (checked equal).
async fn walk<T, K: Clone + PartialEq + std::fmt::Debug>(
    name: &str,
    fetch: impl AsyncFn(PageRequest) -> ogcr_store::Result<Page<T>>,
    key: impl Fn(&T) -> K,
) -> Vec<K> {
    let mut by_cursor = Vec::new();
    let mut after = None;
    loop {
        let page = fetch(PageRequest::Cursor { limit: 13, after })
            .await
            .unwrap_or_else(|e| panic!("{name}: cursor page: {e}"));
        by_cursor.extend(page.rows.iter().map(&key));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let mut by_offset = Vec::new();
    for offset in (0..).step_by(13) {
        let page = fetch(PageRequest::Offset { limit: 13, offset })
            .await
            .unwrap_or_else(|e| panic!("{name}: offset {offset}: {e}"));
        assert_eq!(
            page.total,
            Some(by_cursor.len() as i64),
            "{name}: total at {offset}"
        );
        by_offset.extend(page.rows.iter().map(&key));
        if !page.has_more {
            break;
        }
    }
    assert_eq!(
        by_cursor, by_offset,
        "{name}: cursor and offset walks differ"
    );
    // A deep offset (past a few list-index marks) lands where the walk says.
    let page = fetch(PageRequest::Offset {
        limit: 5,
        offset: 260,
    })
    .await
    .unwrap();
    let from = 260.min(by_cursor.len());
    let to = 265.min(by_cursor.len());
    assert_eq!(
        page.rows.iter().map(&key).collect::<Vec<_>>(),
        by_cursor[from..to],
        "{name}: offset 260"
    );
    by_cursor
}

/// `rows` sorted by `k` ascending or descending: what a list in that order must give.
fn sorted<K: Ord + Clone, I: Clone>(mut rows: Vec<(K, I)>, descending: bool) -> Vec<I> {
    if descending {
        rows.sort_by_key(|(k, _)| Reverse(k.clone()));
    } else {
        rows.sort_by_key(|(k, _)| k.clone());
    }
    rows.into_iter().map(|(_, i)| i).collect()
}

fn both<F: SortField>(by: F) -> [Sort<F>; 2] {
    [false, true].map(|descending| Sort { by, descending })
}

#[tokio::test]
async fn every_order_of_every_list_is_exact_under_many_ties() {
    for db in backends().await {
        let (name, s): (&str, &Store) = (db.name, &db.store);
        init(name, s).await;
        let cs = data();
        commit(name, s, &cs).await;
        let rank = |st: &str| {
            [
                "draft",
                "submitted",
                "under_review",
                "validated",
                "rejected",
                "archived",
            ]
            .iter()
            .position(|x| *x == st)
            .unwrap()
        };

        let projects: Vec<_> = cs
            .projects
            .iter()
            .map(|m| match m {
                Mutation::Upsert(p) => p.clone(),
                Mutation::Delete(_) => unreachable!(),
            })
            .collect();
        for by in [
            ProjectSort::ProjectId,
            ProjectSort::CreatedAt,
            ProjectSort::UpdatedAt,
            ProjectSort::Status,
            ProjectSort::Name,
        ] {
            for sort in both(by) {
                let label = format!("{name}: projects {sort:?}");
                let f = ProjectFilter {
                    sort,
                    ..ProjectFilter::default()
                };
                let got = walk(
                    &label,
                    async |req| s.projects(&f, &req).await,
                    |r| r.project.project_id.clone(),
                )
                .await;
                let id = |p: &ogcr_store::Project| p.project_id.clone();
                let want = match by {
                    // No facts here: every name is '' and the id decides.
                    ProjectSort::ProjectId | ProjectSort::Name => sorted(
                        projects.iter().map(|p| (id(p), id(p))).collect(),
                        sort.descending,
                    ),
                    ProjectSort::CreatedAt => sorted(
                        projects
                            .iter()
                            .map(|p| ((p.registered_at, id(p)), id(p)))
                            .collect(),
                        sort.descending,
                    ),
                    ProjectSort::UpdatedAt => sorted(
                        projects
                            .iter()
                            .map(|p| ((p.updated_at, id(p)), id(p)))
                            .collect(),
                        sort.descending,
                    ),
                    ProjectSort::Status => sorted(
                        projects
                            .iter()
                            .map(|p| ((rank(&p.status), id(p)), id(p)))
                            .collect(),
                        sort.descending,
                    ),
                };
                assert_eq!(got, want, "{label}");
            }
        }

        let reports: Vec<_> = cs
            .mrv_reports
            .iter()
            .map(|m| match m {
                Mutation::Upsert(r) => r.clone(),
                Mutation::Delete(_) => unreachable!(),
            })
            .collect();
        let mrv_rank = |st: &str| {
            ["submitted", "verified", "rejected"]
                .iter()
                .position(|x| *x == st)
        };
        for by in [MrvSort::CreatedAt, MrvSort::PeriodStart, MrvSort::Status] {
            for sort in both(by) {
                let label = format!("{name}: reports {sort:?}");
                let f = MrvFilter {
                    sort,
                    ..MrvFilter::default()
                };
                let got = walk(
                    &label,
                    async |req| s.mrv_reports(&f, &req).await,
                    |r| r.mrv_id,
                )
                .await;
                let want = match by {
                    MrvSort::CreatedAt => sorted(
                        reports.iter().map(|r| (r.mrv_id, r.mrv_id)).collect(),
                        sort.descending,
                    ),
                    MrvSort::PeriodStart => sorted(
                        reports
                            .iter()
                            .map(|r| ((r.period_start, r.mrv_id), r.mrv_id))
                            .collect(),
                        sort.descending,
                    ),
                    MrvSort::Status => sorted(
                        reports
                            .iter()
                            .map(|r| ((mrv_rank(&r.status), r.mrv_id), r.mrv_id))
                            .collect(),
                        sort.descending,
                    ),
                };
                assert_eq!(got, want, "{label}");
            }
        }

        let tokens: Vec<_> = cs
            .tokens
            .iter()
            .map(|m| match m {
                Mutation::Upsert(t) => t.clone(),
                Mutation::Delete(_) => unreachable!(),
            })
            .collect();
        for by in [
            CreditSort::CreatedAt,
            CreditSort::Vintage,
            CreditSort::Amount,
            CreditSort::Status,
        ] {
            for sort in both(by) {
                let label = format!("{name}: credits {sort:?}");
                let f = CreditFilter {
                    sort,
                    ..CreditFilter::default()
                };
                let got = walk(
                    &label,
                    async |req| s.credits(&f, &req).await,
                    |t| t.token_id,
                )
                .await;
                let want = match by {
                    CreditSort::CreatedAt => sorted(
                        tokens.iter().map(|t| (t.token_id, t.token_id)).collect(),
                        sort.descending,
                    ),
                    CreditSort::Vintage => sorted(
                        tokens
                            .iter()
                            .map(|t| ((t.vintage, t.token_id), t.token_id))
                            .collect(),
                        sort.descending,
                    ),
                    CreditSort::Amount => sorted(
                        tokens
                            .iter()
                            .map(|t| ((t.amount, t.token_id), t.token_id))
                            .collect(),
                        sort.descending,
                    ),
                    CreditSort::Status => sorted(
                        tokens
                            .iter()
                            .map(|t| ((t.status.clone(), t.token_id), t.token_id))
                            .collect(),
                        sort.descending,
                    ),
                };
                assert_eq!(got, want, "{label}");
            }
        }

        for by in [RetirementSort::CreatedAt, RetirementSort::Amount] {
            for sort in both(by) {
                let label = format!("{name}: retirements {sort:?}");
                let f = RetirementFilter {
                    sort,
                    ..RetirementFilter::default()
                };
                let got = walk(
                    &label,
                    async |req| s.retirements(&f, &req).await,
                    |r| (r.retirement.block_number, r.retirement.log_index),
                )
                .await;
                let chain = |r: &Retirement| (r.block_number, r.log_index);
                let want = match by {
                    RetirementSort::CreatedAt => sorted(
                        cs.retirements
                            .iter()
                            .map(|r| (chain(r), chain(r)))
                            .collect(),
                        sort.descending,
                    ),
                    RetirementSort::Amount => sorted(
                        cs.retirements
                            .iter()
                            .map(|r| ((r.amount, chain(r)), chain(r)))
                            .collect(),
                        sort.descending,
                    ),
                };
                assert_eq!(got, want, "{label}");
            }
        }

        for sort in both(EventSort::CreatedAt) {
            let label = format!("{name}: events {sort:?}");
            let f = EventFilter {
                sort,
                ..EventFilter::default()
            };
            let got = walk(
                &label,
                async |req| s.events(&f, &req).await,
                |e| (e.block_number, e.log_index),
            )
            .await;
            let want = sorted(
                cs.events
                    .iter()
                    .map(|e| ((e.block_number, e.log_index), (e.block_number, e.log_index)))
                    .collect(),
                sort.descending,
            );
            assert_eq!(got, want, "{label}");
        }
    }
}

#[tokio::test]
async fn a_cursor_only_works_under_the_order_that_made_it() {
    for db in backends().await {
        let (name, s): (&str, &Store) = (db.name, &db.store);
        init(name, s).await;
        commit(name, s, &data()).await;
        let first = |sort| {
            let f = CreditFilter {
                sort,
                ..CreditFilter::default()
            };
            async move {
                s.credits(
                    &f,
                    &PageRequest::Cursor {
                        limit: 5,
                        after: None,
                    },
                )
                .await
                .unwrap()
                .next
                .unwrap()
            }
        };
        let by_vintage = Sort {
            by: CreditSort::Vintage,
            descending: true,
        };
        let default_cursor = first(Sort::default()).await;
        let vintage_cursor = first(by_vintage).await;
        // The default order's cursor is the bare key, as before orders existed.
        assert_eq!(default_cursor, vec![5_i64.into()], "{name}");
        for (sort, cursor) in [
            (by_vintage, &default_cursor),
            (Sort::default(), &vintage_cursor),
            (
                Sort {
                    by: CreditSort::Vintage,
                    descending: false,
                },
                &vintage_cursor,
            ),
        ] {
            let f = CreditFilter {
                sort,
                ..CreditFilter::default()
            };
            let err = s
                .credits(
                    &f,
                    &PageRequest::Cursor {
                        limit: 5,
                        after: Some(cursor.clone()),
                    },
                )
                .await
                .expect_err("a cursor of another order is refused");
            assert!(
                matches!(err, Error::BadCursor(_)),
                "{name}: {sort:?}: {err}"
            );
        }
    }
}
