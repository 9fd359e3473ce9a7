package org.thecal.tests

import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.time.Instant
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Before
import org.junit.Test
import org.thecal.core.Advertisement
import org.thecal.core.AlarmCurrentState
import org.thecal.core.AlarmKind
import org.thecal.core.BackoffConfig
import org.thecal.core.BleTransport
import org.thecal.core.LinkConfig
import org.thecal.core.LinkEvent
import org.thecal.core.LinkListener
import org.thecal.core.LinkState
import org.thecal.core.PumpKind
import org.thecal.core.TransportEvents
import org.thecal.core.TransportException
import org.thecal.sim.GattValue
import org.thecal.sim.InProcessPump

/**
 * The Android app's side of the link: a [BleTransport] implemented in Kotlin (here over the
 * in-process simulated pump, where the app would use BluetoothGatt), driven by the real link
 * manager in the native library.
 */
class SimPumpTransport(val pump: InProcessPump) : BleTransport {
    @Volatile private var events: TransportEvents? = null
    val id: String = pump.deviceId()

    override fun name() = "Kotlin transport (in-process pump)"

    override fun setEvents(events: TransportEvents) {
        this.events = events
    }

    override suspend fun scan(serviceUuids: List<String>, timeoutMs: UInt): List<Advertisement> =
        listOfNotNull(pump.advertisement())

    override suspend fun connect(deviceId: String) = pump.connect()

    override suspend fun disconnect(deviceId: String) = dropLink()

    override suspend fun read(deviceId: String, characteristic: String): ByteArray = pump.read(characteristic)

    override suspend fun write(deviceId: String, characteristic: String, value: ByteArray) =
        deliver(pump.write(characteristic, value))

    override suspend fun subscribe(deviceId: String, characteristic: String) = pump.subscribe(characteristic)

    /** What BluetoothGattCallback.onCharacteristicChanged would do. */
    fun deliver(values: List<GattValue>) {
        val sink = events ?: return
        values.forEach { sink.notification(id, it.characteristic, it.value) }
    }

    /** What onConnectionStateChange(STATE_DISCONNECTED) would do. */
    fun dropLink() {
        pump.disconnect()
        events?.disconnected(id)
    }
}

/** Collects live events so a test can wait for one, with a deadline. */
class Collector : LinkListener {
    val events = LinkedBlockingQueue<LinkEvent>()

    override fun onEvent(event: LinkEvent) {
        events.add(event)
    }

    fun <T : LinkEvent> await(what: String, match: (LinkEvent) -> Boolean): LinkEvent {
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20)
        while (true) {
            val left = deadline - System.nanoTime()
            val e = events.poll(left.coerceAtLeast(0), TimeUnit.NANOSECONDS) ?: fail("timed out waiting for $what")
            if (match(e as LinkEvent)) return e
        }
    }
}

class LinkTest {
    private lateinit var dir: Path

    @Before
    fun makeDir() {
        dir = Files.createTempDirectory("thecal-kotlin-link")
    }

    @After
    fun removeDir() {
        dir.toFile().deleteRecursively()
    }

    private val fast = LinkConfig(
        backoff = BackoffConfig(initial = Duration.ofMillis(1), max = Duration.ofMillis(20)),
        scanTimeout = Duration.ofMillis(100),
    )

    @Test
    fun liveUpdatesThroughAKotlinTransportThenLinkLostAndBack() = runBlocking {
        val start = Instant.parse("2026-05-04T08:00:00Z")
        openThecal(dir, "Europe/Paris").use { thecal ->
            val pump = InProcessPump(3uL, PumpKind.IMPLANTED, start)
            val transport = SimPumpTransport(pump)
            val collector = Collector()
            val link = thecal.link()
            val subscription = link.subscribe(collector)
            val first = collector.events.poll(5, TimeUnit.SECONDS)
            assertTrue("the current state comes first: $first", first is LinkEvent.Snapshot)

            link.startWith(transport, fast)
            collector.await<LinkEvent>("Connected") { it is LinkEvent.StateChanged && it.state == LinkState.Connected }
            val serial = pump.serial()
            assertEquals(serial, link.snapshot().pump?.serial)

            // Live readings, as the pump's notifications arrive.
            var t = start
            repeat(5) { i ->
                t = t.plus(Duration.ofMinutes(5))
                transport.deliver(pump.advanceTo(t))
                collector.await<LinkEvent>("reading ${i + 1}") { it is LinkEvent.Reading }
            }

            // An alarm raised while connected, then the link is lost.
            transport.deliver(pump.raiseAlarm(AlarmKind.MotorStall))
            val alarm = collector.await<LinkEvent>("the alarm") { it is LinkEvent.Alarm } as LinkEvent.Alarm
            assertEquals(AlarmKind.MotorStall, alarm.alarm.kind)
            pump.setInRange(false)
            transport.dropLink()
            collector.await<LinkEvent>("LinkLost") { it is LinkEvent.LinkLost }
            assertNotNull(link.snapshot().lastLinkLost)

            // While away, the open alarm's state is unknown.
            val away = thecal.dashboard()
            assertEquals(AlarmCurrentState.UNKNOWN, away.alarms.first().current)

            // Back in range: it reconnects on its own.
            pump.setInRange(true)
            collector.await<LinkEvent>("Connected again") { it is LinkEvent.StateChanged && it.state == LinkState.Connected }
            assertTrue(link.snapshot().reconnects >= 1uL)
            link.stop()
            subscription.cancel()
            subscription.close()
            link.close()
        }
    }

    @Test
    fun aFailingKotlinTransportIsATypedErrorNotACrash() = runBlocking {
        val failing = object : BleTransport {
            override fun name() = "broken"
            override fun setEvents(events: TransportEvents) {}
            override suspend fun scan(serviceUuids: List<String>, timeoutMs: UInt): List<Advertisement> =
                throw TransportException.BluetoothUnavailable("Bluetooth is off")
            override suspend fun connect(deviceId: String) {}
            override suspend fun disconnect(deviceId: String) {}
            override suspend fun read(deviceId: String, characteristic: String) = ByteArray(0)
            override suspend fun write(deviceId: String, characteristic: String, value: ByteArray) {}
            override suspend fun subscribe(deviceId: String, characteristic: String) {}
        }
        openThecal(dir, "UTC").use { thecal ->
            val collector = Collector()
            val link = thecal.link()
            val sub = link.subscribe(collector)
            link.startWith(failing, fast)
            collector.await<LinkEvent>("Bluetooth unavailable") {
                it is LinkEvent.StateChanged && it.state == LinkState.BluetoothUnavailable
            }
            link.stop()
            sub.close()
        }
    }
}
