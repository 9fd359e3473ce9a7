//! The therapy area's internal error (mapped to the public `PumpError` at the FFI edge).

use crate::model::InvalidInput;
use crate::store::StoreError;

/// Why a therapy call failed (internal; `app::errors` maps it to the public `PumpError`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Saving or reading failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A value given is not valid.
    #[error("invalid input: {0}")]
    Invalid(#[from] InvalidInput),
    /// No pump with that serial number is paired with this app.
    #[error("no pump with that serial number is paired")]
    UnknownPump,
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Self::Store(e.into())
    }
}
