//! The registry's access-token signing keys: ES256 (ECDSA over P-256 with SHA-256), generated
//! with the `p256` crate, signed and verified through `jsonwebtoken`.
//!
//! Keys live in the database (`oauth_signing_keys`), so every API process of one registry
//! signs and verifies with the same ones. The private key (PKCS#8) is never served, logged or
//! put in an error message; it is not encrypted at rest — whoever can read the database can
//! also read the API keys' table and the organizations' tasks, so the database is the trust
//! boundary (docs/api.md says so). The newest unretired key signs. Rotating makes a new key and
//! retires the others: a retired key stays published and keeps verifying for one access-token
//! lifetime after its retirement, so every token it signed stays valid until it expires.

use jsonwebtoken::{DecodingKey, EncodingKey, jwk::Jwk};
use ogcr_store::{Store, oauth::SigningKey};
use p256::pkcs8::EncodePrivateKey;
use rand::RngCore;
use serde_json::{Value, json};

use crate::{Error, Result};

/// The one algorithm the registry signs with.
pub const ALG: &str = "ES256";

/// Makes a new key (not stored).
pub fn generate(now: i64) -> Result<SigningKey> {
    let secret = loop {
        let mut b = [0u8; 32];
        rand::rng().fill_bytes(&mut b);
        // Out of range (zero or ≥ the group order) with probability ~2^-128: draw again.
        if let Ok(k) = p256::SecretKey::from_slice(&b) {
            break k;
        }
    };
    let der = secret
        .to_pkcs8_der()
        .map_err(|_| Error::Config("cannot encode a new signing key".into()))?;
    let mut kid = [0u8; 8];
    rand::rng().fill_bytes(&mut kid);
    let kid = format!(
        "{}-{}",
        chrono::DateTime::from_timestamp(now, 0)
            .map(|d| d.format("%Y%m%d").to_string())
            .unwrap_or_default(),
        hex::encode(kid)
    );
    let mut jwk = serde_json::to_value(secret.public_key().to_jwk())
        .map_err(|_| Error::Config("cannot encode a public key".into()))?;
    jwk["kid"] = json!(kid);
    jwk["alg"] = json!(ALG);
    jwk["use"] = json!("sig");
    Ok(SigningKey {
        kid,
        alg: ALG.to_owned(),
        private_der: hex::encode(der.as_bytes()),
        public_jwk: jwk.to_string(),
        created_at: now,
        retired_at: None,
    })
}

/// The key that signs now: the newest unretired one, made (and stored) when there is none.
pub async fn active(store: &Store, now: i64) -> Result<SigningKey> {
    if let Some(k) = store
        .signing_keys()
        .await?
        .into_iter()
        .find(|k| k.retired_at.is_none())
    {
        return Ok(k);
    }
    let k = generate(now)?;
    store.insert_signing_key(&k).await?;
    tracing::info!(target: "ogcr::write::oauth", kid = %k.kid, "created the first access-token signing key");
    Ok(k)
}

/// Rotates: a new key signs from now on, the others are retired (still verifying for
/// `access_ttl` seconds). Returns the new key's id.
pub async fn rotate(store: &Store, now: i64) -> Result<String> {
    let k = generate(now)?;
    store.insert_signing_key(&k).await?;
    store.retire_signing_keys_except(&k.kid, now).await?;
    tracing::info!(target: "ogcr::write::oauth", kid = %k.kid, "rotated the access-token signing key");
    Ok(k.kid)
}

/// Whether `k` is still published at `now` (a retired key for one access-token lifetime).
pub fn verifies(k: &SigningKey, now: i64, access_ttl: i64) -> bool {
    k.retired_at.is_none_or(|r| now < r + access_ttl)
}

/// The published key set: every key that still verifies.
pub async fn jwks(store: &Store, now: i64, access_ttl: i64) -> Result<Value> {
    // Make sure there is a key to publish before the first token.
    active(store, now).await?;
    let keys: Vec<Value> = store
        .signing_keys()
        .await?
        .into_iter()
        .filter(|k| verifies(k, now, access_ttl))
        .filter_map(|k| serde_json::from_str(&k.public_jwk).ok())
        .collect();
    Ok(json!({ "keys": keys }))
}

/// The signing half of `k`.
pub(crate) fn encoding_key(k: &SigningKey) -> Result<EncodingKey> {
    let der = hex::decode(&k.private_der)
        .map_err(|_| Error::Invalid(format!("signing key {} is not readable", k.kid)))?;
    Ok(EncodingKey::from_ec_der(&der))
}

/// The verifying half of `k`.
pub(crate) fn decoding_key(k: &SigningKey) -> Option<DecodingKey> {
    let jwk: Jwk = serde_json::from_str(&k.public_jwk).ok()?;
    DecodingKey::from_jwk(&jwk).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_publishes_only_its_public_half() {
        let k = generate(1_760_000_000).unwrap();
        let jwk: Value = serde_json::from_str(&k.public_jwk).unwrap();
        assert_eq!(jwk["kty"], "EC");
        assert_eq!(jwk["crv"], "P-256");
        assert_eq!(jwk["kid"], k.kid.as_str());
        assert!(jwk.get("d").is_none(), "{jwk}");
        assert!(decoding_key(&k).is_some());
        assert!(encoding_key(&k).is_ok());
        assert_ne!(generate(1).unwrap().kid, k.kid);
    }

    #[test]
    fn a_retired_key_verifies_for_one_token_lifetime() {
        let mut k = generate(0).unwrap();
        assert!(verifies(&k, 1_000, 600));
        k.retired_at = Some(1_000);
        assert!(verifies(&k, 1_599, 600));
        assert!(!verifies(&k, 1_600, 600));
    }
}
