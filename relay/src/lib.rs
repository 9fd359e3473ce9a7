//! # thecal-relay
//!
//! The caregiver relay of Thecal: mailboxes of ciphertext addressed by public-key ids, requests
//! signed by each device's Ed25519 key, push through APNs, FCM and UnifiedPush, the phone-silent
//! notice, and time-released escalation envelopes that an acknowledgement cancels. It stores
//! nothing personal and cannot read what it carries. The protocol is `docs/alerts-protocol.md`;
//! the HTTP API is `docs/openapi/relay.yaml`; how to run and deploy it is `relay/README.md`.
//!
//! ```text
//! cargo run -p thecal-relay -- --listen 127.0.0.1:8484 --data DIR        # SQLite, one process
//! cargo run -p thecal-relay -- --listen 127.0.0.1:8484 --postgres URL    # PostgreSQL, many
//! ```

pub mod api;
pub mod client;
pub mod clock;
pub mod error;
pub mod metrics;
pub use thecal_proto as proto;
pub mod push;
pub mod store;
pub mod waiters;

use crate::clock::Clock;
use crate::error::StoreError;
use crate::metrics::Metrics;
use crate::push::{PushConfig, Pusher};
use crate::store::Store;
use crate::waiters::Waiters;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// The relay's limits (docs/alerts-protocol.md §11).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest envelope, bytes.
    pub max_envelope: usize,
    /// Largest request body, bytes.
    pub max_body: usize,
    /// Most pending items in one mailbox.
    pub mailbox_depth: u32,
    /// Furthest `expires_at`, seconds ahead.
    pub max_ttl_s: i64,
    /// Longest long-poll, seconds.
    pub max_wait_s: u32,
    /// Longest invitation, seconds.
    pub max_invitation_s: i64,
    /// Furthest escalation release, seconds ahead.
    pub max_release_ahead_s: i64,
    /// Allowed clock difference of a signed request, seconds.
    pub clock_skew_s: i64,
    /// How long a nonce is remembered, seconds.
    pub nonce_ttl_s: i64,
    /// Requests per second per device key (sustained).
    pub rate_per_s: f64,
    /// Burst per device key.
    pub rate_burst: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_envelope: 65_536,
            max_body: 98_304,
            mailbox_depth: 1_000,
            max_ttl_s: 14 * 86_400,
            max_wait_s: 30,
            max_invitation_s: 3_600,
            max_release_ahead_s: 7 * 86_400,
            clock_skew_s: 300,
            nonce_ttl_s: 600,
            rate_per_s: 50.0,
            rate_burst: 200.0,
        }
    }
}

/// Where the relay keeps its data.
#[derive(Debug, Clone)]
pub enum StoreConfig {
    /// SQLite in this folder.
    Sqlite(PathBuf),
    /// PostgreSQL at this URL, with this many pooled connections.
    Postgres {
        /// `postgres://user@host:port/db`.
        url: String,
        /// Pool size.
        pool: usize,
    },
}

/// Everything the relay needs to run.
#[derive(Clone)]
pub struct Config {
    /// The store.
    pub store: StoreConfig,
    /// Limits.
    pub limits: Limits,
    /// Push senders.
    pub push: PushConfig,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// How often background work runs.
    pub tick: Duration,
    /// How often expired rows are swept.
    pub sweep_every: Duration,
}

/// Why the relay could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The store could not be opened.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The push senders could not be set up.
    #[error("push: {0}")]
    Push(#[from] push::PushSetupError),
}

/// A running relay: the HTTP state plus the background workers.
pub struct Relay {
    state: api::AppState,
    pusher: Arc<Pusher>,
    sweep_every: Duration,
    tick: Duration,
}

impl Relay {
    /// Opens the store and prepares the senders.
    pub async fn open(cfg: Config) -> Result<Self, StartError> {
        let waiters = Arc::new(Waiters::default());
        let store = match &cfg.store {
            StoreConfig::Sqlite(dir) => {
                let dir = dir.clone();
                let w = Arc::clone(&waiters);
                let s =
                    tokio::task::spawn_blocking(move || store::sqlite::SqliteStore::open(&dir, w))
                        .await
                        .map_err(|e| StoreError::Join(e.to_string()))??;
                Store::Sqlite(Arc::new(s))
            }
            StoreConfig::Postgres { url, pool } => Store::Postgres(Arc::new(
                store::postgres::PgStore::open(url, *pool, waiters).await?,
            )),
        };
        let pusher = Arc::new(Pusher::new(&cfg.push)?);
        let state = api::AppState {
            store,
            clock: cfg.clock,
            rate: Arc::new(api::RateLimiter::new(
                cfg.limits.rate_per_s,
                cfg.limits.rate_burst,
            )),
            limits: cfg.limits,
            metrics: Arc::new(Metrics::default()),
            push_nudge: Arc::new(Notify::new()),
            unifiedpush_allow_http: cfg.push.unifiedpush_allow_http,
        };
        Ok(Self {
            state,
            pusher,
            sweep_every: cfg.sweep_every,
            tick: cfg.tick,
        })
    }

    /// The HTTP router.
    pub fn router(&self) -> axum::Router {
        api::router(self.state.clone())
    }

    /// The counters.
    #[must_use]
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.state.metrics
    }

    /// The store.
    #[must_use]
    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// One round of background work at the clock's current time: release due escalations, make
    /// phone-silent notices, send due pushes. Tests call it directly; [`Relay::serve`] runs it
    /// every tick.
    pub async fn tick(&self) -> Result<(), StoreError> {
        let s = &self.state;
        let now = s.clock.now();
        loop {
            let n = s
                .store
                .release_due(now, s.limits.mailbox_depth, 100)
                .await?;
            Metrics::add(&s.metrics.escalations_released, n);
            if n > 0 {
                Metrics::add(&s.metrics.envelopes_accepted, n);
                s.push_nudge.notify_one();
            }
            if n < 100 {
                break;
            }
        }
        let n = s.store.heartbeats_due(now, s.limits.max_ttl_s, 100).await?;
        if n > 0 {
            tracing::info!(notices = n, "phone-silent notices made");
            Metrics::add(&s.metrics.notices_sent, n);
        }
        self.push_round().await?;
        Ok(())
    }

    /// Sends the pushes that are due; returns how many jobs it took.
    pub async fn push_round(&self) -> Result<usize, StoreError> {
        let s = &self.state;
        let now = s.clock.now();
        let jobs = s.store.claim_push_jobs(now, 60, 64).await?;
        let n = jobs.len();
        let sends = jobs.into_iter().map(|job| {
            let pusher = Arc::clone(&self.pusher);
            let store = s.store.clone();
            let metrics = Arc::clone(&s.metrics);
            async move {
                let (result, sent) = pusher.send(&job, now).await;
                Metrics::add(
                    if sent {
                        &metrics.pushes_sent
                    } else {
                        &metrics.pushes_failed
                    },
                    1,
                );
                store.finish_push(&job, result).await
            }
        });
        for r in futures::future::join_all(sends).await {
            r?;
        }
        Ok(n)
    }

    /// Deletes expired rows in batches until none is left.
    pub async fn sweep(&self) -> Result<(), StoreError> {
        let s = &self.state;
        loop {
            let swept = s.store.sweep(s.clock.now(), 1_000).await?;
            Metrics::add(&s.metrics.envelopes_expired, swept.expired_unread);
            if swept.rows < 1_000 {
                return Ok(());
            }
        }
    }

    /// Serves on `listener` until `shutdown` resolves, then stops taking requests, ends the
    /// long-polls, finishes the requests it accepted and closes the store.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        Arc::new(self).serve_shared(listener, shutdown).await
    }

    /// As [`Relay::serve`], for a relay the caller also keeps a handle to (tests run a round
    /// of [`Relay::tick`] at a time they choose).
    pub async fn serve_shared(
        self: Arc<Self>,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let this = self;
        let worker = tokio::spawn(Arc::clone(&this).background());
        let pusher = tokio::spawn(Arc::clone(&this).push_loop());
        let waiters = Arc::clone(this.state.store.waiters());
        let app = this.router();
        let result = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                shutdown.await;
                tracing::info!("shutting down: finishing accepted requests");
                waiters.shutdown();
            })
            .await;
        worker.abort();
        pusher.abort();
        let _ = worker.await;
        let _ = pusher.await;
        this.state.store.close().await;
        tracing::info!("stopped");
        result
    }

    async fn background(self: Arc<Self>) {
        let mut last_sweep = tokio::time::Instant::now();
        loop {
            if let Err(e) = self.tick().await {
                tracing::warn!(error = %e, "background work failed; retrying next tick");
            }
            if last_sweep.elapsed() >= self.sweep_every {
                last_sweep = tokio::time::Instant::now();
                if let Err(e) = self.sweep().await {
                    tracing::warn!(error = %e, "sweep failed");
                }
            }
            tokio::time::sleep(self.tick).await;
        }
    }

    async fn push_loop(self: Arc<Self>) {
        loop {
            let notified = self.state.push_nudge.notified();
            match self.push_round().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "push round failed"),
            }
            tokio::select! {
                () = notified => {}
                () = tokio::time::sleep(self.tick) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::store::{Heartbeat, ItemBody};

    #[tokio::test]
    async fn ticks_make_one_phone_silent_notice_per_silence() {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(1_000);
        let relay = Relay::open(Config {
            store: StoreConfig::Sqlite(dir.path().to_owned()),
            limits: Limits::default(),
            push: PushConfig::default(),
            clock: Arc::new(clock.clone()),
            tick: Duration::from_secs(1),
            sweep_every: Duration::from_secs(10),
        })
        .await
        .unwrap();
        let s = relay.store();
        let (patient, carer) = (proto::MailboxId([1; 16]), proto::MailboxId([2; 16]));
        s.open_mailbox(patient, 1_000).await.unwrap();
        s.open_mailbox(carer, 1_000).await.unwrap();
        let hb = Heartbeat {
            interval_s: 60,
            grace_s: 0,
            watchers: vec![carer],
        };
        assert_eq!(
            s.set_heartbeat(patient, hb, 1_000, 86_400).await.unwrap(),
            Some(1_060)
        );
        clock.set(1_059);
        relay.tick().await.unwrap();
        assert!(s.fetch(carer, 1_059, 10).await.unwrap().is_empty());
        clock.set(1_060);
        relay.tick().await.unwrap();
        relay.tick().await.unwrap();
        let got = s.fetch(carer, 1_060, 10).await.unwrap();
        assert_eq!(got.len(), 1);
        let ItemBody::Notice(n) = &got[0].body else {
            panic!("a notice")
        };
        assert!(n.contains("phone_silent"));
        clock.advance(3_600);
        relay.tick().await.unwrap();
        assert_eq!(
            s.fetch(carer, clock.now(), 10).await.unwrap().len(),
            1,
            "one notice per silence"
        );
        assert_eq!(
            relay
                .metrics()
                .notices_sent
                .load(std::sync::atomic::Ordering::Relaxed),
            1
        );
    }
}
