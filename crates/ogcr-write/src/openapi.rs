//! The write API's part of the OpenAPI 3.1 document: every write route with its request
//! schema and example, the statuses it answers, the `bearer` security scheme with the scope
//! each route needs, and the schemas of tasks and request bodies. The read API merges it
//! into `/openapi.json` (`ogcr_api::router_with`).

use serde_json::{Map, Value, json};
use utoipa::{PartialSchema, ToSchema};

use crate::routes::{
    TaskTransaction, TaskView,
    credits::{CancelBody, IssueBody, RetireBody, SplitBody, TransferBody},
    monitoring::{RejectBody as MrvRejectBody, VerifyBody},
    projects::{ApproveBody, ArchiveBody, RejectBody as ProjectRejectBody},
    webhooks::{CreateWebhookBody, DeliveryCounts, DeliveryView, WebhookView},
};

fn schema<T: ToSchema + PartialSchema>(out: &mut Map<String, Value>) {
    out.insert(
        T::name().into_owned(),
        serde_json::to_value(T::schema()).expect("schemas serialise"),
    );
}

fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn error(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": r("ErrorBody") } } })
}

fn path_param(name: &str, description: &str, example: Value) -> Value {
    json!({ "name": name, "in": "path", "required": true, "description": description,
            "schema": { "type": "string" }, "example": example })
}

/// A path parameter whose values match `pattern` (others are 400).
fn path_param_matching(name: &str, description: &str, example: Value, pattern: &str) -> Value {
    let mut p = path_param(name, description, example);
    p["schema"]["pattern"] = json!(pattern);
    p
}

/// One write operation.
struct Op {
    method: &'static str,
    path: &'static str,
    id: &'static str,
    tag: &'static str,
    summary: &'static str,
    description: &'static str,
    scope: &'static str,
    body: Option<(Value, Value)>,
    params: Vec<Value>,
    /// The read API's schema of the resource answered once indexed, and 201 or 200.
    resource: (&'static str, u16),
    /// Extra query parameters.
    query: Vec<Value>,
}

fn common_headers(op_id: &str) -> Vec<Value> {
    vec![
        json!({ "name": "Idempotency-Key", "in": "header", "required": false,
            "description": "Makes the request safe to retry: the same key and body answer the first answer; the same key with another body is 422. 1–255 visible ASCII characters.",
            "schema": { "type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]([ -~]*[!-~])?$" },
            "example": format!("9b2d6c1e-{op_id}-1") }),
        json!({ "name": "Prefer", "in": "header", "required": false,
            "description": "`wait=N` (RFC 7240): wait up to N seconds (at most 120) and answer the indexed resource instead of the task.",
            "schema": { "type": "string" }, "example": "wait=30" }),
    ]
}

fn operation(op: &Op) -> Value {
    let mut params = op.params.clone();
    params.extend(op.query.iter().cloned());
    params.extend(common_headers(op.id));
    let (resource, done) = op.resource;
    let mut responses = Map::new();
    responses.insert(
        "202".into(),
        json!({
            "description": "Accepted: a task was queued. `Location` is the task's URL.",
            "headers": { "Location": { "description": "The task", "schema": { "type": "string" } } },
            "content": { "application/json": { "schema": r("TaskView") } },
        }),
    );
    responses.insert(
        done.to_string(),
        json!({
            "description": "With `Prefer: wait=N`: the resource as the read API serves it once indexed. `Location` is its URL; `Link: rel=monitor` the task's.",
            "headers": { "Location": { "description": "The resource", "schema": { "type": "string" } } },
            "content": { "application/json": { "schema": r(resource) } },
        }),
    );
    for (code, what) in [
        (
            "400",
            "A path segment or query parameter is invalid (VALIDATION_ERROR)",
        ),
        (
            "401",
            "No key, or a malformed, unknown, revoked or expired key (AUTHENTICATION_REQUIRED)",
        ),
        (
            "403",
            "The key lacks the scope, or the organization lacks the on-chain role, the project or the credit (INSUFFICIENT_PERMISSIONS)",
        ),
        (
            "404",
            "The project, report or credit is not registered (RESOURCE_NOT_FOUND)",
        ),
        (
            "409",
            "The registry's state forbids it (wrong status, duplicate id or reference), the Idempotency-Key is in use, or — with `Prefer: wait` — the chain refused the transaction (CONFLICT)",
        ),
        (
            "422",
            "The body fails validation: every failing field with a JSON pointer, message, hint and reason code (VALIDATION_ERROR)",
        ),
        ("429", "Rate limited (RATE_LIMIT_EXCEEDED); see Retry-After"),
        (
            "503",
            "The database or the chain is not reachable (SERVICE_UNAVAILABLE)",
        ),
    ] {
        responses.insert(code.into(), error(what));
    }
    let mut o = json!({
        "operationId": op.id,
        "tags": [op.tag],
        "summary": op.summary,
        "description": format!("{}\n\nScope: `{}`.", op.description, op.scope),
        "security": [{ "bearer": [op.scope] }],
        "parameters": params,
        "responses": responses,
    });
    if let Some((schema, example)) = &op.body {
        o["requestBody"] = json!({
            "required": true,
            "content": { "application/json": { "schema": schema, "example": example } },
        });
    }
    o
}

fn pid() -> Value {
    path_param("project_id", "Project id", json!("OGCR-IN-0012"))
}

fn mid() -> Value {
    path_param_matching(
        "mrv_id",
        "Report number (the on-chain report id), or `<project_id>-MRV-<number>` (the id the read API gives a report whose document it has not read)",
        json!("11"),
        "^([0-9]+|.+-MRV-[0-9]+)$",
    )
}

fn cid() -> Value {
    path_param_matching(
        "credit_id",
        "Credit (token) id, or `cru_<id>`",
        json!("23"),
        "^(cru_)?[0-9]+$",
    )
}

fn h(c: char) -> String {
    format!("sha256:{}", c.to_string().repeat(64))
}

fn operations() -> Vec<Op> {
    let empty = Some((json!({ "type": "object" }), json!({})));
    vec![
        Op {
            method: "post",
            path: "/projects",
            id: "createProject",
            tag: "projects",
            summary: "Register a project (PDD)",
            description: "The body is an OGCR PDD GeoJSON Feature; without `id` the registry issues `OGCR-<country>-<NNNN>`. Schema, methodology and version, geometry validity and overlap with registered projects are checked before anything is sent. The document is stored content-addressed and anchored as `ogcr://sha256/<hex>`. On-chain role: developer.",
            scope: "projects:write",
            body: Some((
                r("PddDocument"),
                json!({"type": "Feature", "ogcr_version": "0.1.0", "profile": "pdd",
                "geometry": {"type": "Polygon", "coordinates": [[[-39.3, -16.5], [-39.2, -16.5], [-39.2, -16.42], [-39.3, -16.5]]]},
                "properties": {"name": "Atlantic Forest corridor", "creation_date": "2026-01-15T09:00:00Z", "project_type": "reforestation",
                    "status": "draft", "actor_id": "did:ogcr:actor:terraviva", "methodology": {"id": "VM0047", "version": "1.0"}}}),
            )),
            params: vec![],
            query: vec![
                json!({"name": "external_registry", "in": "query", "required": false, "description": "A registry the project is also listed in", "schema": {"type": "string"}, "example": "Verra"}),
                json!({"name": "external_project_id", "in": "query", "required": false, "description": "Its id there", "schema": {"type": "string"}, "example": "3989"}),
            ],
            resource: ("ProjectFeature", 201),
        },
        Op {
            method: "put",
            path: "/projects/{project_id}",
            id: "updateProject",
            tag: "projects",
            summary: "Revise the PDD (new version)",
            description: "A new PDD version while the project is draft or rejected (a rejected project returns to draft). Developer of the project only.",
            scope: "projects:write",
            body: Some((
                r("PddDocument"),
                json!({"type": "Feature", "ogcr_version": "0.1.0", "profile": "pdd"}),
            )),
            params: vec![pid()],
            query: vec![],
            resource: ("ProjectFeature", 200),
        },
        Op {
            method: "post",
            path: "/projects/{project_id}/submit",
            id: "submitProject",
            tag: "projects",
            summary: "Submit a draft project for validation",
            description: "Developer of the project only.",
            scope: "projects:write",
            body: empty.clone(),
            params: vec![pid()],
            query: vec![],
            resource: ("ProjectFeature", 200),
        },
        Op {
            method: "post",
            path: "/projects/{project_id}/review",
            id: "reviewProject",
            tag: "projects",
            summary: "Take a submitted project into review",
            description: "On-chain role: validator.",
            scope: "projects:approve",
            body: empty.clone(),
            params: vec![pid()],
            query: vec![],
            resource: ("ProjectFeature", 200),
        },
        Op {
            method: "post",
            path: "/projects/{project_id}/approve",
            id: "approveProject",
            tag: "projects",
            summary: "Validate a project",
            description: "Records the validation report's hash and fixes the crediting period. On-chain role: validator.",
            scope: "projects:approve",
            body: Some((
                r("ApproveBody"),
                json!({"validation_report_hash": h('a'), "comments": "meets VM0047 v1.0", "crediting_start": "2025-01-01", "crediting_end": "2035-01-01"}),
            )),
            params: vec![pid()],
            query: vec![],
            resource: ("ProjectFeature", 200),
        },
        Op {
            method: "post",
            path: "/projects/{project_id}/reject",
            id: "rejectProject",
            tag: "projects",
            summary: "Reject a project, with reasons",
            description: "On-chain role: validator. The developer may then revise the PDD.",
            scope: "projects:approve",
            body: Some((
                r("ProjectRejectBody"),
                json!({"reasons": ["baseline not conservative"]}),
            )),
            params: vec![pid()],
            query: vec![],
            resource: ("ProjectFeature", 200),
        },
        Op {
            method: "post",
            path: "/projects/{project_id}/archive",
            id: "archiveProject",
            tag: "projects",
            summary: "Archive a validated project",
            description: "Its developer or a registry operator.",
            scope: "projects:write",
            body: Some((r("ArchiveBody"), json!({"reason": "project ended"}))),
            params: vec![pid()],
            query: vec![],
            resource: ("ProjectFeature", 200),
        },
        Op {
            method: "post",
            path: "/projects/{project_id}/monitoring",
            id: "submitMonitoringReport",
            tag: "monitoring",
            summary: "Submit a monitoring report (MRV)",
            description: "The body is an OGCR MRV GeoJSON Feature for an approved project of the caller's. Its period must have ended and not overlap the project's other reports; its methodology must be the project's. The answer includes the CS-01 dataset commitment computed over `properties.methodology_data`, which a verifier attests. On-chain role: developer.",
            scope: "mrv:write",
            body: Some((
                r("MrvDocument"),
                json!({"type": "Feature", "ogcr_version": "0.1.0", "profile": "mrv"}),
            )),
            params: vec![pid()],
            query: vec![],
            resource: ("MrvFeature", 201),
        },
        Op {
            method: "post",
            path: "/projects/{project_id}/monitoring/{mrv_id}/verify",
            id: "verifyMonitoringReport",
            tag: "monitoring",
            summary: "Verify a monitoring report",
            description: "Either the verifier's decision (on-chain role: verifier), or `{\"attestation\": …}`: an EIP-712 attestation the verifier signed offline, relayed by the caller — the registry checks its signature, domain, project and commitment, and that its signer holds the verifier role, but never holds the verifier's key.",
            scope: "mrv:verify",
            body: Some((
                r("VerifyBody"),
                json!({"verification_outcome": "approved", "verified_removals": 1050.2, "verification_report_hash": h('f')}),
            )),
            params: vec![pid(), mid()],
            query: vec![],
            resource: ("MrvFeature", 200),
        },
        Op {
            method: "post",
            path: "/projects/{project_id}/monitoring/{mrv_id}/reject",
            id: "rejectMonitoringReport",
            tag: "monitoring",
            summary: "Reject a monitoring report",
            description: "On-chain role: verifier.",
            scope: "mrv:verify",
            body: Some((
                r("MrvRejectBody"),
                json!({"reasons": ["sampling plan not followed"], "verification_report_hash": h('f')}),
            )),
            params: vec![pid(), mid()],
            query: vec![],
            resource: ("MrvFeature", 200),
        },
        Op {
            method: "post",
            path: "/credits/issue",
            id: "issueCredits",
            tag: "credits",
            summary: "Issue CRUs against a verified report",
            description: "A serial block to `to` and a buffer block to the buffer account, never beyond the verified amount (checked before sending). On-chain role: registry operator.",
            scope: "credits:issue",
            body: Some((
                r("IssueBody"),
                json!({"mrv_id": 11, "to": "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f", "amount": 1000, "buffer_amount": 100, "labels": ["corsia"]}),
            )),
            params: vec![],
            query: vec![],
            resource: ("Credit", 201),
        },
        Op {
            method: "post",
            path: "/credits/transfer",
            id: "transferCredits",
            tag: "credits",
            summary: "Transfer credits",
            description: "Whole credits the organization holds, or with `amount` (one credit) that many tonnes split off and transferred.",
            scope: "credits:transfer",
            body: Some((
                r("TransferBody"),
                json!({"credit_ids": [23], "recipient": "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720", "amount": 200}),
            )),
            params: vec![],
            query: vec![],
            resource: ("Credit", 200),
        },
        Op {
            method: "post",
            path: "/credits/{credit_id}/split",
            id: "splitCredit",
            tag: "credits",
            summary: "Split a credit",
            description: "A new credit of the same holder with `amount` tonnes.",
            scope: "credits:transfer",
            body: Some((r("SplitBody"), json!({"amount": 300}))),
            params: vec![cid()],
            query: vec![],
            resource: ("Credit", 201),
        },
        Op {
            method: "post",
            path: "/credits/{credit_id}/retire",
            id: "retireCredit",
            tag: "credits",
            summary: "Retire a credit for a beneficiary",
            description: "The retired credit is answered; its id is the retirement id, and `/retirements/{id}` is its public record.",
            scope: "credits:retire",
            body: Some((
                r("RetireBody"),
                json!({"amount": 250, "reason": "corsia", "beneficiary": "Acme Airlines", "beneficiary_id": "LEI-5493001KJTIIGC8Y1R12", "note": "CORSIA offsetting 2026"}),
            )),
            params: vec![cid()],
            query: vec![],
            resource: ("Credit", 201),
        },
        Op {
            method: "post",
            path: "/credits/{credit_id}/cancel",
            id: "cancelCredit",
            tag: "credits",
            summary: "Cancel a credit",
            description: "On-chain role: registry operator.",
            scope: "credits:cancel",
            body: Some((r("CancelBody"), json!({"amount": 10, "reason": "reversal"}))),
            params: vec![cid()],
            query: vec![],
            resource: ("Credit", 201),
        },
    ]
}

/// The members each body needs, and the groups of which it needs one (`reasons` or the
/// comments, a reason or its alias). The structs keep every member optional so that a 422 can
/// name all that are missing at once; the schemas say what a valid body holds.
const REQUIRED: &[(&str, &[&str], &[&str])] = &[
    (
        "ApproveBody",
        &["validation_report_hash", "crediting_start", "crediting_end"],
        &[],
    ),
    ("ProjectRejectBody", &[], &["reasons", "comments"]),
    ("ArchiveBody", &["reason"], &[]),
    (
        "MrvRejectBody",
        &["verification_report_hash"],
        &["reasons", "verifier_comments"],
    ),
    ("IssueBody", &["mrv_id", "amount"], &[]),
    ("TransferBody", &["credit_ids", "recipient"], &[]),
    ("SplitBody", &["amount"], &[]),
    (
        "RetireBody",
        &["beneficiary"],
        &["reason", "retirement_reason"],
    ),
    ("CancelBody", &["reason"], &[]),
    ("CreateWebhookBody", &["url", "events"], &[]),
];

/// Marks the members of [`REQUIRED`] required (or one of each group) and not null. Panics on
/// a member the schema does not have, so that renaming one fails the OpenAPI tests.
fn require(schemas: &mut Map<String, Value>) {
    for (name, members, one_of) in REQUIRED {
        let schema = &mut schemas[*name];
        for m in members.iter().chain(one_of.iter()) {
            let member = schema["properties"]
                .get_mut(*m)
                .unwrap_or_else(|| panic!("{name} has no member {m}"));
            if let Some(types) = member["type"].as_array_mut() {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    member["type"] = types[0].clone();
                }
            }
        }
        if !members.is_empty() {
            schema["required"] = json!(members);
        }
        if !one_of.is_empty() {
            schema["anyOf"] = one_of.iter().map(|m| json!({ "required": [m] })).collect();
        }
    }
}

/// The write API's paths and components, to merge into the read API's document.
pub fn openapi() -> Value {
    let mut paths = Map::new();
    for op in operations() {
        let item = paths
            .entry(op.path)
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("path items are objects");
        item.insert(op.method.into(), operation(&op));
    }
    let auth_errors = |mut responses: Map<String, Value>| {
        for (c, what) in [
            ("401", "No valid key (AUTHENTICATION_REQUIRED)"),
            ("403", "The key lacks the scope (INSUFFICIENT_PERMISSIONS)"),
            ("429", "Rate limited (RATE_LIMIT_EXCEEDED)"),
            ("503", "The database is not reachable (SERVICE_UNAVAILABLE)"),
        ] {
            responses.insert(c.into(), error(what));
        }
        Value::Object(responses)
    };
    let mut task = Map::new();
    task.insert("200".into(), json!({"description": "The task", "content": {"application/json": {"schema": r("TaskView")}}}));
    task.insert(
        "404".into(),
        error("No task of the caller's organization with that id (RESOURCE_NOT_FOUND)"),
    );
    paths.insert("/tasks/{task_id}".into(), json!({ "get": {
        "operationId": "getTask", "tags": ["writes"], "summary": "A task of the caller's organization",
        "description": "Any key of the organization that asked (or one with `audit:read`).",
        "security": [{"bearer": []}],
        "parameters": [path_param("task_id", "Task id", json!("5f0c6f1e-8a39-4c8e-a1f6-0d3a0c2b9e11"))],
        "responses": auth_errors(task),
    }}));
    let mut audit = Map::new();
    audit.insert("200".into(), json!({"description": "Audit entries, oldest first, with `next_cursor` while more follow",
        "content": {"application/json": {"schema": {"type": "object", "required": ["data"], "properties": {
            "data": {"type": "array", "items": {"type": "object"}}, "next_cursor": {"type": ["string", "null"]}}}}}}));
    audit.insert(
        "400".into(),
        error("A parameter is invalid (VALIDATION_ERROR)"),
    );
    paths.insert("/audit".into(), json!({ "get": {
        "operationId": "listAudit", "tags": ["writes"], "summary": "The audit log of write requests",
        "description": "Every authorization decision (accepted, denied, invalid, failed) with organization, key id, route, resource, status, reason, request id and task id. Append-only. Scope: `audit:read`.",
        "security": [{"bearer": ["audit:read"]}],
        "parameters": [
            {"name": "organization", "in": "query", "schema": {"type": "string"}, "example": "developer"},
            {"name": "outcome", "in": "query", "schema": {"type": "string", "enum": ["accepted", "denied", "invalid", "failed"]}, "example": "denied"},
            {"name": "cursor", "in": "query", "schema": {"type": "string"}, "description": "`next_cursor` of the previous page"},
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}, "example": 100},
        ],
        "responses": auth_errors(audit),
    }}));
    paths.insert("/documents/{sha256}".into(), json!({ "get": {
        "operationId": "getDocument", "tags": ["writes"], "summary": "The bytes of an anchored document",
        "description": "The CS-01 canonical JSON of a PDD or MRV whose SHA-256 the chain anchors, for remote indexers to fetch and hash-check. Public.",
        "parameters": [path_param_matching("sha256", "SHA-256 of the document (64 hex digits, optionally 0x-prefixed)", json!("eb28a11acea4bcc6364915826eca66f520d9aa7d1ce087136e862cc681290279"), "^(0x)?[0-9a-fA-F]{64}$")],
        "responses": {
            "200": {"description": "The document", "content": {"application/json": {"schema": {"type": "object"}}}},
            "400": error("Not a SHA-256 (VALIDATION_ERROR)"),
            "404": error("No such document here (RESOURCE_NOT_FOUND)"),
            "429": error("Rate limited (RATE_LIMIT_EXCEEDED)"),
            "503": error("The database is not reachable (SERVICE_UNAVAILABLE)"),
        },
    }}));
    webhook_paths(&mut paths);
    let mut schemas = Map::new();
    schema::<TaskView>(&mut schemas);
    // `result` and `error` are `null` until the task confirms or fails.
    let task = &mut schemas["TaskView"]["properties"];
    task["result"]["type"] = json!(["object", "null"]);
    task["error"]["type"] = json!(["object", "null"]);
    task["error"]["properties"] = json!({ "message": { "type": "string" } });
    task["error"]["required"] = json!(["message"]);
    schema::<TaskTransaction>(&mut schemas);
    schema::<ApproveBody>(&mut schemas);
    schema::<ProjectRejectBody>(&mut schemas);
    schema::<ArchiveBody>(&mut schemas);
    schema::<VerifyBody>(&mut schemas);
    schema::<MrvRejectBody>(&mut schemas);
    schema::<IssueBody>(&mut schemas);
    schema::<TransferBody>(&mut schemas);
    schema::<SplitBody>(&mut schemas);
    schema::<RetireBody>(&mut schemas);
    schema::<CancelBody>(&mut schemas);
    schema::<CreateWebhookBody>(&mut schemas);
    schema::<WebhookView>(&mut schemas);
    schema::<DeliveryCounts>(&mut schemas);
    schema::<DeliveryView>(&mut schemas);
    require(&mut schemas);
    // Only the known event types are accepted, 1–50 of them; the limits the route checks.
    let hook = &mut schemas["CreateWebhookBody"]["properties"];
    hook["events"]["items"]["enum"] = json!(crate::webhooks::EventType::ALL.map(|t| t.as_str()));
    hook["events"]["minItems"] = json!(1);
    hook["events"]["maxItems"] = json!(50);
    hook["url"]["maxLength"] = json!(crate::webhooks::ssrf::MAX_URL_LEN);
    hook["description"]["maxLength"] = json!(500);
    json!({
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http", "scheme": "bearer",
                    "description": "An API key (`ogcr keys create`): `Authorization: Bearer ogcr_<key id>_<secret>`. Each key belongs to an organization, whose on-chain account signs, and carries scopes: projects:write, projects:approve, mrv:write, mrv:verify, credits:issue, credits:transfer, credits:retire, credits:cancel, audit:read, webhooks:manage."
                }
            }
        },
        "tags": [
            {"name": "writes", "description": "Tasks, the audit log and anchored documents of the write API"},
            {"name": "webhooks", "description": "Subscriptions to lifecycle events, delivered once final and signed per Standard Webhooks (docs/api.md, Webhooks)"}
        ],
    })
}

/// `/webhooks` and its sub-resources (scope `webhooks:manage`).
fn webhook_paths(paths: &mut Map<String, Value>) {
    let security = json!([{ "bearer": ["webhooks:manage"] }]);
    let with_errors = |mut responses: Map<String, Value>, extra: &[(&str, &str)]| {
        for (c, what) in [
            (
                "401",
                "No key, or a malformed, unknown, revoked or expired key (AUTHENTICATION_REQUIRED)",
            ),
            (
                "403",
                "The key lacks the scope webhooks:manage (INSUFFICIENT_PERMISSIONS)",
            ),
            ("429", "Rate limited (RATE_LIMIT_EXCEEDED); see Retry-After"),
            ("503", "The database is not reachable (SERVICE_UNAVAILABLE)"),
        ]
        .iter()
        .chain(extra)
        {
            responses.insert((*c).into(), error(what));
        }
        Value::Object(responses)
    };
    let id = || {
        path_param(
            "webhook_id",
            "Webhook id",
            json!("wh_3f9a0c1e7b2d4a6c8e0f1a3b5c7d9e1f"),
        )
    };
    let not_found = (
        "404",
        "No webhook of the caller's organization with that id (RESOURCE_NOT_FOUND)",
    );
    let event_types = crate::webhooks::EventType::ALL
        .map(|t| format!("`{}`", t.as_str()))
        .join(", ");

    let mut created = Map::new();
    created.insert("201".into(), json!({
        "description": "Registered. `secret` is in the answer only when the registry generated it: store it, it is never shown again.",
        "headers": { "Location": { "description": "The webhook", "schema": { "type": "string" } } },
        "content": { "application/json": { "schema": r("WebhookView") } },
    }));
    let mut listed = Map::new();
    listed.insert(
        "200".into(),
        json!({
            "description": "The organization's webhooks, oldest first",
            "content": { "application/json": { "schema": {
                "type": "object", "required": ["data"],
                "properties": { "data": { "type": "array", "items": r("WebhookView") } } } } },
        }),
    );
    paths.insert("/webhooks".into(), json!({
        "post": {
            "operationId": "createWebhook", "tags": ["webhooks"],
            "summary": "Subscribe a URL to lifecycle events",
            "description": format!("Events are POSTed once final (out of the indexer's reorg window), in chain order, signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`), retried with exponential backoff for at least 24 h. Event types: {event_types}. The URL must be https on a public address (checked now, DNS included, and at every delivery) unless the operator allows private webhook targets. The secret is never returned; without one the registry generates a `whsec_` secret and answers it once. A subscription belongs to the caller's organization.\n\nScope: `webhooks:manage`."),
            "security": security,
            "parameters": [json!({ "name": "Idempotency-Key", "in": "header", "required": false,
                "description": "Makes the request safe to retry: the same key and body replay the first answer (without a generated secret, which is shown once); the same key with another body is 422.",
                "schema": { "type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]([ -~]*[!-~])?$" },
                "example": "9b2d6c1e-createWebhook-1" })],
            "requestBody": { "required": true, "content": { "application/json": {
                "schema": r("CreateWebhookBody"),
                "example": { "url": "https://your-app.example.com/webhooks/carbon-registry",
                             "events": ["project.approved", "credit.issued"],
                             "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" } } } },
            "responses": with_errors(created, &[
                ("400", "The Idempotency-Key header is invalid (VALIDATION_ERROR)"),
                ("409", "The organization has the most webhooks allowed, or the Idempotency-Key is in use (CONFLICT)"),
                ("422", "The body fails validation: a refused URL (named, with why: scheme, private or loopback address, DNS answer), an unknown event type, a bad secret (VALIDATION_ERROR)"),
            ]),
        },
        "get": {
            "operationId": "listWebhooks", "tags": ["webhooks"],
            "summary": "The organization's webhooks",
            "description": "Scope: `webhooks:manage`.",
            "security": security,
            "responses": with_errors(listed, &[]),
        },
    }));

    let mut one = Map::new();
    one.insert("200".into(), json!({
        "description": "The webhook: `status` is `active` or `disabled`, with `disabled_reason` saying why",
        "content": { "application/json": { "schema": r("WebhookView") } },
    }));
    let mut deleted = Map::new();
    deleted.insert(
        "204".into(),
        json!({ "description": "Deleted, with its queued deliveries" }),
    );
    paths.insert("/webhooks/{webhook_id}".into(), json!({
        "get": {
            "operationId": "getWebhook", "tags": ["webhooks"],
            "summary": "A webhook of the organization",
            "description": "Scope: `webhooks:manage`.",
            "security": security,
            "parameters": [id()],
            "responses": with_errors(one, &[not_found]),
        },
        "delete": {
            "operationId": "deleteWebhook", "tags": ["webhooks"],
            "summary": "Delete a webhook",
            "description": "Nothing more is sent to it (an attempt in flight aside). Scope: `webhooks:manage`.",
            "security": security,
            "parameters": [id()],
            "responses": with_errors(deleted, &[not_found]),
        },
    }));

    let mut enabled = Map::new();
    enabled.insert(
        "200".into(),
        json!({
            "description": "Active again",
            "content": { "application/json": { "schema": r("WebhookView") } },
        }),
    );
    paths.insert("/webhooks/{webhook_id}/enable".into(), json!({ "post": {
        "operationId": "enableWebhook", "tags": ["webhooks"],
        "summary": "Make a disabled webhook active again",
        "description": "Its queue resumes at the next pending delivery (the given-up one stays failed), and the events that became final while it was disabled follow, in order. Scope: `webhooks:manage`.",
        "security": security,
        "parameters": [id()],
        "responses": with_errors(enabled, &[not_found]),
    }}));

    let mut page = Map::new();
    page.insert(
        "200".into(),
        json!({
            "description": "Deliveries in event order, with `next_cursor` while more follow",
            "content": { "application/json": { "schema": {
                "type": "object", "required": ["data"],
                "properties": {
                    "data": { "type": "array", "items": r("DeliveryView") },
                    "next_cursor": { "type": ["string", "null"] } } } } },
        }),
    );
    paths.insert("/webhooks/{webhook_id}/deliveries".into(), json!({ "get": {
        "operationId": "listWebhookDeliveries", "tags": ["webhooks"],
        "summary": "A webhook's deliveries",
        "description": "Each queued event with its state (pending, delivered, failed = given up), attempts, the receiver's last status or error, and the payload sent. Scope: `webhooks:manage`.",
        "security": security,
        "parameters": [
            id(),
            {"name": "state", "in": "query", "schema": {"type": "string", "enum": ["pending", "delivered", "failed"]}, "example": "failed"},
            {"name": "cursor", "in": "query", "schema": {"type": "string"}, "description": "`next_cursor` of the previous page"},
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}, "example": 100},
        ],
        "responses": with_errors(page, &[
            ("400", "A parameter is invalid (VALIDATION_ERROR)"),
            not_found,
        ]),
    }}));
}
