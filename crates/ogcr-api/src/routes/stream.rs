//! `/events/stream`: the event feed as Server-Sent Events, for clients that follow the chain
//! (a market indexer, a dashboard) without polling `/events`.
//!
//! Each event is one SSE message whose `id` is the `/events` cursor of that event and whose
//! `data` is the event as `/events` gives it. A client that reconnects sends the last id it
//! received as `Last-Event-ID` (browsers' `EventSource` does so by itself) and the stream goes
//! on from the next event: nothing is lost or repeated. When the chain reorganises under
//! events already sent, the stream sends an `event: reorg` message naming the last block that
//! still stands, then the events of the new chain after it.

use std::{collections::VecDeque, convert::Infallible, time::Duration};

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, header},
    response::{
        IntoResponse, Response,
        sse::{Event as SseEvent, KeepAlive, Sse},
    },
};
use ogcr_store::{
    Store, Val,
    query::{EventFilter, EventSort, PageRequest, Sort},
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    AppState,
    error::{ApiError, ErrorBody},
    params::{self, Q},
    routes::{chain, events::what},
    views::EventView,
};

/// How often a stream looks for new data (one cheap read of the data revision).
const POLL: Duration = Duration::from_millis(500);
/// Events read per query; more are sent at once without waiting for the next poll.
const BATCH: i64 = 100;
/// Blocks remembered (with their hashes) to find where a reorg starts.
const REMEMBERED_BLOCKS: usize = 256;
/// A comment line this often keeps proxies from closing an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Filters and start of `GET /events/stream`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// Contracts, comma-separated: OGCRAccessControl, ProjectRegistry, MRVRegistry,
    /// CarbonRemovalUnit.
    #[param(
        example = "CarbonRemovalUnit",
        pattern = r"^(OGCRAccessControl|ProjectRegistry|MRVRegistry|CarbonRemovalUnit)(,(OGCRAccessControl|ProjectRegistry|MRVRegistry|CarbonRemovalUnit))*$"
    )]
    contract: Option<String>,
    /// Event names, comma-separated (e.g. CRUMinted,CRURetired).
    #[param(
        example = "CRURetired",
        pattern = r"^[A-Za-z0-9_]{1,64}(,[A-Za-z0-9_]{1,64})*$"
    )]
    event: Option<String>,
    /// An address the event concerns: emitter, indexed topic or address argument.
    #[param(pattern = r"^0[xX][0-9a-fA-F]{40}$")]
    address: Option<String>,
    /// A project the event concerns, by its id (as on `/events`).
    #[param(example = "OGCR-BR-0001")]
    project_id: Option<String>,
    /// The same as `project_id`.
    project: Option<String>,
    /// Where to start: the events after this `/events` `next_cursor` or stream message id;
    /// empty: from the first event. Without it (and without `Last-Event-ID`) the stream starts
    /// with the next new event. `Last-Event-ID`, when sent, wins.
    cursor: Option<String>,
}

/// Follow the event feed as it grows (Server-Sent Events).
#[utoipa::path(get, path = "/events/stream", operation_id = "streamEvents", tag = "events",
    params(
        StreamQuery,
        ("Last-Event-ID" = Option<String>, Header, description = "The id of the last message received: the stream resumes after it"),
    ),
    responses(
        (status = 200, description = "A stream of `text/event-stream` messages: each event as `/events` gives it (`id`: its cursor), and `event: reorg` messages (`data`: `{\"block_number\": n, \"id\": …}`, the last block that still stands) when the chain reorganises under events already sent", content_type = "text/event-stream", body = String),
        (status = 400, description = "A parameter or Last-Event-ID is invalid", body = ErrorBody),
        (status = 404, description = "No such project", body = ErrorBody),
        (status = 503, description = "The indexer has not indexed this database yet", body = ErrorBody),
    ))]
pub async fn stream(
    State(state): State<AppState>,
    draining: Option<axum::Extension<crate::Draining>>,
    headers: HeaderMap,
    Q(q): Q<StreamQuery>,
) -> Result<Response, ApiError> {
    let filter = what(
        q.contract.as_deref(),
        q.event.as_deref(),
        q.address.as_deref(),
    )?;
    let last_event_id = match headers.get("last-event-id") {
        Some(v) => Some(
            v.to_str()
                .map_err(|_| ApiError::invalid("Last-Event-ID", "is not ASCII"))?
                .to_owned(),
        ),
        None => None,
    };
    let start = match (last_event_id.as_deref(), q.cursor.as_deref()) {
        (Some(id), _) => Start::After(position("Last-Event-ID", id)?),
        (None, Some("")) => Start::Beginning,
        (None, Some(c)) => Start::After(position("cursor", c)?),
        (None, None) => Start::Now,
    };
    chain(&state).await?;
    let filter = EventFilter {
        project_key: crate::routes::events::project_key(&state, q.project_id, q.project).await?,
        ..filter
    };
    let mut follower = Follower {
        store: state.store.clone(),
        filter,
        after: None,
        seen: VecDeque::new(),
        revision: None,
        pending: VecDeque::new(),
        hurry: true,
        draining: draining.map(|d| d.0.0.clone()),
    };
    match start {
        Start::Beginning => {}
        Start::After(p) => follower.after = Some(p),
        Start::Now => follower.start_now().await?,
    }
    let events = futures::stream::unfold(follower, |mut f| async move {
        loop {
            if let Some(message) = f.pending.pop_front() {
                return Some((Ok::<_, Infallible>(message), f));
            }
            if !f.step().await {
                // The server stops: end the stream (the client reconnects elsewhere with its
                // Last-Event-ID).
                return None;
            }
        }
    });
    let mut resp = Sse::new(events)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response();
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // Proxies such as nginx buffer responses unless told not to.
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(resp)
}

enum Start {
    Beginning,
    After((i64, i64)),
    Now,
}

/// The (block, log index) of a cursor or message id.
fn position(field: &str, raw: &str) -> Result<(i64, i64), ApiError> {
    match params::decode_cursor_as(field, raw)?.as_slice() {
        [Val::Int(Some(b)), Val::Int(Some(l))] => Ok((*b, *l)),
        _ => Err(ApiError::invalid(
            field,
            format!("{raw:?} is not an id of this stream or a next_cursor of /events"),
        )),
    }
}

fn id_of(block: i64, log: i64) -> String {
    params::encode_cursor(&[block.into(), log.into()])
}

/// One client's position in the feed.
struct Follower {
    store: Store,
    filter: EventFilter,
    /// The last event sent (or the start position).
    after: Option<(i64, i64)>,
    /// The blocks of the events sent, with their hashes, oldest first.
    seen: VecDeque<(i64, String)>,
    /// The data revision last read in full.
    revision: Option<i64>,
    /// Messages ready to send.
    pending: VecDeque<SseEvent>,
    /// Read again without waiting (a full batch came, or the stream just started).
    hurry: bool,
    /// Turns true when the server stops (absent when the router runs without `serve_with`).
    draining: Option<tokio::sync::watch::Receiver<bool>>,
}

impl Follower {
    /// Starts after the newest event that matches.
    async fn start_now(&mut self) -> Result<(), ApiError> {
        let newest = EventFilter {
            sort: Sort {
                by: EventSort::CreatedAt,
                descending: true,
            },
            ..self.filter.clone()
        };
        let page = self
            .store
            .events(
                &newest,
                &PageRequest::Cursor {
                    limit: 1,
                    after: None,
                },
            )
            .await?;
        if let Some(e) = page.rows.first() {
            self.after = Some((e.block_number, e.log_index));
            self.seen.push_back((e.block_number, e.block_hash.clone()));
        }
        Ok(())
    }

    /// Waits for the next poll and queues what changed; false once the server stops. A failed
    /// read is logged and retried at the next poll: the client stays connected through a
    /// database restart.
    async fn step(&mut self) -> bool {
        if self.draining.as_ref().is_some_and(|d| *d.borrow()) {
            return false;
        }
        if !std::mem::take(&mut self.hurry) {
            match &mut self.draining {
                Some(d) => {
                    tokio::select! {
                        _ = tokio::time::sleep(POLL) => {}
                        _ = d.changed() => return false,
                    }
                }
                None => tokio::time::sleep(POLL).await,
            }
        }
        let revision = match self.store.revision().await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(target: "ogcr::api", error = %e, "event stream: reading the revision failed");
                return true;
            }
        };
        if self.revision == Some(revision) {
            return true;
        }
        match self.advance().await {
            // A full batch: the revision is not read in full yet.
            Ok(()) if self.hurry => {}
            Ok(()) => self.revision = Some(revision),
            Err(e) => {
                tracing::warn!(target: "ogcr::api", error = %e, "event stream: reading events failed");
            }
        }
        true
    }

    /// Notices a reorg under the events sent, then queues the next events.
    async fn advance(&mut self) -> Result<(), ogcr_store::Error> {
        if let Some((block, hash)) = self.seen.back().cloned()
            && self.store.event_block_hash(block).await?.as_deref() != Some(hash.as_str())
        {
            self.rewind().await?;
        }
        let page = self
            .store
            .events(
                &self.filter,
                &PageRequest::Cursor {
                    limit: BATCH,
                    after: self.after.map(|(b, l)| vec![b.into(), l.into()]),
                },
            )
            .await?;
        for e in page.rows {
            let id = id_of(e.block_number, e.log_index);
            if self.seen.back().map(|(b, _)| *b) != Some(e.block_number) {
                self.seen.push_back((e.block_number, e.block_hash.clone()));
                if self.seen.len() > REMEMBERED_BLOCKS {
                    self.seen.pop_front();
                }
            }
            self.after = Some((e.block_number, e.log_index));
            let data =
                serde_json::to_string(&EventView::from(e)).expect("an event view serialises");
            self.pending
                .push_back(SseEvent::default().id(id).data(data));
        }
        self.hurry = page.has_more;
        Ok(())
    }

    /// After a reorg: goes back to the newest block sent that still stands (or before the
    /// oldest remembered), tells the client, and goes on from there.
    async fn rewind(&mut self) -> Result<(), ogcr_store::Error> {
        let oldest = self.seen.front().map_or(0, |(b, _)| *b);
        let mut standing = None;
        while let Some((block, hash)) = self.seen.pop_back() {
            if self.store.event_block_hash(block).await?.as_deref() == Some(hash.as_str()) {
                self.seen.push_back((block, hash));
                standing = Some(block);
                break;
            }
        }
        let block = standing.unwrap_or(oldest - 1);
        // Every log of that block was sent or skipped: go on after its last.
        let id = id_of(block, i64::MAX);
        self.after = Some((block, i64::MAX));
        tracing::info!(target: "ogcr::api", block, "event stream: reorg, resuming after block");
        self.pending.push_back(
            SseEvent::default()
                .event("reorg")
                .id(id.clone())
                .data(serde_json::json!({ "block_number": block, "id": id }).to_string()),
        );
        Ok(())
    }
}
