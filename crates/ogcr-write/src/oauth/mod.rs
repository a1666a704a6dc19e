//! The embedded OAuth 2.0 authorization server (RFC 6749, PKCE per RFC 7636, metadata per
//! RFC 8414, revocation per RFC 7009) and the verification of access tokens — the registry's
//! own or an external identity provider's — into the same [`Principal`](crate::Principal) an
//! API key resolves to.
//!
//! Access tokens are JWTs (RFC 9068 shape) signed ES256 with a registry key kept in the
//! database ([`keys`]); clients and users are registered with the CLI (`ogcr clients`,
//! `ogcr users`). Every decision of the token, authorization and revocation endpoints is
//! written to the audit log.

use std::{sync::Arc, time::Duration};

use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::auth::Scope;

/// The authorization endpoint: the login and consent page, and the code it answers.
pub mod authorize;
/// An external identity provider's tokens: JWKS cache and claim mapping.
pub mod external;
/// Signing keys: generation, rotation, the published JWKS.
pub mod keys;
/// The OAuth part of the OpenAPI document.
pub mod openapi;
/// User passwords (argon2id).
pub mod password;
/// The token and revocation endpoints, metadata and JWKS.
pub mod routes;
/// Access tokens: claims, issuing, verifying.
pub mod token;

pub use external::ExternalIssuer;

/// How the OAuth server behaves.
#[derive(Debug, Clone)]
pub struct OAuthConfig {
    /// How long an access token lives.
    pub access_ttl: Duration,
    /// How long a refresh token lives (each use rotates it and starts the period again).
    pub refresh_ttl: Duration,
    /// How long an authorization code may wait to be exchanged.
    pub code_ttl: Duration,
    /// Accept access tokens of this external issuer too (besides the registry's own).
    pub external: Option<ExternalIssuer>,
}

impl Default for OAuthConfig {
    fn default() -> Self {
        OAuthConfig {
            access_ttl: Duration::from_secs(600),
            refresh_ttl: Duration::from_secs(30 * 86_400),
            code_ttl: Duration::from_secs(60),
            external: None,
        }
    }
}

/// The OAuth server's configuration and the caches it keeps at run time.
#[derive(Debug, Clone, Default)]
pub struct OAuthState {
    /// Configuration.
    pub config: OAuthConfig,
    /// The external issuer's keys, when one is configured.
    pub(crate) jwks: Arc<external::JwksCache>,
}

impl OAuthState {
    /// State over `config`.
    pub fn new(config: OAuthConfig) -> Self {
        OAuthState {
            config,
            jwks: Arc::default(),
        }
    }
}

/// Prefix of client ids.
pub const CLIENT_PREFIX: &str = "oc_";

/// `n` random bytes, base64url without padding (tokens, codes, secrets).
pub(crate) fn random_token(n: usize) -> String {
    use base64::Engine;
    let mut b = vec![0u8; n];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// Lowercase hex SHA-256 (how secrets, codes and refresh tokens are stored).
pub(crate) fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Constant-time equality of two strings.
pub(crate) fn ct_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Scopes as stored (space-separated), unknown names dropped.
pub(crate) fn scopes_of(s: &str) -> Vec<Scope> {
    let mut v: Vec<Scope> = s
        .split([' ', ','])
        .filter_map(|x| Scope::parse(x).ok())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Scopes joined with spaces.
pub(crate) fn join_scopes(s: &[Scope]) -> String {
    s.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(" ")
}

/// Checks a redirect URI a client registers: absolute, no fragment, https or http to a
/// loopback host (RFC 8252 §7.3), or a private-use scheme of a native app (`com.example:/cb`).
pub fn check_redirect_uri(uri: &str) -> Result<(), String> {
    let u = reqwest::Url::parse(uri).map_err(|e| format!("redirect URI {uri:?}: {e}"))?;
    if u.fragment().is_some() {
        return Err(format!(
            "redirect URI {uri:?} has a fragment (RFC 6749 §3.1.2)"
        ));
    }
    match u.scheme() {
        "https" => Ok(()),
        "http" => match u.host_str() {
            Some("127.0.0.1" | "localhost" | "[::1]") => Ok(()),
            _ => Err(format!(
                "redirect URI {uri:?}: plain http only to a loopback host (127.0.0.1, [::1], localhost)"
            )),
        },
        s if s.contains('.') => Ok(()),
        s => Err(format!(
            "redirect URI {uri:?}: scheme {s} is neither https, loopback http nor a reverse-domain private-use scheme"
        )),
    }
}

/// A freshly registered client: the row to store and the secret to show once.
#[derive(Clone)]
pub struct NewClient {
    /// The stored row (secret hashed).
    pub row: ogcr_store::oauth::OAuthClient,
    /// The client secret (confidential clients): shown once, never stored.
    pub secret: Option<String>,
}

impl std::fmt::Debug for NewClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewClient")
            .field("client_id", &self.row.client_id)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// Makes a client of `organization`: confidential ones get a secret. Redirect URIs are
/// checked with [`check_redirect_uri`]; a public client needs at least one (it can only use
/// the authorization code grant).
pub fn new_client(
    organization: &str,
    name: &str,
    confidential: bool,
    redirect_uris: &[String],
    scopes: &[Scope],
    now: i64,
) -> Result<NewClient, String> {
    for u in redirect_uris {
        check_redirect_uri(u)?;
    }
    if !confidential && redirect_uris.is_empty() {
        return Err(
            "a public client needs a redirect URI (it can only use the authorization code grant)"
                .into(),
        );
    }
    if scopes.is_empty() {
        return Err("a client needs at least one scope".into());
    }
    let mut id = [0u8; 16];
    rand::rng().fill_bytes(&mut id);
    let client_id = format!("{CLIENT_PREFIX}{}", hex::encode(id));
    let secret = confidential.then(|| random_token(32));
    Ok(NewClient {
        row: ogcr_store::oauth::OAuthClient {
            client_id,
            organization: organization.to_owned(),
            name: name.to_owned(),
            kind: if confidential {
                ogcr_store::oauth::client_kind::CONFIDENTIAL
            } else {
                ogcr_store::oauth::client_kind::PUBLIC
            }
            .to_owned(),
            secret_sha256: secret.as_deref().map(sha256_hex),
            redirect_uris: redirect_uris.join(" "),
            scopes: join_scopes(scopes),
            created_at: now,
            revoked_at: None,
        },
        secret,
    })
}

/// A demo client's credentials.
#[derive(Clone)]
pub struct DemoClient {
    /// Client id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: String,
}

impl std::fmt::Debug for DemoClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoClient")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// Name of the demo clients (`ogcr up --demo` replaces them at every start).
pub const DEMO_CLIENT_NAME: &str = "ogcr up --demo";

/// Registers a confidential client per demo role (`(organization, scopes)`), after revoking
/// the previous demo clients; returns them by organization, with their secrets.
pub async fn demo_clients(
    store: &ogcr_store::Store,
    roles: &[(&str, &[Scope])],
    now: i64,
) -> crate::Result<Vec<(String, DemoClient)>> {
    for c in store.oauth_clients(None).await? {
        if c.name == DEMO_CLIENT_NAME && c.revoked_at.is_none() {
            store.revoke_oauth_client(&c.client_id, now).await?;
        }
    }
    let mut out = Vec::new();
    for (org, scopes) in roles {
        let c = new_client(org, DEMO_CLIENT_NAME, true, &[], scopes, now)
            .map_err(crate::Error::Config)?;
        store.insert_oauth_client(&c.row).await?;
        out.push((
            (*org).to_owned(),
            DemoClient {
                client_id: c.row.client_id.clone(),
                client_secret: c.secret.unwrap_or_default(),
            },
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_are_checked() {
        for ok in [
            "https://app.example/cb",
            "http://127.0.0.1:8765/cb",
            "http://localhost/cb",
            "com.example.app:/cb",
        ] {
            assert!(check_redirect_uri(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://app.example/cb",
            "https://app.example/cb#x",
            "/cb",
            "javascript:alert(1)",
        ] {
            assert!(check_redirect_uri(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn clients_store_no_secret() {
        let c = new_client(
            "acme",
            "app",
            true,
            &["https://a.example/cb".into()],
            &[Scope::CreditsRetire],
            1,
        )
        .unwrap();
        let secret = c.secret.clone().unwrap();
        assert_eq!(
            c.row.secret_sha256.as_deref(),
            Some(sha256_hex(&secret).as_str())
        );
        assert!(!format!("{c:?}").contains(&secret));
        assert!(c.row.client_id.starts_with(CLIENT_PREFIX));
        let p = new_client("acme", "spa", false, &[], &[Scope::CreditsRetire], 1);
        assert!(p.is_err());
    }
}
