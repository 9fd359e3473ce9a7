//! `Export`: the FHIR bundle and the encrypted backup as the apps reach them. Each call reads or
//! writes a file the app names (in its own storage, then handed to the share sheet, or picked by
//! the patient), off the caller's thread.

use std::path::PathBuf;
use std::sync::Arc;

use super::{BackupError, ExportError, Inner};
use crate::export::backup::{self, BackupInfo, PHONE_WORK_FACTOR};
use crate::export::fhir::{self, FhirSummary};
use crate::export::report::{self, Paper, ReportSummary};
use crate::model::CalendarDate;

/// The FHIR export and import, and the backups. Get it from `Thecal::export()`.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct Export {
    inner: Arc<Inner>,
}

impl Export {
    pub(super) fn new(inner: Arc<Inner>) -> Self {
        Self { inner }
    }
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Export {
    /// Writes everything the FHIR bundle carries (pumps, implant, refills, intrathecal drug, pain
    /// scores, medication log) into the file at `path`, replaced whole once written.
    ///
    /// # Errors
    /// [`ExportError::FileUnavailable`], or a storage error.
    pub async fn write_fhir_bundle(&self, path: String) -> Result<FhirSummary, ExportError> {
        let now = self.inner.now();
        self.inner
            .read_blocking("writing the FHIR export", move |c| {
                fhir::write_bundle(c, now, &PathBuf::from(path))
            })
            .await
    }

    /// Writes the clinician report (PDF) of the local days `from..=to` (each `None`: from the
    /// first thing recorded, to today) in the language `lang` (`en`, `es`, `fr`, `de`, `it`,
    /// `pt`) on `paper` into the file at `path`, replaced whole once written.
    ///
    /// # Errors
    /// [`ExportError::InvalidInput`] on `from`, `to` or `lang`,
    /// [`ExportError::FileUnavailable`], or a storage error.
    pub async fn write_report(
        &self,
        path: String,
        from: Option<CalendarDate>,
        to: Option<CalendarDate>,
        lang: String,
        paper: Paper,
    ) -> Result<ReportSummary, ExportError> {
        let (now, zone) = (self.inner.now(), self.inner.zone);
        self.inner
            .read_blocking("writing the clinician report", move |c| {
                report::write_report(c, now, zone, (from, to), &lang, paper, &PathBuf::from(path))
            })
            .await
    }

    /// Makes an encrypted backup of all the app's data into the file at `path` (replaced whole
    /// once written), protected by `passphrase` (at least 8 characters). The app keeps working
    /// meanwhile. Keys in the platform's key store are not in it.
    ///
    /// # Errors
    /// [`BackupError::InvalidInput`] for a short passphrase, [`BackupError::FileUnavailable`],
    /// or a storage error.
    pub async fn create_backup(
        &self,
        path: String,
        passphrase: String,
    ) -> Result<BackupInfo, BackupError> {
        self.inner
            .run_blocking("making a backup", move |i| {
                backup::create(
                    &i.store,
                    &PathBuf::from(path),
                    &passphrase,
                    i.now(),
                    PHONE_WORK_FACTOR,
                )
                .map_err(BackupError::from)
            })
            .await
    }

    /// Replaces all the app's data by the backup at `path`, opened with `passphrase`. The
    /// backup is checked whole first; on any error the data is unchanged. Stop the pump link
    /// before, and pair the pump again afterwards on a new phone.
    ///
    /// # Errors
    /// [`BackupError::WrongPassphrase`], [`BackupError::NotABackup`],
    /// [`BackupError::BackupDamaged`], [`BackupError::NewerVersion`],
    /// [`BackupError::NewerFormat`], [`BackupError::FileUnavailable`], or a storage error.
    pub async fn restore_backup(
        &self,
        path: String,
        passphrase: String,
    ) -> Result<BackupInfo, BackupError> {
        let out = self
            .inner
            .run_blocking("restoring a backup", move |i| {
                backup::restore(&i.store, &PathBuf::from(path), &passphrase)
                    .map_err(BackupError::from)
            })
            .await;
        self.inner.changed();
        out
    }
}

impl Export {
    /// Reads a FHIR bundle that Thecal exported into this store, which must hold no pump or
    /// diary entry yet (a new one). Checked whole before anything is written.
    ///
    /// For the Rust tools (`thecal export import-fhir`, the tests), not exported to the apps: it
    /// costs the phone library 0.1 MB of its 4 MB budget, and a phone moves its data to a new
    /// one with a backup, which carries everything (decision 0006, `docs/decisions/`).
    ///
    /// # Errors
    /// [`ExportError::NotEmpty`], [`ExportError::InvalidBundle`],
    /// [`ExportError::FileUnavailable`], or a storage error.
    pub async fn import_fhir_bundle(&self, path: String) -> Result<FhirSummary, ExportError> {
        let now = self.inner.now();
        self.inner
            .write_blocking("importing a FHIR export", move |tx| {
                fhir::import_file(tx, &PathBuf::from(path), now)
            })
            .await
    }
}
