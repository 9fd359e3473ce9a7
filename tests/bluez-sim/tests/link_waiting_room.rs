//! The waiting room, over the real btleplug stack and the simulated BlueZ: five other patients'
//! pumps nearby (two advertising the paired pump's serial as, or in, their name; one reporting
//! its serial in Device Information from another BLE identity). With the paired pump away for
//! 100 scan windows, the link connects to none of them (the simulated BlueZ's connection log)
//! and stores nothing of theirs; when the paired pump is back, it is connected on the first scan
//! after.
//!
//! One test in this file: libdbus reads the bus address once per process.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod link_common;

use std::time::Duration;

use link_common::{App, on_private_bus, start};
use thecal_bluez_sim::{BdAddr, BluezSim, PumpPeripheral, SimConfig};
use thecal_core::link::{BackoffConfig, LinkConfig, LinkFailure, LinkState};
use thecal_core::model::PumpKind;
use thecal_core::therapy::db as store;
use thecal_sim::InProcessPump;

const SCANS_AWAY: u64 = 100;

#[test]
fn waiting_room_the_link_never_connects_to_a_strangers_pump() {
    on_private_bus(|bus| async move {
        // Short test timings: the radio hears each pump every 20 ms; a scan window is 120 ms.
        let sim = BluezSim::start_with(
            &bus,
            SimConfig {
                advertising_interval: Duration::from_millis(20),
                connect_timeout: Duration::from_millis(300),
                ..SimConfig::default()
            },
        )
        .await
        .unwrap();
        let own = PumpPeripheral::new(
            InProcessPump::new(21, PumpKind::Implanted, start()),
            "C0:FF:EE:00:00:21".parse().unwrap(),
        );
        let own_address = own.address();
        let serial = own.pump().serial();
        sim.add_device(own.clone()).await.unwrap();
        let mut strangers: Vec<BdAddr> = Vec::new();
        for (i, (reported_serial, name)) in [
            (None, Some(serial.clone())), // its name is the paired serial
            (None, Some(format!("Thecal {serial}"))), // its name contains it
            (Some(serial.clone()), None), // its DIS reports the paired serial
            (None, None),                 // another patient's pump
            (None, Some("Thecal IT-20".to_owned())), // another, with a look-alike name
        ]
        .into_iter()
        .enumerate()
        {
            let address: BdAddr = format!("C0:FF:EE:00:01:{i:02X}").parse().unwrap();
            let pump = InProcessPump::stranger(
                100 + i as u64,
                PumpKind::Implanted,
                start(),
                address.to_string(),
                reported_serial,
                name.clone(),
            );
            // Strangers are bonded with their own patients' phones: their own pairing codes.
            let code = 100_000 + u32::try_from(i).unwrap();
            sim.add_device(PumpPeripheral::with(pump, address, Some(code), name))
                .await
                .unwrap();
            strangers.push(address);
        }

        let mut app = App::start(LinkConfig {
            backoff: BackoffConfig {
                initial: Duration::from_millis(20),
                max: Duration::from_millis(200),
            },
            scan_timeout: Duration::from_millis(120),
            away_backoff: Some(BackoffConfig {
                initial: Duration::from_millis(5),
                max: Duration::from_millis(10),
            }),
        })
        .await;
        // Discovering lists every pump nearby; the patient picks theirs and confirms the serial.
        let nearby = app.thecal.link().discover(1500).await.unwrap();
        assert!(nearby.len() >= 6, "the six pumps are listed: {nearby:?}");
        assert!(sim.connect_log().is_empty(), "discovering connects to none");
        let device = app.pick(own_address).await;
        let paired = app
            .thecal
            .link()
            .pair(device, serial.clone())
            .await
            .unwrap();
        assert_eq!(paired.ble_identity, own_address.to_string());
        app.connected().await;

        // The paired pump leaves the room.
        let readings = |app: &App| {
            app.thecal
                .store()
                .read(|c| {
                    store::readings_between(
                        c,
                        &serial,
                        start(),
                        start() + chrono::Duration::days(1),
                    )
                })
                .unwrap()
                .len()
        };
        let readings_before = readings(&app);
        sim.set_reachable(own_address, false).await.unwrap();
        let failure = app
            .failed("PumpNotFound", |f| {
                matches!(f, LinkFailure::PumpNotFound { .. })
            })
            .await;
        assert!(
            matches!(failure, LinkFailure::PumpNotFound { last_seen: Some(_) }),
            "{failure:?}"
        );
        let scans_away = app.snapshot().await.radio.scans;
        let snap = app
            .wait("100 scan windows with the pump away", |s| {
                s.radio.scans >= scans_away + SCANS_AWAY
            })
            .await;
        assert!(
            matches!(
                snap.state,
                LinkState::Scanning
                    | LinkState::Failed {
                        failure: LinkFailure::PumpNotFound { .. },
                        ..
                    }
            ),
            "{:?}",
            snap.state
        );
        let log = sim.connect_log();
        assert!(
            log.iter().all(|a| *a == own_address),
            "the simulated BlueZ was asked to connect to a stranger: {log:?}"
        );
        for s in &strangers {
            assert!(!sim.is_connected(*s).unwrap() && !sim.is_paired(*s).unwrap());
        }
        assert_eq!(app.serials_stored(), vec![serial.clone()]);
        assert_eq!(readings(&app), readings_before, "nothing stored while away");

        // Back: connected on the first scan window that starts after it is back.
        let scans_back = app.snapshot().await.radio.scans;
        sim.set_reachable(own_address, true).await.unwrap();
        app.connected().await;
        let scans_connected = app.snapshot().await.radio.scans;
        assert!(
            scans_connected <= scans_back + 2,
            "back at scan {scans_back}, connected after scan {scans_connected}"
        );
        assert!(sim.connect_log().iter().all(|a| *a == own_address));
        assert_eq!(
            app.snapshot().await.pump.map(|p| p.serial),
            Some(serial.clone())
        );
        app.thecal.link().stop().await;
        sim.stop().await.unwrap();
    });
}
