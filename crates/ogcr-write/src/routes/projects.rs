//! `POST /projects`, `PUT /projects/{id}` and the lifecycle transitions.

use axum::{
    body::Bytes,
    extract::{Path, Query},
    response::Response,
};
use ogcr_api::{ApiError, FieldError};
use ogcr_core::{Document, DocumentKind, MethodologyRegistry, Pdd, ValidationContext};
use ogcr_store::{Project, Store};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::{Caller, Planned, Role, WriteRequest, bad, hash32, json_body, truncate};
use crate::{Scope, WriteState, ops::Operation};

/// Query parameters of `POST /projects`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateQuery {
    /// The registry the project is also listed in (e.g. `Verra`).
    pub external_registry: Option<String>,
    /// Its id there.
    pub external_project_id: Option<String>,
}

/// A project as indexed, or 404.
pub(crate) async fn indexed_project(store: &Store, id: &str) -> Result<Project, ApiError> {
    match store.project(id).await? {
        Some(row) => Ok(row.project),
        None => Err(ApiError::not_found(format!(
            "no project {} is registered (or it is not indexed yet)",
            truncate(id, 100)
        ))),
    }
}

/// The registered projects' PDDs (archived ones excluded) whose area may meet `bbox`, as the
/// indexer verified them; all of them without a box.
pub(crate) async fn known_pdds(
    store: &Store,
    bbox: Option<[f64; 4]>,
) -> Result<Vec<Pdd>, ApiError> {
    Ok(store
        .pdd_bodies_near(bbox)
        .await?
        .iter()
        .filter_map(|b| serde_json::from_str::<Pdd>(b).ok())
        .collect())
}

/// The 422 for a document's validation issues.
pub(crate) fn issues_error(what: &str, issues: &[ogcr_core::validation::Issue]) -> ApiError {
    ApiError::unprocessable(
        format!("the {what} is invalid: {} problem(s)", issues.len()),
        issues
            .iter()
            .map(|i| {
                FieldError::new(i.pointer.clone(), truncate(&i.message, 300))
                    .hint(i.hint.clone())
                    .reason(i.code.clone())
            })
            .collect(),
    )
}

fn document_object(body: &Bytes, what: &str) -> Result<serde_json::Map<String, Value>, ApiError> {
    match json_body::<Value>(body)? {
        Value::Object(o) => {
            ogcr_core::cs01::canonical::canonical_summary(
                std::str::from_utf8(body).unwrap_or_default(),
            )
            .map_err(|e| {
                bad(
                    "",
                    format!("the {what} cannot be canonicalised (CS-01): {e}"),
                    "UNREADABLE",
                    "send a plain JSON object",
                )
            })?;
            Ok(o)
        }
        _ => Err(bad(
            "",
            format!("the {what} must be a JSON object (a GeoJSON Feature)"),
            "UNREADABLE",
            "send the OGCR GeoJSON Feature as the body",
        )),
    }
}

/// The next free `OGCR-<CC>-<NNNN>` for a boundary in country `cc`.
async fn issue_id(state: &WriteState, cc: &str) -> Result<String, ApiError> {
    let prefix = format!("OGCR-{cc}-");
    let mut used: Vec<String> = state
        .store
        .all::<Project>()
        .await?
        .into_iter()
        .map(|p| p.project_id)
        .collect();
    for t in state.store.pending_tasks_of_kind("project.create").await? {
        if let Ok(Operation::RegisterProject { project_id, .. }) = serde_json::from_str(&t.request)
        {
            used.push(project_id);
        }
    }
    let next = used
        .iter()
        .filter_map(|id| id.strip_prefix(&prefix)?.parse::<u64>().ok())
        .max()
        .unwrap_or(0)
        + 1;
    Ok(format!("{prefix}{next:04}"))
}

/// A project id is free: not registered and not being registered by a pending task.
async fn check_id_free(state: &WriteState, id: &str) -> Result<(), ApiError> {
    if state.store.project(id).await?.is_some() {
        return Err(ApiError::conflict(
            "DUPLICATE_ID",
            "/id",
            format!("project {id} is already registered"),
        ));
    }
    for t in state.store.pending_tasks_of_kind("project.create").await? {
        if let Ok(Operation::RegisterProject { project_id, .. }) = serde_json::from_str(&t.request)
            && project_id == id
        {
            return Err(ApiError::conflict(
                "DUPLICATE_ID",
                "/id",
                format!(
                    "project {id} is being registered by task {} (GET /tasks/{})",
                    t.task_id, t.task_id
                ),
            ));
        }
    }
    Ok(())
}

/// Validates a PDD against the schema, the methodologies and the registered projects
/// (boundary overlap, duplicate ids), skipping `replacing` (the project being revised).
async fn validate_pdd(
    state: &WriteState,
    text: &str,
    replacing: Option<&str>,
) -> Result<Pdd, ApiError> {
    let methodologies = MethodologyRegistry::builtin();
    // Only the projects whose box meets this boundary's can overlap it.
    let bbox = serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| {
            serde_json::from_value::<ogcr_core::Geometry>(v.get("geometry")?.clone()).ok()
        })
        .and_then(|g| g.bounds());
    let mut known = known_pdds(&state.store, bbox).await?;
    if let Some(id) = replacing {
        known.retain(|p| p.id != id);
    }
    let ctx = ValidationContext {
        methodologies: &methodologies,
        projects: Some(&known),
        reports: None,
    };
    let report = ogcr_core::validate_json(text, Some(DocumentKind::Pdd), &ctx);
    match report.document {
        Some(Document::Pdd(p)) if report.issues.is_empty() => Ok(*p),
        _ => Err(issues_error("PDD", &report.issues)),
    }
}

fn store_document(
    state: &WriteState,
    text: &str,
) -> Result<ogcr_client::documents::StoredDocument, ApiError> {
    ogcr_client::documents::store(&state.config.documents_dir, text)
        .map_err(|e| ApiError::internal(&format!("storing a document: {e}")))
}

/// `POST /projects`: register a PDD (the registry issues the id when the Feature has none).
pub async fn create(
    query: Result<Query<CreateQuery>, axum::extract::rejection::QueryRejection>,
    req: WriteRequest,
) -> Response {
    let (gate, state, body) = req.gate("POST", "/projects", "/projects".into());
    let q = match query {
        Ok(Query(q)) => q,
        Err(e) => {
            let e = ApiError::invalid("query", truncate(&e.body_text(), 300));
            return gate.refuse(None, e).await;
        }
    };
    gate.run(
        Scope::ProjectsWrite,
        Some(Role::Developer),
        body,
        |_caller: Caller| async {
            let mut doc = document_object(body, "PDD")?;
            let _guard = state.issue_lock.lock().await;
            let issued = !doc.contains_key("id");
            if issued {
                let geometry = doc.get("geometry").and_then(|g| {
                    serde_json::from_value::<ogcr_core::documents::Geometry>(g.clone()).ok()
                });
                let cc = geometry
                    .as_ref()
                    .and_then(ogcr_export::country::locate)
                    .map_or_else(|| "XX".to_owned(), |l| l.alpha2.to_ascii_uppercase());
                let id = issue_id(state, &cc).await?;
                doc.insert("id".into(), Value::String(id));
            }
            let text = Value::Object(doc).to_string();
            let pdd = validate_pdd(state, &text, None).await?;
            check_id_free(state, &pdd.id).await?;
            let ext_reg = q.external_registry.clone().unwrap_or_default();
            let ext_id = q.external_project_id.clone().unwrap_or_default();
            if ext_reg.is_empty() != ext_id.is_empty() {
                return Err(bad(
                    if ext_reg.is_empty() {
                        "external_registry"
                    } else {
                        "external_project_id"
                    },
                    "external_registry and external_project_id go together",
                    "invalid_parameter",
                    "give both query parameters, or neither",
                ));
            }
            if !ext_reg.is_empty()
                && let Some(other) = state
                    .store
                    .all::<Project>()
                    .await?
                    .into_iter()
                    .find(|p| p.external_registry == ext_reg && p.external_project_id == ext_id)
            {
                return Err(ApiError::conflict(
                    "DUPLICATE_EXTERNAL_REFERENCE",
                    "external_project_id",
                    format!(
                        "{ext_reg} project {ext_id} is already registered as {}",
                        other.project_id
                    ),
                ));
            }
            let stored = store_document(state, &text)?;
            Ok(Planned {
                op: Operation::RegisterProject {
                    project_id: pdd.id.clone(),
                    pdd_hash: stored.hash,
                    pdd_uri: stored.uri.clone(),
                    external_registry: ext_reg,
                    external_project_id: ext_id,
                },
                creates: true,
                extra: json!({
                    "id": pdd.id,
                    "id_issued_by_registry": issued,
                    "pdd_hash": format!("sha256:{}", hex::encode(stored.hash)),
                    "pdd_uri": stored.uri,
                    "document_url": state.url(&format!("/documents/{}", hex::encode(stored.hash))),
                    "validation_results": {
                        "schema_valid": true, "geometry_valid": true, "methodology_valid": true,
                        "no_overlaps": true,
                    },
                }),
            })
        },
    )
    .await
}

/// `PUT /projects/{id}`: a new PDD version while the project is draft or rejected.
pub async fn update(Path(project_id): Path<String>, req: WriteRequest) -> Response {
    let path = format!("/projects/{project_id}");
    let (gate, state, body) = req.gate("PUT", "/projects/{project_id}", path);
    gate.run(Scope::ProjectsWrite, Some(Role::Developer), body, |caller| async move {
        let p = indexed_project(&state.store, &project_id).await?;
        owns(&caller, &p)?;
        if !matches!(p.status.as_str(), "draft" | "rejected") {
            return Err(ApiError::conflict(
                "WRONG_STATUS",
                "status",
                format!(
                    "project {project_id} is {}; a new PDD version is accepted only while it is draft or rejected",
                    p.status
                ),
            ));
        }
        let mut doc = document_object(body, "PDD")?;
        match doc.get("id") {
            None => {
                doc.insert("id".into(), Value::String(project_id.clone()));
            }
            Some(Value::String(id)) if *id == project_id => {}
            Some(other) => {
                return Err(bad(
                    "/id",
                    format!("the PDD's id {} differs from the project {project_id} of the URL", truncate(&other.to_string(), 100)),
                    "ID_MISMATCH",
                    "a revision keeps the project's id",
                ));
            }
        }
        let text = Value::Object(doc).to_string();
        validate_pdd(state, &text, Some(&project_id)).await?;
        let stored = store_document(state, &text)?;
        if format!("{:#x}", stored.hash) == p.pdd_hash {
            return Err(ApiError::conflict(
                "UNCHANGED",
                "",
                format!("this PDD is already version {} of project {project_id}", p.version),
            ));
        }
        Ok(Planned {
            op: Operation::RevisePdd {
                project_id: project_id.clone(),
                pdd_hash: stored.hash,
                pdd_uri: stored.uri.clone(),
            },
            creates: false,
            extra: json!({
                "id": project_id,
                "version": p.version + 1,
                "pdd_hash": format!("sha256:{}", hex::encode(stored.hash)),
                "pdd_uri": stored.uri,
            }),
        })
    })
    .await
}

fn owns(caller: &Caller, p: &Project) -> Result<(), ApiError> {
    if p.developer.eq_ignore_ascii_case(&caller.account_hex()) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "not_project_developer",
            format!(
                "project {} belongs to developer {}, not to {} (account {})",
                p.project_id, p.developer, caller.principal.organization, caller.account
            ),
        ))
    }
}

fn need_status(p: &Project, allowed: &[&str], action: &str) -> Result<(), ApiError> {
    if allowed.contains(&p.status.as_str()) {
        Ok(())
    } else {
        Err(ApiError::conflict(
            "WRONG_STATUS",
            "status",
            format!(
                "project {} is {}; it can be {action} only when {}",
                p.project_id,
                p.status,
                allowed.join(" or ")
            ),
        ))
    }
}

/// `POST /projects/{id}/submit`.
pub async fn submit(Path(project_id): Path<String>, req: WriteRequest) -> Response {
    let path = format!("/projects/{project_id}/submit");
    let (gate, state, body) = req.gate("POST", "/projects/{project_id}/submit", path);
    gate.run(
        Scope::ProjectsWrite,
        Some(Role::Developer),
        body,
        |caller| async move {
            let p = indexed_project(&state.store, &project_id).await?;
            owns(&caller, &p)?;
            need_status(&p, &["draft"], "submitted")?;
            Ok(Planned {
                op: Operation::SubmitProject {
                    project_id: project_id.clone(),
                },
                creates: false,
                extra: json!({ "id": project_id }),
            })
        },
    )
    .await
}

/// `POST /projects/{id}/review`.
pub async fn review(Path(project_id): Path<String>, req: WriteRequest) -> Response {
    let path = format!("/projects/{project_id}/review");
    let (gate, state, body) = req.gate("POST", "/projects/{project_id}/review", path);
    gate.run(
        Scope::ProjectsApprove,
        Some(Role::Validator),
        body,
        |_| async move {
            let p = indexed_project(&state.store, &project_id).await?;
            need_status(&p, &["submitted"], "taken into review")?;
            Ok(Planned {
                op: Operation::StartReview {
                    project_id: project_id.clone(),
                },
                creates: false,
                extra: json!({ "id": project_id }),
            })
        },
    )
    .await
}

/// The validator's approval of a project.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    /// SHA-256 of the validation report (`sha256:<hex>`, `0x<hex>` or bare hex).
    #[schema(example = json!("sha256:9f2c0d5e7b2a41aa9f2c0d5e7b2a41aa9f2c0d5e7b2a41aa9f2c0d5e7b2a41aa"))]
    pub validation_report_hash: Option<String>,
    /// The justification recorded on chain.
    #[schema(example = json!("meets VM0047 v1.0"))]
    pub comments: Option<String>,
    /// First day of the crediting period (YYYY-MM-DD).
    #[schema(example = json!("2023-01-01"))]
    pub crediting_start: Option<String>,
    /// Day after the last of the crediting period (YYYY-MM-DD).
    #[schema(example = json!("2033-01-01"))]
    pub crediting_end: Option<String>,
}

fn date_secs(field: &str, s: &str) -> Result<u64, ApiError> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| ogcr_client::documents::midnight(d).ok())
        .ok_or_else(|| {
            bad(
                field,
                format!("{:?} is not a date", truncate(s, 40)),
                "invalid_date",
                "give a calendar date as YYYY-MM-DD",
            )
        })
}

/// `POST /projects/{id}/approve`: validate the project with the validation report's hash and
/// the crediting period.
pub async fn approve(Path(project_id): Path<String>, req: WriteRequest) -> Response {
    let path = format!("/projects/{project_id}/approve");
    let (gate, state, body) = req.gate("POST", "/projects/{project_id}/approve", path);
    gate.run(
        Scope::ProjectsApprove,
        Some(Role::Validator),
        body,
        |_| async move {
            let b: ApproveBody = json_body(body)?;
            let mut errors = Vec::new();
            let report = match b.validation_report_hash.as_deref() {
                Some(h) => hash32("validation_report_hash", h)
                    .map_err(|e| errors.extend(e.details))
                    .ok(),
                None => {
                    errors.push(
                        FieldError::new(
                            "validation_report_hash",
                            "required: the SHA-256 of the validation report",
                        )
                        .reason("required")
                        .hint("give sha256:<64 hex>"),
                    );
                    None
                }
            };
            let mut date = |field: &str, v: &Option<String>| match v {
                Some(s) => date_secs(field, s)
                    .map_err(|e| errors.extend(e.details))
                    .ok(),
                None => {
                    errors.push(
                        FieldError::new(field, "required: a date YYYY-MM-DD")
                            .reason("required")
                            .hint("the crediting period fixed at validation"),
                    );
                    None
                }
            };
            let start = date("crediting_start", &b.crediting_start);
            let end = date("crediting_end", &b.crediting_end);
            if let (Some(s), Some(e)) = (start, end)
                && s >= e
            {
                errors.push(
                    FieldError::new(
                        "crediting_end",
                        "the crediting period must end after it starts",
                    )
                    .reason("PERIOD_ORDER")
                    .hint("give an end date after crediting_start"),
                );
            }
            if !errors.is_empty() {
                return Err(ApiError::unprocessable("the approval is invalid", errors));
            }
            let p = indexed_project(&state.store, &project_id).await?;
            need_status(&p, &["submitted", "under_review"], "approved")?;
            Ok(Planned {
                op: Operation::ValidateProject {
                    project_id: project_id.clone(),
                    report_hash: report.expect("checked"),
                    justification: b.comments.unwrap_or_default(),
                    crediting_start: start.expect("checked"),
                    crediting_end: end.expect("checked"),
                },
                creates: false,
                extra: json!({ "id": project_id }),
            })
        },
    )
    .await
}

/// A validator's rejection of a project.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ProjectRejectBody)]
pub struct RejectBody {
    /// Why, one entry per finding.
    #[schema(example = json!(["boundary overlaps a protected area"]))]
    pub reasons: Option<Vec<String>>,
    /// Further comments.
    pub comments: Option<String>,
    /// SHA-256 of the validation report, if any.
    pub validation_report_hash: Option<String>,
}

/// `POST /projects/{id}/reject` with the reasons.
pub async fn reject(Path(project_id): Path<String>, req: WriteRequest) -> Response {
    let path = format!("/projects/{project_id}/reject");
    let (gate, state, body) = req.gate("POST", "/projects/{project_id}/reject", path);
    gate.run(
        Scope::ProjectsApprove,
        Some(Role::Validator),
        body,
        |_| async move {
            let b: RejectBody = json_body(body)?;
            let text = super::reasons_text(b.reasons, b.comments, "comments")?;
            let report = match b.validation_report_hash.as_deref() {
                Some(h) => hash32("validation_report_hash", h)?,
                None => alloy::primitives::B256::ZERO,
            };
            let p = indexed_project(&state.store, &project_id).await?;
            need_status(&p, &["submitted", "under_review"], "rejected")?;
            Ok(Planned {
                op: Operation::RejectProject {
                    project_id: project_id.clone(),
                    report_hash: report,
                    justification: text,
                },
                creates: false,
                extra: json!({ "id": project_id }),
            })
        },
    )
    .await
}

/// Archiving a validated project.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArchiveBody {
    /// Why the project is archived.
    #[schema(example = json!("project ended"))]
    pub reason: Option<String>,
}

/// `POST /projects/{id}/archive` (its developer or a registry operator).
pub async fn archive(Path(project_id): Path<String>, req: WriteRequest) -> Response {
    let path = format!("/projects/{project_id}/archive");
    let (gate, state, body) = req.gate("POST", "/projects/{project_id}/archive", path);
    gate.run(Scope::ProjectsWrite, None, body, |caller| async move {
        let b: ArchiveBody = json_body(body)?;
        let reason = b.reason.filter(|r| !r.trim().is_empty()).ok_or_else(|| {
            bad(
                "reason",
                "archiving needs a reason",
                "required",
                "say why the project is archived",
            )
        })?;
        let p = indexed_project(&state.store, &project_id).await?;
        let operator = state
            .store
            .has_role("registry_operator", &caller.account_hex())
            .await?;
        if !operator {
            owns(&caller, &p)?;
        }
        need_status(&p, &["validated"], "archived")?;
        Ok(Planned {
            op: Operation::ArchiveProject {
                project_id: project_id.clone(),
                reason,
            },
            creates: false,
            extra: json!({ "id": project_id }),
        })
    })
    .await
}
