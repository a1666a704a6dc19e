// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {MRVRegistry} from "../src/MRVRegistry.sol";
import {IMRVRegistry} from "../src/interfaces/IMRVRegistry.sol";
import {AuthorityGated} from "../src/utils/AuthorityGated.sol";
import {OGCRTest} from "./utils/OGCRTest.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @dev A minimal ERC-1271 smart wallet: valid when its owner key signed the digest.
contract OwnerWallet is IERC1271 {
    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    function isValidSignature(bytes32 digest, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, signature);
        return
            err == ECDSA.RecoverError.NoError && signer == owner
                ? IERC1271.isValidSignature.selector
                : bytes4(0);
    }
}

contract MRVRegistryTest is OGCRTest {
    function setUp() public override {
        super.setUp();
        _registerAndValidate(PID);
    }

    // ---------------------------------------------------------------- submission

    function test_submitReport_storesAndEmits() public {
        IMRVRegistry.ReportSubmission memory s = _submission(PID, Y2024, H2_2024);
        vm.expectEmit(address(mrv));
        emit IMRVRegistry.MRVSubmitted(
            1, keccak256(bytes(PID)), developer, s.mrvHash, s.datasetCommitment, Y2024, H2_2024, s.uri, NOW
        );
        vm.prank(developer);
        uint64 id = mrv.submitReport(s, 0);
        vm.assertEq(uint256(id), 1);
        IMRVRegistry.ReportView memory r = mrv.getReport(id);
        vm.assertEq(r.projectKey, keccak256(bytes(PID)));
        vm.assertEq(r.mrvHash, s.mrvHash);
        vm.assertEq(r.datasetCommitment, s.datasetCommitment);
        vm.assertEq(uint256(r.periodStart), Y2024);
        vm.assertEq(uint256(r.periodEnd), H2_2024);
        vm.assertEq(uint256(uint8(r.status)), uint256(uint8(IMRVRegistry.MRVStatus.Submitted)));
        vm.assertEq(r.submitter, developer);
        vm.assertEq(r.uri, "ogcr://mrv/x");
        vm.assertEq(uint256(mrv.reportCount()), 1);
    }

    function test_submitReport_revertsOnZeroHashes() public {
        IMRVRegistry.ReportSubmission memory s = _submission(PID, Y2024, H2_2024);
        s.mrvHash = 0;
        vm.prank(developer);
        vm.expectRevert(IMRVRegistry.MRVRegistryZeroHash.selector);
        mrv.submitReport(s, 0);
        s = _submission(PID, Y2024, H2_2024);
        s.datasetCommitment = 0;
        vm.prank(developer);
        vm.expectRevert(IMRVRegistry.MRVRegistryZeroHash.selector);
        mrv.submitReport(s, 0);
    }

    function test_submitReport_revertsOnEmptyOrInvertedPeriod() public {
        vm.prank(developer);
        vm.expectRevert(
            abi.encodeWithSelector(IMRVRegistry.MRVRegistryInvalidPeriod.selector, H2_2024, H2_2024)
        );
        mrv.submitReport(_submission(PID, H2_2024, H2_2024), 0);
        vm.prank(developer);
        vm.expectRevert(
            abi.encodeWithSelector(IMRVRegistry.MRVRegistryInvalidPeriod.selector, H2_2024, Y2024)
        );
        mrv.submitReport(_submission(PID, H2_2024, Y2024), 0);
    }

    function test_submitReport_revertsBeforePeriodEnded() public {
        vm.prank(developer);
        vm.expectRevert(abi.encodeWithSelector(IMRVRegistry.MRVRegistryPeriodNotEnded.selector, NOW + 1, NOW));
        mrv.submitReport(_submission(PID, Y2025, NOW + 1), 0);
    }

    function test_submitReport_revertsForUnvalidatedProject() public {
        _register("OGCR-DRAFT");
        vm.prank(developer);
        vm.expectRevert(
            abi.encodeWithSelector(IMRVRegistry.MRVRegistryProjectNotValidated.selector, "OGCR-DRAFT")
        );
        mrv.submitReport(_submission("OGCR-DRAFT", Y2024, H2_2024), 0);
        vm.prank(developer);
        vm.expectRevert(abi.encodeWithSelector(IMRVRegistry.MRVRegistryProjectNotValidated.selector, "NOPE"));
        mrv.submitReport(_submission("NOPE", Y2024, H2_2024), 0);
    }

    function test_submitReport_revertsForOtherDeveloper() public {
        address other = address(0xD2);
        bytes32 role = acl.DEVELOPER_ROLE();
        vm.prank(admin);
        acl.grantRole(role, other);
        vm.prank(other);
        vm.expectRevert(
            abi.encodeWithSelector(IMRVRegistry.MRVRegistryNotProjectDeveloper.selector, PID, other)
        );
        mrv.submitReport(_submission(PID, Y2024, H2_2024), 0);
    }

    function test_submitReport_revertsOutsideCreditingPeriod() public {
        vm.prank(developer);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMRVRegistry.MRVRegistryOutsideCreditingPeriod.selector, Y2024 - 1, H2_2024, Y2024, Y2034
            )
        );
        mrv.submitReport(_submission(PID, Y2024 - 1, H2_2024), 0);
    }

    function test_submitReport_revertsOnReusedCommitment() public {
        uint64 first = _submit(PID, Y2024, H2_2024);
        IMRVRegistry.ReportSubmission memory s = _submission(PID, H2_2024, Y2025);
        s.datasetCommitment = mrv.getReport(first).datasetCommitment;
        vm.prank(developer);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMRVRegistry.MRVRegistryCommitmentInUse.selector, s.datasetCommitment, first
            )
        );
        mrv.submitReport(s, first);
    }

    function test_submitReport_revertsOnOverlapWithPrevious() public {
        uint64 first = _submit(PID, Y2024, H2_2024);
        vm.prank(developer);
        vm.expectRevert(
            abi.encodeWithSelector(IMRVRegistry.MRVRegistryPeriodOverlap.selector, H2_2024 - 1, Y2025, first)
        );
        mrv.submitReport(_submission(PID, H2_2024 - 1, Y2025), first);
    }

    function test_submitReport_revertsOnOverlapWithNext() public {
        uint64 second = _submit(PID, H2_2024, Y2025);
        vm.prank(developer);
        vm.expectRevert(
            abi.encodeWithSelector(IMRVRegistry.MRVRegistryPeriodOverlap.selector, Y2024, H2_2024 + 1, second)
        );
        mrv.submitReport(_submission(PID, Y2024, H2_2024 + 1), 0);
    }

    function test_submitReport_revertsOnWrongHint() public {
        uint64 first = _submit(PID, Y2024, H2_2024);
        uint64 second = _submit(PID, H2_2024, Y2025);
        // A new period after both: hint 0 (head) is too far left.
        vm.prank(developer);
        vm.expectRevert(abi.encodeWithSelector(IMRVRegistry.MRVRegistryInvalidHint.selector, uint64(0)));
        mrv.submitReport(_submission(PID, Y2025, Y2025 + 86_400), 0);
        // `first` is too far left as well (its successor lies before the new period).
        vm.prank(developer);
        vm.expectRevert(abi.encodeWithSelector(IMRVRegistry.MRVRegistryInvalidHint.selector, first));
        mrv.submitReport(_submission(PID, Y2025, Y2025 + 86_400), first);
        // Unknown report as hint.
        vm.prank(developer);
        vm.expectRevert(abi.encodeWithSelector(IMRVRegistry.MRVRegistryInvalidHint.selector, uint64(99)));
        mrv.submitReport(_submission(PID, Y2025, Y2025 + 86_400), 99);
        // The right hint works.
        vm.assertEq(uint256(mrv.findPrevHint(PID, Y2025)), second);
        vm.prank(developer);
        mrv.submitReport(_submission(PID, Y2025, Y2025 + 86_400), second);
    }

    function test_submitReport_revertsOnHintFromAnotherProject() public {
        _registerAndValidate("OGCR-KE-0002");
        uint64 other = _submit("OGCR-KE-0002", Y2024, H2_2024);
        vm.prank(developer);
        vm.expectRevert(abi.encodeWithSelector(IMRVRegistry.MRVRegistryInvalidHint.selector, other));
        mrv.submitReport(_submission(PID, H2_2024, Y2025), other);
    }

    function test_submitReport_acceptsOutOfOrderAndAdjacentPeriods() public {
        uint64 b = _submit(PID, H2_2024, Y2025);
        uint64 a = _submit(PID, Y2024, H2_2024); // before the head, sharing its boundary
        uint64 c = _submit(PID, Y2025, Y2025 + 30 days);
        vm.assertEq(uint256(mrv.findPrevHint(PID, Y2024)), 0);
        vm.assertEq(uint256(mrv.findPrevHint(PID, H2_2024)), a);
        vm.assertEq(uint256(mrv.findPrevHint(PID, Y2025)), b);
        vm.assertEq(uint256(mrv.findPrevHint(PID, Y2025 + 30 days)), c);
    }

    function test_rejection_freesPeriodAndCommitment() public {
        uint64 a = _submit(PID, Y2024, H2_2024);
        uint64 b = _submit(PID, H2_2024, Y2025);
        vm.prank(verifier);
        mrv.verifyReport(a, false, 0, VREPORT_HASH);
        // Same period and same commitment can be submitted again, before b.
        vm.assertEq(uint256(mrv.findPrevHint(PID, Y2024)), 0);
        uint64 again = _submit(PID, Y2024, H2_2024);
        vm.assertEq(uint256(mrv.findPrevHint(PID, H2_2024)), again);
        // b is still protected.
        IMRVRegistry.ReportSubmission memory dup = _submission(PID, H2_2024, Y2025);
        dup.datasetCommitment = keccak256("fresh dataset");
        vm.prank(developer);
        vm.expectRevert(
            abi.encodeWithSelector(IMRVRegistry.MRVRegistryPeriodOverlap.selector, H2_2024, Y2025, b)
        );
        mrv.submitReport(dup, again);
    }

    function testFuzz_submitReport_neverAcceptsOverlap(uint64 s1, uint64 l1, uint64 s2, uint64 l2) public {
        s1 = uint64(_bound(s1, Y2024, NOW - 2));
        l1 = uint64(_bound(l1, 1, NOW - s1));
        s2 = uint64(_bound(s2, Y2024, NOW - 2));
        l2 = uint64(_bound(l2, 1, NOW - s2));
        uint64 first = _submit(PID, s1, s1 + l1);
        bool overlaps = s2 < s1 + l1 && s1 < s2 + l2;
        uint64 hint = mrv.findPrevHint(PID, s2);
        IMRVRegistry.ReportSubmission memory s = _submission(PID, s2, s2 + l2);
        vm.prank(developer);
        if (overlaps) {
            vm.expectRevert(
                abi.encodeWithSelector(IMRVRegistry.MRVRegistryPeriodOverlap.selector, s2, s2 + l2, first)
            );
            mrv.submitReport(s, hint);
        } else {
            uint64 second = mrv.submitReport(s, hint);
            vm.assertEq(uint256(second), 2);
        }
    }

    // -------------------------------------------------------------- verification

    function test_verifyReport_verifiesAndEmits() public {
        uint64 id = _submit(PID, Y2024, H2_2024);
        vm.expectEmit(address(mrv));
        emit IMRVRegistry.MRVVerified(
            id, verifier, 1_250_500, keccak256(bytes(PID)), VREPORT_HASH, bytes32(0), NOW
        );
        vm.prank(verifier);
        mrv.verifyReport(id, true, 1_250_500, VREPORT_HASH);
        IMRVRegistry.ReportView memory r = mrv.getReport(id);
        vm.assertEq(uint256(uint8(r.status)), uint256(uint8(IMRVRegistry.MRVStatus.Verified)));
        vm.assertEq(uint256(r.verifiedAmountKg), 1_250_500);
        vm.assertEq(r.verifier, verifier);
        vm.assertEq(r.verificationReportHash, VREPORT_HASH);
        vm.assertEq(uint256(r.verifiedAt), NOW);
    }

    function test_verifyReport_rejectsAndEmits() public {
        uint64 id = _submit(PID, Y2024, H2_2024);
        vm.expectEmit(address(mrv));
        emit IMRVRegistry.MRVRejected(id, verifier, keccak256(bytes(PID)), VREPORT_HASH, bytes32(0), NOW);
        vm.prank(verifier);
        mrv.verifyReport(id, false, 0, VREPORT_HASH);
        vm.assertEq(uint256(uint8(mrv.getReport(id).status)), uint256(uint8(IMRVRegistry.MRVStatus.Rejected)));
    }

    function test_verifyReport_revertsOnBadAmounts() public {
        uint64 id = _submit(PID, Y2024, H2_2024);
        vm.startPrank(verifier);
        vm.expectRevert(abi.encodeWithSelector(IMRVRegistry.MRVRegistryInvalidAmount.selector, 0));
        mrv.verifyReport(id, true, 0, VREPORT_HASH);
        vm.expectRevert(abi.encodeWithSelector(IMRVRegistry.MRVRegistryInvalidAmount.selector, 5));
        mrv.verifyReport(id, false, 5, VREPORT_HASH);
        uint256 tooBig = uint256(type(uint128).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(IMRVRegistry.MRVRegistryInvalidAmount.selector, tooBig));
        mrv.verifyReport(id, true, tooBig, VREPORT_HASH);
        vm.expectRevert(IMRVRegistry.MRVRegistryZeroHash.selector);
        mrv.verifyReport(id, true, 1, bytes32(0));
        vm.stopPrank();
    }

    function test_verifyReport_revertsWhenNotPendingOrUnknown() public {
        uint64 id = _submit(PID, Y2024, H2_2024);
        _verify(id, 1000);
        vm.prank(verifier);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMRVRegistry.MRVRegistryNotPending.selector, id, IMRVRegistry.MRVStatus.Verified
            )
        );
        mrv.verifyReport(id, true, 1000, VREPORT_HASH);
        vm.prank(verifier);
        vm.expectRevert(abi.encodeWithSelector(IMRVRegistry.MRVRegistryUnknownReport.selector, uint64(42)));
        mrv.verifyReport(42, true, 1000, VREPORT_HASH);
        vm.expectRevert(abi.encodeWithSelector(IMRVRegistry.MRVRegistryUnknownReport.selector, uint64(42)));
        mrv.getReport(42);
    }

    function test_verifyReport_revertsOnSelfVerification() public {
        uint64 id = _submit(PID, Y2024, H2_2024);
        bytes32 role = acl.VERIFIER_ROLE();
        vm.prank(admin);
        acl.grantRole(role, developer);
        vm.prank(developer);
        vm.expectRevert(abi.encodeWithSelector(IMRVRegistry.MRVRegistrySelfVerification.selector, id));
        mrv.verifyReport(id, true, 1000, VREPORT_HASH);
    }

    // ------------------------------------------------------- attested verification

    function test_verifyWithAttestation_relayedByAnyone() public {
        uint64 id = _submit(PID, Y2024, H2_2024);
        IMRVRegistry.MRVAttestation memory a = _attestation(id, "verified", 777_000);
        bytes memory sig = _sign(VERIFIER_KEY, a);
        bytes32 digest = mrv.attestationDigest(a);
        vm.expectEmit(address(mrv));
        emit IMRVRegistry.MRVVerified(id, verifier, 777_000, keccak256(bytes(PID)), VREPORT_HASH, digest, NOW);
        vm.expectEmit(address(mrv));
        emit IMRVRegistry.MRVAttestationAccepted(id, digest, stranger, verifier, a, sig);
        vm.prank(stranger);
        mrv.verifyWithAttestation(id, a, verifier, sig);
        vm.assertEq(uint256(mrv.getReport(id).verifiedAmountKg), 777_000);
        vm.assertEq(mrv.getReport(id).verifier, verifier);
        vm.assertTrue(mrv.attestationUsed(digest));
    }

    function test_verifyWithAttestation_rejectedOutcome() public {
        uint64 id = _submit(PID, Y2024, H2_2024);
        IMRVRegistry.MRVAttestation memory a = _attestation(id, "rejected", 0);
        mrv.verifyWithAttestation(id, a, verifier, _sign(VERIFIER_KEY, a));
        vm.assertEq(uint256(uint8(mrv.getReport(id).status)), uint256(uint8(IMRVRegistry.MRVStatus.Rejected)));
    }

    function test_verifyWithAttestation_revertsOnReplay() public {
        uint64 id = _submit(PID, Y2024, H2_2024);
        IMRVRegistry.MRVAttestation memory a = _attestation(id, "rejected", 0);
        bytes memory sig = _sign(VERIFIER_KEY, a);
        mrv.verifyWithAttestation(id, a, verifier, sig);
        // The period is free again; a new report with the same commitment cannot reuse the attestation.
        _submit(PID, Y2024, H2_2024);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMRVRegistry.MRVRegistryAttestationReused.selector, mrv.attestationDigest(a)
            )
        );
        mrv.verifyWithAttestation(2, a, verifier, sig);
    }

    function test_verifyWithAttestation_revertsForWrongSigner() public {
        uint64 id = _submit(PID, Y2024, H2_2024);
        IMRVRegistry.MRVAttestation memory a = _attestation(id, "verified", 1000);
        bytes memory sig = _sign(0xBAD, a);
        vm.expectRevert(abi.encodeWithSelector(IMRVRegistry.MRVRegistryInvalidSignature.selector, verifier));
        mrv.verifyWithAttestation(id, a, verifier, sig);
    }

    function test_verifyWithAttestation_revertsForSignerWithoutRole() public {
        uint64 id = _submit(PID, Y2024, H2_2024);
        IMRVRegistry.MRVAttestation memory a = _attestation(id, "verified", 1000);
        address impostor = vm.addr(0xBAD);
        bytes32 role = acl.VERIFIER_ROLE();
        bytes memory sig = _sign(0xBAD, a);
        vm.expectRevert(abi.encodeWithSelector(AuthorityGated.OGCRUnauthorized.selector, impostor, role));
        mrv.verifyWithAttestation(id, a, impostor, sig);
    }

    function test_verifyWithAttestation_revertsOnMismatchOrBadOutcome() public {
        uint64 id = _submit(PID, Y2024, H2_2024);
        IMRVRegistry.MRVAttestation memory a = _attestation(id, "verified", 1000);
        a.commitmentHash = keccak256("another dataset");
        bytes memory sig = _sign(VERIFIER_KEY, a);
        vm.expectRevert(abi.encodeWithSelector(IMRVRegistry.MRVRegistryAttestationMismatch.selector, id));
        mrv.verifyWithAttestation(id, a, verifier, sig);

        a = _attestation(id, "verified", 1000);
        a.scope.projectId = "OGCR-OTHER";
        sig = _sign(VERIFIER_KEY, a);
        vm.expectRevert(abi.encodeWithSelector(IMRVRegistry.MRVRegistryAttestationMismatch.selector, id));
        mrv.verifyWithAttestation(id, a, verifier, sig);

        a = _attestation(id, "Verified", 1000);
        sig = _sign(VERIFIER_KEY, a);
        vm.expectRevert(abi.encodeWithSelector(IMRVRegistry.MRVRegistryInvalidOutcome.selector, "Verified"));
        mrv.verifyWithAttestation(id, a, verifier, sig);

        a = _attestation(id, "rejected", 1000);
        sig = _sign(VERIFIER_KEY, a);
        vm.expectRevert(abi.encodeWithSelector(IMRVRegistry.MRVRegistryInvalidAmount.selector, 1000));
        mrv.verifyWithAttestation(id, a, verifier, sig);
    }

    /// @dev Changing any signed field after signing invalidates the signature.
    function test_verifyWithAttestation_revertsOnTamperedFields() public {
        uint64 id = _submit(PID, Y2024, H2_2024);
        IMRVRegistry.MRVAttestation memory good = _attestation(id, "verified", 1000);
        bytes memory sig = _sign(VERIFIER_KEY, good);
        for (uint256 field; field < 6; ++field) {
            IMRVRegistry.MRVAttestation memory a = _attestation(id, "verified", 1000);
            if (field == 0) a.verifierId = "did:ogcr:verifier:other";
            if (field == 1) a.scope.methodologyVersion = "VM0047-v2.0";
            if (field == 2) a.scope.reportingPeriod = "2024-Q1";
            if (field == 3) a.attestedAt = "2025-03-01T12:00:00Z";
            if (field == 4) a.verifiedAmountKg = 1001;
            if (field == 5) a.verificationReportHash = bytes32(uint256(0xbeee));
            vm.expectRevert(
                abi.encodeWithSelector(IMRVRegistry.MRVRegistryInvalidSignature.selector, verifier)
            );
            mrv.verifyWithAttestation(id, a, verifier, sig);
        }
        mrv.verifyWithAttestation(id, good, verifier, sig);
    }

    function test_verifyWithAttestation_acceptsERC1271Wallet() public {
        uint256 ownerKey = 0x0C0FFEE;
        OwnerWallet wallet = new OwnerWallet(vm.addr(ownerKey));
        bytes32 role = acl.VERIFIER_ROLE();
        vm.prank(admin);
        acl.grantRole(role, address(wallet));
        uint64 id = _submit(PID, Y2024, H2_2024);
        IMRVRegistry.MRVAttestation memory a = _attestation(id, "verified", 5000);
        mrv.verifyWithAttestation(id, a, address(wallet), _sign(ownerKey, a));
        vm.assertEq(mrv.getReport(id).verifier, address(wallet));

        // A signature by someone else is refused by the wallet.
        uint64 id2 = _submit(PID, H2_2024, Y2025);
        IMRVRegistry.MRVAttestation memory b = _attestation(id2, "verified", 5000);
        bytes memory badSig = _sign(VERIFIER_KEY, b);
        vm.expectRevert(
            abi.encodeWithSelector(IMRVRegistry.MRVRegistryInvalidSignature.selector, address(wallet))
        );
        mrv.verifyWithAttestation(id2, b, address(wallet), badSig);
    }

    /// @dev The digest is bound to chain id and contract: a second registry gives another digest.
    function test_attestationDigest_isDomainSeparated() public {
        uint64 id = _submit(PID, Y2024, H2_2024);
        IMRVRegistry.MRVAttestation memory a = _attestation(id, "verified", 1000);
        MRVRegistry other = new MRVRegistry(acl, projects);
        vm.assertTrue(other.attestationDigest(a) != mrv.attestationDigest(a));
    }

    /// @dev Cross-language vector: the same digest is asserted by ogcr-core (Rust, alloy) and was
    ///      recomputed with `cast` (crates/ogcr-core/tests/fixtures/cs01/eip712-vector.sh).
    function test_attestationDigest_matchesRustVector() public {
        address at = 0x5FbDB2315678afecb367f032d93F642f64180aa3;
        vm.chainId(31_337);
        vm.etch(at, address(mrv).code);
        IMRVRegistry.MRVAttestation memory a = IMRVRegistry.MRVAttestation({
            verifierId: "did:ogcr:verifier:acme",
            scope: IMRVRegistry.AttestationScope({
                projectId: "OGCR-BR-0001",
                methodologyVersion: "VM0047-v1.0",
                reportingPeriod: "2024-01-01/2024-12-31"
            }),
            // sha256 of the CS-01 canonical summary {"period":"2024","tCO2e":1250.5}
            commitmentHash: sha256(bytes('{"period":"2024","tCO2e":1250.5}')),
            outcome: "verified",
            attestedAt: "2025-03-01T12:00:00.000Z",
            verifiedAmountKg: 1_250_500,
            verificationReportHash: bytes32(
                0x1111111111111111111111111111111111111111111111111111111111111111
            )
        });
        vm.assertEq(a.commitmentHash, 0x98ded718fa18243207be9ba17e9958a474b7e7dc3382a7564bc808545c24a13b);
        vm.assertEq(
            MRVRegistry(at).attestationDigest(a),
            0x55d421846778142da931518a65a4aa3546d3a46c0e1e3c3b3a9fa2fd0c901255
        );
    }
}
