//! `Diary`: the object the apps hold to enter, edit and chart the diary. Thin, guarded
//! delegates to the store and the pure trend code.

use std::sync::Arc;

use super::{
    Author, CalendarDate, DiaryError, MedicationEntry, MedicationInput, MedicationRevision,
    PainEntry, PainInput, PainRevision, Trend, TrendBucket, TrendComparison, TrendPeriod,
    UsualDose, assemble, range_days,
};
use crate::app::{Thecal, guard, guard_blocking};
use crate::model::{Clock, UtcDateTime};
use crate::store::{self, EntryKind, EntryOutcome, Grouping, Store};

/// How far back [`Diary::usual_doses`] looks, in days.
const USUAL_DOSE_DAYS: i64 = 90;

/// The pain diary and medication log of the patient. Get it from `Thecal::diary()`.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct Diary {
    /// Keeps the app object, and so the core's runtime, alive while the app holds only the diary.
    app: Arc<Thecal>,
    store: Arc<Store>,
    clock: Arc<dyn Clock>,
    zone: chrono_tz::Tz,
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Thecal {
    /// The pain diary and medication log.
    #[must_use]
    pub fn diary(self: Arc<Self>) -> Arc<Diary> {
        Arc::new(Diary {
            store: self.store_arc(),
            clock: self.clock(),
            zone: self.tz(),
            app: self,
        })
    }
}

fn outcome(o: EntryOutcome) -> Result<(), DiaryError> {
    match o {
        EntryOutcome::Done => Ok(()),
        EntryOutcome::NotFound => Err(DiaryError::NotFound),
        EntryOutcome::NotDeleted => Err(DiaryError::NotDeleted),
        EntryOutcome::Expired => Err(DiaryError::RestoreExpired),
    }
}

fn decode<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<T, DiaryError> {
    serde_json::from_value(v).map_err(|_| DiaryError::Storage {
        advice: store::StoreError::damaged("entry_history").to_string(),
    })
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Diary {
    /// Saves a pain score felt at `input.at` (counted in the patient's current zone).
    ///
    /// # Errors
    /// [`DiaryError::InvalidInput`] naming the field (`score`, `at`…), or a storage error.
    pub fn add_pain(&self, input: PainInput, author: Author) -> Result<PainEntry, DiaryError> {
        guard("saving a pain entry", || {
            let now = self.clock.now();
            input.validate(now)?;
            let input = input.tidied();
            Ok(self
                .store
                .write(|tx| store::insert_pain(tx, &input, self.zone, now, author))?)
        })
    }

    /// Changes a pain entry; the earlier values stay in its history.
    ///
    /// # Errors
    /// [`DiaryError::InvalidInput`], [`DiaryError::NotFound`], or a storage error.
    pub fn edit_pain(
        &self,
        id: i64,
        input: PainInput,
        author: Author,
    ) -> Result<PainEntry, DiaryError> {
        guard("editing a pain entry", || {
            let now = self.clock.now();
            input.validate(now)?;
            let input = input.tidied();
            self.store
                .write(|tx| store::update_pain(tx, id, &input, now, author))?
                .ok_or(DiaryError::NotFound)
        })
    }

    /// Deletes a pain entry; it can be restored for 30 days.
    ///
    /// # Errors
    /// [`DiaryError::NotFound`], or a storage error.
    pub fn delete_pain(&self, id: i64, author: Author) -> Result<(), DiaryError> {
        guard("deleting a pain entry", || {
            let now = self.clock.now();
            outcome(
                self.store
                    .write(|tx| store::soft_delete(tx, EntryKind::Pain, id, now, author))?,
            )
        })
    }

    /// Brings back a pain entry deleted less than 30 days ago.
    ///
    /// # Errors
    /// [`DiaryError::NotFound`], [`DiaryError::NotDeleted`], [`DiaryError::RestoreExpired`], or a
    /// storage error.
    pub fn restore_pain(&self, id: i64, author: Author) -> Result<PainEntry, DiaryError> {
        guard("restoring a pain entry", || {
            let now = self.clock.now();
            self.store
                .write(|tx| {
                    let o = store::restore(tx, EntryKind::Pain, id, now, author)?;
                    Ok(outcome(o).map(|()| store::pain_by_id(tx, id)))
                })??
                .map_err(DiaryError::from)?
                .ok_or(DiaryError::NotFound)
        })
    }

    /// Pain entries felt in `[from, to)`, oldest first (deleted ones left out).
    ///
    /// # Errors
    /// A storage error.
    pub fn pain_entries(
        &self,
        from: UtcDateTime,
        to: UtcDateTime,
    ) -> Result<Vec<PainEntry>, DiaryError> {
        guard("reading pain entries", || {
            Ok(self.store.read(|c| store::pain_between(c, from, to))?)
        })
    }

    /// Every version of a pain entry, oldest first: who changed what, when.
    ///
    /// # Errors
    /// A storage error.
    pub fn pain_history(&self, id: i64) -> Result<Vec<PainRevision>, DiaryError> {
        guard("reading a pain entry's history", || {
            self.store
                .read(|c| store::entry_history(c, EntryKind::Pain, id))?
                .into_iter()
                .map(|(change, v)| {
                    Ok(PainRevision {
                        change,
                        value: decode(v)?,
                    })
                })
                .collect()
        })
    }

    /// Saves a medication dose.
    ///
    /// # Errors
    /// [`DiaryError::InvalidInput`] naming the field (`drug`, `dose`, `at`…), or a storage error.
    pub fn add_medication(
        &self,
        input: MedicationInput,
        author: Author,
    ) -> Result<MedicationEntry, DiaryError> {
        guard("saving a medication dose", || {
            let now = self.clock.now();
            input.validate(now)?;
            let input = input.tidied();
            Ok(self
                .store
                .write(|tx| store::insert_medication(tx, &input, self.zone, now, author))?)
        })
    }

    /// Logs the same dose as entry `id` again, taken at `at` (quick re-entry of a usual dose).
    ///
    /// # Errors
    /// [`DiaryError::NotFound`], [`DiaryError::InvalidInput`] for `at`, or a storage error.
    pub fn repeat_medication(
        &self,
        id: i64,
        at: UtcDateTime,
        author: Author,
    ) -> Result<MedicationEntry, DiaryError> {
        guard("repeating a medication dose", || {
            let now = self.clock.now();
            self.store.write(|tx| {
                let Some(old) = store::medication_by_id(tx, id)? else {
                    return Ok(Err(DiaryError::NotFound));
                };
                let input = MedicationInput {
                    at,
                    reason: None,
                    ..old.value
                };
                if let Err(e) = input.validate(now) {
                    return Ok(Err(e.into()));
                }
                let input = input.tidied();
                store::insert_medication(tx, &input, self.zone, now, author).map(Ok)
            })?
        })
    }

    /// Changes a medication dose; the earlier values stay in its history.
    ///
    /// # Errors
    /// [`DiaryError::InvalidInput`], [`DiaryError::NotFound`], or a storage error.
    pub fn edit_medication(
        &self,
        id: i64,
        input: MedicationInput,
        author: Author,
    ) -> Result<MedicationEntry, DiaryError> {
        guard("editing a medication dose", || {
            let now = self.clock.now();
            input.validate(now)?;
            let input = input.tidied();
            self.store
                .write(|tx| store::update_medication(tx, id, &input, now, author))?
                .ok_or(DiaryError::NotFound)
        })
    }

    /// Deletes a medication dose; it can be restored for 30 days.
    ///
    /// # Errors
    /// [`DiaryError::NotFound`], or a storage error.
    pub fn delete_medication(&self, id: i64, author: Author) -> Result<(), DiaryError> {
        guard("deleting a medication dose", || {
            let now = self.clock.now();
            outcome(
                self.store
                    .write(|tx| store::soft_delete(tx, EntryKind::Medication, id, now, author))?,
            )
        })
    }

    /// Brings back a medication dose deleted less than 30 days ago.
    ///
    /// # Errors
    /// [`DiaryError::NotFound`], [`DiaryError::NotDeleted`], [`DiaryError::RestoreExpired`], or a
    /// storage error.
    pub fn restore_medication(
        &self,
        id: i64,
        author: Author,
    ) -> Result<MedicationEntry, DiaryError> {
        guard("restoring a medication dose", || {
            let now = self.clock.now();
            self.store
                .write(|tx| {
                    let o = store::restore(tx, EntryKind::Medication, id, now, author)?;
                    Ok(outcome(o).map(|()| store::medication_by_id(tx, id)))
                })??
                .map_err(DiaryError::from)?
                .ok_or(DiaryError::NotFound)
        })
    }

    /// Medication doses taken in `[from, to)`, oldest first (deleted ones left out).
    ///
    /// # Errors
    /// A storage error.
    pub fn medications(
        &self,
        from: UtcDateTime,
        to: UtcDateTime,
    ) -> Result<Vec<MedicationEntry>, DiaryError> {
        guard("reading medication doses", || {
            Ok(self
                .store
                .read(|c| store::medication_between(c, from, to))?)
        })
    }

    /// Every version of a medication dose, oldest first.
    ///
    /// # Errors
    /// A storage error.
    pub fn medication_history(&self, id: i64) -> Result<Vec<MedicationRevision>, DiaryError> {
        guard("reading a medication dose's history", || {
            self.store
                .read(|c| store::entry_history(c, EntryKind::Medication, id))?
                .into_iter()
                .map(|(change, v)| {
                    Ok(MedicationRevision {
                        change,
                        value: decode(v)?,
                    })
                })
                .collect()
        })
    }

    /// The doses logged most often in the last 90 days (for one-tap re-entry), at most `limit`.
    ///
    /// # Errors
    /// A storage error.
    pub fn usual_doses(&self, limit: u32) -> Result<Vec<UsualDose>, DiaryError> {
        guard("reading usual doses", || {
            let since = self.clock.now() - chrono::Duration::days(USUAL_DOSE_DAYS);
            Ok(self.store.read(|c| store::usual_doses(c, since, limit))?)
        })
    }

    /// Daily or weekly pain and medication aggregates of the local days `from..=to`.
    ///
    /// # Errors
    /// [`DiaryError::InvalidInput`] on `from`/`to`, or a storage error.
    pub async fn trend(
        &self,
        from: CalendarDate,
        to: CalendarDate,
        period: TrendPeriod,
    ) -> Result<Trend, DiaryError> {
        let store = Arc::clone(&self.store);
        guard_blocking(&self.app.runtime(), "computing a trend", move || {
            let buckets = aggregate(&store, from, to, period.grouping())?;
            Ok(Trend { period, buckets })
        })
        .await
    }

    /// Pain and medication aggregates of the whole range of local days `from..=to`.
    ///
    /// # Errors
    /// [`DiaryError::InvalidInput`] on `from`/`to`, or a storage error.
    pub async fn summary(
        &self,
        from: CalendarDate,
        to: CalendarDate,
    ) -> Result<TrendBucket, DiaryError> {
        let store = Arc::clone(&self.store);
        guard_blocking(&self.app.runtime(), "computing a summary", move || {
            whole(&store, from, to)
        })
        .await
    }

    /// The `days` local days before `date` against `date` and the `days - 1` days after it
    /// (e.g. the month before and after the implant or a dose change).
    ///
    /// # Errors
    /// [`DiaryError::InvalidInput`] on `date` or `days` (1 to 5 years), or a storage error.
    pub async fn compare(
        &self,
        date: CalendarDate,
        days: u32,
    ) -> Result<TrendComparison, DiaryError> {
        let store = Arc::clone(&self.store);
        guard_blocking(
            &self.app.runtime(),
            "comparing before and after",
            move || compare(&store, date, days),
        )
        .await
    }

    /// Removes for good the entries deleted more than 30 days ago (a maintenance call the app
    /// makes now and then, e.g. at start). Returns how many were removed.
    ///
    /// # Errors
    /// A storage error.
    pub fn purge_expired(&self) -> Result<u32, DiaryError> {
        guard("purging deleted entries", || {
            let now = self.clock.now();
            Ok(self.store.write(|tx| {
                Ok(store::purge_deleted(tx, EntryKind::Pain, now)?
                    + store::purge_deleted(tx, EntryKind::Medication, now)?)
            })?)
        })
    }
}

fn aggregate(
    store: &Store,
    from: CalendarDate,
    to: CalendarDate,
    grouping: Grouping,
) -> Result<Vec<TrendBucket>, DiaryError> {
    let (first, last) = range_days(from, to)?;
    let (pain, meds) = store.read(|c| {
        Ok((
            store::pain_aggregates(c, first, last, grouping)?,
            store::medication_aggregates(c, first, last, grouping)?,
        ))
    })?;
    Ok(assemble(first, last, grouping, &pain, &meds))
}

fn whole(store: &Store, from: CalendarDate, to: CalendarDate) -> Result<TrendBucket, DiaryError> {
    aggregate(store, from, to, Grouping::Whole)?
        .pop()
        .ok_or_else(|| DiaryError::Internal {
            context: "computing a summary".into(),
        })
}

fn compare(store: &Store, date: CalendarDate, days: u32) -> Result<TrendComparison, DiaryError> {
    if days == 0 || days > 5 * 366 {
        return Err(crate::model::InvalidInput::new("days", "must be between 1 and 1830").into());
    }
    let d = date.to_naive("date")?;
    let n = chrono::Duration::days(i64::from(days));
    let (Some(start), Some(end)) = (d.checked_sub_signed(n), d.checked_add_signed(n)) else {
        return Err(crate::model::InvalidInput::new("date", "is too far from today").into());
    };
    let before_end = d.pred_opt().unwrap_or(d);
    let after_end = end.pred_opt().unwrap_or(end);
    Ok(TrendComparison {
        before: whole(
            store,
            CalendarDate::from_naive(start),
            CalendarDate::from_naive(before_end),
        )?,
        after: whole(store, date, CalendarDate::from_naive(after_end))?,
    })
}
