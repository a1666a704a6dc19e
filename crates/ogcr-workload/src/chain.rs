//! The RPC calls of the workload, on a provider without fillers: reads, batched raw
//! transactions, and anvil's mining controls.

use alloy::{
    eips::{BlockId, BlockNumberOrTag},
    primitives::{Address, B256, Bytes, U256},
    providers::{Provider, RootProvider},
    rpc::{
        client::BatchRequest,
        types::{Block, Filter, Log, TransactionReceipt},
    },
    transports::TransportError,
};
use futures::{StreamExt, TryStreamExt, stream};

use super::{Result, WorkloadError};

/// Transactions per `eth_sendRawTransaction` batch, and batches in flight.
const BATCH: usize = 100;
const BATCHES_IN_FLIGHT: usize = 4;

/// The RPC calls of the workload, on a provider without fillers.
pub(super) struct Chain {
    provider: RootProvider,
}

impl Chain {
    pub(super) async fn connect(url: &str) -> Result<Self> {
        ogcr_client::registry::ensure_tls_provider();
        let provider =
            RootProvider::connect(url)
                .await
                .map_err(|source| WorkloadError::Connect {
                    url: url.to_owned(),
                    source,
                })?;
        Ok(Chain { provider })
    }

    pub(super) async fn set_automine(&self, on: bool) -> Result<()> {
        self.provider
            .raw_request::<_, ()>("evm_setAutomine".into(), (on,))
            .await
            .map_err(rpc("evm_setAutomine"))
    }

    /// Raises the block gas limit to at least `gas` (never lowers it).
    pub(super) async fn raise_gas_limit(&self, gas: u64) -> Result<()> {
        let current = self.latest_block().await?.header.gas_limit;
        if current >= gas {
            return Ok(());
        }
        self.provider
            .raw_request::<_, bool>("evm_setBlockGasLimit".into(), (U256::from(gas),))
            .await
            .map_err(rpc("evm_setBlockGasLimit"))?;
        Ok(())
    }

    pub(super) async fn mine(&self) -> Result<()> {
        self.provider
            .raw_request::<_, String>("evm_mine".into(), ())
            .await
            .map_err(rpc("evm_mine"))?;
        Ok(())
    }

    pub(super) async fn block_number(&self) -> Result<u64> {
        self.provider
            .get_block_number()
            .await
            .map_err(rpc("eth_blockNumber"))
    }

    async fn latest_block(&self) -> Result<Block> {
        self.provider
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await
            .map_err(rpc("eth_getBlockByNumber"))?
            .ok_or(WorkloadError::NoLatestBlock)
    }

    /// A max fee per gas that covers the next block's base fee (at most 12.5 % higher).
    pub(super) async fn max_fee(&self) -> Result<u128> {
        let base = self.latest_block().await?.header.base_fee_per_gas;
        Ok(u128::from(base.unwrap_or(1_000_000_000)) * 2 + 1)
    }

    pub(super) async fn nonce(&self, account: Address) -> Result<u64> {
        self.provider
            .get_transaction_count(account)
            .pending()
            .await
            .map_err(rpc("eth_getTransactionCount"))
    }

    pub(super) async fn receipts(&self, block: u64) -> Result<Vec<TransactionReceipt>> {
        self.provider
            .get_block_receipts(BlockId::number(block))
            .await
            .map_err(rpc("eth_getBlockReceipts"))?
            .ok_or(WorkloadError::MissingReceipts(block))
    }

    pub(super) async fn logs(&self, addresses: &[Address], from: u64, to: u64) -> Result<Vec<Log>> {
        let filter = Filter::new()
            .address(addresses.to_vec())
            .from_block(from)
            .to_block(to);
        self.provider
            .get_logs(&filter)
            .await
            .map_err(rpc("eth_getLogs"))
    }

    pub(super) async fn count_logs(
        &self,
        addresses: &[Address],
        from: u64,
        to: u64,
    ) -> Result<usize> {
        Ok(self.logs(addresses, from, to).await?.len())
    }

    /// Sends signed transactions in concurrent JSON-RPC batches; a refusal is an error.
    pub(super) async fn send_raw(&self, txs: &[(B256, Bytes, &'static str)]) -> Result<()> {
        stream::iter(txs.chunks(BATCH))
            .map(|chunk| self.send_batch(chunk))
            .buffer_unordered(BATCHES_IN_FLIGHT)
            .try_collect::<()>()
            .await
    }

    async fn send_batch(&self, chunk: &[(B256, Bytes, &'static str)]) -> Result<()> {
        let mut batch = BatchRequest::new(self.provider.client());
        let mut waiters = Vec::with_capacity(chunk.len());
        for (hash, raw, what) in chunk {
            let waiter = batch
                .add_call::<_, B256>("eth_sendRawTransaction", &(raw,))
                .map_err(rpc("eth_sendRawTransaction"))?;
            waiters.push((hash, what, waiter));
        }
        batch.send().await.map_err(rpc("eth_sendRawTransaction"))?;
        for (hash, what, waiter) in waiters {
            waiter.await.map_err(|source| WorkloadError::Refused {
                what,
                tx: *hash,
                source,
            })?;
        }
        Ok(())
    }
}

fn rpc(method: &'static str) -> impl Fn(TransportError) -> WorkloadError {
    move |source| WorkloadError::Rpc { method, source }
}
