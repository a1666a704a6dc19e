//! `GET /tasks/{id}`, `GET /documents/{sha256}` and `GET /audit`.

use axum::{
    Extension, Json,
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use ogcr_api::{ApiError, middleware::RequestId};
use ogcr_store::gateway::AuditFilter;
use serde::Deserialize;
use serde_json::json;

use super::{Gate, task_view, truncate};
use crate::{Scope, WriteState};

/// `GET /tasks/{id}`: a task of the caller's organization (or any, with `audit:read`).
pub async fn task(
    State(state): State<WriteState>,
    rid: Option<Extension<RequestId>>,
    headers: HeaderMap,
    Path(task_id): Path<String>,
) -> Response {
    let gate = Gate::new(
        &state,
        &headers,
        rid.as_deref(),
        "GET",
        "/tasks/{task_id}",
        format!("/tasks/{task_id}"),
    );
    let p = match gate.principal(None).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let t = match state.store.task(&task_id).await {
        Ok(t) => t,
        Err(e) => return ApiError::from(e).into_response(),
    };
    match t {
        Some(t) if t.organization == p.organization || p.scopes.contains(&Scope::AuditRead) => {
            Json(task_view(&state, &t)).into_response()
        }
        _ => ApiError::not_found(format!(
            "no task {} of organization {}",
            truncate(&task_id, 80),
            p.organization
        ))
        .into_response(),
    }
}

/// `GET /documents/{sha256}`: the bytes of a PDD or MRV document whose hash the chain
/// anchors (its CS-01 canonical JSON), for remote indexers to fetch and hash-check.
pub async fn document(State(state): State<WriteState>, Path(sha): Path<String>) -> Response {
    let hex = sha.trim_start_matches("0x").to_ascii_lowercase();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return ApiError::invalid(
            "sha256",
            format!("{:?} is not a SHA-256 (64 hex digits)", truncate(&sha, 80)),
        )
        .into_response();
    }
    let path = state.config.documents_dir.join(format!("{hex}.json"));
    let bytes = match tokio::fs::read(&path).await {
        Ok(b) => Some(b),
        Err(_) => match state.store.verified_documents(&[format!("0x{hex}")]).await {
            Ok(m) => m.into_values().find_map(|d| d.body).map(String::into_bytes),
            Err(e) => return ApiError::from(e).into_response(),
        },
    };
    match bytes {
        // Serve only bytes that are what the name says.
        Some(b) if ogcr_core::cs01::commitment::sha256_hex(&b) == hex => {
            let mut r = (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                b,
            )
                .into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("\"{hex}\"")) {
                r.headers_mut().insert(header::ETAG, v);
            }
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            r
        }
        _ => ApiError::not_found(format!("no document with SHA-256 {hex} is stored here"))
            .into_response(),
    }
}

/// Filters of `GET /audit`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only this organization.
    organization: Option<String>,
    /// Only this outcome (accepted, denied, invalid, failed).
    outcome: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1–500 (default 100).
    limit: Option<i64>,
}

/// `GET /audit` (scope `audit:read`): the authorization decisions, oldest first.
pub async fn audit(
    State(state): State<WriteState>,
    rid: Option<Extension<RequestId>>,
    headers: HeaderMap,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let gate = Gate::new(
        &state,
        &headers,
        rid.as_deref(),
        "GET",
        "/audit",
        "/audit".into(),
    );
    if let Err(r) = gate.principal(Some(Scope::AuditRead)).await {
        return r;
    }
    let q = match query {
        Ok(Query(q)) => q,
        Err(e) => return ApiError::invalid("query", truncate(&e.body_text(), 300)).into_response(),
    };
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return ApiError::invalid("limit", format!("must be between 1 and 500, got {limit}"))
            .into_response();
    }
    let after = match q.cursor.as_deref().map(str::parse::<i64>) {
        None => None,
        Some(Ok(c)) if c >= 0 => Some(c),
        Some(_) => return ApiError::invalid("cursor", "not a cursor of /audit").into_response(),
    };
    if let Some(o) = &q.outcome
        && !["accepted", "denied", "invalid", "failed"].contains(&o.as_str())
    {
        return ApiError::invalid(
            "outcome",
            format!(
                "{:?} is not accepted, denied, invalid or failed",
                truncate(o, 40)
            ),
        )
        .into_response();
    }
    let filter = AuditFilter {
        organization: q.organization,
        outcome: q.outcome,
        after,
        limit,
    };
    match state.store.audit(&filter).await {
        Ok(rows) => {
            let next = (rows.len() as i64 == limit)
                .then(|| rows.last().map(|r| r.seq.to_string()))
                .flatten();
            let data: Vec<_> = rows
                .iter()
                .map(|r| {
                    json!({
                        "seq": r.seq,
                        "at": chrono::DateTime::from_timestamp_millis(r.at).map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
                        "organization": r.organization,
                        "key_id": r.key_id,
                        "method": r.method,
                        "route": r.route,
                        "resource": r.resource,
                        "outcome": r.outcome,
                        "status": r.status,
                        "reason": r.reason,
                        "request_id": r.request_id,
                        "task_id": r.task_id,
                    })
                })
                .collect();
            Json(json!({ "data": data, "next_cursor": next })).into_response()
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}
