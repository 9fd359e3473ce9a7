//! Faults over the real btleplug stack and the simulated BlueZ, each seen by the app as a typed
//! failure, and recovered from by itself where it can: pairing refused (a wrong pairing code
//! entered through the transport's BlueZ agent), Bluetooth switched off and on, the phone's disk
//! full while an alarm arrives (shown as "unknown" meanwhile, stored once afterwards).
//!
//! One test in this file: libdbus reads the bus address once per process.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod link_common;

use std::time::Duration;

use link_common::{App, on_private_bus, start};
use thecal_bluez_sim::{BluezSim, PumpPeripheral, SIM_PASSKEY, SimConfig};
use thecal_core::LinkError;
use thecal_core::dashboard::AlarmCurrentState;
use thecal_core::link::{
    BackoffConfig, LinkConfig, LinkEvent, LinkFailure, LinkState, TransportError,
};
use thecal_core::model::{AlarmKind, PumpKind};
use thecal_core::therapy::db as store;
use thecal_sim::InProcessPump;

#[test]
fn refused_pairing_bluetooth_off_and_a_full_disk_are_typed_and_recovered_from() {
    on_private_bus(|bus| async move {
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
        let pump = PumpPeripheral::new(
            InProcessPump::new(31, PumpKind::Implanted, start()),
            "C0:FF:EE:00:00:31".parse().unwrap(),
        );
        let address = pump.address();
        let serial = pump.pump().serial();
        sim.add_device(pump.clone()).await.unwrap();
        let mut app = App::start(LinkConfig {
            backoff: BackoffConfig {
                initial: Duration::from_millis(20),
                max: Duration::from_millis(200),
            },
            scan_timeout: Duration::from_millis(300),
            away_backoff: Some(BackoffConfig {
                initial: Duration::from_millis(20),
                max: Duration::from_millis(100),
            }),
        })
        .await;

        // The patient enters a wrong pairing code: BlueZ asks the transport's agent, the pump
        // refuses. Typed, nothing paired or stored.
        app.transport.set_pairing_passkey(Some(SIM_PASSKEY + 1));
        let device = app.pick(address).await;
        let err = app
            .thecal
            .link()
            .pair(device.clone(), serial.clone())
            .await
            .unwrap_err();
        assert_eq!(err, LinkError::Transport(TransportError::PairingRefused));
        assert!(err.to_string().contains("refused pairing"), "{err}");
        app.failed("PairingRefused", |f| *f == LinkFailure::PairingRefused)
            .await;
        assert!(!sim.is_paired(address).unwrap());
        assert!(app.serials_stored().is_empty());
        assert_eq!(app.thecal.link().paired_pump().await.unwrap(), None);

        // The right code: paired, connected.
        app.transport.set_pairing_passkey(Some(SIM_PASSKEY));
        app.thecal
            .link()
            .pair(device, serial.clone())
            .await
            .unwrap();
        assert!(sim.is_paired(address).unwrap());
        app.connected().await;

        // Bluetooth switched off (as on a phone: no app can switch it on again): typed; on
        // again: the link comes back by itself.
        sim.set_blocked(true).await.unwrap();
        app.failed("BluetoothOff", |f| *f == LinkFailure::BluetoothOff)
            .await;
        assert!(matches!(
            app.snapshot().await.state,
            LinkState::Failed {
                failure: LinkFailure::BluetoothOff,
                ..
            } | LinkState::Scanning
                | LinkState::Reconnecting { .. }
        ));
        sim.set_blocked(false).await.unwrap();
        app.connected().await;
        assert_eq!(app.snapshot().await.last_failure, None);

        // An alarm is stored and shown as active; then the disk fills up and another alarm
        // arrives: typed at once, the open alarm shows as unknown, nothing is stored.
        pump.raise_alarm(AlarmKind::CatheterOcclusion).await;
        app.until("the first alarm", |e| matches!(e, LinkEvent::Alarm { .. }))
            .await;
        app.thecal.store().simulate_full_disk(true);
        pump.raise_alarm(AlarmKind::MotorStall).await;
        let failure = app
            .failed("StorageFailed", |f| {
                matches!(f, LinkFailure::StorageFailed { .. })
            })
            .await;
        assert!(
            matches!(failure, LinkFailure::StorageFailed { full: true, .. }),
            "{failure:?}"
        );
        assert!(failure.to_string().contains("Free some space"), "{failure}");
        let d = app.thecal.dashboard().await.unwrap();
        assert_ne!(d.link_state, LinkState::Connected);
        assert_eq!(d.alarms.len(), 1, "the motor stall is not stored yet");
        assert_eq!(d.alarms[0].current, AlarmCurrentState::Unknown);

        // Storage works again: the link reconnects, the pump's history brings the alarm back;
        // it is stored and published once.
        app.thecal.store().simulate_full_disk(false);
        let events = app
            .until(
                "the motor stall",
                |e| matches!(e, LinkEvent::Alarm { alarm } if alarm.kind == AlarmKind::MotorStall),
            )
            .await;
        assert!(events.iter().any(|e| matches!(
            e,
            LinkEvent::StateChanged {
                state: LinkState::Connected
            }
        )));
        let history = app
            .until("the replay done", |e| {
                matches!(e, LinkEvent::HistorySynced { .. })
            })
            .await;
        assert!(
            !history.iter().any(|e| matches!(e, LinkEvent::Alarm { .. })),
            "published once: {history:?}"
        );
        let open = app
            .thecal
            .store()
            .read(|c| store::open_alarms(c, &serial))
            .unwrap();
        let kinds: Vec<AlarmKind> = open.iter().map(|a| a.kind).collect();
        assert_eq!(kinds.len(), 2, "{kinds:?}");
        assert!(
            kinds.contains(&AlarmKind::MotorStall) && kinds.contains(&AlarmKind::CatheterOcclusion)
        );
        let d = app.thecal.dashboard().await.unwrap();
        assert!(
            d.alarms
                .iter()
                .all(|a| a.current == AlarmCurrentState::Active)
        );

        app.thecal.link().stop().await;
        sim.stop().await.unwrap();
    });
}
