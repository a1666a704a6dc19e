//! Production attestation signatures: EIP-712 typed data signed with secp256k1.
//!
//! The typed data is exactly what `MRVRegistry` verifies on chain:
//!
//! * domain `{name: "OGCR MRVRegistry", version: "1", chainId, verifyingContract}`;
//! * primary type `MRVAttestation(string verifierId,AttestationScope scope,bytes32
//!   commitmentHash,string outcome,string attestedAt,uint256 verifiedAmountKg,bytes32
//!   verificationReportHash)AttestationScope(string projectId,string
//!   methodologyVersion,string reportingPeriod)`, with `reportingPeriod = ""` when absent.
//!
//! Signatures are 65 bytes `r‖s‖v` (`v` = 27 or 28, low `s` as OpenZeppelin's `ECDSA`
//! requires), written `0x` + lowercase hex. Anyone can verify offline by recovering the
//! signer from the attestation and comparing it with the verifier's address (CS-01 CR-1,
//! SC-1). This works for externally owned accounts only: a contract wallet (ERC-1271)
//! signature can only be checked by calling the wallet on chain.
//!
//! Signed: `verifierId`, the scope, `commitmentHash`, `outcome`, `attestedAt`,
//! `verifiedAmountKg`, `verificationReportHash`, and through the domain `chainId` and
//! `verifyingContract`. **Not signed**: `id`, `verifierName`, `reason`,
//! `datasetCommitment.label`, `datasetCommitment.createdAt`; `verifierAddress` is not
//! signed either but is checked against the recovered signer.

use alloy::{
    primitives::{Address, B256, Signature, U256},
    signers::{SignerSync, local::PrivateKeySigner},
    sol,
    sol_types::{Eip712Domain, SolStruct, eip712_domain},
};
use chrono::{DateTime, Utc};

use super::attestation::{
    Attestation, AttestationInput, Outcome, SCHEME_EIP712, SignatureScheme, check_common,
    unsigned_attestation,
};
use crate::{Error, Result};

/// EIP-712 domain name shared with the `MRVRegistry` contract.
pub const DOMAIN_NAME: &str = "OGCR MRVRegistry";
/// EIP-712 domain version shared with the `MRVRegistry` contract.
pub const DOMAIN_VERSION: &str = "1";

sol! {
    /// EIP-712 struct `AttestationScope` (reportingPeriod is "" when absent).
    #[derive(Debug, PartialEq, Eq)]
    struct AttestationScope {
        string projectId;
        string methodologyVersion;
        string reportingPeriod;
    }

    /// EIP-712 primary type `MRVAttestation`, as verified by `MRVRegistry`.
    #[derive(Debug, PartialEq, Eq)]
    struct MRVAttestation {
        string verifierId;
        AttestationScope scope;
        bytes32 commitmentHash;
        string outcome;
        string attestedAt;
        uint256 verifiedAmountKg;
        bytes32 verificationReportHash;
    }
}

/// The EIP-712 domain for an `MRVRegistry` deployment.
pub fn domain(chain_id: u64, verifying_contract: Address) -> Eip712Domain {
    eip712_domain! {
        name: DOMAIN_NAME,
        version: DOMAIN_VERSION,
        chain_id: chain_id,
        verifying_contract: verifying_contract,
    }
}

/// Where the signature is verified and what the verifier adds to a CS-01 attestation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eip712Params {
    /// Chain id of the `MRVRegistry` deployment.
    pub chain_id: u64,
    /// `MRVRegistry` address.
    pub verifying_contract: Address,
    /// Verified net removal in kilograms CO2e (must be 0 for a rejection).
    pub verified_amount_kg: U256,
    /// SHA-256 of the verification report (may be zero).
    pub verification_report_hash: B256,
}

/// Parses a verifier's private key (64 hex digits, `0x` optional).
pub fn parse_private_key(hex_key: &str) -> Result<PrivateKeySigner> {
    let trimmed = hex_key.trim();
    let digits = trimmed.strip_prefix("0x").unwrap_or(trimmed);
    let bytes = hex::decode(digits)
        .map_err(|_| Error::InvalidKey("expected 32 bytes as 64 hex digits".into()))?;
    if bytes.len() != 32 {
        return Err(Error::InvalidKey(format!(
            "expected 32 bytes, got {}",
            bytes.len()
        )));
    }
    PrivateKeySigner::from_slice(&bytes)
        .map_err(|_| Error::InvalidKey("not a valid secp256k1 scalar".into()))
}

/// Parses an address (`0x` + 40 hex digits; a mixed-case address must carry a valid
/// EIP-55 checksum).
pub fn parse_address(s: &str, what: &str) -> Result<Address> {
    let bad = |reason: &str| Error::MalformedAttestation(format!("{what} {s:?} {reason}"));
    let digits = s
        .strip_prefix("0x")
        .ok_or_else(|| bad("must start with 0x"))?;
    if digits.len() != 40 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad("is not 20 bytes of hex"));
    }
    let mixed = digits.bytes().any(|b| b.is_ascii_lowercase())
        && digits.bytes().any(|b| b.is_ascii_uppercase());
    if mixed {
        Address::parse_checksummed(s, None).map_err(|_| bad("has an invalid EIP-55 checksum"))
    } else {
        s.parse().map_err(|_| bad("is not an address"))
    }
}

/// Parses a `0x` + 64 hex digit bytes32.
pub fn parse_b256(s: &str, what: &str) -> Result<B256> {
    let digits = s
        .strip_prefix("0x")
        .ok_or_else(|| Error::MalformedAttestation(format!("{what} {s:?} must start with 0x")))?;
    if digits.len() != 64 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::MalformedAttestation(format!(
            "{what} {s:?} is not 32 bytes of hex"
        )));
    }
    s.parse()
        .map_err(|_| Error::MalformedAttestation(format!("{what} {s:?} is not 32 bytes of hex")))
}

/// Parses a canonical decimal amount of kilograms (no sign, no leading zeros, ≤ 2²⁵⁶−1).
pub fn parse_amount_kg(s: &str) -> Result<U256> {
    let bad = || {
        Error::MalformedAttestation(format!(
            "verifiedAmountKg {s:?} is not a canonical decimal integer"
        ))
    };
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return Err(bad());
    }
    U256::from_str_radix(s, 10).map_err(|_| bad())
}

/// The `MRVAttestation` struct value of an attestation (its EIP-712 fields must be set).
pub fn typed_attestation(att: &Attestation) -> Result<MRVAttestation> {
    let missing = |f: &str| Error::MalformedAttestation(format!("eip712 attestation lacks {f}"));
    let amount = parse_amount_kg(
        att.verified_amount_kg
            .as_deref()
            .ok_or_else(|| missing("verifiedAmountKg"))?,
    )?;
    let report = parse_b256(
        att.verification_report_hash
            .as_deref()
            .ok_or_else(|| missing("verificationReportHash"))?,
        "verificationReportHash",
    )?;
    let outcome = att.parsed_outcome()?;
    if outcome == Outcome::Rejected && !amount.is_zero() {
        return Err(Error::MalformedAttestation(format!(
            "verifiedAmountKg {amount} must be 0 when the outcome is rejected"
        )));
    }
    Ok(MRVAttestation {
        verifierId: att.verifier_id.clone(),
        scope: AttestationScope {
            projectId: att.scope.project_id.clone(),
            methodologyVersion: att.scope.methodology_version.clone(),
            reportingPeriod: att.scope.reporting_period.clone().unwrap_or_default(),
        },
        commitmentHash: B256::from(att.dataset_commitment.hash_bytes()?),
        outcome: att.outcome.clone(),
        attestedAt: att.attested_at.clone(),
        verifiedAmountKg: amount,
        verificationReportHash: report,
    })
}

/// The EIP-712 signing hash (`keccak256(0x1901 ‖ domainSeparator ‖ hashStruct)`) of an
/// attestation for the `MRVRegistry` at `verifying_contract` on `chain_id`.
///
/// The attestation's `verifiedAmountKg` and `verificationReportHash` are used; its own
/// `chainId`/`verifyingContract` fields are ignored in favour of the arguments.
pub fn eip712_signing_hash(
    att: &Attestation,
    chain_id: u64,
    verifying_contract: Address,
) -> Result<B256> {
    Ok(typed_attestation(att)?.eip712_signing_hash(&domain(chain_id, verifying_contract)))
}

/// Creates an EIP-712 attestation now, with a fresh UUID v4.
pub fn create_eip712_attestation(
    input: AttestationInput,
    params: &Eip712Params,
    signer: &PrivateKeySigner,
) -> Result<Attestation> {
    create_eip712_attestation_at(
        input,
        params,
        signer,
        uuid::Uuid::new_v4().to_string(),
        Utc::now(),
    )
}

/// Creates an EIP-712 attestation with the given id and time.
pub fn create_eip712_attestation_at(
    input: AttestationInput,
    params: &Eip712Params,
    signer: &PrivateKeySigner,
    id: String,
    attested_at: DateTime<Utc>,
) -> Result<Attestation> {
    let mut att = Attestation {
        signature_scheme: Some(SCHEME_EIP712.to_owned()),
        verifier_address: Some(signer.address().to_checksum(None)),
        verified_amount_kg: Some(params.verified_amount_kg.to_string()),
        verification_report_hash: Some(format!("{:#x}", params.verification_report_hash)),
        chain_id: Some(params.chain_id),
        verifying_contract: Some(params.verifying_contract.to_checksum(None)),
        ..unsigned_attestation(input, id, attested_at)
    };
    check_common(&att)?;
    let hash = eip712_signing_hash(&att, params.chain_id, params.verifying_contract)?;
    let sig = signer
        .sign_hash_sync(&hash)
        .map_err(|e| Error::InvalidKey(e.to_string()))?;
    att.signature = format!("0x{}", hex::encode(sig.as_bytes()));
    Ok(att)
}

/// Parses a 65-byte `r‖s‖v` signature, requiring `v ∈ {27, 28}` and a low `s`.
pub fn parse_signature(s: &str) -> Result<Signature> {
    let bad = |reason: &str| Error::MalformedAttestation(format!("signature {s:?} {reason}"));
    let digits = s
        .strip_prefix("0x")
        .ok_or_else(|| bad("must start with 0x"))?;
    if digits.len() != 130 {
        return Err(bad("is not 65 bytes of hex"));
    }
    let bytes = hex::decode(digits).map_err(|_| bad("is not hex"))?;
    if !matches!(bytes[64], 27 | 28) {
        return Err(bad("has a v byte other than 27 or 28"));
    }
    let sig = Signature::from_raw(&bytes).map_err(|_| bad("is not a signature"))?;
    if sig.normalize_s().is_some() {
        return Err(bad("has a high s value (malleable form rejected)"));
    }
    Ok(sig)
}

/// Verifies an EIP-712 attestation offline and returns the signer's address.
///
/// The signer is recovered from the signature and must equal `expected` when given,
/// else the attestation's own `verifierAddress`. Only EOAs can be checked this way
/// (see the module documentation about ERC-1271).
pub fn verify_eip712(att: &Attestation, expected: Option<Address>) -> Result<Address> {
    if att.scheme()? != SignatureScheme::Eip712 {
        return Err(Error::MalformedAttestation(
            "signatureScheme is not \"eip712\"".into(),
        ));
    }
    check_common(att)?;
    let missing = |f: &str| Error::MalformedAttestation(format!("eip712 attestation lacks {f}"));
    let chain_id = att.chain_id.ok_or_else(|| missing("chainId"))?;
    let contract = parse_address(
        att.verifying_contract
            .as_deref()
            .ok_or_else(|| missing("verifyingContract"))?,
        "verifyingContract",
    )?;
    let claimed = match att.verifier_address.as_deref() {
        Some(a) => Some(parse_address(a, "verifierAddress")?),
        None => None,
    };
    let expected = expected
        .or(claimed)
        .ok_or_else(|| missing("verifierAddress"))?;
    let sig = parse_signature(&att.signature)?;
    let hash = eip712_signing_hash(att, chain_id, contract)?;
    let recovered = sig
        .recover_address_from_prehash(&hash)
        .map_err(|_| Error::SignatureMismatch)?;
    if recovered != expected {
        return Err(Error::SignerMismatch {
            recovered: recovered.to_checksum(None),
            expected: expected.to_checksum(None),
        });
    }
    if let Some(claimed) = claimed
        && claimed != recovered
    {
        return Err(Error::SignerMismatch {
            recovered: recovered.to_checksum(None),
            expected: claimed.to_checksum(None),
        });
    }
    Ok(recovered)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// EIP-712 digest of [`vector_attestation`], recomputed independently of alloy with
    /// Foundry's `cast` by `tests/fixtures/cs01/eip712-vector.sh`.
    const VECTOR_DIGEST: &str =
        "0x55d421846778142da931518a65a4aa3546d3a46c0e1e3c3b3a9fa2fd0c901255";
    const VECTOR_DOMAIN_SEPARATOR: &str =
        "0xe1c5062a548febea323a37dcb40de46b0d89f34169cf7fef5a6a72a08360c2e2";
    const VECTOR_STRUCT_HASH: &str =
        "0x21f24dfe8e0b9af9a3efd881ad8bfa2a3c025fce210411e984a4e403c4ca5e6b";

    #[test]
    fn encode_type_matches_the_contract() {
        assert_eq!(
            MRVAttestation::eip712_encode_type(),
            "MRVAttestation(string verifierId,AttestationScope scope,bytes32 commitmentHash,string outcome,string attestedAt,uint256 verifiedAmountKg,bytes32 verificationReportHash)AttestationScope(string projectId,string methodologyVersion,string reportingPeriod)"
        );
    }

    /// The vector the Solidity `MRVRegistry` tests assert on chain.
    pub(crate) fn vector_attestation() -> Attestation {
        let commitment_hash =
            crate::cs01::hash_summary(r#"{"tCO2e":1250.5,"period":"2024"}"#).unwrap();
        Attestation {
            id: "00000000-0000-4000-8000-000000000000".into(),
            verifier_id: "did:ogcr:verifier:acme".into(),
            verifier_name: "ACME".into(),
            scope: crate::cs01::AttestationScope {
                project_id: "OGCR-BR-0001".into(),
                methodology_version: "VM0047-v1.0".into(),
                reporting_period: Some("2024-01-01/2024-12-31".into()),
                reporting_period_null: false,
            },
            dataset_commitment: crate::cs01::DatasetCommitment {
                commitment_hash,
                label: "vector".into(),
                created_at: "2025-03-01T12:00:00.000Z".into(),
            },
            outcome: "verified".into(),
            reason: None,
            attested_at: "2025-03-01T12:00:00.000Z".into(),
            signature: String::new(),
            signature_scheme: Some(SCHEME_EIP712.into()),
            verifier_address: None,
            verified_amount_kg: Some("1250500".into()),
            verification_report_hash: Some(format!("0x{}", "11".repeat(32))),
            chain_id: Some(31337),
            verifying_contract: Some("0x5FbDB2315678afecb367f032d93F642f64180aa3".into()),
        }
    }

    #[test]
    fn fixed_test_vector_shared_with_solidity() {
        let att = vector_attestation();
        let contract = parse_address("0x5FbDB2315678afecb367f032d93F642f64180aa3", "c").unwrap();
        let digest = eip712_signing_hash(&att, 31337, contract).unwrap();
        println!(
            "commitmentHash = 0x{}",
            att.dataset_commitment.commitment_hash
        );
        println!("domainSeparator = {}", domain(31337, contract).separator());
        println!(
            "structHash = {}",
            typed_attestation(&att).unwrap().eip712_hash_struct()
        );
        println!("eip712 digest = {digest}");
        assert_eq!(
            att.dataset_commitment.commitment_hash,
            crate::cs01::commitment::sha256_hex(br#"{"period":"2024","tCO2e":1250.5}"#)
        );
        assert_eq!(
            format!("{}", domain(31337, contract).separator()),
            VECTOR_DOMAIN_SEPARATOR
        );
        assert_eq!(
            format!("{}", typed_attestation(&att).unwrap().eip712_hash_struct()),
            VECTOR_STRUCT_HASH
        );
        assert_eq!(format!("{digest}"), VECTOR_DIGEST);
    }

    #[test]
    fn amounts_are_canonical_decimals() {
        assert_eq!(parse_amount_kg("0").unwrap(), U256::ZERO);
        assert_eq!(
            parse_amount_kg("1250500").unwrap(),
            U256::from(1_250_500u64)
        );
        for bad in ["", "01", "-1", "1.5", "1e3", " 1", "0x10"] {
            assert!(parse_amount_kg(bad).is_err(), "{bad:?}");
        }
        assert!(parse_amount_kg(&"9".repeat(80)).is_err(), "above 2^256-1");
    }

    #[test]
    fn addresses_checksum_is_enforced_when_mixed_case() {
        assert!(parse_address("0x5FbDB2315678afecb367f032d93F642f64180aa3", "a").is_ok());
        assert!(parse_address("0x5fbdb2315678afecb367f032d93f642f64180aa3", "a").is_ok());
        assert!(parse_address("0x5FbDB2315678afecb367f032d93F642f64180aA3", "a").is_err());
        assert!(parse_address("5FbDB2315678afecb367f032d93F642f64180aa3", "a").is_err());
    }
}
