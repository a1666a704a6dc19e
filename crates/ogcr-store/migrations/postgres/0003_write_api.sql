-- The write API's own tables. None of them is derived from the chain: `Store::reset` and
-- reorg rollbacks never touch them.

-- API keys. The secret is never stored: `secret_sha256` is the SHA-256 of the key's 256-bit
-- random secret (a slow password hash adds nothing for a secret of that entropy).
CREATE TABLE api_keys (
    key_id        TEXT PRIMARY KEY,
    organization  TEXT NOT NULL,
    scopes        TEXT NOT NULL,          -- space-separated
    secret_sha256 TEXT NOT NULL,
    label         TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT,
    revoked_at    BIGINT,
    last_used_at  BIGINT
);
CREATE INDEX api_keys_by_org ON api_keys (organization);

-- Every authorization decision of a write request, append-only.
CREATE TABLE audit_log (
    seq          BIGSERIAL PRIMARY KEY,
    at           BIGINT NOT NULL,         -- unix milliseconds
    organization TEXT,
    key_id       TEXT,
    method       TEXT NOT NULL,
    route        TEXT NOT NULL,
    resource     TEXT,
    outcome      TEXT NOT NULL,           -- accepted | denied | invalid | failed
    status       BIGINT NOT NULL,         -- HTTP status answered
    reason       TEXT NOT NULL,
    request_id   TEXT NOT NULL,
    task_id      TEXT
);
CREATE INDEX audit_log_by_org ON audit_log (organization, seq);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Chain writes requested over the API, in the order each signing account sends them.
CREATE TABLE tasks (
    seq          BIGSERIAL PRIMARY KEY,
    task_id      TEXT NOT NULL UNIQUE,
    organization TEXT NOT NULL,
    key_id       TEXT NOT NULL,
    account      TEXT NOT NULL,           -- lowercase hex address that signs
    kind         TEXT NOT NULL,           -- project.create, credit.retire, …
    request      TEXT NOT NULL,           -- JSON: what to send
    state        TEXT NOT NULL,           -- queued | sent | confirmed | indexed | failed
    steps        TEXT NOT NULL,           -- JSON array of signed transactions, in order
    result       TEXT,                    -- JSON: ids read from the receipts
    resource     TEXT,                    -- path of the resulting resource
    error        TEXT,                    -- why it failed
    block_number BIGINT,                  -- block of the last confirmed transaction
    created_at   BIGINT NOT NULL,         -- unix milliseconds
    updated_at   BIGINT NOT NULL
);
CREATE INDEX tasks_open_by_account ON tasks (account, state, seq);
CREATE INDEX tasks_by_state ON tasks (state, seq);

-- Idempotency-Key: the first answer to a (organization, key) is replayed for the same body.
CREATE TABLE idempotency_keys (
    organization TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    request_hash TEXT NOT NULL,           -- SHA-256 of method, path and body
    status       BIGINT,                  -- NULL while the first request is in progress
    response     TEXT,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (organization, idem_key)
);

-- The one process that sends the write API's transactions for this database: a lease renewed
-- while it runs, so a second `ogcr serve --organizations` waits instead of racing for nonces.
CREATE TABLE sender_lease (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at BIGINT NOT NULL            -- unix milliseconds
);
