//! The interface a simulated device implements to sit behind the simulated BlueZ.
//!
//! A [`Peripheral`] describes what it advertises and its GATT table, answers reads and writes,
//! and pushes notifications through the [`Notifier`] the simulator hands it.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Weak};

use uuid::Uuid;

use crate::error::SimError;
use crate::state::Shared;

/// A Bluetooth device address (`AA:BB:CC:DD:EE:FF`), most significant byte first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BdAddr(pub [u8; 6]);

impl BdAddr {
    /// The last path segment BlueZ gives this device: `dev_AA_BB_CC_DD_EE_FF`.
    #[must_use]
    pub fn object_name(&self) -> String {
        let b = self.0;
        format!(
            "dev_{:02X}_{:02X}_{:02X}_{:02X}_{:02X}_{:02X}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

impl fmt::Display for BdAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02X}:{:02X}:{:02X}:{:02X}:{:02X}:{:02X}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

impl FromStr for BdAddr {
    type Err = SimError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || SimError::BadAddress(s.to_owned());
        let mut out = [0u8; 6];
        let mut parts = s.split(':');
        for byte in &mut out {
            let part = parts.next().ok_or_else(bad)?;
            if part.len() != 2 {
                return Err(bad());
            }
            *byte = u8::from_str_radix(part, 16).map_err(|_| bad())?;
        }
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(Self(out))
    }
}

/// What a device puts in its advertisements (and so what a scan sees before connecting).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advertisement {
    /// Device address.
    pub address: BdAddr,
    /// `true` for a random (LE private/static) address, `false` for a public one.
    pub random_address: bool,
    /// Complete local name, if the device advertises one.
    pub name: Option<String>,
    /// Advertised service UUIDs (what BlueZ's discovery filter matches on).
    pub service_uuids: Vec<Uuid>,
    /// Manufacturer-specific data, by company identifier.
    pub manufacturer_data: BTreeMap<u16, Vec<u8>>,
    /// Service data, by service UUID (BlueZ's `Device1.ServiceData`).
    pub service_data: BTreeMap<Uuid, Vec<u8>>,
    /// Received signal strength the simulated radio reports, in dBm.
    pub rssi: i16,
}

impl Advertisement {
    /// An advertisement with the given address and name, no services, no manufacturer data and
    /// an RSSI of −60 dBm.
    #[must_use]
    pub fn new(address: BdAddr, name: Option<&str>) -> Self {
        Self {
            address,
            random_address: false,
            name: name.map(str::to_owned),
            service_uuids: Vec::new(),
            manufacturer_data: BTreeMap::new(),
            service_data: BTreeMap::new(),
            rssi: -60,
        }
    }
}

/// Characteristic properties, as BlueZ lists them in `Flags`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // These are independent GATT property bits.
pub struct CharFlags {
    /// Readable.
    pub read: bool,
    /// Writable with response ("write request").
    pub write: bool,
    /// Writable without response ("write command").
    pub write_without_response: bool,
    /// Can notify.
    pub notify: bool,
    /// Can indicate.
    pub indicate: bool,
    /// Reading, writing and notifying need an authenticated, encrypted link (a bonded device):
    /// BlueZ lists `encrypt-authenticated-read`/`-write` and refuses with `NotPermitted: Not
    /// paired` until
    /// the device is paired.
    pub encrypted: bool,
}

impl CharFlags {
    /// Read only.
    pub const READ: Self = Self {
        read: true,
        write: false,
        write_without_response: false,
        notify: false,
        indicate: false,
        encrypted: false,
    };
    /// Read and notify.
    pub const READ_NOTIFY: Self = Self {
        notify: true,
        ..Self::READ
    };
    /// Read and indicate.
    pub const READ_INDICATE: Self = Self {
        indicate: true,
        ..Self::READ
    };
    /// Write with response only.
    pub const WRITE: Self = Self {
        read: false,
        write: true,
        write_without_response: false,
        notify: false,
        indicate: false,
        encrypted: false,
    };

    /// The strings BlueZ puts in the `Flags` property.
    #[must_use]
    pub fn bluez_strings(&self) -> Vec<String> {
        let mut out = Vec::new();
        let pairs = [
            (self.read, "read"),
            (self.write_without_response, "write-without-response"),
            (self.write, "write"),
            (self.notify, "notify"),
            (self.indicate, "indicate"),
        ];
        for (on, name) in pairs {
            if on {
                out.push(name.to_owned());
            }
        }
        if self.encrypted && self.read {
            out.push("encrypt-authenticated-read".to_owned());
        }
        if self.encrypted && (self.write || self.write_without_response) {
            out.push("encrypt-authenticated-write".to_owned());
        }
        out
    }

    /// Whether the characteristic can notify or indicate.
    #[must_use]
    pub fn can_notify(&self) -> bool {
        self.notify || self.indicate
    }
}

/// A descriptor with a fixed value (e.g. a Characteristic User Description, 0x2901).
///
/// The Client Characteristic Configuration descriptor (0x2902) is added by the simulator for every
/// characteristic that can notify or indicate; do not list it here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DescriptorDef {
    /// Descriptor UUID.
    pub uuid: Uuid,
    /// Its value.
    pub value: Vec<u8>,
    /// Whether a client may write it (the written value is kept).
    pub writable: bool,
}

/// One characteristic of the GATT table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CharacteristicDef {
    /// Characteristic UUID (unique within the device; reads, writes and notifications are
    /// addressed by it).
    pub uuid: Uuid,
    /// What clients may do with it.
    pub flags: CharFlags,
    /// Descriptors other than the CCCD.
    pub descriptors: Vec<DescriptorDef>,
}

impl CharacteristicDef {
    /// A characteristic without extra descriptors.
    #[must_use]
    pub fn new(uuid: Uuid, flags: CharFlags) -> Self {
        Self {
            uuid,
            flags,
            descriptors: Vec::new(),
        }
    }
}

/// One service of the GATT table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceDef {
    /// Service UUID.
    pub uuid: Uuid,
    /// Primary (`true`) or secondary service.
    pub primary: bool,
    /// Its characteristics, in handle order.
    pub characteristics: Vec<CharacteristicDef>,
}

/// An ATT error a peripheral answers a read or write with. BlueZ turns each into the D-Bus error
/// it really sends (see [`AttError::bluez_error`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AttError {
    /// 0x02 Read Not Permitted.
    #[error("read not permitted")]
    ReadNotPermitted,
    /// 0x03 Write Not Permitted.
    #[error("write not permitted")]
    WriteNotPermitted,
    /// 0x05 Insufficient Authentication (the link is not encrypted with a bonded key).
    #[error("insufficient authentication")]
    InsufficientAuthentication,
    /// 0x08 Insufficient Authorization.
    #[error("insufficient authorization")]
    InsufficientAuthorization,
    /// 0x07 Invalid Offset.
    #[error("invalid offset")]
    InvalidOffset,
    /// 0x0D Invalid Attribute Value Length.
    #[error("invalid attribute value length")]
    InvalidValueLength,
    /// 0x0E Unlikely Error.
    #[error("unlikely error")]
    Unlikely,
    /// 0x80–0x9F: an application error code.
    #[error("application error 0x{0:02x}")]
    Application(u8),
}

impl AttError {
    /// The ATT error code on the air.
    #[must_use]
    pub fn code(&self) -> u8 {
        match self {
            Self::ReadNotPermitted => 0x02,
            Self::WriteNotPermitted => 0x03,
            Self::InsufficientAuthentication => 0x05,
            Self::InsufficientAuthorization => 0x08,
            Self::InvalidOffset => 0x07,
            Self::InvalidValueLength => 0x0d,
            Self::Unlikely => 0x0e,
            Self::Application(c) => *c,
        }
    }

    /// The D-Bus error name and message BlueZ replies with for this ATT error (its
    /// `create_gatt_dbus_error`, which clients such as bleak map back to ATT codes).
    #[must_use]
    pub fn bluez_error(&self) -> (&'static str, String) {
        match self {
            Self::ReadNotPermitted => ("org.bluez.Error.NotPermitted", "Read not permitted".into()),
            Self::WriteNotPermitted => {
                ("org.bluez.Error.NotPermitted", "Write not permitted".into())
            }
            Self::InsufficientAuthentication => {
                ("org.bluez.Error.NotPermitted", "Not paired".into())
            }
            Self::InsufficientAuthorization => (
                "org.bluez.Error.NotAuthorized",
                "Operation Not Authorized".into(),
            ),
            Self::InvalidOffset => ("org.bluez.Error.InvalidArguments", "Invalid offset".into()),
            Self::InvalidValueLength => {
                ("org.bluez.Error.InvalidArguments", "Invalid Length".into())
            }
            other => (
                "org.bluez.Error.Failed",
                format!("Operation failed with ATT error: 0x{:02x}", other.code()),
            ),
        }
    }
}

/// How a client asked to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteKind {
    /// Write request (acknowledged).
    WithResponse,
    /// Write command (not acknowledged).
    WithoutResponse,
}

/// Link and subscription changes the simulator tells a peripheral about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkEvent {
    /// A central connected.
    Connected,
    /// The link went down (the central disconnected, or the test dropped it).
    Disconnected,
    /// A central turned notifications/indications on for this characteristic.
    Subscribed(Uuid),
    /// Notifications/indications for this characteristic were turned off.
    Unsubscribed(Uuid),
    /// A central paired (bonded) with the device: its encrypted characteristics are open to it.
    Bonded,
}

/// A simulated device. Implementations must be cheap to call: the simulator calls `read`/`write`
/// while serving a D-Bus method call.
#[async_trait::async_trait]
pub trait Peripheral: Send + Sync + 'static {
    /// What the device advertises. Read once, when the device is added.
    fn advertisement(&self) -> Advertisement;

    /// The GATT table. Read once, when the device is added.
    fn gatt_table(&self) -> Vec<ServiceDef>;

    /// Answer a read of the characteristic `characteristic`.
    async fn read(&self, characteristic: Uuid) -> Result<Vec<u8>, AttError>;

    /// Take a write to the characteristic `characteristic`.
    async fn write(
        &self,
        characteristic: Uuid,
        value: &[u8],
        kind: WriteKind,
    ) -> Result<(), AttError>;

    /// Called once when the device is added to the simulator, with the handle through which it
    /// sends notifications and indications. The default drops it (the test keeps its own copy
    /// from [`crate::DeviceHandle::notifier`]).
    fn attach(&self, notifier: Notifier) {
        drop(notifier);
    }

    /// The passkey an authenticated pairing with this device needs (BlueZ asks the central's
    /// agent for it), or `None` for pairing without authentication ("just works"). Read when a
    /// central pairs.
    fn pairing_passkey(&self) -> Option<u32> {
        None
    }

    /// Called after each link or subscription change. The default ignores it. Must not block.
    fn on_link_event(&self, event: LinkEvent) {
        let _ = event;
    }
}

/// What became of one notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// BlueZ turned it into a `PropertiesChanged(Value)` signal.
    Sent,
    /// No central has notifications on for that characteristic: it went nowhere (as over the air).
    NotSubscribed,
    /// The link is down: it went nowhere.
    NotConnected,
}

/// The handle a peripheral sends notifications and indications through. Cheap to clone; it does
/// not keep the simulator alive.
#[derive(Clone, Debug)]
pub struct Notifier {
    pub(crate) shared: Weak<Shared>,
    pub(crate) address: BdAddr,
}

impl Notifier {
    pub(crate) fn new(shared: &Arc<Shared>, address: BdAddr) -> Self {
        Self {
            shared: Arc::downgrade(shared),
            address,
        }
    }

    /// The device this notifier sends for.
    #[must_use]
    pub fn address(&self) -> BdAddr {
        self.address
    }

    /// Send a notification (or indication: BlueZ shows both the same way) of `value` on the
    /// characteristic `characteristic`.
    ///
    /// # Errors
    /// [`SimError::Stopped`] when the simulator is gone, [`SimError::UnknownDevice`] /
    /// [`SimError::UnknownCharacteristic`] for an address or UUID it does not have,
    /// [`SimError::CannotNotify`] when the characteristic has neither notify nor indicate, and
    /// [`SimError::Bus`] when the signal could not be sent.
    pub async fn notify(&self, characteristic: Uuid, value: &[u8]) -> Result<Delivery, SimError> {
        let shared = self.shared.upgrade().ok_or(SimError::Stopped)?;
        shared
            .send_notification(self.address, characteristic, value)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_round_trips_and_names_its_object() {
        let a: BdAddr = "0A:1b:2C:3D:4E:5F".parse().unwrap();
        assert_eq!(a.to_string(), "0A:1B:2C:3D:4E:5F");
        assert_eq!(a.object_name(), "dev_0A_1B_2C_3D_4E_5F");
        for bad in [
            "",
            "0A:1B:2C:3D:4E",
            "0A:1B:2C:3D:4E:5F:60",
            "0A:1B:2C:3D:4E:5G",
            "A:1B:2C:3D:4E:5F0",
        ] {
            assert!(bad.parse::<BdAddr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn flags_use_bluez_names() {
        let f = CharFlags {
            write_without_response: true,
            ..CharFlags::READ_NOTIFY
        };
        assert_eq!(
            f.bluez_strings(),
            ["read", "write-without-response", "notify"]
        );
        assert!(f.can_notify());
        assert!(!CharFlags::READ.can_notify());
    }

    #[test]
    fn att_errors_map_to_bluez_errors() {
        assert_eq!(
            AttError::ReadNotPermitted.bluez_error().0,
            "org.bluez.Error.NotPermitted"
        );
        assert_eq!(
            AttError::InsufficientAuthentication.bluez_error(),
            ("org.bluez.Error.NotPermitted", "Not paired".to_owned())
        );
        assert_eq!(
            AttError::InvalidValueLength.bluez_error(),
            (
                "org.bluez.Error.InvalidArguments",
                "Invalid Length".to_owned()
            )
        );
        assert_eq!(
            AttError::Application(0x80).bluez_error(),
            (
                "org.bluez.Error.Failed",
                "Operation failed with ATT error: 0x80".to_owned()
            )
        );
    }
}
