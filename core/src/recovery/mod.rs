//! Recovery after the implant: the plan from the implant date (a checklist built from the
//! brief's facts), reminders at local wall-clock times that survive DST and travel, the symptom
//! log, and plain-language red-flag and withdrawal guidance.
//!
//! The guidance's structure (checklist days, levels) is in `guidance.rs`, its words in
//! `core/locales/<lang>/recovery.ftl`, each safety text with its review state
//! (`docs/localisation.md`: no clinician has reviewed them yet); the rules for when
//! reminders fire are in [`reminders`]. The functions here run them against the store, inside
//! the transaction or on the connection the caller gives.

pub mod db;
mod guidance;
mod plan;
pub mod reminders;
mod symptoms;
mod types;

pub use plan::{
    add_reminder, due_reminders, plan, reminders_list, remove_reminder, set_item_done, start_plan,
    upcoming_reminders,
};
pub use symptoms::{
    delete_symptom, edit_symptom, log_symptom, purge_expired, restore_symptom, symptom_history,
    symptoms,
};
pub use types::{
    ChecklistItem, DueReminder, GuidanceLevel, RecoveryPlan, RedFlag, Reminder, ReminderInput,
    ReminderZone, Severity, Symptom, SymptomEntry, SymptomGuidance, SymptomInput, SymptomRevision,
    WithdrawalGuidance,
};

/// The wall-clock time reminders are set at (defined with the calendar basics in `model`).
pub use crate::model::LocalTime;

use crate::l10n::Language;
use crate::model::{Drug, InvalidInput};
use crate::store::StoreError;
use crate::store::journal::Refusal;

/// Why a recovery call failed (internal; `app::errors` maps it to the public `RecoveryError`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Saving or reading failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A value entered is not valid.
    #[error("invalid input: {0}")]
    Invalid(#[from] InvalidInput),
    /// The entry or reminder is missing, not deleted, or deleted too long ago.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// No recovery plan has been started.
    #[error("no recovery plan has been started")]
    NoPlan,
    /// The checklist has no item with that key.
    #[error("no such checklist item")]
    UnknownItem,
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Self::Store(e.into())
    }
}

/// What to do about `symptom` at `severity`, from the guidance, in `language`.
#[must_use]
pub fn assess(symptom: Symptom, severity: Severity, language: Language) -> SymptomGuidance {
    guidance::GUIDANCE.assess(symptom, severity, language)
}

/// The warning signs that mean "call your clinic now" or "call emergency services", in
/// `language`.
#[must_use]
pub fn red_flags(language: Language) -> Vec<RedFlag> {
    guidance::GUIDANCE.red_flags(language)
}

/// The withdrawal signs of `drug` (the drug in the pump) and what to do, in `language`.
#[must_use]
pub fn withdrawal(drug: &Drug, language: Language) -> WithdrawalGuidance {
    guidance::GUIDANCE.withdrawal(drug, language)
}
