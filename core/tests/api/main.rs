//! The core's API tests: the `Thecal` object as the apps use it, against a real store, an
//! injected clock and the simulated pump (from `thecal-sim`). One test binary, one module per
//! area.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code: a failed unwrap is a failed test.

mod card;
mod dashboard;
mod diary;
mod fixtures;
mod forecasts;
mod link;
mod recovery;
