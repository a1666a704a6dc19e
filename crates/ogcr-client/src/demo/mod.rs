//! A realistic demo scenario on a deployment: six projects of six removal types in six
//! countries, their monitoring reports over consecutive years, verification both directly and
//! by relayed EIP-712 attestations, and Carbon Removal Units issued with buffer shares and
//! CORSIA / Article 6 labels, then traded, split, retired and cancelled. Everything goes
//! through the library's own paths ([`Registry`](crate::Registry), [`crate::documents`]), so
//! the chain it leaves behind is what real use produces: indexers, APIs and exports can be
//! tested against it.
//!
//! The scenario is a fixed script of registry transactions. [`run`](crate::demo::run) finds
//! how much of it is already on chain (the registry's transactions since deployment must be a
//! prefix of the script), sends the rest, and returns a
//! [`DemoSummary`](crate::demo::DemoSummary) read back from the chain: running it twice sends
//! nothing the second time and returns the same summary, and an interrupted run resumes where
//! it stopped.

use std::path::Path;

use alloy::{
    primitives::{Address, B256},
    signers::local::PrivateKeySigner,
};

use crate::{
    DeployOptions, DeployResult, Manifest, Registry, Result, SignerSource, TxPolicy, role_id,
};

/// Building, validating and storing the documents.
mod prepare;
/// The projects and reports as documents.
mod projects;
/// Sending the script and reading the result back.
mod runner;
/// The script of transactions.
mod script;
/// The summary types.
mod summary;

use projects::{VERIFIER_A, VERIFIER_B};
use runner::Runner;
pub use summary::{
    DemoAccount, DemoCancellation, DemoDocument, DemoLabelUpdate, DemoProject, DemoReport,
    DemoRetirement, DemoSplit, DemoSummary, DemoToken, DemoTransfer, label_names,
};

/// The mnemonic of anvil's (and hardhat's) funded development accounts.
pub const ANVIL_MNEMONIC: &str = "test test test test test test test test test test test junk";

/// The part an account plays in the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Actor {
    Admin,
    DeveloperA,
    DeveloperB,
    Validator,
    VerifierA,
    VerifierB,
    Operator,
    Relayer,
    Airline,
    Fund,
}

impl Actor {
    const ALL: [Actor; 10] = [
        Actor::Admin,
        Actor::DeveloperA,
        Actor::DeveloperB,
        Actor::Validator,
        Actor::VerifierA,
        Actor::VerifierB,
        Actor::Operator,
        Actor::Relayer,
        Actor::Airline,
        Actor::Fund,
    ];

    /// Who the account stands for.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Actor::Admin => "OGCR registry administrator",
            Actor::DeveloperA => "Terraviva Carbon Partners",
            Actor::DeveloperB => "Basalt & Char Removals Ltd",
            Actor::Validator => "Cerulean Validation Services",
            Actor::VerifierA => VERIFIER_A.1,
            Actor::VerifierB => VERIFIER_B.1,
            Actor::Operator => "OGCR registry operations",
            Actor::Relayer => "OGCR attestation relayer",
            Actor::Airline => "Andes Pacific Airways S.A.",
            Actor::Fund => "Alpine Climate Procurement AG",
        }
    }

    /// Its role in the registry (or `relayer` / `holder` for accounts without one).
    fn role(self) -> &'static str {
        match self {
            Actor::Admin => "administrator",
            Actor::DeveloperA | Actor::DeveloperB => "developer",
            Actor::Validator => "validator",
            Actor::VerifierA | Actor::VerifierB => "verifier",
            Actor::Operator => "registry_operator",
            Actor::Relayer => "relayer",
            Actor::Airline | Actor::Fund => "holder",
        }
    }

    fn index(self) -> usize {
        Actor::ALL
            .iter()
            .position(|a| *a == self)
            .expect("every actor is listed")
    }
}

/// The ten accounts of the demo, one per part.
#[derive(Debug, Clone)]
pub struct DemoAccounts {
    /// Deploys the suite and grants the roles.
    pub admin: PrivateKeySigner,
    /// Developer of the nature-based projects (Brazil, Indonesia, Uruguay).
    pub developer_a: PrivateKeySigner,
    /// Developer of the engineered projects (Kenya, Iceland, India).
    pub developer_b: PrivateKeySigner,
    /// Validates (and rejects) projects.
    pub validator: PrivateKeySigner,
    /// Verifies reports directly, and rejects one.
    pub verifier_a: PrivateKeySigner,
    /// Signs EIP-712 attestations offline; never sends a transaction.
    pub verifier_b: PrivateKeySigner,
    /// Registry operator: issues, labels and cancels; holds the buffer pool.
    pub operator: PrivateKeySigner,
    /// Relays verifier B's attestations (no role).
    pub relayer: PrivateKeySigner,
    /// An airline buying and retiring units for CORSIA.
    pub airline: PrivateKeySigner,
    /// A fund buying Article 6 ITMOs and retiring them for a country's NDC.
    pub fund: PrivateKeySigner,
}

impl DemoAccounts {
    /// Accounts 0-9 of a mnemonic, in field order (administrator = account 0).
    pub fn from_mnemonic(phrase: &str) -> Result<Self> {
        let key = |index| {
            SignerSource::Mnemonic {
                phrase: phrase.to_owned(),
                index,
            }
            .build()
        };
        Ok(DemoAccounts {
            admin: key(0)?,
            developer_a: key(1)?,
            developer_b: key(2)?,
            validator: key(3)?,
            verifier_a: key(4)?,
            verifier_b: key(5)?,
            operator: key(6)?,
            relayer: key(7)?,
            airline: key(8)?,
            fund: key(9)?,
        })
    }

    /// Anvil's first ten funded development accounts.
    pub fn anvil() -> Result<Self> {
        Self::from_mnemonic(ANVIL_MNEMONIC)
    }

    fn signer(&self, actor: Actor) -> &PrivateKeySigner {
        match actor {
            Actor::Admin => &self.admin,
            Actor::DeveloperA => &self.developer_a,
            Actor::DeveloperB => &self.developer_b,
            Actor::Validator => &self.validator,
            Actor::VerifierA => &self.verifier_a,
            Actor::VerifierB => &self.verifier_b,
            Actor::Operator => &self.operator,
            Actor::Relayer => &self.relayer,
            Actor::Airline => &self.airline,
            Actor::Fund => &self.fund,
        }
    }

    fn address(&self, actor: Actor) -> Address {
        self.signer(actor).address()
    }

    /// The roles the scenario needs (the administrator has its own from deployment).
    pub fn grants(&self) -> Vec<(B256, Address)> {
        Actor::ALL
            .iter()
            .filter(|a| !matches!(a.role(), "administrator" | "relayer" | "holder"))
            .map(|a| {
                let role = role_id(a.role()).expect("the scenario uses ogcr roles only");
                (role, self.address(*a))
            })
            .collect()
    }

    /// Every account with its part, for the summary.
    pub fn describe(&self) -> Vec<DemoAccount> {
        Actor::ALL
            .iter()
            .map(|a| DemoAccount {
                role: a.role().to_owned(),
                name: a.name().to_owned(),
                address: self.address(*a),
            })
            .collect()
    }
}

/// Deploys the suite from the administrator's account with the roles the demo needs, or
/// reuses the live deployment recorded in `manifest_dir`.
pub async fn deploy(
    rpc_url: &str,
    accounts: &DemoAccounts,
    manifest_dir: &Path,
    policy: &TxPolicy,
    progress: &mut dyn FnMut(&str),
) -> Result<DeployResult> {
    let opts = DeployOptions {
        grants: accounts.grants(),
        ..DeployOptions::default()
    };
    crate::deploy(
        rpc_url,
        accounts.admin.clone(),
        manifest_dir,
        &opts,
        policy,
        progress,
    )
    .await
}

/// Runs the scenario on `manifest`'s deployment (or the rest of it, when part is on chain),
/// storing its documents in `documents_dir`, and returns what is on chain. Grants the roles the
/// scenario needs first when they are missing (the administrator must be `accounts.admin`).
/// Each transaction is reported through `progress` before it is sent.
pub async fn run(
    rpc_url: &str,
    manifest: &Manifest,
    accounts: &DemoAccounts,
    documents_dir: &Path,
    policy: &TxPolicy,
    progress: &mut dyn FnMut(&str),
) -> Result<DemoSummary> {
    let projects = projects::projects();
    let reports = projects::reports();
    let prepared = prepare::prepare(&projects, &reports, documents_dir)?;
    progress(&format!(
        "stored {} validated documents in {}",
        prepared.documents.len(),
        documents_dir.display()
    ));

    let mut registries = Vec::with_capacity(Actor::ALL.len());
    for actor in Actor::ALL {
        let signer = accounts.signer(actor).clone();
        registries.push(Registry::connect(rpc_url, Some(signer), manifest.clone(), *policy).await?);
    }
    let mut runner = Runner::new(registries, accounts, projects, reports, prepared);
    let steps = script::script();
    let journal = runner.journal().await?;
    let done = journal.len().min(steps.len());
    if done == steps.len() {
        progress(&format!(
            "the demo is on chain already ({} transactions); nothing to send",
            steps.len()
        ));
        if journal.len() > done {
            progress(&format!(
                "{} later registry transactions are not the demo's; the summary shows the \
                 chain as it is now",
                journal.len() - done
            ));
        }
    } else if done > 0 {
        progress(&format!(
            "{done} of {} demo transactions are on chain; resuming",
            steps.len()
        ));
    }
    for (step, tx) in steps.iter().zip(&journal) {
        let receipt = runner.replayed(step, *tx).await?;
        runner.record(step, &receipt)?;
    }
    if done < steps.len() {
        runner.ensure_roles(progress).await?;
    }
    for (i, step) in steps.iter().enumerate().skip(done) {
        runner.ready(step).await?;
        progress(&format!("[{}/{}] {}", i + 1, steps.len(), step.describe()));
        let tx = runner.execute(step).await?;
        let receipt = runner.receipt(tx).await?;
        runner.record(step, &receipt)?;
    }
    runner.summary(steps.len()).await
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::{prepare::prepare, script::Action, *};
    use crate::documents;

    #[test]
    fn every_document_is_valid_and_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = prepare(&projects::projects(), &projects::reports(), dir.path()).unwrap();
        // 6 projects, one with a second PDD version; 10 reports.
        assert_eq!(p.documents.len(), 7 + 10);
        let files = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(files, 17, "every document has its own content address");
        for d in &p.documents {
            let hex = d.uri.strip_prefix(documents::URI_PREFIX).unwrap();
            let text = std::fs::read_to_string(dir.path().join(format!("{hex}.json"))).unwrap();
            assert_eq!(prepare::sha256(&text), d.sha256, "{}", d.document_id);
        }
        // Stable: the same documents hash the same on every run.
        let again = prepare(&projects::projects(), &projects::reports(), dir.path()).unwrap();
        assert_eq!(again.documents, p.documents);
    }

    #[test]
    fn an_invalid_demo_document_stops_the_demo_before_anything_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let mut projects = projects::projects();
        let dac = projects
            .iter_mut()
            .find(|p| p.id == "OGCR-IS-0004")
            .unwrap();
        dac.versions[0].methodology.0 = "VM0047";
        dac.versions[0].methodology.1 = "1.0";
        let err = prepare(&projects, &projects::reports(), dir.path())
            .err()
            .expect("a reforestation methodology does not apply to direct air capture")
            .to_string();
        assert!(
            err.starts_with("demo PDD OGCR-IS-0004 version 1 is not a valid OGCR document:"),
            "{err}"
        );
        assert!(err.contains("[METHODOLOGY_PROJECT_TYPE]"), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn the_script_only_names_what_exists() {
        let accounts = DemoAccounts::anvil().unwrap();
        assert_eq!(
            accounts.admin.address().to_string(),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );
        assert_eq!(accounts.grants().len(), 6);
        let reports = projects::reports();
        let projects = projects::projects();
        // Each project has one developer, who does everything a developer does for it.
        let mut developer_of: HashMap<&str, Actor> = HashMap::new();
        let mut developer_step = |project: &'static str, actor: Actor| {
            assert!(projects.iter().any(|p| p.id == project), "{project}");
            let first = *developer_of.entry(project).or_insert(actor);
            assert_eq!(first, actor, "{project}");
        };
        for step in script::script() {
            match &step.action {
                Action::Register { project }
                | Action::Revise { project, .. }
                | Action::Submit { project }
                | Action::Archive { project, .. } => developer_step(project, step.actor),
                Action::SubmitReport { report } => {
                    let r = reports.iter().find(|r| r.id == *report).expect(report);
                    developer_step(r.project, step.actor);
                }
                _ => {}
            }
        }
        assert_eq!(developer_of.len(), projects.len());
    }
}
