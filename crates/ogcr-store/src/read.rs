//! Reads for the indexer, its tests and the API.

use sqlx::Row;

use crate::{
    Block, Cancellation, ChainState, Decision, Document, Event, EventAddress, EventProject,
    MrvReport, PddVersion, Problem, Project, Result, Retirement, RoleMember, StatusChange, Store,
    Table, Token, Transfer, Undo,
};

/// Row counts of the main tables.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Events.
    pub events: i64,
    /// Projects.
    pub projects: i64,
    /// Reports.
    pub mrv_reports: i64,
    /// Tokens.
    pub tokens: i64,
    /// Transfers.
    pub transfers: i64,
    /// Retirements.
    pub retirements: i64,
    /// Role holders.
    pub role_members: i64,
    /// Documents verified.
    pub documents_verified: i64,
    /// Documents with an integrity problem (mismatch, invalid, unreachable).
    pub documents_failed: i64,
    /// Documents not checked yet.
    pub documents_pending: i64,
    /// Integrity problems in chain data.
    pub problems: i64,
}

impl Store {
    /// Every row of `T`, ordered by primary key.
    pub async fn all<T: Table>(&self) -> Result<Vec<T>> {
        let mut conn = self.conn().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM {} ORDER BY {}",
            T::COLUMNS.join(", "),
            T::TABLE,
            T::KEY.join(", ")
        )))
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(T::from_row).collect()
    }

    /// A deterministic text dump of every indexed table (documents without their check
    /// times): two databases that index the same chain dump identically.
    pub async fn dump(&self) -> Result<Vec<(String, Vec<String>)>> {
        async fn table<T: Table>(s: &Store, out: &mut Vec<(String, Vec<String>)>) -> Result<()> {
            let rows = s.all::<T>().await?;
            out.push((
                T::TABLE.to_owned(),
                rows.iter()
                    .map(|r| serde_json::to_string(r).expect("rows serialise"))
                    .collect(),
            ));
            Ok(())
        }
        let mut out = Vec::new();
        table::<ChainState>(self, &mut out).await?;
        table::<Block>(self, &mut out).await?;
        table::<Event>(self, &mut out).await?;
        table::<EventAddress>(self, &mut out).await?;
        table::<EventProject>(self, &mut out).await?;
        table::<Project>(self, &mut out).await?;
        table::<StatusChange>(self, &mut out).await?;
        table::<Decision>(self, &mut out).await?;
        table::<PddVersion>(self, &mut out).await?;
        table::<MrvReport>(self, &mut out).await?;
        table::<Token>(self, &mut out).await?;
        table::<Transfer>(self, &mut out).await?;
        table::<Retirement>(self, &mut out).await?;
        table::<Cancellation>(self, &mut out).await?;
        table::<RoleMember>(self, &mut out).await?;
        table::<Undo>(self, &mut out).await?;
        table::<Problem>(self, &mut out).await?;
        table::<crate::PddFacts>(self, &mut out).await?;
        let docs = self.all::<Document>().await?;
        out.push((
            Document::TABLE.to_owned(),
            docs.into_iter()
                .map(|d| format!("{} {} {} {}", d.hash, d.uri, d.kind, d.status))
                .collect(),
        ));
        Ok(out)
    }

    /// Row counts.
    pub async fn counts(&self) -> Result<Counts> {
        let mut conn = self.conn().await?;
        let row = sqlx::query(
            "SELECT
                (SELECT COUNT(*) FROM events),
                (SELECT COUNT(*) FROM projects),
                (SELECT COUNT(*) FROM mrv_reports),
                (SELECT COUNT(*) FROM tokens),
                (SELECT COUNT(*) FROM transfers),
                (SELECT COUNT(*) FROM retirements),
                (SELECT COUNT(*) FROM role_members),
                (SELECT COUNT(*) FROM documents WHERE status = 'verified'),
                (SELECT COUNT(*) FROM documents WHERE status IN ('mismatch', 'invalid', 'unreachable')),
                (SELECT COUNT(*) FROM documents WHERE status = 'pending'),
                (SELECT COUNT(*) FROM problems)",
        )
        .fetch_one(&mut *conn)
        .await?;
        Ok(Counts {
            events: row.try_get(0)?,
            projects: row.try_get(1)?,
            mrv_reports: row.try_get(2)?,
            tokens: row.try_get(3)?,
            transfers: row.try_get(4)?,
            retirements: row.try_get(5)?,
            role_members: row.try_get(6)?,
            documents_verified: row.try_get(7)?,
            documents_failed: row.try_get(8)?,
            documents_pending: row.try_get(9)?,
            problems: row.try_get(10)?,
        })
    }

    /// Documents whose check failed (mismatch, invalid JSON, unreachable), oldest first.
    pub async fn document_problems(&self) -> Result<Vec<Document>> {
        let mut conn = self.conn().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM documents WHERE status IN ('mismatch', 'invalid', 'unreachable') ORDER BY hash, uri",
            Document::COLUMNS.join(", ")
        )))
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(Document::from_row).collect()
    }
}
