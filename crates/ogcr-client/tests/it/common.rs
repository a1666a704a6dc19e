//! Shared fixtures: anvil, the actors' signers, a deployed suite with one registry per actor.

use std::{fmt::Debug, path::Path};

use alloy::{
    node_bindings::{Anvil, AnvilInstance},
    primitives::{Address, B256},
    signers::local::PrivateKeySigner,
};
use ogcr_client::{DeployOptions, Error, Manifest, Registry, TxPolicy, deploy, role_id};
use tempfile::TempDir;

/// Anvil account indexes of the actors.
pub(crate) const ADMIN: usize = 0;
pub(crate) const DEVELOPER: usize = 1;
pub(crate) const VALIDATOR: usize = 2;
pub(crate) const VERIFIER: usize = 3;
pub(crate) const OPERATOR: usize = 4;
pub(crate) const HOLDER: usize = 5;
pub(crate) const STRANGER: usize = 6;

/// Spawns anvil from the npm toolchain of the workspace (free port, chain id 31337).
pub(crate) fn spawn_anvil() -> AnvilInstance {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../node_modules/.bin/anvil");
    Anvil::new().path(bin).spawn()
}

/// The signer of anvil dev account `i`.
pub(crate) fn signer(anvil: &AnvilInstance, i: usize) -> PrivateKeySigner {
    PrivateKeySigner::from_slice(&anvil.keys()[i].to_bytes()).expect("anvil dev key")
}

/// The address of anvil dev account `i`.
pub(crate) fn address(anvil: &AnvilInstance, i: usize) -> Address {
    anvil.addresses()[i]
}

/// The roles the lifecycle needs: developer, validator, verifier, registry operator.
pub(crate) fn standard_grants(anvil: &AnvilInstance) -> Vec<(B256, Address)> {
    [
        ("developer", DEVELOPER),
        ("validator", VALIDATOR),
        ("verifier", VERIFIER),
        ("registry_operator", OPERATOR),
    ]
    .into_iter()
    .map(|(role, i)| (role_id(role).unwrap(), address(anvil, i)))
    .collect()
}

/// Deploys the suite from account 0 into `dir`, optionally granting the standard roles.
pub(crate) async fn deploy_suite(anvil: &AnvilInstance, dir: &Path, grants: bool) -> Manifest {
    let opts = DeployOptions {
        grants: if grants {
            standard_grants(anvil)
        } else {
            Vec::new()
        },
        ..DeployOptions::default()
    };
    let result = deploy(
        &anvil.endpoint(),
        signer(anvil, ADMIN),
        dir,
        &opts,
        &TxPolicy::default(),
        &mut |_| {},
    )
    .await
    .expect("deploy the suite");
    assert!(result.deployed);
    result.manifest
}

/// A registry signing as anvil account `i`.
pub(crate) async fn connect(anvil: &AnvilInstance, manifest: &Manifest, i: usize) -> Registry {
    connect_as(anvil, manifest, signer(anvil, i)).await
}

/// A registry signing with `signer`.
pub(crate) async fn connect_as(
    anvil: &AnvilInstance,
    manifest: &Manifest,
    signer: PrivateKeySigner,
) -> Registry {
    Registry::connect(
        &anvil.endpoint(),
        Some(signer),
        manifest.clone(),
        TxPolicy::default(),
    )
    .await
    .expect("connect to the deployment")
}

/// The decoded revert message of a failed operation; panics on success or any other error.
pub(crate) fn revert<T: Debug>(result: ogcr_client::Result<T>) -> String {
    match result {
        Err(Error::Revert(message)) => message,
        other => panic!("expected a decoded revert, got {other:?}"),
    }
}

/// Asserts that an operation reverted with a message containing every one of `parts`.
#[track_caller]
pub(crate) fn assert_revert<T: Debug>(result: ogcr_client::Result<T>, parts: &[&str]) {
    let message = revert(result);
    for part in parts {
        assert!(
            message.contains(part),
            "revert message {message:?} lacks {part:?}"
        );
    }
}

/// Midnight UTC of a date, in unix seconds.
pub(crate) fn day(y: i32, m: u32, d: u32) -> u64 {
    let t = chrono::NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("a valid date")
        .and_utc()
        .timestamp();
    u64::try_from(t).expect("after 1970")
}

/// SHA-256 of `text` (stands for the CS-01 hash of a document).
pub(crate) fn sha256(text: &str) -> B256 {
    ogcr_core::cs01::commitment::sha256_hex(text.as_bytes())
        .parse()
        .expect("64 hex digits")
}

/// A deployed suite with the standard roles and one registry per actor.
pub(crate) struct World {
    pub(crate) anvil: AnvilInstance,
    _dir: TempDir,
    pub(crate) manifest: Manifest,
    pub(crate) admin: Registry,
    pub(crate) developer: Registry,
    pub(crate) validator: Registry,
    pub(crate) verifier: Registry,
    pub(crate) operator: Registry,
    pub(crate) holder: Registry,
    pub(crate) stranger: Registry,
}

impl World {
    /// Spawns anvil and deploys the suite, granting the standard roles when `grants`.
    pub(crate) async fn new(grants: bool) -> Self {
        let anvil = spawn_anvil();
        let dir = tempfile::tempdir().expect("tempdir");
        let manifest = deploy_suite(&anvil, dir.path(), grants).await;
        World {
            admin: connect(&anvil, &manifest, ADMIN).await,
            developer: connect(&anvil, &manifest, DEVELOPER).await,
            validator: connect(&anvil, &manifest, VALIDATOR).await,
            verifier: connect(&anvil, &manifest, VERIFIER).await,
            operator: connect(&anvil, &manifest, OPERATOR).await,
            holder: connect(&anvil, &manifest, HOLDER).await,
            stranger: connect(&anvil, &manifest, STRANGER).await,
            anvil,
            _dir: dir,
            manifest,
        }
    }

    /// The address of anvil account `i`.
    pub(crate) fn addr(&self, i: usize) -> Address {
        address(&self.anvil, i)
    }
}
