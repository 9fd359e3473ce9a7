//! What the alert outbox's kill trials share (`tests/alert_outbox.rs` and
//! `src/bin/alert-writer.rs`): a clock both processes and the relay read from one file, a key
//! store in files (the platform key store outlives the app; an in-memory one would not survive
//! the kill), and the writer's journal.
//!
//! Journal lines: `resumed N` (the restarted writer's first send took N envelopes from the
//! outbox), `ready`, `alert ID` (an alert the API reported as raised).

use std::path::{Path, PathBuf};

use thecal_core::model::{Clock, UtcDateTime};
use thecal_core::store::{SecretStore, SecretStoreError};

/// A clock read from a file holding Unix seconds, which the harness moves: the writer, the
/// harness's phones and the relay read the same time (`thecal_relay::clock::FileClock` is the
/// relay's side of it).
#[derive(Debug, Clone)]
pub struct FileClock(pub PathBuf);

impl FileClock {
    /// Sets the time to `unix_s`.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn set(&self, unix_s: i64) -> std::io::Result<()> {
        let tmp = self.0.with_extension("new");
        std::fs::write(&tmp, unix_s.to_string())?;
        std::fs::rename(&tmp, &self.0)
    }

    /// The time in the file, Unix seconds (0 if it cannot be read).
    #[must_use]
    pub fn now_s(&self) -> i64 {
        std::fs::read_to_string(&self.0)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0)
    }
}

impl Clock for FileClock {
    fn now(&self) -> UtcDateTime {
        chrono::DateTime::from_timestamp(self.now_s(), 0).unwrap_or_default()
    }
}

/// A key store of files in one folder: what the platform key store is to an app, for a test
/// whose app process is killed and restarted.
#[derive(Debug, Clone)]
pub struct KeyFolder(pub PathBuf);

impl KeyFolder {
    fn path(&self, name: &str) -> Result<PathBuf, SecretStoreError> {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            return Err(unavailable(format!("no file name for the secret {name:?}")));
        }
        Ok(self.0.join(name))
    }
}

fn unavailable(reason: String) -> SecretStoreError {
    SecretStoreError::Unavailable { reason }
}

impl SecretStore for KeyFolder {
    fn load(&self, name: String) -> Result<Option<Vec<u8>>, SecretStoreError> {
        match std::fs::read(self.path(&name)?) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(unavailable(e.to_string())),
        }
    }

    fn save(&self, name: String, secret: Vec<u8>) -> Result<(), SecretStoreError> {
        let path = self.path(&name)?;
        let tmp = path.with_extension("new");
        std::fs::create_dir_all(&self.0)
            .and_then(|()| std::fs::write(&tmp, &secret))
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| unavailable(e.to_string()))
    }

    fn delete(&self, name: String) -> Result<(), SecretStoreError> {
        match std::fs::remove_file(self.path(&name)?) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(unavailable(e.to_string())),
        }
    }
}

/// What the alert writers' journal says.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Raised {
    /// How many writers got ready (resumed the outbox).
    pub ready: usize,
    /// Envelopes the restarted writers sent from the outbox before raising anything.
    pub resumed: u64,
    /// The ids of the alerts reported as raised, in order.
    pub alerts: Vec<String>,
}

impl Raised {
    /// Reads the journal at `path` (none yet: nothing). A partial last line (a writer killed
    /// while writing it) is ignored.
    ///
    /// # Errors
    /// The file cannot be read.
    pub fn read(path: &Path) -> std::io::Result<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e),
        };
        let whole = text.rfind('\n').map_or("", |i| &text[..i]);
        let mut out = Self::default();
        for line in whole.lines() {
            match line.split_once(' ') {
                Some(("alert", id)) => out.alerts.push(id.to_owned()),
                Some(("resumed", n)) => out.resumed += n.parse::<u64>().unwrap_or(0),
                _ if line == "ready" => out.ready += 1,
                _ => {}
            }
        }
        Ok(out)
    }
}
