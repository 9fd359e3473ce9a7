//! The Fluent files, compiled in so every text works offline.

use super::{Domain, Language};

macro_rules! files {
    ($lang:tt) => {
        [
            Some(include_str!(concat!("../../locales/", $lang, "/card.ftl"))),
            files!(@report $lang),
            Some(include_str!(concat!("../../locales/", $lang, "/recovery.ftl"))),
            Some(include_str!(concat!("../../locales/", $lang, "/alarms.ftl"))),
            Some(include_str!(concat!("../../locales/", $lang, "/notifications.ftl"))),
            Some(include_str!(concat!("../../locales/", $lang, "/dashboard.ftl"))),
        ]
    };
    (@report "ar") => { None };
    (@report $lang:tt) => {
        Some(include_str!(concat!("../../locales/", $lang, "/report.ftl")))
    };
}

/// Per language (in [`super::ALL_LANGUAGES`]' order), the file of each domain (in
/// [`super::ALL_DOMAINS`]' order).
static FILES: [[Option<&str>; 6]; 7] = [
    files!("en"),
    files!("es"),
    files!("fr"),
    files!("de"),
    files!("it"),
    files!("pt"),
    files!("ar"),
];

static COMMON: [&str; 7] = [
    include_str!("../../locales/en/common.ftl"),
    include_str!("../../locales/es/common.ftl"),
    include_str!("../../locales/fr/common.ftl"),
    include_str!("../../locales/de/common.ftl"),
    include_str!("../../locales/it/common.ftl"),
    include_str!("../../locales/pt/common.ftl"),
    include_str!("../../locales/ar/common.ftl"),
];

/// The file of `domain` in `language`, if it is written in it.
pub(crate) fn text(language: Language, domain: Domain) -> Option<&'static str> {
    FILES[language.index()][domain.index()]
}

/// The words every domain shares (numbers, dates, review notes).
pub(crate) fn text_common(language: Language) -> &'static str {
    COMMON[language.index()]
}
