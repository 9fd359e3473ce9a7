//! The `battery_daily` summary (the battery level per day, kept up to date on every reading so
//! forecasts read a few hundred rows rather than years of readings) and battery history queries.

use rusqlite::{Connection, Transaction, params};

use crate::model::{
    BatteryIndicator, InfusionMode, StatusReading, UtcDateTime, Volume, from_millis, to_millis,
};
use crate::store::StoreError;
use crate::therapy::BatteryPoint;

const DAY_MS: i64 = 86_400_000;

/// Keeps the daily battery summary up to date with a newly stored reading.
pub(super) fn note_battery(
    tx: &Transaction<'_>,
    pump_id: i64,
    reading: &StatusReading,
) -> Result<(), StoreError> {
    let at = to_millis(reading.taken_at);
    tx.prepare_cached(
        "INSERT INTO battery_daily (pump_id, day, at_ms, percent, indicator, daily_volume_ul)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (pump_id, day) DO UPDATE SET at_ms = excluded.at_ms, percent = excluded.percent,
             indicator = excluded.indicator, daily_volume_ul = excluded.daily_volume_ul
         WHERE excluded.at_ms >= battery_daily.at_ms",
    )?
    .execute(params![
        pump_id,
        at.div_euclid(DAY_MS),
        at,
        reading.battery.percent,
        reading.battery.indicator.code(),
        programmed_per_day(reading).microliters
    ])?;
    Ok(())
}

/// The volume programmed per day at `reading` (0 when the pump is stopped or the concentration
/// unknown).
fn programmed_per_day(reading: &StatusReading) -> Volume {
    if reading.mode == InfusionMode::Stopped {
        return Volume::from_microliters(0);
    }
    reading
        .concentration
        .volume_for(reading.daily_dose)
        .unwrap_or(Volume::from_microliters(0))
}

/// The daily battery levels of `serial` since `since` (all when `None`), oldest first.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn battery_history(
    conn: &Connection,
    serial: &str,
    since: Option<UtcDateTime>,
) -> Result<Vec<BatteryPoint>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT b.at_ms, b.percent, b.daily_volume_ul FROM battery_daily b
         JOIN pumps p ON p.id = b.pump_id
         WHERE p.serial = ?1 AND b.at_ms >= ?2 ORDER BY b.day",
    )?;
    let rows = stmt.query_map(params![serial, since.map_or(i64::MIN, to_millis)], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, u8>(1)?,
            r.get::<_, Option<u32>>(2)?,
        ))
    })?;
    rows.map(|r| {
        let (ms, percent, volume) = r?;
        Ok(BatteryPoint {
            at: from_millis(ms).ok_or_else(|| StoreError::damaged("battery_daily.at"))?,
            percent,
            daily_volume: volume.map(Volume::from_microliters),
        })
    })
    .collect()
}

/// When the battery of `serial` first showed a replacement indicator at or after `since`.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn first_battery_indicator(
    conn: &Connection,
    serial: &str,
    indicator: BatteryIndicator,
    since: Option<UtcDateTime>,
) -> Result<Option<UtcDateTime>, StoreError> {
    // The day it was first seen comes from the daily summary; the moment from that day's readings.
    let day: Option<i64> = conn
        .prepare_cached(
            "SELECT MIN(b.day) FROM battery_daily b JOIN pumps p ON p.id = b.pump_id
             WHERE p.serial = ?1 AND b.indicator = ?2 AND b.at_ms >= ?3",
        )?
        .query_row(
            params![serial, indicator.code(), since.map_or(i64::MIN, to_millis)],
            |r| r.get(0),
        )?;
    let Some(day) = day else { return Ok(None) };
    let first: Option<i64> = conn
        .prepare_cached(
            "SELECT MIN(r.taken_at_ms) FROM readings r JOIN pumps p ON p.id = r.pump_id
             WHERE p.serial = ?1 AND r.battery_indicator = ?2 AND r.taken_at_ms >= ?3 AND r.taken_at_ms < ?4",
        )?
        .query_row(params![serial, indicator.code(), day * DAY_MS, (day + 1) * DAY_MS], |r| r.get(0))?;
    Ok(first.and_then(from_millis))
}

/// When the pump's history last recorded a battery change (external pumps).
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn last_battery_replaced(
    conn: &Connection,
    serial: &str,
) -> Result<Option<UtcDateTime>, StoreError> {
    let ms: Option<i64> = conn
        .prepare_cached(
            "SELECT MAX(e.pump_time_ms) FROM pump_events e JOIN pumps p ON p.id = e.pump_id
             WHERE p.serial = ?1 AND e.type = 'battery_replaced'",
        )?
        .query_row([serial], |r| r.get(0))?;
    ms.map(|ms| from_millis(ms).ok_or_else(|| StoreError::damaged("pump_events.pump_time")))
        .transpose()
}
