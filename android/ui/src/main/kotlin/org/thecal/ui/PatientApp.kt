package org.thecal.ui

import java.time.Instant
import java.time.ZoneId
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.SharingStarted
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.catch
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.stateIn
import org.thecal.ThecalException
import org.thecal.core.Author
import org.thecal.core.Language
import org.thecal.core.CardView
import org.thecal.core.Dashboard
import org.thecal.core.Drug
import org.thecal.core.PainInput
import org.thecal.core.RecoveryPlan
import org.thecal.core.RedFlag
import org.thecal.core.Thecal
import org.thecal.core.WithdrawalGuidance
import org.thecal.dashboardUpdates
import org.thecal.mapThecalErrors

/** The home screen's state: the dashboard once it is known, or why it cannot be shown. */
sealed interface HomeState {
    /** The first dashboard is on its way (milliseconds). */
    data object Loading : HomeState

    /** The newest dashboard. */
    data class Ready(val dashboard: Dashboard) : HomeState

    /** The core could not build it; [message] says what to do. */
    data class Failed(val message: String) : HomeState
}

/** What saving a pain score gave: saved, or the error to show next to each field. */
sealed interface DiaryResult {
    /** Saved; [score] is what was saved. */
    data class Saved(val score: Int) : DiaryResult

    /** Not saved: [fieldErrors] by field (`score`, `note`), or [message] for the whole form. */
    data class Invalid(val fieldErrors: Map<String, String>, val message: String? = null) : DiaryResult
}

/** The ID card as the screen shows it: its sections and, once the clinic signed it, the QR text. */
data class CardState(val view: CardView?, val qrText: String?, val validUntil: Instant?, val message: String?)

/** The recovery screen's content. */
data class RecoveryState(val plan: RecoveryPlan?, val redFlags: List<RedFlag>, val message: String?)

/**
 * The patient app over one [Thecal]: the screens read its state and call its actions. Every call
 * into the core is a `suspend` function (the core does its I/O on its own threads), so nothing
 * here blocks the UI thread; [scope] is the app's (a view model's on Android, the window's on
 * the desktop) and keeps the dashboard watched while it lives.
 */
class PatientApp(private val thecal: Thecal, scope: CoroutineScope) {
    /** The patient's time zone, for the times the screens show. */
    val zone: ZoneId = runCatching { ZoneId.of(thecal.timeZone()) }.getOrDefault(ZoneId.of("UTC"))

    /** The dashboard, live: at once, then on every change (a reading, an alarm, a diary entry). */
    val home: StateFlow<HomeState> = thecal.dashboardUpdates()
        .map<Dashboard, HomeState> { HomeState.Ready(it) }
        .catch { e -> emit(HomeState.Failed(sentence(e))) }
        .stateIn(scope, SharingStarted.Eagerly, HomeState.Loading)

    /** The pain diary form (its state outlives the screen). */
    val diaryForm = DiaryForm(this)

    /**
     * Saves a pain score typed as [scoreText] (0 to 10) with an optional [note]. The core checks
     * the values; its errors come back by field, in its own words.
     */
    suspend fun savePain(scoreText: String, note: String): DiaryResult {
        val score = scoreText.trim().toIntOrNull()
        if (score == null || score < 0 || score > 255) {
            val why = if (scoreText.isBlank()) "Enter your pain score: a whole number from 0 to 10." else
                "Enter a whole number from 0 (no pain) to 10 (worst pain you can imagine)."
            return DiaryResult.Invalid(mapOf("score" to why))
        }
        val input = PainInput(Instant.now(), score.toUByte(), null, null, null, note.trim().ifEmpty { null })
        return try {
            mapThecalErrors { thecal.diary().use { it.addPain(input, Author.PATIENT) } }
            DiaryResult.Saved(score)
        } catch (e: ThecalException.InvalidInput) {
            // The core's reason ("must be between 0 and 10") after the field's name as the
            // screen shows it; the core's own sentence for any other field.
            when {
                e.field.startsWith("score") -> DiaryResult.Invalid(mapOf("score" to "The pain score ${e.reason}."))
                e.field.startsWith("note") -> DiaryResult.Invalid(mapOf("note" to "The note ${e.reason}."))
                else -> DiaryResult.Invalid(emptyMap(), e.message)
            }
        } catch (e: ThecalException) {
            DiaryResult.Invalid(emptyMap(), e.message)
        }
    }

    /**
     * Records that the patient has seen alarm [alarmId] (in the app only: nothing is sent to the
     * pump). Returns null when done, or the sentence to show.
     */
    suspend fun acknowledge(alarmId: Long): String? = try {
        mapThecalErrors { thecal.pumps().use { it.acknowledgeAlarm(alarmId) } }
        null
    } catch (e: ThecalException) {
        e.message
    }

    /** The ID card in English with its QR code text, if a clinic signed it. */
    suspend fun card(): CardState = try {
        mapThecalErrors {
            thecal.card().use { card ->
                val view = card.views(listOf(Language.ENGLISH)).firstOrNull()
                val signed = card.signed()
                CardState(view, signed?.text, signed?.expiresAt, null)
            }
        }
    } catch (e: ThecalException.NoCard) {
        CardState(null, null, null, "No ID card yet. Your clinic fills it in with you.")
    } catch (e: ThecalException) {
        CardState(null, null, null, e.message)
    }

    /** The recovery plan with its checklist, and the signs that mean "call your clinic now". */
    suspend fun recovery(): RecoveryState = thecal.recovery().use { r ->
        try {
            RecoveryState(mapThecalErrors { r.plan() }, r.redFlags(), null)
        } catch (e: ThecalException) {
            RecoveryState(null, r.redFlags(), e.message)
        }
    }

    /** Ticks (or unticks) checklist item [key]. Returns null when done, or the sentence to show. */
    suspend fun setItemDone(key: String, done: Boolean): String? = try {
        mapThecalErrors { thecal.recovery().use { it.setItemDone(key, done, Author.PATIENT) } }
        null
    } catch (e: ThecalException) {
        e.message
    }

    /** The withdrawal signs of [drug], for the alarms that can mean the medicine has stopped. */
    fun withdrawal(drug: Drug): WithdrawalGuidance = thecal.recovery().use { it.withdrawalGuidance(drug) }

    private fun sentence(e: Throwable): String =
        (e as? ThecalException ?: runCatching { mapThecalErrors<Nothing> { throw e } }.exceptionOrNull() as? ThecalException)
            ?.message ?: "Something went wrong. Close the app and open it again."
}
