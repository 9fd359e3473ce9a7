//! The alert rules: which conditions of the patient's stored data a caregiver is told about.
//! They read only what the home screen shows (the [`Dashboard`], built from the store), so an
//! alert never reports anything not yet stored. Each condition has a key; the same condition is
//! raised once while it holds ([`super::Session::evaluate`]).
//!
//! The texts are English for now; the localisation layer takes them over with the other texts.

use chrono::Duration;

use super::messages::{AlertCategory, AlertPriority};
use crate::dashboard::Dashboard;
use crate::l10n::{Domain, Language, Texts};
use crate::link::LinkState;
use crate::model::{AlarmKind, AlarmPriority, BatteryIndicator, UtcDateTime};

/// When conditions become alerts (the defaults of a caregiver's settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RuleSettings {
    /// Tell about a refill this many days before the reservoir is forecast to be low.
    pub refill_days_before: u32,
    /// Tell about the pump's replacement this many months before its forecast ERI.
    pub battery_months_before: u32,
    /// Tell when the phone has not reached the pump for this many minutes.
    pub link_lost_minutes: u32,
    /// Tell about medium-priority pump alarms too (high ones always go).
    pub medium_pump_alarms: bool,
}

impl Default for RuleSettings {
    fn default() -> Self {
        Self {
            refill_days_before: 7,
            battery_months_before: 6,
            link_lost_minutes: 60,
            medium_pump_alarms: true,
        }
    }
}

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
    for view in &d.alarms {
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
        if r.is_low {
            out.push(Condition {
                key: "reservoir_low".into(),
                category: AlertCategory::ReservoirLow,
                priority: AlertPriority::High,
                title: t.get("reservoir-low-title"),
                body: t.get("reservoir-low-body"),
            });
        }
    }
    if let Some(b) = &d.battery {
        match b.indicator {
            BatteryIndicator::EndOfService => out.push(Condition {
                key: "battery_eos".into(),
                category: AlertCategory::BatteryReplacement,
                priority: AlertPriority::High,
                title: t.get("battery-eos-title"),
                body: t.safety("battery-eos-body", &[]).with_note(),
            }),
            BatteryIndicator::ElectiveReplacement => out.push(Condition {
                key: "battery_eri".into(),
                category: AlertCategory::BatteryReplacement,
                priority: AlertPriority::Medium,
                title: t.get("battery-eri-title"),
                body: t.get("battery-eri-body"),
            }),
            BatteryIndicator::Normal => {
                let months = i64::from(settings.battery_months_before);
                if let Some(eri) = b.eri
                    && eri.expected - now <= Duration::days(months * 30)
                {
                    out.push(Condition {
                        key: format!("battery_forecast:{}", eri.expected.format("%Y-%m")),
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

/// What a caregiver is told about a pump alarm: a safety text (`l10n::Texts::safety`).
fn alarm_text(t: &Texts, kind: AlarmKind) -> String {
    let code = match kind {
        AlarmKind::Unrecognised { .. } => "unrecognised".to_owned(),
        known => known.text_code(),
    };
    t.safety(&format!("alert-alarm-{code}"), &[]).with_note()
}
