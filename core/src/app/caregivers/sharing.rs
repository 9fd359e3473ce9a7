//! Status sharing as the apps reach it (`crate::alerts::status`): on the patient's phone, the
//! consents (grant, withdraw, list), the interval and sharing what is due; on a caregiver's, the
//! patients followed with their latest status.

use std::sync::Arc;

use super::{Caregivers, device};
use crate::alerts::Session;
use crate::alerts::db::{self as alerts_db, PeerState};
use crate::alerts::session::Error;
use crate::alerts::status::{self, EVERY_MINUTES, FollowedPatient, StatusConsent, StatusMessage};
use crate::app::{CaregiverError, Inner};
use crate::model::InvalidInput;

/// Puts the current snapshot in the outbox for each caregiver it is due for (the caller sends
/// the outbox). Returns how many were queued.
async fn share_now(inner: &Arc<Inner>, session: &Session) -> Result<u32, CaregiverError> {
    let now = inner.now();
    let dashboard = inner.dashboard_at::<CaregiverError>(now).await?;
    let snapshot = StatusMessage::from_dashboard(&dashboard);
    let keys = session.keys()?;
    let queued = inner
        .store
        .write(|tx| status::share_due(tx, &keys, &snapshot, now))
        .map_err(CaregiverError::from)?;
    Ok(queued)
}

/// [`share_now`] for the automatic alerts' loop: errors are logged, the loop sends the outbox.
pub(super) async fn share_in_loop(inner: &Arc<Inner>, session: &Session) {
    if !matches!(inner.store.read(status::any_open), Ok(true)) {
        return;
    }
    if let Err(e) = share_now(inner, session).await {
        tracing::warn!(error = %e, "the status could not be shared; trying again");
    }
}

/// Before the patient revokes `mailbox`: a status still waiting for it in the outbox does not go
/// (the consent itself ends with the pairing).
pub(super) fn before_revoke(
    inner: &Arc<Inner>,
    mailbox: thecal_proto::MailboxId,
) -> Result<(), CaregiverError> {
    let now = inner.now();
    inner.store.write(|tx| match alerts_db::peer(tx, mailbox)? {
        Some(peer) => Ok(status::drop_waiting(tx, peer.id, now)?),
        None => Ok::<_, CaregiverError>(()),
    })
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Caregivers {
    /// Records the patient's consent to share their status (reservoir, battery, forecast dates,
    /// the link and the data's age, open alarms) with the confirmed caregiver `id`, and sends the
    /// first snapshot. Sharing is off until this is called; nothing new if it is on already.
    /// Returns the consent.
    ///
    /// # Errors
    /// [`CaregiverError::InvalidInput`] before the safety number is confirmed,
    /// [`CaregiverError::NotPaired`] for a device that is not a paired caregiver, and others.
    pub async fn share_status_with(&self, id: String) -> Result<StatusConsent, CaregiverError> {
        let mailbox = device(&id)?;
        let (inner, session) = (Arc::clone(&self.inner), self.session.clone());
        let language = self.inner.language.get();
        self.inner
            .run_async::<_, _, CaregiverError>("sharing the status", async move {
                let now = inner.now();
                inner.store.write(|tx| {
                    let peer = alerts_db::peer(tx, mailbox)?.ok_or(Error::UnknownPeer)?;
                    if peer.state == PeerState::Unconfirmed {
                        return Err(CaregiverError::from(InvalidInput::new(
                            "id",
                            "Compare the safety number with this caregiver and confirm it first.",
                        )));
                    }
                    Ok(status::grant(tx, &peer, now)?)
                })?;
                share_now(&inner, &session).await?;
                if let Err(e) = session.send_pending().await {
                    tracing::info!(error = %e, "status queued; it goes when the relay is reachable");
                }
                open_consent(&inner, &id, language)
            })
            .await
    }

    /// Withdraws the patient's consent for caregiver `id`: no snapshot goes from now on, and the
    /// caregiver's phone is told sharing ended (it stops showing the last status). The consent
    /// stays in [`Caregivers::consents`] with when it was withdrawn.
    ///
    /// # Errors
    /// [`CaregiverError::NotPaired`] for a device never paired, and others.
    pub async fn withdraw_status_consent(&self, id: String) -> Result<(), CaregiverError> {
        let mailbox = device(&id)?;
        let (inner, session) = (Arc::clone(&self.inner), self.session.clone());
        self.inner
            .run_async::<_, _, CaregiverError>("withdrawing a consent", async move {
                let keys = session.keys()?;
                let now = inner.now();
                let withdrawn = inner.store.write(|tx| {
                    let peer = alerts_db::peer(tx, mailbox)?.ok_or(Error::UnknownPeer)?;
                    status::withdraw(tx, &keys, &peer, now)
                })?;
                if withdrawn && let Err(e) = session.send_pending().await {
                    tracing::info!(error = %e, "the end of sharing is queued");
                }
                Ok::<_, CaregiverError>(())
            })
            .await
    }

    /// Every consent the patient gave (who, what, when granted, when withdrawn and why), open
    /// ones first, then newest first. A consent ends when the patient withdraws it or the
    /// pairing with the caregiver ends.
    ///
    /// # Errors
    /// A storage error.
    pub async fn consents(&self) -> Result<Vec<StatusConsent>, CaregiverError> {
        let inner = Arc::clone(&self.inner);
        let language = self.inner.language.get();
        self.inner
            .run_async::<_, _, CaregiverError>("reading the consents", async move {
                // Pairings end their consents in the same transaction; this ends those a version
                // before that left open.
                inner.store.write(alerts_db::end_with_pairings)?;
                Ok::<_, CaregiverError>(inner.store.read(|c| status::consents(c, language))?)
            })
            .await
    }

    /// Sends the status to each caregiver with the patient's consent for whom one is due: when
    /// what it shows changed since the last one (the times left out), or when the last one is
    /// older than the interval ([`Caregivers::set_status_interval`]). `watch_alerts` does this
    /// by itself; call it when not watching. Returns how many snapshots were queued.
    ///
    /// # Errors
    /// [`CaregiverError`].
    pub async fn share_status(&self) -> Result<u32, CaregiverError> {
        let (inner, session) = (Arc::clone(&self.inner), self.session.clone());
        self.inner
            .run_async::<_, _, CaregiverError>("sharing the status", async move {
                let queued = share_now(&inner, &session).await?;
                if queued > 0
                    && let Err(e) = session.send_pending().await
                {
                    tracing::info!(error = %e, "status queued; it goes when the relay is reachable");
                }
                Ok::<_, CaregiverError>(queued)
            })
            .await
    }

    /// Sets how often the status goes to caregivers when nothing changes: 5 to 1440 minutes
    /// (30 until set).
    ///
    /// # Errors
    /// [`CaregiverError::InvalidInput`] outside that range; a storage error.
    pub async fn set_status_interval(&self, minutes: u32) -> Result<(), CaregiverError> {
        if !EVERY_MINUTES.contains(&minutes) {
            return Err(InvalidInput::new(
                "minutes",
                "Choose an interval from 5 minutes to 24 hours (1440 minutes).",
            )
            .into());
        }
        self.inner
            .write_blocking::<_, _, CaregiverError>("setting the status interval", move |tx| {
                status::set_every_minutes(tx, minutes)
            })
            .await
    }

    /// The patients this phone follows (a caregiver's), in pairing order: each with their latest
    /// status and its age, "no status shared" when none came, and whether sharing ended (then
    /// no status is shown). Read the mailbox first for the newest.
    ///
    /// # Errors
    /// A storage error.
    pub async fn patients(&self) -> Result<Vec<FollowedPatient>, CaregiverError> {
        let inner = Arc::clone(&self.inner);
        let language = self.inner.language.get();
        self.inner
            .run_async::<_, _, CaregiverError>("reading the patients", async move {
                let now = inner.now();
                Ok::<_, CaregiverError>(inner.store.read(|c| status::followed(c, now, language))?)
            })
            .await
    }
}

/// The open consent for caregiver `id`.
fn open_consent(
    inner: &Arc<Inner>,
    id: &str,
    language: crate::l10n::Language,
) -> Result<StatusConsent, CaregiverError> {
    inner
        .store
        .read(|c| status::consents(c, language))?
        .into_iter()
        .find(|c| c.caregiver_id == id && c.withdrawn_at.is_none())
        .ok_or(CaregiverError::NotPaired)
}
