//! Caregiver alerts: the phone's side of the alerts protocol (`docs/alerts-protocol.md`).
//!
//! What is here now, each part checked against the protocol's worked examples
//! (`tests/vectors/alerts/`) and HPKE's own (RFC 9180, `tests/vectors/hpke/`):
//! - [`keys`]: the device's keys (kept in the platform key store, never in the database), its
//!   bundle, mailbox and the safety number two people compare;
//! - [`envelope`]: sealing and opening envelopes with HPKE (Auth mode between paired devices, PSK
//!   mode for the pairing hello), the header bound as associated data;
//! - [`messages`]: the plaintexts (alerts, receipts) inside envelopes;
//! - [`window`]: what a receiver remembers per sender to drop duplicates, refuse replays and show
//!   gaps;
//! - [`pairing`]: the invitation code, its derivations and the sealed bundle;
//! - [`signing`]: the signature headers of a relay request;
//! - [`http`]: the app's HTTP stack behind a foreign trait (the core carries none);
//! - [`relay`]: the relay's API as a device calls it;
//! - [`rules`]: which conditions of the stored data become alerts;
//! - [`policy`]: each caregiver's settings: rules, quiet hours, on call, reminders, the rota and
//!   escalation;
//! - [`status`]: status sharing: the patient's consents, the snapshot, the caregiver's view;
//! - [`heartbeat`]: the phone-silent alarm (the patient's check-ins, the caregiver's notices);
//! - [`push`]: a push payload opened by the core alone (the apps' notification extensions);
//! - [`db`] and [`session`]: the paired devices, invitations and outbox in the store, and the
//!   flows between them (invite, accept, read the mailbox, confirm, revoke).
//!
//! The wire formats themselves (base64url, mailbox ids, the header layout, the canonical string)
//! live in the `thecal-proto` crate, shared with the relay.

pub mod db;
pub mod envelope;
mod error;
pub mod heartbeat;
pub mod http;
pub mod keys;
pub mod messages;
pub mod pairing;
pub mod policy;
pub mod push;
mod random;
pub mod relay;
pub mod rules;
pub mod session;
pub mod signing;
pub mod status;
pub mod window;

pub use envelope::{Kind, OpenedEnvelope};
pub use error::AlertsError;
pub use keys::{Bundle, DeviceKeys, safety_number};
pub use pairing::{InviteSecrets, PairingCode};
pub use session::{Invitation, NewAlert, Session, SyncReport};
pub use window::{SenderWindow, Verdict};

/// HPKE's `info` for every envelope.
pub const ENVELOPE_INFO: &[u8] = b"thecal/v1/envelope";

#[cfg(test)]
mod vectors;
