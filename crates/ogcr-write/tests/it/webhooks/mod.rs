//! Webhooks over real HTTP: anvil with the suite deployed, the indexer following it, the
//! write API served on 127.0.0.1 with its engine (and so the delivery worker), and receivers
//! that are axum servers on 127.0.0.1 started by the test.
//!
//! - The demo scenario's lifecycle (projects registered, submitted, approved and rejected;
//!   reports submitted, verified and rejected; credits issued, transferred and retired)
//!   reaches a receiver as every one of the ten event types, each event exactly once, in chain
//!   order, with signatures that verify; a receiver failing its first 5 requests gets every
//!   event too, in order; the server is stopped and started again in between and loses none.
//! - An event rolled back by a reorg (anvil snapshot reverted) is never delivered; the event
//!   that replaced it is.
//! - A receiver that keeps failing, one that redirects (not followed) and one that answers
//!   410 Gone each get their webhook disabled with the reason in `GET /webhooks/{id}`;
//!   enabling it again resumes with the next event; a target refused at delivery (scheme, or
//!   the address a name resolves to) is never connected to; a server killed mid-delivery
//!   sends that delivery again after the restart, with the same `webhook-id`.
//! - Registration refuses private, loopback, link-local and unique-local targets, plain http
//!   and a name resolving to loopback (before connecting anywhere), naming the URL; another
//!   organization can neither see nor delete a subscription; the secret is never echoed; a
//!   POST retried with its Idempotency-Key registers once; every answer conforms to the
//!   published OpenAPI document.

/// Deliveries.
mod delivery;
/// The shared fixtures.
mod harness;
/// Registering, reading and deleting.
mod registration;
