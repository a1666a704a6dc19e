//! The document queue.

use ogcr_store::{Document, PddFacts, Store, doc_status, testing::backends};

use crate::fixtures::{batch, commit, document, init, rows};

/// Pending (due and not due), unreachable (backoff over and not), and checked documents.
fn queue() -> Vec<Document> {
    vec![
        document(1, doc_status::PENDING, 0),
        document(2, doc_status::PENDING, 500),
        Document {
            attempts: 2,
            detail: Some("timeout".into()),
            ..document(3, doc_status::UNREACHABLE, 50)
        },
        Document {
            attempts: 1,
            ..document(4, doc_status::UNREACHABLE, 200)
        },
        document(5, doc_status::VERIFIED, 0),
        document(6, doc_status::MISMATCH, 0),
        document(7, doc_status::INVALID, 0),
    ]
}

#[tokio::test]
async fn due_documents_are_pending_or_past_their_backoff() {
    for db in backends().await {
        let (name, s) = (db.name, &db.store);
        init(name, s).await;
        let mut cs = batch(10, 10);
        cs.documents = queue();
        commit(name, s, &cs).await;
        let docs = queue();

        let due = s
            .due_documents(100, 10)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(due, vec![docs[0].clone(), docs[2].clone()], "{name}");
        let first = s
            .due_documents(100, 1)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(first, vec![docs[0].clone()], "{name}: limit");
        let later = s
            .due_documents(1000, 10)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            later,
            vec![
                docs[0].clone(),
                docs[2].clone(),
                docs[3].clone(),
                docs[1].clone()
            ],
            "{name}: oldest attempt first"
        );
        let problems = s
            .document_problems()
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            problems,
            docs[2..4]
                .iter()
                .chain(&docs[5..7])
                .cloned()
                .collect::<Vec<_>>(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn recording_a_check_updates_the_document() {
    for db in backends().await {
        let (name, s) = (db.name, &db.store);
        init(name, s).await;
        let mut cs = batch(10, 10);
        cs.documents = queue();
        commit(name, s, &cs).await;
        let docs = queue();

        let verified = Document {
            status: doc_status::VERIFIED.into(),
            body: Some(r#"{"name":"Forest — ünïcode"}"#.into()),
            actual_hash: Some(docs[0].hash.clone()),
            attempts: 1,
            checked_at: Some(90),
            ..docs[0].clone()
        };
        let retried = Document {
            attempts: 3,
            next_attempt_at: 400,
            checked_at: Some(95),
            detail: Some("HTTP 503".into()),
            ..docs[2].clone()
        };
        for d in [&verified, &retried] {
            s.record_document(d)
                .await
                .unwrap_or_else(|e| panic!("{name}: record: {e}"));
        }
        let due = s
            .due_documents(100, 10)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(due, vec![], "{name}");
        let stored = rows::<Document>(name, s).await;
        assert_eq!(stored[0], verified, "{name}");
        assert_eq!(stored[2], retried, "{name}");
        assert_eq!(
            s.verified_document(&docs[0].hash).await.ok(),
            Some(Some(verified.clone())),
            "{name}"
        );
        for unverified in [&docs[1], &docs[2], &docs[5]] {
            assert_eq!(
                s.verified_document(&unverified.hash).await.ok(),
                Some(None),
                "{name}: {}",
                unverified.status
            );
        }
        let counts = s
            .counts()
            .await
            .unwrap_or_else(|e| panic!("{name}: counts: {e}"));
        assert_eq!(
            (
                counts.documents_verified,
                counts.documents_failed,
                counts.documents_pending
            ),
            (2, 4, 1),
            "{name}"
        );

        // A later batch that references the document again leaves its check alone.
        let mut again = batch(11, 11);
        again.documents = vec![document(1, doc_status::PENDING, 0)];
        commit(name, s, &again).await;
        assert_eq!(rows::<Document>(name, s).await[0], verified, "{name}");

        // A check of a document not queued yet adds it.
        let new = document(8, doc_status::MISMATCH, 0);
        s.record_document(&new)
            .await
            .unwrap_or_else(|e| panic!("{name}: record: {e}"));
        assert_eq!(rows::<Document>(name, s).await.last(), Some(&new), "{name}");
    }
}

#[tokio::test]
async fn a_verified_pdd_gets_its_searchable_facts_and_old_databases_are_backfilled() {
    for db in backends().await {
        let (name, s) = (db.name, &db.store);
        init(name, s).await;
        let mut cs = batch(10, 10);
        cs.documents = queue();
        commit(name, s, &cs).await;
        let pdd = queue().remove(0);
        let body = r#"{"type":"Feature","id":"P-1","geometry":{"type":"Polygon","coordinates":[[[10.5,-2.25],[11,-2.25],[11,-2],[10.5,-2.25]]]},"properties":{"name":"Mangroves","project_type":"blue_carbon","actor_id":"did:x","methodology":{"id":"VM0033","version":"2.1"}}}"#;
        s.record_document(&Document {
            status: doc_status::VERIFIED.into(),
            body: Some(body.into()),
            actual_hash: Some(pdd.hash.clone()),
            ..pdd.clone()
        })
        .await
        .unwrap_or_else(|e| panic!("{name}: record: {e}"));
        let facts = rows::<PddFacts>(name, s).await;
        assert_eq!(facts.len(), 1, "{name}");
        let f = &facts[0];
        assert_eq!(
            (
                f.hash.as_str(),
                f.project_type.as_str(),
                f.methodology_id.as_deref(),
                f.west_e7,
                f.north_e7
            ),
            (
                pdd.hash.as_str(),
                "blue_carbon",
                Some("VM0033"),
                Some(105_000_000),
                Some(-20_000_000)
            ),
            "{name}"
        );
        // A database from before the facts existed gets them on the next connect.
        sqlx_delete_facts(&db.url).await;
        assert!(rows::<PddFacts>(name, s).await.is_empty());
        let again = Store::connect(&db.url).await.unwrap();
        assert_eq!(rows::<PddFacts>(name, &again).await, facts, "{name}");
    }
}

/// Empties `pdd_facts` behind the store's back, as a database from before migration 2 had it.
async fn sqlx_delete_facts(url: &str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::query("DELETE FROM pdd_facts")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}
