//! An alert from the patient's phone to a caregiver's and the receipts back, through a real relay:
//! stored before sent, opened only by the caregiver, delivered once, "delivered to Anna at …,
//! acknowledged by Anna at …" on the patient's phone; and no plaintext on the relay.

use thecal_alerts_tests::{TestRelay, World, paired};
use thecal_core::alerts::NewAlert;
use thecal_core::alerts::messages::{AlertCategory, AlertPriority};
use thecal_core::alerts::session::Error;

fn pump_alarm() -> NewAlert {
    NewAlert {
        category: AlertCategory::PumpAlarm,
        priority: AlertPriority::High,
        title: "Pump alarm".into(),
        body: "Zqxwv Canary's pump reports a motor stall (morphine 4321 µg/day).".into(),
    }
}

#[tokio::test]
async fn an_alert_reaches_the_caregiver_and_her_receipts_come_back() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (patient, carer) = paired(&world, &relay).await;

    let alert_id = patient.session.raise(pump_alarm()).await.unwrap();
    let d = patient.session.deliveries(&alert_id).unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].caregiver, "Anna");
    assert!(d[0].sent_at.is_some(), "the relay took it: {d:?}");
    assert!(d[0].delivered_at.is_none());

    let report = carer.session.sync(0).await.unwrap();
    assert_eq!(report.alerts.len(), 1, "{report:?}");
    let inbox = carer.session.inbox().unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].patient, "Mum");
    assert_eq!(inbox[0].priority, AlertPriority::High);
    assert_eq!(inbox[0].body, pump_alarm().body);
    assert!(inbox[0].acknowledged_at.is_none());

    // The "delivered" receipt went back with the read.
    patient.session.sync(0).await.unwrap();
    let d = patient.session.deliveries(&alert_id).unwrap();
    assert!(d[0].delivered_at.is_some(), "{d:?}");
    assert!(d[0].acknowledged_at.is_none());

    world.advance(std::time::Duration::from_secs(90));
    carer
        .session
        .acknowledge(&inbox[0].message_id)
        .await
        .unwrap();
    let report = patient.session.sync(0).await.unwrap();
    assert_eq!(report.receipts, 1, "{report:?}");
    let d = patient.session.deliveries(&alert_id).unwrap();
    let (delivered, acked) = (d[0].delivered_at.unwrap(), d[0].acknowledged_at.unwrap());
    assert_eq!((acked - delivered).num_seconds(), 90);
    assert_eq!(
        d[0].seen_at, d[0].acknowledged_at,
        "acknowledging is seeing"
    );

    // Acknowledging again changes nothing and sends nothing; an unknown id is an error.
    carer
        .session
        .acknowledge(&inbox[0].message_id)
        .await
        .unwrap();
    assert_eq!(patient.session.sync(0).await.unwrap().receipts, 0);
    assert_eq!(
        carer.session.acknowledge("AAAAAAAAAAAAAAAAAAAAAA").await,
        Err(Error::UnknownAlert)
    );

    // Nothing readable on the relay: not in its database, not in its WAL.
    let stored = relay.stored_bytes();
    assert!(!stored.is_empty());
    for canary in [
        "Zqxwv",
        "Canary",
        "motor stall",
        "morphine",
        "4321",
        "Anna",
        "Mum",
    ] {
        assert!(
            !stored.windows(canary.len()).any(|w| w == canary.as_bytes()),
            "{canary} found in the relay's files"
        );
    }
}

#[tokio::test]
async fn an_alert_raised_while_the_relay_is_down_goes_once_it_is_back() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (patient, carer) = paired(&world, &relay).await;
    let dir = relay.dir.path().to_owned();
    let base = relay.base.clone();
    relay.stop_keeping_data().await;

    // Stored, not sent: raising does not fail for want of a relay.
    let alert_id = patient.session.raise(pump_alarm()).await.unwrap();
    let d = patient.session.deliveries(&alert_id).unwrap();
    assert!(d[0].sent_at.is_none(), "{d:?}");
    // Sending now fails quietly and waits (5 s, then longer).
    assert_eq!(patient.session.send_pending().await.unwrap(), 0);

    let relay = TestRelay::restart(&world, &dir, &base).await;
    // Not due yet: the backoff holds it.
    assert_eq!(patient.session.send_pending().await.unwrap(), 0);
    world.advance(std::time::Duration::from_secs(60));
    assert_eq!(patient.session.send_pending().await.unwrap(), 1);
    assert_eq!(
        patient.session.send_pending().await.unwrap(),
        0,
        "sent once"
    );
    let report = carer.session.sync(0).await.unwrap();
    assert_eq!(report.alerts.len(), 1, "{report:?}");
    assert_eq!(carer.session.inbox().unwrap().len(), 1);
    relay.stop().await;
}
