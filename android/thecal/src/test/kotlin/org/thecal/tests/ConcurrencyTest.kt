package org.thecal.tests

import java.nio.file.Files
import java.nio.file.Path
import java.time.Instant
import java.time.temporal.ChronoUnit
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.test.runTest
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.thecal.core.Author
import org.thecal.core.ChangeAction
import org.thecal.core.PainEntry
import org.thecal.core.PainInput

/** Many coroutines on one Thecal at once, and calls cancelled half-way, as an app makes them. */
class ConcurrencyTest {
    private lateinit var dir: Path

    @Before
    fun makeDir() {
        dir = Files.createTempDirectory("thecal-kotlin-concurrency")
    }

    @After
    fun removeDir() {
        dir.toFile().deleteRecursively()
    }

    private val base: Instant = Instant.now().minusSeconds(3_600).truncatedTo(ChronoUnit.MILLIS)

    /** Pain entry [i]: its own time, score and note, so each stored entry says which call made it. */
    private fun input(i: Int) = PainInput(base.plusSeconds(i.toLong()), (i % 11).toUByte(), null, null, null, "call $i")

    @Test
    fun fiftyConcurrentWritesAreAllKeptAndReadBack() = runTest {
        openThecal(dir).use { thecal ->
            val diary = thecal.diary()
            // Fifty suspend calls in flight at once, from the threads of Dispatchers.Default.
            val written = (0 until 50).map { i ->
                async(Dispatchers.Default) { diary.addPain(input(i), Author.PATIENT) }
            }.awaitAll()
            assertEquals("every call got its own entry", 50, written.map { it.id }.toSet().size)
            written.forEachIndexed { i, e -> assertEquals(input(i), e.value) }

            val read = diary.painEntries(base, base.plusSeconds(60))
            assertEquals(written.sortedBy { it.value.at }, read)
            // And fifty reads at once see the same.
            val reads = (0 until 50).map {
                async(Dispatchers.Default) { diary.painEntries(base, base.plusSeconds(60)).size }
            }.awaitAll()
            assertEquals(List(50) { 50 }, reads)
        }
    }

    @Test
    fun cancelledCallsLeaveTheStoreWholeAndUsable() = runBlocking<Unit> {
        val seen = openThecal(dir).use { thecal ->
            val diary = thecal.diary()
            val returned = arrayOfNulls<PainEntry>(20)
            // Each call starts at once and suspends inside the core; all are cancelled at once.
            // A call the core finished before its first suspension (a loaded machine can run the
            // write before this thread polls) returns its entry: then that entry must be stored.
            val calls = launch(start = CoroutineStart.UNDISPATCHED) {
                for (i in 0 until 20) {
                    launch(start = CoroutineStart.UNDISPATCHED) { returned[i] = diary.addPain(input(i), Author.PATIENT) }
                }
            }
            calls.cancel()
            calls.join()
            // The core may still be finishing some of them: each look is checked on its own.
            val firstLook = diary.painEntries(base, base.plusSeconds(60))
            assertWhole(firstLook)
            assertTrue("every entry a call returned is stored", firstLook.containsAll(returned.filterNotNull()))

            // The app goes on: new writes and reads work, each entry with its one history row.
            val after = (20 until 30).map { i -> diary.addPain(input(i), Author.PATIENT) }
            val all = diary.painEntries(base, base.plusSeconds(60))
            assertWhole(all)
            assertTrue("the later writes are all there", all.containsAll(after))
            for (e in all) {
                assertEquals(listOf(ChangeAction.CREATED), diary.painHistory(e.id).map { it.change.action })
            }
            all
        }
        // The data file opens again, with everything seen before.
        openThecal(dir).use { thecal ->
            val entries = thecal.diary().painEntries(base, base.plusSeconds(60))
            assertWhole(entries)
            assertTrue(entries.containsAll(seen))
        }
    }

    /** A cancelled write happened whole or not at all: each entry is exactly one call's, once. */
    private fun assertWhole(entries: List<PainEntry>) {
        assertEquals("no entry twice", entries.size, entries.map { it.id }.toSet().size)
        for (e in entries) {
            val i = e.value.note!!.removePrefix("call ").toInt()
            assertEquals("entry $i is exactly what call $i wrote", input(i), e.value)
        }
    }
}
