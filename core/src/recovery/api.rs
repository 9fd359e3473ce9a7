//! `Recovery`: the object the apps hold for the weeks after the implant. Thin, guarded
//! delegates to the store, the reminder rules and the reviewed guidance.

use std::sync::Arc;

use chrono::Duration;

use super::guidance::{GUIDANCE, parse_hhmm};
use super::reminders::{self, MAX_WINDOW_DAYS, fired_day};
use super::{
    ChecklistItem, DueReminder, LocalTime, RecoveryError, RecoveryPlan, RedFlag, Reminder,
    ReminderInput, ReminderZone, Severity, Symptom, SymptomEntry, SymptomGuidance, SymptomInput,
    SymptomRevision, WithdrawalGuidance,
};
use crate::app::{Thecal, guard};
use crate::diary::{
    Author, CalendarDate, MAX_NOTE_CHARS, check_text, check_time, date_of_day, day_number,
    local_day, tidy, to_nearest_milli,
};
use crate::model::{Clock, Drug, InvalidInput, UtcDateTime};
use crate::store::{self, EntryKind, EntryOutcome, PlanRow, Store};

/// How far from today an implant date may be, in days (a planned one, or a late start).
const PLAN_WINDOW_DAYS: i64 = 366;
/// The longest reminder title, in characters.
const MAX_TITLE_CHARS: usize = 200;

/// The patient's recovery after the implant. Get it from `Thecal::recovery()`.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct Recovery {
    store: Arc<Store>,
    clock: Arc<dyn Clock>,
    zone: chrono_tz::Tz,
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Thecal {
    /// The recovery plan, reminders, symptom log and guidance.
    #[must_use]
    pub fn recovery(&self) -> Arc<Recovery> {
        Arc::new(Recovery {
            store: self.store_arc(),
            clock: self.clock(),
            zone: self.tz(),
        })
    }
}

fn outcome(o: EntryOutcome) -> Result<(), RecoveryError> {
    match o {
        EntryOutcome::Done => Ok(()),
        EntryOutcome::NotFound => Err(RecoveryError::NotFound),
        EntryOutcome::NotDeleted => Err(RecoveryError::NotDeleted),
        EntryOutcome::Expired => Err(RecoveryError::RestoreExpired),
    }
}

fn parse_zone(field: &'static str, name: &str) -> Result<chrono_tz::Tz, InvalidInput> {
    name.parse().map_err(|_| {
        InvalidInput::new(
            field,
            "is not a known time zone name (use one such as Europe/Paris)",
        )
    })
}

fn check_symptom(v: &SymptomInput, now: UtcDateTime) -> Result<SymptomInput, InvalidInput> {
    check_time("at", v.at, now)?;
    check_text("note", v.note.as_deref(), MAX_NOTE_CHARS)?;
    Ok(SymptomInput {
        at: to_nearest_milli(v.at),
        note: tidy(v.note.clone()),
        ..v.clone()
    })
}

fn check_reminder(v: &ReminderInput) -> Result<ReminderInput, InvalidInput> {
    let title = v.title.trim();
    if title.is_empty() {
        return Err(InvalidInput::new("title", "is empty; say what to do"));
    }
    check_text("title", Some(title), MAX_TITLE_CHARS)?;
    v.time.minute_of_day()?;
    let first = v.first_date.to_naive("first_date")?;
    let last = v.last_date.to_naive("last_date")?;
    if last < first {
        return Err(InvalidInput::new("last_date", "is before the first date"));
    }
    if (last - first).num_days() >= MAX_WINDOW_DAYS {
        return Err(InvalidInput::new(
            "last_date",
            format!("makes the reminder last more than {MAX_WINDOW_DAYS} days"),
        ));
    }
    if let ReminderZone::Fixed { time_zone } = &v.zone {
        parse_zone("zone", time_zone)?;
    }
    Ok(ReminderInput {
        title: title.to_owned(),
        ..v.clone()
    })
}

impl Recovery {
    fn build_plan(
        &self,
        conn: &rusqlite::Connection,
    ) -> Result<Option<RecoveryPlan>, RecoveryError> {
        let Some(row) = store::recovery_plan(conn)? else {
            return Ok(None);
        };
        let ticks = store::checklist_ticks(conn)?;
        let damaged = || RecoveryError::from(store::StoreError::damaged("recovery_plan"));
        let drug = Drug::from_code(&row.drug).ok_or_else(damaged)?;
        let date = |offset: u16| {
            date_of_day(row.implant_day + i64::from(offset))
                .map(CalendarDate::from_naive)
                .ok_or_else(damaged)
        };
        let items = GUIDANCE
            .checklist
            .iter()
            .map(|c| {
                let tick = ticks.iter().find(|(k, _, _)| *k == c.key);
                Ok(ChecklistItem {
                    key: c.key.clone(),
                    title: c.title.clone(),
                    detail: c.detail.clone(),
                    from_date: date(c.from_day)?,
                    to_date: date(c.to_day)?,
                    done_at: tick.map(|t| t.1),
                    done_by: tick.map(|t| t.2),
                })
            })
            .collect::<Result<Vec<_>, RecoveryError>>()?;
        Ok(Some(RecoveryPlan {
            implant_date: CalendarDate::from_naive(
                date_of_day(row.implant_day).ok_or_else(damaged)?,
            ),
            time_zone: row.zone,
            drug,
            day: local_day(self.clock.now(), self.zone) - row.implant_day,
            items,
        }))
    }

    fn plan_now(&self) -> Result<RecoveryPlan, RecoveryError> {
        self.store
            .read(|c| Ok(self.build_plan(c)))??
            .ok_or(RecoveryError::NoPlan)
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
    pub fn start_plan(
        &self,
        implant_date: CalendarDate,
        drug: Drug,
    ) -> Result<RecoveryPlan, RecoveryError> {
        guard("starting the recovery plan", || {
            let now = self.clock.now();
            let implant_day = day_number(implant_date.to_naive("implant_date")?);
            if (implant_day - local_day(now, self.zone)).abs() > PLAN_WINDOW_DAYS {
                return Err(InvalidInput::new(
                    "implant_date",
                    "is more than a year from today; check the year",
                )
                .into());
            }
            self.store.write(|tx| {
                store::set_plan(
                    tx,
                    &PlanRow {
                        implant_day,
                        zone: self.zone.name().to_owned(),
                        drug: drug.code(),
                    },
                    now,
                )?;
                for c in &GUIDANCE.checklist {
                    let Some(r) = &c.reminder else { continue };
                    let minute = parse_hhmm(&r.time).unwrap_or(9 * 60);
                    let date = date_of_day(implant_day + i64::from(r.day))
                        .map(CalendarDate::from_naive)
                        .ok_or_else(|| store::StoreError::damaged("recovery_plan"))?;
                    let input = ReminderInput {
                        title: r.title.clone(),
                        time: LocalTime::from_minute_of_day(minute),
                        first_date: date,
                        last_date: date,
                        zone: ReminderZone::FollowDevice,
                    };
                    store::insert_reminder(tx, Some(&c.key), &input, now)?;
                }
                Ok(())
            })?;
            self.plan_now()
        })
    }

    /// The plan with today's day of recovery and the checklist, if one was started.
    ///
    /// # Errors
    /// A storage error.
    pub fn plan(&self) -> Result<Option<RecoveryPlan>, RecoveryError> {
        guard("reading the recovery plan", || {
            self.store.read(|c| Ok(self.build_plan(c)))?
        })
    }

    /// Ticks (`done`) or unticks a checklist item; returns the updated plan.
    ///
    /// # Errors
    /// [`RecoveryError::NoPlan`], [`RecoveryError::UnknownItem`], or a storage error.
    pub fn set_item_done(
        &self,
        key: String,
        done: bool,
        author: Author,
    ) -> Result<RecoveryPlan, RecoveryError> {
        guard("ticking a checklist item", || {
            if !GUIDANCE.checklist.iter().any(|c| c.key == key) {
                return Err(RecoveryError::UnknownItem);
            }
            let now = self.clock.now();
            let has_plan = self.store.write(|tx| {
                if store::recovery_plan(tx)?.is_none() {
                    return Ok(false);
                }
                store::set_tick(tx, &key, done.then_some((now, author)))?;
                Ok(true)
            })?;
            if !has_plan {
                return Err(RecoveryError::NoPlan);
            }
            self.plan_now()
        })
    }

    /// Adds a reminder (e.g. each antibiotic time).
    ///
    /// # Errors
    /// [`RecoveryError::InvalidInput`] naming the field (`title`, `time`, `last_date`, `zone`),
    /// or a storage error.
    pub fn add_reminder(&self, input: ReminderInput) -> Result<Reminder, RecoveryError> {
        guard("adding a reminder", || {
            let input = check_reminder(&input)?;
            let now = self.clock.now();
            Ok(self
                .store
                .write(|tx| store::insert_reminder(tx, None, &input, now))?)
        })
    }

    /// Every reminder (the plan's and the patient's).
    ///
    /// # Errors
    /// A storage error.
    pub fn reminders(&self) -> Result<Vec<Reminder>, RecoveryError> {
        guard("reading reminders", || {
            Ok(self.store.read(store::all_reminders)?)
        })
    }

    /// Removes a reminder.
    ///
    /// # Errors
    /// [`RecoveryError::NotFound`], or a storage error.
    pub fn remove_reminder(&self, id: i64) -> Result<(), RecoveryError> {
        guard("removing a reminder", || {
            if self.store.write(|tx| store::delete_reminder(tx, id))? {
                Ok(())
            } else {
                Err(RecoveryError::NotFound)
            }
        })
    }

    /// The reminders due since the last call, with the device now in `device_zone`; each is
    /// returned once (it is recorded as fired) and at most once per local date, whatever the
    /// DST changes and flights in between. Call it when the app wakes or a notification fires.
    ///
    /// # Errors
    /// [`RecoveryError::InvalidInput`] on `device_zone`, or a storage error.
    pub fn due_reminders(&self, device_zone: String) -> Result<Vec<DueReminder>, RecoveryError> {
        guard("checking reminders", || {
            let zone = parse_zone("device_zone", &device_zone)?;
            let now = self.clock.now();
            Ok(self.store.write(|tx| {
                let all = store::all_reminders(tx)?;
                let after = store::last_reminder_check(tx)?
                    .unwrap_or(now - Duration::days(MAX_WINDOW_DAYS));
                let fired = store::fired_since(
                    tx,
                    local_day(after.min(now), chrono_tz::UTC) - MAX_WINDOW_DAYS,
                )?;
                let due = reminders::due(&all, &fired, after, now, zone);
                for d in &due {
                    store::mark_fired(tx, d.reminder_id, fired_day(d), now)?;
                }
                store::set_last_reminder_check(tx, now)?;
                Ok(due)
            })?)
        })
    }

    /// The reminders that will fire in the next `hours` hours with the device in
    /// `device_zone` (not yet fired), for scheduling notifications. Ask again when the zone
    /// changes.
    ///
    /// # Errors
    /// [`RecoveryError::InvalidInput`] on `device_zone` or `hours` (at most 8784, a year), or a
    /// storage error.
    pub fn upcoming_reminders(
        &self,
        device_zone: String,
        hours: u32,
    ) -> Result<Vec<DueReminder>, RecoveryError> {
        guard("listing upcoming reminders", || {
            let zone = parse_zone("device_zone", &device_zone)?;
            if hours == 0 || i64::from(hours) > MAX_WINDOW_DAYS * 24 {
                return Err(InvalidInput::new("hours", "must be between 1 and 8784").into());
            }
            let now = self.clock.now();
            self.store
                .read(|c| {
                    let all = store::all_reminders(c)?;
                    let fired = store::fired_since(c, local_day(now, chrono_tz::UTC) - 2)?;
                    Ok(reminders::due(
                        &all,
                        &fired,
                        now,
                        now + Duration::hours(i64::from(hours)),
                        zone,
                    ))
                })
                .map_err(Into::into)
        })
    }

    /// Logs a symptom and says what to do about it.
    ///
    /// # Errors
    /// [`RecoveryError::InvalidInput`] naming the field (`at`, `note`), or a storage error.
    pub fn log_symptom(
        &self,
        input: SymptomInput,
        author: Author,
    ) -> Result<SymptomEntry, RecoveryError> {
        guard("logging a symptom", || {
            let now = self.clock.now();
            let input = check_symptom(&input, now)?;
            Ok(self
                .store
                .write(|tx| store::insert_symptom(tx, &input, self.zone, now, author))?)
        })
    }

    /// Changes a symptom entry; the earlier values stay in its history.
    ///
    /// # Errors
    /// [`RecoveryError::InvalidInput`], [`RecoveryError::NotFound`], or a storage error.
    pub fn edit_symptom(
        &self,
        id: i64,
        input: SymptomInput,
        author: Author,
    ) -> Result<SymptomEntry, RecoveryError> {
        guard("editing a symptom", || {
            let now = self.clock.now();
            let input = check_symptom(&input, now)?;
            self.store
                .write(|tx| store::update_symptom(tx, id, &input, now, author))?
                .ok_or(RecoveryError::NotFound)
        })
    }

    /// Deletes a symptom entry; it can be restored for 30 days.
    ///
    /// # Errors
    /// [`RecoveryError::NotFound`], or a storage error.
    pub fn delete_symptom(&self, id: i64, author: Author) -> Result<(), RecoveryError> {
        guard("deleting a symptom", || {
            let now = self.clock.now();
            outcome(
                self.store
                    .write(|tx| store::soft_delete(tx, EntryKind::Symptom, id, now, author))?,
            )
        })
    }

    /// Brings back a symptom entry deleted less than 30 days ago.
    ///
    /// # Errors
    /// [`RecoveryError::NotFound`], [`RecoveryError::NotDeleted`],
    /// [`RecoveryError::RestoreExpired`], or a storage error.
    pub fn restore_symptom(&self, id: i64, author: Author) -> Result<SymptomEntry, RecoveryError> {
        guard("restoring a symptom", || {
            let now = self.clock.now();
            self.store
                .write(|tx| {
                    let o = store::restore(tx, EntryKind::Symptom, id, now, author)?;
                    Ok(outcome(o).map(|()| store::symptom_by_id(tx, id)))
                })??
                .map_err(RecoveryError::from)?
                .ok_or(RecoveryError::NotFound)
        })
    }

    /// Symptoms noticed in `[from, to)`, oldest first, each with what to do about it.
    ///
    /// # Errors
    /// A storage error.
    pub fn symptoms(
        &self,
        from: UtcDateTime,
        to: UtcDateTime,
    ) -> Result<Vec<SymptomEntry>, RecoveryError> {
        guard("reading symptoms", || {
            Ok(self.store.read(|c| store::symptoms_between(c, from, to))?)
        })
    }

    /// Every version of a symptom entry, oldest first.
    ///
    /// # Errors
    /// A storage error.
    pub fn symptom_history(&self, id: i64) -> Result<Vec<SymptomRevision>, RecoveryError> {
        guard("reading a symptom's history", || {
            self.store
                .read(|c| store::entry_history(c, EntryKind::Symptom, id))?
                .into_iter()
                .map(|(change, v)| {
                    Ok(SymptomRevision {
                        change,
                        value: serde_json::from_value(v).map_err(|_| {
                            RecoveryError::from(store::StoreError::damaged("entry_history"))
                        })?,
                    })
                })
                .collect()
        })
    }

    /// Removes for good the symptom entries deleted more than 30 days ago. Returns how many.
    ///
    /// # Errors
    /// A storage error.
    pub fn purge_expired(&self) -> Result<u32, RecoveryError> {
        guard("purging deleted symptoms", || {
            let now = self.clock.now();
            Ok(self
                .store
                .write(|tx| store::purge_deleted(tx, EntryKind::Symptom, now))?)
        })
    }

    /// What to do about `symptom` at `severity` (without logging it).
    #[must_use]
    pub fn assess(&self, symptom: Symptom, severity: Severity) -> SymptomGuidance {
        super::assess(symptom, severity)
    }

    /// The warning signs that mean "call your clinic now" or "call emergency services".
    #[must_use]
    pub fn red_flags(&self) -> Vec<RedFlag> {
        super::red_flags()
    }

    /// The withdrawal signs of `drug` (the drug in the pump) and what to do about them.
    #[must_use]
    pub fn withdrawal_guidance(&self, drug: Drug) -> WithdrawalGuidance {
        super::withdrawal(&drug)
    }
}
