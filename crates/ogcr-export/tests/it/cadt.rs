//! The baseline tables of the scenario: schema validity, contents, foreign keys, pages,
//! warnings.

use std::collections::BTreeSet;

use ogcr_export::{Error, ExportConfig, Exporter, validate_record};
use ogcr_store::{Store, Token};
use serde_json::Value;

use crate::{Tables, scenario};

fn ids(tables: &Tables, table: &str, field: &str) -> BTreeSet<String> {
    tables[table]
        .iter()
        .map(|r| r[field].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn by<'a>(tables: &'a Tables, table: &str, field: &str, value: &str) -> &'a Value {
    tables[table]
        .iter()
        .find(|r| r[field] == value)
        .unwrap_or_else(|| panic!("no {table} with {field} = {value}"))
}

/// Every record of `tables` is valid, and every foreign key field names a record.
pub(crate) fn check_valid_and_linked(tables: &Tables, links: &[(&str, &str, &str)]) {
    for (table, rows) in tables {
        for r in rows {
            let problems = validate_record(table, r);
            assert!(problems.is_empty(), "{table}: {problems:?}\n{r:#}");
        }
    }
    for (table, field, target) in links {
        let pk = ogcr_export::spec().table(target).unwrap().fields[0]
            .api_field
            .clone();
        let known = ids(tables, target, &pk);
        for r in &tables[*table] {
            if let Some(id) = r[*field].as_str() {
                assert!(
                    known.contains(id),
                    "{table}.{field} = {id}: no such {target}"
                );
            }
        }
    }
}

pub(crate) async fn check_tables(chain: &scenario::Chain, store: &Store, tables: &Tables) {
    check_valid_and_linked(
        tables,
        &[
            ("project", "cadTrustProgramId", "program"),
            ("stakeholder", "cadTrustProjectId", "project"),
            ("project_methodology", "cadTrustProjectId", "project"),
            (
                "project_methodology",
                "cadTrustMethodologyId",
                "methodology",
            ),
            ("validation", "cadTrustProjectId", "project"),
            ("verification", "cadTrustProjectId", "project"),
            ("verification", "cadTrustValidationId", "validation"),
            ("location", "cadTrustProjectId", "project"),
            ("estimation", "cadTrustProjectId", "project"),
            ("rating", "cadTrustProjectId", "project"),
            ("co_benefit", "cadTrustProjectId", "project"),
            ("issuance", "cadTrustVerificationId", "verification"),
            (
                "issuance",
                "cadTrustProjectMethodologyId",
                "project_methodology",
            ),
            ("issuance", "cadTrustLocationId", "location"),
            ("unit", "cadTrustIssuanceId", "issuance"),
            ("unit_label", "cadTrustUnitId", "unit"),
            ("unit_label", "cadTrustLabelId", "label"),
        ],
    );
    let n = |t: &str| tables[t].len();
    // Every table has rows; ratings and SDG co-benefits are the configured ones.
    for t in Exporter::tables() {
        assert!(n(&t.name) > 0, "{} is empty", t.name);
    }
    assert_eq!(n("co_benefit"), 2);
    assert_eq!(n("rating"), 1);
    let rating = &tables["rating"][0];
    assert_eq!(
        (&rating["ratingType"], &rating["ratingValue"]),
        (&"CCQI".into(), &"4.1".into())
    );
    for t in [
        "project",
        "stakeholder",
        "location",
        "project_methodology",
        "estimation",
    ] {
        assert_eq!(n(t), 3, "{t}");
    }
    assert_eq!(n("program"), 1);
    assert_eq!(n("validation"), 2);
    assert_eq!(n("verification"), 2);
    assert_eq!(n("issuance"), 2);
    assert_eq!(n("label"), 2);
    let tokens = store.all::<Token>().await.unwrap();
    assert_eq!(n("unit"), tokens.len());
    assert_eq!(
        tokens.len(),
        6,
        "2 issued blocks, 2 buffers, a split, a partial retirement"
    );
    let labels: u32 = tokens.iter().map(|t| (t.labels as u32).count_ones()).sum();
    assert_eq!(n("unit_label"), labels as usize);
    // Every key is unique within its table.
    for (table, rows) in tables {
        let pk = &ogcr_export::spec().table(table).unwrap().fields[0].api_field;
        assert_eq!(
            ids(tables, table, pk).len(),
            rows.len(),
            "{table}: duplicate ids"
        );
    }

    // Methodologies: the two the PDDs name, and the stand-in for the one that names none.
    let codes = ids(tables, "methodology", "methodologyCode");
    assert_eq!(
        codes,
        ["ISO-14064-2", "UNSPECIFIED", "VM0047"]
            .map(String::from)
            .into()
    );
    let iso = by(tables, "methodology", "methodologyCode", "ISO-14064-2");
    assert_eq!(
        iso["methodologyName"], "ISO 14064-2 project-level quantification (generic)",
        "a name the PDD omits comes from the methodology registry"
    );
    assert_eq!(iso["methodologyType"], "Removal - nature");

    // Projects.
    let br = by(tables, "project", "projectId", "OGCR-BR-0001");
    assert_eq!(
        br["projectName"],
        "Mata Atlântica Restoration — Porto Seguro Corridor"
    );
    assert_eq!(
        br["projectSector"],
        serde_json::json!(["Afforestation and reforestation"])
    );
    assert_eq!(br["projectType"], serde_json::json!(["Reforestation"]));
    assert_eq!(br["projectStatus"], "Verified");
    assert_eq!(
        br["projectLink"],
        "http://127.0.0.1:8080/projects/OGCR-BR-0001"
    );
    let id = by(tables, "project", "projectId", "OGCR-ID-0001");
    assert_eq!(id["projectStatus"], "Listed");
    assert_eq!(id["projectSubtype"], "Direct air capture");
    let stakeholder = by(
        tables,
        "stakeholder",
        "cadTrustProjectId",
        br["cadTrustProjectId"].as_str().unwrap(),
    );
    assert_eq!(
        stakeholder["stakeholderName"],
        "Bahia Restoration Cooperative"
    );
    assert_eq!(stakeholder["stakeholderType"], "Developer");

    // Locations from the PDD geometries.
    let countries: BTreeSet<String> = ids(tables, "location", "locationCountry");
    assert_eq!(
        countries,
        ["Brazil", "Indonesia", "Kenya"].map(String::from).into()
    );
    let loc = by(
        tables,
        "location",
        "cadTrustProjectId",
        br["cadTrustProjectId"].as_str().unwrap(),
    );
    assert_eq!(loc["locationMapType"], "GeoJSON");
    assert_eq!(
        loc["locationMapFileLink"],
        "http://127.0.0.1:8080/projects/OGCR-BR-0001/versions/1"
    );
    assert!(
        loc["locationGis"].as_str().unwrap().starts_with("-16.4"),
        "{loc}"
    );

    // Validations and verifications.
    let val = by(tables, "validation", "validationId", "OGCR-BR-0001-VAL-1");
    assert_eq!(
        val["validationType"],
        "Validation of Project Design Document"
    );
    assert_eq!(val["validationCreditPeriodStartDate"], "2023-01-01");
    assert_eq!(val["validationCreditPeriodEndDate"], "2033-01-01");
    let v = by(
        tables,
        "verification",
        "verificationId",
        "OGCR-BR-0001-MRV-1",
    );
    assert_eq!(v["verificationStartDate"], "2024-01-01");
    assert_eq!(v["verificationEndDate"], "2024-12-31");
    assert_eq!(v["verificationBody"], "SCS Global Services");
    assert_eq!(v["cadTrustValidationId"], val["cadTrustValidationId"]);
    let est = by(
        tables,
        "estimation",
        "cadTrustProjectId",
        br["cadTrustProjectId"].as_str().unwrap(),
    );
    assert_eq!(est["estimationUnitCount"], 14_000.0);

    // Units.
    let [developer, _, _, operator, _] = scenario::actors(chain);
    let unit = |token: i64| {
        let t = tokens.iter().find(|t| t.token_id == token).unwrap();
        by(
            tables,
            "unit",
            "unitStartBlock",
            &t.serial_start.to_string(),
        )
    };
    let u1 = unit(1);
    assert_eq!(u1["unitStatus"], "Retired");
    assert_eq!(u1["unitRetirementBeneficiary"], "Acme Airlines");
    assert_eq!(u1["unitCurrentOwner"], developer.as_str());
    assert_eq!(u1["unitType"], "Removal - nature");
    assert_eq!(u1["unitVintageYear"], 2024);
    assert_eq!(u1["unitCount"], 1000);
    assert_eq!(u1["unitSerialId"], "OGCR-BR-0001-2024-1-1000");
    assert_eq!(u1["unitItmosReferenceId"], Value::Null);
    let u2 = unit(2);
    assert_eq!(u2["unitStatus"], "Buffer");
    assert_eq!(u2["unitCurrentOwner"], operator.as_str());
    let ke = unit(3);
    assert_eq!(ke["unitStatus"], "Held");
    assert_eq!(ke["unitCount"], 350);
    assert_eq!(ke["unitCurrentOwner"], developer.as_str());
    assert_eq!(ke["unitItmosReferenceId"], scenario::ITMO);
    let statuses: Vec<&str> = tables["unit"]
        .iter()
        .map(|u| u["unitStatus"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == "Cancelled").count(), 1);
    assert_eq!(statuses.iter().filter(|s| **s == "Retired").count(), 2);
    let ndc = tables["unit"]
        .iter()
        .find(|u| u["unitRetirementBeneficiary"] == "Republic of Kenya")
        .unwrap();
    assert_eq!(ndc["unitCount"], 50);
    assert_eq!(
        ndc["unitRetirementDetail"],
        "NDC use 2025 (NDC / Article 6 use)"
    );
    assert_eq!(ndc["unitRetirementBeneficiaryId"], "KE-NDC");
}

pub(crate) async fn check_pages(ex: &Exporter, tables: &Tables) {
    for t in Exporter::tables() {
        let table = t.name.as_str();
        let all = &tables[table];
        let mut paged = Vec::new();
        let mut page = 1;
        loop {
            let p = ex.page(table, page, 2).await.unwrap();
            assert_eq!(p.page_count, (all.len() as u64).div_ceil(2), "{table}");
            if p.data.is_empty() {
                break;
            }
            paged.extend(p.data);
            page += 1;
        }
        assert_eq!(&paged, all, "{table}: pages differ from the stream");
        assert_eq!(ex.count(table).await.unwrap(), all.len() as u64);
    }
    let err = ex.page("units", 1, 10).await.unwrap_err();
    assert!(matches!(err, Error::UnknownTable { .. }), "{err}");
    assert!(err.to_string().contains("unit_label"), "{err}");
    assert!(ex.page("unit", 0, 10).await.is_err());
}

/// Without the validator's body: the address is exported with a warning naming the key to
/// set, and a strict export stops.
pub(crate) async fn check_warnings(chain: &scenario::Chain, store: &Store) {
    let [_, validator, ..] = scenario::actors(chain);
    let mut cfg = crate::config(chain);
    cfg.bodies.remove(&validator);
    let ex = Exporter::new(store.clone(), cfg.clone());
    let mut rows = Vec::new();
    ex.for_each("validation", |v| {
        rows.push(v);
        Ok(())
    })
    .await
    .unwrap();
    assert!(
        rows.iter()
            .all(|r| r["validationBody"] == validator.as_str())
    );
    let w = ex.warnings();
    let key = format!("bodies.\"{validator}\"");
    assert_eq!(w.len(), 1, "only the validator body is unmapped: {w:#?}");
    assert_eq!(w[0].config_key.as_deref(), Some(key.as_str()));
    assert_eq!(w[0].table, "validation");
    let strict = Exporter::new(
        store.clone(),
        ExportConfig {
            strict: true,
            ..cfg
        },
    );
    let err = strict.for_each("validation", |_| Ok(())).await.unwrap_err();
    assert!(matches!(err, Error::Strict(_)), "{err}");
    assert!(err.to_string().contains(&key), "{err}");
    assert!(strict.for_each("unit", |_| Ok(())).await.is_ok());

    // Registry input for a project the chain does not have, or off the picklist: warned,
    // named by its configuration key; nothing is exported for the missing project.
    let mut cfg = crate::config(chain);
    cfg.co_benefits.insert(
        "OGCR-XX-0404".into(),
        vec!["SDG 13 - Climate action".into()],
    );
    cfg.co_benefits
        .get_mut("OGCR-BR-0001")
        .unwrap()
        .push("SDG 18 - Happiness".into());
    let ex = Exporter::new(store.clone(), cfg);
    let mut sdgs = Vec::new();
    ex.for_each("co_benefit", |v| {
        sdgs.push(v["cobenefit"].as_str().unwrap().to_owned());
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(sdgs.len(), 3, "{sdgs:?}");
    let keys: Vec<_> = ex
        .warnings()
        .into_iter()
        .map(|w| (w.subject, w.config_key.unwrap_or_default()))
        .collect();
    assert_eq!(
        keys,
        vec![
            (
                "OGCR-BR-0001".to_owned(),
                "co_benefits.\"OGCR-BR-0001\"".to_owned()
            ),
            (
                "OGCR-XX-0404".to_owned(),
                "co_benefits.\"OGCR-XX-0404\"".to_owned()
            ),
        ]
    );
}
