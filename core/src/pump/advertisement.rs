//! The one advertisement type: what a scan saw of one device, from any transport (btleplug, the
//! phone's BLE stack, the simulated pump). The link lists it to the patient and a driver
//! recognises its pump model from it.
//!
//! UUIDs are strings in the canonical lowercase hyphenated form ([`canonical_uuid`]), so that
//! UUIDs from any platform compare equal.

use super::codec;
use super::profile;
use crate::model::PumpKind;

/// Manufacturer-specific advertising data.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ManufacturerData {
    /// The Bluetooth SIG company identifier.
    pub company_id: u16,
    /// The data.
    pub data: Vec<u8>,
}

/// Service data: bytes a device advertises for one of its services.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ServiceData {
    /// The service UUID.
    pub uuid: String,
    /// The data.
    pub data: Vec<u8>,
}

/// A device seen while scanning.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Advertisement {
    /// The transport's id for the device (used in every other call).
    pub device_id: String,
    /// Its advertised name (a hint only, never an identity).
    pub name: Option<String>,
    /// Advertised service UUIDs.
    pub service_uuids: Vec<String>,
    /// Signal strength in dBm.
    pub rssi: Option<i16>,
    /// Manufacturer data.
    pub manufacturer_data: Vec<ManufacturerData>,
    /// Service data, by service UUID.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub service_data: Vec<ServiceData>,
}

impl Advertisement {
    /// The service data advertised for `service` (any UUID spelling), if any.
    #[must_use]
    pub fn service_data_of(&self, service: &str) -> Option<&[u8]> {
        let wanted = canonical_uuid(service);
        self.service_data
            .iter()
            .find(|d| canonical_uuid(&d.uuid) == wanted)
            .map(|d| d.data.as_slice())
    }

    /// The pump kind from the pump service's service data, when present and readable.
    #[must_use]
    pub fn pump_kind(&self) -> Option<PumpKind> {
        self.service_data_of(&profile::PUMP_SERVICE.to_string())
            .and_then(|d| codec::decode_advertisement_data(d).ok())
    }

    /// Whether the pump service is advertised (in the UUID list or as service data).
    #[must_use]
    pub fn has_pump_service(&self) -> bool {
        let pump = profile::PUMP_SERVICE.to_string();
        self.service_uuids.iter().any(|u| canonical_uuid(u) == pump)
            || self.service_data_of(&pump).is_some()
    }
}

/// Lower-cases and trims a UUID string, and expands a 16-bit short form (`180a`) to the
/// Bluetooth base UUID, so that UUIDs from any platform compare equal.
#[must_use]
pub fn canonical_uuid(uuid: &str) -> String {
    let u = uuid.trim().to_ascii_lowercase();
    if u.len() == 4 && u.chars().all(|c| c.is_ascii_hexdigit()) {
        return format!("0000{u}-0000-1000-8000-00805f9b34fb");
    }
    u
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_compare_across_platform_spellings() {
        assert_eq!(
            canonical_uuid("180A"),
            "0000180a-0000-1000-8000-00805f9b34fb"
        );
        assert_eq!(
            canonical_uuid(" 0000180A-0000-1000-8000-00805F9B34FB"),
            "0000180a-0000-1000-8000-00805f9b34fb"
        );
    }

    #[test]
    fn the_pump_kind_comes_from_the_service_data_in_any_spelling() {
        let pump = profile::PUMP_SERVICE.to_string().to_uppercase();
        let ad = Advertisement {
            service_data: vec![ServiceData {
                uuid: pump,
                data: codec::encode_advertisement_data(PumpKind::External).to_vec(),
            }],
            ..Advertisement::default()
        };
        assert!(ad.has_pump_service());
        assert_eq!(ad.pump_kind(), Some(PumpKind::External));
        assert!(!Advertisement::default().has_pump_service());
    }
}
