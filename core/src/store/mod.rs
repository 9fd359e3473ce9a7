//! Layer 3: the SQLite store, infrastructure only. One writer connection and a reader opened on
//! demand, WAL, `synchronous=FULL`, versioned migrations, every write in one transaction, and
//! the generic helper for journaled, soft-deletable entries ([`journal`]). Data is stored here
//! before it is shown or sent.
//!
//! The features own their tables' SQL next to themselves (`diary/db.rs`, `therapy/db/`…); the
//! schema of every table is in the numbered migrations here (`migrations/*.sql`), because their
//! order is one for the whole file. Times are stored as UTC milliseconds since the Unix epoch.
//!
//! Functions that write take a [`rusqlite::Transaction`]; functions that read take a
//! [`rusqlite::Connection`], so the same code serves the writer and the reader.

mod error;
pub mod journal;
mod secrets;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use rusqlite_migration::{M, Migrations};

pub use error::StoreError;
pub use secrets::{SecretStore, SecretStoreError};

/// Every schema change, in order. Never edit a released migration: add a new one.
const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("migrations/0001_pumps_and_readings.sql")),
    M::up(include_str!("migrations/0002_pump_events_and_alarms.sql")),
    M::up(include_str!("migrations/0003_history_sync_mark.sql")),
    M::up(include_str!("migrations/0004_therapy.sql")),
    M::up(include_str!("migrations/0005_diary.sql")),
    M::up(include_str!("migrations/0006_recovery.sql")),
    M::up(include_str!("migrations/0007_card.sql")),
    M::up(include_str!(
        "migrations/0008_clinic_keys_leave_the_database.sql"
    )),
    M::up(include_str!(
        "migrations/0009_refill_check_and_battery_load.sql"
    )),
    M::up(include_str!("migrations/0010_pump_pairing.sql")),
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
    /// Fault injection: while set, every write fails as on a full disk.
    simulate_full: std::sync::atomic::AtomicBool,
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
            simulate_full: std::sync::atomic::AtomicBool::new(false),
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

    /// Runs `f` in one immediate transaction on the writer and commits it; on any error (or a
    /// panic) nothing of `f` is kept.
    ///
    /// # Errors
    /// The error of `f`, or of the commit.
    pub fn write<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        if self.simulate_full.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(StoreError::Full.into());
        }
        let mut conn = lock(&self.writer);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let out = f(&tx)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(out)
    }

    /// Runs `f` for reading: on the reader connection if it is open; else on the writer if no
    /// write is running (switched to `query_only` for the call, and back whatever `f` does,
    /// panics included); else the reader is opened now, so a read never waits for a write.
    ///
    /// # Errors
    /// The error of `f`.
    pub fn read<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        if self.reader.get().is_none()
            && let Ok(writer) = self.writer.try_lock()
        {
            let borrowed = ReadOnlyWriter::new(writer)?;
            return f(&borrowed.0);
        }
        if self.reader.get().is_none() {
            let reader = self.open_reader()?;
            let _ = self.reader.set(Mutex::new(reader));
        }
        match self.reader.get() {
            Some(reader) => f(&lock(reader)),
            None => Err(StoreError::Unexpected {
                context: "opening the reader".into(),
            }
            .into()),
        }
    }
}

impl Store {
    /// Fault injection for tests and demos: while `full` is set, every write fails with
    /// [`StoreError::Full`] (nothing is written), as on a phone whose storage is full; reads
    /// work. Never set by the app itself.
    pub fn simulate_full_disk(&self, full: bool) {
        self.simulate_full
            .store(full, std::sync::atomic::Ordering::SeqCst);
    }

    /// Copies every committed page from the WAL into the database file and empties the WAL, so
    /// that no old version of a page (one that held a deleted secret) stays in it.
    ///
    /// # Errors
    /// A storage error.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        let conn = lock(&self.writer);
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            let busy: i64 = r.get(0)?;
            Ok(busy)
        })
        .map_err(StoreError::from)
        .and_then(|busy| {
            if busy == 0 {
                Ok(())
            } else {
                Err(StoreError::Busy)
            }
        })
    }
}

/// The writer lent for reading: `query_only` while borrowed, switched back when dropped, even
/// when the read panics (a writer left read-only would refuse every later write).
struct ReadOnlyWriter<'a>(MutexGuard<'a, Connection>);

impl<'a> ReadOnlyWriter<'a> {
    fn new(writer: MutexGuard<'a, Connection>) -> Result<Self, StoreError> {
        writer.pragma_update(None, "query_only", true)?;
        Ok(Self(writer))
    }
}

impl Drop for ReadOnlyWriter<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.0.pragma_update(None, "query_only", false) {
            tracing::error!(error = %e, "could not switch the writer back from query_only");
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
    // What is deleted is overwritten, not left in free pages (health data, moved keys).
    conn.pragma_update(None, "secure_delete", true)?;
    Ok(())
}

#[cfg(test)]
mod tests;
