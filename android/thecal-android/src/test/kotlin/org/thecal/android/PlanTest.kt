package org.thecal.android

import java.nio.file.Files
import java.time.Instant
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.thecal.android.notify.Channels
import org.thecal.android.notify.Notice
import org.thecal.core.CalendarDate
import org.thecal.core.LocalTime
import org.thecal.core.NotificationKind
import org.thecal.core.PumpException
import org.thecal.core.ReminderInput
import org.thecal.core.ReminderZone
import org.thecal.core.Thecal
import org.thecal.core.ThecalConfig

/** The core's notification plan as the Android app reads it, across DST and a zone change. */
class PlanTest {
    @Test
    fun aPlanAcrossDstAndAZoneChangeKeepsItsIdsAndMapsToChannels() = runBlocking {
        val dir = Files.createTempDirectory("thecal-android-plan")
        try {
            Thecal.open(dir.toString(), ThecalConfig(timeZone = "Europe/Paris"), MemorySecrets()).use { thecal ->
                thecal.recovery().use {
                    it.addReminder(
                        ReminderInput(
                            "Antibiotic", LocalTime(8u, 0u), CalendarDate(2027, 3u, 27u), CalendarDate(2027, 3u, 29u),
                            ReminderZone.FollowDevice,
                        ),
                    )
                }
                val from = Instant.parse("2027-03-26T00:00:00Z")
                val until = Instant.parse("2027-03-30T00:00:00Z")
                val paris = thecal.notifications().use { it.plan(from, until, "Europe/Paris") }
                // 08:00 in Paris: UTC+1 before the 28th, UTC+2 from it.
                assertEquals(
                    listOf("2027-03-27T07:00:00Z", "2027-03-28T06:00:00Z", "2027-03-29T06:00:00Z"),
                    paris.map { it.fireAt.toString() },
                )
                assertTrue(paris.all { it.kind == NotificationKind.REMINDER })
                val tokyo = thecal.notifications().use { it.plan(from, until, "Asia/Tokyo") }
                assertEquals(paris.map { it.id }, tokyo.map { it.id })
                assertEquals("2027-03-26T23:00:00Z", tokyo.first().fireAt.toString())
                val notices = paris.map(Notice::of)
                assertTrue(notices.all { it.channel == Channels.REMINDERS })
                assertEquals(notices, notices.map { Notice.decode(it.encode()) })
                try {
                    thecal.notifications().use { it.plan(until, from, "Europe/Paris") }
                    error("a window that ends before it starts was accepted")
                } catch (e: PumpException.InvalidInput) {
                    assertEquals("until", e.field)
                }
            }
        } finally {
            dir.toFile().deleteRecursively()
        }
    }
}
