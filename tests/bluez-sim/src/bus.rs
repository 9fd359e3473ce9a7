//! A private `dbus-daemon` for one test process: its own config, socket and policy in a temporary
//! directory. The machine's real system bus is never touched.

use std::path::{Path, PathBuf};
use std::process::Command;

use rustix::process::{Pid, Signal, kill_process};

use crate::error::BusError;

/// The environment variable libdbus (and so btleplug) reads the system bus address from.
pub const SYSTEM_BUS_ENV: &str = "DBUS_SYSTEM_BUS_ADDRESS";

const DAEMON: &str = "dbus-daemon";

/// A running private `dbus-daemon`. Dropping it stops the daemon and removes its directory.
#[derive(Debug)]
pub struct PrivateBus {
    address: String,
    pid: Pid,
    dir: tempfile::TempDir,
}

impl PrivateBus {
    /// Start a private bus: a `custom`-type `dbus-daemon` listening on a unix socket in a fresh
    /// temporary directory, EXTERNAL authentication, a policy that allows everything.
    ///
    /// # Errors
    /// [`BusError`] when the directory or config cannot be made, `dbus-daemon` is missing, or it
    /// fails to start.
    pub fn start() -> Result<Self, BusError> {
        let dir = tempfile::Builder::new()
            .prefix("thecal-bus-")
            .tempdir()
            .map_err(BusError::TempDir)?;
        let socket = dir.path().join("bus.sock");
        let config = dir.path().join("bus.conf");
        std::fs::write(&config, config_text(&socket)).map_err(BusError::Config)?;

        // With --fork the daemon prints its address and PID once it is ready, and the parent exits:
        // `output()` returns when the bus can take connections.
        let out = Command::new(DAEMON)
            .arg(format!("--config-file={}", config.display()))
            .args(["--fork", "--print-address=1", "--print-pid=1", "--nosyslog"])
            .output()
            .map_err(|source| BusError::Spawn {
                program: DAEMON.to_owned(),
                source,
            })?;
        if !out.status.success() {
            return Err(BusError::Daemon {
                status: out.status.to_string(),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            });
        }
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let (address, pid) = parse_output(&stdout).ok_or(BusError::Output(stdout.clone()))?;
        Ok(Self { address, pid, dir })
    }

    /// The bus address, e.g. `unix:path=/tmp/thecal-bus-XXXX/bus.sock,guid=…`.
    #[must_use]
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The daemon's process id.
    #[must_use]
    pub fn pid(&self) -> i32 {
        self.pid.as_raw_nonzero().get()
    }

    /// The temporary directory holding the socket and config.
    #[must_use]
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Point this process's system bus at this bus by setting `DBUS_SYSTEM_BUS_ADDRESS`.
    ///
    /// libdbus reads that variable once per process, at the first system-bus connection (the first
    /// `btleplug::platform::Manager::new()`): call this before it, and use one bus per process.
    ///
    /// # Errors
    /// [`BusError::AlreadyExported`] when the variable already holds another bus's address.
    ///
    /// # Safety
    /// Setting an environment variable races with any other thread reading or writing the
    /// environment. Call it while no other thread does (e.g. first thing in a test that runs
    /// alone in its process).
    pub unsafe fn export_as_system_bus(&self) -> Result<(), BusError> {
        if let Ok(current) = std::env::var(SYSTEM_BUS_ENV)
            && current != self.address
        {
            return Err(BusError::AlreadyExported(current));
        }
        // SAFETY: the caller guarantees no other thread touches the environment now.
        unsafe { std::env::set_var(SYSTEM_BUS_ENV, &self.address) };
        Ok(())
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        // The daemon was forked away from us, so it is not our child: stop it by its PID. An error
        // means it is already gone.
        let _ = kill_process(self.pid, Signal::TERM);
    }
}

fn config_text(socket: &Path) -> String {
    format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>thecal-private</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
"#,
        xml_escape(socket)
    )
}

fn xml_escape(path: &Path) -> String {
    let mut out = String::new();
    for c in PathBuf::from(path).display().to_string().chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

fn parse_output(stdout: &str) -> Option<(String, Pid)> {
    let mut lines = stdout.lines().map(str::trim).filter(|l| !l.is_empty());
    let address = lines.next()?.to_owned();
    if !address.starts_with("unix:") {
        return None;
    }
    let pid: i32 = lines.next()?.parse().ok()?;
    Some((address, Pid::from_raw(pid)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_address_then_pid() {
        let (addr, pid) = parse_output("unix:path=/tmp/x/bus.sock,guid=ab\n4242\n").unwrap();
        assert_eq!(addr, "unix:path=/tmp/x/bus.sock,guid=ab");
        assert_eq!(pid.as_raw_nonzero().get(), 4242);
        assert!(parse_output("4242\nunix:path=/x\n").is_none());
        assert!(parse_output("unix:path=/x\n").is_none());
        assert!(parse_output("unix:path=/x\n0\n").is_none());
    }

    #[test]
    fn starts_and_stops_a_daemon() {
        let bus = PrivateBus::start().expect("dbus-daemon starts");
        assert!(bus.address().contains(bus.dir().to_str().unwrap()));
        let pid = bus.pid;
        assert!(bus.dir().join("bus.sock").exists());
        // Signal 0 checks the process exists.
        assert!(rustix::process::test_kill_process(pid).is_ok());
        assert!(std::os::unix::net::UnixStream::connect(bus.dir().join("bus.sock")).is_ok());
        let dir = bus.dir().to_path_buf();
        drop(bus);
        assert!(!dir.exists(), "the bus directory is removed");
        // The daemon exits on SIGTERM (an external process: poll its state, bounded).
        let stat = format!("/proc/{}/stat", pid.as_raw_nonzero());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let gone = std::fs::read_to_string(&stat)
                .map_or(true, |s| s.split_whitespace().nth(2) == Some("Z"));
            if gone {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "dbus-daemon still running"
            );
            std::thread::yield_now();
        }
    }
}
