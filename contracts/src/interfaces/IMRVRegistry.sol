// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title IMRVRegistry
/// @notice Monitoring reports of validated projects and their verification (OGCR §5.2.2, CS-01).
/// @dev Periods are half-open [periodStart, periodEnd) in unix seconds, so consecutive periods
///      share a boundary. The active (non-rejected) reports of a project form a linked list
///      sorted by start; a submission names the report right before it (`prevHint`, found with
///      `findPrevHint` off chain) and is checked against its two neighbours only: O(1) gas.
///      Amounts are integer kilograms of CO2e.
interface IMRVRegistry {
    /// @notice Lifecycle of a report. `None` means "no such report".
    enum MRVStatus {
        None,
        Submitted,
        Verified,
        Rejected
    }

    /// @notice Submission arguments.
    /// @param projectId The validated project.
    /// @param mrvHash SHA-256 of the CS-01 canonical form of the MRV document.
    /// @param datasetCommitment CS-01 dataset commitment hash (SHA-256 of the canonical summary).
    /// @param periodStart Reporting period start (unix seconds, inclusive).
    /// @param periodEnd Reporting period end (unix seconds, exclusive).
    /// @param uri Where the MRV document can be fetched.
    struct ReportSubmission {
        string projectId;
        bytes32 mrvHash;
        bytes32 datasetCommitment;
        uint64 periodStart;
        uint64 periodEnd;
        string uri;
    }

    /// @notice CS-01 attestation scope as signed in EIP-712 (reportingPeriod "" when absent).
    struct AttestationScope {
        string projectId;
        string methodologyVersion;
        string reportingPeriod;
    }

    /// @notice The EIP-712 struct a verifier signs: the CS-01 signing payload plus the amount.
    /// @dev Domain: name "OGCR MRVRegistry", version "1", chainId, this contract.
    struct MRVAttestation {
        string verifierId;
        AttestationScope scope;
        bytes32 commitmentHash;
        string outcome;
        string attestedAt;
        uint256 verifiedAmountKg;
        bytes32 verificationReportHash;
    }

    /// @notice Everything stored about a report.
    struct ReportView {
        uint64 mrvId;
        bytes32 projectKey;
        bytes32 mrvHash;
        bytes32 datasetCommitment;
        uint64 periodStart;
        uint64 periodEnd;
        MRVStatus status;
        address submitter;
        uint64 submittedAt;
        address verifier;
        uint64 verifiedAt;
        uint128 verifiedAmountKg;
        bytes32 verificationReportHash;
        string uri;
    }

    /// @notice A monitoring report was submitted.
    /// @param mrvId The new report id.
    /// @param projectKey keccak256 of the project id.
    /// @param submitter The project developer.
    /// @param mrvHash SHA-256 of the canonical MRV document.
    /// @param datasetCommitment CS-01 dataset commitment hash.
    /// @param periodStart Period start (inclusive).
    /// @param periodEnd Period end (exclusive).
    /// @param uri Where the MRV document can be fetched.
    /// @param timestamp Block timestamp.
    event MRVSubmitted(
        uint64 indexed mrvId,
        bytes32 indexed projectKey,
        address indexed submitter,
        bytes32 mrvHash,
        bytes32 datasetCommitment,
        uint64 periodStart,
        uint64 periodEnd,
        string uri,
        uint64 timestamp
    );

    /// @notice A verifier verified a report.
    /// @param mrvId The report.
    /// @param verifier The verifier (signer, for attested verification).
    /// @param amountKg Verified net removal in kg CO2e.
    /// @param projectKey keccak256 of the project id.
    /// @param verificationReportHash SHA-256 of the verification report.
    /// @param attestationDigest EIP-712 digest of the attestation, zero for direct verification.
    /// @param timestamp Block timestamp.
    event MRVVerified(
        uint64 indexed mrvId,
        address indexed verifier,
        uint256 amountKg,
        bytes32 indexed projectKey,
        bytes32 verificationReportHash,
        bytes32 attestationDigest,
        uint64 timestamp
    );

    /// @notice A verifier rejected a report; its period is free again.
    /// @param mrvId The report.
    /// @param verifier The verifier.
    /// @param projectKey keccak256 of the project id.
    /// @param verificationReportHash SHA-256 of the verification report.
    /// @param attestationDigest EIP-712 digest of the attestation, zero for direct rejection.
    /// @param timestamp Block timestamp.
    event MRVRejected(
        uint64 indexed mrvId,
        address indexed verifier,
        bytes32 indexed projectKey,
        bytes32 verificationReportHash,
        bytes32 attestationDigest,
        uint64 timestamp
    );

    /// @notice A signed CS-01 attestation was accepted; carries everything needed to re-check the signature offline.
    /// @param mrvId The report.
    /// @param digest The EIP-712 digest (single use).
    /// @param relayer Who sent the transaction.
    /// @param verifier The signer.
    /// @param attestation The signed struct.
    /// @param signature The signature (65-byte ECDSA or ERC-1271 data).
    event MRVAttestationAccepted(
        uint64 indexed mrvId,
        bytes32 indexed digest,
        address indexed relayer,
        address verifier,
        MRVAttestation attestation,
        bytes signature
    );

    /// @notice No report with this id.
    /// @param mrvId The id.
    error MRVRegistryUnknownReport(uint64 mrvId);
    /// @notice The project is not in Validated status.
    /// @param projectId The project.
    error MRVRegistryProjectNotValidated(string projectId);
    /// @notice The caller is not the project's developer.
    /// @param projectId The project.
    /// @param caller The caller.
    error MRVRegistryNotProjectDeveloper(string projectId, address caller);
    /// @notice A hash argument was zero.
    error MRVRegistryZeroHash();
    /// @notice periodStart >= periodEnd.
    /// @param periodStart The start.
    /// @param periodEnd The end.
    error MRVRegistryInvalidPeriod(uint64 periodStart, uint64 periodEnd);
    /// @notice The period has not ended yet.
    /// @param periodEnd The end.
    /// @param nowTs The block timestamp.
    error MRVRegistryPeriodNotEnded(uint64 periodEnd, uint64 nowTs);
    /// @notice The period lies (partly) outside the project's crediting period.
    /// @param periodStart The start.
    /// @param periodEnd The end.
    /// @param creditingStart The crediting period start.
    /// @param creditingEnd The crediting period end.
    error MRVRegistryOutsideCreditingPeriod(
        uint64 periodStart, uint64 periodEnd, uint64 creditingStart, uint64 creditingEnd
    );
    /// @notice The period overlaps an active report of the same project.
    /// @param periodStart The start.
    /// @param periodEnd The end.
    /// @param conflictingMrvId The report it overlaps.
    error MRVRegistryPeriodOverlap(uint64 periodStart, uint64 periodEnd, uint64 conflictingMrvId);
    /// @notice `prevHint` is not the active report immediately before the new period.
    /// @param prevHint The hint given.
    error MRVRegistryInvalidHint(uint64 prevHint);
    /// @notice The dataset commitment is already used by an active report.
    /// @param datasetCommitment The commitment.
    /// @param mrvId The report using it.
    error MRVRegistryCommitmentInUse(bytes32 datasetCommitment, uint64 mrvId);
    /// @notice The report is not awaiting verification.
    /// @param mrvId The report.
    /// @param status Its status.
    error MRVRegistryNotPending(uint64 mrvId, MRVStatus status);
    /// @notice A verifier may not verify a project they develop.
    /// @param mrvId The report.
    error MRVRegistrySelfVerification(uint64 mrvId);
    /// @notice Verified with a zero amount, or rejected with a non-zero amount, or amount beyond 2^128.
    /// @param amountKg The amount.
    error MRVRegistryInvalidAmount(uint256 amountKg);
    /// @notice The outcome string is neither "verified" nor "rejected".
    /// @param outcome The outcome.
    error MRVRegistryInvalidOutcome(string outcome);
    /// @notice The signature does not match the verifier (EOA or ERC-1271).
    /// @param verifier The claimed signer.
    error MRVRegistryInvalidSignature(address verifier);
    /// @notice This attestation was already used.
    /// @param digest Its EIP-712 digest.
    error MRVRegistryAttestationReused(bytes32 digest);
    /// @notice The attestation does not refer to this report (commitment or project differ).
    /// @param mrvId The report.
    error MRVRegistryAttestationMismatch(uint64 mrvId);

    /// @notice Submit a monitoring report. Project developer (DEVELOPER role) of a Validated project.
    /// @param s The submission.
    /// @param prevHint The active report of the project immediately before this period (0 = none).
    /// @return mrvId The new report id.
    function submitReport(ReportSubmission calldata s, uint64 prevHint) external returns (uint64 mrvId);

    /// @notice Record a verifier's decision. VERIFIER role, independent of the project developer.
    /// @param mrvId The report.
    /// @param verified True to verify, false to reject.
    /// @param amountKg Verified net removal in kg CO2e (> 0 if verified, 0 if rejected).
    /// @param verificationReportHash SHA-256 of the verification report.
    function verifyReport(uint64 mrvId, bool verified, uint256 amountKg, bytes32 verificationReportHash)
        external;

    /// @notice Record a verifier's decision from their EIP-712 signature; anyone may relay it.
    /// @param mrvId The report (its dataset commitment and project must match the attestation).
    /// @param attestation The signed attestation.
    /// @param verifier The signer, who must hold the VERIFIER role (EOA or ERC-1271 contract).
    /// @param signature The signature.
    function verifyWithAttestation(
        uint64 mrvId,
        MRVAttestation calldata attestation,
        address verifier,
        bytes calldata signature
    ) external;

    /// @notice EIP-712 digest of an attestation under this contract's domain.
    /// @param attestation The attestation.
    function attestationDigest(MRVAttestation calldata attestation) external view returns (bytes32);

    /// @notice Whether an attestation digest was already used.
    /// @param digest The digest.
    function attestationUsed(bytes32 digest) external view returns (bool);

    /// @notice Full record of a report.
    /// @param mrvId The report.
    function getReport(uint64 mrvId) external view returns (ReportView memory);

    /// @notice What the CRU token needs to issue against a report, in one call.
    /// @param mrvId The report.
    function issuanceInfo(uint64 mrvId)
        external
        view
        returns (
            bytes32 projectKey,
            uint64 periodStart,
            uint64 periodEnd,
            MRVStatus status,
            uint128 verifiedAmountKg
        );

    /// @notice The `prevHint` to use for a new period starting at `periodStart` (view; walks the list).
    /// @param projectId The project.
    /// @param periodStart The new period's start.
    function findPrevHint(string calldata projectId, uint64 periodStart) external view returns (uint64);

    /// @notice Number of reports ever submitted (ids are 1..reportCount).
    function reportCount() external view returns (uint64);

    /// @notice The project registry this registry reads.
    function projectRegistry() external view returns (address);
}
