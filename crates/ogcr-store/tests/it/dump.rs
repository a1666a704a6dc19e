//! Dumps: the same batches give the same dump, on any store and either backend.

use ogcr_store::testing::backends;

use crate::fixtures::{batch, commit, dump, event, history, init};

#[tokio::test]
async fn stores_filled_with_the_same_batches_dump_equal() {
    let (first, second) = (backends().await, backends().await);
    let mut dumps = Vec::new();
    for db in first.iter().chain(&second) {
        let (name, s) = (db.name, &db.store);
        init(name, s).await;
        for cs in history() {
            commit(name, s, &cs).await;
        }
        dumps.push((name, dump(name, s).await));
    }
    let (reference_name, reference) = &dumps[0];
    assert!(reference.iter().any(|(_, rows)| !rows.is_empty()));
    // Two SQLite stores, two PostgreSQL stores, and SQLite against PostgreSQL.
    for (name, d) in &dumps[1..] {
        assert_eq!(d, reference, "{name} against {reference_name}");
    }

    // One more batch on one store makes its dump differ.
    let db = &first[0];
    let mut extra = batch(13, 13);
    extra.events = vec![event(13, 0, "Extra")];
    commit(db.name, &db.store, &extra).await;
    assert_ne!(&dump(db.name, &db.store).await, reference, "{}", db.name);
}
