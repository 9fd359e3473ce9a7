//! Status sharing (protocol §5, `status`, kind 3): the patient's consent per caregiver, the
//! snapshot of what the home screen shows, and on a caregiver's phone the latest status of each
//! patient followed.
//!
//! On the patient's phone, a consent is one row per grant (migration 0014): granting stores who,
//! what and when; withdrawing ends the row (it is kept, so the patient sees every consent ever
//! given); revoking the caregiver (on either phone), or pairing it again, ends it too, in the
//! transaction that ends the pairing. Sharing is off until the
//! patient grants it. [`share_due`] puts a snapshot in the outbox for every caregiver with a
//! consent when what it shows changed since the last one sent (the time fields left out, see
//! [`StatusMessage::shown`]) or when the last one is older than the interval. A snapshot not yet
//! sent is sealed again in place with the newer one (same message id and sequence number), so at
//! most one waits per caregiver and a stale one never goes after a newer one, nor after a
//! withdrawal: withdrawing turns the waiting one, or a new envelope, into a final status saying
//! sharing ended.
//!
//! On a caregiver's phone, [`receive`] keeps the newest status per patient (by `made_at`, then the
//! envelope's sequence number); an older one arriving late does not replace it. [`followed`]
//! words it in the caregiver's language, with its age from the clock.

use std::time::Duration;

use rusqlite::{Connection, OptionalExtension as _, Transaction, params};
use serde::{Deserialize, Serialize};
use thecal_proto::{EnvelopeHeader, b64u};

use super::db::{self, PeerRecord, PeerRole, PeerState};
use super::envelope::{self, Kind};
use super::session::{Error, enqueue_sealed};
use super::{AlertsError, DeviceKeys};
use crate::dashboard::Dashboard;
use crate::l10n::{Domain, Language, Texts};
use crate::link::LinkState;
use crate::model::{
    AlarmKind, AlarmPriority, BatteryIndicator, UtcDateTime, Volume, Zone, from_millis, to_millis,
};
use crate::store::StoreError;
use crate::therapy::{AlarmText, DateRange, alarm_text, describe_range};

/// How often a snapshot goes when nothing changes, unless the patient sets another interval.
pub const DEFAULT_EVERY_MINUTES: u32 = 30;
/// The intervals the patient can choose, in minutes.
pub const EVERY_MINUTES: std::ops::RangeInclusive<u32> = 5..=1440;
/// How long the final "sharing ended" status lives (it must reach the caregiver).
const ENDED_TTL: Duration = Duration::from_secs(7 * 86_400);

// ---------------------------------------------------------------------------------------------
// The plaintext.

/// A forecast date range on the wire: Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireRange {
    /// The central date.
    pub expected: i64,
    /// The earliest likely date.
    pub earliest: i64,
    /// The latest likely date.
    pub latest: i64,
}

impl WireRange {
    fn of(r: &DateRange) -> Self {
        Self {
            expected: r.expected.timestamp(),
            earliest: r.earliest.timestamp(),
            latest: r.latest.timestamp(),
        }
    }

    /// The range, its precision and confidence worked out again as of `at`.
    fn range(self, at: UtcDateTime) -> Option<DateRange> {
        let t = |s: i64| chrono::DateTime::from_timestamp(s, 0);
        Some(DateRange::new(
            at,
            t(self.expected)?,
            t(self.earliest)?,
            t(self.latest)?,
        ))
    }

    /// The same range to the day (what a person sees of it).
    fn to_day(self) -> Self {
        let day = |s: i64| s.div_euclid(86_400);
        Self {
            expected: day(self.expected),
            earliest: day(self.earliest),
            latest: day(self.latest),
        }
    }
}

/// The reservoir in a status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireReservoir {
    /// Volume left, microlitres, as the pump counts it.
    pub volume_ul: u32,
    /// Volume when full, microlitres.
    pub capacity_ul: u32,
    /// Fill, 0–100 %, one decimal.
    pub percent: f64,
    /// Whether the pump's count is at or below its low threshold.
    pub is_low: bool,
    /// When the reservoir will really be down to the low threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<WireRange>,
    /// When it will really be empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty: Option<WireRange>,
}

/// The battery in a status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireBattery {
    /// Level, 0–100 %.
    pub percent: u8,
    /// `normal`, `eri` or `eos`.
    pub indicator: String,
    /// ERI: forecast, or the day it was seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eri: Option<WireRange>,
    /// End of service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eos: Option<WireRange>,
    /// Whole days left until EOS once ERI has been seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_to_eos: Option<i64>,
}

/// An open pump alarm in a status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireAlarm {
    /// The alarm's text code (`catheter_occlusion`, `unrecognised:32769`).
    pub kind: String,
    /// `high`, `medium` or `low`.
    pub priority: String,
    /// When the pump raised it, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raised_at: Option<i64>,
    /// Its name in the patient's language (for a kind the caregiver's app does not know).
    pub text: String,
}

/// Whether the patient shares their status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sharing {
    /// A snapshot.
    On,
    /// The patient withdrew the consent: no more snapshots; forget the last one.
    Ended,
}

/// The `status` plaintext, patient → caregiver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusMessage {
    /// When it was made, Unix seconds.
    pub made_at: i64,
    /// `on`, or `ended` (then no other field).
    pub sharing: Sharing,
    /// The patient's time zone (IANA name), to say dates in the patient's days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// When the pump was last read (the newest stored reading), Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at: Option<i64>,
    /// The link to the pump: `connected`, `connecting`, `scanning`, `reconnecting`, `failed`,
    /// `not_paired`, `idle`, `stopped`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// The reservoir, once a reading is stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reservoir: Option<WireReservoir>,
    /// The battery, once a reading is stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery: Option<WireBattery>,
    /// Open pump alarms, most urgent then newest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alarms: Vec<WireAlarm>,
}

/// The link's state as a status names it.
#[must_use]
pub fn link_code(state: &LinkState) -> &'static str {
    match state {
        LinkState::Idle => "idle",
        LinkState::NotPaired => "not_paired",
        LinkState::Scanning => "scanning",
        LinkState::Connecting => "connecting",
        LinkState::Connected => "connected",
        LinkState::Reconnecting { .. } => "reconnecting",
        LinkState::Failed { .. } => "failed",
        LinkState::Stopped => "stopped",
    }
}

impl StatusMessage {
    /// The snapshot of what the home screen shows (`d`, built from the store).
    #[must_use]
    pub fn from_dashboard(d: &Dashboard) -> Self {
        let made_at = d.generated_at.timestamp();
        let read_at = d
            .last_reading_age
            .map(|age| made_at.saturating_sub(i64::try_from(age.as_secs()).unwrap_or(i64::MAX)));
        let reservoir = d.reservoir.as_ref().map(|r| WireReservoir {
            volume_ul: r.volume.microliters,
            capacity_ul: r.capacity.microliters,
            percent: (r.percent * 10.0).round() / 10.0,
            is_low: r.is_low,
            low: r.low.as_ref().map(WireRange::of),
            empty: r.empty.as_ref().map(WireRange::of),
        });
        let battery = d.battery.as_ref().map(|b| WireBattery {
            percent: b.percent,
            indicator: b.indicator.code().to_owned(),
            eri: b.eri.as_ref().map(WireRange::of),
            eos: b.eos.as_ref().map(WireRange::of),
            days_to_eos: b.days_to_eos,
        });
        let alarms = d
            .alarms
            .iter()
            .map(|a| WireAlarm {
                kind: a.alarm.kind.text_code(),
                priority: a.alarm.priority.code().to_owned(),
                raised_at: a.alarm.raised_at.map(|t| t.timestamp()),
                text: a.words.name.clone(),
            })
            .collect();
        Self {
            made_at,
            sharing: Sharing::On,
            time_zone: Some(d.time_zone.clone()),
            read_at,
            link: Some(link_code(&d.link_state).to_owned()),
            reservoir,
            battery,
            alarms,
        }
    }

    /// The status that says sharing ended at `at`.
    #[must_use]
    pub fn ended(at: UtcDateTime) -> Self {
        Self {
            made_at: at.timestamp(),
            sharing: Sharing::Ended,
            time_zone: None,
            read_at: None,
            link: None,
            reservoir: None,
            battery: None,
            alarms: Vec::new(),
        }
    }

    /// What a caregiver would see of it, the time fields left out: two snapshots with the same
    /// `shown()` look the same (volumes to 0.1 mL, percentages whole, dates to the day; the
    /// time it was made and the time the pump was read are not compared).
    #[must_use]
    pub fn shown(&self) -> String {
        let mut s = self.clone();
        s.made_at = 0;
        s.read_at = None;
        if let Some(r) = &mut s.reservoir {
            r.volume_ul = (r.volume_ul + 50) / 100 * 100;
            r.percent = r.percent.round();
            r.low = r.low.map(WireRange::to_day);
            r.empty = r.empty.map(WireRange::to_day);
        }
        if let Some(b) = &mut s.battery {
            b.eri = b.eri.map(WireRange::to_day);
            b.eos = b.eos.map(WireRange::to_day);
        }
        serde_json::to_string(&s).unwrap_or_default()
    }

    /// The compact JSON with `"v":1` and `"type":"status"`.
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        super::messages::with_fields(
            serde_json::to_vec(self).unwrap_or_default(),
            r#""v":1,"type":"status""#,
        )
    }

    /// Reads a `status` plaintext; `None` for anything else (another type or version, a field
    /// of the wrong shape). Unknown fields are ignored.
    #[must_use]
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        #[derive(Deserialize)]
        struct Typed<'a> {
            #[serde(rename = "type", borrow)]
            kind: std::borrow::Cow<'a, str>,
        }
        if super::messages::version(bytes)? != 1
            || serde_json::from_slice::<Typed<'_>>(bytes).ok()?.kind != "status"
        {
            return None;
        }
        serde_json::from_slice(bytes).ok()
    }
}

// ---------------------------------------------------------------------------------------------
// The patient's consents.

/// What a consent shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum SharedData {
    /// The status snapshot: reservoir, battery, forecast dates, the link and the data's age,
    /// open alarms.
    StatusSnapshot,
}

/// Why a consent ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ConsentEnd {
    /// The patient withdrew it.
    Withdrawn,
    /// The pairing with the caregiver ended (revoked by either side, or paired again).
    PairingEnded,
}

/// A consent the patient gave a caregiver, as the patient's phone lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StatusConsent {
    /// The caregiver's device id.
    pub caregiver_id: String,
    /// The caregiver's name on this phone.
    pub caregiver: String,
    /// What is shared.
    pub shared: SharedData,
    /// What is shared, in words, in the patient's language.
    pub shared_text: String,
    /// When the patient gave it.
    pub granted_at: UtcDateTime,
    /// When it ended, if it has.
    pub withdrawn_at: Option<UtcDateTime>,
    /// Why it ended, if it has.
    pub ended_by: Option<ConsentEnd>,
    /// When the last snapshot under it was queued for the caregiver.
    pub last_sent_at: Option<UtcDateTime>,
}

/// Records the patient's consent to share their status with the confirmed caregiver `peer`
/// (nothing new if one is open already).
///
/// # Errors
/// [`Error::UnknownPeer`] for a device that is not a confirmed caregiver; a storage error.
pub fn grant(tx: &Transaction<'_>, peer: &PeerRecord, now: UtcDateTime) -> Result<(), Error> {
    db::end_with_pairings(tx)?;
    if peer.role != PeerRole::Caregiver || peer.state != PeerState::Confirmed {
        return Err(Error::UnknownPeer);
    }
    sql(tx.execute(
        "INSERT INTO status_consents (peer_id, what, granted_at_ms) VALUES (?1, 'status', ?2)
         ON CONFLICT (peer_id) WHERE withdrawn_at_ms IS NULL DO NOTHING",
        params![peer.id, to_millis(now)],
    ))?;
    Ok(())
}

/// Withdraws the patient's open consent for `peer`: no snapshot goes from now on (one waiting
/// in the outbox becomes the final status), and the caregiver is told sharing ended. Returns
/// whether a consent was open.
///
/// # Errors
/// The key store's and storage errors.
pub fn withdraw(
    tx: &Transaction<'_>,
    keys: &DeviceKeys,
    peer: &PeerRecord,
    now: UtcDateTime,
) -> Result<bool, Error> {
    db::end_with_pairings(tx)?;
    let n = sql(tx.execute(
        "UPDATE status_consents SET withdrawn_at_ms = ?2, ended_by = 'patient'
         WHERE peer_id = ?1 AND withdrawn_at_ms IS NULL",
        params![peer.id, to_millis(now)],
    ))?;
    if n == 0 {
        return Ok(false);
    }
    if peer.state != PeerState::Revoked {
        let ended = StatusMessage::ended(now).to_json();
        queue(tx, keys, peer, &ended, now, ENDED_TTL)?;
    }
    Ok(true)
}

/// Every consent the patient gave, open ones first, then newest first.
///
/// # Errors
/// A storage error.
pub fn consents(conn: &Connection, language: Language) -> Result<Vec<StatusConsent>, StoreError> {
    let t = Texts::or_english(language, Domain::Dashboard);
    let mut stmt = conn.prepare_cached(
        "SELECT p.mailbox, p.name, c.granted_at_ms, c.withdrawn_at_ms, c.ended_by,
                c.last_sent_at_ms
         FROM status_consents c JOIN alert_peers p ON p.id = c.peer_id
         ORDER BY c.withdrawn_at_ms IS NOT NULL, c.granted_at_ms DESC, c.id DESC",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, Option<i64>>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<i64>>(5)?,
        ))
    })?;
    let time = |ms: i64| from_millis(ms).ok_or_else(|| StoreError::damaged("status_consents"));
    rows.map(|row| {
        let (caregiver_id, caregiver, granted, withdrawn, ended_by, sent) = row?;
        Ok(StatusConsent {
            caregiver_id,
            caregiver,
            shared: SharedData::StatusSnapshot,
            shared_text: t.get("shared-status-what"),
            granted_at: time(granted)?,
            withdrawn_at: withdrawn.map(time).transpose()?,
            ended_by: match ended_by.as_deref() {
                None => None,
                Some("patient") => Some(ConsentEnd::Withdrawn),
                Some("revoked") => Some(ConsentEnd::PairingEnded),
                Some(_) => return Err(StoreError::damaged("status_consents.ended_by")),
            },
            last_sent_at: sent.map(time).transpose()?,
        })
    })
    .collect()
}

/// Whether the patient shares their status with anyone now (an open consent).
///
/// # Errors
/// A storage error.
pub fn any_open(conn: &Connection) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM status_consents WHERE withdrawn_at_ms IS NULL)",
        )?
        .query_row([], |r| r.get(0))?)
}

/// How often a snapshot goes when nothing changes, in minutes.
///
/// # Errors
/// A storage error.
pub fn every_minutes(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn
        .prepare_cached("SELECT every_minutes FROM status_sharing WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?
        .unwrap_or(DEFAULT_EVERY_MINUTES))
}

/// Sets how often a snapshot goes when nothing changes (the caller checks [`EVERY_MINUTES`]).
///
/// # Errors
/// A storage error.
pub fn set_every_minutes(tx: &Transaction<'_>, minutes: u32) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO status_sharing (id, every_minutes) VALUES (1, ?1)
         ON CONFLICT (id) DO UPDATE SET every_minutes = excluded.every_minutes",
        [minutes],
    )?;
    Ok(())
}

/// Whether a snapshot showing `shown` is due for a caregiver whose last one showed
/// `last_shown` and was queued at `last_sent`: when it shows something new, or the last one is
/// `every` old.
#[must_use]
pub fn is_due(
    shown: &str,
    last_shown: Option<&str>,
    last_sent: Option<UtcDateTime>,
    now: UtcDateTime,
    every: Duration,
) -> bool {
    match (last_shown, last_sent) {
        (Some(last), Some(at)) => last != shown || now - at >= super::session::chrono_ttl(every),
        _ => true,
    }
}

/// Puts `snapshot` in the outbox for every caregiver with an open consent for whom one is due
/// ([`is_due`]), in the caller's transaction. Returns how many were queued.
///
/// # Errors
/// The key store's and storage errors.
pub fn share_due(
    tx: &Transaction<'_>,
    keys: &DeviceKeys,
    snapshot: &StatusMessage,
    now: UtcDateTime,
) -> Result<u32, Error> {
    db::end_with_pairings(tx)?;
    let every = Duration::from_secs(u64::from(every_minutes(tx)?) * 60);
    let open = open_consents(tx)?;
    let (shown, plaintext) = (snapshot.shown(), snapshot.to_json());
    let mut queued = 0;
    for (consent, peer, last_shown, last_sent) in open {
        if !is_due(
            &shown,
            last_shown.as_deref(),
            last_sent.and_then(from_millis),
            now,
            every,
        ) {
            continue;
        }
        let peer = db::peer_by_id(tx, peer)?.ok_or(Error::UnknownPeer)?;
        // A snapshot lives two intervals at most: the next one supersedes it.
        queue(tx, keys, &peer, &plaintext, now, every.saturating_mul(2))?;
        sql(tx.execute(
            "UPDATE status_consents SET last_shown = ?2, last_sent_at_ms = ?3 WHERE id = ?1",
            params![consent, shown, to_millis(now)],
        ))?;
        queued += 1;
    }
    Ok(queued)
}

/// Queues a status for `peer`: seals it again in place of one still waiting (same message id
/// and sequence number, so the caregiver sees no gap and never gets the stale one after it), or
/// as a new envelope.
fn queue(
    tx: &Transaction<'_>,
    keys: &DeviceKeys,
    peer: &PeerRecord,
    plaintext: &[u8],
    now: UtcDateTime,
    ttl: Duration,
) -> Result<(), Error> {
    let waiting = waiting_status(tx, peer.id, now)?;
    let Some((message_id, sealed)) = waiting else {
        enqueue_sealed(tx, keys, peer, Kind::Status, plaintext, now, ttl)?;
        return Ok(());
    };
    let mut header = EnvelopeHeader::parse(&sealed).map_err(|_| {
        Error::Alerts(AlertsError::Malformed {
            what: "outbox envelope",
            reason: "its header cannot be read".into(),
        })
    })?;
    let expires = now + super::session::chrono_ttl(ttl);
    header.expires_at = u64::try_from(expires.timestamp()).unwrap_or(0);
    debug_assert_eq!(b64u(&header.message_id), message_id);
    let resealed = envelope::seal(keys, &peer.bundle, &header, plaintext, None)?;
    sql(tx.execute(
        "UPDATE alert_outbox SET envelope = ?2, expires_at_ms = ?3 WHERE message_id = ?1",
        params![message_id, resealed, to_millis(expires)],
    ))?;
    Ok(())
}

/// Keeps a status still waiting in the outbox for `peer` from going (it expires now): before the
/// pairing is revoked.
///
/// # Errors
/// A storage error.
pub fn drop_waiting(tx: &Transaction<'_>, peer: i64, now: UtcDateTime) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE alert_outbox SET expires_at_ms = ?3
         WHERE peer_id = ?1 AND kind = ?2 AND sent_at_ms IS NULL AND expires_at_ms > ?3",
        params![peer, Kind::Status as u8, to_millis(now)],
    )?;
    Ok(())
}

/// A storage result as the store's error.
fn sql<T>(r: rusqlite::Result<T>) -> Result<T, StoreError> {
    Ok(r?)
}

/// The open consents of confirmed caregivers: (consent, peer, last shown, last sent at).
type OpenConsent = (i64, i64, Option<String>, Option<i64>);

fn open_consents(conn: &Connection) -> Result<Vec<OpenConsent>, StoreError> {
    let rows = conn
        .prepare_cached(
            "SELECT c.id, c.peer_id, c.last_shown, c.last_sent_at_ms
             FROM status_consents c JOIN alert_peers p ON p.id = c.peer_id
             WHERE c.withdrawn_at_ms IS NULL AND p.state = 'confirmed' AND p.role = 'caregiver'",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// The status envelope still waiting in the outbox for `peer`: (message id, envelope).
fn waiting_status(
    conn: &Connection,
    peer: i64,
    now: UtcDateTime,
) -> Result<Option<(String, Vec<u8>)>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT message_id, envelope FROM alert_outbox
             WHERE peer_id = ?1 AND kind = ?2 AND sent_at_ms IS NULL AND expires_at_ms > ?3
             ORDER BY created_at_ms DESC LIMIT 1",
        )?
        .query_row(params![peer, Kind::Status as u8, to_millis(now)], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?)
}

// ---------------------------------------------------------------------------------------------
// The caregiver's side.

/// Stores a status from the patient `peer` (envelope sequence number `seq`) if it is newer than
/// the one kept; returns whether it was. A plaintext that is not a readable status is ignored.
///
/// # Errors
/// A storage error.
pub fn receive(
    tx: &Transaction<'_>,
    peer: i64,
    seq: u64,
    plaintext: &[u8],
    now: UtcDateTime,
) -> Result<bool, StoreError> {
    let Some(status) = StatusMessage::parse(plaintext) else {
        return Ok(false);
    };
    let made_at = status.made_at.saturating_mul(1000);
    let seq = i64::try_from(seq).unwrap_or(i64::MAX);
    let n = tx.execute(
        "INSERT INTO shared_status (peer_id, made_at_ms, seq, sharing, message, received_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (peer_id) DO UPDATE SET made_at_ms = excluded.made_at_ms,
             seq = excluded.seq, sharing = excluded.sharing, message = excluded.message,
             received_at_ms = excluded.received_at_ms
         WHERE (excluded.made_at_ms, excluded.seq) > (shared_status.made_at_ms, shared_status.seq)",
        params![
            peer,
            made_at,
            seq,
            status.sharing == Sharing::On,
            String::from_utf8_lossy(plaintext),
            to_millis(now)
        ],
    )?;
    Ok(n == 1)
}

/// Whether a followed patient shares their status with this phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum SharingState {
    /// No status has arrived: the patient has not shared it (or not yet).
    NotShared,
    /// The patient shares it: `status` is the latest.
    Shared,
    /// The patient stopped sharing, or the pairing ended: nothing is shown any more.
    Ended,
}

/// The reservoir as a caregiver sees it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SharedReservoir {
    /// Volume left, as the pump counts it.
    pub volume: Volume,
    /// Volume when full.
    pub capacity: Volume,
    /// Fill, 0–100 %.
    pub percent: f64,
    /// Whether the pump's count is at or below its low threshold.
    pub is_low: bool,
    /// When it will really be down to the low threshold.
    pub low: Option<DateRange>,
    /// The same in words, in the caregiver's language and the patient's days.
    pub low_text: Option<String>,
    /// When it will really be empty.
    pub empty: Option<DateRange>,
    /// The same in words.
    pub empty_text: Option<String>,
}

/// The battery as a caregiver sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SharedBattery {
    /// Level, 0–100 %.
    pub percent: u8,
    /// The pump's indicator.
    pub indicator: BatteryIndicator,
    /// ERI: forecast, or the day it was seen.
    pub eri: Option<DateRange>,
    /// The same in words.
    pub eri_text: Option<String>,
    /// End of service.
    pub eos: Option<DateRange>,
    /// The same in words.
    pub eos_text: Option<String>,
    /// Whole days left until EOS once ERI has been seen.
    pub days_to_eos: Option<i64>,
}

/// An open pump alarm as a caregiver sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SharedAlarm {
    /// What it is about (`Unrecognised` for a kind this version does not know).
    pub kind: AlarmKind,
    /// How urgent.
    pub priority: AlarmPriority,
    /// When the pump raised it.
    pub raised_at: Option<UtcDateTime>,
    /// Its name, priority and advice in the caregiver's language (the patient's words for a kind
    /// this version does not know).
    pub words: AlarmText,
}

/// A patient's latest status on a caregiver's phone.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SharedStatus {
    /// When the patient's phone made it.
    pub made_at: UtcDateTime,
    /// How old it is now, seconds.
    pub age_seconds: u64,
    /// When the patient's phone last read the pump.
    pub read_at: Option<UtcDateTime>,
    /// How old the pump's data is now, seconds.
    pub data_age_seconds: Option<u64>,
    /// The link to the pump when it was made (`connected`, `reconnecting`… see the protocol).
    pub link: String,
    /// The link in words, in the caregiver's language.
    pub link_text: String,
    /// The reservoir, once the pump has been read.
    pub reservoir: Option<SharedReservoir>,
    /// The battery, once the pump has been read.
    pub battery: Option<SharedBattery>,
    /// Open pump alarms, most urgent then newest first.
    pub alarms: Vec<SharedAlarm>,
}

/// A patient this phone follows.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FollowedPatient {
    /// The patient's device id.
    pub id: String,
    /// The patient's name on this phone.
    pub name: String,
    /// Where the pairing stands.
    pub pairing: PeerState,
    /// Whether the patient shares their status.
    pub sharing: SharingState,
    /// The latest status while it is shared.
    pub status: Option<SharedStatus>,
    /// One line for the list, in the caregiver's language: "Status from 5 min ago", "No status
    /// shared", "Status sharing ended: 26 November 2026".
    pub summary: String,
}

/// Every patient this phone follows (revoked pairings too), in pairing order, with the latest
/// status, its age at `now`, worded in `language`.
///
/// # Errors
/// A storage error.
pub fn followed(
    conn: &Connection,
    now: UtcDateTime,
    language: Language,
) -> Result<Vec<FollowedPatient>, StoreError> {
    let t = Texts::or_english(language, Domain::Dashboard);
    let mut out = Vec::new();
    for p in db::peers(conn)?
        .into_iter()
        .filter(|p| p.role == PeerRole::Patient)
    {
        let row: Option<(i64, bool, String)> = conn
            .prepare_cached(
                "SELECT made_at_ms, sharing, message FROM shared_status WHERE peer_id = ?1",
            )?
            .query_row([p.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let status = row
            .as_ref()
            .filter(|(_, on, _)| *on && p.state != PeerState::Revoked)
            .and_then(|(_, _, m)| StatusMessage::parse(m.as_bytes()))
            .map(|m| view(&m, now, language, &t));
        let sharing = match (&row, &status) {
            (_, Some(_)) => SharingState::Shared,
            (Some(_), None) => SharingState::Ended,
            (None, None) if p.state == PeerState::Revoked => SharingState::Ended,
            (None, None) => SharingState::NotShared,
        };
        let summary = match (&status, sharing) {
            (Some(s), _) => t.format(
                "shared-status-age",
                &[("age", age_words(&t, s.age_seconds).into())],
            ),
            (None, SharingState::Ended) => {
                let at = row
                    .as_ref()
                    .filter(|(_, on, _)| !*on)
                    .and_then(|(ms, _, _)| from_millis(*ms))
                    .or(p.revoked_at)
                    .unwrap_or(now);
                t.format(
                    "shared-status-ended",
                    &[("date", t.date(at.date_naive()).into())],
                )
            }
            (None, _) => t.get("shared-status-none"),
        };
        out.push(FollowedPatient {
            id: p.bundle.mailbox().to_string(),
            name: p.name,
            pairing: p.state,
            sharing,
            status,
            summary,
        });
    }
    Ok(out)
}

/// Seconds from `from` to `now`, 0 if `from` is later (a patient's clock ahead of this one).
fn age(from: UtcDateTime, now: UtcDateTime) -> u64 {
    u64::try_from((now - from).num_seconds()).unwrap_or(0)
}

/// "45 s", "12 min", "3 h", "2 days".
fn age_words(t: &Texts, seconds: u64) -> String {
    let (id, n) = match seconds {
        0..60 => ("age-seconds", seconds),
        60..3_600 => ("age-minutes", seconds / 60),
        3_600..86_400 => ("age-hours", seconds / 3_600),
        _ => ("age-days", seconds / 86_400),
    };
    t.format(id, &[("n", n.into())])
}

/// A received status as the caregiver's app shows it at `now`.
fn view(m: &StatusMessage, now: UtcDateTime, language: Language, t: &Texts) -> SharedStatus {
    let made_at = chrono::DateTime::from_timestamp(m.made_at, 0).unwrap_or(now);
    let zone = m
        .time_zone
        .as_deref()
        .and_then(|z| Zone::get(z).ok())
        .unwrap_or(Zone::UTC);
    let range = |r: Option<WireRange>| r.and_then(|r| r.range(made_at));
    let say = |r: &Option<DateRange>| r.as_ref().map(|r| describe_range(r, now, zone, t));
    let read_at = m
        .read_at
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0));
    let link = m.link.clone().unwrap_or_default();
    let link_text = match link.as_str() {
        "connected" => t.get("link-connected"),
        "connecting" => t.get("link-connecting"),
        "scanning" => t.get("link-scanning"),
        "not_paired" => t.get("link-not-paired"),
        "stopped" => t.get("link-stopped"),
        "reconnecting" | "failed" => t.get("shared-status-link-lost"),
        _ => t.get("link-idle"),
    };
    SharedStatus {
        made_at,
        age_seconds: age(made_at, now),
        read_at,
        data_age_seconds: read_at.map(|r| age(r, now)),
        link,
        link_text,
        reservoir: m.reservoir.as_ref().map(|r| {
            let (low, empty) = (range(r.low), range(r.empty));
            SharedReservoir {
                volume: Volume::from_microliters(r.volume_ul),
                capacity: Volume::from_microliters(r.capacity_ul),
                percent: r.percent,
                is_low: r.is_low,
                low_text: say(&low),
                low,
                empty_text: say(&empty),
                empty,
            }
        }),
        battery: m.battery.as_ref().map(|b| {
            let (eri, eos) = (range(b.eri), range(b.eos));
            SharedBattery {
                percent: b.percent,
                indicator: BatteryIndicator::from_code(&b.indicator)
                    .unwrap_or(BatteryIndicator::Normal),
                eri_text: say(&eri),
                eri,
                eos_text: say(&eos),
                eos,
                days_to_eos: b.days_to_eos,
            }
        }),
        alarms: m
            .alarms
            .iter()
            .map(|a| {
                let priority = AlarmPriority::from_code(&a.priority).unwrap_or(AlarmPriority::High);
                let known = AlarmKind::from_text_code(&a.kind)
                    .filter(|k| !matches!(k, AlarmKind::Unrecognised { .. }));
                let kind = known.unwrap_or(AlarmKind::Unrecognised { code: 0 });
                let mut words = alarm_text(kind, priority, language);
                if known.is_none() {
                    words.name.clone_from(&a.text);
                }
                SharedAlarm {
                    kind: AlarmKind::from_text_code(&a.kind).unwrap_or(kind),
                    priority,
                    raised_at: a
                        .raised_at
                        .and_then(|s| chrono::DateTime::from_timestamp(s, 0)),
                    words,
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests;
