package org.thecal.ui

import androidx.compose.foundation.BorderStroke
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.draw.clip
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Box
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.clearAndSetSemantics
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import java.time.Duration
import java.time.Instant
import org.thecal.core.AlarmView
import org.thecal.core.Dashboard
import org.thecal.core.Freshness

/** Home: link and data age first, then open alarms, the reservoir, the battery and the diary. */
@Composable
fun DashboardScreen(app: PatientApp, navigator: Navigator, now: Instant) {
    val state by app.home.collectAsState()
    when (val s = state) {
        HomeState.Loading -> Text("Reading your pump's data…", Modifier.semantics { contentDescription = "Loading" })
        is HomeState.Failed -> InfoCard(UrgentBackground, UrgentInk) { Text(s.message) }
        is HomeState.Ready -> Dashboard(app, s.dashboard, navigator, now)
    }
}

/** The age of the newest reading now: its age when the dashboard was built, plus the time since. */
private fun readingAge(d: Dashboard, now: Instant): Duration? {
    val asOf = d.reservoir?.asOf ?: return d.lastReadingAge
    return Duration.between(asOf, now).coerceAtLeast(Duration.ZERO)
}

private fun Duration.coerceAtLeast(min: Duration) = if (this < min) min else this

@Composable
private fun Dashboard(app: PatientApp, d: Dashboard, navigator: Navigator, now: Instant) {
    val age = readingAge(d, now)
    // The core classifies freshness when it builds the dashboard; between two dashboards the
    // reading only gets older, so the screen may mark it stale sooner, never fresher.
    val freshness = if (d.freshness == Freshness.FRESH && age != null && age > Duration.ofMinutes(30)) Freshness.STALE else d.freshness
    val fresh = freshnessWords(freshness, age)
    val link = linkWords(d.linkState)

    // Link and data age.
    val (bg, ink, mark) = when {
        fresh.stale -> Triple(StaleBackground, StaleInk, "⚠ Out of date")
        isConnected(d.linkState) -> Triple(OkBackground, OkInk, "✓ Up to date")
        else -> Triple(QuietBackground, Ink, "○ Not connected")
    }
    InfoCard(
        bg, ink,
        Modifier.testTag("status").clearAndSetSemantics { contentDescription = "Pump status. $mark. $link. ${fresh.text}" },
    ) {
        Text(mark, color = ink, fontWeight = FontWeight.Bold, style = MaterialTheme.typography.titleMedium)
        Text(link, color = Ink)
        Text(fresh.text, color = if (fresh.stale) StaleInk else InkSoft)
    }

    // Open alarms, most urgent first.
    SectionTitle(if (d.alarms.isEmpty()) "Alarms" else "Alarms (${d.alarms.size} open)")
    if (d.alarms.isEmpty()) {
        Text("No open alarms.", Modifier.semantics { contentDescription = "No open alarms" })
    }
    d.alarms.forEach { AlarmRow(it, app, now) { navigator.screen = Screen.Alarm(it.alarm.id) } }

    // Reservoir.
    SectionTitle("Medicine in the pump")
    val r = d.reservoir
    if (r == null) {
        Text("No reading yet.")
    } else {
        val asOf = if (fresh.stale) " (reading from ${ageWords(age ?: Duration.ZERO)} ago)" else ""
        val amount = "About ${volumeWords(r.volume)} left of ${volumeWords(r.capacity)}$asOf."
        val percent = r.percent.coerceIn(0.0, 100.0)
        Column(
            Modifier.fillMaxWidth().testTag("reservoir").clearAndSetSemantics {
                contentDescription = "Medicine in the pump: $amount" +
                    (r.dailyVolume?.let { " It uses ${dailyVolumeWords(it)}." } ?: "") +
                    (if (r.isLow) " Low: book a refill." else "")
            },
            verticalArrangement = Arrangement.spacedBy(6.dp),
        ) {
            Text(amount)
            // A plain bar: the fill, no marks (the exact figure is in words above).
            Box(Modifier.fillMaxWidth().height(12.dp).clip(RoundedCornerShape(6.dp)).background(QuietBackground)) {
                Box(
                    Modifier.fillMaxWidth((percent / 100.0).toFloat()).height(12.dp)
                        .clip(RoundedCornerShape(6.dp)).background(if (r.isLow) SoonInk else Action),
                )
            }
            r.dailyVolume?.let { Text("It uses ${dailyVolumeWords(it)}.", color = InkSoft) }
            if (r.isLow) Text("◆ Low: book a refill.", color = SoonInk, fontWeight = FontWeight.Bold)
        }
    }
    d.dates.reservoirLow?.let { DateLine("Book your refill before", it, "refill-date") }
    d.dates.reservoirEmpty?.let { DateLine("The pump would run empty", it, "empty-date") }
    d.dates.lastRefill?.let { DateLine("Last refill", it, "last-refill") }

    // Battery.
    SectionTitle("Pump battery")
    val b = d.battery
    if (b == null) {
        Text("No reading yet.")
    } else {
        Text(batteryWords(b), Modifier.testTag("battery").semantics { contentDescription = "Pump battery: ${batteryWords(b)}" })
        b.daysToEos?.let { days ->
            val text = if (days >= 0) "About $days days left before the pump stops." else "The pump has stopped."
            Text(text, fontWeight = FontWeight.Bold, color = UrgentInk)
        }
    }
    d.dates.batteryEri?.let { DateLine(if (b?.replaceable == true) "Change the battery" else "Plan the pump replacement", it, "eri-date") }
    d.dates.batteryEos?.let { DateLine("The pump would stop", it, "eos-date") }
    if (d.reservoir != null || d.battery != null) {
        Text(
            "Dates are estimates from your pump's readings. Your clinic confirms them.",
            color = InkSoft,
            style = MaterialTheme.typography.bodySmall,
        )
    }

    // Pain diary.
    SectionTitle("Pain")
    val pain = d.lastPain
    val painText = if (pain == null) "No pain score yet." else
        "Last pain score: ${pain.value.score} out of 10, ${momentWords(pain.value.at, now, app.zone)}."
    Text(painText, Modifier.testTag("last-pain").semantics { contentDescription = painText })
    WideButton("Add a pain score", "Add a pain score") { navigator.screen = Screen.Diary }

    d.nextReminder?.let {
        SectionTitle("Next reminder")
        Column(Modifier.fillMaxWidth().semantics(mergeDescendants = true) {}) {
            Text(momentWords(it.fireAt, now, app.zone).replaceFirstChar(Char::uppercase), fontWeight = FontWeight.SemiBold)
            Text(it.title)
        }
    }

    SectionTitle("More")
    WideButton("ID card", "Open your implant ID card", primary = false) { navigator.screen = Screen.Card }
    WideButton("Recovery checklist", "Open your recovery checklist", primary = false) { navigator.screen = Screen.Recovery }
}

/** A forecast date with its label; the date text carries its own range ("between … and …"). */
@Composable
private fun DateLine(label: String, text: String, tag: String) {
    Column(Modifier.fillMaxWidth().testTag(tag).clearAndSetSemantics { contentDescription = "$label: $text" }) {
        Text(label, color = InkSoft, style = MaterialTheme.typography.bodyMedium)
        Text(text, fontWeight = FontWeight.SemiBold)
    }
}

/** One open alarm: priority as symbol and word, what it is, when; opens its details. */
@Composable
private fun AlarmRow(view: AlarmView, app: PatientApp, now: Instant, open: () -> Unit) {
    val a = view.alarm
    val words = alarmWords(a.kind)
    val (bg, ink) = priorityColors(a.priority)
    val raised = a.raisedAt?.let { "Raised ${momentWords(it, now, app.zone)}." } ?: ""
    val seen = if (a.appAcknowledgedAt != null) " You marked it as seen." else ""
    Card(
        onClick = open,
        modifier = Modifier.fillMaxWidth().testTag("alarm-${a.id}").semantics {
            contentDescription = "${priorityWords(a.priority).spoken}: ${words.title}. $raised$seen Opens the details."
        },
        shape = RoundedCornerShape(12.dp),
        colors = CardDefaults.cardColors(containerColor = bg, contentColor = Ink),
        border = BorderStroke(if (a.priority == org.thecal.core.AlarmPriority.HIGH) 3.dp else 1.dp, ink),
    ) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            PriorityLabel(a.priority)
            Text(words.title, fontWeight = FontWeight.Bold, style = MaterialTheme.typography.titleMedium)
            if (raised.isNotEmpty()) Text(raised)
            Text(alarmStateWords(view.current), color = InkSoft)
            if (seen.isNotEmpty()) Text("✓ You marked it as seen.", color = InkSoft)
            Text("Details ›", color = Action, fontWeight = FontWeight.SemiBold)
        }
    }
}
