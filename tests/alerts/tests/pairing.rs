//! Pairing a patient's phone and a caregiver's through a real relay: the invitation, the claim,
//! the hello, the same safety number on both phones, confirmation, single use and expiry of the
//! code, and revocation from either side.

use std::time::Duration;

use thecal_alerts_tests::{Phone, TestRelay, World};
use thecal_core::alerts::db::{PeerRole, PeerState};
use thecal_core::alerts::session::{Error, INVITATION_LIFETIME};
use thecal_core::alerts::{AlertsError, PairingCode};

#[tokio::test]
async fn a_caregiver_pairs_by_qr_code_and_both_phones_show_the_same_safety_number() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (patient, carer) = (Phone::new(&world), Phone::new(&world));

    let invitation = patient.session.invite(&relay.base).await.unwrap();
    assert!(
        invitation
            .qr_text
            .starts_with("thecal:pair?v=1&relay=127.0.0.1:")
    );
    assert_eq!(invitation.code.len(), 11, "XXXXX-XXXXX");

    let patient_seen = carer
        .session
        .accept(&invitation.qr_text, None, "Mum")
        .await
        .unwrap();
    assert_eq!(patient_seen.role, PeerRole::Patient);
    assert_eq!(patient_seen.state, PeerState::Unconfirmed);
    assert_eq!(patient_seen.name, "Mum");

    // The code is used the moment it is claimed: another phone is refused.
    let other = Phone::new(&world);
    assert_eq!(
        other.session.accept(&invitation.qr_text, None, "x").await,
        Err(Error::InvitationUsed)
    );

    let report = patient.session.sync(0).await.unwrap();
    assert_eq!(report.paired.len(), 1, "{report:?}");
    let carer_mailbox = report.paired[0];
    let peers = patient.session.peers().unwrap();
    assert_eq!(peers.len(), 1);
    assert_eq!(peers[0].role, PeerRole::Caregiver);
    assert_eq!(peers[0].bundle.mailbox(), carer_mailbox);

    let on_patient = patient.session.safety_number(carer_mailbox).unwrap();
    let on_carer = carer
        .session
        .safety_number(patient_seen.bundle.mailbox())
        .unwrap();
    assert_eq!(on_patient, on_carer);
    assert_eq!(on_patient.len(), 29, "six groups of four digits");

    let confirmed = patient.session.confirm(carer_mailbox).unwrap();
    assert_eq!(confirmed.state, PeerState::Confirmed);

    // Once the patient's phone has the hello, it withdraws the invitation from the relay.
    assert_eq!(
        other
            .session
            .accept(&invitation.code, Some(relay.host()), "x")
            .await,
        Err(Error::InvitationNotFound)
    );
    // Nothing about the invitation is left in the patient's key store but its own keys.
    let _ = patient.session.sync(0).await.unwrap();
    assert_eq!(patient.secrets.names(), vec!["thecal.alerts.device-keys"]);
}

#[tokio::test]
async fn a_typed_code_works_and_wrong_or_late_codes_say_what_to_do() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (patient, carer) = (Phone::new(&world), Phone::new(&world));
    let invitation = patient.session.invite(&relay.base).await.unwrap();

    // A typo that is still a valid code: no such invitation.
    let mut wrong = PairingCode::parse(&invitation.code)
        .unwrap()
        .as_str()
        .to_owned();
    let last = wrong.pop().unwrap();
    wrong.push(if last == '0' { '1' } else { '0' });
    assert_eq!(
        carer.session.accept(&wrong, Some(relay.host()), "x").await,
        Err(Error::InvitationNotFound)
    );
    assert!(matches!(
        carer.session.accept("12345", Some(relay.host()), "x").await,
        Err(Error::Alerts(AlertsError::BadPairingCode { .. }))
    ));

    // Typed in lower case with a space: accepted.
    let typed = invitation.code.to_lowercase().replace('-', " ");
    carer
        .session
        .accept(&typed, Some(relay.host()), "Dad")
        .await
        .unwrap();

    // A second invitation left to expire.
    let late = patient.session.invite(&relay.base).await.unwrap();
    world.advance(INVITATION_LIFETIME + Duration::from_secs(1));
    let other = Phone::new(&world);
    assert_eq!(
        other.session.accept(&late.qr_text, None, "x").await,
        Err(Error::InvitationExpired)
    );
}

#[tokio::test]
async fn either_side_can_revoke_and_a_revoked_peer_is_told() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (patient, carer) = (Phone::new(&world), Phone::new(&world));
    let invitation = patient.session.invite(&relay.base).await.unwrap();
    let patient_seen = carer
        .session
        .accept(&invitation.qr_text, None, "Mum")
        .await
        .unwrap();
    let carer_mailbox = patient.session.sync(0).await.unwrap().paired[0];
    patient.session.confirm(carer_mailbox).unwrap();
    carer
        .session
        .confirm(patient_seen.bundle.mailbox())
        .unwrap();

    patient.session.revoke(carer_mailbox).await.unwrap();
    assert_eq!(
        patient.session.peers().unwrap()[0].state,
        PeerState::Revoked
    );
    let report = carer.session.sync(0).await.unwrap();
    assert_eq!(
        report.revoked,
        vec![patient_seen.bundle.mailbox()],
        "{report:?}"
    );
    assert_eq!(carer.session.peers().unwrap()[0].state, PeerState::Revoked);
    // A revoked pairing cannot be confirmed again.
    assert_eq!(
        carer.session.confirm(patient_seen.bundle.mailbox()),
        Err(Error::UnknownPeer)
    );
}

#[tokio::test]
async fn deleting_everything_tells_the_caregiver_and_leaves_nothing_here_or_on_the_relay() {
    let world = World::new();
    let relay = TestRelay::start(&world).await;
    let (patient, carer) = thecal_alerts_tests::paired(&world, &relay).await;
    let patient_mailbox = patient.session.keys().unwrap().mailbox();

    // Offline: refused, nothing deleted.
    let (dir, base) = (relay.dir.path().to_owned(), relay.base.clone());
    relay.stop_keeping_data().await;
    assert!(matches!(
        patient.session.delete_everything().await,
        Err(Error::NotSent | Error::Relay(_))
    ));
    assert_eq!(patient.session.peers().unwrap().len(), 1);
    assert!(patient.secrets.names().iter().any(|n| n.contains("alerts")));
    let relay = TestRelay::restart(&world, &dir, &base).await;

    patient.session.delete_everything().await.unwrap();
    assert!(patient.session.peers().unwrap().is_empty());
    assert!(
        !patient.secrets.names().iter().any(|n| n.contains("alerts")),
        "the keys are gone from the key store"
    );
    assert!(matches!(patient.session.sync(0).await, Err(Error::NoRelay)));
    // The caregiver's phone is told.
    let report = carer.session.sync(0).await.unwrap();
    assert_eq!(report.revoked, vec![patient_mailbox]);
    let _ = relay;
}
