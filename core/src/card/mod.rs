//! # The implanted-device ID card
//!
//! What a patient shows an airport security officer or an MRI technologist: the implant card
//! fields ([`CardData`]), an MRI section (ASTM F2503 status and conditions, pump-specific steps)
//! and an airport section, in seven languages ([`CardLanguage`], Fluent files in `locales/`),
//! as text, SVG, PNG (feature `png`) and a QR code carrying a compact payload signed with the
//! clinic's Ed25519 key and checked offline ([`verify`]).
//!
//! Pure parts: [`data`] (fields and validation), [`payload`] (CBOR + base45, sign/verify),
//! [`keys`], `l10n`, [`view`] (localised sections), [`render`] (text, SVG). The app object's
//! [`CardApi`] wires them to the store.

mod api;
pub mod data;
mod error;
pub mod keys;
mod l10n;
pub mod payload;
#[cfg(feature = "png")]
pub mod png;
pub mod render;
#[cfg(test)]
mod tests;
pub mod view;

pub use api::{CardApi, CardFormat, ClinicKey, FollowUpAction, MriScan, ReminderText, SignedCard};
pub use data::{
    CardClinic, CardContact, CardData, CardDevice, CardDrug, CardMri, MriConditions, MriStatus,
    MriStep,
};
pub use error::CardError;
pub use keys::{KeyId, key_id_of, to_hex};
pub use l10n::{ALL_LANGUAGES, CardLanguage};
pub use payload::{Issuer, PREFIX, VerifyResult, VerifyStatus, verify};
pub use render::CardLayout;
pub use view::{CardBadge, CardRow, CardSection, CardSectionKind, CardView, MriMark};
