//! Throwaway stores for tests, of this crate and of the crates built on it (feature `testing`).
//!
//! [`sqlite`](crate::testing::sqlite) makes a fresh SQLite database in a temporary
//! directory. [`postgres`](crate::testing::postgres) makes a fresh database,
//! `ogcr_test_<random hex>`, on the PostgreSQL server named by the `OGCR_TEST_POSTGRES_URL`
//! environment variable, so tests stay isolated and may run in parallel; `scripts/test.sh`
//! starts a throwaway cluster (`scripts/pg-test-cluster.sh`) and sets the variable. Without it
//! the PostgreSQL half of a test is skipped with a note on stderr, unless
//! `OGCR_REQUIRE_POSTGRES=1`, which turns the skip into a panic so CI never passes silently on
//! SQLite alone. [`backends`](crate::testing::backends) yields both, for a test body that runs
//! on each.
//!
//! Unlike the rest of the crate these helpers read the environment and panic on failure: they
//! exist for tests only. The test databases are not dropped afterwards; the throwaway cluster
//! goes with them.

use std::{
    collections::hash_map::RandomState,
    hash::{BuildHasher, Hasher},
    io::Write,
    sync::{
        Once,
        atomic::{AtomicU64, Ordering},
    },
    time::{SystemTime, UNIX_EPOCH},
};

use sqlx::{Connection, Executor};
pub use tempfile::TempDir;

use crate::Store;

/// Environment variable naming the PostgreSQL server for tests (a URL whose user may create
/// databases, e.g. `postgres://postgres@127.0.0.1:55432/postgres`).
pub const POSTGRES_URL_VAR: &str = "OGCR_TEST_POSTGRES_URL";

/// Environment variable that, set to `1`, makes a missing [`POSTGRES_URL_VAR`] a failure.
pub const REQUIRE_POSTGRES_VAR: &str = "OGCR_REQUIRE_POSTGRES";

/// A store for one test, on one backend, and what keeps it alive.
#[derive(Debug)]
pub struct TestStore {
    /// `"sqlite"` or `"postgres"`, for assertion messages.
    pub name: &'static str,
    /// The connected, migrated store.
    pub store: Store,
    /// The URL it was connected with (credentials included), to connect again.
    pub url: String,
    /// The directory of an SQLite database file, deleted when the test store is dropped.
    _dir: Option<TempDir>,
}

/// A fresh, migrated SQLite store in a new temporary directory, which holds the database file
/// and must outlive the store.
pub async fn sqlite() -> (TempDir, Store) {
    let (dir, url) = sqlite_url();
    let store = Store::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("connecting to the test SQLite database {url}: {e}"));
    (dir, store)
}

/// A new temporary directory and the URL of an SQLite database file inside it.
fn sqlite_url() -> (TempDir, String) {
    let dir = tempfile::Builder::new()
        .prefix("ogcr-store-test.")
        .tempdir()
        .unwrap_or_else(|e| panic!("creating a temporary directory for an SQLite test store: {e}"));
    let url = format!("sqlite://{}", dir.path().join("ogcr.db").display());
    (dir, url)
}

/// A fresh, migrated store on a new database `ogcr_test_<random hex>` of the server named by
/// `OGCR_TEST_POSTGRES_URL`; `None` (with a note on stderr) when the variable is unset.
///
/// # Panics
/// When the variable is unset and `OGCR_REQUIRE_POSTGRES=1`, or when the server cannot be
/// reached or the database cannot be created.
pub async fn postgres() -> Option<Store> {
    let (_, store) = postgres_with_url().await?;
    Some(store)
}

/// [`postgres`], also returning the new database's URL.
async fn postgres_with_url() -> Option<(String, Store)> {
    let Some(admin_url) = std::env::var(POSTGRES_URL_VAR)
        .ok()
        .filter(|u| !u.is_empty())
    else {
        if std::env::var(REQUIRE_POSTGRES_VAR).is_ok_and(|v| v == "1") {
            panic!(
                "{POSTGRES_URL_VAR} is not set but {REQUIRE_POSTGRES_VAR}=1: start a server with \
                 scripts/pg-test-cluster.sh start and export its URL (scripts/test.sh does both)"
            );
        }
        static NOTE: Once = Once::new();
        NOTE.call_once(|| {
            // Straight to stderr, past the test harness's output capture, so the skip shows.
            let _ = writeln!(
                std::io::stderr().lock(),
                "ogcr-store tests: skipping the PostgreSQL half: {POSTGRES_URL_VAR} is not set \
                 (scripts/test.sh sets it)"
            );
        });
        return None;
    };
    sqlx::any::install_default_drivers();
    let database = format!("ogcr_test_{}", random_hex());
    let mut admin = sqlx::AnyConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| {
            panic!("connecting to {POSTGRES_URL_VAR} to create a test database: {e}")
        });
    // The name is ours (letters, digits, underscores): nothing to quote.
    admin
        .execute(sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE {database}"
        ))))
        .await
        .unwrap_or_else(|e| panic!("creating the test database {database}: {e}"));
    let _ = admin.close().await;
    let url = with_database(&admin_url, &database);
    let store = Store::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("connecting to the test database {database}: {e}"));
    Some((url, store))
}

/// A fresh store on every backend available: SQLite always, then PostgreSQL when
/// `OGCR_TEST_POSTGRES_URL` is set (see [`postgres`] for when it panics instead).
pub async fn backends() -> Vec<TestStore> {
    let (dir, url) = sqlite_url();
    let store = Store::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("connecting to the test SQLite database {url}: {e}"));
    let mut out = vec![TestStore {
        name: "sqlite",
        store,
        url,
        _dir: Some(dir),
    }];
    if let Some((url, store)) = postgres_with_url().await {
        out.push(TestStore {
            name: "postgres",
            store,
            url,
            _dir: None,
        });
    }
    out
}

/// 64 random bits as 16 hex digits (std's randomly keyed hasher over pid, time and a counter).
fn random_hex() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    format!("{:016x}", h.finish())
}

/// `url` with its database (the path after the host) replaced by `database`, query kept.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_at(url.find('?').unwrap_or(url.len()));
    let host = base.find("://").map_or(0, |i| i + 3);
    let path = base[host..].find('/').map_or(base.len(), |i| host + i);
    format!("{}/{database}{query}", &base[..path])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_of_a_url_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:55432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:55432/t1"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "t1"),
            "postgres://u:p@h/t1?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://u@h:5432", "t1"),
            "postgres://u@h:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u@h?x=1", "t1"),
            "postgres://u@h/t1?x=1"
        );
    }

    #[test]
    fn database_names_are_random_hex() {
        let (a, b) = (random_hex(), random_hex());
        assert_ne!(a, b);
        assert_eq!(a.len(), 16);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()), "{a}");
    }
}
