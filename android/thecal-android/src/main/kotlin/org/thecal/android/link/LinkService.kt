package org.thecal.android.link

import android.app.Notification
import android.app.Service
import android.content.Context
import android.content.Intent
import android.content.pm.ServiceInfo
import android.os.Build
import android.os.IBinder
import org.thecal.android.notify.Channels

/**
 * The foreground service (type `connectedDevice`) that keeps the pump link alive while the app is
 * in the background: Android stops background work, but not a foreground service with its
 * ongoing notification. The link itself runs in the core (`thecal.link().start(transport)`); the
 * service only keeps the process in the foreground while it runs. Declare it in the manifest with
 * `android:foregroundServiceType="connectedDevice"` and the FOREGROUND_SERVICE and
 * FOREGROUND_SERVICE_CONNECTED_DEVICE permissions (see this module's AndroidManifest.xml).
 */
class LinkService : Service() {
    override fun onBind(intent: Intent?): IBinder? = null

    override fun onStartCommand(intent: Intent?, flags: Int, startId: Int): Int {
        Channels.create(this)
        val notification = ongoing(this)
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.Q) {
            startForeground(NOTIFICATION_ID, notification, ServiceInfo.FOREGROUND_SERVICE_TYPE_CONNECTED_DEVICE)
        } else {
            startForeground(NOTIFICATION_ID, notification)
        }
        onStarted?.invoke(this)
        // Restarted by Android if its process is killed for memory; the app's onStarted starts the link again.
        return START_STICKY
    }

    companion object {
        /** The ongoing notification's id. */
        const val NOTIFICATION_ID = 1

        /** Called when the service starts (the app starts its link there, once per process). */
        @Volatile var onStarted: ((Context) -> Unit)? = null

        /** The ongoing notice: silent, on the [Channels.LINK] channel. */
        fun ongoing(context: Context): Notification = Notification.Builder(context, Channels.LINK)
            .setContentTitle("Following your pump")
            .setContentText("Thecal keeps the connection to your pump so alarms reach you.")
            .setSmallIcon(android.R.drawable.stat_sys_data_bluetooth)
            .setOngoing(true)
            .build()

        /** Starts the service (from the foreground, as Android 12+ requires). */
        fun start(context: Context) {
            context.startForegroundService(Intent(context, LinkService::class.java))
        }

        /** Stops it (when the patient unpairs the pump or stops the link). */
        fun stop(context: Context) {
            context.stopService(Intent(context, LinkService::class.java))
        }
    }
}
