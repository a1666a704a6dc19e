//! Building records whose keys are exactly a table's API fields in schema order, and the
//! date formats of the CAD Trust API.

use chrono::DateTime;
use serde_json::{Map, Value};

use crate::spec::{TableSpec, spec};

/// A record of one table: every API field present (null until set), in schema order.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    table: &'static TableSpec,
    map: Map<String, Value>,
}

impl Record {
    /// An empty record of `table`.
    pub(crate) fn new(table: &str) -> Self {
        let table = spec()
            .table(table)
            .unwrap_or_else(|| panic!("{table} is a CAD Trust table"));
        let map = table
            .api_fields()
            .map(|f| (f.to_owned(), Value::Null))
            .collect();
        Record { table, map }
    }

    /// Sets `field` (an API field of the table).
    pub(crate) fn set(&mut self, field: &str, value: impl Into<Value>) -> &mut Self {
        let slot = self.map.get_mut(field).unwrap_or_else(|| {
            panic!("{field} is not a field of {}", self.table.name);
        });
        *slot = value.into();
        self
    }

    /// Sets `field` when `value` is `Some`.
    pub(crate) fn opt(&mut self, field: &str, value: Option<impl Into<Value>>) -> &mut Self {
        if let Some(v) = value {
            self.set(field, v);
        }
        self
    }

    /// Sets `createdAt` and `updatedAt` from unix times.
    pub(crate) fn times(&mut self, created: i64, updated: i64) -> &mut Self {
        self.set("createdAt", timestamp(created));
        self.set("updatedAt", timestamp(updated.max(created)))
    }

    /// The finished record.
    pub(crate) fn done(&mut self) -> Value {
        Value::Object(std::mem::take(&mut self.map))
    }
}

/// `2024-02-15T09:00:00.000Z`: the CADT API's form of `createdAt`/`updatedAt`.
pub fn timestamp(unix: i64) -> String {
    DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// `2024-02-15`: an ISO 8601 calendar date (UTC) for the Date fields.
pub fn date(unix: i64) -> String {
    DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .format("%Y-%m-%d")
        .to_string()
}

/// Unix time of 1 January of `year`, 00:00:00 UTC.
pub(crate) fn year_start(year: i32) -> i64 {
    chrono::NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(0, |d| d.and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_hold_every_field_in_schema_order() {
        let mut r = Record::new("label");
        r.set("labelName", "x").times(0, 86_400);
        let v = r.done();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "cadTrustLabelId",
                "labelName",
                "labelType",
                "labelLink",
                "labelDate",
                "createdAt",
                "updatedAt"
            ]
        );
        assert_eq!(v["labelLink"], Value::Null);
        assert_eq!(v["createdAt"], "1970-01-01T00:00:00.000Z");
        assert_eq!(v["updatedAt"], "1970-01-02T00:00:00.000Z");
    }

    #[test]
    #[should_panic(expected = "labelColour is not a field of label")]
    fn unknown_fields_are_a_bug() {
        Record::new("label").set("labelColour", "red");
    }

    #[test]
    fn dates_are_utc() {
        assert_eq!(date(1_704_067_199), "2023-12-31");
        assert_eq!(date(1_704_067_200), "2024-01-01");
        assert_eq!(year_start(2024), 1_704_067_200);
        assert_eq!(timestamp(1_708_000_000), "2024-02-15T12:26:40.000Z");
    }
}
