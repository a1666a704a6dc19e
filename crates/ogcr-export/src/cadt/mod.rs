//! The CAD Trust baseline tables, derived from the indexed database (see `CADT.md` for
//! the derivation of every field).
//!
//! Tables with one row per project, validation, verified report, issuance, token or token
//! label are read page by page from the store. Tables that aggregate over projects
//! (methodology, estimation) or hold a handful of rows (program, label) are built from a scan
//! of the projects and sliced; so are rating and co_benefit, whose only source is the export
//! configuration (OGCR records neither on chain).

use std::sync::Arc;

use ogcr_core::MethodologyRegistry;
use ogcr_store::export::Seek;
use serde_json::{Value, json};

use crate::{
    Result,
    context::Ctx,
    exporter::{Cursor, Pos, Rows},
    mapping,
    memo::STRIDE,
    record::{Record, date},
    spec::TableSpec,
};

/// Project, stakeholder, project_methodology, location, validation, verification.
mod project;
/// Issuance, unit, unit_label.
pub(crate) mod unit;

/// Projects read per page while scanning all of them.
const SCAN_BATCH: u64 = 200;

/// Records in table `t` (kept for the data revision).
pub(crate) async fn count(ctx: &mut Ctx<'_>, t: &TableSpec) -> Result<u64> {
    if let Some(Some(n)) = ctx.memo(|m| m.counts.get(&t.name).copied()) {
        return Ok(n);
    }
    let n = count_now(ctx, t).await?;
    ctx.memo(|m| m.counts.insert(t.name.clone(), n));
    Ok(n)
}

async fn count_now(ctx: &mut Ctx<'_>, t: &TableSpec) -> Result<u64> {
    let s = &ctx.ex.store;
    Ok(match t.name.as_str() {
        "program" => 1,
        "label" => whole(ctx, "label").await?.len() as u64,
        "methodology" => whole(ctx, "methodology").await?.len() as u64,
        "estimation" => count_estimations(ctx).await?,
        "stakeholder" | "project" | "project_methodology" | "location" => {
            s.export_count_projects().await?
        }
        "validation" => s.export_count_validations().await?,
        "verification" => s.export_count_reports(false).await?,
        "issuance" => s.export_count_reports(true).await?,
        "unit" => s.export_count_tokens().await?,
        "unit_label" => s.export_count_token_labels().await?,
        "rating" | "co_benefit" => configured(ctx, &t.name).await?.len() as u64,
        _ => 0,
    })
}

/// Up to `limit` records of table `t` from `pos`.
pub(crate) async fn rows(ctx: &mut Ctx<'_>, t: &TableSpec, pos: &Pos, limit: u64) -> Result<Rows> {
    match t.name.as_str() {
        "program" => Ok(slice(&[program(ctx)], pos, limit)),
        "label" => {
            let all = whole(ctx, "label").await?;
            Ok(slice(&all, pos, limit))
        }
        "methodology" => {
            let all = whole(ctx, "methodology").await?;
            Ok(slice(&all, pos, limit))
        }
        "estimation" => estimations(ctx, pos, limit).await,
        "stakeholder" | "project" | "project_methodology" | "location" => {
            project::per_project(ctx, &t.name, pos, limit).await
        }
        "validation" => project::validations(ctx, pos, limit).await,
        "verification" => project::verifications(ctx, pos, limit).await,
        "issuance" => unit::issuances(ctx, pos, limit).await,
        "unit" => unit::units(ctx, pos, limit).await,
        "unit_label" => unit::unit_labels(ctx, pos, limit).await,
        "rating" | "co_benefit" => {
            let all = configured(ctx, &t.name).await?;
            Ok(slice(&all, pos, limit))
        }
        _ => Ok((Vec::new(), None)),
    }
}

/// The label or methodology table, built once per data revision.
async fn whole(ctx: &mut Ctx<'_>, table: &'static str) -> Result<Arc<Vec<Value>>> {
    if let Some(Some(all)) = ctx.memo(|m| m.whole.get(table).cloned()) {
        return Ok(all);
    }
    let all = Arc::new(match table {
        "label" => labels(ctx).await?,
        _ => methodologies(ctx).await?,
    });
    ctx.memo(|m| m.whole.insert(table, all.clone()));
    Ok(all)
}

/// `pos` as a store seek, with `key` reading the cursor of this table.
pub(crate) fn seek<K>(pos: &Pos, key: impl Fn(&Cursor) -> Option<K>) -> Seek<K> {
    match pos {
        Pos::Offset(n) => Seek::Offset(*n),
        Pos::After(c) => {
            Seek::After(key(c).unwrap_or_else(|| unreachable!("a cursor of another table: {c:?}")))
        }
    }
}

/// `pos` as a store seek on a table keyed by one integer (token id, report id).
pub(crate) fn int_seek(pos: &Pos) -> Seek<i64> {
    seek(pos, |c| match c {
        Cursor::Int(i) => Some(*i),
        _ => None,
    })
}

/// Records `pos..pos + limit` of a table built whole.
pub(crate) fn slice(all: &[Value], pos: &Pos, limit: u64) -> Rows {
    let from = match pos {
        Pos::Offset(n) => usize::try_from(*n).unwrap_or(usize::MAX),
        Pos::After(_) => unreachable!("tables built whole are read by offset"),
    };
    let rows = all
        .iter()
        .skip(from)
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .cloned()
        .collect();
    (rows, None)
}

fn program(ctx: &Ctx<'_>) -> Value {
    let cfg = ctx.cfg();
    let chain = &ctx.meta.chain;
    let t = ctx.deployed_at();
    Record::new("program")
        .set("cadTrustProgramId", ctx.ids.program())
        .set("programName", cfg.program_name.clone())
        .set("programRegistry", cfg.registry_name.clone())
        .set(
            "programRegistryId",
            cfg.program_registry_id
                .clone()
                .unwrap_or_else(|| format!("{}-{}", cfg.registry_name, chain.chain_id)),
        )
        .set(
            "programDescription",
            cfg.program_description.clone().unwrap_or_else(|| {
                format!(
                    "{} on chain {}: ProjectRegistry {}, MRVRegistry {}, CarbonRemovalUnit {}",
                    cfg.program_name,
                    chain.chain_id,
                    chain.project_registry,
                    chain.mrv_registry,
                    chain.carbon_removal_unit
                )
            }),
        )
        .times(t, t)
        .done()
}

async fn labels(ctx: &Ctx<'_>) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for (bit, first) in ctx.ex.store.export_label_usage().await? {
        let Some((kind, name)) = mapping::label(bit) else {
            continue;
        };
        out.push(
            Record::new("label")
                .set("cadTrustLabelId", ctx.ids.label(bit))
                .set("labelName", name)
                .set("labelType", kind)
                .set("labelDate", date(first))
                .times(first, first)
                .done(),
        );
    }
    Ok(out)
}

/// The methodology a project's PDD names: (code, version), or `None`.
pub(crate) fn methodology_key(info: &crate::context::ProjectInfo) -> Option<(String, String)> {
    let m = info.pdd.as_ref()?.methodology.as_ref()?;
    Some((m.id.clone(), m.version.clone()))
}

/// Code and version of the stand-in methodology of projects whose PDD names none.
pub(crate) const UNSPECIFIED: (&str, &str) = ("UNSPECIFIED", "");

/// Calls `f` with every project and its verified PDD, a page at a time.
pub(crate) async fn scan_projects(
    ctx: &mut Ctx<'_>,
    table: &str,
    mut f: impl FnMut(
        &Ctx<'_>,
        &ogcr_store::export::ProjectRow,
        &crate::context::ProjectInfo,
    ) -> Result<()>,
) -> Result<()> {
    scan_projects_from(ctx, table, Seek::start(), |ctx, row, info| {
        f(ctx, row, info).map(|()| true)
    })
    .await
}

/// Calls `f` with every project from `seek` on and its verified PDD, a page at a time,
/// until `f` returns `false`.
pub(crate) async fn scan_projects_from(
    ctx: &mut Ctx<'_>,
    table: &str,
    mut seek: Seek<String>,
    mut f: impl FnMut(
        &Ctx<'_>,
        &ogcr_store::export::ProjectRow,
        &crate::context::ProjectInfo,
    ) -> Result<bool>,
) -> Result<()> {
    loop {
        let page = ctx.ex.store.export_projects(&seek, SCAN_BATCH).await?;
        ctx.prefetch(page.iter().map(|r| &r.project)).await?;
        for row in &page {
            let info = ctx.info(table, row.project.clone()).await?;
            if !f(ctx, row, &info)? {
                ctx.clear();
                return Ok(());
            }
        }
        ctx.clear();
        match page.last() {
            Some(last) if page.len() as u64 == SCAN_BATCH => {
                seek = Seek::After(last.project.project_key.clone());
            }
            _ => return Ok(()),
        }
    }
}

async fn methodologies(ctx: &mut Ctx<'_>) -> Result<Vec<Value>> {
    struct Seen {
        name: Option<String>,
        category: Option<String>,
        unit_types: std::collections::BTreeSet<&'static str>,
        created: i64,
        updated: i64,
    }
    let mut seen: std::collections::BTreeMap<(String, String), Seen> = Default::default();
    scan_projects(ctx, "methodology", |_, row, info| {
        let key = methodology_key(info)
            .unwrap_or_else(|| (UNSPECIFIED.0.to_owned(), UNSPECIFIED.1.to_owned()));
        let m = info.pdd.as_ref().and_then(|p| p.methodology.clone());
        let e = seen.entry(key).or_insert(Seen {
            name: None,
            category: None,
            unit_types: Default::default(),
            created: row.project.registered_at,
            updated: row.project.updated_at,
        });
        if let Some(m) = m {
            e.name = e.name.take().or(m.name);
            e.category = e.category.take().or(m.category);
        }
        if let Some(t) = info.project_type() {
            e.unit_types.insert(mapping::unit_type(t));
        }
        e.created = e.created.min(row.project.registered_at);
        e.updated = e.updated.max(row.project.updated_at);
        Ok(())
    })
    .await?;
    let registry = MethodologyRegistry::builtin();
    Ok(seen
        .into_iter()
        .map(|((code, version), s)| {
            let unspecified = code == UNSPECIFIED.0;
            let name = s
                .name
                .or_else(|| registry.get(&code).map(|m| m.name.clone()))
                .unwrap_or_else(|| {
                    if unspecified {
                        "Methodology not stated in a verified PDD".to_owned()
                    } else {
                        code.clone()
                    }
                });
            let kind = match s.unit_types.len() {
                1 => s.unit_types.first().copied(),
                _ => None,
            };
            Record::new("methodology")
                .set(
                    "cadTrustMethodologyId",
                    ctx.ids.methodology(&code, &version),
                )
                .set("methodologyCode", code.clone())
                .set("methodologyName", name)
                .opt("methodologyType", kind)
                .opt(
                    "methodologyVersion",
                    (!version.is_empty()).then_some(version.clone()),
                )
                .times(s.created, s.updated)
                .done()
        })
        .collect())
}

/// Expected removals over the crediting period (else the PDD's project duration): the PDD's
/// expected annual benefit × the period in years (days / 365.2425, to two decimals), whole
/// tonnes.
pub(crate) fn estimate(annual: f64, start: i64, end: i64) -> Option<f64> {
    if !(annual.is_finite() && annual >= 0.0) || end <= start {
        return None;
    }
    let years = ((end - start) as f64 / 86_400.0 / 365.2425 * 100.0).round() / 100.0;
    Some((annual * years).round())
}

/// The estimation record of a project, when its PDD gives an annual benefit and it has a
/// period.
fn estimation(
    ctx: &Ctx<'_>,
    row: &ogcr_store::export::ProjectRow,
    info: &crate::context::ProjectInfo,
) -> Option<Value> {
    let p = &row.project;
    let pdd = info.pdd.as_ref()?;
    let annual = pdd.expected_annual_benefit?;
    let (start, end) = match (p.crediting_start, p.crediting_end) {
        (Some(s), Some(e)) => (s, e),
        _ => pdd.duration?,
    };
    let units = estimate(annual, start, end)?;
    Some(
        Record::new("estimation")
            .set("cadTrustEstimationId", ctx.ids.estimation(&p.project_id))
            .set("estimationStartDate", date(start))
            .set("estimationEndDate", date(end))
            .set("estimationUnitCount", json!(units))
            .set(
                "estimationReferenceNo",
                format!("{}-PDD-v{}", p.project_id, p.version),
            )
            .times(p.registered_at, p.updated_at)
            .set("cadTrustProjectId", ctx.ids.project(&p.project_id))
            .done(),
    )
}

/// Estimation records: a project scan from `pos` (by project key) that stops once `limit`
/// records are found, so streaming the table reads each project once.
async fn estimations(ctx: &mut Ctx<'_>, pos: &Pos, limit: u64) -> Result<Rows> {
    let marks = match pos {
        Pos::Offset(n) if *n >= STRIDE => ctx.memo(|m| m.estimation_marks.clone()).flatten(),
        _ => None,
    };
    let (from, mut skip) = estimation_start(pos, marks.as_deref().map(Vec::as_slice));
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut out = Vec::new();
    let mut cursor = None;
    if limit == 0 {
        return Ok((out, cursor));
    }
    scan_projects_from(ctx, "estimation", from, |ctx, row, info| {
        let Some(rec) = estimation(ctx, row, info) else {
            return Ok(true);
        };
        if skip > 0 {
            skip -= 1;
            return Ok(true);
        }
        out.push(rec);
        cursor = Some(Cursor::Text(row.project.project_key.clone()));
        Ok(out.len() < limit)
    })
    .await?;
    Ok((out, cursor))
}

/// Where a page of the estimation table starts: the project scan's seek and the records to
/// skip after it. An offset starts after the nearest kept mark when there are marks.
fn estimation_start(pos: &Pos, marks: Option<&[String]>) -> (Seek<String>, u64) {
    match pos {
        Pos::Offset(n) => {
            // Mark i is the key of record (i + 1) * STRIDE - 1.
            let kept = marks.unwrap_or_default();
            let i = (n / STRIDE).min(kept.len() as u64);
            match i
                .checked_sub(1)
                .and_then(|i| kept.get(usize::try_from(i).ok()?))
            {
                Some(key) => (Seek::After(key.clone()), n - i * STRIDE),
                None => (Seek::start(), *n),
            }
        }
        Pos::After(Cursor::Text(k)) => (Seek::After(k.clone()), 0),
        Pos::After(c) => unreachable!("a cursor of another table: {c:?}"),
    }
}

/// Number of estimation records (a scan of the projects); keeps where every [`STRIDE`]-th
/// record starts for the offset pages of this revision.
async fn count_estimations(ctx: &mut Ctx<'_>) -> Result<u64> {
    let mut n = 0;
    let mut marks = Vec::new();
    scan_projects(ctx, "estimation", |ctx, row, info| {
        if estimation(ctx, row, info).is_some() {
            n += 1;
            if n % STRIDE == 0 {
                marks.push(row.project.project_key.clone());
            }
        }
        Ok(())
    })
    .await?;
    ctx.memo(|m| m.estimation_marks = Some(Arc::new(marks)));
    Ok(n)
}

/// The `rating` or `co_benefit` records the configuration gives, in project order; a
/// configured project the chain does not have is a warning.
async fn configured(ctx: &mut Ctx<'_>, table: &str) -> Result<Vec<Value>> {
    let cfg = ctx.cfg();
    let wanted: std::collections::BTreeSet<&String> = match table {
        "rating" => cfg.ratings.keys().collect(),
        _ => cfg.co_benefits.keys().collect(),
    };
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let section = if table == "rating" {
        "ratings"
    } else {
        "co_benefits"
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    let mut seek = Seek::Offset(0);
    loop {
        let page = ctx.ex.store.export_projects(&seek, SCAN_BATCH).await?;
        for row in &page {
            let p = &row.project;
            if !wanted.contains(&p.project_id) {
                continue;
            }
            seen.insert(p.project_id.clone());
            let key = format!("{section}.\"{}\"", p.project_id);
            let project = ctx.ids.project(&p.project_id);
            if table == "rating" {
                for (i, r) in cfg.ratings[&p.project_id].iter().enumerate() {
                    let rec = Record::new("rating")
                        .set("cadTrustRatingId", ctx.ids.rating(&p.project_id, i + 1))
                        .set("ratingType", r.rating_type.clone())
                        .set("ratingName", r.name.clone())
                        .set("ratingValue", r.value.clone())
                        .opt("ratingLink", r.link.clone())
                        .times(p.registered_at, p.updated_at)
                        .set("cadTrustProjectId", project.clone())
                        .done();
                    ctx.check_picklist(table, &p.project_id, "rating_type", &r.rating_type, &key)?;
                    out.push(rec);
                }
            } else {
                for sdg in &cfg.co_benefits[&p.project_id] {
                    ctx.check_picklist(table, &p.project_id, "co_benefit_id", sdg, &key)?;
                    out.push(
                        Record::new("co_benefit")
                            .set(
                                "cadTrustCobenefitId",
                                ctx.ids.co_benefit(&p.project_id, sdg),
                            )
                            .set("cobenefit", sdg.clone())
                            .times(p.registered_at, p.updated_at)
                            .set("cadTrustProjectId", project.clone())
                            .done(),
                    );
                }
            }
        }
        match page.last() {
            Some(last) if page.len() as u64 == SCAN_BATCH => {
                seek = Seek::After(last.project.project_key.clone());
            }
            _ => break,
        }
    }
    for id in wanted.into_iter().filter(|id| !seen.contains(*id)) {
        ctx.warn(
            table,
            id,
            format!("the configuration names project {id}, which is not on chain"),
            Some(format!("{section}.\"{id}\"")),
        )?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimation_offsets_start_after_the_nearest_mark() {
        let marks: Vec<String> = vec!["k127".into(), "k255".into()];
        let at = |n| estimation_start(&Pos::Offset(n), Some(&marks));
        assert_eq!(at(0), (Seek::start(), 0));
        assert_eq!(at(127), (Seek::start(), 127));
        assert_eq!(at(128), (Seek::After("k127".into()), 0));
        assert_eq!(at(300), (Seek::After("k255".into()), 44));
        // Past the last mark: from the last one.
        assert_eq!(at(1000), (Seek::After("k255".into()), 744));
        assert_eq!(
            estimation_start(&Pos::Offset(300), None),
            (Seek::start(), 300)
        );
        assert_eq!(
            estimation_start(&Pos::After(Cursor::Text("k9".into())), Some(&marks)),
            (Seek::After("k9".into()), 0)
        );
    }

    #[test]
    fn estimates_scale_the_annual_benefit_by_whole_years() {
        // 2023-01-01 .. 2033-01-01: ten years.
        assert_eq!(
            estimate(1400.0, 1_672_531_200, 1_988_150_400),
            Some(14_000.0)
        );
        // 2024-01-01T03:00Z .. 2054-01-01T02:59:59Z: thirty years less a second.
        assert_eq!(
            estimate(1400.0, 1_704_078_000, 2_650_849_199),
            Some(42_000.0)
        );
        assert_eq!(estimate(1400.0, 10, 10), None);
        assert_eq!(estimate(f64::NAN, 0, 10), None);
    }
}
