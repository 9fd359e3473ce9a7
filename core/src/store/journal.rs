//! Journaled entries: records whose every change is kept (who, when, what, the values after),
//! which can be deleted and restored for [`RESTORE_DAYS`] days, then purged for good.
//!
//! Written once for every kind of entry (diary pain scores and medication doses, recovery
//! symptoms): a feature implements [`Journaled`] for its value type (its table, its columns and
//! how a row reads back) and gets [`create`], [`edit`], [`delete`], [`restore`], [`get`],
//! [`between`], [`latest`], [`history`] and [`purge`].
//! Each change writes the entry's row and its `entry_history` row in the same transaction, so
//! an entry and its history never disagree.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params, params_from_iter};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::StoreError;
use crate::model::{
    Author, ChangeAction, Revision, UtcDateTime, Zone, changed_fields, from_millis, to_millis,
};

/// How long a deleted entry can be restored, in days.
pub const RESTORE_DAYS: i64 = 30;

const DAY_MS: i64 = 86_400_000;

/// A kind of entry kept with its history. Its table has an `id INTEGER PRIMARY KEY`, `zone`,
/// `at_ms`, `created_at_ms`, `updated_at_ms`, a nullable `deleted_at_ms`, and the value columns
/// [`Journaled::columns`] names; the journal writes the SQL.
pub trait Journaled: Serialize + DeserializeOwned + PartialEq + Sized {
    /// The stored entry: the values with their id and times.
    type Entry;
    /// The kind's code in `entry_history.kind` (`pain`, `medication`, `symptom`).
    const KIND: &'static str;
    /// The entries' table.
    const TABLE: &'static str;
    /// The columns [`Journaled::from_row`] reads, in its order.
    const READ_COLUMNS: &'static str;

    /// The value columns and their values for these values entered in `zone` (`at_ms` among
    /// them; not `zone` and the row's own times, which the journal writes).
    fn columns(&self, zone: Zone) -> Vec<(&'static str, Value)>;

    /// The entry in a row of [`Journaled::READ_COLUMNS`]; a damaged value is an inner error.
    ///
    /// # Errors
    /// SQLite's error reading the row.
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Result<Self::Entry, StoreError>>;

    /// The values of `entry`.
    fn value(entry: &Self::Entry) -> &Self;

    /// The zone `entry` was made in (IANA name): its local day stays counted there.
    fn zone(entry: &Self::Entry) -> &str;
}

/// The live (not deleted) entry `id`.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn get<T: Journaled>(conn: &Connection, id: i64) -> Result<Option<T::Entry>, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT {} FROM {} WHERE id = ?1 AND deleted_at_ms IS NULL",
        T::READ_COLUMNS,
        T::TABLE
    ))?
    .query_row([id], T::from_row)
    .optional()?
    .transpose()
}

/// The live entries of kind `T` timed in `[from, to)`, oldest first.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn between<T: Journaled>(
    conn: &Connection,
    from: UtcDateTime,
    to: UtcDateTime,
) -> Result<Vec<T::Entry>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM {} WHERE deleted_at_ms IS NULL AND at_ms >= ?1 AND at_ms < ?2
         ORDER BY at_ms, id",
        T::READ_COLUMNS,
        T::TABLE
    ))?;
    let rows = stmt.query_map(params![to_millis(from), to_millis(to)], T::from_row)?;
    rows.map(|r| r?).collect()
}

/// The newest live entry of kind `T` (by its time), if any: one indexed row.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn latest<T: Journaled>(conn: &Connection) -> Result<Option<T::Entry>, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT {} FROM {} WHERE deleted_at_ms IS NULL ORDER BY at_ms DESC, id DESC LIMIT 1",
        T::READ_COLUMNS,
        T::TABLE
    ))?
    .query_row([], T::from_row)
    .optional()?
    .transpose()
}

fn insert<T: Journaled>(
    tx: &Transaction<'_>,
    value: &T,
    zone: Zone,
    now: UtcDateTime,
) -> Result<i64, StoreError> {
    let (names, mut values): (Vec<&str>, Vec<Value>) = value.columns(zone).into_iter().unzip();
    let marks: Vec<String> = (1..=values.len() + 3).map(|i| format!("?{i}")).collect();
    values.push(Value::Text(zone.name().to_owned()));
    values.push(Value::Integer(to_millis(now)));
    values.push(Value::Integer(to_millis(now)));
    tx.prepare_cached(&format!(
        "INSERT INTO {} ({}, zone, created_at_ms, updated_at_ms) VALUES ({})",
        T::TABLE,
        names.join(", "),
        marks.join(", ")
    ))?
    .execute(params_from_iter(values))?;
    Ok(tx.last_insert_rowid())
}

/// Stores an entry read from another copy of the app's data (an import into a new store) under
/// its own id, zone and times, as it was there. No history row is written: its history is not
/// in what was imported.
///
/// # Errors
/// A storage error (an id already taken, a value the table refuses).
pub fn import<T: Journaled>(
    tx: &Transaction<'_>,
    id: i64,
    value: &T,
    zone: Zone,
    created: UtcDateTime,
    updated: UtcDateTime,
) -> Result<(), StoreError> {
    let (names, mut values): (Vec<&str>, Vec<Value>) = value.columns(zone).into_iter().unzip();
    let marks: Vec<String> = (1..=values.len() + 4).map(|i| format!("?{i}")).collect();
    values.push(Value::Text(zone.name().to_owned()));
    values.push(Value::Integer(to_millis(created)));
    values.push(Value::Integer(to_millis(updated)));
    values.push(Value::Integer(id));
    tx.prepare_cached(&format!(
        "INSERT INTO {} ({}, zone, created_at_ms, updated_at_ms, id) VALUES ({})",
        T::TABLE,
        names.join(", "),
        marks.join(", ")
    ))?
    .execute(params_from_iter(values))?;
    Ok(())
}

fn update<T: Journaled>(
    tx: &Transaction<'_>,
    id: i64,
    old: &T::Entry,
    value: &T,
    now: UtcDateTime,
) -> Result<(), StoreError> {
    let zone: Zone = T::zone(old)
        .parse()
        .map_err(|_| StoreError::damaged(&format!("{}.zone", T::TABLE)))?;
    let (names, mut values): (Vec<&str>, Vec<Value>) = value.columns(zone).into_iter().unzip();
    let sets: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{n} = ?{}", i + 1))
        .collect();
    let n = values.len();
    values.push(Value::Integer(to_millis(now)));
    values.push(Value::Integer(id));
    tx.prepare_cached(&format!(
        "UPDATE {} SET {}, updated_at_ms = ?{} WHERE id = ?{}",
        T::TABLE,
        sets.join(", "),
        n + 1,
        n + 2
    ))?
    .execute(params_from_iter(values))?;
    Ok(())
}

/// Why a delete or a restore was not done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No such entry (or, for a delete or an edit, it is deleted).
    #[error("no such entry")]
    NotFound,
    /// A restore of an entry that is not deleted.
    #[error("the entry is not deleted")]
    NotDeleted,
    /// A restore more than [`RESTORE_DAYS`] days after the delete.
    #[error("the entry was deleted too long ago to be restored")]
    Expired,
}

/// The values of an entry as its history keeps them: its JSON (written straight from the type,
/// not through a `serde_json::Value` tree: one copy of the code less per journaled type).
fn snapshot<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|_| StoreError::encoding("an entry's history"))
}

fn record(
    tx: &Transaction<'_>,
    kind: &str,
    id: i64,
    at: UtcDateTime,
    author: Author,
    action: ChangeAction,
    snapshot: &str,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO entry_history (kind, entry_id, changed_at_ms, author, action, snapshot)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        kind,
        id,
        to_millis(at),
        author.code(),
        action.code(),
        snapshot,
    ])?;
    Ok(())
}

fn latest_snapshot(tx: &Transaction<'_>, kind: &str, id: i64) -> Result<String, StoreError> {
    let text: Option<String> = tx
        .prepare_cached(
            "SELECT snapshot FROM entry_history WHERE kind = ?1 AND entry_id = ?2
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![kind, id], |r| r.get(0))
        .optional()?;
    Ok(text.unwrap_or_else(|| "null".into()))
}

/// Saves a new entry made in `zone`, with its first history row.
///
/// # Errors
/// A storage error.
pub fn create<T: Journaled>(
    tx: &Transaction<'_>,
    value: &T,
    zone: Zone,
    now: UtcDateTime,
    author: Author,
) -> Result<T::Entry, StoreError> {
    let id = insert(tx, value, zone, now)?;
    record(
        tx,
        T::KIND,
        id,
        now,
        author,
        ChangeAction::Created,
        &snapshot(value)?,
    )?;
    get::<T>(tx, id)?.ok_or_else(|| StoreError::damaged(T::TABLE))
}

/// Replaces the values of live entry `id` and records the edit (an edit that changes nothing
/// is not recorded).
///
/// # Errors
/// [`Refusal::NotFound`], or a storage error.
pub fn edit<T: Journaled, E: From<StoreError> + From<Refusal>>(
    tx: &Transaction<'_>,
    id: i64,
    value: &T,
    now: UtcDateTime,
    author: Author,
) -> Result<T::Entry, E> {
    let old = get::<T>(tx, id)?.ok_or(Refusal::NotFound)?;
    if T::value(&old) == value {
        return Ok(old);
    }
    update(tx, id, &old, value, now)?;
    record(
        tx,
        T::KIND,
        id,
        now,
        author,
        ChangeAction::Edited,
        &snapshot(value)?,
    )?;
    Ok(get::<T>(tx, id)?.ok_or_else(|| StoreError::damaged(T::TABLE))?)
}

/// Deletes live entry `id` (restorable for [`RESTORE_DAYS`] days).
///
/// # Errors
/// [`Refusal::NotFound`] if there is no such live entry, or a storage error.
pub fn delete<T: Journaled, E: From<StoreError> + From<Refusal>>(
    tx: &Transaction<'_>,
    id: i64,
    now: UtcDateTime,
    author: Author,
) -> Result<(), E> {
    let n = tx
        .execute(
            &format!(
                "UPDATE {} SET deleted_at_ms = ?2 WHERE id = ?1 AND deleted_at_ms IS NULL",
                T::TABLE
            ),
            params![id, to_millis(now)],
        )
        .map_err(StoreError::from)?;
    if n == 0 {
        return Err(Refusal::NotFound.into());
    }
    let snapshot = latest_snapshot(tx, T::KIND, id)?;
    record(
        tx,
        T::KIND,
        id,
        now,
        author,
        ChangeAction::Deleted,
        &snapshot,
    )?;
    Ok(())
}

/// Brings back entry `id` if it was deleted less than [`RESTORE_DAYS`] days before `now`.
///
/// # Errors
/// [`Refusal::NotFound`], [`Refusal::NotDeleted`], [`Refusal::Expired`], or a storage error.
pub fn restore<T: Journaled, E: From<StoreError> + From<Refusal>>(
    tx: &Transaction<'_>,
    id: i64,
    now: UtcDateTime,
    author: Author,
) -> Result<T::Entry, E> {
    let deleted: Option<Option<i64>> = tx
        .query_row(
            &format!("SELECT deleted_at_ms FROM {} WHERE id = ?1", T::TABLE),
            [id],
            |r| r.get(0),
        )
        .optional()
        .map_err(StoreError::from)?;
    let deleted_at = match deleted {
        None => return Err(Refusal::NotFound.into()),
        Some(None) => return Err(Refusal::NotDeleted.into()),
        Some(Some(ms)) => ms,
    };
    if to_millis(now) - deleted_at > RESTORE_DAYS * DAY_MS {
        return Err(Refusal::Expired.into());
    }
    tx.execute(
        &format!("UPDATE {} SET deleted_at_ms = NULL WHERE id = ?1", T::TABLE),
        [id],
    )
    .map_err(StoreError::from)?;
    let snapshot = latest_snapshot(tx, T::KIND, id)?;
    record(
        tx,
        T::KIND,
        id,
        now,
        author,
        ChangeAction::Restored,
        &snapshot,
    )?;
    Ok(get::<T>(tx, id)?.ok_or_else(|| StoreError::damaged(T::TABLE))?)
}

/// Every version of entry `id`, oldest first: each change with the values after it.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn history<T: Journaled>(conn: &Connection, id: i64) -> Result<Vec<(Revision, T)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT changed_at_ms, author, action, snapshot FROM entry_history
         WHERE kind = ?1 AND entry_id = ?2 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![T::KIND, id], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let damaged = || StoreError::damaged("entry_history");
    let mut out: Vec<(Revision, T)> = Vec::new();
    let mut before: Option<serde_json::Value> = None;
    for row in rows {
        let (at, author, action, text) = row?;
        let json: serde_json::Value = serde_json::from_str(&text).map_err(|_| damaged())?;
        let action = ChangeAction::from_code(&action).ok_or_else(damaged)?;
        let changed = match (action, &before) {
            (ChangeAction::Edited, Some(b)) => changed_fields(b, &json),
            _ => Vec::new(),
        };
        let value: T = serde_json::from_str(&text).map_err(|_| damaged())?;
        out.push((
            Revision {
                at: from_millis(at).ok_or_else(damaged)?,
                author: Author::from_code(&author).ok_or_else(damaged)?,
                action,
                changed_fields: changed,
            },
            value,
        ));
        before = Some(json);
    }
    Ok(out)
}

/// Removes for good the entries of kind `T` (and their history) deleted more than
/// [`RESTORE_DAYS`] days before `now`. Returns how many entries were removed.
///
/// # Errors
/// A storage error.
pub fn purge<T: Journaled>(tx: &Transaction<'_>, now: UtcDateTime) -> Result<u32, StoreError> {
    let before = to_millis(now) - RESTORE_DAYS * DAY_MS;
    tx.execute(
        &format!(
            "DELETE FROM entry_history WHERE kind = ?1 AND entry_id IN
             (SELECT id FROM {} WHERE deleted_at_ms IS NOT NULL AND deleted_at_ms < ?2)",
            T::TABLE
        ),
        params![T::KIND, before],
    )?;
    let n = tx.execute(
        &format!(
            "DELETE FROM {} WHERE deleted_at_ms IS NOT NULL AND deleted_at_ms < ?1",
            T::TABLE
        ),
        [before],
    )?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}
