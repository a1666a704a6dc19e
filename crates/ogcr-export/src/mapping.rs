//! OGCR values → CAD Trust picklist values. Every function returns a member of the named
//! picklist (the tests check each against the vendored schema); the reasoning for each
//! choice is in `CADT.md`.

use ogcr_core::documents::pdd::ProjectType;

/// Every OGCR project type.
pub const PROJECT_TYPES: [ProjectType; 8] = [
    ProjectType::Afforestation,
    ProjectType::Reforestation,
    ProjectType::SoilCarbon,
    ProjectType::Biochar,
    ProjectType::DirectAirCapture,
    ProjectType::EnhancedWeathering,
    ProjectType::BlueCarbon,
    ProjectType::BiomassEnergyCcs,
];

/// `unit_type` (also `methodology_type`): nature-based or technical removal.
pub fn unit_type(t: ProjectType) -> &'static str {
    use ProjectType::*;
    match t {
        Afforestation | Reforestation | SoilCarbon | BlueCarbon => "Removal - nature",
        Biochar | DirectAirCapture | EnhancedWeathering | BiomassEnergyCcs => "Removal - technical",
    }
}

/// `unit_type` when the project type is not known (no verified PDD).
pub const UNIT_TYPE_UNKNOWN: &str = "Not Determined";

/// `project_sector` values.
pub fn project_sectors(t: ProjectType) -> &'static [&'static str] {
    use ProjectType::*;
    match t {
        Afforestation | Reforestation | BlueCarbon => &["Afforestation and reforestation"],
        SoilCarbon | Biochar => &["Agriculture"],
        DirectAirCapture | BiomassEnergyCcs => &["Carbon capture and storage"],
        EnhancedWeathering => &["Mining/mineral production"],
    }
}

/// `project_type` values.
pub fn project_types(t: ProjectType) -> &'static [&'static str] {
    use ProjectType::*;
    match t {
        Afforestation => &["Afforestation"],
        Reforestation | BlueCarbon => &["Reforestation"],
        SoilCarbon => &["Agriculture"],
        Biochar => &["Agriculture, forestry and other land use (AFOLU)"],
        BiomassEnergyCcs => &["Biomass Energy"],
        // The picklist has no carbon-removal type for these; the exact type goes to
        // projectSubtype.
        DirectAirCapture | EnhancedWeathering => &["Any combination of the above"],
    }
}

/// `projectSubtype` text: the OGCR project type in words.
pub fn project_subtype(t: ProjectType) -> &'static str {
    use ProjectType::*;
    match t {
        Afforestation => "Afforestation",
        Reforestation => "Reforestation",
        SoilCarbon => "Soil carbon",
        Biochar => "Biochar",
        DirectAirCapture => "Direct air capture",
        EnhancedWeathering => "Enhanced weathering",
        BlueCarbon => "Blue carbon",
        BiomassEnergyCcs => "Bioenergy with carbon capture and storage",
    }
}

/// `aef_t2_authorizations_sector`.
pub fn aef_sector(t: ProjectType) -> &'static str {
    use ProjectType::*;
    match t {
        Afforestation | Reforestation | BlueCarbon => "Afforestation and reforestation",
        SoilCarbon | Biochar => "Agriculture forestry and other land use (AFOLU)",
        DirectAirCapture | BiomassEnergyCcs => "Carbon capture and storage",
        EnhancedWeathering => "Mining/mineral production",
    }
}

/// `aef_t2_authorizations_activity_type`.
pub fn aef_activity_type(t: ProjectType) -> &'static str {
    use ProjectType::*;
    match t {
        Afforestation => "Afforestation",
        Reforestation | BlueCarbon => "Reforestation",
        SoilCarbon | Biochar => "Agriculture",
        BiomassEnergyCcs => "Biomass Energy",
        DirectAirCapture | EnhancedWeathering => "Any combination of the above",
    }
}

/// `aef_t3_actions_mitigation_type`: every OGCR unit is a removal.
pub const MITIGATION_TYPE: &str = "Removals";

/// `project_status` of a project: its on-chain status, and whether a report was verified.
pub fn project_status(status: &str, verified_report: bool) -> Option<&'static str> {
    Some(match status {
        "draft" | "submitted" | "under_review" => "Listed",
        "validated" if verified_report => "Verified",
        "validated" => "Validated",
        "rejected" => "Rejected",
        "archived" => "Inactive",
        _ => return None,
    })
}

/// `unit_status` of a token status.
pub fn unit_status(status: &str) -> Option<&'static str> {
    Some(match status {
        "active" => "Held",
        "retired" => "Retired",
        "cancelled" => "Cancelled",
        "buffer" => "Buffer",
        _ => return None,
    })
}

/// The meaning of a retirement reason code (`ogcr cru retire --reason-code`).
pub fn retirement_reason(code: i64) -> &'static str {
    match code {
        1 => "voluntary",
        2 => "CORSIA",
        3 => "NDC / Article 6",
        4 => "other compliance",
        _ => "unspecified",
    }
}

/// `label_type` and `labelName` of a CRU label bit.
pub fn label(bit: i64) -> Option<(&'static str, &'static str)> {
    match bit {
        1 => Some(("Certification", "CORSIA eligible")),
        2 => Some(("Article 6 - Authorisation", "Article 6 authorised")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::spec;

    #[test]
    fn every_project_type_maps_to_picklist_members() {
        let s = spec();
        for t in PROJECT_TYPES {
            assert!(s.allows("unit_type", unit_type(t)), "{t:?}");
            assert!(s.allows("methodology_type", unit_type(t)), "{t:?}");
            for v in project_sectors(t) {
                assert!(s.allows("project_sector", v), "{t:?}: {v}");
            }
            for v in project_types(t) {
                assert!(s.allows("project_type", v), "{t:?}: {v}");
            }
            assert!(
                s.allows("aef_t2_authorizations_sector", aef_sector(t)),
                "{t:?}"
            );
            assert!(
                s.allows("aef_t2_authorizations_activity_type", aef_activity_type(t)),
                "{t:?}"
            );
        }
        assert!(s.allows("unit_type", UNIT_TYPE_UNKNOWN));
        assert!(s.allows("aef_t3_actions_mitigation_type", MITIGATION_TYPE));
    }

    #[test]
    fn removal_kinds_follow_the_project_type() {
        assert_eq!(unit_type(ProjectType::Reforestation), "Removal - nature");
        assert_eq!(unit_type(ProjectType::BlueCarbon), "Removal - nature");
        assert_eq!(
            unit_type(ProjectType::DirectAirCapture),
            "Removal - technical"
        );
        assert_eq!(unit_type(ProjectType::Biochar), "Removal - technical");
        assert_eq!(project_types(ProjectType::Afforestation), ["Afforestation"]);
        assert_eq!(
            project_sectors(ProjectType::BiomassEnergyCcs),
            ["Carbon capture and storage"]
        );
    }

    #[test]
    fn statuses_map_to_picklist_members() {
        let s = spec();
        for st in ["draft", "submitted", "under_review", "rejected", "archived"] {
            assert!(s.allows("project_status", project_status(st, false).unwrap()));
        }
        assert_eq!(project_status("validated", false), Some("Validated"));
        assert_eq!(project_status("validated", true), Some("Verified"));
        assert_eq!(project_status("bogus", true), None);
        for st in ["active", "retired", "cancelled", "buffer"] {
            assert!(s.allows("unit_status", unit_status(st).unwrap()), "{st}");
        }
        assert_eq!(unit_status("active"), Some("Held"));
        for bit in [1, 2] {
            assert!(s.allows("label_type", label(bit).unwrap().0));
        }
        assert_eq!(label(4), None);
    }
}
