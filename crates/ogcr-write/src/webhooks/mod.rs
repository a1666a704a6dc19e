//! Webhooks: organizations subscribe a URL to registry lifecycle events and the registry POSTs
//! each one there once it is final, signed per the Standard Webhooks convention.
//!
//! - [`EventType`]: the ten lifecycle events of the OGCR API documentation, and
//!   [`events::webhook_of`] maps an indexed chain event to one.
//! - [`sign`]: secrets (`whsec_<base64>`) and the `webhook-signature` header.
//! - [`ssrf`]: which targets a webhook may have, checked when it is registered and again, on
//!   the resolved addresses, at every delivery.
//! - [`worker`]: the delivery worker, started by [`crate::Engine::start`]: events are queued
//!   in the database once final (at or below the indexer's undo floor, out of reach of any
//!   reorg rollback), sent in order per subscription with exponential backoff and jitter for
//!   at least [`WebhookPolicy::retry_for`], and a subscription whose delivery is given up is
//!   disabled with the reason.

use std::time::Duration;

/// Mapping indexed chain events to webhook events and their payloads.
pub mod events;
/// Secrets and Standard Webhooks signatures.
pub mod sign;
/// Server-side request forgery checks of webhook URLs.
pub mod ssrf;
/// The delivery worker.
pub mod worker;

/// A webhook event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    /// A project was registered with its first PDD.
    ProjectCreated,
    /// A project was submitted for validation.
    ProjectSubmitted,
    /// A validator approved (validated) a project.
    ProjectApproved,
    /// A validator rejected a project.
    ProjectRejected,
    /// A monitoring report was submitted.
    MrvSubmitted,
    /// A verifier verified a monitoring report.
    MrvVerified,
    /// A verifier rejected a monitoring report.
    MrvRejected,
    /// Credits were issued (a serial block, or the buffer share).
    CreditIssued,
    /// A credit changed hands.
    CreditTransferred,
    /// A credit was retired.
    CreditRetired,
}

impl EventType {
    /// Every type, in documentation order.
    pub const ALL: [EventType; 10] = [
        EventType::ProjectCreated,
        EventType::ProjectSubmitted,
        EventType::ProjectApproved,
        EventType::ProjectRejected,
        EventType::MrvSubmitted,
        EventType::MrvVerified,
        EventType::MrvRejected,
        EventType::CreditIssued,
        EventType::CreditTransferred,
        EventType::CreditRetired,
    ];

    /// The type's name (`project.created`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::ProjectCreated => "project.created",
            EventType::ProjectSubmitted => "project.submitted",
            EventType::ProjectApproved => "project.approved",
            EventType::ProjectRejected => "project.rejected",
            EventType::MrvSubmitted => "mrv.submitted",
            EventType::MrvVerified => "mrv.verified",
            EventType::MrvRejected => "mrv.rejected",
            EventType::CreditIssued => "credit.issued",
            EventType::CreditTransferred => "credit.transferred",
            EventType::CreditRetired => "credit.retired",
        }
    }

    /// What it announces, and the on-chain event it comes from.
    pub fn describe(self) -> &'static str {
        match self {
            EventType::ProjectCreated => "new project created (ProjectRegistry.PDDRegistered)",
            EventType::ProjectSubmitted => {
                "project submitted for approval (ProjectRegistry.ProjectStatusChanged to Submitted)"
            }
            EventType::ProjectApproved => "project approved (ProjectRegistry.ProjectValidated)",
            EventType::ProjectRejected => "project rejected (ProjectRegistry.ProjectRejected)",
            EventType::MrvSubmitted => "MRV report submitted (MRVRegistry.MRVSubmitted)",
            EventType::MrvVerified => "MRV report verified (MRVRegistry.MRVVerified)",
            EventType::MrvRejected => "MRV report rejected (MRVRegistry.MRVRejected)",
            EventType::CreditIssued => {
                "credits issued, the buffer share included (CarbonRemovalUnit.CRUMinted)"
            }
            EventType::CreditTransferred => {
                "credits transferred between holders (CarbonRemovalUnit.Transfer, not mints)"
            }
            EventType::CreditRetired => "credits retired (CarbonRemovalUnit.CRURetired)",
        }
    }

    /// Parses a type name; the error names it and lists the known ones.
    pub fn parse(s: &str) -> Result<Self, String> {
        EventType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown event type {:?}; event types: {}",
                    ogcr_core::validation::bounded(s, 60),
                    EventType::ALL.map(EventType::as_str).join(", ")
                )
            })
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How webhooks are checked and delivered.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookPolicy {
    /// Allow loopback, private, link-local and other non-public targets, and plain `http`
    /// (tests and local demos; `WriteConfig::allow_private_webhooks`).
    pub allow_private: bool,
    /// The wait after the first failed attempt; each further failure doubles it.
    pub first_retry: Duration,
    /// The longest wait between two attempts.
    pub max_backoff: Duration,
    /// A delivery is retried until its first attempt is this old, then given up and its
    /// subscription disabled.
    pub retry_for: Duration,
    /// Time allowed for one attempt (connecting, sending, the answer's status).
    pub timeout: Duration,
    /// How often the worker looks for newly final events and due deliveries.
    pub poll: Duration,
    /// Most subscriptions delivered to at once (each gets one delivery at a time).
    pub concurrency: usize,
    /// How long delivered and given-up deliveries stay listed in
    /// `GET /webhooks/{id}/deliveries` before they are forgotten (pending ones stay).
    pub keep_for: Duration,
}

impl Default for WebhookPolicy {
    fn default() -> Self {
        WebhookPolicy {
            allow_private: false,
            first_retry: Duration::from_secs(5),
            max_backoff: Duration::from_secs(3600),
            retry_for: Duration::from_secs(24 * 3600),
            timeout: Duration::from_secs(15),
            poll: Duration::from_millis(500),
            concurrency: 16,
            keep_for: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

impl WebhookPolicy {
    /// The wait before the attempt following `failures` failed ones (1 = after the first):
    /// `first_retry · 2^(failures-1)`, at most `max_backoff`, then a random share of it
    /// between a half and the whole ("equal jitter"), so receivers recovering from an outage
    /// are not hit by every sender at once.
    pub fn backoff(&self, failures: u32, jitter: f64) -> Duration {
        let exp = failures.saturating_sub(1).min(40);
        let base = self
            .first_retry
            .saturating_mul(1u32 << exp.min(31))
            .min(self.max_backoff);
        base.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_parse_and_name_the_bad_one() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Ok(t));
        }
        let e = EventType::parse("credit.stolen").unwrap_err();
        assert!(
            e.contains("credit.stolen") && e.contains("credit.retired"),
            "{e}"
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        let p = WebhookPolicy::default();
        assert_eq!(p.backoff(1, 1.0), Duration::from_secs(5));
        assert_eq!(p.backoff(1, 0.0), Duration::from_millis(2500));
        assert_eq!(p.backoff(2, 1.0), Duration::from_secs(10));
        assert_eq!(p.backoff(4, 1.0), Duration::from_secs(40));
        assert_eq!(p.backoff(30, 1.0), Duration::from_secs(3600));
        assert_eq!(p.backoff(u32::MAX, 1.0), Duration::from_secs(3600));
        // The default schedule keeps trying for the whole retry period: the waits until the
        // period is over add up to at least 24 h even with the smallest jitter.
        let mut waited = Duration::ZERO;
        let mut n = 0;
        while waited < p.retry_for {
            n += 1;
            waited += p.backoff(n, 0.0);
        }
        assert!(n > 20, "{n} attempts");
    }
}
