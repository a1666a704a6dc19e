//! Rows and batches shared by the tests: small, deterministic, one builder per table.

use ogcr_store::{
    Block, Cancellation, ChainState, ChangeSet, Decision, Document, Event, EventAddress, MrvReport,
    Mutation, PddVersion, Problem, Project, Retirement, RoleMember, StatusChange, Store, Table,
    Token, Transfer, doc_status, write::undo_record,
};

/// The first block of the test deployment.
pub(crate) const DEPLOYMENT_BLOCK: i64 = 10;

/// `0x` and 64 hex digits derived from a tag and a number.
pub(crate) fn hash(tag: u8, n: i64) -> String {
    format!("0x{tag:02x}{n:062x}")
}

/// `0x` and 40 hex digits derived from a number.
pub(crate) fn address(n: i64) -> String {
    format!("0x{n:040x}")
}

/// The deployment the tests index, before its first batch.
pub(crate) fn chain_state() -> ChainState {
    ChainState {
        id: 1,
        chain_id: 31337,
        access_control: address(0xac),
        project_registry: address(0x9e),
        mrv_registry: address(0x3e),
        carbon_removal_unit: address(0xc0),
        deployment_block: DEPLOYMENT_BLOCK,
        checkpoint_block: DEPLOYMENT_BLOCK - 1,
        checkpoint_hash: String::new(),
        undo_floor: DEPLOYMENT_BLOCK - 1,
    }
}

/// Block `n` of the canonical chain.
pub(crate) fn block(n: i64) -> Block {
    Block {
        number: n,
        hash: hash(0xb1, n),
        parent_hash: hash(0xb1, n - 1),
        timestamp: 1_700_000_000 + 12 * n,
    }
}

/// An empty batch of blocks `from..=to` that keeps every block above the deployment undoable.
pub(crate) fn batch(from: i64, to: i64) -> ChangeSet {
    ChangeSet {
        from_block: from,
        to_block: to,
        to_hash: block(to).hash,
        undo_floor: DEPLOYMENT_BLOCK - 1,
        blocks: (from..=to).map(block).collect(),
        ..ChangeSet::default()
    }
}

/// Log `log` of block `n`.
pub(crate) fn event(n: i64, log: i64, name: &str) -> Event {
    Event {
        block_number: n,
        log_index: log,
        chain_id: 31337,
        block_hash: block(n).hash,
        block_time: block(n).timestamp,
        tx_hash: hash(0x7a, n * 1000 + log),
        tx_index: log / 2,
        contract: "ProjectRegistry".into(),
        address: address(0x9e),
        event: name.into(),
        topic0: hash(0x70, log),
        args: format!(r#"{{"block":{n},"log":{log}}}"#),
    }
}

/// A project as registered (`status` and `version` as given) and last changed in block `n`.
pub(crate) fn project(key: i64, status: &str, version: i64, n: i64) -> Project {
    Project {
        project_key: hash(0x9a, key),
        project_id: format!("OGCR-P-{key:04}"),
        developer: address(0xde),
        status: status.into(),
        version,
        pdd_hash: hash(0xdd, key * 100 + version),
        pdd_uri: format!("ipfs://pdd-{key}-{version}"),
        external_registry: "verra".into(),
        external_project_id: format!("VCS-{key}"),
        validator: (status != "registered").then(|| address(0x7a)),
        validation_report: (status != "registered").then(|| hash(0x7e, key)),
        justification: None,
        crediting_start: (status != "registered").then_some(1_700_000_000),
        crediting_end: (status != "registered").then_some(1_900_000_000),
        decided_at: (status != "registered").then_some(block(n).timestamp),
        archive_reason: (status == "archived").then(|| "ended".into()),
        registered_block: DEPLOYMENT_BLOCK,
        registered_tx: hash(0x7a, key),
        registered_at: block(DEPLOYMENT_BLOCK).timestamp,
        updated_block: n,
        updated_at: block(n).timestamp,
    }
}

/// Report `id` of project `key`, as of block `n`.
pub(crate) fn report(id: i64, key: i64, status: &str, n: i64) -> MrvReport {
    let verified = status == "verified";
    MrvReport {
        mrv_id: id,
        project_key: hash(0x9a, key),
        submitter: address(0xde),
        mrv_hash: hash(0x3a, id),
        dataset_commitment: hash(0x3d, id),
        period_start: 1_700_000_000,
        period_end: 1_731_536_000,
        uri: format!("ipfs://mrv-{id}"),
        status: status.into(),
        submitted_block: n,
        submitted_tx: hash(0x7a, id),
        submitted_at: block(n).timestamp,
        verifier: verified.then(|| address(0x5e)),
        verified_kg: verified.then(|| "123456789012345678901234567890".into()),
        verification_report_hash: verified.then(|| hash(0x5a, id)),
        attestation_digest: verified.then(|| hash(0x5d, id)),
        relayer: None,
        attestation: verified.then(|| "{}".into()),
        signature: verified.then(|| "0x".into()),
        decided_block: verified.then_some(n),
        decided_tx: verified.then(|| hash(0x7b, id)),
        decided_at: verified.then_some(block(n).timestamp),
        issued_tonnes: if verified { 120 } else { 0 },
        buffer_tonnes: if verified { 3 } else { 0 },
    }
}

/// Token `id` owned by `owner`, last changed in block `n`.
pub(crate) fn token(id: i64, owner: i64, status: &str, n: i64) -> Token {
    Token {
        token_id: id,
        mrv_id: 1,
        project_key: hash(0x9a, 1),
        owner: address(owner),
        serial_start: id * 1000,
        amount: 100,
        vintage: 2024,
        status: status.into(),
        labels: 0,
        itmo_reference: String::new(),
        period_start: 1_700_000_000,
        period_end: 1_731_536_000,
        parent_token_id: (id > 1).then_some(1),
        minted_block: DEPLOYMENT_BLOCK,
        minted_tx: hash(0x7a, id),
        minted_at: block(DEPLOYMENT_BLOCK).timestamp,
        updated_block: n,
        updated_at: block(n).timestamp,
    }
}

/// `account` holds `role` since block `n`.
pub(crate) fn member(role: &str, account: i64, n: i64) -> RoleMember {
    RoleMember {
        role: role.into(),
        account: address(account),
        granted_by: address(0xad),
        granted_block: n,
        granted_at: block(n).timestamp,
    }
}

/// A document referenced on chain, due at `next_attempt_at`.
pub(crate) fn document(n: i64, status: &str, next_attempt_at: i64) -> Document {
    Document {
        hash: hash(0xd0, n),
        uri: format!("ipfs://doc-{n}"),
        kind: "pdd".into(),
        status: status.into(),
        body: None,
        actual_hash: None,
        detail: None,
        attempts: 0,
        next_attempt_at,
        checked_at: None,
    }
}

/// One batch (blocks 10..=11) with rows in every table the commit writes.
pub(crate) fn full_batch() -> ChangeSet {
    let (a, b) = (10, 11);
    let mut cs = batch(a, b);
    cs.events = vec![
        event(a, 0, "ProjectRegistered"),
        event(a, 1, "Transfer"),
        event(b, 0, "Retired"),
        event(b, 1, "Cancelled"),
        event(b, 2, "RoleGranted"),
    ];
    cs.event_addresses = vec![
        EventAddress {
            address: address(0xde),
            block_number: a,
            log_index: 0,
        },
        EventAddress {
            address: address(0xa1),
            block_number: a,
            log_index: 1,
        },
    ];
    cs.status_changes = vec![StatusChange {
        block_number: a,
        log_index: 0,
        project_key: hash(0x9a, 1),
        from_status: String::new(),
        to_status: "registered".into(),
        actor: address(0xde),
        tx_hash: hash(0x7a, 1),
        timestamp: block(a).timestamp,
    }];
    cs.decisions = vec![Decision {
        block_number: b,
        log_index: 3,
        project_key: hash(0x9a, 1),
        decision: "validated".into(),
        actor: address(0x7a),
        report_hash: Some(hash(0x7e, 1)),
        justification: "meets the methodology".into(),
        crediting_start: Some(1_700_000_000),
        crediting_end: None,
        tx_hash: hash(0x7a, 2),
        timestamp: block(b).timestamp,
    }];
    cs.pdd_versions = vec![PddVersion {
        project_key: hash(0x9a, 1),
        version: 1,
        pdd_hash: hash(0xdd, 101),
        pdd_uri: "ipfs://pdd-1-1".into(),
        actor: address(0xde),
        block_number: a,
        log_index: 0,
        tx_hash: hash(0x7a, 1),
        timestamp: block(a).timestamp,
    }];
    cs.transfers = vec![Transfer {
        block_number: a,
        log_index: 1,
        token_id: 1,
        from_address: address(0),
        to_address: address(0xa1),
        tx_hash: hash(0x7a, 3),
        timestamp: block(a).timestamp,
    }];
    cs.retirements = vec![Retirement {
        block_number: b,
        log_index: 0,
        token_id: 1,
        owner: address(0xa1),
        actor: address(0xa1),
        serial_start: 1000,
        amount: 40,
        reason_code: 2,
        beneficiary: "Acme — ünïcode".into(),
        beneficiary_id: "LEI-1".into(),
        detail: "it's \"quoted\"; DROP TABLE tokens; --".into(),
        tx_hash: hash(0x7a, 4),
        timestamp: block(b).timestamp,
    }];
    cs.cancellations = vec![Cancellation {
        block_number: b,
        log_index: 1,
        token_id: 2,
        operator: address(0xad),
        amount: 5,
        reason: "double counting".into(),
        tx_hash: hash(0x7a, 5),
        timestamp: block(b).timestamp,
    }];
    cs.problems = vec![Problem {
        block_number: b,
        log_index: 1,
        kind: "amount_out_of_range".into(),
        subject: "token 2".into(),
        detail: "amount exceeds 2^63".into(),
    }];
    cs.projects = vec![Mutation::Upsert(project(1, "validated", 1, b))];
    cs.mrv_reports = vec![Mutation::Upsert(report(1, 1, "submitted", b))];
    cs.tokens = vec![
        Mutation::Upsert(token(1, 0xa1, "retired", b)),
        Mutation::Upsert(token(2, 0xa1, "cancelled", b)),
    ];
    cs.role_members = vec![Mutation::Upsert(member("MINTER", 0xa1, a))];
    cs.undo = vec![
        undo_record::<Project>(a, project(1, "registered", 1, a).key(), None),
        undo_record::<Token>(a, token(1, 0xa1, "active", a).key(), None),
        undo_record::<Token>(a, token(2, 0xa1, "active", a).key(), None),
        undo_record::<RoleMember>(a, member("MINTER", 0xa1, a).key(), None),
        undo_record::<MrvReport>(b, report(1, 1, "submitted", b).key(), None),
    ];
    cs.documents = vec![document(1, doc_status::PENDING, 0)];
    cs
}

/// Every row of `T`, panicking with the backend's name on failure.
pub(crate) async fn rows<T: Table>(name: &str, store: &Store) -> Vec<T> {
    store
        .all::<T>()
        .await
        .unwrap_or_else(|e| panic!("{name}: reading {}: {e}", T::TABLE))
}

/// The stored chain state, which must exist.
pub(crate) async fn state(name: &str, store: &Store) -> ChainState {
    store
        .chain_state()
        .await
        .unwrap_or_else(|e| panic!("{name}: reading the chain state: {e}"))
        .unwrap_or_else(|| panic!("{name}: no chain state stored"))
}

/// A store that follows the test deployment, before its first batch.
pub(crate) async fn init(name: &str, store: &Store) {
    store
        .init_chain_state(&chain_state())
        .await
        .unwrap_or_else(|e| panic!("{name}: init_chain_state: {e}"));
}

/// Commits `cs`, panicking with the backend's name on failure.
pub(crate) async fn commit(name: &str, store: &Store, cs: &ChangeSet) {
    store.commit(cs).await.unwrap_or_else(|e| {
        panic!(
            "{name}: commit of blocks {}..={}: {e}",
            cs.from_block, cs.to_block
        )
    });
}

/// The store's [`Store::dump`], panicking with the backend's name on failure.
pub(crate) async fn dump(name: &str, store: &Store) -> Vec<(String, Vec<String>)> {
    store
        .dump()
        .await
        .unwrap_or_else(|e| panic!("{name}: dump: {e}"))
}

/// The minter role.
pub(crate) const MINTER: &str = "MINTER_ROLE";
/// The verifier role.
pub(crate) const VERIFIER: &str = "VERIFIER_ROLE";
/// An account.
pub(crate) const ALICE: i64 = 0xa1;
/// An account.
pub(crate) const BOB: i64 = 0xb0;
/// An account.
pub(crate) const CAROL: i64 = 0xca;

/// Three one-block batches (blocks 10, 11, 12) in which projects, reports, tokens and roles
/// change, each change with its undo record, as the indexer would write them.
///
/// - 10: project 1 registered; token 1 minted to Alice; Alice made minter.
/// - 11: project 1 validated; token 1 to Bob; token 2 minted to Bob; Alice's minter role
///   revoked; Bob made verifier; report 1 submitted.
/// - 12: project 1 gets PDD v2; project 2 registered; token 1 to Carol then retired (two
///   changes of one row in one block); token 2 cancelled and deleted; Alice minter again;
///   report 1 verified.
pub(crate) fn history() -> [ChangeSet; 3] {
    let mut b10 = batch(10, 10);
    b10.events = vec![
        event(10, 0, "ProjectRegistered"),
        event(10, 1, "Transfer"),
        event(10, 2, "RoleGranted"),
    ];
    b10.event_addresses = vec![EventAddress {
        address: address(ALICE),
        block_number: 10,
        log_index: 1,
    }];
    b10.status_changes = vec![status_change(10, 0, 1, "", "registered")];
    b10.pdd_versions = vec![pdd_version(1, 1, 10, 0)];
    b10.transfers = vec![transfer(10, 1, 1, 0, ALICE)];
    b10.projects = vec![Mutation::Upsert(project(1, "registered", 1, 10))];
    b10.tokens = vec![Mutation::Upsert(token(1, ALICE, "active", 10))];
    b10.role_members = vec![Mutation::Upsert(member(MINTER, ALICE, 10))];
    b10.undo = vec![
        undo_record::<Project>(10, project(1, "registered", 1, 10).key(), None),
        undo_record::<Token>(10, token(1, ALICE, "active", 10).key(), None),
        undo_record::<RoleMember>(10, member(MINTER, ALICE, 10).key(), None),
    ];
    b10.documents = vec![document(1, doc_status::PENDING, 0)];

    let mut b11 = batch(11, 11);
    b11.events = (0..5).map(|i| event(11, i, "Changed")).collect();
    b11.event_addresses = vec![
        EventAddress {
            address: address(BOB),
            block_number: 11,
            log_index: 1,
        },
        EventAddress {
            address: address(ALICE),
            block_number: 11,
            log_index: 1,
        },
    ];
    b11.status_changes = vec![status_change(11, 0, 1, "registered", "validated")];
    b11.decisions = vec![Decision {
        block_number: 11,
        log_index: 0,
        project_key: hash(0x9a, 1),
        decision: "validated".into(),
        actor: address(0x7a),
        report_hash: Some(hash(0x7e, 1)),
        justification: "ok".into(),
        crediting_start: Some(1_700_000_000),
        crediting_end: Some(1_900_000_000),
        tx_hash: hash(0x7a, 11),
        timestamp: block(11).timestamp,
    }];
    b11.transfers = vec![transfer(11, 1, 1, ALICE, BOB), transfer(11, 2, 2, 0, BOB)];
    b11.projects = vec![Mutation::Upsert(project(1, "validated", 1, 11))];
    b11.mrv_reports = vec![Mutation::Upsert(report(1, 1, "submitted", 11))];
    b11.tokens = vec![
        Mutation::Upsert(token(1, BOB, "active", 11)),
        Mutation::Upsert(token(2, BOB, "active", 11)),
    ];
    b11.role_members = vec![
        Mutation::Delete(member(MINTER, ALICE, 10).key()),
        Mutation::Upsert(member(VERIFIER, BOB, 11)),
    ];
    b11.undo = vec![
        undo_record(
            11,
            project(1, "", 0, 0).key(),
            Some(&project(1, "registered", 1, 10)),
        ),
        undo_record::<MrvReport>(11, report(1, 1, "", 0).key(), None),
        undo_record(
            11,
            token(1, 0, "", 0).key(),
            Some(&token(1, ALICE, "active", 10)),
        ),
        undo_record::<Token>(11, token(2, 0, "", 0).key(), None),
        undo_record(
            11,
            member(MINTER, ALICE, 0).key(),
            Some(&member(MINTER, ALICE, 10)),
        ),
        undo_record::<RoleMember>(11, member(VERIFIER, BOB, 0).key(), None),
    ];
    b11.documents = vec![document(2, doc_status::PENDING, 0)];

    let mut b12 = batch(12, 12);
    b12.events = (0..6).map(|i| event(12, i, "Changed")).collect();
    b12.event_addresses = vec![EventAddress {
        address: address(CAROL),
        block_number: 12,
        log_index: 1,
    }];
    b12.status_changes = vec![status_change(12, 3, 2, "", "registered")];
    b12.pdd_versions = vec![pdd_version(1, 2, 12, 0), pdd_version(2, 1, 12, 3)];
    b12.transfers = vec![transfer(12, 1, 1, BOB, CAROL)];
    b12.retirements = vec![Retirement {
        block_number: 12,
        log_index: 2,
        token_id: 1,
        owner: address(CAROL),
        actor: address(CAROL),
        serial_start: 1000,
        amount: 100,
        reason_code: 1,
        beneficiary: "Carol".into(),
        beneficiary_id: String::new(),
        detail: String::new(),
        tx_hash: hash(0x7a, 122),
        timestamp: block(12).timestamp,
    }];
    b12.cancellations = vec![Cancellation {
        block_number: 12,
        log_index: 4,
        token_id: 2,
        operator: address(0xad),
        amount: 100,
        reason: "duplicate".into(),
        tx_hash: hash(0x7a, 124),
        timestamp: block(12).timestamp,
    }];
    b12.problems = vec![Problem {
        block_number: 12,
        log_index: 4,
        kind: "cancelled_twice".into(),
        subject: "token 2".into(),
        detail: "already cancelled".into(),
    }];
    b12.projects = vec![
        Mutation::Upsert(project(1, "validated", 2, 12)),
        Mutation::Upsert(project(2, "registered", 1, 12)),
    ];
    b12.mrv_reports = vec![Mutation::Upsert(report(1, 1, "verified", 12))];
    b12.tokens = vec![
        Mutation::Upsert(token(1, CAROL, "retired", 12)),
        Mutation::Delete(token(2, 0, "", 0).key()),
    ];
    b12.role_members = vec![Mutation::Upsert(member(MINTER, ALICE, 12))];
    b12.undo = vec![
        undo_record(
            12,
            project(1, "", 0, 0).key(),
            Some(&project(1, "validated", 1, 11)),
        ),
        undo_record::<Project>(12, project(2, "", 0, 0).key(), None),
        undo_record(
            12,
            report(1, 1, "", 0).key(),
            Some(&report(1, 1, "submitted", 11)),
        ),
        undo_record(
            12,
            token(1, 0, "", 0).key(),
            Some(&token(1, BOB, "active", 11)),
        ),
        undo_record(
            12,
            token(1, 0, "", 0).key(),
            Some(&token(1, CAROL, "active", 12)),
        ),
        undo_record(
            12,
            token(2, 0, "", 0).key(),
            Some(&token(2, BOB, "active", 11)),
        ),
        undo_record::<RoleMember>(12, member(MINTER, ALICE, 0).key(), None),
    ];
    [b10, b11, b12]
}

/// A lifecycle transition of project `key` at log `log` of block `n`.
pub(crate) fn status_change(n: i64, log: i64, key: i64, from: &str, to: &str) -> StatusChange {
    StatusChange {
        block_number: n,
        log_index: log,
        project_key: hash(0x9a, key),
        from_status: from.into(),
        to_status: to.into(),
        actor: address(0xde),
        tx_hash: hash(0x7a, n * 1000 + log),
        timestamp: block(n).timestamp,
    }
}

/// PDD `version` of project `key` at log `log` of block `n`.
pub(crate) fn pdd_version(key: i64, version: i64, n: i64, log: i64) -> PddVersion {
    PddVersion {
        project_key: hash(0x9a, key),
        version,
        pdd_hash: hash(0xdd, key * 100 + version),
        pdd_uri: format!("ipfs://pdd-{key}-{version}"),
        actor: address(0xde),
        block_number: n,
        log_index: log,
        tx_hash: hash(0x7a, n * 1000 + log),
        timestamp: block(n).timestamp,
    }
}

/// Token `id` moved from `from` to `to` (0: the zero address) at log `log` of block `n`.
pub(crate) fn transfer(n: i64, log: i64, id: i64, from: i64, to: i64) -> Transfer {
    Transfer {
        block_number: n,
        log_index: log,
        token_id: id,
        from_address: address(from),
        to_address: address(to),
        tx_hash: hash(0x7a, n * 1000 + log),
        timestamp: block(n).timestamp,
    }
}
