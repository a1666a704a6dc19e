//! Off-chain documents: every PDD and MRV URI seen on chain is fetched, canonicalised (CS-01)
//! and its SHA-256 compared with the on-chain hash. A match stores the canonical document; a
//! mismatch, a body that is not a JSON object, or an unreachable URI is recorded as an
//! integrity problem (unreachable ones are retried with backoff). None of this ever blocks the
//! chain data: the worker runs beside the indexer on rows the indexer committed.

use std::{
    future::Future,
    path::PathBuf,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use ogcr_store::{Document, Store, model::doc_status};
use sha2::{Digest, Sha256};

/// URI prefix of the content-addressed document store written by `ogcr`.
pub const OGCR_URI_PREFIX: &str = "ogcr://sha256/";

/// Where documents are fetched from.
#[derive(Debug, Clone)]
pub struct DocumentSources {
    /// Directories holding `<sha256>.json` files (the CLI's `ogcr-documents/`), tried in order
    /// for `ogcr://sha256/<hex>` URIs.
    pub dirs: Vec<PathBuf>,
    /// Base URLs serving `<base>/<sha256>.json`, tried after the directories.
    pub base_urls: Vec<String>,
    /// Timeout of one HTTP request.
    pub timeout: Duration,
    /// Largest accepted document.
    pub max_bytes: usize,
    /// Whether file:// URIs may be read (off when indexing a chain whose URIs others control).
    pub allow_file_uris: bool,
}

impl Default for DocumentSources {
    fn default() -> Self {
        DocumentSources {
            dirs: vec![PathBuf::from("ogcr-documents")],
            base_urls: Vec::new(),
            timeout: Duration::from_secs(20),
            max_bytes: 16 * 1024 * 1024,
            allow_file_uris: true,
        }
    }
}

/// Why a document could not be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Failure {
    /// Could not be fetched (may work later).
    Unreachable(String),
    /// The URI cannot be fetched by any means (final).
    Unsupported(String),
}

/// Fetches and verifies documents.
#[derive(Debug, Clone)]
pub struct Resolver {
    sources: DocumentSources,
    http: reqwest::Client,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl Resolver {
    /// A resolver over `sources`.
    pub fn new(sources: DocumentSources) -> Self {
        ogcr_client::registry::ensure_tls_provider();
        let http = reqwest::Client::builder()
            .timeout(sources.timeout)
            .user_agent(concat!("ogcr-indexer/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("an HTTP client with a timeout and a user agent always builds");
        Resolver { sources, http }
    }

    async fn http_get(&self, url: &str) -> Result<String, Failure> {
        let resp = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| Failure::Unreachable(format!("GET {url}: {e}")))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(Failure::Unreachable(format!("GET {url}: HTTP {status}")));
        }
        if resp
            .content_length()
            .is_some_and(|n| n as usize > self.sources.max_bytes)
        {
            return Err(Failure::Unsupported(format!(
                "GET {url}: larger than {} bytes",
                self.sources.max_bytes
            )));
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| Failure::Unreachable(format!("GET {url}: {e}")))?;
        if bytes.len() > self.sources.max_bytes {
            return Err(Failure::Unsupported(format!(
                "GET {url}: larger than {} bytes",
                self.sources.max_bytes
            )));
        }
        String::from_utf8(bytes.to_vec())
            .map_err(|_| Failure::Unsupported(format!("GET {url}: the body is not UTF-8")))
    }

    async fn read_file(&self, path: &std::path::Path) -> Result<String, Failure> {
        match tokio::fs::metadata(path).await {
            Ok(m) if m.len() as usize > self.sources.max_bytes => {
                return Err(Failure::Unsupported(format!(
                    "{} is larger than {} bytes",
                    path.display(),
                    self.sources.max_bytes
                )));
            }
            Ok(_) => {}
            Err(e) => return Err(Failure::Unreachable(format!("{}: {e}", path.display()))),
        }
        tokio::fs::read_to_string(path)
            .await
            .map_err(|e| Failure::Unreachable(format!("{}: {e}", path.display())))
    }

    /// The body behind `uri`.
    async fn fetch(&self, uri: &str) -> Result<String, Failure> {
        if let Some(hex) = uri.strip_prefix(OGCR_URI_PREFIX) {
            if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(Failure::Unsupported(format!(
                    "{uri} is not ogcr://sha256/ followed by 64 hex digits"
                )));
            }
            let hex = hex.to_ascii_lowercase();
            let mut tried = Vec::new();
            for dir in &self.sources.dirs {
                let path = dir.join(format!("{hex}.json"));
                match self.read_file(&path).await {
                    Ok(body) => return Ok(body),
                    Err(Failure::Unreachable(e)) => tried.push(e),
                    Err(other) => return Err(other),
                }
            }
            for base in &self.sources.base_urls {
                let url = format!("{}/{hex}.json", base.trim_end_matches('/'));
                match self.http_get(&url).await {
                    Ok(body) => return Ok(body),
                    Err(Failure::Unreachable(e)) => tried.push(e),
                    Err(other) => return Err(other),
                }
            }
            if tried.is_empty() {
                return Err(Failure::Unreachable(format!(
                    "{uri}: no document directory or base URL is configured (--documents-dir, --documents-url)"
                )));
            }
            return Err(Failure::Unreachable(format!("{uri}: {}", tried.join("; "))));
        }
        if let Some(path) = uri.strip_prefix("file://") {
            if !self.sources.allow_file_uris {
                return Err(Failure::Unsupported(format!(
                    "{uri}: file:// URIs are disabled for this indexer"
                )));
            }
            return self.read_file(std::path::Path::new(path)).await;
        }
        if uri.starts_with("https://") || uri.starts_with("http://") {
            return self.http_get(uri).await;
        }
        Err(Failure::Unsupported(format!(
            "{uri}: unsupported URI scheme (ogcr://sha256/, file://, http:// and https:// are fetched)"
        )))
    }

    /// Fetches and verifies `doc`, returning its updated row.
    pub async fn check(&self, mut doc: Document) -> Document {
        let now = now();
        doc.attempts += 1;
        doc.checked_at = Some(now);
        match self.fetch(&doc.uri).await {
            Ok(body) => match ogcr_core::cs01::canonical::canonical_summary(&body) {
                Ok(canonical) => {
                    let actual = format!("0x{}", hex::encode(Sha256::digest(canonical.as_bytes())));
                    if actual == doc.hash {
                        doc.status = doc_status::VERIFIED.into();
                        doc.detail = None;
                        doc.body = Some(canonical);
                    } else {
                        doc.status = doc_status::MISMATCH.into();
                        doc.detail = Some(format!(
                            "the SHA-256 of the canonical document is {actual}, the chain anchors {}",
                            doc.hash
                        ));
                        doc.body = None;
                    }
                    doc.actual_hash = Some(actual);
                }
                Err(e) => {
                    doc.status = doc_status::INVALID.into();
                    doc.detail = Some(format!("not a CS-01 JSON object: {e}"));
                }
            },
            Err(Failure::Unsupported(e)) => {
                doc.status = doc_status::INVALID.into();
                doc.detail = Some(e);
            }
            Err(Failure::Unreachable(e)) => {
                doc.status = doc_status::UNREACHABLE.into();
                doc.detail = Some(e);
                // 30 s, 1 min, 2 min … capped at 6 h.
                let delay = 30i64.saturating_mul(1 << (doc.attempts - 1).clamp(0, 10));
                doc.next_attempt_at = now + delay.min(6 * 3600);
            }
        }
        if doc.status != doc_status::VERIFIED {
            tracing::warn!(target: "ogcr::indexer::documents", hash = %doc.hash, uri = %doc.uri, status = %doc.status, detail = doc.detail.as_deref().unwrap_or(""), "document integrity problem");
        }
        metrics::counter!("ogcr_indexer_documents_checked_total", "status" => doc.status.clone())
            .increment(1);
        doc
    }

    /// Checks every document due now, once. Returns how many were checked.
    pub async fn pass(&self, store: &Store) -> ogcr_store::Result<usize> {
        let mut checked = 0;
        loop {
            let due = store.due_documents(now(), 64).await?;
            if due.is_empty() {
                return Ok(checked);
            }
            let n = due.len();
            for doc in due {
                let doc = self.check(doc).await;
                store.record_document(&doc).await?;
            }
            checked += n;
        }
    }

    /// Checks due documents every `interval` until `shutdown` resolves.
    pub async fn run(&self, store: &Store, interval: Duration, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            if let Err(e) = self.pass(store).await {
                tracing::error!(target: "ogcr::indexer::documents", error = %e, "document pass failed");
            }
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(interval) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(hash: &str, uri: &str) -> Document {
        Document {
            hash: hash.into(),
            uri: uri.into(),
            kind: "pdd".into(),
            status: doc_status::PENDING.into(),
            body: None,
            actual_hash: None,
            detail: None,
            attempts: 0,
            next_attempt_at: 0,
            checked_at: None,
        }
    }

    fn sha(canonical: &str) -> String {
        format!("0x{}", hex::encode(Sha256::digest(canonical.as_bytes())))
    }

    #[tokio::test]
    async fn content_addressed_documents_verify_and_tampered_ones_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let canonical = r#"{"a":1,"b":[true]}"#;
        let hash = sha(canonical);
        let hex = &hash[2..];
        // Stored with other whitespace and key order: the canonical form is what counts.
        std::fs::write(
            dir.path().join(format!("{hex}.json")),
            "{ \"b\": [true], \"a\": 1.0 }",
        )
        .unwrap();
        let r = Resolver::new(DocumentSources {
            dirs: vec![dir.path().to_owned()],
            ..DocumentSources::default()
        });
        let ok = r
            .check(pending(&hash, &format!("{OGCR_URI_PREFIX}{hex}")))
            .await;
        assert_eq!(ok.status, doc_status::VERIFIED, "{:?}", ok.detail);
        assert_eq!(ok.body.as_deref(), Some(canonical));

        let tampered_path = dir.path().join("tampered.json");
        std::fs::write(&tampered_path, r#"{"a":2,"b":[true]}"#).unwrap();
        let bad = r
            .check(pending(
                &hash,
                &format!("file://{}", tampered_path.display()),
            ))
            .await;
        assert_eq!(bad.status, doc_status::MISMATCH);
        assert!(bad.detail.unwrap().contains(&hash));
        assert_eq!(bad.actual_hash, Some(sha(r#"{"a":2,"b":[true]}"#)));
        assert!(bad.body.is_none());
    }

    #[tokio::test]
    async fn unreachable_documents_back_off_and_bad_uris_are_final() {
        let dir = tempfile::tempdir().unwrap();
        let r = Resolver::new(DocumentSources {
            dirs: vec![dir.path().to_owned()],
            ..DocumentSources::default()
        });
        let hex = "ab".repeat(32);
        let missing = r
            .check(pending(
                &format!("0x{hex}"),
                &format!("{OGCR_URI_PREFIX}{hex}"),
            ))
            .await;
        assert_eq!(missing.status, doc_status::UNREACHABLE);
        assert!(missing.next_attempt_at >= now() + 29);
        let again = r.check(missing).await;
        assert_eq!(again.attempts, 2);
        assert!(again.next_attempt_at >= now() + 59, "backoff doubles");

        let weird = r.check(pending("0x00", "ipfs://bafy")).await;
        assert_eq!(weird.status, doc_status::INVALID);
        assert!(weird.detail.unwrap().contains("ipfs://bafy"));

        let not_json = dir.path().join("x.json");
        std::fs::write(&not_json, "[1,2]").unwrap();
        let arr = r
            .check(pending("0x00", &format!("file://{}", not_json.display())))
            .await;
        assert_eq!(arr.status, doc_status::INVALID);
    }

    #[tokio::test]
    async fn documents_are_fetched_over_http() {
        let canonical = r#"{"id":"OGCR-1"}"#;
        let hash = sha(canonical);
        let hex = hash[2..].to_owned();
        let app = axum::Router::new().route(
            &format!("/docs/{hex}.json"),
            axum::routing::get(move || async move { canonical }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let r = Resolver::new(DocumentSources {
            dirs: vec![],
            base_urls: vec![format!("http://{addr}/docs/")],
            ..DocumentSources::default()
        });
        let ok = r
            .check(pending(&hash, &format!("{OGCR_URI_PREFIX}{hex}")))
            .await;
        assert_eq!(ok.status, doc_status::VERIFIED, "{:?}", ok.detail);
        let direct = r
            .check(pending(&hash, &format!("http://{addr}/docs/{hex}.json")))
            .await;
        assert_eq!(direct.status, doc_status::VERIFIED);
        let gone = r
            .check(pending(&hash, &format!("http://{addr}/nothing.json")))
            .await;
        assert_eq!(gone.status, doc_status::UNREACHABLE);
        assert!(gone.detail.unwrap().contains("404"));
    }
}
