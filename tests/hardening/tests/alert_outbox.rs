//! Caregiver alerts when the patient's app is killed: the writer process (`alert-writer`, the
//! patient's phone) raises alerts through the core's alerts session to a confirmed caregiver,
//! through a real relay (the relay's own server and SQLite store on a loopback port), and is
//! killed with `SIGKILL` at random moments, then started again; it resumes sending from its
//! outbox. After each kill:
//! - `PRAGMA integrity_check` on the patient's store says `ok`;
//! - every alert the API reported as raised is in the patient's store;
//! - the caregiver's phone reads its mailbox: nothing is refused, and no alert is twice in her
//!   inbox.
//!
//! At the end the patient's phone sends what its outbox still holds, the caregiver reads the
//! rest, and every alert the patient's store holds (so every one reported raised) is in her
//! inbox exactly once, its "delivered" receipt back on the patient's phone.
//!
//! `THECAL_ALERT_TRIALS` sets the number of kills: 25 by default (CI), 500 for the long run:
//!
//! ```sh
//! THECAL_ALERT_TRIALS=500 cargo nextest run -p thecal-hardening --test alert_outbox --no-capture
//! ```
//! `THECAL_ALERT_SEED` replays the kill moments of a run (each run prints its seed).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code: a failed unwrap is a failed test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use thecal_core::alerts::Session;
use thecal_core::alerts::session::SyncReport;
use thecal_core::store::Store;
use thecal_hardening::outbox::{FileClock, KeyFolder, Raised};
use thecal_sim::fixtures::MemorySecretStore;
use thecal_sim::http::ReqwestHttp;

/// The trials' time (the clock file's), Unix seconds: Wednesday 2026-11-18T11:06:40Z.
const T0: i64 = 1_795_000_000;
const DEADLINE: Duration = Duration::from_secs(30);

#[test]
fn every_alert_reported_raised_reaches_the_caregiver_once_when_the_app_is_killed() {
    let trials: usize = std::env::var("THECAL_ALERT_TRIALS")
        .ok()
        .map_or(25, |v| v.parse().expect("THECAL_ALERT_TRIALS is a number"));
    let seed: u64 = std::env::var("THECAL_ALERT_SEED")
        .ok()
        .map_or_else(|| fastrand::u64(..), |v| v.parse().expect("a number"));
    println!("alert outbox trials: {trials}, seed {seed} (THECAL_ALERT_SEED={seed} replays them)");
    let mut rng = fastrand::Rng::with_seed(seed);
    let started = Instant::now();

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("patient");
    let keys = dir.path().join("patient-keys");
    let journal = dir.path().join("journal");
    let clock = FileClock(dir.path().join("clock"));
    clock.set(T0).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let relay = Relay::start(&rt, &dir.path().join("relay"), &clock);

    // Paired once, up front, as the two people do; the patient's phone then lives in the writer.
    let carer_dir = tempfile::tempdir().unwrap();
    let carer = session(
        Store::open_in_dir(carer_dir.path()).unwrap(),
        MemorySecretStore::new(),
        &clock,
    );
    {
        let patient = session(
            Store::open_in_dir(&data).unwrap(),
            Arc::new(KeyFolder(keys.clone())),
            &clock,
        );
        rt.block_on(pair(&patient, &carer, &relay.base));
    }

    let mut killed_before_ready = 0;
    let mut carer_duplicates = 0;
    for trial in 1..=trials {
        let early = rng.u8(..5) == 0;
        let delay = if early {
            Duration::from_millis(rng.u64(0..8))
        } else {
            Duration::from_millis(rng.u64(0..150))
        };
        let ready_before = Raised::read(&journal).unwrap().ready;
        run_and_kill(&data, &keys, &clock, &journal, early, delay);
        let raised = Raised::read(&journal).unwrap();
        if raised.ready == ready_before {
            killed_before_ready += 1;
        }

        let stored = stored_alerts(&data, trial);
        for id in &raised.alerts {
            assert!(
                stored.contains(id),
                "trial {trial}: alert {id} reported raised, not stored"
            );
        }
        // The caregiver reads what has arrived: nothing refused, nothing twice.
        carer_duplicates += drain(&rt, &carer, trial).duplicates;
        counts(&carer);
    }

    // The patient's phone, started once more after the last kill, sends what its outbox still
    // holds (an hour later: past any backoff), and the caregiver reads the rest.
    clock.set(T0 + 3_600).unwrap();
    let patient = session(
        Store::open_in_dir(&data).unwrap(),
        Arc::new(KeyFolder(keys.clone())),
        &clock,
    );
    let mut flushed = 0;
    loop {
        let n = rt.block_on(patient.send_pending()).unwrap();
        if n == 0 {
            break;
        }
        flushed += n;
    }
    assert_eq!(
        unsent(&data),
        0,
        "the outbox is empty once the relay took all"
    );
    carer_duplicates += drain(&rt, &carer, trials + 1).duplicates;

    let raised = Raised::read(&journal).unwrap();
    let stored = stored_alerts(&data, trials + 1);
    let inbox = counts(&carer);
    for id in &raised.alerts {
        assert_eq!(
            inbox.get(id),
            Some(&1),
            "alert {id} reported raised is not in the caregiver's inbox once"
        );
    }
    for id in &stored {
        assert_eq!(
            inbox.get(id),
            Some(&1),
            "alert {id} stored on the patient's phone is not in the caregiver's inbox once"
        );
    }
    assert_eq!(
        inbox.keys().cloned().collect::<BTreeSet<_>>(),
        stored,
        "the caregiver has exactly the alerts the patient's phone raised"
    );

    // The "delivered" receipts come back to the patient's phone.
    drain(&rt, &patient, trials + 2);
    for id in &stored {
        let d = patient.deliveries(id).unwrap();
        assert_eq!(d.len(), 1, "{id}: one caregiver");
        assert!(
            d[0].sent_at.is_some() && d[0].delivered_at.is_some(),
            "{id}: sent and delivered: {d:?}"
        );
    }
    if trials >= 10 {
        assert!(
            raised.resumed > 0,
            "no restarted writer had anything left in its outbox: the kills never landed \
             between an alert's storing and its sending"
        );
    }
    println!(
        "{trials} kills in {:.1} s ({killed_before_ready} while opening or resuming): {} alerts \
         reported raised, {} stored; {} envelopes resent by restarted writers, {flushed} at the \
         end, {carer_duplicates} duplicates dropped by the caregiver; each alert in her inbox once",
        started.elapsed().as_secs_f64(),
        raised.alerts.len(),
        stored.len(),
        raised.resumed,
    );
    drop(relay);
}

/// The relay's server and SQLite store, on a loopback port, until dropped.
struct Relay {
    base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Relay {
    fn start(rt: &tokio::runtime::Runtime, dir: &Path, clock: &FileClock) -> Self {
        let config = thecal_relay::Config {
            store: thecal_relay::StoreConfig::Sqlite(dir.to_owned()),
            // No limit the writer's pace could reach: the trials are about kills, not limits.
            limits: thecal_relay::Limits {
                mailbox_depth: 1_000_000,
                rate_per_s: 1e9,
                rate_burst: 1e9,
                ..thecal_relay::Limits::default()
            },
            push: thecal_relay::push::PushConfig::default(),
            clock: Arc::new(thecal_relay::clock::FileClock(clock.0.clone())),
            tick: Duration::from_secs(3_600),
            sweep_every: Duration::from_secs(3_600),
        };
        let (base, stop) = rt.block_on(async {
            let relay = thecal_relay::Relay::open(config)
                .await
                .expect("the relay opens");
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            tokio::spawn(relay.serve(listener, async {
                let _ = stopped.await;
            }));
            (base, stop)
        });
        Self {
            base,
            stop: Some(stop),
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn session(
    store: Store,
    secrets: Arc<dyn thecal_core::store::SecretStore>,
    clock: &FileClock,
) -> Session {
    Session::new(
        Arc::new(store),
        secrets,
        Arc::new(ReqwestHttp::new()),
        Arc::new(clock.clone()),
    )
}

/// Pairs the two phones through the relay at `base`, confirmed on both sides.
async fn pair(patient: &Session, carer: &Session, base: &str) {
    let invitation = patient.invite(base).await.expect("invite");
    let seen = carer
        .accept(&invitation.qr_text, None, "Mum")
        .await
        .expect("accept");
    let report = patient.sync(0).await.expect("the hello");
    let carer_mailbox = report.paired[0];
    patient.rename(carer_mailbox, "Anna").expect("rename");
    patient.confirm(carer_mailbox).expect("confirm");
    carer.confirm(seen.bundle.mailbox()).expect("confirm");
}

/// Starts the writer; kills it `delay` after it started (`early`) or after it said it was ready.
fn run_and_kill(
    data: &Path,
    keys: &Path,
    clock: &FileClock,
    journal: &Path,
    early: bool,
    delay: Duration,
) {
    // The killed writer may have left half a line: the next one starts on a line of its own.
    if let Ok(text) = std::fs::read_to_string(journal) {
        let whole = text.rfind('\n').map_or(0, |i| i + 1);
        if whole < text.len() {
            std::fs::write(journal, &text[..whole]).unwrap();
        }
    }
    let ready_before = Raised::read(journal).unwrap().ready;
    let mut child = Command::new(env!("CARGO_BIN_EXE_alert-writer"))
        .arg(data)
        .arg(keys)
        .arg(&clock.0)
        .arg(journal)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the writer starts");
    let t0 = Instant::now();
    if !early {
        while Raised::read(journal).unwrap().ready == ready_before {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("the writer exited on its own ({status}) before it was ready");
            }
            if t0.elapsed() > DEADLINE {
                child.kill().unwrap();
                panic!("the writer never got ready");
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    std::thread::sleep(delay);
    if let Some(status) = child.try_wait().unwrap() {
        panic!("the writer exited on its own ({status}): it must run until killed");
    }
    child.kill().expect("SIGKILL"); // std's kill is SIGKILL on Unix
    child.wait().unwrap();
}

/// Checks the patient's store after a kill; returns the ids of the alerts it holds.
fn stored_alerts(data: &Path, trial: usize) -> BTreeSet<String> {
    let conn = rusqlite::Connection::open(data.join(thecal_core::store::DB_FILE)).unwrap();
    let verdict: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(verdict, "ok", "trial {trial}: integrity_check");
    conn.prepare("SELECT alert_id FROM alerts_raised")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Envelopes in the patient's outbox the relay has not taken.
fn unsent(data: &Path) -> i64 {
    rusqlite::Connection::open(data.join(thecal_core::store::DB_FILE))
        .unwrap()
        .query_row(
            "SELECT count(*) FROM alert_outbox WHERE sent_at_ms IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// Reads the phone's mailbox until it is empty; nothing may be refused (an envelope replayed
/// with a used sequence number, or damaged). Returns the reads' sum.
fn drain(rt: &tokio::runtime::Runtime, phone: &Session, trial: usize) -> SyncReport {
    let mut total = SyncReport::default();
    loop {
        let r = rt.block_on(phone.sync(0)).unwrap();
        assert_eq!(r.refused, 0, "trial {trial}: envelopes refused: {r:?}");
        assert_eq!(r.too_new, 0, "trial {trial}: {r:?}");
        total.received += r.received;
        total.duplicates += r.duplicates;
        total.receipts += r.receipts;
        total.alerts.extend(r.alerts);
        if r.received + r.duplicates == 0 {
            return total;
        }
    }
}

/// The caregiver's inbox: how many times each alert is in it (never more than once).
fn counts(carer: &Session) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for a in carer.inbox().unwrap() {
        *counts.entry(a.alert_id).or_insert(0) += 1;
    }
    for (id, n) in &counts {
        assert_eq!(*n, 1, "alert {id} is {n} times in the caregiver's inbox");
    }
    counts
}
