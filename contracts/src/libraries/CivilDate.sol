// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title CivilDate
/// @notice Gregorian (UTC) calendar year of a unix timestamp, in constant gas.
/// @dev Howard Hinnant's days-to-civil algorithm, restricted to non-negative timestamps.
library CivilDate {
    /// @notice The UTC calendar year containing `timestamp`.
    /// @param timestamp Unix seconds.
    /// @return year The year, e.g. 2024.
    function yearOf(uint256 timestamp) internal pure returns (uint256 year) {
        uint256 z = timestamp / 86_400 + 719_468;
        uint256 era = z / 146_097;
        uint256 doe = z - era * 146_097; // day of era, [0, 146096]
        uint256 yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // year of era, [0, 399]
        uint256 doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of year from March 1st, [0, 365]
        uint256 mp = (5 * doy + 2) / 153; // month from March, [0, 11]
        year = yoe + era * 400;
        // Months from March: 10 and 11 are January and February of the next civil year.
        if (mp >= 10) year += 1;
    }
}
