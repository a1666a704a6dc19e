//! The write API's webhooks (migration 0006): subscriptions and their delivery queue.
//!
//! Events reach the queue only once final — at or below the checkpoint's undo floor, which no
//! reorg rollback can reach — so nothing here is ever rolled back, and neither table is
//! touched by [`Store::reset`] or [`Store::rollback_to`]. Queueing is idempotent (a delivery's
//! key is its subscription and event) and moves the subscription's cursor in the same
//! transaction, so a crash at any point queues every event exactly once.

use sqlx::Row;

use crate::{
    Event, Result, Store,
    table::{Table, Val, bind_all, for_backend, table},
};

table! {
    /// A webhook subscription of an organization.
    WebhookRow in "webhook_subscriptions", key (webhook_id) {
        seq: i64,
        webhook_id: String,
        organization: String,
        key_id: String,
        url: String,
        events: String,
        secret: Secret,
        description: String,
        state: String,
        disabled_reason: Option<String>,
        disabled_at: Option<i64>,
        after_block: i64,
        after_log: i64,
        created_at: i64,
        updated_at: i64,
    }
}

/// A webhook's signing secret as stored: the server signs with it, so it is kept as given,
/// but it never shows in `Debug` output (a row logged by mistake does not leak it).
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, to sign with.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<Secret> for Val {
    fn from(s: Secret) -> Val {
        Val::Text(Some(s.0))
    }
}

impl crate::table::Column for Secret {
    fn get(row: &sqlx::any::AnyRow, name: &str) -> std::result::Result<Self, sqlx::Error> {
        row.try_get(name).map(Secret)
    }
}

table! {
    /// One event queued for one subscription.
    DeliveryRow in "webhook_deliveries", key (webhook_id, event_id) {
        webhook_id: String,
        event_id: String,
        event_type: String,
        block_number: i64,
        log_index: i64,
        payload: String,
        state: String,
        attempts: i64,
        next_attempt_at: i64,
        first_attempt_at: Option<i64>,
        last_attempt_at: Option<i64>,
        last_status: Option<i64>,
        last_error: Option<String>,
        created_at: i64,
        finished_at: Option<i64>,
    }
}

/// Subscription states.
pub mod webhook_state {
    /// Deliveries are queued and sent.
    pub const ACTIVE: &str = "active";
    /// Given up on (persistent failure, or the receiver answered 410 Gone); the reason says why.
    pub const DISABLED: &str = "disabled";
}

/// Delivery states.
pub mod delivery_state {
    /// Not delivered yet: waiting for its turn or its next attempt.
    pub const PENDING: &str = "pending";
    /// The receiver answered 2xx.
    pub const DELIVERED: &str = "delivered";
    /// Given up after retrying for the whole retry period.
    pub const FAILED: &str = "failed";
}

/// A new subscription.
#[derive(Clone)]
pub struct NewWebhook {
    /// Public id (`wh_…`).
    pub webhook_id: String,
    /// Owner.
    pub organization: String,
    /// The API key that created it.
    pub key_id: String,
    /// Target URL.
    pub url: String,
    /// Event types, space-separated.
    pub events: String,
    /// Signing secret as given.
    pub secret: String,
    /// Free text.
    pub description: String,
    /// Events at or before this position are not delivered (the final position when it was
    /// created: it receives what becomes final afterwards).
    pub after: (i64, i64),
    /// Unix milliseconds.
    pub created_at: i64,
}

impl std::fmt::Debug for NewWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewWebhook")
            .field("webhook_id", &self.webhook_id)
            .field("organization", &self.organization)
            .field("url", &self.url)
            .field("events", &self.events)
            .field("secret", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// An event to queue for a subscription.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    /// Stable event id (the `webhook-id` header).
    pub event_id: String,
    /// Webhook event type.
    pub event_type: String,
    /// Position on the chain.
    pub block_number: i64,
    /// Position in the block.
    pub log_index: i64,
    /// The body to send.
    pub payload: String,
}

/// What one delivery attempt came to.
#[derive(Debug, Clone)]
pub enum AttemptOutcome {
    /// 2xx.
    Delivered,
    /// Failed; try again at `next_attempt_at` (unix ms).
    Retry {
        /// When.
        next_attempt_at: i64,
    },
    /// Failed for the last time: the delivery is given up and the subscription disabled
    /// with `reason`.
    GiveUp {
        /// Shown in the subscription.
        reason: String,
    },
}

/// A filter of [`Store::webhook_deliveries`].
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    /// Only this state.
    pub state: Option<String>,
    /// Only after this position (the cursor).
    pub after: Option<(i64, i64)>,
    /// Page size.
    pub limit: i64,
}

impl Store {
    async fn wh_exec(&self, sql: &str, vals: Vec<Val>) -> Result<u64> {
        let mut conn = self.conn().await?;
        let sql = for_backend(&conn, sql.to_owned());
        Ok(bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), vals)
            .execute(&mut *conn)
            .await?
            .rows_affected())
    }

    async fn wh_typed<T: Table>(&self, tail: &str, vals: Vec<Val>) -> Result<Vec<T>> {
        let sql = format!("SELECT {} FROM {} {tail}", T::COLUMNS.join(", "), T::TABLE);
        self.rows(sql, vals)
            .await?
            .iter()
            .map(T::from_row)
            .collect()
    }

    /// Stores a new subscription and returns it.
    pub async fn insert_webhook(&self, w: &NewWebhook) -> Result<WebhookRow> {
        self.wh_exec(
            "INSERT INTO webhook_subscriptions (webhook_id, organization, key_id, url, events, \
             secret, description, state, after_block, after_log, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
            vec![
                w.webhook_id.clone().into(),
                w.organization.clone().into(),
                w.key_id.clone().into(),
                w.url.clone().into(),
                w.events.clone().into(),
                w.secret.clone().into(),
                w.description.clone().into(),
                webhook_state::ACTIVE.into(),
                w.after.0.into(),
                w.after.1.into(),
                w.created_at.into(),
            ],
        )
        .await?;
        Ok(self
            .webhook(&w.webhook_id)
            .await?
            .expect("the subscription was just inserted"))
    }

    /// A subscription by id (whichever organization owns it: callers check).
    pub async fn webhook(&self, webhook_id: &str) -> Result<Option<WebhookRow>> {
        Ok(self
            .wh_typed::<WebhookRow>("WHERE webhook_id = $1", vec![webhook_id.into()])
            .await?
            .into_iter()
            .next())
    }

    /// The subscriptions of `organization`, oldest first (every one with `None`).
    pub async fn webhooks(&self, organization: Option<&str>) -> Result<Vec<WebhookRow>> {
        match organization {
            Some(o) => {
                self.wh_typed("WHERE organization = $1 ORDER BY seq", vec![o.into()])
                    .await
            }
            None => self.wh_typed("ORDER BY seq", Vec::new()).await,
        }
    }

    /// Deletes a subscription of `organization` and its deliveries; false when it has none
    /// with that id.
    pub async fn delete_webhook(&self, organization: &str, webhook_id: &str) -> Result<bool> {
        let mut conn = self.conn().await?;
        let mut tx = self.begin_write(&mut conn).await?;
        let sql = for_backend(
            &tx,
            "DELETE FROM webhook_subscriptions WHERE webhook_id = $1 AND organization = $2"
                .to_owned(),
        );
        let gone = bind_all(
            sqlx::query(sqlx::AssertSqlSafe(sql)),
            vec![webhook_id.into(), organization.into()],
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if gone == 1 {
            let sql = for_backend(
                &tx,
                "DELETE FROM webhook_deliveries WHERE webhook_id = $1".to_owned(),
            );
            bind_all(
                sqlx::query(sqlx::AssertSqlSafe(sql)),
                vec![webhook_id.into()],
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(gone == 1)
    }

    /// Events named one of `names` after position `after` up to block `up_to` (inclusive),
    /// in chain order, at most `limit`.
    pub async fn events_after(
        &self,
        after: (i64, i64),
        up_to: i64,
        names: &[&str],
        limit: i64,
    ) -> Result<Vec<Event>> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut vals: Vec<Val> = vec![after.0.into(), after.1.into(), up_to.into()];
        let mut marks = Vec::new();
        for n in names {
            vals.push((*n).into());
            marks.push(format!("${}", vals.len()));
        }
        vals.push(limit.into());
        let tail = format!(
            "WHERE (block_number > $1 OR (block_number = $1 AND log_index > $2)) \
             AND block_number <= $3 AND event IN ({}) ORDER BY block_number, log_index LIMIT ${}",
            marks.join(", "),
            vals.len()
        );
        self.wh_typed(&tail, vals).await
    }

    /// Queues `deliveries` for subscription `webhook_id` and moves its cursor to `cursor`, in
    /// one transaction. Queueing an event twice is a no-op, and the cursor never moves back,
    /// so running it again after a crash changes nothing. Does nothing when the subscription
    /// is gone or no longer active. Returns how many deliveries were new.
    pub async fn queue_webhook_deliveries(
        &self,
        webhook_id: &str,
        deliveries: &[NewDelivery],
        cursor: (i64, i64),
        now: i64,
    ) -> Result<u64> {
        let mut conn = self.conn().await?;
        let mut tx = self.begin_write(&mut conn).await?;
        let sql = for_backend(
            &tx,
            "UPDATE webhook_subscriptions SET after_block = $1, after_log = $2 \
             WHERE webhook_id = $3 AND state = 'active' \
             AND (after_block < $1 OR (after_block = $1 AND after_log < $2))"
                .to_owned(),
        );
        let moved = bind_all(
            sqlx::query(sqlx::AssertSqlSafe(sql)),
            vec![cursor.0.into(), cursor.1.into(), webhook_id.into()],
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let mut new = 0;
        if moved == 1 {
            for d in deliveries {
                let sql = for_backend(
                    &tx,
                    "INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, \
                     block_number, log_index, payload, state, attempts, next_attempt_at, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7) \
                     ON CONFLICT (webhook_id, event_id) DO NOTHING"
                        .to_owned(),
                );
                new += bind_all(
                    sqlx::query(sqlx::AssertSqlSafe(sql)),
                    vec![
                        webhook_id.into(),
                        d.event_id.clone().into(),
                        d.event_type.clone().into(),
                        d.block_number.into(),
                        d.log_index.into(),
                        d.payload.clone().into(),
                        now.into(),
                    ],
                )
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
        }
        tx.commit().await?;
        Ok(new)
    }

    /// The oldest pending delivery of `webhook_id` (the only one that may be sent: the next
    /// waits until it is delivered or given up).
    pub async fn next_webhook_delivery(&self, webhook_id: &str) -> Result<Option<DeliveryRow>> {
        Ok(self
            .wh_typed::<DeliveryRow>(
                "WHERE webhook_id = $1 AND state = 'pending' \
                 ORDER BY block_number, log_index LIMIT 1",
                vec![webhook_id.into()],
            )
            .await?
            .into_iter()
            .next())
    }

    /// Records one attempt of delivery `(webhook_id, event_id)` at `now`: its HTTP status or
    /// error, and what follows. Giving up also disables the subscription with the reason, in
    /// the same transaction.
    pub async fn record_webhook_attempt(
        &self,
        webhook_id: &str,
        event_id: &str,
        now: i64,
        status: Option<i64>,
        error: Option<&str>,
        outcome: &AttemptOutcome,
    ) -> Result<()> {
        let mut conn = self.conn().await?;
        let mut tx = self.begin_write(&mut conn).await?;
        let (state, next, finished) = match outcome {
            AttemptOutcome::Delivered => (delivery_state::DELIVERED, now, Some(now)),
            AttemptOutcome::Retry { next_attempt_at } => {
                (delivery_state::PENDING, *next_attempt_at, None)
            }
            AttemptOutcome::GiveUp { .. } => (delivery_state::FAILED, now, Some(now)),
        };
        let sql = for_backend(
            &tx,
            "UPDATE webhook_deliveries SET state = $1, attempts = attempts + 1, \
             next_attempt_at = $2, first_attempt_at = COALESCE(first_attempt_at, $3), \
             last_attempt_at = $3, last_status = $4, last_error = $5, finished_at = $6 \
             WHERE webhook_id = $7 AND event_id = $8 AND state = 'pending'"
                .to_owned(),
        );
        bind_all(
            sqlx::query(sqlx::AssertSqlSafe(sql)),
            vec![
                state.into(),
                next.into(),
                now.into(),
                status.into(),
                error.map(str::to_owned).into(),
                finished.into(),
                webhook_id.into(),
                event_id.into(),
            ],
        )
        .execute(&mut *tx)
        .await?;
        if let AttemptOutcome::GiveUp { reason } = outcome {
            let sql = for_backend(
                &tx,
                "UPDATE webhook_subscriptions SET state = 'disabled', disabled_reason = $1, \
                 disabled_at = $2, updated_at = $2 WHERE webhook_id = $3 AND state = 'active'"
                    .to_owned(),
            );
            bind_all(
                sqlx::query(sqlx::AssertSqlSafe(sql)),
                vec![reason.clone().into(), now.into(), webhook_id.into()],
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Disables a subscription with `reason` (the receiver asked for it with 410 Gone); its
    /// pending deliveries stay queued.
    pub async fn disable_webhook(&self, webhook_id: &str, reason: &str, now: i64) -> Result<bool> {
        Ok(self
            .wh_exec(
                "UPDATE webhook_subscriptions SET state = 'disabled', disabled_reason = $1, \
                 disabled_at = $2, updated_at = $2 WHERE webhook_id = $3 AND state = 'active'",
                vec![reason.into(), now.into(), webhook_id.into()],
            )
            .await?
            == 1)
    }

    /// Makes a disabled subscription of `organization` active again, its reason cleared:
    /// the queue resumes at its next pending delivery (the given-up one stays failed), and
    /// the events that became final meanwhile are queued, since its cursor stood still.
    /// False when the organization has no such subscription.
    pub async fn enable_webhook(
        &self,
        organization: &str,
        webhook_id: &str,
        now: i64,
    ) -> Result<bool> {
        Ok(self
            .wh_exec(
                "UPDATE webhook_subscriptions SET state = 'active', disabled_reason = NULL, \
                 disabled_at = NULL, updated_at = $1 WHERE webhook_id = $2 AND organization = $3",
                vec![now.into(), webhook_id.into(), organization.into()],
            )
            .await?
            == 1)
    }

    /// Deliveries of `webhook_id` in event order, after the filter's cursor.
    pub async fn webhook_deliveries(
        &self,
        webhook_id: &str,
        f: &DeliveryFilter,
    ) -> Result<Vec<DeliveryRow>> {
        let (b, l) = f.after.unwrap_or((-1, -1));
        let mut vals: Vec<Val> = vec![webhook_id.into(), b.into(), l.into()];
        let mut cond =
            "webhook_id = $1 AND (block_number > $2 OR (block_number = $2 AND log_index > $3))"
                .to_owned();
        if let Some(s) = &f.state {
            vals.push(s.clone().into());
            cond.push_str(&format!(" AND state = ${}", vals.len()));
        }
        vals.push(f.limit.into());
        let tail = format!(
            "WHERE {cond} ORDER BY block_number, log_index LIMIT ${}",
            vals.len()
        );
        self.wh_typed(&tail, vals).await
    }

    /// Forgets deliveries that were delivered or given up before `before` (unix ms); pending
    /// ones stay whatever their age. The cursors keep what was queued from being queued again.
    /// Returns how many were removed.
    pub async fn prune_webhook_deliveries(&self, before: i64) -> Result<u64> {
        self.wh_exec(
            "DELETE FROM webhook_deliveries WHERE state <> 'pending' AND finished_at < $1",
            vec![before.into()],
        )
        .await
    }

    /// How many deliveries of `webhook_id` are in each state: (pending, delivered, failed).
    pub async fn webhook_delivery_counts(&self, webhook_id: &str) -> Result<(i64, i64, i64)> {
        let rows = self
            .rows(
                "SELECT state, COUNT(*) AS n FROM webhook_deliveries WHERE webhook_id = $1 \
                 GROUP BY state"
                    .into(),
                vec![webhook_id.into()],
            )
            .await?;
        let mut out = (0, 0, 0);
        for r in rows {
            let state: String = r.try_get(0)?;
            let n: i64 = r.try_get(1)?;
            match state.as_str() {
                delivery_state::PENDING => out.0 = n,
                delivery_state::DELIVERED => out.1 = n,
                delivery_state::FAILED => out.2 = n,
                _ => {}
            }
        }
        Ok(out)
    }
}
