package org.thecal.android.notify

import android.Manifest
import android.app.AlarmManager
import android.app.Notification
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.net.Uri
import android.os.Build

/** How the plan was scheduled. */
enum class ScheduleMode {
    /** Exact alarms (setExactAndAllowWhileIdle): on time, even in Doze. */
    EXACT,

    /**
     * Inexact (setAndAllowWhileIdle): the exact-alarm permission (SCHEDULE_EXACT_ALARM, Android
     * 12+) is not granted; Android may deliver minutes late. The app should ask for it.
     */
    INEXACT,
}

/** What stops notifications from being shown, for the app to ask the person to fix. */
data class NotificationReadiness(
    /** POST_NOTIFICATIONS granted (always true before Android 13). */
    val canPost: Boolean,
    /** Exact alarms allowed (always true before Android 12). */
    val canScheduleExact: Boolean,
)

/**
 * Schedules the core's notification plan with AlarmManager. One alarm per notice, its
 * PendingIntent told apart by a `thecal-notification:<id>` data URI, so scheduling a plan again
 * replaces each notice by its stable id and never duplicates it; notices that left the plan are
 * cancelled. The plan is kept in device-protected storage, so [rescheduleStored] can set the
 * alarms again after a reboot (alarms do not survive one), before the first unlock.
 */
class NotificationScheduler(context: Context) {
    private val context = context.applicationContext
    private val alarms = this.context.getSystemService(AlarmManager::class.java)
    private val prefs = this.context.createDeviceProtectedStorageContext()
        .getSharedPreferences(PREFS, Context.MODE_PRIVATE)

    /** What the person may need to allow for notifications to arrive on time. */
    fun readiness(): NotificationReadiness = NotificationReadiness(
        canPost = Build.VERSION.SDK_INT < Build.VERSION_CODES.TIRAMISU ||
            context.checkSelfPermission(Manifest.permission.POST_NOTIFICATIONS) == PackageManager.PERMISSION_GRANTED,
        canScheduleExact = Build.VERSION.SDK_INT < Build.VERSION_CODES.S || alarms.canScheduleExactAlarms(),
    )

    /** Schedules [plan] (replacing the previous one) and keeps it for after a reboot. */
    fun schedule(plan: List<Notice>, nowMillis: Long = System.currentTimeMillis()): ScheduleMode {
        val previous = stored().map { it.id }.toSet()
        val current = plan.filter { it.fireAtMillis > nowMillis }
        for (gone in previous - current.map { it.id }.toSet()) alarms.cancel(intent(gone, null))
        val mode = if (readiness().canScheduleExact) ScheduleMode.EXACT else ScheduleMode.INEXACT
        for (n in current) {
            val pi = intent(n.id, n)
            if (mode == ScheduleMode.EXACT) {
                alarms.setExactAndAllowWhileIdle(AlarmManager.RTC_WAKEUP, n.fireAtMillis, pi)
            } else {
                alarms.setAndAllowWhileIdle(AlarmManager.RTC_WAKEUP, n.fireAtMillis, pi)
            }
        }
        prefs.edit().putString(KEY_PLAN, current.joinToString("\n") { it.encode() }).commit()
        return mode
    }

    /** Sets the stored plan's alarms again (after a reboot, an app update, a force-stop). */
    fun rescheduleStored(nowMillis: Long = System.currentTimeMillis()): ScheduleMode = schedule(stored(), nowMillis)

    /** The stored plan. */
    fun stored(): List<Notice> =
        prefs.getString(KEY_PLAN, "").orEmpty().lineSequence().filter { it.isNotBlank() }.mapNotNull(Notice::decode).toList()

    private fun intent(id: String, notice: Notice?): PendingIntent {
        val i = Intent(context, NotificationReceiver::class.java)
            .setAction(ACTION_SHOW)
            .setData(Uri.parse("thecal-notification:$id"))
        notice?.let { i.putExtra(EXTRA_LINE, it.encode()) }
        return PendingIntent.getBroadcast(context, 0, i, PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE)
    }

    companion object {
        /** The broadcast an alarm sends. */
        const val ACTION_SHOW = "org.thecal.android.SHOW_NOTIFICATION"

        /** The notice, encoded, in the alarm's intent. */
        const val EXTRA_LINE = "notice"
        private const val PREFS = "thecal.notifications"
        private const val KEY_PLAN = "plan"

        /** The notification id Android uses for a notice id (stable, so a repeat replaces). */
        fun androidId(id: String): Int = id.hashCode()

        /**
         * Called when the time, the zone or the app changed, or after a reboot once the core can be
         * opened: the app plans again (`thecal.notifications().plan(now, now + 30 days,
         * TimeZone.getDefault().id)`) and calls [schedule]. Set it in `Application.onCreate`.
         */
        @Volatile var replan: ((Context) -> Unit)? = null
    }
}

/** Shows a notice when its alarm fires, on its channel. */
class NotificationReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        if (intent.action != NotificationScheduler.ACTION_SHOW) return
        val n = intent.getStringExtra(NotificationScheduler.EXTRA_LINE)?.let(Notice::decode) ?: return
        if (!NotificationScheduler(context).readiness().canPost) return
        Channels.create(context)
        val notification = Notification.Builder(context, n.channel)
            .setContentTitle(n.title)
            .setContentText(n.body)
            .setStyle(Notification.BigTextStyle().bigText(n.body))
            .setSmallIcon(android.R.drawable.ic_dialog_info)
            .setCategory(if (n.channel == Channels.PUMP_ALARMS) Notification.CATEGORY_ALARM else Notification.CATEGORY_REMINDER)
            .setAutoCancel(true)
            .build()
        context.getSystemService(NotificationManager::class.java).notify(NotificationScheduler.androidId(n.id), notification)
    }
}

/**
 * Sets the alarms again when Android dropped or moved them: after a reboot
 * (LOCKED_BOOT_COMPLETED, before the first unlock, from the device-protected plan; then
 * BOOT_COMPLETED), after an app update (MY_PACKAGE_REPLACED), when the exact-alarm permission is
 * granted, and when the time or the zone changes (TIME_SET, TIMEZONE_CHANGED: the plan's
 * wall-clock times move, so the app plans again through [NotificationScheduler.replan]).
 */
class RescheduleReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        when (intent.action) {
            Intent.ACTION_LOCKED_BOOT_COMPLETED, Intent.ACTION_BOOT_COMPLETED, Intent.ACTION_MY_PACKAGE_REPLACED,
            AlarmManager.ACTION_SCHEDULE_EXACT_ALARM_PERMISSION_STATE_CHANGED,
            Intent.ACTION_TIME_CHANGED, Intent.ACTION_TIMEZONE_CHANGED,
            -> {
                NotificationScheduler(context).rescheduleStored()
                // The core's data is readable once the phone has been unlocked after the boot.
                if (intent.action != Intent.ACTION_LOCKED_BOOT_COMPLETED) NotificationScheduler.replan?.invoke(context)
            }
        }
    }
}
