//! The guidance texts (checklist, symptom levels, red flags, withdrawal signs), read from
//! `guidance.json`: the one place for every word the recovery module shows (not yet reviewed by
//! a clinician; the file says so).

use std::sync::LazyLock;

use serde::Deserialize;

use super::{GuidanceLevel, RedFlag, Severity, Symptom, SymptomGuidance, WithdrawalGuidance};
use crate::model::Drug;

/// The guidance file, compiled in.
const GUIDANCE_JSON: &str = include_str!("guidance.json");

#[derive(Debug, Deserialize)]
pub(crate) struct Guidance {
    pub levels: Levels,
    pub checklist: Vec<ChecklistTemplate>,
    pub symptoms: Vec<SymptomText>,
    pub red_flags: Vec<RedFlagText>,
    pub withdrawal: Vec<WithdrawalText>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Levels {
    pub routine: String,
    pub call_clinic: String,
    pub emergency: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ChecklistTemplate {
    pub key: String,
    pub title: String,
    pub detail: String,
    pub from_day: u16,
    pub to_day: u16,
    pub reminder: Option<ReminderTemplate>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReminderTemplate {
    pub day: u16,
    /// `HH:MM`, 24-hour local time.
    pub time: String,
    pub title: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SymptomText {
    pub code: String,
    pub label: String,
    /// The level for mild, moderate and severe.
    pub levels: [LevelCode; 3],
    pub advice: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum LevelCode {
    Routine,
    CallClinic,
    Emergency,
}

impl From<LevelCode> for GuidanceLevel {
    fn from(l: LevelCode) -> Self {
        match l {
            LevelCode::Routine => Self::Routine,
            LevelCode::CallClinic => Self::CallClinic,
            LevelCode::Emergency => Self::Emergency,
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct RedFlagText {
    pub sign: String,
    pub level: LevelCode,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WithdrawalText {
    pub group: String,
    pub drugs: Vec<String>,
    pub when: String,
    pub signs: Vec<String>,
    pub instruction: String,
    pub emergency_signs: Vec<String>,
    pub emergency_instruction: String,
}

/// The parsed guidance. The file is compiled in and checked by the tests below, so it cannot
/// fail to parse in a build that passed them.
pub(crate) static GUIDANCE: LazyLock<Guidance> = LazyLock::new(|| {
    serde_json::from_str(GUIDANCE_JSON).expect("guidance.json is checked by the module's tests")
});

/// Parses `HH:MM` into minutes after midnight.
pub(crate) fn parse_hhmm(s: &str) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

impl Guidance {
    fn level_text(&self, level: GuidanceLevel) -> &str {
        match level {
            GuidanceLevel::Routine => &self.levels.routine,
            GuidanceLevel::CallClinic => &self.levels.call_clinic,
            GuidanceLevel::Emergency => &self.levels.emergency,
        }
    }

    fn symptom(&self, s: Symptom) -> Option<&SymptomText> {
        self.symptoms.iter().find(|t| t.code == s.code())
    }

    /// What to do about `symptom` at `severity`.
    pub(crate) fn assess(&self, symptom: Symptom, severity: Severity) -> SymptomGuidance {
        let Some(t) = self.symptom(symptom) else {
            // Unreachable with a checked file; the conservative answer if it ever happened.
            return SymptomGuidance {
                level: GuidanceLevel::CallClinic,
                label: symptom.code().to_owned(),
                instruction: self.levels.call_clinic.clone(),
            };
        };
        let level: GuidanceLevel = t.levels[severity as usize].into();
        SymptomGuidance {
            level,
            label: t.label.clone(),
            instruction: format!("{} {}", t.advice, self.level_text(level)),
        }
    }

    pub(crate) fn red_flags(&self) -> Vec<RedFlag> {
        self.red_flags
            .iter()
            .map(|f| RedFlag {
                sign: f.sign.clone(),
                level: f.level.into(),
                instruction: self.level_text(f.level.into()).to_owned(),
            })
            .collect()
    }

    pub(crate) fn withdrawal(&self, drug: &Drug) -> WithdrawalGuidance {
        let code = drug.code();
        let t = self
            .withdrawal
            .iter()
            .find(|w| w.drugs.contains(&code))
            .or_else(|| self.withdrawal.iter().find(|w| w.group == "other"));
        match t {
            Some(t) => WithdrawalGuidance {
                group: t.group.clone(),
                when: t.when.clone(),
                signs: t.signs.clone(),
                instruction: t.instruction.clone(),
                emergency_signs: t.emergency_signs.clone(),
                emergency_instruction: t.emergency_instruction.clone(),
            },
            None => WithdrawalGuidance {
                group: "other".into(),
                when: String::new(),
                signs: Vec::new(),
                instruction: self.levels.call_clinic.clone(),
                emergency_signs: Vec::new(),
                emergency_instruction: self.levels.emergency.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentence(s: &str, what: &str) {
        let s = s.trim();
        assert!(!s.is_empty(), "{what} is empty");
        assert!(s.len() < 400, "{what} is too long for a person in pain");
        assert!(
            s.chars().next().is_some_and(char::is_uppercase),
            "{what} starts with a capital"
        );
        assert!(!s.contains("  "), "{what} has a double space");
    }

    fn full_sentence(s: &str, what: &str) {
        sentence(s, what);
        assert!(s.ends_with('.'), "{what} ends with a full stop");
    }

    #[test]
    fn the_file_parses_and_every_text_is_well_formed() {
        let g: Guidance = serde_json::from_str(GUIDANCE_JSON).unwrap();
        full_sentence(&g.levels.routine, "levels.routine");
        full_sentence(&g.levels.call_clinic, "levels.call_clinic");
        full_sentence(&g.levels.emergency, "levels.emergency");
        assert!(g.levels.call_clinic.contains("Call your clinic now"));
        assert!(g.levels.emergency.contains("Call emergency services now"));
        for c in &g.checklist {
            sentence(&c.title, &c.key);
            full_sentence(&c.detail, &c.key);
            assert!(c.from_day <= c.to_day, "{}", c.key);
            if let Some(r) = &c.reminder {
                assert!(parse_hhmm(&r.time).is_some(), "{}: time", c.key);
                assert!((c.from_day..=c.to_day).contains(&r.day), "{}", c.key);
                full_sentence(&r.title, &c.key);
            }
        }
        for s in &g.symptoms {
            sentence(&s.label, &s.code);
            full_sentence(&s.advice, &s.code);
        }
        for f in &g.red_flags {
            sentence(&f.sign, "red flag");
        }
        for w in &g.withdrawal {
            full_sentence(&w.when, &w.group);
            full_sentence(&w.instruction, &w.group);
            full_sentence(&w.emergency_instruction, &w.group);
            assert!(!w.signs.is_empty(), "{}", w.group);
            for s in w.signs.iter().chain(&w.emergency_signs) {
                sentence(s, &w.group);
            }
            assert!(w.emergency_instruction.contains("emergency services"));
        }
    }

    #[test]
    fn every_checklist_fact_of_the_brief_is_present_with_its_days() {
        let g = &*GUIDANCE;
        let keys: Vec<&str> = g.checklist.iter().map(|c| c.key.as_str()).collect();
        for k in [
            "driver_home",
            "not_alone_first_night",
            "take_it_easy",
            "ice_and_binder",
            "antibiotics",
            "wound_check",
            "stitches_out",
            "learn_red_flags",
            "learn_withdrawal",
        ] {
            assert!(keys.contains(&k), "missing {k}");
        }
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), keys.len(), "keys are unique");
        let wound = g.checklist.iter().find(|c| c.key == "wound_check").unwrap();
        assert_eq!((wound.from_day, wound.to_day), (3, 5));
        let stitches = g
            .checklist
            .iter()
            .find(|c| c.key == "stitches_out")
            .unwrap();
        assert!((stitches.from_day..=stitches.to_day).contains(&14));
    }

    #[test]
    fn every_symptom_has_its_text_once() {
        let g = &*GUIDANCE;
        for s in Symptom::ALL {
            assert_eq!(
                g.symptoms.iter().filter(|t| t.code == s.code()).count(),
                1,
                "{s:?}"
            );
        }
        assert_eq!(
            g.symptoms.len(),
            Symptom::ALL.len(),
            "no text without a symptom"
        );
    }

    #[test]
    fn the_red_flags_of_the_issue_call_the_clinic_and_overdose_signs_call_emergency() {
        let g = &*GUIDANCE;
        for s in [
            Symptom::Fever,
            Symptom::WoundDischarge,
            Symptom::SpreadingRedness,
            Symptom::PositionalHeadache,
            Symptom::Weakness,
            Symptom::Numbness,
            Symptom::Bleeding,
        ] {
            for sev in [Severity::Mild, Severity::Moderate, Severity::Severe] {
                assert_eq!(g.assess(s, sev).level, GuidanceLevel::CallClinic, "{s:?}");
            }
        }
        assert_eq!(
            g.assess(Symptom::Headache, Severity::Severe).level,
            GuidanceLevel::CallClinic
        );
        for s in [Symptom::UnusualDrowsiness, Symptom::SlowedBreathing] {
            let a = g.assess(s, Severity::Mild);
            assert_eq!(a.level, GuidanceLevel::Emergency);
            assert!(a.instruction.contains("Call emergency services now"));
        }
        // Common after the procedure: routine unless severe.
        for s in [
            Symptom::Bruising,
            Symptom::Soreness,
            Symptom::Swelling,
            Symptom::Tenderness,
        ] {
            assert_eq!(g.assess(s, Severity::Mild).level, GuidanceLevel::Routine);
            assert_eq!(
                g.assess(s, Severity::Severe).level,
                GuidanceLevel::CallClinic
            );
        }
        // No symptom is ever milder when more severe.
        for s in Symptom::ALL {
            let l = |sev| g.assess(s, sev).level;
            assert!(l(Severity::Mild) <= l(Severity::Moderate));
            assert!(l(Severity::Moderate) <= l(Severity::Severe));
        }
        let flags = g.red_flags();
        assert_eq!(
            flags
                .iter()
                .filter(|f| f.level == GuidanceLevel::Emergency)
                .count(),
            2
        );
        assert!(flags.iter().any(|f| f.sign.contains("Fever")));
    }

    #[test]
    fn every_pump_drug_has_withdrawal_guidance() {
        let g = &*GUIDANCE;
        let morphine = g.withdrawal(&Drug::Morphine);
        assert_eq!(morphine.group, "opioid");
        assert!(morphine.signs.iter().any(|s| s.contains("Sweating")));
        assert!(morphine.signs.iter().any(|s| s.contains("Agitation")));
        assert!(
            morphine
                .signs
                .iter()
                .any(|s| s.contains("pain coming back"))
        );
        let baclofen = g.withdrawal(&Drug::Baclofen);
        assert!(baclofen.signs.iter().any(|s| s.contains("Itching")));
        assert!(baclofen.signs.iter().any(|s| s.contains("stiffness")));
        for d in [
            Drug::Hydromorphone,
            Drug::Fentanyl,
            Drug::Sufentanil,
            Drug::Ziconotide,
            Drug::Bupivacaine,
            Drug::Clonidine,
        ] {
            assert_ne!(g.withdrawal(&d).group, "other", "{d:?}");
        }
        let other = g.withdrawal(&Drug::Other {
            name: "morphine + clonidine".into(),
        });
        assert_eq!(other.group, "other");
        assert!(other.instruction.contains("call your clinic now"));
    }

    #[test]
    fn hhmm_parsing() {
        assert_eq!(parse_hhmm("09:00"), Some(540));
        assert_eq!(parse_hhmm("23:59"), Some(1439));
        for bad in ["24:00", "9:00", "09:60", "0900", "ab:cd"] {
            assert_eq!(parse_hhmm(bad), None, "{bad}");
        }
    }
}
