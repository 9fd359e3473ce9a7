package org.thecal.desktop

import org.thecal.core.Advertisement
import org.thecal.core.BleTransport
import org.thecal.core.TransportEvents
import org.thecal.core.TransportException
import org.thecal.sim.GattValue
import org.thecal.sim.InProcessPump

/**
 * The phone's Bluetooth, on the desktop: a [BleTransport] over one simulated pump in this
 * process (the test build of the library carries it). The core's real link manager drives it
 * exactly as it drives BluetoothGatt on a phone: scan, connect, bond, read, subscribe, and the
 * pump's notifications come back through [TransportEvents].
 */
class SimTransport(val pump: InProcessPump) : BleTransport {
    @Volatile private var events: TransportEvents? = null

    override fun name() = "Simulated pump (desktop)"

    override fun setEvents(events: TransportEvents) {
        this.events = events
    }

    private fun checkId(deviceId: String) {
        if (deviceId != pump.deviceId()) throw TransportException.DeviceNotFound()
    }

    override suspend fun scan(serviceUuids: List<String>, timeoutMs: UInt): List<Advertisement> =
        listOfNotNull(pump.advertisement())

    override suspend fun connect(deviceId: String) {
        checkId(deviceId)
        pump.connect()
    }

    override suspend fun bond(deviceId: String): Boolean {
        checkId(deviceId)
        return pump.bond()
    }

    override suspend fun identity(deviceId: String): String {
        checkId(deviceId)
        return pump.deviceId()
    }

    override suspend fun disconnect(deviceId: String) {
        checkId(deviceId)
        pump.disconnect()
        events?.disconnected(deviceId)
    }

    override suspend fun read(deviceId: String, characteristic: String): ByteArray {
        checkId(deviceId)
        return pump.read(characteristic)
    }

    override suspend fun write(deviceId: String, characteristic: String, value: ByteArray) {
        checkId(deviceId)
        deliver(pump.write(characteristic, value))
    }

    override suspend fun subscribe(deviceId: String, characteristic: String) {
        checkId(deviceId)
        pump.subscribe(characteristic)
    }

    /** Hands what the pump sent to the core, as the phone's GATT callback does. */
    fun deliver(values: List<GattValue>) {
        val sink = events ?: return
        val id = pump.deviceId()
        values.forEach { sink.notification(id, it.characteristic, it.value) }
    }

    /** Takes the pump out of radio range (the link is lost) or brings it back. */
    fun setInRange(inRange: Boolean) {
        val wasConnected = pump.isConnected()
        pump.setInRange(inRange)
        if (!inRange && wasConnected) events?.disconnected(pump.deviceId())
    }
}
