//! Cross-cutting behaviour of every route: request ids and error rendering, per-client rate
//! limiting, entity tags with conditional GETs, cache headers and request metrics.

use std::{
    net::{IpAddr, SocketAddr},
    sync::{Arc, Mutex},
    time::Instant,
};

use axum::{
    body::Body,
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, PendingError};

/// Header carrying the request id, both ways.
pub const REQUEST_ID: &str = "x-request-id";

/// Marks an error answer whose body is already meant for its reader (an HTML page's 404),
/// which the request-id layer then leaves as it is instead of rendering the OGCR error body.
#[derive(Debug, Clone, Copy)]
pub struct Rendered;

/// The id of the request being served (a request extension).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Takes the caller's `x-request-id` when it is a sane token, else makes one; echoes it on the
/// response; renders pending [`ApiError`]s with it.
pub(crate) async fn request_id(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 128
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut resp = next.run(req).await;
    let pending = resp.extensions_mut().remove::<PendingError>().map(|p| p.0);
    let status = resp.status();
    let rendered = resp.extensions().get::<Rendered>().is_some();
    let err = pending.or_else(|| {
        if rendered {
            return None;
        }
        // Rejections produced outside our handlers (e.g. by axum itself) get the body too.
        (status.is_client_error() || status.is_server_error()).then(|| match status {
            StatusCode::NOT_FOUND => ApiError::not_found("no such route; see /openapi.json"),
            StatusCode::METHOD_NOT_ALLOWED => ApiError::method_not_allowed(),
            s if s.is_server_error() => ApiError::internal(&format!("unhandled {s}")),
            s => ApiError {
                status: s,
                code: match s {
                    StatusCode::REQUEST_TIMEOUT => "REQUEST_TIMEOUT",
                    StatusCode::PAYLOAD_TOO_LARGE => "PAYLOAD_TOO_LARGE",
                    StatusCode::UNAUTHORIZED => "AUTHENTICATION_REQUIRED",
                    StatusCode::FORBIDDEN => "INSUFFICIENT_PERMISSIONS",
                    StatusCode::CONFLICT => "CONFLICT",
                    _ => "VALIDATION_ERROR",
                },
                message: s.canonical_reason().unwrap_or("bad request").to_owned(),
                details: Vec::new(),
                retry_after: None,
            },
        })
    });
    if let Some(err) = err {
        // The error body replaces the bare one; the other headers (Retry-After, CORS) stay.
        let headers = std::mem::take(resp.headers_mut());
        resp = err.render(&id);
        for (k, v) in headers.iter() {
            if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
                resp.headers_mut().insert(k.clone(), v.clone());
            }
        }
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(REQUEST_ID, v);
    }
    resp
}

/// 414 for a request target longer than `limits.max_uri`, 431 for a head larger than
/// `limits.max_headers` — as OGCR error bodies (hyper's own refusals, far beyond these, carry
/// none).
pub(crate) async fn request_limits(
    State(limits): State<crate::Limits>,
    req: Request,
    next: Next,
) -> Response {
    let uri = req.uri().to_string().len();
    if uri > limits.max_uri {
        return ApiError::new(
            StatusCode::URI_TOO_LONG,
            "URI_TOO_LONG",
            format!(
                "the request target is {uri} bytes; at most {} are accepted",
                limits.max_uri
            ),
        )
        .into_response();
    }
    let head: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    if head > limits.max_headers {
        return ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "HEADERS_TOO_LARGE",
            format!(
                "the request headers are {head} bytes; at most {} are accepted",
                limits.max_headers
            ),
        )
        .into_response();
    }
    next.run(req).await
}

/// The last `/health` answer, served again for a second: probes and floods of the cheapest
/// route cost no database queries beyond one per second.
#[derive(Debug, Default)]
pub(crate) struct HealthCache(Mutex<Option<(Instant, StatusCode, HeaderMap, axum::body::Bytes)>>);

/// How long a `/health` answer is reused.
const HEALTH_TTL: std::time::Duration = std::time::Duration::from_secs(1);

pub(crate) async fn cache_health(
    State(cache): State<Arc<HealthCache>>,
    req: Request,
    next: Next,
) -> Response {
    if req.method() != Method::GET || req.uri().path() != "/health" {
        return next.run(req).await;
    }
    let replay = |(status, headers, body): (StatusCode, HeaderMap, axum::body::Bytes)| {
        let mut r = Response::new(Body::from(body));
        *r.status_mut() = status;
        *r.headers_mut() = headers;
        r
    };
    if let Some((at, status, headers, body)) =
        cache.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
        && at.elapsed() < HEALTH_TTL
    {
        return replay((status, headers, body));
    }
    let resp = next.run(req).await;
    if resp.extensions().get::<PendingError>().is_some() {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return ApiError::internal(&"health answer too large").into_response();
    };
    *cache.0.lock().unwrap_or_else(|p| p.into_inner()) = Some((
        Instant::now(),
        parts.status,
        parts.headers.clone(),
        bytes.clone(),
    ));
    replay((parts.status, parts.headers, bytes))
}

/// Who a request comes from, for rate limiting: an organization (identified by its API key or
/// OAuth token), a registry operator's organization, or — anonymous, or with credentials that
/// do not authenticate — the client address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Caller {
    /// An organization that is not a registry operator.
    Organization(String),
    /// An organization holding the registry_operator or administrator role.
    Operator(String),
}

/// Tells the [`Caller`] of a request from its headers (the write API's authentication);
/// `None` for an anonymous request.
pub type Classifier = Arc<
    dyn Fn(HeaderMap) -> std::pin::Pin<Box<dyn std::future::Future<Output = Option<Caller>> + Send>>
        + Send
        + Sync,
>;

/// A sustained rate and a burst.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateClass {
    /// Requests per second, sustained.
    pub per_second: f64,
    /// Requests at once above that (the bucket's size).
    pub burst: u32,
}

impl RateClass {
    fn quota(self) -> governor::Quota {
        let period = std::time::Duration::from_secs_f64(1.0 / self.per_second.max(0.001));
        let burst = std::num::NonZeroU32::new(self.burst.max(1)).expect("at least 1");
        governor::Quota::with_period(period)
            .expect("a positive period")
            .allow_burst(burst)
    }
}

/// The rate limits of the API: one class per kind of caller (OGCR api-documentation.md:
/// limits per user type), each keyed per caller.
#[derive(Clone)]
pub struct RateLimits {
    /// Anonymous clients, per address.
    pub public: RateClass,
    /// Organizations (API keys, OAuth tokens), per organization.
    pub organization: RateClass,
    /// Registry operators' and administrators' organizations, per organization.
    pub operator: RateClass,
    /// Tells organizations from anonymous clients; without one every client is public.
    pub classifier: Option<Classifier>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field("public", &self.public)
            .field("organization", &self.organization)
            .field("operator", &self.operator)
            .field("classifier", &self.classifier.is_some())
            .finish()
    }
}

impl RateLimits {
    /// The same class for everyone, per address.
    pub fn uniform(per_second: f64, burst: u32) -> Self {
        let c = RateClass { per_second, burst };
        RateLimits {
            public: c,
            organization: c,
            operator: c,
            classifier: None,
        }
    }
}

type Keyed<K> = governor::RateLimiter<
    K,
    governor::state::keyed::DefaultKeyedStateStore<K>,
    governor::clock::DefaultClock,
    governor::middleware::StateInformationMiddleware,
>;

/// Per-caller limiters of each class (governor's GCRA, one state per key).
pub struct RateLimiter {
    limits: RateLimits,
    public: Keyed<IpAddr>,
    organization: Keyed<String>,
    operator: Keyed<String>,
    clock: governor::clock::DefaultClock,
    checks: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// What a rate check says, for the `X-RateLimit-*` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateState {
    /// The class's burst: requests allowed at once.
    pub limit: u32,
    /// Requests left now.
    pub remaining: u32,
    /// Seconds until the bucket is full again (or, refused, until the next request is let in).
    pub reset: u64,
    /// Whether this request is let in.
    pub allowed: bool,
}

impl RateLimiter {
    /// Limiters for `limits`.
    pub fn new(limits: RateLimits) -> Self {
        use governor::middleware::StateInformationMiddleware as Info;
        RateLimiter {
            public: governor::RateLimiter::keyed(limits.public.quota()).with_middleware::<Info>(),
            organization: governor::RateLimiter::keyed(limits.organization.quota())
                .with_middleware::<Info>(),
            operator: governor::RateLimiter::keyed(limits.operator.quota())
                .with_middleware::<Info>(),
            limits,
            clock: governor::clock::DefaultClock::default(),
            checks: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Counts one request of `caller` (or of the address `client` when anonymous).
    pub fn check(&self, caller: Option<&Caller>, client: IpAddr) -> RateState {
        use governor::clock::Clock;
        // Forget callers whose bucket is full again now and then: they are
        // indistinguishable from new ones, and memory stays bounded by the active callers.
        let n = self
            .checks
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if n % 4096 == 4095 {
            self.public.retain_recent();
            self.organization.retain_recent();
            self.operator.retain_recent();
        }
        let (class, result) = match caller {
            None => (self.limits.public, self.public.check_key(&client)),
            Some(Caller::Organization(o)) => {
                (self.limits.organization, self.organization.check_key(o))
            }
            Some(Caller::Operator(o)) => (self.limits.operator, self.operator.check_key(o)),
        };
        let period = 1.0 / class.per_second.max(0.001);
        match result {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                RateState {
                    limit: class.burst.max(1),
                    remaining,
                    reset: (f64::from(class.burst.max(1) - remaining.min(class.burst.max(1)))
                        * period)
                        .ceil() as u64,
                    allowed: true,
                }
            }
            Err(not_until) => RateState {
                limit: class.burst.max(1),
                remaining: 0,
                reset: not_until
                    .wait_time_from(self.clock.now())
                    .as_secs_f64()
                    .ceil()
                    .max(1.0) as u64,
                allowed: false,
            },
        }
    }
}

/// The client address: the socket peer (requests served without a socket count as loopback).
fn client_of(req: &Request) -> IpAddr {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip())
}

/// Counts every request against its caller's class — every route, the cheap ones too (a
/// flood of `/health` must not slow the others down) — and refuses those beyond it with 429
/// and `Retry-After`. Every answer carries `X-RateLimit-Limit`, `-Remaining` and `-Reset`
/// (seconds).
pub(crate) async fn rate_limit(
    State(limiter): State<Option<Arc<RateLimiter>>>,
    req: Request,
    next: Next,
) -> Response {
    let Some(limiter) = limiter else {
        return next.run(req).await;
    };
    let caller = match (
        &limiter.limits.classifier,
        req.headers().contains_key(header::AUTHORIZATION),
    ) {
        (Some(classify), true) => classify(req.headers().clone()).await,
        _ => None,
    };
    let state = limiter.check(caller.as_ref(), client_of(&req));
    let mut resp = if state.allowed {
        next.run(req).await
    } else {
        ApiError::rate_limited(state.reset).into_response()
    };
    let h = resp.headers_mut();
    h.insert("x-ratelimit-limit", HeaderValue::from(state.limit));
    h.insert("x-ratelimit-remaining", HeaderValue::from(state.remaining));
    h.insert("x-ratelimit-reset", HeaderValue::from(state.reset));
    resp
}

/// Whole successful answers of the read routes by (data revision, request target). Every
/// read route's answer is a function of the target and of the indexed data alone, and the
/// data revision (`Store::revision`) changes with every commit that changes that data — in
/// this process or any other writing the database — so an answer found under the current
/// revision is exactly what the route would compute again. Bounded by bytes; entries of past
/// revisions are never looked up again and age out.
#[derive(Clone)]
pub(crate) struct AnswerCache(moka::future::Cache<(i64, String), CachedAnswer>);

/// One cached answer.
#[derive(Clone)]
pub(crate) struct CachedAnswer {
    headers: HeaderMap,
    body: axum::body::Bytes,
}

/// Largest answer kept (bigger ones, such as a 1,000-row export page, are served uncached).
const MAX_CACHED_ANSWER: usize = 4 << 20;

impl AnswerCache {
    /// A cache of at most `bytes` (`None` for 0: caching off).
    pub(crate) fn new(bytes: u64) -> Option<Self> {
        (bytes > 0).then(|| {
            AnswerCache(
                moka::future::Cache::builder()
                    .max_capacity(bytes)
                    .weigher(|(_, target): &(i64, String), a: &CachedAnswer| {
                        let headers: usize = a
                            .headers
                            .iter()
                            .map(|(k, v)| k.as_str().len() + v.len())
                            .sum();
                        u32::try_from(a.body.len() + headers + target.len() + 64)
                            .unwrap_or(u32::MAX)
                    })
                    .time_to_idle(std::time::Duration::from_secs(300))
                    .build(),
            )
        })
    }
}

/// Serves a read route's answer from the [`AnswerCache`] when the data has not changed since
/// it was computed; stores successful GET answers. `/health` and `/metrics` (which move with
/// time, not with the data) are never cached. When the revision cannot be read the request
/// goes to its route, which reports the database error.
pub(crate) async fn cache_answers(
    State((store, cache)): State<(ogcr_store::Store, AnswerCache)>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    if req.method() != Method::GET || path == "/health" || path == "/metrics" {
        return next.run(req).await;
    }
    let Ok(revision) = store.revision().await else {
        return next.run(req).await;
    };
    // Read before the route runs: what the route reads is at least this revision, so an
    // entry never holds data older than its key says.
    let key = (revision, req.uri().to_string());
    if let Some(hit) = cache.0.get(&key).await {
        let mut r = Response::new(Body::from(hit.body));
        *r.headers_mut() = hit.headers;
        return r;
    }
    let resp = next.run(req).await;
    if resp.status() != StatusCode::OK || resp.extensions().get::<PendingError>().is_some() {
        return resp;
    }
    // Only bodies of a known, bounded size (the JSON answers); streams pass through as they are.
    use axum::body::HttpBody as _;
    match resp.body().size_hint().exact() {
        Some(n) if n <= MAX_CACHED_ANSWER as u64 => {}
        _ => return resp,
    }
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_CACHED_ANSWER).await else {
        return ApiError::internal(&"an answer's body failed while it was read").into_response();
    };
    cache
        .0
        .insert(
            key,
            CachedAnswer {
                headers: parts.headers.clone(),
                body: bytes.clone(),
            },
        )
        .await;
    Response::from_parts(parts, Body::from(bytes))
}

/// Largest body tagged; bigger ones are sent untagged.
const MAX_TAGGED: usize = 64 << 20;

/// Tags successful GET answers with a strong ETag over their bytes, answers a matching
/// `If-None-Match` with 304, and sets `Cache-Control: no-cache` (revalidate every time — the
/// data moves with the chain) unless the route chose its own.
pub(crate) async fn etag(req: Request, next: Next) -> Response {
    let conditional = matches!(*req.method(), Method::GET | Method::HEAD);
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    let resp = next.run(req).await;
    // A stream (`/events/stream`) has no end to hash.
    let streaming = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    if !conditional || resp.status() != StatusCode::OK || streaming {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_TAGGED).await else {
        return ApiError::internal(&"response body too large to tag").into_response();
    };
    let tag = format!("\"{}\"", hex::encode(&Sha256::digest(&bytes)[..16]));
    parts
        .headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-cache"));
    let tag_value = HeaderValue::from_str(&tag).expect("hex is a valid header value");
    if let Some(inm) = if_none_match
        && matches_tag(&inm, &tag)
    {
        let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
        let h = not_modified.headers_mut();
        h.insert(header::ETAG, tag_value);
        copy(&parts.headers, h, &[header::CACHE_CONTROL, header::VARY]);
        return not_modified;
    }
    parts.headers.insert(header::ETAG, tag_value);
    Response::from_parts(parts, Body::from(bytes))
}

fn copy(from: &HeaderMap, to: &mut HeaderMap, names: &[header::HeaderName]) {
    for n in names {
        if let Some(v) = from.get(n) {
            to.insert(n.clone(), v.clone());
        }
    }
}

/// Whether an `If-None-Match` value lists `tag` (weak comparison, as RFC 9110 asks) or is `*`.
fn matches_tag(inm: &HeaderValue, tag: &str) -> bool {
    let Ok(s) = inm.to_str() else { return false };
    s.split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == tag)
}

/// Counts requests by route and status and times them.
pub(crate) async fn metrics(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    metrics::counter!("ogcr_api_requests_total", "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("ogcr_api_request_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn buckets_refill_at_the_configured_rate() {
        let l = RateLimiter::new(RateLimits::uniform(10.0, 3));
        let ip = IpAddr::from([10, 0, 0, 1]);
        for left in (0..3).rev() {
            let s = l.check(None, ip);
            assert!(s.allowed);
            assert_eq!((s.limit, s.remaining), (3, left));
        }
        let refused = l.check(None, ip);
        assert!(!refused.allowed);
        assert_eq!((refused.remaining, refused.reset), (0, 1));
        // Another client has its own bucket.
        assert!(l.check(None, IpAddr::from([10, 0, 0, 2])).allowed);
        // An organization's budget is not its address's.
        assert!(l.check(Some(&Caller::Organization("a".into())), ip).allowed);
        // A tenth of a second later (one period) a request is let in again.
        std::thread::sleep(Duration::from_millis(150));
        assert!(l.check(None, ip).allowed);
    }

    #[test]
    fn if_none_match_lists_are_understood() {
        let tag = "\"abc\"";
        for (v, ok) in [
            ("\"abc\"", true),
            ("W/\"abc\"", true),
            ("\"x\", \"abc\"", true),
            ("*", true),
            ("\"abd\"", false),
        ] {
            assert_eq!(matches_tag(&HeaderValue::from_static(v), tag), ok, "{v}");
        }
    }
}

/// The HTML representations of some read routes and the route patterns they answer
/// (see [`crate::Pages`]).
#[derive(Clone)]
pub(crate) struct Negotiated {
    pub(crate) router: axum::Router,
    pub(crate) paths: Arc<std::collections::HashSet<&'static str>>,
}

/// Sends a GET of a negotiated route to its HTML page when the client prefers `text/html` to
/// JSON (a browser), or asks for it with `?format=html`; `?format=json` forces the JSON. Both
/// answers carry `Vary: Accept`, and each has its own entity tag (the tag is the body's).
pub(crate) async fn negotiate(
    State(pages): State<Negotiated>,
    mut req: Request,
    next: Next,
) -> Response {
    use tower::ServiceExt;

    let negotiated = matches!(*req.method(), Method::GET | Method::HEAD)
        && req
            .extensions()
            .get::<MatchedPath>()
            .is_some_and(|m| pages.paths.contains(m.as_str()));
    if !negotiated {
        return next.run(req).await;
    }
    let (format, rest) = take_format(req.uri().query());
    let html = match format.as_deref() {
        None => prefers_html(req.headers()),
        Some("html") => true,
        Some("json") => false,
        Some(other) => {
            return ApiError::invalid(
                "format",
                format!("{other:?} is not a representation of this resource: html or json"),
            )
            .into_response();
        }
    };
    if format.is_some() {
        let path = req.uri().path();
        let target = match rest {
            Some(q) => format!("{path}?{q}"),
            None => path.to_owned(),
        };
        if let Ok(uri) = target.parse() {
            *req.uri_mut() = uri;
        }
    }
    let mut resp = if html {
        // A fresh request for the pages' own routing: this router's path parameters (an
        // extension) would otherwise be added to the page router's.
        let (parts, body) = req.into_parts();
        let mut fresh = Request::new(body);
        *fresh.method_mut() = parts.method;
        *fresh.uri_mut() = parts.uri;
        *fresh.version_mut() = parts.version;
        *fresh.headers_mut() = parts.headers;
        if let Some(c) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            fresh.extensions_mut().insert(*c);
        }
        if let Some(id) = parts.extensions.get::<RequestId>() {
            fresh.extensions_mut().insert(id.clone());
        }
        match pages.router.oneshot(fresh).await {
            Ok(r) => r,
            Err(never) => match never {},
        }
    } else {
        next.run(req).await
    };
    resp.headers_mut()
        .append(header::VARY, HeaderValue::from_static("accept"));
    resp
}

/// `format=…` out of a query string, and the rest of it.
fn take_format(query: Option<&str>) -> (Option<String>, Option<String>) {
    let Some(q) = query else { return (None, None) };
    let mut format = None;
    let rest: Vec<&str> = q
        .split('&')
        .filter(|pair| match pair.strip_prefix("format=") {
            Some(v) => {
                format = Some(v.to_ascii_lowercase());
                false
            }
            None => *pair != "format",
        })
        .collect();
    let rest = (!rest.is_empty()).then(|| rest.join("&"));
    (format, rest)
}

/// Whether `Accept` ranks HTML above JSON (RFC 9110 §12.5.1 quality values): a browser's
/// `text/html,…,*/*;q=0.8` does; `*/*`, `application/json` or no `Accept` do not.
pub(crate) fn prefers_html(headers: &HeaderMap) -> bool {
    let mut html = 0.0f32;
    let mut json = 0.0f32;
    for value in headers.get_all(header::ACCEPT) {
        let Ok(value) = value.to_str() else { continue };
        for range in value.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0)
                .clamp(0.0, 1.0);
            match media.as_str() {
                "text/html" | "application/xhtml+xml" => html = html.max(q),
                "application/json" | "application/geo+json" | "application/*" | "*/*" => {
                    json = json.max(q)
                }
                _ => {}
            }
        }
    }
    html > 0.0 && html > json
}

/// The fallback when pages are served: a browser asking for an unknown path gets the pages'
/// own not-found page, any other client the OGCR error body.
pub(crate) async fn page_or_not_found(State(pages): State<axum::Router>, req: Request) -> Response {
    use tower::ServiceExt;

    if matches!(*req.method(), Method::GET | Method::HEAD) && prefers_html(req.headers()) {
        return match pages.oneshot(req).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
    }
    crate::routes::meta::not_found(req.uri().clone())
        .await
        .into_response()
}
