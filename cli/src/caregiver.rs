//! `thecal caregiver demo`: a simulated patient (the simulated pump, the link, the alert rules)
//! and a caregiver, two whole app objects, through a running relay: pairing, a pump alarm, what
//! the caregiver receives and what the patient's phone shows of its delivery.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use serde_json::json;
use thecal_core::alerts::db::Delivery;
use thecal_core::link::{
    BackoffConfig, LinkConfig, LinkEvent, LinkListener, LinkState, ListenerError,
};
use thecal_core::model::Clock as _;
use thecal_core::model::{AlarmKind, SystemClock};
use thecal_sim::http::ReqwestHttp;
use thecal_sim::peripheral::{InProcessPump, InProcessTransport};
use thecal_sim::pump::SimConfig;

use crate::block_on;

/// Caregiver alerts.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// A simulated patient and a caregiver through a running relay: pair, raise a pump alarm,
    /// show what the caregiver received and what the patient sees of its delivery.
    Demo(DemoArgs),
}

#[derive(Debug, clap::Args)]
struct DemoArgs {
    /// The relay's URL (`thecal-relay` prints it: `http://127.0.0.1:8484`).
    #[arg(long)]
    relay: String,
    /// One alarm, then stop (otherwise three: a motor stall, an occlusion, an empty reservoir).
    #[arg(long)]
    once: bool,
    /// Print one JSON object instead of sentences.
    #[arg(long)]
    json: bool,
}

/// Runs the command.
///
/// # Errors
/// A message for the person.
pub fn run(args: &Args) -> Result<(), String> {
    match &args.command {
        Command::Demo(a) => demo(a),
    }
}

#[derive(Debug)]
struct Forward(std::sync::Mutex<Sender<LinkEvent>>);

impl LinkListener for Forward {
    fn on_event(&self, event: LinkEvent) -> Result<(), ListenerError> {
        let _ = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .send(event);
        Ok(())
    }
}

fn wait_for(
    events: &Receiver<LinkEvent>,
    what: &str,
    done: impl Fn(&LinkEvent) -> bool,
) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match events.recv_timeout(left) {
            Ok(e) if done(&e) => return Ok(()),
            Ok(_) => {}
            Err(_) => return Err(format!("the simulated pump: no {what} within 30 s")),
        }
    }
}

fn demo(args: &DemoArgs) -> Result<(), String> {
    let folders = tempfile::tempdir().map_err(|e| format!("cannot make a scratch folder: {e}"))?;
    let patient = crate::open(&folders.path().join("patient"), "UTC")?;
    let carer = crate::open(&folders.path().join("caregiver"), "UTC")?;
    let pc = patient.caregivers(Box::new(ReqwestHttp::new()));
    let cc = carer.caregivers(Box::new(ReqwestHttp::new()));
    let say = |line: String| {
        if !args.json {
            println!("{line}");
        }
    };
    let e = |e: thecal_core::CaregiverError| e.to_string();

    // Pairing.
    let invitation = block_on(pc.invite(args.relay.clone())).map_err(e)?;
    say(format!(
        "patient's phone shows the code {} (QR: {})",
        invitation.code, invitation.qr_text
    ));
    let mum = block_on(cc.accept_invitation(invitation.qr_text.clone(), None, "Mum".into()))
        .map_err(e)?;
    let anna = block_on(pc.read_mailbox(5))
        .map_err(e)?
        .paired
        .into_iter()
        .next()
        .ok_or("the caregiver's hello did not arrive")?;
    block_on(pc.rename(anna.clone(), "Anna".into())).map_err(e)?;
    let safety = block_on(pc.safety_number(anna.clone())).map_err(e)?;
    let on_carer = block_on(cc.safety_number(mum.id.clone())).map_err(e)?;
    if safety != on_carer {
        return Err("the two phones show different safety numbers: do not confirm".into());
    }
    say(format!(
        "both phones show the safety number {safety}: confirmed on both"
    ));
    block_on(pc.confirm(anna)).map_err(e)?;
    block_on(cc.confirm(mum.id)).map_err(e)?;

    // The patient's pump, linked.
    let pump = Arc::new(InProcessPump::from_config(SimConfig::implanted(
        21,
        SystemClock.now(),
    )));
    let transport = InProcessTransport::new(Arc::clone(&pump));
    let (tx, events) = channel();
    let link = patient.link();
    let _sub = block_on(link.subscribe(Box::new(Forward(std::sync::Mutex::new(tx)))))
        .map_err(|e| e.to_string())?;
    let fast = LinkConfig {
        backoff: BackoffConfig {
            initial: Duration::from_millis(10),
            max: Duration::from_millis(200),
        },
        scan_timeout: Duration::from_millis(200),
        away_backoff: None,
    };
    block_on(link.start_with(transport.clone(), fast)).map_err(|e| e.to_string())?;
    let found = block_on(link.discover(500)).map_err(|e| e.to_string())?;
    let device = found
        .into_iter()
        .find(|d| d.device_id == pump.device_id())
        .ok_or("the simulated pump is not in range")?;
    block_on(link.pair(device, pump.serial())).map_err(|e| e.to_string())?;
    wait_for(&events, "connection", |e| {
        matches!(
            e,
            LinkEvent::StateChanged {
                state: LinkState::Connected
            }
        )
    })?;
    say(format!(
        "patient's phone is linked to the simulated pump {}",
        pump.serial()
    ));

    let kinds: &[AlarmKind] = if args.once {
        &[AlarmKind::MotorStall]
    } else {
        &[
            AlarmKind::MotorStall,
            AlarmKind::CatheterOcclusion,
            AlarmKind::ReservoirEmpty,
        ]
    };
    let mut rounds = Vec::new();
    for kind in kinds {
        transport.raise_alarm(*kind);
        wait_for(&events, "alarm", |e| matches!(e, LinkEvent::Alarm { .. }))?;
        let t0 = Instant::now();
        let raised = block_on(pc.check_alerts()).map_err(e)?;
        let alert_id = raised.first().cloned().ok_or("the rules raised no alert")?;
        let mut received = None;
        while received.is_none() && t0.elapsed() < Duration::from_secs(30) {
            let read = block_on(cc.read_mailbox(25)).map_err(e)?;
            if let Some(id) = read.alerts.first() {
                received = block_on(cc.inbox())
                    .map_err(e)?
                    .into_iter()
                    .find(|a| &a.message_id == id);
            }
        }
        let alert = received.ok_or("the caregiver received nothing within 30 s")?;
        let latency = t0.elapsed();
        say(format!(
            "caregiver's phone: [{} priority] {}: {} (from {}, {:.0} ms after the pump's alarm was stored)",
            alert.priority.code(),
            alert.title,
            alert.body,
            alert.patient,
            latency.as_secs_f64() * 1e3
        ));
        block_on(cc.acknowledge(alert.message_id.clone())).map_err(e)?;
        say("caregiver acknowledged it".into());
        let mut deliveries: Vec<Delivery> = Vec::new();
        while t0.elapsed() < Duration::from_secs(30) {
            block_on(pc.read_mailbox(2)).map_err(e)?;
            deliveries = block_on(pc.deliveries(alert_id.clone())).map_err(e)?;
            if deliveries.iter().all(|d| d.acknowledged_at.is_some()) {
                break;
            }
        }
        for d in &deliveries {
            say(format!(
                "patient's phone: delivered to {} at {}, acknowledged by {} at {}",
                d.caregiver,
                d.delivered_at
                    .map_or("—".into(), |t| t.format("%H:%M:%S").to_string()),
                d.caregiver,
                d.acknowledged_at
                    .map_or("—".into(), |t| t.format("%H:%M:%S").to_string()),
            ));
        }
        rounds.push(json!({
            "alarm": format!("{kind:?}"),
            "caregiver_received": {
                "priority": alert.priority.code(),
                "title": alert.title,
                "body": alert.body,
                "from": alert.patient,
            },
            "latency_ms": (latency.as_secs_f64() * 1e3).round(),
            "patient_sees": deliveries.iter().map(|d| json!({
                "caregiver": d.caregiver,
                "delivered_at": d.delivered_at.map(|t| t.to_rfc3339()),
                "acknowledged_at": d.acknowledged_at.map(|t| t.to_rfc3339()),
            })).collect::<Vec<_>>(),
        }));
        transport.clear_alarm(*kind);
        wait_for(&events, "cleared alarm", |e| {
            matches!(e, LinkEvent::Alarm { .. })
        })?;
        block_on(pc.check_alerts()).map_err(e)?;
    }
    block_on(link.stop());
    if args.json {
        println!(
            "{}",
            json!({"code": invitation.code, "safety_number": safety, "rounds": rounds})
        );
    }
    drop((patient, carer));
    Ok(())
}
