//! `/events`: the raw on-chain event feed, what a regulator reads.

use axum::{Json, extract::State};
use ogcr_store::query::EventFilter;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    AppState,
    error::{ApiError, ErrorBody},
    params::{self, Q},
    routes::chain,
    views::{EventList, Pagination},
};

/// The contracts of a deployment.
pub const CONTRACTS: &[&str] = &[
    "OGCRAccessControl",
    "ProjectRegistry",
    "MRVRegistry",
    "CarbonRemovalUnit",
];

/// Filters and paging of `GET /events`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Contracts, comma-separated: OGCRAccessControl, ProjectRegistry, MRVRegistry,
    /// CarbonRemovalUnit.
    #[param(
        example = "MRVRegistry",
        pattern = r"^(OGCRAccessControl|ProjectRegistry|MRVRegistry|CarbonRemovalUnit)(,(OGCRAccessControl|ProjectRegistry|MRVRegistry|CarbonRemovalUnit))*$"
    )]
    contract: Option<String>,
    /// Event names, comma-separated (e.g. MRVVerified,CRUMinted,CRURetired).
    #[param(
        example = "MRVVerified",
        pattern = r"^[A-Za-z0-9_]{1,64}(,[A-Za-z0-9_]{1,64})*$"
    )]
    event: Option<String>,
    /// From this block (inclusive).
    #[param(minimum = 0)]
    from_block: Option<i64>,
    /// Up to this block (inclusive).
    #[param(minimum = 0)]
    to_block: Option<i64>,
    /// Transaction hash.
    #[param(pattern = r"^0[xX][0-9a-fA-F]{64}$")]
    tx: Option<String>,
    /// An address the event concerns: emitter, indexed topic or address argument.
    #[param(pattern = r"^0[xX][0-9a-fA-F]{40}$")]
    address: Option<String>,
    /// A project the event concerns, by its id: its registry and MRV events, and the events of
    /// its credits (mints, transfers, splits, retirements, cancellations, labels).
    #[param(example = "OGCR-BR-0001")]
    project_id: Option<String>,
    /// The same as `project_id`.
    project: Option<String>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// Rows to skip.
    #[param(minimum = 0)]
    offset: Option<i64>,
    /// `next_cursor` of the previous page (constant cost at any depth). Every page of the feed
    /// in chain order has one, the last too: store it and ask again to follow the chain
    /// (`cursor=` starts). Valid only with the same filters and `order`.
    cursor: Option<String>,
    /// The field to order by: created_at (chain order, the only one).
    #[param(example = "created_at", pattern = r"^(created_at)$")]
    sort: Option<String>,
    /// asc (the default: oldest first) or desc (newest first; its last page, at the first
    /// event, has no cursor).
    #[param(example = "desc", pattern = r"^(asc|desc)$")]
    order: Option<String>,
}

/// The key of the project named by `project_id` (or its alias `project`); 404 when there is
/// no such project.
pub(crate) async fn project_key(
    state: &AppState,
    project_id: Option<String>,
    project: Option<String>,
) -> Result<Option<String>, ApiError> {
    match params::either(("project_id", project_id), ("project", project))? {
        Some(p) => Ok(Some(
            crate::routes::projects::find(state, &p)
                .await?
                .project
                .project_key,
        )),
        None => Ok(None),
    }
}

/// The contract, event and address filters shared by the feed and its stream.
pub(crate) fn what(
    contract: Option<&str>,
    event: Option<&str>,
    address: Option<&str>,
) -> Result<EventFilter, ApiError> {
    let contract = params::one_of_list("contract", contract, CONTRACTS)?;
    let event: Vec<String> = event
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| {
            if e.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') && e.len() <= 64 {
                Ok(e.to_owned())
            } else {
                Err(ApiError::invalid(
                    "event",
                    format!("{e:?} is not an event name"),
                ))
            }
        })
        .collect::<Result<_, _>>()?;
    Ok(EventFilter {
        contract,
        event,
        address: params::address("address", address)?,
        ..EventFilter::default()
    })
}

/// The on-chain event feed.
#[utoipa::path(get, path = "/events", operation_id = "listEvents", tag = "events", params(EventQuery),
    responses(
        (status = 200, description = "A page of decoded events, in chain order (newest first with order=desc)", body = EventList),
        (status = 400, description = "A parameter is invalid", body = ErrorBody),
        (status = 404, description = "No such project", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    Q(q): Q<EventQuery>,
) -> Result<Json<EventList>, ApiError> {
    let req = params::page(q.limit, q.offset, q.cursor.as_deref())?;
    let filter = EventFilter {
        from_block: q.from_block,
        to_block: q.to_block,
        tx_hash: params::hash32("tx", q.tx.as_deref())?,
        sort: params::sort(q.sort.as_deref(), q.order.as_deref())?,
        ..what(
            q.contract.as_deref(),
            q.event.as_deref(),
            q.address.as_deref(),
        )?
    };
    for (field, b) in [("from_block", q.from_block), ("to_block", q.to_block)] {
        if let Some(b) = b
            && b < 0
        {
            return Err(ApiError::invalid(
                field,
                format!("must be 0 or more, got {b}"),
            ));
        }
    }
    params::range("to_block", q.from_block, q.to_block)?;
    chain(&state).await?;
    let filter = EventFilter {
        project_key: project_key(&state, q.project_id, q.project).await?,
        ..filter
    };
    let page = state.store.events(&filter, &req).await?;
    let mut pagination = Pagination::of(&page, &req);
    // The feed's last page has a cursor too: a client follows the chain by storing one string
    // and asking again with it. Past the end, the cursor it sent comes back.
    if pagination.next_cursor.is_none() && filter.sort == Default::default() {
        pagination.next_cursor = match (page.rows.last(), &req) {
            (Some(e), _) => Some(params::encode_cursor(&[
                e.block_number.into(),
                e.log_index.into(),
            ])),
            (None, ogcr_store::query::PageRequest::Cursor { after, .. }) => Some(
                after
                    .as_deref()
                    .map(params::encode_cursor)
                    .unwrap_or_default(),
            ),
            (None, _) => None,
        };
    }
    Ok(Json(EventList {
        pagination,
        data: page.rows.into_iter().map(Into::into).collect(),
    }))
}
