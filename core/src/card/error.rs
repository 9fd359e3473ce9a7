//! The card area's internal error (mapped to the public `CardError` at the FFI edge).

use crate::model::InvalidInput;
use crate::store::StoreError;

/// Why a card call failed. Never carries card data (a value the patient entered is never part
/// of a message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Saving or reading the card failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A card field (or an argument) is not valid.
    #[error("invalid input: {0}")]
    Invalid(#[from] InvalidInput),
    /// No card has been saved yet.
    #[error("no card has been saved")]
    NoCard,
    /// The clinic key named is not on this device.
    #[error("the clinic key is not on this device")]
    UnknownClinicKey,
    /// Drawing the card failed.
    #[error("the card could not be drawn: {reason}")]
    Rendering {
        /// What went wrong (never card data).
        reason: String,
    },
    /// The platform's key store refused (the device is locked, the store is damaged).
    #[error("the key store failed: {reason}")]
    KeyStore {
        /// The platform's reason (never a secret).
        reason: String,
    },
    /// A bug or a platform failure (no random source, a damaged key).
    #[error("internal error while {context}")]
    Internal {
        /// What was being done.
        context: String,
    },
}

impl Error {
    /// An invalid `field`.
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        InvalidInput::new(field, reason).into()
    }
}

impl From<crate::store::SecretStoreError> for Error {
    fn from(e: crate::store::SecretStoreError) -> Self {
        match e {
            crate::store::SecretStoreError::Unavailable { reason } => Self::KeyStore { reason },
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Self::Store(e.into())
    }
}
