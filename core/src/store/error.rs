//! The store's public error, and the one place where SQLite's errors are mapped to it.

use rusqlite::ErrorCode;

use crate::model::InvalidInput;

/// Why saving or reading data failed. Messages say what to do; none carries health data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
#[non_exhaustive]
pub enum StoreError {
    /// The data folder or file cannot be opened or created.
    #[error(
        "Thecal cannot open its data file ({reason}). Check that the app may write to its data folder."
    )]
    CannotOpen {
        /// The operating system's reason.
        reason: String,
    },
    /// The data was written by a newer version of the app; nothing has been changed.
    #[error(
        "This data was saved by a newer version of Thecal (data version {found}; this version knows up to {supported}). Update the app; nothing has been changed."
    )]
    NewerVersion {
        /// The data's schema version.
        found: u32,
        /// The newest schema version this build understands.
        supported: u32,
    },
    /// The phone's storage is full; the write was not made and earlier data is intact.
    #[error(
        "The phone's storage is full, so this was not saved. Free some space and try again; nothing saved before has been lost."
    )]
    DiskFull,
    /// The data file is damaged.
    #[error(
        "Thecal's data file is damaged ({what}). Restore your latest backup, or contact support; do not delete the app."
    )]
    Corrupt {
        /// What could not be read (a table or check name, never a value).
        what: String,
    },
    /// Another part of the app holds the data file for too long.
    #[error("Thecal's data file is busy. Try again in a moment.")]
    Busy,
    /// A value given to the store is impossible.
    #[error("The value for {field} is not valid: it {reason}.")]
    InvalidInput {
        /// The field.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No pump with that serial number has been paired with this app.
    #[error("This pump is not known to Thecal yet. Pair it first.")]
    UnknownPump,
    /// A bug in Thecal; the data already saved is safe.
    #[error(
        "Something went wrong inside Thecal ({context}). Your saved data is safe; please report this."
    )]
    Internal {
        /// Where it happened (code location words, never data).
        context: String,
    },
}

impl From<InvalidInput> for StoreError {
    fn from(e: InvalidInput) -> Self {
        Self::InvalidInput {
            field: e.field.to_owned(),
            reason: e.reason,
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => Self::DiskFull,
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Self::Busy,
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => Self::Corrupt {
                what: "database file".into(),
            },
            Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::ReadOnly) => {
                Self::CannotOpen {
                    reason: e.to_string(),
                }
            }
            _ => {
                tracing::error!(error = %e, "unexpected SQLite error");
                Self::Internal {
                    context: "storage".into(),
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
                Self::Internal {
                    context: "upgrading the data file".into(),
                }
            }
        }
    }
}

impl StoreError {
    /// A stored value that could not be decoded.
    pub(crate) fn damaged(what: &str) -> Self {
        Self::Corrupt {
            what: what.to_owned(),
        }
    }
}
