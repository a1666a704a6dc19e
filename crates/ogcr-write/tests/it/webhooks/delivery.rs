//! Delivery: every lifecycle event once, signed, in order, across a restart and a crash; a
//! reorged event never; persistent failures, redirects and 410 disable; enabling resumes;
//! targets checked again at delivery.

use std::{
    collections::BTreeSet,
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use alloy::{
    primitives::B256,
    providers::{Provider, ext::AnvilApi},
};
use axum::http::StatusCode;
use ogcr_client::{
    Registry, TxPolicy,
    demo::{self, DemoAccounts},
};
use ogcr_store::{Store, testing};
use ogcr_write::{
    Scope,
    webhooks::{EventType, WebhookPolicy},
};
use serde_json::{Value, json};
use tokio::sync::watch;

use super::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_lifecycle_event_arrives_once_signed_in_order_across_a_restart() {
    // On SQLite and, with OGCR_TEST_POSTGRES_URL, PostgreSQL: a chain each.
    for db in testing::backends().await {
        eprintln!("{}", db.name);
        lifecycle(&db.store).await;
    }
}

async fn lifecycle(store: &Store) {
    const WINDOW: u64 = 2;
    let store = store.clone();
    let chain = Chain::new().await;
    let (stop_indexer, indexer_stop) = watch::channel(false);
    let indexer = index(&chain, &store, WINDOW, indexer_stop);
    let server = Server::start(&chain, &store, fast(true)).await;
    let key = key(&store, "developer", &[Scope::WebhooksManage]).await;

    let steady = Receiver::start(0, Duration::from_millis(20)).await;
    let flaky = Receiver::start(5, Duration::ZERO).await;
    let first = subscribe(&server, &key, &steady.url, None).await;
    // No secret given: the registry generated one and answers it this once.
    let secret = first["secret"]
        .as_str()
        .expect("a generated secret")
        .to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let given = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let second = subscribe(&server, &key, &flaky.url, Some(given)).await;
    assert!(
        second.get("secret").is_none(),
        "a given secret is never echoed"
    );
    let shown = call(
        "GET",
        &format!("{}/webhooks/{}", server.url, first["id"].as_str().unwrap()),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(shown.status, 200, "{}", shown.text);
    assert!(!shown.text.contains(&secret), "GET shows the secret");

    // The lifecycle, while the server runs; it is stopped once deliveries have begun and
    // started again while the scenario goes on.
    let demo = {
        let (rpc, manifest, accounts) = (
            chain.rpc(),
            chain.manifest.clone(),
            DemoAccounts::anvil().unwrap(),
        );
        let docs = chain.dir.path().join("documents");
        // Its future is not Send (a progress callback): it gets a runtime of its own.
        tokio::task::spawn_blocking(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(demo::run(
                    &rpc,
                    &manifest,
                    &accounts,
                    &docs,
                    &TxPolicy::default(),
                    &mut |_| {},
                ))
                .expect("the demo scenario runs")
        })
    };
    wait_for(
        "the first deliveries",
        || steady.delivered().len() >= 3,
        120,
    )
    .await;
    server.stop().await;
    let while_down = steady.got().len();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(steady.got().len(), while_down, "delivered while stopped");
    let server = Server::start(&chain, &store, fast(true)).await;
    demo.await.unwrap();
    wait_final(&chain, &store, WINDOW).await;

    let expected = final_webhooks(&store).await;
    let types: BTreeSet<EventType> = expected.iter().map(|(_, t)| *t).collect();
    assert_eq!(
        types,
        EventType::ALL.into_iter().collect(),
        "the scenario has every event type"
    );
    let ids: Vec<String> = expected.iter().map(|(id, _)| id.clone()).collect();
    assert!(
        while_down < ids.len(),
        "the restart came after every delivery ({while_down} of {})",
        ids.len()
    );
    eprintln!(
        "{} events; {while_down} requests to the steady receiver before the restart",
        ids.len()
    );
    wait_for(
        "every event at the steady receiver",
        || steady.delivered().len() >= ids.len(),
        120,
    )
    .await;
    wait_for(
        "every event at the flaky receiver",
        || flaky.delivered().len() >= ids.len(),
        120,
    )
    .await;
    // Exactly once each, in chain order, none lost across the restart.
    assert_eq!(steady.delivered(), ids, "steady receiver");
    assert_eq!(flaky.delivered(), ids, "flaky receiver");
    check_signed(&steady, &secret);
    check_signed(&flaky, given);
    // The flaky receiver's first five answers were for the first event, retried.
    let flaky_got = flaky.got();
    assert!(
        flaky_got[..5]
            .iter()
            .all(|g| g.answered == 500 && g.id == ids[0]),
        "{:?}",
        &flaky_got[..6]
    );
    // Types as mapped.
    for g in steady.got() {
        let body: Value = serde_json::from_str(&g.body).unwrap();
        let want = expected.iter().find(|(id, _)| *id == g.id).unwrap().1;
        assert_eq!(body["event"], want.as_str(), "{}", g.id);
    }

    // The API shows what happened.
    let id = second["id"].as_str().unwrap();
    let shown = call(
        "GET",
        &format!("{}/webhooks/{id}", server.url),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(shown.body["status"], "active", "{}", shown.text);
    assert_eq!(shown.body["deliveries"]["delivered"], ids.len());
    assert_eq!(shown.body["deliveries"]["pending"], 0);
    let page = call(
        "GET",
        &format!("{}/webhooks/{id}/deliveries?limit=1", server.url),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.text);
    conforms(
        &document(),
        "get",
        "/webhooks/{webhook_id}/deliveries",
        &page,
    );
    let d = &page.body["data"][0];
    assert_eq!(d["event_id"], ids[0].as_str());
    assert_eq!(d["status"], "delivered");
    assert_eq!(d["attempts"], 6, "five failures, then delivered: {d}");
    assert_eq!(d["last_status"], 204);
    let cursor = page.body["next_cursor"].as_str().unwrap();
    let next = call(
        "GET",
        &format!(
            "{}/webhooks/{id}/deliveries?limit=1&cursor={cursor}",
            server.url
        ),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(next.body["data"][0]["event_id"], ids[1].as_str());

    server.stop().await;
    let _ = stop_indexer.send(true);
    indexer.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reorged_event_is_never_delivered() {
    const WINDOW: u64 = 3;
    let chain = Chain::new().await;
    let (_db, store) = testing::sqlite().await;
    let (stop_indexer, indexer_stop) = watch::channel(false);
    let indexer = index(&chain, &store, WINDOW, indexer_stop);
    let server = Server::start(&chain, &store, fast(true)).await;
    let key = key(&store, "developer", &[Scope::WebhooksManage]).await;
    let receiver = Receiver::start(0, Duration::ZERO).await;
    subscribe(&server, &key, &receiver.url, None).await;

    let developer = Registry::connect(
        &chain.rpc(),
        Some(chain.accounts.developer_a.clone()),
        chain.manifest.clone(),
        TxPolicy::default(),
    )
    .await
    .unwrap();
    let provider = chain.provider().await;
    let snapshot = provider.anvil_snapshot().await.unwrap();
    developer
        .register_project(
            "OGCR-XX-GONE",
            B256::repeat_byte(1),
            "ogcr://sha256/0101",
            None,
        )
        .await
        .unwrap();
    // Indexed, inside the reorg window: not final, so not sent.
    let head = provider.get_block_number().await.unwrap() as i64;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while store
        .chain_state()
        .await
        .unwrap()
        .is_none_or(|cs| cs.checkpoint_block < head)
    {
        assert!(tokio::time::Instant::now() < deadline, "not indexed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(store.project("OGCR-XX-GONE").await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(receiver.got().is_empty(), "{:?}", receiver.got());

    // The chain forgets it; another project takes its place, and the chain grows past the
    // window.
    assert!(provider.anvil_revert(snapshot).await.unwrap());
    // A fresh connection: the first one's cached nonce belongs to the forgotten branch.
    let developer = Registry::connect(
        &chain.rpc(),
        Some(chain.accounts.developer_a.clone()),
        chain.manifest.clone(),
        TxPolicy::default(),
    )
    .await
    .unwrap();
    developer
        .register_project(
            "OGCR-XX-KEPT",
            B256::repeat_byte(2),
            "ogcr://sha256/0202",
            None,
        )
        .await
        .unwrap();
    wait_final(&chain, &store, WINDOW).await;
    assert!(store.project("OGCR-XX-GONE").await.unwrap().is_none());
    wait_for("the kept project", || !receiver.delivered().is_empty(), 30).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let projects: Vec<String> = receiver
        .got()
        .iter()
        .map(|g| {
            let body: Value = serde_json::from_str(&g.body).unwrap();
            format!("{} {}", body["event"], body["data"]["project_id"])
        })
        .collect();
    assert_eq!(
        projects,
        vec![r#""project.created" "OGCR-XX-KEPT""#.to_owned()],
        "only the event on the final chain"
    );
    server.stop().await;
    let _ = stop_indexer.send(true);
    indexer.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistent_failures_disable_and_delivery_rechecks_the_target() {
    const WINDOW: u64 = 1;
    let chain = Chain::new().await;
    let (_db, store) = testing::sqlite().await;
    let (stop_indexer, indexer_stop) = watch::channel(false);
    let indexer = index(&chain, &store, WINDOW, indexer_stop);
    let policy = WebhookPolicy {
        retry_for: Duration::from_millis(800),
        ..fast(true)
    };
    let server = Server::start(&chain, &store, policy).await;
    let key = key(&store, "developer", &[Scope::WebhooksManage]).await;

    let failing = Receiver::start(usize::MAX, Duration::ZERO).await;
    let target = Receiver::start(0, Duration::ZERO).await;
    let redirecting = Receiver::answering(
        |_| StatusCode::TEMPORARY_REDIRECT,
        Some(target.url.clone()),
        Duration::ZERO,
    )
    .await;
    let gone = Receiver::answering(|_| StatusCode::GONE, None, Duration::ZERO).await;
    let healthy = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let recovering = {
        let healthy = healthy.clone();
        Receiver::answering(
            move |_| {
                if healthy.load(Ordering::SeqCst) {
                    StatusCode::OK
                } else {
                    StatusCode::SERVICE_UNAVAILABLE
                }
            },
            None,
            Duration::ZERO,
        )
        .await
    };
    let r = subscribe(&server, &key, &recovering.url, None).await;
    let a = subscribe(&server, &key, &failing.url, None).await;
    let b = subscribe(&server, &key, &redirecting.url, None).await;
    let c = subscribe(&server, &key, &gone.url, None).await;
    register(&chain, "OGCR-XX-0001", 1).await;
    wait_final(&chain, &store, WINDOW).await;

    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut reasons = Vec::new();
    for w in [&a, &b, &c] {
        loop {
            let v = shown(&server, &key, &w["id"]).await;
            if v["status"] == "disabled" {
                reasons.push(v["disabled_reason"].as_str().unwrap().to_owned());
                assert!(!v["disabled_at"].is_null(), "{v}");
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "not disabled: {v}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let first_event = failing.got()[0].id.clone();
    assert!(
        reasons[0].contains(&first_event)
            && reasons[0].contains("project.created")
            && reasons[0].contains("HTTP 500"),
        "{}",
        reasons[0]
    );
    assert!(failing.got().len() >= 2, "retried before giving up");
    assert!(
        reasons[1].contains("HTTP 307 (redirects are not followed)"),
        "{}",
        reasons[1]
    );
    assert!(target.got().is_empty(), "a redirect was followed");
    assert!(reasons[2].contains("410 Gone"), "{}", reasons[2]);
    assert_eq!(gone.got().len(), 1, "410 Gone is not retried");
    // The receiver recovers and its organization enables the webhook again: the next event
    // is delivered; the given-up one stays failed.
    loop {
        let v = shown(&server, &key, &r["id"]).await;
        if v["status"] == "disabled" {
            assert!(
                v["disabled_reason"].as_str().unwrap().contains("HTTP 503"),
                "{v}"
            );
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "not disabled: {v}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    healthy.store(true, Ordering::SeqCst);
    let enable = format!(
        "{}/webhooks/{}/enable",
        server.url,
        r["id"].as_str().unwrap()
    );
    let intruder = self::key(&store, "intruder", &[Scope::WebhooksManage]).await;
    let a404 = call("POST", &enable, Some(&intruder), Some(json!({}))).await;
    assert_eq!(a404.status, 404, "{}", a404.text);
    let enabled = call("POST", &enable, Some(&key), Some(json!({}))).await;
    assert_eq!(enabled.status, 200, "{}", enabled.text);
    conforms(
        &document(),
        "post",
        "/webhooks/{webhook_id}/enable",
        &enabled,
    );
    assert_eq!(enabled.body["status"], "active");
    assert!(
        enabled.body["disabled_reason"].is_null(),
        "{}",
        enabled.text
    );
    register(&chain, "OGCR-XX-0003", 3).await;
    wait_final(&chain, &store, WINDOW).await;
    wait_for(
        "the event after the webhook was enabled",
        || !recovering.delivered().is_empty(),
        30,
    )
    .await;
    let v = shown(&server, &key, &r["id"]).await;
    assert_eq!(
        (
            v["status"].as_str(),
            v["deliveries"]["failed"].as_i64(),
            v["deliveries"]["delivered"].as_i64()
        ),
        (Some("active"), Some(1), Some(1)),
        "{v}"
    );

    let page = call(
        "GET",
        &format!(
            "{}/webhooks/{}/deliveries?state=failed",
            server.url,
            a["id"].as_str().unwrap()
        ),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(
        page.body["data"][0]["last_error"], "HTTP 500",
        "{}",
        page.text
    );
    assert_eq!(page.body["data"][0]["last_status"], 500);

    // Registered while private targets were allowed, then the operator turns that off: the
    // delivery is refused before connecting, by scheme (http) and, for an https name, by
    // the address the name resolves to.
    let later = Receiver::start(0, Duration::ZERO).await;
    let by_scheme = subscribe(&server, &key, &later.url, None).await;
    let by_name = subscribe(
        &server,
        &key,
        &format!("https://localhost:{}/hook", later.port),
        None,
    )
    .await;
    server.engine.allow_private_webhooks(false);
    register(&chain, "OGCR-XX-0002", 2).await;
    wait_final(&chain, &store, WINDOW).await;
    for (w, why) in [(&by_scheme, "uses http"), (&by_name, "loopback")] {
        loop {
            let v = shown(&server, &key, &w["id"]).await;
            if v["status"] == "disabled" {
                let reason = v["disabled_reason"].as_str().unwrap();
                assert!(reason.contains(why), "{reason}");
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "not disabled: {v}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    assert!(later.seen().is_empty(), "connected to a refused target");
    server.stop().await;
    let _ = stop_indexer.send(true);
    indexer.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_mid_delivery_sends_it_again_with_the_same_id() {
    const WINDOW: u64 = 1;
    let chain = Chain::new().await;
    let (_db, store) = testing::sqlite().await;
    let (stop_indexer, indexer_stop) = watch::channel(false);
    let indexer = index(&chain, &store, WINDOW, indexer_stop);
    let server = Server::start(&chain, &store, fast(true)).await;
    let key = key(&store, "developer", &[Scope::WebhooksManage]).await;
    // Slow to answer: the server dies while the first request is in flight.
    let slow = Receiver::start(0, Duration::from_secs(2)).await;
    let w = subscribe(&server, &key, &slow.url, None).await;
    register(&chain, "OGCR-XX-0001", 1).await;
    wait_final(&chain, &store, WINDOW).await;
    wait_for("the first request", || !slow.seen().is_empty(), 30).await;
    server.crash().await;

    // The restarted server (once the dead one's sender lease has expired) sends the
    // unrecorded delivery again, same webhook-id, and then the next events.
    let server = Server::start(&chain, &store, fast(true)).await;
    let expected: Vec<String> = final_webhooks(&store)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(expected.len(), 1, "{expected:?}");
    wait_for(
        "the delivery after the crash",
        || slow.delivered() == expected,
        60,
    )
    .await;
    let seen = slow.seen();
    assert_eq!(
        seen,
        vec![expected[0].clone(), expected[0].clone()],
        "{seen:?}"
    );
    let v = shown(&server, &key, &w["id"]).await;
    assert_eq!(v["deliveries"]["delivered"], 1, "{v}");
    server.stop().await;
    let _ = stop_indexer.send(true);
    indexer.await.unwrap();
}
