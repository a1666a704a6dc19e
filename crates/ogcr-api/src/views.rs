//! Response bodies and how they are built from indexed rows.

use chrono::{DateTime, SecondsFormat};
use ogcr_store::{Event, Retirement, Token, query::Page};
use serde::Serialize;
use serde_json::Value;

use utoipa::ToSchema;

use crate::params::encode_cursor;

/// Unix seconds → RFC 3339 UTC.
pub fn rfc3339(t: i64) -> String {
    DateTime::from_timestamp(t, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Unix seconds → `YYYY-MM-DD` (UTC).
pub fn date(t: i64) -> String {
    DateTime::from_timestamp(t, 0)
        .unwrap_or_default()
        .format("%Y-%m-%d")
        .to_string()
}

/// The OGCR name of a project status as the indexer stores it (the contract's names, with
/// underscores: `under_review`, `validated`). A status this version does not know (a newer
/// contract) is served as it is stored rather than passed off as another.
pub fn ogcr_status(stored: &str) -> String {
    match stored {
        "validated" => "approved".to_owned(),
        other => other.to_owned(),
    }
}

/// The stored project status of an OGCR status name.
pub fn onchain_status(ogcr: &str) -> &str {
    match ogcr {
        "approved" => "validated",
        other => other,
    }
}

/// The OGCR `verification_status` of an on-chain report status.
pub fn mrv_status(onchain: &str) -> &'static str {
    match onchain {
        "verified" => "verified",
        "rejected" => "rejected",
        _ => "pending",
    }
}

/// Names of a token's label bits.
pub fn label_names(bits: i64) -> Vec<&'static str> {
    let mut out = Vec::new();
    if bits & 1 != 0 {
        out.push("CORSIA eligible");
    }
    if bits & 2 != 0 {
        out.push("Article 6 authorized");
    }
    out
}

/// Where a record is anchored on the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct LedgerReference {
    /// Transaction hash.
    #[schema(example = "0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060")]
    pub transaction_id: String,
    /// Block number.
    #[schema(example = 42)]
    pub block_number: i64,
    /// Block time (RFC 3339, UTC).
    #[schema(example = "2026-11-23T10:00:00Z")]
    pub timestamp: String,
    /// The chain, as a CAIP-2 id.
    #[schema(example = "eip155:31337")]
    pub ledger_id: String,
}

impl LedgerReference {
    /// A reference on chain `chain_id`.
    pub fn new(chain_id: i64, tx: &str, block: i64, time: i64) -> Self {
        LedgerReference {
            transaction_id: tx.to_owned(),
            block_number: block,
            timestamp: rfc3339(time),
            ledger_id: format!("eip155:{chain_id}"),
        }
    }
}

/// A link to a related resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Link {
    /// Relation.
    #[schema(example = "self")]
    pub rel: String,
    /// Absolute URI.
    #[schema(example = "http://127.0.0.1:8080/projects/OGCR-BR-0001")]
    pub href: String,
    /// Media type.
    #[serde(skip_serializing_if = "Option::is_none", rename = "type")]
    pub media_type: Option<String>,
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl Link {
    /// A JSON link.
    pub fn json(rel: &str, href: String, title: Option<&str>) -> Self {
        Link {
            rel: rel.to_owned(),
            href,
            media_type: Some("application/json".into()),
            title: title.map(str::to_owned),
        }
    }
}

/// Pagination of a list: the OGCR offset fields, plus a cursor for keyset paging.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Pagination {
    /// Rows matching the filters (offset pagination; omitted with `cursor`, where counting
    /// would make deep pages cost more).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
    /// Page size.
    pub limit: i64,
    /// Rows skipped (offset pagination).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
    /// Whether more rows follow.
    pub has_more: bool,
    /// Pass as `cursor` to get the next page at constant cost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl Pagination {
    /// The pagination of `page`, asked for with `req`.
    pub fn of<T>(page: &Page<T>, req: &ogcr_store::query::PageRequest) -> Self {
        let (limit, offset) = match req {
            ogcr_store::query::PageRequest::Offset { limit, offset } => (*limit, Some(*offset)),
            ogcr_store::query::PageRequest::Cursor { limit, .. } => (*limit, None),
        };
        Pagination {
            total: page.total,
            limit,
            offset,
            has_more: page.has_more,
            next_cursor: page.next.as_deref().map(encode_cursor),
        }
    }
}

macro_rules! list {
    ($(#[$m:meta])* $name:ident of $item:ty) => {
        $(#[$m])*
        #[derive(Debug, Clone, Serialize, ToSchema)]
        pub struct $name {
            /// The page's items.
            pub data: Vec<$item>,
            /// Where the page is.
            pub pagination: Pagination,
        }
    };
}

list!(
    /// A page of projects (OGCR PDD GeoJSON Features).
    ProjectList of ProjectFeature
);
list!(
    /// A page of monitoring reports (OGCR MRV GeoJSON Features).
    MonitoringList of MrvFeature
);
list!(
    /// A page of credits.
    CreditList of Credit
);
list!(
    /// A page of retirements.
    RetirementList of RetirementView
);
list!(
    /// A page of on-chain events.
    EventList of EventView
);

/// An OGCR PDD: a GeoJSON Feature valid against the OGCR PDD schema, with `ledger_reference`
/// and `links` added by the registry (see `components/schemas/PddDocument`), or, before the
/// document is verified, an [`UnverifiedProjectFeature`].
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(value_type = Object, example = json!({
    "type": "Feature", "id": "OGCR-BR-0001", "ogcr_version": "0.1.0", "profile": "pdd",
    "geometry": {"type": "Polygon", "coordinates": [[[-48.6, -1.4], [-48.4, -1.4], [-48.4, -1.2], [-48.6, -1.4]]]},
    "properties": {"name": "Pará Atlantic Forest restoration", "creation_date": "2023-01-10T00:00:00Z",
        "project_type": "reforestation", "status": "approved", "actor_id": "did:ogcr:developer:verdant",
        "methodology": {"id": "VM0047", "version": "1.0"}},
    "ledger_reference": {"transaction_id": "0x5c50…", "block_number": 12, "timestamp": "2026-11-23T10:00:00Z", "ledger_id": "eip155:31337"},
    "links": [{"rel": "self", "href": "http://127.0.0.1:8080/projects/OGCR-BR-0001"}]
}))]
pub struct ProjectFeature(pub Value);

/// An OGCR MRV report: a GeoJSON Feature valid against the OGCR MRV schema, with its on-chain
/// verification status, `ledger_reference` and `links` (see `components/schemas/MrvDocument`),
/// or, before the document is verified, an [`UnverifiedMrvFeature`].
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct MrvFeature(pub Value);

/// Sets the registry-side members of a verified document: the ledger reference and links
/// (the registry's first, then the document's own with other relations).
pub fn anchor(doc: &mut Value, ledger: &LedgerReference, links: Vec<Link>) {
    let own: Vec<Value> = doc
        .get("links")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut all: Vec<Value> = links
        .iter()
        .map(|l| serde_json::to_value(l).expect("links serialise"))
        .collect();
    for l in own {
        let dup = all
            .iter()
            .any(|a| a.get("rel") == l.get("rel") && a.get("href") == l.get("href"));
        if !dup && l.get("rel").and_then(Value::as_str) != Some("self") {
            all.push(l);
        }
    }
    doc["ledger_reference"] = serde_json::to_value(ledger).expect("references serialise");
    doc["links"] = Value::Array(all);
}

/// The parsed body of a verified document.
pub fn parsed(doc: Option<&ogcr_store::Document>) -> Option<Value> {
    doc.and_then(|d| d.body.as_deref())
        .and_then(|b| serde_json::from_str(b).ok())
}

/// The `document` member of a Feature served without its verified document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UnverifiedDocument {
    /// Always `unverified`.
    #[schema(example = "unverified")]
    pub status: String,
    /// What that means and where to look.
    pub detail: String,
    /// The document's hash as anchored on chain.
    pub hash: String,
    /// Where the document is published, as anchored.
    pub uri: String,
}

/// The `document` member of a Feature served without its verified document (`what` names it:
/// "PDD", "report").
pub fn unverified(what: &str, hash: &str, uri: &str) -> UnverifiedDocument {
    UnverifiedDocument {
        status: "unverified".into(),
        detail: format!(
            "the {what} has not been fetched, or does not match its on-chain hash; see `ogcr index status`"
        ),
        hash: hash.to_owned(),
        uri: uri.to_owned(),
    }
}

/// A project served before its PDD is verified (not fetched yet, or not matching its on-chain
/// hash): a Feature from chain data only, without geometry, whose `document` says so.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnverifiedProjectFeature {
    /// `Feature`.
    #[serde(rename = "type")]
    #[schema(example = "Feature")]
    pub feature_type: String,
    /// The project id.
    pub id: String,
    /// `pdd`.
    #[schema(example = "pdd")]
    pub profile: String,
    /// Always `null`: the boundary is in the unverified document.
    #[schema(value_type = Option<Object>)]
    pub geometry: Option<Value>,
    /// What the chain says.
    pub properties: UnverifiedProjectProperties,
    /// The document that could not be served.
    pub document: UnverifiedDocument,
    /// The anchoring of the current version.
    pub ledger_reference: LedgerReference,
    /// Related resources.
    pub links: Vec<Link>,
}

/// The properties of an [`UnverifiedProjectFeature`].
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnverifiedProjectProperties {
    /// The project id (the name is in the document).
    pub name: String,
    /// OGCR status.
    #[schema(example = "draft")]
    pub status: String,
    /// The developer account.
    pub actor_id: String,
    /// Registration time (RFC 3339).
    pub creation_date: String,
    /// Last on-chain change (RFC 3339).
    pub last_updated: String,
}

/// A monitoring report served before its document is verified: a Feature from chain data
/// only, without geometry, whose `document` says so.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnverifiedMrvFeature {
    /// `Feature`.
    #[serde(rename = "type")]
    #[schema(example = "Feature")]
    pub feature_type: String,
    /// `<project id>-MRV-<report id>`.
    pub id: String,
    /// `mrv`.
    #[schema(example = "mrv")]
    pub profile: String,
    /// Always `null`: the geometry is in the unverified document.
    #[schema(value_type = Option<Object>)]
    pub geometry: Option<Value>,
    /// What the chain says.
    pub properties: UnverifiedMrvProperties,
    /// The document that could not be served.
    pub document: UnverifiedDocument,
    /// The submission.
    pub ledger_reference: LedgerReference,
    /// Related resources.
    pub links: Vec<Link>,
}

/// The properties of an [`UnverifiedMrvFeature`].
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnverifiedMrvProperties {
    /// The project id.
    pub project_id: String,
    /// First day of the monitoring period (`YYYY-MM-DD`).
    pub start_date: String,
    /// Last day of the monitoring period.
    pub end_date: String,
    /// pending, verified or rejected.
    #[schema(example = "pending")]
    pub verification_status: String,
}

/// A monitoring period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Period {
    /// First day (inclusive).
    #[schema(example = "2024-01-01")]
    pub start: String,
    /// Day after the last (exclusive).
    #[schema(example = "2025-01-01")]
    pub end: String,
}

/// A credit: a block of Carbon Removal Units (one ERC-721 token, one tonne CO2e per unit).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Credit {
    /// Token id.
    #[schema(example = "1")]
    pub id: String,
    /// Serial number range, `OGCR-<project>-<vintage>-<first>-<last>`.
    #[schema(example = "OGCR-BR-0001-2024-1-1000")]
    pub serial: String,
    /// First serial.
    pub serial_start: i64,
    /// Last serial (inclusive).
    pub serial_end: i64,
    /// Units (tCO2e).
    #[schema(example = 1000)]
    pub quantity_tco2e: i64,
    /// Project id.
    #[schema(example = "OGCR-BR-0001")]
    pub project_id: String,
    /// The monitoring report it was issued against.
    pub mrv_id: i64,
    /// Vintage year.
    #[schema(example = 2024)]
    pub vintage: i64,
    /// Monitoring period of the issuance.
    pub monitoring_period: Period,
    /// `active`, `retired`, `cancelled` or `buffer`.
    #[schema(example = "active")]
    pub status: String,
    /// Current owner.
    pub owner: String,
    /// Labels: `CORSIA eligible`, `Article 6 authorized`.
    pub labels: Vec<String>,
    /// ITMO reference (Article 6 authorised units).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub itmo_reference: Option<String>,
    /// The block this one was split from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// The mint.
    pub ledger_reference: LedgerReference,
    /// Last change (RFC 3339).
    pub updated_at: String,
    /// The retirement, when retired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retirement: Option<RetirementView>,
    /// Related resources.
    pub links: Vec<Link>,
}

impl Credit {
    /// The view of `t` of project `project_id` on chain `chain_id`.
    pub fn new(
        t: &Token,
        project_id: &str,
        chain_id: i64,
        retirement: Option<RetirementView>,
        url: impl Fn(&str) -> String,
    ) -> Self {
        let serial_end = t.serial_start + t.amount - 1;
        let mut links = vec![
            Link::json("self", url(&format!("/credits/{}", t.token_id)), None),
            Link::json("project", url(&format!("/projects/{project_id}")), None),
            Link::json(
                "monitoring",
                url(&format!("/projects/{project_id}/monitoring/{}", t.mrv_id)),
                None,
            ),
        ];
        if let Some(p) = t.parent_token_id {
            links.push(Link::json(
                "predecessor",
                url(&format!("/credits/{p}")),
                None,
            ));
        }
        if retirement.is_some() {
            // The retirement's public record: JSON, and for a browser the certificate.
            links.push(Link::json(
                "retirement",
                url(&format!("/retirements/{}", t.token_id)),
                Some("The retirement record and certificate (HTML for browsers, a PDF at /certificate.pdf)"),
            ));
        }
        Credit {
            id: t.token_id.to_string(),
            serial: format!(
                "OGCR-{}-{}-{}-{}",
                project_id.strip_prefix("OGCR-").unwrap_or(project_id),
                t.vintage,
                t.serial_start,
                serial_end
            ),
            serial_start: t.serial_start,
            serial_end,
            quantity_tco2e: t.amount,
            project_id: project_id.to_owned(),
            mrv_id: t.mrv_id,
            vintage: t.vintage,
            monitoring_period: Period {
                start: date(t.period_start),
                end: date(t.period_end),
            },
            status: t.status.clone(),
            owner: t.owner.clone(),
            labels: label_names(t.labels)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            itmo_reference: (!t.itmo_reference.is_empty()).then(|| t.itmo_reference.clone()),
            parent_id: t.parent_token_id.map(|p| p.to_string()),
            ledger_reference: LedgerReference::new(
                chain_id,
                &t.minted_tx,
                t.minted_block,
                t.minted_at,
            ),
            updated_at: rfc3339(t.updated_at),
            retirement,
            links,
        }
    }
}

/// A retirement: units taken out of circulation for a claim.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RetirementView {
    /// The retired token.
    #[schema(example = "3")]
    pub credit_id: String,
    /// Project id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// Vintage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vintage: Option<i64>,
    /// Units retired (tCO2e).
    pub quantity_tco2e: i64,
    /// First serial retired.
    pub serial_start: i64,
    /// Last serial retired.
    pub serial_end: i64,
    /// Owner of the units.
    pub owner: String,
    /// Account that sent the retirement.
    pub retired_by: String,
    /// Reason code: 1 voluntary offsetting, 2 CORSIA, 3 NDC / Article 6 use, 4 other
    /// compliance, 0 unspecified.
    pub reason_code: i64,
    /// Beneficiary of the claim.
    #[schema(example = "Acme Airlines")]
    pub beneficiary: String,
    /// Beneficiary identifier (e.g. an LEI).
    pub beneficiary_id: String,
    /// Claim detail.
    pub detail: String,
    /// Where it happened.
    pub ledger_reference: LedgerReference,
}

impl RetirementView {
    /// The view of `r`.
    pub fn new(
        r: &Retirement,
        project_id: Option<String>,
        vintage: Option<i64>,
        chain_id: i64,
    ) -> Self {
        RetirementView {
            credit_id: r.token_id.to_string(),
            project_id,
            vintage,
            quantity_tco2e: r.amount,
            serial_start: r.serial_start,
            serial_end: r.serial_start + r.amount - 1,
            owner: r.owner.clone(),
            retired_by: r.actor.clone(),
            reason_code: r.reason_code,
            beneficiary: r.beneficiary.clone(),
            beneficiary_id: r.beneficiary_id.clone(),
            detail: r.detail.clone(),
            ledger_reference: LedgerReference::new(
                chain_id,
                &r.tx_hash,
                r.block_number,
                r.timestamp,
            ),
        }
    }
}

/// One decoded on-chain log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    /// Block number.
    pub block_number: i64,
    /// Log index in the block.
    pub log_index: i64,
    /// Block hash.
    pub block_hash: String,
    /// Block time (RFC 3339).
    pub timestamp: String,
    /// Transaction hash.
    pub transaction_hash: String,
    /// Transaction index in the block.
    pub transaction_index: i64,
    /// Emitting contract (name).
    #[schema(example = "MRVRegistry")]
    pub contract: String,
    /// Emitting contract (address).
    pub address: String,
    /// Event name.
    #[schema(example = "MRVVerified")]
    pub event: String,
    /// Event signature hash (topic 0).
    pub topic0: String,
    /// Decoded arguments by name (integers of 64 bits and more as decimal strings).
    #[schema(value_type = Object)]
    pub args: Value,
}

impl From<Event> for EventView {
    fn from(e: Event) -> Self {
        EventView {
            block_number: e.block_number,
            log_index: e.log_index,
            block_hash: e.block_hash,
            timestamp: rfc3339(e.block_time),
            transaction_hash: e.tx_hash,
            transaction_index: e.tx_index,
            contract: e.contract,
            address: e.address,
            event: e.event,
            topic0: e.topic0,
            args: serde_json::from_str(&e.args).unwrap_or(Value::String(e.args)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stored_project_status_has_its_ogcr_name_and_back() {
        // As the indexer stores them (the contract's ProjectStatus names, underscored).
        for (stored, ogcr) in [
            ("draft", "draft"),
            ("submitted", "submitted"),
            ("under_review", "under_review"),
            ("validated", "approved"),
            ("rejected", "rejected"),
            ("archived", "archived"),
        ] {
            assert_eq!(ogcr_status(stored), ogcr, "{stored}");
            assert_eq!(onchain_status(ogcr), stored, "{ogcr}");
        }
        assert_eq!(ogcr_status("unknown_9"), "unknown_9");
    }
}
