//! Encrypted backups of the whole store, and their restore.
//!
//! A backup is one file in the age format (age-encryption.org/v1) with a passphrase (scrypt)
//! recipient, so the reference `age` tool can decrypt it too. Its plaintext is:
//!
//! ```text
//! thecal-backup 1\n            the format and its version
//! {"format":1,...}\n           the manifest (one line of JSON: Manifest)
//! <the SQLite database file>   a consistent snapshot, made with SQLite's backup API
//! ```
//!
//! Making one never disturbs the app: the snapshot is one read transaction, and the file is
//! written under a temporary name, synced, then renamed, so a file with the backup's name is
//! always a whole backup. Restoring checks everything before anything is replaced: the
//! passphrase, age's authentication of every chunk and of the end of the file, the manifest
//! (format, schema version, size and SHA-256 of the database, row count of every table), and
//! SQLite's integrity check; it then upgrades an older schema, and only then replaces the
//! store's content in one transaction ([`Store::replace_with`]).
//!
//! Private keys are in the platform's key store, never in the database, so never in a backup.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::model::{InvalidInput, UtcDateTime};
use crate::store::{Store, StoreError, copy, schema_version};

/// The version of the backup format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The first line of a backup's plaintext, before its version number.
const MAGIC: &str = "thecal-backup ";

/// The scrypt work factor of the backups the app makes (N = 2^16, r = 8: 64 MiB of memory,
/// a fraction of a second on a phone). The reference `age` tool picks about a second of the
/// computer's time instead; a phone cannot spare its memory.
pub const PHONE_WORK_FACTOR: u8 = 16;

/// The highest scrypt work factor a restore accepts (N = 2^18: 256 MiB): a file asking for
/// more is not one of ours and would exhaust the phone.
pub const MAX_WORK_FACTOR: u8 = 18;

/// The shortest passphrase a new backup accepts, in characters.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// The longest manifest line read, in bytes (a manifest is a few hundred).
const MAX_MANIFEST_BYTES: u64 = 64 * 1024;

/// Prefixes of the temporary files made in the data folder; a leftover of a killed process is
/// removed by the next backup or restore.
const SNAPSHOT_PREFIX: &str = "backup-snapshot-";
const CANDIDATE_PREFIX: &str = "restore-candidate-";

/// Why a backup or a restore failed (internal; `app::errors` maps it to `BackupError`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A value given is not valid (the passphrase).
    #[error("invalid input: {0}")]
    Invalid(#[from] InvalidInput),
    /// The backup file (or the temporary files beside the data) cannot be read or written.
    #[error("the file cannot be used: {reason}")]
    File {
        /// The system's reason.
        reason: String,
    },
    /// The passphrase does not open this backup.
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// The file is not a passphrase-protected Thecal backup.
    #[error("not a backup: {what}")]
    NotABackup {
        /// What is wrong (code words).
        what: &'static str,
    },
    /// The file is a backup, but truncated or altered.
    #[error("damaged backup: {what}")]
    Damaged {
        /// What did not check out (code words).
        what: &'static str,
    },
    /// The backup holds data of a newer schema than this build knows.
    #[error("backup of schema {found}, this build knows up to {supported}")]
    NewerVersion {
        /// The backup's schema version.
        found: u32,
        /// The newest this build knows.
        supported: u32,
    },
    /// The backup is in a newer format than this build reads.
    #[error("backup format {found}, this build reads up to {supported}")]
    NewerFormat {
        /// The backup's format version.
        found: u32,
        /// The newest this build reads.
        supported: u32,
    },
}

fn file_error(e: &std::io::Error) -> Error {
    Error::File {
        reason: super::file::reason(e, "the file does not exist"),
    }
}

/// What a backup holds, as written in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The backup format ([`FORMAT_VERSION`]).
    pub format: u32,
    /// The version of the core that made it.
    pub app_version: String,
    /// The schema version of the database inside.
    pub schema_version: u32,
    /// When it was made (UTC).
    pub created_at: UtcDateTime,
    /// The size of the database file inside, in bytes.
    pub database_bytes: u64,
    /// The SHA-256 of the database file inside, in lowercase hex.
    pub database_sha256: String,
    /// The number of rows of every table, by name.
    pub rows: BTreeMap<String, u64>,
}

/// What the app shows about a backup it made or restored.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BackupInfo {
    /// When the backup was made (UTC).
    pub created_at: UtcDateTime,
    /// The schema version of the data in it.
    pub schema_version: u32,
    /// The version of Thecal that made it.
    pub app_version: String,
    /// How many rows it holds, over every table.
    pub total_rows: u64,
    /// The size of the backup file, in bytes.
    pub file_bytes: u64,
}

impl BackupInfo {
    fn new(m: &Manifest, file_bytes: u64) -> Self {
        Self {
            created_at: m.created_at,
            schema_version: m.schema_version,
            app_version: m.app_version.clone(),
            total_rows: m.rows.values().sum(),
            file_bytes,
        }
    }
}

/// Checks a new backup's passphrase.
///
/// # Errors
/// [`InvalidInput`] for `passphrase` when it is shorter than [`MIN_PASSPHRASE_CHARS`].
pub fn check_passphrase(passphrase: &str) -> Result<(), InvalidInput> {
    if passphrase.trim().chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(InvalidInput::new(
            "passphrase",
            format!("must have at least {MIN_PASSPHRASE_CHARS} characters"),
        ));
    }
    Ok(())
}

/// Makes a backup of the whole store into the file `out` (replaced if it exists), encrypted
/// with `passphrase` at scrypt work factor `work_factor` ([`PHONE_WORK_FACTOR`] in the app).
/// The app keeps running meanwhile.
///
/// # Errors
/// [`Error::Invalid`] for a short passphrase, [`Error::File`] if `out` cannot be written, or a
/// storage error.
pub fn create(
    store: &Store,
    out: &Path,
    passphrase: &str,
    now: UtcDateTime,
    work_factor: u8,
) -> Result<BackupInfo, Error> {
    check_passphrase(passphrase)?;
    let dir = data_dir(store)?;
    remove_leftovers(&dir);
    let snapshot = TempFiles::new(&dir, SNAPSHOT_PREFIX);
    store.snapshot_to(&snapshot.path)?;
    write_backup(&snapshot.path, out, passphrase, now, work_factor)
}

/// Makes a backup of the database file `db` (which nothing writes meanwhile, e.g. a fixture of
/// an older schema) into `out`. The snapshot is made beside `out`.
///
/// # Errors
/// As [`create`].
pub fn create_from_file(
    db: &Path,
    out: &Path,
    passphrase: &str,
    now: UtcDateTime,
    work_factor: u8,
) -> Result<BackupInfo, Error> {
    check_passphrase(passphrase)?;
    let dir = parent(out)?;
    let snapshot = TempFiles::new(&dir, SNAPSHOT_PREFIX);
    copy::snapshot_file(db, &snapshot.path)?;
    write_backup(&snapshot.path, out, passphrase, now, work_factor)
}

/// Encrypts the standalone database file `snapshot` with its manifest into `out`, through a
/// temporary file renamed into place once whole and synced.
fn write_backup(
    snapshot: &Path,
    out: &Path,
    passphrase: &str,
    now: UtcDateTime,
    work_factor: u8,
) -> Result<BackupInfo, Error> {
    let manifest = {
        let conn = Connection::open_with_flags(snapshot, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(StoreError::from)?;
        let schema: u32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(StoreError::from)?;
        let rows = copy::row_counts(&conn)?;
        drop(conn);
        let (database_bytes, database_sha256) = hash_file(snapshot)?;
        Manifest {
            format: FORMAT_VERSION,
            app_version: env!("CARGO_PKG_VERSION").into(),
            schema_version: schema,
            created_at: now,
            database_bytes,
            database_sha256,
            rows,
        }
    };
    let partial = partial_name(out)?;
    let result = (|| {
        let file = super::file::private_file(&partial).map_err(|e| file_error(&e))?;
        let mut writer = super::age::encrypt(
            std::io::BufWriter::new(file),
            passphrase,
            work_factor.clamp(1, MAX_WORK_FACTOR),
        )
        .map_err(|e| file_error(&e))?;
        let line =
            serde_json::to_string(&manifest).map_err(|_| StoreError::encoding("manifest"))?;
        writeln!(writer, "{MAGIC}{FORMAT_VERSION}").map_err(|e| file_error(&e))?;
        writeln!(writer, "{line}").map_err(|e| file_error(&e))?;
        let mut db = File::open(snapshot).map_err(|e| file_error(&e))?;
        std::io::copy(&mut db, &mut writer).map_err(|e| file_error(&e))?;
        let file = writer
            .finish()
            .map_err(|e| file_error(&e))?
            .into_inner()
            .map_err(|e| file_error(e.error()))?;
        file.sync_all().map_err(|e| file_error(&e))?;
        Ok::<_, Error>(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, out).map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        file_error(&e)
    })?;
    sync_dir(&parent(out)?);
    let file_bytes = std::fs::metadata(out).map_err(|e| file_error(&e))?.len();
    Ok(BackupInfo::new(&manifest, file_bytes))
}

/// Restores the backup `input` into `store`: checks it whole (see the module's doc), upgrades
/// an older schema, then replaces the store's content in one transaction. On any error the
/// store is left as it was.
///
/// # Errors
/// [`Error::WrongPassphrase`], [`Error::NotABackup`], [`Error::Damaged`],
/// [`Error::NewerVersion`], [`Error::NewerFormat`], [`Error::File`], or a storage error.
pub fn restore(store: &Store, input: &Path, passphrase: &str) -> Result<BackupInfo, Error> {
    let dir = data_dir(store)?;
    remove_leftovers(&dir);
    let candidate = TempFiles::new(&dir, CANDIDATE_PREFIX);
    let manifest = unpack(input, passphrase, &candidate.path)?;
    // Upgrades an older schema in the candidate (the same migrations as the app's own file).
    drop(Store::open(&candidate.path).map_err(|e| match e {
        StoreError::Corrupt { .. } | StoreError::KeptAside { .. } => {
            Error::Damaged { what: "database" }
        }
        other => Error::Store(other),
    })?);
    store.replace_with(&candidate.path)?;
    let file_bytes = std::fs::metadata(input).map_err(|e| file_error(&e))?.len();
    Ok(BackupInfo::new(&manifest, file_bytes))
}

/// Decrypts and checks the backup `input` into the new database file `candidate`: on success
/// it is a sound database of the schema and rows the manifest says, not yet upgraded.
///
/// # Errors
/// As [`restore`].
pub fn unpack(input: &Path, passphrase: &str, candidate: &Path) -> Result<Manifest, Error> {
    let file = File::open(input).map_err(|e| file_error(&e))?;
    let plain = decrypt(BufReader::new(file), passphrase, MAX_WORK_FACTOR)?;
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let out = options.open(candidate).map_err(|e| file_error(&e))?;
    let mut out = std::io::BufWriter::new(out);
    let manifest = read_payload(plain, &mut out)?;
    let out = out.into_inner().map_err(|e| file_error(e.error()))?;
    out.sync_all().map_err(|e| file_error(&e))?;
    drop(out);
    check_database(candidate, &manifest)?;
    Ok(manifest)
}

/// Opens an age file encrypted with `passphrase` (at a work factor of at most
/// `max_work_factor`): the reader gives its plaintext, and fails (`InvalidData`) on any altered
/// or missing chunk.
///
/// # Errors
/// [`Error::NotABackup`] for a file that is not a passphrase-protected age file, or asks for
/// more work; [`Error::WrongPassphrase`]; [`Error::Damaged`] for a damaged header.
pub fn decrypt<R: BufRead>(
    input: R,
    passphrase: &str,
    max_work_factor: u8,
) -> Result<impl Read + use<R>, Error> {
    use super::age::AgeError;
    super::age::decrypt(input, passphrase, max_work_factor).map_err(|e| match e {
        AgeError::NotAge => Error::NotABackup {
            what: "not an age file",
        },
        AgeError::NotPassphrase => Error::NotABackup {
            what: "not protected by a passphrase",
        },
        AgeError::TooMuchWork(_) => Error::NotABackup {
            what: "asks for too much work",
        },
        AgeError::WrongPassphrase => Error::WrongPassphrase,
        AgeError::Header(_) => Error::Damaged { what: "header" },
        AgeError::Io(e) => file_error(&e),
    })
}

/// Reads a backup's plaintext: checks its first line and manifest, copies the database into
/// `out` and checks its size and SHA-256 against the manifest. Reads at most what the manifest
/// announces, plus one byte to see that nothing follows.
///
/// # Errors
/// [`Error::NotABackup`], [`Error::NewerFormat`], [`Error::NewerVersion`],
/// [`Error::Damaged`], or [`Error::File`] if `out` cannot be written.
pub fn read_payload(plain: impl Read, out: &mut impl Write) -> Result<Manifest, Error> {
    let mut plain = BufReader::new(plain);
    let first = read_line(&mut plain, 32)?.ok_or(Error::NotABackup {
        what: "no Thecal backup inside",
    })?;
    let version = first
        .strip_prefix(MAGIC)
        .and_then(|v| v.parse::<u32>().ok())
        .ok_or(Error::NotABackup {
            what: "no Thecal backup inside",
        })?;
    if version > FORMAT_VERSION {
        return Err(Error::NewerFormat {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    if version == 0 {
        return Err(Error::NotABackup {
            what: "no Thecal backup inside",
        });
    }
    let line =
        read_line(&mut plain, MAX_MANIFEST_BYTES)?.ok_or(Error::Damaged { what: "manifest" })?;
    let manifest: Manifest =
        serde_json::from_str(&line).map_err(|_| Error::Damaged { what: "manifest" })?;
    if manifest.format != version {
        return Err(Error::Damaged { what: "manifest" });
    }
    if manifest.schema_version > schema_version() {
        return Err(Error::NewerVersion {
            found: manifest.schema_version,
            supported: schema_version(),
        });
    }
    let mut hash = Sha256::new();
    let mut left = manifest.database_bytes;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let want = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
        // One byte more than announced shows a file longer than its manifest says.
        let n = read_some(&mut plain, &mut buf[..want.max(1)])?;
        if n == 0 {
            break;
        }
        if left == 0 {
            return Err(Error::Damaged {
                what: "database size",
            });
        }
        hash.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(|e| file_error(&e))?;
        left -= n as u64;
    }
    if left != 0 {
        return Err(Error::Damaged {
            what: "database size",
        });
    }
    if to_hex(&hash.finalize()) != manifest.database_sha256 {
        return Err(Error::Damaged {
            what: "database checksum",
        });
    }
    Ok(manifest)
}

/// Checks the database file `path` against `manifest`: SQLite's integrity check, its schema
/// version and the row count of every table.
///
/// # Errors
/// [`Error::Damaged`] on any difference, or [`Error::Store`].
pub fn check_database(path: &Path, manifest: &Manifest) -> Result<(), Error> {
    let damaged = |_| Error::Damaged { what: "database" };
    let conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(damaged)?;
    let ok: String = conn
        .query_row("PRAGMA integrity_check(1)", [], |r| r.get(0))
        .map_err(damaged)?;
    if ok != "ok" {
        return Err(Error::Damaged { what: "database" });
    }
    let schema: u32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(damaged)?;
    if schema != manifest.schema_version {
        return Err(Error::Damaged {
            what: "schema version",
        });
    }
    let rows = copy::row_counts(&conn).map_err(|_| Error::Damaged { what: "database" })?;
    if rows != manifest.rows {
        return Err(Error::Damaged { what: "row counts" });
    }
    Ok(())
}

/// One line of at most `max` bytes, without its `\n`; `None` at the end of the input.
fn read_line(r: &mut impl BufRead, max: u64) -> Result<Option<String>, Error> {
    let mut line = Vec::new();
    r.take(max + 1)
        .read_until(b'\n', &mut line)
        .map_err(|e| stream_error(&e))?;
    if line.is_empty() {
        return Ok(None);
    }
    if line.pop() != Some(b'\n') {
        return Err(Error::Damaged { what: "manifest" });
    }
    String::from_utf8(line)
        .map(Some)
        .map_err(|_| Error::Damaged { what: "manifest" })
}

fn read_some(r: &mut impl Read, buf: &mut [u8]) -> Result<usize, Error> {
    loop {
        match r.read(buf) {
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(stream_error(&e)),
        }
    }
}

/// An error reading the decrypted stream: age reports an altered or missing chunk as invalid
/// data or an early end.
fn stream_error(e: &std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof => Error::Damaged {
            what: "encrypted data",
        },
        _ => file_error(e),
    }
}

fn hash_file(path: &Path) -> Result<(u64, String), Error> {
    let mut f = File::open(path).map_err(|e| file_error(&e))?;
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(|e| file_error(&e))?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
        total += n as u64;
    }
    Ok((total, to_hex(&hash.finalize())))
}

fn to_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn data_dir(store: &Store) -> Result<PathBuf, Error> {
    parent(store.path())
}

fn parent(path: &Path) -> Result<PathBuf, Error> {
    match path.parent() {
        Some(p) if p.as_os_str().is_empty() => Ok(PathBuf::from(".")),
        Some(p) => Ok(p.to_owned()),
        None => Err(Error::File {
            reason: "the file has no folder".into(),
        }),
    }
}

/// `out`'s temporary name while it is written: `.NAME.partial` beside it.
fn partial_name(out: &Path) -> Result<PathBuf, Error> {
    parent(out)?;
    super::file::partial_path(out).ok_or(Error::File {
        reason: "the backup's path names no file".into(),
    })
}

/// Makes a rename durable (best effort: not every file system syncs folders).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Removes the temporary files a killed backup or restore left in the data folder.
fn remove_leftovers(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(SNAPSHOT_PREFIX) || name.starts_with(CANDIDATE_PREFIX) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// A temporary database file in the data folder (and its `-journal`, `-wal`, `-shm`), removed
/// when dropped.
struct TempFiles {
    path: PathBuf,
}

impl TempFiles {
    fn new(dir: &Path, prefix: &str) -> Self {
        let path = dir.join(format!("{prefix}{:016x}.sqlite3", fastrand::u64(..)));
        Self { path }
    }
}

impl Drop for TempFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        for suffix in ["-journal", "-wal", "-shm"] {
            let mut side = self.path.clone().into_os_string();
            side.push(suffix);
            let _ = std::fs::remove_file(side);
        }
    }
}

#[cfg(test)]
mod tests;
