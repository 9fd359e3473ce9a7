//! The card API as the apps use it: through the `Thecal` object, a real store and a manual
//! clock.

use crate::block_on;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};

use thecal_core::CardError;
use thecal_core::Thecal;
use thecal_core::card::*;
use thecal_core::model::{Clock, ManualClock, UtcDateTime};
use thecal_sim::fixtures::sample_card as sample;

fn t0() -> UtcDateTime {
    Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
}

fn open() -> (tempfile::TempDir, Arc<Thecal>, Arc<ManualClock>) {
    let f = thecal_sim::fixtures::open("Europe/Paris", t0());
    (f.dir, f.thecal, f.clock)
}

#[test]
fn save_sign_verify_and_render() {
    let (_d, thecal, clock) = open();
    let card = thecal.card();
    assert_eq!(block_on(card.get()).unwrap(), None);
    assert_eq!(
        block_on(card.render(vec![Language::English], CardFormat::Text, CardLayout::Card)),
        Err(CardError::NoCard)
    );
    block_on(card.save(sample())).unwrap();
    assert_eq!(block_on(card.get()).unwrap(), Some(sample()));
    let key = block_on(card.create_clinic_key("Hôpital Saint-Roch".into())).unwrap();
    assert!(key.can_sign);
    let signed = block_on(card.issue(key.key_id.clone(), 365)).unwrap();
    assert_eq!(signed.issued_at, t0());
    assert_eq!(signed.expires_at, t0() + Duration::days(365));
    assert_eq!(block_on(card.signed()).unwrap(), Some(signed.clone()));

    // A scanner's trailing line end is ignored.
    let r = block_on(card.verify(format!("{}\n", signed.text))).unwrap();
    assert_eq!(r.status, VerifyStatus::Valid);
    assert_eq!(r.card, Some(sample()));
    assert_eq!(r.issuer_name.as_deref(), Some("Hôpital Saint-Roch"));

    let text = String::from_utf8(
        block_on(card.render(
            vec![Language::French, Language::English],
            CardFormat::Text,
            CardLayout::Card,
        ))
        .unwrap(),
    )
    .unwrap();
    assert!(text.contains("Carte de porteur d'implant"));
    assert!(text.contains("Patient identification card"));
    assert!(text.contains(&signed.text));
    let svg = String::from_utf8(
        block_on(card.render(vec![Language::Arabic], CardFormat::Svg, CardLayout::Phone)).unwrap(),
    )
    .unwrap();
    assert!(svg.starts_with("<?xml") && svg.contains("جهاز طبي مزروع"));

    clock.advance(Duration::days(366));
    assert_eq!(
        block_on(card.verify(signed.text)).unwrap().status,
        VerifyStatus::Expired
    );
}

#[test]
fn changing_the_card_drops_the_old_signature() {
    let (_d, thecal, _) = open();
    let card = thecal.card();
    block_on(card.save(sample())).unwrap();
    let key = block_on(card.create_clinic_key("Clinic".into())).unwrap();
    block_on(card.issue(key.key_id, 30)).unwrap();
    // Saving the same data keeps it; different data drops it.
    block_on(card.save(sample())).unwrap();
    assert!(block_on(card.signed()).unwrap().is_some());
    let mut c = sample();
    c.clinic.phone = "+33 4 92 99 99 99".into();
    block_on(card.save(c)).unwrap();
    assert_eq!(block_on(card.signed()).unwrap(), None);
    let text = String::from_utf8(
        block_on(card.render(vec![Language::English], CardFormat::Text, CardLayout::Card)).unwrap(),
    )
    .unwrap();
    assert!(text.contains("Not yet signed by the clinic."));
    assert!(!text.contains(PREFIX));
}

#[test]
fn trust_is_per_device_and_bad_arguments_are_named() {
    let (_d1, clinic, _) = open();
    let (_d2, phone, _) = open();
    let c = clinic.card();
    block_on(c.save(sample())).unwrap();
    let key = block_on(c.create_clinic_key("Clinic".into())).unwrap();
    let signed = block_on(c.issue(key.key_id.clone(), 30)).unwrap();
    let p = phone.card();
    assert_eq!(
        block_on(p.verify(signed.text.clone())).unwrap().status,
        VerifyStatus::UnknownIssuer
    );
    let trusted = block_on(p.trust_issuer("Clinic".into(), key.public_key.clone())).unwrap();
    assert_eq!(trusted.key_id, key.key_id);
    assert!(!trusted.can_sign, "the phone has only the public key");
    assert_eq!(
        block_on(p.verify(signed.text)).unwrap().status,
        VerifyStatus::Valid
    );
    assert_eq!(block_on(p.keys()).unwrap(), vec![trusted]);

    let field = |e: CardError| match e {
        CardError::InvalidInput { field, .. } => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        field(block_on(p.trust_issuer("x".into(), "abc".into())).unwrap_err()),
        "public_key"
    );
    assert_eq!(
        field(block_on(p.trust_issuer(" ".into(), key.public_key)).unwrap_err()),
        "name"
    );
    assert_eq!(
        field(block_on(c.issue(key.key_id.clone(), 0)).unwrap_err()),
        "valid_days"
    );
    assert_eq!(
        field(block_on(c.issue("zz".into(), 30)).unwrap_err()),
        "key_id"
    );
    assert_eq!(
        block_on(c.issue("0011223344556677".into(), 30)),
        Err(CardError::UnknownClinicKey)
    );
    let mut bad = sample();
    bad.device.serial = String::new();
    assert_eq!(field(block_on(c.save(bad)).unwrap_err()), "device.serial");
    assert_eq!(
        field(block_on(c.render(vec![], CardFormat::Text, CardLayout::Card)).unwrap_err()),
        "languages"
    );
    // Messages name the field and carry no card data.
    let e = block_on(c.save({
        let mut b = sample();
        b.clinic.phone = "Marie's secret".into();
        b
    }));
    let msg = e.unwrap_err().to_string();
    assert!(
        msg.contains("clinic.phone") && !msg.contains("secret"),
        "{msg}"
    );
}

#[test]
fn an_mri_scan_leaves_the_pump_check_pending_until_done() {
    let (_d, thecal, clock) = open();
    let card = thecal.card();
    block_on(card.save(sample())).unwrap();
    let scan = block_on(card.log_mri_scan(t0() - Duration::hours(2))).unwrap();
    // The sample card says "interrogate the pump after the scan".
    assert_eq!(scan.follow_up, Some(FollowUpAction::InterrogatePump));
    assert_eq!(
        block_on(card.pending_mri_follow_ups()).unwrap(),
        vec![scan.clone()]
    );
    let words = card.follow_up_text(FollowUpAction::InterrogatePump, Language::Spanish);
    assert_eq!(words.title, "Después de su RM");
    assert!(words.body.contains("interrogue la bomba"));

    clock.advance(Duration::days(1));
    assert!(block_on(card.mark_pump_checked(scan.id)).unwrap());
    assert!(block_on(card.pending_mri_follow_ups()).unwrap().is_empty());
    let all = block_on(card.mri_scans()).unwrap();
    assert_eq!(all[0].pump_checked_at, Some(t0() + Duration::days(1)));
    assert!(!block_on(card.mark_pump_checked(scan.id + 10)).unwrap());

    // A card that only says the pump may stop asks for a check; one with no such step, none.
    let mut c = sample();
    c.mri.steps = vec![MriStep::PumpMayStopDuringScan];
    block_on(card.save(c.clone())).unwrap();
    assert_eq!(
        block_on(card.log_mri_scan(clock.now())).unwrap().follow_up,
        Some(FollowUpAction::CheckPump)
    );
    c.mri.steps = vec![MriStep::ContactClinicBefore];
    block_on(card.save(c)).unwrap();
    assert_eq!(
        block_on(card.log_mri_scan(clock.now())).unwrap().follow_up,
        None
    );
    assert_eq!(block_on(card.pending_mri_follow_ups()).unwrap().len(), 1);
    assert!(matches!(
        block_on(card.log_mri_scan(clock.now() + Duration::days(1))),
        Err(CardError::InvalidInput { ref field, .. }) if field == "scanned_at"
    ));
}
