//! Crash-safe sending for services: a call is simulated (a revert comes back as a readable
//! sentence before anything is signed), then signed with an explicit nonce into raw bytes
//! whose hash the caller records *before* broadcasting. After a crash the same bytes are
//! broadcast again — a node answers "already known" or the receipt exists — so a transaction
//! is never sent twice under two hashes, and its outcome is found by hash.

use std::time::Duration;

use alloy::{
    consensus::TxEnvelope,
    eips::eip2718::Encodable2718,
    network::{EthereumWallet, NetworkTransactionBuilder, TransactionBuilder},
    primitives::{Address, B256, Bytes},
    providers::{DynProvider, Provider},
    rpc::types::{TransactionReceipt, TransactionRequest},
};

use crate::{Error, Result, TxPolicy};

/// A signed transaction, ready to broadcast.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SignedTx {
    /// Its hash.
    pub hash: B256,
    /// EIP-2718 bytes.
    pub raw: Bytes,
    /// Its nonce.
    pub nonce: u64,
}

/// Simulates `input` sent by `from` to `to`; returns the gas estimate, or the decoded revert.
pub async fn simulate(
    provider: &DynProvider,
    from: Address,
    to: Address,
    input: &Bytes,
) -> Result<u64> {
    alloy::contract::RawCallBuilder::new_raw(provider, input.clone())
        .from(from)
        .to(to)
        .estimate_gas()
        .await
        .map_err(|e| Error::from_contract(e, Some(from)))
}

/// Simulates, then signs the call with the account's next nonce (pending block) and the
/// policy's gas padding and fee caps. Nothing is broadcast.
pub async fn sign(
    provider: &DynProvider,
    wallet: &EthereumWallet,
    from: Address,
    to: Address,
    input: Bytes,
    policy: &TxPolicy,
) -> Result<SignedTx> {
    let estimate = simulate(provider, from, to, &input).await?;
    let nonce = provider
        .get_transaction_count(from)
        .pending()
        .await
        .map_err(Error::rpc)?;
    let chain_id = provider.get_chain_id().await.map_err(Error::rpc)?;
    let fees = provider.estimate_eip1559_fees().await.map_err(Error::rpc)?;
    let (max_fee, priority) = match policy.gas.max_fee_per_gas {
        Some(cap) => {
            let p = policy
                .gas
                .max_priority_fee_per_gas
                .unwrap_or(fees.max_priority_fee_per_gas)
                .min(cap);
            (cap.min(fees.max_fee_per_gas.max(p)), p)
        }
        None => (
            fees.max_fee_per_gas,
            policy
                .gas
                .max_priority_fee_per_gas
                .unwrap_or(fees.max_priority_fee_per_gas)
                .min(fees.max_fee_per_gas),
        ),
    };
    let tx = TransactionRequest::default()
        .with_from(from)
        .with_to(to)
        .with_input(input)
        .with_nonce(nonce)
        .with_chain_id(chain_id)
        .with_gas_limit((estimate as f64 * policy.gas.limit_multiplier).ceil() as u64)
        .with_max_fee_per_gas(max_fee)
        .with_max_priority_fee_per_gas(priority);
    let envelope: TxEnvelope = tx
        .build(wallet)
        .await
        .map_err(|e| Error::Signer(format!("cannot sign the transaction: {e}")))?;
    Ok(SignedTx {
        hash: *envelope.tx_hash(),
        raw: envelope.encoded_2718().into(),
        nonce,
    })
}

/// What a broadcast came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Broadcast {
    /// The node accepted it (or already had it).
    Accepted,
    /// The account's nonce moved past this transaction without it: another transaction of the
    /// same account took the nonce. Look for the receipt before concluding it was replaced.
    NonceUsed,
}

/// Broadcasts signed bytes; a node that already has them counts as accepted.
pub async fn broadcast(provider: &DynProvider, tx: &SignedTx) -> Result<Broadcast> {
    match provider.send_raw_transaction(&tx.raw).await {
        Ok(_) => Ok(Broadcast::Accepted),
        Err(e) => {
            let msg = e.to_string().to_ascii_lowercase();
            if msg.contains("already known") || msg.contains("already imported") {
                Ok(Broadcast::Accepted)
            } else if msg.contains("nonce too low") || msg.contains("nonce has already been used") {
                Ok(Broadcast::NonceUsed)
            } else {
                Err(Error::Rpc(format!(
                    "broadcasting transaction {}: {e}",
                    tx.hash
                )))
            }
        }
    }
}

/// The receipt of `hash` once it has `confirmations` blocks on top of its own, polling until
/// `timeout`; `Ok(None)` when it is not mined by then.
pub async fn await_receipt(
    provider: &DynProvider,
    hash: B256,
    confirmations: u64,
    timeout: Duration,
) -> Result<Option<TransactionReceipt>> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(r) = provider
            .get_transaction_receipt(hash)
            .await
            .map_err(Error::rpc)?
        {
            let mined = r.block_number.unwrap_or_default();
            let head = provider.get_block_number().await.map_err(Error::rpc)?;
            if head >= mined + confirmations {
                return Ok(Some(r));
            }
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(None);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The account's nonce in the latest block (transactions below it are mined).
pub async fn mined_nonce(provider: &DynProvider, account: Address) -> Result<u64> {
    provider
        .get_transaction_count(account)
        .latest()
        .await
        .map_err(Error::rpc)
}
