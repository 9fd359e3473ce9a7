//! Authorship and revisions: who changed an entry, what the change did, and which values it
//! changed. Shared by every journaled record (diary entries, recovery symptoms).

use serde::{Deserialize, Serialize};

use super::UtcDateTime;

/// Who made a change: the patient, or someone on their behalf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Author {
    /// The patient.
    Patient,
    /// A caregiver (family member, nurse at home).
    Caregiver,
    /// A clinician.
    Clinician,
}

impl Author {
    /// The stored code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Patient => "patient",
            Self::Caregiver => "caregiver",
            Self::Clinician => "clinician",
        }
    }

    /// Parses [`Author::code`].
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "patient" => Self::Patient,
            "caregiver" => Self::Caregiver,
            "clinician" => Self::Clinician,
            _ => return None,
        })
    }
}

/// What a change did to an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ChangeAction {
    /// The entry was made.
    Created,
    /// Some of its values were changed.
    Edited,
    /// It was deleted (restorable for 30 days).
    Deleted,
    /// It was brought back after a delete.
    Restored,
}

impl ChangeAction {
    /// The stored code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Edited => "edited",
            Self::Deleted => "deleted",
            Self::Restored => "restored",
        }
    }

    /// Parses [`ChangeAction::code`].
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "created" => Self::Created,
            "edited" => Self::Edited,
            "deleted" => Self::Deleted,
            "restored" => Self::Restored,
            _ => return None,
        })
    }
}

/// One version of an entry in its history.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Revision {
    /// When the change was made.
    pub at: UtcDateTime,
    /// Who made it.
    pub author: Author,
    /// What it did.
    pub action: ChangeAction,
    /// The names of the values that changed (API field names such as `score`, `note`); empty
    /// for a creation, a delete or a restore.
    pub changed_fields: Vec<String>,
}

/// The names of the top-level fields whose values differ between two JSON objects.
#[must_use]
pub fn changed_fields(before: &serde_json::Value, after: &serde_json::Value) -> Vec<String> {
    let (Some(b), Some(a)) = (before.as_object(), after.as_object()) else {
        return Vec::new();
    };
    let mut out: Vec<String> = a
        .iter()
        .filter(|(k, v)| b.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect();
    out.extend(b.keys().filter(|k| !a.contains_key(*k)).cloned());
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_fields_lists_what_differs() {
        let a = serde_json::json!({"score": 5, "note": null, "gone": 1});
        let b = serde_json::json!({"score": 6, "note": "after a walk"});
        assert_eq!(changed_fields(&a, &b), vec!["gone", "note", "score"]);
        assert!(changed_fields(&a, &a).is_empty());
    }

    #[test]
    fn codes_round_trip() {
        for a in [Author::Patient, Author::Caregiver, Author::Clinician] {
            assert_eq!(Author::from_code(a.code()), Some(a));
        }
        for c in [
            ChangeAction::Created,
            ChangeAction::Edited,
            ChangeAction::Deleted,
            ChangeAction::Restored,
        ] {
            assert_eq!(ChangeAction::from_code(c.code()), Some(c));
        }
        assert_eq!(Author::from_code("nobody"), None);
    }
}
