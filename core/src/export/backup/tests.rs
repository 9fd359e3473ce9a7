//! Backups: round trip, refusals (wrong passphrase, any altered or missing byte, newer
//! versions), an older schema migrated, and the store left untouched by every refusal.

use std::path::Path;

use chrono::TimeZone;

use super::*;
use crate::diary::{self, DoseUnit, MedicationInput, PainInput, Route};
use crate::model::{Author, Zone};
use crate::therapy;

/// Work factor 2: scrypt costs microseconds, so every byte of a file can be tried.
const TEST_WORK: u8 = 2;
const PASS: &str = "correct horse battery";

fn at(day: u32, hour: u32) -> UtcDateTime {
    chrono::Utc
        .with_ymd_and_hms(2026, 3, day, hour, 0, 0)
        .single()
        .unwrap()
}

/// A valid implanted pump.
pub(crate) fn pump() -> crate::model::DeviceInfo {
    crate::model::DeviceInfo {
        manufacturer: "Thecal Sim".into(),
        model: "TS-40".into(),
        serial: "SIM0001".into(),
        firmware_revision: "1.0.0".into(),
        hardware_revision: None,
        kind: crate::model::PumpKind::Implanted,
        reservoir_kind: crate::model::ReservoirKind::ImplantedChamber,
        reservoir_capacity: crate::model::Volume::from_milliliters(40),
    }
}

/// A store in `dir` with a pump, a refill and `n` pain entries and doses.
fn seeded(dir: &Path, n: u32) -> Store {
    let store = Store::open_in_dir(dir).unwrap();
    let zone: Zone = "Europe/Paris".parse().unwrap();
    let now = at(28, 12);
    store
        .write(|tx| {
            let pump = pump();
            therapy::db::upsert_pump(tx, &pump, at(1, 8))?;
            therapy::db::record_refill(
                tx,
                &pump.serial,
                &therapy::RefillEntry {
                    at: at(2, 9),
                    volume_before: Some(crate::model::Volume::from_milliliters(3)),
                    volume_after: crate::model::Volume::from_milliliters(40),
                    drug: crate::model::Drug::Morphine,
                    concentration: crate::model::Concentration::from_mg_per_ml(25),
                    daily_dose: crate::model::DailyDose {
                        micrograms_per_day: 5_000,
                    },
                    place: None,
                    expected_before: None,
                },
                now,
            )?;
            Ok::<_, therapy::Error>(())
        })
        .unwrap();
    store
        .write(|tx| {
            for k in 0..n {
                let t = at(3 + k % 20, 6 + k % 12);
                diary::add_pain(
                    tx,
                    PainInput {
                        at: t,
                        score: u8::try_from(k % 11).unwrap(),
                        inventory: None,
                        interference: None,
                        location: Some("lower back".into()),
                        note: Some(format!("note {k}")),
                    },
                    zone,
                    now,
                    Author::Patient,
                )?;
                diary::add_medication(
                    tx,
                    MedicationInput {
                        at: t,
                        drug: "Oxycodone".into(),
                        dose: 5.0,
                        unit: DoseUnit::Milligram,
                        route: Route::Oral,
                        breakthrough: true,
                        reason: None,
                    },
                    zone,
                    now,
                    Author::Patient,
                )?;
            }
            Ok::<_, diary::Error>(())
        })
        .unwrap();
    store
}

/// Every row of every table, as text, sorted: what "the same data" means here.
fn dump(store: &Store) -> BTreeMap<String, Vec<String>> {
    store
        .read(|c| {
            let mut out = BTreeMap::new();
            for table in copy::row_counts(c)?.keys() {
                let mut stmt = c.prepare(&format!("SELECT * FROM \"{table}\""))?;
                let n = stmt.column_count();
                let mut rows: Vec<String> = stmt
                    .query_map([], |r| {
                        (0..n)
                            .map(|i| r.get::<_, rusqlite::types::Value>(i))
                            .collect::<Result<Vec<_>, _>>()
                            .map(|v| format!("{v:?}"))
                    })?
                    .collect::<Result<_, _>>()?;
                rows.sort();
                out.insert(table.clone(), rows);
            }
            Ok::<_, StoreError>(out)
        })
        .unwrap()
}

fn backup_of(store: &Store, out: &Path) -> BackupInfo {
    create(store, out, PASS, at(28, 12), TEST_WORK).unwrap()
}

#[test]
fn a_backup_restores_every_row_exactly_into_a_store_that_held_other_data() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let source = seeded(a.path(), 40);
    let file = a.path().join("thecal.age");
    let info = backup_of(&source, &file);
    assert_eq!(info.schema_version, schema_version());
    assert!(info.total_rows > 80);
    let target = seeded(b.path(), 3);
    assert_ne!(dump(&source), dump(&target));
    let restored = restore(&target, &file, PASS).unwrap();
    assert_eq!(restored, info);
    assert_eq!(dump(&target), dump(&source));
    // The store goes on working: a write after the restore is kept.
    target
        .write(|tx| {
            diary::add_pain(
                tx,
                PainInput {
                    at: at(27, 9),
                    score: 4,
                    inventory: None,
                    interference: None,
                    location: None,
                    note: None,
                },
                "UTC".parse().unwrap(),
                at(28, 12),
                Author::Patient,
            )
        })
        .unwrap();
    // No temporary file is left beside the data.
    let names: Vec<String> = std::fs::read_dir(b.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| !n.starts_with(SNAPSHOT_PREFIX) && !n.starts_with(CANDIDATE_PREFIX)),
        "{names:?}"
    );
}

#[test]
fn a_backup_is_an_age_file_with_a_passphrase_stanza_at_the_work_factor_asked() {
    let a = tempfile::tempdir().unwrap();
    let file = a.path().join("b.age");
    backup_of(&seeded(a.path(), 2), &file);
    let bytes = std::fs::read(&file).unwrap();
    let head = String::from_utf8_lossy(&bytes[..80]);
    assert!(
        head.starts_with("age-encryption.org/v1\n-> scrypt "),
        "{head}"
    );
    assert_eq!(head.lines().nth(1).unwrap().split(' ').nth(3), Some("2"));
    // No partial file is left beside it, and it is the app's alone.
    assert!(!a.path().join(".b.age.partial").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn a_wrong_passphrase_is_refused_and_changes_nothing() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let file = a.path().join("b.age");
    backup_of(&seeded(a.path(), 5), &file);
    let target = seeded(b.path(), 2);
    let before = dump(&target);
    assert_eq!(
        restore(&target, &file, "not the passphrase"),
        Err(Error::WrongPassphrase)
    );
    assert_eq!(dump(&target), before);
}

#[test]
fn a_short_passphrase_is_refused_when_making_a_backup() {
    let a = tempfile::tempdir().unwrap();
    let store = seeded(a.path(), 1);
    let out = a.path().join("b.age");
    assert!(matches!(
        create(&store, &out, " short ", at(28, 12), TEST_WORK),
        Err(Error::Invalid(e)) if e.field == "passphrase"
    ));
    assert!(!out.exists());
}

/// Where the age header ends (after the MAC line and the 16-byte payload nonce).
fn header_len(bytes: &[u8]) -> usize {
    let mac = bytes.windows(4).position(|w| w == b"\n---").unwrap();
    let eol = mac + 1 + bytes[mac + 1..].iter().position(|&b| b == b'\n').unwrap();
    eol + 1 + 16
}

/// Reads `bytes` as a backup with the real reader, into memory; `true` if it was accepted.
fn accepted(bytes: &[u8]) -> bool {
    let Ok(plain) = decrypt(bytes, PASS, MAX_WORK_FACTOR) else {
        return false;
    };
    read_payload(plain, &mut std::io::sink()).is_ok()
}

#[test]
fn a_single_altered_byte_anywhere_is_refused_and_changes_nothing() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let file = a.path().join("b.age");
    backup_of(&seeded(a.path(), 30), &file);
    let good = std::fs::read(&file).unwrap();
    assert!(accepted(&good));
    const CHUNK: usize = 64 * 1024 + 16;
    let header = header_len(&good);
    let payload = good.len() - header;
    assert!(payload > 2 * CHUNK, "at least three chunks: {payload}");
    let last_start = header + (payload - 1) / CHUNK * CHUNK;
    // Every byte of the header, of the first chunk and of the last one...
    let mut positions: Vec<usize> = (0..header + CHUNK).chain(last_start..good.len()).collect();
    // ...and a sample of the rest.
    let mut rng = fastrand::Rng::with_seed(15);
    positions.extend((0..300).map(|_| rng.usize(header + CHUNK..last_start)));
    for &i in &positions {
        let mut bad = good.clone();
        bad[i] ^= 1 << rng.u8(0..8);
        assert!(
            !accepted(&bad),
            "byte {i} of {} altered, accepted",
            good.len()
        );
    }
    // Through the whole restore, on a sample: refused, and the store is as it was.
    let target = seeded(b.path(), 2);
    let before = dump(&target);
    let bad_file = b.path().join("bad.age");
    for &i in positions.iter().step_by(997).chain([&0, &(good.len() - 1)]) {
        let mut bad = good.clone();
        bad[i] ^= 0x20;
        std::fs::write(&bad_file, &bad).unwrap();
        let e = restore(&target, &bad_file, PASS).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Damaged { .. } | Error::NotABackup { .. } | Error::WrongPassphrase
            ),
            "byte {i}: {e:?}"
        );
        assert_eq!(dump(&target), before, "byte {i}");
    }
}

#[test]
fn a_truncated_or_extended_backup_is_refused() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let file = a.path().join("b.age");
    backup_of(&seeded(a.path(), 10), &file);
    let good = std::fs::read(&file).unwrap();
    let header = header_len(&good);
    let mut cuts: Vec<usize> = vec![0, 1, header - 1, header, header + 1, good.len() - 1];
    cuts.extend((header..good.len()).step_by(64 * 1024 + 16));
    for cut in cuts {
        assert!(!accepted(&good[..cut]), "cut at {cut}");
    }
    let mut longer = good.clone();
    longer.extend_from_slice(&good[header..header + 100]);
    assert!(!accepted(&longer));
    let target = seeded(b.path(), 2);
    let before = dump(&target);
    std::fs::write(b.path().join("cut.age"), &good[..good.len() / 2]).unwrap();
    assert_eq!(
        restore(&target, &b.path().join("cut.age"), PASS),
        Err(Error::Damaged {
            what: "encrypted data"
        })
    );
    assert_eq!(dump(&target), before);
}

#[test]
fn a_file_that_is_not_a_backup_is_named_so() {
    let b = tempfile::tempdir().unwrap();
    let target = seeded(b.path(), 1);
    let before = dump(&target);
    let f = b.path().join("x");
    std::fs::write(&f, b"SQLite format 3\0 and more").unwrap();
    assert!(matches!(
        restore(&target, &f, PASS),
        Err(Error::NotABackup { .. })
    ));
    assert!(matches!(
        restore(&target, &b.path().join("missing"), PASS),
        Err(Error::File { .. })
    ));
    // An age file with the right passphrase but something else inside.
    std::fs::write(&f, encrypt(b"hello\n")).unwrap();
    assert!(matches!(
        restore(&target, &f, PASS),
        Err(Error::NotABackup { .. })
    ));
    assert_eq!(dump(&target), before);
}

fn encrypt(plain: &[u8]) -> Vec<u8> {
    let mut w = crate::export::age::encrypt(vec![], PASS, TEST_WORK).unwrap();
    w.write_all(plain).unwrap();
    w.finish().unwrap()
}

#[test]
fn a_backup_from_a_newer_app_is_refused_and_changes_nothing() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // A newer schema: a database whose version is above this build's.
    let db = a.path().join("newer.sqlite3");
    let conn = Connection::open(&db).unwrap();
    conn.execute_batch(&format!(
        "CREATE TABLE t (x); PRAGMA user_version = {};",
        schema_version() + 1
    ))
    .unwrap();
    drop(conn);
    let file = a.path().join("newer.age");
    create_from_file(&db, &file, PASS, at(28, 12), TEST_WORK).unwrap();
    let target = seeded(b.path(), 2);
    let before = dump(&target);
    assert_eq!(
        restore(&target, &file, PASS),
        Err(Error::NewerVersion {
            found: schema_version() + 1,
            supported: schema_version()
        })
    );
    // A newer format.
    std::fs::write(&file, encrypt(b"thecal-backup 2\n{}\n")).unwrap();
    assert_eq!(
        restore(&target, &file, PASS),
        Err(Error::NewerFormat {
            found: 2,
            supported: 1
        })
    );
    assert_eq!(dump(&target), before);
}

#[test]
fn a_backup_of_an_older_schema_restores_and_is_upgraded() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let db = a.path().join("v5.sqlite3");
    std::fs::write(
        &db,
        include_bytes!("../../store/fixtures/schema-v5.sqlite3"),
    )
    .unwrap();
    let pain_rows: i64 = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM pain_entries WHERE deleted_at_ms IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(pain_rows > 0);
    let file = a.path().join("v5.age");
    let info = create_from_file(&db, &file, PASS, at(28, 12), TEST_WORK).unwrap();
    assert_eq!(info.schema_version, 5);
    let target = seeded(b.path(), 2);
    restore(&target, &file, PASS).unwrap();
    let (version, pain): (u32, i64) = target
        .read(|c| {
            Ok::<_, StoreError>((
                c.pragma_query_value(None, "user_version", |r| r.get(0))?,
                c.query_row(
                    "SELECT COUNT(*) FROM pain_entries WHERE deleted_at_ms IS NULL",
                    [],
                    |r| r.get(0),
                )?,
            ))
        })
        .unwrap();
    assert_eq!(version, schema_version());
    assert_eq!(pain, pain_rows);
    // Tables added after version 5 are there, empty.
    assert_eq!(dump(&target)["pump_pairings"], Vec::<String>::new());
}

#[test]
fn the_manifest_tells_what_the_backup_holds() {
    let a = tempfile::tempdir().unwrap();
    let store = seeded(a.path(), 7);
    let file = a.path().join("b.age");
    backup_of(&store, &file);
    let plain = decrypt(BufReader::new(File::open(&file).unwrap()), PASS, 18).unwrap();
    let mut db = vec![];
    let m = read_payload(plain, &mut db).unwrap();
    assert_eq!(m.format, FORMAT_VERSION);
    assert_eq!(m.created_at, at(28, 12));
    assert_eq!(m.rows["pain_entries"], 7);
    assert_eq!(m.rows["medication_entries"], 7);
    assert_eq!(m.rows["refills"], 1);
    assert_eq!(m.database_bytes, db.len() as u64);
    assert!(db.starts_with(b"SQLite format 3\0"));
}
