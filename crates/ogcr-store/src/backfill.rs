//! One-time fills of tables added after a database was first indexed, each named in
//! `pending_backfills` by the migration that added its table and removed in the transaction
//! that fills it: a crash in between leaves the marker, and the next start fills it again.

use std::collections::HashMap;

use serde_json::Value;
use sqlx::Row;

use crate::{
    EventProject, Result, Store,
    table::OnConflict,
    write::{bump_revision, insert_all},
};

/// Events read per query while filling.
const CHUNK: i64 = 10_000;

/// Events that name their project's key.
const BY_KEY: &[&str] = &[
    "PDDRegistered",
    "PDDRevised",
    "ProjectStatusChanged",
    "ProjectValidated",
    "ProjectRejected",
    "ProjectArchived",
    "MRVSubmitted",
    "MRVVerified",
    "MRVRejected",
    "CRUMinted",
];
/// Events that name a report of it.
const BY_REPORT: &[&str] = &["MRVAttestationAccepted"];
/// CarbonRemovalUnit events that name a token of it.
const BY_TOKEN: &[&str] = &[
    "CRUSplit",
    "CRURetired",
    "CRUCancelled",
    "CRULabelsUpdated",
    "Transfer",
];

/// The project key event `name` of `contract` concerns, from its decoded arguments: exactly
/// what the indexer's projection writes for it (see `event_projects`).
fn project_of(
    contract: &str,
    name: &str,
    args: &Value,
    reports: &HashMap<i64, String>,
    tokens: &HashMap<i64, String>,
) -> Option<String> {
    let id = |field: &str| {
        args.get(field).and_then(|v| match v {
            Value::String(s) => s.parse::<i64>().ok(),
            other => other.as_i64(),
        })
    };
    if BY_KEY.contains(&name) {
        args.get("projectKey")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
    } else if BY_REPORT.contains(&name) {
        reports.get(&id("mrvId")?).cloned()
    } else if contract == "CarbonRemovalUnit" && BY_TOKEN.contains(&name) {
        tokens.get(&id("tokenId")?).cloned()
    } else {
        None
    }
}

impl Store {
    /// Fills `event_projects` for the events indexed before it existed, when its migration
    /// left the marker. Called on connect.
    pub(crate) async fn backfill_event_projects(&self) -> Result<()> {
        let mut conn = self.conn().await?;
        let pending: Option<String> =
            sqlx::query_scalar("SELECT name FROM pending_backfills WHERE name = 'event_projects'")
                .fetch_optional(&mut *conn)
                .await?;
        if pending.is_none() {
            return Ok(());
        }
        let mut tx = self.begin_write(&mut conn).await?;
        // Again inside the write transaction: another process may have filled it meanwhile.
        let pending: Option<String> =
            sqlx::query_scalar("SELECT name FROM pending_backfills WHERE name = 'event_projects'")
                .fetch_optional(&mut *tx)
                .await?;
        if pending.is_none() {
            return Ok(());
        }
        let map = |rows: Vec<sqlx::any::AnyRow>| -> Result<HashMap<i64, String>> {
            rows.iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                .collect()
        };
        let reports = map(sqlx::query("SELECT mrv_id, project_key FROM mrv_reports")
            .fetch_all(&mut *tx)
            .await?)?;
        let tokens = map(sqlx::query("SELECT token_id, project_key FROM tokens")
            .fetch_all(&mut *tx)
            .await?)?;
        let (mut after, mut filled) = ((-1_i64, -1_i64), 0_usize);
        loop {
            let rows = sqlx::query(
                "SELECT block_number, log_index, contract, event, args FROM events \
                 WHERE (block_number, log_index) > ($1, $2) \
                 ORDER BY block_number, log_index LIMIT $3",
            )
            .bind(after.0)
            .bind(after.1)
            .bind(CHUNK)
            .fetch_all(&mut *tx)
            .await?;
            let mut out = Vec::new();
            for r in &rows {
                let (block, log): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
                let (contract, name, args): (String, String, String) =
                    (r.try_get(2)?, r.try_get(3)?, r.try_get(4)?);
                after = (block, log);
                let args: Value = serde_json::from_str(&args).unwrap_or(Value::Null);
                if let Some(project_key) = project_of(&contract, &name, &args, &reports, &tokens) {
                    out.push(EventProject {
                        project_key,
                        block_number: block,
                        log_index: log,
                    });
                }
            }
            filled += out.len();
            insert_all(&mut tx, &out, OnConflict::Ignore).await?;
            if (rows.len() as i64) < CHUNK {
                break;
            }
        }
        sqlx::query("DELETE FROM pending_backfills WHERE name = 'event_projects'")
            .execute(&mut *tx)
            .await?;
        bump_revision(&mut tx).await?;
        tx.commit().await?;
        if filled > 0 {
            tracing::info!(target: "ogcr::store", rows = filled, table = "event_projects", "backfilled");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_project_comes_from_the_key_the_report_or_the_token() {
        let reports = HashMap::from([(3, "0xr".to_owned())]);
        let tokens = HashMap::from([(7, "0xt".to_owned())]);
        let of = |c: &str, n: &str, v: Value| project_of(c, n, &v, &reports, &tokens);
        let cru = "CarbonRemovalUnit";
        assert_eq!(
            of(
                "MRVRegistry",
                "MRVSubmitted",
                serde_json::json!({"projectKey": "0xABC", "mrvId": "3"})
            ),
            Some("0xabc".into())
        );
        assert_eq!(
            of(
                "MRVRegistry",
                "MRVAttestationAccepted",
                serde_json::json!({"mrvId": "3"})
            ),
            Some("0xr".into())
        );
        assert_eq!(
            of(cru, "Transfer", serde_json::json!({"tokenId": 7})),
            Some("0xt".into())
        );
        assert_eq!(
            of(cru, "CRURetired", serde_json::json!({"tokenId": "8"})),
            None
        );
        // As the indexer: an approval names a token but is not the project's event.
        assert_eq!(of(cru, "Approval", serde_json::json!({"tokenId": 7})), None);
        assert_eq!(
            of("OGCRAccessControl", "RoleGranted", serde_json::json!({})),
            None
        );
    }
}
