//! The write routes and the gate every one of them passes: authenticate, check the scope,
//! the organization's signing account and its on-chain role, claim the idempotency key, run
//! the route's checks, queue the task, audit the decision, answer (or wait).

use std::time::Duration;

use alloy::primitives::Address;
use axum::{
    body::Bytes,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use ogcr_api::{ApiError, FieldError};
use ogcr_store::{
    IdempotencyClaim, TaskRow,
    gateway::{NewAudit, NewTask, task_state},
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

use crate::{
    WriteState,
    auth::{self, Principal, Scope},
    engine::now_ms,
    ops::{Operation, Step},
};

/// `POST /credits/…`.
pub mod credits;
/// `/tasks`, `/documents`, `/audit`.
pub mod misc;
/// `POST /projects/{id}/monitoring…`.
pub mod monitoring;
/// `POST /projects…`.
pub mod projects;
/// `/webhooks…`: subscriptions and their deliveries.
pub mod webhooks;

/// The on-chain role a route needs (checked against the indexed `role_members`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Developer,
    Validator,
    Verifier,
    RegistryOperator,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Developer => "developer",
            Role::Validator => "validator",
            Role::Verifier => "verifier",
            Role::RegistryOperator => "registry_operator",
        }
    }
}

/// Whether the caller's account holds `role`: the indexed roles, and the chain itself when
/// the index says no (it may lag a fresh grant).
pub(crate) async fn has_role(
    state: &WriteState,
    role: Role,
    caller: &Caller,
) -> Result<bool, ApiError> {
    if state
        .store
        .has_role(role.as_str(), &caller.account_hex())
        .await?
    {
        return Ok(true);
    }
    state
        .engine
        .chain_has_role(role.as_str(), caller.account)
        .await
        .map_err(|e| {
            tracing::warn!(target: "ogcr::write", error = %e, "cannot read a role from the chain");
            ApiError::unavailable(
                "the chain is not reachable to check the caller's role; retry shortly",
            )
        })
}

/// The authenticated caller of a write route.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) principal: Principal,
    pub(crate) account: Address,
}

impl Caller {
    pub(crate) fn account_hex(&self) -> String {
        format!("{:#x}", self.account)
    }
}

/// What a route's checks decided to send.
#[derive(Debug)]
pub(crate) struct Planned {
    pub(crate) op: Operation,
    /// 201 rather than 200 once indexed (a new resource).
    pub(crate) creates: bool,
    /// Fields added to the answer (issued id, validation results, commitment …).
    pub(crate) extra: Value,
}

/// A write request as its handler takes it: the state, the request id, the headers and the
/// body (read whole, within the body limit). Extract it last, after the path.
pub struct WriteRequest {
    state: WriteState,
    rid: Option<ogcr_api::middleware::RequestId>,
    headers: HeaderMap,
    body: Bytes,
}

impl std::fmt::Debug for WriteRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteRequest")
            .field("body_bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl axum::extract::FromRequest<WriteState> for WriteRequest {
    type Rejection = Response;

    async fn from_request(
        req: axum::extract::Request,
        state: &WriteState,
    ) -> Result<Self, Self::Rejection> {
        let rid = req
            .extensions()
            .get::<ogcr_api::middleware::RequestId>()
            .cloned();
        let headers = req.headers().clone();
        let body = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(WriteRequest {
            state: state.clone(),
            rid,
            headers,
            body,
        })
    }
}

impl WriteRequest {
    /// The gate of `method route` (`path` is the request's own), with the state and body the
    /// route's checks read.
    pub(crate) fn gate(
        &self,
        method: &'static str,
        route: &'static str,
        path: String,
    ) -> (Gate<'_>, &WriteState, &Bytes) {
        (
            Gate::new(
                &self.state,
                &self.headers,
                self.rid.as_ref(),
                method,
                route,
                path,
            ),
            &self.state,
            &self.body,
        )
    }
}

/// One write request on its way through the gate.
pub(crate) struct Gate<'a> {
    pub(crate) state: &'a WriteState,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) request_id: String,
    pub(crate) method: &'static str,
    pub(crate) route: &'static str,
    pub(crate) path: String,
}

fn request_id(headers: &HeaderMap, ext: Option<&ogcr_api::middleware::RequestId>) -> String {
    ext.map(|r| r.0.clone())
        .or_else(|| {
            headers
                .get(ogcr_api::middleware::REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_default()
}

impl<'a> Gate<'a> {
    pub(crate) fn new(
        state: &'a WriteState,
        headers: &'a HeaderMap,
        rid: Option<&ogcr_api::middleware::RequestId>,
        method: &'static str,
        route: &'static str,
        path: String,
    ) -> Self {
        Gate {
            state,
            headers,
            request_id: request_id(headers, rid),
            method,
            route,
            path,
        }
    }

    async fn audit(
        &self,
        who: Option<&Principal>,
        outcome: &str,
        status: StatusCode,
        reason: &str,
        task_id: Option<&str>,
    ) {
        let e = NewAudit {
            at: now_ms(),
            organization: who.map(|p| p.organization.clone()),
            key_id: who.map(|p| p.key_id.clone()),
            method: self.method.to_owned(),
            route: self.route.to_owned(),
            resource: Some(self.path.clone()),
            outcome: outcome.to_owned(),
            status: i64::from(status.as_u16()),
            reason: reason.to_owned(),
            request_id: self.request_id.clone(),
            task_id: task_id.map(str::to_owned),
        };
        if let Err(err) = self.state.store.append_audit(&e).await {
            tracing::error!(target: "ogcr::write::audit", error = %err, route = self.route, "cannot append to the audit log");
        }
    }

    /// Audits an error answer and returns it.
    pub(crate) async fn refuse(&self, who: Option<&Principal>, err: ApiError) -> Response {
        let outcome = match err.status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => "denied",
            s if s.is_server_error() => "failed",
            _ => "invalid",
        };
        let reason = err
            .details
            .iter()
            .find_map(|d| d.reason.clone())
            .unwrap_or_else(|| err.code.to_owned());
        self.audit(who, outcome, err.status, &reason, None).await;
        err.into_response()
    }

    /// Authenticates; the caller must hold `scope`. (Reads of the caller's own tasks use this
    /// too.)
    pub(crate) async fn principal(&self, scope: Option<Scope>) -> Result<Principal, Response> {
        let now = chrono::Utc::now().timestamp();
        let issuer = crate::oauth::routes::issuer(self.state);
        let oauth = Some(&*self.state.oauth);
        let p = match auth::authenticate_with(
            &self.state.store,
            oauth,
            Some(&issuer),
            self.headers,
            now,
        )
        .await
        {
            Ok(Ok(p)) => p,
            Ok(Err(why)) => return Err(self.refuse(None, why.into_error()).await),
            Err(e) => return Err(self.refuse(None, e.into()).await),
        };
        if let Some(scope) = scope
            && let Err(e) = p.require(scope)
        {
            return Err(self.refuse(Some(&p), e).await);
        }
        Ok(p)
    }

    /// Authenticates, checks scope, account and role, then runs `check` and queues what it
    /// plans. `role` is the on-chain role the organization's account must hold.
    pub(crate) async fn run<F, Fut>(
        self,
        scope: Scope,
        role: Option<Role>,
        body: &Bytes,
        check: F,
    ) -> Response
    where
        F: FnOnce(Caller) -> Fut,
        Fut: std::future::Future<Output = Result<Planned, ApiError>>,
    {
        let principal = match self.principal(Some(scope)).await {
            Ok(p) => p,
            Err(r) => return r,
        };
        let Some(org) = self.state.engine.orgs().get(&principal.organization) else {
            let e = ApiError::forbidden(
                "no_signing_account",
                format!(
                    "organization {} has no on-chain account configured on this registry \
                     (the operator lists it in the organizations file)",
                    principal.organization
                ),
            );
            return self.refuse(Some(&principal), e).await;
        };
        let caller = Caller {
            account: org.address,
            principal: principal.clone(),
        };
        if let Some(role) = role {
            match has_role(self.state, role, &caller).await {
                Ok(true) => {}
                Ok(false) => {
                    let e = ApiError::forbidden(
                        "missing_role",
                        format!(
                            "organization {} (account {}) does not hold the on-chain {} role",
                            principal.organization,
                            caller.account,
                            role.as_str()
                        ),
                    );
                    return self.refuse(Some(&principal), e).await;
                }
                Err(e) => return self.refuse(Some(&principal), e).await,
            }
        }
        // Idempotency: the same key and request replay the first answer.
        let idem = match self.headers.get("idempotency-key") {
            None => None,
            Some(v) => match v.to_str().ok().filter(|k| !k.is_empty() && k.len() <= 255) {
                Some(k) => Some(k.to_owned()),
                None => {
                    let e = ApiError::invalid(
                        "Idempotency-Key",
                        "must be 1–255 visible ASCII characters",
                    );
                    return self.refuse(Some(&principal), e).await;
                }
            },
        };
        let hash = {
            let mut h = Sha256::new();
            h.update(self.method.as_bytes());
            h.update([0]);
            h.update(self.path.as_bytes());
            h.update([0]);
            h.update(body);
            hex::encode(h.finalize())
        };
        if let Some(key) = &idem {
            match self
                .state
                .store
                .claim_idempotency(&principal.organization, key, &hash, now_ms())
                .await
            {
                Ok(IdempotencyClaim::New) => {}
                Ok(IdempotencyClaim::Replay(status, body)) => {
                    return replay(status, &body);
                }
                Ok(IdempotencyClaim::Mismatch) => {
                    let e = ApiError::unprocessable(
                        "this Idempotency-Key was used with another request",
                        vec![
                            FieldError::new(
                                "Idempotency-Key",
                                format!(
                                    "{key:?} was first used with a different method, path or body"
                                ),
                            )
                            .hint("use a new key for a new request")
                            .reason("idempotency_key_reused"),
                        ],
                    );
                    return self.refuse(Some(&principal), e).await;
                }
                Ok(IdempotencyClaim::InProgress) => {
                    let e = ApiError::conflict(
                        "idempotency_in_progress",
                        "Idempotency-Key",
                        "the first request with this Idempotency-Key is still being handled; retry shortly",
                    );
                    return self.refuse(Some(&principal), e).await;
                }
                Err(e) => return self.refuse(Some(&principal), e.into()).await,
            }
        }
        let release = |s: &WriteState| {
            let store = s.store.clone();
            let org = principal.organization.clone();
            let key = idem.clone();
            async move {
                if let Some(k) = key {
                    let _ = store.release_idempotency(&org, &k).await;
                }
            }
        };
        let planned = match check(caller.clone()).await {
            Ok(p) => p,
            Err(e) => {
                release(self.state).await;
                return self.refuse(Some(&principal), e).await;
            }
        };
        let wait = prefer_wait(self.headers).map(|w| w.min(self.state.config.max_wait));
        let mut updates = self.state.engine.subscribe();
        let task = NewTask {
            task_id: uuid::Uuid::new_v4().to_string(),
            organization: principal.organization.clone(),
            key_id: principal.key_id.clone(),
            account: caller.account_hex(),
            kind: planned.op.kind().to_owned(),
            request: serde_json::to_string(&planned.op).expect("operations serialise"),
            created_at: now_ms(),
        };
        let task = match self.state.store.insert_task(&task).await {
            Ok(t) => t,
            Err(e) => {
                release(self.state).await;
                return self.refuse(Some(&principal), e.into()).await;
            }
        };
        self.state.engine.wake(caller.account);
        self.audit(
            Some(&principal),
            "accepted",
            StatusCode::ACCEPTED,
            "ok",
            Some(&task.task_id),
        )
        .await;
        let accepted = accepted_answer(self.state, &task, &planned.extra);
        if let Some(key) = &idem {
            let _ = self
                .state
                .store
                .finish_idempotency(
                    &principal.organization,
                    key,
                    202,
                    &json!({
                        "location": self.state.url(&format!("/tasks/{}", task.task_id)),
                        "body": accepted,
                    })
                    .to_string(),
                )
                .await;
        }
        if let Some(wait) = wait {
            let deadline = tokio::time::Instant::now() + wait;
            loop {
                let current = match self.state.store.task(&task.task_id).await {
                    Ok(Some(t)) => t,
                    _ => break,
                };
                if current.state == task_state::INDEXED {
                    let idem = idem
                        .as_deref()
                        .map(|k| (principal.organization.as_str(), k));
                    return self
                        .final_answer(&current, planned.creates, &planned.extra, idem)
                        .await;
                }
                if current.state == task_state::FAILED {
                    let mut e = ApiError::conflict(
                        "chain_rejected",
                        "task",
                        current.error.clone().unwrap_or_default(),
                    );
                    e.details.push(FieldError::new(
                        "task_id",
                        format!(
                            "task {} failed; GET /tasks/{} shows it",
                            current.task_id, current.task_id
                        ),
                    ));
                    return e.into_response();
                }
                match tokio::time::timeout_at(deadline, updates.recv()).await {
                    Err(_) => break,
                    Ok(Err(tokio::sync::broadcast::error::RecvError::Closed)) => break,
                    Ok(_) => {}
                }
            }
            // Not indexed in time: the task goes on; answer as without the preference.
            let current = self
                .state
                .store
                .task(&task.task_id)
                .await
                .ok()
                .flatten()
                .unwrap_or(task);
            return task_response(StatusCode::ACCEPTED, self.state, &current, &planned.extra);
        }
        task_response(StatusCode::ACCEPTED, self.state, &task, &planned.extra)
    }

    /// 200/201 with the resource as the read API serves it.
    async fn final_answer(
        &self,
        task: &TaskRow,
        creates: bool,
        extra: &Value,
        idem: Option<(&str, &str)>,
    ) -> Response {
        let Some(path) = task.resource.clone() else {
            return task_response(StatusCode::OK, self.state, task, extra);
        };
        let req = axum::http::Request::get(&path)
            .header(header::ACCEPT, "application/json")
            .body(axum::body::Body::empty())
            .expect("a valid request");
        let resp = match self.state.read.clone().oneshot(req).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        let ok = resp.status().is_success();
        let bytes = axum::body::to_bytes(resp.into_body(), 16 << 20)
            .await
            .unwrap_or_default();
        if !ok {
            return task_response(StatusCode::OK, self.state, task, extra);
        }
        let status = if creates {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        if let Some((org, key)) = idem {
            let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            let stored = json!({ "location": self.state.url(&path), "body": body });
            let _ = self
                .state
                .store
                .finish_idempotency(org, key, i64::from(status.as_u16()), &stored.to_string())
                .await;
        }
        let mut r = (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response();
        let h = r.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&self.state.url(&path)) {
            h.insert(header::LOCATION, v.clone());
            h.insert(header::CONTENT_LOCATION, v);
        }
        if let Ok(v) = HeaderValue::from_str(&format!("</tasks/{}>; rel=\"monitor\"", task.task_id))
        {
            h.insert(header::LINK, v);
        }
        h.insert("preference-applied", HeaderValue::from_static("wait"));
        r
    }
}

/// `Prefer: wait=N` (RFC 7240), in seconds.
fn prefer_wait(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|p| {
            let (k, v) = p.trim().split_once('=')?;
            (k.trim().eq_ignore_ascii_case("wait"))
                .then(|| v.trim().trim_matches('"').parse::<u64>().ok())
                .flatten()
        })
        .map(Duration::from_secs)
        .next()
}

fn replay(status: i64, body: &str) -> Response {
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::ACCEPTED);
    let stored: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let mut r = (status, axum::Json(&stored["body"])).into_response();
    if let Some(loc) = stored["location"].as_str()
        && let Ok(v) = HeaderValue::from_str(loc)
    {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r.headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    r
}

/// One transaction of a task.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TaskTransaction {
    /// The contract function.
    #[schema(example = "retire")]
    pub function: String,
    /// Transaction hash (recorded before it is broadcast).
    pub tx_hash: String,
    /// Its nonce.
    pub nonce: u64,
    /// Block it was mined in, once confirmed.
    pub block_number: Option<u64>,
}

/// A chain write requested over the API: `queued` → `sent` (tx hash) → `confirmed` (block)
/// → `indexed` (resource URL), or `failed` (error).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TaskView {
    /// Task id (`GET /tasks/{task_id}`).
    #[schema(example = "5f0c6f1e-8a39-4c8e-a1f6-0d3a0c2b9e11")]
    pub task_id: String,
    /// What it does (`project.create`, `mrv.verify`, `credit.retire`, …).
    #[schema(example = "credit.retire")]
    pub kind: String,
    /// queued, sent, confirmed, indexed or failed.
    #[schema(example = "indexed")]
    pub status: String,
    /// The organization that asked.
    pub organization: String,
    /// The account that signs.
    pub account: String,
    /// When it was accepted (RFC 3339).
    pub created_at: Option<String>,
    /// When it last changed.
    pub updated_at: Option<String>,
    /// Its transactions, in order.
    pub transactions: Vec<TaskTransaction>,
    /// Block of the last confirmed transaction.
    pub block_number: Option<i64>,
    /// Ids read from the receipts (`project_id`, `mrv_id`, `token_id`, `retirement_id`, …).
    #[schema(value_type = Object)]
    pub result: Option<Value>,
    /// Path of the resulting resource.
    pub resource: Option<String>,
    /// Its URL, once indexed.
    pub resource_url: Option<String>,
    /// Why it failed (a decoded revert sentence, or what went wrong).
    #[schema(value_type = Object)]
    pub error: Option<Value>,
    /// `self`.
    #[schema(value_type = Vec<Object>)]
    pub links: Vec<Value>,
}

/// A task as the API shows it.
pub(crate) fn task_view(state: &WriteState, t: &TaskRow) -> TaskView {
    let steps: Vec<Step> = serde_json::from_str(&t.steps).unwrap_or_default();
    let time = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
    };
    TaskView {
        task_id: t.task_id.clone(),
        kind: t.kind.clone(),
        status: t.state.clone(),
        organization: t.organization.clone(),
        account: t.account.clone(),
        created_at: time(t.created_at),
        updated_at: time(t.updated_at),
        transactions: steps
            .iter()
            .map(|s| TaskTransaction {
                function: s.label.clone(),
                tx_hash: format!("{:#x}", s.tx_hash),
                nonce: s.nonce,
                block_number: s.block_number,
            })
            .collect(),
        block_number: t.block_number,
        result: t
            .result
            .as_deref()
            .and_then(|r| serde_json::from_str::<Value>(r).ok())
            .map(|mut r| {
                // A retirement's certificate: the public record at /retirements/{id}, a page
                // for browsers (and its PDF).
                let id = r.get("retirement_id").and_then(|v| {
                    v.as_u64()
                        .map(|n| n.to_string())
                        .or_else(|| v.as_str().map(str::to_owned))
                });
                if let Some(id) = id
                    && let Some(m) = r.as_object_mut()
                {
                    m.insert(
                        "certificate_url".into(),
                        state.url(&format!("/retirements/{id}")).into(),
                    );
                }
                r
            }),
        resource: t.resource.clone(),
        resource_url: t
            .resource
            .as_deref()
            .filter(|_| t.state == task_state::INDEXED)
            .map(|p| state.url(p)),
        error: t.error.as_ref().map(|e| json!({ "message": e })),
        links: vec![json!({ "rel": "self", "href": state.url(&format!("/tasks/{}", t.task_id)) })],
    }
}

fn accepted_answer(state: &WriteState, t: &TaskRow, extra: &Value) -> Value {
    let mut v = serde_json::to_value(task_view(state, t)).expect("tasks serialise");
    if let (Some(obj), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
        for (k, x) in extra {
            obj.insert(k.clone(), x.clone());
        }
    }
    v
}

fn task_response(status: StatusCode, state: &WriteState, t: &TaskRow, extra: &Value) -> Response {
    let body = accepted_answer(state, t, extra);
    let mut r = (status, axum::Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&state.url(&format!("/tasks/{}", t.task_id))) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// Parses a JSON body, refusing duplicate keys; a 422 names what is wrong.
pub(crate) fn json_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    let text = std::str::from_utf8(body).map_err(|_| {
        ApiError::unprocessable(
            "the body is not UTF-8 JSON",
            vec![FieldError::new("", "the body is not UTF-8").reason("UNREADABLE")],
        )
    })?;
    serde_json::from_str(text).map_err(|e| {
        let msg = e.to_string();
        ApiError::unprocessable(
            "the body is not valid JSON for this route",
            vec![
                FieldError::new("", truncate(&msg, 300))
                    .hint("send a JSON object with the fields this route documents at /docs")
                    .reason("UNREADABLE"),
            ],
        )
    })
}

/// `s` cut to at most `n` characters (echoed input never grows an answer unbounded).
pub(crate) fn truncate(s: &str, n: usize) -> String {
    ogcr_core::validation::bounded(s, n)
}

/// The reasons of a rejection, with the comments, as one text; 422 when there is none.
pub(crate) fn reasons_text(
    reasons: Option<Vec<String>>,
    comments: Option<String>,
    comments_field: &str,
) -> Result<String, ApiError> {
    let text: Vec<String> = reasons
        .unwrap_or_default()
        .into_iter()
        .chain(comments)
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
        .collect();
    if text.is_empty() {
        return Err(bad(
            "reasons",
            "a rejection needs its reasons",
            "required",
            &format!("give reasons (a list of strings) or {comments_field}"),
        ));
    }
    Ok(text.join("; "))
}

/// A 422 for one field.
pub(crate) fn bad(field: &str, message: impl Into<String>, reason: &str, hint: &str) -> ApiError {
    let message = message.into();
    ApiError::unprocessable(
        message.clone(),
        vec![FieldError::new(field, message).reason(reason).hint(hint)],
    )
}

/// `0x…` address in a body field.
pub(crate) fn address(field: &str, s: &str) -> Result<Address, ApiError> {
    s.trim().parse().map_err(|_| {
        bad(
            field,
            format!("{:?} is not an account address", truncate(s, 80)),
            "invalid_address",
            "give a 0x-prefixed 20-byte hex address",
        )
    })
}

/// A SHA-256 given as `0x…`, bare hex or `sha256:…`.
pub(crate) fn hash32(field: &str, s: &str) -> Result<alloy::primitives::B256, ApiError> {
    let t = s.trim();
    let t = t.strip_prefix("sha256:").unwrap_or(t);
    let t = t.strip_prefix("0x").unwrap_or(t);
    if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(t.parse().expect("64 hex digits"))
    } else {
        Err(bad(
            field,
            format!("{:?} is not a SHA-256", truncate(s, 80)),
            "invalid_hash",
            "give 64 hex digits, optionally prefixed by 0x or sha256:",
        ))
    }
}
