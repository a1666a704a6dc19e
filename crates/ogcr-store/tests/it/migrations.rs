//! Migrations: applied once on a fresh database, verified on every connect.

use ogcr_store::{Error, Store, testing::backends};
use sha2::{Digest, Sha256};
use sqlx::{Connection, Executor, Row};

use crate::fixtures::{commit, dump, full_batch, init};

/// A plain connection to a test database, outside the store (to look at or tamper with it).
async fn raw(name: &str, url: &str) -> sqlx::AnyConnection {
    sqlx::any::install_default_drivers();
    sqlx::AnyConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("{name}: raw connection: {e}"))
}

/// `(version, description, checksum)` of every applied migration.
async fn applied(name: &str, url: &str) -> Vec<(i64, String, String)> {
    let mut conn = raw(name, url).await;
    let rows =
        sqlx::query("SELECT version, description, checksum FROM ogcr_migrations ORDER BY version")
            .fetch_all(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{name}: reading ogcr_migrations: {e}"));
    rows.iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

#[tokio::test]
async fn a_fresh_database_gets_every_migration_with_its_checksum() {
    for db in backends().await {
        let name = db.name;
        let (first, second, third, fourth, fifth, sixth, seventh, eighth, ninth, tenth) = match name
        {
            "sqlite" => (
                include_str!("../../migrations/sqlite/0001_initial.sql"),
                include_str!("../../migrations/sqlite/0002_pdd_facts.sql"),
                include_str!("../../migrations/sqlite/0003_write_api.sql"),
                include_str!("../../migrations/sqlite/0004_account_indexes.sql"),
                include_str!("../../migrations/sqlite/0005_read_path.sql"),
                include_str!("../../migrations/sqlite/0006_webhooks.sql"),
                include_str!("../../migrations/sqlite/0007_oauth.sql"),
                include_str!("../../migrations/sqlite/0008_pdd_country.sql"),
                include_str!("../../migrations/sqlite/0009_list_orders.sql"),
                include_str!("../../migrations/sqlite/0010_event_projects.sql"),
            ),
            _ => (
                include_str!("../../migrations/postgres/0001_initial.sql"),
                include_str!("../../migrations/postgres/0002_pdd_facts.sql"),
                include_str!("../../migrations/postgres/0003_write_api.sql"),
                include_str!("../../migrations/postgres/0004_account_indexes.sql"),
                include_str!("../../migrations/postgres/0005_read_path.sql"),
                include_str!("../../migrations/postgres/0006_webhooks.sql"),
                include_str!("../../migrations/postgres/0007_oauth.sql"),
                include_str!("../../migrations/postgres/0008_pdd_country.sql"),
                include_str!("../../migrations/postgres/0009_list_orders.sql"),
                include_str!("../../migrations/postgres/0010_event_projects.sql"),
            ),
        };
        assert_eq!(
            applied(name, &db.url).await,
            vec![
                (1, "initial".to_owned(), hex::encode(Sha256::digest(first))),
                (
                    2,
                    "pdd facts".to_owned(),
                    hex::encode(Sha256::digest(second))
                ),
                (
                    3,
                    "write api".to_owned(),
                    hex::encode(Sha256::digest(third))
                ),
                (
                    4,
                    "account indexes".to_owned(),
                    hex::encode(Sha256::digest(fourth))
                ),
                (
                    5,
                    "read path".to_owned(),
                    hex::encode(Sha256::digest(fifth))
                ),
                (6, "webhooks".to_owned(), hex::encode(Sha256::digest(sixth))),
                (7, "oauth".to_owned(), hex::encode(Sha256::digest(seventh))),
                (
                    8,
                    "pdd country".to_owned(),
                    hex::encode(Sha256::digest(eighth))
                ),
                (
                    9,
                    "list orders".to_owned(),
                    hex::encode(Sha256::digest(ninth))
                ),
                (
                    10,
                    "event projects".to_owned(),
                    hex::encode(Sha256::digest(tenth))
                ),
            ],
            "{name}"
        );
        // Every table of the schema is there and empty.
        let counts = db
            .store
            .counts()
            .await
            .unwrap_or_else(|e| panic!("{name}: counts: {e}"));
        assert_eq!(counts, Default::default(), "{name}");
        let tables = dump(name, &db.store).await;
        assert_eq!(tables.len(), 19, "{name}: {tables:?}");
        assert!(
            tables.iter().all(|(_, rows)| rows.is_empty()),
            "{name}: {tables:?}"
        );
    }
}

#[tokio::test]
async fn reconnecting_to_a_migrated_database_is_a_no_op() {
    for db in backends().await {
        let name = db.name;
        init(name, &db.store).await;
        commit(name, &db.store, &full_batch()).await;
        let before = dump(name, &db.store).await;
        let migrations = applied(name, &db.url).await;
        for _ in 0..2 {
            let again = Store::connect(&db.url)
                .await
                .unwrap_or_else(|e| panic!("{name}: reconnecting: {e}"));
            assert_eq!(
                dump(name, &again).await,
                before,
                "{name}: reconnecting changed the data"
            );
            again.close().await;
        }
        assert_eq!(applied(name, &db.url).await, migrations, "{name}");
    }
}

#[tokio::test]
async fn a_changed_migration_is_refused_naming_its_version() {
    for db in backends().await {
        let name = db.name;
        let mut conn = raw(name, &db.url).await;
        conn.execute("UPDATE ogcr_migrations SET checksum = 'tampered' WHERE version = 1")
            .await
            .unwrap_or_else(|e| panic!("{name}: tampering: {e}"));
        let err = Store::connect(&db.url)
            .await
            .expect_err("a tampered checksum must be refused");
        let message = err.to_string();
        match err {
            Error::MigrationChanged {
                version,
                description,
                applied,
                expected,
            } => {
                assert_eq!((version, description.as_str()), (1, "initial"), "{name}");
                assert_eq!(applied, "tampered", "{name}");
                assert_eq!(expected.len(), 64, "{name}: {expected}");
            }
            other => panic!("{name}: expected MigrationChanged, got {other:?}"),
        }
        assert!(
            message.contains("migration 1 (initial)"),
            "{name}: {message}"
        );
        assert!(message.contains("tampered"), "{name}: {message}");
    }
}

#[tokio::test]
async fn a_migration_from_a_newer_build_is_refused() {
    for db in backends().await {
        let name = db.name;
        let mut conn = raw(name, &db.url).await;
        conn.execute(
            "INSERT INTO ogcr_migrations (version, description, checksum) VALUES (99, 'future', 'x')",
        )
        .await
        .unwrap_or_else(|e| panic!("{name}: inserting: {e}"));
        let err = Store::connect(&db.url)
            .await
            .expect_err("an unknown migration must be refused");
        assert!(
            matches!(err, Error::MigrationUnknown(99)),
            "{name}: {err:?}"
        );
        assert!(err.to_string().contains("migration 99"), "{name}: {err}");
    }
}
