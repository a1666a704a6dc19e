//! CS-01 §1.2 canonical serialization, byte-compatible with the TypeScript reference.
//!
//! The reference computes `JSON.stringify(sortKeys(JSON.parse(input)))` where `sortKeys`
//! rebuilds every plain object with `Object.keys(obj).sort()` and returns arrays and
//! primitives untouched. Reproducing its bytes needs the JavaScript data model, not
//! serde_json's:
//!
//! * **Strings are UTF-16.** [`JsString`](crate::cs01::canonical::JsString) holds UTF-16 code units, so a lone surrogate
//!   written as `"\ud800"` in the input survives parsing (serde_json would reject it) and
//!   is printed back as `\ud800`, as `JSON.stringify` does. Keys are sorted by code unit,
//!   which is JavaScript's default `sort()` order (`"\u{FF61}"` sorts *after*
//!   `"\u{1F600}"`, the opposite of UTF-8 byte order).
//! * **Objects follow JavaScript property order.** Array-index keys (canonical decimal
//!   integers below 2³²−1, e.g. `"0"`, `"10"`, `"4294967294"`) always come first in
//!   ascending numeric order, then the other keys in insertion order. So the sorted
//!   object `{"10":…,"2":…,"a":…}` prints as `{"2":…,"10":…,"a":…}`.
//! * **Duplicate keys** keep the position of their first occurrence and the last value.
//! * **Objects inside arrays are not sorted** (`sortKeys` returns arrays as they are);
//!   their key order is the JavaScript property order of the parsed object.
//! * **Numbers are IEEE doubles**, printed with ECMAScript `Number::toString` (shortest
//!   round-trip digits, via `ryu-js`): `1.0` → `1`, `1e21` → `1e+21`, `-0` → `0`, big
//!   integers lose precision exactly as in JavaScript, and literals that overflow to
//!   ±Infinity print as `null` (what `JSON.stringify` does with non-finite numbers).
//! * **`__proto__`**: the reference rebuilds objects by plain assignment
//!   (`sorted[k] = …`), and assigning `"__proto__"` hits the prototype setter instead of
//!   creating a property, so that key disappears from every *sorted* object. We drop it
//!   too; inside arrays (not rebuilt) it is kept.
//!
//! Deviations, by design: input must be valid UTF-8 text; nesting deeper than
//! [`MAX_DEPTH`](crate::cs01::canonical::MAX_DEPTH) is rejected instead of risking a stack overflow.

use std::{collections::HashMap, fmt::Write as _};

use crate::{Error, Result};

/// Maximum nesting depth of arrays and objects accepted by [`parse`].
pub const MAX_DEPTH: usize = 256;

/// A JavaScript string: a sequence of UTF-16 code units, possibly ill-formed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct JsString(pub Vec<u16>);

impl JsString {
    /// The array index this key denotes in JavaScript property ordering, if any.
    ///
    /// An array index is the canonical decimal form of an integer in `0..=2³²−2`.
    pub fn array_index(&self) -> Option<u32> {
        let units = &self.0;
        if units.is_empty() || units.len() > 10 {
            return None;
        }
        if units.len() > 1 && units[0] == u16::from(b'0') {
            return None;
        }
        let mut value: u64 = 0;
        for &u in units {
            if !(u16::from(b'0')..=u16::from(b'9')).contains(&u) {
                return None;
            }
            value = value * 10 + u64::from(u - u16::from(b'0'));
        }
        if value < u64::from(u32::MAX) {
            u32::try_from(value).ok()
        } else {
            None
        }
    }

    /// Lossy conversion for messages (lone surrogates become U+FFFD).
    pub fn to_string_lossy(&self) -> String {
        String::from_utf16_lossy(&self.0)
    }
}

impl From<&str> for JsString {
    fn from(s: &str) -> Self {
        Self(s.encode_utf16().collect())
    }
}

/// A JSON value as JavaScript holds it after `JSON.parse`.
#[derive(Debug, Clone, PartialEq)]
pub enum JsValue {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number (IEEE 754 double, may be ±Infinity after overflow).
    Number(f64),
    /// A string.
    String(JsString),
    /// An array.
    Array(Vec<JsValue>),
    /// An object.
    Object(JsObject),
}

impl JsValue {
    /// The JSON type name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool(_) => "boolean",
            Self::Number(_) => "number",
            Self::String(_) => "string",
            Self::Array(_) => "array",
            Self::Object(_) => "object",
        }
    }

    /// Serializes as `JSON.stringify(value)` does (no whitespace).
    pub fn to_json_string(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Self::Null => out.push_str("null"),
            Self::Bool(true) => out.push_str("true"),
            Self::Bool(false) => out.push_str("false"),
            Self::Number(n) => write_number(*n, out),
            Self::String(s) => quote_utf16(&s.0, out),
            Self::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
            Self::Object(obj) => {
                out.push('{');
                for (i, (key, value)) in obj.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    quote_utf16(&key.0, out);
                    out.push(':');
                    value.write_json(out);
                }
                out.push('}');
            }
        }
    }
}

impl From<&serde_json::Value> for JsValue {
    fn from(value: &serde_json::Value) -> Self {
        match value {
            serde_json::Value::Null => Self::Null,
            serde_json::Value::Bool(b) => Self::Bool(*b),
            // `as_f64` rounds to nearest, like JavaScript's parse of the decimal literal.
            serde_json::Value::Number(n) => Self::Number(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Self::String(JsString::from(s.as_str())),
            serde_json::Value::Array(items) => Self::Array(items.iter().map(Self::from).collect()),
            serde_json::Value::Object(map) => {
                let mut obj = JsObject::default();
                for (k, v) in map {
                    obj.insert(JsString::from(k.as_str()), Self::from(v));
                }
                Self::Object(obj)
            }
        }
    }
}

/// A JavaScript object: unique keys, iterated in JavaScript property order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JsObject {
    entries: Vec<(JsString, JsValue)>,
    index: HashMap<JsString, usize>,
}

impl JsObject {
    /// Sets `key` to `value`. An existing key keeps its position and takes the new value.
    pub fn insert(&mut self, key: JsString, value: JsValue) {
        if let Some(&i) = self.index.get(&key) {
            self.entries[i].1 = value;
        } else {
            self.index.insert(key.clone(), self.entries.len());
            self.entries.push((key, value));
        }
    }

    /// Looks a key up.
    pub fn get(&self, key: &str) -> Option<&JsValue> {
        self.index
            .get(&JsString::from(key))
            .map(|&i| &self.entries[i].1)
    }

    /// Number of properties.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the object has no properties.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Properties in JavaScript order (`Object.keys` order): array indices ascending,
    /// then the other keys in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&JsString, &JsValue)> {
        let mut indexed: Vec<(u32, usize)> = self
            .entries
            .iter()
            .enumerate()
            .filter_map(|(i, (k, _))| k.array_index().map(|n| (n, i)))
            .collect();
        indexed.sort_unstable();
        let others = self
            .entries
            .iter()
            .filter(|(k, _)| k.array_index().is_none());
        indexed
            .into_iter()
            .map(|(_, i)| &self.entries[i])
            .chain(others)
            .map(|(k, v)| (k, v))
    }
}

/// The reference `sortKeys`: objects are rebuilt with their keys in UTF-16 code unit
/// order (recursively); arrays and primitives are returned as they are.
pub fn sort_keys(value: &JsValue) -> JsValue {
    match value {
        JsValue::Object(obj) => {
            let proto = JsString::from("__proto__");
            let mut keys: Vec<(&JsString, &JsValue)> = obj.iter().collect();
            keys.sort_by(|a, b| a.0.cmp(b.0));
            let mut sorted = JsObject::default();
            for (k, v) in keys {
                // `sorted["__proto__"] = v` sets the prototype: no own property results.
                if *k != proto {
                    sorted.insert(k.clone(), sort_keys(v));
                }
            }
            JsValue::Object(sorted)
        }
        other => other.clone(),
    }
}

/// Parses JSON text exactly as `JSON.parse` would, keeping strings as UTF-16.
pub fn parse(text: &str) -> Result<JsValue> {
    let mut p = Parser {
        src: text.as_bytes(),
        text,
        pos: 0,
    };
    p.skip_ws();
    let value = p.value(0)?;
    p.skip_ws();
    if p.pos < p.src.len() {
        return Err(p.error("unexpected data after the JSON value"));
    }
    Ok(value)
}

/// The CS-01 canonical summary of a JSON text: `JSON.stringify(sortKeys(JSON.parse(text)))`.
///
/// The summary must be a JSON object (CS-01 §1.1); anything else is rejected.
pub fn canonical_summary(text: &str) -> Result<String> {
    let value = parse(text)?;
    canonical_summary_of(&value)
}

/// The canonical summary of an already parsed value (must be an object).
pub fn canonical_summary_of(value: &JsValue) -> Result<String> {
    match value {
        JsValue::Object(_) => Ok(sort_keys(value).to_json_string()),
        other => Err(Error::SummaryNotObject {
            found: other.type_name(),
        }),
    }
}

/// Quotes a Rust string exactly as `JSON.stringify` quotes a string.
pub fn quote_str(s: &str) -> String {
    let units: Vec<u16> = s.encode_utf16().collect();
    let mut out = String::with_capacity(s.len() + 2);
    quote_utf16(&units, &mut out);
    out
}

/// `JSON.stringify` string quoting (ECMAScript `QuoteJSONString`, well-formed variant).
fn quote_utf16(units: &[u16], out: &mut String) {
    out.push('"');
    for decoded in char::decode_utf16(units.iter().copied()) {
        match decoded {
            Ok(c) => match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => out.push(c),
            },
            Err(lone) => {
                let _ = write!(out, "\\u{:04x}", lone.unpaired_surrogate());
            }
        }
    }
    out.push('"');
}

/// ECMAScript `Number::toString`, with `JSON.stringify`'s `null` for non-finite values.
fn write_number(n: f64, out: &mut String) {
    if n.is_finite() {
        let mut buf = ryu_js::Buffer::new();
        out.push_str(buf.format_finite(n));
    } else {
        out.push_str("null");
    }
}

/// ECMAScript `Number::toString` of a finite double (`-0` prints as `0`).
pub fn number_to_string(n: f64) -> String {
    let mut out = String::new();
    write_number(n, &mut out);
    out
}

struct Parser<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, reason: &str) -> Error {
        Error::InvalidJson {
            position: self.pos,
            reason: reason.to_owned(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect_literal(&mut self, lit: &str, value: JsValue) -> Result<JsValue> {
        if self.src[self.pos..].starts_with(lit.as_bytes()) {
            self.pos += lit.len();
            Ok(value)
        } else {
            Err(self.error("invalid literal"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<JsValue> {
        match self.peek() {
            None => Err(self.error("unexpected end of input")),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => Ok(JsValue::String(self.string()?)),
            Some(b't') => self.expect_literal("true", JsValue::Bool(true)),
            Some(b'f') => self.expect_literal("false", JsValue::Bool(false)),
            Some(b'n') => self.expect_literal("null", JsValue::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("unexpected character")),
        }
    }

    fn check_depth(&self, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(self.error(&format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn object(&mut self, depth: usize) -> Result<JsValue> {
        self.check_depth(depth)?;
        self.pos += 1; // '{'
        let mut obj = JsObject::default();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(JsValue::Object(obj));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a string key"));
            }
            let key = self.string()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.error("expected ':' after the key"));
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value(depth)?;
            obj.insert(key, value);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(JsValue::Object(obj));
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<JsValue> {
        self.check_depth(depth)?;
        self.pos += 1; // '['
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(JsValue::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(JsValue::Array(items));
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u16> {
        let digits = self
            .src
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.error("truncated \\u escape"))?;
        let mut v: u16 = 0;
        for &d in digits {
            let nibble = (d as char)
                .to_digit(16)
                .ok_or_else(|| self.error("invalid \\u escape"))?;
            v = v * 16 + u16::try_from(nibble).unwrap_or(0);
        }
        self.pos += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<JsString> {
        self.pos += 1; // opening quote
        let mut units = Vec::new();
        loop {
            let start = self.pos;
            // Copy a run of plain characters at once.
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            if self.pos > start {
                // `start` and `pos` sit on ASCII bytes or the end, so both are char boundaries.
                let run = self
                    .text
                    .get(start..self.pos)
                    .ok_or_else(|| self.error("invalid UTF-8"))?;
                units.extend(run.encode_utf16());
            }
            match self.peek() {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(JsString(units));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let esc = self
                        .peek()
                        .ok_or_else(|| self.error("unterminated escape"))?;
                    self.pos += 1;
                    let unit = match esc {
                        b'"' => 0x22,
                        b'\\' => 0x5c,
                        b'/' => 0x2f,
                        b'b' => 0x08,
                        b'f' => 0x0c,
                        b'n' => 0x0a,
                        b'r' => 0x0d,
                        b't' => 0x09,
                        b'u' => self.hex4()?,
                        _ => {
                            self.pos -= 1;
                            return Err(self.error("invalid escape"));
                        }
                    };
                    units.push(unit);
                }
                Some(_) => return Err(self.error("control character in string")),
            }
        }
    }

    fn number(&mut self) -> Result<JsValue> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = self.peek() {
                    self.pos += 1;
                }
            }
            _ => return Err(self.error("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("invalid number: digit expected after '.'"));
            }
            while let Some(b'0'..=b'9') = self.peek() {
                self.pos += 1;
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("invalid number: digit expected in exponent"));
            }
            while let Some(b'0'..=b'9') = self.peek() {
                self.pos += 1;
            }
        }
        let literal = &self.text[start..self.pos];
        // Rust's float parsing is correctly rounded and saturates to ±inf, like JavaScript.
        literal
            .parse::<f64>()
            .map(JsValue::Number)
            .map_err(|_| self.error("invalid number"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        canonical_summary(s).unwrap()
    }

    #[test]
    fn sorts_keys_recursively_but_not_inside_arrays() {
        assert_eq!(
            canon(r#"{"b":2,"a":{"d":1,"c":[{"z":1,"y":2}]}}"#),
            r#"{"a":{"c":[{"z":1,"y":2}],"d":1},"b":2}"#
        );
    }

    #[test]
    fn array_index_keys() {
        assert_eq!(JsString::from("0").array_index(), Some(0));
        assert_eq!(
            JsString::from("4294967294").array_index(),
            Some(4_294_967_294)
        );
        assert_eq!(JsString::from("4294967295").array_index(), None);
        assert_eq!(JsString::from("01").array_index(), None);
        assert_eq!(JsString::from("-1").array_index(), None);
        assert_eq!(JsString::from("").array_index(), None);
        assert_eq!(JsString::from("99999999999").array_index(), None);
    }

    #[test]
    fn numbers_follow_ecmascript() {
        for (input, expected) in [
            ("1.0", "1"),
            ("-0", "0"),
            ("1e21", "1e+21"),
            ("1e20", "100000000000000000000"),
            ("1e-7", "1e-7"),
            ("0.000001", "0.000001"),
            ("5e-324", "5e-324"),
            ("1e400", "null"),
        ] {
            let JsValue::Number(n) = parse(input).unwrap() else {
                panic!("not a number")
            };
            let mut out = String::new();
            write_number(n, &mut out);
            assert_eq!(out, expected, "{input}");
        }
    }

    #[test]
    fn lone_surrogates_round_trip() {
        assert_eq!(canon(r#"{"\udc00":"\ud800x"}"#), r#"{"\udc00":"\ud800x"}"#);
    }

    #[test]
    fn rejects_non_objects_and_bad_json() {
        assert!(matches!(
            canonical_summary("[1]"),
            Err(Error::SummaryNotObject { found: "array" })
        ));
        assert!(matches!(
            canonical_summary("\"x\""),
            Err(Error::SummaryNotObject { found: "string" })
        ));
        for bad in [
            "",
            "{",
            "{\"a\":}",
            "{\"a\":1,}",
            "[1,]",
            "01",
            "1.",
            "-",
            "+1",
            "{\"a\" 1}",
            "\"\\x\"",
            "\"\u{1}\"",
            "nul",
            "{} x",
            "\"\\u12\"",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} must be rejected");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000);
        assert!(parse(&deep).is_err());
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn quote_matches_json_stringify() {
        assert_eq!(
            quote_str("a\"b\\c\u{1}\u{7f}\u{2028}é"),
            "\"a\\\"b\\\\c\\u0001\u{7f}\u{2028}é\""
        );
    }
}
