//! Duplicate object keys. JSON (RFC 8259 §4) leaves their meaning open and parsers differ —
//! most keep the last, some the first, some refuse — so a document with one could be read as
//! two different documents behind one anchored hash. ogcr refuses them in every document it
//! validates or anchors.

use std::{collections::HashSet, fmt};

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// The first duplicated key of a JSON text: the JSON pointer of its object and the key.
pub fn first_duplicate_key(text: &str) -> Option<(String, String)> {
    let mut de = serde_json::Deserializer::from_str(text);
    let mut found = None;
    // A syntax error is reported by the parse proper; only duplicates are looked for here.
    let _ = Walk {
        path: String::new(),
        found: &mut found,
    }
    .deserialize(&mut de);
    found
}

/// Escapes a key as a JSON pointer token (RFC 6901).
fn token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

struct Walk<'a> {
    path: String,
    found: &'a mut Option<(String, String)>,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        loop {
            let item = Walk {
                path: format!("{}/{i}", self.path),
                found: &mut *self.found,
            };
            if seq.next_element_seed(item)?.is_none() {
                return Ok(());
            }
            if self.found.is_some() {
                return Err(de::Error::custom("duplicate key"));
            }
            i += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                *self.found = Some((self.path.clone(), key));
                return Err(de::Error::custom("duplicate key"));
            }
            let value = Walk {
                path: format!("{}/{}", self.path, token(&key)),
                found: &mut *self.found,
            };
            map.next_value_seed(value)?;
            if self.found.is_some() {
                return Err(de::Error::custom("duplicate key"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_found_with_their_object() {
        assert_eq!(first_duplicate_key(r#"{"a":1,"b":2}"#), None);
        assert_eq!(
            first_duplicate_key(r#"{"id":"A","x":1,"id":"B"}"#),
            Some((String::new(), "id".into()))
        );
        assert_eq!(
            first_duplicate_key(r#"{"p":{"q":[1,{"a/b":0,"a/b":1}]}}"#),
            Some(("/p/q/1".into(), "a/b".into()))
        );
        // The same key in sibling objects is no duplicate.
        assert_eq!(first_duplicate_key(r#"[{"a":1},{"a":2}]"#), None);
        assert_eq!(first_duplicate_key("not json"), None);
    }
}
