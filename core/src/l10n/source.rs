//! The Fluent files, compiled in so every text works offline: stored deflated, without their
//! comments (`core/build.rs`), and inflated the first time a bundle needs one.

use super::{Domain, Language};

macro_rules! packed {
    ($lang:tt, $file:tt) => {
        Some(
            include_bytes!(concat!(
                env!("OUT_DIR"),
                "/locales/",
                $lang,
                "/",
                $file,
                ".ftl.z"
            ))
            .as_slice(),
        )
    };
}

macro_rules! files {
    ($lang:tt) => {
        [
            packed!($lang, "card"),
            files!(@report $lang),
            packed!($lang, "recovery"),
            packed!($lang, "alarms"),
            packed!($lang, "notifications"),
            packed!($lang, "dashboard"),
            packed!($lang, "alerts"),
        ]
    };
    (@report "ar") => { None };
    (@report $lang:tt) => { packed!($lang, "report") };
}

/// Per language (in [`super::ALL_LANGUAGES`]' order), the file of each domain (in
/// [`super::ALL_DOMAINS`]' order).
static FILES: [[Option<&[u8]>; super::ALL_DOMAINS.len()]; super::ALL_LANGUAGES.len()] = [
    files!("en"),
    files!("es"),
    files!("fr"),
    files!("de"),
    files!("it"),
    files!("pt"),
    files!("ar"),
];

static COMMON: [&[u8]; super::ALL_LANGUAGES.len()] = [
    include_bytes!(concat!(env!("OUT_DIR"), "/locales/en/common.ftl.z")),
    include_bytes!(concat!(env!("OUT_DIR"), "/locales/es/common.ftl.z")),
    include_bytes!(concat!(env!("OUT_DIR"), "/locales/fr/common.ftl.z")),
    include_bytes!(concat!(env!("OUT_DIR"), "/locales/de/common.ftl.z")),
    include_bytes!(concat!(env!("OUT_DIR"), "/locales/it/common.ftl.z")),
    include_bytes!(concat!(env!("OUT_DIR"), "/locales/pt/common.ftl.z")),
    include_bytes!(concat!(env!("OUT_DIR"), "/locales/ar/common.ftl.z")),
];

/// The file of `domain` in `language`, if it is written in it.
pub(crate) fn text(language: Language, domain: Domain) -> Option<String> {
    FILES[language.index()][domain.index()].map(unpack)
}

/// The words every domain shares (numbers, dates, review notes).
pub(crate) fn text_common(language: Language) -> String {
    unpack(COMMON[language.index()])
}

/// A packed file as text; empty if it could not be read (then every message shows its id and
/// logs an error; the tests read every file through here).
fn unpack(packed: &[u8]) -> String {
    match miniz_oxide::inflate::decompress_to_vec(packed)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
    {
        Some(text) => text,
        None => {
            tracing::error!("a packed language file could not be read");
            String::new()
        }
    }
}
