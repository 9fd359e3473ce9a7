//! # Thecal's hardening tools
//!
//! What the crash, storage and privacy tests of this crate share (never shipped):
//! - [`script`]: the crash writer's plan, step by step, so that the writer process and the
//!   harness that checks it after a `SIGKILL` agree on what the simulated pump did;
//! - [`journal`]: the writer's record of every write the API reported as committed;
//! - [`smallfs`]: a small filesystem (tmpfs) a test mounts, fills, grows and makes read-only.

pub mod journal;
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
