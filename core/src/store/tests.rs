//! The store's own tests: opening, WAL, refusing a newer file, transactions, the reader, and
//! the upgrade of every released schema (with raw SQL only: the store knows no feature).

use super::*;

const PUMP: &str = "INSERT INTO pumps (serial, manufacturer, model, firmware_revision, kind,
    reservoir_kind, reservoir_capacity_ul, registered_at_ms)
    VALUES ('SIM0001', 'Thecal Sim', 'Sim-40', '1.0.0', 'implanted', 'chamber', 40000, 0)";

fn pumps(store: &Store) -> i64 {
    store
        .read(|c| Ok::<_, StoreError>(c.query_row("SELECT COUNT(*) FROM pumps", [], |r| r.get(0))?))
        .unwrap()
}

fn insert_pump(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.execute(PUMP, [])?;
    Ok(())
}

#[test]
fn migrations_are_valid() {
    let m = migrations().unwrap();
    m.validate().unwrap();
    // Every file is in, in order: the last one makes the schema this build writes.
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src/store/migrations"))
        .unwrap()
        .count();
    assert_eq!(files, MIGRATION_COUNT);
    assert_eq!(schema_version() as usize, files);
}

#[test]
fn opens_in_wal_with_foreign_keys_and_latest_schema() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_dir(dir.path()).unwrap();
    store
        .read(|c| {
            let mode: String = c.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
            assert_eq!(mode, "wal");
            let fk: bool = c.pragma_query_value(None, "foreign_keys", |r| r.get(0))?;
            assert!(fk);
            let v: u32 = c.pragma_query_value(None, "user_version", |r| r.get(0))?;
            assert_eq!(v, schema_version());
            Ok::<_, StoreError>(())
        })
        .unwrap();
}

#[test]
fn reopening_keeps_the_schema_and_data() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open_in_dir(dir.path()).unwrap();
        store.write(insert_pump).unwrap();
    }
    let store = Store::open_in_dir(dir.path()).unwrap();
    assert_eq!(pumps(&store), 1);
}

#[test]
fn a_newer_schema_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    {
        let c = Connection::open(&path).unwrap();
        c.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 99;")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert_eq!(
        err,
        StoreError::NewerVersion {
            found: 99,
            supported: schema_version()
        }
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the newer file must not be changed"
    );
}

#[test]
fn a_file_that_is_not_a_database_is_kept_aside_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    let garbage = b"this is not sqlite, it is a text file of some length....".repeat(100);
    std::fs::write(&path, &garbage).unwrap();
    std::fs::write(dir.path().join(format!("{DB_FILE}-wal")), b"wal garbage").unwrap();
    let Err(StoreError::KeptAside { name }) = Store::open(&path) else {
        panic!("a garbage file must be reported as kept aside");
    };
    assert!(name.starts_with("damaged/"), "{name}");
    let kept = dir.path().join(&name);
    assert_eq!(std::fs::read(&kept).unwrap(), garbage, "kept byte for byte");
    assert_eq!(
        std::fs::read(format!("{}-wal", kept.display())).unwrap(),
        b"wal garbage"
    );
    // The next open starts a new file and leaves the damaged one alone...
    let store = Store::open(&path).unwrap();
    store.write(insert_pump).unwrap();
    assert_eq!(std::fs::read(&kept).unwrap(), garbage);
    drop(store);
    // ...and a second damaged file gets a name of its own.
    std::fs::write(
        &path,
        b"more garbage, again not a database file at all.....",
    )
    .unwrap();
    let Err(StoreError::KeptAside { name: second }) = Store::open(&path) else {
        panic!("kept aside again");
    };
    assert_ne!(second, name);
    assert_eq!(std::fs::read(&kept).unwrap(), garbage);
}

#[cfg(unix)]
#[test]
fn the_data_folder_and_files_are_readable_by_the_app_only() {
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("data");
    let store = Store::open_in_dir(&dir).unwrap();
    store.write(insert_pump).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    for name in [DB_FILE, "thecal.sqlite3-wal", "thecal.sqlite3-shm"] {
        assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
    }
    drop(store);
    // A file an older version left readable by others is narrowed when opened.
    std::fs::set_permissions(dir.join(DB_FILE), std::fs::Permissions::from_mode(0o644)).unwrap();
    drop(Store::open_in_dir(&dir).unwrap());
    assert_eq!(mode(&dir.join(DB_FILE)), 0o600);
}

#[test]
fn a_full_file_refuses_the_write_keeps_the_data_and_takes_writes_again() {
    // SQLite's own page limit stands in for a full disk here (the real small filesystem is in
    // tests/hardening): the write fails as Full, nothing stored is lost, reads go on, and
    // writing resumes on the same connection once there is room again.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_dir(dir.path()).unwrap();
    store.write(insert_pump).unwrap();
    let pages: i64 = store
        .read(|c| Ok::<_, StoreError>(c.pragma_query_value(None, "page_count", |r| r.get(0))?))
        .unwrap();
    lock(&store.writer)
        .pragma_update(None, "max_page_count", pages)
        .unwrap();
    let big = "x".repeat(64 * 1024);
    let fill = |tx: &Transaction<'_>| -> Result<(), StoreError> {
        tx.execute(
            "INSERT INTO pumps (serial, manufacturer, model, firmware_revision, kind,
             reservoir_kind, reservoir_capacity_ul, registered_at_ms)
             VALUES (?1, 'x', 'x', '1', 'implanted', 'chamber', 1, 0)",
            [&big],
        )?;
        Ok(())
    };
    assert_eq!(store.write(fill), Err(StoreError::Full));
    assert_eq!(pumps(&store), 1, "reads go on, nothing lost");
    lock(&store.writer)
        .pragma_update(None, "max_page_count", 1_000_000)
        .unwrap();
    store.write(fill).unwrap();
    assert_eq!(pumps(&store), 2);
}

#[test]
fn a_folder_that_cannot_be_created_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"x").unwrap();
    assert!(matches!(
        Store::open_in_dir(&file.join("sub")),
        Err(StoreError::CannotOpen { .. })
    ));
}

#[test]
fn a_failed_write_keeps_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_dir(dir.path()).unwrap();
    let res: Result<(), StoreError> = store.write(|tx| {
        insert_pump(tx)?;
        Err(StoreError::Busy)
    });
    assert_eq!(res, Err(StoreError::Busy));
    assert_eq!(pumps(&store), 0);
}

#[test]
fn the_reader_cannot_write() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_dir(dir.path()).unwrap();
    // Through the idle writer (no reader opened yet)...
    let res = store.read(|c| Ok::<_, StoreError>(c.execute("DELETE FROM pumps", [])?));
    assert!(res.is_err());
    // ...and writes still work afterwards.
    store.write(insert_pump).unwrap();
    // Through the reader, opened when the writer is busy.
    let guard = store.writer.lock().unwrap();
    let res = store.read(|c| Ok::<_, StoreError>(c.execute("DELETE FROM pumps", [])?));
    assert!(res.is_err());
    assert_eq!(pumps(&store), 1, "a read does not wait for the busy writer");
    drop(guard);
}

#[test]
fn a_panicking_read_leaves_the_writer_able_to_write() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_dir(dir.path()).unwrap();
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _: Result<(), StoreError> = store.read(|_| panic!("a bug inside a read"));
    }));
    assert!(panicked.is_err());
    assert!(store.reader.get().is_none(), "the read borrowed the writer");
    store.write(insert_pump).unwrap();
    assert_eq!(pumps(&store), 1);
}

#[test]
fn an_error_inside_a_read_leaves_the_writer_able_to_write() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_dir(dir.path()).unwrap();
    let r: Result<(), StoreError> = store.read(|_| Err(StoreError::Busy));
    assert_eq!(r, Err(StoreError::Busy));
    store.write(insert_pump).unwrap();
    assert_eq!(pumps(&store), 1);
}

#[test]
fn a_panicking_write_keeps_nothing_and_writing_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_dir(dir.path()).unwrap();
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _: Result<(), StoreError> = store.write(|tx| {
            insert_pump(tx)?;
            panic!("a bug inside a write")
        });
    }));
    assert!(panicked.is_err());
    assert_eq!(pumps(&store), 0);
    store.write(insert_pump).unwrap();
    assert_eq!(pumps(&store), 1);
}

mod upgrades {
    //! Every released schema is kept as a database file written at that version, with rows in
    //! every table it has (`fixtures/schema-vN.sqlite3`; `fixtures/README.md` says how they are
    //! made). Each must upgrade to the schema a fresh file gets, with every row intact.

    use std::collections::BTreeMap;

    use rusqlite::types::Value;

    use super::*;

    const FIXTURES: &[(u32, &[u8])] = &[
        (1, include_bytes!("fixtures/schema-v1.sqlite3")),
        (2, include_bytes!("fixtures/schema-v2.sqlite3")),
        (3, include_bytes!("fixtures/schema-v3.sqlite3")),
        (4, include_bytes!("fixtures/schema-v4.sqlite3")),
        (5, include_bytes!("fixtures/schema-v5.sqlite3")),
        (6, include_bytes!("fixtures/schema-v6.sqlite3")),
        (7, include_bytes!("fixtures/schema-v7.sqlite3")),
        (8, include_bytes!("fixtures/schema-v8.sqlite3")),
        (9, include_bytes!("fixtures/schema-v9.sqlite3")),
        (10, include_bytes!("fixtures/schema-v10.sqlite3")),
        (11, include_bytes!("fixtures/schema-v11.sqlite3")),
        (12, include_bytes!("fixtures/schema-v12.sqlite3")),
        (13, include_bytes!("fixtures/schema-v13.sqlite3")),
        (14, include_bytes!("fixtures/schema-v14.sqlite3")),
        (15, include_bytes!("fixtures/schema-v15.sqlite3")),
        (16, include_bytes!("fixtures/schema-v16.sqlite3")),
    ];

    fn schema(conn: &Connection) -> Vec<(String, String)> {
        let mut stmt = conn
            .prepare("SELECT name, sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    type Rows = Vec<BTreeMap<String, Value>>;

    /// Every table's rows, each as column → value, in a stable order.
    fn tables(conn: &Connection) -> BTreeMap<String, Rows> {
        let names: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        names
            .into_iter()
            .map(|t| {
                let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
                let columns: Vec<String> =
                    stmt.column_names().into_iter().map(str::to_owned).collect();
                let mut rows: Rows = stmt
                    .query_map([], |r| {
                        columns
                            .iter()
                            .enumerate()
                            .map(|(i, c)| Ok((c.clone(), r.get::<_, Value>(i)?)))
                            .collect::<rusqlite::Result<BTreeMap<_, _>>>()
                    })
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                rows.sort_by_key(|r| format!("{r:?}"));
                (t, rows)
            })
            .collect()
    }

    #[test]
    fn there_is_a_fixture_for_every_released_schema() {
        let versions: Vec<u32> = FIXTURES.iter().map(|(v, _)| *v).collect();
        assert_eq!(versions, (1..=schema_version()).collect::<Vec<_>>());
    }

    #[test]
    fn every_old_schema_upgrades_to_the_fresh_one_with_every_row_intact() {
        let fresh_dir = tempfile::tempdir().unwrap();
        let fresh = Store::open_in_dir(fresh_dir.path()).unwrap();
        let fresh_schema = fresh.read(|c| Ok::<_, StoreError>(schema(c))).unwrap();
        for (version, bytes) in FIXTURES {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join(DB_FILE), bytes).unwrap();
            let before = {
                let c = Connection::open(dir.path().join(DB_FILE)).unwrap();
                let v: u32 = c
                    .pragma_query_value(None, "user_version", |r| r.get(0))
                    .unwrap();
                assert_eq!(v, *version);
                tables(&c)
            };
            for (table, rows) in &before {
                // legacy_* tables hold what the app moves out on open (v8: private keys).
                assert!(
                    !rows.is_empty() || table.starts_with("legacy_"),
                    "v{version}: the fixture's {table} has rows"
                );
            }
            let upgraded = Store::open_in_dir(dir.path()).unwrap();
            assert_eq!(
                upgraded.read(|c| Ok::<_, StoreError>(schema(c))).unwrap(),
                fresh_schema,
                "schema v{version}"
            );
            let after = upgraded.read(|c| Ok::<_, StoreError>(tables(c))).unwrap();
            for (table, rows) in &before {
                let now = &after[table];
                assert_eq!(now.len(), rows.len(), "v{version}: {table} keeps every row");
                // Columns added later get their default, a column moved out (v8: the clinic's
                // private key, now in legacy_clinic_keys until the app moves it) is gone; every
                // other column keeps its value.
                let shared = |r: &BTreeMap<String, Value>, other: &BTreeMap<String, Value>| {
                    let mut kept: BTreeMap<String, Value> = r.clone();
                    kept.retain(|c, _| other.contains_key(c));
                    kept
                };
                let columns_now = now.first().cloned().unwrap_or_default();
                let mut kept: Rows = now.iter().map(|r| shared(r, &rows[0])).collect();
                let mut was: Rows = rows.iter().map(|r| shared(r, &columns_now)).collect();
                kept.sort_by_key(|r| format!("{r:?}"));
                was.sort_by_key(|r| format!("{r:?}"));
                assert_eq!(kept, was, "v{version}: {table} rows intact");
            }
            if let Some(moved) = before
                .get("clinic_keys")
                .filter(|rows| rows[0].contains_key("private_pkcs8"))
            {
                assert_eq!(
                    after["legacy_clinic_keys"].len(),
                    moved.len(),
                    "v{version}: the private keys wait in legacy_clinic_keys for the app"
                );
            }
        }
    }
}

#[test]
fn reads_on_the_writer_keep_their_statements_compiled() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_dir(dir.path()).unwrap();
    store.write(insert_pump).unwrap();
    let recompiled = || {
        store
            .read(|c| {
                let mut stmt = c.prepare_cached("SELECT count(*) FROM pumps")?;
                let n: i64 = stmt.query_row([], |r| r.get(0))?;
                assert_eq!(n, 1);
                Ok::<_, StoreError>(stmt.get_status(rusqlite::StatementStatus::RePrepare))
            })
            .unwrap()
    };
    assert!(store.reader.get().is_none(), "the reads borrow the writer");
    recompiled();
    assert_eq!(
        recompiled(),
        0,
        "a read must not expire the cached statements"
    );
}

#[test]
fn deleting_the_files_removes_the_database_its_journal_and_what_was_kept_aside() {
    let dir = tempfile::tempdir().unwrap();
    // A garbage file kept aside by an earlier open.
    std::fs::write(dir.path().join(DB_FILE), b"not a database").unwrap();
    assert!(matches!(
        Store::open_in_dir(dir.path()),
        Err(StoreError::KeptAside { .. })
    ));
    let store = Store::open_in_dir(dir.path()).unwrap();
    store.write(insert_pump).unwrap();
    assert!(dir.path().join(DAMAGED_DIR).is_dir());

    let mut removed = 0;
    store.delete_files(&mut removed).unwrap();
    // The database and the file kept aside (closing the last connection removed the WAL and
    // shared-memory files already).
    assert_eq!(removed, 2);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    let read = store.read(|c| Ok::<_, StoreError>(c.is_autocommit()));
    assert!(
        matches!(&read, Err(StoreError::CannotOpen { reason }) if reason.contains("deleted")),
        "{read:?}"
    );
    assert!(store.write(insert_pump).is_err());
    assert!(store.is_deleted());
    store.delete_files(&mut removed).unwrap();
    assert_eq!(removed, 2, "again: nothing left");
}
