//! Crash safety of backups: the worker (`backup-worker`) is killed with `SIGKILL` in the middle
//! of making a backup (while the snapshot is copied, or while the encrypted file is written)
//! and in the middle of a restore (while the backup is decrypted and checked, or while the
//! store's content is replaced). After each kill:
//! - the data is intact: SQLite's integrity check passes, and every row is as before the kill
//!   (for a restore: every row is the old content's, or every row is the backup's, never a mix);
//! - a file with the backup's name is always a whole backup that restores (a half-written one
//!   only ever has the hidden `.NAME.partial` name);
//! - the next run cleans up what the killed one left beside the data.
//!
//! The kill moment is chosen by progress, not by time: the harness waits (spinning, never
//! sleeping) until the file being written has reached a random size, then kills.
//! `THECAL_BACKUP_CRASH_TRIALS` (default 8) sets the number of kills of each kind.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::TimeZone;
use thecal_core::export::backup;
use thecal_core::store::{DB_FILE, Store};
use thecal_sim::fixtures::{DiaryYears, PumpYears, seed_diary, seed_pump};

const PASS: &str = "a long enough passphrase";
const DEADLINE: Duration = Duration::from_secs(120);

fn trials() -> usize {
    std::env::var("THECAL_BACKUP_CRASH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8)
}

/// A store with `days` of a pump and a diary.
fn seeded(dir: &Path, days: i64, seed: u64) {
    let store = Store::open_in_dir(dir).unwrap();
    let start = chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let (_, end) = seed_pump(
        &store,
        PumpYears {
            seed,
            start,
            days,
            alarms: 30,
            refills: 4,
        },
    )
    .unwrap();
    let diary = DiaryYears {
        start,
        days,
        zone: "Europe/Paris".parse().unwrap(),
        pain_entries: u32::try_from(days * 5).unwrap(),
        medication_entries: u32::try_from(days * 2).unwrap(),
    };
    seed_diary(&store, diary, end).unwrap();
}

/// Every row of every table of the database file in `dir`, after checking its integrity.
fn dump(dir: &Path) -> BTreeMap<String, Vec<String>> {
    let conn = rusqlite::Connection::open(dir.join(DB_FILE)).unwrap();
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tables
        .into_iter()
        .map(|t| {
            let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
            let n = stmt.column_count();
            let mut rows: Vec<String> = stmt
                .query_map([], |r| {
                    (0..n)
                        .map(|i| r.get::<_, rusqlite::types::Value>(i))
                        .collect::<Result<Vec<_>, _>>()
                        .map(|v| format!("{v:?}"))
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            rows.sort();
            (t, rows)
        })
        .collect()
}

fn worker(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_backup-worker"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the worker starts")
}

/// The size of the first file in `dir` whose name starts with `prefix`, if any.
fn size_of(dir: &Path, prefix: &str) -> Option<u64> {
    std::fs::read_dir(dir).ok()?.flatten().find_map(|e| {
        e.file_name()
            .to_string_lossy()
            .starts_with(prefix)
            .then(|| e.metadata().map(|m| m.len()).unwrap_or(0))
    })
}

/// Removes what a killed restore left for the next one to clean up (its candidate file) and
/// empties the write-ahead log, so that the next trial's trigger sees only what its own worker
/// writes: a leftover already past the target would have the worker killed before it did
/// anything.
fn clear_leftovers(live: &Path) {
    for e in std::fs::read_dir(live).unwrap().flatten() {
        if e.file_name()
            .to_string_lossy()
            .starts_with("restore-candidate-")
        {
            std::fs::remove_file(e.path()).unwrap();
        }
    }
    let conn = rusqlite::Connection::open(live.join(DB_FILE)).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
}

/// Waits, spinning, until `reached()` says so, then kills the worker with SIGKILL. Returns what
/// the worker printed (`start N` before each operation, `done N` after it).
fn kill_when(mut child: Child, what: &str, mut reached: impl FnMut() -> bool) -> String {
    let t0 = Instant::now();
    while !reached() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the worker exited on its own ({status}) before {what}");
        }
        assert!(t0.elapsed() < DEADLINE, "{what} never happened");
        std::thread::yield_now();
    }
    child.kill().expect("SIGKILL");
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whether the worker was killed inside an operation: its last line is a `start`.
fn killed_inside(output: &str) -> bool {
    output
        .lines()
        .last()
        .is_some_and(|l| l.starts_with("start "))
}

/// Whether `file` is a whole backup: it decrypts and checks out.
fn is_whole_backup(file: &Path, scratch: &Path) -> bool {
    let candidate = scratch.join(format!("check-{}.sqlite3", fastrand::u64(..)));
    let ok = backup::unpack(file, PASS, &candidate).is_ok();
    let _ = std::fs::remove_file(&candidate);
    ok
}

#[test]
fn a_backup_killed_midway_leaves_the_data_intact_and_no_half_file_under_its_name() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    seeded(&data, 60, 7);
    let before = dump(&data);
    let db_size = std::fs::metadata(data.join(DB_FILE)).unwrap().len();
    let out = root.path().join("backup.age");
    let partial = root.path().join(".backup.age.partial");
    let args = [
        "create",
        data.to_str().unwrap(),
        out.to_str().unwrap(),
        PASS,
    ];
    for trial in 0..trials() {
        let target = fastrand::u64(1..db_size);
        if trial % 2 == 0 {
            // While the snapshot is copied.
            kill_when(worker(&args), "the snapshot", || {
                size_of(&data, "backup-snapshot-").is_some_and(|n| n >= target)
            });
        } else {
            // While the encrypted file is written.
            kill_when(worker(&args), "the backup file", || {
                std::fs::metadata(&partial).is_ok_and(|m| m.len() >= target)
            });
        }
        assert_eq!(dump(&data), before, "trial {trial}: the data is as before");
        if out.exists() {
            assert!(
                is_whole_backup(&out, root.path()),
                "trial {trial}: a file under the backup's name is a whole backup"
            );
        }
    }
    // The next backup completes, and cleans up what the killed ones left.
    let store = Store::open_in_dir(&data).unwrap();
    backup::create(&store, &out, PASS, chrono::Utc::now(), 10).unwrap();
    assert!(is_whole_backup(&out, root.path()));
    assert!(!partial.exists());
    assert_eq!(size_of(&data, "backup-snapshot-"), None);
}

#[test]
fn a_restore_killed_midway_leaves_the_old_data_or_the_backup_whole_never_a_mix() {
    let root = tempfile::tempdir().unwrap();
    let (x, y, live) = (
        root.path().join("x"),
        root.path().join("y"),
        root.path().join("live"),
    );
    seeded(&x, 60, 7);
    seeded(&y, 20, 8);
    let files: Vec<PathBuf> = [&x, &y]
        .iter()
        .map(|d| {
            let f = root
                .path()
                .join(format!("{}.age", d.file_name().unwrap().to_string_lossy()));
            let store = Store::open_in_dir(d).unwrap();
            backup::create(&store, &f, PASS, chrono::Utc::now(), 10).unwrap();
            f
        })
        .collect();
    let (dx, dy) = (dump(&x), dump(&y));
    let live_store = Store::open_in_dir(&live).unwrap();
    backup::restore(&live_store, &files[0], PASS).unwrap();
    drop(live_store);
    assert_eq!(dump(&live), dx);
    let size = std::fs::metadata(x.join(DB_FILE)).unwrap().len();
    let mut wal = live.join(DB_FILE).into_os_string();
    wal.push("-wal");
    let wal = PathBuf::from(wal);
    // The worker restores one backup after the other (Y, X, Y... or X, Y, X...): a kill in any
    // restore must leave one of the two whole. The order changes every two trials, so both
    // outcomes are reached however fast a restore runs (a first restore quicker than the
    // poller is otherwise missed every time, and the kill always lands in the same one).
    let (x_file, y_file) = (files[0].to_str().unwrap(), files[1].to_str().unwrap());
    let (mut seen, mut inside) = ([0, 0], 0);
    for trial in 0..trials() {
        let (first, second) = if (trial / 2) % 2 == 0 {
            (y_file, x_file)
        } else {
            (x_file, y_file)
        };
        let args = ["restore", live.to_str().unwrap(), PASS, first, second];
        clear_leftovers(&live);
        let target = fastrand::u64(1..size / 2);
        let out = if trial % 2 == 0 {
            // While the backup is decrypted and checked.
            kill_when(worker(&args), "the restore's candidate", || {
                size_of(&live, "restore-candidate-").is_some_and(|n| n >= target)
            })
        } else {
            // While the store's content is replaced (the new pages go to the WAL first).
            kill_when(worker(&args), "the replacement", || {
                std::fs::metadata(&wal).is_ok_and(|m| m.len() >= target)
            })
        };
        let now = dump(&live);
        assert!(
            now == dx || now == dy,
            "trial {trial}: the data is the old content or the backup's, whole"
        );
        seen[usize::from(now == dy)] += 1;
        inside += usize::from(killed_inside(&out));
        // The app opens on it, as after any crash.
        drop(Store::open_in_dir(&live).unwrap());
    }
    // Not a vacuous test: the kills land inside restores (old content, backup's content:
    // {seen:?}, which one depends on how far the restore got).
    assert!(
        inside * 2 >= trials(),
        "only {inside} of {} kills landed inside a restore (outcomes {seen:?})",
        trials()
    );
    // The next restore completes and cleans up the killed ones' leftovers.
    let store = Store::open_in_dir(&live).unwrap();
    backup::restore(&store, &files[1], PASS).unwrap();
    assert_eq!(dump(&live), dy);
    assert_eq!(size_of(&live, "restore-candidate-"), None);
}
