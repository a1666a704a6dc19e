// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title OGCRRoles
/// @notice Role identifiers shared by every ogcr contract (OGCR spec §4.3, §5.2.1, §5.2.4).
/// @dev ADMINISTRATOR is OpenZeppelin's DEFAULT_ADMIN_ROLE (0x00): a single holder, handed
///      over in two steps with a delay by AccessControlDefaultAdminRules.
library OGCRRoles {
    /// @notice Administrator: grants and revokes every other role, unpauses.
    bytes32 internal constant ADMINISTRATOR = 0x00;
    /// @notice Project developer: registers projects, revises PDDs, submits MRV reports.
    bytes32 internal constant DEVELOPER = keccak256("ogcr.role.developer");
    /// @notice Validation body: reviews, validates or rejects projects.
    bytes32 internal constant VALIDATOR = keccak256("ogcr.role.validator");
    /// @notice Verification body: verifies or rejects MRV reports (directly or by EIP-712 attestation).
    bytes32 internal constant VERIFIER = keccak256("ogcr.role.verifier");
    /// @notice Registry operator: issues, labels and cancels CRUs, archives projects, pauses.
    bytes32 internal constant REGISTRY_OPERATOR = keccak256("ogcr.role.registry_operator");
}
