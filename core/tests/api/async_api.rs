//! The API as the apps' coroutines and tasks use it: every call that touches the disk is async
//! and runs off the caller's thread; many calls at once are safe; the dashboard watch delivers
//! the dashboard, then each change, and releases its listener when cancelled.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::TimeZone;
use thecal_core::dashboard::{Dashboard, DashboardListener};
use thecal_core::diary::PainInput;
use thecal_core::link::ListenerError;
use thecal_core::model::{Author, UtcDateTime};
use thecal_core::{Thecal, ThecalConfig};
use thecal_sim::fixtures::{MemorySecretStore, open};

use crate::block_on;

fn now() -> UtcDateTime {
    chrono::Utc
        .with_ymd_and_hms(2026, 11, 25, 20, 0, 0)
        .unwrap()
}

fn pain(minutes_ago: i64, score: u8) -> PainInput {
    PainInput {
        at: now() - chrono::Duration::minutes(minutes_ago),
        score,
        inventory: None,
        interference: None,
        location: None,
        note: None,
    }
}

#[test]
fn open_is_async_and_runs_on_any_executor() {
    let dir = tempfile::tempdir().unwrap();
    // A plain futures executor, not tokio: what UniFFI's Kotlin and Swift glue resemble.
    let thecal = futures::executor::block_on(Thecal::open(
        dir.path().to_string_lossy().into_owned(),
        ThecalConfig::default(),
        Box::new(MemorySecretStore::new()),
    ))
    .unwrap();
    let list = futures::executor::block_on(thecal.pumps().list()).unwrap();
    assert!(list.is_empty());
    let bad = futures::executor::block_on(Thecal::open(
        dir.path().to_string_lossy().into_owned(),
        ThecalConfig {
            time_zone: "Mars/Olympus".into(),
            ..ThecalConfig::default()
        },
        Box::new(MemorySecretStore::new()),
    ));
    assert!(
        matches!(bad, Err(thecal_core::OpenError::InvalidInput { ref field, .. }) if field == "time_zone")
    );
}

#[test]
fn fifty_concurrent_calls_are_all_kept() {
    let f = open("Europe/Paris", now());
    let diary = f.thecal.diary();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    let ids: Vec<i64> = rt.block_on(async {
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let diary = Arc::clone(&diary);
                tokio::spawn(async move {
                    let score = u8::try_from(i % 11).unwrap();
                    let added = diary
                        .add_pain(pain(i, score), Author::Patient)
                        .await
                        .unwrap();
                    // Reads interleave with the writes.
                    let _ = diary
                        .pain_entries(now() - chrono::Duration::days(1), now())
                        .await
                        .unwrap();
                    added.id
                })
            })
            .collect();
        let mut ids = Vec::new();
        for t in tasks {
            ids.push(t.await.unwrap());
        }
        ids
    });
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 50);
    let until = now() + chrono::Duration::minutes(1);
    let stored = block_on(diary.pain_entries(now() - chrono::Duration::days(1), until)).unwrap();
    assert_eq!(stored.len(), 50);
}

/// Forwards each dashboard to a channel; counts how many listeners are alive.
#[derive(Debug)]
struct Collect {
    tx: Mutex<Sender<Dashboard>>,
    /// Counts the references to this listener: the test checks the core keeps none.
    _alive: Arc<()>,
}

impl DashboardListener for Collect {
    fn on_dashboard(&self, dashboard: Dashboard) -> Result<(), ListenerError> {
        let _ = self.tx.lock().unwrap().send(dashboard);
        Ok(())
    }
}

fn next(rx: &Receiver<Dashboard>) -> Dashboard {
    rx.recv_timeout(Duration::from_secs(20))
        .expect("a dashboard within the deadline")
}

#[test]
fn the_dashboard_watch_sends_the_dashboard_then_each_change_and_releases_its_listener() {
    let f = open("Europe/Paris", now());
    let (tx, rx) = channel();
    let alive = Arc::new(());
    let listener = Box::new(Collect {
        tx: Mutex::new(tx),
        _alive: Arc::clone(&alive),
    });
    let sub = block_on(f.thecal.watch_dashboard(listener)).unwrap();
    assert_eq!(f.thecal.dashboard_watcher_count(), 1);
    let first = next(&rx);
    assert!(first.last_pain.is_none());
    block_on(f.thecal.diary().add_pain(pain(5, 7), Author::Patient)).unwrap();
    // The pain entry shows in a dashboard sent after the write (another change the watch saw
    // meanwhile, such as the link's first state, may send one before it).
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let second = loop {
        let d = next(&rx);
        if d.last_pain.is_some() || std::time::Instant::now() > deadline {
            break d;
        }
    };
    assert_eq!(second.last_pain.map(|p| p.value.score), Some(7));
    sub.cancel();
    assert_eq!(f.thecal.dashboard_watcher_count(), 0);
    assert_eq!(
        Arc::strong_count(&alive),
        1,
        "once cancelled, the core holds no reference to the listener"
    );
}
