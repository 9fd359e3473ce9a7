package org.thecal.tests

import java.nio.file.Files
import java.nio.file.Path
import java.time.Instant
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.thecal.core.Author
import org.thecal.core.LinkEvent
import org.thecal.core.LinkException
import org.thecal.core.LinkState
import org.thecal.core.PainInput
import org.thecal.core.PumpKind
import org.thecal.events
import org.thecal.sim.InProcessPump

/**
 * The native handles as an app holds them: every object of the bindings is `AutoCloseable`
 * (generated: `close()` releases this handle on the core, `use { }` works); closing one handle
 * leaves the others, the calls in flight and the data alone.
 */
class LifecycleTest {
    private lateinit var dir: Path

    @Before
    fun makeDir() {
        dir = Files.createTempDirectory("thecal-kotlin-lifecycle")
    }

    @After
    fun removeDir() {
        dir.toFile().deleteRecursively()
    }

    @Test
    fun aClosedHandleRefusesCallsAndTheDataStays() = runBlocking<Unit> {
        val thecal = openThecal(dir)
        thecal.use { it.pumps().use { pumps -> pumps.register(samplePump()) } }
        val e = expectThrows<IllegalStateException> { thecal.timeZone() }
        assertTrue(e.message, e.message!!.contains("destroyed"))
        thecal.close() // closing twice does nothing
        openThecal(dir).use { assertEquals(listOf(samplePump()), it.pumps().list()) }
    }

    @Test
    fun closingALinkHandleLeavesTheLinkRunning() = runBlocking<Unit> {
        openThecal(dir).use { thecal ->
            val transport = SimPumpTransport(InProcessPump(8uL, PumpKind.IMPLANTED, Instant.parse("2026-05-04T08:00:00Z")))
            thecal.link().use { it.start(transport) }
            thecal.link().use { link ->
                expectThrows<LinkException.AlreadyRunning> { link.start(transport) }
                link.stop()
                assertEquals(LinkState.Stopped, link.snapshot().state)
            }
        }
    }

    @Test
    fun closingThecalWhileACallAndACollectorRunIsSafe() = runBlocking<Unit> {
        val thecal = openThecal(dir)
        val diary = thecal.diary()
        val link = thecal.link()
        val events = Channel<LinkEvent>(Channel.UNLIMITED)
        val collector = launch(Dispatchers.Default) { link.events().collect { events.send(it) } }
        withTimeout(20_000) { assertTrue(events.receive() is LinkEvent.Snapshot) }
        // A write in flight in the core while the app object is closed.
        val write = async(start = CoroutineStart.UNDISPATCHED) {
            diary.addPain(PainInput(Instant.now().minusSeconds(60), 4u, null, null, null, "in flight"), Author.PATIENT)
        }
        thecal.close()
        val entry = write.await()
        assertEquals("in flight", entry.value.note)
        // The other handles still work, and the collector still cleans up after itself.
        assertEquals(1u, link.subscriberCount())
        collector.cancelAndJoin()
        assertCountBecomes(0u, "no listener left registered") { link.subscriberCount() }
        diary.close()
        link.close()
        openThecal(dir).use { reopened ->
            assertEquals(listOf(entry), reopened.diary().painEntries(Instant.EPOCH, Instant.now()))
        }
    }
}
