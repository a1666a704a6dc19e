//! Request parameters: a query extractor whose rejections are OGCR errors naming the field,
//! pagination, and parsers for the values the filters take. Nothing a client sends can make
//! a handler fail with a 5xx: every value is checked here first.

use axum::{
    extract::{FromRequestParts, Query},
    http::request::Parts,
};
use chrono::{DateTime, NaiveDate};
use ogcr_store::{
    Val,
    query::{PageRequest, Sort, SortField},
};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Query parameters of type `T`; unknown parameters and ill-typed values are 400s whose
/// details name the parameter.
#[derive(Debug, Clone)]
pub struct Q<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Q<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(Q(v)),
            Err(rejection) => Err(query_error(&rejection.body_text())),
        }
    }
}

/// Turns serde's message ("Failed to deserialize query string: limit: invalid digit found in
/// string", "unknown field `stauts`, expected one of …") into a field-level error.
fn query_error(text: &str) -> ApiError {
    let msg = text
        .strip_prefix("Failed to deserialize query string: ")
        .unwrap_or(text);
    if let Some(rest) = msg.strip_prefix("unknown field `")
        && let Some(end) = rest.find('`')
    {
        return ApiError::invalid(&rest[..end], format!("unknown parameter: {msg}"));
    }
    match msg.split_once(": ") {
        Some((field, why)) if !field.contains(' ') => ApiError::invalid(field, expected(why)),
        _ => ApiError::invalid("query", msg.to_owned()),
    }
}

/// What a value should look like, instead of the parser's words ("invalid digit found in
/// string").
fn expected(why: &str) -> String {
    if why.contains("invalid digit") || why.contains("cannot parse integer") {
        "expected a whole number, e.g. 20".to_owned()
    } else if why.contains("number too large") || why.contains("number too small") {
        "expected a whole number within 64 bits".to_owned()
    } else if why.contains("cannot parse float") || why.contains("invalid float") {
        "expected a number, e.g. 12.5".to_owned()
    } else if why.contains("provided string was not `true` or `false`") {
        "expected true or false".to_owned()
    } else {
        why.to_owned()
    }
}

/// Largest page.
pub const MAX_LIMIT: i64 = 100;
/// Default page size.
pub const DEFAULT_LIMIT: i64 = 20;

/// The page asked for: offset pagination by default, keyset pagination with `cursor` (empty
/// for the first page).
pub fn page(
    limit: Option<i64>,
    offset: Option<i64>,
    cursor: Option<&str>,
) -> Result<PageRequest, ApiError> {
    page_with(limit, offset, cursor, MAX_LIMIT)
}

/// [`page`] with another maximum page size.
pub fn page_with(
    limit: Option<i64>,
    offset: Option<i64>,
    cursor: Option<&str>,
    max: i64,
) -> Result<PageRequest, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT.min(max));
    if !(1..=max).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("must be between 1 and {max}, got {limit}"),
        ));
    }
    match (offset, cursor) {
        (Some(_), Some(_)) => Err(ApiError::invalid(
            "cursor",
            "give either offset or cursor, not both",
        )),
        // An empty cursor asks for the first page of keyset pagination.
        (_, Some("")) => Ok(PageRequest::Cursor { limit, after: None }),
        (_, Some(c)) => Ok(PageRequest::Cursor {
            limit,
            after: Some(decode_cursor(c)?),
        }),
        (Some(o), None) if o < 0 => Err(ApiError::invalid(
            "offset",
            format!("must be 0 or more, got {o}"),
        )),
        (o, None) => Ok(PageRequest::Offset {
            limit,
            offset: o.unwrap_or(0),
        }),
    }
}

/// An opaque cursor: the hex of the sort key's JSON.
pub fn encode_cursor(key: &[Val]) -> String {
    hex::encode(serde_json::to_vec(key).expect("values serialise"))
}

fn decode_cursor(c: &str) -> Result<Vec<Val>, ApiError> {
    decode_cursor_as("cursor", c)
}

/// The values of a cursor given as `field`.
pub fn decode_cursor_as(field: &str, c: &str) -> Result<Vec<Val>, ApiError> {
    hex::decode(c)
        .ok()
        .and_then(|b| serde_json::from_slice::<Vec<Val>>(&b).ok())
        .filter(|v| !v.is_empty() && v.len() <= 4)
        .ok_or_else(|| {
            ApiError::invalid(
                field,
                format!("{c:?} is not a cursor from a previous page's next_cursor"),
            )
        })
}

/// A parameter given under its ogcr name or its api-documentation.md alias: the one set, or
/// 400 when both are set to different values.
pub fn either(
    (name, value): (&str, Option<String>),
    (alias, alias_value): (&str, Option<String>),
) -> Result<Option<String>, ApiError> {
    match (value, alias_value) {
        (Some(a), Some(b)) if a != b => Err(ApiError::invalid(
            alias,
            format!("{alias} is another name of {name}; give one of them (got two values)"),
        )),
        (a, b) => Ok(a.or(b)),
    }
}

/// Comma-separated values, each one of `allowed`.
pub fn one_of_list(
    field: &str,
    raw: Option<&str>,
    allowed: &[&str],
) -> Result<Vec<String>, ApiError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|v| {
            if allowed.contains(&v) {
                Ok(v.to_owned())
            } else {
                Err(ApiError::invalid(
                    field,
                    format!("{v:?} is not one of {}", allowed.join(", ")),
                ))
            }
        })
        .collect()
}

/// A 0x-prefixed 20-byte address, lowercased (the database's form).
pub fn address(field: &str, raw: Option<&str>) -> Result<Option<String>, ApiError> {
    hex_value(field, raw, 20, "an address")
}

/// A 0x-prefixed 32-byte hash, lowercased.
pub fn hash32(field: &str, raw: Option<&str>) -> Result<Option<String>, ApiError> {
    hex_value(field, raw, 32, "a transaction hash")
}

/// `0x` and `2 * bytes` hex digits, lowercased.
fn hex_value(
    field: &str,
    raw: Option<&str>,
    bytes: usize,
    what: &str,
) -> Result<Option<String>, ApiError> {
    raw.map(|v| {
        let ok = v.len() == 2 + 2 * bytes
            && (v.starts_with("0x") || v.starts_with("0X"))
            && v[2..].bytes().all(|b| b.is_ascii_hexdigit());
        if ok {
            Ok(format!("0x{}", v[2..].to_ascii_lowercase()))
        } else {
            Err(ApiError::invalid(
                field,
                format!(
                    "{v:?} is not {what} (0x followed by {} hex digits)",
                    2 * bytes
                ),
            ))
        }
    })
    .transpose()
}

/// A date (`2024-01-01`) or date-time (RFC 3339) as unix seconds.
pub fn time(field: &str, raw: Option<&str>) -> Result<Option<i64>, ApiError> {
    raw.map(|t| {
        if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            return Ok(d
                .and_hms_opt(0, 0, 0)
                .expect("midnight")
                .and_utc()
                .timestamp());
        }
        DateTime::parse_from_rfc3339(t)
            .map(|d| d.timestamp())
            .map_err(|_| {
                ApiError::invalid(
                    field,
                    format!("{t:?} is not a date (2024-01-31) or date-time (2024-01-31T12:00:00Z)"),
                )
            })
    })
    .transpose()
}

/// A positive integer path segment or parameter.
pub fn id(field: &str, raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| ApiError::invalid(field, format!("{raw:?} is not a positive integer id")))
}

/// `[west, south, east, north]` in degrees → 1e-7 degree units, checked.
pub fn bbox(raw: Option<&str>) -> Result<Option<[i64; 4]>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    let bad = |why: String| ApiError::invalid("bbox", why);
    let v: Vec<f64> = raw
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad(format!("{raw:?} is not four numbers west,south,east,north")))?;
    let [w, s, e, n] = v[..] else {
        return Err(bad(format!(
            "{raw:?} has {} numbers; give west,south,east,north",
            v.len()
        )));
    };
    if !(-180.0..=180.0).contains(&w) || !(-180.0..=180.0).contains(&e) {
        return Err(bad(format!(
            "longitudes must be within ±180, got {w} and {e}"
        )));
    }
    if !(-90.0..=90.0).contains(&s) || !(-90.0..=90.0).contains(&n) {
        return Err(bad(format!(
            "latitudes must be within ±90, got {s} and {n}"
        )));
    }
    if w > e || s > n {
        return Err(bad(format!(
            "west must not exceed east and south must not exceed north, got {raw:?}"
        )));
    }
    let e7 = ogcr_store::facts::to_e7;
    Ok(Some([e7(w), e7(s), e7(e), e7(n)]))
}

/// The order of a list from `sort` (one of the list's fields, its first by default) and
/// `order` (`asc`, the default, or `desc`).
pub fn sort<F: SortField>(sort: Option<&str>, order: Option<&str>) -> Result<Sort<F>, ApiError> {
    let by = match sort.filter(|s| !s.is_empty()) {
        None => F::default(),
        Some(name) => F::from_name(name).ok_or_else(|| {
            ApiError::invalid(
                "sort",
                format!(
                    "{name:?} is not a field this list sorts by: give one of {}",
                    F::NAMES.join(", ")
                ),
            )
        })?,
    };
    let descending = match order.filter(|s| !s.is_empty()) {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(ApiError::invalid(
                "order",
                format!("{other:?} is not an order: give asc or desc"),
            ));
        }
    };
    Ok(Sort { by, descending })
}

/// The codes of a `country` list, upper case.
pub fn countries(v: Option<&str>) -> Result<Vec<String>, ApiError> {
    let Some(v) = v.filter(|v| !v.is_empty()) else {
        return Ok(Vec::new());
    };
    v.split(',')
        .map(|c| {
            let c = c.trim();
            if c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()) {
                Ok(c.to_ascii_uppercase())
            } else {
                Err(ApiError::invalid(
                    "country",
                    format!("{c:?} is not an ISO 3166-1 alpha-2 code: give codes like BR or BR,KE"),
                ))
            }
        })
        .collect()
}

/// The years of a `vintage` list (`field` names the parameter in errors).
pub fn years(field: &str, v: Option<&str>) -> Result<Vec<i64>, ApiError> {
    let Some(v) = v.filter(|v| !v.is_empty()) else {
        return Ok(Vec::new());
    };
    v.split(',').map(|y| year(field, y.trim())).collect()
}

/// An optional year parameter, 1900–9999.
pub fn year_param(field: &str, y: Option<i64>) -> Result<Option<i64>, ApiError> {
    y.map(|y| year(field, &y.to_string())).transpose()
}

/// One year, 1900–9999.
pub fn year(field: &str, y: &str) -> Result<i64, ApiError> {
    y.parse::<i64>()
        .ok()
        .filter(|y| (1900..=9999).contains(y))
        .ok_or_else(|| {
            ApiError::invalid(
                field,
                format!("{y:?} is not a year: give years like 2024 or 2024,2025"),
            )
        })
}

/// Checks `from < to` of a range.
pub fn range(field: &str, from: Option<i64>, to: Option<i64>) -> Result<(), ApiError> {
    match (from, to) {
        (Some(f), Some(t)) if f > t => Err(ApiError::invalid(
            field,
            "the range ends before it starts".to_owned(),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_become_field_errors() {
        let e =
            query_error("Failed to deserialize query string: limit: invalid digit found in string");
        assert_eq!(e.details[0].field, "limit");
        assert_eq!(e.details[0].message, "expected a whole number, e.g. 20");
        assert!(!e.message.contains("invalid digit"));
        let e = query_error(
            "Failed to deserialize query string: unknown field `stauts`, expected one of `status`",
        );
        assert_eq!(e.details[0].field, "stauts");
    }

    #[test]
    fn pages_and_cursors() {
        assert_eq!(
            page(None, None, None).unwrap(),
            PageRequest::Offset {
                limit: 20,
                offset: 0
            }
        );
        assert!(page(Some(0), None, None).is_err());
        assert!(page(Some(101), None, None).is_err());
        assert!(page(None, Some(-1), None).is_err());
        let c = encode_cursor(&[Val::from(7), Val::from("x")]);
        assert_eq!(
            page(Some(5), None, Some(&c)).unwrap(),
            PageRequest::Cursor {
                limit: 5,
                after: Some(vec![Val::from(7), Val::from("x")])
            }
        );
        assert!(page(None, Some(1), Some(&c)).is_err());
        assert!(page(None, None, Some("zz")).is_err());
    }

    #[test]
    fn values_are_checked() {
        assert!(address("owner", Some("0x12")).is_err());
        assert_eq!(
            address("owner", Some(&format!("0x{}", "AB".repeat(20)))).unwrap(),
            Some(format!("0x{}", "ab".repeat(20)))
        );
        assert_eq!(time("from", Some("1970-01-02")).unwrap(), Some(86_400));
        assert!(time("from", Some("yesterday")).is_err());
        assert!(bbox(Some("1,2,3")).is_err());
        assert!(bbox(Some("10,0,5,1")).is_err());
        assert_eq!(
            bbox(Some("-1,-2,3,4")).unwrap(),
            Some([-10_000_000, -20_000_000, 30_000_000, 40_000_000])
        );
        assert!(one_of_list("status", Some("approved,nope"), &["approved"]).is_err());
        assert!(id("mrv_id", "0").is_err());
    }
}
