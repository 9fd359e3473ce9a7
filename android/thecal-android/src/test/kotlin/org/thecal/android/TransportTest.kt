package org.thecal.android

import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.time.Instant
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.thecal.android.ble.AndroidBleTransport
import org.thecal.android.ble.GattEvent
import org.thecal.android.ble.GattFailure
import org.thecal.android.ble.GattQueue
import org.thecal.android.ble.GattStatus
import org.thecal.android.ble.RadioState
import org.thecal.android.ble.RetryPolicy
import org.thecal.android.ble.TransportConfig
import org.thecal.android.ble.retryTransient
import org.thecal.core.AlarmKind
import org.thecal.core.BackoffConfig
import org.thecal.core.LinkConfig
import org.thecal.core.LinkEvent
import org.thecal.core.LinkFailure
import org.thecal.core.LinkListener
import org.thecal.core.LinkState
import org.thecal.core.PumpKind
import org.thecal.core.Thecal
import org.thecal.core.ThecalConfig
import org.thecal.sim.InProcessPump

/** The listener tests wait on. */
class Events : LinkListener {
    val queue = LinkedBlockingQueue<LinkEvent>()

    override fun onEvent(event: LinkEvent) {
        queue.add(event)
    }

    fun await(what: String, match: (LinkEvent) -> Boolean): LinkEvent {
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20)
        while (true) {
            val left = deadline - System.nanoTime()
            val e = queue.poll(left.coerceAtLeast(0), TimeUnit.NANOSECONDS) ?: throw AssertionError("timed out waiting for $what")
            if (match(e)) return e
        }
    }
}

/**
 * The Android transport's queue and retries against a fake of the GATT callbacks, driving the
 * REAL core's link manager with the in-process simulated pump behind the fake.
 */
class TransportTest {
    private lateinit var dir: Path

    @Before
    fun makeDir() {
        dir = Files.createTempDirectory("thecal-android-transport")
    }

    @After
    fun removeDir() {
        dir.toFile().deleteRecursively()
    }

    private val fast = LinkConfig(
        backoff = BackoffConfig(initial = Duration.ofMillis(1), max = Duration.ofMillis(20)),
        scanTimeout = Duration.ofMillis(100),
    )
    private val quick = TransportConfig(
        connect = RetryPolicy(attempts = 4, firstDelayMs = 5),
        operation = RetryPolicy(attempts = 3, firstDelayMs = 5),
        connectTimeoutMs = 2_000,
        autoConnectTimeoutMs = 2_000,
        operationTimeoutMs = 2_000,
    )

    private suspend fun open(): Thecal = Thecal.open(dir.toString(), ThecalConfig(timeZone = "Europe/Paris"), MemorySecrets())

    @Test
    fun status133IsRetriedOneGattOperationAtATimeAndLiveDataFlows() = runBlocking {
        val start = Instant.parse("2026-05-04T08:00:00Z")
        open().use { thecal ->
            val pump = InProcessPump(7uL, PumpKind.IMPLANTED, start)
            val radio = FakeRadio(pump)
            val transport = AndroidBleTransport(radio, quick)
            val events = Events()
            val link = thecal.link()
            val sub = link.subscribe(events)
            link.startWith(transport, fast)
            val device = link.discover(300u).first { it.deviceId == pump.deviceId() }
            radio.failNextConnects.set(2)
            link.pair(device, pump.serial())
            events.await("Connected") { it is LinkEvent.StateChanged && it.state == LinkState.Connected }
            // Two attempts ended in 133, each client closed; the third (direct) connected.
            assertEquals(listOf(false, false, false), radio.attempts.take(3))
            assertTrue("closed ${radio.closed.get()}", radio.closed.get() >= 2)

            var t = start
            repeat(3) { i ->
                t = t.plus(Duration.ofMinutes(5))
                radio.deliver(pump.advanceTo(t))
                events.await("reading ${i + 1}") { it is LinkEvent.Reading }
            }
            radio.deliver(pump.raiseAlarm(AlarmKind.MotorStall))
            val alarm = events.await("alarm") { it is LinkEvent.Alarm } as LinkEvent.Alarm
            assertEquals(AlarmKind.MotorStall, alarm.alarm.kind)

            // Out of range and back: the core reconnects through the transport.
            pump.setInRange(false)
            radio.drop()
            events.await("LinkLost") { it is LinkEvent.LinkLost }
            pump.setInRange(true)
            events.await("Connected again") { it is LinkEvent.StateChanged && it.state == LinkState.Connected }

            assertEquals("GATT operations started while one was in flight", 0, radio.overlapping.get())
            link.stop()
            sub.cancel()
            sub.close()
            link.close()
        }
    }

    @Test
    fun bluetoothOffAndAMissingPermissionAreTheCoresTypedFailures() = runBlocking {
        open().use { thecal ->
            val pump = InProcessPump(8uL, PumpKind.IMPLANTED, Instant.parse("2026-05-04T08:00:00Z"))
            val radio = FakeRadio(pump)
            val events = Events()
            val link = thecal.link()
            val sub = link.subscribe(events)
            link.startWith(AndroidBleTransport(radio, quick), fast)
            link.pair(link.discover(300u).first(), pump.serial())
            events.await("Connected") { it is LinkEvent.StateChanged && it.state == LinkState.Connected }

            radio.state = RadioState.OFF
            radio.drop()
            events.await("BluetoothOff") { it is LinkEvent.Failed && it.failure == LinkFailure.BluetoothOff }
            radio.state = RadioState.PERMISSION_MISSING
            events.await("PermissionDenied") { it is LinkEvent.Failed && it.failure == LinkFailure.PermissionDenied }
            radio.state = RadioState.ON
            events.await("Connected again") { it is LinkEvent.StateChanged && it.state == LinkState.Connected }
            link.stop()
            sub.cancel()
            sub.close()
            link.close()
        }
    }

    @Test
    fun theQueueRunsConcurrentCallersOneAtATime() = runBlocking {
        val queue = GattQueue(timeoutMs = 2_000)
        val inFlight = java.util.concurrent.atomic.AtomicInteger(0)
        var most = 0
        val results = (1..20).map { i ->
            async(kotlinx.coroutines.Dispatchers.Default) {
                queue.run("read $i", { it is GattEvent.Read && it.characteristic == "c$i" }) {
                    most = maxOf(most, inFlight.incrementAndGet())
                    Thread {
                        Thread.sleep(2)
                        inFlight.decrementAndGet()
                        queue.onEvent(GattEvent.Read("c$i", byteArrayOf(i.toByte()), GattStatus.SUCCESS))
                    }.start()
                    true
                }
            }
        }.awaitAll()
        assertEquals(20, results.size)
        assertEquals(1, most)
        assertEquals(20, queue.started)
    }

    @Test
    fun onlyTransientFailuresAreRetried() = runBlocking {
        var tries = 0
        val ok = retryTransient(RetryPolicy(attempts = 3, firstDelayMs = 1)) {
            tries++
            if (it < 3) throw GattFailure.Status("read", GattStatus.GATT_ERROR)
            "read"
        }
        assertEquals("read", ok)
        assertEquals(3, tries)
        tries = 0
        try {
            retryTransient(RetryPolicy(attempts = 3, firstDelayMs = 1)) {
                tries++
                throw GattFailure.Status("read", GattStatus.INSUFFICIENT_AUTHENTICATION)
            }
        } catch (e: GattFailure.Status) {
            assertEquals(GattStatus.INSUFFICIENT_AUTHENTICATION, e.status)
        }
        assertEquals(1, tries)
        // A link that went down is not retried here: the core reconnects.
        val queue = GattQueue(timeoutMs = 1_000)
        val failed = async {
            runCatching { queue.run("read", { false }) { true } }.exceptionOrNull()
        }
        delay(50)
        queue.onEvent(GattEvent.ConnectionChanged(GattStatus.CONNECTION_TIMEOUT, false))
        assertTrue(failed.await() is GattFailure.Disconnected)
    }
}
