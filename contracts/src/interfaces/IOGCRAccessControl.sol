// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {
    IAccessControlDefaultAdminRules
} from "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";

/// @title IOGCRAccessControl
/// @notice The one authority every ogcr contract consults: roles and the emergency pause.
interface IOGCRAccessControl is IAccessControlDefaultAdminRules {
    /// @notice The registry was paused (OGCR §5.2.4 emergency controls).
    /// @param actor The account that paused.
    /// @param timestamp Block timestamp of the pause.
    event RegistryPaused(address indexed actor, uint64 timestamp);

    /// @notice The registry was unpaused.
    /// @param actor The account that unpaused.
    /// @param timestamp Block timestamp of the unpause.
    event RegistryUnpaused(address indexed actor, uint64 timestamp);

    /// @notice `account` holds neither the administrator nor the registry-operator role and may not pause.
    /// @param account The caller.
    error OGCRAccessControlNotPauser(address account);

    /// @notice Role identifier of project developers.
    function DEVELOPER_ROLE() external view returns (bytes32);

    /// @notice Role identifier of validation bodies.
    function VALIDATOR_ROLE() external view returns (bytes32);

    /// @notice Role identifier of verification bodies.
    function VERIFIER_ROLE() external view returns (bytes32);

    /// @notice Role identifier of registry operators.
    function REGISTRY_OPERATOR_ROLE() external view returns (bytes32);

    /// @notice Role identifier of the administrator (equals DEFAULT_ADMIN_ROLE).
    function ADMINISTRATOR_ROLE() external view returns (bytes32);

    /// @notice Whether state-changing registry functions are currently paused.
    function paused() external view returns (bool);

    /// @notice Role and pause state in one call, so a registry pays for one external call per check.
    /// @param role The role to test.
    /// @param account The account to test.
    /// @return allowed Whether `account` holds `role`.
    /// @return isPaused Whether the registry is paused.
    function roleStatus(bytes32 role, address account) external view returns (bool allowed, bool isPaused);

    /// @notice Pause every state-changing registry function. Administrator or registry operator.
    function pause() external;

    /// @notice Lift the pause. Administrator only.
    function unpause() external;
}
