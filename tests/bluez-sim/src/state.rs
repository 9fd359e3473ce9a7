//! The simulator's state, shared by the D-Bus objects, the control API and the notifiers.
//!
//! Locking: `state` and `log` are plain mutexes held only for short, non-async sections. `ops`
//! is an async mutex that serialises link changes and object (un)registration, so that a connect,
//! a test-driven drop and a removal never interleave.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use uuid::Uuid;
use zbus::{Connection, Variant};

use crate::dbus::{CharacteristicIface, DescriptorIface, DeviceIface, ServiceIface};
use crate::error::SimError;
use crate::log::{WriteLogEntry, WriteOp};
use crate::peripheral::{BdAddr, CharFlags, Delivery, LinkEvent, Peripheral, ServiceDef};

/// Object path of the one adapter.
pub(crate) const ADAPTER_PATH: &str = "/org/bluez/hci0";
pub(crate) const DEVICE_IFACE: &str = "org.bluez.Device1";
pub(crate) const ADAPTER_IFACE: &str = "org.bluez.Adapter1";
pub(crate) const CHAR_IFACE: &str = "org.bluez.GattCharacteristic1";
pub(crate) const CCCD_UUID: Uuid = Uuid::from_u128(0x0000_2902_0000_1000_8000_0080_5f9b_34fb);

/// A client's discovery filter, as `SetDiscoveryFilter` gave it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct DiscoveryFilter {
    pub uuids: BTreeSet<Uuid>,
    pub rssi: Option<i16>,
    pub pattern: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct ClientDiscovery {
    pub filter: DiscoveryFilter,
    pub active: bool,
}

pub(crate) struct CharState {
    pub path: String,
    pub flags: CharFlags,
    pub value: Vec<u8>,
    /// D-Bus unique names with a notify session. BlueZ keeps them across a disconnect and
    /// re-enables notifications on reconnect.
    pub notify_clients: BTreeSet<String>,
}

pub(crate) struct DeviceState {
    pub peripheral: Arc<dyn Peripheral>,
    pub adv: crate::peripheral::Advertisement,
    pub services: Vec<ServiceDef>,
    pub path: String,
    pub exported: bool,
    pub gatt_exported: bool,
    pub connected: bool,
    pub services_resolved: bool,
    pub paired: bool,
    pub trusted: bool,
    pub blocked: bool,
    pub reachable: bool,
    pub refuse_pairing: bool,
    pub corrupt_next: u32,
    pub chars: BTreeMap<Uuid, CharState>,
    /// The RSSI BlueZ shows: only while a discovery sees the device advertise (absent otherwise).
    pub rssi: Option<i16>,
    /// When a discovery last saw it advertise (or it was connected).
    pub last_seen: Option<std::time::Instant>,
    /// Whether its services were resolved once (`UUIDs` then lists them).
    pub resolved_once: bool,
}

pub(crate) struct State {
    pub powered: bool,
    /// Bluetooth switched off by the person (rfkill soft block): `Powered` cannot be set.
    pub blocked: bool,
    pub alias: String,
    pub clients: BTreeMap<String, ClientDiscovery>,
    pub devices: BTreeMap<BdAddr, DeviceState>,
    pub gatt_cache: bool,
    /// Registered pairing agents: the D-Bus unique name of their client → their object path.
    pub agents: BTreeMap<String, String>,
    /// The default agent (a client's unique name), used for pairings asked by clients with none.
    pub default_agent: Option<String>,
    /// Discovery ticks so far (drives the RSSI wobble).
    pub ticks: u64,
}

impl State {
    pub fn discovering(&self) -> bool {
        self.clients.values().any(|c| c.active)
    }

    /// Whether the merged filter of all discovering clients lets this advertisement through, as
    /// BlueZ merges them: a client without a UUID (or RSSI, or pattern) filter lets every device
    /// through on that criterion.
    pub fn discovery_admits(&self, adv: &crate::peripheral::Advertisement) -> bool {
        self.clients
            .values()
            .filter(|c| c.active)
            .any(|c| filter_admits(&c.filter, adv))
    }

    pub fn device(&self, addr: BdAddr) -> Result<&DeviceState, SimError> {
        self.devices
            .get(&addr)
            .ok_or_else(|| SimError::UnknownDevice(addr.to_string()))
    }

    pub fn device_mut(&mut self, addr: BdAddr) -> Result<&mut DeviceState, SimError> {
        self.devices
            .get_mut(&addr)
            .ok_or_else(|| SimError::UnknownDevice(addr.to_string()))
    }
}

fn filter_admits(f: &DiscoveryFilter, adv: &crate::peripheral::Advertisement) -> bool {
    let uuid_ok = f.uuids.is_empty() || adv.service_uuids.iter().any(|u| f.uuids.contains(u));
    let rssi_ok = f.rssi.is_none_or(|min| adv.rssi >= min);
    let pattern_ok = f.pattern.as_deref().is_none_or(|p| {
        p.is_empty()
            || adv.address.to_string().starts_with(&p.to_uppercase())
            || adv.name.as_deref().is_some_and(|n| n.starts_with(p))
    });
    uuid_ok && rssi_ok && pattern_ok
}

pub(crate) struct Shared {
    conn: Mutex<Option<Connection>>,
    state: Mutex<State>,
    log: Mutex<Vec<WriteLogEntry>>,
    connects: Mutex<Vec<BdAddr>>,
    pub ops: tokio::sync::Mutex<()>,
    pub config: crate::sim::SimConfig,
}

impl Shared {
    pub fn new(config: crate::sim::SimConfig) -> Self {
        Self {
            conn: Mutex::new(None),
            state: Mutex::new(State {
                powered: true,
                blocked: false,
                alias: "thecal-sim".to_owned(),
                clients: BTreeMap::new(),
                devices: BTreeMap::new(),
                gatt_cache: config.gatt_cache,
                agents: BTreeMap::new(),
                default_agent: None,
                ticks: 0,
            }),
            log: Mutex::new(Vec::new()),
            connects: Mutex::new(Vec::new()),
            ops: tokio::sync::Mutex::new(()),
            config,
        }
    }

    /// Records a `Device1.Connect` (or a `Pair` that connects) to `addr`.
    pub fn record_connect(&self, addr: BdAddr) {
        self.connects
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(addr);
    }

    /// Every connection attempt, oldest first.
    pub fn connect_log(&self) -> Vec<BdAddr> {
        self.connects
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Emit `PropertiesChanged` on `path` for `iface` with `names` invalidated (gone).
    pub async fn invalidated(
        &self,
        path: &str,
        iface: &str,
        names: &[&str],
    ) -> Result<(), SimError> {
        let map: HashMap<&str, Variant<'_>> = HashMap::new();
        self.conn()?
            .emit_signal(
                None::<&str>,
                path,
                "org.freedesktop.DBus.Properties",
                "PropertiesChanged",
                &(iface, map, names.to_vec()),
            )
            .await?;
        Ok(())
    }

    /// One advertising interval of the radio: while a discovery runs, every in-range device it
    /// admits is seen (put on the bus, or its RSSI updated, as BlueZ reports each
    /// advertisement); devices out of range lose their RSSI; devices neither paired nor
    /// connected and not seen for the temporary timeout leave the bus.
    pub async fn tick(self: &Arc<Self>) -> Result<(), SimError> {
        let _ops = self.ops.lock().await;
        let now = std::time::Instant::now();
        let timeout = self.config.temporary_timeout;
        let mut export = Vec::new();
        let mut rssi = Vec::new();
        let mut clear = Vec::new();
        let mut remove = Vec::new();
        {
            let mut st = self.state();
            st.ticks += 1;
            let ticks = st.ticks;
            let discovering = st.powered && st.discovering();
            let admitted: Vec<BdAddr> = st
                .devices
                .iter()
                .filter(|(_, d)| discovering && d.reachable && st.discovery_admits(&d.adv))
                .map(|(a, _)| *a)
                .collect();
            for (addr, d) in &mut st.devices {
                if admitted.contains(addr) {
                    d.last_seen = Some(now);
                    // A small wobble, as on the air: every advertisement is a change.
                    let wobble = i16::try_from((ticks + u64::from(addr.0[5])) % 5).unwrap_or(0) - 2;
                    let value = d.adv.rssi.saturating_add(wobble);
                    d.rssi = Some(value);
                    if d.exported {
                        rssi.push((d.path.clone(), value));
                    } else {
                        export.push(*addr);
                    }
                    continue;
                }
                if d.connected {
                    d.last_seen = Some(now);
                }
                if !d.reachable && d.rssi.take().is_some() && d.exported {
                    clear.push(d.path.clone());
                }
                let expired = d.last_seen.is_none_or(|t| now.duration_since(t) > timeout);
                if d.exported && !d.paired && !d.connected && expired {
                    remove.push(*addr);
                }
            }
        }
        for addr in export {
            self.export_device(addr).await?;
        }
        for (path, value) in rssi {
            self.changed(&path, DEVICE_IFACE, vec![("RSSI", Variant::from(value))])
                .await?;
        }
        for path in clear {
            self.invalidated(&path, DEVICE_IFACE, &["RSSI"]).await?;
        }
        for addr in remove {
            self.unexport_device(addr).await?;
        }
        Ok(())
    }

    /// After the last discovery stopped: no device shows an RSSI any more (BlueZ invalidates
    /// it). Caller holds `ops`.
    pub async fn discovery_ended(&self) -> Result<(), SimError> {
        let paths: Vec<String> = {
            let mut st = self.state();
            st.devices
                .values_mut()
                .filter_map(|d| (d.rssi.take().is_some() && d.exported).then(|| d.path.clone()))
                .collect()
        };
        for path in paths {
            self.invalidated(&path, DEVICE_IFACE, &["RSSI"]).await?;
        }
        Ok(())
    }

    /// A client left the bus: its discovery, notify sessions and agent end with it, as BlueZ
    /// ends them.
    pub async fn client_left(self: &Arc<Self>, name: &str) -> Result<(), SimError> {
        let _ops = self.ops.lock().await;
        let (stop_discovering, stopped_notify) = {
            let mut st = self.state();
            let was = st.discovering();
            st.clients.remove(name);
            st.agents.remove(name);
            if st.default_agent.as_deref() == Some(name) {
                st.default_agent = None;
            }
            let mut stopped = Vec::new();
            for d in st.devices.values_mut() {
                for (uuid, c) in &mut d.chars {
                    if c.notify_clients.remove(name) && c.notify_clients.is_empty() {
                        stopped.push((c.path.clone(), d.peripheral.clone(), *uuid));
                    }
                }
            }
            (was && !st.discovering(), stopped)
        };
        for (path, peripheral, uuid) in stopped_notify {
            self.changed(&path, CHAR_IFACE, vec![("Notifying", false.into())])
                .await?;
            peripheral.on_link_event(LinkEvent::Unsubscribed(uuid));
        }
        if stop_discovering {
            self.changed(
                ADAPTER_PATH,
                ADAPTER_IFACE,
                vec![("Discovering", false.into())],
            )
            .await?;
            self.discovery_ended().await?;
        }
        Ok(())
    }

    /// The state. A panic while it was held cannot leave it half-changed in a way that matters
    /// to a test double, so a poisoned lock is taken over.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn conn(&self) -> Result<Connection, SimError> {
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
            .ok_or(SimError::Stopped)
    }

    /// Hold (or, with `None`, let go of) the bus connection. The D-Bus objects hold `Shared`, so
    /// the simulator lets go of the connection when it stops, or nothing would ever close it.
    pub fn set_conn(&self, conn: Option<Connection>) {
        *self
            .conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = conn;
    }

    pub fn record(
        &self,
        device: BdAddr,
        characteristic: Uuid,
        op: WriteOp,
        value: &[u8],
        sender: String,
    ) {
        let mut log = self
            .log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let seq = log.len() as u64;
        log.push(WriteLogEntry {
            seq,
            at: chrono::Utc::now(),
            device,
            characteristic,
            op,
            value: value.to_vec(),
            sender,
        });
    }

    pub fn write_log(&self) -> Vec<WriteLogEntry> {
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Emit `PropertiesChanged` on `path` for interface `iface`.
    pub async fn changed(
        &self,
        path: &str,
        iface: &str,
        changes: Vec<(&'static str, Variant<'_>)>,
    ) -> Result<(), SimError> {
        let map: HashMap<&str, Variant<'_>> = changes.into_iter().collect();
        let invalidated: Vec<&str> = Vec::new();
        self.conn()?
            .emit_signal(
                None::<&str>,
                path,
                "org.freedesktop.DBus.Properties",
                "PropertiesChanged",
                &(iface, map, invalidated),
            )
            .await?;
        Ok(())
    }

    /// Put the device's `Device1` object on the bus (as BlueZ does when discovery finds it).
    pub async fn export_device(self: &Arc<Self>, addr: BdAddr) -> Result<(), SimError> {
        let path = {
            let st = self.state();
            let dev = st.device(addr)?;
            if dev.exported {
                return Ok(());
            }
            dev.path.clone()
        };
        let iface = DeviceIface::new(self.clone(), addr);
        self.conn()?
            .object_server()
            .at(path.as_str(), iface)
            .await?;
        self.state().device_mut(addr)?.exported = true;
        Ok(())
    }

    /// Register the GATT objects of a device (children first is not needed: BlueZ's clients find
    /// them by introspection, and all are there before `ServicesResolved` turns true).
    async fn export_gatt(self: &Arc<Self>, addr: BdAddr) -> Result<(), SimError> {
        let (dev_path, services) = {
            let st = self.state();
            let dev = st.device(addr)?;
            if dev.gatt_exported {
                return Ok(());
            }
            (dev.path.clone(), dev.services.clone())
        };
        let conn = self.conn()?;
        let server = conn.object_server();
        for (service_path, service, chars) in gatt_layout(&dev_path, &services) {
            server
                .at(
                    service_path.as_str(),
                    ServiceIface {
                        uuid: service.uuid,
                        primary: service.primary,
                        device_path: dev_path.clone(),
                    },
                )
                .await?;
            for (char_path, def, descs) in chars {
                server
                    .at(
                        char_path.as_str(),
                        CharacteristicIface::new(
                            self.clone(),
                            addr,
                            def.uuid,
                            def.flags,
                            service_path.clone(),
                        ),
                    )
                    .await?;
                for (desc_path, desc) in descs {
                    server
                        .at(
                            desc_path.as_str(),
                            DescriptorIface::new(
                                self.clone(),
                                addr,
                                def.uuid,
                                desc,
                                char_path.clone(),
                            ),
                        )
                        .await?;
                }
            }
        }
        self.state().device_mut(addr)?.gatt_exported = true;
        Ok(())
    }

    /// Take the GATT objects of a device off the bus.
    async fn unexport_gatt(&self, addr: BdAddr) -> Result<(), SimError> {
        let (dev_path, services) = {
            let st = self.state();
            let dev = st.device(addr)?;
            if !dev.gatt_exported {
                return Ok(());
            }
            (dev.path.clone(), dev.services.clone())
        };
        let conn = self.conn()?;
        let server = conn.object_server();
        // Deepest first, so that InterfacesRemoved goes out child before parent, as BlueZ does.
        for (service_path, _, chars) in gatt_layout(&dev_path, &services) {
            for (char_path, _, descs) in chars {
                for (desc_path, _) in descs {
                    server
                        .remove::<DescriptorIface, _>(desc_path.as_str())
                        .await?;
                }
                server
                    .remove::<CharacteristicIface, _>(char_path.as_str())
                    .await?;
            }
            server
                .remove::<ServiceIface, _>(service_path.as_str())
                .await?;
        }
        self.state().device_mut(addr)?.gatt_exported = false;
        Ok(())
    }

    /// Bring the link up: `Connected` → GATT objects → `ServicesResolved`. Caller holds `ops`.
    pub async fn link_up(self: &Arc<Self>, addr: BdAddr) -> Result<(), SimError> {
        let path = {
            let mut st = self.state();
            let dev = st.device_mut(addr)?;
            dev.connected = true;
            dev.path.clone()
        };
        self.changed(&path, DEVICE_IFACE, vec![("Connected", true.into())])
            .await?;
        self.export_gatt(addr).await?;
        let (peripheral, resumed) = {
            let mut st = self.state();
            let dev = st.device_mut(addr)?;
            dev.services_resolved = true;
            let resumed: Vec<Uuid> = dev
                .chars
                .iter()
                .filter(|(_, c)| !c.notify_clients.is_empty())
                .map(|(u, _)| *u)
                .collect();
            (dev.peripheral.clone(), resumed)
        };
        let first = {
            let mut st = self.state();
            let dev = st.device_mut(addr)?;
            dev.last_seen = Some(std::time::Instant::now());
            !std::mem::replace(&mut dev.resolved_once, true)
        };
        if first {
            // The device's UUIDs become its GATT services: signalled with the resolution.
            let uuids: Vec<String> = {
                let st = self.state();
                st.device(addr)?
                    .services
                    .iter()
                    .map(|s| s.uuid.to_string())
                    .collect()
            };
            self.changed(
                &path,
                DEVICE_IFACE,
                vec![
                    ("UUIDs", Variant::from(uuids)),
                    ("ServicesResolved", true.into()),
                ],
            )
            .await?;
        } else {
            self.changed(&path, DEVICE_IFACE, vec![("ServicesResolved", true.into())])
                .await?;
        }
        peripheral.on_link_event(LinkEvent::Connected);
        for uuid in resumed {
            peripheral.on_link_event(LinkEvent::Subscribed(uuid));
        }
        Ok(())
    }

    /// Take the link down: `ServicesResolved` and `Connected` false (BlueZ sends both in one
    /// signal). With the GATT cache off, the GATT objects go too. Caller holds `ops`.
    pub async fn link_down(self: &Arc<Self>, addr: BdAddr) -> Result<(), SimError> {
        let (path, peripheral, gatt_cache) = {
            let mut st = self.state();
            let gatt_cache = st.gatt_cache;
            let dev = st.device_mut(addr)?;
            if !dev.connected {
                return Ok(());
            }
            dev.connected = false;
            dev.services_resolved = false;
            if !gatt_cache {
                // No cache: the attribute database, and every notify session with it, is gone.
                for c in dev.chars.values_mut() {
                    c.notify_clients.clear();
                }
            }
            (dev.path.clone(), dev.peripheral.clone(), gatt_cache)
        };
        self.changed(
            &path,
            DEVICE_IFACE,
            vec![
                ("ServicesResolved", false.into()),
                ("Connected", false.into()),
            ],
        )
        .await?;
        if !gatt_cache {
            self.unexport_gatt(addr).await?;
        }
        peripheral.on_link_event(LinkEvent::Disconnected);
        Ok(())
    }

    /// Take a device off the bus entirely (`InterfacesRemoved`). Caller holds `ops`.
    pub async fn unexport_device(self: &Arc<Self>, addr: BdAddr) -> Result<(), SimError> {
        self.link_down(addr).await?;
        self.unexport_gatt(addr).await?;
        let path = {
            let mut st = self.state();
            let dev = st.device_mut(addr)?;
            if !dev.exported {
                return Ok(());
            }
            dev.exported = false;
            dev.paired = false;
            dev.rssi = None;
            dev.resolved_once = false;
            for c in dev.chars.values_mut() {
                c.notify_clients.clear();
            }
            dev.path.clone()
        };
        self.conn()?
            .object_server()
            .remove::<DeviceIface, _>(path.as_str())
            .await?;
        Ok(())
    }

    /// Send one notification from a peripheral (see [`crate::Notifier::notify`]).
    pub async fn send_notification(
        &self,
        addr: BdAddr,
        characteristic: Uuid,
        value: &[u8],
    ) -> Result<Delivery, SimError> {
        let (path, value) = {
            let mut st = self.state();
            let dev = st.device_mut(addr)?;
            let connected = dev.connected;
            let corrupt = dev.corrupt_next > 0;
            let c = dev.chars.get_mut(&characteristic).ok_or_else(|| {
                SimError::UnknownCharacteristic {
                    device: addr.to_string(),
                    characteristic: characteristic.to_string(),
                }
            })?;
            if !c.flags.can_notify() {
                return Err(SimError::CannotNotify(characteristic.to_string()));
            }
            if !connected {
                return Ok(Delivery::NotConnected);
            }
            if c.notify_clients.is_empty() {
                return Ok(Delivery::NotSubscribed);
            }
            let mut value = value.to_vec();
            if corrupt {
                corrupt_value(&mut value);
            }
            c.value.clone_from(&value);
            let path = c.path.clone();
            if corrupt {
                dev.corrupt_next -= 1;
            }
            (path, value)
        };
        self.changed(&path, CHAR_IFACE, vec![("Value", Variant::from(value))])
            .await?;
        Ok(Delivery::Sent)
    }
}

/// Flip every bit of the last byte (an empty value becomes `[0xFF]`).
pub(crate) fn corrupt_value(value: &mut Vec<u8>) {
    match value.last_mut() {
        Some(b) => *b ^= 0xFF,
        None => value.push(0xFF),
    }
}

type DescLayout = Vec<(String, crate::peripheral::DescriptorDef)>;
type CharLayout = Vec<(String, crate::peripheral::CharacteristicDef, DescLayout)>;

/// Object paths of a GATT table, named after attribute handles as BlueZ names them: a service at
/// handle h, each characteristic declaration at the next handle, its value after it, then its
/// descriptors (a CCCD first for notify/indicate characteristics).
pub(crate) fn gatt_layout(
    dev_path: &str,
    services: &[ServiceDef],
) -> Vec<(String, ServiceDef, CharLayout)> {
    let mut handle: u16 = 0x0001;
    let mut out = Vec::new();
    for s in services {
        let service_path = format!("{dev_path}/service{handle:04x}");
        handle = handle.wrapping_add(1);
        let mut chars = Vec::new();
        for c in &s.characteristics {
            let char_path = format!("{service_path}/char{handle:04x}");
            handle = handle.wrapping_add(2); // declaration + value
            let mut descs = Vec::new();
            let mut all = Vec::new();
            if c.flags.can_notify() {
                all.push(crate::peripheral::DescriptorDef {
                    uuid: CCCD_UUID,
                    value: vec![0, 0],
                    writable: false,
                });
            }
            all.extend(c.descriptors.iter().cloned());
            for d in all {
                descs.push((format!("{char_path}/desc{handle:04x}"), d));
                handle = handle.wrapping_add(1);
            }
            chars.push((char_path, c.clone(), descs));
        }
        out.push((service_path, s.clone(), chars));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::peripheral::{Advertisement, CharacteristicDef, DescriptorDef};

    fn adv(uuids: &[u128], rssi: i16) -> Advertisement {
        let mut a = Advertisement::new(BdAddr([0xAA, 0, 0, 0, 0, 1]), Some("Pump-1"));
        a.service_uuids = uuids.iter().map(|u| Uuid::from_u128(*u)).collect();
        a.rssi = rssi;
        a
    }

    #[test]
    fn filter_matches_like_bluez() {
        let any = DiscoveryFilter::default();
        assert!(filter_admits(&any, &adv(&[], -90)));
        let by_uuid = DiscoveryFilter {
            uuids: [Uuid::from_u128(7)].into(),
            ..Default::default()
        };
        assert!(filter_admits(&by_uuid, &adv(&[5, 7], -90)));
        assert!(!filter_admits(&by_uuid, &adv(&[5], -90)));
        assert!(!filter_admits(&by_uuid, &adv(&[], -90)));
        let by_rssi = DiscoveryFilter {
            rssi: Some(-70),
            ..Default::default()
        };
        assert!(filter_admits(&by_rssi, &adv(&[], -70)));
        assert!(!filter_admits(&by_rssi, &adv(&[], -71)));
        let by_pattern = DiscoveryFilter {
            pattern: Some("aa:00".into()),
            ..Default::default()
        };
        assert!(filter_admits(&by_pattern, &adv(&[], -70)));
        let by_name = DiscoveryFilter {
            pattern: Some("Pump".into()),
            ..Default::default()
        };
        assert!(filter_admits(&by_name, &adv(&[], -70)));
        let other = DiscoveryFilter {
            pattern: Some("Watch".into()),
            ..Default::default()
        };
        assert!(!filter_admits(&other, &adv(&[], -70)));
    }

    #[test]
    fn layout_uses_handles_and_adds_cccd() {
        let services = vec![
            ServiceDef {
                uuid: Uuid::from_u128(1),
                primary: true,
                characteristics: vec![
                    CharacteristicDef::new(Uuid::from_u128(2), CharFlags::READ_NOTIFY),
                    CharacteristicDef {
                        uuid: Uuid::from_u128(3),
                        flags: CharFlags::READ,
                        descriptors: vec![DescriptorDef {
                            uuid: Uuid::from_u128(4),
                            value: b"x".to_vec(),
                            writable: false,
                        }],
                    },
                ],
            },
            ServiceDef {
                uuid: Uuid::from_u128(5),
                primary: true,
                characteristics: vec![],
            },
        ];
        let l = gatt_layout("/d", &services);
        assert_eq!(l[0].0, "/d/service0001");
        assert_eq!(l[0].2[0].0, "/d/service0001/char0002");
        assert_eq!(l[0].2[0].2[0].0, "/d/service0001/char0002/desc0004");
        assert_eq!(l[0].2[0].2[0].1.uuid, CCCD_UUID);
        assert_eq!(l[0].2[1].0, "/d/service0001/char0005");
        assert_eq!(l[0].2[1].2[0].0, "/d/service0001/char0005/desc0007");
        assert_eq!(l[1].0, "/d/service0008");
    }

    #[test]
    fn corruption_flips_last_byte() {
        let mut v = vec![1, 2, 3];
        corrupt_value(&mut v);
        assert_eq!(v, [1, 2, 0xFC]);
        let mut e = Vec::new();
        corrupt_value(&mut e);
        assert_eq!(e, [0xFF]);
    }
}
