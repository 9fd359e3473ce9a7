//! The recovery tables, with their SQL: the plan, checklist ticks, reminders and their firings,
//! and the symptom log (journaled through [`crate::store::journal`]: history, soft delete and
//! restore).

use std::collections::HashSet;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::{
    LocalTime, Reminder, ReminderInput, ReminderZone, Severity, Symptom, SymptomEntry,
    SymptomInput, assess,
};
use crate::l10n::Language;
use crate::model::{
    Author, CalendarDate, UtcDateTime, Zone, date_of_day, day_number, from_millis, to_millis,
};
use crate::store::StoreError;
use crate::store::journal::Journaled;

/// The stored plan: implant day (a day number), the zone then, the pump drug's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRow {
    /// The implant's local day number.
    pub implant_day: i64,
    /// The patient's zone when the plan was made.
    pub zone: String,
    /// The drug code (`model::Drug::code`).
    pub drug: String,
}

/// Starts (or restarts) the recovery plan: clears the ticks and the plan's own reminders.
///
/// # Errors
/// A storage error.
pub fn set_plan(tx: &Transaction<'_>, plan: &PlanRow, now: UtcDateTime) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO recovery_plan (id, implant_day, zone, drug, created_at_ms)
         VALUES (1, ?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET implant_day = ?1, zone = ?2, drug = ?3, created_at_ms = ?4",
        params![plan.implant_day, plan.zone, plan.drug, to_millis(now)],
    )?;
    tx.execute("DELETE FROM recovery_checklist", [])?;
    tx.execute("DELETE FROM reminders WHERE item IS NOT NULL", [])?;
    Ok(())
}

/// The plan, if one was started.
///
/// # Errors
/// A storage error.
pub fn recovery_plan(conn: &Connection) -> Result<Option<PlanRow>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT implant_day, zone, drug FROM recovery_plan WHERE id = 1",
            [],
            |r| {
                Ok(PlanRow {
                    implant_day: r.get(0)?,
                    zone: r.get(1)?,
                    drug: r.get(2)?,
                })
            },
        )
        .optional()?)
}

/// The ticked checklist items: key, when, by whom.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn checklist_ticks(
    conn: &Connection,
) -> Result<Vec<(String, UtcDateTime, Author)>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT item, done_at_ms, author FROM recovery_checklist")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    rows.map(|row| {
        let (k, at, by) = row?;
        let damaged = || StoreError::damaged("recovery_checklist");
        Ok((
            k,
            from_millis(at).ok_or_else(damaged)?,
            Author::from_code(&by).ok_or_else(damaged)?,
        ))
    })
    .collect()
}

/// Ticks (`Some`) or unticks (`None`) checklist item `key`.
///
/// # Errors
/// A storage error.
pub fn set_tick(
    tx: &Transaction<'_>,
    key: &str,
    done: Option<(UtcDateTime, Author)>,
) -> Result<(), StoreError> {
    match done {
        Some((at, by)) => tx.execute(
            "INSERT INTO recovery_checklist (item, done_at_ms, author) VALUES (?1, ?2, ?3)
             ON CONFLICT (item) DO UPDATE SET done_at_ms = ?2, author = ?3",
            params![key, to_millis(at), by.code()],
        )?,
        None => tx.execute("DELETE FROM recovery_checklist WHERE item = ?1", [key])?,
    };
    Ok(())
}

fn day_of(d: CalendarDate, field: &'static str) -> Result<i64, super::Error> {
    Ok(day_number(d.to_naive(field)?))
}

/// Stores a reminder (already checked by the caller).
///
/// # Errors
/// [`super::Error::Invalid`] for impossible dates or time, or a storage error.
pub fn insert_reminder(
    tx: &Transaction<'_>,
    item: Option<&str>,
    v: &ReminderInput,
    now: UtcDateTime,
) -> Result<Reminder, super::Error> {
    let zone = match &v.zone {
        ReminderZone::FollowDevice => None,
        ReminderZone::Fixed { time_zone } => Some(time_zone.as_str()),
    };
    tx.prepare_cached(
        "INSERT INTO reminders (title, item, minute_of_day, first_day, last_day, zone, created_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        v.title,
        item,
        v.time.minute_of_day()?,
        day_of(v.first_date, "first_date")?,
        day_of(v.last_date, "last_date")?,
        zone,
        to_millis(now),
    ])?;
    Ok(Reminder {
        id: tx.last_insert_rowid(),
        item: item.map(str::to_owned),
        value: v.clone(),
        created_at: now,
    })
}

/// Every reminder, by id.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn all_reminders(conn: &Connection) -> Result<Vec<Reminder>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, title, item, minute_of_day, first_day, last_day, zone, created_at_ms
         FROM reminders ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, u16>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, i64>(5)?,
            r.get::<_, Option<String>>(6)?,
            r.get::<_, i64>(7)?,
        ))
    })?;
    rows.map(|row| {
        let (id, title, item, minute, first, last, zone, created) = row?;
        let damaged = || StoreError::damaged("reminders");
        Ok(Reminder {
            id,
            item,
            value: ReminderInput {
                title,
                time: LocalTime::from_minute_of_day(minute),
                first_date: CalendarDate::from_naive(date_of_day(first).ok_or_else(damaged)?),
                last_date: CalendarDate::from_naive(date_of_day(last).ok_or_else(damaged)?),
                zone: match zone {
                    None => ReminderZone::FollowDevice,
                    Some(time_zone) => ReminderZone::Fixed { time_zone },
                },
            },
            created_at: from_millis(created).ok_or_else(damaged)?,
        })
    })
    .collect()
}

/// Removes reminder `id` (and its firings); `false` if there was none.
///
/// # Errors
/// A storage error.
pub fn delete_reminder(tx: &Transaction<'_>, id: i64) -> Result<bool, StoreError> {
    Ok(tx.execute("DELETE FROM reminders WHERE id = ?1", [id])? == 1)
}

/// The (reminder id, local day) pairs that fired on or after local day `from`.
///
/// # Errors
/// A storage error.
pub fn fired_since(conn: &Connection, from: i64) -> Result<HashSet<(i64, i64)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT reminder_id, local_day FROM reminder_fired WHERE local_day >= ?1",
    )?;
    let rows = stmt.query_map([from], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Records that reminder `id` fired for local day `day`; `false` if it already had.
///
/// # Errors
/// A storage error.
pub fn mark_fired(
    tx: &Transaction<'_>,
    id: i64,
    day: i64,
    at: UtcDateTime,
) -> Result<bool, StoreError> {
    Ok(tx.execute(
        "INSERT INTO reminder_fired (reminder_id, local_day, fired_at_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
        params![id, day, to_millis(at)],
    )? == 1)
}

/// When reminders were last checked, if ever.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn last_reminder_check(conn: &Connection) -> Result<Option<UtcDateTime>, StoreError> {
    conn.query_row(
        "SELECT last_checked_ms FROM reminder_check WHERE id = 1",
        [],
        |r| r.get::<_, i64>(0),
    )
    .optional()?
    .map(|ms| from_millis(ms).ok_or_else(|| StoreError::damaged("reminder_check")))
    .transpose()
}

/// Records when reminders were last checked.
///
/// # Errors
/// A storage error.
pub fn set_last_reminder_check(tx: &Transaction<'_>, at: UtcDateTime) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO reminder_check (id, last_checked_ms) VALUES (1, ?1)
         ON CONFLICT (id) DO UPDATE SET last_checked_ms = ?1",
        [to_millis(at)],
    )?;
    Ok(())
}

// ---- symptoms ----

const SYMPTOM_COLUMNS: &str =
    "id, at_ms, zone, symptom, severity, note, created_at_ms, updated_at_ms";

impl Journaled for SymptomInput {
    type Entry = SymptomEntry;
    const KIND: &'static str = "symptom";
    const TABLE: &'static str = "symptom_entries";
    const READ_COLUMNS: &'static str = SYMPTOM_COLUMNS;

    fn columns(&self, _zone: Zone) -> Vec<(&'static str, Value)> {
        vec![
            ("at_ms", Value::Integer(to_millis(self.at))),
            ("symptom", Value::Text(self.symptom.code().to_owned())),
            ("severity", Value::Text(self.severity.code().to_owned())),
            ("note", self.note.clone().map_or(Value::Null, Value::Text)),
        ]
    }

    fn from_row(r: &Row<'_>) -> rusqlite::Result<Result<SymptomEntry, StoreError>> {
        symptom_row(r)
    }

    fn value(entry: &SymptomEntry) -> &Self {
        &entry.value
    }

    fn zone(entry: &SymptomEntry) -> &str {
        &entry.time_zone
    }
}

fn symptom_row(r: &Row<'_>) -> rusqlite::Result<Result<SymptomEntry, StoreError>> {
    let symptom: String = r.get(3)?;
    let severity: String = r.get(4)?;
    let (Some(at), Some(created_at), Some(updated_at), Some(symptom), Some(severity)) = (
        from_millis(r.get(1)?),
        from_millis(r.get(6)?),
        from_millis(r.get(7)?),
        Symptom::from_code(&symptom),
        Severity::from_code(&severity),
    ) else {
        return Ok(Err(StoreError::damaged("symptom_entries")));
    };
    Ok(Ok(SymptomEntry {
        id: r.get(0)?,
        time_zone: r.get(2)?,
        // In English here; the app shows it in the reader's language (`app::recovery`).
        guidance: assess(symptom, severity, Language::English),
        value: SymptomInput {
            at,
            symptom,
            severity,
            note: r.get(5)?,
        },
        created_at,
        updated_at,
    }))
}
