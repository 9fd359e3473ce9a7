package org.thecal.android.notify

import android.app.NotificationChannel
import android.app.NotificationManager
import android.content.Context

/** The app's notification channels (Android 8+): the person can tune each in the settings. */
object Channels {
    /** Pump alarms and anything that means therapy may stop: high importance (heads-up, sound). */
    const val PUMP_ALARMS = "pump_alarms"

    /** Refill and battery dates, clinic visits: high importance. */
    const val THERAPY = "therapy"

    /** Everyday reminders (doses, dressings): default importance. */
    const val REMINDERS = "reminders"

    /** The foreground service's ongoing "following your pump" notice: low importance, silent. */
    const val LINK = "link"

    /** Creates (or updates the names of) every channel; safe to call at each start. */
    fun create(context: Context) {
        val nm = context.getSystemService(NotificationManager::class.java)
        listOf(
            NotificationChannel(PUMP_ALARMS, "Pump alarms", NotificationManager.IMPORTANCE_HIGH).apply {
                description = "Alarms from your pump and anything that means the medicine may stop"
            },
            NotificationChannel(THERAPY, "Refills and pump battery", NotificationManager.IMPORTANCE_HIGH),
            NotificationChannel(REMINDERS, "Reminders", NotificationManager.IMPORTANCE_DEFAULT),
            NotificationChannel(LINK, "Pump connection", NotificationManager.IMPORTANCE_LOW),
        ).forEach { nm.createNotificationChannel(it) }
    }
}
