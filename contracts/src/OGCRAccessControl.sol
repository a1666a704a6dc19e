// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IOGCRAccessControl} from "./interfaces/IOGCRAccessControl.sol";
import {OGCRRoles} from "./libraries/OGCRRoles.sol";
import {
    AccessControlDefaultAdminRules
} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

/// @title OGCRAccessControl
/// @notice Central role authority and emergency pause for the ogcr registry (OGCR §5.2.4).
/// @dev Why AccessControlDefaultAdminRules rather than AccessManager: ogcr's permissions are
///      plain roles held by accounts (developer, validator, verifier, registry operator) and
///      checked by the registries with `hasRole`, which is exactly AccessControl's model.
///      The DefaultAdminRules extension adds what the administrator needs and nothing else:
///      a single administrator, handed over in two steps (begin, then accept after a delay),
///      which works unchanged when the administrator is a multisig or timelock contract
///      because it only relies on `msg.sender`. AccessManager targets per-function
///      permissions with scheduled execution across many targets; it would move every
///      registry's authorization into selector tables and make role checks harder to audit.
contract OGCRAccessControl is IOGCRAccessControl, AccessControlDefaultAdminRules, Pausable {
    /// @inheritdoc IOGCRAccessControl
    bytes32 public constant DEVELOPER_ROLE = OGCRRoles.DEVELOPER;
    /// @inheritdoc IOGCRAccessControl
    bytes32 public constant VALIDATOR_ROLE = OGCRRoles.VALIDATOR;
    /// @inheritdoc IOGCRAccessControl
    bytes32 public constant VERIFIER_ROLE = OGCRRoles.VERIFIER;
    /// @inheritdoc IOGCRAccessControl
    bytes32 public constant REGISTRY_OPERATOR_ROLE = OGCRRoles.REGISTRY_OPERATOR;
    /// @inheritdoc IOGCRAccessControl
    bytes32 public constant ADMINISTRATOR_ROLE = OGCRRoles.ADMINISTRATOR;

    /// @param adminTransferDelay Seconds between beginning and accepting an administrator handover.
    /// @param administrator The first administrator (an EOA, multisig or timelock).
    constructor(uint48 adminTransferDelay, address administrator)
        AccessControlDefaultAdminRules(adminTransferDelay, administrator)
    {}

    /// @inheritdoc IOGCRAccessControl
    function paused() public view override(IOGCRAccessControl, Pausable) returns (bool) {
        return Pausable.paused();
    }

    /// @inheritdoc IOGCRAccessControl
    function roleStatus(bytes32 role, address account) external view returns (bool allowed, bool isPaused) {
        return (hasRole(role, account), paused());
    }

    /// @inheritdoc IOGCRAccessControl
    function pause() external {
        if (!hasRole(ADMINISTRATOR_ROLE, msg.sender) && !hasRole(REGISTRY_OPERATOR_ROLE, msg.sender)) {
            revert OGCRAccessControlNotPauser(msg.sender);
        }
        _pause();
        emit RegistryPaused(msg.sender, uint64(block.timestamp));
    }

    /// @inheritdoc IOGCRAccessControl
    function unpause() external onlyRole(ADMINISTRATOR_ROLE) {
        _unpause();
        emit RegistryUnpaused(msg.sender, uint64(block.timestamp));
    }
}
