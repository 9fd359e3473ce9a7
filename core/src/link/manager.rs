//! The link manager: one task per started link, written once above [`BleTransport`].
//!
//! Session: scan (by the pump service) → connect → read Features and pick the driver → read
//! Device Information → subscribe → read Status → ask the pump's history for every record after
//! the last stored sequence → live loop. On link loss: `LinkLost`, capped exponential backoff
//! with jitter, reconnect, replay again. Every reading and event is stored (in a transaction)
//! before it is published; an event replayed twice is stored and published once.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::mpsc;
use uuid::Uuid;

use super::{
    Backoff, BackoffConfig, BleTransport, Error, LinkEvent, LinkSnapshot, LinkState, Publisher,
    TransportError, TransportEvent, TransportEvents, canonical_uuid,
};
use crate::model::{Clock, DeviceInfo, EventSequence, HistoryEvent};
use crate::pump::{
    self, CounterStatus, CounterTracker, DeviceInfoBytes, FrameError, HistoryResponse,
    HistoryResult, PumpDriver, profile,
};
use crate::store::{Store, StoreError};
use crate::therapy::{PumpSettings, db};

/// How the link behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LinkConfig {
    /// Reconnect timing.
    pub backoff: BackoffConfig,
    /// How long one scan listens for the pump.
    pub scan_timeout: Duration,
}

impl Default for LinkConfig {
    fn default() -> Self {
        Self {
            backoff: BackoffConfig::default(),
            scan_timeout: Duration::from_secs(10),
        }
    }
}

/// What the app asks of a running link.
#[derive(Debug)]
enum Command {
    /// Drop the current connection (the link then reconnects on its own).
    DropLink,
    /// Stop for good.
    Stop,
}

/// State shared by the link task and the app-facing object.
#[derive(Debug)]
pub(crate) struct LinkShared {
    pub(crate) store: Arc<Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) publisher: Arc<Publisher>,
    status: Mutex<Status>,
}

#[derive(Debug, Clone)]
struct Status {
    state: LinkState,
    transport: Option<String>,
    pump: Option<DeviceInfo>,
    last_link_lost: Option<crate::model::UtcDateTime>,
    frames_rejected: u64,
    reconnects: u64,
    first_attempt_done: bool,
}

impl LinkShared {
    pub(crate) fn new(store: Arc<Store>, clock: Arc<dyn Clock>) -> Self {
        let pump = store
            .read(db::all_pumps)
            .ok()
            .and_then(|p| p.into_iter().next_back());
        Self {
            store,
            clock,
            publisher: Arc::new(Publisher::default()),
            status: Mutex::new(Status {
                state: LinkState::Idle,
                transport: None,
                pump,
                last_link_lost: None,
                frames_rejected: 0,
                reconnects: 0,
                first_attempt_done: false,
            }),
        }
    }

    fn status(&self) -> std::sync::MutexGuard<'_, Status> {
        self.status.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The link's in-memory state only (no reading, no alarms): for callers that read the store
    /// themselves.
    pub(crate) fn status_snapshot(&self) -> LinkSnapshot {
        let s = self.status().clone();
        LinkSnapshot {
            state: s.state,
            transport: s.transport,
            pump: s.pump,
            latest: None,
            open_alarms: Vec::new(),
            last_link_lost: s.last_link_lost,
            frames_rejected: s.frames_rejected,
            reconnects: s.reconnects,
            first_attempt_done: s.first_attempt_done,
        }
    }

    /// The current state, read from memory and the store.
    pub(crate) fn snapshot(&self) -> Result<LinkSnapshot, StoreError> {
        let s = self.status().clone();
        let (latest, open_alarms) = match &s.pump {
            Some(p) => self.store.read(|c| {
                Ok::<_, StoreError>((
                    db::latest_reading(c, &p.serial)?,
                    db::open_alarms(c, &p.serial)?,
                ))
            })?,
            None => (None, Vec::new()),
        };
        Ok(LinkSnapshot {
            state: s.state,
            transport: s.transport,
            pump: s.pump,
            latest,
            open_alarms,
            last_link_lost: s.last_link_lost,
            frames_rejected: s.frames_rejected,
            reconnects: s.reconnects,
            first_attempt_done: s.first_attempt_done,
        })
    }

    fn set_state(&self, state: LinkState) {
        let changed = {
            let mut s = self.status();
            let changed = s.state != state;
            s.state = state.clone();
            changed
        };
        if changed {
            self.publisher.publish(&LinkEvent::StateChanged { state });
        }
    }

    fn reject(&self, characteristic: &str, error: &FrameError) {
        self.status().frames_rejected += 1;
        tracing::warn!(characteristic, code = error.code(), "frame rejected");
        self.publisher.publish(&LinkEvent::FrameRejected {
            characteristic: characteristic.to_owned(),
            reason: error.to_string(),
        });
    }
}

/// The handle of a running link task.
#[derive(Debug)]
pub(crate) struct Running {
    commands: mpsc::UnboundedSender<Command>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Starts the link task on `rt`.
    pub(crate) fn start(
        rt: &tokio::runtime::Handle,
        shared: Arc<LinkShared>,
        transport: Arc<dyn BleTransport>,
        config: LinkConfig,
    ) -> Result<Self, Error> {
        let (events, events_rx) = TransportEvents::channel();
        transport.set_events(events)?;
        shared.status().transport = Some(transport.name());
        let (commands, commands_rx) = mpsc::unbounded_channel();
        let task = rt.spawn(run(shared, transport, config, events_rx, commands_rx));
        Ok(Self { commands, task })
    }

    /// Whether the task is still running.
    pub(crate) fn is_running(&self) -> bool {
        !self.task.is_finished()
    }

    /// Asks the task to drop the current connection.
    pub(crate) fn drop_link(&self) -> Result<(), Error> {
        self.commands
            .send(Command::DropLink)
            .map_err(|_| Error::NotRunning)
    }

    /// Stops the task and waits for it to disconnect.
    pub(crate) async fn stop(self) {
        let _ = self.commands.send(Command::Stop);
        let _ = self.task.await;
    }
}

/// How a session ended.
enum Ended {
    LinkLost,
    Stopped,
    /// Could not connect or set up (retry after a backoff).
    Failed(Error),
}

struct Task {
    shared: Arc<LinkShared>,
    transport: Arc<dyn BleTransport>,
    events: mpsc::UnboundedReceiver<TransportEvent>,
    commands: mpsc::UnboundedReceiver<Command>,
}

async fn run(
    shared: Arc<LinkShared>,
    transport: Arc<dyn BleTransport>,
    config: LinkConfig,
    events: mpsc::UnboundedReceiver<TransportEvent>,
    commands: mpsc::UnboundedReceiver<Command>,
) {
    // The reconnect jitter is seeded from the injected clock: random enough on a phone, and
    // repeatable under a test's manual clock.
    let seed = u64::try_from(shared.clock.now().timestamp_nanos_opt().unwrap_or_default())
        .unwrap_or_default();
    let mut backoff = Backoff::new(config.backoff, seed);
    let mut link = Task {
        shared,
        transport,
        events,
        commands,
    };
    let mut device: Option<String> = None;
    let mut ever_connected = false;
    loop {
        let ended = link
            .session(&mut device, &config, &mut backoff, &mut ever_connected)
            .await;
        link.shared.status().first_attempt_done = true;
        match ended {
            Ended::Stopped => break,
            Ended::LinkLost => {
                let at = link.shared.clock.now();
                link.shared.status().last_link_lost = Some(at);
                link.shared.publisher.publish(&LinkEvent::LinkLost { at });
            }
            Ended::Failed(e) => {
                tracing::info!(error = %e, "pump link attempt failed");
                if matches!(e, Error::Transport(TransportError::DeviceNotFound)) {
                    device = None;
                }
                if matches!(
                    e,
                    Error::Transport(TransportError::BluetoothUnavailable { .. })
                ) {
                    link.shared.set_state(LinkState::BluetoothUnavailable);
                }
            }
        }
        let delay = backoff.next_delay();
        link.shared.set_state(LinkState::Reconnecting {
            attempt: backoff.attempt(),
            retry_in_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        });
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            cmd = link.commands.recv() => {
                if matches!(cmd, None | Some(Command::Stop)) {
                    break;
                }
            }
        }
    }
    if let Some(id) = device {
        let _ = link.transport.disconnect(id).await;
    }
    link.shared.set_state(LinkState::Stopped);
}

/// Per-connection state: the driver and one E2E counter per characteristic.
struct Session {
    device: String,
    serial: String,
    driver: &'static dyn PumpDriver,
    status: CounterTracker,
    annunciation: CounterTracker,
    history: CounterTracker,
    control: CounterTracker,
    request_counter: u8,
    replay_in_flight: Option<EventSequence>,
    replays_this_session: u32,
    last_received: Option<crate::model::UtcDateTime>,
}

/// At most this many replays per connection for records that keep arriving damaged; the next
/// connection tries again.
const MAX_REPLAYS: u32 = 8;

impl Task {
    async fn session(
        &mut self,
        device: &mut Option<String>,
        config: &LinkConfig,
        backoff: &mut Backoff,
        ever_connected: &mut bool,
    ) -> Ended {
        let id = match device.clone() {
            Some(id) => id,
            None => {
                self.shared.set_state(LinkState::Scanning);
                match self.find_pump(config).await {
                    Ok(Some(id)) => {
                        *device = Some(id.clone());
                        id
                    }
                    Ok(None) => return Ended::Failed(TransportError::DeviceNotFound.into()),
                    Err(e) => return Ended::Failed(e),
                }
            }
        };
        self.shared.set_state(LinkState::Connecting);
        // Whatever the previous connection left queued (a late disconnect, notifications the
        // history replay will bring again) must not end or confuse this one.
        while self.events.try_recv().is_ok() {}
        let mut session = match self.open(&id).await {
            Ok(s) => s,
            Err(e) => {
                let _ = self.transport.disconnect(id).await;
                return Ended::Failed(e);
            }
        };
        backoff.reset();
        if *ever_connected {
            self.shared.status().reconnects += 1;
        }
        *ever_connected = true;
        self.shared.status().first_attempt_done = true;
        self.shared.set_state(LinkState::Connected);
        self.live(&mut session).await
    }

    /// Scans for pumps and picks one: the paired pump if it is seen, else the strongest pump
    /// that a driver recognises.
    async fn find_pump(&self, config: &LinkConfig) -> Result<Option<String>, Error> {
        let timeout = u32::try_from(config.scan_timeout.as_millis()).unwrap_or(u32::MAX);
        let ads = self
            .transport
            .scan(vec![profile::PUMP_SERVICE.to_string()], timeout)
            .await?;
        let paired = self.shared.status().pump.as_ref().map(|p| p.serial.clone());
        let candidates: Vec<_> = ads
            .into_iter()
            .filter(|a| {
                a.service_uuids
                    .iter()
                    .any(|u| canonical_uuid(u) == profile::PUMP_SERVICE.to_string())
            })
            .collect();
        // Pumps advertise their name; prefer one whose name carries the paired serial.
        let chosen = paired
            .and_then(|serial| {
                candidates
                    .iter()
                    .find(|a| a.name.as_deref().is_some_and(|n| n.contains(&serial)))
            })
            .or_else(|| candidates.first());
        Ok(chosen.map(|a| a.device_id.clone()))
    }

    /// Connects and identifies the pump, subscribes, stores the first status and asks for the
    /// history the store does not have yet.
    async fn open(&mut self, id: &str) -> Result<Session, Error> {
        let t = &self.transport;
        t.connect(id.to_owned()).await?;
        let features_bytes = t.read(id.to_owned(), profile::FEATURES.to_string()).await?;
        let features = pump::decode_features(&features_bytes)
            .map_err(|e| self.rejected(profile::FEATURES, &e))?;
        let driver = pump::driver_for_features(&features.features).ok_or_else(|| {
            self.rejected(
                profile::FEATURES,
                &FrameError::not_for_this_pump("pump_kind", "no driver knows this pump model"),
            )
        })?;
        let dis = DeviceInfoBytes {
            manufacturer: t
                .read(id.to_owned(), profile::MANUFACTURER_NAME.to_string())
                .await?,
            model: t
                .read(id.to_owned(), profile::MODEL_NUMBER.to_string())
                .await?,
            serial: t
                .read(id.to_owned(), profile::SERIAL_NUMBER.to_string())
                .await?,
            firmware_revision: t
                .read(id.to_owned(), profile::FIRMWARE_REVISION.to_string())
                .await?,
            hardware_revision: t
                .read(id.to_owned(), profile::HARDWARE_REVISION.to_string())
                .await
                .ok(),
        };
        let info = driver
            .device_info(&dis, &features.features)
            .map_err(|e| self.rejected(profile::SERIAL_NUMBER, &e))?;
        let now = self.shared.clock.now();
        let caps = driver.capabilities(&features.features);
        let settings = PumpSettings::from_capabilities(&caps);
        self.shared.store.write(|tx| {
            db::upsert_pump(tx, &info, now)?;
            db::set_pump_settings(tx, &info.serial, &settings)
        })?;
        self.shared.status().pump = Some(info.clone());
        self.shared
            .publisher
            .publish(&LinkEvent::PumpIdentified { info: info.clone() });

        for sub in driver.subscriptions() {
            if !profile::phone_may_subscribe(sub.characteristic) {
                return Err(TransportError::WriteNotAllowed {
                    characteristic: sub.characteristic.to_string(),
                }
                .into());
            }
            t.subscribe(id.to_owned(), sub.characteristic.to_string())
                .await?;
        }
        let mut session = Session {
            device: id.to_owned(),
            serial: info.serial,
            driver,
            status: CounterTracker::new(),
            annunciation: CounterTracker::new(),
            history: CounterTracker::new(),
            control: CounterTracker::new(),
            request_counter: 0,
            replay_in_flight: None,
            replays_this_session: 0,
            last_received: None,
        };
        let status = t.read(id.to_owned(), profile::STATUS.to_string()).await?;
        self.on_status(&mut session, &status, false)?;
        self.request_replay(&mut session).await?;
        Ok(session)
    }

    fn rejected(&self, characteristic: Uuid, e: &FrameError) -> Error {
        self.shared.reject(&characteristic.to_string(), e);
        Error::Internal {
            context: "the pump sent an invalid identification frame".into(),
        }
    }

    /// Writes the one request the profile allows: "every record after the sync mark" (the end
    /// of what the phone has without a gap).
    async fn request_replay(&mut self, s: &mut Session) -> Result<(), Error> {
        let after = self
            .shared
            .store
            .read(|c| db::history_synced_through(c, &s.serial))?;
        let frame = s.driver.history_request_since(s.request_counter, after);
        s.request_counter = s.request_counter.wrapping_add(1);
        s.replay_in_flight = Some(after);
        s.replays_this_session += 1;
        checked_write(
            self.transport.as_ref(),
            &s.device,
            profile::HISTORY_CONTROL_POINT,
            frame,
        )
        .await
    }

    async fn live(&mut self, s: &mut Session) -> Ended {
        loop {
            tokio::select! {
                event = self.events.recv() => match event {
                    None => return Ended::Stopped,
                    Some(TransportEvent::Disconnected { device_id }) if device_id == s.device => return Ended::LinkLost,
                    Some(TransportEvent::Disconnected { .. }) => {}
                    Some(TransportEvent::Notification { device_id, characteristic, value }) if device_id == s.device => {
                        if let Err(e) = self.on_notification(s, &characteristic, &value).await {
                            tracing::warn!(error = %e, "could not handle a pump update");
                        }
                    }
                    Some(TransportEvent::Notification { .. }) => {}
                },
                cmd = self.commands.recv() => match cmd {
                    None | Some(Command::Stop) => return Ended::Stopped,
                    Some(Command::DropLink) => {
                        let _ = self.transport.disconnect(s.device.clone()).await;
                        return Ended::LinkLost;
                    }
                },
            }
        }
    }

    async fn on_notification(
        &mut self,
        s: &mut Session,
        characteristic: &str,
        value: &[u8],
    ) -> Result<(), Error> {
        let Ok(uuid) = Uuid::parse_str(characteristic) else {
            return Ok(());
        };
        if uuid == profile::STATUS {
            self.on_status(s, value, true)
        } else if uuid == profile::ANNUNCIATION {
            let decoded = s
                .driver
                .decode_annunciation(value)
                .and_then(|f| Ok((s.annunciation.check(f.counter)?, f)));
            let lost = match decoded {
                Err(FrameError::CounterRepeated { .. }) => false,
                Err(e) => {
                    self.shared.reject(characteristic, &e);
                    true
                }
                Ok((counter, frame)) => {
                    self.store_event(s, frame.alarm.into())?;
                    matches!(counter, CounterStatus::Skipped { .. })
                }
            };
            if lost && s.replay_in_flight.is_none() {
                // An alarm was damaged or lost on the way: the pump's history has it.
                self.request_replay(s).await?;
            }
            Ok(())
        } else if uuid == profile::HISTORY_RECORD {
            let decoded = s
                .driver
                .decode_history_record(value)
                .and_then(|f| Ok((s.history.check(f.counter)?, f)));
            match decoded {
                Err(FrameError::CounterRepeated { .. }) => Ok(()),
                // The sync mark stays before a damaged record: the next replay asks again.
                Err(e) => {
                    self.shared.reject(characteristic, &e);
                    Ok(())
                }
                Ok((_, frame)) => self.store_event(s, frame.event),
            }
        } else if uuid == profile::HISTORY_CONTROL_POINT {
            let decoded = s
                .driver
                .decode_history_response(value)
                .and_then(|f| Ok((s.control.check(f.counter)?, f)));
            match decoded {
                Err(e) => {
                    self.shared.reject(characteristic, &e);
                    Ok(())
                }
                Ok((_, response)) => self.on_replay_done(s, &response).await,
            }
        } else {
            // Battery Level notifications duplicate the Status frame's battery field.
            Ok(())
        }
    }

    /// The pump finished a replay: skip what it overwrote, and ask again if records were damaged
    /// on the way or the pump was busy.
    async fn on_replay_done(
        &mut self,
        s: &mut Session,
        response: &HistoryResponse,
    ) -> Result<(), Error> {
        let after = s.replay_in_flight.take().unwrap_or(0);
        let mut floor = None;
        if let Some((first, last)) = response.lost_after(after) {
            tracing::warn!(
                first,
                last,
                "the pump overwrote history records before they were fetched"
            );
            self.shared
                .publisher
                .publish(&LinkEvent::HistoryLost { first, last });
            floor = Some(last);
        }
        let serial = s.serial.clone();
        let mark = self
            .shared
            .store
            .write(|tx| db::extend_history_sync(tx, &serial, floor))?;
        self.shared.publisher.publish(&LinkEvent::HistorySynced {
            through: mark,
            newest: response.newest_sequence,
        });
        let incomplete = mark < response.newest_sequence;
        if response.result == HistoryResult::Busy
            || (incomplete && s.replays_this_session < MAX_REPLAYS)
        {
            self.request_replay(s).await?;
        }
        Ok(())
    }

    /// A Status value, read (`notified == false`) or notified. The read's counter is recorded
    /// too: BlueZ reports a read's value again as a notification, and that echo (same counter)
    /// is dropped silently, as is any repeated frame.
    fn on_status(&self, s: &mut Session, value: &[u8], notified: bool) -> Result<(), Error> {
        // Readings are kept per (pump, time received to the millisecond): two distinct frames
        // received within one millisecond must not look like one replayed reading.
        let mut now = chrono::SubsecRound::trunc_subsecs(self.shared.clock.now(), 3);
        if let Some(last) = s.last_received
            && now <= last
        {
            now = last + chrono::Duration::milliseconds(1);
        }
        let decoded =
            s.driver
                .decode_status(value, now)
                .and_then(|f| match s.status.check(f.counter) {
                    Ok(_) => Ok(f),
                    // A read answers with the pump's current counter, which may repeat the last one.
                    Err(FrameError::CounterRepeated { .. }) if !notified => Ok(f),
                    Err(e) => Err(e),
                });
        match decoded {
            Err(FrameError::CounterRepeated { .. }) => Ok(()),
            Err(e) => {
                self.shared.reject(&profile::STATUS.to_string(), &e);
                Ok(())
            }
            Ok(frame) => {
                s.last_received = Some(frame.reading.taken_at);
                let new = self
                    .shared
                    .store
                    .write(|tx| db::insert_reading(tx, &s.serial, &frame.reading))?;
                if new {
                    self.shared.publisher.publish(&LinkEvent::Reading {
                        reading: frame.reading,
                    });
                }
                Ok(())
            }
        }
    }

    /// Stores a history or alarm event once, then publishes it (only the first time).
    fn store_event(&self, s: &Session, event: HistoryEvent) -> Result<(), Error> {
        let now = self.shared.clock.now();
        let new = self.shared.store.write(|tx| {
            let new = db::insert_event(tx, &s.serial, &event, now)?;
            db::extend_history_sync(tx, &s.serial, None)?;
            Ok::<_, Error>(new)
        })?;
        if new {
            self.shared.publisher.publish(&match event.as_alarm() {
                Some(alarm) => LinkEvent::Alarm { alarm },
                None => LinkEvent::History { event },
            });
        }
        Ok(())
    }
}

/// The one door for writes to the pump: anything not on the profile's allow-list is refused
/// here, before it reaches any transport.
async fn checked_write(
    transport: &dyn BleTransport,
    device: &str,
    characteristic: Uuid,
    value: Vec<u8>,
) -> Result<(), Error> {
    if !profile::phone_may_write(characteristic) {
        return Err(TransportError::WriteNotAllowed {
            characteristic: characteristic.to_string(),
        }
        .into());
    }
    Ok(transport
        .write(device.to_owned(), characteristic.to_string(), value)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default)]
    struct RecordingTransport(Mutex<Vec<String>>);

    #[async_trait::async_trait]
    impl BleTransport for RecordingTransport {
        fn name(&self) -> String {
            "recording".into()
        }
        fn set_events(&self, _: Arc<TransportEvents>) -> Result<(), TransportError> {
            Ok(())
        }
        async fn scan(
            &self,
            _: Vec<String>,
            _: u32,
        ) -> Result<Vec<super::super::Advertisement>, TransportError> {
            Ok(vec![])
        }
        async fn connect(&self, _: String) -> Result<(), TransportError> {
            Ok(())
        }
        async fn disconnect(&self, _: String) -> Result<(), TransportError> {
            Ok(())
        }
        async fn read(&self, _: String, _: String) -> Result<Vec<u8>, TransportError> {
            Ok(vec![])
        }
        async fn write(&self, _: String, c: String, _: Vec<u8>) -> Result<(), TransportError> {
            self.0.lock().unwrap().push(c);
            Ok(())
        }
        async fn subscribe(&self, _: String, _: String) -> Result<(), TransportError> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn only_allow_listed_characteristics_are_written() {
        let t = RecordingTransport::default();
        for forbidden in [
            profile::STATUS,
            profile::FEATURES,
            profile::ANNUNCIATION,
            profile::BATTERY_LEVEL,
            profile::SERIAL_NUMBER,
        ] {
            let err = checked_write(&t, "d", forbidden, vec![1])
                .await
                .unwrap_err();
            assert!(matches!(
                err,
                Error::Transport(TransportError::WriteNotAllowed { .. })
            ));
        }
        checked_write(&t, "d", profile::HISTORY_CONTROL_POINT, vec![1])
            .await
            .unwrap();
        assert_eq!(
            *t.0.lock().unwrap(),
            vec![profile::HISTORY_CONTROL_POINT.to_string()]
        );
    }
}
