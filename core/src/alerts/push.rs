//! A push payload opened by the core alone (protocol §10), for the apps' notification extensions
//! (iOS Notification Service Extension, Android's FCM or UnifiedPush receiver).
//!
//! The push's `thecal` object is `{"v":1,"mbx":…,"env":…}` (the sealed envelope), or without
//! `env` when it was too big, or `{"v":1,"mbx":…,"notice":"phone_silent"}`. With an envelope, it
//! is opened with this device's keys and the paired sender's bundle from the store, checked
//! against the sender's window (duplicates, replays) and stored exactly as reading the mailbox
//! stores it (the same [`super::session`] handling, in one transaction, with the receipt it owes
//! put in the outbox): nothing is lost if the app never runs, and the later mailbox read finds
//! it a duplicate. Without one, the app reads the mailbox.

use serde_json::json;
use thecal_proto::{MailboxId, b64u, from_b64u};

use super::db::{self, PeerState};
use super::envelope::{self, Kind};
use super::messages::{AlertCategory, AlertPriority};
use super::session::{self, Handled, Session};
use super::window::Verdict;
use super::{AlertsError, DeviceKeys};
use crate::model::UtcDateTime;
use crate::store::{Store, StoreError};

/// Where the relay wakes this device (protocol §10): the app's push token or endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PushTarget {
    /// Apple's push service: the device token (hex), the app's bundle id, and whether it is
    /// the production service (else the sandbox of development builds).
    Apns {
        /// The device token, hex.
        token: String,
        /// The app's bundle id.
        topic: String,
        /// Production (true) or sandbox (false).
        production: bool,
    },
    /// Firebase Cloud Messaging: the registration token.
    Fcm {
        /// The FCM registration token.
        token: String,
    },
    /// UnifiedPush: the distributor's endpoint URL.
    UnifiedPush {
        /// The endpoint (`https://…`).
        endpoint: String,
    },
}

impl PushTarget {
    /// The protocol's JSON for the relay.
    #[must_use]
    pub fn to_json(&self) -> String {
        match self {
            Self::Apns {
                token,
                topic,
                production,
            } => json!({"provider": "apns", "token": token, "topic": topic,
                "environment": if *production { "production" } else { "sandbox" }}),
            Self::Fcm { token } => json!({"provider": "fcm", "token": token}),
            Self::UnifiedPush { endpoint } => {
                json!({"provider": "unifiedpush", "endpoint": endpoint})
            }
        }
        .to_string()
    }
}

impl Session {
    /// Registers this device's push target with its relay, replacing any: the relay then wakes
    /// it for every item in its mailbox, with the envelope inline when it fits.
    ///
    /// # Errors
    /// [`session::Error::NoRelay`], [`session::Error::Relay`] (offline; or refused: a target the
    /// relay does not take), the key store's error.
    pub async fn set_push_target(&self, target: &PushTarget) -> Result<(), session::Error> {
        let relay = self.relay()?;
        relay.put_push(&self.keys()?, &target.to_json()).await?;
        Ok(())
    }

    /// Removes this device's push target from its relay (the app turned notifications off).
    ///
    /// # Errors
    /// As [`Session::set_push_target`].
    pub async fn clear_push_target(&self) -> Result<(), session::Error> {
        let relay = self.relay()?;
        relay.delete_push(&self.keys()?).await?;
        Ok(())
    }
}

/// What a push says to show.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PushContent {
    /// An alert from a paired patient's phone, stored in the inbox: show it.
    Alert {
        /// The copy's message id (what acknowledging names).
        message_id: String,
        /// The patient's name on this phone.
        patient: String,
        /// Its title, as the patient's phone worded it.
        title: String,
        /// Its text.
        body: String,
        /// How urgent (a high-priority alert is shown as time-sensitive or critical).
        priority: AlertPriority,
        /// What it is about.
        category: AlertCategory,
    },
    /// Stored, with nothing to show by itself (a receipt, a status, a revocation): update the
    /// screens quietly.
    Quiet,
    /// The push carries no envelope (it was too big, it is a relay notice such as
    /// `phone_silent`, or a pairing message): read the mailbox to learn what it is.
    FetchMailbox,
}

/// Why a push payload was not opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PushError {
    /// Not a Thecal push payload.
    #[error("This notification is not a Thecal message ({reason}).")]
    Malformed {
        /// What is wrong.
        reason: String,
    },
    /// Addressed to another device (another mailbox, or another phone's envelope).
    #[error("This notification is addressed to another phone; it was not opened.")]
    NotForThisDevice,
    /// From a device that is not paired with this one (or revoked).
    #[error("This notification comes from a phone that is not paired with this one.")]
    UnknownSender,
    /// The seal does not open.
    #[error("This notification was altered on the way or is not from who it claims.")]
    Tampered,
    /// Expired, or a replay of an earlier message.
    #[error("{0}")]
    Refused(AlertsError),
    /// From a newer app version.
    #[error("{0}")]
    NewerVersion(AlertsError),
    /// Storage or keys.
    #[error(transparent)]
    Session(#[from] session::Error),
}

impl From<StoreError> for PushError {
    fn from(e: StoreError) -> Self {
        Self::Session(e.into())
    }
}

impl From<AlertsError> for PushError {
    fn from(e: AlertsError) -> Self {
        match e {
            AlertsError::Malformed { reason, .. } => Self::Malformed { reason },
            AlertsError::NotForThisDevice => Self::NotForThisDevice,
            AlertsError::UnknownSender => Self::UnknownSender,
            AlertsError::Tampered => Self::Tampered,
            e @ AlertsError::NewerVersion { .. } => Self::NewerVersion(e),
            e @ (AlertsError::Expired | AlertsError::Replayed) => Self::Refused(e),
            e => Self::Session(e.into()),
        }
    }
}

/// A push's `thecal` object, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushPayload {
    /// The recipient's mailbox.
    pub mailbox: MailboxId,
    /// The envelope, when it fitted.
    pub envelope: Option<Vec<u8>>,
    /// The relay notice's type, for a notice.
    pub notice: Option<String>,
}

impl PushPayload {
    /// Reads the `thecal` object (the APNs payload's, the FCM message's `data` with `v` as a
    /// string, or a UnifiedPush body). Unknown fields are ignored (protocol §2).
    ///
    /// # Errors
    /// [`PushError::Malformed`], [`PushError::NewerVersion`] for another `v`.
    pub fn parse(json: &str) -> Result<Self, PushError> {
        // Read through `serde_json::Value` (already in the library) rather than a derived
        // untagged enum for `v`, which costs the phone library more.
        let malformed = |reason: &str| PushError::Malformed {
            reason: reason.to_owned(),
        };
        let v: serde_json::Value =
            serde_json::from_str(json).map_err(|_| malformed("not the push's JSON object"))?;
        let text = |name: &str| -> Result<Option<&str>, PushError> {
            match &v[name] {
                serde_json::Value::Null => Ok(None),
                serde_json::Value::String(s) => Ok(Some(s)),
                _ => Err(malformed("a field is not text")),
            }
        };
        let version = match &v["v"] {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .ok_or_else(|| malformed("its version is not a number"))?;
        if version != 1 {
            return Err(PushError::NewerVersion(AlertsError::NewerVersion {
                version: u8::try_from(version).unwrap_or(u8::MAX),
            }));
        }
        let mailbox = text("mbx")?
            .and_then(MailboxId::parse)
            .ok_or_else(|| malformed("its mailbox id"))?;
        let envelope = text("env")?
            .map(|e| from_b64u(e).ok_or_else(|| malformed("its envelope is not base64url")))
            .transpose()?;
        Ok(Self {
            mailbox,
            envelope,
            notice: text("notice")?.map(str::to_owned),
        })
    }
}

/// Opens the push payload `json` for the device `keys` at `now`, stores what it says as reading
/// the mailbox would, and says what to show.
///
/// # Errors
/// [`PushError`]: malformed, not for this device, from an unknown sender, tampered, expired or
/// replayed, from a newer version; storage errors.
pub fn open(
    store: &Store,
    keys: &DeviceKeys,
    json: &str,
    now: UtcDateTime,
) -> Result<PushContent, PushError> {
    let payload = PushPayload::parse(json)?;
    if payload.mailbox != keys.mailbox() {
        return Err(PushError::NotForThisDevice);
    }
    let Some(bytes) = payload.envelope else {
        return Ok(PushContent::FetchMailbox);
    };
    let header = envelope::header_for(keys, &bytes)?;
    if header.kind == Kind::PairingHello as u8 {
        // Opening a hello needs the invitation's code and a word with the relay: the app does it.
        return Ok(PushContent::FetchMailbox);
    }
    let peer = match store.read(|c| db::peer(c, header.sender))? {
        Some(p) if p.state != PeerState::Revoked => p,
        _ => return Err(PushError::UnknownSender),
    };
    let now_s = u64::try_from(now.timestamp()).unwrap_or(0);
    let opened = envelope::open(keys, &peer.bundle, &bytes, now_s)?;
    let message_id = b64u(&opened.header.message_id);
    let handled = store.write(|tx| {
        let mut window = db::window(tx, peer.id)?;
        match window.accept(&opened.header, now_s)? {
            Verdict::New { .. } => {
                db::set_window(tx, peer.id, &window)?;
                Ok::<_, PushError>(Some(session::handle(
                    tx,
                    keys,
                    &peer,
                    &opened,
                    &message_id,
                    now,
                )?))
            }
            // Stored already (by a mailbox read or an earlier push): shown from the store.
            Verdict::Duplicate => Ok(None),
        }
    })?;
    // A new alert, or a reminder counted on the alert's row: shown from that row.
    let row = match handled {
        Some(Handled::Alert(row)) => Some(row),
        None => Some(message_id),
        Some(_) => None,
    };
    if let Some(row) = row {
        let alert = store
            .read(db::inbox)?
            .into_iter()
            .find(|a| a.message_id == row);
        if let Some(a) = alert {
            return Ok(PushContent::Alert {
                message_id: a.message_id,
                patient: a.patient,
                title: a.title,
                body: a.body,
                priority: a.priority,
                category: a.category,
            });
        }
    }
    Ok(PushContent::Quiet)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MBX: &str = "3tWZrxFAjyLQyT8fNfPDlg";

    #[test]
    fn push_targets_are_the_protocols_json() {
        let apns = PushTarget::Apns {
            token: "ab".repeat(32),
            topic: "org.thecal.app".into(),
            production: false,
        };
        let v: serde_json::Value = serde_json::from_str(&apns.to_json()).unwrap();
        assert_eq!(v["provider"], "apns");
        assert_eq!(v["environment"], "sandbox");
        let up = PushTarget::UnifiedPush {
            endpoint: "https://push.example.org/x".into(),
        };
        assert_eq!(
            up.to_json(),
            r#"{"endpoint":"https://push.example.org/x","provider":"unifiedpush"}"#
        );
    }

    #[test]
    fn the_three_shapes_of_the_thecal_object_are_read() {
        let p = PushPayload::parse(&format!(r#"{{"v":1,"mbx":"{MBX}","env":"AQID"}}"#)).unwrap();
        assert_eq!(p.mailbox.to_string(), MBX);
        assert_eq!(p.envelope, Some(vec![1, 2, 3]));
        // FCM's data carries strings only; unknown fields are ignored.
        let p = PushPayload::parse(&format!(r#"{{"v":"1","mbx":"{MBX}","x":true}}"#)).unwrap();
        assert_eq!((p.envelope, p.notice), (None, None));
        let p = PushPayload::parse(&format!(
            r#"{{"v":1,"mbx":"{MBX}","notice":"phone_silent"}}"#
        ))
        .unwrap();
        assert_eq!(p.notice.as_deref(), Some("phone_silent"));
    }

    #[test]
    fn a_malformed_or_newer_payload_is_a_typed_error() {
        for bad in [
            "",
            "[]",
            r#"{"v":1}"#,
            r#"{"v":1,"mbx":"short"}"#,
            r#"{"v":"one","mbx":"3tWZrxFAjyLQyT8fNfPDlg"}"#,
            r#"{"v":1,"mbx":"3tWZrxFAjyLQyT8fNfPDlg","env":"not base64!"}"#,
        ] {
            assert!(
                matches!(PushPayload::parse(bad), Err(PushError::Malformed { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            PushPayload::parse(&format!(r#"{{"v":2,"mbx":"{MBX}"}}"#)),
            Err(PushError::NewerVersion(_))
        ));
    }
}
