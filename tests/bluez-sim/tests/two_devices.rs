//! Several pumps advertised at once: all are found, each answers with its own data.

mod common;

use btleplug::api::Peripheral as _;
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_are_both_found_and_kept_apart() {
    let bed = TestBed::start().await;
    let (a, b) = (addr(0x11), addr(0x22));
    let (dev_a, _) = TestPeripheral::new(a, "Pump-A", &[SERVICE_A], &[0xAA]);
    let (dev_b, _) = TestPeripheral::new(b, "Pump-B", &[SERVICE_A], &[0xBB]);
    bed.sim.add_device(dev_a).await.unwrap();
    let handle_b = bed.sim.add_device(dev_b).await.unwrap();

    let found = bed.scan_for(&[SERVICE_A], &[a, b]).await;
    assert_eq!(found.len(), 2);
    for (addr, name, status) in [(a, "Pump-A", 0xAA), (b, "Pump-B", 0xBB)] {
        let p = &found[&addr];
        let props = p.properties().await.unwrap().unwrap();
        assert_eq!(props.local_name.as_deref(), Some(name));
        within("connect", p.connect()).await.unwrap();
        within("discover", p.discover_services()).await.unwrap();
        assert_eq!(p.read(&characteristic(p, STATUS)).await.unwrap(), [status]);
    }
    assert!(bed.sim.is_connected(a).unwrap() && bed.sim.is_connected(b).unwrap());

    // A notification from B reaches B's stream only.
    let (pa, pb) = (&found[&a], &found[&b]);
    pa.subscribe(&characteristic(pa, STATUS)).await.unwrap();
    pb.subscribe(&characteristic(pb, STATUS)).await.unwrap();
    let mut na = pa.notifications().await.unwrap();
    let mut nb = pb.notifications().await.unwrap();
    handle_b.notifier().notify(STATUS, &[0xB1]).await.unwrap();
    let n = within("B's notification", futures::StreamExt::next(&mut nb))
        .await
        .unwrap();
    assert_eq!(n.value, [0xB1]);
    bed.sim
        .notifier(a)
        .unwrap()
        .notify(STATUS, &[0xA1])
        .await
        .unwrap();
    let n = within("A's notification", futures::StreamExt::next(&mut na))
        .await
        .unwrap();
    assert_eq!(n.value, [0xA1], "A's stream did not carry B's value");

    // Removing B takes it off the bus; A stays.
    bed.sim.remove_device(b).await.unwrap();
    assert!(pb.is_connected().await.is_err(), "B's object is gone");
    assert!(pa.is_connected().await.unwrap());
}
