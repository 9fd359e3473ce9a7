//! A push payload opened by the core alone (protocol §10), as a notification extension does it:
//! `PushReader` over the caregiver's data folder and key store, nothing else. The payloads are
//! the relay's own (its APNs and FCM bodies for the envelope waiting in the caregiver's mailbox).
//! What the push says is stored as a mailbox read stores it: the later read finds a duplicate,
//! and the "delivered" receipt it owes reaches the patient.

use std::sync::Arc;

use thecal_alerts_tests::{Phone, TestRelay, World, paired};
use thecal_core::alerts::envelope::{self, Kind};
use thecal_core::alerts::messages::{AlertCategory, AlertPriority};
use thecal_core::alerts::push::PushContent;
use thecal_core::alerts::relay::{Item, RelayClient};
use thecal_core::alerts::{DeviceKeys, NewAlert};
use thecal_core::{CaregiverError, PushReader};
use thecal_proto::EnvelopeHeader;
use thecal_relay::store::PushJob;
use thecal_sim::http::ReqwestHttp;

fn pump_alarm() -> NewAlert {
    NewAlert {
        category: AlertCategory::PumpAlarm,
        priority: AlertPriority::High,
        title: "Pump alarm".into(),
        body: "The pump's motor stopped: infusion may have stopped. Call the clinic now.".into(),
    }
}

/// The envelopes waiting in `phone`'s mailbox (not acknowledged: still there for its own read).
async fn waiting(world: &World, relay: &TestRelay, keys: &DeviceKeys) -> Vec<Vec<u8>> {
    let client = RelayClient::new(
        &relay.base,
        Arc::new(ReqwestHttp::new()),
        Arc::new(world.clone()),
    );
    client
        .fetch(keys, 0, 100)
        .await
        .expect("the mailbox is read")
        .into_iter()
        .filter_map(|i| match i {
            Item::Envelope { envelope, .. } => Some(envelope),
            Item::Notice { .. } => None,
        })
        .collect()
}

fn job(keys: &DeviceKeys, envelope: Option<Vec<u8>>, notice: Option<&str>) -> PushJob {
    PushJob {
        job_id: 1,
        mailbox: keys.mailbox(),
        target: String::new(),
        envelope,
        notice: notice.map(str::to_owned),
        attempts: 0,
    }
}

/// The `thecal` object of the relay's APNs body.
fn apns_thecal(job: &PushJob) -> String {
    let body: serde_json::Value =
        serde_json::from_str(&thecal_relay::push::apns_body(job)).expect("the relay's JSON");
    body["thecal"].to_string()
}

/// The `data` of the relay's FCM message (every value a string), as the app hands it over.
fn fcm_data(job: &PushJob) -> String {
    thecal_relay::push::fcm_body(job, "token")["message"]["data"].to_string()
}

fn reader(world: &World, phone: &Phone) -> Arc<PushReader> {
    PushReader::open_with_clock(
        phone.dir.path(),
        phone.secrets.clone(),
        Arc::new(world.clone()),
    )
    .expect("the reader opens")
}

#[tokio::test]
async fn an_alert_in_a_push_is_shown_stored_once_and_its_receipt_reaches_the_patient() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (patient, carer) = paired(&world, &relay).await;
    let alert_id = patient.session.raise(pump_alarm()).await.unwrap();

    let keys = carer.session.keys().unwrap();
    let envelopes = waiting(&world, &relay, &keys).await;
    assert_eq!(envelopes.len(), 1);
    let push = job(&keys, Some(envelopes[0].clone()), None);
    let payload = apns_thecal(&push);
    assert!(payload.contains("\"env\""), "the envelope rides inline");

    let reader = reader(&world, &carer);
    let shown = reader.read(payload.clone()).await.unwrap();
    let PushContent::Alert {
        message_id,
        patient: name,
        title,
        body,
        priority,
        category,
    } = shown.clone()
    else {
        panic!("an alert to show: {shown:?}")
    };
    assert_eq!(name, "Mum");
    assert_eq!(title, "Pump alarm");
    assert_eq!(body, pump_alarm().body);
    assert_eq!(priority, AlertPriority::High);
    assert_eq!(category, AlertCategory::PumpAlarm);
    // Stored before the app ever ran.
    let inbox = carer.session.inbox().unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].message_id, message_id);

    // The same push again (a retry by the provider), or as FCM hands it: shown the same.
    assert_eq!(reader.read(payload).await.unwrap(), shown);
    assert_eq!(reader.read(fcm_data(&push)).await.unwrap(), shown);

    // The app's mailbox read later finds it a duplicate, and sends the receipt it owes.
    let report = carer.session.sync(0).await.unwrap();
    assert!(report.alerts.is_empty(), "{report:?}");
    assert_eq!(report.duplicates, 1, "{report:?}");
    assert_eq!(carer.session.inbox().unwrap().len(), 1);
    let back = patient.session.sync(0).await.unwrap();
    assert_eq!(back.receipts, 1, "{back:?}");
    let d = patient.session.deliveries(&alert_id).unwrap();
    assert!(d[0].delivered_at.is_some(), "{d:?}");
}

#[tokio::test]
async fn without_an_envelope_the_app_reads_the_mailbox() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (_patient, carer) = paired(&world, &relay).await;
    let keys = carer.session.keys().unwrap();
    let reader = reader(&world, &carer);

    // Too big to ride inline: the relay sends it content-free.
    let big = job(&keys, Some(vec![1; 5_000]), None);
    let free = apns_thecal(&big);
    assert!(!free.contains("\"env\""));
    assert_eq!(reader.read(free).await.unwrap(), PushContent::FetchMailbox);
    // A relay notice (the patient's phone went silent).
    let notice = apns_thecal(&job(&keys, None, Some("phone_silent")));
    assert_eq!(
        reader.read(notice).await.unwrap(),
        PushContent::FetchMailbox
    );
}

#[tokio::test]
async fn malformed_misaddressed_strange_and_tampered_payloads_are_typed_errors() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (patient, carer) = paired(&world, &relay).await;
    patient.session.raise(pump_alarm()).await.unwrap();
    let keys = carer.session.keys().unwrap();
    let envelope = waiting(&world, &relay, &keys).await.remove(0);
    let reader = reader(&world, &carer);

    for bad in ["", "{}", r#"{"v":1,"mbx":"x"}"#, "not json"] {
        assert!(
            matches!(
                reader.read(bad.into()).await,
                Err(CaregiverError::BadPushPayload { .. })
            ),
            "{bad}"
        );
    }

    // Addressed to another mailbox: the patient's.
    let patient_keys = patient.session.keys().unwrap();
    let elsewhere = apns_thecal(&job(&patient_keys, Some(envelope.clone()), None));
    assert_eq!(
        reader.read(elsewhere).await,
        Err(CaregiverError::NotForThisDevice)
    );

    // One byte of the sealed text changed on the way.
    let mut tampered = envelope.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert_eq!(
        reader
            .read(apns_thecal(&job(&keys, Some(tampered), None)))
            .await,
        Err(CaregiverError::Tampered)
    );

    // Sealed by a phone Anna never paired with.
    let stranger = DeviceKeys::load_or_create(Phone::new(&world).secrets.as_ref()).unwrap();
    let header = EnvelopeHeader {
        kind: Kind::Alert as u8,
        recipient: keys.mailbox(),
        sender: stranger.mailbox(),
        message_id: [9; 16],
        seq: 1,
        expires_at: u64::try_from(world.now_s()).unwrap() + 3_600,
    };
    let forged = envelope::seal(&stranger, &keys.bundle(), &header, b"{}", None).unwrap();
    assert_eq!(
        reader
            .read(apns_thecal(&job(&keys, Some(forged), None)))
            .await,
        Err(CaregiverError::UnknownSender)
    );

    // None of them was stored; the real one still opens.
    assert!(carer.session.inbox().unwrap().is_empty());
    let shown = reader
        .read(apns_thecal(&job(&keys, Some(envelope), None)))
        .await
        .unwrap();
    assert!(matches!(shown, PushContent::Alert { .. }), "{shown:?}");
}

#[tokio::test]
async fn the_push_target_is_registered_with_the_relay_and_a_bad_one_refused() {
    use thecal_core::alerts::push::PushTarget;
    use thecal_core::alerts::session::Error;

    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (_patient, carer) = paired(&world, &relay).await;
    carer
        .session
        .set_push_target(&PushTarget::Fcm {
            token: "fcm-registration-token".into(),
        })
        .await
        .unwrap();
    let refused = carer
        .session
        .set_push_target(&PushTarget::UnifiedPush {
            endpoint: "ftp://push.example.org/x".into(),
        })
        .await;
    assert!(
        matches!(&refused, Err(Error::Relay(e)) if e.code() == Some("bad_request")),
        "{refused:?}"
    );
    carer.session.clear_push_target().await.unwrap();
}
