// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

/// @title ICarbonRemovalUnit
/// @notice ERC-721 Carbon Removal Units (OGCR §3.3, §5.2.3). One token is one serial block of
///         whole tonnes CO2e (1 serial = 1 tCO2e, as CAD Trust units), issued only against a
///         verified MRV report and never beyond its verified amount.
interface ICarbonRemovalUnit is IERC721 {
    /// @notice Status of a serial block (CAD Trust unitStatus: Held, Retired, Cancelled, Buffer).
    enum UnitStatus {
        Active,
        Retired,
        Cancelled,
        Buffer
    }

    /// @notice Stored per token (one storage slot).
    /// @param serialStart First serial of the block.
    /// @param amount Tonnes CO2e in the block (serials serialStart .. serialStart + amount - 1).
    /// @param mrvId The verified report the block was issued against.
    /// @param vintage Vintage year (year of the last second of the reporting period, UTC).
    /// @param status Current status.
    /// @param labels Bit set of compliance labels (LABEL_* constants).
    struct Unit {
        uint64 serialStart;
        uint64 amount;
        uint64 mrvId;
        uint16 vintage;
        UnitStatus status;
        uint8 labels;
    }

    /// @notice Issuance arguments.
    /// @param mrvId The verified report.
    /// @param to Receiver of the issued block.
    /// @param amount Tonnes issued to `to` (> 0).
    /// @param bufferAmount Tonnes minted with status Buffer to `bufferRecipient` (0 for none).
    /// @param bufferRecipient Holder of the buffer block (the registry's buffer pool).
    /// @param labels Compliance labels of the issued block (LABEL_* bits).
    /// @param itmoReference ITMO reference (required with LABEL_ARTICLE6_AUTHORIZED, else empty).
    struct IssueParams {
        uint64 mrvId;
        address to;
        uint64 amount;
        uint64 bufferAmount;
        address bufferRecipient;
        uint8 labels;
        string itmoReference;
    }

    /// @notice Retirement claim details (emitted, not stored).
    /// @param reasonCode 1 voluntary offsetting, 2 CORSIA, 3 NDC / Article 6 use, 4 other compliance, 0 unspecified.
    /// @param beneficiary Name of the party the retirement is claimed for.
    /// @param beneficiaryId Identifier of the beneficiary (e.g. LEI, DID).
    /// @param detail Free-text detail of the claim.
    struct RetirementInfo {
        uint8 reasonCode;
        string beneficiary;
        string beneficiaryId;
        string detail;
    }

    /// @notice A serial block was issued (also emitted for buffer blocks, with status Buffer).
    /// @param tokenId The new token.
    /// @param mrvId The verified report.
    /// @param projectKey keccak256 of the project id.
    /// @param to The holder.
    /// @param unit The stored unit.
    /// @param periodStart Reporting period start of the report.
    /// @param periodEnd Reporting period end of the report.
    /// @param itmoReference ITMO reference ("" if none).
    event CRUMinted(
        uint256 indexed tokenId,
        uint64 indexed mrvId,
        bytes32 indexed projectKey,
        address to,
        Unit unit,
        uint64 periodStart,
        uint64 periodEnd,
        string itmoReference
    );

    /// @notice A block was split: `newTokenId` takes the last `amount` serials of `tokenId`.
    /// @param tokenId The original token (keeps the first serials).
    /// @param newTokenId The new token, same holder, status, labels and provenance.
    /// @param owner The holder of both.
    /// @param newSerialStart First serial of the new block.
    /// @param amount Tonnes moved to the new token.
    event CRUSplit(
        uint256 indexed tokenId,
        uint256 indexed newTokenId,
        address indexed owner,
        uint64 newSerialStart,
        uint64 amount
    );

    /// @notice A block was retired; it can never move again.
    /// @param tokenId The retired token.
    /// @param owner Its holder.
    /// @param actor Who retired it (holder or approved operator).
    /// @param serialStart First serial retired.
    /// @param amount Tonnes retired.
    /// @param info Retirement claim.
    /// @param timestamp Block timestamp.
    event CRURetired(
        uint256 indexed tokenId,
        address indexed owner,
        address indexed actor,
        uint64 serialStart,
        uint64 amount,
        RetirementInfo info,
        uint64 timestamp
    );

    /// @notice A block was cancelled by the registry; it can never move again.
    /// @param tokenId The cancelled token.
    /// @param operator The registry operator.
    /// @param amount Tonnes cancelled.
    /// @param reason Why.
    /// @param timestamp Block timestamp.
    event CRUCancelled(
        uint256 indexed tokenId, address indexed operator, uint64 amount, string reason, uint64 timestamp
    );

    /// @notice Compliance labels of a token changed.
    /// @param tokenId The token.
    /// @param operator The registry operator.
    /// @param labels The new label bits.
    /// @param itmoReference The new ITMO reference.
    event CRULabelsUpdated(
        uint256 indexed tokenId, address indexed operator, uint8 labels, string itmoReference
    );

    /// @notice No token with this id.
    /// @param tokenId The id.
    error CRUUnknownToken(uint256 tokenId);
    /// @notice The report is not verified.
    /// @param mrvId The report.
    error CRUReportNotVerified(uint64 mrvId);
    /// @notice Issuing would exceed the verified amount of the report.
    /// @param mrvId The report.
    /// @param requestedTonnes Tonnes requested (issued + buffer).
    /// @param availableTonnes Whole tonnes still available.
    error CRUExceedsVerified(uint64 mrvId, uint256 requestedTonnes, uint256 availableTonnes);
    /// @notice An amount was zero or out of range.
    /// @param amount The amount.
    error CRUInvalidAmount(uint256 amount);
    /// @notice The operation is not allowed in the token's status.
    /// @param tokenId The token.
    /// @param status Its status.
    error CRUInvalidStatus(uint256 tokenId, UnitStatus status);
    /// @notice Retired and cancelled tokens never move.
    /// @param tokenId The token.
    error CRUNonTransferable(uint256 tokenId);
    /// @notice The caller is neither holder nor approved for the token.
    /// @param tokenId The token.
    /// @param caller The caller.
    error CRUNotOwnerOrApproved(uint256 tokenId, address caller);
    /// @notice Unknown label bits, or Article 6 label and ITMO reference inconsistent.
    /// @param labels The labels.
    error CRUInvalidLabels(uint8 labels);
    /// @notice A retirement reason code outside the documented ones (0–4, see RetirementInfo):
    /// a claim is on chain forever, so an undefined purpose is refused.
    /// @param reasonCode The code given.
    error CRUInvalidReason(uint8 reasonCode);

    /// @notice Issue a serial block (and optionally a buffer block) against a verified report. REGISTRY_OPERATOR.
    /// @param p Issuance arguments.
    /// @return tokenId The issued token.
    /// @return bufferTokenId The buffer token (0 if none).
    function issue(IssueParams calldata p) external returns (uint256 tokenId, uint256 bufferTokenId);

    /// @notice Split `amount` tonnes (the last serials) of an Active or Buffer token into a new token. Holder or approved.
    /// @param tokenId The token.
    /// @param amount Tonnes for the new token (0 < amount < token amount).
    /// @return newTokenId The new token.
    function split(uint256 tokenId, uint64 amount) external returns (uint256 newTokenId);

    /// @notice Retire `amount` tonnes of an Active token (all of it, or split then retire). Holder or approved.
    /// @param tokenId The token.
    /// @param amount Tonnes to retire.
    /// @param info The retirement claim.
    /// @return retiredTokenId The retired token (`tokenId` for a whole retirement, a new token otherwise).
    function retire(uint256 tokenId, uint64 amount, RetirementInfo calldata info)
        external
        returns (uint256 retiredTokenId);

    /// @notice Retire several (at least one) whole Active tokens with one claim. Holder or approved of each.
    /// @param tokenIds The tokens.
    /// @param info The retirement claim.
    function retireBatch(uint256[] calldata tokenIds, RetirementInfo calldata info) external;

    /// @notice Cancel `amount` tonnes of an Active or Buffer token (split first if partial). REGISTRY_OPERATOR.
    /// @param tokenId The token.
    /// @param amount Tonnes to cancel.
    /// @param reason Why (e.g. "transferred to registry X", "reversal").
    /// @return cancelledTokenId The cancelled token.
    function cancel(uint256 tokenId, uint64 amount, string calldata reason)
        external
        returns (uint256 cancelledTokenId);

    /// @notice Set the compliance labels of an Active or Buffer token. REGISTRY_OPERATOR.
    /// @param tokenId The token.
    /// @param labels LABEL_* bits.
    /// @param itmoReference ITMO reference (required with LABEL_ARTICLE6_AUTHORIZED, else empty).
    function setLabels(uint256 tokenId, uint8 labels, string calldata itmoReference) external;

    /// @notice The stored unit of a token.
    /// @param tokenId The token.
    function unitOf(uint256 tokenId) external view returns (Unit memory);

    /// @notice The ITMO reference of a token ("" if none).
    /// @param tokenId The token.
    function itmoReferenceOf(uint256 tokenId) external view returns (string memory);

    /// @notice Whole tonnes issued (including buffer) against a report.
    /// @param mrvId The report.
    function issuedTonnes(uint64 mrvId) external view returns (uint256);

    /// @notice Number of tokens ever minted (ids are 1..totalMinted).
    function totalMinted() external view returns (uint256);

    /// @notice The next serial number to be issued.
    function nextSerial() external view returns (uint64);
}
