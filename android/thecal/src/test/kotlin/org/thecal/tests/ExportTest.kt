package org.thecal.tests

import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.time.Instant
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Before
import org.junit.Test
import org.thecal.ThecalException
import org.thecal.core.Author
import org.thecal.core.BackupException
import org.thecal.core.DoseUnit
import org.thecal.core.ExportException
import org.thecal.core.MedicationInput
import org.thecal.core.Paper
import org.thecal.core.PainInput
import org.thecal.core.Route
import org.thecal.core.Thecal
import org.thecal.mapThecalErrors

/**
 * The FHIR export and the backups as the Android app sees them: files for the share sheet. (The
 * FHIR import is for the Rust tools, not in the phone library: a phone moves its data with a
 * backup.)
 */
class ExportTest {
    private lateinit var dir: Path

    @Before
    fun makeDir() {
        dir = Files.createTempDirectory("thecal-kotlin-export")
    }

    @After
    fun removeDir() {
        dir.toFile().deleteRecursively()
    }

    /** Whole milliseconds, as the store keeps times. */
    private fun ago(d: Duration): Instant = Instant.ofEpochMilli(Instant.now().minus(d).toEpochMilli())

    private suspend fun seeded(name: String): Thecal {
        val thecal = openThecal(dir.resolve(name))
        listOf(6, 4, 7).forEachIndexed { k, score ->
            thecal.diary().addPain(
                PainInput(ago(Duration.ofHours(k + 1L)), score.toUByte(), null, null, "lower back", null),
                Author.PATIENT,
            )
        }
        thecal.diary().addMedication(
            MedicationInput(ago(Duration.ofMinutes(30)), "Oxycodone", 5.0, DoseUnit.MILLIGRAM, Route.ORAL, true, null),
            Author.PATIENT,
        )
        return thecal
    }

    @Test
    fun theFhirBundleIsAFileWithEveryEntry() = runBlocking {
        val source = seeded("source")
        val file = dir.resolve("thecal-fhir.json")
        val written = source.export().writeFhirBundle(file.toString())
        assertEquals(3u, written.painEntries)
        assertEquals(1u, written.medicationEntries)
        val json = Files.readString(file)
        assertTrue(json.startsWith("{\"resourceType\":\"Bundle\""))
        assertTrue("the pain score is LOINC 72514-3", json.contains("\"72514-3\""))
        assertEquals(3, Regex("\"resourceType\":\"Observation\"").findAll(json).count())
        // One MedicationStatement for the dose (no pump, so no intrathecal drug).
        assertEquals(1, Regex("\"resourceType\":\"MedicationStatement\"").findAll(json).count())
        // Written again, the same file (stable ids), but for the export's own time stamps.
        val again = dir.resolve("again.json")
        source.export().writeFhirBundle(again.toString())
        val stamps = Regex("\"(lastUpdated|timestamp)\":\"[^\"]*\"")
        assertEquals(
            stamps.replace(json, ""),
            stamps.replace(Files.readString(again), ""),
        )
        try {
            source.export().writeFhirBundle(dir.resolve("no-such-folder/b.json").toString())
            fail("a file in a missing folder cannot be written")
        } catch (e: ExportException.FileUnavailable) {
            assertTrue(e.toString().contains("cannot be used"))
        }
    }

    @Test
    fun theClinicianReportIsAPdfAndABadLanguageIsATypedError() = runBlocking {
        val source = seeded("source")
        val file = dir.resolve("thecal-report.pdf")
        val made = source.export().writeReport(file.toString(), null, null, "de", Paper.LETTER)
        val bytes = Files.readAllBytes(file)
        assertTrue(String(bytes, 0, 5, Charsets.US_ASCII) == "%PDF-")
        assertTrue("a report with its font is not trivial", bytes.size > 20_000)
        assertEquals(bytes.size.toULong(), made.bytes)
        assertTrue(made.pages >= 1u)
        try {
            source.export().writeReport(dir.resolve("ar.pdf").toString(), null, null, "ar", Paper.A4)
            fail("Arabic is not a language the report is written in")
        } catch (e: ExportException.InvalidInput) {
            assertEquals("lang", e.field)
        }
    }

    @Test
    fun aBackupRestoresAndAWrongPassphraseIsATypedError() = runBlocking {
        val source = seeded("source")
        val file = dir.resolve("thecal-backup.age")
        val made = source.export().createBackup(file.toString(), "a long passphrase")
        assertTrue(made.fileBytes > 0u)
        assertArrayEquals("age-encryption.org/v1".toByteArray(), Files.readAllBytes(file).copyOf(21))

        val target = openThecal(dir.resolve("target"))
        try {
            target.export().restoreBackup(file.toString(), "not the passphrase")
            fail("a wrong passphrase must be refused")
        } catch (e: BackupException.WrongPassphrase) {
            assertTrue(e.toString().contains("your data is unchanged"))
        }
        // The same failure through the library's one exception type.
        try {
            mapThecalErrors { target.export().restoreBackup(file.toString(), "still not it") }
            fail("a wrong passphrase must be refused")
        } catch (e: ThecalException.WrongPassphrase) {
            assertTrue(e.message.contains("passphrase"))
        }
        val restored = target.export().restoreBackup(file.toString(), "a long passphrase")
        assertEquals(made.totalRows, restored.totalRows)
        val from = ago(Duration.ofDays(1))
        assertEquals(source.diary().painEntries(from, Instant.now()), target.diary().painEntries(from, Instant.now()))

        try {
            mapThecalErrors { source.export().createBackup(dir.resolve("short.age").toString(), "short") }
            fail("a short passphrase must be refused")
        } catch (e: ThecalException.InvalidInput) {
            assertEquals("passphrase", e.field)
        }
    }
}
