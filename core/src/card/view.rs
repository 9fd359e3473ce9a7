//! The card as localised sections: what every output (text, SVG, PNG, the apps' own screens)
//! draws. Only what the card data supports is said.

use super::data::{CardData, MriStatus, MriStep};
use crate::l10n::{Domain, FluentValue, Language, Review, Texts};
use crate::model::{PumpKind, UtcDateTime, Zone};

/// The card in one language, ready to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CardView {
    /// The language of the text.
    pub language: Language,
    /// Whether to lay it out right to left.
    pub right_to_left: bool,
    /// The language's own name (for a language switcher).
    pub language_name: String,
    /// The title ("Implanted medical device").
    pub title: String,
    /// The subtitle ("Patient identification card").
    pub subtitle: String,
    /// The sections, in order.
    pub sections: Vec<CardSection>,
}

/// Which part of the card a section is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum CardSectionKind {
    /// The patient and the emergency contact.
    Patient,
    /// The device.
    Device,
    /// The drugs in the pump.
    Medication,
    /// The implanting clinic.
    Clinic,
    /// For MRI technologists and radiologists.
    Mri,
    /// For airport and security staff.
    Airport,
    /// How to check the card, and its dates.
    Verify,
}

/// One section of the card.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CardSection {
    /// Which section.
    pub kind: CardSectionKind,
    /// Its heading.
    pub title: String,
    /// A label drawn as a sign (the ASTM F2503 mark for MRI), if any.
    pub badge: Option<CardBadge>,
    /// Its rows.
    pub rows: Vec<CardRow>,
}

/// A sign drawn as a text label, with its meaning for colouring.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CardBadge {
    /// The text (`MR Conditional`).
    pub text: String,
    /// The ASTM F2503 status it stands for.
    pub mri: MriMark,
}

/// The three ASTM F2503 marks (green square, yellow triangle, red circle on labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum MriMark {
    /// MR Safe.
    Safe,
    /// MR Conditional.
    Conditional,
    /// MR Unsafe.
    Unsafe,
}

/// A row: a label and its value, or a sentence (no label).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CardRow {
    /// The label ("Serial number"), if the row is a field.
    pub label: Option<String>,
    /// The value or sentence.
    pub text: String,
}

/// What is known about the card's signature, for the verify section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignatureInfo {
    pub issued_at: UtcDateTime,
    pub expires_at: UtcDateTime,
    pub key_id: String,
}

fn field(l: &Texts, label: &str, text: &str) -> CardRow {
    CardRow {
        label: Some(l.get(label)),
        text: l.isolate(text),
    }
}

fn sentence(text: String) -> CardRow {
    CardRow { label: None, text }
}

/// The card `data` in `language`; dates are shown in `tz`, as `YYYY-MM-DD` (read the same way
/// everywhere).
pub(crate) fn build(
    data: &CardData,
    signature: Option<&SignatureInfo>,
    language: Language,
    tz: Zone,
) -> CardView {
    let l = Texts::or_english(language, Domain::Card);
    let date = |t: UtcDateTime| t.with_timezone(&tz).date_naive().to_string();
    let mut sections = Vec::with_capacity(7);

    let mut patient = vec![field(&l, "field-name", &data.patient_name)];
    if let Some(c) = &data.emergency_contact {
        patient.push(field(
            &l,
            "field-emergency-contact",
            &format!("{}, {}", c.name, c.phone),
        ));
    }
    sections.push(section(
        CardSectionKind::Patient,
        l.get("section-patient"),
        patient,
    ));

    let d = &data.device;
    let mut device = vec![
        field(&l, "field-type", &l.get(kind_id(d.kind))),
        field(&l, "field-device", &d.name),
        field(&l, "field-manufacturer", &d.manufacturer),
        field(&l, "field-model", &d.model),
        field(&l, "field-serial", &d.serial),
    ];
    if let Some(lot) = &d.lot {
        device.push(field(&l, "field-lot", lot));
    }
    if let Some(udi) = &d.udi {
        device.push(field(&l, "field-udi", udi));
    }
    device.push(field(&l, "field-implant-date", &data.implant_date));
    if let Some(c) = &data.catheter {
        device.push(field(&l, "field-catheter", c));
    }
    sections.push(section(
        CardSectionKind::Device,
        l.get("section-device"),
        device,
    ));

    let meds = data
        .drugs
        .iter()
        .map(|drug| {
            sentence(l.format(
                "medication-line",
                &[
                    ("drug", drug.name.as_str().into()),
                    (
                        "amount",
                        decimal(&l, drug.concentration.micrograms_per_milliliter).into(),
                    ),
                ],
            ))
        })
        .collect();
    sections.push(section(
        CardSectionKind::Medication,
        l.get("section-medication"),
        meds,
    ));

    let c = &data.clinic;
    sections.push(section(
        CardSectionKind::Clinic,
        l.get("section-clinic"),
        vec![
            field(&l, "field-clinic", &c.name),
            field(&l, "field-physician", &c.physician),
            field(&l, "field-phone", &c.phone),
        ],
    ));

    sections.push(mri_section(data, &l));

    let airport_id = match d.kind {
        PumpKind::Implanted => "airport-implanted",
        PumpKind::External => "airport-external",
    };
    let mut safe = Safety::new(&l);
    let airport = vec![
        sentence(safe.text(airport_id, &[])),
        sentence(safe.text("airport-request", &[])),
    ];
    sections.push(section(
        CardSectionKind::Airport,
        l.get("section-airport"),
        safe.finish(airport),
    ));

    let verify = match signature {
        Some(s) => vec![
            sentence(l.get("verify-scan")),
            field(&l, "field-issued", &date(s.issued_at)),
            field(&l, "field-valid-until", &date(s.expires_at)),
            field(&l, "field-issuer-key", &s.key_id),
        ],
        None => vec![sentence(l.get("verify-not-signed"))],
    };
    sections.push(section(
        CardSectionKind::Verify,
        l.get("section-verify"),
        verify,
    ));

    CardView {
        language,
        right_to_left: language.is_rtl(),
        language_name: l.get("language-name"),
        title: l.get("card-title"),
        subtitle: l.get("card-subtitle"),
        sections,
    }
}

fn section(kind: CardSectionKind, title: String, rows: Vec<CardRow>) -> CardSection {
    CardSection {
        kind,
        title,
        badge: None,
        rows,
    }
}

fn kind_id(kind: PumpKind) -> &'static str {
    match kind {
        PumpKind::Implanted => "kind-implanted",
        PumpKind::External => "kind-external",
    }
}

fn mri_section(data: &CardData, l: &Texts) -> CardSection {
    let mri = &data.mri;
    let mut safe = Safety::new(l);
    // The conditions' values in the language their sentence is shown in (English until a
    // clinician reviews the reader's: "1.5 T or 3 T", not "1,5 T ou 3 T" inside English).
    let v = safe.texts_for("mri-field");
    let mut rows = vec![];
    let (mark, text) = match &mri.status {
        MriStatus::Safe => (MriMark::Safe, "MR Safe"),
        MriStatus::Unsafe => (MriMark::Unsafe, "MR Unsafe"),
        MriStatus::Conditional { .. } => (MriMark::Conditional, "MR Conditional"),
    };
    match &mri.status {
        MriStatus::Safe => rows.push(sentence(safe.text("mri-safe", &[]))),
        MriStatus::Unsafe => rows.push(sentence(safe.text("mri-unsafe", &[]))),
        MriStatus::Conditional { conditions: c } => {
            rows.push(sentence(safe.text("mri-conditional", &[])));
            let fields: Vec<String> = c
                .static_field_mt
                .iter()
                // Each value its own isolate, so "1.5 T" stays whole between the words of a
                // right-to-left language; a no-break space keeps a number with its unit.
                .map(|&mt| l.isolate(&format!("{}\u{a0}T", decimal(&v, mt))))
                .collect();
            let values = join_or(&fields, &v.get("list-or"));
            rows.push(sentence(
                safe.text("mri-field", &[("values", values.as_str().into())]),
            ));
            let gradient = decimal(&v, c.max_spatial_gradient_mt_per_m);
            rows.push(sentence(
                safe.text("mri-gradient", &[("value", gradient.as_str().into())]),
            ));
            let sar = decimal(&v, c.max_whole_body_sar_mw_per_kg);
            rows.push(sentence(
                safe.text("mri-sar", &[("value", sar.as_str().into())]),
            ));
            if !mri.steps.is_empty() {
                // A subheading: a label with no value.
                rows.push(CardRow {
                    label: Some(l.get("mri-steps-title")),
                    text: String::new(),
                });
                for s in &mri.steps {
                    rows.push(CardRow {
                        label: Some("•".into()),
                        text: safe.text(step_id(*s), &[]),
                    });
                }
            }
            rows.push(sentence(match &mri.protocol_source {
                Some(src) => safe.text("mri-protocol", &[("source", src.as_str().into())]),
                None => safe.text("mri-protocol-ask-clinic", &[]),
            }));
        }
    }
    CardSection {
        kind: CardSectionKind::Mri,
        title: l.get("section-mri"),
        badge: Some(CardBadge {
            text: text.into(),
            mri: mark,
        }),
        rows: safe.finish(rows),
    }
}

/// The safety texts of one section (MRI, airport), each shown only as a clinician reviewed it
/// (`l10n::Texts::safety`), and the section ends with the note saying it is not reviewed, once.
struct Safety<'a> {
    l: &'a Texts,
    note: Option<String>,
}

impl<'a> Safety<'a> {
    fn new(l: &'a Texts) -> Self {
        Self { l, note: None }
    }

    /// The words `id` is shown in: the reader's once reviewed there, else English's.
    fn texts_for(&self, id: &str) -> Texts {
        match self.l.review(id) {
            Review::NotReviewed { .. } => Texts::or_english(Language::English, Domain::Card),
            Review::Reviewed { .. } | Review::NotSafety => *self.l,
        }
    }

    fn text(&mut self, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let shown = self.l.safety(id, args);
        if shown.note.is_some() {
            self.note = shown.note;
        }
        shown.text
    }

    fn finish(self, mut rows: Vec<CardRow>) -> Vec<CardRow> {
        if let Some(note) = self.note {
            rows.push(sentence(note));
        }
        rows
    }
}

/// A value given in thousandths (1500 → "1.5" or "1,5").
fn decimal(l: &Texts, thousandths: u32) -> String {
    l.number(f64::from(thousandths) / 1000.0, 3)
}

pub(crate) fn step_id(s: MriStep) -> &'static str {
    match s {
        MriStep::ContactClinicBefore => "mri-step-contact-clinic-before",
        MriStep::EmptyReservoirBefore => "mri-step-empty-reservoir-before",
        MriStep::PumpMayStopDuringScan => "mri-step-pump-may-stop",
        MriStep::InterrogatePumpAfter => "mri-step-interrogate-after",
    }
}

/// "a", "a or b", "a, b or c".
fn join_or(items: &[String], or: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {or} {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::data::MriConditions;
    use crate::card::data::tests::sample;
    use crate::l10n::ALL_LANGUAGES;
    use chrono::TimeZone;

    fn sig() -> SignatureInfo {
        SignatureInfo {
            issued_at: chrono::Utc
                .with_ymd_and_hms(2026, 11, 25, 23, 30, 0)
                .unwrap(),
            expires_at: chrono::Utc.with_ymd_and_hms(2027, 11, 25, 9, 0, 0).unwrap(),
            key_id: "0011223344556677".into(),
        }
    }

    fn all_text(v: &CardView) -> String {
        v.sections
            .iter()
            .flat_map(|s| {
                std::iter::once(s.title.clone()).chain(
                    s.rows
                        .iter()
                        .map(|r| format!("{} {}", r.label.clone().unwrap_or_default(), r.text)),
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_english_card_says_what_the_data_says() {
        let v = build(
            &sample(),
            Some(&sig()),
            Language::English,
            Zone::get("Europe/Paris").unwrap(),
        );
        let t = all_text(&v);
        for expected in [
            "Name Marie Dupont",
            "Type Implanted intrathecal drug pump",
            "Serial number SIM-0001",
            "Morphine: 25\u{a0}mg/mL",
            "Static magnetic field: 1.5\u{a0}T or 3\u{a0}T only",
            "Maximum spatial field gradient: 19\u{a0}T/m",
            "Maximum whole-body SAR: 2\u{a0}W/kg",
            "The pump may stop during the scan: contact the clinic before and check the pump after.",
            "Interrogate the pump after the scan",
            "Special MRI protocol: +33 4 92 00 00 01",
            "may set off metal detectors, like a pacemaker",
            "pat-down or hand-wand alternative",
            // Issued 23:30 UTC is the next day in Paris.
            "Issued 2026-11-26",
            "Valid until 2027-11-25",
        ] {
            assert!(t.contains(expected), "missing {expected:?} in\n{t}");
        }
        assert!(
            !t.contains("Empty the pump reservoir"),
            "a step the clinic did not enter"
        );
        let mri = v
            .sections
            .iter()
            .find(|s| s.kind == CardSectionKind::Mri)
            .unwrap();
        assert_eq!(mri.badge.as_ref().unwrap().text, "MR Conditional");
    }

    #[test]
    fn unsafe_and_unsigned_cards_say_only_that() {
        let mut c = sample();
        c.mri.status = MriStatus::Unsafe;
        c.mri.steps.clear();
        c.mri.protocol_source = None;
        let v = build(&c, None, Language::English, Zone::UTC);
        let t = all_text(&v);
        assert!(t.contains("MR Unsafe: this device must not enter the MR environment"));
        assert!(!t.contains("Static magnetic field"));
        assert!(!t.contains("protocol"));
        assert!(t.contains("Not yet signed by the clinic."));
        assert!(!t.contains("Issued"));
    }

    #[test]
    fn decimals_follow_the_language() {
        let mut c = sample();
        c.mri.status = MriStatus::Conditional {
            conditions: MriConditions {
                static_field_mt: vec![1500],
                max_spatial_gradient_mt_per_m: 2_500,
                max_whole_body_sar_mw_per_kg: 1_500,
            },
        };
        c.drugs[0].concentration.micrograms_per_milliliter = 2_500; // 2.5 mg/mL
        let t = all_text(&build(&c, None, Language::German, Zone::UTC));
        assert!(t.contains("Morphine: 2,5"), "{t}");
        // The MRI conditions are safety texts no clinician has reviewed in German yet: shown
        // in English, numbers included, with a note in German.
        assert!(t.contains("Static magnetic field: 1.5\u{a0}T only"), "{t}");
        assert!(t.contains("Maximum spatial field gradient: 2.5\u{a0}T/m"));
        assert!(t.contains("Maximum whole-body SAR: 1.5\u{a0}W/kg"));
        assert!(
            t.contains("Noch nicht in Ihrer Sprache (Deutsch) geprüft: auf Englisch angezeigt.")
        );
    }

    #[test]
    fn every_language_has_every_section_and_no_missing_message() {
        for lang in ALL_LANGUAGES {
            let v = build(&sample(), Some(&sig()), lang, Zone::UTC);
            assert_eq!(v.sections.len(), 7);
            assert_eq!(v.right_to_left, lang == Language::Arabic);
            let t = all_text(&v);
            // A missing message would show its id.
            assert!(
                !t.contains("mri-") && !t.contains("field-"),
                "{}: {t}",
                lang.code()
            );
            let plain: String = t
                .chars()
                .filter(|c| !('\u{2066}'..='\u{2069}').contains(c))
                .collect();
            assert!(
                plain.contains("SIM-0001") && plain.contains("19\u{a0}T/m"),
                "{}",
                lang.code()
            );
        }
    }

    #[test]
    fn lists_join_with_or() {
        let s = |v: &[&str]| join_or(&v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(), "or");
        assert_eq!(s(&[]), "");
        assert_eq!(s(&["1.5 T"]), "1.5 T");
        assert_eq!(s(&["1.5 T", "3 T"]), "1.5 T or 3 T");
        assert_eq!(s(&["1 T", "1.5 T", "3 T"]), "1 T, 1.5 T or 3 T");
    }
}
