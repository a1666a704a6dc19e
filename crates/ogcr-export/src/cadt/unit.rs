//! Issuances, units (one per CRU token, i.e. serial block) and their labels.

use std::collections::BTreeMap;

use ogcr_store::{Cancellation, Retirement, Token};
use serde_json::{Value, json};

use super::{int_seek, seek};
use crate::{
    Result,
    context::{Ctx, ProjectInfo},
    exporter::{Cursor, Pos, Rows},
    mapping,
    record::{Record, date},
};

/// Issuances: verified reports with minted units, by report id.
pub(super) async fn issuances(ctx: &mut Ctx<'_>, pos: &Pos, limit: u64) -> Result<Rows> {
    let seek = int_seek(pos);
    let page = ctx.ex.store.export_reports(true, &seek, limit).await?;
    let cursor = page.last().map(|r| Cursor::Int(r.report.mrv_id));
    let out = page
        .into_iter()
        .map(|row| {
            let r = &row.report;
            let (first, last) = row
                .issued
                .unwrap_or((r.decided_at.unwrap_or(r.submitted_at), 0));
            let pid = &row.project_id;
            Record::new("issuance")
                .set("cadTrustIssuanceId", ctx.ids.issuance(r.mrv_id))
                .set("issuanceId", format!("{pid}-MRV-{}-ISS", r.mrv_id))
                .set("issuanceDate", date(first))
                .times(first, last)
                .set("cadTrustVerificationId", ctx.ids.verification(r.mrv_id))
                .set(
                    "cadTrustProjectMethodologyId",
                    ctx.ids.project_methodology(pid),
                )
                .set("cadTrustLocationId", ctx.ids.location(pid))
                .done()
        })
        .collect();
    Ok((out, cursor))
}

/// The projects (with PDDs) of a page of tokens, by key.
pub(crate) async fn projects_of(
    ctx: &mut Ctx<'_>,
    table: &str,
    tokens: &[Token],
) -> Result<BTreeMap<String, ProjectInfo>> {
    let mut keys: Vec<String> = tokens.iter().map(|t| t.project_key.clone()).collect();
    keys.sort();
    keys.dedup();
    let mut out = BTreeMap::new();
    let projects = ctx.ex.store.export_projects_by_key(&keys).await?;
    ctx.prefetch(&projects).await?;
    for p in projects {
        out.insert(p.project_key.clone(), ctx.info(table, p).await?);
    }
    Ok(out)
}

/// Units: every token, by id.
pub(super) async fn units(ctx: &mut Ctx<'_>, pos: &Pos, limit: u64) -> Result<Rows> {
    let seek = int_seek(pos);
    let store = &ctx.ex.store;
    let tokens = store.export_tokens(&seek, limit).await?;
    let cursor = tokens.last().map(|t| Cursor::Int(t.token_id));
    let ids: Vec<i64> = tokens.iter().map(|t| t.token_id).collect();
    let retired = store.retirements_of(&ids).await?;
    let mut cancelled: BTreeMap<i64, Cancellation> = BTreeMap::new();
    for c in store.export_cancellations_of(&ids).await? {
        cancelled.insert(c.token_id, c);
    }
    let projects = projects_of(ctx, "unit", &tokens).await?;
    let mut out = Vec::with_capacity(tokens.len());
    for t in &tokens {
        let info = projects.get(&t.project_key);
        out.push(unit(
            ctx,
            t,
            info,
            retired.get(&t.token_id),
            cancelled.get(&t.token_id),
        )?);
    }
    Ok((out, cursor))
}

/// `<registry>-<project id>-<vintage>-<first serial>-<last serial>`; the registry prefix is
/// not repeated when the project id already starts with it (`OGCR-BR-0107-…`, not
/// `OGCR-OGCR-BR-0107-…`).
pub(crate) fn serial_id(registry: &str, project_id: &str, t: &Token) -> String {
    let prefixed = project_id
        .strip_prefix(registry)
        .is_some_and(|rest| rest.starts_with('-'));
    let project = if prefixed {
        project_id.to_owned()
    } else {
        format!("{registry}-{project_id}")
    };
    format!(
        "{project}-{}-{}-{}",
        t.vintage,
        t.serial_start,
        last_serial(t)
    )
}

/// The last serial of a token.
pub(crate) fn last_serial(t: &Token) -> i64 {
    t.serial_start + t.amount - 1
}

fn unit(
    ctx: &Ctx<'_>,
    t: &Token,
    info: Option<&ProjectInfo>,
    retirement: Option<&Retirement>,
    cancellation: Option<&Cancellation>,
) -> Result<Value> {
    let project_id = info.map_or_else(|| t.project_key.clone(), |i| i.id().to_owned());
    let status = match mapping::unit_status(&t.status) {
        Some(s) => s.to_owned(),
        None => {
            ctx.warn(
                "unit",
                &t.token_id.to_string(),
                format!("token status {:?} has no unit_status value", t.status),
                None,
            )?;
            t.status.clone()
        }
    };
    let unit_type = info
        .and_then(ProjectInfo::project_type)
        .map_or(mapping::UNIT_TYPE_UNKNOWN, mapping::unit_type);
    let origin = match t.parent_token_id {
        Some(p) => format!("split from token {p}"),
        None => format!("issued against verified MRV report {}", t.mrv_id),
    };
    let (reason, status_at) = match (t.status.as_str(), retirement, cancellation) {
        ("retired", Some(r), _) => (
            format!(
                "Retired ({} use) by {}",
                mapping::retirement_reason(r.reason_code),
                r.actor
            ),
            r.timestamp,
        ),
        ("cancelled", _, Some(c)) => (
            format!("Cancelled by the registry operator: {}", c.reason),
            c.timestamp,
        ),
        ("buffer", _, _) => (format!("Buffer pool units, {origin}"), t.minted_at),
        _ => (format!("Held: {origin}"), t.minted_at),
    };
    let retired = retirement.filter(|_| t.status == "retired");
    let detail = retired.map(|r| {
        let purpose = format!("{} use", mapping::retirement_reason(r.reason_code));
        if r.detail.is_empty() {
            purpose
        } else {
            format!("{} ({purpose})", r.detail)
        }
    });
    let nonempty = |s: &String| (!s.is_empty()).then(|| s.clone());
    Ok(Record::new("unit")
        .set("cadTrustUnitId", ctx.ids.unit(t.token_id))
        .set("orgUid", ctx.org_uid())
        .set(
            "unitSerialId",
            serial_id(&ctx.cfg().registry_name, &project_id, t),
        )
        .set("unitStartBlock", t.serial_start.to_string())
        .set("unitEndBlock", last_serial(t).to_string())
        .set("unitCount", json!(t.amount))
        .set("unitType", unit_type)
        .set("unitVintageYear", json!(t.vintage))
        .set("unitStatus", status)
        .set("unitStatusReason", reason)
        .set("unitStatusDate", date(status_at))
        .opt("unitRetirementDetail", detail)
        .opt(
            "unitRetirementBeneficiary",
            retired.and_then(|r| nonempty(&r.beneficiary)),
        )
        .opt(
            "unitRetirementBeneficiaryId",
            retired.and_then(|r| nonempty(&r.beneficiary_id)),
        )
        .set("unitLink", ctx.link(&format!("/credits/{}", t.token_id)))
        .set("unitMetric", "tCO2e")
        .set("unitCurrentOwner", t.owner.clone())
        .opt("unitItmosReferenceId", nonempty(&t.itmo_reference))
        .times(t.minted_at, t.updated_at.max(status_at))
        .set("cadTrustIssuanceId", ctx.ids.issuance(t.mrv_id))
        .done())
}

/// When a token's current labels took effect: its last `setLabels`, else its mint.
pub(crate) async fn labels_since(ctx: &Ctx<'_>, tokens: &[Token]) -> Result<BTreeMap<i64, i64>> {
    let changed: Vec<i64> = tokens
        .iter()
        .filter(|t| t.updated_block > t.minted_block)
        .map(|t| t.token_id)
        .collect();
    let updates = ctx.ex.store.export_labels_updated_at(&changed).await?;
    Ok(tokens
        .iter()
        .map(|t| {
            let since = updates
                .get(&t.token_id)
                .map_or(t.minted_at, |u| (*u).max(t.minted_at));
            (t.token_id, since)
        })
        .collect())
}

/// Unit labels: every (token, label) pair, by token then label bit.
pub(super) async fn unit_labels(ctx: &mut Ctx<'_>, pos: &Pos, limit: u64) -> Result<Rows> {
    let seek = seek(pos, |c| match c {
        Cursor::Pair(a, b) => Some((*a, *b)),
        _ => None,
    });
    let store = &ctx.ex.store;
    let pairs = store.export_token_labels(&seek, limit).await?;
    let cursor = pairs.last().map(|(t, b)| Cursor::Pair(*t, *b));
    let mut ids: Vec<i64> = pairs.iter().map(|p| p.0).collect();
    ids.dedup();
    let tokens = store.export_tokens_by_id(&ids).await?;
    let since = labels_since(ctx, &tokens).await?;
    let by_id: BTreeMap<i64, &Token> = tokens.iter().map(|t| (t.token_id, t)).collect();
    let mut out = Vec::with_capacity(pairs.len());
    for (id, bit) in pairs {
        let Some(t) = by_id.get(&id) else { continue };
        let at = since.get(&id).copied().unwrap_or(t.minted_at);
        let description = match bit {
            ogcr_store::export::LABEL_ARTICLE6_AUTHORIZED if !t.itmo_reference.is_empty() => {
                format!("Article 6 authorised, ITMO reference {}", t.itmo_reference)
            }
            _ => mapping::label(bit).map_or_else(String::new, |l| l.1.to_owned()),
        };
        out.push(
            Record::new("unit_label")
                .set("cadTrustUnitLabelId", ctx.ids.unit_label(id, bit))
                .set("cadTrustLabelId", ctx.ids.label(bit))
                .set("cadTrustUnitId", ctx.ids.unit(id))
                .set("labelUnitDate", date(at))
                .set("labelUnitDescription", description)
                .times(at, at)
                .done(),
        );
    }
    Ok((out, cursor))
}
