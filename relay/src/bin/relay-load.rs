//! `relay-load`: a load driver for the relay, run as a second process (see relay/README.md).
//!
//! Opens N receiver mailboxes, each long-polled by its own task that acknowledges what it gets;
//! S sender tasks post envelopes (signed, each its own device) to random receivers for D seconds.
//! Each envelope carries its send time, so the receiver measures delivery latency (post start to
//! fetched). At the end it waits until every accepted envelope was delivered, and prints
//! accepted envelopes/s, p50/p99 latency, and any loss (exit status 1 if anything accepted was
//! not delivered).

use clap::Parser;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use thecal_relay::client::{Client, Device, fake_envelope};
use thecal_relay::clock::SystemClock;
use thecal_relay::proto::{EnvelopeHeader, from_b64u};
use tokio::sync::Mutex;

/// Load driver for thecal-relay.
#[derive(Parser, Debug, Clone)]
struct Args {
    /// Relay base URLs; senders and receivers are spread over them round-robin.
    #[arg(long = "url", required = true)]
    urls: Vec<String>,
    /// Receiver mailboxes (each long-polled by one task).
    #[arg(long, default_value_t = 200)]
    mailboxes: usize,
    /// Concurrent sender tasks (each its own device).
    #[arg(long, default_value_t = 32)]
    senders: usize,
    /// Seconds of sending.
    #[arg(long, default_value_t = 10)]
    duration_s: u64,
    /// Envelope size, bytes (a sealed alert is about 350).
    #[arg(long, default_value_t = 350)]
    size: usize,
    /// Seconds to wait for the last deliveries.
    #[arg(long, default_value_t = 30)]
    drain_s: u64,
    /// Long-poll wait, seconds.
    #[arg(long, default_value_t = 10)]
    wait_s: u32,
    /// Label printed with the figures.
    #[arg(long, default_value = "run")]
    label: String,
}

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

#[derive(Default)]
struct Shared {
    accepted: Mutex<HashSet<[u8; 16]>>,
    delivered: Mutex<HashSet<[u8; 16]>>,
    latencies_us: Mutex<Vec<u64>>,
    duplicates: AtomicU64,
    refused: AtomicU64,
    errors: AtomicU64,
    stop_receivers: AtomicBool,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let http = match reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .timeout(Duration::from_secs(60))
        .build()
    {
        Ok(h) => h,
        Err(e) => {
            eprintln!("http client: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let shared = Arc::new(Shared::default());
    let clock = Arc::new(SystemClock);

    // Receivers: open mailboxes first.
    let mut receivers = Vec::new();
    for i in 0..args.mailboxes {
        let c = Client::new(
            http.clone(),
            &args.urls[i % args.urls.len()],
            Device::random(),
            clock.clone(),
        );
        match c.open().await {
            Ok(r) if r.status == 200 || r.status == 201 => {}
            Ok(r) => {
                eprintln!(
                    "open mailbox: HTTP {} {}",
                    r.status,
                    String::from_utf8_lossy(&r.body)
                );
                return std::process::ExitCode::FAILURE;
            }
            Err(e) => {
                eprintln!("open mailbox: {e}");
                return std::process::ExitCode::FAILURE;
            }
        }
        receivers.push(c);
    }
    let targets: Arc<Vec<_>> = Arc::new(receivers.iter().map(|c| c.device.mailbox).collect());
    let mut recv_tasks = Vec::new();
    for c in receivers {
        let shared = Arc::clone(&shared);
        let wait = args.wait_s;
        recv_tasks.push(tokio::spawn(async move { receive(c, &shared, wait).await }));
    }

    let start = Instant::now();
    let deadline = start + Duration::from_secs(args.duration_s);
    let mut send_tasks = Vec::new();
    for i in 0..args.senders {
        let c = Client::new(
            http.clone(),
            &args.urls[i % args.urls.len()],
            Device::random(),
            clock.clone(),
        );
        let shared = Arc::clone(&shared);
        let targets = Arc::clone(&targets);
        let size = args.size;
        send_tasks.push(tokio::spawn(async move {
            send(c, &shared, &targets, deadline, size).await
        }));
    }
    for t in send_tasks {
        let _ = t.await;
    }
    let send_secs = start.elapsed().as_secs_f64();
    let accepted_n = shared.accepted.lock().await.len();

    // Drain: wait until every accepted envelope was delivered.
    let drain_deadline = Instant::now() + Duration::from_secs(args.drain_s);
    loop {
        let missing = {
            let acc = shared.accepted.lock().await;
            let del = shared.delivered.lock().await;
            acc.difference(&del).count()
        };
        if missing == 0 || Instant::now() > drain_deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    shared.stop_receivers.store(true, Ordering::SeqCst);
    for t in recv_tasks {
        t.abort();
    }
    let acc = shared.accepted.lock().await;
    let del = shared.delivered.lock().await;
    let missing = acc.difference(&del).count();
    let mut lat = shared.latencies_us.lock().await.clone();
    lat.sort_unstable();
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return f64::NAN;
        }
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let i = (((lat.len() - 1) as f64) * p).round() as usize;
        #[allow(clippy::cast_precision_loss)]
        let v = lat[i] as f64 / 1000.0;
        v
    };
    #[allow(clippy::cast_precision_loss)]
    let rate = accepted_n as f64 / send_secs;
    let report = serde_json::json!({
        "label": args.label,
        "relays": args.urls.len(),
        "mailboxes": args.mailboxes,
        "senders": args.senders,
        "seconds": (send_secs * 10.0).round() / 10.0,
        "accepted": accepted_n,
        "accepted_per_s": rate.round(),
        "delivered": del.len(),
        "missing": missing,
        "duplicate_deliveries": shared.duplicates.load(Ordering::Relaxed),
        "refused": shared.refused.load(Ordering::Relaxed),
        "errors": shared.errors.load(Ordering::Relaxed),
        "latency_ms_p50": (pct(0.50) * 10.0).round() / 10.0,
        "latency_ms_p99": (pct(0.99) * 10.0).round() / 10.0,
        "latency_ms_max": (pct(1.0) * 10.0).round() / 10.0,
        "driver_cpu_s": own_cpu_seconds(),
    });
    println!("{report}");
    println!(
        "{}: {} accepted in {:.1} s = {:.0} envelopes/s; delivered {}/{} (missing {}); latency p50 {:.1} ms, p99 {:.1} ms",
        args.label,
        accepted_n,
        send_secs,
        rate,
        del.len(),
        accepted_n,
        missing,
        pct(0.5),
        pct(0.99)
    );
    if missing > 0 || accepted_n == 0 {
        std::process::ExitCode::FAILURE
    } else {
        std::process::ExitCode::SUCCESS
    }
}

/// This process's CPU time (user + system), from /proc; 0 where there is no /proc.
fn own_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|u| u.parse::<f64>().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    // USER_HZ is 100 on Linux.
    ticks / 100.0
}

async fn send(
    c: Client,
    shared: &Shared,
    targets: &[thecal_relay::proto::MailboxId],
    deadline: Instant,
    size: usize,
) {
    let mut seq = 0u64;
    let pad = size.saturating_sub(66 + 32 + 16 + 8);
    while Instant::now() < deadline {
        seq += 1;
        let to = targets[fastrand::usize(..targets.len())];
        let id = thecal_relay::store::random16();
        let h = EnvelopeHeader {
            kind: 1,
            recipient: to,
            sender: c.device.mailbox,
            message_id: id,
            seq,
            expires_at: u64::try_from(chrono::Utc::now().timestamp() + 3600).unwrap_or(0),
        };
        let mut payload = now_ns().to_be_bytes().to_vec();
        payload.resize(8 + pad, 0x42);
        let env = fake_envelope(&h, &payload);
        match c.post(&env).await {
            Ok(r) if r.status == 201 || r.status == 200 => {
                shared.accepted.lock().await.insert(id);
            }
            Ok(r) => {
                shared.refused.fetch_add(1, Ordering::Relaxed);
                if shared.refused.load(Ordering::Relaxed) < 5 {
                    eprintln!(
                        "post refused: {} {}",
                        r.status,
                        String::from_utf8_lossy(&r.body)
                    );
                }
            }
            Err(_) => {
                shared.errors.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

async fn receive(c: Client, shared: &Shared, wait: u32) {
    // Fetch once, then acknowledge-and-fetch-next: one request per delivery round.
    let mut pending: Vec<String> = Vec::new();
    while !shared.stop_receivers.load(Ordering::SeqCst) {
        let reply = if pending.is_empty() {
            c.fetch(wait, 100).await
        } else {
            c.ack_next(&pending, wait, 100).await
        };
        let r = match reply {
            Ok(r) if r.status == 200 => r,
            Ok(_) | Err(_) => {
                shared.errors.fetch_add(1, Ordering::Relaxed);
                pending.clear();
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        let got = now_ns();
        pending.clear();
        let v = r.json();
        let Some(items) = v.get("messages").and_then(|m| m.as_array()) else {
            continue;
        };
        for item in items {
            let Some(id_s) = item.get("id").and_then(|i| i.as_str()) else {
                continue;
            };
            pending.push(id_s.to_owned());
            let Some(env) = item
                .get("envelope")
                .and_then(|e| e.as_str())
                .and_then(from_b64u)
            else {
                continue;
            };
            let Ok(h) = EnvelopeHeader::parse(&env) else {
                continue;
            };
            let fresh = shared.delivered.lock().await.insert(h.message_id);
            if !fresh {
                shared.duplicates.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            if env.len() >= 66 + 32 + 8 {
                let mut t = [0u8; 8];
                t.copy_from_slice(&env[98..106]);
                let sent = u64::from_be_bytes(t);
                shared
                    .latencies_us
                    .lock()
                    .await
                    .push(got.saturating_sub(sent) / 1000);
            }
        }
    }
}
