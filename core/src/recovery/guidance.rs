//! The recovery module's guidance: its structure (checklist days, symptom levels, red-flag
//! levels, withdrawal groups) from `guidance.json`, its words from the Fluent files
//! (`core/locales/<lang>/recovery.ftl`). The red flags, withdrawal signs, levels and symptom
//! advice are safety texts: shown only as a clinician reviewed them (`l10n::Texts::safety`); no
//! clinician has reviewed them yet, and every one says so.

use std::sync::LazyLock;

use serde::Deserialize;

use super::{GuidanceLevel, RedFlag, Severity, Symptom, SymptomGuidance, WithdrawalGuidance};
use crate::l10n::{Domain, Language, Reviewed, Texts};
use crate::model::Drug;

/// The guidance file, compiled in.
const GUIDANCE_JSON: &str = include_str!("guidance.json");

#[derive(Debug, Deserialize)]
pub(crate) struct Guidance {
    pub checklist: Vec<ChecklistTemplate>,
    pub symptoms: Vec<SymptomLevels>,
    pub red_flags: Vec<RedFlagLevel>,
    pub withdrawal: Vec<WithdrawalGroup>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ChecklistTemplate {
    pub key: String,
    pub from_day: u16,
    pub to_day: u16,
    pub reminder: Option<ReminderTemplate>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReminderTemplate {
    pub day: u16,
    /// `HH:MM`, 24-hour local time.
    pub time: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SymptomLevels {
    pub code: String,
    /// The level for mild, moderate and severe.
    pub levels: [LevelCode; 3],
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
pub(crate) struct RedFlagLevel {
    pub key: String,
    pub level: LevelCode,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WithdrawalGroup {
    pub group: String,
    pub drugs: Vec<String>,
    /// How many signs (`withdrawal-<group>-sign-1`…).
    pub signs: u8,
    /// How many emergency signs (`withdrawal-<group>-emergency-sign-1`…).
    pub emergency_signs: u8,
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

/// The recovery words in `language`.
pub(crate) fn texts(language: Language) -> Texts {
    Texts::or_english(language, Domain::Recovery)
}

/// The safety texts of one answer, and the one note to show with them.
struct Safety<'a> {
    t: &'a Texts,
    note: Option<String>,
}

impl Safety<'_> {
    fn text(&mut self, id: &str) -> String {
        let Reviewed { text, note, .. } = self.t.safety(id, &[]);
        if note.is_some() {
            self.note = note;
        }
        text
    }
}

fn level_id(level: GuidanceLevel) -> &'static str {
    match level {
        GuidanceLevel::Routine => "level-routine",
        GuidanceLevel::CallClinic => "level-call_clinic",
        GuidanceLevel::Emergency => "level-emergency",
    }
}

impl Guidance {
    fn symptom(&self, s: Symptom) -> Option<&SymptomLevels> {
        self.symptoms.iter().find(|t| t.code == s.code())
    }

    /// What to do about `symptom` at `severity`, in `language`.
    pub(crate) fn assess(
        &self,
        symptom: Symptom,
        severity: Severity,
        language: Language,
    ) -> SymptomGuidance {
        let t = texts(language);
        let mut safe = Safety { t: &t, note: None };
        // Unreachable with a checked file; the conservative answer if it ever happened.
        let level = self
            .symptom(symptom)
            .map_or(GuidanceLevel::CallClinic, |s| {
                s.levels[severity as usize].into()
            });
        let advice = safe.text(&format!("symptom-{}-advice", symptom.code()));
        let what = safe.text(level_id(level));
        SymptomGuidance {
            level,
            label: t.get(&format!("symptom-{}", symptom.code())),
            instruction: format!("{advice} {what}"),
            note: safe.note,
        }
    }

    /// The red flags, in `language`.
    pub(crate) fn red_flags(&self, language: Language) -> Vec<RedFlag> {
        let t = texts(language);
        self.red_flags
            .iter()
            .map(|f| {
                let mut safe = Safety { t: &t, note: None };
                RedFlag {
                    sign: safe.text(&format!("red-flag-{}", f.key)),
                    level: f.level.into(),
                    instruction: safe.text(level_id(f.level.into())),
                    note: safe.note,
                }
            })
            .collect()
    }

    /// The withdrawal signs of `drug`, in `language`.
    pub(crate) fn withdrawal(&self, drug: &Drug, language: Language) -> WithdrawalGuidance {
        let code = drug.code();
        let group = self
            .withdrawal
            .iter()
            .find(|w| w.drugs.contains(&code))
            .or_else(|| self.withdrawal.iter().find(|w| w.group == "other"));
        let t = texts(language);
        let mut safe = Safety { t: &t, note: None };
        match group {
            Some(w) => {
                let g = &w.group;
                WithdrawalGuidance {
                    group: g.clone(),
                    when: safe.text(&format!("withdrawal-{g}-when")),
                    signs: (1..=w.signs)
                        .map(|n| safe.text(&format!("withdrawal-{g}-sign-{n}")))
                        .collect(),
                    instruction: safe.text(&format!("withdrawal-{g}-instruction")),
                    emergency_signs: (1..=w.emergency_signs)
                        .map(|n| safe.text(&format!("withdrawal-{g}-emergency-sign-{n}")))
                        .collect(),
                    emergency_instruction: safe
                        .text(&format!("withdrawal-{g}-emergency-instruction")),
                    note: safe.note,
                }
            }
            None => WithdrawalGuidance {
                group: "other".into(),
                when: String::new(),
                signs: Vec::new(),
                instruction: safe.text("level-call_clinic"),
                emergency_signs: Vec::new(),
                emergency_instruction: safe.text("level-emergency"),
                note: safe.note,
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
    fn the_file_parses_and_every_text_is_well_formed_in_every_language() {
        let g: Guidance = serde_json::from_str(GUIDANCE_JSON).unwrap();
        for lang in crate::l10n::ALL_LANGUAGES {
            // Case and full stops are English rules; every language gets the rest.
            let en = lang == Language::English;
            let t = texts(lang);
            let text = |id: String| {
                assert!(t.has(&id), "{lang:?}: {id} missing");
                let s = t.get(&id);
                let what = format!("{lang:?} {id}");
                if en {
                    sentence(&s, &what);
                } else {
                    assert!(!s.trim().is_empty() && s.len() < 600, "{what}");
                }
                (s, what)
            };
            let full = |id: String| {
                let (s, what) = text(id);
                if en {
                    full_sentence(&s, &what);
                }
                s
            };
            for l in ["routine", "call_clinic", "emergency"] {
                full(format!("level-{l}"));
            }
            for c in &g.checklist {
                text(format!("checklist-{}-title", c.key));
                full(format!("checklist-{}-detail", c.key));
                assert!(c.from_day <= c.to_day, "{}", c.key);
                if let Some(r) = &c.reminder {
                    assert!(parse_hhmm(&r.time).is_some(), "{}: time", c.key);
                    assert!((c.from_day..=c.to_day).contains(&r.day), "{}", c.key);
                    full(format!("checklist-{}-reminder", c.key));
                }
            }
            for s in &g.symptoms {
                text(format!("symptom-{}", s.code));
                full(format!("symptom-{}-advice", s.code));
            }
            for f in &g.red_flags {
                text(format!("red-flag-{}", f.key));
            }
            for w in &g.withdrawal {
                let gr = &w.group;
                full(format!("withdrawal-{gr}-when"));
                full(format!("withdrawal-{gr}-instruction"));
                let emergency = full(format!("withdrawal-{gr}-emergency-instruction"));
                assert!(w.signs > 0, "{gr}");
                for n in 1..=w.signs {
                    text(format!("withdrawal-{gr}-sign-{n}"));
                }
                for n in 1..=w.emergency_signs {
                    text(format!("withdrawal-{gr}-emergency-sign-{n}"));
                }
                if en {
                    assert!(emergency.contains("emergency services"));
                }
            }
        }
        let en = texts(Language::English);
        assert!(en.get("level-call_clinic").contains("Call your clinic now"));
        assert!(
            en.get("level-emergency")
                .contains("Call emergency services now")
        );
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
                assert_eq!(
                    g.assess(s, sev, Language::English).level,
                    GuidanceLevel::CallClinic,
                    "{s:?}"
                );
            }
        }
        assert_eq!(
            g.assess(Symptom::Headache, Severity::Severe, Language::English)
                .level,
            GuidanceLevel::CallClinic
        );
        for s in [Symptom::UnusualDrowsiness, Symptom::SlowedBreathing] {
            let a = g.assess(s, Severity::Mild, Language::English);
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
            assert_eq!(
                g.assess(s, Severity::Mild, Language::English).level,
                GuidanceLevel::Routine
            );
            assert_eq!(
                g.assess(s, Severity::Severe, Language::English).level,
                GuidanceLevel::CallClinic
            );
        }
        // No symptom is ever milder when more severe.
        for s in Symptom::ALL {
            let l = |sev| g.assess(s, sev, Language::English).level;
            assert!(l(Severity::Mild) <= l(Severity::Moderate));
            assert!(l(Severity::Moderate) <= l(Severity::Severe));
        }
        let flags = g.red_flags(Language::English);
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
        let morphine = g.withdrawal(&Drug::Morphine, Language::English);
        assert_eq!(morphine.group, "opioid");
        assert!(morphine.signs.iter().any(|s| s.contains("Sweating")));
        assert!(morphine.signs.iter().any(|s| s.contains("Agitation")));
        assert!(
            morphine
                .signs
                .iter()
                .any(|s| s.contains("pain coming back"))
        );
        let baclofen = g.withdrawal(&Drug::Baclofen, Language::English);
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
            assert_ne!(g.withdrawal(&d, Language::English).group, "other", "{d:?}");
        }
        let other = g.withdrawal(
            &Drug::Other {
                name: "morphine + clonidine".into(),
            },
            Language::English,
        );
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
