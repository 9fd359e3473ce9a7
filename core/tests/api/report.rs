//! The clinician report as the apps make it: a PDF whose text a PDF reader finds (poppler's
//! `pdftotext`), with the right figures, on A4 and US Letter, in another language, for an empty
//! app and for five years of diary; bad arguments are typed errors.

use std::process::Command;

use chrono::{Duration, TimeZone};
use thecal_core::ExportError;
use thecal_core::diary::PainInput;
use thecal_core::export::report::Paper;
use thecal_core::model::{Author, CalendarDate};
use thecal_core::recovery::{Severity, Symptom, SymptomInput};
use thecal_sim::fixtures::{self, DiaryYears, PumpYears};

use crate::block_on;

fn start() -> thecal_core::UtcDateTime {
    chrono::Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()
}

/// 90 days of pump and diary, the ID card, a symptom and two notes.
fn a_quarter() -> fixtures::Fixture {
    let f = fixtures::open("Europe/Paris", start() + Duration::days(91));
    let store = f.thecal.store();
    let (serial, _) = fixtures::seed_pump(
        store,
        PumpYears {
            seed: 15,
            start: start(),
            days: 90,
            alarms: 6,
            refills: 3,
        },
    )
    .unwrap();
    fixtures::seed_diary(
        store,
        DiaryYears {
            start: start(),
            days: 90,
            zone: "Europe/Paris".parse().unwrap(),
            pain_entries: 400,
            medication_entries: 150,
        },
        start() + Duration::days(90),
    )
    .unwrap();
    let mut card = fixtures::sample_card();
    card.device.serial = serial;
    card.implant_date = "2024-12-20".into();
    block_on(f.thecal.card().save(card)).unwrap();
    let pain = PainInput {
        at: start() + Duration::days(40),
        score: 7,
        inventory: None,
        interference: None,
        location: None,
        note: Some("Worse after the long drive; the evening dose did not help much.".into()),
    };
    block_on(f.thecal.diary().add_pain(pain, Author::Patient)).unwrap();
    let symptom = SymptomInput {
        at: start() + Duration::days(3),
        symptom: Symptom::Swelling,
        severity: Severity::Mild,
        note: Some("Small swelling at the pump site".into()),
    };
    block_on(f.thecal.recovery().log_symptom(symptom, Author::Patient)).unwrap();
    f
}

fn report(
    f: &fixtures::Fixture,
    name: &str,
    range: (Option<CalendarDate>, Option<CalendarDate>),
    lang: &str,
    paper: Paper,
) -> Result<
    (
        std::path::PathBuf,
        thecal_core::export::report::ReportSummary,
    ),
    ExportError,
> {
    let out = f.dir.path().join(name);
    let s = block_on(f.thecal.export().write_report(
        out.to_string_lossy().into_owned(),
        range.0,
        range.1,
        lang.into(),
        paper,
    ))?;
    Ok((out, s))
}

/// The text poppler finds in the PDF. With `THECAL_REPORT_DIR` set, the PDF is kept there too
/// (to render its pages and look at them).
fn text(pdf: &std::path::Path) -> String {
    if let Ok(dir) = std::env::var("THECAL_REPORT_DIR") {
        let _ = std::fs::copy(
            pdf,
            std::path::Path::new(&dir).join(pdf.file_name().unwrap()),
        );
    }
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn info(pdf: &std::path::Path) -> String {
    let out = Command::new("pdfinfo").arg(pdf).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_report_is_searchable_text_with_the_figures_of_the_store() {
    let f = a_quarter();
    let (pdf, s) = report(&f, "report.pdf", (None, None), "en", Paper::A4).unwrap();
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    assert_eq!(s.bytes, bytes.len() as u64);
    let t = text(&pdf);
    for expected in [
        "Intrathecal pump report",
        "Marie Dupont",
        "Period: 2025-01-01 to 2025-04-02",
        "Reservoir and refills",
        "Morphine",
        "Pump alarms",
        "Pump clock error",
        "Pain score (0–10): daily mean with lowest–highest band",
        "Breakthrough doses per day",
        "Oral and breakthrough medication",
        "Recovery symptom log",
        "Swelling",
        "Notes in the patient's own words",
        "Worse after the long drive",
        "Small swelling at the pump site",
    ] {
        assert!(t.contains(expected), "{expected:?} not in:\n{t}");
    }
    let pages = info(&pdf);
    assert!(
        pages.contains(&format!("Pages:           {}", s.pages)),
        "{pages}"
    );
    assert!(pages.contains("595.28 x 841.89 pts (A4)"), "{pages}");
    assert!(t.contains(&format!("Page {} of {}", s.pages, s.pages)));
    // No false precision: volumes to a tenth of a millilitre.
    assert!(
        !t.contains(".000 mL") && !regex_like_three_decimals_ml(&t),
        "{t}"
    );
}

fn regex_like_three_decimals_ml(t: &str) -> bool {
    t.split_whitespace()
        .zip(t.split_whitespace().skip(1))
        .any(|(n, u)| u == "mL" && n.split(['.', ',']).nth(1).is_some_and(|d| d.len() > 1))
}

#[test]
fn letter_paper_in_french_for_a_chosen_month() {
    let f = a_quarter();
    let range = (
        Some(CalendarDate {
            year: 2025,
            month: 2,
            day: 1,
        }),
        Some(CalendarDate {
            year: 2025,
            month: 2,
            day: 28,
        }),
    );
    let (pdf, s) = report(&f, "rapport.pdf", range, "fr-FR", Paper::Letter).unwrap();
    assert_eq!((s.from, s.to), (range.0.unwrap(), range.1.unwrap()));
    let t = text(&pdf);
    for expected in [
        "Rapport de pompe intrathécale",
        "Période : du 2025-02-01 au 2025-02-28",
        "Réservoir et remplissages",
        "Alarmes de la pompe",
        "Médicaments oraux et de secours",
        "Notes avec les mots du patient",
    ] {
        assert!(t.contains(expected), "{expected:?} not in:\n{t}");
    }
    // The symptom (January) and the note of day 41 (10 February) are in or out by date.
    assert!(!t.contains("Small swelling"));
    assert!(t.contains("Worse after the long drive"));
    assert!(info(&pdf).contains("612 x 792 pts (letter)"));
}

#[test]
fn an_empty_app_gets_a_short_report_saying_what_is_missing() {
    let f = fixtures::open("UTC", start());
    let (pdf, s) = report(&f, "empty.pdf", (None, None), "de", Paper::A4).unwrap();
    assert_eq!(s.pages, 1);
    let t = text(&pdf);
    for expected in [
        "Bericht zur intrathekalen Pumpe",
        "Kein Implantatausweis ausgefüllt",
        "Keine Pumpe mit der App gekoppelt.",
        "Kein Schmerzwert in diesem Zeitraum.",
        "Keine Notiz in diesem Zeitraum.",
    ] {
        assert!(t.contains(expected), "{expected:?} not in:\n{t}");
    }
}

#[test]
fn five_years_of_diary_are_charted_by_week() {
    let f = fixtures::open("Europe/Paris", start() + Duration::days(5 * 365 + 2));
    fixtures::seed_diary(
        f.thecal.store(),
        DiaryYears::five_years(start(), "Europe/Paris".parse().unwrap()),
        start() + Duration::days(5 * 365 + 1),
    )
    .unwrap();
    let t0 = std::time::Instant::now();
    let (pdf, s) = report(&f, "years.pdf", (None, None), "it", Paper::A4).unwrap();
    let took = t0.elapsed();
    let t = text(&pdf);
    assert!(t.contains("media settimanale"), "{t}");
    assert!(s.pages <= 6, "{s:?}");
    assert!(s.bytes < 2_000_000, "{s:?}");
    assert!(took < std::time::Duration::from_secs(20), "{took:?}");
}

#[test]
fn bad_arguments_are_typed_errors_and_write_nothing() {
    let f = fixtures::open("UTC", start());
    for (range, lang) in [
        ((None, None), "ar"),
        ((None, None), "xx"),
        (
            (
                Some(CalendarDate {
                    year: 2025,
                    month: 3,
                    day: 1,
                }),
                Some(CalendarDate {
                    year: 2025,
                    month: 2,
                    day: 1,
                }),
            ),
            "en",
        ),
        (
            (
                Some(CalendarDate {
                    year: 2025,
                    month: 2,
                    day: 30,
                }),
                None,
            ),
            "en",
        ),
    ] {
        let e = report(&f, "bad.pdf", range, lang, Paper::A4).unwrap_err();
        assert!(matches!(e, ExportError::InvalidInput { .. }), "{e:?}");
    }
    assert!(!f.dir.path().join("bad.pdf").exists());
    let e = block_on(
        f.thecal.export().write_report(
            f.dir
                .path()
                .join("no/such/folder/r.pdf")
                .to_string_lossy()
                .into_owned(),
            None,
            None,
            "en".into(),
            Paper::A4,
        ),
    )
    .unwrap_err();
    assert!(matches!(e, ExportError::FileUnavailable { .. }), "{e:?}");
}
