//! Review state of safety messages, and the rule that shows a translation of one only once a
//! clinician has reviewed it.
//!
//! In the Fluent files a safety message carries two attributes:
//! `.written = WHO, DATE` and `.review = not reviewed` or `.review = reviewed by WHO, DATE`
//! (`docs/localisation.md` says how a clinic signs one off). Whether a message is a safety
//! message is decided by the source language: the English message has a `.review`.

use super::{FluentValue, Language, Texts};

/// The review state of one message in one language, as its file records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Review {
    /// Not a safety message: no review is asked for.
    NotSafety,
    /// A safety message nobody has reviewed yet; `written` says who wrote it and when.
    NotReviewed {
        /// Who wrote or translated it, and when.
        written: String,
    },
    /// A safety message a clinician reviewed.
    Reviewed {
        /// Who wrote or translated it, and when.
        written: String,
        /// Who reviewed it, and when.
        by: String,
    },
}

/// A safety text as shown: the text, the language it is actually in, and the note to show
/// beside it when it is not a clinician-reviewed text in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Reviewed {
    /// The text (in a right-to-left reader's language, an English text is a bidi isolate).
    pub text: String,
    /// The language the text is in (English when the translation is not reviewed yet).
    pub language: Language,
    /// "Not yet reviewed in your language: shown in English.", "Not yet reviewed by a
    /// clinician.", in the reader's language; `None` for a reviewed text in their language.
    pub note: Option<String>,
}

impl Reviewed {
    /// The text, then the note on a line of its own when there is one: for a notification or
    /// an alert, which have no other place for it.
    #[must_use]
    pub fn with_note(self) -> String {
        match self.note {
            Some(note) => format!("{}\n{note}", self.text),
            None => self.text,
        }
    }
}

const REVIEWED_BY: &str = "reviewed by ";

impl Texts {
    /// The review state of message `id` in this language.
    #[must_use]
    pub fn review(&self, id: &str) -> Review {
        self.review_against(id, &Self::english(self.domain))
    }

    pub(super) fn review_against(&self, id: &str, english: &Self) -> Review {
        let attr = |name: &str| {
            let m = self.bundle.get_message(id)?;
            let pattern = m.get_attribute(name)?.value();
            let mut errors = vec![];
            Some(
                self.bundle
                    .format_pattern(pattern, None, &mut errors)
                    .trim()
                    .to_owned(),
            )
        };
        let safety = if self.language == Language::English {
            attr("review").is_some()
        } else {
            english.review(id) != Review::NotSafety
        };
        if !safety {
            return Review::NotSafety;
        }
        let written = attr("written").unwrap_or_default();
        match attr("review") {
            Some(r) if r.starts_with(REVIEWED_BY) && r.len() > REVIEWED_BY.len() => {
                Review::Reviewed {
                    written,
                    by: r[REVIEWED_BY.len()..].to_owned(),
                }
            }
            _ => Review::NotReviewed { written },
        }
    }

    /// Safety message `id` with `args`, shown only as a clinician reviewed it: in this language
    /// if its translation is reviewed; otherwise in English with a note in this language; and
    /// with a note in any language while no clinician has reviewed the English either.
    #[must_use]
    pub fn safety(&self, id: &str, args: &[(&str, FluentValue<'_>)]) -> Reviewed {
        self.safety_against(id, args, &Self::english(self.domain))
    }

    pub(super) fn safety_against(
        &self,
        id: &str,
        args: &[(&str, FluentValue<'_>)],
        english: &Self,
    ) -> Reviewed {
        let own = self.review_against(id, english);
        if matches!(own, Review::Reviewed { .. }) || own == Review::NotSafety {
            return Reviewed {
                text: self.format(id, args),
                language: self.language,
                note: None,
            };
        }
        let source_reviewed = matches!(english.review(id), Review::Reviewed { .. });
        let mut notes = Vec::new();
        if self.language != Language::English {
            notes.push(self.format(
                "review-note-translation",
                &[("language", self.get("language-name").into())],
            ));
        }
        if !source_reviewed {
            notes.push(self.get("review-note-unreviewed"));
        }
        // Kept whole inside right-to-left text (its full stop stays at its end).
        Reviewed {
            text: self.isolate(&english.format(id, args)),
            language: Language::English,
            note: (!notes.is_empty()).then(|| notes.join(" ")),
        }
    }
}
