//! Deploys the suite in dependency order, wires roles and writes the manifest; finds and reuses
//! an existing deployment instead of deploying twice.

use std::path::Path;

use alloy::{
    primitives::{Address, B256, keccak256},
    providers::{DynProvider, Provider},
    rpc::types::TransactionReceipt,
    signers::local::PrivateKeySigner,
};
use ogcr_bindings::{CarbonRemovalUnit, MRVRegistry, OGCRAccessControl, ProjectRegistry};
use tracing::info;

use crate::{
    Contracts, Deployed, Error, Manifest, Result,
    registry::{TxPolicy, check_chain, connect_provider, send_call},
};

/// What to deploy and whom to grant roles.
#[derive(Debug, Clone, Default)]
pub struct DeployOptions {
    /// The first administrator (default: the deployer).
    pub administrator: Option<Address>,
    /// Administrator handover delay in seconds.
    pub admin_delay_secs: u64,
    /// Roles to grant right after deployment (only when the deployer is the administrator).
    pub grants: Vec<(B256, Address)>,
    /// Network name recorded in the manifest.
    pub network: Option<String>,
    /// Expected chain id (from the network), checked against the endpoint.
    pub expected_chain_id: Option<u64>,
    /// Deploy even when a live deployment is recorded for this chain.
    pub force: bool,
}

/// The result of `deploy`: the manifest and whether it was deployed now or found.
#[derive(Debug, Clone)]
pub struct DeployResult {
    /// The deployment.
    pub manifest: Manifest,
    /// False when an existing deployment was reused.
    pub deployed: bool,
    /// Where the manifest was written or read.
    pub manifest_path: std::path::PathBuf,
}

/// Deploys the suite (or reuses the deployment recorded in `manifest_dir`), reporting progress
/// through `progress`.
pub async fn deploy(
    rpc_url: &str,
    signer: PrivateKeySigner,
    manifest_dir: &Path,
    opts: &DeployOptions,
    policy: &TxPolicy,
    progress: &mut dyn FnMut(&str),
) -> Result<DeployResult> {
    let deployer = signer.address();
    let provider = connect_provider(rpc_url, Some(signer)).await?;
    let chain_id = match opts.expected_chain_id {
        Some(expected) => check_chain(&provider, expected, "the selected network").await?,
        None => provider.get_chain_id().await.map_err(Error::rpc)?,
    };
    let manifest_path = Manifest::path(manifest_dir, chain_id);

    let existing = if opts.force {
        None
    } else {
        Manifest::read(&manifest_path)?
    };
    if let Some(existing) = existing {
        if is_live(&provider, &existing).await? {
            progress(&format!(
                "found the deployment of chain {chain_id} in {} (use --force to deploy again)",
                manifest_path.display()
            ));
            return Ok(DeployResult {
                manifest: existing,
                deployed: false,
                manifest_path,
            });
        }
        progress(&format!(
            "{} records contracts that are not on chain {chain_id} (a reset chain?); deploying anew",
            manifest_path.display()
        ));
    }

    let admin = opts.administrator.unwrap_or(deployer);
    if !opts.grants.is_empty() && admin != deployer {
        return Err(Error::Config(format!(
            "roles can be granted at deployment only when the deployer {deployer} is the \
             administrator (administrator: {admin}); grant them later with `ogcr roles grant`"
        )));
    }
    let delay = alloy::primitives::aliases::U48::from(opts.admin_delay_secs);

    progress("deploying OGCRAccessControl");
    let r = send_call(
        OGCRAccessControl::deploy_builder(&provider, delay, admin),
        Some(deployer),
        policy,
        "OGCRAccessControl",
    )
    .await?;
    let access_control = deployed(&provider, &r).await?;

    progress("deploying ProjectRegistry");
    let r = send_call(
        ProjectRegistry::deploy_builder(&provider, access_control.address),
        Some(deployer),
        policy,
        "ProjectRegistry",
    )
    .await?;
    let project_registry = deployed(&provider, &r).await?;

    progress("deploying MRVRegistry");
    let r = send_call(
        MRVRegistry::deploy_builder(&provider, access_control.address, project_registry.address),
        Some(deployer),
        policy,
        "MRVRegistry",
    )
    .await?;
    let mrv_registry = deployed(&provider, &r).await?;

    progress("deploying CarbonRemovalUnit");
    let r = send_call(
        CarbonRemovalUnit::deploy_builder(&provider, access_control.address, mrv_registry.address),
        Some(deployer),
        policy,
        "CarbonRemovalUnit",
    )
    .await?;
    let carbon_removal_unit = deployed(&provider, &r).await?;

    if !opts.grants.is_empty() {
        let acl = OGCRAccessControl::new(access_control.address, &provider);
        for (role, account) in &opts.grants {
            progress(&format!(
                "granting {} to {account}",
                ogcr_bindings::errors::role_name(*role)
            ));
            send_call(
                acl.grantRole(*role, *account),
                Some(deployer),
                policy,
                "grantRole",
            )
            .await?;
        }
    }

    let manifest = Manifest {
        chain_id,
        network: opts.network.clone(),
        deployer,
        administrator: admin,
        admin_delay_secs: opts.admin_delay_secs,
        deployment_block: access_control.block_number,
        contracts: Contracts {
            access_control,
            project_registry,
            mrv_registry,
            carbon_removal_unit,
        },
        ogcr_version: env!("CARGO_PKG_VERSION").to_owned(),
        deployed_at: chrono::Utc::now()
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string(),
    };
    manifest.write(&manifest_path)?;
    info!(target: "ogcr::deploy", chain_id, path = %manifest_path.display(), "manifest written");
    Ok(DeployResult {
        manifest,
        deployed: true,
        manifest_path,
    })
}

async fn deployed(provider: &DynProvider, r: &TransactionReceipt) -> Result<Deployed> {
    let address = r.contract_address.ok_or_else(|| {
        Error::Rpc(format!(
            "receipt of {} has no contract address",
            r.transaction_hash
        ))
    })?;
    let code = provider.get_code_at(address).await.map_err(Error::rpc)?;
    Ok(Deployed {
        address,
        tx_hash: r.transaction_hash,
        block_number: r.block_number.unwrap_or_default(),
        code_hash: keccak256(&code),
    })
}

/// Whether every contract of a manifest has its recorded code on chain.
pub async fn is_live(provider: &DynProvider, m: &Manifest) -> Result<bool> {
    let c = &m.contracts;
    for d in [
        &c.access_control,
        &c.project_registry,
        &c.mrv_registry,
        &c.carbon_removal_unit,
    ] {
        let code = provider.get_code_at(d.address).await.map_err(Error::rpc)?;
        if code.is_empty() || keccak256(&code) != d.code_hash {
            return Ok(false);
        }
    }
    Ok(true)
}
