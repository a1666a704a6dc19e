//! `ogcr index` over the chain the lifecycle test left behind: every projection checked
//! against what the lifecycle did, on SQLite and PostgreSQL, plus idempotent re-runs.

use ogcr_store::{
    Document, EventProject, MrvReport, PddVersion, Project, Retirement, RoleMember, StatusChange,
    Store, Token, Transfer, testing,
};

use crate::lifecycle::{Cli, DEVELOPER, HOLDER, OPERATOR, VERIFIER};

fn lower(a: &str) -> String {
    a.to_lowercase()
}

fn index_once(cli: &Cli, url: &str) -> String {
    let out = cli.run(None, &["index", "--once", "--database-url", url]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "ogcr index --once failed: {err}");
    err
}

/// Indexes the finished lifecycle into every backend and checks the rows.
pub(crate) fn check_lifecycle_index(cli: &Cli) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let backends = rt.block_on(testing::backends());
    let mut dumps = Vec::new();
    for b in &backends {
        let err = index_once(cli, &b.url);
        assert!(err.contains("caught up"), "{}: {err}", b.name);
        assert!(!err.contains("integrity problem"), "{}: {err}", b.name);
        rt.block_on(check_rows(&b.store, b.name));
        rt.block_on(crate::api::check_api(&b.store, b.name));
        rt.block_on(crate::explorer::check_explorer(&b.store, b.name));
        let before = rt.block_on(b.store.dump()).unwrap();
        // A second run finds nothing new and changes nothing.
        index_once(cli, &b.url);
        let after = rt.block_on(b.store.dump()).unwrap();
        assert_eq!(
            before, after,
            "{}: a second run changed the database",
            b.name
        );
        rt.block_on(backfill_matches_the_indexer(&b.store, &b.url, b.name));
        dumps.push((b.name, after));
    }
    if let [(a, first), (b, second)] = &dumps[..] {
        assert_eq!(first, second, "{a} and {b} hold different rows");
    }

    let status = cli.run(
        None,
        &[
            "index",
            "status",
            "--json",
            "--database-url",
            &backends[0].url,
        ],
    );
    assert!(status.status.success());
    let v: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(v["counts"]["projects"], 1);
    assert_eq!(v["counts"]["documents_verified"], 2);
    assert_eq!(v["chain"]["chain_id"], 31337);
}

/// A database indexed before `event_projects` existed gets, on its next start, exactly the rows
/// the indexer writes: emptied and marked as pending, a reconnect fills it again.
async fn backfill_matches_the_indexer(store: &Store, url: &str, name: &str) {
    let indexed = store.all::<EventProject>().await.unwrap();
    assert!(
        indexed.len() > 10,
        "{name}: {} event projects",
        indexed.len()
    );
    {
        sqlx::any::install_default_drivers();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(url)
            .await
            .unwrap();
        for sql in [
            "DELETE FROM event_projects",
            "INSERT INTO pending_backfills (name) VALUES ('event_projects')",
        ] {
            sqlx::Executor::execute(&mut conn, sql).await.unwrap();
        }
    }
    let again = Store::connect(url).await.unwrap();
    assert_eq!(
        again.all::<EventProject>().await.unwrap(),
        indexed,
        "{name}: the backfill differs from the indexer"
    );
}

async fn check_rows(store: &Store, name: &str) {
    let projects = store.all::<Project>().await.unwrap();
    assert_eq!(projects.len(), 1, "{name}");
    let p = &projects[0];
    assert_eq!(p.project_id, "OGCR-BR-0001");
    assert_eq!(p.status, "validated");
    assert_eq!(p.developer, lower(DEVELOPER));
    assert_eq!(p.external_registry, "Verra");
    assert_eq!(p.external_project_id, "3989");
    assert_eq!(p.justification.as_deref(), Some("meets VM0047"));
    assert_eq!(p.crediting_start, Some(1_672_531_200)); // 2023-01-01
    assert_eq!(p.crediting_end, Some(1_988_150_400)); // 2033-01-01
    let history: Vec<String> = store
        .all::<StatusChange>()
        .await
        .unwrap()
        .into_iter()
        .map(|s| format!("{}>{}", s.from_status, s.to_status))
        .collect();
    assert_eq!(
        history.first().map(String::as_str),
        Some("none>draft"),
        "{name}"
    );
    assert_eq!(
        history.last().map(String::as_str),
        Some("submitted>validated"),
        "{name}: {history:?}"
    );
    let versions = store.all::<PddVersion>().await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].pdd_hash, p.pdd_hash);

    let reports = store.all::<MrvReport>().await.unwrap();
    assert_eq!(reports.len(), 1, "{name}");
    let r = &reports[0];
    assert_eq!(r.status, "verified");
    assert_eq!(r.verified_kg.as_deref(), Some("1250500"));
    assert_eq!(r.verifier.as_deref(), Some(lower(VERIFIER).as_str()));
    assert_eq!(r.relayer.as_deref(), Some(lower(HOLDER).as_str()));
    assert_eq!(
        (r.period_start, r.period_end),
        (1_704_067_200, 1_735_689_600)
    );
    assert_eq!((r.issued_tonnes, r.buffer_tonnes), (1000, 100));
    let att: serde_json::Value = serde_json::from_str(r.attestation.as_deref().unwrap()).unwrap();
    assert_eq!(att["verifierId"], "did:ogcr:verifier:acme");
    assert_eq!(att["verifiedAmountKg"], "1250500");
    assert!(r.attestation_digest.is_some());

    let tokens = store.all::<Token>().await.unwrap();
    let view: Vec<(i64, String, i64, String, i64, Option<i64>)> = tokens
        .iter()
        .map(|t| {
            (
                t.token_id,
                t.owner.clone(),
                t.amount,
                t.status.clone(),
                t.labels,
                t.parent_token_id,
            )
        })
        .collect();
    assert_eq!(
        view,
        vec![
            (1, lower(DEVELOPER), 750, "active".into(), 1, None),
            (2, lower(OPERATOR), 100, "buffer".into(), 0, None),
            (3, lower(HOLDER), 250, "retired".into(), 1, Some(1)),
        ],
        "{name}"
    );
    assert_eq!(
        tokens[2].serial_start,
        tokens[0].serial_start + 750,
        "split keeps the last serials"
    );
    assert_eq!(tokens[0].vintage, 2024);

    let retirements = store.all::<Retirement>().await.unwrap();
    assert_eq!(retirements.len(), 1);
    assert_eq!(retirements[0].beneficiary, "Acme Airlines");
    assert_eq!((retirements[0].token_id, retirements[0].amount), (3, 250));

    let transfers: Vec<(i64, String)> = store
        .all::<Transfer>()
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.token_id, t.to_address))
        .collect();
    assert_eq!(
        transfers,
        vec![
            (1, lower(HOLDER)),
            (2, lower(OPERATOR)),
            (3, lower(HOLDER)),
            (1, lower(DEVELOPER)),
        ],
        "{name}"
    );

    let roles: Vec<String> = store
        .all::<RoleMember>()
        .await
        .unwrap()
        .into_iter()
        .map(|m| format!("{}:{}", m.role, m.account))
        .collect();
    for expected in [
        format!("developer:{}", lower(DEVELOPER)),
        format!("verifier:{}", lower(VERIFIER)),
        format!("registry_operator:{}", lower(OPERATOR)),
    ] {
        assert!(
            roles.contains(&expected),
            "{name}: {roles:?} lacks {expected}"
        );
    }

    let docs = store.all::<Document>().await.unwrap();
    assert_eq!(docs.len(), 2, "{name}");
    assert!(
        docs.iter().all(|d| d.status == "verified"),
        "{name}: {docs:?}"
    );

    let events = store.all::<ogcr_store::Event>().await.unwrap();
    let names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
    for expected in [
        "RoleGranted",
        "PDDRegistered",
        "MRVAttestationAccepted",
        "MRVVerified",
        "CRUMinted",
        "CRUSplit",
        "CRURetired",
        "Transfer",
        "RegistryPaused",
        "Paused",
        "Unpaused",
    ] {
        assert!(
            names.contains(&expected),
            "{name}: no {expected} event in {names:?}"
        );
    }
    assert!(!names.contains(&"unknown"), "{name}: undecoded events");
    let minted = events.iter().find(|e| e.event == "CRUMinted").unwrap();
    let args: serde_json::Value = serde_json::from_str(&minted.args).unwrap();
    // uint64 and wider are decimal strings (exact in every JSON reader), smaller ints numbers.
    assert_eq!(args["unit"]["amount"], "1000", "{name}: {args}");
    assert_eq!(args["unit"]["vintage"], 2024);
    assert_eq!(args["to"], lower(HOLDER));
}
