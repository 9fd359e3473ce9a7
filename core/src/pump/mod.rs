//! Layer 2: the Thecal Pump Profile: GATT UUIDs and frames, the codec, the advertisement, the
//! `PumpDriver` trait and the drivers. Pure: no I/O. (The simulated pump is test and demo
//! tooling in the `thecal-sim` crate, never in the phone library.)
//!
//! The specification is `docs/gatt-profile.md`; the test vectors are
//! `tests/vectors/pump-profile-v1.json`.
//!
//! What the link manager uses:
//! - [`profile`]: service and characteristic UUIDs, [`profile::phone_may_write`],
//!   [`profile::SUBSCRIPTIONS`];
//! - [`PumpDriver`] ([`driver_for_advertisement`], [`driver_for_features`]): decodes each
//!   characteristic into the domain model and builds the history request;
//! - [`CounterTracker`]: one per characteristic per connection, for the E2E counter;
//! - [`HistoryResponse::lost_after`]: whether the pump overwrote records before replay.

mod advertisement;
pub mod codec;
pub mod driver;
mod error;
pub mod profile;

pub use advertisement::{Advertisement, ManufacturerData, ServiceData, canonical_uuid};
pub use codec::{
    AnnunciationFrame, CounterStatus, CounterTracker, DecodedFrame, FeaturesFrame, HistoryOp,
    HistoryRecordFrame, HistoryRequest, HistoryResponse, HistoryResult, PumpFeatures, StatusFrame,
    crc16, decode_annunciation, decode_battery_level, decode_dis_text, decode_features,
    decode_frame, decode_history_record, decode_history_request, decode_history_response,
    decode_status, encode_annunciation, encode_battery_level, encode_features,
    encode_history_record, encode_history_request, encode_history_response, encode_records_since,
    encode_status,
};
pub use driver::{
    Capabilities, DRIVERS, DeviceInfoBytes, EXTERNAL_ERI_PERCENT, ExternalDriver,
    IMPLANTED_ERI_PERCENT, ImplantedDriver, PumpDriver, driver_for_advertisement,
    driver_for_features,
};
pub use error::FrameError;

use crate::model::UtcDateTime;

/// Decodes a Status frame (for the apps and the cross-language vector tests).
///
/// # Errors
/// A [`FrameError`] saying what is wrong.
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn decode_status_frame(
    bytes: Vec<u8>,
    received_at: UtcDateTime,
) -> Result<StatusFrame, FrameError> {
    decode_status(&bytes, received_at)
}

/// Decodes an Annunciation frame (one alarm event).
///
/// # Errors
/// A [`FrameError`] saying what is wrong.
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn decode_annunciation_frame(bytes: Vec<u8>) -> Result<AnnunciationFrame, FrameError> {
    decode_annunciation(&bytes)
}

/// Decodes a History Record frame.
///
/// # Errors
/// A [`FrameError`] saying what is wrong.
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn decode_history_record_frame(bytes: Vec<u8>) -> Result<HistoryRecordFrame, FrameError> {
    decode_history_record(&bytes)
}

/// Decodes a Features frame.
///
/// # Errors
/// A [`FrameError`] saying what is wrong.
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn decode_features_frame(bytes: Vec<u8>) -> Result<FeaturesFrame, FrameError> {
    decode_features(&bytes)
}

/// Decodes any pump-service frame by its kind byte.
///
/// # Errors
/// A [`FrameError`] saying what is wrong.
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn decode_any_frame(
    bytes: Vec<u8>,
    received_at: UtcDateTime,
) -> Result<DecodedFrame, FrameError> {
    decode_frame(&bytes, received_at)
}

#[cfg(test)]
mod props;
