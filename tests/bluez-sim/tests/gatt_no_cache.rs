//! With BlueZ's GATT cache off, the GATT objects leave the bus on disconnect and come back on
//! reconnect; btleplug must discover again.

mod common;

use btleplug::api::Peripheral as _;
use common::*;
use thecal_bluez_sim::{Delivery, SimConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gatt_objects_follow_the_link_without_cache() {
    let bed = TestBed::start_with(SimConfig {
        gatt_cache: false,
        ..SimConfig::default()
    })
    .await;
    let a = addr(1);
    let (dev, _) = TestPeripheral::new(a, "Pump-1", &[SERVICE_A], &[1]);
    let handle = bed.sim.add_device(dev).await.unwrap();
    let p = bed.connect(a).await;
    let status = characteristic(&p, STATUS);
    p.subscribe(&status).await.unwrap();

    let conn = zbus::connection::Builder::address(bed.bus.address())
        .build()
        .await
        .unwrap();
    let dev_path = format!("/org/bluez/hci0/{}", a.object_name());
    let has_service = |xml: &str| xml.contains("<node name=\"service0001\"");
    let introspect = |conn: zbus::Connection, path: String| async move {
        let reply = conn
            .call_method(
                Some("org.bluez"),
                path.as_str(),
                Some("org.freedesktop.DBus.Introspectable"),
                "Introspect",
                &(),
            )
            .await
            .unwrap();
        reply.body().deserialize::<String>().unwrap()
    };
    assert!(has_service(
        &introspect(conn.clone(), dev_path.clone()).await
    ));

    bed.sim.drop_link(a).await.unwrap();
    assert!(!has_service(
        &introspect(conn.clone(), dev_path.clone()).await
    ));
    // The notify session ended with the link.
    assert!(!bed.sim.is_notifying(a, STATUS).unwrap());

    within("reconnect", p.connect()).await.unwrap();
    assert!(has_service(
        &introspect(conn.clone(), dev_path.clone()).await
    ));
    within("rediscover", p.discover_services()).await.unwrap();
    let status = characteristic(&p, STATUS);
    assert_eq!(p.read(&status).await.unwrap(), [1]);
    assert_eq!(
        handle.notifier().notify(STATUS, &[2]).await.unwrap(),
        Delivery::NotSubscribed,
        "a new session is needed"
    );
    p.subscribe(&status).await.unwrap();
    assert!(bed.sim.is_notifying(a, STATUS).unwrap());
}
