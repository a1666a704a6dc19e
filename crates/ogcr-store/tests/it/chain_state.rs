//! The deployment a database follows, and its checkpoint.

use ogcr_store::{ChainState, Error, testing::backends};

use crate::fixtures::{address, batch, block, chain_state, commit, init, state};

#[tokio::test]
async fn before_init_there_is_no_state_and_writes_are_refused() {
    for db in backends().await {
        let name = db.name;
        let none = db
            .store
            .chain_state()
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(none, None, "{name}");
        let err = db
            .store
            .commit(&batch(10, 10))
            .await
            .expect_err("no deployment yet");
        assert!(matches!(err, Error::NotInitialised), "{name}: {err:?}");
        let err = db
            .store
            .rollback_to(5, "")
            .await
            .expect_err("no deployment yet");
        assert!(matches!(err, Error::NotInitialised), "{name}: {err:?}");
    }
}

#[tokio::test]
async fn init_records_the_deployment_then_returns_the_stored_checkpoint() {
    for db in backends().await {
        let name = db.name;
        let first = db
            .store
            .init_chain_state(&chain_state())
            .await
            .unwrap_or_else(|e| panic!("{name}: first init: {e}"));
        assert_eq!(first, chain_state(), "{name}");
        assert_eq!(state(name, &db.store).await, chain_state(), "{name}");

        commit(name, &db.store, &batch(10, 12)).await;
        // The indexer restarts and asks again with its fresh view: the stored checkpoint wins.
        let again = db
            .store
            .init_chain_state(&chain_state())
            .await
            .unwrap_or_else(|e| panic!("{name}: second init: {e}"));
        assert_eq!(
            again,
            ChainState {
                checkpoint_block: 12,
                checkpoint_hash: block(12).hash,
                ..chain_state()
            },
            "{name}"
        );
        assert_eq!(state(name, &db.store).await, again, "{name}");
    }
}

#[tokio::test]
async fn init_refuses_another_deployment_naming_both() {
    for db in backends().await {
        let name = db.name;
        init(name, &db.store).await;
        let other_registry = ChainState {
            project_registry: address(0x0bad),
            ..chain_state()
        };
        let other_chain = ChainState {
            chain_id: 1,
            ..chain_state()
        };
        for other in [other_registry, other_chain] {
            let err = db
                .store
                .init_chain_state(&other)
                .await
                .expect_err("another deployment must be refused");
            let message = err.to_string();
            let Error::OtherDeployment {
                existing,
                requested,
            } = err
            else {
                panic!("{name}: expected OtherDeployment, got {err:?}");
            };
            assert!(existing.contains("chain 31337"), "{name}: {existing}");
            assert!(existing.contains(&address(0x9e)), "{name}: {existing}");
            assert!(
                requested.contains(&other.project_registry)
                    && requested.contains(&format!("chain {}", other.chain_id)),
                "{name}: {requested}"
            );
            assert!(
                message.contains(&existing) && message.contains(&requested),
                "{name}: {message}"
            );
        }
        // The stored deployment is untouched.
        assert_eq!(state(name, &db.store).await, chain_state(), "{name}");
    }
}
