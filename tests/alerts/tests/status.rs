//! Status sharing through a real relay, patient and caregiver each a whole app object: nothing
//! goes without the patient's consent; with it the caregiver sees the status with its age; an
//! unchanged status is not sent again before the interval, a changed one is; a withdrawal stops
//! it and the caregiver's phone stops showing it; a pairing ended on either side ends the consent
//! in the same step.

use std::sync::Arc;
use std::time::Duration;

use thecal_alerts_tests::{TestRelay, World};
use thecal_core::alerts::db::PeerState;
use thecal_core::alerts::status::{ConsentEnd, SharingState};
use thecal_core::model::{StatusReading, Volume};
use thecal_core::store::StoreError;
use thecal_core::{Caregivers, Thecal, ThecalConfig};
use thecal_sim::fixtures::MemorySecretStore;
use thecal_sim::http::ReqwestHttp;
use thecal_sim::pump::{SimConfig, SimPump};

fn app(world: &World) -> (tempfile::TempDir, Arc<Thecal>) {
    let dir = tempfile::tempdir().expect("folder");
    let thecal = Thecal::open_with_clock(
        dir.path(),
        &ThecalConfig::default(),
        Arc::new(world.clone()),
        MemorySecretStore::new(),
    )
    .expect("opens");
    (dir, thecal)
}

/// The patient's app and caregivers API, the caregiver's caregivers API, paired and confirmed
/// through `relay`, and the caregiver's device id as the patient's phone names it ("Anna").
struct Pair {
    _dirs: [tempfile::TempDir; 2],
    _carer_app: Arc<Thecal>,
    patient: Arc<Thecal>,
    pc: Arc<Caregivers>,
    cc: Arc<Caregivers>,
    anna: String,
}

async fn pair(world: &World, relay: &TestRelay) -> Pair {
    let ((p, patient), (c, carer)) = (app(world), app(world));
    let pc = patient.caregivers(Box::new(ReqwestHttp::new()));
    let cc = carer.caregivers(Box::new(ReqwestHttp::new()));
    let invitation = pc
        .invite(relay.base.clone())
        .await
        .expect("pairing and readings work");
    let mum = cc
        .accept_invitation(invitation.qr_text, None, "Mum".into())
        .await
        .expect("pairing and readings work");
    let anna = pc
        .read_mailbox(0)
        .await
        .expect("pairing and readings work")
        .paired[0]
        .clone();
    pc.rename(anna.clone(), "Anna".into())
        .await
        .expect("pairing and readings work");
    pc.confirm(anna.clone())
        .await
        .expect("pairing and readings work");
    cc.confirm(mum.id).await.expect("pairing and readings work");
    Pair {
        _dirs: [p, c],
        _carer_app: carer,
        patient,
        pc,
        cc,
        anna,
    }
}

/// The patient's pump, registered, and a reading of it taken now with `volume_ul` left.
async fn read_pump(
    patient: &Thecal,
    pump: &SimPump,
    world: &World,
    volume_ul: u32,
) -> StatusReading {
    let mut reading = pump.status_reading();
    reading.taken_at = world.now();
    reading.reservoir_volume = Volume::from_microliters(volume_ul);
    patient
        .pumps()
        .record_reading(pump.device_info().serial, reading.clone())
        .await
        .expect("pairing and readings work");
    reading
}

#[tokio::test]
async fn the_status_goes_with_consent_when_it_changes_and_stops_when_withdrawn() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let Pair {
        patient,
        pc,
        cc,
        anna,
        ..
    } = pair(&world, &relay).await;
    let pump = SimPump::new(SimConfig::implanted(11, world.now()));
    patient.pumps().register(pump.device_info()).await.unwrap();
    read_pump(&patient, &pump, &world, 15_000).await;
    world.advance(Duration::from_secs(120));

    // No consent: nothing goes, and the caregiver sees no status.
    assert_eq!(pc.share_status().await.unwrap(), 0);
    assert!(pc.consents().await.unwrap().is_empty());
    assert_eq!(cc.read_mailbox(0).await.unwrap().statuses, 0);
    let mum = &cc.patients().await.unwrap()[0];
    assert_eq!(mum.name, "Mum");
    assert_eq!(mum.sharing, SharingState::NotShared);
    assert!(mum.status.is_none());
    assert_eq!(mum.summary, "No status shared");

    // The patient consents: the first snapshot goes at once.
    let consent = pc.share_status_with(anna.clone()).await.unwrap();
    assert_eq!(consent.caregiver, "Anna");
    assert_eq!(consent.granted_at, world.now());
    assert_eq!(consent.withdrawn_at, None);
    assert_eq!(cc.read_mailbox(0).await.unwrap().statuses, 1);
    world.advance(Duration::from_secs(300));
    let mum = cc.patients().await.unwrap().remove(0);
    assert_eq!(mum.sharing, SharingState::Shared);
    assert_eq!(mum.summary, "Status from 5 min ago");
    let status = mum.status.expect("a status");
    assert_eq!(
        status.age_seconds, 300,
        "its age, from the caregiver's clock"
    );
    assert_eq!(
        status.data_age_seconds,
        Some(420),
        "the pump was read 2 min before"
    );
    let reservoir = status.reservoir.expect("the reservoir");
    assert_eq!(reservoir.volume, Volume::from_microliters(15_000));
    assert!(status.battery.is_some());

    // Unchanged: not sent again before the interval (30 min)…
    world.advance(Duration::from_secs(20 * 60));
    assert_eq!(pc.share_status().await.unwrap(), 0);
    assert_eq!(cc.read_mailbox(0).await.unwrap().statuses, 0);
    // …and sent once it is that old.
    world.advance(Duration::from_secs(6 * 60));
    assert_eq!(pc.share_status().await.unwrap(), 1);
    assert_eq!(cc.read_mailbox(0).await.unwrap().statuses, 1);
    assert_eq!(
        cc.patients().await.unwrap()[0]
            .status
            .as_ref()
            .unwrap()
            .age_seconds,
        0
    );

    // Changed (a new reading, 2 mL less): sent at once.
    world.advance(Duration::from_secs(60));
    read_pump(&patient, &pump, &world, 13_000).await;
    assert_eq!(pc.share_status().await.unwrap(), 1);
    assert_eq!(cc.read_mailbox(0).await.unwrap().statuses, 1);
    let status = cc.patients().await.unwrap().remove(0).status.unwrap();
    assert_eq!(
        status.reservoir.unwrap().volume,
        Volume::from_microliters(13_000)
    );
    assert_eq!(status.data_age_seconds, Some(0));

    // Withdrawn: nothing more goes, and the caregiver's phone stops showing the status.
    world.advance(Duration::from_secs(60));
    pc.withdraw_status_consent(anna.clone()).await.unwrap();
    read_pump(&patient, &pump, &world, 12_000).await;
    world.advance(Duration::from_secs(3_600));
    assert_eq!(pc.share_status().await.unwrap(), 0);
    assert_eq!(cc.read_mailbox(0).await.unwrap().statuses, 1, "the end");
    let mum = cc.patients().await.unwrap().remove(0);
    assert_eq!(mum.sharing, SharingState::Ended);
    assert!(mum.status.is_none(), "no stale status shown as current");
    assert!(
        mum.summary.starts_with("Status sharing ended"),
        "{}",
        mum.summary
    );
    let consents = pc.consents().await.unwrap();
    assert_eq!(consents.len(), 1);
    assert_eq!(consents[0].ended_by, Some(ConsentEnd::Withdrawn));
    assert!(consents[0].withdrawn_at.is_some());

    // Given again, then the caregiver revoked: the consent ends with the pairing.
    pc.share_status_with(anna.clone()).await.unwrap();
    assert_eq!(cc.read_mailbox(0).await.unwrap().statuses, 1);
    assert_eq!(
        cc.patients().await.unwrap()[0].sharing,
        SharingState::Shared
    );
    world.advance(Duration::from_secs(60));
    pc.revoke(anna.clone()).await.unwrap();
    assert_eq!(
        open_consents_in_store(&patient),
        0,
        "ended with the revocation"
    );
    let consents = pc.consents().await.unwrap();
    assert_eq!(consents.len(), 2, "the history is kept");
    assert_eq!(consents[0].ended_by, Some(ConsentEnd::PairingEnded));
    assert_eq!(consents[0].withdrawn_at, Some(world.now()));
    world.advance(Duration::from_secs(3_600));
    read_pump(&patient, &pump, &world, 11_000).await;
    assert_eq!(pc.share_status().await.unwrap(), 0);
    assert_eq!(
        pc.share_status_with(anna).await,
        Err(thecal_core::CaregiverError::NotPaired)
    );
    let read = cc.read_mailbox(0).await.unwrap();
    assert_eq!(read.revoked.len(), 1);
    let mum = cc.patients().await.unwrap().remove(0);
    assert_eq!(mum.pairing, PeerState::Revoked);
    assert_eq!(mum.sharing, SharingState::Ended);
    assert!(mum.status.is_none());
}

#[tokio::test]
async fn watching_the_alerts_shares_a_changed_status_by_itself() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let Pair {
        patient,
        pc,
        cc,
        anna,
        ..
    } = pair(&world, &relay).await;
    let pump = SimPump::new(SimConfig::implanted(12, world.now()));
    patient.pumps().register(pump.device_info()).await.unwrap();
    read_pump(&patient, &pump, &world, 15_000).await;
    pc.share_status_with(anna).await.unwrap();
    cc.read_mailbox(0).await.unwrap();

    let watching = pc.watch_alerts().await.unwrap();
    // A new reading is stored: nobody calls shareStatus, the caregiver's phone gets it.
    world.advance(Duration::from_secs(60));
    read_pump(&patient, &pump, &world, 9_000).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        assert!(std::time::Instant::now() < deadline, "no status came");
        cc.read_mailbox(5).await.unwrap();
        let status = cc.patients().await.unwrap().remove(0).status;
        if status.and_then(|s| s.reservoir).map(|r| r.volume)
            == Some(Volume::from_microliters(9_000))
        {
            break;
        }
    }
    watching.cancel();
}

#[tokio::test]
async fn no_consent_before_the_safety_number_is_confirmed() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let ((_p, patient), (_c, carer)) = (app(&world), app(&world));
    let pc = patient.caregivers(Box::new(ReqwestHttp::new()));
    let cc = carer.caregivers(Box::new(ReqwestHttp::new()));
    let invitation = pc.invite(relay.base.clone()).await.unwrap();
    cc.accept_invitation(invitation.qr_text, None, "Mum".into())
        .await
        .unwrap();
    let anna = pc.read_mailbox(0).await.unwrap().paired[0].clone();
    let refused = pc.share_status_with(anna.clone()).await;
    assert!(
        matches!(
            &refused,
            Err(thecal_core::CaregiverError::InvalidInput { reason, .. }) if reason.contains("safety number")
        ),
        "{refused:?}"
    );
    assert!(pc.consents().await.unwrap().is_empty());
    pc.confirm(anna.clone()).await.unwrap();
    assert!(pc.share_status_with(anna).await.is_ok());
    assert_eq!(
        pc.set_status_interval(1)
            .await
            .map_err(|e| matches!(e, thecal_core::CaregiverError::InvalidInput { .. })),
        Err(true)
    );
    pc.set_status_interval(10).await.unwrap();
}

/// The patient's consents still open in the store, read straight from it (not through
/// `consents()`, which would end them first).
fn open_consents_in_store(patient: &Thecal) -> i64 {
    patient
        .store()
        .read(|c| {
            Ok::<i64, StoreError>(c.query_row(
                "SELECT count(*) FROM status_consents WHERE withdrawn_at_ms IS NULL",
                [],
                |r| r.get(0),
            )?)
        })
        .expect("the store reads")
}

#[tokio::test]
async fn a_pairing_that_ends_ends_its_consent_in_the_same_step_on_either_side() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let both = pair(&world, &relay).await;
    let (patient, pc, cc) = (&both.patient, &both.pc, &both.cc);
    pc.share_status_with(both.anna.clone()).await.unwrap();
    assert_eq!(open_consents_in_store(patient), 1);

    // The caregiver ends the pairing on their phone; the patient's phone learns it when it reads
    // its mailbox, and the consent ends then, with nothing else called.
    let mum = cc.patients().await.unwrap().remove(0).id;
    world.advance(Duration::from_secs(60));
    cc.revoke(mum).await.unwrap();
    world.advance(Duration::from_secs(60));
    let learned_at = world.now();
    assert_eq!(pc.read_mailbox(0).await.unwrap().revoked.len(), 1);
    assert_eq!(open_consents_in_store(patient), 0);
    let consents = pc.consents().await.unwrap();
    assert_eq!(consents[0].ended_by, Some(ConsentEnd::PairingEnded));
    assert_eq!(consents[0].withdrawn_at, Some(learned_at));
}
