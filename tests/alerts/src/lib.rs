//! The test bed of the caregiver alerts' end-to-end tests: a real relay (its HTTP server and its
//! SQLite store, as `thecal-relay` runs them) on a loopback port, and phones, each the core's
//! alerts session over its own data folder, an in-memory key store and a Rust HTTP stack. One
//! clock drives the relay and the phones, so tests move time without sleeping.
//! [`process`] runs the relay as its own process instead (the built binary, killed and
//! restarted by the tests).

pub mod process;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use thecal_core::alerts::Session;
use thecal_core::alerts::http::HttpClient;
use thecal_core::model::UtcDateTime;
use thecal_core::store::Store;
use thecal_sim::fixtures::MemorySecretStore;
use thecal_sim::http::ReqwestHttp;

/// The tests' "now" at the start: Wednesday 2026-11-18T11:06:40Z.
pub const T0: i64 = 1_795_000_000;

/// One clock for the relay and every phone, set by the test.
#[derive(Debug, Clone)]
pub struct World(Arc<AtomicI64>);

impl World {
    /// The clock at [`T0`].
    #[must_use]
    pub fn new() -> Self {
        Self(Arc::new(AtomicI64::new(T0)))
    }

    /// Moves time forward.
    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(
            i64::try_from(by.as_secs()).unwrap_or(i64::MAX),
            Ordering::SeqCst,
        );
    }

    /// Now, Unix seconds.
    #[must_use]
    pub fn now_s(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}

impl thecal_relay::clock::Clock for World {
    fn now(&self) -> i64 {
        self.now_s()
    }
}

impl World {
    /// Now, as the core reads it.
    #[must_use]
    pub fn now(&self) -> UtcDateTime {
        chrono::DateTime::from_timestamp(self.now_s(), 0).unwrap_or_default()
    }
}

impl thecal_core::model::Clock for World {
    fn now(&self) -> UtcDateTime {
        World::now(self)
    }
}

/// A relay serving on a loopback port until dropped.
pub struct TestRelay {
    /// Its base URL (`http://127.0.0.1:PORT`).
    pub base: String,
    /// Its data folder (the SQLite store and its WAL).
    pub dir: tempfile::TempDir,
    /// A data folder kept from an earlier run (after a restart).
    kept: Option<std::path::PathBuf>,
    relay: Arc<thecal_relay::Relay>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestRelay {
    /// Starts a relay with its store in a new folder.
    ///
    /// # Panics
    /// If it cannot start (a test bed failure).
    pub async fn start(world: &World) -> Self {
        let dir = tempfile::tempdir().expect("relay folder");
        Self::start_in(world, dir).await
    }

    /// Starts a relay on the real clock (for a client that uses the real clock too: the CLI).
    ///
    /// # Panics
    /// If it cannot start (a test bed failure).
    pub async fn start_real_time() -> Self {
        let dir = tempfile::tempdir().expect("relay folder");
        let mut config = Self::config(&World::new(), dir.path());
        config.clock = Arc::new(thecal_relay::clock::SystemClock);
        Self::start_with(config, dir).await
    }

    /// Starts a relay whose background work (phone-silent notices, escalation releases) runs
    /// every `tick` of real time at the world's time: a test moves the world past a due time
    /// and long-polls the mailbox, which returns as the notice lands (no sleeping).
    ///
    /// # Panics
    /// If it cannot start (a test bed failure).
    pub async fn start_ticking(world: &World, tick: Duration) -> Self {
        let dir = tempfile::tempdir().expect("relay folder");
        let mut config = Self::config(world, dir.path());
        config.tick = tick;
        Self::start_with(config, dir).await
    }

    async fn start_in(world: &World, dir: tempfile::TempDir) -> Self {
        Self::start_with(Self::config(world, dir.path()), dir).await
    }

    async fn start_with(config: thecal_relay::Config, dir: tempfile::TempDir) -> Self {
        let relay = thecal_relay::Relay::open(config)
            .await
            .expect("the relay opens");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        Self::serve(relay, listener, dir, None)
    }

    fn config(world: &World, dir: &Path) -> thecal_relay::Config {
        thecal_relay::Config {
            store: thecal_relay::StoreConfig::Sqlite(dir.to_owned()),
            limits: thecal_relay::Limits::default(),
            push: thecal_relay::push::PushConfig::default(),
            clock: Arc::new(world.clone()),
            tick: Duration::from_secs(3_600),
            sweep_every: Duration::from_secs(3_600),
        }
    }

    fn serve(
        relay: thecal_relay::Relay,
        listener: tokio::net::TcpListener,
        dir: tempfile::TempDir,
        kept: Option<std::path::PathBuf>,
    ) -> Self {
        let base = format!("http://{}", listener.local_addr().expect("its address"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let relay = Arc::new(relay);
        let task = tokio::spawn(Arc::clone(&relay).serve_shared(listener, async {
            let _ = stopped.await;
        }));
        Self {
            base,
            dir,
            kept,
            relay,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Runs one round of the relay's background work at the world's time now: releases the
    /// escalations due, makes the phone-silent notices due, sends the pushes due.
    ///
    /// # Panics
    /// If the relay's store fails (a test bed failure).
    pub async fn tick(&self) {
        self.relay
            .tick()
            .await
            .expect("the relay's background round");
    }

    /// The relay's host as an invitation names it.
    #[must_use]
    pub fn host(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// Every file of its data folder, concatenated (to search for plaintext).
    #[must_use]
    pub fn stored_bytes(&self) -> Vec<u8> {
        all_bytes(self.kept.as_deref().unwrap_or(self.dir.path()))
    }

    /// Stops the relay and keeps its data folder (for [`TestRelay::restart`]).
    pub async fn stop_keeping_data(mut self) {
        self.halt().await;
        let placeholder = tempfile::tempdir().expect("a folder");
        let _ = std::mem::replace(&mut self.dir, placeholder).keep();
    }

    /// Starts a relay again on the data folder and address of one stopped with
    /// [`TestRelay::stop_keeping_data`].
    ///
    /// # Panics
    /// If it cannot start (a test bed failure).
    pub async fn restart(world: &World, dir: &Path, base: &str) -> Self {
        let relay = thecal_relay::Relay::open(Self::config(world, dir))
            .await
            .expect("the relay opens again");
        let addr = base.trim_start_matches("http://");
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .expect("the same loopback port");
        Self::serve(
            relay,
            listener,
            tempfile::TempDir::with_prefix("unused").expect("dir"),
            Some(dir.to_owned()),
        )
    }

    /// Stops the relay and waits for it.
    pub async fn stop(mut self) {
        self.halt().await;
    }

    async fn halt(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for TestRelay {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(kept) = &self.kept {
            let _ = std::fs::remove_dir_all(kept);
        }
    }
}

fn all_bytes(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if let Ok(b) = std::fs::read(e.path()) {
                out.extend(b);
            }
        }
    }
    out
}

/// A phone: the core's alerts session with its own data folder and key store.
pub struct Phone {
    /// Its alerts session.
    pub session: Session,
    /// Its key store.
    pub secrets: Arc<MemorySecretStore>,
    /// Its store.
    pub store: Arc<Store>,
    /// Its data folder.
    pub dir: tempfile::TempDir,
}

impl Phone {
    /// A new phone living in `world`.
    ///
    /// # Panics
    /// If its store cannot be opened (a test bed failure).
    #[must_use]
    pub fn new(world: &World) -> Self {
        Self::with_http(world, Arc::new(ReqwestHttp::new()))
    }

    /// A new phone sending through `http` (a test's wrapper around the Rust HTTP stack).
    ///
    /// # Panics
    /// If its store cannot be opened (a test bed failure).
    #[must_use]
    pub fn with_http(world: &World, http: Arc<dyn HttpClient>) -> Self {
        let dir = tempfile::tempdir().expect("phone folder");
        let store = Arc::new(Store::open_in_dir(dir.path()).expect("the store opens"));
        let secrets = MemorySecretStore::new();
        let session = Session::new(
            Arc::clone(&store),
            secrets.clone(),
            http,
            Arc::new(world.clone()),
        );
        Self {
            session,
            secrets,
            store,
            dir,
        }
    }
}

/// A patient's phone and a caregiver's, paired through `relay` and confirmed on both sides
/// (the caregiver named "Anna" on the patient's phone, the patient "Mum" on hers).
///
/// # Panics
/// If pairing fails (what the pairing tests check).
pub async fn paired(world: &World, relay: &TestRelay) -> (Phone, Phone) {
    let patient = Phone::new(world);
    let (carer, _) = add_caregiver(world, relay, &patient, "Anna").await;
    (patient, carer)
}

/// Another caregiver's phone, paired with `patient` through `relay` and confirmed on both sides,
/// named `name` on the patient's phone (the patient is "Mum" on hers). Returns the phone and
/// its id on the patient's phone.
///
/// # Panics
/// If pairing fails (what the pairing tests check).
pub async fn add_caregiver(
    world: &World,
    relay: &TestRelay,
    patient: &Phone,
    name: &str,
) -> (Phone, thecal_proto::MailboxId) {
    let carer = Phone::new(world);
    let mailbox = pair(patient, &carer, &relay.base, name, "Mum").await;
    (carer, mailbox)
}

/// Pairs a patient's phone and a caregiver's through the relay at `base`, confirmed on both
/// sides: the caregiver named `carer_name` on the patient's phone, the patient `patient_name`
/// on hers. Returns the caregiver's id on the patient's phone.
///
/// # Panics
/// If pairing fails (what the pairing tests check).
pub async fn pair(
    patient: &Phone,
    carer: &Phone,
    base: &str,
    carer_name: &str,
    patient_name: &str,
) -> thecal_proto::MailboxId {
    let invitation = patient.session.invite(base).await.expect("invite");
    let seen = carer
        .session
        .accept(&invitation.qr_text, None, patient_name)
        .await
        .expect("accept");
    let report = patient.session.sync(0).await.expect("the hello");
    let mailbox = report.paired[0];
    patient.session.rename(mailbox, carer_name).expect("rename");
    patient.session.confirm(mailbox).expect("confirm");
    carer
        .session
        .confirm(seen.bundle.mailbox())
        .expect("confirm");
    mailbox
}
