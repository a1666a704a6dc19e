//! Projections: a batch of decoded logs becomes one [`ChangeSet`] — the audit-trail rows, the
//! history rows, and the new state of every project, report, token and role membership it
//! touched. Current rows are loaded once per batch (one query per table), changed in memory in
//! log order, and written once; inside the reorg window each first change of a row in a block
//! leaves an undo record holding the row as it was before that block.

use std::collections::{HashMap, HashSet};

use alloy::primitives::{Address, B256, U256};
use ogcr_bindings::{
    CarbonRemovalUnit::CarbonRemovalUnitEvents as Cru,
    MRVRegistry::MRVRegistryEvents as Mrv,
    OGCRAccessControl::OGCRAccessControlEvents as Access,
    ProjectRegistry::ProjectRegistryEvents as Projects,
    errors::{MRV_STATUS, PROJECT_STATUS, UNIT_STATUS, role_name},
};
use ogcr_store::{
    Block, Cancellation, ChangeSet, Decision, Document, Event, EventAddress, EventProject,
    MrvReport, Mutation, PddVersion, Problem, Project, Retirement, RoleMember, StatusChange, Store,
    Table, Token, Transfer, Val, model::doc_status, write::undo_record,
};

use crate::{
    Result,
    decode::{Decoded, LogMeta, Typed},
    source::Header,
};

/// A batch of consecutive blocks ready to be projected.
#[derive(Debug, Clone)]
pub struct Batch {
    /// First block.
    pub from: u64,
    /// Last block (the new checkpoint).
    pub to: u64,
    /// Hash of `to`.
    pub to_hash: B256,
    /// Headers to keep for reorg detection.
    pub headers: Vec<Header>,
    /// The decoded logs of `from..=to`, in chain order.
    pub logs: Vec<Decoded>,
    /// Blocks at or above this number get undo records.
    pub undo_from: u64,
    /// Undo floor after this batch.
    pub undo_floor: u64,
    /// Blocks and undo records at or below this number are pruned.
    pub prune_below: Option<u64>,
}

pub(crate) fn hex_b256(b: &B256) -> String {
    format!("{b:#x}")
}

pub(crate) fn hex_addr(a: &Address) -> String {
    format!("{a:#x}")
}

fn status(table: &[&str], v: u8) -> String {
    table
        .get(usize::from(v))
        .map_or_else(|| format!("unknown_{v}"), |s| s.replace(' ', "_"))
}

/// Current rows of one table touched by the batch, by primary key.
struct Cache<T: Table> {
    rows: HashMap<Vec<Val>, Entry<T>>,
}

struct Entry<T> {
    current: Option<T>,
    dirty: bool,
    undo_block: Option<u64>,
}

impl<T> Default for Entry<T> {
    fn default() -> Self {
        Entry {
            current: None,
            dirty: false,
            undo_block: None,
        }
    }
}

impl<T: Table> Cache<T> {
    async fn load(store: &Store, keys: HashSet<Vec<Val>>) -> Result<Self> {
        let keys: Vec<Vec<Val>> = keys.into_iter().collect();
        let mut rows: HashMap<Vec<Val>, Entry<T>> = HashMap::with_capacity(keys.len());
        for row in store.load::<T>(&keys).await? {
            rows.insert(
                row.key(),
                Entry {
                    current: Some(row),
                    ..Entry::default()
                },
            );
        }
        Ok(Cache { rows })
    }

    fn get(&self, key: &[Val]) -> Option<&T> {
        self.rows.get(key).and_then(|e| e.current.as_ref())
    }

    /// Changes the row `key` in `block`, recording its previous state first if the block is
    /// inside the reorg window.
    fn change(&mut self, key: Vec<Val>, block: u64, ctx: &mut Ctx, f: impl FnOnce(&mut Option<T>)) {
        let entry = self.rows.entry(key.clone()).or_default();
        if block >= ctx.undo_from && entry.undo_block != Some(block) {
            ctx.cs
                .undo
                .push(undo_record::<T>(block as i64, key, entry.current.as_ref()));
            entry.undo_block = Some(block);
        }
        f(&mut entry.current);
        entry.dirty = true;
    }

    /// Changes the existing row `key` in the log's block; a missing row (an event about
    /// something no earlier event created) is recorded as an integrity problem instead.
    /// Returns whether the row existed.
    fn update(
        &mut self,
        key: Vec<Val>,
        m: &LogMeta,
        ctx: &mut Ctx,
        what: &str,
        id: impl std::fmt::Display,
        f: impl FnOnce(&mut T),
    ) -> bool {
        if self.get(&key).is_none() {
            unknown(ctx, m, what, id.to_string());
            return false;
        }
        self.change(key, m.block_number, ctx, |row| {
            if let Some(r) = row {
                f(r);
            }
        });
        true
    }

    fn mutations(self) -> Vec<Mutation<T>> {
        let mut out: Vec<(Vec<Val>, Option<T>)> = self
            .rows
            .into_iter()
            .filter(|(_, e)| e.dirty)
            .map(|(k, e)| (k, e.current))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out.into_iter()
            .map(|(key, row)| match row {
                Some(row) => Mutation::Upsert(row),
                None => Mutation::Delete(key),
            })
            .collect()
    }
}

struct Ctx {
    cs: ChangeSet,
    undo_from: u64,
}

impl Ctx {
    /// A u64/U256 chain value as i64; a value beyond i64 is stored saturated and recorded as
    /// an integrity problem naming the exact value.
    fn int<T: TryInto<i64> + std::fmt::Display + Copy>(
        &mut self,
        meta: &LogMeta,
        what: &str,
        v: T,
    ) -> i64 {
        match v.try_into() {
            Ok(i) => i,
            Err(_) => {
                self.cs.problems.push(Problem {
                    block_number: meta.block_number as i64,
                    log_index: meta.log_index as i64,
                    kind: format!("out_of_range:{what}"),
                    subject: what.to_owned(),
                    detail: format!(
                        "{what} {v} exceeds the database's 63-bit integers; stored as {}",
                        i64::MAX
                    ),
                });
                i64::MAX
            }
        }
    }

    fn problem(&mut self, meta: &LogMeta, kind: &str, subject: String, detail: String) {
        self.cs.problems.push(Problem {
            block_number: meta.block_number as i64,
            log_index: meta.log_index as i64,
            kind: kind.to_owned(),
            subject,
            detail,
        });
    }
}

fn pk(key: &B256) -> Vec<Val> {
    vec![hex_b256(key).into()]
}

/// Keys of the current rows a batch touches, per table.
#[derive(Default)]
struct Keys {
    projects: HashSet<Vec<Val>>,
    reports: HashSet<Vec<Val>>,
    tokens: HashSet<Vec<Val>>,
    roles: HashSet<Vec<Val>>,
}

fn token_key(id: U256) -> Vec<Val> {
    vec![i64::try_from(id).unwrap_or(i64::MAX).into()]
}

/// What names the project an event concerns.
enum Subject {
    /// The project key itself.
    Project(B256),
    /// A report of the project.
    Report(u64),
    /// A token of the project.
    Token(U256),
}

fn subject_of(typed: &Option<Typed>) -> Option<Subject> {
    Some(match typed.as_ref()? {
        Typed::Projects(e) => Subject::Project(match e {
            Projects::PDDRegistered(e) => e.projectKey,
            Projects::PDDRevised(e) => e.projectKey,
            Projects::ProjectStatusChanged(e) => e.projectKey,
            Projects::ProjectValidated(e) => e.projectKey,
            Projects::ProjectRejected(e) => e.projectKey,
            Projects::ProjectArchived(e) => e.projectKey,
        }),
        Typed::Mrv(e) => match e {
            Mrv::MRVSubmitted(e) => Subject::Project(e.projectKey),
            Mrv::MRVVerified(e) => Subject::Project(e.projectKey),
            Mrv::MRVRejected(e) => Subject::Project(e.projectKey),
            Mrv::MRVAttestationAccepted(e) => Subject::Report(e.mrvId),
            _ => return None,
        },
        Typed::Cru(e) => match e {
            Cru::CRUMinted(e) => Subject::Project(e.projectKey),
            Cru::CRUSplit(e) => Subject::Token(e.tokenId),
            Cru::CRURetired(e) => Subject::Token(e.tokenId),
            Cru::CRUCancelled(e) => Subject::Token(e.tokenId),
            Cru::CRULabelsUpdated(e) => Subject::Token(e.tokenId),
            Cru::Transfer(e) => Subject::Token(e.tokenId),
            _ => return None,
        },
        Typed::Access(_) => return None,
    })
}

fn report_key(id: u64) -> Vec<Val> {
    vec![i64::try_from(id).unwrap_or(i64::MAX).into()]
}

fn role_key(role: &B256, account: &Address) -> Vec<Val> {
    vec![role_name(*role).into(), hex_addr(account).into()]
}

fn keys_of(logs: &[Decoded]) -> Keys {
    let mut k = Keys::default();
    for log in logs {
        match &log.typed {
            Some(Typed::Projects(_)) => {
                if let Some(Subject::Project(key)) = subject_of(&log.typed) {
                    k.projects.insert(pk(&key));
                }
            }
            Some(Typed::Mrv(e)) => {
                let id = match e {
                    Mrv::MRVSubmitted(e) => e.mrvId,
                    Mrv::MRVVerified(e) => e.mrvId,
                    Mrv::MRVRejected(e) => e.mrvId,
                    Mrv::MRVAttestationAccepted(e) => e.mrvId,
                    _ => continue,
                };
                k.reports.insert(report_key(id));
            }
            Some(Typed::Cru(e)) => match e {
                Cru::CRUMinted(e) => {
                    k.tokens.insert(token_key(e.tokenId));
                    k.reports.insert(report_key(e.mrvId));
                }
                Cru::CRUSplit(e) => {
                    k.tokens.insert(token_key(e.tokenId));
                    k.tokens.insert(token_key(e.newTokenId));
                }
                Cru::CRURetired(e) => {
                    k.tokens.insert(token_key(e.tokenId));
                }
                Cru::CRUCancelled(e) => {
                    k.tokens.insert(token_key(e.tokenId));
                }
                Cru::CRULabelsUpdated(e) => {
                    k.tokens.insert(token_key(e.tokenId));
                }
                Cru::Transfer(e) => {
                    k.tokens.insert(token_key(e.tokenId));
                }
                _ => {}
            },
            Some(Typed::Access(e)) => match e {
                Access::RoleGranted(e) => {
                    k.roles.insert(role_key(&e.role, &e.account));
                }
                Access::RoleRevoked(e) => {
                    k.roles.insert(role_key(&e.role, &e.account));
                }
                _ => {}
            },
            None => {}
        }
    }
    k
}

/// Projects a batch into the change set that commits it.
pub async fn project(store: &Store, chain_id: u64, batch: Batch) -> Result<ChangeSet> {
    let keys = keys_of(&batch.logs);
    let mut projects = Cache::<Project>::load(store, keys.projects).await?;
    let mut reports = Cache::<MrvReport>::load(store, keys.reports).await?;
    let mut tokens = Cache::<Token>::load(store, keys.tokens).await?;
    let mut roles = Cache::<RoleMember>::load(store, keys.roles).await?;

    let mut ctx = Ctx {
        cs: ChangeSet {
            from_block: batch.from as i64,
            to_block: batch.to as i64,
            to_hash: hex_b256(&batch.to_hash),
            undo_floor: batch.undo_floor as i64,
            prune_below: batch.prune_below.map(|b| b as i64),
            blocks: batch
                .headers
                .iter()
                .map(|h| Block {
                    number: h.number as i64,
                    hash: hex_b256(&h.hash),
                    parent_hash: hex_b256(&h.parent_hash),
                    timestamp: h.timestamp as i64,
                })
                .collect(),
            ..ChangeSet::default()
        },
        undo_from: batch.undo_from,
    };
    ctx.cs.events.reserve(batch.logs.len());
    let mut subjects = Vec::new();

    for log in batch.logs {
        let m = &log.meta;
        let (block, li) = (m.block_number as i64, m.log_index as i64);
        ctx.cs.events.push(Event {
            block_number: block,
            log_index: li,
            chain_id: chain_id as i64,
            block_hash: hex_b256(&m.block_hash),
            block_time: m.block_time as i64,
            tx_hash: hex_b256(&m.tx_hash),
            tx_index: m.tx_index as i64,
            contract: log.contract.to_owned(),
            address: hex_addr(&m.address),
            event: log.event.clone(),
            topic0: hex_b256(&log.topic0),
            args: log.args.to_string(),
        });
        for a in &log.addresses {
            ctx.cs.event_addresses.push(EventAddress {
                address: hex_addr(a),
                block_number: block,
                log_index: li,
            });
        }
        let tx = hex_b256(&m.tx_hash);
        let ts = m.block_time as i64;
        let subject = subject_of(&log.typed);
        match log.typed {
            Some(Typed::Projects(e)) => {
                apply_project(&mut projects, &mut ctx, m, &tx, ts, e);
            }
            Some(Typed::Mrv(e)) => apply_report(&mut reports, &mut ctx, m, &tx, ts, e),
            Some(Typed::Cru(e)) => {
                apply_cru(&mut tokens, &mut reports, &mut ctx, m, &tx, ts, e);
            }
            Some(Typed::Access(e)) => apply_role(&mut roles, &mut ctx, m, ts, e),
            None => {}
        }
        if let Some(s) = subject {
            subjects.push((block, li, s));
        }
    }
    // Resolved once the whole batch applied: a mint's Transfer comes before the CRUMinted that
    // creates its token, and a token's or report's project never changes.
    for (block, li, s) in subjects {
        let project_key = match s {
            Subject::Project(k) => Some(hex_b256(&k)),
            Subject::Report(id) => reports.get(&report_key(id)).map(|r| r.project_key.clone()),
            Subject::Token(id) => tokens.get(&token_key(id)).map(|t| t.project_key.clone()),
        };
        if let Some(project_key) = project_key {
            ctx.cs.event_projects.push(EventProject {
                project_key,
                block_number: block,
                log_index: li,
            });
        }
    }
    ctx.cs.projects = projects.mutations();
    ctx.cs.mrv_reports = reports.mutations();
    ctx.cs.tokens = tokens.mutations();
    ctx.cs.role_members = roles.mutations();
    Ok(ctx.cs)
}

fn document(hash: &B256, uri: &str, kind: &str) -> Document {
    Document {
        hash: hex_b256(hash),
        uri: uri.to_owned(),
        kind: kind.to_owned(),
        status: doc_status::PENDING.to_owned(),
        body: None,
        actual_hash: None,
        detail: None,
        attempts: 0,
        next_attempt_at: 0,
        checked_at: None,
    }
}

fn apply_project(
    cache: &mut Cache<Project>,
    ctx: &mut Ctx,
    m: &LogMeta,
    tx: &str,
    ts: i64,
    e: Projects,
) {
    let (block, li) = (m.block_number as i64, m.log_index as i64);
    match e {
        Projects::PDDRegistered(e) => {
            let key = hex_b256(&e.projectKey);
            let registered_at = e.timestamp as i64;
            cache.change(pk(&e.projectKey), m.block_number, ctx, |row| {
                *row = Some(Project {
                    project_key: key.clone(),
                    project_id: e.projectId.clone(),
                    developer: hex_addr(&e.developer),
                    status: "draft".into(),
                    version: 1,
                    pdd_hash: hex_b256(&e.pddHash),
                    pdd_uri: e.pddUri.clone(),
                    external_registry: e.externalRegistry.clone(),
                    external_project_id: e.externalProjectId.clone(),
                    validator: None,
                    validation_report: None,
                    justification: None,
                    crediting_start: None,
                    crediting_end: None,
                    decided_at: None,
                    archive_reason: None,
                    registered_block: block,
                    registered_tx: tx.to_owned(),
                    registered_at,
                    updated_block: block,
                    updated_at: ts,
                })
            });
            pdd_version(ctx, m, tx, key, 1, &e.pddHash, &e.pddUri, &e.developer);
        }
        Projects::PDDRevised(e) => {
            let key = pk(&e.projectKey);
            let known = cache.update(key, m, ctx, "project", hex_b256(&e.projectKey), |p| {
                p.version = i64::from(e.version);
                p.pdd_hash = hex_b256(&e.pddHash);
                p.pdd_uri = e.pddUri.clone();
                p.updated_block = block;
                p.updated_at = ts;
            });
            if !known {
                return;
            }
            let key = hex_b256(&e.projectKey);
            let version = i64::from(e.version);
            pdd_version(ctx, m, tx, key, version, &e.pddHash, &e.pddUri, &e.actor);
        }
        Projects::ProjectStatusChanged(e) => {
            let key = pk(&e.projectKey);
            let to = status(&PROJECT_STATUS, e.to);
            let known = cache.update(key, m, ctx, "project", hex_b256(&e.projectKey), |p| {
                p.status = to.clone();
                p.updated_block = block;
                p.updated_at = ts;
            });
            if !known {
                return;
            }
            ctx.cs.status_changes.push(StatusChange {
                block_number: block,
                log_index: li,
                project_key: hex_b256(&e.projectKey),
                from_status: status(&PROJECT_STATUS, e.from),
                to_status: to,
                actor: hex_addr(&e.actor),
                tx_hash: tx.to_owned(),
                timestamp: ts,
            });
        }
        Projects::ProjectValidated(e) => {
            let key = pk(&e.projectKey);
            let (start, end) = (
                ctx.int(m, "creditingStart", e.creditingStart),
                ctx.int(m, "creditingEnd", e.creditingEnd),
            );
            let known = cache.update(key, m, ctx, "project", hex_b256(&e.projectKey), |p| {
                p.validator = Some(hex_addr(&e.validator));
                p.validation_report = Some(hex_b256(&e.reportHash));
                p.justification = Some(e.justification.clone());
                p.crediting_start = Some(start);
                p.crediting_end = Some(end);
                p.decided_at = Some(ts);
            });
            if !known {
                return;
            }
            ctx.cs.decisions.push(Decision {
                report_hash: Some(hex_b256(&e.reportHash)),
                crediting_start: Some(start),
                crediting_end: Some(end),
                ..decision(
                    m,
                    tx,
                    &e.projectKey,
                    "validated",
                    &e.validator,
                    e.justification,
                )
            });
        }
        Projects::ProjectRejected(e) => {
            let key = pk(&e.projectKey);
            let known = cache.update(key, m, ctx, "project", hex_b256(&e.projectKey), |p| {
                p.validator = Some(hex_addr(&e.validator));
                p.validation_report = Some(hex_b256(&e.reportHash));
                p.justification = Some(e.justification.clone());
                p.decided_at = Some(ts);
            });
            if !known {
                return;
            }
            ctx.cs.decisions.push(Decision {
                report_hash: Some(hex_b256(&e.reportHash)),
                ..decision(
                    m,
                    tx,
                    &e.projectKey,
                    "rejected",
                    &e.validator,
                    e.justification,
                )
            });
        }
        Projects::ProjectArchived(e) => {
            let key = pk(&e.projectKey);
            let known = cache.update(key, m, ctx, "project", hex_b256(&e.projectKey), |p| {
                p.archive_reason = Some(e.reason.clone());
            });
            if !known {
                return;
            }
            ctx.cs.decisions.push(decision(
                m,
                tx,
                &e.projectKey,
                "archived",
                &e.actor,
                e.reason,
            ));
        }
    }
}

/// A project decision without report or crediting period (callers add what they have).
fn decision(
    m: &LogMeta,
    tx: &str,
    project_key: &B256,
    kind: &str,
    actor: &Address,
    justification: String,
) -> Decision {
    Decision {
        block_number: m.block_number as i64,
        log_index: m.log_index as i64,
        project_key: hex_b256(project_key),
        decision: kind.to_owned(),
        actor: hex_addr(actor),
        report_hash: None,
        justification,
        crediting_start: None,
        crediting_end: None,
        tx_hash: tx.to_owned(),
        timestamp: m.block_time as i64,
    }
}

/// A PDD version row, and its document queued for verification.
#[allow(clippy::too_many_arguments)]
fn pdd_version(
    ctx: &mut Ctx,
    m: &LogMeta,
    tx: &str,
    project_key: String,
    version: i64,
    hash: &B256,
    uri: &str,
    actor: &Address,
) {
    ctx.cs.pdd_versions.push(PddVersion {
        project_key,
        version,
        pdd_hash: hex_b256(hash),
        pdd_uri: uri.to_owned(),
        actor: hex_addr(actor),
        block_number: m.block_number as i64,
        log_index: m.log_index as i64,
        tx_hash: tx.to_owned(),
        timestamp: m.block_time as i64,
    });
    ctx.cs.documents.push(document(hash, uri, "pdd"));
}

fn unknown(ctx: &mut Ctx, m: &LogMeta, what: &str, id: String) {
    ctx.problem(
        m,
        &format!("unknown_{what}"),
        id.clone(),
        format!("event refers to {what} {id}, which no earlier event created"),
    );
}

fn apply_report(
    cache: &mut Cache<MrvReport>,
    ctx: &mut Ctx,
    m: &LogMeta,
    tx: &str,
    ts: i64,
    e: Mrv,
) {
    let block = m.block_number as i64;
    match e {
        Mrv::MRVSubmitted(e) => {
            let id = ctx.int(m, "mrvId", e.mrvId);
            let (start, end) = (
                ctx.int(m, "periodStart", e.periodStart),
                ctx.int(m, "periodEnd", e.periodEnd),
            );
            cache.change(report_key(e.mrvId), m.block_number, ctx, |row| {
                *row = Some(MrvReport {
                    mrv_id: id,
                    project_key: hex_b256(&e.projectKey),
                    submitter: hex_addr(&e.submitter),
                    mrv_hash: hex_b256(&e.mrvHash),
                    dataset_commitment: hex_b256(&e.datasetCommitment),
                    period_start: start,
                    period_end: end,
                    uri: e.uri.clone(),
                    status: "submitted".into(),
                    submitted_block: block,
                    submitted_tx: tx.to_owned(),
                    submitted_at: ts,
                    verifier: None,
                    verified_kg: None,
                    verification_report_hash: None,
                    attestation_digest: None,
                    relayer: None,
                    attestation: None,
                    signature: None,
                    decided_block: None,
                    decided_tx: None,
                    decided_at: None,
                    issued_tonnes: 0,
                    buffer_tonnes: 0,
                })
            });
            ctx.cs.documents.push(document(&e.mrvHash, &e.uri, "mrv"));
        }
        Mrv::MRVVerified(e) => {
            let key = report_key(e.mrvId);
            cache.update(key, m, ctx, "report", e.mrvId.to_string(), |r| {
                r.status = status(&MRV_STATUS, 2);
                r.verifier = Some(hex_addr(&e.verifier));
                r.verified_kg = Some(e.amountKg.to_string());
                r.verification_report_hash = Some(hex_b256(&e.verificationReportHash));
                r.attestation_digest =
                    (!e.attestationDigest.is_zero()).then(|| hex_b256(&e.attestationDigest));
                r.decided_block = Some(block);
                r.decided_tx = Some(tx.to_owned());
                r.decided_at = Some(ts);
            });
        }
        Mrv::MRVRejected(e) => {
            let key = report_key(e.mrvId);
            cache.update(key, m, ctx, "report", e.mrvId.to_string(), |r| {
                r.status = status(&MRV_STATUS, 3);
                r.verifier = Some(hex_addr(&e.verifier));
                r.verification_report_hash = Some(hex_b256(&e.verificationReportHash));
                r.attestation_digest =
                    (!e.attestationDigest.is_zero()).then(|| hex_b256(&e.attestationDigest));
                r.decided_block = Some(block);
                r.decided_tx = Some(tx.to_owned());
                r.decided_at = Some(ts);
            });
        }
        Mrv::MRVAttestationAccepted(e) => {
            let key = report_key(e.mrvId);
            let a = &e.attestation;
            let attestation = serde_json::json!({
                "verifierId": a.verifierId,
                "scope": {
                    "projectId": a.scope.projectId,
                    "methodologyVersion": a.scope.methodologyVersion,
                    "reportingPeriod": a.scope.reportingPeriod,
                },
                "commitmentHash": hex_b256(&a.commitmentHash),
                "outcome": a.outcome,
                "attestedAt": a.attestedAt,
                "verifiedAmountKg": a.verifiedAmountKg.to_string(),
                "verificationReportHash": hex_b256(&a.verificationReportHash),
            })
            .to_string();
            cache.update(key, m, ctx, "report", e.mrvId.to_string(), |r| {
                r.relayer = Some(hex_addr(&e.relayer));
                r.attestation = Some(attestation);
                r.signature = Some(format!("0x{}", hex::encode(&e.signature)));
                r.attestation_digest = Some(hex_b256(&e.digest));
            });
        }
        _ => {}
    }
}

#[allow(clippy::too_many_arguments)]
fn apply_cru(
    tokens: &mut Cache<Token>,
    reports: &mut Cache<MrvReport>,
    ctx: &mut Ctx,
    m: &LogMeta,
    tx: &str,
    ts: i64,
    e: Cru,
) {
    let (block, li) = (m.block_number as i64, m.log_index as i64);
    match e {
        Cru::Transfer(e) => {
            let id = ctx.int(m, "tokenId", e.tokenId);
            ctx.cs.transfers.push(Transfer {
                block_number: block,
                log_index: li,
                token_id: id,
                from_address: hex_addr(&e.from),
                to_address: hex_addr(&e.to),
                tx_hash: tx.to_owned(),
                timestamp: ts,
            });
            // Mints are followed by CRUMinted / CRUSplit, which create the row.
            if !e.from.is_zero() {
                let key = token_key(e.tokenId);
                tokens.update(key, m, ctx, "token", e.tokenId.to_string(), |t| {
                    t.owner = hex_addr(&e.to);
                    t.updated_block = block;
                    t.updated_at = ts;
                });
            }
        }
        Cru::CRUMinted(e) => {
            let id = ctx.int(m, "tokenId", e.tokenId);
            let u = &e.unit;
            let (serial, amount) = (
                ctx.int(m, "serialStart", u.serialStart),
                ctx.int(m, "amount", u.amount),
            );
            let mrv_id = ctx.int(m, "mrvId", e.mrvId);
            let (start, end) = (
                ctx.int(m, "periodStart", e.periodStart),
                ctx.int(m, "periodEnd", e.periodEnd),
            );
            let is_buffer = status(&UNIT_STATUS, u.status) == "buffer";
            tokens.change(token_key(e.tokenId), m.block_number, ctx, |row| {
                *row = Some(Token {
                    token_id: id,
                    mrv_id,
                    project_key: hex_b256(&e.projectKey),
                    owner: hex_addr(&e.to),
                    serial_start: serial,
                    amount,
                    vintage: i64::from(u.vintage),
                    status: status(&UNIT_STATUS, u.status),
                    labels: i64::from(u.labels),
                    itmo_reference: e.itmoReference.clone(),
                    period_start: start,
                    period_end: end,
                    parent_token_id: None,
                    minted_block: block,
                    minted_tx: tx.to_owned(),
                    minted_at: ts,
                    updated_block: block,
                    updated_at: ts,
                })
            });
            let key = report_key(e.mrvId);
            reports.update(key, m, ctx, "report", e.mrvId.to_string(), |r| {
                if is_buffer {
                    r.buffer_tonnes = r.buffer_tonnes.saturating_add(amount);
                } else {
                    r.issued_tonnes = r.issued_tonnes.saturating_add(amount);
                }
            });
        }
        Cru::CRUSplit(e) => {
            let key = token_key(e.tokenId);
            let Some(parent) = tokens.get(&key).cloned() else {
                return unknown(ctx, m, "token", e.tokenId.to_string());
            };
            let new_id = ctx.int(m, "tokenId", e.newTokenId);
            let (serial, amount) = (
                ctx.int(m, "serialStart", e.newSerialStart),
                ctx.int(m, "amount", e.amount),
            );
            tokens.change(key, m.block_number, ctx, |row| {
                if let Some(t) = row {
                    t.amount -= amount;
                    t.updated_block = block;
                    t.updated_at = ts;
                }
            });
            tokens.change(token_key(e.newTokenId), m.block_number, ctx, |row| {
                *row = Some(Token {
                    token_id: new_id,
                    owner: hex_addr(&e.owner),
                    serial_start: serial,
                    amount,
                    // The contract copies the ITMO reference only for Article 6 units.
                    itmo_reference: if parent.labels & 2 != 0 {
                        parent.itmo_reference.clone()
                    } else {
                        String::new()
                    },
                    parent_token_id: Some(parent.token_id),
                    minted_block: block,
                    minted_tx: tx.to_owned(),
                    minted_at: ts,
                    updated_block: block,
                    updated_at: ts,
                    ..parent.clone()
                })
            });
        }
        Cru::CRURetired(e) => {
            let key = token_key(e.tokenId);
            let id = ctx.int(m, "tokenId", e.tokenId);
            let (serial, amount) = (
                ctx.int(m, "serialStart", e.serialStart),
                ctx.int(m, "amount", e.amount),
            );
            let known = tokens.update(key, m, ctx, "token", e.tokenId.to_string(), |t| {
                t.status = "retired".into();
                t.updated_block = block;
                t.updated_at = ts;
            });
            if !known {
                return;
            }
            ctx.cs.retirements.push(Retirement {
                block_number: block,
                log_index: li,
                token_id: id,
                owner: hex_addr(&e.owner),
                actor: hex_addr(&e.actor),
                serial_start: serial,
                amount,
                reason_code: i64::from(e.info.reasonCode),
                beneficiary: e.info.beneficiary,
                beneficiary_id: e.info.beneficiaryId,
                detail: e.info.detail,
                tx_hash: tx.to_owned(),
                timestamp: ts,
            });
        }
        Cru::CRUCancelled(e) => {
            let key = token_key(e.tokenId);
            let id = ctx.int(m, "tokenId", e.tokenId);
            let amount = ctx.int(m, "amount", e.amount);
            let known = tokens.update(key, m, ctx, "token", e.tokenId.to_string(), |t| {
                t.status = "cancelled".into();
                t.updated_block = block;
                t.updated_at = ts;
            });
            if !known {
                return;
            }
            ctx.cs.cancellations.push(Cancellation {
                block_number: block,
                log_index: li,
                token_id: id,
                operator: hex_addr(&e.operator),
                amount,
                reason: e.reason,
                tx_hash: tx.to_owned(),
                timestamp: ts,
            });
        }
        Cru::CRULabelsUpdated(e) => {
            let key = token_key(e.tokenId);
            tokens.update(key, m, ctx, "token", e.tokenId.to_string(), |t| {
                t.labels = i64::from(e.labels);
                t.itmo_reference = e.itmoReference.clone();
                t.updated_block = block;
                t.updated_at = ts;
            });
        }
        _ => {}
    }
}

fn apply_role(cache: &mut Cache<RoleMember>, ctx: &mut Ctx, m: &LogMeta, ts: i64, e: Access) {
    match e {
        Access::RoleGranted(e) => {
            let key = role_key(&e.role, &e.account);
            let block = m.block_number as i64;
            cache.change(key, m.block_number, ctx, |row| {
                *row = Some(RoleMember {
                    role: role_name(e.role),
                    account: hex_addr(&e.account),
                    granted_by: hex_addr(&e.sender),
                    granted_block: block,
                    granted_at: ts,
                })
            });
        }
        Access::RoleRevoked(e) => {
            let key = role_key(&e.role, &e.account);
            cache.change(key, m.block_number, ctx, |row| *row = None);
        }
        _ => {}
    }
}
