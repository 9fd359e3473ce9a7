//! `Recovery`: the weeks after the implant as the apps reach them.

use std::sync::Arc;

use super::{Inner, RecoveryError};
use crate::model::{Author, CalendarDate, Drug, UtcDateTime};
use crate::recovery::{
    self, DueReminder, RecoveryPlan, RedFlag, Reminder, ReminderInput, Severity, Symptom,
    SymptomEntry, SymptomGuidance, SymptomInput, SymptomRevision, WithdrawalGuidance,
};

/// The patient's recovery after the implant. Get it from `Thecal::recovery()`.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct Recovery {
    inner: Arc<Inner>,
}

impl Recovery {
    pub(super) fn new(inner: Arc<Inner>) -> Self {
        Self { inner }
    }
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Recovery {
    /// Starts the recovery plan from the implant date (in the patient's zone), for a pump
    /// holding `drug`. Starting again replaces the plan: ticks and the plan's own reminders are
    /// cleared; reminders the patient added stay.
    ///
    /// # Errors
    /// [`RecoveryError::InvalidInput`] on `implant_date` (not a date, or more than a year from
    /// today), or a storage error.
    pub async fn start_plan(
        &self,
        implant_date: CalendarDate,
        drug: Drug,
    ) -> Result<RecoveryPlan, RecoveryError> {
        let (i, now, zone) = (&self.inner, self.inner.now(), self.inner.zone);
        let language = i.language.get();
        i.write_blocking("starting the recovery plan", move |tx| {
            recovery::start_plan(tx, implant_date, &drug, now, zone, language)
        })
        .await
    }

    /// The plan with today's day of recovery and the checklist, if one was started.
    ///
    /// # Errors
    /// A storage error.
    pub async fn plan(&self) -> Result<Option<RecoveryPlan>, RecoveryError> {
        let (i, now, zone) = (&self.inner, self.inner.now(), self.inner.zone);
        let language = i.language.get();
        i.read_blocking("reading the recovery plan", move |c| {
            recovery::plan(c, now, zone, language)
        })
        .await
    }

    /// Ticks (`done`) or unticks a checklist item; returns the updated plan.
    ///
    /// # Errors
    /// [`RecoveryError::NoPlan`], [`RecoveryError::UnknownItem`], or a storage error.
    pub async fn set_item_done(
        &self,
        key: String,
        done: bool,
        author: Author,
    ) -> Result<RecoveryPlan, RecoveryError> {
        let (i, now, zone) = (&self.inner, self.inner.now(), self.inner.zone);
        let language = i.language.get();
        i.write_blocking("ticking a checklist item", move |tx| {
            recovery::set_item_done(tx, &key, done, author, now, zone, language)
        })
        .await
    }

    /// Adds a reminder (e.g. each antibiotic time).
    ///
    /// # Errors
    /// [`RecoveryError::InvalidInput`] naming the field (`title`, `time`, `last_date`, `zone`),
    /// or a storage error.
    pub async fn add_reminder(&self, input: ReminderInput) -> Result<Reminder, RecoveryError> {
        let now = self.inner.now();
        self.inner
            .write_blocking("adding a reminder", move |tx| {
                recovery::add_reminder(tx, &input, now)
            })
            .await
    }

    /// Every reminder (the plan's and the patient's).
    ///
    /// # Errors
    /// A storage error.
    pub async fn reminders(&self) -> Result<Vec<Reminder>, RecoveryError> {
        self.inner
            .read_blocking("reading reminders", recovery::reminders_list)
            .await
    }

    /// Removes a reminder.
    ///
    /// # Errors
    /// [`RecoveryError::NotFound`], or a storage error.
    pub async fn remove_reminder(&self, id: i64) -> Result<(), RecoveryError> {
        self.inner
            .write_blocking("removing a reminder", move |tx| {
                recovery::remove_reminder(tx, id)
            })
            .await
    }

    /// The reminders due since the last call, with the device now in `device_zone`; each is
    /// returned once (it is recorded as fired) and at most once per local date, whatever the
    /// DST changes and flights in between. Call it when the app wakes or a notification fires.
    ///
    /// # Errors
    /// [`RecoveryError::InvalidInput`] on `device_zone`, or a storage error.
    pub async fn due_reminders(
        &self,
        device_zone: String,
    ) -> Result<Vec<DueReminder>, RecoveryError> {
        let now = self.inner.now();
        self.inner
            .write_blocking("checking reminders", move |tx| {
                recovery::due_reminders(tx, &device_zone, now)
            })
            .await
    }

    /// The reminders that will fire in the next `hours` hours with the device in
    /// `device_zone` (not yet fired), for scheduling notifications. Ask again when the zone
    /// changes.
    ///
    /// # Errors
    /// [`RecoveryError::InvalidInput`] on `device_zone` or `hours` (at most 8784, a year), or a
    /// storage error.
    pub async fn upcoming_reminders(
        &self,
        device_zone: String,
        hours: u32,
    ) -> Result<Vec<DueReminder>, RecoveryError> {
        let now = self.inner.now();
        self.inner
            .read_blocking("listing upcoming reminders", move |c| {
                recovery::upcoming_reminders(c, &device_zone, hours, now)
            })
            .await
    }

    /// Logs a symptom and says what to do about it.
    ///
    /// # Errors
    /// [`RecoveryError::InvalidInput`] naming the field (`at`, `note`), or a storage error.
    pub async fn log_symptom(
        &self,
        input: SymptomInput,
        author: Author,
    ) -> Result<SymptomEntry, RecoveryError> {
        let (i, now, zone) = (&self.inner, self.inner.now(), self.inner.zone);
        i.write_blocking("logging a symptom", move |tx| {
            recovery::log_symptom(tx, input, zone, now, author)
        })
        .await
        .map(|e| self.in_language(e))
    }

    /// Changes a symptom entry; the earlier values stay in its history.
    ///
    /// # Errors
    /// [`RecoveryError::InvalidInput`], [`RecoveryError::NotFound`], or a storage error.
    pub async fn edit_symptom(
        &self,
        id: i64,
        input: SymptomInput,
        author: Author,
    ) -> Result<SymptomEntry, RecoveryError> {
        let now = self.inner.now();
        self.inner
            .write_blocking("editing a symptom", move |tx| {
                recovery::edit_symptom(tx, id, input, now, author)
            })
            .await
            .map(|e| self.in_language(e))
    }

    /// Deletes a symptom entry; it can be restored for 30 days.
    ///
    /// # Errors
    /// [`RecoveryError::NotFound`], or a storage error.
    pub async fn delete_symptom(&self, id: i64, author: Author) -> Result<(), RecoveryError> {
        let now = self.inner.now();
        self.inner
            .write_blocking("deleting a symptom", move |tx| {
                recovery::delete_symptom(tx, id, now, author)
            })
            .await
    }

    /// Brings back a symptom entry deleted less than 30 days ago.
    ///
    /// # Errors
    /// [`RecoveryError::NotFound`], [`RecoveryError::NotDeleted`],
    /// [`RecoveryError::RestoreExpired`], or a storage error.
    pub async fn restore_symptom(
        &self,
        id: i64,
        author: Author,
    ) -> Result<SymptomEntry, RecoveryError> {
        let now = self.inner.now();
        self.inner
            .write_blocking("restoring a symptom", move |tx| {
                recovery::restore_symptom(tx, id, now, author)
            })
            .await
            .map(|e| self.in_language(e))
    }

    /// Symptoms noticed in `[from, to)`, oldest first, each with what to do about it.
    ///
    /// # Errors
    /// A storage error.
    pub async fn symptoms(
        &self,
        from: UtcDateTime,
        to: UtcDateTime,
    ) -> Result<Vec<SymptomEntry>, RecoveryError> {
        self.inner
            .read_blocking("reading symptoms", move |c| recovery::symptoms(c, from, to))
            .await
            .map(|entries| entries.into_iter().map(|e| self.in_language(e)).collect())
    }

    /// Every version of a symptom entry, oldest first.
    ///
    /// # Errors
    /// A storage error.
    pub async fn symptom_history(&self, id: i64) -> Result<Vec<SymptomRevision>, RecoveryError> {
        self.inner
            .read_blocking("reading a symptom's history", move |c| {
                recovery::symptom_history(c, id)
            })
            .await
    }

    /// Removes for good the symptom entries deleted more than 30 days ago. Returns how many.
    ///
    /// # Errors
    /// A storage error.
    pub async fn purge_expired(&self) -> Result<u32, RecoveryError> {
        let now = self.inner.now();
        self.inner
            .write_blocking("purging deleted symptoms", move |tx| {
                recovery::purge_expired(tx, now)
            })
            .await
    }

    /// What to do about `symptom` at `severity` (without logging it).
    #[must_use]
    pub fn assess(&self, symptom: Symptom, severity: Severity) -> SymptomGuidance {
        recovery::assess(symptom, severity, self.inner.language.get())
    }

    /// The warning signs that mean "call your clinic now" or "call emergency services".
    #[must_use]
    pub fn red_flags(&self) -> Vec<RedFlag> {
        recovery::red_flags(self.inner.language.get())
    }

    /// The withdrawal signs of `drug` (the drug in the pump) and what to do about them.
    #[must_use]
    pub fn withdrawal_guidance(&self, drug: Drug) -> WithdrawalGuidance {
        recovery::withdrawal(&drug, self.inner.language.get())
    }
}

impl Recovery {
    /// `entry` with its guidance in the current language (the store words it in English).
    fn in_language(&self, mut entry: SymptomEntry) -> SymptomEntry {
        let v = &entry.value;
        entry.guidance = recovery::assess(v.symptom, v.severity, self.inner.language.get());
        entry
    }
}
