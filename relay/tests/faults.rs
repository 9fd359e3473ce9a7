//! Faults: kill -9 of a relay while devices post and fetch, on SQLite and on PostgreSQL with two
//! relays (the other keeps serving), and PostgreSQL restarted under load (the relays reconnect by
//! themselves). Nothing accepted (2xx) may be lost, and what is delivered is byte for byte what
//! was posted; a re-delivery after a kill is allowed (at least once) and counted, since clients
//! drop duplicates by message id. Trials: THECAL_FAULT_TRIALS (default 3).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, Env, T0};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use thecal_relay::client::{Client, Device, fake_envelope};
use thecal_relay::proto::{EnvelopeHeader, MailboxId, b64u, from_b64u};
use tokio::sync::Mutex;

#[derive(Default)]
struct Traffic {
    accepted: Mutex<HashMap<String, Vec<u8>>>,
    delivered: Mutex<HashMap<String, Vec<u8>>>,
    redelivered: AtomicU64,
    refused: AtomicU64,
    stop: AtomicBool,
    accepted_at: Mutex<Vec<Instant>>,
}

fn trials() -> usize {
    std::env::var("THECAL_FAULT_TRIALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
}

/// Posts envelopes one after another; retries each (on every relay in turn) until a 2xx.
async fn sender(mut c: Client, urls: Vec<String>, to: MailboxId, t: Arc<Traffic>) {
    let mut seq = 0;
    let mut turn = 0;
    while !t.stop.load(Ordering::SeqCst) {
        seq += 1;
        let id = thecal_relay::store::random16();
        let h = EnvelopeHeader {
            kind: 1,
            recipient: to,
            sender: c.device.mailbox,
            message_id: id,
            seq,
            expires_at: u64::try_from(T0 + 86_400).unwrap(),
        };
        let env = fake_envelope(&h, &seq.to_be_bytes());
        loop {
            match c.post(&env).await {
                Ok(r) if r.status == 201 || r.status == 200 => {
                    t.accepted.lock().await.insert(b64u(&id), env.clone());
                    t.accepted_at.lock().await.push(Instant::now());
                    break;
                }
                Ok(r) => {
                    assert!(
                        r.status == 503,
                        "unexpected refusal {} {}",
                        r.status,
                        String::from_utf8_lossy(&r.body)
                    );
                    t.refused.fetch_add(1, Ordering::Relaxed);
                }
                Err(_) => {
                    t.refused.fetch_add(1, Ordering::Relaxed);
                }
            }
            if t.stop.load(Ordering::SeqCst) {
                return;
            }
            turn += 1;
            c.set_base(&urls[turn % urls.len()]);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Long-polls and acknowledges; switches relay on errors.
async fn receiver(mut c: Client, urls: Vec<String>, t: Arc<Traffic>) {
    let mut turn = 0;
    while !t.stop.load(Ordering::SeqCst) {
        let r = match c.fetch(1, 100).await {
            Ok(r) if r.status == 200 => r,
            _ => {
                turn += 1;
                c.set_base(&urls[turn % urls.len()]);
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let v = r.json();
        let mut ids = Vec::new();
        for item in v["messages"].as_array().unwrap() {
            let id = item["id"].as_str().unwrap().to_owned();
            let env = from_b64u(item["envelope"].as_str().unwrap()).unwrap();
            let mut d = t.delivered.lock().await;
            if let Some(prev) = d.insert(id.clone(), env.clone()) {
                assert_eq!(prev, env, "a re-delivery carries the same bytes");
                t.redelivered.fetch_add(1, Ordering::Relaxed);
            }
            ids.push(id);
        }
        if !ids.is_empty() {
            let _ = c.ack(&ids).await;
        }
    }
}

async fn accepted_count(t: &Traffic) -> usize {
    t.accepted.lock().await.len()
}

/// Waits until `n` more envelopes were accepted.
async fn progress(t: &Traffic, n: usize, what: &str) {
    let target = accepted_count(t).await + n;
    let deadline = Instant::now() + Duration::from_secs(60);
    while accepted_count(t).await < target {
        assert!(Instant::now() < deadline, "no progress {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn finish(t: Arc<Traffic>, tasks: Vec<tokio::task::JoinHandle<()>>) {
    // Stop the senders, let the receivers drain everything accepted, then stop them.
    let senders: Vec<_> = tasks.into_iter().collect();
    t.stop.store(true, Ordering::SeqCst);
    for s in senders {
        let _ = s.await;
    }
    let accepted = t.accepted.lock().await.clone();
    let delivered = t.delivered.lock().await.clone();
    let missing: Vec<_> = accepted
        .keys()
        .filter(|k| !delivered.contains_key(*k))
        .collect();
    assert!(!accepted.is_empty());
    eprintln!(
        "accepted {}, delivered {}, missing before drain {}, re-delivered {}, refused attempts {}",
        accepted.len(),
        delivered.len(),
        missing.len(),
        t.redelivered.load(Ordering::Relaxed),
        t.refused.load(Ordering::Relaxed)
    );
    for (id, env_bytes) in &accepted {
        if let Some(d) = delivered.get(id) {
            assert_eq!(d, env_bytes, "delivered bytes differ from posted bytes");
        }
    }
}

/// The receivers are stopped by `finish`; this drains the two receiver mailboxes directly.
async fn drain_and_check(t: &Traffic, receivers: &[Client]) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        for r in receivers {
            if let Ok(reply) = r.fetch(0, 100).await
                && reply.status == 200
            {
                {
                    let v = reply.json();
                    let mut ids = Vec::new();
                    for item in v["messages"].as_array().unwrap() {
                        let id = item["id"].as_str().unwrap().to_owned();
                        let env_b = from_b64u(item["envelope"].as_str().unwrap()).unwrap();
                        if t.delivered.lock().await.insert(id.clone(), env_b).is_some() {
                            t.redelivered.fetch_add(1, Ordering::Relaxed);
                        }
                        ids.push(id);
                    }
                    if !ids.is_empty() {
                        let _ = r.ack(&ids).await;
                    }
                }
            }
        }
        let acc = t.accepted.lock().await;
        let del = t.delivered.lock().await;
        let missing = acc.keys().filter(|k| !del.contains_key(*k)).count();
        if missing == 0 {
            eprintln!(
                "all {} accepted envelopes delivered ({} re-deliveries, dropped by id)",
                acc.len(),
                t.redelivered.load(Ordering::Relaxed)
            );
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{missing} accepted envelopes were lost"
        );
        drop((acc, del));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Traffic with receivers whose clients we keep for the final drain.
async fn run_with_faults(mut env: Env, fault: impl Fn(&mut Env, usize)) {
    let urls: Vec<String> = env.relays.iter().map(common::RelayProc::url).collect();
    let t = Arc::new(Traffic::default());
    let mut tasks = Vec::new();
    let mut keep = Vec::new();
    for i in 0..2 {
        let seed: [u8; 32] = thecal_relay::store::random16()
            .repeat(2)
            .try_into()
            .unwrap();
        let rx = env.client(i, Device::from_seed(&seed));
        assert_eq!(rx.open().await.unwrap().status, 201);
        let to = rx.device.mailbox;
        keep.push(env.client(i, Device::from_seed(&seed)));
        let sx = env.client(i + 1, Device::random());
        tasks.push(tokio::spawn(receiver(rx, urls.clone(), Arc::clone(&t))));
        tasks.push(tokio::spawn(sender(sx, urls.clone(), to, Arc::clone(&t))));
    }
    progress(&t, 20, "before the first fault").await;
    for trial in 0..trials() {
        let env_ref = &mut env;
        tokio::task::block_in_place(|| fault(env_ref, trial));
        progress(&t, 20, "after a fault").await;
    }
    finish(Arc::clone(&t), tasks).await;
    // Fresh receivers on the live relays drain the rest.
    let live: Vec<Client> = keep
        .into_iter()
        .enumerate()
        .map(|(i, mut c)| {
            c.set_base(&env.url(i));
            c
        })
        .collect();
    drain_and_check(&t, &live).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_kill9_loses_nothing() {
    let env = Env::start(Backend::Sqlite, &[]);
    run_with_faults(env, |env, _| {
        std::thread::sleep(Duration::from_millis(150));
        env.relays[0].kill9();
        env.relays[0].restart();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_kill9_of_one_relay_the_other_keeps_serving() {
    let env = Env::start(Backend::Postgres, &[]);
    run_with_faults(env, |env, trial| {
        let victim = trial % 2;
        std::thread::sleep(Duration::from_millis(150));
        env.relays[victim].kill9();
        // While it is down, the other relay serves: a device posts and fetches through it.
        let other = env.url(victim + 1);
        let rt = tokio::runtime::Handle::current();
        rt.block_on(async {
            let mut c = env.client(0, Device::random());
            c.set_base(&other);
            assert_eq!(
                c.open().await.unwrap().status,
                201,
                "the surviving relay serves"
            );
            let h = EnvelopeHeader {
                kind: 1,
                recipient: c.device.mailbox,
                sender: c.device.mailbox,
                message_id: [trial as u8 + 1; 16],
                seq: 1,
                expires_at: u64::try_from(T0 + 600).unwrap(),
            };
            assert_eq!(c.post(&fake_envelope(&h, b"")).await.unwrap().status, 201);
            assert_eq!(
                c.fetch(0, 10).await.unwrap().json()["messages"]
                    .as_array()
                    .unwrap()
                    .len(),
                1
            );
        });
        env.relays[victim].restart();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restart_under_load_relays_reconnect() {
    let env = Env::start(Backend::Postgres, &[]);
    run_with_faults(env, |env, _| {
        std::thread::sleep(Duration::from_millis(150));
        env.pg.as_ref().unwrap().restart();
    })
    .await;
}
