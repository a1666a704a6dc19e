//! A connected registry: the deployed contracts, a provider (with a signer for writes) and
//! every lifecycle operation, each waiting for the network's confirmations and turning
//! reverts into readable errors.

use std::time::Duration;

use alloy::{
    contract::{CallBuilder, CallDecoder, SolCallBuilder},
    network::EthereumWallet,
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{Filter, TransactionReceipt},
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolEvent},
};
use ogcr_bindings::{
    CarbonRemovalUnit, ICarbonRemovalUnit, IMRVRegistry, IProjectRegistry, MRVRegistry,
    OGCRAccessControl, ProjectRegistry, errors::roles,
};
use tracing::info;

use crate::{Error, Manifest, Network, Result};

/// Gas policy of a network.
#[derive(Debug, Clone, Copy)]
pub struct GasPolicy {
    /// Multiplier on the gas estimate.
    pub limit_multiplier: f64,
    /// Cap on the max fee per gas, in wei.
    pub max_fee_per_gas: Option<u128>,
    /// Priority fee, in wei.
    pub max_priority_fee_per_gas: Option<u128>,
}

impl Default for GasPolicy {
    fn default() -> Self {
        GasPolicy {
            limit_multiplier: 1.2,
            max_fee_per_gas: None,
            max_priority_fee_per_gas: None,
        }
    }
}

impl From<&Network> for GasPolicy {
    fn from(n: &Network) -> Self {
        let wei = |gwei: f64| (gwei * 1e9).round() as u128;
        GasPolicy {
            limit_multiplier: n.gas_limit_multiplier.max(1.0),
            max_fee_per_gas: n.max_fee_per_gas_gwei.map(wei),
            max_priority_fee_per_gas: n.max_priority_fee_per_gas_gwei.map(wei),
        }
    }
}

/// How transactions are sent and awaited.
#[derive(Debug, Clone, Copy)]
pub struct TxPolicy {
    /// Blocks after inclusion before a transaction counts as done (0 = included).
    pub confirmations: u64,
    /// How long to wait for a receipt.
    pub timeout: Duration,
    /// Gas policy.
    pub gas: GasPolicy,
}

impl Default for TxPolicy {
    fn default() -> Self {
        TxPolicy {
            confirmations: 0,
            timeout: Duration::from_secs(120),
            gas: GasPolicy::default(),
        }
    }
}

/// Makes rustls' ring crypto provider the process default unless one is installed already.
/// HTTPS (RPC endpoints, document URLs) needs a provider; every HTTP client of ogcr calls this
/// first, so no embedding program has to.
pub fn ensure_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Connects to `rpc_url`, with a wallet when a signer is given.
pub async fn connect_provider(
    rpc_url: &str,
    signer: Option<PrivateKeySigner>,
) -> Result<DynProvider> {
    ensure_tls_provider();
    let builder = ProviderBuilder::new();
    let provider = match signer {
        Some(s) => builder
            .wallet(EthereumWallet::from(s))
            .connect(rpc_url)
            .await
            .map_err(|e| Error::Rpc(format!("cannot connect to {rpc_url}: {e}")))?
            .erased(),
        None => builder
            .connect(rpc_url)
            .await
            .map_err(|e| Error::Rpc(format!("cannot connect to {rpc_url}: {e}")))?
            .erased(),
    };
    Ok(provider)
}

/// Checks that the endpoint serves `expected`.
pub async fn check_chain(provider: &DynProvider, expected: u64, context: &str) -> Result<u64> {
    let actual = provider
        .get_chain_id()
        .await
        .map_err(|e| Error::Rpc(format!("cannot read the chain id: {e}")))?;
    if actual != expected {
        return Err(Error::WrongChain {
            expected,
            actual,
            context: context.to_owned(),
        });
    }
    Ok(actual)
}

/// The `registerProject` call (`external`: another registry's name and project id).
fn register_call(
    project_id: &str,
    pdd_hash: B256,
    pdd_uri: &str,
    external: Option<(&str, &str)>,
) -> ProjectRegistry::registerProjectCall {
    let (registry, id) = external.unwrap_or(("", ""));
    ProjectRegistry::registerProjectCall {
        projectId: project_id.into(),
        pddHash: pdd_hash,
        pddUri: pdd_uri.into(),
        externalRegistry: registry.into(),
        externalProjectId: id.into(),
    }
}

/// The outcome of a mined transaction.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TxOutcome {
    /// Transaction hash.
    pub tx_hash: B256,
    /// Block it was included in.
    pub block_number: u64,
    /// Gas it used.
    pub gas_used: u64,
}

impl From<&TransactionReceipt> for TxOutcome {
    fn from(r: &TransactionReceipt) -> Self {
        TxOutcome {
            tx_hash: r.transaction_hash,
            block_number: r.block_number.unwrap_or_default(),
            gas_used: r.gas_used,
        }
    }
}

/// Sends a contract call or deployment under a policy: estimate (a revert is decoded here),
/// pad the gas, apply fee caps, send, and wait for the receipt with the required confirmations.
pub(crate) async fn send_call<P: Provider, D: CallDecoder>(
    call: CallBuilder<P, D>,
    sender: Option<Address>,
    policy: &TxPolicy,
    what: &str,
) -> Result<TransactionReceipt> {
    let estimate = call
        .estimate_gas()
        .await
        .map_err(|e| Error::from_contract(e, sender))?;
    let mut call = call.gas((estimate as f64 * policy.gas.limit_multiplier).ceil() as u64);
    if let Some(max_fee) = policy.gas.max_fee_per_gas {
        let priority = policy
            .gas
            .max_priority_fee_per_gas
            .unwrap_or(1_000_000_000)
            .min(max_fee);
        call = call
            .max_fee_per_gas(max_fee)
            .max_priority_fee_per_gas(priority);
    }
    let pending = call
        .send()
        .await
        .map_err(|e| Error::from_contract(e, sender))?;
    let tx = *pending.tx_hash();
    info!(target: "ogcr::client", %tx, what, "transaction sent");
    let receipt = pending
        // alloy counts the inclusion block as the first confirmation.
        .with_required_confirmations(policy.confirmations + 1)
        .with_timeout(Some(policy.timeout))
        .get_receipt()
        .await
        .map_err(|e| Error::Rpc(format!("waiting for {what} transaction {tx}: {e}")))?;
    if !receipt.status() {
        return Err(Error::Reverted(tx));
    }
    Ok(receipt)
}

/// The events of type `E` emitted by `emitter` in a receipt.
pub fn events<E: SolEvent>(receipt: &TransactionReceipt, emitter: Address) -> Vec<E> {
    receipt
        .inner
        .logs()
        .iter()
        .filter(|l| l.address() == emitter)
        .filter_map(|l| l.log_decode::<E>().ok())
        .map(|l| l.inner.data)
        .collect()
}

/// The first event of type `E` emitted by `emitter` in a receipt, or `Error::MissingEvent`.
pub(crate) fn first_event<E: SolEvent>(
    receipt: &TransactionReceipt,
    emitter: Address,
) -> Result<E> {
    events::<E>(receipt, emitter)
        .into_iter()
        .next()
        .ok_or(Error::MissingEvent {
            tx: receipt.transaction_hash,
            event: E::SIGNATURE,
        })
}

/// A role by name (`developer`, `validator`, `verifier`, `registry_operator`, `administrator`).
pub fn role_id(name: &str) -> Result<B256> {
    let wanted = name.to_ascii_lowercase().replace('-', "_");
    let wanted = if wanted == "operator" {
        "registry_operator".to_owned()
    } else {
        wanted
    };
    roles()
        .iter()
        .find(|(n, _)| *n == wanted)
        .map(|(_, id)| *id)
        .ok_or_else(|| {
            let names: Vec<&str> = roles().iter().map(|(n, _)| *n).collect();
            Error::Config(format!(
                "unknown role {name:?}; roles: {}",
                names.join(", ")
            ))
        })
}

/// A connected registry.
#[derive(Debug, Clone)]
pub struct Registry {
    provider: DynProvider,
    sender: Option<Address>,
    manifest: Manifest,
    policy: TxPolicy,
}

/// The retirement claim of a retire call.
pub type RetirementInfo = ICarbonRemovalUnit::RetirementInfo;
/// Issuance arguments.
pub type IssueParams = ICarbonRemovalUnit::IssueParams;
/// A stored unit.
pub type Unit = ICarbonRemovalUnit::Unit;
/// A project record.
pub type ProjectView = IProjectRegistry::ProjectView;
/// An MRV report record.
pub type ReportView = IMRVRegistry::ReportView;
/// A report submission.
pub type ReportSubmission = IMRVRegistry::ReportSubmission;
/// A signed attestation as the contract takes it.
pub type MrvAttestation = IMRVRegistry::MRVAttestation;

/// The arguments of `verifyWithAttestation` for a CS-01 EIP-712 attestation: the signed
/// struct, the verifier (its `verifierAddress`) and the 65 signature bytes.
pub fn attestation_call(
    att: &ogcr_core::cs01::Attestation,
) -> Result<(MrvAttestation, Address, Vec<u8>)> {
    use ogcr_core::cs01::eip712;
    if att.signature_scheme.as_deref() != Some("eip712") {
        return Err(Error::Attestation(
            "only EIP-712 attestations can be verified on chain (signatureScheme is not \"eip712\")"
                .into(),
        ));
    }
    let bad = |e: ogcr_core::Error| Error::Attestation(e.to_string());
    let verifier = eip712::parse_address(
        att.verifier_address.as_deref().unwrap_or_default(),
        "verifierAddress",
    )
    .map_err(bad)?;
    // Any bytes: a contract wallet's ERC-1271 signature need not be 65 bytes.
    let signature = alloy::hex::decode(&att.signature)
        .map_err(|e| Error::Attestation(format!("signature is not hex: {e}")))?;
    let typed = eip712::typed_attestation(att).map_err(bad)?;
    let onchain = MrvAttestation {
        verifierId: typed.verifierId,
        scope: IMRVRegistry::AttestationScope {
            projectId: typed.scope.projectId,
            methodologyVersion: typed.scope.methodologyVersion,
            reportingPeriod: typed.scope.reportingPeriod,
        },
        commitmentHash: typed.commitmentHash,
        outcome: typed.outcome,
        attestedAt: typed.attestedAt,
        verifiedAmountKg: typed.verifiedAmountKg,
        verificationReportHash: typed.verificationReportHash,
    };
    Ok((onchain, verifier, signature))
}

impl Registry {
    /// Connects to a deployment; refuses an endpoint of another chain than the manifest's.
    pub async fn connect(
        rpc_url: &str,
        signer: Option<PrivateKeySigner>,
        manifest: Manifest,
        policy: TxPolicy,
    ) -> Result<Self> {
        let sender = signer.as_ref().map(PrivateKeySigner::address);
        let provider = connect_provider(rpc_url, signer).await?;
        check_chain(
            &provider,
            manifest.chain_id,
            "the deployment manifest's chain",
        )
        .await?;
        Ok(Registry {
            provider,
            sender,
            manifest,
            policy,
        })
    }

    /// The manifest this registry talks to.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The provider.
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// The signing account, if any.
    pub fn sender(&self) -> Option<Address> {
        self.sender
    }

    fn require_sender(&self) -> Result<Address> {
        self.sender.ok_or_else(|| {
            Error::Signer(
                "this command sends a transaction: give --private-key, --keystore or --mnemonic"
                    .into(),
            )
        })
    }

    /// The access-control contract.
    pub fn access_control(&self) -> OGCRAccessControl::OGCRAccessControlInstance<&DynProvider> {
        OGCRAccessControl::new(
            self.manifest.contracts.access_control.address,
            &self.provider,
        )
    }

    /// The project registry.
    pub fn projects(&self) -> ProjectRegistry::ProjectRegistryInstance<&DynProvider> {
        ProjectRegistry::new(
            self.manifest.contracts.project_registry.address,
            &self.provider,
        )
    }

    /// The MRV registry.
    pub fn mrv(&self) -> MRVRegistry::MRVRegistryInstance<&DynProvider> {
        MRVRegistry::new(self.manifest.contracts.mrv_registry.address, &self.provider)
    }

    /// The CRU token.
    pub fn cru(&self) -> CarbonRemovalUnit::CarbonRemovalUnitInstance<&DynProvider> {
        CarbonRemovalUnit::new(
            self.manifest.contracts.carbon_removal_unit.address,
            &self.provider,
        )
    }

    async fn send<P: Provider, C: SolCall>(
        &self,
        call: SolCallBuilder<P, C>,
        what: &str,
    ) -> Result<TransactionReceipt> {
        self.require_sender()?;
        send_call(call, self.sender, &self.policy, what).await
    }

    /// Runs a state-changing call as the sender without sending it: `Ok` when it would not
    /// revert now.
    async fn simulate<P: Provider, C: SolCall>(&self, call: SolCallBuilder<P, C>) -> Result<()> {
        let from = self.require_sender()?;
        call.from(from)
            .call()
            .await
            .map(|_| ())
            .map_err(|e| Error::from_contract(e, self.sender))
    }

    async fn view<P: Provider, C: SolCall>(&self, call: SolCallBuilder<P, C>) -> Result<C::Return> {
        call.call()
            .await
            .map_err(|e| Error::from_contract(e, self.sender))
    }

    // ------------------------------------------------------------------ roles

    /// Grants a role (administrator only).
    pub async fn grant_role(&self, role: B256, account: Address) -> Result<TxOutcome> {
        let r = self
            .send(self.access_control().grantRole(role, account), "grantRole")
            .await?;
        Ok((&r).into())
    }

    /// Revokes a role (administrator only).
    pub async fn revoke_role(&self, role: B256, account: Address) -> Result<TxOutcome> {
        let r = self
            .send(
                self.access_control().revokeRole(role, account),
                "revokeRole",
            )
            .await?;
        Ok((&r).into())
    }

    /// The ogcr roles `account` holds, by name.
    pub async fn roles_of(&self, account: Address) -> Result<Vec<&'static str>> {
        let mut held = Vec::new();
        for (name, id) in roles() {
            if self
                .view(self.access_control().hasRole(id, account))
                .await?
            {
                held.push(name);
            }
        }
        Ok(held)
    }

    /// Pauses the registry (administrator or registry operator).
    pub async fn pause(&self) -> Result<TxOutcome> {
        let r = self.send(self.access_control().pause(), "pause").await?;
        Ok((&r).into())
    }

    /// Lifts the pause (administrator).
    pub async fn unpause(&self) -> Result<TxOutcome> {
        let r = self
            .send(self.access_control().unpause(), "unpause")
            .await?;
        Ok((&r).into())
    }

    /// Whether the registry is paused.
    pub async fn paused(&self) -> Result<bool> {
        self.view(self.access_control().paused()).await
    }

    // --------------------------------------------------------------- projects

    /// Registers a project (DEVELOPER).
    pub async fn register_project(
        &self,
        project_id: &str,
        pdd_hash: B256,
        pdd_uri: &str,
        external: Option<(&str, &str)>,
    ) -> Result<TxOutcome> {
        let call = register_call(project_id, pdd_hash, pdd_uri, external);
        let c = self.projects();
        Ok((&self.send(c.call_builder(&call), "registerProject").await?).into())
    }

    /// Whether [`Registry::register_project`] would succeed now, without sending (a call
    /// from the sender): the decoded revert when not.
    pub async fn check_register_project(
        &self,
        project_id: &str,
        pdd_hash: B256,
        pdd_uri: &str,
        external: Option<(&str, &str)>,
    ) -> Result<()> {
        let call = register_call(project_id, pdd_hash, pdd_uri, external);
        self.simulate(self.projects().call_builder(&call)).await
    }

    /// Whether [`Registry::revise_pdd`] would succeed now, without sending.
    pub async fn check_revise_pdd(
        &self,
        project_id: &str,
        pdd_hash: B256,
        pdd_uri: &str,
    ) -> Result<()> {
        let c = self.projects();
        self.simulate(c.revisePDD(project_id.into(), pdd_hash, pdd_uri.into()))
            .await
    }

    /// Replaces the PDD of a draft or rejected project.
    pub async fn revise_pdd(
        &self,
        project_id: &str,
        pdd_hash: B256,
        pdd_uri: &str,
    ) -> Result<TxOutcome> {
        let c = self.projects();
        let call = c.revisePDD(project_id.into(), pdd_hash, pdd_uri.into());
        Ok((&self.send(call, "revisePDD").await?).into())
    }

    /// Submits a draft project for validation.
    pub async fn submit_project(&self, project_id: &str) -> Result<TxOutcome> {
        let c = self.projects();
        let call = c.submitProject(project_id.into());
        Ok((&self.send(call, "submitProject").await?).into())
    }

    /// Marks a submitted project as under review (VALIDATOR).
    pub async fn start_review(&self, project_id: &str) -> Result<TxOutcome> {
        let c = self.projects();
        let call = c.startReview(project_id.into());
        Ok((&self.send(call, "startReview").await?).into())
    }

    /// Validates a project and fixes its crediting period (VALIDATOR).
    pub async fn validate_project(
        &self,
        project_id: &str,
        report_hash: B256,
        justification: &str,
        crediting: (u64, u64),
    ) -> Result<TxOutcome> {
        let c = self.projects();
        let call = c.validateProject(
            project_id.into(),
            report_hash,
            justification.into(),
            crediting.0,
            crediting.1,
        );
        Ok((&self.send(call, "validateProject").await?).into())
    }

    /// Rejects a project (VALIDATOR).
    pub async fn reject_project(
        &self,
        project_id: &str,
        report_hash: B256,
        justification: &str,
    ) -> Result<TxOutcome> {
        let c = self.projects();
        let call = c.rejectProject(project_id.into(), report_hash, justification.into());
        Ok((&self.send(call, "rejectProject").await?).into())
    }

    /// Archives a validated project.
    pub async fn archive_project(&self, project_id: &str, reason: &str) -> Result<TxOutcome> {
        let c = self.projects();
        let call = c.archiveProject(project_id.into(), reason.into());
        Ok((&self.send(call, "archiveProject").await?).into())
    }

    /// A project's record.
    pub async fn project(&self, project_id: &str) -> Result<ProjectView> {
        self.view(self.projects().getProject(project_id.into()))
            .await
    }

    /// The project id of a project key ("" when unknown).
    pub async fn project_id_of(&self, key: B256) -> Result<String> {
        self.view(self.projects().projectIdOf(key)).await
    }

    // -------------------------------------------------------------------- MRV

    /// Whether [`Registry::submit_report`] would succeed now, without sending.
    pub async fn check_submit_report(&self, s: ReportSubmission) -> Result<()> {
        let call = self.submit_call(s).await?;
        self.simulate(self.mrv().call_builder(&call)).await
    }

    /// The `submitReport` call of `s`, with the ordering hint the registry finds for it.
    async fn submit_call(&self, s: ReportSubmission) -> Result<MRVRegistry::submitReportCall> {
        let hint = self
            .view(self.mrv().findPrevHint(s.projectId.clone(), s.periodStart))
            .await?;
        Ok(MRVRegistry::submitReportCall { s, prevHint: hint })
    }

    /// Submits a monitoring report; finds the ordering hint itself. Returns the report id.
    pub async fn submit_report(&self, s: ReportSubmission) -> Result<(u64, TxOutcome)> {
        let call = self.submit_call(s).await?;
        let r = self
            .send(self.mrv().call_builder(&call), "submitReport")
            .await?;
        let id = first_event::<MRVRegistry::MRVSubmitted>(
            &r,
            self.manifest.contracts.mrv_registry.address,
        )?
        .mrvId;
        Ok((id, (&r).into()))
    }

    /// Records a verifier's decision (VERIFIER).
    pub async fn verify_report(
        &self,
        mrv_id: u64,
        verified: bool,
        amount_kg: u128,
        report_hash: B256,
    ) -> Result<TxOutcome> {
        let c = self.mrv();
        let call = c.verifyReport(mrv_id, verified, U256::from(amount_kg), report_hash);
        Ok((&self.send(call, "verifyReport").await?).into())
    }

    /// Relays a verifier's signed attestation (anyone).
    pub async fn submit_attestation(
        &self,
        mrv_id: u64,
        attestation: MrvAttestation,
        verifier: Address,
        signature: Vec<u8>,
    ) -> Result<TxOutcome> {
        let c = self.mrv();
        let call = c.verifyWithAttestation(mrv_id, attestation, verifier, signature.into());
        Ok((&self.send(call, "verifyWithAttestation").await?).into())
    }

    /// A report's record.
    pub async fn report(&self, mrv_id: u64) -> Result<ReportView> {
        self.view(self.mrv().getReport(mrv_id)).await
    }

    // -------------------------------------------------------------------- CRU

    /// Issues a serial block (and buffer block); returns (token id, buffer token id or 0).
    pub async fn issue(&self, p: IssueParams) -> Result<(U256, U256, TxOutcome)> {
        let cru = self.manifest.contracts.carbon_removal_unit.address;
        let has_buffer = p.bufferAmount != 0;
        let r = self.send(self.cru().issue(p), "issue").await?;
        let minted = events::<CarbonRemovalUnit::CRUMinted>(&r, cru);
        let first = minted.first().ok_or(Error::MissingEvent {
            tx: r.transaction_hash,
            event: CarbonRemovalUnit::CRUMinted::SIGNATURE,
        })?;
        let buffer = if has_buffer {
            minted.get(1).map_or(U256::ZERO, |m| m.tokenId)
        } else {
            U256::ZERO
        };
        Ok((first.tokenId, buffer, (&r).into()))
    }

    /// Transfers a token from the sender to `to`.
    pub async fn transfer(&self, token_id: U256, to: Address) -> Result<TxOutcome> {
        let from = self.require_sender()?;
        let c = self.cru();
        let call = c.transferFrom(from, to, token_id);
        Ok((&self.send(call, "transferFrom").await?).into())
    }

    /// Refuses, before sending, an amount the token does not hold (the contract's revert
    /// names only the amount).
    async fn check_holds(&self, token_id: U256, amount: u64, what: &str) -> Result<()> {
        let unit = self.view(self.cru().unitOf(token_id)).await?;
        if amount > unit.amount {
            return Err(Error::Revert(format!(
                "token {token_id} holds {} t; {what} {amount} t is more than it holds",
                unit.amount
            )));
        }
        Ok(())
    }

    /// Splits `amount` tonnes off a token; returns the new token id.
    pub async fn split(&self, token_id: U256, amount: u64) -> Result<(U256, TxOutcome)> {
        self.check_holds(token_id, amount, "splitting off").await?;
        let r = self
            .send(self.cru().split(token_id, amount), "split")
            .await?;
        let id = first_event::<CarbonRemovalUnit::CRUSplit>(&r, self.cru_address())?.newTokenId;
        Ok((id, (&r).into()))
    }

    /// Retires `amount` tonnes of a token; returns the retired token id.
    pub async fn retire(
        &self,
        token_id: U256,
        amount: u64,
        info: RetirementInfo,
    ) -> Result<(U256, TxOutcome)> {
        self.check_holds(token_id, amount, "retiring").await?;
        let r = self
            .send(self.cru().retire(token_id, amount, info), "retire")
            .await?;
        let id = first_event::<CarbonRemovalUnit::CRURetired>(&r, self.cru_address())?.tokenId;
        Ok((id, (&r).into()))
    }

    /// Retires every unit of each of `token_ids` in one transaction (the contract's
    /// `retireBatch`: all or none); returns the retired token ids, in order.
    pub async fn retire_batch(
        &self,
        token_ids: &[U256],
        info: RetirementInfo,
    ) -> Result<(Vec<U256>, TxOutcome)> {
        let r = self
            .send(
                self.cru().retireBatch(token_ids.to_vec(), info),
                "retireBatch",
            )
            .await?;
        let ids = events::<CarbonRemovalUnit::CRURetired>(&r, self.cru_address())
            .into_iter()
            .map(|e| e.tokenId)
            .collect();
        Ok((ids, (&r).into()))
    }

    /// Cancels `amount` tonnes of a token (REGISTRY_OPERATOR); returns the cancelled token id.
    pub async fn cancel(
        &self,
        token_id: U256,
        amount: u64,
        reason: &str,
    ) -> Result<(U256, TxOutcome)> {
        self.check_holds(token_id, amount, "cancelling").await?;
        let r = self
            .send(self.cru().cancel(token_id, amount, reason.into()), "cancel")
            .await?;
        let id = first_event::<CarbonRemovalUnit::CRUCancelled>(&r, self.cru_address())?.tokenId;
        Ok((id, (&r).into()))
    }

    /// Sets a token's compliance labels (REGISTRY_OPERATOR).
    pub async fn set_labels(
        &self,
        token_id: U256,
        labels: u8,
        itmo_reference: &str,
    ) -> Result<TxOutcome> {
        let c = self.cru();
        let call = c.setLabels(token_id, labels, itmo_reference.into());
        Ok((&self.send(call, "setLabels").await?).into())
    }

    /// A token's unit, holder and ITMO reference.
    pub async fn token(&self, token_id: U256) -> Result<(Unit, Address, String)> {
        let unit = self.view(self.cru().unitOf(token_id)).await?;
        let owner = self.view(self.cru().ownerOf(token_id)).await?;
        let itmo = self.view(self.cru().itmoReferenceOf(token_id)).await?;
        Ok((unit, owner, itmo))
    }

    /// The retirement of token `token_id`, read from its `CRURetired` log: the event, the
    /// transaction and the block. `None` while the token is not retired.
    pub async fn retirement_of(
        &self,
        token_id: U256,
    ) -> Result<Option<(CarbonRemovalUnit::CRURetired, alloy::primitives::B256, u64)>> {
        let filter = Filter::new()
            .address(self.cru_address())
            .event_signature(CarbonRemovalUnit::CRURetired::SIGNATURE_HASH)
            .topic1(alloy::primitives::B256::from(token_id))
            .from_block(self.manifest.deployment_block);
        let logs = self.provider.get_logs(&filter).await.map_err(Error::rpc)?;
        Ok(logs.iter().find_map(|l| {
            let decoded = l.log_decode::<CarbonRemovalUnit::CRURetired>().ok()?;
            Some((decoded.inner.data, l.transaction_hash?, l.block_number?))
        }))
    }

    /// Tokens currently held by `owner`, from the Transfer events since deployment.
    pub async fn tokens_of(&self, owner: Address) -> Result<Vec<U256>> {
        let filter = Filter::new()
            .address(self.cru_address())
            .event_signature(CarbonRemovalUnit::Transfer::SIGNATURE_HASH)
            .topic2(owner.into_word())
            .from_block(self.manifest.deployment_block);
        let logs = self.provider.get_logs(&filter).await.map_err(Error::rpc)?;
        let mut ids: Vec<U256> = logs
            .iter()
            .filter_map(|l| l.log_decode::<CarbonRemovalUnit::Transfer>().ok())
            .map(|l| l.inner.data.tokenId)
            .collect();
        ids.sort();
        ids.dedup();
        let mut held = Vec::new();
        for id in ids {
            if self.view(self.cru().ownerOf(id)).await? == owner {
                held.push(id);
            }
        }
        Ok(held)
    }

    fn cru_address(&self) -> Address {
        self.manifest.contracts.carbon_removal_unit.address
    }
}
