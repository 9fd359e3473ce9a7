//! The demo's words in the patient's language (`thecal_core::l10n`, the files the apps use),
//! laid out for a terminal. A terminal draws characters left to right as they come, so for a
//! right-to-left language the demo does what a phone's text engine does: joins the Arabic
//! letters into their contextual forms, puts each line in visual order with the Unicode
//! bidirectional algorithm (numbers, units and Latin names stay whole), and aligns it right.

use ratatui::layout::Alignment;
use ratatui::text::{Line, Span};
use thecal_core::l10n::{Domain, FluentValue, Language, Texts};
use unicode_bidi::{BidiInfo, Level};

/// The dashboard's words in one language.
#[derive(Debug, Clone, Copy)]
pub(super) struct Words {
    t: Texts,
}

impl Words {
    /// The words of `language`.
    pub(super) fn new(language: Language) -> Self {
        Self {
            t: Texts::or_english(language, Domain::Dashboard),
        }
    }

    /// The language.
    pub(super) fn language(&self) -> Language {
        self.t.language()
    }

    /// The messages themselves (dates, numbers).
    pub(super) fn texts(&self) -> &Texts {
        &self.t
    }

    fn rtl(&self) -> bool {
        self.t.language().is_rtl()
    }

    /// Message `id`, in logical order.
    pub(super) fn get(&self, id: &str) -> String {
        self.t.get(id)
    }

    /// Message `id` with `args`, in logical order.
    pub(super) fn fmt(&self, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        self.t.format(id, args)
    }

    /// "Label: value" as the language writes it (`Liaison : Connectée`).
    pub(super) fn labelled(&self, label_id: &str, value: &str) -> String {
        self.label_value(&self.get(label_id), value)
    }

    /// "Label: value" with a label already in words.
    pub(super) fn label_value(&self, label: &str, value: &str) -> String {
        self.fmt(
            "label-value",
            &[("label", label.into()), ("value", value.into())],
        )
    }

    /// The words before and after the value of [`Words::labelled`], for a value styled apart.
    pub(super) fn label_parts(&self, label_id: &str) -> (String, String) {
        const MARK: &str = "\u{e000}";
        let whole = self.labelled(label_id, MARK);
        match whole.split_once(MARK) {
            Some((before, after)) => (before.to_owned(), after.to_owned()),
            None => (whole, String::new()),
        }
    }

    /// A daily dose ("11 µg/day", "1.5 mg/jour").
    pub(super) fn dose_per_day(&self, micrograms: u32) -> String {
        let dose = if micrograms >= 1000 {
            format!(
                "{}\u{a0}mg",
                self.t.number(f64::from(micrograms) / 1000.0, 3)
            )
        } else {
            format!("{micrograms}\u{a0}µg")
        };
        self.fmt("dose-per-day", &[("dose", dose.into())])
    }

    /// `text` as the terminal must draw it.
    pub(super) fn vis(&self, text: &str) -> String {
        if self.rtl() {
            visual(text)
        } else {
            text.to_owned()
        }
    }

    /// A block title (" Reservoir ").
    pub(super) fn title(&self, id: &str) -> String {
        format!(" {} ", self.vis(&self.get(id)))
    }

    /// Where a line starts: the right edge in a right-to-left language.
    pub(super) fn alignment(&self) -> Alignment {
        if self.rtl() {
            Alignment::Right
        } else {
            Alignment::Left
        }
    }

    /// A line of styled pieces, each a unit of meaning (a label, a value): in a right-to-left
    /// language the pieces run from the right and each is in visual order.
    pub(super) fn line<'a>(&self, spans: Vec<Span<'a>>) -> Line<'a> {
        if !self.rtl() {
            return Line::from(spans);
        }
        let spans: Vec<Span<'a>> = spans
            .into_iter()
            .rev()
            .map(|s| Span::styled(visual(&s.content), s.style))
            .collect();
        Line::from(spans).alignment(Alignment::Right)
    }

    /// A line of one piece.
    pub(super) fn text_line<'a>(&self, text: &str) -> Line<'a> {
        self.line(vec![Span::raw(text.to_owned())])
    }

    /// Columns in reading order: reversed in a right-to-left language.
    pub(super) fn columns<T>(&self, mut items: Vec<T>) -> Vec<T> {
        if self.rtl() {
            items.reverse();
        }
        items
    }
}

/// `text` (logical order, right-to-left paragraph) in the visual order a terminal draws left to
/// right, Arabic letters in their joined forms, without the invisible bidi controls.
pub(super) fn visual(text: &str) -> String {
    let shaped = ar_reshaper::reshape_line(text);
    let info = BidiInfo::new(&shaped, Some(Level::rtl()));
    let mut out = String::with_capacity(shaped.len());
    for (i, para) in info.paragraphs.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let (levels, runs) = info.visual_runs(para, para.range.clone());
        for run in runs {
            let piece = &shaped[run.clone()];
            if levels[run.start].is_rtl() {
                // A right-to-left run is drawn reversed, its brackets mirrored (rule L4).
                out.extend(piece.chars().rev().map(mirror));
            } else {
                out.push_str(piece);
            }
        }
    }
    out.retain(|c| {
        !matches!(
            c,
            '\n' | '\r' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}'
        )
    });
    out
}

/// The mirrored form of a paired punctuation mark, drawn in a right-to-left run.
fn mirror(c: char) -> char {
    match c {
        '(' => ')',
        ')' => '(',
        '[' => ']',
        ']' => '[',
        '{' => '}',
        '}' => '{',
        '<' => '>',
        '>' => '<',
        '«' => '»',
        '»' => '«',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_runs_from_the_right_with_numbers_and_units_whole() {
        // "Reservoir 12.5 mL": logical order, the Arabic word first.
        let v = visual("الخزان \u{2068}12.5\u{2069} mL");
        assert!(v.contains("12.5"), "{v}");
        assert!(v.contains("mL"), "{v}");
        // The Arabic word, read first, is drawn at the right end.
        let word_at = v.rfind(|c: char| ('\u{fe70}'..='\u{feff}').contains(&c));
        let number_at = v.find("12.5");
        assert!(word_at > number_at, "{v}");
        // Joined forms (presentation forms), not the isolated letters.
        assert!(!v.contains('\u{0627}'), "{v}");
        assert!(!v.contains('\u{2068}') && !v.contains('\u{2069}'), "{v}");
        // Brackets in a right-to-left run are mirrored, so "(80 %)" still opens before 80.
        let v = visual("ثقة (عالية)");
        assert!(
            v.starts_with('(') && v.ends_with(|c: char| !"()".contains(c)),
            "{v}"
        );
        assert_eq!(v.matches('(').count(), 1, "{v}");
    }

    #[test]
    fn left_to_right_text_is_untouched() {
        let w = Words::new(Language::French);
        assert_eq!(w.vis("Réservoir 12,5 mL"), "Réservoir 12,5 mL");
        assert_eq!(w.alignment(), Alignment::Left);
        assert_eq!(w.columns(vec![1, 2, 3]), vec![1, 2, 3]);
        let ar = Words::new(Language::Arabic);
        assert_eq!(ar.alignment(), Alignment::Right);
        assert_eq!(ar.columns(vec![1, 2, 3]), vec![3, 2, 1]);
    }
}
