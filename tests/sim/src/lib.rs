//! # Thecal's test and demo tools
//!
//! Everything here is for tests, benchmarks and demos, and never ships in the phone library
//! (`bash tests/lib-size.sh` builds the shipped library without it):
//! - [`pump`]: the simulated pump (seeded, driven by time passed in), with fault injection;
//! - [`backtest`]: the forecasts scored against the simulated pump's truth, over many patients;
//! - [`peripheral`]: the simulated pump as an in-process GATT peripheral and a `BleTransport`
//!   over it (exported to Kotlin and Swift in the test build of the native library);
//! - [`faults`]: faults injected into a running app (a full disk);
//! - [`describe`]: decoded frames as the flat JSON of the test vectors;
//! - [`fixtures`]: an app in a temporary folder with a manual clock, the sample ID card, and
//!   years of data for benchmarks.

pub mod backtest;
pub mod describe;
pub mod faults;
pub mod fixtures;
#[cfg(feature = "http")]
pub mod http;
pub mod peripheral;
pub mod pump;
pub mod tune;

pub use peripheral::{GattValue, InProcessPump, InProcessTransport, ReceivedWrite};
pub use pump::{
    LinkProfile, RanOut, SimConfig, SimError, SimFault, SimOutput, SimPump, SimTruth, Unforeseen,
    VisitKind, VisitTruth,
};

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("thecal_sim");
#[cfg(feature = "uniffi")]
use thecal_core::UtcDateTime;
// Times cross the FFI as the core converts them (one definition of the conversion).
#[cfg(feature = "uniffi")]
uniffi::use_remote_type!(thecal_core::UtcDateTime);
