//! The crash trials' writer: writes through the public API, as fast as it can, until it is
//! killed, and journals every write the API reported as committed.
//!
//! `crash-writer DATA_DIR JOURNAL [FIRST_STEP]`: opens Thecal in `DATA_DIR`, starts the link to
//! the simulated pump (its events are stored before they are published, so a published reading,
//! alarm or history event counts as committed), then runs the steps of
//! [`thecal_hardening::script`] from `FIRST_STEP` on: the pump moves on and raises alarms, and
//! the app saves pain entries, medication doses, refills and card edits. The harness
//! (`tests/crash.rs`) kills it with `SIGKILL` at a random moment and checks the data folder.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::Duration;
use thecal_core::diary::{DoseUnit, MedicationInput, PainInput, Route};
use thecal_core::link::{LinkEvent, LinkListener, ListenerError};
use thecal_core::model::{Author, Concentration, DailyDose, Drug, ManualClock, Volume};
use thecal_core::therapy::RefillEntry;
use thecal_core::{Thecal, ThecalConfig};
use thecal_hardening::journal::JournalWriter;
use thecal_hardening::{block_on, fast_link, pair_unless_paired, restore_bond, script};
use thecal_sim::fixtures::{MemorySecretStore, sample_card};

/// Journals every stored reading and pump event the link publishes.
#[derive(Debug)]
struct Published(Arc<JournalWriter>);

impl LinkListener for Published {
    fn on_event(&self, event: LinkEvent) -> Result<(), ListenerError> {
        match event {
            LinkEvent::Reading { reading } => self
                .0
                .line(&format!("reading {}", reading.taken_at.timestamp_millis())),
            LinkEvent::Alarm { alarm } => self.0.line(&format!("alarm {}", alarm.sequence)),
            LinkEvent::History { event } => self.0.line(&format!("event {}", event.sequence)),
            _ => {}
        }
        Ok(())
    }
}

fn main() {
    let mut args = std::env::args_os().skip(1);
    let dir = PathBuf::from(
        args.next()
            .expect("usage: crash-writer DATA_DIR JOURNAL [FIRST_STEP]"),
    );
    let journal = PathBuf::from(args.next().expect("the journal's path"));
    let first: u64 = args.next().map_or(0, |s| {
        s.to_string_lossy().parse().expect("FIRST_STEP is a number")
    });
    let journal = Arc::new(JournalWriter::open(&journal).expect("the journal opens"));

    let clock = Arc::new(ManualClock::new(script::time_of(first)));
    let thecal = Thecal::open_with_clock(
        &dir,
        &ThecalConfig::default(),
        clock.clone(),
        MemorySecretStore::new(),
    )
    .expect("Thecal opens");
    let transport = script::pump();
    // The pump carries on from where the earlier writers left it.
    for i in 0..first {
        script::pump_step(&transport, i);
    }
    let serial = transport.pump().serial();
    let _sub = block_on(
        thecal
            .link()
            .subscribe(Box::new(Published(journal.clone()))),
    )
    .expect("subscribing");
    restore_bond(&thecal, &transport);
    block_on(thecal.link().start_with(transport.clone(), fast_link())).expect("the link starts");
    pair_unless_paired(&thecal, &transport);
    // Refills need the pump known to the app: wait for the link to have identified it.
    let capacity = loop {
        if let Some(pump) = block_on(thecal.pumps().list())
            .expect("listing pumps")
            .pop()
        {
            break pump.reservoir_capacity;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    };
    journal.line("ready 0");

    let diary = thecal.diary();
    let mut card = sample_card();
    for i in first.. {
        journal.line(&format!("step {i}"));
        let t = script::time_of(i);
        clock.set(t);
        let plan = script::step(i);
        script::pump_step(&transport, i);
        if plan.pain {
            let input = PainInput {
                at: t - Duration::minutes(1),
                score: u8::try_from(i % 11).unwrap_or(0),
                inventory: None,
                interference: None,
                location: None,
                note: Some(format!("crash trial step {i}")),
            };
            let e = block_on(diary.add_pain(input, Author::Patient)).expect("pain saved");
            journal.line(&format!("pain {} {i}", e.id));
        }
        if plan.medication {
            let input = MedicationInput {
                at: t - Duration::minutes(2),
                drug: "Oxycodone".into(),
                dose: 5.0,
                unit: DoseUnit::Milligram,
                route: Route::Oral,
                breakthrough: true,
                reason: None,
            };
            let e = block_on(diary.add_medication(input, Author::Patient)).expect("dose saved");
            journal.line(&format!("medication {} {i}", e.id));
        }
        if plan.refill {
            let entry = RefillEntry {
                at: t - Duration::minutes(3),
                volume_before: Some(Volume::from_milliliters(4)),
                volume_after: capacity,
                drug: Drug::Morphine,
                concentration: Concentration::from_mg_per_ml(25),
                daily_dose: DailyDose {
                    micrograms_per_day: 5_000,
                },
                place: None,
                expected_before: None,
            };
            let id = block_on(thecal.pumps().record_refill(serial.clone(), entry))
                .expect("refill saved");
            journal.line(&format!("refill {id}"));
        }
        if plan.card {
            if let Some(contact) = card.emergency_contact.as_mut() {
                contact.phone = script::card_phone(i);
            }
            block_on(thecal.card().save(card.clone())).expect("card saved");
            journal.line(&format!("card {i}"));
        }
    }
}
