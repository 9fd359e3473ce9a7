//! The alerts' tables (migration 0011): the relay this device uses, its peers, its invitations
//! and its outbox. Public bundles only; every private key and invitation code is in the platform
//! key store.

use rusqlite::{Connection, OptionalExtension as _, Transaction, params};
use thecal_proto::MailboxId;

use super::messages::{AlertCategory, AlertMessage, AlertPriority, ReceiptMessage, ReceiptState};
use super::policy::{CaregiverSettings, Snooze};
use super::window::SenderWindow;
use super::{AlertsError, Bundle};
use crate::model::{UtcDateTime, from_millis, to_millis};
use crate::store::StoreError;

/// What a paired device is to this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PeerRole {
    /// A caregiver (seen from the patient's phone).
    Caregiver,
    /// The patient (seen from a caregiver's phone).
    Patient,
}

impl PeerRole {
    fn code(self) -> &'static str {
        match self {
            Self::Caregiver => "caregiver",
            Self::Patient => "patient",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        match code {
            "caregiver" => Some(Self::Caregiver),
            "patient" => Some(Self::Patient),
            _ => None,
        }
    }
}

/// Where a pairing stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PeerState {
    /// Paired, the safety number not yet confirmed on this phone: only pairing traffic flows.
    Unconfirmed,
    /// Confirmed: alerts flow.
    Confirmed,
    /// Revoked by either side: nothing flows.
    Revoked,
}

impl PeerState {
    fn code(self) -> &'static str {
        match self {
            Self::Unconfirmed => "unconfirmed",
            Self::Confirmed => "confirmed",
            Self::Revoked => "revoked",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        match code {
            "unconfirmed" => Some(Self::Unconfirmed),
            "confirmed" => Some(Self::Confirmed),
            "revoked" => Some(Self::Revoked),
            _ => None,
        }
    }
}

/// A paired device as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerRecord {
    /// Row id.
    pub id: i64,
    /// Its public bundle.
    pub bundle: Bundle,
    /// What it is to this device.
    pub role: PeerRole,
    /// The name the person gave it.
    pub name: String,
    /// Where the pairing stands.
    pub state: PeerState,
    /// When it was paired.
    pub paired_at: UtcDateTime,
    /// When this phone's person confirmed the safety number.
    pub confirmed_at: Option<UtcDateTime>,
    /// When it was revoked.
    pub revoked_at: Option<UtcDateTime>,
    /// Messages from it that have not arrived yet: later ones came first (a gap, shown until
    /// the missing ones arrive or can no longer arrive).
    pub missing: u64,
}

/// The relay this device uses.
///
/// # Errors
/// A storage error.
pub fn relay(conn: &Connection) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT base_url FROM alert_relay WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?)
}

/// Records the relay this device uses (the mailbox is opened there).
///
/// # Errors
/// A storage error.
pub fn set_relay(
    tx: &Transaction<'_>,
    base_url: &str,
    mailbox: MailboxId,
    now: UtcDateTime,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO alert_relay (id, base_url, mailbox, opened_at_ms) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET base_url = excluded.base_url, mailbox = excluded.mailbox",
        params![base_url, mailbox.to_string(), to_millis(now)],
    )?;
    Ok(())
}

/// Records an invitation this phone shows.
///
/// # Errors
/// A storage error.
pub fn insert_invitation(
    tx: &Transaction<'_>,
    invite_id: &str,
    now: UtcDateTime,
    expires_at: UtcDateTime,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO alert_invitations (invite_id, created_at_ms, expires_at_ms) VALUES (?1, ?2, ?3)",
        params![invite_id, to_millis(now), to_millis(expires_at)],
    )?;
    Ok(())
}

/// Invitations still open at `now` (not claimed, withdrawn or expired), newest first.
///
/// # Errors
/// A storage error.
pub fn open_invitations(conn: &Connection, now: UtcDateTime) -> Result<Vec<String>, StoreError> {
    invitations(conn, now, true)
}

/// Invitations that can no longer be claimed but whose codes may still be in the key store.
///
/// # Errors
/// A storage error.
pub fn finished_invitations(
    conn: &Connection,
    now: UtcDateTime,
) -> Result<Vec<String>, StoreError> {
    invitations(conn, now, false)
}

/// The invitations that are (`open`) or are no longer (`!open`) claimable at `now`.
fn invitations(conn: &Connection, now: UtcDateTime, open: bool) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT invite_id FROM alert_invitations
         WHERE (claimed_at_ms IS NULL AND withdrawn_at_ms IS NULL AND expires_at_ms > ?1) = ?2
         ORDER BY created_at_ms DESC",
    )?;
    let ids = stmt
        .query_map(params![to_millis(now), open], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

/// Marks an invitation claimed by `peer`.
///
/// # Errors
/// A storage error.
pub fn claim_invitation(
    tx: &Transaction<'_>,
    invite_id: &str,
    peer: i64,
    now: UtcDateTime,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE alert_invitations SET claimed_by = ?2, claimed_at_ms = ?3 WHERE invite_id = ?1",
        params![invite_id, peer, to_millis(now)],
    )?;
    Ok(())
}

/// Stores a newly paired device (unconfirmed); a device paired before is paired again.
///
/// # Errors
/// A storage error.
pub fn upsert_peer(
    tx: &Transaction<'_>,
    bundle: &Bundle,
    role: PeerRole,
    name: &str,
    now: UtcDateTime,
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO alert_peers (mailbox, bundle, role, name, state, paired_at_ms)
         VALUES (?1, ?2, ?3, ?4, 'unconfirmed', ?5)
         ON CONFLICT (mailbox) DO UPDATE SET bundle = excluded.bundle, role = excluded.role,
             state = 'unconfirmed', paired_at_ms = excluded.paired_at_ms, confirmed_at_ms = NULL,
             revoked_at_ms = NULL",
        params![
            bundle.mailbox().to_string(),
            &bundle.to_bytes()[..],
            role.code(),
            name,
            to_millis(now)
        ],
    )?;
    Ok(tx.query_row(
        "SELECT id FROM alert_peers WHERE mailbox = ?1",
        [bundle.mailbox().to_string()],
        |r| r.get(0),
    )?)
}

/// Every paired device, revoked ones included, in pairing order.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn peers(conn: &Connection) -> Result<Vec<PeerRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("{PEER_SELECT} ORDER BY paired_at_ms, id"))?;
    let rows = stmt.query_map([], raw_peer)?;
    rows.map(|r| decode_peer(r?)).collect()
}

/// The paired device with this mailbox.
///
/// # Errors
/// As [`peers`].
pub fn peer(conn: &Connection, mailbox: MailboxId) -> Result<Option<PeerRecord>, StoreError> {
    conn.prepare_cached(&format!("{PEER_SELECT} WHERE mailbox = ?1"))?
        .query_row([mailbox.to_string()], raw_peer)
        .optional()?
        .map(decode_peer)
        .transpose()
}

/// Sets a peer's state (and the time of a confirmation or revocation).
///
/// # Errors
/// A storage error.
pub fn set_peer_state(
    tx: &Transaction<'_>,
    id: i64,
    state: PeerState,
    now: UtcDateTime,
) -> Result<(), StoreError> {
    let at = to_millis(now);
    tx.execute(
        "UPDATE alert_peers SET state = ?2,
             confirmed_at_ms = CASE WHEN ?2 = 'confirmed' THEN ?3 ELSE confirmed_at_ms END,
             revoked_at_ms = CASE WHEN ?2 = 'revoked' THEN ?3 ELSE revoked_at_ms END
         WHERE id = ?1",
        params![id, state.code(), at],
    )?;
    Ok(())
}

/// Ends the open status consents (`status_consents`, see `status`) of caregivers whose pairing
/// ended (revoked, or paired again since the consent was given), at the time it ended. Called in
/// the transaction that ends a pairing, and before consents are read or used.
///
/// # Errors
/// A storage error.
pub fn end_with_pairings(tx: &Transaction<'_>) -> Result<usize, StoreError> {
    Ok(tx.execute(
        "UPDATE status_consents SET ended_by = 'revoked',
             withdrawn_at_ms = (SELECT coalesce(p.revoked_at_ms, p.paired_at_ms)
                                FROM alert_peers p WHERE p.id = status_consents.peer_id)
         WHERE withdrawn_at_ms IS NULL AND EXISTS (
             SELECT 1 FROM alert_peers p WHERE p.id = status_consents.peer_id
                 AND (p.state = 'revoked' OR p.paired_at_ms > status_consents.granted_at_ms))",
        [],
    )?)
}

/// Renames a peer.
///
/// # Errors
/// A storage error.
pub fn rename_peer(tx: &Transaction<'_>, id: i64, name: &str) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE alert_peers SET name = ?2 WHERE id = ?1",
        params![id, name],
    )?;
    Ok(())
}

/// Takes the next sequence number for an envelope to `peer`.
///
/// # Errors
/// A storage error.
pub fn take_seq(tx: &Transaction<'_>, peer: i64) -> Result<u64, StoreError> {
    let seq: i64 = tx.query_row(
        "UPDATE alert_peers SET next_seq = next_seq + 1 WHERE id = ?1 RETURNING next_seq - 1",
        [peer],
        |r| r.get(0),
    )?;
    u64::try_from(seq).map_err(|_| StoreError::damaged("alert_peers.next_seq"))
}

/// What this device has received from `peer`.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`].
pub fn window(conn: &Connection, peer: i64) -> Result<SenderWindow, StoreError> {
    let text: String = conn
        .prepare_cached("SELECT window FROM alert_peers WHERE id = ?1")?
        .query_row([peer], |r| r.get(0))?;
    serde_json::from_str(&text).map_err(|_| StoreError::damaged("alert_peers.window"))
}

/// Stores what this device has received from `peer`.
///
/// # Errors
/// A storage error.
pub fn set_window(tx: &Transaction<'_>, peer: i64, w: &SenderWindow) -> Result<(), StoreError> {
    let text = serde_json::to_string(w).map_err(|_| StoreError::damaged("alert_peers.window"))?;
    tx.execute(
        "UPDATE alert_peers SET window = ?2 WHERE id = ?1",
        params![peer, text],
    )?;
    Ok(())
}

/// An envelope waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// Its message id (b64u).
    pub message_id: String,
    /// The sealed envelope.
    pub envelope: Vec<u8>,
    /// Tries so far.
    pub attempts: u32,
    /// For an escalation step: when the relay is to release it, and the hash of the token that
    /// cancels it (protocol §8).
    pub hold: Option<(UtcDateTime, String)>,
}

/// Puts a sealed envelope in the outbox (in the same transaction as what it reports).
///
/// # Errors
/// A storage error.
pub fn enqueue(
    tx: &Transaction<'_>,
    peer: i64,
    message_id: &str,
    kind: u8,
    envelope: &[u8],
    now: UtcDateTime,
    expires_at: UtcDateTime,
) -> Result<(), StoreError> {
    enqueue_at(
        tx,
        &Queued {
            peer,
            message_id,
            kind,
            envelope,
            now,
            expires_at,
            send_at: now,
            hold: None,
        },
    )
}

/// An envelope to put in the outbox.
#[derive(Debug, Clone, Copy)]
pub struct Queued<'a> {
    /// Its recipient.
    pub peer: i64,
    /// Its message id (b64u).
    pub message_id: &'a str,
    /// Its kind.
    pub kind: u8,
    /// The sealed envelope.
    pub envelope: &'a [u8],
    /// Now.
    pub now: UtcDateTime,
    /// When it is news no more.
    pub expires_at: UtcDateTime,
    /// Not before then (the end of the recipient's quiet hours).
    pub send_at: UtcDateTime,
    /// For an escalation step: when the relay releases it, and the cancel hash.
    pub hold: Option<(UtcDateTime, &'a str)>,
}

/// Puts an envelope in the outbox, to go at `send_at` (or to the relay's escalation hold).
///
/// # Errors
/// A storage error.
pub fn enqueue_at(tx: &Transaction<'_>, q: &Queued<'_>) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO alert_outbox (message_id, peer_id, kind, envelope, created_at_ms,
                                   expires_at_ms, next_attempt_at_ms, release_at_ms, cancel_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            q.message_id,
            q.peer,
            q.kind,
            q.envelope,
            to_millis(q.now),
            to_millis(q.expires_at),
            to_millis(q.send_at),
            q.hold.map(|(at, _)| to_millis(at)),
            q.hold.map(|(_, hash)| hash)
        ],
    )?;
    Ok(())
}

/// Envelopes due to be sent at `now` (not sent, not expired), oldest first; to a revoked device,
/// only the revocation itself (kind 5): nothing else goes once a pairing has ended.
///
/// # Errors
/// A storage error.
pub fn due(conn: &Connection, now: UtcDateTime, limit: u32) -> Result<Vec<Outgoing>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.message_id, o.envelope, o.attempts, o.release_at_ms, o.cancel_hash
         FROM alert_outbox o JOIN alert_peers p ON p.id = o.peer_id
         WHERE o.sent_at_ms IS NULL AND o.next_attempt_at_ms <= ?1 AND o.expires_at_ms > ?1
           AND (p.state != 'revoked' OR o.kind = 5)
         ORDER BY o.created_at_ms, o.message_id LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(params![to_millis(now), limit], |r| {
            let release: Option<i64> = r.get(3)?;
            let hash: Option<String> = r.get(4)?;
            Ok(Outgoing {
                message_id: r.get(0)?,
                envelope: r.get(1)?,
                attempts: r.get(2)?,
                hold: release.and_then(from_millis).zip(hash),
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Makes every unsent envelope due at `now`, whatever its backoff (a person is waiting).
///
/// # Errors
/// A storage error.
pub fn make_due(tx: &Transaction<'_>, now: UtcDateTime) -> Result<(), StoreError> {
    tx.prepare_cached(
        "UPDATE alert_outbox SET next_attempt_at_ms = ?1
         WHERE sent_at_ms IS NULL AND next_attempt_at_ms > ?1",
    )?
    .execute([to_millis(now)])?;
    Ok(())
}

/// When the next unsent envelope is due, if any.
///
/// # Errors
/// A storage error.
pub fn next_due(conn: &Connection, now: UtcDateTime) -> Result<Option<UtcDateTime>, StoreError> {
    let ms: Option<i64> = conn
        .prepare_cached(
            "SELECT min(o.next_attempt_at_ms) FROM alert_outbox o
             JOIN alert_peers p ON p.id = o.peer_id
             WHERE o.sent_at_ms IS NULL AND o.expires_at_ms > ?1
               AND (p.state != 'revoked' OR o.kind = 5)",
        )?
        .query_row([to_millis(now)], |r| r.get(0))?;
    Ok(ms.and_then(from_millis))
}

/// Marks an envelope accepted by the relay.
///
/// # Errors
/// A storage error.
pub fn mark_sent(
    tx: &Transaction<'_>,
    message_id: &str,
    now: UtcDateTime,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE alert_outbox SET sent_at_ms = ?2, attempts = attempts + 1, last_error = NULL
         WHERE message_id = ?1",
        params![message_id, to_millis(now)],
    )?;
    Ok(())
}

/// Records a failed try and when to try again.
///
/// # Errors
/// A storage error.
pub fn mark_failed(
    tx: &Transaction<'_>,
    message_id: &str,
    retry_at: UtcDateTime,
    error: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE alert_outbox SET attempts = attempts + 1, next_attempt_at_ms = ?2, last_error = ?3
         WHERE message_id = ?1",
        params![message_id, to_millis(retry_at), error],
    )?;
    Ok(())
}

/// Whether the outbox holds an unsent envelope with this id.
///
/// # Errors
/// A storage error.
pub fn is_sent(conn: &Connection, message_id: &str) -> Result<Option<bool>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT sent_at_ms IS NOT NULL FROM alert_outbox WHERE message_id = ?1")?
        .query_row([message_id], |r| r.get(0))
        .optional()?)
}

const PEER_SELECT: &str = "SELECT id, bundle, role, name, state, paired_at_ms, confirmed_at_ms,
    revoked_at_ms, window FROM alert_peers";

type RawPeer = (
    i64,
    Vec<u8>,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    String,
);

fn raw_peer(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawPeer> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    ))
}

fn decode_peer(raw: RawPeer) -> Result<PeerRecord, StoreError> {
    let (id, bundle, role, name, state, paired, confirmed, revoked, window) = raw;
    let window: SenderWindow =
        serde_json::from_str(&window).map_err(|_| StoreError::damaged("alert_peers.window"))?;
    let time = |ms: i64| from_millis(ms).ok_or_else(|| StoreError::damaged("alert_peers time"));
    Ok(PeerRecord {
        id,
        bundle: Bundle::parse(&bundle)
            .map_err(|_: AlertsError| StoreError::damaged("alert_peers.bundle"))?,
        role: PeerRole::from_code(&role).ok_or_else(|| StoreError::damaged("alert_peers.role"))?,
        name,
        state: PeerState::from_code(&state)
            .ok_or_else(|| StoreError::damaged("alert_peers.state"))?,
        paired_at: time(paired)?,
        confirmed_at: confirmed.map(time).transpose()?,
        revoked_at: revoked.map(time).transpose()?,
        missing: window.missing(),
    })
}

/// Records an alert raised on the patient's phone.
///
/// # Errors
/// A storage error.
pub fn insert_alert(
    tx: &Transaction<'_>,
    alert: &AlertMessage,
    condition: Option<&str>,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO alerts_raised (alert_id, category, priority, raised_at_ms, title, body,
                                    condition, cancel_token)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            alert.alert_id,
            alert.category.code(),
            alert.priority.code(),
            alert.raised_at.saturating_mul(1000),
            alert.title,
            alert.body,
            condition,
            alert.cancel_token
        ],
    )?;
    Ok(())
}

/// The conditions raised and still holding: (alert id, condition key).
///
/// # Errors
/// A storage error.
pub fn holding(conn: &Connection) -> Result<Vec<(String, String)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT alert_id, condition FROM alerts_raised
         WHERE condition IS NOT NULL AND cleared_at_ms IS NULL",
    )?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Marks an alert's condition as ended.
///
/// # Errors
/// A storage error.
pub fn clear_alert(
    tx: &Transaction<'_>,
    alert_id: &str,
    now: UtcDateTime,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE alerts_raised SET cleared_at_ms = ?2 WHERE alert_id = ?1 AND cleared_at_ms IS NULL",
        params![alert_id, to_millis(now)],
    )?;
    Ok(())
}

/// Why a copy of an alert went to a caregiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The alert itself.
    Alert,
    /// A reminder of it.
    Reminder,
    /// An escalation step, held by the relay until its release.
    Escalation,
}

impl Purpose {
    fn code(self) -> &'static str {
        match self {
            Self::Alert => "alert",
            Self::Reminder => "reminder",
            Self::Escalation => "escalation",
        }
    }
}

/// Records that the alert's copy `message_id` goes to `peer` from `at` (an escalation step: its
/// release time).
///
/// # Errors
/// A storage error.
pub fn insert_delivery(
    tx: &Transaction<'_>,
    message_id: &str,
    alert_id: &str,
    peer: i64,
    purpose: Purpose,
    at: UtcDateTime,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO alert_deliveries (message_id, alert_id, peer_id, purpose, created_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![message_id, alert_id, peer, purpose.code(), to_millis(at)],
    )?;
    Ok(())
}

/// Applies a receipt from `peer`: the state it reports (and the ones before it, if their own
/// receipts have not arrived) on each of its copies. Returns how many copies it touched.
///
/// # Errors
/// A storage error.
pub fn apply_receipt(
    tx: &Transaction<'_>,
    peer: i64,
    receipt: &ReceiptMessage,
) -> Result<usize, StoreError> {
    let at = receipt.at.saturating_mul(1000);
    let (seen, acked) = match receipt.state {
        ReceiptState::Delivered => (false, false),
        ReceiptState::Seen | ReceiptState::Snoozed => (true, false),
        ReceiptState::Acknowledged => (true, true),
    };
    if receipt.state == ReceiptState::Snoozed {
        let mut snooze = tx.prepare_cached(
            "INSERT INTO alert_snoozes (alert_id, peer_id, until_ms, at_ms)
             SELECT alert_id, peer_id, ?3, ?4 FROM alert_deliveries
             WHERE message_id = ?1 AND peer_id = ?2
             ON CONFLICT (alert_id, peer_id) DO UPDATE SET until_ms = excluded.until_ms,
                                                          at_ms = excluded.at_ms
             WHERE excluded.at_ms >= alert_snoozes.at_ms",
        )?;
        let until = receipt.until.map(|u| u.saturating_mul(1000));
        for id in &receipt.for_ids {
            snooze.execute(params![id, peer, until, at])?;
        }
    }
    let mut stmt = tx.prepare_cached(
        "UPDATE alert_deliveries SET
             delivered_at_ms = coalesce(delivered_at_ms, ?3),
             seen_at_ms = CASE WHEN ?4 THEN coalesce(seen_at_ms, ?3) ELSE seen_at_ms END,
             acknowledged_at_ms = CASE WHEN ?5 THEN coalesce(acknowledged_at_ms, ?3)
                                       ELSE acknowledged_at_ms END
         WHERE message_id = ?1 AND peer_id = ?2",
    )?;
    let mut n = 0;
    for id in &receipt.for_ids {
        n += stmt.execute(params![id, peer, at, seen, acked])?;
    }
    Ok(n)
}

/// How an alert is doing with one caregiver (all the copies they got: the alert, its
/// reminders, an escalation step).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Delivery {
    /// The caregiver's name on this phone.
    pub caregiver: String,
    /// When the relay accepted the first copy for them (not counting an escalation step it
    /// holds).
    pub sent_at: Option<UtcDateTime>,
    /// When a copy was first stored on the caregiver's phone.
    pub delivered_at: Option<UtcDateTime>,
    /// When the caregiver saw it.
    pub seen_at: Option<UtcDateTime>,
    /// When the caregiver acknowledged it.
    pub acknowledged_at: Option<UtcDateTime>,
    /// Reminders sent to them.
    pub reminders: u32,
    /// When the relay is to give it to them if nobody answers first (an escalation step).
    pub escalates_at: Option<UtcDateTime>,
}

/// How an alert is doing with each caregiver, in pairing order.
///
/// # Errors
/// A storage error.
pub fn deliveries(conn: &Connection, alert_id: &str) -> Result<Vec<Delivery>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.name,
                min(CASE WHEN d.purpose != 'escalation' THEN o.sent_at_ms END),
                min(d.delivered_at_ms), min(d.seen_at_ms), min(d.acknowledged_at_ms),
                sum(d.purpose = 'reminder' AND o.sent_at_ms IS NOT NULL),
                min(CASE WHEN d.purpose = 'escalation' THEN d.created_at_ms END)
         FROM alert_deliveries d JOIN alert_peers p ON p.id = d.peer_id
         LEFT JOIN alert_outbox o ON o.message_id = d.message_id
         WHERE d.alert_id = ?1 GROUP BY p.id ORDER BY p.paired_at_ms, p.id",
    )?;
    let rows = stmt
        .query_map([alert_id], |r| {
            let t = |i: usize| -> rusqlite::Result<Option<UtcDateTime>> {
                Ok(r.get::<_, Option<i64>>(i)?.and_then(from_millis))
            };
            Ok(Delivery {
                caregiver: r.get(0)?,
                sent_at: t(1)?,
                delivered_at: t(2)?,
                seen_at: t(3)?,
                acknowledged_at: t(4)?,
                reminders: r.get(5)?,
                escalates_at: t(6)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// An alert in a caregiver's inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct InboxAlert {
    /// The copy's message id (what acknowledging and snoozing name).
    pub message_id: String,
    /// The patient's name on this phone.
    pub patient: String,
    /// The alert's id.
    pub alert_id: String,
    /// What it is about.
    pub category: AlertCategory,
    /// How urgent.
    pub priority: AlertPriority,
    /// When the condition was raised.
    pub raised_at: UtcDateTime,
    /// Its title.
    pub title: String,
    /// Its text.
    pub body: String,
    /// When it arrived on this phone.
    pub received_at: UtcDateTime,
    /// When it was shown.
    pub seen_at: Option<UtcDateTime>,
    /// When this caregiver acknowledged it.
    pub acknowledged_at: Option<UtcDateTime>,
    /// It reached this caregiver because nobody before them acknowledged it: the escalation
    /// step (1: next in the rota, 2: everyone).
    pub escalation_step: Option<u32>,
    /// How many reminders of it arrived.
    pub reminders: u32,
    /// When the last reminder arrived.
    pub reminded_at: Option<UtcDateTime>,
    /// Whether this caregiver snoozed it (see `snoozed_until`).
    pub snoozed: bool,
    /// Snoozed until then; snoozed with no time: until the condition changes.
    pub snoozed_until: Option<UtcDateTime>,
    /// Whether it can be snoozed (a high-priority pump alarm or the pump's end of service
    /// cannot).
    pub can_snooze: bool,
}

/// What storing a received alert did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// A new alert in the inbox.
    New,
    /// Another copy of an alert already there (a reminder, or an escalation step that reached
    /// this caregiver too): counted on the row with this message id.
    Again(String),
    /// This very copy was there already.
    Duplicate,
}

/// Stores a received alert: a new row, or one more copy of an alert from the same patient.
///
/// # Errors
/// A storage error.
pub fn insert_inbox(
    tx: &Transaction<'_>,
    message_id: &str,
    peer: i64,
    alert: &AlertMessage,
    now: UtcDateTime,
) -> Result<Stored, StoreError> {
    if in_inbox(tx, message_id)? {
        return Ok(Stored::Duplicate);
    }
    let again: Option<String> = tx
        .prepare_cached(
            "UPDATE alert_inbox SET reminders = reminders + 1, reminded_at_ms = ?3,
                 cancel_token = coalesce(cancel_token, ?4)
             WHERE peer_id = ?1 AND alert_id = ?2 RETURNING message_id",
        )?
        .query_row(
            params![peer, alert.alert_id, to_millis(now), alert.cancel_token],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(row) = again {
        return Ok(Stored::Again(row));
    }
    tx.execute(
        "INSERT INTO alert_inbox (message_id, peer_id, alert_id, category, priority, raised_at_ms,
                                  title, body, received_at_ms, cancel_token, escalation_step)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            message_id,
            peer,
            alert.alert_id,
            alert.category.code(),
            alert.priority.code(),
            alert.raised_at.saturating_mul(1000),
            alert.title,
            alert.body,
            to_millis(now),
            alert.cancel_token,
            alert.escalation.map(|e| e.step)
        ],
    )?;
    Ok(Stored::New)
}

/// The inbox, newest first.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`].
pub fn inbox(conn: &Connection) -> Result<Vec<InboxAlert>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT i.message_id, p.name, i.alert_id, i.category, i.priority, i.raised_at_ms, i.title,
                i.body, i.received_at_ms, i.seen_at_ms, i.acknowledged_at_ms, i.escalation_step,
                i.reminders, i.reminded_at_ms, i.snoozed_at_ms, i.snoozed_until_ms
         FROM alert_inbox i JOIN alert_peers p ON p.id = i.peer_id
         ORDER BY coalesce(i.reminded_at_ms, i.received_at_ms) DESC, i.message_id",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let time = |i: usize| -> Result<UtcDateTime, StoreError> {
            from_millis(r.get(i)?).ok_or_else(|| StoreError::damaged("alert_inbox time"))
        };
        let opt_time = |i: usize| -> Result<Option<UtcDateTime>, StoreError> {
            r.get::<_, Option<i64>>(i)?
                .map(|ms| from_millis(ms).ok_or_else(|| StoreError::damaged("alert_inbox time")))
                .transpose()
        };
        let category = AlertCategory::from_code(&r.get::<_, String>(3)?)
            .ok_or_else(|| StoreError::damaged("alert_inbox.category"))?;
        let priority = AlertPriority::from_code(&r.get::<_, String>(4)?)
            .ok_or_else(|| StoreError::damaged("alert_inbox.priority"))?;
        out.push(InboxAlert {
            message_id: r.get(0)?,
            patient: r.get(1)?,
            alert_id: r.get(2)?,
            category,
            priority,
            raised_at: time(5)?,
            title: r.get(6)?,
            body: r.get(7)?,
            received_at: time(8)?,
            seen_at: opt_time(9)?,
            acknowledged_at: opt_time(10)?,
            escalation_step: r.get(11)?,
            reminders: r.get(12)?,
            reminded_at: opt_time(13)?,
            snoozed: r.get::<_, Option<i64>>(14)?.is_some(),
            snoozed_until: opt_time(15)?,
            can_snooze: !super::policy::is_critical(category, priority),
        });
    }
    Ok(out)
}

/// What a caregiver's answer to an inbox alert changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    /// The patient's peer id (a receipt is owed to it).
    pub peer: i64,
    /// The alert's escalation cancel token, if it has one.
    pub cancel_token: Option<String>,
}

/// Marks an inbox alert seen, acknowledged or snoozed (until `until`, or while it holds) at
/// `now`; `None` if it was already so or is unknown.
///
/// # Errors
/// A storage error.
pub fn mark_inbox(
    tx: &Transaction<'_>,
    message_id: &str,
    state: ReceiptState,
    until: Option<UtcDateTime>,
    now: UtcDateTime,
) -> Result<Option<Answered>, StoreError> {
    let sql = match state {
        ReceiptState::Delivered => return Ok(None),
        ReceiptState::Seen => {
            "UPDATE alert_inbox SET seen_at_ms = ?2 WHERE message_id = ?1 AND seen_at_ms IS NULL
             RETURNING peer_id, cancel_token"
        }
        ReceiptState::Acknowledged => {
            "UPDATE alert_inbox SET acknowledged_at_ms = ?2, seen_at_ms = coalesce(seen_at_ms, ?2)
             WHERE message_id = ?1 AND acknowledged_at_ms IS NULL RETURNING peer_id, cancel_token"
        }
        ReceiptState::Snoozed => {
            "UPDATE alert_inbox SET snoozed_at_ms = ?2, snoozed_until_ms = ?3,
                 seen_at_ms = coalesce(seen_at_ms, ?2)
             WHERE message_id = ?1 AND acknowledged_at_ms IS NULL
             RETURNING peer_id, cancel_token"
        }
    };
    let answered = |r: &rusqlite::Row<'_>| {
        Ok(Answered {
            peer: r.get(0)?,
            cancel_token: r.get(1)?,
        })
    };
    let row = if state == ReceiptState::Snoozed {
        tx.query_row(
            sql,
            params![message_id, to_millis(now), until.map(to_millis)],
            answered,
        )
    } else {
        tx.query_row(sql, params![message_id, to_millis(now)], answered)
    };
    Ok(row.optional()?)
}

/// The inbox alert with this message id: (category, priority), if there.
///
/// # Errors
/// A storage error.
pub fn inbox_kind(
    conn: &Connection,
    message_id: &str,
) -> Result<Option<(AlertCategory, AlertPriority)>, StoreError> {
    let row: Option<(String, String)> = conn
        .prepare_cached("SELECT category, priority FROM alert_inbox WHERE message_id = ?1")?
        .query_row([message_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(row.and_then(|(c, p)| Some((AlertCategory::from_code(&c)?, AlertPriority::from_code(&p)?))))
}

/// The paired device with this row id.
///
/// # Errors
/// As [`peers`].
pub fn peer_by_id(conn: &Connection, id: i64) -> Result<Option<PeerRecord>, StoreError> {
    conn.prepare_cached(&format!("{PEER_SELECT} WHERE id = ?1"))?
        .query_row([id], raw_peer)
        .optional()?
        .map(decode_peer)
        .transpose()
}

/// Whether the inbox holds this message.
///
/// # Errors
/// A storage error.
pub fn in_inbox(conn: &Connection, message_id: &str) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM alert_inbox WHERE message_id = ?1)")?
        .query_row([message_id], |r| r.get(0))?)
}

/// Deletes every row of the caregiver alerts' tables (the person's "delete everything").
///
/// # Errors
/// A storage error.
pub fn delete_all(tx: &Transaction<'_>) -> Result<(), StoreError> {
    super::heartbeat::delete_all(tx)?;
    tx.execute_batch(
        "DELETE FROM alert_snoozes; DELETE FROM alert_cancels; DELETE FROM alert_caregiver_settings;
         DELETE FROM alert_deliveries; DELETE FROM alert_inbox; DELETE FROM alerts_raised;
         DELETE FROM alert_outbox; DELETE FROM alert_invitations; DELETE FROM alert_peers;
         DELETE FROM alert_relay;",
    )?;
    Ok(())
}

/// A caregiver's settings on this phone (the defaults until changed).
///
/// # Errors
/// A storage error; [`StoreError::Corrupt`] for settings this version cannot read.
pub fn caregiver_settings(conn: &Connection, peer: i64) -> Result<CaregiverSettings, StoreError> {
    let json: Option<String> = conn
        .prepare_cached("SELECT settings FROM alert_caregiver_settings WHERE peer_id = ?1")?
        .query_row([peer], |r| r.get(0))
        .optional()?;
    json.map_or_else(
        || Ok(CaregiverSettings::default()),
        |j| {
            serde_json::from_str(&j)
                .map_err(|_| StoreError::damaged("alert_caregiver_settings.settings"))
        },
    )
}

/// Stores a caregiver's settings.
///
/// # Errors
/// A storage error.
pub fn set_caregiver_settings(
    tx: &Transaction<'_>,
    peer: i64,
    settings: &CaregiverSettings,
) -> Result<(), StoreError> {
    let json =
        serde_json::to_string(settings).map_err(|_| StoreError::damaged("caregiver settings"))?;
    tx.execute(
        "INSERT INTO alert_caregiver_settings (peer_id, settings) VALUES (?1, ?2)
         ON CONFLICT (peer_id) DO UPDATE SET settings = excluded.settings",
        params![peer, json],
    )?;
    Ok(())
}

/// How one caregiver stands with one alert (the patient's side).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCopies {
    /// The caregiver.
    pub peer: i64,
    /// When the newest copy that has reached them (or will, once released) went: `None` while
    /// their only copies are escalation steps not yet released.
    pub last_copy: Option<UtcDateTime>,
    /// Reminders sent so far.
    pub reminders: u32,
    /// Whether they acknowledged any copy.
    pub acknowledged: bool,
    /// Their snooze, if any.
    pub snooze: Option<Snooze>,
}

/// Every caregiver that has (or will have) a copy of `alert_id`, at `now`.
///
/// # Errors
/// A storage error.
pub fn copies(
    conn: &Connection,
    alert_id: &str,
    now: UtcDateTime,
) -> Result<Vec<PeerCopies>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.peer_id,
                max(CASE WHEN d.created_at_ms <= ?2 THEN d.created_at_ms END),
                sum(d.purpose = 'reminder'),
                max(d.acknowledged_at_ms IS NOT NULL),
                s.at_ms, s.until_ms
         FROM alert_deliveries d
         LEFT JOIN alert_snoozes s ON s.alert_id = d.alert_id AND s.peer_id = d.peer_id
         WHERE d.alert_id = ?1 GROUP BY d.peer_id ORDER BY d.peer_id",
    )?;
    let rows = stmt
        .query_map(params![alert_id, to_millis(now)], |r| {
            let snoozed_at: Option<i64> = r.get(4)?;
            let until: Option<i64> = r.get(5)?;
            Ok(PeerCopies {
                peer: r.get(0)?,
                last_copy: r.get::<_, Option<i64>>(1)?.and_then(from_millis),
                reminders: r.get(2)?,
                acknowledged: r.get(3)?,
                snooze: snoozed_at.map(|_| {
                    until
                        .and_then(from_millis)
                        .map_or(Snooze::WhileItHolds, Snooze::Until)
                }),
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// An alert that holds: its id, key, category, priority, text and escalation token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    /// The alert's id.
    pub alert_id: String,
    /// The condition's key.
    pub key: String,
    /// The message as first sent (its text and kind, for reminders).
    pub message: AlertMessage,
}

/// The alerts whose conditions hold.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`].
pub fn holding_alerts(conn: &Connection) -> Result<Vec<Holding>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT alert_id, condition, category, priority, raised_at_ms, title, body, cancel_token
         FROM alerts_raised WHERE condition IS NOT NULL AND cleared_at_ms IS NULL
         ORDER BY raised_at_ms, alert_id",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let alert_id: String = r.get(0)?;
        out.push(Holding {
            key: r.get(1)?,
            message: AlertMessage {
                alert_id: alert_id.clone(),
                category: AlertCategory::from_code(&r.get::<_, String>(2)?)
                    .ok_or_else(|| StoreError::damaged("alerts_raised.category"))?,
                priority: AlertPriority::from_code(&r.get::<_, String>(3)?)
                    .ok_or_else(|| StoreError::damaged("alerts_raised.priority"))?,
                raised_at: r.get::<_, i64>(4)? / 1000,
                sent_at: 0,
                title: r.get(5)?,
                body: r.get(6)?,
                cancel_token: r.get(7)?,
                escalation: None,
                reminder: None,
            },
            alert_id,
        });
    }
    Ok(out)
}

/// Drops the copies of an alert not yet handed to the relay (held for quiet hours, or an
/// escalation step not yet posted): its condition ended, they are news no more.
///
/// # Errors
/// A storage error.
pub fn drop_unsent_copies(tx: &Transaction<'_>, alert_id: &str) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM alert_outbox WHERE sent_at_ms IS NULL AND message_id IN
             (SELECT message_id FROM alert_deliveries WHERE alert_id = ?1)",
        [alert_id],
    )?;
    tx.execute(
        "DELETE FROM alert_deliveries WHERE alert_id = ?1 AND delivered_at_ms IS NULL
             AND message_id NOT IN (SELECT message_id FROM alert_outbox)",
        [alert_id],
    )?;
    Ok(())
}

/// The escalation token of an alert raised here.
///
/// # Errors
/// A storage error.
pub fn cancel_token_of(conn: &Connection, alert_id: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT cancel_token FROM alerts_raised WHERE alert_id = ?1")?
        .query_row([alert_id], |r| r.get(0))
        .optional()?
        .flatten())
}

/// The alert a copy sent from here belongs to.
///
/// # Errors
/// A storage error.
pub fn alert_of_copy(conn: &Connection, message_id: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT alert_id FROM alert_deliveries WHERE message_id = ?1")?
        .query_row([message_id], |r| r.get(0))
        .optional()?)
}

/// Owes the relay the cancellation of the escalation with this token (kept until sent or
/// `expires_at`); owing it twice is owing it once.
///
/// # Errors
/// A storage error.
pub fn owe_cancel(
    tx: &Transaction<'_>,
    token: &str,
    now: UtcDateTime,
    expires_at: UtcDateTime,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO alert_cancels (token, created_at_ms, expires_at_ms, next_attempt_at_ms)
         VALUES (?1, ?2, ?3, ?2) ON CONFLICT (token) DO NOTHING",
        params![token, to_millis(now), to_millis(expires_at)],
    )?;
    Ok(())
}

/// Cancellations due at `now`: (token, attempts).
///
/// # Errors
/// A storage error.
pub fn due_cancels(conn: &Connection, now: UtcDateTime) -> Result<Vec<(String, u32)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT token, attempts FROM alert_cancels
         WHERE sent_at_ms IS NULL AND next_attempt_at_ms <= ?1 AND expires_at_ms > ?1
         ORDER BY created_at_ms LIMIT 100",
    )?;
    let rows = stmt
        .query_map([to_millis(now)], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Records a cancellation sent, or a failed try and when to try again.
///
/// # Errors
/// A storage error.
pub fn cancel_tried(
    tx: &Transaction<'_>,
    token: &str,
    sent_at: Option<UtcDateTime>,
    retry_at: UtcDateTime,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE alert_cancels SET attempts = attempts + 1, sent_at_ms = ?2,
             next_attempt_at_ms = ?3 WHERE token = ?1",
        params![token, sent_at.map(to_millis), to_millis(retry_at)],
    )?;
    Ok(())
}
