//! The delivery worker. Every poll it
//!
//! 1. **queues** what became final: for each active subscription, the events after its
//!    cursor up to the checkpoint's undo floor (blocks no reorg rollback can reach: the
//!    indexer keeps undo records only above it, and stops rather than roll back below it),
//!    mapped to webhook types, filtered by the subscription's types — deliveries and cursor in
//!    one transaction, idempotently;
//! 2. **sends** each active subscription's oldest pending delivery once it is due, one at a
//!    time per subscription (so deliveries arrive in chain order) and several subscriptions
//!    at once, signed with a fresh timestamp, through a client that checks every resolved
//!    address, follows no redirect and uses no proxy;
//! 3. **records** the attempt: delivered on 2xx; otherwise the next attempt after an
//!    exponential backoff with jitter, until the first attempt is [`WebhookPolicy::retry_for`]
//!    old, when the delivery is given up and the subscription disabled with the reason (410
//!    Gone disables it at once).
//!
//! A crash between sending and recording sends that delivery again after the restart, with
//! the same `webhook-id` (at least once). On a stop, attempts in flight finish first.

use std::{
    collections::{BTreeSet, HashSet},
    sync::{Arc, Mutex, RwLock},
};

use ogcr_store::{
    Store,
    webhooks::{AttemptOutcome, DeliveryRow, NewDelivery, WebhookRow, webhook_state},
};
use rand::Rng;
use tokio::{sync::watch, task::JoinSet};
use tracing::{debug, info, warn};

use super::{EventType, WebhookPolicy, events, sign, ssrf};
use crate::engine::now_ms;

/// Events read per query when queueing.
const BATCH: i64 = 500;

/// How often finished deliveries older than [`WebhookPolicy::keep_for`] are removed.
const PRUNE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Sent as `User-Agent`.
const USER_AGENT: &str = concat!("ogcr-webhooks/", env!("CARGO_PKG_VERSION"));

/// The delivery client: no redirects, no proxy, addresses checked by [`ssrf::CheckedResolver`].
pub fn client(policy: &WebhookPolicy) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(ssrf::CheckedResolver {
            allow_private: policy.allow_private,
        })
        .connect_timeout(policy.timeout)
        .timeout(policy.timeout)
        .user_agent(USER_AGENT)
        .build()
        .expect("the webhook client's configuration is valid")
}

/// Removes a subscription from the in-flight set when its attempt ends (or panics).
struct InFlight(Arc<Mutex<HashSet<String>>>, String);

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Ok(mut set) = self.0.lock() {
            set.remove(&self.1);
        }
    }
}

/// Runs until `stop` turns true, working only while `held` (the write API's sender lease:
/// one process per database delivers, so per-subscription order holds).
pub(crate) async fn run(
    store: Store,
    policy: Arc<RwLock<WebhookPolicy>>,
    held: watch::Receiver<bool>,
    mut stop: watch::Receiver<bool>,
) {
    let in_flight: Arc<Mutex<HashSet<String>>> = Arc::default();
    let mut attempts = JoinSet::new();
    let mut http: Option<(bool, reqwest::Client)> = None;
    let mut pruned_at: Option<tokio::time::Instant> = None;
    info!(target: "ogcr::write::webhooks", "webhook delivery worker started");
    loop {
        while attempts.try_join_next().is_some() {}
        if *stop.borrow() {
            break;
        }
        let policy = policy.read().map(|p| p.clone()).unwrap_or_default();
        if *held.borrow() {
            let c = match &http {
                Some((allow, c)) if *allow == policy.allow_private => c.clone(),
                _ => {
                    let c = client(&policy);
                    http = Some((policy.allow_private, c.clone()));
                    c
                }
            };
            if let Err(e) = tick(&store, &policy, &c, &in_flight, &mut attempts, &stop).await {
                warn!(target: "ogcr::write::webhooks", error = %e, "webhook worker: retrying");
            }
            if pruned_at.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
                pruned_at = Some(tokio::time::Instant::now());
                let before = now_ms() - policy.keep_for.as_millis() as i64;
                match store.prune_webhook_deliveries(before).await {
                    Ok(0) => {}
                    Ok(n) => {
                        info!(target: "ogcr::write::webhooks", removed = n, "old webhook deliveries forgotten")
                    }
                    Err(e) => {
                        warn!(target: "ogcr::write::webhooks", error = %e, "cannot prune webhook deliveries")
                    }
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(policy.poll) => {}
            _ = stop.changed() => {}
        }
    }
    // Attempts in flight end (each within the timeout) and are recorded, so a restart does
    // not send them again.
    while attempts.join_next().await.is_some() {}
    info!(target: "ogcr::write::webhooks", "webhook delivery worker stopped");
}

async fn tick(
    store: &Store,
    policy: &WebhookPolicy,
    client: &reqwest::Client,
    in_flight: &Arc<Mutex<HashSet<String>>>,
    attempts: &mut JoinSet<()>,
    stop: &watch::Receiver<bool>,
) -> ogcr_store::Result<()> {
    let subs: Vec<WebhookRow> = store
        .webhooks(None)
        .await?
        .into_iter()
        .filter(|w| w.state == webhook_state::ACTIVE)
        .collect();
    queue_final_events(store, &subs).await?;
    let now = now_ms();
    for sub in subs {
        {
            let set = in_flight
                .lock()
                .expect("the in-flight set is never poisoned");
            if set.contains(&sub.webhook_id) || set.len() >= policy.concurrency.max(1) {
                continue;
            }
        }
        let Some(d) = store.next_webhook_delivery(&sub.webhook_id).await? else {
            continue;
        };
        if d.next_attempt_at > now {
            continue;
        }
        in_flight
            .lock()
            .expect("the in-flight set is never poisoned")
            .insert(sub.webhook_id.clone());
        let guard = InFlight(in_flight.clone(), sub.webhook_id.clone());
        let (store, policy, client) = (store.clone(), policy.clone(), client.clone());
        let stop = stop.clone();
        attempts.spawn(async move {
            let _guard = guard;
            // Delivered: the subscription's next delivery follows at once, in this task (so
            // still one at a time), until one fails, none is due or the worker stops.
            let mut d = d;
            while attempt(&store, &policy, &client, &sub, &d).await && !*stop.borrow() {
                match store.next_webhook_delivery(&sub.webhook_id).await {
                    Ok(Some(next)) if next.next_attempt_at <= now_ms() => d = next,
                    _ => break,
                }
            }
        });
    }
    Ok(())
}

/// Queues, for every active subscription, the final events after its cursor.
async fn queue_final_events(store: &Store, subs: &[WebhookRow]) -> ogcr_store::Result<()> {
    let Some(cs) = store.chain_state().await? else {
        return Ok(());
    };
    let floor = cs.undo_floor;
    for sub in subs {
        let types: HashSet<EventType> = sub
            .events
            .split(' ')
            .filter_map(|t| EventType::parse(t).ok())
            .collect();
        let mut after = (sub.after_block, sub.after_log);
        while after < (floor, i64::MAX) {
            let found = store
                .events_after(after, floor, events::SOURCE_EVENTS, BATCH)
                .await?;
            let full = found.len() as i64 == BATCH;
            let keys: Vec<String> = found
                .iter()
                .filter_map(events::project_key)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let ids = if keys.is_empty() {
                Default::default()
            } else {
                store.project_ids(&keys).await?
            };
            let deliveries: Vec<NewDelivery> = found
                .iter()
                .filter_map(|e| {
                    let ty = events::webhook_of(e).filter(|t| types.contains(t))?;
                    let project = events::project_key(e).and_then(|k| ids.get(&k).cloned());
                    Some(NewDelivery {
                        event_id: events::event_id(e),
                        event_type: ty.as_str().to_owned(),
                        block_number: e.block_number,
                        log_index: e.log_index,
                        payload: events::payload(e, ty, project.as_deref()),
                    })
                })
                .collect();
            let cursor = match found.last() {
                Some(e) if full => (e.block_number, e.log_index),
                _ => (floor, i64::MAX),
            };
            let new = store
                .queue_webhook_deliveries(&sub.webhook_id, &deliveries, cursor, now_ms())
                .await?;
            if new > 0 {
                debug!(target: "ogcr::write::webhooks", webhook = %sub.webhook_id, queued = new, up_to_block = cursor.0, "final events queued");
            }
            if !full {
                break;
            }
            after = cursor;
        }
    }
    Ok(())
}

/// `ms` milliseconds as hours, minutes or seconds.
fn span(ms: i64) -> String {
    match ms {
        ms if ms >= 3_600_000 => format!("{} h", ms / 3_600_000),
        ms if ms >= 60_000 => format!("{} min", ms / 60_000),
        ms => format!("{} s", ms / 1000),
    }
}

/// The error and its causes, as one line.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let s_text = s.to_string();
        if !out.contains(&s_text) {
            out.push_str(": ");
            out.push_str(&s_text);
        }
        cur = s.source();
    }
    out
}

/// Sends one delivery; the receiver's status, or why there is none.
async fn send(
    policy: &WebhookPolicy,
    client: &reqwest::Client,
    sub: &WebhookRow,
    d: &DeliveryRow,
    timestamp: i64,
) -> Result<u16, String> {
    // Checked again: the policy may have changed since it was registered (the resolver
    // checks the addresses of a name; this checks the scheme and an IP-literal host).
    let url = ssrf::check_url(&sub.url, policy.allow_private)?;
    let key = sign::key_of(sub.secret.expose())?;
    let signature = sign::signature(&key, &d.event_id, timestamp, d.payload.as_bytes());
    let resp = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", &d.event_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(d.payload.clone())
        .send()
        .await
        // The URL is the subscription's own (and may carry a token in its query).
        .map_err(|e| chain(&e.without_url()))?;
    Ok(resp.status().as_u16())
}

/// One attempt of delivery `d`, recorded with what follows; true when it was delivered and
/// recorded.
async fn attempt(
    store: &Store,
    policy: &WebhookPolicy,
    client: &reqwest::Client,
    sub: &WebhookRow,
    d: &DeliveryRow,
) -> bool {
    let sent_at = chrono::Utc::now().timestamp();
    let result = send(policy, client, sub, d, sent_at).await;
    let now = now_ms();
    let number = d.attempts + 1;
    let first = d.first_attempt_at.unwrap_or(now);
    let (status, error) = match &result {
        Ok(s) if (200..300).contains(s) => (Some(i64::from(*s)), None),
        Ok(s) if (300..400).contains(s) => (
            Some(i64::from(*s)),
            Some(format!("HTTP {s} (redirects are not followed)")),
        ),
        Ok(s) => (Some(i64::from(*s)), Some(format!("HTTP {s}"))),
        Err(e) => (None, Some(ogcr_core::validation::bounded(e, 500))),
    };
    let outcome = match (&result, &error) {
        (_, None) => AttemptOutcome::Delivered,
        (Ok(410), _) => AttemptOutcome::GiveUp {
            reason: format!(
                "the receiver answered 410 Gone to {} ({}): a receiver that is gone is not \
                 retried",
                d.event_id, d.event_type
            ),
        },
        (_, Some(e)) if now - first >= policy.retry_for.as_millis() as i64 => {
            AttemptOutcome::GiveUp {
                reason: format!(
                    "delivery of {} ({}) failed for {} over {number} attempts; last error: {e}",
                    d.event_id,
                    d.event_type,
                    span(now - first)
                ),
            }
        }
        (_, Some(_)) => {
            let failures = u32::try_from(number).unwrap_or(u32::MAX);
            let wait = policy.backoff(failures, rand::rng().random::<f64>());
            AttemptOutcome::Retry {
                next_attempt_at: now + wait.as_millis() as i64,
            }
        }
    };
    match &outcome {
        AttemptOutcome::Delivered => {
            info!(target: "ogcr::write::webhooks", webhook = %sub.webhook_id, event = %d.event_id, kind = %d.event_type, attempt = number, status, "webhook delivered")
        }
        AttemptOutcome::Retry { next_attempt_at } => {
            warn!(target: "ogcr::write::webhooks", webhook = %sub.webhook_id, event = %d.event_id, attempt = number, status, error = error.as_deref().unwrap_or(""), retry_in_ms = next_attempt_at - now, "webhook delivery failed; retrying")
        }
        AttemptOutcome::GiveUp { reason } => {
            warn!(target: "ogcr::write::webhooks", webhook = %sub.webhook_id, event = %d.event_id, attempt = number, %reason, "webhook delivery given up: subscription disabled")
        }
    }
    match store
        .record_webhook_attempt(
            &sub.webhook_id,
            &d.event_id,
            now,
            status,
            error.as_deref(),
            &outcome,
        )
        .await
    {
        Ok(()) => matches!(outcome, AttemptOutcome::Delivered),
        Err(e) => {
            // Not recorded: the delivery stays due and is sent again (at least once).
            warn!(target: "ogcr::write::webhooks", webhook = %sub.webhook_id, event = %d.event_id, error = %e, "cannot record a webhook attempt");
            false
        }
    }
}
