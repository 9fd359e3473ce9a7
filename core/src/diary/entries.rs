//! What the apps do with the diary, as functions over a transaction or a connection: enter,
//! edit, delete, restore, read back with history, and chart. The caller (`app::Diary`) gives
//! the time, the patient's zone and who is acting.

use rusqlite::{Connection, Transaction};

use super::db::{self, Grouping};
use super::{
    Error, MedicationEntry, MedicationInput, MedicationRevision, PainEntry, PainInput,
    PainRevision, Trend, TrendBucket, TrendComparison, TrendPeriod, UsualDose, assemble,
    range_days,
};
use crate::model::{Author, CalendarDate, InvalidInput, UtcDateTime, Zone};
use crate::store::journal::{self, Refusal};

/// How far back [`usual_doses`] looks, in days.
pub const USUAL_DOSE_DAYS: i64 = 90;

/// Saves a pain score felt at `input.at`, entered in `zone`.
///
/// # Errors
/// [`Error::Invalid`] naming the field (`score`, `at`…), or a storage error.
pub fn add_pain(
    tx: &Transaction<'_>,
    input: PainInput,
    zone: Zone,
    now: UtcDateTime,
    author: Author,
) -> Result<PainEntry, Error> {
    input.validate(now)?;
    Ok(journal::create(tx, &input.tidied(), zone, now, author)?)
}

/// Changes pain entry `id`; the earlier values stay in its history.
///
/// # Errors
/// [`Error::Invalid`], [`Refusal::NotFound`], or a storage error.
pub fn edit_pain(
    tx: &Transaction<'_>,
    id: i64,
    input: PainInput,
    now: UtcDateTime,
    author: Author,
) -> Result<PainEntry, Error> {
    input.validate(now)?;
    journal::edit(tx, id, &input.tidied(), now, author)
}

/// Deletes pain entry `id`; it can be restored for 30 days.
///
/// # Errors
/// [`Refusal::NotFound`], or a storage error.
pub fn delete_pain(
    tx: &Transaction<'_>,
    id: i64,
    now: UtcDateTime,
    author: Author,
) -> Result<(), Error> {
    journal::delete::<PainInput, _>(tx, id, now, author)
}

/// Brings back pain entry `id` if it was deleted less than 30 days ago.
///
/// # Errors
/// [`Refusal`], or a storage error.
pub fn restore_pain(
    tx: &Transaction<'_>,
    id: i64,
    now: UtcDateTime,
    author: Author,
) -> Result<PainEntry, Error> {
    journal::restore::<PainInput, _>(tx, id, now, author)
}

/// Live pain entries felt in `[from, to)`, oldest first (deleted ones left out).
///
/// # Errors
/// A storage error.
pub fn pain_entries(
    conn: &Connection,
    from: UtcDateTime,
    to: UtcDateTime,
) -> Result<Vec<PainEntry>, Error> {
    Ok(journal::between::<PainInput>(conn, from, to)?)
}

/// Every version of pain entry `id`, oldest first: who changed what, when.
///
/// # Errors
/// A storage error.
pub fn pain_history(conn: &Connection, id: i64) -> Result<Vec<PainRevision>, Error> {
    Ok(journal::history::<PainInput>(conn, id)?
        .into_iter()
        .map(|(change, value)| PainRevision { change, value })
        .collect())
}

/// Saves a medication dose taken at `input.at`, entered in `zone`.
///
/// # Errors
/// [`Error::Invalid`] naming the field (`drug`, `dose`, `at`…), or a storage error.
pub fn add_medication(
    tx: &Transaction<'_>,
    input: MedicationInput,
    zone: Zone,
    now: UtcDateTime,
    author: Author,
) -> Result<MedicationEntry, Error> {
    input.validate(now)?;
    Ok(journal::create(tx, &input.tidied(), zone, now, author)?)
}

/// Logs the same dose as entry `id` again, taken at `at` (quick re-entry of a usual dose).
///
/// # Errors
/// [`Refusal::NotFound`], [`Error::Invalid`] for `at`, or a storage error.
pub fn repeat_medication(
    tx: &Transaction<'_>,
    id: i64,
    at: UtcDateTime,
    zone: Zone,
    now: UtcDateTime,
    author: Author,
) -> Result<MedicationEntry, Error> {
    let old = journal::get::<MedicationInput>(tx, id)?.ok_or(Refusal::NotFound)?;
    let input = MedicationInput {
        at,
        reason: None,
        ..old.value
    };
    add_medication(tx, input, zone, now, author)
}

/// Changes medication entry `id`; the earlier values stay in its history.
///
/// # Errors
/// [`Error::Invalid`], [`Refusal::NotFound`], or a storage error.
pub fn edit_medication(
    tx: &Transaction<'_>,
    id: i64,
    input: MedicationInput,
    now: UtcDateTime,
    author: Author,
) -> Result<MedicationEntry, Error> {
    input.validate(now)?;
    journal::edit(tx, id, &input.tidied(), now, author)
}

/// Deletes medication entry `id`; it can be restored for 30 days.
///
/// # Errors
/// [`Refusal::NotFound`], or a storage error.
pub fn delete_medication(
    tx: &Transaction<'_>,
    id: i64,
    now: UtcDateTime,
    author: Author,
) -> Result<(), Error> {
    journal::delete::<MedicationInput, _>(tx, id, now, author)
}

/// Brings back medication entry `id` if it was deleted less than 30 days ago.
///
/// # Errors
/// [`Refusal`], or a storage error.
pub fn restore_medication(
    tx: &Transaction<'_>,
    id: i64,
    now: UtcDateTime,
    author: Author,
) -> Result<MedicationEntry, Error> {
    journal::restore::<MedicationInput, _>(tx, id, now, author)
}

/// Live medication doses taken in `[from, to)`, oldest first (deleted ones left out).
///
/// # Errors
/// A storage error.
pub fn medications(
    conn: &Connection,
    from: UtcDateTime,
    to: UtcDateTime,
) -> Result<Vec<MedicationEntry>, Error> {
    Ok(journal::between::<MedicationInput>(conn, from, to)?)
}

/// Every version of medication entry `id`, oldest first.
///
/// # Errors
/// A storage error.
pub fn medication_history(conn: &Connection, id: i64) -> Result<Vec<MedicationRevision>, Error> {
    Ok(journal::history::<MedicationInput>(conn, id)?
        .into_iter()
        .map(|(change, value)| MedicationRevision { change, value })
        .collect())
}

/// The doses logged most often in the [`USUAL_DOSE_DAYS`] days before `now`, at most `limit`.
///
/// # Errors
/// A storage error.
pub fn usual_doses(
    conn: &Connection,
    now: UtcDateTime,
    limit: u32,
) -> Result<Vec<UsualDose>, Error> {
    let since = now - chrono::Duration::days(USUAL_DOSE_DAYS);
    Ok(db::usual_doses(conn, since, limit)?)
}

/// Removes for good the pain and medication entries deleted more than 30 days before `now`.
/// Returns how many were removed.
///
/// # Errors
/// A storage error.
pub fn purge_expired(tx: &Transaction<'_>, now: UtcDateTime) -> Result<u32, Error> {
    Ok(journal::purge::<PainInput>(tx, now)? + journal::purge::<MedicationInput>(tx, now)?)
}

fn aggregate(
    conn: &Connection,
    from: CalendarDate,
    to: CalendarDate,
    grouping: Grouping,
) -> Result<Vec<TrendBucket>, Error> {
    let (first, last) = range_days(from, to)?;
    let pain = db::pain_aggregates(conn, first, last, grouping)?;
    let meds = db::medication_aggregates(conn, first, last, grouping)?;
    Ok(assemble(first, last, grouping, &pain, &meds))
}

/// Daily or weekly pain and medication aggregates of the local days `from..=to`.
///
/// # Errors
/// [`Error::Invalid`] on `from`/`to`, or a storage error.
pub fn trend(
    conn: &Connection,
    from: CalendarDate,
    to: CalendarDate,
    period: TrendPeriod,
) -> Result<Trend, Error> {
    let buckets = aggregate(conn, from, to, period.grouping())?;
    Ok(Trend { period, buckets })
}

/// Pain and medication aggregates of the whole range of local days `from..=to`.
///
/// # Errors
/// [`Error::Invalid`] on `from`/`to`, or a storage error.
pub fn summary(
    conn: &Connection,
    from: CalendarDate,
    to: CalendarDate,
) -> Result<TrendBucket, Error> {
    aggregate(conn, from, to, Grouping::Whole)?
        .pop()
        .ok_or_else(|| {
            Error::Store(crate::store::StoreError::Unexpected {
                context: "computing a summary".into(),
            })
        })
}

/// The `days` local days before `date` against `date` and the `days - 1` days after it (e.g.
/// the month before and after the implant or a dose change).
///
/// # Errors
/// [`Error::Invalid`] on `date` or `days` (1 to 5 years), or a storage error.
pub fn compare(conn: &Connection, date: CalendarDate, days: u32) -> Result<TrendComparison, Error> {
    if days == 0 || days > 5 * 366 {
        return Err(InvalidInput::new("days", "must be between 1 and 1830").into());
    }
    let d = date.to_naive("date")?;
    let n = chrono::Duration::days(i64::from(days));
    let (Some(start), Some(end)) = (d.checked_sub_signed(n), d.checked_add_signed(n)) else {
        return Err(InvalidInput::new("date", "is too far from today").into());
    };
    let before_end = d.pred_opt().unwrap_or(d);
    let after_end = end.pred_opt().unwrap_or(end);
    Ok(TrendComparison {
        before: summary(
            conn,
            CalendarDate::from_naive(start),
            CalendarDate::from_naive(before_end),
        )?,
        after: summary(conn, date, CalendarDate::from_naive(after_end))?,
    })
}
