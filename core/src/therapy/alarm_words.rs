//! The pump's alarms in words: the name and what to do, in the reader's language. The advice is
//! a safety text, shown only as a clinician reviewed it (`l10n::Texts::safety`).

use crate::l10n::{Domain, Language, Texts};
use crate::model::{AlarmKind, AlarmPriority};

/// An alarm as a person reads it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AlarmText {
    /// The alarm's name ("Reservoir empty").
    pub name: String,
    /// The priority in words ("High").
    pub priority: String,
    /// What to do ("Call your clinic now: …").
    pub advice: String,
    /// Shown with the advice while it is not a clinician-reviewed text in the reader's
    /// language ("Not yet reviewed in your language: shown in English."); `None` once it is.
    pub note: Option<String>,
}

/// `kind` at `priority` in words, in `language`.
#[must_use]
pub fn alarm_text(kind: AlarmKind, priority: AlarmPriority, language: Language) -> AlarmText {
    let t = Texts::or_english(language, Domain::Alarms);
    let code = match kind {
        AlarmKind::Unrecognised { .. } => "unrecognised".to_owned(),
        known => known.text_code(),
    };
    let hex = match kind {
        AlarmKind::Unrecognised { code } => format!("{code:#06x}"),
        _ => String::new(),
    };
    let name = t.format(
        &format!("alarm-{code}"),
        &[("code", t.isolate(&hex).into())],
    );
    let advice = t.safety(&format!("alarm-{code}-advice"), &[]);
    AlarmText {
        name,
        priority: t.get(match priority {
            AlarmPriority::High => "priority-high",
            AlarmPriority::Medium => "priority-medium",
            AlarmPriority::Low => "priority-low",
        }),
        advice: advice.text,
        note: advice.note,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::l10n::ALL_LANGUAGES;

    #[test]
    fn every_alarm_has_a_name_and_advice_in_every_language() {
        let kinds = [
            AlarmKind::ReservoirLow,
            AlarmKind::ReservoirEmpty,
            AlarmKind::BatteryElectiveReplacement,
            AlarmKind::BatteryEndOfService,
            AlarmKind::CatheterOcclusion,
            AlarmKind::MotorStall,
            AlarmKind::ClockError,
            AlarmKind::PumpFault,
            AlarmKind::Unrecognised { code: 0x7f01 },
        ];
        for lang in ALL_LANGUAGES {
            for k in &kinds {
                let t = alarm_text(*k, AlarmPriority::High, lang);
                assert!(!t.name.starts_with("alarm-"), "{lang:?} {k:?}: {}", t.name);
                assert!(!t.advice.starts_with("alarm-"), "{lang:?} {k:?}");
                // No clinician has reviewed the advice yet: every reader is told.
                assert!(t.note.is_some(), "{lang:?} {k:?}");
            }
        }
        let t = alarm_text(
            AlarmKind::Unrecognised { code: 0x7f01 },
            AlarmPriority::Medium,
            Language::English,
        );
        assert_eq!(t.name, "Pump alarm 0x7f01");
        assert_eq!(t.priority, "Medium");
        let fr = alarm_text(AlarmKind::MotorStall, AlarmPriority::High, Language::French);
        assert_ne!(fr.name, "Pump motor stopped");
        assert!(
            fr.advice
                .starts_with("The pump may not be delivering medicine")
        );
    }
}
