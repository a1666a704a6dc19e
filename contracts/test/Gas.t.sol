// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ICarbonRemovalUnit} from "../src/interfaces/ICarbonRemovalUnit.sol";
import {IMRVRegistry} from "../src/interfaces/IMRVRegistry.sol";
import {OGCRTest} from "./utils/OGCRTest.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @dev Baseline: a plain OpenZeppelin ERC-721 for the transfer comparison.
contract PlainERC721 is ERC721 {
    constructor() ERC721("Plain", "P") {}

    function mint(address to, uint256 id) external {
        _mint(to, id);
    }
}

/// @notice Gas figures of the main operations, written to snapshots/ogcr.json by the
///         snapshot cheatcodes and compared by the test command (FORGE_SNAPSHOT_CHECK).
///         Each figure is the execution gas of one call with cold storage, as in a fresh
///         transaction (21,000 intrinsic gas and calldata are not included).
contract GasTest is OGCRTest {
    string internal constant GROUP = "ogcr";

    /// @dev Upper bounds the suite promises (README gas table).
    uint256 internal constant ISSUE_MAX = 150_000;
    uint256 internal constant RETIRE_MAX = 60_000;
    uint256 internal constant SPLIT_MAX = 120_000;

    function _cool() internal {
        vm.cool(address(acl));
        vm.cool(address(projects));
        vm.cool(address(mrv));
        vm.cool(address(cru));
    }

    function test_gas_register() public {
        _cool();
        vm.prank(developer);
        projects.registerProject(PID, keccak256("pdd"), "ogcr://pdd/sha256-0123456789abcdef", "Verra", "3989");
        vm.snapshotGasLastCall(GROUP, "project_register");
    }

    function test_gas_submitAndVerify() public {
        _registerAndValidate(PID);
        IMRVRegistry.ReportSubmission memory s = _submission(PID, Y2024, H2_2024);
        _cool();
        vm.prank(developer);
        uint64 id = mrv.submitReport(s, 0);
        vm.snapshotGasLastCall(GROUP, "mrv_submit");
        _cool();
        vm.prank(verifier);
        mrv.verifyReport(id, true, 1_000_000, bytes32(uint256(2)));
        vm.snapshotGasLastCall(GROUP, "mrv_verify");
    }

    function test_gas_attestedVerify() public {
        _registerAndValidate(PID);
        uint64 id = _submit(PID, Y2024, H2_2024);
        IMRVRegistry.MRVAttestation memory a = _attestation(id, "verified", 1_000_000);
        bytes memory sig = _sign(VERIFIER_KEY, a);
        _cool();
        vm.prank(stranger);
        mrv.verifyWithAttestation(id, a, verifier, sig);
        vm.snapshotGasLastCall(GROUP, "mrv_verify_attested");
    }

    function test_gas_issue1t() public {
        uint64 id = _verifiedReport(2_000_000_000);
        _cool();
        vm.prank(operator);
        cru.issue(_issueParams(id, 1));
        vm.assertLe(vm.snapshotGasLastCall(GROUP, "cru_issue_1t"), ISSUE_MAX);
    }

    function test_gas_issue1000000t() public {
        uint64 id = _verifiedReport(2_000_000_000);
        _cool();
        vm.prank(operator);
        cru.issue(_issueParams(id, 1_000_000));
        vm.assertLe(vm.snapshotGasLastCall(GROUP, "cru_issue_1000000t"), ISSUE_MAX);
    }

    function test_gas_issueWithBuffer() public {
        uint64 id = _verifiedReport(2_000_000_000);
        ICarbonRemovalUnit.IssueParams memory p = _issueParams(id, 900_000);
        p.bufferAmount = 100_000;
        p.bufferRecipient = bufferPool;
        _cool();
        vm.prank(operator);
        cru.issue(p);
        vm.snapshotGasLastCall(GROUP, "cru_issue_with_buffer");
    }

    function test_gas_transfer() public {
        uint256 id = _issue(_verifiedReport(1_000_000), 1000);
        _cool();
        vm.prank(holder);
        cru.transferFrom(holder, stranger, id);
        uint256 ours = vm.snapshotGasLastCall(GROUP, "cru_transfer");

        PlainERC721 plain = new PlainERC721();
        plain.mint(holder, 1);
        vm.cool(address(plain));
        vm.prank(holder);
        plain.transferFrom(holder, stranger, 1);
        uint256 baseline = vm.snapshotGasLastCall(GROUP, "oz_erc721_transfer");
        vm.assertLe(ours * 100, baseline * 110, "transfer within 10% of a plain OpenZeppelin ERC721 transfer");
    }

    function test_gas_split() public {
        uint256 id = _issue(_verifiedReport(1_000_000), 1000);
        _cool();
        vm.prank(holder);
        cru.split(id, 400);
        vm.assertLe(vm.snapshotGasLastCall(GROUP, "cru_split"), SPLIT_MAX);
    }

    function test_gas_retireWhole() public {
        uint256 id = _issue(_verifiedReport(1_000_000), 1000);
        ICarbonRemovalUnit.RetirementInfo memory info = _retirement();
        _cool();
        vm.prank(holder);
        cru.retire(id, 1000, info);
        vm.assertLe(vm.snapshotGasLastCall(GROUP, "cru_retire"), RETIRE_MAX);
    }

    function test_gas_retirePartial() public {
        uint256 id = _issue(_verifiedReport(1_000_000), 1000);
        ICarbonRemovalUnit.RetirementInfo memory info = _retirement();
        _cool();
        vm.prank(holder);
        cru.retire(id, 250, info);
        vm.snapshotGasLastCall(GROUP, "cru_retire_partial");
    }
}
