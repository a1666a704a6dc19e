//! The registry's member organizations and the on-chain account each one signs with.
//!
//! The operator lists them in a TOML file (`ogcr serve --organizations FILE`):
//!
//! ```toml
//! [organizations.terraviva]
//! name = "Terraviva Carbon Partners"
//! keystore = "keys/terraviva.json"          # an encrypted JSON keystore (Web3 secret storage)
//! password_env = "OGCR_TERRAVIVA_PASSWORD"  # the environment variable holding its password
//!
//! [organizations.dev-verifier]
//! private_key_env = "OGCR_DEV_VERIFIER_KEY" # development only: a raw key from the environment
//! ```
//!
//! Keys and passwords stay in the process: they are never written to the database, returned
//! or logged (the `Debug` output shows only addresses).

use std::{collections::BTreeMap, fmt, path::Path};

use alloy::{network::EthereumWallet, primitives::Address, signers::local::PrivateKeySigner};
use serde::Deserialize;

use crate::{Error, Result};

/// One organization's signing account.
#[derive(Clone)]
pub struct OrgAccount {
    /// Display name.
    pub name: String,
    /// The account that signs for it.
    pub address: Address,
    /// The wallet holding its key.
    pub wallet: EthereumWallet,
}

impl fmt::Debug for OrgAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrgAccount")
            .field("name", &self.name)
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

/// Organizations by id.
#[derive(Debug, Clone, Default)]
pub struct Organizations(BTreeMap<String, OrgAccount>);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    organizations: BTreeMap<String, Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: Option<String>,
    keystore: Option<std::path::PathBuf>,
    password_env: Option<String>,
    private_key_env: Option<String>,
}

impl Organizations {
    /// Parses the TOML `text` (named `origin` in errors); `env` looks environment variables up,
    /// and relative keystore paths resolve against `base`.
    pub fn parse(
        text: &str,
        origin: &str,
        base: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let file: File = toml::from_str(text).map_err(|e| {
            Error::Config(format!("{origin} is not a valid organizations file: {e}"))
        })?;
        let mut out = Organizations::default();
        for (id, e) in file.organizations {
            check_org_id(&id).map_err(|m| Error::Config(format!("{origin}: {m}")))?;
            let ctx = |m: String| Error::Config(format!("{origin}: organization {id:?}: {m}"));
            let signer: PrivateKeySigner = match (&e.keystore, &e.private_key_env) {
                (Some(path), None) => {
                    let var = e.password_env.as_deref().ok_or_else(|| {
                        ctx(
                            "a keystore needs password_env, the variable holding its password"
                                .into(),
                        )
                    })?;
                    let password = env(var)
                        .ok_or_else(|| ctx(format!("environment variable {var} is not set")))?;
                    let path = base.join(path);
                    PrivateKeySigner::decrypt_keystore(&path, password).map_err(|err| {
                        ctx(format!("cannot open keystore {}: {err}", path.display()))
                    })?
                }
                (None, Some(var)) => {
                    let key = env(var)
                        .ok_or_else(|| ctx(format!("environment variable {var} is not set")))?;
                    key.trim().parse().map_err(|_| {
                        ctx(format!(
                            "{var} does not hold a valid secp256k1 private key (32 bytes of hex)"
                        ))
                    })?
                }
                _ => {
                    return Err(ctx(
                        "give exactly one of keystore (with password_env) or private_key_env"
                            .into(),
                    ));
                }
            };
            out.insert(&id, e.name.unwrap_or_else(|| id.clone()), signer);
        }
        Ok(out)
    }

    /// Loads a file (see [`Organizations::parse`]).
    pub fn load(path: &Path, env: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("cannot read {}: {e}", path.display())))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, &path.display().to_string(), base, env)
    }

    /// Adds (or replaces) an organization signing with `signer`.
    pub fn insert(&mut self, id: &str, name: String, signer: PrivateKeySigner) {
        let address = signer.address();
        self.0.insert(
            id.to_owned(),
            OrgAccount {
                name,
                address,
                wallet: EthereumWallet::from(signer),
            },
        );
    }

    /// The account of organization `id`.
    pub fn get(&self, id: &str) -> Option<&OrgAccount> {
        self.0.get(id)
    }

    /// The organization whose account is `address`.
    pub fn by_address(&self, address: Address) -> Option<(&str, &OrgAccount)> {
        self.0
            .iter()
            .find(|(_, a)| a.address == address)
            .map(|(id, a)| (id.as_str(), a))
    }

    /// Every organization.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &OrgAccount)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Whether none is configured.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Organization ids: 1–64 of `a-z 0-9 - _ .`.
pub fn check_org_id(id: &str) -> std::result::Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "organization id {id:?} must be 1–64 characters of a-z, 0-9, '-', '_' or '.'"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

    #[test]
    fn keys_come_from_the_environment_and_never_show() {
        let orgs = Organizations::parse(
            "[organizations.terraviva]\nname = \"Terraviva\"\nprivate_key_env = \"K\"\n",
            "orgs.toml",
            Path::new("."),
            |v| (v == "K").then(|| KEY.to_owned()),
        )
        .unwrap();
        let a = orgs.get("terraviva").unwrap();
        assert_eq!(
            a.address,
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
                .parse::<Address>()
                .unwrap()
        );
        let shown = format!("{orgs:?}");
        assert!(!shown.contains(&KEY[2..]), "{shown}");
    }

    #[test]
    fn bad_entries_name_what_is_wrong() {
        let e = |text: &str| {
            Organizations::parse(text, "orgs.toml", Path::new("."), |_| None)
                .unwrap_err()
                .to_string()
        };
        assert!(e("[organizations.a]\nprivate_key_env = \"NOPE\"\n").contains("NOPE is not set"));
        assert!(e("[organizations.a]\n").contains("exactly one of"));
        assert!(e("[organizations.Bad]\nprivate_key_env = \"X\"\n").contains("\"Bad\""));
        let bad_key = Organizations::parse(
            "[organizations.a]\nprivate_key_env = \"K\"\n",
            "orgs.toml",
            Path::new("."),
            |_| Some("0x00".into()),
        )
        .unwrap_err()
        .to_string();
        assert!(bad_key.contains("not hold a valid secp256k1"), "{bad_key}");
        assert!(!bad_key.contains("0x00"), "{bad_key}");
    }
}
