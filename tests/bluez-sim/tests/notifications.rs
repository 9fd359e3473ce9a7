//! Notifications: only while subscribed, in order, as PropertiesChanged(Value); corruption;
//! StopNotify without a session gives BlueZ's exact error.

mod common;

use btleplug::api::Peripheral as _;
use common::*;
use futures::StreamExt;
use thecal_bluez_sim::{Delivery, LinkEvent};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_and_receive_notifications_in_order() {
    let bed = TestBed::start().await;
    let a = addr(1);
    let (dev, mut events) = TestPeripheral::new(a, "Pump-1", &[SERVICE_A], &[0]);
    let handle = bed.sim.add_device(dev.clone()).await.unwrap();
    let notifier = handle.notifier();
    assert_eq!(
        notifier.notify(STATUS, &[1]).await.unwrap(),
        Delivery::NotConnected
    );

    let p = bed.connect(a).await;
    assert_eq!(next_event(&mut events).await, LinkEvent::Connected);
    let status = characteristic(&p, STATUS);
    assert_eq!(
        notifier.notify(STATUS, &[1]).await.unwrap(),
        Delivery::NotSubscribed
    );
    assert!(
        notifier.notify(CONTROL, &[1]).await.is_err(),
        "CONTROL cannot notify"
    );
    assert!(
        notifier.notify(USER_DESC, &[1]).await.is_err(),
        "no such characteristic"
    );

    let mut stream = p.notifications().await.unwrap();
    p.subscribe(&status).await.unwrap();
    assert_eq!(next_event(&mut events).await, LinkEvent::Subscribed(STATUS));
    assert!(bed.sim.is_notifying(a, STATUS).unwrap());

    // The peripheral's own copy of the notifier (from attach) works the same.
    let own = dev.notifier.lock().unwrap().clone().expect("attached");
    for i in 0u8..20 {
        let n = if i % 2 == 0 { &notifier } else { &own };
        assert_eq!(n.notify(STATUS, &[i, 0x5A]).await.unwrap(), Delivery::Sent);
    }
    for i in 0u8..20 {
        let n = within("a notification", stream.next())
            .await
            .expect("stream open");
        assert_eq!((n.uuid, n.service_uuid), (STATUS, SERVICE_A));
        assert_eq!(n.value, [i, 0x5A], "notification {i} in order");
    }

    // Corrupt the next one: its last byte is flipped; the one after is intact.
    bed.sim.corrupt_next_notifications(a, 1).unwrap();
    notifier.notify(STATUS, &[7, 0x5A]).await.unwrap();
    notifier.notify(STATUS, &[8, 0x5A]).await.unwrap();
    assert_eq!(
        within("corrupted", stream.next()).await.unwrap().value,
        [7, 0xA5]
    );
    assert_eq!(
        within("intact", stream.next()).await.unwrap().value,
        [8, 0x5A]
    );

    // Indications arrive the same way.
    let alarm = characteristic(&p, ALARM);
    p.subscribe(&alarm).await.unwrap();
    notifier.notify(ALARM, &[3]).await.unwrap();
    let n = within("indication", stream.next()).await.unwrap();
    assert_eq!((n.uuid, n.value), (ALARM, vec![3]));

    // As on real BlueZ, a read lands in the value cache and on the notification stream too.
    dev.set_value(STATUS, &[0x42]);
    assert_eq!(p.read(&status).await.unwrap(), [0x42]);
    let n = within("read echoed as PropertiesChanged", stream.next())
        .await
        .unwrap();
    assert_eq!((n.uuid, n.value), (STATUS, vec![0x42]));

    // Unsubscribed: nothing more is sent.
    p.unsubscribe(&status).await.unwrap();
    assert_eq!(next_event(&mut events).await, LinkEvent::Subscribed(ALARM));
    assert_eq!(
        next_event(&mut events).await,
        LinkEvent::Unsubscribed(STATUS)
    );
    assert!(!bed.sim.is_notifying(a, STATUS).unwrap());
    assert_eq!(
        notifier.notify(STATUS, &[9]).await.unwrap(),
        Delivery::NotSubscribed
    );
    // btleplug accepts a second unsubscribe only because BlueZ's error is exactly
    // `org.bluez.Error.Failed: No notify session started`.
    p.unsubscribe(&status).await.unwrap();

    // And that is the error on the wire.
    let conn = zbus::connection::Builder::address(bed.bus.address())
        .build()
        .await
        .unwrap();
    let path = format!("/org/bluez/hci0/{}/service0001/char0002", a.object_name());
    let err = conn
        .call_method(
            Some("org.bluez"),
            path.as_str(),
            Some("org.bluez.GattCharacteristic1"),
            "StopNotify",
            &(),
        )
        .await
        .unwrap_err();
    match err {
        zbus::Error::MethodError(name, msg, _) => {
            assert_eq!(name.as_str(), "org.bluez.Error.Failed");
            assert_eq!(msg.as_deref(), Some("No notify session started"));
        }
        other => panic!("unexpected error {other:?}"),
    }
}
