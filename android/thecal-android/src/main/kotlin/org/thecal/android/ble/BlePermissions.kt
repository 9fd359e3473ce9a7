package org.thecal.android.ble

import android.Manifest
import android.content.Context
import android.content.pm.PackageManager
import android.os.Build

/** The runtime permissions Bluetooth needs on this Android version. */
object BlePermissions {
    /**
     * What scanning needs: BLUETOOTH_SCAN from Android 12 (declared `neverForLocation` in the
     * manifest), fine location before.
     */
    fun forScan(sdk: Int = Build.VERSION.SDK_INT): List<String> =
        if (sdk >= Build.VERSION_CODES.S) listOf(Manifest.permission.BLUETOOTH_SCAN)
        else listOf(Manifest.permission.ACCESS_FINE_LOCATION)

    /** What connecting needs: BLUETOOTH_CONNECT from Android 12, nothing at run time before. */
    fun forConnect(sdk: Int = Build.VERSION.SDK_INT): List<String> =
        if (sdk >= Build.VERSION_CODES.S) listOf(Manifest.permission.BLUETOOTH_CONNECT) else emptyList()

    /** Every permission the app should ask for before starting the link. */
    fun all(sdk: Int = Build.VERSION.SDK_INT): List<String> = forScan(sdk) + forConnect(sdk)

    /** The ones of [permissions] not granted to [context]'s app. */
    fun missing(context: Context, permissions: List<String>): List<String> =
        permissions.filter { context.checkSelfPermission(it) != PackageManager.PERMISSION_GRANTED }
}
