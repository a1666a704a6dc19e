//! Business rules (OGCR §4.4.2), each with its own [`RuleCode`]:
//!
//! * `PERIOD_ORDER` — a PDD's `project_duration.start` and an MRV's `start_date` come
//!   strictly before their end;
//! * `PERIOD_OVERLAP` — the monitoring periods of one project never overlap. MRV dates
//!   are whole days and both ends are inclusive, so a period ending 2024-06-30 and one
//!   starting 2024-07-01 are adjacent, while one starting 2024-06-30 overlaps;
//! * `METHODOLOGY_*` — a PDD references a registered methodology id and a registered
//!   semantic version (`X.Y` is read as `X.Y.0`) that applies to its project type; an
//!   MRV's `methodology_id` is registered and is its project's methodology;
//! * `PROJECT_UNKNOWN` — an MRV's `project_id` names a known PDD (when projects are
//!   given);
//! * `GEOMETRY_OVERLAP` — a project's area (Polygon/MultiPolygon) shares no area with
//!   another project's; shared edges and corners are fine;
//! * `GEOMETRY_INVALID`, `GEOMETRY_OUT_OF_RANGE`, `RING_NOT_CLOSED` — positions are 2–3
//!   finite WGS84 numbers, rings closed with ≥ 4 positions, areas OGC-valid;
//! * `BBOX_INCONSISTENT` — a `bbox` encloses the geometry;
//! * `UNCERTAINTY_BOUNDS` — `total_uncertainty.min ≤ max`;
//! * `DUPLICATE_ID` — a document id is not used by a different known document.

use super::{Issue, RuleCode, ValidationContext};
use crate::{
    documents::{Geometry, Mrv, Pdd, geometry::areas_overlap},
    methodology::ResolveError,
};

fn check_geometry(geometry: &Geometry, bbox: Option<&[f64; 4]>) -> Vec<Issue> {
    let mut issues = geometry.check("/geometry");
    if let Some(b) = bbox {
        issues.extend(geometry.check_bbox(b, "/bbox"));
    }
    issues
}

/// Checks a PDD against the rules.
pub fn check_pdd(pdd: &Pdd, ctx: &ValidationContext<'_>) -> Vec<Issue> {
    let props = &pdd.properties;
    let geometry_issues = check_geometry(&pdd.geometry, pdd.bbox.as_ref());
    let geometry_ok = geometry_issues.is_empty();
    let mut issues = geometry_issues;

    if let Some(d) = &props.project_duration
        && d.start >= d.end
    {
        issues.push(Issue::rule(
            RuleCode::PeriodOrder,
            "/properties/project_duration".into(),
            format!(
                "project starts {} but ends {}, not later",
                d.start.to_rfc3339(),
                d.end.to_rfc3339()
            ),
            "make project_duration.end later than project_duration.start",
        ));
    }

    match &props.methodology {
        None => issues.push(Issue::rule(
            RuleCode::MethodologyMissing,
            "/properties/methodology".into(),
            "the project references no methodology".into(),
            "add properties.methodology with the id and version of a registered methodology",
        )),
        Some(m) => {
            match ctx.methodologies.resolve(&m.id, &m.version) {
                Ok(mv) => {
                    if !mv.project_types.contains(&props.project_type) {
                        issues.push(Issue::rule(
                        RuleCode::MethodologyProjectType,
                        "/properties/project_type".into(),
                        format!(
                            "methodology {} {} does not apply to project type {}",
                            m.id,
                            mv.version,
                            props.project_type.as_str()
                        ),
                        &format!(
                            "use a methodology for {} projects, or one of these project types: {}",
                            props.project_type.as_str(),
                            mv.project_types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    ));
                    }
                }
                Err(e) => issues.push(methodology_issue(e, &m.id, &m.version, ctx)),
            }
        }
    }

    if let Some(projects) = ctx.projects {
        let own_area = if geometry_ok {
            pdd.geometry.to_multi_polygon()
        } else {
            None
        };
        for (i, other) in projects.iter().enumerate() {
            if other.id == pdd.id {
                if other != pdd && other.properties.creation_date != props.creation_date {
                    issues.push(Issue::rule(
                        RuleCode::DuplicateId,
                        "/id".into(),
                        format!(
                            "id {} is already used by another project (known project #{i})",
                            pdd.id
                        ),
                        "choose a globally unique id",
                    ));
                }
                continue;
            }
            let Some(area) = &own_area else { continue };
            if !other.geometry.check("/geometry").is_empty() {
                continue;
            }
            if let Some(other_area) = other.geometry.to_multi_polygon()
                && areas_overlap(area, &other_area)
            {
                issues.push(Issue::rule(
                    RuleCode::GeometryOverlap,
                    "/geometry".into(),
                    format!("project area overlaps the area of project {}", other.id),
                    "redraw the boundary so it shares no area with other projects (shared edges are fine)",
                ));
            }
        }
    }
    issues
}

fn methodology_issue(
    e: ResolveError,
    id: &str,
    version: &str,
    ctx: &ValidationContext<'_>,
) -> Issue {
    match e {
        ResolveError::UnknownId => {
            let known: Vec<&str> = ctx.methodologies.iter().map(|m| m.id.as_str()).collect();
            Issue::rule(
                RuleCode::MethodologyUnknown,
                "/properties/methodology/id".into(),
                format!("methodology {id} is not registered"),
                &format!("use a registered methodology id: {}", known.join(", ")),
            )
        }
        ResolveError::InvalidVersion => Issue::rule(
            RuleCode::MethodologyVersionInvalid,
            "/properties/methodology/version".into(),
            format!("methodology version {version:?} is not a semantic version"),
            "write the version as MAJOR.MINOR or MAJOR.MINOR.PATCH, e.g. \"1.0\"",
        ),
        ResolveError::UnknownVersion(known) => Issue::rule(
            RuleCode::MethodologyVersionUnknown,
            "/properties/methodology/version".into(),
            format!("version {version} of methodology {id} is not registered"),
            &format!("use a registered version: {}", known.join(", ")),
        ),
    }
}

/// Checks an MRV against the rules.
pub fn check_mrv(mrv: &Mrv, ctx: &ValidationContext<'_>) -> Vec<Issue> {
    let props = &mrv.properties;
    let mut issues = check_geometry(&mrv.geometry, mrv.bbox.as_ref());

    if props.start_date >= props.end_date {
        issues.push(Issue::rule(
            RuleCode::PeriodOrder,
            "/properties/end_date".into(),
            format!(
                "monitoring period starts {} but ends {}, not later",
                props.start_date, props.end_date
            ),
            "make end_date later than start_date",
        ));
    }

    if let Some(u) = &props.total_uncertainty
        && u.min > u.max
    {
        issues.push(Issue::rule(
            RuleCode::UncertaintyBounds,
            "/properties/total_uncertainty".into(),
            format!("uncertainty min {} is above max {}", u.min, u.max),
            "swap min and max",
        ));
    }

    if ctx.methodologies.get(&props.methodology_id).is_none() {
        let known: Vec<&str> = ctx.methodologies.iter().map(|m| m.id.as_str()).collect();
        issues.push(Issue::rule(
            RuleCode::MethodologyUnknown,
            "/properties/methodology_id".into(),
            format!("methodology {} is not registered", props.methodology_id),
            &format!("use a registered methodology id: {}", known.join(", ")),
        ));
    }

    if let Some(projects) = ctx.projects {
        match projects.iter().find(|p| p.id == props.project_id) {
            None => issues.push(Issue::rule(
                RuleCode::ProjectUnknown,
                "/properties/project_id".into(),
                format!("project {} is not known", props.project_id),
                "reference the id of a registered PDD",
            )),
            Some(pdd) => {
                if let Some(m) = &pdd.properties.methodology
                    && m.id != props.methodology_id
                {
                    issues.push(Issue::rule(
                        RuleCode::MethodologyMismatch,
                        "/properties/methodology_id".into(),
                        format!(
                            "methodology {} differs from project {}'s methodology {}",
                            props.methodology_id, pdd.id, m.id
                        ),
                        &format!("use {}, the methodology of the project", m.id),
                    ));
                }
            }
        }
    }

    if let Some(reports) = ctx.reports {
        for other in reports {
            if other.id == mrv.id || other.properties.project_id != props.project_id {
                continue;
            }
            let o = &other.properties;
            // Inclusive day ranges overlap when each starts on or before the other's end.
            if props.start_date <= o.end_date && o.start_date <= props.end_date {
                issues.push(Issue::rule(
                    RuleCode::PeriodOverlap,
                    "/properties/start_date".into(),
                    format!(
                        "monitoring period {}..{} overlaps MRV {} ({}..{}) of project {}",
                        props.start_date, props.end_date, other.id, o.start_date, o.end_date, props.project_id
                    ),
                    "report a period that starts after the previous one ends (end dates are inclusive)",
                ));
            }
        }
    }
    issues
}
