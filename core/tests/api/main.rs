//! The core's API tests: the `Thecal` object as the apps use it, against a real store, an
//! injected clock and the simulated pump (from `thecal-sim`). One test binary, one module per
//! area.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code: a failed unwrap is a failed test.

mod async_api;
mod card;
mod dashboard;
mod diary;
mod export;
mod fixtures;
mod link;
mod pairing;
mod recovery;
mod report;

/// Runs an async call of the API to completion on a runtime of the test's own (the API's futures
/// run on any executor).
pub(crate) fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}
