-- The read path at registry scale.
--
-- A revision number that every write transaction changing what the read API serves increments
-- (an indexed batch, a rollback, a reset, a checked document). Readers cache what costs a scan
-- of a table — list totals and the offset-to-key index of deep pages — under the revision they
-- read, so a cached figure is never served after the data it describes has changed.
CREATE TABLE data_revision (
    id       BIGINT PRIMARY KEY CHECK (id = 1),
    revision BIGINT NOT NULL
);
INSERT INTO data_revision (id, revision) VALUES (1, 0);

-- Filtered list pages in sort order without sorting every match: each filter column followed
-- by the list's sort key (SQLite's secondary indexes end in the rowid, not in these keys).
CREATE INDEX projects_by_status_id ON projects (status, project_id);
CREATE INDEX projects_by_developer_id ON projects (developer, project_id);
DROP INDEX projects_by_status;
DROP INDEX projects_by_developer;
CREATE INDEX mrv_reports_by_project_id ON mrv_reports (project_key, mrv_id);
CREATE INDEX mrv_reports_by_status_id ON mrv_reports (status, mrv_id);
CREATE INDEX tokens_by_owner_id ON tokens (owner, token_id);
CREATE INDEX tokens_by_project_id ON tokens (project_key, token_id);
CREATE INDEX tokens_by_mrv_id ON tokens (mrv_id, token_id);
CREATE INDEX tokens_by_status_id ON tokens (status, token_id);
DROP INDEX tokens_by_owner;
DROP INDEX tokens_by_mrv;
CREATE INDEX retirements_by_owner_block ON retirements (owner, block_number, log_index);
DROP INDEX retirements_by_owner;
CREATE INDEX events_by_name_block ON events (event, block_number, log_index);
CREATE INDEX events_by_contract_block ON events (contract, block_number, log_index);
DROP INDEX events_by_name;
DROP INDEX events_by_contract;

-- Planner statistics for the indexes above (SQLite keeps them in sqlite_stat1).
ANALYZE;
