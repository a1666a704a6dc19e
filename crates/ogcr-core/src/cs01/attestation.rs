//! CS-01 §1.5–1.6, §2.2–2.5 attestations and the proof-of-concept HMAC-SHA256 scheme.
//!
//! # What the signature covers
//!
//! The signing payload (§2.2) holds `verifierId`, `scope` (`projectId`,
//! `methodologyVersion`, `reportingPeriod` when present), `datasetCommitment.commitmentHash`,
//! `outcome` and `attestedAt`. **The other fields are not signed**: `id`, `verifierName`,
//! `reason`, `datasetCommitment.label` and `datasetCommitment.createdAt` can be changed
//! without invalidating the signature, so consumers must not rely on them as attested
//! statements. (This is the reference implementation's behaviour, kept for
//! interoperability.)
//!
//! Attestation strings are Rust `String`s: an attestation whose JSON holds a lone
//! surrogate escape (`"\ud800"`) is rejected as malformed rather than verified against
//! a different payload. Dataset *summaries* keep lone surrogates exactly (see
//! [`crate::cs01::canonical`]). An explicit `"reportingPeriod": null` is read as absent; the
//! reference never produces it.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::{
    canonical::quote_str,
    commitment::{DatasetCommitment, is_lower_hex, iso_millis},
};
use crate::{Error, Result};

/// The reference implementation's default HMAC secret. **Not for production**: everyone
/// knows it, so signatures made with it prove nothing.
pub const POC_DEFAULT_SECRET: &str = "poc-dev-secret-change-in-production";

/// `signatureScheme` value of HMAC attestations (optional; absent in the reference).
pub const SCHEME_HMAC: &str = "hmac-sha256";
/// `signatureScheme` value of EIP-712 attestations.
pub const SCHEME_EIP712: &str = "eip712";

/// What an attestation binds to: project, methodology version, optional period.
///
/// `reportingPeriod` has three states on the wire, and the signing payload tells them apart
/// as the reference's `JSON.stringify` does (CS-01 §2.2): absent (omitted), a string, or
/// `null` (`"reportingPeriod":null` is signed) — so adding `"reportingPeriod": null` to an
/// attestation signed without one breaks its signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "ScopeWire", into = "ScopeWire")]
pub struct AttestationScope {
    /// Project or program identifier.
    pub project_id: String,
    /// Methodology version, e.g. `VM0047-v1.0`.
    pub methodology_version: String,
    /// Reporting period, e.g. `2024-Q1`.
    pub reporting_period: Option<String>,
    /// The period was given as JSON `null` (not absent): it is signed as `null`.
    pub reporting_period_null: bool,
}

/// The scope as JSON: `reporting_period` is `None` when absent, `Some(None)` when null.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScopeWire {
    project_id: String,
    methodology_version: String,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    reporting_period: Option<Option<String>>,
}

/// A field that is present: `null` is `Some(None)` (absent fields take the default `None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

impl From<ScopeWire> for AttestationScope {
    fn from(w: ScopeWire) -> Self {
        AttestationScope {
            project_id: w.project_id,
            methodology_version: w.methodology_version,
            reporting_period_null: matches!(w.reporting_period, Some(None)),
            reporting_period: w.reporting_period.flatten(),
        }
    }
}

impl From<AttestationScope> for ScopeWire {
    fn from(s: AttestationScope) -> Self {
        ScopeWire {
            project_id: s.project_id,
            methodology_version: s.methodology_version,
            reporting_period: match (s.reporting_period, s.reporting_period_null) {
                (Some(p), _) => Some(Some(p)),
                (None, true) => Some(None),
                (None, false) => None,
            },
        }
    }
}

/// Verification outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The data was verified.
    Verified,
    /// The data was rejected.
    Rejected,
}

impl Outcome {
    /// The wire form, `verified` or `rejected`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::Rejected => "rejected",
        }
    }
}

impl std::str::FromStr for Outcome {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "verified" => Ok(Self::Verified),
            "rejected" => Ok(Self::Rejected),
            other => Err(Error::InvalidOutcome(other.to_owned())),
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A signed attestation (CS-01 §1.6), HMAC or EIP-712.
///
/// Fields keep the exact strings received: `attested_at` and `outcome` are never
/// re-formatted, because they are signed as strings. See the module documentation for
/// which fields are signed; `id`, `verifier_name`, `reason`, `dataset_commitment.label`
/// and `dataset_commitment.created_at` are **not** covered by the signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attestation {
    /// Unique identifier (UUID v4). Not signed.
    pub id: String,
    /// Verifier identifier (accredited body id or DID). Signed.
    pub verifier_id: String,
    /// Human-readable verifier name. Not signed.
    pub verifier_name: String,
    /// Scope. Signed.
    pub scope: AttestationScope,
    /// The commitment attested; only its `commitmentHash` is signed.
    pub dataset_commitment: DatasetCommitment,
    /// `verified` or `rejected`, kept as received. Signed.
    pub outcome: String,
    /// Optional reason. Not signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// ISO 8601 time of attestation, kept as received. Signed.
    pub attested_at: String,
    /// HMAC: 64 lowercase hex; EIP-712: `0x` + 65 bytes r‖s‖v in lowercase hex.
    pub signature: String,
    /// Absent or `hmac-sha256` for HMAC; `eip712` for EIP-712.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_scheme: Option<String>,
    /// EIP-712 only: checksummed address of the verifier's key (recovered, not signed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verifier_address: Option<String>,
    /// EIP-712 only: verified net removal in kg CO2e, decimal string. Signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_amount_kg: Option<String>,
    /// EIP-712 only: SHA-256 of the verification report, `0x` + 64 hex. Signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_report_hash: Option<String>,
    /// EIP-712 only: chain id of the domain. Signed (domain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_id: Option<u64>,
    /// EIP-712 only: MRVRegistry address of the domain. Signed (domain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verifying_contract: Option<String>,
}

/// The signature scheme of an attestation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureScheme {
    /// Proof-of-concept HMAC-SHA256 with a shared secret.
    HmacSha256,
    /// EIP-712 typed data signed with secp256k1.
    Eip712,
}

impl Attestation {
    /// Parses an attestation from JSON text.
    pub fn from_json(text: &str) -> Result<Self> {
        serde_json::from_str(text).map_err(|e| Error::MalformedAttestation(e.to_string()))
    }

    /// The scheme named by `signatureScheme`.
    pub fn scheme(&self) -> Result<SignatureScheme> {
        match self.signature_scheme.as_deref() {
            None | Some(SCHEME_HMAC) => Ok(SignatureScheme::HmacSha256),
            Some(SCHEME_EIP712) => Ok(SignatureScheme::Eip712),
            Some(other) => Err(Error::UnsupportedScheme(other.to_owned())),
        }
    }

    /// The outcome, which must be exactly `verified` or `rejected`.
    pub fn parsed_outcome(&self) -> Result<Outcome> {
        self.outcome.parse()
    }

    /// The CS-01 §2.2 signing payload: `JSON.stringify({verifierId, scope,
    /// commitmentHash, outcome, attestedAt})` with `scope` = `{projectId,
    /// methodologyVersion, reportingPeriod?}`.
    pub fn signing_payload(&self) -> String {
        signing_payload(
            &self.verifier_id,
            &self.scope,
            &self.dataset_commitment.commitment_hash,
            &self.outcome,
            &self.attested_at,
        )
    }
}

/// Builds the CS-01 §2.2 signing payload from its parts.
pub fn signing_payload(
    verifier_id: &str,
    scope: &AttestationScope,
    commitment_hash: &str,
    outcome: &str,
    attested_at: &str,
) -> String {
    let mut s = String::with_capacity(256);
    s.push_str("{\"verifierId\":");
    s.push_str(&quote_str(verifier_id));
    s.push_str(",\"scope\":{\"projectId\":");
    s.push_str(&quote_str(&scope.project_id));
    s.push_str(",\"methodologyVersion\":");
    s.push_str(&quote_str(&scope.methodology_version));
    match (&scope.reporting_period, scope.reporting_period_null) {
        (Some(period), _) => {
            s.push_str(",\"reportingPeriod\":");
            s.push_str(&quote_str(period));
        }
        // `JSON.stringify` keeps a null and drops an undefined.
        (None, true) => s.push_str(",\"reportingPeriod\":null"),
        (None, false) => {}
    }
    s.push_str("},\"commitmentHash\":");
    s.push_str(&quote_str(commitment_hash));
    s.push_str(",\"outcome\":");
    s.push_str(&quote_str(outcome));
    s.push_str(",\"attestedAt\":");
    s.push_str(&quote_str(attested_at));
    s.push('}');
    s
}

/// What a verifier states; input to attestation creation (CS-01 §2.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestationInput {
    /// Verifier identifier.
    pub verifier_id: String,
    /// Verifier name.
    pub verifier_name: String,
    /// Scope.
    pub scope: AttestationScope,
    /// The commitment attested.
    pub dataset_commitment: DatasetCommitment,
    /// Outcome.
    pub outcome: Outcome,
    /// Optional reason.
    pub reason: Option<String>,
}

/// An HMAC-SHA256 secret.
#[derive(Clone)]
pub struct HmacKey(Vec<u8>);

impl HmacKey {
    /// A key from secret bytes.
    pub fn new(secret: impl Into<Vec<u8>>) -> Self {
        Self(secret.into())
    }

    /// The reference's well-known default key. **Not for production.**
    pub fn poc_default() -> Self {
        Self::new(POC_DEFAULT_SECRET)
    }

    /// True when this is the well-known default key.
    pub fn is_poc_default(&self) -> bool {
        self.0 == POC_DEFAULT_SECRET.as_bytes()
    }

    /// Lowercase hex HMAC-SHA256 of `payload`.
    pub fn sign(&self, payload: &str) -> String {
        // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("hmac takes keys of any length"));
        mac.update(payload.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

impl std::fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.is_poc_default() {
            "HmacKey(poc-default)"
        } else {
            "HmacKey(..)"
        })
    }
}

/// Creates an HMAC attestation now, with a fresh UUID v4 (CS-01 §2.4).
pub fn create_hmac_attestation(input: AttestationInput, key: &HmacKey) -> Result<Attestation> {
    create_hmac_attestation_at(input, key, uuid::Uuid::new_v4().to_string(), Utc::now())
}

/// Creates an HMAC attestation with the given id and time.
pub fn create_hmac_attestation_at(
    input: AttestationInput,
    key: &HmacKey,
    id: String,
    attested_at: DateTime<Utc>,
) -> Result<Attestation> {
    input.dataset_commitment.check_well_formed()?;
    let mut att = unsigned_attestation(input, id, attested_at);
    att.signature = key.sign(&att.signing_payload());
    Ok(att)
}

/// The CS-01 fields of an attestation from its input, without signature or scheme fields.
pub(crate) fn unsigned_attestation(
    input: AttestationInput,
    id: String,
    attested_at: DateTime<Utc>,
) -> Attestation {
    Attestation {
        id,
        verifier_id: input.verifier_id,
        verifier_name: input.verifier_name,
        scope: input.scope,
        dataset_commitment: input.dataset_commitment,
        outcome: input.outcome.as_str().to_owned(),
        reason: input.reason,
        attested_at: iso_millis(attested_at),
        signature: String::new(),
        signature_scheme: None,
        verifier_address: None,
        verified_amount_kg: None,
        verification_report_hash: None,
        chain_id: None,
        verifying_contract: None,
    }
}

/// Checks what both schemes require: exact outcome and a well-formed commitment.
pub(crate) fn check_common(att: &Attestation) -> Result<()> {
    att.parsed_outcome()?;
    att.dataset_commitment.check_well_formed()
}

/// Verifies an HMAC attestation (CS-01 §2.5) with a constant-time comparison.
///
/// Fails when the outcome is not exactly `verified`/`rejected`, the commitment is
/// malformed, EIP-712 fields are present, or the signature does not match.
pub fn verify_hmac(att: &Attestation, key: &HmacKey) -> Result<()> {
    if att.scheme()? != SignatureScheme::HmacSha256 {
        return Err(Error::MalformedAttestation(
            "not an hmac-sha256 attestation".into(),
        ));
    }
    if att.verifier_address.is_some()
        || att.verified_amount_kg.is_some()
        || att.verification_report_hash.is_some()
        || att.chain_id.is_some()
        || att.verifying_contract.is_some()
    {
        return Err(Error::MalformedAttestation(
            "hmac attestation carries eip712 fields (verifierAddress, chainId, …)".into(),
        ));
    }
    check_common(att)?;
    if !is_lower_hex(&att.signature, 64) {
        return Err(Error::MalformedAttestation(format!(
            "signature {:?} is not 64 lowercase hex characters",
            att.signature
        )));
    }
    let expected = key.sign(&att.signing_payload());
    if bool::from(expected.as_bytes().ct_eq(att.signature.as_bytes())) {
        Ok(())
    } else {
        Err(Error::SignatureMismatch)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn input() -> AttestationInput {
        AttestationInput {
            verifier_id: "verifier-acme-001".into(),
            verifier_name: "ACME Verification Body".into(),
            scope: AttestationScope {
                project_id: "proj-001".into(),
                methodology_version: "GHG-Protocol-v1".into(),
                reporting_period: Some("2024-Q1".into()),
                reporting_period_null: false,
            },
            dataset_commitment: DatasetCommitment {
                commitment_hash: "ab".repeat(32),
                label: "emissions-2024-Q1".into(),
                created_at: "2024-04-01T00:00:00.000Z".into(),
            },
            outcome: Outcome::Verified,
            reason: None,
        }
    }

    #[test]
    fn payload_has_fixed_key_order_and_omits_absent_period() {
        let t = Utc.with_ymd_and_hms(2024, 4, 2, 0, 0, 0).unwrap();
        let mut inp = input();
        inp.scope.reporting_period = None;
        let att = create_hmac_attestation_at(inp, &HmacKey::poc_default(), "id".into(), t).unwrap();
        assert_eq!(
            att.signing_payload(),
            format!(
                r#"{{"verifierId":"verifier-acme-001","scope":{{"projectId":"proj-001","methodologyVersion":"GHG-Protocol-v1"}},"commitmentHash":"{}","outcome":"verified","attestedAt":"2024-04-02T00:00:00.000Z"}}"#,
                "ab".repeat(32)
            )
        );
    }

    #[test]
    fn sign_and_verify_round_trip() {
        let key = HmacKey::new("s3cret");
        let att = create_hmac_attestation(input(), &key).unwrap();
        verify_hmac(&att, &key).unwrap();
        assert!(matches!(
            verify_hmac(&att, &HmacKey::new("other")),
            Err(Error::SignatureMismatch)
        ));
        let json = serde_json::to_string(&att).unwrap();
        assert!(
            !json.contains("signatureScheme"),
            "hmac attestations keep the reference's fields"
        );
        verify_hmac(&Attestation::from_json(&json).unwrap(), &key).unwrap();
    }

    #[test]
    fn outcome_must_be_exact() {
        let key = HmacKey::poc_default();
        let mut att = create_hmac_attestation(input(), &key).unwrap();
        att.outcome = "Verified".into();
        att.signature = key.sign(&att.signing_payload());
        assert!(matches!(
            verify_hmac(&att, &key),
            Err(Error::InvalidOutcome(_))
        ));
    }
}
