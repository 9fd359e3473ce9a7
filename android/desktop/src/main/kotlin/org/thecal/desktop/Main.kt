package org.thecal.desktop

import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.awt.ComposeWindow
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.unit.Density
import androidx.compose.ui.unit.DpSize
import androidx.compose.ui.unit.dp
import androidx.compose.ui.window.Window
import androidx.compose.ui.window.WindowPosition
import androidx.compose.ui.window.application
import androidx.compose.ui.window.rememberWindowState
import java.awt.Rectangle
import java.awt.Robot
import java.nio.file.Files
import java.time.Clock
import java.time.Duration
import java.nio.file.Path
import java.nio.file.Paths
import javax.imageio.ImageIO
import kotlin.system.exitProcess
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.cancel
import kotlinx.coroutines.delay
import org.thecal.core.AlarmPriority
import org.thecal.ui.HomeState
import org.thecal.ui.Navigator
import org.thecal.ui.PatientApp
import org.thecal.ui.Screen
import org.thecal.ui.ThecalApp
import org.thecal.ui.titleOf

/** The phone-sized window: 412 × 915 dp, a common Android phone's screen. */
private val PHONE = DpSize(412.dp, 915.dp)

/**
 * The patient app on the desktop, over the real core and a simulated pump.
 *
 *     thecal-desktop                    opens the window
 *     thecal-desktop --screenshot DIR   saves PNGs of the five screens at 100 % and 200 % font
 *                                       scale (and the home screen with out-of-date data), exits
 *     --font-scale 2                    opens the window at 200 % font scale
 */
fun main(args: Array<String>) {
    val shots = args.indexOf("--screenshot").takeIf { it >= 0 }?.let { Paths.get(args.getOrElse(it + 1) { "screenshots" }) }
    val scale = args.indexOf("--font-scale").takeIf { it >= 0 }?.let { args.getOrNull(it + 1)?.toFloatOrNull() } ?: 1f
    if (shots != null) screenshots(shots) else openWindow(scale)
}

/** The demo patient's app, with its own coroutine scope (cancelled with [close]). */
private class Session(val demo: Demo, parent: CoroutineScope) : AutoCloseable {
    val scope = CoroutineScope(parent.coroutineContext + Job(parent.coroutineContext[Job]))
    val app = PatientApp(demo.thecal, scope)

    override fun close() {
        scope.cancel()
        demo.close()
    }
}

@Composable
private fun Scaled(fontScale: Float, content: @Composable () -> Unit) {
    val base = LocalDensity.current
    CompositionLocalProvider(LocalDensity provides Density(base.density, fontScale), content = content)
}

private fun openWindow(fontScale: Float) = application {
    val navigator = remember { Navigator() }
    Window(
        onCloseRequest = ::exitApplication,
        title = "Thecal: ${titleOf(navigator.screen)}",
        state = rememberWindowState(size = PHONE),
    ) {
        val scope = rememberCoroutineScope()
        var session by remember { mutableStateOf<Session?>(null) }
        var failure by remember { mutableStateOf<String?>(null) }
        LaunchedEffect(Unit) {
            runCatching { Session(Demo.start(scope), scope) }
                .onSuccess { session = it }
                .onFailure { failure = "The demo could not start: ${it.message}" }
        }
        DisposableEffect(Unit) { onDispose { session?.close() } }
        Scaled(fontScale) {
            val s = session
            if (s != null) {
                ThecalApp(s.app, navigator)
            } else {
                Box(Modifier.fillMaxSize(), contentAlignment = Alignment.Center) {
                    Text(failure ?: "Opening your pump's data…")
                }
            }
        }
    }
}

/** One screenshot to take: a name, a screen, and whether to show the diary's validation error. */
private data class Shot(val name: String, val screen: (PatientApp) -> Screen, val before: suspend (PatientApp) -> Unit = {})

private fun firstUrgentAlarm(app: PatientApp): Screen {
    val d = (app.home.value as? HomeState.Ready)?.dashboard ?: error("no dashboard")
    val alarm = d.alarms.firstOrNull { it.alarm.priority == AlarmPriority.HIGH } ?: d.alarms.first()
    return Screen.Alarm(alarm.alarm.id)
}

private val LIVE_SHOTS = listOf(
    Shot("dashboard", { Screen.Dashboard }),
    Shot("alarm", ::firstUrgentAlarm),
    // The diary with a score out of range, as typed: the core's error under the field.
    Shot("diary", { Screen.Diary }, { app -> app.diaryForm.edit("score", "12"); app.diaryForm.submit() }),
    Shot("card", { Screen.Card }),
    Shot("recovery", { Screen.Recovery }),
)
private val STALE_SHOTS = listOf(Shot("dashboard-stale", { Screen.Dashboard }))

/**
 * Runs the app in a real window (under Xvfb in CI) and saves what a patient would see: each
 * screen at 100 % and 200 % font scale, one PNG per window-full as the screen scrolls
 * (`NAME-100-1.png`, `NAME-100-2.png`, ...). Exits non-zero if anything failed.
 */
private fun screenshots(out: Path) {
    Files.createDirectories(out)
    var exitCode = 0
    application(exitProcessOnExit = false) {
        val navigator = remember { Navigator() }
        var fontScale by remember { mutableStateOf(1f) }
        var session by remember { mutableStateOf<Session?>(null) }
        var clock by remember { mutableStateOf(Clock.systemUTC()) }
        val windowState = rememberWindowState(size = PHONE, position = WindowPosition(0.dp, 0.dp))
        Window(onCloseRequest = ::exitApplication, title = "Thecal", state = windowState, resizable = false) {
            val scope = rememberCoroutineScope()
            Scaled(fontScale) {
                session?.let { ThecalApp(it.app, navigator, clock = clock) }
            }
            LaunchedEffect(Unit) {
                try {
                    for ((scenario, shots) in listOf(Scenario.LIVE to LIVE_SHOTS, Scenario.STALE to STALE_SHOTS)) {
                        val s = Session(Demo.start(scope, scenario), scope)
                        // Out of date: what the patient sees two hours after the pump went out of reach.
                        clock = if (scenario == Scenario.STALE) Clock.offset(Clock.systemUTC(), Duration.ofHours(2)) else Clock.systemUTC()
                        session = s
                        // The pump's first dashboard with its alarms.
                        while ((s.app.home.value as? HomeState.Ready)?.dashboard?.alarms?.size != 2) delay(100)
                        for (scale in listOf(1f, 2f)) {
                            fontScale = scale
                            for (shot in shots) {
                                navigator.screen = shot.screen(s.app)
                                shot.before(s.app)
                                capturePages(window, navigator, out, "${shot.name}-${(scale * 100).toInt()}")
                            }
                        }
                        navigator.home()
                        session = null
                        s.close()
                    }
                } catch (e: Throwable) {
                    e.printStackTrace()
                    exitCode = 1
                }
                exitApplication()
            }
        }
    }
    exitProcess(exitCode)
}

/** Saves the window's content, then scrolls one window-full at a time until the end. */
private suspend fun capturePages(window: ComposeWindow, navigator: Navigator, out: Path, name: String) {
    val robot = Robot()
    var page = 1
    delay(1_500) // data loaded (card, checklist), layout settled, frame drawn
    while (true) {
        val pane = window.contentPane
        val at = pane.locationOnScreen
        val image = robot.createScreenCapture(Rectangle(at.x, at.y, pane.width, pane.height))
        val file = out.resolve("$name-$page.png")
        ImageIO.write(image, "png", file.toFile())
        println("screenshot: $file")
        val scroll = navigator.scroll
        if (scroll.value >= scroll.maxValue || page >= 12) break
        // A window-full less a little, so a line cut at the bottom is whole on the next page.
        scroll.scrollTo((scroll.value + (scroll.viewportSize * 0.85).toInt()).coerceAtMost(scroll.maxValue))
        page++
        delay(400)
    }
}
