//! The link manager: one task per started link, written once above [`BleTransport`].
//!
//! It follows the paired pump and no other. Session: scan (by the pump service) for the paired
//! pump's BLE identity → connect → check the identity again, read Features (pick the driver)
//! and Device Information, and check the serial and model against the pairing → only then
//! store → subscribe → read Status → ask the pump's history for every record after the last
//! stored sequence → live loop. With no pump paired it connects to nothing. Every reading and
//! event is stored (in a transaction) before it is published; an event replayed twice is stored
//! and published once. A storage failure ends the session with the sync mark where it was, so
//! the next connection's replay brings back what could not be stored.
//!
//! Every failure is typed ([`LinkFailure`]) in the state and in an event. The task is
//! supervised: a panic inside it is caught, reported as [`LinkFailure::Internal`], and the task
//! restarts after a backoff; the state never says `Connected` while no task runs.
//!
//! The radio's schedule: a scan window ([`LinkConfig::scan_timeout`]) looks for the pump; while
//! it is away, windows are spaced by [`LinkConfig::away_backoff`] (growing to minutes); a lost
//! link is retried by [`LinkConfig::backoff`]. Connected, the radio is on only for connection
//! events. [`RadioUsage`] counts it.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard, mpsc};
use tokio::time::Instant;
use uuid::Uuid;

use super::{
    Backoff, BackoffConfig, BleTransport, Error, LinkEvent, LinkFailure, LinkSnapshot, LinkState,
    PairedPump, Publisher, RadioUsage, TransportError, TransportEvent, TransportEvents,
};
use crate::model::{Clock, DeviceInfo, EventSequence, HistoryEvent, UtcDateTime};
use crate::pump::{
    self, CounterStatus, CounterTracker, DeviceInfoBytes, FrameError, HistoryResponse,
    HistoryResult, PumpDriver, profile,
};
use crate::store::{Store, StoreError};
use crate::therapy::{PumpSettings, db};

/// How the link behaves: its radio schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LinkConfig {
    /// Reconnect timing after a lost link or a failure.
    pub backoff: BackoffConfig,
    /// How long one scan window listens for the paired pump.
    pub scan_timeout: Duration,
    /// How scan windows are spaced while the paired pump is away (`None`: as `backoff`).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub away_backoff: Option<BackoffConfig>,
}

impl Default for LinkConfig {
    /// The phone's schedule: 3 s scan windows (a pump advertising every second or so is seen
    /// in the first); while it is away, windows 5 s apart at first, then further apart up to 3
    /// minutes (equal jitter: 1.5 to 3 minutes); a lost link retried from 0.5 s up to a minute.
    fn default() -> Self {
        Self {
            backoff: BackoffConfig::default(),
            scan_timeout: Duration::from_secs(3),
            away_backoff: Some(BackoffConfig {
                initial: Duration::from_secs(5),
                max: Duration::from_secs(180),
            }),
        }
    }
}

impl LinkConfig {
    fn away(&self) -> BackoffConfig {
        self.away_backoff.unwrap_or(self.backoff)
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
    paired: Option<PairedPump>,
    last_failure: Option<LinkFailure>,
    last_seen: Option<UtcDateTime>,
    last_link_lost: Option<UtcDateTime>,
    frames_rejected: u64,
    reconnects: u64,
    first_attempt_done: bool,
    radio: Radio,
}

/// Radio time, measured on the runtime's clock (which tests may pause and advance).
#[derive(Debug, Clone, Default)]
struct Radio {
    started: Option<Instant>,
    scan: Duration,
    connected: Duration,
    connected_since: Option<Instant>,
    scans: u64,
    connects: u64,
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Radio {
    fn usage(&self) -> RadioUsage {
        let now = Instant::now();
        let connected = self.connected + self.connected_since.map_or(Duration::ZERO, |s| now - s);
        RadioUsage {
            elapsed_ms: self.started.map_or(0, |s| millis(now - s)),
            scan_ms: millis(self.scan),
            connected_ms: millis(connected),
            scans: self.scans,
            connects: self.connects,
            radio_on_ms_per_hour: 0,
        }
        .with_estimate()
    }
}

/// The failure a link error stands for, if it is one the app must be told about (a transient
/// connection or GATT failure is just retried).
pub(crate) fn failure_of(e: &Error) -> Option<LinkFailure> {
    match e {
        Error::Transport(t) => match t {
            TransportError::BluetoothUnavailable { .. } => Some(LinkFailure::BluetoothOff),
            TransportError::PermissionDenied => Some(LinkFailure::PermissionDenied),
            TransportError::PairingRefused => Some(LinkFailure::PairingRefused),
            _ => None,
        },
        Error::Store(s) => Some(LinkFailure::StorageFailed {
            reason: s.to_string(),
            full: matches!(s, StoreError::Full),
        }),
        Error::Mismatch { what } => Some(LinkFailure::PumpMismatch { what: what.clone() }),
        Error::Internal { context } => Some(LinkFailure::Internal {
            context: context.clone(),
        }),
        Error::AlreadyRunning
        | Error::NotRunning
        | Error::NotPaired
        | Error::AlreadyPaired
        | Error::NotAPump => None,
    }
}

impl LinkShared {
    pub(crate) fn new(store: Arc<Store>, clock: Arc<dyn Clock>) -> Self {
        let paired = store
            .read(super::db::current_pairing)
            .inspect_err(|e| tracing::error!(error = %e, "could not read the paired pump"))
            .ok()
            .flatten();
        let pump = paired.as_ref().and_then(|p| {
            store
                .read(|c| db::pump_by_serial(c, &p.serial))
                .ok()
                .flatten()
                .map(|(_, info)| info)
        });
        let last_seen = pump.as_ref().and_then(|p| {
            store
                .read(|c| db::latest_reading(c, &p.serial))
                .ok()
                .flatten()
                .map(|r| r.taken_at)
        });
        Self {
            store,
            clock,
            publisher: Arc::new(Publisher::default()),
            status: Mutex::new(Status {
                state: LinkState::Idle,
                transport: None,
                pump,
                paired,
                last_failure: None,
                last_seen,
                last_link_lost: None,
                frames_rejected: 0,
                reconnects: 0,
                first_attempt_done: false,
                radio: Radio::default(),
            }),
        }
    }

    fn status(&self) -> std::sync::MutexGuard<'_, Status> {
        self.status.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The paired pump, as the link knows it now.
    pub(crate) fn paired(&self) -> Option<PairedPump> {
        self.status().paired.clone()
    }

    /// Records a new pairing (or none) and the pump it stands for.
    pub(crate) fn set_paired(&self, paired: Option<PairedPump>, pump: Option<DeviceInfo>) {
        let mut s = self.status();
        s.paired = paired;
        s.pump = pump;
        s.last_seen = None;
        s.last_failure = None;
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
            paired: s.paired,
            last_failure: s.last_failure,
            radio: s.radio.usage(),
        }
    }

    /// The current state, read from memory and the store.
    pub(crate) fn snapshot(&self) -> Result<LinkSnapshot, StoreError> {
        let mut snap = self.status_snapshot();
        if let Some(p) = &snap.pump {
            let (latest, open_alarms) = self.store.read(|c| {
                Ok::<_, StoreError>((
                    db::latest_reading(c, &p.serial)?,
                    db::open_alarms(c, &p.serial)?,
                ))
            })?;
            snap.latest = latest;
            snap.open_alarms = open_alarms;
        }
        Ok(snap)
    }

    pub(crate) fn set_state(&self, state: LinkState) {
        let changed = {
            let mut s = self.status();
            let changed = s.state != state;
            s.state = state.clone();
            if state == LinkState::Connected {
                s.last_failure = None;
            }
            changed
        };
        if changed {
            self.publisher.publish(&LinkEvent::StateChanged { state });
        }
    }

    /// Reports `failure` at once (an event), and as the state until the next try in `retry`.
    pub(crate) fn fail(&self, failure: LinkFailure, retry: Duration) {
        tracing::warn!(failure = ?failure, "pump link failure");
        self.status().last_failure = Some(failure.clone());
        self.publisher.publish(&LinkEvent::Failed {
            failure: failure.clone(),
        });
        self.set_state(LinkState::Failed {
            failure,
            retry_in_ms: millis(retry),
        });
    }

    fn reject(&self, characteristic: &str, error: &FrameError) {
        self.status().frames_rejected += 1;
        tracing::warn!(characteristic, code = error.code(), "frame rejected");
        self.publisher.publish(&LinkEvent::FrameRejected {
            characteristic: characteristic.to_owned(),
            reason: error.to_string(),
        });
    }

    fn radio(&self, f: impl FnOnce(&mut Radio)) {
        f(&mut self.status().radio);
    }

    fn seen(&self) {
        let now = self.clock.now();
        self.status().last_seen = Some(now);
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
        {
            let mut s = shared.status();
            s.transport = Some(transport.name());
            s.radio = Radio::default();
        }
        let (commands, commands_rx) = mpsc::unbounded_channel();
        let ctx = Arc::new(Ctx {
            shared,
            transport,
            config,
            events: Arc::new(AsyncMutex::new(events_rx)),
            commands: Arc::new(AsyncMutex::new(commands_rx)),
        });
        let task = rt.spawn(supervise(rt.clone(), ctx));
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

/// What the supervisor and the worker it restarts share. The receivers outlive a worker that
/// panicked (an async mutex is released on unwinding and never poisoned).
struct Ctx {
    shared: Arc<LinkShared>,
    transport: Arc<dyn BleTransport>,
    config: LinkConfig,
    events: Arc<AsyncMutex<mpsc::UnboundedReceiver<TransportEvent>>>,
    commands: Arc<AsyncMutex<mpsc::UnboundedReceiver<Command>>>,
}

/// Runs the worker, and restarts it with a backoff when it panics or ends unexpectedly.
async fn supervise(rt: tokio::runtime::Handle, ctx: Arc<Ctx>) {
    ctx.shared.radio(|r| r.started = Some(Instant::now()));
    let mut backoff = Backoff::new(ctx.config.backoff, seed(ctx.shared.clock.as_ref()) ^ 0x5eed);
    loop {
        let worker = rt.spawn(work(Arc::clone(&ctx)));
        let context = match worker.await {
            Ok(()) => break,
            Err(e) if e.is_panic() => "the link task panicked",
            Err(_) => "the link task ended unexpectedly",
        };
        tracing::error!(context, "pump link task failed; restarting it");
        ctx.shared.radio(|r| {
            if let Some(since) = r.connected_since.take() {
                r.connected += Instant::now() - since;
            }
        });
        let delay = backoff.next_delay();
        ctx.shared.fail(
            LinkFailure::Internal {
                context: context.into(),
            },
            delay,
        );
        let mut commands = ctx.commands.lock().await;
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            cmd = commands.recv() => {
                if matches!(cmd, None | Some(Command::Stop)) {
                    break;
                }
            }
        }
    }
    ctx.shared.set_state(LinkState::Stopped);
}

fn seed(clock: &dyn Clock) -> u64 {
    // The reconnect jitter is seeded from the injected clock: random enough on a phone, and
    // repeatable under a test's manual clock.
    u64::try_from(clock.now().timestamp_nanos_opt().unwrap_or_default()).unwrap_or_default()
}

/// How a session ended.
enum Ended {
    LinkLost,
    Stopped,
    /// The paired pump was not seen in the scan window.
    NotFound,
    /// Could not connect, verify or store (retry after a backoff).
    Failed(Error),
}

struct Task {
    shared: Arc<LinkShared>,
    transport: Arc<dyn BleTransport>,
    events: OwnedMutexGuard<mpsc::UnboundedReceiver<TransportEvent>>,
    commands: OwnedMutexGuard<mpsc::UnboundedReceiver<Command>>,
}

/// The worker: follows the paired pump until stopped.
async fn work(ctx: Arc<Ctx>) {
    let mut link = Task {
        shared: Arc::clone(&ctx.shared),
        transport: Arc::clone(&ctx.transport),
        events: Arc::clone(&ctx.events).lock_owned().await,
        commands: Arc::clone(&ctx.commands).lock_owned().await,
    };
    let config = &ctx.config;
    let seed = seed(link.shared.clock.as_ref());
    let mut backoff = Backoff::new(config.backoff, seed);
    let mut away = Backoff::new(config.away(), seed.rotate_left(17));
    let mut ever_connected = false;
    loop {
        let Some(paired) = link.shared.paired() else {
            // Nothing paired: connect to nothing, until stopped (pairing restarts the task).
            link.shared.set_state(LinkState::NotPaired);
            link.shared.status().first_attempt_done = true;
            match link.commands.recv().await {
                None | Some(Command::Stop) => return,
                Some(Command::DropLink) => continue,
            }
        };
        let ended = link.session(&paired, config, &mut ever_connected).await;
        link.shared.status().first_attempt_done = true;
        let delay = match ended {
            Ended::Stopped => return,
            Ended::LinkLost => {
                backoff.reset();
                away.reset();
                let at = link.shared.clock.now();
                link.shared.status().last_link_lost = Some(at);
                link.shared.publisher.publish(&LinkEvent::LinkLost { at });
                let delay = backoff.next_delay();
                link.shared.set_state(LinkState::Reconnecting {
                    attempt: backoff.attempt(),
                    retry_in_ms: millis(delay),
                });
                delay
            }
            Ended::NotFound => {
                let delay = away.next_delay();
                let last_seen = link.shared.status().last_seen;
                link.shared
                    .fail(LinkFailure::PumpNotFound { last_seen }, delay);
                delay
            }
            Ended::Failed(e) => {
                tracing::info!(error = %e, "pump link attempt failed");
                let delay = backoff.next_delay();
                match failure_of(&e) {
                    Some(failure) => link.shared.fail(failure, delay),
                    None => link.shared.set_state(LinkState::Reconnecting {
                        attempt: backoff.attempt(),
                        retry_in_ms: millis(delay),
                    }),
                }
                delay
            }
        };
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            cmd = link.commands.recv() => {
                if matches!(cmd, None | Some(Command::Stop)) {
                    return;
                }
            }
        }
    }
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
        paired: &PairedPump,
        config: &LinkConfig,
        ever_connected: &mut bool,
    ) -> Ended {
        self.shared.set_state(LinkState::Scanning);
        let id = match self.find_pump(paired, config).await {
            Ok(Some(id)) => id,
            Ok(None) => return Ended::NotFound,
            Err(e) => return Ended::Failed(e),
        };
        self.shared.seen();
        self.shared.set_state(LinkState::Connecting);
        // Whatever the previous connection left queued (a late disconnect, notifications the
        // history replay will bring again) must not end or confuse this one.
        while self.events.try_recv().is_ok() {}
        self.shared.radio(|r| r.connects += 1);
        let mut session = match self.open(&id, paired).await {
            Ok(s) => s,
            Err(e) => {
                let _ = self.transport.disconnect(id).await;
                return Ended::Failed(e);
            }
        };
        if *ever_connected {
            self.shared.status().reconnects += 1;
        }
        *ever_connected = true;
        self.shared.status().first_attempt_done = true;
        self.shared
            .radio(|r| r.connected_since = Some(Instant::now()));
        self.shared.set_state(LinkState::Connected);
        let ended = self.live(&mut session).await;
        self.shared.seen();
        self.shared.radio(|r| {
            if let Some(since) = r.connected_since.take() {
                r.connected += Instant::now() - since;
            }
        });
        if !matches!(ended, Ended::LinkLost) {
            let _ = self.transport.disconnect(id).await;
        }
        ended
    }

    /// Scans for up to one window for the paired pump: the one advertising the pump service
    /// whose BLE identity (as the transport reports it, before connecting) is the paired one.
    /// Names are never looked at; other pumps are never picked.
    async fn find_pump(
        &self,
        paired: &PairedPump,
        config: &LinkConfig,
    ) -> Result<Option<String>, Error> {
        let started = Instant::now();
        let deadline = started + config.scan_timeout;
        let found = loop {
            let now = Instant::now();
            if now >= deadline {
                break None;
            }
            let window = u32::try_from((deadline - now).as_millis()).unwrap_or(u32::MAX);
            let ads = self
                .transport
                .scan(vec![profile::PUMP_SERVICE.to_string()], window.max(1))
                .await;
            let ads = match ads {
                Ok(ads) => ads,
                Err(e) => {
                    self.shared.radio(|r| r.scan += Instant::now() - started);
                    return Err(e.into());
                }
            };
            let mut ours = None;
            for ad in ads.iter().filter(|a| a.has_pump_service()) {
                match self.transport.identity(ad.device_id.clone()).await {
                    Ok(identity) if identity == paired.ble_identity => {
                        ours = Some(ad.device_id.clone());
                        break;
                    }
                    Ok(_) | Err(TransportError::DeviceNotFound) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            if ours.is_some() {
                break ours;
            }
            // A transport that answered at once with no pump of ours: wait a little before
            // asking again, within the window (never a busy loop).
            if Instant::now() - now < Duration::from_millis(5) {
                tokio::time::sleep(Duration::from_millis(20).min(deadline - Instant::now())).await;
            }
        };
        self.shared.radio(|r| {
            r.scan += Instant::now() - started;
            r.scans += 1;
        });
        Ok(found)
    }

    /// Connects and checks that this is the paired pump (its BLE identity, then its serial and
    /// model), and only then stores it, subscribes, stores the first status and asks for the
    /// history the store does not have yet. A mismatch stores nothing.
    async fn open(&mut self, id: &str, paired: &PairedPump) -> Result<Session, Error> {
        let t = &self.transport;
        t.connect(id.to_owned()).await?;
        if t.identity(id.to_owned()).await? != paired.ble_identity {
            return Err(Error::Mismatch {
                what: "BLE identity".into(),
            });
        }
        let (driver, features, info) = identify(t.as_ref(), id, |c, e| self.rejected(c, e)).await?;
        check_identity(&info, paired)?;
        let now = self.shared.clock.now();
        let caps = driver.capabilities(&features);
        let settings = PumpSettings::from_capabilities(&caps);
        self.shared.store.write(|tx| {
            db::upsert_pump(tx, &info, now)?;
            db::set_pump_settings(tx, &info.serial, &settings)
        })?;
        self.shared.status().pump = Some(info.clone());
        self.shared
            .publisher
            .publish(&LinkEvent::PumpIdentified { info: info.clone() });
        self.subscribe_and_sync(id, driver, info).await
    }

    async fn subscribe_and_sync(
        &mut self,
        id: &str,
        driver: &'static dyn PumpDriver,
        info: DeviceInfo,
    ) -> Result<Session, Error> {
        let t = &self.transport;
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
}

/// Reads the connected pump's Features (picking the driver) and Device Information.
///
/// # Errors
/// A transport error, or [`Error::NotAPump`] / [`Error::Internal`] for frames no driver
/// accepts (`rejected` reports them).
pub(crate) async fn identify(
    t: &dyn BleTransport,
    id: &str,
    rejected: impl Fn(Uuid, &FrameError) -> Error,
) -> Result<(&'static dyn PumpDriver, pump::PumpFeatures, DeviceInfo), Error> {
    let features_bytes = t.read(id.to_owned(), profile::FEATURES.to_string()).await?;
    let features =
        pump::decode_features(&features_bytes).map_err(|e| rejected(profile::FEATURES, &e))?;
    let Some(driver) = pump::driver_for_features(&features.features) else {
        rejected(
            profile::FEATURES,
            &FrameError::not_for_this_pump("pump_kind", "no driver knows this pump model"),
        );
        return Err(Error::NotAPump);
    };
    {
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
            .map_err(|e| rejected(profile::SERIAL_NUMBER, &e))?;
        Ok((driver, features.features, info))
    }
}

/// Whether `info` (as read from the connected pump) is the paired pump.
fn check_identity(info: &DeviceInfo, paired: &PairedPump) -> Result<(), Error> {
    if !same_serial(&info.serial, &paired.serial) {
        return Err(Error::Mismatch {
            what: "serial".into(),
        });
    }
    if info.model.trim() != paired.model.trim() {
        return Err(Error::Mismatch {
            what: "model".into(),
        });
    }
    Ok(())
}

/// Serial numbers compare without surrounding spaces and case (as typed from a printout).
pub(crate) fn same_serial(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

impl Task {
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
                        match self.on_notification(s, &characteristic, &value).await {
                            Ok(()) => {}
                            // Nothing more is stored on this connection: the sync mark stays
                            // before what could not be stored, and the next connection's replay
                            // brings it back (stored once).
                            Err(e @ Error::Store(_)) => return Ended::Failed(e),
                            Err(e) => tracing::warn!(error = %e, "could not handle a pump update"),
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
        async fn bond(&self, _: String) -> Result<bool, TransportError> {
            Ok(false)
        }
        async fn identity(&self, d: String) -> Result<String, TransportError> {
            Ok(d)
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
