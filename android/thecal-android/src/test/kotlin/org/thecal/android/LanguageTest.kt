package org.thecal.android

import android.app.Application
import android.content.Intent
import android.os.Looper
import android.os.LocaleList
import java.nio.file.Files
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.thecal.android.l10n.PhoneLanguage
import org.thecal.core.AlarmKind
import org.thecal.core.AlarmPriority
import org.thecal.core.Language
import org.thecal.core.Thecal
import org.thecal.core.ThecalConfig

/** The core follows the phone's language list, and the user changing it. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class LanguageTest {
    private val app: Application get() = RuntimeEnvironment.getApplication()
    private val dir = Files.createTempDirectory("thecal-android-l10n")

    @After
    fun cleanUp() {
        LocaleList.setDefault(LocaleList.forLanguageTags("en-US"))
        dir.toFile().deleteRecursively()
    }

    @Test
    fun theCoreSpeaksThePhonesLanguageAndFollowsAChange() = runBlocking {
        Thecal.open(dir.toString(), ThecalConfig(timeZone = "Europe/Paris"), MemorySecrets()).use { thecal ->
            LocaleList.setDefault(LocaleList.forLanguageTags("nb-NO,de-AT,en-US"))
            assertEquals(listOf("nb-NO", "de-AT", "en-US"), PhoneLanguage.preferred())
            PhoneLanguage.follow(app, thecal).use {
                assertEquals(Language.GERMAN, thecal.language())
                assertEquals("Pumpenmotor gestoppt", thecal.alarmText(AlarmKind.MotorStall, AlarmPriority.HIGH).name)

                // The user switches the phone to Arabic: the system tells every app.
                LocaleList.setDefault(LocaleList.forLanguageTags("ar-EG"))
                app.sendBroadcast(Intent(Intent.ACTION_LOCALE_CHANGED))
                shadowOf(Looper.getMainLooper()).idle()
                assertEquals(Language.ARABIC, thecal.language())
                val note = thecal.alarmText(AlarmKind.MotorStall, AlarmPriority.HIGH).note
                assertTrue(note!!, note.contains("العربية"))
            }
            // Closed: a later change is no longer followed.
            LocaleList.setDefault(LocaleList.forLanguageTags("fr-FR"))
            app.sendBroadcast(Intent(Intent.ACTION_LOCALE_CHANGED))
            shadowOf(Looper.getMainLooper()).idle()
            assertEquals(Language.ARABIC, thecal.language())
        }
    }
}
