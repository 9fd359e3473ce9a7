//! # Thecal core
//!
//! The shared Rust core of Thecal, a patient-facing companion for people with an intrathecal drug
//! pump. Written once, exposed to Kotlin and Swift through UniFFI (see `bindings/`).
//!
//! Layers, bottom to top (a module only uses the layers below it; `tests/layers.py` checks it):
//! 1. [`model`]: domain types and shared basics; [`l10n`]: every word shown, in seven
//!    languages, with the review state of safety texts. Neither uses anything of the crate.
//! 2. [`pump`]: the pump profile, codec and drivers.
//! 3. [`store`]: the SQLite store, migrations, journaled entries; infrastructure only.
//! 4. the features, each with its rules, types and tables' SQL: [`therapy`], [`link`],
//!    [`diary`], [`recovery`], [`card`], [`alerts`] (caregiver alerts), [`export`] (FHIR,
//!    backups), [`notifications`] (the plan the phone's OS delivers) and [`dashboard`] (which
//!    reads several of them).
//! 5. [`app`]: the `Thecal` object the apps hold, its sub-APIs, the runtime, the panic guard,
//!    and the public errors (the FFI edge).
//!
//! The core is read-only toward the pump: nothing in it can change therapy.

pub mod alerts;
pub mod app;
pub mod card;
pub mod dashboard;
pub mod diary;
pub mod erasure;
pub mod export;
pub mod l10n;
pub mod link;
pub mod model;
pub mod notifications;
pub mod pump;
pub mod recovery;
pub mod store;
pub mod therapy;

pub use app::{
    BackupError, Card, CardError, CaregiverError, Caregivers, DeletionError, Diary, DiaryError,
    Export, ExportError, LinkError, Notifications, OpenError, PumpError, PumpLink, Pumps,
    PushReader, Recovery, RecoveryError, Thecal, ThecalConfig,
};
pub use model::UtcDateTime;

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("thecal");
