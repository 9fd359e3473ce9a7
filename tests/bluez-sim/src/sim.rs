//! The running simulator and the control API tests drive it with.

use std::collections::BTreeMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use uuid::Uuid;
use zbus::Connection;
use zbus::fdo::ObjectManager;

use crate::dbus::{AdapterIface, AgentManagerIface};
use crate::error::SimError;
use crate::log::WriteLogEntry;
use crate::peripheral::{BdAddr, Notifier, Peripheral};
use crate::state::{ADAPTER_PATH, CharState, DeviceState, Shared, gatt_layout};

/// The ATT MTU every simulated characteristic reports in its `MTU` property.
pub const SIM_MTU: u16 = 247;

/// The well-known name the simulator owns.
pub const BLUEZ_NAME: &str = "org.bluez";

/// How the simulated BlueZ behaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimConfig {
    /// The adapter's own address.
    pub adapter_address: BdAddr,
    /// BlueZ's `[GATT] Cache` setting. `true` (BlueZ's default, `always`): the GATT objects stay
    /// on the bus across a disconnect and notify sessions are re-enabled on reconnect. `false`
    /// (`no`): the GATT objects are removed on disconnect (InterfacesRemoved) and made again on
    /// the next connection; notify sessions end with the link.
    pub gatt_cache: bool,
    /// How often the simulated radio hears each in-range device while a discovery runs (its
    /// advertising interval): each time, a new device appears or a known one's RSSI changes.
    pub advertising_interval: Duration,
    /// How long a device neither paired nor connected stays on the bus after it was last seen
    /// (BlueZ's `TemporaryTimeout`, 30 s by default).
    pub temporary_timeout: Duration,
    /// How long `Connect` to a known device that is away waits before it fails.
    pub connect_timeout: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            adapter_address: BdAddr([0x00, 0x1A, 0x7D, 0xDA, 0x71, 0x13]),
            gatt_cache: true,
            advertising_interval: Duration::from_millis(100),
            temporary_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(2),
        }
    }
}

/// A simulated BlueZ serving on a bus: `org.bluez` with an ObjectManager at `/` and one adapter,
/// `/org/bluez/hci0`. Dropping it leaves the bus (the name and all objects go away).
#[derive(Debug)]
pub struct BluezSim {
    shared: Arc<Shared>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// A device the simulator holds.
#[derive(Clone, Debug)]
pub struct DeviceHandle {
    address: BdAddr,
    notifier: Notifier,
}

impl DeviceHandle {
    /// The device address.
    #[must_use]
    pub fn address(&self) -> BdAddr {
        self.address
    }

    /// A handle to send notifications from this device.
    #[must_use]
    pub fn notifier(&self) -> Notifier {
        self.notifier.clone()
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").finish_non_exhaustive()
    }
}

impl BluezSim {
    /// Serve a simulated BlueZ with the default [`SimConfig`] on the bus at `bus_address` (e.g.
    /// [`crate::PrivateBus::address`]). Must be called inside a Tokio runtime.
    ///
    /// # Errors
    /// [`SimError::Bus`] when the bus cannot be reached or `org.bluez` is already owned there.
    pub async fn start(bus_address: &str) -> Result<Self, SimError> {
        Self::start_with(bus_address, SimConfig::default()).await
    }

    /// Serve a simulated BlueZ with the given configuration.
    ///
    /// # Errors
    /// As [`BluezSim::start`].
    pub async fn start_with(bus_address: &str, config: SimConfig) -> Result<Self, SimError> {
        let address = config.adapter_address;
        let interval = config.advertising_interval;
        let shared = Arc::new(Shared::new(config));
        let conn = zbus::connection::Builder::address(bus_address)
            .serve_at("/", ObjectManager)
            .serve_at(
                "/org/bluez",
                AgentManagerIface {
                    shared: shared.clone(),
                },
            )
            .serve_at(
                ADAPTER_PATH,
                AdapterIface {
                    shared: shared.clone(),
                    address,
                },
            )
            .name(BLUEZ_NAME)
            .replace_existing_names(false)
            .build()
            .await?;
        shared.set_conn(Some(conn.clone()));
        let radio = tokio::spawn(radio(Arc::downgrade(&shared), interval));
        let watcher = tokio::spawn(watch_clients(Arc::downgrade(&shared), conn));
        Ok(Self {
            shared,
            tasks: vec![radio, watcher],
        })
    }

    /// Every `Device1.Connect` (or connecting `Pair`) received, oldest first: which devices a
    /// central tried to connect to.
    #[must_use]
    pub fn connect_log(&self) -> Vec<BdAddr> {
        self.shared.connect_log()
    }

    /// The simulator's bus connection.
    ///
    /// # Errors
    /// [`SimError::Stopped`] after [`BluezSim::stop`].
    pub fn connection(&self) -> Result<Connection, SimError> {
        self.shared.conn()
    }

    /// Put a device in range, advertising. It appears on the bus (InterfacesAdded) when a
    /// discovery whose filter it passes runs, as with BlueZ. Calls [`Peripheral::attach`].
    ///
    /// # Errors
    /// [`SimError::DuplicateDevice`] for an address already there,
    /// [`SimError::DuplicateCharacteristic`] when the GATT table repeats a characteristic UUID.
    pub async fn add_device(
        &self,
        peripheral: Arc<dyn Peripheral>,
    ) -> Result<DeviceHandle, SimError> {
        let adv = peripheral.advertisement();
        let services = peripheral.gatt_table();
        let address = adv.address;
        let path = format!("{ADAPTER_PATH}/{}", address.object_name());
        let mut chars = BTreeMap::new();
        for (_, _, cs) in gatt_layout(&path, &services) {
            for (char_path, def, _) in cs {
                let state = CharState {
                    path: char_path,
                    flags: def.flags,
                    value: Vec::new(),
                    notify_clients: std::collections::BTreeSet::new(),
                };
                if chars.insert(def.uuid, state).is_some() {
                    return Err(SimError::DuplicateCharacteristic {
                        device: address.to_string(),
                        characteristic: def.uuid.to_string(),
                    });
                }
            }
        }
        let _ops = self.shared.ops.lock().await;
        {
            let mut st = self.shared.state();
            if st.devices.contains_key(&address) {
                return Err(SimError::DuplicateDevice(address.to_string()));
            }
            st.devices.insert(
                address,
                DeviceState {
                    peripheral: peripheral.clone(),
                    adv,
                    services,
                    path,
                    exported: false,
                    gatt_exported: false,
                    connected: false,
                    services_resolved: false,
                    paired: false,
                    trusted: false,
                    blocked: false,
                    reachable: true,
                    refuse_pairing: false,
                    corrupt_next: 0,
                    chars,
                    rssi: None,
                    last_seen: None,
                    resolved_once: false,
                },
            );
        }
        let notifier = Notifier::new(&self.shared, address);
        peripheral.attach(notifier.clone());
        Ok(DeviceHandle { address, notifier })
    }

    /// Take a device out of range for good: its link drops and its objects leave the bus
    /// (InterfacesRemoved), as when BlueZ forgets a device.
    ///
    /// # Errors
    /// [`SimError::UnknownDevice`], or [`SimError::Bus`].
    pub async fn remove_device(&self, address: BdAddr) -> Result<(), SimError> {
        let _ops = self.shared.ops.lock().await;
        self.shared.unexport_device(address).await?;
        self.shared.state().devices.remove(&address);
        Ok(())
    }

    /// Drop the link now (`ServicesResolved` and `Connected` go false), as a link-supervision
    /// timeout would. The device stays in range: a central can connect again at once.
    ///
    /// # Errors
    /// [`SimError::UnknownDevice`], or [`SimError::Bus`].
    pub async fn drop_link(&self, address: BdAddr) -> Result<(), SimError> {
        let _ops = self.shared.ops.lock().await;
        self.shared.link_down(address).await
    }

    /// Move a device out of range (`false`: its link drops and connecting fails with
    /// `org.bluez.Error.Failed: le-connection-abort-by-local`) or back in range (`true`).
    ///
    /// # Errors
    /// [`SimError::UnknownDevice`], or [`SimError::Bus`].
    pub async fn set_reachable(&self, address: BdAddr, reachable: bool) -> Result<(), SimError> {
        let _ops = self.shared.ops.lock().await;
        self.shared.state().device_mut(address)?.reachable = reachable;
        if !reachable {
            self.shared.link_down(address).await?;
        }
        Ok(())
    }

    /// Switch the adapter off (every link drops, discoveries end) or on, as `Powered` does.
    ///
    /// # Errors
    /// [`SimError::Bus`].
    pub async fn set_powered(&self, powered: bool) -> Result<(), SimError> {
        let conn = self.shared.conn()?;
        let proxy = zbus::Proxy::new(&conn, BLUEZ_NAME, ADAPTER_PATH, "org.bluez.Adapter1").await?;
        proxy
            .set_property("Powered", powered)
            .await
            .map_err(zbus::Error::from)?;
        Ok(())
    }

    /// Switch Bluetooth off as the person does on a phone (`true`: an rfkill soft block; the
    /// adapter powers off, every link drops, and no client can power it on again: setting
    /// `Powered` answers `org.bluez.Error.Blocked`), or back on (`false`: powered again).
    ///
    /// # Errors
    /// [`SimError::Bus`].
    pub async fn set_blocked(&self, blocked: bool) -> Result<(), SimError> {
        if blocked {
            self.shared.state().blocked = true;
            self.set_powered(false).await?;
        } else {
            self.shared.state().blocked = false;
            self.set_powered(true).await?;
        }
        Ok(())
    }

    /// Make `Pair` on this device fail with `org.bluez.Error.AuthenticationRejected` (`true`), or
    /// succeed again (`false`).
    ///
    /// # Errors
    /// [`SimError::UnknownDevice`].
    pub fn refuse_pairing(&self, address: BdAddr, refuse: bool) -> Result<(), SimError> {
        self.shared.state().device_mut(address)?.refuse_pairing = refuse;
        Ok(())
    }

    /// Corrupt the next `count` notifications this device sends (on any characteristic): the
    /// last byte of each has all its bits flipped (an empty value becomes `[0xFF]`).
    ///
    /// # Errors
    /// [`SimError::UnknownDevice`].
    pub fn corrupt_next_notifications(&self, address: BdAddr, count: u32) -> Result<(), SimError> {
        self.shared.state().device_mut(address)?.corrupt_next = count;
        Ok(())
    }

    /// A notifier for this device.
    ///
    /// # Errors
    /// [`SimError::UnknownDevice`].
    pub fn notifier(&self, address: BdAddr) -> Result<Notifier, SimError> {
        self.shared.state().device(address)?;
        Ok(Notifier::new(&self.shared, address))
    }

    /// Whether a central holds a link to this device.
    ///
    /// # Errors
    /// [`SimError::UnknownDevice`].
    pub fn is_connected(&self, address: BdAddr) -> Result<bool, SimError> {
        Ok(self.shared.state().device(address)?.connected)
    }

    /// Whether some central has notifications on for this characteristic.
    ///
    /// # Errors
    /// [`SimError::UnknownDevice`] or [`SimError::UnknownCharacteristic`].
    pub fn is_notifying(&self, address: BdAddr, characteristic: Uuid) -> Result<bool, SimError> {
        let st = self.shared.state();
        let c = st
            .device(address)?
            .chars
            .get(&characteristic)
            .ok_or_else(|| SimError::UnknownCharacteristic {
                device: address.to_string(),
                characteristic: characteristic.to_string(),
            })?;
        Ok(!c.notify_clients.is_empty())
    }

    /// Whether the device is paired.
    ///
    /// # Errors
    /// [`SimError::UnknownDevice`].
    pub fn is_paired(&self, address: BdAddr) -> Result<bool, SimError> {
        Ok(self.shared.state().device(address)?.paired)
    }

    /// Whether an adapter discovery is running (some client called `StartDiscovery`).
    #[must_use]
    pub fn is_discovering(&self) -> bool {
        self.shared.state().discovering()
    }

    /// Every `WriteValue`, `StartNotify` and `StopNotify` received so far, oldest first.
    #[must_use]
    pub fn write_log(&self) -> Vec<WriteLogEntry> {
        self.shared.write_log()
    }

    /// Leave the bus now and wait until the connection is closed.
    ///
    /// # Errors
    /// [`SimError::Bus`] when closing fails.
    pub async fn stop(self) -> Result<(), SimError> {
        for t in &self.tasks {
            t.abort();
        }
        let conn = self.shared.conn()?;
        self.shared.set_conn(None);
        conn.close().await?;
        Ok(())
    }
}

/// The simulated radio: one tick per advertising interval while the simulator lives.
async fn radio(shared: Weak<Shared>, interval: Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        if matches!(shared.tick().await, Err(SimError::Stopped)) {
            return;
        }
    }
}

/// Ends the discovery, notify sessions and agent of every client that leaves the bus.
async fn watch_clients(shared: Weak<Shared>, conn: Connection) {
    use futures_util::StreamExt as _;
    let Ok(proxy) = zbus::fdo::DBusProxy::new(&conn).await else {
        return;
    };
    let Ok(mut changes) = proxy.receive_name_owner_changed().await else {
        return;
    };
    while let Some(signal) = changes.next().await {
        let Ok(args) = signal.args() else { continue };
        if args.new_owner().is_none() && args.name().starts_with(':') {
            let Some(shared) = shared.upgrade() else {
                return;
            };
            let _ = shared.client_left(args.name()).await;
        }
    }
}

impl Drop for BluezSim {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
        // The objects on the bus hold `Shared`; letting go of the connection here breaks the
        // cycle, so the connection closes and `org.bluez` is released.
        self.shared.set_conn(None);
    }
}
