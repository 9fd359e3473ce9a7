package org.thecal.tests

import java.nio.file.Files
import java.nio.file.Path
import java.time.Instant
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.thecal.core.AlarmCurrentState
import org.thecal.core.AlarmKind
import org.thecal.core.LinkEvent
import org.thecal.core.LinkException
import org.thecal.core.LinkFailure
import org.thecal.core.LinkState
import org.thecal.core.PumpKind
import org.thecal.core.Thecal
import org.thecal.sim.InProcessPump
import org.thecal.sim.simulateFullDisk

/**
 * Pairing as the Android app does it (discover, pick, confirm the serial), and the link's
 * failures as typed states the app can show: PumpMismatch, PumpNotFound, StorageFailed.
 */
class PairingTest {
    private lateinit var dir: Path

    @Before
    fun makeDir() {
        dir = Files.createTempDirectory("thecal-kotlin-pairing")
    }

    @After
    fun removeDir() {
        dir.toFile().deleteRecursively()
    }

    private val start = Instant.parse("2026-05-04T08:00:00Z")

    private fun stranger(seed: ULong, identity: String, serial: String? = null, name: String? = null) =
        InProcessPump.stranger(seed, PumpKind.IMPLANTED, start, identity, serial, name)

    /** An app with the link started over [transport] and a collector subscribed to it. */
    private suspend fun <T> withLink(transport: SimPumpTransport, test: suspend (Thecal, Collector) -> T): T =
        openThecal(dir, "UTC").use { thecal ->
            val collector = Collector()
            val link = thecal.link()
            val sub = link.subscribe(collector)
            link.startWith(transport, fastLink)
            try {
                test(thecal, collector)
            } finally {
                link.stop()
                sub.close()
            }
        }

    @Test
    fun pairsTheRightSerialAndRefusesAWrongOne() = runBlocking<Unit> {
        val own = InProcessPump(11uL, PumpKind.IMPLANTED, start)
        // Another patient's pump nearby advertises our serial as its name: a hint, not an identity.
        val other = stranger(12uL, "stranger-1", name = own.serial())
        val transport = SimPumpTransport(own, other)
        withLink(transport) { thecal, collector ->
            val link = thecal.link()
            val nearby = link.discover(200u)
            assertEquals(setOf(own.deviceId(), "stranger-1"), nearby.map { it.deviceId }.toSet())
            assertTrue("listing connects to nothing", transport.connections.isEmpty())

            // The patient picks the stranger (its name looks right) and types their own serial.
            val wrong = expectThrows<LinkException.PumpMismatch> {
                link.pair(nearby.first { it.deviceId == "stranger-1" }, own.serial())
            }
            assertEquals("serial", wrong.what)
            assertTrue(wrong.toString(), wrong.toString().contains("does not match"))
            assertNull(link.pairedPump())
            assertTrue(thecal.pumps().list().isEmpty())

            // Their own pump, with a serial typed in lower case from the printout.
            val paired = link.pair(nearby.first { it.deviceId == own.deviceId() }, own.serial().lowercase())
            assertEquals(own.serial(), paired.serial)
            assertEquals(own.deviceId(), paired.bleIdentity)
            assertTrue(paired.bonded)
            collector.await<LinkEvent>("Connected") { it is LinkEvent.StateChanged && it.state == LinkState.Connected }
            assertEquals(paired, link.snapshot().paired)
            assertEquals(listOf(own.serial()), thecal.pumps().list().map { it.serial })
        }
    }

    @Test
    fun aPumpAnsweringInThePairedPumpsPlaceIsAPumpMismatch() = runBlocking<Unit> {
        val own = InProcessPump(13uL, PumpKind.IMPLANTED, start)
        // Same BLE identity as ours (a spoofer), another serial; bonded with the phone.
        val impostor = stranger(14uL, own.deviceId(), serial = "SIM-IT-666666")
        impostor.setInRange(false)
        val transport = SimPumpTransport(own, impostor)
        withLink(transport) { thecal, collector ->
            thecal.link().pairWith(own)
            collector.await<LinkEvent>("Connected") { it is LinkEvent.StateChanged && it.state == LinkState.Connected }
            own.setInRange(false)
            impostor.setInRange(true)
            impostor.connect()
            impostor.bond()
            impostor.disconnect()
            transport.dropLink()
            val failed = collector.await<LinkEvent>("PumpMismatch") {
                it is LinkEvent.Failed && it.failure is LinkFailure.PumpMismatch
            } as LinkEvent.Failed
            assertEquals(LinkFailure.PumpMismatch("serial"), failed.failure)
            assertFalse(thecal.pumps().list().any { it.serial == "SIM-IT-666666" })
            assertEquals(failed.failure, thecal.link().snapshot().lastFailure)
            // Each try with it ends in a disconnection (it may be mid-try now): once the link
            // has stopped, nothing is connected to it.
            thecal.link().stop()
            assertFalse("disconnected after each try", impostor.isConnected())
        }
    }

    @Test
    fun thePairedPumpAwayIsPumpNotFoundAndNoOtherPumpIsUsed() = runBlocking<Unit> {
        val own = InProcessPump(15uL, PumpKind.IMPLANTED, start)
        val other = stranger(16uL, "stranger-2", serial = own.serial())
        val transport = SimPumpTransport(own, other)
        withLink(transport) { thecal, collector ->
            val link = thecal.link()
            link.pairWith(own)
            collector.await<LinkEvent>("Connected") { it is LinkEvent.StateChanged && it.state == LinkState.Connected }
            own.setInRange(false)
            transport.dropLink()
            val failed = collector.await<LinkEvent>("PumpNotFound") {
                it is LinkEvent.Failed && it.failure is LinkFailure.PumpNotFound
            } as LinkEvent.Failed
            assertNotNull("last seen", (failed.failure as LinkFailure.PumpNotFound).lastSeen)
            assertTrue(failed.failure.toString(), link.snapshot().lastFailure is LinkFailure.PumpNotFound)
            assertTrue("never the stranger: ${transport.connections}", transport.connections.all { it == own.deviceId() })

            own.setInRange(true)
            collector.await<LinkEvent>("Connected again") { it is LinkEvent.StateChanged && it.state == LinkState.Connected }
            assertNull(link.snapshot().lastFailure)
        }
    }

    @Test
    fun aFullDiskWhileAnAlarmArrivesIsStorageFailedThenTheAlarmIsStoredOnce() = runBlocking<Unit> {
        val own = InProcessPump(17uL, PumpKind.IMPLANTED, start)
        val transport = SimPumpTransport(own)
        withLink(transport) { thecal, collector ->
            thecal.link().pairWith(own)
            collector.await<LinkEvent>("Connected") { it is LinkEvent.StateChanged && it.state == LinkState.Connected }
            transport.deliver(own.raiseAlarm(AlarmKind.CatheterOcclusion))
            collector.await<LinkEvent>("the first alarm") { it is LinkEvent.Alarm }

            simulateFullDisk(thecal, true)
            transport.deliver(own.raiseAlarm(AlarmKind.MotorStall))
            val failed = collector.await<LinkEvent>("StorageFailed") {
                it is LinkEvent.Failed && it.failure is LinkFailure.StorageFailed
            } as LinkEvent.Failed
            assertTrue((failed.failure as LinkFailure.StorageFailed).full)
            val meanwhile = thecal.dashboard()
            assertEquals(listOf(AlarmKind.CatheterOcclusion), meanwhile.alarms.map { it.alarm.kind })
            assertEquals(AlarmCurrentState.UNKNOWN, meanwhile.alarms.single().current)

            simulateFullDisk(thecal, false)
            val alarm = collector.await<LinkEvent>("the motor stall, replayed") {
                it is LinkEvent.Alarm && it.alarm.kind == AlarmKind.MotorStall
            }
            assertNotNull(alarm)
            var again = 0
            collector.await<LinkEvent>("the replay done") {
                if (it is LinkEvent.Alarm) again++
                it is LinkEvent.HistorySynced
            }
            assertEquals("published once", 0, again)
            val open = thecal.dashboard().alarms.map { it.alarm.kind }.toSet()
            assertEquals(setOf(AlarmKind.CatheterOcclusion, AlarmKind.MotorStall), open)
        }
    }
}
