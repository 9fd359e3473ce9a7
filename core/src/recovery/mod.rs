//! Recovery after the implant: the plan from the implant date (a checklist built from the
//! brief's facts), reminders at local wall-clock times that survive DST and travel, the symptom
//! log, and plain-language red-flag and withdrawal guidance.
//!
//! Every word shown to the patient lives in `guidance.json` (one reviewed place); the rules for
//! when reminders fire are in [`reminders`]. [`Recovery`] (from `Thecal::recovery()`) wires
//! them to the store.

mod api;
mod error;
mod guidance;
pub mod reminders;
mod types;

pub use api::Recovery;
pub use error::RecoveryError;
pub use types::{
    ChecklistItem, DueReminder, GuidanceLevel, LocalTime, RecoveryPlan, RedFlag, Reminder,
    ReminderInput, ReminderZone, Severity, Symptom, SymptomEntry, SymptomGuidance, SymptomInput,
    SymptomRevision, WithdrawalGuidance,
};

use crate::model::Drug;

/// What to do about `symptom` at `severity`, from the reviewed guidance.
#[must_use]
pub fn assess(symptom: Symptom, severity: Severity) -> SymptomGuidance {
    guidance::GUIDANCE.assess(symptom, severity)
}

/// The warning signs that mean "call your clinic now" or "call emergency services".
#[must_use]
pub fn red_flags() -> Vec<RedFlag> {
    guidance::GUIDANCE.red_flags()
}

/// The withdrawal signs of `drug` (the drug in the pump) and what to do.
#[must_use]
pub fn withdrawal(drug: &Drug) -> WithdrawalGuidance {
    guidance::GUIDANCE.withdrawal(drug)
}

#[cfg(test)]
mod tests;
