//! From an indexed chain event (a row of `events`: contract, event name, arguments as named
//! JSON) to a webhook event and its payload:
//!
//! | webhook | on-chain event |
//! |---|---|
//! | `project.created` | `ProjectRegistry.PDDRegistered` |
//! | `project.submitted` | `ProjectRegistry.ProjectStatusChanged` to Submitted |
//! | `project.approved` | `ProjectRegistry.ProjectValidated` |
//! | `project.rejected` | `ProjectRegistry.ProjectRejected` |
//! | `mrv.submitted` | `MRVRegistry.MRVSubmitted` |
//! | `mrv.verified` | `MRVRegistry.MRVVerified` |
//! | `mrv.rejected` | `MRVRegistry.MRVRejected` |
//! | `credit.issued` | `CarbonRemovalUnit.CRUMinted` (serial and buffer blocks) |
//! | `credit.transferred` | `CarbonRemovalUnit.Transfer` between two holders (not a mint) |
//! | `credit.retired` | `CarbonRemovalUnit.CRURetired` |
//!
//! The payload is fixed when the delivery is queued (every retry sends the same bytes) and
//! depends on the event alone, so queueing it again after a crash queues the same thing.

use ogcr_store::Event;
use serde_json::{Map, Value, json};

use super::EventType;

/// The on-chain event names some webhook comes from (the worker reads only these).
pub const SOURCE_EVENTS: &[&str] = &[
    "PDDRegistered",
    "ProjectStatusChanged",
    "ProjectValidated",
    "ProjectRejected",
    "MRVSubmitted",
    "MRVVerified",
    "MRVRejected",
    "CRUMinted",
    "Transfer",
    "CRURetired",
];

/// `ProjectStatus.Submitted` in the contract's enum.
const SUBMITTED: u64 = 2;
/// `UnitStatus.Buffer`.
const BUFFER: u64 = 3;
const ZERO_ADDRESS: &str = "0x0000000000000000000000000000000000000000";

/// The webhook event an indexed event is, if any.
pub fn webhook_of(e: &Event) -> Option<EventType> {
    let args: Value = serde_json::from_str(&e.args).ok()?;
    Some(match (e.contract.as_str(), e.event.as_str()) {
        ("ProjectRegistry", "PDDRegistered") => EventType::ProjectCreated,
        ("ProjectRegistry", "ProjectStatusChanged") if args["to"].as_u64() == Some(SUBMITTED) => {
            EventType::ProjectSubmitted
        }
        ("ProjectRegistry", "ProjectValidated") => EventType::ProjectApproved,
        ("ProjectRegistry", "ProjectRejected") => EventType::ProjectRejected,
        ("MRVRegistry", "MRVSubmitted") => EventType::MrvSubmitted,
        ("MRVRegistry", "MRVVerified") => EventType::MrvVerified,
        ("MRVRegistry", "MRVRejected") => EventType::MrvRejected,
        ("CarbonRemovalUnit", "CRUMinted") => EventType::CreditIssued,
        ("CarbonRemovalUnit", "Transfer")
            if args["from"].as_str().is_some_and(|a| a != ZERO_ADDRESS)
                && args["to"].as_str().is_some_and(|a| a != ZERO_ADDRESS) =>
        {
            EventType::CreditTransferred
        }
        ("CarbonRemovalUnit", "CRURetired") => EventType::CreditRetired,
        _ => return None,
    })
}

/// The project key (`0x…` keccak of the project id) an event names, if it names one.
pub fn project_key(e: &Event) -> Option<String> {
    let args: Value = serde_json::from_str(&e.args).ok()?;
    args["projectKey"].as_str().map(str::to_owned)
}

/// The stable id of an event: `evt_<chain id>_<block>_<log index>` (unique once final: a
/// final block is never replaced). It is the `webhook-id` of every attempt.
pub fn event_id(e: &Event) -> String {
    format!("evt_{}_{}_{}", e.chain_id, e.block_number, e.log_index)
}

fn time(unix_seconds: Option<i64>) -> Value {
    unix_seconds
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|d| Value::String(d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)))
        .unwrap_or(Value::Null)
}

/// An integer argument (small ones are JSON numbers, uint64 and wider decimal strings).
fn int(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

/// A token or report id as the API shows it (decimal string).
fn id(v: &Value) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        Value::String(_) => v.clone(),
        _ => Value::Null,
    }
}

/// The `data` of a webhook of type `ty` from the event's arguments; `project_id` is the
/// project's id when the event names it by key.
pub fn data(e: &Event, ty: EventType, project_id: Option<&str>) -> Value {
    let a: Value = serde_json::from_str(&e.args).unwrap_or(Value::Null);
    let project = project_id
        .map(|p| Value::String(p.to_owned()))
        .unwrap_or_else(|| a["projectId"].clone());
    match ty {
        EventType::ProjectCreated => json!({
            "project_id": a["projectId"],
            "status": "draft",
            "developer": a["developer"],
            "pdd_hash": a["pddHash"],
            "pdd_uri": a["pddUri"],
            "external_registry": a["externalRegistry"],
            "external_project_id": a["externalProjectId"],
        }),
        EventType::ProjectSubmitted => json!({
            "project_id": project,
            "status": "submitted",
            "submitted_by": a["actor"],
        }),
        EventType::ProjectApproved => json!({
            "project_id": project,
            "status": "approved",
            "approved_by": a["validator"],
            "validation_report_hash": a["reportHash"],
            "justification": a["justification"],
            "crediting_start": time(int(&a["creditingStart"])),
            "crediting_end": time(int(&a["creditingEnd"])),
        }),
        EventType::ProjectRejected => json!({
            "project_id": project,
            "status": "rejected",
            "rejected_by": a["validator"],
            "validation_report_hash": a["reportHash"],
            "reasons": a["justification"],
        }),
        EventType::MrvSubmitted => json!({
            "mrv_id": id(&a["mrvId"]),
            "project_id": project,
            "status": "submitted",
            "submitted_by": a["submitter"],
            "mrv_hash": a["mrvHash"],
            "dataset_commitment": a["datasetCommitment"],
            "period_start": time(int(&a["periodStart"])),
            "period_end": time(int(&a["periodEnd"])),
            "uri": a["uri"],
        }),
        EventType::MrvVerified => json!({
            "mrv_id": id(&a["mrvId"]),
            "project_id": project,
            "status": "verified",
            "verified_by": a["verifier"],
            "verified_removals_kg": id(&a["amountKg"]),
            "verification_report_hash": a["verificationReportHash"],
            "attestation_digest": a["attestationDigest"],
        }),
        EventType::MrvRejected => json!({
            "mrv_id": id(&a["mrvId"]),
            "project_id": project,
            "status": "rejected",
            "rejected_by": a["verifier"],
            "verification_report_hash": a["verificationReportHash"],
            "attestation_digest": a["attestationDigest"],
        }),
        EventType::CreditIssued => {
            let unit = &a["unit"];
            json!({
                "credit_id": id(&a["tokenId"]),
                "mrv_id": id(&a["mrvId"]),
                "project_id": project,
                "owner": a["to"],
                "amount": int(&unit["amount"]),
                "serial_start": int(&unit["serialStart"]),
                "vintage_year": int(&unit["vintage"]),
                "buffer": int(&unit["status"]).map(|s| s as u64 == BUFFER),
                "itmo_reference": a["itmoReference"],
            })
        }
        EventType::CreditTransferred => json!({
            "credit_id": id(&a["tokenId"]),
            "from": a["from"],
            "to": a["to"],
        }),
        EventType::CreditRetired => {
            let info = &a["info"];
            json!({
                "credit_id": id(&a["tokenId"]),
                "owner": a["owner"],
                "retired_by": a["actor"],
                "serial_start": int(&a["serialStart"]),
                "amount": int(&a["amount"]),
                "reason_code": int(&info["reasonCode"]),
                "beneficiary": info["beneficiary"],
                "beneficiary_id": info["beneficiaryId"],
                "detail": info["detail"],
                "retirement_timestamp": time(int(&a["timestamp"])),
            })
        }
    }
}

/// The body POSTed for event `e` as webhook `ty`: the event's id, type and block time, where
/// it is on the chain, and its `data`.
pub fn payload(e: &Event, ty: EventType, project_id: Option<&str>) -> String {
    let mut body = Map::new();
    body.insert("id".into(), event_id(e).into());
    body.insert("event".into(), ty.as_str().into());
    body.insert("timestamp".into(), time(Some(e.block_time)));
    body.insert("chain_id".into(), e.chain_id.into());
    body.insert("block_number".into(), e.block_number.into());
    body.insert("block_hash".into(), e.block_hash.clone().into());
    body.insert("tx_hash".into(), e.tx_hash.clone().into());
    body.insert("log_index".into(), e.log_index.into());
    body.insert("contract".into(), e.address.clone().into());
    body.insert("data".into(), data(e, ty, project_id));
    Value::Object(body).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(contract: &str, name: &str, args: Value) -> Event {
        Event {
            block_number: 120,
            log_index: 3,
            chain_id: 31337,
            block_hash: format!("0x{}", "b".repeat(64)),
            block_time: 1_765_000_000,
            tx_hash: format!("0x{}", "a".repeat(64)),
            tx_index: 0,
            contract: contract.into(),
            address: "0x5fbdb2315678afecb367f032d93f642f64180aa3".into(),
            event: name.into(),
            topic0: String::new(),
            args: args.to_string(),
        }
    }

    #[test]
    fn chain_events_map_to_the_ten_webhook_types() {
        let key = format!("0x{}", "c".repeat(64));
        let holder = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
        let cases = [
            (
                event(
                    "ProjectRegistry",
                    "PDDRegistered",
                    json!({"projectId": "OGCR-BR-0001", "projectKey": key}),
                ),
                Some(EventType::ProjectCreated),
            ),
            (
                event(
                    "ProjectRegistry",
                    "ProjectStatusChanged",
                    json!({"projectKey": key, "from": 1, "to": 2}),
                ),
                Some(EventType::ProjectSubmitted),
            ),
            (
                event(
                    "ProjectRegistry",
                    "ProjectStatusChanged",
                    json!({"projectKey": key, "from": 2, "to": 3}),
                ),
                None,
            ),
            (
                event("ProjectRegistry", "ProjectValidated", json!({})),
                Some(EventType::ProjectApproved),
            ),
            (
                event("ProjectRegistry", "ProjectRejected", json!({})),
                Some(EventType::ProjectRejected),
            ),
            (
                event("MRVRegistry", "MRVSubmitted", json!({})),
                Some(EventType::MrvSubmitted),
            ),
            (
                event("MRVRegistry", "MRVVerified", json!({})),
                Some(EventType::MrvVerified),
            ),
            (
                event("MRVRegistry", "MRVRejected", json!({})),
                Some(EventType::MrvRejected),
            ),
            (
                event("CarbonRemovalUnit", "CRUMinted", json!({})),
                Some(EventType::CreditIssued),
            ),
            (
                event(
                    "CarbonRemovalUnit",
                    "Transfer",
                    json!({"from": holder, "to": "0x23618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f", "tokenId": "7"}),
                ),
                Some(EventType::CreditTransferred),
            ),
            (
                event(
                    "CarbonRemovalUnit",
                    "Transfer",
                    json!({"from": ZERO_ADDRESS, "to": holder, "tokenId": "7"}),
                ),
                None,
            ),
            (
                event("CarbonRemovalUnit", "CRURetired", json!({})),
                Some(EventType::CreditRetired),
            ),
            (event("OGCRAccessControl", "RoleGranted", json!({})), None),
        ];
        for (e, want) in &cases {
            assert_eq!(webhook_of(e), *want, "{} {}", e.contract, e.event);
            if want.is_some() {
                assert!(SOURCE_EVENTS.contains(&e.event.as_str()), "{}", e.event);
            }
        }
        assert_eq!(project_key(&cases[1].0), Some(key));
    }

    #[test]
    fn the_payload_carries_the_event_id_and_chain_position() {
        let e = event(
            "CarbonRemovalUnit",
            "CRURetired",
            json!({"tokenId": "23", "owner": "0x01", "actor": "0x01", "serialStart": "100",
                   "amount": "250", "timestamp": "1765000000",
                   "info": {"reasonCode": 1, "beneficiary": "Acme Airlines", "beneficiaryId": "", "detail": ""}}),
        );
        let body: Value =
            serde_json::from_str(&payload(&e, EventType::CreditRetired, None)).unwrap();
        assert_eq!(body["id"], "evt_31337_120_3");
        assert_eq!(body["event"], "credit.retired");
        assert_eq!(body["timestamp"], "2025-12-06T05:46:40Z");
        assert_eq!(body["chain_id"], 31337);
        assert_eq!(body["block_number"], 120);
        assert_eq!(body["log_index"], 3);
        assert_eq!(body["tx_hash"], e.tx_hash);
        assert_eq!(body["data"]["credit_id"], "23");
        assert_eq!(body["data"]["amount"], 250);
        assert_eq!(body["data"]["beneficiary"], "Acme Airlines");
        // The same event gives the same bytes (a re-queued delivery is identical).
        assert_eq!(
            payload(&e, EventType::CreditRetired, None),
            payload(&e, EventType::CreditRetired, None)
        );
    }
}
