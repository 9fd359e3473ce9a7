//! Layer 5, the FFI edge: the `Thecal` object the apps hold, every sub-API object it hands out
//! (`pumps()`, `link()`, `diary()`, `recovery()`, `card()`, `dashboard()`), the core's runtime,
//! the panic guard, and the public errors ([`errors`]).
//!
//! Every exported method is a thin delegate: it runs a feature's function on the store (or the
//! link), inside the guard, and maps the feature's internal error to the area's public error.
//! No logic lives here.

mod card;
mod diary;
pub mod errors;
mod guard;
mod link;
mod pumps;
mod recovery;
mod runtime;

use std::path::Path;
use std::sync::Arc;

use rusqlite::{Connection, Transaction};

pub use card::Card;
pub use diary::Diary;
pub use errors::{CardError, DiaryError, LinkError, OpenError, PumpError, RecoveryError};
pub use link::PumpLink;
pub use pumps::Pumps;
pub use recovery::Recovery;

use self::errors::PublicError;
use self::guard::{guard, guard_blocking};
use self::runtime::LazyRuntime;
use crate::dashboard::Dashboard;
use crate::link::FreshnessConfig;
use crate::model::{Clock, SystemClock, UtcDateTime, parse_time_zone};
use crate::store::{Store, StoreError};

/// What the app tells the core when it opens it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ThecalConfig {
    /// The patient's time zone (IANA name such as `Europe/Paris`), used only for display.
    pub time_zone: String,
    /// When data counts as stale (default: a warning after 30 minutes, urgent after 60).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub freshness: Option<FreshnessConfig>,
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
    store: Arc<Store>,
    clock: Arc<dyn Clock>,
    zone: chrono_tz::Tz,
    freshness: FreshnessConfig,
    link: Arc<crate::link::Link>,
    runtime: LazyRuntime,
}

impl Inner {
    fn now(&self) -> UtcDateTime {
        self.clock.now()
    }

    /// Runs `f` on the store, guarded: a panic becomes the area's `Internal` error.
    fn run<T, E: PublicError>(
        &self,
        context: &'static str,
        f: impl FnOnce(&Store) -> Result<T, E>,
    ) -> Result<T, E> {
        guard(context, || f(&self.store))
    }

    /// As [`Inner::run`], off the caller's thread on the core's runtime.
    async fn run_blocking<T, E>(
        self: &Arc<Self>,
        context: &'static str,
        f: impl FnOnce(&Store) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: PublicError + Send + 'static,
    {
        let inner = Arc::clone(self);
        guard_blocking(&self.runtime.handle(), context, move || f(&inner.store)).await
    }

    /// Runs `f` on a read connection, guarded, with its error mapped to the area's.
    fn read<T, I, E>(
        &self,
        context: &'static str,
        f: impl FnOnce(&Connection) -> Result<T, I>,
    ) -> Result<T, E>
    where
        I: From<StoreError>,
        E: From<I> + PublicError,
    {
        self.run(context, |s| s.read(f).map_err(E::from))
    }

    /// Runs `f` in one write transaction, guarded, with its error mapped to the area's.
    fn write<T, I, E>(
        &self,
        context: &'static str,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, I>,
    ) -> Result<T, E>
    where
        I: From<StoreError>,
        E: From<I> + PublicError,
    {
        self.run(context, |s| s.write(f).map_err(E::from))
    }

    /// As [`Inner::read`], off the caller's thread on the core's runtime.
    async fn read_blocking<T, I, E>(
        self: &Arc<Self>,
        context: &'static str,
        f: impl FnOnce(&Connection) -> Result<T, I> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        I: From<StoreError>,
        E: From<I> + PublicError + Send + 'static,
    {
        self.run_blocking(context, move |s| s.read(f).map_err(E::from))
            .await
    }

    /// As [`Inner::write`], off the caller's thread on the core's runtime.
    async fn write_blocking<T, I, E>(
        self: &Arc<Self>,
        context: &'static str,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, I> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        I: From<StoreError>,
        E: From<I> + PublicError + Send + 'static,
    {
        self.run_blocking(context, move |s| s.write(f).map_err(E::from))
            .await
    }
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
    /// [`OpenError::InvalidInput`] for an unknown time zone, [`OpenError::NewerVersion`] for
    /// data from a newer app, or a storage error.
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn open(dir: String, config: ThecalConfig) -> Result<Arc<Self>, OpenError> {
        guard("opening Thecal", || {
            Self::open_with_clock(Path::new(&dir), &config, Arc::new(SystemClock))
        })
    }

    /// The pumps paired with this app, their readings, refills and alarms.
    #[must_use]
    pub fn pumps(&self) -> Arc<Pumps> {
        Arc::new(Pumps::new(Arc::clone(&self.inner)))
    }

    /// The pump link: start it with a BLE transport, watch it live.
    #[must_use]
    pub fn link(&self) -> Arc<PumpLink> {
        Arc::new(PumpLink::new(Arc::clone(&self.inner)))
    }

    /// The pain diary and medication log.
    #[must_use]
    pub fn diary(&self) -> Arc<Diary> {
        Arc::new(Diary::new(Arc::clone(&self.inner)))
    }

    /// The recovery plan, reminders, symptom log and guidance.
    #[must_use]
    pub fn recovery(&self) -> Arc<Recovery> {
        Arc::new(Recovery::new(Arc::clone(&self.inner)))
    }

    /// The implanted-device ID card: fill in, sign, render, verify; MRI scans and follow-ups.
    #[must_use]
    pub fn card(&self) -> Arc<Card> {
        Arc::new(Card::new(Arc::clone(&self.inner)))
    }

    /// Everything the home screen shows, computed now. Fast with years of data.
    ///
    /// # Errors
    /// A storage error.
    pub fn dashboard(&self) -> Result<Dashboard, PumpError> {
        let i = &self.inner;
        let link = i.link.status_snapshot();
        let (now, zone, freshness) = (i.now(), i.zone, i.freshness);
        i.read("building the dashboard", |c| {
            crate::dashboard::build(c, &link, now, zone, freshness)
        })
    }

    /// The patient's time zone, as configured.
    #[must_use]
    pub fn time_zone(&self) -> String {
        self.inner.zone.name().to_owned()
    }
}

impl Thecal {
    /// Opens Thecal with an injected clock (tests, simulations, the CLI's accelerated demo).
    ///
    /// # Errors
    /// As [`Thecal::open`].
    pub fn open_with_clock(
        dir: &Path,
        config: &ThecalConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Arc<Self>, OpenError> {
        let zone = parse_time_zone("time_zone", &config.time_zone)?;
        let store = Arc::new(Store::open_in_dir(dir)?);
        let link = Arc::new(crate::link::Link::new(
            Arc::clone(&store),
            Arc::clone(&clock),
        ));
        Ok(Arc::new(Self {
            inner: Arc::new(Inner {
                store,
                clock,
                zone,
                freshness: config.freshness.unwrap_or_default(),
                link,
                runtime: LazyRuntime::default(),
            }),
        }))
    }

    /// The store, for the Rust tools (CLI, tests, benchmarks) that read or seed it directly.
    /// Not part of the apps' API.
    #[must_use]
    pub fn store(&self) -> &Store {
        &self.inner.store
    }
}
