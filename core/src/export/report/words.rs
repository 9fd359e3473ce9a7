//! The report's wording in the clinic's language, from Fluent files
//! (`locales/<lang>/report.ftl`), and its numbers and dates. Dates are ISO (`2027-03-12`), read
//! the same way in every language, as on the ID card.

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource};

use crate::card::CardLanguage;

/// The languages the report is written in: the card's Latin-script ones. Arabic needs shaping
/// and a font the phone library has no room for (see the README).
pub const REPORT_LANGUAGES: [CardLanguage; 6] = [
    CardLanguage::English,
    CardLanguage::Spanish,
    CardLanguage::French,
    CardLanguage::German,
    CardLanguage::Italian,
    CardLanguage::Portuguese,
];

pub(crate) fn source(l: CardLanguage) -> Option<&'static str> {
    Some(match l {
        CardLanguage::English => include_str!("locales/en/report.ftl"),
        CardLanguage::Spanish => include_str!("locales/es/report.ftl"),
        CardLanguage::French => include_str!("locales/fr/report.ftl"),
        CardLanguage::German => include_str!("locales/de/report.ftl"),
        CardLanguage::Italian => include_str!("locales/it/report.ftl"),
        CardLanguage::Portuguese => include_str!("locales/pt/report.ftl"),
        CardLanguage::Arabic => return None,
    })
}

/// The report's messages in one language.
pub(crate) struct Words {
    bundle: FluentBundle<FluentResource>,
    decimal: char,
}

impl Words {
    /// The messages of `language`, `None` for a language the report is not written in.
    pub(crate) fn new(language: CardLanguage) -> Option<Self> {
        let text = source(language)?;
        let resource =
            FluentResource::try_new(text.to_owned()).unwrap_or_else(|(partial, _)| partial);
        let langid = language
            .code()
            .parse()
            .unwrap_or_else(|_| unic_langid::LanguageIdentifier::default());
        let mut bundle = FluentBundle::new(vec![langid]);
        bundle.set_use_isolating(false);
        let _ = bundle.add_resource(resource);
        let mut w = Self {
            bundle,
            decimal: '.',
        };
        w.decimal = w.get("decimal-separator").chars().next().unwrap_or('.');
        Some(w)
    }

    /// Message `id`.
    pub(crate) fn get(&self, id: &str) -> String {
        self.fmt(id, &[])
    }

    /// Message `id` with `args`; the id itself if missing (the tests make sure none is).
    pub(crate) fn fmt(&self, id: &str, args: &[(&'static str, &str)]) -> String {
        let Some(pattern) = self.bundle.get_message(id).and_then(|m| m.value()) else {
            return id.to_owned();
        };
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            fa.set(*k, (*v).to_owned());
        }
        let mut errors = Vec::new();
        self.bundle
            .format_pattern(pattern, Some(&fa), &mut errors)
            .into_owned()
    }

    /// `value` with `decimals` decimals at most (trailing zeros dropped), in the language's
    /// decimal separator; a value that is not finite is shown as a dash.
    pub(crate) fn num(&self, value: f64, decimals: usize) -> String {
        if !value.is_finite() {
            return "–".into();
        }
        let mut s = format!("{value:.decimals$}");
        if s.contains('.') {
            while s.ends_with('0') {
                s.pop();
            }
            if s.ends_with('.') {
                s.pop();
            }
        }
        if s == "-0" {
            s = "0".into();
        }
        s.replace('.', &self.decimal.to_string())
    }

    /// A volume in µL as millilitres to one decimal, always shown (a residual read off a
    /// syringe is good to a few tenths of a millilitre; a column of volumes lines up), with its
    /// unit.
    pub(crate) fn ml(&self, microliters: u32) -> String {
        let tenths = format!("{:.1}", f64::from(microliters) / 1000.0);
        format!("{}\u{a0}mL", tenths.replace('.', &self.decimal.to_string()))
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
