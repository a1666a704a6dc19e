//! Integration tests of ogcr-export: a registry history driven on a real anvil chain through
//! `ogcr_client`, indexed by `ogcr_indexer` into SQLite (and PostgreSQL when
//! `OGCR_TEST_POSTGRES_URL` is set), then exported table by table, checked against the
//! vendored CAD Trust schema, across databases, and written to files that are read back.

mod aef;
mod cadt;
mod files;
mod scenario;

use std::collections::BTreeMap;

use ogcr_export::{AefOptions, ExportConfig, Exporter};
use ogcr_store::testing;
use serde_json::Value;

/// Every baseline table's records, by table.
pub(crate) type Tables = BTreeMap<String, Vec<Value>>;

pub(crate) async fn export_all(ex: &Exporter) -> Tables {
    let mut out = Tables::new();
    for t in Exporter::tables() {
        let mut rows = Vec::new();
        ex.for_each(&t.name, |v| {
            rows.push(v);
            Ok(())
        })
        .await
        .unwrap_or_else(|e| panic!("exporting {}: {e}", t.name));
        out.insert(t.name.clone(), rows);
    }
    out
}

pub(crate) async fn export_aef(ex: &Exporter, opts: &AefOptions) -> Tables {
    let mut out = Tables::new();
    for t in Exporter::aef_tables() {
        let mut rows = Vec::new();
        ex.aef_for_each(opts, &t.name, |v| {
            rows.push(v);
            Ok(())
        })
        .await
        .unwrap_or_else(|e| panic!("exporting {}: {e}", t.name));
        out.insert(t.name.clone(), rows);
    }
    out
}

/// The configuration of the tests: the validation and verification bodies and the
/// developer's name.
pub(crate) fn config(chain: &scenario::Chain) -> ExportConfig {
    let [developer, validator, verifier, ..] = scenario::actors(chain);
    let mut cfg = ExportConfig::default();
    cfg.bodies
        .insert(validator, "Earthood Services Private Limited".to_owned());
    cfg.bodies
        .insert(verifier, "SCS Global Services".to_owned());
    cfg.stakeholders
        .insert(developer, "Bahia Restoration Cooperative".to_owned());
    cfg.co_benefits.insert(
        "OGCR-BR-0001".into(),
        vec![
            "SDG 15 - Life on land".into(),
            "SDG 6 - Clean water and sanitation".into(),
        ],
    );
    cfg.ratings.insert(
        "OGCR-BR-0001".into(),
        vec![ogcr_export::RatingConfig {
            rating_type: "CCQI".into(),
            name: "Carbon Credit Quality Initiative".into(),
            value: "4.1".into(),
            link: Some("https://example.org/ratings/br-0001".into()),
        }],
    );
    cfg
}

/// One chain, indexed into several independent databases, exported from each.
#[tokio::test(flavor = "multi_thread")]
async fn exports_of_an_indexed_lifecycle() {
    let chain = scenario::run().await;
    let mut stores = testing::backends().await;
    // A second, independent SQLite database of the same chain.
    stores.extend(testing::backends().await.into_iter().take(1));
    for s in &stores {
        scenario::index(&chain, &s.store).await;
    }
    let first = &stores[0];
    let ex = Exporter::new(first.store.clone(), config(&chain));
    let tables = export_all(&ex).await;
    cadt::check_tables(&chain, &first.store, &tables).await;
    cadt::check_pages(&ex, &tables).await;
    assert_eq!(
        ex.warnings(),
        vec![],
        "a complete configuration raises no warning"
    );
    cadt::check_warnings(&chain, &first.store).await;

    // Same records from a second export and from every other database.
    assert_eq!(export_all(&ex).await, tables, "a second export differs");
    for s in &stores[1..] {
        let other = Exporter::new(s.store.clone(), config(&chain));
        assert_eq!(
            export_all(&other).await,
            tables,
            "{} exports other records than {}",
            s.name,
            first.name
        );
    }

    let kenya = aef::check(&ex, &tables).await;
    for s in &stores[1..] {
        let other = Exporter::new(s.store.clone(), config(&chain));
        let opts = AefOptions {
            party: "KE".into(),
            year: scenario::YEAR,
        };
        assert_eq!(
            export_aef(&other, &opts).await,
            kenya,
            "{}: AEF differs",
            s.name
        );
    }

    files::check(&ex, &tables, &kenya).await;
}
