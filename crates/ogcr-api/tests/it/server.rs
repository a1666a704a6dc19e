//! The HTTP server over real TCP (issue 18): a half-sent request or an idle keep-alive
//! connection is closed after the header-read timeout, connections beyond the cap wait, and
//! over-long targets, heads and bodies answer 414, 431 and 413 with the OGCR error body.

use std::time::{Duration, Instant};

use axum::{Router, body::Bytes, routing::post};
use ogcr_api::{ApiConfig, Extra, Limits};
use ogcr_store::testing::backends;
use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

async fn start(limits: Limits) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let db = backends().await.remove(0);
    let config = ApiConfig {
        public_url: "http://api.test".into(),
        rate_limit: None,
        limits,
        metrics: None,
        export: Default::default(),
    };
    // A write-like route that reads a body, as the write API's do.
    let extra = Extra {
        routes: Router::new().route("/echo", post(|b: Bytes| async move { b.len().to_string() })),
        openapi: serde_json::json!({}),
    };
    let app = ogcr_api::router_with(db.store.clone(), config, Some(extra));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _keep = db;
        ogcr_api::serve_with(listener, app, limits, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    (addr, tx)
}

/// Reads until the server closes or `within` passes; (bytes read, whether it closed).
async fn read_until_closed(s: &mut TcpStream, within: Duration) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let deadline = Instant::now() + within;
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (out, true),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => return (out, false),
        }
    }
}

fn body_of(raw: &[u8]) -> (u16, Value) {
    let text = String::from_utf8_lossy(raw);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

async fn exchange(addr: std::net::SocketAddr, request: &[u8]) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let (raw, _) = read_until_closed(&mut s, Duration::from_secs(10)).await;
    body_of(&raw)
}

fn limits() -> Limits {
    Limits {
        header_read_timeout: Duration::from_millis(800),
        max_connections: 2,
        max_body: 1 << 20,
        ..Limits::default()
    }
}

#[tokio::test]
async fn half_sent_and_idle_connections_are_closed() {
    let (addr, _stop) = start(limits()).await;
    let mut half = TcpStream::connect(addr).await.unwrap();
    half.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let (_, closed) = read_until_closed(&mut half, Duration::from_secs(5)).await;
    assert!(closed, "a half-sent request kept its connection");
    assert!(started.elapsed() < Duration::from_secs(3));
    // A keep-alive connection that sends nothing more is closed too.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (raw, closed) = read_until_closed(&mut idle, Duration::from_secs(5)).await;
    assert!(
        String::from_utf8_lossy(&raw).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&raw[..60.min(raw.len())])
    );
    assert!(closed, "an idle keep-alive connection stayed open");
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_one() {
    let (addr, _stop) = start(Limits {
        header_read_timeout: Duration::from_secs(3),
        ..limits()
    })
    .await;
    let a = TcpStream::connect(addr).await.unwrap();
    let _b = TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(b"GET /openapi.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let (raw, _) = read_until_closed(&mut c, Duration::from_millis(700)).await;
    assert!(
        raw.is_empty(),
        "a third connection was served beyond the cap of two"
    );
    drop(a);
    let (raw, closed) = read_until_closed(&mut c, Duration::from_secs(5)).await;
    assert!(
        closed && String::from_utf8_lossy(&raw).starts_with("HTTP/1.1 200"),
        "served once a connection freed"
    );
}

#[tokio::test]
async fn oversized_requests_answer_with_the_error_body() {
    let (addr, _stop) = start(limits()).await;
    let long = format!(
        "GET /projects?x={} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "a".repeat(9000)
    );
    let (status, body) = exchange(addr, long.as_bytes()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (414, Some("URI_TOO_LONG")),
        "{body}"
    );
    let big = format!(
        "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
        "b".repeat(40_000)
    );
    let (status, body) = exchange(addr, big.as_bytes()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (431, Some("HEADERS_TOO_LARGE")),
        "{body}"
    );
    let payload = "c".repeat(2 << 20);
    let post = format!(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    );
    let (status, body) = exchange(addr, post.as_bytes()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (413, Some("PAYLOAD_TOO_LARGE")),
        "{body}"
    );
    assert!(body["error"]["request_id"].is_string());
    let ok =
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
    assert_eq!(exchange(addr, ok.as_bytes()).await.0, 200);
}
