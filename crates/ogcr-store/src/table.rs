//! Typed rows: each table is a struct whose fields are its columns, with one generic path to
//! bind, insert, upsert, delete and load it on both backends.

use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sqlx::{Row, any::AnyRow};

use crate::{Error, Result};

/// A bound SQL value. Nulls carry their type so PostgreSQL can infer the parameter type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Val {
    /// A 64-bit integer, or a typed NULL.
    Int(Option<i64>),
    /// A text, or a typed NULL.
    Text(Option<String>),
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::Int(Some(v))
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Self {
        Val::Int(v)
    }
}
impl From<String> for Val {
    fn from(v: String) -> Self {
        Val::Text(Some(v))
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::Text(Some(v.to_owned()))
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Self {
        Val::Text(v)
    }
}

/// A column type a row field can have.
pub trait Column: Sized + Clone + Into<Val> {
    /// Reads the column `name` of `row`.
    fn get(row: &AnyRow, name: &str) -> std::result::Result<Self, sqlx::Error>;
}
impl Column for i64 {
    fn get(row: &AnyRow, name: &str) -> std::result::Result<Self, sqlx::Error> {
        row.try_get(name)
    }
}
impl Column for Option<i64> {
    fn get(row: &AnyRow, name: &str) -> std::result::Result<Self, sqlx::Error> {
        row.try_get(name)
    }
}
impl Column for String {
    fn get(row: &AnyRow, name: &str) -> std::result::Result<Self, sqlx::Error> {
        row.try_get(name)
    }
}
impl Column for Option<String> {
    fn get(row: &AnyRow, name: &str) -> std::result::Result<Self, sqlx::Error> {
        row.try_get(name)
    }
}

/// A table of the schema and its row type.
pub trait Table: Sized + Clone + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Table name.
    const TABLE: &'static str;
    /// Column names, in field order.
    const COLUMNS: &'static [&'static str];
    /// Primary-key columns.
    const KEY: &'static [&'static str];
    /// The row's values, in column order.
    fn values(&self) -> Vec<Val>;
    /// The row's primary-key values.
    fn key(&self) -> Vec<Val>;
    /// Decodes a row selected with [`Table::COLUMNS`].
    fn from_row(row: &AnyRow) -> Result<Self>;
}

/// Defines a row struct and its [`Table`] implementation.
macro_rules! table {
    (
        $(#[$meta:meta])*
        $name:ident in $table:literal, key ($($key:ident),+) {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        ///
        /// Fields are the table's columns, documented in its migration.
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[allow(missing_docs)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty ),+
        }

        impl $crate::table::Table for $name {
            const TABLE: &'static str = $table;
            const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),+];
            const KEY: &'static [&'static str] = &[$(stringify!($key)),+];
            fn values(&self) -> Vec<$crate::table::Val> {
                vec![$(self.$field.clone().into()),+]
            }
            fn key(&self) -> Vec<$crate::table::Val> {
                vec![$(self.$key.clone().into()),+]
            }
            fn from_row(row: &sqlx::any::AnyRow) -> $crate::Result<Self> {
                Ok(Self {
                    $( $field: <$ty as $crate::table::Column>::get(row, stringify!($field))
                        .map_err(|e| $crate::table::corrupt($table, stringify!($field), e))?, )+
                })
            }
        }
    };
}
pub(crate) use table;

pub(crate) fn corrupt(table: &'static str, column: &str, e: sqlx::Error) -> Error {
    Error::Corrupt {
        table,
        detail: format!("column {column}: {e}"),
    }
}

/// `$1, $2, …` placeholders starting after `offset` bound parameters.
pub(crate) fn placeholders(offset: usize, n: usize) -> String {
    (offset + 1..=offset + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Binds `vals` onto a query in order.
pub(crate) fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    vals: impl IntoIterator<Item = Val>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for v in vals {
        q = match v {
            Val::Int(i) => q.bind(i),
            Val::Text(t) => q.bind(t),
        };
    }
    q
}

/// `sql` in the placeholder style its connection binds fastest: on SQLite, see [`positional`].
pub(crate) fn for_backend(conn: &sqlx::AnyConnection, sql: String) -> String {
    if conn.backend_name() == <sqlx::Sqlite as sqlx::Database>::NAME {
        positional(sql)
    } else {
        sql
    }
}

/// `sql` with `$1, $2, …, $n` turned into anonymous `?` when they appear exactly in that
/// order (as every generated statement has them); any other SQL unchanged. SQLite treats
/// `$N` as a *named* parameter and looks each one up by a linear scan, when it parses the
/// statement and again when sqlx binds it, so a multi-row insert with thousands of them
/// takes quadratic time (12 000 events: ~40 s instead of ~0.5 s). `?` binds by position.
pub(crate) fn positional(sql: String) -> String {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let (mut expected, mut copied, mut i) = (1usize, 0, 0);
    while i < bytes.len() {
        if bytes[i] == b'$' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            let end = (i + 1..bytes.len())
                .find(|&j| !bytes[j].is_ascii_digit())
                .unwrap_or(bytes.len());
            if sql[i + 1..end].parse::<usize>().ok() != Some(expected) {
                return sql;
            }
            out.push_str(&sql[copied..i]);
            out.push('?');
            expected += 1;
            copied = end;
            i = end;
        } else {
            i += 1;
        }
    }
    out.push_str(&sql[copied..]);
    out
}

/// Bound parameters per statement: below SQLite's 32 766 and PostgreSQL's 65 535.
pub(crate) const MAX_PARAMS: usize = 30_000;

/// How a multi-row insert treats an existing primary key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnConflict {
    /// Keep the existing row (idempotent re-insert of the same fact).
    Ignore,
    /// Replace it (current-state tables).
    Update,
}

/// Multi-row `INSERT … ON CONFLICT` statements for `rows`, each under [`MAX_PARAMS`].
pub(crate) fn insert_statements<T: Table>(
    rows: &[T],
    on_conflict: OnConflict,
) -> Vec<(String, Vec<Val>)> {
    let cols = T::COLUMNS.len();
    let per_stmt = (MAX_PARAMS / cols).max(1);
    let conflict = match on_conflict {
        OnConflict::Ignore => format!("ON CONFLICT ({}) DO NOTHING", T::KEY.join(", ")),
        OnConflict::Update => {
            let updates: Vec<String> = T::COLUMNS
                .iter()
                .filter(|c| !T::KEY.contains(c))
                .map(|c| format!("{c} = excluded.{c}"))
                .collect();
            if updates.is_empty() {
                format!("ON CONFLICT ({}) DO NOTHING", T::KEY.join(", "))
            } else {
                format!(
                    "ON CONFLICT ({}) DO UPDATE SET {}",
                    T::KEY.join(", "),
                    updates.join(", ")
                )
            }
        }
    };
    rows.chunks(per_stmt)
        .map(|chunk| {
            let mut sql = format!(
                "INSERT INTO {} ({}) VALUES ",
                T::TABLE,
                T::COLUMNS.join(", ")
            );
            let mut vals = Vec::with_capacity(chunk.len() * cols);
            for (i, row) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                sql.push_str(&placeholders(i * cols, cols));
                sql.push(')');
                vals.extend(row.values());
            }
            sql.push(' ');
            sql.push_str(&conflict);
            (sql, vals)
        })
        .collect()
}

/// `SELECT` of all columns of `T` whose key is one of `keys`, in statements under [`MAX_PARAMS`].
pub(crate) fn select_by_keys<T: Table>(keys: &[Vec<Val>]) -> Vec<(String, Vec<Val>)> {
    let k = T::KEY.len();
    let per_stmt = (MAX_PARAMS / k).max(1);
    keys.chunks(per_stmt)
        .map(|chunk| {
            let cond = if k == 1 {
                format!("{} IN ({})", T::KEY[0], placeholders(0, chunk.len()))
            } else {
                chunk
                    .iter()
                    .enumerate()
                    .map(|(i, _)| {
                        let parts: Vec<String> = T::KEY
                            .iter()
                            .enumerate()
                            .map(|(j, c)| format!("{c} = ${}", i * k + j + 1))
                            .collect();
                        format!("({})", parts.join(" AND "))
                    })
                    .collect::<Vec<_>>()
                    .join(" OR ")
            };
            let sql = format!(
                "SELECT {} FROM {} WHERE {cond}",
                T::COLUMNS.join(", "),
                T::TABLE
            );
            (sql, chunk.iter().flatten().cloned().collect())
        })
        .collect()
}

/// `DELETE` of the row of `T` with primary key `key`.
pub(crate) fn delete_by_key<T: Table>(key: Vec<Val>) -> (String, Vec<Val>) {
    let cond: Vec<String> = T::KEY
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ${}", i + 1))
        .collect();
    (
        format!("DELETE FROM {} WHERE {}", T::TABLE, cond.join(" AND ")),
        key,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    table! {
        /// A test row (`pub` as the macro makes every row type, inside a private module).
        #[allow(unreachable_pub)]
        Pair in "pairs", key (a, b) { a: i64, b: String, c: Option<String> }
    }

    #[test]
    fn insert_statements_split_under_the_parameter_limit() {
        let rows: Vec<Pair> = (0..25_000)
            .map(|i| Pair {
                a: i,
                b: "x".into(),
                c: None,
            })
            .collect();
        let stmts = insert_statements(&rows, OnConflict::Update);
        assert_eq!(stmts.len(), 3, "75 000 parameters need three statements");
        for (sql, vals) in &stmts {
            assert!(vals.len() <= MAX_PARAMS);
            assert!(sql.ends_with("ON CONFLICT (a, b) DO UPDATE SET c = excluded.c"));
        }
        assert_eq!(stmts.iter().map(|s| s.1.len()).sum::<usize>(), 75_000);
        assert!(stmts[1].0.contains("($1, $2, $3), ($4, $5, $6)"));
    }

    #[test]
    fn composite_keys_select_and_delete_by_every_key_column() {
        let (sql, vals) =
            &select_by_keys::<Pair>(&[vec![1.into(), "x".into()], vec![2.into(), "y".into()]])[0];
        assert_eq!(
            sql,
            "SELECT a, b, c FROM pairs WHERE (a = $1 AND b = $2) OR (a = $3 AND b = $4)"
        );
        assert_eq!(vals.len(), 4);
        let (sql, _) = delete_by_key::<Pair>(vec![1.into(), "x".into()]);
        assert_eq!(sql, "DELETE FROM pairs WHERE a = $1 AND b = $2");
    }

    #[test]
    fn sequential_numbered_placeholders_become_positional() {
        let (sql, _) = &insert_statements(
            &[
                Pair {
                    a: 1,
                    b: "x".into(),
                    c: None,
                },
                Pair {
                    a: 2,
                    b: "$1".into(),
                    c: None,
                },
            ],
            OnConflict::Ignore,
        )[0];
        assert_eq!(
            positional(sql.clone()),
            "INSERT INTO pairs (a, b, c) VALUES (?, ?, ?), (?, ?, ?) ON CONFLICT (a, b) DO NOTHING"
        );
        let (sql, _) = &select_by_keys::<Pair>(&[vec![1.into(), "x".into()]])[0];
        assert_eq!(
            positional(sql.clone()),
            "SELECT a, b, c FROM pairs WHERE (a = ? AND b = ?)"
        );
        // Out of order, repeated or not starting at 1: left alone.
        for sql in ["a = $2 AND b = $1", "a = $1 OR b = $1", "a = $2", "$10"] {
            assert_eq!(positional(sql.into()), sql);
        }
        assert_eq!(
            positional("no parameters, $ sign".into()),
            "no parameters, $ sign"
        );
    }

    #[test]
    fn values_round_trip_through_json_for_undo_records() {
        let row = Pair {
            a: 7,
            b: "k".into(),
            c: Some("v".into()),
        };
        let json = serde_json::to_string(&row).unwrap();
        assert_eq!(serde_json::from_str::<Pair>(&json).unwrap(), row);
        let key = serde_json::to_string(&row.key()).unwrap();
        assert_eq!(key, r#"[7,"k"]"#);
        let back: Vec<Val> = serde_json::from_str(&key).unwrap();
        assert_eq!(back, row.key());
    }
}
