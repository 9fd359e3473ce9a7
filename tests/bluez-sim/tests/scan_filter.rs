//! BlueZ applies the scan filter, so the simulator must: a service filter finds only matching
//! devices, and a scan without a filter finds the rest.

mod common;

use btleplug::api::{Central, Peripheral as _, ScanFilter};
use common::*;
use thecal_bluez_sim::BdAddr;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_filter_finds_only_matching_devices() {
    let bed = TestBed::start().await;
    let (a1, a2, b, none) = (addr(1), addr(2), addr(3), addr(4));
    for (addr, services) in [
        (a1, vec![SERVICE_A]),
        (a2, vec![SERVICE_B, SERVICE_A]),
        (b, vec![SERVICE_B]),
        (none, vec![]),
    ] {
        let (dev, _) = TestPeripheral::new(addr, &format!("dev-{addr}"), &services, &[0]);
        bed.sim.add_device(dev).await.unwrap();
    }
    // Before any scan BlueZ knows none of them.
    assert!(bed.adapter.peripherals().await.unwrap().is_empty());

    let found = bed.scan_for(&[SERVICE_A], &[a1, a2]).await;
    assert_eq!(found.len(), 2);
    // Discovery results are on the bus by the time StartDiscovery returns, so the list is final:
    // the devices without service A were never reported.
    let mut known: Vec<BdAddr> = bed
        .adapter
        .peripherals()
        .await
        .unwrap()
        .iter()
        .map(|p| BdAddr(p.address().into_inner()))
        .collect();
    known.sort();
    assert_eq!(known, [a1, a2], "only devices advertising service A");
    assert!(!bed.sim.is_discovering(), "stop_scan stopped the discovery");

    // A scan without a filter reports everything in range.
    let found = bed.scan_for(&[], &[a1, a2, b, none]).await;
    assert_eq!(found.len(), 4);

    // Adapter state as btleplug reads it (Powered was set by start_scan).
    assert_eq!(
        bed.adapter.adapter_state().await.unwrap(),
        btleplug::api::CentralState::PoweredOn
    );
    let info = bed.adapter.adapter_info().await.unwrap();
    assert!(info.starts_with("hci0"), "{info}");

    // A device added while a filtered scan runs is reported at once if it matches.
    bed.adapter
        .start_scan(ScanFilter {
            services: vec![SERVICE_B],
        })
        .await
        .unwrap();
    let late = addr(9);
    let (dev, _) = TestPeripheral::new(late, "late", &[SERVICE_B], &[0]);
    let mut events = bed.adapter.events().await.unwrap();
    bed.sim.add_device(dev).await.unwrap();
    within("the late device", async {
        use futures::StreamExt;
        while let Some(e) = events.next().await {
            if let btleplug::api::CentralEvent::DeviceDiscovered(id) = e {
                let p = bed.adapter.peripheral(&id).await.unwrap();
                if BdAddr(p.address().into_inner()) == late {
                    return;
                }
            }
        }
        panic!("event stream ended");
    })
    .await;
}
