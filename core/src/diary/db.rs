//! The diary's tables, with their SQL: `pain_entries` and `medication_entries` (journaled through
//! [`crate::store::journal`]: every change keeps its history, deletes can be restored for 30
//! days), and the SQL aggregates behind the trends.

use rusqlite::types::Value;
use rusqlite::{Connection, Row, params};

use super::{
    DoseUnit, MedicationEntry, MedicationInput, PainEntry, PainInput, PainInterference,
    PainInventory, Route, UsualDose,
};
use crate::model::{UtcDateTime, Zone, from_millis, local_day, to_millis};
use crate::store::StoreError;
use crate::store::journal::{self, Journaled};

// ---- pain ----

const PAIN_COLUMNS: &str = "id, at_ms, zone, score, worst, least, average, now, general_activity, \
     mood, walking, normal_work, relations, sleep, enjoyment, location, note, created_at_ms, \
     updated_at_ms";

fn score(v: Option<u8>) -> Value {
    v.map_or(Value::Null, |s| Value::Integer(i64::from(s)))
}

fn text(v: Option<&String>) -> Value {
    v.map_or(Value::Null, |s| Value::Text(s.clone()))
}

impl Journaled for PainInput {
    type Entry = PainEntry;
    const KIND: &'static str = "pain";
    const TABLE: &'static str = "pain_entries";
    const READ_COLUMNS: &'static str = PAIN_COLUMNS;

    fn columns(&self, zone: Zone) -> Vec<(&'static str, Value)> {
        let i = self.inventory.unwrap_or_default();
        let f = self.interference.unwrap_or_default();
        vec![
            ("at_ms", Value::Integer(to_millis(self.at))),
            ("local_day", Value::Integer(local_day(self.at, zone))),
            ("score", score(Some(self.score))),
            ("worst", score(i.worst)),
            ("least", score(i.least)),
            ("average", score(i.average)),
            ("now", score(i.now)),
            ("general_activity", score(f.general_activity)),
            ("mood", score(f.mood)),
            ("walking", score(f.walking)),
            ("normal_work", score(f.normal_work)),
            ("relations", score(f.relations)),
            ("sleep", score(f.sleep)),
            ("enjoyment", score(f.enjoyment)),
            ("location", text(self.location.as_ref())),
            ("note", text(self.note.as_ref())),
        ]
    }

    fn from_row(r: &Row<'_>) -> rusqlite::Result<Result<PainEntry, StoreError>> {
        pain_row(r)
    }

    fn value(entry: &PainEntry) -> &Self {
        &entry.value
    }

    fn zone(entry: &PainEntry) -> &str {
        &entry.time_zone
    }
}

/// Stores a pain entry from an import into a new store, under its own id, zone and times.
///
/// # Errors
/// [`StoreError::Corrupt`] for a zone this device does not know, or a storage error.
pub fn import_pain(tx: &rusqlite::Transaction<'_>, e: &PainEntry) -> Result<(), StoreError> {
    let zone: Zone = e
        .time_zone
        .parse()
        .map_err(|_| StoreError::damaged("pain_entries.zone"))?;
    journal::import(tx, e.id, &e.value, zone, e.created_at, e.updated_at)
}

/// Stores a medication dose from an import into a new store, under its own id, zone and times.
///
/// # Errors
/// [`StoreError::Corrupt`] for a zone this device does not know, or a storage error.
pub fn import_medication(
    tx: &rusqlite::Transaction<'_>,
    e: &MedicationEntry,
) -> Result<(), StoreError> {
    let zone: Zone = e
        .time_zone
        .parse()
        .map_err(|_| StoreError::damaged("medication_entries.zone"))?;
    journal::import(tx, e.id, &e.value, zone, e.created_at, e.updated_at)
}

/// The newest live pain entry (by when the pain was felt), if any: one indexed row.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn latest_pain(conn: &Connection) -> Result<Option<PainEntry>, StoreError> {
    journal::latest::<PainInput>(conn)
}

fn pain_row(r: &Row<'_>) -> rusqlite::Result<Result<PainEntry, StoreError>> {
    let damaged = || StoreError::damaged("pain_entries");
    let time = |i: usize| -> rusqlite::Result<Option<UtcDateTime>> {
        Ok(from_millis(r.get::<_, i64>(i)?))
    };
    let (Some(at), Some(created_at), Some(updated_at)) = (time(1)?, time(17)?, time(18)?) else {
        return Ok(Err(damaged()));
    };
    let inventory = PainInventory {
        worst: r.get(4)?,
        least: r.get(5)?,
        average: r.get(6)?,
        now: r.get(7)?,
    };
    let interference = PainInterference {
        general_activity: r.get(8)?,
        mood: r.get(9)?,
        walking: r.get(10)?,
        normal_work: r.get(11)?,
        relations: r.get(12)?,
        sleep: r.get(13)?,
        enjoyment: r.get(14)?,
    };
    Ok(Ok(PainEntry {
        id: r.get(0)?,
        time_zone: r.get(2)?,
        value: PainInput {
            at,
            score: r.get(3)?,
            inventory: (inventory != PainInventory::default()).then_some(inventory),
            interference: (interference != PainInterference::default()).then_some(interference),
            location: r.get(15)?,
            note: r.get(16)?,
        },
        created_at,
        updated_at,
    }))
}

// ---- medication ----

const MED_COLUMNS: &str = "id, at_ms, zone, drug, dose, unit, route, breakthrough, reason, \
     created_at_ms, updated_at_ms";

impl Journaled for MedicationInput {
    type Entry = MedicationEntry;
    const KIND: &'static str = "medication";
    const TABLE: &'static str = "medication_entries";
    const READ_COLUMNS: &'static str = MED_COLUMNS;

    fn columns(&self, zone: Zone) -> Vec<(&'static str, Value)> {
        vec![
            ("at_ms", Value::Integer(to_millis(self.at))),
            ("local_day", Value::Integer(local_day(self.at, zone))),
            ("drug", Value::Text(self.drug.clone())),
            ("drug_key", Value::Text(self.drug_key())),
            ("dose", Value::Real(self.dose)),
            ("unit", Value::Text(self.unit.code().to_owned())),
            ("route", Value::Text(self.route.code().to_owned())),
            ("breakthrough", Value::Integer(i64::from(self.breakthrough))),
            ("reason", text(self.reason.as_ref())),
        ]
    }

    fn from_row(r: &Row<'_>) -> rusqlite::Result<Result<MedicationEntry, StoreError>> {
        medication_row(r)
    }

    fn value(entry: &MedicationEntry) -> &Self {
        &entry.value
    }

    fn zone(entry: &MedicationEntry) -> &str {
        &entry.time_zone
    }
}

/// The doses logged since `since`, grouped by drug, amount, unit, route and kind, most often
/// logged first (ties: most recent first); at most `limit`.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn usual_doses(
    conn: &Connection,
    since: UtcDateTime,
    limit: u32,
) -> Result<Vec<UsualDose>, StoreError> {
    let mut stmt = conn.prepare_cached(
        // With a single MAX() aggregate, SQLite takes the bare `drug` from the row holding the
        // maximum: the spelling entered last.
        "SELECT drug, dose, unit, route, breakthrough, COUNT(*) AS n, MAX(at_ms) AS last_at
         FROM medication_entries
         WHERE deleted_at_ms IS NULL AND at_ms >= ?1
         GROUP BY drug_key, dose, unit, route, breakthrough
         ORDER BY n DESC, last_at DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![to_millis(since), limit], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, f64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, bool>(4)?,
            r.get::<_, u32>(5)?,
        ))
    })?;
    rows.map(|row| {
        let (drug, dose, unit, route, breakthrough, times_logged) = row?;
        Ok(UsualDose {
            drug,
            dose,
            unit: DoseUnit::from_code(&unit)
                .ok_or_else(|| StoreError::damaged("medication_entries.unit"))?,
            route: Route::from_code(&route)
                .ok_or_else(|| StoreError::damaged("medication_entries.route"))?,
            breakthrough,
            times_logged,
        })
    })
    .collect()
}

fn medication_row(r: &Row<'_>) -> rusqlite::Result<Result<MedicationEntry, StoreError>> {
    let damaged = || StoreError::damaged("medication_entries");
    let time = |i: usize| -> rusqlite::Result<Option<UtcDateTime>> {
        Ok(from_millis(r.get::<_, i64>(i)?))
    };
    let (Some(at), Some(created_at), Some(updated_at)) = (time(1)?, time(9)?, time(10)?) else {
        return Ok(Err(damaged()));
    };
    let unit: String = r.get(5)?;
    let route: String = r.get(6)?;
    let (Some(unit), Some(route)) = (DoseUnit::from_code(&unit), Route::from_code(&route)) else {
        return Ok(Err(damaged()));
    };
    Ok(Ok(MedicationEntry {
        id: r.get(0)?,
        time_zone: r.get(2)?,
        value: MedicationInput {
            at,
            drug: r.get(3)?,
            dose: r.get(4)?,
            unit,
            route,
            breakthrough: r.get(7)?,
            reason: r.get(8)?,
        },
        created_at,
        updated_at,
    }))
}

// ---- trends ----

/// How local days are grouped into buckets in SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// One bucket per local day.
    Day,
    /// One bucket per week, Monday to Sunday.
    Week,
    /// One bucket for the whole range.
    Whole,
}

impl Grouping {
    /// The SQL expression of a row's bucket: its first local day. 1970-01-01 was a Thursday,
    /// so the weekday (Monday = 0) of day `d` is `(d + 3) mod 7`; `?1` is the range's first day.
    fn bucket_sql(self) -> &'static str {
        match self {
            Self::Day => "local_day",
            Self::Week => "local_day - ((local_day % 7 + 10) % 7)",
            Self::Whole => "?1",
        }
    }
}

/// Pain scores of one bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct PainAggregate {
    /// The bucket's first local day (a day number).
    pub bucket: i64,
    /// Mean score.
    pub mean: f64,
    /// Lowest score.
    pub min: u8,
    /// Highest score.
    pub max: u8,
    /// Number of entries.
    pub count: u32,
}

/// Doses of one drug (in one unit) in one bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct MedicationAggregate {
    /// The bucket's first local day.
    pub bucket: i64,
    /// The drug's name (one of the spellings entered).
    pub drug: String,
    /// The unit.
    pub unit: DoseUnit,
    /// Sum of the doses.
    pub total: f64,
    /// Number of doses.
    pub doses: u32,
    /// Number of breakthrough doses.
    pub breakthrough_doses: u32,
}

fn pain_sql(grouping: Grouping) -> String {
    let b = grouping.bucket_sql();
    format!(
        "SELECT {b} AS bucket, AVG(score), MIN(score), MAX(score), COUNT(*)
         FROM pain_entries
         WHERE deleted_at_ms IS NULL AND local_day BETWEEN ?1 AND ?2
         GROUP BY bucket ORDER BY bucket"
    )
}

fn medication_sql(grouping: Grouping) -> String {
    let b = grouping.bucket_sql();
    format!(
        "SELECT {b} AS bucket, MIN(drug), unit, SUM(dose), COUNT(*), SUM(breakthrough)
         FROM medication_entries
         WHERE deleted_at_ms IS NULL AND local_day BETWEEN ?1 AND ?2
         GROUP BY bucket, drug_key, unit ORDER BY bucket, drug_key, unit"
    )
}

/// Pain aggregates of the local days `first..=last`, grouped as asked, by bucket.
///
/// # Errors
/// A storage error.
pub fn pain_aggregates(
    conn: &Connection,
    first: i64,
    last: i64,
    grouping: Grouping,
) -> Result<Vec<PainAggregate>, StoreError> {
    let mut stmt = conn.prepare_cached(&pain_sql(grouping))?;
    let rows = stmt.query_map(params![first, last], |r| {
        Ok(PainAggregate {
            bucket: r.get(0)?,
            mean: r.get(1)?,
            min: r.get(2)?,
            max: r.get(3)?,
            count: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Medication aggregates of the local days `first..=last`, per bucket, drug and unit.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged unit.
pub fn medication_aggregates(
    conn: &Connection,
    first: i64,
    last: i64,
    grouping: Grouping,
) -> Result<Vec<MedicationAggregate>, StoreError> {
    let mut stmt = conn.prepare_cached(&medication_sql(grouping))?;
    let rows = stmt.query_map(params![first, last], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, f64>(3)?,
            r.get::<_, u32>(4)?,
            r.get::<_, u32>(5)?,
        ))
    })?;
    rows.map(|row| {
        let (bucket, drug, unit, total, doses, breakthrough_doses) = row?;
        Ok(MedicationAggregate {
            bucket,
            drug,
            unit: DoseUnit::from_code(&unit)
                .ok_or_else(|| StoreError::damaged("medication_entries.unit"))?,
            total,
            doses,
            breakthrough_doses,
        })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trend_queries_read_only_the_covering_day_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open_in_dir(dir.path()).unwrap();
        for grouping in [Grouping::Day, Grouping::Week, Grouping::Whole] {
            for (sql, index) in [
                (pain_sql(grouping), "COVERING INDEX pain_live_by_day"),
                (
                    medication_sql(grouping),
                    "COVERING INDEX medication_live_by_day",
                ),
            ] {
                let plan = store
                    .read(|c| {
                        let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                        let rows = stmt.query_map([0_i64, 1_i64], |r| r.get::<_, String>(3))?;
                        Ok::<_, StoreError>(rows.collect::<Result<Vec<_>, _>>()?.join("; "))
                    })
                    .unwrap();
                assert!(plan.contains(index), "{grouping:?}: {plan}");
            }
        }
    }
}
