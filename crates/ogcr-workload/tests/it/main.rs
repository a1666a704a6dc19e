//! Integration tests of `ogcr-workload` against a real local chain: each test spawns its own
//! anvil from the workspace's npm toolchain.

/// The event workload: exact event accounting and the bare download baseline.
mod events;
/// The N-project registry.
mod registry;
