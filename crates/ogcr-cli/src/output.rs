//! How every command prints: JSON under the global `--json` (errors too), else text — aligned
//! `key  value` lines for a record and a table for a list — with colour and progress only on a
//! terminal that has not asked for none (`NO_COLOR`).

use std::{
    io::IsTerminal as _,
    sync::atomic::{AtomicBool, Ordering},
};

use anyhow::Result;
use serde_json::{Value, json};

static JSON: AtomicBool = AtomicBool::new(false);

/// Whether `--json` was given.
pub(crate) fn json() -> bool {
    JSON.load(Ordering::Relaxed)
}

/// Records `--json` (once, from the parsed command line).
pub(crate) fn set_json(on: bool) {
    JSON.store(on, Ordering::Relaxed);
}

/// Whether stderr may carry ANSI codes: a terminal, and `NO_COLOR` unset or empty
/// (<https://no-color.org>).
pub(crate) fn stderr_styled() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Prints `value`: as JSON under `--json`; else a record as aligned `key  value` lines and a
/// list of records as a table (tab-separated when stdout is not a terminal, for `cut` and
/// `awk`).
pub(crate) fn emit(value: &Value) -> Result<()> {
    if json() {
        println!("{}", serde_json::to_string_pretty(value)?);
        return Ok(());
    }
    print!("{}", text(value, std::io::stdout().is_terminal()));
    Ok(())
}

/// The text form of `value` (see [`emit`]).
pub(crate) fn text(value: &Value, terminal: bool) -> String {
    match value {
        Value::Object(map) => {
            let width = map.keys().map(String::len).max().unwrap_or(0);
            map.iter()
                .map(|(k, v)| format!("{k:width$}  {}\n", cell(v)))
                .collect()
        }
        Value::Array(items) if items.is_empty() => "(none)\n".to_owned(),
        Value::Array(items) if items.iter().all(Value::is_object) => table(items, terminal),
        Value::Array(items) => items.iter().map(|i| format!("{}\n", cell(i))).collect(),
        other => format!("{}\n", cell(other)),
    }
}

/// A value in one line: strings as they are, null as `-`, the rest as JSON.
fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    }
}

/// Records as a table whose columns are their keys, in first-seen order.
fn table(items: &[Value], terminal: bool) -> String {
    let mut columns: Vec<&str> = Vec::new();
    for item in items {
        for k in item.as_object().into_iter().flat_map(|m| m.keys()) {
            if !columns.contains(&k.as_str()) {
                columns.push(k);
            }
        }
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| {
            columns
                .iter()
                .map(|c| item.get(*c).map_or_else(|| "-".to_owned(), cell))
                .collect()
        })
        .collect();
    if !terminal {
        let mut out = columns.join("\t");
        out.push('\n');
        for r in rows {
            out.push_str(&r.join("\t"));
            out.push('\n');
        }
        return out;
    }
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::UTF8_HORIZONTAL_ONLY)
        .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
        .set_header(columns.iter().map(|c| c.to_uppercase()));
    for r in rows {
        t.add_row(r);
    }
    format!("{t}\n")
}

/// Prints a failed command's error on stderr: one line of text, or under `--json` an object
/// `{"error": {"message", "causes"}}` (the outermost context first).
pub(crate) fn error(e: &anyhow::Error) {
    if json() {
        let causes: Vec<String> = e.chain().map(ToString::to_string).collect();
        eprintln!(
            "{}",
            json!({"error": {"message": format!("{e:#}"), "causes": causes}})
        );
    } else if stderr_styled() {
        eprintln!("\x1b[1;31mogcr: error:\x1b[0m {e:#}");
    } else {
        eprintln!("ogcr: error: {e:#}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_align_and_lists_are_tables() {
        assert_eq!(
            text(&json!({"token_id": "1", "amount_t": 5, "x": null}), false),
            "token_id  1\namount_t  5\nx         -\n"
        );
        let list = json!([{"id": "1", "t": 5}, {"id": "2", "extra": true}]);
        assert_eq!(text(&list, false), "id\tt\textra\n1\t5\t-\n2\t-\ttrue\n");
        let shown = text(&list, true);
        assert!(shown.contains("ID") && shown.contains("EXTRA"), "{shown}");
        assert_eq!(text(&json!([]), false), "(none)\n");
    }
}
