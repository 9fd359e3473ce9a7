//! The phone-silent alarm (protocol §9), both sides.
//!
//! On the **patient's phone**: the check-in schedule the core declares to the relay
//! (`PUT …/heartbeat` with the confirmed caregivers' mailboxes as watchers), declared again when
//! the set of confirmed caregivers or the schedule changes, the check-ins (`POST`) made in passing
//! whenever the core talks to the relay anyway and on the app's explicit call, and the way to
//! stop the watch before switching the phone off on purpose (`DELETE`).
//!
//! On a **caregiver's phone**: the relay's content-free `phone_silent` / `phone_back` notices,
//! mapped to the paired patient by mailbox and stored before they are acknowledged, and shown
//! worded in the caregiver's language ("No news from Maria's phone since 14:05").
//!
//! Its own tables (migration 0014, `alert_heartbeat` and `alert_notices`) and their SQL are here.

use chrono::{Duration, TimeZone as _};
use rusqlite::{Connection, OptionalExtension as _, Transaction, params};
use serde_json::json;
use thecal_proto::MailboxId;

use super::DeviceKeys;
use super::db::{self, PeerRole, PeerState};
use super::relay::{Item, RelayClient};
use super::session::{Error, Session};
use crate::l10n::{Domain, Language, Texts};
use crate::model::{InvalidInput, LocalTime, UtcDateTime, Zone, from_millis, to_millis};
use crate::store::{Store, StoreError};

/// The default time between two check-ins: one hour. Both platforms run an app's background
/// work when they choose (iOS background refresh, Android's WorkManager, at least 15 minutes
/// apart, deferred to Doze's maintenance windows, which come about hourly at first): an hour
/// leaves room for a few of them, and a phone in use checks in far more often in passing. A
/// shorter interval would not make the alarm much faster (the platforms set the pace), a longer
/// one would leave a caregiver hours without knowing.
pub const DEFAULT_INTERVAL_S: u32 = 3_600;
/// The default grace after a missed check-in before the relay tells the caregivers: half an
/// hour. It absorbs a late background run or a short loss of network (a lift, a tunnel) so that
/// caregivers are not told of silences that end by themselves (alert fatigue), while a phone
/// that is really off or flat is reported within an hour and a half of its last check-in.
pub const DEFAULT_GRACE_S: u32 = 1_800;
/// A check-in is made in passing (while the core talks to the relay anyway) once the last one
/// is older than this fraction of the interval: a quarter, so a phone in use never comes near
/// its due time, and a relay talk every minute costs at most four check-ins an interval.
const IN_PASSING_FRACTION: i64 = 4;
/// The relay takes at most this many watchers (protocol §11).
const MAX_WATCHERS: usize = 16;

/// How often the patient's phone checks in with the relay, and how late a check-in may be
/// before the relay tells the caregivers that the phone is silent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CheckInSchedule {
    /// Seconds between two check-ins: 60 to 604,800 (7 days). Default 3,600.
    pub interval_seconds: u32,
    /// Seconds of grace after a missed check-in: 0 to 86,400 (1 day). Default 1,800.
    pub grace_seconds: u32,
}

impl Default for CheckInSchedule {
    fn default() -> Self {
        Self {
            interval_seconds: DEFAULT_INTERVAL_S,
            grace_seconds: DEFAULT_GRACE_S,
        }
    }
}

impl CheckInSchedule {
    /// Whether the relay accepts this schedule (protocol §9).
    ///
    /// # Errors
    /// [`InvalidInput`] naming the field out of range.
    pub fn check(&self) -> Result<(), InvalidInput> {
        if !(60..=604_800).contains(&self.interval_seconds) {
            return Err(InvalidInput::new(
                "interval_seconds",
                "must be from 60 seconds to 7 days (604800)",
            ));
        }
        if self.grace_seconds > 86_400 {
            return Err(InvalidInput::new(
                "grace_seconds",
                "must be from 0 to 1 day (86400)",
            ));
        }
        Ok(())
    }
}

/// Where the patient's phone stands with the relay's watch.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PhoneWatch {
    /// The schedule the patient chose (or the default).
    pub schedule: CheckInSchedule,
    /// Whether the relay holds a schedule for this phone now (it tells the caregivers when a
    /// check-in is overdue).
    pub watching: bool,
    /// How many caregivers the relay tells.
    pub watchers: u32,
    /// When the relay last heard from this phone.
    pub last_check_in: Option<UtcDateTime>,
    /// When the relay will tell the caregivers if it hears nothing more.
    pub due_at: Option<UtcDateTime>,
    /// When the patient stopped the watch (before switching the phone off on purpose); the
    /// next explicit check-in starts it again.
    pub stopped_at: Option<UtcDateTime>,
}

/// What the heartbeat table holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct State {
    pub schedule: CheckInSchedule,
    /// The declaration the relay holds (its PUT body), if any.
    pub declared: Option<String>,
    pub last_check_in: Option<UtcDateTime>,
    pub due_at: Option<UtcDateTime>,
    pub stopped_at: Option<UtcDateTime>,
}

/// What to tell the relay next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// Declare (`PUT`) this body.
    Declare(String),
    /// Check in (`POST`).
    CheckIn,
    /// Stop the watch (`DELETE`): no caregiver left to tell.
    Withdraw,
    /// Nothing now.
    Nothing,
}

/// The `PUT` body for `schedule` and `watchers` (sorted, so the same set reads the same).
pub(crate) fn declaration(schedule: CheckInSchedule, watchers: &[MailboxId]) -> String {
    let mut ids: Vec<String> = watchers.iter().map(ToString::to_string).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.truncate(MAX_WATCHERS);
    json!({
        "interval_s": schedule.interval_seconds,
        "grace_s": schedule.grace_seconds,
        "watchers": ids,
    })
    .to_string()
}

/// What to tell the relay at `now`, given the stored state and the confirmed caregivers. In
/// passing, a check-in is made only when the last one is older than a fraction of the interval;
/// an explicit call always checks in.
pub(crate) fn next_step(
    state: &State,
    watchers: &[MailboxId],
    now: UtcDateTime,
    in_passing: bool,
) -> Step {
    if state.stopped_at.is_some() {
        return Step::Nothing;
    }
    if watchers.is_empty() {
        return if state.declared.is_some() {
            Step::Withdraw
        } else {
            Step::Nothing
        };
    }
    let body = declaration(state.schedule, watchers);
    if state.declared.as_deref() != Some(body.as_str()) {
        return Step::Declare(body);
    }
    let fresh = Duration::seconds(i64::from(state.schedule.interval_seconds) / IN_PASSING_FRACTION);
    match state.last_check_in {
        Some(t) if in_passing && now - t < fresh => Step::Nothing,
        _ => Step::CheckIn,
    }
}

/// The heartbeat's stored state (the default schedule when none is stored).
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`].
pub(crate) fn state(conn: &Connection) -> Result<State, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT interval_s, grace_s, declared, last_check_in_ms, due_at_ms, stopped_at_ms
             FROM alert_heartbeat WHERE id = 1",
        )?
        .query_row([], |r| {
            Ok((
                r.get::<_, u32>(0)?,
                r.get::<_, u32>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, Option<i64>>(5)?,
            ))
        })
        .optional()?;
    let Some((interval, grace, declared, last, due, stopped)) = row else {
        return Ok(State::default());
    };
    let time = |ms: Option<i64>| -> Result<Option<UtcDateTime>, StoreError> {
        ms.map(|ms| from_millis(ms).ok_or_else(|| StoreError::damaged("alert_heartbeat time")))
            .transpose()
    };
    Ok(State {
        schedule: CheckInSchedule {
            interval_seconds: interval,
            grace_seconds: grace,
        },
        declared,
        last_check_in: time(last)?,
        due_at: time(due)?,
        stopped_at: time(stopped)?,
    })
}

/// Stores the heartbeat's state.
///
/// # Errors
/// A storage error.
pub(crate) fn save(tx: &Transaction<'_>, s: &State) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO alert_heartbeat (id, interval_s, grace_s, declared, last_check_in_ms,
                                      due_at_ms, stopped_at_ms)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET interval_s = excluded.interval_s,
             grace_s = excluded.grace_s, declared = excluded.declared,
             last_check_in_ms = excluded.last_check_in_ms, due_at_ms = excluded.due_at_ms,
             stopped_at_ms = excluded.stopped_at_ms",
    )?
    .execute(params![
        s.schedule.interval_seconds,
        s.schedule.grace_seconds,
        s.declared,
        s.last_check_in.map(to_millis),
        s.due_at.map(to_millis),
        s.stopped_at.map(to_millis),
    ])?;
    Ok(())
}

/// The mailboxes of the caregivers the relay should tell: the confirmed ones, in pairing order.
fn watchers(conn: &Connection) -> Result<Vec<MailboxId>, StoreError> {
    Ok(db::peers(conn)?
        .into_iter()
        .filter(|p| p.role == PeerRole::Caregiver && p.state == PeerState::Confirmed)
        .map(|p| p.bundle.mailbox())
        .collect())
}

fn watch(conn: &Connection) -> Result<PhoneWatch, StoreError> {
    let s = state(conn)?;
    let n = s.declared.as_deref().map_or(0, |d| {
        serde_json::from_str::<serde_json::Value>(d)
            .ok()
            .and_then(|v| v["watchers"].as_array().map(Vec::len))
            .unwrap_or(0)
    });
    Ok(PhoneWatch {
        schedule: s.schedule,
        watching: s.declared.is_some(),
        watchers: u32::try_from(n).unwrap_or(u32::MAX),
        last_check_in: s.last_check_in,
        due_at: s.due_at,
        stopped_at: s.stopped_at,
    })
}

fn from_unix(s: i64) -> Option<UtcDateTime> {
    chrono::DateTime::from_timestamp(s, 0)
}

// The patient's phone.
impl Session {
    /// Where this phone stands with the relay's watch.
    ///
    /// # Errors
    /// A storage error.
    pub fn phone_watch(&self) -> Result<PhoneWatch, Error> {
        Ok(self.store().read(watch)?)
    }

    /// Sets how often this phone checks in and how late it may be (the patient's choice), and
    /// declares it to the relay if it can now (else at the next talk with the relay).
    ///
    /// # Errors
    /// A storage error. The schedule must have passed [`CheckInSchedule::check`].
    pub async fn set_check_in_schedule(
        &self,
        schedule: CheckInSchedule,
    ) -> Result<PhoneWatch, Error> {
        self.store().write(|tx| {
            let mut s = state(tx)?;
            s.schedule = schedule;
            save(tx, &s)
        })?;
        if let Ok(relay) = self.relay() {
            let keys = self.keys()?;
            if let Err(e) = self.keep_watch(&relay, &keys, true).await {
                tracing::info!(error = %e, "check-in schedule declared later");
            }
        }
        self.phone_watch()
    }

    /// Checks in with the relay now (the app's background refresh calls it), declaring the
    /// schedule first if the relay does not hold the current one. It starts again a watch the
    /// patient stopped. With no confirmed caregiver there is nothing to tell: nothing is sent.
    ///
    /// # Errors
    /// [`Error::Relay`] (offline: try again later), the key store's and storage errors.
    pub async fn check_in(&self) -> Result<PhoneWatch, Error> {
        self.store().write(|tx| {
            let mut s = state(tx)?;
            if s.stopped_at.take().is_some() {
                save(tx, &s)?;
            }
            Ok::<_, StoreError>(())
        })?;
        if self.store().read(watchers)?.is_empty() && self.store().read(state)?.declared.is_none() {
            return self.phone_watch();
        }
        let relay = self.relay()?;
        let keys = self.keys()?;
        self.keep_watch(&relay, &keys, false).await?;
        self.phone_watch()
    }

    /// Stops the relay watching this phone (before it is switched off on purpose: the caregivers
    /// are not told it is silent). Automatic check-ins stay off until [`Session::check_in`] is
    /// called (the app calls it when it starts and from its background refresh).
    ///
    /// # Errors
    /// [`Error::Relay`] (offline: the relay still watches; try again), storage errors.
    pub async fn stop_watching(&self) -> Result<PhoneWatch, Error> {
        if self.store().read(state)?.declared.is_some() {
            let relay = self.relay()?;
            relay.delete_heartbeat(&self.keys()?).await?;
        }
        let now = self.clock().now();
        self.store().write(|tx| {
            let mut s = state(tx)?;
            s.declared = None;
            s.due_at = None;
            s.stopped_at = Some(now);
            save(tx, &s)
        })?;
        self.phone_watch()
    }

    /// Declares the watch again if the confirmed caregivers or the schedule changed (after a
    /// confirmation), or checks in if one is due; errors (offline, no relay yet) are logged:
    /// the next talk with the relay does it.
    pub async fn keep_watch_quietly(&self) {
        match (self.relay(), self.keys()) {
            (Ok(relay), Ok(keys)) => self.watch_in_passing(&relay, &keys).await,
            _ => tracing::info!("check-in schedule declared at the next relay talk"),
        }
    }

    /// Keeps the watch in passing, while the core talks to the relay anyway: errors are logged,
    /// never raised.
    pub(super) async fn watch_in_passing(&self, relay: &RelayClient, keys: &DeviceKeys) {
        if let Err(e) = self.keep_watch(relay, keys, true).await {
            tracing::info!(error = %e, "check-in not made; tried again at the next relay talk");
        }
    }

    /// Tells the relay what [`next_step`] says, and stores its answer.
    async fn keep_watch(
        &self,
        relay: &RelayClient,
        keys: &DeviceKeys,
        in_passing: bool,
    ) -> Result<(), Error> {
        let (s, watchers) = self
            .store()
            .read(|c| Ok::<_, StoreError>((state(c)?, watchers(c)?)))?;
        let now = self.clock().now();
        let (declared, due) = match next_step(&s, &watchers, now, in_passing) {
            Step::Nothing => return Ok(()),
            Step::Withdraw => {
                relay.delete_heartbeat(keys).await?;
                (None, None)
            }
            Step::Declare(body) => {
                let due = relay.put_heartbeat(keys, &body).await?;
                (Some(body), from_unix(due))
            }
            Step::CheckIn => match relay.check_in(keys).await {
                Ok(due) => (s.declared.clone(), from_unix(due)),
                // The relay lost the schedule (its mailbox was made anew): declare it again.
                Err(e) if e.code() == Some("not_found") => {
                    let body = declaration(s.schedule, &watchers);
                    let due = relay.put_heartbeat(keys, &body).await?;
                    (Some(body), from_unix(due))
                }
                Err(e) => return Err(e.into()),
            },
        };
        let now = self.clock().now();
        self.store().write(|tx| {
            let mut s = state(tx)?;
            let checked_in = declared.is_some();
            s.declared = declared;
            s.due_at = due;
            if checked_in {
                s.last_check_in = Some(now);
            }
            save(tx, &s)
        })?;
        Ok(())
    }
}

/// The kind of a relay notice about the patient's phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PhoneNoticeKind {
    /// The phone missed its check-in: no news since `last_seen_at`.
    Silent,
    /// The phone checked in again after a silence.
    Back,
}

impl PhoneNoticeKind {
    fn code(self) -> &'static str {
        match self {
            Self::Silent => "phone_silent",
            Self::Back => "phone_back",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        match code {
            "phone_silent" => Some(Self::Silent),
            "phone_back" => Some(Self::Back),
            _ => None,
        }
    }
}

/// A relay notice about a patient's phone, as a caregiver's app shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PhoneNotice {
    /// The notice's id.
    pub id: String,
    /// The patient's device id (as in `paired_devices`).
    pub patient_id: String,
    /// The patient's name on this phone.
    pub patient: String,
    /// Silent, or back.
    pub kind: PhoneNoticeKind,
    /// When the patient's phone last checked in before the notice.
    pub last_seen_at: UtcDateTime,
    /// When its check-in was due (a silent notice).
    pub due_at: Option<UtcDateTime>,
    /// When the notice arrived on this phone.
    pub received_at: UtcDateTime,
    /// Whether the phone is back: a later notice says it checked in again (always true for a
    /// `Back` notice). An app shows a silent notice whose phone is back as settled.
    pub phone_back: bool,
    /// The title to show, in the app's language ("No news from Maria's phone").
    pub title: String,
    /// The text to show, in the app's language, times in the patient's zone.
    pub body: String,
}

/// Stores a relay notice about a paired patient's phone, in its own transaction, before the
/// caller acknowledges it to the relay. A notice about a mailbox that is not a paired patient
/// (or revoked), or of a type this version does not know, is dropped. Returns the notice's id
/// when newly stored.
///
/// # Errors
/// A storage error.
pub(crate) fn store_notice(
    store: &Store,
    item: &Item,
    now: UtcDateTime,
) -> Result<Option<String>, StoreError> {
    let Item::Notice {
        id,
        kind,
        mailbox,
        last_seen_at,
        due_at,
        ..
    } = item
    else {
        return Ok(None);
    };
    let Some(kind) = PhoneNoticeKind::from_code(kind) else {
        tracing::info!("a relay notice of a newer type was dropped");
        return Ok(None);
    };
    store.write(|tx| {
        let peer = match db::peer(tx, *mailbox)? {
            Some(p) if p.role == PeerRole::Patient && p.state != PeerState::Revoked => p,
            _ => {
                tracing::info!("a relay notice about an unknown phone was dropped");
                return Ok(None);
            }
        };
        let n = tx
            .prepare_cached(
                "INSERT INTO alert_notices (notice_id, peer_id, kind, last_seen_at_ms, due_at_ms,
                                            received_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (notice_id) DO NOTHING",
            )?
            .execute(params![
                id,
                peer.id,
                kind.code(),
                last_seen_at.saturating_mul(1000),
                due_at.map(|d| d.saturating_mul(1000)),
                to_millis(now)
            ])?;
        Ok((n == 1).then(|| id.clone()))
    })
}

/// The notices about the patients' phones, newest first, worded in `language` with times in
/// `zone` (a time alone when it is `now`'s day there).
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`].
pub fn notices(
    conn: &Connection,
    language: Language,
    zone: Zone,
    now: UtcDateTime,
) -> Result<Vec<PhoneNotice>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT n.notice_id, p.mailbox, p.name, n.kind, n.last_seen_at_ms, n.due_at_ms,
                n.received_at_ms,
                n.kind = 'phone_back' OR EXISTS (
                    SELECT 1 FROM alert_notices b WHERE b.peer_id = n.peer_id
                    AND b.kind = 'phone_back' AND b.last_seen_at_ms >= n.last_seen_at_ms
                    AND (b.received_at_ms > n.received_at_ms
                         OR (b.received_at_ms = n.received_at_ms AND b.notice_id > n.notice_id)))
         FROM alert_notices n JOIN alert_peers p ON p.id = n.peer_id
         ORDER BY n.received_at_ms DESC, n.notice_id DESC",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, Option<i64>>(5)?,
            r.get::<_, i64>(6)?,
            r.get::<_, bool>(7)?,
        ))
    })?;
    let t = Texts::or_english(language, Domain::Alerts);
    rows.map(|row| {
        let (id, patient_id, patient, kind, last_seen, due, received, back) = row?;
        let time =
            |ms: i64| from_millis(ms).ok_or_else(|| StoreError::damaged("alert_notices time"));
        let kind = PhoneNoticeKind::from_code(&kind)
            .ok_or_else(|| StoreError::damaged("alert_notices.kind"))?;
        let last_seen_at = time(last_seen)?;
        let (title, body) = word(&t, kind, &patient, &since(&t, last_seen_at, zone, now));
        Ok(PhoneNotice {
            id,
            patient_id,
            patient,
            kind,
            last_seen_at,
            due_at: due.map(time).transpose()?,
            received_at: time(received)?,
            phone_back: back,
            title,
            body,
        })
    })
    .collect()
}

/// The title and text of a notice.
fn word(t: &Texts, kind: PhoneNoticeKind, patient: &str, since: &str) -> (String, String) {
    let args = [("patient", patient.into()), ("since", since.into())];
    match kind {
        PhoneNoticeKind::Silent => (
            t.format("phone-silent-title", &args),
            t.format("phone-silent-body", &args),
        ),
        PhoneNoticeKind::Back => (
            t.format("phone-back-title", &args),
            t.format("phone-back-body", &args),
        ),
    }
}

/// `at` in `zone`: `14:05` on `now`'s day there, else the day and the time.
fn since(t: &Texts, at: UtcDateTime, zone: Zone, now: UtcDateTime) -> String {
    let local = zone.from_utc_datetime(&at.naive_utc());
    let clock = LocalTime::of(&local).to_string();
    if local.date_naive() == zone.from_utc_datetime(&now.naive_utc()).date_naive() {
        clock
    } else {
        format!("{} {clock}", t.day_month(local.date_naive()))
    }
}

/// Deletes the heartbeat's and the notices' rows (the person's "delete everything").
///
/// # Errors
/// A storage error.
pub(crate) fn delete_all(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.execute_batch("DELETE FROM alert_notices; DELETE FROM alert_heartbeat;")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mbx(b: u8) -> MailboxId {
        MailboxId([b; 16])
    }

    fn at(s: i64) -> UtcDateTime {
        from_unix(1_795_000_000 + s).unwrap()
    }

    #[test]
    fn the_default_schedule_is_an_hour_with_half_an_hour_of_grace_and_is_valid() {
        let d = CheckInSchedule::default();
        assert_eq!((d.interval_seconds, d.grace_seconds), (3_600, 1_800));
        assert!(d.check().is_ok());
        let short = CheckInSchedule {
            interval_seconds: 59,
            grace_seconds: 0,
        };
        assert_eq!(short.check().unwrap_err().field, "interval_seconds");
        let long_grace = CheckInSchedule {
            interval_seconds: 60,
            grace_seconds: 86_401,
        };
        assert_eq!(long_grace.check().unwrap_err().field, "grace_seconds");
    }

    #[test]
    fn the_declaration_names_each_watcher_once_in_a_stable_order() {
        let s = CheckInSchedule::default();
        let a = declaration(s, &[mbx(2), mbx(1), mbx(2)]);
        assert_eq!(a, declaration(s, &[mbx(1), mbx(2)]));
        let v: serde_json::Value = serde_json::from_str(&a).unwrap();
        assert_eq!(v["interval_s"], 3_600);
        assert_eq!(v["grace_s"], 1_800);
        assert_eq!(v["watchers"].as_array().unwrap().len(), 2);
        let many: Vec<MailboxId> = (0..20).map(mbx).collect();
        let v: serde_json::Value = serde_json::from_str(&declaration(s, &many)).unwrap();
        assert_eq!(v["watchers"].as_array().unwrap().len(), MAX_WATCHERS);
    }

    #[test]
    fn a_new_caregiver_set_or_schedule_is_declared_a_fresh_check_in_waits_and_none_left_withdraws()
    {
        let mut s = State::default();
        // Nobody to tell: nothing.
        assert_eq!(next_step(&s, &[], at(0), true), Step::Nothing);
        // A confirmed caregiver: declared.
        let Step::Declare(body) = next_step(&s, &[mbx(1)], at(0), true) else {
            panic!("declares")
        };
        s.declared = Some(body);
        s.last_check_in = Some(at(0));
        // In passing, a check-in younger than a quarter of the interval is enough.
        assert_eq!(next_step(&s, &[mbx(1)], at(899), true), Step::Nothing);
        assert_eq!(next_step(&s, &[mbx(1)], at(900), true), Step::CheckIn);
        // Asked explicitly, it checks in anyway.
        assert_eq!(next_step(&s, &[mbx(1)], at(1), false), Step::CheckIn);
        // A second caregiver confirmed, or the schedule changed: declared again.
        assert!(matches!(
            next_step(&s, &[mbx(1), mbx(2)], at(1), true),
            Step::Declare(_)
        ));
        let mut changed = s.clone();
        changed.schedule.interval_seconds = 600;
        assert!(matches!(
            next_step(&changed, &[mbx(1)], at(1), true),
            Step::Declare(_)
        ));
        // Every caregiver revoked: the watch is withdrawn.
        assert_eq!(next_step(&s, &[], at(1), true), Step::Withdraw);
        // Stopped by the patient: nothing in passing.
        s.stopped_at = Some(at(2));
        assert_eq!(next_step(&s, &[mbx(1)], at(5_000), true), Step::Nothing);
    }

    #[test]
    fn since_is_a_time_on_the_same_day_and_a_day_and_time_before() {
        let t = Texts::or_english(Language::English, Domain::Alerts);
        let paris = Zone::get("Europe/Paris").unwrap();
        // 1_795_000_000 is 2026-11-18T11:06:40Z, 12:06 in Paris.
        assert_eq!(since(&t, at(0), paris, at(3_600)), "12:06");
        let day_before = since(&t, at(0), paris, at(86_400));
        assert!(day_before.ends_with(" 12:06"), "{day_before}");
        assert!(day_before.len() > 6, "{day_before}");
        let (title, body) = word(&t, PhoneNoticeKind::Silent, "Maria", "14:05");
        assert!(title.contains("Maria"), "{title}");
        assert!(body.contains("14:05"), "{body}");
    }
}
