//! The phone-silent alarm through a real relay (protocol §9): the patient's phone declares its
//! check-in schedule with the confirmed caregiver as watcher; when a check-in is overdue, the
//! relay's own sweep puts a "phone_silent" notice in the caregiver's mailbox, stored on her phone
//! for the patient she paired with; the next check-in (made in passing) brings "phone_back". The
//! relay's background work runs every few milliseconds at the shared test clock: the test moves
//! the clock and long-polls the mailbox.

use std::sync::Arc;
use std::time::Duration;

use thecal_alerts_tests::{T0, TestRelay, World, paired};
use thecal_core::alerts::heartbeat::{self, CheckInSchedule, PhoneNoticeKind};
use thecal_core::alerts::relay::RelayClient;
use thecal_core::l10n::Language;
use thecal_core::model::Zone;
use thecal_sim::http::ReqwestHttp;

const TICK: Duration = Duration::from_millis(20);

#[tokio::test]
async fn an_overdue_check_in_reaches_the_caregiver_as_a_notice_once_then_phone_back() {
    let world = World::new();
    let relay = TestRelay::start_ticking(&world, TICK).await;
    let (patient, carer) = paired(&world, &relay).await;

    // The patient's phone declares the default schedule with Anna as the one watcher.
    let watch = patient.session.check_in().await.unwrap();
    assert!(watch.watching);
    assert_eq!(watch.watchers, 1);
    assert_eq!(watch.schedule, CheckInSchedule::default());
    assert_eq!(
        watch.due_at.unwrap().timestamp(),
        T0 + 3_600 + 1_800,
        "interval plus grace"
    );
    assert_eq!(watch.last_check_in.unwrap().timestamp(), T0);

    // Nothing to tell before the due time.
    world.advance(Duration::from_secs(3_600 + 1_700));
    assert!(carer.session.sync(0).await.unwrap().notices.is_empty());

    // Past it: the relay's sweep makes the notice and the long poll returns with it.
    world.advance(Duration::from_secs(200));
    let report = carer.session.sync(10).await.unwrap();
    assert_eq!(report.notices.len(), 1, "{report:?}");
    let zone = Zone::get("UTC").unwrap();
    let shown = carer
        .store
        .read(|c| heartbeat::notices(c, Language::English, zone, world.now()))
        .unwrap();
    assert_eq!(shown.len(), 1);
    let n = &shown[0];
    assert_eq!(n.kind, PhoneNoticeKind::Silent);
    assert_eq!(n.patient, "Mum");
    assert_eq!(n.last_seen_at.timestamp(), T0);
    assert_eq!(n.due_at.unwrap().timestamp(), T0 + 5_400);
    assert!(!n.phone_back);
    assert_eq!(n.title, "No news from Mum's phone");
    assert!(
        n.body.contains("11:06"),
        "the last check-in, T0 in UTC: {}",
        n.body
    );
    // Read again (a second fetch of the same items) nothing doubles.
    assert!(carer.session.sync(0).await.unwrap().notices.is_empty());

    // The patient's phone talks to the relay again: it checks in in passing, and the relay tells
    // Anna the phone is back.
    world.advance(Duration::from_secs(600));
    patient.session.send_pending().await.unwrap();
    let watch = patient.session.phone_watch().unwrap();
    assert_eq!(
        watch.last_check_in.unwrap().timestamp(),
        world.now_s(),
        "checked in in passing"
    );
    let report = carer.session.sync(10).await.unwrap();
    assert_eq!(report.notices.len(), 1, "{report:?}");
    let shown = carer
        .store
        .read(|c| heartbeat::notices(c, Language::French, zone, world.now()))
        .unwrap();
    assert_eq!(shown.len(), 2);
    assert_eq!(shown[0].kind, PhoneNoticeKind::Back);
    assert!(shown[0].title.contains("Mum"), "{}", shown[0].title);
    assert!(
        shown[0].title.contains("retour"),
        "in French: {}",
        shown[0].title
    );
    assert!(shown[1].phone_back, "the silence is over");

    // A second check-in soon after is not needed in passing.
    world.advance(Duration::from_secs(60));
    patient.session.send_pending().await.unwrap();
    assert_eq!(
        patient
            .session
            .phone_watch()
            .unwrap()
            .last_check_in
            .unwrap()
            .timestamp(),
        world.now_s() - 60
    );
}

#[tokio::test]
async fn revoking_the_last_caregiver_withdraws_the_watch_and_stopping_holds_until_a_check_in() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (patient, carer) = paired(&world, &relay).await;
    let anna = carer.session.keys().unwrap().mailbox();

    // The patient chooses a shorter schedule: declared at once.
    let watch = patient
        .session
        .set_check_in_schedule(CheckInSchedule {
            interval_seconds: 600,
            grace_seconds: 60,
        })
        .await
        .unwrap();
    assert!(watch.watching);
    assert_eq!(watch.due_at.unwrap().timestamp(), T0 + 660);

    // Stopped before switching the phone off: the relay no longer watches, and talking to the
    // relay in passing does not start it again.
    let watch = patient.session.stop_watching().await.unwrap();
    assert!(!watch.watching);
    assert!(watch.stopped_at.is_some());
    world.advance(Duration::from_secs(3_600));
    patient.session.send_pending().await.unwrap();
    assert!(!patient.session.phone_watch().unwrap().watching);
    // The explicit check-in (the app starting again) does.
    let watch = patient.session.check_in().await.unwrap();
    assert!(watch.watching);
    assert!(watch.stopped_at.is_none());
    assert_eq!(watch.due_at.unwrap().timestamp(), world.now_s() + 660);

    // Anna's pairing ends: nobody is left to tell, the watch is withdrawn.
    patient.session.revoke(anna).await.unwrap();
    let watch = patient.session.phone_watch().unwrap();
    assert!(!watch.watching, "{watch:?}");
    assert_eq!(watch.watchers, 0);
    let watch = patient.session.check_in().await.unwrap();
    assert!(!watch.watching, "nothing to declare");
}

#[tokio::test]
async fn a_notice_about_a_phone_that_is_not_a_paired_patient_is_dropped() {
    let world = World::new();
    let relay = TestRelay::start_ticking(&world, TICK).await;
    let (_patient, carer) = paired(&world, &relay).await;

    // A stranger's phone names Anna's mailbox as a watcher (the relay does not check who).
    let stranger = thecal_alerts_tests::Phone::new(&world);
    stranger.session.invite(&relay.base).await.unwrap();
    let keys = stranger.session.keys().unwrap();
    let client = RelayClient::new(
        &relay.base,
        Arc::new(ReqwestHttp::new()),
        Arc::new(world.clone()),
    );
    let anna = carer.session.keys().unwrap().mailbox();
    let body = format!(r#"{{"interval_s":60,"grace_s":0,"watchers":["{anna}"]}}"#);
    client.put_heartbeat(&keys, &body).await.unwrap();

    world.advance(Duration::from_secs(61));
    let report = carer.session.sync(10).await.unwrap();
    assert_eq!(report.received, 1, "the notice came: {report:?}");
    assert!(report.notices.is_empty(), "and was dropped: {report:?}");
    let shown = carer
        .store
        .read(|c| heartbeat::notices(c, Language::English, Zone::get("UTC").unwrap(), world.now()))
        .unwrap();
    assert!(shown.is_empty());
    // Acknowledged all the same: it does not come back.
    assert_eq!(carer.session.sync(0).await.unwrap().received, 0);
}
