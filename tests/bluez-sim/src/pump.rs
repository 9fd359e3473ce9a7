//! The simulated Thecal pump behind the simulated BlueZ: the same [`InProcessPump`] the core's
//! in-process tests and the apps' foreign-transport tests use, served as a GATT peripheral on
//! the bus so that the real btleplug stack talks to it.

use std::sync::{Arc, Mutex, PoisonError};

use thecal_core::link::TransportError;
use thecal_core::model::{AlarmKind, UtcDateTime};
use thecal_core::pump::profile;
use thecal_sim::{GattValue, InProcessPump};
use uuid::Uuid;

use crate::{
    Advertisement, AttError, BdAddr, CharFlags, CharacteristicDef, LinkEvent, Notifier, Peripheral,
    ServiceDef, WriteKind,
};

/// The pairing code of the simulated pumps (as printed for the clinic), unless set otherwise.
pub const SIM_PASSKEY: u32 = 246_810;

/// A simulated pump as a BLE peripheral. Its pump service needs an authenticated, encrypted link
/// (a central must pair first, entering the pump's passkey through its agent); Device
/// Information and Battery are open.
#[derive(Debug)]
pub struct PumpPeripheral {
    pump: Arc<InProcessPump>,
    address: BdAddr,
    notifier: Mutex<Option<Notifier>>,
    passkey: Option<u32>,
    name: Option<String>,
}

impl PumpPeripheral {
    /// Serves `pump` at `address`, with pairing code [`SIM_PASSKEY`].
    #[must_use]
    pub fn new(pump: Arc<InProcessPump>, address: BdAddr) -> Arc<Self> {
        Self::with(pump, address, Some(SIM_PASSKEY), None)
    }

    /// Serves `pump` at `address`, with `passkey` as its pairing code (`None`: its service is
    /// open, no pairing needed), advertising `name` (`None`: the pump's own).
    #[must_use]
    pub fn with(
        pump: Arc<InProcessPump>,
        address: BdAddr,
        passkey: Option<u32>,
        name: Option<String>,
    ) -> Arc<Self> {
        Arc::new(Self {
            pump,
            address,
            notifier: Mutex::new(None),
            passkey,
            name,
        })
    }

    /// The simulated pump.
    #[must_use]
    pub fn pump(&self) -> &Arc<InProcessPump> {
        &self.pump
    }

    /// Its Bluetooth address.
    #[must_use]
    pub fn address(&self) -> BdAddr {
        self.address
    }

    /// Moves the pump's world to `t` and sends what it notifies; returns how many values went out.
    pub async fn advance_to(&self, t: UtcDateTime) -> usize {
        let values = self.pump.advance_to(t);
        self.send(values).await
    }

    /// Raises an alarm at the pump and sends its annunciation.
    pub async fn raise_alarm(&self, kind: AlarmKind) -> usize {
        let values = self.pump.raise_alarm(kind);
        self.send(values).await
    }

    async fn send(&self, values: Vec<GattValue>) -> usize {
        let notifier = self
            .notifier
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let Some(notifier) = notifier else { return 0 };
        let mut sent = 0;
        for v in values {
            if let Ok(uuid) = Uuid::parse_str(&v.characteristic)
                && notifier.notify(uuid, &v.value).await.is_ok()
            {
                sent += 1;
            }
        }
        sent
    }
}

fn att(e: &TransportError) -> AttError {
    match e {
        TransportError::NotConnected => AttError::Unlikely,
        TransportError::Gatt { reason } if reason.contains("cannot be written") => {
            AttError::WriteNotPermitted
        }
        TransportError::Gatt { reason } if reason.contains("cannot be read") => {
            AttError::ReadNotPermitted
        }
        // The profile's application error for an invalid frame.
        _ => AttError::Application(0x80),
    }
}

fn read_only(uuid: Uuid) -> CharacteristicDef {
    CharacteristicDef::new(uuid, CharFlags::READ)
}

#[crate::async_trait]
impl Peripheral for PumpPeripheral {
    fn advertisement(&self) -> Advertisement {
        let ad = self.pump.advertisement();
        let own = ad.as_ref().and_then(|a| a.name.as_deref());
        let mut adv = Advertisement::new(self.address, self.name.as_deref().or(own));
        adv.service_uuids = vec![profile::PUMP_SERVICE];
        if let Some(ad) = &ad {
            for d in &ad.service_data {
                if let Ok(uuid) = Uuid::parse_str(&d.uuid) {
                    adv.service_data.insert(uuid, d.data.clone());
                }
            }
        }
        adv.rssi = -55;
        adv
    }

    fn gatt_table(&self) -> Vec<ServiceDef> {
        let encrypted = self.passkey.is_some();
        let indicate = CharFlags {
            indicate: true,
            encrypted,
            ..CharFlags::default()
        };
        let control = CharFlags {
            write: true,
            indicate: true,
            encrypted,
            ..CharFlags::default()
        };
        let read_notify = CharFlags {
            encrypted,
            ..CharFlags::READ_NOTIFY
        };
        let read = CharFlags {
            encrypted,
            ..CharFlags::READ
        };
        vec![
            ServiceDef {
                uuid: profile::DEVICE_INFORMATION_SERVICE,
                primary: true,
                characteristics: [
                    profile::MANUFACTURER_NAME,
                    profile::MODEL_NUMBER,
                    profile::SERIAL_NUMBER,
                    profile::FIRMWARE_REVISION,
                    profile::HARDWARE_REVISION,
                ]
                .into_iter()
                .map(read_only)
                .collect(),
            },
            ServiceDef {
                uuid: profile::BATTERY_SERVICE,
                primary: true,
                characteristics: vec![CharacteristicDef::new(
                    profile::BATTERY_LEVEL,
                    CharFlags::READ_NOTIFY,
                )],
            },
            ServiceDef {
                uuid: profile::PUMP_SERVICE,
                primary: true,
                characteristics: vec![
                    CharacteristicDef::new(profile::STATUS, read_notify),
                    CharacteristicDef::new(profile::ANNUNCIATION, indicate),
                    CharacteristicDef::new(profile::HISTORY_RECORD, indicate),
                    CharacteristicDef::new(profile::HISTORY_CONTROL_POINT, control),
                    CharacteristicDef::new(profile::FEATURES, read),
                ],
            },
        ]
    }

    async fn read(&self, characteristic: Uuid) -> Result<Vec<u8>, AttError> {
        self.pump
            .read(characteristic.to_string())
            .map_err(|e| att(&e))
    }

    async fn write(
        &self,
        characteristic: Uuid,
        value: &[u8],
        _kind: WriteKind,
    ) -> Result<(), AttError> {
        let indications = self
            .pump
            .write(characteristic.to_string(), value.to_vec())
            .map_err(|e| att(&e))?;
        // Indications follow the write's response, as on the air.
        let notifier = self
            .notifier
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(notifier) = notifier {
            tokio::spawn(async move {
                for v in indications {
                    if let Ok(uuid) = Uuid::parse_str(&v.characteristic) {
                        let _ = notifier.notify(uuid, &v.value).await;
                    }
                }
            });
        }
        Ok(())
    }

    fn pairing_passkey(&self) -> Option<u32> {
        self.passkey
    }

    fn attach(&self, notifier: Notifier) {
        *self.notifier.lock().unwrap_or_else(PoisonError::into_inner) = Some(notifier);
    }

    fn on_link_event(&self, event: LinkEvent) {
        match event {
            LinkEvent::Connected => {
                let _ = self.pump.connect();
                if self.passkey.is_none() {
                    // An open service: the pump does not ask for pairing.
                    let _ = self.pump.bond();
                }
            }
            LinkEvent::Disconnected => self.pump.disconnect(),
            LinkEvent::Subscribed(uuid) => {
                let _ = self.pump.subscribe(uuid.to_string());
            }
            LinkEvent::Unsubscribed(_) => {}
            LinkEvent::Bonded => {
                let _ = self.pump.bond();
            }
        }
    }
}
