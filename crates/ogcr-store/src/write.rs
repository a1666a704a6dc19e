//! The one write path of the indexer: a [`ChangeSet`] (a batch of blocks' rows, the changed
//! current-state rows, their undo records and the new checkpoint) commits in one transaction.
//! [`Store::rollback_to`] undoes every block above a given one, also in one transaction.

use std::collections::{HashMap, hash_map::Entry};

use sqlx::{Any, Transaction};

use crate::{
    Block, Cancellation, ChainState, Decision, Document, Error, Event, EventAddress, EventProject,
    MrvReport, PddVersion, Problem, Project, Result, Retirement, RoleMember, StatusChange, Store,
    Token, Transfer, Undo,
    table::{
        OnConflict, Table, Val, bind_all, delete_by_key, for_backend, insert_statements,
        select_by_keys,
    },
};

/// The new state of a current-state row: replaced (or created), or deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mutation<T: Table> {
    /// The row as it is now.
    Upsert(T),
    /// The row no longer exists; the key identifies it.
    Delete(Vec<Val>),
}

/// Everything one batch of blocks writes.
#[derive(Debug, Clone, Default)]
pub struct ChangeSet {
    /// First block of the batch; the checkpoint must be the block before it.
    pub from_block: i64,
    /// Last block of the batch: the new checkpoint.
    pub to_block: i64,
    /// Hash of `to_block`.
    pub to_hash: String,
    /// The lowest block with undo records after this batch.
    pub undo_floor: i64,
    /// Blocks kept for reorg detection.
    pub blocks: Vec<Block>,
    /// Blocks at or below this number are dropped from `blocks` and the undo log.
    pub prune_below: Option<i64>,
    /// Decoded logs.
    pub events: Vec<Event>,
    /// Addresses per log.
    pub event_addresses: Vec<EventAddress>,
    /// The projects the batch's events concern.
    pub event_projects: Vec<EventProject>,
    /// Lifecycle transitions.
    pub status_changes: Vec<StatusChange>,
    /// Validation, rejection and archiving decisions.
    pub decisions: Vec<Decision>,
    /// PDD versions.
    pub pdd_versions: Vec<PddVersion>,
    /// ERC-721 transfers.
    pub transfers: Vec<Transfer>,
    /// Retirements.
    pub retirements: Vec<Retirement>,
    /// Cancellations.
    pub cancellations: Vec<Cancellation>,
    /// Integrity problems in chain data.
    pub problems: Vec<Problem>,
    /// Changed projects.
    pub projects: Vec<Mutation<Project>>,
    /// Changed reports.
    pub mrv_reports: Vec<Mutation<MrvReport>>,
    /// Changed tokens.
    pub tokens: Vec<Mutation<Token>>,
    /// Changed role memberships.
    pub role_members: Vec<Mutation<RoleMember>>,
    /// Previous states of rows changed inside the reorg window (`seq` is assigned on commit).
    pub undo: Vec<Undo>,
    /// Documents referenced by the batch, to be fetched and verified.
    pub documents: Vec<Document>,
}

impl ChangeSet {
    /// Number of rows the batch writes (for metrics and progress).
    pub fn row_count(&self) -> usize {
        self.events.len()
            + self.event_addresses.len()
            + self.event_projects.len()
            + self.status_changes.len()
            + self.decisions.len()
            + self.pdd_versions.len()
            + self.transfers.len()
            + self.retirements.len()
            + self.cancellations.len()
            + self.projects.len()
            + self.mrv_reports.len()
            + self.tokens.len()
            + self.role_members.len()
    }
}

async fn exec(tx: &mut Transaction<'_, Any>, sql: String, vals: Vec<Val>) -> Result<u64> {
    let sql = for_backend(tx, sql);
    let q = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), vals);
    Ok(q.execute(&mut **tx).await?.rows_affected())
}

/// Inserts `rows` in as few statements as the parameter limit allows.
pub(crate) async fn insert_all<T: Table>(
    tx: &mut Transaction<'_, Any>,
    rows: &[T],
    on_conflict: OnConflict,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    for (sql, vals) in insert_statements(rows, on_conflict) {
        exec(tx, sql, vals).await?;
    }
    Ok(())
}

async fn mutate_all<T: Table>(tx: &mut Transaction<'_, Any>, muts: &[Mutation<T>]) -> Result<()> {
    let muts = last_per_key(muts);
    let upserts: Vec<T> = muts
        .iter()
        .filter_map(|m| match m {
            Mutation::Upsert(r) => Some(r.clone()),
            Mutation::Delete(_) => None,
        })
        .collect();
    for m in &muts {
        if let Mutation::Delete(key) = m {
            let (sql, vals) = delete_by_key::<T>(key.clone());
            exec(tx, sql, vals).await?;
        }
    }
    insert_all(tx, &upserts, OnConflict::Update).await
}

/// The last mutation of each key, in order of first appearance. A batch may change one row
/// several times (minted then moved, granted then revoked) and only its final state counts:
/// deletes run before upserts, so an earlier upsert must not survive a later delete, and one
/// multi-row upsert must not name a key twice (PostgreSQL refuses: "ON CONFLICT DO UPDATE
/// command cannot affect row a second time").
fn last_per_key<T: Table>(muts: &[Mutation<T>]) -> Vec<&Mutation<T>> {
    let mut out: Vec<&Mutation<T>> = Vec::with_capacity(muts.len());
    let mut index: HashMap<Vec<Val>, usize> = HashMap::with_capacity(muts.len());
    for m in muts {
        let key = match m {
            Mutation::Upsert(r) => r.key(),
            Mutation::Delete(k) => k.clone(),
        };
        match index.entry(key) {
            Entry::Occupied(e) => out[*e.get()] = m,
            Entry::Vacant(e) => {
                e.insert(out.len());
                out.push(m);
            }
        }
    }
    out
}

/// Tables whose rows belong to one block and go when that block is rolled back.
const BLOCK_TABLES: &[&str] = &[
    Event::TABLE,
    EventAddress::TABLE,
    EventProject::TABLE,
    StatusChange::TABLE,
    Decision::TABLE,
    PddVersion::TABLE,
    Transfer::TABLE,
    Retirement::TABLE,
    Cancellation::TABLE,
    Problem::TABLE,
];

impl Store {
    /// The stored chain state, if the database follows a deployment.
    pub async fn chain_state(&self) -> Result<Option<ChainState>> {
        let mut conn = self.conn().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM chain_state WHERE id = 1",
            ChainState::COLUMNS.join(", ")
        )))
        .fetch_optional(&mut *conn)
        .await?;
        row.as_ref().map(ChainState::from_row).transpose()
    }

    /// Makes the database follow `state`'s deployment: records it on first use; afterwards
    /// checks it is the same chain and contracts, and returns the stored state (with its
    /// checkpoint) unchanged.
    pub async fn init_chain_state(&self, state: &ChainState) -> Result<ChainState> {
        let describe = |s: &ChainState| {
            format!(
                "chain {} (access control {}, project registry {}, MRV registry {}, CRU {})",
                s.chain_id,
                s.access_control,
                s.project_registry,
                s.mrv_registry,
                s.carbon_removal_unit
            )
        };
        let mut conn = self.conn().await?;
        let mut tx = self.begin_write(&mut conn).await?;
        insert_all(&mut tx, std::slice::from_ref(state), OnConflict::Ignore).await?;
        tx.commit().await?;
        drop(conn);
        let stored = self.chain_state().await?.ok_or(Error::NotInitialised)?;
        let same = stored.chain_id == state.chain_id
            && stored.access_control == state.access_control
            && stored.project_registry == state.project_registry
            && stored.mrv_registry == state.mrv_registry
            && stored.carbon_removal_unit == state.carbon_removal_unit;
        if !same {
            return Err(Error::OtherDeployment {
                existing: describe(&stored),
                requested: describe(state),
            });
        }
        Ok(stored)
    }

    /// Loads the current rows of `T` with the given keys (absent keys are simply missing).
    pub async fn load<T: Table>(&self, keys: &[Vec<Val>]) -> Result<Vec<T>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn().await?;
        let mut out = Vec::with_capacity(keys.len());
        for (sql, vals) in select_by_keys::<T>(keys) {
            let sql = for_backend(&conn, sql);
            let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), vals)
                .fetch_all(&mut *conn)
                .await?;
            for row in &rows {
                out.push(T::from_row(row)?);
            }
        }
        Ok(out)
    }

    /// Commits a batch and moves the checkpoint to its last block, atomically. A batch whose
    /// blocks are already stored (a retry after a lost acknowledgement) is a no-op.
    pub async fn commit(&self, cs: &ChangeSet) -> Result<()> {
        let mut conn = self.conn().await?;
        let mut tx = self.begin_write(&mut conn).await?;
        let checkpoint: i64 =
            sqlx::query_scalar("SELECT checkpoint_block FROM chain_state WHERE id = 1")
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(Error::NotInitialised)?;
        if checkpoint >= cs.to_block {
            tracing::debug!(target: "ogcr::store", to = cs.to_block, checkpoint, "batch already stored");
            return Ok(());
        }
        if checkpoint != cs.from_block - 1 {
            return Err(Error::Discontinuous {
                from: cs.from_block,
                checkpoint,
            });
        }
        insert_all(&mut tx, &cs.events, OnConflict::Ignore).await?;
        insert_all(&mut tx, &cs.event_addresses, OnConflict::Ignore).await?;
        insert_all(&mut tx, &cs.event_projects, OnConflict::Ignore).await?;
        insert_all(&mut tx, &cs.status_changes, OnConflict::Ignore).await?;
        insert_all(&mut tx, &cs.decisions, OnConflict::Ignore).await?;
        insert_all(&mut tx, &cs.pdd_versions, OnConflict::Ignore).await?;
        insert_all(&mut tx, &cs.transfers, OnConflict::Ignore).await?;
        insert_all(&mut tx, &cs.retirements, OnConflict::Ignore).await?;
        insert_all(&mut tx, &cs.cancellations, OnConflict::Ignore).await?;
        insert_all(&mut tx, &cs.problems, OnConflict::Ignore).await?;
        mutate_all(&mut tx, &cs.projects).await?;
        mutate_all(&mut tx, &cs.mrv_reports).await?;
        mutate_all(&mut tx, &cs.tokens).await?;
        mutate_all(&mut tx, &cs.role_members).await?;
        if !cs.undo.is_empty() {
            let next: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM undo_log")
                .fetch_one(&mut *tx)
                .await?;
            let undo: Vec<Undo> = cs
                .undo
                .iter()
                .enumerate()
                .map(|(i, u)| Undo {
                    seq: next + 1 + i as i64,
                    ..u.clone()
                })
                .collect();
            insert_all(&mut tx, &undo, OnConflict::Ignore).await?;
        }
        insert_all(&mut tx, &cs.documents, OnConflict::Ignore).await?;
        insert_all(&mut tx, &cs.blocks, OnConflict::Update).await?;
        if let Some(below) = cs.prune_below {
            for table in ["undo_log", "blocks"] {
                let col = if table == "blocks" {
                    "number"
                } else {
                    "block_number"
                };
                exec(
                    &mut tx,
                    format!("DELETE FROM {table} WHERE {col} <= $1"),
                    vec![below.into()],
                )
                .await?;
            }
        }
        sqlx::query(
            "UPDATE chain_state SET checkpoint_block = $1, checkpoint_hash = $2, undo_floor = $3 WHERE id = 1",
        )
        .bind(cs.to_block)
        .bind(cs.to_hash.clone())
        .bind(cs.undo_floor)
        .execute(&mut *tx)
        .await?;
        bump_revision(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The stored hash of block `number`, if it is inside the kept window.
    pub async fn block(&self, number: i64) -> Result<Option<Block>> {
        Ok(self.load::<Block>(&[vec![number.into()]]).await?.pop())
    }

    /// The kept blocks at or below `at_most`, newest first (candidates for a common ancestor).
    pub async fn recent_blocks(&self, at_most: i64, limit: i64) -> Result<Vec<Block>> {
        let mut conn = self.conn().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM blocks WHERE number <= $1 ORDER BY number DESC LIMIT $2",
            Block::COLUMNS.join(", ")
        )))
        .bind(at_most)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(Block::from_row).collect()
    }

    /// Removes everything above block `target` and restores the current-state rows as they
    /// were after it, in one transaction; the checkpoint becomes `target` with `target_hash`.
    pub async fn rollback_to(&self, target: i64, target_hash: &str) -> Result<RollbackReport> {
        let mut conn = self.conn().await?;
        let mut tx = self.begin_write(&mut conn).await?;
        let state: (i64, i64) =
            sqlx::query_as("SELECT checkpoint_block, undo_floor FROM chain_state WHERE id = 1")
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(Error::NotInitialised)?;
        let (checkpoint, floor) = state;
        if target >= checkpoint {
            return Ok(RollbackReport::default());
        }
        if target < floor {
            return Err(Error::RollbackTooDeep { target, floor });
        }
        let mut report = RollbackReport {
            from: checkpoint,
            to: target,
            ..RollbackReport::default()
        };
        report.events =
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM events WHERE block_number > $1")
                .bind(target)
                .fetch_one(&mut *tx)
                .await?;
        for table in BLOCK_TABLES {
            exec(
                &mut tx,
                format!("DELETE FROM {table} WHERE block_number > $1"),
                vec![target.into()],
            )
            .await?;
        }
        let undo_rows = bind_all(
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {} FROM undo_log WHERE block_number > $1 ORDER BY seq DESC",
                Undo::COLUMNS.join(", ")
            ))),
            vec![target.into()],
        )
        .fetch_all(&mut *tx)
        .await?;
        for row in &undo_rows {
            let undo = Undo::from_row(row)?;
            restore(&mut tx, &undo).await?;
            report.restored += 1;
        }
        exec(
            &mut tx,
            "DELETE FROM undo_log WHERE block_number > $1".into(),
            vec![target.into()],
        )
        .await?;
        exec(
            &mut tx,
            "DELETE FROM blocks WHERE number > $1".into(),
            vec![target.into()],
        )
        .await?;
        sqlx::query(
            "UPDATE chain_state SET checkpoint_block = $1, checkpoint_hash = $2 WHERE id = 1",
        )
        .bind(target)
        .bind(target_hash.to_owned())
        .execute(&mut *tx)
        .await?;
        bump_revision(&mut tx).await?;
        tx.commit().await?;
        Ok(report)
    }
}

/// Marks what the read API serves as changed (see [`Store::revision`]): every write
/// transaction that changes indexed rows or documents calls this before it commits.
pub(crate) async fn bump_revision(tx: &mut Transaction<'_, Any>) -> Result<()> {
    exec(
        tx,
        "UPDATE data_revision SET revision = revision + 1 WHERE id = 1".into(),
        Vec::new(),
    )
    .await?;
    Ok(())
}

/// What a rollback did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RollbackReport {
    /// Checkpoint before.
    pub from: i64,
    /// Checkpoint after.
    pub to: i64,
    /// Events removed.
    pub events: i64,
    /// Current-state rows restored from undo records.
    pub restored: i64,
}

async fn restore(tx: &mut Transaction<'_, Any>, undo: &Undo) -> Result<()> {
    async fn one<T: Table>(tx: &mut Transaction<'_, Any>, undo: &Undo) -> Result<()> {
        let corrupt = |e: serde_json::Error| Error::Corrupt {
            table: "undo_log",
            detail: format!("record {}: {e}", undo.seq),
        };
        let key: Vec<Val> = serde_json::from_str(&undo.row_key).map_err(corrupt)?;
        let (sql, vals) = delete_by_key::<T>(key);
        exec(tx, sql, vals).await?;
        if let Some(prev) = &undo.previous {
            let row: T = serde_json::from_str(prev).map_err(corrupt)?;
            insert_all(tx, &[row], OnConflict::Update).await?;
        }
        Ok(())
    }
    match undo.table_name.as_str() {
        Project::TABLE => one::<Project>(tx, undo).await,
        MrvReport::TABLE => one::<MrvReport>(tx, undo).await,
        Token::TABLE => one::<Token>(tx, undo).await,
        RoleMember::TABLE => one::<RoleMember>(tx, undo).await,
        other => Err(Error::Corrupt {
            table: "undo_log",
            detail: format!("record {} names unknown table {other:?}", undo.seq),
        }),
    }
}

/// An undo record for a row of `T` about to change in `block`: its key and previous state.
pub fn undo_record<T: Table>(block: i64, key: Vec<Val>, previous: Option<&T>) -> Undo {
    Undo {
        seq: 0,
        block_number: block,
        table_name: T::TABLE.to_owned(),
        row_key: serde_json::to_string(&key).expect("keys serialise"),
        previous: previous.map(|p| serde_json::to_string(p).expect("rows serialise")),
    }
}

impl Store {
    /// Deletes every indexed row (the schema stays): the next `ogcr index` starts from the
    /// deployment block, possibly of another deployment.
    pub async fn reset(&self) -> Result<()> {
        let mut conn = self.conn().await?;
        let mut tx = self.begin_write(&mut conn).await?;
        for table in BLOCK_TABLES.iter().chain(&[
            Project::TABLE,
            MrvReport::TABLE,
            Token::TABLE,
            RoleMember::TABLE,
            Undo::TABLE,
            Block::TABLE,
            Document::TABLE,
            crate::PddFacts::TABLE,
            ChainState::TABLE,
        ]) {
            exec(&mut tx, format!("DELETE FROM {table}"), Vec::new()).await?;
        }
        bump_revision(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}
