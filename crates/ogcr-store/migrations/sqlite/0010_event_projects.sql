-- The projects each event concerns, for `/events?project_id=`: named by its key (registry and
-- MRV events), through its report (`mrvId`: MRVVerified, MRVAttestationAccepted) or through its
-- token (`tokenId`: transfers, splits, retirements, cancellations, labels). Written by the
-- indexer with the event, in the same transaction; rolled back with its block. Events indexed
-- before this table existed are filled in once on the next start (the marker below).
CREATE TABLE event_projects (
    project_key  TEXT NOT NULL,
    block_number BIGINT NOT NULL,
    log_index    BIGINT NOT NULL,
    PRIMARY KEY (project_key, block_number, log_index)
);
CREATE INDEX event_projects_by_block ON event_projects (block_number);

-- One-time fills the store runs on start, each removed in the transaction that does it.
CREATE TABLE pending_backfills (
    name TEXT PRIMARY KEY
);
INSERT INTO pending_backfills (name) VALUES ('event_projects');
