//! Embedded migrations, one list per backend, applied in order inside a transaction each.
//! A released migration is never edited: its checksum is recorded and compared on every start.

use sha2::{Digest, Sha256};
use sqlx::{Connection, Executor, Row};

use crate::{Backend, Error, Result, Store};

/// One migration: number, description, SQL.
struct Migration {
    version: i64,
    description: &'static str,
    sql: &'static str,
}

const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        description: "initial",
        sql: include_str!("../migrations/sqlite/0001_initial.sql"),
    },
    Migration {
        version: 2,
        description: "pdd facts",
        sql: include_str!("../migrations/sqlite/0002_pdd_facts.sql"),
    },
    Migration {
        version: 3,
        description: "write api",
        sql: include_str!("../migrations/sqlite/0003_write_api.sql"),
    },
    Migration {
        version: 4,
        description: "account indexes",
        sql: include_str!("../migrations/sqlite/0004_account_indexes.sql"),
    },
    Migration {
        version: 5,
        description: "read path",
        sql: include_str!("../migrations/sqlite/0005_read_path.sql"),
    },
    Migration {
        version: 6,
        description: "webhooks",
        sql: include_str!("../migrations/sqlite/0006_webhooks.sql"),
    },
    Migration {
        version: 7,
        description: "oauth",
        sql: include_str!("../migrations/sqlite/0007_oauth.sql"),
    },
    Migration {
        version: 8,
        description: "pdd country",
        sql: include_str!("../migrations/sqlite/0008_pdd_country.sql"),
    },
    Migration {
        version: 9,
        description: "list orders",
        sql: include_str!("../migrations/sqlite/0009_list_orders.sql"),
    },
    Migration {
        version: 10,
        description: "event projects",
        sql: include_str!("../migrations/sqlite/0010_event_projects.sql"),
    },
];

const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        description: "initial",
        sql: include_str!("../migrations/postgres/0001_initial.sql"),
    },
    Migration {
        version: 2,
        description: "pdd facts",
        sql: include_str!("../migrations/postgres/0002_pdd_facts.sql"),
    },
    Migration {
        version: 3,
        description: "write api",
        sql: include_str!("../migrations/postgres/0003_write_api.sql"),
    },
    Migration {
        version: 4,
        description: "account indexes",
        sql: include_str!("../migrations/postgres/0004_account_indexes.sql"),
    },
    Migration {
        version: 5,
        description: "read path",
        sql: include_str!("../migrations/postgres/0005_read_path.sql"),
    },
    Migration {
        version: 6,
        description: "webhooks",
        sql: include_str!("../migrations/postgres/0006_webhooks.sql"),
    },
    Migration {
        version: 7,
        description: "oauth",
        sql: include_str!("../migrations/postgres/0007_oauth.sql"),
    },
    Migration {
        version: 8,
        description: "pdd country",
        sql: include_str!("../migrations/postgres/0008_pdd_country.sql"),
    },
    Migration {
        version: 9,
        description: "list orders",
        sql: include_str!("../migrations/postgres/0009_list_orders.sql"),
    },
    Migration {
        version: 10,
        description: "event projects",
        sql: include_str!("../migrations/postgres/0010_event_projects.sql"),
    },
];

fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

/// Applies the pending migrations of the store's backend.
pub(crate) async fn run(store: &Store) -> Result<()> {
    let migrations = match store.backend() {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    let mut conn = store.conn().await?;
    if store.backend() == Backend::Postgres {
        // Serialise concurrent starts against the same database.
        conn.execute("SELECT pg_advisory_lock(7011977)").await?;
    }
    let result = apply(&mut conn, migrations).await;
    if store.backend() == Backend::Postgres {
        conn.execute("SELECT pg_advisory_unlock(7011977)").await?;
    }
    result
}

async fn apply(conn: &mut sqlx::AnyConnection, migrations: &[Migration]) -> Result<()> {
    conn.execute(
        "CREATE TABLE IF NOT EXISTS ogcr_migrations (
            version BIGINT PRIMARY KEY,
            description TEXT NOT NULL,
            checksum TEXT NOT NULL
        )",
    )
    .await?;
    let applied: Vec<(i64, String, String)> =
        sqlx::query("SELECT version, description, checksum FROM ogcr_migrations ORDER BY version")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect::<Result<_, sqlx::Error>>()?;
    for (version, description, sum) in &applied {
        let Some(m) = migrations.iter().find(|m| m.version == *version) else {
            return Err(Error::MigrationUnknown(*version));
        };
        let expected = checksum(m.sql);
        if &expected != sum {
            return Err(Error::MigrationChanged {
                version: *version,
                description: description.clone(),
                applied: sum.clone(),
                expected,
            });
        }
    }
    for m in migrations
        .iter()
        .filter(|m| applied.iter().all(|a| a.0 != m.version))
    {
        tracing::info!(target: "ogcr::store", version = m.version, description = m.description, "applying migration");
        let mut tx = conn.begin().await?;
        tx.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(m.sql)))
            .await?;
        sqlx::query(
            "INSERT INTO ogcr_migrations (version, description, checksum) VALUES ($1, $2, $3)",
        )
        .bind(m.version)
        .bind(m.description)
        .bind(checksum(m.sql))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_without_gaps_on_both_backends() {
        for list in [SQLITE, POSTGRES] {
            for (i, m) in list.iter().enumerate() {
                assert_eq!(m.version, i as i64 + 1);
            }
        }
        assert_eq!(SQLITE.len(), POSTGRES.len());
    }
}
