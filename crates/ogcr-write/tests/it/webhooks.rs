//! Webhooks over real HTTP: anvil with the suite deployed, the indexer following it, the
//! write API served on 127.0.0.1 with its engine (and so the delivery worker), and receivers
//! that are axum servers on 127.0.0.1 started by the test.
//!
//! - The demo scenario's lifecycle (projects registered, submitted, approved and rejected;
//!   reports submitted, verified and rejected; credits issued, transferred and retired)
//!   reaches a receiver as every one of the ten event types, each event exactly once, in chain
//!   order, with signatures that verify; a receiver failing its first 5 requests gets every
//!   event too, in order; the server is stopped and started again in between and loses none.
//! - An event rolled back by a reorg (anvil snapshot reverted) is never delivered; the event
//!   that replaced it is.
//! - Registration refuses private, loopback, link-local and unique-local targets, plain http
//!   and a name resolving to loopback (before connecting anywhere), naming the URL; another
//!   organization can neither see nor delete a subscription; the secret is never echoed.

use std::{
    collections::BTreeSet,
    path::Path,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use alloy::{
    node_bindings::{Anvil, AnvilInstance},
    primitives::B256,
    providers::{Provider, ext::AnvilApi},
};
use axum::http::{HeaderMap, StatusCode};
use ogcr_client::{
    Manifest, Registry, TxPolicy,
    demo::{self, DemoAccounts},
};
use ogcr_indexer::{Indexer, IndexerConfig, RpcSource};
use ogcr_store::{Store, gateway::AuditFilter, testing};
use ogcr_write::{
    Engine, Organizations, Scope, WriteConfig, WriteState, generate_key,
    webhooks::{EventType, WebhookPolicy, events, sign},
};
use serde_json::{Value, json};
use tokio::{sync::watch, task::JoinHandle};

/// A chain with the suite and the demo's roles deployed.
struct Chain {
    anvil: AnvilInstance,
    manifest: Manifest,
    accounts: DemoAccounts,
    dir: tempfile::TempDir,
}

impl Chain {
    async fn new() -> Chain {
        let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../node_modules/.bin/anvil");
        let anvil = Anvil::new().path(bin).spawn();
        let accounts = DemoAccounts::anvil().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let deployed = demo::deploy(
            &anvil.endpoint(),
            &accounts,
            dir.path(),
            &TxPolicy::default(),
            &mut |_| {},
        )
        .await
        .expect("deploy the suite");
        Chain {
            anvil,
            manifest: deployed.manifest,
            accounts,
            dir,
        }
    }

    fn rpc(&self) -> String {
        self.anvil.endpoint()
    }

    async fn provider(&self) -> alloy::providers::DynProvider {
        ogcr_client::registry::connect_provider(&self.rpc(), None)
            .await
            .unwrap()
    }
}

/// The indexer following the chain with a reorg window of `window` blocks.
fn index(chain: &Chain, store: &Store, window: u64, stop: watch::Receiver<bool>) -> JoinHandle<()> {
    let mut cfg = IndexerConfig::new(chain.manifest.clone());
    cfg.poll_interval = Duration::from_millis(100);
    cfg.reorg_window = window;
    let (rpc, store) = (chain.rpc(), store.clone());
    tokio::spawn(async move {
        let provider = ogcr_client::registry::connect_provider(&rpc, None)
            .await
            .unwrap();
        let indexer = Indexer::new(
            RpcSource::new(provider, Duration::from_secs(10)),
            store,
            cfg,
        )
        .await
        .expect("start the indexer");
        let mut stop = stop;
        indexer
            .run(
                false,
                async move {
                    let _ = stop.wait_for(|s| *s).await;
                },
                &mut |_| {},
            )
            .await
            .expect("the indexer runs");
    })
}

/// Retries in milliseconds, so a test sees several in a second.
fn fast(allow_private: bool) -> WebhookPolicy {
    WebhookPolicy {
        allow_private,
        first_retry: Duration::from_millis(50),
        max_backoff: Duration::from_millis(200),
        retry_for: Duration::from_secs(120),
        timeout: Duration::from_secs(5),
        poll: Duration::from_millis(100),
        concurrency: 4,
        keep_for: Duration::from_secs(3600),
    }
}

/// The write API on 127.0.0.1 with its engine started.
struct Server {
    url: String,
    engine: Arc<Engine>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Server {
    async fn start(chain: &Chain, store: &Store, policy: WebhookPolicy) -> Server {
        let mut orgs = Organizations::default();
        orgs.insert(
            "developer",
            "Developer".into(),
            chain.accounts.developer_a.clone(),
        );
        orgs.insert("intruder", "Intruder".into(), chain.accounts.fund.clone());
        let engine = Arc::new(Engine::new(
            store.clone(),
            chain.provider().await,
            chain.manifest.clone(),
            orgs,
            TxPolicy::default(),
        ));
        engine.set_webhook_policy(policy.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let config = ogcr_api::ApiConfig {
            public_url: url.clone(),
            rate_limit: None,
            metrics: None,
            limits: ogcr_api::Limits::default(),
            export: ogcr_export::ExportConfig::default(),
        };
        let read = ogcr_api::router(store.clone(), config.clone());
        let state = WriteState::new(
            store.clone(),
            engine.clone(),
            read,
            WriteConfig {
                public_url: url.clone(),
                documents_dir: chain.dir.path().join("documents"),
                max_wait: Duration::from_secs(30),
                allow_private_webhooks: policy.allow_private,
            },
        );
        let app = ogcr_api::router_with(store.clone(), config, Some(ogcr_write::extra(state)));
        let (stop, rx) = watch::channel(false);
        let mut tasks = engine.start(rx.clone()).await.expect("start the engine");
        let mut until = rx;
        tasks.push(tokio::spawn(async move {
            ogcr_api::serve(listener, app, async move {
                let _ = until.wait_for(|s| *s).await;
            })
            .await
            .unwrap();
        }));
        Server {
            url,
            engine,
            stop,
            tasks,
        }
    }

    /// Dies like kill -9: every task dropped where it stands (the sender lease is left to
    /// expire).
    async fn crash(self) {
        for t in self.tasks {
            t.abort();
            let _ = t.await;
        }
    }

    /// Stops like Ctrl-C: requests and delivery attempts in flight finish first.
    async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            t.await.unwrap();
        }
    }
}

/// An API key of `organization` with `scopes`.
async fn key(store: &Store, organization: &str, scopes: &[Scope]) -> String {
    let k = generate_key(
        organization,
        scopes,
        "webhook test",
        chrono::Utc::now().timestamp(),
        None,
    );
    store.insert_api_key(&k.row).await.unwrap();
    k.plaintext
}

struct Answer {
    status: u16,
    body: Value,
    text: String,
    replayed: bool,
}

async fn call(method: &str, url: &str, key: Option<&str>, body: Option<Value>) -> Answer {
    call_with(method, url, key, body, &[]).await
}

async fn call_with(
    method: &str,
    url: &str,
    key: Option<&str>,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Answer {
    let client = reqwest::Client::new();
    let mut req = client.request(method.parse().unwrap(), url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(k) = key {
        req = req.header("authorization", format!("Bearer {k}"));
    }
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let replayed = resp.headers().contains_key("idempotent-replayed");
    let text = resp.text().await.unwrap();
    Answer {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
        replayed,
    }
}

/// One request a receiver got.
#[derive(Debug, Clone)]
struct Got {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
    answered: u16,
}

/// A webhook receiver on 127.0.0.1: answers 500 to its first `fail_first` requests, then
/// 204, each after `delay`.
#[derive(Clone)]
struct Receiver {
    url: String,
    port: u16,
    got: Arc<Mutex<Vec<Got>>>,
    /// The `webhook-id` of every request, recorded when it arrives (before the answer).
    seen: Arc<Mutex<Vec<String>>>,
}

impl Receiver {
    async fn start(fail_first: usize, delay: Duration) -> Receiver {
        Self::answering(
            move |n| {
                if n < fail_first {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::NO_CONTENT
                }
            },
            None,
            delay,
        )
        .await
    }

    /// Answers `status(n)` to its `n`-th request (from 0), with `Location: location`.
    async fn answering(
        status: impl Fn(usize) -> StatusCode + Clone + Send + Sync + 'static,
        location: Option<String>,
        delay: Duration,
    ) -> Receiver {
        let got: Arc<Mutex<Vec<Got>>> = Arc::default();
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let calls = Arc::new(AtomicUsize::new(0));
        let (record, arrivals) = (got.clone(), seen.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let (record, arrivals, calls) = (record.clone(), arrivals.clone(), calls.clone());
                let (status, location) = (status.clone(), location.clone());
                async move {
                    let h = |n: &str| {
                        headers
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    arrivals.lock().unwrap().push(h("webhook-id"));
                    tokio::time::sleep(delay).await;
                    let answered = status(calls.fetch_add(1, Ordering::SeqCst));
                    record.lock().unwrap().push(Got {
                        id: h("webhook-id"),
                        timestamp: h("webhook-timestamp"),
                        signature: h("webhook-signature"),
                        body,
                        answered: answered.as_u16(),
                    });
                    let mut r = axum::response::IntoResponse::into_response(answered);
                    if let Some(l) = location {
                        r.headers_mut()
                            .insert(axum::http::header::LOCATION, l.parse().unwrap());
                    }
                    r
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let url = format!("http://127.0.0.1:{port}/hook");
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver {
            url,
            port,
            got,
            seen,
        }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }

    /// The ids answered 2xx, in arrival order.
    fn delivered(&self) -> Vec<String> {
        self.got()
            .into_iter()
            .filter(|g| g.answered < 300)
            .map(|g| g.id)
            .collect()
    }
}

/// The OpenAPI document `ogcr serve` publishes with the write API.
fn document() -> Value {
    let mut doc = ogcr_api::openapi::spec("http://127.0.0.1:8080");
    ogcr_api::openapi::merge(&mut doc, &ogcr_write::openapi::openapi());
    doc
}

/// Why `v` does not conform to `schema` (types, required members, items, enums, `$ref`s of
/// `doc`), if it does not: the part of JSON Schema the webhook schemas use.
fn nonconformity(doc: &Value, schema: &Value, v: &Value, at: &str) -> Option<String> {
    if let Some(r) = schema["$ref"].as_str() {
        let target = doc
            .pointer(r.trim_start_matches('#'))
            .expect("a $ref resolves");
        return nonconformity(doc, target, v, at);
    }
    let kind = match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let allowed: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let typed = allowed.is_empty()
        || allowed.contains(&kind)
        || (kind == "integer" && allowed.contains(&"number"));
    if !typed {
        return Some(format!("{at}: {kind}, the schema says {allowed:?}"));
    }
    if let Some(e) = schema["enum"].as_array()
        && !e.contains(v)
    {
        return Some(format!("{at}: {v} is not one of {e:?}"));
    }
    if let Value::Object(o) = v {
        for r in schema["required"].as_array().into_iter().flatten() {
            let r = r.as_str().unwrap();
            if !o.contains_key(r) {
                return Some(format!("{at}: no required member {r}"));
            }
        }
        for (k, x) in o {
            if let Some(p) = schema["properties"].get(k) {
                if let Some(why) = nonconformity(doc, p, x, &format!("{at}/{k}")) {
                    return Some(why);
                }
            } else if schema["additionalProperties"] == false {
                return Some(format!("{at}: member {k} is not in the schema"));
            }
        }
    }
    if let (Value::Array(items), Some(s)) = (v, schema.get("items")) {
        for (i, x) in items.iter().enumerate() {
            if let Some(why) = nonconformity(doc, s, x, &format!("{at}/{i}")) {
                return Some(why);
            }
        }
    }
    None
}

/// `a` is an answer the document lists for `method path`, with a body of its schema.
fn conforms(doc: &Value, method: &str, path: &str, a: &Answer) {
    let op = &doc["paths"][path][method];
    let response = &op["responses"][a.status.to_string()];
    assert!(
        response.is_object(),
        "{method} {path} answered {}, undocumented: {}",
        a.status,
        a.text
    );
    if let Some(schema) = response["content"]["application/json"].get("schema")
        && let Some(why) = nonconformity(doc, schema, &a.body, "")
    {
        panic!("{method} {path} {}: {why}\n{}", a.status, a.text);
    }
}

/// Registers project `id` on chain as the demo's developer (a fresh connection: no nonce
/// cached from before a revert).
async fn register(chain: &Chain, id: &str, n: u8) {
    Registry::connect(
        &chain.rpc(),
        Some(chain.accounts.developer_a.clone()),
        chain.manifest.clone(),
        TxPolicy::default(),
    )
    .await
    .unwrap()
    .register_project(id, B256::repeat_byte(n), "ogcr://sha256/00", None)
    .await
    .unwrap();
}

/// `GET /webhooks/{id}`'s body.
async fn shown(server: &Server, key: &str, id: &Value) -> Value {
    let a = call(
        "GET",
        &format!("{}/webhooks/{}", server.url, id.as_str().unwrap()),
        Some(key),
        None,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    a.body
}

/// Registers a webhook for `url` of every event type; the 201's body.
async fn subscribe(server: &Server, key: &str, url: &str, secret: Option<&str>) -> Value {
    let mut body = json!({
        "url": url,
        "events": EventType::ALL.map(|t| t.as_str()),
        "description": "every lifecycle event",
    });
    if let Some(s) = secret {
        body["secret"] = json!(s);
    }
    let a = call(
        "POST",
        &format!("{}/webhooks", server.url),
        Some(key),
        Some(body),
    )
    .await;
    assert_eq!(a.status, 201, "POST /webhooks: {}", a.text);
    a.body
}

/// Mines `n` empty blocks.
async fn mine(chain: &Chain, n: u64) {
    chain
        .provider()
        .await
        .anvil_mine(Some(n), None)
        .await
        .unwrap();
}

/// Waits until the indexer has reached the head and the head's block is `window` blocks
/// behind it... that is, until every event on chain is final.
async fn wait_final(chain: &Chain, store: &Store, window: u64) {
    mine(chain, window + 1).await;
    let head = chain.provider().await.get_block_number().await.unwrap() as i64;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(cs) = store.chain_state().await.unwrap()
            && cs.checkpoint_block >= head
            && cs.undo_floor >= head - window as i64 - 1
        {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the indexer did not reach block {head}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every final event as a webhook, in chain order: (event id, type).
async fn final_webhooks(store: &Store) -> Vec<(String, EventType)> {
    let floor = store.chain_state().await.unwrap().unwrap().undo_floor;
    store
        .events_after((-1, -1), floor, events::SOURCE_EVENTS, 1_000_000)
        .await
        .unwrap()
        .iter()
        .filter_map(|e| Some((events::event_id(e), events::webhook_of(e)?)))
        .collect()
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool, secs: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every request carries the Standard Webhooks headers, a signature that verifies with
/// `secret`, a fresh timestamp and a payload naming the header's id.
fn check_signed(r: &Receiver, secret: &str) {
    let key = sign::key_of(secret).unwrap();
    let now = chrono::Utc::now().timestamp();
    for g in r.got() {
        let ts: i64 = g
            .timestamp
            .parse()
            .expect("webhook-timestamp is unix seconds");
        assert!((now - ts).abs() < 300, "stale timestamp {ts}");
        assert!(
            sign::verify(&key, &g.id, ts, g.body.as_bytes(), &g.signature),
            "the signature of {} does not verify: {}",
            g.id,
            g.signature
        );
        let body: Value = serde_json::from_str(&g.body).unwrap();
        assert_eq!(body["id"], g.id.as_str());
        for field in [
            "event",
            "timestamp",
            "chain_id",
            "block_number",
            "tx_hash",
            "log_index",
            "data",
        ] {
            assert!(!body[field].is_null(), "{}: no {field}: {body}", g.id);
        }
    }
}

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
