//! The native library the apps load (`libthecal.so`, `libthecal.a`).
//!
//! No logic lives here: the core's types and objects carry their UniFFI derives behind its
//! `uniffi` feature, and this crate only links them into one library. Built with feature `sim`,
//! it is the test build: the same core plus the test tools of `thecal-sim` (the simulated pump
//! as an in-process peripheral), which the Kotlin and Swift suites drive. The shipped library is
//! built without it.

pub use thecal_core::*;
/// The test tools, in the test build only.
#[cfg(feature = "sim")]
pub use thecal_sim;
