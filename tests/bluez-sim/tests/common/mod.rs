//! Shared set-up for the btleplug tests.
//!
//! libdbus reads `DBUS_SYSTEM_BUS_ADDRESS` once per process, so every btleplug test lives in its
//! own file (its own test binary, hence its own process under both `cargo test` and
//! `cargo nextest`) and calls [`TestBed::start`] once. A second call in one process fails loudly.

#![allow(dead_code)] // Each test binary uses a different part of this module.
#![allow(clippy::unwrap_used)] // Test support: a poisoned lock is a failed test.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use btleplug::api::{Central, CentralEvent, Manager as _, Peripheral as _, ScanFilter};
use btleplug::platform::{Adapter, Manager, Peripheral as BlePeripheral};
use futures::StreamExt;
use thecal_bluez_sim::{
    Advertisement, AttError, BdAddr, BluezSim, CharFlags, CharacteristicDef, DescriptorDef,
    LinkEvent, Notifier, Peripheral, PrivateBus, ServiceDef, SimConfig, Uuid, WriteKind,
};
use tokio::sync::mpsc;

/// The deadline for anything a test waits for. Generous: the machine is shared.
pub const DEADLINE: Duration = Duration::from_secs(15);

pub const SERVICE_A: Uuid = Uuid::from_u128(0x7e1c_a100_0000_4000_8000_00c0_ffee_0001);
pub const SERVICE_B: Uuid = Uuid::from_u128(0x7e1c_b100_0000_4000_8000_00c0_ffee_0001);
/// Read + notify.
pub const STATUS: Uuid = Uuid::from_u128(0x7e1c_a101_0000_4000_8000_00c0_ffee_0001);
/// Write (with and without response).
pub const CONTROL: Uuid = Uuid::from_u128(0x7e1c_a102_0000_4000_8000_00c0_ffee_0001);
/// Read only, with a user description.
pub const INFO: Uuid = Uuid::from_u128(0x7e1c_a103_0000_4000_8000_00c0_ffee_0001);
/// Read + indicate.
pub const ALARM: Uuid = Uuid::from_u128(0x7e1c_a104_0000_4000_8000_00c0_ffee_0001);
/// Characteristic User Description.
pub const USER_DESC: Uuid = Uuid::from_u128(0x0000_2901_0000_1000_8000_0080_5f9b_34fb);
pub const CCCD: Uuid = Uuid::from_u128(0x0000_2902_0000_1000_8000_0080_5f9b_34fb);

/// Await `fut`, failing the test with `what` if it takes longer than [`DEADLINE`].
pub async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(DEADLINE, fut)
        .await
        .unwrap_or_else(|_| panic!("timed out after {DEADLINE:?} waiting for {what}"))
}

/// A small peripheral: service A (or B) with STATUS, CONTROL, INFO and ALARM.
pub struct TestPeripheral {
    adv: Advertisement,
    values: Mutex<BTreeMap<Uuid, Vec<u8>>>,
    pub writes: Mutex<Vec<(Uuid, Vec<u8>, WriteKind)>>,
    pub notifier: Mutex<Option<Notifier>>,
    events: mpsc::UnboundedSender<LinkEvent>,
}

impl TestPeripheral {
    /// A peripheral at `addr` named `name` advertising `services`, whose STATUS reads `status`.
    pub fn new(
        addr: BdAddr,
        name: &str,
        services: &[Uuid],
        status: &[u8],
    ) -> (Arc<Self>, mpsc::UnboundedReceiver<LinkEvent>) {
        let mut adv = Advertisement::new(addr, Some(name));
        adv.service_uuids = services.to_vec();
        adv.manufacturer_data
            .insert(0xFFFF, vec![0x54, 0x48, addr.0[5]]);
        adv.rssi = -42;
        let values = BTreeMap::from([
            (STATUS, status.to_vec()),
            (INFO, format!("info {name}").into_bytes()),
            (ALARM, vec![0]),
        ]);
        let (tx, rx) = mpsc::unbounded_channel();
        (
            Arc::new(Self {
                adv,
                values: Mutex::new(values),
                writes: Mutex::new(Vec::new()),
                notifier: Mutex::new(None),
                events: tx,
            }),
            rx,
        )
    }

    pub fn set_value(&self, uuid: Uuid, value: &[u8]) {
        self.values.lock().unwrap().insert(uuid, value.to_vec());
    }
}

#[thecal_bluez_sim::async_trait]
impl Peripheral for TestPeripheral {
    fn advertisement(&self) -> Advertisement {
        self.adv.clone()
    }

    fn gatt_table(&self) -> Vec<ServiceDef> {
        let service = self.adv.service_uuids.first().copied().unwrap_or(SERVICE_A);
        vec![ServiceDef {
            uuid: service,
            primary: true,
            characteristics: vec![
                CharacteristicDef::new(STATUS, CharFlags::READ_NOTIFY),
                CharacteristicDef::new(
                    CONTROL,
                    CharFlags {
                        write_without_response: true,
                        ..CharFlags::WRITE
                    },
                ),
                CharacteristicDef {
                    uuid: INFO,
                    flags: CharFlags::READ,
                    descriptors: vec![DescriptorDef {
                        uuid: USER_DESC,
                        value: b"Device info".to_vec(),
                        writable: false,
                    }],
                },
                CharacteristicDef::new(ALARM, CharFlags::READ_INDICATE),
            ],
        }]
    }

    async fn read(&self, characteristic: Uuid) -> Result<Vec<u8>, AttError> {
        self.values
            .lock()
            .unwrap()
            .get(&characteristic)
            .cloned()
            .ok_or(AttError::ReadNotPermitted)
    }

    async fn write(
        &self,
        characteristic: Uuid,
        value: &[u8],
        kind: WriteKind,
    ) -> Result<(), AttError> {
        if value.len() > 20 {
            return Err(AttError::InvalidValueLength);
        }
        self.writes
            .lock()
            .unwrap()
            .push((characteristic, value.to_vec(), kind));
        Ok(())
    }

    fn attach(&self, notifier: Notifier) {
        *self.notifier.lock().unwrap() = Some(notifier);
    }

    fn on_link_event(&self, event: LinkEvent) {
        let _ = self.events.send(event);
    }
}

/// A private bus, the simulator on it and btleplug pointed at it.
pub struct TestBed {
    pub sim: BluezSim,
    pub manager: Manager,
    pub adapter: Adapter,
    // Dropped last: the daemon must outlive every connection to it.
    pub bus: PrivateBus,
}

impl TestBed {
    pub async fn start() -> Self {
        Self::start_with(SimConfig::default()).await
    }

    pub async fn start_with(config: SimConfig) -> Self {
        let bus = PrivateBus::start().expect("private dbus-daemon starts");
        // SAFETY: one test per process (see the module doc); nothing else reads the environment
        // while the test sets it up.
        unsafe { bus.export_as_system_bus() }.expect("one bus per test process");
        let sim = BluezSim::start_with(bus.address(), config)
            .await
            .expect("simulated BlueZ starts");
        let manager = Manager::new()
            .await
            .expect("btleplug connects to the private bus");
        let adapter = manager
            .adapters()
            .await
            .expect("adapters listed")
            .into_iter()
            .next()
            .expect("btleplug sees the simulated adapter");
        Self {
            sim,
            manager,
            adapter,
            bus,
        }
    }

    /// Scan with `services` as filter until every address in `want` has been discovered; return
    /// the btleplug peripherals by address.
    pub async fn scan_for(
        &self,
        services: &[Uuid],
        want: &[BdAddr],
    ) -> BTreeMap<BdAddr, BlePeripheral> {
        let mut events = self.adapter.events().await.expect("event stream");
        self.adapter
            .start_scan(ScanFilter {
                services: services.to_vec(),
            })
            .await
            .expect("scan starts");
        let mut found = BTreeMap::new();
        within("devices to be discovered", async {
            while found.len() < want.len() {
                let Some(event) = events.next().await else {
                    panic!("event stream ended")
                };
                if let CentralEvent::DeviceDiscovered(id) = event {
                    let p = self.adapter.peripheral(&id).await.expect("peripheral");
                    let addr = BdAddr(p.address().into_inner());
                    if want.contains(&addr) {
                        found.insert(addr, p);
                    }
                }
            }
        })
        .await;
        self.adapter.stop_scan().await.expect("scan stops");
        found
    }

    /// Scan for one device, connect and discover its services.
    pub async fn connect(&self, addr: BdAddr) -> BlePeripheral {
        let p = self
            .scan_for(&[], &[addr])
            .await
            .remove(&addr)
            .expect("found");
        within("connect", p.connect()).await.expect("connects");
        within("discover services", p.discover_services())
            .await
            .expect("services discovered");
        p
    }
}

/// The btleplug characteristic with this UUID.
pub fn characteristic(p: &BlePeripheral, uuid: Uuid) -> btleplug::api::Characteristic {
    p.characteristics()
        .into_iter()
        .find(|c| c.uuid == uuid)
        .unwrap_or_else(|| panic!("characteristic {uuid} discovered"))
}

/// Wait for the next link event from a test peripheral, skipping none.
pub async fn next_event(rx: &mut mpsc::UnboundedReceiver<LinkEvent>) -> LinkEvent {
    within("a link event", rx.recv())
        .await
        .expect("peripheral event channel open")
}

pub fn addr(last: u8) -> BdAddr {
    BdAddr([0xC0, 0xFF, 0xEE, 0x00, 0x00, last])
}
