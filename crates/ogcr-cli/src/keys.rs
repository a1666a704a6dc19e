//! `ogcr keys` and `ogcr audit`: the write API's credentials and its audit log.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use ogcr_store::{Store, gateway::AuditFilter};
use ogcr_write::Scope;

use crate::{Outcome, index::DatabaseArgs};

/// Manage the write API's keys.
///
/// A key belongs to an organization (whose on-chain account the API signs with, as listed in
/// the organizations file of `ogcr serve --organizations`, or the dev organizations of
/// `ogcr up`) and carries scopes. The key is printed once, when it is created: the database
/// keeps only the SHA-256 of its secret. Clients send it as `Authorization: Bearer KEY`.
///
/// Scopes: projects:write, projects:approve, mrv:write, mrv:verify, credits:issue,
/// credits:transfer, credits:retire, credits:cancel, audit:read, webhooks:manage.
///
/// Examples:
///
///   ogcr keys create --org developer --scopes projects:write,mrv:write --label "ERP"
///   ogcr keys create --org verifier --scopes mrv:verify --expires 90d
///   ogcr keys list --org developer
///   ogcr keys revoke 3f9a1c0d5e7b2a41
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct KeysArgs {
    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Create a key and print it (once).
    ///
    /// The key goes to stdout (only there), its id, organization, scopes and expiry to
    /// stderr. Store it in a secret manager: it cannot be shown again.
    ///
    /// Examples:
    ///
    ///   ogcr keys create --org developer --scopes projects:write,mrv:write --label ERP
    ///   ogcr keys create --org holder --scopes credits:transfer,credits:retire --expires 2027-06-30
    ///   KEY=$(ogcr keys create --org verifier --scopes mrv:verify --expires 90d)
    #[command(verbatim_doc_comment)]
    Create(CreateArgs),
    /// List keys (ids, organizations, scopes, state; never secrets).
    ///
    /// Examples:
    ///
    ///   ogcr keys list
    ///   ogcr keys list --org developer --json
    #[command(verbatim_doc_comment)]
    List(ListArgs),
    /// Revoke a key: requests with it answer 401 from now on.
    ///
    /// Examples:
    ///
    ///   ogcr keys revoke 3f9a1c0d5e7b2a41
    #[command(verbatim_doc_comment)]
    Revoke(RevokeArgs),
}

#[derive(Debug, Args)]
struct CreateArgs {
    /// Organization id (a-z, 0-9, '-', '_', '.').
    #[arg(long)]
    org: String,
    /// Scopes, comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    scopes: Vec<String>,
    /// What the key is for (shown by `keys list`).
    #[arg(long, default_value = "")]
    label: String,
    /// Expiry: a duration (`90d`, `12h`) or a date (`2027-06-30`) [default: never].
    #[arg(long)]
    expires: Option<String>,
    #[command(flatten)]
    db: DatabaseArgs,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Only this organization's keys.
    #[arg(long)]
    org: Option<String>,
    #[command(flatten)]
    db: DatabaseArgs,
}

#[derive(Debug, Args)]
struct RevokeArgs {
    /// The key id (the 16 hex digits after `ogcr_`, as `keys list` shows).
    key_id: String,
    #[command(flatten)]
    db: DatabaseArgs,
}

/// When `expires` ends, in unix seconds.
fn expiry(expires: &str, now: i64) -> Result<i64> {
    let e = expires.trim();
    if let Ok(d) = chrono::NaiveDate::parse_from_str(e, "%Y-%m-%d") {
        let t = d
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
            .timestamp();
        if t <= now {
            bail!("--expires {e} is in the past");
        }
        return Ok(t);
    }
    let (n, unit) = e.split_at(e.len().saturating_sub(1));
    let n: i64 = n.parse().ok().filter(|n| *n > 0).with_context(|| {
        format!("--expires {e:?}: give a duration like 90d or 12h, or a date YYYY-MM-DD")
    })?;
    let secs = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        _ => bail!("--expires {e:?}: the unit is d (days), h (hours) or m (minutes)"),
    };
    Ok(now + n * secs)
}

fn time(t: Option<i64>) -> String {
    t.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map_or_else(|| "-".into(), |d| d.format("%Y-%m-%d %H:%M").to_string())
}

async fn open(db: &DatabaseArgs) -> Result<Store> {
    Store::connect(&db.database_url)
        .await
        .with_context(|| format!("opening the database {}", db.database_url))
}

/// Creates a key in `store`; returns the plaintext (the caller shows it once).
pub(crate) async fn create_key(
    store: &Store,
    org: &str,
    scopes: &[Scope],
    label: &str,
    expires_at: Option<i64>,
) -> Result<ogcr_write::auth::NewKey> {
    ogcr_write::orgs::check_org_id(org).map_err(anyhow::Error::msg)?;
    let key = ogcr_write::generate_key(
        org,
        scopes,
        label,
        chrono::Utc::now().timestamp(),
        expires_at,
    );
    store.insert_api_key(&key.row).await?;
    Ok(key)
}

pub(crate) fn keys(args: KeysArgs) -> Result<Outcome> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        match args.command {
            KeysCommand::Create(a) => {
                let scopes = Scope::parse_list(&a.scopes.join(",")).map_err(anyhow::Error::msg)?;
                let now = chrono::Utc::now().timestamp();
                let expires = a.expires.as_deref().map(|e| expiry(e, now)).transpose()?;
                let store = open(&a.db).await?;
                let key = create_key(&store, &a.org, &scopes, &a.label, expires).await?;
                if crate::output::json() {
                    println!(
                        "{}",
                        serde_json::json!({
                            "key": key.plaintext,
                            "key_id": key.row.key_id,
                            "organization": key.row.organization,
                            "scopes": key.row.scopes.split(' ').collect::<Vec<_>>(),
                            "expires_at": expires,
                        })
                    );
                } else {
                    println!("{}", key.plaintext);
                    eprintln!(
                        "key {} for organization {} with {}; expires {}. It is shown only now: \
                         store it in a secret manager. Use it as `Authorization: Bearer <key>`.",
                        key.row.key_id,
                        key.row.organization,
                        key.row.scopes.replace(' ', ", "),
                        expires.map_or_else(|| "never".to_owned(), |e| time(Some(e)))
                    );
                }
                store.close().await;
            }
            KeysCommand::List(a) => {
                let store = open(&a.db).await?;
                let rows = store.api_keys(a.org.as_deref()).await?;
                let now = chrono::Utc::now().timestamp();
                let state = |k: &ogcr_store::ApiKey| {
                    if k.revoked_at.is_some() {
                        "revoked"
                    } else if k.expires_at.is_some_and(|e| e <= now) {
                        "expired"
                    } else {
                        "active"
                    }
                };
                if crate::output::json() {
                    let v: Vec<_> = rows
                        .iter()
                        .map(|k| {
                            serde_json::json!({
                                "key_id": k.key_id, "organization": k.organization,
                                "scopes": k.scopes.split(' ').collect::<Vec<_>>(),
                                "label": k.label, "state": state(k),
                                "created_at": k.created_at, "expires_at": k.expires_at,
                                "revoked_at": k.revoked_at, "last_used_at": k.last_used_at,
                            })
                        })
                        .collect();
                    println!("{}", serde_json::to_string_pretty(&v)?);
                } else if rows.is_empty() {
                    eprintln!("no keys; create one with `ogcr keys create --org ORG --scopes …`");
                } else {
                    println!(
                        "{:<16}  {:<18}  {:<8}  {:<16}  {:<16}  {:<20}  scopes",
                        "key id", "organization", "state", "created", "last used", "label"
                    );
                    for k in &rows {
                        println!(
                            "{:<16}  {:<18}  {:<8}  {:<16}  {:<16}  {:<20}  {}",
                            k.key_id,
                            k.organization,
                            state(k),
                            time(Some(k.created_at)),
                            time(k.last_used_at),
                            k.label,
                            k.scopes.replace(' ', ",")
                        );
                    }
                }
                store.close().await;
            }
            KeysCommand::Revoke(a) => {
                let store = open(&a.db).await?;
                let known = store.api_key(&a.key_id).await?;
                match known {
                    None => bail!("no key {:?}; `ogcr keys list` shows the key ids", a.key_id),
                    Some(k) if k.revoked_at.is_some() => {
                        eprintln!(
                            "key {} was revoked already ({})",
                            k.key_id,
                            time(k.revoked_at)
                        );
                    }
                    Some(k) => {
                        store
                            .revoke_api_key(&k.key_id, chrono::Utc::now().timestamp())
                            .await?;
                        eprintln!("revoked key {} of {}", k.key_id, k.organization);
                    }
                }
                store.close().await;
            }
        }
        Ok(Outcome::Success)
    })
}

/// Read the write API's audit log: every authorization decision of a write request.
///
/// Each entry has the time, organization, key id, route, resource, outcome (accepted, denied,
/// invalid, failed), HTTP status, reason code, request id and task id. The log is
/// append-only (the database refuses updates and deletes). Over HTTP: `GET /audit` with a
/// key that has the audit:read scope.
///
/// Examples:
///
///   ogcr audit
///   ogcr audit --org developer --outcome denied
///   ogcr audit --after 120 --limit 50 --json
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct AuditArgs {
    /// Only this organization.
    #[arg(long)]
    org: Option<String>,
    /// Only this outcome: accepted, denied, invalid or failed.
    #[arg(long, value_parser = ["accepted", "denied", "invalid", "failed"])]
    outcome: Option<String>,
    /// Entries after this sequence number.
    #[arg(long)]
    after: Option<i64>,
    /// At most this many entries.
    #[arg(long, default_value_t = 100)]
    limit: i64,
    #[command(flatten)]
    db: DatabaseArgs,
}

pub(crate) fn audit(args: AuditArgs) -> Result<Outcome> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        if args.limit < 1 {
            bail!("--limit must be 1 or more, got {}", args.limit);
        }
        let store = open(&args.db).await?;
        let rows = store
            .audit(&AuditFilter {
                organization: args.org,
                outcome: args.outcome,
                after: args.after,
                limit: args.limit,
            })
            .await?;
        if crate::output::json() {
            for r in &rows {
                println!("{}", serde_json::to_string(r)?);
            }
        } else if rows.is_empty() {
            eprintln!("no audit entries");
        } else {
            for r in &rows {
                let at = chrono::DateTime::from_timestamp_millis(r.at)
                    .map_or_else(String::new, |d| d.format("%Y-%m-%d %H:%M:%S").to_string());
                println!(
                    "{:>6}  {at}  {:<8}  {} {}  {:<18}  {:<16}  {}  {}{}",
                    r.seq,
                    r.outcome,
                    r.status,
                    r.method,
                    r.organization.as_deref().unwrap_or("-"),
                    r.key_id.as_deref().unwrap_or("-"),
                    r.resource.as_deref().unwrap_or(&r.route),
                    r.reason,
                    r.task_id
                        .as_deref()
                        .map(|t| format!("  task {t}"))
                        .unwrap_or_default()
                );
            }
        }
        store.close().await;
        Ok(Outcome::Success)
    })
}
