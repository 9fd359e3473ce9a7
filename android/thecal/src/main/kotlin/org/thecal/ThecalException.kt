package org.thecal

import org.thecal.core.BackupException
import org.thecal.core.CardException
import org.thecal.core.CaregiverException
import org.thecal.core.DeletionException
import org.thecal.core.DiaryException
import org.thecal.core.ExportException
import org.thecal.core.LinkException
import org.thecal.core.OpenException
import org.thecal.core.PumpException
import org.thecal.core.RecoveryException
import org.thecal.core.TransportException

/**
 * A failure of the Thecal core, the same type whichever API raised it, so that an app can handle
 * the common cases in one `when`:
 *
 * ```kotlin
 * try {
 *     mapThecalErrors { thecal.diary().addPain(input, Author.PATIENT) }
 * } catch (e: ThecalException) {
 *     when (e) {
 *         is ThecalException.InvalidInput -> highlight(e.field)
 *         is ThecalException.StorageFull -> askToFreeSpace()
 *         else -> showError(e.message)
 *     }
 * }
 * ```
 *
 * [message] is the sentence to show the person, in the core's own words (its Rust `Display`):
 * what happened and what to do, never health data. The generated bindings raise one sealed
 * exception per area ([OpenException], [PumpException], [LinkException], [DiaryException],
 * [RecoveryException], [CardException], [CaregiverException], [ExportException], [BackupException],
 * [DeletionException])
 * whose own `message` is a field dump; [toThecalException]
 * and [mapThecalErrors] turn them into this type, keeping the generated one as [cause].
 *
 * The mapping is written as exhaustive `when`s over the generated classes: a variant added to
 * the core's errors stops this library from compiling until it is mapped here.
 *
 * @param message the sentence to show the person.
 * @param cause the exception of the generated bindings this one stands for, if any.
 */
sealed class ThecalException(message: String, cause: Throwable?) : Exception(message, cause) {
    /** The sentence to show the person: what happened and what to do. Never health data. */
    override val message: String
        get() = super.message ?: ""

    /**
     * A value given is not valid (any API).
     *
     * @property field the field as named in the core's API (`score`, `at`, `clinic.phone`…).
     * @property reason what is wrong with it.
     */
    class InvalidInput(
        val field: String,
        val reason: String,
        message: String,
        cause: Throwable? = null,
    ) : ThecalException(message, cause)

    /** The phone's storage is full: nothing was saved, and nothing saved before is lost (any API). */
    class StorageFull(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /**
     * The data file cannot be used right now: busy, read-only, an I/O error (any API).
     *
     * @property reason the system's reason (never data).
     */
    class StorageUnavailable(
        val reason: String,
        message: String,
        cause: Throwable? = null,
    ) : ThecalException(message, cause)

    /**
     * The data file is damaged (any API).
     *
     * @property what what could not be read: a table or check name, never a value.
     */
    class DataDamaged(
        val what: String,
        message: String,
        cause: Throwable? = null,
    ) : ThecalException(message, cause)

    /**
     * A bug in Thecal; the data already saved is safe (any API).
     *
     * @property context where it happened (code location words, never data).
     */
    class Internal(
        val context: String,
        message: String,
        cause: Throwable? = null,
    ) : ThecalException(message, cause)

    /** No entry with that id, or it was deleted (diary, recovery). */
    class NotFound(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /** The entry was deleted more than 30 days ago and can no longer be restored (diary, recovery). */
    class RestoreExpired(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /** The entry to restore is not deleted (diary, recovery). */
    class NotDeleted(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /**
     * The data (or the backup) was written by a newer version of the app; nothing has been
     * changed (open, backup).
     *
     * @property found the data's schema version.
     * @property supported the newest schema version this build understands.
     */
    class NewerVersion(
        val found: UInt,
        val supported: UInt,
        message: String,
        cause: Throwable? = null,
    ) : ThecalException(message, cause)

    /** No pump with that serial number has been paired with this app (pumps, dashboard). */
    class PumpNotPaired(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /** The pump link was started while it is already running (link). */
    class LinkAlreadyRunning(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /** The request needs a running pump link (link). */
    class LinkNotRunning(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /**
     * The pump picked does not report the serial number the person confirmed, or is not the
     * paired pump: nothing was paired or stored (link).
     *
     * @property what what differs (`serial`, `model`, `BLE identity`), never a value.
     */
    class PumpMismatch(
        val what: String,
        message: String,
        cause: Throwable? = null,
    ) : ThecalException(message, cause)

    /** No pump is paired yet: pair one first (link). */
    class LinkNotPaired(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /** Another pump is paired: unpair it, or replace it after a replacement surgery (link). */
    class PumpAlreadyPaired(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /** The device picked is not a pump Thecal can follow (link). */
    class NotAPump(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /**
     * The phone's Bluetooth transport failed (link).
     *
     * @property error the transport's own error, as the app's transport raised it.
     */
    class Transport(
        val error: TransportException,
        message: String,
        cause: Throwable? = null,
    ) : ThecalException(message, cause)

    /** No recovery plan has been started yet (recovery). */
    class NoRecoveryPlan(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /** The recovery checklist has no item with that key (recovery). */
    class UnknownChecklistItem(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /** No ID card has been saved yet (card). */
    class NoCard(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /** The clinic key named is not on this device (card). */
    class UnknownClinicKey(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /**
     * Drawing the ID card failed (card).
     *
     * @property reason what went wrong (never card data).
     */
    class Rendering(
        val reason: String,
        message: String,
        cause: Throwable? = null,
    ) : ThecalException(message, cause)

    /**
     * The caregiver relay cannot be reached; what was stored goes later (caregivers).
     *
     * @property reason the network's reason.
     */
    class RelayUnreachable(
        val reason: String,
        message: String,
        cause: Throwable? = null,
    ) : ThecalException(message, cause)

    /**
     * The caregiver relay refused the request (caregivers).
     *
     * @property code the protocol's error code (`rate_limited`, `mailbox_full`…).
     */
    class RelayRefused(
        val code: String,
        message: String,
        cause: Throwable? = null,
    ) : ThecalException(message, cause)

    /** No caregiver or patient is paired yet (caregivers). */
    class CaregiversNotSetUp(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /** The device named is not paired with this phone, or was revoked (caregivers). */
    class DeviceNotPaired(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /** The alert named is not on this phone (caregivers). */
    class UnknownAlert(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /** The pairing code or QR code cannot be read (caregivers). */
    class BadInvitation(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /** No invitation has this code (caregivers). */
    class InvitationNotFound(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /** The invitation was used already (caregivers). */
    class InvitationUsed(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /** The invitation expired (caregivers). */
    class InvitationExpired(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /** A message came from a newer version of Thecal: update the app (caregivers). */
    class UpdateNeeded(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /** A high-priority pump alarm or the pump's end of service cannot be snoozed (caregivers). */
    class CannotSnooze(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /** A push notification's payload is not a Thecal message: read the mailbox instead (caregivers). */
    class BadPushPayload(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /** A message is addressed to another phone; it was not opened (caregivers). */
    class NotForThisDevice(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /** A message comes from a phone not paired with this one; it was not opened (caregivers). */
    class UnknownSender(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /** A message was altered on the way or is not from who it claims; not shown (caregivers). */
    class Tampered(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /** A message expired before it arrived, or repeats an earlier one; not shown (caregivers). */
    class MessageRefused(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /**
     * The phone's secure key storage, where the clinic's signing key lives, cannot be used now
     * (card).
     *
     * @property reason the platform's reason (never a secret).
     */
    class KeyStoreUnavailable(
        val reason: String,
        message: String,
        cause: Throwable? = null,
    ) : ThecalException(message, cause)

    /**
     * The export's or the backup's file cannot be read or written (export, backup).
     *
     * @property reason the system's reason (never data).
     */
    class FileUnavailable(
        val reason: String,
        message: String,
        cause: Throwable? = null,
    ) : ThecalException(message, cause)

    /**
     * The file is not a FHIR bundle Thecal can read; nothing was imported (export).
     *
     * @property at where in the file (a JSON path), never a value.
     * @property reason what is wrong there.
     */
    class InvalidBundle(
        val at: String,
        val reason: String,
        message: String,
        cause: Throwable? = null,
    ) : ThecalException(message, cause)

    /** An import needs a new app, and this one already holds data (export). */
    class NotEmpty(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /** The passphrase does not open this backup; the data is unchanged (backup). */
    class WrongPassphrase(message: String, cause: Throwable? = null) : ThecalException(message, cause)

    /**
     * The file is not a Thecal backup protected by a passphrase; the data is unchanged (backup).
     *
     * @property what what is wrong (never data).
     */
    class NotABackup(
        val what: String,
        message: String,
        cause: Throwable? = null,
    ) : ThecalException(message, cause)

    /**
     * The backup is cut short or altered; nothing was restored (backup).
     *
     * @property what what did not check out (never data).
     */
    class BackupDamaged(
        val what: String,
        message: String,
        cause: Throwable? = null,
    ) : ThecalException(message, cause)

    /**
     * The backup is in a newer format than this version reads; the data is unchanged (backup).
     *
     * @property found the backup's format version.
     * @property supported the newest format this version reads.
     */
    class NewerBackupFormat(
        val found: UInt,
        val supported: UInt,
        message: String,
        cause: Throwable? = null,
    ) : ThecalException(message, cause)
}

/**
 * The [ThecalException] for an error raised by the core's generated bindings, with the core's
 * sentence as its message and this exception as its cause; the same object if it already is one;
 * `null` for anything else (including coroutine cancellation, which must never be swallowed).
 */
fun Throwable.toThecalException(): ThecalException? = when (this) {
    is ThecalException -> this
    is OpenException -> fromOpen(this)
    is PumpException -> fromPump(this)
    is LinkException -> fromLink(this)
    is DiaryException -> fromDiary(this)
    is RecoveryException -> fromRecovery(this)
    is CardException -> fromCard(this)
    is CaregiverException -> fromCaregiver(this)
    is ExportException -> fromExport(this)
    is BackupException -> fromBackup(this)
    is DeletionException -> fromDeletion(this)
    else -> null
}

/**
 * Runs [block] and rethrows any error of the core's generated bindings as a [ThecalException]
 * (see [toThecalException]); anything else, cancellation included, passes through unchanged.
 * [block] may call `suspend` functions when the caller is itself suspending.
 */
inline fun <T> mapThecalErrors(block: () -> T): T =
    try {
        block()
    } catch (e: Exception) {
        throw e.toThecalException() ?: e
    }

// One function per area. `e.toString()` is the core's Rust `Display` (exported with
// `uniffi::export(Display)`): the person's sentence, unlike the generated `message`.

private fun fromOpen(e: OpenException): ThecalException {
    val m = e.toString()
    return when (e) {
        is OpenException.InvalidInput -> ThecalException.InvalidInput(e.field, e.reason, m, e)
        is OpenException.StorageFull -> ThecalException.StorageFull(m, e)
        is OpenException.StorageUnavailable -> ThecalException.StorageUnavailable(e.reason, m, e)
        is OpenException.DataDamaged -> ThecalException.DataDamaged(e.what, m, e)
        is OpenException.Internal -> ThecalException.Internal(e.context, m, e)
        is OpenException.NewerVersion -> ThecalException.NewerVersion(e.found, e.supported, m, e)
    }
}

private fun fromPump(e: PumpException): ThecalException {
    val m = e.toString()
    return when (e) {
        is PumpException.InvalidInput -> ThecalException.InvalidInput(e.field, e.reason, m, e)
        is PumpException.StorageFull -> ThecalException.StorageFull(m, e)
        is PumpException.StorageUnavailable -> ThecalException.StorageUnavailable(e.reason, m, e)
        is PumpException.DataDamaged -> ThecalException.DataDamaged(e.what, m, e)
        is PumpException.Internal -> ThecalException.Internal(e.context, m, e)
        is PumpException.PumpNotPaired -> ThecalException.PumpNotPaired(m, e)
    }
}

private fun fromLink(e: LinkException): ThecalException {
    val m = e.toString()
    return when (e) {
        is LinkException.InvalidInput -> ThecalException.InvalidInput(e.field, e.reason, m, e)
        is LinkException.StorageFull -> ThecalException.StorageFull(m, e)
        is LinkException.StorageUnavailable -> ThecalException.StorageUnavailable(e.reason, m, e)
        is LinkException.DataDamaged -> ThecalException.DataDamaged(e.what, m, e)
        is LinkException.Internal -> ThecalException.Internal(e.context, m, e)
        is LinkException.AlreadyRunning -> ThecalException.LinkAlreadyRunning(m, e)
        is LinkException.NotRunning -> ThecalException.LinkNotRunning(m, e)
        is LinkException.Transport -> ThecalException.Transport(e.v1, m, e)
        is LinkException.PumpMismatch -> ThecalException.PumpMismatch(e.what, m, e)
        is LinkException.NotPaired -> ThecalException.LinkNotPaired(m, e)
        is LinkException.AlreadyPaired -> ThecalException.PumpAlreadyPaired(m, e)
        is LinkException.NotAPump -> ThecalException.NotAPump(m, e)
    }
}

private fun fromDiary(e: DiaryException): ThecalException {
    val m = e.toString()
    return when (e) {
        is DiaryException.InvalidInput -> ThecalException.InvalidInput(e.field, e.reason, m, e)
        is DiaryException.StorageFull -> ThecalException.StorageFull(m, e)
        is DiaryException.StorageUnavailable -> ThecalException.StorageUnavailable(e.reason, m, e)
        is DiaryException.DataDamaged -> ThecalException.DataDamaged(e.what, m, e)
        is DiaryException.Internal -> ThecalException.Internal(e.context, m, e)
        is DiaryException.NotFound -> ThecalException.NotFound(m, e)
        is DiaryException.RestoreExpired -> ThecalException.RestoreExpired(m, e)
        is DiaryException.NotDeleted -> ThecalException.NotDeleted(m, e)
    }
}

private fun fromRecovery(e: RecoveryException): ThecalException {
    val m = e.toString()
    return when (e) {
        is RecoveryException.InvalidInput -> ThecalException.InvalidInput(e.field, e.reason, m, e)
        is RecoveryException.StorageFull -> ThecalException.StorageFull(m, e)
        is RecoveryException.StorageUnavailable -> ThecalException.StorageUnavailable(e.reason, m, e)
        is RecoveryException.DataDamaged -> ThecalException.DataDamaged(e.what, m, e)
        is RecoveryException.Internal -> ThecalException.Internal(e.context, m, e)
        is RecoveryException.NotFound -> ThecalException.NotFound(m, e)
        is RecoveryException.RestoreExpired -> ThecalException.RestoreExpired(m, e)
        is RecoveryException.NotDeleted -> ThecalException.NotDeleted(m, e)
        is RecoveryException.NoPlan -> ThecalException.NoRecoveryPlan(m, e)
        is RecoveryException.UnknownItem -> ThecalException.UnknownChecklistItem(m, e)
    }
}

private fun fromCard(e: CardException): ThecalException {
    val m = e.toString()
    return when (e) {
        is CardException.InvalidInput -> ThecalException.InvalidInput(e.field, e.reason, m, e)
        is CardException.StorageFull -> ThecalException.StorageFull(m, e)
        is CardException.StorageUnavailable -> ThecalException.StorageUnavailable(e.reason, m, e)
        is CardException.DataDamaged -> ThecalException.DataDamaged(e.what, m, e)
        is CardException.Internal -> ThecalException.Internal(e.context, m, e)
        is CardException.NoCard -> ThecalException.NoCard(m, e)
        is CardException.UnknownClinicKey -> ThecalException.UnknownClinicKey(m, e)
        is CardException.Rendering -> ThecalException.Rendering(e.reason, m, e)
        is CardException.KeyStoreUnavailable -> ThecalException.KeyStoreUnavailable(e.reason, m, e)
    }
}

private fun fromCaregiver(e: CaregiverException): ThecalException {
    val m = e.toString()
    return when (e) {
        is CaregiverException.InvalidInput -> ThecalException.InvalidInput(e.field, e.reason, m, e)
        is CaregiverException.StorageFull -> ThecalException.StorageFull(m, e)
        is CaregiverException.StorageUnavailable -> ThecalException.StorageUnavailable(e.reason, m, e)
        is CaregiverException.DataDamaged -> ThecalException.DataDamaged(e.what, m, e)
        is CaregiverException.Internal -> ThecalException.Internal(e.context, m, e)
        is CaregiverException.RelayUnreachable -> ThecalException.RelayUnreachable(e.reason, m, e)
        is CaregiverException.RelayRefused -> ThecalException.RelayRefused(e.code, m, e)
        is CaregiverException.NotSetUp -> ThecalException.CaregiversNotSetUp(m, e)
        is CaregiverException.NotPaired -> ThecalException.DeviceNotPaired(m, e)
        is CaregiverException.UnknownAlert -> ThecalException.UnknownAlert(m, e)
        is CaregiverException.BadInvitation -> ThecalException.BadInvitation(m, e)
        is CaregiverException.InvitationNotFound -> ThecalException.InvitationNotFound(m, e)
        is CaregiverException.InvitationUsed -> ThecalException.InvitationUsed(m, e)
        is CaregiverException.InvitationExpired -> ThecalException.InvitationExpired(m, e)
        is CaregiverException.UpdateNeeded -> ThecalException.UpdateNeeded(m, e)
        is CaregiverException.CannotSnooze -> ThecalException.CannotSnooze(m, e)
        is CaregiverException.KeyStoreUnavailable -> ThecalException.KeyStoreUnavailable(e.reason, m, e)
        is CaregiverException.BadPushPayload -> ThecalException.BadPushPayload(m, e)
        is CaregiverException.NotForThisDevice -> ThecalException.NotForThisDevice(m, e)
        is CaregiverException.UnknownSender -> ThecalException.UnknownSender(m, e)
        is CaregiverException.Tampered -> ThecalException.Tampered(m, e)
        is CaregiverException.MessageRefused -> ThecalException.MessageRefused(m, e)
    }
}

private fun fromExport(e: ExportException): ThecalException {
    val m = e.toString()
    return when (e) {
        is ExportException.InvalidInput -> ThecalException.InvalidInput(e.field, e.reason, m, e)
        is ExportException.StorageFull -> ThecalException.StorageFull(m, e)
        is ExportException.StorageUnavailable -> ThecalException.StorageUnavailable(e.reason, m, e)
        is ExportException.DataDamaged -> ThecalException.DataDamaged(e.what, m, e)
        is ExportException.Internal -> ThecalException.Internal(e.context, m, e)
        is ExportException.FileUnavailable -> ThecalException.FileUnavailable(e.reason, m, e)
        is ExportException.InvalidBundle -> ThecalException.InvalidBundle(e.at, e.reason, m, e)
        is ExportException.NotEmpty -> ThecalException.NotEmpty(m, e)
    }
}

private fun fromBackup(e: BackupException): ThecalException {
    val m = e.toString()
    return when (e) {
        is BackupException.InvalidInput -> ThecalException.InvalidInput(e.field, e.reason, m, e)
        is BackupException.StorageFull -> ThecalException.StorageFull(m, e)
        is BackupException.StorageUnavailable -> ThecalException.StorageUnavailable(e.reason, m, e)
        is BackupException.DataDamaged -> ThecalException.DataDamaged(e.what, m, e)
        is BackupException.Internal -> ThecalException.Internal(e.context, m, e)
        is BackupException.FileUnavailable -> ThecalException.FileUnavailable(e.reason, m, e)
        is BackupException.WrongPassphrase -> ThecalException.WrongPassphrase(m, e)
        is BackupException.NotABackup -> ThecalException.NotABackup(e.what, m, e)
        is BackupException.BackupDamaged -> ThecalException.BackupDamaged(e.what, m, e)
        is BackupException.NewerVersion -> ThecalException.NewerVersion(e.found, e.supported, m, e)
        is BackupException.NewerFormat -> ThecalException.NewerBackupFormat(e.found, e.supported, m, e)
    }
}

private fun fromDeletion(e: DeletionException): ThecalException {
    val m = e.toString()
    return when (e) {
        is DeletionException.InvalidInput -> ThecalException.InvalidInput(e.field, e.reason, m, e)
        is DeletionException.StorageFull -> ThecalException.StorageFull(m, e)
        is DeletionException.StorageUnavailable -> ThecalException.StorageUnavailable(e.reason, m, e)
        is DeletionException.DataDamaged -> ThecalException.DataDamaged(e.what, m, e)
        is DeletionException.Internal -> ThecalException.Internal(e.context, m, e)
        is DeletionException.KeyStoreUnavailable -> ThecalException.KeyStoreUnavailable(e.reason, m, e)
    }
}
