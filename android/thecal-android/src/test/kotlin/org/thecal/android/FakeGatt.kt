package org.thecal.android

import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicInteger
import org.thecal.android.ble.BleRadio
import org.thecal.android.ble.GattConnection
import org.thecal.android.ble.GattEvent
import org.thecal.android.ble.GattStatus
import org.thecal.android.ble.RadioState
import org.thecal.core.Advertisement
import org.thecal.sim.GattValue
import org.thecal.sim.InProcessPump

/**
 * A small fake of Android's GATT client in front of the in-process simulated pump: every
 * operation answers later on one "binder" thread, as BluetoothGattCallback does, and an
 * operation started while another is in flight is refused with `false` and counted, as Android
 * does. Connections can be made to fail with status 133 first.
 */
class FakeRadio(private val pump: InProcessPump) : BleRadio {
    private val binder = Executors.newSingleThreadExecutor { r -> Thread(r, "fake-binder").apply { isDaemon = true } }

    /** The radio's state, as the phone's settings and permissions make it. */
    @Volatile var state = RadioState.ON

    /** How many next connection attempts end in status 133. */
    val failNextConnects = AtomicInteger(0)

    /** Operations started while another was in flight (Android would have dropped them). */
    val overlapping = AtomicInteger(0)

    /** GATT clients closed. */
    val closed = AtomicInteger(0)

    /** Connection attempts, with their autoConnect flag. */
    val attempts = java.util.concurrent.CopyOnWriteArrayList<Boolean>()

    @Volatile private var current: FakeConnection? = null

    override fun state(forScan: Boolean) = state

    override suspend fun scan(serviceUuids: List<String>, timeoutMs: Long): List<Advertisement> =
        listOfNotNull(pump.advertisement())

    override fun connect(deviceId: String, autoConnect: Boolean, onEvent: (GattEvent) -> Unit): GattConnection? {
        if (deviceId != pump.deviceId()) return null
        attempts.add(autoConnect)
        val c = FakeConnection(onEvent)
        current = c
        binder.execute {
            if (failNextConnects.getAndUpdate { if (it > 0) it - 1 else 0 } > 0) {
                onEvent(GattEvent.ConnectionChanged(GattStatus.GATT_ERROR, false))
            } else {
                pump.connect()
                onEvent(GattEvent.ConnectionChanged(GattStatus.SUCCESS, true))
            }
        }
        return c
    }

    override suspend fun bond(deviceId: String) = pump.bond()

    override fun identity(deviceId: String): String? = if (deviceId == pump.deviceId()) deviceId else null

    /** Notifications the pump sends, delivered as onCharacteristicChanged. */
    fun deliver(values: List<GattValue>) {
        val c = current ?: return
        binder.execute { values.forEach { c.onEvent(GattEvent.Changed(it.characteristic, it.value)) } }
    }

    /** The link drops (out of range): onConnectionStateChange(disconnected). */
    fun drop() {
        val c = current ?: return
        binder.execute {
            pump.disconnect()
            c.onEvent(GattEvent.ConnectionChanged(GattStatus.CONNECTION_TIMEOUT, false))
        }
    }

    inner class FakeConnection(val onEvent: (GattEvent) -> Unit) : GattConnection {
        private val inFlight = java.util.concurrent.atomic.AtomicBoolean(false)

        private fun op(work: () -> List<GattEvent>): Boolean {
            if (!inFlight.compareAndSet(false, true)) {
                overlapping.incrementAndGet()
                return false
            }
            binder.execute {
                val out = try {
                    work()
                } catch (e: Exception) {
                    listOf(GattEvent.ConnectionChanged(GattStatus.GATT_ERROR, false))
                }
                inFlight.set(false)
                out.forEach(onEvent)
            }
            return true
        }

        override fun discoverServices() = op { listOf(GattEvent.ServicesDiscovered(GattStatus.SUCCESS)) }

        override fun requestMtu(mtu: Int) = op { listOf(GattEvent.MtuChanged(mtu, GattStatus.SUCCESS)) }

        override fun read(characteristic: String) =
            op { listOf(GattEvent.Read(characteristic, pump.read(characteristic), GattStatus.SUCCESS)) }

        override fun write(characteristic: String, value: ByteArray) = op {
            val notifications = pump.write(characteristic, value)
            listOf(GattEvent.Written(characteristic, GattStatus.SUCCESS)) +
                notifications.map { GattEvent.Changed(it.characteristic, it.value) }
        }

        override fun enableNotifications(characteristic: String) = op {
            pump.subscribe(characteristic)
            listOf(GattEvent.NotificationsEnabled(characteristic, GattStatus.SUCCESS))
        }

        override fun disconnect() {
            binder.execute {
                pump.disconnect()
                onEvent(GattEvent.ConnectionChanged(GattStatus.SUCCESS, false))
            }
        }

        override fun close() {
            closed.incrementAndGet()
        }
    }
}
