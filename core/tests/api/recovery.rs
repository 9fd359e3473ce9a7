//! Recovery through the app object, against a real store and an injected clock.

use crate::block_on;
use chrono::{Duration, TimeZone, Utc};

use thecal_core::RecoveryError;
use thecal_core::model::{Author, CalendarDate, ChangeAction, UtcDateTime};
use thecal_core::recovery::*;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> UtcDateTime {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn cd(year: i32, month: u8, day: u8) -> CalendarDate {
    CalendarDate { year, month, day }
}

use thecal_sim::fixtures::open;

fn field(e: RecoveryError) -> String {
    match e {
        RecoveryError::InvalidInput { field, .. } => field,
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_plan_follows_the_implant_date_with_its_checklist_and_reminders() {
    let f = open("Europe/Paris", utc(2026, 11, 25, 9, 0));
    let rec = f.thecal.recovery();
    assert_eq!(block_on(rec.plan()).unwrap(), None);
    assert_eq!(
        block_on(rec.set_item_done("driver_home".into(), true, Author::Patient)),
        Err(RecoveryError::NoPlan)
    );
    let plan =
        block_on(rec.start_plan(cd(2026, 11, 23), thecal_core::model::Drug::Morphine)).unwrap();
    assert_eq!(plan.day, 2);
    assert_eq!(plan.time_zone, "Europe/Paris");
    let item = |p: &RecoveryPlan, k: &str| p.items.iter().find(|i| i.key == k).unwrap().clone();
    let wound = item(&plan, "wound_check");
    assert_eq!(
        (wound.from_date, wound.to_date),
        (cd(2026, 11, 26), cd(2026, 11, 28))
    );
    let stitches = item(&plan, "stitches_out");
    assert!(stitches.from_date <= cd(2026, 12, 7) && cd(2026, 12, 7) <= stitches.to_date);
    assert!(plan.items.iter().all(|i| i.done_at.is_none()));

    let reminders = block_on(rec.reminders()).unwrap();
    let wound_r = reminders
        .iter()
        .find(|r| r.item.as_deref() == Some("wound_check"))
        .unwrap();
    assert_eq!(wound_r.value.first_date, cd(2026, 11, 26));
    assert_eq!(wound_r.value.time, LocalTime { hour: 9, minute: 0 });
    assert_eq!(wound_r.value.zone, ReminderZone::FollowDevice);

    let ticked =
        block_on(rec.set_item_done("driver_home".into(), true, Author::Caregiver)).unwrap();
    let d = item(&ticked, "driver_home");
    assert_eq!(d.done_at, Some(utc(2026, 11, 25, 9, 0)));
    assert_eq!(d.done_by, Some(Author::Caregiver));
    let unticked =
        block_on(rec.set_item_done("driver_home".into(), false, Author::Patient)).unwrap();
    assert_eq!(item(&unticked, "driver_home").done_at, None);
    assert_eq!(
        block_on(rec.set_item_done("no_such_item".into(), true, Author::Patient)),
        Err(RecoveryError::UnknownItem)
    );

    // Restarting replaces the plan's reminders instead of adding more.
    block_on(rec.start_plan(cd(2026, 11, 24), thecal_core::model::Drug::Morphine)).unwrap();
    assert_eq!(block_on(rec.reminders()).unwrap().len(), reminders.len());
    assert_eq!(
        field(
            block_on(rec.start_plan(cd(2024, 11, 24), thecal_core::model::Drug::Morphine))
                .unwrap_err()
        ),
        "implant_date"
    );
}

fn antibiotic(first: CalendarDate, last: CalendarDate) -> ReminderInput {
    ReminderInput {
        title: "Take your antibiotic".into(),
        time: LocalTime { hour: 8, minute: 0 },
        first_date: first,
        last_date: last,
        zone: ReminderZone::FollowDevice,
    }
}

#[test]
fn reminders_fire_once_each_across_a_flight_from_paris_to_new_york() {
    let f = open("Europe/Paris", utc(2026, 11, 24, 20, 0));
    let rec = f.thecal.recovery();
    let r = block_on(rec.add_reminder(antibiotic(cd(2026, 11, 25), cd(2026, 11, 27)))).unwrap();
    let check = |at: UtcDateTime, zone: &str| {
        f.clock.set(at);
        block_on(rec.due_reminders(zone.into())).unwrap()
    };
    assert!(check(utc(2026, 11, 24, 21, 0), "Europe/Paris").is_empty());
    let d = check(utc(2026, 11, 25, 7, 5), "Europe/Paris");
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].reminder_id, d[0].date), (r.id, cd(2026, 11, 25)));
    assert_eq!(d[0].fire_at, utc(2026, 11, 25, 7, 0));
    assert!(
        check(utc(2026, 11, 25, 7, 6), "Europe/Paris").is_empty(),
        "once"
    );
    // The 26th at 08:00 in Paris, then the flight; the phone is off until New York.
    assert_eq!(check(utc(2026, 11, 26, 7, 30), "Europe/Paris").len(), 1);
    assert!(
        check(utc(2026, 11, 26, 19, 0), "America/New_York").is_empty(),
        "08:00 on the 26th in New York is the same date: not again"
    );
    // Before scheduling, the app asks what comes next in its new zone.
    let next = block_on(rec.upcoming_reminders("America/New_York".into(), 24)).unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].fire_at, utc(2026, 11, 27, 13, 0), "08:00 EST");
    let d = check(utc(2026, 11, 27, 13, 1), "America/New_York");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].date, cd(2026, 11, 27));
    assert!(check(utc(2026, 11, 30, 0, 0), "America/New_York").is_empty());

    assert_eq!(
        field(block_on(rec.due_reminders("Mars/Olympus".into())).unwrap_err()),
        "device_zone"
    );
}

#[test]
fn reminders_fire_once_on_dst_nights() {
    let f = open("Europe/Paris", utc(2027, 3, 27, 12, 0));
    let rec = f.thecal.recovery();
    let mut r = antibiotic(cd(2027, 3, 28), cd(2027, 3, 28));
    r.time = LocalTime {
        hour: 2,
        minute: 30,
    };
    block_on(rec.add_reminder(r.clone())).unwrap();
    r.first_date = cd(2027, 10, 31);
    r.last_date = cd(2027, 10, 31);
    block_on(rec.add_reminder(r)).unwrap();
    let mut fired = Vec::new();
    // An app checking every 20 minutes through both nights.
    for (from, to) in [
        (utc(2027, 3, 27, 22, 0), utc(2027, 3, 28, 4, 0)),
        (utc(2027, 10, 30, 22, 0), utc(2027, 10, 31, 4, 0)),
    ] {
        let mut t = from;
        while t <= to {
            f.clock.set(t);
            fired.extend(block_on(rec.due_reminders("Europe/Paris".into())).unwrap());
            t += Duration::minutes(20);
        }
    }
    let times: Vec<_> = fired.iter().map(|d| d.fire_at).collect();
    assert_eq!(
        times,
        vec![utc(2027, 3, 28, 1, 30), utc(2027, 10, 31, 0, 30)],
        "03:30 CEST on the spring-forward night; the first 02:30 on the fall-back night"
    );
}

#[test]
fn a_bad_reminder_names_the_field() {
    let f = open("Europe/Paris", utc(2026, 11, 24, 20, 0));
    let rec = f.thecal.recovery();
    let ok = antibiotic(cd(2026, 11, 25), cd(2026, 11, 27));
    let bad = |r: ReminderInput| field(block_on(rec.add_reminder(r)).unwrap_err());
    assert_eq!(
        bad(ReminderInput {
            title: " ".into(),
            ..ok.clone()
        }),
        "title"
    );
    assert_eq!(
        bad(ReminderInput {
            time: LocalTime {
                hour: 24,
                minute: 0
            },
            ..ok.clone()
        }),
        "time"
    );
    assert_eq!(
        bad(ReminderInput {
            last_date: cd(2026, 11, 20),
            ..ok.clone()
        }),
        "last_date"
    );
    assert_eq!(
        bad(ReminderInput {
            zone: ReminderZone::Fixed {
                time_zone: "Nowhere/City".into()
            },
            ..ok.clone()
        }),
        "zone"
    );
    assert!(block_on(rec.reminders()).unwrap().is_empty());
    let r = block_on(rec.add_reminder(ok)).unwrap();
    block_on(rec.remove_reminder(r.id)).unwrap();
    assert_eq!(
        block_on(rec.remove_reminder(r.id)),
        Err(RecoveryError::NotFound)
    );
}

#[test]
fn a_logged_symptom_says_what_to_do_and_keeps_its_history() {
    let now = utc(2026, 11, 25, 9, 0);
    let f = open("Europe/Paris", now);
    let rec = f.thecal.recovery();
    let bruise = block_on(rec.log_symptom(
        SymptomInput {
            at: now - Duration::hours(1),
            symptom: Symptom::Bruising,
            severity: Severity::Mild,
            note: Some(" around the pump ".into()),
        },
        Author::Patient,
    ))
    .unwrap();
    assert_eq!(bruise.guidance.level, GuidanceLevel::Routine);
    assert_eq!(bruise.value.note.as_deref(), Some("around the pump"));
    let fever = block_on(rec.log_symptom(
        SymptomInput {
            at: now,
            symptom: Symptom::Fever,
            severity: Severity::Mild,
            note: None,
        },
        Author::Caregiver,
    ))
    .unwrap();
    assert_eq!(fever.guidance.level, GuidanceLevel::CallClinic);
    assert!(fever.guidance.instruction.contains("Call your clinic now"));
    let drowsy = rec.assess(Symptom::UnusualDrowsiness, Severity::Mild);
    assert_eq!(drowsy.level, GuidanceLevel::Emergency);

    f.clock.advance(Duration::hours(1));
    let worse = block_on(rec.edit_symptom(
        bruise.id,
        SymptomInput {
            severity: Severity::Severe,
            ..bruise.value.clone()
        },
        Author::Clinician,
    ))
    .unwrap();
    assert_eq!(worse.guidance.level, GuidanceLevel::CallClinic);
    let h = block_on(rec.symptom_history(bruise.id)).unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[1].change.author, Author::Clinician);
    assert_eq!(h[1].change.changed_fields, vec!["severity"]);
    assert_eq!(h[0].value.severity, Severity::Mild);

    block_on(rec.delete_symptom(fever.id, Author::Patient)).unwrap();
    let day = (now - Duration::days(1), now + Duration::days(1));
    assert_eq!(block_on(rec.symptoms(day.0, day.1)).unwrap().len(), 1);
    block_on(rec.restore_symptom(fever.id, Author::Patient)).unwrap();
    assert_eq!(block_on(rec.symptoms(day.0, day.1)).unwrap().len(), 2);
    assert_eq!(
        block_on(rec.symptom_history(fever.id))
            .unwrap()
            .last()
            .unwrap()
            .change
            .action,
        ChangeAction::Restored
    );

    assert_eq!(
        field(
            block_on(rec.log_symptom(
                SymptomInput {
                    at: now + Duration::days(1),
                    symptom: Symptom::Headache,
                    severity: Severity::Mild,
                    note: None,
                },
                Author::Patient,
            ))
            .unwrap_err()
        ),
        "at"
    );
}

#[test]
fn guidance_is_reachable_from_the_app_object() {
    let f = open("Europe/Paris", utc(2026, 11, 25, 9, 0));
    let rec = f.thecal.recovery();
    let flags = rec.red_flags();
    assert!(flags.len() >= 8);
    assert!(flags.iter().any(|f| f.level == GuidanceLevel::Emergency
        && f.instruction.contains("Call emergency services now")));
    let w = rec.withdrawal_guidance(thecal_core::model::Drug::Baclofen);
    assert_eq!(w.group, "baclofen");
    assert!(!w.emergency_signs.is_empty());
}
