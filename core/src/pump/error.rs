//! The one public error of the pump protocol layer.

use serde::Serialize;

/// Why bytes from (or for) a pump could not be understood. A frame that fails is ignored as a
/// whole; nothing of it is used. Messages name fields, never their values (no health data).
///
/// Serialised (for the test vectors and the CLI) as `{"code": "bad_crc", ...fields}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
#[cfg_attr(feature = "uniffi", uniffi::export(Display))]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FrameError {
    /// The frame is shorter than its layout needs.
    #[error(
        "The pump's message was cut short ({got} of {needed} bytes). It was ignored; the next update replaces it. If this keeps happening, move the phone closer to the pump."
    )]
    Truncated {
        /// Bytes the layout needs at least.
        needed: u32,
        /// Bytes received.
        got: u32,
    },
    /// The frame is longer than its layout allows.
    #[error(
        "The pump's message is longer than expected ({got} bytes, at most {allowed}). It was ignored. The pump may speak a newer profile: update Thecal."
    )]
    TooLong {
        /// The most bytes allowed.
        allowed: u32,
        /// Bytes received.
        got: u32,
    },
    /// The frame is of a profile version this build does not speak.
    #[error(
        "The pump speaks version {version} of the pump profile; this version of Thecal understands version {supported}. Update Thecal."
    )]
    UnsupportedVersion {
        /// The version byte found.
        version: u8,
        /// The version this build speaks.
        supported: u8,
    },
    /// The frame's CRC does not match its bytes: it was damaged on the way.
    #[error(
        "The pump's message was damaged on the way (checksum mismatch). It was ignored; the next update replaces it. If this keeps happening, move the phone closer to the pump."
    )]
    BadCrc {
        /// The CRC carried by the frame.
        carried: u16,
        /// The CRC computed over the frame's bytes.
        computed: u16,
    },
    /// The frame kind byte is not one of the profile.
    #[error(
        "The pump sent a message of an unknown type ({kind}). It was ignored. Update Thecal if this pump is newer."
    )]
    UnknownFrameKind {
        /// The kind byte found.
        kind: u8,
    },
    /// A frame of one kind arrived where another was expected (e.g. on the wrong characteristic).
    #[error(
        "The pump sent a message of type {found} where type {expected} belongs. It was ignored; this pump may not follow the profile."
    )]
    WrongFrameKind {
        /// The kind the characteristic carries.
        expected: u8,
        /// The kind found.
        found: u8,
    },
    /// A field holds a code that version 1 of the profile does not define.
    #[error(
        "The pump sent an unknown value in the field '{field}'. The message was ignored. Update Thecal if this pump is newer."
    )]
    UnknownValue {
        /// The field, as named in the profile.
        field: String,
        /// The unknown code (an enumeration code, never a measurement).
        value: u32,
    },
    /// A field holds an impossible value.
    #[error(
        "The pump sent an impossible value in the field '{field}' ({reason}). The message was ignored."
    )]
    OutOfRange {
        /// The field, as named in the profile.
        field: String,
        /// What the value should be.
        reason: String,
    },
    /// A text field is not valid UTF-8, is too long, or has control characters.
    #[error(
        "The pump sent unreadable text in the field '{field}' ({reason}). The message was ignored."
    )]
    InvalidText {
        /// The field.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The frame repeats the E2E counter of the previous one: a duplicate, ignored.
    #[error(
        "The pump repeated a message (counter {counter}). The copy was ignored; nothing is lost."
    )]
    CounterRepeated {
        /// The repeated counter.
        counter: u8,
    },
    /// The value is valid in the profile but not for this model of pump (its driver refused it).
    #[error(
        "The pump reported something its model cannot have in the field '{field}' ({reason}). The message was ignored; check that the right pump is paired."
    )]
    NotForThisPump {
        /// The field.
        field: String,
        /// Why the model cannot have it.
        reason: String,
    },
}

impl FrameError {
    /// The stable snake_case code of the variant (`bad_crc`…), as in the test vectors.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Truncated { .. } => "truncated",
            Self::TooLong { .. } => "too_long",
            Self::UnsupportedVersion { .. } => "unsupported_version",
            Self::BadCrc { .. } => "bad_crc",
            Self::UnknownFrameKind { .. } => "unknown_frame_kind",
            Self::WrongFrameKind { .. } => "wrong_frame_kind",
            Self::UnknownValue { .. } => "unknown_value",
            Self::OutOfRange { .. } => "out_of_range",
            Self::InvalidText { .. } => "invalid_text",
            Self::CounterRepeated { .. } => "counter_repeated",
            Self::NotForThisPump { .. } => "not_for_this_pump",
        }
    }

    pub(crate) fn out_of_range(field: &str, reason: &str) -> Self {
        Self::OutOfRange {
            field: field.to_owned(),
            reason: reason.to_owned(),
        }
    }

    pub(crate) fn unknown(field: &str, value: impl Into<u32>) -> Self {
        Self::UnknownValue {
            field: field.to_owned(),
            value: value.into(),
        }
    }

    pub(crate) fn not_for_this_pump(field: &str, reason: &str) -> Self {
        Self::NotForThisPump {
            field: field.to_owned(),
            reason: reason.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_with_its_code_and_fields() {
        let e = FrameError::BadCrc {
            carried: 1,
            computed: 2,
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "bad_crc", "carried": 1, "computed": 2})
        );
        assert_eq!(e.code(), "bad_crc");
        assert!(e.to_string().contains("damaged"));
    }
}
