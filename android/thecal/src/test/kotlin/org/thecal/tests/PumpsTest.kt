package org.thecal.tests

import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.time.Instant
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.thecal.core.BatteryIndicator
import org.thecal.core.BatteryStatus
import org.thecal.core.Concentration
import org.thecal.core.DailyDose
import org.thecal.core.DeviceInfo
import org.thecal.core.Drug
import org.thecal.core.InfusionMode
import org.thecal.core.PumpKind
import org.thecal.core.ReservoirKind
import org.thecal.core.StatusReading
import org.thecal.core.OpenException
import org.thecal.core.PumpException
import org.thecal.core.Thecal
import org.thecal.core.Volume

/** The pump API as the Android app sees it, against the real native library and a real store. */
class PumpsTest {
    private lateinit var dir: Path

    @Before
    fun makeDir() {
        dir = Files.createTempDirectory("thecal-kotlin-test")
    }

    @After
    fun removeDir() {
        dir.toFile().deleteRecursively()
    }

    private suspend fun open(timeZone: String = "Europe/Paris"): Thecal = openThecal(dir, timeZone)

    @Test
    fun registeredPumpIsListed() = runBlocking {
        open().use { thecal ->
            thecal.pumps().use { pumps ->
                assertEquals(emptyList<DeviceInfo>(), pumps.list())
                pumps.register(implanted())
                assertEquals(listOf(implanted()), pumps.list())
            }
            assertEquals("Europe/Paris", thecal.timeZone())
        }
    }

    @Test
    fun recordedReadingComesBackExactly() = runBlocking {
        open().use { thecal ->
            thecal.pumps().use { pumps ->
                pumps.register(implanted())
                assertNull(pumps.latestReading(SERIAL))

                val r = reading(T0)
                assertTrue(pumps.recordReading(SERIAL, r))

                val back = pumps.latestReading(SERIAL)!!
                assertEquals(T0, back.takenAt)
                assertEquals(T0.minusSeconds(42), back.pumpClock)
                assertEquals(18_500u, back.reservoirVolume.microliters)
                assertEquals(40_000u, back.reservoirCapacity.microliters)
                assertEquals(InfusionMode.FLEX, back.mode)
                assertEquals(5_000u, back.dailyDose.microgramsPerDay)
                assertEquals(Drug.Other("morphine + clonidine"), back.drug)
                assertEquals(25_000u, back.concentration.microgramsPerMilliliter)
                assertEquals(BatteryStatus(87u, BatteryIndicator.ELECTIVE_REPLACEMENT), back.battery)
                assertEquals(r, back)
            }
        }
    }

    @Test
    fun theSameReadingIsStoredOnce() = runBlocking {
        open().use { thecal ->
            thecal.pumps().use { pumps ->
                pumps.register(implanted())
                assertTrue(pumps.recordReading(SERIAL, reading(T0)))
                assertFalse(pumps.recordReading(SERIAL, reading(T0)))
                // A newer reading is stored and becomes the latest.
                val later = reading(T0.plusSeconds(60)).copy(reservoirVolume = Volume(18_300u))
                assertTrue(pumps.recordReading(SERIAL, later))
                assertEquals(later, pumps.latestReading(SERIAL))
            }
        }
    }

    @Test
    fun timesAreKeptToTheMillisecond() = runBlocking {
        open().use { thecal ->
            thecal.pumps().use { pumps ->
                pumps.register(implanted())
                val precise = T0.plusNanos(123_456_789)
                pumps.recordReading(SERIAL, reading(precise))
                assertEquals(T0.plusMillis(123), pumps.latestReading(SERIAL)!!.takenAt)
            }
        }
    }

    @Test
    fun moreVolumeThanCapacityIsInvalidInput() = runBlocking {
        open().use { thecal ->
            thecal.pumps().use { pumps ->
                pumps.register(implanted())
                val bad = reading(T0).copy(reservoirVolume = Volume(40_001u))
                val e = expectThrows<PumpException.InvalidInput> { pumps.recordReading(SERIAL, bad) }
                assertEquals("reservoir_volume", e.field)
                assertNull("nothing was stored", pumps.latestReading(SERIAL))
            }
        }
    }

    @Test
    fun unknownSerialIsUnknownPump() = runBlocking<Unit> {
        open().use { thecal ->
            thecal.pumps().use { pumps ->
                expectThrows<PumpException.PumpNotPaired> { pumps.recordReading("NOPE-1", reading(T0)) }
            }
        }
    }

    @Test
    fun badDeviceInfoNamesTheField() = runBlocking {
        open().use { thecal ->
            thecal.pumps().use { pumps ->
                val e = expectThrows<PumpException.InvalidInput> {
                    pumps.register(implanted().copy(reservoirKind = ReservoirKind.BAG))
                }
                assertEquals("reservoir_kind", e.field)
                assertEquals(emptyList<DeviceInfo>(), pumps.list())
            }
        }
    }

    @Test
    fun unknownTimeZoneIsInvalidInput() = runBlocking {
        val e = expectThrows<OpenException.InvalidInput> { open("Mars/Olympus_Mons") }
        assertEquals("time_zone", e.field)
    }

    @Test
    fun percentAndAgeAreComputedByTheCore() {
        val r = reading(T0)
        assertEquals(46.25, r.reservoirPercent(), 1e-9)
        assertEquals(Duration.ofMinutes(31), r.age(T0.plus(Duration.ofMinutes(31))))
        // A clock that went backwards never gives a negative age.
        assertEquals(Duration.ZERO, r.age(T0.minusSeconds(300)))
    }

    @Test
    fun dataSurvivesClosingAndReopening() = runBlocking {
        open().use { thecal ->
            thecal.pumps().use { pumps ->
                pumps.register(implanted())
                assertTrue(pumps.recordReading(SERIAL, reading(T0)))
            }
        }
        open().use { thecal ->
            thecal.pumps().use { pumps ->
                assertEquals(listOf(implanted()), pumps.list())
                assertEquals(reading(T0), pumps.latestReading(SERIAL))
                // Still known after reopening: the same reading is not stored twice.
                assertFalse(pumps.recordReading(SERIAL, reading(T0)))
            }
        }
    }

    private companion object {
        const val SERIAL = "SIM0001"
        val T0: Instant = Instant.parse("2026-11-25T09:00:00.250Z")

        fun implanted() = DeviceInfo(
            manufacturer = "Thecal Sim",
            model = "TS-40",
            serial = SERIAL,
            firmwareRevision = "1.0.0",
            hardwareRevision = "B",
            kind = PumpKind.IMPLANTED,
            reservoirKind = ReservoirKind.IMPLANTED_CHAMBER,
            reservoirCapacity = Volume(40_000u),
        )

        /** 40 mL pump, 18.5 mL left, a morphine mixture at 25 mg/mL, 5 mg/day, battery at ERI. */
        fun reading(at: Instant) = StatusReading(
            takenAt = at,
            pumpClock = at.minusSeconds(42),
            reservoirVolume = Volume(18_500u),
            reservoirCapacity = Volume(40_000u),
            mode = InfusionMode.FLEX,
            dailyDose = DailyDose(5_000u),
            drug = Drug.Other("morphine + clonidine"),
            concentration = Concentration(25_000u),
            battery = BatteryStatus(87u, BatteryIndicator.ELECTIVE_REPLACEMENT),
        )
    }
}
