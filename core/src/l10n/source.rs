//! The Fluent files, compiled in so every text works offline: stored without their comments,
//! each file's seven languages deflated together (`core/build.rs`), and a file inflated the
//! first time one of its texts is needed.

use std::sync::OnceLock;

use super::{ALL_DOMAINS, Domain, Language};

/// The files: `common`, then each domain in [`ALL_DOMAINS`]' order (`FILES` in
/// `core/build.rs`), each holding every language in [`super::ALL_LANGUAGES`]' order, NUL
/// between them.
static PACKED: [&[u8]; 1 + ALL_DOMAINS.len()] = [
    include_bytes!(concat!(env!("OUT_DIR"), "/locales/common.ftl.z")),
    include_bytes!(concat!(env!("OUT_DIR"), "/locales/card.ftl.z")),
    include_bytes!(concat!(env!("OUT_DIR"), "/locales/report.ftl.z")),
    include_bytes!(concat!(env!("OUT_DIR"), "/locales/recovery.ftl.z")),
    include_bytes!(concat!(env!("OUT_DIR"), "/locales/alarms.ftl.z")),
    include_bytes!(concat!(env!("OUT_DIR"), "/locales/notifications.ftl.z")),
    include_bytes!(concat!(env!("OUT_DIR"), "/locales/dashboard.ftl.z")),
    include_bytes!(concat!(env!("OUT_DIR"), "/locales/alerts.ftl.z")),
];

/// Each file inflated once.
static TEXTS: [OnceLock<String>; 1 + ALL_DOMAINS.len()] =
    [const { OnceLock::new() }; 1 + ALL_DOMAINS.len()];

/// File `index` (0: common) in `language`; empty if it is missing.
fn part(index: usize, language: Language) -> &'static str {
    TEXTS[index]
        .get_or_init(|| unpack(PACKED[index]))
        .split('\0')
        .nth(language.index())
        .unwrap_or_default()
}

/// The file of `domain` in `language`, if it is written in it.
pub(crate) fn text(language: Language, domain: Domain) -> Option<String> {
    debug_assert_eq!(ALL_DOMAINS[domain.index()], domain);
    let t = part(1 + domain.index(), language);
    (!t.is_empty()).then(|| t.to_owned())
}

/// The words every domain shares (numbers, dates, review notes).
pub(crate) fn text_common(language: Language) -> String {
    part(0, language).to_owned()
}

/// A packed file as text; empty if it could not be read (then every message shows its id
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
