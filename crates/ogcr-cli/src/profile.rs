//! The stack profile: what `ogcr up` started — chain, manifests, documents, database, API —
//! written once to `<data-dir>/profile.toml` and read by every other command run beside it,
//! so that `--rpc-url`, `--docs-dir` and the rest need not be repeated and a command cannot
//! silently reach another chain or store documents where the indexer does not look.
//!
//! Precedence, highest first: a command-line flag, an `OGCR_*` environment variable, the
//! profile, the built-in default. The profile is `--profile FILE` or `OGCR_PROFILE`, else
//! `.ogcr/profile.toml` of the current directory when it exists; `--profile none` reads none.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use serde::{Deserialize, Serialize};

/// Where `ogcr up` writes the profile, and where other commands look for it, under the
/// current directory.
pub(crate) const DEFAULT: &str = ".ogcr/profile.toml";

/// A stack's settings, each the value of an `OGCR_*` variable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Profile {
    /// `OGCR_NETWORK`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) network: Option<String>,
    /// `OGCR_RPC_URL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) rpc_url: Option<String>,
    /// `OGCR_NETWORKS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) networks: Option<PathBuf>,
    /// `OGCR_MANIFEST_DIR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) manifest_dir: Option<PathBuf>,
    /// `OGCR_DOCS_DIR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) docs_dir: Option<PathBuf>,
    /// `OGCR_DATABASE_URL`, without a password (give it as PGPASSWORD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) database_url: Option<String>,
    /// `OGCR_API_URL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) api_url: Option<String>,
    /// `OGCR_ATTESTATIONS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) attestations: Option<PathBuf>,
}

impl Profile {
    /// (variable, value) of every setting present.
    fn vars(&self) -> Vec<(&'static str, String)> {
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
        [
            ("OGCR_NETWORK", self.network.clone()),
            ("OGCR_RPC_URL", self.rpc_url.clone()),
            ("OGCR_NETWORKS", path(&self.networks)),
            ("OGCR_MANIFEST_DIR", path(&self.manifest_dir)),
            ("OGCR_DOCS_DIR", path(&self.docs_dir)),
            ("OGCR_DATABASE_URL", self.database_url.clone()),
            ("OGCR_API_URL", self.api_url.clone()),
            ("OGCR_ATTESTATIONS", path(&self.attestations)),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
    }

    /// Writes the profile to `path` (atomically), with a header saying what it is.
    pub(crate) fn write(&self, path: &Path) -> Result<()> {
        let body = toml::to_string(self).context("serialising the profile")?;
        let text = format!(
            "# The ogcr stack profile, written by `ogcr up`: every ogcr command run in this\n\
             # directory reads it (a flag or an OGCR_* variable still wins; --profile none\n\
             # reads none). Paths are absolute; no secret is kept here.\n{body}"
        );
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let tmp = path.with_extension("toml.tmp");
        std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
        Ok(())
    }

    /// Reads the profile at `path`.
    pub(crate) fn read(path: &Path) -> Result<Profile> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the profile {}", path.display()))?;
        toml::from_str(&text)
            .with_context(|| format!("the profile {} is not valid", path.display()))
    }
}

/// `url` without its password, and whether it had one.
pub(crate) fn without_password(url: &str) -> (String, bool) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_owned(), false);
    };
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return (url.to_owned(), false);
    };
    let Some((user, _password)) = userinfo.split_once(':') else {
        return (url.to_owned(), false);
    };
    let slash = if rest.contains('/') { "/" } else { "" };
    (format!("{scheme}://{user}@{host}{slash}{path}"), true)
}

/// The profile to read: `flag` (from `--profile` or `OGCR_PROFILE`), else the default one
/// when it exists; `None` for `none` or when there is none.
fn chosen(flag: Option<&Path>) -> Result<Option<PathBuf>> {
    match flag {
        Some(p) if p.as_os_str() == "none" => Ok(None),
        Some(p) if !p.exists() => bail!(
            "the profile {} does not exist (`ogcr up` writes {DEFAULT}; --profile none reads none)",
            p.display()
        ),
        Some(p) => Ok(Some(p.to_path_buf())),
        None => Ok(Some(PathBuf::from(DEFAULT)).filter(|p| p.exists())),
    }
}

/// Puts the chosen profile's settings into the environment where no variable is set yet;
/// returns the profile's path when one was read.
pub(crate) fn apply(flag: Option<&Path>) -> Result<Option<PathBuf>> {
    let Some(path) = chosen(flag)? else {
        return Ok(None);
    };
    let profile = Profile::read(&path)?;
    for (var, value) in profile.vars() {
        if std::env::var_os(var).is_none() {
            // SAFETY: called from main before the runtime or any other thread starts.
            unsafe { std::env::set_var(var, value) };
        }
    }
    Ok(Some(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_left_out() {
        assert_eq!(
            without_password("postgres://ogcr:s3cret@127.0.0.1:5432/ogcr"),
            ("postgres://ogcr@127.0.0.1:5432/ogcr".to_owned(), true)
        );
        assert_eq!(
            without_password("postgres://ogcr@db/ogcr"),
            ("postgres://ogcr@db/ogcr".to_owned(), false)
        );
        assert_eq!(
            without_password("sqlite:///srv/ogcr.db"),
            ("sqlite:///srv/ogcr.db".to_owned(), false)
        );
    }

    #[test]
    fn a_profile_round_trips_and_rejects_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p/profile.toml");
        let p = Profile {
            rpc_url: Some("http://127.0.0.1:8545".into()),
            docs_dir: Some("/srv/docs".into()),
            ..Profile::default()
        };
        p.write(&path).unwrap();
        assert_eq!(Profile::read(&path).unwrap(), p);
        std::fs::write(&path, "rpc = 'x'\n").unwrap();
        let err = format!("{:#}", Profile::read(&path).unwrap_err());
        assert!(err.contains("rpc"), "{err}");
        let err = chosen(Some(Path::new("/nonexistent/profile.toml"))).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
        assert_eq!(chosen(Some(Path::new("none"))).unwrap(), None);
    }
}
