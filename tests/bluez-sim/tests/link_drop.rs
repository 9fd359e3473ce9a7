//! The link drops, btleplug sees it, the device comes back, and everything works again.

mod common;

use btleplug::api::{Central, CentralEvent, Peripheral as _};
use common::*;
use futures::StreamExt;
use thecal_bluez_sim::{Delivery, LinkEvent};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_link_then_come_back() {
    let bed = TestBed::start().await;
    let a = addr(1);
    let (dev, mut events) = TestPeripheral::new(a, "Pump-1", &[SERVICE_A], &[1]);
    let handle = bed.sim.add_device(dev.clone()).await.unwrap();
    let p = bed.connect(a).await;
    assert_eq!(next_event(&mut events).await, LinkEvent::Connected);
    let status = characteristic(&p, STATUS);
    p.subscribe(&status).await.unwrap();
    assert_eq!(next_event(&mut events).await, LinkEvent::Subscribed(STATUS));

    let mut central = bed.adapter.events().await.unwrap();
    // Out of range: the link drops and a reconnect fails until it comes back.
    bed.sim.set_reachable(a, false).await.unwrap();
    within("DeviceDisconnected", async {
        while let Some(e) = central.next().await {
            if matches!(&e, CentralEvent::DeviceDisconnected(id) if *id == p.id()) {
                return;
            }
        }
        panic!("event stream ended");
    })
    .await;
    assert_eq!(next_event(&mut events).await, LinkEvent::Disconnected);
    assert!(!p.is_connected().await.unwrap());
    let err = format!("{:?}", p.read(&status).await.unwrap_err());
    assert!(err.contains("Not connected"), "{err}");
    assert_eq!(
        handle.notifier().notify(STATUS, &[1]).await.unwrap(),
        Delivery::NotConnected
    );
    let err = format!(
        "{:?}",
        within("refused connect", p.connect()).await.unwrap_err()
    );
    assert!(err.contains("le-connection-abort-by-local"), "{err}");

    // Back in range: reconnect, discover again, read again, notifications again.
    bed.sim.set_reachable(a, true).await.unwrap();
    within("reconnect", p.connect()).await.unwrap();
    within("DeviceConnected", async {
        while let Some(e) = central.next().await {
            if matches!(&e, CentralEvent::DeviceConnected(id) if *id == p.id()) {
                return;
            }
        }
        panic!("event stream ended");
    })
    .await;
    within("rediscover", p.discover_services()).await.unwrap();
    let status = characteristic(&p, STATUS);
    dev.set_value(STATUS, &[2]);
    assert_eq!(p.read(&status).await.unwrap(), [2]);
    // BlueZ (GATT cache on) kept the notify session and re-enabled it on reconnect; subscribing
    // again is accepted.
    assert_eq!(next_event(&mut events).await, LinkEvent::Connected);
    assert_eq!(next_event(&mut events).await, LinkEvent::Subscribed(STATUS));
    p.subscribe(&status).await.unwrap();
    let mut stream = p.notifications().await.unwrap();
    handle.notifier().notify(STATUS, &[3]).await.unwrap();
    assert_eq!(
        within("notification", stream.next()).await.unwrap().value,
        [3]
    );

    // A momentary drop (still in range) also shows, and a reconnect works at once.
    bed.sim.drop_link(a).await.unwrap();
    within("second DeviceDisconnected", async {
        while let Some(e) = central.next().await {
            if matches!(&e, CentralEvent::DeviceDisconnected(id) if *id == p.id()) {
                return;
            }
        }
        panic!("event stream ended");
    })
    .await;
    within("reconnect", p.connect()).await.unwrap();
    within("rediscover", p.discover_services()).await.unwrap();
    assert_eq!(p.read(&characteristic(&p, STATUS)).await.unwrap(), [2]);
}
