//! `Card`: the implanted-device ID card as the apps reach it.

use std::sync::Arc;

use super::{CardError, Inner};
use crate::card::{
    self, CardData, CardFormat, CardLayout, CardView, ClinicKey, FollowUpAction, Language, MriScan,
    ReminderText, SignedCard, VerifyResult,
};
use crate::model::UtcDateTime;

/// The ID card. Get it from `Thecal::card()`.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct Card {
    inner: Arc<Inner>,
}

impl Card {
    pub(super) fn new(inner: Arc<Inner>) -> Self {
        Self { inner }
    }
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Card {
    /// Saves the patient's card (replacing the previous one). Changed data needs signing again.
    ///
    /// # Errors
    /// [`CardError::InvalidInput`] naming the first wrong field, or a storage error.
    pub async fn save(&self, card: CardData) -> Result<(), CardError> {
        let now = self.inner.now();
        self.inner
            .write_blocking("saving the ID card", move |tx| {
                card::actions::save(tx, &card, now)
            })
            .await
    }

    /// The saved card, if any.
    ///
    /// # Errors
    /// A storage error.
    pub async fn get(&self) -> Result<Option<CardData>, CardError> {
        self.inner
            .read_blocking("reading the ID card", card::actions::get)
            .await
    }

    /// The signed payload of the saved card, if it has been signed since it last changed.
    ///
    /// # Errors
    /// A storage error.
    pub async fn signed(&self) -> Result<Option<SignedCard>, CardError> {
        self.inner
            .read_blocking("reading the signed card", card::actions::signed)
            .await
    }

    /// Makes a clinic key pair on this device (the clinic-side tool) and trusts it.
    ///
    /// # Errors
    /// [`CardError::InvalidInput`] for an empty or too long name, or a storage error.
    pub async fn create_clinic_key(&self, name: String) -> Result<ClinicKey, CardError> {
        let now = self.inner.now();
        let secrets = Arc::clone(&self.inner.secrets);
        self.inner
            .write_blocking("making a clinic key", move |tx| {
                card::actions::create_clinic_key(tx, &name, now, secrets.as_ref())
            })
            .await
    }

    /// Trusts the cards of the clinic whose public key (64 hex characters) is `public_key`.
    ///
    /// # Errors
    /// [`CardError::InvalidInput`] naming `name` or `public_key`, or a storage error.
    pub async fn trust_issuer(
        &self,
        name: String,
        public_key: String,
    ) -> Result<ClinicKey, CardError> {
        let now = self.inner.now();
        self.inner
            .write_blocking("trusting a clinic key", move |tx| {
                card::actions::trust_issuer(tx, &name, &public_key, now)
            })
            .await
    }

    /// Every key this device knows: its own clinic keys and the trusted issuers.
    ///
    /// # Errors
    /// A storage error.
    pub async fn keys(&self) -> Result<Vec<ClinicKey>, CardError> {
        self.inner
            .read_blocking("listing clinic keys", card::actions::keys)
            .await
    }

    /// Signs the saved card with the clinic key `key_id`, valid for `valid_days` days from now
    /// (1 to 3650), and keeps the payload for rendering.
    ///
    /// # Errors
    /// [`CardError::NoCard`], [`CardError::UnknownClinicKey`], [`CardError::InvalidInput`].
    pub async fn issue(&self, key_id: String, valid_days: u32) -> Result<SignedCard, CardError> {
        let now = self.inner.now();
        let secrets = Arc::clone(&self.inner.secrets);
        self.inner
            .write_blocking("signing the ID card", move |tx| {
                card::actions::issue(tx, &key_id, valid_days, now, secrets.as_ref())
            })
            .await
    }

    /// Checks a card payload (the QR code's text) offline against the trusted issuers.
    /// Surrounding white space (a scanner's line end) is ignored.
    ///
    /// # Errors
    /// A storage error (the verdict itself is never an error).
    pub async fn verify(&self, text: String) -> Result<VerifyResult, CardError> {
        let now = self.inner.now();
        self.inner
            .read_blocking("checking a card", move |c| {
                card::actions::verify(c, &text, now)
            })
            .await
    }

    /// The saved card as localised sections, one view per language (home language first), for
    /// the app to draw natively.
    ///
    /// # Errors
    /// [`CardError::NoCard`], [`CardError::InvalidInput`] for no language, or a storage error.
    pub async fn views(&self, languages: Vec<Language>) -> Result<Vec<CardView>, CardError> {
        let zone = self.inner.zone;
        self.inner
            .read_blocking("preparing the ID card", move |c| {
                card::actions::views(c, &languages, zone)
            })
            .await
    }

    /// The saved card drawn in `languages` (one or two: home language, then destination) as
    /// `format`, sized for `layout`, with the QR code when the card is signed.
    ///
    /// # Errors
    /// [`CardError::NoCard`], [`CardError::InvalidInput`], [`CardError::Rendering`], or a
    /// storage error.
    pub async fn render(
        &self,
        languages: Vec<Language>,
        format: CardFormat,
        layout: CardLayout,
    ) -> Result<Vec<u8>, CardError> {
        let zone = self.inner.zone;
        self.inner
            .read_blocking("drawing the ID card", move |c| {
                card::actions::render(c, &languages, format, layout, zone)
            })
            .await
    }

    /// Logs an MRI scan at `scanned_at` and returns it with the pump check the card's MRI steps
    /// ask for afterwards (pending until [`Card::mark_pump_checked`]).
    ///
    /// # Errors
    /// [`CardError::InvalidInput`] for a scan time in the future, or a storage error.
    pub async fn log_mri_scan(&self, scanned_at: UtcDateTime) -> Result<MriScan, CardError> {
        let now = self.inner.now();
        self.inner
            .write_blocking("logging an MRI scan", move |tx| {
                card::actions::log_mri_scan(tx, scanned_at, now)
            })
            .await
    }

    /// Scans whose pump check is still to be done, oldest first: the pending reminders.
    ///
    /// # Errors
    /// A storage error.
    pub async fn pending_mri_follow_ups(&self) -> Result<Vec<MriScan>, CardError> {
        self.inner
            .read_blocking(
                "reading MRI follow-ups",
                card::actions::pending_mri_follow_ups,
            )
            .await
    }

    /// Every logged scan, oldest first.
    ///
    /// # Errors
    /// A storage error.
    pub async fn mri_scans(&self) -> Result<Vec<MriScan>, CardError> {
        self.inner
            .read_blocking("reading MRI scans", card::actions::mri_scans)
            .await
    }

    /// Records that the pump was checked after scan `scan_id`. `false` if there is no such scan.
    ///
    /// # Errors
    /// A storage error.
    pub async fn mark_pump_checked(&self, scan_id: i64) -> Result<bool, CardError> {
        let now = self.inner.now();
        self.inner
            .write_blocking("recording the pump check", move |tx| {
                card::actions::mark_pump_checked(tx, scan_id, now)
            })
            .await
    }

    /// The reminder for `action` in `language`, for the app's notification.
    #[must_use]
    pub fn follow_up_text(&self, action: FollowUpAction, language: Language) -> ReminderText {
        card::actions::follow_up_text(action, language)
    }
}
