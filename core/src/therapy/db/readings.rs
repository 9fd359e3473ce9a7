//! The `readings` table: every status reading, stored before it is shown.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::pump_by_serial;
use crate::model::{
    BatteryIndicator, BatteryStatus, Concentration, DailyDose, Drug, InfusionMode, StatusReading,
    UtcDateTime, Volume, from_millis, to_millis,
};
use crate::store::StoreError;
use crate::therapy::Error;

/// Stores `reading` for the pump with `serial`, with the day's battery summary and the battery
/// fit made from it. Returns `false` if the same reading (same pump, same time) was already
/// stored: a replayed reading is stored once.
///
/// # Errors
/// [`Error::UnknownPump`], [`Error::Invalid`], or a storage error.
pub fn insert_reading(
    tx: &Transaction<'_>,
    serial: &str,
    reading: &StatusReading,
) -> Result<bool, Error> {
    insert(tx, serial, reading, true)
}

/// As [`insert_reading`], but leaves the battery fit to be made later: for writers that store
/// many readings in one transaction, which call [`super::refresh_battery_fit`] once at its end
/// (until then, a forecast computes the fit from the daily rows).
///
/// # Errors
/// As [`insert_reading`].
pub fn insert_reading_deferring_fit(
    tx: &Transaction<'_>,
    serial: &str,
    reading: &StatusReading,
) -> Result<bool, Error> {
    insert(tx, serial, reading, false)
}

fn insert(
    tx: &Transaction<'_>,
    serial: &str,
    reading: &StatusReading,
    fit: bool,
) -> Result<bool, Error> {
    reading.validate()?;
    let (pump_id, info) = pump_by_serial(tx, serial)?.ok_or(Error::UnknownPump)?;
    let n = tx
        .prepare_cached(
            "INSERT INTO readings (pump_id, taken_at_ms, pump_clock_ms, reservoir_ul, capacity_ul,
                                   mode, daily_dose_ug, drug, concentration_ug_ml,
                                   battery_percent, battery_indicator)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (pump_id, taken_at_ms) DO NOTHING",
        )?
        .execute(params![
            pump_id,
            to_millis(reading.taken_at),
            to_millis(reading.pump_clock),
            reading.reservoir_volume.microliters,
            reading.reservoir_capacity.microliters,
            reading.mode.code(),
            reading.daily_dose.micrograms_per_day,
            reading.drug.code(),
            reading.concentration.micrograms_per_milliliter,
            reading.battery.percent,
            reading.battery.indicator.code(),
        ])?;
    if n == 1 {
        super::battery::note_battery(tx, pump_id, reading)?;
        if fit {
            super::battery::store_battery_fit(tx, pump_id, &info)?;
        }
    }
    Ok(n == 1)
}

/// The newest reading of the pump with `serial`, if any.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn latest_reading(
    conn: &Connection,
    serial: &str,
) -> Result<Option<StatusReading>, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM readings r JOIN pumps p ON p.id = r.pump_id
         WHERE p.serial = ?1 ORDER BY r.taken_at_ms DESC LIMIT 1"
    ))?
    .query_row([serial], raw)
    .optional()?
    .map(decode)
    .transpose()
}

/// The first reading of `serial` taken at or after `t` (one indexed row).
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn first_reading_since(
    conn: &Connection,
    serial: &str,
    t: UtcDateTime,
) -> Result<Option<StatusReading>, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM readings r JOIN pumps p ON p.id = r.pump_id
         WHERE p.serial = ?1 AND r.taken_at_ms >= ?2 ORDER BY r.taken_at_ms LIMIT 1"
    ))?
    .query_row(params![serial, to_millis(t)], raw)
    .optional()?
    .map(decode)
    .transpose()
}

/// Readings of `serial` taken in `[from, to)`, oldest first.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn readings_between(
    conn: &Connection,
    serial: &str,
    from: UtcDateTime,
    to: UtcDateTime,
) -> Result<Vec<StatusReading>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM readings r JOIN pumps p ON p.id = r.pump_id
         WHERE p.serial = ?1 AND r.taken_at_ms >= ?2 AND r.taken_at_ms < ?3
         ORDER BY r.taken_at_ms"
    ))?;
    let rows = stmt.query_map(params![serial, to_millis(from), to_millis(to)], raw)?;
    rows.map(|r| decode(r?)).collect()
}

const COLUMNS: &str = "r.taken_at_ms, r.pump_clock_ms, r.reservoir_ul, r.capacity_ul, r.mode, \
     r.daily_dose_ug, r.drug, r.concentration_ug_ml, r.battery_percent, r.battery_indicator";

struct Raw {
    taken_at: i64,
    pump_clock: i64,
    reservoir: u32,
    capacity: u32,
    mode: String,
    dose: u32,
    drug: String,
    concentration: u32,
    battery: u8,
    indicator: String,
}

fn raw(r: &Row<'_>) -> rusqlite::Result<Raw> {
    Ok(Raw {
        taken_at: r.get(0)?,
        pump_clock: r.get(1)?,
        reservoir: r.get(2)?,
        capacity: r.get(3)?,
        mode: r.get(4)?,
        dose: r.get(5)?,
        drug: r.get(6)?,
        concentration: r.get(7)?,
        battery: r.get(8)?,
        indicator: r.get(9)?,
    })
}

fn decode(r: Raw) -> Result<StatusReading, StoreError> {
    let damaged = StoreError::damaged;
    Ok(StatusReading {
        taken_at: from_millis(r.taken_at).ok_or_else(|| damaged("readings.taken_at"))?,
        pump_clock: from_millis(r.pump_clock).ok_or_else(|| damaged("readings.pump_clock"))?,
        reservoir_volume: Volume::from_microliters(r.reservoir),
        reservoir_capacity: Volume::from_microliters(r.capacity),
        mode: InfusionMode::from_code(&r.mode).ok_or_else(|| damaged("readings.mode"))?,
        daily_dose: DailyDose {
            micrograms_per_day: r.dose,
        },
        drug: Drug::from_code(&r.drug).ok_or_else(|| damaged("readings.drug"))?,
        concentration: Concentration {
            micrograms_per_milliliter: r.concentration,
        },
        battery: BatteryStatus {
            percent: r.battery,
            indicator: BatteryIndicator::from_code(&r.indicator)
                .ok_or_else(|| damaged("readings.battery_indicator"))?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{test_device, test_reading};
    use crate::store::Store;
    use crate::therapy::db::upsert_pump;
    use chrono::{Duration, TimeZone, Utc};

    fn store_with_pump() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in_dir(dir.path()).unwrap();
        store
            .write(|tx| upsert_pump(tx, &test_device(), Utc::now()))
            .unwrap();
        (dir, store)
    }

    #[test]
    fn stores_and_reads_back_exactly() {
        let (_d, store) = store_with_pump();
        let t = Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap() + Duration::milliseconds(123);
        let mut r = test_reading(t);
        r.drug = Drug::Other {
            name: "bupivacaine + clonidine".into(),
        };
        r.battery.indicator = BatteryIndicator::ElectiveReplacement;
        assert!(store.write(|tx| insert_reading(tx, "SIM0001", &r)).unwrap());
        assert_eq!(
            store.read(|c| latest_reading(c, "SIM0001")).unwrap(),
            Some(r)
        );
    }

    #[test]
    fn a_replayed_reading_is_stored_once() {
        let (_d, store) = store_with_pump();
        let r = test_reading(Utc::now());
        assert!(store.write(|tx| insert_reading(tx, "SIM0001", &r)).unwrap());
        assert!(!store.write(|tx| insert_reading(tx, "SIM0001", &r)).unwrap());
        let all = store
            .read(|c| readings_between(c, "SIM0001", r.taken_at, r.taken_at + Duration::seconds(1)))
            .unwrap();
        assert_eq!(all.len(), 1);
    }

    #[test]
    fn latest_and_range_follow_time_not_insertion_order() {
        let (_d, store) = store_with_pump();
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        for minutes in [10, 0, 20, 5] {
            let r = test_reading(t0 + Duration::minutes(minutes));
            store.write(|tx| insert_reading(tx, "SIM0001", &r)).unwrap();
        }
        let latest = store
            .read(|c| latest_reading(c, "SIM0001"))
            .unwrap()
            .unwrap();
        assert_eq!(latest.taken_at, t0 + Duration::minutes(20));
        let range = store
            .read(|c| {
                readings_between(
                    c,
                    "SIM0001",
                    t0 + Duration::minutes(5),
                    t0 + Duration::minutes(20),
                )
            })
            .unwrap();
        let minutes: Vec<i64> = range
            .iter()
            .map(|r| (r.taken_at - t0).num_minutes())
            .collect();
        assert_eq!(minutes, vec![5, 10]);
    }

    #[test]
    fn unknown_pump_and_bad_values_are_typed_errors() {
        let (_d, store) = store_with_pump();
        let r = test_reading(Utc::now());
        assert_eq!(
            store.write(|tx| insert_reading(tx, "OTHER", &r)),
            Err(Error::UnknownPump)
        );
        let mut bad = r.clone();
        bad.reservoir_volume = Volume::from_milliliters(50);
        let err = store
            .write(|tx| insert_reading(tx, "SIM0001", &bad))
            .unwrap_err();
        assert!(matches!(err, Error::Invalid(ref e) if e.field == "reservoir_volume"));
        assert_eq!(store.read(|c| latest_reading(c, "SIM0001")).unwrap(), None);
    }

    #[test]
    fn a_damaged_row_is_reported_not_panicked() {
        let (d, store) = store_with_pump();
        let r = test_reading(Utc::now());
        store.write(|tx| insert_reading(tx, "SIM0001", &r)).unwrap();
        drop(store);
        let c = rusqlite::Connection::open(d.path().join(crate::store::DB_FILE)).unwrap();
        c.execute("UPDATE readings SET mode = 'warp'", []).unwrap();
        drop(c);
        let store = Store::open_in_dir(d.path()).unwrap();
        let err = store.read(|c| latest_reading(c, "SIM0001")).unwrap_err();
        assert_eq!(
            err,
            StoreError::Corrupt {
                what: "readings.mode".into()
            }
        );
    }
}
