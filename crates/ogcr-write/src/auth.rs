//! Who is calling: API keys (`ogcr_<key id>_<secret>`, stored as the SHA-256 of the secret),
//! their scopes, and the [`Principal`] every write route works with. An OAuth 2.0 access
//! token resolves to the same principal (organization, scopes), so routes never look at how
//! the caller authenticated.

use std::fmt;

use axum::http::HeaderMap;
use ogcr_api::ApiError;
use ogcr_store::{ApiKey, Store};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A permission a key may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Register projects, revise PDDs, submit and archive them (developers).
    ProjectsWrite,
    /// Review, approve and reject projects (validators).
    ProjectsApprove,
    /// Submit monitoring reports (developers).
    MrvWrite,
    /// Verify or reject monitoring reports, or relay a verifier's attestation (verifiers).
    MrvVerify,
    /// Issue CRUs against verified reports (registry operators).
    CreditsIssue,
    /// Transfer and split CRUs the organization holds.
    CreditsTransfer,
    /// Retire CRUs the organization holds.
    CreditsRetire,
    /// Cancel CRUs (registry operators).
    CreditsCancel,
    /// Read the audit log (administrators).
    AuditRead,
    /// Register, list and delete the organization's webhooks.
    WebhooksManage,
}

impl Scope {
    /// Every scope, in documentation order.
    pub const ALL: [Scope; 10] = [
        Scope::ProjectsWrite,
        Scope::ProjectsApprove,
        Scope::MrvWrite,
        Scope::MrvVerify,
        Scope::CreditsIssue,
        Scope::CreditsTransfer,
        Scope::CreditsRetire,
        Scope::CreditsCancel,
        Scope::AuditRead,
        Scope::WebhooksManage,
    ];

    /// The scope's name (`projects:write`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ProjectsWrite => "projects:write",
            Scope::ProjectsApprove => "projects:approve",
            Scope::MrvWrite => "mrv:write",
            Scope::MrvVerify => "mrv:verify",
            Scope::CreditsIssue => "credits:issue",
            Scope::CreditsTransfer => "credits:transfer",
            Scope::CreditsRetire => "credits:retire",
            Scope::CreditsCancel => "credits:cancel",
            Scope::AuditRead => "audit:read",
            Scope::WebhooksManage => "webhooks:manage",
        }
    }

    /// What the scope allows.
    pub fn describe(self) -> &'static str {
        match self {
            Scope::ProjectsWrite => "register projects, revise PDDs, submit and archive projects",
            Scope::ProjectsApprove => "review, approve and reject projects (validators)",
            Scope::MrvWrite => "submit monitoring reports",
            Scope::MrvVerify => "verify or reject monitoring reports, relay attestations",
            Scope::CreditsIssue => "issue CRUs against verified reports (registry operators)",
            Scope::CreditsTransfer => "transfer and split CRUs the organization holds",
            Scope::CreditsRetire => "retire CRUs the organization holds",
            Scope::CreditsCancel => "cancel CRUs (registry operators)",
            Scope::AuditRead => "read the audit log (administrators)",
            Scope::WebhooksManage => "register, list and delete the organization's webhooks",
        }
    }

    /// Parses a scope name.
    pub fn parse(s: &str) -> Result<Self, String> {
        Scope::ALL
            .into_iter()
            .find(|x| x.as_str() == s.trim())
            .ok_or_else(|| {
                format!(
                    "unknown scope {s:?}; scopes: {}",
                    Scope::ALL.map(Scope::as_str).join(", ")
                )
            })
    }

    /// Parses a comma- or space-separated list (duplicates removed, sorted).
    pub fn parse_list(s: &str) -> Result<Vec<Self>, String> {
        let mut out = s
            .split([',', ' '])
            .filter(|x| !x.trim().is_empty())
            .map(Scope::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if out.is_empty() {
            return Err("no scope given".into());
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The organization it acts for (the signing account is the organization's).
    pub organization: String,
    /// The API key id (or OAuth client id) — never the secret.
    pub key_id: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
}

impl Principal {
    /// Ok when the principal has `scope`, else 403 naming it.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "missing_scope",
                format!(
                    "this route needs the scope {scope}; key {} of {} has: {}",
                    self.key_id,
                    self.organization,
                    if self.scopes.is_empty() {
                        "none".to_owned()
                    } else {
                        self.scopes
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                ),
            ))
        }
    }
}

/// Prefix of every API key.
pub const KEY_PREFIX: &str = "ogcr_";

/// A freshly generated key: the row to store and the plaintext to show once.
#[derive(Clone)]
pub struct NewKey {
    /// The stored row (hash only).
    pub row: ApiKey,
    /// `ogcr_<key id>_<secret>`: shown to the user once, never stored.
    pub plaintext: String,
}

impl fmt::Debug for NewKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewKey")
            .field("row", &self.row)
            .field("plaintext", &"<redacted>")
            .finish()
    }
}

fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Generates a key for `organization` with `scopes`, valid until `expires_at` (unix seconds).
pub fn generate_key(
    organization: &str,
    scopes: &[Scope],
    label: &str,
    now: i64,
    expires_at: Option<i64>,
) -> NewKey {
    let mut id = [0u8; 8];
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut id);
    rand::rng().fill_bytes(&mut secret);
    let key_id = hex::encode(id);
    let secret = hex::encode(secret);
    NewKey {
        plaintext: format!("{KEY_PREFIX}{key_id}_{secret}"),
        row: ApiKey {
            key_id,
            organization: organization.to_owned(),
            scopes: scopes
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            secret_sha256: secret_hash(&secret),
            label: label.to_owned(),
            created_at: now,
            expires_at,
            revoked_at: None,
            last_used_at: None,
        },
    }
}

/// Splits `ogcr_<16 hex>_<64 hex>` into key id and secret.
fn parse_key(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix(KEY_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let hex_of = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex_of(id, 16) && hex_of(secret, 64)).then_some((id, secret))
}

/// Why a request did not authenticate (the reason code in the 401's details).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// No `Authorization` header.
    Missing,
    /// Not `Bearer <token>`, or not an ogcr key.
    Malformed,
    /// No key with that id, or the secret does not match.
    Unknown,
    /// The key was revoked.
    Revoked,
    /// The key expired.
    Expired,
    /// A JWT that does not verify: bad signature, unknown key, wrong issuer or audience, or
    /// malformed claims.
    InvalidToken,
    /// An access token past its expiry.
    ExpiredToken,
    /// An access token whose grant was revoked (revocation, refresh-token reuse, a revoked
    /// client or a disabled user).
    RevokedToken,
    /// The external issuer's keys cannot be fetched.
    IssuerUnavailable,
}

impl AuthFailure {
    /// Reason code.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthFailure::Missing => "missing_credentials",
            AuthFailure::Malformed => "malformed_credentials",
            AuthFailure::Unknown => "unknown_key",
            AuthFailure::Revoked => "revoked_key",
            AuthFailure::Expired => "expired_key",
            AuthFailure::InvalidToken => "invalid_token",
            AuthFailure::ExpiredToken => "expired_token",
            AuthFailure::RevokedToken => "revoked_token",
            AuthFailure::IssuerUnavailable => "issuer_unavailable",
        }
    }

    /// The 401 answer.
    pub fn into_error(self) -> ApiError {
        let message = match self {
            AuthFailure::Missing => {
                "this route needs an API key or an OAuth access token: send `Authorization: Bearer <key or token>` (create a key with `ogcr keys create`, or get a token at /oauth/token)"
            }
            AuthFailure::Malformed => {
                "the Authorization header is neither `Bearer ogcr_<key id>_<secret>` nor `Bearer <access token>`"
            }
            AuthFailure::Unknown => "the API key is not known to this registry",
            AuthFailure::Revoked => "the API key was revoked",
            AuthFailure::Expired => "the API key has expired",
            AuthFailure::InvalidToken => "the access token does not verify",
            AuthFailure::ExpiredToken => "the access token has expired",
            AuthFailure::RevokedToken => "the access token was revoked",
            AuthFailure::IssuerUnavailable => {
                "the access token's issuer cannot be reached to check it; retry shortly"
            }
        };
        let mut e = ApiError::unauthenticated(message);
        e.details = vec![ogcr_api::FieldError::new("authorization", message).reason(self.as_str())];
        e
    }
}

/// Authenticates the request's bearer credential against the store at time `now` (unix s): an
/// API key, or an access token of the registry's own OAuth server (a bearer that is a JWT; its
/// issuer and audience are not compared with the public URL here — see
/// [`authenticate_with`]).
pub async fn authenticate(
    store: &Store,
    headers: &HeaderMap,
    now: i64,
) -> Result<Result<Principal, AuthFailure>, ogcr_store::Error> {
    authenticate_with(store, None, None, headers, now).await
}

/// [`authenticate`] with the OAuth server's state: access tokens must name `issuer` (the
/// registry's public URL) as `iss` and `aud`, and an external issuer's tokens are accepted
/// when `oauth` configures one.
pub async fn authenticate_with(
    store: &Store,
    oauth: Option<&crate::oauth::OAuthState>,
    issuer: Option<&str>,
    headers: &HeaderMap,
    now: i64,
) -> Result<Result<Principal, AuthFailure>, ogcr_store::Error> {
    let Some(value) = headers.get(axum::http::header::AUTHORIZATION) else {
        return Ok(Err(AuthFailure::Missing));
    };
    let Some(token) = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
    else {
        return Ok(Err(AuthFailure::Malformed));
    };
    if crate::oauth::token::looks_like_jwt(token) {
        return crate::oauth::token::authenticate(store, oauth, issuer, token, now).await;
    }
    let Some((key_id, secret)) = parse_key(token) else {
        return Ok(Err(AuthFailure::Malformed));
    };
    let Some(key) = store.api_key(key_id).await? else {
        return Ok(Err(AuthFailure::Unknown));
    };
    let matches: bool = secret_hash(secret)
        .as_bytes()
        .ct_eq(key.secret_sha256.as_bytes())
        .into();
    if !matches {
        return Ok(Err(AuthFailure::Unknown));
    }
    if key.revoked_at.is_some() {
        return Ok(Err(AuthFailure::Revoked));
    }
    if key.expires_at.is_some_and(|e| e <= now) {
        return Ok(Err(AuthFailure::Expired));
    }
    store.touch_api_key(key_id, now).await?;
    let scopes = key
        .scopes
        .split(' ')
        .filter_map(|s| Scope::parse(s).ok())
        .collect();
    Ok(Ok(Principal {
        organization: key.organization,
        key_id: key.key_id,
        scopes,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_store_no_secret() {
        let k = generate_key("acme", &[Scope::CreditsRetire], "ci", 10, None);
        let (id, secret) = parse_key(&k.plaintext).unwrap();
        assert_eq!(id, k.row.key_id);
        assert_eq!(secret_hash(secret), k.row.secret_sha256);
        assert!(!format!("{:?}", k).contains(secret));
        assert!(!k.row.secret_sha256.contains(secret));
        assert_eq!(k.row.scopes, "credits:retire");
        let other = generate_key("acme", &[Scope::CreditsRetire], "ci", 10, None);
        assert_ne!(k.plaintext, other.plaintext);
    }

    #[test]
    fn malformed_keys_are_refused() {
        for bad in [
            "",
            "ogcr_",
            "ogcr_zz_yy",
            "sk_live_123",
            "ogcr_0123456789abcdef_short",
        ] {
            assert_eq!(parse_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn scope_lists_parse_and_name_the_bad_one() {
        assert_eq!(
            Scope::parse_list("mrv:verify, projects:write projects:write").unwrap(),
            vec![Scope::ProjectsWrite, Scope::MrvVerify]
        );
        let e = Scope::parse_list("credits:steal").unwrap_err();
        assert!(
            e.contains("credits:steal") && e.contains("credits:retire"),
            "{e}"
        );
    }

    #[test]
    fn a_missing_scope_is_403_naming_it() {
        let p = Principal {
            organization: "acme".into(),
            key_id: "k1".into(),
            scopes: vec![Scope::CreditsTransfer],
        };
        assert!(p.require(Scope::CreditsTransfer).is_ok());
        let e = p.require(Scope::CreditsRetire).unwrap_err();
        assert_eq!(e.status, axum::http::StatusCode::FORBIDDEN);
        assert!(e.message.contains("credits:retire"), "{}", e.message);
    }
}
