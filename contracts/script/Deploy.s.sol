// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {CarbonRemovalUnit} from "../src/CarbonRemovalUnit.sol";
import {MRVRegistry} from "../src/MRVRegistry.sol";
import {OGCRAccessControl} from "../src/OGCRAccessControl.sol";
import {ProjectRegistry} from "../src/ProjectRegistry.sol";

/// @dev The cheatcodes this script uses (forge-std is not a dependency).
interface ScriptVm {
    function startBroadcast(uint256 privateKey) external;
    function stopBroadcast() external;
    function addr(uint256 privateKey) external pure returns (address);
    function envUint(string calldata name) external view returns (uint256);
    function envOr(string calldata name, uint256 defaultValue) external view returns (uint256);
    function envOr(string calldata name, address defaultValue) external view returns (address);
}

/// @title Deploy
/// @notice Deploys the ogcr suite in dependency order and wires the roles.
/// @dev Environment: OGCR_DEPLOYER_KEY (required), OGCR_ADMIN (default: the deployer),
///      OGCR_ADMIN_DELAY seconds (default 2 days), and optionally OGCR_DEVELOPER,
///      OGCR_VALIDATOR, OGCR_VERIFIER, OGCR_OPERATOR to grant those roles at once (only
///      possible when the deployer is the administrator).
contract Deploy {
    ScriptVm internal constant VM = ScriptVm(address(uint160(uint256(keccak256("hevm cheat code")))));
    /// @dev forge's console address: calls to it appear under "Logs" in the script output.
    address internal constant CONSOLE = 0x000000000000000000636F6e736F6c652e6c6f67;

    /// @notice Run the deployment.
    function run()
        external
        returns (OGCRAccessControl acl, ProjectRegistry projects, MRVRegistry mrv, CarbonRemovalUnit cru)
    {
        uint256 key = VM.envUint("OGCR_DEPLOYER_KEY");
        address deployer = VM.addr(key);
        address admin = VM.envOr("OGCR_ADMIN", deployer);
        uint48 delay = uint48(VM.envOr("OGCR_ADMIN_DELAY", uint256(2 days)));

        VM.startBroadcast(key);
        acl = new OGCRAccessControl(delay, admin);
        projects = new ProjectRegistry(acl);
        mrv = new MRVRegistry(acl, projects);
        cru = new CarbonRemovalUnit(acl, mrv);
        if (admin == deployer) {
            _grant(acl, acl.DEVELOPER_ROLE(), VM.envOr("OGCR_DEVELOPER", address(0)));
            _grant(acl, acl.VALIDATOR_ROLE(), VM.envOr("OGCR_VALIDATOR", address(0)));
            _grant(acl, acl.VERIFIER_ROLE(), VM.envOr("OGCR_VERIFIER", address(0)));
            _grant(acl, acl.REGISTRY_OPERATOR_ROLE(), VM.envOr("OGCR_OPERATOR", address(0)));
        }
        VM.stopBroadcast();

        _log("OGCRAccessControl", address(acl));
        _log("ProjectRegistry  ", address(projects));
        _log("MRVRegistry      ", address(mrv));
        _log("CarbonRemovalUnit", address(cru));
        _log("administrator    ", admin);
    }

    function _log(string memory label, address value) internal view {
        // A low-level call: the console address has no code, so a typed call would revert.
        (bool ok,) = CONSOLE.staticcall(abi.encodeWithSignature("log(string,address)", label, value));
        ok;
    }

    function _grant(OGCRAccessControl acl, bytes32 role, address account) internal {
        if (account != address(0)) acl.grantRole(role, account);
    }
}
