package org.thecal.android.ble

import org.thecal.core.Advertisement

/** GATT status codes the transport reads (BluetoothGatt's constants and the stack's own). */
object GattStatus {
    /** The operation succeeded. */
    const val SUCCESS = 0

    /** The pump asks for an authenticated (bonded) link. */
    const val INSUFFICIENT_AUTHENTICATION = 5

    /** The link timed out (the pump went out of range). */
    const val CONNECTION_TIMEOUT = 8

    /** The pump asks for an encrypted link. */
    const val INSUFFICIENT_ENCRYPTION = 15

    /** The pump ended the connection. */
    const val PEER_TERMINATED = 19

    /** The connection could not be set up (radio interference, the pump busy). */
    const val FAILED_TO_ESTABLISH = 62

    /** The stack's catch-all "GATT_ERROR" (0x85): usually transient; close the client and try again. */
    const val GATT_ERROR = 133

    /** Whether [status] is a failure that usually passes when the operation is tried again. */
    fun isTransient(status: Int): Boolean =
        status == GATT_ERROR || status == CONNECTION_TIMEOUT || status == FAILED_TO_ESTABLISH

    /** Whether [status] means the pump wants a bond the phone does not have. */
    fun needsBond(status: Int): Boolean =
        status == INSUFFICIENT_AUTHENTICATION || status == INSUFFICIENT_ENCRYPTION

    /** A name for logs and error reasons (never data). */
    fun name(status: Int): String = when (status) {
        SUCCESS -> "success"
        INSUFFICIENT_AUTHENTICATION -> "insufficient authentication (5)"
        CONNECTION_TIMEOUT -> "connection timeout (8)"
        INSUFFICIENT_ENCRYPTION -> "insufficient encryption (15)"
        PEER_TERMINATED -> "terminated by the pump (19)"
        FAILED_TO_ESTABLISH -> "failed to establish (62)"
        GATT_ERROR -> "GATT_ERROR (133)"
        else -> "status $status"
    }
}

/** What BluetoothGattCallback reports, as plain values (UUIDs in lowercase canonical form). */
sealed interface GattEvent {
    /** onConnectionStateChange. */
    data class ConnectionChanged(val status: Int, val connected: Boolean) : GattEvent

    /** onServicesDiscovered. */
    data class ServicesDiscovered(val status: Int) : GattEvent

    /** onMtuChanged. */
    data class MtuChanged(val mtu: Int, val status: Int) : GattEvent

    /** onCharacteristicRead. */
    class Read(val characteristic: String, val value: ByteArray, val status: Int) : GattEvent

    /** onCharacteristicWrite. */
    data class Written(val characteristic: String, val status: Int) : GattEvent

    /** onDescriptorWrite of a characteristic's Client Characteristic Configuration descriptor. */
    data class NotificationsEnabled(val characteristic: String, val status: Int) : GattEvent

    /** onCharacteristicChanged: a notification or indication. */
    class Changed(val characteristic: String, val value: ByteArray) : GattEvent
}

/**
 * One GATT client connection as BluetoothGatt offers it: each call starts one operation and
 * returns whether the stack accepted it (Android refuses, with `false`, an operation started
 * while another is in flight); its result comes later as a [GattEvent].
 */
interface GattConnection {
    /** discoverServices(). */
    fun discoverServices(): Boolean

    /** requestMtu(mtu). */
    fun requestMtu(mtu: Int): Boolean

    /** readCharacteristic(). */
    fun read(characteristic: String): Boolean

    /** writeCharacteristic() with response. */
    fun write(characteristic: String, value: ByteArray): Boolean

    /** setCharacteristicNotification() and the write of its CCCD (notify, or indicate if it only indicates). */
    fun enableNotifications(characteristic: String): Boolean

    /** disconnect(). */
    fun disconnect()

    /** close(): releases the client (Android has a handful; leaking them ends in status 133). */
    fun close()
}

/** Whether the phone's Bluetooth can be used now. */
enum class RadioState {
    /** On and permitted. */
    ON,

    /** Switched off in the phone's settings. */
    OFF,

    /** The phone has no Bluetooth LE. */
    UNSUPPORTED,

    /** A runtime permission (BLUETOOTH_SCAN / BLUETOOTH_CONNECT, or location before Android 12) is missing. */
    PERMISSION_MISSING,
}

/** The phone's Bluetooth as the transport needs it: [AndroidRadio] on a phone, a fake in tests. */
interface BleRadio {
    /** Whether scanning ([forScan]) or connecting can be done now. */
    fun state(forScan: Boolean): RadioState

    /** Scans for [timeoutMs] for devices advertising one of [serviceUuids]. */
    suspend fun scan(serviceUuids: List<String>, timeoutMs: Long): List<Advertisement>

    /**
     * connectGatt(autoConnect) over LE; [onEvent] gets every callback, in order, on the stack's
     * thread. `null` if the device is unknown.
     */
    fun connect(deviceId: String, autoConnect: Boolean, onEvent: (GattEvent) -> Unit): GattConnection?

    /** Bonds (createBond and the bond-state broadcast); `true` once bonded. */
    suspend fun bond(deviceId: String): Boolean

    /** The device's stable identity (its identity address once bonded); `null` if unknown. */
    fun identity(deviceId: String): String?
}
