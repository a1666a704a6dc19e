//! `/credits` (CRU serial blocks) and `/retirements`.

use std::collections::HashMap;

use axum::{
    Json,
    extract::{Path, State},
};
use ogcr_store::query::{CreditFilter, RetirementFilter};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    AppState,
    error::{ApiError, ErrorBody},
    params::{self, Q},
    routes::{chain, projects::find},
    views::{Credit, CreditList, Pagination, RetirementList, RetirementView},
};

/// Credit statuses.
pub const STATUSES: &[&str] = &["active", "retired", "cancelled", "buffer"];

/// Filters and paging of `GET /credits`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CreditQuery {
    /// Project id.
    #[param(example = "OGCR-BR-0001")]
    project: Option<String>,
    /// The same as `project` (api-documentation.md's name).
    project_id: Option<String>,
    /// Monitoring report the block was issued against.
    mrv_id: Option<i64>,
    /// Vintage years, comma-separated.
    #[param(example = "2024,2025", pattern = r"^[0-9]{4}(,[0-9]{4})*$")]
    vintage: Option<String>,
    /// Vintages from this year (inclusive).
    #[param(example = 2020, minimum = 1900, maximum = 9999)]
    vintage_from: Option<i64>,
    /// Vintages up to this year (inclusive).
    #[param(example = 2025, minimum = 1900, maximum = 9999)]
    vintage_to: Option<i64>,
    /// Blocks of projects whose boundary lies in any of these countries: ISO 3166-1 alpha-2
    /// codes, comma-separated.
    #[param(example = "BR,KE", pattern = r"^[A-Za-z]{2}(,[A-Za-z]{2})*$")]
    country: Option<String>,
    /// Year of issuance (mint).
    #[param(minimum = 1970, maximum = 9998)]
    issuance_year: Option<i64>,
    /// Owner address.
    #[param(pattern = r"^0[xX][0-9a-fA-F]{40}$")]
    owner: Option<String>,
    /// Statuses, comma-separated: active, retired, cancelled, buffer.
    #[param(
        example = "active",
        pattern = r"^(active|retired|cancelled|buffer)(,(active|retired|cancelled|buffer))*$"
    )]
    status: Option<String>,
    /// Labels the block must carry, comma-separated: corsia, article6.
    #[param(pattern = r"^(corsia|article6)(,(corsia|article6))*$")]
    label: Option<String>,
    /// Blocks holding any serial of a range: `FIRST-LAST` (inclusive), one serial, or a block's
    /// serial as the API gives it (`OGCR-BR-0001-2024-1-1000`: its last two numbers).
    #[param(
        example = "1-1000",
        pattern = r"^([A-Za-z0-9]+-)*[0-9]{1,18}(-[0-9]{1,18})?$"
    )]
    serial_number_range: Option<String>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// Rows to skip.
    #[param(minimum = 0)]
    offset: Option<i64>,
    /// `next_cursor` of the previous page (empty: first page of keyset pagination). Valid
    /// only with the same filters, `sort` and `order`.
    cursor: Option<String>,
    /// The field to order by: created_at (issuance order, the default), vintage, amount,
    /// status (active, buffer, cancelled, retired).
    #[param(example = "vintage", pattern = r"^(created_at|vintage|amount|status)$")]
    sort: Option<String>,
    /// asc (the default) or desc.
    #[param(example = "desc", pattern = r"^(asc|desc)$")]
    order: Option<String>,
}

/// Filters and paging of `GET /retirements`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RetirementQuery {
    /// Project id.
    project: Option<String>,
    /// The same as `project` (api-documentation.md's name).
    project_id: Option<String>,
    /// Retired credit (token) id.
    credit_id: Option<i64>,
    /// Beneficiary: the name or its beginning, in any case (`acme` finds "Acme Airlines").
    #[param(example = "acme")]
    beneficiary: Option<String>,
    /// Owner whose units were retired.
    #[param(pattern = r"^0[xX][0-9a-fA-F]{40}$")]
    owner: Option<String>,
    /// Retired on or after (date or date-time).
    #[param(
        pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"
    )]
    from: Option<String>,
    /// Retired before.
    #[param(
        pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"
    )]
    to: Option<String>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// Rows to skip.
    #[param(minimum = 0)]
    offset: Option<i64>,
    /// `next_cursor` of the previous page (empty: first page of keyset pagination). Valid
    /// only with the same filters, `sort` and `order`.
    cursor: Option<String>,
    /// The field to order by: created_at (chain order, the default) or amount.
    #[param(example = "created_at", pattern = r"^(created_at|amount)$")]
    sort: Option<String>,
    /// asc (the default, oldest first) or desc.
    #[param(example = "desc", pattern = r"^(asc|desc)$")]
    order: Option<String>,
}

/// List credits.
#[utoipa::path(get, path = "/credits", operation_id = "listCredits", tag = "credits", params(CreditQuery),
    responses(
        (status = 200, description = "A page of credits, by token id unless `sort` says otherwise", body = CreditList),
        (status = 400, description = "A parameter is invalid", body = ErrorBody),
        (status = 404, description = "No such project", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    Q(q): Q<CreditQuery>,
) -> Result<Json<CreditList>, ApiError> {
    let req = params::page(q.limit, q.offset, q.cursor.as_deref())?;
    let owner = params::address("owner", q.owner.as_deref())?;
    let status = params::one_of_list("status", q.status.as_deref(), STATUSES)?;
    let labels = params::one_of_list("label", q.label.as_deref(), &["corsia", "article6"])?;
    let labels = (!labels.is_empty()).then(|| {
        labels
            .iter()
            .map(|l| if l == "corsia" { 1 } else { 2 })
            .fold(0, |a, b| a | b)
    });
    let (minted_from, minted_to) = match q.issuance_year {
        Some(y) => (
            year_start("issuance_year", y)?,
            year_start("issuance_year", y + 1)?,
        ),
        None => (None, None),
    };
    let vintage = params::years("vintage", q.vintage.as_deref())?;
    let vintage_from = params::year_param("vintage_from", q.vintage_from)?;
    let vintage_to = params::year_param("vintage_to", q.vintage_to)?;
    params::range("vintage_to", vintage_from, vintage_to)?;
    let country = params::countries(q.country.as_deref())?;
    let serials = q
        .serial_number_range
        .as_deref()
        .map(serial_range)
        .transpose()?;
    let sort = params::sort(q.sort.as_deref(), q.order.as_deref())?;
    let chain = chain(&state).await?.chain_id;
    let project = params::either(("project", q.project), ("project_id", q.project_id))?;
    let project_key = match &project {
        Some(p) => Some(find(&state, p).await?.project.project_key),
        None => None,
    };
    let filter = CreditFilter {
        project_key,
        mrv_id: q.mrv_id,
        vintage,
        vintage_from,
        vintage_to,
        country,
        minted_from,
        minted_to,
        owner,
        status,
        labels,
        serials,
        sort,
    };
    let page = state.store.credits(&filter, &req).await?;
    let keys: Vec<String> = page.rows.iter().map(|t| t.project_key.clone()).collect();
    let ids = state.store.project_ids(&keys).await?;
    let retired: Vec<i64> = page
        .rows
        .iter()
        .filter(|t| t.status == "retired")
        .map(|t| t.token_id)
        .collect();
    let retirements = state.store.retirements_of(&retired).await?;
    let data = page
        .rows
        .iter()
        .map(|t| {
            let retirement = retirements
                .get(&t.token_id)
                .map(|r| RetirementView::new(r, None, None, chain));
            let pid = ids.get(&t.project_key).cloned().unwrap_or_default();
            Credit::new(t, &pid, chain, retirement, |p| state.url(p))
        })
        .collect();
    Ok(Json(CreditList {
        pagination: Pagination::of(&page, &req),
        data,
    }))
}

/// One credit.
#[utoipa::path(get, path = "/credits/{credit_id}", operation_id = "getCredit", tag = "credits",
    params(("credit_id" = i64, Path, description = "Token id", minimum = 1)),
    responses(
        (status = 200, description = "The credit", body = Credit),
        (status = 400, description = "The id is not a positive 64-bit integer", body = ErrorBody),
        (status = 404, description = "No such credit", body = ErrorBody),
    ))]
pub async fn one(
    State(state): State<AppState>,
    Path(credit_id): Path<String>,
) -> Result<Json<Credit>, ApiError> {
    let id = params::id("credit_id", &credit_id)?;
    let chain = chain(&state).await?.chain_id;
    let t = state
        .store
        .token(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no credit {id}")))?;
    let ids = state
        .store
        .project_ids(std::slice::from_ref(&t.project_key))
        .await?;
    let retirement = state
        .store
        .retirements_of(&[id])
        .await?
        .remove(&id)
        .map(|r| RetirementView::new(&r, None, None, chain));
    let pid = ids.get(&t.project_key).cloned().unwrap_or_default();
    Ok(Json(Credit::new(&t, &pid, chain, retirement, |p| {
        state.url(p)
    })))
}

/// List retirements.
#[utoipa::path(get, path = "/retirements", operation_id = "listRetirements", tag = "credits", params(RetirementQuery),
    responses(
        (status = 200, description = "A page of retirements, in chain order unless `sort` and `order` say otherwise", body = RetirementList),
        (status = 400, description = "A parameter is invalid", body = ErrorBody),
        (status = 404, description = "No such project", body = ErrorBody),
    ))]
pub async fn retirements(
    State(state): State<AppState>,
    Q(q): Q<RetirementQuery>,
) -> Result<Json<RetirementList>, ApiError> {
    let req = params::page(q.limit, q.offset, q.cursor.as_deref())?;
    let owner = params::address("owner", q.owner.as_deref())?;
    let from = params::time("from", q.from.as_deref())?;
    let to = params::time("to", q.to.as_deref())?;
    params::range("to", from, to)?;
    let sort = params::sort(q.sort.as_deref(), q.order.as_deref())?;
    let chain = chain(&state).await?.chain_id;
    let project = params::either(("project", q.project), ("project_id", q.project_id))?;
    let project_key = match &project {
        Some(p) => Some(find(&state, p).await?.project.project_key),
        None => None,
    };
    let filter = RetirementFilter {
        project_key,
        token_id: q.credit_id,
        beneficiary: q.beneficiary,
        owner,
        from,
        to,
        sort,
    };
    let page = state.store.retirements(&filter, &req).await?;
    let keys: Vec<String> = page.rows.iter().map(|r| r.project_key.clone()).collect();
    let ids: HashMap<String, String> = state.store.project_ids(&keys).await?;
    let data = page
        .rows
        .iter()
        .map(|r| {
            RetirementView::new(
                &r.retirement,
                ids.get(&r.project_key).cloned(),
                Some(r.vintage),
                chain,
            )
        })
        .collect();
    Ok(Json(RetirementList {
        pagination: Pagination::of(&page, &req),
        data,
    }))
}

/// One retirement: its public record. The id is the retired token's (what `ogcr cru retire`
/// and `POST /credits/{id}/retire` answer).
#[utoipa::path(get, path = "/retirements/{retirement_id}", operation_id = "getRetirement", tag = "credits",
    params(("retirement_id" = i64, Path, description = "The retirement id (the retired token's id)", minimum = 1)),
    responses(
        (status = 200, description = "The retirement", body = RetirementView),
        (status = 400, description = "The id is not a positive 64-bit integer", body = ErrorBody),
        (status = 404, description = "No such retirement", body = ErrorBody),
    ))]
pub async fn retirement(
    State(state): State<AppState>,
    Path(retirement_id): Path<String>,
) -> Result<Json<RetirementView>, ApiError> {
    let id = params::id("retirement_id", &retirement_id)?;
    let chain = chain(&state).await?.chain_id;
    let filter = RetirementFilter {
        token_id: Some(id),
        ..RetirementFilter::default()
    };
    let page = state
        .store
        .retirements(&filter, &params::page(Some(1), None, None)?)
        .await?;
    let r = page
        .rows
        .first()
        .ok_or_else(|| ApiError::not_found(format!("no retirement {id}")))?;
    let ids = state
        .store
        .project_ids(std::slice::from_ref(&r.project_key))
        .await?;
    Ok(Json(RetirementView::new(
        &r.retirement,
        ids.get(&r.project_key).cloned(),
        Some(r.vintage),
        chain,
    )))
}

/// A `serial_number_range`: `FIRST-LAST`, one serial, or a serial string ending in them.
fn serial_range(raw: &str) -> Result<(i64, i64), ApiError> {
    let bad = || {
        ApiError::invalid(
            "serial_number_range",
            format!(
                "{raw:?} is not a serial range: give FIRST-LAST (1-1000), one serial (42) or a \
                 block's serial (OGCR-BR-0001-2024-1-1000)"
            ),
        )
    };
    let parts: Vec<&str> = raw.trim().split('-').collect();
    let num = |s: &str| s.parse::<i64>().ok().filter(|n| *n >= 0);
    let (first, last) = match parts.as_slice() {
        [one] => (num(one).ok_or_else(bad)?, num(one).ok_or_else(bad)?),
        [.., a, b] => (num(a).ok_or_else(bad)?, num(b).ok_or_else(bad)?),
        [] => return Err(bad()),
    };
    if first > last {
        return Err(ApiError::invalid(
            "serial_number_range",
            format!("{raw:?} ends before it starts"),
        ));
    }
    Ok((first, last))
}

fn year_start(field: &str, year: i64) -> Result<Option<i64>, ApiError> {
    chrono::NaiveDate::from_ymd_opt(year as i32, 1, 1)
        .filter(|_| (1970..=9999).contains(&year))
        .map(|d| {
            Some(
                d.and_hms_opt(0, 0, 0)
                    .expect("midnight")
                    .and_utc()
                    .timestamp(),
            )
        })
        .ok_or_else(|| {
            ApiError::invalid(field, format!("{year} is not a year between 1970 and 9998"))
        })
}
