package org.thecal.tests

import java.nio.file.Files
import java.time.Instant
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.thecal.core.BleTransport
import org.thecal.core.Dashboard
import org.thecal.core.LinkEvent
import org.thecal.core.LinkListener
import org.thecal.core.PumpKind
import org.thecal.core.PumpLink
import org.thecal.core.SecretStore
import org.thecal.core.Thecal
import org.thecal.core.ThecalConfig
import org.thecal.sim.InProcessPump

// README:kotlin
/** Live pump updates as a Flow: the current state first, then every change; nothing dropped. */
fun PumpLink.events(): Flow<LinkEvent> = callbackFlow {
    val subscription = subscribe(object : LinkListener {
        override fun onEvent(event: LinkEvent) {
            trySend(event)
        }
    })
    awaitClose { subscription.cancel() }
}.buffer(Channel.UNLIMITED)

/** Opens Thecal, follows the pump through the app's BLE transport, and reads the home screen. */
suspend fun homeScreen(dataDir: String, keyStore: SecretStore, transport: BleTransport): Dashboard {
    val thecal = Thecal.open(dataDir, ThecalConfig(timeZone = "Europe/Paris"), keyStore)
    thecal.link().start(transport)
    // The current state comes first, then every change: wait until a reading is known.
    thecal.link().events().first { it is LinkEvent.Reading || (it is LinkEvent.Snapshot && it.snapshot.latest != null) }
    return thecal.dashboard() // reservoir, battery, alarms, forecasts, data age
}
// README:end

/** The README's Kotlin snippet, run against the in-process simulated pump. */
class ReadmeExampleTest {
    @Test
    fun theReadmeSnippetWorks() = runBlocking {
        val dir = Files.createTempDirectory("thecal-readme")
        try {
            val pump = InProcessPump(9uL, PumpKind.IMPLANTED, Instant.parse("2026-06-01T08:00:00Z"))
            val home = withTimeout(30_000) { homeScreen(dir.toString(), MemorySecretStore(), SimPumpTransport(pump)) }
            assertEquals(pump.serial(), home.pump?.serial)
            assertTrue(home.reservoir!!.volume.microliters > 0u)
        } finally {
            dir.toFile().deleteRecursively()
        }
    }
}
