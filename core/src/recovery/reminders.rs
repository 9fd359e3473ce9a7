//! When reminders fire. Pure: reminders, a window and the device's zone in, firings out.
//!
//! A reminder fires at most once per local date (the fired dates are stored), at its wall-clock
//! time in its zone:
//! - a time that does not exist that day (spring forward: 02:30 in Paris on the last Sunday of
//!   March) fires when the clocks have moved on, at the same distance after the jump (03:30);
//! - a time that happens twice (fall back) fires at the first of the two;
//! - a `FollowDevice` reminder reads its time in the device's zone *now*: after a flight from
//!   Paris to New York the 08:00 antibiotic fires at 08:00 New York time, and the date already
//!   fired in Paris does not fire again.
//!
//! The app asks [`due`] for the window since its last check (to show what is due now) and for the
//! hours ahead (to schedule notifications with the OS); it asks again when the device's zone
//! changes.

use std::collections::HashSet;

use chrono::Duration;

use super::{DueReminder, Reminder, ReminderZone};
use crate::model::UtcDateTime;
use crate::model::{CalendarDate, Zone, date_of_day, day_number, local_day, occurrence};

/// The longest window looked at, in days (a phone off for longer only gets the last year's).
pub const MAX_WINDOW_DAYS: i64 = 366;

fn zone_of(r: &Reminder, device: Zone) -> Zone {
    match &r.value.zone {
        ReminderZone::FollowDevice => device,
        // Stored zones are checked on entry; a damaged one falls back to the device's.
        ReminderZone::Fixed { time_zone } => time_zone.parse().unwrap_or(device),
    }
}

/// The firings of `reminders` in the window `(after, until]`, read in `device` zone for the
/// `FollowDevice` ones, leaving out the (reminder id, local day) pairs in `fired` and any time
/// before a reminder was set. Oldest first; at most one per reminder and local date.
#[must_use]
pub fn due(
    reminders: &[Reminder],
    fired: &HashSet<(i64, i64)>,
    after: UtcDateTime,
    until: UtcDateTime,
    device: Zone,
) -> Vec<DueReminder> {
    let mut out = Vec::new();
    if until <= after {
        return out;
    }
    let after = after.max(until - Duration::days(MAX_WINDOW_DAYS));
    for r in reminders {
        let zone = zone_of(r, device);
        let (Ok(first), Ok(last), Ok(minute)) = (
            r.value.first_date.to_naive("first_date"),
            r.value.last_date.to_naive("last_date"),
            r.value.time.minute_of_day(),
        ) else {
            continue;
        };
        let from = (local_day(after, zone) - 1).max(day_number(first));
        let to = (local_day(until, zone) + 1).min(day_number(last));
        let not_before = after.max(r.created_at);
        for day in from..=to {
            if fired.contains(&(r.id, day)) {
                continue;
            }
            let Some(at) = date_of_day(day).and_then(|d| occurrence(d, minute, zone)) else {
                continue;
            };
            if at > not_before && at <= until {
                out.push(DueReminder {
                    reminder_id: r.id,
                    title: r.value.title.clone(),
                    date: CalendarDate::from_naive(date_of_day(day).unwrap_or(first)),
                    fire_at: at,
                });
            }
        }
    }
    out.sort_unstable_by_key(|d| (d.fire_at, d.reminder_id));
    out
}

/// The local day of a firing (for storing it as fired).
#[must_use]
pub fn fired_day(d: &DueReminder) -> i64 {
    d.date.to_naive("date").map(day_number).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recovery::{LocalTime, ReminderInput};
    use chrono::{NaiveDate, TimeZone, Utc};

    fn paris() -> Zone {
        Zone::get("Europe/Paris").unwrap()
    }

    fn new_york() -> Zone {
        Zone::get("America/New_York").unwrap()
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> UtcDateTime {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn cd(year: i32, month: u8, day: u8) -> CalendarDate {
        CalendarDate { year, month, day }
    }

    fn daily(id: i64, hour: u8, minute: u8, first: CalendarDate, last: CalendarDate) -> Reminder {
        Reminder {
            id,
            item: None,
            value: ReminderInput {
                title: "Take your antibiotic".into(),
                time: LocalTime { hour, minute },
                first_date: first,
                last_date: last,
                zone: ReminderZone::FollowDevice,
            },
            created_at: utc(2020, 1, 1, 0, 0),
        }
    }

    /// Checks every `step` from `start` to `end` like an app woken now and then, recording
    /// what fired; returns every firing.
    fn run(
        reminders: &[Reminder],
        start: UtcDateTime,
        end: UtcDateTime,
        step: Duration,
        zone_at: impl Fn(UtcDateTime) -> Zone,
    ) -> Vec<DueReminder> {
        let mut fired = HashSet::new();
        let mut all = Vec::new();
        let mut last = start;
        let mut now = start;
        while now < end {
            now = (now + step).min(end);
            for d in due(reminders, &fired, last, now, zone_at(now)) {
                assert!(fired.insert((d.reminder_id, fired_day(&d))), "fired twice");
                all.push(d);
            }
            last = now;
        }
        all
    }

    #[test]
    fn spring_forward_a_reminder_at_0230_fires_once_at_0330() {
        // 2027-03-28: Paris jumps from 02:00 CET to 03:00 CEST; 02:30 does not exist.
        let r = [daily(1, 2, 30, cd(2027, 3, 27), cd(2027, 3, 29))];
        let fired = run(
            &r,
            utc(2027, 3, 26, 12, 0),
            utc(2027, 3, 30, 12, 0),
            Duration::minutes(10),
            |_| paris(),
        );
        let times: Vec<_> = fired.iter().map(|d| d.fire_at).collect();
        assert_eq!(
            times,
            vec![
                utc(2027, 3, 27, 1, 30), // 02:30 CET
                utc(2027, 3, 28, 1, 30), // "02:30" → 03:30 CEST, one hour after the jump
                utc(2027, 3, 29, 0, 30), // 02:30 CEST
            ]
        );
        assert_eq!(fired[1].date, cd(2027, 3, 28));
    }

    #[test]
    fn fall_back_a_reminder_at_0230_fires_once_at_the_first_0230() {
        // 2027-10-31: Paris goes back from 03:00 CEST to 02:00 CET; 02:30 happens twice.
        let r = [daily(1, 2, 30, cd(2027, 10, 30), cd(2027, 11, 1))];
        let fired = run(
            &r,
            utc(2027, 10, 29, 12, 0),
            utc(2027, 11, 2, 12, 0),
            Duration::minutes(7),
            |_| paris(),
        );
        let times: Vec<_> = fired.iter().map(|d| d.fire_at).collect();
        assert_eq!(
            times,
            vec![
                utc(2027, 10, 30, 0, 30), // 02:30 CEST
                utc(2027, 10, 31, 0, 30), // the first 02:30 (CEST); not again at 01:30 UTC
                utc(2027, 11, 1, 1, 30),  // 02:30 CET
            ]
        );
    }

    #[test]
    fn one_check_over_a_whole_dst_night_gives_each_date_once() {
        let r = [daily(1, 2, 30, cd(2027, 10, 30), cd(2027, 11, 1))];
        let got = due(
            &r,
            &HashSet::new(),
            utc(2027, 10, 29, 0, 0),
            utc(2027, 11, 3, 0, 0),
            paris(),
        );
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn flying_paris_to_new_york_fires_once_a_day_at_0800_local() {
        // Antibiotic at 08:00 wherever the patient is, 2026-11-25 to 2026-11-28. The patient
        // flies on the 26th: leaves Paris 10:00 UTC (11:00 CET), lands in New York 18:00 UTC
        // (13:00 EST), and the phone switches zone on landing.
        let r = [daily(1, 8, 0, cd(2026, 11, 25), cd(2026, 11, 28))];
        let landed = utc(2026, 11, 26, 18, 0);
        let zone_at = |t: UtcDateTime| if t < landed { paris() } else { new_york() };
        let fired = run(
            &r,
            utc(2026, 11, 24, 12, 0),
            utc(2026, 11, 29, 12, 0),
            Duration::minutes(15),
            zone_at,
        );
        let got: Vec<_> = fired.iter().map(|d| (d.date, d.fire_at)).collect();
        assert_eq!(
            got,
            vec![
                (cd(2026, 11, 25), utc(2026, 11, 25, 7, 0)),  // 08:00 CET
                (cd(2026, 11, 26), utc(2026, 11, 26, 7, 0)),  // 08:00 CET, before the flight
                (cd(2026, 11, 27), utc(2026, 11, 27, 13, 0)), // 08:00 EST
                (cd(2026, 11, 28), utc(2026, 11, 28, 13, 0)), // 08:00 EST
            ]
        );
    }

    #[test]
    fn flying_west_the_same_date_does_not_fire_again_on_landing() {
        // Checked in Paris after the 08:00 dose, then only after landing in New York at
        // 07:59 EST's window end: the 26th already fired, so 08:00 EST on the 26th is skipped.
        let r = [daily(1, 8, 0, cd(2026, 11, 26), cd(2026, 11, 27))];
        let mut fired = HashSet::new();
        let first = due(
            &r,
            &fired,
            utc(2026, 11, 26, 6, 0),
            utc(2026, 11, 26, 8, 0),
            paris(),
        );
        assert_eq!(first.len(), 1);
        fired.insert((1, fired_day(&first[0])));
        let after_landing = due(
            &r,
            &fired,
            utc(2026, 11, 26, 8, 0),
            utc(2026, 11, 26, 20, 0),
            new_york(),
        );
        assert!(after_landing.is_empty(), "{after_landing:?}");
    }

    #[test]
    fn flying_east_a_dose_time_passed_in_the_air_fires_on_landing_once() {
        // New York → Paris overnight: 08:00 Paris on the 27th (07:00 UTC) passes while the
        // phone is off; it lands 09:00 UTC and fires once, late, for the 27th.
        let r = [daily(1, 8, 0, cd(2026, 11, 26), cd(2026, 11, 27))];
        let fired: HashSet<_> = [(
            1,
            day_number(NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()),
        )]
        .into_iter()
        .collect();
        let got = due(
            &r,
            &fired,
            utc(2026, 11, 26, 23, 0),
            utc(2026, 11, 27, 9, 0),
            paris(),
        );
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].date, cd(2026, 11, 27));
        assert_eq!(got[0].fire_at, utc(2026, 11, 27, 7, 0));
    }

    #[test]
    fn a_fixed_zone_reminder_ignores_the_device_zone() {
        let mut r = daily(1, 9, 0, cd(2026, 11, 30), cd(2026, 11, 30));
        r.value.zone = ReminderZone::Fixed {
            time_zone: "Europe/Paris".into(),
        };
        let got = due(
            &[r],
            &HashSet::new(),
            utc(2026, 11, 29, 0, 0),
            utc(2026, 12, 1, 0, 0),
            new_york(),
        );
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].fire_at, utc(2026, 11, 30, 8, 0));
    }

    #[test]
    fn nothing_fires_before_the_reminder_was_set_or_outside_its_dates() {
        let mut r = daily(1, 8, 0, cd(2026, 11, 25), cd(2026, 11, 26));
        r.created_at = utc(2026, 11, 25, 7, 30); // after 08:00 CET on the 25th
        let got = due(
            &[r],
            &HashSet::new(),
            utc(2026, 11, 20, 0, 0),
            utc(2026, 12, 1, 0, 0),
            paris(),
        );
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].date, cd(2026, 11, 26));
        // A backwards window gives nothing.
        assert!(
            due(
                &[daily(1, 8, 0, cd(2026, 11, 25), cd(2026, 11, 26))],
                &HashSet::new(),
                utc(2026, 12, 1, 0, 0),
                utc(2026, 11, 20, 0, 0),
                paris(),
            )
            .is_empty()
        );
    }
}
