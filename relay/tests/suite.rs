//! The relay's behaviour over HTTP, run twice: against SQLite with one relay process, and
//! against PostgreSQL with two relay processes (clients alternate between them, so every
//! wake-up, release and notice crosses processes). Time is a file both relays read; tests move
//! it and then wait on real events (a long-poll returning) with timeouts, never on the clock.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::mocks::PushMocks;
use common::{Backend, Env, T0};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use thecal_relay::client::{Client, fake_envelope};
use thecal_relay::proto::{self, EnvelopeHeader, MailboxId, b64u};

macro_rules! both {
    ($name:ident $(, $arg:expr)*) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(Env::start(Backend::Sqlite, &[$($arg),*])).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres_two_relays() {
                super::$name(Env::start(Backend::Postgres, &[$($arg),*])).await;
            }
        }
    };
}

fn envelope_to(
    from: &Client,
    to: MailboxId,
    seq: u64,
    expires_at: i64,
    payload: &[u8],
) -> (Vec<u8>, String) {
    let id = thecal_relay::store::random16();
    let h = EnvelopeHeader {
        kind: 1,
        recipient: to,
        sender: from.device.mailbox,
        message_id: id,
        seq,
        expires_at: u64::try_from(expires_at).unwrap(),
    };
    (fake_envelope(&h, payload), b64u(&id))
}

async fn items(c: &Client, wait: u32) -> Vec<Value> {
    let r = c.fetch(wait, 100).await.unwrap();
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()["messages"].as_array().unwrap().clone()
}

fn code(r: &thecal_relay::client::Reply) -> String {
    r.json()["error"].as_str().unwrap_or("").to_owned()
}

async fn delivery(env: Env) {
    let a = env.device(0).await;
    let b = env.device(1).await;
    let (e1, id1) = envelope_to(&a, b.device.mailbox, 1, T0 + 3600, b"one");
    assert_eq!(a.post(&e1).await.unwrap().status, 201);
    assert_eq!(
        a.post(&e1).await.unwrap().status,
        200,
        "the same id and bytes again is a duplicate"
    );
    let mut other = e1.clone();
    *other.last_mut().unwrap() ^= 1;
    let r = a.post(&other).await.unwrap();
    assert_eq!((r.status, code(&r).as_str()), (409, "message_id_conflict"));
    let (e2, id2) = envelope_to(&a, b.device.mailbox, 2, T0 + 3600, b"two");
    assert_eq!(a.post(&e2).await.unwrap().status, 201);

    let got = items(&b, 0).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[0]["id"], id1.as_str(), "oldest first");
    assert_eq!(got[0]["envelope"], b64u(&e1).as_str());
    assert_eq!(got[1]["id"], id2.as_str());
    assert_eq!(got[0]["received_at"], T0);
    // Not acknowledged: delivered again (at least once).
    assert_eq!(items(&b, 0).await.len(), 2);
    let r = b.ack(std::slice::from_ref(&id1)).await.unwrap();
    assert_eq!((r.status, r.json()["deleted"].as_u64()), (200, Some(1)));
    assert_eq!(
        b.ack(std::slice::from_ref(&id1)).await.unwrap().json()["deleted"],
        0,
        "acknowledging twice is harmless"
    );
    let left = items(&b, 0).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["id"], id2.as_str());
    // A sender retrying after the acknowledgement: accepted as a duplicate, not delivered again.
    assert_eq!(a.post(&e1).await.unwrap().status, 200);
    assert_eq!(items(&b, 0).await.len(), 1);

    // Unknown mailbox, someone else's mailbox.
    let (e3, _) = envelope_to(&a, MailboxId([9; 16]), 1, T0 + 3600, b"x");
    let r = a.post(&e3).await.unwrap();
    assert_eq!((r.status, code(&r).as_str()), (404, "mailbox_not_found"));
    let r = a
        .request(
            "GET",
            &format!("/v1/mailboxes/{}/messages", b.device.mailbox),
            Vec::new(),
            None,
        )
        .await
        .unwrap();
    assert_eq!((r.status, code(&r).as_str()), (403, "forbidden"));
    // Acknowledge and fetch the next in one request (it long-polls like a fetch).
    let (e4, id4) = envelope_to(&a, b.device.mailbox, 4, T0 + 3600, b"four");
    let target = format!("/v1/mailboxes/{}/ack", b.device.mailbox);
    let body = json!({"ids": [id2.clone()], "next": {"wait": 10, "limit": 10}});
    let poll = tokio::spawn(async move { b.json("POST", &target, &body).await.unwrap() });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(a.post(&e4).await.unwrap().status, 201);
    let r = tokio::time::timeout(Duration::from_secs(10), poll)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["deleted"], 1);
    assert_eq!(r.json()["messages"][0]["id"], id4.as_str());
}
both!(delivery);

async fn long_poll_wakes_across_relays(env: Env) {
    let a = env.device(0).await;
    let b = env.device(1).await;
    let bm = b.device.mailbox;
    let poll = tokio::spawn(async move {
        let t = Instant::now();
        let got = items(&b, 20).await;
        (got, t.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (e, id) = envelope_to(&a, bm, 1, T0 + 3600, b"wake");
    let posted = Instant::now();
    assert_eq!(a.post(&e).await.unwrap().status, 201);
    let (got, waited) = tokio::time::timeout(Duration::from_secs(10), poll)
        .await
        .expect("woken")
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["id"], id.as_str());
    assert!(
        waited >= Duration::from_millis(250),
        "the poll waited for the post"
    );
    assert!(
        posted.elapsed() < Duration::from_secs(2),
        "woken within 2 s of the post, took {:?}",
        posted.elapsed()
    );
}
both!(long_poll_wakes_across_relays);

async fn signatures_and_replays(env: Env) {
    let a = env.device(0).await;
    let b = env.device(0).await;
    let url = env.url(0);
    let target = format!("/v1/mailboxes/{}/messages", a.device.mailbox);
    // No signature.
    let r = env.http.get(format!("{url}{target}")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "unauthenticated");
    // A signed request sent twice: the second is a replay.
    let headers = a.device.sign("GET", &target, b"", T0);
    let send = || {
        let mut req = env.http.get(format!("{url}{target}"));
        for (k, v) in &headers {
            req = req.header(*k, v);
        }
        req.send()
    };
    assert_eq!(send().await.unwrap().status(), 200);
    let r = send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "replayed_nonce");
    // With two relays the nonce is shared: replaying against the other one fails too.
    if env.relays.len() > 1 {
        let mut req = env.http.get(format!("{}{target}", env.url(1)));
        for (k, v) in &headers {
            req = req.header(*k, v);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.json::<Value>().await.unwrap()["error"], "replayed_nonce");
    }
    // The body is signed: a changed body fails.
    let (e, _) = envelope_to(&a, b.device.mailbox, 1, T0 + 3600, b"x");
    let post_target = format!("/v1/mailboxes/{}/messages", b.device.mailbox);
    let headers = a.device.sign("POST", &post_target, &e, T0);
    let mut req = env
        .http
        .post(format!("{url}{post_target}"))
        .body(b"tampered".to_vec());
    for (k, v) in &headers {
        req = req.header(*k, v);
    }
    let r = req.send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "bad_signature");
    // A clock 10 minutes off.
    let headers = a.device.sign("GET", &target, b"", T0 - 600);
    let mut req = env.http.get(format!("{url}{target}"));
    for (k, v) in &headers {
        req = req.header(*k, v);
    }
    let r = req.send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "stale_timestamp");
    // The envelope's sender must be the signer; the recipient must be the path's mailbox.
    let h = EnvelopeHeader {
        kind: 1,
        recipient: b.device.mailbox,
        sender: b.device.mailbox,
        message_id: [1; 16],
        seq: 1,
        expires_at: u64::try_from(T0 + 60).unwrap(),
    };
    let r = a.post(&fake_envelope(&h, b"")).await.unwrap();
    assert_eq!((r.status, code(&r).as_str()), (400, "invalid_envelope"));
    let r = a
        .request(
            "POST",
            &format!("/v1/mailboxes/{}/messages", a.device.mailbox),
            e.clone(),
            Some("application/octet-stream"),
        )
        .await
        .unwrap();
    assert_eq!((r.status, code(&r).as_str()), (400, "invalid_envelope"));
    let r = a
        .request("POST", &post_target, e, Some("text/plain"))
        .await
        .unwrap();
    assert_eq!(
        (r.status, code(&r).as_str()),
        (415, "unsupported_media_type")
    );
}
both!(signatures_and_replays);

async fn limits(env: Env) {
    let a = env.device(0).await;
    let b = env.device(1).await;
    let to = b.device.mailbox;
    let (big, _) = envelope_to(&a, to, 1, T0 + 3600, &vec![0u8; 70_000]);
    let r = a.post(&big).await.unwrap();
    assert_eq!((r.status, code(&r).as_str()), (413, "payload_too_large"));
    let (huge, _) = envelope_to(&a, to, 1, T0 + 3600, &vec![0u8; 120_000]);
    let r = a.post(&huge).await.unwrap();
    assert_eq!(
        (r.status, code(&r).as_str()),
        (413, "payload_too_large"),
        "the body limit answers in JSON too"
    );
    let (old, _) = envelope_to(&a, to, 1, T0, b"");
    let r = a.post(&old).await.unwrap();
    assert_eq!((r.status, code(&r).as_str()), (400, "expired"));
    let (far, _) = envelope_to(&a, to, 1, T0 + 15 * 86_400, b"");
    let r = a.post(&far).await.unwrap();
    assert_eq!((r.status, code(&r).as_str()), (400, "ttl_too_long"));
    for seq in 1..=3 {
        let (e, _) = envelope_to(&a, to, seq, T0 + 3600, b"");
        assert_eq!(a.post(&e).await.unwrap().status, 201);
    }
    let (e, _) = envelope_to(&a, to, 4, T0 + 3600, b"");
    let r = a.post(&e).await.unwrap();
    assert_eq!((r.status, code(&r).as_str()), (409, "mailbox_full"));
    // Draining makes room again.
    let ids: Vec<String> = items(&b, 0)
        .await
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    b.ack(&ids).await.unwrap();
    assert_eq!(a.post(&e).await.unwrap().status, 201);
    let r = a
        .request(
            "GET",
            &format!("/v1/mailboxes/{}/messages?wait=31", a.device.mailbox),
            Vec::new(),
            None,
        )
        .await
        .unwrap();
    assert_eq!((r.status, code(&r).as_str()), (400, "bad_request"));
}
both!(limits, "--mailbox-depth", "3");

async fn rate_limit(env: Env) {
    let a = env.device(0).await;
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let r = a.fetch(0, 1).await.unwrap();
        if r.status == 429 {
            assert_eq!(code(&r), "rate_limited");
        }
        statuses.push(r.status);
    }
    assert!(
        statuses.contains(&200) && statuses.contains(&429),
        "{statuses:?}"
    );
}
both!(rate_limit, "--rate", "1", "--burst", "5");

async fn expiry(env: Env) {
    let a = env.device(0).await;
    let b = env.device(1).await;
    let (e, _) = envelope_to(&a, b.device.mailbox, 1, T0 + 60, b"short-lived");
    assert_eq!(a.post(&e).await.unwrap().status, 201);
    assert_eq!(items(&b, 0).await.len(), 1);
    env.advance(61);
    assert_eq!(
        items(&b, 0).await.len(),
        0,
        "an expired envelope is never delivered"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut n = 0;
        for i in 0..env.relays.len() {
            n += env.counter(i, "thecal_relay_envelopes_expired_total").await;
        }
        if n == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the sweep did not delete the expired envelope: {}",
            env.relays[0].log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
both!(expiry);

async fn heartbeat(env: Env) {
    let p = env.device(0).await;
    let c1 = env.device(1).await;
    let c2 = env.device(0).await;
    let hb = format!("/v1/mailboxes/{}/heartbeat", p.device.mailbox);
    let r = p.request("POST", &hb, Vec::new(), None).await.unwrap();
    assert_eq!(
        (r.status, code(&r).as_str()),
        (404, "not_found"),
        "no heartbeat declared yet"
    );
    let body = json!({"interval_s": 60, "grace_s": 30, "watchers": [c1.device.mailbox.to_string(), c2.device.mailbox.to_string()]});
    let r = p.json("PUT", &hb, &body).await.unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["due_at"], T0 + 90);
    env.advance(60);
    assert_eq!(
        p.request("POST", &hb, Vec::new(), None)
            .await
            .unwrap()
            .json()["due_at"],
        T0 + 150
    );
    env.advance(89);
    assert!(items(&c1, 1).await.is_empty(), "not overdue yet");
    env.advance(2);
    let got = items(&c1, 10).await;
    assert_eq!(got.len(), 1, "{got:?}");
    let n = &got[0]["notice"];
    assert_eq!(n["type"], "phone_silent");
    assert_eq!(n["mailbox"], p.device.mailbox.to_string().as_str());
    assert_eq!(n["last_seen_at"], T0 + 60);
    assert_eq!(n["due_at"], T0 + 150);
    assert_eq!(items(&c2, 10).await.len(), 1);
    c1.ack(&[got[0]["id"].as_str().unwrap().to_owned()])
        .await
        .unwrap();
    // Still silent later: no second notice (no alert fatigue).
    env.advance(600);
    assert!(items(&c1, 2).await.is_empty());
    assert_eq!(items(&c2, 0).await.len(), 1);
    // The phone comes back.
    assert_eq!(
        p.request("POST", &hb, Vec::new(), None)
            .await
            .unwrap()
            .status,
        200
    );
    let got = items(&c1, 10).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["notice"]["type"], "phone_back");
    assert_eq!(
        p.request("DELETE", &hb, Vec::new(), None)
            .await
            .unwrap()
            .status,
        204
    );
    let r = p.json("PUT", &hb, &json!({"interval_s": 5})).await.unwrap();
    assert_eq!((r.status, code(&r).as_str()), (400, "bad_request"));
}
both!(heartbeat);

async fn escalation(env: Env) {
    let p = env.device(0).await;
    let c1 = env.device(1).await;
    let c2 = env.device(0).await;
    let token = [7u8; 16];
    let hash = b64u(&proto::cancel_hash(&token));
    let (e, id) = envelope_to(&p, c2.device.mailbox, 1, T0 + 86_400, b"step 1");
    let body = json!({"release_at": T0 + 600, "cancel_hash": hash, "envelope": b64u(&e)});
    let r = p.json("POST", "/v1/escalations", &body).await.unwrap();
    assert_eq!((r.status, r.json()["state"].as_str()), (201, Some("held")));
    assert_eq!(r.json()["id"], id.as_str());
    assert_eq!(
        p.json("POST", "/v1/escalations", &body)
            .await
            .unwrap()
            .status,
        200
    );
    // Someone who is not the envelope's sender cannot hold it.
    let r = c1.json("POST", "/v1/escalations", &body).await.unwrap();
    assert_eq!((r.status, code(&r).as_str()), (400, "invalid_envelope"));
    // Caregiver 1 acknowledges: the cancel token (from inside the sealed alert) cancels it.
    let r = c1
        .json(
            "POST",
            "/v1/escalations/cancel",
            &json!({"token": b64u(&token)}),
        )
        .await
        .unwrap();
    assert_eq!((r.status, r.json()["cancelled"].as_u64()), (200, Some(1)));
    env.advance(601);
    assert!(
        items(&c2, 2).await.is_empty(),
        "a cancelled escalation is never released"
    );
    // A late retry of the hold is refused as cancelled.
    let late = json!({"release_at": T0 + 1200, "cancel_hash": hash, "envelope": b64u(&e)});
    let r = p.json("POST", "/v1/escalations", &late).await.unwrap();
    assert_eq!(
        (r.status, r.json()["state"].as_str()),
        (200, Some("cancelled"))
    );

    // Not acknowledged in time: released once, to the right mailbox, exactly once.
    let now = env.now();
    let token2 = [8u8; 16];
    let (e2, id2) = envelope_to(&p, c2.device.mailbox, 2, now + 86_400, b"step 1 again");
    let body = json!({"release_at": now + 600, "cancel_hash": b64u(&proto::cancel_hash(&token2)), "envelope": b64u(&e2)});
    assert_eq!(
        p.json("POST", "/v1/escalations", &body)
            .await
            .unwrap()
            .status,
        201
    );
    env.advance(599);
    assert!(
        items(&c2, 1).await.is_empty(),
        "not before its release time"
    );
    env.advance(2);
    let got = items(&c2, 10).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["id"], id2.as_str());
    assert_eq!(got[0]["envelope"], b64u(&e2).as_str());
    env.advance(5);
    assert_eq!(items(&c2, 1).await.len(), 1, "released exactly once");
    let r = c1
        .json(
            "POST",
            "/v1/escalations/cancel",
            &json!({"token": b64u(&token2)}),
        )
        .await
        .unwrap();
    assert_eq!(
        r.json()["cancelled"],
        0,
        "already released: nothing to cancel"
    );
    let bad = json!({"release_at": env.now() - 1, "cancel_hash": hash, "envelope": b64u(&e2)});
    let r = p.json("POST", "/v1/escalations", &bad).await.unwrap();
    assert_eq!((r.status, code(&r).as_str()), (400, "expired"));
}
both!(escalation);

async fn pairing(env: Env) {
    let p = env.device(0).await;
    let c = env.device(1).await;
    let invite = b64u(&[0x11; 16]);
    let sealed = b64u(b"sealed bundle bytes");
    let put = json!({"sealed_bundle": sealed, "expires_at": T0 + 600});
    let r = p
        .json("PUT", &format!("/v1/invitations/{invite}"), &put)
        .await
        .unwrap();
    assert_eq!(r.status, 201);
    assert_eq!(
        p.json("PUT", &format!("/v1/invitations/{invite}"), &put)
            .await
            .unwrap()
            .status,
        200
    );
    let other = json!({"sealed_bundle": b64u(b"another"), "expires_at": T0 + 600});
    let r = c
        .json("PUT", &format!("/v1/invitations/{invite}"), &other)
        .await
        .unwrap();
    assert_eq!((r.status, code(&r).as_str()), (409, "invitation_conflict"));
    // The claimer first reads the sealed bundle, to seal its hello to the key inside.
    let lookup = |inv: &str| {
        let c = &c;
        let path = format!("/v1/invitations/{inv}");
        async move { c.request("GET", &path, Vec::new(), None).await.unwrap() }
    };
    let r = lookup(&invite).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["sealed_bundle"], sealed.as_str());
    let (hello, hello_id) = envelope_to(&c, p.device.mailbox, 1, T0 + 3600, b"hello");
    let claim = format!("/v1/invitations/{invite}/claim");
    let r = c
        .json("POST", &claim, &json!({"hello": b64u(&hello)}))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["sealed_bundle"], sealed.as_str());
    let got = items(&p, 5).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["id"], hello_id.as_str());
    let r = c
        .json("POST", &claim, &json!({"hello": b64u(&hello)}))
        .await
        .unwrap();
    assert_eq!((r.status, code(&r).as_str()), (410, "invitation_used"));
    let r = lookup(&invite).await;
    assert_eq!((r.status, code(&r).as_str()), (410, "invitation_used"));
    let r = lookup(&b64u(&[0x22; 16])).await;
    assert_eq!((r.status, code(&r).as_str()), (404, "not_found"));
    let r = c
        .json(
            "POST",
            &format!("/v1/invitations/{}/claim", b64u(&[0x22; 16])),
            &json!({"hello": b64u(&hello)}),
        )
        .await
        .unwrap();
    assert_eq!((r.status, code(&r).as_str()), (404, "not_found"));
    // Expiry.
    let inv2 = b64u(&[0x33; 16]);
    let r = p
        .json(
            "PUT",
            &format!("/v1/invitations/{inv2}"),
            &json!({"sealed_bundle": sealed, "expires_at": T0 + 60}),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 201);
    env.advance(61);
    let (hello2, _) = envelope_to(&c, p.device.mailbox, 2, env.now() + 3600, b"hello");
    let r = c
        .json(
            "POST",
            &format!("/v1/invitations/{inv2}/claim"),
            &json!({"hello": b64u(&hello2)}),
        )
        .await
        .unwrap();
    assert_eq!((r.status, code(&r).as_str()), (410, "invitation_expired"));
    let r = lookup(&inv2).await;
    assert_eq!((r.status, code(&r).as_str()), (410, "invitation_expired"));
    // Withdrawal: only by its creator.
    let inv3 = b64u(&[0x44; 16]);
    let now = env.now();
    p.json(
        "PUT",
        &format!("/v1/invitations/{inv3}"),
        &json!({"sealed_bundle": sealed, "expires_at": now + 60}),
    )
    .await
    .unwrap();
    let r = c
        .request(
            "DELETE",
            &format!("/v1/invitations/{inv3}"),
            Vec::new(),
            None,
        )
        .await
        .unwrap();
    assert_eq!((r.status, code(&r).as_str()), (403, "forbidden"));
    assert_eq!(
        p.request(
            "DELETE",
            &format!("/v1/invitations/{inv3}"),
            Vec::new(),
            None
        )
        .await
        .unwrap()
        .status,
        204
    );
    let r = p
        .json(
            "PUT",
            &format!("/v1/invitations/{inv3}"),
            &json!({"sealed_bundle": sealed, "expires_at": now + 7200}),
        )
        .await
        .unwrap();
    assert_eq!((r.status, code(&r).as_str()), (400, "ttl_too_long"));
}
both!(pairing);

async fn delete_everything(env: Env) {
    let p = env.device(0).await;
    let c = env.device(1).await;
    let c2 = env.device(0).await;
    let (e, _) = envelope_to(&c, p.device.mailbox, 1, T0 + 3600, b"receipt");
    assert_eq!(c.post(&e).await.unwrap().status, 201);
    // The patient's held escalation for caregiver 2 goes with the patient's data.
    let (h, _) = envelope_to(&p, c2.device.mailbox, 1, T0 + 86_400, b"step");
    let body =
        json!({"release_at": T0 + 600, "cancel_hash": b64u(&[1u8; 32]), "envelope": b64u(&h)});
    assert_eq!(
        p.json("POST", "/v1/escalations", &body)
            .await
            .unwrap()
            .status,
        201
    );
    let r = c
        .request(
            "DELETE",
            &format!("/v1/mailboxes/{}", p.device.mailbox),
            Vec::new(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 403, "only the owner deletes");
    let r = p
        .request(
            "DELETE",
            &format!("/v1/mailboxes/{}", p.device.mailbox),
            Vec::new(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 204);
    let r = p.fetch(0, 10).await.unwrap();
    assert_eq!((r.status, code(&r).as_str()), (404, "mailbox_not_found"));
    let (e2, _) = envelope_to(&c, p.device.mailbox, 2, T0 + 3600, b"late");
    assert_eq!(c.post(&e2).await.unwrap().status, 404);
    env.advance(601);
    assert!(
        items(&c2, 2).await.is_empty(),
        "the deleted patient's escalation is gone"
    );
    // Reopening gives an empty mailbox.
    assert_eq!(p.open().await.unwrap().status, 201);
    assert!(items(&p, 0).await.is_empty());
}
both!(delete_everything);

async fn set(c: &Client, body: Value) -> thecal_relay::client::Reply {
    c.json(
        "PUT",
        &format!("/v1/mailboxes/{}/push", c.device.mailbox),
        &body,
    )
    .await
    .unwrap()
}

async fn push(env: Env, mocks: PushMocks) {
    let p = env.device(0).await;
    let ios = env.device(1).await;
    let android = env.device(0).await;
    let up = env.device(1).await;
    assert_eq!(
        set(
            &ios,
            json!({"provider": "apns", "token": "ab".repeat(32), "topic": "org.thecal.app"})
        )
        .await
        .status,
        200
    );
    assert_eq!(
        set(&android, json!({"provider": "fcm", "token": "fcm-token-1"}))
            .await
            .status,
        200
    );
    assert_eq!(
        set(
            &up,
            json!({"provider": "unifiedpush", "endpoint": format!("{}/abc", mocks.up_url)})
        )
        .await
        .status,
        200
    );
    let r = set(&up, json!({"provider": "carrier-pigeon"})).await;
    assert_eq!((r.status, code(&r).as_str()), (400, "bad_request"));

    let (e1, _) = envelope_to(&p, ios.device.mailbox, 1, T0 + 3600, &[1u8; 200]);
    let (e2, _) = envelope_to(&p, android.device.mailbox, 1, T0 + 3600, &[2u8; 200]);
    let (e3, _) = envelope_to(&p, up.device.mailbox, 1, T0 + 3600, &[3u8; 200]);
    let (big, _) = envelope_to(&p, ios.device.mailbox, 2, T0 + 3600, &[4u8; 5000]);
    for e in [&e1, &e2, &e3, &big] {
        assert_eq!(p.post(e).await.unwrap().status, 201);
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let n = (
            mocks.log.apns.lock().unwrap().len(),
            mocks.log.fcm.lock().unwrap().len(),
            mocks.log.up.lock().unwrap().len(),
        );
        if n == (2, 1, 1) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "pushes seen: {n:?}; problems: {:?}",
            mocks.problems()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let apns: Vec<Value> = mocks
        .log
        .apns
        .lock()
        .unwrap()
        .iter()
        .map(|s| serde_json::from_slice(&s.body).unwrap())
        .collect();
    let inline = apns
        .iter()
        .find(|v| v["thecal"]["env"].is_string())
        .expect("the small envelope rides inline");
    assert_eq!(inline["thecal"]["env"], b64u(&e1).as_str());
    assert_eq!(
        inline["thecal"]["mbx"],
        ios.device.mailbox.to_string().as_str()
    );
    assert!(
        apns.iter().any(|v| v["thecal"].get("env").is_none()),
        "the 5 KB envelope goes content-free"
    );
    let fcm: Value = serde_json::from_slice(&mocks.log.fcm.lock().unwrap()[0].body).unwrap();
    assert_eq!(fcm["message"]["data"]["env"], b64u(&e2).as_str());
    let upb: Value = serde_json::from_slice(&mocks.log.up.lock().unwrap()[0].body).unwrap();
    assert_eq!(upb["env"], b64u(&e3).as_str());

    // A dead token: the provider says so, the relay forgets the target.
    let dead = env.device(0).await;
    assert_eq!(set(&dead, json!({"provider": "apns", "token": format!("dead{}", "0".repeat(60)), "topic": "org.thecal.app"})).await.status, 200);
    let (d1, _) = envelope_to(&p, dead.device.mailbox, 1, T0 + 3600, b"x");
    assert_eq!(p.post(&d1).await.unwrap().status, 201);
    let deadline = Instant::now() + Duration::from_secs(20);
    while mocks.log.apns.lock().unwrap().len() < 3 {
        assert!(Instant::now() < deadline, "no push to the dead token");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Pushes are shared out without double sends: wait until every relay's queue is empty.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut sent = 0;
        let mut failed = 0;
        for i in 0..env.relays.len() {
            sent += env.counter(i, "thecal_relay_pushes_sent_total").await;
            failed += env.counter(i, "thecal_relay_pushes_failed_total").await;
        }
        if (sent, failed) == (4, 1) {
            break;
        }
        assert!(Instant::now() < deadline, "sent {sent} failed {failed}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (d2, _) = envelope_to(&p, dead.device.mailbox, 2, T0 + 3600, b"y");
    assert_eq!(p.post(&d2).await.unwrap().status, 201);
    // The heartbeat notice is pushed content-free, after the dead target's post (so if the dead
    // target were still registered its push would come first).
    let hb = format!("/v1/mailboxes/{}/heartbeat", p.device.mailbox);
    p.json(
        "PUT",
        &hb,
        &json!({"interval_s": 60, "watchers": [ios.device.mailbox.to_string()]}),
    )
    .await
    .unwrap();
    env.advance(61);
    let deadline = Instant::now() + Duration::from_secs(20);
    while mocks.log.apns.lock().unwrap().len() < 4 {
        assert!(Instant::now() < deadline, "no notice push");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let last: Value = serde_json::from_slice(&mocks.log.apns.lock().unwrap()[3].body).unwrap();
    assert_eq!(last["thecal"]["notice"], "phone_silent", "{last}");
    assert!(
        mocks.log.apns.lock().unwrap()[3]
            .path
            .contains(&"ab".repeat(32))
    );
    assert_eq!(
        mocks.log.fcm_tokens.lock().unwrap().len(),
        1,
        "the OAuth token is cached"
    );
    assert!(mocks.problems().is_empty(), "{:?}", mocks.problems());
}

mod push {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let mocks = PushMocks::start().await;
        let args = mocks.relay_args();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        super::push(Env::start(Backend::Sqlite, &args), mocks).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_two_relays() {
        let mocks = PushMocks::start().await;
        let args = mocks.relay_args();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        super::push(Env::start(Backend::Postgres, &args), mocks).await;
    }
}

async fn graceful_shutdown(mut env: Env) {
    let a = env.device(0).await;
    let b = env.device(0).await;
    let bm = b.device.mailbox;
    let poll = tokio::spawn(async move { b.fetch(25, 10).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (e, _) = envelope_to(&a, bm, 1, T0 + 3600, b"before");
    assert_eq!(a.post(&e).await.unwrap().status, 201);
    let r = tokio::time::timeout(Duration::from_secs(10), poll)
        .await
        .expect("answered")
        .unwrap()
        .unwrap();
    assert_eq!(r.status, 200);
    let b2 = env.device(0).await;
    let poll = tokio::spawn(async move { b2.fetch(25, 10).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let t = Instant::now();
    let status = tokio::task::spawn_blocking(move || {
        let s = env.relays[0].terminate(Duration::from_secs(15));
        (s, env)
    })
    .await
    .unwrap();
    let (exit, env) = status;
    let r = tokio::time::timeout(Duration::from_secs(10), poll)
        .await
        .expect("long-poll ended")
        .unwrap()
        .unwrap();
    assert_eq!(
        r.status, 200,
        "a long-poll ends with an empty answer on shutdown"
    );
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "shutdown did not wait for the 25 s poll"
    );
    assert!(
        exit.is_some_and(|s| s.success()),
        "exited cleanly: {exit:?}\n{}",
        env.relays[0].log()
    );
}
both!(graceful_shutdown);

async fn health_and_metrics(env: Env) {
    for i in 0..env.relays.len() {
        let r = env
            .http
            .get(format!("{}/health", env.url(i)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["status"], "ok");
        assert_eq!(
            v["store"],
            if env.backend == Backend::Sqlite {
                "sqlite"
            } else {
                "postgres"
            }
        );
    }
    let a = env.device(0).await;
    let (e, _) = envelope_to(
        &a,
        a.device.mailbox,
        1,
        T0 + 3600,
        b"secret-plaintext-marker",
    );
    a.post(&e).await.unwrap();
    let text = env
        .http
        .get(format!("{}/metrics", env.url(0)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("thecal_relay_envelopes_accepted_total 1"),
        "{text}"
    );
    assert!(text.contains("thecal_relay_request_duration_seconds_count"));
    for r in &env.relays {
        assert!(
            !r.log().contains("secret-plaintext-marker"),
            "logs never carry envelope content"
        );
    }
}
both!(health_and_metrics);

fn vectors() -> Value {
    let p = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors/alerts/alerts-protocol-v1.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// The document's signed requests, byte for byte, accepted over HTTP; the same again is a replay.
async fn vector_requests_over_http(env: Env) {
    let v = vectors();
    assert_eq!(v["signed_request"]["timestamp"], T0);
    let seed_of = |name: &str| {
        let h = v["devices"][name]["ed25519_seed_hex"].as_str().unwrap();
        let mut s = [0u8; 32];
        for (i, b) in s.iter_mut().enumerate() {
            *b = u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap();
        }
        s
    };
    let carer = env.client(
        1,
        thecal_relay::client::Device::from_seed(&seed_of("caregiver1")),
    );
    assert_eq!(carer.open().await.unwrap().status, 201);
    let send = |name: &str, i: usize| {
        let r = &v[name];
        let body = if r["method"] == "POST" {
            thecal_relay::proto::from_b64u(v["envelope"]["envelope_b64u"].as_str().unwrap())
                .unwrap()
        } else {
            Vec::new()
        };
        let method = reqwest::Method::from_bytes(r["method"].as_str().unwrap().as_bytes()).unwrap();
        let mut req = env
            .http
            .request(
                method,
                format!("{}{}", env.url(i), r["target"].as_str().unwrap()),
            )
            .header("thecal-key", r["key"].as_str().unwrap())
            .header("thecal-timestamp", r["timestamp"].to_string())
            .header("thecal-nonce", r["nonce"].as_str().unwrap())
            .header("thecal-signature", r["signature_b64u"].as_str().unwrap())
            .body(body);
        if r["method"] == "POST" {
            req = req.header("content-type", "application/octet-stream");
        }
        req.send()
    };
    let r = send("signed_request", 0).await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let r = send("signed_request", 1).await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "replayed_nonce");
    let r = send("signed_get", 0).await.unwrap();
    assert_eq!(r.status(), 200);
    let got: Value = r.json().await.unwrap();
    assert_eq!(
        got["messages"][0]["envelope"],
        v["envelope"]["envelope_b64u"]
    );
}
both!(vector_requests_over_http);
