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
use thecal_core::l10n::Language;
use thecal_core::link::{
    BackoffConfig, BtleplugTransport, CONNECTED_RADIO_DUTY_PERMILLE, Freshness, LinkConfig,
    LinkEvent, LinkFailure, LinkListener, LinkState, ListenerError, RadioUsage,
};
use thecal_core::model::{
    AlarmKind, AlarmPriority, BatteryIndicator, Clock, PumpKind, UtcDateTime, Zone,
};
use thecal_core::store::Store;
use thecal_core::therapy::{ForecastConfidence, ResidualCheck, ResidualFinding, alarm_text};
use thecal_core::{Thecal, ThecalConfig};
use thecal_sim::InProcessPump;
use thecal_sim::pump::sim_time;

mod words;

use words::Words;

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
    /// The language of the dashboard: en, es, fr, de, it, pt or ar (right to left); default:
    /// the system's (`LC_ALL`, `LC_MESSAGES`, `LANG`), else English.
    #[arg(long)]
    lang: Option<String>,
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
struct FeedListener(Arc<Feed>, Arc<DemoClock>, Language);

impl LinkListener for FeedListener {
    fn on_event(&self, event: LinkEvent) -> Result<(), ListenerError> {
        let w = Words::new(self.2);
        let line = match event {
            LinkEvent::StateChanged { state } => Some((
                w.labelled("link-label", &state_text(&state, w)),
                Color::Gray,
            )),
            LinkEvent::PumpIdentified { info } => Some((
                w.fmt(
                    "event-pump-identified",
                    &[
                        ("model", info.model.as_str().into()),
                        ("serial", info.serial.as_str().into()),
                    ],
                ),
                Color::Gray,
            )),
            LinkEvent::Alarm { alarm } => Some((
                w.fmt(
                    "event-alarm",
                    &[(
                        "alarm",
                        alarm_text(alarm.kind, alarm.priority, self.2).name.into(),
                    )],
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
            LinkEvent::LinkLost { .. } => Some((w.get("event-link-lost"), Color::Yellow)),
            LinkEvent::Failed { failure } => Some((failure.to_string(), Color::Magenta)),
            LinkEvent::Paired { pump } => Some((
                w.fmt(
                    "event-paired",
                    &[
                        ("model", pump.model.as_str().into()),
                        ("serial", pump.serial.as_str().into()),
                    ],
                ),
                Color::Gray,
            )),
            LinkEvent::Unpaired { serial, .. } => Some((
                w.fmt("event-unpaired", &[("serial", serial.as_str().into())]),
                Color::Gray,
            )),
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
    let language = thecal.set_languages(requested_languages(args.lang.as_deref())?);
    let transport = rt
        .block_on(BtleplugTransport::new())
        .map_err(|e| e.to_string())?;
    let feed = Arc::new(Feed::default());
    let _subscription = rt
        .block_on(thecal.link().subscribe(Box::new(FeedListener(
            feed.clone(),
            clock.clone(),
            language,
        ))))
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

/// The languages to ask for: `--lang` (refused if Thecal does not speak it), else the system's
/// locale variables, most specific first.
fn requested_languages(lang: Option<&str>) -> Result<Vec<String>, String> {
    if let Some(lang) = lang {
        return match Language::from_code(lang) {
            Some(l) => Ok(vec![l.code().to_owned()]),
            None => Err(format!(
                "no such language: {lang} (Thecal speaks en, es, fr, de, it, pt and ar)"
            )),
        };
    }
    Ok(["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .filter(|v| !v.is_empty() && v != "C" && v != "POSIX")
        .collect())
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
                state_text(&d.link_state, Words::new(Language::English))
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
        let w = Words::new(thecal.language());
        if let Err(e) = terminal.draw(|f| draw(f, &d, radio_per_hour, feed, tz, &message, w)) {
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
                            a.words.name
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
    w: Words,
) {
    let [header, gauges, alarms, events, footer] = Layout::vertical([
        Constraint::Length(5),
        Constraint::Length(9),
        Constraint::Min(7),
        Constraint::Length(8),
        Constraint::Length(1),
    ])
    .areas(f.area());
    draw_header(f, header, d, radio_per_hour, tz, w);
    let [first, second] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(gauges);
    // Reading order: the reservoir first, at the right in a right-to-left language.
    let (reservoir, battery) = if w.language().is_rtl() {
        (second, first)
    } else {
        (first, second)
    };
    draw_reservoir(f, reservoir, d, tz, w);
    draw_battery(f, battery, d, w);
    draw_alarms(f, alarms, d, tz, w);
    draw_events(f, events, feed, tz, w);
    f.render_widget(
        Paragraph::new(message.to_owned()).style(Style::new().fg(Color::DarkGray)),
        footer,
    );
}

fn block(w: Words, title_id: &str) -> Block<'static> {
    Block::new()
        .borders(Borders::ALL)
        .title(Line::from(w.title(title_id)).alignment(w.alignment()))
}

/// A local time as "12 March 14:05".
fn day_time(t: UtcDateTime, tz: Zone, w: Words) -> String {
    let local = t.with_timezone(&tz);
    format!(
        "{} {}",
        w.texts().day_month(local.date_naive()),
        local.format("%H:%M")
    )
}

fn draw_header(
    f: &mut Frame<'_>,
    area: Rect,
    d: &Dashboard,
    radio_per_hour: u64,
    tz: Zone,
    w: Words,
) {
    let pump = d.pump.as_ref().map_or_else(
        || w.get("pump-none"),
        |p| {
            w.fmt(
                "pump-line",
                &[
                    ("manufacturer", p.manufacturer.as_str().into()),
                    ("model", p.model.as_str().into()),
                    ("serial", p.serial.as_str().into()),
                ],
            )
        },
    );
    let (fresh, color) = match d.freshness {
        Freshness::Fresh => ("freshness-fresh", Color::Green),
        Freshness::Updating => ("freshness-updating", Color::Yellow),
        Freshness::Stale => ("freshness-stale", Color::Yellow),
        Freshness::VeryStale => ("freshness-very-stale", Color::Red),
        Freshness::NoData => ("freshness-no-data", Color::Gray),
    };
    let age = d
        .last_reading_age
        .map_or_else(|| "—".into(), |a| human_age_in(a, w));
    let link_color = if d.link_state == LinkState::Connected {
        Color::Green
    } else {
        Color::Yellow
    };
    let dot = || Span::raw("  ·  ");
    let link_label = w.label_parts("link-label");
    let lines = vec![
        w.line(vec![Span::styled(
            pump,
            Style::new().add_modifier(Modifier::BOLD),
        )]),
        w.line(vec![
            Span::raw(link_label.0),
            Span::styled(state_text(&d.link_state, w), Style::new().fg(link_color)),
            Span::raw(link_label.1),
            dot(),
            Span::raw(w.fmt(
                "link-via",
                &[("transport", d.transport.as_deref().unwrap_or("—").into())],
            )),
            dot(),
            Span::raw(w.fmt("link-rejected", &[("count", d.frames_rejected.into())])),
            dot(),
            Span::raw(w.fmt(
                "link-radio",
                &[(
                    "seconds",
                    w.texts().fixed(radio_per_hour as f64 / 1000.0, 1).into(),
                )],
            )),
        ]),
        w.line(vec![
            Span::raw(w.fmt("last-reading", &[("age", age.into())])),
            Span::raw(" · "),
            Span::styled(w.get(fresh), Style::new().fg(color)),
            dot(),
            Span::raw(w.fmt(
                "now",
                &[(
                    "time",
                    format!("{} ({})", day_time(d.generated_at, tz, w), tz.name()).into(),
                )],
            )),
        ]),
    ];
    f.render_widget(Paragraph::new(lines).block(block(w, "app-title")), area);
}

fn draw_reservoir(f: &mut Frame<'_>, area: Rect, d: &Dashboard, tz: Zone, w: Words) {
    let block = block(w, "section-reservoir");
    let Some(r) = &d.reservoir else {
        f.render_widget(
            Paragraph::new(w.text_line(&w.get("no-reading"))).block(block),
            area,
        );
        return;
    };
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [gauge, text] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    let color = if r.is_low { Color::Red } else { Color::Cyan };
    let t = w.texts();
    f.render_widget(
        Gauge::default()
            .gauge_style(Style::new().fg(color))
            .ratio((r.percent / 100.0).clamp(0.0, 1.0))
            .label(w.vis(&w.fmt(
                "reservoir-gauge",
                &[
                    ("volume", t.fixed(r.volume.milliliters(), 1).into()),
                    ("capacity", t.number(r.capacity.milliliters(), 0).into()),
                    ("percent", t.number(r.percent, 0).into()),
                ],
            ))),
        gauge,
    );
    let say = |s: &Option<String>| s.clone().unwrap_or_else(|| "—".into());
    let uses = r
        .daily_volume
        .map_or_else(|| "—".into(), |v| t.fixed(v.milliliters(), 2));
    let low_label = w.label_parts("low");
    let mut lines = vec![
        w.text_line(&w.fmt("uses-per-day", &[("volume", uses.into())])),
        w.line(vec![
            Span::raw(low_label.0),
            Span::styled(
                if r.is_low {
                    w.get("low-now")
                } else {
                    say(&d.dates.reservoir_low)
                },
                Style::new().fg(if r.is_low { Color::Red } else { Color::White }),
            ),
            Span::raw(low_label.1),
        ]),
        w.text_line(&w.labelled("empty", &say(&d.dates.reservoir_empty))),
    ];
    if let Some(check) = d.refills_to_discuss.first().and_then(|r| r.residual_check) {
        lines.push(w.line(vec![Span::styled(
            format!("⚑ {}", refill_check_words(&check, w)),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        )]));
    }
    if let Some(refill) = &d.last_refill {
        let mut spans = vec![Span::raw(w.fmt(
            "last-refill",
            &[
                (
                    "date",
                    t.date(refill.at.with_timezone(&tz).date_naive()).into(),
                ),
                ("drug", format!("{:?}", refill.drug).into()),
                ("concentration", refill.concentration.to_string().into()),
                (
                    "dose",
                    w.dose_per_day(refill.daily_dose.micrograms_per_day).into(),
                ),
            ],
        ))];
        if refill.drug_changed || refill.concentration_changed {
            spans.push(Span::raw(format!("  ⚑ {}", w.get("drug-changed"))));
        }
        lines.push(w.line(spans));
    }
    f.render_widget(
        Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: true }),
        text,
    );
}

fn draw_battery(f: &mut Frame<'_>, area: Rect, d: &Dashboard, w: Words) {
    let block = block(w, "section-battery");
    let Some(b) = &d.battery else {
        f.render_widget(
            Paragraph::new(w.text_line(&w.get("no-reading"))).block(block),
            area,
        );
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
    let say = |s: &Option<String>| s.clone().unwrap_or_else(|| w.get("not-enough-history"));
    let what = if b.replaceable {
        "replace-battery"
    } else {
        "plan-pump-replacement"
    };
    let sureness = match b.eri.map(|r| r.confidence) {
        Some(ForecastConfidence::High) if b.eri_seen_at.is_none() => {
            format!(" {}", w.get("confidence-high"))
        }
        Some(ForecastConfidence::Low) => format!(" {}", w.get("confidence-low")),
        _ => String::new(),
    };
    let mut lines =
        vec![w.text_line(&w.labelled(what, &format!("{}{sureness}", say(&d.dates.battery_eri))))];
    if !b.replaceable {
        lines.push(w.text_line(&w.labelled("infusion-stops", &say(&d.dates.battery_eos))));
    }
    if let Some(days) = b.days_to_eos {
        lines.push(w.line(vec![Span::styled(
            w.fmt("eri-reached", &[("days", days.into())]),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        )]));
    }
    f.render_widget(
        Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: true }),
        text,
    );
}

/// A flagged refill in words a patient can act on.
fn refill_check_words(check: &ResidualCheck, w: Words) -> String {
    let percent = check.difference_percent.unsigned_abs();
    match check.finding {
        ResidualFinding::MoreLeftThanExpected => {
            w.fmt("refill-more-left", &[("percent", percent.into())])
        }
        ResidualFinding::LessLeftThanExpected => {
            w.fmt("refill-less-left", &[("percent", percent.into())])
        }
        ResidualFinding::AsExpected => w.get("refill-as-expected"),
    }
}

fn draw_alarms(f: &mut Frame<'_>, area: Rect, d: &Dashboard, tz: Zone, w: Words) {
    let cell = |text: String, style: Style| {
        Cell::from(Line::from(w.vis(&text)).alignment(w.alignment())).style(style)
    };
    let rows: Vec<Row<'_>> = d
        .alarms
        .iter()
        .map(|a| {
            let color = priority_color(a.alarm.priority);
            Row::new(w.columns(vec![
                cell(
                    a.words.priority.to_uppercase(),
                    Style::new().fg(color).add_modifier(Modifier::BOLD),
                ),
                cell(a.words.name.clone(), Style::new()),
                cell(
                    a.alarm
                        .raised_at
                        .map_or_else(|| "—".into(), |t| day_time(t, tz, w)),
                    Style::new(),
                ),
                cell(
                    w.get(match a.current {
                        AlarmCurrentState::Active => "alarm-active",
                        AlarmCurrentState::Unknown => "alarm-unknown",
                    }),
                    Style::new(),
                ),
                cell(
                    if a.alarm.app_acknowledged_at.is_some() {
                        w.get("alarm-acknowledged")
                    } else {
                        String::new()
                    },
                    Style::new(),
                ),
            ]))
        })
        .collect();
    let title = w.fmt("section-alarms", &[("count", d.alarms.len().into())]);
    let block = Block::new()
        .borders(Borders::ALL)
        .title(Line::from(format!(" {} ", w.vis(&title))).alignment(w.alignment()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    // What to do about the most urgent alarm, under the table: its advice and, while no
    // clinician has reviewed it in this language, the note saying so.
    let advice: Vec<Line<'_>> = d
        .alarms
        .iter()
        .max_by_key(|a| a.alarm.priority)
        .map(|a| {
            let mut lines = vec![w.line(vec![Span::styled(
                format!("⚑ {}", w.label_value(&a.words.name, &a.words.advice)),
                Style::new()
                    .fg(priority_color(a.alarm.priority))
                    .add_modifier(Modifier::BOLD),
            )])];
            if let Some(note) = &a.words.note {
                lines.push(w.line(vec![Span::styled(
                    note.clone(),
                    Style::new().fg(Color::DarkGray),
                )]));
            }
            lines
        })
        .unwrap_or_default();
    let [table_area, advice_area] = Layout::vertical([
        Constraint::Min(2),
        Constraint::Length(u16::try_from(advice.len() * 2).unwrap_or(4)),
    ])
    .areas(inner);
    let widths = w.columns(vec![
        Constraint::Length(9),
        Constraint::Min(24),
        Constraint::Length(16),
        Constraint::Length(22),
        Constraint::Length(13),
    ]);
    let header = Row::new(w.columns(vec![
        cell(String::new(), Style::new()),
        cell(w.get("column-alarm"), Style::new()),
        cell(w.get("column-raised"), Style::new()),
        cell(w.get("column-state"), Style::new()),
        cell(String::new(), Style::new()),
    ]))
    .style(Style::new().fg(Color::DarkGray));
    f.render_widget(Table::new(rows, widths).header(header), table_area);
    f.render_widget(
        Paragraph::new(advice).wrap(ratatui::widgets::Wrap { trim: true }),
        advice_area,
    );
}

fn draw_events(f: &mut Frame<'_>, area: Rect, feed: &Feed, tz: Zone, w: Words) {
    let lines: Vec<Line<'_>> = feed
        .lines
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .take(usize::from(area.height.saturating_sub(2)))
        .map(|(t, text, color)| {
            w.line(vec![
                Span::styled(
                    format!("{}  ", day_time(*t, tz, w)),
                    Style::new().fg(Color::DarkGray),
                ),
                Span::styled(text.clone(), Style::new().fg(*color)),
            ])
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(block(w, "section-events")),
        area,
    );
}

fn state_text(state: &LinkState, w: Words) -> String {
    match state {
        LinkState::Idle => w.get("link-idle"),
        LinkState::Scanning => w.get("link-scanning"),
        LinkState::Connecting => w.get("link-connecting"),
        LinkState::Connected => w.get("link-connected"),
        LinkState::Reconnecting { attempt, .. } => {
            w.fmt("link-reconnecting", &[("attempt", (*attempt).into())])
        }
        LinkState::NotPaired => w.get("link-not-paired"),
        LinkState::Failed { failure, .. } => w.fmt(
            "link-failed",
            &[("failure", failure_text(failure, w).into())],
        ),
        LinkState::Stopped => w.get("link-stopped"),
    }
}

fn failure_text(f: &LinkFailure, w: Words) -> String {
    w.get(match f {
        LinkFailure::BluetoothOff => "failure-bluetooth-off",
        LinkFailure::PermissionDenied => "failure-permission",
        LinkFailure::PumpNotFound { .. } => "failure-out-of-range",
        LinkFailure::PairingRefused => "failure-pairing-refused",
        LinkFailure::PumpMismatch { .. } => "failure-mismatch",
        LinkFailure::StorageFailed { .. } => "failure-storage",
        LinkFailure::Internal { .. } => "failure-internal",
    })
}

fn priority_color(p: AlarmPriority) -> Color {
    match p {
        AlarmPriority::High => Color::Red,
        AlarmPriority::Medium => Color::Yellow,
        AlarmPriority::Low => Color::Cyan,
    }
}

/// An age at the precision a person reads, in the demo's language: "42 s", "30 min", "5 h",
/// "9 days".
fn human_age_in(d: Duration, w: Words) -> String {
    let s = d.as_secs();
    let (id, n) = match s {
        0..=89 => ("age-seconds", s),
        90..=5_399 => ("age-minutes", (s + 30) / 60),
        5_400..=172_799 => ("age-hours", (s + 1_800) / 3_600),
        _ => ("age-days", (s + 43_200) / 86_400),
    };
    w.fmt(id, &[("n", n.into())])
}

/// An age at the precision a person reads, in English: "42 s", "30 min", "5 h", "9 days".
pub(crate) fn human_age(d: Duration) -> String {
    human_age_in(d, Words::new(Language::English))
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
