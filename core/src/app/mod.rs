//! The `Thecal` object the apps hold: it opens the store, owns the runtime and hands out the
//! sub-APIs (`pumps()`, later `diary()`, `card()`…). Every method is a thin, guarded delegate.

mod guard;

use std::path::Path;
use std::sync::Arc;

pub use guard::FromPanic;
pub(crate) use guard::{guard, guard_blocking};

use crate::link::{LinkShared, PumpLink};
use crate::model::{Clock, DeviceInfo, StatusReading, SystemClock};
use crate::store::{self, Store, StoreError};

/// What the app tells the core when it opens it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ThecalConfig {
    /// The patient's time zone (IANA name such as `Europe/Paris`), used only for display.
    pub time_zone: String,
    /// When data counts as stale (default: a warning after 30 minutes, urgent after 60).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub freshness: Option<crate::link::FreshnessConfig>,
}

impl Default for ThecalConfig {
    fn default() -> Self {
        Self {
            time_zone: "UTC".into(),
            freshness: None,
        }
    }
}

/// Shared state behind the app object and its sub-APIs.
#[derive(Debug)]
struct Inner {
    freshness: crate::link::FreshnessConfig,
    store: Arc<Store>,
    link: Arc<PumpLink>,
    clock: Arc<dyn Clock>,
    time_zone: chrono_tz::Tz,
    runtime: Arc<LazyRuntime>,
}

/// The entry object: one per app process.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct Thecal {
    inner: Arc<Inner>,
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Thecal {
    /// Opens Thecal with its data in the folder `dir` (created if needed).
    ///
    /// # Errors
    /// [`StoreError::InvalidInput`] for an unknown time zone; see [`Store::open`] for the rest.
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn open(dir: String, config: ThecalConfig) -> Result<Arc<Self>, StoreError> {
        guard("opening Thecal", || {
            Self::open_with_clock(Path::new(&dir), &config, Arc::new(SystemClock))
        })
    }

    /// The pumps paired with this app and their readings.
    #[must_use]
    pub fn pumps(&self) -> Arc<Pumps> {
        Arc::new(Pumps {
            inner: Arc::clone(&self.inner),
        })
    }

    /// The pump link: start it with a BLE transport, watch it live.
    #[must_use]
    pub fn link(&self) -> Arc<PumpLink> {
        Arc::clone(&self.inner.link)
    }

    /// The patient's time zone, as configured.
    #[must_use]
    pub fn time_zone(&self) -> String {
        self.inner.time_zone.name().to_owned()
    }
}

impl Thecal {
    /// Opens Thecal with an injected clock (tests, simulations).
    ///
    /// # Errors
    /// As [`Thecal::open`].
    pub fn open_with_clock(
        dir: &Path,
        config: &ThecalConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Arc<Self>, StoreError> {
        let time_zone: chrono_tz::Tz =
            config
                .time_zone
                .parse()
                .map_err(|_| StoreError::InvalidInput {
                    field: "time_zone".into(),
                    reason: "is not a known time zone name (use one such as Europe/Paris)".into(),
                })?;
        let store = Arc::new(Store::open_in_dir(dir)?);
        let runtime = Arc::new(LazyRuntime::default());
        let link = Arc::new(PumpLink::new(
            Arc::new(LinkShared::new(Arc::clone(&store), Arc::clone(&clock))),
            Arc::clone(&runtime),
            config.freshness.unwrap_or_default(),
        ));
        Ok(Arc::new(Self {
            inner: Arc::new(Inner {
                freshness: config.freshness.unwrap_or_default(),
                store,
                link,
                clock,
                time_zone,
                runtime,
            }),
        }))
    }

    /// The shared store, for the core's sub-APIs.
    #[allow(
        dead_code,
        reason = "for the sub-APIs being added (diary, recovery, card)"
    )]
    pub(crate) fn store_arc(&self) -> Arc<Store> {
        Arc::clone(&self.inner.store)
    }

    /// The injected clock.
    #[allow(
        dead_code,
        reason = "for the sub-APIs being added (diary, recovery, card)"
    )]
    pub(crate) fn clock(&self) -> Arc<dyn Clock> {
        Arc::clone(&self.inner.clock)
    }

    /// The patient's time zone.
    #[allow(
        dead_code,
        reason = "for the sub-APIs being added (diary, recovery, card)"
    )]
    pub(crate) fn tz(&self) -> chrono_tz::Tz {
        self.inner.time_zone
    }

    /// The core's runtime, for work off the caller's thread.
    #[allow(
        dead_code,
        reason = "for the sub-APIs being added (diary, recovery, card)"
    )]
    pub(crate) fn runtime(&self) -> tokio::runtime::Handle {
        self.inner.runtime.handle()
    }

    /// The configured staleness thresholds.
    pub(crate) fn freshness_config(&self) -> crate::link::FreshnessConfig {
        self.inner.freshness
    }

    /// The store, for the CLI's tools and tests.
    #[must_use]
    pub fn store(&self) -> &Store {
        &self.inner.store
    }
}

/// Pumps and their status readings.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct Pumps {
    inner: Arc<Inner>,
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Pumps {
    /// Pairs a pump with this app, or updates what it reports about itself.
    ///
    /// # Errors
    /// [`StoreError::InvalidInput`] naming the wrong field, or a storage error.
    pub fn register(&self, info: DeviceInfo) -> Result<(), StoreError> {
        guard("registering a pump", || {
            let now = self.inner.clock.now();
            self.inner
                .store
                .write(|tx| store::upsert_pump(tx, &info, now))
                .map(|_| ())
        })
    }

    /// Every paired pump.
    ///
    /// # Errors
    /// A storage error.
    pub fn list(&self) -> Result<Vec<DeviceInfo>, StoreError> {
        guard("listing pumps", || self.inner.store.read(store::all_pumps))
    }

    /// Stores a reading of the pump `serial` (off the caller's thread). Returns `false` when the
    /// same reading was stored before.
    ///
    /// # Errors
    /// [`StoreError::UnknownPump`], [`StoreError::InvalidInput`], or a storage error.
    pub async fn record_reading(
        &self,
        serial: String,
        reading: StatusReading,
    ) -> Result<bool, StoreError> {
        let inner = Arc::clone(&self.inner);
        guard_blocking(
            &self.inner.runtime.handle(),
            "saving a reading",
            move || {
                inner
                    .store
                    .write(|tx| store::insert_reading(tx, &serial, &reading))
            },
        )
        .await
    }

    /// The newest reading of the pump `serial`, if any.
    ///
    /// # Errors
    /// A storage error.
    pub fn latest_reading(&self, serial: String) -> Result<Option<StatusReading>, StoreError> {
        guard("reading the latest status", || {
            self.inner.store.read(|c| store::latest_reading(c, &serial))
        })
    }

    /// The refill log of the pump `serial`, newest first, each refill flagged when it changed the
    /// drug, the concentration or the dose.
    ///
    /// # Errors
    /// A storage error.
    pub fn refill_log(
        &self,
        serial: String,
        limit: u32,
    ) -> Result<Vec<store::RefillRecord>, StoreError> {
        guard("reading the refill log", || {
            self.inner
                .store
                .read(|c| store::refill_log(c, &serial, limit))
        })
    }

    /// Records a refill entered by hand (one the pump's history does not have); returns its id.
    ///
    /// # Errors
    /// [`StoreError::InvalidInput`] naming the wrong field, [`StoreError::UnknownPump`].
    pub fn record_refill(
        &self,
        serial: String,
        entry: store::RefillEntry,
    ) -> Result<i64, StoreError> {
        guard("recording a refill", || {
            let now = self.inner.clock.now();
            self.inner
                .store
                .write(|tx| store::record_refill(tx, &serial, &entry, now))
        })
    }

    /// The newest `limit` alarms of the pump `serial` (cleared or not), newest first.
    ///
    /// # Errors
    /// A storage error.
    pub fn alarm_history(
        &self,
        serial: String,
        limit: u32,
    ) -> Result<Vec<store::AlarmRecord>, StoreError> {
        guard("reading the alarm history", || {
            self.inner
                .store
                .read(|c| store::alarm_history(c, &serial, limit))
        })
    }

    /// Marks alarm `alarm_id` as acknowledged by the patient in the app. This never reaches the
    /// pump (the pump's alarm keeps sounding until its cause is fixed). Returns `false` for an
    /// unknown id.
    ///
    /// # Errors
    /// A storage error.
    pub fn acknowledge_alarm(&self, alarm_id: i64) -> Result<bool, StoreError> {
        guard("acknowledging an alarm", || {
            let now = self.inner.clock.now();
            self.inner
                .store
                .write(|tx| store::acknowledge_in_app(tx, alarm_id, now))
        })
    }
}

/// The core's own tokio runtime (BLE, timers, blocking storage work), started the first time it
/// is needed, so opening the app and showing the dashboard start no threads. Shut down in the
/// background on drop, so dropping the app object from any thread (even an async one) is safe.
#[derive(Debug, Default)]
pub(crate) struct LazyRuntime(std::sync::OnceLock<tokio::runtime::Runtime>);

impl LazyRuntime {
    /// The runtime's handle, starting it if needed. A runtime that cannot start (no threads
    /// left) panics, which the API guard turns into an `Internal` error for the caller.
    pub(crate) fn handle(&self) -> tokio::runtime::Handle {
        self.0
            .get_or_init(|| {
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("thecal")
                    .enable_all()
                    .build()
                    .unwrap_or_else(|e| panic!("cannot start the background runtime: {e}"))
            })
            .handle()
            .clone()
    }
}

impl Drop for LazyRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// Test support: a `Thecal` in a temporary folder with a clock the test controls.
#[cfg(test)]
pub(crate) mod testing {
    use std::sync::Arc;

    use super::{Thecal, ThecalConfig};
    use crate::model::{ManualClock, UtcDateTime};

    /// An open app, its clock, and the folder it lives in (deleted when dropped).
    pub(crate) struct Fixture {
        pub(crate) _dir: tempfile::TempDir,
        pub(crate) clock: Arc<ManualClock>,
        pub(crate) thecal: Arc<Thecal>,
    }

    /// Opens Thecal for a patient in `zone`, with the clock standing at `now`.
    pub(crate) fn open(zone: &str, now: UtcDateTime) -> Fixture {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let clock = Arc::new(ManualClock::new(now));
        let config = ThecalConfig {
            time_zone: zone.into(),
            ..ThecalConfig::default()
        };
        let thecal =
            Thecal::open_with_clock(dir.path(), &config, clock.clone()).expect("Thecal opens");
        Fixture {
            _dir: dir,
            clock,
            thecal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ManualClock, test_device, test_reading};
    use chrono::SubsecRound;

    fn open() -> (tempfile::TempDir, Arc<Thecal>) {
        let dir = tempfile::tempdir().unwrap();
        let t = Thecal::open(
            dir.path().to_string_lossy().into_owned(),
            ThecalConfig::default(),
        )
        .unwrap();
        (dir, t)
    }

    #[test]
    fn register_record_and_read_back_through_the_app_object() {
        let (_d, thecal) = open();
        let pumps = thecal.pumps();
        pumps.register(test_device()).unwrap();
        assert_eq!(pumps.list().unwrap(), vec![test_device()]);
        // Times are stored to the millisecond.
        let r = test_reading(chrono::Utc::now().trunc_subsecs(3));
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert!(
            rt.block_on(pumps.record_reading("SIM0001".into(), r.clone()))
                .unwrap()
        );
        assert!(
            !rt.block_on(pumps.record_reading("SIM0001".into(), r.clone()))
                .unwrap()
        );
        assert_eq!(pumps.latest_reading("SIM0001".into()).unwrap(), Some(r));
    }

    #[tokio::test]
    async fn the_app_object_can_be_used_and_dropped_inside_async_code() {
        let (_d, thecal) = open();
        thecal.pumps().register(test_device()).unwrap();
        let r = test_reading(chrono::Utc::now());
        assert!(
            thecal
                .pumps()
                .record_reading("SIM0001".into(), r)
                .await
                .unwrap()
        );
        drop(thecal);
    }

    #[test]
    fn an_unknown_time_zone_is_a_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = Thecal::open(
            dir.path().to_string_lossy().into_owned(),
            ThecalConfig {
                time_zone: "Mars/Olympus".into(),
                ..ThecalConfig::default()
            },
        )
        .unwrap_err();
        assert!(matches!(err, StoreError::InvalidInput { ref field, .. } if field == "time_zone"));
    }

    #[test]
    fn the_injected_clock_stamps_registration() {
        let dir = tempfile::tempdir().unwrap();
        let t = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let thecal = Thecal::open_with_clock(
            dir.path(),
            &ThecalConfig::default(),
            Arc::new(ManualClock::new(t)),
        )
        .unwrap();
        thecal.pumps().register(test_device()).unwrap();
        let ms: i64 = thecal
            .store()
            .read(|c| Ok(c.query_row("SELECT registered_at_ms FROM pumps", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(ms, t.timestamp_millis());
    }
}
