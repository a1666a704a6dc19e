//! The ogcr indexer's database. One schema on two backends — SQLite (a file, the embedded
//! default) and PostgreSQL — with numbered migrations per backend, typed rows, and one write
//! path: [`Store::commit`] stores a batch of decoded rows *and* the checkpoint in a single
//! transaction, so a crash at any point leaves either the whole batch or none of it.
//! Rows changed inside the reorg window leave undo records that [`Store::rollback_to`]
//! replays backwards when the chain reorganises.

/// One-time fills of tables added after a database was first indexed.
mod backfill;
/// Document queue: fetch, verify, record.
pub mod documents;
/// The error type.
pub mod error;
/// Reads for the CAD Trust and Article 6 exports.
pub mod export;
/// Searchable facts of verified PDDs.
pub mod facts;
/// The write API's tables: API keys, audit log, tasks, idempotency keys.
pub mod gateway;
/// Embedded migrations and their runner.
mod migrate;
/// Row types of every table.
pub mod model;
/// The embedded OAuth 2.0 server's clients, users, signing keys, codes and token families.
pub mod oauth;
/// Filtered, paginated reads for the API.
pub mod query;
/// Reads used by the indexer, its tests and the API.
pub mod read;
/// Connecting and the backend.
mod store;
/// Typed rows and the SQL built from them.
pub mod table;
/// Throwaway SQLite and PostgreSQL stores for tests.
#[cfg(feature = "testing")]
pub mod testing;
/// The write API's webhook subscriptions and delivery queue.
pub mod webhooks;
/// Atomic batch commits and rollbacks.
pub mod write;

pub use error::{Error, Result};
pub use gateway::{ApiKey, AuditEntry, IdempotencyClaim, TaskRow};
pub use model::*;
pub use store::{Backend, Store};
pub use table::{Table, Val};
pub use write::{ChangeSet, Mutation};
