//! Crash safety: the writer process (`crash-writer`) is killed with `SIGKILL` at random moments,
//! and after each kill:
//! - every write the API reported as committed (diary and medication entries, refills, card
//!   edits; readings, alarms and history events the link published) is in the store;
//! - `PRAGMA integrity_check` says `ok`;
//! - the app opens;
//! - the link resumes from the right history mark: every pump event up to the stored mark is
//!   stored, the pump is asked for the records after that mark, and once it has answered the
//!   store has every event the pump holds, each once.
//!
//! Trials run in chains of ten on one data folder (each writer carries on where the killed one
//! stopped, as an app restarted after a crash does). `THECAL_CRASH_TRIALS` sets the number of
//! trials: 100 by default (CI), 1,000 for the long run:
//!
//! ```sh
//! THECAL_CRASH_TRIALS=1000 cargo nextest run -p thecal-hardening --test crash --no-capture
//! ```
//! `THECAL_CRASH_SEED` replays a run (each run prints its seed).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code: a failed unwrap is a failed test.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use thecal_core::model::ManualClock;
use thecal_core::pump::{self, HistoryOp, profile};
use thecal_core::store::StoreError;
use thecal_core::therapy::db as therapy_db;
use thecal_core::{Thecal, ThecalConfig};
use thecal_hardening::journal::Committed;
use thecal_hardening::{block_on, fast_link, pair_unless_paired, restore_bond, script};
use thecal_sim::InProcessTransport;
use thecal_sim::fixtures::{MemorySecretStore, collector};

const CHAIN: usize = 10;
const DEADLINE: Duration = Duration::from_secs(30);

#[test]
fn nothing_reported_committed_is_lost_when_the_app_is_killed() {
    let trials: usize = std::env::var("THECAL_CRASH_TRIALS")
        .ok()
        .map_or(100, |v| v.parse().expect("THECAL_CRASH_TRIALS is a number"));
    let seed: u64 = std::env::var("THECAL_CRASH_SEED")
        .ok()
        .map_or_else(|| fastrand::u64(..), |v| v.parse().expect("a number"));
    println!("crash trials: {trials}, seed {seed} (THECAL_CRASH_SEED={seed} replays them)");
    let mut rng = fastrand::Rng::with_seed(seed);
    let started = Instant::now();
    let (mut writes, mut killed_before_ready) = (0, 0);
    let mut trial = 0;
    while trial < trials {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let journal = dir.path().join("journal");
        let mut first = 0;
        for _ in 0..CHAIN.min(trials - trial) {
            trial += 1;
            let early = rng.u8(..5) == 0;
            let delay = if early {
                Duration::from_millis(rng.u64(0..25))
            } else {
                Duration::from_millis(rng.u64(0..300))
            };
            let ready_before = Committed::read(&journal).unwrap().ready;
            run_and_kill(&data, &journal, first, early, delay);
            let c = Committed::read(&journal).unwrap();
            if c.ready == ready_before {
                killed_before_ready += 1;
            }
            writes = c.writes();
            let last = check(&data, &c, trial);
            first = last.map_or(first, |l| l + 1);
        }
    }
    println!(
        "{trials} trials in {:.1} s ({killed_before_ready} killed while opening or connecting), no loss; last chain's writes: {writes}",
        started.elapsed().as_secs_f64()
    );
}

/// Starts the writer at step `first`; kills it `delay` after it started (`early`) or after it
/// said it was ready.
fn run_and_kill(data: &Path, journal: &Path, first: u64, early: bool, delay: Duration) {
    // The killed writer may have left half a line: the next one starts on a line of its own.
    if let Ok(text) = std::fs::read_to_string(journal) {
        let whole = text.rfind('\n').map_or(0, |i| i + 1);
        if whole < text.len() {
            std::fs::write(journal, &text[..whole]).unwrap();
        }
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_crash-writer"))
        .arg(data)
        .arg(journal)
        .arg(first.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the writer starts");
    let t0 = Instant::now();
    if !early {
        let lines_before = std::fs::read_to_string(journal).unwrap_or_default().len();
        loop {
            let text = std::fs::read_to_string(journal).unwrap_or_default();
            if text[lines_before.min(text.len())..].contains("ready 0") {
                break;
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("the writer exited on its own ({status}) before it was ready");
            }
            if t0.elapsed() > DEADLINE {
                child.kill().unwrap();
                let tail: String = text.lines().rev().take(5).collect::<Vec<_>>().join(" | ");
                panic!("the writer (from step {first}) never got ready; journal ends: {tail}");
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

/// Checks the data folder after a kill; returns the last step the writer began.
fn check(data: &Path, c: &Committed, trial: usize) -> Option<u64> {
    let db = data.join(thecal_core::store::DB_FILE);
    if !db.exists() {
        assert_eq!(c.writes(), 0, "trial {trial}: writes reported, no file");
        return c.last_step;
    }
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let verdict: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(verdict, "ok", "trial {trial}: integrity_check");
    }
    let last = c.last_step.unwrap_or(0);
    let clock = Arc::new(ManualClock::new(script::time_of(last + 1)));
    let thecal = Thecal::open_with_clock(
        data,
        &ThecalConfig::default(),
        clock.clone(),
        MemorySecretStore::new(),
    )
    .unwrap_or_else(|e| panic!("trial {trial}: the app opens after the kill: {e}"));

    // Every write reported as committed is there.
    let far = script::start() + chrono::Duration::days(3650);
    let early = script::start() - chrono::Duration::days(1);
    let diary = thecal.diary();
    let pains: BTreeSet<i64> = block_on(diary.pain_entries(early, far))
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    for (id, step) in &c.pain {
        assert!(
            pains.contains(id),
            "trial {trial}: pain entry {id} (step {step}) lost"
        );
    }
    let meds: BTreeSet<i64> = block_on(diary.medications(early, far))
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    for (id, step) in &c.medication {
        assert!(
            meds.contains(id),
            "trial {trial}: dose {id} (step {step}) lost"
        );
    }
    let serial = script::pump().pump().serial();
    if !c.refills.is_empty() {
        let refills: BTreeSet<i64> = block_on(thecal.pumps().refill_log(serial.clone(), 100_000))
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect();
        for id in &c.refills {
            assert!(refills.contains(id), "trial {trial}: refill {id} lost");
        }
    }
    if let Some(reported) = c.card {
        let card = block_on(thecal.card().get()).unwrap().expect("the card");
        let phone = card.emergency_contact.expect("a contact").phone;
        let saved =
            (reported..=last).filter(|&j| script::step(j).card && script::card_phone(j) == phone);
        assert!(
            saved.count() == 1,
            "trial {trial}: the card holds {phone:?}, not the edit of step {reported} or a later one"
        );
    }
    let (readings, stored, mark) = thecal
        .store()
        .read(|conn| {
            let readings: BTreeSet<i64> = conn
                .prepare("SELECT taken_at_ms FROM readings")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let stored = stored_sequences(conn)?;
            let mark = therapy_db::history_synced_through(conn, &serial).ok();
            Ok::<_, StoreError>((readings, stored, mark))
        })
        .unwrap();
    for r in &c.readings {
        assert!(
            readings.contains(r),
            "trial {trial}: reading at {r} ms lost"
        );
    }
    for s in c.events.iter().chain(&c.alarms) {
        assert!(stored.contains(s), "trial {trial}: pump event {s} lost");
    }

    // The link resumes from the stored mark: the pump (rebuilt as the writer left it) is asked
    // for what follows the mark, and the store ends with every event it holds.
    let transport = script::pump();
    for i in 0..=last {
        script::pump_step(&transport, i);
    }
    let pump_sequences: Vec<u32> = transport.pump().history_sequences();
    if let Some(mark) = mark {
        for s in pump_sequences.iter().filter(|&&s| s <= mark) {
            assert!(
                stored.contains(s),
                "trial {trial}: event {s} below the mark {mark} missing"
            );
        }
    }
    let (listener, _events) = collector();
    let _sub = block_on(thecal.link().subscribe(listener)).unwrap();
    restore_bond(&thecal, &transport);
    block_on(thecal.link().start_with(transport.clone(), fast_link())).unwrap();
    pair_unless_paired(&thecal, &transport);
    let newest = pump_sequences.iter().copied().max().unwrap_or(0);
    let t0 = Instant::now();
    loop {
        let now = thecal
            .store()
            .read(|conn| therapy_db::history_synced_through(conn, &serial))
            .ok();
        // Caught up, and the resumed link has asked (it asks on every connection).
        if now == Some(newest) && !history_requests(&transport).is_empty() {
            break;
        }
        assert!(
            t0.elapsed() < DEADLINE,
            "trial {trial}: the link did not catch up (mark {now:?}, pump newest {newest}; link {:?})",
            block_on(thecal.link().snapshot()).map(|s| s.state)
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    block_on(thecal.link().stop());
    let requests = history_requests(&transport);
    assert_eq!(
        requests.first().copied(),
        Some(mark.unwrap_or(0)),
        "trial {trial}: the first replay asks for what follows the stored mark"
    );
    let after = thecal.store().read(stored_sequences).unwrap();
    for s in &pump_sequences {
        assert!(
            after.contains(s),
            "trial {trial}: pump event {s} not fetched on resume"
        );
    }
    c.last_step
}

/// The sync marks the pump was asked to replay after, in order.
fn history_requests(transport: &InProcessTransport) -> Vec<u32> {
    transport
        .pump()
        .received_writes()
        .iter()
        .filter(|w| {
            !w.subscription && w.characteristic == profile::HISTORY_CONTROL_POINT.to_string()
        })
        .filter_map(|w| match pump::decode_history_request(&w.value) {
            Ok(r) => match r.op {
                HistoryOp::RecordsSince { after } => Some(after),
                HistoryOp::Abort => None,
            },
            Err(_) => None,
        })
        .collect()
}

/// Every pump event sequence in the store (unique per pump by the schema).
fn stored_sequences(conn: &rusqlite::Connection) -> Result<BTreeSet<u32>, StoreError> {
    Ok(conn
        .prepare("SELECT sequence FROM pump_events")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?)
}
