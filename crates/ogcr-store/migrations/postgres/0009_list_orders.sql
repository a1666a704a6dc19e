-- The orders of the read API's lists (`sort`, `order`): each indexed order is an index walk,
-- forwards or backwards, so a page costs a seek in either direction. Each index ends in the
-- list's unique key (the order's tie-break). The status orders rank statuses in lifecycle
-- order; their expressions are spelled exactly as the queries spell them (ogcr_store::query),
-- which is what lets the planner use them. Not indexed, and so sorted per request: projects by
-- name (the name is in pdd_facts), credits and retirements by amount.
CREATE INDEX projects_by_registered ON projects (registered_at, project_id);
CREATE INDEX projects_by_updated ON projects (updated_at, project_id);
CREATE INDEX projects_by_lifecycle ON projects ((CAST(CASE status WHEN 'draft' THEN 0 WHEN 'submitted' THEN 1 WHEN 'under_review' THEN 2 WHEN 'validated' THEN 3 WHEN 'rejected' THEN 4 WHEN 'archived' THEN 5 ELSE 6 END AS BIGINT)), project_id);
CREATE INDEX mrv_reports_by_period_id ON mrv_reports (period_start, mrv_id);
CREATE INDEX mrv_reports_by_lifecycle ON mrv_reports ((CAST(CASE status WHEN 'submitted' THEN 0 WHEN 'verified' THEN 1 WHEN 'rejected' THEN 2 ELSE 3 END AS BIGINT)), mrv_id);
CREATE INDEX tokens_by_vintage_id ON tokens (vintage, token_id);
