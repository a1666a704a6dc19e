//! A small registry history on a real anvil chain, indexed by the real indexer: the data the
//! export tests read.
//!
//! Three projects (Brazil reforestation, Kenya soil carbon, Indonesia direct air capture
//! left in draft), two verified reports, two issuances with buffer blocks (one CORSIA
//! eligible, one CORSIA eligible and Article 6 authorised with an ITMO reference), then a
//! transfer, a split, a partial and a full retirement and a cancellation. PDD and MRV
//! documents are stored content-addressed (`<dir>/<sha256>.json`, `ogcr://sha256/<hex>`) as
//! the CLI does, so the indexer verifies them.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use alloy::{
    node_bindings::{Anvil, AnvilInstance},
    primitives::{Address, B256, U256},
    signers::local::PrivateKeySigner,
};
use ogcr_client::{
    DeployOptions, IssueParams, Manifest, Registry, ReportSubmission, RetirementInfo, TxPolicy,
    deploy, role_id,
};
use ogcr_indexer::{DocumentSources, Indexer, IndexerConfig, Resolver, RpcSource};
use ogcr_store::Store;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

/// Anvil account indexes.
const ADMIN: usize = 0;
const DEVELOPER: usize = 1;
const VALIDATOR: usize = 2;
const VERIFIER: usize = 3;
const OPERATOR: usize = 4;
const HOLDER: usize = 5;

/// 2025-03-01T00:00:00Z: anvil's genesis time, so everything happens in 2025.
const GENESIS: u64 = 1_740_787_200;

/// The year every on-chain action of the scenario falls in.
pub(crate) const YEAR: i32 = 2025;

/// The ITMO reference of the Article 6 issuance.
pub(crate) const ITMO: &str = "KE-ITMO-2025-0001";

/// A chain with the scenario done, and the directory of its documents.
pub(crate) struct Chain {
    pub(crate) anvil: AnvilInstance,
    pub(crate) manifest: Manifest,
    pub(crate) docs: PathBuf,
    _dir: tempfile::TempDir,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn signer(anvil: &AnvilInstance, i: usize) -> PrivateKeySigner {
    PrivateKeySigner::from_slice(&anvil.keys()[i].to_bytes()).expect("anvil dev key")
}

/// The address of anvil account `i`, lowercase hex as the store keeps it.
pub(crate) fn address(chain: &Chain, i: usize) -> String {
    format!("{:#x}", chain.anvil.addresses()[i])
}

/// Developer, validator, verifier, operator and holder addresses.
pub(crate) fn actors(chain: &Chain) -> [String; 5] {
    [DEVELOPER, VALIDATOR, VERIFIER, OPERATOR, HOLDER].map(|i| address(chain, i))
}

/// Stores `doc` as CS-01 canonical JSON under `dir`; returns its hash and URI.
fn store_document(dir: &Path, doc: &Value) -> (B256, String) {
    let canonical =
        ogcr_core::cs01::canonical::canonical_summary(&doc.to_string()).expect("a JSON object");
    let hash = B256::from_slice(&Sha256::digest(canonical.as_bytes()));
    let hex = hex::encode(hash);
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(format!("{hex}.json")), canonical).unwrap();
    (hash, format!("ogcr://sha256/{hex}"))
}

fn example(name: &str) -> Value {
    let path = root().join("crates/ogcr-core/examples-data").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn square(lon: f64, lat: f64) -> Value {
    let d = 0.05;
    json!({"type": "Polygon", "coordinates": [[
        [lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]
    ]]})
}

/// The Brazilian example PDD turned into another project.
fn pdd(id: &str, lon: f64, lat: f64, project_type: &str, methodology: Option<Value>) -> Value {
    let mut p = example("pdd-br-reforestation.geojson");
    let o = p.as_object_mut().unwrap();
    o.insert("id".into(), id.into());
    o.remove("bbox");
    o.remove("links");
    o.insert("geometry".into(), square(lon, lat));
    let props = p["properties"].as_object_mut().unwrap();
    props.insert("name".into(), format!("{id} test project").into());
    props.insert("project_type".into(), project_type.into());
    match methodology {
        Some(m) => props.insert("methodology".into(), m),
        None => props.remove("methodology"),
    };
    p
}

fn mrv(project_id: &str, methodology: &str) -> Value {
    let mut m = example("mrv-br-2024.geojson");
    m["id"] = format!("{project_id}-MRV-2024").into();
    m["properties"]["project_id"] = project_id.into();
    m["properties"]["methodology_id"] = methodology.into();
    m
}

fn day(y: i32, mo: u32, d: u32) -> u64 {
    let t = chrono::NaiveDate::from_ymd_opt(y, mo, d)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap()
        .and_utc()
        .timestamp();
    u64::try_from(t).unwrap()
}

async fn connect(anvil: &AnvilInstance, manifest: &Manifest, i: usize) -> Registry {
    Registry::connect(
        &anvil.endpoint(),
        Some(signer(anvil, i)),
        manifest.clone(),
        TxPolicy::default(),
    )
    .await
    .expect("connect to the deployment")
}

/// Spawns anvil, deploys the suite and runs the scenario.
pub(crate) async fn run() -> Chain {
    let anvil = Anvil::new()
        .path(root().join("node_modules/.bin/anvil"))
        .arg("--timestamp")
        .arg(GENESIS.to_string())
        .spawn();
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("documents");
    let grants = [
        ("developer", DEVELOPER),
        ("validator", VALIDATOR),
        ("verifier", VERIFIER),
        ("registry_operator", OPERATOR),
    ]
    .map(|(role, i)| (role_id(role).unwrap(), anvil.addresses()[i]))
    .to_vec();
    let manifest = deploy(
        &anvil.endpoint(),
        signer(&anvil, ADMIN),
        dir.path(),
        &DeployOptions {
            grants,
            ..DeployOptions::default()
        },
        &TxPolicy::default(),
        &mut |_| {},
    )
    .await
    .expect("deploy the suite")
    .manifest;
    let dev = connect(&anvil, &manifest, DEVELOPER).await;
    let val = connect(&anvil, &manifest, VALIDATOR).await;
    let ver = connect(&anvil, &manifest, VERIFIER).await;
    let op = connect(&anvil, &manifest, OPERATOR).await;
    let holder = connect(&anvil, &manifest, HOLDER).await;
    let addr = |i: usize| -> Address { anvil.addresses()[i] };
    let report = B256::repeat_byte(0xab);

    // Projects: Brazil and Kenya validated, Indonesia left in draft.
    let br = example("pdd-br-reforestation.geojson");
    let ke = pdd(
        "OGCR-KE-0001",
        36.82,
        -1.29,
        "soil_carbon",
        Some(json!({"id": "ISO-14064-2", "version": "2019.0"})),
    );
    let id = pdd("OGCR-ID-0001", 113.9, -0.8, "direct_air_capture", None);
    for (doc, external, crediting) in [
        (
            &br,
            Some(("Verra", "3989")),
            Some((day(2023, 1, 1), day(2033, 1, 1))),
        ),
        (&ke, None, Some((day(2024, 1, 1), day(2034, 1, 1)))),
        (&id, None, None),
    ] {
        let pid = doc["id"].as_str().unwrap();
        let (hash, uri) = store_document(&docs, doc);
        dev.register_project(pid, hash, &uri, external)
            .await
            .unwrap();
        if let Some(c) = crediting {
            dev.submit_project(pid).await.unwrap();
            val.validate_project(pid, report, "meets the methodology", c)
                .await
                .unwrap();
        }
    }

    // Reports for 2024, verified.
    let mut reports = Vec::new();
    for (pid, methodology, kg, commitment) in [
        ("OGCR-BR-0001", "VM0047", 1_250_500u128, 0x11),
        ("OGCR-KE-0001", "ISO-14064-2", 600_000, 0x22),
    ] {
        let (hash, uri) = store_document(&docs, &mrv(pid, methodology));
        let (mrv_id, _) = dev
            .submit_report(ReportSubmission {
                projectId: pid.into(),
                mrvHash: hash,
                datasetCommitment: B256::repeat_byte(commitment),
                periodStart: day(2024, 1, 1),
                periodEnd: day(2025, 1, 1),
                uri,
            })
            .await
            .unwrap();
        ver.verify_report(mrv_id, true, kg, report).await.unwrap();
        reports.push(mrv_id);
    }

    // Issuances: BR CORSIA eligible; KE CORSIA eligible and Article 6 authorised.
    let (br_token, _, _) = op
        .issue(IssueParams {
            mrvId: reports[0],
            to: addr(HOLDER),
            amount: 1000,
            bufferAmount: 100,
            bufferRecipient: addr(OPERATOR),
            labels: 1,
            itmoReference: String::new(),
        })
        .await
        .unwrap();
    let (ke_token, _, _) = op
        .issue(IssueParams {
            mrvId: reports[1],
            to: addr(HOLDER),
            amount: 500,
            bufferAmount: 50,
            bufferRecipient: addr(OPERATOR),
            labels: 3,
            itmoReference: ITMO.into(),
        })
        .await
        .unwrap();

    // Transfer, split, partial retirement (NDC use), cancellation, full retirement.
    holder.transfer(br_token, addr(DEVELOPER)).await.unwrap();
    let (split_off, _) = holder.split(ke_token, 100).await.unwrap();
    holder
        .retire(
            ke_token,
            50,
            RetirementInfo {
                reasonCode: 3,
                beneficiary: "Republic of Kenya".into(),
                beneficiaryId: "KE-NDC".into(),
                detail: "NDC use 2025".into(),
            },
        )
        .await
        .unwrap();
    op.cancel(split_off, 100, "correction of a double issuance")
        .await
        .unwrap();
    dev.retire(
        br_token,
        1000,
        RetirementInfo {
            reasonCode: 1,
            beneficiary: "Acme Airlines".into(),
            beneficiaryId: String::new(),
            detail: String::new(),
        },
    )
    .await
    .unwrap();
    holder.transfer(ke_token, addr(DEVELOPER)).await.unwrap();
    assert_eq!((br_token, ke_token), (U256::from(1), U256::from(3)));

    Chain {
        anvil,
        manifest,
        docs,
        _dir: dir,
    }
}

/// Indexes the chain into `store` and verifies its documents.
pub(crate) async fn index(chain: &Chain, store: &Store) {
    let provider = ogcr_client::registry::connect_provider(&chain.anvil.endpoint(), None)
        .await
        .unwrap();
    let source = RpcSource::new(provider, Duration::from_secs(10));
    let mut cfg = IndexerConfig::new(chain.manifest.clone());
    cfg.poll_interval = Duration::from_millis(50);
    Indexer::new(source, store.clone(), cfg)
        .await
        .expect("start the indexer")
        .run(true, std::future::pending(), &mut |_| {})
        .await
        .expect("index to the head");
    let resolver = Resolver::new(DocumentSources {
        dirs: vec![chain.docs.clone()],
        ..DocumentSources::default()
    });
    resolver.pass(store).await.expect("check the documents");
    let counts = store.counts().await.unwrap();
    assert_eq!(counts.documents_verified, 5, "every PDD and MRV verifies");
    assert_eq!(counts.documents_failed, 0);
}
