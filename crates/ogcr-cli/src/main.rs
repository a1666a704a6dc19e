//! `ogcr`, the command-line tool of the Open Geospatial Carbon Registry.
//!
//! One subcommand group per module; later groups (deploy, project, mrv, cru, index,
//! serve) are added as further variants of [`Command`].

/// mimalloc rather than glibc's malloc: the server allocates per row and per response on
/// every worker thread, where glibc's arenas contend.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::{CommandFactory as _, Parser, Subcommand};

/// `ogcr mrv attest`.
mod attest;
/// Options shared by the chain commands.
mod chain;
/// OAuth 2.0 clients and the access-token signing key.
mod clients;
/// CS-01 dataset commitments and attestations.
mod cs01;
/// CAD Trust and Article 6 exports.
mod export;
/// The indexer command.
mod index;
/// Reading command arguments that hold JSON inline or as `@file`.
mod input;
/// Account and transaction views.
mod inspect;
/// Write API keys and the audit log.
mod keys;
/// Deploy, roles, pause, project, mrv and cru commands.
mod lifecycle;
/// Project and report lists from the read API.
mod lists;
/// How commands print: JSON, records, tables, errors.
mod output;
/// The stack profile `ogcr up` writes and every command reads.
mod profile;
/// The read API server.
mod serve;
/// Ctrl-C and SIGTERM.
mod signals;
/// The whole registry in one process.
mod up;
/// OAuth 2.0 organization users.
mod users;
/// OGCR document validation.
mod validate;

/// Open Geospatial Carbon Registry tool.
///
/// Deploy the registry contracts and drive the whole lifecycle (projects, MRV reports and
/// their verification, Carbon Removal Units), commit to MRV datasets and attest them
/// (CS-01: HMAC proof of concept or EIP-712), and validate OGCR PDD/MRV documents.
///
/// Examples:
///
///   ogcr deploy --private-key $KEY
///   ogcr project register project.geojson --private-key $DEVELOPER_KEY
///   ogcr mrv submit report.geojson --commitment @commitment.json --private-key $DEVELOPER_KEY
///   ogcr cru retire 1 --amount 100 --beneficiary "Acme Airlines" --private-key $HOLDER_KEY
///   ogcr cs01 commit emissions-2024-Q1 '{"period":"2024-Q1","tCO2e":1200}'
///   ogcr validate project.geojson
///   ogcr index --once
///   ogcr serve
///   ogcr up
#[derive(Debug, Parser)]
#[command(
    name = "ogcr",
    version,
    about,
    long_about,
    propagate_version = true,
    verbatim_doc_comment
)]
struct Cli {
    /// Log filter for diagnostics on stderr (e.g. `debug`, `ogcr=trace`).
    #[arg(long, global = true, env = "OGCR_LOG", default_value = "warn")]
    log: String,

    /// Print JSON instead of text: results on stdout, and a failure as
    /// `{"error": {"message", "causes"}}` on stderr (exit status 2).
    #[arg(long, global = true)]
    json: bool,

    /// The stack profile to read settings from (`ogcr up` writes `.ogcr/profile.toml`, read by
    /// default when present; `none`: read none). A flag or an OGCR_* variable still wins.
    #[arg(long, global = true, env = "OGCR_PROFILE", value_name = "FILE")]
    profile: Option<std::path::PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    // Help text comes from the argument structs' doc comments.
    Cs01(cs01::Cs01Args),
    Validate(validate::ValidateArgs),
    Deploy(lifecycle::DeployArgs),
    Roles(lifecycle::RolesArgs),
    Pause(lifecycle::PauseArgs),
    Unpause(lifecycle::UnpauseArgs),
    Project(lifecycle::ProjectArgs),
    Mrv(lifecycle::MrvArgs),
    Cru(lifecycle::CruArgs),
    Index(index::IndexArgs),
    Serve(serve::ServeArgs),
    Up(up::UpArgs),
    Export(export::ExportArgs),
    Keys(keys::KeysArgs),
    Audit(keys::AuditArgs),
    Clients(clients::ClientsArgs),
    Users(users::UsersArgs),
    #[command(name = "oauth")]
    OAuth(clients::OAuthArgs),
    Account(inspect::AccountArgs),
    Tx(inspect::TxArgs),
    /// Print a completion script for SHELL on stdout.
    ///
    /// Examples:
    ///
    ///   ogcr completions bash > ~/.local/share/bash-completion/completions/ogcr
    ///   ogcr completions zsh > "${fpath[1]}/_ogcr"
    ///   ogcr completions fish > ~/.config/fish/completions/ogcr.fish
    #[command(verbatim_doc_comment)]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// What a command reports to the shell: success, or a negative result (exit 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Everything checked out.
    Success,
    /// The command ran but its answer is "no" (invalid signature, invalid document).
    Negative,
}

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    output::set_json(cli.json);
    // `ogcr up` writes the profile; every other command reads it, then parses again so the
    // profile's values stand where no flag or variable gave one.
    if !matches!(cli.command, Command::Up(_)) {
        match profile::apply(cli.profile.as_deref()) {
            Ok(Some(_)) => cli = Cli::parse(),
            Ok(None) => {}
            Err(e) => {
                output::error(&e);
                return ExitCode::from(2);
            }
        }
    }
    if !matches!(
        cli.command,
        Command::Serve(_) | Command::Up(_) | Command::Index(_)
    ) {
        // A short-lived command whose reader went away (`ogcr cru list … | head -1`) ends
        // quietly, as Unix tools do, instead of panicking on the broken pipe. The servers keep
        // Rust's default (ignored): a closed socket or child pipe must not end them.
        // SAFETY: called before any thread starts; SIG_DFL is a valid disposition.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    ogcr_client::registry::ensure_tls_provider();
    tracing_subscriber::fmt()
        .with_ansi(output::stderr_styled())
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&cli.log)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let result = match cli.command {
        Command::Cs01(args) => cs01::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Deploy(args) => lifecycle::deploy(args),
        Command::Roles(args) => lifecycle::roles(args),
        Command::Pause(args) => lifecycle::pause(args),
        Command::Unpause(args) => lifecycle::unpause(args),
        Command::Project(args) => lifecycle::project(args),
        Command::Mrv(args) => lifecycle::mrv(args),
        Command::Cru(args) => lifecycle::cru(args),
        Command::Index(args) => index::index(args),
        Command::Serve(args) => serve::serve(args),
        Command::Up(args) => up::up(args),
        Command::Export(args) => export::export(args),
        Command::Keys(args) => keys::keys(args),
        Command::Audit(args) => keys::audit(args),
        Command::Clients(args) => clients::clients(args),
        Command::Users(args) => users::users(args),
        Command::OAuth(args) => clients::oauth(args),
        Command::Account(args) => inspect::account(args),
        Command::Tx(args) => inspect::tx(args),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "ogcr", &mut std::io::stdout());
            Ok(Outcome::Success)
        }
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Negative) => ExitCode::from(1),
        Err(e) => {
            output::error(&e);
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    /// The leaf commands (no subcommand of their own), by their full path.
    fn leaves(cmd: &clap::Command, path: &str, out: &mut Vec<(String, clap::Command)>) {
        let subs: Vec<&clap::Command> = cmd
            .get_subcommands()
            .filter(|s| s.get_name() != "help")
            .collect();
        if subs.is_empty() {
            out.push((path.to_owned(), cmd.clone()));
        }
        for s in subs {
            leaves(s, &format!("{path} {}", s.get_name()), out);
        }
    }

    #[test]
    fn every_leaf_command_teaches_by_example() {
        let mut all = Vec::new();
        leaves(&super::Cli::command(), "ogcr", &mut all);
        assert!(all.len() > 40, "{} leaves", all.len());
        let missing: Vec<String> = all
            .into_iter()
            .filter_map(|(p, mut c)| {
                let help = c.render_long_help().to_string();
                // The examples are in the description, before the usage line.
                let about = help.split("Usage:").next().unwrap_or_default();
                (!(about.contains("Example") && about.contains("ogcr "))).then_some(p)
            })
            .collect();
        assert!(missing.is_empty(), "no example in --help of: {missing:#?}");
    }

    /// The words of a shell command line: quotes removed, `$VAR` kept as a word.
    fn words(line: &str) -> Vec<String> {
        let (mut out, mut cur, mut quote, mut any) = (Vec::new(), String::new(), None, false);
        for c in line.chars() {
            match (quote, c) {
                (None, '\'' | '"') => {
                    quote = Some(c);
                    any = true;
                }
                (Some(q), c) if c == q => quote = None,
                (None, c) if c.is_whitespace() => {
                    if any || !cur.is_empty() {
                        out.push(std::mem::take(&mut cur));
                    }
                    any = false;
                }
                (_, c) => cur.push(c),
            }
        }
        if any || !cur.is_empty() {
            out.push(cur);
        }
        out
    }

    /// Every command, by its full path.
    fn commands(cmd: &clap::Command, path: &str, out: &mut Vec<(String, clap::Command)>) {
        out.push((path.to_owned(), cmd.clone()));
        for s in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            commands(s, &format!("{path} {}", s.get_name()), out);
        }
    }

    #[test]
    fn every_example_in_the_help_parses() {
        let mut all = Vec::new();
        commands(&super::Cli::command(), "ogcr", &mut all);
        let mut seen = 0;
        let mut bad = Vec::new();
        for (path, mut c) in all {
            let help = c.render_long_help().to_string();
            let about = help.split("Usage:").next().unwrap_or_default().to_owned();
            // Continuation lines joined; each `ogcr …` up to a redirection, pipe or `&&`.
            let text = about.replace("\\\n", " ");
            for line in text.lines() {
                // An example line: `ogcr …`, `VAR=value ogcr …` or `Example: ogcr …`.
                let t = line.trim_start();
                let t = t.strip_prefix("Example: ").unwrap_or(t);
                let lead = t.split_whitespace().next().unwrap_or_default();
                let example = lead == "ogcr"
                    || (lead.contains('=') && t.split_whitespace().nth(1) == Some("ogcr"));
                if !example {
                    continue;
                }
                let Some(at) = line.find("ogcr ") else {
                    continue;
                };
                let cmd = line[at..]
                    .split(" #")
                    .next()
                    .unwrap_or_default()
                    .split(['>', '|'])
                    .next()
                    .unwrap_or_default()
                    .split("&&")
                    .next()
                    .unwrap_or_default();
                let argv = words(cmd);
                if argv.len() < 2 || argv[1].starts_with('`') {
                    continue;
                }
                seen += 1;
                if let Err(e) = <super::Cli as clap::Parser>::try_parse_from(&argv) {
                    bad.push(format!("{path}: {cmd}\n  {}", e.render()));
                }
            }
        }
        assert!(seen > 50, "only {seen} examples found");
        assert!(
            bad.is_empty(),
            "examples that do not parse:\n{}",
            bad.join("\n")
        );
    }
}
