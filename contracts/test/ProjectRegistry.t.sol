// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IProjectRegistry} from "../src/interfaces/IProjectRegistry.sol";
import {OGCRRoles} from "../src/libraries/OGCRRoles.sol";
import {AuthorityGated} from "../src/utils/AuthorityGated.sol";
import {OGCRTest} from "./utils/OGCRTest.sol";
import {Vm} from "./utils/Vm.sol";

/// @notice ProjectRegistry: id rules, registration, external references, the lifecycle table,
///         conflict-of-interest rules, events and views (OGCR §5.2.1).
contract ProjectRegistryTest is OGCRTest {
    string internal constant OTHER = "OGCR-BR-0002";
    bytes32 internal constant HASH_V1 = keccak256("pdd v1");
    bytes32 internal constant HASH_V2 = keccak256("pdd v2");
    bytes32 internal constant REPORT = keccak256("validation report");
    string internal constant URI_V1 = "ipfs://pdd-v1";
    string internal constant URI_V2 = "ipfs://pdd-v2";

    /// @dev A second developer, who does not own the projects below.
    address internal developer2 = address(0xD2);
    /// @dev Holds DEVELOPER and VALIDATOR (conflict-of-interest cases).
    address internal dual = address(0xD7);

    function setUp() public override {
        super.setUp();
        vm.startPrank(admin);
        acl.grantRole(OGCRRoles.DEVELOPER, developer2);
        acl.grantRole(OGCRRoles.DEVELOPER, dual);
        acl.grantRole(OGCRRoles.VALIDATOR, dual);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- helpers

    function _key(string memory id) internal pure returns (bytes32) {
        return keccak256(bytes(id));
    }

    function _registerV1(string memory id) internal returns (bytes32 key) {
        vm.prank(developer);
        key = projects.registerProject(id, HASH_V1, URI_V1, "", "");
    }

    function _registerExt(string memory id, string memory reg, string memory extId)
        internal
        returns (bytes32)
    {
        vm.prank(developer);
        return projects.registerProject(id, HASH_V1, URI_V1, reg, extId);
    }

    function _submitted(string memory id) internal {
        _registerV1(id);
        vm.prank(developer);
        projects.submitProject(id);
    }

    function _underReview(string memory id) internal {
        _submitted(id);
        vm.prank(validator);
        projects.startReview(id);
    }

    function _validated(string memory id) internal {
        _submitted(id);
        vm.prank(validator);
        projects.validateProject(id, REPORT, "ok", Y2024, Y2034);
    }

    function _rejected(string memory id) internal {
        _submitted(id);
        vm.prank(validator);
        projects.rejectProject(id, REPORT, "additionality not shown");
    }

    function _archived(string memory id) internal {
        _validated(id);
        vm.prank(developer);
        projects.archiveProject(id, "ended");
    }

    function _status(string memory id) internal view returns (IProjectRegistry.ProjectStatus) {
        return projects.getProject(id).status;
    }

    function _assertStatus(string memory id, IProjectRegistry.ProjectStatus expected) internal view {
        vm.assertEq(uint256(_status(id)), uint256(expected), "status");
    }

    function _invalidTransition(
        string memory id,
        IProjectRegistry.ProjectStatus current,
        IProjectRegistry.ProjectStatus requested
    ) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(
            IProjectRegistry.ProjectRegistryInvalidTransition.selector, id, current, requested
        );
    }

    function _badId(string memory id) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IProjectRegistry.ProjectRegistryInvalidProjectId.selector, id);
    }

    function _unauthorized(address account, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(AuthorityGated.OGCRUnauthorized.selector, account, role);
    }

    function _repeat(bytes1 c, uint256 n) internal pure returns (string memory) {
        bytes memory b = new bytes(n);
        for (uint256 i; i < n; ++i) {
            b[i] = c;
        }
        return string(b);
    }

    /// @dev Reference predicate for project ids: 1..100 bytes, each in [A-Za-z0-9_-].
    function _isValidId(bytes memory b) internal pure returns (bool) {
        if (b.length == 0 || b.length > 100) return false;
        for (uint256 i; i < b.length; ++i) {
            uint8 c = uint8(b[i]);
            bool ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39)
                || c == 0x5f || c == 0x2d;
            if (!ok) return false;
        }
        return true;
    }

    // ---------------------------------------------------------------- registerProject

    function test_registerProject_storesProject() public {
        bytes32 key = _registerExt(PID, "Verra", "VCS-1234");
        vm.assertEq(key, _key(PID));

        IProjectRegistry.ProjectView memory v = projects.getProject(PID);
        vm.assertEq(v.projectId, PID);
        vm.assertEq(v.developer, developer);
        vm.assertEq(uint256(v.status), uint256(IProjectRegistry.ProjectStatus.Draft));
        vm.assertEq(v.version, 1);
        vm.assertEq(v.pddHash, HASH_V1);
        vm.assertEq(v.pddUri, URI_V1);
        vm.assertEq(v.externalRefKey, projects.externalRefKey("Verra", "VCS-1234"));
        vm.assertEq(v.registeredAt, NOW);
        vm.assertEq(v.creditingStart, 0);
        vm.assertEq(v.creditingEnd, 0);
        vm.assertEq(v.validatedAt, 0);
    }

    function test_registerProject_emitsRegisteredAndStatusChanged() public {
        bytes32 key = _key(PID);
        vm.expectEmit(address(projects));
        emit IProjectRegistry.PDDRegistered(key, developer, PID, HASH_V1, URI_V1, "Verra", "VCS-1", NOW);
        vm.expectEmit(address(projects));
        emit IProjectRegistry.ProjectStatusChanged(
            key, developer, IProjectRegistry.ProjectStatus.None, IProjectRegistry.ProjectStatus.Draft, NOW
        );
        _registerExt(PID, "Verra", "VCS-1");
    }

    function test_registerProject_withoutExternalRef_emitsEmptyStrings() public {
        vm.expectEmit(address(projects));
        emit IProjectRegistry.PDDRegistered(_key(PID), developer, PID, HASH_V1, URI_V1, "", "", NOW);
        _registerV1(PID);
        vm.assertEq(projects.getProject(PID).externalRefKey, bytes32(0));
    }

    function test_registerProject_notDeveloper_reverts() public {
        address[4] memory others = [validator, verifier, operator, admin];
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(_unauthorized(others[i], OGCRRoles.DEVELOPER));
            vm.prank(others[i]);
            projects.registerProject(PID, HASH_V1, URI_V1, "", "");
        }
        vm.expectRevert(_unauthorized(stranger, OGCRRoles.DEVELOPER));
        vm.prank(stranger);
        projects.registerProject(PID, HASH_V1, URI_V1, "", "");
    }

    function test_registerProject_revokedDeveloper_reverts() public {
        vm.prank(admin);
        acl.revokeRole(OGCRRoles.DEVELOPER, developer);
        vm.expectRevert(_unauthorized(developer, OGCRRoles.DEVELOPER));
        vm.prank(developer);
        projects.registerProject(PID, HASH_V1, URI_V1, "", "");
    }

    function test_registerProject_emptyId_reverts() public {
        vm.expectRevert(_badId(""));
        vm.prank(developer);
        projects.registerProject("", HASH_V1, URI_V1, "", "");
    }

    function test_registerProject_101Chars_reverts() public {
        string memory id = _repeat("a", 101);
        vm.expectRevert(_badId(id));
        vm.prank(developer);
        projects.registerProject(id, HASH_V1, URI_V1, "", "");
    }

    function test_registerProject_100Chars_succeeds() public {
        string memory id = _repeat("Z", 100);
        _registerV1(id);
        vm.assertEq(projects.getProject(id).projectId, id);
    }

    function test_registerProject_oneChar_succeeds() public {
        _registerV1("a");
        _registerV1("-");
        _registerV1("_");
        _registerV1("9");
        _assertStatus("_", IProjectRegistry.ProjectStatus.Draft);
    }

    function test_registerProject_fullCharset_succeeds() public {
        string memory id = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
        _registerV1(id);
        _registerV1("a-Z_09");
        vm.assertEq(projects.projectIdOf(_key(id)), id);
        vm.assertEq(projects.projectIdOf(_key("a-Z_09")), "a-Z_09");
    }

    function test_registerProject_badCharacters_revert() public {
        string[14] memory bad = [
            "OGCR BR",
            "OGCR.BR",
            unicode"OGCR-BRé",
            unicode"ΩGCR",
            "a/b",
            "a\\b",
            "a:b",
            "a@b",
            "a+b",
            "a\"b",
            "a\x00b",
            "\t",
            "a~",
            "`"
        ];
        for (uint256 i; i < bad.length; ++i) {
            vm.expectRevert(_badId(bad[i]));
            vm.prank(developer);
            projects.registerProject(bad[i], HASH_V1, URI_V1, "", "");
        }
    }

    function test_registerProject_boundaryAsciiNeighbours_revert() public {
        // The bytes right outside each accepted range: '/' ':' '@' '[' '`' '{' and ',' '.' around '-', '^' around '_'.
        bytes1[10] memory around = [bytes1(0x2f), 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x2c, 0x2e, 0x5e, 0x7f];
        for (uint256 i; i < around.length; ++i) {
            string memory id = string(abi.encodePacked("ok", around[i]));
            vm.expectRevert(_badId(id));
            vm.prank(developer);
            projects.registerProject(id, HASH_V1, URI_V1, "", "");
        }
    }

    function test_registerProject_duplicateId_reverts() public {
        _registerV1(PID);
        vm.expectRevert(abi.encodeWithSelector(IProjectRegistry.ProjectRegistryProjectExists.selector, PID));
        vm.prank(developer2);
        projects.registerProject(PID, HASH_V2, URI_V2, "", "");
    }

    function test_registerProject_duplicateIdAfterArchive_reverts() public {
        _archived(PID);
        vm.expectRevert(abi.encodeWithSelector(IProjectRegistry.ProjectRegistryProjectExists.selector, PID));
        vm.prank(developer);
        projects.registerProject(PID, HASH_V2, URI_V2, "", "");
    }

    function test_registerProject_idIsCaseSensitive() public {
        _registerV1("ogcr-br-0001");
        _registerV1("OGCR-BR-0001");
        vm.assertTrue(_key("ogcr-br-0001") != _key("OGCR-BR-0001"));
        _assertStatus("OGCR-BR-0001", IProjectRegistry.ProjectStatus.Draft);
    }

    function test_registerProject_zeroHash_reverts() public {
        vm.expectRevert(IProjectRegistry.ProjectRegistryZeroHash.selector);
        vm.prank(developer);
        projects.registerProject(PID, bytes32(0), URI_V1, "", "");
    }

    // ---------------------------------------------------------------- external references

    function test_registerProject_externalRef_recorded() public {
        bytes32 key = _registerExt(PID, "Verra", "VCS-1234");
        vm.assertEq(projects.projectByExternalRef("Verra", "VCS-1234"), key);
        vm.assertEq(projects.externalRefKey("Verra", "VCS-1234"), keccak256(abi.encode("Verra", "VCS-1234")));
    }

    function test_registerProject_externalRefTaken_reverts() public {
        bytes32 holderKey = _registerExt(PID, "Verra", "VCS-1234");
        vm.expectRevert(
            abi.encodeWithSelector(
                IProjectRegistry.ProjectRegistryExternalRefTaken.selector, "Verra", "VCS-1234", holderKey
            )
        );
        vm.prank(developer2);
        projects.registerProject(OTHER, HASH_V2, URI_V2, "Verra", "VCS-1234");
        // The failed registration left nothing behind.
        vm.assertEq(projects.projectIdOf(_key(OTHER)), "");
    }

    function test_registerProject_externalRefTakenByArchived_reverts() public {
        _registerExt(PID, "Verra", "VCS-1234");
        vm.prank(developer);
        projects.submitProject(PID);
        vm.prank(validator);
        projects.validateProject(PID, REPORT, "ok", Y2024, Y2034);
        vm.prank(operator);
        projects.archiveProject(PID, "moved");
        vm.expectRevert(
            abi.encodeWithSelector(
                IProjectRegistry.ProjectRegistryExternalRefTaken.selector, "Verra", "VCS-1234", _key(PID)
            )
        );
        vm.prank(developer);
        projects.registerProject(OTHER, HASH_V2, URI_V2, "Verra", "VCS-1234");
    }

    function test_registerProject_incompleteExternalRef_reverts() public {
        vm.expectRevert(IProjectRegistry.ProjectRegistryIncompleteExternalRef.selector);
        vm.prank(developer);
        projects.registerProject(PID, HASH_V1, URI_V1, "Verra", "");

        vm.expectRevert(IProjectRegistry.ProjectRegistryIncompleteExternalRef.selector);
        vm.prank(developer);
        projects.registerProject(PID, HASH_V1, URI_V1, "", "VCS-1234");
    }

    function test_registerProject_differentExternalRefs_succeed() public {
        bytes32 a = _registerExt("A", "Verra", "VCS-1");
        bytes32 b = _registerExt("B", "Verra", "VCS-2"); // same registry, other id
        bytes32 c = _registerExt("C", "Gold Standard", "VCS-1"); // other registry, same id
        bytes32 d = _registerExt("D", "verra", "VCS-1"); // registry names are case-sensitive
        vm.assertEq(projects.projectByExternalRef("Verra", "VCS-1"), a);
        vm.assertEq(projects.projectByExternalRef("Verra", "VCS-2"), b);
        vm.assertEq(projects.projectByExternalRef("Gold Standard", "VCS-1"), c);
        vm.assertEq(projects.projectByExternalRef("verra", "VCS-1"), d);
    }

    function test_externalRefKey_isUnambiguous() public view {
        // abi.encode length-prefixes both strings: moving characters across the boundary changes the key.
        vm.assertTrue(projects.externalRefKey("Verra", "1-2") != projects.externalRefKey("Verra1", "-2"));
        vm.assertTrue(projects.externalRefKey("ab", "") != projects.externalRefKey("a", "b"));
    }

    function test_projectByExternalRef_unknown_returnsZero() public {
        vm.assertEq(projects.projectByExternalRef("Verra", "VCS-404"), bytes32(0));
        _registerV1(PID); // registration without a reference claims nothing
        vm.assertEq(projects.projectByExternalRef("", ""), bytes32(0));
    }

    // ---------------------------------------------------------------- submitProject

    function test_submitProject_draftToSubmitted() public {
        bytes32 key = _registerV1(PID);
        vm.warp(NOW + 1 days);
        vm.expectEmit(address(projects));
        emit IProjectRegistry.ProjectStatusChanged(
            key,
            developer,
            IProjectRegistry.ProjectStatus.Draft,
            IProjectRegistry.ProjectStatus.Submitted,
            NOW + 1 days
        );
        vm.prank(developer);
        projects.submitProject(PID);
        _assertStatus(PID, IProjectRegistry.ProjectStatus.Submitted);
    }

    function test_submitProject_otherDeveloper_reverts() public {
        _registerV1(PID);
        vm.expectRevert(
            abi.encodeWithSelector(IProjectRegistry.ProjectRegistryNotDeveloper.selector, PID, developer2)
        );
        vm.prank(developer2);
        projects.submitProject(PID);
    }

    function test_submitProject_noRole_reverts() public {
        _registerV1(PID);
        vm.expectRevert(_unauthorized(validator, OGCRRoles.DEVELOPER));
        vm.prank(validator);
        projects.submitProject(PID);
    }

    function test_submitProject_unknown_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IProjectRegistry.ProjectRegistryUnknownProject.selector, PID));
        vm.prank(developer);
        projects.submitProject(PID);
    }

    function test_submitProject_fromEveryOtherStatus_reverts() public {
        _submitted("S");
        _underReview("U");
        _validated("V");
        _rejected("R");
        _archived("A");
        string[5] memory ids = ["S", "U", "V", "R", "A"];
        IProjectRegistry.ProjectStatus[5] memory st = [
            IProjectRegistry.ProjectStatus.Submitted,
            IProjectRegistry.ProjectStatus.UnderReview,
            IProjectRegistry.ProjectStatus.Validated,
            IProjectRegistry.ProjectStatus.Rejected,
            IProjectRegistry.ProjectStatus.Archived
        ];
        for (uint256 i; i < ids.length; ++i) {
            vm.expectRevert(_invalidTransition(ids[i], st[i], IProjectRegistry.ProjectStatus.Submitted));
            vm.prank(developer);
            projects.submitProject(ids[i]);
        }
    }

    // ---------------------------------------------------------------- startReview

    function test_startReview_submittedToUnderReview() public {
        _submitted(PID);
        vm.expectEmit(address(projects));
        emit IProjectRegistry.ProjectStatusChanged(
            _key(PID),
            validator,
            IProjectRegistry.ProjectStatus.Submitted,
            IProjectRegistry.ProjectStatus.UnderReview,
            NOW
        );
        vm.prank(validator);
        projects.startReview(PID);
        _assertStatus(PID, IProjectRegistry.ProjectStatus.UnderReview);
    }

    function test_startReview_notValidator_reverts() public {
        _submitted(PID);
        address[5] memory others = [developer, verifier, operator, admin, stranger];
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(_unauthorized(others[i], OGCRRoles.VALIDATOR));
            vm.prank(others[i]);
            projects.startReview(PID);
        }
    }

    function test_startReview_invalidStatus_reverts() public {
        _registerV1("D");
        _underReview("U");
        _validated("V");
        _rejected("R");
        _archived("A");
        string[5] memory ids = ["D", "U", "V", "R", "A"];
        IProjectRegistry.ProjectStatus[5] memory st = [
            IProjectRegistry.ProjectStatus.Draft,
            IProjectRegistry.ProjectStatus.UnderReview,
            IProjectRegistry.ProjectStatus.Validated,
            IProjectRegistry.ProjectStatus.Rejected,
            IProjectRegistry.ProjectStatus.Archived
        ];
        for (uint256 i; i < ids.length; ++i) {
            vm.expectRevert(_invalidTransition(ids[i], st[i], IProjectRegistry.ProjectStatus.UnderReview));
            vm.prank(validator);
            projects.startReview(ids[i]);
        }
    }

    function test_startReview_unknown_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IProjectRegistry.ProjectRegistryUnknownProject.selector, PID));
        vm.prank(validator);
        projects.startReview(PID);
    }

    // ---------------------------------------------------------------- validateProject

    function test_validateProject_fromSubmitted_recordsPeriodAndEmits() public {
        _submitted(PID);
        vm.warp(NOW + 3 days);
        bytes32 key = _key(PID);
        vm.expectEmit(address(projects));
        emit IProjectRegistry.ProjectStatusChanged(
            key,
            validator,
            IProjectRegistry.ProjectStatus.Submitted,
            IProjectRegistry.ProjectStatus.Validated,
            NOW + 3 days
        );
        vm.expectEmit(address(projects));
        emit IProjectRegistry.ProjectValidated(
            key, validator, REPORT, "meets VM0047", Y2024, Y2034, NOW + 3 days
        );
        vm.prank(validator);
        projects.validateProject(PID, REPORT, "meets VM0047", Y2024, Y2034);

        IProjectRegistry.ProjectView memory v = projects.getProject(PID);
        vm.assertEq(uint256(v.status), uint256(IProjectRegistry.ProjectStatus.Validated));
        vm.assertEq(v.creditingStart, Y2024);
        vm.assertEq(v.creditingEnd, Y2034);
        vm.assertEq(v.validatedAt, NOW + 3 days);
        vm.assertEq(v.registeredAt, NOW);

        (IProjectRegistry.ProjectStatus s, address dev, uint64 cs, uint64 ce) = projects.creditingInfo(key);
        vm.assertEq(uint256(s), uint256(IProjectRegistry.ProjectStatus.Validated));
        vm.assertEq(dev, developer);
        vm.assertEq(cs, Y2024);
        vm.assertEq(ce, Y2034);
    }

    function test_validateProject_fromUnderReview_succeeds() public {
        _underReview(PID);
        vm.expectEmit(address(projects));
        emit IProjectRegistry.ProjectStatusChanged(
            _key(PID),
            validator,
            IProjectRegistry.ProjectStatus.UnderReview,
            IProjectRegistry.ProjectStatus.Validated,
            NOW
        );
        vm.expectEmit(address(projects));
        emit IProjectRegistry.ProjectValidated(_key(PID), validator, REPORT, "", 1, 2, NOW);
        vm.prank(validator);
        projects.validateProject(PID, REPORT, "", 1, 2);
        _assertStatus(PID, IProjectRegistry.ProjectStatus.Validated);
    }

    function test_validateProject_invalidPeriod_reverts() public {
        _submitted(PID);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProjectRegistry.ProjectRegistryInvalidCreditingPeriod.selector, Y2024, Y2024
            )
        );
        vm.prank(validator);
        projects.validateProject(PID, REPORT, "", Y2024, Y2024);

        vm.expectRevert(
            abi.encodeWithSelector(
                IProjectRegistry.ProjectRegistryInvalidCreditingPeriod.selector, Y2034, Y2024
            )
        );
        vm.prank(validator);
        projects.validateProject(PID, REPORT, "", Y2034, Y2024);
        _assertStatus(PID, IProjectRegistry.ProjectStatus.Submitted);
    }

    function testFuzz_validateProject_period(uint64 start, uint64 end) public {
        _submitted(PID);
        if (start >= end) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IProjectRegistry.ProjectRegistryInvalidCreditingPeriod.selector, start, end
                )
            );
            vm.prank(validator);
            projects.validateProject(PID, REPORT, "", start, end);
        } else {
            vm.prank(validator);
            projects.validateProject(PID, REPORT, "", start, end);
            (,, uint64 cs, uint64 ce) = projects.creditingInfo(_key(PID));
            vm.assertEq(cs, start);
            vm.assertEq(ce, end);
        }
    }

    function test_validateProject_zeroReportHash_reverts() public {
        _submitted(PID);
        vm.expectRevert(IProjectRegistry.ProjectRegistryZeroHash.selector);
        vm.prank(validator);
        projects.validateProject(PID, bytes32(0), "", Y2024, Y2034);
    }

    function test_validateProject_invalidStatus_reverts() public {
        _registerV1("D");
        _validated("V");
        _rejected("R");
        _archived("A");
        string[4] memory ids = ["D", "V", "R", "A"];
        IProjectRegistry.ProjectStatus[4] memory st = [
            IProjectRegistry.ProjectStatus.Draft,
            IProjectRegistry.ProjectStatus.Validated,
            IProjectRegistry.ProjectStatus.Rejected,
            IProjectRegistry.ProjectStatus.Archived
        ];
        for (uint256 i; i < ids.length; ++i) {
            vm.expectRevert(_invalidTransition(ids[i], st[i], IProjectRegistry.ProjectStatus.Validated));
            vm.prank(validator);
            projects.validateProject(ids[i], REPORT, "", Y2024, Y2034);
        }
    }

    function test_validateProject_notValidator_reverts() public {
        _submitted(PID);
        address[5] memory others = [developer, verifier, operator, admin, stranger];
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(_unauthorized(others[i], OGCRRoles.VALIDATOR));
            vm.prank(others[i]);
            projects.validateProject(PID, REPORT, "", Y2024, Y2034);
        }
    }

    function test_validateProject_unknown_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IProjectRegistry.ProjectRegistryUnknownProject.selector, PID));
        vm.prank(validator);
        projects.validateProject(PID, REPORT, "", Y2024, Y2034);
    }

    // ---------------------------------------------------------------- rejectProject

    function test_rejectProject_fromSubmitted_emits() public {
        _submitted(PID);
        vm.expectEmit(address(projects));
        emit IProjectRegistry.ProjectStatusChanged(
            _key(PID),
            validator,
            IProjectRegistry.ProjectStatus.Submitted,
            IProjectRegistry.ProjectStatus.Rejected,
            NOW
        );
        vm.expectEmit(address(projects));
        emit IProjectRegistry.ProjectRejected(_key(PID), validator, REPORT, "baseline unclear", NOW);
        vm.prank(validator);
        projects.rejectProject(PID, REPORT, "baseline unclear");
        _assertStatus(PID, IProjectRegistry.ProjectStatus.Rejected);
        // A rejection fixes no crediting period.
        (,, uint64 cs, uint64 ce) = projects.creditingInfo(_key(PID));
        vm.assertEq(cs, 0);
        vm.assertEq(ce, 0);
    }

    function test_rejectProject_fromUnderReview_emits() public {
        _underReview(PID);
        vm.expectEmit(address(projects));
        emit IProjectRegistry.ProjectStatusChanged(
            _key(PID),
            validator,
            IProjectRegistry.ProjectStatus.UnderReview,
            IProjectRegistry.ProjectStatus.Rejected,
            NOW
        );
        vm.expectEmit(address(projects));
        emit IProjectRegistry.ProjectRejected(_key(PID), validator, REPORT, "no", NOW);
        vm.prank(validator);
        projects.rejectProject(PID, REPORT, "no");
        _assertStatus(PID, IProjectRegistry.ProjectStatus.Rejected);
    }

    function test_rejectProject_zeroReportHash_reverts() public {
        _submitted(PID);
        vm.expectRevert(IProjectRegistry.ProjectRegistryZeroHash.selector);
        vm.prank(validator);
        projects.rejectProject(PID, bytes32(0), "no");
    }

    function test_rejectProject_invalidStatus_reverts() public {
        _registerV1("D");
        _validated("V");
        _rejected("R");
        _archived("A");
        string[4] memory ids = ["D", "V", "R", "A"];
        IProjectRegistry.ProjectStatus[4] memory st = [
            IProjectRegistry.ProjectStatus.Draft,
            IProjectRegistry.ProjectStatus.Validated,
            IProjectRegistry.ProjectStatus.Rejected,
            IProjectRegistry.ProjectStatus.Archived
        ];
        for (uint256 i; i < ids.length; ++i) {
            vm.expectRevert(_invalidTransition(ids[i], st[i], IProjectRegistry.ProjectStatus.Rejected));
            vm.prank(validator);
            projects.rejectProject(ids[i], REPORT, "no");
        }
    }

    function test_rejectProject_notValidator_reverts() public {
        _submitted(PID);
        vm.expectRevert(_unauthorized(operator, OGCRRoles.VALIDATOR));
        vm.prank(operator);
        projects.rejectProject(PID, REPORT, "no");
    }

    function test_rejectProject_unknown_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IProjectRegistry.ProjectRegistryUnknownProject.selector, PID));
        vm.prank(validator);
        projects.rejectProject(PID, REPORT, "no");
    }

    // ---------------------------------------------------------------- revisePDD

    function test_revisePDD_inDraft_incrementsVersionWithoutStatusChange() public {
        _registerV1(PID);
        vm.warp(NOW + 1 hours);
        vm.expectEmit(address(projects));
        emit IProjectRegistry.PDDRevised(_key(PID), developer, 2, HASH_V2, URI_V2, NOW + 1 hours);
        vm.recordLogs();
        vm.prank(developer);
        projects.revisePDD(PID, HASH_V2, URI_V2);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        vm.assertEq(logs.length, 1, "only PDDRevised, no status change");
        vm.assertEq(logs[0].topics[0], IProjectRegistry.PDDRevised.selector);

        IProjectRegistry.ProjectView memory v = projects.getProject(PID);
        vm.assertEq(v.version, 2);
        vm.assertEq(v.pddHash, HASH_V2);
        vm.assertEq(v.pddUri, URI_V2);
        vm.assertEq(uint256(v.status), uint256(IProjectRegistry.ProjectStatus.Draft));
        vm.assertEq(v.registeredAt, NOW);
    }

    function test_revisePDD_inRejected_returnsToDraft() public {
        _rejected(PID);
        bytes32 key = _key(PID);
        vm.expectEmit(address(projects));
        emit IProjectRegistry.PDDRevised(key, developer, 2, HASH_V2, URI_V2, NOW);
        vm.expectEmit(address(projects));
        emit IProjectRegistry.ProjectStatusChanged(
            key, developer, IProjectRegistry.ProjectStatus.Rejected, IProjectRegistry.ProjectStatus.Draft, NOW
        );
        vm.prank(developer);
        projects.revisePDD(PID, HASH_V2, URI_V2);
        _assertStatus(PID, IProjectRegistry.ProjectStatus.Draft);
        vm.assertEq(projects.getProject(PID).version, 2);

        // The revised project goes round again and can be validated.
        vm.prank(developer);
        projects.submitProject(PID);
        vm.prank(validator);
        projects.validateProject(PID, REPORT, "fixed", Y2024, Y2034);
        _assertStatus(PID, IProjectRegistry.ProjectStatus.Validated);
        vm.assertEq(projects.getProject(PID).pddHash, HASH_V2);
    }

    function test_revisePDD_repeated_incrementsEachTime() public {
        _registerV1(PID);
        for (uint32 i = 2; i <= 5; ++i) {
            vm.prank(developer);
            projects.revisePDD(PID, bytes32(uint256(i)), URI_V2);
            vm.assertEq(projects.getProject(PID).version, i);
        }
        vm.assertEq(projects.getProject(PID).pddHash, bytes32(uint256(5)));
    }

    function test_revisePDD_lockedStatus_reverts() public {
        _submitted("S");
        _underReview("U");
        _validated("V");
        _archived("A");
        string[4] memory ids = ["S", "U", "V", "A"];
        IProjectRegistry.ProjectStatus[4] memory st = [
            IProjectRegistry.ProjectStatus.Submitted,
            IProjectRegistry.ProjectStatus.UnderReview,
            IProjectRegistry.ProjectStatus.Validated,
            IProjectRegistry.ProjectStatus.Archived
        ];
        for (uint256 i; i < ids.length; ++i) {
            vm.expectRevert(_invalidTransition(ids[i], st[i], IProjectRegistry.ProjectStatus.Draft));
            vm.prank(developer);
            projects.revisePDD(ids[i], HASH_V2, URI_V2);
            vm.assertEq(projects.getProject(ids[i]).version, 1);
        }
    }

    function test_revisePDD_otherDeveloper_reverts() public {
        _registerV1(PID);
        vm.expectRevert(
            abi.encodeWithSelector(IProjectRegistry.ProjectRegistryNotDeveloper.selector, PID, developer2)
        );
        vm.prank(developer2);
        projects.revisePDD(PID, HASH_V2, URI_V2);
    }

    function test_revisePDD_noRole_reverts() public {
        _registerV1(PID);
        vm.expectRevert(_unauthorized(stranger, OGCRRoles.DEVELOPER));
        vm.prank(stranger);
        projects.revisePDD(PID, HASH_V2, URI_V2);
    }

    function test_revisePDD_zeroHash_reverts() public {
        _registerV1(PID);
        vm.expectRevert(IProjectRegistry.ProjectRegistryZeroHash.selector);
        vm.prank(developer);
        projects.revisePDD(PID, bytes32(0), URI_V2);
    }

    function test_revisePDD_unknown_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IProjectRegistry.ProjectRegistryUnknownProject.selector, PID));
        vm.prank(developer);
        projects.revisePDD(PID, HASH_V2, URI_V2);
    }

    // ---------------------------------------------------------------- archiveProject

    function test_archiveProject_byDeveloper_emits() public {
        _validated(PID);
        vm.warp(NOW + 30 days);
        vm.expectEmit(address(projects));
        emit IProjectRegistry.ProjectStatusChanged(
            _key(PID),
            developer,
            IProjectRegistry.ProjectStatus.Validated,
            IProjectRegistry.ProjectStatus.Archived,
            NOW + 30 days
        );
        vm.expectEmit(address(projects));
        emit IProjectRegistry.ProjectArchived(_key(PID), developer, "site closed", NOW + 30 days);
        vm.prank(developer);
        projects.archiveProject(PID, "site closed");
        _assertStatus(PID, IProjectRegistry.ProjectStatus.Archived);
        // The crediting period stays on record.
        (,, uint64 cs, uint64 ce) = projects.creditingInfo(_key(PID));
        vm.assertEq(cs, Y2024);
        vm.assertEq(ce, Y2034);
    }

    function test_archiveProject_byOperator_emits() public {
        _validated(PID);
        vm.expectEmit(address(projects));
        emit IProjectRegistry.ProjectStatusChanged(
            _key(PID),
            operator,
            IProjectRegistry.ProjectStatus.Validated,
            IProjectRegistry.ProjectStatus.Archived,
            NOW
        );
        vm.expectEmit(address(projects));
        emit IProjectRegistry.ProjectArchived(_key(PID), operator, "registry decision", NOW);
        vm.prank(operator);
        projects.archiveProject(PID, "registry decision");
        _assertStatus(PID, IProjectRegistry.ProjectStatus.Archived);
    }

    function test_archiveProject_byOthers_reverts() public {
        _validated(PID);
        // Everyone but the project's developer needs REGISTRY_OPERATOR.
        address[5] memory others = [developer2, validator, verifier, admin, stranger];
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(_unauthorized(others[i], OGCRRoles.REGISTRY_OPERATOR));
            vm.prank(others[i]);
            projects.archiveProject(PID, "x");
        }
        _assertStatus(PID, IProjectRegistry.ProjectStatus.Validated);
    }

    function test_archiveProject_developerWithoutRole_reverts() public {
        _validated(PID);
        vm.prank(admin);
        acl.revokeRole(OGCRRoles.DEVELOPER, developer);
        vm.expectRevert(_unauthorized(developer, OGCRRoles.DEVELOPER));
        vm.prank(developer);
        projects.archiveProject(PID, "x");
    }

    /// @dev A developer who lost DEVELOPER but holds REGISTRY_OPERATOR archives as an operator.
    function test_archiveProject_developerHoldingOnlyOperatorRole_allowed() public {
        _validated(PID);
        vm.startPrank(admin);
        acl.grantRole(OGCRRoles.REGISTRY_OPERATOR, developer);
        acl.revokeRole(OGCRRoles.DEVELOPER, developer);
        vm.stopPrank();
        vm.prank(developer);
        projects.archiveProject(PID, "x");
        _assertStatus(PID, IProjectRegistry.ProjectStatus.Archived);
    }

    /// @dev The project's developer without DEVELOPER nor REGISTRY_OPERATOR is refused.
    function test_archiveProject_developerWithoutRoles_refused() public {
        _validated(PID);
        vm.prank(admin);
        acl.revokeRole(OGCRRoles.DEVELOPER, developer);
        vm.expectRevert(_unauthorized(developer, OGCRRoles.DEVELOPER));
        vm.prank(developer);
        projects.archiveProject(PID, "x");
    }

    function test_archiveProject_invalidStatus_reverts() public {
        _registerV1("D");
        _submitted("S");
        _underReview("U");
        _rejected("R");
        _archived("A");
        string[5] memory ids = ["D", "S", "U", "R", "A"];
        IProjectRegistry.ProjectStatus[5] memory st = [
            IProjectRegistry.ProjectStatus.Draft,
            IProjectRegistry.ProjectStatus.Submitted,
            IProjectRegistry.ProjectStatus.UnderReview,
            IProjectRegistry.ProjectStatus.Rejected,
            IProjectRegistry.ProjectStatus.Archived
        ];
        for (uint256 i; i < ids.length; ++i) {
            vm.expectRevert(_invalidTransition(ids[i], st[i], IProjectRegistry.ProjectStatus.Archived));
            vm.prank(operator);
            projects.archiveProject(ids[i], "x");
        }
    }

    function test_archiveProject_unknown_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IProjectRegistry.ProjectRegistryUnknownProject.selector, PID));
        vm.prank(operator);
        projects.archiveProject(PID, "x");
    }

    // ---------------------------------------------------------------- self-validation

    function _dualRegistersAndSubmits(string memory id) internal {
        vm.startPrank(dual);
        projects.registerProject(id, HASH_V1, URI_V1, "", "");
        projects.submitProject(id);
        vm.stopPrank();
    }

    function test_startReview_ownProject_reverts() public {
        _dualRegistersAndSubmits(PID);
        vm.expectRevert(abi.encodeWithSelector(IProjectRegistry.ProjectRegistrySelfValidation.selector, PID));
        vm.prank(dual);
        projects.startReview(PID);
    }

    function test_validateProject_ownProject_reverts() public {
        _dualRegistersAndSubmits(PID);
        vm.expectRevert(abi.encodeWithSelector(IProjectRegistry.ProjectRegistrySelfValidation.selector, PID));
        vm.prank(dual);
        projects.validateProject(PID, REPORT, "", Y2024, Y2034);

        // Also once another validator has taken it under review.
        vm.prank(validator);
        projects.startReview(PID);
        vm.expectRevert(abi.encodeWithSelector(IProjectRegistry.ProjectRegistrySelfValidation.selector, PID));
        vm.prank(dual);
        projects.validateProject(PID, REPORT, "", Y2024, Y2034);
    }

    function test_rejectProject_ownProject_reverts() public {
        _dualRegistersAndSubmits(PID);
        vm.expectRevert(abi.encodeWithSelector(IProjectRegistry.ProjectRegistrySelfValidation.selector, PID));
        vm.prank(dual);
        projects.rejectProject(PID, REPORT, "");
    }

    function test_selfValidation_independentValidatorStillDecides() public {
        _dualRegistersAndSubmits(PID);
        vm.prank(validator);
        projects.validateProject(PID, REPORT, "ok", Y2024, Y2034);
        _assertStatus(PID, IProjectRegistry.ProjectStatus.Validated);
        // The dual-role account validates projects it does not develop.
        _submitted(OTHER);
        vm.prank(dual);
        projects.validateProject(OTHER, REPORT, "ok", Y2024, Y2034);
        _assertStatus(OTHER, IProjectRegistry.ProjectStatus.Validated);
    }

    // ---------------------------------------------------------------- full lifecycle events

    function test_lifecycle_everyTransitionEmitsStatusChanged() public {
        vm.recordLogs();
        _registerV1(PID); // None -> Draft
        vm.prank(developer);
        projects.submitProject(PID); // Draft -> Submitted
        vm.prank(validator);
        projects.startReview(PID); // Submitted -> UnderReview
        vm.prank(validator);
        projects.rejectProject(PID, REPORT, "no"); // UnderReview -> Rejected
        vm.prank(developer);
        projects.revisePDD(PID, HASH_V2, URI_V2); // Rejected -> Draft
        vm.prank(developer);
        projects.submitProject(PID); // Draft -> Submitted
        vm.prank(validator);
        projects.validateProject(PID, REPORT, "ok", Y2024, Y2034); // Submitted -> Validated
        vm.prank(operator);
        projects.archiveProject(PID, "done"); // Validated -> Archived

        Vm.Log[] memory logs = vm.getRecordedLogs();
        bytes32 topic = IProjectRegistry.ProjectStatusChanged.selector;
        uint8[2][8] memory expected = [
            [uint8(IProjectRegistry.ProjectStatus.None), uint8(IProjectRegistry.ProjectStatus.Draft)],
            [uint8(IProjectRegistry.ProjectStatus.Draft), uint8(IProjectRegistry.ProjectStatus.Submitted)],
            [
                uint8(IProjectRegistry.ProjectStatus.Submitted),
                uint8(IProjectRegistry.ProjectStatus.UnderReview)
            ],
            [
                uint8(IProjectRegistry.ProjectStatus.UnderReview),
                uint8(IProjectRegistry.ProjectStatus.Rejected)
            ],
            [uint8(IProjectRegistry.ProjectStatus.Rejected), uint8(IProjectRegistry.ProjectStatus.Draft)],
            [uint8(IProjectRegistry.ProjectStatus.Draft), uint8(IProjectRegistry.ProjectStatus.Submitted)],
            [
                uint8(IProjectRegistry.ProjectStatus.Submitted),
                uint8(IProjectRegistry.ProjectStatus.Validated)
            ],
            [uint8(IProjectRegistry.ProjectStatus.Validated), uint8(IProjectRegistry.ProjectStatus.Archived)]
        ];
        uint256 n;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] != topic) continue;
            vm.assertEq(logs[i].emitter, address(projects));
            vm.assertEq(logs[i].topics[1], _key(PID));
            (IProjectRegistry.ProjectStatus from, IProjectRegistry.ProjectStatus to, uint64 ts) = abi.decode(
                logs[i].data, (IProjectRegistry.ProjectStatus, IProjectRegistry.ProjectStatus, uint64)
            );
            vm.assertEq(uint256(from), expected[n][0], "from");
            vm.assertEq(uint256(to), expected[n][1], "to");
            vm.assertEq(ts, NOW);
            ++n;
        }
        vm.assertEq(n, 8, "one ProjectStatusChanged per transition");
        vm.assertEq(projects.getProject(PID).version, 2);
    }

    // ---------------------------------------------------------------- views

    function test_getProject_unknown_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IProjectRegistry.ProjectRegistryUnknownProject.selector, PID));
        projects.getProject(PID);
    }

    function test_creditingInfo_unknown_returnsZeros() public view {
        (IProjectRegistry.ProjectStatus s, address dev, uint64 cs, uint64 ce) =
            projects.creditingInfo(_key(PID));
        vm.assertEq(uint256(s), uint256(IProjectRegistry.ProjectStatus.None));
        vm.assertEq(dev, address(0));
        vm.assertEq(cs, 0);
        vm.assertEq(ce, 0);
    }

    function test_creditingInfo_draft_hasDeveloperNoPeriod() public {
        _registerV1(PID);
        (IProjectRegistry.ProjectStatus s, address dev, uint64 cs, uint64 ce) =
            projects.creditingInfo(_key(PID));
        vm.assertEq(uint256(s), uint256(IProjectRegistry.ProjectStatus.Draft));
        vm.assertEq(dev, developer);
        vm.assertEq(cs, 0);
        vm.assertEq(ce, 0);
    }

    function test_projectIdOf_knownAndUnknown() public {
        vm.assertEq(projects.projectIdOf(_key(PID)), "");
        _registerV1(PID);
        vm.assertEq(projects.projectIdOf(_key(PID)), PID);
        vm.assertEq(projects.projectIdOf(bytes32(0)), "");
    }

    function test_authority_isTheAccessControl() public view {
        vm.assertEq(address(projects.authority()), address(acl));
    }

    // ---------------------------------------------------------------- fuzz: id charset

    /// @dev Arbitrary bytes: accepted exactly when the reference predicate says so.
    function testFuzz_registerProject_idMatchesPredicate(bytes memory raw) public {
        string memory id = string(raw);
        if (_isValidId(raw)) {
            vm.prank(developer);
            bytes32 key = projects.registerProject(id, HASH_V1, URI_V1, "", "");
            vm.assertEq(key, keccak256(raw));
            vm.assertEq(projects.projectIdOf(key), id);
        } else {
            vm.expectRevert(_badId(id));
            vm.prank(developer);
            projects.registerProject(id, HASH_V1, URI_V1, "", "");
        }
    }

    /// @dev Ids built only from the accepted charset (1..100 long) are always accepted.
    function testFuzz_registerProject_validCharsetAccepted(uint256 seed, uint256 len) public {
        bytes memory charset = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
        len = _bound(len, 1, 100);
        bytes memory b = new bytes(len);
        for (uint256 i; i < len; ++i) {
            b[i] = charset[uint256(keccak256(abi.encode(seed, i))) % charset.length];
        }
        vm.assertTrue(_isValidId(b));
        _registerV1(string(b));
        vm.assertEq(uint256(_status(string(b))), uint256(IProjectRegistry.ProjectStatus.Draft));
    }

    /// @dev A valid id with one byte replaced by anything outside the charset is rejected.
    function testFuzz_registerProject_oneBadByteRejected(uint256 pos, uint8 c) public {
        bytes memory b = bytes("OGCR-BR-0001_abc");
        pos = _bound(pos, 0, b.length - 1);
        b[pos] = bytes1(c);
        bool valid = _isValidId(b);
        if (valid) {
            _registerV1(string(b));
            vm.assertEq(projects.projectIdOf(keccak256(b)), string(b));
        } else {
            vm.expectRevert(_badId(string(b)));
            vm.prank(developer);
            projects.registerProject(string(b), HASH_V1, URI_V1, "", "");
        }
    }

    /// @dev Lengths around the 100-byte limit.
    function testFuzz_registerProject_length(uint256 len) public {
        len = _bound(len, 0, 140);
        string memory id = _repeat("x", len);
        if (len == 0 || len > 100) {
            vm.expectRevert(_badId(id));
            vm.prank(developer);
            projects.registerProject(id, HASH_V1, URI_V1, "", "");
        } else {
            _registerV1(id);
            vm.assertEq(projects.getProject(id).projectId, id);
        }
    }
}
