//! Every WriteValue / StartNotify / StopNotify reaches the write log, refused ones included.

mod common;

use btleplug::api::{Peripheral as _, WriteType};
use common::*;
use thecal_bluez_sim::{WriteKind, WriteOp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_are_recorded_in_order() {
    let bed = TestBed::start().await;
    let a = addr(1);
    let (dev, _) = TestPeripheral::new(a, "Pump-1", &[SERVICE_A], &[0]);
    bed.sim.add_device(dev.clone()).await.unwrap();
    let p = bed.connect(a).await;
    assert!(
        bed.sim.write_log().is_empty(),
        "connect and discovery write nothing"
    );

    let control = characteristic(&p, CONTROL);
    let status = characteristic(&p, STATUS);
    let before = chrono::Utc::now();
    p.write(&control, &[1, 2], WriteType::WithResponse)
        .await
        .unwrap();
    p.write(&control, &[3], WriteType::WithoutResponse)
        .await
        .unwrap();
    p.subscribe(&status).await.unwrap();
    p.unsubscribe(&status).await.unwrap();
    // Refused by BlueZ (STATUS is not writable) and by the peripheral (too long): logged anyway.
    assert!(
        p.write(&status, &[4], WriteType::WithResponse)
            .await
            .is_err()
    );
    let err = p
        .write(&control, &[0; 21], WriteType::WithResponse)
        .await
        .unwrap_err();
    assert!(format!("{err:?}").contains("Invalid Length"), "{err:?}");

    let log = bed.sim.write_log();
    let got: Vec<_> = log
        .iter()
        .map(|e| (e.characteristic, e.op.clone(), e.value.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (CONTROL, WriteOp::Write, vec![1, 2]),
            (CONTROL, WriteOp::WriteWithoutResponse, vec![3]),
            (STATUS, WriteOp::StartNotify, vec![]),
            (STATUS, WriteOp::StopNotify, vec![]),
            (STATUS, WriteOp::Write, vec![4]),
            (CONTROL, WriteOp::Write, vec![0; 21]),
        ]
    );
    for (i, e) in log.iter().enumerate() {
        assert_eq!(e.seq, i as u64);
        assert_eq!(e.device, a);
        assert!(e.at >= before && e.at <= chrono::Utc::now());
        assert!(e.sender.starts_with(':'), "a unique bus name: {}", e.sender);
    }
    assert!(log.windows(2).all(|w| w[0].at <= w[1].at));
    // The peripheral saw only the two accepted writes, with their kinds.
    assert_eq!(
        *dev.writes.lock().unwrap(),
        [
            (CONTROL, vec![1, 2], WriteKind::WithResponse),
            (CONTROL, vec![3], WriteKind::WithoutResponse)
        ]
    );

    // A write on a dropped link fails ("Not connected") and is still logged.
    bed.sim.drop_link(a).await.unwrap();
    assert!(
        p.write(&control, &[5], WriteType::WithResponse)
            .await
            .is_err()
    );
    assert_eq!(bed.sim.write_log().last().unwrap().value, [5]);
    assert_eq!(dev.writes.lock().unwrap().len(), 2);
}
