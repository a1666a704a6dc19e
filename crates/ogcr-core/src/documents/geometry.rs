//! GeoJSON geometries of OGCR documents (WGS84) and their checks.

use geo::{
    BoundingRect, Relate, Validation, coordinate_position::CoordPos, dimensions::Dimensions,
};
use serde::{Deserialize, Serialize};

use crate::validation::{Issue, RuleCode};

/// A GeoJSON position: `[longitude, latitude]` or `[longitude, latitude, altitude]`.
pub type Position = Vec<f64>;

/// The geometry types OGCR v0.1.0 allows (GeometryCollection is not among them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "coordinates")]
pub enum Geometry {
    /// A point.
    Point(Position),
    /// A line.
    LineString(Vec<Position>),
    /// A polygon: exterior ring, then holes.
    Polygon(Vec<Vec<Position>>),
    /// Several points.
    MultiPoint(Vec<Position>),
    /// Several lines.
    MultiLineString(Vec<Vec<Position>>),
    /// Several polygons.
    MultiPolygon(Vec<Vec<Vec<Position>>>),
}

/// `[west, south, east, north]`.
pub type BBox = [f64; 4];

impl Geometry {
    fn positions(&self) -> Vec<(String, &Position)> {
        let mut out = Vec::new();
        match self {
            Self::Point(p) => out.push((String::new(), p)),
            Self::LineString(ps) | Self::MultiPoint(ps) => {
                out.extend(ps.iter().enumerate().map(|(i, p)| (format!("/{i}"), p)));
            }
            Self::Polygon(rings) | Self::MultiLineString(rings) => {
                for (r, ring) in rings.iter().enumerate() {
                    out.extend(
                        ring.iter()
                            .enumerate()
                            .map(|(i, p)| (format!("/{r}/{i}"), p)),
                    );
                }
            }
            Self::MultiPolygon(polys) => {
                for (k, rings) in polys.iter().enumerate() {
                    for (r, ring) in rings.iter().enumerate() {
                        out.extend(
                            ring.iter()
                                .enumerate()
                                .map(|(i, p)| (format!("/{k}/{r}/{i}"), p)),
                        );
                    }
                }
            }
        }
        out
    }

    /// Checks positions (2–3 finite numbers, WGS84 ranges), line lengths, and closed
    /// rings of at least four positions; then, for areas, OGC validity (no
    /// self-intersection, holes inside, …). `base` is the JSON pointer of the geometry.
    pub fn check(&self, base: &str) -> Vec<Issue> {
        let mut issues = Vec::new();
        let coords = format!("{base}/coordinates");
        for (ptr, p) in self.positions() {
            let at = format!("{coords}{ptr}");
            if !(2..=3).contains(&p.len()) || p.iter().any(|v| !v.is_finite()) {
                issues.push(Issue::rule(
                    RuleCode::GeometryInvalid,
                    at,
                    format!("position {p:?} must hold 2 or 3 finite numbers"),
                    "write positions as [longitude, latitude] or [longitude, latitude, altitude]",
                ));
                continue;
            }
            let (lon, lat) = (p[0], p[1]);
            if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
                issues.push(Issue::rule(
                    RuleCode::GeometryOutOfRange,
                    at,
                    format!("position [{lon}, {lat}] is outside WGS84 (longitude −180…180, latitude −90…90)"),
                    "use WGS84 degrees with longitude first; swapped latitude/longitude is a common cause",
                ));
            }
        }
        let check_ring = |issues: &mut Vec<Issue>, ring: &[Position], at: String| {
            if ring.len() < 4 {
                issues.push(Issue::rule(
                    RuleCode::GeometryInvalid,
                    at,
                    format!("ring has {} positions, fewer than 4", ring.len()),
                    "a linear ring needs at least 4 positions, the last equal to the first",
                ));
            } else if ring.first() != ring.last() {
                issues.push(Issue::rule(
                    RuleCode::RingNotClosed,
                    at,
                    "ring is not closed: its last position differs from its first".into(),
                    "repeat the first position at the end of the ring",
                ));
            }
        };
        let check_line = |issues: &mut Vec<Issue>, line: &[Position], at: String| {
            if line.len() < 2 {
                issues.push(Issue::rule(
                    RuleCode::GeometryInvalid,
                    at,
                    format!("line has {} positions, fewer than 2", line.len()),
                    "a LineString needs at least 2 positions",
                ));
            }
        };
        match self {
            Self::Point(_) | Self::MultiPoint(_) => {}
            Self::LineString(line) => check_line(&mut issues, line, coords.clone()),
            Self::MultiLineString(lines) => {
                for (i, line) in lines.iter().enumerate() {
                    check_line(&mut issues, line, format!("{coords}/{i}"));
                }
            }
            Self::Polygon(rings) => {
                if rings.is_empty() {
                    issues.push(empty_polygon(coords.clone()));
                }
                for (r, ring) in rings.iter().enumerate() {
                    check_ring(&mut issues, ring, format!("{coords}/{r}"));
                }
            }
            Self::MultiPolygon(polys) => {
                for (k, rings) in polys.iter().enumerate() {
                    if rings.is_empty() {
                        issues.push(empty_polygon(format!("{coords}/{k}")));
                    }
                    for (r, ring) in rings.iter().enumerate() {
                        check_ring(&mut issues, ring, format!("{coords}/{k}/{r}"));
                    }
                }
            }
        }
        if issues.is_empty()
            && let Some(area) = self.to_multi_polygon()
        {
            for problem in area.validation_errors() {
                issues.push(Issue::rule(
                    RuleCode::GeometryInvalid,
                    coords.clone(),
                    format!("invalid area geometry: {problem}"),
                    "fix self-intersections, holes outside their shell or overlapping parts",
                ));
            }
        }
        issues
    }

    /// The area as a `geo` multipolygon, for Polygon and MultiPolygon (positions must
    /// already be checked).
    pub fn to_multi_polygon(&self) -> Option<geo::MultiPolygon<f64>> {
        let ring = |r: &Vec<Position>| -> geo::LineString<f64> {
            r.iter().map(|p| geo::coord! { x: p[0], y: p[1] }).collect()
        };
        let poly = |rings: &Vec<Vec<Position>>| -> Option<geo::Polygon<f64>> {
            let (shell, holes) = rings.split_first()?;
            Some(geo::Polygon::new(
                ring(shell),
                holes.iter().map(ring).collect(),
            ))
        };
        match self {
            Self::Polygon(rings) => Some(geo::MultiPolygon(vec![poly(rings)?])),
            Self::MultiPolygon(polys) => Some(geo::MultiPolygon(
                polys.iter().map(poly).collect::<Option<Vec<_>>>()?,
            )),
            _ => None,
        }
    }

    /// `[west, south, east, north]` of all positions (None when there are none or a
    /// position is malformed).
    pub fn bounds(&self) -> Option<BBox> {
        let mut b = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        let positions = self.positions();
        if positions.is_empty() {
            return None;
        }
        for (_, p) in positions {
            let (&x, &y) = (p.first()?, p.get(1)?);
            b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
        }
        Some(b)
    }

    /// Checks that `bbox` encloses the geometry (`west > east` is read as crossing the
    /// antimeridian, RFC 7946 §5.2). `base` is the pointer of the bbox.
    pub fn check_bbox(&self, bbox: &BBox, base: &str) -> Vec<Issue> {
        const EPS: f64 = 1e-9;
        let [west, south, east, north] = *bbox;
        let mut issues = Vec::new();
        if bbox.iter().any(|v| !v.is_finite()) || south > north + EPS {
            issues.push(Issue::rule(
                RuleCode::BboxInconsistent,
                base.to_owned(),
                format!("bbox {bbox:?} is not [west, south, east, north] with south ≤ north"),
                "write the bbox as [west, south, east, north]",
            ));
            return issues;
        }
        let lon_in = |x: f64| {
            if west <= east {
                x >= west - EPS && x <= east + EPS
            } else {
                x >= west - EPS || x <= east + EPS
            }
        };
        let outside: Vec<String> = self
            .positions()
            .into_iter()
            .filter(|(_, p)| {
                p.len() >= 2 && !(lon_in(p[0]) && p[1] >= south - EPS && p[1] <= north + EPS)
            })
            .map(|(ptr, _)| ptr)
            .collect();
        if let Some(first) = outside.first() {
            let hint = match self.bounds() {
                Some(b) => format!(
                    "use the geometry's extent: [{}, {}, {}, {}]",
                    b[0], b[1], b[2], b[3]
                ),
                None => "recompute the bbox from the coordinates".to_owned(),
            };
            issues.push(Issue::rule(
                RuleCode::BboxInconsistent,
                base.to_owned(),
                format!(
                    "bbox {bbox:?} does not enclose the geometry ({} position(s) outside, first at /geometry/coordinates{first})",
                    outside.len()
                ),
                &hint,
            ));
        }
        issues
    }
}

fn empty_polygon(at: String) -> Issue {
    Issue::rule(
        RuleCode::GeometryInvalid,
        at,
        "polygon has no rings".into(),
        "give the polygon an exterior ring",
    )
}

/// True when two valid areas share interior (area overlap); touching edges or
/// corners do not count.
pub fn areas_overlap(a: &geo::MultiPolygon<f64>, b: &geo::MultiPolygon<f64>) -> bool {
    match (a.bounding_rect(), b.bounding_rect()) {
        (Some(ra), Some(rb))
            if ra.max().x < rb.min().x
                || rb.max().x < ra.min().x
                || ra.max().y < rb.min().y
                || rb.max().y < ra.min().y =>
        {
            false
        }
        _ => a.relate(b).get(CoordPos::Inside, CoordPos::Inside) == Dimensions::TwoDimensional,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x0: f64, y0: f64, size: f64) -> Geometry {
        Geometry::Polygon(vec![vec![
            vec![x0, y0],
            vec![x0 + size, y0],
            vec![x0 + size, y0 + size],
            vec![x0, y0 + size],
            vec![x0, y0],
        ]])
    }

    #[test]
    fn overlap_needs_shared_area() {
        let a = square(0.0, 0.0, 1.0).to_multi_polygon().unwrap();
        let touching = square(1.0, 0.0, 1.0).to_multi_polygon().unwrap();
        let corner = square(1.0, 1.0, 1.0).to_multi_polygon().unwrap();
        let overlapping = square(0.5, 0.5, 1.0).to_multi_polygon().unwrap();
        let inside = square(0.25, 0.25, 0.5).to_multi_polygon().unwrap();
        let far = square(5.0, 5.0, 1.0).to_multi_polygon().unwrap();
        assert!(!areas_overlap(&a, &touching));
        assert!(!areas_overlap(&a, &corner));
        assert!(areas_overlap(&a, &overlapping));
        assert!(areas_overlap(&a, &inside));
        assert!(!areas_overlap(&a, &far));
    }

    #[test]
    fn detects_open_rings_ranges_and_bowties() {
        let open = Geometry::Polygon(vec![vec![
            vec![0.0, 0.0],
            vec![1.0, 0.0],
            vec![1.0, 1.0],
            vec![0.0, 1.0],
        ]]);
        assert_eq!(
            open.check("/geometry")[0].code,
            RuleCode::RingNotClosed.as_str()
        );
        let far = square(179.5, 0.0, 1.0);
        assert_eq!(
            far.check("/geometry")[0].code,
            RuleCode::GeometryOutOfRange.as_str()
        );
        let bowtie = Geometry::Polygon(vec![vec![
            vec![0.0, 0.0],
            vec![1.0, 1.0],
            vec![1.0, 0.0],
            vec![0.0, 1.0],
            vec![0.0, 0.0],
        ]]);
        let issues = bowtie.check("/geometry");
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].code, RuleCode::GeometryInvalid.as_str());
        assert!(square(-50.0, -10.0, 0.1).check("/geometry").is_empty());
    }

    #[test]
    fn bbox_must_enclose_geometry() {
        let g = square(10.0, 20.0, 1.0);
        assert!(g.check_bbox(&[10.0, 20.0, 11.0, 21.0], "/bbox").is_empty());
        assert!(g.check_bbox(&[9.0, 19.0, 12.0, 22.0], "/bbox").is_empty());
        assert_eq!(g.check_bbox(&[10.0, 20.0, 10.5, 21.0], "/bbox").len(), 1);
        assert_eq!(
            g.check_bbox(&[10.0, 21.0, 11.0, 20.0], "/bbox").len(),
            1,
            "south > north"
        );
        let across = square(179.0, 0.0, 1.0);
        assert!(
            across
                .check_bbox(&[179.0, 0.0, -179.0, 1.0], "/bbox")
                .is_empty(),
            "antimeridian"
        );
    }
}
