//! The next refill appointment, as the patient enters it from the clinic's letter or call: a
//! wall-clock date and time in the clinic's zone, and where. It is kept as entered (a trip abroad
//! or a change of the zone's rules never moves it) with the instant it falls at. One at a time:
//! entering another replaces it. The dashboard shows it while its day has not passed, and whether
//! the reservoir may run low before it; caregivers are told on the day (`alerts::rules`).

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::Error;
use crate::model::{
    CalendarDate, InvalidInput, LocalTime, UtcDateTime, Zone, date_of_day, day_number, from_millis,
    occurrence, parse_time_zone, to_millis,
};
use crate::store::StoreError;

/// A refill appointment as the patient enters it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RefillAppointmentInput {
    /// The day, in the clinic's zone.
    pub date: CalendarDate,
    /// The time, in the clinic's zone.
    pub time: LocalTime,
    /// The clinic's zone (an IANA name such as `Europe/Paris`); none: the patient's zone.
    pub time_zone: Option<String>,
    /// Where (the clinic, a ward), as the patient wants to see it; none: not said.
    pub place: Option<String>,
}

/// The refill appointment kept.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RefillAppointment {
    /// The day, in the clinic's zone.
    pub date: CalendarDate,
    /// The time, in the clinic's zone.
    pub time: LocalTime,
    /// The clinic's zone (IANA name).
    pub time_zone: String,
    /// The instant it falls at.
    pub at: UtcDateTime,
    /// Where, if the patient said.
    pub place: Option<String>,
    /// When it was entered.
    pub set_at: UtcDateTime,
}

/// The longest place kept, in characters.
const MAX_PLACE: usize = 200;

/// Keeps `input` as the next refill appointment (replacing any), read in `patient_zone` unless
/// it names the clinic's zone; `None` removes it. Returns what is kept.
///
/// # Errors
/// [`Error::Invalid`] naming `date`, `time`, `time_zone` or `place`; a storage error.
pub fn set(
    tx: &Transaction<'_>,
    input: Option<&RefillAppointmentInput>,
    patient_zone: Zone,
    now: UtcDateTime,
) -> Result<Option<RefillAppointment>, Error> {
    let Some(input) = input else {
        tx.execute("DELETE FROM refill_appointment", [])?;
        return Ok(None);
    };
    let date = input.date.to_naive("date")?;
    let minute = input.time.minute_of_day()?;
    let zone = match input.time_zone.as_deref() {
        Some(name) => parse_time_zone("time_zone", name)?,
        None => patient_zone,
    };
    let place = match input.place.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) if p.chars().count() > MAX_PLACE => {
            return Err(InvalidInput::new("place", "is longer than 200 characters").into());
        }
        Some(p) => Some(p.to_owned()),
    };
    let at = occurrence(date, minute, zone)
        .ok_or_else(|| InvalidInput::new("date", "is out of the supported range"))?;
    tx.prepare_cached(
        "INSERT OR REPLACE INTO refill_appointment
             (id, local_day, minute_of_day, zone, at_ms, place, set_at_ms)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        day_number(date),
        minute,
        zone.name(),
        to_millis(at),
        place,
        to_millis(now)
    ])?;
    Ok(get(tx)?)
}

/// The refill appointment kept, if any (past or not).
///
/// # Errors
/// A storage error; [`StoreError::Corrupt`] for a damaged row.
pub fn get(conn: &Connection) -> Result<Option<RefillAppointment>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT local_day, minute_of_day, zone, at_ms, place, set_at_ms
             FROM refill_appointment WHERE id = 1",
        )?
        .query_row([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, u16>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })
        .optional()?;
    let Some((day, minute, zone, at, place, set_at)) = row else {
        return Ok(None);
    };
    let damaged = || StoreError::damaged("refill_appointment");
    Ok(Some(RefillAppointment {
        date: CalendarDate::from_naive(date_of_day(day).ok_or_else(damaged)?),
        time: LocalTime::from_minute_of_day(minute),
        time_zone: zone,
        at: from_millis(at).ok_or_else(damaged)?,
        place,
        set_at: from_millis(set_at).ok_or_else(damaged)?,
    }))
}

/// The appointment if its day (in the clinic's zone) has not passed at `now`.
///
/// # Errors
/// A storage error.
pub fn upcoming(
    conn: &Connection,
    now: UtcDateTime,
) -> Result<Option<RefillAppointment>, StoreError> {
    Ok(get(conn)?.filter(|a| {
        let zone = a.time_zone.parse().unwrap_or(Zone::UTC);
        a.date
            .to_naive("date")
            .is_ok_and(|day| day >= now.with_timezone(&zone).date_naive())
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn at(s: &str) -> UtcDateTime {
        s.parse().unwrap()
    }

    fn input(
        y: i32,
        m: u8,
        d: u8,
        hour: u8,
        minute: u8,
        zone: Option<&str>,
    ) -> RefillAppointmentInput {
        RefillAppointmentInput {
            date: CalendarDate {
                year: y,
                month: m,
                day: d,
            },
            time: LocalTime { hour, minute },
            time_zone: zone.map(str::to_owned),
            place: Some("  Pain clinic  ".into()),
        }
    }

    #[test]
    fn an_appointment_is_kept_in_the_clinics_zone_through_a_clock_change() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in_dir(dir.path()).unwrap();
        let paris = Zone::get("Europe/Paris").unwrap();
        let now = at("2027-03-20T12:00:00Z");
        // 29 March 2027, 10:30 in Paris: summer time (UTC+2) began the day before.
        let kept = store
            .write(|tx| set(tx, Some(&input(2027, 3, 29, 10, 30, None)), paris, now))
            .unwrap()
            .unwrap();
        assert_eq!(kept.at, at("2027-03-29T08:30:00Z"));
        assert_eq!(kept.time_zone, "Europe/Paris");
        assert_eq!(kept.place.as_deref(), Some("Pain clinic"));
        // Seen from New York, the clinic's zone still decides.
        let ny = Zone::get("America/New_York").unwrap();
        let kept = store
            .write(|tx| {
                set(
                    tx,
                    Some(&input(2027, 3, 29, 10, 30, Some("Europe/Paris"))),
                    ny,
                    now,
                )
            })
            .unwrap()
            .unwrap();
        assert_eq!(kept.at, at("2027-03-29T08:30:00Z"));
        assert_eq!(store.read(get).unwrap(), Some(kept.clone()));
        // Shown until its day is over there, then no longer.
        let shown = |now| store.read(|c| upcoming(c, now)).unwrap();
        assert_eq!(shown(at("2027-03-29T21:59:00Z")), Some(kept));
        assert_eq!(shown(at("2027-03-29T22:00:00Z")), None, "midnight in Paris");
        // Removed.
        store.write(|tx| set(tx, None, paris, now)).unwrap();
        assert_eq!(store.read(get).unwrap(), None);
    }

    #[test]
    fn a_wrong_value_is_refused_by_its_field() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in_dir(dir.path()).unwrap();
        let now = at("2027-03-20T12:00:00Z");
        let field =
            |i: RefillAppointmentInput| match store.write(|tx| set(tx, Some(&i), Zone::UTC, now)) {
                Err(Error::Invalid(e)) => e.field,
                other => panic!("expected a refusal, got {other:?}"),
            };
        assert_eq!(field(input(2027, 2, 30, 10, 0, None)), "date");
        assert_eq!(field(input(2027, 3, 1, 24, 0, None)), "time");
        assert_eq!(
            field(input(2027, 3, 1, 10, 0, Some("Mars/Olympus"))),
            "time_zone"
        );
        let mut long = input(2027, 3, 1, 10, 0, None);
        long.place = Some("x".repeat(201));
        assert_eq!(field(long), "place");
        assert_eq!(store.read(get).unwrap(), None, "nothing kept");
    }
}
