//! The whole lifecycle: project, MRV reports (direct and attested verification), CRU tokens.

use alloy::primitives::{Address, B256, U256, keccak256};
use ogcr_client::{IssueParams, Registry, ReportSubmission, RetirementInfo, attestation_call};
use ogcr_core::cs01::{
    AttestationInput, AttestationScope, DatasetCommitment, Eip712Params, Outcome,
    create_eip712_attestation, eip712_signing_hash, hash_summary,
};

use crate::common::{DEVELOPER, HOLDER, STRANGER, VERIFIER, World, assert_revert, day, sha256};

const PROJECT: &str = "OGCR-BR-0001";

// On-chain status values.
const DRAFT: u8 = 1;
const SUBMITTED: u8 = 2;
const UNDER_REVIEW: u8 = 3;
const VALIDATED: u8 = 4;
const REJECTED: u8 = 5;
const MRV_SUBMITTED: u8 = 1;
const MRV_VERIFIED: u8 = 2;
const ACTIVE: u8 = 0;
const RETIRED: u8 = 1;
const CANCELLED: u8 = 2;
const BUFFER: u8 = 3;

/// A CS-01 dataset commitment to a period's summary.
fn commitment(period: &str, tonnes: f64) -> DatasetCommitment {
    DatasetCommitment {
        commitment_hash: hash_summary(&format!(r#"{{"period":"{period}","tCO2e":{tonnes}}}"#))
            .unwrap(),
        label: format!("removals {period}"),
        created_at: "2025-03-01T12:00:00.000Z".into(),
    }
}

fn submission(start: u64, end: u64, c: &DatasetCommitment) -> ReportSubmission {
    ReportSubmission {
        projectId: PROJECT.into(),
        mrvHash: sha256(&format!("mrv {start}")),
        datasetCommitment: B256::from(c.hash_bytes().unwrap()),
        periodStart: start,
        periodEnd: end,
        uri: format!("ipfs://mrv-{start}"),
    }
}

/// Drives a project from registration to validation, through a rejection and a revision.
async fn validated_project(w: &World) {
    let (dev, val) = (&w.developer, &w.validator);
    dev.register_project(
        PROJECT,
        sha256("pdd v1"),
        "ipfs://pdd-v1",
        Some(("Verra", "VCS-4242")),
    )
    .await
    .unwrap();
    let p = val.project(PROJECT).await.unwrap();
    assert_eq!(p.projectId, PROJECT);
    assert_eq!(p.developer, w.addr(DEVELOPER));
    assert_eq!((p.status, p.version), (DRAFT, 1));
    assert_eq!(p.pddHash, sha256("pdd v1"));
    assert_eq!(p.pddUri, "ipfs://pdd-v1");
    assert_ne!(p.externalRefKey, B256::ZERO);
    let holder_of_ref = dev
        .projects()
        .projectByExternalRef("Verra".into(), "VCS-4242".into())
        .call()
        .await
        .unwrap();
    assert_eq!(holder_of_ref, keccak256(PROJECT));

    // The same external reference cannot be claimed twice; a project id cannot be reused.
    assert_revert(
        dev.register_project(
            "OGCR-BR-0002",
            sha256("x"),
            "ipfs://x",
            Some(("Verra", "VCS-4242")),
        )
        .await,
        &["Verra project VCS-4242 is already registered here"],
    );
    assert_revert(
        dev.register_project(PROJECT, sha256("y"), "ipfs://y", None)
            .await,
        &["already exists"],
    );

    dev.submit_project(PROJECT).await.unwrap();
    assert_eq!(val.project(PROJECT).await.unwrap().status, SUBMITTED);
    // Only validators review.
    assert_revert(
        dev.start_review(PROJECT).await,
        &["lacks the validator role"],
    );
    val.start_review(PROJECT).await.unwrap();
    assert_eq!(val.project(PROJECT).await.unwrap().status, UNDER_REVIEW);
    val.reject_project(PROJECT, sha256("validation 1"), "baseline not conservative")
        .await
        .unwrap();
    assert_eq!(val.project(PROJECT).await.unwrap().status, REJECTED);
    assert_revert(
        dev.submit_project(PROJECT).await,
        &["project OGCR-BR-0001 is rejected and cannot become submitted"],
    );

    dev.revise_pdd(PROJECT, sha256("pdd v2"), "ipfs://pdd-v2")
        .await
        .unwrap();
    let p = val.project(PROJECT).await.unwrap();
    assert_eq!((p.status, p.version), (DRAFT, 2));
    assert_eq!(p.pddHash, sha256("pdd v2"));
    assert_eq!(p.pddUri, "ipfs://pdd-v2");
    dev.submit_project(PROJECT).await.unwrap();
    val.validate_project(
        PROJECT,
        sha256("validation 2"),
        "conservative baseline",
        (day(2023, 1, 1), day(2030, 1, 1)),
    )
    .await
    .unwrap();
    let p = val.project(PROJECT).await.unwrap();
    assert_eq!(p.status, VALIDATED);
    assert_eq!(
        (p.creditingStart, p.creditingEnd),
        (day(2023, 1, 1), day(2030, 1, 1))
    );
    assert!(p.validatedAt > 0);
}

async fn owned(r: &Registry, who: Address) -> Vec<U256> {
    r.tokens_of(who).await.unwrap()
}

#[tokio::test]
async fn full_lifecycle_from_registration_to_retirement() {
    let w = World::new(true).await;
    validated_project(&w).await;
    let (dev, verifier, op) = (&w.developer, &w.verifier, &w.operator);

    // ---- MRV: three consecutive half-years submitted out of order.
    let (h1_24, h2_24, h1_25) = (day(2024, 1, 1), day(2024, 7, 1), day(2025, 1, 1));
    let c_a = commitment("2024-H1", 1250.5);
    let c_b = commitment("2024-H2", 2400.0);
    let c_c = commitment("2025-H1", 900.0);
    let (c_id, _) = dev
        .submit_report(submission(h1_25, day(2025, 7, 1), &c_c))
        .await
        .unwrap();
    let (a_id, _) = dev
        .submit_report(submission(h1_24, h2_24, &c_a))
        .await
        .unwrap();
    // The middle period's predecessor is report A: the client must find that hint itself.
    let hint = dev
        .mrv()
        .findPrevHint(PROJECT.into(), h2_24)
        .call()
        .await
        .unwrap();
    assert_eq!(hint, a_id);
    let (b_id, tx) = dev
        .submit_report(submission(h2_24, h1_25, &c_b))
        .await
        .unwrap();
    assert!(tx.block_number > 0);
    assert_eq!((c_id, a_id, b_id), (1, 2, 3));
    let b = dev.report(b_id).await.unwrap();
    assert_eq!((b.periodStart, b.periodEnd), (h2_24, h1_25));
    assert_eq!(b.status, MRV_SUBMITTED);
    assert_eq!(b.submitter, w.addr(DEVELOPER));
    assert_eq!(b.projectKey, keccak256(PROJECT));
    assert_eq!(b.uri, format!("ipfs://mrv-{h2_24}"));

    // Overlaps, unfinished periods and reused commitments are refused with readable messages.
    assert_revert(
        dev.submit_report(submission(
            day(2024, 3, 1),
            day(2024, 9, 1),
            &commitment("overlap", 1.0),
        ))
        .await,
        &[&format!(
            "MRV period 2024-03-01..2024-09-01 overlaps report {a_id}"
        )],
    );
    assert_revert(
        dev.submit_report(submission(
            day(2023, 12, 1),
            day(2024, 2, 1),
            &commitment("overlap-2", 1.0),
        ))
        .await,
        &[&format!(
            "MRV period 2023-12-01..2024-02-01 overlaps report {a_id}"
        )],
    );
    assert_revert(
        dev.submit_report(submission(
            day(2029, 1, 1),
            day(2029, 7, 1),
            &commitment("future", 1.0),
        ))
        .await,
        &["MRV period ends 2029-07-01, after the current block time"],
    );
    assert_revert(
        dev.submit_report(submission(day(2023, 1, 1), day(2023, 7, 1), &c_a))
            .await,
        &[&format!("is already used by report {a_id}")],
    );
    assert_revert(
        w.stranger
            .submit_report(submission(
                day(2023, 1, 1),
                day(2023, 7, 1),
                &commitment("stranger", 1.0),
            ))
            .await,
        &["lacks the developer role"],
    );

    // ---- Direct verification of A (1 250.5 t).
    assert_revert(
        w.stranger
            .verify_report(a_id, true, 1_250_500, sha256("vr A"))
            .await,
        &["lacks the verifier role"],
    );
    verifier
        .verify_report(a_id, true, 1_250_500, sha256("vr A"))
        .await
        .unwrap();
    let a = dev.report(a_id).await.unwrap();
    assert_eq!(a.status, MRV_VERIFIED);
    assert_eq!(a.verifiedAmountKg, 1_250_500);
    assert_eq!(a.verifier, w.addr(VERIFIER));
    assert_eq!(a.verificationReportHash, sha256("vr A"));
    assert!(a.verifiedAt > 0);
    assert_revert(
        verifier
            .verify_report(a_id, true, 1_000, sha256("vr A again"))
            .await,
        &[&format!(
            "MRV report {a_id} is verified, not awaiting verification"
        )],
    );

    // ---- Verification of B by an EIP-712 attestation, signed offline, relayed by a stranger.
    let chain_id = w.anvil.chain_id();
    let mrv_address = w.manifest.contracts.mrv_registry.address;
    let verifier_key = crate::common::signer(&w.anvil, VERIFIER);
    let att = create_eip712_attestation(
        AttestationInput {
            verifier_id: "did:ogcr:verifier:acme".into(),
            verifier_name: "ACME Verification".into(),
            scope: AttestationScope {
                project_id: PROJECT.into(),
                methodology_version: "VM0047-v1.0".into(),
                reporting_period: Some("2024-07-01/2024-12-31".into()),
                reporting_period_null: false,
            },
            dataset_commitment: c_b.clone(),
            outcome: Outcome::Verified,
            reason: None,
        },
        &Eip712Params {
            chain_id,
            verifying_contract: mrv_address,
            verified_amount_kg: U256::from(2_400_000u64),
            verification_report_hash: sha256("vr B"),
        },
        &verifier_key,
    )
    .unwrap();
    let (typed, signer, signature) = attestation_call(&att).unwrap();
    assert_eq!(signer, w.addr(VERIFIER));
    assert_eq!(signature.len(), 65);
    assert_eq!(typed.verifiedAmountKg, U256::from(2_400_000u64));
    assert_eq!(typed.scope.reportingPeriod, "2024-07-01/2024-12-31");
    // The contract hashes the struct exactly as ogcr-core does.
    let digest = w
        .stranger
        .mrv()
        .attestationDigest(typed.clone())
        .call()
        .await
        .unwrap();
    assert_eq!(
        digest,
        eip712_signing_hash(&att, chain_id, mrv_address).unwrap()
    );

    // A tampered amount no longer matches the signature; the wrong report does not match it.
    let mut inflated = typed.clone();
    inflated.verifiedAmountKg = U256::from(24_000_000u64);
    assert_revert(
        w.stranger
            .submit_attestation(b_id, inflated, w.addr(VERIFIER), signature.clone())
            .await,
        &[&format!(
            "the attestation signature is not valid for verifier {}",
            w.addr(VERIFIER)
        )],
    );
    assert_revert(
        w.stranger
            .submit_attestation(c_id, typed.clone(), w.addr(VERIFIER), signature.clone())
            .await,
        &[&format!(
            "the attestation's commitment or project does not match MRV report {c_id}"
        )],
    );
    // A signer without the verifier role is refused even with a valid signature of its own.
    assert_revert(
        w.stranger
            .submit_attestation(b_id, typed.clone(), w.addr(STRANGER), signature.clone())
            .await,
        &["lacks the verifier role"],
    );

    w.stranger
        .submit_attestation(b_id, typed.clone(), w.addr(VERIFIER), signature.clone())
        .await
        .unwrap();
    let b = dev.report(b_id).await.unwrap();
    assert_eq!(b.status, MRV_VERIFIED);
    assert_eq!(b.verifiedAmountKg, 2_400_000);
    assert_eq!(b.verifier, w.addr(VERIFIER), "the signer, not the relayer");
    assert_eq!(b.verificationReportHash, sha256("vr B"));
    assert!(
        w.stranger
            .mrv()
            .attestationUsed(digest)
            .call()
            .await
            .unwrap()
    );
    assert_revert(
        w.stranger
            .submit_attestation(b_id, typed, w.addr(VERIFIER), signature)
            .await,
        &[&format!("attestation {digest} was already used")],
    );
    assert_eq!(dev.report(c_id).await.unwrap().status, MRV_SUBMITTED);

    // ---- Issuance against A: 1 250 t available, 1 000 t issued plus a 200 t buffer.
    let holder = w.addr(HOLDER);
    let stranger = w.addr(STRANGER);
    let pool = Address::repeat_byte(0xb0);
    let issue = |mrv_id: u64, amount: u64, buffer: u64| IssueParams {
        mrvId: mrv_id,
        to: holder,
        amount,
        bufferAmount: buffer,
        bufferRecipient: pool,
        labels: 0,
        itmoReference: String::new(),
    };
    assert_revert(
        w.holder.issue(issue(a_id, 1_000, 200)).await,
        &["lacks the registry_operator role"],
    );
    assert_revert(
        op.issue(issue(c_id, 1, 0)).await,
        &[&format!("MRV report {c_id} is not verified")],
    );
    assert_revert(
        op.issue(issue(a_id, 1_200, 51)).await,
        &["issuing 1251 t", "exceeds", "(1250 t)"],
    );
    let (t1, buf, _) = op.issue(issue(a_id, 1_000, 200)).await.unwrap();
    assert_ne!(t1, U256::ZERO);
    assert_ne!(buf, U256::ZERO);
    assert_ne!(t1, buf);
    let (u1, owner1, itmo) = op.token(t1).await.unwrap();
    assert_eq!(
        (u1.amount, u1.mrvId, u1.vintage, u1.status),
        (1_000, a_id, 2024, ACTIVE)
    );
    assert_eq!(owner1, holder);
    assert_eq!(itmo, "");
    let (ub, owner_b, _) = op.token(buf).await.unwrap();
    assert_eq!((ub.amount, ub.status), (200, BUFFER));
    assert_eq!(
        owner_b, pool,
        "the buffer block belongs to the buffer recipient"
    );
    assert_eq!(
        ub.serialStart,
        u1.serialStart + 1_000,
        "consecutive serials"
    );
    let issued = op.cru().issuedTonnes(a_id).call().await.unwrap();
    assert_eq!(issued, U256::from(1_200u64));
    assert_revert(
        op.issue(issue(a_id, 51, 0)).await,
        &["issuing 51 t", "exceeds", "(50 t)"],
    );
    // Issue without buffer: no buffer token id.
    let (t_b, no_buf, _) = op.issue(issue(b_id, 2_400, 0)).await.unwrap();
    assert_eq!(no_buf, U256::ZERO);
    assert_eq!(op.token(t_b).await.unwrap().0.vintage, 2024);

    assert_eq!(owned(op, holder).await, vec![t1, t_b]);
    assert_eq!(owned(op, pool).await, vec![buf]);

    // ---- Split 300 t off t1, move it to the stranger.
    let (t3, _) = w.holder.split(t1, 300).await.unwrap();
    assert!(t3 > t_b);
    let (u1, _, _) = op.token(t1).await.unwrap();
    let (u3, owner3, _) = op.token(t3).await.unwrap();
    assert_eq!((u1.amount, u3.amount), (700, 300));
    assert_eq!(
        u3.serialStart,
        u1.serialStart + 700,
        "the new token takes the last serials"
    );
    assert_eq!((u3.mrvId, u3.status), (a_id, ACTIVE));
    assert_eq!(owner3, holder);
    assert_eq!(owned(op, holder).await, vec![t1, t_b, t3]);
    assert!(owned(op, stranger).await.is_empty());
    assert_revert(w.holder.split(t1, 700).await, &["amount 700 t is invalid"]);
    assert_revert(
        w.stranger.split(t1, 1).await,
        &[&format!("neither holds CRU token {t1}")],
    );

    w.holder.transfer(t3, stranger).await.unwrap();
    assert_eq!(op.token(t3).await.unwrap().1, stranger);
    assert_eq!(owned(op, holder).await, vec![t1, t_b]);
    assert_eq!(owned(op, stranger).await, vec![t3]);
    // The former holder cannot move it again.
    assert!(w.holder.transfer(t3, holder).await.is_err());

    // ---- Partial retirement by the new holder: 100 of 300 t.
    let info = RetirementInfo {
        reasonCode: 1,
        beneficiary: "ACME Corp".into(),
        beneficiaryId: "LEI:5493001KJTIIGC8Y1R12".into(),
        detail: "2025 offsetting".into(),
    };
    let (retired, _) = w.stranger.retire(t3, 100, info.clone()).await.unwrap();
    assert_ne!(retired, t3, "a partial retirement retires a new token");
    let (ur, owner_r, _) = op.token(retired).await.unwrap();
    assert_eq!((ur.amount, ur.status), (100, RETIRED));
    assert_eq!(owner_r, stranger);
    let (u3, _, _) = op.token(t3).await.unwrap();
    assert_eq!((u3.amount, u3.status), (200, ACTIVE));
    assert_eq!(ur.serialStart, u3.serialStart + 200);
    assert_revert(
        w.holder.retire(t1, 701, info.clone()).await,
        &["token 1 holds 700 t; retiring 701 t is more than it holds"],
    );
    // An undefined reason is refused by the contract itself (issue 16), decoded.
    let mut undefined = info.clone();
    undefined.reasonCode = 9;
    assert_revert(
        w.holder.retire(t1, 1, undefined).await,
        &["retirement reason code 9 is not defined"],
    );
    assert_revert(
        w.stranger.retire(retired, 100, info).await,
        &[&format!("CRU token {retired} is retired")],
    );

    // Retired tokens never move.
    assert_revert(
        w.stranger.transfer(retired, holder).await,
        &[&format!(
            "CRU token {retired} is retired or cancelled and cannot move"
        )],
    );
    assert_eq!(owned(op, stranger).await, vec![t3, retired]);

    // ---- Cancellation by the registry operator: 50 of t1's 700 t.
    assert_revert(
        w.holder.cancel(t1, 50, "reversal").await,
        &["lacks the registry_operator role"],
    );
    let (cancelled, _) = op.cancel(t1, 50, "reversal").await.unwrap();
    assert_ne!(cancelled, t1);
    let (uc, owner_c, _) = op.token(cancelled).await.unwrap();
    assert_eq!((uc.amount, uc.status), (50, CANCELLED));
    assert_eq!(owner_c, holder);
    assert_eq!(op.token(t1).await.unwrap().0.amount, 650);
    assert_revert(
        w.holder.transfer(cancelled, stranger).await,
        &["cannot move"],
    );
    // A whole cancellation keeps the token id.
    let (whole, _) = op.cancel(buf, 200, "buffer release test").await.unwrap();
    assert_eq!(whole, buf);
    assert_eq!(op.token(buf).await.unwrap().0.status, CANCELLED);

    assert_eq!(owned(op, holder).await, vec![t1, t_b, cancelled]);
    let total = op.cru().totalMinted().call().await.unwrap();
    assert_eq!(
        total,
        U256::from(6u64),
        "t1, buffer, t_b, t3, retired, cancelled"
    );
}
