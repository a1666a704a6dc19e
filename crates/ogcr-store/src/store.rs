//! Connecting to SQLite or PostgreSQL through one pool type.

use std::{str::FromStr, time::Duration};

use sqlx::{
    AnyPool, Connection, Executor,
    any::{AnyConnectOptions, AnyPoolOptions},
    pool::PoolConnection,
};

use crate::{Error, Result, migrate};

/// The database engine behind a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, a local file.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A connected, migrated database.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    backend: Backend,
    url: String,
    /// Totals and deep-page indexes of the lists, by data revision (see [`Store::revision`]).
    pub(crate) lists: crate::query::ListCache,
}

/// Normalises a user-given location: a plain path becomes a `sqlite://` URL.
fn normalise(url: &str) -> Result<(String, Backend)> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok((url.to_owned(), Backend::Postgres));
    }
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let mut u = format!("sqlite:{rest}");
        if !u.contains("mode=") && !rest.contains(":memory:") {
            u.push(if u.contains('?') { '&' } else { '?' });
            u.push_str("mode=rwc");
        }
        return Ok((u, Backend::Sqlite));
    }
    if url.contains("://") {
        return Err(Error::UnsupportedUrl(url.to_owned()));
    }
    Ok((format!("sqlite://{url}?mode=rwc"), Backend::Sqlite))
}

impl Store {
    /// Connects to `url` (`sqlite://PATH`, a plain file path, or `postgres://…`) and applies
    /// pending migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let (url, backend) = normalise(url)?;
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 4,
                Backend::Postgres => 8,
            })
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets the API read while the indexer writes; FULL makes every
                        // commit durable, so a killed indexer never loses a committed batch.
                        // Memory-mapped reads share the operating system's page cache across
                        // connections and processes instead of copying pages into each
                        // connection's own cache (`mmap_size` is address space, not memory).
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                             PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                             PRAGMA mmap_size = 4294967296;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let store = Store {
            pool,
            backend,
            url: redact(&url),
            lists: crate::query::ListCache::new(),
        };
        migrate::run(&store).await?;
        store.backfill_pdd_facts().await?;
        store.backfill_event_projects().await?;
        Ok(store)
    }

    /// The engine.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL, password removed (for logs and messages).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) async fn conn(&self) -> Result<PoolConnection<sqlx::Any>> {
        Ok(self.pool.acquire().await?)
    }

    /// Begins a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`: the write lock
    /// is taken (waiting up to the busy timeout) before the transaction reads anything, so it
    /// can never fail half-way with `SQLITE_BUSY_SNAPSHOT` (a deferred transaction that read
    /// an older snapshot than another writer's commit cannot upgrade, and the busy timeout
    /// does not retry that). PostgreSQL takes row locks as it goes.
    pub(crate) async fn begin_write<'c>(
        &self,
        conn: &'c mut PoolConnection<sqlx::Any>,
    ) -> Result<sqlx::Transaction<'c, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => conn.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => conn.begin().await?,
        })
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_normalise_to_a_backend() {
        assert_eq!(
            normalise("data/ogcr.db").unwrap(),
            ("sqlite://data/ogcr.db?mode=rwc".into(), Backend::Sqlite)
        );
        assert_eq!(
            normalise("sqlite://x.db").unwrap().0,
            "sqlite://x.db?mode=rwc"
        );
        assert_eq!(normalise("sqlite::memory:").unwrap().0, "sqlite::memory:");
        assert_eq!(normalise("postgres://u@h/db").unwrap().1, Backend::Postgres);
        let err = normalise("mysql://h/db").unwrap_err().to_string();
        assert!(err.contains("mysql://h/db"), "{err}");
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://ogcr:s3cret@db:5432/ogcr"),
            "postgres://ogcr:***@db:5432/ogcr"
        );
        assert_eq!(redact("postgres://ogcr@db/ogcr"), "postgres://ogcr@db/ogcr");
        assert_eq!(redact("sqlite://a.db"), "sqlite://a.db");
    }
}
