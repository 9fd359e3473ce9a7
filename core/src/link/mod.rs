//! The pump link: scan, connect, read, subscribe, reconnect on its own, replay the pump's history
//! after every reconnect, and publish live updates, each stored before it is published.
//!
//! Written once above the [`BleTransport`] trait, which btleplug (desktop, tests) or the phone's
//! own BLE stack (a UniFFI foreign trait) implements. Read-only toward the pump: the only writes
//! are those the profile's allow-list permits (the history request), enforced here.

mod backoff;
#[cfg(feature = "btleplug")]
mod bluez_agent;
#[cfg(feature = "btleplug")]
mod btleplug;
pub mod db;
mod freshness;
mod live;
mod manager;
mod service;
mod transport;

pub use crate::pump::{Advertisement, ManufacturerData, ServiceData, canonical_uuid};
pub use backoff::{Backoff, BackoffConfig};
#[cfg(feature = "btleplug")]
pub use btleplug::BtleplugTransport;
pub use freshness::{Freshness, FreshnessConfig, freshness};
pub(crate) use live::Publisher;
pub use live::{LinkListener, ListenerError, Subscription};
pub use manager::LinkConfig;
pub(crate) use manager::{LinkShared, Running};
pub use service::Link;
pub use transport::{BleTransport, TransportError, TransportEvent, TransportEvents};

use crate::model::{DeviceInfo, HistoryEvent, PumpAlarm, PumpKind, StatusReading, UtcDateTime};
use crate::store::StoreError;
use crate::therapy::AlarmRecord;

/// Where the link is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum LinkState {
    /// Not started.
    Idle,
    /// Started, but no pump is paired: the link connects to nothing until the patient pairs one
    /// (`discover`, then `pair`).
    NotPaired,
    /// Looking for the paired pump (and only for it).
    Scanning,
    /// Connecting to the paired pump and checking that it is the one (serial, model, BLE
    /// identity) before anything is stored.
    Connecting,
    /// Connected to the verified paired pump: live updates flow. Never reported without a
    /// running link task.
    Connected,
    /// The link was lost; the next try is in `retry_in_ms`.
    Reconnecting {
        /// How many tries since the link was lost.
        attempt: u32,
        /// Milliseconds until the next try.
        retry_in_ms: u64,
    },
    /// The link cannot follow the pump now, for `failure`; it tries again by itself in
    /// `retry_in_ms`.
    Failed {
        /// Why.
        failure: LinkFailure,
        /// Milliseconds until the next try.
        retry_in_ms: u64,
    },
    /// Stopped by the app.
    Stopped,
}

/// Why the link cannot follow the paired pump: in the link's state and in a
/// [`LinkEvent::Failed`] the moment it happens. None carries health data. Its `Display` is the
/// sentence for the person.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, thiserror::Error)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "uniffi", uniffi::export(Display))]
pub enum LinkFailure {
    /// The phone's Bluetooth is off (or the phone has none). Retried; the link comes back by
    /// itself once Bluetooth is on.
    #[error("Bluetooth is off. Turn it on: Thecal reconnects to your pump by itself.")]
    BluetoothOff,
    /// The app may not use Bluetooth. Retried, but only the person can fix it.
    #[error(
        "Thecal is not allowed to use Bluetooth. Allow it in the phone's settings (Nearby devices / Bluetooth)."
    )]
    PermissionDenied,
    /// The paired pump was not seen in the last scan (out of range). Other pumps nearby are
    /// never used in its place.
    #[error("Your pump is out of range. Keep the phone within a few metres of it.")]
    PumpNotFound {
        /// When the paired pump was last seen (connected or advertising), if ever.
        last_seen: Option<UtcDateTime>,
    },
    /// The pump refused pairing or bonding (wrong passkey, pairing cancelled on the pump).
    #[error(
        "The pump refused pairing. Pair it again, with the pairing code from your clinic if it asks for one."
    )]
    PairingRefused,
    /// A pump answered in the paired pump's place but is not it (its `what` differs: `serial`,
    /// `model` or `BLE identity`): the link disconnected and stored nothing from it.
    #[error(
        "A pump nearby claimed to be yours but its {what} does not match; Thecal ignored it and stored nothing from it."
    )]
    PumpMismatch {
        /// What did not match (`serial`, `model`, `BLE identity`), never a value.
        what: String,
    },
    /// Storing what the pump sent failed (a full disk…): nothing was lost; the pump's history
    /// is fetched again once storage works, and alarms show as unknown until then.
    #[error(
        "Thecal could not save your pump's data ({reason}). Free some space on the phone; the pump keeps its history and Thecal fetches it again."
    )]
    StorageFailed {
        /// The storage error (never data).
        reason: String,
        /// Whether the phone's storage is full.
        full: bool,
    },
    /// A bug in Thecal (a panic in the link task, an unexpected end): caught and reported; the
    /// link restarts by itself.
    #[error(
        "Something went wrong inside Thecal's pump link ({context}); it restarts by itself. Please report this."
    )]
    Internal {
        /// Where it happened (code words, never data).
        context: String,
    },
}

/// The pump this app follows, as the patient paired it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PairedPump {
    /// Its serial number (read from its Device Information, confirmed by the patient).
    pub serial: String,
    /// Its model number (from its Device Information).
    pub model: String,
    /// The BLE identity the transport reported for it (for a bonded device, its identity
    /// address; on iOS, the peripheral identifier).
    pub ble_identity: String,
    /// Whether the transport bonded with it (encrypted link, keys kept).
    pub bonded: bool,
    /// The transport it was paired over.
    pub transport: String,
    /// When it was paired.
    pub paired_at: UtcDateTime,
}

/// How a pairing ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PairingEnd {
    /// The patient unpaired the pump.
    Unpaired,
    /// The pump was replaced by a new one (replacement surgery); its history is kept.
    Replaced,
}

/// One pairing, current or ended: a replaced pump keeps its history, marked as ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PairingRecord {
    /// The pump as it was paired.
    pub pump: PairedPump,
    /// When the pairing ended (`None` for the current one).
    pub ended_at: Option<UtcDateTime>,
    /// Why it ended.
    pub end_reason: Option<PairingEnd>,
}

/// A pump seen nearby, from its advertisement alone (nothing connected to it). Its name is a
/// hint for the list, never an identity: the patient confirms the serial when pairing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DiscoveredPump {
    /// The transport's id for it (pass this record to `pair`).
    pub device_id: String,
    /// The name it advertises, if any.
    pub name: Option<String>,
    /// Implanted or external, from its advertised service data, when present.
    pub kind: Option<PumpKind>,
    /// Signal strength in dBm (closer pumps are stronger).
    pub rssi: Option<i16>,
}

/// The radio time the link has used since it started: what it costs the phone's battery.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RadioUsage {
    /// Milliseconds since the link started.
    pub elapsed_ms: u64,
    /// Milliseconds spent scanning.
    pub scan_ms: u64,
    /// Milliseconds connected to the pump.
    pub connected_ms: u64,
    /// Scan windows run (one per look for the pump).
    pub scans: u64,
    /// Connection attempts (to the paired pump only).
    pub connects: u64,
    /// Estimated milliseconds the radio is on per hour at this rate: scanning counts whole, a
    /// connection counts its connection events ([`CONNECTED_RADIO_DUTY_PERMILLE`]).
    pub radio_on_ms_per_hour: u64,
}

/// The share of a connection's time (per mille) the radio is on: connection events of about
/// 2.5 ms at the 1 s interval a pump link asks for when idle (BLE's low-power connection
/// parameters). An estimate: the phone's stack picks the parameters in the end.
pub const CONNECTED_RADIO_DUTY_PERMILLE: u64 = 3;

impl RadioUsage {
    /// The usage with the per-hour estimate filled in.
    #[must_use]
    pub fn with_estimate(mut self) -> Self {
        let on = self.scan_ms + self.connected_ms * CONNECTED_RADIO_DUTY_PERMILLE / 1000;
        self.radio_on_ms_per_hour = if self.elapsed_ms == 0 {
            0
        } else {
            u64::try_from(u128::from(on) * 3_600_000 / u128::from(self.elapsed_ms))
                .unwrap_or(u64::MAX)
        };
        self
    }
}

/// Everything the app needs to draw the pump's live state at once: sent first to every new
/// subscriber, and available any time from `snapshot()`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LinkSnapshot {
    /// Where the link is.
    pub state: LinkState,
    /// The transport in use ("btleplug over BlueZ", "Android BluetoothGatt"), if started.
    pub transport: Option<String>,
    /// The pump, once known.
    pub pump: Option<DeviceInfo>,
    /// Its newest stored reading.
    pub latest: Option<StatusReading>,
    /// Its alarms that are not cleared, most urgent first.
    pub open_alarms: Vec<AlarmRecord>,
    /// When the link was last lost, if it has been.
    pub last_link_lost: Option<UtcDateTime>,
    /// Frames rejected as invalid since start (bad CRC, counter, length…).
    pub frames_rejected: u64,
    /// Successful reconnections since start.
    pub reconnects: u64,
    /// Whether one connection attempt has finished since start (for [`Freshness::Updating`]).
    pub first_attempt_done: bool,
    /// The paired pump, if any (the link follows it and no other).
    pub paired: Option<PairedPump>,
    /// The last failure, until the link is connected again.
    pub last_failure: Option<LinkFailure>,
    /// The radio time used since the link started.
    pub radio: RadioUsage,
}

impl LinkSnapshot {
    /// The state before any link was started: idle, nothing known.
    #[must_use]
    pub fn idle() -> Self {
        Self {
            state: LinkState::Idle,
            transport: None,
            pump: None,
            latest: None,
            open_alarms: Vec::new(),
            last_link_lost: None,
            frames_rejected: 0,
            reconnects: 0,
            first_attempt_done: false,
            paired: None,
            last_failure: None,
            radio: RadioUsage::default(),
        }
    }
}

/// One live update. Every reading, alarm and history event is stored before it is published.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[allow(
    clippy::large_enum_variant,
    reason = "the snapshot is sent once per subscriber; UniFFI records cannot be boxed"
)]
pub enum LinkEvent {
    /// The current state: always the first event a subscriber receives.
    Snapshot {
        /// The state.
        snapshot: LinkSnapshot,
    },
    /// The link moved to a new state.
    StateChanged {
        /// The new state.
        state: LinkState,
    },
    /// The pump identified itself (after each connection).
    PumpIdentified {
        /// What it reported.
        info: DeviceInfo,
    },
    /// A new status reading (stored).
    Reading {
        /// The reading.
        reading: StatusReading,
    },
    /// An alarm event from the pump, live or replayed (stored; replays are published once).
    Alarm {
        /// The alarm event.
        alarm: PumpAlarm,
    },
    /// Another history event (refill, therapy change…), live or replayed (stored once).
    History {
        /// The event.
        event: HistoryEvent,
    },
    /// A frame from the pump was invalid; it was counted and not stored, and the link goes on.
    FrameRejected {
        /// The characteristic it came on.
        characteristic: String,
        /// Why it was rejected (no data from the frame).
        reason: String,
    },
    /// The pump had overwritten history records (oldest first) before the phone fetched them:
    /// sequences `first` to `last` cannot be recovered.
    HistoryLost {
        /// First lost sequence.
        first: crate::model::EventSequence,
        /// Last lost sequence.
        last: crate::model::EventSequence,
    },
    /// A history replay finished: the phone has every pump event up to `through` (or knows it
    /// was lost). Events of the replay were published before this.
    HistorySynced {
        /// The sync mark after the replay.
        through: crate::model::EventSequence,
        /// The newest sequence the pump has recorded.
        newest: crate::model::EventSequence,
    },
    /// The link to the pump was lost; reconnection starts on its own.
    LinkLost {
        /// When.
        at: UtcDateTime,
    },
    /// Something failed: the reason, typed, the moment it happens (the state says it too until
    /// the link recovers). Also what a new subscriber gets first when its snapshot cannot be read.
    Failed {
        /// Why.
        failure: LinkFailure,
    },
    /// A pump was paired (or paired again): the link follows it from now on.
    Paired {
        /// The pump.
        pump: PairedPump,
    },
    /// The pump was unpaired (or replaced): the link no longer follows it; its history stays.
    Unpaired {
        /// Its serial number.
        serial: String,
        /// Unpaired, or replaced by a new pump.
        reason: PairingEnd,
    },
}

/// Why a link request failed (internal; `app::errors` maps it to the public `LinkError`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// `start` was called while the link is already running.
    #[error("the pump link is already running")]
    AlreadyRunning,
    /// The request needs a running link.
    #[error("the pump link is not running")]
    NotRunning,
    /// The transport failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// Storing what the pump sent, or reading the stored state, failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The pump connected to is not the one expected (pairing: not the serial the patient
    /// confirmed; following: not the paired pump).
    #[error("the pump's {what} does not match")]
    Mismatch {
        /// What differs (`serial`, `model`, `BLE identity`), never a value.
        what: String,
    },
    /// No pump is paired (for a call that needs one).
    #[error("no pump is paired")]
    NotPaired,
    /// Another pump is paired: unpair it, or replace it, first.
    #[error("another pump is paired")]
    AlreadyPaired,
    /// The device picked does not offer the pump profile, or no driver knows its model.
    #[error("this device is not a pump Thecal knows")]
    NotAPump,
    /// A bug, or a pump that sent what the profile does not allow.
    #[error("internal error: {context}")]
    Internal {
        /// Where it happened.
        context: String,
    },
}

impl From<crate::therapy::Error> for Error {
    fn from(e: crate::therapy::Error) -> Self {
        match e {
            crate::therapy::Error::Store(e) => Self::Store(e),
            // The link stores only what a driver decoded and checked, for the pump it identified.
            other => Self::Internal {
                context: format!("storing what the pump sent: {other}"),
            },
        }
    }
}
