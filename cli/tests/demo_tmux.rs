//! The interactive dashboard, driven as a person would in a real terminal: tmux runs
//! `thecal demo`, `send-keys` types, `capture-pane` reads the screen.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code: a failed unwrap is a failed test.

use std::process::Command;
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(60);

struct Session(String);

impl Session {
    fn start(name: &str, command: &str) -> Self {
        let status = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                name,
                "-x",
                "120",
                "-y",
                "40",
                command,
            ])
            .env("TERM", "xterm-256color")
            .status()
            .expect("tmux is installed (tests/toolchains.sh installs it)");
        assert!(status.success(), "tmux could not start the demo");
        Self(name.to_owned())
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.0])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &str) {
        assert!(
            Command::new("tmux")
                .args(["send-keys", "-t", &self.0, keys])
                .status()
                .unwrap()
                .success()
        );
    }

    fn alive(&self) -> bool {
        Command::new("tmux")
            .args(["has-session", "-t", &self.0])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Polls the screen of the external process until `want` holds (bounded by a deadline).
    fn wait_for(&self, what: &str, want: impl Fn(&str) -> bool) -> String {
        let until = Instant::now() + DEADLINE;
        loop {
            let screen = self.screen();
            if want(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < until,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .stderr(std::process::Stdio::null())
            .status();
    }
}

#[test]
fn the_live_dashboard_connects_shows_the_pump_reconnects_and_quits() {
    let bin = env!("CARGO_BIN_EXE_thecal");
    let name = format!("thecal-demo-{}", std::process::id());
    // Each test its own data folder: the demo empties its folder at start.
    let dir = tempfile::tempdir().unwrap();
    let s = Session::start(
        &name,
        &format!(
            "{bin} demo --lang en --history-days 200 --speed 600 --db {}",
            dir.path().display()
        ),
    );
    let screen = s.wait_for("the pump connected through btleplug", |t| {
        t.contains("Link: Connected")
            && t.contains("btleplug over BlueZ")
            && t.contains("Reservoir")
    });
    assert!(screen.contains("Battery"), "{screen}");
    assert!(
        screen.contains("mL"),
        "the reservoir shows a volume: {screen}"
    );

    // Raise a fault at the pump: it shows as a HIGH alarm.
    s.keys("f");
    s.wait_for("the catheter alarm", |t| {
        t.contains("HIGH") && t.contains("Catheter problem")
    });
    // Acknowledge it in the app.
    s.keys("a");
    s.wait_for("the acknowledgement", |t| t.contains("acknowledged"));
    // Drop the link: it is lost, then comes back on its own.
    s.keys("d");
    s.wait_for("the link lost", |t| t.contains("link lost"));
    s.wait_for("the link back", |t| t.contains("Link: Connected"));
    // Quit.
    s.keys("q");
    let until = Instant::now() + DEADLINE;
    while s.alive() {
        assert!(
            Instant::now() < until,
            "the demo did not quit:\n{}",
            s.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_dashboard_in_french_and_in_arabic_right_to_left() {
    let bin = env!("CARGO_BIN_EXE_thecal");
    let dir = tempfile::tempdir().unwrap();
    let fr = Session::start(
        &format!("thecal-demo-fr-{}", std::process::id()),
        &format!(
            "{bin} demo --lang fr --history-days 60 --speed 600 --db {}",
            dir.path().display()
        ),
    );
    fr.wait_for("the French dashboard", |t| {
        t.contains("Liaison\u{a0}: Connectée") && t.contains("Réservoir") && t.contains("Pile")
    });
    fr.keys("f");
    // The live event line can show the alarm a moment before the alarms pane does: wait for
    // the pane's advice line.
    let screen = fr.wait_for("the alarm's advice in the French dashboard", |t| {
        t.contains("Problème de cathéter") && t.contains("⚑ Problème de cathéter")
    });
    // Its advice is a safety text no clinician has reviewed in French: shown in English, with
    // the note in French.
    assert!(
        screen.contains("The medicine may not be reaching your spine"),
        "{screen}"
    );
    assert!(
        screen.contains("Pas encore vérifié dans votre langue"),
        "{screen}"
    );
    fr.keys("q");
    drop(fr);

    let dir = tempfile::tempdir().unwrap();
    let ar = Session::start(
        &format!("thecal-demo-ar-{}", std::process::id()),
        &format!(
            "{bin} demo --lang ar --history-days 60 --speed 600 --db {}",
            dir.path().display()
        ),
    );
    let joined = |t: &str| t.chars().any(|c| ('\u{fe70}'..='\u{feff}').contains(&c));
    let screen = ar.wait_for("the Arabic dashboard", |t| {
        t.contains("SIM-IT40") && t.contains("btleplug over BlueZ") && joined(t)
    });
    let lines: Vec<&str> = screen.lines().collect();
    // Right to left: the title sits at the right of the top border, the pump's line ends at
    // the right edge, and the letters are drawn in their joined forms.
    assert!(lines[0].trim_end().ends_with("Thecal ┐"), "{screen}");
    assert!(
        lines[1].trim_end().ends_with("Thecal Simulated Pumps│"),
        "{screen}"
    );
    ar.keys("f");
    let screen = ar.wait_for("the alarm's advice", |t| {
        t.contains("The medicine may not be reaching your spine.")
    });
    // The English advice keeps its full stop at its end inside the right-to-left line.
    assert!(screen.contains("watch for withdrawal signs. :"), "{screen}");
    ar.keys("q");
}

#[test]
fn once_json_prints_one_snapshot_through_btleplug() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_thecal"))
        .args(["demo", "--once", "--json", "--history-days", "120", "--db"])
        .arg(dir.path())
        .output()
        .expect("the demo runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}: {stderr}", out.status);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["transport"], "btleplug over BlueZ");
    assert_eq!(v["link_state"], "Connected");
    assert_eq!(v["freshness"], "Fresh");
    assert!(v["reservoir"]["volume"]["microliters"].as_u64().is_some());
    assert!(
        v["pump"]["serial"]
            .as_str()
            .is_some_and(|s| s.starts_with("SIM-IT-"))
    );
}

#[test]
fn once_json_with_strangers_nearby_prints_the_paired_pump_only() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_thecal"))
        .args([
            "demo",
            "--once",
            "--json",
            "--strangers",
            "5",
            "--history-days",
            "30",
            "--db",
        ])
        .arg(dir.path())
        .output()
        .expect("the demo runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}: {stderr}", out.status);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["link_state"], "Connected");
    // The paired pump's identity, though a stranger reports the same serial and two advertise
    // it as their name.
    assert_eq!(v["paired"]["ble_identity"], "C0:FF:EE:00:00:07");
    assert_eq!(v["pump"]["serial"], v["paired"]["serial"]);
    // The simulated BlueZ was asked to connect to the paired pump and to no other.
    assert_eq!(v["connected_to"], serde_json::json!(["C0:FF:EE:00:00:07"]));
    assert!(v["radio"]["scans"].as_u64().is_some_and(|n| n >= 1));
}

#[test]
fn among_strangers_the_paired_pump_goes_away_and_comes_back() {
    let bin = env!("CARGO_BIN_EXE_thecal");
    let name = format!("thecal-demo-away-{}", std::process::id());
    let dir = tempfile::tempdir().unwrap();
    let s = Session::start(
        &name,
        &format!(
            "{bin} demo --lang en --strangers 5 --history-days 60 --speed 60 --db {}",
            dir.path().display()
        ),
    );
    s.wait_for("the paired pump connected", |t| {
        t.contains("Link: Connected") && t.contains("radio on")
    });
    s.keys("p");
    s.wait_for("the pump out of range", |t| {
        t.contains("Link: your pump is out of range")
    });
    s.keys("p");
    let screen = s.wait_for("the pump back", |t| t.contains("Link: Connected"));
    assert!(screen.contains("serial SIM-IT-"), "{screen}");
    s.keys("q");
}
