-- Webhooks: subscriptions of the write API's organizations and their delivery queue. Neither
-- table derives from the chain: `Store::reset` and reorg rollbacks never touch them. Only
-- final events (at or below `chain_state.undo_floor`, which no rollback can reach) are queued,
-- so a rolled-back event is never in the queue.

-- A subscription: where to POST which event types, signed with its secret.
CREATE TABLE webhook_subscriptions (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id      TEXT NOT NULL UNIQUE,    -- wh_<32 hex>
    organization    TEXT NOT NULL,           -- the owner; no other organization sees it
    key_id          TEXT NOT NULL,           -- the API key that created it
    url             TEXT NOT NULL,
    events          TEXT NOT NULL,           -- space-separated event types
    secret          TEXT NOT NULL,           -- as given (the server signs with it); never returned
    description     TEXT NOT NULL,
    state           TEXT NOT NULL,           -- active | disabled
    disabled_reason TEXT,
    disabled_at     BIGINT,                  -- unix milliseconds
    after_block     BIGINT NOT NULL,         -- events up to (after_block, after_log) are queued
    after_log       BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,         -- unix milliseconds
    updated_at      BIGINT NOT NULL
);
CREATE INDEX webhook_subscriptions_by_org ON webhook_subscriptions (organization, seq);

-- One event for one subscription: queued once (the key makes queueing idempotent), sent in
-- event order, the next one only once this one is delivered or given up.
CREATE TABLE webhook_deliveries (
    webhook_id       TEXT NOT NULL,
    event_id         TEXT NOT NULL,          -- evt_<chain id>_<block>_<log index>: the webhook-id
    event_type       TEXT NOT NULL,          -- project.created, credit.retired, …
    block_number     BIGINT NOT NULL,
    log_index        BIGINT NOT NULL,
    payload          TEXT NOT NULL,          -- the exact body sent, fixed when queued
    state            TEXT NOT NULL,          -- pending | delivered | failed
    attempts         BIGINT NOT NULL,
    next_attempt_at  BIGINT NOT NULL,        -- unix milliseconds
    first_attempt_at BIGINT,
    last_attempt_at  BIGINT,
    last_status      BIGINT,                 -- HTTP status of the last attempt, if any
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    finished_at      BIGINT,
    PRIMARY KEY (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (webhook_id, state, block_number, log_index);
CREATE INDEX webhook_deliveries_by_position ON webhook_deliveries (webhook_id, block_number, log_index);
