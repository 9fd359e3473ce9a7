//! What the report shows, read from the store in one read transaction: values only, so the
//! layout is pure.

use chrono::NaiveDate;
use rusqlite::Connection;

use super::Error;
use crate::card::CardData;
use crate::diary::{self, Trend, TrendBucket, TrendPeriod};
use crate::model::{CalendarDate, DeviceInfo, StatusReading, UtcDateTime, Zone};
use crate::recovery::{self, SymptomEntry};
use crate::therapy::{self, AlarmRecord, BatteryForecast, RefillRecord, ReservoirForecast};

/// Longer ranges than this many days are charted by week (a day would be under 2 points wide).
pub(crate) const DAILY_CHART_MAX_DAYS: i64 = 92;

/// A note the patient wrote, with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Note {
    pub at: UtcDateTime,
    /// `pain` (with the pain score) or `symptom`.
    pub score: Option<u8>,
    pub text: String,
}

/// Everything the report shows.
#[derive(Debug, Clone)]
pub(crate) struct ReportData {
    pub now: UtcDateTime,
    pub zone: Zone,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub card: Option<CardData>,
    pub pump: Option<DeviceInfo>,
    pub latest: Option<StatusReading>,
    pub reservoir: Option<ReservoirForecast>,
    pub battery: Option<BatteryForecast>,
    /// Refills in the range, oldest first.
    pub refills: Vec<RefillRecord>,
    /// Alarms raised in the range, oldest first.
    pub alarms: Vec<AlarmRecord>,
    /// Pain and doses by day (or by week for long ranges).
    pub trend: Trend,
    /// The whole range's totals.
    pub summary: TrendBucket,
    /// Local days with at least one pain score.
    pub days_with_pain: usize,
    pub symptoms: Vec<SymptomEntry>,
    pub notes: Vec<Note>,
}

fn diary_error(e: diary::Error) -> Error {
    match e {
        diary::Error::Invalid(i) => Error::Invalid(i),
        diary::Error::Store(s) => Error::Store(s),
        diary::Error::Refused(_) => Error::Store(crate::store::StoreError::Unexpected {
            context: "reading the diary".into(),
        }),
    }
}

fn recovery_error(e: recovery::Error) -> Error {
    match e {
        recovery::Error::Store(s) => Error::Store(s),
        recovery::Error::Invalid(i) => Error::Invalid(i),
        _ => Error::Store(crate::store::StoreError::Unexpected {
            context: "reading the symptom log".into(),
        }),
    }
}

fn therapy_error(e: therapy::Error) -> Error {
    match e {
        therapy::Error::Store(s) => Error::Store(s),
        therapy::Error::Invalid(i) => Error::Invalid(i),
        therapy::Error::UnknownPump => Error::Store(crate::store::StoreError::Unexpected {
            context: "reading the pump".into(),
        }),
    }
}

/// Reads the report's data for the local days `from..=to` (each `None`: from the first thing
/// recorded, to today).
///
/// # Errors
/// [`Error::Invalid`] for a range that ends before it starts or is longer than the diary's
/// trends allow, or a storage error.
pub(crate) fn gather(
    conn: &Connection,
    now: UtcDateTime,
    zone: Zone,
    from: Option<CalendarDate>,
    to: Option<CalendarDate>,
) -> Result<ReportData, Error> {
    let local = |t: UtcDateTime| t.with_timezone(&zone).date_naive();
    let far = (
        UtcDateTime::MIN_UTC,
        UtcDateTime::MAX_UTC - chrono::Duration::days(1),
    );
    let pain = diary::pain_entries(conn, far.0, far.1).map_err(diary_error)?;
    let meds = diary::medications(conn, far.0, far.1).map_err(diary_error)?;
    let symptoms = recovery::symptoms(conn, far.0, far.1).map_err(recovery_error)?;
    let pumps = therapy::db::all_pumps(conn)?;
    let mut refills = Vec::new();
    let mut alarms = Vec::new();
    for p in &pumps {
        refills.extend(therapy::db::refill_log(conn, &p.serial, u32::MAX)?);
        alarms.extend(therapy::db::alarm_history(conn, &p.serial, u32::MAX)?);
    }

    let today = local(now);
    let to = match to {
        Some(d) => d.to_naive("to")?,
        None => today,
    };
    let from = match from {
        Some(d) => d.to_naive("from")?,
        None => pain
            .iter()
            .map(|e| e.value.at)
            .chain(meds.iter().map(|m| m.value.at))
            .chain(symptoms.iter().map(|s| s.value.at))
            .chain(refills.iter().map(|r| r.at))
            .chain(alarms.iter().filter_map(|a| a.raised_at))
            .min()
            .map_or(to, local)
            .min(to),
    };
    let (first, last) =
        diary::range_days(CalendarDate::from_naive(from), CalendarDate::from_naive(to))?;
    let within = |t: UtcDateTime| (from..=to).contains(&local(t));

    let period = if last - first >= DAILY_CHART_MAX_DAYS {
        TrendPeriod::Week
    } else {
        TrendPeriod::Day
    };
    let (cfrom, cto) = (CalendarDate::from_naive(from), CalendarDate::from_naive(to));
    let trend = diary::trend(conn, cfrom, cto, period).map_err(diary_error)?;
    let summary = diary::summary(conn, cfrom, cto).map_err(diary_error)?;
    let daily = if period == TrendPeriod::Day {
        None
    } else {
        Some(diary::trend(conn, cfrom, cto, TrendPeriod::Day).map_err(diary_error)?)
    };
    let days_with_pain = daily
        .as_ref()
        .unwrap_or(&trend)
        .buckets
        .iter()
        .filter(|b| b.pain.is_some())
        .count();

    refills.retain(|r| within(r.at));
    refills.sort_unstable_by_key(|r| (r.at, r.id));
    alarms.retain(|a| a.raised_at.or(a.cleared_at).is_some_and(within));
    alarms.sort_unstable_by_key(|a| (a.raised_at.or(a.cleared_at), a.id));

    let mut notes: Vec<Note> = pain
        .iter()
        .filter(|e| within(e.value.at))
        .filter_map(|e| {
            let text = e.value.note.as_deref()?.trim();
            (!text.is_empty()).then(|| Note {
                at: e.value.at,
                score: Some(e.value.score),
                text: text.to_owned(),
            })
        })
        .collect();
    let symptoms: Vec<SymptomEntry> = symptoms
        .into_iter()
        .filter(|s| within(s.value.at))
        .collect();
    notes.extend(symptoms.iter().filter_map(|s| {
        let text = s.value.note.as_deref()?.trim();
        (!text.is_empty()).then(|| Note {
            at: s.value.at,
            score: None,
            text: text.to_owned(),
        })
    }));
    // Unstable sorts only in the library (decision 0006): ties broken by the text.
    notes.sort_unstable_by(|a, b| a.at.cmp(&b.at).then_with(|| a.text.cmp(&b.text)));

    let pump = pumps.last().cloned();
    let mut latest = None;
    let (mut reservoir, mut battery) = (None, None);
    if let Some(p) = &pump {
        latest = therapy::db::latest_reading(conn, &p.serial)?;
        if let Some(l) = &latest {
            let last_refill = therapy::db::last_refill(conn, &p.serial)?;
            let (r, b) = therapy::current_forecasts(conn, p, l, last_refill.as_ref(), now)
                .map_err(therapy_error)?;
            reservoir = Some(r);
            battery = Some(b);
        }
    }
    let card = crate::card::db::load_card(conn)?.map(|(c, _)| c);
    Ok(ReportData {
        now,
        zone,
        from,
        to,
        card,
        pump,
        latest,
        reservoir,
        battery,
        refills,
        alarms,
        trend,
        summary,
        days_with_pain,
        symptoms,
        notes,
    })
}
