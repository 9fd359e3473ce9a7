//! [`Link`]: one app's pump link, as the core holds it: start it over a transport, stop it,
//! read its state, subscribe to it. The app object (`app::PumpLink`) wraps it for the apps.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::{
    BleTransport, Error, Freshness, FreshnessConfig, LinkConfig, LinkEvent, LinkListener,
    LinkShared, LinkSnapshot, Running, Subscription, freshness,
};
use crate::model::Clock;
use crate::store::Store;

/// The pump link of one app: its shared state and, while started, its task.
#[derive(Debug)]
pub struct Link {
    shared: Arc<LinkShared>,
    running: Mutex<Option<Running>>,
}

impl Link {
    /// A stopped link over `store`, timed by `clock`.
    #[must_use]
    pub fn new(store: Arc<Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            shared: Arc::new(LinkShared::new(store, clock)),
            running: Mutex::new(None),
        }
    }

    fn running(&self) -> MutexGuard<'_, Option<Running>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts finding, connecting to and following the pump through `transport`, on `rt`. It
    /// reconnects on its own until [`Link::stop`].
    ///
    /// # Errors
    /// [`Error::AlreadyRunning`], or the transport's error when it cannot take events.
    pub fn start(
        &self,
        rt: &tokio::runtime::Handle,
        transport: Arc<dyn BleTransport>,
        config: LinkConfig,
    ) -> Result<(), Error> {
        let mut running = self.running();
        if running.as_ref().is_some_and(Running::is_running) {
            return Err(Error::AlreadyRunning);
        }
        *running = Some(Running::start(
            rt,
            Arc::clone(&self.shared),
            transport,
            config,
        )?);
        Ok(())
    }

    /// Stops the link and disconnects from the pump. Stopping a stopped link does nothing.
    pub async fn stop(&self) {
        let running = self.running().take();
        if let Some(r) = running {
            r.stop().await;
        }
    }

    /// Drops the current connection, as if the pump went out of range; the link reconnects on
    /// its own.
    ///
    /// # Errors
    /// [`Error::NotRunning`].
    pub fn drop_link(&self) -> Result<(), Error> {
        self.running()
            .as_ref()
            .ok_or(Error::NotRunning)?
            .drop_link()
    }

    /// Everything needed to draw the pump's live state now (from memory and the store).
    ///
    /// # Errors
    /// A storage error.
    pub fn snapshot(&self) -> Result<LinkSnapshot, Error> {
        Ok(self.shared.snapshot()?)
    }

    /// The link's in-memory state only (no reading, no alarms), for callers that read the
    /// store themselves (the dashboard).
    #[must_use]
    pub fn status_snapshot(&self) -> LinkSnapshot {
        self.shared.status_snapshot()
    }

    /// How fresh the newest reading is now, by `config`'s thresholds.
    ///
    /// # Errors
    /// A storage error.
    pub fn freshness(&self, config: FreshnessConfig) -> Result<Freshness, Error> {
        let snap = self.snapshot()?;
        Ok(freshness(
            snap.latest.map(|r| r.taken_at),
            self.shared.clock.now(),
            config,
            snap.first_attempt_done,
        ))
    }

    /// How many listeners are subscribed now.
    #[must_use]
    pub fn subscriber_count(&self) -> u32 {
        u32::try_from(self.shared.publisher.len()).unwrap_or(u32::MAX)
    }

    /// Subscribes `listener` to live updates: it receives [`LinkEvent::Snapshot`] first, then
    /// every change, in order. Dropping or cancelling the returned handle stops delivery.
    pub fn subscribe(&self, listener: Arc<dyn LinkListener>) -> Arc<Subscription> {
        let shared = Arc::clone(&self.shared);
        self.shared
            .publisher
            .subscribe(listener, move || match shared.snapshot() {
                Ok(snapshot) => LinkEvent::Snapshot { snapshot },
                Err(e) => {
                    tracing::error!(error = %e, "could not read the current state for a new subscriber");
                    LinkEvent::FrameRejected {
                        characteristic: String::new(),
                        reason: "Thecal could not read the pump's stored state. Your saved data is safe; please report this.".into(),
                    }
                }
            })
    }
}
