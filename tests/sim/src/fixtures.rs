//! Shared fixtures for the test suites, the benchmarks and the CLI: one definition of each.
//!
//! - [`open`]: Thecal in a temporary folder, with a clock the test controls;
//! - [`sample_card`]: the sample ID card (`tests/fixtures/sample-card.json`, also read by the
//!   core's own unit tests);
//! - [`seed_pump`] and [`seed_diary`]: years of a simulated pump's readings, events, alarms and
//!   refills, and of a patient's diary, written straight into a store.

use std::sync::Arc;

use chrono::Duration;
use thecal_core::card::CardData;
use thecal_core::diary::{self, DoseUnit, MedicationInput, PainInput, Route};
use thecal_core::model::{
    AlarmKind, AlarmPriority, AlarmState, Author, Concentration, DailyDose, Drug, HistoryDetail,
    HistoryEvent, ManualClock, UtcDateTime, Volume, Zone,
};
use thecal_core::pump::{DRIVERS, PumpDriver};
use thecal_core::store::{SecretStore, SecretStoreError, Store, StoreError};
use thecal_core::therapy::{self, PumpSettings, RefillEntry};
use thecal_core::{Thecal, ThecalConfig};

use crate::pump::{SimConfig, SimPump};

/// The sample ID card, as JSON (the one definition every suite reads).
pub const SAMPLE_CARD_JSON: &str = include_str!("../../fixtures/sample-card.json");

/// The sample ID card: complete and valid (a French patient, MR Conditional).
///
/// # Panics
/// If the fixture file is not a card (a broken checkout).
#[must_use]
pub fn sample_card() -> CardData {
    serde_json::from_str(SAMPLE_CARD_JSON).expect("tests/fixtures/sample-card.json is a card")
}

/// A key store in memory: what the Android Keystore and the iOS Keychain are to the apps, for
/// tests and tools that run the core in a process of their own.
#[derive(Debug, Default)]
pub struct MemorySecretStore(std::sync::Mutex<std::collections::HashMap<String, Vec<u8>>>);

impl MemorySecretStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The names it holds, sorted.
    #[must_use]
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.map().keys().cloned().collect();
        names.sort();
        names
    }

    fn map(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Vec<u8>>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl SecretStore for MemorySecretStore {
    fn load(&self, name: String) -> Result<Option<Vec<u8>>, SecretStoreError> {
        Ok(self.map().get(&name).cloned())
    }

    fn save(&self, name: String, secret: Vec<u8>) -> Result<(), SecretStoreError> {
        self.map().insert(name, secret);
        Ok(())
    }

    fn delete(&self, name: String) -> Result<(), SecretStoreError> {
        self.map().remove(&name);
        Ok(())
    }
}

/// An open app, its clock, and the folder it lives in (deleted when dropped).
pub struct Fixture {
    /// The data folder.
    pub dir: tempfile::TempDir,
    /// The clock the app reads; move it to move time.
    pub clock: Arc<ManualClock>,
    /// The app.
    pub thecal: Arc<Thecal>,
    /// Its key store.
    pub secrets: Arc<MemorySecretStore>,
}

/// Opens Thecal for a patient in `zone`, with the clock standing at `now`.
///
/// # Panics
/// If no temporary folder can be made or the app does not open (a broken test machine).
#[must_use]
pub fn open(zone: &str, now: UtcDateTime) -> Fixture {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let clock = Arc::new(ManualClock::new(now));
    let config = ThecalConfig {
        time_zone: zone.into(),
        ..ThecalConfig::default()
    };
    let secrets = MemorySecretStore::new();
    let thecal = Thecal::open_with_clock(dir.path(), &config, clock.clone(), secrets.clone())
        .expect("Thecal opens");
    Fixture {
        dir,
        clock,
        thecal,
        secrets,
    }
}

/// How much of a pump's life [`seed_pump`] writes.
#[derive(Debug, Clone, Copy)]
pub struct PumpYears {
    /// The simulator's seed.
    pub seed: u64,
    /// The first day.
    pub start: UtcDateTime,
    /// How many days of readings at 5-minute intervals.
    pub days: i64,
    /// Alarms to reach in all (pairs raised and cleared are added to the simulator's own).
    pub alarms: u32,
    /// Refills to reach in all (refills entered by hand are added to the simulator's own).
    pub refills: usize,
}

impl PumpYears {
    /// "Five years of data" as every benchmark means it: 525,600 readings, 1,000 alarms and 60
    /// refills, from `start`.
    #[must_use]
    pub fn five_years(start: UtcDateTime) -> Self {
        Self {
            seed: 2024,
            start,
            days: 5 * 365,
            alarms: 1_000,
            refills: 60,
        }
    }
}

/// Writes the life of `sim` into `store` as the link would: the pump's identity and its model's
/// settings, then a reading every `step` from `from` for `days` days with every history event
/// (each day in one transaction, the battery fit stored at its end). Returns the time of the
/// last reading.
///
/// # Errors
/// A storage error.
pub fn seed_sim(
    store: &Store,
    sim: &mut SimPump,
    from: UtcDateTime,
    days: i64,
    step: Duration,
) -> Result<UtcDateTime, therapy::Error> {
    sim.set_subscribed(false);
    let info = sim.device_info();
    let serial = info.serial.clone();
    let features = sim.features();
    let driver: &dyn PumpDriver = *DRIVERS
        .iter()
        .find(|d| d.matches_features(&features))
        .ok_or_else(|| StoreError::Unexpected {
            context: "no driver for the simulated pump".into(),
        })?;
    let caps = driver.capabilities(&features);
    store.write(|tx| {
        therapy::db::upsert_pump(tx, &info, sim.now())?;
        therapy::db::set_pump_settings(tx, &serial, &PumpSettings::from_capabilities(&caps))
    })?;
    let mut seen = 0;
    let per_day = (Duration::days(1).num_seconds() / step.num_seconds().max(1)).max(1);
    let mut t = from;
    for _ in 0..days {
        store.write(|tx| {
            for _ in 0..per_day {
                t += step;
                sim.advance_to(t);
                therapy::db::insert_reading_deferring_fit(tx, &serial, &sim.status_reading())?;
                let new: Vec<HistoryEvent> = sim
                    .history()
                    .filter(|e| e.sequence > seen)
                    .cloned()
                    .collect();
                for e in new {
                    seen = e.sequence;
                    therapy::db::insert_event(tx, &serial, &e, t)?;
                }
            }
            // The day's battery fit, once for its readings.
            therapy::db::refresh_battery_fit(tx, &serial)
        })?;
    }
    Ok(t)
}

/// Writes `years` of a simulated implanted pump into `store` ([`seed_sim`], a reading every 5
/// minutes), then alarm pairs and refills entered by hand up to the asked counts, spread over
/// the span. Returns the pump's serial and the time of the last reading.
///
/// # Errors
/// A storage error.
pub fn seed_pump(store: &Store, years: PumpYears) -> Result<(String, UtcDateTime), therapy::Error> {
    let mut sim = SimPump::new(SimConfig::implanted(years.seed, years.start));
    let info = sim.device_info();
    let serial = info.serial.clone();
    let t = seed_sim(
        store,
        &mut sim,
        years.start,
        years.days,
        Duration::minutes(5),
    )?;
    let seen = sim.history().map(|e| e.sequence).max().unwrap_or(0);
    let alarms_now: u32 = store.read(|c| {
        Ok::<_, StoreError>(c.query_row("SELECT COUNT(*) FROM alarms", [], |r| r.get(0))?)
    })?;
    let span = (t - years.start).num_minutes();
    store.write(|tx| {
        let mut seq = seen;
        for i in 0..years.alarms.saturating_sub(alarms_now) {
            let at = years.start + Duration::minutes(span * i64::from(i) / i64::from(years.alarms));
            for (state, dt) in [(AlarmState::Raised, 0), (AlarmState::Cleared, 90)] {
                seq += 1;
                let raised = if state == AlarmState::Raised {
                    seq
                } else {
                    seq - 1
                };
                let e = HistoryEvent {
                    sequence: seq,
                    pump_time: at + Duration::minutes(dt),
                    detail: HistoryDetail::Alarm {
                        kind: AlarmKind::ClockError,
                        priority: AlarmPriority::Low,
                        state,
                        raised_sequence: raised,
                    },
                };
                therapy::db::insert_event(tx, &serial, &e, at)?;
            }
        }
        let refills_now = therapy::db::refill_log(tx, &serial, 1_000)?.len();
        let wanted = i64::try_from(years.refills).unwrap_or(i64::MAX).max(1);
        for i in 0..years.refills.saturating_sub(refills_now) {
            let at =
                years.start + Duration::minutes(span * i64::try_from(i).unwrap_or(0) / wanted + 7);
            let entry = RefillEntry {
                at,
                volume_before: Some(Volume::from_milliliters(3)),
                volume_after: info.reservoir_capacity,
                drug: Drug::Morphine,
                concentration: Concentration::from_mg_per_ml(25),
                daily_dose: DailyDose {
                    micrograms_per_day: 5_000,
                },
                place: None,
                expected_before: None,
            };
            therapy::db::record_refill(tx, &serial, &entry, t)?;
        }
        Ok::<_, therapy::Error>(())
    })?;
    Ok((serial, t))
}

/// How much of a diary [`seed_diary`] writes.
#[derive(Debug, Clone, Copy)]
pub struct DiaryYears {
    /// The first day (its midnight UTC).
    pub start: UtcDateTime,
    /// How many days.
    pub days: i64,
    /// The patient's zone.
    pub zone: Zone,
    /// Pain entries in all, spread evenly over the days.
    pub pain_entries: u32,
    /// Medication doses in all, spread evenly over the days.
    pub medication_entries: u32,
}

impl DiaryYears {
    /// "Five years of data" as every benchmark means it: 9,000 pain entries and 3,000
    /// medication doses over 1,826 days from `start`, in `zone`.
    #[must_use]
    pub fn five_years(start: UtcDateTime, zone: Zone) -> Self {
        Self {
            start,
            days: 5 * 365 + 1,
            zone,
            pain_entries: 9_000,
            medication_entries: 3_000,
        }
    }
}

/// Writes a patient's diary into `store`: `pain_entries` pain scores (varying) and
/// `medication_entries` doses (scheduled paracetamol and breakthrough oxycodone in turn), each
/// spread evenly over the days, each with its history row; every 97th pain entry deleted.
/// Entries are made as of `now`.
///
/// # Errors
/// A storage error.
pub fn seed_diary(store: &Store, years: DiaryYears, now: UtcDateTime) -> Result<(), diary::Error> {
    let span = Duration::days(years.days).num_minutes();
    let at = |k: u32, n: u32| years.start + Duration::minutes(span * i64::from(k) / i64::from(n));
    store.write(|tx| {
        for k in 0..years.pain_entries {
            let input = PainInput {
                at: at(k, years.pain_entries) + Duration::minutes(7),
                score: [6, 4, 7, 5, 8, 3][(k % 6) as usize] + u8::try_from(k / 6 % 3).unwrap_or(0),
                inventory: None,
                interference: None,
                location: None,
                note: None,
            };
            let e = diary::add_pain(tx, input, years.zone, now, Author::Patient)?;
            if k % 97 == 0 {
                diary::delete_pain(tx, e.id, now, Author::Patient)?;
            }
        }
        for k in 0..years.medication_entries {
            let (drug, dose, breakthrough) = if k % 2 == 0 {
                ("Paracetamol", 1000.0, false)
            } else {
                ("Oxycodone", 5.0, true)
            };
            let input = MedicationInput {
                at: at(k, years.medication_entries) + Duration::minutes(11),
                drug: drug.into(),
                dose,
                unit: DoseUnit::Milligram,
                route: Route::Oral,
                breakthrough,
                reason: None,
            };
            diary::add_medication(tx, input, years.zone, now, Author::Patient)?;
        }
        Ok(())
    })
}

/// A link listener that forwards every event to a channel the test reads with a deadline.
#[derive(Debug)]
pub struct ChannelListener(std::sync::Mutex<std::sync::mpsc::Sender<thecal_core::link::LinkEvent>>);

impl thecal_core::link::LinkListener for ChannelListener {
    fn on_event(
        &self,
        event: thecal_core::link::LinkEvent,
    ) -> Result<(), thecal_core::link::ListenerError> {
        let sender = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = sender.send(event);
        Ok(())
    }
}

/// A [`ChannelListener`] and the receiving end of its channel.
#[must_use]
pub fn collector() -> (
    Box<ChannelListener>,
    std::sync::mpsc::Receiver<thecal_core::link::LinkEvent>,
) {
    let (tx, rx) = std::sync::mpsc::channel();
    (Box::new(ChannelListener(std::sync::Mutex::new(tx))), rx)
}
