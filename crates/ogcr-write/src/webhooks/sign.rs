//! Standard Webhooks signatures: `webhook-signature: v1,<base64 HMAC-SHA256>` over
//! `<webhook-id>.<webhook-timestamp>.<body>`, keyed with the subscription's secret.
//!
//! A secret `whsec_<base64>` (what the registry generates: 32 random bytes) signs with the
//! bytes the base64 decodes to, as the convention's libraries do; any other secret a
//! subscriber chose signs with its UTF-8 bytes.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// Prefix of a Standard Webhooks secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// Fewest key bytes a secret may have (the convention's lower bound).
pub const MIN_SECRET_BYTES: usize = 24;
/// Most key bytes a secret may have.
pub const MAX_SECRET_BYTES: usize = 64;

/// A fresh `whsec_<base64 of 32 random bytes>`.
pub fn generate_secret() -> String {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// The HMAC key of `secret`, or why it cannot be one (the message never contains the secret).
pub fn key_of(secret: &str) -> Result<Vec<u8>, String> {
    let key = match secret.strip_prefix(SECRET_PREFIX) {
        Some(b64) => STANDARD
            .decode(b64)
            .map_err(|_| "a secret starting with whsec_ must continue in base64".to_owned())?,
        None => secret.as_bytes().to_vec(),
    };
    if !(MIN_SECRET_BYTES..=MAX_SECRET_BYTES).contains(&key.len()) {
        return Err(format!(
            "a secret must hold {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes (after the \
             base64 of a whsec_ secret is decoded); this one holds {}",
            key.len()
        ));
    }
    if secret.chars().any(char::is_control) {
        return Err("a secret must not contain control characters".to_owned());
    }
    Ok(key)
}

/// The `webhook-signature` value (`v1,<base64>`) of `body` sent as message `id` at
/// `timestamp` (unix seconds), keyed with `key`.
pub fn signature(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// Whether one of the space-separated signatures of a `webhook-signature` header is the
/// `v1` signature of `body` (compared in constant time): what a receiver checks.
pub fn verify(key: &[u8], id: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let expected = mac.finalize().into_bytes();
    header.split(' ').any(|s| {
        s.strip_prefix("v1,")
            .and_then(|b| STANDARD.decode(b).ok())
            .is_some_and(|got| {
                use subtle::ConstantTimeEq;
                got.len() == expected.len() && bool::from(got.ct_eq(&expected))
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector the Standard Webhooks specification publishes.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: i64 = 1614265330;
    const BODY: &str = r#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn the_reference_vector_signs_and_verifies() {
        let key = key_of(SECRET).unwrap();
        assert_eq!(key.len(), 24);
        assert_eq!(signature(&key, ID, TIMESTAMP, BODY.as_bytes()), SIGNATURE);
        assert!(verify(&key, ID, TIMESTAMP, BODY.as_bytes(), SIGNATURE));
        // Any other id, time or body does not.
        assert!(!verify(
            &key,
            "msg_other",
            TIMESTAMP,
            BODY.as_bytes(),
            SIGNATURE
        ));
        assert!(!verify(&key, ID, TIMESTAMP + 1, BODY.as_bytes(), SIGNATURE));
        assert!(!verify(
            &key,
            ID,
            TIMESTAMP,
            b"{\"test\": 2432232315}",
            SIGNATURE
        ));
        // Several signatures (a rotated secret): one matching is enough.
        let both = format!("v1,AAAA {SIGNATURE}");
        assert!(verify(&key, ID, TIMESTAMP, BODY.as_bytes(), &both));
    }

    #[test]
    fn generated_secrets_are_whsec_with_32_random_bytes() {
        let a = generate_secret();
        assert!(a.starts_with(SECRET_PREFIX), "{a}");
        assert_eq!(key_of(&a).unwrap().len(), 32);
        assert_ne!(a, generate_secret());
    }

    #[test]
    fn bad_secrets_are_refused_without_echoing_them() {
        for bad in ["short", "whsec_%%%not-base64", "whsec_AAAA"] {
            let e = key_of(bad).unwrap_err();
            assert!(!e.contains(bad), "{e}");
        }
        assert_eq!(
            key_of("a plain secret of thirty-two bytes").unwrap().len(),
            34
        );
    }
}
