//! The pain diary: 0–10 pain scores (with optional severity and "got in the way" ratings, in our
//! own words: `docs/decisions/0007-pain-item-wording.md`), the breakthrough / oral medication
//! log, and their daily and weekly trends.
//!
//! Values and their checks ([`PainInput`], [`MedicationInput`]) and trend assembly are pure; the
//! functions here run them against the store, inside the transaction or on the connection the
//! caller gives. Every change keeps its history (who, when, what); a deleted entry can be
//! restored for [`RESTORE_DAYS`] days, after which [`purge_expired`] removes it for good.

pub mod db;
mod entries;
mod trends;
mod types;

pub use crate::store::journal::RESTORE_DAYS;
pub use entries::{
    USUAL_DOSE_DAYS, add_medication, add_pain, compare, delete_medication, delete_pain,
    edit_medication, edit_pain, medication_history, medications, pain_entries, pain_history,
    purge_expired, repeat_medication, restore_medication, restore_pain, summary, trend,
    usual_doses,
};
pub use trends::{
    DrugTotal, MAX_TREND_DAYS, PainStats, Trend, TrendBucket, TrendComparison, TrendPeriod,
    assemble, range_days, weekday_from_monday,
};
pub use types::{
    DoseUnit, MAX_DOSE, MAX_SCORE, MedicationEntry, MedicationInput, MedicationRevision, PainEntry,
    PainInput, PainInterference, PainInventory, PainRevision, Route, UsualDose,
};

use crate::model::InvalidInput;
use crate::store::StoreError;
use crate::store::journal::Refusal;

/// Why a diary call failed (internal; `app::errors` maps it to the public `DiaryError`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Saving or reading failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A value entered is not valid.
    #[error("invalid input: {0}")]
    Invalid(#[from] InvalidInput),
    /// The entry is missing, not deleted, or deleted too long ago.
    #[error(transparent)]
    Refused(#[from] Refusal),
}
