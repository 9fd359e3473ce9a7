//! The FHIR R4 export: the pump, its implant and refills, the intrathecal drug, the pain scores
//! and the medication log as one `Bundle` (type `collection`) for the clinic's systems; and its
//! import into a new store.
//!
//! | resource | from | id |
//! |---|---|---|
//! | `Patient` | the ID card's name, if a card is filled in | `patient` |
//! | `Device` | each pump: manufacturer, model, serial, firmware and hardware revisions, kind, reservoir and the model's settings as properties; UDI and lot from the ID card when its serial matches | `pump-{id}` |
//! | `DeviceUseStatement` | each pump's use (the newest `active`, older ones `completed`) | `pump-use-{id}` |
//! | `Procedure` | the implant (the ID card's implant date, for its pump) and each refill, with the volumes before and after | `implant-{pump id}`, `refill-{id}` |
//! | `MedicationStatement` | the intrathecal drug from each refill to the next (route intrathecal, SNOMED CT 72607000; concentration; daily dose) | `intrathecal-{refill id}` |
//! | `Observation` | each pain score: LOINC 72514-3, 0–10, with the optional severity and interference items as components | `pain-{id}` |
//! | `MedicationStatement` | each dose of the medication log (breakthrough doses `asNeeded`) | `medication-{id}` |
//!
//! Times are UTC with milliseconds. Ids are the store's, so two exports of the same store name
//! each thing the same way; `fullUrl`s are name-based UUIDs (v5) of the type and id.
//!
//! Codes from outside vocabularies are only those verified: LOINC 72514-3 and SNOMED CT
//! 72607000 (intrathecal route); everything else Thecal needs to read its own bundle back is
//! in Thecal's own code systems and extensions (under [`BASE`]), whose definitions the
//! validator is given (`tests/fhir/definitions/`).
//!
//! What the import brings back into a new store: the pumps (not their history sync mark: the
//! new phone replays the pump's history), every refill, every live pain entry and medication
//! dose, each with its id, times and zone. What a bundle does not carry: readings, pump events
//! and alarms, the ID card, the recovery plan, edit history and deleted entries, pairings. A
//! whole move to a new phone is a backup's job ([`super::backup`]).

mod build;
mod json;
mod parse;

use std::path::Path;

use rusqlite::{Connection, Transaction};

pub use build::bundle;
pub use parse::{Imported, parse_bundle, write_imported};

use crate::model::{InvalidInput, UtcDateTime};
use crate::store::StoreError;

/// The canonical base of Thecal's own FHIR definitions (code systems and extensions). A
/// placeholder under the reserved `.example` domain until the project publishes them at an
/// address it controls; one constant here and in `tests/fhir/definitions/`.
pub const BASE: &str = "https://thecal.example/fhir";

/// LOINC.
pub const LOINC: &str = "http://loinc.org";
/// LOINC 72514-3: Pain severity - 0-10 verbal numeric rating [Score] - Reported.
pub const PAIN_SCORE_LOINC: &str = "72514-3";
/// SNOMED CT.
pub const SNOMED: &str = "http://snomed.info/sct";
/// SNOMED CT 72607000 |Intrathecal route|.
pub const INTRATHECAL_ROUTE_SNOMED: &str = "72607000";
/// UCUM, the units of measure.
pub const UCUM: &str = "http://unitsofmeasure.org";

/// The largest bundle the import reads, in bytes (five years of a diary is a few tens of MB).
pub const MAX_BUNDLE_BYTES: u64 = 512 * 1024 * 1024;

/// Why an export or import failed (internal; `app::errors` maps it to `ExportError`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The bundle's file cannot be read or written.
    #[error("the file cannot be used: {reason}")]
    File {
        /// The system's reason.
        reason: String,
    },
    /// The bundle is not one Thecal can read, at `at` (a JSON path, never a value).
    #[error("bundle not readable at {at}: {reason}")]
    Bundle {
        /// Where (`entry[12].resource.valueInteger`).
        at: String,
        /// What is wrong.
        reason: String,
    },
    /// The store to import into already holds data.
    #[error("the store is not empty")]
    NotEmpty,
}

impl Error {
    pub(crate) fn bundle(at: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Bundle {
            at: at.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn invalid(at: &str, e: &InvalidInput) -> Self {
        Self::bundle(format!("{at}.{}", e.field), format!("it {}", e.reason))
    }
}

fn file_error(e: &std::io::Error) -> Error {
    Error::File {
        reason: super::file::reason(e, "the file does not exist"),
    }
}

/// What an export or import covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FhirSummary {
    /// Resources in the bundle.
    pub resources: u32,
    /// Pumps (`Device`).
    pub pumps: u32,
    /// Refills (`Procedure`).
    pub refills: u32,
    /// Pain scores (`Observation`).
    pub pain_entries: u32,
    /// Medication doses (`MedicationStatement`, the log's).
    pub medication_entries: u32,
}

/// Writes the bundle of everything in the store into the file `out` (replaced if it exists,
/// through a temporary file renamed into place once whole).
///
/// # Errors
/// [`Error::File`], or a storage error.
pub fn write_bundle(conn: &Connection, now: UtcDateTime, out: &Path) -> Result<FhirSummary, Error> {
    let (mut text, summary) = bundle(conn, now)?;
    text.push('\n');
    let partial = super::file::partial_path(out).ok_or(Error::File {
        reason: "the path names no file".into(),
    })?;
    // Health data in clear: readable by the app's user only until it is shared.
    super::file::write_private(out, &partial, text.as_bytes()).map_err(|e| file_error(&e))?;
    Ok(summary)
}

/// Reads the bundle file `input` into the store, which must hold no pump, refill, pain entry
/// or medication dose yet (a new store). Everything is checked before anything is written, and
/// written in the caller's one transaction.
///
/// # Errors
/// [`Error::NotEmpty`], [`Error::Bundle`] naming the first place that is not readable,
/// [`Error::File`], or a storage error.
pub fn import_file(
    tx: &Transaction<'_>,
    input: &Path,
    now: UtcDateTime,
) -> Result<FhirSummary, Error> {
    let meta = std::fs::metadata(input).map_err(|e| file_error(&e))?;
    if meta.len() > MAX_BUNDLE_BYTES {
        return Err(Error::bundle(
            "",
            "the file is too large to be a Thecal bundle",
        ));
    }
    let bytes = std::fs::read(input).map_err(|e| file_error(&e))?;
    let imported = parse_bundle(&bytes, now)?;
    write_imported(tx, &imported)
}

#[cfg(test)]
mod tests;
