//! The database of every released schema version (`core/src/store/fixtures/`), opened by the app
//! as it stands: upgraded, and every area reads its rows back through the API.

use crate::block_on;
use std::path::Path;
use std::sync::Arc;

use chrono::TimeZone;
use thecal_core::card::{CardFormat, CardLayout, Language};
use thecal_core::model::{CalendarDate, ManualClock, UtcDateTime};
use thecal_core::store::{DB_FILE, SecretStore};
use thecal_core::{Thecal, ThecalConfig};
use thecal_sim::fixtures::MemorySecretStore;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/store/fixtures");

fn now() -> UtcDateTime {
    chrono::Utc.with_ymd_and_hms(2026, 4, 1, 9, 0, 0).unwrap()
}

fn open_copy(version: u32) -> (tempfile::TempDir, Arc<Thecal>, Arc<MemorySecretStore>) {
    let dir = tempfile::tempdir().unwrap();
    let secrets = MemorySecretStore::new();
    std::fs::copy(
        Path::new(FIXTURES).join(format!("schema-v{version}.sqlite3")),
        dir.path().join(DB_FILE),
    )
    .unwrap();
    let config = ThecalConfig {
        time_zone: "Europe/Paris".into(),
        ..ThecalConfig::default()
    };
    let thecal = Thecal::open_with_clock(
        dir.path(),
        &config,
        Arc::new(ManualClock::new(now())),
        secrets.clone(),
    )
    .unwrap();
    (dir, thecal, secrets)
}

fn date(year: i32, month: u8, day: u8) -> CalendarDate {
    CalendarDate { year, month, day }
}

#[test]
fn every_released_schema_opens_and_reads_back_through_the_api() {
    for version in 1..=8 {
        let (_dir, thecal, _secrets) = open_copy(version);
        let pumps = thecal.pumps();
        let list = block_on(pumps.list()).unwrap();
        assert_eq!(list.len(), 1, "v{version}");
        let serial = list[0].serial.clone();
        let latest = block_on(pumps.latest_reading(serial.clone()))
            .unwrap()
            .unwrap();
        let alarms = block_on(pumps.alarm_history(serial.clone(), 10)).unwrap();
        let refills = block_on(pumps.refill_log(serial.clone(), 10)).unwrap();
        let dashboard = block_on(thecal.dashboard()).unwrap();
        assert_eq!(dashboard.pump.map(|p| p.serial), Some(serial.clone()));
        let diary = thecal.diary();
        let pain =
            block_on(diary.pain_entries(now() - chrono::Duration::days(400), now())).unwrap();
        let meds = block_on(diary.medications(now() - chrono::Duration::days(400), now())).unwrap();
        let plan = block_on(thecal.recovery().plan()).unwrap();
        let symptoms = block_on(
            thecal
                .recovery()
                .symptoms(now() - chrono::Duration::days(400), now()),
        )
        .unwrap();
        let card = block_on(thecal.card().get()).unwrap();
        let scans = block_on(thecal.card().mri_scans()).unwrap();

        // What each version added is there from then on, and decodes.
        assert_eq!(
            latest.reservoir_volume.microliters,
            if version >= 4 { 19_670 } else { 12_000 },
            "v{version}"
        );
        assert_eq!(alarms.len(), usize::from(version >= 2), "v{version}");
        if version >= 2 {
            assert!(alarms[0].cleared_at.is_some() && alarms[0].app_acknowledged_at.is_some());
        }
        assert_eq!(
            refills.len(),
            if version >= 4 { 2 } else { 0 },
            "v{version}"
        );
        assert_eq!(
            pain.len(),
            usize::from(version >= 5),
            "v{version}: the deleted one is hidden"
        );
        assert_eq!(meds.len(), usize::from(version >= 5), "v{version}");
        if version >= 5 {
            assert_eq!(pain[0].value.score, 6);
            let history = block_on(diary.pain_history(pain[0].id)).unwrap();
            assert_eq!(history.len(), 2);
            assert_eq!(history[1].change.changed_fields, vec!["note", "score"]);
            assert!(
                block_on(diary.restore_pain(2, thecal_core::model::Author::Patient)).is_err(),
                "deleted more than 30 days before the fixture's now: too late to restore"
            );
        }
        assert_eq!(plan.is_some(), version >= 6, "v{version}");
        assert_eq!(symptoms.len(), usize::from(version >= 6), "v{version}");
        if let Some(plan) = plan {
            assert_eq!(plan.implant_date, date(2026, 3, 14));
            assert!(
                plan.items
                    .iter()
                    .any(|i| i.key == "driver_home" && i.done_at.is_some())
            );
            assert_eq!(block_on(thecal.recovery().reminders()).unwrap().len(), 2);
        }
        assert_eq!(card.is_some(), version >= 7, "v{version}");
        let keys = block_on(thecal.card().keys()).unwrap();
        assert_eq!(
            keys.len(),
            usize::from(version >= 7) + usize::from(version >= 8),
            "v{version}"
        );
        assert_eq!(scans.len(), usize::from(version >= 7), "v{version}");
        if let Some(card) = card {
            assert_eq!(card, thecal_sim::fixtures::sample_card());
            let text = block_on(thecal.card().render(
                vec![Language::English],
                CardFormat::Text,
                CardLayout::Card,
            ))
            .unwrap();
            assert!(!text.is_empty());
        }
        let trend = block_on(diary.summary(date(2026, 2, 1), date(2026, 2, 2))).unwrap();
        assert_eq!(
            trend.pain.map(|p| p.count).unwrap_or(0),
            u32::from(version >= 5)
        );
    }
}

/// The private key version 7 kept in the database: its bytes, from the fixture's rows.
fn v7_private_key() -> Vec<u8> {
    let sql = include_str!("../../src/store/fixtures/rows-v7.sql");
    let start = sql.find("X'").unwrap();
    let hexes: Vec<&str> = sql[start..]
        .split("X'")
        .skip(1)
        .map(|s| &s[..s.find('\'').unwrap()])
        .collect();
    // (key id, public key, private key) in the clinic_keys row.
    hex::decode(hexes[2]).unwrap()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_private_key_in_the_database_moves_to_the_key_store_and_no_copy_stays_in_the_file() {
    let pkcs8 = v7_private_key();
    // The 32-byte private seed of an Ed25519 PKCS#8 document (v1 or v2) is at bytes 16..48: the
    // part that must not stay anywhere.
    let seed = &pkcs8[16..48];
    {
        let raw = std::fs::read(Path::new(FIXTURES).join("schema-v7.sqlite3")).unwrap();
        assert!(
            contains(&raw, seed),
            "the fixture holds the key (the check can fail)"
        );
    }
    let (dir, thecal, secrets) = open_copy(7);
    assert_eq!(
        secrets.names(),
        vec!["thecal.card.clinic-key.a28c88a55730a3ca".to_owned()]
    );
    assert_eq!(
        secrets
            .load("thecal.card.clinic-key.a28c88a55730a3ca".into())
            .unwrap(),
        Some(pkcs8.clone())
    );
    for file in [DB_FILE.to_owned(), format!("{DB_FILE}-wal")] {
        let path = dir.path().join(&file);
        if let Ok(raw) = std::fs::read(&path) {
            assert!(!contains(&raw, seed), "{file} still holds the private key");
        }
    }
    // The moved key still signs, and cards it signs verify.
    let card = thecal.card();
    let keys = block_on(card.keys()).unwrap();
    assert!(
        keys.iter()
            .any(|k| k.key_id == "a28c88a55730a3ca" && k.can_sign)
    );
    let signed = block_on(card.issue("a28c88a55730a3ca".into(), 30)).unwrap();
    let verdict = block_on(card.verify(signed.text)).unwrap();
    assert_eq!(verdict.status, thecal_core::card::VerifyStatus::Valid);
    // A new key goes to the key store only.
    let new = block_on(card.create_clinic_key("Second clinic".into())).unwrap();
    let name = format!("thecal.card.clinic-key.{}", new.key_id);
    let new_key = secrets.load(name).unwrap().unwrap();
    drop(thecal);
    for file in [DB_FILE.to_owned(), format!("{DB_FILE}-wal")] {
        if let Ok(raw) = std::fs::read(dir.path().join(&file)) {
            assert!(
                !contains(&raw, &new_key[16..48]),
                "{file} holds the new key"
            );
        }
    }
}
