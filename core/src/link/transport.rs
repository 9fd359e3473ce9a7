//! The one BLE interface the link manager is written against. Two implementations: btleplug
//! (desktop/Linux, the reference path, feature `btleplug`) and the phone's own BLE stack, which an
//! Android (BluetoothGatt) or iOS (CoreBluetooth) app implements as a UniFFI foreign trait.
//!
//! Device ids are opaque strings chosen by the transport; UUIDs are strings in the canonical
//! lowercase hyphenated form (`0000180a-0000-1000-8000-00805f9b34fb`).

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::pump::{Advertisement, canonical_uuid};

/// Something a transport reports without being asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportEvent {
    /// A notification or indication arrived on `characteristic`.
    Notification {
        /// The device it came from.
        device_id: String,
        /// The characteristic UUID.
        characteristic: String,
        /// The value, as received.
        value: Vec<u8>,
    },
    /// The link to `device_id` is gone.
    Disconnected {
        /// The device.
        device_id: String,
    },
}

/// Where a transport delivers notifications and disconnections. Handed to the transport by
/// [`BleTransport::set_events`]; delivery never blocks and never drops an event.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct TransportEvents {
    tx: mpsc::UnboundedSender<TransportEvent>,
}

impl TransportEvents {
    /// A sink and the receiver the link manager reads.
    #[must_use]
    pub fn channel() -> (Arc<Self>, mpsc::UnboundedReceiver<TransportEvent>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Arc::new(Self { tx }), rx)
    }

    /// Delivers one event (ignored once the link manager has stopped listening).
    pub fn send(&self, event: TransportEvent) {
        let _ = self.tx.send(event);
    }
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl TransportEvents {
    /// Call for every notification or indication received from the pump.
    pub fn notification(&self, device_id: String, characteristic: String, value: Vec<u8>) {
        self.send(TransportEvent::Notification {
            device_id,
            characteristic: canonical_uuid(&characteristic),
            value,
        });
    }

    /// Call when the link to the pump is lost (or the OS closes it).
    pub fn disconnected(&self, device_id: String) {
        self.send(TransportEvent::Disconnected { device_id });
    }
}

/// Why a BLE operation failed. Messages say what the patient can do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
#[cfg_attr(feature = "uniffi", uniffi::export(Display))]
#[non_exhaustive]
pub enum TransportError {
    /// Bluetooth is off, missing or not permitted.
    #[error("Bluetooth is not available ({reason}). Turn Bluetooth on and allow Thecal to use it.")]
    BluetoothUnavailable {
        /// The platform's reason.
        reason: String,
    },
    /// The app may not use Bluetooth (the platform's permission was refused).
    #[error(
        "Thecal is not allowed to use Bluetooth. Allow it in the phone's settings (Nearby devices / Bluetooth)."
    )]
    PermissionDenied,
    /// The pump was not found.
    #[error("The pump was not found. Keep the phone within a few metres of the pump.")]
    DeviceNotFound,
    /// The connection attempt failed.
    #[error("Could not connect to the pump ({reason}). Thecal will keep trying.")]
    ConnectionFailed {
        /// The platform's reason.
        reason: String,
    },
    /// The pump refused pairing.
    #[error(
        "The pump refused pairing. Pair it again from the pump settings, with your clinic's help if needed."
    )]
    PairingRefused,
    /// An operation needed a connection that is not there.
    #[error("The pump is not connected. Thecal will reconnect on its own.")]
    NotConnected,
    /// A GATT operation failed.
    #[error("The pump did not answer a request ({reason}). Thecal will try again.")]
    Gatt {
        /// The platform's reason.
        reason: String,
    },
    /// The core refused to write to a characteristic that could change therapy.
    #[error("Thecal never writes to this part of the pump: it could change therapy.")]
    WriteNotAllowed {
        /// The characteristic UUID.
        characteristic: String,
    },
    /// The app's transport implementation failed unexpectedly.
    #[error("The phone's Bluetooth layer failed ({reason}). Thecal will try again.")]
    Platform {
        /// What the platform said.
        reason: String,
    },
}

#[cfg(feature = "uniffi")]
impl From<uniffi::UnexpectedUniFFICallbackError> for TransportError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Platform { reason: e.reason }
    }
}

/// A BLE central as the link manager needs it. `connect` includes service discovery (and the
/// encryption of a bonded device's link, which the platform does by itself); after it returns,
/// reads, writes and subscriptions work. `bond` is called once, when the patient pairs a pump.
#[cfg_attr(feature = "uniffi", uniffi::export(with_foreign))]
#[async_trait::async_trait]
pub trait BleTransport: Send + Sync + std::fmt::Debug {
    /// A short description for display ("btleplug over BlueZ", "Android BluetoothGatt").
    fn name(&self) -> String;

    /// Tells the transport where to deliver notifications and disconnections. Called before
    /// any other method; a later call replaces the earlier sink.
    ///
    /// # Errors
    /// [`TransportError::Platform`] if the transport cannot deliver events.
    fn set_events(&self, events: Arc<TransportEvents>) -> Result<(), TransportError>;

    /// Scans for up to `timeout_ms` for devices advertising any of `service_uuids`.
    async fn scan(
        &self,
        service_uuids: Vec<String>,
        timeout_ms: u32,
    ) -> Result<Vec<Advertisement>, TransportError>;

    /// Connects and discovers services.
    async fn connect(&self, device_id: String) -> Result<(), TransportError>;

    /// Bonds with the connected device (pairing with authentication where the platform and the
    /// pump support it, keys kept), when the patient pairs it. Returns `true` once bonded (or
    /// if it already was), `false` where the platform has no bonding call (it then bonds by
    /// itself when the pump asks for encryption).
    ///
    /// # Errors
    /// [`TransportError::PairingRefused`] when the pump or the person refused (wrong passkey,
    /// cancelled).
    async fn bond(&self, device_id: String) -> Result<bool, TransportError>;

    /// The stable BLE identity of `device_id` as the platform knows it, WITHOUT connecting: for
    /// a bonded device its identity address (BlueZ, Android), on iOS the peripheral identifier.
    /// The link compares it with the paired pump's before connecting and again after.
    ///
    /// # Errors
    /// [`TransportError::DeviceNotFound`] for an id the transport does not know.
    async fn identity(&self, device_id: String) -> Result<String, TransportError>;

    /// Disconnects (a no-op if not connected).
    async fn disconnect(&self, device_id: String) -> Result<(), TransportError>;

    /// Reads a characteristic's value.
    async fn read(
        &self,
        device_id: String,
        characteristic: String,
    ) -> Result<Vec<u8>, TransportError>;

    /// Writes a characteristic (with response). The link manager only calls this for
    /// characteristics on the profile's allow-list.
    async fn write(
        &self,
        device_id: String,
        characteristic: String,
        value: Vec<u8>,
    ) -> Result<(), TransportError>;

    /// Enables notifications or indications on a characteristic.
    async fn subscribe(
        &self,
        device_id: String,
        characteristic: String,
    ) -> Result<(), TransportError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_delivered_in_order_and_never_dropped() {
        let (events, mut rx) = TransportEvents::channel();
        for i in 0..10_000u32 {
            events.notification("d".into(), "2A19".into(), i.to_le_bytes().to_vec());
        }
        events.disconnected("d".into());
        for i in 0..10_000u32 {
            let Some(TransportEvent::Notification {
                value,
                characteristic,
                ..
            }) = rx.try_recv().ok()
            else {
                panic!("missing notification {i}");
            };
            assert_eq!(value, i.to_le_bytes());
            assert_eq!(characteristic, "00002a19-0000-1000-8000-00805f9b34fb");
        }
        assert_eq!(
            rx.try_recv().ok(),
            Some(TransportEvent::Disconnected {
                device_id: "d".into()
            })
        );
    }
}
