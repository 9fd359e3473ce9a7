//! Layer 5, the FFI edge: the `Thecal` object the apps hold, every sub-API object it hands out
//! (`pumps()`, `link()`, `diary()`, `recovery()`, `card()`, `export()`, `dashboard()`), the
//! core's runtime, the panic guard, and the public errors ([`errors`]).
//!
//! Every exported method is a thin delegate: it runs a feature's function on the store (or the
//! link), inside the guard, and maps the feature's internal error to the area's public error.
//! No logic lives here.

mod card;
mod caregivers;
mod diary;
pub mod errors;
mod export;
mod guard;
mod link;
mod notifications;
mod pumps;
mod push;
mod recovery;
mod runtime;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use rusqlite::{Connection, Transaction};

pub use card::Card;
pub use caregivers::{CaregiverInvitation, Caregivers, MailboxRead, PairedDevice};
pub use diary::Diary;
pub use errors::{
    BackupError, CardError, CaregiverError, DeletionError, DiaryError, ExportError, LinkError,
    OpenError, PumpError, RecoveryError,
};
pub use export::Export;
pub use link::PumpLink;
pub use notifications::Notifications;
pub use pumps::Pumps;
pub use push::PushReader;
pub use recovery::Recovery;

use self::errors::PublicError;
use self::guard::{Call, guard, guard_async, guard_blocking};
use self::runtime::LazyRuntime;
use crate::dashboard::{Dashboard, DashboardListener};
use crate::l10n::{Domain, Language, LanguageSetting, Texts};
use crate::link::{FreshnessConfig, LinkEvent, LinkListener, ListenerError, Subscription};
use crate::model::{AlarmKind, AlarmPriority};
use crate::model::{Clock, SystemClock, UtcDateTime, Zone, parse_time_zone};
use crate::store::{SecretStore, Store, StoreError};
use crate::therapy::{AlarmText, DateRange, alarm_text, describe_range};

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
    zone: Zone,
    /// The language texts are shown in (the phone's, from [`Thecal::set_languages`]).
    language: Arc<LanguageSetting>,
    freshness: FreshnessConfig,
    link: Arc<crate::link::Link>,
    secrets: Arc<dyn SecretStore>,
    runtime: LazyRuntime,
    /// Bumped by every write of the app and every event of the link: dashboard watchers wait on
    /// it.
    changes: tokio::sync::watch::Sender<u64>,
    /// Forwards the link's events to `changes`, started with the first dashboard watcher.
    link_changes: std::sync::OnceLock<Arc<Subscription>>,
    /// Dashboard watchers not cancelled.
    dashboard_watchers: Arc<AtomicU32>,
    /// What "delete all my data" has done so far, for a second try to finish and report.
    deletion: crate::erasure::Progress,
}

impl Inner {
    fn now(&self) -> UtcDateTime {
        self.clock.now()
    }

    /// Tells dashboard watchers that something they show may have changed.
    fn changed(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Makes the link's events bump `changes` too (once; for watchers of what the link changes).
    fn follow_link(&self) {
        self.link_changes.get_or_init(|| {
            let changes = self.changes.clone();
            self.link
                .subscribe(&self.runtime.handle(), Arc::new(LinkChanges(changes)))
        });
    }

    /// Keeps `listener` up to date with the dashboard (see [`crate::dashboard::watch`]).
    fn watch_dashboard(&self, listener: Arc<dyn DashboardListener>) -> Arc<Subscription> {
        self.follow_link();
        let watch = crate::dashboard::Watch {
            store: Arc::clone(&self.store),
            link: Arc::clone(&self.link),
            clock: Arc::clone(&self.clock),
            zone: self.zone,
            freshness: self.freshness,
            language: Arc::clone(&self.language),
            changes: self.changes.subscribe(),
        };
        // Counted before the first dashboard can reach the listener.
        let count = Arc::clone(&self.dashboard_watchers);
        count.fetch_add(1, Ordering::SeqCst);
        let inner = crate::dashboard::watch(&self.runtime.handle(), watch, listener);
        Subscription::new(move || {
            inner.cancel();
            count.fetch_sub(1, Ordering::SeqCst);
        })
    }

    /// Runs blocking `f` off the caller's thread on the core's runtime, guarded: a panic becomes
    /// the area's `Internal` error. Every call of the apps' API that touches the disk, the
    /// network or the radio goes through it, so none blocks the caller's thread.
    fn run_blocking<T, E>(
        self: &Arc<Self>,
        context: &'static str,
        f: impl FnOnce(&Self) -> Result<T, E> + Send + 'static,
    ) -> Call<T, E>
    where
        T: Send + 'static,
        E: PublicError + Send + 'static,
    {
        let inner = Arc::clone(self);
        guard_blocking(&self.runtime.handle(), context, move || f(&inner))
    }

    /// Runs the future `f` on the core's runtime, guarded: a panic becomes the area's `Internal`
    /// error, `f`'s error is mapped to the area's; dashboard watchers are told when it ends.
    fn run_async<T, I, E>(
        self: &Arc<Self>,
        context: &'static str,
        f: impl std::future::Future<Output = Result<T, I>> + Send + 'static,
    ) -> Call<T, E>
    where
        T: Send + 'static,
        I: Send + 'static,
        E: PublicError + From<I> + Send + 'static,
    {
        let inner = Arc::clone(self);
        guard_async(&self.runtime.handle(), context, async move {
            let out = f.await;
            inner.changed();
            out
        })
    }

    /// Everything the home screen shows at `now`, from the store and the link's state, off the
    /// caller's thread.
    fn dashboard_at<E>(self: &Arc<Self>, now: UtcDateTime) -> Call<Dashboard, E>
    where
        E: From<crate::therapy::Error> + PublicError + Send + 'static,
    {
        let link = self.link.status_snapshot();
        let (zone, freshness, language) = (self.zone, self.freshness, self.language.get());
        self.read_blocking("building the dashboard", move |c| {
            crate::dashboard::build(c, &link, now, zone, freshness, language)
        })
    }

    /// As [`Inner::read`], off the caller's thread on the core's runtime.
    fn read_blocking<T, I, E>(
        self: &Arc<Self>,
        context: &'static str,
        f: impl FnOnce(&Connection) -> Result<T, I> + Send + 'static,
    ) -> Call<T, E>
    where
        T: Send + 'static,
        I: From<StoreError>,
        E: From<I> + PublicError + Send + 'static,
    {
        self.run_blocking(context, move |i| i.store.read(f).map_err(E::from))
    }

    /// As [`Inner::write`], off the caller's thread on the core's runtime; dashboard watchers
    /// are told once the write is committed.
    fn write_blocking<T, I, E>(
        self: &Arc<Self>,
        context: &'static str,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, I> + Send + 'static,
    ) -> Call<T, E>
    where
        T: Send + 'static,
        I: From<StoreError>,
        E: From<I> + PublicError + Send + 'static,
    {
        self.run_blocking(context, move |i| {
            let out = i.store.write(f).map_err(E::from);
            if out.is_ok() {
                i.changed();
            }
            out
        })
    }
}

/// Forwards every link event to the change signal (the events themselves are the link's).
#[derive(Debug)]
struct LinkChanges(tokio::sync::watch::Sender<u64>);

impl LinkListener for LinkChanges {
    fn on_event(&self, _: LinkEvent) -> Result<(), ListenerError> {
        self.0.send_modify(|n| *n = n.wrapping_add(1));
        Ok(())
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
    /// Opens Thecal with its data in the folder `dir` (created if needed), keeping its secrets
    /// (private keys) in `secrets`, the platform's key store. Off the caller's thread.
    ///
    /// # Errors
    /// [`OpenError::InvalidInput`] for an unknown time zone, [`OpenError::NewerVersion`] for
    /// data from a newer app, or a storage error.
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub async fn open(
        dir: String,
        config: ThecalConfig,
        secrets: Box<dyn SecretStore>,
    ) -> Result<Arc<Self>, OpenError> {
        let secrets: Arc<dyn SecretStore> = Arc::from(secrets);
        // The open runs on the new object's own runtime, whose blocking thread the calls after it
        // (the first dashboard) reuse: through the bindings a fresh thread per call costs an app
        // about a millisecond more each time.
        let runtime = LazyRuntime::default();
        let rt = guard("opening Thecal", || Ok::<_, OpenError>(runtime.handle()))?;
        guard_blocking(&rt, "opening Thecal", move || {
            Self::open_on(
                Path::new(&dir),
                &config,
                Arc::new(SystemClock),
                secrets,
                runtime,
            )
        })
        .await
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

    /// The FHIR export and import, and the encrypted backups.
    #[must_use]
    pub fn export(&self) -> Arc<Export> {
        Arc::new(Export::new(Arc::clone(&self.inner)))
    }

    /// The local notifications to schedule with the OS (reminders, refill, MRI check, battery).
    #[must_use]
    pub fn notifications(&self) -> Arc<Notifications> {
        Arc::new(Notifications::new(Arc::clone(&self.inner)))
    }

    /// Everything the home screen shows, computed now. Fast with years of data.
    ///
    /// # Errors
    /// A storage error.
    pub async fn dashboard(&self) -> Result<Dashboard, PumpError> {
        self.inner.dashboard_at(self.inner.now()).await
    }

    /// Keeps `listener` up to date with the dashboard: it receives it at once, then again
    /// whenever anything it shows changes (and at least every minute while the data ages). Keep
    /// the returned handle; cancelling or dropping it releases the listener.
    ///
    /// # Errors
    /// A storage error.
    pub async fn watch_dashboard(
        &self,
        listener: Box<dyn DashboardListener>,
    ) -> Result<Arc<Subscription>, PumpError> {
        self.inner
            .run_blocking("watching the dashboard", move |i| {
                Ok(i.watch_dashboard(Arc::from(listener)))
            })
            .await
    }

    /// How many dashboard listeners are registered now: for the apps' tests and leak checks.
    #[must_use]
    pub fn dashboard_watcher_count(&self) -> u32 {
        self.inner.dashboard_watchers.load(Ordering::SeqCst)
    }

    /// The patient's time zone, as configured.
    #[must_use]
    pub fn time_zone(&self) -> String {
        self.inner.zone.name().to_owned()
    }

    /// A forecast date in words, in the patient's zone, at the precision its range supports:
    /// the wording of the dashboard's key dates ("around 12 March 2027 (between 10 and 14
    /// March)", "around March 2030 (between January and May 2030)").
    #[must_use]
    pub fn describe_date_range(&self, range: DateRange) -> String {
        let t = Texts::or_english(self.inner.language.get(), Domain::Dashboard);
        describe_range(&range, self.inner.now(), self.inner.zone, &t)
    }

    /// Sets the language of every text the core words (alarms, forecasts, recovery guidance,
    /// notifications) from the phone's preferred locales, most preferred first (Android's
    /// `LocaleList`, iOS's `Locale.preferredLanguages`): the first one Thecal speaks, else
    /// English. Returns the language chosen. Call it at start and when the phone's language
    /// changes; the dashboard's watchers follow at their next update.
    pub fn set_languages(&self, preferred: Vec<String>) -> Language {
        let language = Language::negotiate(&preferred);
        self.inner.language.set(language);
        self.inner.changed();
        language
    }

    /// The language texts are shown in now.
    #[must_use]
    pub fn language(&self) -> Language {
        self.inner.language.get()
    }

    /// A home-screen text by its key in `core/locales/<lang>/dashboard.ftl` (`section-reservoir`,
    /// `last-reading`…), with its arguments, in the current language: the words the apps'
    /// screens share with the terminal demo. An argument that is a whole number is passed as a
    /// number (so plurals follow the language); an unknown key comes back as itself.
    #[must_use]
    pub fn text(&self, key: String, args: std::collections::HashMap<String, String>) -> String {
        let t = Texts::or_english(self.inner.language.get(), Domain::Dashboard);
        let args: Vec<(&str, crate::l10n::FluentValue<'_>)> = args
            .iter()
            .map(|(k, v)| {
                let value = v
                    .parse::<i64>()
                    .map_or_else(|_| v.as_str().into(), Into::into);
                (k.as_str(), value)
            })
            .collect();
        t.format(&key, &args)
    }

    /// An alarm in words (name, priority, what to do) in the current language, as the
    /// dashboard's alarms carry it; for a notification raised from a live event.
    #[must_use]
    pub fn alarm_text(&self, kind: AlarmKind, priority: AlarmPriority) -> AlarmText {
        alarm_text(kind, priority, self.inner.language.get())
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
        secrets: Arc<dyn SecretStore>,
    ) -> Result<Arc<Self>, OpenError> {
        Self::open_on(dir, config, clock, secrets, LazyRuntime::default())
    }

    fn open_on(
        dir: &Path,
        config: &ThecalConfig,
        clock: Arc<dyn Clock>,
        secrets: Arc<dyn SecretStore>,
        runtime: LazyRuntime,
    ) -> Result<Arc<Self>, OpenError> {
        let zone = parse_time_zone("time_zone", &config.time_zone)?;
        let store = Arc::new(Store::open_in_dir(dir)?);
        // Private keys an older version kept in the file go to the key store now; if it is not
        // available (a locked phone), the next open tries again.
        if let Err(e) = crate::card::keys::move_legacy_private_keys(&store, secrets.as_ref()) {
            tracing::warn!(error = %e, "clinic keys not yet moved to the key store");
        }
        let link = Arc::new(crate::link::Link::new(
            Arc::clone(&store),
            Arc::clone(&clock),
        ));
        Ok(Arc::new(Self {
            inner: Arc::new(Inner {
                store,
                clock,
                zone,
                language: Arc::new(LanguageSetting::new(Language::English)),
                freshness: config.freshness.unwrap_or_default(),
                link,
                secrets,
                runtime,
                changes: tokio::sync::watch::channel(0).0,
                link_changes: std::sync::OnceLock::new(),
                dashboard_watchers: Arc::new(AtomicU32::new(0)),
                deletion: crate::erasure::Progress::default(),
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

// Caregiver alerts, and deleting everything.
#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Thecal {
    /// Deletes everything Thecal keeps for this person: on the caregiver relay (each paired
    /// device is told, then the relay deletes this phone's mailbox), the private keys in the
    /// key store, and the data folder's files. The link to the pump is stopped first. Through
    /// `http` (the app's HTTP stack; none: the relay is reported as not reached). A relay that
    /// cannot be reached does not stop the rest: the report says what stays there. Afterwards
    /// every call of this object fails; opening the folder again starts afresh. Backups the
    /// person saved elsewhere are theirs and are not touched. If a file cannot be removed, the
    /// error names it; calling again removes what is left, and the report then tells all of it
    /// (the relay's part and the keys done by the first call).
    ///
    /// # Errors
    /// [`DeletionError::KeyStoreUnavailable`] (nothing on this phone deleted yet: try again
    /// unlocked), or a storage error naming the file that could not be removed.
    pub async fn delete_all_my_data(
        &self,
        http: Option<Box<dyn crate::alerts::http::HttpClient>>,
    ) -> Result<crate::erasure::DeletionReport, DeletionError> {
        let inner = Arc::clone(&self.inner);
        let http: Option<Arc<dyn crate::alerts::http::HttpClient>> = http.map(Arc::from);
        self.inner
            .run_async::<_, _, DeletionError>("deleting all the data", async move {
                inner.link.stop().await;
                crate::erasure::delete_all(
                    Arc::clone(&inner.store),
                    Arc::clone(&inner.secrets),
                    http,
                    Arc::clone(&inner.clock),
                    &inner.deletion,
                )
                .await
            })
            .await
    }

    /// Caregiver alerts, through the app's HTTP stack `http` (the core carries none).
    #[must_use]
    pub fn caregivers(&self, http: Box<dyn crate::alerts::http::HttpClient>) -> Arc<Caregivers> {
        Arc::new(Caregivers::new(Arc::clone(&self.inner), Arc::from(http)))
    }
}
