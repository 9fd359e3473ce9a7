//! Building the dashboard: everything the home screen shows, from the store and the link's
//! in-memory state.

use std::time::Duration;

use rusqlite::Connection;

use crate::diary::{PainEntry, TrendBucket, TrendPeriod, assemble, range_days};
use crate::l10n::{Domain, Language, Texts};
use crate::link::{Freshness, FreshnessConfig, LinkSnapshot, LinkState, freshness};
use crate::model::{CalendarDate, DeviceInfo, UtcDateTime, Zone, local_day};
use crate::recovery::DueReminder;
use crate::therapy::{
    self, AlarmRecord, AlarmText, BatteryForecast, DateRange, RefillAppointment, RefillRecord,
    ReservoirForecast, alarm_text, current_forecasts, describe_range,
};
use crate::{diary, recovery};

/// Whether an open alarm is known to be still sounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum AlarmCurrentState {
    /// The pump is connected and has not cleared it.
    Active,
    /// The link is down: the pump may have cleared it since; shown as "unknown".
    Unknown,
}

/// An open alarm as the home screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AlarmView {
    /// The alarm and its history.
    pub alarm: AlarmRecord,
    /// Whether it is known to be still active.
    pub current: AlarmCurrentState,
    /// Its name, priority and what to do, in the reader's language.
    pub words: AlarmText,
}

/// The key dates in words, in the patient's time zone, each at the precision its range supports
/// ("around 12 March 2027 (between 10 and 14 March)", "around March 2030 (between January and
/// May 2030)"; see [`describe_range`]).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct KeyDates {
    /// When the reservoir will really be down to its low threshold.
    pub reservoir_low: Option<String>,
    /// When it will really be empty.
    pub reservoir_empty: Option<String>,
    /// The elective replacement indicator: forecast, or the day it was seen.
    pub battery_eri: Option<String>,
    /// End of service (infusion stops).
    pub battery_eos: Option<String>,
    /// The last refill's day.
    pub last_refill: Option<String>,
    /// The refill appointment's day and time, in the clinic's zone ("2 December, 10:30").
    pub refill_appointment: Option<String>,
}

/// Everything the home screen shows.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Dashboard {
    /// When this was computed.
    pub generated_at: UtcDateTime,
    /// The patient's time zone (IANA name).
    pub time_zone: String,
    /// The link's state.
    pub link_state: LinkState,
    /// The transport in use, if the link was started.
    pub transport: Option<String>,
    /// When the link was last lost.
    pub last_link_lost: Option<UtcDateTime>,
    /// Frames rejected since start.
    pub frames_rejected: u64,
    /// How fresh the newest reading is.
    pub freshness: Freshness,
    /// Age of the newest reading.
    pub last_reading_age: Option<Duration>,
    /// The pump.
    pub pump: Option<DeviceInfo>,
    /// Reservoir and refill forecast.
    pub reservoir: Option<ReservoirForecast>,
    /// Battery forecast.
    pub battery: Option<BatteryForecast>,
    /// Open alarms, most urgent then newest first.
    pub alarms: Vec<AlarmView>,
    /// The newest refill.
    pub last_refill: Option<RefillRecord>,
    /// Refills whose measured residual was outside the pump's accuracy and that the patient has
    /// not yet marked as discussed with the clinic, newest first.
    pub refills_to_discuss: Vec<RefillRecord>,
    /// Key dates in the patient's zone.
    pub dates: KeyDates,
    /// The newest pain entry in the diary.
    pub last_pain: Option<PainEntry>,
    /// Pain and medication of the last 7 days (the patient's local days, today last).
    pub pain_week: Vec<TrendBucket>,
    /// The next reminder to fire in the coming 14 days (a refill appointment, a wound check,
    /// a dose), in the patient's zone.
    pub next_reminder: Option<DueReminder>,
    /// The next refill appointment, while its day has not passed.
    pub refill_appointment: Option<RefillAppointment>,
    /// Whether the reservoir may be down to its low level before that appointment (the
    /// forecast's earliest low date comes first): the clinic should be asked for an earlier one.
    pub low_before_appointment: bool,
}

/// Builds the dashboard from the store and the link's in-memory state.
///
/// # Errors
/// A storage error.
pub fn build(
    conn: &Connection,
    link: &LinkSnapshot,
    now: UtcDateTime,
    tz: Zone,
    freshness_config: FreshnessConfig,
    language: Language,
) -> Result<Dashboard, therapy::Error> {
    let pump = match &link.pump {
        Some(p) => Some(p.clone()),
        None => therapy::db::all_pumps(conn)?.pop(),
    };
    let mut d = Dashboard {
        generated_at: now,
        time_zone: tz.name().to_owned(),
        link_state: link.state.clone(),
        transport: link.transport.clone(),
        last_link_lost: link.last_link_lost,
        frames_rejected: link.frames_rejected,
        freshness: Freshness::NoData,
        last_reading_age: None,
        pump: pump.clone(),
        reservoir: None,
        battery: None,
        alarms: Vec::new(),
        last_refill: None,
        refills_to_discuss: Vec::new(),
        dates: KeyDates::default(),
        last_pain: diary::db::latest_pain(conn)?,
        pain_week: Vec::new(),
        next_reminder: None,
        refill_appointment: therapy::appointment::upcoming(conn, now)?,
        low_before_appointment: false,
    };
    let today = now.with_timezone(&tz).date_naive();
    let (first, last) = range_days(
        CalendarDate::from_naive(today - chrono::Days::new(6)),
        CalendarDate::from_naive(today),
    )?;
    let grouping = TrendPeriod::Day.grouping();
    d.pain_week = assemble(
        first,
        last,
        grouping,
        &diary::db::pain_aggregates(conn, first, last, grouping)?,
        &diary::db::medication_aggregates(conn, first, last, grouping)?,
    );
    let reminders = recovery::db::all_reminders(conn)?;
    if !reminders.is_empty() {
        let fired = recovery::db::fired_since(conn, local_day(now, Zone::UTC) - 2)?;
        d.next_reminder = recovery::reminders::due(
            &reminders,
            &fired,
            now,
            now + chrono::Duration::days(14),
            tz,
        )
        .into_iter()
        .min_by_key(|r| r.fire_at);
    }
    let Some(pump) = pump else { return Ok(d) };
    let serial = pump.serial.as_str();
    let latest = therapy::db::latest_reading(conn, serial)?;
    d.freshness = freshness(
        latest.as_ref().map(|r| r.taken_at),
        now,
        freshness_config,
        link.first_attempt_done,
    );
    d.last_reading_age = latest.as_ref().map(|r| r.age(now));
    d.last_refill = therapy::db::last_refill(conn, serial)?;
    d.refills_to_discuss = therapy::db::refills_to_discuss(conn, serial)?;
    if let Some(latest) = &latest {
        let (reservoir, battery) =
            current_forecasts(conn, &pump, latest, d.last_refill.as_ref(), now)?;
        d.reservoir = Some(reservoir);
        d.battery = Some(battery);
    }
    let known = link.state == LinkState::Connected;
    d.alarms = therapy::db::open_alarms(conn, serial)?
        .into_iter()
        .map(|alarm| AlarmView {
            words: alarm_text(alarm.kind, alarm.priority, language),
            alarm,
            current: if known {
                AlarmCurrentState::Active
            } else {
                AlarmCurrentState::Unknown
            },
        })
        .collect();
    let t = Texts::or_english(language, Domain::Dashboard);
    let say = |r: Option<DateRange>| r.map(|r| describe_range(&r, now, tz, &t));
    d.dates = KeyDates {
        reservoir_low: say(d.reservoir.as_ref().and_then(|r| r.low)),
        reservoir_empty: say(d.reservoir.as_ref().and_then(|r| r.empty)),
        battery_eri: say(d.battery.as_ref().and_then(|b| b.eri)),
        battery_eos: say(d.battery.as_ref().and_then(|b| b.eos)),
        last_refill: d
            .last_refill
            .as_ref()
            .map(|r| describe_range(&DateRange::exact(r.at), now, tz, &t)),
        refill_appointment: d.refill_appointment.as_ref().map(|a| {
            let day = a
                .date
                .to_naive("date")
                .map_or_else(|_| String::new(), |d| t.day_month(d));
            format!("{day}, {}", a.time)
        }),
    };
    d.low_before_appointment = match (
        &d.refill_appointment,
        d.reservoir.as_ref().and_then(|r| r.low),
    ) {
        (Some(a), Some(low)) => low.earliest < a.at,
        _ => false,
    };
    Ok(d)
}
