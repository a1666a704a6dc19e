//! Where a transaction signer comes from: a raw key, an encrypted keystore, or a mnemonic.

use std::path::PathBuf;

use alloy::signers::local::{MnemonicBuilder, PrivateKeySigner, coins_bip39::English};

use crate::{Error, Result};

/// A signer's source, as chosen on the command line.
#[derive(Debug, Clone)]
pub enum SignerSource {
    /// A hex private key (with or without 0x).
    PrivateKey(String),
    /// An encrypted JSON keystore (Web3 Secret Storage) and its password.
    Keystore {
        /// The keystore file.
        path: PathBuf,
        /// Its password.
        password: String,
    },
    /// A BIP-39 mnemonic and the account index on the standard path m/44'/60'/0'/0/index.
    Mnemonic {
        /// The phrase.
        phrase: String,
        /// The account index.
        index: u32,
    },
}

impl SignerSource {
    /// Builds the signer, with errors that say which source failed and why.
    pub fn build(&self) -> Result<PrivateKeySigner> {
        match self {
            SignerSource::PrivateKey(key) => {
                let t = key.trim();
                let digits = t.strip_prefix("0x").unwrap_or(t);
                let bytes = alloy::hex::decode(digits).map_err(|_| {
                    Error::Signer("private key is not hex (64 hex digits, 0x optional)".into())
                })?;
                if bytes.len() != 32 {
                    return Err(Error::Signer(format!(
                        "private key is {} bytes; a secp256k1 key is 32 bytes (64 hex digits)",
                        bytes.len()
                    )));
                }
                // Zero and values at or above the curve order are 32 bytes of hex but no key.
                PrivateKeySigner::from_slice(&bytes).map_err(|_| {
                    Error::Signer(
                        "private key is not a valid secp256k1 key (it must be above zero and \
                         below the curve order)"
                            .into(),
                    )
                })
            }
            SignerSource::Keystore { path, password } => {
                PrivateKeySigner::decrypt_keystore(path, password).map_err(|e| {
                    Error::Signer(format!("cannot open keystore {}: {e}", path.display()))
                })
            }
            SignerSource::Mnemonic { phrase, index } => MnemonicBuilder::<English>::default()
                .phrase(phrase.trim())
                .index(*index)
                .and_then(|b| b.build())
                .map_err(|e| Error::Signer(format!("mnemonic account {index}: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANVIL_MNEMONIC: &str = "test test test test test test test test test test test junk";

    #[test]
    fn bad_keys_say_what_is_wrong_without_echoing_them() {
        let err = |k: &str| {
            SignerSource::PrivateKey(k.into())
                .build()
                .unwrap_err()
                .to_string()
        };
        for k in [
            format!("0x{}", "00".repeat(32)),
            format!("0x{}", "ff".repeat(32)),
        ] {
            let e = err(&k);
            assert!(e.contains("not a valid secp256k1 key"), "{e}");
            assert!(!e.contains(&k[2..]), "{e}");
        }
        assert!(err("0x1234").contains("is 2 bytes"));
        assert!(err("zz").contains("not hex"));
        assert!(
            SignerSource::PrivateKey(
                "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d".into()
            )
            .build()
            .is_ok()
        );
    }

    #[test]
    fn mnemonic_index_selects_the_account() {
        let s = SignerSource::Mnemonic {
            phrase: ANVIL_MNEMONIC.into(),
            index: 1,
        }
        .build()
        .unwrap();
        assert_eq!(
            s.address().to_string(),
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
        );
    }

    #[test]
    fn bad_keys_name_the_source() {
        let err = SignerSource::PrivateKey("0x1234".into())
            .build()
            .unwrap_err()
            .to_string();
        assert!(err.contains("private key"), "{err}");
        let err = SignerSource::Keystore {
            path: "/nonexistent/key.json".into(),
            password: "x".into(),
        }
        .build()
        .unwrap_err()
        .to_string();
        assert!(err.contains("/nonexistent/key.json"), "{err}");
    }

    /// A keystore made with `cast wallet new --unsafe-password pw` (scrypt n = 8192).
    #[test]
    fn keystore_opens_with_its_password_only() {
        let path: PathBuf = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/keystore-pw.json"
        )
        .into();
        let opened = SignerSource::Keystore {
            path: path.clone(),
            password: "pw".into(),
        }
        .build()
        .unwrap();
        assert_eq!(
            opened.address().to_string(),
            "0x17Cdb2E03580C6F9EB08627446BA695d2172d54c"
        );
        let err = SignerSource::Keystore {
            path,
            password: "wrong".into(),
        }
        .build()
        .unwrap_err()
        .to_string();
        assert!(err.contains("cannot open keystore"), "{err}");
    }
}
