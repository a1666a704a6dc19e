//! Filtered, paginated reads for the read API. Every list supports offset pagination (with a
//! total) and keyset pagination: a cursor is the sort key of the last row returned, and the
//! next page starts with `WHERE key > cursor ORDER BY key LIMIT n`, so a deep page costs the
//! same index seek as the first.

use std::collections::HashMap;

use sqlx::{Row, any::AnyRow};

use crate::{
    ChainState, Decision, Document, Event, MrvReport, PddFacts, PddVersion, Project, Result,
    Retirement, StatusChange, Store, Table, Token, Transfer, Val, model::doc_status,
    table::placeholders,
};

/// Which page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageRequest {
    /// `limit` rows after skipping `offset`; the page carries the total count.
    Offset {
        /// Rows per page.
        limit: i64,
        /// Rows skipped.
        offset: i64,
    },
    /// `limit` rows after the row whose sort key is `after` (from the start when `None`).
    Cursor {
        /// Rows per page.
        limit: i64,
        /// Sort key of the last row of the previous page.
        after: Option<Vec<Val>>,
    },
}

impl PageRequest {
    fn limit(&self) -> i64 {
        match self {
            PageRequest::Offset { limit, .. } | PageRequest::Cursor { limit, .. } => *limit,
        }
    }
}

/// One page of a list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows, in sort order.
    pub rows: Vec<T>,
    /// Rows matching the filters (offset pagination only).
    pub total: Option<i64>,
    /// Whether rows follow this page.
    pub has_more: bool,
    /// Sort key of the last row, when rows follow: the cursor of the next page.
    pub next: Option<Vec<Val>>,
}

/// Rows between two marks of a [`ListIndex`]: a deep offset page skips at most this many rows
/// after its keyset seek.
const STRIDE: i64 = 128;

/// A list's row count and the sort key of every [`STRIDE`]-th row, for one data revision:
/// what makes `total` and deep offsets cost a lookup instead of a scan.
#[derive(Debug)]
pub(crate) struct ListIndex {
    total: i64,
    /// `marks[i]` is the sort key of row `i * STRIDE` (0-based).
    marks: Vec<Vec<Val>>,
}

/// List indexes by (data revision, filtered list). An entry is built once per revision by
/// the first request that needs it (concurrent requests for the same one wait for it) and is
/// never looked up again once the revision moved; old entries age out.
#[derive(Clone)]
pub(crate) struct ListCache(moka::future::Cache<(i64, String), std::sync::Arc<ListIndex>>);

impl std::fmt::Debug for ListCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ListCache")
            .field(&self.0.entry_count())
            .finish()
    }
}

impl ListCache {
    /// About 2 MB of sort keys at most, whatever the number of distinct filters.
    pub(crate) fn new() -> Self {
        ListCache(
            moka::future::Cache::builder()
                .max_capacity(50_000)
                .weigher(|_, v: &std::sync::Arc<ListIndex>| {
                    u32::try_from(v.marks.len() + 1).unwrap_or(u32::MAX)
                })
                .time_to_idle(std::time::Duration::from_secs(600))
                .build(),
        )
    }
}

/// The type of a sort-key column (what a cursor value must be).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Text,
}

/// A list's order as requested: a field of the list and a direction. The default is the
/// list's first field, ascending.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Sort<F> {
    /// The field.
    pub by: F,
    /// Largest first.
    pub descending: bool,
}

/// A field a list sorts by, named as the API names it.
pub trait SortField: Sized + Copy + Default + PartialEq + std::fmt::Debug {
    /// The API names of the fields, the default first.
    const NAMES: &'static [&'static str];
    /// The field of an API name.
    fn from_name(name: &str) -> Option<Self>;
    /// The field's API name.
    fn name(self) -> &'static str;
}

/// Defines the fields a list sorts by: each with its API name and its sort-key columns
/// (the last ones break ties, so the key is unique and keyset pages never skip or repeat
/// a row). The first field is the default.
macro_rules! sort_fields {
    (
        $(#[$meta:meta])*
        $name:ident {
            $(#[$fmeta:meta])* $first:ident = $first_label:literal => [$($first_col:literal : $first_kind:ident),+],
            $( $(#[$vmeta:meta])* $variant:ident = $label:literal => [$($col:literal : $kind:ident),+] ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub enum $name {
            $(#[$fmeta])*
            #[default]
            $first,
            $( $(#[$vmeta])* $variant ),*
        }

        impl SortField for $name {
            const NAMES: &'static [&'static str] = &[$first_label $(, $label)*];

            fn from_name(name: &str) -> Option<Self> {
                match name {
                    $first_label => Some(Self::$first),
                    $( $label => Some(Self::$variant), )*
                    _ => None,
                }
            }

            fn name(self) -> &'static str {
                match self {
                    Self::$first => $first_label,
                    $( Self::$variant => $label, )*
                }
            }
        }

        impl $name {
            fn key(self) -> (&'static [&'static str], &'static [Kind]) {
                match self {
                    Self::$first => (&[$($first_col),+], &[$(Kind::$first_kind),+]),
                    $( Self::$variant => (&[$($col),+], &[$(Kind::$kind),+]), )*
                }
            }
        }

        impl From<Sort<$name>> for Order {
            fn from(s: Sort<$name>) -> Order {
                let (key, kinds) = s.by.key();
                Order::new(key, kinds, s.descending, s.by.name(), s == Sort::default())
            }
        }
    };
}

sort_fields! {
    /// Fields of the project list's order.
    ProjectSort {
        /// The on-chain project id.
        ProjectId = "project_id" => ["p.project_id": Text],
        /// Registration time.
        CreatedAt = "created_at" => ["p.registered_at": Int, "p.project_id": Text],
        /// Time of the last on-chain change.
        UpdatedAt = "updated_at" => ["p.updated_at": Int, "p.project_id": Text],
        /// The verified PDD's name (projects without one first); no index serves it, so every
        /// match is sorted.
        Name = "name" => ["COALESCE(f.name, '')": Text, "p.project_id": Text],
        /// Lifecycle order: draft, submitted, under_review, approved, rejected, archived.
        Status = "status" => [
            "CAST(CASE p.status WHEN 'draft' THEN 0 WHEN 'submitted' THEN 1 WHEN 'under_review' THEN 2 WHEN 'validated' THEN 3 WHEN 'rejected' THEN 4 WHEN 'archived' THEN 5 ELSE 6 END AS BIGINT)": Int,
            "p.project_id": Text
        ],
    }
}

sort_fields! {
    /// Fields of the monitoring-report list's order.
    MrvSort {
        /// Submission order (report ids are assigned on submission).
        CreatedAt = "created_at" => ["m.mrv_id": Int],
        /// Start of the monitoring period.
        PeriodStart = "period_start" => ["m.period_start": Int, "m.mrv_id": Int],
        /// pending (submitted), verified, rejected.
        Status = "status" => [
            "CAST(CASE m.status WHEN 'submitted' THEN 0 WHEN 'verified' THEN 1 WHEN 'rejected' THEN 2 ELSE 3 END AS BIGINT)": Int,
            "m.mrv_id": Int
        ],
    }
}

sort_fields! {
    /// Fields of the credit list's order.
    CreditSort {
        /// Issuance order (token ids are assigned at mint and split).
        CreatedAt = "created_at" => ["t.token_id": Int],
        /// Vintage year.
        Vintage = "vintage" => ["t.vintage": Int, "t.token_id": Int],
        /// Units in the block; no index serves it, so every match is sorted.
        Amount = "amount" => ["t.amount": Int, "t.token_id": Int],
        /// active, buffer, cancelled, retired.
        Status = "status" => ["t.status": Text, "t.token_id": Int],
    }
}

sort_fields! {
    /// Fields of the retirement list's order.
    RetirementSort {
        /// Chain order.
        CreatedAt = "created_at" => ["r.block_number": Int, "r.log_index": Int],
        /// Units retired; no index serves it, so every match is sorted.
        Amount = "amount" => ["r.amount": Int, "r.block_number": Int, "r.log_index": Int],
    }
}

sort_fields! {
    /// Fields of the event feed's order (chain order only; the direction is free).
    EventSort {
        /// Chain order.
        CreatedAt = "created_at" => ["e.block_number": Int, "e.log_index": Int],
    }
}

/// A list's sort key as SQL: its columns, their types, the direction, and the tag that a
/// cursor of a non-default order starts with (so a cursor cannot be replayed under another
/// order, where it would point somewhere else).
#[derive(Debug, Clone)]
struct Order {
    key: &'static [&'static str],
    kinds: &'static [Kind],
    desc: bool,
    tag: Option<String>,
}

impl Order {
    fn new(
        key: &'static [&'static str],
        kinds: &'static [Kind],
        desc: bool,
        name: &str,
        default: bool,
    ) -> Self {
        debug_assert_eq!(key.len(), kinds.len(), "a type per sort-key column");
        Order {
            key,
            kinds,
            desc,
            tag: (!default).then(|| format!("{name}:{}", if desc { "desc" } else { "asc" })),
        }
    }

    /// `ORDER BY` terms.
    fn by(&self) -> String {
        let dir = if self.desc { " DESC" } else { "" };
        self.key
            .iter()
            .map(|c| format!("{c}{dir}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The row-value comparison of rows strictly after the key (`or_equal`: at or after).
    fn after(&self, or_equal: bool) -> &'static str {
        match (self.desc, or_equal) {
            (false, false) => ">",
            (false, true) => ">=",
            (true, false) => "<",
            (true, true) => "<=",
        }
    }
}

/// A `SELECT` under construction: joins, conditions with their bound values, and the order
/// with its sort key's types.
struct Select {
    from: &'static str,
    columns: String,
    conds: Vec<String>,
    vals: Vec<Val>,
    order: Order,
}

impl Select {
    fn new(from: &'static str, columns: String, order: impl Into<Order>) -> Self {
        Select {
            from,
            columns,
            conds: Vec::new(),
            vals: Vec::new(),
            order: order.into(),
        }
    }

    /// A client's cursor fits this list's order: its tag (for a non-default order), then as
    /// many values as the sort key, each of its column's type and not NULL. (A cursor of
    /// another list or order, or a made-up one, is refused here rather than reaching the
    /// database.) Returns the sort-key values.
    fn check_cursor<'a>(&self, after: &'a [Val]) -> Result<&'a [Val]> {
        let key = match (&self.order.tag, after.split_first()) {
            (None, _) => Some(after),
            (Some(tag), Some((Val::Text(Some(t)), rest))) if t == tag => Some(rest),
            _ => None,
        };
        let fits = key.filter(|key| {
            key.len() == self.order.key.len()
                && key.iter().zip(self.order.kinds).all(|(v, k)| {
                    matches!(
                        (v, k),
                        (Val::Int(Some(_)), Kind::Int) | (Val::Text(Some(_)), Kind::Text)
                    )
                })
        });
        fits.ok_or_else(|| {
            crate::Error::BadCursor(format!(
                "it does not fit this list in this order (a cursor is only valid with the \
                 filters, sort and order of the page that gave it; its sort key here is {})",
                self.order.key.join(", ")
            ))
        })
    }

    /// The sort key of a selected row (its `sk0`, `sk1`, … columns), tagged as a cursor.
    fn cursor_of(&self, row: &AnyRow) -> Result<Vec<Val>> {
        let mut out: Vec<Val> = self.order.tag.iter().cloned().map(Val::from).collect();
        for (i, kind) in self.order.kinds.iter().enumerate() {
            let col = format!("sk{i}");
            out.push(match kind {
                Kind::Int => Val::Int(Some(row.try_get(col.as_str())?)),
                Kind::Text => Val::Text(Some(row.try_get(col.as_str())?)),
            });
        }
        Ok(out)
    }

    /// "Rows after the sort key `from`" (`or_equal`: at or after) as a condition, its values
    /// bound: the row-value comparison, led by the same bound on the first column alone when
    /// the key has more (redundant, but what lets SQLite seek an expression index instead of
    /// walking it from the start).
    fn seek(&mut self, from: &[Val], or_equal: bool) -> String {
        let ps: Vec<String> = from.iter().map(|v| self.bind(v.clone())).collect();
        let rows = format!(
            "({}) {} ({})",
            self.order.key.join(", "),
            self.order.after(or_equal),
            ps.join(", ")
        );
        if self.order.key.len() > 1 {
            format!(
                "{} {} {} AND {rows}",
                self.order.key[0],
                self.order.after(true),
                ps[0]
            )
        } else {
            rows
        }
    }

    /// The selected columns and the sort key's, as `sk0`, `sk1`, ….
    fn select_list(&self) -> String {
        let mut out = self.columns.clone();
        for (i, c) in self.order.key.iter().enumerate() {
            out.push_str(&format!(", {c} AS sk{i}"));
        }
        out
    }

    /// Binds `v`, returning its placeholder.
    fn bind(&mut self, v: impl Into<Val>) -> String {
        self.vals.push(v.into());
        format!("${}", self.vals.len())
    }

    /// Adds `column op value` when `value` is set.
    fn cmp<V: Into<Val>>(&mut self, column: &str, op: &str, value: Option<V>) -> &mut Self {
        if let Some(v) = value {
            let p = self.bind(v);
            self.conds.push(format!("{column} {op} {p}"));
        }
        self
    }

    /// Adds "`column` starts with `prefix`, ignoring the case of ASCII letters" when `prefix` is set (the prefix's
    /// own `%`, `_` and `\\` match literally).
    fn prefix_ci(&mut self, column: &str, prefix: Option<&str>) -> &mut Self {
        if let Some(p) = prefix {
            // ASCII letters fold on both backends alike (LOWER differs beyond ASCII).
            let escaped = p
                .to_ascii_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let ph = self.bind(format!("{escaped}%"));
            self.conds
                .push(format!("LOWER({column}) LIKE {ph} ESCAPE '\\'"));
        }
        self
    }

    /// Adds `column IN (values)` when `values` is not empty.
    fn any_of<V: Clone + Into<Val>>(&mut self, column: &str, values: &[V]) -> &mut Self {
        if !values.is_empty() {
            let ps: Vec<String> = values.iter().map(|v| self.bind(v.clone())).collect();
            self.conds.push(format!("{column} IN ({})", ps.join(", ")));
        }
        self
    }

    fn where_sql(&self, extra: Option<String>) -> String {
        let conds: Vec<&str> = self
            .conds
            .iter()
            .map(String::as_str)
            .chain(extra.as_deref())
            .collect();
        if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        }
    }

    /// The list's total and marks for the current data revision, from the cache or built by
    /// two index scans (a count, and every [`STRIDE`]-th key by row number).
    async fn index(
        &self,
        store: &Store,
        conn: &mut sqlx::pool::PoolConnection<sqlx::Any>,
    ) -> Result<std::sync::Arc<ListIndex>> {
        let revision = revision_on(conn).await?;
        let order = self.order.by();
        let where_sql = self.where_sql(None);
        let keys: Vec<String> = (0..self.order.key.len()).map(|i| format!("k{i}")).collect();
        let marks_sql = format!(
            "SELECT {k} FROM (SELECT {aliased}, ROW_NUMBER() OVER (ORDER BY {order}) AS rn \
             FROM {from}{where_sql}) w WHERE (w.rn - 1) % {STRIDE} = 0 ORDER BY w.rn",
            k = keys.join(", "),
            aliased = self
                .order
                .key
                .iter()
                .zip(&keys)
                .map(|(c, k)| format!("{c} AS {k}"))
                .collect::<Vec<_>>()
                .join(", "),
            from = self.from,
        );
        let cache_key = (
            revision,
            format!(
                "{marks_sql}\n{}",
                serde_json::to_string(&self.vals).map_err(|e| crate::Error::Corrupt {
                    table: "list filter",
                    detail: e.to_string(),
                })?
            ),
        );
        store
            .lists
            .0
            .try_get_with(cache_key, async {
                let count_sql = format!("SELECT COUNT(*) FROM {}{where_sql}", self.from);
                let total: i64 = crate::table::bind_all(
                    sqlx::query(sqlx::AssertSqlSafe(count_sql)),
                    self.vals.clone(),
                )
                .fetch_one(&mut **conn)
                .await?
                .try_get(0)?;
                let rows = crate::table::bind_all(
                    sqlx::query(sqlx::AssertSqlSafe(marks_sql)),
                    self.vals.clone(),
                )
                .fetch_all(&mut **conn)
                .await?;
                let marks = rows
                    .iter()
                    .map(|row| {
                        self.order
                            .kinds
                            .iter()
                            .enumerate()
                            .map(|(i, kind)| {
                                Ok(match kind {
                                    Kind::Int => Val::Int(Some(row.try_get(i)?)),
                                    Kind::Text => Val::Text(Some(row.try_get(i)?)),
                                })
                            })
                            .collect::<Result<Vec<Val>>>()
                    })
                    .collect::<Result<_>>()?;
                Ok(std::sync::Arc::new(ListIndex { total, marks }))
            })
            .await
            .map_err(crate::Error::Shared)
    }

    /// The statement of a keyset page: `limit + 1` rows after `after` (a sort key, from the
    /// start when `None`), its values bound.
    fn cursor_sql(&mut self, after: Option<&[Val]>, limit: i64) -> String {
        let extra = after.map(|after| self.seek(after, false));
        let where_sql = self.where_sql(extra);
        let l = self.bind(limit + 1);
        format!(
            "SELECT {} FROM {}{where_sql} ORDER BY {} LIMIT {l}",
            self.select_list(),
            self.from,
            self.order.by()
        )
    }

    async fn page<T>(
        mut self,
        store: &Store,
        req: &PageRequest,
        map: impl Fn(&AnyRow) -> Result<T>,
    ) -> Result<Page<T>> {
        let mut conn = store.conn().await?;
        let limit = req.limit().max(0);
        let (total, sql) = match req {
            PageRequest::Offset { offset, .. } => {
                let index = self.index(store, &mut conn).await?;
                let offset = (*offset).max(0);
                if offset >= index.total {
                    return Ok(Page {
                        rows: Vec::new(),
                        total: Some(index.total),
                        has_more: false,
                        next: None,
                    });
                }
                // Seek to the last mark at or before the offset, then skip the rest (fewer
                // than STRIDE rows) instead of every row before it.
                let mark = usize::try_from(offset / STRIDE).unwrap_or(usize::MAX);
                let (extra, skip) = match index.marks.get(mark) {
                    Some(from) if mark > 0 => (
                        Some(self.seek(&from.clone(), true)),
                        offset - mark as i64 * STRIDE,
                    ),
                    _ => (None, offset),
                };
                let where_sql = self.where_sql(extra);
                let (l, o) = (self.bind(limit + 1), self.bind(skip));
                let sql = format!(
                    "SELECT {} FROM {}{where_sql} ORDER BY {} LIMIT {l} OFFSET {o}",
                    self.select_list(),
                    self.from,
                    self.order.by(),
                );
                (Some(index.total), sql)
            }
            PageRequest::Cursor { after, .. } => {
                let key = match after {
                    Some(after) => Some(self.check_cursor(after)?.to_vec()),
                    None => None,
                };
                (None, self.cursor_sql(key.as_deref(), limit))
            }
        };
        let vals = std::mem::take(&mut self.vals);
        let rows = crate::table::bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), vals)
            .fetch_all(&mut *conn)
            .await?;
        let has_more = rows.len() as i64 > limit;
        let kept = &rows[..rows.len().min(limit as usize)];
        let out: Vec<T> = kept.iter().map(map).collect::<Result<_>>()?;
        let next = match kept.last() {
            Some(last) if has_more => Some(self.cursor_of(last)?),
            _ => None,
        };
        Ok(Page {
            rows: out,
            total,
            has_more,
            next,
        })
    }
}

/// Columns of `T` qualified by a table alias.
fn cols<T: Table>(alias: &str) -> String {
    T::COLUMNS
        .iter()
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A project with the facts of its current PDD (when that document is verified).
#[derive(Debug, Clone)]
pub struct ProjectRow {
    /// On-chain state.
    pub project: Project,
    /// Facts of the verified PDD.
    pub facts: Option<PddFacts>,
    /// Where the current PDD version was anchored: (block, transaction, time).
    pub anchor: Option<(i64, String, i64)>,
}

/// Tables and columns of a project listing.
const PROJECT_FROM: &str = "projects p LEFT JOIN pdd_facts f ON f.hash = p.pdd_hash \
    LEFT JOIN pdd_versions v ON v.project_key = p.project_key AND v.version = p.version";

fn project_columns() -> String {
    format!(
        "{}, {}, v.block_number AS v_block, v.tx_hash AS v_tx, v.timestamp AS v_time",
        cols::<Project>("p"),
        cols::<PddFacts>("f")
    )
}

/// Filters of the project list. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    /// On-chain statuses (any of).
    pub status: Vec<String>,
    /// OGCR project types (any of).
    pub project_type: Vec<String>,
    /// Methodology id of the PDD.
    pub methodology: Option<String>,
    /// An address (developer or validator) or the PDD's `actor_id`.
    pub actor: Option<String>,
    /// `[west, south, east, north]` in 1e-7 degrees: projects whose PDD extent intersects it.
    pub bbox: Option<[i64; 4]>,
    /// Registered at or after (unix seconds).
    pub created_from: Option<i64>,
    /// Registered before (unix seconds).
    pub created_to: Option<i64>,
    /// Validated at or after (unix seconds).
    pub approved_from: Option<i64>,
    /// Validated before (unix seconds).
    pub approved_to: Option<i64>,
    /// Words found (case-insensitively, anywhere) in the project id, the PDD's name, its
    /// `actor_id`, its methodology id, the developer's address or the external registry's
    /// project id. Every word must match one of them. A search reads every project row (no
    /// index serves a substring); the other filters narrow it first.
    pub search: Vec<String>,
    /// Projects with credits of any of these vintages.
    pub vintage: Vec<i64>,
    /// Projects with credits of a vintage from this year (inclusive).
    pub vintage_from: Option<i64>,
    /// Projects with credits of a vintage up to this year (inclusive).
    pub vintage_to: Option<i64>,
    /// Projects whose boundary lies in any of these countries (ISO 3166-1 alpha-2, upper case).
    pub country: Vec<String>,
    /// The order.
    pub sort: Sort<ProjectSort>,
}

/// Units of one project, vintage and credit status (see `Store::supply`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplyRow {
    /// Project key.
    pub project_key: String,
    /// Project id.
    pub project_id: String,
    /// Current PDD hash of the project.
    pub pdd_hash: String,
    /// OGCR project type of the current PDD (empty when its facts are unknown).
    pub project_type: String,
    /// Vintage year.
    pub vintage: i64,
    /// `active`, `retired`, `cancelled` or `buffer`.
    pub status: String,
    /// Units (tonnes CO2e).
    pub tonnes: i64,
    /// ISO 3166-1 alpha-2 code of the country of the current PDD's boundary (empty when
    /// unknown).
    pub country: String,
}

/// An anchored document (see `Store::recent_submissions`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// `pdd` or `mrv`.
    pub kind: String,
    /// Project id.
    pub project_id: String,
    /// The PDD version or the report id.
    pub subject: String,
    /// The anchored SHA-256.
    pub hash: String,
    /// Where the document is published.
    pub uri: String,
    /// Who anchored it.
    pub actor: String,
    /// Transaction.
    pub tx_hash: String,
    /// Block.
    pub block_number: i64,
    /// Block time.
    pub timestamp: i64,
    /// The decision on it: a PDD version's first validation/rejection/archiving at or after
    /// it (else the project's status), a report's status.
    pub decision: String,
}

/// Filters of the monitoring-report list.
#[derive(Debug, Clone, Default)]
pub struct MrvFilter {
    /// Project key.
    pub project_key: Option<String>,
    /// Statuses (any of): submitted, verified, rejected.
    pub status: Vec<String>,
    /// Verifier address.
    pub verifier: Option<String>,
    /// Reports whose period ends after this time (unix seconds).
    pub period_from: Option<i64>,
    /// Reports whose period starts before this time (unix seconds).
    pub period_to: Option<i64>,
    /// The order.
    pub sort: Sort<MrvSort>,
}

/// Filters of the credit (token) list.
#[derive(Debug, Clone, Default)]
pub struct CreditFilter {
    /// Project key.
    pub project_key: Option<String>,
    /// Monitoring report.
    pub mrv_id: Option<i64>,
    /// Vintage years (any of).
    pub vintage: Vec<i64>,
    /// Vintage from this year (inclusive).
    pub vintage_from: Option<i64>,
    /// Vintage up to this year (inclusive).
    pub vintage_to: Option<i64>,
    /// Blocks of projects whose boundary lies in any of these countries (ISO 3166-1 alpha-2,
    /// upper case).
    pub country: Vec<String>,
    /// Minted at or after (unix seconds).
    pub minted_from: Option<i64>,
    /// Minted before (unix seconds).
    pub minted_to: Option<i64>,
    /// Owner address.
    pub owner: Option<String>,
    /// Statuses (any of): active, retired, cancelled, buffer.
    pub status: Vec<String>,
    /// Tokens carrying all these label bits.
    pub labels: Option<i64>,
    /// Blocks with a serial in this range (first, last; inclusive).
    pub serials: Option<(i64, i64)>,
    /// The order.
    pub sort: Sort<CreditSort>,
}

/// What an account holds, by project and status, with its retirements and roles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountSummary {
    /// Roles held (names), sorted.
    pub roles: Vec<String>,
    /// (project key, status, credits, tonnes) of the tokens it holds, by project and status.
    pub holdings: Vec<(String, String, i64, i64)>,
    /// Retirements of units it owned, and their tonnes.
    pub retirements: (i64, i64),
}

/// A retirement with the project and vintage of its token.
#[derive(Debug, Clone)]
pub struct RetirementRow {
    /// The retirement.
    pub retirement: Retirement,
    /// Project key of the retired token.
    pub project_key: String,
    /// Vintage of the retired token.
    pub vintage: i64,
}

/// Filters of the retirement list.
#[derive(Debug, Clone, Default)]
pub struct RetirementFilter {
    /// Project key.
    pub project_key: Option<String>,
    /// Retired token.
    pub token_id: Option<i64>,
    /// Beneficiary name or its beginning, in any case (`acme` finds "Acme Airlines").
    pub beneficiary: Option<String>,
    /// Owner whose units were retired.
    pub owner: Option<String>,
    /// Retired at or after (unix seconds).
    pub from: Option<i64>,
    /// Retired before (unix seconds).
    pub to: Option<i64>,
    /// The order.
    pub sort: Sort<RetirementSort>,
}

/// Filters of the raw event feed.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Contract names (any of): OGCRAccessControl, ProjectRegistry, MRVRegistry, CarbonRemovalUnit.
    pub contract: Vec<String>,
    /// Event names (any of).
    pub event: Vec<String>,
    /// From this block (inclusive).
    pub from_block: Option<i64>,
    /// Up to this block (inclusive).
    pub to_block: Option<i64>,
    /// Transaction hash.
    pub tx_hash: Option<String>,
    /// An address the event concerns (indexed or address argument, or the emitter).
    pub address: Option<String>,
    /// A project the event concerns (its key; see `event_projects`).
    pub project_key: Option<String>,
    /// The order.
    pub sort: Sort<EventSort>,
}

impl Store {
    /// The query of [`Store::events`] before paging.
    fn events_select(f: &EventFilter) -> Select {
        let mut s = match &f.project_key {
            // A project's events are found through its rows of event_projects, in their order
            // (the same values as the feed's key, so a cursor means the same either way).
            Some(_) => {
                let (_, kinds) = f.sort.by.key();
                let default = f.sort == Sort::default();
                Select::new(
                    "event_projects y JOIN events e \
                     ON e.block_number = y.block_number AND e.log_index = y.log_index",
                    cols::<Event>("e"),
                    Order::new(
                        &["y.block_number", "y.log_index"],
                        kinds,
                        f.sort.descending,
                        f.sort.by.name(),
                        default,
                    ),
                )
            }
            None => Select::new("events e", cols::<Event>("e"), f.sort),
        };
        s.any_of("e.contract", &f.contract)
            .any_of("e.event", &f.event)
            .cmp("e.block_number", ">=", f.from_block)
            .cmp("e.block_number", "<=", f.to_block)
            .cmp("e.tx_hash", "=", f.tx_hash.clone());
        if let Some(a) = &f.address {
            let p = s.bind(a.as_str());
            s.conds.push(format!(
                "(e.address = {p} OR EXISTS (SELECT 1 FROM event_addresses x WHERE x.address = {p} \
                 AND x.block_number = e.block_number AND x.log_index = e.log_index))"
            ));
        }
        if let Some(k) = &f.project_key {
            s.cmp("y.project_key", "=", Some(k.as_str()));
        }
        s
    }

    /// The query of [`Store::retirements`] before paging.
    fn retirements_select(f: &RetirementFilter) -> Select {
        let mut s = Select::new(
            "retirements r JOIN tokens t ON t.token_id = r.token_id",
            format!(
                "{}, t.project_key AS t_project_key, t.vintage AS t_vintage",
                cols::<Retirement>("r")
            ),
            f.sort,
        );
        s.cmp("t.project_key", "=", f.project_key.clone())
            .cmp("r.token_id", "=", f.token_id)
            .prefix_ci("r.beneficiary", f.beneficiary.as_deref())
            .cmp("r.owner", "=", f.owner.clone())
            .cmp("r.timestamp", ">=", f.from)
            .cmp("r.timestamp", "<", f.to);
        s
    }

    /// The query of [`Store::credits`] before paging.
    fn credits_select(f: &CreditFilter) -> Select {
        let mut s = Select::new("tokens t", cols::<Token>("t"), f.sort);
        s.cmp("t.project_key", "=", f.project_key.clone())
            .cmp("t.mrv_id", "=", f.mrv_id)
            .any_of("t.vintage", &f.vintage)
            .cmp("t.vintage", ">=", f.vintage_from)
            .cmp("t.vintage", "<=", f.vintage_to)
            .cmp("t.minted_at", ">=", f.minted_from)
            .cmp("t.minted_at", "<", f.minted_to)
            .cmp("t.owner", "=", f.owner.clone())
            .any_of("t.status", &f.status);
        if let Some(bits) = f.labels {
            // Label sets are two bits; spell the test out so both backends agree.
            let wanted: Vec<i64> = (0..4).filter(|l| l & bits == bits).collect();
            let ps: Vec<String> = wanted.into_iter().map(|l| s.bind(l)).collect();
            s.conds.push(format!("t.labels IN ({})", ps.join(", ")));
        }
        if !f.country.is_empty() {
            let ps: Vec<String> = f.country.iter().map(|c| s.bind(c.as_str())).collect();
            s.conds.push(format!(
                "EXISTS (SELECT 1 FROM projects p JOIN pdd_facts f ON f.hash = p.pdd_hash \
                 WHERE p.project_key = t.project_key AND f.country IN ({}))",
                ps.join(", ")
            ));
        }
        if let Some((first, last)) = f.serials {
            let (first, last) = (s.bind(first), s.bind(last));
            s.conds.push(format!(
                "t.serial_start <= {last} AND t.serial_start + t.amount - 1 >= {first}"
            ));
        }
        s
    }

    /// The query of [`Store::mrv_reports`] before paging.
    fn mrv_reports_select(f: &MrvFilter) -> Select {
        let mut s = Select::new("mrv_reports m", cols::<MrvReport>("m"), f.sort);
        s.cmp("m.project_key", "=", f.project_key.clone())
            .any_of("m.status", &f.status)
            .cmp("m.verifier", "=", f.verifier.clone())
            .cmp("m.period_end", ">", f.period_from)
            .cmp("m.period_start", "<", f.period_to);
        s
    }

    /// The query of [`Store::projects`] before paging.
    fn projects_select(f: &ProjectFilter) -> Select {
        let mut s = Select::new(PROJECT_FROM, project_columns(), f.sort);
        s.any_of("p.status", &f.status)
            .any_of("f.project_type", &f.project_type)
            .any_of("f.country", &f.country)
            .cmp("f.methodology_id", "=", f.methodology.clone())
            .cmp("p.registered_at", ">=", f.created_from)
            .cmp("p.registered_at", "<", f.created_to);
        if let Some(actor) = &f.actor {
            let p = s.bind(actor.as_str());
            s.conds.push(format!(
                "(p.developer = {p} OR p.validator = {p} OR f.actor_id = {p})"
            ));
        }
        if let Some([w, so, e, n]) = f.bbox {
            let (w, so, e, n) = (s.bind(w), s.bind(so), s.bind(e), s.bind(n));
            s.conds.push(format!(
                "f.west_e7 <= {e} AND f.east_e7 >= {w} AND f.south_e7 <= {n} AND f.north_e7 >= {so}"
            ));
        }
        for word in &f.search {
            let escaped: String = word
                .to_lowercase()
                .chars()
                .flat_map(|c| match c {
                    '%' | '_' | '\\' => vec!['\\', c],
                    c => vec![c],
                })
                .collect();
            let p = s.bind(format!("%{escaped}%"));
            s.conds.push(format!(
                "(LOWER(p.project_id) LIKE {p} ESCAPE '\\' OR LOWER(COALESCE(f.name, '')) LIKE {p} ESCAPE '\\' \
                 OR LOWER(COALESCE(f.actor_id, '')) LIKE {p} ESCAPE '\\' \
                 OR LOWER(COALESCE(f.methodology_id, '')) LIKE {p} ESCAPE '\\' \
                 OR LOWER(p.developer) LIKE {p} ESCAPE '\\' OR LOWER(p.external_project_id) LIKE {p} ESCAPE '\\')"
            ));
        }
        if !f.vintage.is_empty() || f.vintage_from.is_some() || f.vintage_to.is_some() {
            let mut c =
                String::from("EXISTS (SELECT 1 FROM tokens t WHERE t.project_key = p.project_key");
            if !f.vintage.is_empty() {
                let marks: Vec<String> = f.vintage.iter().map(|v| s.bind(*v)).collect();
                c.push_str(&format!(" AND t.vintage IN ({})", marks.join(", ")));
            }
            if let Some(v) = f.vintage_from {
                c.push_str(&format!(" AND t.vintage >= {}", s.bind(v)));
            }
            if let Some(v) = f.vintage_to {
                c.push_str(&format!(" AND t.vintage <= {}", s.bind(v)));
            }
            c.push(')');
            s.conds.push(c);
        }
        if f.approved_from.is_some() || f.approved_to.is_some() {
            let mut c = String::from(
                "EXISTS (SELECT 1 FROM project_decisions d WHERE d.project_key = p.project_key \
                 AND d.decision = 'validated'",
            );
            if let Some(v) = f.approved_from {
                c.push_str(&format!(" AND d.timestamp >= {}", s.bind(v)));
            }
            if let Some(v) = f.approved_to {
                c.push_str(&format!(" AND d.timestamp < {}", s.bind(v)));
            }
            c.push(')');
            s.conds.push(c);
        }
        s
    }

    /// Projects matching `f`, in its order.
    pub async fn projects(&self, f: &ProjectFilter, req: &PageRequest) -> Result<Page<ProjectRow>> {
        Self::projects_select(f).page(self, req, project_row).await
    }

    /// The project with on-chain id `project_id`.
    pub async fn project(&self, project_id: &str) -> Result<Option<ProjectRow>> {
        let mut conn = self.conn().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM {PROJECT_FROM} WHERE p.project_id = $1",
            project_columns()
        )))
        .bind(project_id.to_owned())
        .fetch_optional(&mut *conn)
        .await?;
        row.as_ref().map(project_row).transpose()
    }

    /// Project ids by project key.
    pub async fn project_ids(&self, keys: &[String]) -> Result<HashMap<String, String>> {
        let rows = self
            .fetch_in(
                "SELECT project_key, project_id FROM projects WHERE project_key IN ({in})",
                vec![],
                keys,
            )
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// A project's status transitions, oldest first.
    pub async fn status_history(&self, project_key: &str) -> Result<Vec<StatusChange>> {
        self.rows_where("project_key = $1", project_key).await
    }

    /// A project's monitoring reports (by project key), by report id.
    pub async fn mrv_reports_of(&self, project_key: &str) -> Result<Vec<MrvReport>> {
        self.rows_where("project_key = $1", project_key).await
    }

    /// A project's validation, rejection and archiving decisions, oldest first.
    pub async fn decisions(&self, project_key: &str) -> Result<Vec<Decision>> {
        self.rows_where("project_key = $1", project_key).await
    }

    /// A project's PDD versions, oldest first.
    pub async fn pdd_versions(&self, project_key: &str) -> Result<Vec<PddVersion>> {
        self.rows_where("project_key = $1", project_key).await
    }

    /// Monitoring reports matching `f`, in its order.
    pub async fn mrv_reports(&self, f: &MrvFilter, req: &PageRequest) -> Result<Page<MrvReport>> {
        Self::mrv_reports_select(f)
            .page(self, req, MrvReport::from_row)
            .await
    }

    /// Tokens matching `f`, in its order.
    pub async fn credits(&self, f: &CreditFilter, req: &PageRequest) -> Result<Page<Token>> {
        Self::credits_select(f)
            .page(self, req, Token::from_row)
            .await
    }

    /// What `account` (lowercase hex) holds, has retired and may do.
    pub async fn account_summary(&self, account: &str) -> Result<AccountSummary> {
        let roles = self
            .rows(
                "SELECT role FROM role_members WHERE account = $1 ORDER BY role".into(),
                vec![account.into()],
            )
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<std::result::Result<_, _>>()?;
        let holdings = self
            .rows(
                "SELECT project_key, status, COUNT(*) AS n, CAST(SUM(amount) AS BIGINT) AS t \
                 FROM tokens \
                 WHERE owner = $1 GROUP BY project_key, status ORDER BY project_key, status"
                    .into(),
                vec![account.into()],
            )
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect::<Result<_>>()?;
        let rows = self
            .rows(
                "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS t \
                 FROM retirements \
                 WHERE owner = $1"
                    .into(),
                vec![account.into()],
            )
            .await?;
        let retirements = match rows.first() {
            Some(r) => (r.try_get(0)?, r.try_get(1)?),
            None => (0, 0),
        };
        Ok(AccountSummary {
            roles,
            holdings,
            retirements,
        })
    }

    /// Retirements matching `f`, in its order.
    pub async fn retirements(
        &self,
        f: &RetirementFilter,
        req: &PageRequest,
    ) -> Result<Page<RetirementRow>> {
        Self::retirements_select(f)
            .page(self, req, |row| {
                Ok(RetirementRow {
                    retirement: Retirement::from_row(row)?,
                    project_key: row.try_get("t_project_key")?,
                    vintage: row.try_get("t_vintage")?,
                })
            })
            .await
    }

    /// Events matching `f`, in its order.
    pub async fn events(&self, f: &EventFilter, req: &PageRequest) -> Result<Page<Event>> {
        Self::events_select(f)
            .page(self, req, Event::from_row)
            .await
    }

    /// The hash of block `block` as its indexed events carry it (`None` when no event of
    /// that block is indexed, as after a rollback past it): what a follower of the feed
    /// compares with the hash it saw to notice a reorg.
    pub async fn event_block_hash(&self, block: i64) -> Result<Option<String>> {
        let mut conn = self.conn().await?;
        Ok(
            sqlx::query_scalar("SELECT block_hash FROM events WHERE block_number = $1 LIMIT 1")
                .bind(block)
                .fetch_optional(&mut *conn)
                .await?,
        )
    }

    /// The monitoring report `mrv_id`.
    pub async fn mrv_report(&self, mrv_id: i64) -> Result<Option<MrvReport>> {
        Ok(self.rows_where("mrv_id = $1", mrv_id).await?.pop())
    }

    /// The token `token_id`.
    pub async fn token(&self, token_id: i64) -> Result<Option<Token>> {
        Ok(self.rows_where("token_id = $1", token_id).await?.pop())
    }

    /// A token's transfers (its mint included), oldest first.
    pub async fn token_transfers(&self, token_id: i64) -> Result<Vec<Transfer>> {
        self.rows_where("token_id = $1", token_id).await
    }

    /// The retirements of these tokens, by token id (one at most each: a retired block is
    /// final), in one query.
    pub async fn retirements_of(&self, token_ids: &[i64]) -> Result<HashMap<i64, Retirement>> {
        let sql = format!(
            "SELECT {} FROM retirements WHERE token_id IN ({{in}}) ORDER BY block_number, log_index",
            Retirement::COLUMNS.join(", ")
        );
        let mut out = HashMap::new();
        for row in self.fetch_in(&sql, vec![], token_ids).await? {
            let r = Retirement::from_row(&row)?;
            out.insert(r.token_id, r);
        }
        Ok(out)
    }

    /// Verified bodies of the documents with these on-chain hashes, by hash.
    pub async fn verified_documents(&self, hashes: &[String]) -> Result<HashMap<String, Document>> {
        // By primary key (hash, uri), the status checked here: a `status = …` condition lets
        // the planner walk every verified document through documents_by_status instead.
        let sql = format!(
            "SELECT {} FROM documents WHERE hash IN ({{in}}) ORDER BY hash, uri",
            Document::COLUMNS.join(", ")
        );
        let mut out = HashMap::new();
        for row in self.fetch_in(&sql, vec![], hashes).await? {
            let d = Document::from_row(&row)?;
            if d.status == doc_status::VERIFIED {
                out.entry(d.hash.clone()).or_insert(d);
            }
        }
        Ok(out)
    }

    /// The status of the documents with these hashes (the best per hash: verified first).
    pub async fn document_statuses(&self, hashes: &[String]) -> Result<HashMap<String, String>> {
        let rows = self
            .fetch_in(
                "SELECT hash, status FROM documents WHERE hash IN ({in})",
                vec![],
                hashes,
            )
            .await?;
        let mut out: HashMap<String, String> = HashMap::new();
        for row in rows {
            let (hash, status): (String, String) = (row.try_get(0)?, row.try_get(1)?);
            let e = out.entry(hash).or_insert_with(|| status.clone());
            if status == doc_status::VERIFIED {
                *e = status;
            }
        }
        Ok(out)
    }

    /// Units (tonnes) per project, vintage and credit status, with the project's type: the
    /// registry's supply, for aggregates. One row per group.
    pub async fn supply(&self) -> Result<Vec<SupplyRow>> {
        let mut conn = self.conn().await?;
        let rows = sqlx::query(
            "SELECT t.project_key, p.project_id, p.pdd_hash, COALESCE(f.project_type, ''), \
                    t.vintage, t.status, CAST(SUM(t.amount) AS BIGINT), COALESCE(f.country, '') \
             FROM tokens t JOIN projects p ON p.project_key = t.project_key \
             LEFT JOIN pdd_facts f ON f.hash = p.pdd_hash \
             GROUP BY t.project_key, p.project_id, p.pdd_hash, f.project_type, f.country, t.vintage, t.status \
             ORDER BY t.project_key, t.vintage, t.status",
        )
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SupplyRow {
                    project_key: r.try_get(0)?,
                    project_id: r.try_get(1)?,
                    pdd_hash: r.try_get(2)?,
                    project_type: r.try_get(3)?,
                    vintage: r.try_get(4)?,
                    status: r.try_get(5)?,
                    tonnes: r.try_get(6)?,
                    country: r.try_get(7)?,
                })
            })
            .collect()
    }

    /// Projects per on-chain status.
    pub async fn project_status_counts(&self) -> Result<Vec<(String, i64)>> {
        let mut conn = self.conn().await?;
        let rows =
            sqlx::query("SELECT status, COUNT(*) FROM projects GROUP BY status ORDER BY status")
                .fetch_all(&mut *conn)
                .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// Monitoring reports per status, and the kilograms CO2e verified in all.
    pub async fn verification_totals(&self) -> Result<(Vec<(String, i64)>, f64)> {
        let mut conn = self.conn().await?;
        let rows = sqlx::query(
            "SELECT status, COUNT(*), \
                    COALESCE(SUM(CAST(COALESCE(verified_kg, '0') AS DOUBLE PRECISION)), 0.0) \
             FROM mrv_reports GROUP BY status ORDER BY status",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut counts = Vec::new();
        let mut kg = 0.0;
        for r in &rows {
            let status: String = r.try_get(0)?;
            let sum: f64 = r.try_get(2)?;
            if status == "verified" {
                kg += sum;
            }
            counts.push((status, r.try_get(1)?));
        }
        Ok((counts, kg))
    }

    /// Token `root` and every block split from it (transitively), at most `limit`, in
    /// token-id order.
    pub async fn token_descendants(&self, root: i64, limit: i64) -> Result<Vec<Token>> {
        let mut conn = self.conn().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "WITH RECURSIVE tree(id) AS (SELECT CAST($1 AS BIGINT) \
                UNION SELECT t.token_id FROM tokens t JOIN tree ON t.parent_token_id = tree.id) \
             SELECT {} FROM tokens WHERE token_id IN (SELECT id FROM tree) \
             ORDER BY token_id LIMIT $2",
            Token::COLUMNS.join(", ")
        )))
        .bind(root)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(Token::from_row).collect()
    }

    /// The `limit` latest anchored documents — PDD versions and monitoring reports — newest
    /// first, with the project and the on-chain decision on each.
    pub async fn recent_submissions(&self, limit: i64) -> Result<Vec<Submission>> {
        let mut conn = self.conn().await?;
        let rows = sqlx::query(
            "SELECT * FROM ( \
               SELECT 'pdd' AS kind, p.project_id, CAST(v.version AS TEXT) AS subject, v.pdd_hash AS hash, \
                      v.pdd_uri AS uri, v.actor, v.tx_hash, v.block_number, v.log_index, v.timestamp, \
                      COALESCE((SELECT d.decision FROM project_decisions d \
                                WHERE d.project_key = v.project_key AND d.block_number >= v.block_number \
                                ORDER BY d.block_number, d.log_index LIMIT 1), p.status) AS decision \
               FROM pdd_versions v JOIN projects p ON p.project_key = v.project_key \
               UNION ALL \
               SELECT 'mrv', p.project_id, CAST(m.mrv_id AS TEXT), m.mrv_hash, m.uri, m.submitter, \
                      m.submitted_tx, m.submitted_block, 0, m.submitted_at, m.status \
               FROM mrv_reports m JOIN projects p ON p.project_key = m.project_key \
             ) s ORDER BY block_number DESC, log_index DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Submission {
                    kind: r.try_get(0)?,
                    project_id: r.try_get(1)?,
                    subject: r.try_get(2)?,
                    hash: r.try_get(3)?,
                    uri: r.try_get(4)?,
                    actor: r.try_get(5)?,
                    tx_hash: r.try_get(6)?,
                    block_number: r.try_get(7)?,
                    timestamp: r.try_get(9)?,
                    decision: r.try_get(10)?,
                })
            })
            .collect()
    }

    /// The data revision: a number that grows with every committed change to what the read
    /// API serves (indexed batches, rollbacks, resets, checked documents), in this process or
    /// any other writing the database. Equal revisions mean equal data.
    pub async fn revision(&self) -> Result<i64> {
        let mut conn = self.conn().await?;
        revision_on(&mut conn).await
    }

    /// The checkpoint and the time of its block (when that block is still kept).
    pub async fn checkpoint(&self) -> Result<Option<(ChainState, Option<i64>)>> {
        let Some(state) = self.chain_state().await? else {
            return Ok(None);
        };
        let time = self
            .block(state.checkpoint_block)
            .await?
            .map(|b| b.timestamp);
        Ok(Some((state, time)))
    }

    /// Rows of `sql` whose `{in}` becomes the placeholders of `values`, bound after `first`;
    /// no query when `values` is empty.
    pub(crate) async fn fetch_in<V: Clone + Into<Val>>(
        &self,
        sql: &str,
        first: Vec<Val>,
        values: &[V],
    ) -> Result<Vec<AnyRow>> {
        if values.is_empty() {
            return Ok(Vec::new());
        }
        let sql = sql.replace("{in}", &placeholders(first.len(), values.len()));
        let vals = first
            .into_iter()
            .chain(values.iter().cloned().map(Into::into));
        let mut conn = self.conn().await?;
        Ok(
            crate::table::bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), vals)
                .fetch_all(&mut *conn)
                .await?,
        )
    }

    /// Rows of `T` where `cond` (one `$1` parameter), in primary-key order.
    async fn rows_where<T: Table>(&self, cond: &str, v: impl Into<Val>) -> Result<Vec<T>> {
        let mut conn = self.conn().await?;
        let sql = format!(
            "SELECT {} FROM {} WHERE {cond} ORDER BY {}",
            T::COLUMNS.join(", "),
            T::TABLE,
            T::KEY.join(", ")
        );
        let rows = crate::table::bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), [v.into()])
            .fetch_all(&mut *conn)
            .await?;
        rows.iter().map(T::from_row).collect()
    }
}

async fn revision_on(conn: &mut sqlx::pool::PoolConnection<sqlx::Any>) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT revision FROM data_revision WHERE id = 1")
            .fetch_optional(&mut **conn)
            .await?
            .unwrap_or(0),
    )
}

fn project_row(row: &AnyRow) -> Result<ProjectRow> {
    let has_facts = row.try_get::<Option<String>, _>("hash")?.is_some();
    let anchor = match row.try_get::<Option<i64>, _>("v_block")? {
        Some(block) => Some((block, row.try_get("v_tx")?, row.try_get("v_time")?)),
        None => None,
    };
    Ok(ProjectRow {
        anchor,
        project: Project::from_row(row)?,
        facts: if has_facts {
            Some(PddFacts::from_row(row)?)
        } else {
            None
        },
    })
}

#[cfg(all(test, feature = "testing"))]
mod plans {
    //! Issue 17: every list page is an index seek in sort order on both backends — no scan
    //! of a whole table, no sort of every match — unfiltered and under each indexed filter.

    use super::*;
    use crate::{Backend, testing::backends};

    /// Each list's query, filtered in the ways the API indexes, with a cursor (the shape of
    /// every page but the first: a deep offset page seeks from a mark the same way).
    fn cases() -> Vec<(String, Select, Vec<Val>)> {
        let text = |v: &str| vec![Val::from(v)];
        let chain = vec![Val::from(5_i64), Val::from(1_i64)];
        let mut out: Vec<(String, Select, Vec<Val>)> = Vec::new();
        let mut add = |name: &str, s: Select, after: &Vec<Val>| {
            out.push((name.to_owned(), s, after.clone()));
        };
        add(
            "projects",
            Store::projects_select(&ProjectFilter::default()),
            &text("OGCR-1"),
        );
        add(
            "projects by status",
            Store::projects_select(&ProjectFilter {
                status: vec!["validated".into()],
                ..ProjectFilter::default()
            }),
            &text("OGCR-1"),
        );
        add(
            "reports",
            Store::mrv_reports_select(&MrvFilter::default()),
            &vec![Val::from(3_i64)],
        );
        add(
            "reports of a project",
            Store::mrv_reports_select(&MrvFilter {
                project_key: Some("0xab".into()),
                ..MrvFilter::default()
            }),
            &vec![Val::from(3_i64)],
        );
        add(
            "reports by status",
            Store::mrv_reports_select(&MrvFilter {
                status: vec!["verified".into()],
                ..MrvFilter::default()
            }),
            &vec![Val::from(3_i64)],
        );
        for (name, f) in [
            ("credits", CreditFilter::default()),
            (
                "credits of an owner",
                CreditFilter {
                    owner: Some("0x01".into()),
                    ..CreditFilter::default()
                },
            ),
            (
                "credits of a project",
                CreditFilter {
                    project_key: Some("0xab".into()),
                    ..CreditFilter::default()
                },
            ),
            (
                "credits of a report",
                CreditFilter {
                    mrv_id: Some(3),
                    ..CreditFilter::default()
                },
            ),
            (
                "credits by status",
                CreditFilter {
                    status: vec!["retired".into()],
                    ..CreditFilter::default()
                },
            ),
        ] {
            add(name, Store::credits_select(&f), &vec![Val::from(7_i64)]);
        }
        add(
            "retirements",
            Store::retirements_select(&RetirementFilter::default()),
            &chain,
        );
        add(
            "retirements of an owner",
            Store::retirements_select(&RetirementFilter {
                owner: Some("0x01".into()),
                ..RetirementFilter::default()
            }),
            &chain,
        );
        add(
            "events",
            Store::events_select(&EventFilter::default()),
            &chain,
        );
        add(
            "events of a contract",
            Store::events_select(&EventFilter {
                contract: vec!["MRVRegistry".into()],
                ..EventFilter::default()
            }),
            &chain,
        );
        fn desc<F>(by: F) -> Sort<F> {
            Sort {
                by,
                descending: true,
            }
        }
        fn asc<F>(by: F) -> Sort<F> {
            Sort {
                by,
                descending: false,
            }
        }
        let int_text = vec![Val::from(1_700_000_000_i64), Val::from("OGCR-1")];
        for sort in [
            desc(ProjectSort::ProjectId),
            asc(ProjectSort::CreatedAt),
            desc(ProjectSort::CreatedAt),
            desc(ProjectSort::UpdatedAt),
            asc(ProjectSort::Status),
            desc(ProjectSort::Status),
        ] {
            let after = if sort.by == ProjectSort::ProjectId {
                text("OGCR-1")
            } else {
                int_text.clone()
            };
            add(
                &format!("projects by {sort:?}"),
                Store::projects_select(&ProjectFilter {
                    sort,
                    ..ProjectFilter::default()
                }),
                &after,
            );
        }
        for sort in [
            desc(MrvSort::CreatedAt),
            asc(MrvSort::PeriodStart),
            desc(MrvSort::PeriodStart),
            asc(MrvSort::Status),
            desc(MrvSort::Status),
        ] {
            let after = if sort.by == MrvSort::CreatedAt {
                vec![Val::from(3_i64)]
            } else {
                chain.clone()
            };
            add(
                &format!("reports by {sort:?}"),
                Store::mrv_reports_select(&MrvFilter {
                    sort,
                    ..MrvFilter::default()
                }),
                &after,
            );
        }
        for sort in [
            desc(CreditSort::CreatedAt),
            desc(CreditSort::Vintage),
            asc(CreditSort::Vintage),
        ] {
            let after = if sort.by == CreditSort::CreatedAt {
                vec![Val::from(7_i64)]
            } else {
                chain.clone()
            };
            add(
                &format!("credits by {sort:?}"),
                Store::credits_select(&CreditFilter {
                    sort,
                    ..CreditFilter::default()
                }),
                &after,
            );
        }
        add(
            "credits by status, descending",
            Store::credits_select(&CreditFilter {
                sort: desc(CreditSort::Status),
                ..CreditFilter::default()
            }),
            &vec![Val::from("retired"), Val::from(7_i64)],
        );
        add(
            "retirements, newest first",
            Store::retirements_select(&RetirementFilter {
                sort: desc(RetirementSort::CreatedAt),
                ..RetirementFilter::default()
            }),
            &chain,
        );
        add(
            "events, newest first",
            Store::events_select(&EventFilter {
                sort: desc(EventSort::CreatedAt),
                ..EventFilter::default()
            }),
            &chain,
        );
        add(
            "events of a project",
            Store::events_select(&EventFilter {
                project_key: Some("0xab".into()),
                ..EventFilter::default()
            }),
            &chain,
        );
        add(
            "events by name",
            Store::events_select(&EventFilter {
                event: vec!["MRVVerified".into()],
                ..EventFilter::default()
            }),
            &chain,
        );
        out
    }

    #[tokio::test]
    async fn every_list_page_is_an_index_seek_in_sort_order() {
        for db in backends().await {
            let mut conn = db.store.conn().await.unwrap();
            if db.store.backend() == Backend::Postgres {
                // Empty test tables would make any plan cheap: forbid the two that scale
                // with the table, so the plan shows whether an index serves the page.
                sqlx::query("SET enable_seqscan = off")
                    .execute(&mut *conn)
                    .await
                    .unwrap();
                sqlx::query("SET enable_sort = off")
                    .execute(&mut *conn)
                    .await
                    .unwrap();
            }
            for (name, mut select, after) in cases() {
                let sql = select.cursor_sql(Some(&after), 50);
                let explain = match db.store.backend() {
                    Backend::Sqlite => format!("EXPLAIN QUERY PLAN {sql}"),
                    Backend::Postgres => format!("EXPLAIN {sql}"),
                };
                let rows = crate::table::bind_all(
                    sqlx::query(sqlx::AssertSqlSafe(explain)),
                    select.vals.clone(),
                )
                .fetch_all(&mut *conn)
                .await
                .unwrap_or_else(|e| panic!("{}: {name}: {e}\n{sql}", db.name));
                let plan: Vec<String> = rows
                    .iter()
                    .map(|r| match db.store.backend() {
                        Backend::Sqlite => r.try_get::<String, _>(3).unwrap(),
                        Backend::Postgres => r.try_get::<String, _>(0).unwrap(),
                    })
                    .collect();
                let bad = plan.iter().find(|line| match db.store.backend() {
                    Backend::Sqlite => line.starts_with("SCAN ") || line.contains("TEMP B-TREE"),
                    Backend::Postgres => {
                        line.contains("Seq Scan")
                            || line.trim_start().starts_with("Sort")
                            || line.contains("-> Sort")
                    }
                });
                assert!(
                    bad.is_none(),
                    "{}: {name}: {bad:?} in the plan\n{}\n{sql}",
                    db.name,
                    plan.join("\n")
                );
            }
        }
    }
}
