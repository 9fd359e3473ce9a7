//! The Fluent files, compiled in so every text works offline: stored without their comments,
//! each language's files deflated together (`core/build.rs`), and a language inflated the first
//! time one of its texts is needed.

use std::sync::OnceLock;

use super::{ALL_DOMAINS, ALL_LANGUAGES, Domain, Language};

/// Each language's packed files, in [`ALL_LANGUAGES`]' order.
static PACKED: [&[u8]; ALL_LANGUAGES.len()] = [
    include_bytes!(concat!(env!("OUT_DIR"), "/locales/en.ftl.z")),
    include_bytes!(concat!(env!("OUT_DIR"), "/locales/es.ftl.z")),
    include_bytes!(concat!(env!("OUT_DIR"), "/locales/fr.ftl.z")),
    include_bytes!(concat!(env!("OUT_DIR"), "/locales/de.ftl.z")),
    include_bytes!(concat!(env!("OUT_DIR"), "/locales/it.ftl.z")),
    include_bytes!(concat!(env!("OUT_DIR"), "/locales/pt.ftl.z")),
    include_bytes!(concat!(env!("OUT_DIR"), "/locales/ar.ftl.z")),
];

/// The files of a language, inflated once: `common`, then each domain in [`ALL_DOMAINS`]'
/// order (the order of `FILES` in `core/build.rs`), separated by NUL; an empty one is missing.
static TEXTS: [OnceLock<String>; ALL_LANGUAGES.len()] =
    [const { OnceLock::new() }; ALL_LANGUAGES.len()];

fn part(language: Language, index: usize) -> &'static str {
    TEXTS[language.index()]
        .get_or_init(|| unpack(PACKED[language.index()]))
        .split('\0')
        .nth(index)
        .unwrap_or_default()
}

/// The file of `domain` in `language`, if it is written in it.
pub(crate) fn text(language: Language, domain: Domain) -> Option<String> {
    debug_assert_eq!(ALL_DOMAINS[domain.index()], domain);
    let t = part(language, 1 + domain.index());
    (!t.is_empty()).then(|| t.to_owned())
}

/// The words every domain shares (numbers, dates, review notes).
pub(crate) fn text_common(language: Language) -> String {
    part(language, 0).to_owned()
}

/// A packed language as text; empty if it could not be read (then every message shows its id
/// and logs an error; the tests read every file through here).
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
