//! The FFI edge for errors: the public error enums the apps see, and the one place per area
//! where the core's internal errors are mapped to them.
//!
//! Every public enum has the same common variants, with the same messages: `InvalidInput
//! { field, reason }`, `StorageFull`, `StorageUnavailable { reason }`, `DataDamaged { what }`
//! and `Internal { context }`, plus the area's own. Messages say what a person can do and never
//! carry health data. The detail of an unexpected failure is logged where it happens (without
//! data) and the person sees only what they can act on.

use crate::export::{backup, fhir, report};
use crate::model::InvalidInput;
use crate::store::StoreError;
use crate::store::journal::Refusal;
use crate::{card, diary, link, notifications, recovery, therapy};

/// The constructors every public error has: the common variants.
pub trait PublicError: Sized {
    /// A value given is not valid.
    fn invalid(e: InvalidInput) -> Self;
    /// The phone's storage is full.
    fn full() -> Self;
    /// The data file cannot be used right now.
    fn unavailable(reason: String) -> Self;
    /// The data file is damaged.
    fn damaged(what: String) -> Self;
    /// A bug (or a panic caught at the boundary) while doing `context`.
    fn internal(context: &str) -> Self;
}

/// A storage failure as the person sees it, in any area.
fn storage<E: PublicError>(e: StoreError) -> E {
    match e {
        StoreError::Full => E::full(),
        StoreError::Busy => E::unavailable("another part of the app is using it".into()),
        StoreError::CannotOpen { reason } => E::unavailable(reason),
        StoreError::Corrupt { what } => E::damaged(what),
        StoreError::KeptAside { name } => E::damaged(format!("it was kept aside as {name}")),
        StoreError::NewerVersion { .. } => E::internal("checking the data version"),
        StoreError::Unexpected { context } => E::internal(&context),
    }
}

/// Declares a public error enum with the common variants first, then the area's own
/// (written out in the braces, with their docs and messages). `journaled` adds the variants of
/// areas that keep journaled entries (`NotFound`, `RestoreExpired`, `NotDeleted`) and their
/// mapping from a journal [`Refusal`].
macro_rules! public_error {
    (journaled; $(#[$meta:meta])* pub enum $name:ident { $($own:tt)* }) => {
        public_error! {
            $(#[$meta])*
            pub enum $name {
                /// No entry with that id (or it was deleted; deleted entries can be restored).
                #[error(
                    "This entry was not found. It may have been deleted; deleted entries can be restored for 30 days."
                )]
                NotFound,
                /// The entry was deleted more than 30 days ago and can no longer be restored.
                #[error("This entry was deleted more than 30 days ago and can no longer be restored.")]
                RestoreExpired,
                /// The entry to restore is not deleted.
                #[error("This entry is not deleted, so there is nothing to restore.")]
                NotDeleted,
                $($own)*
            }
        }

        impl From<Refusal> for $name {
            fn from(r: Refusal) -> Self {
                match r {
                    Refusal::NotFound => Self::NotFound,
                    Refusal::NotDeleted => Self::NotDeleted,
                    Refusal::Expired => Self::RestoreExpired,
                }
            }
        }
    };
    ($(#[$meta:meta])* pub enum $name:ident { $($own:tt)* }) => {
        $(#[$meta])*
        ///
        /// Its message (Kotlin `toString()`, Swift `description`) is the sentence to show the
        /// person.
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        #[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
        #[cfg_attr(feature = "uniffi", uniffi::export(Display))]
        #[non_exhaustive]
        pub enum $name {
            /// A value given is not valid: `field` names it as in the API (`score`, `at`,
            /// `clinic.phone`…).
            #[error("The value for {field} is not valid: it {reason}.")]
            InvalidInput {
                /// The field, as named in the API.
                field: String,
                /// What is wrong with it.
                reason: String,
            },
            /// The phone's storage is full: nothing was saved, and nothing saved before is lost.
            #[error(
                "The phone's storage is full, so this was not saved. Free some space and try again; nothing saved before has been lost."
            )]
            StorageFull,
            /// The data file cannot be used right now (busy, read-only, an I/O error).
            #[error(
                "Thecal cannot use its data file right now ({reason}). Check that the app may write to its data folder, then try again; nothing saved before has been lost."
            )]
            StorageUnavailable {
                /// The system's reason (never data).
                reason: String,
            },
            /// The data file is damaged.
            #[error(
                "Thecal's data file is damaged ({what}). Restore your latest backup, or contact support; do not delete the app."
            )]
            DataDamaged {
                /// What could not be read (a table or check name, never a value).
                what: String,
            },
            /// A bug in Thecal; the data already saved is safe.
            #[error(
                "Something went wrong inside Thecal ({context}). Your saved data is safe; please report this."
            )]
            Internal {
                /// Where it happened (code location words, never data).
                context: String,
            },
            $($own)*
        }

        impl PublicError for $name {
            fn invalid(e: InvalidInput) -> Self {
                Self::InvalidInput {
                    field: e.field.to_owned(),
                    reason: e.reason,
                }
            }
            fn full() -> Self {
                Self::StorageFull
            }
            fn unavailable(reason: String) -> Self {
                Self::StorageUnavailable { reason }
            }
            fn damaged(what: String) -> Self {
                Self::DataDamaged { what }
            }
            fn internal(context: &str) -> Self {
                Self::Internal {
                    context: context.to_owned(),
                }
            }
        }

        impl From<InvalidInput> for $name {
            fn from(e: InvalidInput) -> Self {
                Self::invalid(e)
            }
        }
    };
}

/// The common mapping of storage failures, for the areas with no special case.
macro_rules! from_store {
    ($($name:ident),*) => {$(
        impl From<StoreError> for $name {
            fn from(e: StoreError) -> Self {
                storage(e)
            }
        }
    )*};
}

public_error! {
    /// Why Thecal could not open its data. Messages say what to do; none carries health data.
    pub enum OpenError {
        /// The data was written by a newer version of the app; nothing has been changed.
        #[error(
            "This data was saved by a newer version of Thecal (data version {found}; this version knows up to {supported}). Update the app; nothing has been changed."
        )]
        NewerVersion {
            /// The data's schema version.
            found: u32,
            /// The newest schema version this build understands.
            supported: u32,
        },
    }
}

impl From<StoreError> for OpenError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NewerVersion { found, supported } => {
                Self::NewerVersion { found, supported }
            }
            other => storage(other),
        }
    }
}

public_error! {
    /// Why a call about the pumps, their readings, refills and alarms (or the dashboard)
    /// failed.
    pub enum PumpError {
        /// No pump with that serial number has been paired with this app.
        #[error("This pump is not known to Thecal yet. Pair it first.")]
        PumpNotPaired,
    }
}

public_error! {
    /// Why a request to the pump link failed.
    pub enum LinkError {
        /// `start` was called while the link is already running.
        #[error("The pump link is already running.")]
        AlreadyRunning,
        /// The request needs a running link.
        #[error("The pump link is not running. Start it first.")]
        NotRunning,
        /// The pump picked does not report the serial number the person confirmed (or is not
        /// the paired pump): nothing was paired or stored.
        #[error(
            "This pump's {what} does not match the one you entered. Check the serial number on your clinic's printout or ID card and pick your own pump; nothing was paired."
        )]
        PumpMismatch {
            /// What differs (`serial`, `model`, `BLE identity`), never a value.
            what: String,
        },
        /// No pump is paired (for a call that needs one).
        #[error("No pump is paired yet. Pair your pump first.")]
        NotPaired,
        /// Another pump is paired.
        #[error(
            "Another pump is paired with Thecal. Unpair it first, or choose \"replace pump\" after a replacement surgery."
        )]
        AlreadyPaired,
        /// The device picked is not a pump Thecal knows.
        #[error("This device is not a pump Thecal can follow. Pick your pump from the list.")]
        NotAPump,
        /// The phone's Bluetooth transport failed.
        #[error("{0}")]
        Transport(#[from] link::TransportError),
    }
}

public_error! {
    journaled;
    /// Why a diary call failed.
    pub enum DiaryError {}
}

public_error! {
    journaled;
    /// Why a recovery call failed (a missing reminder is `NotFound` too).
    pub enum RecoveryError {
        /// No recovery plan has been started yet.
        #[error("No recovery plan has been started yet. Start one with the date of the implant.")]
        NoPlan,
        /// The checklist has no item with that key.
        #[error("This checklist item does not exist. Update the app if it came from a newer version.")]
        UnknownItem,
    }
}

public_error! {
    /// Why an ID card call failed. Never carries card data.
    pub enum CardError {
        /// No card has been saved yet.
        #[error("No ID card has been filled in yet. Fill in the card first.")]
        NoCard,
        /// The clinic key named is not on this device.
        #[error(
            "This clinic key is not on this device. Create a clinic key or pick one from the list."
        )]
        UnknownClinicKey,
        /// Drawing the card failed.
        #[error("The card could not be drawn ({reason}).")]
        Rendering {
            /// What went wrong (never card data).
            reason: String,
        },
        /// The phone's secure key storage (where the clinic's signing key lives) cannot be used.
        #[error(
            "The phone's secure key storage cannot be used now ({reason}). Unlock the phone and try again."
        )]
        KeyStoreUnavailable {
            /// The platform's reason (never a secret).
            reason: String,
        },
    }
}

public_error! {
    /// Why a caregiver-alerts call failed. Never carries an alert's text or a key.
    pub enum CaregiverError {
        /// The relay could not be reached (offline, timeout, TLS): what was stored goes later.
        #[error("The relay cannot be reached ({reason}). Thecal will try again when the phone is online; nothing is lost.")]
        RelayUnreachable {
            /// The network's reason.
            reason: String,
        },
        /// The relay refused the request.
        #[error("The relay refused the request: {reason}")]
        RelayRefused {
            /// The protocol's error code (`rate_limited`, `mailbox_full`…).
            code: String,
            /// The relay's own words.
            reason: String,
        },
        /// No caregiver or patient paired yet, so no relay is set up.
        #[error("No caregiver has been paired yet: invite one first.")]
        NotSetUp,
        /// The device named is not paired with this phone (or was revoked).
        #[error("This device is not paired with this phone.")]
        NotPaired,
        /// The alert named is not on this phone.
        #[error("This alert is not on this phone (it may have been deleted).")]
        UnknownAlert,
        /// The pairing code or QR code cannot be read.
        #[error("{reason}")]
        BadInvitation {
            /// What is wrong and what to do.
            reason: String,
        },
        /// No invitation has this code.
        #[error("No invitation has this code. Check the code, or ask the patient to show a new one.")]
        InvitationNotFound,
        /// The invitation was used already.
        #[error("This invitation was already used. Ask the patient to show a new code.")]
        InvitationUsed,
        /// The invitation expired.
        #[error("This invitation has expired. Ask the patient to show a new code.")]
        InvitationExpired,
        /// A message came from a newer version of Thecal.
        #[error("A message comes from a newer version of Thecal. Update the app to read it.")]
        UpdateNeeded,
        /// A high-priority pump alarm or the pump's end of service cannot be snoozed.
        #[error("This alert cannot be snoozed: it needs someone now. Acknowledge it when you are on it.")]
        CannotSnooze,
        /// The phone's secure key storage (where this phone's alert keys live) cannot be used.
        #[error(
            "The phone's secure key storage cannot be used now ({reason}). Unlock the phone and try again."
        )]
        KeyStoreUnavailable {
            /// The platform's reason (never a secret).
            reason: String,
        },
        /// A push notification's payload is not a Thecal message (or not all of it arrived).
        #[error("This notification is not a Thecal message ({reason}); read the mailbox instead.")]
        BadPushPayload {
            /// What is wrong with it.
            reason: String,
        },
        /// A message is addressed to another phone (another caregiver's, or an old install's).
        #[error("This message is addressed to another phone; it was not opened.")]
        NotForThisDevice,
        /// A message comes from a phone that is not paired with this one (or no longer).
        #[error("This message comes from a phone that is not paired with this one; it was not opened.")]
        UnknownSender,
        /// A message was altered on the way, or is not from who it claims.
        #[error("This message was altered on the way or is not from who it claims; it was not shown.")]
        Tampered,
        /// A message expired before it arrived, or repeats an earlier one (a replay).
        #[error("{reason}")]
        MessageRefused {
            /// Why, in words a person can read.
            reason: String,
        },
    }
}

public_error! {
    /// Why "delete all my data" stopped part-way (the caregiver relay's part and the keys may be
    /// done already). Trying again finishes the job, and its report tells what both tries did.
    pub enum DeletionError {
        /// The phone's secure key storage (where the private keys live) cannot be used now.
        #[error(
            "The phone's secure key storage cannot be used now ({reason}). Unlock the phone and try again: the data on this phone has not been deleted yet."
        )]
        KeyStoreUnavailable {
            /// The platform's reason (never a secret).
            reason: String,
        },
    }
}

impl From<crate::erasure::Error> for DeletionError {
    fn from(e: crate::erasure::Error) -> Self {
        match e {
            crate::erasure::Error::KeyStore(e) => Self::KeyStoreUnavailable {
                reason: e.to_string(),
            },
            crate::erasure::Error::Store(e) => e.into(),
        }
    }
}

impl From<crate::alerts::push::PushError> for CaregiverError {
    fn from(e: crate::alerts::push::PushError) -> Self {
        use crate::alerts::push::PushError;
        match e {
            PushError::Malformed { reason } => Self::BadPushPayload { reason },
            PushError::NotForThisDevice => Self::NotForThisDevice,
            PushError::UnknownSender => Self::UnknownSender,
            PushError::Tampered => Self::Tampered,
            PushError::Refused(e) => Self::MessageRefused {
                reason: e.to_string(),
            },
            PushError::NewerVersion(_) => Self::UpdateNeeded,
            PushError::Session(e) => e.into(),
        }
    }
}

public_error! {
    /// Why a FHIR export or import, or a clinician report, failed. Never carries health data.
    pub enum ExportError {
        /// The file cannot be read or written (a missing file, no permission, a full disk).
        #[error("The file cannot be used ({reason}). Choose another place or file and try again.")]
        FileUnavailable {
            /// The system's reason (never data).
            reason: String,
        },
        /// The file is not a FHIR bundle Thecal can read.
        #[error(
            "This file is not a Thecal FHIR export Thecal can read ({at}: {reason}). Export it again from Thecal; nothing was imported."
        )]
        InvalidBundle {
            /// Where in the file (a JSON path such as `entry[12].resource.valueInteger`).
            at: String,
            /// What is wrong there (never the value).
            reason: String,
        },
        /// An import needs an empty app: this one already holds pumps or diary entries.
        #[error(
            "Thecal already holds data, so nothing was imported. Import into a newly installed app, or restore a backup instead."
        )]
        NotEmpty,
    }
}

public_error! {
    /// Why a backup or a restore failed. Whatever failed, the data in the app is unchanged.
    pub enum BackupError {
        /// The backup file cannot be read or written.
        #[error("The backup file cannot be used ({reason}). Choose another place or file and try again; your data is unchanged.")]
        FileUnavailable {
            /// The system's reason (never data).
            reason: String,
        },
        /// The passphrase does not open this backup.
        #[error("This passphrase does not open this backup. Check it and try again; your data is unchanged.")]
        WrongPassphrase,
        /// The file is not a Thecal backup (or not one protected by a passphrase).
        #[error("This file is not a Thecal backup ({what}). Choose the backup file Thecal made; your data is unchanged.")]
        NotABackup {
            /// What is wrong (never data).
            what: String,
        },
        /// The backup is damaged: cut short or altered.
        #[error("This backup is damaged ({what}), so nothing was restored and your data is unchanged. Use another copy of the backup.")]
        BackupDamaged {
            /// What did not check out (never data).
            what: String,
        },
        /// The backup was made by a newer version of the app.
        #[error("This backup was made by a newer version of Thecal (data version {found}; this version knows up to {supported}). Update the app, then restore; your data is unchanged.")]
        NewerVersion {
            /// The backup's data version.
            found: u32,
            /// The newest this version knows.
            supported: u32,
        },
        /// The backup is in a newer format.
        #[error("This backup was made by a newer version of Thecal (backup format {found}; this version reads up to {supported}). Update the app, then restore; your data is unchanged.")]
        NewerFormat {
            /// The backup's format version.
            found: u32,
            /// The newest this version reads.
            supported: u32,
        },
    }
}

from_store!(
    PumpError,
    DeletionError,
    LinkError,
    DiaryError,
    RecoveryError,
    CardError,
    CaregiverError,
    ExportError,
    BackupError
);

impl From<crate::alerts::session::Error> for CaregiverError {
    fn from(e: crate::alerts::session::Error) -> Self {
        use crate::alerts::AlertsError;
        use crate::alerts::relay::RelayError;
        use crate::alerts::session::Error;
        match e {
            Error::Store(e) => e.into(),
            Error::NoRelay => Self::NotSetUp,
            Error::UnknownPeer => Self::NotPaired,
            Error::UnknownAlert => Self::UnknownAlert,
            Error::CannotSnooze => Self::CannotSnooze,
            Error::BadSettings(e) => Self::InvalidInput {
                field: e.field.to_owned(),
                reason: e.reason.to_owned(),
            },
            Error::InvitationNotFound => Self::InvitationNotFound,
            Error::InvitationUsed => Self::InvitationUsed,
            Error::InvitationExpired => Self::InvitationExpired,
            Error::NotSent => Self::RelayUnreachable {
                reason: "the messages ending the pairings were not taken".into(),
            },
            Error::Relay(RelayError::Unreachable(e)) => Self::RelayUnreachable {
                reason: e.to_string(),
            },
            Error::Relay(RelayError::Refused { code, message, .. }) => Self::RelayRefused {
                code,
                reason: message,
            },
            Error::Relay(RelayError::Alerts(e)) | Error::Alerts(e) => match e {
                AlertsError::KeyStore(e) => Self::KeyStoreUnavailable {
                    reason: e.to_string(),
                },
                AlertsError::NewerVersion { .. } => Self::UpdateNeeded,
                e @ (AlertsError::BadPairingCode { .. } | AlertsError::Malformed { .. }) => {
                    Self::BadInvitation {
                        reason: e.to_string(),
                    }
                }
                e => Self::internal(&format!("alerts: {e}")),
            },
            Error::Relay(e) => Self::internal(&format!("relay: {e}")),
        }
    }
}

impl From<therapy::Error> for PumpError {
    fn from(e: therapy::Error) -> Self {
        match e {
            therapy::Error::Store(e) => e.into(),
            therapy::Error::Invalid(e) => e.into(),
            therapy::Error::UnknownPump => Self::PumpNotPaired,
        }
    }
}

impl From<therapy::Error> for CaregiverError {
    fn from(e: therapy::Error) -> Self {
        match e {
            therapy::Error::Store(e) => e.into(),
            e => Self::internal(&format!("the dashboard: {e}")),
        }
    }
}

impl From<notifications::Error> for PumpError {
    fn from(e: notifications::Error) -> Self {
        match e {
            notifications::Error::Store(e) => e.into(),
            notifications::Error::Invalid(e) => e.into(),
        }
    }
}

impl From<link::Error> for LinkError {
    fn from(e: link::Error) -> Self {
        match e {
            link::Error::AlreadyRunning => Self::AlreadyRunning,
            link::Error::NotRunning => Self::NotRunning,
            link::Error::Transport(e) => Self::Transport(e),
            link::Error::Store(e) => e.into(),
            link::Error::Internal { context } => Self::internal(&context),
            link::Error::Mismatch { what } => Self::PumpMismatch { what },
            link::Error::NotPaired => Self::NotPaired,
            link::Error::AlreadyPaired => Self::AlreadyPaired,
            link::Error::NotAPump => Self::NotAPump,
        }
    }
}

impl From<diary::Error> for DiaryError {
    fn from(e: diary::Error) -> Self {
        match e {
            diary::Error::Store(e) => e.into(),
            diary::Error::Invalid(e) => e.into(),
            diary::Error::Refused(r) => r.into(),
        }
    }
}

impl From<recovery::Error> for RecoveryError {
    fn from(e: recovery::Error) -> Self {
        match e {
            recovery::Error::Store(e) => e.into(),
            recovery::Error::Invalid(e) => e.into(),
            recovery::Error::Refused(r) => r.into(),
            recovery::Error::NoPlan => Self::NoPlan,
            recovery::Error::UnknownItem => Self::UnknownItem,
        }
    }
}

impl From<card::Error> for CardError {
    fn from(e: card::Error) -> Self {
        match e {
            card::Error::Store(e) => e.into(),
            card::Error::Invalid(e) => e.into(),
            card::Error::NoCard => Self::NoCard,
            card::Error::UnknownClinicKey => Self::UnknownClinicKey,
            card::Error::Rendering { reason } => Self::Rendering { reason },
            card::Error::KeyStore { reason } => Self::KeyStoreUnavailable { reason },
            card::Error::Internal { context } => Self::internal(&context),
        }
    }
}

impl From<fhir::Error> for ExportError {
    fn from(e: fhir::Error) -> Self {
        match e {
            fhir::Error::Store(e) => e.into(),
            fhir::Error::File { reason } => Self::FileUnavailable { reason },
            fhir::Error::Bundle { at, reason } => Self::InvalidBundle { at, reason },
            fhir::Error::NotEmpty => Self::NotEmpty,
        }
    }
}

impl From<report::Error> for ExportError {
    fn from(e: report::Error) -> Self {
        match e {
            report::Error::Store(e) => e.into(),
            report::Error::Invalid(e) => e.into(),
            report::Error::File { reason } => Self::FileUnavailable { reason },
        }
    }
}

impl From<backup::Error> for BackupError {
    fn from(e: backup::Error) -> Self {
        match e {
            backup::Error::Store(e) => e.into(),
            backup::Error::Invalid(e) => e.into(),
            backup::Error::File { reason } => Self::FileUnavailable { reason },
            backup::Error::WrongPassphrase => Self::WrongPassphrase,
            backup::Error::NotABackup { what } => Self::NotABackup { what: what.into() },
            backup::Error::Damaged { what } => Self::BackupDamaged { what: what.into() },
            backup::Error::NewerVersion { found, supported } => {
                Self::NewerVersion { found, supported }
            }
            backup::Error::NewerFormat { found, supported } => {
                Self::NewerFormat { found, supported }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_failures_read_the_same_in_every_area() {
        let full = StoreError::Full;
        let texts = [
            DiaryError::from(full.clone()).to_string(),
            RecoveryError::from(full.clone()).to_string(),
            CardError::from(full.clone()).to_string(),
            PumpError::from(full.clone()).to_string(),
            LinkError::from(full.clone()).to_string(),
            OpenError::from(full).to_string(),
        ];
        assert!(texts.iter().all(|t| t == &texts[0]), "{texts:?}");
        assert!(texts[0].contains("storage is full"));
        assert_eq!(
            DiaryError::from(StoreError::damaged("pain_entries")),
            DiaryError::DataDamaged {
                what: "pain_entries".into()
            }
        );
        assert!(matches!(
            CardError::from(StoreError::Busy),
            CardError::StorageUnavailable { .. }
        ));
    }

    #[test]
    fn an_invalid_value_names_its_field_in_every_area() {
        let e = InvalidInput::new("score", "must be between 0 and 10");
        assert_eq!(
            DiaryError::from(diary::Error::Invalid(e.clone())).to_string(),
            "The value for score is not valid: it must be between 0 and 10."
        );
        assert_eq!(
            OpenError::from(e),
            OpenError::InvalidInput {
                field: "score".into(),
                reason: "must be between 0 and 10".into()
            }
        );
    }

    #[test]
    fn a_newer_file_is_its_own_error_only_when_opening() {
        let newer = StoreError::NewerVersion {
            found: 9,
            supported: 7,
        };
        let open = OpenError::from(newer.clone());
        assert_eq!(
            open,
            OpenError::NewerVersion {
                found: 9,
                supported: 7
            }
        );
        assert!(open.to_string().contains("Update the app"));
        assert!(matches!(PumpError::from(newer), PumpError::Internal { .. }));
    }

    #[test]
    fn refusals_map_to_the_areas_words() {
        assert_eq!(
            DiaryError::from(diary::Error::Refused(Refusal::Expired)),
            DiaryError::RestoreExpired
        );
        assert_eq!(
            RecoveryError::from(recovery::Error::Refused(Refusal::NotDeleted)),
            RecoveryError::NotDeleted
        );
        assert_eq!(
            PumpError::from(therapy::Error::UnknownPump),
            PumpError::PumpNotPaired
        );
    }
}
