//! Attestations: interoperability with the reference, tamper tests for every signed
//! field (HMAC and EIP-712), and the documented unsigned fields.

use alloy::primitives::{Address, B256, U256};
use chrono::{TimeZone, Utc};
use ogcr_core::{
    Error,
    cs01::{
        Attestation, AttestationInput, AttestationScope, DatasetCommitment, Eip712Params, HmacKey,
        Outcome, create_hmac_attestation, eip712, hash_summary, verify_eip712, verify_hmac,
    },
};

/// A fixed, test-only key (anvil's first dev account).
const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const DEV_ADDRESS: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const CONTRACT: &str = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

fn input(outcome: Outcome) -> AttestationInput {
    AttestationInput {
        verifier_id: "did:ogcr:verifier:acme".into(),
        verifier_name: "ACME Verification Body".into(),
        scope: AttestationScope {
            project_id: "OGCR-BR-0001".into(),
            methodology_version: "VM0047-v1.0".into(),
            reporting_period: Some("2024-01-01/2024-12-31".into()),
            reporting_period_null: false,
        },
        dataset_commitment: DatasetCommitment {
            commitment_hash: hash_summary(r#"{"tCO2e":1250.5,"period":"2024"}"#).unwrap(),
            label: "mrv-2024".into(),
            created_at: "2025-02-01T00:00:00.000Z".into(),
        },
        outcome,
        reason: None,
    }
}

fn params(amount: u64) -> Eip712Params {
    Eip712Params {
        chain_id: 31337,
        verifying_contract: CONTRACT.parse().unwrap(),
        verified_amount_kg: U256::from(amount),
        verification_report_hash: B256::repeat_byte(0x11),
    }
}

fn eip712_attestation() -> Attestation {
    let signer = eip712::parse_private_key(DEV_KEY).unwrap();
    let t = Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap();
    eip712::create_eip712_attestation_at(
        input(Outcome::Verified),
        &params(1_250_500),
        &signer,
        "id-1".into(),
        t,
    )
    .unwrap()
}

/// Each mutation of a signed field.
type Tamper = (&'static str, fn(&mut Attestation));

const SIGNED_CS01_FIELDS: &[Tamper] = &[
    ("verifierId", |a| a.verifier_id.push('x')),
    ("scope.projectId", |a| {
        a.scope.project_id = "OGCR-BR-0002".into()
    }),
    ("scope.methodologyVersion", |a| {
        a.scope.methodology_version = "VM0047-v1.1".into()
    }),
    ("scope.reportingPeriod changed", |a| {
        a.scope.reporting_period = Some("2024-Q2".into())
    }),
    ("scope.reportingPeriod removed", |a| {
        a.scope.reporting_period = None
    }),
    ("datasetCommitment.commitmentHash", |a| {
        a.dataset_commitment.commitment_hash = "00".repeat(32);
    }),
    ("outcome", |a| {
        a.outcome = if a.outcome == "verified" {
            "rejected".into()
        } else {
            "verified".into()
        }
    }),
    ("attestedAt", |a| {
        a.attested_at = "2025-03-01T12:00:00.001Z".into()
    }),
    ("attestedAt reformatted", |a| {
        a.attested_at = "2025-03-01T12:00:00Z".into()
    }),
];

const UNSIGNED_FIELDS: &[Tamper] = &[
    ("id", |a| a.id = "another-id".into()),
    ("verifierName", |a| a.verifier_name = "Someone Else".into()),
    ("reason", |a| a.reason = Some("added later".into())),
    ("datasetCommitment.label", |a| {
        a.dataset_commitment.label = "relabelled".into()
    }),
    ("datasetCommitment.createdAt", |a| {
        a.dataset_commitment.created_at = "1999-01-01T00:00:00.000Z".into()
    }),
];

#[test]
fn verifies_attestations_signed_by_the_reference() {
    let text = include_str!("../fixtures/cs01/reference-attestations.json");
    let list: Vec<serde_json::Value> = serde_json::from_str(text).unwrap();
    assert_eq!(list.len(), 2);
    for value in list {
        let att = Attestation::from_json(&value.to_string()).unwrap();
        verify_hmac(&att, &HmacKey::poc_default()).unwrap_or_else(|e| panic!("{}: {e}", att.id));
        assert!(matches!(
            verify_hmac(&att, &HmacKey::new("other")),
            Err(Error::SignatureMismatch)
        ));
        // Re-serializing keeps exactly the reference's keys.
        let back = serde_json::to_value(&att).unwrap();
        assert_eq!(back, value);
    }
}

#[test]
fn hmac_tampering_any_signed_field_breaks_the_signature() {
    let key = HmacKey::new("test-secret");
    for outcome in [Outcome::Verified, Outcome::Rejected] {
        let original = create_hmac_attestation(input(outcome), &key).unwrap();
        verify_hmac(&original, &key).unwrap();
        for (name, tamper) in SIGNED_CS01_FIELDS {
            let mut att = original.clone();
            tamper(&mut att);
            assert_ne!(att, original, "{name} must change something");
            assert!(
                verify_hmac(&att, &key).is_err(),
                "tampering {name} must be detected"
            );
        }
        let mut att = original.clone();
        att.signature = att.signature.replace(
            &att.signature[..1],
            if &att.signature[..1] == "0" { "1" } else { "0" },
        );
        assert!(
            verify_hmac(&att, &key).is_err(),
            "tampering the signature must be detected"
        );
    }
}

#[test]
fn hmac_unsigned_fields_are_not_covered() {
    let key = HmacKey::new("test-secret");
    let original = create_hmac_attestation(input(Outcome::Verified), &key).unwrap();
    for (name, change) in UNSIGNED_FIELDS {
        let mut att = original.clone();
        change(&mut att);
        assert_ne!(att, original);
        verify_hmac(&att, &key).unwrap_or_else(|e| panic!("{name} is documented as unsigned: {e}"));
    }
}

#[test]
fn hmac_rejects_malformed_attestations() {
    let key = HmacKey::poc_default();
    let good = create_hmac_attestation(input(Outcome::Verified), &key).unwrap();
    let mut json: serde_json::Value = serde_json::to_value(&good).unwrap();
    json["datasetCommitment"]
        .as_object_mut()
        .unwrap()
        .remove("createdAt");
    assert!(matches!(
        Attestation::from_json(&json.to_string()),
        Err(Error::MalformedAttestation(_))
    ));

    let mut att = good.clone();
    att.signature_scheme = Some("rsa".into());
    assert!(matches!(
        verify_hmac(&att, &key),
        Err(Error::UnsupportedScheme(_))
    ));

    let mut att = good.clone();
    att.chain_id = Some(1);
    assert!(matches!(
        verify_hmac(&att, &key),
        Err(Error::MalformedAttestation(_))
    ));

    let mut att = good;
    att.signature = att.signature.to_uppercase();
    assert!(verify_hmac(&att, &key).is_err());
}

#[test]
fn eip712_round_trip_and_json_shape() {
    let att = eip712_attestation();
    let signer = verify_eip712(&att, None).unwrap();
    assert_eq!(signer.to_checksum(None), DEV_ADDRESS);
    assert_eq!(att.verifier_address.as_deref(), Some(DEV_ADDRESS));
    verify_eip712(&att, Some(DEV_ADDRESS.parse().unwrap())).unwrap();

    let json = serde_json::to_value(&att).unwrap();
    assert_eq!(json["signatureScheme"], "eip712");
    assert_eq!(json["verifiedAmountKg"], "1250500");
    assert_eq!(json["chainId"], 31337);
    assert_eq!(json["verifyingContract"], CONTRACT);
    assert_eq!(
        json["verificationReportHash"],
        format!("0x{}", "11".repeat(32))
    );
    let sig = json["signature"].as_str().unwrap();
    assert_eq!(sig.len(), 132);
    assert!(
        sig.starts_with("0x")
            && sig[2..]
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    assert!(matches!(&sig[130..], "1b" | "1c"), "v is 27 or 28");
    let back = Attestation::from_json(&json.to_string()).unwrap();
    verify_eip712(&back, None).unwrap();
}

#[test]
fn eip712_tampering_any_signed_field_breaks_the_signature() {
    let original = eip712_attestation();
    let mut cases: Vec<Tamper> = SIGNED_CS01_FIELDS.to_vec();
    cases.extend_from_slice(&[
        ("verifiedAmountKg", |a| {
            a.verified_amount_kg = Some("1250501".into())
        }),
        ("verificationReportHash", |a| {
            a.verification_report_hash = Some(format!("0x{}", "12".repeat(32)))
        }),
        ("chainId", |a| a.chain_id = Some(1)),
        ("verifyingContract", |a| {
            a.verifying_contract = Some("0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512".into());
        }),
    ]);
    for (name, tamper) in cases {
        let mut att = original.clone();
        tamper(&mut att);
        assert!(
            verify_eip712(&att, None).is_err(),
            "tampering {name} must be detected"
        );
    }
}

#[test]
fn eip712_unsigned_fields_are_not_covered() {
    let original = eip712_attestation();
    for (name, change) in UNSIGNED_FIELDS {
        let mut att = original.clone();
        change(&mut att);
        verify_eip712(&att, None)
            .unwrap_or_else(|e| panic!("{name} is documented as unsigned: {e}"));
    }
}

#[test]
fn eip712_wrong_signer_is_reported() {
    let att = eip712_attestation();
    let other: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
        .parse()
        .unwrap();
    assert!(matches!(
        verify_eip712(&att, Some(other)),
        Err(Error::SignerMismatch { .. })
    ));

    let mut claimed = att.clone();
    claimed.verifier_address = Some(other.to_checksum(None));
    assert!(matches!(
        verify_eip712(&claimed, None),
        Err(Error::SignerMismatch { .. })
    ));
}

#[test]
fn eip712_rejects_malleable_and_malformed_signatures() {
    let att = eip712_attestation();
    let sig = eip712::parse_signature(&att.signature).unwrap();
    // The high-s twin of a valid signature recovers the same key but is refused.
    let n = U256::from_str_radix(
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
        16,
    )
    .unwrap();
    let mut bytes = sig.as_bytes();
    bytes[32..64].copy_from_slice(&(n - sig.s()).to_be_bytes::<32>());
    bytes[64] = if bytes[64] == 27 { 28 } else { 27 };
    let mut twin = att.clone();
    twin.signature = format!("0x{}", hex::encode(bytes));
    let err = verify_eip712(&twin, None).unwrap_err().to_string();
    assert!(err.contains("high s"), "{err}");

    for bad in [
        "",
        "0x",
        "0x00",
        &att.signature[2..],
        &format!("{}00", &att.signature[..130]),
    ] {
        let mut a = att.clone();
        a.signature = bad.to_owned();
        assert!(verify_eip712(&a, None).is_err(), "{bad:?}");
    }
}

#[test]
fn eip712_rejected_outcome_requires_zero_amount() {
    let signer = eip712::parse_private_key(DEV_KEY).unwrap();
    let err = eip712::create_eip712_attestation(input(Outcome::Rejected), &params(5), &signer)
        .unwrap_err();
    assert!(err.to_string().contains("must be 0"), "{err}");
    let ok =
        eip712::create_eip712_attestation(input(Outcome::Rejected), &params(0), &signer).unwrap();
    verify_eip712(&ok, None).unwrap();
}

#[test]
fn bad_private_keys_are_errors() {
    for bad in ["", "0x12", "zz", &"00".repeat(32), &"ff".repeat(32)] {
        assert!(
            matches!(eip712::parse_private_key(bad), Err(Error::InvalidKey(_))),
            "{bad:?}"
        );
    }
}

/// Issue 18: a field present as `null` and an absent field are different payloads (CS-01
/// §2.2, as the reference's `JSON.stringify` serialises them). An attestation signed without
/// `scope.reportingPeriod` no longer verifies once `"reportingPeriod": null` is added to it;
/// one signed with the null verifies, and keeps it when re-serialised.
#[test]
fn a_null_reporting_period_is_not_an_absent_one() {
    let key = HmacKey::new(b"test-secret".to_vec());
    let mut inp = input(Outcome::Verified);
    inp.scope.reporting_period = None;
    let signed = create_hmac_attestation(inp.clone(), &key).unwrap();
    assert!(!signed.signing_payload().contains("reportingPeriod"));
    verify_hmac(&signed, &key).unwrap();
    let mut json: serde_json::Value = serde_json::to_value(&signed).unwrap();
    assert!(json["scope"].get("reportingPeriod").is_none());
    json["scope"]["reportingPeriod"] = serde_json::Value::Null;
    let tampered = Attestation::from_json(&json.to_string()).unwrap();
    assert!(
        tampered
            .signing_payload()
            .contains("\"reportingPeriod\":null")
    );
    assert!(
        verify_hmac(&tampered, &key).is_err(),
        "null added to an unsigned period verified"
    );

    inp.scope.reporting_period_null = true;
    let with_null = create_hmac_attestation(inp, &key).unwrap();
    verify_hmac(&with_null, &key).unwrap();
    let text = serde_json::to_string(&with_null).unwrap();
    assert!(text.contains("\"reportingPeriod\":null"), "{text}");
    let back = Attestation::from_json(&text).unwrap();
    verify_hmac(&back, &key).unwrap();
    // …and removing the null breaks it the other way.
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["scope"]
        .as_object_mut()
        .unwrap()
        .remove("reportingPeriod");
    let removed = Attestation::from_json(&json.to_string()).unwrap();
    assert!(verify_hmac(&removed, &key).is_err());
    // Any other JSON type is malformed, not silently dropped.
    json["scope"]["reportingPeriod"] = serde_json::json!(5);
    assert!(Attestation::from_json(&json.to_string()).is_err());
}
