//! `GET /events/stream` (issue 16): Server-Sent Events that follow the indexed feed, resume
//! after `Last-Event-ID` without losing or repeating an event, start at the tip without a
//! position, and announce a reorg before the events of the new chain — on both backends.

use std::time::Duration;

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
};
use http_body_util::BodyExt;
use ogcr_api::router;
use ogcr_store::{Block, ChainState, ChangeSet, Event, Store, testing::backends};
use serde_json::Value;
use tower::ServiceExt;

/// One SSE message: its `event` (None for a plain message), `id` and `data`.
#[derive(Debug, Clone, PartialEq)]
struct Message {
    event: Option<String>,
    id: Option<String>,
    data: Value,
}

/// An open stream and what it has delivered so far.
struct Stream {
    body: Body,
    buffer: String,
}

impl Stream {
    async fn open(app: &Router, uri: &str, last_event_id: Option<&str>) -> Stream {
        let mut req = Request::get(uri).header(header::ACCEPT, "text/event-stream");
        if let Some(id) = last_event_id {
            req = req.header("last-event-id", id);
        }
        let resp = app
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{uri}");
        assert_eq!(
            resp.headers()[header::CONTENT_TYPE],
            "text/event-stream",
            "{uri}"
        );
        assert!(resp.headers().get(header::ETAG).is_none(), "{uri}");
        Stream {
            body: resp.into_body(),
            buffer: String::new(),
        }
    }

    /// The next `n` messages (comments skipped), failing after 10 s.
    async fn next(&mut self, n: usize) -> Vec<Message> {
        let mut out = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while out.len() < n {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                if let Some(m) = parse(&block) {
                    out.push(m);
                }
                continue;
            }
            let frame = tokio::time::timeout_at(deadline, self.body.frame())
                .await
                .unwrap_or_else(|_| panic!("only {} of {n} messages in 10 s: {out:?}", out.len()))
                .expect("the stream stays open")
                .unwrap();
            if let Ok(data) = frame.into_data() {
                self.buffer.push_str(std::str::from_utf8(&data).unwrap());
            }
        }
        out
    }

    /// Nothing but comments arrives within `d`.
    async fn quiet(&mut self, d: Duration) {
        let deadline = tokio::time::Instant::now() + d;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                assert!(parse(&block).is_none(), "unexpected message: {block}");
                continue;
            }
            match tokio::time::timeout_at(deadline, self.body.frame()).await {
                Err(_) => return,
                Ok(frame) => {
                    let data = frame.unwrap().unwrap().into_data().unwrap();
                    self.buffer.push_str(std::str::from_utf8(&data).unwrap());
                }
            }
        }
    }
}

fn parse(block: &str) -> Option<Message> {
    let (mut event, mut id, mut data) = (None, None, None);
    for line in block.lines() {
        if let Some(v) = line.strip_prefix("event:") {
            event = Some(v.trim().to_owned());
        } else if let Some(v) = line.strip_prefix("id:") {
            id = Some(v.trim().to_owned());
        } else if let Some(v) = line.strip_prefix("data:") {
            data = Some(serde_json::from_str(v.trim()).unwrap());
        }
    }
    data.map(|data| Message { event, id, data })
}

fn block(n: i64, fork: u8) -> Block {
    let h = |n: i64| {
        if n <= 12 {
            format!("0x{:064x}", n)
        } else {
            format!("0x{fork:02x}{:062x}", n)
        }
    };
    Block {
        number: n,
        hash: h(n),
        parent_hash: h(n - 1),
        timestamp: 1_700_000_000 + 12 * n,
    }
}

/// Blocks `from..=to` (of fork `fork` above block 12), `per` events each, named by block.
fn batch(from: i64, to: i64, per: i64, fork: u8) -> ChangeSet {
    let blocks: Vec<Block> = (from..=to).map(|n| block(n, fork)).collect();
    let events = blocks
        .iter()
        .flat_map(|b| {
            (0..per).map(move |log| Event {
                block_number: b.number,
                log_index: log,
                chain_id: 31337,
                block_hash: b.hash.clone(),
                block_time: b.timestamp,
                tx_hash: format!("0x{fork:02x}{:062x}", b.number * 100 + log),
                tx_index: log,
                contract: if log == 0 {
                    "CarbonRemovalUnit".into()
                } else {
                    "MRVRegistry".into()
                },
                address: format!("0x{:040x}", 0xc0),
                event: format!("E{}_{log}", b.number),
                topic0: format!("0x{:064x}", 7),
                args: "{}".into(),
            })
        })
        .collect();
    ChangeSet {
        from_block: from,
        to_block: to,
        to_hash: block(to, fork).hash,
        undo_floor: 0,
        blocks,
        events,
        ..ChangeSet::default()
    }
}

async fn init(store: &Store) {
    store
        .init_chain_state(&ChainState {
            id: 1,
            chain_id: 31337,
            access_control: "0x01".into(),
            project_registry: "0x02".into(),
            mrv_registry: "0x03".into(),
            carbon_removal_unit: format!("0x{:040x}", 0xc0),
            deployment_block: 10,
            checkpoint_block: 9,
            checkpoint_hash: String::new(),
            undo_floor: 0,
        })
        .await
        .unwrap();
}

fn names(ms: &[Message]) -> Vec<String> {
    ms.iter()
        .map(|m| m.data["event"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn the_stream_follows_resumes_and_announces_reorgs() {
    for db in backends().await {
        let name = db.name;
        let app = router(db.store.clone(), crate::http::config());
        init(&db.store).await;
        db.store.commit(&batch(10, 12, 2, 0)).await.unwrap();

        // From the beginning: what is indexed, then what comes.
        let mut all = Stream::open(&app, "/events/stream?cursor=", None).await;
        let first = all.next(6).await;
        assert_eq!(
            names(&first),
            ["E10_0", "E10_1", "E11_0", "E11_1", "E12_0", "E12_1"],
            "{name}"
        );
        assert!(first.iter().all(|m| m.event.is_none() && m.id.is_some()));
        // An id is the /events cursor of its event.
        let (s, page) = get(
            &app,
            &format!("/events?limit=2&cursor={}", first[3].id.as_ref().unwrap()),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(page["data"][0]["event"], "E12_0", "{name}");

        // Without a position: from the next new event. Filtered: only those that match.
        let mut now = Stream::open(&app, "/events/stream", None).await;
        let mut minted =
            Stream::open(&app, "/events/stream?contract=CarbonRemovalUnit", None).await;
        now.quiet(Duration::from_millis(700)).await;
        db.store.commit(&batch(13, 14, 2, 1)).await.unwrap();
        let more = all.next(4).await;
        assert_eq!(names(&more), ["E13_0", "E13_1", "E14_0", "E14_1"], "{name}");
        assert_eq!(names(&now.next(4).await), names(&more), "{name}");
        assert_eq!(names(&minted.next(2).await), ["E13_0", "E14_0"], "{name}");

        // A reconnect with Last-Event-ID goes on after that event: nothing lost or repeated.
        let mut again = Stream::open(
            &app,
            "/events/stream?cursor=",
            Some(first[4].id.as_deref().unwrap()),
        )
        .await;
        assert_eq!(
            names(&again.next(5).await),
            ["E12_1", "E13_0", "E13_1", "E14_0", "E14_1"],
            "{name}"
        );
        again.quiet(Duration::from_millis(700)).await;

        // A reorg replaces blocks 13 and 14: a reorg message naming block 12, then the new
        // chain's events.
        db.store.rollback_to(12, &block(12, 0).hash).await.unwrap();
        db.store.commit(&batch(13, 13, 1, 2)).await.unwrap();
        let after = all.next(2).await;
        assert_eq!(
            after[0].event.as_deref(),
            Some("reorg"),
            "{name}: {after:?}"
        );
        assert_eq!(after[0].data["block_number"], 12, "{name}");
        assert_eq!(after[0].data["id"], after[0].id.clone().unwrap().as_str());
        assert_eq!(names(&after[1..]), ["E13_0"], "{name}");
        assert_eq!(after[1].data["block_hash"], block(13, 2).hash, "{name}");
        let after = minted.next(2).await;
        assert_eq!(after[0].event.as_deref(), Some("reorg"), "{name}");
        assert_eq!(names(&after[1..]), ["E13_0"], "{name}");

        // A made-up Last-Event-ID is refused, naming the header.
        let resp = app
            .clone()
            .oneshot(
                Request::get("/events/stream")
                    .header("last-event-id", "zz")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{name}");
        let body: Value =
            serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(
            body["error"]["details"][0]["field"], "Last-Event-ID",
            "{name}"
        );
    }
}

async fn get(app: &Router, uri: &str) -> (StatusCode, Value) {
    let resp = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

/// Over real TCP: a server that stops ends its open streams at once, instead of waiting out
/// the shutdown grace for a client that never hangs up.
#[tokio::test]
async fn a_stopping_server_ends_its_streams() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let db = backends().await.remove(0);
    init(&db.store).await;
    db.store.commit(&batch(10, 10, 1, 0)).await.unwrap();
    let app = router(db.store.clone(), crate::http::config());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(ogcr_api::serve_with(
        listener,
        app,
        ogcr_api::Limits::default(),
        async {
            let _ = stopped.await;
        },
    ));
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(
        b"GET /events/stream?cursor= HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n",
    )
    .await
    .unwrap();
    // The first event arrives: the stream is open.
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains("E10_0") {
        let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf))
            .await
            .expect("the first event within 10 s")
            .unwrap();
        assert!(n > 0, "closed early: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    let started = std::time::Instant::now();
    stop.send(()).unwrap();
    // The server ends the stream and closes: EOF well before the 10-second grace.
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
            .await
            .expect("the stream ends when the server stops")
            .unwrap_or(0);
        if n == 0 {
            break;
        }
    }
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server returns")
        .unwrap()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
