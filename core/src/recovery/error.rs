//! The recovery module's public error, and the one place where store errors are mapped to it.

use crate::model::InvalidInput;
use crate::store::StoreError;

/// Why a recovery call failed. Messages say what to do; none carries health data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
#[non_exhaustive]
pub enum RecoveryError {
    /// A value entered is not possible; `field` names it (`implant_date`, `time`, `title`…).
    #[error("The value for {field} is not valid: it {reason}.")]
    InvalidInput {
        /// The field, as named in the API.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No recovery plan has been started yet.
    #[error("No recovery plan has been started yet. Start one with the date of the implant.")]
    NoPlan,
    /// The checklist has no item with that key.
    #[error("This checklist item does not exist. Update the app if it came from a newer version.")]
    UnknownItem,
    /// No entry or reminder with that id (or it was deleted).
    #[error(
        "This entry was not found. It may have been deleted; deleted entries can be restored for 30 days."
    )]
    NotFound,
    /// The entry was deleted more than 30 days ago and can no longer be restored.
    #[error("This entry was deleted more than 30 days ago and can no longer be restored.")]
    RestoreExpired,
    /// The entry to restore is not deleted.
    #[error("This entry is not deleted, so there is nothing to restore.")]
    NotDeleted,
    /// Saving or reading failed; the message says what to do.
    #[error("{advice}")]
    Storage {
        /// What to do, from the store (never data; not named `message`, which Kotlin reserves).
        advice: String,
    },
    /// A bug in Thecal; the data already saved is safe.
    #[error(
        "Something went wrong inside Thecal ({context}). Your saved data is safe; please report this."
    )]
    Internal {
        /// Where it happened (code location words, never data).
        context: String,
    },
}

impl From<InvalidInput> for RecoveryError {
    fn from(e: InvalidInput) -> Self {
        Self::InvalidInput {
            field: e.field.to_owned(),
            reason: e.reason,
        }
    }
}

impl From<StoreError> for RecoveryError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::InvalidInput { field, reason } => Self::InvalidInput { field, reason },
            StoreError::Internal { context } => Self::Internal { context },
            other => Self::Storage {
                advice: other.to_string(),
            },
        }
    }
}

impl crate::app::FromPanic for RecoveryError {
    fn from_panic(context: &str) -> Self {
        Self::Internal {
            context: context.to_owned(),
        }
    }
}
