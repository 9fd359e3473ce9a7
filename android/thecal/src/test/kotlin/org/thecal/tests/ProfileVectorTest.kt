package org.thecal.tests

import java.io.File
import java.time.Instant
import org.junit.Assert.assertEquals
import org.junit.Assert.assertThrows
import org.junit.Test
import org.thecal.core.BatteryIndicator
import org.thecal.core.Drug
import org.thecal.core.FrameException
import org.thecal.core.InfusionMode
import org.thecal.core.decodeStatusFrame

/** The pump profile's test vectors (tests/vectors/pump-profile-v1.json), decoded from Kotlin. */
class ProfileVectorTest {
    private val vectors = File("tests/vectors/pump-profile-v1.json").readText()

    /** The JSON object of the vector named `name` (the file is the single source of truth). */
    private fun vector(name: String): String {
        val at = vectors.indexOf("\"name\": \"$name\"")
        check(at >= 0) { "no vector named $name" }
        return vectors.substring(at, vectors.indexOf("\"name\":", at + 10).takeIf { it > 0 } ?: vectors.length)
    }

    private fun field(block: String, key: String): String =
        Regex("\"$key\": \"?([^\",\\n]+)\"?").find(block)?.groupValues?.get(1) ?: error("no $key")

    private fun bytes(hex: String) = ByteArray(hex.length / 2) { hex.substring(2 * it, 2 * it + 2).toInt(16).toByte() }

    @Test
    fun aStatusVectorDecodesToItsStatedMeaning() {
        val v = vector("status: implanted 40 mL, morphine 25 mg/mL at 5 mg/day")
        val frame = decodeStatusFrame(bytes(field(v, "hex")), Instant.parse("2026-01-05T09:00:30Z"))
        assertEquals(field(v, "counter").toInt(), frame.counter.toInt())
        assertEquals(field(v, "reservoir_volume_ul").toLong(), frame.reading.reservoirVolume.microliters.toLong())
        assertEquals(field(v, "reservoir_capacity_ul").toLong(), frame.reading.reservoirCapacity.microliters.toLong())
        assertEquals(field(v, "daily_dose_ug_per_day").toLong(), frame.reading.dailyDose.microgramsPerDay.toLong())
        assertEquals(field(v, "concentration_ug_per_ml").toLong(), frame.reading.concentration.microgramsPerMilliliter.toLong())
        assertEquals(field(v, "battery_percent").toInt(), frame.reading.battery.percent.toInt())
        assertEquals(Instant.parse(field(v, "pump_time")), frame.reading.pumpClock)
        assertEquals(InfusionMode.CONTINUOUS, frame.reading.mode)
        assertEquals(Drug.Morphine, frame.reading.drug)
        assertEquals(BatteryIndicator.NORMAL, frame.reading.battery.indicator)
    }

    @Test
    fun aDamagedVectorIsATypedError() {
        val v = vector("status: a bit flipped in transit (bad CRC)")
        val e = assertThrows(FrameException.BadCrc::class.java) {
            decodeStatusFrame(bytes(field(v, "hex")), Instant.parse("2026-01-05T09:00:30Z"))
        }
        assertEquals(field(v, "carried").toInt(), e.carried.toInt())
        assertEquals(field(v, "computed").toInt(), e.computed.toInt())
    }
}
