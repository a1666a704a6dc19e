// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IOGCRAccessControl} from "../interfaces/IOGCRAccessControl.sol";

/// @title AuthorityGated
/// @notice Base of every registry contract: role and pause checks against the one authority.
abstract contract AuthorityGated {
    /// @notice `account` lacks `role` for this call.
    /// @param account The caller.
    /// @param role The role required.
    error OGCRUnauthorized(address account, bytes32 role);

    /// @notice The registry is paused; state-changing functions are disabled.
    error OGCRPaused();

    /// @notice A required address argument was zero.
    error OGCRZeroAddress();

    /// @notice The authority consulted for roles and the pause.
    IOGCRAccessControl public immutable authority;

    constructor(IOGCRAccessControl authority_) {
        if (address(authority_) == address(0)) revert OGCRZeroAddress();
        authority = authority_;
    }

    /// @dev Caller must hold `role` and the registry must not be paused (one external call).
    modifier onlyActiveRole(bytes32 role) {
        _requireActiveRole(role, msg.sender);
        _;
    }

    /// @dev The registry must not be paused.
    modifier whenNotPaused() {
        if (authority.paused()) revert OGCRPaused();
        _;
    }

    function _requireActiveRole(bytes32 role, address account) internal view {
        (bool allowed, bool isPaused) = authority.roleStatus(role, account);
        if (isPaused) revert OGCRPaused();
        if (!allowed) revert OGCRUnauthorized(account, role);
    }

    function _hasRole(bytes32 role, address account) internal view returns (bool) {
        return authority.hasRole(role, account);
    }
}
