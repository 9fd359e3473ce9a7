//! # Thecal's hardening tools
//!
//! What the crash, storage and privacy tests of this crate share (never shipped):
//! - [`script`]: the crash writer's plan, step by step, so that the writer process and the
//!   harness that checks it after a `SIGKILL` agree on what the simulated pump did;
//! - [`journal`]: the writer's record of every write the API reported as committed;
//! - [`outbox`]: the caregiver alert trials' shared clock file, key folder and journal reader;
//! - [`smallfs`]: a small filesystem (tmpfs) a test mounts, fills, grows and makes read-only.

pub mod journal;
pub mod outbox;
pub mod script;
pub mod smallfs;

/// Runs one of the API's async calls to completion on a plain current-thread executor, as an
/// app's caller would (the core runs the work on its own runtime).
///
/// # Panics
/// If no executor can be started (a broken machine).
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread executor")
        .block_on(f)
}

/// The link's schedule for tests: reconnects within milliseconds, short scan windows, no
/// spacing of scans while the pump is away.
#[must_use]
pub fn fast_link() -> thecal_core::link::LinkConfig {
    use std::time::Duration;
    thecal_core::link::LinkConfig {
        backoff: thecal_core::link::BackoffConfig {
            initial: Duration::from_millis(1),
            max: Duration::from_millis(8),
        },
        scan_timeout: Duration::from_millis(50),
        away_backoff: None,
    }
}

/// Pairs the transport's pump as the patient does (discover, pick it, confirm its serial),
/// unless a pump is paired already (a writer restarted after a kill). The link must be started.
///
/// # Panics
/// If the pump is not found nearby or refuses the pairing.
pub fn pair_unless_paired(
    thecal: &thecal_core::Thecal,
    transport: &thecal_sim::InProcessTransport,
) {
    let link = thecal.link();
    if block_on(link.paired_pump())
        .expect("reading the pairing")
        .is_some()
    {
        return;
    }
    let id = transport.pump().device_id();
    let device = block_on(link.discover(200))
        .expect("discovering")
        .into_iter()
        .find(|d| d.device_id == id)
        .expect("the patient's pump is listed");
    block_on(link.pair(device, transport.pump().serial())).expect("pairing the patient's pump");
}

/// Bonds the rebuilt simulated pump again if the app had paired it: a bond lives in the pump and
/// in the phone's Bluetooth stack, which outlive the app, but the simulated pump lived in the
/// killed process and is rebuilt with it. Call before starting the link.
///
/// # Panics
/// If the simulated pump refuses (it never does here).
pub fn restore_bond(thecal: &thecal_core::Thecal, transport: &thecal_sim::InProcessTransport) {
    let paired = block_on(thecal.link().paired_pump())
        .expect("reading the pairing")
        .is_some();
    let pump = transport.pump();
    if paired && !pump.is_bonded() {
        pump.connect().expect("the pump takes a connection");
        pump.bond().expect("the pump bonds");
        pump.disconnect();
    }
}
