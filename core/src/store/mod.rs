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

pub mod copy;
mod error;
pub mod journal;
mod secrets;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use rusqlite_migration::{M, Migrations};

pub use error::StoreError;
pub use secrets::{SecretStore, SecretStoreError};

// Every schema change, in order (`migrations/NNNN_*.sql`; never edit a released one: add a new
// one). Compiled in deflated (`core/build.rs`): the files in order, NUL between them.
static PACKED_MIGRATIONS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/migrations.sql.z"));
include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// The schema version this build writes and understands.
#[must_use]
pub fn schema_version() -> u32 {
    u32::try_from(MIGRATION_COUNT).unwrap_or(u32::MAX)
}

/// Every migration, inflated the first time a database is created or upgraded.
fn migrations() -> Result<Migrations<'static>, StoreError> {
    static TEXT: OnceLock<Option<String>> = OnceLock::new();
    let text = TEXT
        .get_or_init(|| {
            let bytes = miniz_oxide::inflate::decompress_to_vec(PACKED_MIGRATIONS).ok()?;
            String::from_utf8(bytes).ok()
        })
        .as_deref()
        .ok_or_else(|| StoreError::Unexpected {
            context: "reading the schema built into the app".into(),
        })?;
    let steps: Vec<M<'static>> = text.split('\0').map(M::up).collect();
    debug_assert_eq!(steps.len(), MIGRATION_COUNT);
    Ok(Migrations::new(steps))
}

/// The database file inside the app's data folder.
pub const DB_FILE: &str = "thecal.sqlite3";

/// The folder, next to the database file, where a file that is not a database is kept aside
/// (never overwritten, never deleted by the app) for a restore or for support.
pub const DAMAGED_DIR: &str = "damaged";

/// The open store: one writer connection, and a reader connection opened the first time a read
/// would otherwise wait for a write (so opening the app costs one connection, not two).
#[derive(Debug)]
pub struct Store {
    writer: Mutex<Connection>,
    reader: OnceLock<Mutex<Connection>>,
    path: PathBuf,
    /// Fault injection: while set, every write fails as on a full disk.
    simulate_full: std::sync::atomic::AtomicBool,
    /// Set by [`Store::delete_files`]: every later read and write fails.
    deleted: std::sync::atomic::AtomicBool,
}

impl Store {
    /// Opens (or creates) the store at `path`, upgrading an older schema.
    ///
    /// # Errors
    /// [`StoreError::NewerVersion`] if a newer app wrote the file (it is left untouched),
    /// [`StoreError::CannotOpen`] / [`StoreError::Corrupt`] if it cannot be used.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        create_private_file(path)?;
        // A file that is not a database is kept aside before SQLite touches it or its -wal.
        if !has_sqlite_header(path) {
            return Err(keep_aside(path));
        }
        let mut writer = Connection::open(path).map_err(|e| cannot_open(path, &e))?;
        // The first statements read the file's header: a file that is not a database, or a
        // folder that cannot be written, shows here.
        let first = configure_raw(&writer)
            .and_then(|()| writer.pragma_query_value(None, "user_version", |r| r.get(0)));
        let found: u32 = match first {
            Ok(v) => v,
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
                drop(writer);
                return Err(keep_aside(path));
            }
            Err(e) => return Err(opening_error(path, e)),
        };
        if writer.is_readonly(rusqlite::MAIN_DB).unwrap_or(true) {
            return Err(StoreError::CannotOpen {
                reason: "the data folder is read-only".into(),
            });
        }
        if found > schema_version() {
            return Err(StoreError::NewerVersion {
                found,
                supported: schema_version(),
            });
        }
        if found < schema_version() {
            // WAL is a property of the file: set once, when the file is created or upgraded.
            writer.pragma_update(None, "journal_mode", "WAL")?;
            migrations()?.to_latest(&mut writer)?;
            tracing::info!(from = found, to = schema_version(), "store upgraded");
        }
        Ok(Self {
            writer: Mutex::new(writer),
            reader: OnceLock::new(),
            path: path.to_owned(),
            simulate_full: std::sync::atomic::AtomicBool::new(false),
            deleted: std::sync::atomic::AtomicBool::new(false),
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
        create_private_dir(dir)?;
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
        let (mut f, mut out) = (Some(f), None);
        self.write_erased(&mut |tx| {
            out = f.take().map(|f| f(tx));
            matches!(out, Some(Ok(_)))
        })?;
        out.unwrap_or_else(|| Err(not_run().into()))
    }

    /// [`Store::write`] for any `f` (one copy of the transaction's code for every caller):
    /// commits if `f` says so.
    fn write_erased(&self, f: &mut dyn FnMut(&Transaction<'_>) -> bool) -> Result<(), StoreError> {
        if self.simulate_full.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(StoreError::Full);
        }
        let mut conn = lock(&self.writer);
        self.not_deleted()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if f(&tx) {
            tx.commit()?;
        }
        Ok(())
    }

    /// Runs `f` for reading: on the reader connection if it is open; else on the writer if no
    /// write is running (inside a read transaction that is always rolled back; a write in `f` is
    /// an error and nothing of it is kept, panics included); else the reader is opened now, so a
    /// read never waits for a write.
    ///
    /// # Errors
    /// The error of `f`.
    pub fn read<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        let (mut f, mut out) = (Some(f), None);
        self.read_erased(&mut |c| {
            out = f.take().map(|f| f(c));
            matches!(out, Some(Ok(_)))
        })?;
        out.unwrap_or_else(|| Err(not_run().into()))
    }

    /// [`Store::read`] for any `f` (one copy of the connection's choice for every caller); `f`
    /// says whether it succeeded.
    fn read_erased(&self, f: &mut dyn FnMut(&Connection) -> bool) -> Result<(), StoreError> {
        self.not_deleted()?;
        if self.reader.get().is_none()
            && let Ok(writer) = self.writer.try_lock()
        {
            return ReadOnlyWriter::new(writer)?.read(f);
        }
        if self.reader.get().is_none() {
            let reader = self.open_reader()?;
            let _ = self.reader.set(Mutex::new(reader));
        }
        match self.reader.get() {
            Some(reader) => {
                f(&lock(reader));
                Ok(())
            }
            None => Err(StoreError::Unexpected {
                context: "opening the reader".into(),
            }),
        }
    }
}

impl Store {
    /// Deletes the data for good (the patient's "delete all my data"): closes the file (each
    /// connection is swapped for an empty one in memory), then removes the database, its WAL
    /// and shared-memory files, and the files kept aside in [`DAMAGED_DIR`]. Every later read or
    /// write fails with [`StoreError::CannotOpen`]; opening the folder again starts afresh.
    /// Adds each file it removes to `removed`, also when a later one then fails; trying again
    /// after a failure removes what is left.
    ///
    /// # Errors
    /// [`StoreError::CannotOpen`] naming what could not be removed (no data in the reason).
    pub fn delete_files(&self, removed: &mut u32) -> Result<(), StoreError> {
        {
            let mut writer = lock(&self.writer);
            self.deleted
                .store(true, std::sync::atomic::Ordering::SeqCst);
            *writer = Connection::open_in_memory()?;
        }
        if let Some(reader) = self.reader.get() {
            *lock(reader) = Connection::open_in_memory()?;
        }
        let before = *removed;
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = self.path.clone().into_os_string();
            name.push(suffix);
            *removed += remove_if_there(Path::new(&name))?;
        }
        if let Some(damaged) = self.path.parent().map(|dir| dir.join(DAMAGED_DIR))
            && damaged.is_dir()
        {
            for entry in std::fs::read_dir(&damaged).map_err(|e| not_removed(&damaged, &e))? {
                let entry = entry.map_err(|e| not_removed(&damaged, &e))?;
                *removed += remove_if_there(&entry.path())?;
            }
            std::fs::remove_dir(&damaged).map_err(|e| not_removed(&damaged, &e))?;
        }
        tracing::info!(files = *removed - before, "the data files were deleted");
        Ok(())
    }

    /// Whether [`Store::delete_files`] was called (its files may not all be gone if it failed).
    #[must_use]
    pub fn is_deleted(&self) -> bool {
        self.deleted.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn not_deleted(&self) -> Result<(), StoreError> {
        if self.deleted.load(std::sync::atomic::Ordering::SeqCst) {
            Err(StoreError::CannotOpen {
                reason: "this data was deleted; open Thecal again to start afresh".into(),
            })
        } else {
            Ok(())
        }
    }
}

/// Removes the file at `path`: 1 if it was there, 0 if not.
fn remove_if_there(path: &Path) -> Result<u32, StoreError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(1),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(not_removed(path, &e)),
    }
}

fn not_removed(path: &Path, e: &std::io::Error) -> StoreError {
    StoreError::CannotOpen {
        reason: format!(
            "{} could not be deleted: {e}",
            path.file_name().map_or_else(
                || "a data file".into(),
                |n| n.to_string_lossy().into_owned()
            )
        ),
    }
}

/// What [`Store::read`] and [`Store::write`] answer if their function was not run (never: the
/// erased calls run it exactly once unless they fail first).
fn not_run() -> StoreError {
    StoreError::Unexpected {
        context: "a storage call did not run".into(),
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

/// The writer lent for reading, inside a read transaction that is always rolled back: the
/// read sees one consistent state, and nothing it might write is ever kept (a write is reported
/// as an error). `PRAGMA query_only` would do the same but expires every prepared statement each
/// time it is switched, so every read would compile its statements again.
struct ReadOnlyWriter<'a> {
    conn: MutexGuard<'a, Connection>,
}

impl<'a> ReadOnlyWriter<'a> {
    fn new(conn: MutexGuard<'a, Connection>) -> Result<Self, StoreError> {
        conn.prepare_cached("BEGIN DEFERRED")?.execute([])?;
        Ok(Self { conn })
    }

    /// Runs the read, then checks that it wrote nothing (if it succeeded: a failed read's error
    /// is the caller's).
    fn read(self, f: &mut dyn FnMut(&Connection) -> bool) -> Result<(), StoreError> {
        if !f(&self.conn) {
            return Ok(());
        }
        // Any write statement, even one that changed no row, makes it a write transaction.
        let state = self.conn.transaction_state(Some(rusqlite::MAIN_DB))?;
        if state == rusqlite::TransactionState::Write {
            return Err(StoreError::Unexpected {
                context: "a read tried to write; nothing was kept".into(),
            });
        }
        Ok(())
    }
}

impl Drop for ReadOnlyWriter<'_> {
    fn drop(&mut self) {
        let rolled_back = self
            .conn
            .prepare_cached("ROLLBACK")
            .and_then(|mut s| s.execute([]));
        if let Err(e) = rolled_back {
            tracing::error!(error = %e, "could not end a read on the writer");
        }
    }
}

/// A poisoned lock means a panic happened mid-call on another thread; SQLite rolled back that
/// transaction, so the connection is still sound to use.
fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    Ok(configure_raw(conn)?)
}

fn configure_raw(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // FULL: a commit survives power loss too, not only an app kill.
    conn.pragma_update(None, "synchronous", "FULL")?;
    // What is deleted is overwritten, not left in free pages (health data, moved keys).
    conn.pragma_update(None, "secure_delete", true)
}

/// A failure to open: SQLite says only "unable to open database file", so the file itself is
/// tried for writing to tell the person why (a read-only folder, no permission).
fn cannot_open(path: &Path, e: &rusqlite::Error) -> StoreError {
    let reason = match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
    {
        Err(io) => io_reason(&io),
        Ok(_) => match path.parent().map(std::fs::metadata) {
            Some(Ok(meta)) if meta.permissions().readonly() => {
                "the data folder is read-only".into()
            }
            _ => e.to_string(),
        },
    };
    StoreError::CannotOpen { reason }
}

/// An error of the first statements on a newly opened file, with the reason a person can act
/// on when the file cannot be opened or written.
fn opening_error(path: &Path, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(
            rusqlite::ErrorCode::CannotOpen
            | rusqlite::ErrorCode::ReadOnly
            | rusqlite::ErrorCode::PermissionDenied,
        ) => cannot_open(path, &e),
        _ => e.into(),
    }
}

/// Creates the data folder (and its parents) readable by the app's user only.
fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| StoreError::CannotOpen {
        reason: io_reason(&e),
    })
}

/// Creates the database file, if missing, readable and writable by the app's user only: SQLite
/// gives its `-wal` and `-shm` files the same permissions. A file an older version created is
/// narrowed to the same permissions.
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        match std::fs::metadata(path) {
            Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                // Best effort: a file that cannot be changed is reported when it is opened.
                let narrowed = meta.permissions().mode() & 0o700;
                let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(narrowed));
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(path)
                    .map_err(|e| StoreError::CannotOpen {
                        reason: io_reason(&e),
                    })?;
            }
            Err(e) => {
                return Err(StoreError::CannotOpen {
                    reason: io_reason(&e),
                });
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Whether the file at `path` is empty (a new database) or starts as every SQLite database
/// does. A file that cannot be read is left for SQLite to report.
fn has_sqlite_header(path: &Path) -> bool {
    use std::io::Read;
    const MAGIC: &[u8; 16] = b"SQLite format 3\0";
    let Ok(file) = std::fs::File::open(path) else {
        return true;
    };
    let mut head = Vec::with_capacity(MAGIC.len());
    match file.take(16).read_to_end(&mut head) {
        Ok(_) => head.is_empty() || head == MAGIC,
        Err(_) => true,
    }
}

/// The system's reason for an I/O failure, in words a person can act on.
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => "the app may not write to its data folder".into(),
        std::io::ErrorKind::ReadOnlyFilesystem => "the data folder is read-only".into(),
        std::io::ErrorKind::StorageFull => "the phone's storage is full".into(),
        _ => e.to_string(),
    }
}

/// Moves a file that is not a database (and its `-wal` and `-shm` files) into
/// [`DAMAGED_DIR`] under a name no other file has, and says so: the next open starts a new
/// file, and the damaged one is never overwritten.
fn keep_aside(path: &Path) -> StoreError {
    let Some(dir) = path.parent() else {
        return StoreError::damaged("database file");
    };
    let aside = dir.join(DAMAGED_DIR);
    if let Err(e) = create_private_dir(&aside) {
        tracing::error!(error = %e, "cannot create the folder for the damaged file");
        return StoreError::damaged("database file");
    }
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let name = (0..1000u32)
        .map(|n| format!("{DB_FILE}.{stamp}-{n}"))
        .find(|n| !aside.join(n).exists());
    let Some(name) = name else {
        return StoreError::damaged("database file");
    };
    if let Err(e) = std::fs::rename(path, aside.join(&name)) {
        tracing::error!(error = %e, "cannot move the damaged file aside");
        return StoreError::damaged("database file");
    }
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let side = PathBuf::from(side);
        if side.exists() {
            let mut to = aside.join(&name).into_os_string();
            to.push(suffix);
            let _ = std::fs::rename(&side, to);
        }
    }
    tracing::warn!(kept_as = %name, "a data file that is not a database was kept aside");
    StoreError::KeptAside {
        name: format!("{DAMAGED_DIR}/{name}"),
    }
}

#[cfg(test)]
mod tests;
