//! Checks of what people, pumps and files give the core: the one invalid-input error, and the
//! shared rules for times, free texts and time-zone names.

use super::{UtcDateTime, Zone, from_millis, to_millis};

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

/// How far in the future an entered time may be (phone clocks differ a little): five minutes.
pub const FUTURE_TOLERANCE: chrono::Duration = chrono::Duration::minutes(5);
/// The longest free text (note, reason, location) in characters.
pub const MAX_NOTE_CHARS: usize = 2_000;
/// The longest name (medication, body location) in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// Checks an optional free text: at most `max` characters; blank text counts as none.
///
/// # Errors
/// [`InvalidInput`] on `field` for a text that is too long.
pub fn check_text(field: &'static str, v: Option<&str>, max: usize) -> Result<(), InvalidInput> {
    match v {
        Some(s) if s.chars().count() > max => Err(InvalidInput::new(
            field,
            format!("is too long (at most {max} characters)"),
        )),
        _ => Ok(()),
    }
}

/// Checks the time something happened: not later than `now` plus [`FUTURE_TOLERANCE`], not
/// before 1970.
///
/// # Errors
/// [`InvalidInput`] on `field`.
pub fn check_time(
    field: &'static str,
    at: UtcDateTime,
    now: UtcDateTime,
) -> Result<(), InvalidInput> {
    if at > now + FUTURE_TOLERANCE {
        return Err(InvalidInput::new(
            field,
            "is in the future; enter the time it happened (check the phone's clock and time zone)",
        ));
    }
    if at.timestamp() < 0 {
        return Err(InvalidInput::new(field, "is before 1970"));
    }
    Ok(())
}

/// `at` rounded to the nearest millisecond, the precision the store keeps. Rounding (not
/// truncating) keeps a time that went through a `Double` (Swift's `Date`) on the same
/// millisecond when the app sends it back in an edit.
#[must_use]
pub fn to_nearest_milli(at: UtcDateTime) -> UtcDateTime {
    let half = chrono::Duration::microseconds(500);
    let t = at.checked_add_signed(half).unwrap_or(at);
    from_millis(to_millis(t)).unwrap_or(at)
}

/// Trims a free text; blank text becomes `None`.
#[must_use]
pub fn tidy(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Parses an IANA time-zone name (`Europe/Paris`).
///
/// # Errors
/// [`InvalidInput`] on `field` for a name that is not a known zone.
pub fn parse_time_zone(field: &'static str, name: &str) -> Result<Zone, InvalidInput> {
    name.trim().parse().map_err(|_| {
        InvalidInput::new(
            field,
            "is not a known time zone name (use one such as Europe/Paris)",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> UtcDateTime {
        chrono::Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
    }

    #[test]
    fn a_time_in_the_future_is_refused_beyond_the_tolerance() {
        assert!(check_time("at", now() + FUTURE_TOLERANCE, now()).is_ok());
        let e = check_time(
            "at",
            now() + FUTURE_TOLERANCE + chrono::Duration::seconds(1),
            now(),
        )
        .unwrap_err();
        assert_eq!(e.field, "at");
        assert!(e.reason.contains("future"));
        let old = chrono::Utc.with_ymd_and_hms(1969, 12, 31, 0, 0, 0).unwrap();
        assert!(check_time("at", old, now()).is_err());
    }

    #[test]
    fn texts_are_trimmed_and_limited() {
        assert_eq!(tidy(Some("  a note ".into())), Some("a note".into()));
        assert_eq!(tidy(Some("   ".into())), None);
        assert!(check_text("note", Some("abc"), 3).is_ok());
        assert_eq!(
            check_text("note", Some("abcd"), 3).unwrap_err().field,
            "note"
        );
        assert!(check_text("note", None, 0).is_ok());
    }

    #[test]
    fn times_round_to_the_nearest_millisecond() {
        let t = now() + chrono::Duration::microseconds(1_499);
        assert_eq!(
            to_nearest_milli(t),
            now() + chrono::Duration::milliseconds(1)
        );
        let t = now() + chrono::Duration::microseconds(1_500);
        assert_eq!(
            to_nearest_milli(t),
            now() + chrono::Duration::milliseconds(2)
        );
    }

    #[test]
    fn zone_names_are_checked() {
        assert_eq!(
            parse_time_zone("zone", "Europe/Paris"),
            Ok(Zone::get("Europe/Paris").unwrap())
        );
        assert_eq!(
            parse_time_zone("time_zone", "Mars/Olympus")
                .unwrap_err()
                .field,
            "time_zone"
        );
    }
}
