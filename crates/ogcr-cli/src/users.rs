//! `ogcr users`: the people of organizations who sign in at the OAuth authorization endpoint.

use std::io::{BufRead, IsTerminal};

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use ogcr_write::Scope;

use crate::{
    Outcome,
    clients::{open, time},
    index::DatabaseArgs,
};

/// Manage the organization users of the OAuth 2.0 server.
///
/// A user signs in on the page of /oauth/authorize when an application (a client of the same
/// organization) asks for access; the token then acts for the organization with the scopes
/// both the client and the user hold. The password is read from a prompt (not echoed), or
/// from the first line of standard input when it is not a terminal — never from an argument,
/// which other users of the machine could read. It is stored as an argon2id hash only.
///
/// Examples:
///
///   ogcr users create alice --org holder --scopes credits:transfer,credits:retire
///   printf '%s\n' "$PASSWORD" | ogcr users create ci-bot --org developer --scopes projects:write
///   ogcr users disable alice
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct UsersArgs {
    #[command(subcommand)]
    command: UsersCommand,
}

#[derive(Debug, Subcommand)]
enum UsersCommand {
    /// Create a user; the password is asked for (or read from stdin).
    ///
    /// Examples:
    ///
    ///   ogcr users create alice --org holder --scopes credits:retire
    #[command(verbatim_doc_comment)]
    Create(CreateArgs),
    /// Disable a user: no more sign-ins, and the tokens issued to them stop working at once.
    ///
    /// Examples:
    ///
    ///   ogcr users disable alice
    #[command(verbatim_doc_comment)]
    Disable(DisableArgs),
}

#[derive(Debug, Args)]
struct CreateArgs {
    /// User name (what they type to sign in): 1–64 of a-z, 0-9, '.', '_', '-', '@'.
    username: String,
    /// The user's organization.
    #[arg(long)]
    org: String,
    /// Scopes the user may grant to applications, comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    scopes: Vec<String>,
    #[command(flatten)]
    db: DatabaseArgs,
}

#[derive(Debug, Args)]
struct DisableArgs {
    /// User name.
    username: String,
    #[command(flatten)]
    db: DatabaseArgs,
}

fn check_username(u: &str) -> Result<()> {
    let ok = (1..=64).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-@".contains(&b));
    if !ok {
        bail!("user name {u:?}: 1–64 of a-z, 0-9, '.', '_', '-', '@'");
    }
    Ok(())
}

/// The password: prompted twice on a terminal, else the first line of stdin.
fn read_password() -> Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Password again: ")?;
        if !ogcr_write::oauth::password::verify_equal(&first, &again) {
            bail!("the passwords differ");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

pub(crate) fn users(args: UsersArgs) -> Result<Outcome> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        match args.command {
            UsersCommand::Create(a) => {
                check_username(&a.username)?;
                ogcr_write::orgs::check_org_id(&a.org).map_err(anyhow::Error::msg)?;
                let scopes = Scope::parse_list(&a.scopes.join(",")).map_err(anyhow::Error::msg)?;
                let password = read_password()?;
                let hash =
                    ogcr_write::oauth::password::hash(&password).map_err(anyhow::Error::msg)?;
                let store = open(&a.db).await?;
                if store.oauth_user(&a.username).await?.is_some() {
                    bail!("user {} exists already", a.username);
                }
                store
                    .insert_oauth_user(&ogcr_store::oauth::OAuthUser {
                        username: a.username.clone(),
                        organization: a.org.clone(),
                        password_hash: hash,
                        scopes: scopes
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(" "),
                        created_at: chrono::Utc::now().timestamp(),
                        disabled_at: None,
                    })
                    .await?;
                eprintln!(
                    "user {} of organization {} may grant {}",
                    a.username,
                    a.org,
                    scopes
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                store.close().await;
            }
            UsersCommand::Disable(a) => {
                let store = open(&a.db).await?;
                match store.oauth_user(&a.username).await? {
                    None => bail!("no user {:?}", a.username),
                    Some(u) if u.disabled_at.is_some() => {
                        eprintln!(
                            "user {} was disabled already ({})",
                            u.username,
                            time(u.disabled_at)
                        );
                    }
                    Some(u) => {
                        store
                            .disable_oauth_user(&u.username, chrono::Utc::now().timestamp())
                            .await?;
                        eprintln!(
                            "disabled user {}: their tokens stop working now",
                            u.username
                        );
                    }
                }
                store.close().await;
            }
        }
        Ok(Outcome::Success)
    })
}
