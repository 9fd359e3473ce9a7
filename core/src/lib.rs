//! # Thecal core
//!
//! The shared Rust core of Thecal, a patient-facing companion for people with an intrathecal drug
//! pump. Written once, exposed to Kotlin and Swift through UniFFI (see `bindings/`).
//!
//! The apps hold one [`app::Thecal`] object and reach everything else through it. Pure modules
//! ([`model`], [`pump`]) take values and return values; [`store`] and [`app`] do the I/O.
//!
//! The core is read-only toward the pump: nothing in it can change therapy.

pub mod app;
pub mod card;
pub mod dashboard;
pub mod diary;
pub mod link;
pub mod model;
pub mod pump;
pub mod recovery;
pub mod store;
pub mod therapy;

pub use app::{Pumps, Thecal, ThecalConfig};
pub use store::StoreError;

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("thecal");
