//! The driver interface, so more pump models can be added, and the two drivers over profile v1.
//!
//! The link manager scans, picks a driver with [`driver_for_advertisement`], connects, reads the
//! Features characteristic and confirms with [`driver_for_features`], then hands every frame to
//! that driver. A driver turns its model's frames into the one domain model and refuses values
//! its model cannot have.

use super::advertisement::Advertisement;
use super::codec::{
    self, AnnunciationFrame, HistoryRecordFrame, HistoryResponse, PumpFeatures, StatusFrame,
};
use super::error::FrameError;
use super::profile::{self, Subscription};
use crate::model::{
    DeviceInfo, EventSequence, PumpKind, ReservoirKind, StatusReading, UtcDateTime, Volume,
};

/// The Device Information Service strings, as read (raw bytes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceInfoBytes {
    /// Manufacturer Name String.
    pub manufacturer: Vec<u8>,
    /// Model Number String.
    pub model: Vec<u8>,
    /// Serial Number String.
    pub serial: Vec<u8>,
    /// Firmware Revision String.
    pub firmware_revision: Vec<u8>,
    /// Hardware Revision String, if the pump has the characteristic.
    pub hardware_revision: Option<Vec<u8>>,
}

/// What a pump model can do and report, for the app to adapt its screens.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Capabilities {
    /// Implanted or external.
    pub kind: PumpKind,
    /// Whether its battery can be changed (else the pump is replaced at end of service).
    pub battery_replaceable: bool,
    /// Its reservoir.
    pub reservoir_kind: ReservoirKind,
    /// Its reservoir capacity.
    pub reservoir_capacity: Volume,
    /// The volume at which it raises "reservoir low".
    pub low_reservoir_threshold: Volume,
    /// Days from the elective replacement indicator to end of service, when known.
    pub eri_to_eos_days: Option<u16>,
    /// The battery level (%) at which the model raises its elective replacement indicator, so
    /// the battery trend can be extrapolated to it. A property of the model, from its maker.
    pub eri_battery_percent: u8,
    /// The longest the model runs from implant to its elective replacement indicator, in days,
    /// when its maker states one.
    pub service_life_days: Option<u16>,
    /// Whether it can run a flex schedule.
    pub flex_schedule: bool,
    /// Whether it can give boluses.
    pub bolus: bool,
    /// How many history records it keeps.
    pub history_capacity: u16,
}

/// A pump model's protocol: match it, decode its frames into the domain model, say what it can
/// do. Implementations are stateless; the link keeps per-connection state (counters).
pub trait PumpDriver: Send + Sync + std::fmt::Debug {
    /// A stable identifier (`thecal-v1-implanted`), for logs and storage.
    fn id(&self) -> &'static str;

    /// The kind of pump this driver handles.
    fn kind(&self) -> PumpKind;

    /// Whether a scanned peripheral looks like this driver's pump (before connecting).
    fn matches_advertisement(&self, adv: &Advertisement) -> bool;

    /// Whether the connected pump's Features are this driver's model (after connecting).
    fn matches_features(&self, features: &PumpFeatures) -> bool;

    /// The model's capabilities, from its Features.
    fn capabilities(&self, features: &PumpFeatures) -> Capabilities;

    /// The GATT subscriptions to make after connecting, in order.
    fn subscriptions(&self) -> &'static [Subscription] {
        &profile::SUBSCRIPTIONS
    }

    /// Checks a status reading against what this model can report.
    ///
    /// # Errors
    /// [`FrameError::NotForThisPump`] naming the field.
    fn check_status(&self, reading: &StatusReading) -> Result<(), FrameError>;

    /// Builds the pump's identity from the Device Information strings and its Features.
    ///
    /// # Errors
    /// [`FrameError::InvalidText`] / [`FrameError::TooLong`] for an unreadable string,
    /// [`FrameError::OutOfRange`] for a missing one, [`FrameError::NotForThisPump`] if the
    /// Features are not this driver's model.
    fn device_info(
        &self,
        dis: &DeviceInfoBytes,
        features: &PumpFeatures,
    ) -> Result<DeviceInfo, FrameError> {
        if !self.matches_features(features) {
            return Err(FrameError::not_for_this_pump(
                "pump_kind",
                "the features describe another model",
            ));
        }
        let required = |field: &str, bytes: &[u8]| -> Result<String, FrameError> {
            let s = codec::decode_dis_text(field, bytes)?;
            if s.trim().is_empty() {
                return Err(FrameError::out_of_range(field, "must not be empty"));
            }
            Ok(s)
        };
        let info = DeviceInfo {
            manufacturer: required("manufacturer", &dis.manufacturer)?,
            model: required("model", &dis.model)?,
            serial: required("serial", &dis.serial)?,
            firmware_revision: required("firmware_revision", &dis.firmware_revision)?,
            hardware_revision: match &dis.hardware_revision {
                Some(b) => Some(codec::decode_dis_text("hardware_revision", b)?)
                    .filter(|s| !s.trim().is_empty()),
                None => None,
            },
            kind: features.pump_kind,
            reservoir_kind: features.reservoir_kind,
            reservoir_capacity: features.reservoir_capacity,
        };
        info.validate()
            .map_err(|e| FrameError::out_of_range(e.field, &e.reason))?;
        Ok(info)
    }

    /// Decodes a Status notification (or read) received at `received_at`.
    ///
    /// # Errors
    /// The codec's errors, or [`FrameError::NotForThisPump`].
    fn decode_status(
        &self,
        bytes: &[u8],
        received_at: UtcDateTime,
    ) -> Result<StatusFrame, FrameError> {
        let frame = codec::decode_status(bytes, received_at)?;
        self.check_status(&frame.reading)?;
        Ok(frame)
    }

    /// Decodes an Annunciation indication.
    ///
    /// # Errors
    /// The codec's errors.
    fn decode_annunciation(&self, bytes: &[u8]) -> Result<AnnunciationFrame, FrameError> {
        codec::decode_annunciation(bytes)
    }

    /// Decodes a History Record indication.
    ///
    /// # Errors
    /// The codec's errors.
    fn decode_history_record(&self, bytes: &[u8]) -> Result<HistoryRecordFrame, FrameError> {
        codec::decode_history_record(bytes)
    }

    /// Decodes a History Control Point indication (the response to a request).
    ///
    /// # Errors
    /// The codec's errors.
    fn decode_history_response(&self, bytes: &[u8]) -> Result<HistoryResponse, FrameError> {
        codec::decode_history_response(bytes)
    }

    /// Decodes a Battery Level value.
    ///
    /// # Errors
    /// The codec's errors.
    fn decode_battery_level(&self, bytes: &[u8]) -> Result<u8, FrameError> {
        codec::decode_battery_level(bytes)
    }

    /// The request to write to the History Control Point for every record after `after`.
    fn history_request_since(&self, counter: u8, after: EventSequence) -> Vec<u8> {
        codec::encode_records_since(counter, after)
    }
}

fn check_reservoir(
    reading: &StatusReading,
    allowed: impl Fn(Volume) -> bool,
    what: &str,
) -> Result<(), FrameError> {
    if allowed(reading.reservoir_capacity) {
        Ok(())
    } else {
        Err(FrameError::not_for_this_pump("reservoir_capacity", what))
    }
}

/// The battery level at which the v1 implanted reference model raises ERI.
pub const IMPLANTED_ERI_PERCENT: u8 = 8;

/// The v1 implanted reference model's service life to ERI: its class stops infusing after at
/// most seven years (Medtronic, "Getting a replacement – drug pumps"), 90 days after ERI, so ERI
/// comes at the latest 7 × 365.25 − 90 days after implant.
pub const IMPLANTED_SERVICE_LIFE_DAYS: u16 = 2_466;

/// The battery level at which the v1 external reference model raises its low-battery (replace)
/// indicator.
pub const EXTERNAL_ERI_PERCENT: u8 = 10;

/// An implanted pump over profile v1: a chamber of 20 or 40 mL refilled by needle, a battery
/// that cannot be replaced (ERI, then EOS when infusion stops).
#[derive(Debug, Clone, Copy, Default)]
pub struct ImplantedDriver;

/// The reservoir sizes of implanted pumps this driver accepts.
pub const IMPLANTED_CAPACITIES: [Volume; 2] =
    [Volume::from_milliliters(20), Volume::from_milliliters(40)];

impl PumpDriver for ImplantedDriver {
    fn id(&self) -> &'static str {
        "thecal-v1-implanted"
    }

    fn kind(&self) -> PumpKind {
        PumpKind::Implanted
    }

    fn matches_advertisement(&self, adv: &Advertisement) -> bool {
        adv.has_pump_service() && adv.pump_kind() == Some(PumpKind::Implanted)
    }

    fn matches_features(&self, f: &PumpFeatures) -> bool {
        f.pump_kind == PumpKind::Implanted
            && f.reservoir_kind == ReservoirKind::ImplantedChamber
            && IMPLANTED_CAPACITIES.contains(&f.reservoir_capacity)
            && !f.battery_replaceable
    }

    fn capabilities(&self, f: &PumpFeatures) -> Capabilities {
        Capabilities {
            eri_battery_percent: IMPLANTED_ERI_PERCENT,
            service_life_days: Some(IMPLANTED_SERVICE_LIFE_DAYS),
            kind: PumpKind::Implanted,
            battery_replaceable: false,
            reservoir_kind: ReservoirKind::ImplantedChamber,
            reservoir_capacity: f.reservoir_capacity,
            low_reservoir_threshold: f.low_reservoir_threshold,
            eri_to_eos_days: (f.eri_to_eos_days > 0).then_some(f.eri_to_eos_days),
            flex_schedule: f.flex_schedule,
            bolus: f.bolus,
            history_capacity: f.history_capacity,
        }
    }

    fn check_status(&self, r: &StatusReading) -> Result<(), FrameError> {
        check_reservoir(
            r,
            |c| IMPLANTED_CAPACITIES.contains(&c),
            "an implanted pump holds 20 or 40 mL",
        )?;
        if r.battery.indicator == crate::model::BatteryIndicator::EndOfService
            && r.mode != crate::model::InfusionMode::Stopped
        {
            return Err(FrameError::not_for_this_pump(
                "mode",
                "an implanted pump at end of service has stopped infusing",
            ));
        }
        Ok(())
    }
}

/// An external pump over profile v1: a cassette or bag, a battery that can be changed; used for
/// trials.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExternalDriver;

impl PumpDriver for ExternalDriver {
    fn id(&self) -> &'static str {
        "thecal-v1-external"
    }

    fn kind(&self) -> PumpKind {
        PumpKind::External
    }

    fn matches_advertisement(&self, adv: &Advertisement) -> bool {
        adv.has_pump_service() && adv.pump_kind() == Some(PumpKind::External)
    }

    fn matches_features(&self, f: &PumpFeatures) -> bool {
        f.pump_kind == PumpKind::External
            && matches!(
                f.reservoir_kind,
                ReservoirKind::Cassette | ReservoirKind::Bag
            )
            && f.battery_replaceable
    }

    fn capabilities(&self, f: &PumpFeatures) -> Capabilities {
        Capabilities {
            eri_battery_percent: EXTERNAL_ERI_PERCENT,
            service_life_days: None,
            kind: PumpKind::External,
            battery_replaceable: true,
            reservoir_kind: f.reservoir_kind,
            reservoir_capacity: f.reservoir_capacity,
            low_reservoir_threshold: f.low_reservoir_threshold,
            eri_to_eos_days: (f.eri_to_eos_days > 0).then_some(f.eri_to_eos_days),
            flex_schedule: f.flex_schedule,
            bolus: f.bolus,
            history_capacity: f.history_capacity,
        }
    }

    fn check_status(&self, r: &StatusReading) -> Result<(), FrameError> {
        // Any capacity the codec accepts (up to 1000 mL) fits a cassette or bag.
        check_reservoir(r, |c| c.microliters > 0, "an external pump has a reservoir")
    }
}

/// Every driver this build has, most specific first.
pub static DRIVERS: [&dyn PumpDriver; 2] = [&ImplantedDriver, &ExternalDriver];

/// The driver for a scanned peripheral, if one matches.
#[must_use]
pub fn driver_for_advertisement(adv: &Advertisement) -> Option<&'static dyn PumpDriver> {
    DRIVERS
        .iter()
        .copied()
        .find(|d| d.matches_advertisement(adv))
}

/// The driver for a connected pump's Features, if one matches.
#[must_use]
pub fn driver_for_features(features: &PumpFeatures) -> Option<&'static dyn PumpDriver> {
    DRIVERS
        .iter()
        .copied()
        .find(|d| d.matches_features(features))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BatteryIndicator, InfusionMode};

    fn implanted_features() -> PumpFeatures {
        PumpFeatures {
            pump_kind: PumpKind::Implanted,
            reservoir_kind: ReservoirKind::ImplantedChamber,
            reservoir_capacity: Volume::from_milliliters(40),
            flex_schedule: true,
            bolus: true,
            battery_replaceable: false,
            history_capacity: 1024,
            eri_to_eos_days: 90,
            low_reservoir_threshold: Volume::from_milliliters(2),
        }
    }

    fn adv(kind: PumpKind) -> Advertisement {
        Advertisement {
            name: Some("Pump".into()),
            service_uuids: vec![profile::PUMP_SERVICE.to_string()],
            service_data: vec![super::super::ServiceData {
                uuid: profile::PUMP_SERVICE.to_string(),
                data: codec::encode_advertisement_data(kind).to_vec(),
            }],
            ..Advertisement::default()
        }
    }

    #[test]
    fn drivers_are_picked_by_advertisement_and_features() {
        assert_eq!(
            driver_for_advertisement(&adv(PumpKind::Implanted)).map(|d| d.id()),
            Some("thecal-v1-implanted")
        );
        assert_eq!(
            driver_for_advertisement(&adv(PumpKind::External)).map(|d| d.id()),
            Some("thecal-v1-external")
        );
        assert!(driver_for_advertisement(&Advertisement::default()).is_none());
        let f = implanted_features();
        assert_eq!(
            driver_for_features(&f).map(|d| d.kind()),
            Some(PumpKind::Implanted)
        );
        let odd = PumpFeatures {
            reservoir_capacity: Volume::from_milliliters(30),
            ..f
        };
        assert!(driver_for_features(&odd).is_none());
        let ext = PumpFeatures {
            pump_kind: PumpKind::External,
            reservoir_kind: ReservoirKind::Cassette,
            reservoir_capacity: Volume::from_milliliters(100),
            battery_replaceable: true,
            eri_to_eos_days: 0,
            ..f
        };
        let d = driver_for_features(&ext).unwrap();
        assert_eq!(d.capabilities(&ext).eri_to_eos_days, None);
        assert!(d.capabilities(&ext).battery_replaceable);
    }

    #[test]
    fn device_info_is_built_and_checked() {
        let dis = DeviceInfoBytes {
            manufacturer: b"Thecal Sim".to_vec(),
            model: b"IT-40".to_vec(),
            serial: b"SIM-1".to_vec(),
            firmware_revision: b"1.2.0".to_vec(),
            hardware_revision: Some(b"\0".to_vec()),
        };
        let info = ImplantedDriver
            .device_info(&dis, &implanted_features())
            .unwrap();
        assert_eq!(info.serial, "SIM-1");
        assert_eq!(info.hardware_revision, None);
        assert_eq!(info.reservoir_capacity, Volume::from_milliliters(40));
        let bad = DeviceInfoBytes {
            serial: Vec::new(),
            ..dis.clone()
        };
        assert_eq!(
            ImplantedDriver
                .device_info(&bad, &implanted_features())
                .unwrap_err(),
            FrameError::out_of_range("serial", "must not be empty")
        );
        assert_eq!(
            ExternalDriver
                .device_info(&dis, &implanted_features())
                .unwrap_err()
                .code(),
            "not_for_this_pump"
        );
    }

    #[test]
    fn the_implanted_driver_refuses_what_its_model_cannot_report() {
        let now = chrono::Utc::now();
        let mut r = crate::model::test_reading(now);
        assert_eq!(ImplantedDriver.check_status(&r), Ok(()));
        r.reservoir_capacity = Volume::from_milliliters(100);
        assert_eq!(
            ImplantedDriver.check_status(&r).unwrap_err().code(),
            "not_for_this_pump"
        );
        assert_eq!(ExternalDriver.check_status(&r), Ok(()));
        let mut r = crate::model::test_reading(now);
        r.battery.indicator = BatteryIndicator::EndOfService;
        assert!(ImplantedDriver.check_status(&r).is_err());
        r.mode = InfusionMode::Stopped;
        assert_eq!(ImplantedDriver.check_status(&r), Ok(()));
    }

    #[test]
    fn the_history_request_is_the_profile_request() {
        let bytes = ImplantedDriver.history_request_since(3, 41);
        let req = codec::decode_history_request(&bytes).unwrap();
        assert_eq!(req.counter, 3);
        assert_eq!(req.op, codec::HistoryOp::RecordsSince { after: 41 });
    }
}
