//! No health data in logs or error messages: a whole demo run at TRACE, seeded with canary values
//! that cannot occur by chance, and every line of log output and every error message the run
//! produced is searched for each canary.
//!
//! The run: pairing with the simulated pump (its serial is a canary), live readings, alarms
//! raised and cleared, a dropped link with its reconnect and history replay, a refill at a canary
//! dose and drug, diary entries (a pain note and location, a medication with a canary name),
//! the recovery log, the ID card (patient, drug, contact: canaries) filled in, signed, drawn,
//! verified and damaged, the dashboard, and wrong input that names the canaries (which the
//! error messages must not repeat).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code: a failed unwrap is a failed test.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::TimeZone;
use thecal_core::card::{CardDrug, CardFormat, CardLayout, Language};
use thecal_core::diary::{DoseUnit, MedicationInput, PainInput, Route};
use thecal_core::link::LinkEvent;
use thecal_core::model::{
    AlarmKind, Author, CalendarDate, Clock, Concentration, DailyDose, Drug, ManualClock,
    UtcDateTime, Volume,
};
use thecal_core::recovery::{Severity, Symptom, SymptomInput};
use thecal_core::therapy::RefillEntry;
use thecal_core::{Thecal, ThecalConfig};
use thecal_hardening::{block_on, fast_link, pair_unless_paired};
use thecal_sim::fixtures::{MemorySecretStore, collector, sample_card};
use thecal_sim::{InProcessPump, InProcessTransport, SimConfig};

/// Values that cannot occur by chance: none may appear in any output (compared in lower case).
const CANARIES: &[&str] = &[
    "zqxwv", // patient name, notes, drug names, location, serial (all carry it)
    "4321",  // the daily dose, micrograms per day
    "4.321", // the same dose in milligrams
    "98765", // the concentration, micrograms per millilitre
    "7319",  // the serial's digits
];
const PATIENT: &str = "Zqxwv Canary";
const SERIAL: &str = "ZQXWV7319";
const NOTE: &str = "Zqxwv note: the canary burns on the left";
const DRUG: &str = "Zqxwvcaine";

/// Everything the tracing subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn now() -> UtcDateTime {
    chrono::Utc.with_ymd_and_hms(2026, 5, 4, 9, 0, 0).unwrap()
}

#[test]
fn a_whole_demo_run_at_trace_logs_no_health_data() {
    let captured = Captured::default();
    let sink = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .without_time() // no clock digits to collide with the numeric canaries
        .with_writer(move || sink.clone())
        .init();
    tracing::trace!("capture works");
    let mut messages: Vec<String> = Vec::new();

    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(now()));
    let thecal = Thecal::open_with_clock(
        dir.path(),
        &ThecalConfig {
            time_zone: "Europe/Paris".into(),
            ..ThecalConfig::default()
        },
        clock.clone(),
        MemorySecretStore::new(),
    )
    .unwrap();

    // Pairing and the live link.
    let config = SimConfig {
        serial: SERIAL.into(),
        ..SimConfig::implanted(4321, now())
    };
    let pump = Arc::new(InProcessPump::from_config(config));
    let transport = InProcessTransport::new(pump.clone());
    let (listener, events) = collector();
    let _sub = block_on(thecal.link().subscribe(listener)).unwrap();
    block_on(thecal.link().start_with(transport.clone(), fast_link())).unwrap();
    pair_unless_paired(&thecal, &transport);
    wait_for(&events, "the pump identified", |e| {
        matches!(e, LinkEvent::PumpIdentified { .. })
    });
    let advance = |minutes: i64| {
        clock.set(clock.now() + chrono::Duration::minutes(minutes));
        transport.advance_to(clock.now());
    };
    for _ in 0..30 {
        advance(10);
    }
    transport.raise_alarm(AlarmKind::MotorStall);
    wait_for(&events, "the alarm", |e| {
        matches!(e, LinkEvent::Alarm { .. })
    });
    transport.drop_link();
    advance(30);
    transport.raise_alarm(AlarmKind::ReservoirLow);
    wait_for(&events, "the replay", |e| {
        matches!(e, LinkEvent::HistorySynced { .. })
    });
    for _ in 0..10 {
        advance(10);
    }

    // A refill at the canary dose and drug.
    let refill = RefillEntry {
        at: clock.now(),
        volume_before: Some(Volume::from_milliliters(4)),
        volume_after: Volume::from_milliliters(20),
        drug: Drug::Other { name: DRUG.into() },
        concentration: Concentration {
            micrograms_per_milliliter: 98_765,
        },
        daily_dose: DailyDose {
            micrograms_per_day: 4321,
        },
        place: None,
        expected_before: None,
    };
    block_on(thecal.pumps().record_refill(SERIAL.into(), refill.clone())).unwrap();
    let dashboard = block_on(thecal.dashboard()).unwrap();
    assert!(dashboard.pump.is_some());

    // The diary.
    let diary = thecal.diary();
    let pain = PainInput {
        at: clock.now(),
        score: 7,
        inventory: None,
        interference: None,
        location: Some("Zqxwv flank".into()),
        note: Some(NOTE.into()),
    };
    let entry = block_on(diary.add_pain(pain.clone(), Author::Patient)).unwrap();
    block_on(diary.edit_pain(entry.id, pain.clone(), Author::Caregiver)).unwrap();
    block_on(diary.delete_pain(entry.id, Author::Patient)).unwrap();
    block_on(diary.restore_pain(entry.id, Author::Patient)).unwrap();
    let dose = MedicationInput {
        at: clock.now(),
        drug: DRUG.into(),
        dose: 4.321,
        unit: DoseUnit::Milligram,
        route: Route::Oral,
        breakthrough: true,
        reason: Some("Zqxwv flare".into()),
    };
    block_on(diary.add_medication(dose.clone(), Author::Patient)).unwrap();
    // Wrong input that carries the canaries: the messages must not repeat them.
    let too_long = PainInput {
        note: Some(format!("{NOTE} ").repeat(500)),
        ..pain.clone()
    };
    messages.push(
        block_on(diary.add_pain(too_long, Author::Patient))
            .unwrap_err()
            .to_string(),
    );
    let bad_score = PainInput { score: 43, ..pain };
    messages.push(
        block_on(diary.add_pain(bad_score, Author::Patient))
            .unwrap_err()
            .to_string(),
    );
    let bad_dose = MedicationInput {
        dose: -4321.0,
        ..dose
    };
    messages.push(
        block_on(diary.add_medication(bad_dose, Author::Patient))
            .unwrap_err()
            .to_string(),
    );
    messages.push(
        block_on(thecal.pumps().record_refill("ZQXWV0000".into(), refill))
            .unwrap_err()
            .to_string(),
    );

    // Recovery.
    let recovery = thecal.recovery();
    block_on(recovery.start_plan(
        CalendarDate::from_naive(now().date_naive()),
        Drug::Other { name: DRUG.into() },
    ))
    .unwrap();
    block_on(recovery.log_symptom(
        SymptomInput {
            at: clock.now(),
            symptom: Symptom::Swelling,
            severity: Severity::Moderate,
            note: Some(NOTE.into()),
        },
        Author::Patient,
    ))
    .unwrap();

    // The ID card: filled in, signed, drawn, verified, damaged.
    let card_api = thecal.card();
    let mut card = sample_card();
    card.patient_name = PATIENT.into();
    card.device.serial = SERIAL.into();
    card.drugs = vec![CardDrug {
        name: DRUG.into(),
        concentration: Concentration {
            micrograms_per_milliliter: 98_765,
        },
    }];
    if let Some(c) = card.emergency_contact.as_mut() {
        c.name = "Zqxwv Helper".into();
    }
    block_on(card_api.save(card.clone())).unwrap();
    let key = block_on(card_api.create_clinic_key("Zqxwv clinic".into())).unwrap();
    let signed = block_on(card_api.issue(key.key_id, 30)).unwrap();
    for format in [CardFormat::Text, CardFormat::Svg] {
        block_on(card_api.render(
            vec![Language::English, Language::French],
            format,
            CardLayout::Card,
        ))
        .unwrap();
    }
    let verified = block_on(card_api.verify(signed.text.clone())).unwrap();
    messages.push(format!("{:?}", verified.status));
    let mut damaged = signed.text.clone();
    damaged.truncate(damaged.len() - 5);
    messages.push(format!(
        "{:?}",
        block_on(card_api.verify(damaged)).map(|r| r.status)
    ));
    messages.push(format!(
        "{:?}",
        block_on(card_api.verify("THECAL1:ZQXWV4321".into())).map(|r| r.status)
    ));
    let mut bad_card = card;
    if let Some(c) = bad_card.emergency_contact.as_mut() {
        c.phone = "Zqxwv 4321".into();
    }
    messages.push(block_on(card_api.save(bad_card)).unwrap_err().to_string());

    // The FHIR export and the backups: files written, refusals with canaries in their input.
    let files = tempfile::tempdir().unwrap();
    let export = thecal.export();
    let bundle = files.path().join("bundle.json");
    let bundle_path = bundle.to_string_lossy().into_owned();
    block_on(export.write_fhir_bundle(bundle_path.clone())).unwrap();
    let backup = files
        .path()
        .join("thecal.age")
        .to_string_lossy()
        .into_owned();
    block_on(export.create_backup(backup.clone(), "Zqxwv passphrase 4321".into())).unwrap();
    messages.push(
        block_on(export.restore_backup(backup, "Zqxwv wrong 4321".into()))
            .unwrap_err()
            .to_string(),
    );
    messages.push(
        block_on(export.import_fhir_bundle(bundle_path))
            .unwrap_err()
            .to_string(),
    );
    let mut value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&bundle).unwrap()).unwrap();
    for e in value["entry"].as_array_mut().unwrap() {
        if e["resource"]["resourceType"] == "Observation" {
            e["resource"]["valueInteger"] = "Zqxwv 4321".into();
        }
    }
    std::fs::write(&bundle, serde_json::to_vec(&value).unwrap()).unwrap();
    let other = Thecal::open_with_clock(
        &files.path().join("other"),
        &ThecalConfig::default(),
        Arc::new(ManualClock::new(now())),
        MemorySecretStore::new(),
    )
    .unwrap();
    messages.push(
        block_on(
            other
                .export()
                .import_fhir_bundle(bundle.to_string_lossy().into_owned()),
        )
        .unwrap_err()
        .to_string(),
    );

    let t0 = Instant::now();
    while events.try_recv().is_ok() && t0.elapsed() < Duration::from_secs(5) {}
    block_on(thecal.link().stop());
    drop(thecal);

    let log = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(log.contains("capture works"), "the capture itself works");
    let all = format!("{log}\n{}", messages.join("\n")).to_lowercase();
    println!(
        "searched {} log lines and {} error messages for {} canaries",
        log.lines().count(),
        messages.len(),
        CANARIES.len()
    );
    let mut leaks = Vec::new();
    for canary in CANARIES {
        for line in all.lines().filter(|l| l.contains(canary)) {
            leaks.push(format!(
                "{canary}: {}",
                line.chars().take(300).collect::<String>()
            ));
        }
    }
    assert!(
        leaks.is_empty(),
        "health data in the output:\n{}",
        leaks.join("\n")
    );
}

fn wait_for(
    events: &std::sync::mpsc::Receiver<LinkEvent>,
    what: &str,
    done: impl Fn(&LinkEvent) -> bool,
) {
    let t0 = Instant::now();
    loop {
        let left = Duration::from_secs(20).saturating_sub(t0.elapsed());
        let e = events
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("timed out waiting for {what}"));
        if done(&e) {
            return;
        }
    }
}
