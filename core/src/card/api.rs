//! `CardApi`: the ID card as the apps and the CLI reach it (`thecal.card()`). Thin, guarded
//! delegates to the pure card modules and the store.

use std::sync::Arc;

use chrono::Duration;

use super::CardError;
use super::data::{CardData, MriStep};
use super::keys::{self, KeyId};
use super::l10n::{CardLanguage, Localizer};
use super::payload::{self, VerifyResult};
use super::render::{self, CardLayout};
use super::view::{self, CardView, SignatureInfo};
use crate::app::{Thecal, guard};
use crate::model::{Clock, UtcDateTime};
use crate::store::{self, Store};

/// A clinic signing key known to this device.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ClinicKey {
    /// Its short id (16 hex characters), printed on the card.
    pub key_id: String,
    /// The clinic's name.
    pub name: String,
    /// The public key (64 hex characters): what the clinic hands to the apps that should trust
    /// its cards.
    pub public_key: String,
    /// Whether the private key is on this device (it can sign cards).
    pub can_sign: bool,
}

/// A signed card payload: the QR code's text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SignedCard {
    /// `THECAL1:` + base45 text.
    pub text: String,
    /// The signing key's id (hex).
    pub key_id: String,
    /// When it was signed.
    pub issued_at: UtcDateTime,
    /// When it stops being valid.
    pub expires_at: UtcDateTime,
}

/// What the patient should have done after an MRI, from the card's MRI steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum FollowUpAction {
    /// Have the clinic interrogate the pump (the card says "interrogate the pump after").
    InterrogatePump,
    /// Have the clinic check the pump (the card says the pump may stop during the scan).
    CheckPump,
}

impl FollowUpAction {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::InterrogatePump => "interrogate",
            Self::CheckPump => "check",
        }
    }

    pub(crate) fn from_code(code: &str) -> Option<Self> {
        match code {
            "interrogate" => Some(Self::InterrogatePump),
            "check" => Some(Self::CheckPump),
            _ => None,
        }
    }

    /// The follow-up the card's `steps` ask for, if any.
    fn from_steps(steps: &[MriStep]) -> Option<Self> {
        if steps.contains(&MriStep::InterrogatePumpAfter) {
            Some(Self::InterrogatePump)
        } else if steps.contains(&MriStep::PumpMayStopDuringScan) {
            Some(Self::CheckPump)
        } else {
            None
        }
    }
}

/// A logged MRI scan.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MriScan {
    /// The store's id.
    pub id: i64,
    /// When the scan was.
    pub scanned_at: UtcDateTime,
    /// The pump check the card asks for afterwards (`None` when its steps ask for none).
    pub follow_up: Option<FollowUpAction>,
    /// When the patient recorded that the pump was checked.
    pub pump_checked_at: Option<UtcDateTime>,
}

/// A reminder's words, in the patient's language.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReminderText {
    /// The title ("After your MRI").
    pub title: String,
    /// The sentence ("Your MRI is done. Have your pump interrogated by your clinic…").
    pub body: String,
}

/// The output format of [`CardApi::render`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum CardFormat {
    /// UTF-8 plain text.
    Text,
    /// An SVG document (UTF-8).
    Svg,
    /// A PNG image (only in builds with the `png` feature: the CLI and desktop).
    Png,
}

/// The ID card API. Get it from `Thecal::card()`.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct CardApi {
    store: Arc<Store>,
    clock: Arc<dyn Clock>,
    tz: chrono_tz::Tz,
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Thecal {
    /// The implanted-device ID card: fill in, sign, render, verify; MRI scans and follow-ups.
    #[must_use]
    pub fn card(&self) -> Arc<CardApi> {
        Arc::new(CardApi {
            store: self.store_arc(),
            clock: self.clock(),
            tz: self.tz(),
        })
    }
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl CardApi {
    /// Saves the patient's card (replacing the previous one). Changed data needs signing again.
    ///
    /// # Errors
    /// [`CardError::InvalidInput`] naming the first wrong field, or a storage error.
    pub fn save(&self, card: CardData) -> Result<(), CardError> {
        guard("saving the ID card", || {
            let now = self.clock.now();
            card.validate(now)?;
            self.store.write(|tx| store::save_card(tx, &card, now))?;
            Ok(())
        })
    }

    /// The saved card, if any.
    ///
    /// # Errors
    /// A storage error.
    pub fn get(&self) -> Result<Option<CardData>, CardError> {
        guard("reading the ID card", || {
            Ok(self.store.read(store::load_card)?.map(|(c, _)| c))
        })
    }

    /// The signed payload of the saved card, if it has been signed since it last changed.
    ///
    /// # Errors
    /// A storage error.
    pub fn signed(&self) -> Result<Option<SignedCard>, CardError> {
        guard("reading the signed card", || {
            Ok(self.store.read(store::load_card)?.and_then(|(_, s)| s))
        })
    }

    /// Makes a clinic key pair on this device (the clinic-side tool) and trusts it.
    ///
    /// # Errors
    /// [`CardError::InvalidInput`] for an empty or too long name, or a storage error.
    pub fn create_clinic_key(&self, name: String) -> Result<ClinicKey, CardError> {
        guard("making a clinic key", || {
            check_name(&name)?;
            let pkcs8 = keys::generate_pkcs8()?;
            let public = keys::public_key_of(&pkcs8)?;
            let now = self.clock.now();
            Ok(self
                .store
                .write(|tx| store::insert_clinic_key(tx, &name, &public, &pkcs8, now))?)
        })
    }

    /// Trusts the cards of the clinic whose public key (64 hex characters) is `public_key`.
    ///
    /// # Errors
    /// [`CardError::InvalidInput`] naming `name` or `public_key`, or a storage error.
    pub fn trust_issuer(&self, name: String, public_key: String) -> Result<ClinicKey, CardError> {
        guard("trusting a clinic key", || {
            check_name(&name)?;
            let pk = keys::public_key_from_hex(&public_key)?;
            let now = self.clock.now();
            let kid = self
                .store
                .write(|tx| store::trust_issuer(tx, &name, &pk, now))?;
            self.store
                .read(store::all_keys)?
                .into_iter()
                .find(|k| k.key_id == kid.to_hex())
                .ok_or_else(|| CardError::Internal {
                    context: "reading back a trusted key".into(),
                })
        })
    }

    /// Every key this device knows: its own clinic keys and the trusted issuers.
    ///
    /// # Errors
    /// A storage error.
    pub fn keys(&self) -> Result<Vec<ClinicKey>, CardError> {
        guard("listing clinic keys", || {
            Ok(self.store.read(store::all_keys)?)
        })
    }

    /// Signs the saved card with the clinic key `key_id`, valid for `valid_days` days from now
    /// (1 to 3650), and keeps the payload for rendering.
    ///
    /// # Errors
    /// [`CardError::NoCard`], [`CardError::UnknownClinicKey`], [`CardError::InvalidInput`].
    pub fn issue(&self, key_id: String, valid_days: u32) -> Result<SignedCard, CardError> {
        guard("signing the ID card", || {
            if !(1..=3650).contains(&valid_days) {
                return Err(CardError::invalid("valid_days", "must be from 1 to 3650"));
            }
            let kid = KeyId::from_hex(&key_id)?;
            let (card, _) = self
                .store
                .read(store::load_card)?
                .ok_or(CardError::NoCard)?;
            let pkcs8 = self
                .store
                .read(|c| store::clinic_key_pkcs8(c, &kid))?
                .ok_or(CardError::UnknownClinicKey)?;
            // Whole seconds: what the payload carries.
            let now = self.clock.now();
            let issued = chrono::DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now);
            let expires = issued + Duration::days(i64::from(valid_days));
            let text = payload::sign(&card, &pkcs8, issued, expires)?;
            let signed = SignedCard {
                text,
                key_id: kid.to_hex(),
                issued_at: issued,
                expires_at: expires,
            };
            self.store
                .write(|tx| store::set_signed_card(tx, &signed, &kid))?;
            Ok(signed)
        })
    }

    /// Checks a card payload (the QR code's text) offline against the trusted issuers.
    /// Surrounding white space (a scanner's line end) is ignored.
    ///
    /// # Errors
    /// A storage error (the verdict itself is never an error).
    pub fn verify(&self, text: String) -> Result<VerifyResult, CardError> {
        guard("checking a card", || {
            let now = self.clock.now();
            self.store
                .read(|conn| {
                    let mut failure = None;
                    let result = payload::verify(
                        text.trim(),
                        |kid| match store::trusted_issuer(conn, kid) {
                            Ok(i) => i,
                            Err(e) => {
                                failure = Some(e);
                                None
                            }
                        },
                        now,
                    );
                    failure.map_or(Ok(result), Err)
                })
                .map_err(CardError::from)
        })
    }

    /// Checks the QR code in a PNG picture of a card (builds with the `png` feature).
    ///
    /// # Errors
    /// [`CardError::ImageUnreadable`], [`CardError::NoQrCode`], [`CardError::PngNotAvailable`],
    /// or a storage error.
    pub fn verify_image(&self, png: Vec<u8>) -> Result<VerifyResult, CardError> {
        #[cfg(feature = "png")]
        {
            let text = guard("reading the card picture", || super::png::read_qr(&png))?;
            self.verify(text)
        }
        #[cfg(not(feature = "png"))]
        {
            let _ = png;
            Err(CardError::PngNotAvailable)
        }
    }

    /// The saved card as localised sections, one view per language (home language first), for
    /// the app to draw natively.
    ///
    /// # Errors
    /// [`CardError::NoCard`], [`CardError::InvalidInput`] for no language, or a storage error.
    pub fn views(&self, languages: Vec<CardLanguage>) -> Result<Vec<CardView>, CardError> {
        guard("preparing the ID card", || {
            let (views, _) = self.prepare(&languages)?;
            Ok(views)
        })
    }

    /// The saved card drawn in `languages` (one or two: home language, then destination) as
    /// `format`, sized for `layout`, with the QR code when the card is signed.
    ///
    /// # Errors
    /// [`CardError::NoCard`], [`CardError::InvalidInput`], [`CardError::PngNotAvailable`],
    /// [`CardError::Rendering`], or a storage error.
    pub fn render(
        &self,
        languages: Vec<CardLanguage>,
        format: CardFormat,
        layout: CardLayout,
    ) -> Result<Vec<u8>, CardError> {
        guard("drawing the ID card", || {
            let (views, payload) = self.prepare(&languages)?;
            let payload = payload.as_deref();
            match format {
                CardFormat::Text => Ok(render::text(&views, payload).into_bytes()),
                CardFormat::Svg => Ok(render::svg(&views, payload, layout)?.into_bytes()),
                CardFormat::Png => png_bytes(&render::svg(&views, payload, layout)?),
            }
        })
    }

    /// Logs an MRI scan at `scanned_at` and returns it with the pump check the card's MRI steps
    /// ask for afterwards (pending until [`CardApi::mark_pump_checked`]).
    ///
    /// # Errors
    /// [`CardError::InvalidInput`] for a scan time in the future, or a storage error.
    pub fn log_mri_scan(&self, scanned_at: UtcDateTime) -> Result<MriScan, CardError> {
        guard("logging an MRI scan", || {
            let now = self.clock.now();
            if scanned_at > now + Duration::minutes(5) {
                return Err(CardError::invalid("scanned_at", "is in the future"));
            }
            let steps = self
                .store
                .read(store::load_card)?
                .map(|(c, _)| c.mri.steps)
                .unwrap_or_default();
            let follow_up = FollowUpAction::from_steps(&steps);
            Ok(self
                .store
                .write(|tx| store::insert_mri_scan(tx, scanned_at, now, follow_up))?)
        })
    }

    /// Scans whose pump check is still to be done, oldest first: the pending reminders.
    ///
    /// # Errors
    /// A storage error.
    pub fn pending_mri_follow_ups(&self) -> Result<Vec<MriScan>, CardError> {
        guard("reading MRI follow-ups", || {
            Ok(self.store.read(store::pending_mri_follow_ups)?)
        })
    }

    /// Every logged scan, oldest first.
    ///
    /// # Errors
    /// A storage error.
    pub fn mri_scans(&self) -> Result<Vec<MriScan>, CardError> {
        guard("reading MRI scans", || {
            Ok(self.store.read(store::mri_scans)?)
        })
    }

    /// Records that the pump was checked after scan `scan_id`. `false` if there is no such scan.
    ///
    /// # Errors
    /// A storage error.
    pub fn mark_pump_checked(&self, scan_id: i64) -> Result<bool, CardError> {
        guard("recording the pump check", || {
            let now = self.clock.now();
            Ok(self
                .store
                .write(|tx| store::mark_pump_checked(tx, scan_id, now))?)
        })
    }

    /// The reminder for `action` in `language`, for the app's notification.
    #[must_use]
    pub fn follow_up_text(&self, action: FollowUpAction, language: CardLanguage) -> ReminderText {
        let l = Localizer::new(language);
        ReminderText {
            title: l.get("follow-up-title"),
            body: l.get(match action {
                FollowUpAction::InterrogatePump => "follow-up-interrogate",
                FollowUpAction::CheckPump => "follow-up-check",
            }),
        }
    }
}

impl CardApi {
    fn prepare(
        &self,
        languages: &[CardLanguage],
    ) -> Result<(Vec<CardView>, Option<String>), CardError> {
        if languages.is_empty() || languages.len() > 2 {
            return Err(CardError::invalid(
                "languages",
                "must name one or two languages",
            ));
        }
        let (card, signed) = self
            .store
            .read(store::load_card)?
            .ok_or(CardError::NoCard)?;
        let sig = signed.as_ref().map(|s| SignatureInfo {
            issued_at: s.issued_at,
            expires_at: s.expires_at,
            key_id: s.key_id.clone(),
        });
        let views = languages
            .iter()
            .map(|l| view::build(&card, sig.as_ref(), *l, self.tz))
            .collect();
        Ok((views, signed.map(|s| s.text)))
    }
}

fn check_name(name: &str) -> Result<(), CardError> {
    if name.trim().is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(CardError::invalid(
            "name",
            "must be 1 to 64 characters on one line",
        ));
    }
    Ok(())
}

#[cfg(feature = "png")]
fn png_bytes(svg: &str) -> Result<Vec<u8>, CardError> {
    super::png::png(svg)
}

#[cfg(not(feature = "png"))]
fn png_bytes(_svg: &str) -> Result<Vec<u8>, CardError> {
    Err(CardError::PngNotAvailable)
}
