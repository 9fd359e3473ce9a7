package org.thecal.ui

import androidx.compose.foundation.BorderStroke
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.semantics.clearAndSetSemantics
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import org.thecal.core.AlarmPriority

/*
 * Colours: every text/background pair below meets WCAG AA for normal text (4.5:1), most of them
 * AAA (7:1); the ratios are in the comments (WCAG 2 relative luminance). Colour never carries a
 * meaning alone: priorities and stale data also have a symbol and words.
 */

/** Near-black text on white: 17.1:1 (on the tinted backgrounds below: 14.1:1 or more). */
val Ink = Color(0xFF1A1C1E)

/** Secondary text on white: 9.3:1 (on any tinted background below: 7.7:1 or more). */
val InkSoft = Color(0xFF44474E)

/** Buttons and links: white on it 7.8:1; it on white 7.8:1, on [QuietBackground] 6.9:1. */
val Action = Color(0xFF0A4FA8)

/** Urgent: text [UrgentInk] on [UrgentBackground] 7.5:1; border [UrgentInk]. */
val UrgentBackground = Color(0xFFFCE4E2)
val UrgentInk = Color(0xFF8C1D18)

/** Soon: [SoonInk] on [SoonBackground] 8.2:1. */
val SoonBackground = Color(0xFFFFF0C2)
val SoonInk = Color(0xFF5C4300)

/** Not urgent / neutral information: [Ink] on [QuietBackground] 15.1:1. */
val QuietBackground = Color(0xFFEEF1F6)

/** Out-of-date readings: [StaleInk] on [StaleBackground] 10.2:1. */
val StaleBackground = Color(0xFFFFF0C2)
val StaleInk = Color(0xFF4A3600)

/** Good state (connected, saved): [OkInk] on [OkBackground] 6.9:1. */
val OkBackground = Color(0xFFE3F4E6)
val OkInk = Color(0xFF1B5E20)

private val colors = lightColorScheme(
    primary = Action,
    onPrimary = Color.White,
    background = Color.White,
    onBackground = Ink,
    surface = Color.White,
    onSurface = Ink,
    onSurfaceVariant = InkSoft,
    error = UrgentInk,
    onError = Color.White,
    outline = Color(0xFF74777F), // text field borders: 4.5:1 on white (3:1 is the bar for them)
)

/** Thecal's look: Material 3, light, calm, high contrast. */
@Composable
fun ThecalTheme(content: @Composable () -> Unit) {
    MaterialTheme(colorScheme = colors, content = content)
}

/** A screen section's heading (a heading for screen readers too). */
@Composable
fun SectionTitle(text: String, modifier: Modifier = Modifier) {
    Text(
        text,
        style = MaterialTheme.typography.titleLarge,
        fontWeight = FontWeight.SemiBold,
        modifier = modifier.padding(top = 8.dp).semantics { heading() },
    )
}

/** The colours of a priority: background and ink. */
fun priorityColors(priority: AlarmPriority): Pair<Color, Color> = when (priority) {
    AlarmPriority.HIGH -> UrgentBackground to UrgentInk
    AlarmPriority.MEDIUM -> SoonBackground to SoonInk
    AlarmPriority.LOW -> QuietBackground to Ink
}

/** The priority as a symbol and a word (never colour alone), read out as one label. */
@Composable
fun PriorityLabel(priority: AlarmPriority, modifier: Modifier = Modifier) {
    val words = priorityWords(priority)
    val (_, ink) = priorityColors(priority)
    Row(
        horizontalArrangement = Arrangement.spacedBy(6.dp),
        modifier = modifier.clearAndSetSemantics { contentDescription = words.spoken },
    ) {
        Text(words.symbol, color = ink, style = MaterialTheme.typography.titleMedium)
        Text(words.label.uppercase(), color = ink, fontWeight = FontWeight.Bold, style = MaterialTheme.typography.titleMedium)
    }
}

/** A block of information with a tinted background and a border (a status, a warning). */
@Composable
fun InfoCard(
    background: Color,
    border: Color,
    modifier: Modifier = Modifier,
    content: @Composable () -> Unit,
) {
    Card(
        modifier = modifier.fillMaxWidth(),
        shape = RoundedCornerShape(12.dp),
        colors = CardDefaults.cardColors(containerColor = background, contentColor = Ink),
        border = BorderStroke(1.dp, border),
    ) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) { content() }
    }
}
