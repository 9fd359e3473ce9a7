//! The card's public error, and the one place where internal errors are mapped to it.

use crate::model::InvalidInput;
use crate::store::StoreError;

/// Why a card call failed. Messages name the field or say what to do; none carries health data
/// (a value the patient entered is never part of a message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
#[non_exhaustive]
pub enum CardError {
    /// A card field (or an argument) is not valid.
    #[error("The card field {field} is not valid: it {reason}.")]
    InvalidInput {
        /// The field, as named in the API (`device.serial`, `clinic.phone`).
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No card has been saved yet.
    #[error("No ID card has been filled in yet. Fill in the card first.")]
    NoCard,
    /// The clinic key named is not on this device.
    #[error(
        "This clinic key is not on this device. Create a clinic key or pick one from the list."
    )]
    UnknownClinicKey,
    /// The image could not be read as a PNG picture.
    #[error("The image could not be read ({reason}). Use a PNG picture of the card.")]
    ImageUnreadable {
        /// What went wrong while reading it.
        reason: String,
    },
    /// No readable QR code was found in the image.
    #[error(
        "No readable QR code was found in the image. Use a sharper, well-lit picture of the whole card."
    )]
    NoQrCode,
    /// This build cannot make PNG images (the phone library draws the SVG or the card view).
    #[error("PNG images are not built into this version. Render the card as SVG instead.")]
    PngNotAvailable,
    /// Drawing the card failed.
    #[error("The card could not be drawn ({reason}).")]
    Rendering {
        /// What went wrong (never card data).
        reason: String,
    },
    /// Saving or reading the card failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A bug in Thecal; saved data is safe.
    #[error(
        "Something went wrong inside Thecal ({context}). Your saved data is safe; please report this."
    )]
    Internal {
        /// Where it happened (code location words, never data).
        context: String,
    },
}

impl From<InvalidInput> for CardError {
    fn from(e: InvalidInput) -> Self {
        Self::InvalidInput {
            field: e.field.to_owned(),
            reason: e.reason,
        }
    }
}

impl crate::app::FromPanic for CardError {
    fn from_panic(context: &str) -> Self {
        Self::Internal {
            context: context.to_owned(),
        }
    }
}

impl CardError {
    /// An invalid `field`.
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        InvalidInput::new(field, reason).into()
    }
}
