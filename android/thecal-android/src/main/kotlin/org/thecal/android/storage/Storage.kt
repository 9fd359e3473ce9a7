package org.thecal.android.storage

import android.content.Context
import android.os.UserManager
import java.io.File

/**
 * Where Thecal keeps its data on Android, and what it does before the first unlock after a reboot.
 *
 * The core's database lives in credential-encrypted storage (`noBackupFilesDir`): readable and
 * writable whenever the phone has been unlocked once since it started, locked screen or not, so
 * readings and alarms that arrive while the phone is locked are stored. Before that first unlock
 * (direct boot) credential-encrypted storage cannot be opened at all: the app does not open the
 * core then. It only reschedules the device-protected copy of the notification plan
 * (`NotificationScheduler`); a pump alarm that would arrive in that window is not received (the
 * link starts after the unlock) and comes back from the pump's own history at the first
 * connection, which the link replays. Nothing but that plan is kept in device-protected storage.
 */
object Storage {
    /** The folder to open the core in (credential-encrypted, left out of Auto Backup). */
    fun dataDir(context: Context): File = File(context.noBackupFilesDir, "thecal")

    /** Whether credential-encrypted storage can be used now (the phone was unlocked since boot). */
    fun unlocked(context: Context): Boolean = context.getSystemService(UserManager::class.java).isUserUnlocked
}
