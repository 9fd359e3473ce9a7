package org.thecal.android.notify

import org.thecal.core.NotificationImportance
import org.thecal.core.NotificationKind
import org.thecal.core.PlannedNotification

/**
 * One notification to schedule, as the scheduler stores it: the core's [PlannedNotification]
 * with its channel chosen. Plain values, so the plan can be kept in device-protected storage and
 * rescheduled after a reboot before the phone is unlocked.
 */
data class Notice(
    /** The core's stable id: scheduling it again replaces it. */
    val id: String,
    /** When to show it, milliseconds since the epoch (UTC). */
    val fireAtMillis: Long,
    /** The channel ([Channels]). */
    val channel: String,
    /** The title. */
    val title: String,
    /** The sentence under it. */
    val body: String,
) {
    /** One line of the stored plan (tab-separated; tabs and newlines in text become spaces). */
    fun encode(): String = listOf(id, fireAtMillis.toString(), channel, title, body)
        .joinToString("\t") { it.replace('\t', ' ').replace('\n', ' ') }

    companion object {
        /** The notice of a stored line, or `null` for a damaged one. */
        fun decode(line: String): Notice? {
            val f = line.split('\t')
            if (f.size != 5) return null
            return Notice(f[0], f[1].toLongOrNull() ?: return null, f[2], f[3], f[4])
        }

        /** The channel for a planned notification: urgent ones with the pump alarms. */
        fun channelFor(kind: NotificationKind, importance: NotificationImportance): String = when {
            importance == NotificationImportance.URGENT -> Channels.PUMP_ALARMS
            kind == NotificationKind.REMINDER -> Channels.REMINDERS
            else -> Channels.THERAPY
        }

        /** The notice of the core's planned notification. */
        fun of(p: PlannedNotification) = Notice(
            id = p.id,
            fireAtMillis = p.fireAt.toEpochMilli(),
            channel = channelFor(p.kind, p.importance),
            title = p.title,
            body = p.body,
        )
    }
}
