//! The access API: pages of a table (`{page, pageCount, data}` as the CADT API returns them)
//! and streams of whole tables in constant memory, for the CAD Trust baseline tables and,
//! for a Party and a year, the Article 6 AEF tables.

use std::{collections::BTreeSet, sync::Mutex};

use ogcr_store::Store;
use serde::Serialize;
use serde_json::Value;

use crate::{
    Error, ExportConfig, Result, aef, cadt,
    context::Ctx,
    spec::{TableSpec, spec},
};

/// Rows per store read when streaming a table.
pub const STREAM_BATCH: u64 = 500;

/// The largest page the CADT API serves (`limit` ≤ 1000).
pub const MAX_LIMIT: u64 = 1000;

/// One page of a table, shaped like a CADT API list response.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page {
    /// The 1-based page number.
    pub page: u64,
    /// Pages at this limit.
    pub page_count: u64,
    /// The records.
    pub data: Vec<Value>,
}

/// A value the exporter could not derive exactly, and what it emitted instead.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Warning {
    /// The table being exported.
    pub table: String,
    /// What it concerns (a project id, an address).
    pub subject: String,
    /// What happened.
    pub message: String,
    /// The configuration key that settles it, if any.
    pub config_key: Option<String>,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}", self.table, self.subject, self.message)?;
        if let Some(k) = &self.config_key {
            write!(f, " (set {k} in the export configuration)")?;
        }
        Ok(())
    }
}

/// The Party and year of an Article 6 export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AefOptions {
    /// The host Party: a `location_country` name ("Brazil") or an ISO alpha-2 code ("BR").
    pub party: String,
    /// The reporting year (calendar year, UTC).
    pub year: i32,
}

/// The key of the last row of a page, where the next page of a stream starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cursor {
    /// A text key.
    Text(String),
    /// An integer key.
    Int(i64),
    /// Two integers.
    Pair(i64, i64),
    /// Three integers.
    Triple(i64, i64, i64),
}

/// Where a page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pos {
    /// At a row offset.
    Offset(u64),
    /// After a cursor.
    After(Cursor),
}

/// What a page read returns: the records and the cursor after the last one (`None` when the
/// table is read by offset only).
pub(crate) type Rows = (Vec<Value>, Option<Cursor>);

/// Derives CAD Trust and Article 6 records from an indexed database.
#[derive(Debug)]
pub struct Exporter {
    pub(crate) store: Store,
    pub(crate) config: ExportConfig,
    /// Facts of verified PDDs by hash, shared by every call (a hash's facts never change).
    pub(crate) pdds: crate::pdd::Cache,
    /// Counts and whole tables of the current data revision.
    pub(crate) memo: Mutex<crate::memo::Memo>,
    warnings: Mutex<BTreeSet<Warning>>,
}

impl Exporter {
    /// An exporter reading `store`.
    pub fn new(store: Store, config: ExportConfig) -> Self {
        Exporter {
            store,
            config,
            pdds: crate::pdd::Cache::default(),
            memo: Mutex::default(),
            warnings: Mutex::new(BTreeSet::new()),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ExportConfig {
        &self.config
    }

    /// The CAD Trust baseline tables, in insert order.
    pub fn tables() -> &'static [TableSpec] {
        &spec().tables
    }

    /// The Article 6 AEF tables, in insert order.
    pub fn aef_tables() -> &'static [TableSpec] {
        &spec().aef_tables
    }

    /// Every warning so far, sorted and without repeats.
    pub fn warnings(&self) -> Vec<Warning> {
        self.warnings
            .lock()
            .map(|w| w.iter().cloned().collect())
            .unwrap_or_default()
    }

    pub(crate) fn warn(&self, w: Warning) -> Result<()> {
        if self.config.strict {
            return Err(Error::Strict(w));
        }
        if let Ok(mut set) = self.warnings.lock()
            && !set.contains(&w)
        {
            tracing::info!(target: "ogcr::export", table = %w.table, subject = %w.subject, "{}", w.message);
            set.insert(w);
        }
        Ok(())
    }

    pub(crate) async fn ctx(&self) -> Result<Ctx<'_>> {
        let revision = self.store.revision().await?;
        let meta = self.store.export_meta().await?.ok_or(Error::NotIndexed)?;
        Ok(Ctx::new(self, meta, revision))
    }

    /// Records in `table` (a baseline table name).
    pub async fn count(&self, table: &str) -> Result<u64> {
        let t = cadt_table(table)?;
        let mut ctx = self.ctx().await?;
        Source::Cadt(t).count(&mut ctx).await
    }

    /// Page `page` (1-based) of `limit` records (1–1000) of a baseline table.
    pub async fn page(&self, table: &str, page: u64, limit: u64) -> Result<Page> {
        let t = cadt_table(table)?;
        let offset = check_page(page, limit)?;
        let mut ctx = self.ctx().await?;
        Source::Cadt(t).page(&mut ctx, page, offset, limit).await
    }

    /// Calls `f` with every record of a baseline table in order, reading [`STREAM_BATCH`]
    /// rows at a time; returns how many there were.
    pub async fn for_each(
        &self,
        table: &str,
        f: impl FnMut(Value) -> Result<()> + Send,
    ) -> Result<u64> {
        let t = cadt_table(table)?;
        let mut ctx = self.ctx().await?;
        Source::Cadt(t).stream(&mut ctx, f).await
    }

    /// Records in an Article 6 table.
    pub async fn aef_count(&self, opts: &AefOptions, table: &str) -> Result<u64> {
        let t = aef_table(table)?;
        let mut ctx = self.ctx().await?;
        let scope = aef::Scope::get(&mut ctx, opts).await?;
        Source::Aef(&scope, t).count(&mut ctx).await
    }

    /// Page `page` of `limit` records of an Article 6 table.
    pub async fn aef_page(
        &self,
        opts: &AefOptions,
        table: &str,
        page: u64,
        limit: u64,
    ) -> Result<Page> {
        let t = aef_table(table)?;
        let offset = check_page(page, limit)?;
        let mut ctx = self.ctx().await?;
        let scope = aef::Scope::get(&mut ctx, opts).await?;
        Source::Aef(&scope, t)
            .page(&mut ctx, page, offset, limit)
            .await
    }

    /// Calls `f` with every record of an Article 6 table in order.
    pub async fn aef_for_each(
        &self,
        opts: &AefOptions,
        table: &str,
        f: impl FnMut(Value) -> Result<()> + Send,
    ) -> Result<u64> {
        let t = aef_table(table)?;
        let mut ctx = self.ctx().await?;
        let scope = aef::Scope::get(&mut ctx, opts).await?;
        Source::Aef(&scope, t).stream(&mut ctx, f).await
    }
}

/// Where the records of a table come from: a baseline table, or an Article 6 table of a
/// Party and year.
#[derive(Clone, Copy)]
pub(crate) enum Source<'s> {
    Cadt(&'static TableSpec),
    Aef(&'s aef::Scope, &'static TableSpec),
}

impl Source<'_> {
    pub(crate) async fn count(self, ctx: &mut Ctx<'_>) -> Result<u64> {
        match self {
            Source::Cadt(t) => cadt::count(ctx, t).await,
            Source::Aef(scope, t) => aef::count(ctx, scope, t).await,
        }
    }

    async fn rows(self, ctx: &mut Ctx<'_>, pos: &Pos, limit: u64) -> Result<Rows> {
        match self {
            Source::Cadt(t) => cadt::rows(ctx, t, pos, limit).await,
            Source::Aef(scope, t) => aef::rows(ctx, scope, t, pos, limit).await,
        }
    }

    /// Page `page` (starting at row `offset`) of `limit` records.
    async fn page(self, ctx: &mut Ctx<'_>, page: u64, offset: u64, limit: u64) -> Result<Page> {
        let total = self.count(ctx).await?;
        let (data, _) = self.rows(ctx, &Pos::Offset(offset), limit).await?;
        Ok(Page {
            page,
            page_count: total.div_ceil(limit),
            data,
        })
    }

    /// Every record in order, [`STREAM_BATCH`] at a time (by key where the table has one).
    pub(crate) async fn stream(
        self,
        ctx: &mut Ctx<'_>,
        mut f: impl FnMut(Value) -> Result<()> + Send,
    ) -> Result<u64> {
        let mut pos = Pos::Offset(0);
        let mut n = 0;
        loop {
            let (rows, cursor) = self.rows(ctx, &pos, STREAM_BATCH).await?;
            ctx.clear();
            let len = rows.len() as u64;
            for r in rows {
                f(r)?;
            }
            n += len;
            if len < STREAM_BATCH {
                return Ok(n);
            }
            pos = match cursor {
                Some(c) => Pos::After(c),
                None => Pos::Offset(n),
            };
        }
    }
}

fn check_page(page: u64, limit: u64) -> Result<u64> {
    if page == 0 {
        return Err(Error::InvalidPage("page starts at 1".into()));
    }
    if limit == 0 || limit > MAX_LIMIT {
        return Err(Error::InvalidPage(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    (page - 1)
        .checked_mul(limit)
        .ok_or_else(|| Error::InvalidPage("page out of range".into()))
}

fn find(tables: &'static [TableSpec], name: &str) -> Result<&'static TableSpec> {
    tables
        .iter()
        .find(|t| t.name == name)
        .ok_or_else(|| Error::UnknownTable {
            table: name.to_owned(),
            valid: tables.iter().map(|t| t.name.as_str()).collect(),
        })
}

/// The baseline table `name` (also accepted: its API endpoint form, `project-methodology`).
pub fn cadt_table(name: &str) -> Result<&'static TableSpec> {
    find(&spec().tables, &name.replace('-', "_"))
}

/// The Article 6 table `name`.
pub fn aef_table(name: &str) -> Result<&'static TableSpec> {
    find(&spec().aef_tables, &name.replace('-', "_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_tables_are_named_with_the_valid_ones() {
        let err = cadt_table("projects").unwrap_err().to_string();
        assert!(err.contains("\"projects\""), "{err}");
        assert!(err.contains("program, methodology, stakeholder"), "{err}");
        assert_eq!(cadt_table("unit-label").unwrap().name, "unit_label");
        assert!(aef_table("aef_t3_actions").is_ok());
        assert!(aef_table("unit").is_err());
    }

    #[test]
    fn pages_are_checked() {
        assert_eq!(check_page(1, 10).unwrap(), 0);
        assert_eq!(check_page(3, 10).unwrap(), 20);
        assert!(check_page(0, 10).is_err());
        assert!(check_page(1, 0).is_err());
        assert!(check_page(1, 1001).is_err());
    }

    /// The HTTP API awaits these in axum handlers, which need `Send` futures.
    #[allow(dead_code, clippy::let_underscore_future)]
    fn futures_are_send(ex: &Exporter, opts: &AefOptions) {
        fn send<T: Send>(_: T) {}
        send(ex.page("unit", 1, 10));
        send(ex.count("unit"));
        send(ex.for_each("unit", |_| Ok(())));
        send(ex.aef_page(opts, "aef_t3_actions", 1, 10));
        send(ex.aef_for_each(opts, "aef_t3_actions", |_| Ok(())));
        send(crate::write_cadt(
            ex,
            crate::Format::Csv,
            std::path::Path::new("x"),
            &mut crate::NoProgress,
        ));
    }

    #[test]
    fn pages_serialise_like_the_cadt_api() {
        let p = Page {
            page: 1,
            page_count: 0,
            data: vec![],
        };
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"page":1,"pageCount":0,"data":[]}"#
        );
    }
}
