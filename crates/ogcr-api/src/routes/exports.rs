//! `/cadt/v2/{table}` (CAD Trust Data Model v2.0.2 baseline tables) and `/aef/{table}`
//! (Article 6 AEF tables), paged as the CADT API pages: `{page, pageCount, data}`, with `page`
//! and `limit` (1–1000) required.

use axum::{
    Json,
    extract::{Path, State},
};
use ogcr_export::{AefOptions, Error as ExportError, MAX_LIMIT, Page};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    AppState,
    error::{ApiError, ErrorBody, FieldError},
    params::Q,
};

/// Paging of `GET /cadt/v2/{table}`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CadtQuery {
    /// **Required.** The 1-based page number.
    #[param(example = 1, minimum = 1, required = true)]
    page: Option<u64>,
    /// **Required.** Records per page, 1–1000.
    #[param(example = 100, minimum = 1, maximum = 1000, required = true)]
    limit: Option<u64>,
}

/// Party, year and paging of `GET /aef/{table}`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AefQuery {
    /// **Required.** The host Party: a CAD Trust `location_country` name or an ISO 3166-1
    /// alpha-2 code.
    #[param(example = "BR", required = true, pattern = r"\S")]
    party: Option<String>,
    /// **Required.** The reporting year (calendar year, UTC).
    #[param(example = 2026, required = true, minimum = 1900, maximum = 2100)]
    year: Option<i32>,
    /// **Required.** The 1-based page number.
    #[param(example = 1, minimum = 1, required = true)]
    page: Option<u64>,
    /// **Required.** Records per page, 1–1000.
    #[param(example = 100, minimum = 1, maximum = 1000, required = true)]
    limit: Option<u64>,
}

/// A page of records of one table, as the CADT API pages (`pageCount` at this `limit`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TablePage {
    /// The page number asked for.
    #[schema(example = 1)]
    pub page: u64,
    /// Pages of `limit` records the table has.
    #[schema(example = 3)]
    pub page_count: u64,
    /// The records, with the CAD Trust v2.0.2 `apiField` names.
    pub data: Vec<serde_json::Value>,
}

impl From<Page> for TablePage {
    fn from(p: Page) -> Self {
        TablePage {
            page: p.page,
            page_count: p.page_count,
            data: p.data,
        }
    }
}

/// A page of a CAD Trust baseline table.
///
/// Tables, in insert order: program, methodology, stakeholder, label, project,
/// project_methodology, validation, verification, location, estimation, rating, co_benefit,
/// issuance, unit, unit_label (the CADT endpoint spelling `project-methodology` is accepted).
/// Record ids are UUIDv5 derived from the chain, the contract and the on-chain id, so every
/// indexer of the same chain serves the same ids.
#[utoipa::path(get, path = "/cadt/v2/{table}", operation_id = "getCadtTable", tag = "exports",
    params(("table" = String, Path, description = "Baseline table name", example = "project"), CadtQuery),
    responses(
        (status = 200, description = "A page of records", body = TablePage),
        (status = 400, description = "page or limit missing or invalid", body = ErrorBody),
        (status = 404, description = "No such table (the message lists the tables)", body = ErrorBody),
    ))]
pub async fn cadt(
    State(state): State<AppState>,
    Path(table): Path<String>,
    Q(q): Q<CadtQuery>,
) -> Result<Json<TablePage>, ApiError> {
    ogcr_export::cadt_table(&table).map_err(export_error)?;
    let (page, limit) = paging(q.page, q.limit, Vec::new())?;
    let page = state
        .exporter
        .page(&table, page, limit)
        .await
        .map_err(export_error)?;
    Ok(Json(page.into()))
}

/// A page of an Article 6 AEF table for a Party and a year.
///
/// Tables: aef_t1_submission, aef_t2_authorizations, aef_t3_actions, aef_t4_holdings,
/// aef_t5_authorized_entities. Derived from the units labelled Article 6 (with their ITMO
/// references) of the Party's projects and from their transfers, retirements and
/// cancellations in the year.
#[utoipa::path(get, path = "/aef/{table}", operation_id = "getAefTable", tag = "exports",
    params(("table" = String, Path, description = "AEF table name", example = "aef_t3_actions"), AefQuery),
    responses(
        (status = 200, description = "A page of records", body = TablePage),
        (status = 400, description = "party, year, page or limit missing or invalid", body = ErrorBody),
        (status = 404, description = "No such table (the message lists the tables)", body = ErrorBody),
    ))]
pub async fn aef(
    State(state): State<AppState>,
    Path(table): Path<String>,
    Q(q): Q<AefQuery>,
) -> Result<Json<TablePage>, ApiError> {
    ogcr_export::aef_table(&table).map_err(export_error)?;
    let mut missing = Vec::new();
    let party = q.party.as_deref().map(str::trim).unwrap_or_default();
    if party.is_empty() {
        missing.push(required(
            "party",
            "a location_country name or ISO alpha-2 code",
        ));
    }
    match q.year {
        None => missing.push(required("year", "the reporting year")),
        Some(y) if !(1900..=2100).contains(&y) => missing.push(
            FieldError::new("year", format!("must be between 1900 and 2100, got {y}"))
                .reason("invalid_parameter"),
        ),
        Some(_) => {}
    }
    let (page, limit) = paging(q.page, q.limit, missing)?;
    let opts = AefOptions {
        party: party.to_owned(),
        year: q.year.unwrap_or_default(),
    };
    let page = state
        .exporter
        .aef_page(&opts, &table, page, limit)
        .await
        .map_err(|e| match e {
            ExportError::Aef(message) => ApiError::invalid("party", message),
            e => export_error(e),
        })?;
    Ok(Json(page.into()))
}

fn required(field: &str, what: &str) -> FieldError {
    FieldError::new(field, format!("required: {what}")).reason("invalid_parameter")
}

/// Checks the CADT paging parameters (both required), adding to `errors`.
fn paging(
    page: Option<u64>,
    limit: Option<u64>,
    mut errors: Vec<FieldError>,
) -> Result<(u64, u64), ApiError> {
    match page {
        None => errors.push(required("page", "the 1-based page number (CADT paging)")),
        Some(0) => errors
            .push(FieldError::new("page", "must be 1 or more, got 0").reason("invalid_parameter")),
        Some(_) => {}
    }
    match limit {
        None => errors.push(required("limit", "records per page, 1–1000 (CADT paging)")),
        Some(l) if l == 0 || l > MAX_LIMIT => errors.push(
            FieldError::new(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}, got {l}"),
            )
            .reason("invalid_parameter"),
        ),
        Some(_) => {}
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    Ok((page.unwrap_or(1), limit.unwrap_or(1)))
}

/// The API answer to an export error.
fn export_error(e: ExportError) -> ApiError {
    match e {
        ExportError::Store(e) => e.into(),
        ExportError::NotIndexed => {
            ApiError::unavailable("the indexer has not indexed this database yet: run `ogcr index`")
        }
        e @ ExportError::UnknownTable { .. } => ApiError::not_found(e.to_string()),
        ExportError::InvalidPage(message) => ApiError::invalid("page", message),
        ExportError::Aef(message) => ApiError::invalid("party", message),
        e => ApiError::internal(&e),
    }
}
