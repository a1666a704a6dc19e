// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {CivilDate} from "../src/libraries/CivilDate.sol";
import {Vm} from "./utils/Vm.sol";

/// @notice CivilDate.yearOf against a naive reference: walk the years from 1970, each 365 or 366
///         days long by the Gregorian leap rule. This is the evidence for triaging slither's
///         divide-before-multiply findings in yearOf as false positives (contracts/slither-triage.json).
/// @dev The reference range is the vintage range: CarbonRemovalUnit stores vintages as uint16, so
///      1970..65535. Beyond it, monotonicity and the 400-year period carry the result to the
///      uint256 limit.
contract CivilDateTest {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    uint256 internal constant DAY = 86_400;
    uint256 internal constant FIRST_YEAR = 1970;
    uint256 internal constant LAST_YEAR = 65_535;
    /// @dev 65536-01-01T00:00:00Z, the first second past the reference range.
    uint256 internal constant END = 2_005_949_145_600;
    /// @dev 400 Gregorian years (97 leap years): the calendar repeats after this many seconds.
    uint256 internal constant ERA = 146_097 * DAY;

    /// @dev _yearStart[i]: the first second of year FIRST_YEAR + i, for every year of the range and
    ///      the one after it, made by the naive walk.
    uint64[] internal _yearStart;

    function setUp() public {
        uint256 start;
        for (uint256 year = FIRST_YEAR; year <= LAST_YEAR + 1; ++year) {
            _yearStart.push(uint64(start));
            start += _yearLength(year);
        }
    }

    /// @dev Both ends of every year of the range (an exhaustive check of the year boundaries;
    ///      with monotonicity it covers every second in between).
    function test_yearOf_matchesReferenceAtEveryYearBoundary() public view {
        vm.assertEq(_yearStart.length, LAST_YEAR - FIRST_YEAR + 2);
        vm.assertEq(_yearStart[_yearStart.length - 1], END);
        vm.assertEq(CivilDate.yearOf(END), LAST_YEAR + 1);
        for (uint256 i; i < _yearStart.length - 1; ++i) {
            uint256 year = FIRST_YEAR + i;
            uint256 first = CivilDate.yearOf(_yearStart[i]);
            uint256 last = CivilDate.yearOf(_yearStart[i + 1] - 1);
            // Assert only on a mismatch: 2 cheatcode calls per year would dominate the run time.
            if (first != year) vm.assertEq(first, year, "first second of the year");
            if (last != year) vm.assertEq(last, year, "last second of the year");
        }
    }

    /// @dev Any second of any year of the range: the year is drawn first (so late years are as well
    ///      covered as early ones), then the second within it.
    function testFuzz_yearOf_matchesReference(uint256 yearSeed, uint256 second) public view {
        uint256 i = _bound(yearSeed, 0, LAST_YEAR - FIRST_YEAR);
        uint256 start = _yearStart[i];
        uint256 ts = _bound(second, start, _yearStart[i + 1] - 1);
        vm.assertEq(CivilDate.yearOf(ts), FIRST_YEAR + i);
    }

    /// @dev Within 365 days the year never decreases and never skips one: monotonic everywhere, up to
    ///      the uint256 limit.
    function testFuzz_yearOf_stepsByAtMostOneYear(uint256 ts, uint256 gap) public pure {
        gap = _bound(gap, 0, 365 * DAY);
        ts = _bound(ts, 0, type(uint256).max - 365 * DAY);
        uint256 year = CivilDate.yearOf(ts);
        uint256 later = CivilDate.yearOf(ts + gap);
        vm.assertGe(later, year);
        vm.assertLe(later, year + 1);
    }

    function testFuzz_yearOf_repeatsEvery400Years(uint256 ts, uint256 eras) public pure {
        ts = _bound(ts, 0, END - 1);
        eras = _bound(eras, 0, (type(uint256).max - ts) / ERA);
        vm.assertEq(CivilDate.yearOf(ts + eras * ERA), CivilDate.yearOf(ts) + 400 * eras);
    }

    function test_yearOf_maxTimestampDoesNotOverflow() public pure {
        uint256 max = type(uint256).max;
        vm.assertEq(CivilDate.yearOf(max), CivilDate.yearOf(max % ERA) + 400 * (max / ERA));
    }

    /// @dev The naive reference: the Gregorian leap rule.
    function _yearLength(uint256 year) internal pure returns (uint256) {
        bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        return (leap ? uint256(366) : uint256(365)) * DAY;
    }

    function _bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        if (max <= min) return min;
        return min + (x % (max - min + 1));
    }
}
