package org.thecal.desktop

import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.time.Instant
import java.time.LocalDate
import java.time.ZoneId
import java.util.concurrent.ConcurrentHashMap
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import org.thecal.core.AlarmKind
import org.thecal.core.Author
import org.thecal.core.BackoffConfig
import org.thecal.core.CalendarDate
import org.thecal.core.CardClinic
import org.thecal.core.CardContact
import org.thecal.core.CardData
import org.thecal.core.CardDevice
import org.thecal.core.CardDrug
import org.thecal.core.CardMri
import org.thecal.core.Concentration
import org.thecal.core.DailyDose
import org.thecal.core.Dashboard
import org.thecal.core.Drug
import org.thecal.core.LinkConfig
import org.thecal.core.MriConditions
import org.thecal.core.MriStatus
import org.thecal.core.MriStep
import org.thecal.core.PainInput
import org.thecal.core.PumpKind
import org.thecal.core.RefillEntry
import org.thecal.core.RefillPlace
import org.thecal.core.SecretStore
import org.thecal.core.Thecal
import org.thecal.core.ThecalConfig
import org.thecal.core.Volume
import org.thecal.dashboardUpdates
import org.thecal.sim.InProcessPump

/** What the demo patient's pump is doing. */
enum class Scenario {
    /** In range and connected: readings arrive every few seconds. */
    LIVE,

    /**
     * The pump goes out of reach once the app has read it: no reading comes after that. (The
     * core's clock is the wall clock, so the screenshots show this state two hours later by
     * running the window's clock ahead: see `Main.kt`.)
     */
    STALE,
}

/** The desktop's key store: secrets in memory (the phone keeps them in its platform key store). */
class MemorySecretStore : SecretStore {
    private val secrets = ConcurrentHashMap<String, ByteArray>()

    override fun load(name: String): ByteArray? = secrets[name]?.copyOf()

    override fun save(name: String, secret: ByteArray) {
        secrets[name] = secret.copyOf()
    }

    override fun delete(name: String) {
        secrets.remove(name)
    }
}

/**
 * A demo patient: the real core in a fresh folder, following a simulated implanted pump that has
 * run for [HISTORY_DAYS] days (its history replayed through the real link on pairing), with a
 * refill, two open alarms, a week of pain scores, an implant card signed by a demo clinic, and a
 * recovery plan a few days in. [close] stops everything and removes the folder.
 */
class Demo private constructor(
    val thecal: Thecal,
    val transport: SimTransport,
    private val dir: Path,
    private val ticker: Job?,
) : AutoCloseable {
    /** The newest dashboard that shows a reading (for the tests). */
    suspend fun dashboardWithReading(): Dashboard = thecal.dashboardUpdates().first { it.reservoir != null }

    /** Makes the pump raise [kind] now, as if it sounded its tone. */
    fun raiseAlarm(kind: AlarmKind) = transport.deliver(transport.pump.raiseAlarm(kind))

    /** Stops the pump's clock and the link, closes the core and removes its folder. */
    suspend fun stop() {
        ticker?.cancel()
        runCatching { thecal.link().use { it.stop() } }
        close()
    }

    override fun close() {
        ticker?.cancel()
        thecal.close()
        dir.toFile().deleteRecursively()
    }

    companion object {
        /** The simulated pump: morphine at about 3 mg a day, a 40 mL reservoir a few weeks from its refill. */
        const val SEED = 6uL

        /** How long the pump has run before the app opens. */
        const val HISTORY_DAYS = 40L

        private val linkConfig = LinkConfig(
            backoff = BackoffConfig(initial = Duration.ofMillis(200), max = Duration.ofSeconds(5)),
            scanTimeout = Duration.ofMillis(500),
        )

        /**
         * Opens the demo patient's core and pairs the pump; [scope] keeps the pump's world
         * moving with the wall clock (LIVE). Takes a few seconds (the history replay).
         */
        suspend fun start(scope: CoroutineScope, scenario: Scenario = Scenario.LIVE, zone: ZoneId = ZoneId.systemDefault()): Demo {
            val dir = Files.createTempDirectory("thecal-desktop")
            val zoneId = runCatching { ZoneId.of(zone.id).normalized().id }.getOrDefault("UTC").let { if (it == "Z") "UTC" else it }
            val thecal = Thecal.open(dir.toString(), ThecalConfig(zoneId), MemorySecretStore())
            val now = Instant.now()
            val start = now.minus(Duration.ofDays(HISTORY_DAYS))
            val pump = InProcessPump(SEED, PumpKind.IMPLANTED, start)
            val transport = SimTransport(pump)
            // The pump's world runs on its own until the phone connects; the link then asks for
            // the pump's history and stores every reading and event of it.
            pump.advanceTo(now)
            thecal.link().use { link ->
                link.startWith(transport, linkConfig)
                val device = link.discover(2_000u).first { it.deviceId == pump.deviceId() }
                link.pair(device, pump.serial())
            }
            withTimeout(120_000) { thecal.dashboardUpdates().first { it.reservoir != null } }
            seed(thecal, transport, pump, start, now)
            if (scenario == Scenario.STALE) {
                transport.setInRange(false)
                return Demo(thecal, transport, dir, null)
            }
            val ticker = scope.launch(Dispatchers.Default) {
                while (isActive) {
                    delay(5_000)
                    transport.deliver(pump.advanceTo(Instant.now()))
                }
            }
            return Demo(thecal, transport, dir, ticker)
        }

        /** The patient's own records: refill, alarms, diary, card, recovery plan. */
        private suspend fun seed(thecal: Thecal, transport: SimTransport, pump: InProcessPump, start: Instant, now: Instant) {
            val serial = pump.serial()
            val dashboard = thecal.dashboard()
            if (dashboard.lastRefill == null) {
                val capacity = dashboard.pump?.reservoirCapacity ?: Volume(40_000u)
                thecal.pumps().use {
                    it.recordRefill(
                        serial,
                        RefillEntry(start, Volume(2_500u), capacity, Drug.Morphine, Concentration(25_000u), DailyDose(5_000u), RefillPlace.CLINIC),
                    )
                }
            }
            transport.deliver(pump.raiseAlarm(AlarmKind.MotorStall))
            transport.deliver(pump.raiseAlarm(AlarmKind.ClockError))
            thecal.diary().use { diary ->
                listOf(6, 5, 7, 5, 4, 5).forEachIndexed { i, score ->
                    val at = now.minus(Duration.ofDays((6 - i).toLong())).minus(Duration.ofHours(3))
                    diary.addPain(PainInput(at, score.toUByte(), null, null, null, null), Author.PATIENT)
                }
            }
            thecal.card().use { card ->
                card.save(demoCard())
                val key = card.createClinicKey("Demo Pain Clinic")
                card.issue(key.keyId, 365u)
            }
            thecal.recovery().use { recovery ->
                val implant = LocalDate.now(ZoneId.of(thecal.timeZone())).minusDays(4)
                val plan = recovery.startPlan(CalendarDate(implant.year, implant.monthValue.toUByte(), implant.dayOfMonth.toUByte()), Drug.Morphine)
                plan.items.take(2).forEach { recovery.setItemDone(it.key, true, Author.PATIENT) }
            }
        }

        /** A made-up patient's implant card (no real person). */
        private fun demoCard() = CardData(
            patientName = "Alex Example",
            device = CardDevice(
                name = "Programmable infusion pump (simulated)",
                kind = PumpKind.IMPLANTED,
                manufacturer = "Thecal Simulated Pumps",
                model = "SIM-IT40",
                serial = "SIM-0007",
                lot = null,
                udi = null,
            ),
            implantDate = LocalDate.now().minusDays(4).toString(),
            clinic = CardClinic("Demo Pain Clinic", "Dr Sam Rivera", "+44 20 7946 0000"),
            drugs = listOf(CardDrug("Morphine", Concentration(25_000u))),
            catheter = "Intrathecal catheter",
            emergencyContact = CardContact("Jo Example", "+44 7700 900000"),
            mri = CardMri(
                status = MriStatus.Conditional(MriConditions(listOf(1_500u, 3_000u), 19_000u, 2_000u)),
                steps = listOf(MriStep.PUMP_MAY_STOP_DURING_SCAN, MriStep.INTERROGATE_PUMP_AFTER),
                protocolSource = null,
            ),
        )
    }
}
