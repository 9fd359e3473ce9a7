//! The native library the apps load (`libthecal.so`, `libthecal.a`).
//!
//! No logic lives here: the core's types and objects carry their UniFFI derives behind its
//! `uniffi` feature, and this crate only links them into one library.

pub use thecal_core::*;
