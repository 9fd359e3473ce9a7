//! The `refills` log (from the pump's history, or entered by hand) and the pump model's settings
//! (columns of `pumps`).

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::pump_by_serial;
use crate::model::{
    Concentration, DailyDose, Drug, EventSequence, Refill, UtcDateTime, Volume, from_millis,
    to_millis,
};
use crate::store::StoreError;
use crate::therapy::{
    Error, PumpSettings, RefillEntry, RefillPlace, RefillRecord, RefillSource, ResidualCheck,
};

/// Adds a refill from the pump's history to the log (once per pump sequence), with what the pump
/// expected to be left (from its readings) for the refill check.
pub(super) fn note_pump_refill(
    tx: &Transaction<'_>,
    pump_id: i64,
    sequence: EventSequence,
    at: UtcDateTime,
    refill: &Refill,
) -> Result<(), StoreError> {
    let (expected, programmed) = expected_residual(tx, pump_id, at, None)?;
    tx.prepare_cached(
        "INSERT INTO refills (pump_id, at_ms, volume_before_ul, volume_after_ul, drug, concentration_ug_ml,
                              daily_dose_ug, place, source, pump_sequence, expected_before_ul, programmed_ul)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, 'pump', ?8, ?9, ?10)
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
        sequence,
        expected.map(|v| v.microliters),
        programmed.map(|v| v.microliters),
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
    let (expected, programmed) = expected_residual(tx, pump_id, entry.at, entry.expected_before)?;
    tx.prepare_cached(
        "INSERT INTO refills (pump_id, at_ms, volume_before_ul, volume_after_ul, drug, concentration_ug_ml,
                              daily_dose_ug, place, source, expected_before_ul, programmed_ul)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'manual', ?9, ?10) RETURNING id",
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
            expected.map(|v| v.microliters),
            programmed.map(|v| v.microliters),
        ],
        |r| r.get(0),
    )
    .map_err(Into::into)
}

/// Marks refill `id` as discussed with the clinic at `now` (its flag stops showing on the
/// dashboard; the check stays in the log). Returns `false` for an unknown id; marking twice
/// keeps the first time.
///
/// # Errors
/// A storage error.
pub fn mark_refill_discussed(
    tx: &Transaction<'_>,
    id: i64,
    now: UtcDateTime,
) -> Result<bool, StoreError> {
    let found = tx
        .prepare_cached(
            "UPDATE refills SET discussed_at_ms = coalesce(discussed_at_ms, ?2) WHERE id = ?1",
        )?
        .execute(params![id, to_millis(now)])?;
    Ok(found == 1)
}

/// The refills of `serial` whose residual was outside the pump's accuracy and that the patient
/// has not yet marked as discussed, newest first.
///
/// # Errors
/// As [`refill_log`].
pub fn refills_to_discuss(
    conn: &Connection,
    serial: &str,
) -> Result<Vec<RefillRecord>, StoreError> {
    let mut log = refill_log(conn, serial, u32::MAX)?;
    log.retain(|r| r.residual_check.is_some_and(|c| c.needs_discussion()));
    Ok(log)
}

/// What the pump expected to be left at `at` (pump clock), and what it was programmed to deliver
/// since the refill before (`None` when unknown). The expected volume is the printout's when
/// given; else the pump's newest count before `at` since the refill before, run on at its
/// programmed rate to `at`; else the refill before's fill run on at its programmed rate.
fn expected_residual(
    tx: &Transaction<'_>,
    pump_id: i64,
    at: UtcDateTime,
    printout: Option<Volume>,
) -> Result<(Option<Volume>, Option<Volume>), StoreError> {
    let at_ms = to_millis(at);
    let previous: Option<(i64, u32, u32, u32)> = tx
        .prepare_cached(
            "SELECT at_ms, volume_after_ul, daily_dose_ug, concentration_ug_ml FROM refills
             WHERE pump_id = ?1 AND at_ms < ?2 ORDER BY at_ms DESC, id DESC LIMIT 1",
        )?
        .query_row(params![pump_id, at_ms], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let since = previous.map_or(i64::MIN, |p| p.0);
    let count: Option<(i64, u32, String, u32, u32)> = tx
        .prepare_cached(
            "SELECT pump_clock_ms, reservoir_ul, mode, daily_dose_ug, concentration_ug_ml
             FROM readings WHERE pump_id = ?1 AND pump_clock_ms < ?2 AND pump_clock_ms > ?3
             ORDER BY pump_clock_ms DESC LIMIT 1",
        )?
        .query_row(params![pump_id, at_ms, since], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    // µL left after running `ul` on for `ms` at `dose` µg/day of `conc` µg/mL.
    let run_on = |ul: u32, ms: i64, dose: u32, conc: u32| {
        if conc == 0 {
            return ul;
        }
        let used = f64::from(dose) * 1000.0 / f64::from(conc) * (ms.max(0) as f64 / 86_400_000.0);
        (f64::from(ul) - used).max(0.0).round() as u32
    };
    let expected = match (printout, count, previous) {
        (Some(v), _, _) => Some(v.microliters),
        (None, Some((clock, ul, mode, dose, conc)), _) => Some(if mode == "stopped" {
            ul
        } else {
            run_on(ul, at_ms - clock, dose, conc)
        }),
        (None, None, Some((prev_at, after, dose, conc))) => {
            Some(run_on(after, at_ms - prev_at, dose, conc))
        }
        (None, None, None) => None,
    };
    let programmed = match (expected, previous) {
        (Some(e), Some((_, after, _, _))) => Some(after.saturating_sub(e)),
        _ => None,
    };
    Ok((
        expected.map(Volume::from_microliters),
        programmed.map(Volume::from_microliters),
    ))
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
                r.daily_dose_ug, r.place, r.source, r.expected_before_ul, r.programmed_ul,
                r.discussed_at_ms
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
        "UPDATE pumps SET low_reservoir_threshold_ul = ?2, eri_to_eos_days = ?3, eri_battery_percent = ?4,
                          service_life_days = ?5
         WHERE serial = ?1",
        params![
            serial,
            settings.low_reservoir_threshold.map(|v| v.microliters),
            settings.eri_to_eos_days,
            settings.eri_battery_percent,
            settings.service_life_days
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
        "SELECT low_reservoir_threshold_ul, eri_to_eos_days, eri_battery_percent, service_life_days
         FROM pumps WHERE serial = ?1",
    )?
    .query_row([serial], |r| {
        Ok(PumpSettings {
            low_reservoir_threshold: r.get::<_, Option<u32>>(0)?.map(Volume::from_microliters),
            eri_to_eos_days: r.get(1)?,
            eri_battery_percent: r.get(2)?,
            service_life_days: r.get(3)?,
        })
    })
    .optional()?
    .ok_or(Error::UnknownPump)
}

/// A `refills` row as stored.
struct RawRefill {
    id: i64,
    at: i64,
    before: Option<u32>,
    after: u32,
    drug: String,
    conc: u32,
    dose: u32,
    place: Option<String>,
    source: String,
    expected: Option<u32>,
    programmed: Option<u32>,
    discussed: Option<i64>,
}

fn raw_refill(r: &Row<'_>) -> rusqlite::Result<RawRefill> {
    Ok(RawRefill {
        id: r.get(0)?,
        at: r.get(1)?,
        before: r.get(2)?,
        after: r.get(3)?,
        drug: r.get(4)?,
        conc: r.get(5)?,
        dose: r.get(6)?,
        place: r.get(7)?,
        source: r.get(8)?,
        expected: r.get(9)?,
        programmed: r.get(10)?,
        discussed: r.get(11)?,
    })
}

fn decode_refill(raw: RawRefill) -> Result<RefillRecord, StoreError> {
    let RawRefill {
        id,
        at,
        before,
        after,
        drug,
        conc,
        dose,
        place,
        source,
        expected,
        programmed,
        discussed,
    } = raw;
    let volume_before = before.map(Volume::from_microliters);
    let discussed_at = match discussed {
        None => None,
        Some(ms) => {
            Some(from_millis(ms).ok_or_else(|| StoreError::damaged("refills.discussed_at"))?)
        }
    };
    let residual_check = match (expected, volume_before, programmed) {
        (Some(e), Some(m), Some(p)) => ResidualCheck::new(
            Volume::from_microliters(e),
            m,
            Volume::from_microliters(p),
            discussed_at,
        ),
        _ => None,
    };
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
        residual_check,
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
    use crate::therapy::ResidualFinding;
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
            expected_before: None,
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

    fn refill_event(seq: u32, at: UtcDateTime, before_ul: u32) -> HistoryEvent {
        let mut e = pump_refill(seq, at, Drug::Morphine, 25, 5_000);
        if let HistoryDetail::Refill { refill } = &mut e.detail {
            refill.volume_before = Volume::from_microliters(before_ul);
        }
        e
    }

    #[test]
    fn a_residual_far_from_the_pumps_count_is_flagged_until_discussed() {
        let (_d, store) = store();
        // Filled to 40 mL; 0.2 mL/day programmed (5 mg/day of 25 mg/mL).
        let fill = refill_event(1, t(0), 3_000);
        store
            .write(|tx| insert_event(tx, "SIM0001", &fill, t(0)))
            .unwrap();
        // The pump's count 150 days later is 10 mL; the refill comes 2 days after that: the pump
        // expects 9.6 mL, and 30.4 mL programmed since the refill before.
        let mut r = test_reading(t(150));
        r.reservoir_volume = Volume::from_milliliters(10);
        r.pump_clock = t(150);
        store.write(|tx| insert_reading(tx, "SIM0001", &r)).unwrap();
        // As expected, give or take a syringe reading.
        store
            .write(|tx| insert_event(tx, "SIM0001", &refill_event(2, t(152), 9_300), t(152)))
            .unwrap();
        let ok = store.read(|c| last_refill(c, "SIM0001")).unwrap().unwrap();
        let check = ok.residual_check.expect("checked");
        assert_eq!(
            (check.expected, check.programmed, check.finding),
            (
                Volume::from_microliters(9_600),
                Volume::from_microliters(30_400),
                ResidualFinding::AsExpected
            )
        );
        assert!(
            store
                .read(|c| refills_to_discuss(c, "SIM0001"))
                .unwrap()
                .is_empty()
        );
        // Next interval: no reading seen; the count runs on from the fill (40 mL, 60 days at
        // 0.2 mL/day: 28 mL expected). 36.5 mL found: 8.5 mL more than expected of 12 programmed.
        store
            .write(|tx| insert_event(tx, "SIM0001", &refill_event(3, t(212), 36_500), t(212)))
            .unwrap();
        let flagged = store.read(|c| refills_to_discuss(c, "SIM0001")).unwrap();
        assert_eq!(flagged.len(), 1);
        let check = flagged[0].residual_check.unwrap();
        assert_eq!(check.expected, Volume::from_milliliters(28));
        assert_eq!(check.finding, ResidualFinding::MoreLeftThanExpected);
        assert_eq!(check.difference_percent, 71);
        // Discussed: no longer on the list, still flagged in the log.
        let id = flagged[0].id;
        assert!(
            store
                .write(|tx| mark_refill_discussed(tx, id, t(215)))
                .unwrap()
        );
        assert!(
            store
                .write(|tx| mark_refill_discussed(tx, id, t(216)))
                .unwrap()
        );
        assert!(
            !store
                .write(|tx| mark_refill_discussed(tx, 999, t(216)))
                .unwrap()
        );
        assert!(
            store
                .read(|c| refills_to_discuss(c, "SIM0001"))
                .unwrap()
                .is_empty()
        );
        let log = store.read(|c| refill_log(c, "SIM0001", 1)).unwrap();
        let check = log[0].residual_check.unwrap();
        assert!(check.is_flagged());
        assert_eq!(check.discussed_at, Some(t(215)), "the first mark is kept");
    }

    #[test]
    fn the_clinics_printout_gives_the_expected_volume_of_a_refill_typed_in() {
        let (_d, store) = store();
        store
            .write(|tx| insert_event(tx, "SIM0001", &refill_event(1, t(0), 3_000), t(0)))
            .unwrap();
        let entry = RefillEntry {
            at: t(60),
            volume_before: Some(Volume::from_microliters(21_000)),
            volume_after: Volume::from_milliliters(40),
            drug: Drug::Morphine,
            concentration: Concentration::from_mg_per_ml(25),
            daily_dose: DailyDose {
                micrograms_per_day: 5_000,
            },
            place: Some(RefillPlace::Clinic),
            expected_before: Some(Volume::from_milliliters(27)),
        };
        store
            .write(|tx| record_refill(tx, "SIM0001", &entry, t(60)))
            .unwrap();
        let check = store
            .read(|c| last_refill(c, "SIM0001"))
            .unwrap()
            .unwrap()
            .residual_check
            .unwrap();
        // 6 mL less than expected of 13 mL programmed: far more left the pump than programmed.
        assert_eq!(check.expected, Volume::from_milliliters(27));
        assert_eq!(check.finding, ResidualFinding::LessLeftThanExpected);
        assert_eq!(check.difference_percent, -46);
        // Without a volume before, there is nothing to check.
        let entry = RefillEntry {
            at: t(100),
            volume_before: None,
            ..entry
        };
        store
            .write(|tx| record_refill(tx, "SIM0001", &entry, t(100)))
            .unwrap();
        let last = store.read(|c| last_refill(c, "SIM0001")).unwrap().unwrap();
        assert_eq!(last.residual_check, None);
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
            expected_before: None,
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
            service_life_days: Some(2_466),
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
