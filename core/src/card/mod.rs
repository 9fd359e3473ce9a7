//! # The implanted-device ID card
//!
//! What a patient shows an airport security officer or an MRI technologist: the implant card
//! fields ([`CardData`]), an MRI section (ASTM F2503 status and conditions, pump-specific steps)
//! and an airport section, in seven languages ([`Language`], Fluent files in `core/locales/<lang>/card.ftl`),
//! as text, SVG and a QR code carrying a compact payload signed with the clinic's Ed25519 key
//! and checked offline ([`verify`]). PNG is drawn outside the phone library (the CLI rasterises
//! the SVG: see `docs/decisions/0002-card-rendering.md`).
//!
//! Pure parts: [`data`] (fields and validation), [`payload`] (CBOR + base45, sign/verify),
//! [`keys`], [`view`] (localised sections), [`render`] (text, SVG). [`actions`] runs
//! them against the store; [`db`] holds the card's tables.

pub mod actions;
pub mod data;
pub mod db;
mod error;
pub mod keys;
pub mod payload;
mod records;
pub mod render;
pub mod view;

pub use crate::l10n::{ALL_LANGUAGES, Language};
pub use data::{
    CardClinic, CardContact, CardData, CardDevice, CardDrug, CardMri, MriConditions, MriStatus,
    MriStep,
};
pub use error::Error;
pub use keys::{KeyId, key_id_of, to_hex};
pub use payload::{Issuer, PREFIX, VerifyResult, VerifyStatus, verify};
pub use records::{CardFormat, ClinicKey, FollowUpAction, MriScan, ReminderText, SignedCard};
pub use render::CardLayout;
pub use view::{CardBadge, CardRow, CardSection, CardSectionKind, CardView, MriMark};
