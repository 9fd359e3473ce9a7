//! `thecal caregiver demo --once --json` against a real relay on loopback: the simulated patient's
//! pump alarm reaches the caregiver, and the patient's phone shows her acknowledgement.

use std::process::Command;

use thecal_alerts_tests::TestRelay;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_pairs_sends_a_pump_alarm_and_shows_the_acknowledgement() {
    let relay = TestRelay::start_real_time().await;
    let base = relay.base.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_thecal"))
            .args(["caregiver", "demo", "--relay", &base, "--once", "--json"])
            .output()
            .expect("the CLI runs")
    })
    .await
    .expect("joined");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["safety_number"].as_str().map(str::len), Some(29));
    let rounds = v["rounds"].as_array().expect("rounds");
    assert_eq!(rounds.len(), 1, "--once");
    let r = &rounds[0];
    assert_eq!(r["caregiver_received"]["priority"], "high");
    assert_eq!(r["caregiver_received"]["from"], "Mum");
    assert!(
        r["caregiver_received"]["body"]
            .as_str()
            .is_some_and(|b| b.contains("motor stopped")),
        "{r}"
    );
    assert_eq!(r["patient_sees"][0]["caregiver"], "Anna");
    assert!(r["patient_sees"][0]["acknowledged_at"].is_string(), "{r}");
    relay.stop().await;
}
