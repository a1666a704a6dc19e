//! What costs a scan of a table — record counts, the tables built whole (methodology, label),
//! where every [`STRIDE`]-th estimation record starts, an Article 6 Party's projects — kept
//! by the [`Exporter`](crate::Exporter) for the data revision it was read at. The store's
//! revision grows with every write transaction, so a kept value is never used for other
//! data; a `/cadt/v2` or `/aef` page then costs its own rows, not a scan of the table.

use std::{collections::HashMap, sync::Arc};

use serde_json::Value;

use crate::aef::Scope;

/// Estimation records between two kept starting points: an offset page of the estimation
/// table scans at most this many projects' worth of records before its own.
pub(crate) const STRIDE: u64 = 128;

/// The values of one data revision.
#[derive(Debug, Default)]
pub(crate) struct Memo {
    revision: Option<i64>,
    /// Records per table (`aef:<code>:<year>:<table>` for Article 6 tables).
    pub(crate) counts: HashMap<String, u64>,
    /// Tables built whole, by name.
    pub(crate) whole: HashMap<&'static str, Arc<Vec<Value>>>,
    /// `estimation_marks[i]`: the key of the project of estimation record `(i + 1) * STRIDE - 1`,
    /// after which record `(i + 1) * STRIDE` is found.
    pub(crate) estimation_marks: Option<Arc<Vec<String>>>,
    /// Article 6 scopes by (Party code, year).
    pub(crate) scopes: HashMap<(&'static str, i32), Arc<Scope>>,
}

impl Memo {
    /// The values of `revision`, forgetting those of any other.
    pub(crate) fn at(&mut self, revision: i64) -> &mut Self {
        if self.revision != Some(revision) {
            *self = Memo {
                revision: Some(revision),
                ..Memo::default()
            };
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_forgotten_when_the_revision_moves() {
        let mut m = Memo::default();
        m.at(1).counts.insert("unit".into(), 4);
        assert_eq!(m.at(1).counts.get("unit"), Some(&4));
        assert_eq!(m.at(2).counts.get("unit"), None);
        assert_eq!(m.at(1).counts.get("unit"), None);
    }
}
