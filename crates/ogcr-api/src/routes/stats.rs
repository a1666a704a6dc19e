//! `GET /stats`: the registry's supply — projects by status, reports by status, tonnes
//! verified, and credits by status, vintage, removal type and country.
//!
//! Computed once per data revision (the figures change only when the indexer commits) and a
//! project's country once per PDD hash (a hash's document never changes), so the route costs
//! a few grouped queries per revision and a cache lookup per request.

use std::{collections::BTreeMap, sync::Arc};

use axum::{Json, extract::State};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    AppState,
    error::{ApiError, ErrorBody},
    routes::chain,
    views::ogcr_status,
};

/// Aggregates per data revision, and countries per PDD hash.
#[derive(Clone)]
pub struct StatsCache {
    by_revision: moka::future::Cache<i64, Arc<Stats>>,
    countries: moka::future::Cache<String, Option<String>>,
}

impl Default for StatsCache {
    fn default() -> Self {
        StatsCache {
            by_revision: moka::future::Cache::new(4),
            countries: moka::future::Cache::new(1 << 20),
        }
    }
}

impl std::fmt::Debug for StatsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatsCache").finish_non_exhaustive()
    }
}

/// Tonnes CO2e of credits by status.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
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
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Group {
    /// What the group is: a vintage year, an OGCR project type, a country name.
    #[schema(example = "2024")]
    pub key: String,
    /// Its tonnes CO2e by status.
    #[serde(flatten)]
    pub tonnes: Tonnes,
}

/// How many of something have a status.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusCount {
    /// The status (OGCR names).
    #[schema(example = "approved")]
    pub status: String,
    /// How many.
    pub count: i64,
}

/// The registry's supply.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Stats {
    /// Projects in all.
    pub projects: i64,
    /// Projects per OGCR status.
    pub projects_by_status: Vec<StatusCount>,
    /// Monitoring reports per on-chain status (submitted, verified, rejected).
    pub reports_by_status: Vec<StatusCount>,
    /// Tonnes CO2e verified by verifiers, over every verified report.
    pub verified_tco2e: f64,
    /// Tonnes CO2e of credits by status.
    pub credits_tco2e: Tonnes,
    /// By vintage, oldest first.
    pub by_vintage: Vec<Group>,
    /// By OGCR project type, most issued first (`unknown` while a PDD is unverified).
    pub by_project_type: Vec<Group>,
    /// By country of the project's boundary (the export configuration's `countries` override
    /// it), most issued first; `Unknown` while a PDD is unverified or outside every country.
    pub by_country: Vec<Group>,
}

/// The registry's supply: projects, reports, and credits by status, vintage, type, country.
#[utoipa::path(get, path = "/stats", operation_id = "getStats", tag = "credits",
    responses(
        (status = 200, description = "The registry's supply at the indexed block", body = Stats),
        (status = 429, description = "Rate limited", body = ErrorBody),
        (status = 503, description = "The database is not reachable or not indexed yet", body = ErrorBody),
    ))]
pub async fn stats(State(state): State<AppState>) -> Result<Json<Stats>, ApiError> {
    chain(&state).await?;
    let revision = state.store.revision().await?;
    let s = state.clone();
    let stats = state
        .stats
        .by_revision
        .try_get_with(revision, async move { compute(&s).await.map(Arc::new) })
        .await
        .map_err(|e: Arc<ogcr_store::Error>| ApiError::from(ogcr_store::Error::Shared(e)))?;
    Ok(Json((*stats).clone()))
}

async fn compute(state: &AppState) -> Result<Stats, ogcr_store::Error> {
    let store = &state.store;
    let statuses = store.project_status_counts().await?;
    let (reports, verified_kg) = store.verification_totals().await?;
    let supply = store.supply().await?;
    let countries = countries(state).await?;
    let mut tonnes = Tonnes::default();
    let mut by_vintage: BTreeMap<i64, Tonnes> = BTreeMap::new();
    let mut by_type: BTreeMap<String, Tonnes> = BTreeMap::new();
    let mut by_country: BTreeMap<String, Tonnes> = BTreeMap::new();
    for row in &supply {
        tonnes.add(&row.status, row.tonnes);
        by_vintage
            .entry(row.vintage)
            .or_default()
            .add(&row.status, row.tonnes);
        let kind = if row.project_type.is_empty() {
            "unknown"
        } else {
            &row.project_type
        };
        by_type
            .entry(kind.to_owned())
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
    let ranked = |m: BTreeMap<String, Tonnes>| {
        let mut v: Vec<Group> = m
            .into_iter()
            .map(|(key, tonnes)| Group { key, tonnes })
            .collect();
        v.sort_by_key(|g| std::cmp::Reverse(g.tonnes.issued));
        v
    };
    let count = |v: Vec<(String, i64)>, name: fn(&str) -> String| {
        v.into_iter()
            .map(|(s, count)| StatusCount {
                status: name(&s),
                count,
            })
            .collect::<Vec<_>>()
    };
    Ok(Stats {
        projects: statuses.iter().map(|(_, n)| n).sum(),
        projects_by_status: count(statuses, ogcr_status),
        reports_by_status: count(reports, str::to_owned),
        verified_tco2e: verified_kg / 1000.0,
        credits_tco2e: tonnes,
        by_vintage: by_vintage
            .into_iter()
            .map(|(v, tonnes)| Group {
                key: v.to_string(),
                tonnes,
            })
            .collect(),
        by_project_type: ranked(by_type),
        by_country: ranked(by_country),
    })
}

/// The country name of every project (by project key): the export configuration's, else the
/// one its current PDD's boundary lies in.
async fn countries(
    state: &AppState,
) -> Result<BTreeMap<String, Option<String>>, ogcr_store::Error> {
    let cache = &state.stats.countries;
    let projects = state.store.project_pdd_hashes().await?;
    let missing: Vec<String> = projects
        .iter()
        .filter(|(_, _, hash)| !cache.contains_key(hash))
        .map(|(_, _, hash)| hash.clone())
        .collect();
    for chunk in missing.chunks(500) {
        let docs = state.store.verified_documents(chunk).await?;
        for hash in chunk {
            let country = docs
                .get(hash)
                .and_then(|d| d.body.as_deref())
                .and_then(country_of);
            cache.insert(hash.clone(), country).await;
        }
    }
    let configured = &state.exporter.config().countries;
    let mut out = BTreeMap::new();
    for (key, id, hash) in projects {
        let located = cache.get(&hash).await.flatten();
        out.insert(key, configured.get(&id).cloned().or(located));
    }
    Ok(out)
}

/// The country a PDD's boundary lies in (its English name), from the document's text.
pub fn country_of(body: &str) -> Option<String> {
    let doc: serde_json::Value = serde_json::from_str(body).ok()?;
    let geometry: ogcr_core::Geometry =
        serde_json::from_value(doc.get("geometry")?.clone()).ok()?;
    let located = ogcr_export::country::locate(&geometry)?;
    Some(ogcr_export::country::display_name(&located.alpha2))
}
