//! The rules: which notifications the facts call for, and when. Pure.
//!
//! - Reminders fire as [`recovery::reminders::due`] says (once per local date, DST and travel
//!   handled there); the recovery plan's own reminders (tied to a checklist item) are
//!   appointments.
//! - Refill: "book your refill" at 10:00 fourteen days before the earliest likely low-reservoir
//!   date, "refill due" at 09:00 on that date, "reservoir nearly empty" at 09:00 three days
//!   before the earliest likely empty date. Their ids carry the refill cycle (the last refill's
//!   time), so a new forecast moves them and a refill starts new ones.
//! - MRI: an hour after the scan, then at 09:00 on each of the three days after, until the
//!   patient records the pump check.
//! - Battery: a countdown to the earliest likely end of service (180, 90, 60, 30, 14, 7, 3 and 1
//!   days before, and on the day) at 10:00; while end of service cannot be dated, 90 and 30 days
//!   before the earliest likely elective replacement indicator.
//!
//! Ordered by importance, then time, then id; each id appears once.

use std::collections::HashSet;

use chrono::{Days, Duration, NaiveDate};

use super::{NotificationImportance as Imp, NotificationKind as Kind, PlannedNotification};
use crate::card::MriScan;
use crate::l10n::{Domain, Language, Texts};
use crate::model::occurrence;
use crate::model::{UtcDateTime, Zone};
use crate::recovery::{self, Reminder};
use crate::therapy::{BatteryForecast, ReservoirForecast};

/// What a plan is made from.
#[derive(Debug, Clone, Copy)]
pub struct PlanInputs<'a> {
    /// Every reminder.
    pub reminders: &'a [Reminder],
    /// The (reminder id, local day) pairs already fired.
    pub fired: &'a HashSet<(i64, i64)>,
    /// MRI scans whose pump check is still to be done.
    pub mri_checks: &'a [MriScan],
    /// The paired pump's serial, if any.
    pub pump_serial: Option<&'a str>,
    /// Which refill cycle the reservoir forecast belongs to (the last refill's Unix time, 0
    /// before the first): part of the refill notifications' ids.
    pub refill_cycle: Option<i64>,
    /// The reservoir forecast.
    pub reservoir: Option<&'a ReservoirForecast>,
    /// The battery forecast.
    pub battery: Option<&'a BatteryForecast>,
    /// The language of the titles and bodies.
    pub language: Language,
}

/// Days before the earliest likely end of service on which the countdown fires.
pub const EOS_COUNTDOWN_DAYS: [u64; 9] = [180, 90, 60, 30, 14, 7, 3, 1, 0];
/// Days before the earliest likely elective replacement indicator.
pub const ERI_NOTICE_DAYS: [u64; 2] = [90, 30];
/// Days before the earliest likely low-reservoir date to book the refill.
pub const REFILL_BOOKING_DAYS: u64 = 14;
/// Days before the earliest likely empty date to warn.
pub const EMPTY_WARNING_DAYS: u64 = 3;
/// Days after an MRI scan on which the pump check is asked for again.
pub const MRI_REPEAT_DAYS: u64 = 3;

const MORNING: u16 = 9 * 60;
const LATE_MORNING: u16 = 10 * 60;

/// Every notification of `inputs` that fires in `(from, until]`, with wall-clock times placed
/// in `zone`. Ordered by importance, then time, then id.
#[must_use]
pub fn plan(
    inputs: &PlanInputs<'_>,
    from: UtcDateTime,
    until: UtcDateTime,
    zone: Zone,
) -> Vec<PlannedNotification> {
    let t = Texts::or_english(inputs.language, Domain::Notifications);
    let mut out = Vec::new();
    let mut push = |n: PlannedNotification| {
        if n.fire_at > from && n.fire_at <= until {
            out.push(n);
        }
    };
    for due in recovery::reminders::due(inputs.reminders, inputs.fired, from, until, zone) {
        let item = inputs
            .reminders
            .iter()
            .find(|r| r.id == due.reminder_id)
            .and_then(|r| r.item.as_ref());
        let (kind, importance, body) = if item.is_some() {
            (Kind::Appointment, Imp::High, "reminder-plan-body")
        } else {
            (Kind::Reminder, Imp::Normal, "reminder-own-body")
        };
        push(PlannedNotification {
            id: format!(
                "reminder-{}-{}",
                due.reminder_id,
                due.date
                    .to_naive("date")
                    .map_or_else(|_| "?".into(), |d| d.to_string())
            ),
            kind,
            importance,
            fire_at: due.fire_at,
            title: due.title,
            body: t.get(body),
        });
    }
    for scan in inputs.mri_checks {
        let once = [(0, scan.scanned_at + Duration::hours(1))];
        let day = scan.scanned_at.with_timezone(&zone).date_naive();
        let later = (1..=MRI_REPEAT_DAYS).filter_map(|n| {
            Some((
                n,
                occurrence(day.checked_add_days(Days::new(n))?, MORNING, zone)?,
            ))
        });
        for (n, at) in once.into_iter().chain(later) {
            push(PlannedNotification {
                id: format!("mri-check-{}-{n}", scan.id),
                kind: Kind::MriPumpCheck,
                importance: Imp::Urgent,
                fire_at: at,
                title: t.get("mri-check-title"),
                body: t.get("mri-check-body"),
            });
        }
    }
    let serial = inputs.pump_serial.unwrap_or("pump");
    if let Some(r) = inputs.reservoir {
        let cycle = inputs.refill_cycle.unwrap_or(0);
        if let Some(low) = r.low {
            let low_day = low.earliest.with_timezone(&zone).date_naive();
            if !r.is_low {
                let book = on(low_day, REFILL_BOOKING_DAYS, LATE_MORNING, zone);
                push_opt(&mut push, book, |at| PlannedNotification {
                    id: format!("refill-book-{serial}-{cycle}"),
                    kind: Kind::RefillBooking,
                    importance: Imp::High,
                    fire_at: at,
                    title: t.get("refill-book-title"),
                    body: t.get("refill-book-body"),
                });
            }
            push_opt(&mut push, on(low_day, 0, MORNING, zone), |at| {
                PlannedNotification {
                    id: format!("refill-due-{serial}-{cycle}"),
                    kind: Kind::RefillDue,
                    importance: Imp::High,
                    fire_at: at,
                    title: t.get("refill-due-title"),
                    body: t.get("refill-due-body"),
                }
            });
        }
        if let Some(empty) = r.empty {
            let day = empty.earliest.with_timezone(&zone).date_naive();
            push_opt(
                &mut push,
                on(day, EMPTY_WARNING_DAYS, MORNING, zone),
                |at| PlannedNotification {
                    id: format!("reservoir-empty-{serial}-{cycle}"),
                    kind: Kind::ReservoirEmpty,
                    importance: Imp::Urgent,
                    fire_at: at,
                    title: t.get("reservoir-empty-title"),
                    body: t.safety("reservoir-empty-body", &[]).with_note(),
                },
            );
        }
    }
    if let Some(b) = inputs.battery {
        let what = if b.replaceable { "battery" } else { "pump" };
        if let Some(eos) = b.eos {
            let day = eos.earliest.with_timezone(&zone).date_naive();
            for days in EOS_COUNTDOWN_DAYS {
                let importance = match days {
                    0..=7 => Imp::Urgent,
                    8..=30 => Imp::High,
                    _ => Imp::Normal,
                };
                push_opt(&mut push, on(day, days, LATE_MORNING, zone), |at| {
                    PlannedNotification {
                        id: format!("eos-{serial}-{days}"),
                        kind: Kind::EndOfService,
                        importance,
                        fire_at: at,
                        title: t.format(&format!("eos-title-{what}"), &[("days", days.into())]),
                        body: t.get("eos-body"),
                    }
                });
            }
        } else if let Some(eri) = b.eri.filter(|_| b.eri_seen_at.is_none()) {
            let day = eri.earliest.with_timezone(&zone).date_naive();
            for days in ERI_NOTICE_DAYS {
                push_opt(&mut push, on(day, days, LATE_MORNING, zone), |at| {
                    PlannedNotification {
                        id: format!("eri-{serial}-{days}"),
                        kind: Kind::BatteryReplacement,
                        importance: Imp::Normal,
                        fire_at: at,
                        title: t.get(&format!("eri-title-{what}")),
                        body: t.get("eri-body"),
                    }
                });
            }
        }
    }
    // Ids are unique per event, so the order is total: no stable sort needed (smaller code).
    out.sort_unstable_by(|a, b| {
        (a.importance, a.fire_at, &a.id).cmp(&(b.importance, b.fire_at, &b.id))
    });
    let mut seen = HashSet::new();
    out.retain(|n| seen.insert(n.id.clone()));
    out
}

/// `minute_of_day` on the local date `days` before `day`, in `zone`.
fn on(day: NaiveDate, days: u64, minute_of_day: u16, zone: Zone) -> Option<UtcDateTime> {
    occurrence(day.checked_sub_days(Days::new(days))?, minute_of_day, zone)
}

fn push_opt(
    push: &mut impl FnMut(PlannedNotification),
    at: Option<UtcDateTime>,
    make: impl FnOnce(UtcDateTime) -> PlannedNotification,
) {
    if let Some(at) = at {
        push(make(at));
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::card::FollowUpAction;
    use crate::model::{BatteryIndicator, CalendarDate, Volume};
    use crate::recovery::{LocalTime, ReminderInput, ReminderZone};
    use crate::therapy::{DateRange, ForecastBasis};

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> UtcDateTime {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn zone(name: &str) -> Zone {
        name.parse().unwrap()
    }

    fn date(y: i32, m: u8, d: u8) -> CalendarDate {
        CalendarDate {
            year: y,
            month: m,
            day: d,
        }
    }

    fn reminder(
        id: i64,
        item: Option<&str>,
        hour: u8,
        minute: u8,
        first: CalendarDate,
        last: CalendarDate,
    ) -> Reminder {
        Reminder {
            id,
            item: item.map(str::to_owned),
            value: ReminderInput {
                title: format!("reminder {id}"),
                time: LocalTime { hour, minute },
                first_date: first,
                last_date: last,
                zone: ReminderZone::FollowDevice,
            },
            created_at: utc(2027, 1, 1, 0, 0),
        }
    }

    fn battery(eos_earliest: UtcDateTime) -> BatteryForecast {
        BatteryForecast {
            percent: 12,
            indicator: BatteryIndicator::ElectiveReplacement,
            replaceable: false,
            eri: Some(DateRange::exact(eos_earliest - Duration::days(90))),
            eos: Some(DateRange::exact(eos_earliest)),
            eri_seen_at: Some(eos_earliest - Duration::days(90)),
            days_to_eos: Some(90),
        }
    }

    fn reservoir(low: UtcDateTime, empty: UtcDateTime, is_low: bool) -> ReservoirForecast {
        ReservoirForecast {
            as_of: utc(2027, 3, 1, 0, 0),
            volume: Volume::from_microliters(8_000),
            capacity: Volume::from_microliters(20_000),
            percent: 40.0,
            daily_volume: Some(Volume::from_microliters(400)),
            low_threshold: Volume::from_microliters(2_000),
            is_low,
            low: Some(DateRange::exact(low)),
            empty: Some(DateRange::exact(empty)),
            pump_alarm_at: Some(low),
            delivery_excess_percent: 1.0,
            refills_learned_from: 0,
            basis: ForecastBasis::Programmed,
        }
    }

    fn inputs<'a>(
        reminders: &'a [Reminder],
        fired: &'a HashSet<(i64, i64)>,
        mri: &'a [MriScan],
        reservoir: Option<&'a ReservoirForecast>,
        battery: Option<&'a BatteryForecast>,
    ) -> PlanInputs<'a> {
        PlanInputs {
            reminders,
            fired,
            mri_checks: mri,
            pump_serial: Some("SN1"),
            refill_cycle: Some(42),
            reservoir,
            battery,
            language: Language::English,
        }
    }

    fn at<'a>(plan: &'a [PlannedNotification], id: &str) -> &'a PlannedNotification {
        plan.iter()
            .find(|n| n.id == id)
            .unwrap_or_else(|| panic!("no {id} in {plan:#?}"))
    }

    #[test]
    fn the_eos_countdown_keeps_its_wall_clock_time_across_dst() {
        // Paris moves from UTC+1 to UTC+2 on Sunday 28 March 2027.
        let b = battery(utc(2027, 4, 3, 12, 0));
        let fired = HashSet::new();
        let plan = plan(
            &inputs(&[], &fired, &[], None, Some(&b)),
            utc(2027, 1, 1, 0, 0),
            utc(2027, 5, 1, 0, 0),
            zone("Europe/Paris"),
        );
        // 7 days before (27 March, winter time) and 3 days before (31 March, summer time):
        // both at 10:00 in Paris.
        assert_eq!(at(&plan, "eos-SN1-7").fire_at, utc(2027, 3, 27, 9, 0));
        assert_eq!(at(&plan, "eos-SN1-3").fire_at, utc(2027, 3, 31, 8, 0));
        assert_eq!(at(&plan, "eos-SN1-0").fire_at, utc(2027, 4, 3, 8, 0));
        assert_eq!(at(&plan, "eos-SN1-0").importance, Imp::Urgent);
        assert_eq!(at(&plan, "eos-SN1-30").importance, Imp::High);
        assert_eq!(at(&plan, "eos-SN1-90").importance, Imp::Normal);
        // 180 days before is before the window; ERI was seen, so no ERI notice.
        assert!(plan.iter().all(|n| n.id != "eos-SN1-180"));
        assert!(plan.iter().all(|n| n.kind != Kind::BatteryReplacement));
    }

    #[test]
    fn a_reminder_in_the_spring_gap_fires_after_the_jump_and_once_in_the_overlap() {
        let r = [
            reminder(1, None, 2, 30, date(2027, 3, 27), date(2027, 3, 29)),
            reminder(2, None, 2, 30, date(2027, 10, 31), date(2027, 10, 31)),
        ];
        let fired = HashSet::new();
        let paris = zone("Europe/Paris");
        let spring = plan(
            &inputs(&r, &fired, &[], None, None),
            utc(2027, 3, 26, 0, 0),
            utc(2027, 3, 30, 0, 0),
            paris,
        );
        let times: Vec<_> = spring.iter().map(|n| (n.id.as_str(), n.fire_at)).collect();
        assert_eq!(
            times,
            [
                ("reminder-1-2027-03-27", utc(2027, 3, 27, 1, 30)),
                // 02:30 does not exist on the 28th: it fires at 03:30 summer time.
                ("reminder-1-2027-03-28", utc(2027, 3, 28, 1, 30)),
                ("reminder-1-2027-03-29", utc(2027, 3, 29, 0, 30)),
            ]
        );
        let autumn = plan(
            &inputs(&r, &fired, &[], None, None),
            utc(2027, 10, 30, 0, 0),
            utc(2027, 11, 1, 0, 0),
            paris,
        );
        // 02:30 happens twice on 31 October: only the first.
        assert_eq!(autumn.len(), 1);
        assert_eq!(autumn[0].fire_at, utc(2027, 10, 31, 0, 30));
    }

    #[test]
    fn a_zone_change_moves_wall_clock_times_and_keeps_every_id() {
        let r = [reminder(1, None, 8, 0, date(2027, 6, 1), date(2027, 6, 30))];
        let scan = [MriScan {
            id: 5,
            scanned_at: utc(2027, 6, 10, 15, 0),
            follow_up: Some(FollowUpAction::CheckPump),
            pump_checked_at: None,
        }];
        let res = reservoir(utc(2027, 6, 25, 12, 0), utc(2027, 7, 5, 12, 0), false);
        let b = battery(utc(2027, 6, 20, 12, 0));
        let fired = HashSet::new();
        let i = inputs(&r, &fired, &scan, Some(&res), Some(&b));
        let (from, until) = (utc(2027, 6, 1, 12, 0), utc(2027, 6, 30, 12, 0));
        let paris = plan(&i, from, until, zone("Europe/Paris"));
        let new_york = plan(&i, from, until, zone("America/New_York"));
        let ids = |p: &[PlannedNotification]| {
            let mut v: Vec<_> = p.iter().map(|n| n.id.clone()).collect();
            v.sort();
            v
        };
        assert_eq!(ids(&paris), ids(&new_york));
        // 08:00 in each zone (UTC+2, then UTC-4).
        assert_eq!(
            at(&paris, "reminder-1-2027-06-15").fire_at,
            utc(2027, 6, 15, 6, 0)
        );
        assert_eq!(
            at(&new_york, "reminder-1-2027-06-15").fire_at,
            utc(2027, 6, 15, 12, 0)
        );
        assert_eq!(
            at(&paris, "refill-due-SN1-42").fire_at,
            utc(2027, 6, 25, 7, 0)
        );
        assert_eq!(
            at(&new_york, "refill-due-SN1-42").fire_at,
            utc(2027, 6, 25, 13, 0)
        );
        // The hour after the scan does not depend on the zone.
        assert_eq!(at(&paris, "mri-check-5-0").fire_at, utc(2027, 6, 10, 16, 0));
        assert_eq!(
            at(&new_york, "mri-check-5-0").fire_at,
            utc(2027, 6, 10, 16, 0)
        );
    }

    #[test]
    fn the_plan_is_ordered_by_importance_then_time_with_unique_ids() {
        let r = [
            reminder(1, None, 8, 0, date(2027, 6, 1), date(2027, 6, 30)),
            reminder(
                2,
                Some("wound_check"),
                11,
                0,
                date(2027, 6, 4),
                date(2027, 6, 4),
            ),
        ];
        let scan = [MriScan {
            id: 5,
            scanned_at: utc(2027, 6, 10, 15, 0),
            follow_up: Some(FollowUpAction::InterrogatePump),
            pump_checked_at: None,
        }];
        let res = reservoir(utc(2027, 6, 25, 12, 0), utc(2027, 7, 5, 12, 0), false);
        let fired = HashSet::new();
        let p = plan(
            &inputs(&r, &fired, &scan, Some(&res), None),
            utc(2027, 6, 1, 0, 0),
            utc(2027, 7, 10, 0, 0),
            zone("Europe/Paris"),
        );
        for w in p.windows(2) {
            assert!((w[0].importance, w[0].fire_at) <= (w[1].importance, w[1].fire_at));
        }
        let unique: HashSet<_> = p.iter().map(|n| &n.id).collect();
        assert_eq!(unique.len(), p.len());
        let kinds: Vec<_> = p.iter().map(|n| n.kind).collect();
        assert_eq!(
            kinds[..5],
            [
                Kind::MriPumpCheck,
                Kind::MriPumpCheck,
                Kind::MriPumpCheck,
                Kind::MriPumpCheck,
                Kind::ReservoirEmpty
            ]
        );
        assert_eq!(at(&p, "reminder-2-2027-06-04").kind, Kind::Appointment);
        assert_eq!(at(&p, "reminder-1-2027-06-04").kind, Kind::Reminder);
        assert_eq!(at(&p, "refill-book-SN1-42").fire_at, utc(2027, 6, 11, 8, 0));
        assert_eq!(
            at(&p, "reservoir-empty-SN1-42").fire_at,
            utc(2027, 7, 2, 7, 0)
        );
        // Planning again gives the same plan; a later window drops what has fired.
        assert_eq!(
            p,
            plan(
                &inputs(&r, &fired, &scan, Some(&res), None),
                utc(2027, 6, 1, 0, 0),
                utc(2027, 7, 10, 0, 0),
                zone("Europe/Paris"),
            )
        );
        let later = plan(
            &inputs(&r, &fired, &scan, Some(&res), None),
            utc(2027, 6, 12, 0, 0),
            utc(2027, 7, 10, 0, 0),
            zone("Europe/Paris"),
        );
        assert!(later.iter().all(|n| n.fire_at > utc(2027, 6, 12, 0, 0)));
        let mri: Vec<_> = later
            .iter()
            .filter(|n| n.kind == Kind::MriPumpCheck)
            .map(|n| n.id.as_str())
            .collect();
        assert_eq!(mri, ["mri-check-5-2", "mri-check-5-3"]);
    }

    #[test]
    fn no_booking_once_the_reservoir_is_low_and_eri_notices_before_eri_is_seen() {
        let res = reservoir(utc(2027, 6, 25, 12, 0), utc(2027, 7, 5, 12, 0), true);
        let mut b = battery(utc(2028, 6, 1, 0, 0));
        b.eos = None;
        b.eri_seen_at = None;
        b.eri = Some(DateRange::exact(utc(2027, 9, 1, 0, 0)));
        let fired = HashSet::new();
        let p = plan(
            &inputs(&[], &fired, &[], Some(&res), Some(&b)),
            utc(2027, 6, 1, 0, 0),
            utc(2027, 9, 1, 0, 0),
            zone("Europe/Paris"),
        );
        assert!(p.iter().all(|n| n.kind != Kind::RefillBooking));
        assert_eq!(at(&p, "eri-SN1-90").fire_at, utc(2027, 6, 3, 8, 0));
        assert_eq!(at(&p, "eri-SN1-30").kind, Kind::BatteryReplacement);
    }
}
