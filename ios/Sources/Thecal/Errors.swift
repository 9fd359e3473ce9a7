// Errors that read well in Swift.
//
// Each area of the API throws its own error enum (`OpenError`, `PumpError`, `LinkError`,
// `DiaryError`, `RecoveryError`, `CardError`, `CaregiverError`, `ExportError`, `BackupError`,
// `DeletionError`),
// generated from the core with the same common cases first. The core exports each error's Rust
// `Display` text, the sentence meant for the person
// (what happened and what to do, never health data), as `description`. Here every error the API
// throws or the app hands to the core conforms to `LocalizedError` and
// `CustomStringConvertible` with that sentence, so `error.localizedDescription`, `"\(error)"`
// and SwiftUI's `alert(isPresented:error:)` all show it. (UniFFI's own `LocalizedError`
// conformance, which showed the case dump instead, is turned off in core/uniffi.toml.)
//
// ``ThecalError`` adds one way to handle the failures every area shares, whichever call threw.

import Foundation

/// A failure that every area of Thecal reports the same way, whichever call threw it.
///
/// ```swift
/// do {
///     try await thecal.diary().addPain(input: input, author: .patient)
/// } catch let error as ThecalError {
///     switch error.commonFailure {
///     case let .invalidInput(field, _)?: highlight(field)
///     case .storageFull?: offerToFreeSpace()
///     default: showAlert(error.localizedDescription)
///     }
/// }
/// ```
public enum CommonFailure: Hashable, Sendable {
    /// A value given is not valid: `field` names it as in the API (`score`, `at`,
    /// `clinic.phone`…), `reason` says what is wrong with it.
    case invalidInput(field: String, reason: String)
    /// The phone's storage is full: nothing was saved, and nothing saved before is lost.
    case storageFull
    /// The data file cannot be used right now (busy, read-only, an I/O error); `reason` is the
    /// system's, never data.
    case storageUnavailable(reason: String)
    /// The data file is damaged; `what` names what could not be read (never a value).
    case dataDamaged(what: String)
    /// A bug in Thecal; the data already saved is safe. `context` says where (never data).
    case internalError(context: String)
}

/// An error of Thecal's API, whichever area threw it.
///
/// Its `localizedDescription` and `description` are the core's sentence for the person;
/// ``commonFailure`` tells the failures every area shares apart from the area's own cases
/// (`PumpError.PumpNotPaired`, `RecoveryError.NoPlan`…), which stay available by matching the
/// concrete enum.
public protocol ThecalError: LocalizedError, CustomStringConvertible {
    /// The shared failure this error is, or `nil` when it is one of the area's own cases.
    var commonFailure: CommonFailure? { get }
}

extension OpenError: ThecalError {
    /// The core's sentence for the person (its Rust `Display` text).
    public var errorDescription: String? { description }

    /// The shared failure this error is, or `nil` for `NewerVersion`.
    public var commonFailure: CommonFailure? {
        switch self {
        case let .InvalidInput(field, reason): .invalidInput(field: field, reason: reason)
        case .StorageFull: .storageFull
        case let .StorageUnavailable(reason): .storageUnavailable(reason: reason)
        case let .DataDamaged(what): .dataDamaged(what: what)
        case let .Internal(context): .internalError(context: context)
        default: nil
        }
    }
}

extension PumpError: ThecalError {
    /// The core's sentence for the person (its Rust `Display` text).
    public var errorDescription: String? { description }

    /// The shared failure this error is, or `nil` for `PumpNotPaired`.
    public var commonFailure: CommonFailure? {
        switch self {
        case let .InvalidInput(field, reason): .invalidInput(field: field, reason: reason)
        case .StorageFull: .storageFull
        case let .StorageUnavailable(reason): .storageUnavailable(reason: reason)
        case let .DataDamaged(what): .dataDamaged(what: what)
        case let .Internal(context): .internalError(context: context)
        default: nil
        }
    }
}

extension LinkError: ThecalError {
    /// The core's sentence for the person (its Rust `Display` text; for `Transport`, the
    /// transport error's own sentence).
    public var errorDescription: String? { description }

    /// The shared failure this error is, or `nil` for the link's own cases (`AlreadyRunning`,
    /// `NotRunning`, `PumpMismatch`, `NotPaired`, `AlreadyPaired`, `NotAPump`, `Transport`).
    public var commonFailure: CommonFailure? {
        switch self {
        case let .InvalidInput(field, reason): .invalidInput(field: field, reason: reason)
        case .StorageFull: .storageFull
        case let .StorageUnavailable(reason): .storageUnavailable(reason: reason)
        case let .DataDamaged(what): .dataDamaged(what: what)
        case let .Internal(context): .internalError(context: context)
        default: nil
        }
    }
}

extension DiaryError: ThecalError {
    /// The core's sentence for the person (its Rust `Display` text).
    public var errorDescription: String? { description }

    /// The shared failure this error is, or `nil` for `NotFound`, `RestoreExpired` and
    /// `NotDeleted`.
    public var commonFailure: CommonFailure? {
        switch self {
        case let .InvalidInput(field, reason): .invalidInput(field: field, reason: reason)
        case .StorageFull: .storageFull
        case let .StorageUnavailable(reason): .storageUnavailable(reason: reason)
        case let .DataDamaged(what): .dataDamaged(what: what)
        case let .Internal(context): .internalError(context: context)
        default: nil
        }
    }
}

extension RecoveryError: ThecalError {
    /// The core's sentence for the person (its Rust `Display` text).
    public var errorDescription: String? { description }

    /// The shared failure this error is, or `nil` for `NotFound`, `RestoreExpired`,
    /// `NotDeleted`, `NoPlan` and `UnknownItem`.
    public var commonFailure: CommonFailure? {
        switch self {
        case let .InvalidInput(field, reason): .invalidInput(field: field, reason: reason)
        case .StorageFull: .storageFull
        case let .StorageUnavailable(reason): .storageUnavailable(reason: reason)
        case let .DataDamaged(what): .dataDamaged(what: what)
        case let .Internal(context): .internalError(context: context)
        default: nil
        }
    }
}

extension CardError: ThecalError {
    /// The core's sentence for the person (its Rust `Display` text).
    public var errorDescription: String? { description }

    /// The shared failure this error is, or `nil` for `NoCard`, `UnknownClinicKey`, `Rendering`
    /// and `KeyStoreUnavailable`.
    public var commonFailure: CommonFailure? {
        switch self {
        case let .InvalidInput(field, reason): .invalidInput(field: field, reason: reason)
        case .StorageFull: .storageFull
        case let .StorageUnavailable(reason): .storageUnavailable(reason: reason)
        case let .DataDamaged(what): .dataDamaged(what: what)
        case let .Internal(context): .internalError(context: context)
        default: nil
        }
    }
}

extension CaregiverError: ThecalError {
    /// The core's sentence for the person (its Rust `Display` text).
    public var errorDescription: String? { description }

    /// The shared failure this error is, or `nil` for the caregiver alerts' own cases (the relay
    /// unreachable or refusing, an invitation not found, used or expired…).
    public var commonFailure: CommonFailure? {
        switch self {
        case let .InvalidInput(field, reason): .invalidInput(field: field, reason: reason)
        case .StorageFull: .storageFull
        case let .StorageUnavailable(reason): .storageUnavailable(reason: reason)
        case let .DataDamaged(what): .dataDamaged(what: what)
        case let .Internal(context): .internalError(context: context)
        default: nil
        }
    }
}

extension DeletionError: ThecalError {
    /// The core's sentence for the person (its Rust `Display` text).
    public var errorDescription: String? { description }

    /// The shared failure this error is, or `nil` for `KeyStoreUnavailable` (unlock the phone
    /// and try again: nothing on the phone was deleted yet).
    public var commonFailure: CommonFailure? {
        switch self {
        case let .InvalidInput(field, reason): .invalidInput(field: field, reason: reason)
        case .StorageFull: .storageFull
        case let .StorageUnavailable(reason): .storageUnavailable(reason: reason)
        case let .DataDamaged(what): .dataDamaged(what: what)
        case let .Internal(context): .internalError(context: context)
        default: nil
        }
    }
}

extension ExportError: ThecalError {
    /// The core's sentence for the person (its Rust `Display` text).
    public var errorDescription: String? { description }

    /// The shared failure this error is, or `nil` for `FileUnavailable`, `InvalidBundle` and
    /// `NotEmpty`.
    public var commonFailure: CommonFailure? {
        switch self {
        case let .InvalidInput(field, reason): .invalidInput(field: field, reason: reason)
        case .StorageFull: .storageFull
        case let .StorageUnavailable(reason): .storageUnavailable(reason: reason)
        case let .DataDamaged(what): .dataDamaged(what: what)
        case let .Internal(context): .internalError(context: context)
        default: nil
        }
    }
}

extension HttpError: LocalizedError, CustomStringConvertible {
    /// The core's sentence for the person (its Rust `Display` text).
    public var errorDescription: String? { description }
}

extension BackupError: ThecalError {
    /// The core's sentence for the person (its Rust `Display` text).
    public var errorDescription: String? { description }

    /// The shared failure this error is, or `nil` for the backup's own cases
    /// (`WrongPassphrase`, `NotABackup`, `BackupDamaged`, `NewerVersion`, `NewerFormat`,
    /// `FileUnavailable`).
    public var commonFailure: CommonFailure? {
        switch self {
        case let .InvalidInput(field, reason): .invalidInput(field: field, reason: reason)
        case .StorageFull: .storageFull
        case let .StorageUnavailable(reason): .storageUnavailable(reason: reason)
        case let .DataDamaged(what): .dataDamaged(what: what)
        case let .Internal(context): .internalError(context: context)
        default: nil
        }
    }
}

// The errors outside the six areas: a pump frame the decoders refuse, and the errors the app's
// own code hands to the core (its BLE transport, key store and listeners). They have no common
// cases, but read the same way.

extension FrameError: LocalizedError, CustomStringConvertible {
    /// The core's sentence for the person (its Rust `Display` text).
    public var errorDescription: String? { description }
}

extension TransportError: LocalizedError, CustomStringConvertible {
    /// The core's sentence for the person (its Rust `Display` text).
    public var errorDescription: String? { description }
}

extension SecretStoreError: LocalizedError, CustomStringConvertible {
    /// The core's sentence for the person (its Rust `Display` text).
    public var errorDescription: String? { description }
}

extension ListenerError: LocalizedError, CustomStringConvertible {
    /// The core's sentence for the person (its Rust `Display` text).
    public var errorDescription: String? { description }
}
