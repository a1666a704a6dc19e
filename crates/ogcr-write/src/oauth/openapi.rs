//! The OAuth part of the OpenAPI document: the `oauth2` security scheme (authorization code
//! with PKCE, client credentials; every scope), offered beside the API-key `bearer` scheme on
//! every operation that names one, and the OAuth endpoints themselves.

use serde_json::{Map, Value, json};

use crate::auth::Scope;

fn oauth_error(description: &str) -> Value {
    json!({ "description": description,
            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/OAuthError" } } } })
}

fn html(description: &str) -> Value {
    json!({ "description": description, "content": { "text/html": { "schema": { "type": "string" } } } })
}

fn rate_limited() -> Value {
    json!({ "description": "Rate limited (RATE_LIMIT_EXCEEDED); see Retry-After",
            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ErrorBody" } } } })
}

fn unavailable() -> Value {
    json!({ "description": "The database is not reachable (SERVICE_UNAVAILABLE or temporarily_unavailable)",
            "content": { "application/json": { "schema": {} } } })
}

fn query(name: &str, required: bool, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": required, "description": description, "schema": schema })
}

fn form(schema: Value) -> Value {
    json!({ "required": true, "content": { "application/x-www-form-urlencoded": { "schema": schema } } })
}

/// Adds the OAuth scheme, the OAuth alternative to every `bearer` requirement and the OAuth
/// endpoints to the write API's part of the document.
pub fn extend(mut doc: Value) -> Value {
    let scopes: Map<String, Value> = Scope::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), json!(s.describe())))
        .collect();
    // OAuth 2.0 access tokens are accepted wherever an API key is, with the same scopes.
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for op in item.values_mut().filter_map(Value::as_object_mut) {
                let Some(sec) = op.get_mut("security").and_then(Value::as_array_mut) else {
                    continue;
                };
                let extra: Vec<Value> = sec
                    .iter()
                    .filter_map(|r| r.get("bearer"))
                    .map(|s| json!({ "oauth2": s }))
                    .collect();
                sec.extend(extra);
            }
        }
    }
    let schemes = &mut doc["components"]["securitySchemes"];
    schemes["oauth2"] = json!({
        "type": "oauth2",
        "description": "OAuth 2.0 access tokens of the registry (JWT, ES256, 10 minutes; keys at /.well-known/jwks.json), or of the external issuer the registry is configured with. `Authorization: Bearer <access token>`. An access token resolves to the same organization and scopes as an API key would. Authorization code requires PKCE (S256).",
        "flows": {
            "authorizationCode": {
                "authorizationUrl": "/oauth/authorize",
                "tokenUrl": "/oauth/token",
                "refreshUrl": "/oauth/token",
                "scopes": scopes,
            },
            "clientCredentials": {
                "tokenUrl": "/oauth/token",
                "scopes": scopes,
            }
        }
    });
    schemes["bearer"]["description"] = json!(format!(
        "{} An OAuth 2.0 access token (scheme oauth2) is accepted in the same header.",
        schemes["bearer"]["description"]
            .as_str()
            .unwrap_or_default()
    ));
    let schemas = &mut doc["components"]["schemas"];
    schemas["OAuthError"] = json!({
        "type": "object", "required": ["error"],
        "properties": {
            "error": { "type": "string", "enum": ["invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope", "temporarily_unavailable"] },
            "error_description": { "type": "string" }
        }
    });
    schemas["TokenResponse"] = json!({
        "type": "object", "required": ["access_token", "token_type", "expires_in", "scope"],
        "properties": {
            "access_token": { "type": "string", "description": "A JWT signed ES256 (header kid)" },
            "token_type": { "type": "string", "enum": ["Bearer"] },
            "expires_in": { "type": "integer", "description": "Seconds" },
            "scope": { "type": "string", "description": "Space-separated scopes granted" },
            "refresh_token": { "type": "string", "description": "authorization_code and refresh_token grants: single use, rotated at every refresh" }
        }
    });
    let scope_names: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
    let oauth_tag = ["oauth"];
    let paths = doc["paths"]
        .as_object_mut()
        .map(std::mem::take)
        .unwrap_or_default();
    let mut paths = paths;
    let authorize_params = vec![
        query(
            "response_type",
            true,
            "`code`",
            json!({ "type": "string", "enum": ["code"] }),
        ),
        query(
            "client_id",
            true,
            "The client id (`oc_…`)",
            json!({ "type": "string" }),
        ),
        query(
            "redirect_uri",
            true,
            "One of the client's registered redirect URIs, exactly",
            json!({ "type": "string" }),
        ),
        query(
            "scope",
            false,
            "Space-separated scopes (default: every scope of the client)",
            json!({ "type": "string" }),
        ),
        query(
            "state",
            false,
            "Returned unchanged with the code (CSRF protection)",
            json!({ "type": "string" }),
        ),
        query(
            "code_challenge",
            true,
            "PKCE: BASE64URL(SHA-256(code_verifier)), 43 characters",
            json!({ "type": "string" }),
        ),
        query(
            "code_challenge_method",
            true,
            "PKCE method: only S256",
            json!({ "type": "string", "enum": ["S256"] }),
        ),
    ];
    paths.insert("/oauth/authorize".into(), json!({
        "get": {
            "operationId": "oauthAuthorize", "tags": oauth_tag,
            "summary": "Authorization endpoint: the sign-in and consent page",
            "description": "RFC 6749 §4.1 with PKCE S256 required (RFC 7636). An unknown client or a redirect_uri not registered is answered with an error page; other errors redirect to the redirect_uri with `error` and `state`.",
            "security": [],
            "parameters": authorize_params,
            "responses": {
                "200": html("The sign-in and consent page (an HTML form, no script)"),
                "303": { "description": "An error sent back to the client's redirect_uri (`error`, `error_description`, `state`, `iss`)" },
                "400": html("The client is unknown or revoked, or the redirect_uri is not registered"),
                "429": rate_limited(),
                "503": unavailable(),
            }
        },
        "post": {
            "operationId": "oauthAuthorizeSubmit", "tags": oauth_tag,
            "summary": "The sign-in form's answer",
            "description": "The parameters of the authorization request, `username`, `password` and `decision` (allow or deny). Allowed: 303 to the redirect_uri with `code`, `state` and `iss` (RFC 9207); the code is single use and valid for 60 seconds.",
            "security": [],
            "requestBody": form(json!({
                "type": "object",
                "required": ["client_id", "redirect_uri", "response_type", "code_challenge", "code_challenge_method"],
                "properties": {
                    "client_id": { "type": "string" }, "redirect_uri": { "type": "string" },
                    "response_type": { "type": "string", "enum": ["code"] }, "scope": { "type": "string" },
                    "state": { "type": "string" }, "code_challenge": { "type": "string" },
                    "code_challenge_method": { "type": "string", "enum": ["S256"] },
                    "username": { "type": "string" }, "password": { "type": "string", "format": "password" },
                    "decision": { "type": "string", "enum": ["allow", "deny"] }
                }
            })),
            "responses": {
                "303": { "description": "To the redirect_uri: `code` (allowed) or `error` (denied, invalid request)" },
                "400": html("The client, the redirect_uri or the form is invalid"),
                "401": html("The username or password is not right: the page again"),
                "429": rate_limited(),
                "503": unavailable(),
            }
        }
    }));
    paths.insert("/oauth/token".into(), json!({
        "post": {
            "operationId": "oauthToken", "tags": oauth_tag,
            "summary": "Token endpoint",
            "description": "RFC 6749 §3.2. Grants: `authorization_code` (with `code`, `redirect_uri`, `code_verifier`), `client_credentials` (confidential clients), `refresh_token` (rotated at every use; a rotated token used again revokes its whole grant). Confidential clients authenticate with HTTP Basic (client_secret_basic) or `client_id` + `client_secret` in the body (client_secret_post); public clients send `client_id` alone.",
            "security": [],
            "requestBody": form(json!({
                "type": "object", "required": ["grant_type"],
                "properties": {
                    "grant_type": { "type": "string", "enum": ["authorization_code", "client_credentials", "refresh_token"] },
                    "code": { "type": "string" }, "redirect_uri": { "type": "string" },
                    "code_verifier": { "type": "string", "minLength": 43, "maxLength": 128 },
                    "refresh_token": { "type": "string" },
                    "scope": { "type": "string", "description": format!("Space-separated, among: {}", scope_names.join(" ")) },
                    "client_id": { "type": "string" }, "client_secret": { "type": "string" }
                }
            })),
            "responses": {
                "200": { "description": "Tokens (Cache-Control: no-store)",
                         "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TokenResponse" } } } },
                "400": oauth_error("invalid_request, invalid_grant, unauthorized_client, unsupported_grant_type or invalid_scope"),
                "401": oauth_error("invalid_client: the client is unknown, revoked, or its credentials do not match"),
                "429": rate_limited(),
                "503": unavailable(),
            }
        }
    }));
    paths.insert("/oauth/revoke".into(), json!({
        "post": {
            "operationId": "oauthRevoke", "tags": oauth_tag,
            "summary": "Revocation endpoint",
            "description": "RFC 7009: revokes the grant of an access or refresh token of the authenticating client (every token of that grant). A token that is unknown, expired or another client's is answered 200 too, revoking nothing.",
            "security": [],
            "requestBody": form(json!({
                "type": "object", "required": ["token"],
                "properties": {
                    "token": { "type": "string" },
                    "token_type_hint": { "type": "string", "enum": ["access_token", "refresh_token"] },
                    "client_id": { "type": "string" }, "client_secret": { "type": "string" }
                }
            })),
            "responses": {
                "200": { "description": "Revoked (or nothing to revoke)" },
                "400": oauth_error("invalid_request"),
                "401": oauth_error("invalid_client"),
                "429": rate_limited(),
                "503": unavailable(),
            }
        }
    }));
    paths.insert("/.well-known/oauth-authorization-server".into(), json!({
        "get": {
            "operationId": "oauthMetadata", "tags": oauth_tag,
            "summary": "Authorization server metadata (RFC 8414)",
            "security": [],
            "responses": {
                "200": { "description": "The metadata", "content": { "application/json": { "schema": {
                    "type": "object", "required": ["issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"],
                    "properties": { "issuer": { "type": "string" }, "authorization_endpoint": { "type": "string" },
                                    "token_endpoint": { "type": "string" }, "revocation_endpoint": { "type": "string" },
                                    "jwks_uri": { "type": "string" } } } } } },
                "429": rate_limited(),
            }
        }
    }));
    paths.insert("/.well-known/jwks.json".into(), json!({
        "get": {
            "operationId": "oauthJwks", "tags": oauth_tag,
            "summary": "The public keys access tokens are signed with (JWKS)",
            "description": "The signing key and, for one access-token lifetime after a rotation, the previous ones.",
            "security": [],
            "responses": {
                "200": { "description": "A JWK Set (RFC 7517)", "content": { "application/json": { "schema": {
                    "type": "object", "required": ["keys"],
                    "properties": { "keys": { "type": "array", "items": { "type": "object" } } } } } } },
                "429": rate_limited(),
                "503": unavailable(),
            }
        }
    }));
    doc["paths"] = Value::Object(paths);
    if let Some(tags) = doc["tags"].as_array_mut() {
        tags.push(json!({"name": "oauth", "description": "The OAuth 2.0 authorization server (docs/api.md, Authentication)"}));
    }
    doc
}
