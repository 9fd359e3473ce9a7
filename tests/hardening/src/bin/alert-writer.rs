//! The alert outbox trials' writer: the patient's phone raising caregiver alerts, as fast as it
//! can, until it is killed.
//!
//! `alert-writer DATA_DIR KEYS_DIR CLOCK_FILE JOURNAL`: opens the store in `DATA_DIR` (paired
//! with a confirmed caregiver by the harness), the device keys in `KEYS_DIR`, and the core's
//! alerts session over a Rust HTTP stack, reading the time from `CLOCK_FILE`. It first sends
//! what the outbox holds (a killed writer's unsent envelopes), journals `resumed N` and `ready`,
//! then raises alerts one after the other, journaling `alert ID` for each the API reported as
//! raised. The harness (`tests/alert_outbox.rs`) kills it with `SIGKILL` at a random moment.

use std::path::PathBuf;
use std::sync::Arc;

use thecal_core::alerts::NewAlert;
use thecal_core::alerts::Session;
use thecal_core::alerts::messages::{AlertCategory, AlertPriority};
use thecal_core::store::Store;
use thecal_hardening::journal::JournalWriter;
use thecal_hardening::outbox::{FileClock, KeyFolder};
use thecal_sim::http::ReqwestHttp;

fn main() {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let mut next = |what: &str| {
        args.next().unwrap_or_else(|| {
            panic!("usage: alert-writer DATA_DIR KEYS_DIR CLOCK_FILE JOURNAL (missing {what})")
        })
    };
    let (data, keys, clock, journal) = (
        next("DATA_DIR"),
        next("KEYS_DIR"),
        next("CLOCK_FILE"),
        next("JOURNAL"),
    );
    let journal = JournalWriter::open(&journal).expect("the journal opens");
    // One runtime for the whole run: the HTTP stack's connections live on it.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let store = Arc::new(Store::open_in_dir(&data).expect("the store opens"));
    let session = Session::new(
        store,
        Arc::new(KeyFolder(keys)),
        Arc::new(ReqwestHttp::new()),
        Arc::new(FileClock(clock)),
    );
    // A restarted app sends what its outbox holds before anything else.
    let resumed = rt
        .block_on(session.send_pending())
        .expect("resuming the outbox");
    journal.line(&format!("resumed {resumed}"));
    journal.line("ready");
    for i in 0u64.. {
        let id = rt
            .block_on(session.raise(NewAlert {
                category: AlertCategory::PumpAlarm,
                priority: AlertPriority::High,
                title: "Pump alarm".into(),
                body: format!("Alarm {i}: the pump reports a motor stall."),
            }))
            .expect("raising an alert");
        journal.line(&format!("alert {id}"));
    }
}
