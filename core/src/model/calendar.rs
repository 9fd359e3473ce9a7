//! Calendar dates and local days: what "today" and "which day" mean in the patient's zone.
//!
//! Stored times are UTC; a local day (a whole number of days since 1970-01-01 in the zone the
//! patient was in) is how entries are grouped into days and weeks.

use std::fmt;

use chrono::{
    Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike,
};
use serde::{Deserialize, Serialize};

use super::{InvalidInput, UtcDateTime, Zone};

/// A time of day on the wall clock (24-hour).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LocalTime {
    /// Hour, 0–23.
    pub hour: u8,
    /// Minute, 0–59.
    pub minute: u8,
}

impl LocalTime {
    /// Minutes after midnight.
    ///
    /// # Errors
    /// [`InvalidInput`] on `time` for an hour or minute out of range.
    pub fn minute_of_day(self) -> Result<u16, InvalidInput> {
        if self.hour > 23 || self.minute > 59 {
            return Err(InvalidInput::new(
                "time",
                "must be a time of day from 00:00 to 23:59",
            ));
        }
        Ok(u16::from(self.hour) * 60 + u16::from(self.minute))
    }

    /// The time of `minutes` after midnight (0–1439).
    #[must_use]
    pub fn from_minute_of_day(minutes: u16) -> Self {
        Self {
            hour: u8::try_from(minutes / 60).unwrap_or(23),
            minute: u8::try_from(minutes % 60).unwrap_or(59),
        }
    }

    /// The wall-clock time of a chrono time or date-time (seconds dropped).
    #[must_use]
    pub fn of(t: &impl Timelike) -> Self {
        Self {
            hour: u8::try_from(t.hour()).unwrap_or(23),
            minute: u8::try_from(t.minute()).unwrap_or(59),
        }
    }
}

/// `HH:MM`, 24-hour, as the apps and the messages show it.
impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

/// A calendar date in the patient's time zone (no time, no zone).
///
/// Crosses the FFI as a plain record (year, month 1–12, day 1–31): Kotlin and Swift each turn it
/// into their own local-date type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CalendarDate {
    /// The year, e.g. 2026.
    pub year: i32,
    /// The month, 1–12.
    pub month: u8,
    /// The day of the month, 1–31.
    pub day: u8,
}

impl CalendarDate {
    /// Checks the date exists and turns it into chrono's date.
    ///
    /// # Errors
    /// [`InvalidInput`] on `field` for a date that does not exist (31 February).
    pub fn to_naive(self, field: &'static str) -> Result<NaiveDate, InvalidInput> {
        NaiveDate::from_ymd_opt(self.year, u32::from(self.month), u32::from(self.day))
            .ok_or_else(|| InvalidInput::new(field, "is not a date that exists"))
    }

    /// The date of a chrono date.
    #[must_use]
    pub fn from_naive(d: NaiveDate) -> Self {
        Self {
            year: d.year(),
            // Month and day always fit in a byte.
            month: u8::try_from(d.month()).unwrap_or(1),
            day: u8::try_from(d.day()).unwrap_or(1),
        }
    }
}

/// Whole days since 1970-01-01 of a calendar date: how local days are stored and grouped.
#[must_use]
pub fn day_number(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce()) - i64::from(EPOCH_DAYS_FROM_CE)
}

/// The calendar date of a [`day_number`]; `None` outside chrono's range (a damaged row).
#[must_use]
pub fn date_of_day(day: i64) -> Option<NaiveDate> {
    let ce = i32::try_from(day + i64::from(EPOCH_DAYS_FROM_CE)).ok()?;
    NaiveDate::from_num_days_from_ce_opt(ce)
}

/// `NaiveDate(1970, 1, 1).num_days_from_ce()`.
const EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// The local calendar day of `at` in `zone`, as a [`day_number`].
#[must_use]
pub fn local_day(at: UtcDateTime, zone: Zone) -> i64 {
    day_number(zone.from_utc_datetime(&at.naive_utc()).date_naive())
}

/// The ISO date (`YYYY-MM-DD`) of `t` in `zone`, for screens and exports that show days.
#[must_use]
pub fn local_date(t: UtcDateTime, zone: Zone) -> String {
    t.with_timezone(&zone).date_naive().to_string()
}

/// The instant of the wall-clock time `minute_of_day` on local `date` in `zone`.
///
/// A time that does not exist that day (spring forward: 02:30 in Paris on the last Sunday of
/// March) is read at the same distance after the jump (03:30); a time that happens twice (fall
/// back) is the first of the two. `None` only for a minute past the day or a date out of range.
#[must_use]
pub fn occurrence(date: NaiveDate, minute_of_day: u16, zone: Zone) -> Option<UtcDateTime> {
    let time = NaiveTime::from_num_seconds_from_midnight_opt(u32::from(minute_of_day) * 60, 0)?;
    let local = NaiveDateTime::new(date, time);
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.to_utc()),
        LocalResult::Ambiguous(first, _) => Some(first.to_utc()),
        LocalResult::None => {
            // In a gap: read the wall time with the offset in force before the gap, which lands
            // the same distance after the jump.
            let before = zone
                .from_local_datetime(&(local - Duration::hours(6)))
                .earliest()?;
            let offset = before.naive_local() - before.naive_utc();
            Some((local - offset).and_utc())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_of_day_reads_as_twenty_four_hour_clock() {
        assert_eq!(LocalTime { hour: 7, minute: 5 }.to_string(), "07:05");
        assert_eq!(
            LocalTime::from_minute_of_day(23 * 60 + 59).to_string(),
            "23:59"
        );
        // 14:05:59 in Paris in winter is 13:05:59 UTC: the wall clock, seconds dropped.
        let t = chrono::Utc
            .with_ymd_and_hms(2026, 11, 24, 13, 5, 59)
            .unwrap();
        let paris = t.with_timezone(&Zone::get("Europe/Paris").unwrap());
        assert_eq!(
            LocalTime::of(&paris),
            LocalTime {
                hour: 14,
                minute: 5
            }
        );
        assert_eq!(
            LocalTime {
                hour: 24,
                minute: 0
            }
            .minute_of_day()
            .unwrap_err()
            .field,
            "time"
        );
    }

    #[test]
    fn day_numbers_and_local_days() {
        let d = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        assert_eq!(day_number(d), 0);
        assert_eq!(date_of_day(20_000), NaiveDate::from_ymd_opt(2024, 10, 4));
        // 23:30 UTC on 24 Nov is already 25 Nov in Paris.
        let t = chrono::Utc
            .with_ymd_and_hms(2026, 11, 24, 23, 30, 0)
            .unwrap();
        let paris = local_day(t, Zone::get("Europe/Paris").unwrap());
        let utc = local_day(t, Zone::UTC);
        assert_eq!(paris, utc + 1);
        assert_eq!(
            CalendarDate::from_naive(date_of_day(paris).unwrap()),
            CalendarDate {
                year: 2026,
                month: 11,
                day: 25
            }
        );
        assert_eq!(
            local_date(t, Zone::get("Europe/Paris").unwrap()),
            "2026-11-25"
        );
        assert!(
            CalendarDate {
                year: 2026,
                month: 2,
                day: 30
            }
            .to_naive("from")
            .is_err()
        );
    }

    #[test]
    fn occurrence_reads_a_missing_time_after_the_jump() {
        // New York springs forward on 2027-03-14 at 02:00 → 03:00.
        let d = NaiveDate::from_ymd_opt(2027, 3, 14).unwrap();
        let new_york = Zone::get("America/New_York").unwrap();
        let utc = |y, mo, d, h, mi| chrono::Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap();
        assert_eq!(occurrence(d, 150, new_york), Some(utc(2027, 3, 14, 7, 30)));
        assert_eq!(occurrence(d, 60, new_york), Some(utc(2027, 3, 14, 6, 0)));
    }
}
