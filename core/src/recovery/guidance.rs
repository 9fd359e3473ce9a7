//! The recovery module's guidance: its structure (checklist days, symptom levels, red-flag
//! levels, withdrawal groups) in the tables below, its words in the Fluent files
//! (`core/locales/<lang>/recovery.ftl`, under ids made from these keys). The red flags,
//! withdrawal signs, levels and symptom advice are safety texts: shown only as a clinician
//! reviewed them (`l10n::Texts::safety`); no clinician has reviewed them yet, and every one says
//! so. Facts from the product brief and common, conservative after-care advice; checklist days
//! count from the implant day (day 0) in the patient's time zone.

use super::{GuidanceLevel, RedFlag, Severity, Symptom, SymptomGuidance, WithdrawalGuidance};
use crate::l10n::{Domain, Language, Reviewed, Texts};
use crate::model::Drug;

use GuidanceLevel::{CallClinic as Clinic, Emergency, Routine};

pub(crate) struct Guidance {
    pub checklist: &'static [ChecklistTemplate],
    pub symptoms: &'static [SymptomLevels],
    pub red_flags: &'static [RedFlagLevel],
    pub withdrawal: &'static [WithdrawalGroup],
}

/// An item of the checklist: its key, the days it applies to, and its reminder if it has one.
pub(crate) struct ChecklistTemplate {
    pub key: &'static str,
    pub from_day: u16,
    pub to_day: u16,
    pub reminder: Option<ReminderTemplate>,
}

/// A reminder the plan sets: on which day, at which minute of the local day.
pub(crate) struct ReminderTemplate {
    pub day: u16,
    pub minute: u16,
}

/// A symptom's level when mild, moderate and severe.
pub(crate) struct SymptomLevels {
    pub symptom: Symptom,
    pub levels: [GuidanceLevel; 3],
}

/// A red flag and how urgent it is.
pub(crate) struct RedFlagLevel {
    pub key: &'static str,
    pub level: GuidanceLevel,
}

/// A drug group's withdrawal guidance: its drugs, and how many signs it lists
/// (`withdrawal-<group>-sign-1`…, `withdrawal-<group>-emergency-sign-1`…).
pub(crate) struct WithdrawalGroup {
    pub group: &'static str,
    pub drugs: &'static [&'static str],
    pub signs: u8,
    pub emergency_signs: u8,
}

const fn item(key: &'static str, from_day: u16, to_day: u16) -> ChecklistTemplate {
    ChecklistTemplate {
        key,
        from_day,
        to_day,
        reminder: None,
    }
}

const NINE_AM: u16 = 9 * 60;

/// The guidance.
pub(crate) static GUIDANCE: Guidance = Guidance {
    checklist: &[
        item("driver_home", 0, 0),
        item("not_alone_first_night", 0, 1),
        item("take_it_easy", 0, 6),
        item("ice_and_binder", 0, 6),
        item("antibiotics", 0, 6),
        item("learn_red_flags", 0, 1),
        item("learn_withdrawal", 0, 1),
        // The wound is checked 3 to 5 days after the implant; stitches come out at about two
        // weeks.
        ChecklistTemplate {
            reminder: Some(ReminderTemplate {
                day: 3,
                minute: NINE_AM,
            }),
            ..item("wound_check", 3, 5)
        },
        ChecklistTemplate {
            reminder: Some(ReminderTemplate {
                day: 12,
                minute: NINE_AM,
            }),
            ..item("stitches_out", 12, 16)
        },
    ],
    symptoms: &[
        SymptomLevels {
            symptom: Symptom::Bruising,
            levels: [Routine, Routine, Clinic],
        },
        SymptomLevels {
            symptom: Symptom::Soreness,
            levels: [Routine, Routine, Clinic],
        },
        SymptomLevels {
            symptom: Symptom::Swelling,
            levels: [Routine, Routine, Clinic],
        },
        SymptomLevels {
            symptom: Symptom::Tenderness,
            levels: [Routine, Routine, Clinic],
        },
        SymptomLevels {
            symptom: Symptom::Headache,
            levels: [Routine, Clinic, Clinic],
        },
        SymptomLevels {
            symptom: Symptom::PositionalHeadache,
            levels: [Clinic, Clinic, Clinic],
        },
        SymptomLevels {
            symptom: Symptom::Tingling,
            levels: [Routine, Clinic, Clinic],
        },
        SymptomLevels {
            symptom: Symptom::Weakness,
            levels: [Clinic, Clinic, Clinic],
        },
        SymptomLevels {
            symptom: Symptom::Numbness,
            levels: [Clinic, Clinic, Clinic],
        },
        SymptomLevels {
            symptom: Symptom::Bleeding,
            levels: [Clinic, Clinic, Clinic],
        },
        SymptomLevels {
            symptom: Symptom::Fever,
            levels: [Clinic, Clinic, Clinic],
        },
        SymptomLevels {
            symptom: Symptom::WoundRedness,
            levels: [Routine, Clinic, Clinic],
        },
        SymptomLevels {
            symptom: Symptom::SpreadingRedness,
            levels: [Clinic, Clinic, Clinic],
        },
        SymptomLevels {
            symptom: Symptom::WoundDischarge,
            levels: [Clinic, Clinic, Clinic],
        },
        SymptomLevels {
            symptom: Symptom::UnusualDrowsiness,
            levels: [Emergency, Emergency, Emergency],
        },
        SymptomLevels {
            symptom: Symptom::SlowedBreathing,
            levels: [Emergency, Emergency, Emergency],
        },
        SymptomLevels {
            symptom: Symptom::Other,
            levels: [Routine, Clinic, Clinic],
        },
    ],
    red_flags: &[
        RedFlagLevel {
            key: "fever",
            level: Clinic,
        },
        RedFlagLevel {
            key: "wound_discharge",
            level: Clinic,
        },
        RedFlagLevel {
            key: "spreading_redness",
            level: Clinic,
        },
        RedFlagLevel {
            key: "severe_headache",
            level: Clinic,
        },
        RedFlagLevel {
            key: "new_weakness",
            level: Clinic,
        },
        RedFlagLevel {
            key: "bleeding",
            level: Clinic,
        },
        RedFlagLevel {
            key: "drowsiness",
            level: Emergency,
        },
        RedFlagLevel {
            key: "slow_breathing",
            level: Emergency,
        },
    ],
    withdrawal: &[
        WithdrawalGroup {
            group: "opioid",
            drugs: &["morphine", "hydromorphone", "fentanyl", "sufentanil"],
            signs: 7,
            emergency_signs: 2,
        },
        WithdrawalGroup {
            group: "baclofen",
            drugs: &["baclofen"],
            signs: 5,
            emergency_signs: 3,
        },
        WithdrawalGroup {
            group: "ziconotide",
            drugs: &["ziconotide"],
            signs: 1,
            emergency_signs: 1,
        },
        WithdrawalGroup {
            group: "clonidine",
            drugs: &["clonidine"],
            signs: 4,
            emergency_signs: 2,
        },
        WithdrawalGroup {
            group: "local_anaesthetic",
            drugs: &["bupivacaine"],
            signs: 1,
            emergency_signs: 2,
        },
        WithdrawalGroup {
            group: "other",
            drugs: &[],
            signs: 4,
            emergency_signs: 3,
        },
    ],
};

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
        self.symptoms.iter().find(|t| t.symptom == s)
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
            .map_or(GuidanceLevel::CallClinic, |s| s.levels[severity as usize]);
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
                    level: f.level,
                    instruction: safe.text(level_id(f.level)),
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
            .find(|w| w.drugs.contains(&code.as_str()))
            .or_else(|| self.withdrawal.iter().find(|w| w.group == "other"));
        let t = texts(language);
        let mut safe = Safety { t: &t, note: None };
        match group {
            Some(w) => {
                let g = &w.group;
                WithdrawalGuidance {
                    group: (*g).to_owned(),
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
    fn every_text_is_well_formed_in_every_language() {
        let g = &GUIDANCE;
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
            for c in g.checklist {
                text(format!("checklist-{}-title", c.key));
                full(format!("checklist-{}-detail", c.key));
                assert!(c.from_day <= c.to_day, "{}", c.key);
                if let Some(r) = &c.reminder {
                    assert!(r.minute < 24 * 60, "{}: time", c.key);
                    assert!((c.from_day..=c.to_day).contains(&r.day), "{}", c.key);
                    full(format!("checklist-{}-reminder", c.key));
                }
            }
            for s in g.symptoms {
                text(format!("symptom-{}", s.symptom.code()));
                full(format!("symptom-{}-advice", s.symptom.code()));
            }
            for f in g.red_flags {
                text(format!("red-flag-{}", f.key));
            }
            for w in g.withdrawal {
                let gr = w.group;
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
        let g = &GUIDANCE;
        let keys: Vec<&str> = g.checklist.iter().map(|c| c.key).collect();
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
        let g = &GUIDANCE;
        for s in Symptom::ALL {
            assert_eq!(
                g.symptoms.iter().filter(|t| t.symptom == s).count(),
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
        let g = &GUIDANCE;
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
        let g = &GUIDANCE;
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
}
