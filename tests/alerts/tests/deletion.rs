//! "Delete all my data" as the apps call it (`Thecal::delete_all_my_data`), over a real relay:
//! the caregiver is told, the relay deletes the patient's mailbox, the keys leave the key store
//! and the files the data folder. Offline, the phone's data still goes and the report says what
//! stays on the relay; with the key store locked, nothing goes until it is unlocked.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::Duration;
use thecal_alerts_tests::{TestRelay, World};
use thecal_core::alerts::DeviceKeys;
use thecal_core::alerts::relay::RelayClient;
use thecal_core::diary::PainInput;
use thecal_core::erasure::{DeletionReport, RelayDeletion};
use thecal_core::model::Author;
use thecal_core::store::{DAMAGED_DIR, DB_FILE, SecretStore, SecretStoreError};
use thecal_core::{CaregiverError, DeletionError, DiaryError, Thecal, ThecalConfig};
use thecal_sim::fixtures::MemorySecretStore;
use thecal_sim::http::ReqwestHttp;

/// A key store that can be locked, as a phone's is while the phone is locked.
#[derive(Debug, Default)]
struct LockableKeys {
    keys: Arc<MemorySecretStore>,
    locked: AtomicBool,
}

impl LockableKeys {
    fn check(&self) -> Result<(), SecretStoreError> {
        if self.locked.load(Ordering::SeqCst) {
            Err(SecretStoreError::Unavailable {
                reason: "the phone is locked".into(),
            })
        } else {
            Ok(())
        }
    }
}

impl SecretStore for LockableKeys {
    fn load(&self, name: String) -> Result<Option<Vec<u8>>, SecretStoreError> {
        self.check()?;
        self.keys.load(name)
    }

    fn save(&self, name: String, secret: Vec<u8>) -> Result<(), SecretStoreError> {
        self.check()?;
        self.keys.save(name, secret)
    }

    fn delete(&self, name: String) -> Result<(), SecretStoreError> {
        self.check()?;
        self.keys.delete(name)
    }
}

struct App {
    dir: tempfile::TempDir,
    keys: Arc<LockableKeys>,
    thecal: Arc<Thecal>,
}

fn open(world: &World, dir: tempfile::TempDir, keys: Arc<LockableKeys>) -> App {
    let thecal = Thecal::open_with_clock(
        dir.path(),
        &ThecalConfig::default(),
        Arc::new(world.clone()),
        keys.clone(),
    )
    .expect("opens");
    App { dir, keys, thecal }
}

fn app(world: &World) -> App {
    open(
        world,
        tempfile::tempdir().expect("folder"),
        Arc::new(LockableKeys::default()),
    )
}

fn http() -> Box<ReqwestHttp> {
    Box::new(ReqwestHttp::new())
}

async fn write_pain(app: &App, world: &World) {
    app.thecal
        .diary()
        .add_pain(
            PainInput {
                at: world.now() - Duration::minutes(5),
                score: 6,
                inventory: None,
                interference: None,
                location: None,
                note: Some("Zqxwv after the walk".into()),
            },
            Author::Patient,
        )
        .await
        .expect("a pain entry");
}

/// A clinic's card-signing key made on the phone (its private key in the key store).
async fn clinic_key(app: &App) {
    app.thecal
        .card()
        .create_clinic_key("Pain clinic".into())
        .await
        .expect("a clinic key");
}

async fn pain_count(app: &App, world: &World) -> Result<usize, DiaryError> {
    let entries = app
        .thecal
        .diary()
        .pain_entries(world.now() - Duration::days(1), world.now())
        .await?;
    Ok(entries.len())
}

/// The patient's app paired with a caregiver's through `relay`; returns the caregiver's app and
/// the patient's id on it.
async fn pair(patient: &App, world: &World, relay: &TestRelay) -> (App, String) {
    let carer = app(world);
    let (pc, cc) = (
        patient.thecal.caregivers(http()),
        carer.thecal.caregivers(http()),
    );
    let invitation = pc.invite(relay.base.clone()).await.expect("invited");
    let mum = cc
        .accept_invitation(invitation.code, Some(relay.host().into()), "Mum".into())
        .await
        .expect("accepted");
    let anna = pc.read_mailbox(0).await.expect("the hello").paired[0].clone();
    pc.confirm(anna).await.expect("confirmed");
    cc.confirm(mum.id.clone()).await.expect("confirmed");
    (carer, mum.id)
}

/// A patient's app with something of everything to delete: a caregiver paired through `relay`,
/// a diary entry and a clinic key; with the caregiver's app and its id on the patient's phone.
async fn patient_with_everything(world: &World, relay: &TestRelay) -> (App, App, String) {
    let patient = app(world);
    let (carer, mum) = pair(&patient, world, relay).await;
    write_pain(&patient, world).await;
    clinic_key(&patient).await;
    (patient, carer, mum)
}

/// "Delete all my data", with the network.
async fn delete_all(app: &App) -> Result<DeletionReport, DeletionError> {
    app.thecal.delete_all_my_data(Some(http())).await
}

/// What a report says when the relay deleted the mailbox at `relay`.
fn deleted_on(relay: &TestRelay) -> RelayDeletion {
    RelayDeletion::Deleted {
        relay: relay.base.clone(),
    }
}

fn data_files(app: &App) -> Vec<String> {
    std::fs::read_dir(app.dir.path())
        .expect("the folder")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.starts_with(DB_FILE))
        .collect()
}

#[tokio::test]
async fn everything_goes_the_relay_mailbox_the_keys_and_the_files_and_the_caregiver_is_told() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (patient, carer, mum) = patient_with_everything(&world, &relay).await;
    assert_eq!(patient.keys.keys.names().len(), 2, "alerts and card keys");
    let old_keys = DeviceKeys::load_or_create(patient.keys.as_ref()).unwrap();

    let report = delete_all(&patient).await.unwrap();
    assert_eq!(report.relay, deleted_on(&relay));
    assert_eq!(report.keys_deleted, 2);
    assert!(report.files_deleted >= 1, "{report:?}");
    assert!(patient.keys.keys.names().is_empty(), "no key left");
    assert!(
        data_files(&patient).is_empty(),
        "{:?}",
        data_files(&patient)
    );

    // This object no longer reads or writes anything.
    assert!(matches!(
        pain_count(&patient, &world).await,
        Err(DiaryError::StorageUnavailable { .. })
    ));
    // The caregiver's phone is told the pairing ended.
    let cc = carer.thecal.caregivers(http());
    let read = cc.read_mailbox(0).await.unwrap();
    assert_eq!(read.revoked, vec![mum]);
    // The relay holds no mailbox for the patient's phone any more.
    let client = RelayClient::new(
        &relay.base,
        Arc::new(ReqwestHttp::new()),
        Arc::new(world.clone()),
    );
    let gone = client.fetch(&old_keys, 0, 10).await.unwrap_err();
    assert_eq!(gone.code(), Some("mailbox_not_found"), "{gone}");

    // Opening the folder again starts afresh.
    let App { dir, keys, thecal } = patient;
    drop(thecal);
    let fresh = open(&world, dir, keys);
    assert_eq!(pain_count(&fresh, &world).await, Ok(0));
    assert_eq!(
        fresh.thecal.caregivers(http()).read_mailbox(0).await,
        Err(CaregiverError::NotSetUp)
    );
}

#[tokio::test]
async fn offline_the_phone_is_emptied_all_the_same_and_the_report_says_what_stays_on_the_relay() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let patient = app(&world);
    let _carer = pair(&patient, &world, &relay).await;
    write_pain(&patient, &world).await;
    let base = relay.base.clone();
    relay.stop().await;

    let report = delete_all(&patient).await.unwrap();
    match &report.relay {
        RelayDeletion::NotReached { relay, reason } => {
            assert_eq!(relay, &base);
            assert!(!reason.is_empty());
            assert!(!reason.contains("Zqxwv"), "no data in the reason");
        }
        other => panic!("expected the relay not reached, got {other:?}"),
    }
    assert_eq!(report.keys_deleted, 1, "the alerts' keys");
    assert!(patient.keys.keys.names().is_empty());
    assert!(data_files(&patient).is_empty());

    // Without network access given, the same.
    let other = app(&world);
    write_pain(&other, &world).await;
    let report = other.thecal.delete_all_my_data(None).await.unwrap();
    assert_eq!(report.relay, RelayDeletion::NotUsed, "never paired");
    assert!(data_files(&other).is_empty());
}

#[tokio::test]
async fn with_the_key_store_locked_nothing_is_deleted_until_it_is_unlocked() {
    let world = World::new();
    let patient = app(&world);
    write_pain(&patient, &world).await;
    clinic_key(&patient).await;
    patient.keys.locked.store(true, Ordering::SeqCst);

    let refused = patient.thecal.delete_all_my_data(None).await.unwrap_err();
    assert!(
        matches!(refused, DeletionError::KeyStoreUnavailable { .. }),
        "{refused:?}"
    );
    assert!(
        refused.to_string().contains("Unlock the phone"),
        "{refused}"
    );
    assert_eq!(pain_count(&patient, &world).await, Ok(1), "nothing deleted");
    assert_eq!(patient.keys.keys.names().len(), 1);

    patient.keys.locked.store(false, Ordering::SeqCst);
    let report = patient.thecal.delete_all_my_data(None).await.unwrap();
    assert_eq!(report.keys_deleted, 1, "the clinic key");
    assert!(data_files(&patient).is_empty());
}

#[tokio::test]
async fn a_file_that_cannot_be_removed_is_named_and_a_second_try_finishes_and_reports_both() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (patient, carer, mum) = patient_with_everything(&world, &relay).await;
    // Something in the folder of files kept aside that is not a file: it cannot be removed as
    // one (as root too, which CI is).
    let obstacle = patient.dir.path().join(DAMAGED_DIR).join("a folder");
    std::fs::create_dir_all(&obstacle).unwrap();

    let failed = delete_all(&patient).await.unwrap_err();
    assert!(
        matches!(failed, DeletionError::StorageUnavailable { .. }),
        "{failed:?}"
    );
    assert!(failed.to_string().contains("a folder"), "{failed}");
    // The relay's part and the keys were done before the files.
    assert!(patient.keys.keys.names().is_empty());
    let read = carer
        .thecal
        .caregivers(http())
        .read_mailbox(0)
        .await
        .unwrap();
    assert_eq!(read.revoked, vec![mum]);
    assert!(data_files(&patient).is_empty(), "the database went first");

    std::fs::remove_dir(&obstacle).unwrap();
    let report = delete_all(&patient).await.unwrap();
    assert_eq!(
        report.relay,
        deleted_on(&relay),
        "the first try's relay part, not asked again"
    );
    assert_eq!(report.keys_deleted, 2, "the first try's keys");
    assert!(
        report.files_deleted >= 1,
        "the first try's files: {report:?}"
    );
    assert_eq!(
        std::fs::read_dir(patient.dir.path()).unwrap().count(),
        0,
        "the folder is empty"
    );
    // Asked once more, the same report: nothing more to do.
    let again = patient.thecal.delete_all_my_data(None).await.unwrap();
    assert_eq!(again, report);
}
