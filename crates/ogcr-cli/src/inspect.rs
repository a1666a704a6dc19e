//! Read-only views of the chain: an account's roles and holdings, a transaction's decoded
//! registry events.

use std::collections::BTreeMap;

use alloy::{primitives::B256, providers::Provider as _};
use anyhow::{Context as _, Result, anyhow};
use clap::{Args, Subcommand};
use ogcr_bindings::errors::UNIT_STATUS;
use serde_json::{Value, json};

use crate::{
    Outcome,
    chain::{ChainArgs, block_on, parse_address, parse_hash},
    output::{self, emit},
};

/// What an account may do and holds: its ogcr roles and its CRU tokens by status.
#[derive(Debug, Args)]
pub(crate) struct AccountArgs {
    #[command(subcommand)]
    command: AccountCommand,
    #[command(flatten)]
    chain: ChainArgs,
}

#[derive(Debug, Subcommand)]
enum AccountCommand {
    /// An account's roles, and the tokens it holds with their tonnes by status.
    ///
    /// Example:
    ///
    ///   ogcr account show 0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc
    #[command(verbatim_doc_comment)]
    Show {
        /// The account.
        address: String,
    },
}

/// Transactions of the registry.
#[derive(Debug, Args)]
pub(crate) struct TxArgs {
    #[command(subcommand)]
    command: TxCommand,
    #[command(flatten)]
    chain: ChainArgs,
}

#[derive(Debug, Subcommand)]
enum TxCommand {
    /// A transaction's outcome and the registry events it emitted, decoded with named
    /// arguments (logs of other contracts are counted, not decoded).
    ///
    /// Example:
    ///
    ///   ogcr tx show 0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060
    #[command(verbatim_doc_comment)]
    Show {
        /// The transaction hash.
        hash: String,
    },
}

pub(crate) fn account(a: AccountArgs) -> Result<Outcome> {
    block_on(async {
        let reg = a.chain.registry().await?;
        let AccountCommand::Show { address } = &a.command;
        let who = parse_address(address)?;
        let roles = reg.roles_of(who).await?;
        let mut tokens = Vec::new();
        let mut by_status: BTreeMap<&str, u64> = BTreeMap::new();
        for id in reg.tokens_of(who).await? {
            let (u, _, _) = reg.token(id).await?;
            let status = UNIT_STATUS
                .get(usize::from(u.status))
                .copied()
                .unwrap_or("unknown");
            *by_status.entry(status).or_default() += u.amount;
            tokens.push(json!({
                "token_id": id.to_string(),
                "status": status,
                "amount_t": u.amount,
                "vintage": u.vintage,
                "serials": format!("{}-{}", u.serialStart, u.serialStart + u.amount - 1),
            }));
        }
        let summary = json!({
            "account": who.to_string(),
            "roles": roles,
            "tonnes_by_status": by_status,
            "tokens": tokens,
        });
        if output::json() {
            emit(&summary)?;
        } else {
            emit(&json!({
                "account": who.to_string(),
                "roles": if roles.is_empty() { "none".to_owned() } else { roles.join(", ") },
                "tonnes": by_status.iter().map(|(s, t)| format!("{t} t {s}")).collect::<Vec<_>>().join(", "),
            }))?;
            println!();
            emit(&summary["tokens"])?;
        }
        Ok(Outcome::Success)
    })
}

pub(crate) fn tx(a: TxArgs) -> Result<Outcome> {
    block_on(async {
        let reg = a.chain.registry().await?;
        let TxCommand::Show { hash } = &a.command;
        let hash: B256 = parse_hash(hash)?;
        let provider = reg.provider();
        let receipt = provider
            .get_transaction_receipt(hash)
            .await
            .with_context(|| format!("asking the node for the receipt of {hash:#x}"))?
            .ok_or_else(|| {
                anyhow!(
                    "no transaction {hash:#x} is mined on this chain (pending, or another chain)"
                )
            })?;
        let block = receipt
            .block_number
            .ok_or_else(|| anyhow!("transaction {hash:#x} is not in a block yet"))?;
        let time = provider
            .get_block_by_number(block.into())
            .await
            .context("asking the node for the transaction's block")?
            .map(|b| b.header.timestamp);
        let decoder = ogcr_indexer::decode::Decoder::new(reg.manifest());
        let logs = receipt.inner.logs();
        let events: Vec<Value> = logs
            .iter()
            .filter_map(|l| decoder.decode(l, time))
            .map(|d| {
                json!({
                    "log_index": d.meta.log_index,
                    "contract": d.contract,
                    "event": d.event,
                    "args": d.args,
                })
            })
            .collect();
        let other = logs.len() - events.len();
        let out = json!({
            "tx_hash": format!("{hash:#x}"),
            "status": if receipt.status() { "success" } else { "reverted" },
            "block": block,
            "from": receipt.from.to_string(),
            "to": receipt.to.map(|t| t.to_string()),
            "gas_used": receipt.gas_used,
            "other_logs": other,
            "events": events,
        });
        if output::json() {
            emit(&out)?;
        } else {
            let mut head = out.clone();
            if let Some(m) = head.as_object_mut() {
                m.remove("events");
            }
            emit(&head)?;
            println!();
            let rows: Vec<Value> = out["events"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| {
                    json!({"log": e["log_index"], "contract": e["contract"], "event": e["event"],
                        "args": e["args"].to_string()})
                })
                .collect();
            emit(&Value::Array(rows))?;
        }
        Ok(Outcome::Success)
    })
}
