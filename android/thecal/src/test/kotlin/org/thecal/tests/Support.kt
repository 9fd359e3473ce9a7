package org.thecal.tests

import java.nio.file.Path
import java.time.Duration
import java.time.Instant
import java.time.LocalDate
import java.time.ZoneId
import java.util.concurrent.ConcurrentHashMap
import kotlinx.coroutines.yield
import org.junit.Assert.assertEquals
import org.thecal.core.BackoffConfig
import org.thecal.core.CalendarDate
import org.thecal.core.CardClinic
import org.thecal.core.CardContact
import org.thecal.core.CardData
import org.thecal.core.CardDevice
import org.thecal.core.CardDrug
import org.thecal.core.Caregivers
import org.thecal.core.CardMri
import org.thecal.core.Concentration
import org.thecal.core.DailyDose
import org.thecal.core.DeviceInfo
import org.thecal.core.LinkConfig
import org.thecal.core.Drug
import org.thecal.core.MriConditions
import org.thecal.core.MriStatus
import org.thecal.core.MriStep
import org.thecal.core.PumpKind
import org.thecal.core.RefillEntry
import org.thecal.core.RefillPlace
import org.thecal.core.ReservoirKind
import org.thecal.core.SecretStore
import org.thecal.core.Thecal
import org.thecal.core.ThecalConfig
import org.thecal.core.Volume

/**
 * The platform key store for the tests: secrets in memory, as the Android Keystore would keep
 * them for the app (the core stores the clinic's private keys here, never in its database).
 */
class MemorySecretStore : SecretStore {
    private val secrets = ConcurrentHashMap<String, ByteArray>()

    /** The names it holds, sorted. */
    fun names(): List<String> = secrets.keys.sorted()

    override fun load(name: String): ByteArray? = secrets[name]?.copyOf()

    override fun save(name: String, secret: ByteArray) {
        secrets[name] = secret.copyOf()
    }

    override fun delete(name: String) {
        secrets.remove(name)
    }
}

/** Opens Thecal in [dir] for a patient in [timeZone], with its keys in [secrets]. */
suspend fun openThecal(
    dir: Path,
    timeZone: String = "Europe/Paris",
    secrets: SecretStore = MemorySecretStore(),
): Thecal = Thecal.open(dir.toString(), ThecalConfig(timeZone), secrets)

/**
 * Runs [block] and returns the [E] it throws; fails if it throws nothing or something else.
 * Inline, so [block] may call `suspend` functions (JUnit's `assertThrows` takes a plain lambda).
 */
inline fun <reified E : Throwable> expectThrows(block: () -> Unit): E {
    try {
        block()
    } catch (e: Throwable) {
        if (e is E) return e
        throw AssertionError("expected ${E::class.java.name}, got $e", e)
    }
    throw AssertionError("expected ${E::class.java.name}, nothing was thrown")
}

/**
 * Asserts that [count] is [expected], giving the core's threads up to ten seconds to get there
 * (yielding, never sleeping). Listeners are removed synchronously when a collector is cancelled,
 * so this normally passes at the first look; the bound covers the one case where the removal
 * runs on the core's thread: a collector cancelled while its `subscribe` call was completing.
 */
suspend fun assertCountBecomes(expected: UInt, what: String, count: () -> UInt) {
    val deadline = System.nanoTime() + 10_000_000_000L
    while (count() != expected && System.nanoTime() < deadline) yield()
    assertEquals(what, expected, count())
}

/** Today in [zone], as the core's calendar date. */
fun today(zone: ZoneId = ZoneId.of("Europe/Paris")): CalendarDate =
    LocalDate.now(zone).let { CalendarDate(it.year, it.monthValue.toUByte(), it.dayOfMonth.toUByte()) }

/** An implanted 40 mL pump. */
fun samplePump(serial: String = "KT-0001") = DeviceInfo(
    "Acme", "IT-40", serial, "1.0", null, PumpKind.IMPLANTED, ReservoirKind.IMPLANTED_CHAMBER, Volume(40_000u),
)

/** A refill of morphine 25 mg/mL at 5 mg/day, in the clinic. */
fun sampleRefill(at: Instant = Instant.parse("2026-02-01T10:00:00Z")) = RefillEntry(
    at, Volume(2_000u), Volume(40_000u), Drug.Morphine, Concentration(25_000u), DailyDose(5_000u), RefillPlace.CLINIC,
)

/** A complete, valid ID card (an implanted pump, MR Conditional). */
fun sampleCard() = CardData(
    patientName = "Alex Example",
    device = CardDevice(
        name = "Thecal IT-40 programmable infusion pump",
        kind = PumpKind.IMPLANTED,
        manufacturer = "Thecal Simulated Pumps",
        model = "SIM-IT40",
        serial = "SIM-0001",
        lot = "L2026-117",
        udi = null,
    ),
    implantDate = "2026-03-14",
    clinic = CardClinic("Demo Pain Clinic", "Dr Sam Rivera", "+44 20 7946 0000"),
    drugs = listOf(CardDrug("Morphine", Concentration(25_000u))),
    catheter = "Intrathecal catheter, tip at T10",
    emergencyContact = CardContact("Jo Example", "+44 7700 900000"),
    mri = CardMri(
        status = MriStatus.Conditional(MriConditions(listOf(1_500u, 3_000u), 19_000u, 2_000u)),
        steps = listOf(MriStep.PUMP_MAY_STOP_DURING_SCAN, MriStep.INTERROGATE_PUMP_AFTER),
        protocolSource = null,
    ),
)

/** Link settings for tests: reconnect within milliseconds, short scans. */
val fastLink = LinkConfig(
    backoff = BackoffConfig(initial = Duration.ofMillis(1), max = Duration.ofMillis(20)),
    scanTimeout = Duration.ofMillis(100),
)

/** The ids a pairing gives each phone: the caregiver's on the patient's, the patient's on hers. */
data class PairedIds(val caregiver: String, val patient: String)

/**
 * Pairs the patient's [pc] and a caregiver's [cc] through [relay] by QR code, confirmed on both
 * phones (the patient is "Mum" on the caregiver's).
 */
suspend fun pairConfirmed(pc: Caregivers, cc: Caregivers, relay: String): PairedIds {
    val mum = cc.acceptInvitation(pc.invite(relay).qrText, null, "Mum")
    val anna = pc.readMailbox(0u).paired.single()
    pc.confirm(anna)
    cc.confirm(mum.id)
    return PairedIds(anna, mum.id)
}
