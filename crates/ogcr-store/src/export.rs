//! Reads for the CAD Trust and Article 6 exports (`ogcr-export`): every row set an exported
//! table is derived from, as pages in a fixed order with their counts, so an export runs in
//! constant memory whatever the size of the registry.
//!
//! A page starts either at a row offset ([`Seek::Offset`], for page numbers) or right after
//! the key of the last row of the previous page ([`Seek::After`], keyset paging, for
//! streaming whole tables without the quadratic cost of large offsets).

use std::collections::BTreeMap;

use sqlx::{Row, any::AnyRow};

use crate::{
    Cancellation, ChainState, Decision, MrvReport, Project, Result, Store, Table, Token,
    table::{Val, bind_all, corrupt, for_backend, placeholders},
};

/// Reads for the Article 6 tables.
mod article6;

pub use article6::{ActionWindow, Article6Scope, SplitChild, SplitCut, SplitTree, UnitAction};

/// The zero address: the `from` of a mint.
pub(crate) const ZERO_ADDRESS: &str = "0x0000000000000000000000000000000000000000";

/// Label bit of CORSIA-eligible units.
pub const LABEL_CORSIA_ELIGIBLE: i64 = 1;
/// Label bit of Article 6 authorised units.
pub const LABEL_ARTICLE6_AUTHORIZED: i64 = 2;

/// Where a page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seek<K> {
    /// Skip this many rows from the first one (page `p` of `n` rows: `(p - 1) * n`).
    Offset(u64),
    /// Start right after the row with this key (keyset paging).
    After(K),
}

impl<K> Seek<K> {
    /// The first page.
    pub fn start() -> Self {
        Seek::Offset(0)
    }
}

/// The key of a paged row set: one or more integer or text columns, compared as a row value.
pub trait PageKey: Clone {
    /// The key's values, in key-column order.
    fn values(&self) -> Vec<Val>;
}

impl PageKey for i64 {
    fn values(&self) -> Vec<Val> {
        vec![(*self).into()]
    }
}

impl PageKey for String {
    fn values(&self) -> Vec<Val> {
        vec![self.clone().into()]
    }
}

impl PageKey for (i64, i64) {
    fn values(&self) -> Vec<Val> {
        vec![self.0.into(), self.1.into()]
    }
}

impl PageKey for (i64, i64, i64) {
    fn values(&self) -> Vec<Val> {
        vec![self.0.into(), self.1.into(), self.2.into()]
    }
}

/// `SELECT {select} FROM {from} WHERE {filter}` paged by `key` columns: the statement and its
/// parameters (the filter's first, numbered from `$1` in `filter`).
pub(crate) fn paged<K: PageKey>(
    select: &str,
    filter: &str,
    mut params: Vec<Val>,
    key: &[&str],
    seek: &Seek<K>,
    limit: u64,
) -> (String, Vec<Val>) {
    let mut sql = format!("SELECT {select} WHERE ({filter})");
    if let Seek::After(k) = seek {
        let vals = k.values();
        sql.push_str(&format!(
            " AND ({}) > ({})",
            key.join(", "),
            placeholders(params.len(), vals.len())
        ));
        params.extend(vals);
    }
    sql.push_str(&format!(
        " ORDER BY {} LIMIT ${}",
        key.join(", "),
        params.len() + 1
    ));
    params.push(clamp(limit).into());
    if let Seek::Offset(n) = seek {
        sql.push_str(&format!(" OFFSET ${}", params.len() + 1));
        params.push(clamp(*n).into());
    }
    (sql, params)
}

fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// `$a, $b, …` for `keys` after `offset` parameters, and the values.
pub(crate) fn in_list<T: Clone + Into<Val>>(offset: usize, keys: &[T]) -> (String, Vec<Val>) {
    (
        placeholders(offset, keys.len()),
        keys.iter().cloned().map(Into::into).collect(),
    )
}

pub(crate) fn get<T>(row: &AnyRow, table: &'static str, column: &str) -> Result<T>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(column).map_err(|e| corrupt(table, column, e))
}

/// What every exported record shares: the deployment and when it started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportMeta {
    /// The deployment followed.
    pub chain: ChainState,
    /// Block time of the first indexed event (the deployment), unix seconds.
    pub first_event_at: Option<i64>,
}

/// A project with the times its exported status depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRow {
    /// The project.
    pub project: Project,
    /// Time of its latest lifecycle transition.
    pub status_changed_at: i64,
    /// Time its first monitoring report was verified, if any was.
    pub first_verified_at: Option<i64>,
}

/// A validation decision with its project and its rank among the project's validations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationRow {
    /// The decision (`validated`).
    pub decision: Decision,
    /// The project's on-chain id.
    pub project_id: String,
    /// 1 for the project's first validation, 2 for the next, …
    pub ordinal: i64,
}

/// A monitoring report with its project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    /// The report.
    pub report: MrvReport,
    /// The project's on-chain id.
    pub project_id: String,
    /// Validations of the project decided at or before the report's decision.
    pub validations_before: i64,
    /// First and last mint against the report (issuances only).
    pub issued: Option<(i64, i64)>,
}

impl Store {
    pub(crate) async fn rows(&self, sql: String, params: Vec<Val>) -> Result<Vec<AnyRow>> {
        let mut conn = self.conn().await?;
        let sql = for_backend(&conn, sql);
        Ok(bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), params)
            .fetch_all(&mut *conn)
            .await?)
    }

    pub(crate) async fn count(&self, sql: String, params: Vec<Val>) -> Result<u64> {
        let rows = self.rows(sql, params).await?;
        let n: i64 = match rows.first() {
            Some(r) => get(r, "count", "n")?,
            None => 0,
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The deployment and the time of its first event; `None` before the first `ogcr index`.
    pub async fn export_meta(&self) -> Result<Option<ExportMeta>> {
        let Some(chain) = self.chain_state().await? else {
            return Ok(None);
        };
        let rows = self
            // The first event by primary key: block times never decrease along the chain, so
            // this is MIN(block_time) without scanning the table.
            .rows(
                "SELECT block_time AS t FROM events ORDER BY block_number, log_index LIMIT 1"
                    .into(),
                vec![],
            )
            .await?;
        let first_event_at = match rows.first() {
            Some(r) => get::<Option<i64>>(r, "events", "t")?,
            None => None,
        };
        Ok(Some(ExportMeta {
            chain,
            first_event_at,
        }))
    }

    // ---------------------------------------------------------------------------- projects

    /// Number of projects.
    pub async fn export_count_projects(&self) -> Result<u64> {
        self.count("SELECT COUNT(*) AS n FROM projects".into(), vec![])
            .await
    }

    /// Projects by key, with their status times.
    pub async fn export_projects(
        &self,
        seek: &Seek<String>,
        limit: u64,
    ) -> Result<Vec<ProjectRow>> {
        let cols: Vec<String> = Project::COLUMNS.iter().map(|c| format!("p.{c}")).collect();
        let select = format!(
            "{}, \
             (SELECT MAX(h.timestamp) FROM project_status_history h \
                WHERE h.project_key = p.project_key) AS status_changed_at, \
             (SELECT MIN(m.decided_at) FROM mrv_reports m \
                WHERE m.project_key = p.project_key AND m.status = 'verified') AS first_verified_at \
             FROM projects p",
            cols.join(", ")
        );
        let (sql, params) = paged(&select, "1 = 1", vec![], &["p.project_key"], seek, limit);
        self.rows(sql, params)
            .await?
            .iter()
            .map(|r| {
                let project = Project::from_row(r)?;
                let changed: Option<i64> = get(r, "projects", "status_changed_at")?;
                Ok(ProjectRow {
                    status_changed_at: changed.unwrap_or(project.updated_at),
                    first_verified_at: get(r, "projects", "first_verified_at")?,
                    project,
                })
            })
            .collect()
    }

    /// The projects with these keys, by key.
    pub async fn export_projects_by_key(&self, keys: &[String]) -> Result<Vec<Project>> {
        let sql = format!(
            "SELECT {} FROM projects WHERE project_key IN ({{in}}) ORDER BY project_key",
            Project::COLUMNS.join(", ")
        );
        self.fetch_in(&sql, vec![], keys)
            .await?
            .iter()
            .map(Project::from_row)
            .collect()
    }

    // ------------------------------------------------------------------------- validations

    /// Number of validation decisions.
    pub async fn export_count_validations(&self) -> Result<u64> {
        self.count(
            "SELECT COUNT(*) AS n FROM project_decisions WHERE decision = 'validated'".into(),
            vec![],
        )
        .await
    }

    /// Validation decisions in chain order, keyed by (block, log index).
    pub async fn export_validations(
        &self,
        seek: &Seek<(i64, i64)>,
        limit: u64,
    ) -> Result<Vec<ValidationRow>> {
        let cols: Vec<String> = Decision::COLUMNS.iter().map(|c| format!("d.{c}")).collect();
        let select = format!(
            "{}, p.project_id AS project_id, \
             (SELECT COUNT(*) FROM project_decisions e WHERE e.project_key = d.project_key \
                AND e.decision = 'validated' \
                AND (e.block_number, e.log_index) <= (d.block_number, d.log_index)) AS ordinal \
             FROM project_decisions d JOIN projects p ON p.project_key = d.project_key",
            cols.join(", ")
        );
        let (sql, params) = paged(
            &select,
            "d.decision = 'validated'",
            vec![],
            &["d.block_number", "d.log_index"],
            seek,
            limit,
        );
        self.rows(sql, params)
            .await?
            .iter()
            .map(|r| {
                Ok(ValidationRow {
                    decision: Decision::from_row(r)?,
                    project_id: get(r, "project_decisions", "project_id")?,
                    ordinal: get(r, "project_decisions", "ordinal")?,
                })
            })
            .collect()
    }

    // ----------------------------------------------------------------------------- reports

    /// Number of verified reports (`issued`: only those with minted units).
    pub async fn export_count_reports(&self, issued: bool) -> Result<u64> {
        let filter = report_filter(issued);
        self.count(
            format!("SELECT COUNT(*) AS n FROM mrv_reports m WHERE {filter}"),
            vec![],
        )
        .await
    }

    /// Verified reports by id (`issued`: only those with minted units, with the first and
    /// last mint time).
    pub async fn export_reports(
        &self,
        issued: bool,
        seek: &Seek<i64>,
        limit: u64,
    ) -> Result<Vec<ReportRow>> {
        let cols: Vec<String> = MrvReport::COLUMNS
            .iter()
            .map(|c| format!("m.{c}"))
            .collect();
        let select = format!(
            "{}, p.project_id AS project_id, \
             (SELECT COUNT(*) FROM project_decisions d WHERE d.project_key = m.project_key \
                AND d.decision = 'validated' \
                AND d.block_number <= COALESCE(m.decided_block, m.submitted_block)) AS validations_before, \
             (SELECT MIN(t.minted_at) FROM tokens t \
                WHERE t.mrv_id = m.mrv_id AND t.parent_token_id IS NULL) AS first_minted_at, \
             (SELECT MAX(t.minted_at) FROM tokens t \
                WHERE t.mrv_id = m.mrv_id AND t.parent_token_id IS NULL) AS last_minted_at \
             FROM mrv_reports m JOIN projects p ON p.project_key = m.project_key",
            cols.join(", ")
        );
        let (sql, params) = paged(
            &select,
            report_filter(issued),
            vec![],
            &["m.mrv_id"],
            seek,
            limit,
        );
        self.rows(sql, params)
            .await?
            .iter()
            .map(|r| {
                let first: Option<i64> = get(r, "mrv_reports", "first_minted_at")?;
                let last: Option<i64> = get(r, "mrv_reports", "last_minted_at")?;
                Ok(ReportRow {
                    report: MrvReport::from_row(r)?,
                    project_id: get(r, "mrv_reports", "project_id")?,
                    validations_before: get(r, "mrv_reports", "validations_before")?,
                    issued: first.zip(last),
                })
            })
            .collect()
    }

    // ------------------------------------------------------------------------------ tokens

    /// Number of tokens.
    pub async fn export_count_tokens(&self) -> Result<u64> {
        self.count("SELECT COUNT(*) AS n FROM tokens".into(), vec![])
            .await
    }

    /// Tokens by id.
    pub async fn export_tokens(&self, seek: &Seek<i64>, limit: u64) -> Result<Vec<Token>> {
        let select = format!("{} FROM tokens t", token_columns());
        let (sql, params) = paged(&select, "1 = 1", vec![], &["t.token_id"], seek, limit);
        self.rows(sql, params)
            .await?
            .iter()
            .map(Token::from_row)
            .collect()
    }

    /// The tokens with these ids, by id.
    pub async fn export_tokens_by_id(&self, ids: &[i64]) -> Result<Vec<Token>> {
        let sql = format!(
            "SELECT {} FROM tokens t WHERE t.token_id IN ({{in}}) ORDER BY t.token_id",
            token_columns()
        );
        self.fetch_in(&sql, vec![], ids)
            .await?
            .iter()
            .map(Token::from_row)
            .collect()
    }

    /// Cancellations of these tokens, in chain order.
    pub async fn export_cancellations_of(&self, ids: &[i64]) -> Result<Vec<Cancellation>> {
        let sql = format!(
            "SELECT {} FROM cancellations WHERE token_id IN ({{in}}) ORDER BY block_number, log_index",
            Cancellation::COLUMNS.join(", ")
        );
        self.fetch_in(&sql, vec![], ids)
            .await?
            .iter()
            .map(Cancellation::from_row)
            .collect()
    }

    /// When each of these tokens' labels were last changed by `setLabels`
    /// (`CRULabelsUpdated`), for the tokens whose labels were. One read of the label updates
    /// (a registry operator's action, so few), matched to the tokens by their `tokenId`.
    pub async fn export_labels_updated_at(&self, ids: &[i64]) -> Result<BTreeMap<i64, i64>> {
        let mut out = BTreeMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let wanted: std::collections::BTreeSet<i64> = ids.iter().copied().collect();
        let rows = self
            .rows(
                "SELECT args, block_time FROM events WHERE event = 'CRULabelsUpdated'".into(),
                Vec::new(),
            )
            .await?;
        for r in &rows {
            let args: String = get(r, "events", "args")?;
            let at: i64 = get(r, "events", "block_time")?;
            // Arguments are stored as JSON with uint256 values as decimal strings.
            let token = serde_json::from_str::<serde_json::Value>(&args)
                .ok()
                .and_then(|a| a.get("tokenId")?.as_str()?.parse::<i64>().ok());
            if let Some(id) = token.filter(|id| wanted.contains(id)) {
                let t = out.entry(id).or_insert(at);
                *t = (*t).max(at);
            }
        }
        Ok(out)
    }

    /// Each label bit carried by some token, with the first mint of such a token.
    pub async fn export_label_usage(&self) -> Result<Vec<(i64, i64)>> {
        let mut out = Vec::new();
        for bit in [LABEL_CORSIA_ELIGIBLE, LABEL_ARTICLE6_AUTHORIZED] {
            let rows = self
                .rows(
                    format!("SELECT MIN(minted_at) AS t FROM tokens WHERE (labels & {bit}) <> 0"),
                    vec![],
                )
                .await?;
            if let Some(t) = rows
                .first()
                .map(|r| get::<Option<i64>>(r, "tokens", "t"))
                .transpose()?
                .flatten()
            {
                out.push((bit, t));
            }
        }
        Ok(out)
    }

    /// Number of (token, label bit) pairs.
    pub async fn export_count_token_labels(&self) -> Result<u64> {
        self.count(
            format!(
                "SELECT (SELECT COUNT(*) FROM tokens WHERE (labels & {LABEL_CORSIA_ELIGIBLE}) <> 0) \
                 + (SELECT COUNT(*) FROM tokens WHERE (labels & {LABEL_ARTICLE6_AUTHORIZED}) <> 0) AS n"
            ),
            vec![],
        )
        .await
    }

    /// (token id, label bit) pairs of every label every token carries, by token then bit.
    pub async fn export_token_labels(
        &self,
        seek: &Seek<(i64, i64)>,
        limit: u64,
    ) -> Result<Vec<(i64, i64)>> {
        let select = format!(
            "token_id, bit FROM (\
               SELECT token_id, CAST({LABEL_CORSIA_ELIGIBLE} AS BIGINT) AS bit FROM tokens \
                 WHERE (labels & {LABEL_CORSIA_ELIGIBLE}) <> 0 \
               UNION ALL \
               SELECT token_id, CAST({LABEL_ARTICLE6_AUTHORIZED} AS BIGINT) AS bit FROM tokens \
                 WHERE (labels & {LABEL_ARTICLE6_AUTHORIZED}) <> 0) l"
        );
        let (sql, params) = paged(&select, "1 = 1", vec![], &["token_id", "bit"], seek, limit);
        self.rows(sql, params)
            .await?
            .iter()
            .map(|r| Ok((get(r, "tokens", "token_id")?, get(r, "tokens", "bit")?)))
            .collect()
    }
}

fn report_filter(issued: bool) -> &'static str {
    if issued {
        "m.status = 'verified' AND m.issued_tonnes + m.buffer_tonnes > 0"
    } else {
        "m.status = 'verified'"
    }
}

pub(crate) fn token_columns() -> String {
    Token::COLUMNS
        .iter()
        .map(|c| format!("t.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_seek_by_offset_or_after_a_key() {
        let (sql, params) = paged(
            "a, b FROM x",
            "c = $1",
            vec!["k".into()],
            &["a", "b"],
            &Seek::After((3, 4)),
            10,
        );
        assert_eq!(
            sql,
            "SELECT a, b FROM x WHERE (c = $1) AND (a, b) > ($2, $3) ORDER BY a, b LIMIT $4"
        );
        assert_eq!(params, vec!["k".into(), 3.into(), 4.into(), 10.into()]);
        let (sql, params) = paged(
            "a FROM x",
            "1 = 1",
            vec![],
            &["a"],
            &Seek::<i64>::Offset(20),
            10,
        );
        assert_eq!(
            sql,
            "SELECT a FROM x WHERE (1 = 1) ORDER BY a LIMIT $1 OFFSET $2"
        );
        assert_eq!(params, vec![10.into(), 20.into()]);
    }
}
