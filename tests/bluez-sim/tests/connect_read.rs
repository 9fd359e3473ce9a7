//! Connect, discover the GATT table, read characteristics and descriptors, see the advertisement.

mod common;

use btleplug::api::{CharPropFlags, Peripheral as _};
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_discover_and_read() {
    let bed = TestBed::start().await;
    let a = addr(1);
    let (dev, mut events) = TestPeripheral::new(a, "Pump-1", &[SERVICE_A], &[1, 2, 3]);
    bed.sim.add_device(dev.clone()).await.unwrap();

    let p = bed.connect(a).await;
    assert_eq!(
        next_event(&mut events).await,
        thecal_bluez_sim::LinkEvent::Connected
    );
    assert!(p.is_connected().await.unwrap());
    assert!(bed.sim.is_connected(a).unwrap());

    // The advertisement as btleplug sees it.
    let props = p.properties().await.unwrap().expect("properties");
    assert_eq!(props.local_name.as_deref(), Some("Pump-1"));
    // The scan has ended: as BlueZ, the simulator no longer shows an RSSI (it is only there
    // while a discovery hears the device).
    assert_eq!(props.rssi, None);
    assert_eq!(
        props.manufacturer_data.get(&0xFFFF),
        Some(&vec![0x54, 0x48, 1])
    );
    assert!(props.services.contains(&SERVICE_A));

    // The GATT table: one service, four characteristics with their flags and descriptors.
    let services = p.services();
    assert_eq!(services.len(), 1, "{services:?}");
    let service = services.first().unwrap();
    assert_eq!(service.uuid, SERVICE_A);
    assert!(service.primary);
    assert_eq!(service.characteristics.len(), 4);
    let status = characteristic(&p, STATUS);
    assert_eq!(
        status.properties,
        CharPropFlags::READ | CharPropFlags::NOTIFY
    );
    let descs: Vec<_> = status.descriptors.iter().map(|d| d.uuid).collect();
    assert_eq!(descs, [CCCD]);
    let control = characteristic(&p, CONTROL);
    assert_eq!(
        control.properties,
        CharPropFlags::WRITE | CharPropFlags::WRITE_WITHOUT_RESPONSE
    );
    assert!(control.descriptors.is_empty());
    let alarm = characteristic(&p, ALARM);
    assert_eq!(
        alarm.properties,
        CharPropFlags::READ | CharPropFlags::INDICATE
    );
    let info = characteristic(&p, INFO);
    assert_eq!(info.properties, CharPropFlags::READ);
    assert_eq!(p.mtu(), thecal_bluez_sim::SIM_MTU);

    // Reads answer from the peripheral, each time afresh.
    assert_eq!(p.read(&status).await.unwrap(), [1, 2, 3]);
    dev.set_value(STATUS, &[9, 9]);
    assert_eq!(p.read(&status).await.unwrap(), [9, 9]);
    assert_eq!(p.read(&info).await.unwrap(), b"info Pump-1");
    // A characteristic without the read flag is refused by BlueZ itself.
    let err = format!("{:?}", p.read(&control).await.unwrap_err());
    assert!(err.contains("NotPermitted"), "{err}");

    // Descriptors: the user description, and the CCCD reflecting the notify state.
    let user = info
        .descriptors
        .iter()
        .find(|d| d.uuid == USER_DESC)
        .unwrap();
    assert_eq!(p.read_descriptor(user).await.unwrap(), b"Device info");
    let cccd = status.descriptors.iter().next().unwrap();
    assert_eq!(p.read_descriptor(cccd).await.unwrap(), [0, 0]);
    p.subscribe(&status).await.unwrap();
    assert_eq!(p.read_descriptor(cccd).await.unwrap(), [1, 0]);
    // Writing a CCCD over D-Bus is refused, as in BlueZ (StartNotify is the way).
    let err = format!("{:?}", p.write_descriptor(cccd, &[0, 0]).await.unwrap_err());
    assert!(err.contains("NotPermitted"), "{err}");

    p.disconnect().await.unwrap();
    assert!(!p.is_connected().await.unwrap());
    assert!(!bed.sim.is_connected(a).unwrap());
}
