//! The notifications the phone's operating system should deliver: a plan the apps hand to
//! `AlarmManager` (Android) or `UNUserNotificationCenter` (iOS), so that a reminder, a refill due
//! date or a post-MRI pump check reaches the patient even when the app is in the background,
//! killed, or the phone has restarted.
//!
//! [`plan`] is pure: what the store holds (reminders, the reservoir and battery forecasts, the
//! MRI scans awaiting a pump check), a window and the device's zone in, notifications out.
//! [`plan_from_store`] reads those facts. Every notification has a stable id: planning again
//! (after a reading, a zone change, a reboot) gives the same id for the same event, so the OS
//! replaces it rather than showing it twice. Times are UTC; the zone only places wall-clock times
//! ("09:00 on the day") and survives DST gaps and overlaps the way reminders do.

mod rules;

use chrono::Duration;
use rusqlite::Connection;

pub use rules::{PlanInputs, plan};

use crate::l10n::Language;
use crate::model::{InvalidInput, UtcDateTime, parse_time_zone};
use crate::store::StoreError;
use crate::{card, recovery, therapy};

/// The longest window a plan covers, in days.
pub const MAX_PLAN_DAYS: i64 = 366;

/// What a planned notification is about. The apps pick the channel (Android) or category
/// (iOS) from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum NotificationKind {
    /// A reminder the patient (or the recovery plan) set: a dose, a dressing change.
    Reminder,
    /// A clinic visit of the recovery plan (wound check, stitches out).
    Appointment,
    /// Time to book the refill visit (two weeks before the reservoir gets low).
    RefillBooking,
    /// The reservoir reaches its low threshold about now: the refill is due.
    RefillDue,
    /// The reservoir may be empty within days: the drug would stop.
    ReservoirEmpty,
    /// An MRI scan is done and the pump has not been checked since.
    MriPumpCheck,
    /// The battery's elective replacement indicator is forecast: plan the replacement.
    BatteryReplacement,
    /// Countdown to the battery's end of service, when infusion stops.
    EndOfService,
}

/// How much a notification matters: the plan is ordered by it, a platform that can keep only
/// some (iOS: 64 pending) keeps the most important, and the apps map it to the channel's
/// importance (Android) or the interruption level (iOS: `Urgent` and `High` are time-sensitive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum NotificationImportance {
    /// Therapy may stop or the pump needs checking: shown at once, may break through focus.
    Urgent,
    /// Something to act on within days (a refill, a clinic visit).
    High,
    /// A routine reminder.
    Normal,
}

/// One notification for the OS to deliver at `fire_at`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PlannedNotification {
    /// Stable across plans for the same event (`reminder-12-2027-03-28`, `eos-SN123-30`):
    /// scheduling it again replaces the earlier one.
    pub id: String,
    /// What it is about.
    pub kind: NotificationKind,
    /// How much it matters.
    pub importance: NotificationImportance,
    /// When to show it (UTC; the wall-clock time was placed in the device's zone).
    pub fire_at: UtcDateTime,
    /// The notification's title.
    pub title: String,
    /// The sentence under it: what to do. No pump data beyond what the title needs.
    pub body: String,
}

/// Why a plan could not be made (mapped to the public `PumpError` at the FFI edge).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An argument is not valid.
    #[error("invalid input: {0}")]
    Invalid(#[from] InvalidInput),
}

impl From<therapy::Error> for Error {
    fn from(e: therapy::Error) -> Self {
        match e {
            therapy::Error::Store(e) => Self::Store(e),
            therapy::Error::Invalid(e) => Self::Invalid(e),
            // The pump's settings row is missing: no forecast, nothing to plan for it.
            therapy::Error::UnknownPump => Self::Store(StoreError::Corrupt {
                what: "the pump's settings".into(),
            }),
        }
    }
}

impl From<card::Error> for Error {
    fn from(e: card::Error) -> Self {
        match e {
            card::Error::Store(e) => Self::Store(e),
            card::Error::Invalid(e) => Self::Invalid(e),
            other => Self::Store(StoreError::Unexpected {
                context: other.to_string(),
            }),
        }
    }
}

/// The plan for `(from, until]` with the device in `device_zone`, from what the store holds
/// at `now`, worded in `language`.
///
/// # Errors
/// [`Error::Invalid`] on `device_zone` or a window that is empty or longer than
/// [`MAX_PLAN_DAYS`]; a storage error.
pub fn plan_from_store(
    conn: &Connection,
    from: UtcDateTime,
    until: UtcDateTime,
    device_zone: &str,
    now: UtcDateTime,
    language: Language,
) -> Result<Vec<PlannedNotification>, Error> {
    let zone = parse_time_zone("device_zone", device_zone)?;
    if until <= from {
        return Err(InvalidInput::new("until", "is not after from").into());
    }
    if until - from > Duration::days(MAX_PLAN_DAYS) {
        return Err(InvalidInput::new(
            "until",
            format!("is more than {MAX_PLAN_DAYS} days after from"),
        )
        .into());
    }
    let reminders = recovery::db::all_reminders(conn)?;
    let fired = recovery::db::fired_since(
        conn,
        crate::model::local_day(from, crate::model::Zone::UTC) - 2,
    )?;
    let mri = card::actions::pending_mri_follow_ups(conn)?;
    let mut inputs = PlanInputs {
        reminders: &reminders,
        fired: &fired,
        mri_checks: &mri,
        pump_serial: None,
        refill_cycle: None,
        reservoir: None,
        battery: None,
        language,
    };
    let pump = therapy::db::all_pumps(conn)?.pop();
    let mut forecasts = None;
    let mut cycle = None;
    if let Some(pump) = &pump {
        let last_refill = therapy::db::last_refill(conn, &pump.serial)?;
        cycle = Some(last_refill.as_ref().map_or(0, |r| r.at.timestamp()));
        if let Some(latest) = therapy::db::latest_reading(conn, &pump.serial)? {
            forecasts = Some(therapy::current_forecasts(
                conn,
                pump,
                &latest,
                last_refill.as_ref(),
                now,
            )?);
        }
    }
    inputs.pump_serial = pump.as_ref().map(|p| p.serial.as_str());
    inputs.refill_cycle = cycle;
    inputs.reservoir = forecasts.as_ref().map(|f| &f.0);
    inputs.battery = forecasts.as_ref().map(|f| &f.1);
    Ok(plan(&inputs, from, until, zone))
}
