//! `ogcr clients` and `ogcr oauth`: the OAuth 2.0 server's client applications and its
//! access-token signing key.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use ogcr_store::Store;
use ogcr_write::Scope;

use crate::{Outcome, index::DatabaseArgs};

/// Manage the OAuth 2.0 clients of the write API.
///
/// A client is an application of an organization that gets access tokens at /oauth/token:
/// a confidential one (a server-side web app or a service) holds a secret and may use the
/// client_credentials grant; a public one (a browser or native app) holds none and can only
/// use the authorization code grant with PKCE. Tokens act for the client's organization with
/// at most the client's scopes. The secret is printed once, when the client is created: the
/// database keeps only its SHA-256. Redirect URIs are compared exactly; they are https, http
/// to a loopback host, or a native app's private-use scheme.
///
/// Scopes: projects:write, projects:approve, mrv:write, mrv:verify, credits:issue,
/// credits:transfer, credits:retire, credits:cancel, audit:read, webhooks:manage.
///
/// Examples:
///
///   ogcr clients create --org developer --name "ERP sync" --scopes projects:write,mrv:write
///   ogcr clients create --org holder --name "Holder portal" --scopes credits:retire \
///     --redirect-uri https://portal.example/callback
///   ogcr clients create --org holder --name "Mobile" --public --scopes credits:retire \
///     --redirect-uri com.example.mobile:/oauth
///   ogcr clients list --org holder
///   ogcr clients revoke oc_6f1c0e3b9a2d4c5e8f7a6b5c4d3e2f10
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct ClientsArgs {
    #[command(subcommand)]
    command: ClientsCommand,
}

#[derive(Debug, Subcommand)]
enum ClientsCommand {
    /// Register a client; print its id (and, for a confidential client, its secret, once).
    ///
    /// The id goes to stdout, then the secret on a second line; the details to stderr.
    ///
    /// Examples:
    ///
    ///   ogcr clients create --org developer --name "ERP sync" --scopes projects:write
    ///   ogcr clients create --org holder --name SPA --public --scopes credits:retire --redirect-uri https://spa.example/cb
    #[command(verbatim_doc_comment)]
    Create(CreateArgs),
    /// List clients (ids, organizations, kinds, scopes, redirect URIs, state; never secrets).
    ///
    /// Examples:
    ///
    ///   ogcr clients list
    ///   ogcr clients list --org holder --json
    #[command(verbatim_doc_comment)]
    List(ListArgs),
    /// Revoke a client: no more tokens, and every token it holds stops working at once.
    ///
    /// Examples:
    ///
    ///   ogcr clients revoke oc_6f1c0e3b9a2d4c5e8f7a6b5c4d3e2f10
    #[command(verbatim_doc_comment)]
    Revoke(RevokeArgs),
}

#[derive(Debug, Args)]
struct CreateArgs {
    /// Organization id (a-z, 0-9, '-', '_', '.').
    #[arg(long)]
    org: String,
    /// What the client is (shown on the sign-in page and by `clients list`).
    #[arg(long)]
    name: String,
    /// Scopes the client may ask for, comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    scopes: Vec<String>,
    /// A redirect URI of the authorization code grant (repeat for more).
    #[arg(long = "redirect-uri", value_name = "URI")]
    redirect_uris: Vec<String>,
    /// A public client: no secret, authorization code with PKCE only (needs --redirect-uri).
    #[arg(long)]
    public: bool,
    #[command(flatten)]
    db: DatabaseArgs,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Only this organization's clients.
    #[arg(long)]
    org: Option<String>,
    #[command(flatten)]
    db: DatabaseArgs,
}

#[derive(Debug, Args)]
struct RevokeArgs {
    /// The client id (`oc_…`, as `clients list` shows).
    client_id: String,
    #[command(flatten)]
    db: DatabaseArgs,
}

pub(crate) async fn open(db: &DatabaseArgs) -> Result<Store> {
    Store::connect(&db.database_url)
        .await
        .with_context(|| format!("opening the database {}", db.database_url))
}

pub(crate) fn time(t: Option<i64>) -> String {
    t.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map_or_else(|| "-".into(), |d| d.format("%Y-%m-%d %H:%M").to_string())
}

pub(crate) fn clients(args: ClientsArgs) -> Result<Outcome> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        match args.command {
            ClientsCommand::Create(a) => {
                ogcr_write::orgs::check_org_id(&a.org).map_err(anyhow::Error::msg)?;
                let scopes = Scope::parse_list(&a.scopes.join(",")).map_err(anyhow::Error::msg)?;
                let c = ogcr_write::oauth::new_client(
                    &a.org,
                    &a.name,
                    !a.public,
                    &a.redirect_uris,
                    &scopes,
                    chrono::Utc::now().timestamp(),
                )
                .map_err(anyhow::Error::msg)?;
                let store = open(&a.db).await?;
                store.insert_oauth_client(&c.row).await?;
                if crate::output::json() {
                    println!(
                        "{}",
                        serde_json::json!({
                            "client_id": c.row.client_id,
                            "client_secret": c.secret,
                            "organization": c.row.organization,
                            "kind": c.row.kind,
                            "scopes": c.row.scopes.split(' ').collect::<Vec<_>>(),
                            "redirect_uris": a.redirect_uris,
                        })
                    );
                } else {
                    println!("{}", c.row.client_id);
                    if let Some(s) = &c.secret {
                        println!("{s}");
                    }
                    eprintln!(
                        "{} client {} of organization {} with {}{}",
                        c.row.kind,
                        c.row.client_id,
                        c.row.organization,
                        c.row.scopes.replace(' ', ", "),
                        if c.secret.is_some() {
                            ". The secret (second line) is shown only now: store it in a secret \
                             manager."
                        } else {
                            "; it has no secret and must use PKCE."
                        }
                    );
                }
                store.close().await;
            }
            ClientsCommand::List(a) => {
                let store = open(&a.db).await?;
                let rows = store.oauth_clients(a.org.as_deref()).await?;
                let state = |c: &ogcr_store::oauth::OAuthClient| {
                    if c.revoked_at.is_some() { "revoked" } else { "active" }
                };
                if crate::output::json() {
                    let v: Vec<_> = rows
                        .iter()
                        .map(|c| {
                            serde_json::json!({
                                "client_id": c.client_id, "organization": c.organization,
                                "name": c.name, "kind": c.kind, "state": state(c),
                                "scopes": c.scopes.split(' ').collect::<Vec<_>>(),
                                "redirect_uris": c.redirect_uris.split(' ').filter(|s| !s.is_empty()).collect::<Vec<_>>(),
                                "created_at": c.created_at, "revoked_at": c.revoked_at,
                            })
                        })
                        .collect();
                    println!("{}", serde_json::to_string_pretty(&v)?);
                } else if rows.is_empty() {
                    eprintln!("no clients; register one with `ogcr clients create --org ORG --name NAME --scopes …`");
                } else {
                    println!(
                        "{:<35}  {:<18}  {:<12}  {:<8}  {:<16}  {:<20}  scopes / redirect URIs",
                        "client id", "organization", "kind", "state", "created", "name"
                    );
                    for c in &rows {
                        println!(
                            "{:<35}  {:<18}  {:<12}  {:<8}  {:<16}  {:<20}  {} {}",
                            c.client_id,
                            c.organization,
                            c.kind,
                            state(c),
                            time(Some(c.created_at)),
                            c.name,
                            c.scopes.replace(' ', ","),
                            c.redirect_uris
                        );
                    }
                }
                store.close().await;
            }
            ClientsCommand::Revoke(a) => {
                let store = open(&a.db).await?;
                match store.oauth_client(&a.client_id).await? {
                    None => bail!(
                        "no client {:?}; `ogcr clients list` shows the client ids",
                        a.client_id
                    ),
                    Some(c) if c.revoked_at.is_some() => {
                        eprintln!(
                            "client {} was revoked already ({})",
                            c.client_id,
                            time(c.revoked_at)
                        );
                    }
                    Some(c) => {
                        store
                            .revoke_oauth_client(&c.client_id, chrono::Utc::now().timestamp())
                            .await?;
                        eprintln!(
                            "revoked client {} of {}: its tokens stop working now",
                            c.client_id, c.organization
                        );
                    }
                }
                store.close().await;
            }
        }
        Ok(Outcome::Success)
    })
}

/// The OAuth 2.0 server's access-token signing key.
///
/// Access tokens are JWTs signed ES256 with a key kept in the database; the first one is made
/// when the first token is issued. Rotating makes a new key that signs from then on; the
/// previous keys stay published at /.well-known/jwks.json and keep verifying the tokens they
/// signed until those expire (10 minutes), so nobody is signed out. Rotate on a schedule, or
/// at once if the database may have leaked.
///
/// Examples:
///
///   ogcr oauth rotate-key
///   ogcr oauth keys
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct OAuthArgs {
    #[command(subcommand)]
    command: OAuthCommand,
}

#[derive(Debug, Subcommand)]
enum OAuthCommand {
    /// Make a new signing key; the previous ones verify their tokens until they expire.
    ///
    /// Example:
    ///
    ///   ogcr oauth rotate-key --database-url sqlite://ogcr.db
    #[command(verbatim_doc_comment)]
    RotateKey(DbOnly),
    /// List the signing keys (ids, created, retired; never the private part).
    ///
    /// Example:
    ///
    ///   ogcr oauth keys --database-url sqlite://ogcr.db
    #[command(verbatim_doc_comment)]
    Keys(DbOnly),
}

#[derive(Debug, Args)]
struct DbOnly {
    #[command(flatten)]
    db: DatabaseArgs,
}

pub(crate) fn oauth(args: OAuthArgs) -> Result<Outcome> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        match args.command {
            OAuthCommand::RotateKey(a) => {
                let store = open(&a.db).await?;
                let kid = ogcr_write::oauth::keys::rotate(&store, chrono::Utc::now().timestamp())
                    .await?;
                println!("{kid}");
                eprintln!(
                    "key {kid} signs access tokens from now on; the previous keys verify theirs until they expire"
                );
                store.close().await;
            }
            OAuthCommand::Keys(a) => {
                let store = open(&a.db).await?;
                let keys = store.signing_keys().await?;
                if keys.is_empty() {
                    eprintln!("no signing key yet (the first token makes one)");
                }
                for k in keys {
                    println!(
                        "{:<26}  {}  created {}  {}",
                        k.kid,
                        k.alg,
                        time(Some(k.created_at)),
                        k.retired_at.map_or_else(
                            || "signing".to_owned(),
                            |r| format!("retired {}", time(Some(r)))
                        )
                    );
                }
                store.close().await;
            }
        }
        Ok(Outcome::Success)
    })
}

/// `ogcr up --demo`: a confidential OAuth client per demo role (`(organization, scopes)`, the
/// roles of `demo-api-keys.json`), new at every start, written to
/// `<data-dir>/demo-oauth-clients.json` as `{ROLE: {"client_id", "client_secret"}}`; prints how
/// to get a token with curl.
pub(crate) async fn demo_clients(
    store: &Store,
    data_dir: &std::path::Path,
    api: &str,
    roles: &[(&str, &[Scope])],
) -> Result<()> {
    let made =
        ogcr_write::oauth::demo_clients(store, roles, chrono::Utc::now().timestamp()).await?;
    let mut out = serde_json::Map::new();
    for (role, c) in &made {
        out.insert(
            role.clone(),
            serde_json::json!({ "client_id": c.client_id, "client_secret": c.client_secret }),
        );
    }
    let path = data_dir.join("demo-oauth-clients.json");
    std::fs::write(&path, serde_json::to_string_pretty(&out)?)
        .with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    }
    let f = path.display();
    eprintln!("OAuth 2.0 clients (demo organizations; new at every start) in {f}:");
    eprintln!(
        "  e.g. TOKEN=$(curl -s -u \"$(jq -r .validator.client_id {f}):$(jq -r .validator.client_secret {f})\" \\\n       -d grant_type=client_credentials {api}/oauth/token | jq -r .access_token)\n       then send -H \"Authorization: Bearer $TOKEN\" wherever a demo API key goes (docs/api.md, Authentication)"
    );
    Ok(())
}
