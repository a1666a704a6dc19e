//! CS-01 §1.7–1.8, §2.6 file registry: `{"entries":[…],"updatedAt":…}`.
//!
//! Append-only for real (SC-3):
//!
//! * existing entries are copied **byte for byte** (kept as raw JSON text, never
//!   re-serialized), and before anything is written the new file is parsed back and each
//!   old entry compared with what was read;
//! * the write is atomic: a temporary file in the same directory, `fsync`, `rename`, then
//!   `fsync` of the directory;
//! * concurrent writers are serialized by an exclusive `flock` on a sidecar
//!   `<file>.lock`;
//! * a file that cannot be parsed, or whose `entries` is not an array, is refused and left
//!   untouched (the reference would silently start over).

use std::{
    collections::BTreeMap,
    fs::{self, File, OpenOptions},
    io::{self, Write as _},
    path::{Path, PathBuf},
};

use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::{attestation::Attestation, commitment::iso_millis};
use crate::{Error, Result};

/// Default registry path (CS-01 §1.8).
pub const DEFAULT_REGISTRY_PATH: &str = "registry-data.json";

/// One registry entry (CS-01 §1.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistryEntry {
    /// The attestation recorded.
    pub attestation: Attestation,
    /// Optional on-chain anchor (transaction hash or root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<String>,
    /// ISO 8601 time of recording.
    pub recorded_at: String,
}

/// Filters for [`FileRegistry::list`] (CS-01 §2.6).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Keep entries whose `attestation.scope.projectId` equals this.
    pub project_id: Option<String>,
    /// Keep entries whose `attestation.outcome` equals this.
    pub outcome: Option<String>,
}

/// A registry stored in one JSON file.
#[derive(Debug, Clone)]
pub struct FileRegistry {
    path: PathBuf,
}

/// The file, with every entry kept as its original text.
struct Loaded<'a> {
    entries: Vec<&'a RawValue>,
    extra: BTreeMap<String, &'a RawValue>,
}

impl FileRegistry {
    /// A registry at `path` (the file is created on first append).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The registry file path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn corrupt(&self, reason: impl Into<String>) -> Error {
        Error::RegistryCorrupt {
            path: self.path.clone(),
            reason: reason.into(),
        }
    }

    fn read(&self) -> Result<Option<String>> {
        match fs::read(&self.path) {
            Ok(bytes) => String::from_utf8(bytes)
                .map(Some)
                .map_err(|_| self.corrupt("file is not UTF-8 text")),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io("reading registry", &self.path, e)),
        }
    }

    fn parse<'a>(&self, text: &'a str) -> Result<Loaded<'a>> {
        let mut top: BTreeMap<String, &'a RawValue> = serde_json::from_str(text)
            .map_err(|e| self.corrupt(format!("not a JSON object: {e}")))?;
        let entries_raw = top
            .remove("entries")
            .ok_or_else(|| self.corrupt("no \"entries\" array"))?;
        let entries: Vec<&'a RawValue> = serde_json::from_str(entries_raw.get())
            .map_err(|_| self.corrupt("\"entries\" is not an array"))?;
        top.remove("updatedAt");
        Ok(Loaded {
            entries,
            extra: top,
        })
    }

    /// All entries as JSON values, filtered (CS-01 §2.6 `list`).
    pub fn list(&self, filter: &ListFilter) -> Result<Vec<serde_json::Value>> {
        let Some(text) = self.read()? else {
            return Ok(Vec::new());
        };
        let loaded = self.parse(&text)?;
        let mut out = Vec::with_capacity(loaded.entries.len());
        for raw in loaded.entries {
            let value: serde_json::Value = serde_json::from_str(raw.get())?;
            let att = value.get("attestation");
            let field = |ptr: &str| att.and_then(|a| a.pointer(ptr)).and_then(|v| v.as_str());
            if let Some(p) = &filter.project_id
                && field("/scope/projectId") != Some(p.as_str())
            {
                continue;
            }
            if let Some(o) = &filter.outcome
                && field("/outcome") != Some(o.as_str())
            {
                continue;
            }
            out.push(value);
        }
        Ok(out)
    }

    /// Appends an attestation as a new entry and returns it (CS-01 §2.6 `append`).
    pub fn append(
        &self,
        attestation: &Attestation,
        anchor: Option<String>,
    ) -> Result<RegistryEntry> {
        let entry = RegistryEntry {
            attestation: attestation.clone(),
            anchor,
            recorded_at: iso_millis(Utc::now()),
        };
        let dir = match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&dir).map_err(|e| Error::io("creating registry directory", &dir, e))?;

        let lock_path = lock_path(&self.path);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::io("opening lock file", &lock_path, e))?;
        lock.lock()
            .map_err(|e| Error::io("locking", &lock_path, e))?;
        tracing::debug!(target: "ogcr::cs01::registry", path = %self.path.display(), "registry locked");

        let old_text = self.read()?;
        let old = match &old_text {
            Some(text) => Some(self.parse(text)?),
            None => None,
        };
        let old_entries: &[&RawValue] = old.as_ref().map_or(&[], |o| &o.entries);
        let new_entry_json = serde_json::to_string_pretty(&entry)?;
        let new_text = render(
            old_entries.iter().map(|r| r.get()),
            &new_entry_json,
            old.as_ref().map(|o| &o.extra),
            &entry.recorded_at,
        )?;

        // Append-only check on the exact bytes about to be written.
        let written = self.parse(&new_text)?;
        if written.entries.len() != old_entries.len() + 1 {
            return Err(self.corrupt("append-only check failed: entry count"));
        }
        for (i, (before, after)) in old_entries.iter().zip(&written.entries).enumerate() {
            if before.get() != after.get() {
                return Err(
                    self.corrupt(format!("append-only check failed: entry {i} would change"))
                );
            }
        }
        let check: RegistryEntry = serde_json::from_str(written.entries[old_entries.len()].get())?;
        if check != entry {
            return Err(self.corrupt("append-only check failed: new entry does not read back"));
        }

        write_atomically(&self.path, &dir, new_text.as_bytes())?;
        tracing::info!(
            target: "ogcr::cs01::registry",
            path = %self.path.display(),
            entries = old_entries.len() + 1,
            attestation = %entry.attestation.id,
            "attestation appended"
        );
        drop(lock);
        Ok(entry)
    }
}

fn lock_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".lock");
    path.with_file_name(name)
}

/// Lays the file out as `JSON.stringify(data, null, 2)` does, old entries verbatim.
fn render<'a>(
    old_entries: impl Iterator<Item = &'a str>,
    new_entry_pretty: &str,
    extra: Option<&BTreeMap<String, &RawValue>>,
    updated_at: &str,
) -> Result<String> {
    let mut out = String::from("{\n  \"entries\": [");
    let mut first = true;
    for raw in old_entries {
        out.push_str(if first { "\n    " } else { ",\n    " });
        first = false;
        out.push_str(raw);
    }
    out.push_str(if first { "\n    " } else { ",\n    " });
    out.push_str(&new_entry_pretty.replace('\n', "\n    "));
    out.push_str("\n  ]");
    for (k, v) in extra.into_iter().flatten() {
        out.push_str(",\n  ");
        out.push_str(&serde_json::to_string(k)?);
        out.push_str(": ");
        out.push_str(v.get());
    }
    out.push_str(",\n  \"updatedAt\": ");
    out.push_str(&serde_json::to_string(updated_at)?);
    out.push_str("\n}");
    Ok(out)
}

fn write_atomically(path: &Path, dir: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = tempfile::Builder::new()
        .prefix(".registry-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io("creating temporary file in", dir, e))?;
    if let Ok(meta) = fs::metadata(path) {
        // Keep the registry's permissions (the temporary file starts as 0600).
        let _ = fs::set_permissions(tmp.path(), meta.permissions());
    }
    tmp.write_all(bytes)
        .map_err(|e| Error::io("writing", tmp.path().to_path_buf(), e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io("syncing", tmp.path().to_path_buf(), e))?;
    tmp.persist(path)
        .map_err(|e| Error::io("replacing", path, e.error))?;
    if let Ok(d) = File::open(dir) {
        // Make the rename durable; not all platforms can fsync a directory.
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_file_sits_next_to_the_registry() {
        assert_eq!(
            lock_path(Path::new("a/b/reg.json")),
            PathBuf::from("a/b/reg.json.lock")
        );
    }

    #[test]
    fn render_lays_out_like_json_stringify_indent_2() {
        let text = render(std::iter::empty(), "{\n  \"a\": 1\n}", None, "T").unwrap();
        assert_eq!(
            text,
            "{\n  \"entries\": [\n    {\n      \"a\": 1\n    }\n  ],\n  \"updatedAt\": \"T\"\n}"
        );
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["entries"][0]["a"], 1);
    }
}
