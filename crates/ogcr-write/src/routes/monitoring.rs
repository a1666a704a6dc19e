//! `POST /projects/{id}/monitoring`, `…/{mrvId}/verify` and `…/{mrvId}/reject`.

use axum::{extract::Path, response::Response};
use ogcr_api::{ApiError, FieldError};
use ogcr_core::{Document, DocumentKind, MethodologyRegistry, Mrv, ValidationContext};
use ogcr_store::{MrvReport, Store};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::{
    Caller, Planned, Role, WriteRequest, bad, hash32, json_body,
    projects::{indexed_project, issues_error},
    truncate,
};
use crate::{Scope, WriteState, ops::Operation};

async fn require_role(state: &WriteState, caller: &Caller, role: Role) -> Result<(), ApiError> {
    if super::has_role(state, role, caller).await? {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "missing_role",
            format!(
                "organization {} (account {}) does not hold the on-chain {} role",
                caller.principal.organization,
                caller.account,
                role.as_str()
            ),
        ))
    }
}

/// `POST /projects/{id}/monitoring`: an MRV Feature for a validated project. Its period must
/// not overlap the project's other reports and its methodology must be the project's; the
/// CS-01 dataset commitment over `properties.methodology_data` is computed and returned.
pub async fn submit(Path(project_id): Path<String>, req: WriteRequest) -> Response {
    let path = format!("/projects/{project_id}/monitoring");
    let (gate, state, body) = req.gate("POST", "/projects/{project_id}/monitoring", path);
    gate.run(Scope::MrvWrite, Some(Role::Developer), body, |caller| async move {
        let mut doc = match json_body::<Value>(body)? {
            Value::Object(o) => o,
            _ => {
                return Err(bad(
                    "",
                    "the MRV report must be a JSON object (a GeoJSON Feature)",
                    "UNREADABLE",
                    "send the OGCR MRV Feature as the body",
                ));
            }
        };
        let props = doc
            .entry("properties")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(p) = props.as_object_mut() {
            match p.get("project_id") {
                None => {
                    p.insert("project_id".into(), Value::String(project_id.clone()));
                }
                Some(Value::String(id)) if *id == project_id => {}
                Some(other) => {
                    return Err(bad(
                        "/properties/project_id",
                        format!(
                            "the report names project {}, but it is posted to project {project_id}",
                            truncate(&other.to_string(), 100)
                        ),
                        "PROJECT_MISMATCH",
                        "post the report to its own project",
                    ));
                }
            }
        }
        let project = indexed_project(&state.store, &project_id).await?;
        if !project.developer.eq_ignore_ascii_case(&caller.account_hex()) {
            return Err(ApiError::forbidden(
                "not_project_developer",
                format!(
                    "project {project_id} belongs to developer {}, not to {}",
                    project.developer, caller.principal.organization
                ),
            ));
        }
        if project.status != "validated" {
            return Err(ApiError::conflict(
                "WRONG_STATUS",
                "status",
                format!(
                    "project {project_id} is {}; monitoring reports are accepted once it is approved",
                    project.status
                ),
            ));
        }
        let text = Value::Object(doc).to_string();
        // The project's PDD and its other reports, as indexed and verified.
        let pdds = state
            .store
            .verified_documents(std::slice::from_ref(&project.pdd_hash))
            .await?;
        let pdd: Vec<ogcr_core::Pdd> = pdds
            .values()
            .filter_map(|d| serde_json::from_str(d.body.as_deref()?).ok())
            .collect();
        let reports = project_reports(&state.store, &project.project_key).await?;
        let hashes: Vec<String> = reports
            .iter()
            .filter(|r| r.status != "rejected")
            .map(|r| r.mrv_hash.clone())
            .collect();
        let mrvs: Vec<Mrv> = state
            .store
            .verified_documents(&hashes)
            .await?
            .values()
            .filter_map(|d| serde_json::from_str(d.body.as_deref()?).ok())
            .collect();
        let methodologies = MethodologyRegistry::builtin();
        let ctx = ValidationContext {
            methodologies: &methodologies,
            projects: (!pdd.is_empty()).then_some(pdd.as_slice()),
            reports: Some(&mrvs),
        };
        let report = ogcr_core::validate_json(&text, Some(DocumentKind::Mrv), &ctx);
        let mrv = match report.document {
            Some(Document::Mrv(m)) if report.issues.is_empty() => *m,
            _ => return Err(issues_error("MRV report", &report.issues)),
        };
        let (start, end) = ogcr_client::documents::mrv_period(&mrv)
            .map_err(|e| bad("/properties/start_date", e.to_string(), "PERIOD_ORDER", "give dates after 1970"))?;
        // The chain's own periods (half-open), whatever documents the indexer could read.
        if let Some(other) = reports.iter().find(|r| {
            r.status != "rejected" && (r.period_start as u64) < end && start < r.period_end as u64
        }) {
            return Err(ApiError::unprocessable(
                "the monitoring period overlaps another report of the project",
                vec![
                    FieldError::new(
                        "/properties/start_date",
                        format!(
                            "the period overlaps report {} ({} to {})",
                            other.mrv_id,
                            day(other.period_start),
                            day(other.period_end - 86_400)
                        ),
                    )
                    .reason("PERIOD_OVERLAP")
                    .hint("monitoring periods of a project never overlap; start after the last report ends"),
                ],
            ));
        }
        if end as i64 > chrono::Utc::now().timestamp() {
            return Err(bad(
                "/properties/end_date",
                format!("the monitoring period ends {} — in the future", day(end as i64 - 86_400)),
                "PERIOD_NOT_ENDED",
                "submit a report once its period has ended",
            ));
        }
        let data = serde_json::to_string(&mrv.properties.methodology_data).unwrap_or_else(|_| "{}".into());
        let commitment = ogcr_core::cs01::commitment::create_dataset_commitment(
            &format!("{}/{}", project_id, mrv.id),
            &data,
            chrono::Utc::now(),
        )
        .map_err(|e| bad("/properties/methodology_data", e.to_string(), "UNREADABLE", "methodology_data must be a JSON object"))?;
        let commitment_hash = hash32("commitment", &commitment.commitment_hash)?;
        let stored = ogcr_client::documents::store(&state.config.documents_dir, &text)
            .map_err(|e| ApiError::internal(&format!("storing a document: {e}")))?;
        Ok(Planned {
            op: Operation::SubmitReport {
                project_id: project_id.clone(),
                mrv_hash: stored.hash,
                dataset_commitment: commitment_hash,
                period_start: start,
                period_end: end,
                uri: stored.uri.clone(),
            },
            creates: true,
            extra: json!({
                "report_id": mrv.id,
                "project_id": project_id,
                "mrv_hash": format!("sha256:{}", hex::encode(stored.hash)),
                "mrv_uri": stored.uri,
                "document_url": state.url(&format!("/documents/{}", hex::encode(stored.hash))),
                "dataset_commitment": commitment,
                "validation_results": {
                    "temporal_valid": true, "methodology_compliant": true, "no_overlaps": true,
                },
            }),
        })
    })
    .await
}

fn day(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map_or_else(|| ts.to_string(), |d| d.format("%Y-%m-%d").to_string())
}

async fn project_reports(store: &Store, project_key: &str) -> Result<Vec<MrvReport>, ApiError> {
    Ok(store.mrv_reports_of(project_key).await?)
}

/// A report of the project, submitted and not decided, or the error that says otherwise.
async fn open_report(
    store: &Store,
    project_id: &str,
    mrv_id: &str,
) -> Result<(u64, MrvReport), ApiError> {
    // The report's number, or `<project>-MRV-<number>` as the read API names a report whose
    // document it has not read.
    let number = mrv_id
        .strip_prefix(project_id)
        .and_then(|r| r.strip_prefix("-MRV-"))
        .unwrap_or(mrv_id);
    let id: u64 = number
        .parse()
        .ok()
        .filter(|n| (1..=i64::MAX as u64).contains(n))
        .ok_or_else(|| {
            ApiError::invalid(
                "mrv_id",
                format!(
                    "{:?} is not a report number (1 to 2^63-1, or {}-MRV-<number>)",
                    truncate(mrv_id, 40),
                    truncate(project_id, 60)
                ),
            )
        })?;
    let project = indexed_project(store, project_id).await?;
    let report = match store.mrv_report(id as i64).await? {
        Some(r) if r.project_key == project.project_key => r,
        _ => {
            return Err(ApiError::not_found(format!(
                "project {project_id} has no monitoring report {id}"
            )));
        }
    };
    if report.status != "submitted" {
        return Err(ApiError::conflict(
            "WRONG_STATUS",
            "status",
            format!(
                "monitoring report {id} is {} already; a report is decided once",
                report.status
            ),
        ));
    }
    Ok((id, report))
}

/// A verifier's decision on a monitoring report, or a relayed attestation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyBody {
    /// `approved` (or `verified`), or `rejected`; default approved.
    #[schema(example = json!("approved"))]
    pub verification_outcome: Option<String>,
    /// Verified removals in t CO2e (at most three decimals).
    #[schema(example = json!(1050.2))]
    pub verified_removals: Option<f64>,
    /// Verified removals in kg CO2e, instead of `verified_removals`.
    pub verified_amount_kg: Option<u64>,
    /// SHA-256 of the verification report.
    #[schema(example = json!("sha256:fedcba0987654321fedcba0987654321fedcba0987654321fedcba0987654321"))]
    pub verification_report_hash: Option<String>,
    /// Comments (not stored on chain).
    pub verifier_comments: Option<String>,
    /// A CS-01 EIP-712 attestation the verifier signed offline (as `ogcr mrv attest` prints it); relayed, the registry never holds the verifier's key. The other fields are then ignored.
    pub attestation: Option<Value>,
}

/// Tonnes with at most three decimals, as kilograms.
fn tonnes_to_kg(t: f64) -> Option<u64> {
    let kg = t * 1000.0;
    (t.is_finite() && t >= 0.0 && (kg - kg.round()).abs() < 1e-6 && kg < 1.8e19)
        .then(|| kg.round() as u64)
}

/// `POST /projects/{id}/monitoring/{mrvId}/verify`: the verifier's decision (outcome, verified
/// t CO2e, report hash), or `{"attestation": …}` — a CS-01 EIP-712 attestation the verifier
/// signed offline, relayed by the caller (non-custodial: the registry never holds the
/// verifier's key).
pub async fn verify(
    Path((project_id, mrv_id)): Path<(String, String)>,
    req: WriteRequest,
) -> Response {
    let path = format!("/projects/{project_id}/monitoring/{mrv_id}/verify");
    let (gate, state, body) = req.gate(
        "POST",
        "/projects/{project_id}/monitoring/{mrv_id}/verify",
        path,
    );
    gate.run(Scope::MrvVerify, None, body, |caller| async move {
        let b: VerifyBody = json_body(body)?;
        if let Some(att) = b.attestation {
            let (id, report) = open_report(&state.store, &project_id, &mrv_id).await?;
            return relay(state, &project_id, id, &report, att).await;
        }
        require_role(state, &caller, Role::Verifier).await?;
        let mut errors = Vec::new();
        let verified = match b.verification_outcome.as_deref() {
            Some("approved" | "verified") => Some(true),
            Some("rejected") => Some(false),
            Some(o) => {
                errors.push(
                    FieldError::new(
                        "verification_outcome",
                        format!("{:?} is not an outcome", truncate(o, 40)),
                    )
                    .reason("invalid_value")
                    .hint("approved (or verified), or rejected"),
                );
                None
            }
            None => Some(true),
        };
        let amount = match (b.verified_removals, b.verified_amount_kg) {
            (Some(_), Some(_)) => {
                errors.push(
                    FieldError::new(
                        "verified_removals",
                        "give verified_removals (t CO2e) or verified_amount_kg, not both",
                    )
                    .reason("ambiguous"),
                );
                None
            }
            (Some(t), None) => match tonnes_to_kg(t) {
                Some(kg) => Some(kg),
                None => {
                    errors.push(
                        FieldError::new(
                            "verified_removals",
                            format!("{t} is not a quantity of tonnes with at most three decimals"),
                        )
                        .reason("invalid_value")
                        .hint("e.g. 1050.2"),
                    );
                    None
                }
            },
            (None, Some(kg)) => Some(kg),
            (None, None) if verified == Some(false) => Some(0),
            (None, None) => {
                errors.push(
                    FieldError::new(
                        "verified_removals",
                        "required: the verified removals in t CO2e",
                    )
                    .reason("required"),
                );
                None
            }
        };
        let report_hash = match b.verification_report_hash.as_deref() {
            Some(h) => hash32("verification_report_hash", h)
                .map_err(|e| errors.extend(e.details))
                .ok(),
            None => {
                errors.push(
                    FieldError::new(
                        "verification_report_hash",
                        "required: the SHA-256 of the verification report",
                    )
                    .reason("required")
                    .hint("sha256:<64 hex>"),
                );
                None
            }
        };
        if verified == Some(true) && amount == Some(0) {
            errors.push(
                FieldError::new(
                    "verified_removals",
                    "a verified report has verified removals above zero",
                )
                .reason("invalid_value"),
            );
        }
        if !errors.is_empty() {
            return Err(ApiError::unprocessable(
                "the verification is invalid",
                errors,
            ));
        }
        let (id, _) = open_report(&state.store, &project_id, &mrv_id).await?;
        let (verified, amount) = (verified.expect("checked"), amount.expect("checked"));
        Ok(Planned {
            op: Operation::VerifyReport {
                project_id: project_id.clone(),
                mrv_id: id,
                verified,
                amount_kg: amount.to_string(),
                report_hash: report_hash.expect("checked"),
                comments: b.verifier_comments.unwrap_or_default(),
            },
            creates: false,
            extra: json!({
                "project_id": project_id, "mrv_id": id,
                "verification_outcome": if verified { "approved" } else { "rejected" },
                "verified_amount_kg": amount,
                "verified_removals": amount as f64 / 1000.0,
            }),
        })
    })
    .await
}

async fn relay(
    state: &WriteState,
    project_id: &str,
    mrv_id: u64,
    report: &MrvReport,
    att: Value,
) -> Result<Planned, ApiError> {
    let parsed: ogcr_core::cs01::Attestation =
        serde_json::from_value(att.clone()).map_err(|e| {
            bad(
                "/attestation",
                format!("not a CS-01 attestation: {}", truncate(&e.to_string(), 200)),
                "UNREADABLE",
                "send the JSON `ogcr mrv attest` printed",
            )
        })?;
    let signer = ogcr_core::cs01::eip712::verify_eip712(&parsed, None).map_err(|e| {
        bad(
            "/attestation/signature",
            format!("the attestation does not verify: {e}"),
            "SIGNATURE_INVALID",
            "the verifier signs the attestation exactly as sent",
        )
    })?;
    let m = state.engine.manifest();
    if parsed.chain_id != Some(m.chain_id)
        || parsed
            .verifying_contract
            .as_deref()
            .and_then(|c| c.parse::<alloy::primitives::Address>().ok())
            != Some(m.contracts.mrv_registry.address)
    {
        return Err(bad(
            "/attestation/verifyingContract",
            format!(
                "the attestation is signed for chain {:?} contract {:?}, not this registry's MRVRegistry {} on chain {}",
                parsed.chain_id,
                parsed.verifying_contract,
                m.contracts.mrv_registry.address,
                m.chain_id
            ),
            "WRONG_DOMAIN",
            "sign with this registry's chain id and MRVRegistry address",
        ));
    }
    if parsed.scope.project_id != project_id {
        return Err(bad(
            "/attestation/scope/projectId",
            format!(
                "the attestation is for project {}, not {project_id}",
                truncate(&parsed.scope.project_id, 100)
            ),
            "PROJECT_MISMATCH",
            "relay it to its own project's report",
        ));
    }
    if !report
        .dataset_commitment
        .trim_start_matches("0x")
        .eq_ignore_ascii_case(&parsed.dataset_commitment.commitment_hash)
    {
        return Err(bad(
            "/attestation/datasetCommitment/commitmentHash",
            format!(
                "the attestation commits to {}, report {mrv_id} to {}",
                parsed.dataset_commitment.commitment_hash, report.dataset_commitment
            ),
            "COMMITMENT_MISMATCH",
            "the verifier attests the report's own dataset commitment",
        ));
    }
    if !state
        .store
        .has_role("verifier", &format!("{signer:#x}"))
        .await?
    {
        return Err(ApiError::forbidden(
            "missing_role",
            format!("the attestation's signer {signer} does not hold the on-chain verifier role"),
        ));
    }
    Ok(Planned {
        op: Operation::RelayAttestation {
            project_id: project_id.to_owned(),
            mrv_id,
            attestation: att,
        },
        creates: false,
        extra: json!({
            "project_id": project_id, "mrv_id": mrv_id,
            "verifier": format!("{signer:#x}"),
            "verification_outcome": parsed.outcome,
        }),
    })
}

/// A verifier's rejection of a monitoring report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = MrvRejectBody)]
pub struct RejectBody {
    /// Why, one entry per finding.
    #[schema(example = json!(["sampling plan not followed"]))]
    pub reasons: Option<Vec<String>>,
    /// Comments.
    pub verifier_comments: Option<String>,
    /// SHA-256 of the verification report that explains the rejection.
    #[schema(example = json!("sha256:fedcba0987654321fedcba0987654321fedcba0987654321fedcba0987654321"))]
    pub verification_report_hash: Option<String>,
}

/// `POST /projects/{id}/monitoring/{mrvId}/reject` (a verifier).
pub async fn reject(
    Path((project_id, mrv_id)): Path<(String, String)>,
    req: WriteRequest,
) -> Response {
    let path = format!("/projects/{project_id}/monitoring/{mrv_id}/reject");
    let (gate, state, body) = req.gate(
        "POST",
        "/projects/{project_id}/monitoring/{mrv_id}/reject",
        path,
    );
    gate.run(Scope::MrvVerify, Some(Role::Verifier), body, |_| async move {
        let b: RejectBody = json_body(body)?;
        let comments = super::reasons_text(b.reasons, b.verifier_comments, "verifier_comments")?;
        let report_hash = match b.verification_report_hash.as_deref() {
            Some(h) => hash32("verification_report_hash", h)?,
            None => {
                return Err(bad("verification_report_hash", "required: the SHA-256 of the verification report that explains the rejection", "required", "sha256:<64 hex>"));
            }
        };
        let (id, _) = open_report(&state.store, &project_id, &mrv_id).await?;
        Ok(Planned {
            op: Operation::VerifyReport {
                project_id: project_id.clone(),
                mrv_id: id,
                verified: false,
                amount_kg: "0".into(),
                report_hash,
                comments,
            },
            creates: false,
            extra: json!({ "project_id": project_id, "mrv_id": id, "verification_outcome": "rejected" }),
        })
    })
    .await
}
