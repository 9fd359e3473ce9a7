//! An alert from the patient's phone to a caregiver's and the receipts back, through a real relay:
//! stored before sent, opened only by the caregiver, delivered once, "delivered to Anna at …,
//! acknowledged by Anna at …" on the patient's phone; and no plaintext on the relay: not in its
//! files, not in its log at TRACE, not in the pushes it sends.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code: a failed unwrap is a failed test.

use thecal_alerts_tests::process::RelayProcess;
use thecal_alerts_tests::{Phone, TestRelay, World, pair, paired};
use thecal_core::alerts::NewAlert;
use thecal_core::alerts::http::{HttpClient as _, HttpHeader, HttpRequest};
use thecal_core::alerts::messages::{AlertCategory, AlertPriority};
use thecal_core::alerts::session::Error;
use thecal_core::alerts::signing;
use thecal_proto::{EnvelopeHeader, b64u, from_b64u};
use thecal_sim::http::ReqwestHttp;

fn pump_alarm() -> NewAlert {
    NewAlert {
        category: AlertCategory::PumpAlarm,
        priority: AlertPriority::High,
        title: "Pump alarm".into(),
        body: "Zqxwv Canary's pump reports a motor stall (morphine 4321 µg/day).".into(),
    }
}

#[tokio::test]
async fn an_alert_reaches_the_caregiver_and_her_receipts_come_back() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (patient, carer) = paired(&world, &relay).await;

    let alert_id = patient.session.raise(pump_alarm()).await.unwrap();
    let d = patient.session.deliveries(&alert_id).unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].caregiver, "Anna");
    assert!(d[0].sent_at.is_some(), "the relay took it: {d:?}");
    assert!(d[0].delivered_at.is_none());

    let report = carer.session.sync(0).await.unwrap();
    assert_eq!(report.alerts.len(), 1, "{report:?}");
    let inbox = carer.session.inbox().unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].patient, "Mum");
    assert_eq!(inbox[0].priority, AlertPriority::High);
    assert_eq!(inbox[0].body, pump_alarm().body);
    assert!(inbox[0].acknowledged_at.is_none());

    // The "delivered" receipt went back with the read.
    patient.session.sync(0).await.unwrap();
    let d = patient.session.deliveries(&alert_id).unwrap();
    assert!(d[0].delivered_at.is_some(), "{d:?}");
    assert!(d[0].acknowledged_at.is_none());

    world.advance(std::time::Duration::from_secs(90));
    carer
        .session
        .acknowledge(&inbox[0].message_id)
        .await
        .unwrap();
    let report = patient.session.sync(0).await.unwrap();
    assert_eq!(report.receipts, 1, "{report:?}");
    let d = patient.session.deliveries(&alert_id).unwrap();
    let (delivered, acked) = (d[0].delivered_at.unwrap(), d[0].acknowledged_at.unwrap());
    assert_eq!((acked - delivered).num_seconds(), 90);
    assert_eq!(
        d[0].seen_at, d[0].acknowledged_at,
        "acknowledging is seeing"
    );

    // Acknowledging again changes nothing and sends nothing; an unknown id is an error.
    carer
        .session
        .acknowledge(&inbox[0].message_id)
        .await
        .unwrap();
    assert_eq!(patient.session.sync(0).await.unwrap().receipts, 0);
    assert_eq!(
        carer.session.acknowledge("AAAAAAAAAAAAAAAAAAAAAA").await,
        Err(Error::UnknownAlert)
    );

    // Nothing readable on the relay: not in its database, not in its WAL.
    let stored = relay.stored_bytes();
    assert!(!stored.is_empty());
    for canary in [
        "Zqxwv",
        "Canary",
        "motor stall",
        "morphine",
        "4321",
        "Anna",
        "Mum",
    ] {
        assert!(
            !stored.windows(canary.len()).any(|w| w == canary.as_bytes()),
            "{canary} found in the relay's files"
        );
    }
}

#[tokio::test]
async fn an_alert_raised_while_the_relay_is_down_goes_once_it_is_back() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (patient, carer) = paired(&world, &relay).await;
    let dir = relay.dir.path().to_owned();
    let base = relay.base.clone();
    relay.stop_keeping_data().await;

    // Stored, not sent: raising does not fail for want of a relay.
    let alert_id = patient.session.raise(pump_alarm()).await.unwrap();
    let d = patient.session.deliveries(&alert_id).unwrap();
    assert!(d[0].sent_at.is_none(), "{d:?}");
    // Sending now fails quietly and waits (5 s, then longer).
    assert_eq!(patient.session.send_pending().await.unwrap(), 0);

    let relay = TestRelay::restart(&world, &dir, &base).await;
    // Not due yet: the backoff holds it.
    assert_eq!(patient.session.send_pending().await.unwrap(), 0);
    world.advance(std::time::Duration::from_secs(60));
    assert_eq!(patient.session.send_pending().await.unwrap(), 1);
    assert_eq!(
        patient.session.send_pending().await.unwrap(),
        0,
        "sent once"
    );
    let report = carer.session.sync(0).await.unwrap();
    assert_eq!(report.alerts.len(), 1, "{report:?}");
    assert_eq!(carer.session.inbox().unwrap().len(), 1);
    relay.stop().await;
}

/// Values that must never reach the relay readable: the two people's names, the alarm's text,
/// the drug and its dose.
const CANARIES: [&str; 7] = [
    "Zqxwvkt",
    "Yvrrkpa",
    "Canary",
    "motor stall",
    "morphine",
    "Ziconotide",
    "4321 µg/day",
];

#[tokio::test]
async fn nothing_readable_in_the_relays_files_its_trace_log_or_its_pushes() {
    let world = World::new();
    let (push_url, mut pushes) = push_endpoint().await;
    let mut relay = RelayProcess::start_logging(&world, "trace");
    let (patient, carer) = (Phone::new(&world), Phone::new(&world));
    pair(
        &patient,
        &carer,
        &relay.base,
        "Yvrrkpa Canary",
        "Zqxwvkt Canary",
    )
    .await;
    for (phone, name) in [(&patient, "patient"), (&carer, "carer")] {
        register_push(phone, &relay.base, &format!("{push_url}/up/{name}"), &world).await;
    }

    let alert = NewAlert {
        category: AlertCategory::PumpAlarm,
        priority: AlertPriority::High,
        title: "Ziconotide pump alarm".into(),
        body: "Zqxwvkt Canary's pump reports a motor stall (morphine 4321 µg/day); \
               Yvrrkpa Canary is called."
            .into(),
    };
    let alert_id = patient.session.raise(alert.clone()).await.unwrap();
    // The push to the caregiver's phone carries the sealed envelope, for her phone to open.
    let mut bodies = Vec::new();
    let (path, body) = next_push(&mut pushes).await;
    assert_eq!(path, "/up/carer");
    let pushed = sealed_envelope(&body);
    let carer_mailbox = carer.session.keys().unwrap().mailbox();
    assert_eq!(pushed.recipient, carer_mailbox);
    bodies.push(body);

    // It is the alert, and the canaries did travel in it.
    let read = carer.session.sync(0).await.unwrap();
    assert_eq!(read.alerts.len(), 1, "{read:?}");
    let inbox = carer.session.inbox().unwrap();
    assert_eq!(inbox[0].message_id, b64u(&pushed.message_id));
    assert_eq!(inbox[0].alert_id, alert_id);
    assert_eq!(inbox[0].patient, "Zqxwvkt Canary");
    assert_eq!(
        (&inbox[0].title, &inbox[0].body),
        (&alert.title, &alert.body)
    );

    // Her receipts (delivered, acknowledged) go back, each pushed to the patient's phone.
    carer
        .session
        .acknowledge(&inbox[0].message_id)
        .await
        .unwrap();
    let patient_mailbox = patient.session.keys().unwrap().mailbox();
    for _ in 0..2 {
        let (path, body) = next_push(&mut pushes).await;
        assert_eq!(path, "/up/patient");
        assert_eq!(sealed_envelope(&body).recipient, patient_mailbox);
        bodies.push(body);
    }
    assert_eq!(patient.session.sync(0).await.unwrap().receipts, 2);
    let d = patient.session.deliveries(&alert_id).unwrap();
    assert_eq!(d[0].caregiver, "Yvrrkpa Canary");
    assert!(d[0].acknowledged_at.is_some(), "{d:?}");

    // Searched: the relay's database and its WAL, running and after a kill -9 (nothing
    // checkpointed or cleaned up), its whole TRACE log, and every push body.
    let mut places: Vec<(String, Vec<u8>)> = Vec::new();
    let running = relay.stored_files();
    relay.kill9();
    let killed = relay.stored_files();
    for (when, files) in [("running", running), ("killed", killed)] {
        assert!(
            files
                .iter()
                .any(|(p, b)| p.to_string_lossy().ends_with("-wal") && !b.is_empty()),
            "a write-ahead log to search ({when})"
        );
        for (p, b) in files {
            places.push((format!("{} ({when})", p.display()), b));
        }
    }
    let log = relay.log();
    assert!(
        log.contains("thecal-relay listening") && log.contains("TRACE"),
        "the relay logged at TRACE"
    );
    places.push(("the relay's log".into(), log.into_bytes()));
    for (i, b) in bodies.into_iter().enumerate() {
        places.push((format!("push {i}"), b));
    }
    for (place, bytes) in &places {
        let bytes = bytes.to_ascii_lowercase();
        for canary in CANARIES {
            let canary = canary.to_ascii_lowercase();
            assert!(
                !bytes.windows(canary.len()).any(|w| w == canary.as_bytes()),
                "{canary:?} found in {place}"
            );
        }
    }
}

/// The sealed envelope a push body carries (the `thecal` object: `{"v":1,"mbx":…,"env":…}`).
fn sealed_envelope(body: &[u8]) -> EnvelopeHeader {
    let v: serde_json::Value = serde_json::from_slice(body).expect("a JSON push body");
    assert_eq!(v["v"], 1, "{v}");
    let env = v["env"]
        .as_str()
        .and_then(from_b64u)
        .expect("the envelope rides in the push");
    let header = EnvelopeHeader::parse(&env).expect("an envelope");
    assert_eq!(v["mbx"], header.recipient.to_string());
    header
}

/// Registers `endpoint` as the phone's UnifiedPush target on the relay at `base`, signed with
/// the phone's key as the app does.
async fn register_push(phone: &Phone, base: &str, endpoint: &str, world: &World) {
    let keys = phone.session.keys().unwrap();
    let path = format!("/v1/mailboxes/{}/push", keys.mailbox());
    let body = serde_json::json!({"provider": "unifiedpush", "endpoint": endpoint})
        .to_string()
        .into_bytes();
    let signed = signing::sign(&keys, "PUT", &path, &body, world.now_s()).unwrap();
    let mut headers: Vec<HttpHeader> = signed
        .pairs()
        .iter()
        .map(|(name, value)| HttpHeader {
            name: (*name).into(),
            value: (*value).into(),
        })
        .collect();
    headers.push(HttpHeader {
        name: "Content-Type".into(),
        value: "application/json".into(),
    });
    let answer = ReqwestHttp::new()
        .send(HttpRequest {
            method: "PUT".into(),
            url: format!("{base}{path}"),
            headers,
            body,
            timeout_ms: 10_000,
        })
        .await
        .unwrap();
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
}

type Pushes = tokio::sync::mpsc::UnboundedReceiver<(String, Vec<u8>)>;

/// A UnifiedPush endpoint on loopback: answers `201` to every POST and hands over its path and
/// body.
async fn push_endpoint() -> (String, Pushes) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head_end, length) = loop {
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..i]).to_ascii_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        break (i + 4, length);
                    }
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                };
                while buf.len() < head_end + length {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
                let path = head
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned();
                let _ = tx.send((path, buf[head_end..head_end + length].to_vec()));
                let _ = sock
                    .write_all(
                        b"HTTP/1.1 201 Created\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                    )
                    .await;
            });
        }
    });
    (url, rx)
}

/// The next push the relay sent (it sends as soon as an envelope is posted).
async fn next_push(pushes: &mut Pushes) -> (String, Vec<u8>) {
    tokio::time::timeout(std::time::Duration::from_secs(30), pushes.recv())
        .await
        .expect("a push within 30 s")
        .expect("the endpoint runs")
}
