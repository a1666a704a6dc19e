//! The write API's tables on both backends: API keys, the append-only audit log, tasks in
//! per-account order, idempotency claims; and that none of them is touched by a reset.

use sqlx::Connection;

use ogcr_store::{
    ApiKey, IdempotencyClaim,
    gateway::{AuditFilter, NewAudit, NewTask, task_state},
    testing::backends,
};

fn key(id: &str, org: &str) -> ApiKey {
    ApiKey {
        key_id: id.into(),
        organization: org.into(),
        scopes: "credits:retire".into(),
        secret_sha256: "ab".repeat(32),
        label: "test".into(),
        created_at: 100,
        expires_at: None,
        revoked_at: None,
        last_used_at: None,
    }
}

fn audit(org: &str, outcome: &str) -> NewAudit {
    NewAudit {
        at: 1,
        organization: Some(org.into()),
        key_id: Some("k".into()),
        method: "POST".into(),
        route: "/credits/{credit_id}/retire".into(),
        resource: Some("/credits/3/retire".into()),
        outcome: outcome.into(),
        status: 202,
        reason: "ok".into(),
        request_id: "r".into(),
        task_id: None,
    }
}

fn task(id: &str, account: &str) -> NewTask {
    NewTask {
        task_id: id.into(),
        organization: "acme".into(),
        key_id: "k".into(),
        account: account.into(),
        kind: "credit.retire".into(),
        request: "{}".into(),
        created_at: 5,
    }
}

#[tokio::test]
async fn keys_are_stored_listed_and_revoked_once() {
    for b in backends().await {
        let s = &b.store;
        s.insert_api_key(&key("k1", "acme")).await.unwrap();
        s.insert_api_key(&key("k2", "other")).await.unwrap();
        assert!(
            s.insert_api_key(&key("k1", "acme")).await.is_err(),
            "{}: duplicate id",
            b.name
        );
        assert_eq!(s.api_key("k1").await.unwrap().unwrap().organization, "acme");
        assert!(s.api_key("nope").await.unwrap().is_none());
        assert_eq!(s.api_keys(Some("acme")).await.unwrap().len(), 1);
        assert_eq!(s.api_keys(None).await.unwrap().len(), 2);
        assert!(s.revoke_api_key("k1", 200).await.unwrap());
        assert!(
            !s.revoke_api_key("k1", 300).await.unwrap(),
            "{}: revoked twice",
            b.name
        );
        assert_eq!(
            s.api_key("k1").await.unwrap().unwrap().revoked_at,
            Some(200)
        );
        s.touch_api_key("k2", 400).await.unwrap();
        assert_eq!(
            s.api_key("k2").await.unwrap().unwrap().last_used_at,
            Some(400)
        );
    }
}

#[tokio::test]
async fn the_audit_log_appends_pages_and_refuses_changes() {
    for b in backends().await {
        let s = &b.store;
        let first = s.append_audit(&audit("acme", "accepted")).await.unwrap();
        let second = s.append_audit(&audit("other", "denied")).await.unwrap();
        s.append_audit(&audit("acme", "denied")).await.unwrap();
        assert!(second > first, "{}", b.name);
        let all = s
            .audit(&AuditFilter {
                limit: 10,
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(all.len(), 3);
        let denied = s
            .audit(&AuditFilter {
                outcome: Some("denied".into()),
                limit: 10,
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(denied.len(), 2);
        let acme_after = s
            .audit(&AuditFilter {
                organization: Some("acme".into()),
                after: Some(first),
                limit: 10,
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(acme_after.len(), 1);
        assert_eq!(acme_after[0].outcome, "denied");
        // Append-only: the database itself refuses updates and deletes.
        for sql in [
            "UPDATE audit_log SET outcome = 'accepted'",
            "DELETE FROM audit_log",
        ] {
            let mut conn = sqlx::AnyConnection::connect(&b.url).await.unwrap();
            let r = sqlx::Executor::execute(&mut conn, sql).await;
            assert!(r.is_err(), "{}: {sql} was allowed", b.name);
        }
        // A reset of the indexed data leaves the write API's tables alone.
        s.reset().await.unwrap();
        assert_eq!(
            s.audit(&AuditFilter {
                limit: 10,
                ..AuditFilter::default()
            })
            .await
            .unwrap()
            .len(),
            3
        );
    }
}

#[tokio::test]
async fn tasks_are_worked_in_order_per_account() {
    for b in backends().await {
        let s = &b.store;
        s.insert_task(&task("t1", "0xa")).await.unwrap();
        s.insert_task(&task("t2", "0xb")).await.unwrap();
        s.insert_task(&task("t3", "0xa")).await.unwrap();
        assert!(
            s.insert_task(&task("t1", "0xa")).await.is_err(),
            "{}: duplicate task id",
            b.name
        );
        assert_eq!(
            s.accounts_with_open_tasks().await.unwrap(),
            vec!["0xa", "0xb"]
        );
        let mut next = s.next_open_task("0xa").await.unwrap().unwrap();
        assert_eq!(next.task_id, "t1");
        next.state = task_state::CONFIRMED.into();
        next.block_number = Some(7);
        next.updated_at = 9;
        s.save_task(&next).await.unwrap();
        assert_eq!(
            s.next_open_task("0xa").await.unwrap().unwrap().task_id,
            "t3",
            "{}",
            b.name
        );
        assert!(s.tasks_indexed_by(6).await.unwrap().is_empty());
        assert_eq!(s.tasks_indexed_by(7).await.unwrap()[0].task_id, "t1");
        assert_eq!(
            s.pending_tasks_of_kind("credit.retire")
                .await
                .unwrap()
                .len(),
            3
        );
        let saved = s.task("t1").await.unwrap().unwrap();
        assert_eq!(
            (saved.state.as_str(), saved.block_number, saved.updated_at),
            ("confirmed", Some(7), 9)
        );
        s.reset().await.unwrap();
        assert!(
            s.task("t2").await.unwrap().is_some(),
            "{}: reset dropped a task",
            b.name
        );
    }
}

#[tokio::test]
async fn idempotency_keys_replay_refuse_and_release() {
    for b in backends().await {
        let s = &b.store;
        assert_eq!(
            s.claim_idempotency("acme", "k", "h1", 1).await.unwrap(),
            IdempotencyClaim::New
        );
        assert_eq!(
            s.claim_idempotency("acme", "k", "h1", 2).await.unwrap(),
            IdempotencyClaim::InProgress
        );
        assert_eq!(
            s.claim_idempotency("acme", "k", "h2", 2).await.unwrap(),
            IdempotencyClaim::Mismatch
        );
        // Keys are per organization.
        assert_eq!(
            s.claim_idempotency("other", "k", "h2", 2).await.unwrap(),
            IdempotencyClaim::New
        );
        s.finish_idempotency("acme", "k", 202, "{\"a\":1}")
            .await
            .unwrap();
        assert_eq!(
            s.claim_idempotency("acme", "k", "h1", 3).await.unwrap(),
            IdempotencyClaim::Replay(202, "{\"a\":1}".into())
        );
        // A finished key is not released; an unfinished one is.
        s.release_idempotency("acme", "k").await.unwrap();
        assert!(matches!(
            s.claim_idempotency("acme", "k", "h1", 4).await.unwrap(),
            IdempotencyClaim::Replay(..)
        ));
        s.release_idempotency("other", "k").await.unwrap();
        assert_eq!(
            s.claim_idempotency("other", "k", "h3", 5).await.unwrap(),
            IdempotencyClaim::New,
            "{}",
            b.name
        );
    }
}

#[tokio::test]
async fn one_holder_has_the_sender_lease_until_it_expires() {
    for b in backends().await {
        let s = &b.store;
        assert!(s.take_lease("l", "a", 0, 100).await.unwrap());
        assert!(
            !s.take_lease("l", "b", 50, 150).await.unwrap(),
            "{}: taken while held",
            b.name
        );
        assert!(
            s.take_lease("l", "a", 60, 160).await.unwrap(),
            "{}: renewal",
            b.name
        );
        assert_eq!(s.lease("l").await.unwrap(), Some(("a".into(), 160)));
        assert!(!s.take_lease("l", "b", 159, 300).await.unwrap());
        // A crashed holder's lease expires; another takes it, and the old one cannot renew.
        assert!(
            s.take_lease("l", "b", 161, 300).await.unwrap(),
            "{}: after expiry",
            b.name
        );
        assert!(!s.take_lease("l", "a", 170, 400).await.unwrap());
        s.release_lease("l", "a").await.unwrap();
        assert_eq!(
            s.lease("l").await.unwrap(),
            Some(("b".into(), 300)),
            "{}: released by a non-holder",
            b.name
        );
        s.release_lease("l", "b").await.unwrap();
        assert!(s.take_lease("l", "c", 171, 500).await.unwrap());
    }
}
