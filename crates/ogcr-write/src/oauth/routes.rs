//! `POST /oauth/token` (RFC 6749 §3.2: authorization_code with PKCE, client_credentials,
//! refresh_token with rotation and reuse detection), `POST /oauth/revoke` (RFC 7009),
//! `/.well-known/oauth-authorization-server` (RFC 8414) and `/.well-known/jwks.json`.
//!
//! Errors are RFC 6749 §5.2 bodies (`{"error", "error_description"}`), never a secret, code
//! or token in them or in a log line. Every decision is audited.

use axum::{
    Extension, Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use ogcr_api::middleware::RequestId;
use ogcr_store::{
    gateway::NewAudit,
    oauth::{OAuthClient, Redeem, RefreshToken, TokenFamily, client_kind},
};
use serde_json::{Value, json};

use crate::{
    WriteState,
    auth::Scope,
    engine::now_ms,
    oauth::{ct_eq, join_scopes, keys, random_token, scopes_of, sha256_hex, token},
};

/// An OAuth error answer (RFC 6749 §5.2).
#[derive(Debug)]
pub(crate) struct OAuthError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) description: String,
    /// Answer `WWW-Authenticate: Basic` (the client authenticated with the header).
    pub(crate) basic: bool,
    /// What the audit log says instead of the error code (a detected reuse).
    pub(crate) audit_reason: Option<&'static str>,
}

impl OAuthError {
    pub(crate) fn new(code: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status: StatusCode::BAD_REQUEST,
            code,
            description: description.into(),
            basic: false,
            audit_reason: None,
        }
    }

    fn because(mut self, reason: &'static str) -> Self {
        self.audit_reason = Some(reason);
        self
    }

    fn client(description: impl Into<String>, basic: bool) -> Self {
        OAuthError {
            status: StatusCode::UNAUTHORIZED,
            code: "invalid_client",
            description: description.into(),
            basic,
            audit_reason: None,
        }
    }

    fn unavailable() -> Self {
        OAuthError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "temporarily_unavailable",
            description: "the registry's database is not reachable; retry shortly".into(),
            basic: false,
            audit_reason: None,
        }
    }
}

impl From<ogcr_store::Error> for OAuthError {
    fn from(e: ogcr_store::Error) -> Self {
        tracing::error!(target: "ogcr::write::oauth", error = %e, "database error in the OAuth server");
        OAuthError::unavailable()
    }
}

impl From<crate::Error> for OAuthError {
    fn from(e: crate::Error) -> Self {
        tracing::error!(target: "ogcr::write::oauth", error = %e, "error in the OAuth server");
        OAuthError::unavailable()
    }
}

fn no_store(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    r
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut r = (
            self.status,
            Json(json!({ "error": self.code, "error_description": self.description })),
        )
            .into_response();
        // An RFC 6749 §5.2 body, not the OGCR error body.
        r.extensions_mut().insert(ogcr_api::Rendered);
        if self.basic {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"ogcr\""),
            );
        }
        no_store(r)
    }
}

/// One OAuth decision for the audit log.
pub(crate) struct Decision<'a> {
    pub(crate) route: &'static str,
    pub(crate) method: &'static str,
    pub(crate) organization: Option<&'a str>,
    pub(crate) client_id: Option<&'a str>,
    pub(crate) status: StatusCode,
    pub(crate) reason: String,
}

/// Appends `d` to the audit log (a failure to do so is logged, not answered).
pub(crate) async fn audit(state: &WriteState, rid: &Option<Extension<RequestId>>, d: Decision<'_>) {
    let outcome = match d.status {
        s if s.is_success() || s.is_redirection() => "accepted",
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => "denied",
        s if s.is_server_error() => "failed",
        _ => "invalid",
    };
    let e = NewAudit {
        at: now_ms(),
        organization: d.organization.map(str::to_owned),
        key_id: d.client_id.map(str::to_owned),
        method: d.method.to_owned(),
        route: d.route.to_owned(),
        resource: d.client_id.map(|c| format!("/oauth/clients/{c}")),
        outcome: outcome.to_owned(),
        status: i64::from(d.status.as_u16()),
        reason: d.reason,
        request_id: rid.as_ref().map(|r| r.0.0.clone()).unwrap_or_default(),
        task_id: None,
    };
    if let Err(err) = state.store.append_audit(&e).await {
        tracing::error!(target: "ogcr::write::audit", error = %err, route = d.route, "cannot append to the audit log");
    }
}

/// A form body's parameters; a parameter given twice, or a body that is not a form, is
/// `invalid_request` (RFC 6749 §3.1, §3.2).
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub(crate) fn parse(headers: &HeaderMap, body: &[u8]) -> Result<Params, OAuthError> {
        let form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';').next().is_some_and(|m| {
                    m.trim()
                        .eq_ignore_ascii_case("application/x-www-form-urlencoded")
                })
            });
        if !form {
            return Err(OAuthError::new(
                "invalid_request",
                "send the parameters as application/x-www-form-urlencoded",
            ));
        }
        Params::from_query(body)
    }

    pub(crate) fn from_query(body: &[u8]) -> Result<Params, OAuthError> {
        let v: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|_| {
            OAuthError::new("invalid_request", "the parameters are not a valid form")
        })?;
        let mut names: Vec<&str> = v.iter().map(|(k, _)| k.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(OAuthError::new(
                "invalid_request",
                format!("the parameter {} is given more than once", w[0]),
            ));
        }
        Ok(Params(v))
    }

    /// A parameter; an empty value counts as absent (RFC 6749 §3.1).
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    fn require(&self, name: &'static str) -> Result<&str, OAuthError> {
        self.get(name)
            .ok_or_else(|| OAuthError::new("invalid_request", format!("{name} is required")))
    }
}

fn form_decode(s: &str) -> Option<String> {
    let v: Vec<(String, String)> = serde_urlencoded::from_str(&format!("v={s}")).ok()?;
    v.into_iter().next().map(|(_, v)| v)
}

/// The client of a token or revocation request, authenticated: `client_secret_basic`
/// (the `Authorization: Basic` header), `client_secret_post` (body), or a public client's
/// `client_id` alone.
pub(crate) async fn client(
    state: &WriteState,
    headers: &HeaderMap,
    p: &Params,
    now: i64,
) -> Result<OAuthClient, OAuthError> {
    let _ = now;
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        });
    let (id, secret, via_header) = match basic {
        Some(b) => {
            if p.get("client_secret").is_some() {
                return Err(OAuthError::new(
                    "invalid_request",
                    "authenticate the client one way: the Authorization header or client_secret, not both",
                ));
            }
            use base64::Engine;
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
                .and_then(|d| String::from_utf8(d).ok())
                .ok_or_else(|| {
                    OAuthError::client("the Basic credentials are not base64 of id:secret", true)
                })?;
            let (i, s) = decoded.split_once(':').ok_or_else(|| {
                OAuthError::client("the Basic credentials are not id:secret", true)
            })?;
            let i =
                form_decode(i).ok_or_else(|| OAuthError::client("bad client id encoding", true))?;
            let s = form_decode(s)
                .ok_or_else(|| OAuthError::client("bad client secret encoding", true))?;
            if p.get("client_id").is_some_and(|c| c != i) {
                return Err(OAuthError::new(
                    "invalid_request",
                    "client_id differs from the Authorization header's",
                ));
            }
            (i, Some(s), true)
        }
        None => (
            p.get("client_id")
                .ok_or_else(|| OAuthError::client("client authentication is required", false))?
                .to_owned(),
            p.get("client_secret").map(str::to_owned),
            false,
        ),
    };
    let unknown = || {
        OAuthError::client(
            "the client is unknown or its credentials do not match",
            via_header,
        )
    };
    if id.len() > 100 {
        return Err(unknown());
    }
    let Some(c) = state.store.oauth_client(&id).await? else {
        return Err(unknown());
    };
    if c.revoked_at.is_some() {
        return Err(unknown());
    }
    match (c.kind.as_str(), &c.secret_sha256, secret) {
        (client_kind::CONFIDENTIAL, Some(h), Some(s)) if ct_eq(&sha256_hex(&s), h) => Ok(c),
        (client_kind::PUBLIC, None, None) => Ok(c),
        _ => Err(unknown()),
    }
}

/// Requested scopes (`scope`, space-separated) within `allowed`; all of `allowed` when none is
/// requested.
pub(crate) fn narrow(requested: Option<&str>, allowed: &[Scope]) -> Result<Vec<Scope>, OAuthError> {
    let Some(r) = requested else {
        return Ok(allowed.to_vec());
    };
    let mut out = Vec::new();
    for name in r.split(' ').filter(|s| !s.is_empty()) {
        let s = Scope::parse(name).map_err(|_| {
            OAuthError::new(
                "invalid_scope",
                format!(
                    "unknown scope {:?}",
                    name.chars().take(64).collect::<String>()
                ),
            )
        })?;
        if !allowed.contains(&s) {
            return Err(OAuthError::new(
                "invalid_scope",
                format!("the scope {s} is not granted to this client"),
            ));
        }
        out.push(s);
    }
    out.sort();
    out.dedup();
    if out.is_empty() {
        return Err(OAuthError::new("invalid_scope", "no scope requested"));
    }
    Ok(out)
}

/// The registry's issuer identifier: its public URL.
pub(crate) fn issuer(state: &WriteState) -> String {
    state.config.public_url.trim_end_matches('/').to_owned()
}

fn ttl(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 4)
}

/// Issues an access token (and a refresh token of the same family when `refresh`).
async fn issue(
    state: &WriteState,
    family: &TokenFamily,
    scopes: &[Scope],
    refresh: bool,
    now: i64,
) -> Result<Value, OAuthError> {
    let cfg = &state.oauth.config;
    let claims = token::Claims {
        iss: issuer(state),
        aud: issuer(state),
        sub: family
            .username
            .clone()
            .unwrap_or_else(|| family.client_id.clone()),
        client_id: family.client_id.clone(),
        org: family.organization.clone(),
        scope: join_scopes(scopes),
        iat: now,
        exp: now + ttl(cfg.access_ttl),
        jti: random_token(16),
        fam: family.family_id.clone(),
    };
    let access = token::sign(&state.store, &claims, now).await?;
    let mut out = json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": ttl(cfg.access_ttl),
        "scope": claims.scope,
    });
    if refresh {
        let value = random_token(32);
        state
            .store
            .insert_refresh_token(&RefreshToken {
                token_sha256: sha256_hex(&value),
                family_id: family.family_id.clone(),
                created_at: now,
                expires_at: now + ttl(cfg.refresh_ttl),
                rotated_at: None,
            })
            .await?;
        out["refresh_token"] = json!(value);
    }
    Ok(out)
}

fn new_family(c: &OAuthClient, username: Option<&str>, scopes: &[Scope], now: i64) -> TokenFamily {
    TokenFamily {
        family_id: format!("fam_{}", random_token(16)),
        client_id: c.client_id.clone(),
        organization: c.organization.clone(),
        username: username.map(str::to_owned),
        scopes: join_scopes(scopes),
        created_at: now,
        revoked_at: None,
        revoked_reason: None,
    }
}

/// What a grant came to: the answer and what the audit log says.
struct Granted {
    body: Value,
    reason: String,
}

/// `POST /oauth/token`.
pub async fn token_endpoint(
    State(state): State<WriteState>,
    rid: Option<Extension<RequestId>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = chrono::Utc::now().timestamp();
    let mut who: Option<OAuthClient> = None;
    let result = grant(&state, &headers, &body, now, &mut who).await;
    let (status, reason) = match &result {
        Ok(g) => (StatusCode::OK, g.reason.clone()),
        Err(e) => (
            e.status,
            format!("token_refused:{}", e.audit_reason.unwrap_or(e.code)),
        ),
    };
    audit(
        &state,
        &rid,
        Decision {
            route: "/oauth/token",
            method: "POST",
            organization: who.as_ref().map(|c| c.organization.as_str()),
            client_id: who.as_ref().map(|c| c.client_id.as_str()),
            status,
            reason,
        },
    )
    .await;
    match result {
        Ok(g) => no_store(Json(g.body).into_response()),
        Err(e) => e.into_response(),
    }
}

async fn grant(
    state: &WriteState,
    headers: &HeaderMap,
    body: &[u8],
    now: i64,
    who: &mut Option<OAuthClient>,
) -> Result<Granted, OAuthError> {
    let p = Params::parse(headers, body)?;
    let grant_type = p.require("grant_type")?.to_owned();
    let c = client(state, headers, &p, now).await?;
    *who = Some(c.clone());
    let allowed = scopes_of(&c.scopes);
    match grant_type.as_str() {
        "client_credentials" => {
            if c.kind != client_kind::CONFIDENTIAL {
                return Err(OAuthError::new(
                    "unauthorized_client",
                    "a public client cannot use client_credentials",
                ));
            }
            let scopes = narrow(p.get("scope"), &allowed)?;
            let fam = new_family(&c, None, &scopes, now);
            state.store.insert_token_family(&fam).await?;
            Ok(Granted {
                body: issue(state, &fam, &scopes, false, now).await?,
                reason: "token_issued:client_credentials".into(),
            })
        }
        "authorization_code" => {
            let code = p.require("code")?;
            let redirect_uri = p.require("redirect_uri")?;
            let verifier = p.require("code_verifier").map_err(|_| {
                OAuthError::new("invalid_request", "code_verifier is required (PKCE)")
            })?;
            let family_id = format!("fam_{}", random_token(16));
            let row = match state
                .store
                .redeem_auth_code(&sha256_hex(code), &family_id, now)
                .await?
            {
                Redeem::Unknown => {
                    return Err(OAuthError::new("invalid_grant", "the code is not valid"));
                }
                Redeem::Reused(row) => {
                    // RFC 6749 §4.1.2: revoke what the first exchange issued.
                    if let Some(f) = &row.family_id {
                        state
                            .store
                            .revoke_token_family(f, "code_reuse", now)
                            .await?;
                    }
                    tracing::warn!(target: "ogcr::write::oauth", client_id = %row.client_id, "an authorization code was used twice: its tokens are revoked");
                    return Err(OAuthError::new(
                        "invalid_grant",
                        "the code was used already; the tokens issued with it are revoked",
                    )
                    .because("code_reuse"));
                }
                Redeem::Fresh(row) => row,
            };
            if row.client_id != c.client_id || row.expires_at <= now {
                return Err(OAuthError::new("invalid_grant", "the code is not valid"));
            }
            if row.redirect_uri != redirect_uri {
                return Err(OAuthError::new(
                    "invalid_grant",
                    "redirect_uri differs from the authorization request's",
                ));
            }
            if !super::authorize::pkce_matches(verifier, &row.code_challenge) {
                return Err(OAuthError::new(
                    "invalid_grant",
                    "the code_verifier does not match the code_challenge",
                ));
            }
            match state.store.oauth_user(&row.username).await? {
                Some(u) if u.disabled_at.is_none() => {}
                _ => return Err(OAuthError::new("invalid_grant", "the user is disabled")),
            }
            let scopes = scopes_of(&row.scopes);
            let mut fam = new_family(&c, Some(&row.username), &scopes, now);
            fam.family_id = family_id;
            state.store.insert_token_family(&fam).await?;
            Ok(Granted {
                body: issue(state, &fam, &scopes, true, now).await?,
                reason: "token_issued:authorization_code".into(),
            })
        }
        "refresh_token" => {
            let value = p.require("refresh_token")?;
            let row = match state
                .store
                .rotate_refresh_token(&sha256_hex(value), now)
                .await?
            {
                Redeem::Unknown => {
                    return Err(OAuthError::new(
                        "invalid_grant",
                        "the refresh token is not valid",
                    ));
                }
                Redeem::Reused(row) => {
                    let fam = state.store.token_family(&row.family_id).await?;
                    if fam.as_ref().is_some_and(|f| f.client_id == c.client_id) {
                        state
                            .store
                            .revoke_token_family(&row.family_id, "refresh_token_reuse", now)
                            .await?;
                        tracing::warn!(target: "ogcr::write::oauth", client_id = %c.client_id, "a rotated refresh token was used again: its whole family is revoked");
                        return Err(OAuthError::new(
                            "invalid_grant",
                            "the refresh token was used already; every token of its grant is revoked",
                        )
                        .because("refresh_token_reuse"));
                    }
                    return Err(OAuthError::new(
                        "invalid_grant",
                        "the refresh token is not valid",
                    ));
                }
                Redeem::Fresh(row) => row,
            };
            let Some(fam) = state.store.token_family(&row.family_id).await? else {
                return Err(OAuthError::new(
                    "invalid_grant",
                    "the refresh token is not valid",
                ));
            };
            if fam.client_id != c.client_id {
                return Err(OAuthError::new(
                    "invalid_grant",
                    "the refresh token is not valid",
                ));
            }
            if row.expires_at <= now {
                return Err(OAuthError::new(
                    "invalid_grant",
                    "the refresh token has expired",
                ));
            }
            if !state.store.token_family_live(&fam.family_id).await? {
                return Err(OAuthError::new(
                    "invalid_grant",
                    "the refresh token was revoked",
                ));
            }
            let scopes = narrow(p.get("scope"), &scopes_of(&fam.scopes))?;
            Ok(Granted {
                body: issue(state, &fam, &scopes, true, now).await?,
                reason: "token_issued:refresh_token".into(),
            })
        }
        other => Err(OAuthError::new(
            "unsupported_grant_type",
            format!(
                "grant_type {:?} is not supported: authorization_code, client_credentials or refresh_token",
                other.chars().take(64).collect::<String>()
            ),
        )),
    }
}

/// `POST /oauth/revoke` (RFC 7009): revokes the token's whole grant. Answers 200 for a token
/// that is unknown, expired or another client's too (§2.2), without revoking anything then.
pub async fn revoke_endpoint(
    State(state): State<WriteState>,
    rid: Option<Extension<RequestId>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = chrono::Utc::now().timestamp();
    let mut who: Option<OAuthClient> = None;
    let result = revoke(&state, &headers, &body, now, &mut who).await;
    let (status, reason) = match &result {
        Ok(true) => (StatusCode::OK, "token_revoked".to_owned()),
        Ok(false) => (StatusCode::OK, "revoke_no_match".to_owned()),
        Err(e) => (e.status, format!("revoke_refused:{}", e.code)),
    };
    audit(
        &state,
        &rid,
        Decision {
            route: "/oauth/revoke",
            method: "POST",
            organization: who.as_ref().map(|c| c.organization.as_str()),
            client_id: who.as_ref().map(|c| c.client_id.as_str()),
            status,
            reason,
        },
    )
    .await;
    match result {
        Ok(_) => no_store(StatusCode::OK.into_response()),
        Err(e) => e.into_response(),
    }
}

async fn revoke(
    state: &WriteState,
    headers: &HeaderMap,
    body: &[u8],
    now: i64,
    who: &mut Option<OAuthClient>,
) -> Result<bool, OAuthError> {
    let p = Params::parse(headers, body)?;
    let value = p.require("token")?.to_owned();
    let c = client(state, headers, &p, now).await?;
    *who = Some(c.clone());
    let family = if token::looks_like_jwt(&value) {
        // An access token: any of the registry's, even expired.
        match token::verify_own(&state.store, &value, Some(&issuer(state)), i64::MIN).await? {
            token::Verified::Own(claims) => Some(claims.fam),
            _ => None,
        }
    } else {
        state
            .store
            .refresh_token(&sha256_hex(&value))
            .await?
            .map(|r| r.family_id)
    };
    let Some(family) = family else {
        return Ok(false);
    };
    match state.store.token_family(&family).await? {
        Some(f) if f.client_id == c.client_id => Ok(state
            .store
            .revoke_token_family(&family, "revoked", now)
            .await?),
        _ => Ok(false),
    }
}

/// `GET /.well-known/oauth-authorization-server` (RFC 8414).
pub async fn metadata(State(state): State<WriteState>) -> Response {
    let iss = issuer(&state);
    let mut r = Json(json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/oauth/authorize"),
        "token_endpoint": format!("{iss}/oauth/token"),
        "revocation_endpoint": format!("{iss}/oauth/revoke"),
        "jwks_uri": format!("{iss}/.well-known/jwks.json"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": Scope::ALL.map(Scope::as_str),
        "authorization_response_iss_parameter_supported": true,
        "service_documentation": format!("{iss}/docs"),
    }))
    .into_response();
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    r
}

/// `GET /.well-known/jwks.json`: the public keys access tokens are signed with.
pub async fn jwks(State(state): State<WriteState>) -> Response {
    let now = chrono::Utc::now().timestamp();
    match keys::jwks(&state.store, now, ttl(state.oauth.config.access_ttl)).await {
        Ok(set) => {
            let mut r = Json(set).into_response();
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=60"),
            );
            r
        }
        Err(e) => {
            tracing::error!(target: "ogcr::write::oauth", error = %e, "cannot read the signing keys");
            ogcr_api::ApiError::unavailable(
                "the registry's database is not reachable; retry shortly",
            )
            .into_response()
        }
    }
}
