//! The webhook tables: final events read in chain order, deliveries queued idempotently with
//! the cursor in one transaction (a repeat queues nothing and never moves the cursor back),
//! one pending delivery at a time in event order, attempts recorded, giving up disabling the
//! subscription with its reason, and a delete scoped to the owning organization. Webhook rows
//! are not chain data: a reset keeps them and the dump of indexed state leaves them out.

use ogcr_store::{
    testing::backends,
    webhooks::{AttemptOutcome, DeliveryFilter, NewDelivery, NewWebhook, delivery_state},
};

use crate::fixtures::{batch, commit, dump, event, init};

fn webhook(id: &str, org: &str) -> NewWebhook {
    NewWebhook {
        webhook_id: id.into(),
        organization: org.into(),
        key_id: "k1".into(),
        url: "https://hooks.example.com/in".into(),
        events: "project.created".into(),
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
        description: String::new(),
        after: (11, i64::MAX),
        created_at: 1,
    }
}

fn delivery(block: i64, log: i64) -> NewDelivery {
    NewDelivery {
        event_id: format!("evt_31337_{block}_{log}"),
        event_type: "project.created".into(),
        block_number: block,
        log_index: log,
        payload: format!(r#"{{"block":{block}}}"#),
    }
}

#[tokio::test]
async fn deliveries_queue_once_in_order_and_giving_up_disables() {
    for db in backends().await {
        let (name, s) = (db.name, &db.store);
        init(name, s).await;
        let mut b = batch(10, 14);
        b.events = vec![
            event(11, 0, "PDDRegistered"),
            event(12, 1, "RoleGranted"),
            event(12, 3, "PDDRegistered"),
            event(14, 0, "PDDRegistered"),
        ];
        commit(name, s, &b).await;
        let found = s
            .events_after((11, i64::MAX), 13, &["PDDRegistered"], 10)
            .await
            .unwrap();
        assert_eq!(
            found
                .iter()
                .map(|e| (e.block_number, e.log_index))
                .collect::<Vec<_>>(),
            vec![(12, 3)],
            "{name}: after the cursor, up to the floor, by name"
        );

        let w = s.insert_webhook(&webhook("wh_a", "acme")).await.unwrap();
        assert_eq!(w.secret.expose(), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        assert!(!format!("{w:?}").contains("MfKQ9r8G"), "{name}: {w:?}");
        assert_eq!((w.state.as_str(), w.after_block), ("active", 11), "{name}");
        let queued = [delivery(12, 3), delivery(13, 0)];
        assert_eq!(
            s.queue_webhook_deliveries("wh_a", &queued, (13, i64::MAX), 5)
                .await
                .unwrap(),
            2,
            "{name}"
        );
        // Again (a crash before the cursor was seen to move): nothing new, cursor kept.
        assert_eq!(
            s.queue_webhook_deliveries("wh_a", &queued, (13, i64::MAX), 6)
                .await
                .unwrap(),
            0,
            "{name}"
        );
        assert_eq!(
            s.queue_webhook_deliveries("wh_a", &[delivery(12, 9)], (12, 9), 7)
                .await
                .unwrap(),
            0,
            "{name}: a cursor never moves back"
        );
        let w = s.webhook("wh_a").await.unwrap().unwrap();
        assert_eq!((w.after_block, w.after_log), (13, i64::MAX), "{name}");

        // One at a time, oldest first.
        let first = s.next_webhook_delivery("wh_a").await.unwrap().unwrap();
        assert_eq!(first.event_id, "evt_31337_12_3", "{name}");
        s.record_webhook_attempt(
            "wh_a",
            &first.event_id,
            100,
            Some(500),
            Some("HTTP 500"),
            &AttemptOutcome::Retry {
                next_attempt_at: 200,
            },
        )
        .await
        .unwrap();
        let again = s.next_webhook_delivery("wh_a").await.unwrap().unwrap();
        assert_eq!(
            (
                again.event_id.as_str(),
                again.attempts,
                again.next_attempt_at,
                again.first_attempt_at
            ),
            ("evt_31337_12_3", 1, 200, Some(100)),
            "{name}: the failed one stays first"
        );
        s.record_webhook_attempt(
            "wh_a",
            &first.event_id,
            200,
            Some(204),
            None,
            &AttemptOutcome::Delivered,
        )
        .await
        .unwrap();
        let next = s.next_webhook_delivery("wh_a").await.unwrap().unwrap();
        assert_eq!(next.event_id, "evt_31337_13_0", "{name}");
        s.record_webhook_attempt(
            "wh_a",
            &next.event_id,
            300,
            None,
            Some("connection refused"),
            &AttemptOutcome::GiveUp {
                reason: "delivery of evt_31337_13_0 failed for 24 h".into(),
            },
        )
        .await
        .unwrap();
        let w = s.webhook("wh_a").await.unwrap().unwrap();
        assert_eq!(w.state, "disabled", "{name}");
        assert!(
            w.disabled_reason.unwrap().contains("evt_31337_13_0"),
            "{name}"
        );
        assert_eq!(s.webhook_delivery_counts("wh_a").await.unwrap(), (0, 1, 1));
        let page = s
            .webhook_deliveries(
                "wh_a",
                &DeliveryFilter {
                    state: Some(delivery_state::FAILED.into()),
                    after: None,
                    limit: 10,
                },
            )
            .await
            .unwrap();
        assert_eq!(page.len(), 1, "{name}");
        assert_eq!(page[0].last_error.as_deref(), Some("connection refused"));
        // A disabled subscription queues nothing more, nor does one that does not exist.
        assert_eq!(
            s.queue_webhook_deliveries("wh_none", &[delivery(14, 0)], (14, 0), 0)
                .await
                .unwrap(),
            0,
            "{name}"
        );
        assert_eq!(
            s.queue_webhook_deliveries("wh_a", &[delivery(14, 0)], (14, i64::MAX), 8)
                .await
                .unwrap(),
            0,
            "{name}"
        );

        // Finished deliveries are forgotten after the retention period (the one delivered at
        // 200, not the one given up at 300).
        assert_eq!(s.prune_webhook_deliveries(250).await.unwrap(), 1, "{name}");
        assert_eq!(
            s.webhook_delivery_counts("wh_a").await.unwrap(),
            (0, 0, 1),
            "{name}"
        );

        // Not indexed data: left out of the dump, kept by a reset.
        assert!(
            dump(name, s)
                .await
                .iter()
                .all(|(t, _)| !t.starts_with("webhook")),
            "{name}"
        );
        s.reset().await.unwrap();
        assert!(s.webhook("wh_a").await.unwrap().is_some(), "{name}");

        // Only the owner deletes, and the queue goes with it.
        assert!(!s.delete_webhook("other", "wh_a").await.unwrap(), "{name}");
        assert!(s.delete_webhook("acme", "wh_a").await.unwrap(), "{name}");
        assert!(s.webhook("wh_a").await.unwrap().is_none(), "{name}");
        assert_eq!(
            s.webhook_delivery_counts("wh_a").await.unwrap(),
            (0, 0, 0),
            "{name}"
        );
    }
}
