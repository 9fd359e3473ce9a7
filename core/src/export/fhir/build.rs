//! Building the bundle from the store: pure mapping of rows to FHIR JSON.

use rusqlite::Connection;
use serde_json::{Map, Value, json};

use super::{
    BASE, Error, FhirSummary, INTRATHECAL_ROUTE_SNOMED, LOINC, PAIN_SCORE_LOINC, SNOMED, UCUM,
};
use crate::card::CardData;
use crate::diary::{self, DoseUnit, MedicationEntry, PainEntry, Route};
use crate::model::{Drug, PumpKind, ReservoirKind, UtcDateTime};
use crate::therapy::db::{PumpRow, RefillRow};

/// A UTC time as FHIR writes an `instant` or a `dateTime`: milliseconds, `Z`.
pub(super) fn time(t: UtcDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The `fullUrl` of a resource: a name-based UUID of its type and id, stable across exports.
pub(super) fn full_url(kind: &str, id: &str) -> String {
    let ns = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, BASE.as_bytes());
    format!(
        "urn:uuid:{}",
        uuid::Uuid::new_v5(&ns, format!("{kind}/{id}").as_bytes())
    )
}

fn reference(kind: &str, id: &str) -> Value {
    json!({ "reference": full_url(kind, id) })
}

fn code_system(name: &str) -> String {
    format!("{BASE}/CodeSystem/{name}")
}

fn extension_url(name: &str) -> String {
    format!("{BASE}/StructureDefinition/{name}")
}

fn coding(system: &str, code: &str, display: &str) -> Value {
    json!({ "system": system, "code": code, "display": display })
}

fn own_coding(system: &str, code: &str, display: &str) -> Value {
    coding(&code_system(system), code, display)
}

fn quantity(value: f64, unit: &str, code: &str) -> Value {
    json!({ "value": value, "unit": unit, "system": UCUM, "code": code })
}

/// A volume in µL as millilitres (exact: µL / 1000 has at most three decimals).
pub(super) fn ml(ul: u32) -> Value {
    quantity(f64::from(ul) / 1000.0, "mL", "mL")
}

fn ext(name: &str, key: &str, value: Value) -> Value {
    let mut m = Map::new();
    m.insert("url".into(), Value::String(extension_url(name)));
    m.insert(key.into(), value);
    Value::Object(m)
}

/// The human-readable text every resource carries (FHIR's `dom-6`): a short summary.
fn narrative(text: &str) -> Value {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    json!({
        "status": "generated",
        "div": format!("<div xmlns=\"http://www.w3.org/1999/xhtml\">{escaped}</div>")
    })
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

/// The whole bundle of the store at `now`, and what it holds.
///
/// # Errors
/// A storage error, or [`Error::Store`] for a damaged row.
pub fn bundle(conn: &Connection, now: UtcDateTime) -> Result<(Value, FhirSummary), Error> {
    let pumps = crate::therapy::db::pump_rows(conn)?;
    let refills = crate::therapy::db::refill_rows(conn)?;
    let far = (
        UtcDateTime::MIN_UTC,
        UtcDateTime::MAX_UTC - chrono::Duration::days(1),
    );
    let pain = diary::pain_entries(conn, far.0, far.1).map_err(diary_error)?;
    let meds = diary::medications(conn, far.0, far.1).map_err(diary_error)?;
    let card = crate::card::db::load_card(conn)?.map(|(c, _)| c);

    let mut entries = vec![patient(card.as_ref())];
    let newest_pump = pumps.iter().map(|p| p.id).max();
    for p in &pumps {
        let card_device = card.as_ref().filter(|c| c.device.serial == p.info.serial);
        entries.push(device(p, card_device));
        entries.push(device_use(p, Some(p.id) == newest_pump));
        if let Some(c) = card_device
            && let Some(e) = implant(p, c)
        {
            entries.push(e);
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
        entries.push(refill(r));
        entries.push(intrathecal(r, next, Some(r.id) == newest_refill));
    }
    for e in &pain {
        entries.push(pain_observation(e));
    }
    for m in &meds {
        entries.push(medication(m));
    }
    let summary = FhirSummary {
        resources: u32::try_from(entries.len()).unwrap_or(u32::MAX),
        pumps: u32::try_from(pumps.len()).unwrap_or(u32::MAX),
        refills: u32::try_from(refills.len()).unwrap_or(u32::MAX),
        pain_entries: u32::try_from(pain.len()).unwrap_or(u32::MAX),
        medication_entries: u32::try_from(meds.len()).unwrap_or(u32::MAX),
    };
    let bundle = json!({
        "resourceType": "Bundle",
        "id": "thecal-export",
        "meta": { "lastUpdated": time(now) },
        "type": "collection",
        "timestamp": time(now),
        "entry": entries,
    });
    Ok((bundle, summary))
}

fn diary_error(e: diary::Error) -> Error {
    match e {
        diary::Error::Store(s) => Error::Store(s),
        other => Error::Store(crate::store::StoreError::Unexpected {
            context: format!("reading the diary ({other})"),
        }),
    }
}

/// One bundle entry: the resource with its `fullUrl`.
fn entry(kind: &str, id: &str, mut resource: Map<String, Value>) -> Value {
    resource.insert("resourceType".into(), Value::String(kind.into()));
    resource.insert("id".into(), Value::String(id.into()));
    // resourceType first, as FHIR's examples write it (serde_json keeps the order of insertion
    // only with its preserve_order feature; the order has no meaning in FHIR).
    json!({ "fullUrl": full_url(kind, id), "resource": Value::Object(resource) })
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn patient(card: Option<&CardData>) -> Value {
    let mut r = object(json!({
        "text": narrative("The patient who keeps this diary."),
    }));
    if let Some(c) = card {
        r.insert("name".into(), json!([{ "text": c.patient_name }]));
    }
    entry("Patient", "patient", r)
}

fn pump_id(p: &PumpRow) -> String {
    format!("pump-{}", p.id)
}

fn device(p: &PumpRow, card: Option<&CardData>) -> Value {
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
    let prop = |code: &str, display: &str, value: Value| {
        json!({
            "type": { "coding": [own_coding("device-property", code, display)] },
            "valueQuantity": [value],
        })
    };
    let mut properties = vec![
        prop(
            "reservoir-capacity",
            "Reservoir capacity",
            ml(i.reservoir_capacity.microliters),
        ),
        json!({
            "type": { "coding": [own_coding("device-property", "reservoir-kind", "Reservoir kind")] },
            "valueCode": [{ "coding": [own_coding("reservoir-kind", res_code, res_display)] }],
        }),
    ];
    let s = &p.settings;
    if let Some(v) = s.low_reservoir_threshold {
        properties.push(prop(
            "low-reservoir-threshold",
            "Low reservoir alarm threshold",
            ml(v.microliters),
        ));
    }
    if let Some(d) = s.eri_to_eos_days {
        properties.push(prop(
            "eri-to-eos",
            "Days from elective replacement to end of service",
            quantity(f64::from(d), "days", "d"),
        ));
    }
    if let Some(pct) = s.eri_battery_percent {
        properties.push(prop(
            "eri-battery-level",
            "Battery level of the elective replacement indicator",
            quantity(f64::from(pct), "%", "%"),
        ));
    }
    if let Some(d) = s.service_life_days {
        properties.push(prop(
            "service-life",
            "Longest service life to elective replacement",
            quantity(f64::from(d), "days", "d"),
        ));
    }
    let mut versions = vec![json!({
        "type": { "coding": [own_coding("device-property", "firmware-revision", "Firmware revision")] },
        "value": i.firmware_revision,
    })];
    if let Some(h) = &i.hardware_revision {
        versions.push(json!({
            "type": { "coding": [own_coding("device-property", "hardware-revision", "Hardware revision")] },
            "value": h,
        }));
    }
    let mut r = object(json!({
        "text": narrative(&format!("{kind_display}: {} {}, serial {}", i.manufacturer, i.model, i.serial)),
        "status": "active",
        "manufacturer": i.manufacturer,
        "serialNumber": i.serial,
        "modelNumber": i.model,
        "deviceName": [{ "name": i.model, "type": "model-name" }],
        "type": {
            "coding": [own_coding("pump-kind", kind_code, kind_display)],
            "text": kind_display,
        },
        "version": versions,
        "property": properties,
        "patient": reference("Patient", "patient"),
    }));
    if let Some(c) = card {
        if let Some(udi) = &c.device.udi {
            r.insert("udiCarrier".into(), json!([{ "carrierHRF": udi }]));
        }
        if let Some(lot) = &c.device.lot {
            r.insert("lotNumber".into(), json!(lot));
        }
    }
    entry("Device", &pump_id(p), r)
}

fn device_use(p: &PumpRow, current: bool) -> Value {
    let r = object(json!({
        "text": narrative(&format!(
            "Use of the pump with serial {} ({}).",
            p.info.serial,
            if current { "in use" } else { "no longer in use" }
        )),
        "status": if current { "active" } else { "completed" },
        "subject": reference("Patient", "patient"),
        "device": reference("Device", &pump_id(p)),
        "recordedOn": time(p.registered_at),
    }));
    entry("DeviceUseStatement", &format!("pump-use-{}", p.id), r)
}

fn implant(p: &PumpRow, card: &CardData) -> Option<Value> {
    // The card's implant date is a calendar date (YYYY-MM-DD), checked when the card is saved.
    chrono::NaiveDate::parse_from_str(&card.implant_date, "%Y-%m-%d").ok()?;
    let r = object(json!({
        "text": narrative(&format!("Implant of the pump on {}.", card.implant_date)),
        "status": "completed",
        "code": { "text": "Implantation of an intrathecal drug pump" },
        "subject": reference("Patient", "patient"),
        "performedDateTime": card.implant_date,
        "focalDevice": [{ "manipulated": reference("Device", &pump_id(p)) }],
    }));
    Some(entry("Procedure", &format!("implant-{}", p.id), r))
}

fn refill(r: &RefillRow) -> Value {
    let mut exts = vec![ext(
        "refill-volume-after",
        "valueQuantity",
        ml(r.volume_after_ul),
    )];
    if let Some(v) = r.volume_before_ul {
        exts.push(ext("refill-volume-before", "valueQuantity", ml(v)));
    }
    if let Some(v) = r.expected_before_ul {
        exts.push(ext("refill-expected-before", "valueQuantity", ml(v)));
    }
    if let Some(v) = r.programmed_ul {
        exts.push(ext("refill-programmed-volume", "valueQuantity", ml(v)));
    }
    if let Some(place) = &r.place {
        exts.push(ext("refill-place", "valueCode", json!(place)));
    }
    exts.push(ext("refill-source", "valueCode", json!(r.source)));
    if let Some(seq) = r.pump_sequence {
        // A pump sequence is 32 bits unsigned, more than FHIR's `integer` holds: as text.
        exts.push(ext(
            "pump-history-sequence",
            "valueString",
            json!(seq.to_string()),
        ));
    }
    if let Some(t) = r.discussed_at {
        exts.push(ext("refill-discussed", "valueDateTime", json!(time(t))));
    }
    let before = r
        .volume_before_ul
        .map(|v| format!("{} mL withdrawn, ", f64::from(v) / 1000.0))
        .unwrap_or_default();
    let res = object(json!({
        "text": narrative(&format!(
            "Refill of the pump's reservoir: {before}{} mL after.",
            f64::from(r.volume_after_ul) / 1000.0
        )),
        "extension": exts,
        "status": "completed",
        "code": { "text": "Refill of an intrathecal drug pump's reservoir" },
        "subject": reference("Patient", "patient"),
        "performedDateTime": time(r.at),
        "focalDevice": [{ "manipulated": reference("Device", &format!("pump-{}", r.pump_id)) }],
    }));
    entry("Procedure", &format!("refill-{}", r.id), res)
}

fn intrathecal(r: &RefillRow, until: Option<UtcDateTime>, current: bool) -> Value {
    let drug = Drug::from_code(&r.drug);
    let name = drug.as_ref().map_or_else(|| r.drug.clone(), drug_display);
    let mut code = Map::new();
    if let Some(d) = &drug
        && !matches!(d, Drug::Other { .. })
    {
        code.insert(
            "coding".into(),
            json!([own_coding("intrathecal-drug", &d.code(), &name)]),
        );
    }
    code.insert("text".into(), json!(name));
    let mut period = Map::new();
    period.insert("start".into(), json!(time(r.at)));
    if let Some(end) = until {
        period.insert("end".into(), json!(time(end)));
    }
    let mg_per_ml = f64::from(r.concentration_ug_ml) / 1000.0;
    let res = object(json!({
        "text": narrative(&format!(
            "{name} {mg_per_ml} mg/mL into the spinal fluid (intrathecal), {} µg a day, from this refill.",
            r.daily_dose_ug
        )),
        "contained": [{
            "resourceType": "Medication",
            "id": "drug",
            "code": Value::Object(code.clone()),
            "ingredient": [{
                "itemCodeableConcept": Value::Object(code),
                "strength": {
                    "numerator": quantity(f64::from(r.concentration_ug_ml), "µg", "ug"),
                    "denominator": quantity(1.0, "mL", "mL"),
                },
            }],
        }],
        "partOf": [reference("Procedure", &format!("refill-{}", r.id))],
        "status": if current { "active" } else { "completed" },
        "medicationReference": { "reference": "#drug" },
        "subject": reference("Patient", "patient"),
        "effectivePeriod": Value::Object(period),
        "dosage": [{
            "text": format!("{} µg a day, intrathecal", r.daily_dose_ug),
            "route": {
                "coding": [coding(SNOMED, INTRATHECAL_ROUTE_SNOMED, "Intrathecal route")],
                "text": "intrathecal",
            },
            "doseAndRate": [{ "rateQuantity": quantity(f64::from(r.daily_dose_ug), "µg/day", "ug/d") }],
        }],
    }));
    entry("MedicationStatement", &format!("intrathecal-{}", r.id), res)
}

fn pain_observation(e: &PainEntry) -> Value {
    let v = &e.value;
    let components: Vec<Value> = PAIN_ITEMS
        .iter()
        .zip(pain_items(e))
        .filter_map(|((code, display), value)| {
            value.map(|n| {
                json!({
                    "code": { "coding": [own_coding("pain-item", code, display)], "text": display },
                    "valueInteger": n,
                })
            })
        })
        .collect();
    let mut r = object(json!({
        "text": narrative(&format!("Pain {}/10 at {}.", v.score, time(v.at))),
        "meta": { "lastUpdated": time(e.updated_at) },
        "extension": [
            ext("time-zone", "valueCode", json!(e.time_zone)),
            ext("entry-recorded", "valueInstant", json!(time(e.created_at))),
        ],
        "status": "final",
        "category": [{ "coding": [coding("http://terminology.hl7.org/CodeSystem/observation-category", "survey", "Survey")] }],
        "code": {
            "coding": [coding(LOINC, PAIN_SCORE_LOINC, "Pain severity - 0-10 verbal numeric rating [Score] - Reported")],
            "text": "Pain score (0-10)",
        },
        "subject": reference("Patient", "patient"),
        "effectiveDateTime": time(v.at),
        "issued": time(e.updated_at),
        "performer": [reference("Patient", "patient")],
        "valueInteger": v.score,
    }));
    if let Some(l) = &v.location {
        r.insert("bodySite".into(), json!({ "text": l }));
    }
    if let Some(n) = &v.note {
        r.insert("note".into(), json!([{ "text": n }]));
    }
    if !components.is_empty() {
        r.insert("component".into(), Value::Array(components));
    }
    entry("Observation", &format!("pain-{}", e.id), r)
}

fn medication(m: &MedicationEntry) -> Value {
    let v = &m.value;
    let (unit, ucum) = unit_ucum(v.unit);
    // Tablets, drops, patches and sprays are counts, not UCUM units: the unit's word alone
    // (UCUM's annotations, `{tablet}`, are ignored when units are compared).
    let dose = match ucum {
        Some(code) => quantity(v.dose, unit, code),
        None => json!({ "value": v.dose, "unit": unit }),
    };
    let mut r = object(json!({
        "text": narrative(&format!(
            "{} {} {unit} ({}), at {}.",
            v.drug,
            v.dose,
            if v.breakthrough { "breakthrough" } else { "scheduled" },
            time(v.at)
        )),
        "meta": { "lastUpdated": time(m.updated_at) },
        "extension": [ext("time-zone", "valueCode", json!(m.time_zone))],
        "status": "completed",
        "medicationCodeableConcept": { "text": v.drug },
        "subject": reference("Patient", "patient"),
        "effectiveDateTime": time(v.at),
        "dateAsserted": time(m.created_at),
        "informationSource": reference("Patient", "patient"),
        "dosage": [{
            "asNeededBoolean": v.breakthrough,
            "route": {
                "coding": [own_coding("medication-route", v.route.code(), route_display(v.route))],
                "text": route_display(v.route),
            },
            "doseAndRate": [{ "doseQuantity": dose }],
        }],
    }));
    if let Some(reason) = &v.reason {
        r.insert("reasonCode".into(), json!([{ "text": reason }]));
    }
    entry("MedicationStatement", &format!("medication-{}", m.id), r)
}
