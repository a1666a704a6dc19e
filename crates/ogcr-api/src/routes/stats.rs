//! `GET /stats`: the registry's supply — projects by status, reports by status, tonnes
//! verified, and credits by status, vintage, removal type and country.
//!
//! Computed once per data revision (the figures change only when the indexer commits) from
//! grouped queries — a project's country is indexed with its PDD's facts — so the route costs
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

/// Aggregates per data revision.
#[derive(Clone)]
pub struct StatsCache {
    by_revision: moka::future::Cache<i64, Arc<Stats>>,
}

impl Default for StatsCache {
    fn default() -> Self {
        StatsCache {
            by_revision: moka::future::Cache::new(4),
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
    /// The country's ISO 3166-1 alpha-2 code (country groups of indexed boundaries only; the
    /// `country` filter of `/projects` takes it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
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
    let configured = &state.exporter.config().countries;
    let mut tonnes = Tonnes::default();
    let mut by_vintage: BTreeMap<i64, Tonnes> = BTreeMap::new();
    let mut by_type: BTreeMap<String, Tonnes> = BTreeMap::new();
    let mut by_country: BTreeMap<String, Tonnes> = BTreeMap::new();
    let mut codes: BTreeMap<String, String> = BTreeMap::new();
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
        let country = match configured.get(&row.project_id) {
            Some(name) => name.clone(),
            None if row.country.is_empty() => "Unknown".to_owned(),
            None => {
                let name = ogcr_export::country::display_name(&row.country);
                codes.insert(name.clone(), row.country.clone());
                name
            }
        };
        by_country
            .entry(country)
            .or_default()
            .add(&row.status, row.tonnes);
    }
    let ranked = |m: BTreeMap<String, Tonnes>, codes: &BTreeMap<String, String>| {
        let mut v: Vec<Group> = m
            .into_iter()
            .map(|(key, tonnes)| Group {
                code: codes.get(&key).cloned(),
                key,
                tonnes,
            })
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
                code: None,
                tonnes,
            })
            .collect(),
        by_project_type: ranked(by_type, &BTreeMap::new()),
        by_country: ranked(by_country, &codes),
    })
}
