//! The relay killed with `SIGKILL` in the middle of a delivery, and started again on the same
//! database and port: the relay is the built `thecal-relay` binary in its own process (SQLite in
//! a temporary folder), the phones are the core's alerts sessions whose HTTP stack kills the
//! relay at the exact point a test names (just before a request reaches it, or once it has
//! answered one, the answer then lost as a dying server loses it). Whatever the point, the alert
//! reaches the caregiver once (a second delivery is dropped by its message id), and the receipts
//! come back to the patient's phone.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code: a failed unwrap is a failed test.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use thecal_alerts_tests::process::RelayProcess;
use thecal_alerts_tests::{Phone, World, pair};
use thecal_core::alerts::NewAlert;
use thecal_core::alerts::http::{HttpClient, HttpError, HttpRequest, HttpResponse};
use thecal_core::alerts::messages::{AlertCategory, AlertPriority};
use thecal_sim::http::ReqwestHttp;

type Shared = Arc<Mutex<RelayProcess>>;

/// When the armed kill happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum When {
    /// Just before the request is sent: it meets a dead relay.
    Before,
    /// Once the relay has answered: the answer is lost with the relay.
    Answered,
}

/// A phone's HTTP stack (the Rust one the tests use) that kills the relay at an armed point, and
/// keeps the status of every answer it passed on.
struct KillSwitch {
    inner: Mutex<ReqwestHttp>,
    relay: Shared,
    armed: Mutex<Option<(&'static str, &'static str, When)>>,
    answers: Mutex<Vec<(String, String, u16)>>,
}

impl std::fmt::Debug for KillSwitch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KillSwitch")
    }
}

impl KillSwitch {
    fn new(relay: &Shared) -> Arc<Self> {
        Arc::new(Self {
            inner: Mutex::new(ReqwestHttp::new()),
            relay: Arc::clone(relay),
            armed: Mutex::new(None),
            answers: Mutex::new(Vec::new()),
        })
    }

    /// Kills the relay at the next `method` request whose path ends with `path_end`.
    fn arm(&self, method: &'static str, path_end: &'static str, when: When) {
        *self.armed.lock().unwrap() = Some((method, path_end, when));
    }

    /// Drops the connections kept open to the killed relay, as a phone's network stack does when
    /// the server resets them (else the first request after a restart fails on a dead one, and
    /// is retried later like any failed send).
    fn reset(&self) {
        *self.inner.lock().unwrap() = ReqwestHttp::new();
    }

    fn is_armed(&self) -> bool {
        self.armed.lock().unwrap().is_some()
    }

    /// The statuses of the answers to `method` requests whose path ends with `path_end`.
    fn statuses(&self, method: &str, path_end: &str) -> Vec<u16> {
        self.answers
            .lock()
            .unwrap()
            .iter()
            .filter(|(m, p, _)| m == method && p.ends_with(path_end))
            .map(|(_, _, s)| *s)
            .collect()
    }
}

#[async_trait::async_trait]
impl HttpClient for KillSwitch {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let path = request
            .url
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_owned()))
            .unwrap_or_default();
        let path = path.split('?').next().unwrap_or_default().to_owned();
        let method = request.method.clone();
        let hit = {
            let mut armed = self.armed.lock().unwrap();
            match *armed {
                Some((m, end, when)) if m == method && path.ends_with(end) => {
                    *armed = None;
                    Some(when)
                }
                _ => None,
            }
        };
        if hit == Some(When::Before) {
            self.relay.lock().unwrap().kill9();
        }
        let inner = self.inner.lock().unwrap().clone();
        let answer = inner.send(request).await;
        if let Ok(r) = &answer {
            self.answers.lock().unwrap().push((method, path, r.status));
        }
        if hit == Some(When::Answered) {
            self.relay.lock().unwrap().kill9();
            return Err(HttpError::Offline {
                reason: "the connection was reset".into(),
            });
        }
        answer
    }
}

struct Bed {
    world: World,
    relay: Shared,
    patient: Phone,
    carer: Phone,
    patient_net: Arc<KillSwitch>,
    carer_net: Arc<KillSwitch>,
}

impl Bed {
    async fn new() -> Self {
        let world = World::new();
        let relay = Arc::new(Mutex::new(RelayProcess::start(&world)));
        let (patient_net, carer_net) = (KillSwitch::new(&relay), KillSwitch::new(&relay));
        let patient = Phone::with_http(&world, patient_net.clone());
        let carer = Phone::with_http(&world, carer_net.clone());
        let base = relay.lock().unwrap().base.clone();
        pair(&patient, &carer, &base, "Anna", "Mum").await;
        Self {
            world,
            relay,
            patient,
            carer,
            patient_net,
            carer_net,
        }
    }

    fn kill(&self) {
        self.relay.lock().unwrap().kill9();
    }

    /// Starts the relay again on the same database and port.
    fn restart(&self) {
        self.relay.lock().unwrap().restart();
        self.patient_net.reset();
        self.carer_net.reset();
    }

    fn advance(&self, seconds: u64) {
        self.relay
            .lock()
            .unwrap()
            .advance(&self.world, Duration::from_secs(seconds));
    }
}

fn alarm(n: u32) -> NewAlert {
    NewAlert {
        category: AlertCategory::PumpAlarm,
        priority: AlertPriority::High,
        title: "Pump alarm".into(),
        body: format!("Alarm {n}: the pump reports a motor stall."),
    }
}

#[tokio::test]
async fn killed_after_taking_the_alert_before_the_caregiver_reads_it() {
    let b = Bed::new().await;
    let alert_id = b.patient.session.raise(alarm(1)).await.unwrap();
    assert!(
        b.patient.session.deliveries(&alert_id).unwrap()[0]
            .sent_at
            .is_some()
    );

    b.kill();
    assert!(
        b.carer.session.sync(0).await.is_err(),
        "no relay: nothing to read"
    );
    b.restart();

    let read = b.carer.session.sync(0).await.unwrap();
    assert_eq!((read.alerts.len(), read.duplicates), (1, 0), "{read:?}");
    let inbox = b.carer.session.inbox().unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].alert_id, alert_id);

    // The receipts come back: delivered, then acknowledged.
    assert_eq!(b.patient.session.sync(0).await.unwrap().receipts, 1);
    b.carer
        .session
        .acknowledge(&inbox[0].message_id)
        .await
        .unwrap();
    assert_eq!(b.patient.session.sync(0).await.unwrap().receipts, 1);
    let d = b.patient.session.deliveries(&alert_id).unwrap();
    assert!(
        d[0].delivered_at.is_some() && d[0].acknowledged_at.is_some(),
        "{d:?}"
    );
    assert_eq!(b.carer.session.sync(0).await.unwrap().received, 0);
}

#[tokio::test]
async fn killed_as_it_answers_the_patients_post_and_while_she_retries() {
    let b = Bed::new().await;

    // The relay stores the alert and dies before its answer reaches the phone.
    b.patient_net.arm("POST", "/messages", When::Answered);
    let alert_id = b.patient.session.raise(alarm(1)).await.unwrap();
    assert!(!b.patient_net.is_armed(), "the post was sent");
    let d = b.patient.session.deliveries(&alert_id).unwrap();
    assert!(d[0].sent_at.is_none(), "no answer, not sent: {d:?}");

    // The phone retries while the relay is down: nothing, quietly.
    b.advance(60);
    assert_eq!(b.patient.session.send_pending().await.unwrap(), 0);

    // Back, it takes the retry and dies again before answering.
    b.restart();
    b.advance(15 * 60);
    b.patient_net.arm("POST", "/messages", When::Answered);
    assert_eq!(b.patient.session.send_pending().await.unwrap(), 0);
    assert!(!b.patient_net.is_armed(), "the retry was sent");

    // Back again: the next retry is answered.
    b.restart();
    b.advance(15 * 60);
    assert_eq!(b.patient.session.send_pending().await.unwrap(), 1);
    assert_eq!(b.patient.session.send_pending().await.unwrap(), 0);
    assert!(
        b.patient.session.deliveries(&alert_id).unwrap()[0]
            .sent_at
            .is_some()
    );
    // The first post was committed before its answer, and each retry found it there.
    assert_eq!(
        b.patient_net.statuses("POST", "/messages"),
        [201, 200, 200],
        "created once, then 'already have it'"
    );

    let read = b.carer.session.sync(0).await.unwrap();
    assert_eq!((read.alerts.len(), read.duplicates), (1, 0), "{read:?}");
    assert_eq!(b.carer.session.sync(0).await.unwrap().received, 0);
    let inbox = b.carer.session.inbox().unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].alert_id, alert_id);
    assert_eq!(b.patient.session.sync(0).await.unwrap().receipts, 1);
    let d = b.patient.session.deliveries(&alert_id).unwrap();
    assert!(d[0].delivered_at.is_some(), "{d:?}");
}

#[tokio::test]
async fn killed_between_the_caregivers_fetch_and_her_acknowledgement() {
    let b = Bed::new().await;
    let first = b.patient.session.raise(alarm(1)).await.unwrap();

    // She fetched and stored it; the relay dies before her acknowledgement reaches it.
    b.carer_net.arm("POST", "/ack", When::Before);
    assert!(b.carer.session.sync(0).await.is_err(), "the ack failed");
    assert_eq!(
        b.carer.session.inbox().unwrap().len(),
        1,
        "stored before acknowledged"
    );
    b.restart();
    // The relay hands it over again; it is dropped by its message id.
    let read = b.carer.session.sync(0).await.unwrap();
    assert_eq!((read.alerts.len(), read.duplicates), (0, 1), "{read:?}");

    // A second alert: the relay takes her acknowledgement and dies before answering.
    let second = b.patient.session.raise(alarm(2)).await.unwrap();
    b.carer_net.arm("POST", "/ack", When::Answered);
    assert!(
        b.carer.session.sync(0).await.is_err(),
        "no answer to the ack"
    );
    b.restart();
    let read = b.carer.session.sync(0).await.unwrap();
    assert!(read.alerts.is_empty(), "{read:?}");
    let acks = b.carer_net.statuses("POST", "/ack");
    assert!(
        acks.len() >= 2 && acks.iter().all(|&s| s == 200),
        "every ack that reached the relay was taken: {acks:?}"
    );

    // Her acknowledgement of the first: the relay takes the receipt and dies before answering.
    let inbox = b.carer.session.inbox().unwrap();
    let mut ids: Vec<_> = inbox.iter().map(|a| a.alert_id.clone()).collect();
    ids.sort();
    let mut want = vec![first.clone(), second.clone()];
    want.sort();
    assert_eq!(ids, want, "each alert once in her inbox");
    let first_copy = inbox.iter().find(|a| a.alert_id == first).unwrap();
    b.carer_net.arm("POST", "/messages", When::Answered);
    b.carer
        .session
        .acknowledge(&first_copy.message_id)
        .await
        .unwrap();
    assert!(!b.carer_net.is_armed(), "a receipt was posted");
    b.restart();
    b.advance(15 * 60);
    b.carer.session.send_pending().await.unwrap();
    assert_eq!(b.carer.session.send_pending().await.unwrap(), 0);

    // Every receipt came back once: delivered for both, acknowledged for the first.
    let mut receipts = 0;
    loop {
        let read = b.patient.session.sync(0).await.unwrap();
        assert_eq!(read.refused, 0, "{read:?}");
        receipts += read.receipts;
        if read.received + read.duplicates == 0 {
            break;
        }
    }
    assert_eq!(receipts, 3, "delivered twice, acknowledged once");
    let d1 = b.patient.session.deliveries(&first).unwrap();
    assert!(
        d1[0].delivered_at.is_some() && d1[0].acknowledged_at.is_some(),
        "{d1:?}"
    );
    let d2 = b.patient.session.deliveries(&second).unwrap();
    assert!(
        d2[0].delivered_at.is_some() && d2[0].acknowledged_at.is_none(),
        "{d2:?}"
    );
}
