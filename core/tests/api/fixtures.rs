//! The database of every released schema version (`core/src/store/fixtures/`), opened by the app
//! as it stands: upgraded, and every area reads its rows back through the API.

use std::path::Path;
use std::sync::Arc;

use chrono::TimeZone;
use thecal_core::card::{CardFormat, CardLanguage, CardLayout};
use thecal_core::model::{CalendarDate, ManualClock, UtcDateTime};
use thecal_core::store::DB_FILE;
use thecal_core::{Thecal, ThecalConfig};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/store/fixtures");

fn now() -> UtcDateTime {
    chrono::Utc.with_ymd_and_hms(2026, 4, 1, 9, 0, 0).unwrap()
}

fn open_copy(version: u32) -> (tempfile::TempDir, Arc<Thecal>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(FIXTURES).join(format!("schema-v{version}.sqlite3")),
        dir.path().join(DB_FILE),
    )
    .unwrap();
    let config = ThecalConfig {
        time_zone: "Europe/Paris".into(),
        ..ThecalConfig::default()
    };
    let thecal =
        Thecal::open_with_clock(dir.path(), &config, Arc::new(ManualClock::new(now()))).unwrap();
    (dir, thecal)
}

fn date(year: i32, month: u8, day: u8) -> CalendarDate {
    CalendarDate { year, month, day }
}

#[test]
fn every_released_schema_opens_and_reads_back_through_the_api() {
    for version in 1..=7 {
        let (_dir, thecal) = open_copy(version);
        let pumps = thecal.pumps();
        let list = pumps.list().unwrap();
        assert_eq!(list.len(), 1, "v{version}");
        let serial = list[0].serial.clone();
        let latest = pumps.latest_reading(serial.clone()).unwrap().unwrap();
        let alarms = pumps.alarm_history(serial.clone(), 10).unwrap();
        let refills = pumps.refill_log(serial.clone(), 10).unwrap();
        let dashboard = thecal.dashboard().unwrap();
        assert_eq!(dashboard.pump.map(|p| p.serial), Some(serial.clone()));
        let diary = thecal.diary();
        let pain = diary
            .pain_entries(now() - chrono::Duration::days(400), now())
            .unwrap();
        let meds = diary
            .medications(now() - chrono::Duration::days(400), now())
            .unwrap();
        let plan = thecal.recovery().plan().unwrap();
        let symptoms = thecal
            .recovery()
            .symptoms(now() - chrono::Duration::days(400), now())
            .unwrap();
        let card = thecal.card().get().unwrap();
        let scans = thecal.card().mri_scans().unwrap();

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
            let history = diary.pain_history(pain[0].id).unwrap();
            assert_eq!(history.len(), 2);
            assert_eq!(history[1].change.changed_fields, vec!["note", "score"]);
            assert!(
                diary
                    .restore_pain(2, thecal_core::model::Author::Patient)
                    .is_err(),
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
            assert_eq!(thecal.recovery().reminders().unwrap().len(), 2);
        }
        assert_eq!(card.is_some(), version >= 7, "v{version}");
        assert_eq!(scans.len(), usize::from(version >= 7), "v{version}");
        if let Some(card) = card {
            assert_eq!(card, thecal_sim::fixtures::sample_card());
            assert_eq!(thecal.card().keys().unwrap().len(), 1);
            let text = thecal
                .card()
                .render(
                    vec![CardLanguage::English],
                    CardFormat::Text,
                    CardLayout::Card,
                )
                .unwrap();
            assert!(!text.is_empty());
        }
        let trend = pollster_block(diary.summary(date(2026, 2, 1), date(2026, 2, 2))).unwrap();
        assert_eq!(
            trend.pain.map(|p| p.count).unwrap_or(0),
            u32::from(version >= 5)
        );
    }
}

fn pollster_block<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}
