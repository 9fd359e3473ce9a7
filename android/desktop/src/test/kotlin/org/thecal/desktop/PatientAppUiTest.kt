package org.thecal.desktop

import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.semantics.SemanticsActions
import androidx.compose.ui.semantics.SemanticsNode
import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.DesktopComposeUiTest
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.SemanticsMatcher
import androidx.compose.ui.test.onAllNodesWithTag
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performTextReplacement
import androidx.compose.ui.test.runDesktopComposeUiTest
import androidx.compose.ui.text.TextLayoutResult
import androidx.compose.ui.unit.Density
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import org.junit.AfterClass
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.BeforeClass
import org.junit.Test
import org.thecal.core.AlarmPriority
import org.thecal.ui.HomeState
import org.thecal.ui.Navigator
import org.thecal.ui.PatientApp
import org.thecal.ui.Screen
import org.thecal.ui.ThecalApp

/**
 * The patient app's screens as a person (and a screen reader) meets them, over the real core and
 * the simulated pump: one demo patient for the class (its start replays 40 days of pump history).
 * Each test draws the app in a phone-sized Compose scene, headless.
 */
@OptIn(ExperimentalTestApi::class)
class PatientAppUiTest {
    companion object {
        private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        private lateinit var demo: Demo
        private lateinit var app: PatientApp

        @BeforeClass
        @JvmStatic
        fun startDemo() {
            runBlocking {
                demo = Demo.start(scope)
                app = PatientApp(demo.thecal, scope)
                demo.dashboardWithReading()
            }
        }

        @AfterClass
        @JvmStatic
        fun stopDemo() {
            scope.cancel()
            demo.close()
        }

        /** A phone's width (412 dp); tall enough that every screen is laid out whole. */
        private const val WIDTH = 412
        private const val HEIGHT = 12_000
    }

    private fun ui(fontScale: Float = 1f, test: suspend DesktopComposeUiTest.(Navigator) -> Unit) =
        runDesktopComposeUiTest(WIDTH, HEIGHT) {
            val navigator = Navigator()
            setContent {
                CompositionLocalProvider(LocalDensity provides Density(1f, fontScale)) {
                    ThecalApp(app, navigator, clockTickMs = Long.MAX_VALUE)
                }
            }
            waitUntil(timeoutMillis = 20_000) { (app.home.value as? HomeState.Ready)?.dashboard?.alarms?.isNotEmpty() == true }
            test(navigator)
        }

    private val allScreens: List<Screen>
        get() {
            val d = (app.home.value as HomeState.Ready).dashboard
            return listOf(Screen.Dashboard, Screen.Alarm(d.alarms.first().alarm.id), Screen.Diary, Screen.Card, Screen.Recovery)
        }

    /** Shows [screen] and waits until what it loads (card, checklist) is there. */
    private fun DesktopComposeUiTest.show(navigator: Navigator, screen: Screen) {
        navigator.screen = screen
        waitForIdle()
        val loaded = when (screen) {
            Screen.Card -> "qr"
            Screen.Recovery -> null
            else -> null
        }
        if (loaded != null) waitUntil(timeoutMillis = 20_000) { onAllNodesWithTag(loaded).fetchSemanticsNodes().isNotEmpty() }
        if (screen == Screen.Recovery) {
            waitUntil(timeoutMillis = 20_000) {
                onAllNodes(SemanticsMatcher("checklist item") { n -> n.config.getOrNull(SemanticsProperties.TestTag)?.startsWith("item-") == true })
                    .fetchSemanticsNodes().isNotEmpty()
            }
        }
    }

    private fun SemanticsNode.label(): String = listOfNotNull(
        config.getOrNull(SemanticsProperties.ContentDescription)?.joinToString(" "),
        config.getOrNull(SemanticsProperties.Text)?.joinToString(" ") { it.text },
    ).joinToString(" ").trim()

    @Test
    fun everyControlAndStatusHasAScreenReaderLabel() = ui { navigator ->
        for (screen in allScreens) {
            show(navigator, screen)
            // Controls: anything that can be clicked, toggled or typed into carries a description.
            val controls = onAllNodes(
                SemanticsMatcher("a control") { n ->
                    n.config.getOrNull(SemanticsActions.OnClick) != null ||
                        n.config.getOrNull(SemanticsActions.SetText) != null
                },
                useUnmergedTree = true,
            ).fetchSemanticsNodes()
            assertTrue("$screen has controls", controls.isNotEmpty())
            for (c in controls) {
                val description = c.config.getOrNull(SemanticsProperties.ContentDescription)?.joinToString(" ").orEmpty()
                assertTrue("$screen: a control without a description: ${c.label()} ${c.config}", description.isNotBlank())
            }
        }
        // Statuses on the home screen, and the priority of each alarm in words.
        show(navigator, Screen.Dashboard)
        val shown = (app.home.value as HomeState.Ready).dashboard
        val tags = listOf("status", "reservoir", "battery", "last-pain") +
            listOfNotNull(shown.dates.reservoirLow?.let { "refill-date" }, shown.dates.reservoirEmpty?.let { "empty-date" })
        for (tag in tags) {
            val d = onNodeWithTag(tag, useUnmergedTree = true).fetchSemanticsNode().config.getOrNull(SemanticsProperties.ContentDescription)
            assertTrue("status $tag has a description", !d.isNullOrEmpty() && d.joinToString("").isNotBlank())
        }
        val dashboard = (app.home.value as HomeState.Ready).dashboard
        for (view in dashboard.alarms) {
            val d = onNodeWithTag("alarm-${view.alarm.id}").fetchSemanticsNode().label()
            val expected = when (view.alarm.priority) {
                AlarmPriority.HIGH -> "Urgent alarm"
                AlarmPriority.MEDIUM -> "Alarm to act on soon"
                AlarmPriority.LOW -> "Not urgent alarm"
            }
            assertTrue("alarm ${view.alarm.id} says its priority: $d", d.startsWith(expected))
        }
    }

    @Test
    fun nothingIsClippedAt200PercentFontScale() = ui(fontScale = 2f) { navigator ->
        for (screen in allScreens) {
            show(navigator, screen)
            val texts = onAllNodes(SemanticsMatcher.keyIsDefined(SemanticsProperties.Text), useUnmergedTree = true)
                .fetchSemanticsNodes()
            assertTrue("$screen shows text", texts.isNotEmpty())
            for (node in texts) {
                val layouts = mutableListOf<TextLayoutResult>()
                node.config.getOrNull(SemanticsActions.GetTextLayoutResult)?.action?.invoke(layouts)
                val what = "$screen at 200 %: \"${node.label().take(60)}\""
                for (layout in layouts) {
                    // Every line fits in the text's own box: no line runs past its right edge,
                    // no line is left out (maxLines) or cut at the bottom.
                    for (line in 0 until layout.lineCount) {
                        val right = layout.getLineRight(line)
                        assertTrue("$what: line ${line + 1} ends at $right, past its box (${layout.size.width} px)", right <= layout.size.width + 0.5f)
                    }
                    assertTrue("$what has more lines than it may show", !layout.multiParagraph.didExceedMaxLines)
                    // Lines break between words, never inside one ("Recover-y checklis-t").
                    val text = layout.layoutInput.text.text
                    for (line in 0 until layout.lineCount - 1) {
                        val end = layout.getLineEnd(line)
                        val broken = end in 1 until text.length && text[end - 1].isLetterOrDigit() && text[end].isLetterOrDigit()
                        assertTrue("$what breaks a word at line ${line + 1}: \"${text.take(end).takeLast(12)}|${text.drop(end).take(12)}\"", !broken)
                    }
                    assertTrue("$what is cut at the bottom (${layout.size.height} of ${layout.multiParagraph.height} px)", !layout.didOverflowHeight)
                }
                // Not cut by a parent: the part on screen is as wide and as tall as the text.
                val shown = node.boundsInRoot
                assertTrue("$what is cut off (shown ${shown.width} of ${node.size.width} px wide)", shown.width >= node.size.width - 1)
                assertTrue("$what is cut off (shown ${shown.height} of ${node.size.height} px high)", shown.height >= node.size.height - 1)
                assertTrue("$what runs past the screen's edge (${shown.right} > $WIDTH)", shown.right <= WIDTH + 0.5f && shown.left >= -0.5f)
            }
        }
    }

    @Test
    fun aPainScoreEnteredInTheDiaryShowsOnTheDashboard() = ui { navigator ->
        show(navigator, Screen.Dashboard)
        onNodeWithContentDescription("Add a pain score").performClick()
        waitForIdle()
        onNodeWithTag("score").performTextReplacement("3")
        onNodeWithContentDescription("Save pain score").performClick()
        waitUntil(timeoutMillis = 20_000) { onAllNodesWithTag("saved").fetchSemanticsNodes().isNotEmpty() }
        onNodeWithContentDescription("Done: back to My pump").performClick()
        waitUntil(timeoutMillis = 20_000) {
            onNodeWithTag("last-pain").fetchSemanticsNode().label().startsWith("Last pain score: 3 out of 10, today")
        }
    }

    @Test
    fun aScoreOutOfRangeGetsTheCoresErrorUnderTheField() = ui { navigator ->
        show(navigator, Screen.Diary)
        onNodeWithTag("score").performTextReplacement("12")
        onNodeWithContentDescription("Save pain score").performClick()
        waitUntil(timeoutMillis = 20_000) { onNodeWithTag("score").fetchSemanticsNode().config.getOrNull(SemanticsProperties.Error) != null }
        val error = onNodeWithTag("score").fetchSemanticsNode().config[SemanticsProperties.Error]
        assertTrue("the error says the range: $error", error.contains("10"))
        assertTrue("nothing saved", onAllNodesWithTag("saved").fetchSemanticsNodes().isEmpty())
    }

    @Test
    fun acknowledgingAnAlarmRecordsItAsSeen() = ui { navigator ->
        show(navigator, Screen.Dashboard)
        val urgent = (app.home.value as HomeState.Ready).dashboard.alarms.first { it.alarm.priority == AlarmPriority.HIGH }
        assertEquals(null, urgent.alarm.appAcknowledgedAt)
        onNodeWithTag("alarm-${urgent.alarm.id}").performClick()
        waitForIdle()
        onNode(SemanticsMatcher("the acknowledge button") { n ->
            n.config.getOrNull(SemanticsProperties.ContentDescription)?.any { it.startsWith("Mark this alarm as seen") } == true
        }).performClick()
        waitUntil(timeoutMillis = 20_000) { onAllNodesWithTag("acknowledged").fetchSemanticsNodes().isNotEmpty() }
        // In the core too: the stored alarm carries the acknowledgement (the pump was not told).
        val stored = runBlocking { demo.thecal.dashboard() }.alarms.first { it.alarm.id == urgent.alarm.id }
        assertNotNull(stored.alarm.appAcknowledgedAt)
    }
}
