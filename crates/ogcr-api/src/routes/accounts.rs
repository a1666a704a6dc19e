//! `/accounts/{address}`: what an account holds, has retired and may do.

use std::collections::HashMap;

use axum::{
    Json,
    extract::{Path, State},
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    AppState,
    error::{ApiError, ErrorBody},
    params,
    routes::chain,
    views::Link,
};

/// An account's holdings and retirements.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Account {
    /// The address (lowercase).
    #[schema(example = "0x23618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f")]
    pub address: String,
    /// The ogcr roles it holds.
    #[schema(example = json!(["developer"]))]
    pub roles: Vec<String>,
    /// Tonnes CO2e it holds, by status (active, retired, cancelled, buffer).
    pub balances: Balances,
    /// What it holds, by project and status.
    pub holdings: Vec<Holding>,
    /// Retirements of units it owned.
    pub retirements: RetirementTotals,
    /// Its credits, retirements and events.
    pub links: Vec<Link>,
}

/// Tonnes by status.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Balances {
    /// Active (transferable, retirable) tonnes.
    pub active_tco2e: i64,
    /// Buffer-pool tonnes.
    pub buffer_tco2e: i64,
    /// Retired tonnes it still holds the tokens of.
    pub retired_tco2e: i64,
    /// Cancelled tonnes.
    pub cancelled_tco2e: i64,
}

/// Credits of one project in one status.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Holding {
    /// Project id.
    pub project_id: Option<String>,
    /// Status of the credits.
    #[schema(example = "active")]
    pub status: String,
    /// How many credits (tokens).
    pub credits: i64,
    /// Their tonnes CO2e.
    pub quantity_tco2e: i64,
}

/// Totals of an account's retirements.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RetirementTotals {
    /// How many.
    pub count: i64,
    /// Tonnes CO2e retired.
    pub quantity_tco2e: i64,
}

/// An account's balances, holdings by project, retirements and roles.
#[utoipa::path(get, path = "/accounts/{address}", operation_id = "getAccount", tag = "credits",
    params(("address" = String, Path, description = "An account address", pattern = r"^0[xX][0-9a-fA-F]{40}$",
        example = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f")),
    responses(
        (status = 200, description = "The account (an account the registry never saw holds nothing)", body = Account),
        (status = 400, description = "Not an address", body = ErrorBody),
        (status = 429, description = "Rate limited", body = ErrorBody),
        (status = 503, description = "The database is not reachable or not indexed yet", body = ErrorBody),
    ))]
pub async fn one(
    State(state): State<AppState>,
    Path(address): Path<String>,
) -> Result<Json<Account>, ApiError> {
    let address = params::address("address", Some(&address))?.expect("given");
    chain(&state).await?;
    let summary = state.store.account_summary(&address).await?;
    let keys: Vec<String> = summary.holdings.iter().map(|h| h.0.clone()).collect();
    let ids: HashMap<String, String> = state.store.project_ids(&keys).await?;
    let mut balances = Balances::default();
    let holdings = summary
        .holdings
        .iter()
        .map(|(key, status, credits, tonnes)| {
            match status.as_str() {
                "active" => balances.active_tco2e += tonnes,
                "buffer" => balances.buffer_tco2e += tonnes,
                "retired" => balances.retired_tco2e += tonnes,
                "cancelled" => balances.cancelled_tco2e += tonnes,
                _ => {}
            }
            Holding {
                project_id: ids.get(key).cloned(),
                status: status.clone(),
                credits: *credits,
                quantity_tco2e: *tonnes,
            }
        })
        .collect();
    let link =
        |rel: &str, path: String, title: &str| Link::json(rel, state.url(&path), Some(title));
    Ok(Json(Account {
        links: vec![
            link("self", format!("/accounts/{address}"), "This account"),
            link(
                "credits",
                format!("/credits?owner={address}"),
                "Its credits",
            ),
            link(
                "retirements",
                format!("/retirements?owner={address}"),
                "Its retirements",
            ),
            link(
                "events",
                format!("/events?address={address}"),
                "Events that concern it",
            ),
        ],
        address,
        roles: summary.roles,
        balances,
        holdings,
        retirements: RetirementTotals {
            count: summary.retirements.0,
            quantity_tco2e: summary.retirements.1,
        },
    }))
}
