package org.thecal.tests

import java.nio.file.Files
import java.time.Instant
import java.util.Locale
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.launchIn
import kotlinx.coroutines.flow.onEach
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.thecal.ThecalException
import org.thecal.core.Author
import org.thecal.core.BleTransport
import org.thecal.core.Dashboard
import org.thecal.core.DiscoveredPump
import org.thecal.core.PainInput
import org.thecal.core.PumpKind
import org.thecal.core.SecretStore
import org.thecal.core.Thecal
import org.thecal.core.ThecalConfig
import org.thecal.dashboardUpdates
import org.thecal.mapThecalErrors
import org.thecal.sim.InProcessPump

// README:kotlin
/** Opens Thecal (one per app), with its keys in the platform key store, and starts the pump link. */
suspend fun startThecal(dataDir: String, keyStore: SecretStore, transport: BleTransport): Thecal {
    val thecal = Thecal.open(dataDir, ThecalConfig(timeZone = "Europe/Paris"), keyStore)
    thecal.setLanguages(listOf(Locale.getDefault().toLanguageTag())) // Android: PhoneLanguage.follow(context, thecal)
    thecal.link().use { it.start(transport) } // the link runs on; this handle is released
    return thecal
}

/** Pairs the pump the patient picked among those nearby, with the serial they confirmed (ID card). */
suspend fun pairPump(thecal: Thecal, pick: (List<DiscoveredPump>) -> DiscoveredPump, serial: String): String = try {
    mapThecalErrors { thecal.link().use { it.pair(pick(it.discover(5_000u)), serial) } }
    "Paired: Thecal follows this pump and no other."
} catch (e: ThecalException) {
    e.message // a wrong serial (PumpMismatch), pairing refused, Bluetooth off...: what to do
}

/** The home screen, live until [this] scope ends: the dashboard at once, then on every change. */
fun CoroutineScope.showHomeScreen(thecal: Thecal, show: (Dashboard) -> Unit): Job =
    thecal.dashboardUpdates() // reservoir, battery, alarms, forecasts, data age
        .onEach(show)
        .launchIn(this)

/** Saves a pain score. Any API's failure is a ThecalException whose message is for the person. */
suspend fun savePain(thecal: Thecal, score: Int): String = try {
    mapThecalErrors {
        thecal.diary().addPain(PainInput(Instant.now(), score.toUByte(), null, null, null, null), Author.PATIENT)
    }
    "Saved."
} catch (e: ThecalException) {
    when (e) {
        is ThecalException.InvalidInput -> "Check the ${e.field}. ${e.message}"
        is ThecalException.StorageFull -> "${e.message} (Settings > Storage)"
        else -> e.message
    }
}
// README:end

/** The README's Kotlin snippet, run against the in-process simulated pump. */
class ReadmeExampleTest {
    @Test
    fun theReadmeSnippetWorks() = runBlocking<Unit> {
        val dir = Files.createTempDirectory("thecal-readme")
        try {
            val pump = InProcessPump(9uL, PumpKind.IMPLANTED, Instant.parse("2026-06-01T08:00:00Z"))
            startThecal(dir.toString(), MemorySecretStore(), SimPumpTransport(pump)).use { thecal ->
                val ours: (List<DiscoveredPump>) -> DiscoveredPump = { nearby -> nearby.first { it.deviceId == pump.deviceId() } }
                val wrong = pairPump(thecal, ours, "SIM-IT-999999")
                assertTrue(wrong, wrong.startsWith("This pump's serial does not match the one you entered."))
                assertEquals("Paired: Thecal follows this pump and no other.", pairPump(thecal, ours, pump.serial()))
                // The home screen shows the pump once the link has read it.
                val shown = Channel<Dashboard>(Channel.UNLIMITED)
                val screen = showHomeScreen(thecal) { shown.trySend(it) }
                val home = withTimeout(30_000) {
                    var d = shown.receive()
                    while (d.reservoir == null) d = shown.receive()
                    d
                }
                assertEquals(pump.serial(), home.pump?.serial)
                assertTrue(home.reservoir!!.volume.microliters > 0u)
                screen.cancelAndJoin()
                assertCountBecomes(0u, "the screen's watcher is released") { thecal.dashboardWatcherCount() }

                assertEquals("Saved.", savePain(thecal, 4))
                val refused = savePain(thecal, 11)
                assertTrue(refused, refused.startsWith("Check the score. The value for score is not valid: it "))
                thecal.link().use { it.stop() }
            }
        } finally {
            dir.toFile().deleteRecursively()
        }
    }
}
