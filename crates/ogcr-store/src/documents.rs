//! The document queue: rows inserted pending by the indexer's commits, then fetched, verified
//! and updated by the document worker, independently of the chain data.

use crate::{
    Document, Result, Store, Table, model::doc_status, table::OnConflict, write::insert_all,
};

impl Store {
    /// Documents due for a (re)check at unix time `now`: pending ones and unreachable ones
    /// whose backoff expired, oldest attempt first.
    pub async fn due_documents(&self, now: i64, limit: i64) -> Result<Vec<Document>> {
        let mut conn = self.conn().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM documents WHERE status IN ($1, $2) AND next_attempt_at <= $3 \
             ORDER BY next_attempt_at, hash, uri LIMIT $4",
            Document::COLUMNS.join(", ")
        )))
        .bind(doc_status::PENDING)
        .bind(doc_status::UNREACHABLE)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(Document::from_row).collect()
    }

    /// Records the outcome of a check.
    pub async fn record_document(&self, doc: &Document) -> Result<()> {
        let mut conn = self.conn().await?;
        let mut tx = self.begin_write(&mut conn).await?;
        let facts: Vec<_> = crate::facts::for_document(doc).into_iter().collect();
        insert_all(&mut tx, std::slice::from_ref(doc), OnConflict::Update).await?;
        insert_all(&mut tx, &facts, OnConflict::Update).await?;
        crate::write::bump_revision(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The verified body of the document with on-chain hash `hash`, if any.
    pub async fn verified_document(&self, hash: &str) -> Result<Option<Document>> {
        let mut conn = self.conn().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM documents WHERE hash = $1 AND status = $2 ORDER BY uri LIMIT 1",
            Document::COLUMNS.join(", ")
        )))
        .bind(hash.to_owned())
        .bind(doc_status::VERIFIED)
        .fetch_optional(&mut *conn)
        .await?;
        row.as_ref().map(Document::from_row).transpose()
    }
}
