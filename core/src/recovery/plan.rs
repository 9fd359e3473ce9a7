//! The recovery plan and reminders as functions over a transaction or a connection: start the
//! plan from the implant date, tick the checklist, add and remove reminders, and find the ones
//! due. The caller (`app::Recovery`) gives the time, the patient's zone and who is acting.

use chrono::Duration;
use rusqlite::{Connection, Transaction};

use super::db::{self, PlanRow};
use super::guidance::{GUIDANCE, texts};
use super::reminders::{self, MAX_WINDOW_DAYS, fired_day};
use super::{
    ChecklistItem, DueReminder, Error, LocalTime, RecoveryPlan, Reminder, ReminderInput,
    ReminderZone,
};
use crate::l10n::Language;
use crate::model::{
    Author, CalendarDate, Drug, InvalidInput, UtcDateTime, Zone, check_text, date_of_day,
    day_number, local_day, parse_time_zone,
};
use crate::store::StoreError;
use crate::store::journal::Refusal;

/// How far from today an implant date may be, in days (a planned one, or a late start).
const PLAN_WINDOW_DAYS: i64 = 366;
/// The longest reminder title, in characters.
const MAX_TITLE_CHARS: usize = 200;

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
        parse_time_zone("zone", time_zone)?;
    }
    Ok(ReminderInput {
        title: title.to_owned(),
        ..v.clone()
    })
}

/// The plan with the day of recovery at `now` in `zone`, if one was started.
///
/// # Errors
/// A storage error.
pub fn plan(
    conn: &Connection,
    now: UtcDateTime,
    zone: Zone,
    language: Language,
) -> Result<Option<RecoveryPlan>, Error> {
    let Some(row) = db::recovery_plan(conn)? else {
        return Ok(None);
    };
    let ticks = db::checklist_ticks(conn)?;
    let damaged = || Error::from(StoreError::damaged("recovery_plan"));
    let drug = Drug::from_code(&row.drug).ok_or_else(damaged)?;
    let date = |offset: u16| {
        date_of_day(row.implant_day + i64::from(offset))
            .map(CalendarDate::from_naive)
            .ok_or_else(damaged)
    };
    let t = texts(language);
    let items = GUIDANCE
        .checklist
        .iter()
        .map(|c| {
            let tick = ticks.iter().find(|(k, _, _)| *k == c.key);
            Ok(ChecklistItem {
                key: c.key.to_owned(),
                title: t.get(&format!("checklist-{}-title", c.key)),
                detail: t.get(&format!("checklist-{}-detail", c.key)),
                from_date: date(c.from_day)?,
                to_date: date(c.to_day)?,
                done_at: tick.map(|t| t.1),
                done_by: tick.map(|t| t.2),
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(Some(RecoveryPlan {
        implant_date: CalendarDate::from_naive(date_of_day(row.implant_day).ok_or_else(damaged)?),
        time_zone: row.zone,
        drug,
        day: local_day(now, zone) - row.implant_day,
        items,
    }))
}

fn plan_now(
    conn: &Connection,
    now: UtcDateTime,
    zone: Zone,
    language: Language,
) -> Result<RecoveryPlan, Error> {
    plan(conn, now, zone, language)?.ok_or(Error::NoPlan)
}

/// Starts the recovery plan from the implant date (in `zone`), for a pump holding `drug`.
/// Starting again replaces the plan: ticks and the plan's own reminders are cleared; reminders
/// the patient added stay.
///
/// # Errors
/// [`Error::Invalid`] on `implant_date` (not a date, or more than a year from today), or a
/// storage error.
pub fn start_plan(
    tx: &Transaction<'_>,
    implant_date: CalendarDate,
    drug: &Drug,
    now: UtcDateTime,
    zone: Zone,
    language: Language,
) -> Result<RecoveryPlan, Error> {
    let implant_day = day_number(implant_date.to_naive("implant_date")?);
    if (implant_day - local_day(now, zone)).abs() > PLAN_WINDOW_DAYS {
        return Err(InvalidInput::new(
            "implant_date",
            "is more than a year from today; check the year",
        )
        .into());
    }
    db::set_plan(
        tx,
        &PlanRow {
            implant_day,
            zone: zone.name().to_owned(),
            drug: drug.code(),
        },
        now,
    )?;
    let t = texts(language);
    for c in GUIDANCE.checklist {
        let Some(r) = &c.reminder else { continue };
        let date = date_of_day(implant_day + i64::from(r.day))
            .map(CalendarDate::from_naive)
            .ok_or_else(|| StoreError::damaged("recovery_plan"))?;
        let input = ReminderInput {
            title: t.get(&format!("checklist-{}-reminder", c.key)),
            time: LocalTime::from_minute_of_day(r.minute),
            first_date: date,
            last_date: date,
            zone: ReminderZone::FollowDevice,
        };
        db::insert_reminder(tx, Some(c.key), &input, now)?;
    }
    plan_now(tx, now, zone, language)
}

/// Ticks (`done`) or unticks checklist item `key`; returns the updated plan.
///
/// # Errors
/// [`Error::NoPlan`], [`Error::UnknownItem`], or a storage error.
pub fn set_item_done(
    tx: &Transaction<'_>,
    key: &str,
    done: bool,
    author: Author,
    now: UtcDateTime,
    zone: Zone,
    language: Language,
) -> Result<RecoveryPlan, Error> {
    if !GUIDANCE.checklist.iter().any(|c| c.key == key) {
        return Err(Error::UnknownItem);
    }
    if db::recovery_plan(tx)?.is_none() {
        return Err(Error::NoPlan);
    }
    db::set_tick(tx, key, done.then_some((now, author)))?;
    plan_now(tx, now, zone, language)
}

/// Adds a reminder (e.g. each antibiotic time).
///
/// # Errors
/// [`Error::Invalid`] naming the field (`title`, `time`, `last_date`, `zone`), or a storage
/// error.
pub fn add_reminder(
    tx: &Transaction<'_>,
    input: &ReminderInput,
    now: UtcDateTime,
) -> Result<Reminder, Error> {
    let input = check_reminder(input)?;
    db::insert_reminder(tx, None, &input, now)
}

/// Every reminder (the plan's and the patient's).
///
/// # Errors
/// A storage error.
pub fn reminders_list(conn: &Connection) -> Result<Vec<Reminder>, Error> {
    Ok(db::all_reminders(conn)?)
}

/// Removes reminder `id`.
///
/// # Errors
/// [`Refusal::NotFound`], or a storage error.
pub fn remove_reminder(tx: &Transaction<'_>, id: i64) -> Result<(), Error> {
    if db::delete_reminder(tx, id)? {
        Ok(())
    } else {
        Err(Refusal::NotFound.into())
    }
}

/// The reminders due since the last call, with the device now in `device_zone`; each is
/// returned once (it is recorded as fired) and at most once per local date, whatever the DST
/// changes and flights in between.
///
/// # Errors
/// [`Error::Invalid`] on `device_zone`, or a storage error.
pub fn due_reminders(
    tx: &Transaction<'_>,
    device_zone: &str,
    now: UtcDateTime,
) -> Result<Vec<DueReminder>, Error> {
    let zone = parse_time_zone("device_zone", device_zone)?;
    let all = db::all_reminders(tx)?;
    let after = db::last_reminder_check(tx)?.unwrap_or(now - Duration::days(MAX_WINDOW_DAYS));
    let fired = db::fired_since(tx, local_day(after.min(now), Zone::UTC) - MAX_WINDOW_DAYS)?;
    let due = reminders::due(&all, &fired, after, now, zone);
    for d in &due {
        db::mark_fired(tx, d.reminder_id, fired_day(d), now)?;
    }
    db::set_last_reminder_check(tx, now)?;
    Ok(due)
}

/// The reminders that will fire in the next `hours` hours with the device in `device_zone`
/// (not yet fired), for scheduling notifications.
///
/// # Errors
/// [`Error::Invalid`] on `device_zone` or `hours` (at most 8784, a year), or a storage error.
pub fn upcoming_reminders(
    conn: &Connection,
    device_zone: &str,
    hours: u32,
    now: UtcDateTime,
) -> Result<Vec<DueReminder>, Error> {
    let zone = parse_time_zone("device_zone", device_zone)?;
    if hours == 0 || i64::from(hours) > MAX_WINDOW_DAYS * 24 {
        return Err(InvalidInput::new("hours", "must be between 1 and 8784").into());
    }
    let all = db::all_reminders(conn)?;
    let fired = db::fired_since(conn, local_day(now, Zone::UTC) - 2)?;
    Ok(reminders::due(
        &all,
        &fired,
        now,
        now + Duration::hours(i64::from(hours)),
        zone,
    ))
}
