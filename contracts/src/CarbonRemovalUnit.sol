// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ICarbonRemovalUnit} from "./interfaces/ICarbonRemovalUnit.sol";
import {IMRVRegistry} from "./interfaces/IMRVRegistry.sol";
import {IOGCRAccessControl} from "./interfaces/IOGCRAccessControl.sol";
import {IProjectRegistry} from "./interfaces/IProjectRegistry.sol";
import {CivilDate} from "./libraries/CivilDate.sol";
import {OGCRRoles} from "./libraries/OGCRRoles.sol";
import {AuthorityGated} from "./utils/AuthorityGated.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

/// @title CarbonRemovalUnit
/// @notice ERC-721 serial blocks of verified carbon removal (OGCR §5.2.3).
/// @dev Units: MRV reports verify integer kilograms; tokens carry whole tonnes (1 serial =
///      1 tCO2e). A report can issue at most floor(verifiedKg / 1000) tonnes over all its
///      issuances; the sub-tonne remainder stays un-issued. Issuance writes one slot per token,
///      so gas does not depend on the amount. Holder transfers are not subject to the registry
///      pause (the pause covers registry operations: issue, split, retire, cancel, labels).
contract CarbonRemovalUnit is ICarbonRemovalUnit, ERC721, AuthorityGated {
    using Strings for uint256;

    /// @notice Label bit: eligible for CORSIA.
    uint8 public constant LABEL_CORSIA_ELIGIBLE = 1;
    /// @notice Label bit: authorised for Article 6 use (needs an ITMO reference).
    uint8 public constant LABEL_ARTICLE6_AUTHORIZED = 2;
    uint8 private constant _LABEL_MASK = LABEL_CORSIA_ELIGIBLE | LABEL_ARTICLE6_AUTHORIZED;
    /// @dev The highest documented retirement reason code (4: other compliance).
    uint8 private constant _MAX_REASON_CODE = 4;
    uint256 private constant _MAX_ITMO_LENGTH = 128;

    IMRVRegistry private immutable _mrv;
    IProjectRegistry private immutable _projects;

    /// @dev Packed in one slot: last token id and next serial.
    uint64 private _lastTokenId;
    uint64 private _nextSerial = 1;
    mapping(uint256 tokenId => Unit) private _units;
    mapping(uint64 mrvId => uint256 tonnes) private _issued;
    mapping(uint256 tokenId => string) private _itmo;

    /// @param authority_ The OGCRAccessControl authority.
    /// @param mrv_ The MRVRegistry issuance is checked against.
    constructor(IOGCRAccessControl authority_, IMRVRegistry mrv_)
        ERC721("OGCR Carbon Removal Unit", "CRU")
        AuthorityGated(authority_)
    {
        if (address(mrv_) == address(0)) revert OGCRZeroAddress();
        _mrv = mrv_;
        _projects = IProjectRegistry(mrv_.projectRegistry());
    }

    /// @inheritdoc ICarbonRemovalUnit
    function issue(IssueParams calldata p)
        external
        onlyActiveRole(OGCRRoles.REGISTRY_OPERATOR)
        returns (uint256 tokenId, uint256 bufferTokenId)
    {
        if (p.amount == 0) revert CRUInvalidAmount(0);
        _checkLabels(p.labels, p.itmoReference);
        (
            bytes32 key,
            uint64 periodStart,
            uint64 periodEnd,
            IMRVRegistry.MRVStatus status,
            uint128 verifiedKg
        ) = _mrv.issuanceInfo(p.mrvId);
        if (status != IMRVRegistry.MRVStatus.Verified) revert CRUReportNotVerified(p.mrvId);

        uint256 requested = uint256(p.amount) + p.bufferAmount;
        uint256 issued = _issued[p.mrvId];
        // issued <= verifiedKg / 1000 always holds (checked on every issuance), so no underflow.
        uint256 available = verifiedKg / 1000 - issued;
        if (requested > available) revert CRUExceedsVerified(p.mrvId, requested, available);
        _issued[p.mrvId] = issued + requested;

        uint16 vintage = uint16(CivilDate.yearOf(periodEnd - 1));
        Unit memory u = Unit({
            serialStart: 0,
            amount: p.amount,
            mrvId: p.mrvId,
            vintage: vintage,
            status: UnitStatus.Active,
            labels: p.labels
        });
        tokenId = _mintUnit(p.to, u, key, periodStart, periodEnd, p.itmoReference);
        if (p.bufferAmount != 0) {
            if (p.bufferRecipient == address(0)) revert OGCRZeroAddress();
            u.amount = p.bufferAmount;
            u.status = UnitStatus.Buffer;
            u.labels = 0;
            bufferTokenId = _mintUnit(p.bufferRecipient, u, key, periodStart, periodEnd, "");
        }
    }

    /// @inheritdoc ICarbonRemovalUnit
    function split(uint256 tokenId, uint64 amount) external whenNotPaused returns (uint256 newTokenId) {
        address owner = _requireHolderOrApproved(tokenId);
        UnitStatus status = _units[tokenId].status;
        if (status != UnitStatus.Active && status != UnitStatus.Buffer) {
            revert CRUInvalidStatus(tokenId, status);
        }
        newTokenId = _split(tokenId, owner, amount);
    }

    /// @inheritdoc ICarbonRemovalUnit
    function retire(uint256 tokenId, uint64 amount, RetirementInfo calldata info)
        external
        whenNotPaused
        returns (uint256 retiredTokenId)
    {
        _requireKnownReason(info.reasonCode);
        address owner = _requireHolderOrApproved(tokenId);
        retiredTokenId = _retire(tokenId, owner, amount, info);
    }

    /// @inheritdoc ICarbonRemovalUnit
    function retireBatch(uint256[] calldata tokenIds, RetirementInfo calldata info) external whenNotPaused {
        if (tokenIds.length == 0) revert CRUInvalidAmount(0);
        _requireKnownReason(info.reasonCode);
        for (uint256 i; i < tokenIds.length; ++i) {
            uint256 tokenId = tokenIds[i];
            address owner = _requireHolderOrApproved(tokenId);
            _retire(tokenId, owner, _units[tokenId].amount, info);
        }
    }

    /// @dev Reverts unless `reasonCode` is one of the documented retirement reasons.
    function _requireKnownReason(uint8 reasonCode) private pure {
        if (reasonCode > _MAX_REASON_CODE) revert CRUInvalidReason(reasonCode);
    }

    /// @inheritdoc ICarbonRemovalUnit
    function cancel(uint256 tokenId, uint64 amount, string calldata reason)
        external
        onlyActiveRole(OGCRRoles.REGISTRY_OPERATOR)
        returns (uint256 cancelledTokenId)
    {
        address owner = _requireOwned(tokenId);
        Unit storage u = _units[tokenId];
        UnitStatus status = u.status;
        if (status != UnitStatus.Active && status != UnitStatus.Buffer) {
            revert CRUInvalidStatus(tokenId, status);
        }
        cancelledTokenId = _partial(tokenId, owner, amount, u.amount);
        _units[cancelledTokenId].status = UnitStatus.Cancelled;
        emit CRUCancelled(cancelledTokenId, msg.sender, amount, reason, uint64(block.timestamp));
    }

    /// @inheritdoc ICarbonRemovalUnit
    function setLabels(uint256 tokenId, uint8 labels, string calldata itmoReference)
        external
        onlyActiveRole(OGCRRoles.REGISTRY_OPERATOR)
    {
        _requireOwned(tokenId);
        Unit storage u = _units[tokenId];
        if (u.status != UnitStatus.Active && u.status != UnitStatus.Buffer) {
            revert CRUInvalidStatus(tokenId, u.status);
        }
        _checkLabels(labels, itmoReference);
        u.labels = labels;
        _itmo[tokenId] = itmoReference;
        emit CRULabelsUpdated(tokenId, msg.sender, labels, itmoReference);
    }

    /// @inheritdoc ICarbonRemovalUnit
    function unitOf(uint256 tokenId) external view returns (Unit memory) {
        _requireOwned(tokenId);
        return _units[tokenId];
    }

    /// @inheritdoc ICarbonRemovalUnit
    function itmoReferenceOf(uint256 tokenId) external view returns (string memory) {
        return _itmo[tokenId];
    }

    /// @inheritdoc ICarbonRemovalUnit
    function issuedTonnes(uint64 mrvId) external view returns (uint256) {
        return _issued[mrvId];
    }

    /// @inheritdoc ICarbonRemovalUnit
    function totalMinted() external view returns (uint256) {
        return _lastTokenId;
    }

    /// @inheritdoc ICarbonRemovalUnit
    function nextSerial() external view returns (uint64) {
        return _nextSerial;
    }

    /// @notice On-chain JSON metadata: project, MRV, period, vintage, amount, serials, status, labels.
    /// @param tokenId The token.
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        Unit memory u = _units[tokenId];
        IMRVRegistry.ReportView memory r = _mrv.getReport(u.mrvId);
        string memory head = string.concat(
            '{"name":"OGCR CRU #',
            tokenId.toString(),
            '","description":"',
            uint256(u.amount).toString(),
            ' tCO2e of verified carbon removal","project_id":"',
            _projects.projectIdOf(r.projectKey),
            '","mrv_id":',
            uint256(u.mrvId).toString(),
            ',"reporting_period":{"start":',
            uint256(r.periodStart).toString(),
            ',"end":',
            uint256(r.periodEnd).toString()
        );
        string memory tail = string.concat(
            '},"vintage":',
            uint256(u.vintage).toString(),
            ',"amount_tco2e":',
            uint256(u.amount).toString(),
            ',"serial_start":',
            uint256(u.serialStart).toString(),
            ',"serial_end":',
            (uint256(u.serialStart) + u.amount - 1).toString(),
            ',"status":"',
            _statusName(u.status),
            '","labels":',
            _labelNames(u.labels),
            ',"itmo_reference":"',
            _itmo[tokenId],
            '"}'
        );
        return string.concat("data:application/json;base64,", Base64.encode(bytes(string.concat(head, tail))));
    }

    /// @dev Retired and cancelled tokens never move (mint of a fresh id has status Active).
    function _update(address to, uint256 tokenId, address auth) internal override returns (address) {
        UnitStatus status = _units[tokenId].status;
        if (status == UnitStatus.Retired || status == UnitStatus.Cancelled) {
            revert CRUNonTransferable(tokenId);
        }
        return super._update(to, tokenId, auth);
    }

    function _retire(uint256 tokenId, address owner, uint64 amount, RetirementInfo calldata info)
        private
        returns (uint256 retiredTokenId)
    {
        Unit storage u = _units[tokenId];
        if (u.status != UnitStatus.Active) revert CRUInvalidStatus(tokenId, u.status);
        retiredTokenId = _partial(tokenId, owner, amount, u.amount);
        Unit storage r = _units[retiredTokenId];
        r.status = UnitStatus.Retired;
        emit CRURetired(
            retiredTokenId, owner, msg.sender, r.serialStart, amount, info, uint64(block.timestamp)
        );
    }

    /// @dev The token to act on for `amount` of `tokenId`: itself when whole, else a split-off part.
    function _partial(uint256 tokenId, address owner, uint64 amount, uint64 held) private returns (uint256) {
        if (amount == 0 || amount > held) revert CRUInvalidAmount(amount);
        return amount == held ? tokenId : _split(tokenId, owner, amount);
    }

    function _split(uint256 tokenId, address owner, uint64 amount) private returns (uint256 newTokenId) {
        Unit storage u = _units[tokenId];
        Unit memory part = u;
        if (amount == 0 || amount >= part.amount) revert CRUInvalidAmount(amount);
        // amount < part.amount, and serialStart + amount fits: serials never exceed _nextSerial.
        unchecked {
            uint64 kept = part.amount - amount;
            u.amount = kept;
            part.serialStart += kept;
            part.amount = amount;
            newTokenId = ++_lastTokenId;
        }
        _units[newTokenId] = part;
        if (part.labels & LABEL_ARTICLE6_AUTHORIZED != 0) _itmo[newTokenId] = _itmo[tokenId];
        _mint(owner, newTokenId);
        emit CRUSplit(tokenId, newTokenId, owner, part.serialStart, amount);
    }

    function _mintUnit(
        address to,
        Unit memory u,
        bytes32 projectKey,
        uint64 periodStart,
        uint64 periodEnd,
        string memory itmoReference
    ) private returns (uint256 tokenId) {
        uint64 serial = _nextSerial;
        // Serials and ids are bounded by total verified tonnes and issuance count: far below 2^64.
        unchecked {
            tokenId = ++_lastTokenId;
            _nextSerial = serial + u.amount;
        }
        u.serialStart = serial;
        _units[tokenId] = u;
        if (bytes(itmoReference).length != 0) _itmo[tokenId] = itmoReference;
        _mint(to, tokenId);
        emit CRUMinted(tokenId, u.mrvId, projectKey, to, u, periodStart, periodEnd, itmoReference);
    }

    function _requireHolderOrApproved(uint256 tokenId) private view returns (address owner) {
        owner = _requireOwned(tokenId);
        if (!_isAuthorized(owner, msg.sender, tokenId)) revert CRUNotOwnerOrApproved(tokenId, msg.sender);
    }

    /// @dev Labels are known bits; the ITMO reference is present exactly when Article 6 is set,
    ///      and is printable ASCII without quote or backslash so it embeds safely in tokenURI JSON.
    function _checkLabels(uint8 labels, string memory itmoReference) private pure {
        bytes memory b = bytes(itmoReference);
        if (labels & ~_LABEL_MASK != 0) revert CRUInvalidLabels(labels);
        bool article6 = labels & LABEL_ARTICLE6_AUTHORIZED != 0;
        if (article6 != (b.length != 0) || b.length > _MAX_ITMO_LENGTH) revert CRUInvalidLabels(labels);
        for (uint256 i; i < b.length; ++i) {
            bytes1 c = b[i];
            if (c < 0x20 || c > 0x7e || c == '"' || c == "\\") revert CRUInvalidLabels(labels);
        }
    }

    function _statusName(UnitStatus s) private pure returns (string memory) {
        if (s == UnitStatus.Active) return "active";
        if (s == UnitStatus.Retired) return "retired";
        if (s == UnitStatus.Cancelled) return "cancelled";
        return "buffer";
    }

    function _labelNames(uint8 labels) private pure returns (string memory) {
        if (labels == LABEL_CORSIA_ELIGIBLE) return '["CORSIA eligible"]';
        if (labels == LABEL_ARTICLE6_AUTHORIZED) return '["Article 6 authorized"]';
        if (labels == _LABEL_MASK) return '["CORSIA eligible","Article 6 authorized"]';
        return "[]";
    }
}
