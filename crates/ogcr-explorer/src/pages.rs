//! The page handlers. Each reads the resource from the read API (in-process) and renders it;
//! what the API does not serve (verification results, provenance, aggregates) comes from the
//! store.

use std::collections::HashMap;

use axum::{
    extract::{Path, Query, State},
    http::{StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{Explorer, PageError, certificate};

/// Page size of the lists.
const PAGE: i64 = 25;

fn answer(explorer: &Explorer, r: Result<Response, PageError>) -> Response {
    r.unwrap_or_else(|e| explorer.error_page(&e))
}

/// A query string of the non-empty `pairs`.
fn query(pairs: &[(&str, Option<String>)]) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if let Some(v) = v.as_ref().filter(|v| !v.trim().is_empty()) {
            q.append_pair(k, v.trim());
        }
    }
    q.finish()
}

/// Previous/next links of a list page at `offset` with `total` rows.
fn paging(base: &str, filters: &str, offset: i64, total: i64) -> Value {
    let link = |o: i64| {
        let sep = if filters.is_empty() { "" } else { "&" };
        format!("{base}?{filters}{sep}offset={o}")
    };
    let last = (total - 1).max(0) / PAGE * PAGE;
    json!({
        "offset": offset,
        "first": offset + 1,
        "last": (offset + PAGE).min(total),
        "total": total,
        "previous": (offset > 0).then(|| link((offset - PAGE).max(0))),
        "next": (offset + PAGE < total).then(|| link(offset + PAGE)),
        "start": (offset > 0).then(|| link(0)),
        "end": (offset + PAGE < total).then(|| link(last)),
        "page": offset / PAGE + 1,
        "pages": (total + PAGE - 1) / PAGE,
    })
}

fn offset_of(o: Option<String>) -> Result<i64, PageError> {
    match o.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
        None => Ok(0),
        Some(o) => o.parse::<i64>().ok().filter(|o| *o >= 0).ok_or_else(|| {
            PageError::Invalid(format!("offset {o:?} is not a number of rows (0 or more)"))
        }),
    }
}

/// The country of a project Feature's boundary (or the configured one).
fn country(explorer: &Explorer, feature: &Value) -> Option<String> {
    let id = feature.get("id").and_then(Value::as_str)?;
    if let Some(c) = explorer.config.countries.get(id) {
        return Some(c.clone());
    }
    let geometry: ogcr_core::Geometry =
        serde_json::from_value(feature.get("geometry")?.clone()).ok()?;
    let located = ogcr_export::country::locate(&geometry)?;
    Some(ogcr_export::country::display_name(&located.alpha2))
}

/// `GET /` for people: the registry's totals, charts and latest events.
pub async fn home(State(x): State<Explorer>) -> Response {
    let r = async {
        let stats = x.api_found("/stats", "the registry's supply").await?;
        let first = x.api_found("/events?limit=1", "the event feed").await?;
        let total = first
            .pointer("/pagination/total")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let events = x
            .api_found(
                &format!("/events?limit=10&offset={}", (total - 10).max(0)),
                "the event feed",
            )
            .await?;
        let mut latest: Vec<Value> = events["data"].as_array().cloned().unwrap_or_default();
        latest.reverse();
        x.page(
            "home.html",
            json!({ "title": "Registry overview", "stats": stats, "events": latest, "event_total": total }),
        )
    }
    .await;
    answer(&x, r)
}

/// A page of the API's list at `path`, with the filters of the request's query that the list
/// page offers (`keys`): the list, the filters (for the form) and the paging links.
async fn list_page(
    x: &Explorer,
    uri: &Uri,
    path: &str,
    keys: &[&str],
    what: &str,
) -> Result<(Value, Value, Value), PageError> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let value = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let offset = offset_of(value("offset"))?;
    let chosen: Vec<(&str, Option<String>)> = keys.iter().map(|k| (*k, value(k))).collect();
    let filters = query(&chosen);
    let sep = if filters.is_empty() { "" } else { "&" };
    let list = x
        .api_found(
            &format!("{path}?{filters}{sep}limit={PAGE}&offset={offset}"),
            what,
        )
        .await?;
    let total = list
        .pointer("/pagination/total")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let form: serde_json::Map<String, Value> = chosen
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.map_or(Value::Null, Value::String)))
        .collect();
    Ok((
        list,
        Value::Object(form),
        paging(path, &filters, offset, total),
    ))
}

/// `GET /projects` for people: search, filters, a map of the page's boundaries and the list.
pub async fn projects(State(x): State<Explorer>, uri: Uri) -> Response {
    let r = async {
        let keys = [
            "q",
            "status",
            "project_type",
            "country",
            "methodology",
            "vintage",
        ];
        let (list, filters, paging) =
            list_page(&x, &uri, "/projects", &keys, "the project list").await?;
        // The countries the registry has projects with credits in, for the filter.
        let stats = x.api_found("/stats", "the registry's supply").await?;
        let countries: Vec<Value> = stats["by_country"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|g| g["code"].is_string())
            .map(|g| json!({ "code": g["code"], "name": g["key"] }))
            .collect();
        let rows: Vec<Value> = list["data"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                let c = country(&x, &p);
                json!({ "feature": p, "country": c })
            })
            .collect();
        let map = json!({
            "type": "FeatureCollection",
            "features": rows.iter().filter_map(|r| map_feature(&r["feature"])).collect::<Vec<_>>(),
        });
        x.page(
            "projects.html",
            json!({
                "title": "Projects",
                "rows": rows,
                "map": map,
                "filters": filters,
                "types": ogcr_api::routes::projects::TYPES,
                "statuses": ogcr_api::routes::projects::STATUSES,
                "countries": countries,
                "paging": paging,
            }),
        )
    }
    .await;
    answer(&x, r)
}

/// A project Feature reduced to what the map draws: geometry, id, name, status, link.
fn map_feature(p: &Value) -> Option<Value> {
    let geometry = p.get("geometry").filter(|g| !g.is_null())?;
    let id = p.get("id").and_then(Value::as_str).unwrap_or("");
    Some(json!({
        "type": "Feature",
        "geometry": geometry,
        "properties": {
            "id": id,
            "name": p.pointer("/properties/name"),
            "status": p.pointer("/properties/status"),
            "href": format!("/projects/{id}"),
        }
    }))
}

/// `GET /projects/{project_id}` for people.
pub async fn project(State(x): State<Explorer>, Path(project_id): Path<String>) -> Response {
    let r = async {
        let enc = encode(&project_id);
        let feature = x
            .api_found(
                &format!("/projects/{enc}"),
                &format!("Project {project_id}"),
            )
            .await?;
        let history = x
            .api_found(&format!("/projects/{enc}/history"), "the project's history")
            .await?;
        let monitoring = x
            .api_found(
                &format!("/projects/{enc}/monitoring?limit=100"),
                "the project's monitoring reports",
            )
            .await?;
        let credits = x
            .api_found(
                &format!("/credits?project_id={enc}&limit=100"),
                "the project's credits",
            )
            .await?;
        // The verification results (the MRV documents do not carry them).
        let row = x.store.project(&project_id).await?;
        let mut verifications = HashMap::new();
        if let Some(row) = &row {
            for m in x.store.mrv_reports_of(&row.project.project_key).await? {
                verifications.insert(m.mrv_id.to_string(), verification(&m));
            }
        }
        let reports: Vec<Value> = monitoring["data"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|m| {
                // The report's on-chain id is the last segment of its `self` link (the
                // document's own `id` is the developer's).
                let id = m["links"]
                    .as_array()
                    .and_then(|ls| ls.iter().find(|l| l["rel"] == "self"))
                    .and_then(|l| l["href"].as_str())
                    .and_then(|h| h.rsplit('/').next())
                    .unwrap_or("")
                    .to_owned();
                let v = verifications.get(&id).cloned().unwrap_or(Value::Null);
                json!({ "mrv_id": id, "feature": m, "verification": v })
            })
            .collect();
        let country = country(&x, &feature);
        let map = json!({
            "type": "FeatureCollection",
            "features": map_feature(&feature).into_iter().collect::<Vec<_>>(),
        });
        let name = feature
            .pointer("/properties/name")
            .and_then(Value::as_str)
            .unwrap_or(&project_id)
            .to_owned();
        x.page(
            "project.html",
            json!({
                "title": name,
                "project_id": project_id,
                "p": feature,
                "country": country,
                "history": history,
                "reports": reports,
                "credits": credits["data"],
                "credit_total": credits.pointer("/pagination/total"),
                "map": map,
                "external": row.as_ref().map(|r| json!({
                    "registry": r.project.external_registry,
                    "id": r.project.external_project_id,
                })),
            }),
        )
    }
    .await;
    answer(&x, r)
}

/// What a report's verification was, from its indexed row.
fn verification(m: &ogcr_store::MrvReport) -> Value {
    json!({
        "status": m.status,
        "verifier": m.verifier,
        "verified_kg": m.verified_kg,
        "report_hash": m.verification_report_hash,
        "attestation_digest": m.attestation_digest,
        "relayer": m.relayer,
        "tx": m.decided_tx,
        "block": m.decided_block,
        "time": m.decided_at.map(ogcr_api::views::rfc3339),
        "issued_t": m.issued_tonnes,
        "buffer_t": m.buffer_tonnes,
        "dataset_commitment": m.dataset_commitment,
    })
}

/// `GET /credits` for people: serial blocks with filters.
pub async fn credits(State(x): State<Explorer>, uri: Uri) -> Response {
    let r = async {
        let keys = ["project_id", "status", "vintage", "owner"];
        let (list, filters, paging) =
            list_page(&x, &uri, "/credits", &keys, "the credit list").await?;
        x.page(
            "credits.html",
            json!({
                "title": "Credits",
                "rows": list["data"],
                "filters": filters,
                "statuses": ogcr_api::routes::credits::STATUSES,
                "paging": paging,
            }),
        )
    }
    .await;
    answer(&x, r)
}

/// `GET /credits/{credit_id}` for people: the block and its provenance tree.
pub async fn credit(State(x): State<Explorer>, Path(credit_id): Path<String>) -> Response {
    let r = async {
        let credit = x
            .api_found(&format!("/credits/{}", encode(&credit_id)), &format!("Credit {credit_id}"))
            .await?;
        let id: i64 = credit["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or_default();
        let tree = provenance(&x, id).await?;
        x.page(
            "credit.html",
            json!({ "title": format!("Credit {}", credit["serial"].as_str().unwrap_or(&credit_id)), "c": credit, "tree": tree }),
        )
    }
    .await;
    answer(&x, r)
}

/// The provenance of token `id`: up to its issuance through the blocks it was split from,
/// then down every block split from it, each with its transfers and its retirement or
/// cancellation.
async fn provenance(x: &Explorer, id: i64) -> Result<Value, PageError> {
    // Up to the root (the issued block).
    let mut root = id;
    for _ in 0..64 {
        match x.store.token(root).await? {
            Some(t) => match t.parent_token_id {
                Some(p) => root = p,
                None => break,
            },
            None => break,
        }
    }
    // Down from it, breadth-first, bounded.
    let chain = x.store.chain_state().await?.map_or(0, |c| c.chain_id);
    let mut nodes: Vec<Value> = Vec::new();
    let mut queue = std::collections::VecDeque::from([(root, 0usize)]);
    let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
    let descendants = x.store.token_descendants(root, 500).await?;
    for t in &descendants {
        if let Some(p) = t.parent_token_id {
            children.entry(p).or_default().push(t.token_id);
        }
    }
    let by_id: HashMap<i64, &ogcr_store::Token> =
        descendants.iter().map(|t| (t.token_id, t)).collect();
    let retirements = x
        .store
        .retirements_of(&descendants.iter().map(|t| t.token_id).collect::<Vec<_>>())
        .await?;
    while let Some((tid, depth)) = queue.pop_front() {
        let Some(t) = by_id.get(&tid) else { continue };
        let transfers = x.store.token_transfers(tid).await?;
        let kids = children.get(&tid).cloned().unwrap_or_default();
        for k in kids.iter().rev() {
            queue.push_front((*k, depth + 1));
        }
        nodes.push(json!({
            "id": tid,
            "depth": depth,
            "current": tid == id,
            "serial_start": t.serial_start,
            "serial_end": t.serial_start + t.amount - 1,
            "amount": t.amount,
            "status": t.status,
            "owner": t.owner,
            "minted": {
                "tx": t.minted_tx, "block": t.minted_block,
                "time": ogcr_api::views::rfc3339(t.minted_at),
                "split": t.parent_token_id.is_some(),
            },
            "transfers": transfers.iter().filter(|tr| tr.from_address != ZERO).map(|tr| json!({
                "from": tr.from_address, "to": tr.to_address, "tx": tr.tx_hash,
                "block": tr.block_number, "time": ogcr_api::views::rfc3339(tr.timestamp),
            })).collect::<Vec<_>>(),
            "retirement": retirements.get(&tid).map(|r| json!({
                "beneficiary": r.beneficiary, "reason_code": r.reason_code, "tx": r.tx_hash,
                "block": r.block_number, "time": ogcr_api::views::rfc3339(r.timestamp),
            })),
        }));
    }
    Ok(json!({ "chain": chain, "nodes": nodes, "truncated": descendants.len() >= 500 }))
}

const ZERO: &str = "0x0000000000000000000000000000000000000000";

/// `GET /retirements` for people.
pub async fn retirements(State(x): State<Explorer>, uri: Uri) -> Response {
    let r = async {
        let keys = ["project_id", "beneficiary", "owner"];
        let (list, filters, paging) =
            list_page(&x, &uri, "/retirements", &keys, "the retirement list").await?;
        x.page(
            "retirements.html",
            json!({ "title": "Retirements", "rows": list["data"], "filters": filters, "paging": paging }),
        )
    }
    .await;
    answer(&x, r)
}

/// The certificate facts of retirement `id`, and its raw API view.
async fn certificate_facts(
    x: &Explorer,
    id: &str,
) -> Result<(certificate::Facts, Value), PageError> {
    let enc = encode(id);
    let retirement = x
        .api_found(&format!("/retirements/{enc}"), &format!("Retirement {id}"))
        .await?;
    let tx = retirement
        .pointer("/ledger_reference/transaction_id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let events = x
        .api(&format!("/events?tx={tx}&event=CRURetired&limit=100"))
        .await?
        .unwrap_or(Value::Null);
    let event = events["data"]
        .as_array()
        .and_then(|es| {
            es.iter().find(|e| {
                e.pointer("/args/tokenId").map(|v| match v {
                    Value::String(s) => s.clone(),
                    v => v.to_string(),
                }) == Some(id.to_owned())
            })
        })
        .cloned();
    let project_id = retirement["project_id"].as_str().unwrap_or("").to_owned();
    let project = match project_id.as_str() {
        "" => None,
        p => x.api(&format!("/projects/{}", encode(p))).await?,
    };
    let project_name = project
        .as_ref()
        .and_then(|p| p.pointer("/properties/name"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let verification = match x.api(&format!("/credits/{enc}")).await? {
        Some(credit) => {
            let mrv_id = credit["mrv_id"].as_i64().unwrap_or(0);
            match x.store.mrv_report(mrv_id).await? {
                Some(m) => {
                    let t = m
                        .verified_kg
                        .as_deref()
                        .and_then(|kg| kg.parse::<f64>().ok())
                        .map(|kg| format!("{} t", crate::render::tonnes(kg / 1000.0)))
                        .unwrap_or_else(|| "-".into());
                    let verifier = m.verifier.clone().unwrap_or_default();
                    let who = x.config.names.get(&verifier).cloned().unwrap_or(verifier);
                    format!("monitoring report {mrv_id}, {t} CO2e verified by {who}")
                }
                None => format!("monitoring report {mrv_id}"),
            }
        }
        None => String::new(),
    };
    let url = format!("{}/retirements/{id}", x.config.public_url);
    let facts = certificate::Facts::of(
        &retirement,
        event.as_ref(),
        project_name.as_deref(),
        verification,
        url,
    );
    Ok((facts, retirement))
}

/// `GET /retirements/{retirement_id}` for people: the retirement certificate.
pub async fn retirement(State(x): State<Explorer>, Path(id): Path<String>) -> Response {
    let r = async {
        let (facts, retirement) = certificate_facts(&x, &id).await?;
        let qr = certificate::qr_svg(&facts.url);
        x.page(
            "retirement.html",
            json!({
                "title": format!("Retirement certificate {id}"),
                "f": facts,
                "r": retirement,
                "qr": qr,
                "check_configured": x.config.rpc_url.is_some(),
            }),
        )
    }
    .await;
    answer(&x, r)
}

/// `GET /retirements/{retirement_id}/certificate.pdf`: the certificate as one A4 page.
pub async fn certificate_pdf(State(x): State<Explorer>, Path(id): Path<String>) -> Response {
    match certificate_facts(&x, &id).await {
        Ok((facts, _)) => {
            let bytes = certificate::pdf(&facts, &x.config.registry_name);
            let mut r = (
                [
                    (header::CONTENT_TYPE, "application/pdf".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("inline; filename=\"ogcr-retirement-{id}.pdf\""),
                    ),
                ],
                bytes,
            )
                .into_response();
            r.extensions_mut().insert(ogcr_api::Rendered);
            r
        }
        Err(e) => x.error_page(&e),
    }
}

/// `GET /retirements/{retirement_id}/check`: re-reads the retirement from the chain.
pub async fn certificate_check(State(x): State<Explorer>, Path(id): Path<String>) -> Response {
    let r = async {
        let (facts, retirement) = certificate_facts(&x, &id).await?;
        let cru = x
            .store
            .chain_state()
            .await?
            .map(|c| c.carbon_removal_unit)
            .unwrap_or_default();
        let reason = retirement["reason_code"].as_i64().unwrap_or(-1);
        let check = certificate::check(x.config.rpc_url.as_deref(), &cru, &facts, reason).await;
        x.page(
            "check.html",
            json!({ "title": format!("Check of retirement certificate {id}"), "f": facts, "check": check }),
        )
    }
    .await;
    answer(&x, r)
}

/// `GET /accounts/{address}` for people: holdings and retirements.
pub async fn account(State(x): State<Explorer>, Path(address): Path<String>) -> Response {
    let r = async {
        let enc = encode(&address);
        let account = x
            .api_found(&format!("/accounts/{enc}"), &format!("Account {address}"))
            .await?;
        let a = account["address"].as_str().unwrap_or(&address).to_owned();
        let credits = x
            .api_found(
                &format!("/credits?owner={a}&limit=100"),
                "the account's credits",
            )
            .await?;
        let retirements = x
            .api_found(
                &format!("/retirements?owner={a}&limit=100"),
                "the account's retirements",
            )
            .await?;
        x.page(
            "account.html",
            json!({
                "title": format!("Account {a}"),
                "a": account,
                "credits": credits["data"],
                "credit_total": credits.pointer("/pagination/total"),
                "retirements": retirements["data"],
                "retirement_total": retirements.pointer("/pagination/total"),
            }),
        )
    }
    .await;
    answer(&x, r)
}

/// `GET /explorer/search?q=…`: a project id, credit id, address or transaction goes straight
/// to its page; anything else searches the projects.
pub async fn search(State(x): State<Explorer>, uri: Uri) -> Response {
    #[derive(Deserialize, Default)]
    struct S {
        q: Option<String>,
    }
    let q = Query::<S>::try_from_uri(&uri)
        .map(|Query(s)| s.q.unwrap_or_default())
        .unwrap_or_default();
    let q = q.trim();
    let target = if q.len() == 42 && q.starts_with("0x") {
        format!("/accounts/{q}")
    } else if !q.is_empty() && q.chars().all(|c| c.is_ascii_digit()) {
        format!("/credits/{q}")
    } else if !q.is_empty() && matches!(x.store.project(q).await, Ok(Some(_))) {
        format!("/projects/{}", encode(q))
    } else {
        format!("/projects?{}", query(&[("q", Some(q.to_owned()))]))
    };
    let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, target)]).into_response();
    r.extensions_mut().insert(ogcr_api::Rendered);
    r
}

/// `GET /explorer/validation`: recent document submissions with their validation results
/// (OGCR §4.4): each anchored PDD and MRV document, whether it was fetched and matches its
/// hash, the rule findings of the OGCR validation on its content, and the on-chain decision.
pub async fn validation(State(x): State<Explorer>) -> Response {
    let r = async {
        let rows = crate::stats::recent_submissions(&x, 50).await?;
        let mut counts: std::collections::BTreeMap<String, i64> = Default::default();
        for r in rows.iter() {
            for i in r["issues"].as_array().into_iter().flatten() {
                if let Some(code) = i["code"].as_str() {
                    *counts.entry(code.to_owned()).or_default() += 1;
                }
            }
        }
        let counts: Vec<Value> = counts
            .into_iter()
            .map(|(code, n)| json!({ "code": code, "count": n }))
            .collect();
        x.page(
            "validation.html",
            json!({ "title": "Validation dashboard", "rows": &*rows, "counts": counts }),
        )
    }
    .await;
    answer(&x, r)
}

/// The explorer's 404 page.
pub async fn not_found(State(x): State<Explorer>, uri: Uri) -> Response {
    x.error_page(&PageError::NotFound(format!(
        "there is no page at {}",
        uri.path()
    )))
}

/// `s` percent-encoded for a path segment or query value.
fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
