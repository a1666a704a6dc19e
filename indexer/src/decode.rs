//! Decoding: every log of the deployment becomes an audit-trail row with named, typed
//! arguments (from the contracts' JSON ABIs, inherited OpenZeppelin events included), and the
//! logs the projections use are decoded once more into the generated `sol!` event types.

use std::collections::HashMap;

use alloy::{
    dyn_abi::{DynSolValue, EventExt},
    json_abi::{Event as AbiEvent, JsonAbi, Param},
    primitives::{Address, B256},
    rpc::types::Log,
    sol_types::SolEventInterface,
};
use ogcr_bindings::{
    CarbonRemovalUnit::CarbonRemovalUnitEvents, MRVRegistry::MRVRegistryEvents,
    OGCRAccessControl::OGCRAccessControlEvents, ProjectRegistry::ProjectRegistryEvents,
};
use ogcr_client::Manifest;
use serde_json::{Map, Value, json};

/// Where a log sits on the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogMeta {
    /// Block number.
    pub block_number: u64,
    /// Block hash.
    pub block_hash: B256,
    /// Block timestamp (unix seconds).
    pub block_time: u64,
    /// Transaction hash.
    pub tx_hash: B256,
    /// Index of the transaction in its block.
    pub tx_index: u64,
    /// Index of the log in its block.
    pub log_index: u64,
    /// Emitting contract.
    pub address: Address,
}

/// A log decoded into the generated event type of its contract.
#[derive(Debug, Clone)]
pub enum Typed {
    /// From `OGCRAccessControl`.
    Access(OGCRAccessControlEvents),
    /// From `ProjectRegistry`.
    Projects(ProjectRegistryEvents),
    /// From `MRVRegistry`.
    Mrv(MRVRegistryEvents),
    /// From `CarbonRemovalUnit`.
    Cru(CarbonRemovalUnitEvents),
}

/// One decoded log.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// Position.
    pub meta: LogMeta,
    /// Contract name.
    pub contract: &'static str,
    /// Event name (`"unknown"` when the ABI has no event with this signature).
    pub event: String,
    /// Topic 0 (zero for an anonymous log).
    pub topic0: B256,
    /// Named arguments; for an unknown event, the raw topics and data.
    pub args: Value,
    /// Addresses the event concerns: address-typed arguments, nested ones included.
    pub addresses: Vec<Address>,
    /// The typed event, when the contract's bindings know it.
    pub typed: Option<Typed>,
}

/// The deployment's contracts and their events, by address and signature.
#[derive(Debug, Clone)]
pub struct Decoder {
    contracts: HashMap<Address, &'static str>,
    events: HashMap<(&'static str, B256), AbiEvent>,
}

impl Decoder {
    /// A decoder for the contracts of `manifest`.
    pub fn new(manifest: &Manifest) -> Self {
        let mut contracts = HashMap::new();
        for (name, address) in manifest.addresses() {
            contracts.insert(address, name);
        }
        let mut events = HashMap::new();
        for (name, artifact) in ogcr_bindings::ARTIFACTS {
            let artifact: Value = serde_json::from_str(artifact).expect("forge artifacts are JSON");
            let abi: JsonAbi = serde_json::from_value(artifact["abi"].clone())
                .expect("forge artifacts carry a JSON ABI");
            for event in abi.events() {
                events.insert((*name, event.selector()), event.clone());
            }
        }
        Decoder { contracts, events }
    }

    /// The addresses followed.
    pub fn addresses(&self) -> Vec<Address> {
        let mut a: Vec<Address> = self.contracts.keys().copied().collect();
        a.sort();
        a
    }

    /// Decodes a log of the deployment; `block_time` is used when the log carries none.
    /// Returns `None` for a log from another address or without position (pending).
    pub fn decode(&self, log: &Log, block_time: Option<u64>) -> Option<Decoded> {
        let contract = *self.contracts.get(&log.address())?;
        let meta = LogMeta {
            block_number: log.block_number?,
            block_hash: log.block_hash?,
            block_time: log.block_timestamp.or(block_time)?,
            tx_hash: log.transaction_hash.unwrap_or_default(),
            tx_index: log.transaction_index.unwrap_or_default(),
            log_index: log.log_index?,
            address: log.address(),
        };
        let data = &log.inner.data;
        let topic0 = data.topics().first().copied().unwrap_or_default();
        let typed = match contract {
            "OGCRAccessControl" => {
                OGCRAccessControlEvents::decode_raw_log(data.topics(), &data.data)
                    .ok()
                    .map(Typed::Access)
            }
            "ProjectRegistry" => ProjectRegistryEvents::decode_raw_log(data.topics(), &data.data)
                .ok()
                .map(Typed::Projects),
            "MRVRegistry" => MRVRegistryEvents::decode_raw_log(data.topics(), &data.data)
                .ok()
                .map(Typed::Mrv),
            _ => CarbonRemovalUnitEvents::decode_raw_log(data.topics(), &data.data)
                .ok()
                .map(Typed::Cru),
        };
        let mut addresses = Vec::new();
        let (event, args) = match self.events.get(&(contract, topic0)).and_then(|ev| {
            ev.decode_log(data)
                .ok()
                .map(|decoded| (ev, decoded.indexed, decoded.body))
        }) {
            Some((ev, indexed, body)) => {
                let mut indexed = indexed.into_iter();
                let mut body = body.into_iter();
                let mut obj = Map::new();
                for input in &ev.inputs {
                    let value = if input.indexed {
                        indexed.next()
                    } else {
                        body.next()
                    };
                    let Some(value) = value else { break };
                    obj.insert(
                        input.name.clone(),
                        to_json(&value, &input.components, &mut addresses),
                    );
                }
                (ev.name.clone(), Value::Object(obj))
            }
            None => (
                "unknown".to_owned(),
                json!({
                    "topics": data.topics().iter().map(|t| t.to_string()).collect::<Vec<_>>(),
                    "data": data.data.to_string(),
                }),
            ),
        };
        addresses.sort();
        addresses.dedup();
        Some(Decoded {
            meta,
            contract,
            event,
            topic0,
            args,
            addresses,
            typed,
        })
    }
}

/// JSON of an ABI value: addresses and hashes as lowercase hex, integers of more than 53 bits
/// as decimal strings (exact in every JSON reader), tuples as objects with component names.
fn to_json(value: &DynSolValue, components: &[Param], addresses: &mut Vec<Address>) -> Value {
    match value {
        DynSolValue::Bool(b) => Value::Bool(*b),
        DynSolValue::Int(i, bits) => {
            if *bits <= 53 {
                Value::from(i.as_i64())
            } else {
                Value::String(i.to_string())
            }
        }
        DynSolValue::Uint(u, bits) => {
            if *bits <= 53 {
                Value::from(u.to::<u64>())
            } else {
                Value::String(u.to_string())
            }
        }
        DynSolValue::FixedBytes(w, size) => {
            Value::String(format!("0x{}", hex::encode(&w[..*size])))
        }
        DynSolValue::Address(a) => {
            addresses.push(*a);
            Value::String(format!("{a:#x}"))
        }
        DynSolValue::Function(f) => Value::String(format!("0x{}", hex::encode(f.as_slice()))),
        DynSolValue::Bytes(b) => Value::String(format!("0x{}", hex::encode(b))),
        DynSolValue::String(s) => Value::String(s.clone()),
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) => Value::Array(
            items
                .iter()
                .map(|v| to_json(v, components, addresses))
                .collect(),
        ),
        DynSolValue::Tuple(items) => {
            if components.len() == items.len() && components.iter().all(|c| !c.name.is_empty()) {
                Value::Object(
                    components
                        .iter()
                        .zip(items)
                        .map(|(c, v)| (c.name.clone(), to_json(v, &c.components, addresses)))
                        .collect(),
                )
            } else {
                Value::Array(items.iter().map(|v| to_json(v, &[], addresses)).collect())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::{U256, address};

    #[test]
    fn values_become_exact_json() {
        let mut seen = Vec::new();
        let big = DynSolValue::Uint(U256::from(u64::MAX), 256);
        assert_eq!(to_json(&big, &[], &mut seen), json!("18446744073709551615"));
        let small = DynSolValue::Uint(U256::from(7u8), 8);
        assert_eq!(to_json(&small, &[], &mut seen), json!(7));
        let a = address!("00000000000000000000000000000000000000aa");
        let tuple = DynSolValue::Tuple(vec![DynSolValue::Address(a), DynSolValue::Bool(true)]);
        let comps: Vec<Param> = serde_json::from_value(json!([
            {"name": "holder", "type": "address", "internalType": "address", "components": []},
            {"name": "ok", "type": "bool", "internalType": "bool", "components": []}
        ]))
        .unwrap();
        assert_eq!(
            to_json(&tuple, &comps, &mut seen),
            json!({"holder": "0x00000000000000000000000000000000000000aa", "ok": true})
        );
        assert_eq!(seen, vec![a]);
    }
}
