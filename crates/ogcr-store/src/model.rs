//! The rows of every table (see `migrations/*/0001_initial.sql` for what each column means).

use crate::table::table;

table! {
    /// The deployment followed and the checkpoint.
    ChainState in "chain_state", key (id) {
        id: i64,
        chain_id: i64,
        access_control: String,
        project_registry: String,
        mrv_registry: String,
        carbon_removal_unit: String,
        deployment_block: i64,
        checkpoint_block: i64,
        checkpoint_hash: String,
        undo_floor: i64,
    }
}

table! {
    /// A canonical block inside the reorg window.
    Block in "blocks", key (number) {
        number: i64,
        hash: String,
        parent_hash: String,
        timestamp: i64,
    }
}

table! {
    /// One decoded log.
    Event in "events", key (block_number, log_index) {
        block_number: i64,
        log_index: i64,
        chain_id: i64,
        block_hash: String,
        block_time: i64,
        tx_hash: String,
        tx_index: i64,
        contract: String,
        address: String,
        event: String,
        topic0: String,
        args: String,
    }
}

table! {
    /// An address an event concerns.
    EventAddress in "event_addresses", key (address, block_number, log_index) {
        address: String,
        block_number: i64,
        log_index: i64,
    }
}

table! {
    /// A project an event concerns: named by its key (registry and MRV events), through its
    /// report (`mrvId`) or through its token (`tokenId`). What `/events?project_id=` reads.
    EventProject in "event_projects", key (project_key, block_number, log_index) {
        project_key: String,
        block_number: i64,
        log_index: i64,
    }
}

table! {
    /// A project's current state.
    Project in "projects", key (project_key) {
        project_key: String,
        project_id: String,
        developer: String,
        status: String,
        version: i64,
        pdd_hash: String,
        pdd_uri: String,
        external_registry: String,
        external_project_id: String,
        validator: Option<String>,
        validation_report: Option<String>,
        justification: Option<String>,
        crediting_start: Option<i64>,
        crediting_end: Option<i64>,
        decided_at: Option<i64>,
        archive_reason: Option<String>,
        registered_block: i64,
        registered_tx: String,
        registered_at: i64,
        updated_block: i64,
        updated_at: i64,
    }
}

table! {
    /// A lifecycle transition.
    StatusChange in "project_status_history", key (block_number, log_index) {
        block_number: i64,
        log_index: i64,
        project_key: String,
        from_status: String,
        to_status: String,
        actor: String,
        tx_hash: String,
        timestamp: i64,
    }
}

table! {
    /// A validation, rejection or archiving decision.
    Decision in "project_decisions", key (block_number, log_index) {
        block_number: i64,
        log_index: i64,
        project_key: String,
        decision: String,
        actor: String,
        report_hash: Option<String>,
        justification: String,
        crediting_start: Option<i64>,
        crediting_end: Option<i64>,
        tx_hash: String,
        timestamp: i64,
    }
}

table! {
    /// A PDD version.
    PddVersion in "pdd_versions", key (project_key, version) {
        project_key: String,
        version: i64,
        pdd_hash: String,
        pdd_uri: String,
        actor: String,
        block_number: i64,
        log_index: i64,
        tx_hash: String,
        timestamp: i64,
    }
}

table! {
    /// A monitoring report's current state.
    MrvReport in "mrv_reports", key (mrv_id) {
        mrv_id: i64,
        project_key: String,
        submitter: String,
        mrv_hash: String,
        dataset_commitment: String,
        period_start: i64,
        period_end: i64,
        uri: String,
        status: String,
        submitted_block: i64,
        submitted_tx: String,
        submitted_at: i64,
        verifier: Option<String>,
        verified_kg: Option<String>,
        verification_report_hash: Option<String>,
        attestation_digest: Option<String>,
        relayer: Option<String>,
        attestation: Option<String>,
        signature: Option<String>,
        decided_block: Option<i64>,
        decided_tx: Option<String>,
        decided_at: Option<i64>,
        issued_tonnes: i64,
        buffer_tonnes: i64,
    }
}

table! {
    /// A CRU token's current state.
    Token in "tokens", key (token_id) {
        token_id: i64,
        mrv_id: i64,
        project_key: String,
        owner: String,
        serial_start: i64,
        amount: i64,
        vintage: i64,
        status: String,
        labels: i64,
        itmo_reference: String,
        period_start: i64,
        period_end: i64,
        parent_token_id: Option<i64>,
        minted_block: i64,
        minted_tx: String,
        minted_at: i64,
        updated_block: i64,
        updated_at: i64,
    }
}

table! {
    /// An ERC-721 transfer.
    Transfer in "transfers", key (block_number, log_index) {
        block_number: i64,
        log_index: i64,
        token_id: i64,
        from_address: String,
        to_address: String,
        tx_hash: String,
        timestamp: i64,
    }
}

table! {
    /// A retirement.
    Retirement in "retirements", key (block_number, log_index) {
        block_number: i64,
        log_index: i64,
        token_id: i64,
        owner: String,
        actor: String,
        serial_start: i64,
        amount: i64,
        reason_code: i64,
        beneficiary: String,
        beneficiary_id: String,
        detail: String,
        tx_hash: String,
        timestamp: i64,
    }
}

table! {
    /// A cancellation.
    Cancellation in "cancellations", key (block_number, log_index) {
        block_number: i64,
        log_index: i64,
        token_id: i64,
        operator: String,
        amount: i64,
        reason: String,
        tx_hash: String,
        timestamp: i64,
    }
}

table! {
    /// A current role holder.
    RoleMember in "role_members", key (role, account) {
        role: String,
        account: String,
        granted_by: String,
        granted_block: i64,
        granted_at: i64,
    }
}

table! {
    /// The state of a row before a block inside the reorg window changed it.
    Undo in "undo_log", key (seq) {
        seq: i64,
        block_number: i64,
        table_name: String,
        row_key: String,
        previous: Option<String>,
    }
}

table! {
    /// An integrity problem in chain data.
    Problem in "problems", key (block_number, log_index, kind) {
        block_number: i64,
        log_index: i64,
        kind: String,
        subject: String,
        detail: String,
    }
}

table! {
    /// An off-chain document referenced on chain.
    Document in "documents", key (hash, uri) {
        hash: String,
        uri: String,
        kind: String,
        status: String,
        body: Option<String>,
        actual_hash: Option<String>,
        detail: Option<String>,
        attempts: i64,
        next_attempt_at: i64,
        checked_at: Option<i64>,
    }
}

table! {
    /// Searchable facts of a verified PDD (see `migrations/*/0002_pdd_facts.sql`).
    PddFacts in "pdd_facts", key (hash) {
        hash: String,
        name: String,
        project_type: String,
        methodology_id: Option<String>,
        methodology_version: Option<String>,
        actor_id: String,
        creation_date: Option<String>,
        west_e7: Option<i64>,
        south_e7: Option<i64>,
        east_e7: Option<i64>,
        north_e7: Option<i64>,
        country: Option<String>,
    }
}

/// Status of a document.
pub mod doc_status {
    /// Not fetched yet, or to be retried.
    pub const PENDING: &str = "pending";
    /// Fetched; the SHA-256 of its canonical form equals the on-chain hash.
    pub const VERIFIED: &str = "verified";
    /// Fetched, but its hash differs from the on-chain hash.
    pub const MISMATCH: &str = "mismatch";
    /// Fetched, but not a JSON document CS-01 can canonicalise.
    pub const INVALID: &str = "invalid";
    /// Could not be fetched (yet); retried with backoff.
    pub const UNREACHABLE: &str = "unreachable";
}
