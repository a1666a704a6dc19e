// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {OGCRAccessControl} from "../src/OGCRAccessControl.sol";
import {ICarbonRemovalUnit} from "../src/interfaces/ICarbonRemovalUnit.sol";
import {IMRVRegistry} from "../src/interfaces/IMRVRegistry.sol";
import {IOGCRAccessControl} from "../src/interfaces/IOGCRAccessControl.sol";
import {IProjectRegistry} from "../src/interfaces/IProjectRegistry.sol";
import {OGCRRoles} from "../src/libraries/OGCRRoles.sol";
import {AuthorityGated} from "../src/utils/AuthorityGated.sol";
import {OGCRTest} from "./utils/OGCRTest.sol";
import {Vm} from "./utils/Vm.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {
    IAccessControlDefaultAdminRules
} from "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

/// @notice A minimal k-of-n multisig: owners submit and confirm a call, any owner executes it
///         once `threshold` owners confirmed. It stands for a Safe acting as administrator:
///         the authority only ever sees the multisig's address as `msg.sender`.
contract MiniMultisig {
    struct Call {
        address target;
        bytes data;
        uint256 confirmations;
        bool executed;
    }

    error MiniMultisigNotOwner(address account);
    error MiniMultisigAlreadyConfirmed(uint256 id, address owner);
    error MiniMultisigNotEnoughConfirmations(uint256 id, uint256 have, uint256 need);
    error MiniMultisigAlreadyExecuted(uint256 id);

    uint256 public immutable threshold;
    mapping(address account => bool) public isOwner;
    Call[] private _calls;
    mapping(uint256 id => mapping(address owner => bool)) private _confirmed;

    constructor(address[] memory owners, uint256 threshold_) {
        for (uint256 i; i < owners.length; ++i) {
            isOwner[owners[i]] = true;
        }
        threshold = threshold_;
    }

    modifier onlyOwner() {
        if (!isOwner[msg.sender]) revert MiniMultisigNotOwner(msg.sender);
        _;
    }

    function submit(address target, bytes calldata data) external onlyOwner returns (uint256 id) {
        id = _calls.length;
        _calls.push(Call({target: target, data: data, confirmations: 0, executed: false}));
        confirm(id);
    }

    function confirm(uint256 id) public onlyOwner {
        if (_confirmed[id][msg.sender]) revert MiniMultisigAlreadyConfirmed(id, msg.sender);
        _confirmed[id][msg.sender] = true;
        _calls[id].confirmations += 1;
    }

    /// @dev Forwards the call; a revert of the target is bubbled up unchanged.
    function execute(uint256 id) external onlyOwner returns (bytes memory ret) {
        Call storage c = _calls[id];
        if (c.executed) revert MiniMultisigAlreadyExecuted(id);
        if (c.confirmations < threshold) {
            revert MiniMultisigNotEnoughConfirmations(id, c.confirmations, threshold);
        }
        c.executed = true;
        bool ok;
        (ok, ret) = c.target.call(c.data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }
}

/// @notice OGCRAccessControl: roles and their events, the two-step administrator handover,
///         handover to a multisig, the emergency pause and its reach across the registries.
contract OGCRAccessControlTest is OGCRTest {
    address internal nominee = address(0x4E);
    address internal owner1 = address(0x51);
    address internal owner2 = address(0x52);
    address internal owner3 = address(0x53);

    // ---------------------------------------------------------------- helpers

    function _aclUnauthorized(address account, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, account, role);
    }

    function _pause() internal {
        vm.prank(operator);
        acl.pause();
        vm.assertTrue(acl.paused());
    }

    function _unpause() internal {
        vm.prank(admin);
        acl.unpause();
        vm.assertFalse(acl.paused());
    }

    function _newMultisig() internal returns (MiniMultisig ms) {
        address[] memory owners = new address[](3);
        owners[0] = owner1;
        owners[1] = owner2;
        owners[2] = owner3;
        ms = new MiniMultisig(owners, 2);
    }

    /// @dev Two of three owners agree on `data` for the authority; returns the call id (not executed).
    function _propose(MiniMultisig ms, bytes memory data) internal returns (uint256 id) {
        vm.prank(owner1);
        id = ms.submit(address(acl), data);
        vm.prank(owner2);
        ms.confirm(id);
    }

    // ---------------------------------------------------------------- deployment and roles

    function test_constructor_setsAdministratorAndDelay() public view {
        vm.assertEq(acl.defaultAdmin(), admin);
        vm.assertEq(acl.owner(), admin);
        vm.assertEq(acl.defaultAdminDelay(), ADMIN_DELAY);
        vm.assertTrue(acl.hasRole(acl.ADMINISTRATOR_ROLE(), admin));
        vm.assertFalse(acl.paused());
        (address pending, uint48 schedule) = acl.pendingDefaultAdmin();
        vm.assertEq(pending, address(0));
        vm.assertEq(schedule, 0);
    }

    function test_constructor_zeroAdministrator_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, address(0)
            )
        );
        new OGCRAccessControl(ADMIN_DELAY, address(0));
    }

    function test_roleIds_matchSpecNames() public view {
        vm.assertEq(acl.ADMINISTRATOR_ROLE(), bytes32(0));
        vm.assertEq(acl.ADMINISTRATOR_ROLE(), acl.DEFAULT_ADMIN_ROLE());
        vm.assertEq(acl.DEVELOPER_ROLE(), keccak256("ogcr.role.developer"));
        vm.assertEq(acl.VALIDATOR_ROLE(), keccak256("ogcr.role.validator"));
        vm.assertEq(acl.VERIFIER_ROLE(), keccak256("ogcr.role.verifier"));
        vm.assertEq(acl.REGISTRY_OPERATOR_ROLE(), keccak256("ogcr.role.registry_operator"));
        vm.assertEq(acl.DEVELOPER_ROLE(), OGCRRoles.DEVELOPER);
        vm.assertEq(acl.REGISTRY_OPERATOR_ROLE(), OGCRRoles.REGISTRY_OPERATOR);
    }

    function test_getRoleAdmin_isAdministratorForEveryRole() public view {
        bytes32[5] memory roles = [
            OGCRRoles.ADMINISTRATOR,
            OGCRRoles.DEVELOPER,
            OGCRRoles.VALIDATOR,
            OGCRRoles.VERIFIER,
            OGCRRoles.REGISTRY_OPERATOR
        ];
        for (uint256 i; i < roles.length; ++i) {
            vm.assertEq(acl.getRoleAdmin(roles[i]), OGCRRoles.ADMINISTRATOR);
        }
    }

    function test_fixture_eachAccountHoldsExactlyItsRole() public view {
        address[5] memory accounts = [admin, developer, validator, verifier, operator];
        bytes32[5] memory roles = [
            OGCRRoles.ADMINISTRATOR,
            OGCRRoles.DEVELOPER,
            OGCRRoles.VALIDATOR,
            OGCRRoles.VERIFIER,
            OGCRRoles.REGISTRY_OPERATOR
        ];
        for (uint256 a; a < accounts.length; ++a) {
            for (uint256 r; r < roles.length; ++r) {
                vm.assertEq(acl.hasRole(roles[r], accounts[a]), a == r);
            }
            vm.assertFalse(acl.hasRole(roles[a], stranger));
        }
    }

    function test_supportsInterface_defaultAdminRules() public view {
        vm.assertTrue(acl.supportsInterface(type(IAccessControlDefaultAdminRules).interfaceId));
        vm.assertTrue(acl.supportsInterface(type(IAccessControl).interfaceId));
        vm.assertFalse(acl.supportsInterface(0xdeadbeef));
    }

    function test_grantRole_emitsRoleGranted() public {
        vm.expectEmit(address(acl));
        emit IAccessControl.RoleGranted(OGCRRoles.VALIDATOR, stranger, admin);
        vm.prank(admin);
        acl.grantRole(OGCRRoles.VALIDATOR, stranger);
        vm.assertTrue(acl.hasRole(OGCRRoles.VALIDATOR, stranger));
    }

    function test_grantRole_alreadyHeld_emitsNothing() public {
        vm.recordLogs();
        vm.prank(admin);
        acl.grantRole(OGCRRoles.DEVELOPER, developer);
        vm.assertEq(vm.getRecordedLogs().length, 0);
        vm.assertTrue(acl.hasRole(OGCRRoles.DEVELOPER, developer));
    }

    function test_revokeRole_emitsRoleRevoked() public {
        vm.expectEmit(address(acl));
        emit IAccessControl.RoleRevoked(OGCRRoles.DEVELOPER, developer, admin);
        vm.prank(admin);
        acl.revokeRole(OGCRRoles.DEVELOPER, developer);
        vm.assertFalse(acl.hasRole(OGCRRoles.DEVELOPER, developer));

        // The revoked developer is locked out of the registry at once.
        vm.expectRevert(
            abi.encodeWithSelector(AuthorityGated.OGCRUnauthorized.selector, developer, OGCRRoles.DEVELOPER)
        );
        vm.prank(developer);
        projects.registerProject(PID, bytes32(uint256(1)), "", "", "");
    }

    function test_revokeRole_notHeld_emitsNothing() public {
        vm.recordLogs();
        vm.prank(admin);
        acl.revokeRole(OGCRRoles.DEVELOPER, stranger);
        vm.assertEq(vm.getRecordedLogs().length, 0);
    }

    function test_grantRole_nonAdministrator_reverts() public {
        address[5] memory others = [developer, validator, verifier, operator, stranger];
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(_aclUnauthorized(others[i], OGCRRoles.ADMINISTRATOR));
            vm.prank(others[i]);
            acl.grantRole(OGCRRoles.DEVELOPER, others[i]);
        }
    }

    function test_revokeRole_nonAdministrator_reverts() public {
        vm.expectRevert(_aclUnauthorized(operator, OGCRRoles.ADMINISTRATOR));
        vm.prank(operator);
        acl.revokeRole(OGCRRoles.DEVELOPER, developer);
        vm.assertTrue(acl.hasRole(OGCRRoles.DEVELOPER, developer));
    }

    function test_grantRole_administratorRole_reverts() public {
        // The administrator role only moves through the two-step handover.
        vm.expectRevert(IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminRules.selector);
        vm.prank(admin);
        acl.grantRole(OGCRRoles.ADMINISTRATOR, nominee);

        vm.expectRevert(IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminRules.selector);
        vm.prank(admin);
        acl.revokeRole(OGCRRoles.ADMINISTRATOR, admin);
        vm.assertEq(acl.defaultAdmin(), admin);
    }

    function test_renounceRole_self_emitsRoleRevoked() public {
        vm.expectEmit(address(acl));
        emit IAccessControl.RoleRevoked(OGCRRoles.VERIFIER, verifier, verifier);
        vm.prank(verifier);
        acl.renounceRole(OGCRRoles.VERIFIER, verifier);
        vm.assertFalse(acl.hasRole(OGCRRoles.VERIFIER, verifier));
    }

    function test_renounceRole_forSomeoneElse_reverts() public {
        vm.expectRevert(IAccessControl.AccessControlBadConfirmation.selector);
        vm.prank(operator);
        acl.renounceRole(OGCRRoles.VERIFIER, verifier);
        vm.assertTrue(acl.hasRole(OGCRRoles.VERIFIER, verifier));
    }

    function test_renounceRole_administratorWithoutSchedule_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminDelay.selector, uint48(0)
            )
        );
        vm.prank(admin);
        acl.renounceRole(OGCRRoles.ADMINISTRATOR, admin);
        vm.assertEq(acl.defaultAdmin(), admin);
    }

    function test_roleStatus_reportsRoleAndPause() public {
        (bool allowed, bool isPaused) = acl.roleStatus(OGCRRoles.DEVELOPER, developer);
        vm.assertTrue(allowed);
        vm.assertFalse(isPaused);
        (allowed, isPaused) = acl.roleStatus(OGCRRoles.DEVELOPER, validator);
        vm.assertFalse(allowed);
        vm.assertFalse(isPaused);

        _pause();
        (allowed, isPaused) = acl.roleStatus(OGCRRoles.DEVELOPER, developer);
        vm.assertTrue(allowed);
        vm.assertTrue(isPaused);
        (allowed, isPaused) = acl.roleStatus(OGCRRoles.VERIFIER, stranger);
        vm.assertFalse(allowed);
        vm.assertTrue(isPaused);

        _unpause();
        (allowed, isPaused) = acl.roleStatus(OGCRRoles.ADMINISTRATOR, admin);
        vm.assertTrue(allowed);
        vm.assertFalse(isPaused);
    }

    // ---------------------------------------------------------------- two-step administrator handover

    function test_beginDefaultAdminTransfer_schedulesAfterDelay() public {
        uint48 schedule = uint48(NOW) + ADMIN_DELAY;
        vm.expectEmit(address(acl));
        emit IAccessControlDefaultAdminRules.DefaultAdminTransferScheduled(nominee, schedule);
        vm.prank(admin);
        acl.beginDefaultAdminTransfer(nominee);
        (address pending, uint48 s) = acl.pendingDefaultAdmin();
        vm.assertEq(pending, nominee);
        vm.assertEq(s, schedule);
        // Nothing changes until the nominee accepts.
        vm.assertEq(acl.defaultAdmin(), admin);
        vm.assertFalse(acl.hasRole(OGCRRoles.ADMINISTRATOR, nominee));
    }

    function test_beginDefaultAdminTransfer_nonAdministrator_reverts() public {
        vm.expectRevert(_aclUnauthorized(operator, OGCRRoles.ADMINISTRATOR));
        vm.prank(operator);
        acl.beginDefaultAdminTransfer(operator);
    }

    function test_acceptDefaultAdminTransfer_tooEarly_reverts() public {
        vm.prank(admin);
        acl.beginDefaultAdminTransfer(nominee);
        uint48 schedule = uint48(NOW) + ADMIN_DELAY;
        bytes memory err = abi.encodeWithSelector(
            IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminDelay.selector, schedule
        );

        vm.expectRevert(err);
        vm.prank(nominee);
        acl.acceptDefaultAdminTransfer();

        vm.warp(NOW + ADMIN_DELAY - 1);
        vm.expectRevert(err);
        vm.prank(nominee);
        acl.acceptDefaultAdminTransfer();

        // The schedule must have passed strictly: at the exact second it is still too early.
        vm.warp(NOW + ADMIN_DELAY);
        vm.expectRevert(err);
        vm.prank(nominee);
        acl.acceptDefaultAdminTransfer();
        vm.assertEq(acl.defaultAdmin(), admin);
    }

    function test_acceptDefaultAdminTransfer_afterDelay_handsOver() public {
        vm.prank(admin);
        acl.beginDefaultAdminTransfer(nominee);
        vm.warp(NOW + ADMIN_DELAY + 1);

        vm.expectEmit(address(acl));
        emit IAccessControl.RoleRevoked(OGCRRoles.ADMINISTRATOR, admin, nominee);
        vm.expectEmit(address(acl));
        emit IAccessControl.RoleGranted(OGCRRoles.ADMINISTRATOR, nominee, nominee);
        vm.prank(nominee);
        acl.acceptDefaultAdminTransfer();

        vm.assertEq(acl.defaultAdmin(), nominee);
        vm.assertTrue(acl.hasRole(OGCRRoles.ADMINISTRATOR, nominee));
        vm.assertFalse(acl.hasRole(OGCRRoles.ADMINISTRATOR, admin));
        (address pending, uint48 s) = acl.pendingDefaultAdmin();
        vm.assertEq(pending, address(0));
        vm.assertEq(s, 0);

        // The old administrator lost every administrative power; the new one has them.
        vm.expectRevert(_aclUnauthorized(admin, OGCRRoles.ADMINISTRATOR));
        vm.prank(admin);
        acl.grantRole(OGCRRoles.DEVELOPER, stranger);
        vm.prank(nominee);
        acl.grantRole(OGCRRoles.DEVELOPER, stranger);
        vm.assertTrue(acl.hasRole(OGCRRoles.DEVELOPER, stranger));
    }

    function test_acceptDefaultAdminTransfer_notNominee_reverts() public {
        vm.prank(admin);
        acl.beginDefaultAdminTransfer(nominee);
        vm.warp(NOW + ADMIN_DELAY + 1);
        address[2] memory others = [admin, stranger];
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, others[i]
                )
            );
            vm.prank(others[i]);
            acl.acceptDefaultAdminTransfer();
        }
        vm.assertEq(acl.defaultAdmin(), admin);
    }

    function test_cancelDefaultAdminTransfer_clearsPending() public {
        vm.prank(admin);
        acl.beginDefaultAdminTransfer(nominee);

        vm.expectEmit(address(acl));
        emit IAccessControlDefaultAdminRules.DefaultAdminTransferCanceled();
        vm.prank(admin);
        acl.cancelDefaultAdminTransfer();
        (address pending, uint48 s) = acl.pendingDefaultAdmin();
        vm.assertEq(pending, address(0));
        vm.assertEq(s, 0);

        vm.warp(NOW + ADMIN_DELAY + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, nominee
            )
        );
        vm.prank(nominee);
        acl.acceptDefaultAdminTransfer();
        vm.assertEq(acl.defaultAdmin(), admin);
    }

    function test_cancelDefaultAdminTransfer_nonAdministrator_reverts() public {
        vm.prank(admin);
        acl.beginDefaultAdminTransfer(nominee);
        vm.expectRevert(_aclUnauthorized(nominee, OGCRRoles.ADMINISTRATOR));
        vm.prank(nominee);
        acl.cancelDefaultAdminTransfer();
        (address pending,) = acl.pendingDefaultAdmin();
        vm.assertEq(pending, nominee);
    }

    function test_beginDefaultAdminTransfer_again_replacesNomineeAndRestartsDelay() public {
        vm.prank(admin);
        acl.beginDefaultAdminTransfer(nominee);
        vm.warp(NOW + 1 days);

        uint48 schedule = uint48(NOW + 1 days) + ADMIN_DELAY;
        vm.expectEmit(address(acl));
        emit IAccessControlDefaultAdminRules.DefaultAdminTransferCanceled();
        vm.expectEmit(address(acl));
        emit IAccessControlDefaultAdminRules.DefaultAdminTransferScheduled(stranger, schedule);
        vm.prank(admin);
        acl.beginDefaultAdminTransfer(stranger);

        vm.warp(NOW + ADMIN_DELAY + 1); // the first schedule has passed, the second has not
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, nominee
            )
        );
        vm.prank(nominee);
        acl.acceptDefaultAdminTransfer();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminDelay.selector, schedule
            )
        );
        vm.prank(stranger);
        acl.acceptDefaultAdminTransfer();

        vm.warp(schedule + 1);
        vm.prank(stranger);
        acl.acceptDefaultAdminTransfer();
        vm.assertEq(acl.defaultAdmin(), stranger);
    }

    function test_changeDefaultAdminDelay_shorterDelayAppliesAfterDifference() public {
        vm.expectEmit(address(acl));
        emit IAccessControlDefaultAdminRules.DefaultAdminDelayChangeScheduled(1 days, uint48(NOW) + 1 days);
        vm.prank(admin);
        acl.changeDefaultAdminDelay(1 days);
        vm.assertEq(acl.defaultAdminDelay(), ADMIN_DELAY);
        vm.warp(NOW + 1 days + 1);
        vm.assertEq(acl.defaultAdminDelay(), 1 days);

        vm.expectRevert(_aclUnauthorized(operator, OGCRRoles.ADMINISTRATOR));
        vm.prank(operator);
        acl.changeDefaultAdminDelay(0);
    }

    function test_renounceRole_administratorAfterScheduledRenounce_leavesNoAdministrator() public {
        vm.prank(admin);
        acl.beginDefaultAdminTransfer(address(0));
        vm.warp(NOW + ADMIN_DELAY + 1);
        vm.prank(admin);
        acl.renounceRole(OGCRRoles.ADMINISTRATOR, admin);
        vm.assertEq(acl.defaultAdmin(), address(0));
        vm.expectRevert(_aclUnauthorized(admin, OGCRRoles.ADMINISTRATOR));
        vm.prank(admin);
        acl.grantRole(OGCRRoles.DEVELOPER, stranger);
    }

    // ---------------------------------------------------------------- handover to a multisig

    function test_handover_toMultisig_beginsAcceptsAndGrants() public {
        MiniMultisig ms = _newMultisig();
        vm.prank(admin);
        acl.beginDefaultAdminTransfer(address(ms));
        uint48 schedule = uint48(NOW) + ADMIN_DELAY;

        uint256 accept =
            _propose(ms, abi.encodeCall(IAccessControlDefaultAdminRules.acceptDefaultAdminTransfer, ()));
        // The delay binds the multisig exactly as an EOA: the forwarded call reverts with the authority's error.
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminDelay.selector, schedule
            )
        );
        vm.prank(owner3);
        ms.execute(accept);

        vm.warp(schedule + 1);
        vm.expectEmit(address(acl));
        emit IAccessControl.RoleGranted(OGCRRoles.ADMINISTRATOR, address(ms), address(ms));
        vm.prank(owner3);
        ms.execute(accept);
        vm.assertEq(acl.defaultAdmin(), address(ms));
        vm.assertFalse(acl.hasRole(OGCRRoles.ADMINISTRATOR, admin));

        // Owners themselves hold nothing; only the multisig's address is the administrator.
        vm.expectRevert(_aclUnauthorized(owner1, OGCRRoles.ADMINISTRATOR));
        vm.prank(owner1);
        acl.grantRole(OGCRRoles.VALIDATOR, stranger);

        // The multisig grants and revokes roles; the events name it as sender.
        uint256 grant =
            _propose(ms, abi.encodeCall(IAccessControl.grantRole, (OGCRRoles.VALIDATOR, stranger)));
        vm.expectEmit(address(acl));
        emit IAccessControl.RoleGranted(OGCRRoles.VALIDATOR, stranger, address(ms));
        vm.prank(owner1);
        ms.execute(grant);
        vm.assertTrue(acl.hasRole(OGCRRoles.VALIDATOR, stranger));

        uint256 revoke =
            _propose(ms, abi.encodeCall(IAccessControl.revokeRole, (OGCRRoles.VERIFIER, verifier)));
        vm.expectEmit(address(acl));
        emit IAccessControl.RoleRevoked(OGCRRoles.VERIFIER, verifier, address(ms));
        vm.prank(owner2);
        ms.execute(revoke);
        vm.assertFalse(acl.hasRole(OGCRRoles.VERIFIER, verifier));

        // The validator appointed by the multisig acts in the registry.
        _register(OTHER_PID);
        vm.prank(developer);
        projects.submitProject(OTHER_PID);
        vm.prank(stranger);
        projects.startReview(OTHER_PID);
        vm.assertEq(
            uint256(projects.getProject(OTHER_PID).status),
            uint256(IProjectRegistry.ProjectStatus.UnderReview)
        );
    }

    string internal constant OTHER_PID = "OGCR-BR-0009";

    function test_handover_toMultisig_needsThreshold() public {
        MiniMultisig ms = _newMultisig();
        vm.prank(admin);
        acl.beginDefaultAdminTransfer(address(ms));
        vm.warp(NOW + ADMIN_DELAY + 1);

        vm.prank(owner1);
        uint256 id = ms.submit(
            address(acl), abi.encodeCall(IAccessControlDefaultAdminRules.acceptDefaultAdminTransfer, ())
        );
        vm.expectRevert(
            abi.encodeWithSelector(MiniMultisig.MiniMultisigNotEnoughConfirmations.selector, id, 1, 2)
        );
        vm.prank(owner1);
        ms.execute(id);
        vm.expectRevert(abi.encodeWithSelector(MiniMultisig.MiniMultisigNotOwner.selector, stranger));
        vm.prank(stranger);
        ms.confirm(id);
        vm.assertEq(acl.defaultAdmin(), admin);

        vm.prank(owner3);
        ms.confirm(id);
        vm.prank(owner3);
        ms.execute(id);
        vm.assertEq(acl.defaultAdmin(), address(ms));
    }

    function test_handover_multisigUnpausesAndHandsBack() public {
        MiniMultisig ms = _newMultisig();
        vm.prank(admin);
        acl.beginDefaultAdminTransfer(address(ms));
        vm.warp(NOW + ADMIN_DELAY + 1);
        uint256 accept =
            _propose(ms, abi.encodeCall(IAccessControlDefaultAdminRules.acceptDefaultAdminTransfer, ()));
        vm.prank(owner1);
        ms.execute(accept);

        // Operator pauses; only the multisig (now administrator) can lift it.
        _pause();
        vm.expectRevert(_aclUnauthorized(admin, OGCRRoles.ADMINISTRATOR));
        vm.prank(admin);
        acl.unpause();
        uint256 unpause = _propose(ms, abi.encodeCall(IOGCRAccessControl.unpause, ()));
        vm.expectEmit(address(acl));
        emit IOGCRAccessControl.RegistryUnpaused(address(ms), uint64(NOW + ADMIN_DELAY + 1));
        vm.prank(owner2);
        ms.execute(unpause);
        vm.assertFalse(acl.paused());

        // And it can begin a handover onwards, which the next administrator accepts.
        uint256 begin = _propose(
            ms, abi.encodeCall(IAccessControlDefaultAdminRules.beginDefaultAdminTransfer, (nominee))
        );
        vm.prank(owner1);
        ms.execute(begin);
        (address pending,) = acl.pendingDefaultAdmin();
        vm.assertEq(pending, nominee);
        vm.warp(block.timestamp + ADMIN_DELAY + 1);
        vm.prank(nominee);
        acl.acceptDefaultAdminTransfer();
        vm.assertEq(acl.defaultAdmin(), nominee);
    }

    // ---------------------------------------------------------------- pause / unpause

    function test_pause_byAdministrator_emits() public {
        vm.expectEmit(address(acl));
        emit Pausable.Paused(admin);
        vm.expectEmit(address(acl));
        emit IOGCRAccessControl.RegistryPaused(admin, NOW);
        vm.prank(admin);
        acl.pause();
        vm.assertTrue(acl.paused());
    }

    function test_pause_byOperator_emits() public {
        vm.warp(NOW + 123);
        vm.expectEmit(address(acl));
        emit IOGCRAccessControl.RegistryPaused(operator, NOW + 123);
        vm.prank(operator);
        acl.pause();
        vm.assertTrue(acl.paused());
    }

    function test_pause_byOthers_reverts() public {
        address[4] memory others = [developer, validator, verifier, stranger];
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(IOGCRAccessControl.OGCRAccessControlNotPauser.selector, others[i])
            );
            vm.prank(others[i]);
            acl.pause();
        }
        vm.assertFalse(acl.paused());
    }

    function test_pause_revokedOperator_reverts() public {
        vm.prank(admin);
        acl.revokeRole(OGCRRoles.REGISTRY_OPERATOR, operator);
        vm.expectRevert(
            abi.encodeWithSelector(IOGCRAccessControl.OGCRAccessControlNotPauser.selector, operator)
        );
        vm.prank(operator);
        acl.pause();
    }

    function test_pause_whenPaused_reverts() public {
        _pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(admin);
        acl.pause();
    }

    function test_unpause_byAdministrator_emits() public {
        _pause();
        vm.warp(NOW + 1 hours);
        vm.expectEmit(address(acl));
        emit Pausable.Unpaused(admin);
        vm.expectEmit(address(acl));
        emit IOGCRAccessControl.RegistryUnpaused(admin, NOW + 1 hours);
        vm.prank(admin);
        acl.unpause();
        vm.assertFalse(acl.paused());
    }

    function test_unpause_byOthers_reverts() public {
        _pause();
        address[5] memory others = [operator, developer, validator, verifier, stranger];
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(_aclUnauthorized(others[i], OGCRRoles.ADMINISTRATOR));
            vm.prank(others[i]);
            acl.unpause();
        }
        vm.assertTrue(acl.paused());
    }

    function test_unpause_whenNotPaused_reverts() public {
        vm.expectRevert(Pausable.ExpectedPause.selector);
        vm.prank(admin);
        acl.unpause();
    }

    function test_pause_roleManagementStillWorks() public {
        // Recovery needs the authority itself to stay usable while the registries are paused.
        _pause();
        vm.prank(admin);
        acl.revokeRole(OGCRRoles.REGISTRY_OPERATOR, operator);
        vm.prank(admin);
        acl.grantRole(OGCRRoles.REGISTRY_OPERATOR, stranger);
        vm.assertTrue(acl.hasRole(OGCRRoles.REGISTRY_OPERATOR, stranger));
        vm.prank(admin);
        acl.beginDefaultAdminTransfer(nominee);
        (address pending,) = acl.pendingDefaultAdmin();
        vm.assertEq(pending, nominee);
    }

    function test_pause_checkedBeforeRole() public {
        // While paused every caller sees OGCRPaused, authorised or not.
        _pause();
        vm.expectRevert(AuthorityGated.OGCRPaused.selector);
        vm.prank(stranger);
        projects.registerProject(PID, bytes32(uint256(1)), "", "", "");
        vm.expectRevert(AuthorityGated.OGCRPaused.selector);
        vm.prank(stranger);
        mrv.verifyReport(1, true, 1, bytes32(uint256(1)));
        vm.expectRevert(AuthorityGated.OGCRPaused.selector);
        vm.prank(stranger);
        cru.issue(_issueParams(1, 1));
    }

    // ---------------------------------------------------------------- pause reach: ProjectRegistry

    function test_registerProject_whenPaused_reverts() public {
        _pause();
        vm.expectRevert(AuthorityGated.OGCRPaused.selector);
        vm.prank(developer);
        projects.registerProject(PID, bytes32(uint256(1)), "uri", "", "");
        _unpause();
        _register(PID);
        vm.assertEq(projects.projectIdOf(keccak256(bytes(PID))), PID);
    }

    function test_revisePDD_whenPaused_reverts() public {
        _register(PID);
        _pause();
        vm.expectRevert(AuthorityGated.OGCRPaused.selector);
        vm.prank(developer);
        projects.revisePDD(PID, bytes32(uint256(2)), "uri2");
        _unpause();
        vm.prank(developer);
        projects.revisePDD(PID, bytes32(uint256(2)), "uri2");
        vm.assertEq(projects.getProject(PID).version, 2);
    }

    function test_submitProject_whenPaused_reverts() public {
        _register(PID);
        _pause();
        vm.expectRevert(AuthorityGated.OGCRPaused.selector);
        vm.prank(developer);
        projects.submitProject(PID);
        _unpause();
        vm.prank(developer);
        projects.submitProject(PID);
        vm.assertEq(
            uint256(projects.getProject(PID).status), uint256(IProjectRegistry.ProjectStatus.Submitted)
        );
    }

    function _submittedProject() internal {
        _register(PID);
        vm.prank(developer);
        projects.submitProject(PID);
    }

    function test_startReview_whenPaused_reverts() public {
        _submittedProject();
        _pause();
        vm.expectRevert(AuthorityGated.OGCRPaused.selector);
        vm.prank(validator);
        projects.startReview(PID);
        _unpause();
        vm.prank(validator);
        projects.startReview(PID);
        vm.assertEq(
            uint256(projects.getProject(PID).status), uint256(IProjectRegistry.ProjectStatus.UnderReview)
        );
    }

    function test_validateProject_whenPaused_reverts() public {
        _submittedProject();
        _pause();
        vm.expectRevert(AuthorityGated.OGCRPaused.selector);
        vm.prank(validator);
        projects.validateProject(PID, bytes32(uint256(1)), "ok", Y2024, Y2034);
        _unpause();
        vm.prank(validator);
        projects.validateProject(PID, bytes32(uint256(1)), "ok", Y2024, Y2034);
        vm.assertEq(
            uint256(projects.getProject(PID).status), uint256(IProjectRegistry.ProjectStatus.Validated)
        );
    }

    function test_rejectProject_whenPaused_reverts() public {
        _submittedProject();
        _pause();
        vm.expectRevert(AuthorityGated.OGCRPaused.selector);
        vm.prank(validator);
        projects.rejectProject(PID, bytes32(uint256(1)), "no");
        _unpause();
        vm.prank(validator);
        projects.rejectProject(PID, bytes32(uint256(1)), "no");
        vm.assertEq(
            uint256(projects.getProject(PID).status), uint256(IProjectRegistry.ProjectStatus.Rejected)
        );
    }

    function test_archiveProject_whenPaused_reverts() public {
        _registerAndValidate(PID);
        _pause();
        // Both archiving paths (developer, operator) are stopped.
        vm.expectRevert(AuthorityGated.OGCRPaused.selector);
        vm.prank(developer);
        projects.archiveProject(PID, "x");
        vm.expectRevert(AuthorityGated.OGCRPaused.selector);
        vm.prank(operator);
        projects.archiveProject(PID, "x");
        _unpause();
        vm.prank(operator);
        projects.archiveProject(PID, "x");
        vm.assertEq(
            uint256(projects.getProject(PID).status), uint256(IProjectRegistry.ProjectStatus.Archived)
        );
    }

    // ---------------------------------------------------------------- pause reach: MRVRegistry

    function test_submitReport_whenPaused_reverts() public {
        _registerAndValidate(PID);
        _pause();
        IMRVRegistry.ReportSubmission memory s = _submission(PID, Y2024, H2_2024);
        vm.expectRevert(AuthorityGated.OGCRPaused.selector);
        vm.prank(developer);
        mrv.submitReport(s, 0);
        _unpause();
        vm.prank(developer);
        uint64 id = mrv.submitReport(s, 0);
        vm.assertEq(id, 1);
    }

    function test_verifyReport_whenPaused_reverts() public {
        _registerAndValidate(PID);
        uint64 id = _submit(PID, Y2024, H2_2024);
        _pause();
        vm.expectRevert(AuthorityGated.OGCRPaused.selector);
        vm.prank(verifier);
        mrv.verifyReport(id, true, 1000, bytes32(uint256(2)));
        _unpause();
        _verify(id, 1000);
        vm.assertEq(uint256(mrv.getReport(id).status), uint256(IMRVRegistry.MRVStatus.Verified));
    }

    function test_verifyWithAttestation_whenPaused_reverts() public {
        _registerAndValidate(PID);
        uint64 id = _submit(PID, Y2024, H2_2024);
        IMRVRegistry.MRVAttestation memory a = _attestation(id, "verified", 1_250_500);
        bytes memory sig = _sign(VERIFIER_KEY, a);
        _pause();
        vm.expectRevert(AuthorityGated.OGCRPaused.selector);
        vm.prank(stranger);
        mrv.verifyWithAttestation(id, a, verifier, sig);
        vm.assertFalse(mrv.attestationUsed(mrv.attestationDigest(a)));
        _unpause();
        vm.prank(stranger);
        mrv.verifyWithAttestation(id, a, verifier, sig);
        vm.assertEq(uint256(mrv.getReport(id).status), uint256(IMRVRegistry.MRVStatus.Verified));
    }

    // ---------------------------------------------------------------- pause reach: CarbonRemovalUnit

    function test_issue_whenPaused_reverts() public {
        uint64 mrvId = _verifiedReport(1_250_500);
        _pause();
        ICarbonRemovalUnit.IssueParams memory p = _issueParams(mrvId, 1000);
        vm.expectRevert(AuthorityGated.OGCRPaused.selector);
        vm.prank(operator);
        cru.issue(p);
        _unpause();
        uint256 id = _issue(mrvId, 1000);
        vm.assertEq(cru.ownerOf(id), holder);
    }

    function _issuedToken() internal returns (uint256 tokenId) {
        tokenId = _issue(_verifiedReport(1_250_500), 1000);
    }

    function test_split_whenPaused_reverts() public {
        uint256 id = _issuedToken();
        _pause();
        vm.expectRevert(AuthorityGated.OGCRPaused.selector);
        vm.prank(holder);
        cru.split(id, 10);
        _unpause();
        vm.prank(holder);
        uint256 part = cru.split(id, 10);
        vm.assertEq(cru.unitOf(part).amount, 10);
    }

    function test_retire_whenPaused_reverts() public {
        uint256 id = _issuedToken();
        _pause();
        ICarbonRemovalUnit.RetirementInfo memory info = _retirement();
        vm.expectRevert(AuthorityGated.OGCRPaused.selector);
        vm.prank(holder);
        cru.retire(id, 1000, info);
        _unpause();
        vm.prank(holder);
        cru.retire(id, 1000, info);
        vm.assertEq(uint256(cru.unitOf(id).status), uint256(ICarbonRemovalUnit.UnitStatus.Retired));
    }

    function test_retireBatch_whenPaused_reverts() public {
        uint256 id = _issuedToken();
        uint256[] memory ids = new uint256[](1);
        ids[0] = id;
        ICarbonRemovalUnit.RetirementInfo memory info = _retirement();
        _pause();
        vm.expectRevert(AuthorityGated.OGCRPaused.selector);
        vm.prank(holder);
        cru.retireBatch(ids, info);
        // Even an empty batch is refused.
        vm.expectRevert(AuthorityGated.OGCRPaused.selector);
        vm.prank(holder);
        cru.retireBatch(new uint256[](0), info);
        _unpause();
        vm.prank(holder);
        cru.retireBatch(ids, info);
        vm.assertEq(uint256(cru.unitOf(id).status), uint256(ICarbonRemovalUnit.UnitStatus.Retired));
    }

    function test_cancel_whenPaused_reverts() public {
        uint256 id = _issuedToken();
        _pause();
        vm.expectRevert(AuthorityGated.OGCRPaused.selector);
        vm.prank(operator);
        cru.cancel(id, 1000, "reversal");
        _unpause();
        vm.prank(operator);
        cru.cancel(id, 1000, "reversal");
        vm.assertEq(uint256(cru.unitOf(id).status), uint256(ICarbonRemovalUnit.UnitStatus.Cancelled));
    }

    function test_setLabels_whenPaused_reverts() public {
        uint256 id = _issuedToken();
        _pause();
        vm.expectRevert(AuthorityGated.OGCRPaused.selector);
        vm.prank(operator);
        cru.setLabels(id, 1, "");
        _unpause();
        vm.prank(operator);
        cru.setLabels(id, 1, "");
        vm.assertEq(cru.unitOf(id).labels, 1);
    }

    // ---------------------------------------------------------------- what the pause does not cover

    /// @dev Documented design (CarbonRemovalUnit @dev): holder transfers are not subject to the
    ///      registry pause; the pause covers registry operations only.
    function test_transfers_whenPaused_stillWork() public {
        uint256 id = _issuedToken();
        vm.prank(holder);
        uint256 second = cru.split(id, 100);
        vm.prank(holder);
        uint256 third = cru.split(id, 100);
        _pause();

        vm.prank(holder);
        cru.transferFrom(holder, stranger, id);
        vm.assertEq(cru.ownerOf(id), stranger);

        vm.prank(holder);
        cru.safeTransferFrom(holder, stranger, second);
        vm.assertEq(cru.ownerOf(second), stranger);

        vm.prank(holder);
        cru.safeTransferFrom(holder, stranger, third, "memo");
        vm.assertEq(cru.ownerOf(third), stranger);

        vm.prank(stranger);
        cru.approve(holder, id);
        vm.assertEq(cru.getApproved(id), holder);
        vm.prank(holder);
        cru.transferFrom(stranger, holder, id);
        vm.assertEq(cru.ownerOf(id), holder);

        vm.prank(stranger);
        cru.setApprovalForAll(operator, true);
        vm.assertTrue(cru.isApprovedForAll(stranger, operator));
        vm.prank(operator);
        cru.transferFrom(stranger, bufferPool, second);
        vm.assertEq(cru.ownerOf(second), bufferPool);
        vm.assertTrue(acl.paused());
    }

    function test_transfers_whenPaused_retiredStillLocked() public {
        uint256 id = _issuedToken();
        vm.prank(holder);
        uint256 retired = cru.retire(id, 10, _retirement());
        _pause();
        vm.expectRevert(abi.encodeWithSelector(ICarbonRemovalUnit.CRUNonTransferable.selector, retired));
        vm.prank(holder);
        cru.transferFrom(holder, stranger, retired);
    }

    function test_views_whenPaused_stillWork() public {
        uint256 id = _issuedToken();
        _pause();
        vm.assertEq(
            uint256(projects.getProject(PID).status), uint256(IProjectRegistry.ProjectStatus.Validated)
        );
        vm.assertEq(uint256(mrv.getReport(1).status), uint256(IMRVRegistry.MRVStatus.Verified));
        vm.assertEq(cru.unitOf(id).amount, 1000);
        vm.assertTrue(bytes(cru.tokenURI(id)).length > 0);
    }
}
