//! Building the bundle from the store: pure mapping of rows to FHIR JSON, written with the
//! small writer of [`super::json`].

use chrono::Timelike;
use rusqlite::Connection;

use super::json::Json;
use super::{
    BASE, Error, FhirSummary, INTRATHECAL_ROUTE_SNOMED, LOINC, PAIN_SCORE_LOINC, SNOMED, UCUM,
};
use crate::card::CardData;
use crate::diary::{self, DoseUnit, MedicationEntry, PainEntry, Route};
use crate::model::{Drug, PumpKind, ReservoirKind, UtcDateTime};
use crate::therapy::db::{PumpRow, RefillRow};

/// A UTC time as FHIR writes an `instant` or a `dateTime`: milliseconds, `Z`.
pub(super) fn time(t: UtcDateTime) -> String {
    // Written by hand rather than with chrono's `format`, whose format-string machinery the
    // phone library otherwise does without (decision 0006).
    format!(
        "{}T{:02}:{:02}:{:02}.{:03}Z",
        t.date_naive(),
        t.hour(),
        t.minute(),
        t.second(),
        t.timestamp_subsec_millis().min(999)
    )
}

/// The `fullUrl` of a resource: a name-based UUID of its type and id, stable across exports.
pub(super) fn full_url(kind: &str, id: &str) -> String {
    let ns = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, BASE.as_bytes());
    format!(
        "urn:uuid:{}",
        uuid::Uuid::new_v5(&ns, format!("{kind}/{id}").as_bytes())
    )
}

/// `"key": {"reference": fullUrl of kind/id}`.
fn reference(j: &mut Json, key: &str, kind: &str, id: &str) {
    j.open(key);
    j.text("reference", &full_url(kind, id));
    j.close();
}

/// A coding (a list element).
fn coding(j: &mut Json, system: &str, code: &str, display: &str) {
    j.open("");
    j.text("system", system);
    j.text("code", code);
    j.text("display", display);
    j.close();
}

/// A CodeableConcept `key` with one coding of Thecal's code system `system`, and its text if
/// given.
fn own_concept(
    j: &mut Json,
    key: &str,
    system: &str,
    code: &str,
    display: &str,
    text: Option<&str>,
) {
    j.open(key);
    j.list("coding");
    coding(j, &format!("{BASE}/CodeSystem/{system}"), code, display);
    j.end_list();
    if let Some(t) = text {
        j.text("text", t);
    }
    j.close();
}

/// A Quantity `key` in UCUM's `code`.
fn quantity(j: &mut Json, key: &str, value: f64, unit: &str, code: &str) {
    j.open(key);
    j.num("value", value);
    j.text("unit", unit);
    j.text("system", UCUM);
    j.text("code", code);
    j.close();
}

/// A volume in µL as millilitres (exact: µL / 1000 has at most three decimals).
fn ml(j: &mut Json, key: &str, ul: u32) {
    quantity(j, key, f64::from(ul) / 1000.0, "mL", "mL");
}

/// Opens an extension of Thecal's (a list element); its value follows, then [`Json::close`].
fn ext(j: &mut Json, name: &str) {
    j.open("");
    j.text("url", &format!("{BASE}/StructureDefinition/{name}"));
}

/// An extension whose value is text of the type `key` (`valueCode`, `valueInstant`…).
fn ext_text(j: &mut Json, name: &str, key: &str, value: &str) {
    ext(j, name);
    j.text(key, value);
    j.close();
}

/// An extension whose value is a volume.
fn ext_ml(j: &mut Json, name: &str, ul: u32) {
    ext(j, name);
    ml(j, "valueQuantity", ul);
    j.close();
}

/// The human-readable text every resource carries (FHIR's `dom-6`): a short summary.
fn narrative(j: &mut Json, text: &str) {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    j.open("text");
    j.text("status", "generated");
    j.text(
        "div",
        &format!("<div xmlns=\"http://www.w3.org/1999/xhtml\">{escaped}</div>"),
    );
    j.close();
}

/// Opens a bundle entry and its resource (with its type and id); [`end_entry`] closes them.
fn entry(j: &mut Json, kind: &str, id: &str) {
    j.open("");
    j.text("fullUrl", &full_url(kind, id));
    j.open("resource");
    j.text("resourceType", kind);
    j.text("id", id);
}

fn end_entry(j: &mut Json) {
    j.close();
    j.close();
}

/// The displays of Thecal's own codes, and the words of the pain items (our own wording: see
/// `docs/decisions/0007-pain-item-wording.md`).
pub(super) const PAIN_ITEMS: [(&str, &str); 11] = [
    ("worst", "Strongest pain of the last day"),
    ("least", "Mildest pain of the last day"),
    ("average", "Usual pain level"),
    ("now", "Pain at the time of the entry"),
    (
        "general-activity",
        "Pain got in the way of day-to-day activity",
    ),
    ("mood", "Pain got in the way of mood"),
    ("walking", "Pain got in the way of getting about on foot"),
    (
        "normal-work",
        "Pain got in the way of usual work, paid or at home",
    ),
    ("relations", "Pain got in the way of time with other people"),
    ("sleep", "Pain got in the way of sleep"),
    ("enjoyment", "Pain got in the way of enjoying life"),
];

pub(super) fn pain_items(e: &PainEntry) -> [Option<u8>; 11] {
    let i = e.value.inventory.unwrap_or_default();
    let f = e.value.interference.unwrap_or_default();
    [
        i.worst,
        i.least,
        i.average,
        i.now,
        f.general_activity,
        f.mood,
        f.walking,
        f.normal_work,
        f.relations,
        f.sleep,
        f.enjoyment,
    ]
}

/// A dose unit's word, and its UCUM code when it has one.
pub(super) fn unit_ucum(u: DoseUnit) -> (&'static str, Option<&'static str>) {
    match u {
        DoseUnit::Milligram => ("mg", Some("mg")),
        DoseUnit::Microgram => ("µg", Some("ug")),
        DoseUnit::Milliliter => ("mL", Some("mL")),
        DoseUnit::Tablet => ("tablet", None),
        DoseUnit::Drop => ("drop", None),
        DoseUnit::Patch => ("patch", None),
        DoseUnit::Spray => ("spray", None),
    }
}

pub(super) fn route_display(r: Route) -> &'static str {
    match r {
        Route::Oral => "Swallowed",
        Route::Sublingual => "Under the tongue or in the cheek",
        Route::Transdermal => "Through the skin",
        Route::Intranasal => "Nasal spray",
        Route::Injection => "Injection",
        Route::Rectal => "Rectal",
        Route::Other => "Another way",
    }
}

pub(super) fn drug_display(d: &Drug) -> String {
    match d {
        Drug::Morphine => "Morphine".into(),
        Drug::Hydromorphone => "Hydromorphone".into(),
        Drug::Fentanyl => "Fentanyl".into(),
        Drug::Sufentanil => "Sufentanil".into(),
        Drug::Baclofen => "Baclofen".into(),
        Drug::Ziconotide => "Ziconotide".into(),
        Drug::Bupivacaine => "Bupivacaine".into(),
        Drug::Clonidine => "Clonidine".into(),
        Drug::Other { name } => name.clone(),
    }
}

/// The whole bundle of the store at `now` as JSON text, and what it holds.
///
/// # Errors
/// A storage error, or [`Error::Store`] for a damaged row.
pub fn bundle(conn: &Connection, now: UtcDateTime) -> Result<(String, FhirSummary), Error> {
    let pumps = crate::therapy::db::pump_rows(conn)?;
    let refills = crate::therapy::db::refill_rows(conn)?;
    let far = (
        UtcDateTime::MIN_UTC,
        UtcDateTime::MAX_UTC - chrono::Duration::days(1),
    );
    let pain = diary::pain_entries(conn, far.0, far.1).map_err(diary_error)?;
    let meds = diary::medications(conn, far.0, far.1).map_err(diary_error)?;
    let card = crate::card::db::load_card(conn)?.map(|(c, _)| c);

    let mut j = Json::default();
    j.open("");
    j.text("resourceType", "Bundle");
    j.text("id", "thecal-export");
    j.open("meta");
    j.text("lastUpdated", &time(now));
    j.close();
    j.text("type", "collection");
    j.text("timestamp", &time(now));
    j.list("entry");
    let mut resources = 1;
    patient(&mut j, card.as_ref());
    let newest_pump = pumps.iter().map(|p| p.id).max();
    for p in &pumps {
        let card_device = card.as_ref().filter(|c| c.device.serial == p.info.serial);
        device(&mut j, p, card_device);
        device_use(&mut j, p, Some(p.id) == newest_pump);
        resources += 2;
        if let Some(c) = card_device
            && implant(&mut j, p, c)
        {
            resources += 1;
        }
    }
    let newest_refill = refills
        .iter()
        .filter(|r| Some(r.pump_id) == newest_pump)
        .max_by_key(|r| (r.at, r.id))
        .map(|r| r.id);
    for r in &refills {
        let next = refills
            .iter()
            .filter(|n| n.pump_id == r.pump_id && (n.at, n.id) > (r.at, r.id))
            .min_by_key(|n| (n.at, n.id))
            .map(|n| n.at);
        refill(&mut j, r);
        intrathecal(&mut j, r, next, Some(r.id) == newest_refill);
        resources += 2;
    }
    for e in &pain {
        pain_observation(&mut j, e);
    }
    for m in &meds {
        medication(&mut j, m);
    }
    j.end_list();
    j.close();
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let summary = FhirSummary {
        resources: count(resources + pain.len() + meds.len()),
        pumps: count(pumps.len()),
        refills: count(refills.len()),
        pain_entries: count(pain.len()),
        medication_entries: count(meds.len()),
    };
    Ok((j.finish(), summary))
}

fn diary_error(e: diary::Error) -> Error {
    match e {
        diary::Error::Store(s) => Error::Store(s),
        other => Error::Store(crate::store::StoreError::Unexpected {
            context: format!("reading the diary ({other})"),
        }),
    }
}

fn patient(j: &mut Json, card: Option<&CardData>) {
    entry(j, "Patient", "patient");
    narrative(j, "The patient who keeps this diary.");
    if let Some(c) = card {
        j.list("name");
        j.open("");
        j.text("text", &c.patient_name);
        j.close();
        j.end_list();
    }
    end_entry(j);
}

fn pump_id(p: &PumpRow) -> String {
    format!("pump-{}", p.id)
}

/// A device property with a quantity.
fn property(j: &mut Json, code: &str, display: &str, value: f64, unit: &str, ucum: &str) {
    j.open("");
    own_concept(j, "type", "device-property", code, display, None);
    j.list("valueQuantity");
    quantity(j, "", value, unit, ucum);
    j.end_list();
    j.close();
}

fn device(j: &mut Json, p: &PumpRow, card: Option<&CardData>) {
    let i = &p.info;
    let (kind_code, kind_display) = match i.kind {
        PumpKind::Implanted => ("implanted", "Implanted intrathecal drug pump"),
        PumpKind::External => ("external", "External intrathecal drug pump"),
    };
    let (res_code, res_display) = match i.reservoir_kind {
        ReservoirKind::ImplantedChamber => ("chamber", "Implanted chamber"),
        ReservoirKind::Cassette => ("cassette", "Cassette"),
        ReservoirKind::Bag => ("bag", "Bag"),
    };
    entry(j, "Device", &pump_id(p));
    narrative(
        j,
        &format!(
            "{kind_display}: {} {}, serial {}",
            i.manufacturer, i.model, i.serial
        ),
    );
    if let Some(c) = card {
        if let Some(udi) = &c.device.udi {
            j.list("udiCarrier");
            j.open("");
            j.text("carrierHRF", udi);
            j.close();
            j.end_list();
        }
        if let Some(lot) = &c.device.lot {
            j.text("lotNumber", lot);
        }
    }
    j.text("status", "active");
    j.text("manufacturer", &i.manufacturer);
    j.text("serialNumber", &i.serial);
    j.text("modelNumber", &i.model);
    j.list("deviceName");
    j.open("");
    j.text("name", &i.model);
    j.text("type", "model-name");
    j.close();
    j.end_list();
    own_concept(
        j,
        "type",
        "pump-kind",
        kind_code,
        kind_display,
        Some(kind_display),
    );
    j.list("version");
    for (code, display, value) in [
        (
            "firmware-revision",
            "Firmware revision",
            Some(&i.firmware_revision),
        ),
        (
            "hardware-revision",
            "Hardware revision",
            i.hardware_revision.as_ref(),
        ),
    ] {
        if let Some(v) = value {
            j.open("");
            own_concept(j, "type", "device-property", code, display, None);
            j.text("value", v);
            j.close();
        }
    }
    j.end_list();
    j.list("property");
    let capacity = f64::from(i.reservoir_capacity.microliters) / 1000.0;
    property(
        j,
        "reservoir-capacity",
        "Reservoir capacity",
        capacity,
        "mL",
        "mL",
    );
    j.open("");
    own_concept(
        j,
        "type",
        "device-property",
        "reservoir-kind",
        "Reservoir kind",
        None,
    );
    j.list("valueCode");
    own_concept(j, "", "reservoir-kind", res_code, res_display, None);
    j.end_list();
    j.close();
    let s = &p.settings;
    if let Some(v) = s.low_reservoir_threshold {
        let ml = f64::from(v.microliters) / 1000.0;
        property(
            j,
            "low-reservoir-threshold",
            "Low reservoir alarm threshold",
            ml,
            "mL",
            "mL",
        );
    }
    if let Some(d) = s.eri_to_eos_days {
        let display = "Days from elective replacement to end of service";
        property(j, "eri-to-eos", display, f64::from(d), "days", "d");
    }
    if let Some(pct) = s.eri_battery_percent {
        let display = "Battery level of the elective replacement indicator";
        property(j, "eri-battery-level", display, f64::from(pct), "%", "%");
    }
    if let Some(d) = s.service_life_days {
        let display = "Longest service life to elective replacement";
        property(j, "service-life", display, f64::from(d), "days", "d");
    }
    j.end_list();
    reference(j, "patient", "Patient", "patient");
    end_entry(j);
}

fn device_use(j: &mut Json, p: &PumpRow, current: bool) {
    entry(j, "DeviceUseStatement", &format!("pump-use-{}", p.id));
    narrative(
        j,
        &format!(
            "Use of the pump with serial {} ({}).",
            p.info.serial,
            if current {
                "in use"
            } else {
                "no longer in use"
            }
        ),
    );
    j.text("status", if current { "active" } else { "completed" });
    reference(j, "subject", "Patient", "patient");
    j.text("recordedOn", &time(p.registered_at));
    reference(j, "device", "Device", &pump_id(p));
    end_entry(j);
}

/// The implant, from the card's implant date (a calendar date, checked when the card is
/// saved); `false` if the card's date is not one.
fn implant(j: &mut Json, p: &PumpRow, card: &CardData) -> bool {
    if crate::card::data::parse_date(&card.implant_date).is_none() {
        return false;
    }
    entry(j, "Procedure", &format!("implant-{}", p.id));
    narrative(j, &format!("Implant of the pump on {}.", card.implant_date));
    j.text("status", "completed");
    j.open("code");
    j.text("text", "Implantation of an intrathecal drug pump");
    j.close();
    reference(j, "subject", "Patient", "patient");
    j.text("performedDateTime", &card.implant_date);
    j.list("focalDevice");
    j.open("");
    reference(j, "manipulated", "Device", &pump_id(p));
    j.close();
    j.end_list();
    end_entry(j);
    true
}

fn refill(j: &mut Json, r: &RefillRow) {
    entry(j, "Procedure", &format!("refill-{}", r.id));
    let before = r
        .volume_before_ul
        .map(|v| format!("{} mL withdrawn, ", f64::from(v) / 1000.0))
        .unwrap_or_default();
    narrative(
        j,
        &format!(
            "Refill of the pump's reservoir: {before}{} mL after.",
            f64::from(r.volume_after_ul) / 1000.0
        ),
    );
    j.list("extension");
    ext_ml(j, "refill-volume-after", r.volume_after_ul);
    for (name, value) in [
        ("refill-volume-before", r.volume_before_ul),
        ("refill-expected-before", r.expected_before_ul),
        ("refill-programmed-volume", r.programmed_ul),
    ] {
        if let Some(v) = value {
            ext_ml(j, name, v);
        }
    }
    if let Some(place) = &r.place {
        ext_text(j, "refill-place", "valueCode", place);
    }
    ext_text(j, "refill-source", "valueCode", &r.source);
    if let Some(seq) = r.pump_sequence {
        // A pump sequence is 32 bits unsigned, more than FHIR's `integer` holds: as text.
        ext_text(j, "pump-history-sequence", "valueString", &seq.to_string());
    }
    if let Some(t) = r.discussed_at {
        ext_text(j, "refill-discussed", "valueDateTime", &time(t));
    }
    j.end_list();
    j.text("status", "completed");
    j.open("code");
    j.text("text", "Refill of an intrathecal drug pump's reservoir");
    j.close();
    reference(j, "subject", "Patient", "patient");
    j.text("performedDateTime", &time(r.at));
    j.list("focalDevice");
    j.open("");
    reference(j, "manipulated", "Device", &format!("pump-{}", r.pump_id));
    j.close();
    j.end_list();
    end_entry(j);
}

/// The drug's concept `key`: Thecal's code for a known drug, and its name.
fn drug_concept(j: &mut Json, key: &str, drug: Option<&Drug>, name: &str) {
    match drug {
        Some(d) if !matches!(d, Drug::Other { .. }) => {
            own_concept(j, key, "intrathecal-drug", &d.code(), name, Some(name));
        }
        _ => {
            j.open(key);
            j.text("text", name);
            j.close();
        }
    }
}

fn intrathecal(j: &mut Json, r: &RefillRow, until: Option<UtcDateTime>, current: bool) {
    let drug = Drug::from_code(&r.drug);
    let name = drug.as_ref().map_or_else(|| r.drug.clone(), drug_display);
    let mg_per_ml = f64::from(r.concentration_ug_ml) / 1000.0;
    entry(j, "MedicationStatement", &format!("intrathecal-{}", r.id));
    narrative(
        j,
        &format!(
            "{name} {mg_per_ml} mg/mL into the spinal fluid (intrathecal), {} µg a day, from this refill.",
            r.daily_dose_ug
        ),
    );
    j.list("contained");
    j.open("");
    j.text("resourceType", "Medication");
    j.text("id", "drug");
    drug_concept(j, "code", drug.as_ref(), &name);
    j.list("ingredient");
    j.open("");
    drug_concept(j, "itemCodeableConcept", drug.as_ref(), &name);
    j.open("strength");
    quantity(j, "numerator", f64::from(r.concentration_ug_ml), "µg", "ug");
    quantity(j, "denominator", 1.0, "mL", "mL");
    j.close();
    j.close();
    j.end_list();
    j.close();
    j.end_list();
    j.list("partOf");
    reference(j, "", "Procedure", &format!("refill-{}", r.id));
    j.end_list();
    j.text("status", if current { "active" } else { "completed" });
    j.open("medicationReference");
    j.text("reference", "#drug");
    j.close();
    reference(j, "subject", "Patient", "patient");
    j.open("effectivePeriod");
    j.text("start", &time(r.at));
    if let Some(end) = until {
        j.text("end", &time(end));
    }
    j.close();
    j.list("dosage");
    j.open("");
    j.text(
        "text",
        &format!("{} µg a day, intrathecal", r.daily_dose_ug),
    );
    j.open("route");
    j.list("coding");
    coding(j, SNOMED, INTRATHECAL_ROUTE_SNOMED, "Intrathecal route");
    j.end_list();
    j.text("text", "intrathecal");
    j.close();
    j.list("doseAndRate");
    j.open("");
    quantity(
        j,
        "rateQuantity",
        f64::from(r.daily_dose_ug),
        "µg/day",
        "ug/d",
    );
    j.close();
    j.end_list();
    j.close();
    j.end_list();
    end_entry(j);
}

fn pain_observation(j: &mut Json, e: &PainEntry) {
    let v = &e.value;
    entry(j, "Observation", &format!("pain-{}", e.id));
    narrative(j, &format!("Pain {}/10 at {}.", v.score, time(v.at)));
    j.open("meta");
    j.text("lastUpdated", &time(e.updated_at));
    j.close();
    j.list("extension");
    ext_text(j, "time-zone", "valueCode", &e.time_zone);
    ext_text(j, "entry-recorded", "valueInstant", &time(e.created_at));
    j.end_list();
    j.text("status", "final");
    j.list("category");
    j.open("");
    j.list("coding");
    let category = "http://terminology.hl7.org/CodeSystem/observation-category";
    coding(j, category, "survey", "Survey");
    j.end_list();
    j.close();
    j.end_list();
    j.open("code");
    j.list("coding");
    let display = "Pain severity - 0-10 verbal numeric rating [Score] - Reported";
    coding(j, LOINC, PAIN_SCORE_LOINC, display);
    j.end_list();
    j.text("text", "Pain score (0-10)");
    j.close();
    reference(j, "subject", "Patient", "patient");
    j.text("effectiveDateTime", &time(v.at));
    j.text("issued", &time(e.updated_at));
    j.list("performer");
    reference(j, "", "Patient", "patient");
    j.end_list();
    j.int("valueInteger", i64::from(v.score));
    if let Some(l) = &v.location {
        j.open("bodySite");
        j.text("text", l);
        j.close();
    }
    if let Some(n) = &v.note {
        j.list("note");
        j.open("");
        j.text("text", n);
        j.close();
        j.end_list();
    }
    let items = pain_items(e);
    if items.iter().any(Option::is_some) {
        j.list("component");
        for ((code, display), value) in PAIN_ITEMS.iter().zip(items) {
            if let Some(n) = value {
                j.open("");
                own_concept(j, "code", "pain-item", code, display, Some(display));
                j.int("valueInteger", i64::from(n));
                j.close();
            }
        }
        j.end_list();
    }
    end_entry(j);
}

fn medication(j: &mut Json, m: &MedicationEntry) {
    let v = &m.value;
    let (unit, ucum) = unit_ucum(v.unit);
    entry(j, "MedicationStatement", &format!("medication-{}", m.id));
    narrative(
        j,
        &format!(
            "{} {} {unit} ({}), at {}.",
            v.drug,
            v.dose,
            if v.breakthrough {
                "breakthrough"
            } else {
                "scheduled"
            },
            time(v.at)
        ),
    );
    j.open("meta");
    j.text("lastUpdated", &time(m.updated_at));
    j.close();
    j.list("extension");
    ext_text(j, "time-zone", "valueCode", &m.time_zone);
    j.end_list();
    j.text("status", "completed");
    j.open("medicationCodeableConcept");
    j.text("text", &v.drug);
    j.close();
    reference(j, "subject", "Patient", "patient");
    j.text("effectiveDateTime", &time(v.at));
    j.text("dateAsserted", &time(m.created_at));
    reference(j, "informationSource", "Patient", "patient");
    if let Some(reason) = &v.reason {
        j.list("reasonCode");
        j.open("");
        j.text("text", reason);
        j.close();
        j.end_list();
    }
    j.list("dosage");
    j.open("");
    j.boolean("asNeededBoolean", v.breakthrough);
    let route = route_display(v.route);
    own_concept(
        j,
        "route",
        "medication-route",
        v.route.code(),
        route,
        Some(route),
    );
    j.list("doseAndRate");
    j.open("");
    // Tablets, drops, patches and sprays are counts, not UCUM units: the unit's word alone
    // (UCUM's annotations, `{tablet}`, are ignored when units are compared).
    match ucum {
        Some(code) => quantity(j, "doseQuantity", v.dose, unit, code),
        None => {
            j.open("doseQuantity");
            j.num("value", v.dose);
            j.text("unit", unit);
            j.close();
        }
    }
    j.close();
    j.end_list();
    j.close();
    j.end_list();
    end_entry(j);
}
