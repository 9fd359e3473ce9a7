package org.thecal.ui

import java.time.Duration
import java.time.Instant
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import java.util.Locale
import org.thecal.core.AlarmCurrentState
import org.thecal.core.AlarmKind
import org.thecal.core.AlarmPriority
import org.thecal.core.BatteryForecast
import org.thecal.core.BatteryIndicator
import org.thecal.core.Freshness
import org.thecal.core.LinkFailure
import org.thecal.core.LinkState
import org.thecal.core.Volume

/*
 * What the screens say, in plain words. Numbers are given at the precision they have: a pump
 * counts its reservoir to a few percent, so volumes are whole or half millilitres, never
 * microlitres; the forecast dates come from the core already worded at their range's precision.
 */

/** What an alarm is, what it means, and what to do, for a person who is not a clinician. */
data class AlarmWords(val title: String, val meaning: String, val action: String)

/** The words for [kind]. */
fun alarmWords(kind: AlarmKind): AlarmWords = when (kind) {
    AlarmKind.ReservoirLow -> AlarmWords(
        "Pump needs a refill soon",
        "The medicine in your pump is running low.",
        "Call your clinic to book a refill. This can wait until their next opening hours.",
    )
    AlarmKind.ReservoirEmpty -> AlarmWords(
        "Pump is empty",
        "Your pump has run out of medicine or is about to. The medicine may stop reaching you.",
        "Call your clinic now. Watch for the withdrawal signs listed below.",
    )
    AlarmKind.BatteryElectiveReplacement -> AlarmWords(
        "Plan a pump replacement",
        "The pump's battery has reached the point where a replacement should be planned. " +
            "The pump keeps working for a limited time.",
        "Call your clinic in the next few days to plan the replacement.",
    )
    AlarmKind.BatteryEndOfService -> AlarmWords(
        "Pump battery has run out",
        "The pump has stopped giving medicine because its battery has run out.",
        "Call your clinic now. Watch for the withdrawal signs listed below.",
    )
    AlarmKind.CatheterOcclusion -> AlarmWords(
        "Medicine may not be reaching you",
        "The tube that carries medicine from the pump to your spine may be blocked or loose.",
        "Call your clinic now. Watch for the withdrawal signs listed below.",
    )
    AlarmKind.MotorStall -> AlarmWords(
        "Pump has stopped pumping",
        "The pump's motor stopped. Medicine may not be reaching you.",
        "Call your clinic now. Watch for the withdrawal signs listed below.",
    )
    AlarmKind.ClockError -> AlarmWords(
        "Pump clock needs setting",
        "The pump's clock is wrong, so doses set for certain times of day may come at the wrong time.",
        "Mention it to your clinic at your next contact. It is not urgent.",
    )
    AlarmKind.PumpFault -> AlarmWords(
        "Pump found a problem",
        "The pump's own check found an internal fault.",
        "Call your clinic now.",
    )
    is AlarmKind.Unrecognised -> AlarmWords(
        "Pump alarm (code ${kind.code})",
        "Your pump raised an alarm this app does not know.",
        "Call your clinic and tell them the code.",
    )
}

/** Whether an alarm can mean that the medicine has stopped (then the withdrawal signs are shown). */
fun mayStopMedicine(kind: AlarmKind): Boolean = when (kind) {
    AlarmKind.ReservoirEmpty, AlarmKind.BatteryEndOfService, AlarmKind.CatheterOcclusion,
    AlarmKind.MotorStall, AlarmKind.PumpFault, is AlarmKind.Unrecognised -> true
    else -> false
}

/** A priority in words, with a shape that tells it apart without colour. */
data class PriorityWords(val symbol: String, val label: String, val spoken: String)

/** The words and shape for [priority]. */
fun priorityWords(priority: AlarmPriority): PriorityWords = when (priority) {
    AlarmPriority.HIGH -> PriorityWords("▲", "Urgent", "Urgent alarm")
    AlarmPriority.MEDIUM -> PriorityWords("◆", "Soon", "Alarm to act on soon")
    AlarmPriority.LOW -> PriorityWords("●", "Not urgent", "Not urgent alarm")
}

/** Whether an open alarm is still sounding, as far as the app knows. */
fun alarmStateWords(state: AlarmCurrentState): String = when (state) {
    AlarmCurrentState.ACTIVE -> "Still active on the pump."
    AlarmCurrentState.UNKNOWN -> "The pump is not connected, so the app cannot tell if it is still active."
}

/** The link's state in words. */
fun linkWords(state: LinkState): String = when (state) {
    is LinkState.Connected -> "Connected to your pump"
    is LinkState.Scanning -> "Looking for your pump"
    is LinkState.Connecting -> "Connecting to your pump"
    is LinkState.Reconnecting -> "Connection lost. Trying again by itself."
    is LinkState.Failed -> linkFailureWords(state.failure)
    is LinkState.NotPaired -> "No pump paired yet"
    is LinkState.Idle, is LinkState.Stopped -> "Not following your pump"
}

private fun linkFailureWords(failure: LinkFailure): String = when (failure) {
    is LinkFailure.BluetoothOff -> "Bluetooth is off. Turn it on to follow your pump."
    is LinkFailure.PermissionDenied -> "The app may not use Bluetooth. Allow it in Settings."
    is LinkFailure.PumpNotFound -> "Your pump is out of reach. The app keeps looking."
    is LinkFailure.PairingRefused -> "Your pump refused the pairing. Ask your clinic for the pairing code."
    is LinkFailure.PumpMismatch -> "This is not your pump. The app did not connect to it."
    else -> "The app cannot reach your pump now. It tries again by itself."
}

/** Whether the link is up, for the status marker. */
fun isConnected(state: LinkState): Boolean = state is LinkState.Connected

/** An age at the precision a person reads: "just now", "4 minutes", "3 hours", "2 days". */
fun ageWords(age: Duration): String {
    val s = age.seconds.coerceAtLeast(0)
    return when {
        s < 60 -> "less than a minute"
        s < 3_600 -> plural(s / 60, "minute")
        s < 86_400 -> plural((s + 1_800) / 3_600, "hour")
        else -> plural((s + 43_200) / 86_400, "day")
    }
}

private fun plural(n: Long, unit: String) = if (n == 1L) "1 $unit" else "$n ${unit}s"

/** How current the readings are, in words; `stale` when they must be shown as out of date. */
data class FreshnessWords(val text: String, val stale: Boolean)

/** The freshness of the newest reading, [age] old (if any). */
fun freshnessWords(freshness: Freshness, age: Duration?): FreshnessWords = when (freshness) {
    Freshness.NO_DATA -> FreshnessWords("No reading from your pump yet.", stale = true)
    Freshness.UPDATING -> FreshnessWords(
        "Updating from your pump…" + (age?.let { " Last reading ${ageWords(it)} ago." } ?: ""),
        stale = false,
    )
    Freshness.FRESH -> FreshnessWords("Updated ${age?.let { ageWords(it) + " ago" } ?: "recently"}.", stale = false)
    Freshness.STALE, Freshness.VERY_STALE -> FreshnessWords(
        "Last reading ${age?.let { ageWords(it) + " ago" } ?: "a while ago"}. " +
            "The numbers below may have changed.",
        stale = true,
    )
}

/** A volume at the precision the pump's count has: half millilitres (whole ones above 10 mL). */
fun volumeWords(volume: Volume): String {
    val ml = volume.microliters.toDouble() / 1000.0
    return when {
        ml >= 10 -> "${Math.round(ml)} mL"
        else -> {
            val half = Math.round(ml * 2) / 2.0
            if (half == Math.floor(half)) "${half.toInt()} mL" else String.format(Locale.ROOT, "%.1f mL", half)
        }
    }
}

/** A daily use: one or two significant figures ("about 0.2 mL a day"). */
fun dailyVolumeWords(volume: Volume): String {
    val ml = volume.microliters.toDouble() / 1000.0
    val text = if (ml >= 1) String.format(Locale.ROOT, "%.1f", ml) else String.format(Locale.ROOT, "%.2f", ml)
    return "about ${text.trimEnd('0').trimEnd('.')} mL a day"
}

/** The battery's state in words. */
fun batteryWords(b: BatteryForecast): String = when (b.indicator) {
    BatteryIndicator.NORMAL -> "Battery ${b.percent} %. Nothing to plan yet."
    BatteryIndicator.ELECTIVE_REPLACEMENT ->
        if (b.replaceable) "Battery low: change it soon." else "Battery low: plan the pump replacement with your clinic."
    BatteryIndicator.END_OF_SERVICE ->
        if (b.replaceable) "Battery empty: change it now." else "Battery has run out: the pump has stopped. Call your clinic now."
}

/** A moment in the patient's zone: "today at 10:42", "yesterday at 18:05", "3 March at 09:00". */
fun momentWords(at: Instant, now: Instant, zone: ZoneId): String {
    val t = at.atZone(zone)
    val today = now.atZone(zone).toLocalDate()
    val time = t.format(DateTimeFormatter.ofPattern("HH:mm", Locale.ENGLISH))
    return when (t.toLocalDate()) {
        today -> "today at $time"
        today.minusDays(1) -> "yesterday at $time"
        else -> t.format(DateTimeFormatter.ofPattern("d MMMM", Locale.ENGLISH)) + " at $time"
    }
}
