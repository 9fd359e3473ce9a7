//! The simulated pump as an in-process GATT peripheral, and a [`BleTransport`] over it.
//!
//! [`InProcessPump`] is exported to the apps so that Kotlin and Swift tests (and app demo modes)
//! can implement `BleTransport` with it exactly as they would with the phone's BLE stack;
//! [`InProcessTransport`] is that same implementation in Rust, for the core's own tests.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use uuid::Uuid;

use thecal_core::link::{
    Advertisement, BleTransport, TransportError, TransportEvents, canonical_uuid,
};
use thecal_core::model::{AlarmKind, PumpKind, UtcDateTime};
use thecal_core::pump::profile;

use crate::pump::{SimConfig, SimError, SimFault, SimOutput, SimPump};

/// One value the pump sends to the phone (a notification or an indication).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct GattValue {
    /// The characteristic UUID.
    pub characteristic: String,
    /// The bytes.
    pub value: Vec<u8>,
}

/// One write or subscription the pump received, for the read-only checks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReceivedWrite {
    /// The characteristic UUID.
    pub characteristic: String,
    /// The bytes written (empty for a subscription).
    pub value: Vec<u8>,
    /// Whether this was a subscription (a CCCD write) rather than a value write.
    pub subscription: bool,
}

/// The simulated pump behind a simulated radio link: connection state, subscriptions, and a log
/// of every write it received.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct InProcessPump {
    state: Mutex<PumpState>,
}

#[derive(Debug)]
#[allow(clippy::struct_excessive_bools)] // Independent radio and security states.
struct PumpState {
    sim: SimPump,
    /// The BLE identity (as a phone's stack reports it) and the transport's device id.
    identity: String,
    /// An advertised name that replaces the pump's own (a stranger spoofing a name).
    name: Option<String>,
    in_range: bool,
    connected: bool,
    /// Bonded with the phone (keys kept): the pump service is readable only then.
    bonded: bool,
    refuse_pairing: bool,
    subscribed: HashSet<Uuid>,
    writes: Vec<ReceivedWrite>,
    corrupt_on_air: HashSet<Uuid>,
}

/// Whether reading or writing `uuid` needs an encrypted (bonded) link: every characteristic of
/// the pump service. Device Information and Battery stay open.
fn needs_encryption(uuid: Uuid) -> bool {
    [
        profile::STATUS,
        profile::FEATURES,
        profile::ANNUNCIATION,
        profile::HISTORY_RECORD,
        profile::HISTORY_CONTROL_POINT,
    ]
    .contains(&uuid)
}

fn insufficient_authentication() -> TransportError {
    TransportError::Gatt {
        reason: "insufficient authentication: pair with the pump first".into(),
    }
}

fn parse(characteristic: &str) -> Result<Uuid, TransportError> {
    Uuid::parse_str(&canonical_uuid(characteristic)).map_err(|_| TransportError::Gatt {
        reason: "not a characteristic UUID".into(),
    })
}

fn gatt_error(e: &SimError) -> TransportError {
    TransportError::Gatt {
        reason: e.to_string(),
    }
}

impl InProcessPump {
    /// A pump built from a simulator configuration.
    #[must_use]
    pub fn from_config(config: SimConfig) -> Self {
        Self::from_sim(SimPump::new(config))
    }

    /// A pump that carries on from an existing simulation (e.g. after writing its history).
    #[must_use]
    pub fn from_sim(sim: SimPump) -> Self {
        let identity = format!("inprocess:{}", sim.config().serial);
        Self::from_sim_as(sim, identity, None)
    }

    /// As [`InProcessPump::from_sim`], with its own BLE identity and, if given, an advertised
    /// name in place of its own.
    #[must_use]
    pub fn from_sim_as(mut sim: SimPump, identity: String, name: Option<String>) -> Self {
        sim.set_subscribed(false);
        Self {
            state: Mutex::new(PumpState {
                sim,
                identity,
                name,
                in_range: true,
                connected: false,
                bonded: false,
                refuse_pairing: false,
                subscribed: HashSet::new(),
                writes: Vec::new(),
                corrupt_on_air: HashSet::new(),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, PumpState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn deliver(state: &mut PumpState, outputs: Vec<SimOutput>) -> Vec<GattValue> {
        if !state.connected {
            return Vec::new();
        }
        let mut values = Vec::new();
        for mut o in outputs {
            if !state.subscribed.contains(&o.characteristic) {
                continue;
            }
            if state.corrupt_on_air.remove(&o.characteristic)
                && let Some(last) = o.bytes.last_mut()
            {
                *last ^= 0x5A;
            }
            values.push(GattValue {
                characteristic: o.characteristic.to_string(),
                value: o.bytes,
            });
        }
        values
    }
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl InProcessPump {
    /// A simulated pump, implanted or external, started (full) at `start`; everything random
    /// follows from `seed`.
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    #[must_use]
    pub fn new(seed: u64, kind: PumpKind, start: UtcDateTime) -> Arc<Self> {
        let config = match kind {
            PumpKind::Implanted => SimConfig::implanted(seed, start),
            PumpKind::External => SimConfig::external(seed, start),
        };
        Arc::new(Self::from_config(config))
    }

    /// Another pump nearby, for waiting-room tests: its own BLE `identity`; its Device
    /// Information reports `serial` (`None`: its own), and it advertises `name` (`None`: its
    /// own), e.g. a stranger spoofing the paired pump's serial or name.
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    #[must_use]
    pub fn stranger(
        seed: u64,
        kind: PumpKind,
        start: UtcDateTime,
        identity: String,
        serial: Option<String>,
        name: Option<String>,
    ) -> Arc<Self> {
        let mut config = match kind {
            PumpKind::Implanted => SimConfig::implanted(seed, start),
            PumpKind::External => SimConfig::external(seed, start),
        };
        if let Some(serial) = serial {
            config.serial = serial;
        }
        Arc::new(Self::from_sim_as(SimPump::new(config), identity, name))
    }

    /// The device id the in-process transport uses for it: its BLE identity.
    #[must_use]
    pub fn device_id(&self) -> String {
        self.state().identity.clone()
    }

    /// Bonds with the phone (authenticated pairing): afterwards the pump service can be read.
    ///
    /// # Errors
    /// [`TransportError::NotConnected`], or [`TransportError::PairingRefused`] when the pump
    /// refuses ([`InProcessPump::refuse_pairing`]).
    pub fn bond(&self) -> Result<bool, TransportError> {
        let mut s = self.state();
        if !s.connected {
            return Err(TransportError::NotConnected);
        }
        if s.refuse_pairing {
            return Err(TransportError::PairingRefused);
        }
        s.bonded = true;
        Ok(true)
    }

    /// Whether the pump is bonded with the phone.
    #[must_use]
    pub fn is_bonded(&self) -> bool {
        self.state().bonded
    }

    /// Makes pairing fail (`true`, as a wrong passkey would) or succeed again (`false`).
    pub fn refuse_pairing(&self, refuse: bool) {
        self.state().refuse_pairing = refuse;
    }

    /// Forgets the bond (as after a pump reset): the pump service is encrypted again.
    pub fn forget_bond(&self) {
        self.state().bonded = false;
    }

    /// Its serial number.
    #[must_use]
    pub fn serial(&self) -> String {
        self.state().sim.config().serial.clone()
    }

    /// The simulated time it has reached.
    #[must_use]
    pub fn now(&self) -> UtcDateTime {
        self.state().sim.now()
    }

    /// What it advertises (nothing when out of range).
    #[must_use]
    pub fn advertisement(&self) -> Option<Advertisement> {
        let s = self.state();
        s.in_range.then(|| {
            let own = s.sim.advertisement();
            Advertisement {
                device_id: s.identity.clone(),
                rssi: Some(-60),
                name: s.name.clone().or(own.name.clone()),
                ..own
            }
        })
    }

    /// Accepts a connection (fails when out of range).
    ///
    /// # Errors
    /// [`TransportError::DeviceNotFound`] when out of range.
    pub fn connect(&self) -> Result<(), TransportError> {
        let mut s = self.state();
        if !s.in_range {
            return Err(TransportError::DeviceNotFound);
        }
        if !s.connected {
            s.connected = true;
            // The pump's cell pays for the connection (decision 0003 §9.2).
            s.sim.set_link_connected(true);
        }
        s.sim.set_subscribed(true);
        Ok(())
    }

    /// Ends the connection: subscriptions are forgotten, events go to the pump's history only.
    pub fn disconnect(&self) {
        let mut s = self.state();
        if s.connected {
            s.sim.set_link_connected(false);
        }
        s.connected = false;
        s.subscribed.clear();
        s.sim.set_subscribed(false);
    }

    /// Moves the pump in or out of radio range (out of range also drops the connection).
    pub fn set_in_range(&self, in_range: bool) {
        self.state().in_range = in_range;
        if !in_range {
            self.disconnect();
        }
    }

    /// Whether a phone is connected.
    #[must_use]
    pub fn is_connected(&self) -> bool {
        self.state().connected
    }

    /// Answers a read.
    ///
    /// # Errors
    /// [`TransportError::NotConnected`], or [`TransportError::Gatt`] for an unknown or unreadable
    /// characteristic.
    pub fn read(&self, characteristic: String) -> Result<Vec<u8>, TransportError> {
        let uuid = parse(&characteristic)?;
        let mut s = self.state();
        if !s.connected {
            return Err(TransportError::NotConnected);
        }
        if needs_encryption(uuid) && !s.bonded {
            return Err(insufficient_authentication());
        }
        s.sim.read(uuid).map_err(|e| gatt_error(&e))
    }

    /// Answers a write and returns the indications that follow it (history replay).
    ///
    /// # Errors
    /// [`TransportError::NotConnected`], or [`TransportError::Gatt`] when the pump refuses it.
    pub fn write(
        &self,
        characteristic: String,
        value: Vec<u8>,
    ) -> Result<Vec<GattValue>, TransportError> {
        let uuid = parse(&characteristic)?;
        let mut s = self.state();
        if !s.connected {
            return Err(TransportError::NotConnected);
        }
        s.writes.push(ReceivedWrite {
            characteristic: uuid.to_string(),
            value: value.clone(),
            subscription: false,
        });
        if needs_encryption(uuid) && !s.bonded {
            return Err(insufficient_authentication());
        }
        let out = s.sim.write(uuid, &value).map_err(|e| gatt_error(&e))?;
        Ok(Self::deliver(&mut s, out))
    }

    /// Enables notifications or indications on a characteristic.
    ///
    /// # Errors
    /// [`TransportError::NotConnected`], or [`TransportError::Gatt`] for a characteristic that
    /// does not notify.
    pub fn subscribe(&self, characteristic: String) -> Result<(), TransportError> {
        let uuid = parse(&characteristic)?;
        let mut s = self.state();
        if !s.connected {
            return Err(TransportError::NotConnected);
        }
        s.writes.push(ReceivedWrite {
            characteristic: uuid.to_string(),
            value: Vec::new(),
            subscription: true,
        });
        if needs_encryption(uuid) && !s.bonded {
            return Err(insufficient_authentication());
        }
        if !profile::SUBSCRIPTIONS
            .iter()
            .any(|sub| sub.characteristic == uuid)
        {
            return Err(TransportError::Gatt {
                reason: "this characteristic does not notify".into(),
            });
        }
        s.subscribed.insert(uuid);
        Ok(())
    }

    /// Moves the pump's world to `t`; returns what a connected, subscribed phone receives.
    pub fn advance_to(&self, t: UtcDateTime) -> Vec<GattValue> {
        let mut s = self.state();
        let out = s.sim.advance_to(t);
        Self::deliver(&mut s, out)
    }

    /// Raises an alarm now (e.g. a motor stall); returns what a connected phone receives.
    pub fn raise_alarm(&self, kind: AlarmKind) -> Vec<GattValue> {
        let mut s = self.state();
        let out = s.sim.inject(SimFault::RaiseAlarm(kind));
        Self::deliver(&mut s, out)
    }

    /// Clears an active alarm now; returns what a connected phone receives.
    pub fn clear_alarm(&self, kind: AlarmKind) -> Vec<GattValue> {
        let mut s = self.state();
        let out = s.sim.inject(SimFault::ClearAlarm(kind));
        Self::deliver(&mut s, out)
    }

    /// Damages the next frame the pump sends (its CRC will fail).
    pub fn corrupt_next_frame(&self) {
        self.state().sim.inject(SimFault::CorruptNextFrame);
    }

    /// Damages the next value sent on `characteristic` on its way to the phone (as radio noise
    /// would; the pump itself is not affected).
    ///
    /// # Errors
    /// [`TransportError::Gatt`] for a string that is not a UUID.
    pub fn corrupt_next_on_air(&self, characteristic: String) -> Result<(), TransportError> {
        let uuid = parse(&characteristic)?;
        self.state().corrupt_on_air.insert(uuid);
        Ok(())
    }

    /// Every write and subscription the pump has received.
    #[must_use]
    pub fn received_writes(&self) -> Vec<ReceivedWrite> {
        self.state().writes.clone()
    }

    /// The sequence numbers of every event in the pump's own history, oldest first.
    #[must_use]
    pub fn history_sequences(&self) -> Vec<u32> {
        self.state().sim.history().map(|e| e.sequence).collect()
    }
}

/// [`BleTransport`] over [`InProcessPump`]s: what an app's own transport does with the phone's
/// BLE stack, done in Rust for the core's tests and tools. One pump is the patient's (the
/// first); others can stand nearby ([`InProcessTransport::add_pump`]). Faults: Bluetooth off,
/// a panic in the next read, and a log of every connection attempt (to show which pumps the
/// link connected to).
#[derive(Debug)]
pub struct InProcessTransport {
    pumps: Mutex<Vec<Arc<InProcessPump>>>,
    events: Mutex<Option<Arc<TransportEvents>>>,
    bluetooth_on: AtomicBool,
    panic_next_read: AtomicBool,
    connections: Mutex<Vec<String>>,
}

impl InProcessTransport {
    /// A transport that reaches `pump` (the patient's).
    #[must_use]
    pub fn new(pump: Arc<InProcessPump>) -> Arc<Self> {
        Arc::new(Self {
            pumps: Mutex::new(vec![pump]),
            events: Mutex::new(None),
            bluetooth_on: AtomicBool::new(true),
            panic_next_read: AtomicBool::new(false),
            connections: Mutex::new(Vec::new()),
        })
    }

    /// Puts another pump within reach (a stranger in the waiting room).
    pub fn add_pump(&self, pump: Arc<InProcessPump>) {
        self.pumps
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(pump);
    }

    /// The patient's pump.
    #[must_use]
    pub fn pump(&self) -> Arc<InProcessPump> {
        Arc::clone(&self.pumps.lock().unwrap_or_else(PoisonError::into_inner)[0])
    }

    /// The pump answering to `device_id`: one in range first (two pumps may claim one
    /// identity, as a spoofer would).
    fn find(&self, device_id: &str) -> Result<Arc<InProcessPump>, TransportError> {
        let pumps = self.pumps.lock().unwrap_or_else(PoisonError::into_inner);
        let mut matching = pumps.iter().filter(|p| p.device_id() == device_id);
        let first = matching.clone().next().cloned();
        matching
            .find(|p| p.advertisement().is_some())
            .cloned()
            .or(first)
            .ok_or(TransportError::DeviceNotFound)
    }

    fn check_on(&self) -> Result<(), TransportError> {
        if self.bluetooth_on.load(Ordering::SeqCst) {
            Ok(())
        } else {
            Err(TransportError::BluetoothUnavailable {
                reason: "Bluetooth is off".into(),
            })
        }
    }

    /// Every device id a connection was attempted to, oldest first.
    #[must_use]
    pub fn connections(&self) -> Vec<String> {
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Switches the phone's Bluetooth off (every link drops, every call fails with
    /// `BluetoothUnavailable`) or on again.
    pub fn set_bluetooth_on(&self, on: bool) {
        self.bluetooth_on.store(on, Ordering::SeqCst);
        if !on {
            let pumps = self
                .pumps
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            for p in pumps {
                if p.is_connected() {
                    self.drop_link_of(&p);
                }
            }
        }
    }

    /// Makes the next read panic inside the link task (as a bug in a transport would).
    pub fn panic_on_next_read(&self) {
        self.panic_next_read.store(true, Ordering::SeqCst);
    }

    fn emit(&self, device_id: &str, values: Vec<GattValue>) {
        let events = self
            .events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(events) = events {
            for v in values {
                events.notification(device_id.to_owned(), v.characteristic, v.value);
            }
        }
    }

    /// Advances the patient's pump to `t` and delivers what it sends.
    pub fn advance_to(&self, t: UtcDateTime) {
        let pump = self.pump();
        self.emit(&pump.device_id(), pump.advance_to(t));
    }

    /// Raises an alarm at the patient's pump and delivers what it sends.
    pub fn raise_alarm(&self, kind: AlarmKind) {
        let pump = self.pump();
        self.emit(&pump.device_id(), pump.raise_alarm(kind));
    }

    /// Clears an alarm on the patient's pump and delivers its notifications.
    pub fn clear_alarm(&self, kind: AlarmKind) {
        let pump = self.pump();
        self.emit(&pump.device_id(), pump.clear_alarm(kind));
    }

    /// Moves the patient's pump in or out of radio range. Going out of range while connected
    /// ends the connection and reports it, as a real radio's supervision timeout does.
    pub fn set_in_range(&self, in_range: bool) {
        let pump = self.pump();
        let was_connected = pump.is_connected();
        pump.set_in_range(in_range);
        if !in_range && was_connected {
            self.drop_link_of(&pump);
        }
    }

    /// Drops the radio link to the patient's pump, as when the patient walks away.
    pub fn drop_link(&self) {
        self.drop_link_of(&self.pump());
    }

    fn drop_link_of(&self, pump: &InProcessPump) {
        pump.disconnect();
        let events = self
            .events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(events) = events {
            events.disconnected(pump.device_id());
        }
    }
}

/// How long an in-process scan takes when pumps advertise (a few advertising intervals).
const ADVERTISING_WAIT: std::time::Duration = std::time::Duration::from_millis(25);

#[async_trait::async_trait]
impl BleTransport for InProcessTransport {
    fn name(&self) -> String {
        "in-process simulated pump".into()
    }

    fn set_events(&self, events: Arc<TransportEvents>) -> Result<(), TransportError> {
        *self.events.lock().unwrap_or_else(PoisonError::into_inner) = Some(events);
        Ok(())
    }

    async fn scan(
        &self,
        _service_uuids: Vec<String>,
        timeout_ms: u32,
    ) -> Result<Vec<Advertisement>, TransportError> {
        self.check_on()?;
        let ads: Vec<Advertisement> = self
            .pumps
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter_map(|p| p.advertisement())
            .collect();
        let window = std::time::Duration::from_millis(u64::from(timeout_ms));
        let wait = if ads.is_empty() {
            window
        } else {
            ADVERTISING_WAIT.min(window)
        };
        tokio::time::sleep(wait).await;
        self.check_on()?;
        Ok(ads)
    }

    async fn connect(&self, device_id: String) -> Result<(), TransportError> {
        self.check_on()?;
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(device_id.clone());
        self.find(&device_id)?.connect()
    }

    async fn bond(&self, device_id: String) -> Result<bool, TransportError> {
        self.check_on()?;
        self.find(&device_id)?.bond()
    }

    async fn identity(&self, device_id: String) -> Result<String, TransportError> {
        Ok(self.find(&device_id)?.device_id())
    }

    async fn disconnect(&self, device_id: String) -> Result<(), TransportError> {
        let pump = self.find(&device_id)?;
        if pump.is_connected() {
            self.drop_link_of(&pump);
        }
        Ok(())
    }

    async fn read(
        &self,
        device_id: String,
        characteristic: String,
    ) -> Result<Vec<u8>, TransportError> {
        assert!(
            !self.panic_next_read.swap(false, Ordering::SeqCst),
            "injected panic in the link task"
        );
        self.check_on()?;
        self.find(&device_id)?.read(characteristic)
    }

    async fn write(
        &self,
        device_id: String,
        characteristic: String,
        value: Vec<u8>,
    ) -> Result<(), TransportError> {
        self.check_on()?;
        let pump = self.find(&device_id)?;
        let indications = pump.write(characteristic, value)?;
        self.emit(&device_id, indications);
        Ok(())
    }

    async fn subscribe(
        &self,
        device_id: String,
        characteristic: String,
    ) -> Result<(), TransportError> {
        self.check_on()?;
        self.find(&device_id)?.subscribe(characteristic)
    }
}
