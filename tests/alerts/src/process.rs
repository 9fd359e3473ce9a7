//! The relay as its own process: the built `thecal-relay` binary, its SQLite store in a temporary
//! folder, its time read from a file the test writes (`--test-clock-file`), its log (stderr) kept
//! in a file. Tests kill it with `SIGKILL` and start it again on the same folder and port.
//!
//! The binary is built with `cargo build -p thecal-relay --bin thecal-relay` the first time a
//! test needs it (a no-op when it is up to date; the workspace test run has built it already);
//! `THECAL_RELAY_BIN` names a built binary instead.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use crate::World;

/// The `thecal-relay` binary, built if needed.
///
/// # Panics
/// If it cannot be built (a test bed failure).
#[must_use]
pub fn relay_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(bin) = std::env::var_os("THECAL_RELAY_BIN") {
            return PathBuf::from(bin);
        }
        let out = Command::new(env!("CARGO"))
            .args([
                "build",
                "--quiet",
                "-p",
                "thecal-relay",
                "--bin",
                "thecal-relay",
                "--message-format=json",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stderr(Stdio::inherit())
            .output()
            .expect("cargo runs");
        assert!(out.status.success(), "building thecal-relay failed");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "thecal-relay")
            .find_map(|m| m["executable"].as_str().map(PathBuf::from))
            .expect("cargo names the thecal-relay executable")
    })
    .clone()
}

/// A `thecal-relay` process on a loopback port (killed when dropped).
pub struct RelayProcess {
    /// Its base URL (`http://127.0.0.1:PORT`).
    pub base: String,
    /// Its folder: `data/` (the SQLite store and its WAL), `clock`, `relay.log`.
    pub dir: tempfile::TempDir,
    /// The `RUST_LOG` it runs with.
    log_filter: String,
    child: Option<Child>,
}

impl RelayProcess {
    /// Starts a relay on a free loopback port, its clock at `world`'s time, logging at `info`.
    ///
    /// # Panics
    /// If it does not start (a test bed failure).
    #[must_use]
    pub fn start(world: &World) -> Self {
        Self::start_logging(world, "info")
    }

    /// As [`RelayProcess::start`], with `RUST_LOG=filter` (`trace`: everything).
    ///
    /// # Panics
    /// If it does not start (a test bed failure).
    #[must_use]
    pub fn start_logging(world: &World, filter: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("thecal-relay-process-")
            .tempdir()
            .expect("relay folder");
        let mut relay = Self {
            base: String::new(),
            dir,
            log_filter: filter.to_owned(),
            child: None,
        };
        relay.set_clock(world);
        relay.spawn("127.0.0.1:0");
        relay
    }

    /// Its data folder.
    #[must_use]
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Writes `world`'s time to the file the relay reads its time from.
    ///
    /// # Panics
    /// If the file cannot be written.
    pub fn set_clock(&self, world: &World) {
        let file = self.dir.path().join("clock");
        let tmp = file.with_extension("new");
        std::fs::write(&tmp, world.now_s().to_string()).expect("clock file");
        std::fs::rename(&tmp, &file).expect("clock file");
    }

    /// Moves `world`'s time forward, and the relay's with it.
    pub fn advance(&self, world: &World, by: Duration) {
        world.advance(by);
        self.set_clock(world);
    }

    fn spawn(&mut self, listen: &str) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("relay.log"))
            .expect("log file");
        let mut child = Command::new(relay_binary())
            .arg("--listen")
            .arg(listen)
            .arg("--data")
            .arg(self.data())
            .arg("--test-clock-file")
            .arg(self.dir.path().join("clock"))
            .args(["--tick-ms", "50", "--unifiedpush-allow-http"])
            .env("RUST_LOG", &self.log_filter)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("thecal-relay starts");
        // It prints "listening on ADDR" once it accepts connections: no waiting by the clock.
        let stdout = child.stdout.take().expect("its stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(l)) = lines.next() {
                let _ = tx.send(l);
            }
            for _ in lines {}
        });
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| {
                let _ = child.kill();
                panic!("the relay did not start; its log:\n{}", self.log())
            });
        let addr = line
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line}"));
        self.base = format!("http://{addr}");
        self.child = Some(child);
    }

    /// Kills it with `SIGKILL` (nothing flushed, nothing closed) and waits for it to be gone.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill(); // SIGKILL on Unix
            let _ = c.wait();
        }
    }

    /// Starts it again on the same data folder and port (after [`RelayProcess::kill9`]).
    ///
    /// # Panics
    /// If it does not start.
    pub fn restart(&mut self) {
        self.kill9();
        let listen = self.host().to_owned();
        self.spawn(&listen);
    }

    /// Its host as an invitation names it (`127.0.0.1:PORT`).
    #[must_use]
    pub fn host(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// Its log (stderr) so far.
    #[must_use]
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("relay.log")).unwrap_or_default()
    }

    /// Every file of its data folder (the database, its WAL, the shared-memory index), each
    /// with its bytes.
    #[must_use]
    pub fn stored_files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        files(&self.data())
    }
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}

fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if let Ok(b) = std::fs::read(e.path()) {
                out.push((e.path(), b));
            }
        }
    }
    out.sort();
    out
}
