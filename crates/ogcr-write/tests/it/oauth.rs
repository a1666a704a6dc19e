//! OAuth 2.0 over real HTTP: the write API served on 127.0.0.1 over a throwaway SQLite store,
//! a test client that follows the authorization endpoint's page and redirects itself (no
//! browser), and, for the external-issuer mode, a JWKS served by a second loopback server.
//!
//! The chain is never reached: the routes called (`/audit`, `/webhooks`, and a write refused
//! for its scope) decide before any chain read, so the engine's provider points at a loopback
//! port this test holds open and nothing else.

use std::{sync::Arc, time::Duration};

use axum::{Router, routing::get as route_get};
use base64::Engine as _;
use ogcr_store::{Store, oauth::OAuthUser, testing};
use ogcr_write::{
    Engine, Organizations, Scope, WriteConfig, WriteState,
    oauth::{self, ExternalIssuer, OAuthConfig, keys, token},
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The write API on 127.0.0.1.
struct Server {
    url: String,
    store: Store,
    _dir: testing::TempDir,
    _rpc: tokio::net::TcpListener,
}

fn manifest() -> ogcr_client::Manifest {
    use alloy::primitives::{Address, B256};
    let d = ogcr_client::manifest::Deployed {
        address: Address::ZERO,
        tx_hash: B256::ZERO,
        block_number: 0,
        code_hash: B256::ZERO,
    };
    ogcr_client::Manifest {
        chain_id: 31337,
        network: None,
        deployer: Address::ZERO,
        administrator: Address::ZERO,
        admin_delay_secs: 0,
        deployment_block: 0,
        contracts: ogcr_client::manifest::Contracts {
            access_control: d.clone(),
            project_registry: d.clone(),
            mrv_registry: d.clone(),
            carbon_removal_unit: d,
        },
        ogcr_version: "test".into(),
        deployed_at: "2026-01-01T00:00:00Z".into(),
    }
}

impl Server {
    async fn start(cfg: OAuthConfig) -> Server {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (dir, store) = testing::sqlite().await;
        // A port of ours, never answered: nothing here reads the chain.
        let rpc = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let provider = ogcr_client::registry::connect_provider(
            &format!("http://{}", rpc.local_addr().unwrap()),
            None,
        )
        .await
        .unwrap();
        let engine = Arc::new(Engine::new(
            store.clone(),
            provider,
            manifest(),
            Organizations::default(),
            ogcr_client::TxPolicy::default(),
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let config = ogcr_api::ApiConfig {
            public_url: url.clone(),
            rate_limit: None,
            metrics: None,
            limits: ogcr_api::Limits::default(),
            export: ogcr_export::ExportConfig::default(),
        };
        let read = ogcr_api::router(store.clone(), config.clone());
        let state = WriteState::new(
            store.clone(),
            engine,
            read,
            WriteConfig {
                public_url: url.clone(),
                documents_dir: dir.path().join("documents"),
                max_wait: Duration::from_secs(5),
                allow_private_webhooks: true,
            },
        )
        .with_oauth(cfg);
        let app = ogcr_api::router_with(store.clone(), config, Some(ogcr_write::extra(state)));
        tokio::spawn(async move {
            ogcr_api::serve(listener, app, std::future::pending::<()>())
                .await
                .unwrap();
        });
        Server {
            url,
            store,
            _dir: dir,
            _rpc: rpc,
        }
    }

    /// A client of `org`; its id and secret (confidential) .
    async fn client(
        &self,
        org: &str,
        confidential: bool,
        redirect: &[&str],
        scopes: &[Scope],
    ) -> (String, Option<String>) {
        let redirect: Vec<String> = redirect.iter().map(|s| (*s).to_owned()).collect();
        let c = oauth::new_client(org, "Test app", confidential, &redirect, scopes, now()).unwrap();
        self.store.insert_oauth_client(&c.row).await.unwrap();
        (c.row.client_id, c.secret)
    }

    async fn user(&self, name: &str, org: &str, password: &str, scopes: &[Scope]) {
        self.store
            .insert_oauth_user(&OAuthUser {
                username: name.into(),
                organization: org.into(),
                password_hash: oauth::password::hash(password).unwrap(),
                scopes: scopes
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                created_at: now(),
                disabled_at: None,
            })
            .await
            .unwrap();
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
    text: String,
}

async fn answer(r: reqwest::Response) -> Answer {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    Answer {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}

/// POSTs a form, optionally with HTTP Basic client credentials.
async fn post_form(url: &str, basic: Option<(&str, &str)>, form: &[(&str, &str)]) -> Answer {
    let mut req = http()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(form).unwrap());
    if let Some((id, secret)) = basic {
        let b = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
        req = req.header("authorization", format!("Basic {b}"));
    }
    answer(req.send().await.unwrap()).await
}

async fn get(url: &str, bearer: Option<&str>) -> Answer {
    let mut req = http().get(url);
    if let Some(t) = bearer {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    answer(req.send().await.unwrap()).await
}

fn pkce() -> (String, String) {
    let verifier = format!("v{}", "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG_~-.");
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// The query parameters of a `Location`.
fn location_params(a: &Answer) -> (String, Vec<(String, String)>) {
    let loc = a
        .headers
        .get("location")
        .unwrap_or_else(|| panic!("no Location in a {} answer: {}", a.status, a.text))
        .to_str()
        .unwrap()
        .to_owned();
    let u = reqwest::Url::parse(&loc).unwrap();
    let params = u
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let base = format!(
        "{}://{}{}",
        u.scheme(),
        u.host_str().unwrap_or(""),
        u.port().map(|p| format!(":{p}")).unwrap_or_default()
    ) + u.path();
    (base, params)
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The form's fields as the page renders them (`name="…" value="…"` of each input).
fn form_fields(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for input in html.split("<input").skip(1) {
        let tag = &input[..input.find('>').unwrap_or(input.len())];
        let attr = |a: &str| {
            tag.split(&format!(" {a}=\"")).nth(1).map(|r| {
                r[..r.find('"').unwrap_or(r.len())]
                    .replace("&quot;", "\"")
                    .replace("&#39;", "'")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&amp;", "&")
            })
        };
        if tag.contains("type=\"hidden\"")
            && let (Some(n), Some(v)) = (attr("name"), attr("value"))
        {
            out.push((n, v));
        }
    }
    out
}

/// The claims of a JWT, unverified (to read what the server put in).
fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

fn header_of(jwt: &str) -> Value {
    let h = jwt.split('.').next().unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(h)
            .unwrap(),
    )
    .unwrap()
}

const PASSWORD: &str = "correct horse battery staple";

/// Follows the authorization endpoint as a person would: the page, the sign-in form, the
/// redirect. Returns the redirect's parameters.
async fn sign_in(
    s: &Server,
    authorize: &str,
    username: &str,
    password: &str,
) -> (Answer, Vec<(String, String)>) {
    let page = get(authorize, None).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    // Accessible: every visible field has its label; no script.
    for id in ["username", "password"] {
        assert!(
            page.text.contains(&format!("<label for=\"{id}\">")),
            "{}",
            page.text
        );
        assert!(page.text.contains(&format!("id=\"{id}\"")), "{}", page.text);
    }
    assert!(!page.text.contains("<script"), "{}", page.text);
    let mut fields = form_fields(&page.text);
    fields.push(("username".into(), username.into()));
    fields.push(("password".into(), password.into()));
    fields.push(("decision".into(), "allow".into()));
    let form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let a = post_form(&format!("{}/oauth/authorize", s.url), None, &form).await;
    let params = if a.status == 303 {
        location_params(&a).1
    } else {
        Vec::new()
    };
    (a, params)
}

fn authorize_url(
    s: &Server,
    client_id: &str,
    redirect: &str,
    challenge: Option<&str>,
    scope: &str,
    state: &str,
) -> String {
    let mut q = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect),
        ("scope", scope),
        ("state", state),
    ];
    if let Some(c) = challenge {
        q.push(("code_challenge", c));
        q.push(("code_challenge_method", "S256"));
    }
    format!(
        "{}/oauth/authorize?{}",
        s.url,
        serde_urlencoded::to_string(&q).unwrap()
    )
}

async fn audit_reasons(s: &Server) -> Vec<String> {
    s.store
        .audit(&ogcr_store::gateway::AuditFilter {
            limit: 500,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.reason)
        .collect()
}

#[tokio::test]
async fn oauth_authorization_code_with_pkce_end_to_end() {
    let s = Server::start(OAuthConfig::default()).await;
    let redirect = "http://127.0.0.1:9/callback";
    let (id, secret) = s
        .client(
            "admin",
            true,
            &[redirect],
            &[Scope::AuditRead, Scope::WebhooksManage],
        )
        .await;
    let secret = secret.unwrap();
    s.user(
        "alice",
        "admin",
        PASSWORD,
        &[Scope::AuditRead, Scope::WebhooksManage],
    )
    .await;
    let (verifier, challenge) = pkce();
    let url = authorize_url(
        &s,
        &id,
        redirect,
        Some(&challenge),
        "audit:read webhooks:manage",
        "xyz-1",
    );

    // A wrong password: the page again, 401, saying so without echoing the password.
    let (wrong, _) = sign_in(&s, &url, "alice", "not the password at all").await;
    assert_eq!(wrong.status, 401, "{}", wrong.text);
    assert!(wrong.text.contains("role=\"alert\""), "{}", wrong.text);
    assert!(
        !wrong.text.contains("not the password at all"),
        "{}",
        wrong.text
    );

    // The right one: a code at the redirect URI, with the state and the issuer.
    let (ok, params) = sign_in(&s, &url, "alice", PASSWORD).await;
    assert_eq!(ok.status, 303, "{}", ok.text);
    let (base, _) = location_params(&ok);
    assert_eq!(base, redirect);
    assert_eq!(param(&params, "state"), Some("xyz-1"));
    assert_eq!(param(&params, "iss"), Some(s.url.as_str()));
    let code = param(&params, "code").unwrap().to_owned();

    let tokens = post_form(
        &format!("{}/oauth/token", s.url),
        Some((&id, &secret)),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(tokens.status, 200, "{}", tokens.text);
    assert_eq!(tokens.headers["cache-control"], "no-store");
    assert_eq!(tokens.body["token_type"], "Bearer");
    assert_eq!(tokens.body["expires_in"], 600);
    assert_eq!(tokens.body["scope"], "audit:read webhooks:manage");
    let access = tokens.body["access_token"].as_str().unwrap().to_owned();
    assert!(tokens.body["refresh_token"].is_string());
    let h = header_of(&access);
    assert_eq!(
        (h["alg"].as_str(), h["typ"].as_str()),
        (Some("ES256"), Some("at+jwt"))
    );
    assert!(h["kid"].is_string());
    let c = claims(&access);
    assert_eq!(
        (c["org"].as_str(), c["sub"].as_str()),
        (Some("admin"), Some("alice"))
    );
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 600);

    // The token works on write-API routes, as the organization's principal.
    let audit = get(&format!("{}/audit", s.url), Some(&access)).await;
    assert_eq!(audit.status, 200, "{}", audit.text);
    let hooks = get(&format!("{}/webhooks", s.url), Some(&access)).await;
    assert_eq!(hooks.status, 200, "{}", hooks.text);
    // …but not on a route outside its scopes.
    let retire = http()
        .post(format!("{}/credits/1/retire", s.url))
        .header("authorization", format!("Bearer {access}"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(retire.status(), 403);

    // A public client: the code exchanged with client_id alone (PKCE is its proof).
    let spa_redirect = "http://127.0.0.1:9/spa";
    let (spa, none) = s
        .client("admin", false, &[spa_redirect], &[Scope::AuditRead])
        .await;
    assert!(none.is_none());
    let (v2, c2) = pkce();
    let url = authorize_url(&s, &spa, spa_redirect, Some(&c2), "audit:read", "s2");
    let (ok, params) = sign_in(&s, &url, "alice", PASSWORD).await;
    assert_eq!(ok.status, 303, "{}", ok.text);
    let code2 = param(&params, "code").unwrap().to_owned();
    let t2 = post_form(
        &format!("{}/oauth/token", s.url),
        None,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &spa),
            ("code", &code2),
            ("redirect_uri", spa_redirect),
            ("code_verifier", &v2),
        ],
    )
    .await;
    assert_eq!(t2.status, 200, "{}", t2.text);

    // The code again: refused, and what the first exchange issued is revoked.
    let again = post_form(
        &format!("{}/oauth/token", s.url),
        Some((&id, &secret)),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(
        (again.status, again.body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let after = get(&format!("{}/audit", s.url), Some(&access)).await;
    assert_eq!(after.status, 401, "{}", after.text);
    assert!(after.text.contains("revoked_token"), "{}", after.text);

    // A user of another organization cannot sign in for this client.
    s.user("mallory", "other", PASSWORD, &[Scope::AuditRead])
        .await;
    let (v3, c3) = pkce();
    let _ = v3;
    let url = authorize_url(&s, &id, redirect, Some(&c3), "audit:read", "s3");
    let (no, _) = sign_in(&s, &url, "mallory", PASSWORD).await;
    assert_eq!(no.status, 401, "{}", no.text);

    let reasons = audit_reasons(&s).await;
    for r in [
        "code_issued",
        "token_issued:authorization_code",
        "authorize_login_failed",
        "token_refused:code_reuse",
        "missing_scope",
        "revoked_token",
    ] {
        assert!(reasons.iter().any(|x| x == r), "{r} not in {reasons:?}");
    }
    // No password, code or token in the audit log.
    let log = format!("{reasons:?}");
    assert!(!log.contains(PASSWORD) && !log.contains(&code) && !log.contains(&access));
}

#[tokio::test]
async fn oauth_refuses_wrong_redirect_missing_pkce_and_wrong_verifier() {
    let s = Server::start(OAuthConfig::default()).await;
    let redirect = "http://127.0.0.1:9/callback";
    let (id, secret) = s
        .client("admin", true, &[redirect], &[Scope::AuditRead])
        .await;
    let secret = secret.unwrap();
    s.user("alice", "admin", PASSWORD, &[Scope::AuditRead])
        .await;
    let (verifier, challenge) = pkce();

    // A redirect URI not registered (even a prefix of one): a page, never a redirect.
    for bad in [
        "http://127.0.0.1:9/callback/x",
        "http://127.0.0.1:9/callbac",
        "https://evil.example/callback",
    ] {
        let a = get(
            &authorize_url(&s, &id, bad, Some(&challenge), "audit:read", "st"),
            None,
        )
        .await;
        assert_eq!(a.status, 400, "{bad}: {}", a.text);
        assert!(a.headers.get("location").is_none(), "{bad}");
        assert!(a.text.contains("redirect_uri"), "{}", a.text);
    }
    // An unknown client: a page too.
    let a = get(
        &authorize_url(
            &s,
            "oc_nobody",
            redirect,
            Some(&challenge),
            "audit:read",
            "st",
        ),
        None,
    )
    .await;
    assert_eq!(a.status, 400);
    assert!(a.headers.get("location").is_none());

    // No PKCE, or plain PKCE: back to the client with invalid_request and the state.
    let a = get(
        &authorize_url(&s, &id, redirect, None, "audit:read", "st-1"),
        None,
    )
    .await;
    assert_eq!(a.status, 303, "{}", a.text);
    let (_, p) = location_params(&a);
    assert_eq!(
        (param(&p, "error"), param(&p, "state")),
        (Some("invalid_request"), Some("st-1"))
    );
    let plain = format!(
        "{}/oauth/authorize?{}",
        s.url,
        serde_urlencoded::to_string([
            ("response_type", "code"),
            ("client_id", id.as_str()),
            ("redirect_uri", redirect),
            ("code_challenge", verifier.as_str()),
            ("code_challenge_method", "plain"),
            ("state", "st-2"),
        ])
        .unwrap()
    );
    let a = get(&plain, None).await;
    let (_, p) = location_params(&a);
    assert_eq!(param(&p, "error"), Some("invalid_request"));
    // A scope the client does not hold.
    let a = get(
        &authorize_url(
            &s,
            &id,
            redirect,
            Some(&challenge),
            "credits:cancel",
            "st-3",
        ),
        None,
    )
    .await;
    let (_, p) = location_params(&a);
    assert_eq!(param(&p, "error"), Some("invalid_scope"));
    // The user denies.
    let page = get(
        &authorize_url(&s, &id, redirect, Some(&challenge), "audit:read", "st-4"),
        None,
    )
    .await;
    let mut f = form_fields(&page.text);
    f.push(("decision".into(), "deny".into()));
    let form: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let a = post_form(&format!("{}/oauth/authorize", s.url), None, &form).await;
    let (_, p) = location_params(&a);
    assert_eq!(
        (param(&p, "error"), param(&p, "state")),
        (Some("access_denied"), Some("st-4"))
    );

    // A code exchanged with a wrong verifier, without one, or for another redirect URI.
    let token = format!("{}/oauth/token", s.url);
    let code = || async {
        let (a, p) = sign_in(
            &s,
            &authorize_url(&s, &id, redirect, Some(&challenge), "audit:read", "x"),
            "alice",
            PASSWORD,
        )
        .await;
        assert_eq!(a.status, 303, "{}", a.text);
        param(&p, "code").unwrap().to_owned()
    };
    let c = code().await;
    let wrong = "w".repeat(43);
    let a = post_form(
        &token,
        Some((&id, &secret)),
        &[
            ("grant_type", "authorization_code"),
            ("code", &c),
            ("redirect_uri", redirect),
            ("code_verifier", &wrong),
        ],
    )
    .await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{}",
        a.text
    );
    // The code was burnt by that attempt (single use).
    let a = post_form(
        &token,
        Some((&id, &secret)),
        &[
            ("grant_type", "authorization_code"),
            ("code", &c),
            ("redirect_uri", redirect),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(a.body["error"], "invalid_grant");
    let c = code().await;
    let a = post_form(
        &token,
        Some((&id, &secret)),
        &[
            ("grant_type", "authorization_code"),
            ("code", &c),
            ("redirect_uri", redirect),
        ],
    )
    .await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (400, Some("invalid_request")),
        "{}",
        a.text
    );
    let c = code().await;
    let a = post_form(
        &token,
        Some((&id, &secret)),
        &[
            ("grant_type", "authorization_code"),
            ("code", &c),
            ("redirect_uri", "http://127.0.0.1:9/other"),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(a.body["error"], "invalid_grant", "{}", a.text);
    // A confidential client without its secret is not authenticated.
    let c = code().await;
    let a = post_form(
        &token,
        None,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &id),
            ("code", &c),
            ("redirect_uri", redirect),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (401, Some("invalid_client")),
        "{}",
        a.text
    );
    // A parameter given twice.
    let a = answer(
        http()
            .post(&token)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials&grant_type=client_credentials")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(a.body["error"], "invalid_request");
}

#[tokio::test]
async fn oauth_client_credentials_scopes_and_revocation() {
    let s = Server::start(OAuthConfig::default()).await;
    let (id, secret) = s
        .client(
            "admin",
            true,
            &[],
            &[Scope::AuditRead, Scope::CreditsRetire],
        )
        .await;
    let secret = secret.unwrap();
    let token = format!("{}/oauth/token", s.url);

    // client_secret_basic, every scope of the client by default.
    let a = post_form(
        &token,
        Some((&id, &secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["scope"], "credits:retire audit:read");
    assert!(a.body.get("refresh_token").is_none());
    let full = a.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(claims(&full)["sub"], id.as_str());
    assert_eq!(
        get(&format!("{}/audit", s.url), Some(&full)).await.status,
        200
    );

    // client_secret_post with a narrower scope: the token lacks audit:read → 403 naming it.
    let a = post_form(
        &token,
        None,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("scope", "credits:retire"),
        ],
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let narrow = a.body["access_token"].as_str().unwrap().to_owned();
    let denied = get(&format!("{}/audit", s.url), Some(&narrow)).await;
    assert_eq!(denied.status, 403, "{}", denied.text);
    assert!(denied.text.contains("audit:read"), "{}", denied.text);

    // A scope the client does not hold; a wrong secret; a public client.
    let a = post_form(
        &token,
        Some((&id, &secret)),
        &[
            ("grant_type", "client_credentials"),
            ("scope", "credits:cancel"),
        ],
    )
    .await;
    assert_eq!(a.body["error"], "invalid_scope");
    let a = post_form(
        &token,
        Some((&id, "wrong")),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    assert!(a.headers.get("www-authenticate").is_some());
    assert!(!a.text.contains("wrong"), "{}", a.text);
    let (spa, _) = s
        .client(
            "admin",
            false,
            &["http://127.0.0.1:9/cb"],
            &[Scope::AuditRead],
        )
        .await;
    let a = post_form(
        &token,
        None,
        &[("grant_type", "client_credentials"), ("client_id", &spa)],
    )
    .await;
    assert_eq!(a.body["error"], "unauthorized_client", "{}", a.text);
    let a = post_form(&token, Some((&id, &secret)), &[("grant_type", "password")]).await;
    assert_eq!(a.body["error"], "unsupported_grant_type");

    // Revoking the access token (RFC 7009) stops it at once; an unknown token is 200 too.
    let r = post_form(
        &format!("{}/oauth/revoke", s.url),
        Some((&id, &secret)),
        &[("token", &full), ("token_type_hint", "access_token")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let gone = get(&format!("{}/audit", s.url), Some(&full)).await;
    assert_eq!(gone.status, 401);
    assert!(gone.text.contains("revoked_token"), "{}", gone.text);
    let r = post_form(
        &format!("{}/oauth/revoke", s.url),
        Some((&id, &secret)),
        &[("token", "nothing-like-a-token")],
    )
    .await;
    assert_eq!(r.status, 200);
    // A revoked client's tokens stop too.
    assert_eq!(
        get(&format!("{}/audit", s.url), Some(&narrow)).await.status,
        403
    );
    s.store.revoke_oauth_client(&id, now()).await.unwrap();
    assert_eq!(
        get(&format!("{}/audit", s.url), Some(&narrow)).await.status,
        401
    );
    let a = post_form(
        &token,
        Some((&id, &secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(a.body["error"], "invalid_client");

    // The metadata names the endpoints; the OpenAPI document has the oauth2 scheme.
    let m = get(
        &format!("{}/.well-known/oauth-authorization-server", s.url),
        None,
    )
    .await;
    assert_eq!(m.body["issuer"], s.url.as_str());
    assert_eq!(m.body["token_endpoint"], format!("{}/oauth/token", s.url));
    assert_eq!(m.body["code_challenge_methods_supported"], json!(["S256"]));
    let doc = get(&format!("{}/openapi.json", s.url), None).await;
    let flows = &doc.body["components"]["securitySchemes"]["oauth2"]["flows"];
    assert!(
        flows["authorizationCode"]["scopes"]["credits:retire"].is_string(),
        "{flows}"
    );
    assert!(flows["clientCredentials"].is_object());
    assert_eq!(
        doc.body["paths"]["/audit"]["get"]["security"],
        json!([{"bearer": ["audit:read"]}, {"oauth2": ["audit:read"]}])
    );
    assert!(doc.body["paths"]["/oauth/token"]["post"].is_object());

    let reasons = audit_reasons(&s).await;
    for r in [
        "token_issued:client_credentials",
        "token_refused:invalid_client",
        "token_revoked",
    ] {
        assert!(reasons.iter().any(|x| x == r), "{r} not in {reasons:?}");
    }
}

#[tokio::test]
async fn oauth_refresh_tokens_rotate_and_a_reuse_revokes_the_family() {
    let s = Server::start(OAuthConfig::default()).await;
    let redirect = "http://127.0.0.1:9/callback";
    let (id, secret) = s
        .client("admin", true, &[redirect], &[Scope::AuditRead])
        .await;
    let secret = secret.unwrap();
    s.user("alice", "admin", PASSWORD, &[Scope::AuditRead])
        .await;
    let (verifier, challenge) = pkce();
    let (_, p) = sign_in(
        &s,
        &authorize_url(&s, &id, redirect, Some(&challenge), "audit:read", "r"),
        "alice",
        PASSWORD,
    )
    .await;
    let token = format!("{}/oauth/token", s.url);
    let first = post_form(
        &token,
        Some((&id, &secret)),
        &[
            ("grant_type", "authorization_code"),
            ("code", param(&p, "code").unwrap()),
            ("redirect_uri", redirect),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.text);
    let r1 = first.body["refresh_token"].as_str().unwrap().to_owned();

    // Each use rotates: a new refresh token, a new access token of the same family.
    let second = post_form(
        &token,
        Some((&id, &secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", &r1)],
    )
    .await;
    assert_eq!(second.status, 200, "{}", second.text);
    let r2 = second.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);
    let a2 = second.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        claims(&a2)["fam"],
        claims(first.body["access_token"].as_str().unwrap())["fam"]
    );
    let third = post_form(
        &token,
        Some((&id, &secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", &r2)],
    )
    .await;
    assert_eq!(third.status, 200, "{}", third.text);
    let r3 = third.body["refresh_token"].as_str().unwrap().to_owned();
    let a3 = third.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        get(&format!("{}/audit", s.url), Some(&a3)).await.status,
        200
    );

    // Another client cannot use it.
    let (other, other_secret) = s.client("admin", true, &[], &[Scope::AuditRead]).await;
    let a = post_form(
        &token,
        Some((&other, &other_secret.unwrap())),
        &[("grant_type", "refresh_token"), ("refresh_token", &r3)],
    )
    .await;
    assert_eq!(a.body["error"], "invalid_grant");

    // r1 again — rotated already: a reuse. The whole family goes: r3 (never used) and every
    // access token of it.
    let reuse = post_form(
        &token,
        Some((&id, &secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", &r1)],
    )
    .await;
    assert_eq!(
        (reuse.status, reuse.body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{}",
        reuse.text
    );
    let a = post_form(
        &token,
        Some((&id, &secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", &r3)],
    )
    .await;
    assert_eq!(a.body["error"], "invalid_grant", "{}", a.text);
    for t in [&a2, &a3] {
        let g = get(&format!("{}/audit", s.url), Some(t)).await;
        assert_eq!(g.status, 401, "{}", g.text);
    }
    let fam = claims(&a3)["fam"].as_str().unwrap().to_owned();
    let f = s.store.token_family(&fam).await.unwrap().unwrap();
    assert_eq!(f.revoked_reason.as_deref(), Some("refresh_token_reuse"));
    let reasons = audit_reasons(&s).await;
    for r in [
        "token_issued:refresh_token",
        "token_refused:refresh_token_reuse",
    ] {
        assert!(reasons.iter().any(|x| x == r), "{r} not in {reasons:?}");
    }
}

#[tokio::test]
async fn oauth_expired_altered_and_foreign_tokens_are_401() {
    let s = Server::start(OAuthConfig::default()).await;
    let (id, secret) = s.client("admin", true, &[], &[Scope::AuditRead]).await;
    let a = post_form(
        &format!("{}/oauth/token", s.url),
        Some((&id, &secret.unwrap())),
        &[("grant_type", "client_credentials")],
    )
    .await;
    let good = a.body["access_token"].as_str().unwrap().to_owned();
    let audit = format!("{}/audit", s.url);
    assert_eq!(get(&audit, Some(&good)).await.status, 200);
    let c: token::Claims = serde_json::from_value(claims(&good)).unwrap();

    // Expired: the same claims, signed by the registry's key, an hour old.
    let mut old = c.clone();
    old.iat = now() - 3600;
    old.exp = now() - 3000;
    let expired = token::sign(&s.store, &old, now()).await.unwrap();
    let r = get(&audit, Some(&expired)).await;
    assert_eq!(r.status, 401);
    assert!(r.text.contains("expired_token"), "{}", r.text);

    // Altered: another organization in the payload, the signature kept.
    let parts: Vec<&str> = good.split('.').collect();
    let mut forged = claims(&good);
    forged["org"] = json!("registry");
    forged["scope"] = json!("audit:read credits:cancel");
    let body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(forged.to_string());
    let altered = format!("{}.{}.{}", parts[0], body, parts[2]);
    let r = get(&audit, Some(&altered)).await;
    assert_eq!(r.status, 401);
    assert!(r.text.contains("invalid_token"), "{}", r.text);

    // Foreign keys: a key the registry never had, with an unknown kid and with the registry's
    // own kid.
    let foreign = keys::generate(now()).unwrap();
    let enc = jsonwebtoken::EncodingKey::from_ec_der(&hex::decode(&foreign.private_der).unwrap());
    for kid in [
        foreign.kid.clone(),
        header_of(&good)["kid"].as_str().unwrap().to_owned(),
    ] {
        let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        h.kid = Some(kid);
        let t = jsonwebtoken::encode(&h, &c, &enc).unwrap();
        let r = get(&audit, Some(&t)).await;
        assert_eq!(r.status, 401, "{}", r.text);
    }
    // alg none, and HMAC with the public key as the secret.
    let none_header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(json!({"alg": "none", "kid": header_of(&good)["kid"]}).to_string());
    let unsigned = format!("{none_header}.{}.", parts[1]);
    assert_eq!(get(&audit, Some(&unsigned)).await.status, 401);
    let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    h.kid = header_of(&good)["kid"].as_str().map(str::to_owned);
    let hs = jsonwebtoken::encode(&h, &c, &jsonwebtoken::EncodingKey::from_secret(b"x")).unwrap();
    assert_eq!(get(&audit, Some(&hs)).await.status, 401);
    // The good one still works.
    assert_eq!(get(&audit, Some(&good)).await.status, 200);
}

#[tokio::test]
async fn oauth_key_rotation_keeps_old_tokens_valid_until_they_expire() {
    let s = Server::start(OAuthConfig::default()).await;
    let (id, secret) = s.client("admin", true, &[], &[Scope::AuditRead]).await;
    let secret = secret.unwrap();
    let token = format!("{}/oauth/token", s.url);
    let audit = format!("{}/audit", s.url);
    let a = post_form(
        &token,
        Some((&id, &secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    let old = a.body["access_token"].as_str().unwrap().to_owned();
    let old_kid = header_of(&old)["kid"].as_str().unwrap().to_owned();
    // One that expires in 5 seconds, signed by the same (soon previous) key.
    let mut c: token::Claims = serde_json::from_value(claims(&old)).unwrap();
    c.exp = now() + 5;
    let short = token::sign(&s.store, &c, now()).await.unwrap();
    assert_eq!(header_of(&short)["kid"], old_kid.as_str());

    let new_kid = keys::rotate(&s.store, now()).await.unwrap();
    assert_ne!(new_kid, old_kid);
    let jwks = get(&format!("{}/.well-known/jwks.json", s.url), None).await;
    let kids: Vec<&str> = jwks.body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["kid"].as_str())
        .collect();
    assert!(
        kids.contains(&old_kid.as_str()) && kids.contains(&new_kid.as_str()),
        "{kids:?}"
    );
    assert!(
        jwks.body["keys"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k.get("d").is_none())
    );

    // Tokens of the previous key still work; new ones are signed with the new key.
    assert_eq!(get(&audit, Some(&old)).await.status, 200);
    assert_eq!(get(&audit, Some(&short)).await.status, 200);
    let a = post_form(
        &token,
        Some((&id, &secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    let fresh = a.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(header_of(&fresh)["kid"], new_kid.as_str());
    assert_eq!(get(&audit, Some(&fresh)).await.status, 200);

    // Until they expire.
    let wait = u64::try_from(c.exp - now() + 1).unwrap_or(0);
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let r = get(&audit, Some(&short)).await;
    assert_eq!(r.status, 401);
    assert!(r.text.contains("expired_token"), "{}", r.text);
    // A token claiming to be signed by the retired key after its retirement is refused.
    let mut late = c.clone();
    late.iat = now() + 5;
    late.exp = now() + 600;
    let retired = s.store.signing_key(&old_kid).await.unwrap().unwrap();
    let enc = jsonwebtoken::EncodingKey::from_ec_der(&hex::decode(&retired.private_der).unwrap());
    let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    h.kid = Some(old_kid.clone());
    let t = jsonwebtoken::encode(&h, &late, &enc).unwrap();
    assert_eq!(get(&audit, Some(&t)).await.status, 401);
}

#[tokio::test]
async fn oauth_external_issuer_tokens_with_a_local_jwks() {
    // The identity provider: a key of its own, its JWKS on a loopback server.
    let idp_key = keys::generate(now()).unwrap();
    let jwks: Arc<std::sync::Mutex<Vec<Value>>> = Arc::new(std::sync::Mutex::new(vec![
        serde_json::from_str(&idp_key.public_jwk).unwrap(),
    ]));
    let served = jwks.clone();
    let fetches = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = fetches.clone();
    let idp = Router::new().route(
        "/jwks",
        route_get(move || {
            let keys = served.lock().unwrap().clone();
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move { axum::Json(json!({ "keys": keys })) }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let idp_url = format!("http://{}", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, idp).await.unwrap() });

    let mut ext = ExternalIssuer::new(format!("{idp_url}/realms/ogcr"), format!("{idp_url}/jwks"));
    ext.audience = Some("ogcr-api".into());
    ext.org_claim = "organization".into();
    ext.scope_claim = "permissions".into();
    ext.refetch_after = Duration::ZERO;
    let s = Server::start(OAuthConfig {
        external: Some(ext),
        ..OAuthConfig::default()
    })
    .await;
    let audit = format!("{}/audit", s.url);

    let sign = |key: &ogcr_store::oauth::SigningKey, claims: Value| {
        let enc = jsonwebtoken::EncodingKey::from_ec_der(&hex::decode(&key.private_der).unwrap());
        let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        h.kid = Some(key.kid.clone());
        jsonwebtoken::encode(&h, &claims, &enc).unwrap()
    };
    let base = json!({
        "iss": format!("{idp_url}/realms/ogcr"), "aud": "ogcr-api", "sub": "user-42",
        "azp": "erp", "organization": "admin", "permissions": ["audit:read", "not:a-scope"],
        "iat": now(), "exp": now() + 300,
    });
    let t = sign(&idp_key, base.clone());
    let r = get(&audit, Some(&t)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The organization and scopes came from the mapped claims: audit:read only.
    let hooks = get(&format!("{}/webhooks", s.url), Some(&t)).await;
    assert_eq!(hooks.status, 403, "{}", hooks.text);
    let rows = s
        .store
        .audit(&ogcr_store::gateway::AuditFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        rows.iter()
            .any(|e| e.organization.as_deref() == Some("admin")
                && e.key_id.as_deref() == Some("ext:erp")
                && e.status == 403),
        "{rows:?}"
    );

    // Wrong issuer, wrong audience, expired, no organization claim: 401.
    for (k, v) in [
        ("iss", json!("http://127.0.0.1:1/other")),
        ("aud", json!("someone-else")),
        ("exp", json!(now() - 10)),
        ("organization", Value::Null),
    ] {
        let mut c = base.clone();
        c[k] = v;
        let r = get(&audit, Some(&sign(&idp_key, c))).await;
        assert_eq!(r.status, 401, "{k}: {}", r.text);
    }
    // A key the IdP does not publish: 401.
    let stranger = keys::generate(now()).unwrap();
    assert_eq!(
        get(&audit, Some(&sign(&stranger, base.clone())))
            .await
            .status,
        401
    );

    // The IdP rotates: a token of its new key names an unknown kid, and the JWKS is fetched
    // again.
    let before = fetches.load(std::sync::atomic::Ordering::SeqCst);
    let rotated = keys::generate(now()).unwrap();
    jwks.lock()
        .unwrap()
        .push(serde_json::from_str(&rotated.public_jwk).unwrap());
    let r = get(&audit, Some(&sign(&rotated, base.clone()))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(fetches.load(std::sync::atomic::Ordering::SeqCst) > before);
    // A known kid does not fetch again.
    let n = fetches.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(get(&audit, Some(&t)).await.status, 200);
    assert_eq!(fetches.load(std::sync::atomic::Ordering::SeqCst), n);
    // The registry's own tokens keep working beside the external ones.
    let (id, secret) = s.client("admin", true, &[], &[Scope::AuditRead]).await;
    let a = post_form(
        &format!("{}/oauth/token", s.url),
        Some((&id, &secret.unwrap())),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(
        get(&audit, Some(a.body["access_token"].as_str().unwrap()))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn oauth_demo_clients_get_tokens_and_replace_the_previous_ones() {
    let s = Server::start(OAuthConfig::default()).await;
    let roles: [(&str, &[Scope]); 2] = [
        ("developer", &[Scope::ProjectsWrite]),
        ("admin", &[Scope::AuditRead]),
    ];
    let first = oauth::demo_clients(&s.store, &roles, now()).await.unwrap();
    assert_eq!(
        first.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>(),
        ["developer", "admin"]
    );
    let second = oauth::demo_clients(&s.store, &roles, now()).await.unwrap();
    let token = format!("{}/oauth/token", s.url);
    let (_, admin) = &second[1];
    let a = post_form(
        &token,
        Some((&admin.client_id, &admin.client_secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let t = a.body["access_token"].as_str().unwrap();
    assert_eq!(get(&format!("{}/audit", s.url), Some(t)).await.status, 200);
    // The previous start's clients are revoked.
    let (_, old) = &first[1];
    let a = post_form(
        &token,
        Some((&old.client_id, &old.client_secret)),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(a.body["error"], "invalid_client", "{}", a.text);
}
