package org.thecal.tests

import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.time.Instant
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.thecal.ThecalException
import org.thecal.UrlConnectionHttpClient
import org.thecal.core.AlarmKind
import org.thecal.core.AlertPriority
import org.thecal.core.Author
import org.thecal.core.DailySpan
import org.thecal.core.OnCallWindow
import org.thecal.core.PainInput
import org.thecal.core.RelayDeletion
import org.thecal.core.Weekday
import org.thecal.core.LinkEvent
import org.thecal.core.LinkState
import org.thecal.core.PeerRole
import org.thecal.core.PeerState
import org.thecal.core.PumpKind
import org.thecal.mapThecalErrors
import org.thecal.sim.InProcessPump

/**
 * Caregiver alerts from Kotlin, two app objects (the patient's phone, the caregiver's) through the
 * real relay that `android/run-tests.sh` starts on loopback, each with the library's
 * [UrlConnectionHttpClient]: pairing both ways, a pump alarm from the simulated pump reaching the
 * caregiver, her acknowledgement coming back, revocation; wrong codes as typed errors.
 */
class CaregiversTest {
    private lateinit var dir: Path
    private val relay: String = System.getProperty("thecal.relay.url")
        ?.takeIf { it.isNotEmpty() } ?: error("no relay: run the tests with android/run-tests.sh")

    @Before
    fun makeDir() {
        dir = Files.createTempDirectory("thecal-kotlin-caregivers")
    }

    @After
    fun removeDir() {
        dir.toFile().deleteRecursively()
    }

    @Test
    fun aPumpAlarmReachesThePairedCaregiverAndHerAcknowledgementComesBack() = runBlocking<Unit> {
        openThecal(dir.resolve("patient")).use { patient ->
            openThecal(dir.resolve("carer")).use { carer ->
                val pc = patient.caregivers(UrlConnectionHttpClient())
                val cc = carer.caregivers(UrlConnectionHttpClient())

                // The patient shows a QR code; the caregiver scans it.
                val invitation = pc.invite(relay)
                assertTrue(invitation.qrText, invitation.qrText.startsWith("thecal:pair?v=1&relay="))
                val mum = cc.acceptInvitation(invitation.qrText, null, "Mum")
                assertEquals(PeerRole.PATIENT, mum.role)
                val anna = pc.readMailbox(0u).paired.single()
                assertEquals(pc.safetyNumber(anna), cc.safetyNumber(mum.id))
                pc.rename(anna, "Anna")
                assertEquals(PeerState.CONFIRMED, pc.confirm(anna).state)
                cc.confirm(mum.id)

                // The simulated pump raises an alarm; the patient's phone stores it through the link.
                val pump = InProcessPump(11uL, PumpKind.IMPLANTED, Instant.now())
                val transport = SimPumpTransport(pump)
                val collector = Collector()
                val link = patient.link()
                val subscription = link.subscribe(collector)
                link.startWith(transport, fastLink)
                link.pairWith(pump)
                collector.await<LinkEvent>("Connected") { it is LinkEvent.StateChanged && it.state == LinkState.Connected }
                transport.deliver(pump.raiseAlarm(AlarmKind.MotorStall))
                collector.await<LinkEvent>("the alarm") { it is LinkEvent.Alarm }

                val raised = pc.checkAlerts()
                assertEquals(1, raised.size)
                assertTrue("told once", pc.checkAlerts().isEmpty())

                assertEquals(1, cc.readMailbox(0u).alerts.size)
                val alert = cc.inbox().single()
                assertEquals(AlertPriority.HIGH, alert.priority)
                assertEquals("Mum", alert.patient)
                assertTrue(alert.body, alert.body.contains("motor stopped"))
                cc.acknowledge(alert.messageId)

                assertEquals(2u, pc.readMailbox(0u).receipts)
                val delivery = pc.deliveries(raised.single()).single()
                assertEquals("Anna", delivery.caregiver)
                assertNotNull(delivery.deliveredAt)
                assertNotNull(delivery.acknowledgedAt)

                // The caregiver ends the pairing; the patient's phone learns it.
                cc.revoke(mum.id)
                assertEquals(listOf(anna), pc.readMailbox(0u).revoked)
                assertEquals(PeerState.REVOKED, pc.pairedDevices().single().state)

                link.stop()
                subscription.cancel()
                subscription.close()
                link.close()
            }
        }
    }

    @Test
    fun withTheAutomaticRulesOnAPumpAlarmGoesOutWithoutTheAppAsking() = runBlocking<Unit> {
        openThecal(dir.resolve("patient")).use { patient ->
            openThecal(dir.resolve("carer")).use { carer ->
                val pc = patient.caregivers(UrlConnectionHttpClient())
                val cc = carer.caregivers(UrlConnectionHttpClient())
                val mum = pairConfirmed(pc, cc, relay).patient

                // The app starts the rules once; from then on the core raises and sends by itself.
                pc.watchAlerts().use { _ ->
                    val pump = InProcessPump(12uL, PumpKind.IMPLANTED, Instant.now())
                    val transport = SimPumpTransport(pump)
                    val link = patient.link()
                    link.startWith(transport, fastLink)
                    link.pairWith(pump)
                    transport.deliver(pump.raiseAlarm(AlarmKind.CatheterOcclusion))

                    // The caregiver's phone long-polls the relay: it returns as the alert arrives.
                    val deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos()
                    while (cc.inbox().none { it.body.contains("catheter") }) {
                        assertTrue("no alert came", System.nanoTime() < deadline)
                        cc.readMailbox(20u)
                    }
                    val alert = cc.inbox().single { it.body.contains("catheter") }
                    assertEquals(AlertPriority.HIGH, alert.priority)
                    link.stop()
                    link.close()
                }

                // The patient deletes everything: the caregiver is told, nothing is left here.
                pc.deleteEverything()
                assertEquals(listOf(mum), cc.readMailbox(0u).revoked)
                assertTrue(pc.pairedDevices().isEmpty())
                expectThrows<ThecalException.CaregiversNotSetUp> { mapThecalErrors { pc.readMailbox(0u) } }
            }
        }
    }

    @Test
    fun deletingAllMyDataEmptiesThisPhoneAndTheRelayAndTellsTheCaregiver() = runBlocking<Unit> {
        val keys = MemorySecretStore()
        val day = Duration.ofDays(1)
        openThecal(dir.resolve("patient"), secrets = keys).use { patient ->
            openThecal(dir.resolve("carer")).use { carer ->
                val pc = patient.caregivers(UrlConnectionHttpClient())
                val cc = carer.caregivers(UrlConnectionHttpClient())
                val mum = pairConfirmed(pc, cc, relay).patient
                val now = Instant.now()
                patient.diary().addPain(PainInput(now.minusSeconds(60), 6u, null, null, null, "after the walk"), Author.PATIENT)
                assertEquals(1, keys.names().size)

                val report = patient.deleteAllMyData(UrlConnectionHttpClient())
                assertEquals(RelayDeletion.Deleted(relay), report.relay)
                assertEquals(1u, report.keysDeleted)
                assertTrue(report.filesDeleted >= 1u)
                assertTrue(keys.names().isEmpty())
                val left = dir.resolve("patient").toFile().list()!!.filter { it.startsWith("thecal.sqlite3") }
                assertTrue("$left", left.isEmpty())
                // The caregiver's phone is told; this object reads nothing any more.
                assertEquals(listOf(mum), cc.readMailbox(0u).revoked)
                expectThrows<ThecalException.StorageUnavailable> {
                    mapThecalErrors { patient.diary().painEntries(now.minus(day), now) }
                }
            }
        }
        // Opening the folder again starts afresh.
        openThecal(dir.resolve("patient"), secrets = keys).use { again ->
            val now = Instant.now()
            assertTrue(again.diary().painEntries(now.minus(day), now).isEmpty())
        }
    }

    @Test
    fun aDeletionStoppedByAFileIsFinishedByTheSecondTryWhichReportsBoth() = runBlocking<Unit> {
        val keys = MemorySecretStore()
        openThecal(dir.resolve("patient"), secrets = keys).use { patient ->
            openThecal(dir.resolve("carer")).use { carer ->
                val pc = patient.caregivers(UrlConnectionHttpClient())
                val cc = carer.caregivers(UrlConnectionHttpClient())
                val mum = pairConfirmed(pc, cc, relay).patient
                // Something that is not a file among the files kept aside: it cannot be removed.
                val obstacle = dir.resolve("patient").resolve("damaged").resolve("a folder").toFile()
                assertTrue(obstacle.mkdirs())

                val stopped = expectThrows<ThecalException.StorageUnavailable> {
                    mapThecalErrors { patient.deleteAllMyData(UrlConnectionHttpClient()) }
                }
                assertTrue(stopped.message, stopped.message.contains("a folder"))
                // The relay's part and the keys were done before the files.
                assertEquals(listOf(mum), cc.readMailbox(0u).revoked)
                assertTrue(keys.names().isEmpty())

                assertTrue(obstacle.delete())
                val report = patient.deleteAllMyData(UrlConnectionHttpClient())
                assertEquals(RelayDeletion.Deleted(relay), report.relay)
                assertEquals(1u, report.keysDeleted)
                assertTrue(report.filesDeleted >= 1u)
                assertTrue(dir.resolve("patient").toFile().list()!!.isEmpty())
            }
        }
    }

    @Test
    fun aCaregiverTypesTheCodeAndWrongOrUsedCodesAreTypedErrors() = runBlocking<Unit> {
        openThecal(dir.resolve("patient")).use { patient ->
            openThecal(dir.resolve("carer")).use { carer ->
                openThecal(dir.resolve("other")).use { other ->
                    val pc = patient.caregivers(UrlConnectionHttpClient())
                    val cc = carer.caregivers(UrlConnectionHttpClient())
                    val oc = other.caregivers(UrlConnectionHttpClient())
                    val host = relay.removePrefix("http://")
                    expectThrows<ThecalException.CaregiversNotSetUp> { mapThecalErrors { pc.readMailbox(0u) } }

                    val invitation = pc.invite(relay)
                    expectThrows<ThecalException.InvitationNotFound> {
                        mapThecalErrors { cc.acceptInvitation("00000-00000", host, "Mum") }
                    }
                    val bad = expectThrows<ThecalException.BadInvitation> {
                        mapThecalErrors { cc.acceptInvitation("12345", host, "Mum") }
                    }
                    assertTrue(bad.message, bad.message.contains("10 letters and digits"))

                    // Typed in lower case: accepted.
                    val mum = cc.acceptInvitation(invitation.code.lowercase(), host, "Mum")
                    assertEquals(PeerState.UNCONFIRMED, mum.state)
                    expectThrows<ThecalException.InvitationUsed> {
                        mapThecalErrors { oc.acceptInvitation(invitation.qrText, null, "x") }
                    }
                    val anna = pc.readMailbox(0u).paired.single()
                    assertEquals(PeerRole.CAREGIVER, pc.pairedDevices().single().role)
                    expectThrows<ThecalException.UnknownAlert> { mapThecalErrors { cc.acknowledge("nothing") } }
                    pc.revoke(anna)
                    expectThrows<ThecalException.DeviceNotPaired> { mapThecalErrors { pc.confirm(anna) } }
                }
            }
        }
    }

    @Test
    fun eachCaregiverHasHerSettingsAndASnoozeReachesThePatientButNeverForACriticalAlarm() = runBlocking<Unit> {
        openThecal(dir.resolve("patient")).use { patient ->
            openThecal(dir.resolve("carer")).use { carer ->
                val pc = patient.caregivers(UrlConnectionHttpClient())
                val cc = carer.caregivers(UrlConnectionHttpClient())
                val anna = pairConfirmed(pc, cc, relay).caregiver

                // Her settings: every rule by default; quiet hours, a rota, reminders when set.
                val defaults = pc.caregiverSettings(anna)
                assertTrue(defaults.rules.pumpAlarms)
                assertEquals(null, defaults.quietHours)
                val nights = defaults.copy(
                    quietHours = DailySpan(fromMinute = (22 * 60).toUShort(), toMinute = (7 * 60).toUShort()),
                    onCall = listOf(OnCallWindow(listOf(Weekday.SATURDAY, Weekday.SUNDAY), DailySpan(0u, 0u))),
                    reminderMinutes = 30u,
                    rotaPosition = 1u,
                    timeZone = "Europe/Paris",
                )
                pc.setCaregiverSettings(anna, nights)
                assertEquals(nights, pc.caregiverSettings(anna))
                val bad = expectThrows<ThecalException.InvalidInput> {
                    mapThecalErrors { pc.setCaregiverSettings(anna, nights.copy(reminderMinutes = 1u)) }
                }
                assertEquals("reminder_minutes", bad.field)
                // Back to always on call, never quiet (this test runs on the real clock).
                pc.setCaregiverSettings(anna, defaults.copy(reminderMinutes = 30u))

                val pump = InProcessPump(13uL, PumpKind.IMPLANTED, Instant.now())
                val transport = SimPumpTransport(pump)
                val collector = Collector()
                val link = patient.link()
                val subscription = link.subscribe(collector)
                link.startWith(transport, fastLink)
                link.pairWith(pump)
                collector.await<LinkEvent>("Connected") { it is LinkEvent.StateChanged && it.state == LinkState.Connected }
                transport.deliver(pump.raiseAlarm(AlarmKind.MotorStall))
                transport.deliver(pump.raiseAlarm(AlarmKind.ReservoirLow))
                collector.await<LinkEvent>("two alarms") { it is LinkEvent.Alarm && it.alarm.kind == AlarmKind.ReservoirLow }
                val raised = pc.checkAlerts()
                assertEquals(2, raised.size)

                cc.readMailbox(0u)
                val critical = cc.inbox().single { it.priority == AlertPriority.HIGH }
                val medium = cc.inbox().single { it.priority == AlertPriority.MEDIUM }
                assertTrue(!critical.canSnooze && medium.canSnooze)
                expectThrows<ThecalException.CannotSnooze> { mapThecalErrors { cc.snooze(critical.messageId, 60u) } }
                cc.snooze(medium.messageId, 60u)
                val snoozed = cc.inbox().single { it.messageId == medium.messageId }
                assertTrue(snoozed.snoozed)
                assertNotNull(snoozed.snoozedUntil)

                pc.readMailbox(0u)
                val seen = raised.map { pc.deliveries(it).single() }.filter { it.seenAt != null }
                assertEquals("the snooze tells the patient's phone she saw it", 1, seen.size)

                link.stop()
                subscription.cancel()
                subscription.close()
                link.close()
            }
        }
    }
}
