//! The store's internal error, and the one place where SQLite's errors are mapped to it.
//!
//! Internal: the apps never see it. Each area maps it to its public error at the FFI edge
//! (`app::errors`), where storage failures become `StorageFull`, `StorageUnavailable`,
//! `DataDamaged` or `Internal`.

use rusqlite::ErrorCode;

/// Why saving or reading failed. Carries no health data: table and check names, SQLite's
/// result text, never a stored value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The data folder or file cannot be opened, created or written (permissions, a read-only
    /// folder, an I/O error).
    #[error("the data file cannot be opened or written ({reason})")]
    CannotOpen {
        /// The operating system's or SQLite's reason.
        reason: String,
    },
    /// The data was written by a newer version of the app; nothing has been changed.
    #[error("the data file has schema version {found}; this build knows up to {supported}")]
    NewerVersion {
        /// The data's schema version.
        found: u32,
        /// The newest schema version this build understands.
        supported: u32,
    },
    /// The disk is full; the write was not made and earlier data is intact.
    #[error("the disk is full")]
    Full,
    /// Another connection held the database for longer than the busy timeout.
    #[error("the data file is busy")]
    Busy,
    /// A stored value or the file itself is damaged.
    #[error("damaged data: {what}")]
    Corrupt {
        /// What could not be read (a table, column or check name, never a value).
        what: String,
    },
    /// The data file was not a database: it was moved into the data folder's `damaged/`
    /// folder (never overwritten) and the next open starts a new, empty file.
    #[error("the data file was not a database; it was kept aside as {name}")]
    KeptAside {
        /// Where it is now, relative to the data folder (`damaged/thecal.sqlite3.<time>-0`).
        name: String,
    },
    /// Anything else SQLite reported: a bug, logged where it happened.
    #[error("unexpected storage error while {context}")]
    Unexpected {
        /// What was being done (code words, never data).
        context: String,
    },
}

impl StoreError {
    /// A stored value that could not be decoded (`table.column`).
    #[must_use]
    pub fn damaged(what: &str) -> Self {
        Self::Corrupt {
            what: what.to_owned(),
        }
    }

    /// A value that could not be encoded for storage (a bug).
    #[must_use]
    pub fn encoding(what: &str) -> Self {
        Self::Unexpected {
            context: format!("encoding {what}"),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => Self::Full,
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Self::Busy,
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => Self::Corrupt {
                what: "database file".into(),
            },
            Some(
                ErrorCode::CannotOpen
                | ErrorCode::PermissionDenied
                | ErrorCode::ReadOnly
                | ErrorCode::SystemIoFailure,
            ) => Self::CannotOpen {
                reason: e.to_string(),
            },
            _ => {
                tracing::error!(error = %e, "unexpected SQLite error");
                Self::Unexpected {
                    context: "using the data file".into(),
                }
            }
        }
    }
}

impl From<rusqlite_migration::Error> for StoreError {
    fn from(e: rusqlite_migration::Error) -> Self {
        match e {
            rusqlite_migration::Error::RusqliteError { err, .. } => err.into(),
            other => {
                tracing::error!(error = %other, "migration failed");
                Self::Unexpected {
                    context: "upgrading the data file".into(),
                }
            }
        }
    }
}
