//! What the validation dashboard shows: the latest anchored documents with their checks,
//! validated once per data revision.

use std::sync::Arc;

use crate::{Explorer, PageError};

/// The dashboard's rows per (data revision, how many).
#[derive(Clone)]
pub struct StatsCache {
    submissions: moka::future::Cache<(i64, i64), Arc<Vec<serde_json::Value>>>,
}

impl Default for StatsCache {
    fn default() -> Self {
        StatsCache {
            submissions: moka::future::Cache::new(4),
        }
    }
}

/// The `limit` latest anchored documents (PDD versions and monitoring reports), newest first,
/// each with its fetch status, the OGCR validation findings on its content and the on-chain
/// decision — validated once per data revision.
pub async fn recent_submissions(
    x: &Explorer,
    limit: i64,
) -> Result<Arc<Vec<serde_json::Value>>, PageError> {
    let revision = x.store.revision().await?;
    let this = x.clone();
    x.stats
        .submissions
        .try_get_with((revision, limit), async move {
            validate_recent(&this, limit).await.map(Arc::new)
        })
        .await
        .map_err(|e: Arc<PageError>| PageError::Internal(e.to_string()))
}

async fn validate_recent(x: &Explorer, limit: i64) -> Result<Vec<serde_json::Value>, PageError> {
    use ogcr_core::{
        methodology::MethodologyRegistry,
        validation::{ValidationContext, validate_json},
    };
    use serde_json::json;

    let subs = x.store.recent_submissions(limit).await?;
    let hashes: Vec<String> = subs.iter().map(|s| s.hash.clone()).collect();
    let statuses = x.store.document_statuses(&hashes).await?;
    let docs = x.store.verified_documents(&hashes).await?;
    let methodologies = MethodologyRegistry::builtin();
    let ctx = ValidationContext::new(&methodologies);
    let mut out = Vec::new();
    for s in subs {
        let status = statuses
            .get(&s.hash)
            .cloned()
            .unwrap_or_else(|| "pending".into());
        let (issues, checked) = match docs.get(&s.hash).and_then(|d| d.body.as_deref()) {
            Some(body) => {
                let report = validate_json(body, None, &ctx);
                let issues: Vec<serde_json::Value> = report
                    .issues
                    .iter()
                    .map(|i| json!({ "code": i.code, "pointer": i.pointer, "message": i.message, "hint": i.hint }))
                    .collect();
                (issues, true)
            }
            None => (Vec::new(), false),
        };
        out.push(json!({
            "kind": s.kind,
            "project_id": s.project_id,
            "subject": s.subject,
            "hash": s.hash,
            "uri": s.uri,
            "actor": s.actor,
            "tx": s.tx_hash,
            "block": s.block_number,
            "time": ogcr_api::views::rfc3339(s.timestamp),
            "decision": s.decision,
            "document_status": status,
            "checked": checked,
            "valid": checked && issues.is_empty(),
            "issues": issues,
        }));
    }
    Ok(out)
}
