//! A device's alerts session: its keys (from the platform key store), its relay, its paired
//! devices and its outbox, and the flows between them: showing an invitation, accepting one,
//! reading the mailbox, confirming and revoking a pairing. Every envelope is stored in the outbox
//! in the same transaction as what it reports, before it is sent; every item fetched is handled
//! and stored before it is acknowledged to the relay.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use thecal_proto::{EnvelopeHeader, MailboxId, b64u};

use super::db::{self, PeerRecord, PeerRole, PeerState, Purpose};
use super::envelope::{self, Kind};
use super::heartbeat;
use super::http::HttpClient;
use super::messages::{
    AlertCategory, AlertMessage, AlertPriority, EscalationStep, Message, ReceiptMessage,
    ReceiptState,
};
use super::policy::{self, CaregiverSettings};
use super::relay::{Item, RelayClient, RelayError};
use super::rules;
use super::window::Verdict;
use super::{AlertsError, Bundle, DeviceKeys, PairingCode, random, safety_number};
use crate::model::{Clock, UtcDateTime, Zone};
use crate::store::{SecretStore, Store, StoreError};

/// How long an invitation can be claimed (the protocol allows up to an hour).
pub const INVITATION_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// How long pairing and revocation envelopes live.
const CONTROL_TTL: Duration = Duration::from_secs(7 * 86_400);
/// How long an alert's envelope lives (an alert older than this is news no more).
const ALERT_TTL: Duration = Duration::from_secs(2 * 86_400);
/// How long a receipt's envelope lives.
const RECEIPT_TTL: Duration = Duration::from_secs(7 * 86_400);
/// The longest wait between two tries of an envelope.
const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);

/// Why an alerts flow failed; each says what the person can do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A protocol or key error.
    #[error(transparent)]
    Alerts(#[from] AlertsError),
    /// The relay could not be reached or refused.
    #[error(transparent)]
    Relay(#[from] RelayError),
    /// The phone's storage failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// No relay is set up yet.
    #[error("No caregiver has been paired yet: invite one first.")]
    NoRelay,
    /// No paired device with this id.
    #[error("This device is not paired with this phone.")]
    UnknownPeer,
    /// The invitation was claimed already.
    #[error("This invitation was already used. Ask the patient to show a new code.")]
    InvitationUsed,
    /// The invitation expired.
    #[error("This invitation has expired. Ask the patient to show a new code.")]
    InvitationExpired,
    /// No alert with this id in the inbox.
    #[error("This alert is not on this phone (it may have been deleted).")]
    UnknownAlert,
    /// No invitation with this code.
    #[error("No invitation has this code. Check the code, or ask the patient to show a new one.")]
    InvitationNotFound,
    /// A high-priority pump alarm or the pump's end of service cannot be snoozed.
    #[error(
        "This alert cannot be snoozed: it needs someone now. Acknowledge it when you are on it."
    )]
    CannotSnooze,
    /// Caregiver settings that cannot be used.
    #[error("These alert settings cannot be used ({0}).")]
    BadSettings(policy::BadSettings),
    /// The relay did not take the messages that end the pairings, so nothing was deleted.
    #[error("The relay did not take the messages that end the pairings; nothing was deleted.")]
    NotSent,
}

/// An invitation for a caregiver, as the patient's phone shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// The code to read out or type: `XXXXX-XXXXX`.
    pub code: String,
    /// The QR code's text.
    pub qr_text: String,
    /// Until when it can be claimed.
    pub expires_at: UtcDateTime,
}

/// An alert to raise on the patient's phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    /// What it is about.
    pub category: AlertCategory,
    /// How urgent.
    pub priority: AlertPriority,
    /// A short title, in the patient's language.
    pub title: String,
    /// The text, in the patient's language.
    pub body: String,
}

/// What one read of the mailbox did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Devices newly paired through an invitation.
    pub paired: Vec<MailboxId>,
    /// Envelopes received and handled.
    pub received: u32,
    /// Envelopes received again (dropped quietly).
    pub duplicates: u32,
    /// Envelopes refused (altered, replayed, expired, from a stranger).
    pub refused: u32,
    /// Envelopes from a newer app version (the person is told to update).
    pub too_new: u32,
    /// Pairings the other side revoked.
    pub revoked: Vec<MailboxId>,
    /// Alerts newly stored in the inbox, or repeated (a reminder, an escalation step): the
    /// message ids of their inbox rows.
    pub alerts: Vec<String>,
    /// Receipts applied.
    pub receipts: u32,
    /// Status snapshots stored (newer than the one kept; [`super::status`]).
    pub statuses: u32,
    /// Relay notices about a paired patient's phone newly stored (their ids).
    pub notices: Vec<String>,
}

/// One device's alerts session.
#[derive(Debug, Clone)]
pub struct Session {
    store: Arc<Store>,
    secrets: Arc<dyn SecretStore>,
    http: Arc<dyn HttpClient>,
    clock: Arc<dyn Clock>,
}

impl Session {
    /// A session over the app's store, key store, HTTP stack and clock.
    #[must_use]
    pub fn new(
        store: Arc<Store>,
        secrets: Arc<dyn SecretStore>,
        http: Arc<dyn HttpClient>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            store,
            secrets,
            http,
            clock,
        }
    }

    /// The device's keys, made on first use.
    ///
    /// # Errors
    /// [`Error::Alerts`] (the key store cannot be used now).
    pub fn keys(&self) -> Result<DeviceKeys, Error> {
        Ok(DeviceKeys::load_or_create(self.secrets.as_ref())?)
    }

    fn client(&self, base: &str) -> RelayClient {
        RelayClient::new(base, Arc::clone(&self.http), Arc::clone(&self.clock))
    }

    pub(super) fn relay(&self) -> Result<RelayClient, Error> {
        let base = self.store.read(db::relay)?.ok_or(Error::NoRelay)?;
        Ok(self.client(&base))
    }

    /// Opens this device's mailbox on the relay at `base` and remembers it.
    async fn join(&self, keys: &DeviceKeys, base: &str) -> Result<RelayClient, Error> {
        let relay = self.client(base);
        relay.open_mailbox(keys).await?;
        let now = self.clock.now();
        self.store
            .write(|tx| db::set_relay(tx, base, keys.mailbox(), now))?;
        Ok(relay)
    }

    /// Shows a new invitation (the patient's phone): registers it on the relay at `base` for
    /// [`INVITATION_LIFETIME`]; the caregiver's hello arrives in the mailbox ([`Session::sync`]).
    ///
    /// # Errors
    /// [`Error`].
    pub async fn invite(&self, base: &str) -> Result<Invitation, Error> {
        let keys = self.keys()?;
        let relay = self.join(&keys, base).await?;
        let code = PairingCode::generate()?;
        let secrets = code.secrets();
        let id = b64u(&secrets.invite_id);
        let now = self.clock.now();
        let expires_at = now + chrono_ttl(INVITATION_LIFETIME);
        // The code goes to the key store before the relay knows the invitation: a hello never
        // arrives that this phone cannot open.
        self.secrets
            .save(invite_secret(&id), code.as_str().as_bytes().to_vec())
            .map_err(AlertsError::from)?;
        relay
            .put_invitation(
                &keys,
                &secrets.invite_id,
                &secrets.seal_bundle(&keys.bundle()),
                expires_at.timestamp(),
            )
            .await?;
        self.store
            .write(|tx| db::insert_invitation(tx, &id, now, expires_at))?;
        Ok(Invitation {
            code: code.shown(),
            qr_text: code.qr_text(relay.host()),
            expires_at,
        })
    }

    /// Accepts an invitation (a caregiver's phone): `text` is the scanned QR text, or the typed
    /// code with the relay's `host` given separately. Names the patient `name` on this phone.
    ///
    /// # Errors
    /// [`Error::InvitationNotFound`], [`Error::InvitationUsed`], [`Error::InvitationExpired`],
    /// [`AlertsError::BadPairingCode`], and the relay's and store's errors.
    pub async fn accept(
        &self,
        text: &str,
        host: Option<&str>,
        name: &str,
    ) -> Result<PeerRecord, Error> {
        let (host, code) = if text.trim_start().starts_with("thecal:") {
            PairingCode::parse_qr(text.trim())?
        } else {
            let host = host.ok_or_else(|| AlertsError::Malformed {
                what: "pairing code",
                reason: "the relay's address is needed with a typed code".into(),
            })?;
            (host.to_owned(), PairingCode::parse(text)?)
        };
        let keys = self.keys()?;
        let relay = self.join(&keys, &RelayClient::base_for_host(&host)).await?;
        let secrets = code.secrets();
        let sealed = relay
            .get_invitation(&keys, &secrets.invite_id)
            .await
            .map_err(invitation_error)?;
        let patient = secrets.open_bundle(&sealed)?;
        let now = self.clock.now();
        let header = EnvelopeHeader {
            kind: Kind::PairingHello as u8,
            recipient: patient.mailbox(),
            sender: keys.mailbox(),
            message_id: random::bytes()?,
            seq: 1,
            expires_at: expiry(now, CONTROL_TTL),
        };
        let plaintext = json!({"v": 1, "type": "pairing_hello", "bundle": keys.bundle().to_b64u()});
        let hello = envelope::seal_hello(
            &patient,
            &header,
            plaintext.to_string().as_bytes(),
            &secrets.psk,
            &secrets.invite_id,
            None,
        )?;
        relay
            .claim(&keys, &secrets.invite_id, &hello)
            .await
            .map_err(invitation_error)?;
        let peer = self.store.write(|tx| {
            let id = db::upsert_peer(tx, &patient, PeerRole::Patient, name, now)?;
            // The hello was envelope 1 to the patient.
            db::take_seq(tx, id)?;
            db::peer(tx, patient.mailbox())?.ok_or(StoreError::damaged("alert_peers"))
        })?;
        Ok(peer)
    }

    /// Raises an alert on the patient's phone: one sealed copy for each confirmed caregiver, all
    /// stored in the outbox with the alert in one transaction, then sent. Returns the alert's id.
    ///
    /// # Errors
    /// The key store's and storage errors. Sending is not an error: what the relay did not take
    /// now goes later ([`Session::send_pending`]).
    pub async fn raise(&self, alert: NewAlert) -> Result<String, Error> {
        let keys = self.keys()?;
        let now = self.clock.now();
        let id = self
            .store
            .write(|tx| raise_in(tx, &keys, alert, None, now))?;
        if let Err(e) = self.send_pending().await {
            tracing::info!(error = %e, "alert queued; it goes when the relay is reachable");
        }
        Ok(id)
    }

    /// Raises an alert for each condition that holds now and was not raised yet (the same
    /// condition is never sent twice while it holds), and records the end of those that no
    /// longer hold. Every caregiver is judged on the same `conditions`; the app's path,
    /// [`Session::evaluate_with`], words them with each caregiver's own rules. Returns the ids
    /// of the alerts raised.
    ///
    /// # Errors
    /// As [`Session::raise`].
    pub async fn evaluate(&self, conditions: Vec<rules::Condition>) -> Result<Vec<String>, Error> {
        self.evaluate_with(|_| conditions.clone(), Zone::UTC).await
    }

    /// The alert rules, caregiver by caregiver (`policy.rs` says who gets what): for each
    /// confirmed caregiver, `conditions_for(their rules)` are the conditions that hold for them.
    /// A condition newly holding becomes an alert, sent to those on call whose rules include it
    /// (held until the end of their quiet hours unless critical); a high-priority one also hands
    /// the relay its escalation, sealed for the next caregivers; a condition that holds on is
    /// repeated to a caregiver only as the reminders they chose; one that ended is closed, its
    /// unsent copies dropped and its escalation cancelled. `zone` is the patient's (quiet
    /// hours and on-call windows without a zone of their own). Returns the ids of the alerts
    /// raised.
    ///
    /// # Errors
    /// As [`Session::raise`].
    pub async fn evaluate_with(
        &self,
        conditions_for: impl Fn(&rules::RuleSettings) -> Vec<rules::Condition>,
        zone: Zone,
    ) -> Result<Vec<String>, Error> {
        let keys = self.keys()?;
        let now = self.clock.now();
        let raised = self.store.write(|tx| {
            let caregivers: Vec<(PeerRecord, CaregiverSettings)> = db::peers(tx)?
                .into_iter()
                .filter(|p| p.role == PeerRole::Caregiver && p.state == PeerState::Confirmed)
                .map(|p| {
                    let settings = db::caregiver_settings(tx, p.id)?;
                    Ok::<_, StoreError>((p, settings))
                })
                .collect::<Result<_, _>>()?;
            let wanted: Vec<Vec<rules::Condition>> = caregivers
                .iter()
                .map(|(_, s)| conditions_for(&s.rules))
                .collect();
            let mut all: Vec<&rules::Condition> = Vec::new();
            for c in wanted.iter().flatten() {
                if !all.iter().any(|a| a.key == c.key) {
                    all.push(c);
                }
            }
            let holding = db::holding_alerts(tx)?;
            for h in &holding {
                if !all.iter().any(|c| c.key == h.key) {
                    end_alert(tx, &h.alert_id, h.message.cancel_token.as_deref(), now)?;
                }
            }
            let plan = Plan {
                keys: &keys,
                caregivers: &caregivers,
                zone,
                now,
            };
            let mut raised = Vec::new();
            for c in all {
                let interested: Vec<usize> = (0..caregivers.len())
                    .filter(|&i| wanted[i].iter().any(|w| w.key == c.key))
                    .collect();
                match holding.iter().find(|h| h.key == c.key) {
                    Some(h) => plan.follow_up(tx, &h.message, &interested)?,
                    None => {
                        let id = plan.raise(tx, c, &interested)?;
                        raised.push(id);
                    }
                }
            }
            Ok::<_, Error>(raised)
        })?;
        if let Err(e) = self.send_pending().await {
            tracing::info!(error = %e, "alerts queued; they go when the relay is reachable");
        }
        Ok(raised)
    }

    /// A caregiver's alert settings on this phone (the patient's).
    ///
    /// # Errors
    /// [`Error::UnknownPeer`], a storage error.
    pub fn caregiver_settings(&self, peer: MailboxId) -> Result<CaregiverSettings, Error> {
        let p = self.peer(peer)?;
        Ok(self.store.read(|c| db::caregiver_settings(c, p.id))?)
    }

    /// Changes a caregiver's alert settings (they take effect at the next run of the rules).
    ///
    /// # Errors
    /// [`Error::BadSettings`], [`Error::UnknownPeer`], a storage error.
    pub fn set_caregiver_settings(
        &self,
        peer: MailboxId,
        settings: &CaregiverSettings,
    ) -> Result<(), Error> {
        settings.check().map_err(Error::BadSettings)?;
        let p = self.peer(peer)?;
        if p.role != PeerRole::Caregiver {
            return Err(Error::UnknownPeer);
        }
        Ok(self
            .store
            .write(|tx| db::set_caregiver_settings(tx, p.id, settings))?)
    }

    /// How an alert's copies are doing, caregiver by caregiver ("delivered to … at …,
    /// acknowledged by … at …").
    ///
    /// # Errors
    /// A storage error.
    pub fn deliveries(&self, alert_id: &str) -> Result<Vec<db::Delivery>, Error> {
        Ok(self.store.read(|c| db::deliveries(c, alert_id))?)
    }

    /// The caregiver's inbox, newest first.
    ///
    /// # Errors
    /// A storage error.
    pub fn inbox(&self) -> Result<Vec<db::InboxAlert>, Error> {
        Ok(self.store.read(db::inbox)?)
    }

    /// Records that the caregiver saw an alert, and tells the patient's phone.
    ///
    /// # Errors
    /// [`Error::UnknownAlert`], the key store's and storage errors.
    pub async fn mark_seen(&self, message_id: &str) -> Result<(), Error> {
        self.answer(message_id, ReceiptState::Seen, None).await
    }

    /// Records that the caregiver is taking care of an alert, and tells the patient's phone.
    ///
    /// # Errors
    /// [`Error::UnknownAlert`], the key store's and storage errors.
    pub async fn acknowledge(&self, message_id: &str) -> Result<(), Error> {
        self.answer(message_id, ReceiptState::Acknowledged, None)
            .await
    }

    /// Snoozes an alert on the caregiver's phone: no reminder of it for `minutes`, or, with
    /// `None`, while its condition holds; the patient's phone is told (and cancels its
    /// escalation: someone answered).
    ///
    /// # Errors
    /// [`Error::CannotSnooze`] for a high-priority pump alarm or the pump's end of service;
    /// [`Error::UnknownAlert`], the key store's and storage errors.
    pub async fn snooze(&self, message_id: &str, minutes: Option<u32>) -> Result<(), Error> {
        let kind = self.store.read(|c| db::inbox_kind(c, message_id))?;
        let Some((category, priority)) = kind else {
            return Err(Error::UnknownAlert);
        };
        if policy::is_critical(category, priority) {
            return Err(Error::CannotSnooze);
        }
        let until = minutes.map(|m| self.clock.now() + chrono::Duration::minutes(i64::from(m)));
        self.answer(message_id, ReceiptState::Snoozed, until).await
    }

    async fn answer(
        &self,
        message_id: &str,
        state: ReceiptState,
        until: Option<UtcDateTime>,
    ) -> Result<(), Error> {
        let keys = self.keys()?;
        let now = self.clock.now();
        self.store.write(|tx| {
            if !db::in_inbox(tx, message_id)? {
                return Err(Error::UnknownAlert);
            }
            if let Some(answered) = db::mark_inbox(tx, message_id, state, until, now)? {
                if state != ReceiptState::Seen
                    && let Some(token) = &answered.cancel_token
                {
                    db::owe_cancel(tx, token, now, now + chrono_ttl(ALERT_TTL))?;
                }
                let peer = db::peer_by_id(tx, answered.peer)?.ok_or(Error::UnknownPeer)?;
                if peer.state != PeerState::Revoked {
                    let receipt = Message::Receipt(ReceiptMessage {
                        for_ids: vec![message_id.to_owned()],
                        state,
                        at: now.timestamp(),
                        until: until.map(|u| u.timestamp()),
                    });
                    enqueue_sealed(
                        tx,
                        &keys,
                        &peer,
                        Kind::Receipt,
                        &receipt.to_json(),
                        now,
                        RECEIPT_TTL,
                    )?;
                }
            }
            Ok(())
        })?;
        if let Err(e) = self.send_pending().await {
            tracing::info!(error = %e, "receipt queued");
        }
        Ok(())
    }

    /// Every paired device, revoked ones included.
    ///
    /// # Errors
    /// A storage error.
    pub fn peers(&self) -> Result<Vec<PeerRecord>, Error> {
        Ok(self.store.read(db::peers)?)
    }

    /// The safety number of this device and `peer`, for the two people to compare.
    ///
    /// # Errors
    /// [`Error::UnknownPeer`], or the key store's error.
    pub fn safety_number(&self, peer: MailboxId) -> Result<String, Error> {
        let p = self.peer(peer)?;
        Ok(safety_number(&self.keys()?.bundle(), &p.bundle))
    }

    /// Records that this phone's person compared the safety number and it matched.
    ///
    /// # Errors
    /// [`Error::UnknownPeer`] (or revoked), a storage error.
    pub fn confirm(&self, peer: MailboxId) -> Result<PeerRecord, Error> {
        let p = self.peer(peer)?;
        if p.state == PeerState::Revoked {
            return Err(Error::UnknownPeer);
        }
        let now = self.clock.now();
        self.store
            .write(|tx| {
                db::set_peer_state(tx, p.id, PeerState::Confirmed, now)?;
                db::peer(tx, peer)?.ok_or(StoreError::damaged("alert_peers"))
            })
            .map_err(Error::from)
    }

    /// Names a paired device on this phone.
    ///
    /// # Errors
    /// [`Error::UnknownPeer`], a storage error.
    pub fn rename(&self, peer: MailboxId, name: &str) -> Result<(), Error> {
        let p = self.peer(peer)?;
        Ok(self.store.write(|tx| db::rename_peer(tx, p.id, name))?)
    }

    /// Ends a pairing: the other device is told (a revocation envelope through the outbox), and
    /// nothing more is sent to it or accepted from it.
    ///
    /// # Errors
    /// [`Error::UnknownPeer`], the key store's and storage errors. The envelope is sent now if
    /// the relay can be reached, else later by [`Session::send_pending`].
    pub async fn revoke(&self, peer: MailboxId) -> Result<(), Error> {
        let p = self.peer(peer)?;
        if p.state == PeerState::Revoked {
            return Ok(());
        }
        let keys = self.keys()?;
        let now = self.clock.now();
        let plaintext = json!({"v": 1, "type": "revocation"}).to_string();
        self.store.write(|tx| {
            enqueue_sealed(
                tx,
                &keys,
                &p,
                Kind::Revocation,
                plaintext.as_bytes(),
                now,
                CONTROL_TTL,
            )?;
            db::set_peer_state(tx, p.id, PeerState::Revoked, now)?;
            // The status consent ends in the same transaction, at the revocation's time.
            db::end_with_pairings(tx)?;
            Ok::<_, Error>(())
        })?;
        if let Err(e) = self.send_pending().await {
            tracing::info!(error = %e, "revocation queued; it goes when the relay is reachable");
        }
        Ok(())
    }

    /// Ends every pairing and deletes everything the caregiver alerts keep, on the relay and
    /// here: a revocation to each paired device, this device's mailbox on the relay (with what
    /// it holds), the alerts' tables, and this device's keys in the key store. Nothing is
    /// deleted here unless the relay took the revocations and deleted the mailbox: offline, it
    /// fails and can be tried again. With no relay ever set up, it deletes what is here.
    ///
    /// # Errors
    /// [`Error::NotSent`], [`Error::Relay`], the key store's and storage errors.
    pub async fn delete_everything(&self) -> Result<(), Error> {
        if let Some(base) = self.store.read(db::relay)? {
            for p in self.store.read(db::peers)? {
                if p.state != PeerState::Revoked {
                    self.revoke(p.bundle.mailbox()).await?;
                }
            }
            let now = self.clock.now();
            self.store.write(|tx| db::make_due(tx, now))?;
            self.send_pending().await?;
            if self.store.read(|c| db::next_due(c, now))?.is_some() {
                return Err(Error::NotSent);
            }
            let keys = self.keys()?;
            self.client(&base).delete_mailbox(&keys).await?;
        }
        self.store.write(db::delete_all)?;
        self.secrets
            .delete(crate::alerts::keys::SECRET_NAME.into())
            .map_err(AlertsError::from)?;
        Ok(())
    }

    /// Sends what the outbox holds and is due; returns how many the relay accepted.
    ///
    /// # Errors
    /// [`Error::NoRelay`], the key store's and storage errors. A failed send is not an error: it
    /// is tried again later, at growing intervals.
    pub async fn send_pending(&self) -> Result<u32, Error> {
        let relay = self.relay()?;
        let keys = self.keys()?;
        let mut sent = 0;
        let mut reachable = true;
        let due = self.store.read(|c| db::due(c, self.clock.now(), 100))?;
        for out in due {
            let result = match &out.hold {
                Some((release, hash)) => relay
                    .hold_escalation(&keys, &out.envelope, release.timestamp(), hash)
                    .await
                    .map(drop),
                None => relay.post(&keys, &out.envelope).await.map(drop),
            };
            let now = self.clock.now();
            match result {
                Ok(()) => {
                    self.store
                        .write(|tx| db::mark_sent(tx, &out.message_id, now))?;
                    sent += 1;
                }
                Err(e) => {
                    let retry = now + chrono_ttl(backoff(out.attempts));
                    let reason = e.code().unwrap_or("unreachable").to_owned();
                    self.store
                        .write(|tx| db::mark_failed(tx, &out.message_id, retry, &reason))?;
                    if e.is_transient() {
                        // The relay is not taking anything now: keep the order, stop here.
                        reachable = false;
                        break;
                    }
                }
            }
        }
        if reachable {
            for (token, attempts) in self.store.read(|c| db::due_cancels(c, self.clock.now()))? {
                let result = relay.cancel_escalations(&keys, &token).await;
                let now = self.clock.now();
                let sent_at = result.as_ref().ok().map(|_| now);
                self.store.write(|tx| {
                    db::cancel_tried(tx, &token, sent_at, now + chrono_ttl(backoff(attempts)))
                })?;
                if let Err(e) = result
                    && e.is_transient()
                {
                    reachable = false;
                    break;
                }
            }
        }
        if reachable {
            self.watch_in_passing(&relay, &keys).await;
        }
        Ok(sent)
    }

    /// Reads the mailbox once (waiting up to `wait_s` seconds for something), handles and
    /// stores each item, then acknowledges it to the relay.
    ///
    /// # Errors
    /// [`Error::NoRelay`], the relay's, key store's and storage errors.
    pub async fn sync(&self, wait_s: u32) -> Result<SyncReport, Error> {
        let relay = self.relay()?;
        let keys = self.keys()?;
        let mut report = SyncReport::default();
        let items = relay.fetch(&keys, wait_s, 100).await?;
        let mut handled = Vec::with_capacity(items.len());
        for item in items {
            match &item {
                Item::Envelope { envelope, .. } => {
                    self.receive(&relay, &keys, envelope, &mut report).await?;
                }
                Item::Notice { .. } => {
                    report.received += 1;
                    if let Some(id) = heartbeat::store_notice(&self.store, &item, self.clock.now())?
                    {
                        report.notices.push(id);
                    }
                }
            }
            handled.push(item.id().to_owned());
        }
        relay.ack(&keys, &handled).await?;
        self.forget_finished_invitations()?;
        // Receipts owed for what arrived go now if they can.
        if let Err(e) = self.send_pending().await {
            tracing::info!(error = %e, "receipts queued");
        }
        Ok(report)
    }

    async fn receive(
        &self,
        relay: &RelayClient,
        keys: &DeviceKeys,
        bytes: &[u8],
        report: &mut SyncReport,
    ) -> Result<(), Error> {
        let now = self.clock.now();
        let now_s = u64::try_from(now.timestamp()).unwrap_or(0);
        let header = match envelope::header_for(keys, bytes) {
            Ok(h) => h,
            Err(AlertsError::NewerVersion { .. }) => {
                report.too_new += 1;
                return Ok(());
            }
            Err(e) => {
                tracing::warn!(error = %e, "envelope refused");
                report.refused += 1;
                return Ok(());
            }
        };
        if header.kind == Kind::PairingHello as u8 {
            return self
                .receive_hello(relay, keys, bytes, now, now_s, report)
                .await;
        }
        let peer = match self.store.read(|c| db::peer(c, header.sender))? {
            Some(p) if p.state != PeerState::Revoked => p,
            _ => {
                report.refused += 1;
                return Ok(());
            }
        };
        let opened = match envelope::open(keys, &peer.bundle, bytes, now_s) {
            Ok(o) => o,
            Err(e) => {
                tracing::warn!(error = %e, "envelope refused");
                report.refused += 1;
                return Ok(());
            }
        };
        let message_id = b64u(&opened.header.message_id);
        let outcome = self.store.write(|tx| {
            let mut window = db::window(tx, peer.id)?;
            let verdict = window.accept(&opened.header, now_s);
            let mut handled = Handled::Nothing;
            if let Ok(Verdict::New { .. }) = verdict {
                db::set_window(tx, peer.id, &window)?;
                handled = handle(tx, keys, &peer, &opened, &message_id, now)?;
            }
            Ok::<_, Error>((verdict, handled))
        })?;
        match outcome {
            (Ok(Verdict::New { .. }), handled) => {
                report.received += 1;
                match handled {
                    Handled::Revoked => report.revoked.push(peer.bundle.mailbox()),
                    Handled::Alert(row) => report.alerts.push(row),
                    Handled::Receipt => report.receipts += 1,
                    Handled::Status => report.statuses += 1,
                    Handled::Nothing => {}
                }
            }
            (Ok(Verdict::Duplicate), _) => report.duplicates += 1,
            (Err(e), _) => {
                tracing::warn!(error = %e, "envelope refused");
                report.refused += 1;
            }
        }
        Ok(())
    }

    async fn receive_hello(
        &self,
        relay: &RelayClient,
        keys: &DeviceKeys,
        bytes: &[u8],
        now: UtcDateTime,
        now_s: u64,
        report: &mut SyncReport,
    ) -> Result<(), Error> {
        for id in self.store.read(|c| db::open_invitations(c, now))? {
            let Some(code) = self
                .secrets
                .load(invite_secret(&id))
                .map_err(AlertsError::from)?
            else {
                continue;
            };
            let Ok(code) = PairingCode::parse(&String::from_utf8_lossy(&code)) else {
                continue;
            };
            let secrets = code.secrets();
            let Ok(opened) =
                envelope::open_hello(keys, bytes, &secrets.psk, &secrets.invite_id, now_s)
            else {
                continue;
            };
            let bundle = serde_json::from_slice::<serde_json::Value>(&opened.plaintext)
                .ok()
                .filter(|v| v["type"] == "pairing_hello")
                .and_then(|v| v["bundle"].as_str().map(Bundle::parse_b64u));
            let Some(Ok(bundle)) = bundle else {
                report.refused += 1;
                return Ok(());
            };
            if bundle.mailbox() != opened.header.sender {
                report.refused += 1;
                return Ok(());
            }
            let name = format!("Caregiver {}", self.store.read(db::peers)?.len() + 1);
            self.store.write(|tx| {
                let peer = db::upsert_peer(tx, &bundle, PeerRole::Caregiver, &name, now)?;
                // Paired again: a consent given to the earlier pairing ends now.
                db::end_with_pairings(tx)?;
                let mut window = super::SenderWindow::default();
                let _ = window.accept(&opened.header, now_s);
                db::set_window(tx, peer, &window)?;
                db::claim_invitation(tx, &id, peer, now)
            })?;
            if let Err(e) = relay.delete_invitation(keys, &secrets.invite_id).await {
                tracing::info!(error = %e, "claimed invitation left to expire on the relay");
            }
            report.paired.push(bundle.mailbox());
            report.received += 1;
            return Ok(());
        }
        report.refused += 1;
        Ok(())
    }

    /// Removes from the key store the codes of invitations that can no longer be claimed.
    fn forget_finished_invitations(&self) -> Result<(), Error> {
        let now = self.clock.now();
        for id in self.store.read(|c| db::finished_invitations(c, now))? {
            self.secrets
                .delete(invite_secret(&id))
                .map_err(AlertsError::from)?;
        }
        Ok(())
    }

    fn peer(&self, mailbox: MailboxId) -> Result<PeerRecord, Error> {
        self.store
            .read(|c| db::peer(c, mailbox))?
            .ok_or(Error::UnknownPeer)
    }
}

// What the heartbeat and the push (`heartbeat.rs`, `push.rs`) use of a session.
impl Session {
    pub(super) fn store(&self) -> &Arc<Store> {
        &self.store
    }

    pub(super) fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }
}

/// Stores an alert and one sealed copy for each confirmed caregiver, in the caller's
/// transaction. Returns the alert's id.
fn raise_in(
    tx: &rusqlite::Transaction<'_>,
    keys: &DeviceKeys,
    alert: NewAlert,
    condition: Option<&str>,
    now: UtcDateTime,
) -> Result<String, Error> {
    let message = AlertMessage {
        alert_id: b64u(&random::bytes::<16>()?),
        category: alert.category,
        priority: alert.priority,
        raised_at: now.timestamp(),
        sent_at: now.timestamp(),
        title: alert.title,
        body: alert.body,
        cancel_token: None,
        escalation: None,
        reminder: None,
    };
    let plaintext = Message::Alert(message.clone()).to_json();
    db::insert_alert(tx, &message, condition)?;
    for peer in db::peers(tx)?
        .iter()
        .filter(|p| p.role == PeerRole::Caregiver && p.state == PeerState::Confirmed)
    {
        let id = enqueue_sealed(tx, keys, peer, Kind::Alert, &plaintext, now, ALERT_TTL)?;
        db::insert_delivery(tx, &id, &message.alert_id, peer.id, Purpose::Alert, now)?;
    }
    Ok(message.alert_id)
}

/// What a new envelope from a peer was.
pub(super) enum Handled {
    Nothing,
    Revoked,
    /// An alert stored, or counted again, on the inbox row with this message id.
    Alert(String),
    Receipt,
    Status,
}

/// Stores what a new envelope from `peer` says, in the caller's transaction (the receipt an alert
/// is owed goes into the outbox in the same one).
pub(super) fn handle(
    tx: &rusqlite::Transaction<'_>,
    keys: &DeviceKeys,
    peer: &PeerRecord,
    opened: &envelope::OpenedEnvelope,
    message_id: &str,
    now: UtcDateTime,
) -> Result<Handled, Error> {
    let kind = Kind::from_code(opened.header.kind);
    if kind == Some(Kind::Revocation) {
        db::set_peer_state(tx, peer.id, PeerState::Revoked, now)?;
        db::end_with_pairings(tx)?;
        return Ok(Handled::Revoked);
    }
    match (kind, Message::parse(&opened.plaintext), peer.role) {
        (Some(Kind::Alert), Some(Message::Alert(alert)), PeerRole::Patient) => {
            let row = match db::insert_inbox(tx, message_id, peer.id, &alert, now)? {
                db::Stored::Duplicate => return Ok(Handled::Nothing),
                db::Stored::New => message_id.to_owned(),
                db::Stored::Again(row) => row,
            };
            {
                let receipt = Message::Receipt(ReceiptMessage {
                    for_ids: vec![message_id.to_owned()],
                    state: ReceiptState::Delivered,
                    at: now.timestamp(),
                    until: None,
                });
                enqueue_sealed(
                    tx,
                    keys,
                    peer,
                    Kind::Receipt,
                    &receipt.to_json(),
                    now,
                    RECEIPT_TTL,
                )?;
            }
            Ok(Handled::Alert(row))
        }
        (Some(Kind::Receipt), Some(Message::Receipt(receipt)), PeerRole::Caregiver) => {
            db::apply_receipt(tx, peer.id, &receipt)?;
            if matches!(
                receipt.state,
                ReceiptState::Acknowledged | ReceiptState::Snoozed
            ) {
                // Someone answered: the escalation stops (the caregiver's phone cancels too;
                // either is enough, and the relay takes a token twice).
                for id in &receipt.for_ids {
                    if let Some(alert) = db::alert_of_copy(tx, id)?
                        && let Some(token) = db::cancel_token_of(tx, &alert)?
                    {
                        db::owe_cancel(tx, &token, now, now + chrono_ttl(ALERT_TTL))?;
                    }
                }
            }
            Ok(Handled::Receipt)
        }
        (Some(Kind::Status), _, PeerRole::Patient) => {
            let newer =
                super::status::receive(tx, peer.id, opened.header.seq, &opened.plaintext, now)?;
            Ok(if newer {
                Handled::Status
            } else {
                Handled::Nothing
            })
        }
        // A kind or type from a newer version, or one this side does not take: kept out.
        _ => Ok(Handled::Nothing),
    }
}

/// Seals `plaintext` for `peer` with the next sequence number and puts it in the outbox, in the
/// caller's transaction. Returns the message id.
pub(crate) fn enqueue_sealed(
    tx: &rusqlite::Transaction<'_>,
    keys: &DeviceKeys,
    peer: &PeerRecord,
    kind: Kind,
    plaintext: &[u8],
    now: UtcDateTime,
    ttl: Duration,
) -> Result<String, Error> {
    enqueue_sealed_at(tx, keys, peer, kind, plaintext, now, ttl, now, None)
}

/// As [`enqueue_sealed`], to go at `send_at`, or (with `hold`: release time and cancel hash)
/// to the relay's escalation hold.
#[allow(clippy::too_many_arguments)]
fn enqueue_sealed_at(
    tx: &rusqlite::Transaction<'_>,
    keys: &DeviceKeys,
    peer: &PeerRecord,
    kind: Kind,
    plaintext: &[u8],
    now: UtcDateTime,
    ttl: Duration,
    send_at: UtcDateTime,
    hold: Option<(UtcDateTime, &str)>,
) -> Result<String, Error> {
    let header = EnvelopeHeader {
        kind: kind as u8,
        recipient: peer.bundle.mailbox(),
        sender: keys.mailbox(),
        message_id: random::bytes()?,
        seq: db::take_seq(tx, peer.id)?,
        expires_at: expiry(now, ttl),
    };
    let sealed = envelope::seal(keys, &peer.bundle, &header, plaintext, None)?;
    let id = b64u(&header.message_id);
    db::enqueue_at(
        tx,
        &db::Queued {
            peer: peer.id,
            message_id: &id,
            kind: kind as u8,
            envelope: &sealed,
            now,
            expires_at: now + chrono_ttl(ttl),
            send_at,
            hold,
        },
    )?;
    Ok(id)
}

/// A std duration as chrono's (zero if it does not fit).
pub(super) fn chrono_ttl(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or_default()
}

/// Closes an alert whose condition ended: its unsent copies go no more, its escalation is
/// cancelled on the relay.
fn end_alert(
    tx: &rusqlite::Transaction<'_>,
    alert_id: &str,
    cancel_token: Option<&str>,
    now: UtcDateTime,
) -> Result<(), Error> {
    db::clear_alert(tx, alert_id, now)?;
    db::drop_unsent_copies(tx, alert_id)?;
    if let Some(token) = cancel_token {
        db::owe_cancel(tx, token, now, now + chrono_ttl(ALERT_TTL))?;
    }
    Ok(())
}

/// One run of the rules on the patient's phone: who gets which copy, when.
struct Plan<'a> {
    keys: &'a DeviceKeys,
    caregivers: &'a [(PeerRecord, CaregiverSettings)],
    zone: Zone,
    now: UtcDateTime,
}

impl Plan<'_> {
    /// Raises a condition newly holding: the alert, a copy for each caregiver on call among
    /// `interested` (indexes into `caregivers`), and, for a high-priority alert, its
    /// escalation. Returns the alert's id.
    fn raise(
        &self,
        tx: &rusqlite::Transaction<'_>,
        c: &rules::Condition,
        interested: &[usize],
    ) -> Result<String, Error> {
        let escalates = c.priority == AlertPriority::High && !interested.is_empty();
        let token = if escalates {
            Some(random::bytes::<16>()?)
        } else {
            None
        };
        let message = AlertMessage {
            alert_id: b64u(&random::bytes::<16>()?),
            category: c.category,
            priority: c.priority,
            raised_at: self.now.timestamp(),
            sent_at: self.now.timestamp(),
            title: c.title.clone(),
            body: c.body.clone(),
            cancel_token: token.map(|t| b64u(&t)),
            escalation: None,
            reminder: None,
        };
        db::insert_alert(tx, &message, Some(&c.key))?;
        let first = self.recipients(interested);
        for &i in &first {
            self.send_copy(tx, i, &message, Purpose::Alert, self.now, None)?;
        }
        if let Some(token) = token {
            let hash = b64u(&thecal_proto::cancel_hash(&token));
            let rota: Vec<(i64, u32)> = self
                .caregivers
                .iter()
                .map(|(p, s)| (p.id, s.rota_position))
                .collect();
            let first_ids: Vec<i64> = first.iter().map(|&i| self.caregivers[i].0.id).collect();
            let delay = chrono_ttl(policy::ESCALATION_DELAY);
            for (step, ids) in (1u32..).zip(policy::escalation_steps(&first_ids, &rota)) {
                let release = self.now + delay * i32::try_from(step).unwrap_or(i32::MAX);
                let copy = AlertMessage {
                    escalation: Some(EscalationStep { step }),
                    ..message.clone()
                };
                for id in ids {
                    if let Some(i) = self.caregivers.iter().position(|(p, _)| p.id == id) {
                        self.send_copy(tx, i, &copy, Purpose::Escalation, release, Some(&hash))?;
                    }
                }
            }
        }
        Ok(message.alert_id)
    }

    /// A condition that holds on: a first copy for a caregiver who became interested or went on
    /// call since, and the reminders due.
    fn follow_up(
        &self,
        tx: &rusqlite::Transaction<'_>,
        message: &AlertMessage,
        interested: &[usize],
    ) -> Result<(), Error> {
        let copies = db::copies(tx, &message.alert_id, self.now)?;
        let has_copy = |i: usize| copies.iter().any(|c| c.peer == self.caregivers[i].0.id);
        for i in self.recipients(interested) {
            if !has_copy(i) {
                self.send_copy(tx, i, message, Purpose::Alert, self.now, None)?;
            }
        }
        for copy in &copies {
            let Some(i) = self.caregivers.iter().position(|(p, _)| p.id == copy.peer) else {
                continue; // revoked since, or no longer confirmed
            };
            let Some(last) = copy.last_copy else { continue };
            let settings = &self.caregivers[i].1;
            if !policy::reminder_due(settings, last, copy.acknowledged, copy.snooze, self.now)
                || settings.send_at(self.now, self.zone, message.category, message.priority)
                    > self.now
            {
                continue;
            }
            let reminder = AlertMessage {
                reminder: Some(copy.reminders + 1),
                ..message.clone()
            };
            self.send_copy(tx, i, &reminder, Purpose::Reminder, self.now, None)?;
        }
        Ok(())
    }

    /// Who among `interested` gets an alert now (`policy::recipients`).
    fn recipients(&self, interested: &[usize]) -> Vec<usize> {
        let candidates: Vec<(i64, &CaregiverSettings)> = interested
            .iter()
            .map(|&i| (self.caregivers[i].0.id, &self.caregivers[i].1))
            .collect();
        let ids = policy::recipients(&candidates, self.now, self.zone);
        interested
            .iter()
            .copied()
            .filter(|&i| ids.contains(&self.caregivers[i].0.id))
            .collect()
    }

    /// Seals a copy for caregiver `i`, to go at `from` or when their quiet hours end; with
    /// `cancel_hash`, an escalation step handed to the relay now and released by it then.
    fn send_copy(
        &self,
        tx: &rusqlite::Transaction<'_>,
        i: usize,
        message: &AlertMessage,
        purpose: Purpose,
        from: UtcDateTime,
        cancel_hash: Option<&str>,
    ) -> Result<(), Error> {
        let (peer, settings) = &self.caregivers[i];
        let at = settings.send_at(from, self.zone, message.category, message.priority);
        let plaintext = Message::Alert(AlertMessage {
            sent_at: at.timestamp(),
            ..message.clone()
        })
        .to_json();
        let (send_at, hold) = match cancel_hash {
            Some(hash) => (self.now, Some((at, hash))),
            None => (at, None),
        };
        let id = enqueue_sealed_at(
            tx,
            self.keys,
            peer,
            Kind::Alert,
            &plaintext,
            self.now,
            ALERT_TTL,
            send_at,
            hold,
        )?;
        db::insert_delivery(tx, &id, &message.alert_id, peer.id, purpose, at)?;
        Ok(())
    }
}

fn expiry(now: UtcDateTime, ttl: Duration) -> u64 {
    u64::try_from(now.timestamp()).unwrap_or(0) + ttl.as_secs()
}

/// Where an invitation's code is kept in the platform key store.
fn invite_secret(invite_id: &str) -> String {
    format!("thecal.alerts.invite.{invite_id}")
}

/// The wait before try `attempts + 1`: 5 s doubling to 15 minutes.
fn backoff(attempts: u32) -> Duration {
    Duration::from_secs(5u64.saturating_mul(1 << attempts.min(16))).min(MAX_BACKOFF)
}

fn invitation_error(e: RelayError) -> Error {
    match e.code() {
        Some("not_found") => Error::InvitationNotFound,
        Some("invitation_used") => Error::InvitationUsed,
        Some("invitation_expired") => Error::InvitationExpired,
        _ => Error::Relay(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_a_quarter_of_an_hour() {
        assert_eq!(backoff(0), Duration::from_secs(5));
        assert_eq!(backoff(1), Duration::from_secs(10));
        assert_eq!(backoff(5), Duration::from_secs(160));
        assert_eq!(backoff(8), MAX_BACKOFF);
        assert_eq!(backoff(u32::MAX), MAX_BACKOFF);
    }
}
