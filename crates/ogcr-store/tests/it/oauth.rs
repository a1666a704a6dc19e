//! The OAuth tables: clients and users (revoking a client or disabling a user kills their
//! token families), signing keys retired all but one, authorization codes and refresh tokens
//! used once by compare-and-set (a second use is told apart from an unknown value, and keeps
//! the family of the first), on SQLite and PostgreSQL.

use ogcr_store::{
    oauth::{AuthCode, OAuthClient, OAuthUser, Redeem, RefreshToken, SigningKey, TokenFamily},
    testing::backends,
};

fn client(id: &str) -> OAuthClient {
    OAuthClient {
        client_id: id.into(),
        organization: "acme".into(),
        name: "app".into(),
        kind: "confidential".into(),
        secret_sha256: Some("ab".repeat(32)),
        redirect_uris: "https://app.example/cb".into(),
        scopes: "audit:read".into(),
        created_at: 1,
        revoked_at: None,
    }
}

fn family(id: &str, client_id: &str, user: Option<&str>) -> TokenFamily {
    TokenFamily {
        family_id: id.into(),
        client_id: client_id.into(),
        organization: "acme".into(),
        username: user.map(str::to_owned),
        scopes: "audit:read".into(),
        created_at: 1,
        revoked_at: None,
        revoked_reason: None,
    }
}

#[tokio::test]
async fn codes_and_refresh_tokens_are_used_once_and_families_die_with_their_client() {
    for db in backends().await {
        let (name, s) = (db.name, &db.store);
        s.insert_oauth_client(&client("oc_1")).await.unwrap();
        s.insert_oauth_client(&client("oc_2")).await.unwrap();
        assert_eq!(
            s.oauth_clients(Some("acme")).await.unwrap().len(),
            2,
            "{name}"
        );
        s.insert_oauth_user(&OAuthUser {
            username: "alice".into(),
            organization: "acme".into(),
            password_hash: "$argon2id$…".into(),
            scopes: "audit:read".into(),
            created_at: 1,
            disabled_at: None,
        })
        .await
        .unwrap();

        // A code: fresh once, then reused (with the first exchange's family), unknown else.
        let code = AuthCode {
            code_sha256: "c1".into(),
            client_id: "oc_1".into(),
            organization: "acme".into(),
            username: "alice".into(),
            scopes: "audit:read".into(),
            redirect_uri: "https://app.example/cb".into(),
            code_challenge: "x".repeat(43),
            created_at: 1,
            expires_at: 61,
            used_at: None,
            family_id: None,
        };
        s.insert_auth_code(&code).await.unwrap();
        assert_eq!(
            s.redeem_auth_code("c1", "fam_a", 5).await.unwrap(),
            Redeem::Fresh(code.clone()),
            "{name}"
        );
        match s.redeem_auth_code("c1", "fam_b", 6).await.unwrap() {
            Redeem::Reused(c) => assert_eq!(c.family_id.as_deref(), Some("fam_a"), "{name}"),
            other => panic!("{name}: {other:?}"),
        }
        assert_eq!(
            s.redeem_auth_code("nope", "fam_c", 6).await.unwrap(),
            Redeem::Unknown,
            "{name}"
        );

        // A refresh token rotates once.
        s.insert_token_family(&family("fam_a", "oc_1", Some("alice")))
            .await
            .unwrap();
        s.insert_token_family(&family("fam_b", "oc_2", None))
            .await
            .unwrap();
        let t = RefreshToken {
            token_sha256: "r1".into(),
            family_id: "fam_a".into(),
            created_at: 5,
            expires_at: 1000,
            rotated_at: None,
        };
        s.insert_refresh_token(&t).await.unwrap();
        assert_eq!(
            s.rotate_refresh_token("r1", 7).await.unwrap(),
            Redeem::Fresh(t),
            "{name}"
        );
        assert!(
            matches!(s.rotate_refresh_token("r1", 8).await.unwrap(), Redeem::Reused(r) if r.rotated_at == Some(7)),
            "{name}"
        );
        assert_eq!(
            s.rotate_refresh_token("r9", 8).await.unwrap(),
            Redeem::Unknown
        );

        // Families: live until revoked, or until their user is disabled or client revoked.
        assert!(s.token_family_live("fam_a").await.unwrap(), "{name}");
        assert!(s.token_family_live("fam_b").await.unwrap(), "{name}");
        assert!(!s.token_family_live("fam_zz").await.unwrap(), "{name}");
        assert!(s.disable_oauth_user("alice", 9).await.unwrap(), "{name}");
        assert!(!s.disable_oauth_user("alice", 9).await.unwrap(), "{name}");
        assert!(!s.token_family_live("fam_a").await.unwrap(), "{name}");
        assert_eq!(
            s.token_family("fam_a")
                .await
                .unwrap()
                .unwrap()
                .revoked_reason
                .as_deref(),
            Some("user_disabled")
        );
        assert!(s.revoke_oauth_client("oc_2", 10).await.unwrap(), "{name}");
        assert!(!s.token_family_live("fam_b").await.unwrap(), "{name}");
        assert!(
            s.oauth_client("oc_2").await.unwrap().unwrap().revoked_at == Some(10),
            "{name}"
        );
        assert!(!s.revoke_token_family("fam_b", "revoked", 11).await.unwrap());
    }
}

#[tokio::test]
async fn signing_keys_are_retired_all_but_the_new_one() {
    for db in backends().await {
        let (name, s) = (db.name, &db.store);
        let key = |kid: &str, at: i64| SigningKey {
            kid: kid.into(),
            alg: "ES256".into(),
            private_der: "00".into(),
            public_jwk: "{}".into(),
            created_at: at,
            retired_at: None,
        };
        s.insert_signing_key(&key("k1", 1)).await.unwrap();
        s.insert_signing_key(&key("k2", 2)).await.unwrap();
        assert_eq!(
            s.retire_signing_keys_except("k2", 3).await.unwrap(),
            1,
            "{name}"
        );
        let keys = s.signing_keys().await.unwrap();
        assert_eq!(
            keys.iter()
                .map(|k| (k.kid.as_str(), k.retired_at))
                .collect::<Vec<_>>(),
            vec![("k2", None), ("k1", Some(3))],
            "{name}"
        );
        assert!(s.signing_key("k1").await.unwrap().is_some());
    }
}
