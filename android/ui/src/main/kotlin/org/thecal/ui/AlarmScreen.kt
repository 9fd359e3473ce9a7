package org.thecal.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.clearAndSetSemantics
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import java.time.Instant
import kotlinx.coroutines.launch
import org.thecal.core.AlarmView
import org.thecal.core.Drug

/** One open alarm: what it means, what to do, and "I have seen this" (in the app only). */
@Composable
fun AlarmScreen(app: PatientApp, alarmId: Long, navigator: Navigator, now: Instant) {
    val state by app.home.collectAsState()
    val ready = state as? HomeState.Ready
    val view: AlarmView? = ready?.dashboard?.alarms?.firstOrNull { it.alarm.id == alarmId }
    if (view == null) {
        Text("This alarm is no longer open: the pump has cleared it.")
        WideButton("Back to My pump", "Back to My pump", onClick = navigator::home)
        return
    }
    val a = view.alarm
    val words = alarmWords(a.kind)
    val (bg, ink) = priorityColors(a.priority)
    val scope = rememberCoroutineScope()
    var busy by remember { mutableStateOf(false) }
    var error by remember { mutableStateOf<String?>(null) }

    InfoCard(bg, ink, Modifier.testTag("alarm-summary")) {
        PriorityLabel(a.priority)
        Text(words.title, style = MaterialTheme.typography.headlineSmall, fontWeight = FontWeight.Bold)
        a.raisedAt?.let { Text("Raised ${momentWords(it, now, app.zone)}.") }
        Text(alarmStateWords(view.current), color = InkSoft)
    }
    SectionTitle("What it means")
    Text(words.meaning)
    SectionTitle("What to do")
    Text(words.action, fontWeight = FontWeight.SemiBold)

    if (mayStopMedicine(a.kind)) {
        val drug = ready.dashboard.lastRefill?.drug ?: Drug.Morphine
        val w = remember(drug) { app.withdrawal(drug) }
        SectionTitle("Withdrawal signs to watch for")
        Text(w.`when`, color = InkSoft)
        Column(verticalArrangement = Arrangement.spacedBy(2.dp)) { w.signs.forEach { Text("• $it") } }
        Text(w.instruction)
        InfoCard(UrgentBackground, UrgentInk) {
            Text("Call emergency services if you have:", fontWeight = FontWeight.Bold, color = UrgentInk)
            w.emergencySigns.forEach { Text("• $it") }
            Text(w.emergencyInstruction, fontWeight = FontWeight.SemiBold)
        }
    }

    SectionTitle("Seen it?")
    val acked = a.appAcknowledgedAt
    if (acked != null) {
        val text = "✓ You marked this alarm as seen ${momentWords(acked, now, app.zone)}."
        Text(text, Modifier.testTag("acknowledged").clearAndSetSemantics { contentDescription = text }, color = OkInk, fontWeight = FontWeight.Bold)
        Text("It stays in your alarm list until the pump clears it.", color = InkSoft)
    } else {
        Text(
            "Marking it as seen only records that you know. It does not silence the pump or change your treatment.",
            color = InkSoft,
        )
        WideButton(
            if (busy) "Saving…" else "I have seen this alarm",
            "Mark this alarm as seen: ${words.title}",
            enabled = !busy,
        ) {
            busy = true
            scope.launch {
                error = app.acknowledge(a.id)
                busy = false
            }
        }
    }
    error?.let { InfoCard(UrgentBackground, UrgentInk, Modifier.fillMaxWidth()) { Text(it, color = UrgentInk) } }
    a.pumpAcknowledgedAt?.let { Text("Silenced at the pump ${momentWords(it, now, app.zone)}.", color = InkSoft) }
}
