//! The caregiver alerts as the apps call them (`Thecal::caregivers`), patient and caregiver each
//! a whole app object over its own data folder: pair, a pump alarm stored on the patient's phone
//! goes out through the rules, the caregiver reads and acknowledges it, the patient sees who
//! acknowledged it and when.

use std::sync::Arc;

use thecal_alerts_tests::{TestRelay, World};
use thecal_core::alerts::db::PeerState;
use thecal_core::alerts::messages::AlertPriority;
use thecal_core::model::{AlarmKind, AlarmPriority, AlarmState, HistoryDetail, HistoryEvent};
use thecal_core::therapy::db as therapy_db;
use thecal_core::{CaregiverError, Thecal, ThecalConfig};
use thecal_sim::fixtures::MemorySecretStore;
use thecal_sim::http::ReqwestHttp;
use thecal_sim::peripheral::{InProcessPump, InProcessTransport};
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

/// The patient's app and the caregiver's, each with its caregiver alerts over the real HTTP stack
/// (the folders live as long as the returned guards).
type Apps = (
    ([tempfile::TempDir; 2], Arc<Thecal>),
    Arc<Thecal>,
    Arc<thecal_core::Caregivers>,
    Arc<thecal_core::Caregivers>,
);

fn two_apps(world: &World) -> Apps {
    let ((p, patient), (c, carer)) = (app(world), app(world));
    let (pc, cc) = (
        patient.caregivers(Box::new(ReqwestHttp::new())),
        carer.caregivers(Box::new(ReqwestHttp::new())),
    );
    (([p, c], carer), patient, pc, cc)
}

#[tokio::test]
async fn a_pump_alarm_goes_to_the_caregiver_and_her_acknowledgement_comes_back() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (_dirs, patient, pc, cc) = two_apps(&world);
    assert_eq!(pc.read_mailbox(0).await, Err(CaregiverError::NotSetUp));

    let invitation = pc.invite(relay.base.clone()).await.unwrap();
    let mum = cc
        .accept_invitation(
            invitation.code.clone(),
            Some(relay.host().into()),
            "Mum".into(),
        )
        .await
        .unwrap();
    let read = pc.read_mailbox(0).await.unwrap();
    assert_eq!(read.paired.len(), 1);
    let anna = read.paired[0].clone();
    assert_eq!(
        pc.safety_number(anna.clone()).await.unwrap(),
        cc.safety_number(mum.id.clone()).await.unwrap()
    );
    pc.rename(anna.clone(), "Anna".into()).await.unwrap();
    assert_eq!(
        pc.confirm(anna.clone()).await.unwrap().state,
        PeerState::Confirmed
    );
    cc.confirm(mum.id.clone()).await.unwrap();

    // The pump's alarm, as the link stores it.
    let info = SimPump::new(SimConfig::implanted(3, world.now())).device_info();
    patient
        .store()
        .write(|tx| {
            therapy_db::upsert_pump(tx, &info, world.now())?;
            let raise = HistoryEvent {
                sequence: 1,
                pump_time: world.now(),
                detail: HistoryDetail::Alarm {
                    kind: AlarmKind::CatheterOcclusion,
                    priority: AlarmPriority::High,
                    state: AlarmState::Raised,
                    raised_sequence: 1,
                },
            };
            therapy_db::insert_event(tx, &info.serial, &raise, world.now())
        })
        .unwrap();
    let raised = pc.check_alerts().await.unwrap();
    assert_eq!(raised.len(), 1);
    assert!(pc.check_alerts().await.unwrap().is_empty(), "told once");

    let read = cc.read_mailbox(0).await.unwrap();
    assert_eq!(read.alerts.len(), 1);
    let inbox = cc.inbox().await.unwrap();
    assert_eq!(inbox[0].priority, AlertPriority::High);
    assert_eq!(inbox[0].patient, "Mum");
    assert!(inbox[0].body.contains("catheter"), "{}", inbox[0].body);
    cc.acknowledge(inbox[0].message_id.clone()).await.unwrap();
    assert_eq!(
        cc.acknowledge("not an alert".into()).await,
        Err(CaregiverError::UnknownAlert)
    );

    assert_eq!(
        pc.read_mailbox(0).await.unwrap().receipts,
        2,
        "delivered, acknowledged"
    );
    let d = pc.deliveries(raised[0].clone()).await.unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].caregiver, "Anna");
    assert!(
        d[0].delivered_at.is_some() && d[0].acknowledged_at.is_some(),
        "{d:?}"
    );

    // Revoked by the caregiver: the patient's phone learns it, and nothing more goes to her.
    cc.revoke(mum.id.clone()).await.unwrap();
    assert_eq!(
        pc.read_mailbox(0).await.unwrap().revoked,
        vec![anna.clone()]
    );
    let devices = pc.paired_devices().await.unwrap();
    assert_eq!(devices[0].state, PeerState::Revoked);
    assert_eq!(pc.confirm(anna).await, Err(CaregiverError::NotPaired));
}

#[tokio::test]
async fn the_automatic_rules_send_a_pump_alarm_as_the_link_stores_it() {
    use std::time::Duration;
    use thecal_core::link::{BackoffConfig, LinkConfig};

    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (_dirs, patient, pc, cc) = two_apps(&world);
    let invitation = pc.invite(relay.base.clone()).await.unwrap();
    let mum = cc
        .accept_invitation(invitation.code, Some(relay.host().into()), "Mum".into())
        .await
        .unwrap();
    let anna = pc.read_mailbox(0).await.unwrap().paired[0].clone();
    pc.confirm(anna).await.unwrap();
    cc.confirm(mum.id).await.unwrap();

    // The patient's app starts the automatic rules, and the link to its pump.
    let watching = pc.watch_alerts().await.unwrap();
    let pump = Arc::new(InProcessPump::from_config(SimConfig::implanted(
        5,
        world.now(),
    )));
    let transport = InProcessTransport::new(pump);
    let fast = LinkConfig {
        backoff: BackoffConfig {
            initial: Duration::from_millis(1),
            max: Duration::from_millis(8),
        },
        scan_timeout: Duration::from_millis(50),
        away_backoff: None,
    };
    patient
        .link()
        .start_with(transport.clone(), fast)
        .await
        .unwrap();
    let found = patient.link().discover(200).await.unwrap();
    let device = found
        .into_iter()
        .find(|d| d.device_id == transport.pump().device_id())
        .expect("the patient's pump is listed");
    patient
        .link()
        .pair(device, transport.pump().serial())
        .await
        .unwrap();

    // The pump raises an alarm; nobody calls checkAlerts: the caregiver's phone gets it.
    transport.raise_alarm(AlarmKind::CatheterOcclusion);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        assert!(std::time::Instant::now() < deadline, "no alert came");
        cc.read_mailbox(20).await.unwrap();
        let inbox = cc.inbox().await.unwrap();
        if let Some(alert) = inbox.iter().find(|a| a.body.contains("catheter")) {
            assert_eq!(alert.priority, AlertPriority::High);
            break;
        }
    }
    // Told once, however many changes (readings, link events) came after it.
    cc.read_mailbox(0).await.unwrap();
    let told = cc.inbox().await.unwrap();
    assert_eq!(
        told.iter().filter(|a| a.body.contains("catheter")).count(),
        1,
        "{told:#?}"
    );
    watching.cancel();
}
