//! The card's wording in every language, from Fluent files (`locales/<lang>/card.ftl`), built
//! into the library so the card works offline.

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource};

/// A language the card can be shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum CardLanguage {
    /// English.
    English,
    /// Spanish.
    Spanish,
    /// French.
    French,
    /// German.
    German,
    /// Italian.
    Italian,
    /// Portuguese (European spelling).
    Portuguese,
    /// Arabic (right to left).
    Arabic,
}

/// Every language, in the order they are offered.
pub const ALL_LANGUAGES: [CardLanguage; 7] = [
    CardLanguage::English,
    CardLanguage::Spanish,
    CardLanguage::French,
    CardLanguage::German,
    CardLanguage::Italian,
    CardLanguage::Portuguese,
    CardLanguage::Arabic,
];

impl CardLanguage {
    /// The BCP 47 code (`en`, `ar`…).
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::English => "en",
            Self::Spanish => "es",
            Self::French => "fr",
            Self::German => "de",
            Self::Italian => "it",
            Self::Portuguese => "pt",
            Self::Arabic => "ar",
        }
    }

    /// The language for `code` (`fr`, `FR`, `fr-CA` all give French).
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        let primary = code.split(['-', '_']).next()?.to_ascii_lowercase();
        ALL_LANGUAGES.into_iter().find(|l| l.code() == primary)
    }

    /// Whether the language is written right to left.
    #[must_use]
    pub fn is_rtl(self) -> bool {
        matches!(self, Self::Arabic)
    }

    pub(crate) fn source(self) -> &'static str {
        match self {
            Self::English => include_str!("locales/en/card.ftl"),
            Self::Spanish => include_str!("locales/es/card.ftl"),
            Self::French => include_str!("locales/fr/card.ftl"),
            Self::German => include_str!("locales/de/card.ftl"),
            Self::Italian => include_str!("locales/it/card.ftl"),
            Self::Portuguese => include_str!("locales/pt/card.ftl"),
            Self::Arabic => include_str!("locales/ar/card.ftl"),
        }
    }
}

/// Formats the card's messages in one language.
pub(crate) struct Localizer {
    language: CardLanguage,
    bundle: FluentBundle<FluentResource>,
}

impl std::fmt::Debug for Localizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Localizer")
            .field("language", &self.language)
            .finish()
    }
}

impl Localizer {
    /// The messages of `language`. A file with errors keeps its good messages (the tests make
    /// sure there are none).
    pub(crate) fn new(language: CardLanguage) -> Self {
        let resource = FluentResource::try_new(language.source().to_owned())
            .unwrap_or_else(|(partial, _)| partial);
        let langid = language
            .code()
            .parse()
            .unwrap_or_else(|_| unic_langid::LanguageIdentifier::default());
        let mut bundle = FluentBundle::new(vec![langid]);
        // In a right-to-left language every value is a bidi isolate (FSI … PDI), so a phone
        // number or a Latin name keeps its order; left-to-right text needs none.
        bundle.set_use_isolating(language.is_rtl());
        let _ = bundle.add_resource(resource);
        Self { language, bundle }
    }

    /// Message `id` without variables.
    pub(crate) fn get(&self, id: &str) -> String {
        self.format(id, &[])
    }

    /// Message `id` with `args`; the id itself if the message is missing (never empty).
    pub(crate) fn format(&self, id: &str, args: &[(&'static str, &str)]) -> String {
        let Some(pattern) = self.bundle.get_message(id).and_then(|m| m.value()) else {
            tracing::error!(id, language = self.language.code(), "card message missing");
            return id.to_owned();
        };
        let mut fargs = FluentArgs::new();
        for (k, v) in args {
            fargs.set(*k, v.to_string());
        }
        let mut errors = vec![];
        let out = self
            .bundle
            .format_pattern(pattern, Some(&fargs), &mut errors);
        if !errors.is_empty() {
            tracing::error!(
                id,
                language = self.language.code(),
                "card message has errors"
            );
        }
        out.into_owned()
    }

    /// `value` as a bidi isolate in a right-to-left language (as the messages' own values are),
    /// unchanged otherwise.
    pub(crate) fn isolate(&self, value: &str) -> String {
        if self.language.is_rtl() {
            format!("\u{2068}{value}\u{2069}")
        } else {
            value.to_owned()
        }
    }

    /// A decimal number with this language's separator, without trailing zeros: `thousandths`
    /// is the value × 1000 (1500 → "1.5" or "1,5").
    pub(crate) fn decimal(&self, thousandths: u32) -> String {
        let whole = thousandths / 1000;
        let frac = thousandths % 1000;
        if frac == 0 {
            return whole.to_string();
        }
        let digits = format!("{frac:03}");
        format!(
            "{whole}{}{}",
            self.get("decimal-separator"),
            digits.trim_end_matches('0')
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    use fluent_syntax::ast;

    /// Every message id of `lang` and the variables each uses.
    fn messages(lang: CardLanguage) -> BTreeMap<String, BTreeSet<String>> {
        let res = fluent_syntax::parser::parse(lang.source())
            .unwrap_or_else(|(_, e)| panic!("{}: parse errors {e:?}", lang.code()));
        let mut out = BTreeMap::new();
        for entry in res.body {
            match entry {
                ast::Entry::Message(m) => {
                    let mut vars = BTreeSet::new();
                    if let Some(p) = &m.value {
                        pattern_vars(p, &mut vars);
                    }
                    assert!(
                        out.insert(m.id.name.to_owned(), vars).is_none(),
                        "{}: {} twice",
                        lang.code(),
                        m.id.name
                    );
                }
                ast::Entry::Junk { content } => panic!("{}: junk {content}", lang.code()),
                _ => {}
            }
        }
        out
    }

    fn pattern_vars(p: &ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
        for el in &p.elements {
            if let ast::PatternElement::Placeable { expression } = el {
                expression_vars(expression, vars);
            }
        }
    }

    fn expression_vars(e: &ast::Expression<&str>, vars: &mut BTreeSet<String>) {
        match e {
            ast::Expression::Inline(i) => inline_vars(i, vars),
            ast::Expression::Select { selector, variants } => {
                inline_vars(selector, vars);
                for v in variants {
                    pattern_vars(&v.value, vars);
                }
            }
        }
    }

    fn inline_vars(i: &ast::InlineExpression<&str>, vars: &mut BTreeSet<String>) {
        match i {
            ast::InlineExpression::VariableReference { id } => {
                vars.insert(id.name.to_owned());
            }
            ast::InlineExpression::Placeable { expression } => expression_vars(expression, vars),
            _ => {}
        }
    }

    #[test]
    fn every_message_exists_in_every_language_with_the_same_variables() {
        let reference = messages(CardLanguage::English);
        assert!(reference.len() > 40);
        for lang in ALL_LANGUAGES {
            let m = messages(lang);
            let ids: BTreeSet<_> = m.keys().collect();
            let ref_ids: BTreeSet<_> = reference.keys().collect();
            assert_eq!(
                ids,
                ref_ids,
                "{}: message ids differ from English",
                lang.code()
            );
            for (id, vars) in &m {
                assert_eq!(vars, &reference[id], "{}: variables of {id}", lang.code());
            }
        }
    }

    #[test]
    fn every_message_formats_without_errors_and_uses_its_variables() {
        for lang in ALL_LANGUAGES {
            let l = Localizer::new(lang);
            for (id, vars) in messages(lang) {
                let args: Vec<(&'static str, &str)> = vars
                    .iter()
                    .map(|v| (&*v.clone().leak(), "\u{2603}VALUE"))
                    .collect();
                let pattern = l.bundle.get_message(&id).and_then(|m| m.value()).unwrap();
                let mut fargs = FluentArgs::new();
                for (k, v) in &args {
                    fargs.set(*k, *v);
                }
                let mut errors = vec![];
                let out = l.bundle.format_pattern(pattern, Some(&fargs), &mut errors);
                assert!(errors.is_empty(), "{} {id}: {errors:?}", lang.code());
                assert!(!out.trim().is_empty(), "{} {id} is empty", lang.code());
                assert_eq!(
                    out.matches("\u{2603}VALUE").count(),
                    vars.len(),
                    "{} {id}: each variable is shown once",
                    lang.code()
                );
            }
        }
    }

    #[test]
    fn codes_and_decimals() {
        for l in ALL_LANGUAGES {
            assert_eq!(CardLanguage::from_code(l.code()), Some(l));
        }
        assert_eq!(CardLanguage::from_code("FR-ca"), Some(CardLanguage::French));
        assert_eq!(CardLanguage::from_code("xx"), None);
        assert_eq!(CardLanguage::from_code(""), None);
        assert!(CardLanguage::Arabic.is_rtl());
        assert!(!CardLanguage::German.is_rtl());
        let en = Localizer::new(CardLanguage::English);
        let fr = Localizer::new(CardLanguage::French);
        assert_eq!(en.decimal(1500), "1.5");
        assert_eq!(fr.decimal(1500), "1,5");
        assert_eq!(fr.decimal(3000), "3");
        assert_eq!(en.decimal(25), "0.025");
        assert_eq!(en.get("no-such-message"), "no-such-message");
        assert_eq!(
            fr.format("mri-gradient", &[("value", "19")]),
            "Gradient spatial de champ maximal\u{a0}: 19\u{a0}T/m"
        );
    }
}
