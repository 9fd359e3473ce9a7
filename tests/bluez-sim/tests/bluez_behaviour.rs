//! The simulator behaves like BlueZ where clients depend on it, seen from a plain D-Bus client
//! (zbus, not btleplug): devices are reported as their advertisements come in, on every scan, with
//! a changing RSSI and their service data; a device that is away keeps no RSSI, makes `Connect`
//! wait for its timeout, and leaves the bus after the temporary timeout; a client's discovery and
//! notify sessions end when it leaves the bus; `UUIDs` changes are signalled; encrypted
//! characteristics need an authenticated pairing, which BlueZ asks of a registered agent.
//!
//! No btleplug here, so several tests may share a process (each starts its own bus).

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use thecal_bluez_sim::{BdAddr, BluezSim, PrivateBus, PumpPeripheral, SIM_PASSKEY, SimConfig};
use thecal_core::model::PumpKind;
use thecal_core::pump::profile;
use thecal_sim::InProcessPump;
use zbus::message::Type;
use zbus::{Connection, MatchRule, MessageStream, OwnedObjectPath, OwnedVariant};

const DEADLINE: Duration = Duration::from_secs(15);
const ADAPTER: &str = "/org/bluez/hci0";

async fn within<T>(what: &str, fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(DEADLINE, fut)
        .await
        .unwrap_or_else(|_| panic!("timed out after {DEADLINE:?} waiting for {what}"))
}

fn start() -> thecal_core::model::UtcDateTime {
    chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 6, 1, 8, 0, 0).unwrap()
}

/// A simulated pump at `last` (its service encrypted with [`SIM_PASSKEY`], or open).
fn pump(last: u8, encrypted: bool) -> Arc<PumpPeripheral> {
    PumpPeripheral::with(
        InProcessPump::new(u64::from(last), PumpKind::Implanted, start()),
        BdAddr([0xC0, 0xFF, 0xEE, 0x00, 0x00, last]),
        encrypted.then_some(SIM_PASSKEY),
        None,
    )
}

struct Bed {
    sim: BluezSim,
    client: Connection,
    bus: PrivateBus,
}

impl Bed {
    async fn start(config: SimConfig) -> Self {
        let bus = PrivateBus::start().unwrap();
        let sim = BluezSim::start_with(bus.address(), config).await.unwrap();
        let client = Self::connect(&bus).await;
        Self { sim, client, bus }
    }

    async fn connect(bus: &PrivateBus) -> Connection {
        zbus::connection::Builder::address(bus.address())
            .build()
            .await
            .unwrap()
    }

    /// Signals from `org.bluez` of `interface`.`member`.
    async fn signals(&self, interface: &'static str, member: &'static str) -> MessageStream {
        let rule = MatchRule::builder()
            .msg_type(Type::Signal)
            .sender("org.bluez")
            .interface(interface)
            .member(member)
            .build()
            .unwrap();
        MessageStream::for_match_rule(rule, &self.client, None)
            .await
            .unwrap()
    }
}

async fn call<B>(
    conn: &Connection,
    path: &str,
    iface: &str,
    method: &str,
    body: &B,
) -> zbus::Result<zbus::Message>
where
    B: serde::Serialize + zbus::zvariant::DynamicType,
{
    conn.call_method(Some("org.bluez"), path, Some(iface), method, body)
        .await
}

async fn get(conn: &Connection, path: &str, iface: &str, name: &str) -> zbus::Result<OwnedVariant> {
    let reply = call(
        conn,
        path,
        "org.freedesktop.DBus.Properties",
        "Get",
        &(iface, name),
    )
    .await?;
    reply.body().deserialize()
}

fn error_name(e: &zbus::Error) -> String {
    match e {
        zbus::Error::MethodError(name, _, _) => name.to_string(),
        other => format!("{other:?}"),
    }
}

type Changed = (String, HashMap<String, OwnedVariant>, Vec<String>);

/// The next `PropertiesChanged` on `path` whose changed or invalidated names include `name`.
async fn next_change(stream: &mut MessageStream, path: &str, name: &str) -> Changed {
    within(&format!("{name} to change on {path}"), async {
        loop {
            let msg = stream.next().await.unwrap().unwrap();
            if msg.header().path().map(|p| p.as_str()) != Some(path) {
                continue;
            }
            let change: Changed = msg.body().deserialize().unwrap();
            if change.1.contains_key(name) || change.2.iter().any(|n| n == name) {
                return change;
            }
        }
    })
    .await
}

/// Waits for `InterfacesAdded` of the object `path`.
async fn added(stream: &mut MessageStream, path: &str) {
    type Added = (
        OwnedObjectPath,
        HashMap<String, HashMap<String, OwnedVariant>>,
    );
    within(&format!("{path} to be added"), async {
        loop {
            let msg = stream.next().await.unwrap().unwrap();
            let (object, _): Added = msg.body().deserialize().unwrap();
            if object.as_str() == path {
                return;
            }
        }
    })
    .await;
}

/// Waits for `InterfacesRemoved` of the object `path`.
async fn removed(stream: &mut MessageStream, path: &str) {
    within(&format!("{path} to be removed"), async {
        loop {
            let msg = stream.next().await.unwrap().unwrap();
            let (object, _): (OwnedObjectPath, Vec<String>) = msg.body().deserialize().unwrap();
            if object.as_str() == path {
                return;
            }
        }
    })
    .await;
}

/// Waits until the boolean property `name` of `path` is signalled as `false`.
async fn became_false(stream: &mut MessageStream, path: &str, name: &str) {
    loop {
        let change = next_change(stream, path, name).await;
        if change.1.get(name).cloned().map(bool::try_from) == Some(Ok(false)) {
            return;
        }
    }
}

fn device_path(last: u8) -> String {
    format!("{ADAPTER}/dev_C0_FF_EE_00_00_{last:02X}")
}

fn rssi_of(change: &Changed) -> Option<i16> {
    change
        .1
        .get("RSSI")
        .map(|v| i16::try_from(v.clone()).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scan_reports_the_devices_again_with_a_changing_rssi_and_their_service_data() {
    let bed = Bed::start(SimConfig::default()).await;
    bed.sim.add_device(pump(1, true)).await.unwrap();
    let path = device_path(1);
    let mut added_signals = bed
        .signals("org.freedesktop.DBus.ObjectManager", "InterfacesAdded")
        .await;
    let mut changed = bed
        .signals("org.freedesktop.DBus.Properties", "PropertiesChanged")
        .await;
    // Nothing is on the bus before a discovery hears it.
    assert!(
        get(&bed.client, &path, "org.bluez.Device1", "Address")
            .await
            .is_err()
    );

    for scan in 0..2 {
        call(
            &bed.client,
            ADAPTER,
            "org.bluez.Adapter1",
            "StartDiscovery",
            &(),
        )
        .await
        .unwrap();
        if scan == 0 {
            added(&mut added_signals, &path).await;
        }
        // Every advertisement heard is a change: the RSSI moves a little, as on the air.
        let mut seen = Vec::new();
        while seen.len() < 3 {
            let change = next_change(&mut changed, &path, "RSSI").await;
            seen.extend(rssi_of(&change));
        }
        assert!(
            seen.windows(2).any(|w| w[0] != w[1]),
            "scan {scan}: RSSI never changes: {seen:?}"
        );
        let data: HashMap<String, OwnedVariant> =
            get(&bed.client, &path, "org.bluez.Device1", "ServiceData")
                .await
                .unwrap()
                .try_into()
                .unwrap();
        assert!(
            data.contains_key(&profile::PUMP_SERVICE.to_string()),
            "the pump's advertised service data: {data:?}"
        );
        call(
            &bed.client,
            ADAPTER,
            "org.bluez.Adapter1",
            "StopDiscovery",
            &(),
        )
        .await
        .unwrap();
        // No discovery: no RSSI (invalidated, and absent).
        let change = next_change(&mut changed, &path, "RSSI").await;
        assert_eq!(rssi_of(&change), None);
        let err = get(&bed.client, &path, "org.bluez.Device1", "RSSI")
            .await
            .unwrap_err();
        assert!(error_name(&err).contains("InvalidArgs"), "{err:?}");
    }
    drop(bed.bus);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clients_discovery_and_notify_sessions_end_when_it_leaves_the_bus() {
    let bed = Bed::start(SimConfig::default()).await;
    let device = bed.sim.add_device(pump(2, false)).await.unwrap();
    let path = device_path(2);
    let mut added_signals = bed
        .signals("org.freedesktop.DBus.ObjectManager", "InterfacesAdded")
        .await;
    let mut changed = bed
        .signals("org.freedesktop.DBus.Properties", "PropertiesChanged")
        .await;

    // Another client scans, connects and turns notifications on; then it leaves the bus.
    let other = Bed::connect(&bed.bus).await;
    call(&other, ADAPTER, "org.bluez.Adapter1", "StartDiscovery", &())
        .await
        .unwrap();
    added(&mut added_signals, &path).await;
    assert!(bed.sim.is_discovering());
    call(&other, &path, "org.bluez.Device1", "Connect", &())
        .await
        .unwrap();
    let status = characteristic_path(&bed.client, &path, profile::STATUS).await;
    call(
        &other,
        &status,
        "org.bluez.GattCharacteristic1",
        "StartNotify",
        &(),
    )
    .await
    .unwrap();
    assert!(
        bed.sim
            .is_notifying(device.address(), profile::STATUS)
            .unwrap()
    );

    other.close().await.unwrap();
    became_false(&mut changed, &status, "Notifying").await;
    became_false(&mut changed, ADAPTER, "Discovering").await;
    assert!(!bed.sim.is_discovering());
    assert!(
        !bed.sim
            .is_notifying(device.address(), profile::STATUS)
            .unwrap()
    );
}

/// The object path of the characteristic `uuid` under the device at `device`.
async fn characteristic_path(conn: &Connection, device: &str, uuid: uuid::Uuid) -> String {
    type Objects = HashMap<OwnedObjectPath, HashMap<String, HashMap<String, OwnedVariant>>>;
    let reply = call(
        conn,
        "/",
        "org.freedesktop.DBus.ObjectManager",
        "GetManagedObjects",
        &(),
    )
    .await
    .unwrap();
    let objects: Objects = reply.body().deserialize().unwrap();
    objects
        .into_iter()
        .find_map(|(path, ifaces)| {
            let c = ifaces.get("org.bluez.GattCharacteristic1")?;
            let u = String::try_from(c.get("UUID")?.clone()).ok()?;
            (path.as_str().starts_with(device) && u == uuid.to_string()).then(|| path.to_string())
        })
        .unwrap_or_else(|| panic!("characteristic {uuid} under {device}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_uuids_become_the_gatt_services_with_a_signal_when_services_resolve() {
    let bed = Bed::start(SimConfig::default()).await;
    bed.sim.add_device(pump(3, false)).await.unwrap();
    let path = device_path(3);
    let mut added_signals = bed
        .signals("org.freedesktop.DBus.ObjectManager", "InterfacesAdded")
        .await;
    let mut changed = bed
        .signals("org.freedesktop.DBus.Properties", "PropertiesChanged")
        .await;
    call(
        &bed.client,
        ADAPTER,
        "org.bluez.Adapter1",
        "StartDiscovery",
        &(),
    )
    .await
    .unwrap();
    added(&mut added_signals, &path).await;
    let advertised: Vec<String> = get(&bed.client, &path, "org.bluez.Device1", "UUIDs")
        .await
        .unwrap()
        .try_into()
        .unwrap();
    assert_eq!(advertised, vec![profile::PUMP_SERVICE.to_string()]);
    call(&bed.client, &path, "org.bluez.Device1", "Connect", &())
        .await
        .unwrap();
    let change = next_change(&mut changed, &path, "UUIDs").await;
    let uuids: Vec<String> = change.1["UUIDs"].clone().try_into().unwrap();
    for service in [
        profile::PUMP_SERVICE,
        profile::DEVICE_INFORMATION_SERVICE,
        profile::BATTERY_SERVICE,
    ] {
        assert!(uuids.contains(&service.to_string()), "{uuids:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_away_device_keeps_no_rssi_connecting_waits_for_the_timeout_then_it_leaves_the_bus() {
    let config = SimConfig {
        temporary_timeout: Duration::from_millis(600),
        connect_timeout: Duration::from_millis(300),
        ..SimConfig::default()
    };
    let bed = Bed::start(config).await;
    let away = bed.sim.add_device(pump(4, false)).await.unwrap();
    let kept = bed.sim.add_device(pump(5, false)).await.unwrap();
    let (away_path, kept_path) = (device_path(4), device_path(5));
    let mut added_signals = bed
        .signals("org.freedesktop.DBus.ObjectManager", "InterfacesAdded")
        .await;
    let mut removed_signals = bed
        .signals("org.freedesktop.DBus.ObjectManager", "InterfacesRemoved")
        .await;
    let mut changed = bed
        .signals("org.freedesktop.DBus.Properties", "PropertiesChanged")
        .await;
    call(
        &bed.client,
        ADAPTER,
        "org.bluez.Adapter1",
        "StartDiscovery",
        &(),
    )
    .await
    .unwrap();
    added(&mut added_signals, &away_path).await;
    // A paired device stays on the bus however long it is away.
    call(&bed.client, &kept_path, "org.bluez.Device1", "Pair", &())
        .await
        .unwrap();
    call(
        &bed.client,
        &kept_path,
        "org.bluez.Device1",
        "Disconnect",
        &(),
    )
    .await
    .unwrap();
    bed.sim.set_reachable(kept.address(), false).await.unwrap();

    bed.sim.set_reachable(away.address(), false).await.unwrap();
    let change = next_change(&mut changed, &away_path, "RSSI").await;
    assert_eq!(rssi_of(&change), None, "away: the RSSI is invalidated");
    // Still on the bus (BlueZ keeps it for a while): connecting pages it until the timeout.
    let asked = std::time::Instant::now();
    let err = call(&bed.client, &away_path, "org.bluez.Device1", "Connect", &())
        .await
        .unwrap_err();
    assert!(asked.elapsed() >= Duration::from_millis(300), "no timeout");
    assert!(error_name(&err).ends_with("Failed"), "{err:?}");
    // Not seen for the temporary timeout: removed, though the discovery still runs.
    removed(&mut removed_signals, &away_path).await;
    assert!(
        get(&bed.client, &away_path, "org.bluez.Device1", "Address")
            .await
            .is_err()
    );
    assert!(
        get(&bed.client, &kept_path, "org.bluez.Device1", "Paired")
            .await
            .is_ok()
    );
    // Its connection attempts are in the log (a test can tell which devices were paged).
    assert!(bed.sim.connect_log().contains(&away.address()));
}

/// A pairing agent answering `RequestPasskey` with a code the test sets.
struct Agent {
    passkey: Arc<Mutex<Option<u32>>>,
    asked: Arc<Mutex<u32>>,
}

#[zbus::interface(name = "org.bluez.Agent1")]
impl Agent {
    fn request_passkey(&self, _device: OwnedObjectPath) -> zbus::fdo::Result<u32> {
        *self.asked.lock().unwrap() += 1;
        self.passkey
            .lock()
            .unwrap()
            .ok_or_else(|| zbus::fdo::Error::Failed("no code".into()))
    }
    fn release(&self) {}
    fn cancel(&self) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypted_characteristics_need_an_authenticated_pairing_through_the_clients_agent() {
    let bed = Bed::start(SimConfig::default()).await;
    let device = bed.sim.add_device(pump(6, true)).await.unwrap();
    let path = device_path(6);
    let mut added_signals = bed
        .signals("org.freedesktop.DBus.ObjectManager", "InterfacesAdded")
        .await;
    call(
        &bed.client,
        ADAPTER,
        "org.bluez.Adapter1",
        "StartDiscovery",
        &(),
    )
    .await
    .unwrap();
    added(&mut added_signals, &path).await;
    call(&bed.client, &path, "org.bluez.Device1", "Connect", &())
        .await
        .unwrap();

    // Device Information is open; the pump service needs an encrypted, authenticated link.
    let serial = characteristic_path(&bed.client, &path, profile::SERIAL_NUMBER).await;
    let features = characteristic_path(&bed.client, &path, profile::FEATURES).await;
    let read = |c: String| {
        let conn = bed.client.clone();
        async move {
            let options: HashMap<&str, zbus::Variant<'_>> = HashMap::new();
            call(
                &conn,
                &c,
                "org.bluez.GattCharacteristic1",
                "ReadValue",
                &(options,),
            )
            .await
            .map(|m| m.body().deserialize::<Vec<u8>>().unwrap())
        }
    };
    assert!(!read(serial.clone()).await.unwrap().is_empty());
    let err = read(features.clone()).await.unwrap_err();
    assert_eq!(error_name(&err), "org.bluez.Error.NotPermitted");
    assert!(format!("{err:?}").contains("Not paired"), "{err:?}");
    let flags: Vec<String> = get(
        &bed.client,
        &features,
        "org.bluez.GattCharacteristic1",
        "Flags",
    )
    .await
    .unwrap()
    .try_into()
    .unwrap();
    assert!(
        flags.contains(&"encrypt-authenticated-read".to_owned()),
        "{flags:?}"
    );

    // No agent: the passkey cannot be entered, pairing fails.
    let err = call(&bed.client, &path, "org.bluez.Device1", "Pair", &())
        .await
        .unwrap_err();
    assert_eq!(error_name(&err), "org.bluez.Error.AuthenticationFailed");

    // An agent with the wrong code, then the right one.
    let passkey = Arc::new(Mutex::new(Some(SIM_PASSKEY + 1)));
    let asked = Arc::new(Mutex::new(0));
    bed.client
        .object_server()
        .at(
            "/test/agent",
            Agent {
                passkey: passkey.clone(),
                asked: asked.clone(),
            },
        )
        .await
        .unwrap();
    let agent = zbus::ObjectPath::try_from("/test/agent").unwrap();
    call(
        &bed.client,
        "/org/bluez",
        "org.bluez.AgentManager1",
        "RegisterAgent",
        &(agent.clone(), "KeyboardOnly"),
    )
    .await
    .unwrap();
    let err = call(&bed.client, &path, "org.bluez.Device1", "Pair", &())
        .await
        .unwrap_err();
    assert_eq!(error_name(&err), "org.bluez.Error.AuthenticationFailed");
    assert!(!bed.sim.is_paired(device.address()).unwrap());
    assert_eq!(
        read(features.clone()).await.map_err(|e| error_name(&e)),
        Err("org.bluez.Error.NotPermitted".into())
    );

    *passkey.lock().unwrap() = Some(SIM_PASSKEY);
    call(&bed.client, &path, "org.bluez.Device1", "Pair", &())
        .await
        .unwrap();
    assert_eq!(*asked.lock().unwrap(), 2, "BlueZ asked the agent each time");
    assert!(bed.sim.is_paired(device.address()).unwrap());
    let value = read(features).await.unwrap();
    assert!(!value.is_empty(), "readable once bonded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bluetooth_switched_off_cannot_be_powered_on_by_a_client() {
    let bed = Bed::start(SimConfig::default()).await;
    let set_powered = |on: bool| {
        let conn = bed.client.clone();
        async move {
            call(
                &conn,
                ADAPTER,
                "org.freedesktop.DBus.Properties",
                "Set",
                &("org.bluez.Adapter1", "Powered", zbus::Variant::from(on)),
            )
            .await
        }
    };
    // Powered off by a client: another client (bluez-async does) powers it on again.
    set_powered(false).await.unwrap();
    set_powered(true).await.unwrap();
    // Switched off by the person (rfkill): refused until switched on again.
    bed.sim.set_blocked(true).await.unwrap();
    let powered = |conn: Connection| async move {
        bool::try_from(
            get(&conn, ADAPTER, "org.bluez.Adapter1", "Powered")
                .await
                .unwrap(),
        )
        .unwrap()
    };
    assert!(!powered(bed.client.clone()).await);
    let err = set_powered(true).await.unwrap_err();
    assert_eq!(error_name(&err), "org.bluez.Error.Blocked");
    let err = call(
        &bed.client,
        ADAPTER,
        "org.bluez.Adapter1",
        "StartDiscovery",
        &(),
    )
    .await
    .unwrap_err();
    assert_eq!(error_name(&err), "org.bluez.Error.NotReady");
    bed.sim.set_blocked(false).await.unwrap();
    assert!(powered(bed.client.clone()).await);
}
