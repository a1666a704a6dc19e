//! File registry: append-only, atomic, locked, refuses unparsable files.

use std::{fs, sync::Arc, thread};

use ogcr_core::{
    Error,
    cs01::{
        AttestationInput, AttestationScope, DatasetCommitment, FileRegistry, HmacKey, ListFilter,
        Outcome, create_hmac_attestation,
    },
};

fn attestation(project: &str, outcome: Outcome) -> ogcr_core::cs01::Attestation {
    let input = AttestationInput {
        verifier_id: "verifier-poc".into(),
        verifier_name: "PoC Verifier".into(),
        scope: AttestationScope {
            project_id: project.into(),
            methodology_version: "GHG-Protocol-v1".into(),
            reporting_period: None,
            reporting_period_null: false,
        },
        dataset_commitment: DatasetCommitment {
            commitment_hash: "cd".repeat(32),
            label: "l".into(),
            created_at: "2024-01-01T00:00:00.000Z".into(),
        },
        outcome,
        reason: None,
    };
    create_hmac_attestation(input, &HmacKey::poc_default()).unwrap()
}

#[test]
fn append_keeps_existing_entries_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reg.json");
    // An entry written by someone else, with odd formatting and unknown fields.
    let foreign = r#"{"attestation": {"id":"x","scope":{"projectId":"p9"},"outcome":"verified","n":1.50,"big":123456789012345678901234567890}, "recordedAt":"2024-01-01T00:00:00.000Z"}"#;
    fs::write(&path, format!("{{\"entries\":[{foreign}],\"updatedAt\":\"2024-01-01T00:00:00.000Z\",\"note\":\"kept\"}}")).unwrap();

    let reg = FileRegistry::new(&path);
    reg.append(&attestation("p1", Outcome::Verified), None)
        .unwrap();
    reg.append(&attestation("p2", Outcome::Rejected), Some("0xabc".into()))
        .unwrap();

    let text = fs::read_to_string(&path).unwrap();
    assert!(
        text.contains(foreign),
        "the foreign entry is copied verbatim"
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["entries"].as_array().unwrap().len(), 3);
    assert_eq!(v["note"], "kept");
    assert_eq!(v["entries"][2]["anchor"], "0xabc");
    assert!(v["updatedAt"].as_str().unwrap().ends_with('Z'));

    assert_eq!(reg.list(&ListFilter::default()).unwrap().len(), 3);
    let p1 = reg
        .list(&ListFilter {
            project_id: Some("p1".into()),
            outcome: None,
        })
        .unwrap();
    assert_eq!(p1.len(), 1);
    let verified = reg
        .list(&ListFilter {
            project_id: None,
            outcome: Some("verified".into()),
        })
        .unwrap();
    assert_eq!(verified.len(), 2);
    let none = reg
        .list(&ListFilter {
            project_id: Some("p2".into()),
            outcome: Some("verified".into()),
        })
        .unwrap();
    assert!(none.is_empty());
}

#[test]
fn refuses_unparsable_files_without_touching_them() {
    let dir = tempfile::tempdir().unwrap();
    for content in [
        "",
        "not json",
        "{\"entries\":{}}",
        "{\"updatedAt\":\"x\"}",
        "[1,2]",
        "{\"entries\":[1,",
    ] {
        let path = dir.path().join("reg.json");
        fs::write(&path, content).unwrap();
        let reg = FileRegistry::new(&path);
        let err = reg
            .append(&attestation("p", Outcome::Verified), None)
            .unwrap_err();
        assert!(
            matches!(err, Error::RegistryCorrupt { .. }),
            "{content:?}: {err}"
        );
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            content,
            "file must be left untouched"
        );
        assert!(reg.list(&ListFilter::default()).is_err());
    }
}

#[test]
fn missing_file_is_created_with_parent_directories() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/registry-data.json");
    let reg = FileRegistry::new(&path);
    assert!(reg.list(&ListFilter::default()).unwrap().is_empty());
    let entry = reg
        .append(&attestation("p", Outcome::Verified), None)
        .unwrap();
    let text = fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("{\n  \"entries\": [\n    {\n      \"attestation\": {"),
        "{text}"
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["entries"][0]["recordedAt"], entry.recorded_at.as_str());
    // No temporary files are left behind.
    let names: Vec<_> = fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "registry and its lock file only: {names:?}");
}

#[test]
fn concurrent_writers_lose_no_entry() {
    let dir = tempfile::tempdir().unwrap();
    let path = Arc::new(dir.path().join("reg.json"));
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let path = Arc::clone(&path);
            thread::spawn(move || {
                let reg = FileRegistry::new(path.as_path());
                for _ in 0..10 {
                    reg.append(&attestation(&format!("p{t}"), Outcome::Verified), None)
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let reg = FileRegistry::new(path.as_path());
    assert_eq!(reg.list(&ListFilter::default()).unwrap().len(), 40);
    for t in 0..4 {
        let f = ListFilter {
            project_id: Some(format!("p{t}")),
            outcome: None,
        };
        assert_eq!(reg.list(&f).unwrap().len(), 10);
    }
}
