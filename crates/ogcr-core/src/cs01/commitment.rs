//! CS-01 §1.3–1.4, §2.1 dataset commitments.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::canonical;
use crate::{Error, Result};

/// A dataset commitment: the SHA-256 of a canonical summary, a label and a timestamp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasetCommitment {
    /// Lowercase hex SHA-256 of the canonical summary (64 characters).
    pub commitment_hash: String,
    /// Human-readable label of the dataset.
    pub label: String,
    /// ISO 8601 creation time (`2024-01-15T10:30:00.000Z`).
    pub created_at: String,
}

impl DatasetCommitment {
    /// Checks the commitment is well-formed (CS-01 §2.5): `commitmentHash` is 64 lowercase
    /// hex characters and `createdAt` is not empty.
    pub fn check_well_formed(&self) -> Result<()> {
        if !is_lower_hex(&self.commitment_hash, 64) {
            return Err(Error::MalformedCommitment(format!(
                "commitmentHash {:?} is not 64 lowercase hex characters",
                self.commitment_hash
            )));
        }
        if self.created_at.is_empty() {
            return Err(Error::MalformedCommitment("createdAt is empty".into()));
        }
        Ok(())
    }

    /// The 32 bytes of the commitment hash.
    pub fn hash_bytes(&self) -> Result<[u8; 32]> {
        self.check_well_formed()?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(&self.commitment_hash, &mut out)
            .map_err(|e| Error::MalformedCommitment(format!("commitmentHash: {e}")))?;
        Ok(out)
    }
}

/// SHA-256 of the canonical summary of `summary_json`, as lowercase hex (CS-01 §1.3).
pub fn hash_summary(summary_json: &str) -> Result<String> {
    let canonical = canonical::canonical_summary(summary_json)?;
    Ok(sha256_hex(canonical.as_bytes()))
}

/// Lowercase hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Creates a commitment to `summary_json` (a JSON object) at time `now` (CS-01 §2.1).
pub fn create_dataset_commitment(
    label: &str,
    summary_json: &str,
    now: DateTime<Utc>,
) -> Result<DatasetCommitment> {
    Ok(DatasetCommitment {
        commitment_hash: hash_summary(summary_json)?,
        label: label.to_owned(),
        created_at: iso_millis(now),
    })
}

/// True when `summary_json` hashes to `commitment_hash` (exact lowercase hex comparison,
/// as the reference's `verifyCommitment`).
pub fn verify_commitment(commitment_hash: &str, summary_json: &str) -> Result<bool> {
    Ok(hash_summary(summary_json)? == commitment_hash)
}

/// `Date.prototype.toISOString()` format: UTC, milliseconds, `Z`.
pub fn iso_millis(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn key_order_does_not_change_the_hash() {
        let a = hash_summary(r#"{"b":2,"a":1}"#).unwrap();
        let b = hash_summary(r#"{"a":1,"b":2}"#).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, sha256_hex(br#"{"a":1,"b":2}"#));
    }

    #[test]
    fn create_and_verify() {
        let t = Utc.with_ymd_and_hms(2024, 1, 15, 10, 30, 0).unwrap();
        let c = create_dataset_commitment("emissions-2024-Q1", r#"{"tCO2e":1200}"#, t).unwrap();
        assert_eq!(c.created_at, "2024-01-15T10:30:00.000Z");
        c.check_well_formed().unwrap();
        assert!(verify_commitment(&c.commitment_hash, r#"{ "tCO2e" : 1200.0 }"#).unwrap());
        assert!(!verify_commitment(&c.commitment_hash, r#"{"tCO2e":1201}"#).unwrap());
        assert!(
            !verify_commitment(&c.commitment_hash.to_uppercase(), r#"{"tCO2e":1200}"#).unwrap()
        );
    }

    #[test]
    fn malformed_commitments_are_reported() {
        let mut c = DatasetCommitment {
            commitment_hash: "AB".repeat(32),
            label: "x".into(),
            created_at: "2024-01-01T00:00:00.000Z".into(),
        };
        assert!(c.check_well_formed().is_err());
        c.commitment_hash = "ab".repeat(32);
        assert!(c.check_well_formed().is_ok());
        c.created_at.clear();
        assert!(c.check_well_formed().is_err());
    }
}
