//! Arguments that hold JSON inline, as `@path/to/file.json`, or `@-` for stdin.

use std::io::Read as _;

use anyhow::{Context as _, Result};

/// The JSON text of an argument: inline, `@file`, or `@-` (stdin).
pub(crate) fn json_arg(arg: &str, what: &str) -> Result<String> {
    match arg.strip_prefix('@') {
        Some("-") => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .with_context(|| format!("reading {what} from stdin"))?;
            Ok(s)
        }
        Some(path) => {
            std::fs::read_to_string(path).with_context(|| format!("reading {what} from {path}"))
        }
        None => Ok(arg.to_owned()),
    }
}
