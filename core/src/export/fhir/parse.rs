//! Reading a Thecal bundle back: every value checked (the same checks as when it was entered),
//! every place that is not readable named by its JSON path (never by its value), then written
//! into a new store in one transaction.

use std::collections::BTreeMap;

use rusqlite::Transaction;
use serde_json::Value;

use super::build::{PAIN_ITEMS, full_url, unit_ucum};
use super::{BASE, Error, FhirSummary};
use crate::diary::{
    DoseUnit, MedicationEntry, MedicationInput, PainEntry, PainInput, PainInterference,
    PainInventory, Route,
};
use crate::model::{DeviceInfo, Drug, PumpKind, ReservoirKind, UtcDateTime, Volume, Zone};
use crate::store::StoreError;
use crate::therapy::PumpSettings;
use crate::therapy::db::{PumpRow, RefillRow};

/// What a bundle holds for a new store, checked.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Imported {
    /// The pumps.
    pub pumps: Vec<PumpRow>,
    /// The refills.
    pub refills: Vec<RefillRow>,
    /// The pain entries.
    pub pain: Vec<PainEntry>,
    /// The medication doses.
    pub medications: Vec<MedicationEntry>,
}

/// The JSON path of `key` under `at`.
fn path(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_owned()
    } else {
        format!("{at}.{key}")
    }
}

fn get<'a>(v: &'a Value, at: &str, key: &str) -> Result<&'a Value, Error> {
    v.get(key)
        .ok_or_else(|| Error::bundle(path(at, key), "is missing"))
}

fn text<'a>(v: &'a Value, at: &str, key: &str) -> Result<&'a str, Error> {
    get(v, at, key)?
        .as_str()
        .ok_or_else(|| Error::bundle(path(at, key), "is not text"))
}

fn array<'a>(v: &'a Value, at: &str, key: &str) -> Result<&'a [Value], Error> {
    match v.get(key) {
        None => Ok(&[]),
        Some(x) => x
            .as_array()
            .map(Vec::as_slice)
            .ok_or_else(|| Error::bundle(path(at, key), "is not a list")),
    }
}

fn time_of(s: &str, at: &str) -> Result<UtcDateTime, Error> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.to_utc())
        .map_err(|_| Error::bundle(at, "is not a date and time with a time zone"))
}

fn time(v: &Value, at: &str, key: &str) -> Result<UtcDateTime, Error> {
    time_of(text(v, at, key)?, &path(at, key))
}

/// The id number of `prefix-N`.
fn id_number(id: &str, prefix: &str, at: &str) -> Result<i64, Error> {
    id.strip_prefix(prefix)
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| Error::bundle(at, format!("is not a Thecal id ({prefix}N)")))
}

/// The code of the first coding of `concept` in Thecal's code system `system`.
fn own_code<'a>(concept: &'a Value, at: &str, system: &str) -> Result<&'a str, Error> {
    let url = format!("{BASE}/CodeSystem/{system}");
    for (i, c) in array(concept, at, "coding")?.iter().enumerate() {
        if c.get("system").and_then(Value::as_str) == Some(url.as_str()) {
            return text(c, &format!("{at}.coding[{i}]"), "code");
        }
    }
    Err(Error::bundle(
        path(at, "coding"),
        format!("has no code of Thecal's {system} code system"),
    ))
}

/// The value of Thecal's extension `name`, under `key` (`valueCode`…), if present.
fn extension<'a>(
    v: &'a Value,
    at: &str,
    name: &str,
    key: &str,
) -> Result<Option<(&'a Value, String)>, Error> {
    let url = format!("{BASE}/StructureDefinition/{name}");
    for (i, e) in array(v, at, "extension")?.iter().enumerate() {
        if e.get("url").and_then(Value::as_str) == Some(url.as_str()) {
            let here = format!("{at}.extension[{i}]");
            return Ok(Some((get(e, &here, key)?, path(&here, key))));
        }
    }
    Ok(None)
}

fn extension_text(v: &Value, at: &str, name: &str, key: &str) -> Result<Option<String>, Error> {
    extension(v, at, name, key)?
        .map(|(x, here)| {
            x.as_str()
                .map(str::to_owned)
                .ok_or_else(|| Error::bundle(here, "is not text"))
        })
        .transpose()
}

/// A quantity in `unit` (UCUM), as a number.
fn quantity_value(q: &Value, at: &str, unit: &str) -> Result<f64, Error> {
    let code = text(q, at, "code")?;
    if code != unit {
        return Err(Error::bundle(path(at, "code"), format!("is not {unit}")));
    }
    get(q, at, "value")?
        .as_f64()
        .filter(|x| x.is_finite())
        .ok_or_else(|| Error::bundle(path(at, "value"), "is not a number"))
}

/// Millilitres as whole microlitres (exports write at most three decimals).
fn microliters(q: &Value, at: &str) -> Result<u32, Error> {
    let ml = quantity_value(q, at, "mL")?;
    let ul = (ml * 1000.0).round();
    if !(0.0..=f64::from(u32::MAX)).contains(&ul) || (ml * 1000.0 - ul).abs() > 1e-6 {
        return Err(Error::bundle(
            path(at, "value"),
            "is not a volume in whole microlitres",
        ));
    }
    Ok(ul as u32)
}

fn whole(x: f64, at: &str, max: f64) -> Result<u32, Error> {
    if x.fract() != 0.0 || !(0.0..=max).contains(&x) {
        return Err(Error::bundle(at, "is not a whole number in range"));
    }
    Ok(x as u32)
}

fn extension_ul(v: &Value, at: &str, name: &str) -> Result<Option<u32>, Error> {
    extension(v, at, name, "valueQuantity")?
        .map(|(q, here)| microliters(q, &here))
        .transpose()
}

/// The store id referred to by `reference` (a `fullUrl` of this bundle).
fn referred(
    urls: &BTreeMap<String, (String, String)>,
    r: &Value,
    at: &str,
    kind: &str,
    prefix: &str,
) -> Result<i64, Error> {
    let url = text(r, at, "reference")?;
    match urls.get(url) {
        Some((k, id)) if k == kind => id_number(id, prefix, &path(at, "reference")),
        _ => Err(Error::bundle(
            path(at, "reference"),
            format!("does not point to a {kind} of this bundle"),
        )),
    }
}

/// Reads and checks a Thecal bundle (as [`super::bundle`] writes it) at `now` (times in the
/// future are refused, as when entered).
///
/// # Errors
/// [`Error::Bundle`] naming the first place that is not readable.
pub fn parse_bundle(bytes: &[u8], now: UtcDateTime) -> Result<Imported, Error> {
    let root: Value = serde_json::from_slice(bytes).map_err(|e| {
        Error::bundle(
            "",
            format!("is not JSON (line {}, column {})", e.line(), e.column()),
        )
    })?;
    if root.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
        return Err(Error::bundle("resourceType", "is not Bundle"));
    }
    let entries = array(&root, "", "entry")?;
    // Every resource by its fullUrl, for references.
    let mut urls = BTreeMap::new();
    let mut resources = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let at = format!("entry[{i}]");
        let full = text(e, &at, "fullUrl")?;
        let r = get(e, &at, "resource")?;
        let rat = format!("{at}.resource");
        let kind = text(r, &rat, "resourceType")?;
        let id = text(r, &rat, "id")?;
        if full != full_url(kind, id) {
            return Err(Error::bundle(
                path(&at, "fullUrl"),
                "does not match its resource's type and id",
            ));
        }
        if urls
            .insert(full.to_owned(), (kind.to_owned(), id.to_owned()))
            .is_some()
        {
            return Err(Error::bundle(path(&at, "fullUrl"), "appears twice"));
        }
        resources.push((rat, kind, id, r));
    }
    let mut out = Imported::default();
    let mut registered = BTreeMap::new();
    let mut drugs = BTreeMap::new();
    let mut refills = Vec::new();
    for (at, kind, id, r) in &resources {
        let (at, id, r) = (at.as_str(), *id, *r);
        match *kind {
            "Device" => out.pumps.push(device(r, at, id)?),
            "DeviceUseStatement" => {
                let pump = referred(
                    &urls,
                    get(r, at, "device")?,
                    &path(at, "device"),
                    "Device",
                    "pump-",
                )?;
                registered.insert(pump, time(r, at, "recordedOn")?);
            }
            "Procedure" if id.starts_with("refill-") => refills.push(refill(&urls, r, at, id)?),
            "MedicationStatement" if id.starts_with("intrathecal-") => {
                let refill = referred(
                    &urls,
                    array(r, at, "partOf")?
                        .first()
                        .ok_or_else(|| Error::bundle(path(at, "partOf"), "is missing"))?,
                    &path(at, "partOf[0]"),
                    "Procedure",
                    "refill-",
                )?;
                drugs.insert(refill, intrathecal(r, at)?);
            }
            "MedicationStatement" => out.medications.push(medication(r, at, id, now)?),
            "Observation" => out.pain.push(pain(r, at, id, now)?),
            // The patient, the implant: not read back (the ID card is not in the bundle).
            _ => {}
        }
    }
    for p in &mut out.pumps {
        p.registered_at = *registered
            .get(&p.id)
            .ok_or_else(|| Error::bundle(format!("pump-{}", p.id), "has no DeviceUseStatement"))?;
    }
    for (mut row, at) in refills {
        let (drug, conc, dose) = drugs
            .remove(&row.id)
            .ok_or_else(|| Error::bundle(at.clone(), "has no intrathecal MedicationStatement"))?;
        if !out.pumps.iter().any(|p| p.id == row.pump_id) {
            return Err(Error::bundle(at, "is for a pump not in the bundle"));
        }
        (row.drug, row.concentration_ug_ml, row.daily_dose_ug) = (drug, conc, dose);
        out.refills.push(row);
    }
    if let Some(id) = drugs.keys().next() {
        return Err(Error::bundle(
            format!("intrathecal-{id}"),
            "is for a refill not in the bundle",
        ));
    }
    Ok(out)
}

fn device(r: &Value, at: &str, id: &str) -> Result<PumpRow, Error> {
    let id = id_number(id, "pump-", &path(at, "id"))?;
    let kind = match own_code(get(r, at, "type")?, &path(at, "type"), "pump-kind")? {
        "implanted" => PumpKind::Implanted,
        "external" => PumpKind::External,
        _ => {
            return Err(Error::bundle(
                path(at, "type"),
                "is not a pump kind Thecal knows",
            ));
        }
    };
    let mut firmware = None;
    let mut hardware = None;
    for (i, v) in array(r, at, "version")?.iter().enumerate() {
        let vat = format!("{at}.version[{i}]");
        let value = text(v, &vat, "value")?.to_owned();
        match own_code(
            get(v, &vat, "type")?,
            &path(&vat, "type"),
            "device-property",
        )? {
            "firmware-revision" => firmware = Some(value),
            "hardware-revision" => hardware = Some(value),
            _ => {}
        }
    }
    let mut capacity = None;
    let mut reservoir = None;
    let mut settings = PumpSettings::default();
    for (i, p) in array(r, at, "property")?.iter().enumerate() {
        let pat = format!("{at}.property[{i}]");
        let code = own_code(
            get(p, &pat, "type")?,
            &path(&pat, "type"),
            "device-property",
        )?;
        let q = || -> Result<(&Value, String), Error> {
            let qs = array(p, &pat, "valueQuantity")?;
            let q = qs
                .first()
                .ok_or_else(|| Error::bundle(path(&pat, "valueQuantity"), "is missing"))?;
            Ok((q, format!("{pat}.valueQuantity[0]")))
        };
        match code {
            "reservoir-capacity" => {
                let (q, qat) = q()?;
                capacity = Some(microliters(q, &qat)?);
            }
            "low-reservoir-threshold" => {
                let (q, qat) = q()?;
                settings.low_reservoir_threshold =
                    Some(Volume::from_microliters(microliters(q, &qat)?));
            }
            "eri-to-eos" => {
                let (q, qat) = q()?;
                let d = whole(quantity_value(q, &qat, "d")?, &qat, f64::from(u16::MAX))?;
                settings.eri_to_eos_days = u16::try_from(d).ok();
            }
            "service-life" => {
                let (q, qat) = q()?;
                let d = whole(quantity_value(q, &qat, "d")?, &qat, f64::from(u16::MAX))?;
                settings.service_life_days = u16::try_from(d).ok();
            }
            "eri-battery-level" => {
                let (q, qat) = q()?;
                let pct = whole(quantity_value(q, &qat, "%")?, &qat, 100.0)?;
                settings.eri_battery_percent = u8::try_from(pct).ok();
            }
            "reservoir-kind" => {
                let cs = array(p, &pat, "valueCode")?;
                let c = cs
                    .first()
                    .ok_or_else(|| Error::bundle(path(&pat, "valueCode"), "is missing"))?;
                reservoir = Some(
                    match own_code(c, &format!("{pat}.valueCode[0]"), "reservoir-kind")? {
                        "chamber" => ReservoirKind::ImplantedChamber,
                        "cassette" => ReservoirKind::Cassette,
                        "bag" => ReservoirKind::Bag,
                        _ => {
                            return Err(Error::bundle(
                                path(&pat, "valueCode"),
                                "is not a reservoir kind Thecal knows",
                            ));
                        }
                    },
                );
            }
            _ => {}
        }
    }
    let info = DeviceInfo {
        serial: text(r, at, "serialNumber")?.to_owned(),
        manufacturer: text(r, at, "manufacturer")?.to_owned(),
        model: text(r, at, "modelNumber")?.to_owned(),
        firmware_revision: firmware
            .ok_or_else(|| Error::bundle(path(at, "version"), "has no firmware revision"))?,
        hardware_revision: hardware,
        kind,
        reservoir_kind: reservoir
            .ok_or_else(|| Error::bundle(path(at, "property"), "has no reservoir kind"))?,
        reservoir_capacity: Volume::from_microliters(
            capacity
                .ok_or_else(|| Error::bundle(path(at, "property"), "has no reservoir capacity"))?,
        ),
    };
    info.validate().map_err(|e| Error::invalid(at, &e))?;
    Ok(PumpRow {
        id,
        info,
        registered_at: UtcDateTime::UNIX_EPOCH,
        settings,
    })
}

fn refill(
    urls: &BTreeMap<String, (String, String)>,
    r: &Value,
    at: &str,
    id: &str,
) -> Result<(RefillRow, String), Error> {
    let id = id_number(id, "refill-", &path(at, "id"))?;
    let devices = array(r, at, "focalDevice")?;
    let dev = devices
        .first()
        .ok_or_else(|| Error::bundle(path(at, "focalDevice"), "is missing"))?;
    let dat = format!("{at}.focalDevice[0]");
    let pump_id = referred(
        urls,
        get(dev, &dat, "manipulated")?,
        &path(&dat, "manipulated"),
        "Device",
        "pump-",
    )?;
    let place = extension_text(r, at, "refill-place", "valueCode")?;
    if place
        .as_deref()
        .is_some_and(|p| p != "clinic" && p != "home")
    {
        return Err(Error::bundle(
            path(at, "extension"),
            "has a refill place Thecal does not know",
        ));
    }
    let source = extension_text(r, at, "refill-source", "valueCode")?
        .ok_or_else(|| Error::bundle(path(at, "extension"), "has no refill source"))?;
    if source != "pump" && source != "manual" {
        return Err(Error::bundle(
            path(at, "extension"),
            "has a refill source Thecal does not know",
        ));
    }
    let sequence = extension_text(r, at, "pump-history-sequence", "valueString")?
        .map(|s| {
            s.parse::<u32>().map(i64::from).map_err(|_| {
                Error::bundle(
                    path(at, "extension"),
                    "has a pump sequence that is not a number",
                )
            })
        })
        .transpose()?;
    let discussed = extension_text(r, at, "refill-discussed", "valueDateTime")?
        .map(|s| time_of(&s, &path(at, "extension")))
        .transpose()?;
    let row = RefillRow {
        id,
        pump_id,
        at: time(r, at, "performedDateTime")?,
        volume_before_ul: extension_ul(r, at, "refill-volume-before")?,
        volume_after_ul: extension_ul(r, at, "refill-volume-after")?.ok_or_else(|| {
            Error::bundle(path(at, "extension"), "has no volume after the refill")
        })?,
        drug: String::new(),
        concentration_ug_ml: 0,
        daily_dose_ug: 0,
        place,
        source,
        pump_sequence: sequence,
        expected_before_ul: extension_ul(r, at, "refill-expected-before")?,
        programmed_ul: extension_ul(r, at, "refill-programmed-volume")?,
        discussed_at: discussed,
    };
    Ok((row, at.to_owned()))
}

/// The drug's stored code, its concentration (µg/mL) and daily dose (µg).
fn intrathecal(r: &Value, at: &str) -> Result<(String, u32, u32), Error> {
    let contained = array(r, at, "contained")?;
    let med = contained
        .iter()
        .position(|m| m.get("id").and_then(Value::as_str) == Some("drug"))
        .ok_or_else(|| Error::bundle(path(at, "contained"), "has no drug"))?;
    let mat = format!("{at}.contained[{med}]");
    let m = &contained[med];
    let code = get(m, &mat, "code")?;
    let drug = match own_code(code, &path(&mat, "code"), "intrathecal-drug") {
        Ok(c) => Drug::from_code(c)
            .filter(|d| !matches!(d, Drug::Other { .. }))
            .ok_or_else(|| Error::bundle(path(&mat, "code"), "is not a drug Thecal knows"))?,
        Err(_) => Drug::Other {
            name: text(code, &path(&mat, "code"), "text")?.to_owned(),
        },
    };
    let ingredients = array(m, &mat, "ingredient")?;
    let ing = ingredients
        .first()
        .ok_or_else(|| Error::bundle(path(&mat, "ingredient"), "is missing"))?;
    let sat = format!("{mat}.ingredient[0].strength");
    let strength = get(ing, &format!("{mat}.ingredient[0]"), "strength")?;
    let num = quantity_value(
        get(strength, &sat, "numerator")?,
        &path(&sat, "numerator"),
        "ug",
    )?;
    let den = quantity_value(
        get(strength, &sat, "denominator")?,
        &path(&sat, "denominator"),
        "mL",
    )?;
    if den != 1.0 {
        return Err(Error::bundle(path(&sat, "denominator"), "is not 1 mL"));
    }
    let conc = whole(num, &path(&sat, "numerator"), f64::from(u32::MAX))?;
    let dosage = array(r, at, "dosage")?
        .first()
        .ok_or_else(|| Error::bundle(path(at, "dosage"), "is missing"))?;
    let dat = format!("{at}.dosage[0]");
    let rate = array(dosage, &dat, "doseAndRate")?
        .first()
        .ok_or_else(|| Error::bundle(path(&dat, "doseAndRate"), "is missing"))?;
    let rat = format!("{dat}.doseAndRate[0]");
    let dose = whole(
        quantity_value(
            get(rate, &rat, "rateQuantity")?,
            &path(&rat, "rateQuantity"),
            "ug/d",
        )?,
        &path(&rat, "rateQuantity"),
        f64::from(u32::MAX),
    )?;
    if matches!(&drug, Drug::Other { name } if name.trim().is_empty()) {
        return Err(Error::bundle(path(&mat, "code"), "names no drug"));
    }
    Ok((drug.code(), conc, dose))
}

fn zone_of(r: &Value, at: &str) -> Result<String, Error> {
    let z = extension_text(r, at, "time-zone", "valueCode")?
        .ok_or_else(|| Error::bundle(path(at, "extension"), "has no time zone"))?;
    z.parse::<Zone>().map_err(|_| {
        Error::bundle(
            path(at, "extension"),
            "has a time zone this device does not know",
        )
    })?;
    Ok(z)
}

fn score(v: &Value, at: &str) -> Result<u8, Error> {
    v.as_u64()
        .and_then(|n| u8::try_from(n).ok())
        .ok_or_else(|| Error::bundle(at, "is not a whole number from 0 to 10"))
}

fn pain(r: &Value, at: &str, id: &str, now: UtcDateTime) -> Result<PainEntry, Error> {
    let id = id_number(id, "pain-", &path(at, "id"))?;
    let code = get(r, at, "code")?;
    let is_pain = array(code, &path(at, "code"), "coding")?.iter().any(|c| {
        c.get("system").and_then(Value::as_str) == Some(super::LOINC)
            && c.get("code").and_then(Value::as_str) == Some(super::PAIN_SCORE_LOINC)
    });
    if !is_pain {
        return Err(Error::bundle(
            path(at, "code"),
            "is not LOINC 72514-3 (pain score)",
        ));
    }
    let mut items = [None; 11];
    for (i, c) in array(r, at, "component")?.iter().enumerate() {
        let cat = format!("{at}.component[{i}]");
        let code = own_code(get(c, &cat, "code")?, &path(&cat, "code"), "pain-item")?;
        let k = PAIN_ITEMS
            .iter()
            .position(|(k, _)| *k == code)
            .ok_or_else(|| Error::bundle(path(&cat, "code"), "is not a pain item Thecal knows"))?;
        items[k] = Some(score(
            get(c, &cat, "valueInteger")?,
            &path(&cat, "valueInteger"),
        )?);
    }
    let inventory = PainInventory {
        worst: items[0],
        least: items[1],
        average: items[2],
        now: items[3],
    };
    let interference = PainInterference {
        general_activity: items[4],
        mood: items[5],
        walking: items[6],
        normal_work: items[7],
        relations: items[8],
        sleep: items[9],
        enjoyment: items[10],
    };
    let value = PainInput {
        at: time(r, at, "effectiveDateTime")?,
        score: score(get(r, at, "valueInteger")?, &path(at, "valueInteger"))?,
        inventory: (inventory != PainInventory::default()).then_some(inventory),
        interference: (interference != PainInterference::default()).then_some(interference),
        location: r
            .get("bodySite")
            .map(|b| text(b, &path(at, "bodySite"), "text").map(str::to_owned))
            .transpose()?,
        note: match array(r, at, "note")?.first() {
            Some(n) => Some(text(n, &path(at, "note[0]"), "text")?.to_owned()),
            None => None,
        },
    };
    value.validate(now).map_err(|e| Error::invalid(at, &e))?;
    let created = extension_text(r, at, "entry-recorded", "valueInstant")?
        .ok_or_else(|| Error::bundle(path(at, "extension"), "has no time recorded"))?;
    Ok(PainEntry {
        id,
        time_zone: zone_of(r, at)?,
        value,
        created_at: time_of(&created, &path(at, "extension"))?,
        updated_at: time(get(r, at, "meta")?, &path(at, "meta"), "lastUpdated")?,
    })
}

fn medication(r: &Value, at: &str, id: &str, now: UtcDateTime) -> Result<MedicationEntry, Error> {
    let id = id_number(id, "medication-", &path(at, "id"))?;
    let dosage = array(r, at, "dosage")?
        .first()
        .ok_or_else(|| Error::bundle(path(at, "dosage"), "is missing"))?;
    let dat = format!("{at}.dosage[0]");
    let breakthrough = get(dosage, &dat, "asNeededBoolean")?
        .as_bool()
        .ok_or_else(|| Error::bundle(path(&dat, "asNeededBoolean"), "is not true or false"))?;
    let route_code = own_code(
        get(dosage, &dat, "route")?,
        &path(&dat, "route"),
        "medication-route",
    )?;
    let route = Route::from_code(route_code)
        .ok_or_else(|| Error::bundle(path(&dat, "route"), "is not a route Thecal knows"))?;
    let rate = array(dosage, &dat, "doseAndRate")?
        .first()
        .ok_or_else(|| Error::bundle(path(&dat, "doseAndRate"), "is missing"))?;
    let qat = format!("{dat}.doseAndRate[0].doseQuantity");
    let q = get(rate, &format!("{dat}.doseAndRate[0]"), "doseQuantity")?;
    let code = q.get("code").and_then(Value::as_str);
    let word = text(q, &qat, "unit")?;
    let unit = [
        DoseUnit::Milligram,
        DoseUnit::Microgram,
        DoseUnit::Milliliter,
        DoseUnit::Tablet,
        DoseUnit::Drop,
        DoseUnit::Patch,
        DoseUnit::Spray,
    ]
    .into_iter()
    .find(|u| match (unit_ucum(*u), code) {
        ((_, Some(ucum)), Some(c)) => ucum == c,
        ((w, None), None) => w == word,
        _ => false,
    })
    .ok_or_else(|| Error::bundle(path(&qat, "unit"), "is not a unit Thecal knows"))?;
    let dose = get(q, &qat, "value")?
        .as_f64()
        .filter(|x| x.is_finite())
        .ok_or_else(|| Error::bundle(path(&qat, "value"), "is not a number"))?;
    let value = MedicationInput {
        at: time(r, at, "effectiveDateTime")?,
        drug: text(
            get(r, at, "medicationCodeableConcept")?,
            &path(at, "medicationCodeableConcept"),
            "text",
        )?
        .to_owned(),
        dose,
        unit,
        route,
        breakthrough,
        reason: match array(r, at, "reasonCode")?.first() {
            Some(c) => Some(text(c, &path(at, "reasonCode[0]"), "text")?.to_owned()),
            None => None,
        },
    };
    value.validate(now).map_err(|e| Error::invalid(at, &e))?;
    Ok(MedicationEntry {
        id,
        time_zone: zone_of(r, at)?,
        value,
        created_at: time(r, at, "dateAsserted")?,
        updated_at: time(get(r, at, "meta")?, &path(at, "meta"), "lastUpdated")?,
    })
}

/// Writes what was read into the store, which must be new (no pump, refill, pain entry or
/// medication dose).
///
/// # Errors
/// [`Error::NotEmpty`], [`Error::Bundle`] for rows the store refuses (two entries with one id),
/// or a storage error.
pub fn write_imported(tx: &Transaction<'_>, data: &Imported) -> Result<FhirSummary, Error> {
    let held: i64 = tx
        .query_row(
            "SELECT (SELECT COUNT(*) FROM pumps) + (SELECT COUNT(*) FROM refills)
                  + (SELECT COUNT(*) FROM pain_entries) + (SELECT COUNT(*) FROM medication_entries)",
            [],
            |r| r.get(0),
        )
        .map_err(StoreError::from)?;
    if held > 0 {
        return Err(Error::NotEmpty);
    }
    let refused = |what: &'static str, id: i64| {
        move |e: StoreError| match e {
            StoreError::Unexpected { .. } | StoreError::Corrupt { .. } => Error::bundle(
                format!("{what}-{id}"),
                "cannot be stored (a duplicate or an impossible value)",
            ),
            other => Error::Store(other),
        }
    };
    for p in &data.pumps {
        crate::therapy::db::insert_pump_row(tx, p).map_err(|e| match e {
            crate::therapy::Error::Store(s) => refused("pump", p.id)(s),
            crate::therapy::Error::Invalid(i) => Error::invalid(&format!("pump-{}", p.id), &i),
            crate::therapy::Error::UnknownPump => {
                Error::bundle(format!("pump-{}", p.id), "is unknown")
            }
        })?;
    }
    for r in &data.refills {
        crate::therapy::db::insert_refill_row(tx, r).map_err(refused("refill", r.id))?;
    }
    for e in &data.pain {
        crate::diary::db::import_pain(tx, e).map_err(refused("pain", e.id))?;
    }
    for m in &data.medications {
        crate::diary::db::import_medication(tx, m).map_err(refused("medication", m.id))?;
    }
    Ok(FhirSummary {
        resources: 0,
        pumps: u32::try_from(data.pumps.len()).unwrap_or(u32::MAX),
        refills: u32::try_from(data.refills.len()).unwrap_or(u32::MAX),
        pain_entries: u32::try_from(data.pain.len()).unwrap_or(u32::MAX),
        medication_entries: u32::try_from(data.medications.len()).unwrap_or(u32::MAX),
    })
}
