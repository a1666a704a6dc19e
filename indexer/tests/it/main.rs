//! Integration tests of `ogcr-indexer` against a real local chain: each test spawns its own
//! anvil from the workspace's npm toolchain, generates a workload, and indexes it into SQLite
//! and (when `OGCR_TEST_POSTGRES_URL` is set, as scripts/test.sh does) PostgreSQL.

/// Anvil, workloads and dumps.
mod common;
/// Fault injection.
mod faults;
/// Chain reorganisations.
mod reorg;
