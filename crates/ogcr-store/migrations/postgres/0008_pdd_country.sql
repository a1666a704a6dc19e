-- The country of a verified PDD's boundary, found once when its facts are written (offline
-- reverse geocoding of the geometry's representative point, ogcr_core::country): an ISO
-- 3166-1 alpha-2 code, '' when the boundary lies in no country. The read API filters projects
-- by it (`/projects?country=BR`) and `/stats` groups by it. Rows written before this column
-- are filled in by the store's facts backfill on the next start.
ALTER TABLE pdd_facts ADD COLUMN country TEXT;
CREATE INDEX pdd_facts_by_country ON pdd_facts (country);
