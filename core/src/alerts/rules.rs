//! The alert rules: which conditions of the patient's stored data a caregiver is told about.
//! They read only what the home screen shows (the [`Dashboard`], built from the store), so an
//! alert never reports anything not yet stored. Each condition has a key; the same condition is
//! raised once while it holds ([`super::Session::evaluate`]).
//!
//! The texts are worded in the patient's language (`l10n`, the Alerts domain).

use chrono::{Datelike, Duration};
use serde::{Deserialize, Serialize};

use super::messages::{AlertCategory, AlertPriority};
use crate::dashboard::Dashboard;
use crate::l10n::{Domain, Language, Texts};
use crate::link::LinkState;
use crate::model::{AlarmKind, AlarmPriority, BatteryIndicator, UtcDateTime, Zone, occurrence};

/// Which conditions become alerts for one caregiver, and from when (part of their
/// [`super::policy::CaregiverSettings`]). Stored as JSON: a field added later takes its default
/// in older rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RuleSettings {
    /// Tell about the pump's alarms (high-priority ones always, medium ones if
    /// `medium_pump_alarms`).
    pub pump_alarms: bool,
    /// Tell about medium-priority pump alarms too.
    pub medium_pump_alarms: bool,
    /// Tell when a refill is due, and on the day of the refill appointment.
    pub refill_due: bool,
    /// Tell about a refill this many days before the reservoir is forecast to be low.
    pub refill_days_before: u32,
    /// Tell when the pump says its reservoir is low.
    pub reservoir_low: bool,
    /// Also tell when the reservoir is at or below this percentage (1–99); none: only the
    /// pump's own low level.
    pub reservoir_low_percent: Option<u32>,
    /// Also tell when the reservoir holds this many millilitres or less (as the pump counts);
    /// none: not by volume.
    pub reservoir_low_ml: Option<u32>,
    /// Tell about the battery: its replacement forecast, the replacement indicator, the days
    /// left before end of service, and the end of service.
    pub battery: bool,
    /// Tell about the pump's replacement this many months before its forecast ERI.
    pub battery_months_before: u32,
    /// Tell when a refill's measured residual was far from the expected one.
    pub refill_check: bool,
    /// Tell when the phone has lost the pump for a while.
    pub link_lost: bool,
    /// Tell when the phone has not reached the pump for this many minutes.
    pub link_lost_minutes: u32,
}

impl Default for RuleSettings {
    fn default() -> Self {
        Self {
            pump_alarms: true,
            medium_pump_alarms: true,
            refill_due: true,
            refill_days_before: 7,
            reservoir_low: true,
            reservoir_low_percent: None,
            reservoir_low_ml: None,
            battery: true,
            battery_months_before: 6,
            refill_check: true,
            link_lost: true,
            link_lost_minutes: 60,
        }
    }
}

/// The days before the end of service at which a caregiver is told again, once ERI is reached.
const EOS_COUNTDOWN_DAYS: [i64; 2] = [7, 30];

/// A condition that holds now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// Stable while the condition holds (`pump_alarm:12`, `refill_due:2027-03-01`).
    pub key: String,
    /// What it is about.
    pub category: AlertCategory,
    /// How urgent.
    pub priority: AlertPriority,
    /// A short title.
    pub title: String,
    /// The text.
    pub body: String,
}

/// The conditions that hold in `d` at `now`.
#[must_use]
pub fn conditions(
    d: &Dashboard,
    now: UtcDateTime,
    settings: &RuleSettings,
    language: Language,
) -> Vec<Condition> {
    let t = Texts::or_english(language, Domain::Alerts);
    let mut out = Vec::new();
    for view in d.alarms.iter().filter(|_| settings.pump_alarms) {
        let a = &view.alarm;
        let priority = match a.priority {
            AlarmPriority::High => AlertPriority::High,
            AlarmPriority::Medium if settings.medium_pump_alarms => AlertPriority::Medium,
            _ => continue,
        };
        out.push(Condition {
            key: format!("pump_alarm:{}", a.id),
            category: AlertCategory::PumpAlarm,
            priority,
            title: t.get("pump-alarm-title"),
            body: alarm_text(&t, a.kind),
        });
    }
    if let Some(r) = &d.reservoir {
        if let Some(low) = r.low
            && settings.refill_due
            && !r.is_low
            && low.expected - now <= Duration::days(i64::from(settings.refill_days_before))
        {
            out.push(Condition {
                key: format!("refill_due:{}", low.expected.date_naive()),
                category: AlertCategory::RefillDue,
                priority: AlertPriority::Medium,
                title: t.get("refill-due-title"),
                body: d.dates.reservoir_low.as_ref().map_or_else(
                    || t.get("refill-due-body"),
                    |when| t.format("refill-due-body-when", &[("when", when.as_str().into())]),
                ),
            });
        }
        if r.is_low && settings.reservoir_low {
            out.push(Condition {
                key: "reservoir_low".into(),
                category: AlertCategory::ReservoirLow,
                priority: AlertPriority::High,
                title: t.get("reservoir-low-title"),
                body: t.get("reservoir-low-body"),
            });
        } else if let Some(limit) = settings.reservoir_low_percent
            && r.percent <= f64::from(limit)
        {
            // The caregiver's own level: a key per level, as two caregivers may choose two.
            out.push(Condition {
                key: format!("reservoir_below:{limit}"),
                category: AlertCategory::ReservoirLow,
                priority: AlertPriority::Medium,
                title: t.get("reservoir-below-title"),
                body: t.format("reservoir-below-body", &[("percent", limit.into())]),
            });
        } else if let Some(ml) = settings.reservoir_low_ml
            && r.volume.milliliters() <= f64::from(ml)
        {
            out.push(Condition {
                key: format!("reservoir_below_ml:{ml}"),
                category: AlertCategory::ReservoirLow,
                priority: AlertPriority::Medium,
                title: t.get("reservoir-below-title"),
                body: t.format("reservoir-below-ml-body", &[("ml", ml.into())]),
            });
        }
    }
    if let Some(c) = appointment_today(d, now, settings, &t) {
        out.push(c);
    }
    for refill in d
        .refills_to_discuss
        .iter()
        .filter(|_| settings.refill_check)
    {
        out.push(Condition {
            key: format!("refill_check:{}", refill.id),
            category: AlertCategory::RefillCheck,
            priority: AlertPriority::Low,
            title: t.get("refill-check-title"),
            body: t.get("refill-check-body"),
        });
    }
    if let Some(b) = d.battery.as_ref().filter(|_| settings.battery) {
        match b.indicator {
            BatteryIndicator::EndOfService => out.push(Condition {
                key: "battery_eos".into(),
                category: AlertCategory::BatteryReplacement,
                priority: AlertPriority::High,
                title: t.get("battery-eos-title"),
                body: t.safety("battery-eos-body", &[]).with_note(),
            }),
            BatteryIndicator::ElectiveReplacement => {
                out.push(Condition {
                    key: "battery_eri".into(),
                    category: AlertCategory::BatteryReplacement,
                    priority: AlertPriority::Medium,
                    title: t.get("battery-eri-title"),
                    body: t.get("battery-eri-body"),
                });
                // The countdown to the end of service: told again a month and a week before.
                if let Some(days) = b.days_to_eos
                    && let Some(mark) = EOS_COUNTDOWN_DAYS.iter().find(|&&m| days <= m)
                {
                    out.push(Condition {
                        key: format!("battery_eos_in:{mark}"),
                        category: AlertCategory::BatteryReplacement,
                        priority: AlertPriority::Medium,
                        title: t.get("battery-eos-soon-title"),
                        body: t
                            .safety("battery-eos-soon-body", &[("days", days.max(0).into())])
                            .with_note(),
                    });
                }
            }
            BatteryIndicator::Normal => {
                let months = i64::from(settings.battery_months_before);
                if let Some(eri) = b.eri
                    && eri.expected - now <= Duration::days(months * 30)
                {
                    out.push(Condition {
                        key: format!(
                            "battery_forecast:{:04}-{:02}",
                            eri.expected.year(),
                            eri.expected.month()
                        ),
                        category: AlertCategory::BatteryLow,
                        priority: AlertPriority::Low,
                        title: t.get("battery-forecast-title"),
                        body: d.dates.battery_eri.as_ref().map_or_else(
                            || t.get("battery-forecast-body"),
                            |when| {
                                t.format(
                                    "battery-forecast-body-when",
                                    &[("when", when.as_str().into())],
                                )
                            },
                        ),
                    });
                }
            }
        }
    }
    if d.pump.is_some()
        && settings.link_lost
        && d.link_state != LinkState::Connected
        && let Some(lost) = d.last_link_lost
        && now - lost >= Duration::minutes(i64::from(settings.link_lost_minutes))
    {
        out.push(Condition {
            key: format!("link_lost:{}", lost.timestamp()),
            category: AlertCategory::LinkLost,
            priority: AlertPriority::Medium,
            title: t.get("link-lost-title"),
            body: t.format(
                "link-lost-body",
                &[("minutes", settings.link_lost_minutes.into())],
            ),
        });
    }
    out
}

/// The refill appointment, on its day (in the clinic's zone): from 07:00, or an hour before an
/// earlier one, until it begins.
fn appointment_today(
    d: &Dashboard,
    now: UtcDateTime,
    settings: &RuleSettings,
    t: &Texts,
) -> Option<Condition> {
    let a = d
        .refill_appointment
        .as_ref()
        .filter(|_| settings.refill_due)?;
    let zone: Zone = a.time_zone.parse().ok()?;
    let day = a.date.to_naive("date").ok()?;
    let from = occurrence(day, 7 * 60, zone)?.min(a.at - Duration::hours(1));
    if now < from || now >= a.at {
        return None;
    }
    let time = a.time.to_string();
    Some(Condition {
        key: format!("refill_appointment:{day}"),
        category: AlertCategory::RefillDue,
        priority: AlertPriority::Low,
        title: t.get("refill-appointment-title"),
        body: match &a.place {
            Some(place) => t.format(
                "refill-appointment-body-place",
                &[("time", time.into()), ("place", place.as_str().into())],
            ),
            None => t.format("refill-appointment-body", &[("time", time.into())]),
        },
    })
}

/// What a caregiver is told about a pump alarm: a safety text (`l10n::Texts::safety`).
fn alarm_text(t: &Texts, kind: AlarmKind) -> String {
    let code = match kind {
        AlarmKind::Unrecognised { .. } => "unrecognised".to_owned(),
        known => known.text_code(),
    };
    t.safety(&format!("alert-alarm-{code}"), &[]).with_note()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::{FreshnessConfig, LinkSnapshot};
    use crate::model::{Volume, Zone};
    use crate::store::Store;
    use crate::therapy::{BatteryForecast, ForecastBasis, ReservoirForecast};

    fn empty_dashboard(now: UtcDateTime) -> Dashboard {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in_dir(dir.path()).unwrap();
        store
            .read(|c| {
                crate::dashboard::build(
                    c,
                    &LinkSnapshot::idle(),
                    now,
                    Zone::UTC,
                    FreshnessConfig::default(),
                    Language::English,
                )
            })
            .unwrap()
    }

    fn reservoir(now: UtcDateTime, percent: f64, is_low: bool) -> ReservoirForecast {
        ReservoirForecast {
            as_of: now,
            volume: Volume::from_milliliters(4),
            capacity: Volume::from_milliliters(20),
            percent,
            daily_volume: None,
            low_threshold: Volume::from_milliliters(2),
            is_low,
            low: None,
            empty: None,
            pump_alarm_at: None,
            delivery_excess_percent: 0.0,
            refills_learned_from: 0,
            basis: ForecastBasis::Programmed,
        }
    }

    fn keys(d: &Dashboard, now: UtcDateTime, settings: &RuleSettings) -> Vec<String> {
        conditions(d, now, settings, Language::English)
            .into_iter()
            .map(|c| c.key)
            .collect()
    }

    #[test]
    fn a_caregivers_own_reservoir_level_and_switches_decide_what_holds() {
        let now: UtcDateTime = "2027-02-01T09:00:00Z".parse().unwrap();
        let mut d = empty_dashboard(now);
        d.reservoir = Some(reservoir(now, 22.0, false));
        let all = RuleSettings::default();
        assert!(
            keys(&d, now, &all).is_empty(),
            "the pump's own level not reached"
        );
        let at_25 = RuleSettings {
            reservoir_low_percent: Some(25),
            ..all
        };
        assert_eq!(keys(&d, now, &at_25), vec!["reservoir_below:25"]);
        let c = &conditions(&d, now, &at_25, Language::French)[0];
        assert!(c.body.contains("25"), "{}", c.body);
        assert_eq!(c.priority, AlertPriority::Medium);
        // The pump says low: its own alert, the caregiver's level no longer needed.
        d.reservoir = Some(reservoir(now, 10.0, true));
        assert_eq!(keys(&d, now, &at_25), vec!["reservoir_low"]);
        let off = RuleSettings {
            reservoir_low: false,
            ..at_25
        };
        assert_eq!(keys(&d, now, &off), vec!["reservoir_below:25"]);
        // By volume: 4 mL left, the caregiver's line at 5 mL.
        d.reservoir = Some(reservoir(now, 22.0, false));
        let at_5_ml = RuleSettings {
            reservoir_low_ml: Some(5),
            ..all
        };
        assert_eq!(keys(&d, now, &at_5_ml), vec!["reservoir_below_ml:5"]);
        let c = &conditions(&d, now, &at_5_ml, Language::English)[0];
        assert!(c.body.contains("5 mL"), "{}", c.body);
        let at_3_ml = RuleSettings {
            reservoir_low_ml: Some(3),
            ..all
        };
        assert!(keys(&d, now, &at_3_ml).is_empty());
    }

    #[test]
    fn after_eri_the_end_of_service_is_counted_down_a_month_and_a_week_before() {
        let now: UtcDateTime = "2027-02-01T09:00:00Z".parse().unwrap();
        let mut d = empty_dashboard(now);
        let battery = |days: i64| BatteryForecast {
            percent: 5,
            indicator: BatteryIndicator::ElectiveReplacement,
            replaceable: false,
            eri: None,
            eos: None,
            eri_seen_at: Some(now),
            days_to_eos: Some(days),
        };
        let all = RuleSettings::default();
        d.battery = Some(battery(60));
        assert_eq!(keys(&d, now, &all), vec!["battery_eri"]);
        d.battery = Some(battery(30));
        assert_eq!(
            keys(&d, now, &all),
            vec!["battery_eri", "battery_eos_in:30"]
        );
        d.battery = Some(battery(6));
        assert_eq!(keys(&d, now, &all), vec!["battery_eri", "battery_eos_in:7"]);
        let c = conditions(&d, now, &all, Language::German);
        assert!(c[1].body.contains('6'), "{}", c[1].body);
        let no_battery = RuleSettings {
            battery: false,
            ..all
        };
        assert!(keys(&d, now, &no_battery).is_empty());
    }

    #[test]
    fn caregivers_are_told_on_the_day_of_the_refill_appointment_until_it_begins() {
        use crate::therapy::RefillAppointment;
        let now: UtcDateTime = "2027-03-29T04:00:00Z".parse().unwrap();
        let mut d = empty_dashboard(now);
        // 29 March 2027, 10:30 in Paris (summer time since the day before: 08:30 UTC).
        d.refill_appointment = Some(RefillAppointment {
            date: crate::model::CalendarDate {
                year: 2027,
                month: 3,
                day: 29,
            },
            time: crate::model::LocalTime {
                hour: 10,
                minute: 30,
            },
            time_zone: "Europe/Paris".into(),
            at: "2027-03-29T08:30:00Z".parse().unwrap(),
            place: Some("Pain clinic".into()),
            set_at: now,
        });
        let all = RuleSettings::default();
        let at = |s: &str| -> UtcDateTime { s.parse().unwrap() };
        // 06:59 in Paris: not yet; 07:00: told; at 10:30 it begins: no more.
        assert!(keys(&d, at("2027-03-29T04:59:00Z"), &all).is_empty());
        assert_eq!(
            keys(&d, at("2027-03-29T05:00:00Z"), &all),
            vec!["refill_appointment:2027-03-29"]
        );
        assert!(keys(&d, at("2027-03-29T08:30:00Z"), &all).is_empty());
        // The day before, nothing.
        assert!(keys(&d, at("2027-03-28T12:00:00Z"), &all).is_empty());
        let c = &conditions(&d, at("2027-03-29T06:00:00Z"), &all, Language::French)[0];
        assert_eq!(c.priority, AlertPriority::Low);
        assert!(
            c.body.contains("10:30") && c.body.contains("Pain clinic"),
            "{}",
            c.body
        );
        let off = RuleSettings {
            refill_due: false,
            ..all
        };
        assert!(keys(&d, at("2027-03-29T06:00:00Z"), &off).is_empty());
    }
}
