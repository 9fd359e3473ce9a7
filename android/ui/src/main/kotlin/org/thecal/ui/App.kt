package org.thecal.ui

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.widthIn
import androidx.compose.foundation.ScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import java.time.Clock
import kotlinx.coroutines.delay

/** The five screens. */
sealed interface Screen {
    /** Home: pump, forecasts, link, alarms, last pain score. */
    data object Dashboard : Screen

    /** One open alarm, with acknowledge. */
    data class Alarm(val id: Long) : Screen

    /** A new pain score. */
    data object Diary : Screen

    /** The implanted-device ID card with its QR code. */
    data object Card : Screen

    /** The post-implant checklist and the signs to call the clinic for. */
    data object Recovery : Screen
}

/** Which screen is shown; the platform shell may hold it (back button, screenshots). */
class Navigator(start: Screen = Screen.Dashboard) {
    private var current: Screen by mutableStateOf(start)

    /** The screen shown now; a new screen opens at its top. */
    var screen: Screen
        get() = current
        set(value) {
            if (value != current) scroll = ScrollState(0)
            current = value
        }

    /** How far the current screen is scrolled. */
    var scroll: ScrollState by mutableStateOf(ScrollState(0))
        private set

    /** Back to the home screen. */
    fun home() {
        screen = Screen.Dashboard
    }
}

/** Screen titles, also the window's title on the desktop. */
fun titleOf(screen: Screen): String = when (screen) {
    Screen.Dashboard -> "My pump"
    is Screen.Alarm -> "Alarm"
    Screen.Diary -> "Pain diary"
    Screen.Card -> "ID card"
    Screen.Recovery -> "Recovery checklist"
}

/**
 * The patient app: a title bar (with the way home) over the current screen, which scrolls.
 * [clockTickMs] is how often ages ("updated 4 minutes ago") are redrawn, by [clock].
 */
@Composable
fun ThecalApp(app: PatientApp, navigator: Navigator, clockTickMs: Long = 15_000, clock: Clock = Clock.systemUTC()) {
    var now by remember { mutableStateOf(clock.instant()) }
    LaunchedEffect(clockTickMs, clock) {
        now = clock.instant()
        while (true) {
            delay(clockTickMs)
            now = clock.instant()
        }
    }
    ThecalTheme {
        Column(Modifier.fillMaxSize().background(Color.White)) {
            TitleBar(navigator)
            Column(
                Modifier.fillMaxSize().verticalScroll(navigator.scroll).padding(16.dp),
                verticalArrangement = Arrangement.spacedBy(12.dp),
            ) {
                when (val s = navigator.screen) {
                    Screen.Dashboard -> DashboardScreen(app, navigator, now)
                    is Screen.Alarm -> AlarmScreen(app, s.id, navigator, now)
                    Screen.Diary -> DiaryScreen(app, navigator)
                    Screen.Card -> CardScreen(app)
                    Screen.Recovery -> RecoveryScreen(app)
                }
            }
        }
    }
}

@Composable
private fun TitleBar(navigator: Navigator) {
    // The way home above the title, not beside it: at large font sizes a long title then keeps
    // the whole width and wraps between words.
    Column(
        Modifier.fillMaxWidth().background(QuietBackground).padding(horizontal = 12.dp, vertical = 8.dp),
        verticalArrangement = Arrangement.spacedBy(4.dp),
    ) {
        if (navigator.screen != Screen.Dashboard) {
            OutlinedButton(
                onClick = navigator::home,
                modifier = Modifier.heightIn(min = 48.dp).semantics { contentDescription = "Back to My pump" },
            ) { Text("‹ Home") }
        }
        Text(
            titleOf(navigator.screen),
            style = MaterialTheme.typography.headlineSmall,
            fontWeight = FontWeight.Bold,
            modifier = Modifier.semantics { heading() },
        )
    }
}

/** A full-width button: at least 48 dp high, its label wraps rather than being cut. */
@Composable
fun WideButton(text: String, description: String, primary: Boolean = true, enabled: Boolean = true, onClick: () -> Unit) {
    val modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).widthIn(min = 48.dp)
        .semantics { contentDescription = description }
    if (primary) {
        Button(onClick = onClick, enabled = enabled, modifier = modifier) { Text(text) }
    } else {
        OutlinedButton(onClick = onClick, enabled = enabled, modifier = modifier) { Text(text) }
    }
}
