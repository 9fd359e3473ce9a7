//! How fast the simulated pump runs a whole life: implanted pumps advanced in daily steps over
//! seven years with no phone subscribed, as the backtests drive them.
//!
//! `cargo run --release -p thecal-sim --example pumps_per_second [-- PUMPS]`

use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use thecal_sim::{LinkProfile, SimConfig, SimPump};

fn main() {
    let pumps: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000);
    let Some(start) = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).single() else {
        return;
    };
    for (name, link) in [
        ("caller (no phone connected)", LinkProfile::Caller),
        ("A1 (hourly link)", LinkProfile::Hourly),
    ] {
        let started = Instant::now();
        let mut events = 0;
        for seed in 0..pumps {
            let mut config = SimConfig::implanted(seed, start);
            config.link = link;
            let mut pump = SimPump::new(config);
            pump.set_subscribed(false);
            for day in 1..=(7 * 365) {
                pump.advance_to(start + Duration::days(day));
            }
            events += pump.history().count();
        }
        let secs = started.elapsed().as_secs_f64();
        #[allow(clippy::cast_precision_loss)]
        let n = pumps as f64;
        println!(
            "{name}: {pumps} pumps × 7 years in daily steps: {secs:.2} s, {:.0} pumps/s, {:.2} ms \
             per pump ({events} history events)",
            n / secs,
            1000.0 * secs / n
        );
    }
}
