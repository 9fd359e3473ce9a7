//! Diary trends over five years of entries.
//!
//! Seeds a store with five years of a patient's diary in Europe/Paris, as every benchmark means
//! it (`DiaryYears::five_years`): 9,000 pain entries and 3,000 medication doses (scheduled and
//! breakthrough in turn), each with its history row, a few deleted. Then measures, through the
//! API the apps call (`Diary::trend`):
//! - a weekly trend over the whole 5 years (261 buckets);
//! - a daily trend over the whole 5 years (1,826 buckets);
//! - a daily trend over the last 30 days.
//!
//! Run: `cargo bench -p thecal-core --bench diary_trends`

use std::hint::black_box;
use std::sync::Arc;

use chrono::{Duration, TimeZone};
use criterion::{Criterion, criterion_group, criterion_main};
use thecal_core::diary::TrendPeriod;
use thecal_core::model::{CalendarDate, ManualClock, UtcDateTime, Zone};
use thecal_core::{Thecal, ThecalConfig};
use thecal_sim::fixtures::{DiaryYears, seed_diary};

const DAYS: i64 = 5 * 365 + 1;

fn start() -> UtcDateTime {
    chrono::Utc.with_ymd_and_hms(2021, 11, 25, 0, 0, 0).unwrap()
}

/// Five years of a diary in Europe/Paris (the shared fixture).
fn seed(thecal: &Thecal, now: UtcDateTime) {
    let years = DiaryYears::five_years(
        start(),
        Zone::get("Europe/Paris").expect("the device's time zones"),
    );
    assert_eq!(years.days, DAYS);
    seed_diary(thecal.store(), years, now).expect("seeding the diary");
}

fn date(t: UtcDateTime) -> CalendarDate {
    CalendarDate::from_naive(t.date_naive())
}

fn trends(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let now = start() + Duration::days(DAYS);
    let config = ThecalConfig {
        time_zone: "Europe/Paris".into(),
        ..ThecalConfig::default()
    };
    let thecal = Thecal::open_with_clock(
        dir.path(),
        &config,
        Arc::new(ManualClock::new(now)),
        thecal_sim::fixtures::MemorySecretStore::new(),
    )
    .expect("open");
    seed(&thecal, now);
    let diary = thecal.diary();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let (first, last) = (date(start()), date(now - Duration::days(1)));
    let month = date(now - Duration::days(30));

    let weekly = rt
        .block_on(diary.trend(first, last, TrendPeriod::Week))
        .expect("weekly trend");
    assert_eq!(weekly.buckets.len(), 262);
    assert!(weekly.buckets.iter().all(|b| b.pain.is_some()));

    c.bench_function("diary trend: 5 years, weekly", |b| {
        b.iter(|| rt.block_on(diary.trend(black_box(first), last, TrendPeriod::Week)))
    });
    c.bench_function("diary trend: 5 years, daily", |b| {
        b.iter(|| rt.block_on(diary.trend(black_box(first), last, TrendPeriod::Day)))
    });
    c.bench_function("diary trend: 30 days, daily", |b| {
        b.iter(|| rt.block_on(diary.trend(black_box(month), last, TrendPeriod::Day)))
    });
}

criterion_group!(benches, trends);
criterion_main!(benches);
