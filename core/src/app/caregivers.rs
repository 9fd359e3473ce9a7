//! `Caregivers`: caregiver alerts as the apps reach them, on the patient's phone (invite,
//! confirm, raise from the rules, see the receipts) and on a caregiver's (accept, the inbox,
//! acknowledge). Every call is async: each talks to the relay through the app's HTTP stack.

use std::sync::Arc;

use super::{CaregiverError, Inner};
use crate::alerts::db::{Delivery, InboxAlert, PeerRecord, PeerRole, PeerState};
use crate::alerts::heartbeat::{CheckInSchedule, PhoneNotice, PhoneWatch};
use crate::alerts::http::HttpClient;
use crate::alerts::policy::CaregiverSettings;
use crate::alerts::push::{PushContent, PushTarget};
use crate::alerts::rules;
use crate::alerts::{Session, SyncReport};
use crate::link::Subscription;
use crate::model::{UtcDateTime, Zone};
use thecal_proto::MailboxId;

mod sharing;

/// An invitation for a caregiver, as the patient's phone shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CaregiverInvitation {
    /// The code to read out or type: `XXXXX-XXXXX`.
    pub code: String,
    /// The text of the QR code to show.
    pub qr_text: String,
    /// Until when it can be used.
    pub expires_at: UtcDateTime,
}

/// A device paired with this phone.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PairedDevice {
    /// Its id (the relay mailbox it reads).
    pub id: String,
    /// The name the person gave it on this phone.
    pub name: String,
    /// What it is to this phone.
    pub role: PeerRole,
    /// Where the pairing stands.
    pub state: PeerState,
    /// When it was paired.
    pub paired_at: UtcDateTime,
    /// When this phone's person confirmed the safety number.
    pub confirmed_at: Option<UtcDateTime>,
    /// When it was revoked.
    pub revoked_at: Option<UtcDateTime>,
    /// Messages from it not arrived yet while later ones did ("1 message missing"): shown
    /// until they arrive, or can no longer arrive.
    pub missing_messages: u32,
}

impl From<PeerRecord> for PairedDevice {
    fn from(p: PeerRecord) -> Self {
        Self {
            id: p.bundle.mailbox().to_string(),
            name: p.name,
            role: p.role,
            state: p.state,
            paired_at: p.paired_at,
            confirmed_at: p.confirmed_at,
            revoked_at: p.revoked_at,
            missing_messages: u32::try_from(p.missing).unwrap_or(u32::MAX),
        }
    }
}

/// What one read of the mailbox brought.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MailboxRead {
    /// Devices newly paired (ids).
    pub paired: Vec<String>,
    /// Alerts newly in the inbox, or repeated (a reminder, an escalation step: notify again):
    /// the message ids of their inbox rows.
    pub alerts: Vec<String>,
    /// Receipts applied to this phone's alerts.
    pub receipts: u32,
    /// Pairings the other side ended (ids).
    pub revoked: Vec<String>,
    /// Messages refused (altered, replayed, expired, from a stranger).
    pub refused: u32,
    /// Messages from a newer version of Thecal (tell the person to update).
    pub too_new: u32,
    /// Patients' status snapshots newly stored (see `Caregivers::patients`).
    pub statuses: u32,
    /// Notices about a patient's phone newly stored (ids; see `Caregivers::phone_notices`).
    pub notices: Vec<String>,
}

impl From<SyncReport> for MailboxRead {
    fn from(r: SyncReport) -> Self {
        Self {
            paired: r.paired.iter().map(ToString::to_string).collect(),
            alerts: r.alerts,
            receipts: r.receipts,
            revoked: r.revoked.iter().map(ToString::to_string).collect(),
            refused: r.refused,
            too_new: r.too_new,
            statuses: r.statuses,
            notices: r.notices,
        }
    }
}

/// Caregiver alerts, end to end encrypted through a relay. Get it from
/// `Thecal::caregivers(http)`, passing the app's HTTP stack.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct Caregivers {
    inner: Arc<Inner>,
    session: Session,
}

impl Caregivers {
    pub(super) fn new(inner: Arc<Inner>, http: Arc<dyn HttpClient>) -> Self {
        let session = Session::new(
            Arc::clone(&inner.store),
            Arc::clone(&inner.secrets),
            http,
            Arc::clone(&inner.clock),
        );
        Self { inner, session }
    }
}

/// Runs the rules on what the store holds now (the dashboard's view of it), each caregiver with
/// their own settings, in the patient's zone and language.
async fn evaluate_now(
    inner: &Arc<Inner>,
    session: &Session,
) -> Result<Vec<String>, CaregiverError> {
    let now = inner.now();
    let dashboard = inner.dashboard_at::<CaregiverError>(now).await?;
    let language = inner.language.get();
    let zone = Zone::get(&dashboard.time_zone).unwrap_or(Zone::UTC);
    let session = session.clone();
    inner
        .run_async::<_, _, CaregiverError>("raising alerts", async move {
            session
                .evaluate_with(
                    |settings| rules::conditions(&dashboard, now, settings, language),
                    zone,
                )
                .await
        })
        .await
}

/// How often the automatic alerts look again when nothing changes.
const ALERT_TICK: std::time::Duration = std::time::Duration::from_secs(60);

/// [`Caregivers::watch_alerts`]' task: the rules after every change and every [`ALERT_TICK`].
/// It writes only the alerts' own tables and does not bump `changes` (that would wake itself).
/// It holds the app weakly: when the app is closed, it ends.
async fn alert_loop(
    inner: std::sync::Weak<Inner>,
    session: Session,
    mut changes: tokio::sync::watch::Receiver<u64>,
) {
    loop {
        changes.borrow_and_update();
        let Some(app) = inner.upgrade() else { return };
        let evaluated = evaluate_now(&app, &session).await;
        drop(app);
        if let Err(e) = evaluated {
            tracing::warn!(error = %e, "the automatic alert rules failed; trying again");
        }
        if let Some(app) = inner.upgrade() {
            sharing::share_in_loop(&app, &session).await;
        }
        if let Err(e) = session.send_pending().await {
            tracing::info!(error = %e, "alerts queued; they go when the relay is reachable");
        }
        tokio::select! {
            r = changes.changed() => if r.is_err() { return },
            () = tokio::time::sleep(ALERT_TICK) => {}
        }
    }
}

fn device(id: &str) -> Result<MailboxId, CaregiverError> {
    MailboxId::parse(id).ok_or(CaregiverError::NotPaired)
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Caregivers {
    /// Shows a new invitation (the patient's phone) on the relay at `relay_url`
    /// (`https://relay.example.org`): a code and a QR code, valid for 10 minutes and once.
    ///
    /// # Errors
    /// [`CaregiverError`].
    pub async fn invite(&self, relay_url: String) -> Result<CaregiverInvitation, CaregiverError> {
        let session = self.session.clone();
        let inv = self
            .inner
            .run_async::<_, _, CaregiverError>("inviting a caregiver", async move {
                session.invite(&relay_url).await
            })
            .await?;
        Ok(CaregiverInvitation {
            code: inv.code,
            qr_text: inv.qr_text,
            expires_at: inv.expires_at,
        })
    }

    /// Accepts an invitation (a caregiver's phone): `text` is the scanned QR text, or the typed
    /// code with `relay_host` (as the patient's phone shows it). `patient_name` is how this phone
    /// will call the patient.
    ///
    /// # Errors
    /// [`CaregiverError::InvitationNotFound`], [`CaregiverError::InvitationUsed`],
    /// [`CaregiverError::InvitationExpired`], [`CaregiverError::BadInvitation`], and others.
    pub async fn accept_invitation(
        &self,
        text: String,
        relay_host: Option<String>,
        patient_name: String,
    ) -> Result<PairedDevice, CaregiverError> {
        let session = self.session.clone();
        let peer = self
            .inner
            .run_async::<_, _, CaregiverError>("accepting an invitation", async move {
                session
                    .accept(&text, relay_host.as_deref(), &patient_name)
                    .await
            })
            .await?;
        Ok(peer.into())
    }

    /// Every device paired with this phone, ended pairings included.
    ///
    /// # Errors
    /// A storage error.
    pub async fn paired_devices(&self) -> Result<Vec<PairedDevice>, CaregiverError> {
        let session = self.session.clone();
        let peers = self
            .inner
            .run_async::<_, _, CaregiverError>("reading the paired devices", async move {
                session.peers()
            })
            .await?;
        Ok(peers.into_iter().map(Into::into).collect())
    }

    /// The safety number of this phone and the device `id`: both phones show the same six
    /// groups of digits, and the two people compare them.
    ///
    /// # Errors
    /// [`CaregiverError::NotPaired`], [`CaregiverError::KeyStoreUnavailable`].
    pub async fn safety_number(&self, id: String) -> Result<String, CaregiverError> {
        let (session, mailbox) = (self.session.clone(), device(&id)?);
        self.inner
            .run_async::<_, _, CaregiverError>("computing a safety number", async move {
                session.safety_number(mailbox)
            })
            .await
    }

    /// Records that the safety numbers matched: alerts flow to and from this device.
    ///
    /// # Errors
    /// [`CaregiverError::NotPaired`], a storage error.
    pub async fn confirm(&self, id: String) -> Result<PairedDevice, CaregiverError> {
        let (session, mailbox) = (self.session.clone(), device(&id)?);
        let peer = self
            .inner
            .run_async::<_, _, CaregiverError>("confirming a pairing", async move {
                let peer = session.confirm(mailbox)?;
                // The relay's watch of this phone now tells this caregiver too (in passing:
                // offline, at the next talk with the relay).
                session.keep_watch_quietly().await;
                Ok::<_, crate::alerts::session::Error>(peer)
            })
            .await?;
        Ok(peer.into())
    }

    /// Names a paired device on this phone.
    ///
    /// # Errors
    /// [`CaregiverError::NotPaired`], a storage error.
    pub async fn rename(&self, id: String, name: String) -> Result<(), CaregiverError> {
        let (session, mailbox) = (self.session.clone(), device(&id)?);
        self.inner
            .run_async::<_, _, CaregiverError>("renaming a paired device", async move {
                session.rename(mailbox, &name)
            })
            .await
    }

    /// Ends a pairing; the other phone is told, and nothing more flows.
    ///
    /// # Errors
    /// [`CaregiverError::NotPaired`], a storage error.
    pub async fn revoke(&self, id: String) -> Result<(), CaregiverError> {
        let (session, mailbox) = (self.session.clone(), device(&id)?);
        let inner = Arc::clone(&self.inner);
        self.inner
            .run_async::<_, _, CaregiverError>("revoking a pairing", async move {
                sharing::before_revoke(&inner, mailbox)?;
                Ok::<_, CaregiverError>(session.revoke(mailbox).await?)
            })
            .await
    }

    /// Reads the mailbox once, waiting up to `wait_seconds` (0–30) for something: new pairings,
    /// alerts, receipts. What arrives is stored before the relay is told it may delete it.
    ///
    /// # Errors
    /// [`CaregiverError::NotSetUp`], [`CaregiverError::RelayUnreachable`], and others.
    pub async fn read_mailbox(&self, wait_seconds: u32) -> Result<MailboxRead, CaregiverError> {
        let session = self.session.clone();
        let report = self
            .inner
            .run_async::<_, _, CaregiverError>("reading the mailbox", async move {
                session.sync(wait_seconds.min(30)).await
            })
            .await?;
        Ok(report.into())
    }

    /// Sends what waits in the outbox (alerts, receipts); returns how many the relay took.
    ///
    /// # Errors
    /// [`CaregiverError::NotSetUp`], a storage error.
    pub async fn send_pending(&self) -> Result<u32, CaregiverError> {
        let session = self.session.clone();
        self.inner
            .run_async::<_, _, CaregiverError>("sending the outbox", async move {
                session.send_pending().await
            })
            .await
    }

    /// Runs the alert rules on what the home screen shows now (the patient's phone): each
    /// condition that holds and was not told yet goes to the confirmed caregivers. Returns the
    /// ids of the alerts raised.
    ///
    /// # Errors
    /// [`CaregiverError`].
    pub async fn check_alerts(&self) -> Result<Vec<String>, CaregiverError> {
        evaluate_now(&self.inner, &self.session).await
    }

    /// A caregiver's alert settings on this phone (the patient's): which rules and thresholds,
    /// quiet hours, when they are on call, reminders, their place in the rota.
    ///
    /// # Errors
    /// [`CaregiverError::NotPaired`], a storage error.
    pub async fn caregiver_settings(
        &self,
        id: String,
    ) -> Result<CaregiverSettings, CaregiverError> {
        let (session, mailbox) = (self.session.clone(), device(&id)?);
        self.inner
            .run_async::<_, _, CaregiverError>("reading a caregiver's settings", async move {
                session.caregiver_settings(mailbox)
            })
            .await
    }

    /// Changes a caregiver's alert settings; they apply from the next run of the rules.
    ///
    /// # Errors
    /// [`CaregiverError::InvalidInput`] naming the field, [`CaregiverError::NotPaired`], a
    /// storage error.
    pub async fn set_caregiver_settings(
        &self,
        id: String,
        settings: CaregiverSettings,
    ) -> Result<(), CaregiverError> {
        let (session, mailbox) = (self.session.clone(), device(&id)?);
        self.inner
            .run_async::<_, _, CaregiverError>("changing a caregiver's settings", async move {
                session.set_caregiver_settings(mailbox, &settings)
            })
            .await
    }

    /// Snoozes an alert on the caregiver's phone: no reminder of it for `minutes`, or, with
    /// none, while its condition holds. The patient's phone is told, and stops asking the next
    /// caregiver (someone answered).
    ///
    /// # Errors
    /// [`CaregiverError::CannotSnooze`] for a high-priority pump alarm or the pump's end of
    /// service, [`CaregiverError::UnknownAlert`], and others.
    pub async fn snooze(
        &self,
        message_id: String,
        minutes: Option<u32>,
    ) -> Result<(), CaregiverError> {
        let session = self.session.clone();
        self.inner
            .run_async::<_, _, CaregiverError>("snoozing an alert", async move {
                session.snooze(&message_id, minutes).await
            })
            .await
    }

    /// Raises and sends alerts by itself from now on (the patient's phone): the rules run after
    /// every change the app stores or the link reports (readings, alarms, refills, the link
    /// lost) and at least once a minute (for rules that hold after a time, and to retry what
    /// the relay did not take), for as long as the app runs; it shares the status too with the
    /// caregivers the patient consented to (`share_status`). Keep the returned handle;
    /// cancelling or dropping it stops this. Errors are logged, never raised: what could not
    /// go is kept in the outbox and tried again.
    ///
    /// # Errors
    /// None today; a `CaregiverError` is kept for later checks.
    pub async fn watch_alerts(&self) -> Result<Arc<Subscription>, CaregiverError> {
        let (inner, session) = (Arc::clone(&self.inner), self.session.clone());
        self.inner
            .run_async::<_, _, CaregiverError>("watching for alerts", async move {
                inner.follow_link();
                let changes = inner.changes.subscribe();
                let task = inner.runtime.handle().spawn(alert_loop(
                    Arc::downgrade(&inner),
                    session,
                    changes,
                ));
                Ok::<_, CaregiverError>(Subscription::new(move || task.abort()))
            })
            .await
    }

    /// Ends every pairing and deletes everything the caregiver alerts keep, on the relay and on
    /// this phone: each paired device is told, this phone's mailbox on the relay is deleted,
    /// then its alerts, receipts, inbox and keys here. Offline, nothing is deleted and it fails
    /// with `RelayUnreachable`: try again when the phone is online.
    ///
    /// # Errors
    /// [`CaregiverError`].
    pub async fn delete_everything(&self) -> Result<(), CaregiverError> {
        let session = self.session.clone();
        self.inner
            .run_async::<_, _, CaregiverError>("deleting the caregiver alerts' data", async move {
                session.delete_everything().await
            })
            .await
    }

    /// How an alert raised on this phone is doing with each caregiver: delivered, seen,
    /// acknowledged, and when.
    ///
    /// # Errors
    /// A storage error.
    pub async fn deliveries(&self, alert_id: String) -> Result<Vec<Delivery>, CaregiverError> {
        let session = self.session.clone();
        self.inner
            .run_async::<_, _, CaregiverError>("reading deliveries", async move {
                session.deliveries(&alert_id)
            })
            .await
    }

    /// The alerts received on this phone (a caregiver's), newest first.
    ///
    /// # Errors
    /// A storage error.
    pub async fn inbox(&self) -> Result<Vec<InboxAlert>, CaregiverError> {
        let session = self.session.clone();
        self.inner
            .run_async::<_, _, CaregiverError>("reading the inbox", async move { session.inbox() })
            .await
    }

    /// Records that the caregiver saw an alert; the patient's phone is told.
    ///
    /// # Errors
    /// [`CaregiverError::UnknownAlert`], and others.
    pub async fn mark_seen(&self, message_id: String) -> Result<(), CaregiverError> {
        let session = self.session.clone();
        self.inner
            .run_async::<_, _, CaregiverError>("marking an alert seen", async move {
                session.mark_seen(&message_id).await
            })
            .await
    }

    /// Records that the caregiver is taking care of an alert; the patient's phone is told.
    ///
    /// # Errors
    /// [`CaregiverError::UnknownAlert`], and others.
    pub async fn acknowledge(&self, message_id: String) -> Result<(), CaregiverError> {
        let session = self.session.clone();
        self.inner
            .run_async::<_, _, CaregiverError>("acknowledging an alert", async move {
                session.acknowledge(&message_id).await
            })
            .await
    }
}

// The phone-silent alarm and push payloads (docs/alerts-protocol.md §9, §10).
#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Caregivers {
    /// Checks in with the relay now (the patient's phone): call it from the app's background
    /// refresh and when the app starts. The core also checks in by itself whenever it talks to
    /// the relay. It starts again a watch stopped with `stop_watching`. With no confirmed
    /// caregiver, nothing is sent.
    ///
    /// # Errors
    /// [`CaregiverError::RelayUnreachable`] (try again later), [`CaregiverError::NotSetUp`].
    pub async fn check_in(&self) -> Result<PhoneWatch, CaregiverError> {
        let session = self.session.clone();
        self.inner
            .run_async::<_, _, CaregiverError>("checking in with the relay", async move {
                session.check_in().await
            })
            .await
    }

    /// Stops the relay watching this phone, before the patient switches it off on purpose: the
    /// caregivers are not told it went silent. `check_in` starts the watch again.
    ///
    /// # Errors
    /// [`CaregiverError::RelayUnreachable`]: the relay still watches; try again.
    pub async fn stop_watching(&self) -> Result<PhoneWatch, CaregiverError> {
        let session = self.session.clone();
        self.inner
            .run_async::<_, _, CaregiverError>("stopping the phone's watch", async move {
                session.stop_watching().await
            })
            .await
    }

    /// Where this phone stands with the relay's watch: the schedule, the caregivers told, the
    /// last check-in and when the relay would tell them.
    ///
    /// # Errors
    /// A storage error.
    pub async fn phone_watch(&self) -> Result<PhoneWatch, CaregiverError> {
        let session = self.session.clone();
        self.inner
            .run_async::<_, _, CaregiverError>("reading the phone's watch", async move {
                session.phone_watch()
            })
            .await
    }

    /// Sets how often this phone checks in and how late it may be before the caregivers are
    /// told (the patient's choice; default an hour and half an hour), and declares it to the
    /// relay (now if it can be reached, else at the next talk with it).
    ///
    /// # Errors
    /// [`CaregiverError::InvalidInput`] for an interval outside 60 s – 7 days or a grace over a
    /// day; a storage error.
    pub async fn set_check_in_schedule(
        &self,
        schedule: CheckInSchedule,
    ) -> Result<PhoneWatch, CaregiverError> {
        schedule.check()?;
        let session = self.session.clone();
        self.inner
            .run_async::<_, _, CaregiverError>("setting the check-in schedule", async move {
                session.set_check_in_schedule(schedule).await
            })
            .await
    }

    /// The relay's notices about the patients' phones (a caregiver's phone), newest first:
    /// "no news from Maria's phone since 14:05", and "back" when it checks in again; worded in
    /// the app's language with times in its zone. Arrive with `read_mailbox`.
    ///
    /// # Errors
    /// A storage error.
    pub async fn phone_notices(&self) -> Result<Vec<PhoneNotice>, CaregiverError> {
        let (zone, language, now) = (self.inner.zone, self.inner.language.get(), self.inner.now());
        self.inner
            .read_blocking::<_, _, CaregiverError>("reading the phone notices", move |c| {
                crate::alerts::heartbeat::notices(c, language, zone, now)
            })
            .await
    }

    /// Registers where the relay wakes this phone (its APNs token, FCM token or UnifiedPush
    /// endpoint), replacing any; call it again whenever the platform gives a new token.
    ///
    /// # Errors
    /// [`CaregiverError::NotSetUp`], [`CaregiverError::RelayUnreachable`],
    /// [`CaregiverError::RelayRefused`] (a token or endpoint the relay does not take).
    pub async fn set_push_target(&self, target: PushTarget) -> Result<(), CaregiverError> {
        let session = self.session.clone();
        self.inner
            .run_async::<_, _, CaregiverError>("registering for push", async move {
                session.set_push_target(&target).await
            })
            .await
    }

    /// Stops the relay waking this phone (notifications turned off).
    ///
    /// # Errors
    /// As [`Caregivers::set_push_target`].
    pub async fn clear_push_target(&self) -> Result<(), CaregiverError> {
        let session = self.session.clone();
        self.inner
            .run_async::<_, _, CaregiverError>("unregistering from push", async move {
                session.clear_push_target().await
            })
            .await
    }

    /// Opens a push's `thecal` payload (JSON) while the app is open (an FCM message received in
    /// the app's process): as [`crate::PushReader::read`], on this app's store.
    ///
    /// # Errors
    /// As [`crate::PushReader::read`].
    pub async fn open_push(&self, payload: String) -> Result<PushContent, CaregiverError> {
        let (store, secrets, now) = (
            std::sync::Arc::clone(&self.inner.store),
            std::sync::Arc::clone(&self.inner.secrets),
            self.inner.now(),
        );
        self.inner
            .run_blocking::<_, CaregiverError>("opening a push", move |_| {
                super::push::open_push(&store, secrets.as_ref(), &payload, now)
            })
            .await
    }
}
