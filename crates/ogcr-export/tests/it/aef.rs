//! The Article 6 tables of the scenario for Kenya (the host Party of the authorised units)
//! and for Brazil (none).

use ogcr_export::{AefOptions, Exporter};
use serde_json::Value;

use crate::{Tables, cadt::check_valid_and_linked, export_aef, scenario};

fn types(rows: &[Value]) -> Vec<&str> {
    rows.iter()
        .map(|r| r["aefT3ActionsType"].as_str().unwrap())
        .collect()
}

/// Checks Kenya's and Brazil's tables; returns Kenya's.
pub(crate) async fn check(ex: &Exporter, cadt: &Tables) -> Tables {
    let opts = AefOptions {
        party: "Kenya".into(),
        year: scenario::YEAR,
    };
    let kenya = export_aef(ex, &opts).await;
    check_valid_and_linked(
        &kenya,
        &[
            (
                "aef_t2_authorizations",
                "cadTrustAefT1SubmissionId",
                "aef_t1_submission",
            ),
            (
                "aef_t2_authorizations",
                "cadTrustAefT5AuthorizedEntitiesId",
                "aef_t5_authorized_entities",
            ),
            (
                "aef_t3_actions",
                "cadTrustAefT2AuthorizationsId",
                "aef_t2_authorizations",
            ),
            (
                "aef_t3_actions",
                "cadTrustAefT1SubmissionId",
                "aef_t1_submission",
            ),
            (
                "aef_t4_holdings",
                "cadTrustAefT2AuthorizationsId",
                "aef_t2_authorizations",
            ),
            (
                "aef_t5_authorized_entities",
                "cadTrustAefT1SubmissionId",
                "aef_t1_submission",
            ),
        ],
    );
    // Units and projects the AEF rows name are those of the baseline export.
    let units: Vec<&Value> = cadt["unit"].iter().map(|u| &u["cadTrustUnitId"]).collect();
    let projects: Vec<&Value> = cadt["project"]
        .iter()
        .map(|p| &p["cadTrustProjectId"])
        .collect();
    for (table, rows) in &kenya {
        for r in rows {
            if let Some(u) = r.get("cadTrustUnitId").filter(|u| !u.is_null()) {
                assert!(units.contains(&u), "{table}: unit {u} not exported");
            }
            if let Some(p) = r.get("cadTrustProjectId").filter(|p| !p.is_null()) {
                assert!(projects.contains(&p), "{table}: project {p} not exported");
            }
        }
    }
    let t1 = &kenya["aef_t1_submission"];
    assert_eq!(t1.len(), 1);
    assert_eq!(t1[0]["aefT1SubmissionParty"], "Kenya");
    assert_eq!(t1[0]["aefT1SubmissionReportYear"], scenario::YEAR);
    assert_eq!(kenya["aef_t5_authorized_entities"].len(), 1);
    // One authorisation: the Article 6 block (its buffer block carries no label).
    let t2 = &kenya["aef_t2_authorizations"];
    assert_eq!(t2.len(), 1, "{t2:#?}");
    assert_eq!(t2[0]["aefT2AuthorizationsId"], scenario::ITMO);
    assert_eq!(
        t2[0]["aefT2AuthorizationsQuantity"], 500,
        "the whole issued block"
    );
    assert_eq!(t2[0]["aefT2AuthorizationsAuthorizedPartyId"], "KE");
    assert_eq!(
        t2[0]["aefT2AuthorizationsSector"],
        "Agriculture forestry and other land use (AFOLU)"
    );
    // Issuance (authorisation and first transfer), the retirement (use), the cancellation
    // of the split-off block, the transfer of the rest, in chain order.
    let t3 = &kenya["aef_t3_actions"];
    assert_eq!(
        types(t3),
        [
            "Authorization",
            "First Transfer",
            "Use",
            "Cancellation",
            "Transfer"
        ]
    );
    let range = |r: &Value| {
        let n = |f: &str| r[f].as_str().unwrap().parse::<i64>().unwrap();
        (
            n("aefT3ActionsUnitFirstId"),
            n("aefT3ActionsUnitLastId"),
            r["aefT3ActionsQuantityTCo2"].as_i64().unwrap(),
        )
    };
    let ranges: Vec<(i64, i64, i64)> = t3.iter().map(range).collect();
    let first = ranges[0].0;
    assert_eq!(
        ranges[0],
        (first, first + 499, 500),
        "the whole block is authorised"
    );
    assert_eq!(ranges[1], ranges[0]);
    assert_eq!(
        ranges[2],
        (first + 350, first + 399, 50),
        "the retired serials"
    );
    assert_eq!(
        ranges[3],
        (first + 400, first + 499, 100),
        "the cancelled serials"
    );
    assert_eq!(
        ranges[4],
        (first, first + 349, 350),
        "the rest, transferred"
    );
    let used = &t3[2];
    assert_eq!(used["aefT3ActionsItmoUsedYear"], scenario::YEAR);
    assert_eq!(used["aefT3ActionsUsingParticipatingPartyId"], "KE");
    // Held on 31 December: the 350 t left of the block.
    let t4 = &kenya["aef_t4_holdings"];
    assert_eq!(t4.len(), 1, "{t4:#?}");
    assert_eq!(t4[0]["aefT4HoldingsQuantityTCo2"], 350);
    assert_eq!(t4[0]["aefT4HoldingsUnitFirstId"], first.to_string());
    assert_eq!(t4[0]["aefT4HoldingsMitigationType"], "Removals");
    assert_eq!(
        t4[0]["createdAt"],
        ogcr_export::holdings_instant(scenario::YEAR)
    );

    // A Party hosting no authorised units: a submission and nothing else.
    let brazil = export_aef(
        ex,
        &AefOptions {
            party: "BR".into(),
            year: scenario::YEAR,
        },
    )
    .await;
    assert_eq!(brazil["aef_t1_submission"].len(), 1);
    for t in [
        "aef_t2_authorizations",
        "aef_t3_actions",
        "aef_t4_holdings",
        "aef_t5_authorized_entities",
    ] {
        assert!(brazil[t].is_empty(), "{t}");
    }
    // The year before: nothing had happened yet.
    let before = export_aef(
        ex,
        &AefOptions {
            party: "Kenya".into(),
            year: scenario::YEAR - 1,
        },
    )
    .await;
    assert!(before["aef_t3_actions"].is_empty());
    assert!(before["aef_t4_holdings"].is_empty());
    let err = ex
        .aef_page(
            &AefOptions {
                party: "Atlantis".into(),
                year: 2025,
            },
            "aef_t1_submission",
            1,
            10,
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("unknown Party \"Atlantis\""),
        "{err}"
    );
    kenya
}
