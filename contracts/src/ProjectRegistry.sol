// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IOGCRAccessControl} from "./interfaces/IOGCRAccessControl.sol";
import {IProjectRegistry} from "./interfaces/IProjectRegistry.sol";
import {OGCRRoles} from "./libraries/OGCRRoles.sol";
import {AuthorityGated} from "./utils/AuthorityGated.sol";

/// @title ProjectRegistry
/// @notice Anchors PDD hashes and tracks each project's lifecycle (OGCR §5.2.1).
contract ProjectRegistry is IProjectRegistry, AuthorityGated {
    /// @dev Packed: slot 0 = developer, status, version; slot 1 = the four timestamps.
    struct Project {
        address developer;
        ProjectStatus status;
        uint32 version;
        uint64 registeredAt;
        uint64 creditingStart;
        uint64 creditingEnd;
        uint64 validatedAt;
        bytes32 pddHash;
        bytes32 externalRefKey;
        string projectId;
        string pddUri;
    }

    uint256 private constant _MAX_ID_LENGTH = 100;

    mapping(bytes32 projectKey => Project) private _projects;
    mapping(bytes32 externalRefKey => bytes32 projectKey) private _externalRefs;

    /// @param authority_ The OGCRAccessControl authority.
    constructor(IOGCRAccessControl authority_) AuthorityGated(authority_) {}

    /// @inheritdoc IProjectRegistry
    function registerProject(
        string calldata projectId,
        bytes32 pddHash,
        string calldata pddUri,
        string calldata externalRegistry,
        string calldata externalProjectId
    ) external onlyActiveRole(OGCRRoles.DEVELOPER) returns (bytes32 projectKey) {
        _requireValidId(projectId);
        if (pddHash == bytes32(0)) revert ProjectRegistryZeroHash();
        projectKey = keccak256(bytes(projectId));
        Project storage p = _projects[projectKey];
        if (p.status != ProjectStatus.None) revert ProjectRegistryProjectExists(projectId);

        bool hasExternal = bytes(externalRegistry).length != 0;
        if (hasExternal != (bytes(externalProjectId).length != 0)) {
            revert ProjectRegistryIncompleteExternalRef();
        }
        if (hasExternal) {
            bytes32 refKey = externalRefKey(externalRegistry, externalProjectId);
            bytes32 holder = _externalRefs[refKey];
            if (holder != bytes32(0)) {
                revert ProjectRegistryExternalRefTaken(externalRegistry, externalProjectId, holder);
            }
            _externalRefs[refKey] = projectKey;
            p.externalRefKey = refKey;
        }

        uint64 nowTs = uint64(block.timestamp);
        p.developer = msg.sender;
        p.status = ProjectStatus.Draft;
        p.version = 1;
        p.registeredAt = nowTs;
        p.pddHash = pddHash;
        p.projectId = projectId;
        p.pddUri = pddUri;

        emit PDDRegistered(
            projectKey, msg.sender, projectId, pddHash, pddUri, externalRegistry, externalProjectId, nowTs
        );
        emit ProjectStatusChanged(projectKey, msg.sender, ProjectStatus.None, ProjectStatus.Draft, nowTs);
    }

    /// @inheritdoc IProjectRegistry
    function revisePDD(string calldata projectId, bytes32 pddHash, string calldata pddUri)
        external
        onlyActiveRole(OGCRRoles.DEVELOPER)
    {
        if (pddHash == bytes32(0)) revert ProjectRegistryZeroHash();
        (bytes32 key, Project storage p) = _load(projectId);
        _requireDeveloper(p, projectId);
        ProjectStatus from = p.status;
        if (from != ProjectStatus.Draft && from != ProjectStatus.Rejected) {
            revert ProjectRegistryInvalidTransition(projectId, from, ProjectStatus.Draft);
        }
        uint64 nowTs = uint64(block.timestamp);
        uint32 version = p.version + 1;
        p.version = version;
        p.pddHash = pddHash;
        p.pddUri = pddUri;
        emit PDDRevised(key, msg.sender, version, pddHash, pddUri, nowTs);
        if (from == ProjectStatus.Rejected) {
            p.status = ProjectStatus.Draft;
            emit ProjectStatusChanged(key, msg.sender, from, ProjectStatus.Draft, nowTs);
        }
    }

    /// @inheritdoc IProjectRegistry
    function submitProject(string calldata projectId) external onlyActiveRole(OGCRRoles.DEVELOPER) {
        (bytes32 key, Project storage p) = _load(projectId);
        _requireDeveloper(p, projectId);
        _transition(key, p, projectId, ProjectStatus.Draft, ProjectStatus.Submitted);
    }

    /// @inheritdoc IProjectRegistry
    function startReview(string calldata projectId) external onlyActiveRole(OGCRRoles.VALIDATOR) {
        (bytes32 key, Project storage p) = _load(projectId);
        _requireIndependent(p, projectId);
        _transition(key, p, projectId, ProjectStatus.Submitted, ProjectStatus.UnderReview);
    }

    /// @inheritdoc IProjectRegistry
    function validateProject(
        string calldata projectId,
        bytes32 reportHash,
        string calldata justification,
        uint64 creditingStart,
        uint64 creditingEnd
    ) external onlyActiveRole(OGCRRoles.VALIDATOR) {
        if (reportHash == bytes32(0)) revert ProjectRegistryZeroHash();
        if (creditingStart >= creditingEnd) {
            revert ProjectRegistryInvalidCreditingPeriod(creditingStart, creditingEnd);
        }
        (bytes32 key, Project storage p) = _load(projectId);
        _requireIndependent(p, projectId);
        _requireInReview(p, projectId, ProjectStatus.Validated);
        uint64 nowTs = uint64(block.timestamp);
        ProjectStatus from = p.status;
        p.status = ProjectStatus.Validated;
        p.creditingStart = creditingStart;
        p.creditingEnd = creditingEnd;
        p.validatedAt = nowTs;
        emit ProjectStatusChanged(key, msg.sender, from, ProjectStatus.Validated, nowTs);
        emit ProjectValidated(key, msg.sender, reportHash, justification, creditingStart, creditingEnd, nowTs);
    }

    /// @inheritdoc IProjectRegistry
    function rejectProject(string calldata projectId, bytes32 reportHash, string calldata justification)
        external
        onlyActiveRole(OGCRRoles.VALIDATOR)
    {
        if (reportHash == bytes32(0)) revert ProjectRegistryZeroHash();
        (bytes32 key, Project storage p) = _load(projectId);
        _requireIndependent(p, projectId);
        _requireInReview(p, projectId, ProjectStatus.Rejected);
        uint64 nowTs = uint64(block.timestamp);
        ProjectStatus from = p.status;
        p.status = ProjectStatus.Rejected;
        emit ProjectStatusChanged(key, msg.sender, from, ProjectStatus.Rejected, nowTs);
        emit ProjectRejected(key, msg.sender, reportHash, justification, nowTs);
    }

    /// @inheritdoc IProjectRegistry
    function archiveProject(string calldata projectId, string calldata reason) external {
        (bool isOperator, bool isPaused) = authority.roleStatus(OGCRRoles.REGISTRY_OPERATOR, msg.sender);
        if (isPaused) revert OGCRPaused();
        (bytes32 key, Project storage p) = _load(projectId);
        if (!isOperator) {
            // Not an operator: only the project's own developer, still holding DEVELOPER.
            if (p.developer != msg.sender) revert OGCRUnauthorized(msg.sender, OGCRRoles.REGISTRY_OPERATOR);
            if (!_hasRole(OGCRRoles.DEVELOPER, msg.sender)) {
                revert OGCRUnauthorized(msg.sender, OGCRRoles.DEVELOPER);
            }
        }
        _transition(key, p, projectId, ProjectStatus.Validated, ProjectStatus.Archived);
        emit ProjectArchived(key, msg.sender, reason, uint64(block.timestamp));
    }

    /// @inheritdoc IProjectRegistry
    function getProject(string calldata projectId) external view returns (ProjectView memory v) {
        (, Project storage p) = _load(projectId);
        v = ProjectView({
            projectId: p.projectId,
            developer: p.developer,
            status: p.status,
            version: p.version,
            pddHash: p.pddHash,
            pddUri: p.pddUri,
            externalRefKey: p.externalRefKey,
            registeredAt: p.registeredAt,
            creditingStart: p.creditingStart,
            creditingEnd: p.creditingEnd,
            validatedAt: p.validatedAt
        });
    }

    /// @inheritdoc IProjectRegistry
    function creditingInfo(bytes32 projectKey)
        external
        view
        returns (ProjectStatus status, address developer, uint64 creditingStart, uint64 creditingEnd)
    {
        Project storage p = _projects[projectKey];
        return (p.status, p.developer, p.creditingStart, p.creditingEnd);
    }

    /// @inheritdoc IProjectRegistry
    function projectIdOf(bytes32 projectKey) external view returns (string memory) {
        return _projects[projectKey].projectId;
    }

    /// @inheritdoc IProjectRegistry
    function projectByExternalRef(string calldata externalRegistry, string calldata externalProjectId)
        external
        view
        returns (bytes32)
    {
        return _externalRefs[externalRefKey(externalRegistry, externalProjectId)];
    }

    /// @notice Key of an external reference: registry names compare case-sensitively, as given.
    /// @param externalRegistry The other registry's name.
    /// @param externalProjectId That registry's project id.
    function externalRefKey(string calldata externalRegistry, string calldata externalProjectId)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(externalRegistry, externalProjectId));
    }

    function _load(string calldata projectId) private view returns (bytes32 key, Project storage p) {
        key = keccak256(bytes(projectId));
        p = _projects[key];
        if (p.status == ProjectStatus.None) revert ProjectRegistryUnknownProject(projectId);
    }

    function _transition(
        bytes32 key,
        Project storage p,
        string calldata projectId,
        ProjectStatus expected,
        ProjectStatus to
    ) private {
        if (p.status != expected) {
            revert ProjectRegistryInvalidTransition(projectId, p.status, to);
        }
        p.status = to;
        emit ProjectStatusChanged(key, msg.sender, expected, to, uint64(block.timestamp));
    }

    function _requireInReview(Project storage p, string calldata projectId, ProjectStatus to) private view {
        if (p.status != ProjectStatus.Submitted && p.status != ProjectStatus.UnderReview) {
            revert ProjectRegistryInvalidTransition(projectId, p.status, to);
        }
    }

    function _requireDeveloper(Project storage p, string calldata projectId) private view {
        if (p.developer != msg.sender) revert ProjectRegistryNotDeveloper(projectId, msg.sender);
    }

    function _requireIndependent(Project storage p, string calldata projectId) private view {
        if (p.developer == msg.sender) revert ProjectRegistrySelfValidation(projectId);
    }

    function _requireValidId(string calldata projectId) private pure {
        bytes calldata b = bytes(projectId);
        if (b.length == 0 || b.length > _MAX_ID_LENGTH) revert ProjectRegistryInvalidProjectId(projectId);
        for (uint256 i; i < b.length; ++i) {
            bytes1 c = b[i];
            bool ok = (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_"
                || c == "-";
            if (!ok) revert ProjectRegistryInvalidProjectId(projectId);
        }
    }
}
