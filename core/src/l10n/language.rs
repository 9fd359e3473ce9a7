//! The languages Thecal speaks, and the choice of one from the phone's preferred locales.

/// A language Thecal can be shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Language {
    /// English: the source language, in which every message is written first.
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
pub const ALL_LANGUAGES: [Language; 7] = [
    Language::English,
    Language::Spanish,
    Language::French,
    Language::German,
    Language::Italian,
    Language::Portuguese,
    Language::Arabic,
];

impl Language {
    pub(super) const fn index(self) -> usize {
        self as usize
    }

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

    /// The language for `code` (`fr`, `FR`, `fr-CA`, `fr_FR` all give French).
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        ALL_LANGUAGES.into_iter().find(|l| l.code() == primary)
    }

    /// The first language of `preferred` (the phone's locales, most preferred first, such as
    /// Android's `LocaleList` or iOS's `Locale.preferredLanguages`) that Thecal speaks;
    /// English when none is.
    #[must_use]
    pub fn negotiate<S: AsRef<str>>(preferred: &[S]) -> Self {
        preferred
            .iter()
            .find_map(|p| Self::from_code(p.as_ref()))
            .unwrap_or(Self::English)
    }

    /// Whether the language is written right to left.
    #[must_use]
    pub fn is_rtl(self) -> bool {
        matches!(self, Self::Arabic)
    }
}

/// The language the app shows now, shared by everything that words a text (the dashboard's
/// watchers read it at each update, so a change of the phone's language shows at once).
#[derive(Debug)]
pub struct LanguageSetting(std::sync::atomic::AtomicUsize);

impl LanguageSetting {
    /// Starts with `language`.
    #[must_use]
    pub fn new(language: Language) -> Self {
        Self(std::sync::atomic::AtomicUsize::new(language.index()))
    }

    /// The language now.
    #[must_use]
    pub fn get(&self) -> Language {
        ALL_LANGUAGES
            .get(self.0.load(std::sync::atomic::Ordering::Relaxed))
            .copied()
            .unwrap_or(Language::English)
    }

    /// Changes it.
    pub fn set(&self, language: Language) {
        self.0
            .store(language.index(), std::sync::atomic::Ordering::Relaxed);
    }
}
