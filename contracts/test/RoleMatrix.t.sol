// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ICarbonRemovalUnit} from "../src/interfaces/ICarbonRemovalUnit.sol";
import {IMRVRegistry} from "../src/interfaces/IMRVRegistry.sol";
import {IOGCRAccessControl} from "../src/interfaces/IOGCRAccessControl.sol";
import {IProjectRegistry} from "../src/interfaces/IProjectRegistry.sol";
import {OGCRRoles} from "../src/libraries/OGCRRoles.sol";
import {AuthorityGated} from "../src/utils/AuthorityGated.sol";
import {OGCRTest} from "./utils/OGCRTest.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {
    IAccessControlDefaultAdminRules
} from "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

/// @notice One table of every state-changing function of the four contracts, called by every
///         kind of actor: a call not allowed must revert with the exact authorization error for
///         that actor, an allowed call must succeed from the same starting state (OGCR §5.2:
///         "Access to state-changing functions MUST be restricted to authorized roles").
contract RoleMatrixTest is OGCRTest {
    /// @dev One function of the table. `data` builds the calldata for an actor, `denied` the
    ///      exact revert data an actor outside `allowed` must get, `prepare` runs first (as needed).
    struct Row {
        string label;
        address target;
        function(address) internal view returns (bytes memory) data;
        uint256 allowed;
        function(address) internal view returns (bytes memory) denied;
        function() internal prepare;
    }

    // Actors (bit i of `allowed` = actors[i]).
    uint256 internal constant DEV = 1 << 0; // developer of every project below
    uint256 internal constant DEV2 = 1 << 1; // DEVELOPER role, owns none of them
    uint256 internal constant VAL = 1 << 2;
    uint256 internal constant VER = 1 << 3;
    uint256 internal constant OP = 1 << 4;
    uint256 internal constant ADM = 1 << 5;
    uint256 internal constant HOLD = 1 << 6; // holds the CRU tokens, no role
    uint256 internal constant NOMINEE = 1 << 7; // nominated administrator, no role
    uint256 internal constant STRANGER = 1 << 8; // nothing at all
    uint256 internal constant EVERYONE = (1 << 9) - 1;
    uint256 internal constant ACTORS = 9;

    string internal constant DRAFT = "OGCR-DRAFT";
    string internal constant SUBMITTED = "OGCR-SUBMITTED";
    string internal constant NEW_ID = "OGCR-NEW";

    address internal developer2 = address(0xD2);
    address internal nominee = address(0x4E);
    address internal grantee = address(0x6A);

    uint64 internal verifiedMrv;
    uint64 internal pendingMrv;
    uint256 internal tokenA;
    uint256 internal tokenB;
    bytes internal attestationSig;

    function setUp() public override {
        super.setUp();
        vm.prank(admin);
        acl.grantRole(OGCRRoles.DEVELOPER, developer2);

        // PID validated; one verified report with 1000 + 100 t issued to `holder`, one pending report.
        verifiedMrv = _verifiedReport(1_250_500);
        tokenA = _issue(verifiedMrv, 1000);
        tokenB = _issue(verifiedMrv, 100);
        pendingMrv = _submit(PID, H2_2024, Y2025);
        attestationSig = _signAttestation(_attestation());

        _register(DRAFT);
        _register(SUBMITTED);
        vm.prank(developer);
        projects.submitProject(SUBMITTED);
    }

    // ---------------------------------------------------------------- the test

    function test_roleMatrix_everyFunctionEveryActor() public {
        Row[] memory rows = _table();
        address[ACTORS] memory actors =
            [developer, developer2, validator, verifier, operator, admin, holder, nominee, stranger];
        string[ACTORS] memory names = [
            "developer",
            "developer2",
            "validator",
            "verifier",
            "operator",
            "admin",
            "holder",
            "nominee",
            "stranger"
        ];

        uint256 allowedCells;
        uint256 deniedCells;
        for (uint256 r; r < rows.length; ++r) {
            Row memory row = rows[r];
            uint256 allowedInRow;
            for (uint256 a; a < ACTORS; ++a) {
                uint256 snap = vm.snapshotState();
                row.prepare();
                bytes memory data = row.data(actors[a]);
                bool allowed = row.allowed & (1 << a) != 0;
                bytes memory expected = allowed ? bytes("") : row.denied(actors[a]);
                string memory cell = string.concat(row.label, " by ", names[a]);

                vm.prank(actors[a]);
                (bool ok, bytes memory ret) = row.target.call(data);

                if (allowed) {
                    vm.assertTrue(ok, string.concat(cell, ": allowed call failed"));
                    ++allowedCells;
                    ++allowedInRow;
                } else {
                    vm.assertFalse(ok, string.concat(cell, ": call should have been refused"));
                    vm.assertEq(ret, expected, string.concat(cell, ": wrong authorization error"));
                    ++deniedCells;
                }
                vm.assertTrue(vm.revertToState(snap), "revertToState");
                vm.warp(NOW);
            }
            vm.assertGt(allowedInRow, 0);
        }
        vm.assertEq(rows.length, 32, "every state-changing function has a row");
        vm.assertEq(allowedCells + deniedCells, rows.length * ACTORS);
        vm.assertEq(allowedCells, 51, "allowed cells");
    }

    // ---------------------------------------------------------------- the table

    function _table() internal view returns (Row[] memory rows) {
        rows = new Row[](32);
        uint256 i;
        address a = address(acl);
        address p = address(projects);
        address m = address(mrv);
        address c = address(cru);

        // OGCRAccessControl
        rows[i++] = Row("grantRole", a, _grantRole, ADM, _deniedAdmin, _none);
        rows[i++] = Row("revokeRole", a, _revokeRole, ADM, _deniedAdmin, _none);
        rows[i++] = Row("renounceRole(developer's)", a, _renounceRole, DEV, _deniedBadConfirmation, _none);
        rows[i++] = Row("beginDefaultAdminTransfer", a, _beginTransfer, ADM, _deniedAdmin, _none);
        rows[i++] = Row("cancelDefaultAdminTransfer", a, _cancelTransfer, ADM, _deniedAdmin, _nominate);
        rows[i++] = Row(
            "acceptDefaultAdminTransfer", a, _acceptTransfer, NOMINEE, _deniedNotNominee, _nominateAndWait
        );
        rows[i++] = Row("changeDefaultAdminDelay", a, _changeDelay, ADM, _deniedAdmin, _none);
        rows[i++] = Row("rollbackDefaultAdminDelay", a, _rollbackDelay, ADM, _deniedAdmin, _scheduleDelay);
        rows[i++] = Row("pause", a, _pauseCall, ADM | OP, _deniedPauser, _none);
        rows[i++] = Row("unpause", a, _unpauseCall, ADM, _deniedAdmin, _pauseFirst);

        // ProjectRegistry
        rows[i++] = Row("registerProject", p, _registerProject, DEV | DEV2, _deniedDeveloper, _none);
        rows[i++] = Row("revisePDD", p, _revisePDD, DEV, _deniedProjectDeveloper, _none);
        rows[i++] = Row("submitProject", p, _submitProject, DEV, _deniedProjectDeveloper, _none);
        rows[i++] = Row("startReview", p, _startReview, VAL, _deniedValidator, _none);
        rows[i++] = Row("validateProject", p, _validateProject, VAL, _deniedValidator, _none);
        rows[i++] = Row("rejectProject", p, _rejectProject, VAL, _deniedValidator, _none);
        rows[i++] = Row("archiveProject", p, _archiveProject, DEV | OP, _deniedOperator, _none);

        // MRVRegistry
        rows[i++] = Row("submitReport", m, _submitReport, DEV, _deniedReportDeveloper, _none);
        rows[i++] = Row("verifyReport", m, _verifyReport, VER, _deniedVerifier, _none);
        rows[i++] = Row("verifyWithAttestation(signer)", m, _attestAsActor, VER, _deniedVerifier, _none);
        rows[i++] = Row("verifyWithAttestation(relayer)", m, _attestRelayed, EVERYONE, _deniedNothing, _none);

        // CarbonRemovalUnit
        rows[i++] = Row("issue", c, _issueCall, OP, _deniedOperator, _none);
        rows[i++] = Row("split", c, _split, HOLD, _deniedHolder, _none);
        rows[i++] = Row("retire", c, _retire, HOLD, _deniedHolder, _none);
        rows[i++] = Row("retireBatch", c, _retireBatch, HOLD, _deniedHolder, _none);
        rows[i++] = Row("cancel", c, _cancel, OP, _deniedOperator, _none);
        rows[i++] = Row("setLabels", c, _setLabels, OP, _deniedOperator, _none);
        rows[i++] = Row("transferFrom", c, _transferFrom, HOLD, _deniedErc721Spender, _none);
        rows[i++] = Row("safeTransferFrom", c, _safeTransferFrom, HOLD, _deniedErc721Spender, _none);
        rows[i++] = Row("safeTransferFrom(data)", c, _safeTransferFromData, HOLD, _deniedErc721Spender, _none);
        rows[i++] = Row("approve", c, _approve, HOLD, _deniedErc721Approver, _none);
        rows[i++] = Row("setApprovalForAll", c, _setApprovalForAll, EVERYONE, _deniedNothing, _none);
        vm.assertEq(i, rows.length);
    }

    // ---------------------------------------------------------------- calldata builders

    function _grantRole(address) internal pure returns (bytes memory) {
        return abi.encodeCall(IAccessControl.grantRole, (OGCRRoles.VALIDATOR, address(0x6A)));
    }

    function _revokeRole(address) internal view returns (bytes memory) {
        return abi.encodeCall(IAccessControl.revokeRole, (OGCRRoles.DEVELOPER, developer2));
    }

    function _renounceRole(address) internal view returns (bytes memory) {
        // Everyone tries to renounce the developer's role on the developer's behalf.
        return abi.encodeCall(IAccessControl.renounceRole, (OGCRRoles.DEVELOPER, developer));
    }

    function _beginTransfer(address) internal view returns (bytes memory) {
        return abi.encodeCall(IAccessControlDefaultAdminRules.beginDefaultAdminTransfer, (nominee));
    }

    function _cancelTransfer(address) internal pure returns (bytes memory) {
        return abi.encodeCall(IAccessControlDefaultAdminRules.cancelDefaultAdminTransfer, ());
    }

    function _acceptTransfer(address) internal pure returns (bytes memory) {
        return abi.encodeCall(IAccessControlDefaultAdminRules.acceptDefaultAdminTransfer, ());
    }

    function _changeDelay(address) internal pure returns (bytes memory) {
        return abi.encodeCall(IAccessControlDefaultAdminRules.changeDefaultAdminDelay, (1 days));
    }

    function _rollbackDelay(address) internal pure returns (bytes memory) {
        return abi.encodeCall(IAccessControlDefaultAdminRules.rollbackDefaultAdminDelay, ());
    }

    function _pauseCall(address) internal pure returns (bytes memory) {
        return abi.encodeCall(IOGCRAccessControl.pause, ());
    }

    function _unpauseCall(address) internal pure returns (bytes memory) {
        return abi.encodeCall(IOGCRAccessControl.unpause, ());
    }

    function _registerProject(address) internal pure returns (bytes memory) {
        return abi.encodeCall(
            IProjectRegistry.registerProject, (NEW_ID, keccak256("pdd"), "ipfs://pdd", "Verra", "VCS-9")
        );
    }

    function _revisePDD(address) internal pure returns (bytes memory) {
        return abi.encodeCall(IProjectRegistry.revisePDD, (DRAFT, keccak256("pdd v2"), "ipfs://pdd-v2"));
    }

    function _submitProject(address) internal pure returns (bytes memory) {
        return abi.encodeCall(IProjectRegistry.submitProject, (DRAFT));
    }

    function _startReview(address) internal pure returns (bytes memory) {
        return abi.encodeCall(IProjectRegistry.startReview, (SUBMITTED));
    }

    function _validateProject(address) internal pure returns (bytes memory) {
        return abi.encodeCall(
            IProjectRegistry.validateProject, (SUBMITTED, keccak256("report"), "ok", Y2024, Y2034)
        );
    }

    function _rejectProject(address) internal pure returns (bytes memory) {
        return abi.encodeCall(IProjectRegistry.rejectProject, (SUBMITTED, keccak256("report"), "no"));
    }

    function _archiveProject(address) internal pure returns (bytes memory) {
        return abi.encodeCall(IProjectRegistry.archiveProject, (PID, "end of crediting"));
    }

    function _submitReport(address) internal view returns (bytes memory) {
        return abi.encodeCall(IMRVRegistry.submitReport, (_submission(PID, Y2025, NOW), pendingMrv));
    }

    function _verifyReport(address) internal view returns (bytes memory) {
        return
            abi.encodeCall(IMRVRegistry.verifyReport, (pendingMrv, true, 500_000, keccak256("verification")));
    }

    function _attestAsActor(address actor) internal view returns (bytes memory) {
        // The actor relays and claims to be the signer; the signer must hold VERIFIER.
        return abi.encodeCall(
            IMRVRegistry.verifyWithAttestation, (pendingMrv, _attestation(), actor, attestationSig)
        );
    }

    function _attestRelayed(address) internal view returns (bytes memory) {
        // Anyone may relay the real verifier's signature.
        return abi.encodeCall(
            IMRVRegistry.verifyWithAttestation, (pendingMrv, _attestation(), verifier, attestationSig)
        );
    }

    function _issueCall(address) internal view returns (bytes memory) {
        return abi.encodeCall(ICarbonRemovalUnit.issue, (_issueParams(verifiedMrv, 100)));
    }

    function _split(address) internal view returns (bytes memory) {
        return abi.encodeCall(ICarbonRemovalUnit.split, (tokenA, 10));
    }

    function _retire(address) internal view returns (bytes memory) {
        return abi.encodeCall(ICarbonRemovalUnit.retire, (tokenA, 10, _retirement()));
    }

    function _retireBatch(address) internal view returns (bytes memory) {
        uint256[] memory ids = new uint256[](2);
        ids[0] = tokenA;
        ids[1] = tokenB;
        return abi.encodeCall(ICarbonRemovalUnit.retireBatch, (ids, _retirement()));
    }

    function _cancel(address) internal view returns (bytes memory) {
        return abi.encodeCall(ICarbonRemovalUnit.cancel, (tokenA, 10, "reversal"));
    }

    function _setLabels(address) internal view returns (bytes memory) {
        return abi.encodeCall(ICarbonRemovalUnit.setLabels, (tokenA, 3, "ITMO-CH-GH-2025-0001"));
    }

    function _transferFrom(address) internal view returns (bytes memory) {
        return abi.encodeCall(IERC721.transferFrom, (holder, bufferPool, tokenA));
    }

    function _safeTransferFrom(address) internal view returns (bytes memory) {
        return
            abi.encodeWithSignature("safeTransferFrom(address,address,uint256)", holder, bufferPool, tokenA);
    }

    function _safeTransferFromData(address) internal view returns (bytes memory) {
        return abi.encodeWithSignature(
            "safeTransferFrom(address,address,uint256,bytes)", holder, bufferPool, tokenA, bytes("memo")
        );
    }

    function _approve(address) internal view returns (bytes memory) {
        return abi.encodeCall(IERC721.approve, (bufferPool, tokenA));
    }

    function _setApprovalForAll(address) internal view returns (bytes memory) {
        return abi.encodeCall(IERC721.setApprovalForAll, (bufferPool, true));
    }

    // ---------------------------------------------------------------- expected refusals

    function _unauthorized(address actor, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(AuthorityGated.OGCRUnauthorized.selector, actor, role);
    }

    function _deniedDeveloper(address actor) internal pure returns (bytes memory) {
        return _unauthorized(actor, OGCRRoles.DEVELOPER);
    }

    function _deniedValidator(address actor) internal pure returns (bytes memory) {
        return _unauthorized(actor, OGCRRoles.VALIDATOR);
    }

    function _deniedVerifier(address actor) internal pure returns (bytes memory) {
        return _unauthorized(actor, OGCRRoles.VERIFIER);
    }

    function _deniedOperator(address actor) internal pure returns (bytes memory) {
        return _unauthorized(actor, OGCRRoles.REGISTRY_OPERATOR);
    }

    /// @dev Owner-gated project functions: another developer is told it is not theirs.
    function _deniedProjectDeveloper(address actor) internal view returns (bytes memory) {
        if (actor == developer2) {
            return abi.encodeWithSelector(IProjectRegistry.ProjectRegistryNotDeveloper.selector, DRAFT, actor);
        }
        return _unauthorized(actor, OGCRRoles.DEVELOPER);
    }

    function _deniedReportDeveloper(address actor) internal view returns (bytes memory) {
        if (actor == developer2) {
            return abi.encodeWithSelector(IMRVRegistry.MRVRegistryNotProjectDeveloper.selector, PID, actor);
        }
        return _unauthorized(actor, OGCRRoles.DEVELOPER);
    }

    function _deniedAdmin(address actor) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(
            IAccessControl.AccessControlUnauthorizedAccount.selector, actor, OGCRRoles.ADMINISTRATOR
        );
    }

    function _deniedBadConfirmation(address) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlBadConfirmation.selector);
    }

    function _deniedNotNominee(address actor) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(
            IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, actor
        );
    }

    function _deniedPauser(address actor) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IOGCRAccessControl.OGCRAccessControlNotPauser.selector, actor);
    }

    function _deniedHolder(address actor) internal view returns (bytes memory) {
        return abi.encodeWithSelector(ICarbonRemovalUnit.CRUNotOwnerOrApproved.selector, tokenA, actor);
    }

    function _deniedErc721Spender(address actor) internal view returns (bytes memory) {
        return abi.encodeWithSelector(IERC721Errors.ERC721InsufficientApproval.selector, actor, tokenA);
    }

    function _deniedErc721Approver(address actor) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IERC721Errors.ERC721InvalidApprover.selector, actor);
    }

    function _deniedNothing(address) internal pure returns (bytes memory) {
        revert("no actor is refused");
    }

    // ---------------------------------------------------------------- preparations

    function _none() internal {}

    function _nominate() internal {
        vm.prank(admin);
        acl.beginDefaultAdminTransfer(nominee);
    }

    function _nominateAndWait() internal {
        _nominate();
        vm.warp(NOW + ADMIN_DELAY + 1);
    }

    function _scheduleDelay() internal {
        vm.prank(admin);
        acl.changeDefaultAdminDelay(1 days);
    }

    function _pauseFirst() internal {
        vm.prank(admin);
        acl.pause();
    }

    // ---------------------------------------------------------------- attestation

    function _attestation() internal pure returns (IMRVRegistry.MRVAttestation memory) {
        return IMRVRegistry.MRVAttestation({
            verifierId: "VVB-0001",
            scope: IMRVRegistry.AttestationScope({
                projectId: PID, methodologyVersion: "VM0047 v1.0", reportingPeriod: "2024-07-01/2025-01-01"
            }),
            commitmentHash: _submission(PID, H2_2024, Y2025).datasetCommitment,
            outcome: "verified",
            attestedAt: "2025-07-01T00:00:00Z",
            verifiedAmountKg: 500_000,
            verificationReportHash: keccak256("verification")
        });
    }

    function _signAttestation(IMRVRegistry.MRVAttestation memory att) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(VERIFIER_KEY, mrv.attestationDigest(att));
        return abi.encodePacked(r, s, v);
    }
}
