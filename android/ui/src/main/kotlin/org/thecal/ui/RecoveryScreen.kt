package org.thecal.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.selection.toggleable
import androidx.compose.material3.Checkbox
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.stateDescription
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import java.time.LocalDate
import java.time.format.DateTimeFormatter
import java.util.Locale
import kotlinx.coroutines.launch
import org.thecal.core.CalendarDate
import org.thecal.core.ChecklistItem
import org.thecal.core.GuidanceLevel

/** The recovery checklist after the implant, and the signs that mean "call now". */
@Composable
fun RecoveryScreen(app: PatientApp) {
    val scope = rememberCoroutineScope()
    var state by remember { mutableStateOf<RecoveryState?>(null) }
    var error by remember { mutableStateOf<String?>(null) }
    LaunchedEffect(Unit) { state = app.recovery() }
    val s = state ?: run {
        Text("Opening your checklist…")
        return
    }
    s.message?.let { Text(it) }
    val plan = s.plan
    if (plan == null) {
        Text("No recovery plan yet. It starts on the day of your implant.")
    } else {
        val dayText = when {
            plan.day < 0 -> "Your implant is in ${-plan.day} days."
            plan.day == 0L -> "Today is the day of your implant."
            plan.day == 1L -> "Day 1 after your implant."
            else -> "Day ${plan.day} after your implant."
        }
        Text(dayText, style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.SemiBold)
        val today = LocalDate.now(app.zone)
        plan.items.forEach { item ->
            ChecklistRow(item, today) { done ->
                scope.launch {
                    error = app.setItemDone(item.key, done)
                    state = app.recovery()
                }
            }
        }
    }
    error?.let { InfoCard(UrgentBackground, UrgentInk) { Text(it, color = UrgentInk) } }

    // The signs, grouped by what to do (each instruction once, not once per sign).
    SectionTitle("Signs that need a call now")
    s.redFlags.filter { it.level != GuidanceLevel.ROUTINE }
        .groupBy { it.level to it.instruction }
        .entries.sortedBy { if (it.key.first == GuidanceLevel.EMERGENCY) 0 else 1 }
        .forEach { (key, flags) ->
            val urgent = key.first == GuidanceLevel.EMERGENCY
            val ink = if (urgent) UrgentInk else SoonInk
            InfoCard(if (urgent) UrgentBackground else SoonBackground, ink, Modifier.semantics(mergeDescendants = true) {}) {
                Text(if (urgent) "▲ CALL EMERGENCY SERVICES if you have:" else "◆ CALL YOUR CLINIC if you have:", color = ink, fontWeight = FontWeight.Bold)
                flags.forEach { Text("• ${it.sign}") }
                Text(key.second, fontWeight = FontWeight.SemiBold)
            }
        }
}

private fun CalendarDate.toLocal(): LocalDate = LocalDate.of(year, month.toInt(), day.toInt())

private fun dateWords(d: LocalDate) = d.format(DateTimeFormatter.ofPattern("d MMMM", Locale.ENGLISH))

@Composable
private fun ChecklistRow(item: ChecklistItem, today: LocalDate, setDone: (Boolean) -> Unit) {
    val done = item.doneAt != null
    val from = item.fromDate.toLocal()
    val to = item.toDate.toLocal()
    val span = when {
        from == to -> dateWords(from)
        from.month == to.month -> "${from.dayOfMonth} to ${dateWords(to)}"
        else -> "${dateWords(from)} to ${dateWords(to)}"
    }
    val whenText = when {
        today.isAfter(to) -> span
        today.isBefore(from) -> if (from == to) "On $span" else "From $span"
        from == to -> "Today"
        else -> "Now, until ${dateWords(to)}"
    }
    Row(
        Modifier.fillMaxWidth().heightIn(min = 48.dp).testTag("item-${item.key}")
            .toggleable(value = done, role = Role.Checkbox, onValueChange = setDone)
            .semantics {
                contentDescription = "${item.title}. $whenText."
                stateDescription = if (done) "Done" else "Not done"
            }
            .padding(vertical = 4.dp),
        verticalAlignment = Alignment.Top,
        horizontalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        Checkbox(checked = done, onCheckedChange = null)
        Column(Modifier.weight(1f), verticalArrangement = Arrangement.spacedBy(2.dp)) {
            Text(item.title, fontWeight = FontWeight.SemiBold)
            Text(item.detail)
            Text(whenText, color = InkSoft, style = MaterialTheme.typography.bodyMedium)
        }
    }
}
