//! Every word Thecal shows a patient or a caregiver, in their language: one layer for the whole
//! core, over Fluent files compiled into the library (`core/locales/<lang>/<domain>.ftl`, one
//! folder per language).
//!
//! - [`Language`]: the seven languages, chosen from the phone's preferred locales with a
//!   fallback to English ([`Language::negotiate`]).
//! - [`Texts`]: the messages of one [`Domain`] in one language, with the language's numbers and
//!   dates. Built once per process and kept.
//! - Safety messages (red flags, withdrawal signs, alarm advice, the card's MRI and airport text)
//!   carry their review state in the files (`.written`, `.review`). [`Texts::safety`] shows a
//!   translation only once a clinician has reviewed it; otherwise the English text, with a note
//!   in the reader's language saying so (`docs/localisation.md`).
//!
//! Layer 1 beside `model`: it uses nothing of the crate.

mod language;
mod review;
mod source;

#[cfg(test)]
mod tests;

use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};

pub use fluent_bundle::FluentValue;
pub use language::{ALL_LANGUAGES, Language, LanguageSetting};
pub use review::{Review, Reviewed};

/// A set of messages: one Fluent file per language. `common.ftl` (numbers, dates, review notes)
/// is part of every domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Domain {
    /// The implanted-device ID card.
    Card,
    /// The clinician report (Latin-script languages only: decision 0008).
    Report,
    /// The recovery plan, symptoms, red flags and withdrawal signs.
    Recovery,
    /// The pump's alarms and what to do about them.
    Alarms,
    /// The notifications the phone shows.
    Notifications,
    /// The home screen: link, reservoir, battery, forecast dates.
    Dashboard,
    /// What caregivers are told.
    Alerts,
}

/// Every domain.
pub const ALL_DOMAINS: [Domain; 7] = [
    Domain::Card,
    Domain::Report,
    Domain::Recovery,
    Domain::Alarms,
    Domain::Notifications,
    Domain::Dashboard,
    Domain::Alerts,
];

impl Domain {
    const fn index(self) -> usize {
        self as usize
    }

    /// The file name without `.ftl`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Card => "card",
            Self::Report => "report",
            Self::Recovery => "recovery",
            Self::Alarms => "alarms",
            Self::Notifications => "notifications",
            Self::Dashboard => "dashboard",
            Self::Alerts => "alerts",
        }
    }
}

type Bundle = FluentBundle<FluentResource>;

/// The bundles built so far, one per language and domain (`None`: a domain the language lacks).
static BUNDLES: [OnceLock<Option<Bundle>>; ALL_LANGUAGES.len() * ALL_DOMAINS.len()] =
    [const { OnceLock::new() }; ALL_LANGUAGES.len() * ALL_DOMAINS.len()];

fn bundle(language: Language, domain: Domain) -> Option<&'static Bundle> {
    BUNDLES[language.index() * ALL_DOMAINS.len() + domain.index()]
        .get_or_init(|| {
            let text = source::text(language, domain)?;
            let langid = language
                .code()
                .parse()
                .unwrap_or_else(|_| unic_langid::LanguageIdentifier::default());
            let mut bundle = Bundle::new_concurrent(vec![langid]);
            // In a right-to-left language every value is a bidi isolate (FSI … PDI), so a phone
            // number, a Latin name or a date keeps its order; left-to-right text needs none.
            bundle.set_use_isolating(language.is_rtl());
            for t in [source::text_common(language), text] {
                // A file with errors keeps its good messages; the tests make sure there are none.
                let resource = FluentResource::try_new(t).unwrap_or_else(|(partial, _)| partial);
                let _ = bundle.add_resource(resource);
            }
            Some(bundle)
        })
        .as_ref()
}

/// The messages of one domain in one language, with the language's numbers and dates.
#[derive(Clone, Copy)]
pub struct Texts {
    language: Language,
    domain: Domain,
    bundle: &'static Bundle,
}

impl std::fmt::Debug for Texts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Texts")
            .field("language", &self.language)
            .field("domain", &self.domain)
            .finish_non_exhaustive()
    }
}

impl Texts {
    /// The messages of `domain` in `language`; `None` if the domain is not written in that
    /// language (the report in Arabic).
    #[must_use]
    pub fn new(language: Language, domain: Domain) -> Option<Self> {
        Some(Self {
            language,
            domain,
            bundle: bundle(language, domain)?,
        })
    }

    /// The messages of `domain` in `language`, or in English if the domain is not written in it.
    #[must_use]
    pub fn or_english(language: Language, domain: Domain) -> Self {
        Self::new(language, domain).unwrap_or_else(|| Self::english(domain))
    }

    fn english(domain: Domain) -> Self {
        Self::new(Language::English, domain)
            .unwrap_or_else(|| unreachable!("every domain is written in English"))
    }

    /// The language of the messages.
    #[must_use]
    pub fn language(&self) -> Language {
        self.language
    }

    /// Message `id` without variables.
    #[must_use]
    pub fn get(&self, id: &str) -> String {
        self.format(id, &[])
    }

    /// Message `id` with `args`; the id itself if the message is missing (never empty; the
    /// tests make sure none is).
    #[must_use]
    pub fn format(&self, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let Some(pattern) = self.bundle.get_message(id).and_then(|m| m.value()) else {
            tracing::error!(
                id,
                language = self.language.code(),
                domain = self.domain.name(),
                "message missing"
            );
            return id.to_owned();
        };
        let mut fargs = FluentArgs::new();
        for (k, v) in args {
            fargs.set(*k, v.clone());
        }
        let mut errors = vec![];
        let out = self
            .bundle
            .format_pattern(pattern, Some(&fargs), &mut errors);
        if !errors.is_empty() {
            tracing::error!(id, language = self.language.code(), "message has errors");
        }
        out.into_owned()
    }

    /// Whether message `id` exists.
    #[must_use]
    pub fn has(&self, id: &str) -> bool {
        self.bundle.has_message(id)
    }

    /// `value` as a bidi isolate in a right-to-left language (as the messages' own values are),
    /// unchanged otherwise.
    #[must_use]
    pub fn isolate(&self, value: &str) -> String {
        if self.language.is_rtl() {
            format!("\u{2068}{value}\u{2069}")
        } else {
            value.to_owned()
        }
    }

    /// The language's decimal separator.
    #[must_use]
    pub fn decimal_separator(&self) -> String {
        self.get("decimal-separator")
    }

    /// `value` with at most `decimals` decimals, trailing zeros dropped, in the language's
    /// separator ("1.5", "1,5"); a value that is not finite is shown as a dash.
    #[must_use]
    pub fn number(&self, value: f64, decimals: usize) -> String {
        if !value.is_finite() {
            return "–".into();
        }
        let mut s = format!("{value:.decimals$}");
        if s.contains('.') {
            let trimmed = s.trim_end_matches('0').trim_end_matches('.').len();
            s.truncate(trimmed);
        }
        if s == "-0" {
            s = "0".into();
        }
        s.replace('.', &self.decimal_separator())
    }

    /// `value` with exactly `decimals` decimals, in the language's separator (a column of
    /// volumes lines up).
    #[must_use]
    pub fn fixed(&self, value: f64, decimals: usize) -> String {
        if !value.is_finite() {
            return "–".into();
        }
        format!("{value:.decimals$}").replace('.', &self.decimal_separator())
    }

    /// The month's name (1 = January).
    #[must_use]
    pub fn month(&self, month: u32) -> String {
        self.get(&format!("month-{}", month.clamp(1, 12)))
    }

    /// "12 March 2027", "12 mars 2027", "12. März 2027".
    #[must_use]
    pub fn date(&self, d: NaiveDate) -> String {
        self.format(
            "date-day-month-year",
            &[
                ("day", d.day().into()),
                ("month", self.month(d.month()).into()),
                ("year", d.year().to_string().into()),
            ],
        )
    }

    /// "12 March", "12. März".
    #[must_use]
    pub fn day_month(&self, d: NaiveDate) -> String {
        self.format(
            "date-day-month",
            &[
                ("day", d.day().into()),
                ("month", self.month(d.month()).into()),
            ],
        )
    }

    /// "12", "12." (a day before a month that follows).
    #[must_use]
    pub fn day(&self, d: NaiveDate) -> String {
        self.format("date-day", &[("day", d.day().into())])
    }

    /// "March 2027", "marzo de 2027".
    #[must_use]
    pub fn month_year(&self, d: NaiveDate) -> String {
        self.format(
            "date-month-year",
            &[
                ("month", self.month(d.month()).into()),
                ("year", d.year().to_string().into()),
            ],
        )
    }
}
