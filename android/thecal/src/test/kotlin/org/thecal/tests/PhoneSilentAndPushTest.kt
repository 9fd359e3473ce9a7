package org.thecal.tests

import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import java.nio.file.StandardCopyOption
import java.time.Duration
import java.time.Instant
import java.util.Base64
import java.util.concurrent.CopyOnWriteArrayList
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.thecal.ThecalException
import org.thecal.UrlConnectionHttpClient
import org.thecal.core.AlarmKind
import org.thecal.core.AlertPriority
import org.thecal.core.CheckInSchedule
import org.thecal.core.Caregivers
import org.thecal.core.HttpClient
import org.thecal.core.HttpRequest
import org.thecal.core.HttpResponse
import org.thecal.core.LinkEvent
import org.thecal.core.LinkState
import org.thecal.core.PhoneNoticeKind
import org.thecal.core.PumpKind
import org.thecal.core.PushContent
import org.thecal.core.PushReader
import org.thecal.mapThecalErrors
import org.thecal.sim.InProcessPump

/** The app's HTTP stack, keeping the body of every envelope posted to a mailbox (with its URL). */
class RecordingHttpClient(private val inner: HttpClient = UrlConnectionHttpClient()) : HttpClient {
    /** (URL, envelope) of each envelope posted. */
    val posted = CopyOnWriteArrayList<Pair<String, ByteArray>>()

    override suspend fun send(request: HttpRequest): HttpResponse {
        if (request.method == "POST" && request.url.endsWith("/messages")) {
            posted.add(request.url to request.body)
        }
        return inner.send(request)
    }
}

/**
 * The phone-silent alarm and push payloads from Kotlin, through the real relay that
 * `android/run-tests.sh` starts on loopback: the patient's phone stops checking in and the
 * caregiver's app shows "no news from Mum's phone", then "back"; a push's payload opened by
 * [PushReader] alone, as an FCM receiver does it.
 */
class PhoneSilentAndPushTest {
    private lateinit var dir: Path
    private val relay: String = System.getProperty("thecal.relay.url")
        ?.takeIf { it.isNotEmpty() } ?: error("no relay: run the tests with android/run-tests.sh")

    /**
     * The file the test relay reads its time from while it exists (`tests/test-relay.sh` exports
     * it; the test JVM inherits Maven's environment).
     */
    private val relayClock: Path = System.getenv("THECAL_RELAY_CLOCK_FILE")
        ?.takeIf { it.isNotEmpty() }?.let { Paths.get(it) }
        ?: error("no relay clock: run the tests with android/run-tests.sh")

    @Before
    fun makeDir() {
        dir = Files.createTempDirectory("thecal-kotlin-silent")
    }

    @After
    fun removeDir() {
        dir.toFile().deleteRecursively()
    }

    /** Pairs [pc] (the patient's) and [cc] (the caregiver's), both confirmed; returns Mum's id. */
    private suspend fun pair(pc: Caregivers, cc: Caregivers): String = pairConfirmed(pc, cc, relay).patient

    @Test
    fun aPhoneThatStopsCheckingInIsReportedToTheCaregiverThenBack() = runBlocking<Unit> {
        openThecal(dir.resolve("patient")).use { patient ->
            openThecal(dir.resolve("carer")).use { carer ->
                val pc = patient.caregivers(UrlConnectionHttpClient())
                val cc = carer.caregivers(UrlConnectionHttpClient())
                pair(pc, cc)

                // The patient's phone checks in every minute, no grace (the shortest schedule).
                val watch = pc.setCheckInSchedule(CheckInSchedule(60u, 0u))
                assertTrue(watch.watching)
                assertEquals(1u, watch.watchers)
                expectThrows<ThecalException.InvalidInput> {
                    mapThecalErrors { pc.setCheckInSchedule(CheckInSchedule(10u, 0u)) }
                }

                // The relay's time moves two minutes on: the check-in is overdue, and its sweep
                // puts the notice in the caregiver's mailbox (her long poll returns with it).
                try {
                    val tmp = Files.createTempFile(relayClock.parent, "clock", ".tmp")
                    Files.writeString(tmp, "${Instant.now().epochSecond + 120}")
                    Files.move(tmp, relayClock, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING)
                    val deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos()
                    while (cc.phoneNotices().isEmpty()) {
                        assertTrue("no notice came", System.nanoTime() < deadline)
                        cc.readMailbox(20u)
                    }
                } finally {
                    Files.deleteIfExists(relayClock)
                }
                val silent = cc.phoneNotices().single()
                assertEquals(PhoneNoticeKind.SILENT, silent.kind)
                assertEquals("Mum", silent.patient)
                assertFalse(silent.phoneBack)
                assertTrue(silent.title, silent.title.contains("Mum"))
                assertTrue(silent.body, silent.body.contains("since"))

                // The patient's phone checks in again (the app's background refresh): "back".
                assertTrue(pc.checkIn().watching)
                assertEquals(1, cc.readMailbox(0u).notices.size)
                val notices = cc.phoneNotices()
                assertEquals(PhoneNoticeKind.BACK, notices.first().kind)
                assertTrue("the silence is over", notices.last().phoneBack)

                // Switched off on purpose: the watch stops until the next check-in.
                val stopped = pc.stopWatching()
                assertFalse(stopped.watching)
                assertTrue(stopped.stoppedAt != null)
            }
        }
    }

    @Test
    fun aPushPayloadIsOpenedByThePushReaderAloneAndStoredOnce() = runBlocking<Unit> {
        val carerSecrets = MemorySecretStore()
        val carerDir = dir.resolve("carer")
        val http = RecordingHttpClient()
        openThecal(dir.resolve("patient")).use { patient ->
            openThecal(carerDir, secrets = carerSecrets).use { carer ->
                val pc = patient.caregivers(http)
                val cc = carer.caregivers(UrlConnectionHttpClient())
                pair(pc, cc)

                // A pump alarm goes out; the envelope the relay would push is the one posted.
                val pump = InProcessPump(21uL, PumpKind.IMPLANTED, Instant.now())
                val transport = SimPumpTransport(pump)
                val collector = Collector()
                val link = patient.link()
                val subscription = link.subscribe(collector)
                link.startWith(transport, fastLink)
                link.pairWith(pump)
                collector.await<LinkEvent>("Connected") { it is LinkEvent.StateChanged && it.state == LinkState.Connected }
                transport.deliver(pump.raiseAlarm(AlarmKind.MotorStall))
                collector.await<LinkEvent>("the alarm") { it is LinkEvent.Alarm }
                http.posted.clear()
                assertEquals(1, pc.checkAlerts().size)
                val (url, envelope) = http.posted.single()
                val mailbox = url.removeSuffix("/messages").substringAfterLast('/')
                val b64 = Base64.getUrlEncoder().withoutPadding()
                val payload = """{"v":1,"mbx":"$mailbox","env":"${b64.encodeToString(envelope)}"}"""

                // The FCM receiver opens it with the data folder and the key store alone.
                PushReader.open(carerDir.toString(), carerSecrets).use { reader ->
                    val shown = reader.read(payload)
                    assertTrue("$shown", shown is PushContent.Alert)
                    shown as PushContent.Alert
                    assertEquals("Mum", shown.patient)
                    assertEquals(AlertPriority.HIGH, shown.priority)
                    assertTrue(shown.body, shown.body.contains("motor stopped"))
                    // Stored: the app's inbox has it, and its own read finds a duplicate.
                    assertEquals(shown.messageId, cc.inbox().single().messageId)
                    assertTrue(cc.readMailbox(0u).alerts.isEmpty())
                    assertEquals(1, cc.inbox().size)
                    assertEquals(shown, cc.openPush(payload))

                    // Without an envelope: read the mailbox.
                    assertEquals(PushContent.FetchMailbox, reader.read("""{"v":"1","mbx":"$mailbox"}"""))
                    // Damaged, altered, or for another phone: typed errors.
                    expectThrows<ThecalException.BadPushPayload> { mapThecalErrors { reader.read("{}") } }
                    val altered = envelope.copyOf().also { it[it.size - 1] = (it[it.size - 1].toInt() xor 1).toByte() }
                    expectThrows<ThecalException.Tampered> {
                        mapThecalErrors {
                            reader.read("""{"v":1,"mbx":"$mailbox","env":"${b64.encodeToString(altered)}"}""")
                        }
                    }
                    val other = "AAAAAAAAAAAAAAAAAAAAAA"
                    expectThrows<ThecalException.NotForThisDevice> {
                        mapThecalErrors { reader.read("""{"v":1,"mbx":"$other","env":"${b64.encodeToString(envelope)}"}""") }
                    }
                }
                link.stop()
                subscription.cancel()
                subscription.close()
                link.close()
            }
        }
    }
}
