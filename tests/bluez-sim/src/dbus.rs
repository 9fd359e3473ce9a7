//! The D-Bus objects: `org.bluez.Adapter1`, `Device1`, `GattService1`, `GattCharacteristic1` and
//! `GattDescriptor1`, with the names, types and errors BlueZ uses.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use uuid::Uuid;
use zbus::message::Header;
use zbus::{ObjectPath, OwnedObjectPath, OwnedVariant, interface};

use crate::SimError;
use crate::log::WriteOp;
use crate::peripheral::{AttError, BdAddr, CharFlags, DescriptorDef, LinkEvent, WriteKind};
use crate::state::{ADAPTER_IFACE, ADAPTER_PATH, CCCD_UUID, CHAR_IFACE, DiscoveryFilter, Shared};

/// The errors BlueZ replies with (`org.bluez.Error.*`).
#[derive(Debug, zbus::DBusError)]
#[zbus(prefix = "org.bluez.Error")]
pub(crate) enum BluezError {
    #[zbus(error)]
    ZBus(zbus::Error),
    Failed(String),
    NotPermitted(String),
    NotSupported(String),
    NotReady(String),
    InvalidArguments(String),
    AlreadyConnected(String),
    NotConnected(String),
    AlreadyExists(String),
    DoesNotExist(String),
    AuthenticationRejected(String),
    AuthenticationFailed(String),
    AuthenticationCanceled(String),
    ConnectionAttemptFailed(String),
    NotAuthorized(String),
    Blocked(String),
}

impl From<SimError> for BluezError {
    fn from(e: SimError) -> Self {
        match e {
            SimError::Bus(e) => Self::ZBus(e),
            other => Self::Failed(other.to_string()),
        }
    }
}

impl From<AttError> for BluezError {
    fn from(e: AttError) -> Self {
        let (name, msg) = e.bluez_error();
        match name {
            "org.bluez.Error.NotPermitted" => Self::NotPermitted(msg),
            "org.bluez.Error.NotAuthorized" => Self::NotAuthorized(msg),
            "org.bluez.Error.InvalidArguments" => Self::InvalidArguments(msg),
            _ => Self::Failed(msg),
        }
    }
}

fn sender(header: &Header<'_>) -> String {
    header
        .sender()
        .map_or_else(|| "(unknown)".to_owned(), ToString::to_string)
}

fn not_connected() -> BluezError {
    BluezError::Failed("Not connected".into())
}

fn path(p: &str) -> OwnedObjectPath {
    OwnedObjectPath::try_from(p.to_owned()).unwrap_or_else(|_| {
        OwnedObjectPath::from(ObjectPath::from_static_str_unchecked(ADAPTER_PATH))
    })
}

/// An absent property, as BlueZ (gdbus) answers `Get` for it; `GetAll` leaves it out.
fn unknown(name: &str) -> zbus::fdo::Error {
    zbus::fdo::Error::InvalidArgs(format!("No such property '{name}'"))
}

/// Parse a UUID the way BlueZ does: 128-bit text, or 16/32-bit short forms on the base UUID.
pub(crate) fn parse_uuid(s: &str) -> Option<Uuid> {
    if s.len() == 4 || s.len() == 8 {
        let short = u32::from_str_radix(s, 16).ok()?;
        return Some(Uuid::from_u128(
            (u128::from(short) << 96) | 0x0000_0000_0000_1000_8000_0080_5f9b_34fb,
        ));
    }
    Uuid::parse_str(s).ok()
}

fn parse_filter(map: HashMap<String, OwnedVariant>) -> Result<DiscoveryFilter, BluezError> {
    let mut f = DiscoveryFilter::default();
    let bad =
        |k: &str| BluezError::InvalidArguments(format!("Invalid arguments in method call: {k}"));
    let mut pathloss = false;
    for (key, value) in map {
        match key.as_str() {
            "UUIDs" => {
                let list: Vec<String> = value.try_into().map_err(|_| bad("UUIDs"))?;
                for s in list {
                    f.uuids.insert(parse_uuid(&s).ok_or_else(|| bad("UUIDs"))?);
                }
            }
            "RSSI" => f.rssi = Some(i16::try_from(value).map_err(|_| bad("RSSI"))?),
            "Pathloss" => {
                u16::try_from(value).map_err(|_| bad("Pathloss"))?;
                pathloss = true;
            }
            "Transport" => {
                let t: String = value.try_into().map_err(|_| bad("Transport"))?;
                if !matches!(t.as_str(), "auto" | "le" | "bredr") {
                    return Err(bad("Transport"));
                }
            }
            "DuplicateData" | "Discoverable" => {
                bool::try_from(value).map_err(|_| bad(&key))?;
            }
            "Pattern" => f.pattern = Some(value.try_into().map_err(|_| bad("Pattern"))?),
            other => return Err(bad(other)),
        }
    }
    if pathloss && f.rssi.is_some() {
        return Err(bad("RSSI and Pathloss"));
    }
    Ok(f)
}

/// `org.bluez.Adapter1` at `/org/bluez/hci0`.
pub(crate) struct AdapterIface {
    pub shared: Arc<Shared>,
    pub address: BdAddr,
}

#[interface(name = "org.bluez.Adapter1", introspection_docs = false)]
impl AdapterIface {
    async fn set_discovery_filter(
        &self,
        properties: HashMap<String, OwnedVariant>,
        #[zbus(header)] header: Header<'_>,
    ) -> Result<(), BluezError> {
        let filter = parse_filter(properties)?;
        let _ops = self.shared.ops.lock().await;
        self.shared
            .state()
            .clients
            .entry(sender(&header))
            .or_default()
            .filter = filter;
        Ok(())
    }

    async fn start_discovery(&self, #[zbus(header)] header: Header<'_>) -> Result<(), BluezError> {
        let _ops = self.shared.ops.lock().await;
        let was = {
            let mut st = self.shared.state();
            if !st.powered {
                return Err(BluezError::NotReady("Resource Not Ready".into()));
            }
            let was = st.discovering();
            st.clients.entry(sender(&header)).or_default().active = true;
            was
        };
        if !was {
            self.shared
                .changed(
                    ADAPTER_PATH,
                    ADAPTER_IFACE,
                    vec![("Discovering", true.into())],
                )
                .await?;
        }
        // Devices are reported as their advertisements come in (the simulator's radio ticks),
        // after this call has returned, as with BlueZ.
        Ok(())
    }

    async fn stop_discovery(&self, #[zbus(header)] header: Header<'_>) -> Result<(), BluezError> {
        let _ops = self.shared.ops.lock().await;
        let now = {
            let mut st = self.shared.state();
            match st.clients.get_mut(&sender(&header)) {
                Some(c) if c.active => c.active = false,
                _ => return Err(BluezError::Failed("No discovery started".into())),
            }
            st.discovering()
        };
        if !now {
            self.shared
                .changed(
                    ADAPTER_PATH,
                    ADAPTER_IFACE,
                    vec![("Discovering", false.into())],
                )
                .await?;
            self.shared.discovery_ended().await?;
        }
        Ok(())
    }

    async fn remove_device(&self, device: OwnedObjectPath) -> Result<(), BluezError> {
        let _ops = self.shared.ops.lock().await;
        let addr = {
            let st = self.shared.state();
            st.devices
                .iter()
                .find(|(_, d)| d.exported && d.path == device.as_str())
                .map(|(a, _)| *a)
        };
        let addr = addr.ok_or_else(|| BluezError::DoesNotExist("Does Not Exist".into()))?;
        self.shared.unexport_device(addr).await?;
        Ok(())
    }

    fn get_discovery_filters(&self) -> Vec<String> {
        [
            "UUIDs",
            "RSSI",
            "Pathloss",
            "Transport",
            "DuplicateData",
            "Discoverable",
            "Pattern",
        ]
        .map(str::to_owned)
        .to_vec()
    }

    #[zbus(property)]
    fn address(&self) -> String {
        self.address.to_string()
    }

    #[zbus(property)]
    fn address_type(&self) -> String {
        "public".into()
    }

    #[zbus(property)]
    fn name(&self) -> String {
        "thecal-sim".into()
    }

    #[zbus(property)]
    fn alias(&self) -> String {
        self.shared.state().alias.clone()
    }

    #[zbus(property)]
    fn set_alias(&self, alias: String) {
        self.shared.state().alias = alias;
    }

    #[zbus(property)]
    fn class(&self) -> u32 {
        0
    }

    #[zbus(property)]
    fn powered(&self) -> bool {
        self.shared.state().powered
    }

    #[zbus(property)]
    async fn set_powered(&self, powered: bool) -> Result<(), BluezError> {
        let _ops = self.shared.ops.lock().await;
        let (connected, was_discovering) = {
            let mut st = self.shared.state();
            if powered && st.blocked {
                // Switched off by the person (rfkill soft block): no client can power it on.
                return Err(BluezError::Blocked("Blocked through rfkill".into()));
            }
            st.powered = powered;
            if powered {
                return Ok(());
            }
            let connected: Vec<BdAddr> = st
                .devices
                .iter()
                .filter(|(_, d)| d.connected)
                .map(|(a, _)| *a)
                .collect();
            let was = st.discovering();
            for c in st.clients.values_mut() {
                c.active = false;
            }
            (connected, was)
        };
        for addr in connected {
            self.shared.link_down(addr).await?;
        }
        if was_discovering {
            self.shared
                .changed(
                    ADAPTER_PATH,
                    ADAPTER_IFACE,
                    vec![("Discovering", false.into())],
                )
                .await?;
            self.shared.discovery_ended().await?;
        }
        Ok(())
    }

    #[zbus(property)]
    fn discoverable(&self) -> bool {
        false
    }

    #[zbus(property)]
    fn discoverable_timeout(&self) -> u32 {
        180
    }

    #[zbus(property)]
    fn pairable(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn pairable_timeout(&self) -> u32 {
        0
    }

    #[zbus(property)]
    fn discovering(&self) -> bool {
        self.shared.state().discovering()
    }

    #[zbus(property, name = "UUIDs")]
    fn uuids(&self) -> Vec<String> {
        Vec::new()
    }

    #[zbus(property)]
    fn modalias(&self) -> String {
        // BlueZ's own USB vendor id (Linux Foundation), version 5.64: parsable by bluez-async.
        "usb:v1D6Bp0246d0540".into()
    }

    #[zbus(property)]
    fn roles(&self) -> Vec<String> {
        vec!["central".into(), "peripheral".into()]
    }
}

/// `org.bluez.AgentManager1` at `/org/bluez`: where clients register their pairing agents.
pub(crate) struct AgentManagerIface {
    pub shared: Arc<Shared>,
}

const CAPABILITIES: [&str; 6] = [
    "",
    "DisplayOnly",
    "DisplayYesNo",
    "KeyboardOnly",
    "NoInputNoOutput",
    "KeyboardDisplay",
];

#[interface(name = "org.bluez.AgentManager1", introspection_docs = false)]
impl AgentManagerIface {
    fn register_agent(
        &self,
        agent: OwnedObjectPath,
        capability: String,
        #[zbus(header)] header: Header<'_>,
    ) -> Result<(), BluezError> {
        if !CAPABILITIES.contains(&capability.as_str()) {
            return Err(BluezError::InvalidArguments(
                "Invalid arguments in method call".into(),
            ));
        }
        let mut st = self.shared.state();
        let who = sender(&header);
        if st.agents.contains_key(&who) {
            return Err(BluezError::AlreadyExists("Already Exists".into()));
        }
        st.agents.insert(who, agent.to_string());
        Ok(())
    }

    fn unregister_agent(
        &self,
        agent: OwnedObjectPath,
        #[zbus(header)] header: Header<'_>,
    ) -> Result<(), BluezError> {
        let mut st = self.shared.state();
        let who = sender(&header);
        if st.agents.get(&who).map(String::as_str) != Some(agent.as_str()) {
            return Err(BluezError::DoesNotExist("Does Not Exist".into()));
        }
        st.agents.remove(&who);
        if st.default_agent.as_deref() == Some(who.as_str()) {
            st.default_agent = None;
        }
        Ok(())
    }

    fn request_default_agent(
        &self,
        agent: OwnedObjectPath,
        #[zbus(header)] header: Header<'_>,
    ) -> Result<(), BluezError> {
        let mut st = self.shared.state();
        let who = sender(&header);
        if st.agents.get(&who).map(String::as_str) != Some(agent.as_str()) {
            return Err(BluezError::DoesNotExist("Does Not Exist".into()));
        }
        st.default_agent = Some(who);
        Ok(())
    }
}

/// `org.bluez.Device1` at `/org/bluez/hci0/dev_XX_XX_XX_XX_XX_XX`.
pub(crate) struct DeviceIface {
    shared: Arc<Shared>,
    addr: BdAddr,
}

impl DeviceIface {
    pub fn new(shared: Arc<Shared>, addr: BdAddr) -> Self {
        Self { shared, addr }
    }

    /// Passkey entry: BlueZ asks the caller's agent (else the default agent) for the passkey
    /// and compares it with the device's.
    async fn authenticate(
        &self,
        caller: &str,
        device: &str,
        passkey: u32,
    ) -> Result<(), BluezError> {
        let agent = {
            let st = self.shared.state();
            st.agents
                .get(caller)
                .map(|p| (caller.to_owned(), p.clone()))
                .or_else(|| {
                    let owner = st.default_agent.clone()?;
                    let path = st.agents.get(&owner)?.clone();
                    Some((owner, path))
                })
        };
        let Some((owner, agent_path)) = agent else {
            // No agent: BlueZ falls back to no input/output, which cannot authenticate.
            return Err(BluezError::AuthenticationFailed(
                "Authentication Failed".into(),
            ));
        };
        let device_path = ObjectPath::try_from(device.to_owned())
            .map_err(|e| BluezError::Failed(e.to_string()))?;
        let reply = self
            .shared
            .conn()?
            .call_method(
                Some(owner.as_str()),
                agent_path.as_str(),
                Some("org.bluez.Agent1"),
                "RequestPasskey",
                &(device_path,),
            )
            .await;
        match reply {
            Ok(msg) => {
                let given: u32 = msg.body().deserialize().map_err(|_| {
                    BluezError::AuthenticationFailed("Authentication Failed".into())
                })?;
                if given == passkey {
                    Ok(())
                } else {
                    Err(BluezError::AuthenticationFailed(
                        "Authentication Failed".into(),
                    ))
                }
            }
            Err(zbus::Error::MethodError(name, _, _)) if name.as_str().ends_with("Canceled") => {
                Err(BluezError::AuthenticationCanceled(
                    "Authentication Canceled".into(),
                ))
            }
            Err(zbus::Error::MethodError(name, _, _)) if name.as_str().ends_with("Rejected") => {
                Err(BluezError::AuthenticationRejected(
                    "Authentication Rejected".into(),
                ))
            }
            Err(_) => Err(BluezError::AuthenticationFailed(
                "Authentication Failed".into(),
            )),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&crate::state::DeviceState) -> T) -> zbus::fdo::Result<T> {
        let st = self.shared.state();
        st.devices
            .get(&self.addr)
            .map(f)
            .ok_or_else(|| zbus::fdo::Error::UnknownObject(self.addr.to_string()))
    }
}

#[interface(name = "org.bluez.Device1", introspection_docs = false)]
impl DeviceIface {
    async fn connect(&self) -> Result<(), BluezError> {
        self.shared.record_connect(self.addr);
        let unreachable = {
            let st = self.shared.state();
            let dev = st.device(self.addr)?;
            dev.blocked || !dev.reachable
        };
        if unreachable {
            // BlueZ pages a known device that is away until its connection attempt times out.
            tokio::time::sleep(self.shared.config.connect_timeout).await;
        }
        let _ops = self.shared.ops.lock().await;
        {
            let st = self.shared.state();
            let dev = st.device(self.addr)?;
            if !st.powered {
                return Err(BluezError::NotReady("Resource Not Ready".into()));
            }
            if dev.connected {
                return Err(BluezError::AlreadyConnected("Already Connected".into()));
            }
            if dev.blocked || !dev.reachable {
                return Err(BluezError::Failed("le-connection-abort-by-local".into()));
            }
        }
        self.shared.link_up(self.addr).await?;
        Ok(())
    }

    async fn disconnect(&self) -> Result<(), BluezError> {
        let _ops = self.shared.ops.lock().await;
        if !self.shared.state().device(self.addr)?.connected {
            return Err(BluezError::NotConnected("Not Connected".into()));
        }
        self.shared.link_down(self.addr).await?;
        Ok(())
    }

    async fn pair(&self, #[zbus(header)] header: Header<'_>) -> Result<(), BluezError> {
        let caller = sender(&header);
        let _ops = self.shared.ops.lock().await;
        let (connected, path) = {
            let st = self.shared.state();
            let dev = st.device(self.addr)?;
            if dev.paired {
                return Err(BluezError::AlreadyExists("Already Exists".into()));
            }
            if !dev.reachable || dev.blocked {
                return Err(BluezError::ConnectionAttemptFailed("Page Timeout".into()));
            }
            (dev.connected, dev.path.clone())
        };
        // BlueZ connects first when needed; pairing happens over that link.
        if !connected {
            self.shared.record_connect(self.addr);
            self.shared.link_up(self.addr).await?;
        }
        let (refuse, peripheral) = {
            let st = self.shared.state();
            let dev = st.device(self.addr)?;
            (dev.refuse_pairing, dev.peripheral.clone())
        };
        if refuse {
            return Err(BluezError::AuthenticationRejected(
                "Authentication Rejected".into(),
            ));
        }
        if let Some(passkey) = peripheral.pairing_passkey() {
            self.authenticate(&caller, &path, passkey).await?;
        }
        self.shared.state().device_mut(self.addr)?.paired = true;
        self.shared
            .changed(
                &path,
                crate::state::DEVICE_IFACE,
                vec![("Paired", true.into()), ("Bonded", true.into())],
            )
            .await?;
        peripheral.on_link_event(LinkEvent::Bonded);
        Ok(())
    }

    fn cancel_pairing(&self) -> Result<(), BluezError> {
        Err(BluezError::DoesNotExist("Does Not Exist".into()))
    }

    #[zbus(property)]
    fn address(&self) -> zbus::fdo::Result<String> {
        self.with(|d| d.adv.address.to_string())
    }

    #[zbus(property)]
    fn address_type(&self) -> zbus::fdo::Result<String> {
        self.with(|d| {
            if d.adv.random_address {
                "random"
            } else {
                "public"
            }
            .to_owned()
        })
    }

    #[zbus(property)]
    fn name(&self) -> zbus::fdo::Result<String> {
        self.with(|d| d.adv.name.clone())?
            .ok_or_else(|| unknown("Name"))
    }

    #[zbus(property)]
    fn alias(&self) -> zbus::fdo::Result<String> {
        // BlueZ falls back to the address with dashes when there is no name.
        self.with(|d| {
            d.adv
                .name
                .clone()
                .unwrap_or_else(|| d.adv.address.to_string().replace(':', "-"))
        })
    }

    #[zbus(property)]
    fn paired(&self) -> zbus::fdo::Result<bool> {
        self.with(|d| d.paired)
    }

    #[zbus(property)]
    fn bonded(&self) -> zbus::fdo::Result<bool> {
        self.with(|d| d.paired)
    }

    #[zbus(property)]
    fn trusted(&self) -> zbus::fdo::Result<bool> {
        self.with(|d| d.trusted)
    }

    #[zbus(property)]
    fn set_trusted(&self, trusted: bool) -> zbus::fdo::Result<()> {
        let mut st = self.shared.state();
        st.device_mut(self.addr)
            .map_err(|e| zbus::fdo::Error::UnknownObject(e.to_string()))?
            .trusted = trusted;
        Ok(())
    }

    #[zbus(property)]
    fn blocked(&self) -> zbus::fdo::Result<bool> {
        self.with(|d| d.blocked)
    }

    #[zbus(property)]
    fn set_blocked(&self, blocked: bool) -> zbus::fdo::Result<()> {
        let mut st = self.shared.state();
        st.device_mut(self.addr)
            .map_err(|e| zbus::fdo::Error::UnknownObject(e.to_string()))?
            .blocked = blocked;
        Ok(())
    }

    #[zbus(property)]
    fn legacy_pairing(&self) -> bool {
        false
    }

    #[zbus(property, name = "RSSI")]
    fn rssi(&self) -> zbus::fdo::Result<i16> {
        // Only while a discovery sees the device advertise.
        self.with(|d| d.rssi)?.ok_or_else(|| unknown("RSSI"))
    }

    #[zbus(property)]
    fn service_data(&self) -> zbus::fdo::Result<HashMap<String, OwnedVariant>> {
        let data = self.with(|d| d.adv.service_data.clone())?;
        if data.is_empty() {
            return Err(unknown("ServiceData"));
        }
        data.into_iter()
            .map(|(k, v)| {
                OwnedVariant::try_from(zbus::Variant::from(v))
                    .map(|v| (k.to_string(), v))
                    .map_err(|e| zbus::fdo::Error::Failed(e.to_string()))
            })
            .collect()
    }

    #[zbus(property)]
    fn connected(&self) -> zbus::fdo::Result<bool> {
        self.with(|d| d.connected)
    }

    #[zbus(property, name = "UUIDs")]
    fn uuids(&self) -> zbus::fdo::Result<Vec<String>> {
        self.with(|d| {
            // Once services are resolved BlueZ lists the GATT services; before, the advertised ones.
            if d.resolved_once {
                d.services.iter().map(|s| s.uuid.to_string()).collect()
            } else {
                d.adv.service_uuids.iter().map(Uuid::to_string).collect()
            }
        })
    }

    #[zbus(property)]
    fn adapter(&self) -> OwnedObjectPath {
        path(ADAPTER_PATH)
    }

    #[zbus(property)]
    fn manufacturer_data(&self) -> zbus::fdo::Result<HashMap<u16, OwnedVariant>> {
        let data = self.with(|d| d.adv.manufacturer_data.clone())?;
        data.into_iter()
            .map(|(k, v)| {
                OwnedVariant::try_from(zbus::Variant::from(v))
                    .map(|v| (k, v))
                    .map_err(|e| zbus::fdo::Error::Failed(e.to_string()))
            })
            .collect()
    }

    #[zbus(property)]
    fn services_resolved(&self) -> zbus::fdo::Result<bool> {
        self.with(|d| d.services_resolved)
    }

    #[zbus(property)]
    fn wake_allowed(&self) -> bool {
        false
    }
}

/// `org.bluez.GattService1`.
pub(crate) struct ServiceIface {
    pub uuid: Uuid,
    pub primary: bool,
    pub device_path: String,
}

#[interface(name = "org.bluez.GattService1", introspection_docs = false)]
impl ServiceIface {
    #[zbus(property, name = "UUID")]
    fn uuid(&self) -> String {
        self.uuid.to_string()
    }

    #[zbus(property)]
    fn primary(&self) -> bool {
        self.primary
    }

    #[zbus(property)]
    fn device(&self) -> OwnedObjectPath {
        path(&self.device_path)
    }

    #[zbus(property)]
    fn includes(&self) -> Vec<OwnedObjectPath> {
        Vec::new()
    }
}

/// `org.bluez.GattCharacteristic1`.
pub(crate) struct CharacteristicIface {
    shared: Arc<Shared>,
    addr: BdAddr,
    uuid: Uuid,
    flags: CharFlags,
    service_path: String,
}

impl CharacteristicIface {
    pub fn new(
        shared: Arc<Shared>,
        addr: BdAddr,
        uuid: Uuid,
        flags: CharFlags,
        service_path: String,
    ) -> Self {
        Self {
            shared,
            addr,
            uuid,
            flags,
            service_path,
        }
    }

    fn connected(&self) -> Result<bool, BluezError> {
        Ok(self.shared.state().device(self.addr)?.connected)
    }

    /// An encrypted characteristic of a device not paired: insufficient authentication.
    fn check_security(&self) -> Result<(), BluezError> {
        if self.flags.encrypted && !self.shared.state().device(self.addr)?.paired {
            return Err(AttError::InsufficientAuthentication.into());
        }
        Ok(())
    }

    fn char_path(&self) -> Result<String, BluezError> {
        let st = self.shared.state();
        let dev = st.device(self.addr)?;
        dev.chars
            .get(&self.uuid)
            .map(|c| c.path.clone())
            .ok_or_else(|| BluezError::Failed("No such characteristic".into()))
    }
}

fn offset_of(options: &HashMap<String, OwnedVariant>) -> Result<usize, BluezError> {
    match options.get("offset") {
        None => Ok(0),
        Some(v) => u16::try_from(v)
            .map(usize::from)
            .map_err(|_| BluezError::InvalidArguments("Invalid arguments in method call".into())),
    }
}

#[interface(name = "org.bluez.GattCharacteristic1", introspection_docs = false)]
impl CharacteristicIface {
    async fn read_value(
        &self,
        options: HashMap<String, OwnedVariant>,
    ) -> Result<Vec<u8>, BluezError> {
        let offset = offset_of(&options)?;
        if !self.connected()? {
            return Err(not_connected());
        }
        if !self.flags.read {
            return Err(BluezError::NotPermitted("Read not permitted".into()));
        }
        self.check_security()?;
        let peripheral = self.shared.state().device(self.addr)?.peripheral.clone();
        let value = peripheral.read(self.uuid).await?;
        if offset > value.len() {
            return Err(AttError::InvalidOffset.into());
        }
        let value = value[offset..].to_vec();
        // BlueZ writes what it read into its cache and signals the new Value, so a read also
        // shows up on a client's PropertiesChanged stream.
        let path = self.char_path()?;
        if let Some(c) = self
            .shared
            .state()
            .device_mut(self.addr)?
            .chars
            .get_mut(&self.uuid)
        {
            c.value.clone_from(&value);
        }
        self.shared
            .changed(&path, CHAR_IFACE, vec![("Value", value.clone().into())])
            .await?;
        Ok(value)
    }

    async fn write_value(
        &self,
        value: Vec<u8>,
        options: HashMap<String, OwnedVariant>,
        #[zbus(header)] header: Header<'_>,
    ) -> Result<(), BluezError> {
        let kind = match options.get("type").map(<&str>::try_from) {
            None => None,
            Some(Ok("request" | "reliable")) => Some(WriteKind::WithResponse),
            Some(Ok("command")) => Some(WriteKind::WithoutResponse),
            Some(_) => {
                return Err(BluezError::InvalidArguments(
                    "Invalid arguments in method call".into(),
                ));
            }
        };
        let op = match kind {
            Some(WriteKind::WithoutResponse) => WriteOp::WriteWithoutResponse,
            _ => WriteOp::Write,
        };
        self.shared
            .record(self.addr, self.uuid, op, &value, sender(&header));
        let offset = offset_of(&options)?;
        if !self.connected()? {
            return Err(not_connected());
        }
        // With no type given, BlueZ uses a request if the characteristic allows one.
        let kind = match kind {
            Some(k) => k,
            None if self.flags.write => WriteKind::WithResponse,
            None => WriteKind::WithoutResponse,
        };
        let allowed = match kind {
            WriteKind::WithResponse => self.flags.write,
            WriteKind::WithoutResponse => self.flags.write_without_response,
        };
        if !allowed {
            return Err(BluezError::NotPermitted("Write not permitted".into()));
        }
        if offset != 0 {
            return Err(AttError::InvalidOffset.into());
        }
        self.check_security()?;
        let peripheral = self.shared.state().device(self.addr)?.peripheral.clone();
        peripheral.write(self.uuid, &value, kind).await?;
        Ok(())
    }

    async fn start_notify(&self, #[zbus(header)] header: Header<'_>) -> Result<(), BluezError> {
        let who = sender(&header);
        self.shared
            .record(self.addr, self.uuid, WriteOp::StartNotify, &[], who.clone());
        if !self.flags.can_notify() {
            return Err(BluezError::NotSupported(
                "Operation is not supported".into(),
            ));
        }
        if self.connected()? {
            self.check_security()?;
        }
        let (first, path, peripheral) = {
            let mut st = self.shared.state();
            let dev = st.device_mut(self.addr)?;
            if !dev.connected {
                return Err(not_connected());
            }
            let peripheral = dev.peripheral.clone();
            let Some(c) = dev.chars.get_mut(&self.uuid) else {
                return Err(BluezError::Failed("No such characteristic".into()));
            };
            if c.notify_clients.contains(&who) {
                // BlueZ answers a repeated StartNotify from the same client with success.
                return Ok(());
            }
            let first = c.notify_clients.is_empty();
            c.notify_clients.insert(who);
            (first, c.path.clone(), peripheral)
        };
        if first {
            self.shared
                .changed(&path, CHAR_IFACE, vec![("Notifying", true.into())])
                .await?;
            peripheral.on_link_event(LinkEvent::Subscribed(self.uuid));
        }
        Ok(())
    }

    async fn stop_notify(&self, #[zbus(header)] header: Header<'_>) -> Result<(), BluezError> {
        let who = sender(&header);
        self.shared
            .record(self.addr, self.uuid, WriteOp::StopNotify, &[], who.clone());
        let (last, path, peripheral) = {
            let mut st = self.shared.state();
            let dev = st.device_mut(self.addr)?;
            let peripheral = dev.peripheral.clone();
            let Some(c) = dev.chars.get_mut(&self.uuid) else {
                return Err(BluezError::Failed("No such characteristic".into()));
            };
            if !c.notify_clients.remove(&who) {
                return Err(BluezError::Failed("No notify session started".into()));
            }
            (c.notify_clients.is_empty(), c.path.clone(), peripheral)
        };
        if last {
            self.shared
                .changed(&path, CHAR_IFACE, vec![("Notifying", false.into())])
                .await?;
            peripheral.on_link_event(LinkEvent::Unsubscribed(self.uuid));
        }
        Ok(())
    }

    #[zbus(property, name = "UUID")]
    fn uuid(&self) -> String {
        self.uuid.to_string()
    }

    #[zbus(property)]
    fn service(&self) -> OwnedObjectPath {
        path(&self.service_path)
    }

    #[zbus(property)]
    fn value(&self) -> Vec<u8> {
        let st = self.shared.state();
        st.devices
            .get(&self.addr)
            .and_then(|d| d.chars.get(&self.uuid))
            .map(|c| c.value.clone())
            .unwrap_or_default()
    }

    #[zbus(property)]
    fn notifying(&self) -> bool {
        let st = self.shared.state();
        st.devices
            .get(&self.addr)
            .and_then(|d| d.chars.get(&self.uuid))
            .is_some_and(|c| !c.notify_clients.is_empty())
    }

    #[zbus(property)]
    fn flags(&self) -> Vec<String> {
        self.flags.bluez_strings()
    }

    #[zbus(property, name = "MTU")]
    fn mtu(&self) -> u16 {
        crate::sim::SIM_MTU
    }
}

/// `org.bluez.GattDescriptor1`.
pub(crate) struct DescriptorIface {
    shared: Arc<Shared>,
    addr: BdAddr,
    char_uuid: Uuid,
    uuid: Uuid,
    writable: bool,
    value: Mutex<Vec<u8>>,
    char_path: String,
}

impl DescriptorIface {
    pub fn new(
        shared: Arc<Shared>,
        addr: BdAddr,
        char_uuid: Uuid,
        def: DescriptorDef,
        char_path: String,
    ) -> Self {
        Self {
            shared,
            addr,
            char_uuid,
            uuid: def.uuid,
            writable: def.writable && def.uuid != CCCD_UUID,
            value: Mutex::new(def.value),
            char_path,
        }
    }

    fn current(&self) -> Vec<u8> {
        if self.uuid == CCCD_UUID {
            // What the peer's CCCD holds: notifications (1) or indications (2) on, or off.
            let st = self.shared.state();
            let on = st
                .devices
                .get(&self.addr)
                .and_then(|d| d.chars.get(&self.char_uuid))
                .filter(|c| !c.notify_clients.is_empty())
                .map_or(0u8, |c| if c.flags.notify { 1 } else { 2 });
            return vec![on, 0];
        }
        self.value
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

#[interface(name = "org.bluez.GattDescriptor1", introspection_docs = false)]
impl DescriptorIface {
    fn read_value(&self, options: HashMap<String, OwnedVariant>) -> Result<Vec<u8>, BluezError> {
        let offset = offset_of(&options)?;
        if !self.shared.state().device(self.addr)?.connected {
            return Err(not_connected());
        }
        let value = self.current();
        value
            .get(offset..)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| AttError::InvalidOffset.into())
    }

    fn write_value(
        &self,
        value: Vec<u8>,
        options: HashMap<String, OwnedVariant>,
        #[zbus(header)] header: Header<'_>,
    ) -> Result<(), BluezError> {
        self.shared.record(
            self.addr,
            self.char_uuid,
            WriteOp::DescriptorWrite(self.uuid),
            &value,
            sender(&header),
        );
        let offset = offset_of(&options)?;
        if !self.shared.state().device(self.addr)?.connected {
            return Err(not_connected());
        }
        // BlueZ refuses CCCD writes over D-Bus: StartNotify/StopNotify are the way.
        if !self.writable || offset != 0 {
            return Err(BluezError::NotPermitted("Write not permitted".into()));
        }
        *self
            .value
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = value;
        Ok(())
    }

    #[zbus(property, name = "UUID")]
    fn uuid(&self) -> String {
        self.uuid.to_string()
    }

    #[zbus(property)]
    fn characteristic(&self) -> OwnedObjectPath {
        path(&self.char_path)
    }

    #[zbus(property)]
    fn value(&self) -> Vec<u8> {
        self.current()
    }

    #[zbus(property)]
    fn flags(&self) -> Vec<String> {
        if self.writable {
            vec!["read".into(), "write".into()]
        } else {
            vec!["read".into()]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_uuids_expand_on_the_base_uuid() {
        assert_eq!(
            parse_uuid("180d").unwrap().to_string(),
            "0000180d-0000-1000-8000-00805f9b34fb"
        );
        assert_eq!(
            parse_uuid("0000180D").unwrap().to_string(),
            "0000180d-0000-1000-8000-00805f9b34fb"
        );
        assert!(parse_uuid("xyz").is_none());
    }
}
