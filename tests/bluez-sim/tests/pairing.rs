//! Pairing (btleplug 0.13 has no pairing call; bluez-async, which it is built on, does).

mod common;

use bluez_async::{BluetoothError, BluetoothSession};
use common::*;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_pairing_is_an_error_and_allowed_pairing_pairs() {
    let bed = TestBed::start().await;
    let a = addr(1);
    let (dev, _) = TestPeripheral::new(a, "Pump-1", &[SERVICE_A], &[1]);
    bed.sim.add_device(dev).await.unwrap();
    bed.scan_for(&[], &[a]).await;

    let (_task, session) = BluetoothSession::new().await.unwrap();
    let device = session
        .get_devices()
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.mac_address.to_string() == a.to_string())
        .expect("bluez-async sees the device");
    assert!(!device.paired);

    bed.sim.refuse_pairing(a, true).unwrap();
    let err = within(
        "refused pair",
        session.pair_with_timeout(&device.id, Duration::from_secs(10)),
    )
    .await
    .unwrap_err();
    match &err {
        BluetoothError::DbusError(e) => {
            assert_eq!(e.name(), Some("org.bluez.Error.AuthenticationRejected"));
        }
        other => panic!("unexpected error {other:?}"),
    }
    assert!(!bed.sim.is_paired(a).unwrap());
    assert!(!session.get_device_info(&device.id).await.unwrap().paired);

    bed.sim.refuse_pairing(a, false).unwrap();
    within(
        "pair",
        session.pair_with_timeout(&device.id, Duration::from_secs(10)),
    )
    .await
    .unwrap();
    let info = session.get_device_info(&device.id).await.unwrap();
    assert!(info.paired && info.bonded && info.connected && info.services_resolved);
    assert!(bed.sim.is_paired(a).unwrap());
    // Pairing again: BlueZ says AlreadyExists.
    let err = session
        .pair_with_timeout(&device.id, Duration::from_secs(10))
        .await
        .unwrap_err();
    assert!(format!("{err:?}").contains("AlreadyExists"), "{err:?}");
}
