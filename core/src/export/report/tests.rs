//! The report's text content (a snapshot of what each page says, from the laid-out pages),
//! every language's messages, and the PDF's structure.

use chrono::TimeZone;

use super::*;
use crate::diary::{self, DoseUnit, MedicationInput, PainInput, Route};
use crate::model::Author;
use crate::store::Store;

fn at(day: u32, hour: u32) -> UtcDateTime {
    chrono::Utc
        .with_ymd_and_hms(2026, 3, day, hour, 0, 0)
        .single()
        .unwrap()
}

fn seeded(dir: &std::path::Path) -> Store {
    let store = Store::open_in_dir(dir).unwrap();
    store
        .write(|tx| {
            for (day, score, note) in [
                (2, 6, None),
                (2, 8, Some("Bad night, woke at 3.")),
                (4, 4, None),
            ] {
                let input = PainInput {
                    at: at(day, 9 + u32::from(score)),
                    score,
                    inventory: None,
                    interference: None,
                    location: None,
                    note: note.map(Into::into),
                };
                diary::add_pain(tx, input, Zone::UTC, at(20, 0), Author::Patient)?;
            }
            let dose = MedicationInput {
                at: at(2, 22),
                drug: "Oxycodone".into(),
                dose: 5.0,
                unit: DoseUnit::Milligram,
                route: Route::Oral,
                breakthrough: true,
                reason: None,
            };
            diary::add_medication(tx, dose, Zone::UTC, at(20, 0), Author::Patient)?;
            Ok::<_, diary::Error>(())
        })
        .unwrap();
    store
}

fn pages(store: &Store, lang: &str) -> Vec<doc::Page> {
    let words = words::Words::new(language(lang).unwrap()).unwrap();
    let data = store
        .read(|c| gather::gather(c, at(5, 12), Zone::UTC, None, None))
        .unwrap();
    compose::compose(&data, &words, Paper::A4)
}

#[test]
fn the_report_text_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(dir.path());
    let text: Vec<String> = pages(&store, "en")
        .iter()
        .enumerate()
        .flat_map(|(i, p)| std::iter::once(format!("--- page {}", i + 1)).chain(p.text_lines()))
        .collect();
    insta::assert_snapshot!(text.join("\n"));
}

#[test]
fn the_report_is_written_in_the_latin_script_languages_only() {
    // Every message in every language: `l10n`'s tests, over every file.
    for l in REPORT_LANGUAGES {
        assert_eq!(language(l.code()), Ok(l));
    }
    assert!(language("ar").is_err());
    assert_eq!(language("pt-PT"), Ok(crate::l10n::Language::Portuguese));
}

#[test]
fn the_pdf_names_its_pages_and_its_font() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(dir.path());
    let (bytes, summary) = store
        .read(|c| render(c, at(5, 12), Zone::UTC, (None, None), "es", Paper::Letter))
        .unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.starts_with("%PDF-1.7"));
    assert!(text.contains(&format!("/Count {}", summary.pages)));
    assert!(text.contains("/Identity-H") && text.contains("/ToUnicode"));
    assert!(text.contains("/MediaBox [0 0 612 792]"));
    assert!(text.trim_end().ends_with("%%EOF"));
}
