package org.thecal.android

import android.Manifest
import android.app.AlarmManager
import android.app.Application
import android.app.NotificationManager
import android.bluetooth.BluetoothManager
import android.content.Intent
import android.os.UserManager
import java.io.File
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.robolectric.shadows.ShadowAlarmManager
import org.thecal.android.ble.AndroidRadio
import org.thecal.android.ble.BlePermissions
import org.thecal.android.ble.RadioState
import org.thecal.android.notify.Channels
import org.thecal.android.notify.Notice
import org.thecal.android.notify.NotificationReceiver
import org.thecal.android.notify.NotificationScheduler
import org.thecal.android.notify.RescheduleReceiver
import org.thecal.android.notify.ScheduleMode
import org.thecal.android.storage.Storage

/** The Android side under Robolectric (API 34): alarms, channels, receivers, permissions. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class SchedulingTest {
    private val app: Application get() = RuntimeEnvironment.getApplication()
    private val alarms get() = shadowOf(app.getSystemService(AlarmManager::class.java))
    private val now = 1_800_000_000_000L

    private fun notice(id: String, inMinutes: Long, channel: String = Channels.REMINDERS) =
        Notice(id, now + inMinutes * 60_000, channel, "Title $id", "Body $id")

    @After
    fun reset() {
        ShadowAlarmManager.setCanScheduleExactAlarms(true)
        NotificationScheduler.replan = null
    }

    @Test
    fun aPlanScheduledTwiceReplacesByIdAndCancelsWhatLeftIt() {
        ShadowAlarmManager.setCanScheduleExactAlarms(true)
        val s = NotificationScheduler(app)
        val plan = listOf(notice("a", 10), notice("b", 20), notice("c", 30), notice("past", -5))
        assertEquals(ScheduleMode.EXACT, s.schedule(plan, now))
        assertEquals(3, alarms.scheduledAlarms.size)
        assertEquals(now + 10 * 60_000, alarms.peekNextScheduledAlarm()!!.triggerAtMs)
        assertEquals(ScheduleMode.EXACT, s.schedule(plan, now))
        assertEquals("no duplicates", 3, alarms.scheduledAlarms.size)
        s.schedule(listOf(notice("a", 15), notice("c", 30)), now)
        assertEquals(2, alarms.scheduledAlarms.size)
        assertEquals(now + 15 * 60_000, alarms.peekNextScheduledAlarm()!!.triggerAtMs)
    }

    @Test
    fun withoutTheExactAlarmPermissionItFallsBackToInexactAlarms() {
        ShadowAlarmManager.setCanScheduleExactAlarms(false)
        val s = NotificationScheduler(app)
        assertEquals(false, s.readiness().canScheduleExact)
        assertEquals(ScheduleMode.INEXACT, s.schedule(listOf(notice("a", 10)), now))
        assertEquals(1, alarms.scheduledAlarms.size)
        assertTrue(alarms.scheduledAlarms.first().isAllowWhileIdle)
    }

    @Test
    fun afterARebootTheStoredPlanIsScheduledAgainAndAZoneChangeAsksForANewPlan() {
        NotificationScheduler(app).schedule(listOf(notice("a", 10), notice("b", 20)), now)
        // A reboot (or a force-stop) drops every alarm.
        val manager = app.getSystemService(AlarmManager::class.java)
        @Suppress("DEPRECATION") // Robolectric 4.17 has no getter for it yet
        alarms.scheduledAlarms.toList().forEach { manager.cancel(it.operation) }
        assertEquals(0, alarms.scheduledAlarms.size)
        var replans = 0
        NotificationScheduler.replan = { replans++ }
        RescheduleReceiver().onReceive(app, Intent(Intent.ACTION_LOCKED_BOOT_COMPLETED))
        assertEquals(2, alarms.scheduledAlarms.size)
        assertEquals("the core cannot be read before the first unlock", 0, replans)
        RescheduleReceiver().onReceive(app, Intent(Intent.ACTION_BOOT_COMPLETED))
        RescheduleReceiver().onReceive(app, Intent(Intent.ACTION_TIMEZONE_CHANGED))
        RescheduleReceiver().onReceive(app, Intent(Intent.ACTION_TIME_CHANGED))
        assertEquals(3, replans)
        assertEquals(2, alarms.scheduledAlarms.size)
    }

    @Test
    fun aFiredAlarmIsShownOnItsChannelOnlyWithPostNotifications() {
        val nm = app.getSystemService(NotificationManager::class.java)
        val s = NotificationScheduler(app)
        s.schedule(listOf(notice("urgent", 10, Channels.PUMP_ALARMS)), now)
        val alarm = alarms.peekNextScheduledAlarm()!!
        @Suppress("DEPRECATION") // Robolectric 4.17 has no getter for it yet
        val intent = shadowOf(alarm.operation).savedIntent
        shadowOf(app).denyPermissions(Manifest.permission.POST_NOTIFICATIONS)
        NotificationReceiver().onReceive(app, intent)
        assertEquals(0, shadowOf(nm).allNotifications.size)
        shadowOf(app).grantPermissions(Manifest.permission.POST_NOTIFICATIONS)
        NotificationReceiver().onReceive(app, intent)
        assertEquals(1, shadowOf(nm).allNotifications.size)
        assertEquals(Channels.PUMP_ALARMS, shadowOf(nm).allNotifications.first().channelId)
        assertEquals(NotificationManager.IMPORTANCE_HIGH, nm.getNotificationChannel(Channels.PUMP_ALARMS).importance)
        assertEquals(NotificationManager.IMPORTANCE_LOW, nm.getNotificationChannel(Channels.LINK).importance)
    }

    @Test
    fun beforeTheFirstUnlockOnlyTheDeviceProtectedPlanIsUsed() {
        NotificationScheduler(app).schedule(listOf(notice("a", 10)), now)
        // The plan is in device-protected storage (readable in direct boot), nothing else is.
        val dp = app.createDeviceProtectedStorageContext()
        assertTrue(dp.getSharedPreferences("thecal.notifications", 0).getString("plan", "")!!.startsWith("a\t"))
        // The core's folder is in credential-encrypted storage, out of Auto Backup.
        assertEquals(File(app.noBackupFilesDir, "thecal"), Storage.dataDir(app))
        val users = shadowOf(app.getSystemService(UserManager::class.java))
        users.setUserUnlocked(false)
        assertEquals(false, Storage.unlocked(app))
        users.setUserUnlocked(true)
        assertEquals(true, Storage.unlocked(app))
    }

    @Test
    fun bluetoothPermissionsAndStateAreMappedForTheCore() {
        assertEquals(listOf(Manifest.permission.BLUETOOTH_SCAN, Manifest.permission.BLUETOOTH_CONNECT), BlePermissions.all(34))
        assertEquals(listOf(Manifest.permission.ACCESS_FINE_LOCATION), BlePermissions.all(30))
        val radio = AndroidRadio(app)
        shadowOf(app).denyPermissions(Manifest.permission.BLUETOOTH_SCAN, Manifest.permission.BLUETOOTH_CONNECT)
        assertEquals(RadioState.PERMISSION_MISSING, radio.state(forScan = true))
        shadowOf(app).grantPermissions(Manifest.permission.BLUETOOTH_CONNECT)
        assertEquals(RadioState.PERMISSION_MISSING, radio.state(forScan = true))
        shadowOf(app).grantPermissions(Manifest.permission.BLUETOOTH_SCAN)
        val adapter = app.getSystemService(BluetoothManager::class.java).adapter
        shadowOf(adapter).setEnabled(false)
        assertEquals(RadioState.OFF, radio.state(forScan = true))
        shadowOf(adapter).setEnabled(true)
        assertEquals(RadioState.ON, radio.state(forScan = false))
        assertEquals(null, radio.identity("not an address"))
    }

}
