//! Export: what leaves the app as a file the patient hands on.
//!
//! - [`age`]: the age file format with a passphrase, which backups are written in.
//! - [`backup`]: the whole store in one encrypted file (age format, passphrase), and its
//!   restore, checked whole before anything is replaced.
//! - [`fhir`]: the pump, its implant and refills, the intrathecal drug, the pain scores and the
//!   medication log as a FHIR R4 `Bundle` for the clinic's systems, and its import into a new
//!   store.
//! - [`report`]: the clinician report, a PDF with the trends, refills, forecasts and alarms.

pub mod age;
pub mod backup;
pub mod fhir;
mod file;
pub mod report;
