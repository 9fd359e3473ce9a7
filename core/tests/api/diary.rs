//! The diary through the app object, against a real store and an injected clock.

use crate::block_on;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};

use thecal_core::DiaryError;
use thecal_core::diary::*;
use thecal_core::model::{Author, CalendarDate, ChangeAction, UtcDateTime, Zone};

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> UtcDateTime {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn cd(year: i32, month: u8, day: u8) -> CalendarDate {
    CalendarDate { year, month, day }
}

use thecal_sim::fixtures::{Fixture, open};

fn pain(at: UtcDateTime, score: u8) -> PainInput {
    PainInput {
        at,
        score,
        inventory: None,
        interference: None,
        location: None,
        note: None,
    }
}

fn dose(at: UtcDateTime, drug: &str, amount: f64, breakthrough: bool) -> MedicationInput {
    MedicationInput {
        at,
        drug: drug.into(),
        dose: amount,
        unit: DoseUnit::Milligram,
        route: Route::Oral,
        breakthrough,
        reason: None,
    }
}

#[test]
fn an_entry_keeps_every_value_and_its_zone() {
    let f = open("Europe/Paris", utc(2026, 11, 25, 9, 0));
    let diary = f.thecal.diary();
    let input = PainInput {
        inventory: Some(PainInventory {
            worst: Some(8),
            least: Some(3),
            average: Some(5),
            now: Some(6),
        }),
        interference: Some(PainInterference {
            sleep: Some(7),
            walking: Some(4),
            ..PainInterference::default()
        }),
        location: Some("  lower back ".into()),
        note: Some("yesterday evening, after a walk".into()),
        ..pain(utc(2026, 11, 24, 19, 0), 6)
    };
    let e = block_on(diary.add_pain(input.clone(), Author::Patient)).unwrap();
    assert_eq!(e.time_zone, "Europe/Paris");
    assert_eq!(e.value.location.as_deref(), Some("lower back"), "trimmed");
    assert_eq!(e.value.inventory, input.inventory);
    assert_eq!(e.value.interference, input.interference);
    assert_eq!(e.created_at, utc(2026, 11, 25, 9, 0));
    let listed =
        block_on(diary.pain_entries(utc(2026, 11, 24, 0, 0), utc(2026, 11, 25, 0, 0))).unwrap();
    assert_eq!(listed, vec![e]);
}

#[test]
fn an_edit_keeps_the_history_of_who_changed_what_and_when() {
    let f = open("Europe/Paris", utc(2026, 11, 25, 9, 0));
    let diary = f.thecal.diary();
    let e = block_on(diary.add_pain(pain(utc(2026, 11, 25, 8, 0), 7), Author::Patient)).unwrap();
    f.clock.advance(Duration::hours(2));
    let mut changed = e.value.clone();
    changed.score = 5;
    changed.note = Some("it eased after lunch".into());
    let edited = block_on(diary.edit_pain(e.id, changed.clone(), Author::Caregiver)).unwrap();
    assert_eq!(edited.value.score, 5);
    assert_eq!(edited.updated_at, utc(2026, 11, 25, 11, 0));
    assert_eq!(edited.created_at, e.created_at);
    // The same values again change nothing and add no history.
    block_on(diary.edit_pain(e.id, changed, Author::Patient)).unwrap();

    let h = block_on(diary.pain_history(e.id)).unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[0].change.action, ChangeAction::Created);
    assert_eq!(h[0].change.author, Author::Patient);
    assert_eq!(h[0].value.score, 7, "the original value is kept");
    assert_eq!(h[1].change.action, ChangeAction::Edited);
    assert_eq!(h[1].change.author, Author::Caregiver);
    assert_eq!(h[1].change.at, utc(2026, 11, 25, 11, 0));
    assert_eq!(h[1].change.changed_fields, vec!["note", "score"]);
}

#[test]
fn invalid_input_names_the_field_and_stores_nothing() {
    let now = utc(2026, 11, 25, 9, 0);
    let f = open("Europe/Paris", now);
    let diary = f.thecal.diary();
    let field = |e: DiaryError| match e {
        DiaryError::InvalidInput { field, .. } => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        field(block_on(diary.add_pain(pain(now, 11), Author::Patient)).unwrap_err()),
        "score"
    );
    assert_eq!(
        field(
            block_on(diary.add_pain(pain(now + Duration::hours(1), 3), Author::Patient))
                .unwrap_err()
        ),
        "at"
    );
    assert_eq!(
        field(
            block_on(diary.add_medication(dose(now, " ", 5.0, true), Author::Patient)).unwrap_err()
        ),
        "drug"
    );
    let e = block_on(diary.add_pain(pain(now, 11), Author::Patient)).unwrap_err();
    assert!(e.to_string().contains("score"));
    assert!(!e.to_string().contains("11"), "no health data in messages");
    let all = utc(2000, 1, 1, 0, 0);
    assert!(
        block_on(diary.pain_entries(all, now + Duration::days(1)))
            .unwrap()
            .is_empty()
    );
    assert!(
        block_on(diary.medications(all, now + Duration::days(1)))
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        block_on(diary.edit_pain(42, pain(now, 3), Author::Patient)).unwrap_err(),
        DiaryError::NotFound
    );
}

#[test]
fn a_deleted_entry_can_be_restored_for_30_days_then_is_purged() {
    let now = utc(2026, 11, 25, 9, 0);
    let f = open("Europe/Paris", now);
    let diary = f.thecal.diary();
    let a = block_on(diary.add_pain(pain(now, 4), Author::Patient)).unwrap();
    let b =
        block_on(diary.add_medication(dose(now, "Oxycodone", 5.0, true), Author::Patient)).unwrap();
    block_on(diary.delete_pain(a.id, Author::Patient)).unwrap();
    block_on(diary.delete_medication(b.id, Author::Clinician)).unwrap();
    assert_eq!(
        block_on(diary.delete_pain(a.id, Author::Patient)),
        Err(DiaryError::NotFound)
    );
    let range = (now - Duration::days(1), now + Duration::days(1));
    assert!(
        block_on(diary.pain_entries(range.0, range.1))
            .unwrap()
            .is_empty()
    );

    f.clock.advance(Duration::days(29));
    let back = block_on(diary.restore_pain(a.id, Author::Caregiver)).unwrap();
    assert_eq!(back.value, a.value);
    assert_eq!(
        block_on(diary.restore_pain(a.id, Author::Patient)),
        Err(DiaryError::NotDeleted)
    );
    let actions: Vec<_> = block_on(diary.pain_history(a.id))
        .unwrap()
        .iter()
        .map(|r| (r.change.action, r.change.author))
        .collect();
    assert_eq!(
        actions,
        vec![
            (ChangeAction::Created, Author::Patient),
            (ChangeAction::Deleted, Author::Patient),
            (ChangeAction::Restored, Author::Caregiver),
        ]
    );
    assert_eq!(
        block_on(diary.purge_expired()).unwrap(),
        0,
        "30 days not yet over"
    );

    f.clock.advance(Duration::days(2));
    assert_eq!(
        block_on(diary.restore_medication(b.id, Author::Patient)),
        Err(DiaryError::RestoreExpired)
    );
    assert_eq!(block_on(diary.purge_expired()).unwrap(), 1);
    assert_eq!(
        block_on(diary.restore_medication(b.id, Author::Patient)),
        Err(DiaryError::NotFound)
    );
    assert!(
        block_on(diary.medication_history(b.id)).unwrap().is_empty(),
        "purged with its history"
    );
    assert_eq!(
        block_on(diary.pain_entries(range.0, range.1))
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn trends_group_by_the_local_day_and_week_of_the_patient() {
    // Paris; "now" is Wednesday 2026-11-25.
    let now = utc(2026, 11, 25, 20, 0);
    let f = open("Europe/Paris", now);
    let diary = f.thecal.diary();
    let add = |at, s| block_on(diary.add_pain(pain(at, s), Author::Patient)).unwrap();
    add(utc(2026, 11, 23, 8, 0), 6); // Mon 23
    add(utc(2026, 11, 23, 18, 0), 8); // Mon 23
    add(utc(2026, 11, 23, 23, 30), 2); // 00:30 on Tue 24 in Paris
    let deleted = add(utc(2026, 11, 24, 12, 0), 10);
    block_on(diary.delete_pain(deleted.id, Author::Patient)).unwrap();
    add(utc(2026, 11, 25, 9, 0), 4); // Wed 25
    let med = |at, drug, amount, bt| {
        block_on(diary.add_medication(dose(at, drug, amount, bt), Author::Patient)).unwrap()
    };
    med(utc(2026, 11, 23, 9, 0), "Oxycodone", 5.0, true);
    med(utc(2026, 11, 23, 21, 0), " oxycodone", 10.0, true);
    med(utc(2026, 11, 24, 9, 0), "Paracetamol", 1000.0, false);
    med(utc(2026, 11, 16, 9, 0), "Oxycodone", 5.0, true); // the week before

    let t = block_on(diary.trend(cd(2026, 11, 23), cd(2026, 11, 25), TrendPeriod::Day)).unwrap();
    assert_eq!(t.buckets.len(), 3);
    let mon = &t.buckets[0];
    assert_eq!(mon.first_day, cd(2026, 11, 23));
    let p = mon.pain.as_ref().unwrap();
    assert_eq!((p.count, p.min, p.max), (2, 6, 8));
    assert!((p.mean - 7.0).abs() < 1e-9);
    assert_eq!(mon.breakthrough_doses, 2);
    assert_eq!(
        mon.medication.len(),
        1,
        "names differing in case are one drug"
    );
    assert!((mon.medication[0].total - 15.0).abs() < 1e-9);
    assert_eq!(mon.medication[0].doses, 2);
    let tue = &t.buckets[1];
    assert_eq!(
        tue.pain.as_ref().map(|p| (p.count, p.max)),
        Some((1, 2)),
        "deleted left out"
    );
    assert_eq!(tue.breakthrough_doses, 0);
    assert_eq!(tue.medication[0].drug, "Paracetamol");

    let w = block_on(diary.trend(cd(2026, 11, 10), cd(2026, 11, 25), TrendPeriod::Week)).unwrap();
    assert_eq!(w.buckets.len(), 3);
    assert_eq!(
        w.buckets[0].first_day,
        cd(2026, 11, 10),
        "clipped to the range"
    );
    assert_eq!(w.buckets[0].last_day, cd(2026, 11, 15));
    assert!(w.buckets[0].pain.is_none());
    assert_eq!(w.buckets[1].breakthrough_doses, 1);
    let this_week = &w.buckets[2];
    assert_eq!(this_week.first_day, cd(2026, 11, 23));
    assert_eq!(this_week.last_day, cd(2026, 11, 25));
    assert_eq!(this_week.pain.as_ref().unwrap().count, 4);
    assert_eq!(this_week.breakthrough_doses, 2);

    let bad = block_on(diary.trend(cd(2026, 11, 25), cd(2026, 11, 1), TrendPeriod::Day));
    assert!(matches!(bad, Err(DiaryError::InvalidInput { ref field, .. }) if field == "to"));
}

#[test]
fn before_and_after_a_date() {
    let now = utc(2026, 11, 25, 20, 0);
    let f = open("Europe/Paris", now);
    let diary = f.thecal.diary();
    // Implant on the 15th: pain 8 and two breakthrough doses a day before, 3 and none after.
    for d in 5..25 {
        let at = utc(2026, 11, d, 10, 0);
        if d < 15 {
            block_on(diary.add_pain(pain(at, 8), Author::Patient)).unwrap();
            for h in [0, 6] {
                block_on(diary.add_medication(
                    dose(at + Duration::hours(h), "Morphine sulfate", 10.0, true),
                    Author::Patient,
                ))
                .unwrap();
            }
        } else {
            block_on(diary.add_pain(pain(at, 3), Author::Patient)).unwrap();
        }
    }
    let c = block_on(diary.compare(cd(2026, 11, 15), 10)).unwrap();
    assert_eq!(c.before.first_day, cd(2026, 11, 5));
    assert_eq!(c.before.last_day, cd(2026, 11, 14));
    assert_eq!(c.after.first_day, cd(2026, 11, 15));
    assert_eq!(c.after.last_day, cd(2026, 11, 24));
    assert_eq!(c.before.pain.as_ref().unwrap().count, 10);
    assert!((c.before.pain.as_ref().unwrap().mean - 8.0).abs() < 1e-9);
    assert!((c.after.pain.as_ref().unwrap().mean - 3.0).abs() < 1e-9);
    assert_eq!(c.before.breakthrough_doses, 20);
    assert!((c.before.medication[0].total - 200.0).abs() < 1e-9);
    assert_eq!(c.after.breakthrough_doses, 0);
    assert!(c.after.medication.is_empty());
    let s = block_on(diary.summary(cd(2026, 11, 1), cd(2026, 11, 30))).unwrap();
    assert_eq!(s.pain.unwrap().count, 20);
    assert!(matches!(
        block_on(diary.compare(cd(2026, 11, 15), 0)),
        Err(DiaryError::InvalidInput { ref field, .. }) if field == "days"
    ));
}

#[test]
fn a_usual_dose_is_offered_and_repeated_in_one_call() {
    let now = utc(2026, 11, 25, 20, 0);
    let f = open("Europe/Paris", now);
    let diary = f.thecal.diary();
    let first = block_on(diary.add_medication(
        MedicationInput {
            reason: Some("flare after driving".into()),
            ..dose(utc(2026, 11, 24, 8, 0), "Oxycodone", 5.0, true)
        },
        Author::Patient,
    ))
    .unwrap();
    block_on(diary.add_medication(
        dose(utc(2026, 11, 24, 9, 0), "Ibuprofen", 400.0, false),
        Author::Patient,
    ))
    .unwrap();
    let again =
        block_on(diary.repeat_medication(first.id, utc(2026, 11, 25, 19, 0), Author::Patient))
            .unwrap();
    assert_eq!(again.value.drug, "Oxycodone");
    assert!((again.value.dose - 5.0).abs() < 1e-9);
    assert!(again.value.breakthrough);
    assert_eq!(again.value.reason, None, "the reason is not copied");
    assert_eq!(again.value.at, utc(2026, 11, 25, 19, 0));
    let usual = block_on(diary.usual_doses(5)).unwrap();
    assert_eq!(usual.len(), 2);
    assert_eq!(usual[0].drug, "Oxycodone");
    assert_eq!(usual[0].times_logged, 2);
    assert_eq!(
        block_on(diary.repeat_medication(999, now, Author::Patient)),
        Err(DiaryError::NotFound)
    );
    assert!(matches!(
        block_on(diary.repeat_medication(first.id, now + Duration::hours(2), Author::Patient)),
        Err(DiaryError::InvalidInput { ref field, .. }) if field == "at"
    ));
}

#[test]
fn an_entry_counts_for_the_local_day_where_it_was_made() {
    // 03:00 UTC is still the evening before in New York.
    let at = utc(2026, 11, 25, 3, 0);
    let now = utc(2026, 11, 25, 12, 0);
    let f = open("America/New_York", now);
    let diary = f.thecal.diary();
    let e = block_on(diary.add_pain(pain(at, 5), Author::Patient)).unwrap();
    assert_eq!(e.time_zone, "America/New_York");
    let t = block_on(diary.trend(cd(2026, 11, 24), cd(2026, 11, 25), TrendPeriod::Day)).unwrap();
    assert!(t.buckets[0].pain.is_some());
    assert!(t.buckets[1].pain.is_none());
}

#[test]
fn the_diary_keeps_working_when_the_app_holds_only_the_diary() {
    let now = utc(2026, 11, 25, 20, 0);
    let f = open("Europe/Paris", now);
    let diary = Arc::clone(&f.thecal).diary();
    let Fixture {
        dir: _dir, thecal, ..
    } = f;
    drop(thecal);
    block_on(diary.add_pain(pain(now - Duration::hours(1), 5), Author::Patient)).unwrap();
    let s = block_on(diary.summary(cd(2026, 11, 25), cd(2026, 11, 25))).unwrap();
    assert_eq!(
        s.pain.map(|p| p.count),
        Some(1),
        "the runtime is still there"
    );
}

#[test]
fn a_time_that_went_through_a_double_keeps_its_millisecond() {
    let now = utc(2026, 11, 25, 20, 0);
    let f = open("Europe/Paris", now);
    let diary = f.thecal.diary();
    // Swift's Date holds 19:00:00.123 as a Double, which comes back as …122999…
    let at = utc(2026, 11, 25, 19, 0) + Duration::nanoseconds(122_999_999);
    let e = block_on(diary.add_pain(pain(at, 5), Author::Patient)).unwrap();
    assert_eq!(
        e.value.at,
        utc(2026, 11, 25, 19, 0) + Duration::milliseconds(123)
    );
    let again = block_on(diary.edit_pain(
        e.id,
        PainInput {
            at: e.value.at - Duration::nanoseconds(1),
            ..e.value.clone()
        },
        Author::Patient,
    ))
    .unwrap();
    assert_eq!(again.value, e.value);
    assert_eq!(
        block_on(diary.pain_history(e.id)).unwrap().len(),
        1,
        "no edit recorded"
    );
}

/// The SQL aggregates agree with a plain computation over the same random entries, for daily
/// and weekly buckets, with deletions and local days that differ from UTC days.
#[test]
fn trends_match_a_plain_computation_over_random_entries() {
    use chrono::Datelike;
    use std::collections::BTreeMap;

    let now = utc(2026, 11, 25, 12, 0);
    let f = open("America/New_York", now);
    let diary = f.thecal.diary();
    let zone = Zone::get("America/New_York").unwrap();
    let mut rng = fastrand::Rng::with_seed(7);
    let start = now - Duration::days(90);
    // (local date, score) of live pain entries; (local date, drug, dose, breakthrough) of doses.
    let mut pains = Vec::new();
    let mut doses = Vec::new();
    for _ in 0..400 {
        let at = start + Duration::minutes(rng.i64(0..90 * 24 * 60));
        let local = zone.from_utc_datetime(&at.naive_utc()).date_naive();
        if rng.bool() {
            let s = rng.u8(0..=10);
            let e = block_on(diary.add_pain(pain(at, s), Author::Patient)).unwrap();
            if rng.u8(0..10) == 0 {
                block_on(diary.delete_pain(e.id, Author::Patient)).unwrap();
            } else {
                pains.push((local, s));
            }
        } else {
            let drug = ["Oxycodone", "oxycodone ", "Tramadol"][rng.usize(0..3)];
            let amount = f64::from(rng.u8(1..=4)) * 2.5;
            let bt = rng.bool();
            block_on(diary.add_medication(dose(at, drug, amount, bt), Author::Patient)).unwrap();
            doses.push((local, drug.trim().to_lowercase(), amount, bt));
        }
    }
    let (from, to) = (start.date_naive(), now.date_naive());
    for period in [TrendPeriod::Day, TrendPeriod::Week] {
        let key = |d: chrono::NaiveDate| match period {
            TrendPeriod::Day => d,
            TrendPeriod::Week => {
                let monday = d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
                monday.max(from)
            }
        };
        // Per bucket: the scores, the breakthrough doses, the total per drug.
        type Bucket = (Vec<u8>, u32, BTreeMap<String, f64>);
        let mut want: BTreeMap<chrono::NaiveDate, Bucket> = BTreeMap::new();
        for (d, s) in pains.iter().filter(|(d, _)| (from..=to).contains(d)) {
            want.entry(key(*d)).or_default().0.push(*s);
        }
        for (d, drug, amount, bt) in doses.iter().filter(|(d, ..)| (from..=to).contains(d)) {
            let w = want.entry(key(*d)).or_default();
            w.1 += u32::from(*bt);
            *w.2.entry(drug.clone()).or_default() += amount;
        }
        let t = block_on(diary.trend(
            CalendarDate::from_naive(from),
            CalendarDate::from_naive(to),
            period,
        ))
        .unwrap();
        for b in &t.buckets {
            let first = b.first_day.to_naive("first_day").unwrap();
            let (scores, bt, totals) = want.remove(&first).unwrap_or_default();
            match &b.pain {
                None => assert!(scores.is_empty(), "{first}"),
                Some(p) => {
                    assert_eq!(p.count as usize, scores.len(), "{first}");
                    assert_eq!(Some(&p.min), scores.iter().min());
                    assert_eq!(Some(&p.max), scores.iter().max());
                    let mean =
                        scores.iter().map(|&s| f64::from(s)).sum::<f64>() / scores.len() as f64;
                    assert!((p.mean - mean).abs() < 1e-9, "{first}");
                }
            }
            assert_eq!(b.breakthrough_doses, bt, "{first}");
            let got: BTreeMap<String, f64> = b
                .medication
                .iter()
                .map(|m| (m.drug.trim().to_lowercase(), m.total))
                .collect();
            assert_eq!(got.len(), totals.len(), "{first}");
            for (k, v) in totals {
                assert!((got[&k] - v).abs() < 1e-9, "{first} {k}");
            }
        }
        assert!(
            want.is_empty(),
            "every bucket of the plain computation was returned"
        );
    }
}
