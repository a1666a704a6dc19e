//! `/webhooks`: an organization's webhook subscriptions (scope `webhooks:manage`). A
//! subscription belongs to the organization of the key that created it; no other
//! organization can see or delete it (they are answered 404, and the attempt is audited as
//! denied). The secret is never returned, except once when the registry generated it.

use axum::{
    Extension, Json,
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use ogcr_api::{ApiError, FieldError, middleware::RequestId};
use ogcr_store::{
    IdempotencyClaim,
    webhooks::{DeliveryFilter, DeliveryRow, NewWebhook, WebhookRow, delivery_state},
};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{Gate, WriteRequest, json_body, truncate};
use crate::{
    Scope, WriteState,
    auth::Principal,
    engine::now_ms,
    webhooks::{EventType, sign, ssrf},
};

/// Most subscriptions one organization may have.
pub const MAX_PER_ORGANIZATION: usize = 50;
/// Longest description.
const MAX_DESCRIPTION: usize = 500;

/// The body of `POST /webhooks`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookBody {
    /// Where to POST the events: `https://…` (plain http and non-public addresses only when
    /// the operator allows private webhook targets).
    #[schema(example = "https://your-app.example.com/webhooks/carbon-registry")]
    pub url: Option<String>,
    /// The event types to receive (at least one).
    #[schema(example = json!(["project.approved", "credit.issued"]))]
    pub events: Option<Vec<String>>,
    /// The signing secret: `whsec_<base64 of 24–64 bytes>` (Standard Webhooks), or any text
    /// of 24–64 bytes. Omitted, the registry generates one and answers it once.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: Option<String>,
    /// Free text (at most 500 characters).
    #[schema(example = "credit issuance feed")]
    pub description: Option<String>,
}

/// Delivery counts of a subscription.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DeliveryCounts {
    /// Queued, not delivered yet.
    pub pending: i64,
    /// Delivered (2xx).
    pub delivered: i64,
    /// Given up.
    pub failed: i64,
}

/// A webhook subscription as the API shows it (never with its secret, except `secret` in the
/// answer that created it when the registry generated it).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct WebhookView {
    /// Id (`GET /webhooks/{webhook_id}`).
    #[schema(example = "wh_3f9a0c1e7b2d4a6c8e0f1a3b5c7d9e1f")]
    pub id: String,
    /// Target URL.
    pub url: String,
    /// Event types delivered.
    pub events: Vec<String>,
    /// Free text.
    pub description: String,
    /// `active`, or `disabled` (see `disabled_reason`).
    #[schema(example = "active")]
    pub status: String,
    /// Why it was disabled (the delivery given up and its last error, or 410 Gone).
    pub disabled_reason: Option<String>,
    /// When it was disabled (RFC 3339).
    pub disabled_at: Option<String>,
    /// The owning organization.
    pub organization: String,
    /// When it was created.
    pub created_at: Option<String>,
    /// Deliveries by state.
    pub deliveries: DeliveryCounts,
    /// The generated secret, in the 201 answer only (store it: it is never shown again).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// `self` and `deliveries`.
    #[schema(value_type = Vec<Object>)]
    pub links: Vec<Value>,
}

/// One delivery as `GET /webhooks/{id}/deliveries` shows it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    /// The event id: the `webhook-id` header of every attempt.
    #[schema(example = "evt_31337_120_3")]
    pub event_id: String,
    /// Event type.
    #[schema(example = "credit.issued")]
    pub event: String,
    /// Block of the event.
    pub block_number: i64,
    /// Its log index.
    pub log_index: i64,
    /// `pending`, `delivered` or `failed` (given up).
    #[schema(example = "delivered")]
    pub status: String,
    /// Attempts made.
    pub attempts: i64,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: Option<String>,
    /// When the last attempt was made.
    pub last_attempt_at: Option<String>,
    /// HTTP status the receiver answered last.
    pub last_status: Option<i64>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was delivered or given up.
    pub finished_at: Option<String>,
    /// The body sent.
    #[schema(value_type = Object)]
    pub payload: Value,
}

fn time(ms: Option<i64>) -> Option<String> {
    ms.and_then(chrono::DateTime::from_timestamp_millis)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

async fn view(
    state: &WriteState,
    w: &WebhookRow,
    secret: Option<String>,
) -> Result<WebhookView, ApiError> {
    let (pending, delivered, failed) = state.store.webhook_delivery_counts(&w.webhook_id).await?;
    Ok(WebhookView {
        id: w.webhook_id.clone(),
        url: w.url.clone(),
        events: w.events.split(' ').map(str::to_owned).collect(),
        description: w.description.clone(),
        status: w.state.clone(),
        disabled_reason: w.disabled_reason.clone(),
        disabled_at: time(w.disabled_at),
        organization: w.organization.clone(),
        created_at: time(Some(w.created_at)),
        deliveries: DeliveryCounts {
            pending,
            delivered,
            failed,
        },
        secret,
        links: vec![
            json!({ "rel": "self", "href": state.url(&format!("/webhooks/{}", w.webhook_id)) }),
            json!({ "rel": "deliveries", "href": state.url(&format!("/webhooks/{}/deliveries", w.webhook_id)) }),
        ],
    })
}

fn delivery_view(d: &DeliveryRow) -> DeliveryView {
    DeliveryView {
        event_id: d.event_id.clone(),
        event: d.event_type.clone(),
        block_number: d.block_number,
        log_index: d.log_index,
        status: d.state.clone(),
        attempts: d.attempts,
        next_attempt_at: (d.state == delivery_state::PENDING)
            .then(|| time(Some(d.next_attempt_at)))
            .flatten(),
        last_attempt_at: time(d.last_attempt_at),
        last_status: d.last_status,
        last_error: d.last_error.clone(),
        finished_at: time(d.finished_at),
        payload: serde_json::from_str(&d.payload).unwrap_or(Value::Null),
    }
}

/// Checks the body; every failing field is listed (the secret is never echoed).
async fn check_body(
    state: &WriteState,
    b: CreateWebhookBody,
) -> Result<(String, Vec<EventType>, Option<String>, String), ApiError> {
    let mut errors = Vec::new();
    let allow_private = state.engine.webhook_policy().allow_private;
    let url = match b.url.as_deref().map(str::trim) {
        None | Some("") => {
            errors.push(
                FieldError::new("/url", "a webhook needs the URL to POST events to")
                    .reason("required")
                    .hint("give an https URL"),
            );
            None
        }
        Some(u) => match ssrf::check_target(u, allow_private).await {
            Ok(_) => Some(u.to_owned()),
            Err(why) => {
                errors.push(
                    FieldError::new("/url", why)
                        .reason("webhook_url_refused")
                        .hint(if allow_private {
                            "give a URL the registry can reach"
                        } else {
                            "give an https URL on a public address"
                        }),
                );
                None
            }
        },
    };
    let mut types = Vec::new();
    match &b.events {
        None => errors.push(
            FieldError::new("/events", "a webhook needs the event types to deliver")
                .reason("required")
                .hint(format!(
                    "a list of: {}",
                    EventType::ALL.map(EventType::as_str).join(", ")
                )),
        ),
        Some(list) if list.is_empty() => errors
            .push(FieldError::new("/events", "give at least one event type").reason("required")),
        Some(list) => {
            for (i, t) in list.iter().enumerate().take(50) {
                match EventType::parse(t.trim()) {
                    Ok(t) => types.push(t),
                    Err(why) => errors.push(
                        FieldError::new(format!("/events/{i}"), why).reason("unknown_event_type"),
                    ),
                }
            }
            if list.len() > 50 {
                errors
                    .push(FieldError::new("/events", "at most 50 event types").reason("too_many"));
            }
        }
    }
    types.sort();
    types.dedup();
    let secret = match b.secret {
        None => None,
        Some(s) => match sign::key_of(&s) {
            Ok(_) => Some(s),
            Err(why) => {
                errors.push(
                    FieldError::new("/secret", why)
                        .reason("invalid_secret")
                        .hint("omit it and the registry generates a whsec_ secret"),
                );
                None
            }
        },
    };
    let description = b.description.unwrap_or_default();
    if description.chars().count() > MAX_DESCRIPTION {
        errors.push(
            FieldError::new(
                "/description",
                format!("at most {MAX_DESCRIPTION} characters"),
            )
            .reason("too_long"),
        );
    }
    match url {
        Some(url) if errors.is_empty() => Ok((url, types, secret, description)),
        _ => Err(ApiError::unprocessable(
            format!(
                "the webhook is not valid: {}",
                errors
                    .iter()
                    .map(|e| e.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            errors,
        )),
    }
}

/// `POST /webhooks`: subscribes a URL to event types. 201 with the subscription; with a
/// generated secret, the only answer that shows it. `Idempotency-Key` replays the first
/// answer (without a generated secret: it is shown once).
pub async fn create(req: WriteRequest) -> Response {
    let (gate, state, body) = req.gate("POST", "/webhooks", "/webhooks".into());
    let p = match gate.principal(Some(Scope::WebhooksManage)).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let idem = match gate.headers.get("idempotency-key") {
        None => None,
        Some(v) => match v.to_str().ok().filter(|k| !k.is_empty() && k.len() <= 255) {
            Some(k) => Some(k.to_owned()),
            None => {
                let e =
                    ApiError::invalid("Idempotency-Key", "must be 1–255 visible ASCII characters");
                return gate.refuse(Some(&p), e).await;
            }
        },
    };
    if let Some(key) = &idem {
        let hash = hex::encode(Sha256::digest(
            [b"POST\0/webhooks\0".as_slice(), body.as_ref()].concat(),
        ));
        match state
            .store
            .claim_idempotency(&p.organization, key, &hash, now_ms())
            .await
        {
            Ok(IdempotencyClaim::New) => {}
            Ok(IdempotencyClaim::Replay(status, stored)) => return replay(status, &stored),
            Ok(IdempotencyClaim::Mismatch) => {
                let e = ApiError::unprocessable(
                    "this Idempotency-Key was used with another request",
                    vec![
                        FieldError::new(
                            "Idempotency-Key",
                            format!(
                                "{:?} was first used with a different body",
                                truncate(key, 80)
                            ),
                        )
                        .hint("use a new key for a new request")
                        .reason("idempotency_key_reused"),
                    ],
                );
                return gate.refuse(Some(&p), e).await;
            }
            Ok(IdempotencyClaim::InProgress) => {
                let e = ApiError::conflict(
                    "idempotency_in_progress",
                    "Idempotency-Key",
                    "the first request with this Idempotency-Key is still being handled; retry shortly",
                );
                return gate.refuse(Some(&p), e).await;
            }
            Err(e) => return gate.refuse(Some(&p), e.into()).await,
        }
    }
    let answer = create_checked(&gate, state, &p, body).await;
    if let Some(key) = &idem {
        match &answer {
            Ok((status, stored, _)) => {
                let _ = state
                    .store
                    .finish_idempotency(&p.organization, key, *status, stored)
                    .await;
            }
            Err(_) => {
                let _ = state.store.release_idempotency(&p.organization, key).await;
            }
        }
    }
    match answer {
        Ok((_, _, r)) => r,
        Err(r) => r,
    }
}

/// The checks and the insert of `POST /webhooks`: the status and stored answer (for
/// `Idempotency-Key`, without a generated secret) and the response.
async fn create_checked(
    gate: &Gate<'_>,
    state: &WriteState,
    p: &Principal,
    body: &axum::body::Bytes,
) -> Result<(i64, String, Response), Response> {
    let parsed: CreateWebhookBody = match json_body(body) {
        Ok(b) => b,
        Err(e) => return Err(gate.refuse(Some(p), e).await),
    };
    let (url, types, secret, description) = match check_body(state, parsed).await {
        Ok(x) => x,
        Err(e) => return Err(gate.refuse(Some(p), e).await),
    };
    let existing = match state.store.webhooks(Some(&p.organization)).await {
        Ok(w) => w.len(),
        Err(e) => return Err(gate.refuse(Some(p), e.into()).await),
    };
    if existing >= MAX_PER_ORGANIZATION {
        let e = ApiError::conflict(
            "too_many_webhooks",
            "url",
            format!(
                "organization {} has {existing} webhooks, the most allowed; delete one first",
                p.organization
            ),
        );
        return Err(gate.refuse(Some(p), e).await);
    }
    // It receives what becomes final from now on.
    let after = match state.store.chain_state().await {
        Ok(Some(cs)) => (cs.undo_floor, i64::MAX),
        Ok(None) => (-1, -1),
        Err(e) => return Err(gate.refuse(Some(p), e.into()).await),
    };
    let generated = secret.is_none();
    let secret = secret.unwrap_or_else(sign::generate_secret);
    let new = NewWebhook {
        webhook_id: format!("wh_{}", uuid::Uuid::new_v4().simple()),
        organization: p.organization.clone(),
        key_id: p.key_id.clone(),
        url,
        events: types
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        secret: secret.clone(),
        description,
        after,
        created_at: now_ms(),
    };
    let row = match state.store.insert_webhook(&new).await {
        Ok(r) => r,
        Err(e) => return Err(gate.refuse(Some(p), e.into()).await),
    };
    let stored_view = match view(state, &row, None).await {
        Ok(v) => v,
        Err(e) => return Err(gate.refuse(Some(p), e).await),
    };
    let mut shown = stored_view.clone();
    if generated {
        shown.secret = Some(secret);
    }
    // The host only: a URL's path or query may carry the receiver's own token.
    let host = reqwest::Url::parse(&row.url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    tracing::info!(target: "ogcr::write::webhooks", webhook = %row.webhook_id, organization = %p.organization, %host, events = %row.events, "webhook registered");
    let gate_path = format!("/webhooks/{}", row.webhook_id);
    let audit_gate = Gate {
        state: gate.state,
        headers: gate.headers,
        request_id: gate.request_id.clone(),
        method: gate.method,
        route: gate.route,
        path: gate_path.clone(),
    };
    audit_gate
        .audit(Some(p), "accepted", StatusCode::CREATED, "ok", None)
        .await;
    let location = state.url(&gate_path);
    let stored = json!({ "location": location, "body": stored_view }).to_string();
    let mut r = (StatusCode::CREATED, Json(shown)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok((201, stored, r))
}

fn replay(status: i64, stored: &str) -> Response {
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::CREATED);
    let stored: Value = serde_json::from_str(stored).unwrap_or(Value::Null);
    let mut r = (status, Json(&stored["body"])).into_response();
    if let Some(loc) = stored["location"].as_str()
        && let Ok(v) = HeaderValue::from_str(loc)
    {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r.headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    r
}

/// The caller's subscription `id`, or the refusal: 404 when there is none or it is another
/// organization's (audited as denied, so the audit log shows the attempt).
async fn own(gate: &Gate<'_>, p: &Principal, id: &str) -> Result<WebhookRow, Response> {
    let missing = || {
        ApiError::not_found(format!(
            "no webhook {} of organization {}",
            truncate(id, 80),
            p.organization
        ))
    };
    match gate.state.store.webhook(id).await {
        Ok(Some(w)) if w.organization == p.organization => Ok(w),
        Ok(Some(_)) => {
            gate.audit(
                Some(p),
                "denied",
                StatusCode::NOT_FOUND,
                "other_organization",
                None,
            )
            .await;
            Err(missing().into_response())
        }
        Ok(None) => Err(gate.refuse(Some(p), missing()).await),
        Err(e) => Err(gate.refuse(Some(p), e.into()).await),
    }
}

/// `GET /webhooks`: the caller's organization's subscriptions, oldest first.
pub async fn list(
    State(state): State<WriteState>,
    rid: Option<Extension<RequestId>>,
    headers: HeaderMap,
) -> Response {
    let gate = Gate::new(
        &state,
        &headers,
        rid.as_deref(),
        "GET",
        "/webhooks",
        "/webhooks".into(),
    );
    let p = match gate.principal(Some(Scope::WebhooksManage)).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let rows = match state.store.webhooks(Some(&p.organization)).await {
        Ok(r) => r,
        Err(e) => return gate.refuse(Some(&p), e.into()).await,
    };
    let mut data = Vec::with_capacity(rows.len());
    for w in &rows {
        match view(&state, w, None).await {
            Ok(v) => data.push(v),
            Err(e) => return gate.refuse(Some(&p), e).await,
        }
    }
    Json(json!({ "data": data })).into_response()
}

/// `GET /webhooks/{id}`: one subscription, with its state and why it was disabled.
pub async fn show(
    State(state): State<WriteState>,
    rid: Option<Extension<RequestId>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let gate = Gate::new(
        &state,
        &headers,
        rid.as_deref(),
        "GET",
        "/webhooks/{webhook_id}",
        format!("/webhooks/{}", truncate(&id, 80)),
    );
    let p = match gate.principal(Some(Scope::WebhooksManage)).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let w = match own(&gate, &p, &id).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    match view(&state, &w, None).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => gate.refuse(Some(&p), e).await,
    }
}

/// `DELETE /webhooks/{id}`: removes the subscription and its queue (204); nothing more is
/// sent to it, an attempt in flight aside.
pub async fn delete(
    State(state): State<WriteState>,
    rid: Option<Extension<RequestId>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let gate = Gate::new(
        &state,
        &headers,
        rid.as_deref(),
        "DELETE",
        "/webhooks/{webhook_id}",
        format!("/webhooks/{}", truncate(&id, 80)),
    );
    let p = match gate.principal(Some(Scope::WebhooksManage)).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(r) = own(&gate, &p, &id).await {
        return r;
    }
    match state.store.delete_webhook(&p.organization, &id).await {
        Ok(true) => {
            tracing::info!(target: "ogcr::write::webhooks", webhook = %id, organization = %p.organization, "webhook deleted");
            gate.audit(Some(&p), "accepted", StatusCode::NO_CONTENT, "ok", None)
                .await;
            StatusCode::NO_CONTENT.into_response()
        }
        // Deleted by a concurrent request.
        Ok(false) => {
            let e = ApiError::not_found(format!(
                "no webhook {} of organization {}",
                truncate(&id, 80),
                p.organization
            ));
            gate.refuse(Some(&p), e).await
        }
        Err(e) => gate.refuse(Some(&p), e.into()).await,
    }
}

/// `POST /webhooks/{id}/enable`: makes a disabled subscription active again (200 with it).
/// Its queue resumes at the next pending delivery — the given-up one stays failed — and the
/// events that became final while it was disabled follow, in order.
pub async fn enable(Path(id): Path<String>, req: WriteRequest) -> Response {
    let path = format!("/webhooks/{}/enable", truncate(&id, 80));
    let (gate, state, _) = req.gate("POST", "/webhooks/{webhook_id}/enable", path);
    let p = match gate.principal(Some(Scope::WebhooksManage)).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(r) = own(&gate, &p, &id).await {
        return r;
    }
    if let Err(e) = state
        .store
        .enable_webhook(&p.organization, &id, now_ms())
        .await
    {
        return gate.refuse(Some(&p), e.into()).await;
    }
    let w = match own(&gate, &p, &id).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    tracing::info!(target: "ogcr::write::webhooks", webhook = %id, organization = %p.organization, "webhook enabled");
    gate.audit(Some(&p), "accepted", StatusCode::OK, "ok", None)
        .await;
    match view(state, &w, None).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => gate.refuse(Some(&p), e).await,
    }
}

/// Filters of `GET /webhooks/{id}/deliveries`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesQuery {
    /// Only this state (pending, delivered, failed).
    state: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1–500 (default 100).
    limit: Option<i64>,
}

/// `GET /webhooks/{id}/deliveries`: the subscription's deliveries in event order.
pub async fn deliveries(
    State(state): State<WriteState>,
    rid: Option<Extension<RequestId>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    query: Result<Query<DeliveriesQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let gate = Gate::new(
        &state,
        &headers,
        rid.as_deref(),
        "GET",
        "/webhooks/{webhook_id}/deliveries",
        format!("/webhooks/{}/deliveries", truncate(&id, 80)),
    );
    let p = match gate.principal(Some(Scope::WebhooksManage)).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let q = match query {
        Ok(Query(q)) => q,
        Err(e) => {
            let e = ApiError::invalid("query", truncate(&e.body_text(), 300));
            return gate.refuse(Some(&p), e).await;
        }
    };
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        let e = ApiError::invalid("limit", format!("must be between 1 and 500, got {limit}"));
        return gate.refuse(Some(&p), e).await;
    }
    let after = match q.cursor.as_deref() {
        None => None,
        Some(c) => match c
            .split_once('.')
            .and_then(|(b, l)| Some((b.parse::<i64>().ok()?, l.parse::<i64>().ok()?)))
        {
            Some(pos) => Some(pos),
            None => {
                let e = ApiError::invalid("cursor", "not a next_cursor of this list");
                return gate.refuse(Some(&p), e).await;
            }
        },
    };
    if let Some(s) = &q.state
        && ![
            delivery_state::PENDING,
            delivery_state::DELIVERED,
            delivery_state::FAILED,
        ]
        .contains(&s.as_str())
    {
        let e = ApiError::invalid(
            "state",
            format!("{:?} is not pending, delivered or failed", truncate(s, 40)),
        );
        return gate.refuse(Some(&p), e).await;
    }
    if let Err(r) = own(&gate, &p, &id).await {
        return r;
    }
    let filter = DeliveryFilter {
        state: q.state,
        after,
        limit,
    };
    match state.store.webhook_deliveries(&id, &filter).await {
        Ok(rows) => {
            let next = (rows.len() as i64 == limit)
                .then(|| {
                    rows.last()
                        .map(|d| format!("{}.{}", d.block_number, d.log_index))
                })
                .flatten();
            let data: Vec<DeliveryView> = rows.iter().map(delivery_view).collect();
            Json(json!({ "data": data, "next_cursor": next })).into_response()
        }
        Err(e) => gate.refuse(Some(&p), e.into()).await,
    }
}
