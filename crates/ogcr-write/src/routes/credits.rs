//! `POST /credits/issue`, `/credits/transfer`, `/credits/{id}/split|retire|cancel`.

use alloy::primitives::Address;
use axum::{extract::Path, response::Response};
use ogcr_api::{ApiError, FieldError};
use ogcr_store::{Store, Token};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::{Caller, Planned, Role, WriteRequest, address, bad, json_body, truncate};
use crate::{Scope, ops::Operation};

/// Retirement reasons by name, with their on-chain codes.
pub const RETIREMENT_REASONS: [(&str, u8, &str); 5] = [
    ("unspecified", 0, "no purpose stated"),
    (
        "voluntary_offsetting",
        1,
        "voluntary offsetting of the beneficiary's emissions",
    ),
    ("corsia", 2, "use under ICAO CORSIA"),
    ("ndc_article6", 3, "use towards an NDC under Article 6"),
    ("other_compliance", 4, "another compliance scheme"),
];

fn reason_code(field: &str, name: &str) -> Result<u8, ApiError> {
    RETIREMENT_REASONS
        .iter()
        .find(|(n, _, _)| n.eq_ignore_ascii_case(name.trim()))
        .map(|(_, c, _)| *c)
        .ok_or_else(|| {
            bad(
                field,
                format!("{:?} is not a retirement reason", truncate(name, 60)),
                "invalid_value",
                &format!(
                    "one of: {}",
                    RETIREMENT_REASONS.map(|(n, _, _)| n).join(", ")
                ),
            )
        })
}

/// A credit id from the path (`23`, or `cru_23`).
fn credit_id(field: &str, s: &str) -> Result<u64, ApiError> {
    s.trim()
        .strip_prefix("cru_")
        .unwrap_or(s.trim())
        .parse::<u64>()
        .ok()
        .filter(|id| *id > 0 && *id <= i64::MAX as u64)
        .ok_or_else(|| {
            ApiError::invalid(
                field,
                format!("{:?} is not a credit id (a token number)", truncate(s, 40)),
            )
        })
}

async fn token(store: &Store, id: u64) -> Result<Token, ApiError> {
    store
        .token(id as i64)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no credit {id} (or it is not indexed yet)")))
}

fn held_by(caller: &Caller, t: &Token) -> Result<(), ApiError> {
    if t.owner.eq_ignore_ascii_case(&caller.account_hex()) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "not_token_holder",
            format!(
                "credit {} is held by {}, not by {} (account {})",
                t.token_id, t.owner, caller.principal.organization, caller.account
            ),
        ))
    }
}

fn need_active(t: &Token, what: &str, allow_buffer: bool) -> Result<(), ApiError> {
    if t.status == "active" || (allow_buffer && t.status == "buffer") {
        Ok(())
    } else {
        Err(ApiError::conflict(
            "WRONG_STATUS",
            "status",
            format!(
                "credit {} is {}; only active credits can be {what}",
                t.token_id, t.status
            ),
        ))
    }
}

fn amount_within(
    field: &str,
    amount: Option<u64>,
    t: &Token,
    strict: bool,
) -> Result<u64, ApiError> {
    let held = t.amount as u64;
    let a = amount.unwrap_or(held);
    if a == 0 || a > held || (strict && a == held) {
        return Err(bad(
            field,
            format!(
                "credit {} holds {held} t; {a} t {}",
                t.token_id,
                if a == 0 {
                    "is nothing"
                } else if a > held {
                    "is more than it holds"
                } else {
                    "is all of it (split off less)"
                }
            ),
            if a > held {
                "OVER_AMOUNT"
            } else {
                "invalid_value"
            },
            &format!(
                "give a whole number of tonnes from 1 to {}",
                if strict { held.saturating_sub(1) } else { held }
            ),
        ));
    }
    Ok(a)
}

/// An issuance of CRUs against a verified report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueBody {
    /// The verified monitoring report.
    #[schema(example = json!(11))]
    pub mrv_id: Option<u64>,
    /// The account that receives the credits [default: the project developer].
    #[schema(example = json!("0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f"))]
    pub to: Option<String>,
    /// Whole tonnes to issue.
    #[schema(example = json!(1000))]
    pub amount: Option<u64>,
    /// Tonnes to the buffer pool, besides `amount`.
    #[schema(example = json!(100))]
    pub buffer_amount: Option<u64>,
    /// Or the buffer as a share of `amount` (0 to below 1).
    pub buffer_share: Option<f64>,
    /// The buffer pool account [default: the caller's account].
    pub buffer_recipient: Option<String>,
    #[serde(default)]
    /// Compliance labels: `corsia`, `article6`.
    #[schema(example = json!(["corsia"]))]
    pub labels: Vec<String>,
    /// ITMO reference, required exactly with the `article6` label.
    pub itmo_reference: Option<String>,
}

/// `POST /credits/issue` (registry operator): a serial block of `amount` t to `to` against a
/// verified report, with a buffer share to the buffer account; never beyond what was verified.
pub async fn issue(req: WriteRequest) -> Response {
    let (gate, state, body) = req.gate("POST", "/credits/issue", "/credits/issue".into());
    gate.run(Scope::CreditsIssue, Some(Role::RegistryOperator), body, |caller| async move {
        let b: IssueBody = json_body(body)?;
        let mut errors = Vec::new();
        if b.mrv_id.is_none() {
            errors.push(FieldError::new("mrv_id", "required: the verified monitoring report to issue against").reason("required"));
        }
        let amount = b.amount.filter(|a| *a > 0);
        if amount.is_none() {
            errors.push(FieldError::new("amount", "required: whole tonnes to issue, 1 or more").reason("required"));
        }
        let buffer = match (b.buffer_amount, b.buffer_share) {
            (Some(_), Some(_)) => {
                errors.push(FieldError::new("buffer_share", "give buffer_amount or buffer_share, not both").reason("ambiguous"));
                0
            }
            (Some(a), None) => a,
            (None, Some(s)) if (0.0..1.0).contains(&s) => (amount.unwrap_or(0) as f64 * s).round() as u64,
            (None, Some(s)) => {
                errors.push(FieldError::new("buffer_share", format!("{s} is not a share from 0 to below 1")).reason("invalid_value").hint("e.g. 0.1 for 10 %"));
                0
            }
            (None, None) => 0,
        };
        let mut labels = 0u8;
        for l in &b.labels {
            match l.as_str() {
                "corsia" => labels |= 1,
                "article6" => labels |= 2,
                other => errors.push(FieldError::new("labels", format!("{:?} is not a label", truncate(other, 40))).reason("invalid_value").hint("corsia, article6")),
            }
        }
        let itmo = b.itmo_reference.clone().unwrap_or_default();
        if (labels & 2 != 0) == itmo.is_empty() {
            errors.push(FieldError::new("itmo_reference", "an ITMO reference is given exactly when the article6 label is").reason("invalid_value").hint("add the article6 label with its itmo_reference, or neither"));
        }
        if !errors.is_empty() {
            return Err(ApiError::unprocessable("the issuance is invalid", errors));
        }
        let (mrv_id, amount) = (b.mrv_id.expect("checked"), amount.expect("checked"));
        let report = state
            .store
            .mrv_report(mrv_id as i64)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("no monitoring report {mrv_id}")))?;
        if report.status != "verified" {
            return Err(ApiError::conflict("WRONG_STATUS", "mrv_id", format!("monitoring report {mrv_id} is {}; credits are issued only against verified reports", report.status)));
        }
        let verified_t = report.verified_kg.as_deref().and_then(|k| k.parse::<u128>().ok()).unwrap_or(0) / 1000;
        let issued = (report.issued_tonnes + report.buffer_tonnes) as u128;
        let left = verified_t.saturating_sub(issued);
        if u128::from(amount) + u128::from(buffer) > left {
            return Err(bad(
                "amount",
                format!("report {mrv_id} has {left} t left to issue ({verified_t} t verified, {issued} t issued); {amount} t + {buffer} t buffer is more"),
                "OVER_ISSUANCE",
                &format!("issue at most {left} t including the buffer"),
            ));
        }
        let project = state
            .store
            .load::<ogcr_store::Project>(&[vec![report.project_key.clone().into()]])
            .await?
            .into_iter()
            .next();
        let to = match &b.to {
            Some(a) => address("to", a)?,
            None => project
                .as_ref()
                .and_then(|p| p.developer.parse::<Address>().ok())
                .ok_or_else(|| bad("to", "required: the account that receives the credits", "required", "a 0x address"))?,
        };
        let buffer_recipient = match &b.buffer_recipient {
            Some(a) => address("buffer_recipient", a)?,
            None if buffer > 0 => caller.account,
            None => Address::ZERO,
        };
        Ok(Planned {
            op: Operation::Issue {
                mrv_id,
                to,
                amount,
                buffer_amount: buffer,
                buffer_recipient,
                labels,
                itmo_reference: itmo,
            },
            creates: true,
            extra: json!({
                "mrv_id": mrv_id,
                "project_id": project.map(|p| p.project_id),
                "amount": amount, "buffer_amount": buffer, "unit": "tCO2e",
            }),
        })
    })
    .await
}

/// A transfer of credits.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    /// The credits (token ids, as numbers or strings).
    #[schema(example = json!([23]))]
    pub credit_ids: Option<Vec<Value>>,
    /// The receiving account.
    #[schema(example = json!("0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"))]
    pub recipient: Option<String>,
    /// With one credit: transfer only this many tonnes (split off first).
    #[schema(example = json!(200))]
    pub amount: Option<u64>,
    /// Why (not stored on chain).
    pub transfer_reason: Option<String>,
}

/// `POST /credits/transfer`: whole credits to the recipient, or with `amount` (one credit)
/// that many tonnes split off and transferred.
pub async fn transfer(req: WriteRequest) -> Response {
    let (gate, state, body) = req.gate("POST", "/credits/transfer", "/credits/transfer".into());
    gate.run(Scope::CreditsTransfer, None, body, |caller| async move {
        let b: TransferBody = json_body(body)?;
        let ids = b.credit_ids.unwrap_or_default();
        if ids.is_empty() {
            return Err(bad("credit_ids", "required: the credits to transfer", "required", "a list of credit ids, e.g. [23]"));
        }
        let mut parsed = Vec::new();
        for (i, v) in ids.iter().enumerate() {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            parsed.push(credit_id(&format!("credit_ids/{i}"), &text)?);
        }
        let mut dedup = parsed.clone();
        dedup.sort_unstable();
        dedup.dedup();
        if dedup.len() != parsed.len() {
            return Err(bad("credit_ids", "a credit is listed twice", "duplicate", "list each credit once"));
        }
        let recipient = address("recipient", b.recipient.as_deref().unwrap_or_default())?;
        if recipient == Address::ZERO || recipient == caller.account {
            return Err(bad("recipient", format!("cannot transfer to {recipient}"), "invalid_value", "give another holder's account"));
        }
        if b.amount.is_some() && parsed.len() != 1 {
            return Err(bad("amount", "amount splits one credit; list exactly one credit with it", "invalid_value", "one credit id, or no amount"));
        }
        let mut amount = b.amount;
        for id in &parsed {
            let t = token(&state.store, *id).await?;
            held_by(&caller, &t)?;
            need_active(&t, "transferred", true)?;
            if let Some(a) = amount {
                let a = amount_within("amount", Some(a), &t, false)?;
                // All of it: no split needed.
                amount = (a < t.amount as u64).then_some(a);
            }
        }
        let _ = b.transfer_reason;
        Ok(Planned {
            op: Operation::Transfer { token_ids: parsed.clone(), to: recipient, amount },
            creates: false,
            extra: json!({ "credit_ids": parsed, "recipient": format!("{recipient:#x}"), "amount": amount }),
        })
    })
    .await
}

/// A split of a credit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitBody {
    /// Whole tonnes split off into a new credit of the same holder.
    #[schema(example = json!(300))]
    pub amount: Option<u64>,
}

/// `POST /credits/{id}/split`: `amount` t split off into a new credit of the same holder.
pub async fn split(Path(credit): Path<String>, req: WriteRequest) -> Response {
    let path = format!("/credits/{credit}/split");
    let (gate, state, body) = req.gate("POST", "/credits/{credit_id}/split", path);
    gate.run(Scope::CreditsTransfer, None, body, |caller| async move {
        let id = credit_id("credit_id", &credit)?;
        let b: SplitBody = json_body(body)?;
        let Some(a) = b.amount else {
            return Err(bad(
                "amount",
                "required: whole tonnes to split off",
                "required",
                "e.g. {\"amount\": 300}",
            ));
        };
        let t = token(&state.store, id).await?;
        held_by(&caller, &t)?;
        need_active(&t, "split", true)?;
        let a = amount_within("amount", Some(a), &t, true)?;
        Ok(Planned {
            op: Operation::Split {
                token_id: id,
                amount: a,
            },
            creates: true,
            extra: json!({ "credit_id": id, "amount": a }),
        })
    })
    .await
}

/// A retirement.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetireBody {
    /// Whole tonnes to retire [default: all].
    #[schema(example = json!(250))]
    pub amount: Option<u64>,
    /// Why, from the named list: unspecified, voluntary_offsetting, corsia, ndc_article6, other_compliance.
    #[schema(example = json!("corsia"))]
    pub reason: Option<String>,
    /// Alias of `reason` (api-documentation.md).
    pub retirement_reason: Option<String>,
    /// Who the retirement is claimed for.
    #[schema(example = json!("Acme Airlines"))]
    pub beneficiary: Option<String>,
    /// Their identifier (LEI, DID …).
    #[schema(example = json!("LEI-5493001KJTIIGC8Y1R12"))]
    pub beneficiary_id: Option<String>,
    /// Free-text detail of the claim.
    #[schema(example = json!("CORSIA offsetting 2026"))]
    pub note: Option<String>,
    /// Alias of `note`.
    pub retirement_note: Option<String>,
}

/// `POST /credits/{id}/retire`: `amount` t (all by default) retired for a beneficiary with a
/// reason from the named list; answers the retirement id and its public record.
pub async fn retire(Path(credit): Path<String>, req: WriteRequest) -> Response {
    let path = format!("/credits/{credit}/retire");
    let (gate, state, body) = req.gate("POST", "/credits/{credit_id}/retire", path);
    gate.run(Scope::CreditsRetire, None, body, |caller| async move {
        let id = credit_id("credit_id", &credit)?;
        let b: RetireBody = json_body(body)?;
        let reason_name = b.reason.clone().or(b.retirement_reason.clone());
        let code = match reason_name.as_deref() {
            Some(r) => reason_code(
                if b.reason.is_some() {
                    "reason"
                } else {
                    "retirement_reason"
                },
                r,
            )?,
            None => {
                return Err(bad(
                    "reason",
                    "required: why the credits are retired",
                    "required",
                    &format!(
                        "one of: {}",
                        RETIREMENT_REASONS.map(|(n, _, _)| n).join(", ")
                    ),
                ));
            }
        };
        let beneficiary = b.beneficiary.clone().unwrap_or_default();
        if beneficiary.trim().is_empty() {
            return Err(bad(
                "beneficiary",
                "required: who the retirement is claimed for",
                "required",
                "the beneficiary's name",
            ));
        }
        let t = token(&state.store, id).await?;
        held_by(&caller, &t)?;
        need_active(&t, "retired", false)?;
        let a = amount_within("amount", b.amount, &t, false)?;
        Ok(Planned {
            op: Operation::Retire {
                token_id: id,
                amount: a,
                reason_code: code,
                beneficiary: beneficiary.clone(),
                beneficiary_id: b.beneficiary_id.clone().unwrap_or_default(),
                detail: b.note.or(b.retirement_note).unwrap_or_default(),
            },
            creates: true,
            extra: json!({
                "credit_id": id, "amount": a, "unit": "tCO2e",
                "reason": RETIREMENT_REASONS.iter().find(|r| r.1 == code).map(|r| r.0),
                "beneficiary": beneficiary,
            }),
        })
    })
    .await
}

/// A cancellation (registry operator).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    /// Whole tonnes to cancel [default: all].
    #[schema(example = json!(10))]
    pub amount: Option<u64>,
    /// Why.
    #[schema(example = json!("reversal"))]
    pub reason: Option<String>,
}

/// `POST /credits/{id}/cancel` (registry operator): `amount` t (all by default) cancelled.
pub async fn cancel(Path(credit): Path<String>, req: WriteRequest) -> Response {
    let path = format!("/credits/{credit}/cancel");
    let (gate, state, body) = req.gate("POST", "/credits/{credit_id}/cancel", path);
    gate.run(
        Scope::CreditsCancel,
        Some(Role::RegistryOperator),
        body,
        |_| async move {
            let id = credit_id("credit_id", &credit)?;
            let b: CancelBody = json_body(body)?;
            let reason = b.reason.filter(|r| !r.trim().is_empty()).ok_or_else(|| {
                bad(
                    "reason",
                    "required: why the credits are cancelled",
                    "required",
                    "e.g. \"reversal\"",
                )
            })?;
            let t = token(&state.store, id).await?;
            need_active(&t, "cancelled", true)?;
            let a = amount_within("amount", b.amount, &t, false)?;
            Ok(Planned {
                op: Operation::Cancel {
                    token_id: id,
                    amount: a,
                    reason,
                },
                creates: true,
                extra: json!({ "credit_id": id, "amount": a }),
            })
        },
    )
    .await
}
