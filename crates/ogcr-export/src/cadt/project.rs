//! Tables with one row per project, and the validation and verification events.

use serde_json::{Value, json};

use super::{UNSPECIFIED, int_seek, methodology_key, seek};
use crate::{
    Result,
    context::{Ctx, ProjectInfo},
    exporter::{Cursor, Pos, Rows},
    mapping,
    record::{Record, date},
};

/// Page of a table with one row per project, in project-key order.
pub(super) async fn per_project(
    ctx: &mut Ctx<'_>,
    table: &str,
    pos: &Pos,
    limit: u64,
) -> Result<Rows> {
    let seek = seek(pos, |c| match c {
        Cursor::Text(k) => Some(k.clone()),
        _ => None,
    });
    let page = ctx.ex.store.export_projects(&seek, limit).await?;
    let cursor = page
        .last()
        .map(|r| Cursor::Text(r.project.project_key.clone()));
    ctx.prefetch(page.iter().map(|r| &r.project)).await?;
    let mut out = Vec::with_capacity(page.len());
    for row in page {
        let info = ctx.info(table, row.project.clone()).await?;
        out.push(match table {
            "stakeholder" => stakeholder(ctx, &info),
            "project" => project(ctx, &row, &info)?,
            "project_methodology" => project_methodology(ctx, &info),
            _ => location(ctx, &info)?,
        });
    }
    Ok((out, cursor))
}

fn stakeholder(ctx: &Ctx<'_>, info: &ProjectInfo) -> Value {
    let p = &info.project;
    Record::new("stakeholder")
        .set("cadTrustStakeholderId", ctx.ids.stakeholder(&p.project_id))
        .set("stakeholderName", ctx.developer_name(info))
        .set("stakeholderType", "Developer")
        .times(p.registered_at, p.updated_at)
        .set("cadTrustProjectId", ctx.ids.project(&p.project_id))
        .done()
}

fn project(
    ctx: &Ctx<'_>,
    row: &ogcr_store::export::ProjectRow,
    info: &ProjectInfo,
) -> Result<Value> {
    let p = &info.project;
    let cfg = ctx.cfg();
    let pdd = info.pdd.as_deref();
    let verified = row.first_verified_at.is_some();
    let status = match mapping::project_status(&p.status, verified) {
        Some(s) => s.to_owned(),
        None => {
            ctx.warn(
                "project",
                &p.project_id,
                format!("on-chain status {:?} has no project_status value", p.status),
                None,
            )?;
            p.status.clone()
        }
    };
    let status_at = match (status.as_str(), row.first_verified_at) {
        ("Verified", Some(t)) => t,
        _ => row.status_changed_at,
    };
    let (sectors, types, subtype): (Vec<&str>, Vec<&str>, Option<&str>) = match info.project_type()
    {
        Some(t) => (
            mapping::project_sectors(t).to_vec(),
            mapping::project_types(t).to_vec(),
            Some(mapping::project_subtype(t)),
        ),
        None => {
            ctx.warn(
                "project",
                &p.project_id,
                "project type unknown (no verified PDD): sector \"Others\" and type \
                 \"Any combination of the above\" are exported"
                    .into(),
                None,
            )?;
            (vec!["Others"], vec!["Any combination of the above"], None)
        }
    };
    Ok(Record::new("project")
        .set("cadTrustProjectId", ctx.ids.project(&p.project_id))
        .set("orgUid", ctx.org_uid())
        .set("projectRegistryName", cfg.registry_name.clone())
        .set("projectId", p.project_id.clone())
        .set(
            "projectCreditingProgram",
            cfg.crediting_program
                .clone()
                .unwrap_or_else(|| cfg.program_name.clone()),
        )
        .set(
            "projectName",
            pdd.map_or_else(|| p.project_id.clone(), |d| d.name.clone()),
        )
        .set(
            "projectLink",
            ctx.link(&format!("/projects/{}", p.project_id)),
        )
        .opt(
            "projectDescription",
            pdd.and_then(|d| d.description.clone()),
        )
        .set("projectSector", json!(sectors))
        .set("projectType", json!(types))
        .opt("projectSubtype", subtype)
        .set("projectStatus", status)
        .set("projectStatusDate", date(status_at))
        .set("projectUnitMetric", "tCO2e")
        .times(
            p.registered_at,
            p.updated_at
                .max(status_at)
                .max(row.first_verified_at.unwrap_or(0)),
        )
        .opt(
            "cadTrustReferenceProjectId",
            (!p.external_registry.is_empty() && !p.external_project_id.is_empty())
                .then(|| format!("{}-{}", p.external_registry, p.external_project_id)),
        )
        .set("cadTrustProgramId", ctx.ids.program())
        .done())
}

fn project_methodology(ctx: &Ctx<'_>, info: &ProjectInfo) -> Value {
    let p = &info.project;
    let (code, version) = methodology_key(info)
        .unwrap_or_else(|| (UNSPECIFIED.0.to_owned(), UNSPECIFIED.1.to_owned()));
    let description = info
        .pdd
        .as_ref()
        .and_then(|d| d.methodology.as_ref())
        .map(|m| {
            let mut s = format!("{} v{}", m.id, m.version);
            if let Some(c) = &m.category {
                s.push_str(&format!(" ({c})"));
            }
            format!("{s}, as stated in PDD version {}", p.version)
        });
    Record::new("project_methodology")
        .set(
            "cadTrustProjectMethodologyId",
            ctx.ids.project_methodology(&p.project_id),
        )
        .set("cadTrustProjectId", ctx.ids.project(&p.project_id))
        .set(
            "cadTrustMethodologyId",
            ctx.ids.methodology(&code, &version),
        )
        .set("projectMethodologyDate", date(p.registered_at))
        .opt("projectMethodologyDescription", description)
        .times(p.registered_at, p.updated_at)
        .done()
}

fn location(ctx: &Ctx<'_>, info: &ProjectInfo) -> Result<Value> {
    let p = &info.project;
    let place = ctx.place("location", info)?;
    let map = info.pdd.is_some();
    Ok(Record::new("location")
        .set("cadTrustLocationId", ctx.ids.location(&p.project_id))
        .set("locationCountry", place.country)
        .opt("locationRegion", place.region)
        .opt("locationGis", place.gis)
        .opt("locationMapType", map.then_some("GeoJSON"))
        .opt(
            "locationMapFileLink",
            map.then(|| {
                ctx.link(&format!(
                    "/projects/{}/versions/{}",
                    p.project_id, p.version
                ))
            }),
        )
        .times(p.registered_at, p.updated_at)
        .set("cadTrustProjectId", ctx.ids.project(&p.project_id))
        .done())
}

/// Validation decisions in chain order.
pub(super) async fn validations(ctx: &mut Ctx<'_>, pos: &Pos, limit: u64) -> Result<Rows> {
    let seek = seek(pos, |c| match c {
        Cursor::Pair(a, b) => Some((*a, *b)),
        _ => None,
    });
    let page = ctx.ex.store.export_validations(&seek, limit).await?;
    let cursor = page
        .last()
        .map(|r| Cursor::Pair(r.decision.block_number, r.decision.log_index));
    let mut out = Vec::with_capacity(page.len());
    for v in page {
        let d = &v.decision;
        let kind = if v.ordinal <= 1 {
            "Validation of Project Design Document"
        } else {
            "Validation of Post Registration Change"
        };
        out.push(
            Record::new("validation")
                .set(
                    "cadTrustValidationId",
                    ctx.ids.validation(&v.project_id, v.ordinal),
                )
                .set(
                    "validationId",
                    format!("{}-VAL-{}", v.project_id, v.ordinal),
                )
                .set("validationType", kind)
                .set(
                    "validationBody",
                    ctx.body("validation", "validation", &d.actor)?,
                )
                .set("validationDate", date(d.timestamp))
                .opt(
                    "validationCreditPeriodStartDate",
                    d.crediting_start.map(date),
                )
                .opt("validationCreditPeriodEndDate", d.crediting_end.map(date))
                .times(d.timestamp, d.timestamp)
                .set("cadTrustProjectId", ctx.ids.project(&v.project_id))
                .done(),
        );
    }
    Ok((out, cursor))
}

/// Verified monitoring reports by id.
pub(super) async fn verifications(ctx: &mut Ctx<'_>, pos: &Pos, limit: u64) -> Result<Rows> {
    let seek = int_seek(pos);
    let page = ctx.ex.store.export_reports(false, &seek, limit).await?;
    let cursor = page.last().map(|r| Cursor::Int(r.report.mrv_id));
    let mut out = Vec::with_capacity(page.len());
    for row in page {
        let r = &row.report;
        let decided = r.decided_at.unwrap_or(r.submitted_at);
        let verifier = r.verifier.clone().unwrap_or_default();
        out.push(
            Record::new("verification")
                .set("cadTrustVerificationId", ctx.ids.verification(r.mrv_id))
                .set(
                    "verificationId",
                    format!("{}-MRV-{}", row.project_id, r.mrv_id),
                )
                .set("verificationStartDate", date(r.period_start))
                // The on-chain period end is exclusive (midnight after the last day).
                .set("verificationEndDate", date(r.period_end - 1))
                .set(
                    "verificationBody",
                    ctx.body("verification", "verification", &verifier)?,
                )
                .times(decided, decided)
                .set("cadTrustProjectId", ctx.ids.project(&row.project_id))
                .opt(
                    "cadTrustValidationId",
                    (row.validations_before > 0)
                        .then(|| ctx.ids.validation(&row.project_id, row.validations_before)),
                )
                .done(),
        );
    }
    Ok((out, cursor))
}
