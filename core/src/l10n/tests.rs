use std::collections::{BTreeMap, BTreeSet};

use fluent_syntax::ast;

use super::*;

/// A message's variables (in its value and every variant) and its attributes' names.
#[derive(Debug, PartialEq, Eq)]
struct Shape {
    vars: BTreeSet<String>,
    attributes: BTreeSet<String>,
}

/// Every message of one file: its id, in order, with its shape.
fn messages(text: &str, what: &str) -> Vec<(String, Shape)> {
    let res = fluent_syntax::parser::parse(text)
        .unwrap_or_else(|(_, e)| panic!("{what}: parse errors {e:?}"));
    let mut out: Vec<(String, Shape)> = Vec::new();
    for entry in res.body {
        match entry {
            ast::Entry::Message(m) => {
                let mut vars = BTreeSet::new();
                if let Some(p) = &m.value {
                    pattern_vars(p, &mut vars);
                }
                let attributes = m.attributes.iter().map(|a| a.id.name.to_owned()).collect();
                assert!(
                    out.iter().all(|(id, _)| id != m.id.name),
                    "{what}: {} twice",
                    m.id.name
                );
                out.push((m.id.name.to_owned(), Shape { vars, attributes }));
            }
            ast::Entry::Junk { content } => panic!("{what}: junk {content}"),
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

/// Every (language, file name, text) there is, as the library reads it: `common` and each
/// domain.
fn files() -> Vec<(Language, &'static str, String)> {
    let mut out = Vec::new();
    for lang in ALL_LANGUAGES {
        out.push((lang, "common", source::text_common(lang)));
        for d in ALL_DOMAINS {
            if let Some(t) = source::text(lang, d) {
                out.push((lang, d.name(), t));
            }
        }
    }
    out
}

#[test]
fn every_message_exists_in_every_language_with_the_same_variables_and_review_fields() {
    let english: BTreeMap<&str, Vec<(String, Shape)>> = files()
        .into_iter()
        .filter(|(l, ..)| *l == Language::English)
        .map(|(_, name, text)| (name, messages(&text, &format!("en/{name}"))))
        .collect();
    assert_eq!(english.len(), 1 + ALL_DOMAINS.len());
    let mut checked = 0;
    for (lang, name, text) in files() {
        let what = format!("{}/{name}.ftl", lang.code());
        let m = messages(&text, &what);
        let reference = &english[name];
        let ids: Vec<&String> = m.iter().map(|(id, _)| id).collect();
        let ref_ids: Vec<&String> = reference.iter().map(|(id, _)| id).collect();
        assert_eq!(ids, ref_ids, "{what}: message ids differ from English");
        for ((id, shape), (_, ref_shape)) in m.iter().zip(reference) {
            assert_eq!(shape, ref_shape, "{what}: {id}'s variables or attributes");
        }
        checked += m.len();
    }
    assert!(checked > 7 * 250, "{checked} messages");
    // Every language but Arabic has the report (decision 0008); every one has the rest.
    for lang in ALL_LANGUAGES {
        for d in ALL_DOMAINS {
            let expected = !(d == Domain::Report && lang == Language::Arabic);
            assert_eq!(Texts::new(lang, d).is_some(), expected, "{lang:?} {d:?}");
        }
    }
}

#[test]
fn every_message_formats_without_errors_and_shows_each_variable() {
    for (lang, name, text) in files() {
        let domain = if name == "common" {
            Domain::Dashboard
        } else {
            *ALL_DOMAINS.iter().find(|d| d.name() == name).unwrap()
        };
        let t = Texts::new(lang, domain).unwrap();
        for (id, shape) in messages(&text, name) {
            let pattern = t.bundle.get_message(&id).and_then(|m| m.value()).unwrap();
            // Numbers for selectors, so every plural variant is reached across 0..=3 and 11.
            for n in [0, 1, 2, 3, 11] {
                let mut args = FluentArgs::new();
                for v in &shape.vars {
                    if ["n", "days", "count"].contains(&v.as_str()) {
                        args.set(v.clone(), n);
                    } else {
                        args.set(v.clone(), "\u{2603}VALUE");
                    }
                }
                let mut errors = vec![];
                let out = t.bundle.format_pattern(pattern, Some(&args), &mut errors);
                let what = format!("{}/{name}: {id}", lang.code());
                assert!(errors.is_empty(), "{what}: {errors:?}");
                assert!(!out.trim().is_empty(), "{what} is empty");
                let texts = shape
                    .vars
                    .iter()
                    .filter(|v| !["n", "days", "count"].contains(&v.as_str()))
                    .count();
                assert_eq!(
                    out.matches("\u{2603}VALUE").count(),
                    texts,
                    "{what}: each text variable is shown once"
                );
            }
        }
    }
}

#[test]
fn no_safety_message_is_shown_unreviewed_in_any_language() {
    let mut safety = 0;
    for lang in ALL_LANGUAGES {
        for d in ALL_DOMAINS {
            let Some(t) = Texts::new(lang, d) else {
                continue;
            };
            let english = messages(&source::text(Language::English, d).unwrap(), d.name());
            for (id, shape) in english {
                let review = t.review(&id);
                assert_eq!(
                    shape.attributes.contains("review"),
                    review != Review::NotSafety,
                    "{lang:?} {id}"
                );
                if review == Review::NotSafety {
                    continue;
                }
                safety += 1;
                let args: Vec<(&str, FluentValue<'_>)> = shape
                    .vars
                    .iter()
                    .map(|v| (v.as_str(), FluentValue::from("1")))
                    .collect();
                let shown = t.safety(&id, &args);
                match review {
                    Review::Reviewed { .. } => {
                        assert_eq!(shown.language, lang);
                        assert_eq!(shown.note, None);
                    }
                    _ => {
                        let note = shown
                            .note
                            .unwrap_or_else(|| panic!("{lang:?} {id}: no note"));
                        assert!(!note.is_empty());
                        // Shown in the source, never as the unreviewed translation.
                        assert_eq!(shown.language, Language::English, "{lang:?} {id}");
                        assert_eq!(
                            shown.text.trim_matches(['\u{2068}', '\u{2069}']),
                            Texts::english(d).format(&id, &args)
                        );
                    }
                }
            }
        }
    }
    assert!(safety > 7 * 60, "{safety} safety messages");
}

fn bundle_of(language: Language, text: &str) -> &'static Bundle {
    let mut bundle = Bundle::new_concurrent(vec![language.code().parse().unwrap()]);
    bundle.set_use_isolating(false);
    bundle
        .add_resource(FluentResource::try_new(text.to_owned()).unwrap())
        .unwrap();
    Box::leak(Box::new(bundle))
}

const COMMON_FR: &str = "language-name = Français
review-note-translation = Pas encore vérifié en { $language } : texte affiché en anglais.
review-note-unreviewed = Pas encore vérifié par un clinicien.
";

#[test]
fn a_reviewed_translation_is_shown_and_an_unreviewed_one_falls_back_to_reviewed_english() {
    let english = Texts {
        language: Language::English,
        domain: Domain::Recovery,
        bundle: bundle_of(
            Language::English,
            "sign = Fever of { $degrees }
    .written = Thecal team, 2026-11-25
    .review = reviewed by Dr A. Example (Example Clinic), 2026-12-01
other = Plain words
",
        ),
    };
    let french = |review: &str| Texts {
        language: Language::French,
        domain: Domain::Recovery,
        bundle: bundle_of(
            Language::French,
            &format!(
                "{COMMON_FR}sign = Fièvre de {{ $degrees }}
    .written = Thecal team, translated, 2026-11-26
    .review = {review}
other = Mots simples
"
            ),
        ),
    };
    let args = [("degrees", FluentValue::from("38 °C"))];

    let reviewed = french("reviewed by Dr B. Exemple (Clinique Exemple), 2026-12-02");
    assert_eq!(
        reviewed.review_against("sign", &english),
        Review::Reviewed {
            written: "Thecal team, translated, 2026-11-26".into(),
            by: "Dr B. Exemple (Clinique Exemple), 2026-12-02".into()
        }
    );
    let shown = reviewed.safety_against("sign", &args, &english);
    assert_eq!(shown.text, "Fièvre de 38 °C");
    assert_eq!(shown.language, Language::French);
    assert_eq!(shown.note, None);

    for review in ["not reviewed", "reviewed by ", "translated by someone"] {
        let unreviewed = french(review);
        let shown = unreviewed.safety_against("sign", &args, &english);
        assert_eq!(shown.text, "Fever of 38 °C", "{review}");
        assert_eq!(shown.language, Language::English);
        assert_eq!(
            shown.note.as_deref(),
            Some("Pas encore vérifié en Français : texte affiché en anglais.")
        );
    }
    // Not a safety message: no review asked, shown as it is.
    let t = french("not reviewed");
    assert_eq!(t.review_against("other", &english), Review::NotSafety);
    assert_eq!(
        t.safety_against("other", &[], &english).text,
        "Mots simples"
    );
}

#[test]
fn while_nothing_is_reviewed_every_reader_gets_english_with_both_notes() {
    // The state of the files today: no clinician has reviewed any safety text.
    let fr = Texts::new(Language::French, Domain::Recovery).unwrap();
    let shown = fr.safety("red-flag-fever", &[]);
    assert_eq!(shown.language, Language::English);
    assert_eq!(shown.text, "Fever or chills");
    let note = shown.note.unwrap();
    assert!(
        note.contains("Français") || note.contains("français"),
        "{note}"
    );
    let en = Texts::new(Language::English, Domain::Recovery).unwrap();
    assert_eq!(
        en.safety("red-flag-fever", &[]).note.as_deref(),
        Some("Not yet reviewed by a clinician.")
    );
}

#[test]
fn the_phones_locales_choose_the_language_with_a_fallback_to_english() {
    assert_eq!(Language::negotiate(&["fr-CA", "en-US"]), Language::French);
    assert_eq!(Language::negotiate(&["nb-NO", "de_DE"]), Language::German);
    assert_eq!(Language::negotiate(&["pt-BR"]), Language::Portuguese);
    assert_eq!(Language::negotiate(&["ar-EG"]), Language::Arabic);
    assert_eq!(Language::negotiate(&["ja-JP", "zh"]), Language::English);
    assert_eq!(Language::negotiate::<&str>(&[]), Language::English);
    assert_eq!(Language::negotiate(&["", " ES "]), Language::Spanish);
    for l in ALL_LANGUAGES {
        assert_eq!(Language::from_code(l.code()), Some(l));
        assert_eq!(l.is_rtl(), l == Language::Arabic);
    }
}

#[test]
fn numbers_and_dates_follow_the_language() {
    let d = NaiveDate::from_ymd_opt(2027, 3, 12).unwrap();
    let t = |l| Texts::new(l, Domain::Dashboard).unwrap();
    assert_eq!(t(Language::English).date(d), "12 March 2027");
    assert_eq!(t(Language::French).date(d), "12 mars 2027");
    assert_eq!(t(Language::German).date(d), "12. März 2027");
    assert_eq!(t(Language::Spanish).month_year(d), "marzo de 2027");
    assert_eq!(t(Language::English).number(1.50, 2), "1.5");
    assert_eq!(t(Language::French).number(1.50, 2), "1,5");
    assert_eq!(t(Language::German).fixed(2.0, 1), "2,0");
    assert_eq!(t(Language::English).number(-0.001, 2), "0");
    assert_eq!(t(Language::English).number(f64::NAN, 2), "–");
    // Arabic keeps a date whole inside right-to-left text.
    let ar = t(Language::Arabic).date(d);
    assert!(
        ar.contains("\u{2068}12\u{2069}") && ar.contains("2027"),
        "{ar}"
    );
    assert_eq!(
        t(Language::English).get("no-such-message"),
        "no-such-message"
    );
}
