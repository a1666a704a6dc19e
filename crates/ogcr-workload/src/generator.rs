//! One block at a time: plan, sign with managed nonces, send, mine, check the receipts.

use std::collections::HashMap;

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope},
    eips::Encodable2718,
    network::TxSignerSync,
    primitives::{Address, B256, Bytes, TxKind, U256},
    rpc::types::TransactionReceipt,
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolEvent},
};
use ogcr_bindings::CarbonRemovalUnit;
use ogcr_client::{IssueParams, Manifest, RetirementInfo};
use tracing::debug;

use super::{
    BUFFER_POOL, Result, Signers, WorkloadError, WorkloadOptions,
    book::{Book, Op},
    chain::Chain,
};

/// Mined blocks without progress before pending transactions count as stuck.
const MAX_IDLE_BLOCKS: usize = 3;

/// A signing account and its next nonce.
struct Sender {
    signer: PrivateKeySigner,
    nonce: u64,
}

/// The generation: senders with their nonces, the book of tokens, the chain head.
pub(super) struct Generator<'a> {
    chain: &'a Chain,
    target: usize,
    chain_id: u64,
    cru: Address,
    contracts: [Address; 4],
    mrv_id: u64,
    senders: Vec<Sender>,
    operator: usize,
    /// Holder index → sender index.
    holders: Vec<usize>,
    book: Book,
    /// The last block mined.
    pub(super) head: u64,
    /// Transactions sent.
    pub(super) txs: usize,
}

impl<'a> Generator<'a> {
    pub(super) async fn new(
        chain: &'a Chain,
        manifest: &Manifest,
        signers: &Signers,
        mrv_id: u64,
        opts: &WorkloadOptions,
        head: u64,
    ) -> Result<Self> {
        // One sender per address, even when a role account is also a holder.
        let mut senders: Vec<Sender> = Vec::new();
        let mut index_of = async |signer: &PrivateKeySigner| -> Result<usize> {
            let address = signer.address();
            if let Some(i) = senders.iter().position(|s| s.signer.address() == address) {
                return Ok(i);
            }
            senders.push(Sender {
                signer: signer.clone(),
                nonce: chain.nonce(address).await?,
            });
            Ok(senders.len() - 1)
        };
        let operator = index_of(&signers.operator).await?;
        let mut holders = Vec::with_capacity(signers.holders.len());
        for h in &signers.holders {
            holders.push(index_of(h).await?);
        }
        Ok(Generator {
            chain,
            target: opts.events,
            chain_id: manifest.chain_id,
            cru: manifest.contracts.carbon_removal_unit.address,
            contracts: manifest.addresses().map(|(_, a)| a),
            mrv_id,
            senders,
            operator,
            book: Book::new(holders.len(), opts),
            holders,
            head,
            txs: 0,
        })
    }

    pub(super) async fn run(
        &mut self,
        events: &mut usize,
        progress: &mut (dyn FnMut(usize, usize) + Send),
    ) -> Result<()> {
        while *events < self.target {
            *events += self.round(self.target - *events).await?;
            progress(*events, self.target);
        }
        Ok(())
    }

    /// Plans, signs, sends and mines one block of operations; returns the contract logs mined.
    async fn round(&mut self, remaining: usize) -> Result<usize> {
        let max_fee = self.chain.max_fee().await?;
        let ops = self.book.plan(remaining);
        let mut pending = HashMap::with_capacity(ops.len());
        let mut signed = Vec::with_capacity(ops.len());
        for op in ops {
            let (hash, raw) = self.sign(&op, max_fee)?;
            signed.push((hash, raw, op.what()));
            pending.insert(hash, op);
        }
        self.chain.send_raw(&signed).await?;
        self.txs += signed.len();

        let mut logs = 0;
        let mut idle = 0;
        while !pending.is_empty() {
            self.chain.mine().await?;
            let head = self.chain.block_number().await?;
            let before = pending.len();
            for block in self.head + 1..=head {
                let receipts = self.chain.receipts(block).await?;
                debug!(target: "ogcr::workload", block, txs = receipts.len(), "block mined");
                for r in &receipts {
                    logs += r
                        .inner
                        .logs()
                        .iter()
                        .filter(|l| self.contracts.contains(&l.address()))
                        .count();
                    if let Some(op) = pending.remove(&r.transaction_hash) {
                        let new_token = check(&op, r, block, self.cru)?;
                        self.book.record(&op, new_token);
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
        Ok(logs)
    }

    fn holder_address(&self, holder: usize) -> Address {
        self.senders[self.holders[holder]].signer.address()
    }

    fn calldata(&self, op: &Op) -> Vec<u8> {
        match *op {
            Op::Issue {
                holder,
                amount,
                buffer,
            } => CarbonRemovalUnit::issueCall {
                p: IssueParams {
                    mrvId: self.mrv_id,
                    to: self.holder_address(holder),
                    amount,
                    bufferAmount: buffer,
                    bufferRecipient: BUFFER_POOL,
                    labels: 0,
                    itmoReference: String::new(),
                },
            }
            .abi_encode(),
            Op::Split { token, amount, .. } => CarbonRemovalUnit::splitCall {
                tokenId: U256::from(token),
                amount,
            }
            .abi_encode(),
            Op::Transfer { from, to, token } => CarbonRemovalUnit::transferFromCall {
                from: self.holder_address(from),
                to: self.holder_address(to),
                tokenId: U256::from(token),
            }
            .abi_encode(),
            Op::Retire {
                holder,
                token,
                amount,
                ..
            } => CarbonRemovalUnit::retireCall {
                tokenId: U256::from(token),
                amount,
                info: RetirementInfo {
                    reasonCode: 1,
                    beneficiary: format!("Beneficiary {holder}"),
                    beneficiaryId: format!("LEI:WORKLOAD{holder:08}"),
                    detail: "offsetting of operational emissions".into(),
                },
            }
            .abi_encode(),
        }
    }

    /// Signs `op` with its sender's next nonce; returns the hash and the raw transaction.
    fn sign(&mut self, op: &Op, max_fee: u128) -> Result<(B256, Bytes)> {
        let sender = match *op {
            Op::Issue { .. } => self.operator,
            Op::Split { holder, .. } | Op::Retire { holder, .. } => self.holders[holder],
            Op::Transfer { from, .. } => self.holders[from],
        };
        let mut tx = TxEip1559 {
            chain_id: self.chain_id,
            nonce: self.senders[sender].nonce,
            gas_limit: op.gas(),
            max_fee_per_gas: max_fee,
            max_priority_fee_per_gas: 0,
            to: TxKind::Call(self.cru),
            value: U256::ZERO,
            access_list: Default::default(),
            input: self.calldata(op).into(),
        };
        let s = &mut self.senders[sender];
        let signature =
            s.signer
                .sign_transaction_sync(&mut tx)
                .map_err(|source| WorkloadError::Sign {
                    sender: s.signer.address(),
                    nonce: s.nonce,
                    source,
                })?;
        s.nonce += 1;
        let signed = tx.into_signed(signature);
        let hash = *signed.hash();
        Ok((hash, TxEnvelope::from(signed).encoded_2718().into()))
    }
}

/// Checks a mined operation (success, log count); returns the token it minted for a holder,
/// read from the indexed topics of CRUMinted(tokenId, …) (an issuance's first CRUMinted is the
/// holder's block) or CRUSplit(tokenId, newTokenId, …).
fn check(op: &Op, r: &TransactionReceipt, block: u64, cru: Address) -> Result<Option<u64>> {
    let (what, tx) = (op.what(), r.transaction_hash);
    if !r.status() {
        return Err(WorkloadError::Reverted { what, tx, block });
    }
    let logs = r.inner.logs();
    let unexpected = WorkloadError::UnexpectedLogs {
        what,
        tx,
        expected: op.logs(),
        actual: logs.len(),
    };
    if logs.len() != op.logs() {
        return Err(unexpected);
    }
    let (signature, topic) = match op {
        Op::Issue { .. } => (CarbonRemovalUnit::CRUMinted::SIGNATURE_HASH, 1),
        Op::Split { .. } => (CarbonRemovalUnit::CRUSplit::SIGNATURE_HASH, 2),
        Op::Transfer { .. } | Op::Retire { .. } => return Ok(None),
    };
    logs.iter()
        .find(|l| l.address() == cru && l.topics().first() == Some(&signature))
        .and_then(|l| l.topics().get(topic))
        .and_then(|t| u64::try_from(U256::from_be_bytes(t.0)).ok())
        .map(Some)
        .ok_or(unexpected)
}

#[cfg(test)]
mod tests {
    use alloy::{
        consensus::{Eip658Value, Receipt, ReceiptEnvelope, ReceiptWithBloom},
        primitives::LogData,
        rpc::types::Log,
    };

    use super::*;

    const CRU: Address = Address::repeat_byte(0xc0);

    fn log(topics: Vec<B256>) -> Log {
        Log {
            inner: alloy::primitives::Log {
                address: CRU,
                data: LogData::new_unchecked(topics, Bytes::new()),
            },
            ..Log::default()
        }
    }

    fn receipt(status: bool, logs: Vec<Log>) -> TransactionReceipt {
        TransactionReceipt {
            inner: ReceiptEnvelope::Eip1559(ReceiptWithBloom {
                receipt: Receipt {
                    status: Eip658Value::Eip658(status),
                    cumulative_gas_used: 0,
                    logs,
                },
                logs_bloom: Default::default(),
            }),
            transaction_hash: B256::repeat_byte(0x11),
            transaction_index: None,
            block_hash: None,
            block_number: Some(9),
            gas_used: 0,
            effective_gas_price: 0,
            blob_gas_used: None,
            blob_gas_price: None,
            from: Address::ZERO,
            to: Some(CRU),
            contract_address: None,
        }
    }

    fn id(n: u64) -> B256 {
        U256::from(n).into()
    }

    #[test]
    fn a_reverted_transaction_is_an_error() {
        let op = Op::Transfer {
            from: 0,
            to: 1,
            token: 3,
        };
        let err = check(&op, &receipt(false, vec![]), 9, CRU)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            format!(
                "transferFrom transaction {} reverted in block 9",
                B256::repeat_byte(0x11)
            )
        );
    }

    #[test]
    fn a_missing_log_is_an_error() {
        let op = Op::Retire {
            holder: 0,
            token: 3,
            amount: 2,
            whole: false,
        };
        let err = check(&op, &receipt(true, vec![log(vec![]); 2]), 9, CRU)
            .unwrap_err()
            .to_string();
        assert!(err.contains("emitted 2 logs, expected 3"), "{err}");
    }

    #[test]
    fn new_token_ids_come_from_the_indexed_topics() {
        let transfer = CarbonRemovalUnit::Transfer::SIGNATURE_HASH;
        let minted = CarbonRemovalUnit::CRUMinted::SIGNATURE_HASH;
        let issue = Op::Issue {
            holder: 0,
            amount: 10,
            buffer: 1,
        };
        let logs = vec![
            log(vec![transfer, B256::ZERO, B256::ZERO, id(41)]),
            log(vec![minted, id(41), id(1), B256::ZERO]),
            log(vec![transfer, B256::ZERO, B256::ZERO, id(42)]),
            log(vec![minted, id(42), id(1), B256::ZERO]),
        ];
        assert_eq!(
            check(&issue, &receipt(true, logs), 9, CRU).unwrap(),
            Some(41)
        );

        let split = Op::Split {
            holder: 0,
            token: 41,
            amount: 4,
        };
        let logs = vec![
            log(vec![transfer, B256::ZERO, B256::ZERO, id(43)]),
            log(vec![
                CarbonRemovalUnit::CRUSplit::SIGNATURE_HASH,
                id(41),
                id(43),
                B256::ZERO,
            ]),
        ];
        assert_eq!(
            check(&split, &receipt(true, logs.clone()), 9, CRU).unwrap(),
            Some(43)
        );
        // The same logs from another contract do not count.
        let err = check(&split, &receipt(true, logs), 9, Address::ZERO).unwrap_err();
        assert!(matches!(err, WorkloadError::UnexpectedLogs { .. }), "{err}");
    }
}
