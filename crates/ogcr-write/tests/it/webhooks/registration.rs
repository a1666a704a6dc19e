//! Registration: SSRF refusals naming the URL, organization isolation, idempotent retries,
//! answers that conform to the OpenAPI document.

use std::time::Duration;

use ogcr_store::{gateway::AuditFilter, testing};
use ogcr_write::Scope;
use serde_json::json;

use super::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn urls_are_checked_and_organizations_see_only_their_own() {
    let chain = Chain::new().await;
    let (_db, store) = testing::sqlite().await;
    let server = Server::start(&chain, &store, fast(false)).await;
    let dev = key(&store, "developer", &[Scope::WebhooksManage]).await;
    let intruder = key(&store, "intruder", &[Scope::WebhooksManage]).await;
    let unscoped = key(&store, "developer", &[Scope::ProjectsWrite]).await;
    let hooks = format!("{}/webhooks", server.url);
    let body = |url: &str| json!({ "url": url, "events": ["credit.issued"] });

    assert_eq!(call("GET", &hooks, None, None).await.status, 401);
    let a = call(
        "POST",
        &hooks,
        Some(&unscoped),
        Some(body("https://hooks.example.com/in")),
    )
    .await;
    assert_eq!(a.status, 403, "{}", a.text);
    assert!(a.text.contains("webhooks:manage"), "{}", a.text);

    // Refused before any connection: private and special addresses, plain http, a name
    // resolving to loopback (from the hosts file).
    for (url, why) in [
        ("https://10.0.0.1/hook", "private"),
        ("https://192.168.1.20/hook", "private"),
        ("https://127.0.0.1:8443/hook", "loopback"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://100.64.0.1/hook", "CGNAT"),
        ("https://[fd00::1]/hook", "unique-local"),
        ("https://[::1]/hook", "loopback"),
        ("https://localhost:8443/hook", "loopback"),
        ("http://hooks.example.com/hook", "https"),
    ] {
        let a = call("POST", &hooks, Some(&dev), Some(body(url))).await;
        assert_eq!(a.status, 422, "{url}: {}", a.text);
        let detail = &a.body["error"]["details"][0];
        assert_eq!(detail["field"], "/url", "{url}: {}", a.text);
        assert_eq!(detail["reason"], "webhook_url_refused", "{url}");
        let message = detail["message"].as_str().unwrap();
        assert!(
            message.contains(url) && message.contains(why),
            "{url}: {message}"
        );
    }
    let doc = document();
    let a = call(
        "POST",
        &hooks,
        Some(&dev),
        Some(body("https://10.0.0.1/hook")),
    )
    .await;
    conforms(&doc, "post", "/webhooks", &a);
    // Other mistakes, each named; a bad secret is not echoed.
    let a = call(
        "POST",
        &hooks,
        Some(&dev),
        Some(json!({"url": "https://hooks.example.com/in", "events": ["credit.stolen"], "secret": "tooshort-s3cr3t"})),
    )
    .await;
    assert_eq!(a.status, 422, "{}", a.text);
    assert!(a.text.contains("credit.stolen"), "{}", a.text);
    assert!(
        a.text.contains("/secret") && !a.text.contains("tooshort-s3cr3t"),
        "{}",
        a.text
    );
    assert_eq!(
        store.webhooks(None).await.unwrap().len(),
        0,
        "nothing was registered"
    );

    // The operator allows private targets (tests, demos): the receiver on 127.0.0.1 is fine.
    server.engine.allow_private_webhooks(true);
    let receiver = Receiver::start(0, Duration::ZERO).await;
    let secret = "a receiver's own secret, thirty-two+";
    let mut b = body(&receiver.url);
    b["secret"] = json!(secret);
    let created = call("POST", &hooks, Some(&dev), Some(b)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    conforms(&doc, "post", "/webhooks", &created);
    assert!(!created.text.contains(secret), "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let one = format!("{hooks}/{id}");

    // Another organization: not listed, not shown, not deletable.
    let listed = call("GET", &hooks, Some(&intruder), None).await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.body["data"], json!([]));
    for (method, url) in [
        ("GET", one.clone()),
        ("GET", format!("{one}/deliveries")),
        ("DELETE", one.clone()),
    ] {
        let a = call(method, &url, Some(&intruder), None).await;
        assert_eq!(a.status, 404, "{method} {url}: {}", a.text);
        let template = if url.ends_with("/deliveries") {
            "/webhooks/{webhook_id}/deliveries"
        } else {
            "/webhooks/{webhook_id}"
        };
        conforms(&doc, &method.to_lowercase(), template, &a);
    }
    let denied = store
        .audit(&AuditFilter {
            organization: Some("intruder".into()),
            outcome: Some("denied".into()),
            after: None,
            limit: 100,
        })
        .await
        .unwrap();
    assert_eq!(denied.len(), 3, "{denied:?}");
    assert!(denied.iter().all(|e| e.reason == "other_organization"));

    // The owner sees it (without the secret) and deletes it.
    let listed = call("GET", &hooks, Some(&dev), None).await;
    conforms(&doc, "get", "/webhooks", &listed);
    assert_eq!(listed.body["data"][0]["id"], id.as_str(), "{}", listed.text);
    assert!(!listed.text.contains(secret));
    let shown = call("GET", &one, Some(&dev), None).await;
    assert_eq!(shown.status, 200);
    conforms(&doc, "get", "/webhooks/{webhook_id}", &shown);
    let a = call(
        "GET",
        &format!("{one}/deliveries?limit=0"),
        Some(&dev),
        None,
    )
    .await;
    assert_eq!(a.status, 400, "{}", a.text);
    conforms(&doc, "get", "/webhooks/{webhook_id}/deliveries", &a);
    let a = call(
        "GET",
        &format!("{one}/deliveries?state=lost"),
        Some(&dev),
        None,
    )
    .await;
    assert_eq!(a.status, 400, "{}", a.text);
    let a = call(
        "GET",
        &format!("{one}/deliveries?cursor=x"),
        Some(&dev),
        None,
    )
    .await;
    assert_eq!(a.status, 400, "{}", a.text);
    assert_eq!(shown.body["url"], receiver.url.as_str());
    assert_eq!(shown.body["events"], json!(["credit.issued"]));
    assert!(!shown.text.contains(secret));
    // A retried POST with its Idempotency-Key registers once and answers the first answer
    // again, without the generated secret (shown once); the key with another body is 422.
    let idem = [("idempotency-key", "hooks-retry-1")];
    let first = call_with("POST", &hooks, Some(&dev), Some(body(&receiver.url)), &idem).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert!(first.body["secret"].as_str().is_some(), "{}", first.text);
    let again = call_with("POST", &hooks, Some(&dev), Some(body(&receiver.url)), &idem).await;
    assert_eq!(again.status, 201, "{}", again.text);
    assert!(again.replayed, "{}", again.text);
    assert_eq!(again.body["id"], first.body["id"]);
    assert!(again.body.get("secret").is_none(), "{}", again.text);
    let other = call_with(
        "POST",
        &hooks,
        Some(&dev),
        Some(body("http://127.0.0.1:9/other")),
        &idem,
    )
    .await;
    assert_eq!(other.status, 422, "{}", other.text);
    assert!(
        other.text.contains("idempotency_key_reused"),
        "{}",
        other.text
    );
    let listed = call("GET", &hooks, Some(&dev), None).await;
    assert_eq!(
        listed.body["data"].as_array().unwrap().len(),
        2,
        "{}",
        listed.text
    );
    let retried = format!("{hooks}/{}", first.body["id"].as_str().unwrap());
    assert_eq!(call("DELETE", &retried, Some(&dev), None).await.status, 204);

    let a = call("DELETE", &one, Some(&dev), None).await;
    assert_eq!(a.status, 204, "{}", a.text);
    conforms(&doc, "delete", "/webhooks/{webhook_id}", &a);
    assert_eq!(call("GET", &one, Some(&dev), None).await.status, 404);
    let accepted = store
        .audit(&AuditFilter {
            organization: Some("developer".into()),
            outcome: Some("accepted".into()),
            after: None,
            limit: 100,
        })
        .await
        .unwrap();
    assert_eq!(
        accepted
            .iter()
            .map(|e| (e.method.as_str(), e.status))
            .collect::<Vec<_>>(),
        vec![
            ("POST", 201),
            ("POST", 201),
            ("DELETE", 204),
            ("DELETE", 204)
        ]
    );
    server.stop().await;
}
