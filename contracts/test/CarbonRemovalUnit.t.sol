// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ICarbonRemovalUnit} from "../src/interfaces/ICarbonRemovalUnit.sol";
import {IMRVRegistry} from "../src/interfaces/IMRVRegistry.sol";
import {CivilDate} from "../src/libraries/CivilDate.sol";
import {AuthorityGated} from "../src/utils/AuthorityGated.sol";
import {OGCRTest} from "./utils/OGCRTest.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";

contract CarbonRemovalUnitTest is OGCRTest {
    uint64 internal mrvId;

    function setUp() public override {
        super.setUp();
        mrvId = _verifiedReport(1_250_500); // 1250 whole tonnes issuable
    }

    function _status(uint256 tokenId) internal view returns (uint256) {
        return uint256(uint8(cru.unitOf(tokenId).status));
    }

    // ------------------------------------------------------------------- issue

    function test_issue_mintsOneSerialBlock() public {
        ICarbonRemovalUnit.Unit memory expected = ICarbonRemovalUnit.Unit({
            serialStart: 1,
            amount: 1000,
            mrvId: mrvId,
            vintage: 2024,
            status: ICarbonRemovalUnit.UnitStatus.Active,
            labels: 0
        });
        vm.expectEmit(address(cru));
        emit ICarbonRemovalUnit.CRUMinted(
            1, mrvId, keccak256(bytes(PID)), holder, expected, Y2024, H2_2024, ""
        );
        uint256 id = _issue(mrvId, 1000);
        vm.assertEq(id, 1);
        vm.assertEq(cru.ownerOf(id), holder);
        ICarbonRemovalUnit.Unit memory u = cru.unitOf(id);
        vm.assertEq(uint256(u.serialStart), 1);
        vm.assertEq(uint256(u.amount), 1000);
        vm.assertEq(uint256(u.mrvId), mrvId);
        vm.assertEq(uint256(u.vintage), 2024);
        vm.assertEq(cru.issuedTonnes(mrvId), 1000);
        vm.assertEq(uint256(cru.nextSerial()), 1001);
    }

    function test_issue_serialsAreContiguousAcrossIssuances() public {
        uint256 a = _issue(mrvId, 200);
        uint256 b = _issue(mrvId, 300);
        vm.assertEq(uint256(cru.unitOf(a).serialStart), 1);
        vm.assertEq(uint256(cru.unitOf(b).serialStart), 201);
        vm.assertEq(uint256(cru.nextSerial()), 501);
        vm.assertEq(cru.totalMinted(), 2);
    }

    function test_issue_withBufferShare() public {
        ICarbonRemovalUnit.IssueParams memory p = _issueParams(mrvId, 900);
        p.bufferAmount = 100;
        p.bufferRecipient = bufferPool;
        vm.prank(operator);
        (uint256 id, uint256 bufferId) = cru.issue(p);
        vm.assertEq(cru.ownerOf(bufferId), bufferPool);
        vm.assertEq(_status(bufferId), uint256(uint8(ICarbonRemovalUnit.UnitStatus.Buffer)));
        vm.assertEq(uint256(cru.unitOf(bufferId).serialStart), 901);
        vm.assertEq(uint256(cru.unitOf(id).amount), 900);
        vm.assertEq(cru.issuedTonnes(mrvId), 1000);
    }

    function test_issue_revertsForBufferWithoutRecipient() public {
        ICarbonRemovalUnit.IssueParams memory p = _issueParams(mrvId, 900);
        p.bufferAmount = 100;
        vm.prank(operator);
        vm.expectRevert(AuthorityGated.OGCRZeroAddress.selector);
        cru.issue(p);
    }

    function test_issue_neverExceedsVerifiedTonnes() public {
        _issue(mrvId, 1000);
        _issue(mrvId, 250); // 1250 t issued of 1250.5 t verified
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ICarbonRemovalUnit.CRUExceedsVerified.selector, mrvId, 1, 0));
        cru.issue(_issueParams(mrvId, 1));
    }

    function test_issue_revertsAboveVerifiedInOneCall() public {
        vm.prank(operator);
        vm.expectRevert(
            abi.encodeWithSelector(ICarbonRemovalUnit.CRUExceedsVerified.selector, mrvId, 1251, 1250)
        );
        cru.issue(_issueParams(mrvId, 1251));
    }

    function test_issue_revertsForUnverifiedReports() public {
        uint64 pending = _submit(PID, H2_2024, Y2025);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ICarbonRemovalUnit.CRUReportNotVerified.selector, pending));
        cru.issue(_issueParams(pending, 1));
        vm.prank(verifier);
        mrv.verifyReport(pending, false, 0, bytes32(uint256(3)));
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ICarbonRemovalUnit.CRUReportNotVerified.selector, pending));
        cru.issue(_issueParams(pending, 1));
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ICarbonRemovalUnit.CRUReportNotVerified.selector, uint64(77)));
        cru.issue(_issueParams(77, 1));
    }

    function test_issue_revertsOnZeroAmountOrReceiver() public {
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ICarbonRemovalUnit.CRUInvalidAmount.selector, 0));
        cru.issue(_issueParams(mrvId, 0));
        ICarbonRemovalUnit.IssueParams memory p = _issueParams(mrvId, 1);
        p.to = address(0);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721InvalidReceiver.selector, address(0)));
        cru.issue(p);
    }

    function test_issue_validatesLabels() public {
        uint8 a6 = cru.LABEL_ARTICLE6_AUTHORIZED();
        ICarbonRemovalUnit.IssueParams memory p = _issueParams(mrvId, 1);
        p.labels = 4; // unknown bit
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ICarbonRemovalUnit.CRUInvalidLabels.selector, 4));
        cru.issue(p);
        p.labels = a6; // Article 6 without ITMO reference
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ICarbonRemovalUnit.CRUInvalidLabels.selector, a6));
        cru.issue(p);
        p.labels = 0;
        p.itmoReference = "BR-ITMO-2024-0001"; // reference without the label
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ICarbonRemovalUnit.CRUInvalidLabels.selector, 0));
        cru.issue(p);
        p.labels = a6;
        p.itmoReference = 'BR-"ITMO"'; // would break the JSON metadata
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(ICarbonRemovalUnit.CRUInvalidLabels.selector, a6));
        cru.issue(p);
        p.itmoReference = "BR-ITMO-2024-0001";
        vm.prank(operator);
        (uint256 id,) = cru.issue(p);
        vm.assertEq(cru.itmoReferenceOf(id), "BR-ITMO-2024-0001");
        vm.assertEq(uint256(cru.unitOf(id).labels), a6);
    }

    function test_issue_gasDoesNotDependOnAmount() public {
        uint64 second = _submit(PID, H2_2024, Y2025);
        _verify(second, 2_000_000_000);
        _coolSuite();
        vm.prank(operator);
        cru.issue(_issueParams(mrvId, 1));
        uint256 small = vm.snapshotGasLastCall("cru_issue_equality", "issue_1t");
        // Same storage transitions: another fresh holder and another fresh report.
        ICarbonRemovalUnit.IssueParams memory p = _issueParams(second, 1_000_000);
        p.to = stranger;
        _coolSuite();
        vm.prank(operator);
        cru.issue(p);
        uint256 large = vm.snapshotGasLastCall("cru_issue_equality", "issue_1000000t");
        vm.assertEq(small, large);
    }

    /// @dev Every call then pays cold access, as a fresh transaction does.
    function _coolSuite() internal {
        vm.cool(address(acl));
        vm.cool(address(mrv));
        vm.cool(address(cru));
    }

    // ---------------------------------------------------------------- transfer

    function test_transfer_movesActiveTokens() public {
        uint256 id = _issue(mrvId, 10);
        vm.prank(holder);
        cru.transferFrom(holder, stranger, id);
        vm.assertEq(cru.ownerOf(id), stranger);
    }

    function test_transfer_revertsForRetiredAndCancelled() public {
        uint256 id = _issue(mrvId, 10);
        vm.prank(holder);
        cru.retire(id, 10, _retirement());
        vm.prank(holder);
        vm.expectRevert(abi.encodeWithSelector(ICarbonRemovalUnit.CRUNonTransferable.selector, id));
        cru.transferFrom(holder, stranger, id);

        uint256 other = _issue(mrvId, 10);
        vm.prank(operator);
        cru.cancel(other, 10, "moved to another registry");
        vm.prank(holder);
        vm.expectRevert(abi.encodeWithSelector(ICarbonRemovalUnit.CRUNonTransferable.selector, other));
        cru.safeTransferFrom(holder, stranger, other);
        vm.assertEq(cru.ownerOf(other), holder);
    }

    // ------------------------------------------------------------------- split

    function test_split_partitionsSerialRange() public {
        uint256 id = _issue(mrvId, 100);
        vm.expectEmit(address(cru));
        emit ICarbonRemovalUnit.CRUSplit(id, 2, holder, 71, 30);
        vm.prank(holder);
        uint256 part = cru.split(id, 30);
        ICarbonRemovalUnit.Unit memory a = cru.unitOf(id);
        ICarbonRemovalUnit.Unit memory b = cru.unitOf(part);
        vm.assertEq(uint256(a.serialStart), 1);
        vm.assertEq(uint256(a.amount), 70);
        vm.assertEq(uint256(b.serialStart), 71);
        vm.assertEq(uint256(b.amount), 30);
        vm.assertEq(uint256(b.mrvId), a.mrvId);
        vm.assertEq(uint256(b.vintage), a.vintage);
        vm.assertEq(cru.ownerOf(part), holder);
    }

    function test_split_copiesLabelsAndItmoReference() public {
        ICarbonRemovalUnit.IssueParams memory p = _issueParams(mrvId, 100);
        p.labels = 3;
        p.itmoReference = "BR-ITMO-7";
        vm.prank(operator);
        (uint256 id,) = cru.issue(p);
        vm.prank(holder);
        uint256 part = cru.split(id, 1);
        vm.assertEq(uint256(cru.unitOf(part).labels), 3);
        vm.assertEq(cru.itmoReferenceOf(part), "BR-ITMO-7");
    }

    function test_split_revertsOnBadAmountsOrCaller() public {
        uint256 id = _issue(mrvId, 100);
        vm.startPrank(holder);
        vm.expectRevert(abi.encodeWithSelector(ICarbonRemovalUnit.CRUInvalidAmount.selector, 0));
        cru.split(id, 0);
        vm.expectRevert(abi.encodeWithSelector(ICarbonRemovalUnit.CRUInvalidAmount.selector, 100));
        cru.split(id, 100);
        vm.stopPrank();
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(ICarbonRemovalUnit.CRUNotOwnerOrApproved.selector, id, stranger)
        );
        cru.split(id, 1);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 99));
        cru.split(99, 1);
    }

    function test_split_byApprovedOperator() public {
        uint256 id = _issue(mrvId, 100);
        vm.prank(holder);
        cru.setApprovalForAll(stranger, true);
        vm.prank(stranger);
        uint256 part = cru.split(id, 5);
        vm.assertEq(cru.ownerOf(part), holder);
    }

    function testFuzz_split_preservesTotal(uint64 amount, uint64 cut) public {
        amount = uint64(_bound(amount, 2, 1250));
        cut = uint64(_bound(cut, 1, amount - 1));
        uint256 id = _issue(mrvId, amount);
        vm.prank(holder);
        uint256 part = cru.split(id, cut);
        ICarbonRemovalUnit.Unit memory a = cru.unitOf(id);
        ICarbonRemovalUnit.Unit memory b = cru.unitOf(part);
        vm.assertEq(uint256(a.amount) + b.amount, amount);
        vm.assertEq(uint256(a.serialStart) + a.amount, b.serialStart);
    }

    // ------------------------------------------------------------------ retire

    function test_retire_wholeToken() public {
        uint256 id = _issue(mrvId, 10);
        ICarbonRemovalUnit.RetirementInfo memory info = _retirement();
        vm.expectEmit(address(cru));
        emit ICarbonRemovalUnit.CRURetired(id, holder, holder, 1, 10, info, NOW);
        vm.prank(holder);
        uint256 retired = cru.retire(id, 10, info);
        vm.assertEq(retired, id);
        vm.assertEq(_status(id), uint256(uint8(ICarbonRemovalUnit.UnitStatus.Retired)));
        vm.assertEq(cru.ownerOf(id), holder);
        vm.assertEq(uint256(cru.unitOf(id).amount), 10);
    }

    function test_retire_partialSplitsThenRetires() public {
        uint256 id = _issue(mrvId, 100);
        ICarbonRemovalUnit.RetirementInfo memory info = _retirement();
        vm.expectEmit(address(cru));
        emit ICarbonRemovalUnit.CRURetired(2, holder, holder, 61, 40, info, NOW);
        vm.prank(holder);
        uint256 retired = cru.retire(id, 40, info);
        vm.assertEq(retired, 2);
        vm.assertEq(_status(id), uint256(uint8(ICarbonRemovalUnit.UnitStatus.Active)));
        vm.assertEq(uint256(cru.unitOf(id).amount), 60);
        vm.assertEq(_status(retired), uint256(uint8(ICarbonRemovalUnit.UnitStatus.Retired)));
        vm.assertEq(uint256(cru.unitOf(retired).amount), 40);
    }

    function test_retire_revertsOnBadAmountStatusOrCaller() public {
        uint256 id = _issue(mrvId, 10);
        ICarbonRemovalUnit.RetirementInfo memory info = _retirement();
        vm.startPrank(holder);
        vm.expectRevert(abi.encodeWithSelector(ICarbonRemovalUnit.CRUInvalidAmount.selector, 0));
        cru.retire(id, 0, info);
        vm.expectRevert(abi.encodeWithSelector(ICarbonRemovalUnit.CRUInvalidAmount.selector, 11));
        cru.retire(id, 11, info);
        cru.retire(id, 10, info);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICarbonRemovalUnit.CRUInvalidStatus.selector, id, ICarbonRemovalUnit.UnitStatus.Retired
            )
        );
        cru.retire(id, 10, info);
        vm.stopPrank();
        uint256 other = _issue(mrvId, 10);
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(ICarbonRemovalUnit.CRUNotOwnerOrApproved.selector, other, stranger)
        );
        cru.retire(other, 10, info);
    }

    function test_retire_revertsOnUnknownReason() public {
        uint256 id = _issue(mrvId, 10);
        ICarbonRemovalUnit.RetirementInfo memory info = _retirement();
        info.reasonCode = 5;
        vm.prank(holder);
        vm.expectRevert(abi.encodeWithSelector(ICarbonRemovalUnit.CRUInvalidReason.selector, 5));
        cru.retire(id, 10, info);
        uint256[] memory ids = new uint256[](1);
        ids[0] = id;
        info.reasonCode = 9;
        vm.prank(holder);
        vm.expectRevert(abi.encodeWithSelector(ICarbonRemovalUnit.CRUInvalidReason.selector, 9));
        cru.retireBatch(ids, info);
        info.reasonCode = 4;
        vm.prank(holder);
        cru.retire(id, 10, info);
        vm.assertEq(_status(id), uint256(uint8(ICarbonRemovalUnit.UnitStatus.Retired)));
    }

    function test_retire_revertsForBuffer() public {
        ICarbonRemovalUnit.IssueParams memory p = _issueParams(mrvId, 10);
        p.bufferAmount = 5;
        p.bufferRecipient = bufferPool;
        vm.prank(operator);
        (, uint256 bufferId) = cru.issue(p);
        ICarbonRemovalUnit.RetirementInfo memory info = _retirement();
        vm.prank(bufferPool);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICarbonRemovalUnit.CRUInvalidStatus.selector, bufferId, ICarbonRemovalUnit.UnitStatus.Buffer
            )
        );
        cru.retire(bufferId, 5, info);
    }

    function test_retireBatch_retiresAll() public {
        uint256[] memory ids = new uint256[](3);
        for (uint256 i; i < 3; ++i) {
            ids[i] = _issue(mrvId, uint64(10 + i));
        }
        vm.prank(holder);
        cru.retireBatch(ids, _retirement());
        for (uint256 i; i < 3; ++i) {
            vm.assertEq(_status(ids[i]), uint256(uint8(ICarbonRemovalUnit.UnitStatus.Retired)));
        }
    }

    function test_retireBatch_revertsOnEmptyList() public {
        uint256[] memory ids = new uint256[](0);
        ICarbonRemovalUnit.RetirementInfo memory info = _retirement();
        vm.prank(holder);
        vm.expectRevert(abi.encodeWithSelector(ICarbonRemovalUnit.CRUInvalidAmount.selector, 0));
        cru.retireBatch(ids, info);
    }

    function test_retireBatch_revertsOnDuplicate() public {
        uint256[] memory ids = new uint256[](2);
        ids[0] = _issue(mrvId, 10);
        ids[1] = ids[0];
        ICarbonRemovalUnit.RetirementInfo memory info = _retirement();
        vm.prank(holder);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICarbonRemovalUnit.CRUInvalidStatus.selector, ids[0], ICarbonRemovalUnit.UnitStatus.Retired
            )
        );
        cru.retireBatch(ids, info);
        vm.assertEq(_status(ids[0]), uint256(uint8(ICarbonRemovalUnit.UnitStatus.Active)));
    }

    // ------------------------------------------------------------ cancel, labels

    function test_cancel_partialByOperator() public {
        uint256 id = _issue(mrvId, 10);
        vm.expectEmit(address(cru));
        emit ICarbonRemovalUnit.CRUCancelled(2, operator, 4, "reversal", NOW);
        vm.prank(operator);
        uint256 cancelled = cru.cancel(id, 4, "reversal");
        vm.assertEq(_status(cancelled), uint256(uint8(ICarbonRemovalUnit.UnitStatus.Cancelled)));
        vm.assertEq(uint256(cru.unitOf(id).amount), 6);
        vm.prank(operator);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICarbonRemovalUnit.CRUInvalidStatus.selector,
                cancelled,
                ICarbonRemovalUnit.UnitStatus.Cancelled
            )
        );
        cru.cancel(cancelled, 4, "again");
    }

    function test_setLabels_updatesAndGuardsStatus() public {
        uint256 id = _issue(mrvId, 10);
        vm.expectEmit(address(cru));
        emit ICarbonRemovalUnit.CRULabelsUpdated(id, operator, 3, "BR-ITMO-9");
        vm.prank(operator);
        cru.setLabels(id, 3, "BR-ITMO-9");
        vm.assertEq(uint256(cru.unitOf(id).labels), 3);
        vm.prank(holder);
        cru.retire(id, 10, _retirement());
        vm.prank(operator);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICarbonRemovalUnit.CRUInvalidStatus.selector, id, ICarbonRemovalUnit.UnitStatus.Retired
            )
        );
        cru.setLabels(id, 0, "");
        vm.assertEq(cru.itmoReferenceOf(id), "BR-ITMO-9");
    }

    // --------------------------------------------------------------- metadata

    function test_tokenURI_isOnChainJson() public {
        ICarbonRemovalUnit.IssueParams memory p = _issueParams(mrvId, 250);
        p.labels = 3;
        p.itmoReference = "BR-ITMO-1";
        vm.prank(operator);
        (uint256 id,) = cru.issue(p);
        string memory json = string.concat(
            '{"name":"OGCR CRU #1","description":"250 tCO2e of verified carbon removal","project_id":"OGCR-BR-0001",',
            '"mrv_id":1,"reporting_period":{"start":1704067200,"end":1719792000},"vintage":2024,"amount_tco2e":250,',
            '"serial_start":1,"serial_end":250,"status":"active","labels":["CORSIA eligible","Article 6 authorized"],',
            '"itmo_reference":"BR-ITMO-1"}'
        );
        vm.assertEq(
            cru.tokenURI(id), string.concat("data:application/json;base64,", Base64.encode(bytes(json)))
        );
    }

    function test_tokenURI_revertsForUnknownToken() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 5));
        cru.tokenURI(5);
    }

    // ----------------------------------------------------------------- vintage

    function test_yearOf_knownAnswers() public pure {
        _expectYear(0, 1970);
        _expectYear(951_782_400, 2000); // 2000-02-29
        _expectYear(1_735_689_599, 2024); // 2024-12-31T23:59:59Z
        _expectYear(1_735_689_600, 2025);
        _expectYear(4_102_444_799, 2099);
        _expectYear(4_102_444_800, 2100);
        _expectYear(253_402_300_799, 9999);
    }

    /// @dev Reference: count whole years from 1970 with the Gregorian leap rule.
    function testFuzz_yearOf_matchesReference(uint256 ts) public pure {
        ts = _bound(ts, 0, 253_402_300_799);
        uint256 year = 1970;
        uint256 start;
        while (true) {
            bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
            uint256 len = (leap ? uint256(366) : uint256(365)) * 86_400;
            if (ts < start + len) break;
            start += len;
            ++year;
        }
        vm.assertEq(CivilDate.yearOf(ts), year);
    }

    function _expectYear(uint256 ts, uint256 year) internal pure {
        vm.assertEq(CivilDate.yearOf(ts), year);
    }
}
