//! Delivery latency of caregiver alerts over loopback: from the patient's core raising a pump
//! alarm's alert (sealed, stored in the outbox, posted) to the caregiver's core having it opened
//! and stored, the caregiver's phone waiting on the relay with a long poll as the app does.
//!
//! Run: `cargo run --release -p thecal-alerts-tests --bin alert-latency [-- N]` (default 100).

use std::time::Instant;

use thecal_alerts_tests::{TestRelay, World, paired};
use thecal_core::alerts::NewAlert;
use thecal_core::alerts::messages::{AlertCategory, AlertPriority};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (patient, carer) = paired(&world, &relay).await;
    let carer = std::sync::Arc::new(carer);
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let waiting = {
            let carer = std::sync::Arc::clone(&carer);
            tokio::spawn(async move {
                loop {
                    let r = carer.session.sync(25).await.expect("the caregiver's read");
                    if !r.alerts.is_empty() {
                        return Instant::now();
                    }
                }
            })
        };
        tokio::task::yield_now().await;
        let t0 = Instant::now();
        patient
            .session
            .raise(NewAlert {
                category: AlertCategory::PumpAlarm,
                priority: AlertPriority::High,
                title: "Pump alarm".into(),
                body: format!("Alarm {i}"),
            })
            .await
            .expect("raised");
        let arrived = waiting.await.expect("the caregiver's task");
        times.push(arrived.duration_since(t0));
    }
    times.sort();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    println!(
        "{n} alerts, raise -> stored on the caregiver's phone (long poll, loopback): median {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(times[n / 2]),
        ms(times[(n * 99 / 100).min(n - 1)]),
        ms(times[n - 1])
    );
    assert_eq!(carer.session.inbox().expect("inbox").len(), n);
}
