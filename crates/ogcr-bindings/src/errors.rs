//! Turns revert data of any ogcr contract into one readable sentence, so a user reads
//! "MRV period 2024-01-01..2024-07-01 overlaps report 3", never a hex blob.

use alloy::{
    primitives::{B256, keccak256},
    sol_types::SolInterface,
};

use crate::{CarbonRemovalUnit, MRVRegistry, OGCRAccessControl, ProjectRegistry};

/// Project lifecycle names, indexed by the on-chain `ProjectStatus` value.
pub const PROJECT_STATUS: [&str; 7] = [
    "none",
    "draft",
    "submitted",
    "under review",
    "validated",
    "rejected",
    "archived",
];
/// MRV report status names, indexed by the on-chain `MRVStatus` value.
pub const MRV_STATUS: [&str; 4] = ["none", "submitted", "verified", "rejected"];
/// CRU status names, indexed by the on-chain `UnitStatus` value.
pub const UNIT_STATUS: [&str; 4] = ["active", "retired", "cancelled", "buffer"];

/// The retirement reasons by `RetirementInfo.reasonCode`, as ICarbonRemovalUnit documents
/// them (the contract refuses any other code).
pub const RETIREMENT_REASONS: [&str; 5] = [
    "Unspecified",
    "Voluntary offsetting",
    "CORSIA offsetting",
    "NDC / Article 6 use",
    "Other compliance",
];

/// The name of retirement reason `code`, `None` for a code the contract does not accept.
pub fn retirement_reason(code: i64) -> Option<&'static str> {
    usize::try_from(code)
        .ok()
        .and_then(|i| RETIREMENT_REASONS.get(i))
        .copied()
}

/// The ogcr roles: (name, role id). The administrator is OpenZeppelin's DEFAULT_ADMIN_ROLE.
pub fn roles() -> [(&'static str, B256); 5] {
    [
        ("administrator", B256::ZERO),
        ("developer", keccak256("ogcr.role.developer")),
        ("validator", keccak256("ogcr.role.validator")),
        ("verifier", keccak256("ogcr.role.verifier")),
        (
            "registry_operator",
            keccak256("ogcr.role.registry_operator"),
        ),
    ]
}

/// The name of a role id, or its hex when it is not an ogcr role.
pub fn role_name(role: B256) -> String {
    roles()
        .iter()
        .find(|(_, id)| *id == role)
        .map_or_else(|| role.to_string(), |(name, _)| (*name).to_owned())
}

/// A unix timestamp as an ISO date (or date-time when not at midnight UTC).
pub fn format_time(ts: u64) -> String {
    let Some(t) = i64::try_from(ts)
        .ok()
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
    else {
        return ts.to_string();
    };
    if ts.is_multiple_of(86_400) {
        t.format("%Y-%m-%d").to_string()
    } else {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }
}

/// The name of an on-chain status value in one of the tables above.
pub fn status_name(table: &[&str], value: u8) -> String {
    table
        .get(usize::from(value))
        .map_or_else(|| format!("status {value}"), |s| (*s).to_owned())
}

/// Decodes the revert data of an ogcr contract call into a readable sentence.
///
/// Returns `None` when the data is not one of the contracts' errors (including OpenZeppelin's
/// errors they inherit).
pub fn decode_revert(data: &[u8]) -> Option<String> {
    if let Ok(e) = MRVRegistry::MRVRegistryErrors::abi_decode(data) {
        return Some(mrv(e));
    }
    if let Ok(e) = ProjectRegistry::ProjectRegistryErrors::abi_decode(data) {
        return Some(project(e));
    }
    if let Ok(e) = CarbonRemovalUnit::CarbonRemovalUnitErrors::abi_decode(data) {
        return Some(cru(e));
    }
    if let Ok(e) = OGCRAccessControl::OGCRAccessControlErrors::abi_decode(data) {
        return Some(acl(e));
    }
    None
}

fn mrv(e: MRVRegistry::MRVRegistryErrors) -> String {
    use MRVRegistry::MRVRegistryErrors as E;
    match e {
        E::MRVRegistryUnknownReport(e) => format!("MRV report {} does not exist", e.mrvId),
        E::MRVRegistryProjectNotValidated(e) => {
            format!("project {} is not validated", e.projectId)
        }
        E::MRVRegistryNotProjectDeveloper(e) => format!(
            "{} is not the developer of project {}",
            e.caller, e.projectId
        ),
        E::MRVRegistryZeroHash(_) => "a document hash is zero".to_owned(),
        E::MRVRegistryInvalidPeriod(e) => format!(
            "MRV period {}..{} is empty or inverted",
            format_time(e.periodStart),
            format_time(e.periodEnd)
        ),
        E::MRVRegistryPeriodNotEnded(e) => format!(
            "MRV period ends {}, after the current block time {}",
            format_time(e.periodEnd),
            format_time(e.nowTs)
        ),
        E::MRVRegistryOutsideCreditingPeriod(e) => format!(
            "MRV period {}..{} is outside the crediting period {}..{}",
            format_time(e.periodStart),
            format_time(e.periodEnd),
            format_time(e.creditingStart),
            format_time(e.creditingEnd)
        ),
        E::MRVRegistryPeriodOverlap(e) => format!(
            "MRV period {}..{} overlaps report {}",
            format_time(e.periodStart),
            format_time(e.periodEnd),
            e.conflictingMrvId
        ),
        E::MRVRegistryInvalidHint(e) => format!(
            "report {} is not the report just before this period (use findPrevHint)",
            e.prevHint
        ),
        E::MRVRegistryCommitmentInUse(e) => format!(
            "dataset commitment {} is already used by report {}",
            e.datasetCommitment, e.mrvId
        ),
        E::MRVRegistryNotPending(e) => format!(
            "MRV report {} is {}, not awaiting verification",
            e.mrvId,
            status_name(&MRV_STATUS, e.status)
        ),
        E::MRVRegistrySelfVerification(e) => {
            format!("the verifier of MRV report {} is its submitter", e.mrvId)
        }
        E::MRVRegistryInvalidAmount(e) => format!(
            "verified amount {} kg is invalid (verified needs > 0, rejected needs 0)",
            e.amountKg
        ),
        E::MRVRegistryInvalidOutcome(e) => format!(
            "attestation outcome {:?} is neither \"verified\" nor \"rejected\"",
            e.outcome
        ),
        E::MRVRegistryInvalidSignature(e) => {
            format!(
                "the attestation signature is not valid for verifier {}",
                e.verifier
            )
        }
        E::MRVRegistryAttestationReused(e) => {
            format!("attestation {} was already used", e.digest)
        }
        E::MRVRegistryAttestationMismatch(e) => format!(
            "the attestation's commitment or project does not match MRV report {}",
            e.mrvId
        ),
        E::OGCRUnauthorized(e) => unauthorized(e.account, e.role),
        E::OGCRPaused(_) => paused(),
        E::OGCRZeroAddress(_) => zero_address(),
        other => format!("{other:?}"),
    }
}

fn project(e: ProjectRegistry::ProjectRegistryErrors) -> String {
    use ProjectRegistry::ProjectRegistryErrors as E;
    match e {
        E::ProjectRegistryInvalidProjectId(e) => format!(
            "project id {:?} is invalid: use 1-100 characters from A-Z a-z 0-9 _ -",
            e.projectId
        ),
        E::ProjectRegistryProjectExists(e) => format!("project {} already exists", e.projectId),
        E::ProjectRegistryUnknownProject(e) => format!("project {} does not exist", e.projectId),
        E::ProjectRegistryExternalRefTaken(e) => format!(
            "{} project {} is already registered here (project key {})",
            e.externalRegistry, e.externalProjectId, e.existingProjectKey
        ),
        E::ProjectRegistryIncompleteExternalRef(_) => {
            "give both the external registry and its project id, or neither".to_owned()
        }
        E::ProjectRegistryZeroHash(_) => "a document hash is zero".to_owned(),
        E::ProjectRegistryNotDeveloper(e) => format!(
            "{} is not the developer of project {}",
            e.caller, e.projectId
        ),
        E::ProjectRegistryInvalidTransition(e) => format!(
            "project {} is {} and cannot become {}",
            e.projectId,
            status_name(&PROJECT_STATUS, e.current),
            status_name(&PROJECT_STATUS, e.requested)
        ),
        E::ProjectRegistryInvalidCreditingPeriod(e) => format!(
            "crediting period {}..{} is empty or inverted",
            format_time(e.start),
            format_time(e.end)
        ),
        E::ProjectRegistrySelfValidation(e) => format!(
            "the developer of project {} cannot validate it",
            e.projectId
        ),
        E::OGCRUnauthorized(e) => unauthorized(e.account, e.role),
        E::OGCRPaused(_) => paused(),
        E::OGCRZeroAddress(_) => zero_address(),
    }
}

fn cru(e: CarbonRemovalUnit::CarbonRemovalUnitErrors) -> String {
    use CarbonRemovalUnit::CarbonRemovalUnitErrors as E;
    match e {
        E::CRUUnknownToken(e) => format!("CRU token {} does not exist", e.tokenId),
        E::CRUReportNotVerified(e) => format!("MRV report {} is not verified", e.mrvId),
        E::CRUExceedsVerified(e) => format!(
            "issuing {} t against MRV report {} exceeds what is left of its verified amount ({} t)",
            e.requestedTonnes, e.mrvId, e.availableTonnes
        ),
        E::CRUInvalidAmount(e) => format!("amount {} t is invalid for this token", e.amount),
        E::CRUInvalidStatus(e) => format!(
            "CRU token {} is {}; the operation is not allowed",
            e.tokenId,
            status_name(&UNIT_STATUS, e.status)
        ),
        E::CRUNonTransferable(e) => {
            format!(
                "CRU token {} is retired or cancelled and cannot move",
                e.tokenId
            )
        }
        E::CRUNotOwnerOrApproved(e) => format!(
            "{} neither holds CRU token {} nor is approved for it",
            e.caller, e.tokenId
        ),
        E::CRUInvalidReason(e) => format!(
            "retirement reason code {} is not defined: use 0 unspecified, 1 voluntary \
             offsetting, 2 CORSIA, 3 NDC / Article 6 or 4 other compliance",
            e.reasonCode
        ),
        E::CRUInvalidLabels(e) => format!(
            "labels {} are invalid: known bits are 1 (CORSIA) and 2 (Article 6, which needs an \
             ITMO reference of printable ASCII without quotes or backslashes)",
            e.labels
        ),
        E::ERC721NonexistentToken(e) => format!("CRU token {} does not exist", e.tokenId),
        E::ERC721InsufficientApproval(e) => {
            format!("{} is not approved for CRU token {}", e.operator, e.tokenId)
        }
        E::ERC721IncorrectOwner(e) => format!(
            "{} does not own CRU token {} (owner: {})",
            e.sender, e.tokenId, e.owner
        ),
        E::ERC721InvalidReceiver(e) => format!("{} cannot receive CRU tokens", e.receiver),
        E::OGCRUnauthorized(e) => unauthorized(e.account, e.role),
        E::OGCRPaused(_) => paused(),
        E::OGCRZeroAddress(_) => zero_address(),
        other => format!("{other:?}"),
    }
}

fn acl(e: OGCRAccessControl::OGCRAccessControlErrors) -> String {
    use OGCRAccessControl::OGCRAccessControlErrors as E;
    match e {
        E::AccessControlUnauthorizedAccount(e) => unauthorized(e.account, e.neededRole),
        E::OGCRAccessControlNotPauser(e) => format!(
            "{} may not pause: administrator or registry operator only",
            e.account
        ),
        E::EnforcedPause(_) => paused(),
        E::ExpectedPause(_) => "the registry is not paused".to_owned(),
        E::AccessControlEnforcedDefaultAdminDelay(e) => format!(
            "the administrator handover can be accepted from {} only",
            format_time(e.schedule.to::<u64>())
        ),
        other => format!("{other:?}"),
    }
}

fn unauthorized(account: alloy::primitives::Address, role: B256) -> String {
    format!("{account} lacks the {} role", role_name(role))
}

fn paused() -> String {
    "the registry is paused".to_owned()
}

fn zero_address() -> String {
    "an address argument is zero".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::sol_types::SolError;

    #[test]
    fn overlap_reads_like_a_sentence() {
        let data = MRVRegistry::MRVRegistryPeriodOverlap {
            periodStart: 1_704_067_200,
            periodEnd: 1_719_792_000,
            conflictingMrvId: 3,
        }
        .abi_encode();
        assert_eq!(
            decode_revert(&data).as_deref(),
            Some("MRV period 2024-01-01..2024-07-01 overlaps report 3")
        );
    }

    #[test]
    fn roles_and_statuses_are_named() {
        let data = ProjectRegistry::OGCRUnauthorized {
            account: alloy::primitives::Address::ZERO,
            role: keccak256("ogcr.role.validator"),
        }
        .abi_encode();
        assert_eq!(
            decode_revert(&data).as_deref(),
            Some("0x0000000000000000000000000000000000000000 lacks the validator role")
        );
        let data = ProjectRegistry::ProjectRegistryInvalidTransition {
            projectId: "P1".into(),
            current: 4,
            requested: 2,
        }
        .abi_encode();
        assert_eq!(
            decode_revert(&data).as_deref(),
            Some("project P1 is validated and cannot become submitted")
        );
    }

    #[test]
    fn unknown_data_is_not_decoded() {
        assert_eq!(decode_revert(&[0xde, 0xad, 0xbe, 0xef]), None);
        assert_eq!(decode_revert(&[]), None);
    }

    #[test]
    fn times_are_dates() {
        assert_eq!(format_time(0), "1970-01-01");
        assert_eq!(format_time(951_782_400), "2000-02-29");
        assert_eq!(format_time(1_735_689_599), "2024-12-31T23:59:59Z");
    }
}
