//! `Diary`: the pain diary and medication log as the apps reach them.

use std::sync::Arc;

use super::{DiaryError, Inner};
use crate::diary::{
    self, MedicationEntry, MedicationInput, MedicationRevision, PainEntry, PainInput, PainRevision,
    Trend, TrendBucket, TrendComparison, TrendPeriod, UsualDose,
};
use crate::model::{Author, CalendarDate, UtcDateTime};

/// The pain diary and medication log of the patient. Get it from `Thecal::diary()`.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct Diary {
    inner: Arc<Inner>,
}

impl Diary {
    pub(super) fn new(inner: Arc<Inner>) -> Self {
        Self { inner }
    }
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Diary {
    /// Saves a pain score felt at `input.at` (counted in the patient's current zone).
    ///
    /// # Errors
    /// [`DiaryError::InvalidInput`] naming the field (`score`, `at`…), or a storage error.
    pub async fn add_pain(
        &self,
        input: PainInput,
        author: Author,
    ) -> Result<PainEntry, DiaryError> {
        let (i, now, zone) = (&self.inner, self.inner.now(), self.inner.zone);
        i.write_blocking("saving a pain entry", move |tx| {
            diary::add_pain(tx, input, zone, now, author)
        })
        .await
    }

    /// Changes a pain entry; the earlier values stay in its history.
    ///
    /// # Errors
    /// [`DiaryError::InvalidInput`], [`DiaryError::NotFound`], or a storage error.
    pub async fn edit_pain(
        &self,
        id: i64,
        input: PainInput,
        author: Author,
    ) -> Result<PainEntry, DiaryError> {
        let now = self.inner.now();
        self.inner
            .write_blocking("editing a pain entry", move |tx| {
                diary::edit_pain(tx, id, input, now, author)
            })
            .await
    }

    /// Deletes a pain entry; it can be restored for 30 days.
    ///
    /// # Errors
    /// [`DiaryError::NotFound`], or a storage error.
    pub async fn delete_pain(&self, id: i64, author: Author) -> Result<(), DiaryError> {
        let now = self.inner.now();
        self.inner
            .write_blocking("deleting a pain entry", move |tx| {
                diary::delete_pain(tx, id, now, author)
            })
            .await
    }

    /// Brings back a pain entry deleted less than 30 days ago.
    ///
    /// # Errors
    /// [`DiaryError::NotFound`], [`DiaryError::NotDeleted`], [`DiaryError::RestoreExpired`], or
    /// a storage error.
    pub async fn restore_pain(&self, id: i64, author: Author) -> Result<PainEntry, DiaryError> {
        let now = self.inner.now();
        self.inner
            .write_blocking("restoring a pain entry", move |tx| {
                diary::restore_pain(tx, id, now, author)
            })
            .await
    }

    /// Pain entries felt in `[from, to)`, oldest first (deleted ones left out).
    ///
    /// # Errors
    /// A storage error.
    pub async fn pain_entries(
        &self,
        from: UtcDateTime,
        to: UtcDateTime,
    ) -> Result<Vec<PainEntry>, DiaryError> {
        self.inner
            .read_blocking("reading pain entries", move |c| {
                diary::pain_entries(c, from, to)
            })
            .await
    }

    /// Every version of a pain entry, oldest first: who changed what, when.
    ///
    /// # Errors
    /// A storage error.
    pub async fn pain_history(&self, id: i64) -> Result<Vec<PainRevision>, DiaryError> {
        self.inner
            .read_blocking("reading a pain entry's history", move |c| {
                diary::pain_history(c, id)
            })
            .await
    }

    /// Saves a medication dose.
    ///
    /// # Errors
    /// [`DiaryError::InvalidInput`] naming the field (`drug`, `dose`, `at`…), or a storage
    /// error.
    pub async fn add_medication(
        &self,
        input: MedicationInput,
        author: Author,
    ) -> Result<MedicationEntry, DiaryError> {
        let (i, now, zone) = (&self.inner, self.inner.now(), self.inner.zone);
        i.write_blocking("saving a medication dose", move |tx| {
            diary::add_medication(tx, input, zone, now, author)
        })
        .await
    }

    /// Logs the same dose as entry `id` again, taken at `at` (quick re-entry of a usual dose).
    ///
    /// # Errors
    /// [`DiaryError::NotFound`], [`DiaryError::InvalidInput`] for `at`, or a storage error.
    pub async fn repeat_medication(
        &self,
        id: i64,
        at: UtcDateTime,
        author: Author,
    ) -> Result<MedicationEntry, DiaryError> {
        let (i, now, zone) = (&self.inner, self.inner.now(), self.inner.zone);
        i.write_blocking("repeating a medication dose", move |tx| {
            diary::repeat_medication(tx, id, at, zone, now, author)
        })
        .await
    }

    /// Changes a medication dose; the earlier values stay in its history.
    ///
    /// # Errors
    /// [`DiaryError::InvalidInput`], [`DiaryError::NotFound`], or a storage error.
    pub async fn edit_medication(
        &self,
        id: i64,
        input: MedicationInput,
        author: Author,
    ) -> Result<MedicationEntry, DiaryError> {
        let now = self.inner.now();
        self.inner
            .write_blocking("editing a medication dose", move |tx| {
                diary::edit_medication(tx, id, input, now, author)
            })
            .await
    }

    /// Deletes a medication dose; it can be restored for 30 days.
    ///
    /// # Errors
    /// [`DiaryError::NotFound`], or a storage error.
    pub async fn delete_medication(&self, id: i64, author: Author) -> Result<(), DiaryError> {
        let now = self.inner.now();
        self.inner
            .write_blocking("deleting a medication dose", move |tx| {
                diary::delete_medication(tx, id, now, author)
            })
            .await
    }

    /// Brings back a medication dose deleted less than 30 days ago.
    ///
    /// # Errors
    /// [`DiaryError::NotFound`], [`DiaryError::NotDeleted`], [`DiaryError::RestoreExpired`], or
    /// a storage error.
    pub async fn restore_medication(
        &self,
        id: i64,
        author: Author,
    ) -> Result<MedicationEntry, DiaryError> {
        let now = self.inner.now();
        self.inner
            .write_blocking("restoring a medication dose", move |tx| {
                diary::restore_medication(tx, id, now, author)
            })
            .await
    }

    /// Medication doses taken in `[from, to)`, oldest first (deleted ones left out).
    ///
    /// # Errors
    /// A storage error.
    pub async fn medications(
        &self,
        from: UtcDateTime,
        to: UtcDateTime,
    ) -> Result<Vec<MedicationEntry>, DiaryError> {
        self.inner
            .read_blocking("reading medication doses", move |c| {
                diary::medications(c, from, to)
            })
            .await
    }

    /// Every version of a medication dose, oldest first.
    ///
    /// # Errors
    /// A storage error.
    pub async fn medication_history(&self, id: i64) -> Result<Vec<MedicationRevision>, DiaryError> {
        self.inner
            .read_blocking("reading a medication dose's history", move |c| {
                diary::medication_history(c, id)
            })
            .await
    }

    /// The doses logged most often in the last 90 days (for one-tap re-entry), at most `limit`.
    ///
    /// # Errors
    /// A storage error.
    pub async fn usual_doses(&self, limit: u32) -> Result<Vec<UsualDose>, DiaryError> {
        let now = self.inner.now();
        self.inner
            .read_blocking("reading usual doses", move |c| {
                diary::usual_doses(c, now, limit)
            })
            .await
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
        self.inner
            .read_blocking("computing a trend", move |c| {
                diary::trend(c, from, to, period)
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
        self.inner
            .read_blocking("computing a summary", move |c| diary::summary(c, from, to))
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
        self.inner
            .read_blocking("comparing before and after", move |c| {
                diary::compare(c, date, days)
            })
            .await
    }

    /// Removes for good the entries deleted more than 30 days ago (a maintenance call the app
    /// makes now and then, e.g. at start). Returns how many were removed.
    ///
    /// # Errors
    /// A storage error.
    pub async fn purge_expired(&self) -> Result<u32, DiaryError> {
        let now = self.inner.now();
        self.inner
            .write_blocking("purging deleted entries", move |tx| {
                diary::purge_expired(tx, now)
            })
            .await
    }
}
