//! Roles and the emergency pause.

use ogcr_client::{Error, role_id};

use crate::common::{ADMIN, DEVELOPER, OPERATOR, STRANGER, World, assert_revert, sha256};

#[tokio::test]
async fn roles_are_granted_listed_and_revoked_by_the_administrator_only() {
    let w = World::new(false).await;
    let dev = w.addr(DEVELOPER);
    assert_eq!(
        w.admin.roles_of(w.addr(ADMIN)).await.unwrap(),
        ["administrator"]
    );
    assert!(w.admin.roles_of(dev).await.unwrap().is_empty());

    // Without the role, registering a project names the missing role.
    assert_revert(
        w.developer
            .register_project("P-1", sha256("pdd"), "ipfs://pdd", None)
            .await,
        &[&dev.to_string(), "lacks the developer role"],
    );

    w.admin
        .grant_role(role_id("developer").unwrap(), dev)
        .await
        .unwrap();
    w.admin
        .grant_role(role_id("validator").unwrap(), dev)
        .await
        .unwrap();
    assert_eq!(
        w.admin.roles_of(dev).await.unwrap(),
        ["developer", "validator"]
    );
    w.admin
        .revoke_role(role_id("validator").unwrap(), dev)
        .await
        .unwrap();
    assert_eq!(w.stranger.roles_of(dev).await.unwrap(), ["developer"]);
    w.developer
        .register_project("P-1", sha256("pdd"), "ipfs://pdd", None)
        .await
        .unwrap();

    // Role names: aliases and case are accepted, unknown names list the known ones.
    assert_eq!(
        role_id("operator").unwrap(),
        role_id("Registry-Operator").unwrap()
    );
    match role_id("auditor") {
        Err(Error::Config(m)) => assert!(m.contains("registry_operator"), "{m}"),
        other => panic!("expected a Config error, got {other:?}"),
    }

    // Someone without the administrator role can neither grant nor revoke.
    let stranger = w.addr(STRANGER);
    assert_revert(
        w.stranger
            .grant_role(role_id("verifier").unwrap(), stranger)
            .await,
        &[&stranger.to_string(), "lacks the administrator role"],
    );
    assert_revert(
        w.developer
            .revoke_role(role_id("developer").unwrap(), dev)
            .await,
        &["lacks the administrator role"],
    );
    assert!(w.admin.roles_of(stranger).await.unwrap().is_empty());
    assert_eq!(w.admin.roles_of(dev).await.unwrap(), ["developer"]);
}

#[tokio::test]
async fn pause_blocks_the_registry_until_the_administrator_lifts_it() {
    let w = World::new(true).await;
    assert!(!w.admin.paused().await.unwrap());

    assert_revert(w.stranger.pause().await, &["may not pause"]);
    assert_revert(w.admin.unpause().await, &["the registry is not paused"]);

    w.operator.pause().await.unwrap();
    assert!(w.stranger.paused().await.unwrap());
    assert_revert(
        w.developer
            .register_project("P-1", sha256("pdd"), "ipfs://pdd", None)
            .await,
        &["the registry is paused"],
    );
    // The operator may pause but not unpause.
    assert_revert(
        w.operator.unpause().await,
        &[
            &w.addr(OPERATOR).to_string(),
            "lacks the administrator role",
        ],
    );
    assert!(w.admin.paused().await.unwrap());

    w.admin.unpause().await.unwrap();
    assert!(!w.admin.paused().await.unwrap());
    w.developer
        .register_project("P-1", sha256("pdd"), "ipfs://pdd", None)
        .await
        .unwrap();
    let p = w.validator.project("P-1").await.unwrap();
    assert_eq!(p.developer, w.addr(DEVELOPER));
    assert_eq!(p.status, 1, "draft");
}
