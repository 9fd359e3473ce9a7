//! The simulated pump as an in-process GATT peripheral, and a [`BleTransport`] over it.
//!
//! [`InProcessPump`] is exported to the apps so that Kotlin and Swift tests (and app demo modes)
//! can implement `BleTransport` with it exactly as they would with the phone's BLE stack;
//! [`InProcessTransport`] is that same implementation in Rust, for the core's own tests.

use std::collections::HashSet;
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
struct PumpState {
    sim: SimPump,
    in_range: bool,
    connected: bool,
    subscribed: HashSet<Uuid>,
    writes: Vec<ReceivedWrite>,
    corrupt_on_air: HashSet<Uuid>,
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
    pub fn from_sim(mut sim: SimPump) -> Self {
        sim.set_subscribed(false);
        Self {
            state: Mutex::new(PumpState {
                sim,
                in_range: true,
                connected: false,
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

    /// The device id the in-process transport uses for it.
    #[must_use]
    pub fn device_id(&self) -> String {
        format!("inprocess:{}", self.state().sim.config().serial)
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
        s.in_range.then(|| Advertisement {
            device_id: format!("inprocess:{}", s.sim.config().serial),
            rssi: Some(-60),
            ..s.sim.advertisement()
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

/// [`BleTransport`] over an [`InProcessPump`]: what an app's own transport does with the phone's
/// BLE stack, done in Rust for the core's tests and tools.
#[derive(Debug)]
pub struct InProcessTransport {
    pump: Arc<InProcessPump>,
    events: Mutex<Option<Arc<TransportEvents>>>,
}

impl InProcessTransport {
    /// A transport that reaches `pump`.
    #[must_use]
    pub fn new(pump: Arc<InProcessPump>) -> Arc<Self> {
        Arc::new(Self {
            pump,
            events: Mutex::new(None),
        })
    }

    /// The pump behind it.
    #[must_use]
    pub fn pump(&self) -> &Arc<InProcessPump> {
        &self.pump
    }

    fn emit(&self, values: Vec<GattValue>) {
        let events = self
            .events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(events) = events {
            for v in values {
                events.notification(self.pump.device_id(), v.characteristic, v.value);
            }
        }
    }

    /// Advances the pump to `t` and delivers what it sends.
    pub fn advance_to(&self, t: UtcDateTime) {
        self.emit(self.pump.advance_to(t));
    }

    /// Raises an alarm at the pump and delivers what it sends.
    pub fn raise_alarm(&self, kind: AlarmKind) {
        self.emit(self.pump.raise_alarm(kind));
    }

    /// Moves the pump in or out of radio range. Going out of range while connected ends the
    /// connection and reports it, as a real radio's supervision timeout does.
    pub fn set_in_range(&self, in_range: bool) {
        let was_connected = self.pump.is_connected();
        self.pump.set_in_range(in_range);
        if !in_range && was_connected {
            self.drop_link();
        }
    }

    /// Drops the radio link, as when the patient walks away from the phone.
    pub fn drop_link(&self) {
        self.pump.disconnect();
        let events = self
            .events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(events) = events {
            events.disconnected(self.pump.device_id());
        }
    }
}

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
        _timeout_ms: u32,
    ) -> Result<Vec<Advertisement>, TransportError> {
        Ok(self.pump.advertisement().into_iter().collect())
    }

    async fn connect(&self, device_id: String) -> Result<(), TransportError> {
        if device_id != self.pump.device_id() {
            return Err(TransportError::DeviceNotFound);
        }
        self.pump.connect()
    }

    async fn disconnect(&self, _device_id: String) -> Result<(), TransportError> {
        if self.pump.is_connected() {
            self.drop_link();
        }
        Ok(())
    }

    async fn read(
        &self,
        _device_id: String,
        characteristic: String,
    ) -> Result<Vec<u8>, TransportError> {
        self.pump.read(characteristic)
    }

    async fn write(
        &self,
        _device_id: String,
        characteristic: String,
        value: Vec<u8>,
    ) -> Result<(), TransportError> {
        let indications = self.pump.write(characteristic, value)?;
        self.emit(indications);
        Ok(())
    }

    async fn subscribe(
        &self,
        _device_id: String,
        characteristic: String,
    ) -> Result<(), TransportError> {
        self.pump.subscribe(characteristic)
    }
}
