//! Route handlers, one module per resource.

use ogcr_store::ChainState;

use crate::{AppState, error::ApiError};

/// Accounts: holdings, retirements, roles.
pub mod accounts;
/// Credits and retirements.
pub mod credits;
/// The raw event feed.
pub mod events;
/// CAD Trust and Article 6 AEF tables.
pub mod exports;
/// Health, metrics, fallbacks.
pub mod meta;
/// Monitoring reports.
pub mod monitoring;
/// Projects.
pub mod projects;
/// The registry's supply.
pub mod stats;
/// The event feed as Server-Sent Events.
pub mod stream;

/// The deployment the database follows; 503 before the indexer's first run.
pub(crate) async fn chain(state: &AppState) -> Result<ChainState, ApiError> {
    state.store.chain_state().await?.ok_or_else(|| {
        ApiError::unavailable("the indexer has not indexed this database yet: run `ogcr index`")
    })
}
