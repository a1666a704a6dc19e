//! Integration tests of ogcr-store. Every test body runs on SQLite and, when
//! `OGCR_TEST_POSTGRES_URL` names a server (`scripts/test.sh` starts one), on PostgreSQL too,
//! with the same assertions: see `ogcr_store::testing`.

mod chain_state;
mod commit;
mod documents;
mod dump;
mod export;
mod fixtures;
mod gateway;
mod lists;
mod migrations;
mod oauth;
mod orders;
mod rollback;
mod webhooks;
