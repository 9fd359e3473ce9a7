//! The dashboard: everything the home screen shows, from a store seeded with a simulated pump's
//! life, across time zones and DST.

use crate::block_on;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};

use thecal_core::Thecal;
use thecal_core::dashboard::*;
use thecal_core::l10n::{Domain, Language, Texts};
use thecal_core::link::{Freshness, LinkState};
use thecal_core::model::{UtcDateTime, Zone, local_date};
use thecal_core::store::Store;
use thecal_core::therapy::db::insert_event;
use thecal_core::therapy::{DateRange, describe_range};
use thecal_sim::{SimConfig, SimPump};

fn english() -> Texts {
    Texts::or_english(Language::English, Domain::Dashboard)
}

fn start() -> UtcDateTime {
    Utc.with_ymd_and_hms(2024, 1, 15, 8, 0, 0).unwrap()
}

/// Writes `days` of a simulated pump's life into `store`: a reading every hour (the first at
/// `start()`) and every history event, with the model's settings, as the link would.
fn seed(store: &Store, sim: &mut SimPump, days: i64) {
    thecal_sim::fixtures::seed_sim(
        store,
        sim,
        start() - Duration::hours(1),
        days,
        Duration::hours(1),
    )
    .unwrap();
}

fn open_at(now: UtcDateTime, tz: &str) -> (tempfile::TempDir, Arc<Thecal>) {
    let f = thecal_sim::fixtures::open(tz, now);
    (f.dir, f.thecal)
}

/// 400 days of a simulated pump's life up to `now`, the last event a catheter alarm.
fn a_year_with_a_catheter_alarm(
    now: UtcDateTime,
    tz: &str,
) -> (tempfile::TempDir, Arc<Thecal>, SimPump) {
    let (d, thecal) = open_at(now, tz);
    let mut sim = SimPump::new(SimConfig::implanted(19, start()));
    seed(thecal.store(), &mut sim, 400);
    sim.inject(thecal_sim::SimFault::RaiseAlarm(
        thecal_core::model::AlarmKind::CatheterOcclusion,
    ));
    let e = sim.history().last().cloned().unwrap();
    thecal
        .store()
        .write(|tx| insert_event(tx, &sim.config().serial, &e, now))
        .unwrap();
    (d, thecal, sim)
}

#[test]
fn an_empty_store_says_no_data_and_no_pump() {
    let (_d, thecal) = open_at(start(), "Europe/Paris");
    let d = block_on(thecal.dashboard()).unwrap();
    assert_eq!(d.freshness, Freshness::NoData);
    assert!(d.pump.is_none() && d.reservoir.is_none() && d.alarms.is_empty());
    assert_eq!(d.link_state, LinkState::Idle);
    assert_eq!(d.time_zone, "Europe/Paris");
}

#[test]
fn a_year_of_history_gives_forecasts_refills_and_unknown_alarm_states_while_disconnected() {
    let now = start() + Duration::days(400);
    let (_d, thecal, sim) = a_year_with_a_catheter_alarm(now, "Europe/Paris");

    let d = block_on(thecal.dashboard()).unwrap();
    assert_eq!(
        d.pump.as_ref().map(|p| p.serial.clone()),
        Some(sim.config().serial.clone())
    );
    // The newest reading is from the last seeded hour: 400 days minus one hour after start.
    assert_eq!(
        d.last_reading_age,
        Some(std::time::Duration::from_secs(3600))
    );
    // An hour old, but no connection attempt has finished yet: "updating", not a stale alarm.
    assert_eq!(d.freshness, Freshness::Updating);
    let r = d.reservoir.expect("a reservoir forecast");
    assert_eq!(r.volume, sim.status_reading().reservoir_volume);
    let empty = r.empty.expect("an empty date");
    assert!(empty.earliest <= empty.expected && empty.expected <= empty.latest);
    let b = d.battery.expect("a battery forecast");
    let eri = b.eri.expect("an ERI forecast after 400 days");
    assert!(eri.expected > now && b.eos.unwrap().expected > eri.expected);
    assert_eq!(eri.level_percent, 80);
    assert!(d.last_refill.is_some(), "a year of therapy has refills");
    assert_eq!(
        d.dates.last_refill,
        d.last_refill.as_ref().map(|r| describe_range(
            &DateRange::exact(r.at),
            now,
            Zone::get("Europe/Paris").unwrap(),
            &english(),
        ))
    );
    let occlusion = d
        .alarms
        .iter()
        .find(|a| a.alarm.kind == thecal_core::model::AlarmKind::CatheterOcclusion)
        .unwrap();
    assert_eq!(
        occlusion.current,
        AlarmCurrentState::Unknown,
        "the link is down: the pump may have cleared it"
    );
    assert_eq!(
        d.alarms[0].alarm.priority,
        thecal_core::model::AlarmPriority::High
    );
}

#[test]
fn the_home_screen_speaks_the_phones_language() {
    let now = start() + Duration::days(400);
    let (_d, thecal, _sim) = a_year_with_a_catheter_alarm(now, "Europe/Berlin");
    let english_day = block_on(thecal.dashboard()).unwrap();

    assert_eq!(
        thecal.set_languages(vec!["de-AT".into(), "en".into()]),
        Language::German
    );
    let d = block_on(thecal.dashboard()).unwrap();
    // The same forecast, in German words.
    let german = Texts::or_english(Language::German, Domain::Dashboard);
    let tz = Zone::get("Europe/Berlin").unwrap();
    let empty = d.reservoir.as_ref().and_then(|r| r.empty).unwrap();
    assert_eq!(
        d.dates.reservoir_empty,
        Some(describe_range(&empty, now, tz, &german))
    );
    assert_ne!(d.dates.reservoir_empty, english_day.dates.reservoir_empty);
    let alarm = d
        .alarms
        .iter()
        .find(|a| a.alarm.kind == thecal_core::model::AlarmKind::CatheterOcclusion)
        .unwrap();
    assert_eq!(alarm.words.name, "Problem mit dem Katheter");
    // Its advice: no clinician has reviewed the German yet, so the English with a German note.
    assert!(
        alarm
            .words
            .advice
            .starts_with("The medicine may not be reaching")
    );
    assert!(alarm.words.note.as_deref().unwrap().contains("Deutsch"));

    // The screens' own words by key, with arguments; plurals follow the language.
    let text = |key: &str, args: &[(&str, &str)]| {
        thecal.text(
            key.into(),
            args.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    };
    assert_eq!(text("section-reservoir", &[]), "Reservoir");
    assert_eq!(text("age-days", &[("n", "1")]), "1 Tag");
    assert_eq!(text("age-days", &[("n", "3")]), "3 Tage");
    assert_eq!(text("no-such-key", &[]), "no-such-key");

    assert_eq!(thecal.set_languages(vec![]), Language::English);
    assert_eq!(text("section-reservoir", &[]), "Reservoir");
    assert_eq!(text("age-days", &[("n", "1")]), "1 day");
}

#[test]
fn dates_are_the_patients_days_across_dst_changes() {
    let paris = Zone::get("Europe/Paris").unwrap();
    let new_york = Zone::get("America/New_York").unwrap();
    // Spring forward in Paris, 2026-03-29 02:00 → 03:00 local.
    let t = |y, m, d, h, min| Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap();
    assert_eq!(local_date(t(2026, 3, 28, 22, 30), paris), "2026-03-28"); // 23:30 CET
    assert_eq!(local_date(t(2026, 3, 28, 23, 30), paris), "2026-03-29"); // 00:30 CET
    assert_eq!(local_date(t(2026, 3, 29, 21, 30), paris), "2026-03-29"); // 23:30 CEST
    assert_eq!(local_date(t(2026, 3, 29, 22, 30), paris), "2026-03-30"); // 00:30 CEST
    // Fall back, 2026-10-25 03:00 → 02:00 local.
    assert_eq!(local_date(t(2026, 10, 24, 22, 30), paris), "2026-10-25"); // 00:30 CEST
    assert_eq!(local_date(t(2026, 10, 25, 22, 30), paris), "2026-10-25"); // 23:30 CET
    assert_eq!(local_date(t(2026, 10, 25, 23, 30), paris), "2026-10-26");
    // New York moves on other days (2026-03-08 and 2026-11-01).
    assert_eq!(local_date(t(2026, 3, 8, 4, 30), new_york), "2026-03-07"); // 23:30 EST
    assert_eq!(local_date(t(2026, 3, 9, 3, 30), new_york), "2026-03-08"); // 23:30 EDT
    assert_eq!(local_date(t(2026, 11, 2, 4, 30), new_york), "2026-11-01"); // 23:30 EST
}

#[test]
fn the_dashboards_key_dates_follow_the_configured_zone() {
    let now = start() + Duration::days(30);
    let (_d1, paris) = open_at(now, "Europe/Paris");
    let (_d2, auckland) = open_at(now, "Pacific/Auckland");
    for thecal in [&paris, &auckland] {
        let mut sim = SimPump::new(SimConfig::implanted(5, start()));
        seed(thecal.store(), &mut sim, 30);
    }
    let p = block_on(paris.dashboard()).unwrap();
    let a = block_on(auckland.dashboard()).unwrap();
    let low = p.reservoir.as_ref().unwrap().low.unwrap();
    assert_eq!(
        p.dates.reservoir_low,
        Some(describe_range(
            &low,
            now,
            Zone::get("Europe/Paris").unwrap(),
            &english(),
        ))
    );
    assert_eq!(
        a.dates.reservoir_low,
        Some(describe_range(
            &low,
            now,
            Zone::get("Pacific/Auckland").unwrap(),
            &english(),
        ))
    );
    assert_eq!(
        p.reservoir.unwrap().low,
        a.reservoir.unwrap().low,
        "the same moments in UTC"
    );
}

#[test]
fn the_last_pain_score_and_a_seven_day_trend_in_the_patients_days() {
    use thecal_core::diary::PainInput;
    use thecal_core::model::Author;
    // 23:30 UTC on 2026-03-28 is 00:30 on the 29th in Paris (the spring-forward day).
    let now = Utc.with_ymd_and_hms(2026, 3, 28, 23, 30, 0).unwrap();
    let (_d, thecal) = open_at(now, "Europe/Paris");
    let pain = |hours_ago: i64, score: u8| PainInput {
        at: now - Duration::hours(hours_ago),
        score,
        inventory: None,
        interference: None,
        location: None,
        note: None,
    };
    let diary = Arc::clone(&thecal).diary();
    block_on(diary.add_pain(pain(0, 6), Author::Patient)).unwrap(); // the 29th, local
    block_on(diary.add_pain(pain(2, 4), Author::Patient)).unwrap(); // the 28th, 22:30 local
    block_on(diary.add_pain(pain(3 * 24, 8), Author::Patient)).unwrap(); // the 26th
    block_on(diary.add_pain(pain(9 * 24, 9), Author::Patient)).unwrap(); // outside the week
    let d = block_on(thecal.dashboard()).unwrap();
    assert_eq!(d.last_pain.as_ref().map(|p| p.value.score), Some(6));
    assert_eq!(d.pain_week.len(), 7);
    let days: Vec<String> = d
        .pain_week
        .iter()
        .map(|b| format!("{}-{:02}", b.first_day.month, b.first_day.day))
        .collect();
    assert_eq!(days.first().map(String::as_str), Some("3-23"));
    assert_eq!(
        days.last().map(String::as_str),
        Some("3-29"),
        "today, in Paris, is last"
    );
    let scores: Vec<Option<u8>> = d
        .pain_week
        .iter()
        .map(|b| b.pain.as_ref().map(|p| p.max))
        .collect();
    assert_eq!(
        scores,
        vec![None, None, None, Some(8), None, Some(4), Some(6)]
    );
}

#[test]
fn the_next_reminder_is_the_soonest_in_the_coming_two_weeks() {
    use thecal_core::model::CalendarDate;
    use thecal_core::recovery::{LocalTime, ReminderInput, ReminderZone};
    let now = Utc.with_ymd_and_hms(2026, 10, 20, 9, 0, 0).unwrap();
    let (_d, thecal) = open_at(now, "Europe/Paris");
    assert_eq!(block_on(thecal.dashboard()).unwrap().next_reminder, None);
    let recovery = Arc::clone(&thecal).recovery();
    let day = |d: u8| CalendarDate {
        year: 2026,
        month: 10,
        day: d,
    };
    let at = |hour, minute| LocalTime { hour, minute };
    // A refill appointment at the clinic in Paris on the 27th (after the DST change of the 25th),
    // and a daily reminder that starts only after the two-week window.
    block_on(recovery.add_reminder(ReminderInput {
        title: "Refill appointment".into(),
        time: at(10, 30),
        first_date: day(27),
        last_date: day(27),
        zone: ReminderZone::Fixed {
            time_zone: "Europe/Paris".into(),
        },
    }))
    .unwrap();
    block_on(recovery.add_reminder(ReminderInput {
        title: "Later".into(),
        time: at(8, 0),
        first_date: CalendarDate {
            year: 2026,
            month: 12,
            day: 1,
        },
        last_date: CalendarDate {
            year: 2026,
            month: 12,
            day: 5,
        },
        zone: ReminderZone::FollowDevice,
    }))
    .unwrap();
    let next = block_on(thecal.dashboard())
        .unwrap()
        .next_reminder
        .expect("the appointment");
    assert_eq!(next.title, "Refill appointment");
    // 10:30 in Paris on 27 October 2026 is CET (UTC+1): 09:30 UTC.
    assert_eq!(
        next.fire_at,
        Utc.with_ymd_and_hms(2026, 10, 27, 9, 30, 0).unwrap()
    );
}

#[test]
fn the_refill_appointment_shows_with_a_warning_when_the_reservoir_may_run_low_before_it() {
    use thecal_core::model::CalendarDate;
    use thecal_core::recovery::LocalTime;
    use thecal_core::therapy::RefillAppointmentInput;

    let now = start() + Duration::days(30);
    let (_d, thecal) = open_at(now, "Europe/Paris");
    let mut sim = SimPump::new(SimConfig::implanted(5, start()));
    seed(thecal.store(), &mut sim, 30);
    let low = block_on(thecal.dashboard())
        .unwrap()
        .reservoir
        .unwrap()
        .low
        .unwrap();
    let paris = Zone::get("Europe/Paris").unwrap();
    let on = |t: UtcDateTime| {
        let day = t.with_timezone(&paris).date_naive();
        RefillAppointmentInput {
            date: CalendarDate::from_naive(day),
            time: LocalTime {
                hour: 10,
                minute: 30,
            },
            time_zone: None,
            place: Some("Pain clinic".into()),
        }
    };
    // Booked two days before the earliest low date: no warning.
    let early = block_on(
        thecal
            .pumps()
            .set_refill_appointment(Some(on(low.earliest - Duration::days(2)))),
    )
    .unwrap()
    .unwrap();
    assert_eq!(early.time_zone, "Europe/Paris", "the patient's zone");
    let d = block_on(thecal.dashboard()).unwrap();
    assert_eq!(d.refill_appointment, Some(early.clone()));
    assert!(!d.low_before_appointment);
    let shown = d.dates.refill_appointment.unwrap();
    assert!(shown.ends_with(", 10:30"), "{shown}");
    // Booked after the latest low date: the reservoir may run low first.
    block_on(
        thecal
            .pumps()
            .set_refill_appointment(Some(on(low.latest + Duration::days(2)))),
    )
    .unwrap();
    assert!(block_on(thecal.dashboard()).unwrap().low_before_appointment);
    // Removed: nothing shown.
    block_on(thecal.pumps().set_refill_appointment(None)).unwrap();
    let d = block_on(thecal.dashboard()).unwrap();
    assert_eq!(d.refill_appointment, None);
    assert_eq!(d.dates.refill_appointment, None);
    // A date that does not exist is refused by its field.
    let mut wrong = on(now);
    wrong.date.day = 31;
    wrong.date.month = 2;
    assert!(matches!(
        block_on(thecal.pumps().set_refill_appointment(Some(wrong))),
        Err(thecal_core::PumpError::InvalidInput { field, .. }) if field == "date"
    ));
}
