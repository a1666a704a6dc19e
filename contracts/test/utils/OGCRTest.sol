// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {CarbonRemovalUnit} from "../../src/CarbonRemovalUnit.sol";
import {MRVRegistry} from "../../src/MRVRegistry.sol";
import {OGCRAccessControl} from "../../src/OGCRAccessControl.sol";
import {ProjectRegistry} from "../../src/ProjectRegistry.sol";
import {ICarbonRemovalUnit} from "../../src/interfaces/ICarbonRemovalUnit.sol";
import {IMRVRegistry} from "../../src/interfaces/IMRVRegistry.sol";
import {Vm} from "./Vm.sol";

/// @notice Shared fixture: the deployed suite, one account per role, and lifecycle helpers.
abstract contract OGCRTest {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    // 2025-07-01T00:00:00Z: every period below has ended.
    uint64 internal constant NOW = 1_751_328_000;
    uint64 internal constant Y2024 = 1_704_067_200; // 2024-01-01
    uint64 internal constant H2_2024 = 1_719_792_000; // 2024-07-01
    uint64 internal constant Y2025 = 1_735_689_600; // 2025-01-01
    uint64 internal constant Y2034 = 2_019_686_400; // 2034-01-01

    uint48 internal constant ADMIN_DELAY = 2 days;
    uint256 internal constant VERIFIER_KEY = 0xA11CE;

    string internal constant PID = "OGCR-BR-0001";
    bytes32 internal constant VREPORT_HASH = bytes32(uint256(0xbeef));

    address internal admin = address(0xAD);
    address internal developer = address(0xDE);
    address internal validator = address(0x7A);
    address internal verifier;
    address internal operator = address(0x09);
    address internal holder = address(0x40);
    address internal bufferPool = address(0xB0);
    address internal stranger = address(0x5E);

    OGCRAccessControl internal acl;
    ProjectRegistry internal projects;
    MRVRegistry internal mrv;
    CarbonRemovalUnit internal cru;

    function setUp() public virtual {
        vm.warp(NOW);
        verifier = vm.addr(VERIFIER_KEY);
        acl = new OGCRAccessControl(ADMIN_DELAY, admin);
        projects = new ProjectRegistry(acl);
        mrv = new MRVRegistry(acl, projects);
        cru = new CarbonRemovalUnit(acl, mrv);
        vm.startPrank(admin);
        acl.grantRole(acl.DEVELOPER_ROLE(), developer);
        acl.grantRole(acl.VALIDATOR_ROLE(), validator);
        acl.grantRole(acl.VERIFIER_ROLE(), verifier);
        acl.grantRole(acl.REGISTRY_OPERATOR_ROLE(), operator);
        vm.stopPrank();
    }

    function _register(string memory projectId) internal {
        vm.prank(developer);
        projects.registerProject(projectId, keccak256(bytes(projectId)), "ogcr://pdd/x", "", "");
    }

    function _registerAndValidate(string memory projectId) internal {
        _register(projectId);
        vm.prank(developer);
        projects.submitProject(projectId);
        vm.prank(validator);
        projects.validateProject(projectId, bytes32(uint256(1)), "meets VM0047", Y2024, Y2034);
    }

    function _submission(string memory projectId, uint64 start, uint64 end)
        internal
        pure
        returns (IMRVRegistry.ReportSubmission memory)
    {
        return IMRVRegistry.ReportSubmission({
            projectId: projectId,
            mrvHash: keccak256(abi.encode("mrv", projectId, start, end)),
            datasetCommitment: keccak256(abi.encode("dataset", projectId, start, end)),
            periodStart: start,
            periodEnd: end,
            uri: "ogcr://mrv/x"
        });
    }

    function _submit(string memory projectId, uint64 start, uint64 end) internal returns (uint64 mrvId) {
        uint64 hint = mrv.findPrevHint(projectId, start);
        vm.prank(developer);
        mrvId = mrv.submitReport(_submission(projectId, start, end), hint);
    }

    function _verify(uint64 mrvId, uint256 amountKg) internal {
        vm.prank(verifier);
        mrv.verifyReport(mrvId, true, amountKg, bytes32(uint256(2)));
    }

    /// @dev A validated project with one verified report of `amountKg`; returns the report id.
    function _verifiedReport(uint256 amountKg) internal returns (uint64 mrvId) {
        _registerAndValidate(PID);
        mrvId = _submit(PID, Y2024, H2_2024);
        _verify(mrvId, amountKg);
    }

    function _issueParams(uint64 mrvId, uint64 amount)
        internal
        view
        returns (ICarbonRemovalUnit.IssueParams memory)
    {
        return ICarbonRemovalUnit.IssueParams({
            mrvId: mrvId,
            to: holder,
            amount: amount,
            bufferAmount: 0,
            bufferRecipient: address(0),
            labels: 0,
            itmoReference: ""
        });
    }

    function _issue(uint64 mrvId, uint64 amount) internal returns (uint256 tokenId) {
        vm.prank(operator);
        (tokenId,) = cru.issue(_issueParams(mrvId, amount));
    }

    function _retirement() internal pure returns (ICarbonRemovalUnit.RetirementInfo memory) {
        return ICarbonRemovalUnit.RetirementInfo({
            reasonCode: 1,
            beneficiary: "Acme Airlines",
            beneficiaryId: "LEI-5493001KJTIIGC8Y1R12",
            detail: "FY2025 claim"
        });
    }

    function _bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        if (max <= min) return min;
        return min + (x % (max - min + 1));
    }

    /// @dev A CS-01 attestation of report `id` as the verifier signs it (EIP-712).
    function _attestation(uint64 id, string memory outcome, uint256 amountKg)
        internal
        view
        returns (IMRVRegistry.MRVAttestation memory)
    {
        return IMRVRegistry.MRVAttestation({
            verifierId: "did:ogcr:verifier:acme",
            scope: IMRVRegistry.AttestationScope({
                projectId: PID, methodologyVersion: "VM0047-v1.0", reportingPeriod: "2024-01-01/2024-07-01"
            }),
            commitmentHash: mrv.getReport(id).datasetCommitment,
            outcome: outcome,
            attestedAt: "2025-03-01T12:00:00.000Z",
            verifiedAmountKg: amountKg,
            verificationReportHash: VREPORT_HASH
        });
    }

    function _sign(uint256 key, IMRVRegistry.MRVAttestation memory a) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, mrv.attestationDigest(a));
        return abi.encodePacked(r, s, v);
    }
}
