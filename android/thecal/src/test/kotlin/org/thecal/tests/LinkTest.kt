package org.thecal.tests

import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.time.Instant
import java.util.concurrent.CopyOnWriteArrayList
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
import org.thecal.core.BleTransport
import org.thecal.core.LinkEvent
import org.thecal.core.LinkFailure
import org.thecal.core.LinkListener
import org.thecal.core.LinkState
import org.thecal.core.PairedPump
import org.thecal.core.PumpLink
import org.thecal.core.PumpKind
import org.thecal.core.TransportEvents
import org.thecal.core.TransportException
import org.thecal.sim.GattValue
import org.thecal.sim.InProcessPump

/**
 * The Android app's side of the link: a [BleTransport] implemented in Kotlin (here over
 * in-process simulated pumps, where the app would use BluetoothGatt), driven by the real link
 * manager in the native library. [pump] is the patient's; [others] are other pumps nearby.
 */
class SimPumpTransport(val pump: InProcessPump, vararg others: InProcessPump) : BleTransport {
    @Volatile private var events: TransportEvents? = null
    private val pumps: List<InProcessPump> = listOf(pump) + others
    val id: String = pump.deviceId()

    /** Every device connected to, in order (what the phone's stack was asked to do). */
    val connections = CopyOnWriteArrayList<String>()

    /** Bluetooth switched on (`true`) or off in the phone's settings. */
    @Volatile var bluetoothOn = true

    override fun name() = "Kotlin transport (in-process pump)"

    override fun setEvents(events: TransportEvents) {
        this.events = events
    }

    private fun on() {
        if (!bluetoothOn) throw TransportException.BluetoothUnavailable("Bluetooth is off")
    }

    /** The pump answering to [deviceId]: the one in range, if two claim the same identity. */
    private fun byId(deviceId: String): InProcessPump {
        val claimed = pumps.filter { it.deviceId() == deviceId }
        return claimed.firstOrNull { it.advertisement() != null } ?: claimed.firstOrNull()
            ?: throw TransportException.DeviceNotFound()
    }

    override suspend fun scan(serviceUuids: List<String>, timeoutMs: UInt): List<Advertisement> {
        on()
        return pumps.mapNotNull { it.advertisement() }
    }

    override suspend fun connect(deviceId: String) {
        on()
        connections.add(deviceId)
        byId(deviceId).connect()
    }

    override suspend fun bond(deviceId: String): Boolean = byId(deviceId).bond()

    override suspend fun identity(deviceId: String): String = byId(deviceId).deviceId()

    override suspend fun disconnect(deviceId: String) = dropLink(deviceId)

    override suspend fun read(deviceId: String, characteristic: String): ByteArray = byId(deviceId).read(characteristic)

    override suspend fun write(deviceId: String, characteristic: String, value: ByteArray) =
        deliver(byId(deviceId).write(characteristic, value), deviceId)

    override suspend fun subscribe(deviceId: String, characteristic: String) = byId(deviceId).subscribe(characteristic)

    /** What BluetoothGattCallback.onCharacteristicChanged would do. */
    fun deliver(values: List<GattValue>, deviceId: String = id) {
        val sink = events ?: return
        values.forEach { sink.notification(deviceId, it.characteristic, it.value) }
    }

    /** What onConnectionStateChange(STATE_DISCONNECTED) would do. */
    fun dropLink(deviceId: String = id) {
        byId(deviceId).disconnect()
        events?.disconnected(deviceId)
    }
}

/** Pairs [pump] as the patient does: picks it among the pumps nearby and confirms its serial. */
suspend fun PumpLink.pairWith(pump: InProcessPump): PairedPump {
    val device = discover(500u).first { it.deviceId == pump.deviceId() }
    return pair(device, pump.serial())
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

            link.startWith(transport, fastLink)
            link.pairWith(pump)
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
    fun bluetoothSwitchedOffIsATypedStateAndTheLinkComesBackByItself() = runBlocking {
        openThecal(dir, "UTC").use { thecal ->
            val pump = InProcessPump(4uL, PumpKind.IMPLANTED, Instant.parse("2026-05-04T08:00:00Z"))
            val transport = SimPumpTransport(pump)
            val collector = Collector()
            val link = thecal.link()
            val sub = link.subscribe(collector)
            link.startWith(transport, fastLink)
            link.pairWith(pump)
            collector.await<LinkEvent>("Connected") { it is LinkEvent.StateChanged && it.state == LinkState.Connected }

            // Switched off in the phone's settings: the link is lost, then every scan fails.
            transport.bluetoothOn = false
            transport.dropLink()
            collector.await<LinkEvent>("BluetoothOff") { it is LinkEvent.Failed && it.failure == LinkFailure.BluetoothOff }
            val state = link.snapshot().state
            assertTrue("$state", state is LinkState.Failed || state == LinkState.Scanning)
            assertEquals(LinkFailure.BluetoothOff, link.snapshot().lastFailure)

            // On again: it reconnects by itself.
            transport.bluetoothOn = true
            collector.await<LinkEvent>("Connected again") { it is LinkEvent.StateChanged && it.state == LinkState.Connected }
            assertEquals(null, link.snapshot().lastFailure)
            link.stop()
            sub.close()
        }
    }
}
