//! Time: UTC inside the core, and an injectable clock so that tests control time.

use std::sync::Mutex;

/// A point in time in UTC. This is the only time type stored or passed inside the core; the
/// patient's zone is applied only when something is shown.
///
/// Crosses the FFI as `java.time.Instant` (Kotlin) and `Date` (Swift).
pub type UtcDateTime = chrono::DateTime<chrono::Utc>;

#[cfg(feature = "uniffi")]
uniffi::custom_type!(UtcDateTime, std::time::SystemTime, { remote });

/// Where the core reads "now" from. Production uses [`SystemClock`]; tests use [`ManualClock`].
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time in UTC.
    fn now(&self) -> UtcDateTime;
}

/// The device's real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UtcDateTime {
        chrono::Utc::now()
    }
}

/// A clock that only moves when told to: for tests and accelerated simulations.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<UtcDateTime>,
}

impl ManualClock {
    /// A clock standing still at `start`.
    #[must_use]
    pub fn new(start: UtcDateTime) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    /// Moves the clock to `to` (it may go backwards, as a real phone clock can).
    pub fn set(&self, to: UtcDateTime) {
        *self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = to;
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> UtcDateTime {
        *self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Milliseconds since the Unix epoch: how times are stored in SQLite.
#[must_use]
pub fn to_millis(t: UtcDateTime) -> i64 {
    t.timestamp_millis()
}

/// The inverse of [`to_millis`]; `None` for a value outside chrono's range (a damaged row).
#[must_use]
pub fn from_millis(ms: i64) -> Option<UtcDateTime> {
    chrono::DateTime::from_timestamp_millis(ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = chrono::Utc.with_ymd_and_hms(2026, 3, 29, 0, 30, 0).unwrap();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(chrono::Duration::minutes(90));
        assert_eq!(clock.now(), start + chrono::Duration::minutes(90));
        clock.set(start);
        assert_eq!(clock.now(), start);
    }

    #[test]
    fn millis_round_trip() {
        let t = chrono::Utc
            .with_ymd_and_hms(2031, 12, 31, 23, 59, 59)
            .unwrap()
            + chrono::Duration::milliseconds(999);
        assert_eq!(from_millis(to_millis(t)), Some(t));
        assert_eq!(from_millis(i64::MAX), None);
    }
}
