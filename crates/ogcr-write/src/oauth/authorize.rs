//! `GET /oauth/authorize` and its form's `POST`: the authorization code grant (RFC 6749 §4.1)
//! with PKCE S256 required of every client (RFC 7636; RFC 9700 §2.1.1).
//!
//! The client and its redirect URI are checked first, the URI against the registered ones
//! exactly: while either is wrong the page says so and nothing redirects (§4.1.2.1). Every
//! other error goes back to the client's redirect URI with `error` and `state`. The page is a
//! plain HTML form (no script) where a user of the client's organization signs in and allows
//! or denies the scopes; its answer is a 303 to the redirect URI with `code`, `state` and
//! `iss` (RFC 9207). The password is checked with argon2 and never echoed, logged or audited.

use axum::{
    Extension,
    body::Bytes,
    extract::{RawQuery, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use ogcr_api::middleware::RequestId;
use ogcr_store::oauth::{AuthCode, OAuthClient};

use super::routes::{Decision, OAuthError, Params, audit, issuer, narrow};
use crate::{
    WriteState,
    auth::Scope,
    oauth::{join_scopes, password, random_token, scopes_of, sha256_hex},
};

/// Whether `verifier` (43–128 unreserved characters) hashes to `challenge` under S256.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    if !well_formed {
        return false;
    }
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    super::ct_eq(&computed, challenge)
}

fn is_challenge(c: &str) -> bool {
    c.len() == 43
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// HTML-escapes text for an element or a quoted attribute.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn html(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    // A page for a person, not the OGCR error body.
    r.extensions_mut().insert(ogcr_api::Rendered);
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    r
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}\
label{display:block;margin-top:1rem;font-weight:600}input[type=text],input[type=password]{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}\
button{margin-top:1.25rem;margin-right:.75rem;padding:.5rem 1.25rem;font-size:1rem}.error{border:2px solid #b00020;padding:.5rem 1rem;color:#b00020}\
ul{padding-left:1.25rem}";

fn error_page(message: &str) -> Response {
    html(
        StatusCode::BAD_REQUEST,
        format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>Authorization request refused — OGCR registry</title><style>{STYLE}</style></head><body><main>\
             <h1>This authorization request cannot be served</h1><p class=\"error\" role=\"alert\">{}</p>\
             <p>Go back to the application and try again, or tell its developers.</p></main></body></html>",
            esc(message)
        ),
    )
}

/// An authorization request whose client and redirect URI checked out.
struct Request {
    client: OAuthClient,
    redirect_uri: String,
    state: Option<String>,
    challenge: String,
    scopes: Vec<Scope>,
    scope_param: Option<String>,
}

/// Where the request must not redirect (unknown client, wrong redirect URI): a page.
enum Refusal {
    Page(String),
    Redirect(OAuthError, String, Option<String>),
    Db(OAuthError),
}

async fn check(state: &WriteState, p: &Params) -> Result<Request, Refusal> {
    let Some(client_id) = p.get("client_id") else {
        return Err(Refusal::Page(
            "The request names no client (client_id).".into(),
        ));
    };
    let client = match state.store.oauth_client(client_id).await {
        Ok(Some(c)) if c.revoked_at.is_none() => c,
        Ok(_) => {
            return Err(Refusal::Page(
                "The client is not registered with this registry.".into(),
            ));
        }
        Err(e) => return Err(Refusal::Db(e.into())),
    };
    let Some(redirect_uri) = p.get("redirect_uri") else {
        return Err(Refusal::Page("The request names no redirect_uri.".into()));
    };
    if !client
        .redirect_uris
        .split(' ')
        .any(|r| !r.is_empty() && r == redirect_uri)
    {
        return Err(Refusal::Page(
            "The redirect_uri is not one the client registered.".into(),
        ));
    }
    let redirect_uri = redirect_uri.to_owned();
    let st = p.get("state").map(str::to_owned);
    let back = |e: OAuthError| Refusal::Redirect(e, redirect_uri.clone(), st.clone());
    if p.get("response_type") != Some("code") {
        return Err(back(OAuthError::new(
            "unsupported_response_type",
            "response_type must be code",
        )));
    }
    let Some(challenge) = p.get("code_challenge") else {
        return Err(back(OAuthError::new(
            "invalid_request",
            "PKCE is required: send code_challenge and code_challenge_method=S256",
        )));
    };
    if p.get("code_challenge_method") != Some("S256") || !is_challenge(challenge) {
        return Err(back(OAuthError::new(
            "invalid_request",
            "code_challenge_method must be S256, with a 43-character base64url challenge",
        )));
    }
    let scopes = narrow(p.get("scope"), &scopes_of(&client.scopes)).map_err(&back)?;
    Ok(Request {
        challenge: challenge.to_owned(),
        scope_param: p.get("scope").map(str::to_owned),
        client,
        redirect_uri,
        state: st,
        scopes,
    })
}

fn redirect(uri: &str, pairs: &[(&str, &str)]) -> Response {
    let Ok(mut u) = reqwest::Url::parse(uri) else {
        return error_page("The redirect_uri cannot be used.");
    };
    {
        let mut q = u.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
    }
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(u.as_str()) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn redirect_error(state: &WriteState, uri: &str, e: &OAuthError, st: Option<&str>) -> Response {
    let iss = issuer(state);
    let mut pairs = vec![
        ("error", e.code),
        ("error_description", e.description.as_str()),
    ];
    if let Some(s) = st {
        pairs.push(("state", s));
    }
    pairs.push(("iss", &iss));
    redirect(uri, &pairs)
}

fn page(state: &WriteState, r: &Request, username: &str, error: Option<&str>) -> Response {
    let hidden = |name: &str, value: Option<&str>| {
        value.map_or_else(String::new, |v| {
            format!(
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                esc(v)
            )
        })
    };
    let scopes: String = r
        .scopes
        .iter()
        .map(|s| {
            format!(
                "<li><code>{}</code>: {}</li>",
                s.as_str(),
                esc(s.describe())
            )
        })
        .collect();
    let alert = error.map_or_else(String::new, |e| {
        format!(
            "<p class=\"error\" role=\"alert\" id=\"form-error\">{}</p>",
            esc(e)
        )
    });
    let described = if error.is_some() {
        " aria-describedby=\"form-error\""
    } else {
        ""
    };
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Sign in to allow {client} — OGCR registry</title><style>{STYLE}</style></head><body><main>\
         <h1>Sign in to the OGCR registry</h1>\
         <p><strong>{client}</strong> asks to act for the organization <strong>{org}</strong> with these permissions:</p>\
         <ul>{scopes}</ul>{alert}\
         <form method=\"post\" action=\"{action}\">\
         {h_client}{h_redirect}{h_type}{h_state}{h_challenge}{h_method}{h_scope}\
         <label for=\"username\">Username</label>\
         <input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"username\" required value=\"{user}\"{described}>\
         <label for=\"password\">Password</label>\
         <input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required{described}>\
         <div><button type=\"submit\" name=\"decision\" value=\"allow\">Sign in and allow</button>\
         <button type=\"submit\" name=\"decision\" value=\"deny\" formnovalidate>Deny</button></div>\
         </form><p>You are redirected to <code>{redirect}</code> afterwards.</p></main></body></html>",
        client = esc(&r.client.name),
        org = esc(&r.client.organization),
        action = esc(&format!("{}/oauth/authorize", issuer(state))),
        h_client = hidden("client_id", Some(&r.client.client_id)),
        h_redirect = hidden("redirect_uri", Some(&r.redirect_uri)),
        h_type = hidden("response_type", Some("code")),
        h_state = hidden("state", r.state.as_deref()),
        h_challenge = hidden("code_challenge", Some(&r.challenge)),
        h_method = hidden("code_challenge_method", Some("S256")),
        h_scope = hidden("scope", r.scope_param.as_deref()),
        user = esc(username),
        redirect = esc(&r.redirect_uri),
    );
    html(
        if error.is_some() {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::OK
        },
        body,
    )
}

/// `GET /oauth/authorize`: the sign-in and consent page.
pub async fn authorize_page(
    State(state): State<WriteState>,
    rid: Option<Extension<RequestId>>,
    RawQuery(q): RawQuery,
) -> Response {
    let p = match Params::from_query(q.unwrap_or_default().as_bytes()) {
        Ok(p) => p,
        Err(e) => return error_page(&e.description),
    };
    match check(&state, &p).await {
        Ok(r) => page(&state, &r, "", None),
        Err(refusal) => refused(&state, &rid, "GET", p.get("client_id"), refusal).await,
    }
}

async fn refused(
    state: &WriteState,
    rid: &Option<Extension<RequestId>>,
    method: &'static str,
    client_id: Option<&str>,
    r: Refusal,
) -> Response {
    let (resp, status, reason) = match r {
        Refusal::Page(m) => (
            error_page(&m),
            StatusCode::BAD_REQUEST,
            "authorize_refused:invalid_client_or_redirect_uri".to_owned(),
        ),
        Refusal::Redirect(e, uri, st) => {
            let reason = format!("authorize_refused:{}", e.code);
            (
                redirect_error(state, &uri, &e, st.as_deref()),
                StatusCode::SEE_OTHER,
                reason,
            )
        }
        Refusal::Db(e) => {
            let status = e.status;
            (e.into_response(), status, "authorize_failed".to_owned())
        }
    };
    let known = match client_id {
        Some(c) => state.store.oauth_client(c).await.ok().flatten(),
        None => None,
    };
    audit(
        state,
        rid,
        Decision {
            route: "/oauth/authorize",
            method,
            organization: known.as_ref().map(|c| c.organization.as_str()),
            client_id: known.as_ref().map(|c| c.client_id.as_str()),
            // A refusal sent back to the client is still a refusal.
            status: if status == StatusCode::SEE_OTHER {
                StatusCode::BAD_REQUEST
            } else {
                status
            },
            reason,
        },
    )
    .await;
    resp
}

/// `POST /oauth/authorize`: the form's answer — sign in, then a code (or `access_denied`).
pub async fn authorize_submit(
    State(state): State<WriteState>,
    rid: Option<Extension<RequestId>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let p = match Params::parse(&headers, &body) {
        Ok(p) => p,
        Err(e) => return error_page(&e.description),
    };
    let r = match check(&state, &p).await {
        Ok(r) => r,
        Err(refusal) => return refused(&state, &rid, "POST", p.get("client_id"), refusal).await,
    };
    let decision = |status: StatusCode, reason: &str| Decision {
        route: "/oauth/authorize",
        method: "POST",
        organization: Some(r.client.organization.as_str()),
        client_id: Some(r.client.client_id.as_str()),
        status,
        reason: reason.to_owned(),
    };
    if p.get("decision") == Some("deny") {
        audit(
            &state,
            &rid,
            decision(StatusCode::FORBIDDEN, "authorize_denied_by_user"),
        )
        .await;
        let e = OAuthError::new("access_denied", "the user denied the request");
        return redirect_error(&state, &r.redirect_uri, &e, r.state.as_deref());
    }
    let username = p
        .get("username")
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect::<String>();
    let pw = p.get("password").unwrap_or_default();
    let user = match state.store.oauth_user(&username).await {
        Ok(u) => u,
        Err(e) => return OAuthError::from(e).into_response(),
    };
    let ok = match &user {
        Some(u) => {
            let matches = password::verify(pw, &u.password_hash);
            matches && u.disabled_at.is_none() && u.organization == r.client.organization
        }
        None => {
            password::verify_nobody(pw);
            false
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        audit(
            &state,
            &rid,
            decision(StatusCode::UNAUTHORIZED, "authorize_login_failed"),
        )
        .await;
        return page(
            &state,
            &r,
            &username,
            Some(
                "The username or password is not right, or the account cannot sign in for this organization.",
            ),
        );
    };
    let granted: Vec<Scope> = r
        .scopes
        .iter()
        .copied()
        .filter(|s| scopes_of(&user.scopes).contains(s))
        .collect();
    if granted.is_empty() {
        audit(
            &state,
            &rid,
            decision(StatusCode::FORBIDDEN, "authorize_refused:invalid_scope"),
        )
        .await;
        let e = OAuthError::new(
            "invalid_scope",
            "the user holds none of the requested scopes",
        );
        return redirect_error(&state, &r.redirect_uri, &e, r.state.as_deref());
    }
    let now = chrono::Utc::now().timestamp();
    let code = random_token(32);
    let row = AuthCode {
        code_sha256: sha256_hex(&code),
        client_id: r.client.client_id.clone(),
        organization: r.client.organization.clone(),
        username: user.username.clone(),
        scopes: join_scopes(&granted),
        redirect_uri: r.redirect_uri.clone(),
        code_challenge: r.challenge.clone(),
        created_at: now,
        expires_at: now + i64::try_from(state.oauth.config.code_ttl.as_secs()).unwrap_or(60),
        used_at: None,
        family_id: None,
    };
    if let Err(e) = state.store.insert_auth_code(&row).await {
        return OAuthError::from(e).into_response();
    }
    let _ = state.store.prune_auth_codes(now - 3600).await;
    audit(&state, &rid, decision(StatusCode::SEE_OTHER, "code_issued")).await;
    let iss = issuer(&state);
    let mut pairs = vec![("code", code.as_str())];
    if let Some(s) = &r.state {
        pairs.push(("state", s));
    }
    pairs.push(("iss", &iss));
    redirect(&r.redirect_uri, &pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_the_rfc_7636_example() {
        // RFC 7636 Appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK",
            challenge
        ));
        assert!(!pkce_matches("short", challenge));
        assert!(is_challenge(challenge));
        assert!(!is_challenge("plain-verifier"));
    }

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
