//! The `refills` log (from the pump's history, or entered by hand) and the pump model's settings
//! (columns of `pumps`).

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::pump_by_serial;
use crate::model::{
    Concentration, DailyDose, Drug, EventSequence, Refill, UtcDateTime, Volume, from_millis,
    to_millis,
};
use crate::store::StoreError;
use crate::therapy::{Error, PumpSettings, RefillEntry, RefillPlace, RefillRecord, RefillSource};

/// Adds a refill from the pump's history to the log (once per pump sequence).
pub(super) fn note_pump_refill(
    tx: &Transaction<'_>,
    pump_id: i64,
    sequence: EventSequence,
    at: UtcDateTime,
    refill: &Refill,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO refills (pump_id, at_ms, volume_before_ul, volume_after_ul, drug, concentration_ug_ml,
                              daily_dose_ug, place, source, pump_sequence)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, 'pump', ?8)
         ON CONFLICT (pump_id, pump_sequence) DO NOTHING",
    )?
    .execute(params![
        pump_id,
        to_millis(at),
        refill.volume_before.microliters,
        refill.volume_after.microliters,
        refill.drug.code(),
        refill.concentration.micrograms_per_milliliter,
        refill.daily_dose.micrograms_per_day,
        sequence
    ])?;
    Ok(())
}

/// Records a refill entered by hand, after checking it against the pump; returns its id.
///
/// # Errors
/// [`Error::Invalid`] naming the wrong field, [`Error::UnknownPump`], or a storage
/// error.
pub fn record_refill(
    tx: &Transaction<'_>,
    serial: &str,
    entry: &RefillEntry,
    now: UtcDateTime,
) -> Result<i64, Error> {
    let (pump_id, pump) = pump_by_serial(tx, serial)?.ok_or(Error::UnknownPump)?;
    entry.validate(&pump, now)?;
    tx.prepare_cached(
        "INSERT INTO refills (pump_id, at_ms, volume_before_ul, volume_after_ul, drug, concentration_ug_ml,
                              daily_dose_ug, place, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'manual') RETURNING id",
    )?
    .query_row(
        params![
            pump_id,
            to_millis(entry.at),
            entry.volume_before.map(|v| v.microliters),
            entry.volume_after.microliters,
            entry.drug.code(),
            entry.concentration.micrograms_per_milliliter,
            entry.daily_dose.micrograms_per_day,
            entry.place.map(place_code),
        ],
        |r| r.get(0),
    )
    .map_err(Into::into)
}

/// The newest `limit` refills of `serial`, newest first, each flagged against the one before it.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn refill_log(
    conn: &Connection,
    serial: &str,
    limit: u32,
) -> Result<Vec<RefillRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.id, r.at_ms, r.volume_before_ul, r.volume_after_ul, r.drug, r.concentration_ug_ml,
                r.daily_dose_ug, r.place, r.source
         FROM refills r JOIN pumps p ON p.id = r.pump_id
         WHERE p.serial = ?1 ORDER BY r.at_ms DESC, r.id DESC LIMIT ?2",
    )?;
    // One more than asked, to flag the oldest returned against its predecessor.
    let rows = stmt.query_map(params![serial, i64::from(limit) + 1], raw_refill)?;
    let mut records = rows
        .map(|r| decode_refill(r?))
        .collect::<Result<Vec<_>, _>>()?;
    for i in 0..records.len().saturating_sub(1) {
        let (newer, older) = (&records[i], &records[i + 1]);
        let flags = (
            newer.drug != older.drug,
            newer.concentration != older.concentration,
            newer.daily_dose != older.daily_dose,
        );
        let r = &mut records[i];
        (r.drug_changed, r.concentration_changed, r.dose_changed) = flags;
    }
    records.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(records)
}

/// The newest refill of `serial`, if any.
///
/// # Errors
/// As [`refill_log`].
pub fn last_refill(conn: &Connection, serial: &str) -> Result<Option<RefillRecord>, StoreError> {
    Ok(refill_log(conn, serial, 1)?.into_iter().next())
}

/// Stores what the pump model says about itself.
///
/// # Errors
/// [`Error::UnknownPump`] or a storage error.
pub fn set_pump_settings(
    tx: &Transaction<'_>,
    serial: &str,
    settings: &PumpSettings,
) -> Result<(), Error> {
    let n = tx.execute(
        "UPDATE pumps SET low_reservoir_threshold_ul = ?2, eri_to_eos_days = ?3, eri_battery_percent = ?4
         WHERE serial = ?1",
        params![
            serial,
            settings.low_reservoir_threshold.map(|v| v.microliters),
            settings.eri_to_eos_days,
            settings.eri_battery_percent
        ],
    )?;
    if n == 0 {
        return Err(Error::UnknownPump);
    }
    Ok(())
}

/// What is stored of the pump model's settings.
///
/// # Errors
/// [`Error::UnknownPump`] or a storage error.
pub fn pump_settings(conn: &Connection, serial: &str) -> Result<PumpSettings, Error> {
    conn.prepare_cached(
        "SELECT low_reservoir_threshold_ul, eri_to_eos_days, eri_battery_percent FROM pumps WHERE serial = ?1",
    )?
    .query_row([serial], |r| {
        Ok(PumpSettings {
            low_reservoir_threshold: r.get::<_, Option<u32>>(0)?.map(Volume::from_microliters),
            eri_to_eos_days: r.get(1)?,
            eri_battery_percent: r.get(2)?,
        })
    })
    .optional()?
    .ok_or(Error::UnknownPump)
}

type RawRefill = (
    i64,
    i64,
    Option<u32>,
    u32,
    String,
    u32,
    u32,
    Option<String>,
    String,
);

fn raw_refill(r: &Row<'_>) -> rusqlite::Result<RawRefill> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    ))
}

fn decode_refill(
    (id, at, before, after, drug, conc, dose, place, source): RawRefill,
) -> Result<RefillRecord, StoreError> {
    let volume_before = before.map(Volume::from_microliters);
    Ok(RefillRecord {
        id,
        at: from_millis(at).ok_or_else(|| StoreError::damaged("refills.at"))?,
        volume_before,
        volume_after: Volume::from_microliters(after),
        volume_added: volume_before
            .map(|b| Volume::from_microliters(after.saturating_sub(b.microliters))),
        drug: Drug::from_code(&drug).ok_or_else(|| StoreError::damaged("refills.drug"))?,
        concentration: Concentration {
            micrograms_per_milliliter: conc,
        },
        daily_dose: DailyDose {
            micrograms_per_day: dose,
        },
        place: match place.as_deref() {
            None => None,
            Some("clinic") => Some(RefillPlace::Clinic),
            Some("home") => Some(RefillPlace::Home),
            Some(_) => return Err(StoreError::damaged("refills.place")),
        },
        source: match source.as_str() {
            "pump" => RefillSource::Pump,
            "manual" => RefillSource::Manual,
            _ => return Err(StoreError::damaged("refills.source")),
        },
        drug_changed: false,
        concentration_changed: false,
        dose_changed: false,
    })
}

fn place_code(p: RefillPlace) -> &'static str {
    match p {
        RefillPlace::Clinic => "clinic",
        RefillPlace::Home => "home",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::BatteryIndicator;
    use crate::model::{HistoryDetail, HistoryEvent, test_device, test_reading};
    use crate::store::Store;
    use crate::therapy::db::{
        battery_history, first_battery_indicator, insert_event, insert_reading, upsert_pump,
    };
    use chrono::{Duration, TimeZone, Utc};

    fn t(days: i64) -> UtcDateTime {
        Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 0).unwrap() + Duration::days(days)
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in_dir(dir.path()).unwrap();
        store
            .write(|tx| upsert_pump(tx, &test_device(), t(0)))
            .unwrap();
        (dir, store)
    }

    fn pump_refill(
        seq: u32,
        at: UtcDateTime,
        drug: Drug,
        mg_per_ml: u32,
        dose: u32,
    ) -> HistoryEvent {
        HistoryEvent {
            sequence: seq,
            pump_time: at,
            detail: HistoryDetail::Refill {
                refill: Refill {
                    volume_before: Volume::from_milliliters(3),
                    volume_after: Volume::from_milliliters(40),
                    drug,
                    concentration: Concentration::from_mg_per_ml(mg_per_ml),
                    daily_dose: DailyDose {
                        micrograms_per_day: dose,
                    },
                },
            },
        }
    }

    #[test]
    fn refills_from_the_pump_and_by_hand_form_one_log_with_changes_flagged() {
        let (_d, store) = store();
        store
            .write(|tx| {
                insert_event(
                    tx,
                    "SIM0001",
                    &pump_refill(1, t(0), Drug::Morphine, 25, 5_000),
                    t(0),
                )
            })
            .unwrap();
        // Replayed again: still one refill.
        store
            .write(|tx| {
                insert_event(
                    tx,
                    "SIM0001",
                    &pump_refill(1, t(0), Drug::Morphine, 25, 5_000),
                    t(1),
                )
            })
            .unwrap();
        store
            .write(|tx| {
                insert_event(
                    tx,
                    "SIM0001",
                    &pump_refill(2, t(60), Drug::Morphine, 25, 6_000),
                    t(60),
                )
            })
            .unwrap();
        let manual = RefillEntry {
            at: t(120),
            volume_before: None,
            volume_after: Volume::from_milliliters(40),
            drug: Drug::Hydromorphone,
            concentration: Concentration::from_mg_per_ml(10),
            daily_dose: DailyDose {
                micrograms_per_day: 1_500,
            },
            place: Some(RefillPlace::Clinic),
        };
        store
            .write(|tx| record_refill(tx, "SIM0001", &manual, t(120)))
            .unwrap();
        let log = store.read(|c| refill_log(c, "SIM0001", 10)).unwrap();
        assert_eq!(log.len(), 3);
        assert_eq!(
            (log[0].source, log[0].place),
            (RefillSource::Manual, Some(RefillPlace::Clinic))
        );
        assert!(log[0].drug_changed && log[0].concentration_changed && log[0].dose_changed);
        assert!(!log[1].drug_changed && !log[1].concentration_changed && log[1].dose_changed);
        assert!(
            !log[2].drug_changed && !log[2].dose_changed,
            "the first refill has nothing to compare with"
        );
        assert_eq!(log[1].volume_added, Some(Volume::from_milliliters(37)));
        // A limit of one still flags against the refill before it.
        let last = store.read(|c| last_refill(c, "SIM0001")).unwrap().unwrap();
        assert!(last.drug_changed);
    }

    #[test]
    fn hand_entered_refills_are_checked_field_by_field() {
        let (_d, store) = store();
        let ok = RefillEntry {
            at: t(1),
            volume_before: Some(Volume::from_milliliters(2)),
            volume_after: Volume::from_milliliters(40),
            drug: Drug::Morphine,
            concentration: Concentration::from_mg_per_ml(25),
            daily_dose: DailyDose {
                micrograms_per_day: 5_000,
            },
            place: None,
        };
        let field = |e: RefillEntry| match store.write(|tx| record_refill(tx, "SIM0001", &e, t(1)))
        {
            Err(Error::Invalid(e)) => e.field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(RefillEntry {
                at: t(2),
                ..ok.clone()
            }),
            "at"
        );
        assert_eq!(
            field(RefillEntry {
                volume_after: Volume::from_milliliters(41),
                ..ok.clone()
            }),
            "volume_after"
        );
        assert_eq!(
            field(RefillEntry {
                concentration: Concentration {
                    micrograms_per_milliliter: 0
                },
                ..ok.clone()
            }),
            "concentration"
        );
        assert_eq!(
            field(RefillEntry {
                drug: Drug::Other { name: " ".into() },
                ..ok.clone()
            }),
            "drug"
        );
        assert_eq!(
            store.write(|tx| record_refill(tx, "NOPE", &ok, t(1))),
            Err(Error::UnknownPump)
        );
        assert!(
            store
                .read(|c| refill_log(c, "SIM0001", 10))
                .unwrap()
                .is_empty(),
            "nothing stored half-way"
        );
        store
            .write(|tx| record_refill(tx, "SIM0001", &ok, t(1)))
            .unwrap();
    }

    #[test]
    fn the_daily_battery_summary_keeps_each_days_newest_reading() {
        let (_d, store) = store();
        for (h, pct) in [(1, 90), (20, 89), (5, 91)] {
            let mut r = test_reading(t(3) + Duration::hours(h));
            r.battery.percent = pct;
            store.write(|tx| insert_reading(tx, "SIM0001", &r)).unwrap();
        }
        let mut eri = test_reading(t(4) + Duration::hours(2));
        eri.battery = crate::model::BatteryStatus {
            percent: 8,
            indicator: BatteryIndicator::ElectiveReplacement,
        };
        store
            .write(|tx| insert_reading(tx, "SIM0001", &eri))
            .unwrap();
        let pts = store.read(|c| battery_history(c, "SIM0001", None)).unwrap();
        let got: Vec<(UtcDateTime, u8)> = pts.iter().map(|p| (p.at, p.percent)).collect();
        // Day 3's newest reading is at 10:00 + 20 h = day 4 06:00 UTC: it belongs to day 4.
        assert_eq!(
            got,
            vec![
                (t(3) + Duration::hours(5), 91),
                (t(4) + Duration::hours(2), 8)
            ]
        );
        let seen = store
            .read(|c| {
                first_battery_indicator(c, "SIM0001", BatteryIndicator::ElectiveReplacement, None)
            })
            .unwrap();
        assert_eq!(seen, Some(t(4) + Duration::hours(2)));
        assert_eq!(
            store
                .read(|c| first_battery_indicator(
                    c,
                    "SIM0001",
                    BatteryIndicator::EndOfService,
                    None
                ))
                .unwrap(),
            None
        );
    }

    #[test]
    fn pump_settings_round_trip() {
        let (_d, store) = store();
        assert_eq!(
            store.read(|c| pump_settings(c, "SIM0001")).unwrap(),
            PumpSettings::default()
        );
        let s = PumpSettings {
            low_reservoir_threshold: Some(Volume::from_milliliters(2)),
            eri_to_eos_days: Some(90),
            eri_battery_percent: Some(8),
        };
        store
            .write(|tx| set_pump_settings(tx, "SIM0001", &s))
            .unwrap();
        assert_eq!(store.read(|c| pump_settings(c, "SIM0001")).unwrap(), s);
        assert_eq!(
            store.write(|tx| set_pump_settings(tx, "NOPE", &s)),
            Err(Error::UnknownPump)
        );
    }
}
