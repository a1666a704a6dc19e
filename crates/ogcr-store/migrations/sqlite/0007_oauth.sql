-- OAuth 2.0 (RFC 6749, 7636, 7009): the write API's embedded authorization server. None of
-- these tables derives from the chain: `Store::reset` and reorg rollbacks never touch them.
-- Every time here is in unix seconds (the unit of JWT claims). Secrets, codes and refresh
-- tokens are stored as the SHA-256 of a 256-bit random value (a slow hash adds nothing for that
-- entropy); user passwords, chosen by people, as argon2id PHC strings.

-- A registered client application of an organization.
CREATE TABLE oauth_clients (
    client_id     TEXT PRIMARY KEY,       -- oc_<32 hex>
    organization  TEXT NOT NULL,          -- the principal's organization for every token
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,          -- confidential | public
    secret_sha256 TEXT,                   -- NULL for public clients (they use PKCE only)
    redirect_uris TEXT NOT NULL,          -- space-separated, compared exactly
    scopes        TEXT NOT NULL,          -- space-separated: the most a token may carry
    created_at    BIGINT NOT NULL,
    revoked_at    BIGINT                  -- revoked: no grant, and its tokens stop working
);
CREATE INDEX oauth_clients_by_org ON oauth_clients (organization);

-- A person of an organization who signs in at /oauth/authorize.
CREATE TABLE oauth_users (
    username      TEXT PRIMARY KEY,
    organization  TEXT NOT NULL,
    password_hash TEXT NOT NULL,          -- argon2id PHC string
    scopes        TEXT NOT NULL,          -- space-separated: what the user may grant
    created_at    BIGINT NOT NULL,
    disabled_at   BIGINT                  -- disabled: no sign-in, and its tokens stop working
);

-- The registry's access-token signing keys (ES256). The newest unretired key signs; a retired
-- key still verifies the tokens it signed until `retired_at` plus the access-token lifetime.
CREATE TABLE oauth_signing_keys (
    kid          TEXT PRIMARY KEY,
    alg          TEXT NOT NULL,           -- ES256
    private_der  TEXT NOT NULL,           -- hex PKCS#8; never served, never logged
    public_jwk   TEXT NOT NULL,           -- JSON, as published at /.well-known/jwks.json
    created_at   BIGINT NOT NULL,
    retired_at   BIGINT
);

-- One grant: every access and refresh token issued from one authorization (a code exchange or
-- a client-credentials request) and their rotations. Revoking it ends all of them at once.
CREATE TABLE oauth_families (
    family_id      TEXT PRIMARY KEY,
    client_id      TEXT NOT NULL,
    organization   TEXT NOT NULL,
    username       TEXT,                  -- NULL for client credentials
    scopes         TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    revoked_at     BIGINT,
    revoked_reason TEXT                   -- revoked | refresh_token_reuse | code_reuse | …
);
CREATE INDEX oauth_families_by_client ON oauth_families (client_id);

-- Authorization codes: single use, short-lived, bound to the client, the redirect URI and the
-- PKCE challenge. A second use revokes the family the first one started.
CREATE TABLE oauth_codes (
    code_sha256    TEXT PRIMARY KEY,
    client_id      TEXT NOT NULL,
    organization   TEXT NOT NULL,
    username       TEXT NOT NULL,
    scopes         TEXT NOT NULL,
    redirect_uri   TEXT NOT NULL,
    code_challenge TEXT NOT NULL,         -- S256
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    used_at        BIGINT,
    family_id      TEXT                   -- set when exchanged
);

-- Refresh tokens. Each use rotates: the token is marked and a new one of the same family
-- issued. A rotated token used again is a reuse, and revokes the whole family.
CREATE TABLE oauth_refresh_tokens (
    token_sha256 TEXT PRIMARY KEY,
    family_id    TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    rotated_at   BIGINT
);
CREATE INDEX oauth_refresh_tokens_by_family ON oauth_refresh_tokens (family_id);
