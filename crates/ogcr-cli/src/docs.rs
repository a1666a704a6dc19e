//! The content-addressed document store: a registered PDD or MRV is kept as its CS-01
//! canonical JSON at `<dir>/<sha256>.json` and named on chain by the URI `ogcr://sha256/<sha256>`.
//! Anyone serving that directory (or copying it) lets indexers fetch the document and check
//! its SHA-256 against the hash anchored on chain.

use std::path::{Path, PathBuf};

use alloy::primitives::B256;
use anyhow::{Context as _, Result};
use sha2::{Digest as _, Sha256};

/// URI scheme prefix of stored documents.
pub(crate) const URI_PREFIX: &str = "ogcr://sha256/";

/// A stored document.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    /// SHA-256 of the canonical form (the on-chain hash).
    pub(crate) hash: B256,
    /// `ogcr://sha256/<hex>`.
    pub(crate) uri: String,
    /// Where the canonical JSON was written.
    pub(crate) path: PathBuf,
}

/// Canonicalizes `text` (CS-01), stores it under `dir` and returns its hash and URI.
pub(crate) fn store(dir: &Path, text: &str) -> Result<Stored> {
    let canonical = ogcr_core::cs01::canonical::canonical_summary(text)
        .context("the document must be a JSON object")?;
    let hash = B256::from_slice(&Sha256::digest(canonical.as_bytes()));
    let hex = hex::encode(hash);
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(format!("{hex}.json"));
    if !path.exists() {
        let tmp = dir.join(format!(".{hex}.json.tmp"));
        std::fs::write(&tmp, &canonical).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(Stored {
        hash,
        uri: format!("{URI_PREFIX}{hex}"),
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_content_same_address() {
        let dir = tempfile::tempdir().unwrap();
        let a = store(dir.path(), r#"{"b":1,"a":[1,2]}"#).unwrap();
        let b = store(dir.path(), "{ \"a\": [1, 2], \"b\": 1.0 }").unwrap();
        assert_eq!(a.hash, b.hash);
        assert_eq!(a.uri, b.uri);
        assert_eq!(
            std::fs::read_to_string(&a.path).unwrap(),
            r#"{"a":[1,2],"b":1}"#
        );
        assert!(store(dir.path(), "[1]").is_err());
    }
}
