//! Deterministic record ids.
//!
//! CAD Trust wants every id globally unique: no two organisations may generate the same id,
//! and republishing a record must keep its id. Every GUID the exporter emits is therefore a
//! name-based UUID, version 5 (SHA-1), in the fixed ogcr namespace [`NAMESPACE`] (itself
//! `uuid5(NAMESPACE_URL, "urn:ogcr:cadt")`), over a name that spells out what the record
//! stands for on chain:
//!
//! ```text
//! ogcr:<model>:<table>:<chain id>:<contract address>:<on-chain id>[:<part>…]
//! ogcr:cadt:unit:31337:0x9fe4…6e0:42           CRU token 42 of that CarbonRemovalUnit
//! ogcr:cadt:project:31337:0xe7f1…512:OGCR-BR-0001
//! ogcr:cadt:verification:31337:0xcf7e…fc9:7    MRV report 7 of that MRVRegistry
//! ogcr:aef:t3:31337:0x9fe4…6e0:0xab…cd:3        action of log 3 of that transaction
//! ```
//!
//! The contract is the one that assigns the on-chain id: the ProjectRegistry for projects and
//! everything that hangs off a project, the MRVRegistry for reports (verifications,
//! issuances), the CarbonRemovalUnit for tokens. Addresses are lowercase hex. So the same
//! on-chain record gets the same UUID on every run and from every independent indexer of
//! the same chain; another deployment (another chain or other contracts) never shares one;
//! and the table name in every name keeps tables from colliding with each other.

use ogcr_store::ChainState;
use uuid::Uuid;

/// The ogcr namespace of every exported id: `uuid5(NAMESPACE_URL, "urn:ogcr:cadt")`.
pub const NAMESPACE: Uuid = Uuid::from_u128(0xa0cf_e603_a468_53ba_8508_94e4_43da_962c);

/// The id of the record named `name` (see the module documentation).
pub fn uuid_for(name: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, name.as_bytes())
}

/// The ids of one deployment's records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ids {
    chain_id: i64,
    project_registry: String,
    mrv_registry: String,
    cru: String,
}

impl Ids {
    /// Ids for the deployment a database follows.
    pub fn new(chain: &ChainState) -> Self {
        Ids {
            chain_id: chain.chain_id,
            project_registry: chain.project_registry.to_lowercase(),
            mrv_registry: chain.mrv_registry.to_lowercase(),
            cru: chain.carbon_removal_unit.to_lowercase(),
        }
    }

    fn id(&self, model: &str, table: &str, contract: &str, parts: &[&str]) -> String {
        let mut name = format!("ogcr:{model}:{table}:{}:{contract}", self.chain_id);
        for p in parts {
            name.push(':');
            name.push_str(p);
        }
        uuid_for(&name).to_string()
    }

    fn project_part(&self, table: &str, project_id: &str, parts: &[&str]) -> String {
        let mut all = vec![project_id];
        all.extend_from_slice(parts);
        self.id("cadt", table, &self.project_registry, &all)
    }

    /// The organisation (`orgUid`) of this deployment.
    pub fn org(&self) -> String {
        self.id("cadt", "org", &self.project_registry, &[])
    }

    /// The program of this deployment.
    pub fn program(&self) -> String {
        self.id("cadt", "program", &self.project_registry, &[])
    }

    /// A methodology version as referenced by this deployment's PDDs.
    pub fn methodology(&self, code: &str, version: &str) -> String {
        self.id(
            "cadt",
            "methodology",
            &self.project_registry,
            &[code, version],
        )
    }

    /// A label (`bit`: the CRU label bit).
    pub fn label(&self, bit: i64) -> String {
        self.id("cadt", "label", &self.cru, &[&bit.to_string()])
    }

    /// A project.
    pub fn project(&self, project_id: &str) -> String {
        self.project_part("project", project_id, &[])
    }

    /// The developer of a project.
    pub fn stakeholder(&self, project_id: &str) -> String {
        self.project_part("stakeholder", project_id, &["developer"])
    }

    /// A project's methodology link.
    pub fn project_methodology(&self, project_id: &str) -> String {
        self.project_part("project_methodology", project_id, &[])
    }

    /// A project's `n`-th validation (1-based).
    pub fn validation(&self, project_id: &str, n: i64) -> String {
        self.project_part("validation", project_id, &[&n.to_string()])
    }

    /// A project's location.
    pub fn location(&self, project_id: &str) -> String {
        self.project_part("location", project_id, &[])
    }

    /// A project's estimation.
    pub fn estimation(&self, project_id: &str) -> String {
        self.project_part("estimation", project_id, &[])
    }

    /// A project's configured co-benefit (an SDG picklist value).
    pub fn co_benefit(&self, project_id: &str, sdg: &str) -> String {
        self.project_part("co_benefit", project_id, &[sdg])
    }

    /// A project's `n`-th configured rating (1-based).
    pub fn rating(&self, project_id: &str, n: usize) -> String {
        self.project_part("rating", project_id, &[&n.to_string()])
    }

    /// The verification of an MRV report.
    pub fn verification(&self, mrv_id: i64) -> String {
        self.id(
            "cadt",
            "verification",
            &self.mrv_registry,
            &[&mrv_id.to_string()],
        )
    }

    /// The issuance against an MRV report.
    pub fn issuance(&self, mrv_id: i64) -> String {
        self.id(
            "cadt",
            "issuance",
            &self.mrv_registry,
            &[&mrv_id.to_string()],
        )
    }

    /// A CRU token (serial block).
    pub fn unit(&self, token_id: i64) -> String {
        self.id("cadt", "unit", &self.cru, &[&token_id.to_string()])
    }

    /// A label on a token.
    pub fn unit_label(&self, token_id: i64, bit: i64) -> String {
        self.id(
            "cadt",
            "unit_label",
            &self.cru,
            &[&token_id.to_string(), &bit.to_string()],
        )
    }

    /// The AEF submission of a Party (ISO alpha-2) for a year and version.
    pub fn aef_submission(&self, party: &str, year: i32, version: u32) -> String {
        self.id(
            "aef",
            "t1",
            &self.project_registry,
            &[party, &year.to_string(), &version.to_string()],
        )
    }

    /// The authorisation of an issued Article 6 serial block (its root token).
    pub fn aef_authorization(&self, root_token_id: i64) -> String {
        self.id("aef", "t2", &self.cru, &[&root_token_id.to_string()])
    }

    /// An action: the log `log_index` of transaction `tx_hash`, or the issuance of a token.
    pub fn aef_action(&self, tx_hash: &str, log_index: i64, kind: &str) -> String {
        self.id(
            "aef",
            "t3",
            &self.cru,
            &[&tx_hash.to_lowercase(), &log_index.to_string(), kind],
        )
    }

    /// A token's holding at the end of a year.
    pub fn aef_holding(&self, token_id: i64, year: i32) -> String {
        self.id(
            "aef",
            "t4",
            &self.cru,
            &[&token_id.to_string(), &year.to_string()],
        )
    }

    /// The authorised entity of a project (its developer).
    pub fn aef_entity(&self, project_id: &str) -> String {
        self.id("aef", "t5", &self.project_registry, &[project_id])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(chain_id: i64, cru: &str) -> ChainState {
        ChainState {
            id: 1,
            chain_id,
            access_control: "0xac".into(),
            project_registry: "0xAAAA".into(),
            mrv_registry: "0xbbbb".into(),
            carbon_removal_unit: cru.into(),
            deployment_block: 1,
            checkpoint_block: 1,
            checkpoint_hash: String::new(),
            undo_floor: 0,
        }
    }

    #[test]
    fn the_namespace_is_derived_from_the_ogcr_urn() {
        assert_eq!(
            NAMESPACE,
            Uuid::new_v5(&Uuid::NAMESPACE_URL, b"urn:ogcr:cadt"),
            "NAMESPACE must be uuid5(NAMESPACE_URL, \"urn:ogcr:cadt\")"
        );
    }

    #[test]
    fn ids_are_stable_v5_uuids_of_the_documented_names() {
        let ids = Ids::new(&chain(31337, "0xCCCC"));
        let unit = ids.unit(42);
        assert_eq!(unit, ids.unit(42));
        assert_eq!(unit, uuid_for("ogcr:cadt:unit:31337:0xcccc:42").to_string());
        assert_eq!(Uuid::parse_str(&unit).unwrap().get_version_num(), 5);
        assert_eq!(
            ids.project("OGCR-BR-0001"),
            uuid_for("ogcr:cadt:project:31337:0xaaaa:OGCR-BR-0001").to_string()
        );
    }

    #[test]
    fn tables_chains_and_contracts_never_share_an_id() {
        let a = Ids::new(&chain(31337, "0xcccc"));
        let b = Ids::new(&chain(1, "0xcccc"));
        let c = Ids::new(&chain(31337, "0xdddd"));
        let mut all = vec![
            a.unit(1),
            b.unit(1),
            c.unit(1),
            a.unit(2),
            a.unit_label(1, 1),
            a.unit_label(1, 2),
            a.issuance(1),
            a.verification(1),
            a.project("1"),
            a.location("1"),
            a.estimation("1"),
            a.stakeholder("1"),
            a.project_methodology("1"),
            a.validation("1", 1),
            a.label(1),
            a.aef_authorization(1),
            a.aef_holding(1, 2025),
            a.aef_entity("1"),
            a.program(),
            a.org(),
        ];
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n);
    }
}
