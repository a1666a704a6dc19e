//! The webhook tests' harness: anvil with the suite deployed, the indexer, the write API on
//! 127.0.0.1 with its engine, receivers, HTTP calls and the OpenAPI conformance check.

use std::{
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
use ogcr_store::Store;
use ogcr_write::{
    Engine, Organizations, Scope, WriteConfig, WriteState, generate_key,
    webhooks::{EventType, WebhookPolicy, events, sign},
};
use serde_json::{Value, json};
use tokio::{sync::watch, task::JoinHandle};

/// A chain with the suite and the demo's roles deployed.
pub(crate) struct Chain {
    pub(crate) anvil: AnvilInstance,
    pub(crate) manifest: Manifest,
    pub(crate) accounts: DemoAccounts,
    pub(crate) dir: tempfile::TempDir,
}

impl Chain {
    pub(crate) async fn new() -> Chain {
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

    pub(crate) fn rpc(&self) -> String {
        self.anvil.endpoint()
    }

    pub(crate) async fn provider(&self) -> alloy::providers::DynProvider {
        ogcr_client::registry::connect_provider(&self.rpc(), None)
            .await
            .unwrap()
    }
}

/// The indexer following the chain with a reorg window of `window` blocks.
pub(crate) fn index(
    chain: &Chain,
    store: &Store,
    window: u64,
    stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
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
pub(crate) fn fast(allow_private: bool) -> WebhookPolicy {
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
pub(crate) struct Server {
    pub(crate) url: String,
    pub(crate) engine: Arc<Engine>,
    pub(crate) stop: watch::Sender<bool>,
    pub(crate) tasks: Vec<JoinHandle<()>>,
}

impl Server {
    pub(crate) async fn start(chain: &Chain, store: &Store, policy: WebhookPolicy) -> Server {
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
    pub(crate) async fn crash(self) {
        for t in self.tasks {
            t.abort();
            let _ = t.await;
        }
    }

    /// Stops like Ctrl-C: requests and delivery attempts in flight finish first.
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            t.await.unwrap();
        }
    }
}

/// An API key of `organization` with `scopes`.
pub(crate) async fn key(store: &Store, organization: &str, scopes: &[Scope]) -> String {
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

pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Value,
    pub(crate) text: String,
    pub(crate) replayed: bool,
}

pub(crate) async fn call(
    method: &str,
    url: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> Answer {
    call_with(method, url, key, body, &[]).await
}

pub(crate) async fn call_with(
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
pub(crate) struct Got {
    pub(crate) id: String,
    pub(crate) timestamp: String,
    pub(crate) signature: String,
    pub(crate) body: String,
    pub(crate) answered: u16,
}

/// A webhook receiver on 127.0.0.1: answers 500 to its first `fail_first` requests, then
/// 204, each after `delay`.
#[derive(Clone)]
pub(crate) struct Receiver {
    pub(crate) url: String,
    pub(crate) port: u16,
    pub(crate) got: Arc<Mutex<Vec<Got>>>,
    /// The `webhook-id` of every request, recorded when it arrives (before the answer).
    pub(crate) seen: Arc<Mutex<Vec<String>>>,
}

impl Receiver {
    pub(crate) async fn start(fail_first: usize, delay: Duration) -> Receiver {
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
    pub(crate) async fn answering(
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

    pub(crate) fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    pub(crate) fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }

    /// The ids answered 2xx, in arrival order.
    pub(crate) fn delivered(&self) -> Vec<String> {
        self.got()
            .into_iter()
            .filter(|g| g.answered < 300)
            .map(|g| g.id)
            .collect()
    }
}

/// The OpenAPI document `ogcr serve` publishes with the write API.
pub(crate) fn document() -> Value {
    let mut doc = ogcr_api::openapi::spec("http://127.0.0.1:8080");
    ogcr_api::openapi::merge(&mut doc, &ogcr_write::openapi::openapi());
    doc
}

/// Why `v` does not conform to `schema` (types, required members, items, enums, `$ref`s of
/// `doc`), if it does not: the part of JSON Schema the webhook schemas use.
pub(crate) fn nonconformity(doc: &Value, schema: &Value, v: &Value, at: &str) -> Option<String> {
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
pub(crate) fn conforms(doc: &Value, method: &str, path: &str, a: &Answer) {
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
pub(crate) async fn register(chain: &Chain, id: &str, n: u8) {
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
pub(crate) async fn shown(server: &Server, key: &str, id: &Value) -> Value {
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
pub(crate) async fn subscribe(
    server: &Server,
    key: &str,
    url: &str,
    secret: Option<&str>,
) -> Value {
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
pub(crate) async fn mine(chain: &Chain, n: u64) {
    chain
        .provider()
        .await
        .anvil_mine(Some(n), None)
        .await
        .unwrap();
}

/// Waits until the indexer has reached the head and the head's block is `window` blocks
/// behind it... that is, until every event on chain is final.
pub(crate) async fn wait_final(chain: &Chain, store: &Store, window: u64) {
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
pub(crate) async fn final_webhooks(store: &Store) -> Vec<(String, EventType)> {
    let floor = store.chain_state().await.unwrap().unwrap().undo_floor;
    store
        .events_after((-1, -1), floor, events::SOURCE_EVENTS, 1_000_000)
        .await
        .unwrap()
        .iter()
        .filter_map(|e| Some((events::event_id(e), events::webhook_of(e)?)))
        .collect()
}

pub(crate) async fn wait_for(what: &str, mut done: impl FnMut() -> bool, secs: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every request carries the Standard Webhooks headers, a signature that verifies with
/// `secret`, a fresh timestamp and a payload naming the header's id.
pub(crate) fn check_signed(r: &Receiver, secret: &str) {
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
