package org.thecal.ui

import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.error
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.input.KeyboardType
import kotlinx.coroutines.launch

/**
 * The pain diary form's state, kept by [PatientApp] so that it outlives the screen (a rotation on
 * Android, a trip to the home screen and back).
 */
class DiaryForm(private val app: PatientApp) {
    /** The score as typed. */
    var score by mutableStateOf("")

    /** The note as typed. */
    var note by mutableStateOf("")

    /** The error to show under each field, by field (`score`, `note`). */
    var errors by mutableStateOf<Map<String, String>>(emptyMap())
        private set

    /** An error about the whole form (storage full...). */
    var formError by mutableStateOf<String?>(null)
        private set

    /** The entry just saved, for the confirmation. */
    var saved by mutableStateOf<DiaryResult.Saved?>(null)
        private set

    /** Whether a save is in flight. */
    var busy by mutableStateOf(false)
        private set

    /** Edits a field: its error goes away and the last confirmation too. */
    fun edit(field: String, value: String) {
        if (field == "score") score = value else note = value
        errors = errors - field
        saved = null
    }

    /** Saves the entry through the core; on success the form is emptied. */
    suspend fun submit() {
        busy = true
        try {
            when (val r = app.savePain(score, note)) {
                is DiaryResult.Saved -> {
                    saved = r; errors = emptyMap(); formError = null; score = ""; note = ""
                }
                is DiaryResult.Invalid -> {
                    errors = r.fieldErrors; formError = r.message
                }
            }
        } finally {
            busy = false
        }
    }
}

/** A new pain score with an optional note; the core's validation errors appear under their field. */
@Composable
fun DiaryScreen(app: PatientApp, navigator: Navigator) {
    val scope = rememberCoroutineScope()
    val form = app.diaryForm

    SectionTitle("How strong is your pain right now?")
    Text("0 means no pain. 10 means the worst pain you can imagine.", color = InkSoft)
    val scoreError = form.errors["score"]
    OutlinedTextField(
        value = form.score,
        onValueChange = { form.edit("score", it) },
        label = { Text("Pain score (0 to 10)") },
        singleLine = true,
        isError = scoreError != null,
        supportingText = scoreError?.let { { Text("⚠ $it", color = UrgentInk) } },
        keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number),
        modifier = Modifier.fillMaxWidth().testTag("score").semantics {
            contentDescription = "Pain score, from 0 to 10"
            if (scoreError != null) error(scoreError)
        },
    )
    val noteError = form.errors["note"]
    OutlinedTextField(
        value = form.note,
        onValueChange = { form.edit("note", it) },
        label = { Text("Note (optional)") },
        isError = noteError != null,
        supportingText = noteError?.let { { Text("⚠ $it", color = UrgentInk) } },
        minLines = 2,
        modifier = Modifier.fillMaxWidth().testTag("note").semantics {
            contentDescription = "Note, optional"
            if (noteError != null) error(noteError)
        },
    )
    WideButton(if (form.busy) "Saving…" else "Save pain score", "Save pain score", enabled = !form.busy) {
        scope.launch { form.submit() }
    }
    form.formError?.let { InfoCard(UrgentBackground, UrgentInk) { Text(it, color = UrgentInk) } }
    form.saved?.let {
        InfoCard(OkBackground, OkInk, Modifier.testTag("saved").semantics { contentDescription = "Saved: pain ${it.score} out of 10" }) {
            Text("✓ Saved: pain ${it.score} out of 10.", color = OkInk, fontWeight = FontWeight.Bold)
            Text("It is in your diary, for you and your clinic.", color = Ink, style = MaterialTheme.typography.bodyMedium)
        }
        WideButton("Back to My pump", "Done: back to My pump", primary = false, onClick = navigator::home)
    }
}
