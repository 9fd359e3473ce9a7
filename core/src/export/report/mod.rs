//! The clinician report: one PDF for a range of days with the patient and device (from the ID
//! card), the reservoir and the refills with their residual checks, the battery with its
//! ERI/EOS forecast and range, the pump's alarms, the pain chart (mean with its lowest–highest
//! band, breakthrough doses below), the oral and breakthrough medication, the recovery symptom
//! log and the patient's notes as the patient's own words.
//!
//! In layers: [`gather`] reads the store (one read transaction), [`compose`] lays the
//! sections out with [`layout`] and [`chart`] (pure: values in, pages of drawing operations
//! out), [`pdf`] writes them with pdf-writer and the one embedded [`font`] (a Latin subset,
//! CID-keyed with a `ToUnicode` map, so the text can be searched).
//!
//! Languages: the card's Latin-script ones ([`REPORT_LANGUAGES`]), from Fluent files in
//! `locales/`. Arabic is not offered: it needs a shaping engine and an Arabic font, several
//! hundred KB the phone library has no room for (`docs/decisions/0008-clinician-report.md`).

mod chart;
mod compose;
mod doc;
mod font;
mod gather;
mod layout;
mod pdf;
mod words;

#[cfg(test)]
mod tests;

use std::path::Path;

use rusqlite::Connection;

pub use doc::Paper;
pub use words::REPORT_LANGUAGES;

use crate::l10n::Language;
use crate::model::{CalendarDate, InvalidInput, UtcDateTime, Zone};
use crate::store::StoreError;

/// Why a report failed (internal; `app::errors` maps it to `ExportError`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A value asked for is not valid (a date, the range, the language).
    #[error("invalid input: {0}")]
    Invalid(#[from] InvalidInput),
    /// The report's file cannot be written.
    #[error("the file cannot be used: {reason}")]
    File {
        /// The system's reason.
        reason: String,
    },
}

/// What a report covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReportSummary {
    /// Pages in the PDF.
    pub pages: u32,
    /// The first local day covered.
    pub from: CalendarDate,
    /// The last local day covered.
    pub to: CalendarDate,
    /// The file's size in bytes.
    pub bytes: u64,
}

/// The language for `code` among [`REPORT_LANGUAGES`].
///
/// # Errors
/// [`InvalidInput`] on `lang` for any other.
pub fn language(code: &str) -> Result<Language, InvalidInput> {
    Language::from_code(code)
        .filter(|l| REPORT_LANGUAGES.contains(l))
        .ok_or_else(|| {
            InvalidInput::new(
                "lang",
                "is not a language the report is written in (en, es, fr, de, it, pt)",
            )
        })
}

/// The report of the local days `from..=to` (each `None`: from the first thing recorded, to
/// today in `zone`) as PDF bytes, with its summary (`bytes` is the PDF's length).
///
/// # Errors
/// [`Error::Invalid`] on `from`/`to` (a date that does not exist, a range that ends before it
/// starts or is longer than 30 years) or `lang`, or a storage error.
pub fn render(
    conn: &Connection,
    now: UtcDateTime,
    zone: Zone,
    range: (Option<CalendarDate>, Option<CalendarDate>),
    lang: &str,
    paper: Paper,
) -> Result<(Vec<u8>, ReportSummary), Error> {
    let language = language(lang)?;
    let words = words::Words::new(language).ok_or_else(|| {
        Error::Invalid(InvalidInput::new(
            "lang",
            "is not a language the report is written in",
        ))
    })?;
    let data = gather::gather(conn, now, zone, range.0, range.1)?;
    let pages = compose::compose(&data, &words, paper);
    let title = format!("{} {} – {}", words.get("title"), data.from, data.to);
    let bytes = pdf::write(&pages, paper, &title);
    let summary = ReportSummary {
        pages: u32::try_from(pages.len()).unwrap_or(u32::MAX),
        from: CalendarDate::from_naive(data.from),
        to: CalendarDate::from_naive(data.to),
        bytes: bytes.len() as u64,
    };
    Ok((bytes, summary))
}

/// Writes the report into the file `out` (replaced if it exists, through a temporary file
/// renamed into place once whole, readable by the app's user only).
///
/// # Errors
/// As [`render`], and [`Error::File`].
pub fn write_report(
    conn: &Connection,
    now: UtcDateTime,
    zone: Zone,
    range: (Option<CalendarDate>, Option<CalendarDate>),
    lang: &str,
    paper: Paper,
    out: &Path,
) -> Result<ReportSummary, Error> {
    let (bytes, summary) = render(conn, now, zone, range, lang, paper)?;
    let partial = super::file::partial_path(out).ok_or(Error::File {
        reason: "the path names no file".into(),
    })?;
    super::file::write_private(out, &partial, &bytes).map_err(|e| Error::File {
        reason: super::file::reason(&e, "the folder does not exist"),
    })?;
    Ok(summary)
}
