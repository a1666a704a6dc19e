//! Registry-wide aggregates for the home page: projects by status, tonnes verified, issued,
//! retired, cancelled and in buffer, and supply by vintage, removal type and country.
//!
//! Kept per data revision (they change only when the indexer commits), and a project's
//! country per PDD hash (a hash's document never changes), so the home page costs a few
//! grouped queries once per revision and nothing per request after that.

use std::{collections::BTreeMap, sync::Arc};

use serde::Serialize;

use crate::{Explorer, PageError};

/// Aggregates per data revision, and countries per PDD hash.
#[derive(Clone)]
pub struct StatsCache {
    by_revision: moka::future::Cache<i64, Arc<Stats>>,
    countries: moka::future::Cache<String, Option<String>>,
    submissions: moka::future::Cache<(i64, i64), Arc<Vec<serde_json::Value>>>,
}

impl Default for StatsCache {
    fn default() -> Self {
        StatsCache {
            by_revision: moka::future::Cache::new(4),
            countries: moka::future::Cache::new(1 << 20),
            submissions: moka::future::Cache::new(4),
        }
    }
}

/// Tonnes CO2e by credit status.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tonnes {
    /// Every unit minted (buffer included).
    pub issued: i64,
    /// Held and transferable.
    pub active: i64,
    /// Retired for a claim.
    pub retired: i64,
    /// Cancelled by the registry.
    pub cancelled: i64,
    /// Held in the buffer pool.
    pub buffer: i64,
}

impl Tonnes {
    fn add(&mut self, status: &str, t: i64) {
        self.issued += t;
        match status {
            "active" => self.active += t,
            "retired" => self.retired += t,
            "cancelled" => self.cancelled += t,
            "buffer" => self.buffer += t,
            _ => {}
        }
    }
}

/// One group of a breakdown.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// What the group is (a vintage, a type, a country).
    pub key: String,
    /// Its tonnes.
    #[serde(flatten)]
    pub tonnes: Tonnes,
}

/// Everything the home page shows.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    /// The data revision these were read at.
    pub revision: i64,
    /// Projects in all.
    pub projects: i64,
    /// Projects per OGCR status.
    pub projects_by_status: Vec<(String, i64)>,
    /// Monitoring reports per status.
    pub reports_by_status: Vec<(String, i64)>,
    /// Tonnes CO2e verified by verifiers (all verified reports).
    pub verified_t: f64,
    /// Tonnes of credits by status.
    pub tonnes: Tonnes,
    /// By vintage, oldest first.
    pub by_vintage: Vec<Group>,
    /// By removal type.
    pub by_type: Vec<Group>,
    /// By country (of the project's boundary; the export configuration may override it).
    pub by_country: Vec<Group>,
}

impl Explorer {
    /// The aggregates at the database's current revision.
    pub async fn stats(&self) -> Result<Arc<Stats>, PageError> {
        let revision = self.store.revision().await?;
        let this = self.clone();
        self.stats
            .by_revision
            .try_get_with(revision, async move {
                this.compute(revision).await.map(Arc::new)
            })
            .await
            .map_err(|e: Arc<PageError>| PageError::Internal(e.to_string()))
    }

    async fn compute(&self, revision: i64) -> Result<Stats, PageError> {
        let statuses = self.store.project_status_counts().await?;
        let (reports_by_status, verified_kg) = self.store.verification_totals().await?;
        let supply = self.store.supply().await?;
        let countries = self.countries().await?;
        let mut tonnes = Tonnes::default();
        let mut by_vintage: BTreeMap<String, Tonnes> = BTreeMap::new();
        let mut by_type: BTreeMap<String, Tonnes> = BTreeMap::new();
        let mut by_country: BTreeMap<String, Tonnes> = BTreeMap::new();
        for row in &supply {
            tonnes.add(&row.status, row.tonnes);
            by_vintage
                .entry(row.vintage.to_string())
                .or_default()
                .add(&row.status, row.tonnes);
            let kind = if row.project_type.is_empty() {
                "unknown".to_owned()
            } else {
                row.project_type.clone()
            };
            by_type
                .entry(kind)
                .or_default()
                .add(&row.status, row.tonnes);
            let country = countries
                .get(&row.project_key)
                .cloned()
                .flatten()
                .unwrap_or_else(|| "Unknown".to_owned());
            by_country
                .entry(country)
                .or_default()
                .add(&row.status, row.tonnes);
        }
        let groups = |m: BTreeMap<String, Tonnes>| {
            m.into_iter()
                .map(|(key, tonnes)| Group { key, tonnes })
                .collect::<Vec<_>>()
        };
        let mut by_type = groups(by_type);
        by_type.sort_by_key(|g| std::cmp::Reverse(g.tonnes.issued));
        let mut by_country = groups(by_country);
        by_country.sort_by_key(|g| std::cmp::Reverse(g.tonnes.issued));
        Ok(Stats {
            revision,
            projects: statuses.iter().map(|(_, n)| n).sum(),
            projects_by_status: statuses
                .into_iter()
                .map(|(s, n)| (ogcr_api::views::ogcr_status(&s), n))
                .collect(),
            reports_by_status,
            verified_t: verified_kg / 1000.0,
            tonnes,
            by_vintage: groups(by_vintage),
            by_type,
            by_country,
        })
    }

    /// The country name of every project (by project key): the export configuration's, else
    /// the one its current PDD's boundary lies in.
    async fn countries(&self) -> Result<BTreeMap<String, Option<String>>, PageError> {
        let projects = self.store.project_pdd_hashes().await?;
        let mut missing = Vec::new();
        for (_, _, hash) in &projects {
            if !self.stats.countries.contains_key(hash) {
                missing.push(hash.clone());
            }
        }
        for chunk in missing.chunks(500) {
            let docs = self.store.verified_documents(chunk).await?;
            for hash in chunk {
                let country = docs.get(hash).and_then(|d| country_of(d.body.as_deref()?));
                self.stats.countries.insert(hash.clone(), country).await;
            }
        }
        let mut out = BTreeMap::new();
        for (key, id, hash) in projects {
            let configured = self.config.countries.get(&id).cloned();
            let located = self.stats.countries.get(&hash).await.flatten();
            out.insert(key, configured.or(located));
        }
        Ok(out)
    }
}

/// The country a PDD's boundary lies in (its English name), from the document's text.
pub fn country_of(body: &str) -> Option<String> {
    let doc: serde_json::Value = serde_json::from_str(body).ok()?;
    let geometry: ogcr_core::Geometry =
        serde_json::from_value(doc.get("geometry")?.clone()).ok()?;
    let located = ogcr_export::country::locate(&geometry)?;
    Some(ogcr_export::country::display_name(&located.alpha2))
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
