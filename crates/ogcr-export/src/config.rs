//! What the chain does not say: names, links, accredited bodies, Article 6 parameters. Loaded
//! from TOML; every field has a documented default, so an empty file is a valid
//! configuration.
//!
//! ```toml
//! program_name = "Open Geospatial Carbon Registry"
//! registry_name = "OGCR"
//! base_url = "https://registry.example.org"
//! strict = false
//!
//! [bodies]              # validator / verifier address → CAD Trust validation/verification body
//! "0x90f79bf6eb2c4f870365e785982e1f101e93b906" = "SCS Global Services"
//!
//! [stakeholders]        # developer address → organisation name
//! "0x70997970c51812dc3a010c7d01b50e0d17dc79c8" = "Bahia Restoration Cooperative"
//!
//! [countries]           # project id → location_country, overriding reverse geocoding
//! "OGCR-BR-0001" = "Brazil"
//!
//! [aef]
//! cooperative_approach_id = "BR-CA-OGCR-2025"
//! purposes_for_authorization = "NDC and OIMP"
//! ```

use std::{collections::BTreeMap, path::Path};

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The export configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExportConfig {
    /// `programName` of the program record. Default "Open Geospatial Carbon Registry".
    pub program_name: String,
    /// `programRegistry`, `projectRegistryName`. Default "OGCR".
    pub registry_name: String,
    /// `programRegistryId`. Default `OGCR-<chain id>`.
    pub program_registry_id: Option<String>,
    /// `programDescription`. Default: a sentence naming the chain and ProjectRegistry.
    pub program_description: Option<String>,
    /// `projectCreditingProgram`. Default: `program_name`.
    pub crediting_program: Option<String>,
    /// Base URL of the ogcr API: `projectLink` is `<base_url>/projects/<id>`, `unitLink`
    /// `<base_url>/credits/<token id>`, `locationMapFileLink`
    /// `<base_url>/projects/<id>/versions/<version>`. Default `http://127.0.0.1:8080`.
    pub base_url: String,
    /// `orgUid`: the CADT organisation uid of the registry. Default: a UUID derived from the
    /// deployment (see `ids`).
    pub org_uid: Option<String>,
    /// Turn every warning (a value that could not be derived exactly) into an error.
    pub strict: bool,
    /// Validator and verifier addresses (lowercase 0x hex) → the accredited body, as spelled
    /// in the `validation_body` / `verification_body` picklists.
    pub bodies: BTreeMap<String, String>,
    /// Developer addresses → organisation names (`stakeholderName`). Default: the PDD's
    /// `actor_id`, else the address.
    pub stakeholders: BTreeMap<String, String>,
    /// Project ids → `location_country` values, overriding the reverse geocoding.
    pub countries: BTreeMap<String, String>,
    /// Project ids → their SDG co-benefits (`co_benefit_id` picklist values), one `co_benefit`
    /// record each. OGCR records none on chain; without this the table is empty.
    pub co_benefits: BTreeMap<String, Vec<String>>,
    /// Project ids → independent ratings of the project, one `rating` record each. OGCR
    /// records none on chain; without this the table is empty.
    pub ratings: BTreeMap<String, Vec<RatingConfig>>,
    /// Article 6 parameters.
    pub aef: AefConfig,
}

impl Default for ExportConfig {
    fn default() -> Self {
        ExportConfig {
            program_name: "Open Geospatial Carbon Registry".into(),
            registry_name: "OGCR".into(),
            program_registry_id: None,
            program_description: None,
            crediting_program: None,
            base_url: "http://127.0.0.1:8080".into(),
            org_uid: None,
            strict: false,
            bodies: BTreeMap::new(),
            stakeholders: BTreeMap::new(),
            countries: BTreeMap::new(),
            co_benefits: BTreeMap::new(),
            ratings: BTreeMap::new(),
            aef: AefConfig::default(),
        }
    }
}

/// An independent rating of a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingConfig {
    /// `ratingType` (picklist `rating_type`: "CCQI", "CDP").
    #[serde(rename = "type")]
    pub rating_type: String,
    /// `ratingName`: who rated (e.g. "BeZero").
    pub name: String,
    /// `ratingValue`: the score as published ("A", "4.5").
    pub value: String,
    /// `ratingLink`: where the rating is published.
    pub link: Option<String>,
}

/// Article 6 parameters without an on-chain source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AefConfig {
    /// `aefT1SubmissionVersion`. Default 1.
    pub version: u32,
    /// `aefT1SubmissionSubmissionDate` (YYYY-MM-DD). Default: 31 December of the report
    /// year — set the real date of the submission.
    pub submission_date: Option<chrono::NaiveDate>,
    /// `aefT1SubmissionNdcFirstYear`.
    pub ndc_first_year: Option<i32>,
    /// `aefT1SubmissionNdcLastYear`.
    pub ndc_last_year: Option<i32>,
    /// Cooperative approach id of T2–T5. Default `<registry_name>-A6-<party code>`.
    pub cooperative_approach_id: Option<String>,
    /// `aefT2AuthorizationsPurposesForAuthorization` (picklist). Default "NDC and OIMP".
    pub purposes_for_authorization: String,
    /// `aefT2AuthorizationsFirstTransferDefinitionOimp` (picklist): when the first transfer
    /// happens. Default "Issuance": an Article 6 serial block is authorised and first
    /// transferred when it is minted with the label.
    pub first_transfer_definition: String,
    /// `aefT2AuthorizationsOimpAuthorizedParty`.
    pub oimp_authorized_party: Option<String>,
    /// `aefT2AuthorizationsAuthorizedTimeframe`.
    pub authorized_timeframe: Option<String>,
    /// `aefT2AuthorizationsAuthorizationTerms`.
    pub authorization_terms: Option<String>,
    /// `aefT2AuthorizationsAuthorizationDocumentation` (URL).
    pub authorization_documentation: Option<String>,
    /// GWP values used (`…GwpValue`).
    pub gwp_value: Option<String>,
    /// Acquiring Party of transfers and first transfers (alpha-2). Default: the host Party.
    pub acquiring_party: Option<String>,
    /// Registry of the Party's ITMOs (`…PartyItmoRegistryId`). Default: the host Party code.
    pub party_itmo_registry_id: Option<String>,
    /// `aefT5AuthorizedEntitiesIncorporationCountry` (picklist). Default: the host Party.
    pub entity_country: Option<String>,
    /// `aefT5AuthorizedEntitiesConditions`.
    pub entity_conditions: Option<String>,
}

impl Default for AefConfig {
    fn default() -> Self {
        AefConfig {
            version: 1,
            submission_date: None,
            ndc_first_year: None,
            ndc_last_year: None,
            cooperative_approach_id: None,
            purposes_for_authorization: "NDC and OIMP".into(),
            first_transfer_definition: "Issuance".into(),
            oimp_authorized_party: None,
            authorized_timeframe: None,
            authorization_terms: None,
            authorization_documentation: None,
            gwp_value: None,
            acquiring_party: None,
            party_itmo_registry_id: None,
            entity_country: None,
            entity_conditions: None,
        }
    }
}

impl ExportConfig {
    /// Parses TOML; `origin` names it in errors. Addresses are lowercased.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self> {
        let mut cfg: ExportConfig = toml::from_str(text).map_err(|e| Error::Config {
            origin: origin.to_owned(),
            reason: e.to_string(),
        })?;
        cfg.bodies = lowercase_keys(std::mem::take(&mut cfg.bodies));
        cfg.stakeholders = lowercase_keys(std::mem::take(&mut cfg.stakeholders));
        while cfg.base_url.ends_with('/') {
            cfg.base_url.pop();
        }
        Ok(cfg)
    }

    /// Reads a TOML file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Config {
            origin: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::from_toml(&text, &path.display().to_string())
    }
}

fn lowercase_keys(m: BTreeMap<String, String>) -> BTreeMap<String, String> {
    m.into_iter().map(|(k, v)| (k.to_lowercase(), v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_gives_the_defaults() {
        let c = ExportConfig::from_toml("", "test").unwrap();
        assert_eq!(c, ExportConfig::default());
        assert_eq!(c.aef.first_transfer_definition, "Issuance");
    }

    #[test]
    fn the_documented_example_parses() {
        let text = include_str!("config.rs")
            .split("//! ```toml\n")
            .nth(1)
            .unwrap()
            .split("//! ```")
            .next()
            .unwrap()
            .lines()
            .map(|l| l.trim_start_matches("//!").trim_start())
            .collect::<Vec<_>>()
            .join("\n");
        let c = ExportConfig::from_toml(&text, "doc").unwrap();
        assert_eq!(c.base_url, "https://registry.example.org");
        assert_eq!(
            c.bodies["0x90f79bf6eb2c4f870365e785982e1f101e93b906"],
            "SCS Global Services"
        );
        assert_eq!(c.countries["OGCR-BR-0001"], "Brazil");
        assert_eq!(
            c.aef.cooperative_approach_id.as_deref(),
            Some("BR-CA-OGCR-2025")
        );
    }

    #[test]
    fn addresses_are_lowercased_and_unknown_keys_refused() {
        let c = ExportConfig::from_toml(
            "base_url = \"http://x/\"\n[bodies]\n\"0xABCD\" = \"Verifit\"",
            "t",
        )
        .unwrap();
        assert_eq!(c.bodies["0xabcd"], "Verifit");
        assert_eq!(c.base_url, "http://x");
        let err = ExportConfig::from_toml("programme = \"x\"", "cfg.toml").unwrap_err();
        assert!(err.to_string().contains("cfg.toml"), "{err}");
    }
}
