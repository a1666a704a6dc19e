//! A closed-loop HTTP/1.1 load client (what wrk does): C keep-alive connections, each sending
//! its next GET as soon as the previous answer's body is read, for a fixed time; latencies
//! of every answer kept for exact percentiles.

use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context;
use http_body_util::{BodyExt, Empty};
use hyper::{Request, body::Bytes, header};
use hyper_util::rt::TokioIo;
use rand::{Rng, SeedableRng, rngs::SmallRng};
use tokio::net::TcpStream;

/// What a connection asks for.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// The same path every time.
    Fixed(String),
    /// `{prefix}{one of ids}`, chosen at random per request.
    OneOf {
        /// Path before the id.
        prefix: String,
        /// The ids.
        ids: Arc<Vec<String>>,
    },
}

impl Target {
    fn path(&self, rng: &mut SmallRng) -> String {
        match self {
            Target::Fixed(p) => p.clone(),
            Target::OneOf { prefix, ids } => {
                format!("{prefix}{}", ids[rng.random_range(0..ids.len())])
            }
        }
    }
}

/// The figures of one run.
#[derive(Debug, Clone)]
pub(crate) struct Figures {
    /// Answers received within the time.
    pub(crate) requests: usize,
    /// Answers that were not 200, and failed connections.
    pub(crate) errors: usize,
    /// The run's length.
    pub(crate) elapsed: Duration,
    /// Median latency.
    pub(crate) p50: Duration,
    /// 99th percentile latency.
    pub(crate) p99: Duration,
    /// Mean body size of the answers.
    pub(crate) mean_bytes: usize,
}

impl Figures {
    /// Answers per second.
    pub(crate) fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

struct Tally {
    latencies: Vec<Duration>,
    errors: usize,
    bytes: usize,
}

/// Loads `target` on `addr` with `connections` connections for `time`.
pub(crate) async fn run(
    addr: SocketAddr,
    target: &Target,
    connections: usize,
    time: Duration,
) -> anyhow::Result<Figures> {
    let started = Instant::now();
    let end = started + time;
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..connections {
        let target = target.clone();
        tasks.spawn(connection(addr, target, end, c as u64));
    }
    let mut all = Tally {
        latencies: Vec::new(),
        errors: 0,
        bytes: 0,
    };
    while let Some(t) = tasks.join_next().await {
        let t = t.context("a load connection panicked")??;
        all.latencies.extend(t.latencies);
        all.errors += t.errors;
        all.bytes += t.bytes;
    }
    let elapsed = started.elapsed().min(time.max(Duration::from_millis(1)));
    all.latencies.sort_unstable();
    let n = all.latencies.len();
    let pct = |p: usize| {
        if n == 0 {
            Duration::ZERO
        } else {
            all.latencies[(n * p / 100).min(n - 1)]
        }
    };
    Ok(Figures {
        requests: n,
        errors: all.errors,
        elapsed,
        p50: pct(50),
        p99: pct(99),
        mean_bytes: all.bytes.checked_div(n).unwrap_or(0),
    })
}

/// One connection's loop until `end`; reconnects when the server closes the connection.
async fn connection(
    addr: SocketAddr,
    target: Target,
    end: Instant,
    seed: u64,
) -> anyhow::Result<Tally> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let host = addr.to_string();
    let mut tally = Tally {
        latencies: Vec::with_capacity(4096),
        errors: 0,
        bytes: 0,
    };
    'connect: while Instant::now() < end {
        let stream = match TcpStream::connect(addr).await {
            Ok(s) => s,
            Err(_) => {
                tally.errors += 1;
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        stream.set_nodelay(true)?;
        let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .context("HTTP/1.1 handshake")?;
        tokio::spawn(conn);
        while Instant::now() < end {
            if send.ready().await.is_err() {
                continue 'connect;
            }
            let req = Request::get(target.path(&mut rng))
                .header(header::HOST, &host)
                .body(Empty::<Bytes>::new())
                .context("building a request")?;
            let sent = Instant::now();
            let answer = async {
                let resp = send.send_request(req).await?;
                let ok = resp.status() == hyper::StatusCode::OK;
                let body = resp.into_body().collect().await?.to_bytes();
                Ok::<_, hyper::Error>((ok, body.len()))
            }
            .await;
            let took = sent.elapsed();
            match answer {
                Ok((ok, len)) if Instant::now() <= end => {
                    tally.latencies.push(took);
                    tally.bytes += len;
                    if !ok {
                        tally.errors += 1;
                    }
                }
                Ok(_) => {}
                Err(_) => {
                    tally.errors += 1;
                    continue 'connect;
                }
            }
        }
    }
    Ok(tally)
}
