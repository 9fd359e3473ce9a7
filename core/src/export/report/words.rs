//! The report's wording in the clinic's language, from Fluent files
//! (`locales/<lang>/report.ftl`), and its numbers and dates. Dates are ISO (`2027-03-12`), read
//! the same way in every language, as on the ID card.

use crate::l10n::{Domain, Language, Texts};

/// The languages the report is written in: the card's Latin-script ones. Arabic needs shaping
/// and a font the phone library has no room for (see the README).
pub const REPORT_LANGUAGES: [Language; 6] = [
    Language::English,
    Language::Spanish,
    Language::French,
    Language::German,
    Language::Italian,
    Language::Portuguese,
];

/// The report's messages in one language.
pub(crate) struct Words {
    texts: Texts,
}

impl Words {
    /// The messages of `language`, `None` for a language the report is not written in.
    pub(crate) fn new(language: Language) -> Option<Self> {
        Some(Self {
            texts: Texts::new(language, Domain::Report)?,
        })
    }

    /// Message `id`.
    pub(crate) fn get(&self, id: &str) -> String {
        self.fmt(id, &[])
    }

    /// Message `id` with `args`; the id itself if missing (the tests make sure none is).
    pub(crate) fn fmt(&self, id: &str, args: &[(&'static str, &str)]) -> String {
        let args: Vec<_> = args.iter().map(|(k, v)| (*k, (*v).into())).collect();
        self.texts.format(id, &args)
    }

    /// `value` with `decimals` decimals at most (trailing zeros dropped), in the language's
    /// decimal separator; a value that is not finite is shown as a dash.
    pub(crate) fn num(&self, value: f64, decimals: usize) -> String {
        self.texts.number(value, decimals)
    }

    /// A volume in µL as millilitres to one decimal, always shown (a residual read off a
    /// syringe is good to a few tenths of a millilitre; a column of volumes lines up), with its
    /// unit.
    pub(crate) fn ml(&self, microliters: u32) -> String {
        format!(
            "{}\u{a0}mL",
            self.texts.fixed(f64::from(microliters) / 1000.0, 1)
        )
    }

    /// An intrathecal daily dose: mg with up to three decimals from 1 mg, else whole µg.
    pub(crate) fn dose(&self, micrograms: u32) -> String {
        if micrograms >= 1000 {
            format!("{}\u{a0}mg", self.num(f64::from(micrograms) / 1000.0, 3))
        } else {
            format!("{micrograms}\u{a0}µg")
        }
    }

    /// A concentration in µg/mL: mg/mL from 1 mg/mL, else µg/mL.
    pub(crate) fn concentration(&self, ug_per_ml: u32) -> String {
        if ug_per_ml >= 1000 {
            format!("{}\u{a0}mg/mL", self.num(f64::from(ug_per_ml) / 1000.0, 3))
        } else {
            format!("{ug_per_ml}\u{a0}µg/mL")
        }
    }
}
