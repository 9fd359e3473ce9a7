//! The SQLite store: one writer connection and one reader, WAL, versioned migrations, every
//! write in a transaction. Data is stored here before it is shown or sent.
//!
//! Times are stored as UTC milliseconds since the Unix epoch (finer precision is dropped).
//!
//! Functions that write take a [`rusqlite::Transaction`]; functions that read take a
//! [`rusqlite::Connection`], so the same code serves the writer and the reader.

mod card;
mod diary;
mod error;
mod events;
mod pumps;
mod readings;
mod recovery;
mod therapy;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use rusqlite_migration::{M, Migrations};

pub use card::{
    all_keys, clinic_key_pkcs8, insert_clinic_key, insert_mri_scan, load_card, mark_pump_checked,
    mri_scans, pending_mri_follow_ups, save_card, set_signed_card, trust_issuer, trusted_issuer,
};
pub use diary::{
    EntryKind, EntryOutcome, Grouping, MedicationAggregate, PainAggregate, entry_history,
    insert_medication, insert_pain, latest_pain, medication_aggregates, medication_between,
    medication_by_id, pain_aggregates, pain_between, pain_by_id, purge_deleted, record_change,
    restore, soft_delete, update_medication, update_pain, usual_doses,
};
pub use error::StoreError;
pub use events::{
    AlarmRecord, acknowledge_in_app, alarm_history, events_after, extend_history_sync,
    history_synced_through, insert_event, open_alarms,
};
pub use pumps::{all_pumps, pump_by_serial, upsert_pump};
pub use readings::{insert_reading, latest_reading, readings_between};
pub use recovery::{
    PlanRow, all_reminders, checklist_ticks, delete_reminder, fired_since, insert_reminder,
    insert_symptom, last_reminder_check, mark_fired, recovery_plan, set_last_reminder_check,
    set_plan, set_tick, symptom_by_id, symptoms_between, update_symptom,
};
pub use therapy::{
    FUTURE_TOLERANCE, PumpSettings, RefillEntry, RefillPlace, RefillRecord, RefillSource,
    battery_history, first_battery_indicator, first_reading_since, last_battery_replaced,
    last_refill, pump_settings, record_refill, refill_log, set_pump_settings,
};

/// Every schema change, in order. Never edit a released migration: add a new one.
const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("migrations/0001_pumps_and_readings.sql")),
    M::up(include_str!("migrations/0002_pump_events_and_alarms.sql")),
    M::up(include_str!("migrations/0003_history_sync_mark.sql")),
    M::up(include_str!("migrations/0004_therapy.sql")),
    M::up(include_str!("migrations/0005_diary.sql")),
    M::up(include_str!("migrations/0006_recovery.sql")),
    M::up(include_str!("migrations/0007_card.sql")),
];

/// The schema version this build writes and understands.
#[must_use]
pub fn schema_version() -> u32 {
    u32::try_from(MIGRATIONS.len()).unwrap_or(u32::MAX)
}

/// The database file inside the app's data folder.
pub const DB_FILE: &str = "thecal.sqlite3";

/// The open store: one writer connection, and a reader connection opened the first time a read
/// would otherwise wait for a write (so opening the app costs one connection, not two).
#[derive(Debug)]
pub struct Store {
    writer: Mutex<Connection>,
    reader: OnceLock<Mutex<Connection>>,
    path: PathBuf,
}

impl Store {
    /// Opens (or creates) the store at `path`, upgrading an older schema.
    ///
    /// # Errors
    /// [`StoreError::NewerVersion`] if a newer app wrote the file (it is left untouched),
    /// [`StoreError::CannotOpen`] / [`StoreError::Corrupt`] if it cannot be used.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let mut writer = Connection::open(path).map_err(|e| StoreError::CannotOpen {
            reason: e.to_string(),
        })?;
        configure(&writer)?;
        let found: u32 = writer.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if found > schema_version() {
            return Err(StoreError::NewerVersion {
                found,
                supported: schema_version(),
            });
        }
        if found < schema_version() {
            // WAL is a property of the file: set once, when the file is created or upgraded.
            writer.pragma_update(None, "journal_mode", "WAL")?;
            Migrations::from_slice(MIGRATIONS).to_latest(&mut writer)?;
            tracing::info!(from = found, to = schema_version(), "store upgraded");
        }
        Ok(Self {
            writer: Mutex::new(writer),
            reader: OnceLock::new(),
            path: path.to_owned(),
        })
    }

    fn open_reader(&self) -> Result<Connection, StoreError> {
        let reader = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::CannotOpen {
            reason: e.to_string(),
        })?;
        configure(&reader)?;
        reader.pragma_update(None, "query_only", true)?;
        Ok(reader)
    }

    /// Opens the store in the app's data folder `dir` (creating the folder if needed).
    ///
    /// # Errors
    /// As [`Store::open`].
    pub fn open_in_dir(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::CannotOpen {
            reason: e.to_string(),
        })?;
        Self::open(&dir.join(DB_FILE))
    }

    /// Where the database file is.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in one immediate transaction on the writer and commits it; on any error nothing
    /// of `f` is kept.
    ///
    /// # Errors
    /// The error of `f`, or of the commit.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` for reading: on the reader connection if it is open; else on the writer if no
    /// write is running; else the reader is opened now, so a read never waits for a write.
    ///
    /// # Errors
    /// The error of `f`.
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if self.reader.get().is_none()
            && let Ok(writer) = self.writer.try_lock()
        {
            // Borrowed for reading: it cannot write meanwhile, as the reader could not.
            writer.pragma_update(None, "query_only", true)?;
            let out = f(&writer);
            writer.pragma_update(None, "query_only", false)?;
            return out;
        }
        if self.reader.get().is_none() {
            let reader = self.open_reader()?;
            let _ = self.reader.set(Mutex::new(reader));
        }
        match self.reader.get() {
            Some(reader) => f(&lock(reader)),
            None => Err(StoreError::Internal {
                context: "opening the reader".into(),
            }),
        }
    }
}

/// A poisoned lock means a panic happened mid-call on another thread; SQLite rolled back that
/// transaction, so the connection is still sound to use.
fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // FULL: a commit survives power loss too, not only an app kill.
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        Migrations::from_slice(MIGRATIONS).validate().unwrap();
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
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn reopening_keeps_the_schema_and_data() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open_in_dir(dir.path()).unwrap();
            store
                .write(|tx| upsert_pump(tx, &crate::model::test_device(), chrono::Utc::now()))
                .unwrap();
        }
        let store = Store::open_in_dir(dir.path()).unwrap();
        assert_eq!(store.read(all_pumps).unwrap().len(), 1);
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
        assert!(err.to_string().contains("Update the app"));
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "the newer file must not be changed"
        );
    }

    #[test]
    fn a_file_that_is_not_a_database_is_reported_as_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        std::fs::write(
            &path,
            b"this is not sqlite, it is a text file of some length....",
        )
        .unwrap();
        assert!(matches!(
            Store::open(&path),
            Err(StoreError::Corrupt { .. })
        ));
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
            upsert_pump(tx, &crate::model::test_device(), chrono::Utc::now())?;
            Err(StoreError::Busy)
        });
        assert_eq!(res, Err(StoreError::Busy));
        assert!(store.read(all_pumps).unwrap().is_empty());
    }

    #[test]
    fn the_reader_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in_dir(dir.path()).unwrap();
        // Through the idle writer (no reader opened yet)...
        let res = store.read(|c| Ok(c.execute("DELETE FROM pumps", [])?));
        assert!(res.is_err());
        // ...and writes still work afterwards.
        store
            .write(|tx| upsert_pump(tx, &crate::model::test_device(), chrono::Utc::now()))
            .unwrap();
        // Through the reader, opened when the writer is busy.
        let guard = store.writer.lock().unwrap();
        let res = store.read(|c| Ok(c.execute("DELETE FROM pumps", [])?));
        assert!(res.is_err());
        let n = store
            .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM pumps", [], |r| r.get::<_, i64>(0))?));
        assert_eq!(n, Ok(1), "a read does not wait for the busy writer");
        drop(guard);
    }
}

#[cfg(test)]
mod upgrade_tests {
    use super::*;

    /// Every released schema, kept as a database file written by that version.
    const FIXTURES: &[(u32, &[u8])] = &[(1, include_bytes!("fixtures/schema-v1.sqlite3"))];

    fn schema(conn: &Connection) -> Vec<(String, String)> {
        let mut stmt = conn
            .prepare("SELECT name, sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn every_old_schema_upgrades_to_the_fresh_one_and_keeps_its_data() {
        let fresh_dir = tempfile::tempdir().unwrap();
        let fresh = Store::open_in_dir(fresh_dir.path()).unwrap();
        let fresh_schema = fresh.read(|c| Ok(schema(c))).unwrap();
        for (version, bytes) in FIXTURES {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join(DB_FILE), bytes).unwrap();
            let old: u32 = Connection::open(dir.path().join(DB_FILE))
                .unwrap()
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .unwrap();
            assert_eq!(old, *version);
            let upgraded = Store::open_in_dir(dir.path()).unwrap();
            assert_eq!(
                upgraded.read(|c| Ok(schema(c))).unwrap(),
                fresh_schema,
                "schema v{version}"
            );
            let pumps = upgraded.read(all_pumps).unwrap();
            assert_eq!(pumps.len(), 1, "v{version}: pumps kept");
            let reading = upgraded
                .read(|c| latest_reading(c, &pumps[0].serial))
                .unwrap();
            assert_eq!(
                reading.map(|r| r.reservoir_volume.microliters),
                Some(12_000)
            );
        }
    }
}
