//! What the benchmarks share: "five years of data" as every benchmark means it, seeded once into
//! a folder under the target directory and reused (the marker file names the pump and the time
//! of the last reading).
//!
//! Five years: 525,600 status readings at 5-minute intervals, 1,000 alarms, 60 refills
//! (`PumpYears::five_years`), 9,000 pain entries and 3,000 medication doses
//! (`DiaryYears::five_years`).

#![allow(dead_code)] // each benchmark uses its part

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::TimeZone;
use thecal_core::model::{UtcDateTime, Zone};
use thecal_core::store::{self, Store};
use thecal_sim::fixtures::{DiaryYears, PumpYears, seed_diary, seed_pump};

/// The first day of the five years.
pub fn start() -> UtcDateTime {
    chrono::Utc
        .with_ymd_and_hms(2021, 6, 1, 0, 0, 0)
        .single()
        .expect("a valid date")
}

/// The seeded folder: its path, the pump's serial and the time of its last reading.
pub struct FiveYears {
    /// The app's data folder.
    pub dir: PathBuf,
    /// The simulated pump's serial.
    pub serial: String,
    /// The last reading's time (the benchmarks' "now" is just after it).
    pub end: UtcDateTime,
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    )
}

/// The five years' folder, seeded now if it is not yet (a few minutes, once per schema).
pub fn five_years() -> FiveYears {
    // v2: with the diary rows.
    let dir = target_dir()
        .join("bench-data")
        .join(format!("five-years-v2-schema{}", store::schema_version()));
    let marker = dir.join("seeded");
    if !marker.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("bench dir");
        let t0 = Instant::now();
        let (serial, end) = seed(&dir);
        std::fs::write(&marker, format!("{serial}\n{}\n", end.to_rfc3339())).expect("marker");
        eprintln!("seeded five years in {:.1} s", t0.elapsed().as_secs_f64());
    }
    let text = std::fs::read_to_string(&marker).expect("marker");
    let (serial, end) = text.split_once('\n').expect("marker format");
    FiveYears {
        dir,
        serial: serial.to_owned(),
        end: chrono::DateTime::parse_from_rfc3339(end.trim())
            .expect("time")
            .to_utc(),
    }
}

fn seed(dir: &Path) -> (String, UtcDateTime) {
    let store = Store::open_in_dir(dir).expect("store");
    let (serial, end) =
        seed_pump(&store, PumpYears::five_years(start())).expect("seeding the pump's five years");
    // The pump's 1,825 days: the last entry comes before the last reading ("now").
    let diary = DiaryYears {
        days: 5 * 365,
        ..DiaryYears::five_years(
            start(),
            Zone::get("Europe/Paris").expect("the device's time zones"),
        )
    };
    seed_diary(&store, diary, end).expect("seeding the diary's five years");
    store.checkpoint().expect("checkpoint");
    (serial, end)
}

/// A copy of the five years in a temporary folder, for a benchmark that writes (the seeded
/// folder stays as it was seeded for the others).
pub fn copy(five: &FiveYears) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    for entry in std::fs::read_dir(&five.dir).expect("the five years' folder") {
        let entry = entry.expect("a folder entry");
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(store::DB_FILE)
        {
            std::fs::copy(entry.path(), tmp.path().join(entry.file_name())).expect("a copy");
        }
    }
    tmp
}

/// Row counts of the seeded file: readings, alarms, refills, pain entries, medication doses.
pub fn counts(dir: &Path) -> [i64; 5] {
    let c = rusqlite::Connection::open(dir.join(store::DB_FILE)).expect("db");
    let n = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0)).expect("count");
    [
        n("SELECT COUNT(*) FROM readings"),
        n("SELECT COUNT(*) FROM alarms"),
        n("SELECT COUNT(*) FROM refills"),
        n("SELECT COUNT(*) FROM pain_entries"),
        n("SELECT COUNT(*) FROM medication_entries"),
    ]
}
