//! Time zones: the patient's zone (`Europe/Paris`), with its rules read from the device's own
//! time zone database, which the phone's system keeps up to date (Android's `tzdata`, the
//! `zoneinfo` folder of iOS, macOS and Linux). The library carries no copy of its own (one would
//! cost 1.9 MB and go stale; docs/decisions/0006-library-size.md).
//!
//! [`Zone`] is a chrono [`TimeZone`], so `t.with_timezone(&zone)` and
//! `zone.from_local_datetime(..)` work as with any other. Looking a zone up reads the database
//! once per zone and process (the one place where the model layer reads a file, as reading the
//! clock is its one system call); a zone is a small `Copy` handle afterwards.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, OnceLock, PoisonError};

use chrono::{FixedOffset, MappedLocalTime, NaiveDate, NaiveDateTime, Offset, TimeZone};
use jiff::tz::{AmbiguousOffset, TimeZoneDatabase};

/// An IANA time zone and its rules.
#[derive(Clone, Copy)]
pub struct Zone(&'static Rules);

struct Rules {
    name: &'static str,
    tz: jiff::tz::TimeZone,
}

static UTC_RULES: Rules = Rules {
    name: "UTC",
    tz: jiff::tz::TimeZone::UTC,
};

/// A name that is not a zone of the device's time zone database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a known time zone name")]
pub struct UnknownZone;

impl Zone {
    /// Coordinated Universal Time (no database needed).
    pub const UTC: Self = Self(&UTC_RULES);

    /// The zone named `name` (an IANA name such as `Europe/Paris`; case does not matter), from
    /// the device's time zone database.
    ///
    /// # Errors
    /// [`UnknownZone`] for a name the database does not have (or no database at all).
    pub fn get(name: &str) -> Result<Self, UnknownZone> {
        let name = name.trim();
        if name.is_empty() {
            return Err(UnknownZone);
        }
        if name == "UTC" {
            return Ok(Self::UTC);
        }
        // Every zone looked up stays loaded for the process: a handful at most (the patient's,
        // a reminder's), a few kilobytes each, and never parsed twice.
        static LOADED: OnceLock<Mutex<HashMap<String, &'static Rules>>> = OnceLock::new();
        let mut loaded = LOADED
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(rules) = loaded.get(name) {
            return Ok(Self(rules));
        }
        let tz = databases()
            .iter()
            .find_map(|db| db.get(name).ok())
            .ok_or(UnknownZone)?;
        let canonical: &'static str =
            Box::leak(tz.iana_name().unwrap_or(name).to_owned().into_boxed_str());
        let rules: &'static Rules = Box::leak(Box::new(Rules {
            name: canonical,
            tz,
        }));
        loaded.insert(name.to_owned(), rules);
        Ok(Self(rules))
    }

    /// The zone's IANA name, as the database spells it (`Europe/Paris`).
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.0.name
    }

    fn at(&self, seconds: i64) -> ZoneOffset {
        let ts = jiff::Timestamp::from_second(seconds).unwrap_or(if seconds < 0 {
            jiff::Timestamp::MIN
        } else {
            jiff::Timestamp::MAX
        });
        let info = self.0.tz.to_offset_info(ts);
        ZoneOffset {
            zone: *self,
            fixed: fixed(info.offset()),
            abbreviation: Abbreviation::new(info.abbreviation()),
        }
    }

    fn offset(&self, offset: jiff::tz::Offset) -> ZoneOffset {
        ZoneOffset {
            zone: *self,
            fixed: fixed(offset),
            abbreviation: Abbreviation::default(),
        }
    }
}

/// The databases to look zones up in, most up to date first.
#[allow(clippy::vec_init_then_push)] // which come first depends on the platform
fn databases() -> &'static [TimeZoneDatabase] {
    static DATABASES: OnceLock<Vec<TimeZoneDatabase>> = OnceLock::new();
    DATABASES.get_or_init(|| {
        let mut dbs = Vec::new();
        // Android keeps one packed file, updated through the time zone module (Android 10 and
        // later) or the system: the module's copy first, as Android's own libraries read it.
        #[cfg(target_os = "android")]
        for path in [
            "/apex/com.android.tzdata/etc/tz/tzdata",
            "/data/misc/zoneinfo/current/tzdata",
            "/system/usr/share/zoneinfo/tzdata",
        ] {
            if let Ok(db) = TimeZoneDatabase::from_concatenated_path(path) {
                dbs.push(db);
            }
        }
        // `TZDIR`, `/usr/share/zoneinfo`, `/etc/zoneinfo` (Linux, macOS, iOS).
        dbs.push(jiff::tz::db().clone());
        // Apple's own copy, where `/usr/share/zoneinfo` links to.
        #[cfg(target_vendor = "apple")]
        if let Ok(db) = TimeZoneDatabase::from_dir("/var/db/timezone/zoneinfo") {
            dbs.push(db);
        }
        dbs
    })
}

fn fixed(offset: jiff::tz::Offset) -> FixedOffset {
    // jiff's offsets stay within ±25:59:59, chrono's within ±23:59:59: none in use comes near.
    FixedOffset::east_opt(offset.seconds()).unwrap_or_else(|| chrono::Utc.fix())
}

impl FromStr for Zone {
    type Err = UnknownZone;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::get(s)
    }
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}

impl Eq for Zone {}

impl std::hash::Hash for Zone {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name().hash(state);
    }
}

/// The offset from UTC in force in a [`Zone`] at some instant; shown as the zone's abbreviation
/// (`CET`) when it is known, else as the offset (`+01:00`).
#[derive(Clone, Copy)]
pub struct ZoneOffset {
    zone: Zone,
    fixed: FixedOffset,
    abbreviation: Abbreviation,
}

/// A zone's abbreviation (`CET`, `EDT`, `+04`), kept inline so that offsets stay `Copy`; empty
/// when unknown or longer than the IANA database's own (at most 6 characters).
#[derive(Clone, Copy, Default)]
struct Abbreviation([u8; 8], u8);

impl Abbreviation {
    fn new(text: &str) -> Self {
        let mut bytes = [0; 8];
        match bytes.get_mut(..text.len()) {
            Some(head) => {
                head.copy_from_slice(text.as_bytes());
                Self(bytes, u8::try_from(text.len()).unwrap_or(0))
            }
            None => Self::default(),
        }
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0[..usize::from(self.1)]).unwrap_or("")
    }
}

impl Offset for ZoneOffset {
    fn fix(&self) -> FixedOffset {
        self.fixed
    }
}

impl fmt::Debug for ZoneOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.fixed, self.zone)
    }
}

impl fmt::Display for ZoneOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.abbreviation.as_str() {
            "" => fmt::Display::fmt(&self.fixed, f),
            text => f.write_str(text),
        }
    }
}

impl TimeZone for Zone {
    type Offset = ZoneOffset;

    fn from_offset(offset: &ZoneOffset) -> Self {
        offset.zone
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> MappedLocalTime<ZoneOffset> {
        self.offset_from_local_datetime(&local.and_time(chrono::NaiveTime::MIN))
    }

    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> MappedLocalTime<ZoneOffset> {
        use chrono::{Datelike, Timelike};
        let civil = (|| {
            jiff::civil::DateTime::new(
                i16::try_from(local.year()).ok()?,
                i8::try_from(local.month()).ok()?,
                i8::try_from(local.day()).ok()?,
                i8::try_from(local.hour()).ok()?,
                i8::try_from(local.minute()).ok()?,
                i8::try_from(local.second()).ok()?,
                0,
            )
            .ok()
        })();
        let Some(civil) = civil else {
            // Beyond the years the database covers: the offset of that moment read as UTC.
            return MappedLocalTime::Single(self.offset_from_utc_datetime(local));
        };
        match self.0.tz.to_ambiguous_timestamp(civil).offset() {
            AmbiguousOffset::Unambiguous { offset } => MappedLocalTime::Single(self.offset(offset)),
            AmbiguousOffset::Gap { .. } => MappedLocalTime::None,
            // Earliest first: the offset before the clocks went back.
            AmbiguousOffset::Fold { before, after } => {
                MappedLocalTime::Ambiguous(self.offset(before), self.offset(after))
            }
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> ZoneOffset {
        self.offset_from_utc_datetime(&utc.and_time(chrono::NaiveTime::MIN))
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> ZoneOffset {
        self.at(utc.and_utc().timestamp())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, Timelike};

    use super::*;

    fn paris() -> Zone {
        Zone::get("Europe/Paris").unwrap()
    }

    #[test]
    fn zones_are_read_from_the_device_database_once_and_compare_by_name() {
        let a = paris();
        assert_eq!(a.name(), "Europe/Paris");
        assert_eq!(Zone::get(" Europe/Paris ").unwrap(), a);
        assert!(std::ptr::eq(Zone::get("Europe/Paris").unwrap().0, a.0));
        // The database's spelling is kept, whatever the case asked for.
        assert_eq!(Zone::get("europe/paris").unwrap().name(), "Europe/Paris");
        assert_eq!(
            "America/New_York".parse::<Zone>().unwrap().name(),
            "America/New_York"
        );
        assert_eq!(Zone::get("UTC").unwrap(), Zone::UTC);
        assert_eq!(Zone::get("Mars/Olympus"), Err(UnknownZone));
        assert_eq!(Zone::get("  "), Err(UnknownZone));
    }

    #[test]
    fn utc_instants_get_the_offset_in_force() {
        let winter = chrono::Utc.with_ymd_and_hms(2026, 1, 15, 12, 0, 0).unwrap();
        let summer = chrono::Utc.with_ymd_and_hms(2026, 7, 15, 12, 0, 0).unwrap();
        assert_eq!(winter.with_timezone(&paris()).hour(), 13);
        assert_eq!(summer.with_timezone(&paris()).hour(), 14);
        assert_eq!(
            winter
                .with_timezone(&paris())
                .format("%H:%M %Z")
                .to_string(),
            "13:00 CET"
        );
        assert_eq!(
            summer.with_timezone(&paris()).format("%:z").to_string(),
            "+02:00"
        );
        // 23:30 UTC on 31 December is already the new year in Paris.
        let eve = chrono::Utc
            .with_ymd_and_hms(2026, 12, 31, 23, 30, 0)
            .unwrap();
        assert_eq!(eve.with_timezone(&paris()).year(), 2027);
        assert_eq!(eve.with_timezone(&Zone::UTC).year(), 2026);
    }

    #[test]
    fn local_times_in_a_gap_are_none_and_in_a_fold_are_both_earliest_first() {
        let local = |d: u32, h: u32, m: u32| {
            NaiveDate::from_ymd_opt(2026, 3, d)
                .unwrap()
                .and_hms_opt(h, m, 0)
                .unwrap()
        };
        // Paris springs forward at 02:00 on 29 March 2026: 02:30 does not exist.
        assert_eq!(
            paris().from_local_datetime(&local(29, 2, 30)),
            MappedLocalTime::None
        );
        let before = paris()
            .from_local_datetime(&local(29, 1, 30))
            .single()
            .unwrap();
        assert_eq!(before.to_utc().hour(), 0);
        // It falls back at 03:00 on 25 October 2026: 02:30 happens twice.
        let twice = NaiveDate::from_ymd_opt(2026, 10, 25)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        let MappedLocalTime::Ambiguous(first, second) = paris().from_local_datetime(&twice) else {
            panic!("02:30 on 25 October is ambiguous in Paris");
        };
        assert_eq!(first.to_utc().hour(), 0);
        assert_eq!(second.to_utc().hour(), 1);
        assert_eq!(Zone::from_offset(first.offset()), paris());
    }
}
