//! `thecal demo`: the live dashboard against the simulated pump, through the real BLE stack.
//!
//! It starts a private D-Bus bus with a simulated BlueZ, puts a simulated pump behind it (with
//! months of history already in a throwaway store), connects to it through btleplug exactly as
//! the desktop build would to a real pump, and shows the dashboard live. Simulated time runs
//! fast (`--speed`), so refills, alarms and the battery move while you watch.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::TimeZone;
use ratatui::Frame;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Gauge, Paragraph, Row, Table};
use thecal_bluez_sim::{BluezSim, PrivateBus, PumpPeripheral, SIM_PASSKEY};
use thecal_core::dashboard::{AlarmCurrentState, Dashboard};
use thecal_core::link::{
    BackoffConfig, BtleplugTransport, CONNECTED_RADIO_DUTY_PERMILLE, Freshness, LinkConfig,
    LinkEvent, LinkFailure, LinkListener, LinkState, ListenerError, RadioUsage,
};
use thecal_core::model::{
    AlarmKind, AlarmPriority, BatteryIndicator, Clock, PumpKind, UtcDateTime, Zone, local_date,
};
use thecal_core::store::Store;
use thecal_core::therapy::{ForecastConfidence, ResidualCheck, ResidualFinding};
use thecal_core::{Thecal, ThecalConfig};
use thecal_sim::InProcessPump;
use thecal_sim::pump::sim_time;

/// Where the demo keeps its data unless told otherwise: `$XDG_STATE_HOME/thecal/demo`, else
/// `~/.local/state/thecal/demo`, else the system's temporary folder.
pub(crate) fn default_data_dir() -> PathBuf {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("thecal").join("demo")
}

/// Options of `thecal demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Simulated seconds per real second.
    #[arg(long, default_value_t = 1800)]
    speed: u32,
    /// Days of pump history written before the live link starts.
    #[arg(long, default_value_t = 400)]
    history_days: u32,
    /// Seed of the simulated pump.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Implanted or external pump.
    #[arg(long, value_enum, default_value_t = Kind::Implanted)]
    kind: Kind,
    /// The patient's time zone.
    #[arg(long, default_value = "Europe/Paris")]
    tz: String,
    /// The data folder (default: the demo's own folder, emptied at each start and kept
    /// afterwards for `thecal status --demo`; see `default_data_dir`).
    #[arg(long)]
    db: Option<PathBuf>,
    /// Print one snapshot as JSON once the pump is connected and its history synced, and exit.
    #[arg(long)]
    once: bool,
    /// With --once: print JSON (the only format of --once).
    #[arg(long, requires = "once")]
    json: bool,
    /// Other patients' pumps nearby (a waiting room): the first advertises the paired pump's
    /// serial as its name, the second a name containing it, the third reports the paired serial
    /// in its Device Information from another BLE identity; the link must ignore them all.
    #[arg(long, default_value_t = 0)]
    strangers: u8,
}

/// The pump kind on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Kind {
    Implanted,
    External,
}

/// Simulated time: `start` plus the real time since launch × speed.
#[derive(Debug)]
struct DemoClock {
    start: UtcDateTime,
    launched: Instant,
    speed: u32,
}

impl Clock for DemoClock {
    fn now(&self) -> UtcDateTime {
        sim_time(self.start, self.launched.elapsed(), self.speed)
    }
}

/// Recent link events for the event pane, fed by a live subscription.
#[derive(Debug, Default)]
struct Feed {
    lines: Mutex<VecDeque<(UtcDateTime, String, Color)>>,
    synced: std::sync::atomic::AtomicBool,
}

#[derive(Debug)]
struct FeedListener(Arc<Feed>, Arc<DemoClock>);

impl LinkListener for FeedListener {
    fn on_event(&self, event: LinkEvent) -> Result<(), ListenerError> {
        let line = match event {
            LinkEvent::StateChanged { state } => {
                Some((format!("link: {}", state_text(&state)), Color::Gray))
            }
            LinkEvent::PumpIdentified { info } => Some((
                format!("pump identified: {} {}", info.model, info.serial),
                Color::Gray,
            )),
            LinkEvent::Alarm { alarm } => Some((
                format!(
                    "alarm #{} {:?}: {}",
                    alarm.sequence,
                    alarm.state,
                    alarm_text(alarm.kind)
                ),
                priority_color(alarm.priority),
            )),
            LinkEvent::History { event } => Some((
                format!(
                    "pump history #{}: {}",
                    event.sequence,
                    event.type_code().replace('_', " ")
                ),
                Color::Gray,
            )),
            LinkEvent::FrameRejected { reason, .. } => {
                Some((format!("frame rejected: {reason}"), Color::Magenta))
            }
            LinkEvent::HistoryLost { first, last } => Some((
                format!("history {first}–{last} lost in the pump"),
                Color::Magenta,
            )),
            LinkEvent::HistorySynced { .. } => {
                self.0
                    .synced
                    .store(true, std::sync::atomic::Ordering::SeqCst);
                None
            }
            LinkEvent::LinkLost { .. } => {
                Some(("link lost: reconnecting on its own".into(), Color::Yellow))
            }
            LinkEvent::Failed { failure } => Some((failure.to_string(), Color::Magenta)),
            LinkEvent::Paired { pump } => Some((
                format!(
                    "paired: {} {} ({})",
                    pump.model, pump.serial, pump.ble_identity
                ),
                Color::Gray,
            )),
            LinkEvent::Unpaired { serial, .. } => {
                Some((format!("unpaired: {serial}"), Color::Gray))
            }
            LinkEvent::Snapshot { .. } | LinkEvent::Reading { .. } => None,
        };
        if let Some((text, color)) = line {
            let mut lines = self.0.lines.lock().unwrap_or_else(PoisonError::into_inner);
            lines.push_front((self.1.now(), text, color));
            lines.truncate(50);
        }
        Ok(())
    }
}

/// Runs the command. `bus` must have been exported as the system bus before any thread started.
pub fn run(args: &Args, bus: &PrivateBus) -> Result<(), String> {
    let tz: Zone = args
        .tz
        .parse()
        .map_err(|_| format!("unknown time zone {}", args.tz))?;
    let dir = match &args.db {
        Some(db) => db.clone(),
        None => {
            let dir = default_data_dir();
            // The demo's own folder starts empty each time: its backstory is written anew.
            if dir.exists() {
                std::fs::remove_dir_all(&dir)
                    .map_err(|e| format!("cannot empty {}: {e}", dir.display()))?;
            }
            dir
        }
    };
    let history_start = chrono::Utc
        .with_ymd_and_hms(2026, 1, 5, 8, 0, 0)
        .single()
        .ok_or("bad start date")?;
    // The backstory: months of readings and pump history, written straight into the store.
    let kind = match args.kind {
        Kind::Implanted => PumpKind::Implanted,
        Kind::External => PumpKind::External,
    };
    let (sim, _) = {
        let store = Store::open_in_dir(&dir).map_err(|e| e.to_string())?;
        crate::sim::write_history(&store, kind, args.seed, history_start, args.history_days)?
    };
    let live_start = sim.now();
    let clock = Arc::new(DemoClock {
        start: live_start,
        launched: Instant::now(),
        speed: args.speed.max(1),
    });
    let pump = Arc::new(InProcessPump::from_sim(sim));

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let sim = rt
        .block_on(BluezSim::start(bus.address()))
        .map_err(|e| format!("simulated BlueZ: {e}"))?;
    let serial = pump.serial();
    let peripheral = PumpPeripheral::new(
        pump,
        "C0:FF:EE:00:00:07".parse().map_err(|_| "bad address")?,
    );
    rt.block_on(sim.add_device(peripheral.clone()))
        .map_err(|e| e.to_string())?;
    for i in 0..args.strangers {
        let (reported, name) = match i {
            0 => (None, Some(serial.clone())),
            1 => (None, Some(format!("Thecal {serial}"))),
            2 => (Some(serial.clone()), None),
            _ => (None, None),
        };
        let stranger = InProcessPump::stranger(
            1000 + u64::from(i),
            kind,
            live_start,
            format!("stranger-{i}"),
            reported,
            name.clone(),
        );
        let address = format!("C0:FF:EE:00:01:{i:02X}");
        let p = PumpPeripheral::with(
            stranger,
            address.parse().map_err(|_| "bad address")?,
            Some(111_111 + u32::from(i)),
            name,
        );
        rt.block_on(sim.add_device(p)).map_err(|e| e.to_string())?;
    }

    let config = ThecalConfig {
        time_zone: args.tz.clone(),
        ..ThecalConfig::default()
    };
    let secrets = Arc::new(crate::keys::FileSecretStore::in_data_dir(&dir));
    let thecal = Thecal::open_with_clock(&dir, &config, clock.clone(), secrets)
        .map_err(|e| e.to_string())?;
    let transport = rt
        .block_on(BtleplugTransport::new())
        .map_err(|e| e.to_string())?;
    let feed = Arc::new(Feed::default());
    let _subscription = rt
        .block_on(
            thecal
                .link()
                .subscribe(Arc::new(FeedListener(feed.clone(), clock.clone()))),
        )
        .map_err(|e| e.to_string())?;
    let link_config = LinkConfig {
        backoff: BackoffConfig {
            initial: Duration::from_millis(250),
            max: Duration::from_secs(5),
        },
        scan_timeout: Duration::from_secs(2),
        away_backoff: Some(BackoffConfig {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(8),
        }),
    };
    // The pump's pairing code, as the clinic's printout gives it.
    transport.set_pairing_passkey(Some(SIM_PASSKEY));
    rt.block_on(thecal.link().start_with(Arc::new(transport), link_config))
        .map_err(|e| e.to_string())?;
    rt.block_on(pair(&thecal, &peripheral.address().object_name(), &serial))?;

    // The pump's world moves with the simulated clock.
    let ticker = {
        let peripheral = peripheral.clone();
        let clock = clock.clone();
        rt.spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(200));
            loop {
                tick.tick().await;
                peripheral.advance_to(clock.now()).await;
            }
        })
    };

    let result = if args.once {
        once(&thecal, &feed, &rt, &sim)
    } else {
        interactive(&thecal, &feed, &rt, &sim, &peripheral, tz)
    };
    ticker.abort();
    rt.block_on(thecal.link().stop());
    drop(thecal);
    let _ = rt.block_on(sim.stop());
    result
}

/// Pairs the patient's pump as a person would: the pumps nearby are listed, the patient picks
/// theirs (here: by its address, `object_name`, standing in for the person's choice) and
/// confirms its serial from the clinic's printout; the link checks it. No other pump is
/// connected to.
async fn pair(thecal: &Thecal, object_name: &str, serial: &str) -> Result<(), String> {
    let link = thecal.link();
    let nearby = link.discover(3000).await.map_err(|e| e.to_string())?;
    let device = nearby
        .into_iter()
        .find(|d| d.device_id.ends_with(object_name))
        .ok_or("the pump was not seen nearby")?;
    link.pair(device, serial.to_owned())
        .await
        .map(|_| ())
        .map_err(|e| format!("could not pair the pump: {e}"))
}

fn once(
    thecal: &Thecal,
    feed: &Feed,
    rt: &tokio::runtime::Runtime,
    sim: &BluezSim,
) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let d = rt.block_on(thecal.dashboard()).map_err(|e| e.to_string())?;
        let ready = d.link_state == LinkState::Connected
            && d.freshness == Freshness::Fresh
            && feed.synced.load(std::sync::atomic::Ordering::SeqCst);
        if ready {
            // The dashboard (of the paired pump only), with the pairing, the radio's cost and
            // every device the simulated BlueZ was asked to connect to (strangers: never).
            let mut connected_to: Vec<String> =
                sim.connect_log().iter().map(ToString::to_string).collect();
            connected_to.dedup();
            let snap = rt
                .block_on(thecal.link().snapshot())
                .map_err(|e| e.to_string())?;
            let mut v = serde_json::to_value(&d).map_err(|e| e.to_string())?;
            if let Some(o) = v.as_object_mut() {
                o.insert(
                    "paired".into(),
                    serde_json::to_value(&snap.paired).map_err(|e| e.to_string())?,
                );
                o.insert(
                    "radio".into(),
                    serde_json::to_value(snap.radio).map_err(|e| e.to_string())?,
                );
                o.insert("connected_to".into(), connected_to.into());
            }
            println!(
                "{}",
                serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?
            );
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the pump did not connect within 60 s (link: {})",
                state_text(&d.link_state)
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn interactive(
    thecal: &Thecal,
    feed: &Feed,
    rt: &tokio::runtime::Runtime,
    sim: &BluezSim,
    peripheral: &Arc<PumpPeripheral>,
    tz: Zone,
) -> Result<(), String> {
    let mut terminal = ratatui::init();
    let mut message = String::from(
        "q quit · d drop the link · p pump away/back · a acknowledge alarm · f raise a fault",
    );
    let mut away = false;
    let mut radio_window = RadioWindow::default();
    let result = loop {
        let d = match rt.block_on(thecal.dashboard()) {
            Ok(d) => d,
            Err(e) => break Err(e.to_string()),
        };
        let radio = rt.block_on(thecal.link().radio_usage()).unwrap_or_default();
        let radio_per_hour = radio_window.push(radio);
        if let Err(e) = terminal.draw(|f| draw(f, &d, radio_per_hour, feed, tz, &message)) {
            break Err(e.to_string());
        }
        match event::poll(Duration::from_millis(250)) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => break Err(e.to_string()),
        }
        let Ok(Event::Key(key)) = event::read() else {
            continue;
        };
        if key.kind != KeyEventKind::Press {
            continue;
        }
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => break Ok(()),
            KeyCode::Char('d') => {
                message = match rt.block_on(sim.drop_link(peripheral.address())) {
                    Ok(()) => "link dropped by the simulated radio: watch it reconnect".into(),
                    Err(e) => format!("could not drop the link: {e}"),
                };
            }
            KeyCode::Char('p') => {
                away = !away;
                message = match rt.block_on(sim.set_reachable(peripheral.address(), !away)) {
                    Ok(()) if away => {
                        "your pump is out of range: the link ignores every other pump".into()
                    }
                    Ok(()) => "your pump is back in range".into(),
                    Err(e) => format!("could not move the pump: {e}"),
                };
            }
            KeyCode::Char('a') => {
                message = match d
                    .alarms
                    .iter()
                    .find(|a| a.alarm.app_acknowledged_at.is_none())
                {
                    Some(a) => match rt.block_on(thecal.pumps().acknowledge_alarm(a.alarm.id)) {
                        Ok(_) => format!(
                            "acknowledged in the app: {} (never sent to the pump)",
                            alarm_text(a.alarm.kind)
                        ),
                        Err(e) => e.to_string(),
                    },
                    None => "no alarm to acknowledge".into(),
                };
            }
            KeyCode::Char('f') => {
                rt.block_on(peripheral.raise_alarm(AlarmKind::CatheterOcclusion));
                message = "the simulated pump raised a catheter alarm".into();
            }
            _ => {}
        }
    };
    ratatui::restore();
    result
}

/// The radio's cost over the last minute: the link counts since it started, and the demo
/// shows how the cost changes when the pump goes away and comes back.
#[derive(Debug, Default)]
struct RadioWindow(VecDeque<RadioUsage>);

impl RadioWindow {
    const SPAN_MS: u64 = 60_000;

    /// Adds a sample; returns the radio-on milliseconds per hour over the window.
    fn push(&mut self, sample: RadioUsage) -> u64 {
        if self
            .0
            .back()
            .is_some_and(|last| sample.elapsed_ms < last.elapsed_ms)
        {
            // The link restarted (a new pairing): its counts started again.
            self.0.clear();
        }
        self.0.push_back(sample);
        while self.0.len() > 2
            && self.0.front().is_some_and(|first| {
                sample.elapsed_ms.saturating_sub(first.elapsed_ms) > Self::SPAN_MS
            })
        {
            self.0.pop_front();
        }
        let on = |r: &RadioUsage| r.scan_ms + r.connected_ms * CONNECTED_RADIO_DUTY_PERMILLE / 1000;
        match self.0.front() {
            Some(first) if sample.elapsed_ms > first.elapsed_ms => {
                on(&sample).saturating_sub(on(first)) * 3_600_000
                    / (sample.elapsed_ms - first.elapsed_ms)
            }
            _ => sample.radio_on_ms_per_hour,
        }
    }
}

fn draw(
    f: &mut Frame<'_>,
    d: &Dashboard,
    radio_per_hour: u64,
    feed: &Feed,
    tz: Zone,
    message: &str,
) {
    let [header, gauges, alarms, events, footer] = Layout::vertical([
        Constraint::Length(5),
        Constraint::Length(9),
        Constraint::Min(5),
        Constraint::Length(8),
        Constraint::Length(1),
    ])
    .areas(f.area());
    draw_header(f, header, d, radio_per_hour, tz);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(gauges);
    draw_reservoir(f, left, d, tz);
    draw_battery(f, right, d);
    draw_alarms(f, alarms, d, tz);
    draw_events(f, events, feed, tz);
    f.render_widget(
        Paragraph::new(message.to_owned()).style(Style::new().fg(Color::DarkGray)),
        footer,
    );
}

fn draw_header(f: &mut Frame<'_>, area: Rect, d: &Dashboard, radio_per_hour: u64, tz: Zone) {
    let pump = d.pump.as_ref().map_or_else(
        || "no pump paired yet".to_owned(),
        |p| format!("{} {} · serial {}", p.manufacturer, p.model, p.serial),
    );
    let (fresh, color) = match d.freshness {
        Freshness::Fresh => ("fresh", Color::Green),
        Freshness::Updating => ("updating…", Color::Yellow),
        Freshness::Stale => ("STALE", Color::Yellow),
        Freshness::VeryStale => ("VERY STALE", Color::Red),
        Freshness::NoData => ("no data yet", Color::Gray),
    };
    let age = d.last_reading_age.map_or_else(|| "—".into(), human_age);
    let link_color = if d.link_state == LinkState::Connected {
        Color::Green
    } else {
        Color::Yellow
    };
    let lines = vec![
        Line::from(vec![Span::styled(
            pump,
            Style::new().add_modifier(Modifier::BOLD),
        )]),
        Line::from(vec![
            Span::raw("Link: "),
            Span::styled(state_text(&d.link_state), Style::new().fg(link_color)),
            Span::raw(format!("  via {}", d.transport.as_deref().unwrap_or("—"))),
            Span::raw(format!("  ·  rejected frames {}", d.frames_rejected)),
            Span::raw(format!(
                "  ·  radio on {:.1} s/h (last minute)",
                radio_per_hour as f64 / 1000.0
            )),
        ]),
        Line::from(vec![
            Span::raw(format!("Last reading {age} ago · ")),
            Span::styled(fresh, Style::new().fg(color)),
            Span::raw(format!(
                "  ·  now {} ({})",
                d.generated_at
                    .with_timezone(&tz)
                    .format("%a %d %b %Y %H:%M"),
                tz.name()
            )),
        ]),
    ];
    f.render_widget(
        Paragraph::new(lines).block(
            Block::new()
                .borders(Borders::ALL)
                .title(" Thecal · simulated pump "),
        ),
        area,
    );
}

fn draw_reservoir(f: &mut Frame<'_>, area: Rect, d: &Dashboard, tz: Zone) {
    let block = Block::new().borders(Borders::ALL).title(" Reservoir ");
    let Some(r) = &d.reservoir else {
        f.render_widget(Paragraph::new("No reading yet.").block(block), area);
        return;
    };
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [gauge, text] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    let color = if r.is_low { Color::Red } else { Color::Cyan };
    f.render_widget(
        Gauge::default()
            .gauge_style(Style::new().fg(color))
            .ratio((r.percent / 100.0).clamp(0.0, 1.0))
            .label(format!(
                "{:.1} of {:.0} mL ({:.0} %)",
                r.volume.milliliters(),
                r.capacity.milliliters(),
                r.percent
            )),
        gauge,
    );
    let say = |s: &Option<String>| s.clone().unwrap_or_else(|| "—".into());
    let mut lines = vec![
        Line::from(format!(
            "Uses {} a day",
            r.daily_volume
                .map_or_else(|| "—".into(), |v| format!("{:.2} mL", v.milliliters()))
        )),
        Line::from(vec![
            Span::raw("Low: "),
            Span::styled(
                if r.is_low {
                    "NOW: book a refill".into()
                } else {
                    say(&d.dates.reservoir_low)
                },
                Style::new().fg(if r.is_low { Color::Red } else { Color::White }),
            ),
        ]),
        Line::from(format!("Empty: {}", say(&d.dates.reservoir_empty))),
    ];
    if let Some(check) = d.refills_to_discuss.first().and_then(|r| r.residual_check) {
        lines.push(Line::from(Span::styled(
            format!("⚑ {}", refill_check_words(&check)),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        )));
    }
    if let Some(refill) = &d.last_refill {
        let flag = if refill.drug_changed || refill.concentration_changed {
            "  ⚑ drug/strength changed"
        } else {
            ""
        };
        lines.push(Line::from(format!(
            "Last refill {}: {:?} {}, {}{flag}",
            local_date(refill.at, tz),
            refill.drug,
            refill.concentration,
            refill.daily_dose
        )));
    }
    f.render_widget(
        Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: true }),
        text,
    );
}

fn draw_battery(f: &mut Frame<'_>, area: Rect, d: &Dashboard) {
    let block = Block::new().borders(Borders::ALL).title(" Battery ");
    let Some(b) = &d.battery else {
        f.render_widget(Paragraph::new("No reading yet.").block(block), area);
        return;
    };
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [gauge, text] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    let color = match b.indicator {
        BatteryIndicator::Normal => Color::Green,
        BatteryIndicator::ElectiveReplacement => Color::Yellow,
        BatteryIndicator::EndOfService => Color::Red,
    };
    f.render_widget(
        Gauge::default()
            .gauge_style(Style::new().fg(color))
            .percent(u16::from(b.percent.min(100)))
            .label(format!("{} %", b.percent)),
        gauge,
    );
    let say = |s: &Option<String>| s.clone().unwrap_or_else(|| "not enough history yet".into());
    let what = if b.replaceable {
        "Replace battery"
    } else {
        "Plan pump replacement"
    };
    let sureness = match b.eri.map(|r| r.confidence) {
        Some(ForecastConfidence::High) if b.eri_seen_at.is_none() => " (high confidence)",
        Some(ForecastConfidence::Low) => " (a rough estimate)",
        _ => "",
    };
    let mut lines = vec![Line::from(format!(
        "{what}: {}{sureness}",
        say(&d.dates.battery_eri)
    ))];
    if !b.replaceable {
        lines.push(Line::from(format!(
            "Infusion stops: {}",
            say(&d.dates.battery_eos)
        )));
    }
    if let Some(days) = b.days_to_eos {
        lines.push(Line::from(Span::styled(
            format!("ERI reached: {days} days left before infusion stops"),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        )));
    }
    f.render_widget(
        Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: true }),
        text,
    );
}

/// A flagged refill in words a patient can act on.
fn refill_check_words(check: &ResidualCheck) -> String {
    let how_much = check.difference_percent.unsigned_abs();
    match check.finding {
        ResidualFinding::MoreLeftThanExpected => format!(
            "At the last refill {how_much} % more was left than the pump expected: less drug may have reached you. Talk to your clinic."
        ),
        ResidualFinding::LessLeftThanExpected => format!(
            "At the last refill {how_much} % less was left than the pump expected: more drug may have reached you. Talk to your clinic."
        ),
        ResidualFinding::AsExpected => "The last refill was as expected.".into(),
    }
}

fn draw_alarms(f: &mut Frame<'_>, area: Rect, d: &Dashboard, tz: Zone) {
    let rows: Vec<Row<'_>> = d
        .alarms
        .iter()
        .map(|a| {
            let color = priority_color(a.alarm.priority);
            Row::new(vec![
                Cell::from(format!("{:?}", a.alarm.priority).to_uppercase())
                    .style(Style::new().fg(color).add_modifier(Modifier::BOLD)),
                Cell::from(alarm_text(a.alarm.kind)),
                Cell::from(a.alarm.raised_at.map_or_else(
                    || "—".into(),
                    |t| t.with_timezone(&tz).format("%d %b %H:%M").to_string(),
                )),
                Cell::from(match a.current {
                    AlarmCurrentState::Active => "active",
                    AlarmCurrentState::Unknown => "unknown (link down)",
                }),
                Cell::from(if a.alarm.app_acknowledged_at.is_some() {
                    "acknowledged"
                } else {
                    ""
                }),
            ])
        })
        .collect();
    let title = format!(" Alarms ({}) ", d.alarms.len());
    let table = Table::new(
        rows,
        [
            Constraint::Length(7),
            Constraint::Min(24),
            Constraint::Length(13),
            Constraint::Length(20),
            Constraint::Length(13),
        ],
    )
    .header(
        Row::new(vec!["", "alarm", "raised", "state", ""]).style(Style::new().fg(Color::DarkGray)),
    )
    .block(Block::new().borders(Borders::ALL).title(title));
    f.render_widget(table, area);
}

fn draw_events(f: &mut Frame<'_>, area: Rect, feed: &Feed, tz: Zone) {
    let lines: Vec<Line<'_>> = feed
        .lines
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .take(usize::from(area.height.saturating_sub(2)))
        .map(|(t, text, color)| {
            Line::from(vec![
                Span::styled(
                    t.with_timezone(&tz).format("%d %b %H:%M  ").to_string(),
                    Style::new().fg(Color::DarkGray),
                ),
                Span::styled(text.clone(), Style::new().fg(*color)),
            ])
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(Block::new().borders(Borders::ALL).title(" Live events ")),
        area,
    );
}

fn state_text(state: &LinkState) -> String {
    match state {
        LinkState::Idle => "idle".into(),
        LinkState::Scanning => "scanning".into(),
        LinkState::Connecting => "connecting".into(),
        LinkState::Connected => "Connected".into(),
        LinkState::Reconnecting {
            attempt,
            retry_in_ms,
        } => format!("reconnecting (try {attempt}, next in {retry_in_ms} ms)"),
        LinkState::NotPaired => "no pump paired".into(),
        LinkState::Failed {
            failure,
            retry_in_ms,
        } => format!("{} (next try in {retry_in_ms} ms)", failure_text(failure)),
        LinkState::Stopped => "stopped".into(),
    }
}

fn failure_text(f: &LinkFailure) -> String {
    match f {
        LinkFailure::BluetoothOff => "Bluetooth off".into(),
        LinkFailure::PermissionDenied => "Bluetooth not permitted".into(),
        LinkFailure::PumpNotFound { .. } => "your pump is out of range".into(),
        LinkFailure::PairingRefused => "pairing refused".into(),
        LinkFailure::PumpMismatch { what } => format!("a pump whose {what} does not match"),
        LinkFailure::StorageFailed { .. } => "cannot save (storage)".into(),
        LinkFailure::Internal { .. } => "internal error, restarting".into(),
    }
}

fn priority_color(p: AlarmPriority) -> Color {
    match p {
        AlarmPriority::High => Color::Red,
        AlarmPriority::Medium => Color::Yellow,
        AlarmPriority::Low => Color::Cyan,
    }
}

fn alarm_text(kind: AlarmKind) -> String {
    match kind {
        AlarmKind::ReservoirLow => "Reservoir low: book a refill".into(),
        AlarmKind::ReservoirEmpty => "Reservoir empty: call your clinic now".into(),
        AlarmKind::BatteryElectiveReplacement => "Battery: plan the replacement".into(),
        AlarmKind::BatteryEndOfService => "Battery end of service: infusion stopped".into(),
        AlarmKind::CatheterOcclusion => "Catheter problem: call your clinic now".into(),
        AlarmKind::MotorStall => "Pump motor stopped: call your clinic now".into(),
        AlarmKind::ClockError => "Pump clock needs setting".into(),
        AlarmKind::PumpFault => "Pump fault: call your clinic now".into(),
        AlarmKind::Unrecognised { code } => format!("Pump alarm {code:#06x}: call your clinic"),
    }
}

/// An age at the precision a person reads: "42 s", "30 min", "5 h", "9 days".
pub(crate) fn human_age(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=89 => format!("{s} s"),
        90..=5_399 => format!("{} min", (s + 30) / 60),
        5_400..=172_799 => format!("{} h", (s + 1_800) / 3_600),
        _ => format!("{} days", (s + 43_200) / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(elapsed_ms: u64, scan_ms: u64, connected_ms: u64) -> RadioUsage {
        RadioUsage {
            elapsed_ms,
            scan_ms,
            connected_ms,
            ..RadioUsage::default()
        }
    }

    #[test]
    fn the_radio_window_measures_the_last_minute_only() {
        let mut w = RadioWindow::default();
        // A first minute of scanning half the time, then connected the whole time.
        w.push(usage(0, 0, 0));
        assert_eq!(w.push(usage(60_000, 30_000, 0)), 1_800_000);
        for t in 1..=12 {
            w.push(usage(60_000 + t * 10_000, 30_000, t * 10_000));
        }
        // Connected only: 3 per mille of the hour.
        assert_eq!(w.push(usage(190_000, 30_000, 130_000)), 10_800);
        // The link restarted: its counts start again.
        assert_eq!(w.push(usage(1_000, 500, 0)), 0);
        assert_eq!(w.push(usage(2_000, 1_000, 0)), 1_800_000);
    }
}
