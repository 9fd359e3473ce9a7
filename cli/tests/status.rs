//! `thecal status` prints what a data folder holds, nothing made up: after `thecal sim history`
//! it shows the stored pump and its newest stored reading; an empty folder or none is an error.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code: a failed unwrap is a failed test.

use std::process::{Command, Output};

use thecal_core::store::Store;
use thecal_core::therapy::db;

fn thecal(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_thecal"))
        .args(args)
        .output()
        .expect("the thecal binary runs")
}

#[test]
fn status_shows_what_the_store_holds() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().to_str().unwrap();
    let out = thecal(&[
        "sim",
        "history",
        "--days",
        "3",
        "--seed",
        "5",
        "--db",
        db,
        "--start",
        "2026-02-01T00:00:00Z",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = thecal(&["status", "--db", db, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    let store = Store::open_in_dir(dir.path()).unwrap();
    let pumps = store.read(db::all_pumps).unwrap();
    let serial = pumps[0].serial.clone();
    let latest = store
        .read(|c| db::latest_reading(c, &serial))
        .unwrap()
        .unwrap();
    assert_eq!(shown["pump"]["serial"], serial);
    assert_eq!(
        shown["reading"]["reservoir_volume"]["microliters"],
        latest.reservoir_volume.microliters
    );
    assert_eq!(
        shown["reading"]["taken_at"],
        serde_json::to_value(latest.taken_at).unwrap()
    );

    let text = thecal(&["status", "--db", db, "--tz", "Europe/Paris"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains(&serial), "{text}");
    assert!(text.contains("Reservoir"), "{text}");
}

#[test]
fn no_data_is_an_error_and_nothing_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("nothing-here");
    let out = thecal(&["status", "--db", empty.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no Thecal data"));
    assert!(!empty.exists(), "status must not create a data folder");
    let out = thecal(&["status"]);
    assert!(!out.status.success(), "a data folder must be named");
}
