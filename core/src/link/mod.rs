//! The pump link: scan, connect, read, subscribe, reconnect on its own, replay the pump's history
//! after every reconnect, and publish live updates, each stored before it is published.
//!
//! Written once above the [`BleTransport`] trait, which btleplug (desktop, tests) or the phone's
//! own BLE stack (a UniFFI foreign trait) implements. Read-only toward the pump: the only writes
//! are those the profile's allow-list permits (the history request), enforced here.

mod backoff;
#[cfg(feature = "btleplug")]
mod btleplug;
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

use crate::model::{DeviceInfo, HistoryEvent, PumpAlarm, StatusReading, UtcDateTime};
use crate::store::StoreError;
use crate::therapy::AlarmRecord;

/// Where the link is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum LinkState {
    /// Not started.
    Idle,
    /// Looking for the pump.
    Scanning,
    /// Connecting (and bonding, discovering services).
    Connecting,
    /// Connected: live updates flow.
    Connected,
    /// The link was lost; the next try is in `retry_in_ms`.
    Reconnecting {
        /// How many tries since the link was lost.
        attempt: u32,
        /// Milliseconds until the next try.
        retry_in_ms: u64,
    },
    /// Bluetooth is off or not permitted; retried like a lost link.
    BluetoothUnavailable,
    /// Stopped by the app.
    Stopped,
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
}

/// One live update. Every reading, alarm and history event is stored before it is published.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
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
