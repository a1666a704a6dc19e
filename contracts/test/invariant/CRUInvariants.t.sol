// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {CarbonRemovalUnit} from "../../src/CarbonRemovalUnit.sol";
import {MRVRegistry} from "../../src/MRVRegistry.sol";
import {ICarbonRemovalUnit} from "../../src/interfaces/ICarbonRemovalUnit.sol";
import {OGCRTest} from "../utils/OGCRTest.sol";
import {Vm} from "../utils/Vm.sol";

/// @notice Drives random issuances, splits, transfers, retirements and cancellations.
contract CRUHandler {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    CarbonRemovalUnit internal immutable _cru;
    address internal immutable _operator;
    uint64[] internal _reports;
    address[] internal _actors;

    /// @notice Tokens that were retired or cancelled, with their holder at that moment.
    uint256[] public frozen;
    mapping(uint256 tokenId => address) public frozenOwner;
    /// @notice Tonnes issued per report according to the handler's own bookkeeping.
    mapping(uint64 mrvId => uint256) public ghostIssued;
    uint256 public ghostCalls;

    constructor(
        CarbonRemovalUnit cru_,
        address operator_,
        uint64[] memory reports_,
        address[] memory actors_
    ) {
        _cru = cru_;
        _operator = operator_;
        _reports = reports_;
        _actors = actors_;
    }

    function frozenCount() external view returns (uint256) {
        return frozen.length;
    }

    function issue(uint256 reportSeed, uint256 actorSeed, uint64 amount, uint64 buffer, bool withBuffer)
        external
    {
        uint64 mrvId = _reports[reportSeed % _reports.length];
        amount = uint64(1 + (amount % 3000));
        buffer = withBuffer ? uint64(1 + (buffer % 300)) : 0;
        ICarbonRemovalUnit.IssueParams memory p = ICarbonRemovalUnit.IssueParams({
            mrvId: mrvId,
            to: _actors[actorSeed % _actors.length],
            amount: amount,
            bufferAmount: buffer,
            bufferRecipient: _actors[0],
            labels: 0,
            itmoReference: ""
        });
        vm.prank(_operator);
        try _cru.issue(p) {
            ghostIssued[mrvId] += uint256(amount) + buffer;
        } catch {}
        ++ghostCalls;
    }

    function split(uint256 tokenSeed, uint64 amount) external {
        (uint256 id, bool ok) = _pick(tokenSeed);
        if (!ok) return;
        uint64 held = _cru.unitOf(id).amount;
        if (held < 2) return;
        vm.prank(_cru.ownerOf(id));
        try _cru.split(id, uint64(1 + (amount % (held - 1)))) {} catch {}
        ++ghostCalls;
    }

    function transfer(uint256 tokenSeed, uint256 toSeed) external {
        (uint256 id, bool ok) = _pick(tokenSeed);
        if (!ok) return;
        address from = _cru.ownerOf(id);
        vm.prank(from);
        try _cru.transferFrom(from, _actors[toSeed % _actors.length], id) {} catch {}
        ++ghostCalls;
    }

    function retire(uint256 tokenSeed, uint64 amount) external {
        (uint256 id, bool ok) = _pick(tokenSeed);
        if (!ok) return;
        uint64 held = _cru.unitOf(id).amount;
        address owner = _cru.ownerOf(id);
        ICarbonRemovalUnit.RetirementInfo memory info = ICarbonRemovalUnit.RetirementInfo({
            reasonCode: 1, beneficiary: "b", beneficiaryId: "id", detail: ""
        });
        vm.prank(owner);
        try _cru.retire(id, uint64(1 + (amount % held)), info) returns (uint256 retired) {
            _freeze(retired, owner);
        } catch {}
        ++ghostCalls;
    }

    function cancel(uint256 tokenSeed, uint64 amount) external {
        (uint256 id, bool ok) = _pick(tokenSeed);
        if (!ok) return;
        uint64 held = _cru.unitOf(id).amount;
        address owner = _cru.ownerOf(id);
        vm.prank(_operator);
        try _cru.cancel(id, uint64(1 + (amount % held)), "reversal") returns (uint256 cancelled) {
            _freeze(cancelled, owner);
        } catch {}
        ++ghostCalls;
    }

    /// @notice Tries to move a frozen token; the token must refuse (checked by the invariant).
    function moveFrozen(uint256 seed, uint256 toSeed) external {
        if (frozen.length == 0) return;
        uint256 id = frozen[seed % frozen.length];
        address owner = _cru.ownerOf(id);
        vm.prank(owner);
        try _cru.transferFrom(owner, _actors[toSeed % _actors.length], id) {} catch {}
        ++ghostCalls;
    }

    function _freeze(uint256 id, address owner) internal {
        frozen.push(id);
        frozenOwner[id] = owner;
    }

    function _pick(uint256 seed) internal view returns (uint256 id, bool ok) {
        uint256 minted = _cru.totalMinted();
        if (minted == 0) return (0, false);
        return (1 + (seed % minted), true);
    }
}

/// @notice Invariants of the CRU token over random operation sequences.
contract CRUInvariantsTest is OGCRTest {
    CRUHandler internal handler;
    uint64[] internal reports;

    function setUp() public override {
        super.setUp();
        _registerAndValidate(PID);
        reports.push(_submit(PID, Y2024, H2_2024));
        reports.push(_submit(PID, H2_2024, Y2025));
        reports.push(_submit(PID, Y2025, Y2025 + 90 days));
        _verify(reports[0], 10_000_500); // 10000 t and a 500 kg remainder
        _verify(reports[1], 2_999_999); // 2999 t
        _verify(reports[2], 999); // below one tonne: nothing issuable
        address[] memory actors = new address[](3);
        actors[0] = bufferPool;
        actors[1] = holder;
        actors[2] = stranger;
        handler = new CRUHandler(cru, operator, reports, actors);
    }

    /// @dev Foundry reads this to restrict fuzzing to the handler.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_issuedNeverExceedsVerified() public view {
        for (uint256 i; i < reports.length; ++i) {
            uint256 issued = cru.issuedTonnes(reports[i]);
            vm.assertLe(issued * 1000, mrv.getReport(reports[i]).verifiedAmountKg, "issued above verified");
            vm.assertEq(issued, handler.ghostIssued(reports[i]), "issued differs from the handler's ledger");
        }
    }

    /// @dev Sorted by start, each block begins where the previous ended: pairwise disjoint and
    ///      together exactly the serials 1 .. nextSerial - 1.
    function invariant_serialRangesPartitionIssuedSerials() public view {
        uint256 n = cru.totalMinted();
        uint256[] memory starts = new uint256[](n);
        uint256[] memory amounts = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            ICarbonRemovalUnit.Unit memory u = cru.unitOf(i + 1);
            (uint256 s, uint256 a) = (u.serialStart, u.amount);
            uint256 j = i;
            while (j > 0 && starts[j - 1] > s) {
                starts[j] = starts[j - 1];
                amounts[j] = amounts[j - 1];
                --j;
            }
            starts[j] = s;
            amounts[j] = a;
        }
        uint256 expected = 1;
        for (uint256 i; i < n; ++i) {
            vm.assertEq(starts[i], expected, "serial blocks overlap or leave a gap");
            vm.assertGt(amounts[i], 0);
            expected += amounts[i];
        }
        vm.assertEq(expected, cru.nextSerial(), "serials beyond the last block");
    }

    function invariant_frozenTokensNeverMove() public view {
        uint256 n = handler.frozenCount();
        for (uint256 i; i < n; ++i) {
            uint256 id = handler.frozen(i);
            vm.assertEq(cru.ownerOf(id), handler.frozenOwner(id), "retired or cancelled token moved");
            ICarbonRemovalUnit.UnitStatus s = cru.unitOf(id).status;
            vm.assertTrue(
                s == ICarbonRemovalUnit.UnitStatus.Retired || s == ICarbonRemovalUnit.UnitStatus.Cancelled,
                "frozen token changed status"
            );
        }
    }

    function invariant_tokenAmountsSumToIssued() public view {
        uint256 sum;
        uint256 n = cru.totalMinted();
        for (uint256 i = 1; i <= n; ++i) {
            sum += cru.unitOf(i).amount;
        }
        uint256 issued;
        for (uint256 i; i < reports.length; ++i) {
            issued += cru.issuedTonnes(reports[i]);
        }
        vm.assertEq(sum, issued, "token amounts differ from tonnes issued");
    }
}
