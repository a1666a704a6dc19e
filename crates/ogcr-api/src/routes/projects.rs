//! `/projects`: OGCR PDDs with their on-chain state.

use std::collections::HashMap;

use axum::{
    Json,
    extract::{Path, State},
};
use ogcr_store::{
    Document,
    query::{ProjectFilter, ProjectRow},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::{
    AppState,
    error::{ApiError, ErrorBody},
    params::{self, Q},
    routes::chain,
    views::{
        LedgerReference, Link, Pagination, ProjectFeature, ProjectList, UnverifiedProjectFeature,
        UnverifiedProjectProperties, anchor, ogcr_status, onchain_status, parsed, rfc3339,
        unverified,
    },
};

/// OGCR project statuses.
pub const STATUSES: &[&str] = &[
    "draft",
    "submitted",
    "under_review",
    "approved",
    "rejected",
    "archived",
];
/// OGCR project types.
pub const TYPES: &[&str] = &[
    "afforestation",
    "reforestation",
    "soil_carbon",
    "biochar",
    "direct_air_capture",
    "enhanced_weathering",
    "blue_carbon",
    "biomass_energy_ccs",
];

/// Filters and paging of `GET /projects`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProjectQuery {
    /// Statuses, comma-separated: draft, submitted, under_review, approved, rejected, archived.
    #[param(
        example = "approved",
        pattern = r"^(draft|submitted|under_review|approved|rejected|archived)(,(draft|submitted|under_review|approved|rejected|archived))*$"
    )]
    status: Option<String>,
    /// OGCR project types, comma-separated (afforestation, reforestation, soil_carbon, biochar,
    /// direct_air_capture, enhanced_weathering, blue_carbon, biomass_energy_ccs).
    #[param(
        example = "reforestation,biochar",
        pattern = r"^(afforestation|reforestation|soil_carbon|biochar|direct_air_capture|enhanced_weathering|blue_carbon|biomass_energy_ccs)(,(afforestation|reforestation|soil_carbon|biochar|direct_air_capture|enhanced_weathering|blue_carbon|biomass_energy_ccs))*$"
    )]
    project_type: Option<String>,
    /// Methodology id of the PDD.
    #[param(example = "VM0047")]
    methodology: Option<String>,
    /// An account (developer or validator address) or the PDD's `actor_id`.
    actor: Option<String>,
    /// Projects whose extent intersects `west,south,east,north` (degrees, WGS 84).
    #[param(example = "-50,-5,-45,0")]
    bbox: Option<String>,
    /// Registered on or after (date or RFC 3339 date-time).
    #[param(
        example = "2026-01-01",
        pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"
    )]
    created_from: Option<String>,
    /// Registered before.
    #[param(
        pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"
    )]
    created_to: Option<String>,
    /// Validated on or after.
    #[param(
        pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"
    )]
    approved_from: Option<String>,
    /// Validated before.
    #[param(
        pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"
    )]
    approved_to: Option<String>,
    /// Search words (space-separated, case-insensitive, every word must match): found in the
    /// project id, the PDD's name, its actor id, its methodology id, the developer's address or
    /// the external registry's project id.
    #[param(example = "mangrove", max_length = 200)]
    q: Option<String>,
    /// Projects whose boundary lies in any of these countries: ISO 3166-1 alpha-2 codes,
    /// comma-separated (found once per PDD from its geometry).
    #[param(example = "BR,KE", pattern = r"^[A-Za-z]{2}(,[A-Za-z]{2})*$")]
    country: Option<String>,
    /// Projects with credits of any of these vintages, comma-separated years.
    #[param(example = "2024,2025", pattern = r"^[0-9]{4}(,[0-9]{4})*$")]
    vintage: Option<String>,
    /// Projects with credits of a vintage from this year (inclusive).
    #[param(example = 2020, minimum = 1900, maximum = 9999)]
    vintage_from: Option<i64>,
    /// Projects with credits of a vintage up to this year (inclusive).
    #[param(example = 2025, minimum = 1900, maximum = 9999)]
    vintage_to: Option<i64>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// Rows to skip (offset pagination).
    #[param(minimum = 0)]
    offset: Option<i64>,
    /// `next_cursor` of the previous page (keyset pagination: deep pages cost the same as
    /// the first). Valid only with the same filters, `sort` and `order`.
    cursor: Option<String>,
    /// The field to order by: project_id (the default), created_at (registration),
    /// updated_at (last on-chain change), name (the PDD's), status (lifecycle order: draft,
    /// submitted, under_review, approved, rejected, archived).
    #[param(
        example = "created_at",
        pattern = r"^(project_id|created_at|updated_at|name|status)$"
    )]
    sort: Option<String>,
    /// asc (the default) or desc.
    #[param(example = "desc", pattern = r"^(asc|desc)$")]
    order: Option<String>,
}

/// A project's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct History {
    /// Project id.
    pub project_id: String,
    /// The same project's listing in another registry, as registered on chain.
    pub external_reference: Option<ExternalReference>,
    /// Every status transition, registration first.
    pub status_history: Vec<StatusEntry>,
    /// Every PDD version with its anchoring.
    pub versions: Vec<VersionEntry>,
    /// Validation, rejection and archiving decisions.
    pub decisions: Vec<DecisionEntry>,
}

/// A project's listing in another registry.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExternalReference {
    /// The registry (e.g. Verra).
    #[schema(example = "Verra")]
    pub registry: String,
    /// Its project id there.
    #[schema(example = "3989")]
    pub project_id: String,
}

/// One status transition.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusEntry {
    /// Previous OGCR status (`none` at registration).
    pub from: String,
    /// New OGCR status.
    pub to: String,
    /// Who made the change.
    pub actor: String,
    /// The actor's name, when the export configuration names that account (an accredited
    /// body, an organization).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_name: Option<String>,
    /// Where.
    pub ledger_reference: LedgerReference,
}

/// One PDD version.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionEntry {
    /// Version number, from 1.
    pub version: i64,
    /// SHA-256 of the PDD's CS-01 canonical form, as anchored.
    pub pdd_hash: String,
    /// Where the document is published.
    pub pdd_uri: String,
    /// Whether the document was fetched and matches its hash.
    pub document_status: String,
    /// Who anchored it.
    pub actor: String,
    /// The actor's name, when the export configuration names that account (an accredited
    /// body, an organization).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_name: Option<String>,
    /// The document as served (`/projects/{id}/versions/{version}`).
    pub href: String,
    /// Where.
    pub ledger_reference: LedgerReference,
}

/// One decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionEntry {
    /// validated, rejected or archived.
    pub decision: String,
    /// The validator or archiving account.
    pub actor: String,
    /// The actor's name, when the export configuration names that account (an accredited
    /// body, an organization).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_name: Option<String>,
    /// Hash of the validation report.
    pub report_hash: Option<String>,
    /// Justification or reason.
    pub justification: String,
    /// Crediting period start (validations).
    pub crediting_start: Option<String>,
    /// Crediting period end (validations).
    pub crediting_end: Option<String>,
    /// Where.
    pub ledger_reference: LedgerReference,
}

/// List projects.
#[utoipa::path(get, path = "/projects", operation_id = "listProjects", tag = "projects", params(ProjectQuery),
    responses(
        (status = 200, description = "A page of projects", body = ProjectList),
        (status = 400, description = "A parameter is invalid", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    Q(q): Q<ProjectQuery>,
) -> Result<Json<ProjectList>, ApiError> {
    let created_from = params::time("created_from", q.created_from.as_deref())?;
    let created_to = params::time("created_to", q.created_to.as_deref())?;
    let approved_from = params::time("approved_from", q.approved_from.as_deref())?;
    let approved_to = params::time("approved_to", q.approved_to.as_deref())?;
    params::range("created_to", created_from, created_to)?;
    params::range("approved_to", approved_from, approved_to)?;
    let filter = ProjectFilter {
        status: params::one_of_list("status", q.status.as_deref(), STATUSES)?
            .iter()
            .map(|s| onchain_status(s).to_owned())
            .collect(),
        project_type: params::one_of_list("project_type", q.project_type.as_deref(), TYPES)?,
        methodology: q.methodology,
        actor: q.actor.map(|a| {
            params::address("actor", Some(&a))
                .ok()
                .flatten()
                .unwrap_or(a)
        }),
        bbox: params::bbox(q.bbox.as_deref())?,
        created_from,
        created_to,
        approved_from,
        approved_to,
        search: search_words(q.q.as_deref())?,
        vintage: params::years("vintage", q.vintage.as_deref())?,
        vintage_from: params::year_param("vintage_from", q.vintage_from)?,
        vintage_to: params::year_param("vintage_to", q.vintage_to)?,
        country: params::countries(q.country.as_deref())?,
        sort: params::sort(q.sort.as_deref(), q.order.as_deref())?,
    };
    params::range("vintage_to", filter.vintage_from, filter.vintage_to)?;
    let req = params::page(q.limit, q.offset, q.cursor.as_deref())?;
    let chain = chain(&state).await?;
    let page = state.store.projects(&filter, &req).await?;
    let docs = documents(&state, &page.rows).await?;
    let data = page
        .rows
        .iter()
        .map(|r| {
            ProjectFeature(feature(
                &state,
                chain.chain_id,
                r,
                docs.get(&r.project.pdd_hash),
            ))
        })
        .collect();
    Ok(Json(ProjectList {
        pagination: Pagination::of(&page, &req),
        data,
    }))
}

/// The words of a `q` search.
fn search_words(q: Option<&str>) -> Result<Vec<String>, ApiError> {
    let Some(q) = q else { return Ok(Vec::new()) };
    if q.chars().count() > 200 {
        return Err(ApiError::invalid(
            "q",
            format!(
                "the search is {} characters; at most 200 are accepted",
                q.chars().count()
            ),
        ));
    }
    Ok(q.split_whitespace().take(8).map(str::to_owned).collect())
}

/// Get one project as its PDD Feature.
#[utoipa::path(get, path = "/projects/{project_id}", operation_id = "getProject", tag = "projects",
    params(("project_id" = String, Path, description = "On-chain project id", example = "OGCR-BR-0001")),
    responses(
        (status = 200, description = "The project's current PDD with its ledger reference", body = ProjectFeature),
        (status = 404, description = "No such project", body = ErrorBody),
    ))]
pub async fn one(
    State(state): State<AppState>,
    Path(project_id): Path<String>,
) -> Result<Json<ProjectFeature>, ApiError> {
    let chain = chain(&state).await?;
    let row = find(&state, &project_id).await?;
    let docs = documents(&state, std::slice::from_ref(&row)).await?;
    Ok(Json(ProjectFeature(feature(
        &state,
        chain.chain_id,
        &row,
        docs.get(&row.project.pdd_hash),
    ))))
}

/// A project's status history, PDD versions and decisions.
#[utoipa::path(get, path = "/projects/{project_id}/history", operation_id = "getProjectHistory", tag = "projects",
    params(("project_id" = String, Path, description = "On-chain project id")),
    responses(
        (status = 200, description = "Status transitions, PDD versions and decisions, oldest first", body = History),
        (status = 404, description = "No such project", body = ErrorBody),
    ))]
pub async fn history(
    State(state): State<AppState>,
    Path(project_id): Path<String>,
) -> Result<Json<History>, ApiError> {
    let chain = chain(&state).await?.chain_id;
    let row = find(&state, &project_id).await?;
    let key = &row.project.project_key;
    let store = &state.store;
    let versions = store.pdd_versions(key).await?;
    let hashes: Vec<String> = versions.iter().map(|v| v.pdd_hash.clone()).collect();
    let statuses = store.document_statuses(&hashes).await?;
    let p = &row.project;
    let bodies = &state.exporter.config().bodies;
    let name_of = |a: &str| bodies.get(&a.to_ascii_lowercase()).cloned();
    Ok(Json(History {
        external_reference: (!p.external_registry.is_empty() && !p.external_project_id.is_empty())
            .then(|| ExternalReference {
                registry: p.external_registry.clone(),
                project_id: p.external_project_id.clone(),
            }),
        status_history: store
            .status_history(key)
            .await?
            .into_iter()
            .map(|s| StatusEntry {
                from: if s.from_status == "none" {
                    "none".into()
                } else {
                    ogcr_status(&s.from_status)
                },
                to: ogcr_status(&s.to_status),
                actor_name: name_of(&s.actor),
                actor: s.actor,
                ledger_reference: LedgerReference::new(
                    chain,
                    &s.tx_hash,
                    s.block_number,
                    s.timestamp,
                ),
            })
            .collect(),
        versions: versions
            .into_iter()
            .map(|v| VersionEntry {
                href: state.url(&format!("/projects/{project_id}/versions/{}", v.version)),
                document_status: statuses
                    .get(&v.pdd_hash)
                    .cloned()
                    .unwrap_or_else(|| "pending".into()),
                version: v.version,
                pdd_hash: v.pdd_hash,
                pdd_uri: v.pdd_uri,
                actor_name: name_of(&v.actor),
                actor: v.actor,
                ledger_reference: LedgerReference::new(
                    chain,
                    &v.tx_hash,
                    v.block_number,
                    v.timestamp,
                ),
            })
            .collect(),
        decisions: store
            .decisions(key)
            .await?
            .into_iter()
            .map(|d| DecisionEntry {
                decision: d.decision,
                actor_name: name_of(&d.actor),
                actor: d.actor,
                report_hash: d.report_hash,
                justification: d.justification,
                crediting_start: d.crediting_start.map(crate::views::date),
                crediting_end: d.crediting_end.map(crate::views::date),
                ledger_reference: LedgerReference::new(
                    chain,
                    &d.tx_hash,
                    d.block_number,
                    d.timestamp,
                ),
            })
            .collect(),
        project_id,
    }))
}

/// One PDD version as anchored (the document, with that version's ledger reference).
#[utoipa::path(get, path = "/projects/{project_id}/versions/{version}", operation_id = "getProjectVersion", tag = "projects",
    params(
        ("project_id" = String, Path, description = "On-chain project id"),
        ("version" = i64, Path, description = "PDD version, from 1", minimum = 1),
    ),
    responses(
        (status = 200, description = "The PDD version", body = ProjectFeature),
        (status = 400, description = "The version is not a positive 64-bit integer", body = ErrorBody),
        (status = 404, description = "No such project, version or verified document", body = ErrorBody),
    ))]
pub async fn version(
    State(state): State<AppState>,
    Path((project_id, version)): Path<(String, String)>,
) -> Result<Json<ProjectFeature>, ApiError> {
    let chain = chain(&state).await?.chain_id;
    let n = params::id("version", &version)?;
    let row = find(&state, &project_id).await?;
    let v = state
        .store
        .pdd_versions(&row.project.project_key)
        .await?
        .into_iter()
        .find(|v| v.version == n)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "project {project_id} has no PDD version {n} (it has {})",
                row.project.version
            ))
        })?;
    let doc = state
        .store
        .verified_document(&v.pdd_hash)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "PDD version {n} of {project_id} ({}) has not been fetched and verified",
                v.pdd_uri
            ))
        })?;
    let mut body: Value = serde_json::from_str(doc.body.as_deref().unwrap_or("null"))
        .map_err(|e| ApiError::internal(&e))?;
    let mut links = vec![Link::json(
        "self",
        state.url(&format!("/projects/{project_id}/versions/{n}")),
        None,
    )];
    if n > 1 {
        links.push(Link::json(
            "predecessor",
            state.url(&format!("/projects/{project_id}/versions/{}", n - 1)),
            None,
        ));
    }
    if n < row.project.version {
        links.push(Link::json(
            "successor",
            state.url(&format!("/projects/{project_id}/versions/{}", n + 1)),
            None,
        ));
    }
    anchor(
        &mut body,
        &LedgerReference::new(chain, &v.tx_hash, v.block_number, v.timestamp),
        links,
    );
    Ok(Json(ProjectFeature(body)))
}

/// The project `project_id`, or 404.
pub(crate) async fn find(state: &AppState, project_id: &str) -> Result<ProjectRow, ApiError> {
    state
        .store
        .project(project_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no project {project_id:?}")))
}

/// Verified PDDs of `rows`, by hash.
async fn documents(
    state: &AppState,
    rows: &[ProjectRow],
) -> Result<HashMap<String, Document>, ApiError> {
    let hashes: Vec<String> = rows.iter().map(|r| r.project.pdd_hash.clone()).collect();
    Ok(state.store.verified_documents(&hashes).await?)
}

/// The Feature of a project: its verified PDD with the on-chain status, last update, ledger
/// reference and links. Without a verified document, a skeleton from chain data that says so.
fn feature(state: &AppState, chain_id: i64, r: &ProjectRow, doc: Option<&Document>) -> Value {
    let p = &r.project;
    let id = &p.project_id;
    let mut links = vec![
        Link::json("self", state.url(&format!("/projects/{id}")), None),
        Link::json(
            "related-mrv",
            state.url(&format!("/projects/{id}/monitoring")),
            Some("Monitoring reports"),
        ),
        Link {
            rel: "supporting-doc".into(),
            href: p.pdd_uri.clone(),
            media_type: Some("application/geo+json".into()),
            title: Some(format!("PDD version {} as anchored on chain", p.version)),
        },
    ];
    if p.version > 1 {
        links.push(Link::json(
            "predecessor",
            state.url(&format!("/projects/{id}/versions/{}", p.version - 1)),
            Some("Previous PDD version"),
        ));
    }
    let (block, tx, time) =
        r.anchor
            .clone()
            .unwrap_or((p.registered_block, p.registered_tx.clone(), p.registered_at));
    let ledger = LedgerReference::new(chain_id, &tx, block, time);
    let Some(mut body) = parsed(doc) else {
        let skeleton = UnverifiedProjectFeature {
            feature_type: "Feature".into(),
            id: id.clone(),
            profile: "pdd".into(),
            geometry: None,
            properties: UnverifiedProjectProperties {
                name: id.clone(),
                status: ogcr_status(&p.status),
                actor_id: p.developer.clone(),
                creation_date: rfc3339(p.registered_at),
                last_updated: rfc3339(p.updated_at),
            },
            document: unverified("PDD", &p.pdd_hash, &p.pdd_uri),
            ledger_reference: ledger,
            links,
        };
        return serde_json::to_value(skeleton).expect("features serialise");
    };
    if let Some(props) = body.get_mut("properties").and_then(Value::as_object_mut) {
        props.insert("status".into(), ogcr_status(&p.status).into());
        props.insert("last_updated".into(), rfc3339(p.updated_at).into());
    }
    anchor(&mut body, &ledger, links);
    body
}
