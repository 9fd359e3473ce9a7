package org.thecal.tests

import java.nio.file.Files
import java.nio.file.Path
import java.time.Instant
import kotlin.coroutines.cancellation.CancellationException
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertSame
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.thecal.ThecalException
import org.thecal.core.Advertisement
import org.thecal.core.Author
import org.thecal.core.BleTransport
import org.thecal.core.CardException
import org.thecal.core.DiaryException
import org.thecal.core.Drug
import org.thecal.core.LinkException
import org.thecal.core.OpenException
import org.thecal.core.PainInput
import org.thecal.core.PumpException
import org.thecal.core.RecoveryException
import org.thecal.core.SecretStore
import org.thecal.core.SecretStoreException
import org.thecal.core.TransportEvents
import org.thecal.core.TransportException
import org.thecal.mapThecalErrors
import org.thecal.toThecalException

/**
 * Each public error of the core, raised through the real library and caught as the app would:
 * as the generated area exception and as the one [ThecalException], whose message is the core's
 * sentence for the person (its Rust `Display`), not the generated field dump.
 */
class ErrorsTest {
    private lateinit var dir: Path

    @Before
    fun makeDir() {
        dir = Files.createTempDirectory("thecal-kotlin-errors")
    }

    @After
    fun removeDir() {
        dir.toFile().deleteRecursively()
    }

    /** Runs [block], expecting a [ThecalException] of type [E] mapped from a generated [G]. */
    private inline fun <reified E : ThecalException, reified G : Exception> expectMapped(block: () -> Unit): E {
        val e = expectThrows<E> { mapThecalErrors(block) }
        val generated = e.cause
        assertTrue("the generated exception is the cause: $generated", generated is G)
        assertEquals("the message is the core's Display", generated.toString(), e.message)
        assertNotEquals("not the generated field dump", generated!!.message, e.message)
        return e
    }

    @Test
    fun openErrors() = runBlocking<Unit> {
        val zone = expectMapped<ThecalException.InvalidInput, OpenException.InvalidInput> {
            openThecal(dir, "Mars/Olympus_Mons")
        }
        assertEquals("time_zone", zone.field)
        assertEquals(
            "The value for time_zone is not valid: it is not a known time zone name (use one such as Europe/Paris).",
            zone.message,
        )

        // The data folder is a file: the folder cannot be used.
        val file = dir.resolve("not-a-folder")
        Files.write(file, byteArrayOf(1))
        val unavailable = expectMapped<ThecalException.StorageUnavailable, OpenException.StorageUnavailable> {
            openThecal(file)
        }
        assertTrue(unavailable.message, unavailable.message.startsWith("Thecal cannot use its data file right now ("))
        assertTrue(unavailable.message, unavailable.message.endsWith(
            "). Check that the app may write to its data folder, then try again; nothing saved before has been lost.",
        ))

        // A data file that is not a database: kept aside byte for byte, never overwritten; the
        // next open starts afresh.
        val damagedDir = Files.createDirectory(dir.resolve("garbage"))
        val garbage = ByteArray(4096) { 0x5a }
        Files.write(damagedDir.resolve("thecal.sqlite3"), garbage)
        val damaged = expectMapped<ThecalException.DataDamaged, OpenException.DataDamaged> { openThecal(damagedDir) }
        val prefix = "it was kept aside as damaged/thecal.sqlite3."
        assertTrue(damaged.what, damaged.what.startsWith(prefix))
        assertEquals(
            "Thecal's data file is damaged (${damaged.what}). Restore your latest backup, or contact support; do not delete the app.",
            damaged.message,
        )
        val kept = damagedDir.resolve(damaged.what.removePrefix("it was kept aside as "))
        assertArrayEquals(garbage, Files.readAllBytes(kept))
        openThecal(damagedDir).use { }
        assertArrayEquals("the file kept aside is left alone", garbage, Files.readAllBytes(kept))
    }

    @Test
    fun dataFromANewerAppIsNewerVersionAndIsLeftAlone() = runBlocking<Unit> {
        openThecal(dir).use { }
        val db = dir.resolve("thecal.sqlite3")
        assertTrue("closing checkpointed the WAL into the file", Files.notExists(dir.resolve("thecal.sqlite3-wal")))
        // SQLite's header keeps `user_version` (the schema version) big-endian at offset 60.
        val bytes = Files.readAllBytes(db)
        val supported = java.nio.ByteBuffer.wrap(bytes, 60, 4).int
        java.nio.ByteBuffer.wrap(bytes, 60, 4).putInt(supported + 1)
        Files.write(db, bytes)

        val e = expectMapped<ThecalException.NewerVersion, OpenException.NewerVersion> { openThecal(dir) }
        assertEquals((supported + 1).toUInt(), e.found)
        assertEquals(supported.toUInt(), e.supported)
        assertEquals(
            "This data was saved by a newer version of Thecal (data version ${supported + 1}; this version knows up to $supported). Update the app; nothing has been changed.",
            e.message,
        )
        assertTrue("the file is left untouched", bytes.contentEquals(Files.readAllBytes(db)))
    }

    @Test
    fun pumpAndLinkErrors() = runBlocking<Unit> {
        openThecal(dir).use { thecal ->
            val notPaired = expectMapped<ThecalException.PumpNotPaired, PumpException.PumpNotPaired> {
                thecal.pumps().recordRefill("NOPE-1", sampleRefill())
            }
            assertEquals("This pump is not known to Thecal yet. Pair it first.", notPaired.message)

            val link = thecal.link()
            val notRunning = expectMapped<ThecalException.LinkNotRunning, LinkException.NotRunning> { link.dropLink() }
            assertEquals("The pump link is not running. Start it first.", notRunning.message)

            // A transport that refuses to take events: Bluetooth is off.
            val off = expectMapped<ThecalException.Transport, LinkException.Transport> { link.start(BluetoothOff) }
            assertTrue(off.error is TransportException.BluetoothUnavailable)
            assertEquals(
                "Bluetooth is not available (Bluetooth is off). Turn Bluetooth on and allow Thecal to use it.",
                off.message,
            )

            link.start(QuietTransport)
            val again = expectMapped<ThecalException.LinkAlreadyRunning, LinkException.AlreadyRunning> {
                link.start(QuietTransport)
            }
            assertEquals("The pump link is already running.", again.message)
            link.stop()
        }
    }

    @Test
    fun diaryAndRecoveryErrors() = runBlocking<Unit> {
        openThecal(dir).use { thecal ->
            val diary = thecal.diary()
            val score = expectMapped<ThecalException.InvalidInput, DiaryException.InvalidInput> {
                diary.addPain(PainInput(Instant.now(), 11u, null, null, null, null), Author.PATIENT)
            }
            assertEquals("score", score.field)
            assertTrue(score.message, score.message.startsWith("The value for score is not valid: it "))

            val missing = expectMapped<ThecalException.NotFound, DiaryException.NotFound> {
                diary.deletePain(4242L, Author.PATIENT)
            }
            assertEquals(
                "This entry was not found. It may have been deleted; deleted entries can be restored for 30 days.",
                missing.message,
            )
            val entry = diary.addPain(PainInput(Instant.now().minusSeconds(60), 5u, null, null, null, null), Author.PATIENT)
            val notDeleted = expectMapped<ThecalException.NotDeleted, DiaryException.NotDeleted> {
                diary.restorePain(entry.id, Author.PATIENT)
            }
            assertEquals("This entry is not deleted, so there is nothing to restore.", notDeleted.message)

            val recovery = thecal.recovery()
            val noPlan = expectMapped<ThecalException.NoRecoveryPlan, RecoveryException.NoPlan> {
                recovery.setItemDone("driver_home", true, Author.PATIENT)
            }
            assertEquals("No recovery plan has been started yet. Start one with the date of the implant.", noPlan.message)
            recovery.startPlan(today(), Drug.Morphine)
            val unknown = expectMapped<ThecalException.UnknownChecklistItem, RecoveryException.UnknownItem> {
                recovery.setItemDone("no_such_item", true, Author.PATIENT)
            }
            assertEquals(
                "This checklist item does not exist. Update the app if it came from a newer version.",
                unknown.message,
            )
            val missingReminder = expectMapped<ThecalException.NotFound, RecoveryException.NotFound> {
                recovery.removeReminder(777L)
            }
            assertEquals(missing.message, missingReminder.message)
        }
    }

    @Test
    fun cardErrors() = runBlocking<Unit> {
        openThecal(dir).use { thecal ->
            val card = thecal.card()
            val noCard = expectMapped<ThecalException.NoCard, CardException.NoCard> { card.issue("0123456789abcdef", 30u) }
            assertEquals("No ID card has been filled in yet. Fill in the card first.", noCard.message)
            card.save(sampleCard())
            val unknownKey = expectMapped<ThecalException.UnknownClinicKey, CardException.UnknownClinicKey> {
                card.issue("0123456789abcdef", 30u)
            }
            assertEquals(
                "This clinic key is not on this device. Create a clinic key or pick one from the list.",
                unknownKey.message,
            )
            val name = expectMapped<ThecalException.InvalidInput, CardException.InvalidInput> { card.createClinicKey("") }
            assertEquals("name", name.field)
        }
    }

    @Test
    fun aLockedKeyStoreIsKeyStoreUnavailableAndNothingIsSaved() = runBlocking<Unit> {
        val locked = object : SecretStore {
            override fun load(name: String): ByteArray? = throw SecretStoreException.Unavailable("the phone is locked")
            override fun save(name: String, secret: ByteArray) = throw SecretStoreException.Unavailable("the phone is locked")
            override fun delete(name: String) = throw SecretStoreException.Unavailable("the phone is locked")
        }
        openThecal(dir, secrets = locked).use { thecal ->
            val e = expectMapped<ThecalException.KeyStoreUnavailable, CardException.KeyStoreUnavailable> {
                thecal.card().createClinicKey("Demo Pain Clinic")
            }
            assertEquals("the phone is locked", e.reason)
            assertEquals(
                "The phone's secure key storage cannot be used now (the phone is locked). Unlock the phone and try again.",
                e.message,
            )
            assertEquals("no key without its secret", emptyList<Any>(), thecal.card().keys())
        }
    }

    @Test
    fun aKeyStoreThatThrowsSomethingElseIsStillATypedError() = runBlocking<Unit> {
        val broken = object : SecretStore {
            override fun load(name: String): ByteArray? = null
            override fun save(name: String, secret: ByteArray) = throw IllegalStateException("keystore exploded")
            override fun delete(name: String) {}
        }
        openThecal(dir, secrets = broken).use { thecal ->
            val e = expectMapped<ThecalException.KeyStoreUnavailable, CardException.KeyStoreUnavailable> {
                thecal.card().createClinicKey("Demo Pain Clinic")
            }
            assertTrue(e.reason, e.reason.contains("keystore exploded"))
        }
    }

    @Test
    fun oneWhenHandlesTheCommonCasesOfEveryArea() = runBlocking<Unit> {
        openThecal(dir).use { thecal ->
            /** What an app's error handler would do: classify, whichever API failed. */
            suspend fun outcome(call: suspend () -> Unit): String = try {
                mapThecalErrors { call() }
                "ok"
            } catch (e: ThecalException) {
                when (e) {
                    is ThecalException.InvalidInput -> "invalid ${e.field}"
                    is ThecalException.StorageFull, is ThecalException.StorageUnavailable -> "storage"
                    is ThecalException.DataDamaged -> "damaged"
                    is ThecalException.NotFound -> "not found"
                    else -> "other: ${e.message}"
                }
            }
            val now = Instant.now()
            assertEquals("invalid score", outcome { thecal.diary().addPain(PainInput(now, 11u, null, null, null, null), Author.PATIENT) })
            assertEquals("invalid name", outcome { thecal.card().createClinicKey(" ") })
            assertEquals("invalid serial", outcome { thecal.pumps().register(samplePump().copy(serial = "")) })
            assertEquals("invalid device_zone", outcome { thecal.recovery().upcomingReminders("Nowhere/Town", 1u) })
            assertEquals("not found", outcome { thecal.diary().deleteMedication(99L, Author.PATIENT) })
            assertEquals("ok", outcome { thecal.diary().addPain(PainInput(now.minusSeconds(5), 3u, null, null, null, null), Author.PATIENT) })
        }
    }

    @Test
    fun otherThrowablesAndCancellationPassThroughUnchanged() {
        val cancelled = CancellationException("the screen was closed")
        assertSame(cancelled, expectThrows<CancellationException> { mapThecalErrors { throw cancelled } })
        val other = IllegalArgumentException("not ours")
        assertSame(other, expectThrows<IllegalArgumentException> { mapThecalErrors { throw other } })
        assertEquals(null, other.toThecalException())
        val mapped = PumpException.PumpNotPaired().toThecalException()!!
        assertSame("mapping twice gives the same object", mapped, mapped.toThecalException())
        assertEquals(42, mapThecalErrors { 42 })
    }

    /** A transport whose platform side is switched off: it cannot even take events. */
    private object BluetoothOff : QuietTransportBase() {
        override fun setEvents(events: TransportEvents) = throw TransportException.BluetoothUnavailable("Bluetooth is off")
    }

    /** A transport that finds nothing: the link runs (scanning) and never connects. */
    private object QuietTransport : QuietTransportBase()

    private abstract class QuietTransportBase : BleTransport {
        override fun name() = "quiet"
        override fun setEvents(events: TransportEvents) {}
        override suspend fun scan(serviceUuids: List<String>, timeoutMs: UInt): List<Advertisement> = emptyList()
        override suspend fun connect(deviceId: String) = throw TransportException.DeviceNotFound()
        override suspend fun bond(deviceId: String) = throw TransportException.DeviceNotFound()
        override suspend fun identity(deviceId: String) = throw TransportException.DeviceNotFound()
        override suspend fun disconnect(deviceId: String) {}
        override suspend fun read(deviceId: String, characteristic: String) = ByteArray(0)
        override suspend fun write(deviceId: String, characteristic: String, value: ByteArray) {}
        override suspend fun subscribe(deviceId: String, characteristic: String) {}
    }
}
