//! Each caregiver's settings at work through a real relay: quiet hours hold what can wait (never a
//! critical alarm), reminders come at the interval chosen and stop for a snooze or an
//! acknowledgement, critical alerts cannot be snoozed, the rota decides who is asked, and a
//! high-priority alert nobody acknowledges reaches the next caregiver through the relay's
//! escalation hold even with the patient's phone switched off.

use std::time::Duration;

use thecal_alerts_tests::{Phone, TestRelay, World, add_caregiver, paired};
use thecal_core::alerts::messages::{AlertCategory, AlertPriority};
use thecal_core::alerts::policy::{CaregiverSettings, DailySpan, OnCallWindow, Weekday};
use thecal_core::alerts::rules::Condition;
use thecal_core::alerts::session::Error;
use thecal_proto::MailboxId;

const MINUTE: Duration = Duration::from_secs(60);

fn condition(key: &str, category: AlertCategory, priority: AlertPriority) -> Condition {
    Condition {
        key: key.into(),
        category,
        priority,
        title: format!("title of {key}"),
        body: format!("body of {key}"),
    }
}

fn pump_alarm() -> Condition {
    condition(
        "pump_alarm:1",
        AlertCategory::PumpAlarm,
        AlertPriority::High,
    )
}

fn refill_due() -> Condition {
    condition(
        "refill_due:2026-11-24",
        AlertCategory::RefillDue,
        AlertPriority::Medium,
    )
}

fn link_lost() -> Condition {
    condition(
        "link_lost:1",
        AlertCategory::LinkLost,
        AlertPriority::Medium,
    )
}

/// The only caregiver on the patient's phone (Anna).
fn anna(patient: &Phone) -> MailboxId {
    patient.session.peers().expect("the peers")[0]
        .bundle
        .mailbox()
}

/// Anna's quiet hours: 11:00–15:00 UTC (the tests start at 11:06:40).
fn quiet_from_11_to_15(patient: &Phone) {
    let quiet = CaregiverSettings {
        quiet_hours: Some(DailySpan {
            from_minute: 11 * 60,
            to_minute: 15 * 60,
        }),
        time_zone: "UTC".into(),
        ..CaregiverSettings::default()
    };
    patient
        .session
        .set_caregiver_settings(anna(patient), &quiet)
        .expect("Anna's settings");
}

/// The titles in a caregiver's inbox after reading her mailbox.
async fn titles(carer: &Phone) -> Vec<String> {
    carer.session.sync(0).await.expect("the mailbox");
    let mut t: Vec<String> = carer
        .session
        .inbox()
        .expect("the inbox")
        .into_iter()
        .map(|a| a.title)
        .collect();
    t.sort();
    t
}

#[tokio::test]
async fn quiet_hours_hold_what_can_wait_but_never_a_critical_alarm() {
    // T0 is Wednesday 2026-11-18 11:06:40 UTC. Anna is quiet 11:00–15:00 UTC.
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (patient, carer) = paired(&world, &relay).await;
    quiet_from_11_to_15(&patient);

    let raised = patient
        .session
        .evaluate(vec![pump_alarm(), refill_due(), link_lost()])
        .await
        .unwrap();
    assert_eq!(raised.len(), 3);
    assert_eq!(
        titles(&carer).await,
        vec!["title of pump_alarm:1"],
        "only the critical alarm goes during quiet hours"
    );

    // At 13:00 the link is back: that condition ended, and its held copy never goes.
    world.advance(113 * MINUTE + Duration::from_secs(20));
    patient
        .session
        .evaluate(vec![pump_alarm(), refill_due()])
        .await
        .unwrap();
    assert_eq!(titles(&carer).await, vec!["title of pump_alarm:1"]);

    // 14:59: still quiet. 15:00: the refill reminder goes, once.
    world.advance(119 * MINUTE);
    patient.session.send_pending().await.unwrap();
    assert_eq!(titles(&carer).await.len(), 1);
    world.advance(MINUTE);
    patient.session.send_pending().await.unwrap();
    patient
        .session
        .evaluate(vec![pump_alarm(), refill_due()])
        .await
        .unwrap();
    assert_eq!(
        titles(&carer).await,
        vec!["title of pump_alarm:1", "title of refill_due:2026-11-24"]
    );
}

#[tokio::test]
async fn reminders_come_at_the_chosen_interval_and_stop_for_a_snooze() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (patient, carer) = paired(&world, &relay).await;
    let every_half_hour = CaregiverSettings {
        reminder_minutes: Some(30),
        ..CaregiverSettings::default()
    };
    patient
        .session
        .set_caregiver_settings(anna(&patient), &every_half_hour)
        .unwrap();
    let rules = || patient.session.evaluate(vec![refill_due()]);
    let inbox = || async {
        carer.session.sync(0).await.unwrap();
        let mut i = carer.session.inbox().unwrap();
        assert_eq!(i.len(), 1, "one alert, however often it is repeated: {i:?}");
        i.remove(0)
    };

    rules().await.unwrap();
    let first = inbox().await;
    assert_eq!(first.reminders, 0);
    assert!(first.can_snooze);
    // The rules run every minute; the reminder comes after 30.
    world.advance(29 * MINUTE);
    rules().await.unwrap();
    assert_eq!(inbox().await.reminders, 0);
    world.advance(MINUTE);
    rules().await.unwrap();
    let read = carer.session.sync(0).await.unwrap();
    assert_eq!(
        read.alerts,
        vec![first.message_id.clone()],
        "a reminder names the alert's row, for the app to notify again"
    );
    let reminded = inbox().await;
    assert_eq!(reminded.reminders, 1);
    assert_eq!(reminded.reminded_at, Some(world.now()));

    // Snoozed for an hour: no reminder at +30, one at +60.
    carer
        .session
        .snooze(&first.message_id, Some(60))
        .await
        .unwrap();
    patient.session.sync(0).await.unwrap();
    let snoozed = inbox().await;
    assert!(snoozed.snoozed);
    assert!(snoozed.snoozed_until.is_some());
    world.advance(30 * MINUTE);
    rules().await.unwrap();
    assert_eq!(inbox().await.reminders, 1);
    world.advance(30 * MINUTE);
    rules().await.unwrap();
    assert_eq!(inbox().await.reminders, 2);

    // Snoozed while it holds: no more reminders, however long it holds.
    carer.session.snooze(&first.message_id, None).await.unwrap();
    patient.session.sync(0).await.unwrap();
    for _ in 0..4 {
        world.advance(45 * MINUTE);
        rules().await.unwrap();
    }
    let last = inbox().await;
    assert_eq!(last.reminders, 2);
    assert!(last.snoozed && last.snoozed_until.is_none());
    let d = patient.session.deliveries(&last.alert_id).unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].reminders, 2, "{d:?}");
}

#[tokio::test]
async fn a_critical_alarm_cannot_be_snoozed_and_acknowledging_stops_its_reminders() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (patient, carer) = paired(&world, &relay).await;
    patient
        .session
        .set_caregiver_settings(
            anna(&patient),
            &CaregiverSettings {
                reminder_minutes: Some(10),
                ..CaregiverSettings::default()
            },
        )
        .unwrap();
    patient.session.evaluate(vec![pump_alarm()]).await.unwrap();
    carer.session.sync(0).await.unwrap();
    let alarm = carer.session.inbox().unwrap().remove(0);
    assert!(!alarm.can_snooze);
    assert_eq!(
        carer.session.snooze(&alarm.message_id, Some(60)).await,
        Err(Error::CannotSnooze)
    );
    world.advance(10 * MINUTE);
    patient.session.evaluate(vec![pump_alarm()]).await.unwrap();
    carer.session.sync(0).await.unwrap();
    assert_eq!(carer.session.inbox().unwrap()[0].reminders, 1);

    carer.session.acknowledge(&alarm.message_id).await.unwrap();
    patient.session.sync(0).await.unwrap();
    for _ in 0..3 {
        world.advance(10 * MINUTE);
        patient.session.evaluate(vec![pump_alarm()]).await.unwrap();
    }
    carer.session.sync(0).await.unwrap();
    assert_eq!(
        carer.session.inbox().unwrap()[0].reminders,
        1,
        "no reminder after the acknowledgement"
    );
}

/// Anna (always on call, first in the rota) and Ben (on call only on Saturday nights, second).
async fn two_caregivers(world: &World, relay: &TestRelay) -> (Phone, Phone, Phone) {
    let (patient, anna_phone) = paired(world, relay).await;
    let (ben_phone, ben) = add_caregiver(world, relay, &patient, "Ben").await;
    patient
        .session
        .set_caregiver_settings(
            ben,
            &CaregiverSettings {
                on_call: vec![OnCallWindow {
                    days: vec![Weekday::Saturday],
                    hours: DailySpan {
                        from_minute: 22 * 60,
                        to_minute: 6 * 60,
                    },
                }],
                rota_position: 1,
                time_zone: "UTC".into(),
                ..CaregiverSettings::default()
            },
        )
        .expect("Ben's settings");
    (patient, anna_phone, ben_phone)
}

#[tokio::test]
async fn an_unacknowledged_alarm_reaches_the_next_caregiver_with_the_patients_phone_off() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (patient, anna_phone, ben_phone) = two_caregivers(&world, &relay).await;

    let raised = patient
        .session
        .evaluate(vec![pump_alarm(), refill_due()])
        .await
        .unwrap();
    let alarm_id = &raised[0];
    let d = patient.session.deliveries(alarm_id).unwrap();
    assert_eq!(d.len(), 2, "{d:?}");
    assert_eq!(d[0].caregiver, "Anna");
    assert!(d[0].sent_at.is_some() && d[0].escalates_at.is_none());
    assert_eq!(d[1].caregiver, "Ben");
    assert_eq!(d[1].sent_at, None);
    assert_eq!(
        d[1].escalates_at,
        Some(world.now() + chrono::Duration::minutes(15))
    );
    // The patient's phone goes off now: it takes no part in what follows.
    drop(patient);

    assert_eq!(titles(&anna_phone).await.len(), 2);
    assert!(
        titles(&ben_phone).await.is_empty(),
        "Ben is not on call: nothing yet"
    );
    world.advance(14 * MINUTE);
    relay.tick().await;
    assert!(titles(&ben_phone).await.is_empty());
    world.advance(MINUTE);
    relay.tick().await;
    ben_phone.session.sync(0).await.unwrap();
    let inbox = ben_phone.session.inbox().unwrap();
    assert_eq!(inbox.len(), 1, "the alarm, not the refill: {inbox:?}");
    assert_eq!(inbox[0].title, "title of pump_alarm:1");
    assert_eq!(inbox[0].escalation_step, Some(1));
    assert_eq!(inbox[0].patient, "Mum");
}

#[tokio::test]
async fn an_acknowledgement_cancels_the_escalation_on_the_relay() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (patient, anna_phone, ben_phone) = two_caregivers(&world, &relay).await;
    let raised = patient.session.evaluate(vec![pump_alarm()]).await.unwrap();
    drop(patient);

    world.advance(5 * MINUTE);
    anna_phone.session.sync(0).await.unwrap();
    let alarm = anna_phone.session.inbox().unwrap().remove(0);
    assert_eq!(alarm.alert_id, raised[0]);
    anna_phone
        .session
        .acknowledge(&alarm.message_id)
        .await
        .unwrap();

    world.advance(60 * MINUTE);
    relay.tick().await;
    assert!(
        titles(&ben_phone).await.is_empty(),
        "Anna answered: Ben is not asked"
    );
}

#[tokio::test]
async fn an_alert_held_for_quiet_hours_never_goes_to_a_caregiver_who_ended_the_pairing() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (patient, carer) = paired(&world, &relay).await;
    quiet_from_11_to_15(&patient);
    let raised = patient.session.evaluate(vec![refill_due()]).await.unwrap();
    // Anna ends the pairing from her phone; the patient's phone learns it.
    let mum = carer.session.peers().unwrap()[0].bundle.mailbox();
    carer.session.revoke(mum).await.unwrap();
    assert_eq!(patient.session.sync(0).await.unwrap().revoked.len(), 1);

    world.advance(5 * 60 * MINUTE);
    assert_eq!(patient.session.send_pending().await.unwrap(), 0);
    let d = patient.session.deliveries(&raised[0]).unwrap();
    assert_eq!(d[0].sent_at, None, "{d:?}");
    let read = carer.session.sync(0).await.unwrap();
    assert_eq!((read.received, read.refused), (0, 0), "{read:?}");
}

#[tokio::test]
async fn a_copy_held_for_quiet_hours_arrives_out_of_order_and_the_gap_shows_until_it_does() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (patient, carer) = paired(&world, &relay).await;
    quiet_from_11_to_15(&patient);
    // The refill reminder is sealed first (held until 15:00), the critical alarm after it (sent
    // now): the alarm arrives first, one sequence number ahead.
    patient.session.evaluate(vec![refill_due()]).await.unwrap();
    patient
        .session
        .evaluate(vec![refill_due(), pump_alarm()])
        .await
        .unwrap();
    assert_eq!(titles(&carer).await, vec!["title of pump_alarm:1"]);
    let mum = &carer.session.peers().unwrap()[0];
    assert_eq!(mum.missing, 1, "one message from Mum missing, and shown");

    world.advance(4 * 60 * MINUTE);
    patient.session.send_pending().await.unwrap();
    assert_eq!(titles(&carer).await.len(), 2, "the late one is accepted");
    assert_eq!(
        carer.session.peers().unwrap()[0].missing,
        0,
        "its gap filled"
    );
}
