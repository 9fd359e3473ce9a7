package org.thecal.android.ble

import java.util.concurrent.ConcurrentHashMap
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.withTimeoutOrNull
import org.thecal.core.Advertisement
import org.thecal.core.BleTransport
import org.thecal.core.TransportEvents
import org.thecal.core.TransportException

/** How the transport connects and how patient it is. */
data class TransportConfig(
    /** Tries of a connection (status 133 and timeouts are retried, the client closed between). */
    val connect: RetryPolicy = RetryPolicy(attempts = 4, firstDelayMs = 500),
    /** Tries of a read, write or subscription that fails transiently. */
    val operation: RetryPolicy = RetryPolicy(attempts = 3, firstDelayMs = 200),
    /** How long a direct connection attempt may take before it counts as failed. */
    val connectTimeoutMs: Long = 15_000,
    /** How long an auto-connect attempt (the last try) may wait for the pump. */
    val autoConnectTimeoutMs: Long = 60_000,
    /** How long each GATT operation may take. */
    val operationTimeoutMs: Long = 10_000,
    /** The MTU asked for after connecting (the profile's frames fit in the default 23 too). */
    val mtu: Int = 185,
)

/** Maps the phone's Bluetooth state and GATT failures to the core's typed [TransportException]s. */
object BleErrors {
    /** The error for a radio that cannot be used, or `null` when it is on and permitted. */
    fun forRadio(state: RadioState): TransportException? = when (state) {
        RadioState.ON -> null
        RadioState.OFF -> TransportException.BluetoothUnavailable("Bluetooth is off")
        RadioState.UNSUPPORTED -> TransportException.BluetoothUnavailable("this phone has no Bluetooth LE")
        RadioState.PERMISSION_MISSING -> TransportException.PermissionDenied()
    }

    /** The error for a failed connection attempt. */
    fun forConnect(e: GattFailure): TransportException = when (e) {
        is GattFailure.Status ->
            if (GattStatus.needsBond(e.status)) TransportException.PairingRefused()
            else TransportException.ConnectionFailed(GattStatus.name(e.status))
        else -> TransportException.ConnectionFailed(e.message ?: "connection failed")
    }

    /** The error for a failed operation on a connected pump. */
    fun forOperation(e: GattFailure): TransportException = when (e) {
        is GattFailure.Disconnected -> TransportException.NotConnected()
        is GattFailure.Status ->
            if (GattStatus.needsBond(e.status)) TransportException.PairingRefused()
            else TransportException.Gatt(GattStatus.name(e.status))
        else -> TransportException.Gatt(e.message ?: "operation failed")
    }
}

/**
 * The core's [BleTransport] over Android's BluetoothGatt (through a [BleRadio]): scan with a
 * filter on the pump's service, connectGatt (direct first, auto-connect for the last try), retries
 * of status 133 with the client closed in between, service discovery and an MTU request, one GATT
 * operation at a time ([GattQueue]), notifications and indications with their CCCD writes, and
 * the radio's state and runtime permissions mapped to the core's typed errors.
 */
class AndroidBleTransport(
    private val radio: BleRadio,
    private val config: TransportConfig = TransportConfig(),
) : BleTransport {
    @Volatile private var events: TransportEvents? = null

    private class Session(val queue: GattQueue) {
        @Volatile var connection: GattConnection? = null
        val connected = CompletableDeferred<Int>()
        val discovered = CompletableDeferred<Unit>()

        @Volatile var ready = false
    }

    private val sessions = ConcurrentHashMap<String, Session>()

    /** How many connection attempts were made (tests, diagnostics). */
    @Volatile var connectAttempts: Int = 0
        private set

    override fun name() = "Android BluetoothGatt"

    override fun setEvents(events: TransportEvents) {
        this.events = events
    }

    private fun require(forScan: Boolean) {
        BleErrors.forRadio(radio.state(forScan))?.let { throw it }
    }

    override suspend fun scan(serviceUuids: List<String>, timeoutMs: UInt): List<Advertisement> {
        require(forScan = true)
        return radio.scan(serviceUuids, timeoutMs.toLong())
    }

    override suspend fun connect(deviceId: String) {
        require(forScan = false)
        sessions.remove(deviceId)?.connection?.close()
        try {
            retryTransient(config.connect) { attempt -> connectOnce(deviceId, autoConnect = attempt == config.connect.attempts && attempt > 1) }
        } catch (e: GattFailure) {
            throw BleErrors.forConnect(e)
        }
    }

    private suspend fun connectOnce(deviceId: String, autoConnect: Boolean) {
        connectAttempts++
        val session = Session(GattQueue(config.operationTimeoutMs))
        sessions[deviceId] = session
        val conn = radio.connect(deviceId, autoConnect) { onEvent(deviceId, session, it) }
            ?: throw TransportException.DeviceNotFound()
        session.connection = conn
        val limit = if (autoConnect) config.autoConnectTimeoutMs else config.connectTimeoutMs
        val status = withTimeoutOrNull(limit) { session.connected.await() }
        if (status != GattStatus.SUCCESS) {
            // A failed attempt's client is always closed: Android keeps only a few.
            sessions.remove(deviceId, session)
            conn.close()
            throw if (status == null) GattFailure.TimedOut("connect") else GattFailure.Status("connect", status)
        }
        try {
            val discovered = session.queue.run("discover services", { it is GattEvent.ServicesDiscovered }) {
                conn.discoverServices()
            } as GattEvent.ServicesDiscovered
            if (discovered.status != GattStatus.SUCCESS) throw GattFailure.Status("discover services", discovered.status)
            // A larger MTU is a nicety: a refusal leaves the default.
            runCatching { session.queue.run("request MTU", { it is GattEvent.MtuChanged }) { conn.requestMtu(config.mtu) } }
            session.ready = true
        } catch (e: GattFailure) {
            sessions.remove(deviceId, session)
            conn.disconnect()
            conn.close()
            throw e
        }
    }

    private fun onEvent(deviceId: String, session: Session, event: GattEvent) {
        when (event) {
            is GattEvent.Changed -> events?.notification(deviceId, event.characteristic, event.value)
            is GattEvent.ConnectionChanged -> {
                if (event.connected && event.status == GattStatus.SUCCESS) {
                    session.connected.complete(GattStatus.SUCCESS)
                } else {
                    session.queue.onEvent(event)
                    if (!session.connected.isCompleted) {
                        session.connected.complete(if (event.status == GattStatus.SUCCESS) GattStatus.GATT_ERROR else event.status)
                    } else if (sessions.remove(deviceId, session)) {
                        session.connection?.close()
                        if (session.ready) events?.disconnected(deviceId)
                    }
                }
            }
            else -> session.queue.onEvent(event)
        }
    }

    private fun session(deviceId: String): Pair<Session, GattConnection> {
        val s = sessions[deviceId]
        val c = s?.connection
        if (s == null || c == null || !s.ready) throw TransportException.NotConnected()
        return s to c
    }

    private suspend fun <T> operation(deviceId: String, block: suspend (Session, GattConnection) -> T): T {
        require(forScan = false)
        try {
            return retryTransient(config.operation) {
                val (s, c) = session(deviceId)
                block(s, c)
            }
        } catch (e: GattFailure) {
            throw BleErrors.forOperation(e)
        }
    }

    override suspend fun bond(deviceId: String): Boolean {
        require(forScan = false)
        return radio.bond(deviceId)
    }

    override suspend fun identity(deviceId: String): String {
        require(forScan = false)
        return radio.identity(deviceId) ?: throw TransportException.DeviceNotFound()
    }

    override suspend fun disconnect(deviceId: String) {
        val s = sessions.remove(deviceId) ?: return
        s.connection?.disconnect()
        s.connection?.close()
    }

    override suspend fun read(deviceId: String, characteristic: String): ByteArray = operation(deviceId) { s, c ->
        val r = s.queue.run("read", { it is GattEvent.Read && it.characteristic == characteristic }) {
            c.read(characteristic)
        } as GattEvent.Read
        if (r.status != GattStatus.SUCCESS) throw GattFailure.Status("read", r.status)
        r.value
    }

    override suspend fun write(deviceId: String, characteristic: String, value: ByteArray) = operation(deviceId) { s, c ->
        val w = s.queue.run("write", { it is GattEvent.Written && it.characteristic == characteristic }) {
            c.write(characteristic, value)
        } as GattEvent.Written
        if (w.status != GattStatus.SUCCESS) throw GattFailure.Status("write", w.status)
    }

    override suspend fun subscribe(deviceId: String, characteristic: String) = operation(deviceId) { s, c ->
        val d = s.queue.run("subscribe", { it is GattEvent.NotificationsEnabled && it.characteristic == characteristic }) {
            c.enableNotifications(characteristic)
        } as GattEvent.NotificationsEnabled
        if (d.status != GattStatus.SUCCESS) throw GattFailure.Status("subscribe", d.status)
    }
}
