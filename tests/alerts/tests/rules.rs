//! A pump alarm stored on the patient's phone becomes an alert for the caregiver through the
//! rules: once while it holds (however often the rules run), the caregiver gets it with the
//! caregiver's wording, and when the alarm clears a new one would be a new alert.

use std::sync::Arc;

use thecal_alerts_tests::{TestRelay, World, paired};
use thecal_core::alerts::messages::{AlertCategory, AlertPriority};
use thecal_core::alerts::rules::{self, RuleSettings};
use thecal_core::dashboard;
use thecal_core::link::FreshnessConfig;
use thecal_core::model::{AlarmKind, AlarmPriority, AlarmState, HistoryDetail, HistoryEvent, Zone};
use thecal_core::store::Store;
use thecal_core::therapy::db as therapy_db;
use thecal_sim::pump::{SimConfig, SimPump};

fn alarm_event(sequence: u32, state: AlarmState, world: &World) -> HistoryEvent {
    HistoryEvent {
        sequence,
        pump_time: world.now(),
        detail: HistoryDetail::Alarm {
            kind: AlarmKind::MotorStall,
            priority: AlarmPriority::High,
            state,
            raised_sequence: 1,
        },
    }
}

/// What the rules see on the patient's phone now.
fn conditions(store: &Arc<Store>, world: &World) -> Vec<rules::Condition> {
    let now = world.now();
    let d = store
        .read(|c| {
            dashboard::build(
                c,
                &thecal_core::link::LinkSnapshot::idle(),
                now,
                Zone::UTC,
                FreshnessConfig::default(),
                thecal_core::l10n::Language::English,
            )
        })
        .expect("the dashboard");
    rules::conditions(
        &d,
        now,
        &RuleSettings::default(),
        thecal_core::l10n::Language::English,
    )
}

#[tokio::test]
async fn a_pump_alarm_is_told_once_while_it_holds() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (patient, carer) = paired(&world, &relay).await;
    let pump = SimPump::new(SimConfig::implanted(7, world.now()));
    let info = pump.device_info();
    patient
        .store
        .write(|tx| {
            therapy_db::upsert_pump(tx, &info, world.now())?;
            therapy_db::insert_event(
                tx,
                &info.serial,
                &alarm_event(1, AlarmState::Raised, &world),
                world.now(),
            )
        })
        .unwrap();

    let holding = conditions(&patient.store, &world);
    assert_eq!(holding.len(), 1, "{holding:?}");
    assert_eq!(holding[0].category, AlertCategory::PumpAlarm);
    assert_eq!(holding[0].priority, AlertPriority::High);
    let raised = patient.session.evaluate(holding.clone()).await.unwrap();
    assert_eq!(raised.len(), 1);
    // The rules run again (every change on the phone): nothing new is sent.
    world.advance(std::time::Duration::from_secs(300));
    assert!(
        patient
            .session
            .evaluate(conditions(&patient.store, &world))
            .await
            .unwrap()
            .is_empty()
    );

    carer.session.sync(0).await.unwrap();
    let inbox = carer.session.inbox().unwrap();
    assert_eq!(inbox.len(), 1, "told once");
    assert_eq!(inbox[0].category, AlertCategory::PumpAlarm);
    assert!(inbox[0].body.contains("motor stopped"), "{}", inbox[0].body);
    assert!(inbox[0].body.contains("Call the clinic"));

    // The alarm clears: the condition ends, and nothing is sent for it.
    patient
        .store
        .write(|tx| {
            therapy_db::insert_event(
                tx,
                &info.serial,
                &alarm_event(2, AlarmState::Cleared, &world),
                world.now(),
            )
        })
        .unwrap();
    assert!(conditions(&patient.store, &world).is_empty());
    assert!(
        patient
            .session
            .evaluate(Vec::new())
            .await
            .unwrap()
            .is_empty()
    );
    carer.session.sync(0).await.unwrap();
    assert_eq!(carer.session.inbox().unwrap().len(), 1);

    // The same condition again later is a new alert.
    let again = patient.session.evaluate(holding).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_ne!(again, raised);
}
