// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title IProjectRegistry
/// @notice Registry of carbon-removal projects: PDD hashes and the project lifecycle (OGCR §5.2.1).
/// @dev Lifecycle (see README): Draft -> Submitted -> (UnderReview) -> Validated | Rejected;
///      Rejected -> Draft by a PDD revision; Validated -> Archived. Projects are addressed by
///      their OGCR id string; storage and event topics use `projectKey = keccak256(bytes(id))`.
interface IProjectRegistry {
    /// @notice Lifecycle state of a project. `None` means "not registered".
    enum ProjectStatus {
        None,
        Draft,
        Submitted,
        UnderReview,
        Validated,
        Rejected,
        Archived
    }

    /// @notice Everything the registry stores about a project.
    struct ProjectView {
        string projectId;
        address developer;
        ProjectStatus status;
        uint32 version;
        bytes32 pddHash;
        string pddUri;
        bytes32 externalRefKey;
        uint64 registeredAt;
        uint64 creditingStart;
        uint64 creditingEnd;
        uint64 validatedAt;
    }

    /// @notice A project was registered with its first PDD (version 1, status Draft).
    /// @param projectKey keccak256 of the project id.
    /// @param developer The registering developer, owner of the project.
    /// @param projectId The OGCR project id.
    /// @param pddHash SHA-256 of the CS-01 canonical form of the PDD document.
    /// @param pddUri Where the PDD document can be fetched.
    /// @param externalRegistry Name of another registry that lists the same project ("" if none).
    /// @param externalProjectId That registry's project id ("" if none).
    /// @param timestamp Block timestamp.
    event PDDRegistered(
        bytes32 indexed projectKey,
        address indexed developer,
        string projectId,
        bytes32 pddHash,
        string pddUri,
        string externalRegistry,
        string externalProjectId,
        uint64 timestamp
    );

    /// @notice The developer replaced the PDD before validation; the version increased.
    /// @param projectKey keccak256 of the project id.
    /// @param actor The developer.
    /// @param version The new version number.
    /// @param pddHash SHA-256 of the new canonical PDD.
    /// @param pddUri Where the new PDD can be fetched.
    /// @param timestamp Block timestamp.
    event PDDRevised(
        bytes32 indexed projectKey,
        address indexed actor,
        uint32 version,
        bytes32 pddHash,
        string pddUri,
        uint64 timestamp
    );

    /// @notice A lifecycle transition. Emitted for every status change, including registration.
    /// @param projectKey keccak256 of the project id.
    /// @param actor The account that caused the transition.
    /// @param from The previous status.
    /// @param to The new status.
    /// @param timestamp Block timestamp.
    event ProjectStatusChanged(
        bytes32 indexed projectKey,
        address indexed actor,
        ProjectStatus from,
        ProjectStatus to,
        uint64 timestamp
    );

    /// @notice A validator validated the project and fixed its crediting period.
    /// @param projectKey keccak256 of the project id.
    /// @param validator The validator.
    /// @param reportHash SHA-256 of the validation report.
    /// @param justification The validator's justification.
    /// @param creditingStart Start of the crediting period (unix seconds, inclusive).
    /// @param creditingEnd End of the crediting period (unix seconds, exclusive).
    /// @param timestamp Block timestamp.
    event ProjectValidated(
        bytes32 indexed projectKey,
        address indexed validator,
        bytes32 reportHash,
        string justification,
        uint64 creditingStart,
        uint64 creditingEnd,
        uint64 timestamp
    );

    /// @notice A validator rejected the project.
    /// @param projectKey keccak256 of the project id.
    /// @param validator The validator.
    /// @param reportHash SHA-256 of the validation report.
    /// @param justification Why the project was rejected.
    /// @param timestamp Block timestamp.
    event ProjectRejected(
        bytes32 indexed projectKey,
        address indexed validator,
        bytes32 reportHash,
        string justification,
        uint64 timestamp
    );

    /// @notice The project was archived.
    /// @param projectKey keccak256 of the project id.
    /// @param actor The developer or registry operator.
    /// @param reason Why it was archived.
    /// @param timestamp Block timestamp.
    event ProjectArchived(bytes32 indexed projectKey, address indexed actor, string reason, uint64 timestamp);

    /// @notice The project id is empty, longer than 100 bytes, or has a character outside [A-Za-z0-9_-].
    /// @param projectId The rejected id.
    error ProjectRegistryInvalidProjectId(string projectId);
    /// @notice A project with this id already exists.
    /// @param projectId The id.
    error ProjectRegistryProjectExists(string projectId);
    /// @notice No project with this id exists.
    /// @param projectId The id.
    error ProjectRegistryUnknownProject(string projectId);
    /// @notice The external reference is already claimed by another project (federation double counting).
    /// @param externalRegistry The other registry's name.
    /// @param externalProjectId The other registry's project id.
    /// @param existingProjectKey The project that holds this reference.
    error ProjectRegistryExternalRefTaken(
        string externalRegistry, string externalProjectId, bytes32 existingProjectKey
    );
    /// @notice Only one of externalRegistry / externalProjectId was given.
    error ProjectRegistryIncompleteExternalRef();
    /// @notice A document hash argument was zero.
    error ProjectRegistryZeroHash();
    /// @notice The caller is not the project's developer.
    /// @param projectId The project.
    /// @param caller The caller.
    error ProjectRegistryNotDeveloper(string projectId, address caller);
    /// @notice The transition is not allowed from the current status.
    /// @param projectId The project.
    /// @param current The current status.
    /// @param requested The requested status.
    error ProjectRegistryInvalidTransition(string projectId, ProjectStatus current, ProjectStatus requested);
    /// @notice The crediting period is empty or inverted.
    /// @param start The start given.
    /// @param end The end given.
    error ProjectRegistryInvalidCreditingPeriod(uint64 start, uint64 end);
    /// @notice A validator may not validate or reject a project they develop (conflict of interest).
    /// @param projectId The project.
    error ProjectRegistrySelfValidation(string projectId);

    /// @notice Register a project with its first PDD. DEVELOPER role; the caller becomes the developer.
    /// @param projectId OGCR id: 1-100 characters from [A-Za-z0-9_-].
    /// @param pddHash SHA-256 of the CS-01 canonical form of the PDD.
    /// @param pddUri Where the PDD can be fetched and checked against `pddHash`.
    /// @param externalRegistry Another registry listing the same project ("" if none).
    /// @param externalProjectId That registry's id for it ("" if none); the pair is unique.
    /// @return projectKey keccak256 of the project id.
    function registerProject(
        string calldata projectId,
        bytes32 pddHash,
        string calldata pddUri,
        string calldata externalRegistry,
        string calldata externalProjectId
    ) external returns (bytes32 projectKey);

    /// @notice Replace the PDD (new version) while in Draft or Rejected; a Rejected project returns to Draft.
    /// @param projectId The project.
    /// @param pddHash SHA-256 of the new canonical PDD.
    /// @param pddUri Where the new PDD can be fetched.
    function revisePDD(string calldata projectId, bytes32 pddHash, string calldata pddUri) external;

    /// @notice Submit a Draft project for validation. Project developer only.
    /// @param projectId The project.
    function submitProject(string calldata projectId) external;

    /// @notice Mark a Submitted project as under review. VALIDATOR role.
    /// @param projectId The project.
    function startReview(string calldata projectId) external;

    /// @notice Validate a Submitted or UnderReview project and record its crediting period. VALIDATOR role.
    /// @param projectId The project.
    /// @param reportHash SHA-256 of the validation report.
    /// @param justification The validator's justification.
    /// @param creditingStart Crediting period start (unix seconds, inclusive).
    /// @param creditingEnd Crediting period end (unix seconds, exclusive).
    function validateProject(
        string calldata projectId,
        bytes32 reportHash,
        string calldata justification,
        uint64 creditingStart,
        uint64 creditingEnd
    ) external;

    /// @notice Reject a Submitted or UnderReview project. VALIDATOR role.
    /// @param projectId The project.
    /// @param reportHash SHA-256 of the validation report.
    /// @param justification Why it is rejected.
    function rejectProject(string calldata projectId, bytes32 reportHash, string calldata justification)
        external;

    /// @notice Archive a Validated project. Its developer or a REGISTRY_OPERATOR.
    /// @param projectId The project.
    /// @param reason Why it is archived.
    function archiveProject(string calldata projectId, string calldata reason) external;

    /// @notice Full record of a project; reverts for unknown ids.
    /// @param projectId The project.
    function getProject(string calldata projectId) external view returns (ProjectView memory);

    /// @notice Status, developer and crediting period by key (used by the MRV registry).
    /// @param projectKey keccak256 of the project id.
    function creditingInfo(bytes32 projectKey)
        external
        view
        returns (ProjectStatus status, address developer, uint64 creditingStart, uint64 creditingEnd);

    /// @notice The project id string of a key ("" if unknown).
    /// @param projectKey keccak256 of the project id.
    function projectIdOf(bytes32 projectKey) external view returns (string memory);

    /// @notice The project holding an external reference (zero if none).
    /// @param externalRegistry The other registry's name.
    /// @param externalProjectId That registry's project id.
    function projectByExternalRef(string calldata externalRegistry, string calldata externalProjectId)
        external
        view
        returns (bytes32 projectKey);
}
