//! The write API's embedded OAuth 2.0 server (migration 0007): clients, organization users,
//! the access-token signing keys, authorization codes, token families and refresh tokens.
//!
//! Times are unix seconds (the unit of JWT claims). Nothing here derives from the chain, so
//! [`Store::reset`] and reorg rollbacks leave it alone. Codes and refresh tokens are looked up
//! by the SHA-256 of their value (the caller hashes); their use is a compare-and-set, so two
//! concurrent uses of one value see one success and one reuse.

use sqlx::Row;

use crate::{
    Result, Store,
    table::{Table, Val, bind_all, for_backend, table},
};

table! {
    /// A registered client application.
    OAuthClient in "oauth_clients", key (client_id) {
        client_id: String,
        organization: String,
        name: String,
        kind: String,
        secret_sha256: Option<String>,
        redirect_uris: String,
        scopes: String,
        created_at: i64,
        revoked_at: Option<i64>,
    }
}

table! {
    /// A person of an organization who signs in at the authorization endpoint.
    OAuthUser in "oauth_users", key (username) {
        username: String,
        organization: String,
        password_hash: String,
        scopes: String,
        created_at: i64,
        disabled_at: Option<i64>,
    }
}

table! {
    /// An access-token signing key (the private part never leaves the server).
    SigningKey in "oauth_signing_keys", key (kid) {
        kid: String,
        alg: String,
        private_der: String,
        public_jwk: String,
        created_at: i64,
        retired_at: Option<i64>,
    }
}

table! {
    /// One grant and every token issued from it.
    TokenFamily in "oauth_families", key (family_id) {
        family_id: String,
        client_id: String,
        organization: String,
        username: Option<String>,
        scopes: String,
        created_at: i64,
        revoked_at: Option<i64>,
        revoked_reason: Option<String>,
    }
}

table! {
    /// An authorization code (stored hashed).
    AuthCode in "oauth_codes", key (code_sha256) {
        code_sha256: String,
        client_id: String,
        organization: String,
        username: String,
        scopes: String,
        redirect_uri: String,
        code_challenge: String,
        created_at: i64,
        expires_at: i64,
        used_at: Option<i64>,
        family_id: Option<String>,
    }
}

table! {
    /// A refresh token (stored hashed).
    RefreshToken in "oauth_refresh_tokens", key (token_sha256) {
        token_sha256: String,
        family_id: String,
        created_at: i64,
        expires_at: i64,
        rotated_at: Option<i64>,
    }
}

/// Client kinds.
pub mod client_kind {
    /// Holds a secret (a server-side web app, a service): client_secret_basic or _post.
    pub const CONFIDENTIAL: &str = "confidential";
    /// Holds no secret (a browser or native app): authorization code with PKCE only.
    pub const PUBLIC: &str = "public";
}

/// What using a code or a refresh token came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redeem<T> {
    /// First use: the row as it was.
    Fresh(T),
    /// Used before: the row (its family is the one to revoke).
    Reused(T),
    /// No such value.
    Unknown,
}

impl Store {
    async fn oauth_exec(&self, sql: &str, vals: Vec<Val>) -> Result<u64> {
        let mut conn = self.conn().await?;
        let sql = for_backend(&conn, sql.to_owned());
        Ok(bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), vals)
            .execute(&mut *conn)
            .await?
            .rows_affected())
    }

    async fn oauth_typed<T: Table>(&self, tail: &str, vals: Vec<Val>) -> Result<Vec<T>> {
        let sql = format!("SELECT {} FROM {} {tail}", T::COLUMNS.join(", "), T::TABLE);
        self.rows(sql, vals)
            .await?
            .iter()
            .map(T::from_row)
            .collect()
    }

    async fn oauth_insert<T: Table>(&self, row: &T) -> Result<()> {
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            T::TABLE,
            T::COLUMNS.join(", "),
            crate::table::placeholders(0, T::COLUMNS.len())
        );
        self.oauth_exec(&sql, row.values()).await?;
        Ok(())
    }

    // ---------------------------------------------------------------- clients

    /// Registers a client.
    pub async fn insert_oauth_client(&self, c: &OAuthClient) -> Result<()> {
        self.oauth_insert(c).await
    }

    /// A client by id (revoked ones too: callers check).
    pub async fn oauth_client(&self, client_id: &str) -> Result<Option<OAuthClient>> {
        Ok(self
            .oauth_typed::<OAuthClient>("WHERE client_id = $1", vec![client_id.into()])
            .await?
            .into_iter()
            .next())
    }

    /// Every client (of `organization`, when given), oldest first.
    pub async fn oauth_clients(&self, organization: Option<&str>) -> Result<Vec<OAuthClient>> {
        match organization {
            Some(o) => {
                self.oauth_typed(
                    "WHERE organization = $1 ORDER BY created_at, client_id",
                    vec![o.into()],
                )
                .await
            }
            None => {
                self.oauth_typed("ORDER BY created_at, client_id", Vec::new())
                    .await
            }
        }
    }

    /// Revokes a client and every token family it holds; false when it is unknown or was
    /// revoked already.
    pub async fn revoke_oauth_client(&self, client_id: &str, now: i64) -> Result<bool> {
        let n = self
            .oauth_exec(
                "UPDATE oauth_clients SET revoked_at = $1 WHERE client_id = $2 \
                 AND revoked_at IS NULL",
                vec![now.into(), client_id.into()],
            )
            .await?;
        self.oauth_exec(
            "UPDATE oauth_families SET revoked_at = $1, revoked_reason = 'client_revoked' \
             WHERE client_id = $2 AND revoked_at IS NULL",
            vec![now.into(), client_id.into()],
        )
        .await?;
        Ok(n == 1)
    }

    // ---------------------------------------------------------------- users

    /// Creates a user.
    pub async fn insert_oauth_user(&self, u: &OAuthUser) -> Result<()> {
        self.oauth_insert(u).await
    }

    /// A user by name (disabled ones too: callers check).
    pub async fn oauth_user(&self, username: &str) -> Result<Option<OAuthUser>> {
        Ok(self
            .oauth_typed::<OAuthUser>("WHERE username = $1", vec![username.into()])
            .await?
            .into_iter()
            .next())
    }

    /// Disables a user and revokes every token family issued to them; false when unknown or
    /// disabled already.
    pub async fn disable_oauth_user(&self, username: &str, now: i64) -> Result<bool> {
        let n = self
            .oauth_exec(
                "UPDATE oauth_users SET disabled_at = $1 WHERE username = $2 \
                 AND disabled_at IS NULL",
                vec![now.into(), username.into()],
            )
            .await?;
        self.oauth_exec(
            "UPDATE oauth_families SET revoked_at = $1, revoked_reason = 'user_disabled' \
             WHERE username = $2 AND revoked_at IS NULL",
            vec![now.into(), username.into()],
        )
        .await?;
        Ok(n == 1)
    }

    // ---------------------------------------------------------------- signing keys

    /// Stores a new signing key.
    pub async fn insert_signing_key(&self, k: &SigningKey) -> Result<()> {
        self.oauth_insert(k).await
    }

    /// Every signing key: the unretired ones first, then by retirement and creation, newest
    /// first.
    pub async fn signing_keys(&self) -> Result<Vec<SigningKey>> {
        self.oauth_typed(
            "ORDER BY CASE WHEN retired_at IS NULL THEN 0 ELSE 1 END, retired_at DESC, \
             created_at DESC, kid DESC",
            Vec::new(),
        )
        .await
    }

    /// A signing key by id.
    pub async fn signing_key(&self, kid: &str) -> Result<Option<SigningKey>> {
        Ok(self
            .oauth_typed::<SigningKey>("WHERE kid = $1", vec![kid.into()])
            .await?
            .into_iter()
            .next())
    }

    /// Marks every unretired key but `keep` retired at `now`.
    pub async fn retire_signing_keys_except(&self, keep: &str, now: i64) -> Result<u64> {
        self.oauth_exec(
            "UPDATE oauth_signing_keys SET retired_at = $1 WHERE kid <> $2 AND retired_at IS NULL",
            vec![now.into(), keep.into()],
        )
        .await
    }

    // ---------------------------------------------------------------- families

    /// Starts a token family.
    pub async fn insert_token_family(&self, f: &TokenFamily) -> Result<()> {
        self.oauth_insert(f).await
    }

    /// A family by id.
    pub async fn token_family(&self, family_id: &str) -> Result<Option<TokenFamily>> {
        Ok(self
            .oauth_typed::<TokenFamily>("WHERE family_id = $1", vec![family_id.into()])
            .await?
            .into_iter()
            .next())
    }

    /// Whether tokens of `family_id` still work: the family is not revoked, its client not
    /// revoked and its user (if any) not disabled.
    pub async fn token_family_live(&self, family_id: &str) -> Result<bool> {
        let rows = self
            .rows(
                "SELECT f.revoked_at, c.revoked_at, u.disabled_at, f.username, u.username \
                 FROM oauth_families f JOIN oauth_clients c ON c.client_id = f.client_id \
                 LEFT JOIN oauth_users u ON u.username = f.username WHERE f.family_id = $1"
                    .into(),
                vec![family_id.into()],
            )
            .await?;
        let Some(r) = rows.first() else {
            return Ok(false);
        };
        let family: Option<i64> = r.try_get(0)?;
        let client: Option<i64> = r.try_get(1)?;
        let user: Option<i64> = r.try_get(2)?;
        let wanted: Option<String> = r.try_get(3)?;
        let found: Option<String> = r.try_get(4)?;
        // A family of a user who no longer exists is dead too.
        let user_gone = wanted.is_some() && found.is_none();
        Ok(family.is_none() && client.is_none() && user.is_none() && !user_gone)
    }

    /// Revokes a family with `reason`; false when unknown or revoked already.
    pub async fn revoke_token_family(
        &self,
        family_id: &str,
        reason: &str,
        now: i64,
    ) -> Result<bool> {
        Ok(self
            .oauth_exec(
                "UPDATE oauth_families SET revoked_at = $1, revoked_reason = $2 \
                 WHERE family_id = $3 AND revoked_at IS NULL",
                vec![now.into(), reason.into(), family_id.into()],
            )
            .await?
            == 1)
    }

    // ---------------------------------------------------------------- codes

    /// Stores an authorization code.
    pub async fn insert_auth_code(&self, c: &AuthCode) -> Result<()> {
        self.oauth_insert(c).await
    }

    /// Uses the code with hash `code_sha256` at `now`, binding it to `family_id` (the family
    /// the exchange starts): [`Redeem::Fresh`] the first time, [`Redeem::Reused`] after.
    pub async fn redeem_auth_code(
        &self,
        code_sha256: &str,
        family_id: &str,
        now: i64,
    ) -> Result<Redeem<AuthCode>> {
        let Some(code) = self
            .oauth_typed::<AuthCode>("WHERE code_sha256 = $1", vec![code_sha256.into()])
            .await?
            .into_iter()
            .next()
        else {
            return Ok(Redeem::Unknown);
        };
        let n = self
            .oauth_exec(
                "UPDATE oauth_codes SET used_at = $1, family_id = $2 \
                 WHERE code_sha256 = $3 AND used_at IS NULL",
                vec![now.into(), family_id.into(), code_sha256.into()],
            )
            .await?;
        if n == 1 {
            Ok(Redeem::Fresh(code))
        } else {
            // Read again: the family id is the first exchange's.
            let again = self
                .oauth_typed::<AuthCode>("WHERE code_sha256 = $1", vec![code_sha256.into()])
                .await?
                .into_iter()
                .next()
                .unwrap_or(code);
            Ok(Redeem::Reused(again))
        }
    }

    /// Forgets codes that expired before `before`.
    pub async fn prune_auth_codes(&self, before: i64) -> Result<u64> {
        self.oauth_exec(
            "DELETE FROM oauth_codes WHERE expires_at < $1",
            vec![before.into()],
        )
        .await
    }

    // ---------------------------------------------------------------- refresh tokens

    /// Stores a refresh token.
    pub async fn insert_refresh_token(&self, t: &RefreshToken) -> Result<()> {
        self.oauth_insert(t).await
    }

    /// Rotates the refresh token with hash `token_sha256` at `now`: [`Redeem::Fresh`] the
    /// first time (the caller issues the next one of the family), [`Redeem::Reused`] when it
    /// was rotated already.
    pub async fn rotate_refresh_token(
        &self,
        token_sha256: &str,
        now: i64,
    ) -> Result<Redeem<RefreshToken>> {
        let Some(token) = self.refresh_token(token_sha256).await? else {
            return Ok(Redeem::Unknown);
        };
        let n = self
            .oauth_exec(
                "UPDATE oauth_refresh_tokens SET rotated_at = $1 \
                 WHERE token_sha256 = $2 AND rotated_at IS NULL",
                vec![now.into(), token_sha256.into()],
            )
            .await?;
        Ok(if n == 1 {
            Redeem::Fresh(token)
        } else {
            Redeem::Reused(token)
        })
    }

    /// A refresh token by hash.
    pub async fn refresh_token(&self, token_sha256: &str) -> Result<Option<RefreshToken>> {
        Ok(self
            .oauth_typed::<RefreshToken>("WHERE token_sha256 = $1", vec![token_sha256.into()])
            .await?
            .into_iter()
            .next())
    }
}
