package org.thecal.android.l10n

import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.content.IntentFilter
import android.os.Build
import android.os.LocaleList
import org.thecal.core.Language
import org.thecal.core.Thecal

/**
 * Keeps the core's texts (alarms, forecasts, recovery guidance, notifications) in the phone's
 * language: the first of the phone's preferred languages that Thecal speaks, else English.
 */
object PhoneLanguage {
    /** The phone's preferred languages, most preferred first, as BCP 47 tags. */
    fun preferred(): List<String> {
        val list = LocaleList.getDefault()
        return (0 until list.size()).map { list[it].toLanguageTag() }
    }

    /** Sets [thecal]'s language from the phone's list now; returns the language chosen. */
    fun apply(thecal: Thecal): Language = thecal.setLanguages(preferred())

    /**
     * Applies the phone's language now and again whenever the user changes it (the system's
     * `ACTION_LOCALE_CHANGED`), until the returned handle is closed.
     */
    fun follow(context: Context, thecal: Thecal): AutoCloseable {
        apply(thecal)
        val receiver = object : BroadcastReceiver() {
            override fun onReceive(context: Context, intent: Intent) {
                apply(thecal)
            }
        }
        val app = context.applicationContext
        val filter = IntentFilter(Intent.ACTION_LOCALE_CHANGED)
        // Not exported: the system's broadcasts still arrive, other apps' cannot.
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
            app.registerReceiver(receiver, filter, Context.RECEIVER_NOT_EXPORTED)
        } else {
            app.registerReceiver(receiver, filter)
        }
        return AutoCloseable { app.unregisterReceiver(receiver) }
    }
}
