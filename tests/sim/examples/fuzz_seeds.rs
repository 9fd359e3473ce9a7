//! Writes the seed corpora of the backup and FHIR fuzz targets (`core/fuzz/seeds/backup_reader`
//! and `core/fuzz/seeds/fhir_import`) from a small real store: a simulated week of a pump, a
//! diary and the sample ID card. Run by `core/fuzz/seed-export-corpus.sh`.
//!
//! `cargo run -p thecal-sim --example fuzz_seeds -- SEEDS_DIR`

#![allow(clippy::unwrap_used, clippy::expect_used)] // A tool: a failure stops it with its reason.

use std::io::Read;
use std::path::PathBuf;

use chrono::{Duration, TimeZone};
use thecal_core::export::{backup, fhir};
use thecal_core::store::Store;
use thecal_sim::fixtures::{DiaryYears, PumpYears, seed_diary, seed_pump};

/// The passphrase the backup_reader target opens its seeds with.
const PASSPHRASE: &str = "fuzzing passphrase";

fn main() {
    let seeds = PathBuf::from(
        std::env::args()
            .nth(1)
            .expect("usage: fuzz_seeds SEEDS_DIR"),
    );
    let work = tempfile::tempdir().unwrap();
    let store = Store::open_in_dir(work.path()).unwrap();
    let start = chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    // A day of readings every 5 minutes keeps the database (and so the seed) small.
    let (_, end) = seed_pump(
        &store,
        PumpYears {
            seed: 4,
            start,
            days: 1,
            alarms: 2,
            refills: 2,
        },
    )
    .unwrap();
    seed_diary(
        &store,
        DiaryYears {
            start,
            days: 1,
            zone: "Europe/Paris".parse().unwrap(),
            pain_entries: 6,
            medication_entries: 4,
        },
        end,
    )
    .unwrap();
    let now = end + Duration::hours(1);

    let dir = seeds.join("backup_reader");
    std::fs::create_dir_all(&dir).unwrap();
    let file = work.path().join("seed.age");
    backup::create(&store, &file, PASSPHRASE, now, 2).unwrap();
    let bytes = std::fs::read(&file).unwrap();
    let mut plain = Vec::new();
    backup::decrypt(bytes.as_slice(), PASSPHRASE, 4)
        .unwrap()
        .read_to_end(&mut plain)
        .unwrap();
    std::fs::write(dir.join("file"), [&[0u8][..], &bytes].concat()).unwrap();
    std::fs::write(dir.join("plaintext"), [&[1u8][..], &plain].concat()).unwrap();
    // The plaintext's first two lines alone (the database cut off): the manifest parser.
    let head: Vec<u8> = plain
        .split_inclusive(|&b| b == b'\n')
        .take(2)
        .flatten()
        .copied()
        .collect();
    std::fs::write(dir.join("manifest-only"), [&[1u8][..], &head].concat()).unwrap();

    let dir = seeds.join("fhir_import");
    std::fs::create_dir_all(&dir).unwrap();
    let (text, _) = store.read(|c| fhir::bundle(c, now)).unwrap();
    std::fs::write(dir.join("bundle"), &text).unwrap();
    let bundle: serde_json::Value = serde_json::from_str(&text).unwrap();
    // Each kind of resource alone in a bundle (the refills with their pump and drug).
    let entries = bundle["entry"].as_array().unwrap();
    for kind in ["Device", "Observation", "MedicationStatement", "Procedure"] {
        let some: Vec<_> = entries
            .iter()
            .filter(|e| {
                let t = e["resource"]["resourceType"].as_str().unwrap_or("");
                t == kind || (kind == "Procedure" && t.starts_with("Device"))
            })
            .take(4)
            .cloned()
            .collect();
        let mut b = bundle.clone();
        b["entry"] = serde_json::Value::Array(some);
        std::fs::write(
            dir.join(kind.to_lowercase()),
            serde_json::to_vec(&b).unwrap(),
        )
        .unwrap();
    }
    println!("seeds written under {}", seeds.display());
}
