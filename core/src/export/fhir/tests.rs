//! The FHIR bundle: its shape (snapshot), its stable ids, a round trip of every field through a
//! new store, and the import's refusals.

use chrono::TimeZone;
use serde_json::Value;

use super::*;
use crate::diary::{
    self, DoseUnit, MedicationInput, PainInput, PainInterference, PainInventory, Route,
};
use crate::model::{Author, Concentration, DailyDose, DeviceInfo, Drug, PumpKind, Volume};
use crate::store::Store;
use crate::therapy::{self, PumpSettings, RefillEntry, RefillPlace};

fn at(day: u32, hour: u32) -> UtcDateTime {
    chrono::Utc
        .with_ymd_and_hms(2026, 3, day, hour, 15, 0)
        .single()
        .unwrap()
}

fn now() -> UtcDateTime {
    at(28, 12)
}

/// A store with a little of everything the bundle carries, every optional field used once.
fn seeded(dir: &std::path::Path) -> Store {
    let store = Store::open_in_dir(dir).unwrap();
    let paris = "Europe/Paris".parse().unwrap();
    let pump = DeviceInfo {
        manufacturer: "Thecal Sim".into(),
        model: "TS-40".into(),
        serial: "SIM0001".into(),
        firmware_revision: "1.0.0".into(),
        hardware_revision: Some("B".into()),
        kind: PumpKind::Implanted,
        reservoir_kind: crate::model::ReservoirKind::ImplantedChamber,
        reservoir_capacity: Volume::from_milliliters(40),
    };
    store
        .write(|tx| {
            therapy::db::upsert_pump(tx, &pump, at(1, 8))?;
            therapy::db::set_pump_settings(
                tx,
                &pump.serial,
                &PumpSettings {
                    low_reservoir_threshold: Some(Volume::from_microliters(2_500)),
                    eri_to_eos_days: Some(90),
                    eri_battery_percent: Some(8),
                    service_life_days: Some(2_555),
                },
            )?;
            for (day, drug, place) in [
                (2, Drug::Morphine, Some(RefillPlace::Clinic)),
                (
                    20,
                    Drug::Other {
                        name: "Morphine + bupivacaine".into(),
                    },
                    None,
                ),
            ] {
                let id = therapy::db::record_refill(
                    tx,
                    &pump.serial,
                    &RefillEntry {
                        at: at(day, 9),
                        volume_before: Some(Volume::from_microliters(3_125)),
                        volume_after: Volume::from_milliliters(40),
                        drug,
                        concentration: Concentration::from_mg_per_ml(25),
                        daily_dose: DailyDose {
                            micrograms_per_day: 5_250,
                        },
                        place,
                        expected_before: Some(Volume::from_microliters(3_300)),
                    },
                    now(),
                )?;
                therapy::db::mark_refill_discussed(tx, id, at(day + 1, 10))?;
            }
            Ok::<_, therapy::Error>(())
        })
        .unwrap();
    store
        .write(|tx| {
            diary::add_pain(
                tx,
                PainInput {
                    at: at(3, 7),
                    score: 6,
                    inventory: Some(PainInventory {
                        worst: Some(8),
                        least: Some(2),
                        average: Some(5),
                        now: Some(6),
                    }),
                    interference: Some(PainInterference {
                        general_activity: Some(4),
                        mood: Some(3),
                        walking: None,
                        normal_work: Some(7),
                        relations: Some(0),
                        sleep: Some(9),
                        enjoyment: Some(5),
                    }),
                    location: Some("lower back <left>".into()),
                    note: Some("after the drive & the stairs".into()),
                },
                paris,
                now(),
                Author::Patient,
            )?;
            let e = diary::add_pain(
                tx,
                PainInput {
                    at: at(4, 22),
                    score: 3,
                    inventory: None,
                    interference: None,
                    location: None,
                    note: None,
                },
                "America/New_York".parse().unwrap(),
                now(),
                Author::Caregiver,
            )?;
            diary::edit_pain(
                tx,
                e.id,
                PainInput {
                    score: 4,
                    ..e.value.clone()
                },
                at(5, 1),
                Author::Patient,
            )?;
            let gone = diary::add_pain(tx, e.value, paris, now(), Author::Patient)?;
            diary::delete_pain(tx, gone.id, now(), Author::Patient)?;
            for (k, unit, route, dose) in [
                (0, DoseUnit::Milligram, Route::Oral, 7.5),
                (1, DoseUnit::Microgram, Route::Sublingual, 133.0),
                (2, DoseUnit::Milliliter, Route::Oral, 0.35),
                (3, DoseUnit::Tablet, Route::Oral, 1.0),
                (4, DoseUnit::Drop, Route::Other, 12.0),
                (5, DoseUnit::Patch, Route::Transdermal, 1.0),
                (6, DoseUnit::Spray, Route::Intranasal, 2.0),
            ] {
                diary::add_medication(
                    tx,
                    MedicationInput {
                        at: at(6 + k, 13),
                        drug: "Oxycodone".into(),
                        dose,
                        unit,
                        route,
                        breakthrough: k % 2 == 0,
                        reason: (k == 0).then(|| "pain after physio".into()),
                    },
                    paris,
                    now(),
                    Author::Patient,
                )?;
            }
            Ok::<_, diary::Error>(())
        })
        .unwrap();
    store
}

/// The rows the bundle carries, table by table, as text (the pumps' history sync mark is not
/// carried: a new phone replays the pump's history).
pub(crate) fn carried_rows(store: &Store) -> Vec<(String, Vec<String>)> {
    const TABLES: [(&str, &str); 4] = [
        (
            "pumps",
            "SELECT id, serial, manufacturer, model, firmware_revision, hardware_revision, kind,
                    reservoir_kind, reservoir_capacity_ul, registered_at_ms,
                    low_reservoir_threshold_ul, eri_to_eos_days, eri_battery_percent,
                    service_life_days FROM pumps ORDER BY id",
        ),
        ("refills", "SELECT * FROM refills ORDER BY id"),
        (
            "pain_entries",
            "SELECT * FROM pain_entries WHERE deleted_at_ms IS NULL ORDER BY id",
        ),
        (
            "medication_entries",
            "SELECT * FROM medication_entries WHERE deleted_at_ms IS NULL ORDER BY id",
        ),
    ];
    store
        .read(|c| {
            TABLES
                .iter()
                .map(|(name, sql)| {
                    let mut stmt = c.prepare(sql)?;
                    let n = stmt.column_count();
                    let rows = stmt
                        .query_map([], |r| {
                            (0..n)
                                .map(|i| r.get::<_, rusqlite::types::Value>(i))
                                .collect::<Result<Vec<_>, _>>()
                                .map(|v| format!("{v:?}"))
                        })?
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok(((*name).to_owned(), rows))
                })
                .collect::<Result<Vec<_>, StoreError>>()
        })
        .unwrap()
}

fn export(store: &Store) -> (Value, FhirSummary) {
    let (text, summary) = store.read(|c| bundle(c, now())).unwrap();
    (serde_json::from_str(&text).unwrap(), summary)
}

#[test]
fn every_row_the_bundle_carries_comes_back_the_same_in_a_new_store() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let source = seeded(a.path());
    let (value, summary) = export(&source);
    assert_eq!(
        (
            summary.pumps,
            summary.refills,
            summary.pain_entries,
            summary.medication_entries
        ),
        (1, 2, 2, 7)
    );
    let bytes = serde_json::to_vec(&value).unwrap();
    let target = Store::open_in_dir(b.path()).unwrap();
    let imported = target
        .write(|tx| write_imported(tx, &parse_bundle(&bytes, now())?))
        .unwrap();
    assert_eq!(imported.pain_entries, 2);
    let (want, got) = (carried_rows(&source), carried_rows(&target));
    for ((name, w), (_, g)) in want.iter().zip(&got) {
        assert!(!w.is_empty(), "{name} has rows to compare");
        assert_eq!(w, g, "{name}");
    }
    // The same again: the second export of the imported store is the first.
    assert_eq!(export(&target).0, value);
}

#[test]
fn the_bundle_keeps_its_shape() {
    let a = tempfile::tempdir().unwrap();
    let (value, _) = export(&seeded(a.path()));
    insta::assert_json_snapshot!("bundle", value);
}

#[test]
fn the_pain_score_is_loinc_72514_3_and_the_intrathecal_route_snomed_72607000() {
    let a = tempfile::tempdir().unwrap();
    let (value, _) = export(&seeded(a.path()));
    let text = value.to_string();
    assert!(text.contains(r#""code":"72514-3""#));
    assert!(text.contains(r#""code":"72607000""#));
    let entries = value["entry"].as_array().unwrap();
    let fulls: std::collections::BTreeSet<&str> = entries
        .iter()
        .map(|e| e["fullUrl"].as_str().unwrap())
        .collect();
    assert_eq!(fulls.len(), entries.len(), "fullUrls are unique");
    // Every reference points into the bundle (or to a contained resource).
    let mut refs = vec![];
    fn walk<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("reference") {
                    out.push(r);
                }
                m.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(&value, &mut refs);
    assert!(refs.len() > 20);
    for r in refs {
        assert!(r == "#drug" || fulls.contains(r), "{r}");
    }
    // Times are UTC.
    assert_eq!(value["timestamp"], "2026-03-28T12:15:00.000Z");
}

#[test]
fn an_import_refuses_what_is_not_a_thecal_bundle_and_names_where() {
    let a = tempfile::tempdir().unwrap();
    let (value, _) = export(&seeded(a.path()));
    let err = |v: &Value| parse_bundle(&serde_json::to_vec(v).unwrap(), now()).unwrap_err();
    assert!(matches!(
        parse_bundle(b"{", now()),
        Err(Error::Bundle { .. })
    ));
    assert_eq!(
        err(&serde_json::json!({"resourceType": "Patient"})),
        Error::bundle("resourceType", "is not Bundle")
    );
    // A pain score of 11, found with its path.
    let mut bad = value.clone();
    let i = bad["entry"]
        .as_array()
        .unwrap()
        .iter()
        .position(|e| e["resource"]["resourceType"] == "Observation")
        .unwrap();
    bad["entry"][i]["resource"]["valueInteger"] = 11.into();
    match err(&bad) {
        Error::Bundle { at, .. } => assert_eq!(at, format!("entry[{i}].resource.score")),
        other => panic!("{other:?}"),
    }
    // A reference to nothing in the bundle.
    let mut bad = value.clone();
    bad["entry"][i]["resource"]["id"] = "pain-999".into();
    assert!(matches!(err(&bad), Error::Bundle { at, .. } if at.ends_with("fullUrl")));
    // A future time.
    let mut bad = value.clone();
    bad["entry"][i]["resource"]["effectiveDateTime"] = "2030-01-01T00:00:00Z".into();
    assert!(matches!(err(&bad), Error::Bundle { at, .. } if at.ends_with(".at")));
    // Nothing is written into a store that holds data.
    let store = seeded(tempfile::tempdir().unwrap().path());
    let parsed = parse_bundle(&serde_json::to_vec(&value).unwrap(), now()).unwrap();
    assert_eq!(
        store.write(|tx| write_imported(tx, &parsed)),
        Err(Error::NotEmpty)
    );
}

#[test]
fn an_export_is_written_whole_or_not_at_all() {
    let a = tempfile::tempdir().unwrap();
    let store = seeded(a.path());
    let out = a.path().join("bundle.json");
    let s = store.read(|c| write_bundle(c, now(), &out)).unwrap();
    assert_eq!(s.pain_entries, 2);
    assert!(!a.path().join(".bundle.json.partial").exists());
    let back: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(back, export(&store).0);
    let missing = a.path().join("no-such-folder").join("b.json");
    assert!(matches!(
        store.read(|c| write_bundle(c, now(), &missing)),
        Err(Error::File { .. })
    ));
}
