//! The cold dashboard call against its floor, over five years of data.
//!
//! Seeds (once, cached under target/bench-data) a store with 5 years of a simulated implanted
//! pump: 525,600 status readings at 5-minute intervals, 1,000 alarms and 60 refills. Then, in
//! one run and interleaved so both see the same machine:
//! - floor: open the database file and read one indexed row (the newest reading);
//! - dashboard: `Thecal::open` + `dashboard()` (everything the home screen shows).
//!
//! Run: `cargo bench -p thecal-core --bench dashboard`

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::TimeZone;
use thecal_core::model::{ManualClock, UtcDateTime};
use thecal_core::store::{self, Store};
use thecal_core::{Thecal, ThecalConfig};
use thecal_sim::fixtures::{PumpYears, seed_pump};

const YEARS: i64 = 5;
const SAMPLES: usize = 300;

fn start() -> UtcDateTime {
    chrono::Utc.with_ymd_and_hms(2021, 6, 1, 0, 0, 0).unwrap()
}

/// Five years of a simulated implanted pump (the shared fixture every benchmark uses).
fn seed(dir: &Path) -> (String, UtcDateTime) {
    let store = Store::open_in_dir(dir).expect("store");
    seed_pump(&store, PumpYears::five_years(start())).expect("seeding five years")
}

fn data_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    target
        .join("bench-data")
        .join(format!("dashboard-{YEARS}y-v{}", store::schema_version()))
}

fn median_and_p90(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    (v[v.len() / 2], v[v.len() * 9 / 10])
}

fn main() {
    let dir = data_dir();
    let marker = dir.join("seeded");
    let (serial, end) = if marker.exists() {
        let text = std::fs::read_to_string(&marker).expect("marker");
        let (serial, end) = text.split_once('\n').expect("marker format");
        (
            serial.to_owned(),
            chrono::DateTime::parse_from_rfc3339(end.trim())
                .expect("time")
                .to_utc(),
        )
    } else {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("bench dir");
        let t0 = Instant::now();
        let (serial, end) = seed(&dir);
        std::fs::write(&marker, format!("{serial}\n{}\n", end.to_rfc3339())).expect("marker");
        eprintln!("seeded 5 years in {:.1} s", t0.elapsed().as_secs_f64());
        (serial, end)
    };
    let db = dir.join(store::DB_FILE);
    let counts: (i64, i64, i64) = {
        let c = rusqlite::Connection::open(&db).expect("db");
        let n = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0)).expect("count");
        (
            n("SELECT COUNT(*) FROM readings"),
            n("SELECT COUNT(*) FROM alarms"),
            n("SELECT COUNT(*) FROM refills"),
        )
    };
    println!(
        "data: {} readings, {} alarms, {} refills",
        counts.0, counts.1, counts.2
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
        "ratio (median): {:.2}x   (targets: <= 3x the floor, <= 5 ms)",
        dm.as_secs_f64() / fm.as_secs_f64()
    );
}
