//! The `battery_daily` summary (the battery level per day, kept up to date on every reading so
//! forecasts read a few hundred rows rather than years of readings), the `battery_fit` stored
//! from it (so showing the forecast reads one row rather than years of days), and battery history
//! queries.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::model::{
    BatteryIndicator, DeviceInfo, InfusionMode, StatusReading, UtcDateTime, Volume, from_millis,
    to_millis,
};
use crate::store::StoreError;
use crate::therapy::{
    BatteryFit, BatteryPoint, BatteryTuning, CellFit, Error, GROWTH_WINDOW_DAYS, IMPLANTED_BATTERY,
};

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
            // Without the index (migration 0012), SQLite walks every day of the pump looking
            // for the first with the indicator, which it has not when it was never seen.
            "SELECT MIN(b.day) FROM battery_daily b INDEXED BY battery_daily_indicator
             JOIN pumps p ON p.id = b.pump_id
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

/// Computes the battery fit of the pump `pump_id` (`info`) from its daily rows as they are now
/// and stores it, for an implanted pump (a replaceable battery's forecast is a line through the
/// few weeks since its change, read whole).
pub(super) fn store_battery_fit(
    tx: &Transaction<'_>,
    pump_id: i64,
    info: &DeviceInfo,
) -> Result<(), StoreError> {
    if info.kind.battery_replaceable() {
        return Ok(());
    }
    let tuning = &IMPLANTED_BATTERY;
    let points = battery_history(tx, &info.serial, None)?;
    let Some(fit) = BatteryFit::of(&points, tuning) else {
        return Ok(());
    };
    let cell = fit.cell;
    let dose = fit.last_dose;
    tx.prepare_cached(
        "INSERT OR REPLACE INTO battery_fit (pump_id, tuning, points, first_at_ms, first_percent,
             last_at_ms, last_load, flow_ml, dose_at_ms, dose_percent, dose_ul, load_to_eri,
             load_before, var_ln_load)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        pump_id,
        tuning.fit_key(),
        fit.points,
        to_millis(fit.first_at),
        fit.first_percent,
        to_millis(fit.last_at),
        fit.last_load,
        fit.flow,
        dose.map(|p| to_millis(p.at)),
        dose.map(|p| p.percent),
        dose.and_then(|p| p.daily_volume).map(|v| v.microliters),
        cell.map(|c| c.load_to_eri),
        cell.map(|c| c.load_before),
        cell.map(|c| c.var_ln_load),
    ])?;
    Ok(())
}

/// Stores the battery fit of the pump `serial` computed from its daily rows as they are now
/// (after readings stored with [`super::insert_reading_deferring_fit`]).
///
/// # Errors
/// [`Error::UnknownPump`], or a storage error.
pub fn refresh_battery_fit(tx: &Transaction<'_>, serial: &str) -> Result<(), Error> {
    let (pump_id, info) = super::pump_by_serial(tx, serial)?.ok_or(Error::UnknownPump)?;
    store_battery_fit(tx, pump_id, &info)?;
    Ok(())
}

/// The stored battery fit of `serial`'s daily rows, made with `tuning`'s constants; `None` when
/// there is none (the rows changed since, or nothing stored it yet: compute it from
/// [`battery_history`]).
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn battery_fit(
    conn: &Connection,
    serial: &str,
    tuning: &BatteryTuning,
) -> Result<Option<BatteryFit>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT f.points, f.first_at_ms, f.first_percent, f.last_at_ms, f.last_load, f.flow_ml,
                    f.dose_at_ms, f.dose_percent, f.dose_ul, f.load_to_eri, f.load_before,
                    f.var_ln_load
             FROM battery_fit f JOIN pumps p ON p.id = f.pump_id
             WHERE p.serial = ?1 AND f.tuning = ?2",
        )?
        .query_row(params![serial, tuning.fit_key()], |r| {
            Ok((
                (
                    r.get::<_, u32>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, u8>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, f64>(4)?,
                    r.get::<_, f64>(5)?,
                ),
                (
                    r.get::<_, Option<i64>>(6)?,
                    r.get::<_, Option<u8>>(7)?,
                    r.get::<_, Option<u32>>(8)?,
                ),
                (
                    r.get::<_, Option<f64>>(9)?,
                    r.get::<_, Option<f64>>(10)?,
                    r.get::<_, Option<f64>>(11)?,
                ),
            ))
        })
        .optional()?;
    let Some(((points, first_ms, first_percent, last_ms, last_load, flow), dose, cell)) = row
    else {
        return Ok(None);
    };
    let time = |ms: i64| from_millis(ms).ok_or_else(|| StoreError::damaged("battery_fit.at"));
    let last_dose = match dose {
        (Some(ms), Some(percent), Some(ul)) => Some(BatteryPoint {
            at: time(ms)?,
            percent,
            daily_volume: Some(Volume::from_microliters(ul)),
        }),
        (None, None, None) => None,
        _ => return Err(StoreError::damaged("battery_fit.dose")),
    };
    let cell = match cell {
        (Some(load_to_eri), Some(load_before), Some(var_ln_load)) => Some(CellFit {
            load_to_eri,
            load_before,
            var_ln_load,
        }),
        (None, None, None) => None,
        _ => return Err(StoreError::damaged("battery_fit.cell")),
    };
    Ok(Some(BatteryFit {
        points,
        first_at: time(first_ms)?,
        first_percent,
        last_at: time(last_ms)?,
        last_load,
        flow,
        last_dose,
        cell,
    }))
}

/// The oldest daily point of `serial` with a volume above 0 within the dose's growth window
/// before `now` ([`crate::therapy::in_growth_window`]).
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn first_recent_dose(
    conn: &Connection,
    serial: &str,
    now: UtcDateTime,
) -> Result<Option<BatteryPoint>, StoreError> {
    // In whole milliseconds, exactly the window's test on days: (now − at) / day <= 730.
    let window_ms = i64::from(GROWTH_WINDOW_DAYS) * DAY_MS;
    let from = to_millis(now).saturating_sub(window_ms);
    conn.prepare_cached(
        "SELECT b.at_ms, b.percent, b.daily_volume_ul FROM battery_daily b
         JOIN pumps p ON p.id = b.pump_id
         WHERE p.serial = ?1 AND b.day >= ?2 AND b.at_ms >= ?3 AND b.daily_volume_ul > 0
         ORDER BY b.day LIMIT 1",
    )?
    .query_row(params![serial, from.div_euclid(DAY_MS), from], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, u8>(1)?, r.get::<_, u32>(2)?))
    })
    .optional()?
    .map(|(ms, percent, ul)| {
        Ok(BatteryPoint {
            at: from_millis(ms).ok_or_else(|| StoreError::damaged("battery_daily.at"))?,
            percent,
            daily_volume: Some(Volume::from_microliters(ul)),
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Concentration, DailyDose, Drug, HistoryDetail, HistoryEvent, Refill, test_device,
        test_reading,
    };
    use crate::store::Store;
    use crate::therapy::db::{
        insert_event, insert_reading, insert_reading_deferring_fit, last_refill, latest_reading,
        set_pump_settings, upsert_pump,
    };
    use crate::therapy::{BatteryForecast, PumpSettings, current_forecasts};
    use chrono::{Duration, TimeZone, Utc};

    fn t(days: i64, hours: i64) -> UtcDateTime {
        Utc.with_ymd_and_hms(2024, 3, 1, 8, 0, 0).unwrap()
            + Duration::days(days)
            + Duration::hours(hours)
    }

    fn device(serial: &str) -> DeviceInfo {
        DeviceInfo {
            serial: serial.into(),
            ..test_device()
        }
    }

    /// A reading of a cell that drains faster as the dose grows (stepped up on days 200 and
    /// 450), starting at `percent0`.
    fn reading(day: i64, hours: i64, percent0: f64) -> StatusReading {
        let mut r = test_reading(t(day, hours));
        r.daily_dose = DailyDose {
            micrograms_per_day: match day {
                ..200 => 4_000,
                200..450 => 6_000,
                _ => 8_500,
            },
        };
        let used = day as f64 * 0.045 + (day - 200).max(0) as f64 * 0.01;
        r.battery.percent = (percent0 - used).round().clamp(10.0, 100.0) as u8;
        r
    }

    fn pair(store: &Store, serial: &str, at: UtcDateTime) {
        store
            .write(|tx| {
                upsert_pump(tx, &device(serial), at)?;
                set_pump_settings(
                    tx,
                    serial,
                    &PumpSettings {
                        low_reservoir_threshold: Some(Volume::from_milliliters(2)),
                        eri_to_eos_days: Some(90),
                        eri_battery_percent: Some(8),
                        service_life_days: Some(2_466),
                    },
                )
            })
            .unwrap();
    }

    /// `days` of daily readings of `serial` from `from`, in one transaction, the fit stored once.
    fn live(store: &Store, serial: &str, from: i64, days: i64, percent0: f64) {
        store
            .write(|tx| {
                for d in from..from + days {
                    insert_reading_deferring_fit(tx, serial, &reading(d, 0, percent0))?;
                }
                refresh_battery_fit(tx, serial)
            })
            .unwrap();
    }

    fn forecast(conn: &Connection, serial: &str, now: UtcDateTime) -> BatteryForecast {
        let pump = device(serial);
        let latest = latest_reading(conn, serial).unwrap().unwrap();
        let refill = last_refill(conn, serial).unwrap();
        current_forecasts(conn, &pump, &latest, refill.as_ref(), now)
            .unwrap()
            .1
    }

    /// The forecast from the stored fit, and from the whole history with no fit stored (the
    /// fit put back after), at a few moments from the newest reading on: the same.
    fn assert_fit_forecasts_as_the_history(store: &Store, serial: &str) -> BatteryForecast {
        let latest = store
            .read(|c| latest_reading(c, serial))
            .unwrap()
            .unwrap()
            .taken_at;
        assert!(
            store
                .read(|c| battery_fit(c, serial, &IMPLANTED_BATTERY))
                .unwrap()
                .is_some(),
            "a fit is stored"
        );
        let mut first = None;
        // Later moments move the dose's growth window past the dose's steps.
        for later in [0, 3, 24 * 40, 24 * 300, 24 * 520] {
            let now = latest + Duration::hours(later);
            let from_fit = store
                .read(|c| Ok::<_, Error>(forecast(c, serial, now)))
                .unwrap();
            let from_history = store
                .write(|tx| {
                    tx.execute(
                        "DELETE FROM battery_fit
                         WHERE pump_id = (SELECT id FROM pumps WHERE serial = ?1)",
                        [serial],
                    )?;
                    let f = forecast(tx, serial, now);
                    refresh_battery_fit(tx, serial)?;
                    Ok::<_, Error>(f)
                })
                .unwrap();
            assert!(from_fit.eri.is_some(), "{serial} at +{later} h: a date");
            assert_eq!(from_fit, from_history, "{serial} at +{later} h");
            first.get_or_insert(from_fit);
        }
        first.unwrap()
    }

    #[test]
    fn the_stored_fit_forecasts_exactly_as_the_whole_history() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in_dir(dir.path()).unwrap();
        pair(&store, "SIM0001", t(0, 0));
        live(&store, "SIM0001", 0, 520, 100.0);
        let before = assert_fit_forecasts_as_the_history(&store, "SIM0001");

        // A newer reading of the same day rewrites the day's row (a lower level): the fit stored
        // with it follows.
        let mut later = reading(519, 6, 100.0);
        later.battery.percent -= 2;
        store
            .write(|tx| insert_reading(tx, "SIM0001", &later))
            .unwrap();
        let rewritten = assert_fit_forecasts_as_the_history(&store, "SIM0001");
        assert_ne!(rewritten.eri, before.eri, "the rewritten day counts");

        // A reading stored without its fit: the forecast fits the rows as they are.
        store
            .write(|tx| insert_reading_deferring_fit(tx, "SIM0001", &reading(520, 0, 100.0)))
            .unwrap();
        assert_eq!(
            store
                .read(|c| battery_fit(c, "SIM0001", &IMPLANTED_BATTERY))
                .unwrap(),
            None,
            "a change to the day's rows removes the stored fit"
        );
        store
            .write(|tx| refresh_battery_fit(tx, "SIM0001"))
            .unwrap();
        assert_fit_forecasts_as_the_history(&store, "SIM0001");

        // A refill (the reservoir's business, not the battery's) and days after it.
        let refill = HistoryEvent {
            sequence: 1,
            pump_time: t(521, 2),
            detail: HistoryDetail::Refill {
                refill: Refill {
                    volume_before: Volume::from_milliliters(3),
                    volume_after: Volume::from_milliliters(40),
                    drug: Drug::Morphine,
                    concentration: Concentration::from_mg_per_ml(25),
                    daily_dose: DailyDose {
                        micrograms_per_day: 8_500,
                    },
                },
            },
        };
        store
            .write(|tx| insert_event(tx, "SIM0001", &refill, t(521, 2)))
            .unwrap();
        assert_fit_forecasts_as_the_history(&store, "SIM0001");
        live(&store, "SIM0001", 521, 30, 100.0);
        let old_pump = assert_fit_forecasts_as_the_history(&store, "SIM0001");

        // The pump replaced: the new one's history starts with a new battery; the old one's fit
        // and forecast stay as they were.
        pair(&store, "SIM0002", t(560, 0));
        live(
            &store,
            "SIM0002",
            560,
            200,
            100.0 + 560.0 * 0.045 + 360.0 * 0.01,
        );
        assert_fit_forecasts_as_the_history(&store, "SIM0002");
        assert_eq!(
            assert_fit_forecasts_as_the_history(&store, "SIM0001"),
            old_pump
        );
    }

    #[test]
    fn a_fit_made_by_other_constants_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in_dir(dir.path()).unwrap();
        pair(&store, "SIM0001", t(0, 0));
        live(&store, "SIM0001", 0, 60, 100.0);
        let other = BatteryTuning {
            days_per_ml: IMPLANTED_BATTERY.days_per_ml * 1.01,
            ..IMPLANTED_BATTERY
        };
        assert_ne!(other.fit_key(), IMPLANTED_BATTERY.fit_key());
        assert!(
            store
                .read(|c| battery_fit(c, "SIM0001", &other))
                .unwrap()
                .is_none()
        );
        let stored = store
            .read(|c| battery_fit(c, "SIM0001", &IMPLANTED_BATTERY))
            .unwrap()
            .unwrap();
        let history = store.read(|c| battery_history(c, "SIM0001", None)).unwrap();
        assert_eq!(Some(stored), BatteryFit::of(&history, &IMPLANTED_BATTERY));
    }

    #[test]
    fn the_fixture_of_schema_12_holds_the_fit_the_app_makes_from_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(crate::store::DB_FILE),
            include_bytes!("../../store/fixtures/schema-v12.sqlite3"),
        )
        .unwrap();
        let store = Store::open_in_dir(dir.path()).unwrap();
        let serial: String = store
            .read(|c| {
                c.query_row("SELECT serial FROM pumps WHERE id = 1", [], |r| r.get(0))
                    .map_err(StoreError::from)
            })
            .unwrap();
        let stored = store
            .read(|c| battery_fit(c, &serial, &IMPLANTED_BATTERY))
            .unwrap();
        let history = store.read(|c| battery_history(c, &serial, None)).unwrap();
        assert!(stored.is_some());
        assert_eq!(stored, BatteryFit::of(&history, &IMPLANTED_BATTERY));
    }
}
