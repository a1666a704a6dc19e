//! The templates (compiled into the binary) and the filters they use.

use minijinja::{Environment, Value};

use crate::ExplorerConfig;

/// (name, source) of every template.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("home.html", include_str!("../templates/home.html")),
    ("projects.html", include_str!("../templates/projects.html")),
    ("project.html", include_str!("../templates/project.html")),
    ("credits.html", include_str!("../templates/credits.html")),
    ("credit.html", include_str!("../templates/credit.html")),
    (
        "retirements.html",
        include_str!("../templates/retirements.html"),
    ),
    (
        "retirement.html",
        include_str!("../templates/retirement.html"),
    ),
    ("check.html", include_str!("../templates/check.html")),
    ("account.html", include_str!("../templates/account.html")),
    (
        "validation.html",
        include_str!("../templates/validation.html"),
    ),
    ("error.html", include_str!("../templates/error.html")),
];

/// The name of a retirement reason code (ogcr-bindings has the contract's list).
pub fn reason_name(code: i64) -> &'static str {
    ogcr_bindings::errors::retirement_reason(code).unwrap_or("Unknown reason")
}

/// HTML-escapes `s` (for the few strings built outside templates).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// Tonnes with thousands separators and at most three decimals: `4,850.3`.
pub fn tonnes(t: f64) -> String {
    if !t.is_finite() {
        return "–".into();
    }
    let rounded = (t * 1000.0).round() / 1000.0;
    let whole = rounded.trunc();
    let frac = format!("{:.3}", (rounded - whole).abs());
    let frac = frac
        .trim_start_matches('0')
        .trim_end_matches('0')
        .trim_end_matches('.');
    let sign = if rounded < 0.0 && whole == 0.0 {
        "-"
    } else {
        ""
    };
    format!("{sign}{}{frac}", thousands(whole as i64))
}

/// `0x1234…cdef` of a long hex string.
fn short(s: String) -> String {
    if s.len() > 14 && s.starts_with("0x") {
        format!("{}…{}", &s[..6], &s[s.len() - 4..])
    } else {
        s
    }
}

/// An RFC 3339 time as `2026-11-23 10:00 UTC`.
fn when(s: String) -> String {
    match chrono::DateTime::parse_from_rfc3339(&s) {
        Ok(t) => t
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%d %H:%M UTC")
            .to_string(),
        Err(_) => s,
    }
}

/// Words of a snake_case value: `direct_air_capture` → `Direct air capture`.
fn label(s: String) -> String {
    let s = s.replace('_', " ");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => s,
    }
}

/// A number of tonnes or units with thousands separators.
fn num(v: Value) -> String {
    if let Some(n) = v.as_i64() {
        return thousands(n);
    }
    if let Ok(f) = f64::try_from(v.clone()) {
        return tonnes(f);
    }
    v.to_string()
}

/// The template environment for `config`.
pub fn environment(config: &ExplorerConfig) -> Environment<'static> {
    let mut env = Environment::new();
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("the built-in template {name} does not compile: {e:#}"));
    }
    env.add_filter("short", short);
    env.add_filter("when", when);
    env.add_filter("label", label);
    env.add_filter("num", num);
    env.add_filter("reason", |code: i64| reason_name(code));
    let names = config.names.clone();
    env.add_function(
        "name_of",
        move |address: Option<String>| -> Option<String> {
            address.and_then(|a| names.get(&a.to_ascii_lowercase()).cloned())
        },
    );
    env.add_filter("kg_to_t", |kg: Value| -> String {
        let kg = match kg.as_str() {
            Some(s) => s.parse::<f64>().ok(),
            None => f64::try_from(kg).ok(),
        };
        match kg {
            Some(kg) => {
                let t = kg / 1000.0;
                if t.fract() == 0.0 {
                    thousands(t as i64)
                } else {
                    format!("{t:.3}")
                }
            }
            None => "–".into(),
        }
    });
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_get_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(-1234567), "-1,234,567");
        assert_eq!(tonnes(4850.3), "4,850.3");
        assert_eq!(tonnes(1200.0), "1,200");
        assert_eq!(tonnes(0.0125), "0.013");
    }

    #[test]
    fn every_reason_code_the_contract_accepts_has_a_name() {
        for code in 0..=4 {
            assert_ne!(reason_name(code), "Unknown reason", "{code}");
        }
        assert_eq!(reason_name(9), "Unknown reason");
    }

    #[test]
    fn every_template_compiles() {
        let env = environment(&ExplorerConfig::default());
        for (name, _) in TEMPLATES {
            env.get_template(name).unwrap();
        }
    }
}
