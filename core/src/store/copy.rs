//! Whole-database copies with SQLite's backup API, for backups: a consistent snapshot of the
//! live store while the app keeps running ([`snapshot_file`], [`Store::snapshot_to`]), the
//! replacement of the live store's content by a checked copy in one transaction
//! ([`Store::replace_with`]), and the row count of every table ([`row_counts`]).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use super::{Store, StoreError, lock};

/// Copies the database at `source` into a new file `dest` (which must not exist) as one
/// consistent snapshot: every page is copied in one step, inside one read transaction, so
/// writes by other connections during the copy are either all in it or not at all. The copy is a
/// standalone file (rollback journal, no `-wal`).
///
/// # Errors
/// [`StoreError::CannotOpen`] if either file cannot be opened, or a storage error.
pub fn snapshot_file(source: &Path, dest: &Path) -> Result<(), StoreError> {
    if dest.exists() {
        return Err(StoreError::CannotOpen {
            reason: "the snapshot's file already exists".into(),
        });
    }
    let src = open_existing(source)?;
    let mut dst = Connection::open(dest).map_err(|e| StoreError::CannotOpen {
        reason: e.to_string(),
    })?;
    copy_all(&src, &mut dst)?;
    dst.pragma_update(None, "journal_mode", "DELETE")?;
    dst.close().map_err(|(_, e)| StoreError::from(e))
}

/// The number of rows of every table of `conn`'s main database (SQLite's own tables left out),
/// by table name.
///
/// # Errors
/// A storage error.
pub fn row_counts(conn: &Connection) -> Result<BTreeMap<String, u64>, StoreError> {
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
             ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut counts = BTreeMap::new();
    for name in names {
        // The name comes from the schema itself; quoted as an identifier.
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        let n: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM {quoted}"), [], |r| r.get(0))?;
        counts.insert(name, u64::try_from(n).unwrap_or(0));
    }
    Ok(counts)
}

/// Opens an existing database file for copying from it (never creates one).
fn open_existing(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError::CannotOpen {
        reason: e.to_string(),
    })?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

/// Copies every page of `src` into `dst` in one step: one read transaction on `src`, one write
/// transaction on `dst` (all of it or nothing, even if the process dies during the copy).
fn copy_all(src: &Connection, dst: &mut Connection) -> Result<(), StoreError> {
    let backup = Backup::new(src, dst)?;
    // -1: every page in one step, so the copy is one consistent state of the source (a copy
    // in several steps starts again whenever another connection writes in between).
    match backup.step(-1)? {
        StepResult::Done => Ok(()),
        StepResult::Busy | StepResult::Locked => Err(StoreError::Busy),
        _ => Err(StoreError::Unexpected {
            context: "copying the database".into(),
        }),
    }
}

impl Store {
    /// Writes a consistent snapshot of the whole store into the new file `dest` while the app
    /// keeps running (see [`snapshot_file`]).
    ///
    /// # Errors
    /// As [`snapshot_file`].
    pub fn snapshot_to(&self, dest: &Path) -> Result<(), StoreError> {
        snapshot_file(&self.path, dest)
    }

    /// Replaces the whole content of the store by the database at `source`, which the caller
    /// has checked (schema, integrity) beforehand: one write transaction on the live file, so
    /// the store holds either all of its old content or all of the new one, even if the
    /// process is killed during the copy. The open connections see the new content at their
    /// next read.
    ///
    /// # Errors
    /// [`StoreError::Full`] if the disk fills up (the old content is kept), or another storage
    /// error.
    pub fn replace_with(&self, source: &Path) -> Result<(), StoreError> {
        if self.simulate_full.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(StoreError::Full);
        }
        let src = open_existing(source)?;
        {
            let mut writer = lock(&self.writer);
            copy_all(&src, &mut writer)?;
        }
        // The old pages stay in the WAL until a checkpoint: copy the new ones home now
        // (best effort: a busy reader delays it to SQLite's next automatic checkpoint).
        if let Err(e) = self.checkpoint() {
            tracing::warn!(error = %e, "no checkpoint after a restore");
        }
        Ok(())
    }
}
