// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {OGCRTest} from "./utils/OGCRTest.sol";

contract SmokeTest is OGCRTest {
    function test_lifecycle_endToEnd() public {
        uint64 mrvId = _verifiedReport(1_250_500);
        uint256 id = _issue(mrvId, 1000);
        vm.assertEq(cru.ownerOf(id), holder);
        vm.prank(holder);
        uint256 retired = cru.retire(id, 400, _retirement());
        vm.assertEq(cru.unitOf(retired).amount, 400);
        vm.assertEq(cru.unitOf(id).amount, 600);
    }
}
