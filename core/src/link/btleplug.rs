//! [`BleTransport`] over btleplug: the desktop/Linux path (BlueZ over D-Bus), and the reference
//! implementation that the end-to-end tests run against a simulated BlueZ.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use btleplug::api::{
    Central as _, CentralEvent, Characteristic, Manager as _, Peripheral as _, ScanFilter,
    WriteType,
};
use btleplug::platform::{Adapter, Manager, Peripheral};
use futures::StreamExt;
use tokio::task::JoinHandle;

use super::{
    Advertisement, BleTransport, ManufacturerData, ServiceData, TransportError, TransportEvents,
    canonical_uuid,
};

/// After the first matching device is seen, how long a scan keeps listening for others.
const SCAN_SETTLE: Duration = Duration::from_millis(300);

/// The btleplug transport on the first Bluetooth adapter. Pairing (`bond`) goes through a
/// BlueZ agent it registers itself; give it the pump's pairing code with
/// [`BtleplugTransport::set_pairing_passkey`] before pairing a pump that asks for one.
#[derive(Debug)]
pub struct BtleplugTransport {
    adapter: Adapter,
    shared: Arc<Shared>,
    central_task: JoinHandle<()>,
    passkey: Arc<Mutex<Option<u32>>>,
    agent: tokio::sync::Mutex<Option<super::bluez_agent::Agent>>,
}

#[derive(Debug, Default)]
struct Shared {
    events: Mutex<Option<Arc<TransportEvents>>>,
    peripherals: Mutex<HashMap<String, Peripheral>>,
    notification_tasks: Mutex<HashMap<String, JoinHandle<()>>>,
}

impl Shared {
    fn events(&self) -> Option<Arc<TransportEvents>> {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl BtleplugTransport {
    /// Opens the first Bluetooth adapter. Must run inside a tokio runtime.
    ///
    /// # Errors
    /// [`TransportError::BluetoothUnavailable`] when there is no adapter or no Bluetooth service.
    pub async fn new() -> Result<Self, TransportError> {
        let unavailable = |e: btleplug::Error| TransportError::BluetoothUnavailable {
            reason: e.to_string(),
        };
        let manager = Manager::new().await.map_err(unavailable)?;
        let adapter = manager
            .adapters()
            .await
            .map_err(unavailable)?
            .into_iter()
            .next()
            .ok_or(TransportError::BluetoothUnavailable {
                reason: "no Bluetooth adapter".into(),
            })?;
        let shared = Arc::new(Shared::default());
        let mut central_events = adapter.events().await.map_err(unavailable)?;
        let watcher = Arc::clone(&shared);
        let central_task = tokio::spawn(async move {
            while let Some(event) = central_events.next().await {
                if let CentralEvent::DeviceDisconnected(id) = event
                    && let Some(events) = watcher.events()
                {
                    events.disconnected(id.to_string());
                }
            }
        });
        Ok(Self {
            adapter,
            shared,
            central_task,
            passkey: Arc::new(Mutex::new(None)),
            agent: tokio::sync::Mutex::new(None),
        })
    }

    /// The pairing code (passkey) the pump's authenticated pairing asks for, from the clinic's
    /// printout; `None` refuses passkey pairing.
    pub fn set_pairing_passkey(&self, passkey: Option<u32>) {
        *self.passkey.lock().unwrap_or_else(PoisonError::into_inner) = passkey;
    }

    fn peripheral(&self, device_id: &str) -> Result<Peripheral, TransportError> {
        self.shared
            .peripherals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(device_id)
            .cloned()
            .ok_or(TransportError::DeviceNotFound)
    }

    fn characteristic(p: &Peripheral, uuid: &str) -> Result<Characteristic, TransportError> {
        let uuid = canonical_uuid(uuid);
        p.characteristics()
            .into_iter()
            .find(|c| c.uuid.to_string() == uuid)
            .ok_or_else(|| TransportError::Gatt {
                reason: "the pump does not offer this characteristic".into(),
            })
    }
}

impl Drop for BtleplugTransport {
    fn drop(&mut self) {
        self.central_task.abort();
        for (_, task) in self
            .shared
            .notification_tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain()
        {
            task.abort();
        }
    }
}

fn map_err(e: btleplug::Error) -> TransportError {
    use btleplug::Error as E;
    match e {
        E::PermissionDenied => TransportError::PermissionDenied,
        E::NoAdapterAvailable => TransportError::BluetoothUnavailable {
            reason: e.to_string(),
        },
        E::DeviceNotFound => TransportError::DeviceNotFound,
        E::NotConnected => TransportError::NotConnected,
        E::NoSuchCharacteristic | E::UnexpectedCharacteristic => TransportError::Gatt {
            reason: e.to_string(),
        },
        E::TimedOut(_) => TransportError::ConnectionFailed {
            reason: e.to_string(),
        },
        other => {
            let text = other.to_string();
            if text.contains("AuthenticationFailed")
                || text.contains("AuthenticationRejected")
                || text.contains("AuthenticationCanceled")
            {
                TransportError::PairingRefused
            } else if text.contains("NotReady")
                || text.contains("Powered")
                || text.contains("rfkill")
                || text.contains("Blocked")
            {
                TransportError::BluetoothUnavailable { reason: text }
            } else {
                TransportError::Platform { reason: text }
            }
        }
    }
}

#[async_trait::async_trait]
impl BleTransport for BtleplugTransport {
    fn name(&self) -> String {
        "btleplug over BlueZ".into()
    }

    fn set_events(&self, events: Arc<TransportEvents>) -> Result<(), TransportError> {
        *self
            .shared
            .events
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(events);
        Ok(())
    }

    async fn scan(
        &self,
        service_uuids: Vec<String>,
        timeout_ms: u32,
    ) -> Result<Vec<Advertisement>, TransportError> {
        let wanted: Vec<uuid::Uuid> = service_uuids
            .iter()
            .map(|u| uuid::Uuid::parse_str(&canonical_uuid(u)))
            .collect::<Result<_, _>>()
            .map_err(|_| TransportError::Platform {
                reason: "invalid service UUID".into(),
            })?;
        let mut stream = self.adapter.events().await.map_err(map_err)?;
        self.adapter
            .start_scan(ScanFilter {
                services: wanted.clone(),
            })
            .await
            .map_err(map_err)?;
        let deadline = tokio::time::Instant::now() + Duration::from_millis(u64::from(timeout_ms));
        let mut settle_at: Option<tokio::time::Instant> = None;
        let mut found: HashMap<String, Advertisement> = HashMap::new();
        // Only what advertises during this scan counts: BlueZ keeps devices it knows on the bus
        // (without an RSSI) while they are away, and connecting to one of those only times out.
        loop {
            let until = settle_at.map_or(deadline, |s| s.min(deadline));
            match tokio::time::timeout_at(until, stream.next()).await {
                Ok(Some(
                    CentralEvent::DeviceDiscovered(id)
                    | CentralEvent::DeviceUpdated(id)
                    | CentralEvent::RssiUpdate { id, .. }
                    | CentralEvent::ServicesAdvertisement { id, .. }
                    | CentralEvent::ServiceDataAdvertisement { id, .. }
                    | CentralEvent::ManufacturerDataAdvertisement { id, .. },
                )) => {
                    let Ok(p) = self.adapter.peripheral(&id).await else {
                        continue;
                    };
                    if let Some(ad) = advertisement(&p, &wanted).await
                        && ad.rssi.is_some()
                    {
                        self.shared
                            .peripherals
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .insert(ad.device_id.clone(), p);
                        settle_at.get_or_insert_with(|| tokio::time::Instant::now() + SCAN_SETTLE);
                        found.insert(ad.device_id.clone(), ad);
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        let _ = self.adapter.stop_scan().await;
        let mut list: Vec<Advertisement> = found.into_values().collect();
        list.sort_by_key(|a| std::cmp::Reverse(a.rssi.unwrap_or(i16::MIN)));
        Ok(list)
    }

    async fn connect(&self, device_id: String) -> Result<(), TransportError> {
        let p = self.peripheral(&device_id)?;
        if !p.is_connected().await.map_err(map_err)? {
            p.connect().await.map_err(map_err)?;
        }
        // Services must be discovered again after every reconnection.
        p.discover_services().await.map_err(map_err)?;
        let mut notifications = p.notifications().await.map_err(map_err)?;
        let shared = Arc::clone(&self.shared);
        let id = device_id.clone();
        let task = tokio::spawn(async move {
            while let Some(n) = notifications.next().await {
                if let Some(events) = shared.events() {
                    events.notification(id.clone(), n.uuid.to_string(), n.value);
                }
            }
        });
        if let Some(old) = self
            .shared
            .notification_tasks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(device_id, task)
        {
            old.abort();
        }
        Ok(())
    }

    async fn bond(&self, device_id: String) -> Result<bool, TransportError> {
        // The peripheral must be known (scanned); its BlueZ object path is its id's.
        self.peripheral(&device_id)?;
        let mut agent = self.agent.lock().await;
        if agent.is_none() {
            *agent = Some(super::bluez_agent::Agent::register(Arc::clone(&self.passkey)).await?);
        }
        let Some(agent) = agent.as_ref() else {
            return Err(TransportError::Platform {
                reason: "no pairing agent".into(),
            });
        };
        agent.pair(&format!("/org/bluez/{device_id}")).await
    }

    async fn identity(&self, device_id: String) -> Result<String, TransportError> {
        // BlueZ lists a bonded device under its identity address (a private address is
        // resolved with the keys from bonding).
        Ok(self.peripheral(&device_id)?.address().to_string())
    }

    async fn disconnect(&self, device_id: String) -> Result<(), TransportError> {
        let p = self.peripheral(&device_id)?;
        if p.is_connected().await.map_err(map_err)? {
            p.disconnect().await.map_err(map_err)?;
        }
        Ok(())
    }

    async fn read(
        &self,
        device_id: String,
        characteristic: String,
    ) -> Result<Vec<u8>, TransportError> {
        let p = self.peripheral(&device_id)?;
        let c = Self::characteristic(&p, &characteristic)?;
        p.read(&c).await.map_err(map_err)
    }

    async fn write(
        &self,
        device_id: String,
        characteristic: String,
        value: Vec<u8>,
    ) -> Result<(), TransportError> {
        let p = self.peripheral(&device_id)?;
        let c = Self::characteristic(&p, &characteristic)?;
        p.write(&c, &value, WriteType::WithResponse)
            .await
            .map_err(map_err)
    }

    async fn subscribe(
        &self,
        device_id: String,
        characteristic: String,
    ) -> Result<(), TransportError> {
        let p = self.peripheral(&device_id)?;
        let c = Self::characteristic(&p, &characteristic)?;
        p.subscribe(&c).await.map_err(map_err)
    }
}

/// The advertisement of `p` if it offers one of `wanted` (all devices when `wanted` is empty).
async fn advertisement(p: &Peripheral, wanted: &[uuid::Uuid]) -> Option<Advertisement> {
    let props = p.properties().await.ok()??;
    if !wanted.is_empty() && !props.services.iter().any(|s| wanted.contains(s)) {
        return None;
    }
    let mut manufacturer_data: Vec<ManufacturerData> = props
        .manufacturer_data
        .into_iter()
        .map(|(company_id, data)| ManufacturerData { company_id, data })
        .collect();
    manufacturer_data.sort_by_key(|m| m.company_id);
    let mut service_data: Vec<ServiceData> = props
        .service_data
        .into_iter()
        .map(|(uuid, data)| ServiceData {
            uuid: uuid.to_string(),
            data,
        })
        .collect();
    service_data.sort_by(|a, b| a.uuid.cmp(&b.uuid));
    Some(Advertisement {
        device_id: p.id().to_string(),
        name: props.local_name.or(props.advertisement_name),
        service_uuids: props.services.iter().map(ToString::to_string).collect(),
        rssi: props.rssi,
        manufacturer_data,
        service_data,
    })
}
