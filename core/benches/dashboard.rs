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
use thecal_core::model::{
    AlarmKind, AlarmPriority, AlarmState, Concentration, DailyDose, Drug, HistoryDetail,
    HistoryEvent, ManualClock, UtcDateTime, Volume,
};
use thecal_core::pump::sim::{SimConfig, SimPump};
use thecal_core::pump::{DRIVERS, PumpDriver};
use thecal_core::store::{self, PumpSettings, RefillEntry, Store};
use thecal_core::{Thecal, ThecalConfig};

const YEARS: i64 = 5;
const READINGS: i64 = YEARS * 365 * 288;
const ALARMS: u32 = 1_000;
const REFILLS: usize = 60;
const SAMPLES: usize = 300;

fn start() -> UtcDateTime {
    chrono::Utc.with_ymd_and_hms(2021, 6, 1, 0, 0, 0).unwrap()
}

fn seed(dir: &Path) -> (String, UtcDateTime) {
    let store = Store::open_in_dir(dir).expect("store");
    let mut sim = SimPump::new(SimConfig::implanted(2024, start()));
    sim.set_subscribed(false);
    let info = sim.device_info();
    let serial = info.serial.clone();
    let features = sim.features();
    let driver: &dyn PumpDriver = *DRIVERS
        .iter()
        .find(|d| d.matches_features(&features))
        .expect("driver");
    let caps = driver.capabilities(&features);
    store
        .write(|tx| {
            store::upsert_pump(tx, &info, start())?;
            store::set_pump_settings(tx, &serial, &PumpSettings::from_capabilities(&caps))
        })
        .expect("pump");
    let mut seen = 0;
    let mut t = start();
    let per_day = 288;
    for _ in 0..READINGS / per_day {
        store
            .write(|tx| {
                for _ in 0..per_day {
                    t += chrono::Duration::minutes(5);
                    sim.advance_to(t);
                    store::insert_reading(tx, &serial, &sim.status_reading())?;
                    for e in sim
                        .history()
                        .filter(|e| e.sequence > seen)
                        .cloned()
                        .collect::<Vec<_>>()
                    {
                        seen = e.sequence;
                        store::insert_event(tx, &serial, &e, t)?;
                    }
                }
                Ok(())
            })
            .expect("a day");
    }
    // Top up to the benchmark's counts with alarm pairs (raised, later cleared) and refills
    // entered by hand, spread over the five years.
    let alarms_now: u32 = store
        .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM alarms", [], |r| r.get(0))?))
        .expect("count");
    let span = (t - start()).num_minutes();
    store
        .write(|tx| {
            let mut seq = seen;
            for i in 0..ALARMS.saturating_sub(alarms_now) {
                let at =
                    start() + chrono::Duration::minutes(span * i64::from(i) / i64::from(ALARMS));
                for (state, dt) in [(AlarmState::Raised, 0), (AlarmState::Cleared, 90)] {
                    seq += 1;
                    let raised = if state == AlarmState::Raised {
                        seq
                    } else {
                        seq - 1
                    };
                    let e = HistoryEvent {
                        sequence: seq,
                        pump_time: at + chrono::Duration::minutes(dt),
                        detail: HistoryDetail::Alarm {
                            kind: AlarmKind::ClockError,
                            priority: AlarmPriority::Low,
                            state,
                            raised_sequence: raised,
                        },
                    };
                    store::insert_event(tx, &serial, &e, at)?;
                }
            }
            let refills_now = store::refill_log(tx, &serial, 1_000)?.len();
            for i in 0..REFILLS.saturating_sub(refills_now) {
                let at = start()
                    + chrono::Duration::minutes(span * i64::try_from(i).unwrap_or(0) / 60 + 7);
                let entry = RefillEntry {
                    at,
                    volume_before: Some(Volume::from_milliliters(3)),
                    volume_after: info.reservoir_capacity,
                    drug: Drug::Morphine,
                    concentration: Concentration::from_mg_per_ml(25),
                    daily_dose: DailyDose {
                        micrograms_per_day: 5_000,
                    },
                    place: None,
                };
                store::record_refill(tx, &serial, &entry, t)?;
            }
            Ok(())
        })
        .expect("top-up");
    (serial, t)
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
        let thecal = Thecal::open_with_clock(&dir, &config, clock.clone()).expect("open");
        let d = thecal.dashboard().expect("dashboard");
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
