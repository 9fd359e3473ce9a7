//! `thecal-relay`: runs the caregiver relay (see relay/README.md).

use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use thecal_relay::clock::{Clock, FileClock, SystemClock};
use thecal_relay::push::{ApnsConfig, FcmConfig, PushConfig};
use thecal_relay::{Config, Limits, Relay, StoreConfig};

/// Thecal's caregiver relay: mailboxes of ciphertext, push, heartbeats and escalations.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Address to listen on (loopback by default; put a TLS reverse proxy in front).
    #[arg(long, default_value = "127.0.0.1:8484")]
    listen: SocketAddr,
    /// SQLite data folder (one relay process).
    #[arg(
        long,
        conflicts_with = "postgres",
        required_unless_present = "postgres"
    )]
    data: Option<PathBuf>,
    /// PostgreSQL URL (several relay processes may share it).
    #[arg(long)]
    postgres: Option<String>,
    /// PostgreSQL connections per pool (two pools: durable writes, and the rest).
    #[arg(long, default_value_t = 16)]
    pg_pool: usize,
    /// Largest envelope, bytes.
    #[arg(long, default_value_t = 65_536)]
    max_envelope: usize,
    /// Most pending items per mailbox.
    #[arg(long, default_value_t = 1_000)]
    mailbox_depth: u32,
    /// Furthest expiry, days.
    #[arg(long, default_value_t = 14)]
    max_ttl_days: i64,
    /// Requests per second per device key (sustained).
    #[arg(long, default_value_t = 50.0)]
    rate: f64,
    /// Burst per device key.
    #[arg(long, default_value_t = 200.0)]
    burst: f64,
    /// Background work interval, milliseconds.
    #[arg(long, default_value_t = 1_000)]
    tick_ms: u64,
    /// Sweep interval for expired rows, seconds.
    #[arg(long, default_value_t = 10)]
    sweep_s: u64,
    /// APNs .p8 key file (enables APNs).
    #[arg(long, requires_all = ["apns_key_id", "apns_team_id"])]
    apns_key: Option<PathBuf>,
    /// APNs key id.
    #[arg(long)]
    apns_key_id: Option<String>,
    /// APNs team id.
    #[arg(long)]
    apns_team_id: Option<String>,
    /// APNs production base URL.
    #[arg(long, default_value = "https://api.push.apple.com")]
    apns_endpoint: String,
    /// APNs sandbox base URL.
    #[arg(long, default_value = "https://api.sandbox.push.apple.com")]
    apns_sandbox_endpoint: String,
    /// FCM service account JSON (enables FCM).
    #[arg(long)]
    fcm_service_account: Option<PathBuf>,
    /// FCM v1 base URL.
    #[arg(long, default_value = "https://fcm.googleapis.com")]
    fcm_endpoint: String,
    /// OAuth token URL (default: the service account's token_uri).
    #[arg(long)]
    fcm_token_uri: Option<String>,
    /// Extra root CA (PEM) to trust for push endpoints (test setups).
    #[arg(long)]
    push_root_ca: Option<PathBuf>,
    /// Accept http:// UnifiedPush endpoints (tests only).
    #[arg(long, hide = true)]
    unifiedpush_allow_http: bool,
    /// Read the time from this file (Unix seconds): tests drive several relays' clock.
    #[arg(long, hide = true)]
    test_clock_file: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let args = Args::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("thecal-relay: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let store = match (&args.data, &args.postgres) {
        (Some(dir), _) => StoreConfig::Sqlite(dir.clone()),
        (None, Some(url)) => StoreConfig::Postgres {
            url: url.clone(),
            pool: args.pg_pool,
        },
        (None, None) => return Err("give --data DIR or --postgres URL".into()),
    };
    let clock: Arc<dyn Clock> = match &args.test_clock_file {
        Some(p) => Arc::new(FileClock(p.clone())),
        None => Arc::new(SystemClock),
    };
    let limits = Limits {
        max_envelope: args.max_envelope,
        max_body: args.max_envelope * 3 / 2,
        mailbox_depth: args.mailbox_depth,
        max_ttl_s: args.max_ttl_days * 86_400,
        rate_per_s: args.rate,
        rate_burst: args.burst,
        ..Limits::default()
    };
    let apns = match (&args.apns_key, &args.apns_key_id, &args.apns_team_id) {
        (Some(k), Some(id), Some(team)) => Some(ApnsConfig {
            key_path: k.clone(),
            key_id: id.clone(),
            team_id: team.clone(),
            endpoint: args.apns_endpoint.clone(),
            sandbox_endpoint: args.apns_sandbox_endpoint.clone(),
        }),
        _ => None,
    };
    let fcm = args.fcm_service_account.as_ref().map(|p| FcmConfig {
        service_account_path: p.clone(),
        endpoint: args.fcm_endpoint.clone(),
        token_uri: args.fcm_token_uri.clone(),
    });
    let push = PushConfig {
        apns,
        fcm,
        extra_root_pem: args.push_root_ca.clone(),
        unifiedpush_allow_http: args.unifiedpush_allow_http,
    };
    let cfg = Config {
        store,
        limits,
        push,
        clock,
        tick: Duration::from_millis(args.tick_ms.max(10)),
        sweep_every: Duration::from_secs(args.sweep_s.max(1)),
    };
    let relay = Relay::open(cfg).await?;
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, store = relay.store().kind(), "thecal-relay listening");
    // Tests read this line to learn the port when they pass port 0.
    println!("listening on {addr}");
    relay.serve(listener, shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
