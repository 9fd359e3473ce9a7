package org.thecal.android.ble

import android.annotation.SuppressLint
import android.bluetooth.BluetoothAdapter
import android.bluetooth.BluetoothDevice
import android.bluetooth.BluetoothGatt
import android.bluetooth.BluetoothGattCallback
import android.bluetooth.BluetoothGattCharacteristic
import android.bluetooth.BluetoothGattDescriptor
import android.bluetooth.BluetoothManager
import android.bluetooth.BluetoothProfile
import android.bluetooth.le.ScanCallback
import android.bluetooth.le.ScanFilter
import android.bluetooth.le.ScanResult
import android.bluetooth.le.ScanSettings
import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.content.IntentFilter
import android.os.Build
import android.os.ParcelUuid
import java.util.Locale
import java.util.UUID
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.delay
import org.thecal.core.Advertisement
import org.thecal.core.ManufacturerData
import org.thecal.core.ServiceData
import org.thecal.core.TransportException

/** The Client Characteristic Configuration descriptor. */
private val CCCD: UUID = UUID.fromString("00002902-0000-1000-8000-00805f9b34fb")

private fun canonical(u: UUID) = u.toString().lowercase(Locale.ROOT)

/**
 * [BleRadio] over the phone's BluetoothManager: BluetoothLeScanner with a service filter,
 * connectGatt over LE, createBond. Every call checks the runtime permissions first
 * ([BlePermissions]), so a missing one is [RadioState.PERMISSION_MISSING], never a
 * SecurityException.
 */
@SuppressLint("MissingPermission")
class AndroidRadio(context: Context) : BleRadio {
    private val context = context.applicationContext
    private val manager = this.context.getSystemService(BluetoothManager::class.java)
    private val adapter: BluetoothAdapter? get() = manager?.adapter

    override fun state(forScan: Boolean): RadioState {
        val a = adapter ?: return RadioState.UNSUPPORTED
        val needed = if (forScan) BlePermissions.forScan() + BlePermissions.forConnect() else BlePermissions.forConnect()
        if (BlePermissions.missing(context, needed).isNotEmpty()) return RadioState.PERMISSION_MISSING
        return if (a.isEnabled) RadioState.ON else RadioState.OFF
    }

    override suspend fun scan(serviceUuids: List<String>, timeoutMs: Long): List<Advertisement> {
        val scanner = adapter?.bluetoothLeScanner
            ?: throw TransportException.BluetoothUnavailable("Bluetooth is off")
        val found = LinkedHashMap<String, Advertisement>()
        val failed = CompletableDeferred<Int>()
        val callback = object : ScanCallback() {
            override fun onScanResult(callbackType: Int, result: ScanResult) {
                synchronized(found) { found[result.device.address] = advertisement(result) }
            }

            override fun onScanFailed(errorCode: Int) {
                failed.complete(errorCode)
            }
        }
        val filters = serviceUuids.map { ScanFilter.Builder().setServiceUuid(ParcelUuid.fromString(it)).build() }
        val settings = ScanSettings.Builder().setScanMode(ScanSettings.SCAN_MODE_LOW_LATENCY).build()
        scanner.startScan(filters, settings, callback)
        try {
            delay(timeoutMs)
        } finally {
            runCatching { scanner.stopScan(callback) }
        }
        if (failed.isCompleted) throw TransportException.Platform("scan failed (${failed.getCompleted()})")
        return synchronized(found) { found.values.toList() }
    }

    private fun advertisement(r: ScanResult): Advertisement {
        val record = r.scanRecord
        val manufacturer = record?.manufacturerSpecificData
        return Advertisement(
            deviceId = r.device.address,
            name = record?.deviceName,
            serviceUuids = record?.serviceUuids.orEmpty().map { canonical(it.uuid) },
            rssi = r.rssi.toShort(),
            manufacturerData = (0 until (manufacturer?.size() ?: 0)).map {
                ManufacturerData(manufacturer!!.keyAt(it).toUShort(), manufacturer.valueAt(it))
            },
            serviceData = record?.serviceData.orEmpty().map { (k, v) -> ServiceData(canonical(k.uuid), v) },
        )
    }

    override fun connect(deviceId: String, autoConnect: Boolean, onEvent: (GattEvent) -> Unit): GattConnection? {
        val a = adapter ?: return null
        if (!BluetoothAdapter.checkBluetoothAddress(deviceId)) return null
        val device = a.getRemoteDevice(deviceId)
        val gatt = device.connectGatt(context, autoConnect, Callback(onEvent), BluetoothDevice.TRANSPORT_LE) ?: return null
        return Connection(gatt)
    }

    override suspend fun bond(deviceId: String): Boolean {
        val device = adapter?.getRemoteDevice(deviceId) ?: throw TransportException.DeviceNotFound()
        if (device.bondState == BluetoothDevice.BOND_BONDED) return true
        val done = CompletableDeferred<Boolean>()
        val receiver = object : BroadcastReceiver() {
            override fun onReceive(c: Context, intent: Intent) {
                when (intent.getIntExtra(BluetoothDevice.EXTRA_BOND_STATE, BluetoothDevice.ERROR)) {
                    BluetoothDevice.BOND_BONDED -> done.complete(true)
                    BluetoothDevice.BOND_NONE -> done.complete(false)
                }
            }
        }
        val filter = IntentFilter(BluetoothDevice.ACTION_BOND_STATE_CHANGED)
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
            context.registerReceiver(receiver, filter, Context.RECEIVER_EXPORTED)
        } else {
            context.registerReceiver(receiver, filter)
        }
        try {
            if (!device.createBond()) return device.bondState == BluetoothDevice.BOND_BONDED
            if (!done.await()) throw TransportException.PairingRefused()
            return true
        } finally {
            context.unregisterReceiver(receiver)
        }
    }

    override fun identity(deviceId: String): String? {
        val a = adapter ?: return null
        if (!BluetoothAdapter.checkBluetoothAddress(deviceId)) return null
        return a.getRemoteDevice(deviceId).address
    }

    /** BluetoothGattCallback turned into [GattEvent]s, on the stack's thread, in order. */
    private class Callback(private val onEvent: (GattEvent) -> Unit) : BluetoothGattCallback() {
        override fun onConnectionStateChange(gatt: BluetoothGatt, status: Int, newState: Int) =
            onEvent(GattEvent.ConnectionChanged(status, newState == BluetoothProfile.STATE_CONNECTED))

        override fun onServicesDiscovered(gatt: BluetoothGatt, status: Int) = onEvent(GattEvent.ServicesDiscovered(status))

        override fun onMtuChanged(gatt: BluetoothGatt, mtu: Int, status: Int) = onEvent(GattEvent.MtuChanged(mtu, status))

        override fun onCharacteristicRead(gatt: BluetoothGatt, c: BluetoothGattCharacteristic, value: ByteArray, status: Int) =
            onEvent(GattEvent.Read(canonical(c.uuid), value, status))

        @Deprecated("Android 12 and earlier")
        override fun onCharacteristicRead(gatt: BluetoothGatt, c: BluetoothGattCharacteristic, status: Int) {
            if (Build.VERSION.SDK_INT < Build.VERSION_CODES.TIRAMISU) {
                @Suppress("DEPRECATION")
                onEvent(GattEvent.Read(canonical(c.uuid), c.value ?: ByteArray(0), status))
            }
        }

        override fun onCharacteristicWrite(gatt: BluetoothGatt, c: BluetoothGattCharacteristic, status: Int) =
            onEvent(GattEvent.Written(canonical(c.uuid), status))

        override fun onDescriptorWrite(gatt: BluetoothGatt, d: BluetoothGattDescriptor, status: Int) {
            if (d.uuid == CCCD) onEvent(GattEvent.NotificationsEnabled(canonical(d.characteristic.uuid), status))
        }

        override fun onCharacteristicChanged(gatt: BluetoothGatt, c: BluetoothGattCharacteristic, value: ByteArray) =
            onEvent(GattEvent.Changed(canonical(c.uuid), value))

        @Deprecated("Android 12 and earlier")
        override fun onCharacteristicChanged(gatt: BluetoothGatt, c: BluetoothGattCharacteristic) {
            if (Build.VERSION.SDK_INT < Build.VERSION_CODES.TIRAMISU) {
                @Suppress("DEPRECATION")
                onEvent(GattEvent.Changed(canonical(c.uuid), c.value ?: ByteArray(0)))
            }
        }
    }

    /** One BluetoothGatt client. */
    private class Connection(private val gatt: BluetoothGatt) : GattConnection {
        private fun characteristic(uuid: String): BluetoothGattCharacteristic? {
            val u = UUID.fromString(uuid)
            return gatt.services.firstNotNullOfOrNull { it.getCharacteristic(u) }
        }

        override fun discoverServices() = gatt.discoverServices()

        override fun requestMtu(mtu: Int) = gatt.requestMtu(mtu)

        override fun read(characteristic: String): Boolean =
            characteristic(characteristic)?.let { gatt.readCharacteristic(it) } ?: false

        override fun write(characteristic: String, value: ByteArray): Boolean {
            val c = characteristic(characteristic) ?: return false
            return if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
                gatt.writeCharacteristic(c, value, BluetoothGattCharacteristic.WRITE_TYPE_DEFAULT) == BluetoothGatt.GATT_SUCCESS
            } else {
                @Suppress("DEPRECATION")
                c.value = value
                c.writeType = BluetoothGattCharacteristic.WRITE_TYPE_DEFAULT
                @Suppress("DEPRECATION")
                gatt.writeCharacteristic(c)
            }
        }

        override fun enableNotifications(characteristic: String): Boolean {
            val c = characteristic(characteristic) ?: return false
            val d = c.getDescriptor(CCCD) ?: return false
            if (!gatt.setCharacteristicNotification(c, true)) return false
            val indicateOnly = c.properties and BluetoothGattCharacteristic.PROPERTY_NOTIFY == 0 &&
                c.properties and BluetoothGattCharacteristic.PROPERTY_INDICATE != 0
            val value = if (indicateOnly) BluetoothGattDescriptor.ENABLE_INDICATION_VALUE else BluetoothGattDescriptor.ENABLE_NOTIFICATION_VALUE
            return if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
                gatt.writeDescriptor(d, value) == BluetoothGatt.GATT_SUCCESS
            } else {
                @Suppress("DEPRECATION")
                d.value = value
                @Suppress("DEPRECATION")
                gatt.writeDescriptor(d)
            }
        }

        override fun disconnect() = gatt.disconnect()

        override fun close() = gatt.close()
    }
}
