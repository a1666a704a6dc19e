//! Canonical summary: known answers computed by Node, and properties.

use ogcr_core::cs01::{
    canonical::{JsObject, JsString, JsValue, canonical_summary, canonical_summary_of, parse},
    commitment::sha256_hex,
    hash_summary,
};
use proptest::prelude::*;

#[derive(serde::Deserialize)]
struct KnownAnswers {
    cases: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    name: String,
    input: String,
    canonical: String,
    sha256: String,
}

fn known_answers() -> Vec<Case> {
    let text = include_str!("../fixtures/cs01/known-answers.json");
    serde_json::from_str::<KnownAnswers>(text)
        .expect("fixture parses")
        .cases
}

#[test]
fn matches_node_known_answers() {
    let cases = known_answers();
    assert!(cases.len() >= 35, "fixture has all the cases");
    for case in cases {
        let got = canonical_summary(&case.input).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(got, case.canonical, "canonical form of {}", case.name);
        assert_eq!(
            sha256_hex(got.as_bytes()),
            case.sha256,
            "hash of {}",
            case.name
        );
        assert_eq!(
            hash_summary(&case.input).unwrap(),
            case.sha256,
            "hash_summary of {}",
            case.name
        );
    }
}

#[test]
fn known_answers_cover_the_required_edge_cases() {
    let names: Vec<String> = known_answers().into_iter().map(|c| c.name).collect();
    for required in [
        "num-one-point-zero",
        "num-1e21",
        "num-1e-7",
        "num-minus-zero",
        "num-0.1",
        "num-0.1-plus-0.2",
        "num-big-integer",
        "num-min-subnormal",
        "num-max-double",
        "num-100",
        "num-1e20",
        "unicode-non-bmp",
        "unicode-combining",
        "unicode-utf16-vs-utf8-order",
        "escape-control-chars",
        "escape-line-separators",
        "escape-quotes-backslash-slash",
        "escape-lone-high-surrogate",
        "keys-integer-like",
    ] {
        assert!(
            names.iter().any(|n| n == required),
            "missing known answer {required}"
        );
    }
}

#[test]
fn utf16_order_differs_from_utf8_order() {
    // U+FF61 < U+1F600 in UTF-8 bytes, but its UTF-16 unit 0xFF61 > 0xD83D.
    assert!("\u{FF61}".as_bytes() < "\u{1F600}".as_bytes());
    assert_eq!(
        canonical_summary(r#"{"｡":1,"😀":2}"#).unwrap(),
        r#"{"😀":2,"｡":1}"#
    );
}

#[test]
fn rejects_non_object_summaries_with_a_clear_error() {
    for (input, kind) in [
        ("[]", "array"),
        ("1", "number"),
        ("null", "null"),
        ("true", "boolean"),
        ("\"s\"", "string"),
    ] {
        let err = canonical_summary(input).unwrap_err().to_string();
        assert_eq!(err, format!("summary must be a json object, got {kind}"));
    }
    let err = canonical_summary("{\"a\":").unwrap_err().to_string();
    assert!(err.starts_with("invalid json at byte 5"), "{err}");
}

/// Strategy for JSON values (keys drawn to hit index keys, unicode and escapes).
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let key = prop_oneof![
        "[a-z]{0,3}",
        "(0|[1-9][0-9]{0,3})",
        Just("\u{FF61}".to_owned()),
        Just("\u{1F600}".to_owned()),
        "[\\u{0}-\\u{1f}\"\\\\é]{1,2}",
    ];
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| serde_json::json!(f)),
        ".{0,8}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn object_of(pairs: Vec<(String, serde_json::Value)>) -> JsValue {
    let mut obj = JsObject::default();
    for (k, v) in pairs {
        obj.insert(JsString::from(k.as_str()), JsValue::from(&v));
    }
    JsValue::Object(obj)
}

proptest! {
    #[test]
    fn key_permutations_give_one_hash(
        pairs in prop::collection::btree_map("[a-zA-Z0-9_]{1,6}", json_value(), 0..8),
        seed in any::<u64>(),
    ) {
        let forward: Vec<_> = pairs.clone().into_iter().collect();
        let mut shuffled = forward.clone();
        // Deterministic shuffle from the seed.
        let mut s = seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        let a = canonical_summary_of(&object_of(forward)).unwrap();
        let b = canonical_summary_of(&object_of(shuffled)).unwrap();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn canonical_form_is_idempotent(value in json_value()) {
        let top = serde_json::json!({ "v": value });
        let text = serde_json::to_string(&top).unwrap();
        let once = canonical_summary(&text).unwrap();
        let twice = canonical_summary(&once).unwrap();
        prop_assert_eq!(&once, &twice);
        // And it is valid JSON meaning the same numbers and strings.
        let reparsed: serde_json::Value = serde_json::from_str(&once).unwrap();
        prop_assert!(reparsed.is_object());
    }

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,64}") {
        let _ = canonical_summary(&text);
        let _ = parse(&text);
    }
}
