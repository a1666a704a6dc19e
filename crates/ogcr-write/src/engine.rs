//! The task engine: one sender per signing account, working through that account's tasks in
//! the order they were accepted, so nonces are used in order and no two transactions of one
//! account race. Every transaction is signed, recorded in the task, and only then broadcast;
//! after a crash the recorded bytes are broadcast again and their receipt looked up by hash,
//! so a task completes exactly once. A watcher moves confirmed tasks to `indexed` once the
//! indexer's checkpoint has reached their block.

use std::{collections::HashMap, sync::Arc, time::Duration};

use alloy::{primitives::Address, providers::DynProvider};
use ogcr_client::{Manifest, TxPolicy, sender};
use ogcr_store::{Store, TaskRow, gateway::task_state};
use tokio::sync::{Notify, broadcast, watch};
use tracing::{info, warn};

use crate::{
    Error, Result,
    ops::{Operation, Step},
    orgs::Organizations,
    webhooks::WebhookPolicy,
};

/// How long one wait for a receipt lasts before the sender checks again (rebroadcasting).
const RECEIPT_WAIT: Duration = Duration::from_secs(30);

/// How many of the latest mined tasks are checked against the chain at start.
const RECHECKED_TASKS: i64 = 200;

/// The lease that makes one process the sender for a database.
const LEASE: &str = "write-api-sender";
/// How long the lease lasts unless renewed (it is renewed every quarter of it).
const LEASE_MS: i64 = 10_000;

/// The engine shared by the routes and the workers.
#[derive(Debug)]
pub struct Engine {
    store: Store,
    provider: DynProvider,
    manifest: Manifest,
    orgs: Organizations,
    policy: TxPolicy,
    wake: HashMap<Address, Arc<Notify>>,
    updates: broadcast::Sender<String>,
    webhooks: Arc<std::sync::RwLock<WebhookPolicy>>,
}

pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Engine {
    /// An engine over `store`, sending through `provider` (no wallet: each organization's
    /// wallet signs) to the deployment in `manifest`.
    pub fn new(
        store: Store,
        provider: DynProvider,
        manifest: Manifest,
        orgs: Organizations,
        policy: TxPolicy,
    ) -> Self {
        let wake = orgs
            .iter()
            .map(|(_, a)| (a.address, Arc::new(Notify::new())))
            .collect();
        Engine {
            store,
            provider,
            manifest,
            orgs,
            policy,
            wake,
            updates: broadcast::channel(1024).0,
            webhooks: Arc::default(),
        }
    }

    /// How webhooks are checked and delivered.
    pub fn webhook_policy(&self) -> WebhookPolicy {
        self.webhooks.read().map(|p| p.clone()).unwrap_or_default()
    }

    /// Replaces the webhook policy (the delivery worker reads it at every poll).
    pub fn set_webhook_policy(&self, policy: WebhookPolicy) {
        if let Ok(mut p) = self.webhooks.write() {
            *p = policy;
        }
    }

    /// Allows (or refuses) private webhook targets and plain http
    /// ([`crate::WriteConfig::allow_private_webhooks`]).
    pub fn allow_private_webhooks(&self, allow: bool) {
        if let Ok(mut p) = self.webhooks.write() {
            p.allow_private = allow;
        }
    }

    /// The deployment.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The organizations and their accounts.
    pub fn orgs(&self) -> &Organizations {
        &self.orgs
    }

    /// The provider (reads).
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// Whether `account` holds `role` (by name) on chain now — asked when the indexed roles
    /// say no, since the index may lag the chain (a fresh grant, an indexer catching up).
    pub async fn chain_has_role(&self, role: &str, account: Address) -> Result<bool> {
        let id = ogcr_client::role_id(role)?;
        ogcr_bindings::OGCRAccessControl::new(
            self.manifest.contracts.access_control.address,
            &self.provider,
        )
        .hasRole(id, account)
        .call()
        .await
        .map_err(|e| Error::Client(ogcr_client::Error::from_contract(e, None)))
    }

    /// Task ids as they change state.
    pub fn subscribe(&self) -> broadcast::Receiver<String> {
        self.updates.subscribe()
    }

    /// Wakes the sender of `account` (a task was queued for it).
    pub fn wake(&self, account: Address) {
        if let Some(n) = self.wake.get(&account) {
            n.notify_one();
        }
    }

    /// Takes the database's sender lease (waiting out one left by a crashed process), then
    /// starts a sender per organization account, the lease's renewal, the webhook delivery
    /// worker ([`crate::webhooks::worker`]) and the indexing watcher; they stop when `stop`
    /// turns true. Tasks left by an earlier run resume first.
    /// Fails when another live process holds the lease: one process per database sends.
    pub async fn start(
        self: &Arc<Self>,
        stop: watch::Receiver<bool>,
    ) -> Result<Vec<tokio::task::JoinHandle<()>>> {
        let holder = format!("{}/pid {}", uuid::Uuid::new_v4(), std::process::id());
        let give_up = now_ms() + 2 * LEASE_MS + 1_000;
        let mut told = false;
        while !self
            .store
            .take_lease(LEASE, &holder, now_ms(), now_ms() + LEASE_MS)
            .await?
        {
            let (other, until) = self.store.lease(LEASE).await?.unwrap_or_default();
            if now_ms() > give_up {
                return Err(Error::Config(format!(
                    "another ogcr process sends the write API's transactions for this database \
                     (lease held by {other}, renewed until {}); run the write API in one process \
                     per database (the others can serve reads)",
                    chrono::DateTime::from_timestamp_millis(until)
                        .map(|d| d.to_rfc3339())
                        .unwrap_or_default()
                )));
            }
            if !told {
                warn!(target: "ogcr::write::engine", holder = %other, "waiting for the sender lease of an earlier process to expire");
                told = true;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        self.reopen_lost().await?;
        let (lease_ok, held) = watch::channel(true);
        let mut handles = Vec::new();
        {
            let engine = self.clone();
            let mut stop = stop.clone();
            handles.push(tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_millis((LEASE_MS / 4) as u64)) => {}
                        _ = stop.changed() => {}
                    }
                    if *stop.borrow() {
                        let _ = engine.store.release_lease(LEASE, &holder).await;
                        return;
                    }
                    let now = now_ms();
                    match engine.store.take_lease(LEASE, &holder, now, now + LEASE_MS).await {
                        Ok(true) => {
                            let _ = lease_ok.send(true);
                        }
                        Ok(false) => {
                            tracing::error!(target: "ogcr::write::engine", "the sender lease was taken by another process: sending stops");
                            let _ = lease_ok.send(false);
                        }
                        Err(e) => {
                            // Not renewed: stop sending before it could expire under us.
                            warn!(target: "ogcr::write::engine", error = %e, "cannot renew the sender lease");
                            let _ = lease_ok.send(false);
                        }
                    }
                }
            }));
        }
        for (_, account) in self.orgs.iter() {
            let engine = self.clone();
            let address = account.address;
            let mut stop = stop.clone();
            let held = held.clone();
            handles.push(tokio::spawn(async move {
                let notify = engine.wake[&address].clone();
                loop {
                    if *stop.borrow() {
                        return;
                    }
                    if *held.borrow() {
                        match engine.run_account(address).await {
                            Ok(true) => continue,
                            Ok(false) => {}
                            Err(e) => {
                                warn!(target: "ogcr::write::engine", account = %address, error = %e, "sender paused; retrying")
                            }
                        }
                    }
                    tokio::select! {
                        _ = notify.notified() => {}
                        _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                        _ = stop.changed() => {}
                    }
                }
            }));
        }
        handles.push(tokio::spawn(crate::webhooks::worker::run(
            self.store.clone(),
            self.webhooks.clone(),
            held.clone(),
            stop.clone(),
        )));
        let engine = self.clone();
        let mut stop = stop;
        handles.push(tokio::spawn(async move {
            loop {
                if let Err(e) = engine.mark_indexed().await {
                    warn!(target: "ogcr::write::engine", error = %e, "indexing watcher");
                }
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(200)) => {}
                    _ = stop.changed() => if *stop.borrow() { return },
                }
            }
        }));
        Ok(handles)
    }

    async fn save(&self, t: &mut TaskRow) -> Result<()> {
        t.updated_at = now_ms();
        self.store.save_task(t).await?;
        let _ = self.updates.send(t.task_id.clone());
        Ok(())
    }

    async fn fail(&self, t: &mut TaskRow, why: String) -> Result<()> {
        info!(target: "ogcr::write::engine", task = %t.task_id, reason = %why, "task failed");
        t.state = task_state::FAILED.to_owned();
        t.error = Some(why);
        self.save(t).await
    }

    /// Works on the oldest open task of `account`; true when it finished one (look again).
    async fn run_account(&self, account: Address) -> Result<bool> {
        let key = format!("{account:#x}");
        let Some(mut task) = self.store.next_open_task(&key).await? else {
            return Ok(false);
        };
        match self.advance(&mut task, account).await {
            Ok(()) => Ok(true),
            Err(e) if e.is_transient() => Err(e),
            Err(e) => {
                self.fail(&mut task, e.to_string()).await?;
                Ok(true)
            }
        }
    }

    /// Drives one task to confirmed or failed.
    async fn advance(&self, task: &mut TaskRow, account: Address) -> Result<()> {
        let op: Operation = serde_json::from_str(&task.request)
            .map_err(|e| Error::Invalid(format!("task {}: request: {e}", task.task_id)))?;
        let mut steps: Vec<Step> = serde_json::from_str(&task.steps)
            .map_err(|e| Error::Invalid(format!("task {}: steps: {e}", task.task_id)))?;
        let Some((_, org)) = self.orgs.by_address(account) else {
            return Err(Error::Invalid(format!(
                "no organization signs with {account} any more"
            )));
        };
        let wallet = org.wallet.clone();
        loop {
            // The first transaction not known to be mined (after a restart that lost blocks,
            // possibly several, in nonce order).
            if let Some(last) = steps.iter_mut().find(|s| s.block_number.is_none()) {
                let how = sender::broadcast(&self.provider, &signed(last)).await?;
                let receipt = sender::await_receipt(
                    &self.provider,
                    last.tx_hash,
                    self.policy.confirmations,
                    RECEIPT_WAIT,
                )
                .await?;
                let Some(r) = receipt else {
                    if how == sender::Broadcast::NonceUsed
                        && sender::mined_nonce(&self.provider, account).await? > last.nonce
                    {
                        // The nonce was mined, but not by this transaction.
                        return Err(Error::Invalid(format!(
                            "transaction {} was replaced: another transaction of {account} used nonce {}",
                            last.tx_hash, last.nonce
                        )));
                    }
                    // Not mined yet: the sender comes back to it.
                    return Err(Error::Client(ogcr_client::Error::Rpc(format!(
                        "transaction {} not mined within {} s",
                        last.tx_hash,
                        RECEIPT_WAIT.as_secs()
                    ))));
                };
                if !r.status() {
                    return Err(Error::Client(ogcr_client::Error::Reverted(last.tx_hash)));
                }
                last.block_number = r.block_number;
                last.outputs = op.outputs(&self.manifest, &last.label, &r);
                task.block_number = r.block_number.map(|b| b as i64);
                task.steps = serde_json::to_string(&steps).expect("steps serialise");
                self.save(task).await?;
                continue;
            }
            let Some(call) = op
                .next_call(&self.manifest, &self.provider, account, &steps)
                .await?
            else {
                let (resource, result) = op.resource(&steps);
                task.state = task_state::CONFIRMED.to_owned();
                task.resource = resource;
                task.result = Some(result.to_string());
                self.save(task).await?;
                return Ok(());
            };
            let tx = sender::sign(
                &self.provider,
                &wallet,
                account,
                call.to,
                call.input,
                &self.policy,
            )
            .await?;
            info!(target: "ogcr::write::engine", task = %task.task_id, tx = %tx.hash, nonce = tx.nonce, call = call.label, "transaction signed");
            steps.push(Step {
                label: call.label.to_owned(),
                tx_hash: tx.hash,
                raw: tx.raw,
                nonce: tx.nonce,
                block_number: None,
                outputs: serde_json::Value::Null,
            });
            task.state = task_state::SENT.to_owned();
            task.steps = serde_json::to_string(&steps).expect("steps serialise");
            // Recorded before the broadcast: a crash after this line rebroadcasts these bytes.
            self.save(task).await?;
        }
    }

    /// Tasks whose transactions were mined in blocks the chain no longer has (a local chain
    /// restarted from an older state, a reorg deeper than the confirmations) go back to `sent`:
    /// their recorded transactions are broadcast again and awaited. The most recent tasks are
    /// checked, by receipt: a lost block takes the last seconds of a chain, not its history.
    async fn reopen_lost(&self) -> Result<()> {
        use alloy::providers::Provider;
        for mut t in self.store.recent_mined_tasks(RECHECKED_TASKS).await? {
            let mut steps: Vec<Step> = serde_json::from_str(&t.steps)
                .map_err(|e| Error::Invalid(format!("task {}: steps: {e}", t.task_id)))?;
            let mut lost = false;
            for s in steps.iter_mut() {
                let receipt = self
                    .provider
                    .get_transaction_receipt(s.tx_hash)
                    .await
                    .map_err(|e| {
                        Error::Client(ogcr_client::Error::Rpc(format!(
                            "reading the receipt of {}: {e}",
                            s.tx_hash
                        )))
                    })?;
                let same = receipt
                    .as_ref()
                    .is_some_and(|r| r.block_number == s.block_number);
                if !same || lost {
                    // This one is gone, and so is every later one of the task.
                    lost = true;
                    s.block_number = None;
                    s.outputs = serde_json::Value::Null;
                }
            }
            if !lost {
                continue;
            }
            warn!(target: "ogcr::write::engine", task = %t.task_id, block = t.block_number, "the chain lost this task's block: sending its transaction again");
            t.state = task_state::SENT.to_owned();
            t.block_number = steps
                .iter()
                .rev()
                .find_map(|s| s.block_number)
                .map(|b| b as i64);
            t.resource = None;
            t.result = None;
            t.steps = serde_json::to_string(&steps).expect("steps serialise");
            self.save(&mut t).await?;
        }
        Ok(())
    }

    /// Moves confirmed tasks whose block the indexer has committed to `indexed`.
    async fn mark_indexed(&self) -> Result<()> {
        let Some(state) = self.store.chain_state().await? else {
            return Ok(());
        };
        for mut t in self.store.tasks_indexed_by(state.checkpoint_block).await? {
            // A task that anchors a document is indexed once the indexer has checked it
            // against its hash (verified, or found wrong), so its resource shows the document.
            if let Some(hash) = serde_json::from_str::<Operation>(&t.request)
                .ok()
                .and_then(|op| op.document())
            {
                let key = format!("{hash:#x}");
                let statuses = self
                    .store
                    .document_statuses(std::slice::from_ref(&key))
                    .await?;
                if statuses
                    .get(&key)
                    .is_none_or(|s| s == ogcr_store::doc_status::PENDING)
                {
                    continue;
                }
            }
            t.state = task_state::INDEXED.to_owned();
            self.save(&mut t).await?;
        }
        Ok(())
    }
}

fn signed(s: &Step) -> sender::SignedTx {
    sender::SignedTx {
        hash: s.tx_hash,
        raw: s.raw.clone(),
        nonce: s.nonce,
    }
}
