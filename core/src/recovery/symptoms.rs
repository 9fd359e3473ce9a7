//! The symptom log as functions over a transaction or a connection. Each entry says what to do
//! about it; every change keeps its history, and a delete can be undone for 30 days.

use rusqlite::{Connection, Transaction};

use super::{Error, SymptomEntry, SymptomInput, SymptomRevision};
use crate::model::{
    Author, InvalidInput, MAX_NOTE_CHARS, UtcDateTime, Zone, check_text, check_time, tidy,
    to_nearest_milli,
};
use crate::store::journal;

fn check(v: SymptomInput, now: UtcDateTime) -> Result<SymptomInput, InvalidInput> {
    check_time("at", v.at, now)?;
    check_text("note", v.note.as_deref(), MAX_NOTE_CHARS)?;
    Ok(SymptomInput {
        at: to_nearest_milli(v.at),
        note: tidy(v.note),
        ..v
    })
}

/// Logs a symptom noticed at `input.at`, entered in `zone`.
///
/// # Errors
/// [`Error::Invalid`] naming the field (`at`, `note`), or a storage error.
pub fn log_symptom(
    tx: &Transaction<'_>,
    input: SymptomInput,
    zone: Zone,
    now: UtcDateTime,
    author: Author,
) -> Result<SymptomEntry, Error> {
    let input = check(input, now)?;
    Ok(journal::create(tx, &input, zone, now, author)?)
}

/// Changes symptom entry `id`; the earlier values stay in its history.
///
/// # Errors
/// [`Error::Invalid`], not found, or a storage error.
pub fn edit_symptom(
    tx: &Transaction<'_>,
    id: i64,
    input: SymptomInput,
    now: UtcDateTime,
    author: Author,
) -> Result<SymptomEntry, Error> {
    let input = check(input, now)?;
    journal::edit(tx, id, &input, now, author)
}

/// Deletes symptom entry `id`; it can be restored for 30 days.
///
/// # Errors
/// Not found, or a storage error.
pub fn delete_symptom(
    tx: &Transaction<'_>,
    id: i64,
    now: UtcDateTime,
    author: Author,
) -> Result<(), Error> {
    journal::delete::<SymptomInput, _>(tx, id, now, author)
}

/// Brings back symptom entry `id` if it was deleted less than 30 days ago.
///
/// # Errors
/// Not found, not deleted, expired, or a storage error.
pub fn restore_symptom(
    tx: &Transaction<'_>,
    id: i64,
    now: UtcDateTime,
    author: Author,
) -> Result<SymptomEntry, Error> {
    journal::restore::<SymptomInput, _>(tx, id, now, author)
}

/// Symptoms noticed in `[from, to)`, oldest first, each with what to do about it.
///
/// # Errors
/// A storage error.
pub fn symptoms(
    conn: &Connection,
    from: UtcDateTime,
    to: UtcDateTime,
) -> Result<Vec<SymptomEntry>, Error> {
    Ok(journal::between::<SymptomInput>(conn, from, to)?)
}

/// Every version of symptom entry `id`, oldest first.
///
/// # Errors
/// A storage error.
pub fn symptom_history(conn: &Connection, id: i64) -> Result<Vec<SymptomRevision>, Error> {
    Ok(journal::history::<SymptomInput>(conn, id)?
        .into_iter()
        .map(|(change, value)| SymptomRevision { change, value })
        .collect())
}

/// Removes for good the symptom entries deleted more than 30 days before `now`. Returns how
/// many.
///
/// # Errors
/// A storage error.
pub fn purge_expired(tx: &Transaction<'_>, now: UtcDateTime) -> Result<u32, Error> {
    Ok(journal::purge::<SymptomInput>(tx, now)?)
}
