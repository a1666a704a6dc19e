//! Integration tests of `ogcr-client` against a real local chain: every test spawns its own
//! anvil, deploys the suite with the client's deployer and drives the contracts through
//! [`ogcr_client::Registry`], one registry per actor.

mod common;
mod demo;
mod deploy;
mod funds;
mod lifecycle;
mod policy;
mod roles;
