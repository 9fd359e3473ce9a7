//! The cold dashboard call against its floor, over five years of data.
//!
//! Seeds (once, cached under target/bench-data) five years as every benchmark means it
//! (`common`): 525,600 status readings at 5-minute intervals, 1,000 alarms, 60 refills, 9,000
//! pain entries and 3,000 medication doses. Then, in one run and interleaved so both see the
//! same machine:
//! - floor: open the database file and read one indexed row (the newest reading);
//! - dashboard: `Thecal::open` + `dashboard()` (everything the home screen shows).
//!
//! Run: `cargo bench -p thecal-core --bench dashboard` (budget: the dashboard within 2x the floor)

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use thecal_core::model::ManualClock;
use thecal_core::store;
use thecal_core::{Thecal, ThecalConfig};

const SAMPLES: usize = 300;

fn median_and_p90(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    (v[v.len() / 2], v[v.len() * 9 / 10])
}

fn main() {
    let common::FiveYears { dir, serial, end } = common::five_years();
    let db = dir.join(store::DB_FILE);
    println!("data folder: {}", dir.display());
    let [readings, alarms, refills, pains, doses] = common::counts(&dir);
    println!(
        "data: {readings} readings, {alarms} alarms, {refills} refills, {pains} pain entries, {doses} medication doses"
    );

    let clock = Arc::new(ManualClock::new(end + chrono::Duration::minutes(2)));
    let config = ThecalConfig {
        time_zone: "Europe/Paris".into(),
        ..ThecalConfig::default()
    };
    let secrets = thecal_sim::fixtures::MemorySecretStore::new();
    // The API's futures run on any executor; the caller's is a plain current-thread one.
    let caller = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let (mut floor, mut dash) = (Vec::with_capacity(SAMPLES), Vec::with_capacity(SAMPLES));
    for i in 0..SAMPLES + 20 {
        let t0 = Instant::now();
        let c = rusqlite::Connection::open(&db).expect("open");
        let at: i64 = c
            .query_row(
                "SELECT taken_at_ms FROM readings WHERE pump_id = 1 ORDER BY taken_at_ms DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .expect("row");
        std::hint::black_box(at);
        drop(c);
        let f = t0.elapsed();
        let t1 = Instant::now();
        let thecal =
            Thecal::open_with_clock(&dir, &config, clock.clone(), secrets.clone()).expect("open");
        let d = caller.block_on(thecal.dashboard()).expect("dashboard");
        std::hint::black_box(&d);
        let e = t1.elapsed();
        drop(thecal);
        if i == 0 {
            assert_eq!(
                d.pump.as_ref().map(|p| p.serial.as_str()),
                Some(serial.as_str())
            );
            assert!(d.reservoir.is_some() && d.battery.is_some());
            assert!(
                d.last_pain.is_some(),
                "the diary rows are part of the five years"
            );
            assert!(d.pain_week.iter().any(|b| b.pain.is_some()));
        }
        if i >= 20 {
            floor.push(f);
            dash.push(e);
        }
    }
    let (fm, f90) = median_and_p90(floor);
    let (dm, d90) = median_and_p90(dash);
    println!(
        "floor (open + one indexed row):      median {:>8.3} ms   p90 {:>8.3} ms",
        fm.as_secs_f64() * 1e3,
        f90.as_secs_f64() * 1e3
    );
    println!(
        "dashboard (Thecal::open + dashboard): median {:>8.3} ms   p90 {:>8.3} ms",
        dm.as_secs_f64() * 1e3,
        d90.as_secs_f64() * 1e3
    );
    println!(
        "ratio (median): {:.2}x   (budget: <= 2x the floor)",
        dm.as_secs_f64() / fm.as_secs_f64()
    );
}
