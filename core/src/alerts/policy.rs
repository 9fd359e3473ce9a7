//! Each caregiver's alert settings, as the patient's phone keeps them: which rules and
//! thresholds ([`RuleSettings`]), quiet hours, when they are on call, how often an unanswered
//! alert is repeated, and their place in the rota (who is asked next when nobody answers).
//! Pure: values in, decisions out; `session.rs` applies them when it raises alerts.
//!
//! The rules of who gets what, in one place:
//! - an alert goes to the caregivers **on call** now whose rules include it (a caregiver with no
//!   on-call windows is always on call); if none is on call, to every caregiver whose rules
//!   include it, so an alert never goes nowhere;
//! - a **critical** alert (a high-priority pump alarm, or the pump's end of service) is never held
//!   by quiet hours and cannot be snoozed; any other alert to a caregiver in quiet hours waits
//!   until they end;
//! - a **high-priority** alert nobody acknowledges within the escalation delay goes to the next
//!   caregiver in rota order, and one delay later to everyone not yet reached
//!   ([`escalation_steps`]);
//! - the same condition is never sent twice to a caregiver while it holds, except as a
//!   **reminder** at the interval that caregiver chose, until they acknowledge or snooze it.

use chrono::{Datelike, Duration, NaiveTime, TimeZone, Timelike};
use serde::{Deserialize, Serialize};

use super::messages::{AlertCategory, AlertPriority};
use super::rules::RuleSettings;
use crate::model::{UtcDateTime, Zone};

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[allow(missing_docs)]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl From<chrono::Weekday> for Weekday {
    fn from(d: chrono::Weekday) -> Self {
        match d {
            chrono::Weekday::Mon => Self::Monday,
            chrono::Weekday::Tue => Self::Tuesday,
            chrono::Weekday::Wed => Self::Wednesday,
            chrono::Weekday::Thu => Self::Thursday,
            chrono::Weekday::Fri => Self::Friday,
            chrono::Weekday::Sat => Self::Saturday,
            chrono::Weekday::Sun => Self::Sunday,
        }
    }
}

/// A daily span of local time, `from` to `to` in minutes after midnight (0–1439); `to` before
/// `from` means it runs past midnight (22:00–07:00). Equal ends mean the whole day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DailySpan {
    /// Start, minutes after local midnight.
    pub from_minute: u16,
    /// End, minutes after local midnight.
    pub to_minute: u16,
}

impl DailySpan {
    fn contains(self, minute: u16) -> bool {
        let (from, to) = (self.from_minute, self.to_minute);
        match from.cmp(&to) {
            std::cmp::Ordering::Less => (from..to).contains(&minute),
            std::cmp::Ordering::Greater => minute >= from || minute < to,
            std::cmp::Ordering::Equal => true,
        }
    }
}

/// When a caregiver is on call: on these days (of the span's start), during this span.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct OnCallWindow {
    /// The days it starts on (a span past midnight ends the next morning).
    pub days: Vec<Weekday>,
    /// The hours.
    pub hours: DailySpan,
}

/// One caregiver's settings on the patient's phone (by default: every rule, no quiet hours,
/// always on call, no reminders, first in the rota, the patient's zone).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CaregiverSettings {
    /// Which conditions, from when.
    pub rules: RuleSettings,
    /// Hours when only critical alerts reach this caregiver (the rest wait until they end).
    pub quiet_hours: Option<DailySpan>,
    /// When this caregiver is on call; none means always.
    pub on_call: Vec<OnCallWindow>,
    /// Repeat an alert this caregiver has not acknowledged every so many minutes while its
    /// condition holds (at least 5); none: never repeat.
    pub reminder_minutes: Option<u32>,
    /// Place in the rota: when nobody acknowledges a high-priority alert, lower numbers are
    /// asked first.
    pub rota_position: u32,
    /// The time zone of the quiet hours and on-call windows (IANA name, `Europe/Paris`); empty:
    /// the patient's.
    pub time_zone: String,
}

/// Why settings were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {reason}")]
pub struct BadSettings {
    /// The field.
    pub field: &'static str,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// The shortest reminder interval: more often would be the alert fatigue caregivers complain of.
pub const MIN_REMINDER_MINUTES: u32 = 5;

impl CaregiverSettings {
    /// Checks the settings are usable.
    ///
    /// # Errors
    /// [`BadSettings`] naming the field.
    pub fn check(&self) -> Result<(), BadSettings> {
        let minute = |m: u16| m < 24 * 60;
        let span_ok = |s: &DailySpan| minute(s.from_minute) && minute(s.to_minute);
        if self.quiet_hours.as_ref().is_some_and(|s| !span_ok(s)) {
            return Err(BadSettings {
                field: "quiet_hours",
                reason: "must be 0 to 1439 minutes after midnight",
            });
        }
        if self.on_call.iter().any(|w| !span_ok(&w.hours)) {
            return Err(BadSettings {
                field: "on_call",
                reason: "must be 0 to 1439 minutes after midnight",
            });
        }
        if self.on_call.iter().any(|w| w.days.is_empty()) {
            return Err(BadSettings {
                field: "on_call",
                reason: "needs at least one day in each window",
            });
        }
        if self
            .reminder_minutes
            .is_some_and(|m| !(MIN_REMINDER_MINUTES..=7 * 24 * 60).contains(&m))
        {
            return Err(BadSettings {
                field: "reminder_minutes",
                reason: "must be 5 minutes to 7 days",
            });
        }
        if !self.time_zone.is_empty() && Zone::get(&self.time_zone).is_err() {
            return Err(BadSettings {
                field: "time_zone",
                reason: "is not a time zone this phone knows",
            });
        }
        if let Some(p) = self.rules.reservoir_low_percent
            && !(1..=99).contains(&p)
        {
            return Err(BadSettings {
                field: "rules.reservoir_low_percent",
                reason: "must be a percentage from 1 to 99",
            });
        }
        if self
            .rules
            .reservoir_low_ml
            .is_some_and(|ml| !(1..=100).contains(&ml))
        {
            return Err(BadSettings {
                field: "rules.reservoir_low_ml",
                reason: "must be 1 to 100 mL",
            });
        }
        Ok(())
    }

    fn zone(&self, patient: Zone) -> Zone {
        if self.time_zone.is_empty() {
            patient
        } else {
            Zone::get(&self.time_zone).unwrap_or(patient)
        }
    }

    /// Whether this caregiver is on call at `now`.
    #[must_use]
    pub fn on_call_at(&self, now: UtcDateTime, patient: Zone) -> bool {
        if self.on_call.is_empty() {
            return true;
        }
        let local = now.with_timezone(&self.zone(patient)).naive_local();
        let minute = minute_of(local.time());
        let today = Weekday::from(local.weekday());
        let yesterday = Weekday::from(local.weekday().pred());
        self.on_call.iter().any(|w| {
            let h = w.hours;
            if h.from_minute <= h.to_minute {
                w.days.contains(&today) && h.contains(minute)
            } else {
                // Past midnight: the evening part belongs to today, the morning to yesterday.
                (w.days.contains(&today) && minute >= h.from_minute)
                    || (w.days.contains(&yesterday) && minute < h.to_minute)
            }
        })
    }

    /// When this caregiver's quiet hours around `now` end, if `now` is inside them.
    #[must_use]
    pub fn quiet_until(&self, now: UtcDateTime, patient: Zone) -> Option<UtcDateTime> {
        let span = self.quiet_hours?;
        if span.from_minute == span.to_minute {
            return None; // "quiet all day" would silence a caregiver for good: not honoured
        }
        let zone = self.zone(patient);
        let local = now.with_timezone(&zone).naive_local();
        if !span.contains(minute_of(local.time())) {
            return None;
        }
        let end = NaiveTime::from_hms_opt(
            u32::from(span.to_minute / 60),
            u32::from(span.to_minute % 60),
            0,
        )?;
        let mut day = local.date();
        if local.time() >= end {
            day = day.succ_opt()?;
        }
        // A local time skipped by a clock change ends the quiet hours at the first valid minute.
        let mut t = day.and_time(end);
        for _ in 0..180 {
            if let Some(at) = zone.from_local_datetime(&t).earliest() {
                return Some(at.with_timezone(&chrono::Utc));
            }
            t += Duration::minutes(1);
        }
        None
    }

    /// When an alert of this kind raised at `now` may go to this caregiver: now, or the end of
    /// their quiet hours.
    #[must_use]
    pub fn send_at(
        &self,
        now: UtcDateTime,
        patient: Zone,
        category: AlertCategory,
        priority: AlertPriority,
    ) -> UtcDateTime {
        if is_critical(category, priority) {
            return now;
        }
        self.quiet_until(now, patient).unwrap_or(now)
    }
}

fn minute_of(t: NaiveTime) -> u16 {
    u16::try_from(t.hour() * 60 + t.minute()).unwrap_or(0)
}

/// A high-priority pump alarm, or the pump's end of service: never held by quiet hours, never
/// snoozed.
#[must_use]
pub fn is_critical(category: AlertCategory, priority: AlertPriority) -> bool {
    priority == AlertPriority::High
        && matches!(
            category,
            AlertCategory::PumpAlarm | AlertCategory::BatteryReplacement
        )
}

/// How long a high-priority alert waits for an acknowledgement before the next step of its
/// escalation.
pub const ESCALATION_DELAY: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// The escalation of a high-priority alert first sent to `first` (caregiver ids): step 1 is the
/// next caregiver in rota order not yet reached, step 2 everyone else. `rota` holds every
/// confirmed caregiver as (id, rota position), in any order; ties keep the order given.
#[must_use]
pub fn escalation_steps(first: &[i64], rota: &[(i64, u32)]) -> Vec<Vec<i64>> {
    let mut rest: Vec<(u32, usize, i64)> = rota
        .iter()
        .enumerate()
        .filter(|(_, (id, _))| !first.contains(id))
        .map(|(given, &(id, position))| (position, given, id))
        .collect();
    // By position, ties in the order given (an unstable sort over a total key: decision 0006).
    rest.sort_unstable();
    let mut ids = rest.into_iter().map(|(_, _, id)| id);
    let mut steps = Vec::new();
    if let Some(next) = ids.next() {
        steps.push(vec![next]);
    }
    let everyone: Vec<i64> = ids.collect();
    if !everyone.is_empty() {
        steps.push(everyone);
    }
    steps
}

/// Who gets an alert now: the caregivers whose rules include it and who are on call; if none
/// is on call, all of those whose rules include it. `candidates` are (id, settings) of the
/// confirmed caregivers whose rules include the condition.
#[must_use]
pub fn recipients(
    candidates: &[(i64, &CaregiverSettings)],
    now: UtcDateTime,
    patient: Zone,
) -> Vec<i64> {
    let on_call: Vec<i64> = candidates
        .iter()
        .filter(|(_, s)| s.on_call_at(now, patient))
        .map(|(id, _)| *id)
        .collect();
    if on_call.is_empty() {
        candidates.iter().map(|(id, _)| *id).collect()
    } else {
        on_call
    }
}

/// The snooze a caregiver chose: for a time, or until the condition changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Snooze {
    /// No reminder before this time.
    Until(UtcDateTime),
    /// No reminder while the condition holds.
    WhileItHolds,
}

/// Whether a reminder of an alert is due to a caregiver: they have not acknowledged it, have
/// not snoozed it past `now`, chose reminders, and the last copy they got is old enough (or a
/// time-limited snooze just ran out: then one reminder goes at once).
#[must_use]
pub fn reminder_due(
    settings: &CaregiverSettings,
    last_copy: UtcDateTime,
    acknowledged: bool,
    snooze: Option<Snooze>,
    now: UtcDateTime,
) -> bool {
    if acknowledged {
        return false;
    }
    match snooze {
        Some(Snooze::WhileItHolds) => return false,
        Some(Snooze::Until(t)) if t > now => return false,
        Some(Snooze::Until(t)) if t > last_copy => return true,
        _ => {}
    }
    settings
        .reminder_minutes
        .is_some_and(|m| now - last_copy >= Duration::minutes(i64::from(m)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> UtcDateTime {
        s.parse().unwrap()
    }

    fn span(from: &str, to: &str) -> DailySpan {
        let m = |s: &str| {
            let (h, m) = s.split_once(':').unwrap();
            h.parse::<u16>().unwrap() * 60 + m.parse::<u16>().unwrap()
        };
        DailySpan {
            from_minute: m(from),
            to_minute: m(to),
        }
    }

    fn paris() -> Zone {
        Zone::get("Europe/Paris").unwrap()
    }

    #[test]
    fn quiet_hours_past_midnight_end_in_the_morning_in_the_caregivers_zone() {
        let s = CaregiverSettings {
            quiet_hours: Some(span("22:00", "07:00")),
            time_zone: "America/New_York".into(),
            ..CaregiverSettings::default()
        };
        // 03:30 UTC is 22:30 in New York (winter, UTC−5): quiet until 07:00 there, 12:00 UTC.
        assert_eq!(
            s.quiet_until(at("2026-12-01T03:30:00Z"), paris()),
            Some(at("2026-12-01T12:00:00Z"))
        );
        // 11:59 UTC = 06:59 local: still quiet. 12:00: not.
        assert!(s.quiet_until(at("2026-12-01T11:59:00Z"), paris()).is_some());
        assert_eq!(s.quiet_until(at("2026-12-01T12:00:00Z"), paris()), None);
        // Without a zone of their own, the patient's: 22:30 in Paris is 21:30 UTC.
        let p = CaregiverSettings {
            time_zone: String::new(),
            ..s
        };
        assert_eq!(
            p.quiet_until(at("2026-12-01T21:30:00Z"), paris()),
            Some(at("2026-12-02T06:00:00Z"))
        );
    }

    #[test]
    fn quiet_hours_end_at_the_right_instant_across_a_clock_change() {
        // Paris springs forward on 2027-03-28 at 02:00 → 03:00. Quiet 01:00–02:30: 02:30 does
        // not exist that night, so they end at 03:00 local (01:00 UTC).
        let s = CaregiverSettings {
            quiet_hours: Some(span("01:00", "02:30")),
            ..CaregiverSettings::default()
        };
        assert_eq!(
            s.quiet_until(at("2027-03-28T00:30:00Z"), paris()),
            Some(at("2027-03-28T01:00:00Z"))
        );
        // In autumn (2027-10-31, 03:00 → 02:00) 22:00–07:00 lasts an hour longer in UTC.
        let night = CaregiverSettings {
            quiet_hours: Some(span("22:00", "07:00")),
            ..CaregiverSettings::default()
        };
        assert_eq!(
            night.quiet_until(at("2027-10-30T20:00:00Z"), paris()),
            Some(at("2027-10-31T06:00:00Z"))
        );
    }

    #[test]
    fn critical_alerts_are_never_held_and_others_wait_for_the_morning() {
        let s = CaregiverSettings {
            quiet_hours: Some(span("22:00", "07:00")),
            ..CaregiverSettings::default()
        };
        let night = at("2026-12-01T23:00:00Z"); // 00:00 in Paris
        let morning = at("2026-12-02T06:00:00Z");
        let pump = AlertCategory::PumpAlarm;
        assert_eq!(s.send_at(night, paris(), pump, AlertPriority::High), night);
        assert_eq!(
            s.send_at(night, paris(), pump, AlertPriority::Medium),
            morning
        );
        assert_eq!(
            s.send_at(
                night,
                paris(),
                AlertCategory::BatteryReplacement,
                AlertPriority::High
            ),
            night
        );
        // A high reservoir alert is urgent but not critical: it waits, escalation aside.
        assert_eq!(
            s.send_at(
                night,
                paris(),
                AlertCategory::ReservoirLow,
                AlertPriority::High
            ),
            morning
        );
    }

    #[test]
    fn on_call_windows_follow_days_and_nights() {
        let weekend_nights = CaregiverSettings {
            on_call: vec![OnCallWindow {
                days: vec![Weekday::Saturday, Weekday::Sunday],
                hours: span("20:00", "08:00"),
            }],
            ..CaregiverSettings::default()
        };
        // Sunday 2026-12-06 07:00 Paris (06:00 UTC): Saturday night's shift.
        assert!(weekend_nights.on_call_at(at("2026-12-06T06:00:00Z"), paris()));
        // Monday 07:00: Sunday night's shift. Monday 09:00: not on call.
        assert!(weekend_nights.on_call_at(at("2026-12-07T06:00:00Z"), paris()));
        assert!(!weekend_nights.on_call_at(at("2026-12-07T08:00:00Z"), paris()));
        // Friday 07:00: Thursday night is not in the rota.
        assert!(!weekend_nights.on_call_at(at("2026-12-04T06:00:00Z"), paris()));
        assert!(CaregiverSettings::default().on_call_at(at("2026-12-04T06:00:00Z"), paris()));
    }

    #[test]
    fn alerts_go_to_whoever_is_on_call_or_to_everyone_when_nobody_is() {
        let days = CaregiverSettings {
            on_call: vec![OnCallWindow {
                days: vec![
                    Weekday::Monday,
                    Weekday::Tuesday,
                    Weekday::Wednesday,
                    Weekday::Thursday,
                    Weekday::Friday,
                ],
                hours: span("08:00", "18:00"),
            }],
            ..CaregiverSettings::default()
        };
        let nights = CaregiverSettings {
            on_call: vec![OnCallWindow {
                days: vec![Weekday::Monday],
                hours: span("18:00", "08:00"),
            }],
            ..CaregiverSettings::default()
        };
        let both = [(1, &days), (2, &nights)];
        let monday_noon = at("2026-11-30T11:00:00Z");
        let monday_night = at("2026-11-30T22:00:00Z");
        let saturday = at("2026-12-05T11:00:00Z");
        assert_eq!(recipients(&both, monday_noon, paris()), vec![1]);
        assert_eq!(recipients(&both, monday_night, paris()), vec![2]);
        assert_eq!(recipients(&both, saturday, paris()), vec![1, 2]);
    }

    #[test]
    fn escalation_asks_the_next_in_the_rota_then_everyone() {
        let rota = [(10, 2), (11, 0), (12, 1), (13, 3)];
        assert_eq!(escalation_steps(&[11], &rota), vec![vec![12], vec![10, 13]]);
        assert_eq!(escalation_steps(&[11, 12], &rota), vec![vec![10], vec![13]]);
        assert_eq!(escalation_steps(&[10, 11, 12], &rota), vec![vec![13]]);
        assert!(escalation_steps(&[10, 11, 12, 13], &rota).is_empty());
    }

    #[test]
    fn reminders_respect_acknowledgement_snooze_and_interval() {
        let s = CaregiverSettings {
            reminder_minutes: Some(30),
            ..CaregiverSettings::default()
        };
        let sent = at("2026-12-01T10:00:00Z");
        let m = |n| sent + Duration::minutes(n);
        assert!(!reminder_due(&s, sent, false, None, m(29)));
        assert!(reminder_due(&s, sent, false, None, m(30)));
        assert!(!reminder_due(&s, sent, true, None, m(90)));
        assert!(!reminder_due(
            &s,
            sent,
            false,
            Some(Snooze::WhileItHolds),
            m(90)
        ));
        let snooze = Some(Snooze::Until(m(60)));
        assert!(!reminder_due(&s, sent, false, snooze, m(45)));
        assert!(reminder_due(&s, sent, false, snooze, m(60)));
        // Once the reminder after the snooze went, the interval counts from it.
        assert!(!reminder_due(&s, m(60), false, snooze, m(70)));
        // No reminders chosen: only the one a time-limited snooze asks for.
        let none = CaregiverSettings::default();
        assert!(!reminder_due(&none, sent, false, None, m(600)));
        assert!(reminder_due(&none, sent, false, snooze, m(60)));
    }

    #[test]
    fn settings_are_checked() {
        let mut s = CaregiverSettings::default();
        assert_eq!(s.check(), Ok(()));
        s.reminder_minutes = Some(1);
        assert_eq!(s.check().unwrap_err().field, "reminder_minutes");
        s.reminder_minutes = Some(30);
        s.quiet_hours = Some(DailySpan {
            from_minute: 1440,
            to_minute: 0,
        });
        assert_eq!(s.check().unwrap_err().field, "quiet_hours");
        s.quiet_hours = None;
        s.time_zone = "Mars/Olympus".into();
        assert_eq!(s.check().unwrap_err().field, "time_zone");
        s.time_zone = "Europe/Paris".into();
        s.on_call = vec![OnCallWindow {
            days: vec![],
            hours: span("08:00", "09:00"),
        }];
        assert_eq!(s.check().unwrap_err().field, "on_call");
    }
}
