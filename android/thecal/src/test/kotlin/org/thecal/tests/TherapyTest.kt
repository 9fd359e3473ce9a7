package org.thecal.tests

import java.nio.file.Files
import java.nio.file.Path
import java.time.Instant
import java.time.LocalDate
import java.time.ZoneId
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.thecal.core.BatteryIndicator
import org.thecal.core.BatteryStatus
import org.thecal.core.CalendarDate
import org.thecal.core.Concentration
import org.thecal.core.DailyDose
import org.thecal.core.DatePrecision
import org.thecal.core.DateRange
import org.thecal.core.DeviceInfo
import org.thecal.core.Drug
import org.thecal.core.ForecastBasis
import org.thecal.core.ForecastConfidence
import org.thecal.core.Freshness
import org.thecal.core.InfusionMode
import org.thecal.core.LocalTime
import org.thecal.core.PumpKind
import org.thecal.core.RefillAppointmentInput
import org.thecal.core.RefillEntry
import org.thecal.core.RefillPlace
import org.thecal.core.RefillSource
import org.thecal.core.ReservoirKind
import org.thecal.core.ResidualFinding
import org.thecal.core.StatusReading
import org.thecal.core.PumpException
import org.thecal.core.Volume

/** The home screen and the refill log, as the Android app calls them. */
class TherapyTest {
    private lateinit var dir: Path

    @Before
    fun makeDir() {
        dir = Files.createTempDirectory("thecal-kotlin-therapy")
    }

    @After
    fun removeDir() {
        dir.toFile().deleteRecursively()
    }

    private val serial = "KT-0001"
    private val pump = DeviceInfo("Acme", "IT-40", serial, "1.0", null, PumpKind.IMPLANTED, ReservoirKind.IMPLANTED_CHAMBER, Volume(40_000u))

    private fun reading(at: Instant) = StatusReading(
        at, at, Volume(20_000u), Volume(40_000u), InfusionMode.CONTINUOUS, DailyDose(4_000u), Drug.Morphine,
        Concentration(20_000u), BatteryStatus(80u, BatteryIndicator.NORMAL),
    )

    @Test
    fun aRefillAppointmentShowsOnTheDashboardAndWarnsWhenTheReservoirMayRunLowFirst() = runBlocking {
        openThecal(dir, "Europe/Paris").use { thecal ->
            thecal.pumps().register(pump)
            thecal.pumps().recordReading(serial, reading(Instant.now()))
            fun inDays(days: Long) = LocalDate.now(ZoneId.of("Europe/Paris")).plusDays(days)
                .let { CalendarDate(it.year, it.monthValue.toUByte(), it.dayOfMonth.toUByte()) }
            // 20 mL at 0.2 mL a day: the reservoir reaches its low level in about three months.
            val kept = thecal.pumps().setRefillAppointment(
                RefillAppointmentInput(inDays(7), LocalTime(10u, 30u), null, "Pain clinic"),
            )!!
            assertEquals("Europe/Paris", kept.timeZone)
            val d = thecal.dashboard()
            assertEquals(kept, d.refillAppointment)
            assertFalse(d.lowBeforeAppointment)
            assertTrue(d.dates.refillAppointment!!, d.dates.refillAppointment!!.endsWith(", 10:30"))
            // Booked in a year, in the clinic's own zone: the reservoir may run low first.
            thecal.pumps().setRefillAppointment(
                RefillAppointmentInput(inDays(365), LocalTime(9u, 0u), "America/New_York", null),
            )
            assertTrue(thecal.dashboard().lowBeforeAppointment)
            // A time no clock shows is refused by its field.
            val e = expectThrows<PumpException.InvalidInput> {
                thecal.pumps().setRefillAppointment(RefillAppointmentInput(inDays(7), LocalTime(25u, 0u), null, null))
            }
            assertEquals("time", e.field)
            assertNull(thecal.pumps().setRefillAppointment(null))
            assertNull(thecal.dashboard().refillAppointment)
        }
    }

    @Test
    fun dashboardShowsTheNewestReadingAndAReservoirForecast() = runBlocking {
        openThecal(dir, "America/New_York").use { thecal ->
            val empty = thecal.dashboard()
            assertEquals(Freshness.NO_DATA, empty.freshness)
            assertNull(empty.pump)

            thecal.pumps().register(pump)
            val now = Instant.now()
            thecal.pumps().recordReading(serial, reading(now))
            val d = thecal.dashboard()
            assertEquals(serial, d.pump?.serial)
            assertEquals("America/New_York", d.timeZone)
            val r = d.reservoir!!
            assertEquals(20_000u, r.volume.microliters)
            assertEquals(ForecastBasis.PROGRAMMED, r.basis)
            // 20 mL of 20 mg/mL at 4 mg/day is 0.2 mL a day: the pump counts 100 days, but pumps
            // of its class deliver about 1 % more than they count: really empty in 99 days.
            assertEquals(200u, r.dailyVolume!!.microliters)
            val runsOut = r.empty!!
            val days = java.time.Duration.between(now.truncatedTo(java.time.temporal.ChronoUnit.MILLIS), runsOut.expected).toDays()
            assertEquals(99L, days)
            assertEquals(80u.toUByte(), runsOut.levelPercent)
            assertTrue(runsOut.earliest < runsOut.expected && runsOut.expected < runsOut.latest)
            // The dashboard says it in the patient's days, at the precision of the range.
            assertEquals(thecal.describeDateRange(runsOut), d.dates.reservoirEmpty)
            assertTrue(d.dates.reservoirEmpty!!, Regex("""around \d+ \w+ \d{4} \(between .+\)""").matches(d.dates.reservoirEmpty!!))
        }
    }

    @Test
    fun forecastDatesAreSaidAtThePrecisionTheRangeSupports() = runBlocking {
        openThecal(dir, "Europe/London").use { thecal ->
            // Far ahead (the test runs after 2026): a range of a week, then of four months.
            val day = DateRange(
                Instant.parse("2036-03-12T12:00:00Z"), Instant.parse("2036-03-10T12:00:00Z"),
                Instant.parse("2036-03-14T12:00:00Z"), 80u, DatePrecision.DAY, ForecastConfidence.HIGH,
            )
            assertEquals("around 12 March 2036 (between 10 and 14 March)", thecal.describeDateRange(day))
            val month = day.copy(
                expected = Instant.parse("2036-03-15T00:00:00Z"), earliest = Instant.parse("2036-01-14T00:00:00Z"),
                latest = Instant.parse("2036-05-15T00:00:00Z"), precision = DatePrecision.MONTH,
            )
            assertEquals("around March 2036 (between January and May 2036)", thecal.describeDateRange(month))
        }
    }

    @Test
    fun aRefillFarFromWhatThePumpExpectedIsFlaggedUntilDiscussed() = runBlocking {
        openThecal(dir, "Europe/Paris").use { thecal ->
            val pumps = thecal.pumps()
            pumps.register(pump)
            thecal.pumps().recordReading(serial, reading(Instant.now()))
            val t0 = Instant.parse("2026-02-01T10:00:00Z")
            val fill = RefillEntry(t0, Volume(3_000u), Volume(40_000u), Drug.Morphine, Concentration(25_000u), DailyDose(5_000u), RefillPlace.CLINIC)
            pumps.recordRefill(serial, fill)
            // The clinic's printout 60 days later: the pump expected 28 mL, 36.5 mL came out.
            val later = fill.copy(at = t0.plusSeconds(60L * 86_400), volumeBefore = Volume(36_500u), expectedBefore = Volume(28_000u))
            pumps.recordRefill(serial, later)
            val flagged = thecal.dashboard().refillsToDiscuss
            assertEquals(1, flagged.size)
            val check = flagged[0].residualCheck!!
            assertEquals(ResidualFinding.MORE_LEFT_THAN_EXPECTED, check.finding)
            assertEquals(71, check.differencePercent)
            assertEquals(Volume(12_000u), check.programmed)
            assertTrue(pumps.markRefillDiscussed(flagged[0].id))
            assertTrue(thecal.dashboard().refillsToDiscuss.isEmpty())
            assertNotNull(pumps.refillLog(serial, 1u)[0].residualCheck!!.discussedAt)
            assertFalse(pumps.markRefillDiscussed(9_999L))
        }
    }

    @Test
    fun refillLogFlagsADrugChangeAndChecksFields() = runBlocking {
        openThecal(dir, "Europe/Paris").use { thecal ->
            val pumps = thecal.pumps()
            pumps.register(pump)
            val t0 = Instant.parse("2026-02-01T10:00:00Z")
            val first = RefillEntry(t0, Volume(2_000u), Volume(40_000u), Drug.Morphine, Concentration(25_000u), DailyDose(5_000u), RefillPlace.CLINIC)
            pumps.recordRefill(serial, first)
            val second = first.copy(at = t0.plusSeconds(60L * 86_400), drug = Drug.Hydromorphone, concentration = Concentration(10_000u))
            pumps.recordRefill(serial, second)
            val log = pumps.refillLog(serial, 10u)
            assertEquals(2, log.size)
            assertEquals(Drug.Hydromorphone, log[0].drug)
            assertTrue(log[0].drugChanged && log[0].concentrationChanged)
            assertFalse(log[1].drugChanged)
            assertEquals(RefillSource.MANUAL, log[0].source)
            assertEquals(Volume(38_000u), log[1].volumeAdded)

            val tooMuch = first.copy(volumeAfter = Volume(41_000u))
            val e = expectThrows<PumpException.InvalidInput> { pumps.recordRefill(serial, tooMuch) }
            assertEquals("volume_after", e.field)
            assertEquals(2, pumps.refillLog(serial, 10u).size)
        }
    }
}
