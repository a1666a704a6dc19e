//! The write API's tables (migration 0003): API keys (hashed), the append-only audit log,
//! chain-write tasks and idempotency keys. None of them derives from the chain, so reorg
//! rollbacks and [`Store::reset`] leave them alone.

use sqlx::Row;

use crate::{
    Result, Store,
    table::{Table, Val, bind_all, for_backend, table},
};

table! {
    /// An API key; the secret itself is never stored.
    ApiKey in "api_keys", key (key_id) {
        key_id: String,
        organization: String,
        scopes: String,
        secret_sha256: String,
        label: String,
        created_at: i64,
        expires_at: Option<i64>,
        revoked_at: Option<i64>,
        last_used_at: Option<i64>,
    }
}

table! {
    /// One authorization decision of a write request.
    AuditEntry in "audit_log", key (seq) {
        seq: i64,
        at: i64,
        organization: Option<String>,
        key_id: Option<String>,
        method: String,
        route: String,
        resource: Option<String>,
        outcome: String,
        status: i64,
        reason: String,
        request_id: String,
        task_id: Option<String>,
    }
}

table! {
    /// A chain write requested over the API.
    TaskRow in "tasks", key (seq) {
        seq: i64,
        task_id: String,
        organization: String,
        key_id: String,
        account: String,
        kind: String,
        request: String,
        state: String,
        steps: String,
        result: Option<String>,
        resource: Option<String>,
        error: Option<String>,
        block_number: Option<i64>,
        created_at: i64,
        updated_at: i64,
    }
}

table! {
    /// The first answer to an `Idempotency-Key`.
    IdempotencyRow in "idempotency_keys", key (organization, idem_key) {
        organization: String,
        idem_key: String,
        request_hash: String,
        status: Option<i64>,
        response: Option<String>,
        created_at: i64,
    }
}

/// Task states, in order.
pub mod task_state {
    /// Accepted, not signed yet.
    pub const QUEUED: &str = "queued";
    /// A transaction is signed and broadcast (its hash is in the steps).
    pub const SENT: &str = "sent";
    /// Every transaction is mined with the required confirmations.
    pub const CONFIRMED: &str = "confirmed";
    /// The indexer has stored the result; the resource URL answers.
    pub const INDEXED: &str = "indexed";
    /// Nothing more will happen; the error says why.
    pub const FAILED: &str = "failed";
}

/// What an audit record holds (the sequence number is the database's).
#[derive(Debug, Clone)]
pub struct NewAudit {
    /// Unix milliseconds.
    pub at: i64,
    /// The caller's organization, when authenticated.
    pub organization: Option<String>,
    /// The API key (or OAuth client) id, when authenticated.
    pub key_id: Option<String>,
    /// HTTP method.
    pub method: String,
    /// Route template (`/credits/{credit_id}/retire`).
    pub route: String,
    /// The resource acted on, when known.
    pub resource: Option<String>,
    /// `accepted`, `denied`, `invalid` or `failed`.
    pub outcome: String,
    /// HTTP status answered.
    pub status: i64,
    /// Why (the error code or `ok`).
    pub reason: String,
    /// Request id.
    pub request_id: String,
    /// Task created, if any.
    pub task_id: Option<String>,
}

/// Filters of [`Store::audit`].
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this organization.
    pub organization: Option<String>,
    /// Only this outcome.
    pub outcome: Option<String>,
    /// Only entries after this sequence number (the cursor).
    pub after: Option<i64>,
    /// Page size.
    pub limit: i64,
}

/// A new task.
#[derive(Debug, Clone)]
pub struct NewTask {
    /// Public id.
    pub task_id: String,
    /// Organization.
    pub organization: String,
    /// Key id.
    pub key_id: String,
    /// Signing account (lowercase hex).
    pub account: String,
    /// Kind.
    pub kind: String,
    /// JSON request.
    pub request: String,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// How an `Idempotency-Key` stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// First use: the caller handles the request and records its answer.
    New,
    /// Answered before with this status and body.
    Replay(i64, String),
    /// The key was used with another request.
    Mismatch,
    /// The first request with this key is still being handled.
    InProgress,
}

impl Store {
    async fn run(&self, sql: &str, vals: Vec<Val>) -> Result<u64> {
        let mut conn = self.conn().await?;
        let sql = for_backend(&conn, sql.to_owned());
        Ok(bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), vals)
            .execute(&mut *conn)
            .await?
            .rows_affected())
    }

    /// Rows of `T` selected with `tail` (`WHERE … ORDER BY …`).
    async fn typed<T: Table>(&self, tail: &str, vals: Vec<Val>) -> Result<Vec<T>> {
        let sql = format!("SELECT {} FROM {} {tail}", T::COLUMNS.join(", "), T::TABLE);
        self.rows(sql, vals)
            .await?
            .iter()
            .map(T::from_row)
            .collect()
    }

    // ---------------------------------------------------------------- API keys

    /// Stores a new key.
    pub async fn insert_api_key(&self, key: &ApiKey) -> Result<()> {
        let sql = format!(
            "INSERT INTO api_keys ({}) VALUES ({})",
            ApiKey::COLUMNS.join(", "),
            crate::table::placeholders(0, ApiKey::COLUMNS.len())
        );
        self.run(&sql, key.values()).await?;
        Ok(())
    }

    /// A key by id.
    pub async fn api_key(&self, key_id: &str) -> Result<Option<ApiKey>> {
        Ok(self
            .typed::<ApiKey>("WHERE key_id = $1", vec![key_id.into()])
            .await?
            .into_iter()
            .next())
    }

    /// Every key, or an organization's, oldest first.
    pub async fn api_keys(&self, organization: Option<&str>) -> Result<Vec<ApiKey>> {
        match organization {
            Some(o) => {
                self.typed(
                    "WHERE organization = $1 ORDER BY created_at, key_id",
                    vec![o.into()],
                )
                .await
            }
            None => self.typed("ORDER BY created_at, key_id", Vec::new()).await,
        }
    }

    /// Revokes a key; false when there is no such key or it was revoked already.
    pub async fn revoke_api_key(&self, key_id: &str, now: i64) -> Result<bool> {
        Ok(self
            .run(
                "UPDATE api_keys SET revoked_at = $1 WHERE key_id = $2 AND revoked_at IS NULL",
                vec![now.into(), key_id.into()],
            )
            .await?
            == 1)
    }

    /// Records when a key was last used.
    pub async fn touch_api_key(&self, key_id: &str, now: i64) -> Result<()> {
        self.run(
            "UPDATE api_keys SET last_used_at = $1 WHERE key_id = $2",
            vec![now.into(), key_id.into()],
        )
        .await?;
        Ok(())
    }

    // --------------------------------------------------------------- audit log

    /// Appends an audit record; returns its sequence number.
    pub async fn append_audit(&self, e: &NewAudit) -> Result<i64> {
        let mut conn = self.conn().await?;
        let sql = for_backend(
            &conn,
            "INSERT INTO audit_log (at, organization, key_id, method, route, resource, outcome, \
             status, reason, request_id, task_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING seq"
                .to_owned(),
        );
        let vals: Vec<Val> = vec![
            e.at.into(),
            e.organization.clone().into(),
            e.key_id.clone().into(),
            e.method.clone().into(),
            e.route.clone().into(),
            e.resource.clone().into(),
            e.outcome.clone().into(),
            e.status.into(),
            e.reason.clone().into(),
            e.request_id.clone().into(),
            e.task_id.clone().into(),
        ];
        let row = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), vals)
            .fetch_one(&mut *conn)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Audit records, oldest first, after the cursor.
    pub async fn audit(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let mut cond = vec!["seq > $1".to_owned()];
        let mut vals: Vec<Val> = vec![f.after.unwrap_or(0).into()];
        if let Some(o) = &f.organization {
            vals.push(o.clone().into());
            cond.push(format!("organization = ${}", vals.len()));
        }
        if let Some(o) = &f.outcome {
            vals.push(o.clone().into());
            cond.push(format!("outcome = ${}", vals.len()));
        }
        vals.push(f.limit.into());
        let tail = format!(
            "WHERE {} ORDER BY seq LIMIT ${}",
            cond.join(" AND "),
            vals.len()
        );
        self.typed(&tail, vals).await
    }

    // ------------------------------------------------------------------- tasks

    /// Stores a queued task and returns it.
    pub async fn insert_task(&self, t: &NewTask) -> Result<TaskRow> {
        self.run(
            "INSERT INTO tasks (task_id, organization, key_id, account, kind, request, state, \
             steps, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, '[]', $8, $8)",
            vec![
                t.task_id.clone().into(),
                t.organization.clone().into(),
                t.key_id.clone().into(),
                t.account.clone().into(),
                t.kind.clone().into(),
                t.request.clone().into(),
                task_state::QUEUED.into(),
                t.created_at.into(),
            ],
        )
        .await?;
        Ok(self
            .task(&t.task_id)
            .await?
            .expect("the task was just inserted"))
    }

    /// A task by its public id.
    pub async fn task(&self, task_id: &str) -> Result<Option<TaskRow>> {
        Ok(self
            .typed::<TaskRow>("WHERE task_id = $1", vec![task_id.into()])
            .await?
            .into_iter()
            .next())
    }

    /// Saves a task's progress (everything but its identity and request).
    pub async fn save_task(&self, t: &TaskRow) -> Result<()> {
        self.run(
            "UPDATE tasks SET state = $1, steps = $2, result = $3, resource = $4, error = $5, \
             block_number = $6, updated_at = $7 WHERE task_id = $8",
            vec![
                t.state.clone().into(),
                t.steps.clone().into(),
                t.result.clone().into(),
                t.resource.clone().into(),
                t.error.clone().into(),
                t.block_number.into(),
                t.updated_at.into(),
                t.task_id.clone().into(),
            ],
        )
        .await?;
        Ok(())
    }

    /// The oldest task of `account` that still has transactions to send or await.
    pub async fn next_open_task(&self, account: &str) -> Result<Option<TaskRow>> {
        Ok(self
            .typed::<TaskRow>(
                "WHERE account = $1 AND state IN ('queued', 'sent') ORDER BY seq LIMIT 1",
                vec![account.into()],
            )
            .await?
            .into_iter()
            .next())
    }

    /// Accounts with tasks still to send or await.
    pub async fn accounts_with_open_tasks(&self) -> Result<Vec<String>> {
        let mut conn = self.conn().await?;
        let rows = sqlx::query(
            "SELECT DISTINCT account FROM tasks WHERE state IN ('queued', 'sent') ORDER BY account",
        )
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<std::result::Result<_, _>>()?)
    }

    /// Confirmed tasks whose last block the indexer has reached (`checkpoint`).
    pub async fn tasks_indexed_by(&self, checkpoint: i64) -> Result<Vec<TaskRow>> {
        self.typed(
            "WHERE state = 'confirmed' AND block_number <= $1 ORDER BY seq",
            vec![checkpoint.into()],
        )
        .await
    }

    /// The `limit` most recently accepted tasks that are confirmed or indexed, newest first.
    pub async fn recent_mined_tasks(&self, limit: i64) -> Result<Vec<TaskRow>> {
        self.typed(
            "WHERE state IN ('confirmed', 'indexed') ORDER BY seq DESC LIMIT $1",
            vec![limit.into()],
        )
        .await
    }

    /// Tasks of `kind` not failed (for checks against writes not indexed yet).
    pub async fn pending_tasks_of_kind(&self, kind: &str) -> Result<Vec<TaskRow>> {
        self.typed(
            "WHERE kind = $1 AND state IN ('queued', 'sent', 'confirmed') ORDER BY seq",
            vec![kind.into()],
        )
        .await
    }

    // ------------------------------------------------------------- idempotency

    /// Claims `(organization, key)` for a request whose hash is `request_hash`.
    pub async fn claim_idempotency(
        &self,
        organization: &str,
        key: &str,
        request_hash: &str,
        now: i64,
    ) -> Result<IdempotencyClaim> {
        let inserted = self
            .run(
                "INSERT INTO idempotency_keys (organization, idem_key, request_hash, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (organization, idem_key) DO NOTHING",
                vec![
                    organization.into(),
                    key.into(),
                    request_hash.into(),
                    now.into(),
                ],
            )
            .await?;
        if inserted == 1 {
            return Ok(IdempotencyClaim::New);
        }
        let row = self
            .typed::<IdempotencyRow>(
                "WHERE organization = $1 AND idem_key = $2",
                vec![organization.into(), key.into()],
            )
            .await?
            .into_iter()
            .next();
        Ok(match row {
            // Released between the insert and the read: the next retry claims it.
            None => IdempotencyClaim::InProgress,
            Some(r) if r.request_hash != request_hash => IdempotencyClaim::Mismatch,
            Some(IdempotencyRow {
                status: Some(s),
                response: Some(b),
                ..
            }) => IdempotencyClaim::Replay(s, b),
            Some(_) => IdempotencyClaim::InProgress,
        })
    }

    /// Records the answer to a claimed key.
    pub async fn finish_idempotency(
        &self,
        organization: &str,
        key: &str,
        status: i64,
        response: &str,
    ) -> Result<()> {
        self.run(
            "UPDATE idempotency_keys SET status = $1, response = $2 \
             WHERE organization = $3 AND idem_key = $4",
            vec![
                status.into(),
                response.into(),
                organization.into(),
                key.into(),
            ],
        )
        .await?;
        Ok(())
    }

    /// Forgets a claimed key whose request failed on the server's side, so a retry runs again.
    pub async fn release_idempotency(&self, organization: &str, key: &str) -> Result<()> {
        self.run(
            "DELETE FROM idempotency_keys WHERE organization = $1 AND idem_key = $2 \
             AND status IS NULL",
            vec![organization.into(), key.into()],
        )
        .await?;
        Ok(())
    }

    /// Takes or renews the lease `name` for `holder` until `expires_at` (unix ms); false while
    /// another holder's lease has not expired at `now`.
    pub async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<bool> {
        Ok(self
            .run(
                "INSERT INTO sender_lease (name, holder, expires_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, \
                 expires_at = excluded.expires_at \
                 WHERE sender_lease.holder = excluded.holder OR sender_lease.expires_at < $4",
                vec![name.into(), holder.into(), expires_at.into(), now.into()],
            )
            .await?
            == 1)
    }

    /// Gives the lease up (when `holder` has it).
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        self.run(
            "DELETE FROM sender_lease WHERE name = $1 AND holder = $2",
            vec![name.into(), holder.into()],
        )
        .await?;
        Ok(())
    }

    /// Who holds the lease `name`, until when.
    pub async fn lease(&self, name: &str) -> Result<Option<(String, i64)>> {
        let rows = self
            .rows(
                "SELECT holder, expires_at FROM sender_lease WHERE name = $1".into(),
                vec![name.into()],
            )
            .await?;
        Ok(match rows.first() {
            Some(r) => Some((r.try_get(0)?, r.try_get(1)?)),
            None => None,
        })
    }

    /// The indexed holders of `role` (`developer`, `verifier`, …) among `accounts`.
    pub async fn has_role(&self, role: &str, account: &str) -> Result<bool> {
        let mut conn = self.conn().await?;
        let sql = for_backend(
            &conn,
            "SELECT COUNT(*) FROM role_members WHERE role = $1 AND account = $2".to_owned(),
        );
        let row = bind_all(
            sqlx::query(sqlx::AssertSqlSafe(sql)),
            vec![role.into(), account.to_ascii_lowercase().into()],
        )
        .fetch_one(&mut *conn)
        .await?;
        Ok(row.try_get::<i64, _>(0)? > 0)
    }
}
