//! Layer 1: the domain types and the shared basics every other module speaks.
//!
//! Pump kinds, device information, readings, alarms, history events and units; calendar dates
//! and local days; wall-clock times of day; authorship and revisions; input checks; time and
//! the injectable [`Clock`].
//! Pure values: no I/O, and nothing else of the crate is used here.

mod alarm;
mod calendar;
mod device;
mod history;
mod input;
mod reading;
mod revision;
mod time;
mod units;
mod zone;

pub use alarm::{AlarmKind, AlarmPriority, AlarmState, EventSequence, PumpAlarm};
pub use calendar::{
    CalendarDate, LocalTime, date_of_day, day_number, local_date, local_day, occurrence,
};
pub use device::{DeviceInfo, MAX_RESERVOIR, MAX_TEXT, PumpKind, ReservoirKind};
pub use history::{HistoryDetail, HistoryEvent, Refill};
pub use input::{
    FUTURE_TOLERANCE, InvalidInput, MAX_NAME_CHARS, MAX_NOTE_CHARS, check_text, check_time,
    parse_time_zone, tidy, to_nearest_milli,
};
pub use reading::{BatteryIndicator, BatteryStatus, Drug, InfusionMode, StatusReading};
pub use revision::{Author, ChangeAction, Revision, changed_fields};
pub use time::{Clock, ManualClock, SystemClock, UtcDateTime, from_millis, to_millis};
pub use units::{Concentration, DailyDose, Volume};
pub use zone::{UnknownZone, Zone, ZoneOffset};

#[cfg(test)]
pub(crate) use device::tests::implanted as test_device;
#[cfg(test)]
pub(crate) use reading::tests::reading as test_reading;
