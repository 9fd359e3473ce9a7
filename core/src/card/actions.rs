//! What the apps do with the card, as functions over a transaction or a connection: save it,
//! sign it with a clinic key, verify a payload, draw it, and log MRI scans with the pump check
//! the card asks for afterwards. The caller (`app::Card`) gives the time and the patient's zone.

use chrono::Duration;
use rusqlite::{Connection, Transaction};

use super::data::CardData;
use super::keys::{self, KeyId, key_id_of};
use super::payload::{self, VerifyResult};
use super::records::{CardFormat, ClinicKey, FollowUpAction, MriScan, ReminderText, SignedCard};
use super::render::{self, CardLayout};
use super::view::{self, CardView, SignatureInfo};
use super::{Error, db};
use crate::l10n::{Domain, Language, Texts};
use crate::model::{FUTURE_TOLERANCE, UtcDateTime, Zone};
use crate::store::SecretStore;

/// Saves the patient's card (replacing the previous one). Changed data needs signing again.
///
/// # Errors
/// [`Error::Invalid`] naming the first wrong field, or a storage error.
pub fn save(tx: &Transaction<'_>, card: &CardData, now: UtcDateTime) -> Result<(), Error> {
    card.validate(now)?;
    db::save_card(tx, card, now)?;
    Ok(())
}

/// The saved card, if any.
///
/// # Errors
/// A storage error.
pub fn get(conn: &Connection) -> Result<Option<CardData>, Error> {
    Ok(db::load_card(conn)?.map(|(c, _)| c))
}

/// The signed payload of the saved card, if it has been signed since it last changed.
///
/// # Errors
/// A storage error.
pub fn signed(conn: &Connection) -> Result<Option<SignedCard>, Error> {
    Ok(db::load_card(conn)?.and_then(|(_, s)| s))
}

fn check_name(name: &str) -> Result<(), Error> {
    if name.trim().is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "name",
            "must be 1 to 64 characters on one line",
        ));
    }
    Ok(())
}

/// Makes a clinic key pair on this device (the clinic-side tool) and trusts it. The private key
/// goes to the platform's key store, never to the database.
///
/// # Errors
/// [`Error::Invalid`] for an empty or too long name, [`Error::KeyStore`], or a storage error.
pub fn create_clinic_key(
    tx: &Transaction<'_>,
    name: &str,
    now: UtcDateTime,
    secrets: &dyn SecretStore,
) -> Result<ClinicKey, Error> {
    check_name(name)?;
    let pkcs8 = keys::generate_pkcs8()?;
    let public = keys::public_key_of(&pkcs8)?;
    secrets.save(keys::secret_name(&key_id_of(&public)), pkcs8)?;
    Ok(db::insert_clinic_key(tx, name, &public, now)?)
}

/// Trusts the cards of the clinic whose public key (64 hex characters) is `public_key`.
///
/// # Errors
/// [`Error::Invalid`] naming `name` or `public_key`, or a storage error.
pub fn trust_issuer(
    tx: &Transaction<'_>,
    name: &str,
    public_key: &str,
    now: UtcDateTime,
) -> Result<ClinicKey, Error> {
    check_name(name)?;
    let pk = keys::public_key_from_hex(public_key)?;
    let kid = db::trust_issuer(tx, name, &pk, now)?;
    db::all_keys(tx)?
        .into_iter()
        .find(|k| k.key_id == kid.to_hex())
        .ok_or_else(|| Error::Internal {
            context: "reading back a trusted key".into(),
        })
}

/// Every key this device knows: its own clinic keys and the trusted issuers.
///
/// # Errors
/// A storage error.
pub fn keys(conn: &Connection) -> Result<Vec<ClinicKey>, Error> {
    Ok(db::all_keys(conn)?)
}

/// Signs the saved card with the clinic key `key_id`, valid for `valid_days` days from `now`
/// (1 to 3650), and keeps the payload for rendering.
///
/// # Errors
/// [`Error::NoCard`], [`Error::UnknownClinicKey`] (also when its private key is not in the key
/// store), [`Error::Invalid`], [`Error::KeyStore`].
pub fn issue(
    tx: &Transaction<'_>,
    key_id: &str,
    valid_days: u32,
    now: UtcDateTime,
    secrets: &dyn SecretStore,
) -> Result<SignedCard, Error> {
    if !(1..=3650).contains(&valid_days) {
        return Err(Error::invalid("valid_days", "must be from 1 to 3650"));
    }
    let kid = KeyId::from_hex(key_id)?;
    let (card, _) = db::load_card(tx)?.ok_or(Error::NoCard)?;
    if !db::is_own_clinic_key(tx, &kid)? {
        return Err(Error::UnknownClinicKey);
    }
    let pkcs8 = secrets
        .load(keys::secret_name(&kid))?
        .ok_or(Error::UnknownClinicKey)?;
    // Whole seconds: what the payload carries.
    let issued = chrono::DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now);
    let expires = issued + Duration::days(i64::from(valid_days));
    let text = payload::sign(&card, &pkcs8, issued, expires)?;
    let signed = SignedCard {
        text,
        key_id: kid.to_hex(),
        issued_at: issued,
        expires_at: expires,
    };
    db::set_signed_card(tx, &signed, &kid)?;
    Ok(signed)
}

/// Checks a card payload (the QR code's text) offline against the trusted issuers. Surrounding
/// white space (a scanner's line end) is ignored.
///
/// # Errors
/// A storage error (the verdict itself is never an error).
pub fn verify(conn: &Connection, text: &str, now: UtcDateTime) -> Result<VerifyResult, Error> {
    let mut failure = None;
    let result = payload::verify(
        text.trim(),
        |kid| match db::trusted_issuer(conn, kid) {
            Ok(i) => i,
            Err(e) => {
                failure = Some(e);
                None
            }
        },
        now,
    );
    failure.map_or(Ok(result), |e| Err(e.into()))
}

fn prepare(
    conn: &Connection,
    languages: &[Language],
    zone: Zone,
) -> Result<(Vec<CardView>, Option<String>), Error> {
    if languages.is_empty() || languages.len() > 2 {
        return Err(Error::invalid(
            "languages",
            "must name one or two languages",
        ));
    }
    let (card, signed) = db::load_card(conn)?.ok_or(Error::NoCard)?;
    let sig = signed.as_ref().map(|s| SignatureInfo {
        issued_at: s.issued_at,
        expires_at: s.expires_at,
        key_id: s.key_id.clone(),
    });
    let views = languages
        .iter()
        .map(|l| view::build(&card, sig.as_ref(), *l, zone))
        .collect();
    Ok((views, signed.map(|s| s.text)))
}

/// The saved card as localised sections, one view per language (home language first), for the
/// app to draw natively.
///
/// # Errors
/// [`Error::NoCard`], [`Error::Invalid`] for no language, or a storage error.
pub fn views(
    conn: &Connection,
    languages: &[Language],
    zone: Zone,
) -> Result<Vec<CardView>, Error> {
    Ok(prepare(conn, languages, zone)?.0)
}

/// The saved card drawn in `languages` (one or two: home language, then destination) as
/// `format`, sized for `layout`, with the QR code when the card is signed.
///
/// # Errors
/// [`Error::NoCard`], [`Error::Invalid`], [`Error::Rendering`], or a storage error.
pub fn render(
    conn: &Connection,
    languages: &[Language],
    format: CardFormat,
    layout: CardLayout,
    zone: Zone,
) -> Result<Vec<u8>, Error> {
    let (views, payload) = prepare(conn, languages, zone)?;
    let payload = payload.as_deref();
    Ok(match format {
        CardFormat::Text => render::text(&views, payload).into_bytes(),
        CardFormat::Svg => render::svg(&views, payload, layout)?.into_bytes(),
    })
}

/// Logs an MRI scan at `scanned_at` with the pump check the card's MRI steps ask for
/// afterwards (pending until [`mark_pump_checked`]).
///
/// # Errors
/// [`Error::Invalid`] for a scan time in the future, or a storage error.
pub fn log_mri_scan(
    tx: &Transaction<'_>,
    scanned_at: UtcDateTime,
    now: UtcDateTime,
) -> Result<MriScan, Error> {
    if scanned_at > now + FUTURE_TOLERANCE {
        return Err(Error::invalid("scanned_at", "is in the future"));
    }
    let steps = db::load_card(tx)?
        .map(|(c, _)| c.mri.steps)
        .unwrap_or_default();
    let follow_up = FollowUpAction::from_steps(&steps);
    Ok(db::insert_mri_scan(tx, scanned_at, now, follow_up)?)
}

/// Scans whose pump check is still to be done, oldest first: the pending reminders.
///
/// # Errors
/// A storage error.
pub fn pending_mri_follow_ups(conn: &Connection) -> Result<Vec<MriScan>, Error> {
    Ok(db::pending_mri_follow_ups(conn)?)
}

/// Every logged scan, oldest first.
///
/// # Errors
/// A storage error.
pub fn mri_scans(conn: &Connection) -> Result<Vec<MriScan>, Error> {
    Ok(db::mri_scans(conn)?)
}

/// Records that the pump was checked after scan `scan_id`. `false` if there is no such scan.
///
/// # Errors
/// A storage error.
pub fn mark_pump_checked(
    tx: &Transaction<'_>,
    scan_id: i64,
    now: UtcDateTime,
) -> Result<bool, Error> {
    Ok(db::mark_pump_checked(tx, scan_id, now)?)
}

/// The reminder for `action` in `language`, for the app's notification.
#[must_use]
pub fn follow_up_text(action: FollowUpAction, language: Language) -> ReminderText {
    let l = Texts::or_english(language, Domain::Card);
    ReminderText {
        title: l.get("follow-up-title"),
        body: l.get(match action {
            FollowUpAction::InterrogatePump => "follow-up-interrogate",
            FollowUpAction::CheckPump => "follow-up-check",
        }),
    }
}
