//! The recovery module's values: plan, checklist, reminders, symptoms and guidance.

use serde::{Deserialize, Serialize};

use crate::model::{Author, CalendarDate, LocalTime};
use crate::model::{Drug, UtcDateTime};

/// How urgent a sign is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum GuidanceLevel {
    /// Common; watch it and mention it at the next visit.
    Routine,
    /// Call your clinic now.
    CallClinic,
    /// Call emergency services now.
    Emergency,
}

/// A symptom after the implant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum Symptom {
    /// Bruising.
    Bruising,
    /// Soreness.
    Soreness,
    /// Swelling.
    Swelling,
    /// Tenderness.
    Tenderness,
    /// Headache.
    Headache,
    /// Headache worse when sitting or standing.
    PositionalHeadache,
    /// Tingling.
    Tingling,
    /// Weakness.
    Weakness,
    /// Numbness.
    Numbness,
    /// Bleeding from a wound.
    Bleeding,
    /// Fever or chills.
    Fever,
    /// Redness at a wound.
    WoundRedness,
    /// Redness spreading around a wound.
    SpreadingRedness,
    /// Fluid or pus from a wound.
    WoundDischarge,
    /// Unusual drowsiness (a sign of overdose).
    UnusualDrowsiness,
    /// Slow or shallow breathing (a sign of overdose).
    SlowedBreathing,
    /// Something else (described in the note).
    Other,
}

impl Symptom {
    /// Every symptom.
    pub const ALL: [Self; 17] = [
        Self::Bruising,
        Self::Soreness,
        Self::Swelling,
        Self::Tenderness,
        Self::Headache,
        Self::PositionalHeadache,
        Self::Tingling,
        Self::Weakness,
        Self::Numbness,
        Self::Bleeding,
        Self::Fever,
        Self::WoundRedness,
        Self::SpreadingRedness,
        Self::WoundDischarge,
        Self::UnusualDrowsiness,
        Self::SlowedBreathing,
        Self::Other,
    ];

    /// The stored code (and the key of its words in `recovery.ftl`).
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Bruising => "bruising",
            Self::Soreness => "soreness",
            Self::Swelling => "swelling",
            Self::Tenderness => "tenderness",
            Self::Headache => "headache",
            Self::PositionalHeadache => "positional_headache",
            Self::Tingling => "tingling",
            Self::Weakness => "weakness",
            Self::Numbness => "numbness",
            Self::Bleeding => "bleeding",
            Self::Fever => "fever",
            Self::WoundRedness => "wound_redness",
            Self::SpreadingRedness => "spreading_redness",
            Self::WoundDischarge => "wound_discharge",
            Self::UnusualDrowsiness => "unusual_drowsiness",
            Self::SlowedBreathing => "slowed_breathing",
            Self::Other => "other",
        }
    }

    /// Parses [`Symptom::code`].
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// How strong a symptom is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Mild.
    Mild,
    /// Moderate.
    Moderate,
    /// Severe.
    Severe,
}

impl Severity {
    /// The stored code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Mild => "mild",
            Self::Moderate => "moderate",
            Self::Severe => "severe",
        }
    }

    /// Parses [`Severity::code`].
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "mild" => Self::Mild,
            "moderate" => Self::Moderate,
            "severe" => Self::Severe,
            _ => return None,
        })
    }
}

/// What the patient logs about a symptom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SymptomInput {
    /// When it was noticed.
    pub at: UtcDateTime,
    /// Which symptom.
    pub symptom: Symptom,
    /// How strong.
    pub severity: Severity,
    /// A free-text note.
    pub note: Option<String>,
}

/// What to do about a symptom: the level and a plain instruction, from the guidance file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SymptomGuidance {
    /// How urgent.
    pub level: GuidanceLevel,
    /// The symptom's name, as shown.
    pub label: String,
    /// What to do, in plain words.
    pub instruction: String,
    /// Shown with the advice while it is not a clinician-reviewed text in the reader's language
    /// ("Not yet reviewed in your language: shown in English."); `None` once it is.
    pub note: Option<String>,
}

/// A stored symptom with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SymptomEntry {
    /// The entry's id.
    pub id: i64,
    /// The patient's zone when it was logged.
    pub time_zone: String,
    /// The values.
    pub value: SymptomInput,
    /// What to do about it.
    pub guidance: SymptomGuidance,
    /// When it was first saved.
    pub created_at: UtcDateTime,
    /// When it was last changed.
    pub updated_at: UtcDateTime,
}

/// A warning sign and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RedFlag {
    /// The sign, in plain words.
    pub sign: String,
    /// How urgent.
    pub level: GuidanceLevel,
    /// What to do.
    pub instruction: String,
    /// Shown with the sign while it is not a clinician-reviewed text in the reader's language;
    /// `None` once it is.
    pub note: Option<String>,
}

/// The withdrawal signs of the drug in the pump, for when it stops, runs empty or the catheter
/// fails.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct WithdrawalGuidance {
    /// The drug group (`opioid`, `baclofen`…, `other`).
    pub group: String,
    /// When withdrawal can happen.
    pub when: String,
    /// The signs to watch for.
    pub signs: Vec<String>,
    /// What to do about them.
    pub instruction: String,
    /// Signs that mean an emergency.
    pub emergency_signs: Vec<String>,
    /// What to do about those.
    pub emergency_instruction: String,
    /// Shown with the signs while they are not clinician-reviewed texts in the reader's
    /// language; `None` once they are.
    pub note: Option<String>,
}

/// Which zone a reminder's wall-clock time is read in.
///
/// `FollowDevice` is for things done at a time of day wherever the patient is ("antibiotic at
/// 08:00"): after a flight it fires at 08:00 in the new zone, and never twice for one local date.
/// `Fixed` is for things tied to a place (a clinic appointment in Paris seen from New York).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ReminderZone {
    /// The device's zone at the time of the reminder.
    FollowDevice,
    /// One fixed zone.
    Fixed {
        /// An IANA zone name (`Europe/Paris`).
        time_zone: String,
    },
}

/// A reminder the patient (or the plan) sets: once a day at `time` on each local date from
/// `first_date` to `last_date`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReminderInput {
    /// What to do, as shown in the notification.
    pub title: String,
    /// The wall-clock time.
    pub time: LocalTime,
    /// The first local date it fires on.
    pub first_date: CalendarDate,
    /// The last local date it fires on (the same as `first_date` for a one-off).
    pub last_date: CalendarDate,
    /// Which zone the time is read in.
    pub zone: ReminderZone,
}

/// A stored reminder.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Reminder {
    /// The reminder's id.
    pub id: i64,
    /// The checklist item it belongs to, for the plan's own reminders.
    pub item: Option<String>,
    /// The values.
    pub value: ReminderInput,
    /// When it was set: it never fires for a time before this.
    pub created_at: UtcDateTime,
}

/// One firing of a reminder.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DueReminder {
    /// The reminder.
    pub reminder_id: i64,
    /// Its title.
    pub title: String,
    /// The local date this firing is for.
    pub date: CalendarDate,
    /// When it fires.
    pub fire_at: UtcDateTime,
}

/// One item of the recovery checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ChecklistItem {
    /// A stable key (`wound_check`).
    pub key: String,
    /// The short title.
    pub title: String,
    /// What to do, in plain words.
    pub detail: String,
    /// The first local date it applies to.
    pub from_date: CalendarDate,
    /// The last local date it applies to.
    pub to_date: CalendarDate,
    /// When it was ticked, if it was.
    pub done_at: Option<UtcDateTime>,
    /// Who ticked it.
    pub done_by: Option<Author>,
}

/// The recovery plan after the implant.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RecoveryPlan {
    /// The implant date (local).
    pub implant_date: CalendarDate,
    /// The patient's zone when the plan was made.
    pub time_zone: String,
    /// The drug in the pump (for the withdrawal checklist).
    pub drug: Drug,
    /// Today's day of recovery in the patient's zone (0 = implant day; negative before it).
    pub day: i64,
    /// The checklist, in order.
    pub items: Vec<ChecklistItem>,
}

/// One version of a symptom entry: the change and the values after it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SymptomRevision {
    /// The change.
    pub change: crate::model::Revision,
    /// The values after it.
    pub value: SymptomInput,
}
