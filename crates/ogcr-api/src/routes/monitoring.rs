//! `/projects/{id}/monitoring`: OGCR MRV reports with their on-chain verification.

use std::collections::HashMap;

use axum::{
    Json,
    extract::{Path, State},
};
use ogcr_store::{Document, MrvReport, query::MrvFilter};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::{
    AppState,
    error::{ApiError, ErrorBody},
    params::{self, Q},
    routes::{chain, projects::find},
    views::{
        LedgerReference, Link, MonitoringList, MrvFeature, Pagination, UnverifiedMrvFeature,
        UnverifiedMrvProperties, anchor, date, mrv_status, parsed, rfc3339, unverified,
    },
};

/// Filters and paging of `GET /projects/{project_id}/monitoring`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MonitoringQuery {
    /// Verification statuses, comma-separated: pending, verified, rejected.
    #[param(
        example = "verified",
        pattern = r"^(pending|verified|rejected)(,(pending|verified|rejected))*$"
    )]
    status: Option<String>,
    /// Verifier address.
    #[param(pattern = r"^0[xX][0-9a-fA-F]{40}$")]
    verifier: Option<String>,
    /// Reports whose monitoring period ends after this date.
    #[param(
        example = "2024-01-01",
        pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"
    )]
    period_from: Option<String>,
    /// Reports whose monitoring period starts before this date.
    #[param(
        pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"
    )]
    period_to: Option<String>,
    /// Reports whose monitoring period overlaps this calendar year (api-documentation.md's
    /// filter; combines with period_from/period_to).
    #[param(minimum = 1970, maximum = 9998, example = 2024)]
    reporting_year: Option<i64>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// Rows to skip.
    #[param(minimum = 0)]
    offset: Option<i64>,
    /// `next_cursor` of the previous page (empty: first page of keyset pagination). Valid
    /// only with the same filters, `sort` and `order`.
    cursor: Option<String>,
    /// The field to order by: created_at (submission order, the default), period_start,
    /// status (pending, verified, rejected).
    #[param(
        example = "period_start",
        pattern = r"^(created_at|period_start|status)$"
    )]
    sort: Option<String>,
    /// asc (the default) or desc.
    #[param(example = "desc", pattern = r"^(asc|desc)$")]
    order: Option<String>,
}

/// A project's monitoring reports.
#[utoipa::path(get, path = "/projects/{project_id}/monitoring", operation_id = "listMonitoringReports", tag = "monitoring",
    params(("project_id" = String, Path, description = "On-chain project id"), MonitoringQuery),
    responses(
        (status = 200, description = "A page of MRV Features, oldest report first unless `sort` and `order` say otherwise", body = MonitoringList),
        (status = 400, description = "A parameter is invalid", body = ErrorBody),
        (status = 404, description = "No such project", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    Path(project_id): Path<String>,
    Q(q): Q<MonitoringQuery>,
) -> Result<Json<MonitoringList>, ApiError> {
    let mut period_from = params::time("period_from", q.period_from.as_deref())?;
    let mut period_to = params::time("period_to", q.period_to.as_deref())?;
    if let Some(y) = q.reporting_year {
        let start = |year: i64| {
            chrono::NaiveDate::from_ymd_opt(year as i32, 1, 1)
                .filter(|_| (1970..=9999).contains(&year))
                .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp())
                .ok_or_else(|| {
                    ApiError::invalid(
                        "reporting_year",
                        format!("{y} is not a year between 1970 and 9998"),
                    )
                })
        };
        let (from, to) = (start(y)?, start(y + 1)?);
        period_from = Some(period_from.map_or(from, |f| f.max(from)));
        period_to = Some(period_to.map_or(to, |t| t.min(to)));
    }
    params::range("period_to", period_from, period_to)?;
    let status = params::one_of_list(
        "status",
        q.status.as_deref(),
        &["pending", "verified", "rejected"],
    )?
    .into_iter()
    .map(|s| {
        if s == "pending" {
            "submitted".to_owned()
        } else {
            s
        }
    })
    .collect();
    let req = params::page(q.limit, q.offset, q.cursor.as_deref())?;
    let verifier = params::address("verifier", q.verifier.as_deref())?;
    let sort = params::sort(q.sort.as_deref(), q.order.as_deref())?;
    let chain = chain(&state).await?.chain_id;
    let project = find(&state, &project_id).await?;
    let filter = MrvFilter {
        project_key: Some(project.project.project_key),
        status,
        verifier,
        period_from,
        period_to,
        sort,
    };
    let page = state.store.mrv_reports(&filter, &req).await?;
    let docs = documents(&state, &page.rows).await?;
    let data = page
        .rows
        .iter()
        .map(|m| {
            MrvFeature(feature(
                &state,
                chain,
                &project_id,
                m,
                docs.get(&m.mrv_hash),
            ))
        })
        .collect();
    Ok(Json(MonitoringList {
        pagination: Pagination::of(&page, &req),
        data,
    }))
}

/// One monitoring report.
#[utoipa::path(get, path = "/projects/{project_id}/monitoring/{mrv_id}", operation_id = "getMonitoringReport", tag = "monitoring",
    params(
        ("project_id" = String, Path, description = "On-chain project id"),
        ("mrv_id" = i64, Path, description = "On-chain report id", minimum = 1),
    ),
    responses(
        (status = 200, description = "The MRV Feature with its verification status and ledger reference", body = MrvFeature),
        (status = 400, description = "The report id is not a positive 64-bit integer", body = ErrorBody),
        (status = 404, description = "No such project or report", body = ErrorBody),
    ))]
pub async fn one(
    State(state): State<AppState>,
    Path((project_id, mrv_id)): Path<(String, String)>,
) -> Result<Json<MrvFeature>, ApiError> {
    let id = params::id("mrv_id", &mrv_id)?;
    let chain = chain(&state).await?.chain_id;
    let project = find(&state, &project_id).await?;
    let m = state
        .store
        .mrv_report(id)
        .await?
        .filter(|m| m.project_key == project.project.project_key)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "project {project_id} has no monitoring report {id}"
            ))
        })?;
    let docs = documents(&state, std::slice::from_ref(&m)).await?;
    Ok(Json(MrvFeature(feature(
        &state,
        chain,
        &project_id,
        &m,
        docs.get(&m.mrv_hash),
    ))))
}

/// The on-chain verification of a monitoring report (the OGCR MRV document has no member
/// for it: its schema is closed).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Verification {
    /// The report id.
    pub mrv_id: i64,
    /// Project id.
    pub project_id: String,
    /// `pending` (submitted, not decided), `verified` or `rejected`.
    #[schema(example = "verified")]
    pub outcome: String,
    /// The verifier's account (lowercase hex), once decided.
    pub verifier: Option<String>,
    /// The verifier's accredited body (the export configuration's `bodies`), when known.
    pub verifier_name: Option<String>,
    /// Kilograms CO2e verified (decimal string, exact).
    #[schema(example = "4850300")]
    pub verified_kg: Option<String>,
    /// The same in tonnes.
    pub verified_tco2e: Option<f64>,
    /// Tonnes issued against the report so far, and into the buffer pool.
    pub issued_tco2e: i64,
    /// Tonnes issued into the buffer pool.
    pub buffer_tco2e: i64,
    /// SHA-256 of the verification report.
    pub verification_report_hash: Option<String>,
    /// CS-01 dataset commitment the report was submitted with.
    pub dataset_commitment: String,
    /// The verifier's signed EIP-712 attestation, when the verification was relayed.
    pub attestation: Option<Attestation>,
    /// The decision's transaction.
    pub ledger_reference: Option<LedgerReference>,
    /// `self`, the report, the project.
    pub links: Vec<Link>,
}

/// A relayed verifier attestation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attestation {
    /// Its EIP-712 digest.
    pub digest: String,
    /// Who signed it: the verifier.
    pub signer: Option<String>,
    /// Who sent it on chain.
    pub relayer: Option<String>,
    /// The signature.
    pub signature: Option<String>,
}

/// The verification of one monitoring report: outcome, verifier, verified amount,
/// attestation and the deciding transaction.
#[utoipa::path(get, path = "/projects/{project_id}/monitoring/{mrv_id}/verification", operation_id = "getVerification", tag = "monitoring",
    params(
        ("project_id" = String, Path, description = "On-chain project id"),
        ("mrv_id" = i64, Path, description = "On-chain report id", minimum = 1),
    ),
    responses(
        (status = 200, description = "The report's verification as recorded on chain", body = Verification),
        (status = 400, description = "The report id is not a positive 64-bit integer", body = ErrorBody),
        (status = 404, description = "No such project or report", body = ErrorBody),
    ))]
pub async fn verification(
    State(state): State<AppState>,
    Path((project_id, mrv_id)): Path<(String, String)>,
) -> Result<Json<Verification>, ApiError> {
    let id = params::id("mrv_id", &mrv_id)?;
    let chain = chain(&state).await?.chain_id;
    let project = find(&state, &project_id).await?;
    let m = state
        .store
        .mrv_report(id)
        .await?
        .filter(|m| m.project_key == project.project.project_key)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "project {project_id} has no monitoring report {id}"
            ))
        })?;
    let bodies = &state.exporter.config().bodies;
    let verifier_name = m
        .verifier
        .as_ref()
        .and_then(|v| bodies.get(&v.to_ascii_lowercase()).cloned());
    let base = format!("/projects/{project_id}/monitoring/{id}");
    Ok(Json(Verification {
        mrv_id: id,
        project_id: project_id.clone(),
        outcome: mrv_status(&m.status).to_owned(),
        verifier_name,
        verified_tco2e: m
            .verified_kg
            .as_deref()
            .and_then(|kg| kg.parse::<f64>().ok())
            .map(|kg| kg / 1000.0),
        verified_kg: m.verified_kg.clone(),
        issued_tco2e: m.issued_tonnes,
        buffer_tco2e: m.buffer_tonnes,
        verification_report_hash: m.verification_report_hash.clone(),
        dataset_commitment: m.dataset_commitment.clone(),
        attestation: m.attestation_digest.clone().map(|digest| Attestation {
            digest,
            signer: m.verifier.clone(),
            relayer: m.relayer.clone(),
            signature: m.signature.clone(),
        }),
        verifier: m.verifier.clone(),
        ledger_reference: match (&m.decided_tx, m.decided_block, m.decided_at) {
            (Some(tx), Some(block), Some(at)) => Some(LedgerReference::new(chain, tx, block, at)),
            _ => None,
        },
        links: vec![
            Link::json("self", state.url(&format!("{base}/verification")), None),
            Link::json("report", state.url(&base), Some("The monitoring report")),
            Link::json(
                "project",
                state.url(&format!("/projects/{project_id}")),
                None,
            ),
        ],
    }))
}

async fn documents(
    state: &AppState,
    rows: &[MrvReport],
) -> Result<HashMap<String, Document>, ApiError> {
    let hashes: Vec<String> = rows.iter().map(|m| m.mrv_hash.clone()).collect();
    Ok(state.store.verified_documents(&hashes).await?)
}

/// The Feature of a report: its verified document with the on-chain verification status and
/// date, ledger reference (the submission) and links.
fn feature(
    state: &AppState,
    chain_id: i64,
    project_id: &str,
    m: &MrvReport,
    doc: Option<&Document>,
) -> Value {
    let links = vec![
        Link::json(
            "self",
            state.url(&format!("/projects/{project_id}/monitoring/{}", m.mrv_id)),
            None,
        ),
        Link::json(
            "pdd",
            state.url(&format!("/projects/{project_id}")),
            Some("The project"),
        ),
        // The schema's closed `rel` list has no "verification"; "verifier" is the verifier's
        // record of the report.
        Link::json(
            "verifier",
            state.url(&format!(
                "/projects/{project_id}/monitoring/{}/verification",
                m.mrv_id
            )),
            Some("The verification: verifier, verified amount, attestation, transaction"),
        ),
        Link {
            rel: "supporting-doc".into(),
            href: m.uri.clone(),
            media_type: Some("application/geo+json".into()),
            title: Some("The report as anchored on chain".into()),
        },
    ];
    let ledger = LedgerReference::new(chain_id, &m.submitted_tx, m.submitted_block, m.submitted_at);
    let Some(mut body) = parsed(doc) else {
        let skeleton = UnverifiedMrvFeature {
            feature_type: "Feature".into(),
            id: format!("{project_id}-MRV-{}", m.mrv_id),
            profile: "mrv".into(),
            geometry: None,
            properties: UnverifiedMrvProperties {
                project_id: project_id.to_owned(),
                start_date: date(m.period_start),
                end_date: date(m.period_end - 1),
                verification_status: mrv_status(&m.status).to_owned(),
            },
            document: unverified("report", &m.mrv_hash, &m.uri),
            ledger_reference: ledger,
            links,
        };
        return serde_json::to_value(skeleton).expect("features serialise");
    };
    if let Some(props) = body.get_mut("properties").and_then(Value::as_object_mut) {
        props.insert("verification_status".into(), mrv_status(&m.status).into());
        match m.decided_at {
            Some(t) => {
                props.insert("verification_date".into(), rfc3339(t).into());
            }
            None => {
                props.remove("verification_date");
            }
        }
    }
    anchor(&mut body, &ledger, links);
    body
}
