// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IMRVRegistry} from "./interfaces/IMRVRegistry.sol";
import {IOGCRAccessControl} from "./interfaces/IOGCRAccessControl.sol";
import {IProjectRegistry} from "./interfaces/IProjectRegistry.sol";
import {OGCRRoles} from "./libraries/OGCRRoles.sol";
import {AuthorityGated} from "./utils/AuthorityGated.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

/// @title MRVRegistry
/// @notice Monitoring reports with non-overlapping periods and their verification, directly by a
///         verifier or through the verifier's EIP-712 CS-01 attestation (OGCR §5.2.2).
contract MRVRegistry is IMRVRegistry, AuthorityGated, EIP712 {
    /// @dev Slots: projectKey | mrvHash | datasetCommitment | period+links | amount+status+submittedAt
    ///      | submitter+verifiedAt | verifier | verificationReportHash | uri.
    struct Report {
        bytes32 projectKey;
        bytes32 mrvHash;
        bytes32 datasetCommitment;
        uint64 periodStart;
        uint64 periodEnd;
        uint64 prev;
        uint64 next;
        uint128 verifiedAmountKg;
        MRVStatus status;
        uint64 submittedAt;
        address submitter;
        uint64 verifiedAt;
        address verifier;
        bytes32 verificationReportHash;
        string uri;
    }

    /// @notice EIP-712 type hash of AttestationScope.
    bytes32 public constant SCOPE_TYPEHASH =
        keccak256("AttestationScope(string projectId,string methodologyVersion,string reportingPeriod)");

    /// @notice EIP-712 type hash of MRVAttestation.
    bytes32 public constant ATTESTATION_TYPEHASH = keccak256(
        "MRVAttestation(string verifierId,AttestationScope scope,bytes32 commitmentHash,string outcome,"
        "string attestedAt,uint256 verifiedAmountKg,bytes32 verificationReportHash)"
        "AttestationScope(string projectId,string methodologyVersion,string reportingPeriod)"
    );

    bytes32 private constant _VERIFIED = keccak256("verified");
    bytes32 private constant _REJECTED = keccak256("rejected");

    IProjectRegistry private immutable _projects;

    uint64 private _reportCount;
    mapping(uint64 mrvId => Report) private _reports;
    /// @dev First active report (lowest start) of each project.
    mapping(bytes32 projectKey => uint64 mrvId) private _head;
    /// @dev Active report that uses a dataset commitment (an attestation binds to one report only).
    mapping(bytes32 commitment => uint64 mrvId) private _commitmentUser;
    mapping(bytes32 digest => bool) private _usedDigests;

    /// @param authority_ The OGCRAccessControl authority.
    /// @param projects_ The ProjectRegistry.
    constructor(IOGCRAccessControl authority_, IProjectRegistry projects_)
        AuthorityGated(authority_)
        EIP712("OGCR MRVRegistry", "1")
    {
        if (address(projects_) == address(0)) revert OGCRZeroAddress();
        _projects = projects_;
    }

    /// @inheritdoc IMRVRegistry
    function submitReport(ReportSubmission calldata s, uint64 prevHint)
        external
        onlyActiveRole(OGCRRoles.DEVELOPER)
        returns (uint64 mrvId)
    {
        if (s.mrvHash == bytes32(0) || s.datasetCommitment == bytes32(0)) {
            revert MRVRegistryZeroHash();
        }
        if (s.periodStart >= s.periodEnd) revert MRVRegistryInvalidPeriod(s.periodStart, s.periodEnd);
        // A report covers a completed period; a validator's few seconds of drift are irrelevant here.
        // forge-lint: disable-next-line(block-timestamp)
        if (s.periodEnd > block.timestamp) {
            revert MRVRegistryPeriodNotEnded(s.periodEnd, uint64(block.timestamp));
        }

        bytes32 key = keccak256(bytes(s.projectId));
        (IProjectRegistry.ProjectStatus pStatus, address developer, uint64 cStart, uint64 cEnd) =
            _projects.creditingInfo(key);
        if (pStatus != IProjectRegistry.ProjectStatus.Validated) {
            revert MRVRegistryProjectNotValidated(s.projectId);
        }
        if (developer != msg.sender) revert MRVRegistryNotProjectDeveloper(s.projectId, msg.sender);
        if (s.periodStart < cStart || s.periodEnd > cEnd) {
            revert MRVRegistryOutsideCreditingPeriod(s.periodStart, s.periodEnd, cStart, cEnd);
        }
        uint64 user = _commitmentUser[s.datasetCommitment];
        if (user != 0) revert MRVRegistryCommitmentInUse(s.datasetCommitment, user);

        uint64 next = _checkNeighbours(key, s.periodStart, s.periodEnd, prevHint);

        // Ids are sequential from 1; 2^64 reports cannot be reached.
        unchecked {
            mrvId = ++_reportCount;
        }
        Report storage r = _reports[mrvId];
        r.projectKey = key;
        r.mrvHash = s.mrvHash;
        r.datasetCommitment = s.datasetCommitment;
        r.periodStart = s.periodStart;
        r.periodEnd = s.periodEnd;
        r.prev = prevHint;
        r.next = next;
        r.status = MRVStatus.Submitted;
        r.submittedAt = uint64(block.timestamp);
        r.submitter = msg.sender;
        r.uri = s.uri;

        if (prevHint == 0) _head[key] = mrvId;
        else _reports[prevHint].next = mrvId;
        if (next != 0) _reports[next].prev = mrvId;
        _commitmentUser[s.datasetCommitment] = mrvId;

        emit MRVSubmitted(
            mrvId,
            key,
            msg.sender,
            s.mrvHash,
            s.datasetCommitment,
            s.periodStart,
            s.periodEnd,
            s.uri,
            uint64(block.timestamp)
        );
    }

    /// @inheritdoc IMRVRegistry
    function verifyReport(uint64 mrvId, bool verified, uint256 amountKg, bytes32 verificationReportHash)
        external
        onlyActiveRole(OGCRRoles.VERIFIER)
    {
        _decide(mrvId, msg.sender, verified, amountKg, verificationReportHash, bytes32(0));
    }

    /// @inheritdoc IMRVRegistry
    function verifyWithAttestation(
        uint64 mrvId,
        MRVAttestation calldata attestation,
        address verifier,
        bytes calldata signature
    ) external {
        _requireActiveRole(OGCRRoles.VERIFIER, verifier);
        bytes32 digest = _hashTypedDataV4(_structHash(attestation));
        if (_usedDigests[digest]) revert MRVRegistryAttestationReused(digest);

        bytes32 outcome = keccak256(bytes(attestation.outcome));
        if (outcome != _VERIFIED && outcome != _REJECTED) {
            revert MRVRegistryInvalidOutcome(attestation.outcome);
        }

        Report storage r = _reports[mrvId];
        if (r.status == MRVStatus.None) revert MRVRegistryUnknownReport(mrvId);
        if (
            attestation.commitmentHash != r.datasetCommitment
                || keccak256(bytes(attestation.scope.projectId)) != r.projectKey
        ) revert MRVRegistryAttestationMismatch(mrvId);

        // A static call for ERC-1271 wallets: no state can change before the digest is marked used.
        if (!SignatureChecker.isValidSignatureNow(verifier, digest, signature)) {
            revert MRVRegistryInvalidSignature(verifier);
        }
        _usedDigests[digest] = true;

        _decide(
            mrvId,
            verifier,
            outcome == _VERIFIED,
            attestation.verifiedAmountKg,
            attestation.verificationReportHash,
            digest
        );
        emit MRVAttestationAccepted(mrvId, digest, msg.sender, verifier, attestation, signature);
    }

    /// @inheritdoc IMRVRegistry
    function attestationDigest(MRVAttestation calldata attestation) external view returns (bytes32) {
        return _hashTypedDataV4(_structHash(attestation));
    }

    /// @inheritdoc IMRVRegistry
    function attestationUsed(bytes32 digest) external view returns (bool) {
        return _usedDigests[digest];
    }

    /// @inheritdoc IMRVRegistry
    function getReport(uint64 mrvId) external view returns (ReportView memory v) {
        Report storage r = _reports[mrvId];
        if (r.status == MRVStatus.None) revert MRVRegistryUnknownReport(mrvId);
        v = ReportView({
            mrvId: mrvId,
            projectKey: r.projectKey,
            mrvHash: r.mrvHash,
            datasetCommitment: r.datasetCommitment,
            periodStart: r.periodStart,
            periodEnd: r.periodEnd,
            status: r.status,
            submitter: r.submitter,
            submittedAt: r.submittedAt,
            verifier: r.verifier,
            verifiedAt: r.verifiedAt,
            verifiedAmountKg: r.verifiedAmountKg,
            verificationReportHash: r.verificationReportHash,
            uri: r.uri
        });
    }

    /// @inheritdoc IMRVRegistry
    function issuanceInfo(uint64 mrvId)
        external
        view
        returns (
            bytes32 projectKey,
            uint64 periodStart,
            uint64 periodEnd,
            MRVStatus status,
            uint128 verifiedAmountKg
        )
    {
        Report storage r = _reports[mrvId];
        return (r.projectKey, r.periodStart, r.periodEnd, r.status, r.verifiedAmountKg);
    }

    /// @inheritdoc IMRVRegistry
    function findPrevHint(string calldata projectId, uint64 periodStart) external view returns (uint64 prev) {
        uint64 cur = _head[keccak256(bytes(projectId))];
        while (cur != 0 && _reports[cur].periodStart < periodStart) {
            prev = cur;
            cur = _reports[cur].next;
        }
    }

    /// @inheritdoc IMRVRegistry
    function reportCount() external view returns (uint64) {
        return _reportCount;
    }

    /// @inheritdoc IMRVRegistry
    function projectRegistry() external view returns (address) {
        return address(_projects);
    }

    /// @dev Checks that [start, end) fits between `prevHint` and its successor; returns the successor.
    function _checkNeighbours(bytes32 key, uint64 start, uint64 end, uint64 prevHint)
        private
        view
        returns (uint64 next)
    {
        if (prevHint == 0) {
            next = _head[key];
        } else {
            Report storage p = _reports[prevHint];
            if (p.projectKey != key || p.status == MRVStatus.None || p.status == MRVStatus.Rejected) {
                revert MRVRegistryInvalidHint(prevHint);
            }
            if (p.periodEnd > start) {
                if (p.periodStart < end) revert MRVRegistryPeriodOverlap(start, end, prevHint);
                revert MRVRegistryInvalidHint(prevHint);
            }
            next = p.next;
        }
        if (next != 0) {
            Report storage n = _reports[next];
            if (n.periodStart < end) {
                if (n.periodEnd > start) revert MRVRegistryPeriodOverlap(start, end, next);
                revert MRVRegistryInvalidHint(prevHint);
            }
        }
    }

    function _decide(
        uint64 mrvId,
        address verifier,
        bool verified,
        uint256 amountKg,
        bytes32 verificationReportHash,
        bytes32 digest
    ) private {
        Report storage r = _reports[mrvId];
        MRVStatus status = r.status;
        if (status == MRVStatus.None) revert MRVRegistryUnknownReport(mrvId);
        if (status != MRVStatus.Submitted) revert MRVRegistryNotPending(mrvId, status);
        if (verifier == r.submitter) revert MRVRegistrySelfVerification(mrvId);
        if (verificationReportHash == bytes32(0)) revert MRVRegistryZeroHash();
        if (verified ? (amountKg == 0 || amountKg > type(uint128).max) : amountKg != 0) {
            revert MRVRegistryInvalidAmount(amountKg);
        }
        uint64 nowTs = uint64(block.timestamp);
        r.verifier = verifier;
        r.verifiedAt = nowTs;
        r.verificationReportHash = verificationReportHash;
        if (verified) {
            r.status = MRVStatus.Verified;
            // casting to 'uint128' is safe because amountKg <= type(uint128).max was checked above.
            // forge-lint: disable-next-line(unsafe-typecast)
            r.verifiedAmountKg = uint128(amountKg);
            emit MRVVerified(mrvId, verifier, amountKg, r.projectKey, verificationReportHash, digest, nowTs);
        } else {
            r.status = MRVStatus.Rejected;
            _unlink(r);
            delete _commitmentUser[r.datasetCommitment];
            emit MRVRejected(mrvId, verifier, r.projectKey, verificationReportHash, digest, nowTs);
        }
    }

    /// @dev Removes a rejected report from its project's active list, freeing its period.
    function _unlink(Report storage r) private {
        (uint64 prev, uint64 next) = (r.prev, r.next);
        if (prev == 0) _head[r.projectKey] = next;
        else _reports[prev].next = next;
        if (next != 0) _reports[next].prev = prev;
        r.prev = 0;
        r.next = 0;
    }

    function _structHash(MRVAttestation calldata a) private pure returns (bytes32) {
        bytes32 scopeHash = keccak256(
            abi.encode(
                SCOPE_TYPEHASH,
                keccak256(bytes(a.scope.projectId)),
                keccak256(bytes(a.scope.methodologyVersion)),
                keccak256(bytes(a.scope.reportingPeriod))
            )
        );
        return keccak256(
            abi.encode(
                ATTESTATION_TYPEHASH,
                keccak256(bytes(a.verifierId)),
                scopeHash,
                a.commitmentHash,
                keccak256(bytes(a.outcome)),
                keccak256(bytes(a.attestedAt)),
                a.verifiedAmountKg,
                a.verificationReportHash
            )
        );
    }
}
