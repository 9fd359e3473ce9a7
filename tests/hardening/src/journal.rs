//! The crash writer's journal: one line per write that the API reported as committed (and one
//! line per step begun), appended with one `write` each, so that what the kernel has when the
//! process is killed is a prefix of whole lines plus at most one partial line.
//!
//! Lines: `ready 0`, `step I`, `pain ID I`, `medication ID I`, `refill ID`, `card I`, `reading MS`,
//! `event SEQ`, `alarm SEQ`.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

/// The writer's side: appends lines to the journal file.
#[derive(Debug)]
pub struct JournalWriter(Mutex<File>);

impl JournalWriter {
    /// Opens (creating) the journal at `path` for appending.
    ///
    /// # Errors
    /// The file cannot be opened.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        Ok(Self(Mutex::new(
            OpenOptions::new().create(true).append(true).open(path)?,
        )))
    }

    /// Appends one line in a single `write` (no buffering: the kernel has it when this
    /// returns, so a `SIGKILL` after it cannot lose it).
    ///
    /// # Panics
    /// If the journal cannot be written (the trial is void; the harness sees the crash).
    pub fn line(&self, line: &str) {
        let mut file = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        file.write_all(format!("{line}\n").as_bytes())
            .expect("writing the journal");
    }
}

/// What a journal says was committed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Committed {
    /// How many writers had opened the app and seen the pump identified by the link.
    pub ready: usize,
    /// The last step begun (`None`: none).
    pub last_step: Option<u64>,
    /// Pain entry ids with their step.
    pub pain: Vec<(i64, u64)>,
    /// Medication entry ids with their step.
    pub medication: Vec<(i64, u64)>,
    /// Refill ids.
    pub refills: Vec<i64>,
    /// The newest card edit reported saved (its step).
    pub card: Option<u64>,
    /// Readings published (their time, UTC milliseconds).
    pub readings: BTreeSet<i64>,
    /// Pump history events published (their sequence).
    pub events: BTreeSet<u32>,
    /// Alarm events published (their sequence).
    pub alarms: BTreeSet<u32>,
}

impl Committed {
    /// Reads the journal at `path`; a partial last line (cut by the kill) is ignored.
    ///
    /// # Errors
    /// The file cannot be read.
    ///
    /// # Panics
    /// On a whole line the writer never writes (a bug in the writer).
    pub fn read(path: &Path) -> std::io::Result<Self> {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let mut c = Self::default();
        let whole = text.rfind('\n').map_or("", |end| &text[..end]);
        for line in whole.lines() {
            let words: Vec<&str> = line.split(' ').collect();
            let n = |k: usize| -> i64 { words[k].parse().expect("a number in the journal") };
            let u = |k: usize| -> u64 { words[k].parse().expect("a number in the journal") };
            let s = |k: usize| -> u32 { words[k].parse().expect("a number in the journal") };
            match words[0] {
                "ready" => c.ready += 1,
                "step" => c.last_step = Some(u(1)),
                "pain" => c.pain.push((n(1), u(2))),
                "medication" => c.medication.push((n(1), u(2))),
                "refill" => c.refills.push(n(1)),
                "card" => c.card = Some(u(1)),
                "reading" => {
                    c.readings.insert(n(1));
                }
                "event" => {
                    c.events.insert(s(1));
                }
                "alarm" => {
                    c.alarms.insert(s(1));
                }
                other => panic!("unknown journal line {other:?}"),
            }
        }
        Ok(c)
    }

    /// How many writes were reported committed, all kinds together.
    #[must_use]
    pub fn writes(&self) -> usize {
        self.pain.len()
            + self.medication.len()
            + self.refills.len()
            + usize::from(self.card.is_some())
            + self.readings.len()
            + self.events.len()
            + self.alarms.len()
    }
}
