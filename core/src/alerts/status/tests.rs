//! Unit tests of status sharing: the plaintext, what counts as a change, when one is due, the
//! consents' history, the waiting snapshot sealed again in place, and the caregiver's ordering.

use super::*;
use crate::alerts::db::{self, PeerRole, PeerState};
use crate::store::Store;

fn at(s: i64) -> UtcDateTime {
    chrono::DateTime::from_timestamp(s, 0).unwrap()
}

const T: i64 = 1_795_000_000;

fn snapshot() -> StatusMessage {
    StatusMessage {
        made_at: T,
        sharing: Sharing::On,
        time_zone: Some("Europe/Paris".into()),
        read_at: Some(T - 120),
        link: Some("connected".into()),
        reservoir: Some(WireReservoir {
            volume_ul: 12_340,
            capacity_ul: 20_000,
            percent: 61.7,
            is_low: false,
            low: Some(WireRange {
                expected: T + 20 * 86_400,
                earliest: T + 18 * 86_400,
                latest: T + 22 * 86_400,
            }),
            empty: None,
        }),
        battery: Some(WireBattery {
            percent: 80,
            indicator: "normal".into(),
            eri: None,
            eos: None,
            days_to_eos: None,
        }),
        alarms: vec![WireAlarm {
            kind: "catheter_occlusion".into(),
            priority: "high".into(),
            raised_at: Some(T - 60),
            text: "Catheter occlusion".into(),
        }],
    }
}

#[test]
fn a_status_round_trips_and_other_plaintexts_are_not_read_as_one() {
    let s = snapshot();
    let json = s.to_json();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v["v"], 1);
    assert_eq!(v["type"], "status");
    assert_eq!(v["sharing"], "on");
    assert_eq!(v["reservoir"]["volume_ul"], 12_340);
    assert!(v["reservoir"].get("empty").is_none(), "absent, not null");
    assert_eq!(StatusMessage::parse(&json), Some(s));
    assert_eq!(
        StatusMessage::parse(br#"{"v":1,"type":"status","made_at":5,"sharing":"ended","new":1}"#),
        Some(StatusMessage::ended(at(5)))
    );
    assert_eq!(
        StatusMessage::parse(br#"{"v":2,"type":"status","made_at":5,"sharing":"on"}"#),
        None
    );
    assert_eq!(
        StatusMessage::parse(br#"{"v":1,"type":"alert","made_at":5,"sharing":"on"}"#),
        None
    );
    let ended: serde_json::Value =
        serde_json::from_slice(&StatusMessage::ended(at(7)).to_json()).unwrap();
    assert_eq!(
        ended,
        serde_json::json!({"v":1,"type":"status","made_at":7,"sharing":"ended"})
    );
}

#[test]
fn what_is_shown_leaves_the_times_out_and_rounds_what_a_person_would_not_see() {
    let a = snapshot();
    let mut b = a.clone();
    b.made_at += 600;
    b.read_at = Some(T + 500);
    let r = b.reservoir.as_mut().unwrap();
    r.volume_ul -= 30; // 12.31 mL: still 12.3
    r.percent = 61.6;
    r.low.as_mut().unwrap().expected += 3_600; // the same day
    assert_eq!(a.shown(), b.shown());
    let mut c = a.clone();
    c.reservoir.as_mut().unwrap().percent = 60.4;
    assert_ne!(a.shown(), c.shown(), "a whole percent less");
    let mut d = a.clone();
    d.link = Some("reconnecting".into());
    assert_ne!(a.shown(), d.shown());
    let mut e = a.clone();
    e.alarms.clear();
    assert_ne!(a.shown(), e.shown());
}

#[test]
fn a_snapshot_is_due_when_it_changed_or_the_last_is_an_interval_old() {
    let every = Duration::from_secs(30 * 60);
    assert!(is_due("x", None, None, at(T), every), "the first one");
    assert!(!is_due("x", Some("x"), Some(at(T)), at(T + 29 * 60), every));
    assert!(is_due("x", Some("x"), Some(at(T)), at(T + 30 * 60), every));
    assert!(is_due("y", Some("x"), Some(at(T)), at(T + 1), every));
}

#[test]
fn link_states_have_their_protocol_names() {
    assert_eq!(link_code(&LinkState::Connected), "connected");
    assert_eq!(
        link_code(&LinkState::Reconnecting {
            attempt: 2,
            retry_in_ms: 10
        }),
        "reconnecting"
    );
    assert_eq!(link_code(&LinkState::NotPaired), "not_paired");
}

/// A store with a relay set and the peer `keys` paired with role `role`, confirmed.
fn store_with(role: PeerRole, keys: &DeviceKeys) -> (tempfile::TempDir, Store, i64) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_dir(dir.path()).unwrap();
    let id = store
        .write(|tx| {
            let id = db::upsert_peer(tx, &keys.bundle(), role, "Anna", at(T))?;
            db::set_peer_state(tx, id, PeerState::Confirmed, at(T))?;
            Ok::<_, StoreError>(id)
        })
        .unwrap();
    (dir, store, id)
}

fn keys(n: u8) -> DeviceKeys {
    DeviceKeys::derive([n; 32], &[n; 32]).unwrap()
}

fn outbox(store: &Store) -> Vec<(String, Vec<u8>, i64)> {
    store
        .read(|c| {
            let mut s = c.prepare("SELECT message_id, envelope, kind FROM alert_outbox")?;
            let rows = s
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, StoreError>(rows)
        })
        .unwrap()
}

/// Opens every envelope of the outbox as `carer` and reads its status.
fn opened(store: &Store, patient: &DeviceKeys, carer: &DeviceKeys) -> Vec<(u64, StatusMessage)> {
    outbox(store)
        .iter()
        .map(|(_, e, _)| {
            let o = envelope::open(carer, &patient.bundle(), e, 0).unwrap();
            (o.header.seq, StatusMessage::parse(&o.plaintext).unwrap())
        })
        .collect()
}

#[test]
fn consents_keep_their_history_and_a_waiting_snapshot_is_superseded_in_place() {
    let (patient, carer) = (keys(1), keys(2));
    let (_dir, store, id) = store_with(PeerRole::Caregiver, &carer);
    let peer = store.read(|c| db::peer_by_id(c, id)).unwrap().unwrap();
    let share = |s: &StatusMessage, now: i64| {
        store
            .write(|tx| share_due(tx, &patient, s, at(now)))
            .unwrap()
    };

    assert_eq!(share(&snapshot(), T), 0, "off by default");
    store.write(|tx| grant(tx, &peer, at(T))).unwrap();
    store.write(|tx| grant(tx, &peer, at(T + 1))).unwrap();
    assert_eq!(share(&snapshot(), T + 2), 1);
    assert_eq!(share(&snapshot(), T + 60), 0, "unchanged");
    let mut changed = snapshot();
    changed.made_at = T + 120;
    changed.link = Some("reconnecting".into());
    assert_eq!(share(&changed, T + 120), 1);
    // Neither has been sent: one envelope waits, holding the newer snapshot.
    let sent = opened(&store, &patient, &carer);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].1, changed);

    store
        .write(|tx| withdraw(tx, &patient, &peer, at(T + 300)))
        .unwrap();
    let sent = opened(&store, &patient, &carer);
    assert_eq!(sent.len(), 1, "the waiting snapshot became the end");
    assert_eq!(sent[0].1, StatusMessage::ended(at(T + 300)));
    assert_eq!(share(&changed, T + 4_000), 0, "nothing after a withdrawal");

    // Granted again later: a new consent, the old one kept.
    store.write(|tx| grant(tx, &peer, at(T + 5_000))).unwrap();
    let list = store.read(|c| consents(c, Language::English)).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].granted_at, at(T + 5_000));
    assert_eq!(list[0].withdrawn_at, None);
    assert_eq!(list[1].granted_at, at(T));
    assert_eq!(list[1].withdrawn_at, Some(at(T + 300)));
    assert_eq!(list[1].ended_by, Some(ConsentEnd::Withdrawn));
    assert_eq!(list[1].caregiver, "Anna");
    assert!(
        list[1].shared_text.contains("reservoir"),
        "{}",
        list[1].shared_text
    );

    // The pairing ends: so does the consent, at that time.
    store
        .write(|tx| db::set_peer_state(tx, id, PeerState::Revoked, at(T + 6_000)))
        .unwrap();
    assert_eq!(share(&changed, T + 7_000), 0);
    let list = store.read(|c| consents(c, Language::English)).unwrap();
    assert_eq!(list[0].withdrawn_at, Some(at(T + 6_000)));
    assert_eq!(list[0].ended_by, Some(ConsentEnd::PairingEnded));
    let peer = store.read(|c| db::peer_by_id(c, id)).unwrap().unwrap();
    assert_eq!(
        store.write(|tx| grant(tx, &peer, at(T + 8_000))),
        Err(Error::UnknownPeer),
        "no consent for a revoked caregiver"
    );
}

#[test]
fn the_interval_is_a_setting() {
    let (_dir, store, _) = store_with(PeerRole::Caregiver, &keys(2));
    assert_eq!(store.read(every_minutes).unwrap(), DEFAULT_EVERY_MINUTES);
    store.write(|tx| set_every_minutes(tx, 10)).unwrap();
    assert_eq!(store.read(every_minutes).unwrap(), 10);
    assert!(
        store.write(|tx| set_every_minutes(tx, 1)).is_err(),
        "checked by the table too"
    );
}

#[test]
fn a_caregiver_keeps_the_newest_status_and_words_it_with_its_age() {
    let (_dir, store, id) = store_with(PeerRole::Patient, &keys(1));
    let put = |s: &StatusMessage, seq: u64| {
        store
            .write(|tx| receive(tx, id, seq, &s.to_json(), at(T + 1_000)))
            .unwrap()
    };
    let view = |now: i64| {
        store
            .read(|c| followed(c, at(now), Language::English))
            .unwrap()
            .remove(0)
    };
    assert_eq!(view(T).sharing, SharingState::NotShared);
    assert_eq!(view(T).summary, "No status shared");

    let newer = snapshot();
    let mut older = snapshot();
    older.made_at = T - 600;
    older.link = Some("failed".into());
    assert!(put(&newer, 5));
    assert!(
        !put(&older, 4),
        "an older one arriving late does not replace it"
    );
    assert!(!put(&newer, 5), "nor does the same again");
    assert!(
        !store
            .write(|tx| receive(tx, id, 9, br#"{"v":1,"type":"alert"}"#, at(T)))
            .unwrap()
    );

    let p = view(T + 12 * 60);
    assert_eq!(p.sharing, SharingState::Shared);
    assert_eq!(p.summary, "Status from 12 min ago");
    let s = p.status.unwrap();
    assert_eq!(s.age_seconds, 12 * 60);
    assert_eq!(s.data_age_seconds, Some(14 * 60));
    assert_eq!(s.link, "connected");
    assert_eq!(s.link_text, "Connected");
    let r = s.reservoir.unwrap();
    assert_eq!(r.volume, Volume::from_microliters(12_340));
    assert!(r.low_text.unwrap().contains("between"));
    assert_eq!(s.alarms[0].kind, AlarmKind::CatheterOcclusion);
    assert_eq!(s.alarms[0].priority, AlarmPriority::High);

    // The patient stops sharing: nothing is shown any more.
    assert!(put(&StatusMessage::ended(at(T + 60)), 6));
    let p = view(T + 120);
    assert_eq!(p.sharing, SharingState::Ended);
    assert!(p.status.is_none());
    assert!(
        p.summary.starts_with("Status sharing ended"),
        "{}",
        p.summary
    );
    // The same in French.
    let fr = store
        .read(|c| followed(c, at(T + 120), Language::French))
        .unwrap();
    assert!(
        fr[0].summary.starts_with("Partage de l'état arrêté"),
        "{}",
        fr[0].summary
    );
}

#[test]
fn the_worked_example_opens_reads_and_writes_back_the_same_json() {
    let v: serde_json::Value = serde_json::from_str(include_str!(
        "../../../../tests/vectors/alerts/alerts-protocol-v1.json"
    ))
    .unwrap();
    let device = |name: &str| {
        let d = &v["devices"][name];
        let hex = |k: &str| hex::decode(d[k].as_str().unwrap()).unwrap();
        DeviceKeys::derive(
            hex("ed25519_seed_hex").try_into().unwrap(),
            &hex("x25519_derive_ikm_hex"),
        )
        .unwrap()
    };
    let (patient, carer1) = (device("patient"), device("caregiver1"));
    let ex = &v["status"];
    let sealed = thecal_proto::from_b64u(ex["envelope_b64u"].as_str().unwrap()).unwrap();
    let header = EnvelopeHeader::parse(&sealed).unwrap();
    assert_eq!(header.kind, Kind::Status as u8);
    assert_eq!(header.seq, 43);
    let opened =
        envelope::open(&carer1, &patient.bundle(), &sealed, header.expires_at - 1).unwrap();
    let plaintext = ex["plaintext_utf8"].as_str().unwrap();
    assert_eq!(opened.plaintext, plaintext.as_bytes());

    let status = StatusMessage::parse(plaintext.as_bytes()).expect("a status");
    assert_eq!(status.sharing, Sharing::On);
    assert_eq!(status.read_at, Some(status.made_at - 120));
    assert_eq!(status.reservoir.as_ref().unwrap().volume_ul, 12_340);
    assert_eq!(status.alarms[0].kind, "catheter_occlusion");
    let back: serde_json::Value = serde_json::from_slice(&status.to_json()).unwrap();
    let example: serde_json::Value = serde_json::from_str(plaintext).unwrap();
    assert_eq!(
        back, example,
        "the core writes the example's fields, no more, no less"
    );

    let ended = ex["ended_plaintext_utf8"].as_str().unwrap();
    let ended = StatusMessage::parse(ended.as_bytes()).expect("the end");
    assert_eq!(ended, StatusMessage::ended(at(T + 600)));
}

#[test]
fn a_waiting_status_does_not_go_once_the_pairing_is_being_revoked() {
    let (patient, carer) = (keys(1), keys(2));
    let (_dir, store, id) = store_with(PeerRole::Caregiver, &carer);
    let peer = store.read(|c| db::peer_by_id(c, id)).unwrap().unwrap();
    store.write(|tx| grant(tx, &peer, at(T))).unwrap();
    store
        .write(|tx| share_due(tx, &patient, &snapshot(), at(T)))
        .unwrap();
    assert_eq!(store.read(|c| db::due(c, at(T + 1), 10)).unwrap().len(), 1);
    store.write(|tx| drop_waiting(tx, id, at(T + 1))).unwrap();
    assert!(
        store
            .read(|c| db::due(c, at(T + 1), 10))
            .unwrap()
            .is_empty()
    );
}
