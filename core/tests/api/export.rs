//! The export API as the apps use it: a simulated year exported as FHIR and imported into a new
//! app holds the same rows as the source, table by table; a backup made while the app runs
//! restores every row into another app; a wrong passphrase is a typed error.

use std::sync::Arc;

use chrono::{Duration, TimeZone};
use thecal_core::{BackupError, ExportError};
use thecal_sim::fixtures::{self, DiaryYears, PumpYears};

use crate::block_on;

fn start() -> thecal_core::UtcDateTime {
    chrono::Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()
}

/// An app holding a simulated year: a pump (a reading every 5 minutes, its alarms and refills)
/// and a diary (about five pain scores and 1.6 doses a day), with the ID card for the pump.
fn a_year() -> fixtures::Fixture {
    let f = fixtures::open("Europe/Paris", start() + Duration::days(366));
    let store = f.thecal.store();
    let (serial, _) = fixtures::seed_pump(
        store,
        PumpYears {
            seed: 15,
            start: start(),
            days: 365,
            alarms: 200,
            refills: 12,
        },
    )
    .unwrap();
    fixtures::seed_diary(
        store,
        DiaryYears {
            start: start(),
            days: 365,
            zone: "Europe/Paris".parse().unwrap(),
            pain_entries: 1_800,
            medication_entries: 600,
        },
        start() + Duration::days(365),
    )
    .unwrap();
    let mut card = fixtures::sample_card();
    card.device.serial = serial;
    card.implant_date = "2024-12-20".into();
    block_on(f.thecal.card().save(card)).unwrap();
    f
}

/// The rows of `table` (`columns` of them, live ones for the diary), in id order.
fn rows(f: &fixtures::Fixture, table: &str, columns: &str) -> Vec<String> {
    let live = if table.ends_with("_entries") {
        "WHERE deleted_at_ms IS NULL"
    } else {
        ""
    };
    f.thecal
        .store()
        .read(|c| {
            let mut stmt =
                c.prepare(&format!("SELECT {columns} FROM {table} {live} ORDER BY id"))?;
            let n = stmt.column_count();
            let out = stmt
                .query_map([], |r| {
                    (0..n)
                        .map(|i| r.get::<_, rusqlite::types::Value>(i))
                        .collect::<Result<Vec<_>, _>>()
                        .map(|v| format!("{v:?}"))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, thecal_core::store::StoreError>(out)
        })
        .unwrap()
}

#[test]
fn a_simulated_year_exported_as_fhir_and_imported_into_a_new_app_holds_the_same_rows() {
    let source = a_year();
    let file = source.dir.path().join("bundle.json");
    let out = block_on(
        source
            .thecal
            .export()
            .write_fhir_bundle(file.to_string_lossy().into_owned()),
    )
    .unwrap();
    assert_eq!(out.pumps, 1);
    assert!(out.refills >= 12, "{out:?}");
    assert!(out.pain_entries > 1_700, "{out:?}");
    assert_eq!(out.medication_entries, 600);

    let target = fixtures::open("UTC", start() + Duration::days(400));
    let imported = block_on(
        target
            .thecal
            .export()
            .import_fhir_bundle(file.to_string_lossy().into_owned()),
    )
    .unwrap();
    assert_eq!(
        (
            imported.pumps,
            imported.refills,
            imported.pain_entries,
            imported.medication_entries
        ),
        (
            out.pumps,
            out.refills,
            out.pain_entries,
            out.medication_entries
        )
    );
    // Table by table, every column the bundle carries (all of them but the pumps' history sync
    // mark, which a new phone rebuilds by replaying the pump's history).
    let pump_columns = "id, serial, manufacturer, model, firmware_revision, hardware_revision, \
        kind, reservoir_kind, reservoir_capacity_ul, registered_at_ms, low_reservoir_threshold_ul, \
        eri_to_eos_days, eri_battery_percent, service_life_days";
    for (table, columns) in [
        ("pumps", pump_columns),
        ("refills", "*"),
        ("pain_entries", "*"),
        ("medication_entries", "*"),
    ] {
        let (a, b) = (rows(&source, table, columns), rows(&target, table, columns));
        assert!(!a.is_empty(), "{table} has rows");
        assert_eq!(a.len(), b.len(), "{table}: as many rows");
        assert!(a == b, "{table}: the same rows");
    }
    // A second import is refused (the app is no longer new), and changes nothing.
    let again = block_on(
        target
            .thecal
            .export()
            .import_fhir_bundle(file.to_string_lossy().into_owned()),
    );
    assert_eq!(again, Err(ExportError::NotEmpty));
}

#[test]
fn a_backup_made_while_the_app_runs_restores_every_row_and_a_wrong_passphrase_is_typed() {
    let source = a_year();
    let file = source.dir.path().join("thecal.age");
    let path = file.to_string_lossy().into_owned();
    let export = source.thecal.export();
    // The app keeps writing while the backup is made: the backup is one consistent state.
    let writer = Arc::clone(&source.thecal);
    let made = std::thread::scope(|s| {
        let w = s.spawn(|| {
            for k in 0..50 {
                block_on(writer.diary().add_pain(
                    thecal_core::diary::PainInput {
                        at: start() + Duration::days(365) + Duration::minutes(k),
                        score: 5,
                        inventory: None,
                        interference: None,
                        location: None,
                        note: None,
                    },
                    thecal_core::model::Author::Patient,
                ))
                .unwrap();
            }
        });
        let made = block_on(export.create_backup(path.clone(), "a long passphrase".into()));
        w.join().unwrap();
        made
    })
    .unwrap();
    assert!(made.total_rows > 100_000);

    let target = fixtures::open("UTC", start() + Duration::days(400));
    let wrong = block_on(
        target
            .thecal
            .export()
            .restore_backup(path.clone(), "not it at all".into()),
    );
    assert_eq!(wrong, Err(BackupError::WrongPassphrase));
    assert!(
        wrong
            .unwrap_err()
            .to_string()
            .contains("your data is unchanged"),
        "the message says what happened to the data"
    );
    let restored = block_on(
        target
            .thecal
            .export()
            .restore_backup(path, "a long passphrase".into()),
    )
    .unwrap();
    assert_eq!(restored.total_rows, made.total_rows);
    // The backup holds between 0 and 50 of the pain entries written meanwhile, whole rows.
    let (src_pain, got_pain) = (
        rows(&source, "pain_entries", "*"),
        rows(&target, "pain_entries", "*"),
    );
    assert!(src_pain.len() >= got_pain.len() && got_pain.len() + 50 >= src_pain.len());
    assert_eq!(src_pain[..got_pain.len()], got_pain[..]);
    for table in [
        "pumps",
        "readings",
        "pump_events",
        "alarms",
        "refills",
        "medication_entries",
        "card",
    ] {
        assert_eq!(
            rows(&source, table, "*"),
            rows(&target, table, "*"),
            "{table}"
        );
    }
    // The restored app reads on as usual.
    block_on(target.thecal.dashboard()).unwrap();
}
