package org.thecal.tests

import java.nio.file.Files
import java.nio.file.Path
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.thecal.core.AlarmKind
import org.thecal.core.AlarmPriority
import org.thecal.core.Language
import org.thecal.core.Severity
import org.thecal.core.Symptom

/** Texts in the phone's language, as the Android app reads them (issue 18). */
class LocalisationTest {
    private lateinit var dir: Path

    @Before
    fun makeDir() {
        dir = Files.createTempDirectory("thecal-kotlin-l10n")
    }

    @After
    fun removeDir() {
        dir.toFile().deleteRecursively()
    }

    @Test
    fun alarmsAndRedFlagsFollowThePhonesLanguage() = runBlocking {
        openThecal(dir, "Europe/Paris").use { thecal ->
            assertEquals(Language.ENGLISH, thecal.language())
            // The phone's LocaleList, most preferred first: the first one Thecal speaks.
            assertEquals(Language.FRENCH, thecal.setLanguages(listOf("nb-NO", "fr-CA", "en-US")))

            val alarm = thecal.alarmText(AlarmKind.MotorStall, AlarmPriority.HIGH)
            assertEquals("Moteur de la pompe arrêté", alarm.name)
            assertEquals("Haute", alarm.priority)
            // The advice is a safety text no clinician has reviewed in French: the English,
            // with a note in French saying so.
            assertTrue(alarm.advice, alarm.advice.startsWith("The pump may not be delivering medicine"))
            assertTrue(alarm.note!!, alarm.note!!.startsWith("Pas encore vérifié dans votre langue"))

            val recovery = thecal.recovery()
            assertEquals("Fièvre ou frissons", recovery.assess(Symptom.FEVER, Severity.MILD).label)
            val fever = recovery.redFlags().first { it.sign.contains("Fever") }
            assertEquals("Fever or chills", fever.sign)
            assertTrue(fever.note!!.contains("Français"))

            // The home screen's own words by key, with arguments (plurals follow the language).
            assertEquals("Réservoir", thecal.text("section-reservoir", emptyMap()))
            assertEquals("1 jour", thecal.text("age-days", mapOf("n" to "1")))
            assertEquals("3 jours", thecal.text("age-days", mapOf("n" to "3")))
            assertEquals("no-such-key", thecal.text("no-such-key", emptyMap()))

            assertEquals(Language.ARABIC, thecal.setLanguages(listOf("ar-EG")))
            val ar = thecal.alarmText(AlarmKind.MotorStall, AlarmPriority.HIGH)
            assertEquals("توقف محرك المضخة", ar.name)
            // Inside Arabic text the English advice is a bidi isolate: it keeps its order.
            assertTrue(ar.advice.startsWith("\u2068") && ar.advice.endsWith("\u2069"))

            // A language Thecal does not speak: English, whose advice no clinician has
            // reviewed either, and the note says so.
            assertEquals(Language.ENGLISH, thecal.setLanguages(listOf("ja-JP")))
            val en = thecal.alarmText(AlarmKind.MotorStall, AlarmPriority.HIGH)
            assertEquals("Pump motor stopped", en.name)
            assertEquals("Not yet reviewed by a clinician.", en.note)
        }
    }
}
