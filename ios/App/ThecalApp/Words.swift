import Foundation
import Thecal

// The same plain words as the Compose screens (android/ui/.../Words.kt).

struct AlarmWords { let title: String; let meaning: String; let action: String }

func alarmWords(_ kind: AlarmKind) -> AlarmWords {
    let now = "Call your clinic now. Watch for the withdrawal signs listed below."
    switch kind {
    case .reservoirLow: return AlarmWords(title: "Pump needs a refill soon", meaning: "The medicine in your pump is running low.",
                                          action: "Call your clinic to book a refill. This can wait until their next opening hours.")
    case .reservoirEmpty: return AlarmWords(title: "Pump is empty", meaning: "Your pump has run out of medicine or is about to. The medicine may stop reaching you.", action: now)
    case .batteryElectiveReplacement: return AlarmWords(title: "Plan a pump replacement",
                                                        meaning: "The pump's battery has reached the point where a replacement should be planned. The pump keeps working for a limited time.",
                                                        action: "Call your clinic in the next few days to plan the replacement.")
    case .batteryEndOfService: return AlarmWords(title: "Pump battery has run out", meaning: "The pump has stopped giving medicine because its battery has run out.", action: now)
    case .catheterOcclusion: return AlarmWords(title: "Medicine may not be reaching you", meaning: "The tube that carries medicine from the pump to your spine may be blocked or loose.", action: now)
    case .motorStall: return AlarmWords(title: "Pump has stopped pumping", meaning: "The pump's motor stopped. Medicine may not be reaching you.", action: now)
    case .clockError: return AlarmWords(title: "Pump clock needs setting", meaning: "The pump's clock is wrong, so doses set for certain times of day may come at the wrong time.",
                                        action: "Mention it to your clinic at your next contact. It is not urgent.")
    case .pumpFault: return AlarmWords(title: "Pump found a problem", meaning: "The pump's own check found an internal fault.", action: "Call your clinic now.")
    case .unrecognised(let code): return AlarmWords(title: "Pump alarm (code \(code))", meaning: "Your pump raised an alarm this app does not know.", action: "Call your clinic and tell them the code.")
    }
}

/// A priority as a shape and a word (never colour alone), and what a screen reader says.
func priorityWords(_ p: AlarmPriority) -> (symbol: String, label: String, spoken: String) {
    switch p {
    case .high: return ("▲", "URGENT", "Urgent alarm")
    case .medium: return ("◆", "SOON", "Alarm to act on soon")
    case .low: return ("●", "NOT URGENT", "Not urgent alarm")
    }
}

func linkWords(_ state: LinkState) -> String {
    switch state {
    case .connected: return "Connected to your pump"
    case .scanning: return "Looking for your pump"
    case .connecting: return "Connecting to your pump"
    case .reconnecting: return "Connection lost. Trying again by itself."
    case .failed: return "The app cannot reach your pump now. It tries again by itself."
    case .notPaired: return "No pump paired yet"
    case .idle, .stopped: return "Not following your pump"
    }
}

func ageWords(_ seconds: TimeInterval) -> String {
    let s = max(0, Int(seconds))
    func plural(_ n: Int, _ unit: String) -> String { n == 1 ? "1 \(unit)" : "\(n) \(unit)s" }
    if s < 60 { return "less than a minute" }
    if s < 3_600 { return plural(s / 60, "minute") }
    if s < 86_400 { return plural((s + 1_800) / 3_600, "hour") }
    return plural((s + 43_200) / 86_400, "day")
}

/// How current the readings are; `stale` when they must be shown as out of date.
func freshnessWords(_ f: Freshness, age: TimeInterval?) -> (text: String, stale: Bool) {
    let ago = age.map { "\(ageWords($0)) ago" }
    switch f {
    case .noData: return ("No reading from your pump yet.", true)
    case .updating: return ("Updating from your pump…", false)
    case .fresh: return ("Updated \(ago ?? "recently").", false)
    case .stale, .veryStale: return ("Out of date: last reading \(ago ?? "a while ago"). The numbers below may have changed.", true)
    }
}

/// Half millilitres below 10 mL, whole ones above: the pump counts to a few percent.
func volumeWords(_ v: Volume) -> String {
    let ml = Double(v.microliters) / 1000
    if ml >= 10 { return "\(Int(ml.rounded())) mL" }
    let half = (ml * 2).rounded() / 2
    return half == half.rounded() ? "\(Int(half)) mL" : String(format: "%.1f mL", half)
}
