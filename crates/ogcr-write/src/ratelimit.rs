//! Who is calling, for the API's rate limits per class (OGCR api-documentation.md: limits per
//! user type): a request whose bearer credential authenticates counts against its
//! organization — an operator's organization (registry_operator or administrator on chain)
//! against the operators' class — whatever address it comes from; any other request counts
//! against its address.
//!
//! Telling costs one authentication per credential per minute: the answer is kept in a
//! bounded cache keyed by the SHA-256 of the credential (never the credential itself).

use std::{sync::Arc, time::Duration};

use axum::http::{HeaderMap, header};
use ogcr_api::Caller;
use ogcr_store::Store;
use sha2::{Digest, Sha256};

use crate::{Engine, auth};

/// How long an answer is reused: a revoked key keeps its organization's (higher) limit this
/// long at most — it is refused by every write route at once regardless.
const TTL: Duration = Duration::from_secs(60);

/// The classifier for `ogcr_api::RateLimits::classifier`.
pub fn classifier(store: Store, engine: Arc<Engine>) -> ogcr_api::Classifier {
    let cache: moka::future::Cache<[u8; 32], Option<Caller>> = moka::future::Cache::builder()
        .max_capacity(100_000)
        .time_to_live(TTL)
        .build();
    Arc::new(move |headers: HeaderMap| {
        let (store, engine, cache) = (store.clone(), engine.clone(), cache.clone());
        Box::pin(async move {
            let credential = headers.get(header::AUTHORIZATION)?.as_bytes();
            let key: [u8; 32] = Sha256::digest(credential).into();
            cache
                .get_with(
                    key,
                    async move { classify(&store, &engine, &headers).await },
                )
                .await
        })
    })
}

async fn classify(store: &Store, engine: &Engine, headers: &HeaderMap) -> Option<Caller> {
    let now = chrono::Utc::now().timestamp();
    let principal = match auth::authenticate(store, headers, now).await {
        Ok(Ok(p)) => p,
        // A credential that does not authenticate is an anonymous request (the write route
        // answers 401); a database error must not turn into a refusal here either.
        Ok(Err(_)) | Err(_) => return None,
    };
    let operator = match engine.orgs().get(&principal.organization) {
        Some(org) => match store.account_summary(&format!("{:#x}", org.address)).await {
            Ok(summary) => summary
                .roles
                .iter()
                .any(|r| r == "registry_operator" || r == "administrator"),
            Err(_) => false,
        },
        None => false,
    };
    Some(if operator {
        Caller::Operator(principal.organization)
    } else {
        Caller::Organization(principal.organization)
    })
}
