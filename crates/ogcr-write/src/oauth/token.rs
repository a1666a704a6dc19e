//! Access tokens: JWTs in the RFC 9068 shape (`typ: at+jwt`, `kid` in the header), signed
//! ES256 by the registry's active key, and their verification into a
//! [`Principal`](crate::Principal).
//!
//! Claims: `iss` and `aud` (the registry's public URL), `sub` (the user, or the client for
//! client credentials), `client_id`, `org` (the organization), `scope` (space-separated),
//! `iat`, `exp`, `jti`, and `fam`, the token family: revoking a family (a revoked refresh
//! token, a detected reuse, a revoked client or disabled user) stops its access tokens at once,
//! not only at their expiry.

use jsonwebtoken::{Algorithm, Header, Validation};
use ogcr_store::Store;
use serde::{Deserialize, Serialize};

use crate::{Principal, Result, auth::AuthFailure, oauth::keys};

/// The claims of an access token the registry issues.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// Issuer: the registry's public URL.
    pub iss: String,
    /// Audience: the registry's public URL.
    pub aud: String,
    /// The user, or the client itself for client credentials.
    pub sub: String,
    /// The client the token was issued to.
    pub client_id: String,
    /// The organization the token acts for.
    pub org: String,
    /// Space-separated scopes.
    pub scope: String,
    /// Issued at (unix s).
    pub iat: i64,
    /// Expires at (unix s).
    pub exp: i64,
    /// Token id.
    pub jti: String,
    /// Token family.
    pub fam: String,
}

/// Signs `claims` with the active key.
pub async fn sign(store: &Store, claims: &Claims, now: i64) -> Result<String> {
    let key = keys::active(store, now).await?;
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(key.kid.clone());
    header.typ = Some("at+jwt".into());
    jsonwebtoken::encode(&header, claims, &keys::encoding_key(&key)?)
        .map_err(|_| crate::Error::Invalid(format!("cannot sign with key {}", key.kid)))
}

/// Whether `token` looks like a JWT (three base64url segments) rather than an API key.
pub fn looks_like_jwt(token: &str) -> bool {
    let parts: Vec<&str> = token.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// What verifying a token came to.
#[derive(Debug)]
pub enum Verified {
    /// The registry's own token, valid: its claims.
    Own(Box<Claims>),
    /// Not signed by one of the registry's keys (maybe an external issuer's).
    NotOurs,
    /// Refused.
    Refused(AuthFailure),
}

/// Verifies a registry token at `now`: signature by one of the registry's keys (a retired key
/// only for tokens it signed before its retirement), `exp`, and `iss` and `aud` when `issuer`
/// is given. Does not look at the family (see [`authenticate`]).
pub async fn verify_own(
    store: &Store,
    token: &str,
    issuer: Option<&str>,
    now: i64,
) -> std::result::Result<Verified, ogcr_store::Error> {
    let Ok(header) = jsonwebtoken::decode_header(token) else {
        return Ok(Verified::Refused(AuthFailure::InvalidToken));
    };
    let Some(kid) = header.kid.as_deref() else {
        return Ok(Verified::NotOurs);
    };
    let Some(key) = store.signing_key(kid).await? else {
        return Ok(Verified::NotOurs);
    };
    if header.alg != Algorithm::ES256 {
        return Ok(Verified::Refused(AuthFailure::InvalidToken));
    }
    let Some(dk) = keys::decoding_key(&key) else {
        return Ok(Verified::Refused(AuthFailure::InvalidToken));
    };
    let mut v = Validation::new(Algorithm::ES256);
    match issuer {
        Some(iss) => {
            v.set_issuer(&[iss]);
            v.set_audience(&[iss]);
        }
        None => v.validate_aud = false,
    }
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    // Expiry is checked below against `now`, so tests can set the clock.
    v.validate_exp = false;
    match jsonwebtoken::decode::<Claims>(token, &dk, &v) {
        Ok(data) => {
            if key.retired_at.is_some_and(|r| data.claims.iat > r) {
                return Ok(Verified::Refused(AuthFailure::InvalidToken));
            }
            if data.claims.exp <= now {
                return Ok(Verified::Refused(AuthFailure::ExpiredToken));
            }
            Ok(Verified::Own(Box::new(data.claims)))
        }
        Err(_) => Ok(Verified::Refused(AuthFailure::InvalidToken)),
    }
}

/// Authenticates a bearer JWT at `now`: the registry's own tokens (signature, claims, and a
/// live family: not revoked, its client not revoked, its user not disabled), then the external
/// issuer's when `oauth` configures one. `issuer` is the registry's public URL (its tokens'
/// `iss` and `aud`; not checked when `None`).
pub async fn authenticate(
    store: &Store,
    oauth: Option<&super::OAuthState>,
    issuer: Option<&str>,
    token: &str,
    now: i64,
) -> std::result::Result<std::result::Result<Principal, AuthFailure>, ogcr_store::Error> {
    match verify_own(store, token, issuer, now).await? {
        Verified::Own(c) => {
            if !store.token_family_live(&c.fam).await? {
                return Ok(Err(AuthFailure::RevokedToken));
            }
            Ok(Ok(Principal {
                organization: c.org,
                key_id: c.client_id,
                scopes: super::scopes_of(&c.scope),
            }))
        }
        Verified::Refused(why) => Ok(Err(why)),
        Verified::NotOurs => match oauth.and_then(|o| o.config.external.as_ref().map(|e| (o, e))) {
            Some((o, ext)) => Ok(ext.authenticate(&o.jwks, token, now).await),
            None => Ok(Err(AuthFailure::InvalidToken)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwts_and_api_keys_are_told_apart() {
        assert!(looks_like_jwt("eyJhbGciOi.eyJzdWIi.c2ln-_"));
        assert!(!looks_like_jwt(
            "ogcr_0123456789abcdef_0123456789abcdef0123456789abcdef0123456789abcdef"
        ));
        assert!(!looks_like_jwt("a.b"));
        assert!(!looks_like_jwt("a..c"));
        assert!(!looks_like_jwt("a.b.c d"));
    }
}
