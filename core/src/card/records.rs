//! The card area's records as the apps see them: clinic keys, signed payloads, MRI scans and
//! their follow-ups, reminder texts, output formats.

use super::data::MriStep;
use crate::model::UtcDateTime;

/// A clinic signing key known to this device.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ClinicKey {
    /// Its short id (16 hex characters), printed on the card.
    pub key_id: String,
    /// The clinic's name.
    pub name: String,
    /// The public key (64 hex characters): what the clinic hands to the apps that should trust
    /// its cards.
    pub public_key: String,
    /// Whether the private key is on this device (it can sign cards).
    pub can_sign: bool,
}

/// A signed card payload: the QR code's text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SignedCard {
    /// `THECAL1:` + base45 text.
    pub text: String,
    /// The signing key's id (hex).
    pub key_id: String,
    /// When it was signed.
    pub issued_at: UtcDateTime,
    /// When it stops being valid.
    pub expires_at: UtcDateTime,
}

/// What the patient should have done after an MRI, from the card's MRI steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum FollowUpAction {
    /// Have the clinic interrogate the pump (the card says "interrogate the pump after").
    InterrogatePump,
    /// Have the clinic check the pump (the card says the pump may stop during the scan).
    CheckPump,
}

impl FollowUpAction {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::InterrogatePump => "interrogate",
            Self::CheckPump => "check",
        }
    }

    pub(crate) fn from_code(code: &str) -> Option<Self> {
        match code {
            "interrogate" => Some(Self::InterrogatePump),
            "check" => Some(Self::CheckPump),
            _ => None,
        }
    }

    /// The follow-up the card's `steps` ask for, if any.
    pub(crate) fn from_steps(steps: &[MriStep]) -> Option<Self> {
        if steps.contains(&MriStep::InterrogatePumpAfter) {
            Some(Self::InterrogatePump)
        } else if steps.contains(&MriStep::PumpMayStopDuringScan) {
            Some(Self::CheckPump)
        } else {
            None
        }
    }
}

/// A logged MRI scan.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MriScan {
    /// The store's id.
    pub id: i64,
    /// When the scan was.
    pub scanned_at: UtcDateTime,
    /// The pump check the card asks for afterwards (`None` when its steps ask for none).
    pub follow_up: Option<FollowUpAction>,
    /// When the patient recorded that the pump was checked.
    pub pump_checked_at: Option<UtcDateTime>,
}

/// A reminder's words, in the patient's language.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReminderText {
    /// The title ("After your MRI").
    pub title: String,
    /// The sentence ("Your MRI is done. Have your pump interrogated by your clinic…").
    pub body: String,
}

/// The output format of a rendered card. PNG is drawn outside the phone library (the CLI
/// rasterises the SVG; a phone draws the SVG or the card views natively).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum CardFormat {
    /// UTF-8 plain text.
    Text,
    /// An SVG document (UTF-8).
    Svg,
}
