//! The diary's values: pain entries and medication doses, and their checks.

use serde::{Deserialize, Serialize};

use crate::model::{
    InvalidInput, MAX_NAME_CHARS, MAX_NOTE_CHARS, Revision, UtcDateTime, check_text, check_time,
    tidy, to_nearest_milli,
};

/// The highest value of every 0–10 rating.
pub const MAX_SCORE: u8 = 10;
/// The largest single dose accepted (a typo guard: no unit makes 100 000 plausible).
pub const MAX_DOSE: f64 = 100_000.0;

/// Four optional severity ratings, each 0–10 (any may be left out). The dimensions follow the
/// Brief Pain Inventory's; the wording shown to people is Thecal's own
/// (`docs/decisions/0007-pain-item-wording.md`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PainInventory {
    /// The strongest pain of the last day.
    pub worst: Option<u8>,
    /// The mildest pain of the last day.
    pub least: Option<u8>,
    /// The usual level of pain.
    pub average: Option<u8>,
    /// The pain at the time of the entry.
    pub now: Option<u8>,
}

/// How much pain got in the way, 0 (not at all) – 10 (completely), in seven parts of life (any
/// may be left out). Our own wording (`docs/decisions/0007-pain-item-wording.md`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PainInterference {
    /// Day-to-day activity.
    pub general_activity: Option<u8>,
    /// Mood.
    pub mood: Option<u8>,
    /// Getting about on foot.
    pub walking: Option<u8>,
    /// Usual work, paid or at home.
    pub normal_work: Option<u8>,
    /// Time with other people.
    pub relations: Option<u8>,
    /// Sleep.
    pub sleep: Option<u8>,
    /// Enjoying life.
    pub enjoyment: Option<u8>,
}

/// What the patient enters for a pain score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PainInput {
    /// When the pain was felt (the patient may log yesterday evening now).
    pub at: UtcDateTime,
    /// The 0–10 numeric rating.
    pub score: u8,
    /// Optional severity ratings.
    pub inventory: Option<PainInventory>,
    /// Optional ratings of how much pain got in the way.
    pub interference: Option<PainInterference>,
    /// Where it hurts, in the patient's words.
    pub location: Option<String>,
    /// A free-text note.
    pub note: Option<String>,
}

/// A stored pain entry.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PainEntry {
    /// The entry's id.
    pub id: i64,
    /// The patient's zone when it was entered (IANA name): the local day it counts for.
    pub time_zone: String,
    /// The values.
    pub value: PainInput,
    /// When it was first saved.
    pub created_at: UtcDateTime,
    /// When it was last changed.
    pub updated_at: UtcDateTime,
}

/// The unit of a dose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum DoseUnit {
    /// Milligrams.
    Milligram,
    /// Micrograms.
    Microgram,
    /// Millilitres (oral solution).
    Milliliter,
    /// Tablets or capsules.
    Tablet,
    /// Drops.
    Drop,
    /// Patches.
    Patch,
    /// Sprays or puffs.
    Spray,
}

impl DoseUnit {
    /// The stored code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Milligram => "mg",
            Self::Microgram => "ug",
            Self::Milliliter => "ml",
            Self::Tablet => "tablet",
            Self::Drop => "drop",
            Self::Patch => "patch",
            Self::Spray => "spray",
        }
    }

    /// Parses [`DoseUnit::code`].
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "mg" => Self::Milligram,
            "ug" => Self::Microgram,
            "ml" => Self::Milliliter,
            "tablet" => Self::Tablet,
            "drop" => Self::Drop,
            "patch" => Self::Patch,
            "spray" => Self::Spray,
            _ => return None,
        })
    }
}

/// How a dose was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Route {
    /// Swallowed.
    Oral,
    /// Under the tongue or in the cheek.
    Sublingual,
    /// Through the skin (patch).
    Transdermal,
    /// Nasal spray.
    Intranasal,
    /// An injection.
    Injection,
    /// Rectal.
    Rectal,
    /// Another way.
    Other,
}

impl Route {
    /// The stored code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Oral => "oral",
            Self::Sublingual => "sublingual",
            Self::Transdermal => "transdermal",
            Self::Intranasal => "intranasal",
            Self::Injection => "injection",
            Self::Rectal => "rectal",
            Self::Other => "other",
        }
    }

    /// Parses [`Route::code`].
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "oral" => Self::Oral,
            "sublingual" => Self::Sublingual,
            "transdermal" => Self::Transdermal,
            "intranasal" => Self::Intranasal,
            "injection" => Self::Injection,
            "rectal" => Self::Rectal,
            "other" => Self::Other,
            _ => return None,
        })
    }
}

/// A medication dose the patient took besides the pump.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MedicationInput {
    /// When it was taken.
    pub at: UtcDateTime,
    /// The drug's name as on the box.
    pub drug: String,
    /// The amount, in `unit`.
    pub dose: f64,
    /// The unit of `dose`.
    pub unit: DoseUnit,
    /// How it was taken.
    pub route: Route,
    /// `true` for a dose taken for breakthrough pain, `false` for a regular scheduled dose.
    pub breakthrough: bool,
    /// Why, in the patient's words.
    pub reason: Option<String>,
}

/// A stored medication dose.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MedicationEntry {
    /// The entry's id.
    pub id: i64,
    /// The patient's zone when it was entered (IANA name).
    pub time_zone: String,
    /// The values.
    pub value: MedicationInput,
    /// When it was first saved.
    pub created_at: UtcDateTime,
    /// When it was last changed.
    pub updated_at: UtcDateTime,
}

/// A dose the patient often takes, for one-tap re-entry.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct UsualDose {
    /// The drug's name (as last entered).
    pub drug: String,
    /// The amount.
    pub dose: f64,
    /// The unit.
    pub unit: DoseUnit,
    /// How it is taken.
    pub route: Route,
    /// Whether it is usually a breakthrough dose.
    pub breakthrough: bool,
    /// How many times it was logged in the period looked at.
    pub times_logged: u32,
}

/// One version of a pain entry: the change and the values after it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PainRevision {
    /// The change.
    pub change: Revision,
    /// The values after it.
    pub value: PainInput,
}

/// One version of a medication entry: the change and the values after it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MedicationRevision {
    /// The change.
    pub change: Revision,
    /// The values after it.
    pub value: MedicationInput,
}

fn check_score(field: &'static str, v: Option<u8>) -> Result<(), InvalidInput> {
    match v {
        Some(s) if s > MAX_SCORE => Err(InvalidInput::new(
            field,
            format!("must be between 0 and {MAX_SCORE}"),
        )),
        _ => Ok(()),
    }
}

impl PainInput {
    /// Checks every value against `now`.
    ///
    /// # Errors
    /// [`InvalidInput`] naming the first wrong field (`score`, `inventory.worst`, `at`…).
    pub fn validate(&self, now: UtcDateTime) -> Result<(), InvalidInput> {
        check_time("at", self.at, now)?;
        check_score("score", Some(self.score))?;
        if let Some(i) = &self.inventory {
            check_score("inventory.worst", i.worst)?;
            check_score("inventory.least", i.least)?;
            check_score("inventory.average", i.average)?;
            check_score("inventory.now", i.now)?;
            if let (Some(w), Some(l)) = (i.worst, i.least)
                && l > w
            {
                return Err(InvalidInput::new(
                    "inventory.least",
                    "is higher than the worst pain; check the two values",
                ));
            }
        }
        if let Some(i) = &self.interference {
            check_score("interference.general_activity", i.general_activity)?;
            check_score("interference.mood", i.mood)?;
            check_score("interference.walking", i.walking)?;
            check_score("interference.normal_work", i.normal_work)?;
            check_score("interference.relations", i.relations)?;
            check_score("interference.sleep", i.sleep)?;
            check_score("interference.enjoyment", i.enjoyment)?;
        }
        check_text("location", self.location.as_deref(), MAX_NAME_CHARS)?;
        check_text("note", self.note.as_deref(), MAX_NOTE_CHARS)?;
        Ok(())
    }

    /// The same values with free texts trimmed (blank → none) and times to the millisecond.
    #[must_use]
    pub fn tidied(mut self) -> Self {
        self.location = tidy(self.location);
        self.note = tidy(self.note);
        self.at = to_nearest_milli(self.at);
        self
    }
}

impl MedicationInput {
    /// Checks every value against `now`.
    ///
    /// # Errors
    /// [`InvalidInput`] naming the first wrong field (`drug`, `dose`, `at`…).
    pub fn validate(&self, now: UtcDateTime) -> Result<(), InvalidInput> {
        check_time("at", self.at, now)?;
        if self.drug.trim().is_empty() {
            return Err(InvalidInput::new(
                "drug",
                "is empty; enter the medication's name",
            ));
        }
        check_text("drug", Some(self.drug.trim()), MAX_NAME_CHARS)?;
        if !self.dose.is_finite() || self.dose <= 0.0 {
            return Err(InvalidInput::new("dose", "must be a number above zero"));
        }
        if self.dose > MAX_DOSE {
            return Err(InvalidInput::new(
                "dose",
                "is far too large; check the amount and the unit",
            ));
        }
        check_text("reason", self.reason.as_deref(), MAX_NOTE_CHARS)?;
        Ok(())
    }

    /// The same values with texts trimmed (blank reason → none) and times to the millisecond.
    #[must_use]
    pub fn tidied(mut self) -> Self {
        self.drug = self.drug.trim().to_owned();
        self.reason = tidy(self.reason);
        self.at = to_nearest_milli(self.at);
        self
    }

    /// The key trends group this drug by: its name trimmed and lower-cased.
    #[must_use]
    pub fn drug_key(&self) -> String {
        self.drug.trim().to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> UtcDateTime {
        chrono::Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
    }

    fn pain(score: u8) -> PainInput {
        PainInput {
            at: now() - chrono::Duration::hours(12),
            score,
            inventory: None,
            interference: None,
            location: None,
            note: None,
        }
    }

    #[test]
    fn a_score_of_eleven_names_the_field() {
        assert_eq!(pain(11).validate(now()).unwrap_err().field, "score");
        assert!(pain(10).validate(now()).is_ok());
        assert!(pain(0).validate(now()).is_ok());
        let mut p = pain(5);
        p.interference = Some(PainInterference {
            sleep: Some(12),
            ..PainInterference::default()
        });
        assert_eq!(p.validate(now()).unwrap_err().field, "interference.sleep");
    }

    #[test]
    fn least_above_worst_is_refused() {
        let mut p = pain(5);
        p.inventory = Some(PainInventory {
            worst: Some(4),
            least: Some(6),
            ..PainInventory::default()
        });
        assert_eq!(p.validate(now()).unwrap_err().field, "inventory.least");
    }

    #[test]
    fn medication_needs_a_name_and_a_sensible_dose() {
        let m = MedicationInput {
            at: now(),
            drug: "  ".into(),
            dose: 5.0,
            unit: DoseUnit::Milligram,
            route: Route::Oral,
            breakthrough: true,
            reason: None,
        };
        assert_eq!(m.validate(now()).unwrap_err().field, "drug");
        let named = MedicationInput {
            drug: " Oxycodone ".into(),
            ..m
        };
        assert!(named.validate(now()).is_ok());
        assert_eq!(named.drug_key(), "oxycodone");
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e9] {
            let e = MedicationInput {
                dose: bad,
                ..named.clone()
            }
            .validate(now())
            .unwrap_err();
            assert_eq!(e.field, "dose", "{bad}");
        }
    }
}
