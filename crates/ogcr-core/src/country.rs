//! Where a project is: offline reverse geocoding of a PDD geometry to an ISO 3166-1 alpha-2
//! code with the `country-boundaries` crate (boundary data © OpenStreetMap contributors,
//! ODbL), and the code's spelling in the CAD Trust `location_country` picklist.
//!
//! [`COUNTRIES`] maps every alpha-2 code the boundary data knows (and Antarctica) to the
//! picklist. Dependent territories map to the sovereign state, which is the Party under the
//! Paris Agreement (`GF` French Guiana → "France", `GL` Greenland → "Denmark"); the
//! territory's own code is kept as the location's region. Codes with no Party in the
//! picklist are listed in [`UNLISTED`] with their English name, which the exporter emits with
//! a warning rather than guessing a Party.

use std::sync::OnceLock;

use crate::Geometry;
use country_boundaries::{BOUNDARIES_ODBL_360X180, CountryBoundaries, LatLon};
use geo::InteriorPoint;

/// ISO 3166-1 alpha-2 code → `location_country` picklist value, and whether the code is a
/// dependent territory of that Party.
pub const COUNTRIES: &[(&str, &str, bool)] = &[
    (
        "AC",
        "United Kingdom of Great Britain and Northern Ireland",
        true,
    ),
    ("AD", "Andorra", false),
    ("AE", "United Arab Emirates", false),
    ("AF", "Afghanistan", false),
    ("AG", "Antigua and Barduba", false),
    (
        "AI",
        "United Kingdom of Great Britain and Northern Ireland",
        true,
    ),
    ("AL", "Albania", false),
    ("AM", "Armenia", false),
    ("AO", "Angola", false),
    ("AQ", "Antarctica", false),
    ("AR", "Argentina", false),
    ("AS", "United States of America", true),
    ("AT", "Austria", false),
    ("AU", "Australia", false),
    ("AW", "Netherlands (Kingdom of the)", true),
    ("AX", "Finland", true),
    ("AZ", "Azerbaijan", false),
    ("BA", "Bosnia and Herzegovina", false),
    ("BB", "Barbados", false),
    ("BD", "Bangladesh", false),
    ("BE", "Belgium", false),
    ("BF", "Burkina Faso", false),
    ("BG", "Bulgaria", false),
    ("BH", "Bahrain", false),
    ("BI", "Burundi", false),
    ("BJ", "Benin", false),
    ("BL", "France", true),
    (
        "BM",
        "United Kingdom of Great Britain and Northern Ireland",
        true,
    ),
    ("BN", "Brunei Darussalam", false),
    ("BO", "Bolivia", false),
    ("BQ", "Netherlands (Kingdom of the)", true),
    ("BR", "Brazil", false),
    ("BS", "Bahamas", false),
    ("BT", "Bhutan", false),
    ("BV", "Norway", true),
    ("BW", "Botswana", false),
    ("BY", "Belarus", false),
    ("BZ", "Belize", false),
    ("CA", "Canada", false),
    ("CC", "Australia", true),
    ("CD", "Democratic Republic of Congo", false),
    ("CF", "Central African Republic", false),
    ("CG", "Congo", false),
    ("CH", "Switzerland", false),
    ("CI", "Cote d'Ivoire", false),
    ("CK", "Cook Islands", false),
    ("CL", "Chile", false),
    ("CM", "Cameroon", false),
    ("CN", "China", false),
    ("CO", "Colombia", false),
    ("CP", "France", true),
    ("CR", "Costa Rica", false),
    ("CU", "Cuba", false),
    ("CV", "Cabo Verde", false),
    ("CW", "Netherlands (Kingdom of the)", true),
    ("CX", "Australia", true),
    ("CY", "Cyprus", false),
    ("CZ", "Czech Republic", false),
    ("DE", "Germany", false),
    (
        "DG",
        "United Kingdom of Great Britain and Northern Ireland",
        true,
    ),
    ("DJ", "Djibouti", false),
    ("DK", "Denmark", false),
    ("DM", "Dominica", false),
    ("DO", "Dominican Republic", false),
    ("DZ", "Algeria", false),
    ("EA", "Spain", true),
    ("EC", "Ecuador", false),
    ("EE", "Estonia", false),
    ("EG", "Egypt", false),
    ("EH", "Western Sahara", false),
    ("ER", "Eritrea", false),
    ("ES", "Spain", false),
    ("ET", "Ethiopia", false),
    ("FI", "Finland", false),
    ("FJ", "Fiji", false),
    (
        "FK",
        "United Kingdom of Great Britain and Northern Ireland",
        true,
    ),
    ("FM", "Micronesia (Federated States of)", false),
    ("FO", "Denmark", true),
    ("FR", "France", false),
    ("GA", "Gabon", false),
    (
        "GB",
        "United Kingdom of Great Britain and Northern Ireland",
        false,
    ),
    ("GD", "Grenada", false),
    ("GE", "Georgia", false),
    ("GF", "France", true),
    (
        "GG",
        "United Kingdom of Great Britain and Northern Ireland",
        true,
    ),
    ("GH", "Ghana", false),
    (
        "GI",
        "United Kingdom of Great Britain and Northern Ireland",
        true,
    ),
    ("GL", "Denmark", true),
    ("GM", "Gambia", false),
    ("GN", "Guinea", false),
    ("GP", "France", true),
    // The picklist's spelling of Equatorial Guinea.
    ("GQ", "Equatorial New Guinea", false),
    ("GR", "Greece", false),
    (
        "GS",
        "United Kingdom of Great Britain and Northern Ireland",
        true,
    ),
    ("GT", "Guatemala", false),
    ("GU", "United States of America", true),
    ("GW", "Guinea-Bissau", false),
    ("GY", "Guyana", false),
    ("HK", "Hong Kong S.A.R.", false),
    ("HM", "Australia", true),
    ("HN", "Honduras", false),
    ("HR", "Croatia", false),
    ("HT", "Haiti", false),
    ("HU", "Hungary", false),
    ("IC", "Spain", true),
    ("ID", "Indonesia", false),
    ("IE", "Ireland", false),
    ("IL", "Israel", false),
    (
        "IM",
        "United Kingdom of Great Britain and Northern Ireland",
        true,
    ),
    ("IN", "India", false),
    (
        "IO",
        "United Kingdom of Great Britain and Northern Ireland",
        true,
    ),
    ("IQ", "Iraq", false),
    ("IR", "Iran (Islamic Republic of)", false),
    ("IS", "Iceland", false),
    ("IT", "Italy", false),
    (
        "JE",
        "United Kingdom of Great Britain and Northern Ireland",
        true,
    ),
    ("JM", "Jamaica", false),
    ("JO", "Jordan", false),
    ("JP", "Japan", false),
    ("KE", "Kenya", false),
    ("KG", "Kyrgyzstan", false),
    ("KH", "Cambodia", false),
    ("KI", "Kiribati", false),
    ("KM", "Comoros", false),
    ("KN", "St. Kitts and Nevis", false),
    ("KP", "Democratic People's Republic of Korea", false),
    ("KR", "Republic of Korea", false),
    ("KW", "Kuwait", false),
    (
        "KY",
        "United Kingdom of Great Britain and Northern Ireland",
        true,
    ),
    ("KZ", "Kazakhstan", false),
    ("LA", "Lao People's Democratic Republic", false),
    ("LB", "Lebanon", false),
    ("LC", "St. Lucia", false),
    ("LI", "Liechtenstein", false),
    ("LK", "Sri Lanka", false),
    ("LR", "Liberia", false),
    ("LS", "Lesotho", false),
    ("LT", "Lithuania", false),
    ("LU", "Luxembourg", false),
    ("LV", "Latvia", false),
    ("LY", "Libya", false),
    ("MA", "Morocco", false),
    ("MC", "Monaco", false),
    ("MD", "Republic of Moldova", false),
    ("ME", "Montenegro", false),
    ("MF", "France", true),
    ("MG", "Madagascar", false),
    ("MH", "Marshall Islands", false),
    ("MK", "North Macedonia", false),
    ("ML", "Mali", false),
    ("MM", "Myanmar", false),
    ("MN", "Mongolia", false),
    ("MO", "Macau S.A.R.", false),
    ("MP", "United States of America", true),
    ("MQ", "France", true),
    ("MR", "Mauritania", false),
    (
        "MS",
        "United Kingdom of Great Britain and Northern Ireland",
        true,
    ),
    ("MT", "Malta", false),
    ("MU", "Mauritius", false),
    ("MV", "Maldives", false),
    ("MW", "Malawi", false),
    ("MX", "Mexico", false),
    ("MY", "Malaysia", false),
    ("MZ", "Mozambique", false),
    ("NA", "Namibia", false),
    ("NC", "France", true),
    ("NE", "Niger", false),
    ("NF", "Australia", true),
    ("NG", "Nigeria", false),
    ("NI", "Nicaragua", false),
    ("NL", "Netherlands (Kingdom of the)", false),
    ("NO", "Norway", false),
    ("NP", "Nepal", false),
    ("NR", "Nauru", false),
    ("NU", "Niue", false),
    ("NZ", "New Zealand", false),
    ("OM", "Oman", false),
    ("PA", "Panama", false),
    ("PE", "Peru", false),
    ("PF", "France", true),
    ("PG", "Papua New Guinea", false),
    ("PH", "Philippines", false),
    ("PK", "Pakistan", false),
    ("PL", "Poland", false),
    ("PM", "France", true),
    (
        "PN",
        "United Kingdom of Great Britain and Northern Ireland",
        true,
    ),
    // Listed on its own in the picklist.
    ("PR", "Puerto Rico", false),
    ("PS", "State of Palestine", false),
    ("PT", "Portugal", false),
    ("PW", "Palau", false),
    ("PY", "Paraguay", false),
    ("QA", "Qatar", false),
    ("RE", "France", true),
    ("RO", "Romania", false),
    ("RS", "Serbia", false),
    ("RU", "Russian Federation", false),
    ("RW", "Rwanda", false),
    ("SA", "Saudi Arabia", false),
    ("SB", "Solomon Islands", false),
    ("SC", "Seychelles", false),
    ("SD", "Sudan", false),
    ("SE", "Sweden", false),
    ("SG", "Singapore", false),
    (
        "SH",
        "United Kingdom of Great Britain and Northern Ireland",
        true,
    ),
    ("SI", "Slovenia", false),
    ("SJ", "Norway", true),
    ("SK", "Slovakia", false),
    ("SL", "Sierra Leone", false),
    ("SM", "San Marino", false),
    ("SN", "Senegal", false),
    ("SO", "Somalia", false),
    ("SR", "Suriname", false),
    ("SS", "South Sudan", false),
    ("ST", "Sao Tome and Principe", false),
    ("SV", "El Salvador", false),
    ("SX", "Netherlands (Kingdom of the)", true),
    // The picklist's spelling of the Syrian Arab Republic.
    ("SY", "Syria Arab Republic", false),
    // The picklist has both "Eswatini" and the former "Swaziland": the current name.
    ("SZ", "Eswatini", false),
    (
        "TA",
        "United Kingdom of Great Britain and Northern Ireland",
        true,
    ),
    (
        "TC",
        "United Kingdom of Great Britain and Northern Ireland",
        true,
    ),
    ("TD", "Chad", false),
    ("TF", "France", true),
    ("TG", "Togo", false),
    ("TH", "Thailand", false),
    ("TJ", "Tajikistan", false),
    ("TK", "New Zealand", true),
    ("TL", "Timor-Leste", false),
    ("TM", "Turkmenistan", false),
    ("TN", "Tunisia", false),
    ("TO", "Tonga", false),
    ("TR", "Turkey", false),
    ("TT", "Trinidad and Tobago", false),
    ("TV", "Tuvalu", false),
    ("TW", "Taiwan", false),
    ("TZ", "United Republic of Tanzania", false),
    ("UA", "Ukraine", false),
    ("UG", "Uganda", false),
    ("UM", "United States of America", true),
    ("US", "United States of America", false),
    ("UY", "Uruguay", false),
    ("UZ", "Uzbekistan", false),
    ("VA", "Holy See", false),
    ("VC", "St. Vincent and the Grenadines", false),
    ("VE", "Venezuela (Bolivarian Republic of)", false),
    (
        "VG",
        "United Kingdom of Great Britain and Northern Ireland",
        true,
    ),
    ("VI", "United States of America", true),
    ("VN", "Viet Nam", false),
    ("VU", "Vanuatu", false),
    ("WF", "France", true),
    ("WS", "Samoa", false),
    ("YE", "Yemen", false),
    ("YT", "France", true),
    ("ZA", "South Africa", false),
    ("ZM", "Zambia", false),
    ("ZW", "Zimbabwe", false),
];

/// Codes of the boundary data with no Party in the picklist, and their English names.
pub const UNLISTED: &[(&str, &str)] = &[("XK", "Kosovo")];

/// The `location_country` picklist value for an alpha-2 code.
pub fn picklist_name(alpha2: &str) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .find(|(code, _, _)| code.eq_ignore_ascii_case(alpha2))
        .map(|(_, name, _)| *name)
}

/// The alpha-2 code of a Party named as in the picklist (`"Kenya"` → `"KE"`), or of a code
/// given directly (`"ke"` → `"KE"`).
pub fn party_code(party: &str) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .find(|(code, name, territory)| {
            code.eq_ignore_ascii_case(party) || (!territory && *name == party)
        })
        .map(|(code, _, _)| *code)
}

/// The best name for an alpha-2 code: the picklist value, or the English name of an
/// unlisted code, or the code itself.
pub fn display_name(alpha2: &str) -> String {
    picklist_name(alpha2)
        .or_else(|| {
            UNLISTED
                .iter()
                .find(|(c, _)| c.eq_ignore_ascii_case(alpha2))
                .map(|(_, n)| *n)
        })
        .map_or_else(|| alpha2.to_owned(), str::to_owned)
}

/// Where a geometry lies.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    /// The point looked up: latitude, longitude.
    pub point: (f64, f64),
    /// ISO 3166-1 alpha-2 code of the area the point is in.
    pub alpha2: String,
    /// The `location_country` value, when the code has one.
    pub country: Option<&'static str>,
    /// The finer area: an ISO 3166-2 subdivision (`IN-MH`), or the territory's own code
    /// (`GF`) when the country is its sovereign.
    pub region: Option<String>,
}

fn boundaries() -> &'static CountryBoundaries {
    static B: OnceLock<CountryBoundaries> = OnceLock::new();
    B.get_or_init(|| {
        CountryBoundaries::from_reader(BOUNDARIES_ODBL_360X180)
            .expect("the boundary data embedded in country-boundaries reads")
    })
}

/// The area of a point (latitude, longitude).
pub fn locate_point(lat: f64, lon: f64) -> Option<Located> {
    let pos = LatLon::new(lat, lon).ok()?;
    let ids = boundaries().ids(pos);
    // Smallest area first: subdivisions before their country.
    let alpha2 = ids.iter().find(|id| id.len() == 2)?.to_string();
    let subdivision = ids
        .iter()
        .find(|id| id.contains('-'))
        .map(|s| s.to_string());
    let country = picklist_name(&alpha2);
    let territory = COUNTRIES
        .iter()
        .any(|(c, _, t)| *t && c.eq_ignore_ascii_case(&alpha2));
    Some(Located {
        point: (lat, lon),
        region: subdivision.or_else(|| territory.then(|| alpha2.clone())),
        alpha2,
        country,
    })
}

/// The area of a geometry: its representative point (inside the area for polygons), else
/// each vertex in turn, else the centre of its bounding box.
pub fn locate(geometry: &Geometry) -> Option<Located> {
    if let Some((lon, lat)) = representative_point(geometry)
        && let Some(l) = locate_point(lat, lon)
    {
        return Some(l);
    }
    for (lon, lat) in vertices(geometry) {
        if let Some(l) = locate_point(lat, lon) {
            return Some(l);
        }
    }
    let [w, s, e, n] = geometry.bounds()?;
    locate_point((s + n) / 2.0, (w + e) / 2.0)
}

/// A point on the geometry (inside it for areas), as (longitude, latitude).
pub fn representative_point(geometry: &Geometry) -> Option<(f64, f64)> {
    let xy = |p: &Vec<f64>| Some(geo::coord! { x: *p.first()?, y: *p.get(1)? });
    let line = |ps: &Vec<Vec<f64>>| -> Option<geo::LineString<f64>> {
        ps.iter()
            .map(xy)
            .collect::<Option<Vec<_>>>()
            .map(geo::LineString::new)
    };
    let point = match geometry {
        Geometry::Point(p) => Some(geo::Point::from(xy(p)?)),
        Geometry::MultiPoint(ps) => geo::MultiPoint::new(
            ps.iter()
                .map(|p| xy(p).map(geo::Point::from))
                .collect::<Option<Vec<_>>>()?,
        )
        .interior_point(),
        Geometry::LineString(ps) => line(ps)?.interior_point(),
        Geometry::MultiLineString(ls) => {
            geo::MultiLineString::new(ls.iter().map(line).collect::<Option<Vec<_>>>()?)
                .interior_point()
        }
        Geometry::Polygon(_) | Geometry::MultiPolygon(_) => {
            geometry.to_multi_polygon()?.interior_point()
        }
    }?;
    (point.x().is_finite() && point.y().is_finite()).then_some((point.x(), point.y()))
}

fn vertices(geometry: &Geometry) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut push = |p: &Vec<f64>| {
        if let (Some(x), Some(y)) = (p.first(), p.get(1)) {
            out.push((*x, *y));
        }
    };
    match geometry {
        Geometry::Point(p) => push(p),
        Geometry::LineString(ps) | Geometry::MultiPoint(ps) => ps.iter().for_each(push),
        Geometry::Polygon(rs) | Geometry::MultiLineString(rs) => rs.iter().flatten().for_each(push),
        Geometry::MultiPolygon(ps) => ps.iter().flatten().flatten().for_each(push),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // That every mapped name is in the CAD Trust picklist is checked beside the picklist, in
    // ogcr-export (spec.rs).

    #[test]
    fn every_code_of_the_boundary_data_is_mapped_once() {
        let mut codes: Vec<&str> = COUNTRIES.iter().map(|c| c.0).collect();
        codes.extend(UNLISTED.iter().map(|c| c.0));
        let n = codes.len();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), n, "a code is mapped twice");
        // Every area of the data, found cell by cell over the whole globe.
        let b = boundaries();
        let mut missing = Vec::new();
        for lat in (-90..90).step_by(10) {
            for lon in (-180..180).step_by(10) {
                let bbox = country_boundaries::BoundingBox::new(
                    f64::from(lat),
                    f64::from(lon),
                    f64::from(lat + 10) - 1e-9,
                    f64::from(lon + 10) - 1e-9,
                )
                .unwrap();
                for id in b.intersecting_ids(bbox) {
                    if id.len() == 2 && !codes.contains(&id) && !missing.contains(&id) {
                        missing.push(id);
                    }
                }
            }
        }
        assert!(missing.is_empty(), "unmapped codes: {missing:?}");
    }

    fn square(lon: f64, lat: f64) -> Geometry {
        let d = 0.05;
        Geometry::Polygon(vec![vec![
            vec![lon - d, lat - d],
            vec![lon + d, lat - d],
            vec![lon + d, lat + d],
            vec![lon - d, lat + d],
            vec![lon - d, lat - d],
        ]])
    }

    #[test]
    fn projects_are_placed_in_their_country() {
        for (lon, lat, code, name) in [
            (-39.25, -16.46, "BR", "Brazil"),
            (36.82, -1.29, "KE", "Kenya"),
            (113.9, -0.8, "ID", "Indonesia"),
            (-18.6, 64.9, "IS", "Iceland"),
            (78.9, 20.6, "IN", "India"),
        ] {
            let l = locate(&square(lon, lat)).unwrap_or_else(|| panic!("{name}: not found"));
            assert_eq!((l.alpha2.as_str(), l.country), (code, Some(name)), "{name}");
            let p = locate(&Geometry::Point(vec![lon, lat])).unwrap();
            assert_eq!(p.country, Some(name), "{name} as a point");
        }
        let mh = locate_point(19.0, 75.0).unwrap();
        assert_eq!(mh.region.as_deref(), Some("IN-MH"));
        let gf = locate_point(4.0, -53.0).unwrap();
        assert_eq!(
            (gf.country, gf.region.as_deref()),
            (Some("France"), Some("GF"))
        );
    }

    #[test]
    fn a_polygon_around_a_hole_is_placed_by_a_point_inside_it() {
        // An L-shaped polygon whose bounding-box centre lies outside it, in the ocean.
        let l = Geometry::Polygon(vec![vec![
            vec![-40.0, -17.0],
            vec![-39.0, -17.0],
            vec![-39.0, -16.9],
            vec![-39.9, -16.9],
            vec![-39.9, -16.0],
            vec![-40.0, -16.0],
            vec![-40.0, -17.0],
        ]]);
        let (lon, lat) = representative_point(&l).unwrap();
        assert!(lon < -39.0 && lat < -16.0);
        assert_eq!(locate(&l).unwrap().country, Some("Brazil"));
    }

    #[test]
    fn parties_are_found_by_name_or_code() {
        assert_eq!(party_code("Kenya"), Some("KE"));
        assert_eq!(party_code("br"), Some("BR"));
        assert_eq!(party_code("France"), Some("FR"));
        assert_eq!(
            party_code("United Kingdom of Great Britain and Northern Ireland"),
            Some("GB")
        );
        assert_eq!(party_code("Atlantis"), None);
        assert_eq!(display_name("XK"), "Kosovo");
        assert_eq!(display_name("GQ"), "Equatorial New Guinea");
    }
}
