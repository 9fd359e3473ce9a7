package org.thecal.tests

import app.cash.turbine.test
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.time.Instant
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.thecal.activeAlarms
import org.thecal.core.AlarmKind
import org.thecal.core.Dashboard
import org.thecal.core.LinkEvent
import org.thecal.core.LinkState
import org.thecal.core.PumpKind
import org.thecal.dashboardUpdates
import org.thecal.events
import org.thecal.stateIn
import org.thecal.states
import org.thecal.sim.InProcessPump

/**
 * The Flows of the Kotlin layer against the real library and the in-process simulated pump:
 * each delivers the current state first, then changes, and cancelling its collector leaves no
 * listener registered in the core (the core's own counts go back to 0 by the time the cancelled
 * collector has been joined: no waiting, no polling).
 */
class FlowsTest {
    private lateinit var dir: Path

    @Before
    fun makeDir() {
        dir = Files.createTempDirectory("thecal-kotlin-flows")
    }

    @After
    fun removeDir() {
        dir.toFile().deleteRecursively()
    }

    private val start = Instant.parse("2026-05-04T08:00:00Z")

    /** Generous: the machine running the tests is shared with other builds. */
    private val patience = 20.seconds

    @Test
    fun eventsStartWithTheSnapshotThenFollowTheLiveLink() = runBlocking<Unit> {
        openThecal(dir).use { thecal ->
            val link = thecal.link()
            val pump = InProcessPump(5uL, PumpKind.IMPLANTED, start)
            val transport = SimPumpTransport(pump)
            link.events().test(timeout = patience) {
                val first = awaitItem()
                assertTrue("the current state comes first: $first", first is LinkEvent.Snapshot)
                assertEquals(LinkState.Idle, (first as LinkEvent.Snapshot).snapshot.state)
                assertEquals(1u, link.subscriberCount())

                link.startWith(transport, fastLink)
                link.pairWith(pump)
                while (true) {
                    val e = awaitItem()
                    if (e is LinkEvent.StateChanged && e.state == LinkState.Connected) break
                }
                transport.deliver(pump.advanceTo(start.plus(Duration.ofMinutes(5))))
                while (awaitItem() !is LinkEvent.Reading) continue
                transport.deliver(pump.raiseAlarm(AlarmKind.MotorStall))
                while (true) {
                    val e = awaitItem()
                    if (e is LinkEvent.Alarm) {
                        assertEquals(AlarmKind.MotorStall, e.alarm.kind)
                        break
                    }
                }
                cancelAndIgnoreRemainingEvents()
            }
            // Turbine's `test` cancels and joins its collector before returning.
            assertCountBecomes(0u, "no listener left registered") { link.subscriberCount() }
            link.stop()
        }
    }

    @Test
    fun cancellingACollectorUnsubscribesItAndOnlyIt() = runBlocking<Unit> {
        openThecal(dir).use { thecal ->
            val link = thecal.link()
            val seen = Channel<LinkEvent>(Channel.UNLIMITED)
            // Two collectors on other threads, as two screens of the app would.
            val a = launch(Dispatchers.Default) { link.events().collect { seen.send(it) } }
            val b = launch(Dispatchers.Default) { link.events().collect { seen.send(it) } }
            withTimeout(patience) {
                repeat(2) { assertTrue(seen.receive() is LinkEvent.Snapshot) }
            }
            assertEquals(2u, link.subscriberCount())
            a.cancelAndJoin()
            assertCountBecomes(1u, "the other collector stays") { link.subscriberCount() }
            b.cancelAndJoin()
            assertCountBecomes(0u, "no listener left registered") { link.subscriberCount() }
            // Another handle on the same link sees the same count.
            assertEquals(0u, thecal.link().subscriberCount())
        }
    }

    @Test
    fun statesFollowTheLinkWithoutRepeatsAndStateInStopsWithItsScope() = runBlocking<Unit> {
        openThecal(dir).use { thecal ->
            val link = thecal.link()
            val pump = InProcessPump(6uL, PumpKind.IMPLANTED, start)
            link.states().test(timeout = patience) {
                assertEquals(LinkState.Idle, awaitItem())
                link.startWith(SimPumpTransport(pump), fastLink)
                link.pairWith(pump)
                var previous: LinkState = LinkState.Idle
                while (true) {
                    val state = awaitItem()
                    assertNotEquals("no repeats", previous, state)
                    previous = state
                    if (state == LinkState.Connected) break
                }
                cancelAndIgnoreRemainingEvents()
            }
            assertCountBecomes(0u, "no listener left registered") { link.subscriberCount() }

            // A StateFlow for a view model: it holds the current state at once.
            val scope = CoroutineScope(Job())
            val state = link.stateIn(scope)
            assertEquals(LinkState.Connected, state.value)
            assertEquals(1u, link.subscriberCount())
            link.stop()
            withTimeout(patience) { state.first { it == LinkState.Stopped } }
            scope.coroutineContext[Job]!!.cancelAndJoin()
            assertCountBecomes(0u, "the scope's end unsubscribes") { link.subscriberCount() }
        }
    }

    @Test
    fun dashboardUpdatesComeAtOnceThenOnEveryChangeAndReleaseTheWatcher() = runBlocking<Unit> {
        openThecal(dir, "America/New_York").use { thecal ->
            val dashboards = Channel<Dashboard>(Channel.UNLIMITED)
            val watcher = launch(Dispatchers.Default) { thecal.dashboardUpdates().collect { dashboards.send(it) } }
            val first = withTimeout(patience) { dashboards.receive() }
            assertNull(first.pump)
            assertEquals("America/New_York", first.timeZone)
            assertEquals(1u, thecal.dashboardWatcherCount())

            // A write anywhere in the app brings a new dashboard showing it.
            thecal.pumps().register(samplePump())
            val registered = withTimeout(patience) {
                var d = dashboards.receive()
                while (d.pump == null) d = dashboards.receive()
                d
            }
            assertEquals("KT-0001", registered.pump?.serial)

            watcher.cancelAndJoin()
            assertCountBecomes(0u, "no watcher left registered") { thecal.dashboardWatcherCount() }
        }
    }

    @Test
    fun activeAlarmsShowARaisedAlarmUntilItIsCleared() = runBlocking<Unit> {
        openThecal(dir).use { thecal ->
            val link = thecal.link()
            val pump = InProcessPump(7uL, PumpKind.IMPLANTED, start)
            val transport = SimPumpTransport(pump)
            thecal.activeAlarms().test(timeout = patience) {
                assertEquals("no pump yet, no alarm", emptyList<Any>(), awaitItem())
                assertEquals(1u, thecal.dashboardWatcherCount())
                link.startWith(transport, fastLink)
                link.pairWith(pump)
                // Live alarms go through the link's own queue; wait for it to be connected.
                link.events().first { it is LinkEvent.StateChanged && it.state == LinkState.Connected ||
                    it is LinkEvent.Snapshot && it.snapshot.state == LinkState.Connected }

                transport.deliver(pump.raiseAlarm(AlarmKind.MotorStall))
                var alarms = awaitItem()
                while (alarms.none { it.alarm.kind == AlarmKind.MotorStall }) alarms = awaitItem()

                transport.deliver(pump.clearAlarm(AlarmKind.MotorStall))
                while (alarms.any { it.alarm.kind == AlarmKind.MotorStall }) alarms = awaitItem()
                cancelAndIgnoreRemainingEvents()
            }
            assertCountBecomes(0u, "no watcher left registered") { thecal.dashboardWatcherCount() }
            link.stop()
        }
    }
}
