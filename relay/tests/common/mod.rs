//! Test support: a PostgreSQL cluster in a temporary folder, relay processes, and the
//! environments the suite runs against (SQLite with one relay; PostgreSQL with two).
#![allow(dead_code, missing_docs, clippy::missing_panics_doc)]

pub mod mocks;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use thecal_relay::client::{Client, Device};
use thecal_relay::clock::FileClock;

/// The time every test starts at (the protocol vectors' time).
pub const T0: i64 = 1_795_000_000;

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn pg_bin() -> PathBuf {
    if let Ok(p) = std::env::var("THECAL_PG_BIN") {
        return PathBuf::from(p);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path().join("bin"))
                .filter(|p| p.join("initdb").exists())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found.pop().unwrap_or_else(|| {
        panic!("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: run `bash tests/toolchains.sh relay` (apt package postgresql)")
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}

/// A PostgreSQL cluster in a temporary folder on a free loopback port, stopped on drop.
/// initdb refuses to run as root: then the cluster runs as `nobody` (via `runuser`).
pub struct PgCluster {
    dir: tempfile::TempDir,
    pub port: u16,
    bin: PathBuf,
    as_nobody: bool,
}

impl PgCluster {
    pub fn start() -> Self {
        let bin = pg_bin();
        let dir = tempfile::Builder::new()
            .prefix("thecal-pg-")
            .tempdir()
            .expect("tempdir");
        let as_nobody = is_root();
        if as_nobody {
            let out = Command::new("id")
                .args(["-u", "nobody"])
                .output()
                .expect("id nobody");
            let uid: u32 = String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse()
                .expect("nobody uid");
            let out = Command::new("id")
                .args(["-g", "nobody"])
                .output()
                .expect("id nobody");
            let gid: u32 = String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse()
                .expect("nobody gid");
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).expect("chown cluster dir");
        }
        let port = free_port();
        let c = Self {
            dir,
            port,
            bin,
            as_nobody,
        };
        let data = c.data();
        let ok = c
            .cmd("initdb")
            .args([
                "-D",
                &data,
                "-U",
                "thecal",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ])
            .stdout(Stdio::null())
            .status()
            .expect("run initdb");
        assert!(ok.success(), "initdb failed");
        c.pg_ctl_start();
        c
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn cmd(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        if self.as_nobody {
            let mut c = Command::new("runuser");
            c.args(["-u", "nobody", "--"]).arg(exe);
            c.current_dir(self.dir.path());
            c
        } else {
            Command::new(exe)
        }
    }

    fn pg_ctl_start(&self) {
        let opts = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c max_connections=300",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("pg.log").display().to_string();
        let ok = self
            .cmd("pg_ctl")
            .args([
                "-D",
                &self.data(),
                "-l",
                &log,
                "-w",
                "-t",
                "60",
                "-o",
                &opts,
                "start",
            ])
            .stdout(Stdio::null())
            .status()
            .expect("run pg_ctl start");
        assert!(ok.success(), "pg_ctl start failed; see {log}");
    }

    pub fn stop(&self) {
        let _ = self
            .cmd("pg_ctl")
            .args(["-D", &self.data(), "-m", "fast", "-w", "stop"])
            .stdout(Stdio::null())
            .status();
    }

    /// Restarts the server (fast shutdown: open connections are cut).
    pub fn restart(&self) {
        self.stop();
        self.pg_ctl_start();
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://thecal@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates a database and returns its URL.
    pub fn create_db(&self, name: &str) -> String {
        let ok = Command::new(self.bin.join("psql"))
            .args([
                "-q",
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "thecal",
                "-d",
                "postgres",
                "-c",
            ])
            .arg(format!("CREATE DATABASE {name}"))
            .status()
            .or_else(|_| {
                Command::new("psql")
                    .args([
                        "-q",
                        "-h",
                        "127.0.0.1",
                        "-p",
                        &self.port.to_string(),
                        "-U",
                        "thecal",
                        "-d",
                        "postgres",
                        "-c",
                    ])
                    .arg(format!("CREATE DATABASE {name}"))
                    .status()
            })
            .expect("psql");
        assert!(ok.success(), "CREATE DATABASE failed");
        self.url(name)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = self
            .cmd("pg_ctl")
            .args(["-D", &self.data(), "-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// A relay process.
pub struct RelayProc {
    child: Option<Child>,
    pub port: u16,
    args: Vec<String>,
    log: PathBuf,
}

impl RelayProc {
    /// Starts `thecal-relay --listen 127.0.0.1:PORT ARGS...` and waits until it listens.
    pub fn start(port: u16, args: &[String], log: &Path) -> Self {
        let mut p = Self {
            child: None,
            port,
            args: args.to_vec(),
            log: log.to_owned(),
        };
        p.spawn();
        p
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_thecal-relay"))
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", self.port))
            .args(&self.args)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("spawn thecal-relay");
        let stdout = child.stdout.take().expect("stdout");
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
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                panic!("relay did not start; log:\n{log}")
            });
        assert!(
            line.starts_with("listening on"),
            "unexpected first line: {line}"
        );
        self.child = Some(child);
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// kill -9.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM, then waits for the exit; returns whether it exited by itself within `limit`.
    pub fn terminate(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let mut c = self.child.take()?;
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(c.id().to_string())
            .status();
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(s)) = c.try_wait() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = c.kill();
        let _ = c.wait();
        None
    }

    pub fn restart(&mut self) {
        self.kill9();
        self.spawn();
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for RelayProc {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Which store the suite runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, one relay process.
    Sqlite,
    /// PostgreSQL, two relay processes on one database.
    Postgres,
}

/// A running test environment: relays (one or two), a shared controlled clock, maybe PostgreSQL.
pub struct Env {
    pub relays: Vec<RelayProc>,
    pub clock_file: PathBuf,
    pub dir: tempfile::TempDir,
    pub pg: Option<PgCluster>,
    pub http: reqwest::Client,
    pub backend: Backend,
}

impl Env {
    pub fn start(backend: Backend, extra: &[&str]) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("thecal-relay-test-")
            .tempdir()
            .expect("tempdir");
        let clock_file = dir.path().join("clock");
        std::fs::write(&clock_file, T0.to_string()).expect("clock");
        let mut common: Vec<String> = vec![
            "--test-clock-file".into(),
            clock_file.display().to_string(),
            "--tick-ms".into(),
            "50".into(),
            "--sweep-s".into(),
            "1".into(),
            "--unifiedpush-allow-http".into(),
        ];
        common.extend(extra.iter().map(|s| (*s).to_owned()));
        let (relays, pg) = match backend {
            Backend::Sqlite => {
                let mut args = common.clone();
                args.extend([
                    "--data".into(),
                    dir.path().join("data").display().to_string(),
                ]);
                (
                    vec![RelayProc::start(
                        free_port(),
                        &args,
                        &dir.path().join("relay0.log"),
                    )],
                    None,
                )
            }
            Backend::Postgres => {
                let pg = PgCluster::start();
                let url = pg.create_db("relay");
                let mut args = common.clone();
                args.extend(["--postgres".into(), url, "--pg-pool".into(), "8".into()]);
                let a = RelayProc::start(free_port(), &args, &dir.path().join("relay0.log"));
                let b = RelayProc::start(free_port(), &args, &dir.path().join("relay1.log"));
                (vec![a, b], Some(pg))
            }
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("http");
        Self {
            relays,
            clock_file,
            dir,
            pg,
            http,
            backend,
        }
    }

    /// The relay URL for the i-th client: with two relays, alternate.
    pub fn url(&self, i: usize) -> String {
        self.relays[i % self.relays.len()].url()
    }

    pub fn now(&self) -> i64 {
        std::fs::read_to_string(&self.clock_file)
            .expect("clock")
            .trim()
            .parse()
            .expect("clock")
    }

    pub fn set_time(&self, t: i64) {
        let tmp = self.clock_file.with_extension("tmp");
        std::fs::write(&tmp, t.to_string()).expect("clock");
        std::fs::rename(&tmp, &self.clock_file).expect("clock");
    }

    pub fn advance(&self, s: i64) {
        self.set_time(self.now() + s);
    }

    /// A client of relay `i` (mod the number of relays) for `device`, signing with the test clock.
    pub fn client(&self, i: usize, device: Device) -> Client {
        Client::new(
            self.http.clone(),
            &self.url(i),
            device,
            Arc::new(FileClock(self.clock_file.clone())),
        )
    }

    /// A client with a fresh device whose mailbox is open.
    pub async fn device(&self, i: usize) -> Client {
        let c = self.client(i, Device::random());
        let r = c.open().await.expect("open");
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        c
    }

    /// `/metrics` of relay `i`, one counter.
    pub async fn counter(&self, i: usize, name: &str) -> u64 {
        let text = self
            .http
            .get(format!("{}/metrics", self.url(i)))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        text.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|r| r.trim().parse().ok()))
            .unwrap_or(0)
    }
}
