//! The diary's public error, and the one place where store errors are mapped to it.

use crate::model::InvalidInput;
use crate::store::StoreError;

/// Why a diary call failed. Messages say what to do; none carries health data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
#[non_exhaustive]
pub enum DiaryError {
    /// A value the person entered is not possible; `field` names it (`score`, `at`, `drug`…).
    #[error("The value for {field} is not valid: it {reason}.")]
    InvalidInput {
        /// The field, as named in the API.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No entry with that id (or it was deleted; deleted entries can be restored).
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

impl From<InvalidInput> for DiaryError {
    fn from(e: InvalidInput) -> Self {
        Self::InvalidInput {
            field: e.field.to_owned(),
            reason: e.reason,
        }
    }
}

impl From<StoreError> for DiaryError {
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

impl crate::app::FromPanic for DiaryError {
    fn from_panic(context: &str) -> Self {
        Self::Internal {
            context: context.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_keep_their_advice() {
        let e: DiaryError = StoreError::DiskFull.into();
        assert!(e.to_string().contains("storage is full"));
        let e: DiaryError = InvalidInput::new("score", "must be between 0 and 10").into();
        assert_eq!(
            e.to_string(),
            "The value for score is not valid: it must be between 0 and 10."
        );
    }
}
