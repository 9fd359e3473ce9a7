//! The Thecal Pump Profile, version 1: GATT UUIDs, frame kinds and what the phone may write.
//!
//! The full specification is `docs/gatt-profile.md`; this file is its constants.

use uuid::Uuid;

/// The profile version this build speaks (byte 0 of every pump-service frame).
pub const PROFILE_VERSION: u8 = 1;

/// The longest frame of the profile, in bytes (CRC included). A receiver rejects longer input
/// before looking at it; the phone negotiates an ATT MTU of at least [`MIN_ATT_MTU`].
pub const MAX_FRAME_LEN: usize = 128;

/// The smallest ATT MTU a phone must negotiate so that every frame fits one notification.
pub const MIN_ATT_MTU: u16 = 131;

/// Header (version, kind, E2E counter) plus CRC: the shortest possible frame.
pub const MIN_FRAME_LEN: usize = 5;

/// A 16-bit UUID assigned by the Bluetooth SIG, expanded on the Bluetooth base UUID.
#[must_use]
pub const fn sig_uuid(short: u16) -> Uuid {
    Uuid::from_u128(0x0000_0000_0000_1000_8000_0080_5f9b_34fb | ((short as u128) << 96))
}

/// A UUID of the Thecal pump service family: `8d6aXXXX-7e3b-4a59-b1c4-2f9e6d0a5c37`.
const fn thecal_uuid(short: u16) -> Uuid {
    Uuid::from_u128(0x8d6a_0000_7e3b_4a59_b1c4_2f9e_6d0a_5c37 | ((short as u128) << 96))
}

/// The Thecal Pump Service (primary service; advertised).
pub const PUMP_SERVICE: Uuid = thecal_uuid(0x1000);
/// Status: read, notify. Frame kind [`FrameKind::Status`].
pub const STATUS: Uuid = thecal_uuid(0x1001);
/// Annunciation: indicate. Frame kind [`FrameKind::Annunciation`].
pub const ANNUNCIATION: Uuid = thecal_uuid(0x1002);
/// History Record: indicate. Frame kind [`FrameKind::HistoryRecord`].
pub const HISTORY_RECORD: Uuid = thecal_uuid(0x1003);
/// History Control Point: write (phone → pump, [`FrameKind::HistoryRequest`]) and indicate
/// (pump → phone, [`FrameKind::HistoryResponse`]). The only characteristic the phone writes.
pub const HISTORY_CONTROL_POINT: Uuid = thecal_uuid(0x1004);
/// Features: read. Frame kind [`FrameKind::Features`].
pub const FEATURES: Uuid = thecal_uuid(0x1005);

/// Device Information Service (SIG 0x180A).
pub const DEVICE_INFORMATION_SERVICE: Uuid = sig_uuid(0x180A);
/// Manufacturer Name String (SIG 0x2A29): read, UTF-8.
pub const MANUFACTURER_NAME: Uuid = sig_uuid(0x2A29);
/// Model Number String (SIG 0x2A24): read, UTF-8.
pub const MODEL_NUMBER: Uuid = sig_uuid(0x2A24);
/// Serial Number String (SIG 0x2A25): read, UTF-8.
pub const SERIAL_NUMBER: Uuid = sig_uuid(0x2A25);
/// Firmware Revision String (SIG 0x2A26): read, UTF-8.
pub const FIRMWARE_REVISION: Uuid = sig_uuid(0x2A26);
/// Hardware Revision String (SIG 0x2A27): read, UTF-8, optional.
pub const HARDWARE_REVISION: Uuid = sig_uuid(0x2A27);

/// Battery Service (SIG 0x180F).
pub const BATTERY_SERVICE: Uuid = sig_uuid(0x180F);
/// Battery Level (SIG 0x2A19): read, notify; one byte, 0–100 %.
pub const BATTERY_LEVEL: Uuid = sig_uuid(0x2A19);

/// Client Characteristic Configuration descriptor (SIG 0x2902): how the phone subscribes.
pub const CCCD: Uuid = sig_uuid(0x2902);

/// Whether the phone may write to the characteristic or descriptor `uuid`. Only the History
/// Control Point and the subscription descriptors (CCCD) are writable: nothing the phone can
/// write changes therapy. The link layer refuses every other write.
#[must_use]
pub fn phone_may_write(uuid: Uuid) -> bool {
    uuid == HISTORY_CONTROL_POINT || uuid == CCCD
}

/// How a characteristic sends updates, when the phone subscribes to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// Unacknowledged notifications (status, battery: the next one replaces a lost one).
    Notify,
    /// Acknowledged indications (alarms, history: nothing may be lost).
    Indicate,
}

/// One subscription the phone makes after connecting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Subscription {
    /// The service holding the characteristic.
    pub service: Uuid,
    /// The characteristic.
    pub characteristic: Uuid,
    /// Notify or indicate.
    pub delivery: Delivery,
}

/// Every subscription of profile v1, in the order the phone makes them (history first, so that
/// a replay it starts afterwards is received).
pub const SUBSCRIPTIONS: [Subscription; 5] = [
    Subscription {
        service: PUMP_SERVICE,
        characteristic: HISTORY_RECORD,
        delivery: Delivery::Indicate,
    },
    Subscription {
        service: PUMP_SERVICE,
        characteristic: HISTORY_CONTROL_POINT,
        delivery: Delivery::Indicate,
    },
    Subscription {
        service: PUMP_SERVICE,
        characteristic: ANNUNCIATION,
        delivery: Delivery::Indicate,
    },
    Subscription {
        service: PUMP_SERVICE,
        characteristic: STATUS,
        delivery: Delivery::Notify,
    },
    Subscription {
        service: BATTERY_SERVICE,
        characteristic: BATTERY_LEVEL,
        delivery: Delivery::Notify,
    },
];

/// Whether the phone may subscribe to `uuid` (write its CCCD).
#[must_use]
pub fn phone_may_subscribe(uuid: Uuid) -> bool {
    SUBSCRIPTIONS.iter().any(|s| s.characteristic == uuid)
}

/// Byte 1 of every pump-service frame: what the frame is. Each characteristic carries one kind
/// (the History Control Point carries requests one way and responses the other).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum FrameKind {
    /// Status (pump → phone).
    Status = 0x01,
    /// Annunciation: one alarm event (pump → phone).
    Annunciation = 0x02,
    /// One history record (pump → phone).
    HistoryRecord = 0x03,
    /// A History Control Point request (phone → pump).
    HistoryRequest = 0x04,
    /// A History Control Point response (pump → phone).
    HistoryResponse = 0x05,
    /// Features (pump → phone).
    Features = 0x06,
}

impl FrameKind {
    /// The kind for a wire byte, if it is one.
    #[must_use]
    pub fn from_byte(b: u8) -> Option<Self> {
        Some(match b {
            0x01 => Self::Status,
            0x02 => Self::Annunciation,
            0x03 => Self::HistoryRecord,
            0x04 => Self::HistoryRequest,
            0x05 => Self::HistoryResponse,
            0x06 => Self::Features,
            _ => return None,
        })
    }

    /// The characteristic that carries this kind.
    #[must_use]
    pub fn characteristic(self) -> Uuid {
        match self {
            Self::Status => STATUS,
            Self::Annunciation => ANNUNCIATION,
            Self::HistoryRecord => HISTORY_RECORD,
            Self::HistoryRequest | Self::HistoryResponse => HISTORY_CONTROL_POINT,
            Self::Features => FEATURES,
        }
    }

    /// A stable snake_case name (`status`, `history_record`…), as in the test vectors.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Status => "status",
            Self::Annunciation => "annunciation",
            Self::HistoryRecord => "history_record",
            Self::HistoryRequest => "history_request",
            Self::HistoryResponse => "history_response",
            Self::Features => "features",
        }
    }
}

/// A readable name for a profile UUID (for logs and the CLI), or `None` for a foreign one.
#[must_use]
pub fn characteristic_name(uuid: Uuid) -> Option<&'static str> {
    Some(match uuid {
        u if u == PUMP_SERVICE => "pump service",
        u if u == STATUS => "status",
        u if u == ANNUNCIATION => "annunciation",
        u if u == HISTORY_RECORD => "history record",
        u if u == HISTORY_CONTROL_POINT => "history control point",
        u if u == FEATURES => "features",
        u if u == DEVICE_INFORMATION_SERVICE => "device information service",
        u if u == MANUFACTURER_NAME => "manufacturer name",
        u if u == MODEL_NUMBER => "model number",
        u if u == SERIAL_NUMBER => "serial number",
        u if u == FIRMWARE_REVISION => "firmware revision",
        u if u == HARDWARE_REVISION => "hardware revision",
        u if u == BATTERY_SERVICE => "battery service",
        u if u == BATTERY_LEVEL => "battery level",
        u if u == CCCD => "client characteristic configuration",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_spelled_as_in_the_spec() {
        assert_eq!(
            PUMP_SERVICE.to_string(),
            "8d6a1000-7e3b-4a59-b1c4-2f9e6d0a5c37"
        );
        assert_eq!(
            HISTORY_CONTROL_POINT.to_string(),
            "8d6a1004-7e3b-4a59-b1c4-2f9e6d0a5c37"
        );
        assert_eq!(
            BATTERY_LEVEL.to_string(),
            "00002a19-0000-1000-8000-00805f9b34fb"
        );
        assert_eq!(CCCD.to_string(), "00002902-0000-1000-8000-00805f9b34fb");
    }

    #[test]
    fn the_phone_writes_only_the_control_point_and_subscriptions() {
        let all = [
            PUMP_SERVICE,
            STATUS,
            ANNUNCIATION,
            HISTORY_RECORD,
            HISTORY_CONTROL_POINT,
            FEATURES,
            MANUFACTURER_NAME,
            MODEL_NUMBER,
            SERIAL_NUMBER,
            FIRMWARE_REVISION,
            HARDWARE_REVISION,
            BATTERY_LEVEL,
            CCCD,
        ];
        let writable: Vec<_> = all.into_iter().filter(|u| phone_may_write(*u)).collect();
        assert_eq!(writable, vec![HISTORY_CONTROL_POINT, CCCD]);
        assert!(phone_may_subscribe(STATUS));
        assert!(!phone_may_subscribe(FEATURES));
        assert!(!phone_may_write(Uuid::nil()));
    }

    #[test]
    fn frame_kinds_round_trip_and_name_their_characteristic() {
        for b in 0..=255_u8 {
            if let Some(k) = FrameKind::from_byte(b) {
                assert_eq!(k as u8, b);
                assert!(characteristic_name(k.characteristic()).is_some());
            }
        }
        assert_eq!(FrameKind::from_byte(0), None);
        assert_eq!(FrameKind::from_byte(7), None);
    }
}
