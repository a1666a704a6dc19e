//! An external identity provider (Keycloak, Entra ID, Auth0, another ogcr) as the issuer of
//! access tokens: its JWKS fetched from `jwks_url` and cached, fetched again when a token names
//! a `kid` the cache does not know (at most once per [`ExternalIssuer::refetch_after`]), and the organization
//! and scopes read from claims named by configuration.
//!
//! Only asymmetric algorithms are accepted (RS*, PS*, ES256/384, EdDSA) and only the one the
//! key names: `none` and HMAC tokens are refused whatever their header says.

use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, DecodingKey, Validation, jwk::JwkSet};
use serde_json::Value;
use tokio::sync::Mutex;

use crate::{Principal, auth::AuthFailure, auth::Scope};

/// The soonest the JWKS is fetched again for an unknown `kid`, by default.
pub const REFETCH_AFTER: Duration = Duration::from_secs(10);

/// How long a fetched JWKS is used before it is fetched again anyway.
pub const MAX_AGE: Duration = Duration::from_secs(3600);

/// An external issuer whose access tokens the write API accepts.
#[derive(Debug, Clone)]
pub struct ExternalIssuer {
    /// The `iss` its tokens carry, exactly.
    pub issuer: String,
    /// Where its JWKS is.
    pub jwks_url: String,
    /// The `aud` its tokens must carry (not checked when `None`).
    pub audience: Option<String>,
    /// The claim naming the organization (a string).
    pub org_claim: String,
    /// The claim carrying the scopes (a space-separated string or an array of strings).
    pub scope_claim: String,
    /// The soonest the JWKS is fetched again when a token names an unknown `kid`.
    pub refetch_after: Duration,
}

impl ExternalIssuer {
    /// An issuer with the default claims: `org` and `scope`.
    pub fn new(issuer: impl Into<String>, jwks_url: impl Into<String>) -> Self {
        ExternalIssuer {
            issuer: issuer.into(),
            jwks_url: jwks_url.into(),
            audience: None,
            org_claim: "org".into(),
            scope_claim: "scope".into(),
            refetch_after: REFETCH_AFTER,
        }
    }

    /// Verifies `token` against the issuer's keys; the principal its claims map to.
    pub(crate) async fn authenticate(
        &self,
        cache: &JwksCache,
        token: &str,
        now: i64,
    ) -> Result<Principal, AuthFailure> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthFailure::InvalidToken)?;
        if !matches!(
            header.alg,
            Algorithm::RS256
                | Algorithm::RS384
                | Algorithm::RS512
                | Algorithm::PS256
                | Algorithm::PS384
                | Algorithm::PS512
                | Algorithm::ES256
                | Algorithm::ES384
                | Algorithm::EdDSA
        ) {
            return Err(AuthFailure::InvalidToken);
        }
        let kid = header.kid.clone().ok_or(AuthFailure::InvalidToken)?;
        let key = cache.key(&self.jwks_url, &kid, self.refetch_after).await?;
        if key.1.is_some_and(|a| a != header.alg) {
            return Err(AuthFailure::InvalidToken);
        }
        let mut v = Validation::new(header.alg);
        v.set_issuer(&[&self.issuer]);
        match &self.audience {
            Some(a) => v.set_audience(&[a]),
            None => v.validate_aud = false,
        }
        v.set_required_spec_claims(&["exp", "iss"]);
        v.validate_exp = false;
        let data = jsonwebtoken::decode::<Value>(token, &key.0, &v)
            .map_err(|_| AuthFailure::InvalidToken)?;
        let c = data.claims;
        match c.get("exp").and_then(Value::as_i64) {
            Some(exp) if exp > now => {}
            _ => return Err(AuthFailure::ExpiredToken),
        }
        if c.get("nbf")
            .and_then(Value::as_i64)
            .is_some_and(|n| n > now + 5)
        {
            return Err(AuthFailure::InvalidToken);
        }
        let org = c
            .get(&self.org_claim)
            .and_then(Value::as_str)
            .filter(|o| !o.is_empty())
            .ok_or(AuthFailure::InvalidToken)?;
        let scopes: Vec<Scope> = match c.get(&self.scope_claim) {
            Some(Value::String(s)) => super::scopes_of(s),
            Some(Value::Array(a)) => {
                let joined = a
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(" ");
                super::scopes_of(&joined)
            }
            _ => Vec::new(),
        };
        let who = ["client_id", "azp", "sub"]
            .iter()
            .find_map(|k| c.get(*k).and_then(Value::as_str))
            .unwrap_or("external");
        Ok(Principal {
            organization: org.to_owned(),
            key_id: format!("ext:{}", who.chars().take(64).collect::<String>()),
            scopes,
        })
    }
}

/// The external issuer's keys, fetched on demand.
#[derive(Debug, Default)]
pub struct JwksCache {
    inner: Mutex<Option<(JwkSet, Instant)>>,
}

type Key = (DecodingKey, Option<Algorithm>);

impl JwksCache {
    /// The key `kid` of the set at `url`: from the cache, or fetched again when the cache is
    /// older than [`MAX_AGE`], or does not know `kid` and is older than `refetch_after`.
    async fn key(&self, url: &str, kid: &str, refetch_after: Duration) -> Result<Key, AuthFailure> {
        let mut guard = self.inner.lock().await;
        let stale = match &*guard {
            None => true,
            Some((set, at)) => {
                at.elapsed() > MAX_AGE || (set.find(kid).is_none() && at.elapsed() >= refetch_after)
            }
        };
        if stale {
            match fetch(url).await {
                Ok(set) => *guard = Some((set, Instant::now())),
                Err(e) => {
                    tracing::warn!(target: "ogcr::write::oauth", error = %e, "cannot fetch the external issuer's JWKS");
                    if guard.is_none() {
                        return Err(AuthFailure::IssuerUnavailable);
                    }
                }
            }
        }
        let (set, _) = guard.as_ref().ok_or(AuthFailure::IssuerUnavailable)?;
        let jwk = set.find(kid).ok_or(AuthFailure::InvalidToken)?;
        let alg = jwk
            .common
            .key_algorithm
            .and_then(|a| a.to_string().parse::<Algorithm>().ok());
        let dk = DecodingKey::from_jwk(jwk).map_err(|_| AuthFailure::InvalidToken)?;
        Ok((dk, alg))
    }
}

async fn fetch(url: &str) -> Result<JwkSet, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| e.to_string())?;
    let resp = client
        .get(url)
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    if !resp.status().is_success() {
        return Err(format!("status {}", resp.status()));
    }
    if resp.content_length().is_some_and(|n| n > 1 << 20) {
        return Err("the JWKS is over 1 MiB".into());
    }
    let body = resp
        .bytes()
        .await
        .map_err(|e| e.without_url().to_string())?;
    if body.len() > 1 << 20 {
        return Err("the JWKS is over 1 MiB".into());
    }
    // Keys of a type or curve the library does not know are skipped, not fatal.
    let v: Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
    let keys = v
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("no keys array")?
        .iter()
        .filter_map(|k| serde_json::from_value(k.clone()).ok())
        .collect();
    Ok(JwkSet { keys })
}
