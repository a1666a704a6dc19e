-- Searchable facts of verified PDD documents, one row per on-chain PDD hash, written when the
-- document is verified. The read API filters projects on them (type, methodology, actor, bbox).
-- Bounding boxes are in integer units of 1e-7 degrees (about 1 cm), exact on both backends.
CREATE TABLE pdd_facts (
    hash                TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    project_type        TEXT NOT NULL,
    methodology_id      TEXT,
    methodology_version TEXT,
    actor_id            TEXT NOT NULL,
    creation_date       TEXT,
    west_e7             BIGINT,
    south_e7            BIGINT,
    east_e7             BIGINT,
    north_e7            BIGINT
);
CREATE INDEX pdd_facts_by_type ON pdd_facts (project_type);
CREATE INDEX pdd_facts_by_methodology ON pdd_facts (methodology_id);
