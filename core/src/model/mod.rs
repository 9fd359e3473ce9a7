//! The domain types: pump kinds, device information, readings, units and time.
//!
//! Pure values: no I/O. Every other module speaks these types; the FFI exposes them as they are.

mod alarm;
mod device;
mod history;
mod reading;
mod time;
mod units;

pub use alarm::{AlarmKind, AlarmPriority, AlarmState, EventSequence, PumpAlarm};
pub use device::{DeviceInfo, MAX_RESERVOIR, MAX_TEXT, PumpKind, ReservoirKind};
pub use history::{HistoryDetail, HistoryEvent, Refill};
pub use reading::{BatteryIndicator, BatteryStatus, Drug, InfusionMode, StatusReading};
pub use time::{Clock, ManualClock, SystemClock, UtcDateTime, from_millis, to_millis};
pub use units::{Concentration, DailyDose, Volume};

#[cfg(test)]
pub(crate) use device::tests::implanted as test_device;
#[cfg(test)]
pub(crate) use reading::tests::reading as test_reading;

/// A value that a person, a pump or a file got wrong: which field, and what is wrong with it.
/// Carries no health data (the field's value is never included).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {reason}")]
pub struct InvalidInput {
    /// The field, as named in the API (`reservoir_volume`, `battery.percent`).
    pub field: &'static str,
    /// What is wrong, in words a person can act on.
    pub reason: String,
}

impl InvalidInput {
    /// An error for `field`.
    #[must_use]
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}
