//! Sending a stage of independent calls: signed with managed nonces, sent in batches of a
//! block's worth, mined with `evm_mine`, every receipt checked for success.

use std::collections::HashMap;

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope},
    eips::Encodable2718,
    network::TxSignerSync,
    primitives::{Address, B256, Bytes, TxKind, U256},
    rpc::types::TransactionReceipt,
    signers::local::PrivateKeySigner,
};

use super::super::{Result, WorkloadError, chain::Chain};

/// Mined blocks without progress before pending transactions count as stuck.
const MAX_IDLE_BLOCKS: usize = 3;

/// One contract call of a stage.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    /// Index of the sender (see [`Sender::index`]).
    pub(crate) sender: usize,
    /// The contract.
    pub(crate) to: Address,
    /// ABI-encoded call.
    pub(crate) input: Vec<u8>,
    /// Fixed gas limit.
    pub(crate) gas: u64,
    /// The function, for errors.
    pub(crate) what: &'static str,
}

struct Account {
    signer: PrivateKeySigner,
    nonce: u64,
}

/// The accounts, their nonces and the chain head.
pub(crate) struct Sender<'a> {
    chain: &'a Chain,
    chain_id: u64,
    contracts: [Address; 4],
    accounts: Vec<Account>,
    txs_per_block: usize,
    /// The last block mined.
    pub(crate) head: u64,
    /// Transactions sent.
    pub(crate) txs: usize,
    /// Logs of the four contracts mined.
    pub(crate) events: usize,
}

impl<'a> Sender<'a> {
    pub(crate) async fn new(
        chain: &'a Chain,
        chain_id: u64,
        contracts: [Address; 4],
        txs_per_block: usize,
    ) -> Result<Self> {
        Ok(Sender {
            chain,
            chain_id,
            contracts,
            accounts: Vec::new(),
            txs_per_block,
            head: chain.block_number().await?,
            txs: 0,
            events: 0,
        })
    }

    /// The index of `signer` (added with its pending nonce on first use).
    pub(crate) async fn index(&mut self, signer: &PrivateKeySigner) -> Result<usize> {
        let address = signer.address();
        if let Some(i) = self
            .accounts
            .iter()
            .position(|a| a.signer.address() == address)
        {
            return Ok(i);
        }
        let nonce = self.chain.nonce(address).await?;
        self.accounts.push(Account {
            signer: signer.clone(),
            nonce,
        });
        Ok(self.accounts.len() - 1)
    }

    /// Sends `calls` (none depending on another) a block's worth at a time, mines them and
    /// returns their receipts in the order of `calls`; reports `(done, calls.len())` after each
    /// block.
    pub(crate) async fn run(
        &mut self,
        calls: &[Call],
        progress: &mut (dyn FnMut(usize, usize) + Send),
    ) -> Result<Vec<TransactionReceipt>> {
        let mut receipts: Vec<Option<TransactionReceipt>> = vec![None; calls.len()];
        let mut done = 0;
        for (c, chunk) in calls.chunks(self.txs_per_block).enumerate() {
            let base = c * self.txs_per_block;
            let max_fee = self.chain.max_fee().await?;
            let mut pending = HashMap::with_capacity(chunk.len());
            let mut signed = Vec::with_capacity(chunk.len());
            for (k, call) in chunk.iter().enumerate() {
                let (hash, raw) = self.sign(call, max_fee)?;
                signed.push((hash, raw, call.what));
                pending.insert(hash, base + k);
            }
            self.chain.send_raw(&signed).await?;
            self.txs += signed.len();
            let mut idle = 0;
            while !pending.is_empty() {
                self.chain.mine().await?;
                let head = self.chain.block_number().await?;
                let before = pending.len();
                for block in self.head + 1..=head {
                    for r in self.chain.receipts(block).await? {
                        self.events += r
                            .inner
                            .logs()
                            .iter()
                            .filter(|l| self.contracts.contains(&l.address()))
                            .count();
                        if let Some(i) = pending.remove(&r.transaction_hash) {
                            if !r.status() {
                                return Err(WorkloadError::Reverted {
                                    what: calls[i].what,
                                    tx: r.transaction_hash,
                                    block,
                                });
                            }
                            receipts[i] = Some(r);
                        }
                    }
                }
                self.head = head;
                idle = if pending.len() == before { idle + 1 } else { 0 };
                if idle >= MAX_IDLE_BLOCKS {
                    return Err(WorkloadError::NotMined {
                        pending: pending.len(),
                        block: head,
                    });
                }
            }
            done += chunk.len();
            progress(done, calls.len());
        }
        Ok(receipts
            .into_iter()
            .map(|r| r.expect("every call was mined"))
            .collect())
    }

    fn sign(&mut self, call: &Call, max_fee: u128) -> Result<(B256, Bytes)> {
        let mut tx = TxEip1559 {
            chain_id: self.chain_id,
            nonce: self.accounts[call.sender].nonce,
            gas_limit: call.gas,
            max_fee_per_gas: max_fee,
            max_priority_fee_per_gas: 0,
            to: TxKind::Call(call.to),
            value: U256::ZERO,
            access_list: Default::default(),
            input: call.input.clone().into(),
        };
        let a = &mut self.accounts[call.sender];
        let signature =
            a.signer
                .sign_transaction_sync(&mut tx)
                .map_err(|source| WorkloadError::Sign {
                    sender: a.signer.address(),
                    nonce: a.nonce,
                    source,
                })?;
        a.nonce += 1;
        let signed = tx.into_signed(signature);
        let hash = *signed.hash();
        Ok((hash, TxEnvelope::from(signed).encoded_2718().into()))
    }
}
