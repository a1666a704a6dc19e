-- ogcr indexer schema, PostgreSQL. Mirrors migrations/sqlite/0001_initial.sql column for column.
-- Conventions: addresses and hashes are lowercase 0x-hex TEXT; integers that fit in 63 bits are
-- BIGINT; uint256 quantities (verified kg) are decimal TEXT; unix seconds for times; flags are
-- BIGINT 0/1 so both backends decode them the same way.

-- The one deployment this database follows, and how far it has been indexed.
CREATE TABLE chain_state (
    id                  BIGINT PRIMARY KEY CHECK (id = 1),
    chain_id            BIGINT NOT NULL,
    access_control      TEXT NOT NULL,
    project_registry    TEXT NOT NULL,
    mrv_registry        TEXT NOT NULL,
    carbon_removal_unit TEXT NOT NULL,
    deployment_block    BIGINT NOT NULL,
    -- last block whose events are all stored (deployment_block - 1 before the first batch)
    checkpoint_block    BIGINT NOT NULL,
    -- its hash ('' when not known yet)
    checkpoint_hash     TEXT NOT NULL,
    -- every block above this one has undo records: a rollback may go down to it, not below
    undo_floor          BIGINT NOT NULL
);

-- Recent canonical blocks (the reorg window), for finding the common ancestor after a reorg.
CREATE TABLE blocks (
    number      BIGINT PRIMARY KEY,
    hash        TEXT NOT NULL,
    parent_hash TEXT NOT NULL,
    timestamp   BIGINT NOT NULL
);

-- Every log emitted by the deployment, decoded: the audit trail.
CREATE TABLE events (
    block_number BIGINT NOT NULL,
    log_index    BIGINT NOT NULL,
    chain_id     BIGINT NOT NULL,
    block_hash   TEXT NOT NULL,
    block_time   BIGINT NOT NULL,
    tx_hash      TEXT NOT NULL,
    tx_index     BIGINT NOT NULL,
    contract     TEXT NOT NULL,
    address      TEXT NOT NULL,
    event        TEXT NOT NULL,
    topic0       TEXT NOT NULL,
    args         TEXT NOT NULL,
    PRIMARY KEY (block_number, log_index),
    UNIQUE (chain_id, block_hash, log_index)
);
CREATE INDEX events_by_name ON events (event, block_number);
CREATE INDEX events_by_tx ON events (tx_hash);
CREATE INDEX events_by_contract ON events (contract, block_number);

-- Addresses an event concerns (indexed topics and address arguments), for address filters.
CREATE TABLE event_addresses (
    address      TEXT NOT NULL,
    block_number BIGINT NOT NULL,
    log_index    BIGINT NOT NULL,
    PRIMARY KEY (address, block_number, log_index)
);
CREATE INDEX event_addresses_by_block ON event_addresses (block_number);

-- Projects, current state.
CREATE TABLE projects (
    project_key          TEXT PRIMARY KEY,
    project_id           TEXT NOT NULL UNIQUE,
    developer            TEXT NOT NULL,
    status               TEXT NOT NULL,
    version              BIGINT NOT NULL,
    pdd_hash             TEXT NOT NULL,
    pdd_uri              TEXT NOT NULL,
    external_registry    TEXT NOT NULL,
    external_project_id  TEXT NOT NULL,
    validator            TEXT,
    validation_report    TEXT,
    justification        TEXT,
    crediting_start      BIGINT,
    crediting_end        BIGINT,
    decided_at           BIGINT,
    archive_reason       TEXT,
    registered_block     BIGINT NOT NULL,
    registered_tx        TEXT NOT NULL,
    registered_at        BIGINT NOT NULL,
    updated_block        BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX projects_by_status ON projects (status);
CREATE INDEX projects_by_developer ON projects (developer);

-- Every lifecycle transition, including registration.
CREATE TABLE project_status_history (
    block_number BIGINT NOT NULL,
    log_index    BIGINT NOT NULL,
    project_key  TEXT NOT NULL,
    from_status  TEXT NOT NULL,
    to_status    TEXT NOT NULL,
    actor        TEXT NOT NULL,
    tx_hash      TEXT NOT NULL,
    timestamp    BIGINT NOT NULL,
    PRIMARY KEY (block_number, log_index)
);
CREATE INDEX project_status_history_by_project ON project_status_history (project_key, block_number);

-- Validation, rejection and archiving decisions with their reports and reasons.
CREATE TABLE project_decisions (
    block_number    BIGINT NOT NULL,
    log_index       BIGINT NOT NULL,
    project_key     TEXT NOT NULL,
    decision        TEXT NOT NULL,
    actor           TEXT NOT NULL,
    report_hash     TEXT,
    justification   TEXT NOT NULL,
    crediting_start BIGINT,
    crediting_end   BIGINT,
    tx_hash         TEXT NOT NULL,
    timestamp       BIGINT NOT NULL,
    PRIMARY KEY (block_number, log_index)
);
CREATE INDEX project_decisions_by_project ON project_decisions (project_key, block_number);

-- Every PDD version a project had.
CREATE TABLE pdd_versions (
    project_key  TEXT NOT NULL,
    version      BIGINT NOT NULL,
    pdd_hash     TEXT NOT NULL,
    pdd_uri      TEXT NOT NULL,
    actor        TEXT NOT NULL,
    block_number BIGINT NOT NULL,
    log_index    BIGINT NOT NULL,
    tx_hash      TEXT NOT NULL,
    timestamp    BIGINT NOT NULL,
    PRIMARY KEY (project_key, version)
);
CREATE INDEX pdd_versions_by_block ON pdd_versions (block_number);

-- Monitoring reports, current state, with their verification.
CREATE TABLE mrv_reports (
    mrv_id                   BIGINT PRIMARY KEY,
    project_key              TEXT NOT NULL,
    submitter                TEXT NOT NULL,
    mrv_hash                 TEXT NOT NULL,
    dataset_commitment       TEXT NOT NULL,
    period_start             BIGINT NOT NULL,
    period_end               BIGINT NOT NULL,
    uri                      TEXT NOT NULL,
    status                   TEXT NOT NULL,
    submitted_block          BIGINT NOT NULL,
    submitted_tx             TEXT NOT NULL,
    submitted_at             BIGINT NOT NULL,
    verifier                 TEXT,
    verified_kg              TEXT,
    verification_report_hash TEXT,
    attestation_digest       TEXT,
    relayer                  TEXT,
    attestation              TEXT,
    signature                TEXT,
    decided_block            BIGINT,
    decided_tx               TEXT,
    decided_at               BIGINT,
    issued_tonnes            BIGINT NOT NULL,
    buffer_tonnes            BIGINT NOT NULL
);
CREATE INDEX mrv_reports_by_project ON mrv_reports (project_key, period_start);

-- CRU tokens (serial blocks), current state.
CREATE TABLE tokens (
    token_id        BIGINT PRIMARY KEY,
    mrv_id          BIGINT NOT NULL,
    project_key     TEXT NOT NULL,
    owner           TEXT NOT NULL,
    serial_start    BIGINT NOT NULL,
    amount          BIGINT NOT NULL,
    vintage         BIGINT NOT NULL,
    status          TEXT NOT NULL,
    labels          BIGINT NOT NULL,
    itmo_reference  TEXT NOT NULL,
    period_start    BIGINT NOT NULL,
    period_end      BIGINT NOT NULL,
    parent_token_id BIGINT,
    minted_block    BIGINT NOT NULL,
    minted_tx       TEXT NOT NULL,
    minted_at       BIGINT NOT NULL,
    updated_block   BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX tokens_by_owner ON tokens (owner);
CREATE INDEX tokens_by_project ON tokens (project_key, vintage);
CREATE INDEX tokens_by_mrv ON tokens (mrv_id);

-- ERC-721 transfers, mints (from the zero address) included.
CREATE TABLE transfers (
    block_number BIGINT NOT NULL,
    log_index    BIGINT NOT NULL,
    token_id     BIGINT NOT NULL,
    from_address TEXT NOT NULL,
    to_address   TEXT NOT NULL,
    tx_hash      TEXT NOT NULL,
    timestamp    BIGINT NOT NULL,
    PRIMARY KEY (block_number, log_index)
);
CREATE INDEX transfers_by_token ON transfers (token_id, block_number);

-- Retirements with their claims.
CREATE TABLE retirements (
    block_number   BIGINT NOT NULL,
    log_index      BIGINT NOT NULL,
    token_id       BIGINT NOT NULL,
    owner          TEXT NOT NULL,
    actor          TEXT NOT NULL,
    serial_start   BIGINT NOT NULL,
    amount         BIGINT NOT NULL,
    reason_code    BIGINT NOT NULL,
    beneficiary    TEXT NOT NULL,
    beneficiary_id TEXT NOT NULL,
    detail         TEXT NOT NULL,
    tx_hash        TEXT NOT NULL,
    timestamp      BIGINT NOT NULL,
    PRIMARY KEY (block_number, log_index)
);
CREATE INDEX retirements_by_token ON retirements (token_id);

-- Cancellations by the registry.
CREATE TABLE cancellations (
    block_number BIGINT NOT NULL,
    log_index    BIGINT NOT NULL,
    token_id     BIGINT NOT NULL,
    operator     TEXT NOT NULL,
    amount       BIGINT NOT NULL,
    reason       TEXT NOT NULL,
    tx_hash      TEXT NOT NULL,
    timestamp    BIGINT NOT NULL,
    PRIMARY KEY (block_number, log_index)
);

-- Current role holders.
CREATE TABLE role_members (
    role          TEXT NOT NULL,
    account       TEXT NOT NULL,
    granted_by    TEXT NOT NULL,
    granted_block BIGINT NOT NULL,
    granted_at    BIGINT NOT NULL,
    PRIMARY KEY (role, account)
);

-- Previous state of rows changed in blocks inside the reorg window; replayed backwards on a reorg.
CREATE TABLE undo_log (
    seq          BIGINT PRIMARY KEY,
    block_number BIGINT NOT NULL,
    table_name   TEXT NOT NULL,
    row_key      TEXT NOT NULL,
    previous     TEXT
);
CREATE INDEX undo_log_by_block ON undo_log (block_number);

-- Integrity problems found in chain data (e.g. a value out of range); documents have their own.
CREATE TABLE problems (
    block_number BIGINT NOT NULL,
    log_index    BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    detail       TEXT NOT NULL,
    PRIMARY KEY (block_number, log_index, kind)
);

-- Off-chain documents referenced on chain, and whether they match their on-chain hash.
CREATE TABLE documents (
    hash            TEXT NOT NULL,
    uri             TEXT NOT NULL,
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    body            TEXT,
    actual_hash     TEXT,
    detail          TEXT,
    attempts        BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    checked_at      BIGINT,
    PRIMARY KEY (hash, uri)
);
CREATE INDEX documents_by_status ON documents (status, next_attempt_at);
